/*
 * feed_state.c: what the poller learns about a feed and keeps across
 * restarts (a permanent move, a 410 Gone). Short statements, prepared per
 * call: these writes happen a few times in a feed's life.
 */
#include "store.h"

#include <sqlite3.h>

#include "feeds/err.h"
#include "store/store_int.h"

/* Runs one UPDATE with (text ?1, integer ?2) in its own transaction. */
static int
feed_update(struct store *st, const char *sql, const char *text, int64_t id,
    const char *what, struct herald_err *err)
{
	struct store_tx tx;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = store_check_writable(st, err);
	if (rc)
		return rc;
	rc = store_tx_begin(st, &tx, err);
	if (rc)
		return rc;
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 1, text);
	if (rc == SQLITE_OK && id)
		rc = sqlite3_bind_int64(s, 2, id);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "%s", what);
		goto out;
	}
	rc = store_step_done(st, s, what, err);
	if (!rc && sqlite3_changes(st->db) == 0)
		rc = herald_err_set(err, HERALD_E_NOTFOUND, "%s: no such feed",
		    st->path);
out:
	sqlite3_finalize(s);
	return store_tx_end(st, &tx, rc, err);
}

int
store_feed_disable(struct store *st, int64_t feed_id, const char *reason,
    struct herald_err *err)
{
	return feed_update(st, "UPDATE feeds SET enabled = 0,"
	    " disabled_reason = ?1 WHERE id = ?2", reason, feed_id,
	    "disabling a feed", err);
}

int
store_feed_enable(struct store *st, const char *url_or_name,
    struct herald_err *err)
{
	return feed_update(st, "UPDATE feeds SET enabled = 1,"
	    " disabled_reason = NULL, failures = 0"
	    " WHERE url = ?1 OR name = ?1", url_or_name, 0,
	    "enabling a feed", err);
}

int
store_feed_move(struct store *st, int64_t feed_id, const char *url,
    struct herald_err *err)
{
	/* The old validators belong to the old address. */
	return feed_update(st, "UPDATE feeds SET fetch_url = ?1, etag = NULL,"
	    " last_modified = NULL WHERE id = ?2", url, feed_id,
	    "recording a feed's move", err);
}
