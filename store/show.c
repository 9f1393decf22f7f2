/*
 * show.c: read-only queries for "herald show", "herald export" and
 * "herald feeds list". They prepare their own statements (the cache in
 * store.c is for the hot paths) and finalize them before returning.
 */
#include "store/show.h"

#include <stdlib.h>
#include <string.h>

#include "feeds/date.h"
#include "feeds/err.h"
#include "feeds/xmem.h"
#include "store/store.h"
#include "store/store_int.h"

static char *
col_dup(sqlite3_stmt *s, int i)
{
	const char *v = store_column_text(s, i);

	return v ? xstrdup(v) : NULL;
}

static int
prepare(struct store *st, const char *sql, sqlite3_stmt **s,
    struct herald_err *err)
{
	int rc;

	rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);
	if (rc != SQLITE_OK) {
		*s = NULL;
		return store_err(st, rc, err, "preparing a query");
	}
	return 0;
}

static const char sql_item[] =
    "SELECT id, guid, link, canon, title, summary, content, author,"
    " categories, hash, published, updated, first_seen, last_seen,"
    " content_html FROM items WHERE id = ?1";

static int
detail_item(struct store *st, int64_t id, struct store_item_detail *d,
    struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(st, sql_item, &s, err);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	rc = store_step_row(st, s, "reading the item", err);
	if (rc == 0) {
		rc = herald_err_set(err, HERALD_E_NOTFOUND, "no item %lld",
		    (long long)id);
		goto out;
	}
	if (rc < 0)
		goto out;
	d->id = sqlite3_column_int64(s, 0);
	d->guid = col_dup(s, 1);
	d->link = col_dup(s, 2);
	d->canon = col_dup(s, 3);
	d->title = col_dup(s, 4);
	d->summary = col_dup(s, 5);
	d->content = col_dup(s, 6);
	d->content_html = col_dup(s, 14);
	d->author = col_dup(s, 7);
	d->categories = col_dup(s, 8);
	d->hash = col_dup(s, 9);
	d->published = store_column_time(s, 10);
	d->updated = store_column_time(s, 11);
	d->first_seen = store_column_time(s, 12);
	d->last_seen = store_column_time(s, 13);
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

static const char sql_sources[] =
    "SELECT s.feed_id, COALESCE(f.name, f.url), f.url, s.feed_key,"
    " s.first_seen FROM item_sources s JOIN feeds f ON f.id = s.feed_id"
    " WHERE s.item_id = ?1 ORDER BY s.first_seen, s.rowid";

static int
detail_sources(struct store *st, struct store_item_detail *d,
    struct herald_err *err)
{
	struct store_source *v;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(st, sql_sources, &s, err);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, d->id);
	while ((rc = store_step_row(st, s, "reading sources", err)) == 1) {
		d->sources = xreallocarray(d->sources, d->nsources + 1,
		    sizeof(*d->sources));
		v = &d->sources[d->nsources++];
		v->feed_id = sqlite3_column_int64(s, 0);
		v->feed = col_dup(s, 1);
		v->feed_url = col_dup(s, 2);
		v->feed_key = col_dup(s, 3);
		v->first_seen = store_column_time(s, 4);
	}
out:
	sqlite3_finalize(s);
	return rc;
}

static const char sql_tags[] =
    "SELECT topic, version, score, threshold, evidence, tagged_at"
    " FROM item_tags WHERE item_id = ?1 ORDER BY score DESC, topic";

static int
detail_tags(struct store *st, struct store_item_detail *d,
    struct herald_err *err)
{
	struct store_tag *v;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(st, sql_tags, &s, err);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, d->id);
	while ((rc = store_step_row(st, s, "reading tags", err)) == 1) {
		d->tags = xreallocarray(d->tags, d->ntags + 1,
		    sizeof(*d->tags));
		v = &d->tags[d->ntags++];
		v->topic = col_dup(s, 0);
		v->version = col_dup(s, 1);
		v->score = sqlite3_column_double(s, 2);
		v->threshold = sqlite3_column_double(s, 3);
		v->evidence = col_dup(s, 4);
		v->tagged_at = store_column_time(s, 5);
	}
out:
	sqlite3_finalize(s);
	return rc;
}

/*
 * The revisions table arrives with a later schema step; a database
 * without it simply has no revisions to show.
 */
static const char sql_has_revisions[] =
    "SELECT 1 FROM sqlite_master WHERE type = 'table'"
    " AND name = 'revisions'";
static const char sql_revisions[] =
    "SELECT title, summary, hash, seen_at FROM revisions"
    " WHERE item_id = ?1 ORDER BY seen_at, rowid";

static int
detail_revisions(struct store *st, struct store_item_detail *d,
    struct herald_err *err)
{
	struct store_revision *v;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(st, sql_has_revisions, &s, err);
	if (rc)
		goto out;
	rc = store_step_row(st, s, "looking for revisions", err);
	sqlite3_finalize(s);
	s = NULL;
	if (rc <= 0)
		goto out;
	rc = prepare(st, sql_revisions, &s, err);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, d->id);
	while ((rc = store_step_row(st, s, "reading revisions", err)) == 1) {
		d->revs = xreallocarray(d->revs, d->nrevs + 1,
		    sizeof(*d->revs));
		v = &d->revs[d->nrevs++];
		v->title = col_dup(s, 0);
		v->summary = col_dup(s, 1);
		v->hash = col_dup(s, 2);
		v->seen_at = store_column_time(s, 3);
	}
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_item_detail(struct store *st, int64_t id,
    struct store_item_detail **out, struct herald_err *err)
{
	struct store_item_detail *d;
	int rc, began;

	*out = NULL;
	d = xcalloc(1, sizeof(*d));
	/* One snapshot for the four reads; a group already is one. */
	began = st->group == 0;
	if (began && (rc = store_exec(st, "BEGIN", err)))
		goto out;
	rc = detail_item(st, id, d, err);
	if (!rc)
		rc = detail_sources(st, d, err);
	if (!rc)
		rc = detail_tags(st, d, err);
	if (!rc)
		rc = detail_revisions(st, d, err);
	if (began)
		sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
out:
	if (rc)
		store_item_detail_free(d);
	else
		*out = d;
	return rc;
}

void
store_item_detail_free(struct store_item_detail *d)
{
	size_t i;

	if (!d)
		return;
	free(d->guid);
	free(d->link);
	free(d->canon);
	free(d->title);
	free(d->summary);
	free(d->content);
	free(d->content_html);
	free(d->author);
	free(d->categories);
	free(d->hash);
	for (i = 0; i < d->nsources; i++) {
		free(d->sources[i].feed);
		free(d->sources[i].feed_url);
		free(d->sources[i].feed_key);
	}
	free(d->sources);
	for (i = 0; i < d->ntags; i++) {
		free(d->tags[i].topic);
		free(d->tags[i].version);
		free(d->tags[i].evidence);
	}
	free(d->tags);
	for (i = 0; i < d->nrevs; i++) {
		free(d->revs[i].title);
		free(d->revs[i].summary);
		free(d->revs[i].hash);
	}
	free(d->revs);
	free(d);
}

/*
 * Walks items_time newest first like "herald list" (query.c), probing
 * item_tags per row, so that --limit stops the scan early. The sources
 * come back as one JSON array (SQLite's json1) to keep the walk to one
 * statement.
 */
static const char sql_export[] =
    "SELECT i.id, i.guid, i.link, i.title, i.summary, i.content,"
    " i.author, i.published, i.updated, i.first_seen, t.score,"
    " t.evidence,"
    " (SELECT json_group_array(json_object('name',"
    "   COALESCE(f.name, f.url), 'url', f.url))"
    "  FROM item_sources s JOIN feeds f ON f.id = s.feed_id"
    "  WHERE s.item_id = i.id), i.content_html"
    " FROM items i CROSS JOIN item_tags t"
    " WHERE t.item_id = i.id AND t.topic = ?1"
    " AND COALESCE(i.published, i.first_seen) >= ?2"
    " AND COALESCE(i.published, i.first_seen) < ?3"
    " ORDER BY COALESCE(i.published, i.first_seen) DESC, i.id DESC"
    " LIMIT ?4";

static void
export_view(sqlite3_stmt *s, struct store_export_view *v)
{
	memset(v, 0, sizeof(*v));
	v->id = sqlite3_column_int64(s, 0);
	v->guid = store_column_text(s, 1);
	v->link = store_column_text(s, 2);
	v->title = store_column_text(s, 3);
	v->summary = store_column_text(s, 4);
	v->content = store_column_text(s, 5);
	v->author = store_column_text(s, 6);
	v->published = store_column_time(s, 7);
	v->updated = store_column_time(s, 8);
	v->first_seen = store_column_time(s, 9);
	v->score = sqlite3_column_double(s, 10);
	v->evidence = store_column_text(s, 11);
	v->sources = store_column_text(s, 12);
	v->content_html = store_column_text(s, 13);
}

int
store_export(struct store *st, const struct store_export_query *q,
    store_export_cb *cb, void *arg, struct herald_err *err)
{
	struct store_export_view v;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(st, sql_export, &s, err);
	if (rc)
		goto out;
	rc = store_bind_text(s, 1, q->topic);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, q->since);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3,
		    q->until == DATE_NONE ? INT64_MAX : q->until);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 4, q->limit > 0 ? q->limit : -1);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "export: binding");
		goto out;
	}
	while ((rc = store_step_row(st, s, "exporting items", err)) == 1) {
		export_view(s, &v);
		rc = cb(&v, arg);
		if (rc)
			break;
	}
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_topic_exists(struct store *st, const char *topic, int *exists,
    struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*exists = 0;
	rc = prepare(st, "SELECT 1 FROM item_tags WHERE topic = ?1 LIMIT 1",
	    &s, err);
	if (rc)
		goto out;
	store_bind_text(s, 1, topic);
	rc = store_step_row(st, s, "looking up the topic", err);
	if (rc >= 0) {
		*exists = rc;
		rc = 0;
	}
out:
	sqlite3_finalize(s);
	return rc;
}

/*
 * items is the feed's source count that triggers keep (schema v3).
 * new_since walks only the recent end of items_time (there is no index
 * on item_sources.first_seen), so an item first seen recently but dated
 * before since is not counted as new.
 */
static const char sql_feed_stats[] =
    "WITH recent(feed_id, n) AS (SELECT s.feed_id, count(*)"
    "  FROM items i CROSS JOIN item_sources s"
    "  WHERE COALESCE(i.published, i.first_seen) >= ?1"
    "  AND s.item_id = i.id AND s.first_seen >= ?1 GROUP BY s.feed_id)"
    " SELECT f.id, f.url, f.name, f.enabled, f.last_success,"
    " f.last_attempt, f.last_error, f.last_status, f.failures,"
    " f.nitems,"
    " COALESCE((SELECT n FROM recent WHERE recent.feed_id = f.id), 0)"
    " FROM feeds f ORDER BY f.id";

int
store_feed_stats(struct store *st, int64_t since, store_feed_stats_cb *cb,
    void *arg, struct herald_err *err)
{
	struct store_feed_stats v;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(st, sql_feed_stats, &s, err);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, since);
	while ((rc = store_step_row(st, s, "listing feeds", err)) == 1) {
		memset(&v, 0, sizeof(v));
		v.id = sqlite3_column_int64(s, 0);
		v.url = store_column_text(s, 1);
		v.name = store_column_text(s, 2);
		v.enabled = sqlite3_column_int(s, 3);
		v.last_success = store_column_time(s, 4);
		v.last_attempt = store_column_time(s, 5);
		v.last_error = store_column_text(s, 6);
		v.last_status = (long)sqlite3_column_int64(s, 7);
		v.failures = (long)sqlite3_column_int64(s, 8);
		v.items = (long)sqlite3_column_int64(s, 9);
		v.new_since = (long)sqlite3_column_int64(s, 10);
		rc = cb(&v, arg);
		if (rc)
			break;
	}
out:
	sqlite3_finalize(s);
	return rc;
}
