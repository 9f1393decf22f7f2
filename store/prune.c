/*
 * prune.c: removing items, by the user (herald rm) or by retention
 * (store_prune, run daily by the daemon and by herald db prune), always
 * leaving tombstones so that a feed re-serving them does not bring them
 * back; and database upkeep (vacuum).
 *
 * Rare, set-based work: the statements here are prepared per call and
 * work through a temp table of doomed item ids, not the statement cache.
 */
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#include "feeds/err.h"
#include "store/store_int.h"

static const char sql_doomed_setup[] =
    "CREATE TEMP TABLE IF NOT EXISTS doomed (id INTEGER PRIMARY KEY);"
    "DELETE FROM temp.doomed;";

/*
 * The tombstones first (they need the sources, which the delete
 * cascades away), then the index (it needs the old text), then the rows:
 * sources, tags and revisions go with them (ON DELETE CASCADE).
 */
static const char sql_tombstones[] =
    "INSERT OR IGNORE INTO tombstones"
    " (feed_id, feed_key, story_key, deleted, reason)"
    " SELECT s.feed_id, s.feed_key, i.story_key, ?1, ?2"
    " FROM temp.doomed d JOIN items i ON i.id = d.id"
    " JOIN item_sources s ON s.item_id = i.id";

/*
 * A story known by a global guid (its story key "g:...") may reach
 * another feed that has no guid for it, only the link: the link is
 * tombstoned too (feed 0), so that it is not brought back that way.
 */
static const char sql_tombstone_links[] =
    "INSERT OR IGNORE INTO tombstones"
    " (feed_id, feed_key, story_key, deleted, reason)"
    " SELECT 0, 'u:' || i.canon, 'u:' || i.canon, ?1, ?2"
    " FROM temp.doomed d JOIN items i ON i.id = d.id"
    " WHERE i.canon IS NOT NULL AND i.story_key LIKE 'g:%'";

static const char sql_unindex[] =
    "INSERT INTO items_fts (items_fts, rowid, title, summary, content)"
    " SELECT 'delete', i.id, i.title, i.summary, i.content"
    " FROM temp.doomed d JOIN items i ON i.id = d.id";

static const char sql_delete[] =
    "DELETE FROM items WHERE id IN (SELECT id FROM temp.doomed)";

/* Prepares sql for one use; finalize it. */
static int
prepare(struct store *st, const char *sql, sqlite3_stmt **s,
    struct herald_err *err)
{
	int rc;

	*s = NULL;
	rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);
	if (rc != SQLITE_OK)
		return store_err(st, rc, err, "preparing %.40s", sql);
	return 0;
}

/* Runs one bound statement to completion; *changes may be NULL. */
static int
run(struct store *st, sqlite3_stmt *s, const char *what, size_t *changes,
    struct herald_err *err)
{
	int rc;

	rc = store_step_done(st, s, what, err);
	if (!rc && changes)
		*changes = (size_t)sqlite3_changes64(st->db);
	return rc;
}

/*
 * Deletes the items in temp.doomed, tombstoning each (feed, key) and
 * story key with reason; *deleted and *tombs (may be NULL) get counts.
 */
static int
doomed_delete(struct store *st, int64_t now, const char *reason,
    size_t *deleted, size_t *tombs, struct herald_err *err)
{
	static const char *const tomb_sql[] = {
		sql_tombstones, sql_tombstone_links,
	};
	sqlite3_stmt *s = NULL;
	size_t n = 0, t = 0, i;
	int rc;

	/* Items still waiting to be indexed cannot be taken out of it. */
	rc = store_fts_flush(st, err);
	for (i = 0; !rc && i < 2; i++) {
		rc = prepare(st, tomb_sql[i], &s, err);
		if (rc)
			goto out;
		rc = sqlite3_bind_int64(s, 1, now);
		if (rc == SQLITE_OK)
			rc = store_bind_text(s, 2, reason);
		if (rc != SQLITE_OK) {
			rc = store_err(st, rc, err, "tombstones: binding");
			goto out;
		}
		rc = run(st, s, "writing tombstones", i ? NULL : &t, err);
		(void)sqlite3_finalize(s);
		s = NULL;
	}
	if (rc)
		goto out;
	rc = store_exec(st, sql_unindex, err);
	if (!rc)
		rc = store_exec(st, sql_delete, err);
	if (!rc)
		n = (size_t)sqlite3_changes64(st->db);
out:
	(void)sqlite3_finalize(s);
	if (!rc && deleted)
		*deleted = n;
	if (!rc && tombs)
		*tombs = t;
	return rc;
}

int
store_items_delete(struct store *st, const int64_t *ids, size_t n,
    int64_t now, size_t *deleted, struct herald_err *err)
{
	struct store_tx tx;
	sqlite3_stmt *s = NULL;
	size_t i;
	int rc;

	if (deleted)
		*deleted = 0;
	rc = store_tx_begin(st, &tx, err);
	if (rc)
		return rc;
	rc = store_exec(st, sql_doomed_setup, err);
	if (!rc)
		rc = prepare(st, "INSERT OR IGNORE INTO temp.doomed (id)"
		    " SELECT id FROM items WHERE id = ?1", &s, err);
	for (i = 0; !rc && i < n; i++) {
		rc = sqlite3_bind_int64(s, 1, ids[i]);
		if (rc != SQLITE_OK) {
			rc = store_err(st, rc, err, "item %lld: binding",
			    (long long)ids[i]);
			break;
		}
		rc = run(st, s, "choosing items to delete", NULL, err);
		(void)sqlite3_reset(s);
	}
	(void)sqlite3_finalize(s);
	if (!rc)
		rc = doomed_delete(st, now, "user", deleted, NULL, err);
	return store_tx_end(st, &tx, rc, err);
}

/* ---- retention ---- */

static const char sql_policy_setup[] =
    "CREATE TEMP TABLE IF NOT EXISTS prune_feed (feed_id INTEGER PRIMARY"
    " KEY, max_age INTEGER NOT NULL, max_items INTEGER NOT NULL);"
    "DELETE FROM temp.prune_feed;";

static const char sql_policy_global[] =
    "INSERT INTO temp.prune_feed SELECT id, ?1, ?2 FROM feeds";

/* A negative limit keeps the global one; the feed is named by id or URL. */
static const char sql_policy_feed[] =
    "UPDATE temp.prune_feed SET"
    " max_age = CASE WHEN ?2 < 0 THEN max_age ELSE ?2 END,"
    " max_items = CASE WHEN ?3 < 0 THEN max_items ELSE ?3 END"
    " WHERE feed_id = ?1 OR (?1 = 0 AND feed_id ="
    " (SELECT id FROM feeds WHERE url = ?4))";

static const char sql_policy_any[] =
    "SELECT count(*) FROM temp.prune_feed WHERE max_age > 0 OR max_items > 0";

/*
 * An item is kept while any feed that carries it keeps it: within that
 * feed's max_age (by its time, COALESCE(published, first_seen), the one
 * herald list shows) and among its max_items newest. A tagged item is
 * also kept while within topic_max_age (?2; 0 = for ever).
 */
static const char sql_doomed_pick[] =
    "WITH ranked AS ("
    " SELECT s.item_id AS id, s.feed_id AS feed_id,"
    " COALESCE(i.published, i.first_seen) AS t,"
    " row_number() OVER (PARTITION BY s.feed_id"
    "  ORDER BY COALESCE(i.published, i.first_seen) DESC, i.id DESC) AS rn"
    " FROM item_sources s JOIN items i ON i.id = s.item_id),"
    " kept AS ("
    " SELECT r.id FROM ranked r JOIN temp.prune_feed p"
    "  ON p.feed_id = r.feed_id"
    " WHERE (p.max_age <= 0 OR r.t >= ?1 - p.max_age)"
    " AND (p.max_items <= 0 OR r.rn <= p.max_items))"
    " INSERT INTO temp.doomed (id)"
    " SELECT i.id FROM items i"
    " WHERE i.id NOT IN (SELECT id FROM kept)"
    " AND NOT (EXISTS (SELECT 1 FROM item_tags g WHERE g.item_id = i.id)"
    "  AND (?2 <= 0 OR COALESCE(i.published, i.first_seen) >= ?1 - ?2))";

static int
policy_load(struct store *st, const struct store_prune_policy *p,
    int *any, struct herald_err *err)
{
	const struct store_prune_feed *pf;
	sqlite3_stmt *s = NULL;
	size_t i;
	int rc;

	*any = 0;
	rc = store_exec(st, sql_policy_setup, err);
	if (!rc)
		rc = prepare(st, sql_policy_global, &s, err);
	if (rc)
		goto out;
	rc = sqlite3_bind_int64(s, 1, p->max_age > 0 ? p->max_age : 0);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, p->max_items > 0 ? p->max_items : 0);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "retention: binding");
		goto out;
	}
	rc = run(st, s, "loading the retention policy", NULL, err);
	(void)sqlite3_finalize(s);
	s = NULL;
	if (!rc && p->nfeeds)
		rc = prepare(st, sql_policy_feed, &s, err);
	for (i = 0; !rc && i < p->nfeeds; i++) {
		pf = &p->feeds[i];
		rc = sqlite3_bind_int64(s, 1, pf->feed_id);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(s, 2, pf->max_age);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(s, 3, pf->max_items);
		if (rc == SQLITE_OK)
			rc = store_bind_text(s, 4, pf->url);
		if (rc != SQLITE_OK) {
			rc = store_err(st, rc, err, "retention: binding");
			break;
		}
		rc = run(st, s, "loading the retention policy", NULL, err);
		(void)sqlite3_reset(s);
	}
	(void)sqlite3_finalize(s);
	s = NULL;
	if (rc)
		goto out;
	rc = prepare(st, sql_policy_any, &s, err);
	if (!rc)
		rc = store_step_row(st, s, "reading the retention policy", err);
	if (rc == 1) {
		*any = sqlite3_column_int64(s, 0) > 0;
		rc = 0;
	}
out:
	(void)sqlite3_finalize(s);
	return rc;
}

/* Whether any limit is set at all. */
static int
policy_limits(const struct store_prune_policy *p)
{
	size_t i;

	if (p->max_age > 0 || p->max_items > 0)
		return 1;
	for (i = 0; i < p->nfeeds; i++)
		if (p->feeds[i].max_age > 0 || p->feeds[i].max_items > 0)
			return 1;
	return 0;
}

int
store_prune(struct store *st, const struct store_prune_policy *p,
    int64_t now, struct store_prune_stats *stats, struct herald_err *err)
{
	struct store_prune_stats ps = { 0, 0 };
	struct store_tx tx;
	sqlite3_stmt *s = NULL;
	int rc, any;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	/* No limit anywhere: nothing can expire; do not even begin. */
	if (!policy_limits(p))
		return 0;
	rc = store_tx_begin(st, &tx, err);
	if (rc)
		return rc;
	rc = policy_load(st, p, &any, err);
	/* Overrides for feeds that do not exist leave no limit. */
	if (rc || !any)
		goto out;
	rc = store_exec(st, sql_doomed_setup, err);
	if (!rc)
		rc = prepare(st, sql_doomed_pick, &s, err);
	if (rc)
		goto out;
	rc = sqlite3_bind_int64(s, 1, now);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2,
		    p->topic_max_age > 0 ? p->topic_max_age : 0);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "retention: binding");
		goto out;
	}
	rc = run(st, s, "choosing expired items", NULL, err);
	if (!rc)
		rc = doomed_delete(st, now, "retention", &ps.deleted,
		    &ps.tombstones, err);
out:
	(void)sqlite3_finalize(s);
	rc = store_tx_end(st, &tx, rc, err);
	if (!rc && stats)
		*stats = ps;
	return rc;
}

int
store_vacuum(struct store *st, struct herald_err *err)
{
	int rc;

	rc = store_check_alone(st, "vacuum", err);
	if (rc)
		return rc;
	/*
	 * VACUUM rewrites the file through the WAL; the checkpoint puts it
	 * in place and TRUNCATE gives the WAL's space back.
	 */
	rc = store_exec(st, "INSERT INTO items_fts (items_fts)"
	    " VALUES ('optimize')", err);
	if (!rc)
		rc = store_exec(st, "VACUUM", err);
	if (!rc)
		rc = store_exec(st, "PRAGMA wal_checkpoint(TRUNCATE)", err);
	return rc;
}
