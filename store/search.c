/*
 * search.c: full-text search over items_fts (FTS5, external content
 * "items", schema.c v2): bm25-ranked hits with a snippet each, filtered
 * by topic and time. Read-only; one read transaction per search.
 */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "feeds/date.h"
#include "feeds/err.h"
#include "store/store_int.h"

/*
 * bm25 must be computed for every match before the best can be known:
 * for a term in 100,000 of 1,000,000 items that took 300 ms, most of it
 * spent on hits nobody would page to. Ranking is therefore done within
 * the newest SEARCH_WINDOW matches (rowid order is arrival order: ids
 * only grow), which FTS5 walks straight off its index (ORDER BY rowid
 * DESC) and LIMIT stops; a term with fewer matches is ranked in full.
 * For a news cache "the best of the last ten thousand" is the useful
 * answer, and it keeps a common word at about 20 ms.
 *
 * The filters are per-hit probes inside the window (the item's time for
 * since, item_tags' primary key for the topic), so the window counts
 * matching items. The display columns are joined only for the LIMIT
 * rows that survive, in the outer query.
 */
#define SEARCH_WINDOW	10000

static const char sql_search[] =
    "WITH win (id, rank) AS ("
    " SELECT h.rowid, h.rank FROM items_fts h"
    " WHERE items_fts MATCH ?1"
    " AND (?2 IS NULL OR (SELECT COALESCE(x.published, x.first_seen)"
    "  FROM items x WHERE x.id = h.rowid) >= ?2)"
    " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM item_tags t"
    "  WHERE t.item_id = h.rowid AND t.topic = ?3))"
    " ORDER BY h.rowid DESC LIMIT ?5),"
    " hits (id, rank) AS (SELECT id, rank FROM win ORDER BY rank, id"
    " LIMIT ?4)"
    " SELECT i.id, i.guid, i.link, i.title, i.summary,"
    " COALESCE(f.name, f.url), f.url, i.published, i.updated,"
    " i.first_seen,"
    " (SELECT count(*) FROM item_sources n WHERE n.item_id = i.id),"
    " hits.rank"
    " FROM hits JOIN items i ON i.id = hits.id"
    " LEFT JOIN feeds f ON f.id = (SELECT s.feed_id FROM item_sources s"
    "  WHERE s.item_id = i.id ORDER BY s.first_seen, s.rowid LIMIT 1)"
    " ORDER BY hits.rank, i.id";

/*
 * snippet() only works in the query that matched, and computing it for
 * every match before the LIMIT would cost as much as the search: it is
 * asked for each hit shown, by rowid, which FTS5 answers directly.
 */
static const char sql_snippet[] =
    "SELECT snippet(items_fts, -1, ?3, ?4, '\xe2\x80\xa6', 16)"
    " FROM items_fts WHERE items_fts MATCH ?1 AND rowid = ?2";

/*
 * FTS5 reports a bad query as "fts5: syntax error near ...", and a
 * column filter naming no column as "no such column"; both are the
 * user's query, not the database.
 */
static int
search_err(struct store *st, int rc, const char *match,
    struct herald_err *err)
{
	const char *m;

	m = sqlite3_errmsg(st->db);
	if ((rc & 0xff) == SQLITE_ERROR && m && (!strncmp(m, "fts5:", 5) ||
	    !strncmp(m, "no such column", 14) ||
	    strstr(m, "unknown special query")))
		return herald_err_set(err, HERALD_E_INVAL,
		    "malformed search query \"%.80s\": %s", match, m);
	return store_err(st, rc, err, "searching");
}

static int
search_bind(sqlite3_stmt *s, const struct store_search_query *q)
{
	int rc;

	rc = store_bind_text(s, 1, q->match);
	if (rc == SQLITE_OK)
		rc = store_bind_time(s, 2, q->since);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 3, q->topic);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 4, q->limit > 0 ? q->limit : -1);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 5, SEARCH_WINDOW);
	return rc;
}

/* Sets *out to the hit's snippet, borrowed from *s until its release. */
static int
hit_snippet(struct store *st, const struct store_search_query *q, int64_t id,
    sqlite3_stmt **sp, const char **out, struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*out = NULL;
	rc = store_stmt(st, STMT_SEARCH_SNIPPET, sql_snippet, &s, err);
	if (rc)
		return rc;
	*sp = s;
	rc = store_bind_text(s, 1, q->match);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, id);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 3, q->mark_open ? q->mark_open : "[");
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 4, q->mark_close ? q->mark_close : "]");
	if (rc != SQLITE_OK)
		return store_err(st, rc, err, "snippet: binding");
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = store_column_text(s, 0);
		return 0;
	}
	if (rc == SQLITE_DONE)
		return 0;
	return search_err(st, rc, q->match, err);
}

static void
hit_view(sqlite3_stmt *s, const struct store_topics *tl,
    struct store_search_hit *h)
{
	struct store_item_view *v = &h->item;

	memset(h, 0, sizeof(*h));
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
	h->rank = sqlite3_column_double(s, 11);
}

int
store_search(struct store *st, const struct store_search_query *q,
    store_search_cb *cb, void *arg, struct herald_err *err)
{
	struct store_topics tl = { 0 };
	struct store_search_hit h;
	sqlite3_stmt *s = NULL, *sn = NULL;
	const char *snip;
	int rc;

	if (!q || !q->match || !q->match[0])
		return herald_err_set(err, HERALD_E_INVAL,
		    "empty search query");
	rc = store_stmt(st, STMT_SEARCH, sql_search, &s, err);
	if (rc)
		goto out;
	rc = search_bind(s, q);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "search: binding");
		goto out;
	}
	for (;;) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE) {
			rc = 0;
			break;
		}
		if (rc != SQLITE_ROW) {
			rc = search_err(st, rc, q->match, err);
			break;
		}
		/* The search holds the read transaction: one snapshot. */
		rc = store_topics_load(st, sqlite3_column_int64(s, 0), &tl,
		    err);
		if (!rc)
			rc = hit_snippet(st, q, sqlite3_column_int64(s, 0), &sn,
			    &snip, err);
		if (rc)
			break;
		hit_view(s, &tl, &h);
		h.snippet = snip;
		rc = cb(&h, arg);
		store_stmt_release(sn);
		sn = NULL;
		if (rc)
			break;
	}
out:
	store_stmt_release(sn);
	store_stmt_release(s);
	store_topics_fini(&tl);
	return rc;
}
