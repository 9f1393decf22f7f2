/*
 * test_store.c: store/ against real SQLite databases in a temporary
 * directory. Documents are built by hand (no parser); raw sqlite3
 * connections look behind the store's back where a test must prove what
 * was, or was not, written.
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

#include <sqlite3.h>

#include "feeds/date.h"
#include "feeds/err.h"
#include "feeds/hash.h"
#include "feeds/item.h"
#include "feeds/topic.h"
#include "store/store.h"
#include "store/store_int.h"

#define MAXITEMS	8

struct fx {
	char		 dir[64];
	char		 path[128];
	struct store	*st;
	int64_t		 feed_a;
	int64_t		 feed_b;
};

/* A document built in place: items and tags point at string literals. */
struct tdoc {
	struct feed_doc		doc;
	struct feed_item	items[MAXITEMS];
	struct topic_result	tags[MAXITEMS];
};

/* ---- fixtures ---- */

static int
setup_dir(void **state)
{
	struct fx *fx;

	fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/herald-test-store-XXXXXX");
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
	assert_int_equal(store_feed_sync(fx->st, "https://a.example/rss",
	    "A", &fx->feed_a, &err), 0);
	assert_int_equal(store_feed_sync(fx->st, "https://b.example/feed",
	    "B", &fx->feed_b, &err), 0);
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

static void
item_retitle(struct feed_item *it, const char *title)
{
	it->title = (char *)title;
	hash_sha256_hex(title, strlen(title), it->hash);
}

/* Adds an item whose guid is key and whose link is canon. */
static struct feed_item *
tdoc_add(struct tdoc *t, const char *key, const char *canon,
    const char *title, int64_t published)
{
	struct feed_item *it;

	assert_true(t->doc.nitems < MAXITEMS);
	it = &t->items[t->doc.nitems++];
	it->id = (char *)key;
	it->key = (char *)key;
	it->link = (char *)canon;
	it->canon = (char *)canon;
	it->published = published;
	it->updated = DATE_NONE;
	item_retitle(it, title);
	return it;
}

static struct store_fetch
fetch_ok(int64_t feed_id, int64_t now)
{
	struct store_fetch f;

	memset(&f, 0, sizeof(f));
	f.feed_id = feed_id;
	f.now = now;
	f.http_status = 200;
	f.etag = "\"e1\"";
	f.last_modified = "Mon, 01 Jan 2024 00:00:00 GMT";
	f.body_hash = "b1";
	return f;
}

static int
commit(struct fx *fx, int64_t feed_id, int64_t now, struct tdoc *t,
    int with_tags, struct store_commit_stats *stats)
{
	struct herald_err err = { "" };
	struct store_fetch f;
	int rc;

	f = fetch_ok(feed_id, now);
	rc = store_doc_commit(fx->st, &f, &t->doc, with_tags ? t->tags : NULL,
	    stats, &err);
	if (rc)
		print_message("store_doc_commit: %s\n", err.msg);
	return rc;
}

static int64_t
count_items(struct store *st)
{
	struct herald_err err = { "" };
	int64_t n = -1;

	assert_int_equal(store_count_items(st, &n, &err), 0);
	return n;
}

/* Runs a one-integer query on a private connection. */
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

/* Copies a one-text query's answer into out ("(null)" for NULL). */
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

static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_busy_timeout(db, 5000), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* What store_list() produced, copied out of the borrowed views. */
struct seen {
	size_t		 n;
	int64_t		 id[MAXITEMS];
	char		 title[MAXITEMS][64];
	char		 feed[MAXITEMS][64];
	char		 topic[MAXITEMS][64];	/* the first, or "" */
	double		 score[MAXITEMS];
	size_t		 ntopics[MAXITEMS];
	size_t		 nsources[MAXITEMS];
	int64_t		 published[MAXITEMS];
};

static int
seen_cb(const struct store_item_view *v, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < MAXITEMS);
	s->id[s->n] = v->id;
	snprintf(s->title[s->n], 64, "%s", v->title ? v->title : "");
	snprintf(s->feed[s->n], 64, "%s", v->feed ? v->feed : "");
	snprintf(s->topic[s->n], 64, "%s", v->ntopics ? v->topics[0] : "");
	s->score[s->n] = v->ntopics ? v->scores[0] : 0;
	s->ntopics[s->n] = v->ntopics;
	s->nsources[s->n] = v->nsources;
	s->published[s->n] = v->published;
	s->n++;
	return 0;
}

static void
list(struct store *st, const char *topic, const char *feed, int64_t since,
    int64_t until, long limit, struct seen *out)
{
	struct store_list_query q = { topic, feed, since, until, limit };
	struct herald_err err = { "" };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_list(st, &q, seen_cb, out, &err);
	if (rc)
		print_message("store_list: %s\n", err.msg);
	assert_int_equal(rc, 0);
}

/* A three-item document: the usual fixture. */
static void
three_items(struct tdoc *t)
{
	tdoc_init(t);
	tdoc_add(t, "g1", "https://a.example/1", "one", 100);
	tdoc_add(t, "g2", "https://a.example/2", "two", 200);
	tdoc_add(t, "g3", NULL, "three", 300);
}

/* ---- open ---- */

/* 1.1 A new file becomes a WAL database at the current schema. */
static void
test_open_create(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	char mode[16];

	assert_int_equal(store_open(fx->path, 0, &fx->st, &err), 0);
	assert_int_equal(count_items(fx->st), 0);
	assert_int_equal(store_check(fx->st, &err), 0);
	raw_text(fx->path, "PRAGMA journal_mode", mode, sizeof(mode));
	assert_string_equal(mode, "wal");
	assert_int_equal(raw_int(fx->path, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(fx->path, "PRAGMA application_id"),
	    0x48524c44);
}

/* 1.2 Reopening keeps the data; a reader opens it alongside. */
static void
test_open_reopen(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	struct store *ro = NULL;
	struct tdoc t;

	three_items(&t);
	assert_int_equal(commit(fx, fx->feed_a, 1000, &t, 0, NULL), 0);
	store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(store_open(fx->path, 0, &fx->st, &err), 0);
	assert_int_equal(count_items(fx->st), 3);
	assert_int_equal(store_open(fx->path, STORE_RDONLY, &ro, &err), 0);
	assert_int_equal(count_items(ro), 3);
	store_close(ro);
}

/* 1.3 A database from a newer herald is refused, by writer and reader. */
static void
test_open_newer(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	struct store *st = NULL;
	char want[256];

	store_close(fx->st);
	fx->st = NULL;
	raw_exec(fx->path, "PRAGMA user_version = 99");
	snprintf(want, sizeof(want), "%s: database schema version 99 is "
	    "newer than this herald (%d)", fx->path, STORE_SCHEMA_VERSION);
	assert_int_equal(store_open(fx->path, 0, &st, &err), HERALD_E_VERSION);
	assert_null(st);
	assert_string_equal(err.msg, want);
	assert_int_equal(store_open(fx->path, STORE_RDONLY, &st, &err),
	    HERALD_E_VERSION);
	assert_string_equal(err.msg, want);
	assert_int_equal(raw_int(fx->path, "PRAGMA user_version"), 99);
}

/* 1.4 A file that is not SQLite is refused, naming it, and left alone. */
static void
test_open_not_sqlite(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	struct store *st = NULL;
	char want[256], buf[64];
	FILE *fp;

	fp = fopen(fx->path, "w");
	assert_non_null(fp);
	fputs("this is not a database, just text that is long enough to "
	    "fill a header of one hundred bytes: 0123456789012345678901\n",
	    fp);
	fclose(fp);
	snprintf(want, sizeof(want), "%s: not a SQLite database", fx->path);
	assert_int_equal(store_open(fx->path, 0, &st, &err), HERALD_E_DB);
	assert_string_equal(err.msg, want);
	assert_int_equal(store_open(fx->path, STORE_RDONLY, &st, &err),
	    HERALD_E_DB);
	assert_string_equal(err.msg, want);
	fp = fopen(fx->path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_memory_equal(buf, "this is not a database", 22);
}

/* 1.5 Someone else's SQLite database is refused and not turned to WAL. */
static void
test_open_foreign(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	struct store *st = NULL;
	char mode[16];

	raw_exec(fx->path, "CREATE TABLE notes (body TEXT)");
	assert_int_equal(store_open(fx->path, 0, &st, &err), HERALD_E_DB);
	assert_non_null(strstr(err.msg, fx->path));
	assert_non_null(strstr(err.msg, "not a herald database"));
	raw_text(fx->path, "PRAGMA journal_mode", mode, sizeof(mode));
	assert_string_equal(mode, "delete");
	raw_exec(fx->path, "PRAGMA user_version = 3");
	assert_int_equal(store_open(fx->path, 0, &st, &err), HERALD_E_DB);
	assert_non_null(strstr(err.msg, "not a herald database"));
	assert_int_equal(raw_int(fx->path,
	    "SELECT count(*) FROM sqlite_master"), 1);
}

/* 1.6 A reader on a missing file says so and creates nothing. */
static void
test_open_rdonly_missing(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	struct store *st = NULL;
	char want[256];

	snprintf(want, sizeof(want), "no database at %s: has heraldd run?",
	    fx->path);
	assert_int_equal(store_open(fx->path, STORE_RDONLY, &st, &err),
	    HERALD_E_DB);
	assert_null(st);
	assert_string_equal(err.msg, want);
	assert_int_equal(access(fx->path, F_OK), -1);
}

/* Hashes a file's bytes; "" when it does not exist. */
static void
file_hash(const char *path, char out[HASH_HEX_LEN + 1])
{
	char buf[1 << 16];
	struct hash_ctx *h;
	size_t n;
	FILE *fp;

	out[0] = '\0';
	fp = fopen(path, "rb");
	if (!fp)
		return;
	h = hash_ctx_new();
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		hash_ctx_update(h, buf, n);
	hash_ctx_final(h, out);
	fclose(fp);
}

/* 1.7 A reader never writes: the files are the same bytes afterwards. */
static void
test_open_rdonly_no_write(void **state)
{
	struct fx *fx = *state;
	char db0[HASH_HEX_LEN + 1], db1[HASH_HEX_LEN + 1];
	char wal0[HASH_HEX_LEN + 1], wal1[HASH_HEX_LEN + 1], wal[160];
	struct herald_err err = { "" };
	struct store_fetch f;
	struct store *ro = NULL;
	int64_t id;
	struct seen s;
	struct tdoc t;

	three_items(&t);
	assert_int_equal(commit(fx, fx->feed_a, 1000, &t, 0, NULL), 0);
	store_close(fx->st);
	fx->st = NULL;
	snprintf(wal, sizeof(wal), "%s-wal", fx->path);
	file_hash(fx->path, db0);
	file_hash(wal, wal0);

	assert_int_equal(store_open(fx->path, STORE_RDONLY, &ro, &err), 0);
	list(ro, NULL, NULL, DATE_NONE, DATE_NONE, 0, &s);
	assert_int_equal(s.n, 3);
	f = fetch_ok(fx->feed_a, 2000);
	assert_int_equal(store_doc_commit(ro, &f, &t.doc, NULL, NULL, &err),
	    HERALD_E_INVAL);
	assert_int_equal(store_feed_result(ro, &f, &err), HERALD_E_INVAL);
	assert_int_equal(store_feed_sync(ro, "https://c.example/", "C", &id,
	    &err), HERALD_E_INVAL);
	store_close(ro);

	file_hash(fx->path, db1);
	file_hash(wal, wal1);
	assert_string_equal(db0, db1);
	assert_string_equal(wal0, wal1);
}

/* ---- documents ---- */

/* 2.1 A new document: every item inserted, validators stored with it. */
static void
test_doc_insert(void **state)
{
	struct fx *fx = *state;
	struct store_commit_stats cs;
	struct store_validators v;
	struct herald_err err = { "" };
	struct tdoc t;
	char buf[128];

	static char *cats[] = { "World", "Mid\"East\\", "\xc3", NULL,
	    "Caf\xc3\xa9", "tab\there" };
	static char *bad[] = { "\xff" };

	three_items(&t);
	t.items[0].content = "Full text.";
	t.items[0].content_html = "<p>Full <b>text</b>.</p>";
	t.items[0].categories = cats;
	t.items[0].ncategories = 6;
	t.items[1].categories = bad;
	t.items[1].ncategories = 1;
	assert_int_equal(commit(fx, fx->feed_a, 1000, &t, 0, &cs), 0);
	/* Categories as JSON; one that is not UTF-8 is left out. */
	raw_text(fx->path, "SELECT categories FROM items WHERE id = 1", buf,
	    sizeof(buf));
	assert_string_equal(buf, "[\"World\",\"Mid\\\"East\\\\\","
	    "\"Caf\xc3\xa9\",\"tab\\there\"]");
	assert_int_equal(raw_int(fx->path, "SELECT categories IS NULL FROM"
	    " items WHERE id = 2"), 1);
	assert_int_equal(cs.items, 3);
	assert_int_equal(cs.inserted, 3);
	/* The markup is kept beside the text the index and tagger see. */
	raw_text(fx->path, "SELECT content || '|' || content_html FROM items"
	    " WHERE id = 1", buf, sizeof(buf));
	assert_string_equal(buf, "Full text.|<p>Full <b>text</b>.</p>");
	assert_int_equal(cs.updated + cs.unchanged + cs.sources, 0);
	assert_int_equal(count_items(fx->st), 3);

	assert_int_equal(store_feed_validators(fx->st, fx->feed_a, &v, &err),
	    0);
	assert_string_equal(v.etag, "\"e1\"");
	assert_string_equal(v.last_modified, "Mon, 01 Jan 2024 00:00:00 GMT");
	assert_string_equal(v.body_hash, "b1");
	store_validators_fini(&v);
	assert_int_equal(store_feed_validators(fx->st, 999, &v, &err),
	    HERALD_E_NOTFOUND);

	/* Linked items by their link; the unlinked one within its feed. */
	raw_text(fx->path, "SELECT group_concat(story_key, ' ') FROM "
	    "(SELECT story_key FROM items ORDER BY id)", buf, sizeof(buf));
	assert_string_equal(buf, "u:https://a.example/1 u:https://a.example/2 "
	    "f:1:g3");
	assert_int_equal(fx->feed_a, 1);
	raw_text(fx->path, "SELECT id_policy FROM feeds WHERE url = "
	    "'https://a.example/rss'", buf, sizeof(buf));
	assert_string_equal(buf, "guid");
	assert_int_equal(raw_int(fx->path, "SELECT failures FROM feeds WHERE "
	    "url = 'https://a.example/rss'"), 0);
	assert_int_equal(raw_int(fx->path, "SELECT last_success FROM feeds "
	    "WHERE url = 'https://a.example/rss'"), 1000);
	/* "herald feeds" reads the count the store keeps per document. */
	assert_int_equal(raw_int(fx->path, "SELECT nitems FROM feeds WHERE "
	    "url = 'https://a.example/rss'"), 3);
}

/* 2.2 The same document again writes nothing but the feed row. */
static void
test_doc_unchanged(void **state)
{
	struct fx *fx = *state;
	struct store_commit_stats cs;
	int64_t before;
	struct tdoc t;

	three_items(&t);
	assert_int_equal(commit(fx, fx->feed_a, 1000, &t, 0, NULL), 0);
	before = store_debug_changes(fx->st);
	assert_int_equal(commit(fx, fx->feed_a, 2000, &t, 0, &cs), 0);
	assert_int_equal(cs.inserted, 0);
	assert_int_equal(cs.updated, 0);
	assert_int_equal(cs.sources, 0);
	assert_int_equal(cs.unchanged, 3);
	/* One row: the feed's status. No item, source or last_seen write. */
	assert_int_equal(store_debug_changes(fx->st) - before, 1);
	assert_int_equal(raw_int(fx->path, "SELECT nitems FROM feeds WHERE "
	    "id = 1"), 3);
	assert_int_equal(raw_int(fx->path, "SELECT max(last_seen) FROM items"),
	    1000);
	assert_int_equal(raw_int(fx->path, "SELECT last_attempt FROM feeds "
	    "WHERE url = 'https://a.example/rss'"), 2000);
}

/* 2.3 A changed title updates that item in place, and only it. */
static void
test_doc_changed(void **state)
{
	struct fx *fx = *state;
	struct store_commit_stats cs;
	struct seen s;
	struct tdoc t;

	three_items(&t);
	assert_int_equal(commit(fx, fx->feed_a, 1000, &t, 0, NULL), 0);
	item_retitle(&t.items[1], "two, corrected");
	assert_int_equal(commit(fx, fx->feed_a, 2000, &t, 0, &cs), 0);
	assert_int_equal(cs.updated, 1);
	assert_int_equal(cs.unchanged, 2);
	assert_int_equal(cs.inserted, 0);
	assert_int_equal(count_items(fx->st), 3);
	list(fx->st, NULL, NULL, DATE_NONE, DATE_NONE, 0, &s);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.title[1], "two, corrected");
	assert_int_equal(raw_int(fx->path, "SELECT last_seen FROM items WHERE "
	    "title = 'two, corrected'"), 2000);
	assert_int_equal(raw_int(fx->path, "SELECT first_seen FROM items WHERE "
	    "title = 'two, corrected'"), 1000);
}

/* 2.4 One canonical link in two feeds: one item with two sources. */
static void
test_doc_cross_feed(void **state)
{
	struct fx *fx = *state;
	struct store_commit_stats cs;
	struct tdoc ta, tb;
	struct seen s;

	tdoc_init(&ta);
	tdoc_add(&ta, "a-1", "https://news.example/story", "Story", 100);
	tdoc_init(&tb);
	tdoc_add(&tb, "urn:b:77", "https://news.example/story", "Story", 100);
	tdoc_add(&tb, "urn:b:78", "https://news.example/other", "Other", 50);
	assert_int_equal(commit(fx, fx->feed_a, 1000, &ta, 0, NULL), 0);
	assert_int_equal(commit(fx, fx->feed_b, 1001, &tb, 0, &cs), 0);
	assert_int_equal(cs.inserted, 1);
	assert_int_equal(cs.sources, 1);
	assert_int_equal(count_items(fx->st), 2);
	list(fx->st, NULL, NULL, DATE_NONE, DATE_NONE, 0, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.title[0], "Story");
	assert_int_equal(s.nsources[0], 2);
	assert_string_equal(s.feed[0], "A");	/* the first source */
	assert_int_equal(s.nsources[1], 1);
	assert_string_equal(s.feed[1], "B");

	/* Both feeds again, unchanged: nothing but the feed rows. */
	assert_int_equal(commit(fx, fx->feed_b, 2000, &tb, 0, &cs), 0);
	assert_int_equal(cs.unchanged, 2);
	assert_int_equal(commit(fx, fx->feed_a, 2001, &ta, 0, &cs), 0);
	assert_int_equal(cs.unchanged, 1);
}

/*
 * 2.5 Two feeds with different text for one story do not overwrite each
 * other on every poll: the item changes only when a source's own text
 * does, and tags computed on the text that is not stored are not kept.
 */
static void
test_doc_cross_feed_text(void **state)
{
	struct fx *fx = *state;
	struct store_commit_stats cs;
	struct topic_tag tag = { "t", "v1", 2.0, 1.0, NULL, 0, NULL };
	struct tdoc ta, tb;
	int64_t before;
	struct seen s;

	tdoc_init(&ta);
	tdoc_add(&ta, "a-1", "https://news.example/story", "A's title", 100);
	tdoc_init(&tb);
	tdoc_add(&tb, "b-1", "https://news.example/story", "B's title", 100);
	tb.tags[0].tags = &tag;
	tb.tags[0].ntags = 1;
	assert_int_equal(commit(fx, fx->feed_a, 1000, &ta, 0, NULL), 0);
	assert_int_equal(commit(fx, fx->feed_b, 1001, &tb, 1, &cs), 0);
	assert_int_equal(cs.sources, 1);
	assert_int_equal(cs.tagged, 0);
	before = store_debug_changes(fx->st);
	assert_int_equal(commit(fx, fx->feed_a, 2000, &ta, 0, &cs), 0);
	assert_int_equal(cs.unchanged, 1);
	assert_int_equal(commit(fx, fx->feed_b, 2001, &tb, 1, &cs), 0);
	assert_int_equal(cs.unchanged, 1);
	assert_int_equal(store_debug_changes(fx->st) - before, 2);
	list(fx->st, NULL, NULL, DATE_NONE, DATE_NONE, 0, &s);
	assert_string_equal(s.title[0], "A's title");
	assert_int_equal(s.ntopics[0], 0);

	/* B edits its text: now B's version is the story's, with its tags. */
	item_retitle(&tb.items[0], "B's new title");
	assert_int_equal(commit(fx, fx->feed_b, 3000, &tb, 1, &cs), 0);
	assert_int_equal(cs.updated, 1);
	assert_int_equal(cs.tagged, 1);
	list(fx->st, NULL, NULL, DATE_NONE, DATE_NONE, 0, &s);
	assert_string_equal(s.title[0], "B's new title");
	assert_string_equal(s.topic[0], "t");
	/* A, unchanged, does not take it back. */
	assert_int_equal(commit(fx, fx->feed_a, 3001, &ta, 0, &cs), 0);
	assert_int_equal(cs.unchanged, 1);
	list(fx->st, NULL, NULL, DATE_NONE, DATE_NONE, 0, &s);
	assert_string_equal(s.title[0], "B's new title");
}

/* 2.6 A link that every item of a document shares is not a story id. */
static void
test_doc_shared_homepage(void **state)
{
	struct fx *fx = *state;
	struct store_commit_stats cs;
	struct tdoc t, tb;

	tdoc_init(&t);
	tdoc_add(&t, "p1", "https://blog.example/", "first post", 100);
	tdoc_add(&t, "p2", "https://blog.example/", "second post", 200);
	tdoc_add(&t, "p3", "https://blog.example/", "third post", 300);
	tdoc_add(&t, "p4", "https://blog.example/4", "fourth post", 400);
	assert_int_equal(commit(fx, fx->feed_a, 1000, &t, 0, &cs), 0);
	assert_int_equal(cs.inserted, 4);
	assert_int_equal(count_items(fx->st), 4);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM items WHERE "
	    "story_key LIKE 'f:%'"), 3);

	/* Another feed's item on the homepage link merges with none of them. */
	tdoc_init(&tb);
	tdoc_add(&tb, "x", "https://blog.example/", "first post", 100);
	tdoc_add(&tb, "y", "https://blog.example/", "unrelated", 100);
	assert_int_equal(commit(fx, fx->feed_b, 1001, &tb, 0, &cs), 0);
	assert_int_equal(cs.inserted, 2);
	assert_int_equal(count_items(fx->st), 6);

	/* A duplicated item (same key, same link) is not the guard's case. */
	tdoc_init(&tb);
	tdoc_add(&tb, "z", "https://blog.example/z", "zed", 100);
	tdoc_add(&tb, "z", "https://blog.example/z", "zed", 100);
	assert_int_equal(commit(fx, fx->feed_b, 1002, &tb, 0, &cs), 0);
	assert_int_equal(cs.inserted, 1);
	assert_int_equal(cs.unchanged, 1);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM items WHERE "
	    "story_key = 'u:https://blog.example/z'"), 1);
}

/* 2.7 Items without an identity are refused before anything is written. */
static void
test_doc_unidentified(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	struct store_fetch f;
	struct tdoc t;

	three_items(&t);
	t.items[2].key = NULL;
	f = fetch_ok(fx->feed_a, 1000);
	assert_int_equal(store_doc_commit(fx->st, &f, &t.doc, NULL, NULL,
	    &err), HERALD_E_INVAL);
	assert_non_null(strstr(err.msg, "feed_doc_identify"));
	assert_int_equal(count_items(fx->st), 0);
	assert_int_equal(raw_int(fx->path, "SELECT last_attempt FROM feeds "
	    "WHERE id = 1"), DATE_NONE);

	/* An empty document is a success that stores no item. */
	tdoc_init(&t);
	assert_int_equal(store_doc_commit(fx->st, &f, &t.doc, NULL, NULL,
	    &err), 0);
	assert_int_equal(raw_int(fx->path, "SELECT last_success FROM feeds "
	    "WHERE id = 1"), 1000);
}

/* ---- tags ---- */

/* 3.1 Tags are stored with their evidence, listed, and not rewritten. */
static void
test_tags(void **state)
{
	struct fx *fx = *state;
	struct topic_hit hits[2] = {
		{ "gaza", "place", TOPIC_FIELD_TITLE, 0, 1.5 },
		{ "cease\"fire", "event", TOPIC_FIELD_SUMMARY, 12, 0 },
	};
	struct topic_tag tag = { "mideast", "abc123", 1.5, 1.0, hits, 2, NULL };
	struct store_commit_stats cs;
	int64_t before;
	struct seen s;
	struct tdoc t;
	char ev[256];

	three_items(&t);
	t.tags[1].tags = &tag;
	t.tags[1].ntags = 1;
	assert_int_equal(commit(fx, fx->feed_a, 1000, &t, 1, &cs), 0);
	assert_int_equal(cs.tagged, 1);
	raw_text(fx->path, "SELECT evidence FROM item_tags", ev, sizeof(ev));
	assert_string_equal(ev, "[{\"term\":\"gaza\",\"group\":\"place\","
	    "\"field\":\"title\",\"offset\":0,\"weight\":1.5},"
	    "{\"term\":\"cease\\\"fire\",\"group\":\"event\","
	    "\"field\":\"summary\",\"offset\":12,\"weight\":0.0}]");
	assert_int_equal(raw_int(fx->path, "SELECT tagged_at FROM item_tags"),
	    1000);

	list(fx->st, "mideast", NULL, DATE_NONE, DATE_NONE, 0, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.title[0], "two");
	assert_string_equal(s.topic[0], "mideast");
	assert_true(s.score[0] == 1.5);
	list(fx->st, "nosuch", NULL, DATE_NONE, DATE_NONE, 0, &s);
	assert_int_equal(s.n, 0);

	/* Same tags again: not one row written but the feed's. */
	before = store_debug_changes(fx->st);
	assert_int_equal(commit(fx, fx->feed_a, 2000, &t, 1, &cs), 0);
	assert_int_equal(cs.tagged, 1);
	assert_int_equal(store_debug_changes(fx->st) - before, 1);
	assert_int_equal(raw_int(fx->path, "SELECT tagged_at FROM item_tags"),
	    1000);

	/* A new topic version on unchanged text: the tag is rewritten. */
	tag.version = "def456";
	tag.score = 2.5;
	before = store_debug_changes(fx->st);
	assert_int_equal(commit(fx, fx->feed_a, 3000, &t, 1, &cs), 0);
	assert_int_equal(store_debug_changes(fx->st) - before, 2);
	list(fx->st, "mideast", NULL, DATE_NONE, DATE_NONE, 0, &s);
	assert_true(s.score[0] == 2.5);

	/* Text changes and the topic no longer matches: the tag goes. */
	item_retitle(&t.items[1], "two, about something else");
	t.tags[1].ntags = 0;
	assert_int_equal(commit(fx, fx->feed_a, 4000, &t, 1, &cs), 0);
	assert_int_equal(cs.updated, 1);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM item_tags"),
	    0);
}

/* 3.2 Several topics per item come back ordered by score. */
static void
test_tags_several(void **state)
{
	struct fx *fx = *state;
	struct topic_tag tags[2] = {
		{ "low", "v", 1.0, 0.5, NULL, 0, NULL },
		{ "high", "v", 3.0, 0.5, NULL, 0, NULL },
	};
	struct seen s;
	struct tdoc t;

	three_items(&t);
	t.tags[0].tags = tags;
	t.tags[0].ntags = 2;
	assert_int_equal(commit(fx, fx->feed_a, 1000, &t, 1, NULL), 0);
	list(fx->st, "low", NULL, DATE_NONE, DATE_NONE, 0, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ntopics[0], 2);
	assert_string_equal(s.topic[0], "high");
	assert_true(s.score[0] == 3.0);
}

/* ---- queries ---- */

/* 4.1 Order and the since, until, limit and feed filters. */
static void
test_list_filters(void **state)
{
	struct fx *fx = *state;
	struct tdoc ta, tb;
	struct seen s;

	tdoc_init(&ta);
	tdoc_add(&ta, "a1", "https://a.example/1", "a-100", 100);
	tdoc_add(&ta, "a2", "https://a.example/2", "a-300", 300);
	tdoc_add(&ta, "a3", "https://a.example/3", "a-undated", DATE_NONE);
	tdoc_init(&tb);
	tdoc_add(&tb, "b1", "https://b.example/1", "b-200", 200);
	tdoc_add(&tb, "b2", "https://b.example/2", "b-400", 400);
	/* The undated item sorts by when it was first seen: 250. */
	assert_int_equal(commit(fx, fx->feed_a, 250, &ta, 0, NULL), 0);
	assert_int_equal(commit(fx, fx->feed_b, 260, &tb, 0, NULL), 0);

	list(fx->st, NULL, NULL, DATE_NONE, DATE_NONE, 0, &s);
	assert_int_equal(s.n, 5);
	assert_string_equal(s.title[0], "b-400");
	assert_string_equal(s.title[1], "a-300");
	assert_string_equal(s.title[2], "a-undated");
	assert_int_equal(s.published[2], DATE_NONE);
	assert_string_equal(s.title[3], "b-200");
	assert_string_equal(s.title[4], "a-100");

	list(fx->st, NULL, NULL, 200, DATE_NONE, 0, &s);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.title[3], "b-200");
	list(fx->st, NULL, NULL, DATE_NONE, 300, 0, &s);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.title[0], "a-undated");
	list(fx->st, NULL, NULL, 150, 350, 0, &s);
	assert_int_equal(s.n, 3);
	list(fx->st, NULL, NULL, DATE_NONE, DATE_NONE, 2, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.title[1], "a-300");

	list(fx->st, NULL, "B", DATE_NONE, DATE_NONE, 0, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.feed[0], "B");
	list(fx->st, NULL, "https://a.example/rss", DATE_NONE, DATE_NONE, 1,
	    &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.title[0], "a-300");
	list(fx->st, NULL, "nosuch", DATE_NONE, DATE_NONE, 0, &s);
	assert_int_equal(s.n, 0);
}

static int
stop_cb(const struct store_item_view *v, void *arg)
{
	(void)v;
	++*(int *)arg;
	return 42;
}

/* 4.2 A callback stops the walk with its own value. */
static void
test_list_stop(void **state)
{
	struct fx *fx = *state;
	struct store_list_query q = { NULL, NULL, DATE_NONE, DATE_NONE, 0 };
	struct herald_err err = { "" };
	struct tdoc t;
	int calls = 0;

	three_items(&t);
	assert_int_equal(commit(fx, fx->feed_a, 1000, &t, 0, NULL), 0);
	assert_int_equal(store_list(fx->st, &q, stop_cb, &calls, &err), 42);
	assert_int_equal(calls, 1);
	/* The statement was reset: the next walk starts over. */
	calls = 0;
	assert_int_equal(store_list(fx->st, &q, stop_cb, &calls, &err), 42);
	assert_int_equal(calls, 1);
}

struct reenter {
	struct store	*st;
	int		 rc;
	char		 msg[256];
};

static int
reenter_cb(const struct store_item_view *v, void *arg)
{
	struct store_list_query q = { NULL, NULL, DATE_NONE, DATE_NONE, 0 };
	struct herald_err err = { "" };
	struct reenter *r = arg;
	int calls = 0;

	(void)v;
	r->rc = store_list(r->st, &q, stop_cb, &calls, &err);
	snprintf(r->msg, sizeof(r->msg), "%s", err.msg);
	return 1;
}

/* 4.3 A callback that calls back into the store is refused, not obeyed. */
static void
test_list_reentrant(void **state)
{
	struct fx *fx = *state;
	struct store_list_query q = { NULL, NULL, DATE_NONE, DATE_NONE, 0 };
	struct herald_err err = { "" };
	struct reenter r = { fx->st, 0, "" };
	struct tdoc t;

	three_items(&t);
	assert_int_equal(commit(fx, fx->feed_a, 1000, &t, 0, NULL), 0);
	assert_int_equal(store_list(fx->st, &q, reenter_cb, &r, &err), 1);
	assert_int_equal(r.rc, HERALD_E_INVAL);
	assert_non_null(strstr(r.msg, "re-entrant"));
}

struct feeds_seen {
	size_t		 n;
	char		 state[4][16];
	char		 error[4][64];
	long		 items[4];
	long		 failures[4];
	long		 status[4];
	int64_t		 last_success[4];
};

static int
feeds_cb(const struct store_feed_view *v, void *arg)
{
	struct feeds_seen *s = arg;

	assert_true(s->n < 4);
	snprintf(s->state[s->n], 16, "%s", v->state);
	snprintf(s->error[s->n], 64, "%s", v->last_error ? v->last_error :
	    "(null)");
	s->items[s->n] = v->items;
	s->failures[s->n] = v->failures;
	s->status[s->n] = v->last_status;
	s->last_success[s->n] = v->last_success;
	s->n++;
	return 0;
}

static void
feeds(struct fx *fx, struct feeds_seen *s)
{
	struct herald_err err = { "" };

	memset(s, 0, sizeof(*s));
	assert_int_equal(store_feeds_list(fx->st, feeds_cb, s, &err), 0);
}

/* 4.4 Feed results: failures count up and keep validators; 304s reset. */
static void
test_feed_result(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	struct store_validators v;
	struct feeds_seen s;
	struct store_fetch f;
	struct tdoc t;

	feeds(fx, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.state[0], "new");
	assert_int_equal(s.last_success[0], DATE_NONE);

	three_items(&t);
	assert_int_equal(commit(fx, fx->feed_a, 1000, &t, 0, NULL), 0);
	feeds(fx, &s);
	assert_string_equal(s.state[0], "ok");
	assert_int_equal(s.items[0], 3);
	assert_int_equal(s.items[1], 0);

	memset(&f, 0, sizeof(f));
	f.feed_id = fx->feed_a;
	f.now = 2000;
	f.error = "connection refused";
	assert_int_equal(store_feed_result(fx->st, &f, &err), 0);
	f.now = 3000;
	f.http_status = 503;
	f.error = "HTTP 503";
	assert_int_equal(store_feed_result(fx->st, &f, &err), 0);
	feeds(fx, &s);
	assert_string_equal(s.state[0], "failing");
	assert_int_equal(s.failures[0], 2);
	assert_string_equal(s.error[0], "HTTP 503");
	assert_int_equal(s.status[0], 503);
	assert_int_equal(s.last_success[0], 1000);
	assert_int_equal(store_feed_validators(fx->st, fx->feed_a, &v, &err),
	    0);
	assert_string_equal(v.etag, "\"e1\"");
	store_validators_fini(&v);

	/* A 304 without validators keeps the stored ones. */
	memset(&f, 0, sizeof(f));
	f.feed_id = fx->feed_a;
	f.now = 4000;
	f.http_status = 304;
	assert_int_equal(store_feed_result(fx->st, &f, &err), 0);
	feeds(fx, &s);
	assert_string_equal(s.state[0], "ok");
	assert_int_equal(s.failures[0], 0);
	assert_string_equal(s.error[0], "(null)");
	assert_int_equal(s.last_success[0], 4000);
	assert_int_equal(store_feed_validators(fx->st, fx->feed_a, &v, &err),
	    0);
	assert_string_equal(v.etag, "\"e1\"");
	assert_string_equal(v.body_hash, "b1");
	store_validators_fini(&v);

	/* An unchanged body with a new ETag: that one is replaced. */
	f.http_status = 200;
	f.etag = "\"e2\"";
	assert_int_equal(store_feed_result(fx->st, &f, &err), 0);
	assert_int_equal(store_feed_validators(fx->st, fx->feed_a, &v, &err),
	    0);
	assert_string_equal(v.etag, "\"e2\"");
	assert_string_equal(v.last_modified, "Mon, 01 Jan 2024 00:00:00 GMT");
	store_validators_fini(&v);

	f.feed_id = 999;
	assert_int_equal(store_feed_result(fx->st, &f, &err),
	    HERALD_E_NOTFOUND);

	raw_exec(fx->path, "UPDATE feeds SET enabled = 0 WHERE url = "
	    "'https://b.example/feed'");
	feeds(fx, &s);
	assert_string_equal(s.state[1], "disabled");
}

/* 4.5 Registering a known feed writes nothing; a new name is recorded. */
static void
test_feed_sync(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	int64_t before, id = 0;
	char name[32];

	before = store_debug_changes(fx->st);
	assert_int_equal(store_feed_sync(fx->st, "https://a.example/rss", "A",
	    &id, &err), 0);
	assert_int_equal(id, fx->feed_a);
	assert_int_equal(store_debug_changes(fx->st), before);
	raw_exec(fx->path, "UPDATE feeds SET enabled = 0");
	assert_int_equal(store_feed_sync(fx->st, "https://a.example/rss",
	    "A again", &id, &err), 0);
	assert_int_equal(id, fx->feed_a);
	raw_text(fx->path, "SELECT name || enabled FROM feeds WHERE id = 1",
	    name, sizeof(name));
	assert_string_equal(name, "A again1");
}

/* ---- transactions ---- */

/* 5.1 A failure half way through a document leaves nothing behind. */
static void
test_rollback(void **state)
{
	struct fx *fx = *state;
	struct topic_tag tag = { "t", "v", 2.0, 1.0, NULL, 0, NULL };
	struct store_commit_stats cs;
	struct herald_err err = { "" };
	struct store_fetch f;
	struct tdoc t;

	/* Tags are written after items, sources and the feed row. */
	raw_exec(fx->path, "CREATE TRIGGER inject BEFORE INSERT ON item_tags "
	    "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
	three_items(&t);
	t.tags[2].tags = &tag;
	t.tags[2].ntags = 1;
	f = fetch_ok(fx->feed_a, 1000);
	assert_int_equal(store_doc_commit(fx->st, &f, &t.doc, t.tags, &cs,
	    &err), HERALD_E_DB);
	assert_non_null(strstr(err.msg, "injected failure"));
	assert_int_equal(cs.inserted, 0);
	assert_int_equal(count_items(fx->st), 0);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM item_sources"),
	    0);
	assert_int_equal(raw_int(fx->path, "SELECT last_attempt FROM feeds "
	    "WHERE id = 1"), DATE_NONE);
	assert_int_equal(raw_int(fx->path, "SELECT etag IS NULL FROM feeds "
	    "WHERE id = 1"), 1);

	/* Once the fault is gone the same connection commits it all. */
	raw_exec(fx->path, "DROP TRIGGER inject");
	assert_int_equal(store_doc_commit(fx->st, &f, &t.doc, t.tags, &cs,
	    &err), 0);
	assert_int_equal(cs.inserted, 3);
	assert_int_equal(cs.tagged, 1);

	/* An unknown feed is refused before any item is written. */
	tdoc_init(&t);
	tdoc_add(&t, "n", "https://n.example/", "n", 1);
	f.feed_id = 999;
	assert_int_equal(store_doc_commit(fx->st, &f, &t.doc, NULL, NULL,
	    &err), HERALD_E_NOTFOUND);
	assert_int_equal(count_items(fx->st), 3);
}

/* 5.2 A reader sees what is committed, never the writer's open work. */
static void
test_reader_during_write(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	struct store *ro = NULL;
	struct tdoc t, t2;
	struct seen s;

	three_items(&t);
	assert_int_equal(commit(fx, fx->feed_a, 1000, &t, 0, NULL), 0);
	assert_int_equal(store_begin(fx->st, &err), 0);
	tdoc_init(&t2);
	tdoc_add(&t2, "b1", "https://b.example/1", "b one", 500);
	assert_int_equal(commit(fx, fx->feed_b, 1001, &t2, 0, NULL), 0);
	assert_int_equal(count_items(fx->st), 4);

	/* Opening and reading both work while the write lock is held. */
	assert_int_equal(store_open(fx->path, STORE_RDONLY, &ro, &err), 0);
	assert_int_equal(count_items(ro), 3);
	list(ro, NULL, NULL, DATE_NONE, DATE_NONE, 0, &s);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.title[0], "three");

	assert_int_equal(store_commit(fx->st, &err), 0);
	assert_int_equal(count_items(ro), 4);
	store_close(ro);
}

/* 5.3 In a group, a failing document is rolled back alone. */
static void
test_group(void **state)
{
	struct fx *fx = *state;
	struct herald_err err = { "" };
	struct store_fetch f;
	struct tdoc t, bad;

	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_begin(fx->st, &err), HERALD_E_INVAL);
	three_items(&t);
	assert_int_equal(commit(fx, fx->feed_a, 1000, &t, 0, NULL), 0);
	tdoc_init(&bad);
	tdoc_add(&bad, "n", "https://n.example/", "n", 1);
	f = fetch_ok(999, 1000);
	assert_int_equal(store_doc_commit(fx->st, &f, &bad.doc, NULL, NULL,
	    &err), HERALD_E_NOTFOUND);
	assert_int_equal(store_commit(fx->st, &err), 0);
	assert_int_equal(count_items(fx->st), 3);
	assert_int_equal(raw_int(fx->path, "SELECT count(*) FROM items"), 3);
	assert_int_equal(store_commit(fx->st, &err), HERALD_E_INVAL);

	/* A rolled-back group leaves nothing. */
	assert_int_equal(store_begin(fx->st, &err), 0);
	tdoc_init(&t);
	tdoc_add(&t, "b1", "https://b.example/1", "b one", 500);
	assert_int_equal(commit(fx, fx->feed_b, 1001, &t, 0, NULL), 0);
	store_rollback(fx->st);
	assert_int_equal(count_items(fx->st), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_create, setup_dir,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_reopen, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_newer, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_not_sqlite, setup_dir,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_foreign, setup_dir,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_rdonly_missing,
		    setup_dir, teardown),
		cmocka_unit_test_setup_teardown(test_open_rdonly_no_write,
		    setup_store, teardown),
		cmocka_unit_test_setup_teardown(test_doc_insert, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_doc_unchanged, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_doc_changed, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_doc_cross_feed,
		    setup_store, teardown),
		cmocka_unit_test_setup_teardown(test_doc_cross_feed_text,
		    setup_store, teardown),
		cmocka_unit_test_setup_teardown(test_doc_shared_homepage,
		    setup_store, teardown),
		cmocka_unit_test_setup_teardown(test_doc_unidentified,
		    setup_store, teardown),
		cmocka_unit_test_setup_teardown(test_tags, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tags_several, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list_filters, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list_stop, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list_reentrant,
		    setup_store, teardown),
		cmocka_unit_test_setup_teardown(test_feed_result, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_feed_sync, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup_store,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reader_during_write,
		    setup_store, teardown),
		cmocka_unit_test_setup_teardown(test_group, setup_store,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
