/*
 * test_tag_store.c: store/tag_store.c (the tags of stored items apart
 * from the items: "herald why", the counts of "herald topics list", the
 * walk and rewrites of "herald topics retag") against real SQLite
 * databases in a temporary directory. Items and their first tags go in
 * through store_doc_commit() with documents built by hand, as in
 * test_store.c; a raw sqlite3 connection checks what was written.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "feeds/date.h"
#include "feeds/err.h"
#include "feeds/hash.h"
#include "feeds/item.h"
#include "feeds/topic.h"
#include "store/store.h"
#include "store/tag_store.h"

#define MAXITEMS	8

struct fx {
	char		 dir[64];
	char		 path[128];
	struct store	*st;
	int64_t		 feed;
};

/* A document built in place: items and tags point at string literals. */
struct tdoc {
	struct feed_doc		doc;
	struct feed_item	items[MAXITEMS];
	struct topic_result	tags[MAXITEMS];
};

/* ---- fixtures ---- */

static int
setup(void **state)
{
	struct herald_err err = { "" };
	struct fx *fx;

	fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/herald-test-tags-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/herald.db", fx->dir);
	assert_int_equal(store_open(fx->path, 0, &fx->st, &err), 0);
	assert_int_equal(store_feed_sync(fx->st, "https://a.example/rss",
	    "A", &fx->feed, &err), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	struct dirent *de;
	char p[512];
	DIR *d;

	store_close(fx->st);
	d = opendir(fx->dir);
	if (d) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", fx->dir, de->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* ---- helpers ---- */

static void
tdoc_init(struct tdoc *t)
{
	memset(t, 0, sizeof(*t));
	t->doc.format = "rss2.0";
	t->doc.items = t->items;
	t->doc.id_policy = "guid";
	t->doc.updated = DATE_NONE;
	t->doc.ttl = -1;
}

/* Adds an item whose guid is key; its hash covers the title. */
static struct feed_item *
tdoc_add(struct tdoc *t, const char *key, const char *title,
    const char *summary, int64_t published)
{
	struct feed_item *it;

	assert_true(t->doc.nitems < MAXITEMS);
	it = &t->items[t->doc.nitems++];
	it->id = (char *)key;
	it->key = (char *)key;
	it->title = (char *)title;
	it->summary = (char *)summary;
	it->published = published;
	it->updated = DATE_NONE;
	hash_sha256_hex(key, strlen(key), it->hash);
	return it;
}

static void
commit(struct fx *fx, int64_t now, struct tdoc *t)
{
	struct herald_err err = { "" };
	struct store_fetch f;
	int rc;

	memset(&f, 0, sizeof(f));
	f.feed_id = fx->feed;
	f.now = now;
	f.http_status = 200;
	f.body_hash = "b1";
	rc = store_doc_commit(fx->st, &f, &t->doc, t->tags, NULL, &err);
	if (rc)
		print_message("store_doc_commit: %s\n", err.msg);
	assert_int_equal(rc, 0);
}

/* Runs a one-integer query on a private connection (NULL: DATE_NONE). */
static int64_t
raw_int(const char *path, const char *sql)
{
	sqlite3_stmt *s;
	sqlite3 *db;
	int64_t v;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_type(s, 0) == SQLITE_NULL ? DATE_NONE :
	    sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* The id of the item titled title. */
static int64_t
item_id(struct fx *fx, const char *title)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT id FROM items WHERE title = '%s'",
	    title);
	return raw_int(fx->path, sql);
}

static struct topic_hit hits_war[2] = {
	{ "gaza", "place", TOPIC_FIELD_TITLE, 4, 3 },
	{ "truce*", "talks", TOPIC_FIELD_SUMMARY, 10, 1.5 },
};

/*
 * The usual fixture: "alpha" tagged war (4.5) and sport (1), "beta"
 * tagged war (6), "gamma" untagged and without a date, at time 1000.
 */
static void
fill(struct fx *fx)
{
	static struct topic_tag alpha[2] = {
		{ "sport", "s1", 1.0, 0.5, NULL, 0, NULL },
		{ "war", "w1", 4.5, 4.0, hits_war, 2, NULL },
	};
	static struct topic_tag beta[1] = {
		{ "war", "w1", 6.0, 4.0, NULL, 0, NULL },
	};
	struct tdoc t;

	tdoc_init(&t);
	tdoc_add(&t, "g1", "alpha", "the first", 100);
	tdoc_add(&t, "g2", "beta", NULL, 200);
	tdoc_add(&t, "g3", "gamma", "the third", DATE_NONE);
	t.tags[0].tags = alpha;
	t.tags[0].ntags = 2;
	t.tags[1].tags = beta;
	t.tags[1].ntags = 1;
	commit(fx, 1000, &t);
}

/* What the callbacks saw, copied out of the borrowed views. */
struct seen {
	size_t		 n;
	int		 stop_at;	/* return 7 at this call (1-based) */
	char		 topic[MAXITEMS][32];
	char		 version[MAXITEMS][32];
	char		 evidence[MAXITEMS][512];
	double		 score[MAXITEMS];
	double		 threshold[MAXITEMS];
	int64_t		 count[MAXITEMS];
	int64_t		 item[MAXITEMS];
	int64_t		 tagged_at[MAXITEMS];
};

static int
tag_cb(const struct store_tag_view *v, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < MAXITEMS);
	snprintf(s->topic[s->n], 32, "%s", v->topic);
	snprintf(s->version[s->n], 32, "%s", v->version ? v->version : "-");
	snprintf(s->evidence[s->n], 512, "%s", v->evidence);
	s->score[s->n] = v->score;
	s->threshold[s->n] = v->threshold;
	s->item[s->n] = v->item_id;
	s->tagged_at[s->n] = v->tagged_at;
	s->n++;
	return (int)s->n == s->stop_at ? 7 : 0;
}

static int
count_cb(const char *topic, int64_t n, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < MAXITEMS);
	snprintf(s->topic[s->n], 32, "%s", topic);
	s->count[s->n] = n;
	s->n++;
	return (int)s->n == s->stop_at ? 7 : 0;
}

/* ---- store_item_tags ---- */

/* 1.1 An item's tags, by falling score, with evidence, and its title. */
static void
test_item_tags(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	struct seen s;
	char *title = NULL;
	int64_t id;

	fill(fx);
	id = item_id(fx, "alpha");
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_item_tags(fx->st, id, &title, tag_cb, &s,
	    &err), 0);
	assert_string_equal(title, "alpha");
	free(title);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.topic[0], "war");
	assert_string_equal(s.version[0], "w1");
	assert_true(s.score[0] == 4.5);
	assert_true(s.threshold[0] == 4.0);
	assert_int_equal(s.item[0], id);
	assert_int_equal(s.tagged_at[0], 1000);
	assert_string_equal(s.evidence[0], "[{\"term\":\"gaza\","
	    "\"group\":\"place\",\"field\":\"title\",\"offset\":4,"
	    "\"weight\":3.0},{\"term\":\"truce*\",\"group\":\"talks\","
	    "\"field\":\"summary\",\"offset\":10,\"weight\":1.5}]");
	assert_string_equal(s.topic[1], "sport");
	assert_string_equal(s.evidence[1], "[]");

	/* Untagged: the title, and no call. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_item_tags(fx->st, item_id(fx, "gamma"),
	    &title, tag_cb, &s, &err), 0);
	assert_string_equal(title, "gamma");
	free(title);
	assert_int_equal(s.n, 0);

	/* No callback: the title only; no title wanted: tags only. */
	assert_int_equal(store_item_tags(fx->st, id, &title, NULL, NULL,
	    &err), 0);
	assert_string_equal(title, "alpha");
	free(title);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_item_tags(fx->st, id, NULL, tag_cb, &s, &err),
	    0);
	assert_int_equal(s.n, 2);
}

/* 1.2 A callback's non-zero value stops the walk and is returned. */
static void
test_item_tags_stop(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	struct seen s;
	char *title = NULL;

	fill(fx);
	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	assert_int_equal(store_item_tags(fx->st, item_id(fx, "alpha"), &title,
	    tag_cb, &s, &err), 7);
	assert_int_equal(s.n, 1);
	/* Not an error: the title stays the caller's. */
	assert_string_equal(title, "alpha");
	free(title);
}

/* 1.3 No such item: HERALD_E_NOTFOUND and no title. */
static void
test_item_tags_missing(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	struct seen s;
	char *title = (char *)"stale";

	fill(fx);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_item_tags(fx->st, 999999, &title, tag_cb, &s,
	    &err), HERALD_E_NOTFOUND);
	assert_null(title);
	assert_int_equal(s.n, 0);
	assert_string_equal(err.msg, "no item 999999");
}

/* ---- store_tag_counts ---- */

/* 2.1 Items per topic, by name; nothing for an empty database. */
static void
test_tag_counts(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	struct seen s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(store_tag_counts(fx->st, count_cb, &s, &err), 0);
	assert_int_equal(s.n, 0);

	fill(fx);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_tag_counts(fx->st, count_cb, &s, &err), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.topic[0], "sport");
	assert_int_equal(s.count[0], 1);
	assert_string_equal(s.topic[1], "war");
	assert_int_equal(s.count[1], 2);

	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	assert_int_equal(store_tag_counts(fx->st, count_cb, &s, &err), 7);
	assert_int_equal(s.n, 1);
}

/* ---- store_tagged_items ---- */

static int
has_topic(const struct store_tagged_item *it, const char *topic)
{
	size_t i;

	for (i = 0; i < it->ntopics; i++)
		if (strcmp(it->topics[i], topic) == 0)
			return 1;
	return 0;
}

/* 3.1 The walk: id order, in batches, with text, date and topics. */
static void
test_tagged_items(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	struct store_tagged_item *v;
	size_t n;

	fill(fx);
	assert_int_equal(store_tagged_items(fx->st, 0, 2, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_true(v[0].id < v[1].id);
	assert_string_equal(v[0].title, "alpha");
	assert_string_equal(v[0].summary, "the first");
	assert_null(v[0].content);
	assert_int_equal(v[0].published, 100);
	assert_int_equal(v[0].ntopics, 2);
	assert_true(has_topic(&v[0], "war"));
	assert_true(has_topic(&v[0], "sport"));
	assert_string_equal(v[1].title, "beta");
	assert_null(v[1].summary);
	assert_int_equal(v[1].ntopics, 1);
	assert_string_equal(v[1].topics[0], "war");

	/* The next batch starts after the last id: n < max ends the walk. */
	store_tagged_items_free(v, n);
	assert_int_equal(store_tagged_items(fx->st, item_id(fx, "beta"), 2,
	    &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].title, "gamma");
	assert_int_equal(v[0].published, DATE_NONE);
	assert_int_equal(v[0].ntopics, 0);
	store_tagged_items_free(v, n);

	assert_int_equal(store_tagged_items(fx->st, item_id(fx, "gamma"), 2,
	    &v, &n, &err), 0);
	assert_int_equal(n, 0);
	store_tagged_items_free(v, n);

	/* max 0: the largest batch, here all of them. */
	assert_int_equal(store_tagged_items(fx->st, 0, 0, &v, &n, &err), 0);
	assert_int_equal(n, 3);
	store_tagged_items_free(v, n);
}

/* ---- store_item_tags_set ---- */

/* 4.1 Drop, add, rewrite a changed tag, leave an unchanged one alone. */
static void
test_item_tags_set(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	struct topic_tag put[3] = {
		{ "war", "w1", 6.0, 4.0, NULL, 0, NULL },	/* as stored */
		{ "war", "w2", 5.0, 4.0, NULL, 0, NULL },	/* new version */
		{ "peace", "p1", 2.0, 1.0, hits_war, 1, NULL },
	};
	const char *drop[1] = { "sport" };
	int64_t alpha, beta, before;
	struct seen s;

	fill(fx);
	alpha = item_id(fx, "alpha");
	beta = item_id(fx, "beta");

	/* Unchanged: nothing written. */
	before = store_debug_changes(fx->st);
	assert_int_equal(store_item_tags_set(fx->st, beta, NULL, 0, put, 1,
	    2000, &err), 0);
	assert_int_equal(store_debug_changes(fx->st) - before, 0);
	assert_int_equal(raw_int(fx->path, "SELECT tagged_at FROM item_tags"
	    " WHERE topic = 'war' AND score = 6"), 1000);

	/* alpha: sport goes, war is rewritten, peace is new. */
	assert_int_equal(store_item_tags_set(fx->st, alpha, drop, 1, put + 1,
	    2, 3000, &err), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_item_tags(fx->st, alpha, NULL, tag_cb, &s,
	    &err), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.topic[0], "war");
	assert_string_equal(s.version[0], "w2");
	assert_true(s.score[0] == 5.0);
	assert_int_equal(s.tagged_at[0], 3000);
	assert_string_equal(s.topic[1], "peace");
	assert_int_equal(s.tagged_at[1], 3000);
	assert_string_equal(s.evidence[1], "[{\"term\":\"gaza\","
	    "\"group\":\"place\",\"field\":\"title\",\"offset\":4,"
	    "\"weight\":3.0}]");
	/* The schema's triggers give a new tag its item's time. */
	assert_int_equal(raw_int(fx->path, "SELECT item_time FROM item_tags"
	    " WHERE topic = 'peace'"), 100);
	/* beta is untouched. */
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM item_tags"
	    " WHERE item_id = (SELECT id FROM items WHERE title = 'beta')"
	    " AND version = 'w1'"), 1);

	/* Dropping a topic the item does not carry is no error. */
	assert_int_equal(store_item_tags_set(fx->st, alpha, drop, 1, NULL, 0,
	    4000, &err), 0);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM item_tags"),
	    3);
}

/* 4.2 Inside a store_begin() group, committed with the group. */
static void
test_item_tags_set_group(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	const char *drop[2] = { "war", "sport" };

	fill(fx);
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_item_tags_set(fx->st, item_id(fx, "alpha"),
	    drop, 2, NULL, 0, 2000, &err), 0);
	assert_int_equal(store_item_tags_set(fx->st, item_id(fx, "beta"),
	    drop, 1, NULL, 0, 2000, &err), 0);
	/* Not visible to another connection before the commit. */
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM item_tags"),
	    3);
	assert_int_equal(store_commit(fx->st, &err), 0);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM item_tags"),
	    0);
}

/* 4.3 A tag that cannot be stored rolls the whole item back. */
static void
test_item_tags_set_error(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	struct topic_hit bad = { "\xff\xfe", "g", TOPIC_FIELD_TITLE, 0, 1 };
	struct topic_tag put = { "broken", "b1", 2.0, 1.0, &bad, 1, NULL };
	const char *drop[1] = { "war" };

	fill(fx);
	assert_int_equal(store_item_tags_set(fx->st, item_id(fx, "alpha"),
	    drop, 1, &put, 1, 2000, &err), HERALD_E_INVAL);
	assert_non_null(strstr(err.msg, "topic broken: evidence"));
	/* The drop before the failure is undone too. */
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM item_tags"
	    " WHERE topic = 'war'"), 2);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM item_tags"
	    " WHERE topic = 'broken'"), 0);
	/* And the store goes on working. */
	assert_int_equal(store_item_tags_set(fx->st, item_id(fx, "alpha"),
	    drop, 1, NULL, 0, 2000, &err), 0);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM item_tags"
	    " WHERE topic = 'war'"), 1);
}

/* ---- store_tag_evidence ---- */

/* 5.1 The JSON that "why" reads: every field, nulls, no hits. */
static void
test_tag_evidence(void **state)
{
	struct herald_err err = { "" };
	struct topic_hit hits[3] = {
		{ "a \"b\"", "g", TOPIC_FIELD_CONTENT, 123456789, 0.25 },
		{ NULL, NULL, TOPIC_FIELD_SUMMARY, 0, -2 },
		{ "\xd8\xba\xd8\xb2\xd8\xa9", "gaza", TOPIC_FIELD_TITLE, 7, 0 },
	};
	struct topic_tag t = { "t", "v", 1, 1, hits, 3, NULL };
	char *js = NULL;

	(void)state;
	assert_int_equal(store_tag_evidence(&t, &js, &err), 0);
	assert_string_equal(js, "[{\"term\":\"a \\\"b\\\"\",\"group\":\"g\","
	    "\"field\":\"content\",\"offset\":123456789,\"weight\":0.25},"
	    "{\"term\":null,\"group\":null,\"field\":\"summary\","
	    "\"offset\":0,\"weight\":-2.0},"
	    "{\"term\":\"\xd8\xba\xd8\xb2\xd8\xa9\",\"group\":\"gaza\","
	    "\"field\":\"title\",\"offset\":7,\"weight\":0.0}]");
	free(js);

	t.nhits = 0;
	assert_int_equal(store_tag_evidence(&t, &js, &err), 0);
	assert_string_equal(js, "[]");
	free(js);

	/* Invalid UTF-8 has no JSON string: an error, no output. */
	hits[0].term = (char *)"\xc3";
	t.nhits = 1;
	js = (char *)"stale";
	assert_int_equal(store_tag_evidence(&t, &js, &err), HERALD_E_INVAL);
	assert_null(js);
	assert_string_equal(err.msg, "topic t: evidence for term \"\xc3\" is "
	    "not representable in JSON");
}

/* The evidence as jansson would dump it, hit by hit (the reference). */
static char *
evidence_by_jansson(const struct topic_tag *t)
{
	static const char *const fields[] = { "title", "summary", "content" };
	json_t *a = json_array(), *o;
	char *s;
	size_t i;

	for (i = 0; i < t->nhits; i++) {
		const struct topic_hit *h = &t->hits[i];

		o = json_pack("{s:s?, s:s?, s:s, s:I, s:f}", "term", h->term,
		    "group", h->group, "field", fields[h->field],
		    "offset", (json_int_t)h->offset, "weight", h->weight);
		assert_non_null(o);
		json_array_append_new(a, o);
	}
	s = json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(a);
	return s;
}

/* 5.2 The hand-written JSON is jansson's, byte for byte. */
static void
test_tag_evidence_jansson(void **state)
{
	static const char *const terms[] = {
		"plain", "tab\there", "quote \" and \\ backslash",
		"ctl \x01\x1f end", "slash / del \x7f", "caf\xc3\xa9 \xf0\x9f\x98\x80",
		"\xe2\x80\xa8 line sep", "", NULL,
	};
	static const double weights[] = {
		0, -0.0, 1, -2, 2.5, 0.1, 1.0 / 3, 1e-7, -3.25e-10, 1e7,
		123456789, 1e300, 4.9e-324, 0.000123456789,
	};
	struct topic_hit hits[sizeof(weights) / sizeof(weights[0])];
	struct herald_err err = { "" };
	struct topic_tag t = { "t", "v", 1, 1, hits, 0, NULL };
	char *mine, *ref;
	size_t i, n = sizeof(weights) / sizeof(weights[0]);

	(void)state;
	for (i = 0; i < n; i++) {
		hits[i].term = (char *)terms[i % 9];
		hits[i].group = (char *)terms[(i + 4) % 9];
		hits[i].field = (enum topic_field)(i % 3);
		hits[i].offset = i * 1000003u;
		hits[i].weight = weights[i];
	}
	t.nhits = n;
	assert_int_equal(store_tag_evidence(&t, &mine, &err), 0);
	ref = evidence_by_jansson(&t);
	assert_string_equal(mine, ref);
	free(mine);
	free(ref);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_item_tags, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_item_tags_stop, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_item_tags_missing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tag_counts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tagged_items, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_item_tags_set, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_item_tags_set_group,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_item_tags_set_error,
		    setup, teardown),
		cmocka_unit_test(test_tag_evidence),
		cmocka_unit_test(test_tag_evidence_jansson),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
