/*
 * test_store_life.c: store/ across an item's life: identity that
 * survives publishers (churning guids, the same story in two feeds),
 * revisions, tombstones, full-text search, retention, and migrations from
 * every earlier schema version. Documents are built on the heap and
 * identified by the real feed_doc_identify(), as the daemon does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include <sqlite3.h>

#include "feeds/date.h"
#include "feeds/err.h"
#include "feeds/item.h"
#include "feeds/topic.h"
#include "feeds/xmem.h"
#include "store/store.h"
#include "store/store_int.h"

#define FEED_A	"https://a.example/rss"
#define FEED_B	"https://b.example/feed"

struct fx {
	char		 dir[64];
	char		 path[128];
	struct store	*st;
	int64_t		 feed_a;
	int64_t		 feed_b;
};

/* ---- fixtures ---- */

static int
setup_dir(void **state)
{
	struct fx *fx;

	fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/herald-test-life-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/herald.db", fx->dir);
	*state = fx;
	return 0;
}

static int
setup_store(void **state)
{
	struct herald_err err = { "" };
	struct fx *fx;

	setup_dir(state);
	fx = *state;
	assert_int_equal(store_open(fx->path, 0, &fx->st, &err), 0);
	assert_int_equal(store_feed_sync(fx->st, FEED_A, "A", &fx->feed_a,
	    &err), 0);
	assert_int_equal(store_feed_sync(fx->st, FEED_B, "B", &fx->feed_b,
	    &err), 0);
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

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static struct feed_item *
add(struct feed_doc *doc, const char *guid, const char *link,
    const char *title, int64_t published)
{
	struct feed_item *it;

	it = feed_doc_add_item(doc);
	it->id = dup_or_null(guid);
	it->link = dup_or_null(link);
	it->title = dup_or_null(title);
	it->summary = xstrdup("summary text");
	it->published = published;
	return it;
}

static struct feed_doc *
doc_new(void)
{
	struct feed_doc *doc;

	doc = feed_doc_new();
	doc->format = "rss2.0";
	return doc;
}

/* A three-story document whose guids end in gen: "urn:x:N-gen". */
static struct feed_doc *
doc_three(const char *gen)
{
	struct feed_doc *doc = doc_new();
	char g[64];
	int i;

	for (i = 1; i <= 3; i++) {
		char link[64], title[32];

		snprintf(g, sizeof(g), "urn:x:%d-%s", i, gen);
		snprintf(link, sizeof(link), "https://a.example/story/%d", i);
		snprintf(title, sizeof(title), "story %d", i);
		add(doc, g, link, title, 1000 * i);
	}
	return doc;
}

static int
commit_tags(struct fx *fx, int64_t feed_id, int64_t now,
    struct feed_doc *doc, const struct topic_result *tags,
    struct store_commit_stats *stats)
{
	struct herald_err err = { "" };
	struct store_fetch f;
	const char *policy = NULL;
	int rc;

	/* As the daemon does: identify with the policy the store learnt. */
	assert_int_equal(store_feed_policy(fx->st, feed_id, &policy, &err),
	    0);
	feed_doc_identify(doc, policy);
	memset(&f, 0, sizeof(f));
	f.feed_id = feed_id;
	f.now = now;
	f.http_status = 200;
	rc = store_doc_commit(fx->st, &f, doc, tags, stats, &err);
	if (rc)
		print_message("store_doc_commit: %s\n", err.msg);
	return rc;
}

static int
commit(struct fx *fx, int64_t feed_id, int64_t now, struct feed_doc *doc,
    struct store_commit_stats *stats)
{
	return commit_tags(fx, feed_id, now, doc, NULL, stats);
}

/* Commits with identify(NULL): a caller that never asks for the policy. */
static int
commit_naive(struct fx *fx, int64_t feed_id, int64_t now,
    struct feed_doc *doc, struct store_commit_stats *stats)
{
	struct herald_err err = { "" };
	struct store_fetch f;
	int rc;

	feed_doc_identify(doc, NULL);
	memset(&f, 0, sizeof(f));
	f.feed_id = feed_id;
	f.now = now;
	f.http_status = 200;
	rc = store_doc_commit(fx->st, &f, doc, NULL, stats, &err);
	if (rc)
		print_message("store_doc_commit: %s\n", err.msg);
	return rc;
}

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
	v = sqlite3_column_type(s, 0) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void
raw_text(const char *path, const char *sql, char *out, size_t n)
{
	const unsigned char *t;
	sqlite3_stmt *s;
	sqlite3 *db;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	t = sqlite3_column_text(s, 0);
	snprintf(out, n, "%s", t ? (const char *)t : "(null)");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static int64_t
count_items(struct store *st)
{
	struct herald_err err = { "" };
	int64_t n = -1;

	assert_int_equal(store_count_items(st, &n, &err), 0);
	return n;
}

/* What a search found, copied out of the borrowed hits. */
struct found {
	size_t		 n;
	int64_t		 id[8];
	char		 title[8][64];
	char		 snippet[8][128];
};

static int
found_cb(const struct store_search_hit *h, void *arg)
{
	struct found *f = arg;

	assert_true(f->n < 8);
	f->id[f->n] = h->item.id;
	snprintf(f->title[f->n], 64, "%s", h->item.title ? h->item.title : "");
	snprintf(f->snippet[f->n], 128, "%s", h->snippet ? h->snippet : "");
	f->n++;
	return 0;
}

static int
search(struct store *st, const char *match, const char *topic,
    int64_t since, struct found *out, struct herald_err *err)
{
	struct store_search_query q;

	memset(&q, 0, sizeof(q));
	memset(out, 0, sizeof(*out));
	q.match = match;
	q.topic = topic;
	q.since = since;
	q.limit = 8;
	return store_search(st, &q, found_cb, out, err);
}

static int64_t
first_id(struct store *st, const char *match)
{
	struct herald_err err = { "" };
	struct found f;

	assert_int_equal(search(st, match, NULL, DATE_NONE, &f, &err), 0);
	assert_true(f.n >= 1);
	return f.id[0];
}

/* ---- identity ---- */

/* 1 Guids that change on every fetch for the same links: no duplicates. */
static void
test_guid_churn(void **state)
{
	struct fx *fx = *state;
	struct store_commit_stats cs;
	struct herald_err err = { "" };
	struct feed_doc *d;
	const char *policy = "x";
	char text[32];

	d = doc_three("a");
	assert_int_equal(commit(fx, fx->feed_a, 100, d, &cs), 0);
	feed_doc_free(d);
	assert_int_equal(cs.inserted, 3);
	assert_int_equal(cs.policy_forced, 0);

	d = doc_three("b");
	assert_int_equal(commit(fx, fx->feed_a, 200, d, &cs), 0);
	feed_doc_free(d);
	assert_int_equal(cs.policy_forced, 1);
	assert_int_equal(cs.inserted, 0);
	assert_int_equal(cs.unchanged, 3);
	assert_int_equal(count_items(fx->st), 3);
	assert_int_equal(store_feed_policy(fx->st, fx->feed_a, &policy, &err),
	    0);
	assert_string_equal(policy, "link");
	raw_text(fx->path, "SELECT id_policy FROM feeds WHERE url = '"
	    FEED_A "'", text, sizeof(text));
	assert_string_equal(text, "link");

	/* Later fetches, identified with the policy or not: still three. */
	d = doc_three("c");
	assert_int_equal(commit(fx, fx->feed_a, 300, d, &cs), 0);
	feed_doc_free(d);
	assert_int_equal(cs.unchanged, 3);
	d = doc_three("d");
	assert_int_equal(commit_naive(fx, fx->feed_a, 400, d, &cs), 0);
	feed_doc_free(d);
	assert_int_equal(cs.unchanged, 3);
	assert_int_equal(cs.policy_forced, 0);
	assert_int_equal(count_items(fx->st), 3);
	/* A real new story still arrives. */
	d = doc_three("e");
	add(d, "urn:x:9-e", "https://a.example/story/9", "story nine", 9000);
	assert_int_equal(commit(fx, fx->feed_a, 500, d, &cs), 0);
	feed_doc_free(d);
	assert_int_equal(cs.inserted, 1);
	assert_int_equal(count_items(fx->st), 4);
}

/* 2 Stable guids and a new story per fetch: never taken for churn. */
static void
test_guid_stable(void **state)
{
	struct fx *fx = *state;
	struct store_commit_stats cs;
	struct herald_err err = { "" };
	struct feed_doc *d;
	const char *policy = "x";

	d = doc_three("a");
	assert_int_equal(commit(fx, fx->feed_a, 100, d, &cs), 0);
	feed_doc_free(d);
	d = doc_three("a");
	add(d, "urn:x:4-a", "https://a.example/story/4", "story 4", 4000);
	assert_int_equal(commit(fx, fx->feed_a, 200, d, &cs), 0);
	feed_doc_free(d);
	assert_int_equal(cs.policy_forced, 0);
	assert_int_equal(cs.inserted, 1);
	assert_int_equal(store_feed_policy(fx->st, fx->feed_a, &policy, &err),
	    0);
	assert_null(policy);
}

/* 3 The same wire story through two feeds: one item, two sources. */
static void
test_wire_two_feeds(void **state)
{
	struct fx *fx = *state;
	struct store_commit_stats cs;
	struct feed_doc *d;

	/* Feed-local guids; links differ only by tracking and spelling. */
	d = doc_new();
	add(d, "a-17", "https://News.example/world/ceasefire?utm_source=rss"
	    "&utm_medium=feed", "Ceasefire talks resume", 5000);
	add(d, "a-18", "https://news.example/other", "Other", 5000);
	assert_int_equal(commit(fx, fx->feed_a, 100, d, &cs), 0);
	feed_doc_free(d);
	d = doc_new();
	add(d, "b-99", "https://news.example:443/world/ceasefire?fbclid=x1"
	    "#top", "Ceasefire talks resume", 5000);
	add(d, "b-98", "https://b.example/own", "Own story", 5000);
	assert_int_equal(commit(fx, fx->feed_b, 200, d, &cs), 0);
	feed_doc_free(d);
	assert_int_equal(cs.sources, 1);
	assert_int_equal(cs.inserted, 1);
	assert_int_equal(count_items(fx->st), 3);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM item_sources"
	    " s JOIN items i ON i.id = s.item_id WHERE i.canon ="
	    " 'https://news.example/world/ceasefire'"), 2);

	/* A URN guid carried by both, behind different links: one story. */
	d = doc_new();
	add(d, "urn:wire:42", "https://a.example/w42", "Wire 42", 6000);
	add(d, "urn:wire:43", "https://a.example/w43", "Wire 43", 6000);
	assert_int_equal(commit(fx, fx->feed_a, 300, d, &cs), 0);
	feed_doc_free(d);
	d = doc_new();
	add(d, "urn:wire:42", "https://b.example/w42", "Wire 42", 6000);
	add(d, "urn:wire:44", "https://b.example/w44", "Wire 44", 6000);
	assert_int_equal(commit(fx, fx->feed_b, 400, d, &cs), 0);
	feed_doc_free(d);
	assert_int_equal(cs.sources, 1);
	assert_int_equal(count_items(fx->st), 6);
}

/* ---- revisions ---- */

/* 4 An edited title: one item, one revision; a re-fetch writes nothing. */
static void
test_revision(void **state)
{
	struct fx *fx = *state;
	struct store_commit_stats cs;
	struct feed_doc *d;
	char text[64];
	int64_t before;

	d = doc_three("a");
	assert_int_equal(commit(fx, fx->feed_a, 100, d, &cs), 0);
	feed_doc_free(d);
	d = doc_three("a");
	free(d->items[1].title);
	d->items[1].title = xstrdup("story 2, corrected");
	assert_int_equal(commit(fx, fx->feed_a, 200, d, &cs), 0);
	assert_int_equal(cs.updated, 1);
	assert_int_equal(cs.unchanged, 2);
	assert_int_equal(count_items(fx->st), 3);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM revisions"),
	    1);
	raw_text(fx->path, "SELECT title || '|' || seen_at || '|' ||"
	    " replaced_at FROM revisions", text, sizeof(text));
	assert_string_equal(text, "story 2|100|200");
	raw_text(fx->path, "SELECT title FROM items WHERE link LIKE '%/2'",
	    text, sizeof(text));
	assert_string_equal(text, "story 2, corrected");

	/* The same document again: not one row written, no revision. */
	before = store_debug_changes(fx->st);
	assert_int_equal(commit(fx, fx->feed_a, 300, d, &cs), 0);
	feed_doc_free(d);
	assert_int_equal(cs.unchanged, 3);
	/* Only the feed row (validators, last success) changes. */
	assert_int_equal(store_debug_changes(fx->st) - before, 1);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM revisions"),
	    1);
}

/* ---- tombstones ---- */

/* 5 A deleted item re-served, by its feed or another: not re-inserted. */
static void
test_tombstone_rm(void **state)
{
	struct fx *fx = *state;
	struct store_commit_stats cs;
	struct herald_err err = { "" };
	struct feed_doc *d;
	struct found f;
	int64_t id, nope = 999999;
	size_t n = 0;

	d = doc_three("a");
	assert_int_equal(commit(fx, fx->feed_a, 100, d, &cs), 0);
	feed_doc_free(d);
	id = first_id(fx->st, "\"story 2\"");
	assert_int_equal(store_items_delete(fx->st, &id, 1, 150, &n, &err),
	    0);
	assert_int_equal(n, 1);
	assert_int_equal(store_items_delete(fx->st, &nope, 1, 150, &n, &err),
	    0);
	assert_int_equal(n, 0);
	assert_int_equal(count_items(fx->st), 2);

	d = doc_three("a");
	assert_int_equal(commit(fx, fx->feed_a, 200, d, &cs), 0);
	feed_doc_free(d);
	assert_int_equal(cs.tombstoned, 1);
	assert_int_equal(cs.inserted, 0);
	assert_int_equal(count_items(fx->st), 2);

	/* Feed B carries the same story under its own guid. */
	d = doc_new();
	add(d, "b-2", "https://a.example/story/2?utm_campaign=x", "story 2",
	    2000);
	add(d, "b-3", "https://b.example/3", "b three", 2000);
	assert_int_equal(commit(fx, fx->feed_b, 300, d, &cs), 0);
	feed_doc_free(d);
	assert_int_equal(cs.tombstoned, 1);
	assert_int_equal(cs.inserted, 1);
	assert_int_equal(count_items(fx->st), 3);
	/* Gone from the index too. */
	assert_int_equal(search(fx->st, "\"story 2\"", NULL, DATE_NONE, &f,
	    &err), 0);
	assert_int_equal(f.n, 0);
}

/* ---- search ---- */

static void
test_search(void **state)
{
	struct fx *fx = *state;
	struct store_commit_stats cs;
	struct herald_err err = { "" };
	struct topic_result tags[3];
	struct topic_tag tag;
	struct feed_doc *d;
	struct found f;

	d = doc_new();
	add(d, "s1", "https://a.example/s1", "Gaza ceasefire talks", 1000);
	add(d, "s2", "https://a.example/s2", "Football results", 2000);
	add(d, "s3", "https://a.example/s3", "Weather", 3000);
	free(d->items[2].summary);
	d->items[2].summary = xstrdup("a ceasefire between storms");
	memset(tags, 0, sizeof(tags));
	memset(&tag, 0, sizeof(tag));
	tag.topic = "mideast";
	tag.score = 2;
	tag.threshold = 1;
	tags[0].tags = &tag;
	tags[0].ntags = 1;
	assert_int_equal(commit_tags(fx, fx->feed_a, 100, d, tags, &cs), 0);
	feed_doc_free(d);

	/* The title match ranks above the summary match. */
	assert_int_equal(search(fx->st, "ceasefire", NULL, DATE_NONE, &f,
	    &err), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.title[0], "Gaza ceasefire talks");
	assert_non_null(strstr(f.snippet[0], "[ceasefire]"));
	assert_non_null(strstr(f.snippet[1], "[ceasefire]"));
	/* Diacritics and case folded; prefix queries. */
	assert_int_equal(search(fx->st, "CÉASEFIRE", NULL, DATE_NONE, &f,
	    &err), 0);
	assert_int_equal(f.n, 2);
	assert_int_equal(search(fx->st, "foot*", NULL, DATE_NONE, &f, &err),
	    0);
	assert_int_equal(f.n, 1);
	/* Filters. */
	assert_int_equal(search(fx->st, "ceasefire", "mideast", DATE_NONE, &f,
	    &err), 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.title[0], "Gaza ceasefire talks");
	assert_int_equal(search(fx->st, "ceasefire", NULL, 2500, &f, &err),
	    0);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.title[0], "Weather");
	assert_int_equal(search(fx->st, "title:weather", NULL, DATE_NONE, &f,
	    &err), 0);
	assert_int_equal(f.n, 1);

	/* Malformed queries are the user's error, said clearly. */
	assert_int_equal(search(fx->st, "ceasefire AND (", NULL, DATE_NONE,
	    &f, &err), HERALD_E_INVAL);
	assert_non_null(strstr(err.msg, "malformed search query"));
	assert_int_equal(search(fx->st, "nocolumn:x", NULL, DATE_NONE, &f,
	    &err), HERALD_E_INVAL);
	assert_non_null(strstr(err.msg, "malformed search query"));
	assert_int_equal(search(fx->st, "", NULL, DATE_NONE, &f, &err),
	    HERALD_E_INVAL);

	/* The index follows an edit: the old words go, the new ones come. */
	d = doc_new();
	add(d, "s1", "https://a.example/s1", "Gaza truce talks", 1000);
	add(d, "s2", "https://a.example/s2", "Football results", 2000);
	add(d, "s3", "https://a.example/s3", "Weather", 3000);
	free(d->items[2].summary);
	d->items[2].summary = xstrdup("a ceasefire between storms");
	assert_int_equal(commit(fx, fx->feed_a, 200, d, &cs), 0);
	feed_doc_free(d);
	assert_int_equal(cs.updated, 1);
	assert_int_equal(search(fx->st, "ceasefire", NULL, DATE_NONE, &f,
	    &err), 0);
	assert_int_equal(f.n, 1);
	assert_int_equal(search(fx->st, "truce", NULL, DATE_NONE, &f, &err),
	    0);
	assert_int_equal(f.n, 1);
	/* The FTS index agrees with its content table. */
	assert_int_equal(store_check(fx->st, &err), 0);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM items_fts"
	    " WHERE items_fts MATCH 'gaza'"), 1);
}

/* ---- retention ---- */

static void
test_prune(void **state)
{
	struct fx *fx = *state;
	struct store_commit_stats cs;
	struct store_prune_stats ps;
	struct store_prune_policy p;
	struct store_prune_feed pf;
	struct herald_err err = { "" };
	struct topic_result tags[4];
	struct topic_tag tag;
	struct feed_doc *d;
	struct found f;
	int64_t before;

	/* Feed A: four items at t = 1000..4000, the oldest one tagged. */
	d = doc_new();
	add(d, "p1", "https://a.example/p1", "alpha one", 1000);
	add(d, "p2", "https://a.example/p2", "alpha two", 2000);
	add(d, "p3", "https://a.example/p3", "alpha three", 3000);
	add(d, "p4", "https://a.example/p4", "alpha four", 4000);
	memset(tags, 0, sizeof(tags));
	memset(&tag, 0, sizeof(tag));
	tag.topic = "keep";
	tag.score = 2;
	tag.threshold = 1;
	tags[0].tags = &tag;
	tags[0].ntags = 1;
	assert_int_equal(commit_tags(fx, fx->feed_a, 100, d, tags, &cs), 0);
	feed_doc_free(d);
	/* Feed B: two items. */
	d = doc_new();
	add(d, "q1", "https://b.example/q1", "beta one", 1000);
	add(d, "q2", "https://b.example/q2", "beta two", 2000);
	assert_int_equal(commit(fx, fx->feed_b, 100, d, &cs), 0);
	feed_doc_free(d);

	/* No limits: nothing is even written. */
	memset(&p, 0, sizeof(p));
	before = store_debug_changes(fx->st);
	assert_int_equal(store_prune(fx->st, &p, 10000, &ps, &err), 0);
	assert_int_equal(ps.deleted, 0);
	assert_int_equal(store_debug_changes(fx->st), before);

	/* Two newest per feed, tagged items kept for ever. */
	p.max_items = 2;
	assert_int_equal(store_prune(fx->st, &p, 10000, &ps, &err), 0);
	assert_int_equal(ps.deleted, 1);	/* p2 */
	assert_int_equal(count_items(fx->st), 5);
	assert_int_equal(search(fx->st, "alpha", NULL, DATE_NONE, &f, &err),
	    0);
	assert_int_equal(f.n, 3);

	/* Pruned items re-served by the feed stay pruned. */
	d = doc_new();
	add(d, "p2", "https://a.example/p2", "alpha two", 2000);
	assert_int_equal(commit(fx, fx->feed_a, 200, d, &cs), 0);
	feed_doc_free(d);
	assert_int_equal(cs.tombstoned, 1);
	assert_int_equal(count_items(fx->st), 5);

	/* Tagged items kept 5000 s: p1 (t 1000) at now 7000 goes. */
	p.max_items = 0;
	p.max_age = 3500;
	p.topic_max_age = 5000;
	/* Feed B's own limit: no age limit. */
	memset(&pf, 0, sizeof(pf));
	pf.url = FEED_B;
	pf.max_age = 0;
	pf.max_items = -1;
	p.feeds = &pf;
	p.nfeeds = 1;
	assert_int_equal(store_prune(fx->st, &p, 7000, &ps, &err), 0);
	/* p1 (tagged, too old), p3 (3000 < 3500): gone; p4 stays; B stays. */
	assert_int_equal(ps.deleted, 2);
	assert_int_equal(count_items(fx->st), 3);
	assert_int_equal(search(fx->st, "beta", NULL, DATE_NONE, &f, &err), 0);
	assert_int_equal(f.n, 2);
	assert_int_equal(search(fx->st, "alpha", NULL, DATE_NONE, &f, &err),
	    0);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.title[0], "alpha four");
	assert_int_equal(store_check(fx->st, &err), 0);
	assert_int_equal(store_vacuum(fx->st, &err), 0);
	assert_int_equal(count_items(fx->st), 3);
}

/* ---- list --topic ---- */

/* item_tags.item_time follows the item's time, whoever writes it. */
static void
test_topic_time(void **state)
{
	struct fx *fx = *state;
	struct store_commit_stats cs;
	struct topic_result tags[2];
	struct topic_tag tag;
	struct feed_doc *d;

	d = doc_new();
	add(d, "t1", "https://a.example/t1", "tee one", DATE_NONE);
	add(d, "t2", "https://a.example/t2", "tee two", 5000);
	memset(tags, 0, sizeof(tags));
	memset(&tag, 0, sizeof(tag));
	tag.topic = "tt";
	tag.score = 2;
	tag.threshold = 1;
	tags[0].tags = &tag;
	tags[0].ntags = 1;
	tags[1].tags = &tag;
	tags[1].ntags = 1;
	assert_int_equal(commit_tags(fx, fx->feed_a, 100, d, tags, &cs), 0);
	feed_doc_free(d);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM item_tags"
	    " t JOIN items i ON i.id = t.item_id WHERE t.item_time IS"
	    " COALESCE(i.published, i.first_seen)"), 2);
	/* t1 gains a date. */
	d = doc_new();
	add(d, "t1", "https://a.example/t1", "tee one, dated", 9000);
	add(d, "t2", "https://a.example/t2", "tee two, edited", 5000);
	assert_int_equal(commit_tags(fx, fx->feed_a, 200, d, tags, &cs), 0);
	feed_doc_free(d);
	assert_int_equal(raw_int(fx->path, "SELECT item_time FROM item_tags"
	    " t JOIN items i ON i.id = t.item_id WHERE i.guid = 't1'"), 9000);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM item_tags"
	    " t JOIN items i ON i.id = t.item_id WHERE t.item_time IS"
	    " COALESCE(i.published, i.first_seen)"), 2);
}

/* ---- migrations ---- */

/*
 * Builds a database at every earlier version v (steps 0..v-1 run by hand,
 * as that release did), fills it, then lets store_open() migrate it.
 */
static void
make_at_version(const char *path, int v)
{
	char sql[128];
	sqlite3 *db;
	int i;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	for (i = 0; i < v; i++)
		assert_int_equal(sqlite3_exec(db, store_schema_step(i), NULL,
		    NULL, NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d;"
	    " PRAGMA user_version = %d", STORE_APPLICATION_ID, v);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	/* v1's tables exist at every version; fill them. */
	assert_int_equal(sqlite3_exec(db,
	    "INSERT INTO feeds (id, url, name, created) VALUES"
	    " (1, 'https://old.example/rss', 'Old', 1);"
	    "INSERT INTO items (id, story_key, guid, link, canon, title,"
	    " summary, hash, published, first_seen, last_seen) VALUES"
	    " (1, 'u:https://old.example/1', 'o1', 'https://old.example/1',"
	    " 'https://old.example/1', 'Migrated ceasefire story', 'old',"
	    " 'h1', 500, 10, 10),"
	    " (2, 'f:1:o2', 'o2', NULL, NULL, 'Second old story', 'old',"
	    " 'h2', NULL, 20, 20);"
	    "INSERT INTO item_sources (item_id, feed_id, feed_key, hash,"
	    " first_seen) VALUES (1, 1, 'g:o1', 'h1', 10),"
	    " (2, 1, 'g:o2', 'h2', 20);"
	    "INSERT INTO item_tags (item_id, topic, score, threshold,"
	    " evidence, tagged_at) VALUES (1, 'old', 3, 1, '[]', 10);",
	    NULL, NULL, NULL), SQLITE_OK);
	/* From v4 on, that release's store counted a document's sources. */
	if (v >= 4)
		assert_int_equal(sqlite3_exec(db, "UPDATE feeds SET nitems = 2",
		    NULL, NULL, NULL), SQLITE_OK);
	/* From v5 on, that release's store set a tag's item_time itself. */
	if (v >= 5)
		assert_int_equal(sqlite3_exec(db, "UPDATE item_tags SET"
		    " item_time = 500", NULL, NULL, NULL), SQLITE_OK);
	/* From v2 on, that release's store kept the index in sync. */
	if (v >= 2)
		assert_int_equal(sqlite3_exec(db, "INSERT INTO items_fts"
		    " (items_fts) VALUES ('rebuild')", NULL, NULL, NULL),
		    SQLITE_OK);
	sqlite3_close(db);
}

static int
list_cb(const struct store_item_view *v, void *arg)
{
	int64_t *id = arg;

	*id = v->id;
	return 0;
}

static void
test_migrate(void **state)
{
	struct fx *fx = *state;
	struct store_list_query q;
	struct herald_err err = { "" };
	struct found f;
	int64_t id;
	int v;

	for (v = 1; v < STORE_SCHEMA_VERSION; v++) {
		unlink(fx->path);
		make_at_version(fx->path, v);
		/* A reader never migrates. */
		assert_int_equal(store_open(fx->path, STORE_RDONLY, &fx->st,
		    &err), HERALD_E_DB);
		assert_non_null(strstr(err.msg, "older than this herald"));
		assert_int_equal(store_open(fx->path, 0, &fx->st, &err), 0);
		assert_int_equal(raw_int(fx->path, "PRAGMA user_version"),
		    STORE_SCHEMA_VERSION);
		assert_int_equal(count_items(fx->st), 2);
		assert_int_equal(store_check(fx->st, &err), 0);
		/* The old items are searchable and listed by topic. */
		assert_int_equal(search(fx->st, "ceasefire", NULL, DATE_NONE,
		    &f, &err), 0);
		assert_int_equal(f.n, 1);
		assert_int_equal(f.id[0], 1);
		memset(&q, 0, sizeof(q));
		q.topic = "old";
		q.since = q.until = DATE_NONE;
		id = 0;
		assert_int_equal(store_list(fx->st, &q, list_cb, &id, &err),
		    0);
		assert_int_equal(id, 1);
		assert_int_equal(raw_int(fx->path, "SELECT item_time FROM"
		    " item_tags"), 500);
		/* v3's count survives v4, which counts per document. */
		assert_int_equal(raw_int(fx->path, "SELECT nitems FROM feeds"
		    " WHERE id = 1"), 2);
		assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM"
		    " pragma_table_info('items') WHERE name = 'content_html'"),
		    1);
		/* v5: the insert statement sets item_time, no trigger. */
		assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM"
		    " sqlite_schema WHERE name = 'item_tags_time_set'"), 0);
		/* v6: the daemon merges the index when idle, not FTS5. */
		assert_int_equal(raw_int(fx->path, "SELECT v FROM"
		    " items_fts_config WHERE k = 'automerge'"), 0);
		assert_int_equal(raw_int(fx->path, "SELECT v FROM"
		    " items_fts_config WHERE k = 'crisismerge'"), 128);
		store_close(fx->st);
		fx->st = NULL;
		/* Reopening is a no-op. */
		assert_int_equal(store_open(fx->path, 0, &fx->st, &err), 0);
		store_close(fx->st);
		fx->st = NULL;
	}
}

/* ---- checkpoints by a second connection (store/wal.c) ---- */

static off_t
file_size(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

/* Commits ndocs documents of 50 items with 2 KB summaries each. */
static void
fill(struct fx *fx, int base, int ndocs)
{
	struct store_commit_stats cs;
	struct feed_item *it;
	struct feed_doc *d;
	char guid[32], *big;
	int i, k;

	big = xmalloc(2048);
	memset(big, 'x', 2047);
	big[2047] = '\0';
	for (i = 0; i < ndocs; i++) {
		d = doc_new();
		for (k = 0; k < 50; k++) {
			snprintf(guid, sizeof(guid), "w%d-%d", base + i, k);
			it = add(d, guid, NULL, guid, 1000 + k);
			free(it->summary);
			it->summary = xstrdup(big);
		}
		assert_int_equal(commit(fx, fx->feed_a, 100 + i, d, &cs), 0);
		feed_doc_free(d);
	}
	free(big);
}

static void
test_wal_defer(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	struct store *ck = NULL;
	off_t before;

	/* Deferred without a limit: the writer leaves the WAL alone. */
	store_wal_defer(fx->st, 0);
	before = file_size(fx->path);
	fill(fx, 0, 40);
	assert_true(store_wal_frames(fx->st) >= 1000);
	assert_true(file_size(fx->path) < before + 1024 * 1024);
	/* A second connection copies it into the database. */
	assert_int_equal(store_open(fx->path, 0, &ck, &err), 0);
	assert_int_equal(store_checkpoint(ck, &err), 0);
	assert_true(file_size(fx->path) > before + 4 * 1024 * 1024);
	store_close(ck);
	assert_int_equal(count_items(fx->st), 2000);
	assert_int_equal(store_check(fx->st, &err), 0);
	/* Past its limit the writer checkpoints after all. */
	store_wal_defer(fx->st, 200);
	before = file_size(fx->path);
	fill(fx, 100, 10);
	assert_true(file_size(fx->path) > before + 512 * 1024);
	assert_int_equal(count_items(fx->st), 2500);
}

/* ---- index merges when the writer is idle (store/fts_merge.c, v6) ---- */

static int64_t
segments(const char *path)
{
	return raw_int(path, "SELECT count(DISTINCT segid) FROM items_fts_idx");
}

static void
test_fts_merge(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	struct store_commit_stats cs;
	struct feed_doc *d;
	struct found f;
	char guid[32], title[64];
	int i, worked = -1, steps = 0;
	sqlite3 *db;

	/* v6: FTS5 leaves the segments of separate commits alone... */
	assert_int_equal(raw_int(fx->path, "SELECT v FROM items_fts_config"
	    " WHERE k = 'automerge'"), 0);
	for (i = 0; i < 12; i++) {
		d = doc_new();
		snprintf(guid, sizeof(guid), "m%d", i);
		snprintf(title, sizeof(title), "Ceasefire talks round %d", i);
		add(d, guid, NULL, title, 1000 + i);
		assert_int_equal(commit(fx, fx->feed_a, 100 + i, d, &cs), 0);
		feed_doc_free(d);
	}
	assert_true(segments(fx->path) >= 12);
	assert_int_equal(search(fx->st, "\"talks round 7\"", NULL, DATE_NONE,
	    &f, &err), 0);
	assert_int_equal(f.n, 1);
	/* ...until asked, and never inside a group. */
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_fts_merge(fx->st, 16, &worked, &err),
	    HERALD_E_INVAL);
	assert_int_equal(worked, 0);
	store_rollback(fx->st);
	do {
		assert_int_equal(store_fts_merge(fx->st, 16, &worked, &err), 0);
		steps += worked;
		assert_true(steps < 100);
	} while (worked);
	assert_true(steps >= 1);
	/* FTS5's usermerge: fewer than 4 segments left on any level. */
	assert_true(segments(fx->path) < 4);
	/* Nothing left to merge: a further call says so and changes none. */
	assert_int_equal(store_fts_merge(fx->st, 16, &worked, &err), 0);
	assert_int_equal(worked, 0);
	/* The same items are found, and FTS5 finds its index sound. */
	assert_int_equal(search(fx->st, "\"talks round 7\"", NULL, DATE_NONE,
	    &f, &err), 0);
	assert_int_equal(f.n, 1);
	assert_int_equal(search(fx->st, "ceasefire", NULL, DATE_NONE, &f,
	    &err), 0);
	assert_int_equal(f.n, 8);	/* the query's limit, of 12 */
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO items_fts (items_fts)"
	    " VALUES ('integrity-check')", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/*
 * S5: a write that starts as a read fails at once with BUSY_SNAPSHOT,
 * whatever busy_timeout says; so no store/ source may open a write
 * transaction with a plain (deferred) BEGIN. The tests run from the root.
 */
static void
test_no_deferred_begin(void **state)
{
	static const char *const files[] = {
		"store/store.c", "store/item_store.c", "store/query.c",
		"store/search.c", "store/prune.c", "store/schema.c",
	};
	char line[1024];
	size_t i;
	FILE *fp;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		fp = fopen(files[i], "r");
		if (!fp) {
			print_message("skipped: %s not found\n", files[i]);
			continue;
		}
		while (fgets(line, sizeof(line), fp)) {
			char *b = strstr(line, "\"BEGIN");

			if (b && strncmp(b, "\"BEGIN IMMEDIATE", 16) != 0)
				fail_msg("%s: deferred BEGIN: %s", files[i],
				    line);
		}
		fclose(fp);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_guid_churn, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_guid_stable, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wire_two_feeds,
		    setup_store, teardown),
		cmocka_unit_test_setup_teardown(test_revision, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tombstone_rm, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_search, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_topic_time, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrate, setup_dir,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wal_defer, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fts_merge, setup_store,
		    teardown),
		cmocka_unit_test(test_no_deferred_begin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
