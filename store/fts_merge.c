/*
 * fts_merge.c: merging the full-text index when the writer is idle.
 *
 * Every commit that adds items flushes FTS5's in-memory terms into a new
 * segment of items_fts, and a search reads each segment a term is in.
 * Schema v6 turns FTS5's own merging off (automerge 0), which it did in
 * the commits themselves, in the middle of a burst of documents; the
 * daemon calls this instead once nothing waits to be stored, a few
 * hundred pages at a time, so that a document arriving meanwhile waits
 * for one step, not for a whole merge.
 */
#include <sqlite3.h>

#include "feeds/err.h"
#include "store/store.h"
#include "store/store_int.h"

static const char sql_merge[] =
    "INSERT INTO items_fts (items_fts, rank) VALUES ('merge', ?1)";

int
store_fts_merge(struct store *st, int pages, int *worked,
    struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	sqlite3_int64 before;
	int rc;

	*worked = 0;
	rc = store_check_alone(st, "index merge", err);
	if (rc)
		return rc;
	rc = store_stmt(st, STMT_FTS_MERGE, sql_merge, &s, err);
	if (rc)
		return rc;
	/* A positive count: "merge at least usermerge segments" (FTS5). */
	rc = sqlite3_bind_int(s, 1, pages > 0 ? pages : 1);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "index merge: binding");
		goto out;
	}
	before = sqlite3_total_changes64(st->db);
	rc = store_step_done(st, s, "merging the search index", err);
	/*
	 * A merge that found nothing to do rewrites the structure record
	 * alone, one change; any merge writes leaves too. The unit test
	 * (test_fts_merge) pins this on the SQLite in use.
	 */
	if (!rc)
		*worked = sqlite3_total_changes64(st->db) - before >= 2;
out:
	store_stmt_release(s);
	return rc;
}
