/*
 * query.c: read-only queries for the CLI and status lines: the item list,
 * the feed list and counts. Each runs as one read transaction (one
 * snapshot), ended by resetting its statements.
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include "feeds/date.h"
#include "feeds/err.h"
#include "feeds/xmem.h"
#include "store/store_int.h"

/*
 * The ORDER BY expression is the one items_time indexes (schema.c), so
 * the newest items come straight off the index and LIMIT stops the scan;
 * the topic and feed filters are per-row index probes. The first source
 * (by first_seen) names the feed.
 */
static const char sql_list[] =
    "SELECT i.id, i.guid, i.link, i.title, i.summary,"
    " COALESCE(f.name, f.url), f.url, i.published, i.updated,"
    " i.first_seen,"
    " (SELECT count(*) FROM item_sources n WHERE n.item_id = i.id)"
    " FROM items i"
    " LEFT JOIN feeds f ON f.id = (SELECT s.feed_id FROM item_sources s"
    "  WHERE s.item_id = i.id ORDER BY s.first_seen, s.rowid LIMIT 1)"
    " WHERE COALESCE(i.published, i.first_seen) >= ?1"
    " AND COALESCE(i.published, i.first_seen) < ?2"
    " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM item_tags t"
    "  WHERE t.item_id = i.id AND t.topic = ?3))"
    " AND (?4 IS NULL OR EXISTS (SELECT 1 FROM item_sources s"
    "  WHERE s.item_id = i.id AND s.feed_id IN"
    "  (SELECT id FROM feeds WHERE url = ?4 OR name = ?4)))"
    " ORDER BY COALESCE(i.published, i.first_seen) DESC, i.id DESC"
    " LIMIT ?5";

/*
 * With a topic the walk starts from item_tags_time (schema.c v2): the
 * topic's tags newest first, so LIMIT stops it after as many rows even
 * when the topic is rare; item_time is the item's COALESCE(published,
 * first_seen), kept true by triggers. CROSS JOIN pins that order.
 */
static const char sql_list_by_topic[] =
    "SELECT i.id, i.guid, i.link, i.title, i.summary,"
    " COALESCE(f.name, f.url), f.url, i.published, i.updated,"
    " i.first_seen,"
    " (SELECT count(*) FROM item_sources n WHERE n.item_id = i.id)"
    " FROM item_tags t CROSS JOIN items i ON i.id = t.item_id"
    " LEFT JOIN feeds f ON f.id = (SELECT s.feed_id FROM item_sources s"
    "  WHERE s.item_id = i.id ORDER BY s.first_seen, s.rowid LIMIT 1)"
    " WHERE t.topic = ?3 AND t.item_time >= ?1 AND t.item_time < ?2"
    " AND (?4 IS NULL OR EXISTS (SELECT 1 FROM item_sources s"
    "  WHERE s.item_id = i.id AND s.feed_id IN"
    "  (SELECT id FROM feeds WHERE url = ?4 OR name = ?4)))"
    " ORDER BY t.item_time DESC, t.item_id DESC"
    " LIMIT ?5";

/*
 * With a feed (and no topic) the walk starts from that feed's sources
 * (the (feed_id, feed_key) index) and sorts them: a feed holds thousands
 * of items at most, while the items_time walk of sql_list would probe a
 * million rows to find a rare feed's newest 50.
 */
static const char sql_list_by_feed[] =
    "SELECT i.id, i.guid, i.link, i.title, i.summary,"
    " COALESCE(f.name, f.url), f.url, i.published, i.updated,"
    " i.first_seen,"
    " (SELECT count(*) FROM item_sources n WHERE n.item_id = i.id)"
    " FROM item_sources s0 CROSS JOIN items i ON i.id = s0.item_id"
    " LEFT JOIN feeds f ON f.id = (SELECT s.feed_id FROM item_sources s"
    "  WHERE s.item_id = i.id ORDER BY s.first_seen, s.rowid LIMIT 1)"
    " WHERE s0.feed_id IN (SELECT id FROM feeds WHERE url = ?4 OR name = ?4)"
    " AND COALESCE(i.published, i.first_seen) >= ?1"
    " AND COALESCE(i.published, i.first_seen) < ?2"
    " AND ?3 IS NULL"
    " ORDER BY COALESCE(i.published, i.first_seen) DESC, i.id DESC"
    " LIMIT ?5";

static const char sql_list_topics[] =
    "SELECT topic, score FROM item_tags WHERE item_id = ?1"
    " ORDER BY score DESC, topic";

static void
topic_list_clear(struct store_topics *tl)
{
	size_t i;

	for (i = 0; i < tl->n; i++)
		free(tl->names[i]);
	tl->n = 0;
}

void
store_topics_fini(struct store_topics *tl)
{
	topic_list_clear(tl);
	free(tl->names);
	free(tl->scores);
}

static void
topic_list_add(struct store_topics *tl, const char *name, double score)
{
	if (tl->n == tl->cap) {
		tl->cap = tl->cap ? tl->cap * 2 : 8;
		tl->names = xreallocarray(tl->names, tl->cap,
		    sizeof(*tl->names));
		tl->scores = xreallocarray(tl->scores, tl->cap,
		    sizeof(*tl->scores));
	}
	tl->names[tl->n] = xstrdup(name ? name : "");
	tl->scores[tl->n] = score;
	tl->n++;
}

int
store_topics_load(struct store *st, int64_t id, struct store_topics *tl,
    struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	topic_list_clear(tl);
	rc = store_stmt(st, STMT_LIST_TOPICS, sql_list_topics, &s, err);
	if (rc)
		goto out;
	rc = sqlite3_bind_int64(s, 1, id);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "item %lld: binding",
		    (long long)id);
		goto out;
	}
	for (;;) {
		rc = store_step_row(st, s, "listing topics", err);
		if (rc != 1)
			break;
		topic_list_add(tl, store_column_text(s, 0),
		    sqlite3_column_double(s, 1));
	}
out:
	store_stmt_release(s);
	return rc;
}

static int
list_bind(sqlite3_stmt *s, const struct store_list_query *q)
{
	int rc;

	/* DATE_NONE is INT64_MIN, which bounds nothing from below. */
	rc = sqlite3_bind_int64(s, 1, q->since);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2,
		    q->until == DATE_NONE ? INT64_MAX : q->until);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 3, q->topic);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 4, q->feed);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 5, q->limit > 0 ? q->limit : -1);
	return rc;
}

static void
list_view(sqlite3_stmt *s, const struct store_topics *tl,
    struct store_item_view *v)
{
	memset(v, 0, sizeof(*v));
	v->id = sqlite3_column_int64(s, 0);
	v->guid = store_column_text(s, 1);
	v->link = store_column_text(s, 2);
	v->title = store_column_text(s, 3);
	v->summary = store_column_text(s, 4);
	v->feed = store_column_text(s, 5);
	v->feed_url = store_column_text(s, 6);
	v->published = store_column_time(s, 7);
	v->updated = store_column_time(s, 8);
	v->first_seen = store_column_time(s, 9);
	v->nsources = (size_t)sqlite3_column_int64(s, 10);
	v->topics = (const char **)tl->names;
	v->scores = tl->scores;
	v->ntopics = tl->n;
}

int
store_list(struct store *st, const struct store_list_query *q,
    store_item_cb *cb, void *arg, struct herald_err *err)
{
	static const struct store_list_query all = {
		NULL, NULL, DATE_NONE, DATE_NONE, 0
	};
	struct store_topics tl = { 0 };
	struct store_item_view v;
	sqlite3_stmt *s = NULL;
	int rc;

	if (!q)
		q = &all;
	if (q->topic)
		rc = store_stmt(st, STMT_LIST_BY_TOPIC, sql_list_by_topic, &s,
		    err);
	else
		rc = q->feed ? store_stmt(st, STMT_LIST_BY_FEED,
		    sql_list_by_feed, &s, err) :
		    store_stmt(st, STMT_LIST, sql_list, &s, err);
	if (rc)
		goto out;
	rc = list_bind(s, q);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "list: binding");
		goto out;
	}
	for (;;) {
		rc = store_step_row(st, s, "listing items", err);
		if (rc != 1)
			break;
		rc = store_topics_load(st, sqlite3_column_int64(s, 0), &tl, err);
		if (rc)
			break;
		list_view(s, &tl, &v);
		rc = cb(&v, arg);
		if (rc)
			break;
	}
out:
	store_stmt_release(s);
	store_topics_fini(&tl);
	return rc;
}

static const char sql_feeds_list[] =
    "SELECT f.id, f.url, f.name, f.enabled, f.last_success,"
    " f.last_attempt, f.last_error, f.last_status, f.failures,"
    " f.nitems FROM feeds f ORDER BY f.id";

static const char *
feed_state(sqlite3_stmt *s)
{
	if (!sqlite3_column_int(s, 3))
		return "disabled";
	if (sqlite3_column_type(s, 5) == SQLITE_NULL)
		return "new";
	if (sqlite3_column_int64(s, 8) > 0)
		return "failing";
	return "ok";
}

static void
feed_view(sqlite3_stmt *s, struct store_feed_view *v)
{
	memset(v, 0, sizeof(*v));
	v->id = sqlite3_column_int64(s, 0);
	v->url = store_column_text(s, 1);
	v->name = store_column_text(s, 2);
	v->state = feed_state(s);
	v->last_success = store_column_time(s, 4);
	v->last_attempt = store_column_time(s, 5);
	v->last_error = store_column_text(s, 6);
	v->last_status = (long)sqlite3_column_int64(s, 7);
	v->failures = (long)sqlite3_column_int64(s, 8);
	v->items = (long)sqlite3_column_int64(s, 9);
}

int
store_feeds_list(struct store *st, store_feed_cb *cb, void *arg,
    struct herald_err *err)
{
	struct store_feed_view v;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = store_stmt(st, STMT_FEEDS_LIST, sql_feeds_list, &s, err);
	if (rc)
		goto out;
	for (;;) {
		rc = store_step_row(st, s, "listing feeds", err);
		if (rc != 1)
			break;
		feed_view(s, &v);
		rc = cb(&v, arg);
		if (rc)
			break;
	}
out:
	store_stmt_release(s);
	return rc;
}

int
store_count_items(struct store *st, int64_t *n, struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = store_stmt(st, STMT_COUNT_ITEMS, "SELECT count(*) FROM items", &s,
	    err);
	if (rc)
		goto out;
	rc = store_step_row(st, s, "counting items", err);
	if (rc == 1) {
		*n = sqlite3_column_int64(s, 0);
		rc = 0;
	} else if (rc == 0)
		rc = herald_err_set(err, HERALD_E_DB,
		    "%s: count returned no row", st->path);
out:
	store_stmt_release(s);
	return rc;
}
