/*
 * item_store.c: what the fetch pipeline writes: a fetched document (its
 * items, sources and tags, with the feed's validators and status, in one
 * transaction), a fetch that brought no document, and the feeds the
 * configuration names.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feeds/buf.h"
#include "feeds/err.h"
#include "feeds/item.h"
#include "feeds/text.h"
#include "feeds/url.h"
#include "feeds/topic.h"
#include "feeds/xmem.h"
#include "store/store_int.h"
#include "store/tag_store.h"

/* ---- feeds ---- */

static const char sql_feed_sync[] =
    "INSERT INTO feeds (url, name, enabled, created)"
    " VALUES (?1, ?2, 1, unixepoch())"
    " ON CONFLICT (url) DO UPDATE SET name = excluded.name,"
    " enabled = (disabled_reason IS NULL OR enabled)"
    " WHERE name IS NOT excluded.name"
    " OR (enabled IS NOT 1 AND disabled_reason IS NULL)"
    " RETURNING id";

static const char sql_feed_id[] =
    "SELECT id FROM feeds WHERE url = ?1";

/* Inside the transaction: the upsert returns no row when it wrote nothing. */
static int
feed_sync(struct store *st, const char *url, const char *name, int64_t *id,
    struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = store_stmt(st, STMT_FEED_SYNC, sql_feed_sync, &s, err);
	if (rc)
		goto out;
	rc = store_bind_text(s, 1, url);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 2, name);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "feed %s: binding", url);
		goto out;
	}
	rc = store_step_row(st, s, "registering a feed", err);
	if (rc == 1) {
		*id = sqlite3_column_int64(s, 0);
		rc = store_step_done(st, s, "registering a feed", err);
		goto out;
	}
	if (rc)
		goto out;
	store_stmt_release(s);
	rc = store_stmt(st, STMT_FEED_ID, sql_feed_id, &s, err);
	if (rc)
		goto out;
	rc = store_bind_text(s, 1, url);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "feed %s: binding", url);
		goto out;
	}
	rc = store_step_row(st, s, "looking up a feed", err);
	if (rc == 1) {
		*id = sqlite3_column_int64(s, 0);
		rc = 0;
	} else if (rc == 0)
		rc = herald_err_set(err, HERALD_E_DB,
		    "%s: feed %s vanished while being registered", st->path,
		    url);
out:
	store_stmt_release(s);
	return rc;
}

int
store_feed_sync(struct store *st, const char *url, const char *name,
    int64_t *id, struct herald_err *err)
{
	struct store_tx tx;
	int rc;

	rc = store_tx_begin(st, &tx, err);
	if (rc)
		return rc;
	rc = feed_sync(st, url, name, id, err);
	return store_tx_end(st, &tx, rc, err);
}

static const char sql_feed_validators[] =
    "SELECT etag, last_modified, body_hash, enabled, fetch_url,"
    " disabled_reason FROM feeds WHERE id = ?1";

static char *
dup_column(sqlite3_stmt *s, int i)
{
	const char *v;

	v = store_column_text(s, i);
	return v ? xstrdup(v) : NULL;
}

int
store_feed_validators(struct store *st, int64_t feed_id,
    struct store_validators *out, struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_stmt(st, STMT_FEED_VALIDATORS, sql_feed_validators, &s,
	    err);
	if (rc)
		goto out;
	rc = sqlite3_bind_int64(s, 1, feed_id);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "feed %lld: binding",
		    (long long)feed_id);
		goto out;
	}
	rc = store_step_row(st, s, "reading validators", err);
	if (rc == 0)
		rc = herald_err_set(err, HERALD_E_NOTFOUND,
		    "%s: no feed with id %lld", st->path, (long long)feed_id);
	if (rc < 0)
		goto out;
	out->etag = dup_column(s, 0);
	out->last_modified = dup_column(s, 1);
	out->body_hash = dup_column(s, 2);
	out->enabled = sqlite3_column_int(s, 3);
	out->fetch_url = dup_column(s, 4);
	out->disabled_reason = dup_column(s, 5);
	rc = 0;
out:
	store_stmt_release(s);
	return rc;
}

void
store_validators_fini(struct store_validators *v)
{
	if (!v)
		return;
	free(v->etag);
	free(v->last_modified);
	free(v->body_hash);
	free(v->fetch_url);
	free(v->disabled_reason);
	memset(v, 0, sizeof(*v));
}

/*
 * A fetch that brought a document: everything about the feed row is
 * replaced, validators included, because they describe this very body.
 */
static const char sql_feed_doc_done[] =
    "UPDATE feeds SET etag = ?2, last_modified = ?3, body_hash = ?4,"
    " last_attempt = ?5, last_success = ?5, last_status = ?6,"
    " last_error = NULL, failures = 0, id_policy = ?7"
    " WHERE id = ?1";

/* A failed fetch keeps the validators: the stored items still match them. */
static const char sql_feed_failed[] =
    "UPDATE feeds SET last_attempt = ?2, last_status = ?3,"
    " last_error = ?4, failures = failures + 1"
    " WHERE id = ?1";

/* A 304 or an unchanged body: a validator is replaced only by a new one. */
static const char sql_feed_ok[] =
    "UPDATE feeds SET last_attempt = ?2, last_success = ?2,"
    " last_status = ?3, last_error = NULL, failures = 0,"
    " etag = COALESCE(?4, etag),"
    " last_modified = COALESCE(?5, last_modified),"
    " body_hash = COALESCE(?6, body_hash)"
    " WHERE id = ?1";

static int
bind_feed_doc(sqlite3_stmt *s, const struct store_fetch *f,
    const char *policy)
{
	int rc;

	rc = store_bind_text(s, 2, f->etag);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 3, f->last_modified);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 4, f->body_hash);
	if (rc == SQLITE_OK)
		rc = store_bind_time(s, 5, f->now);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 6, f->http_status);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 7, policy);
	return rc;
}

static int
bind_feed_result(sqlite3_stmt *s, const struct store_fetch *f)
{
	int rc;

	rc = store_bind_time(s, 2, f->now);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3, f->http_status);
	if (rc == SQLITE_OK && f->error)
		rc = store_bind_text(s, 4, f->error);
	if (rc == SQLITE_OK && !f->error)
		rc = store_bind_text(s, 4, f->etag);
	if (rc == SQLITE_OK && !f->error)
		rc = store_bind_text(s, 5, f->last_modified);
	if (rc == SQLITE_OK && !f->error)
		rc = store_bind_text(s, 6, f->body_hash);
	return rc;
}

/*
 * Updates the feed row for fetch f: as a document's (policy, the identity
 * policy its items were keyed by, not NULL), a failure or a success
 * without a document. 0 rows is NOTFOUND.
 */
static int
feed_mark(struct store *st, const struct store_fetch *f,
    const char *policy, struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (policy)
		rc = store_stmt(st, STMT_FEED_DOC_DONE, sql_feed_doc_done, &s,
		    err);
	else if (f->error)
		rc = store_stmt(st, STMT_FEED_FAILED, sql_feed_failed, &s, err);
	else
		rc = store_stmt(st, STMT_FEED_OK, sql_feed_ok, &s, err);
	if (rc)
		goto out;
	rc = sqlite3_bind_int64(s, 1, f->feed_id);
	if (rc == SQLITE_OK)
		rc = policy ? bind_feed_doc(s, f, policy) :
		    bind_feed_result(s, f);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "feed %lld: binding",
		    (long long)f->feed_id);
		goto out;
	}
	rc = store_step_done(st, s, "updating the feed", err);
	if (!rc && sqlite3_changes64(st->db) == 0)
		rc = herald_err_set(err, HERALD_E_NOTFOUND,
		    "%s: no feed with id %lld", st->path,
		    (long long)f->feed_id);
out:
	store_stmt_release(s);
	return rc;
}

int
store_feed_result(struct store *st, const struct store_fetch *f,
    struct herald_err *err)
{
	struct store_tx tx;
	int rc;

	rc = store_tx_begin(st, &tx, err);
	if (rc)
		return rc;
	rc = feed_mark(st, f, NULL, err);
	return store_tx_end(st, &tx, rc, err);
}

/* ---- identity policy ---- */

static const char sql_feed_policy[] =
    "SELECT id_policy_forced,"
    " EXISTS (SELECT 1 FROM item_sources WHERE feed_id = ?1),"
    " EXISTS (SELECT 1 FROM tombstones)"
    " FROM feeds WHERE id = ?1";

/* What a commit needs to know about its feed before the items. */
struct feed_state {
	const char	*forced;	/* "link", "hash" (static) or NULL */
	int		 has_items;	/* the feed has stored items */
	int		 has_tombs;	/* any tombstone exists at all */
};

/*
 * The policy the store imposed on a feed, and whether lookups that can
 * only find something in a non-empty table are worth making: a feed's
 * first document cannot churn, and without tombstones none can match.
 * NOTFOUND for an unknown feed.
 */
static int
feed_state(struct store *st, int64_t feed_id, struct feed_state *fs,
    struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	const char *v;
	int rc;

	memset(fs, 0, sizeof(*fs));
	rc = store_stmt(st, STMT_FEED_POLICY, sql_feed_policy, &s, err);
	if (rc)
		goto out;
	rc = sqlite3_bind_int64(s, 1, feed_id);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "feed %lld: binding",
		    (long long)feed_id);
		goto out;
	}
	rc = store_step_row(st, s, "reading the identity policy", err);
	if (rc == 0)
		rc = herald_err_set(err, HERALD_E_NOTFOUND,
		    "%s: no feed with id %lld", st->path, (long long)feed_id);
	if (rc < 0)
		goto out;
	v = store_column_text(s, 0);
	/* Only policies this binary knows; anything else is ignored. */
	if (v && !strcmp(v, "link"))
		fs->forced = "link";
	else if (v && !strcmp(v, "hash"))
		fs->forced = "hash";
	fs->has_items = sqlite3_column_int(s, 1);
	fs->has_tombs = sqlite3_column_int(s, 2);
	rc = 0;
out:
	store_stmt_release(s);
	return rc;
}

int
store_feed_policy(struct store *st, int64_t feed_id, const char **policy,
    struct herald_err *err)
{
	struct feed_state fs;
	int rc;

	rc = feed_state(st, feed_id, &fs, err);
	*policy = rc ? NULL : fs.forced;
	return rc;
}

static const char sql_feed_force[] =
    "UPDATE feeds SET id_policy_forced = ?2 WHERE id = ?1";

static int
feed_force(struct store *st, int64_t feed_id, const char *policy,
    struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = store_stmt(st, STMT_FEED_FORCE, sql_feed_force, &s, err);
	if (rc)
		goto out;
	rc = sqlite3_bind_int64(s, 1, feed_id);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 2, policy);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "feed %lld: binding",
		    (long long)feed_id);
		goto out;
	}
	rc = store_step_done(st, s, "recording the identity policy", err);
out:
	store_stmt_release(s);
	return rc;
}

/* ---- story keys ---- */

struct story_ref {
	const char	*canon;
	const char	*key;
	size_t		 idx;
};

static int
story_ref_cmp(const void *a, const void *b)
{
	const struct story_ref *x = a, *y = b;
	int c;

	c = strcmp(x->canon, y->canon);
	return c ? c : strcmp(x->key, y->key);
}

/* Returns a new "prefix" + s; caller frees. */
static char *
key_join(const char *prefix, const char *s)
{
	size_t np, ns;
	char *k;

	np = strlen(prefix);
	ns = strlen(s);
	k = xmalloc(np + ns + 1);
	memcpy(k, prefix, np);
	memcpy(k + np, s, ns + 1);
	return k;
}

/*
 * Marks in scoped[] the items whose canonical link is shared with another
 * item of the document under a different key: a link every item carries
 * (the homepage, a "read more" page) says nothing about which story it
 * is, and using it would fold them all into one item. Sorting by (canon,
 * key) puts each link's items together with their smallest and largest
 * key at the ends of the run.
 */
static void
mark_shared_links(const struct feed_doc *doc, char *scoped)
{
	struct story_ref *r;
	size_t i, j, n = 0, k;

	r = xcalloc(doc->nitems, sizeof(*r));
	for (i = 0; i < doc->nitems; i++) {
		if (!doc->items[i].canon || !doc->items[i].canon[0])
			continue;
		r[n].canon = doc->items[i].canon;
		r[n].key = doc->items[i].key;
		r[n].idx = i;
		n++;
	}
	if (n > 1)
		qsort(r, n, sizeof(*r), story_ref_cmp);
	for (i = 0; i < n; i = j + 1) {
		j = i;
		while (j + 1 < n && strcmp(r[j + 1].canon, r[i].canon) == 0)
			j++;
		if (strcmp(r[i].key, r[j].key) == 0)
			continue;
		for (k = i; k <= j; k++)
			scoped[r[k].idx] = 1;
	}
	free(r);
}

/*
 * A guid the publisher made globally unique names the story wherever it
 * appears: a URN or tag: URI ("urn:wire:42" carried by several feeds is
 * one story), or a permalink URL, taken in canonical form so that it meets
 * the same URL given as another feed's link. The guid wins over the link:
 * two different global guids are two stories by the publisher's word,
 * even behind one link. Guids like "12345" are only unique within their
 * feed and give NULL here. Returns a new key, or NULL.
 */
static char *
global_guid_key(const struct feed_item *it)
{
	char *canon, *k;

	if (!it->key || strncmp(it->key, "g:", 2) || !it->id)
		return NULL;
	if (!strncasecmp(it->id, "urn:", 4) || !strncasecmp(it->id, "tag:", 4))
		return key_join("g:", it->id);
	canon = url_canonical(it->id);
	if (!canon)
		return NULL;
	k = key_join("u:", canon);
	free(canon);
	return k;
}

/* Returns a new array of doc->nitems story keys; free with keys_free(). */
static char **
story_keys(const struct feed_doc *doc, int64_t feed_id)
{
	char prefix[32], *scoped, **keys;
	const struct feed_item *it;
	size_t i;

	keys = xcalloc(doc->nitems, sizeof(*keys));
	scoped = xcalloc(doc->nitems, 1);
	mark_shared_links(doc, scoped);
	/* Cannot truncate: "f:" + 20 digits + ":". */
	snprintf(prefix, sizeof(prefix), "f:%lld:", (long long)feed_id);
	for (i = 0; i < doc->nitems; i++) {
		it = &doc->items[i];
		keys[i] = global_guid_key(it);
		if (keys[i])
			continue;
		if (it->canon && it->canon[0] && !scoped[i])
			keys[i] = key_join("u:", it->canon);
		else
			keys[i] = key_join(prefix, it->key);
	}
	free(scoped);
	return keys;
}

static void
keys_free(char **keys, size_t n)
{
	size_t i;

	if (!keys)
		return;
	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

/* ---- JSON columns ---- */

/*
 * Returns a new JSON array of the item's categories, or NULL when it has
 * none. A category that is not valid UTF-8 (JSON has no string for it)
 * is left out rather than failing the document over a label. Written
 * straight into a buffer (store_json_string()): a jansson array and its
 * dump cost 4,300 instructions an item on the one writer thread.
 */
#define CATEGORIES_MAX	(1u << 20)

static char *
categories_json(const struct feed_item *it)
{
	const char *c;
	struct buf b;
	size_t i, n = 0;
	char *s = NULL;

	if (!it->ncategories)
		return NULL;
	buf_init(&b, CATEGORIES_MAX);
	if (buf_putc(&b, '['))
		goto out;
	for (i = 0; i < it->ncategories; i++) {
		c = it->categories[i];
		if (!c || !text_utf8_valid(c, strlen(c)))
			continue;
		if ((n && buf_putc(&b, ',')) || store_json_string(&b, c))
			goto out;
		n++;
	}
	if (n && !buf_putc(&b, ']'))
		s = buf_detach(&b);
out:
	buf_fini(&b);
	return s;
}

/* ---- tags ---- */

static const char sql_tags_clear[] =
    "DELETE FROM item_tags WHERE item_id = ?1";

static const char sql_tag_upsert[] = STORE_SQL_TAG_UPSERT;

static int
tags_clear(struct store *st, int64_t item_id, struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = store_stmt(st, STMT_TAGS_CLEAR, sql_tags_clear, &s, err);
	if (rc)
		goto out;
	rc = sqlite3_bind_int64(s, 1, item_id);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "item %lld: binding",
		    (long long)item_id);
		goto out;
	}
	rc = store_step_done(st, s, "clearing tags", err);
out:
	store_stmt_release(s);
	return rc;
}

static int
tag_put(struct store *st, int64_t item_id, const struct topic_tag *t,
    int64_t now, struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = store_stmt(st, STMT_TAG_UPSERT, sql_tag_upsert, &s, err);
	if (!rc)
		rc = store_tag_put(st, s, item_id, t, now, err);
	store_stmt_release(s);
	return rc;
}

/* replace: the text was just rewritten, so tags it no longer earns go. */
static int
tags_put(struct store *st, int64_t item_id, const struct topic_result *tr,
    int replace, int64_t now, struct herald_err *err)
{
	size_t i;
	int rc = 0;

	if (replace)
		rc = tags_clear(st, item_id, err);
	for (i = 0; !rc && i < tr->ntags; i++)
		rc = tag_put(st, item_id, &tr->tags[i], now, err);
	return rc;
}

/* ---- items ---- */

/* What is stored for an item's (feed, key); "it" is the item's text. */
struct found {
	int64_t		 id;
	int		 src_same;	/* this source sent it last */
	int		 item_same;	/* it is the stored text */
};

static const char sql_source_find[] =
    "SELECT s.item_id, s.hash IS ?3, i.hash IS ?3"
    " FROM item_sources s JOIN items i ON i.id = s.item_id"
    " WHERE s.feed_id = ?1 AND s.feed_key = ?2";

/* Returns 1 and fills *fd when found, 0 when not, or an error. */
static int
source_find(struct store *st, int64_t feed_id, const struct feed_item *it,
    struct found *fd, struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = store_stmt(st, STMT_SOURCE_FIND, sql_source_find, &s, err);
	if (rc)
		goto out;
	rc = sqlite3_bind_int64(s, 1, feed_id);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 2, it->key);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 3, it->hash);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "item %.60s: binding", it->key);
		goto out;
	}
	rc = store_step_row(st, s, "looking up an item", err);
	if (rc == 1) {
		fd->id = sqlite3_column_int64(s, 0);
		fd->src_same = sqlite3_column_int(s, 1);
		fd->item_same = sqlite3_column_int(s, 2);
	}
out:
	store_stmt_release(s);
	return rc;
}

/*
 * The item this feed last carried under the canonical link canon, for a
 * feed whose keys churn (identity forced to "link"): its earlier items
 * were stored under keys it no longer sends. src_same is 0: the source
 * row under the new key does not exist yet.
 */
static const char sql_source_find_canon[] =
    "SELECT s.item_id, 0, i.hash IS ?3"
    " FROM items i JOIN item_sources s ON s.item_id = i.id"
    " WHERE i.canon = ?2 AND s.feed_id = ?1"
    " ORDER BY s.first_seen DESC LIMIT 1";

static int
source_find_canon(struct store *st, int64_t feed_id, const char *canon,
    const char *hash, struct found *fd, struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = store_stmt(st, STMT_SOURCE_FIND_CANON, sql_source_find_canon, &s,
	    err);
	if (rc)
		goto out;
	rc = sqlite3_bind_int64(s, 1, feed_id);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 2, canon);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 3, hash);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "link %.60s: binding", canon);
		goto out;
	}
	rc = store_step_row(st, s, "looking up an item by link", err);
	if (rc == 1) {
		fd->id = sqlite3_column_int64(s, 0);
		fd->src_same = sqlite3_column_int(s, 1);
		fd->item_same = sqlite3_column_int(s, 2);
	}
out:
	store_stmt_release(s);
	return rc;
}

/*
 * A deleted item leaves (feed, key) and its story key behind; either
 * keeps it from coming back, from this feed or through another.
 */
static const char sql_tomb_find[] =
    "SELECT 1 FROM tombstones WHERE (feed_id = ?1 AND feed_key = ?2)"
    " OR story_key = ?3 LIMIT 1";

/* Returns 1 when (feed, key) or story is tombstoned, 0 if not, or an error. */
static int
tomb_find(struct store *st, int64_t feed_id, const struct feed_item *it,
    const char *story, struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = store_stmt(st, STMT_TOMB_FIND, sql_tomb_find, &s, err);
	if (rc)
		goto out;
	rc = sqlite3_bind_int64(s, 1, feed_id);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 2, it->key);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 3, story);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "item %.60s: binding", it->key);
		goto out;
	}
	rc = store_step_row(st, s, "looking up tombstones", err);
out:
	store_stmt_release(s);
	return rc;
}

/*
 * Keeps the stored text of item id in revisions when hash is about to
 * replace it; nothing is written when the text is the same.
 */
static const char sql_rev_save[] =
    "INSERT INTO revisions (item_id, title, summary, content, hash,"
    " seen_at, replaced_at)"
    " SELECT id, title, summary, content, hash, last_seen, ?3"
    " FROM items WHERE id = ?1 AND hash IS NOT ?2";

/* *saved is 1 when a revision was written (the text is changing). */
static int
rev_save(struct store *st, int64_t id, const char *hash, int64_t now,
    int *saved, struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*saved = 0;
	rc = store_stmt(st, STMT_REV_SAVE, sql_rev_save, &s, err);
	if (rc)
		goto out;
	rc = sqlite3_bind_int64(s, 1, id);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 2, hash);
	if (rc == SQLITE_OK)
		rc = store_bind_time(s, 3, now);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "item %lld: binding",
		    (long long)id);
		goto out;
	}
	rc = store_step_done(st, s, "keeping a revision", err);
	if (!rc)
		*saved = sqlite3_changes64(st->db) > 0;
out:
	store_stmt_release(s);
	return rc;
}

/*
 * items_fts has items as its external content: it must be told the text
 * an item had (delete, with the old values) before that text changes,
 * and the new text after. trusted_schema=OFF forbids FTS5 in triggers
 * (it is not SQLITE_VTAB_INNOCUOUS in 3.40), so the store says it here.
 *
 * FTS5 flushes its pending terms into a new segment at every statement
 * savepoint, and once it has joined a transaction every later write
 * statement (each takes a savepoint) calls into it: indexed one by one,
 * the items made one segment each and the index took half the ingest
 * time. New items are therefore indexed once per transaction, by id
 * range, when it commits (store_fts_flush()); only rewrites of items
 * already indexed go one by one.
 */
static const char sql_fts_insert[] =
    "INSERT INTO items_fts (rowid, title, summary, content)"
    " SELECT id, title, summary, content FROM items"
    " WHERE id BETWEEN ?1 AND ?2";

static const char sql_fts_delete[] =
    "INSERT INTO items_fts (items_fts, rowid, title, summary, content)"
    " SELECT 'delete', id, title, summary, content FROM items WHERE id = ?1";

void
store_fts_pending(struct store *st, int64_t id)
{
	if (!st->fts_lo)
		st->fts_lo = id;
	st->fts_hi = id;
}

/* Indexes items lo..hi (del 0), or takes item lo out (del 1). */
static int
fts_sync(struct store *st, int64_t lo, int64_t hi, int del,
    struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = del ? store_stmt(st, STMT_FTS_DELETE, sql_fts_delete, &s, err) :
	    store_stmt(st, STMT_FTS_INSERT, sql_fts_insert, &s, err);
	if (rc)
		goto out;
	rc = sqlite3_bind_int64(s, 1, lo);
	if (rc == SQLITE_OK && !del)
		rc = sqlite3_bind_int64(s, 2, hi);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "item %lld: binding",
		    (long long)lo);
		goto out;
	}
	rc = store_step_done(st, s, "indexing items", err);
out:
	store_stmt_release(s);
	return rc;
}

int
store_fts_flush(struct store *st, struct herald_err *err)
{
	int rc;

	if (!st->fts_lo)
		return 0;
	rc = fts_sync(st, st->fts_lo, st->fts_hi, 0, err);
	if (!rc)
		st->fts_lo = st->fts_hi = 0;
	return rc;
}

/* Binds ?2..?14 of sql_item_insert and sql_item_update. */
static int
bind_item(sqlite3_stmt *s, const struct feed_item *it, const char *cats,
    int64_t now)
{
	int rc;

	rc = store_bind_text(s, 2, it->id);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 3, it->link);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 4, it->canon);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 5, it->title);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 6, it->summary);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 7, it->content);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 8, it->author);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 9, cats);
	if (rc == SQLITE_OK)
		rc = store_bind_time(s, 10, it->published);
	if (rc == SQLITE_OK)
		rc = store_bind_time(s, 11, it->updated);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 12, it->hash);
	if (rc == SQLITE_OK)
		rc = store_bind_time(s, 13, now);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 14, it->content_html);
	return rc;
}

/*
 * design §2: the UNIQUE story_key decides, never a SELECT first. On a
 * conflict the story is already stored (from another feed, or from this
 * one under an earlier key); only its last_seen moves (item_seen()).
 *
 * Neither DO UPDATE nor RETURNING: both make SQLite open a statement
 * journal around every insert (RETURNING is a trigger), which copied
 * each page the insert touched and cost a third of the insert. A new row
 * is told apart by sqlite3_changes() and sqlite3_last_insert_rowid().
 */
static const char sql_item_insert[] =
    "INSERT INTO items (story_key, guid, link, canon, title, summary,"
    " content, author, categories, published, updated, hash, first_seen,"
    " last_seen, content_html)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13,"
    " ?14)"
    " ON CONFLICT (story_key) DO NOTHING";

static const char sql_item_seen[] =
    "UPDATE items SET last_seen = ?2 WHERE story_key = ?1";

static const char sql_item_find[] =
    "SELECT id, hash IS ?2 FROM items WHERE story_key = ?1";

/* The story is stored already: finds it and moves its last_seen. */
static int
item_seen(struct store *st, const struct store_fetch *f,
    const struct feed_item *it, const char *story, struct found *fd,
    struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = store_stmt(st, STMT_ITEM_FIND, sql_item_find, &s, err);
	if (rc)
		goto out;
	rc = store_bind_text(s, 1, story);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 2, it->hash);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "item %.60s: binding", it->key);
		goto out;
	}
	rc = store_step_row(st, s, "looking up a story", err);
	if (rc == 0)
		rc = herald_err_set(err, HERALD_E_DB,
		    "%s: story %.60s conflicts but is not stored", st->path,
		    story);
	if (rc < 0)
		goto out;
	fd->id = sqlite3_column_int64(s, 0);
	fd->item_same = sqlite3_column_int(s, 1);
	store_stmt_release(s);
	s = NULL;
	rc = store_stmt(st, STMT_ITEM_SEEN, sql_item_seen, &s, err);
	if (rc)
		goto out;
	rc = store_bind_text(s, 1, story);
	if (rc == SQLITE_OK)
		rc = store_bind_time(s, 2, f->now);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "item %.60s: binding", it->key);
		goto out;
	}
	rc = store_step_done(st, s, "marking a story seen", err);
out:
	store_stmt_release(s);
	return rc;
}

/*
 * Inserts the item under story, or finds the story's item. *inserted is 1
 * when a row was created.
 */
static int
item_insert(struct store *st, const struct store_fetch *f,
    const struct feed_item *it, const char *story, const char *cats,
    struct found *fd, int *inserted, struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*inserted = 0;
	fd->src_same = 1;
	rc = store_stmt(st, STMT_ITEM_INSERT, sql_item_insert, &s, err);
	if (rc)
		goto out;
	rc = store_bind_text(s, 1, story);
	if (rc == SQLITE_OK)
		rc = bind_item(s, it, cats, f->now);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "item %.60s: binding", it->key);
		goto out;
	}
	rc = store_step_done(st, s, "inserting an item", err);
	if (rc)
		goto out;
	if (sqlite3_changes64(st->db) > 0) {
		fd->id = sqlite3_last_insert_rowid(st->db);
		fd->item_same = 1;
		*inserted = 1;
	} else {
		store_stmt_release(s);
		s = NULL;
		rc = item_seen(st, f, it, story, fd, err);
	}
out:
	store_stmt_release(s);
	return rc;
}

/* published and updated keep a known date when a later fetch lacks it. */
static const char sql_item_update[] =
    "UPDATE items SET guid = ?2, link = ?3, canon = ?4, title = ?5,"
    " summary = ?6, content = ?7, author = ?8, categories = ?9,"
    " published = COALESCE(?10, published),"
    " updated = COALESCE(?11, updated), hash = ?12, last_seen = ?13,"
    " content_html = ?14"
    " WHERE id = ?1 AND hash IS NOT ?12";

/* *written is 1 when the stored text was replaced. */
static int
item_update(struct store *st, const struct store_fetch *f,
    const struct feed_item *it, const char *cats, int64_t id, int *written,
    struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = store_stmt(st, STMT_ITEM_UPDATE, sql_item_update, &s, err);
	if (rc)
		goto out;
	rc = sqlite3_bind_int64(s, 1, id);
	if (rc == SQLITE_OK)
		rc = bind_item(s, it, cats, f->now);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "item %.60s: binding", it->key);
		goto out;
	}
	rc = store_step_done(st, s, "updating an item", err);
	if (!rc)
		*written = sqlite3_changes64(st->db) > 0;
out:
	store_stmt_release(s);
	return rc;
}

static const char sql_source_insert[] =
    "INSERT INTO item_sources (item_id, feed_id, feed_key, hash,"
    " first_seen) VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT DO NOTHING";

static const char sql_source_rehash[] =
    "UPDATE item_sources SET hash = ?3 WHERE feed_id = ?1 AND feed_key = ?2";

/* Links (feed, key) to item id; *added (if not NULL) is 1 for a new row. */
static int
source_insert(struct store *st, const struct store_fetch *f,
    const struct feed_item *it, int64_t id, int *added,
    struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = store_stmt(st, STMT_SOURCE_INSERT, sql_source_insert, &s, err);
	if (rc)
		goto out;
	rc = sqlite3_bind_int64(s, 1, id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, f->feed_id);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 3, it->key);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 4, it->hash);
	if (rc == SQLITE_OK)
		rc = store_bind_time(s, 5, f->now);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "item %.60s: binding", it->key);
		goto out;
	}
	rc = store_step_done(st, s, "storing an item source", err);
	if (!rc && added)
		*added = sqlite3_changes64(st->db) > 0;
out:
	store_stmt_release(s);
	return rc;
}

/* Records the text (feed, key) sent last. */
static int
source_rehash(struct store *st, const struct store_fetch *f,
    const struct feed_item *it, struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = store_stmt(st, STMT_SOURCE_REHASH, sql_source_rehash, &s, err);
	if (rc)
		goto out;
	rc = sqlite3_bind_int64(s, 1, f->feed_id);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 2, it->key);
	if (rc == SQLITE_OK)
		rc = store_bind_text(s, 3, it->hash);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "item %.60s: binding", it->key);
		goto out;
	}
	rc = store_step_done(st, s, "updating an item source", err);
out:
	store_stmt_release(s);
	return rc;
}

/*
 * feeds.nitems counts the feed's item_sources rows (schema v4): the store
 * adds a document's new rows at once; deletes keep their trigger.
 */
static const char sql_feed_nitems[] =
    "UPDATE feeds SET nitems = nitems + ?2 WHERE id = ?1";

static int
feed_count(struct store *st, int64_t feed_id, int64_t added,
    struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = store_stmt(st, STMT_FEED_NITEMS, sql_feed_nitems, &s, err);
	if (rc)
		goto out;
	rc = sqlite3_bind_int64(s, 1, feed_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, added);
	if (rc != SQLITE_OK) {
		rc = store_err(st, rc, err, "feed %lld: binding",
		    (long long)feed_id);
		goto out;
	}
	rc = store_step_done(st, s, "counting the feed's items", err);
out:
	store_stmt_release(s);
	return rc;
}

/* One document's commit. */
struct doc_ctx {
	const struct store_fetch *f;
	/* The feed's keys churn: an unknown key is looked up by its link. */
	int		 by_link;
	int		 has_tombs;	/* tombstones exist: check new items */
	int		 has_items;	/* the feed has stored items: look up */
	int64_t		 nsources;	/* item_sources rows this document added */
	struct store_commit_stats s;
};

/*
 * Replaces the stored text of item id with it's when they differ: the
 * old text goes to revisions and out of the index, the new one into it
 * (unless the item is new in this transaction: it is indexed at the
 * commit, with its final text). *written is 1 when it did; an unchanged text
 * writes nothing.
 */
static int
item_rewrite(struct store *st, struct doc_ctx *c, const struct feed_item *it,
    int64_t id, int *written, struct herald_err *err)
{
	char *cats = NULL;
	int rc, saved, pending;

	*written = 0;
	rc = rev_save(st, id, it->hash, c->f->now, &saved, err);
	if (rc || !saved)
		return rc;
	pending = st->fts_lo && id >= st->fts_lo;
	cats = categories_json(it);
	if (!pending)
		rc = fts_sync(st, id, id, 1, err);
	if (!rc)
		rc = item_update(st, c->f, it, cats, id, written, err);
	if (!rc && !pending)
		rc = fts_sync(st, id, id, 0, err);
	free(cats);
	return rc;
}

/*
 * Stores one item and its tags. Every item lands in exactly one of the
 * counters inserted, updated, unchanged, sources and tombstoned.
 */
static int
item_put(struct store *st, struct doc_ctx *c, const struct feed_item *it,
    const char *story, const struct topic_result *tr,
    struct herald_err *err)
{
	const struct store_fetch *f = c->f;
	struct found fd = { 0 };
	char *cats = NULL;
	int rc, written = 0, by_canon = 0, added = 0, rewritten = 0;

	/* A feed's first document cannot meet its own earlier items. */
	rc = c->has_items ? source_find(st, f->feed_id, it, &fd, err) : 0;
	if (rc == 0 && c->by_link && it->canon) {
		rc = source_find_canon(st, f->feed_id, it->canon, it->hash,
		    &fd, err);
		by_canon = rc == 1;
	}
	if (rc < 0)
		goto out;
	if (rc == 1 && fd.src_same) {
		/* The common case on every poll: write nothing at all. */
		rc = 0;
		c->s.unchanged++;
	} else if (rc == 1) {
		rc = item_rewrite(st, c, it, fd.id, &written, err);
		if (!rc)
			rc = by_canon ? source_insert(st, f, it, fd.id,
			    &added, err) : source_rehash(st, f, it, err);
		if (rc)
			goto out;
		fd.item_same = 1;
		rewritten = written;
		if (written)
			c->s.updated++;
		else
			c->s.unchanged++;
	} else {
		rc = c->has_tombs ? tomb_find(st, f->feed_id, it, story, err) :
		    0;
		if (rc < 0)
			goto out;
		if (rc == 1) {
			/* Deleted by the user or by retention: stays so. */
			c->s.tombstoned++;
			rc = 0;
			goto out;
		}
		cats = categories_json(it);
		rc = item_insert(st, f, it, story, cats, &fd, &written, err);
		if (!rc && written)
			store_fts_pending(st, fd.id);
		if (!rc)
			rc = source_insert(st, f, it, fd.id, &added, err);
		if (rc)
			goto out;
		if (written)
			c->s.inserted++;
		else
			c->s.sources++;
	}
	/*
	 * Evidence offsets point into the text the tagger saw: tags computed
	 * on another feed's version of the story would explain text that is
	 * not stored. A new row has no tags to clear.
	 */
	if (tr && fd.item_same) {
		rc = tags_put(st, fd.id, tr, rewritten, f->now, err);
		if (!rc && tr->ntags)
			c->s.tagged++;
	}
out:
	c->nsources += added;
	free(cats);
	return rc;
}

static int
doc_check(struct store *st, const struct feed_doc *doc,
    struct herald_err *err)
{
	size_t i;

	for (i = 0; i < doc->nitems; i++) {
		if (!doc->items[i].key || !doc->items[i].key[0] ||
		    !doc->items[i].hash[0])
			return herald_err_set(err, HERALD_E_INVAL,
			    "%s: item %zu has no identity "
			    "(feed_doc_identify() not run)", st->path, i);
	}
	return 0;
}

/*
 * Guids minted afresh on every fetch (a CMS that renders a new id each
 * time) would make every fetch a new set of stories. The sign: none of
 * the document's keys is stored for the feed, yet at least half of its
 * linked items, and two or more, carry a link the feed already sent
 * under another key. A single item is not enough: a feed may well link
 * a new story to an old page. Returns 1 for churn, 0 if not, or an error.
 */
static int
guids_churn(struct store *st, int64_t feed_id, const struct feed_doc *doc,
    struct herald_err *err)
{
	const struct feed_item *it;
	struct found fd;
	size_t i, nlinked = 0, nmoved = 0;
	char *scoped;
	int rc = 0;

	scoped = xcalloc(doc->nitems ? doc->nitems : 1, 1);
	mark_shared_links(doc, scoped);
	for (i = 0; i < doc->nitems; i++) {
		it = &doc->items[i];
		rc = source_find(st, feed_id, it, &fd, err);
		if (rc)
			goto out;
		if (!it->canon || !it->canon[0] || scoped[i])
			continue;
		nlinked++;
		rc = source_find_canon(st, feed_id, it->canon, it->hash, &fd,
		    err);
		if (rc < 0)
			goto out;
		nmoved += (size_t)rc;
	}
	rc = nlinked >= 2 && nmoved * 2 >= nlinked;
out:
	free(scoped);
	/* A known key (rc 1 from the first lookup) means no churn. */
	return rc < 0 ? rc : (rc == 1 && i == doc->nitems);
}

static int
strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Returns a shallow copy of doc's items keyed "l:" + canonical link (else
 * the link as given), as feed_doc_identify(doc, "link") keys them; only
 * the keys are new (free them with rekey_free()). NULL when an item has
 * no link or two share one: then the document's own keys stay.
 */
static struct feed_item *
rekey_by_link(const struct feed_doc *doc)
{
	struct feed_item *v = NULL;
	const char **links;
	const char *l;
	size_t i;

	if (!doc->nitems)
		return NULL;
	links = xcalloc(doc->nitems, sizeof(*links));
	for (i = 0; i < doc->nitems; i++) {
		l = doc->items[i].canon ? doc->items[i].canon :
		    doc->items[i].link;
		if (!l || !l[0])
			goto out;
		links[i] = l;
	}
	qsort(links, doc->nitems, sizeof(*links), strp_cmp);
	for (i = 1; i < doc->nitems; i++)
		if (!strcmp(links[i - 1], links[i]))
			goto out;
	v = xcalloc(doc->nitems, sizeof(*v));
	for (i = 0; i < doc->nitems; i++) {
		v[i] = doc->items[i];
		l = v[i].canon ? v[i].canon : v[i].link;
		v[i].key = key_join("l:", l);
	}
out:
	free(links);
	return v;
}

static void
rekey_free(struct feed_item *v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i].key);
	free(v);
}

int
store_doc_commit(struct store *st, const struct store_fetch *f,
    const struct feed_doc *doc, const struct topic_result *tags,
    struct store_commit_stats *stats, struct herald_err *err)
{
	struct feed_item *rekeyed = NULL;
	struct feed_state fs;
	struct store_tx tx;
	struct doc_ctx c;
	struct feed_doc d;
	const char *forced = NULL, *policy;
	char **keys = NULL;
	size_t i;
	int rc;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	rc = doc_check(st, doc, err);
	if (rc)
		return rc;
	memset(&c, 0, sizeof(c));
	c.f = f;
	c.s.items = doc->nitems;
	d = *doc;
	policy = doc->id_policy ? doc->id_policy : "guid";
	rc = store_tx_begin(st, &tx, err);
	if (rc)
		return rc;
	/* An unknown feed fails here, clearly, not as a foreign-key error. */
	rc = feed_state(st, f->feed_id, &fs, err);
	forced = fs.forced;
	c.has_tombs = fs.has_tombs;
	c.has_items = fs.has_items;
	if (!rc && !forced && fs.has_items && !strcmp(policy, "guid")) {
		rc = guids_churn(st, f->feed_id, doc, err);
		if (rc == 1) {
			forced = "link";
			c.s.policy_forced = 1;
			rc = feed_force(st, f->feed_id, forced, err);
		}
	}
	if (rc)
		goto end;
	/*
	 * A forced policy re-keys the document here, so that a caller that
	 * identified it without store_feed_policy() still gets it right.
	 */
	if (forced && !strcmp(forced, "link") && !strcmp(policy, "guid")) {
		rekeyed = rekey_by_link(doc);
		if (rekeyed) {
			d.items = rekeyed;
			policy = "link";
		}
	}
	c.by_link = forced && !strcmp(policy, forced);
	rc = feed_mark(st, f, policy, err);
	if (!rc)
		keys = story_keys(&d, f->feed_id);
	for (i = 0; !rc && i < d.nitems; i++)
		rc = item_put(st, &c, &d.items[i], keys[i],
		    tags ? &tags[i] : NULL, err);
	if (!rc && c.nsources)
		rc = feed_count(st, f->feed_id, c.nsources, err);
end:
	rc = store_tx_end(st, &tx, rc, err);
	if (!rc && stats)
		*stats = c.s;
	keys_free(keys, doc->nitems);
	rekey_free(rekeyed, doc->nitems);
	return rc;
}
