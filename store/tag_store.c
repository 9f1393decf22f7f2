/*
 * tag_store.c: the topic tags of stored items apart from the items: the
 * evidence behind a tag, counts per topic, and the batched walk and
 * per-item rewrites of "herald topics retag".
 *
 * These statements run rarely (one CLI command at a time), so they are
 * prepared per call rather than kept in the connection's cache.
 */
#include "store/tag_store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "feeds/buf.h"
#include "feeds/err.h"
#include "feeds/topic.h"
#include "feeds/xmem.h"
#include "store/store_int.h"

/* Caps a walk batch so that one call's copy of the text stays small. */
#define TAGGED_ITEMS_MAX	100000

static int
prepare(struct store *st, const char *sql, sqlite3_stmt **s,
    struct herald_err *err)
{
	int rc;

	rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);
	if (rc != SQLITE_OK)
		return store_err(st, rc, err, "preparing a tag query");
	return 0;
}

static char *
dup_column(sqlite3_stmt *s, int i)
{
	const char *v = store_column_text(s, i);

	return v ? xstrdup(v) : NULL;
}

/* ---- herald why ---- */

static const char sql_item_title[] =
    "SELECT title FROM items WHERE id = ?1";

static const char sql_item_tags[] =
    "SELECT topic, version, score, threshold, evidence, tagged_at"
    " FROM item_tags WHERE item_id = ?1 ORDER BY score DESC, topic";

int
store_item_tags(struct store *st, int64_t item_id, char **title,
    store_tag_cb *cb, void *arg, struct herald_err *err)
{
	struct store_tag_view v;
	sqlite3_stmt *s = NULL;
	int rc;

	if (title)
		*title = NULL;
	rc = prepare(st, sql_item_title, &s, err);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, item_id);
	rc = store_step_row(st, s, "reading an item", err);
	if (rc == 0)
		rc = herald_err_set(err, HERALD_E_NOTFOUND, "no item %lld",
		    (long long)item_id);
	if (rc < 0)
		goto out;
	if (title)
		*title = dup_column(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	rc = 0;
	if (!cb)
		goto out;
	rc = prepare(st, sql_item_tags, &s, err);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, item_id);
	for (;;) {
		rc = store_step_row(st, s, "reading tags", err);
		if (rc != 1)
			break;
		v.item_id = item_id;
		v.topic = store_column_text(s, 0);
		v.version = store_column_text(s, 1);
		v.score = sqlite3_column_double(s, 2);
		v.threshold = sqlite3_column_double(s, 3);
		v.evidence = store_column_text(s, 4);
		v.tagged_at = store_column_time(s, 5);
		rc = cb(&v, arg);
		if (rc)
			goto out;
	}
out:
	sqlite3_finalize(s);
	if (rc < 0 && title) {
		free(*title);
		*title = NULL;
	}
	return rc;
}

/* ---- herald topics list ---- */

static const char sql_tag_counts[] =
    "SELECT topic, count(*) FROM item_tags GROUP BY topic ORDER BY topic";

int
store_tag_counts(struct store *st, store_tag_count_cb *cb, void *arg,
    struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prepare(st, sql_tag_counts, &s, err);
	if (rc)
		goto out;
	for (;;) {
		rc = store_step_row(st, s, "counting tags", err);
		if (rc != 1)
			break;
		rc = cb(store_column_text(s, 0), sqlite3_column_int64(s, 1),
		    arg);
		if (rc)
			goto out;
	}
out:
	sqlite3_finalize(s);
	return rc;
}

/* ---- herald topics retag ---- */

/* The topics come as one JSON array so that no name needs a separator. */
static const char sql_tagged_items[] =
    "SELECT i.id, i.title, i.summary, i.content, i.published,"
    " (SELECT json_group_array(t.topic) FROM item_tags t"
    "  WHERE t.item_id = i.id)"
    " FROM items i WHERE i.id > ?1 ORDER BY i.id LIMIT ?2";

static int
topics_from_json(struct store *st, const char *js,
    struct store_tagged_item *it, struct herald_err *err)
{
	json_error_t jerr;
	json_t *a;
	size_t i;
	int rc = 0;

	a = json_loads(js ? js : "[]", 0, &jerr);
	if (!a || !json_is_array(a)) {
		rc = herald_err_set(err, HERALD_E_DB, "%s: item %lld: bad "
		    "topic list", st->path, (long long)it->id);
		goto out;
	}
	it->topics = xcalloc(json_array_size(a) + 1, sizeof(*it->topics));
	for (i = 0; i < json_array_size(a); i++) {
		if (!json_is_string(json_array_get(a, i)))
			continue;
		it->topics[it->ntopics++] =
		    xstrdup(json_string_value(json_array_get(a, i)));
	}
out:
	json_decref(a);
	return rc;
}

int
store_tagged_items(struct store *st, int64_t after, size_t max,
    struct store_tagged_item **out, size_t *n, struct herald_err *err)
{
	struct store_tagged_item *v = NULL, *it;
	sqlite3_stmt *s = NULL;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (max == 0 || max > TAGGED_ITEMS_MAX)
		max = TAGGED_ITEMS_MAX;
	rc = prepare(st, sql_tagged_items, &s, err);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, after);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
	v = xcalloc(max, sizeof(*v));
	for (;;) {
		rc = store_step_row(st, s, "reading items", err);
		if (rc != 1)
			break;
		it = &v[k++];
		it->id = sqlite3_column_int64(s, 0);
		it->title = dup_column(s, 1);
		it->summary = dup_column(s, 2);
		it->content = dup_column(s, 3);
		it->published = store_column_time(s, 4);
		rc = topics_from_json(st, store_column_text(s, 5), it, err);
		if (rc)
			goto out;
	}
out:
	sqlite3_finalize(s);
	if (rc < 0) {
		store_tagged_items_free(v, k);
		return rc;
	}
	*out = v;
	*n = k;
	return 0;
}

void
store_tagged_items_free(struct store_tagged_item *v, size_t n)
{
	size_t i, j;

	if (!v)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].title);
		free(v[i].summary);
		free(v[i].content);
		for (j = 0; j < v[i].ntopics; j++)
			free(v[i].topics[j]);
		free(v[i].topics);
	}
	free(v);
}

static const char *
field_name(enum topic_field f)
{
	switch (f) {
	case TOPIC_FIELD_TITLE:
		return "title";
	case TOPIC_FIELD_SUMMARY:
		return "summary";
	case TOPIC_FIELD_CONTENT:
		return "content";
	default:
		return "unknown";
	}
}

/*
 * The evidence JSON is written here rather than built as jansson objects
 * and dumped: a tag carries some thirty hits, and json_object() plus
 * json_dumps() cost about 18,000 instructions a hit, a tenth of all the
 * daemon's work on a cold poll. The record is fixed; jansson still
 * escapes any string that needs it (store_json_string()), and prints
 * exactly what this does (tests/unit/test_tag_store.c compares the two).
 */

/* Far beyond any tag's hits; a runaway is refused, not kept. */
#define EVIDENCE_MAX	(16u << 20)

/*
 * Formats w as jansson prints a real with JSON_REAL_PRECISION(6) into
 * num: "%.6g", ".0" when neither a point nor an exponent shows, and no '+'
 * or leading zeros in the exponent. -1 for NaN and infinities (no JSON
 * for them).
 */
static int
format_real(char num[64], double w)
{
	char *e, *d;

	if (!isfinite(w))
		return -1;
	snprintf(num, 64, "%.6g", w);
	for (d = num; *d; d++)
		if (*d == ',')
			*d = '.';	/* a locale's decimal comma */
	if (!strchr(num, '.') && !strchr(num, 'e'))
		strcat(num, ".0");
	e = strchr(num, 'e');
	if (e) {
		d = ++e;	/* the exponent's first character */
		if (*e == '-')
			d = ++e;
		else if (*e == '+')
			d++;
		while (*d == '0' && d[1])
			d++;
		memmove(e, d, strlen(d) + 1);
	}
	return 0;
}

/*
 * The weights of one tag's hits are a handful of values from the topic
 * file: each is formatted once (snprintf costs more than the rest of a
 * hit).
 */
struct weight_memo {
	int		 valid;
	double		 w;
	char		 num[64];
};

static int
put_weight(struct buf *b, struct weight_memo *m, double w)
{
	if (!m->valid || memcmp(&m->w, &w, sizeof(w)) != 0) {
		if (format_real(m->num, w))
			return -1;
		m->w = w;
		m->valid = 1;
	}
	return buf_puts(b, m->num);
}

static int
put_size(struct buf *b, size_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do
		tmp[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return buf_append(b, tmp + i, sizeof(tmp) - i);
}

/* One hit as {"term", "group", "field", "offset", "weight"}. */
static int
put_hit(struct buf *b, struct weight_memo *m, const struct topic_hit *h)
{
	if (buf_puts(b, "{\"term\":") || store_json_string(b, h->term) ||
	    buf_puts(b, ",\"group\":") || store_json_string(b, h->group) ||
	    buf_puts(b, ",\"field\":\"") ||
	    buf_puts(b, field_name(h->field)) ||
	    buf_puts(b, "\",\"offset\":") || put_size(b, h->offset) ||
	    buf_puts(b, ",\"weight\":") || put_weight(b, m, h->weight) ||
	    buf_putc(b, '}'))
		return -1;
	return 0;
}

/* The same JSON as store_doc_commit() writes, so "why" reads both alike. */
int
store_tag_evidence(const struct topic_tag *t, char **out,
    struct herald_err *err)
{
	const char *name = t->topic ? t->topic : "(unnamed)";
	const struct topic_hit *h;
	struct weight_memo memo = { 0 };
	struct buf b;
	size_t i;
	int rc = 0;

	*out = NULL;
	buf_init(&b, EVIDENCE_MAX);
	if (buf_putc(&b, '['))
		goto nomem;
	for (i = 0; i < t->nhits; i++) {
		h = &t->hits[i];
		if ((i && buf_putc(&b, ',')) || put_hit(&b, &memo, h)) {
			rc = herald_err_set(err, HERALD_E_INVAL,
			    "topic %s: evidence for term \"%.40s\" is not "
			    "representable in JSON", name,
			    h->term ? h->term : "");
			goto out;
		}
	}
	if (buf_putc(&b, ']'))
		goto nomem;
	*out = buf_detach(&b);
	if (*out)
		goto out;
nomem:
	rc = herald_err_set(err, HERALD_E_NOMEM,
	    "topic %s: cannot format evidence", name);
out:
	buf_fini(&b);
	return rc;
}

static const char sql_tag_delete[] =
    "DELETE FROM item_tags WHERE item_id = ?1 AND topic = ?2";

static const char sql_tag_upsert[] = STORE_SQL_TAG_UPSERT;

static int
tag_drop(struct store *st, sqlite3_stmt *s, int64_t item_id,
    const char *topic, struct herald_err *err)
{
	int rc;

	sqlite3_reset(s);
	rc = sqlite3_bind_int64(s, 1, item_id);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 2, topic);
	if (rc != SQLITE_OK)
		return store_err(st, rc, err, "item %lld: binding",
		    (long long)item_id);
	return store_step_done(st, s, "deleting a tag", err);
}

int
store_tag_put(struct store *st, sqlite3_stmt *s, int64_t item_id,
    const struct topic_tag *t, int64_t now, struct herald_err *err)
{
	char *ev = NULL;
	int rc;

	sqlite3_reset(s);
	if (!t->evidence) {
		rc = store_tag_evidence(t, &ev, err);
		if (rc)
			goto out;
	}
	rc = sqlite3_bind_int64(s, 1, item_id);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 2, t->topic);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 3, t->version);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_double(s, 4, t->score);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_double(s, 5, t->threshold);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 6, t->evidence ? t->evidence : ev);
	if (rc == SQLITE_OK)
		rc = store_bind_time(s, 7, now);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "tag %s: binding", t->topic);
		goto out;
	}
	rc = store_step_done(st, s, "storing a tag", err);
out:
	/* ev is bound without a copy: unbind before it goes. */
	sqlite3_clear_bindings(s);
	free(ev);
	return rc;
}

int
store_item_tags_set(struct store *st, int64_t item_id,
    const char *const *drop, size_t ndrop, const struct topic_tag *put,
    size_t nput, int64_t now, struct herald_err *err)
{
	sqlite3_stmt *del = NULL, *ups = NULL;
	struct store_tx tx;
	size_t i;
	int rc;

	rc = store_tx_begin(st, &tx, err);
	if (rc)
		return rc;
	rc = prepare(st, sql_tag_delete, &del, err);
	if (!rc)
		rc = prepare(st, sql_tag_upsert, &ups, err);
	for (i = 0; !rc && i < ndrop; i++)
		rc = tag_drop(st, del, item_id, drop[i], err);
	for (i = 0; !rc && i < nput; i++)
		rc = store_tag_put(st, ups, item_id, &put[i], now, err);
	sqlite3_finalize(del);
	sqlite3_finalize(ups);
	return store_tx_end(st, &tx, rc, err);
}
