/*
 * item.c: the parsed feed document, its items, and item identity
 * (design.md §2): which key names an item within its feed, and the content
 * hash that tells the store an item changed.
 */
#include "item.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "hash.h"
#include "text.h"
#include "url.h"
#include "xmem.h"

/*
 * A hostile feed can make every item warn (bad dates, say); 10 000 items
 * times a warning each is noise, not information. Keep the first ones.
 */
#define DOC_MAX_WARNINGS	100

/* Separates the fields hashed together; cannot occur in feed text. */
#define FIELD_SEP	"\x1f"

struct feed_doc *
feed_doc_new(void)
{
	struct feed_doc *doc;

	doc = xcalloc(1, sizeof(*doc));
	doc->updated = DATE_NONE;
	doc->ttl = -1;
	return doc;
}

static void
item_fini(struct feed_item *it)
{
	size_t i;

	free(it->id);
	free(it->link);
	free(it->title);
	free(it->summary);
	free(it->content);
	free(it->content_html);
	free(it->author);
	for (i = 0; i < it->ncategories; i++)
		free(it->categories[i]);
	free(it->categories);
	for (i = 0; i < it->nenclosures; i++) {
		free(it->enclosures[i].url);
		free(it->enclosures[i].type);
	}
	free(it->enclosures);
	free(it->key);
	free(it->canon);
}

void
feed_doc_free(struct feed_doc *doc)
{
	size_t i;

	if (!doc)
		return;
	for (i = 0; i < doc->nitems; i++)
		item_fini(&doc->items[i]);
	free(doc->items);
	for (i = 0; i < doc->nwarnings; i++)
		free(doc->warnings[i]);
	free(doc->warnings);
	free(doc->encoding);
	free(doc->title);
	free(doc->link);
	free(doc);
}

struct feed_item *
feed_doc_add_item(struct feed_doc *doc)
{
	struct feed_item *it;

	/*
	 * Grow geometrically: the array is only ever appended to (the parser
	 * caps a document at 10 000 items). The capacity is implicit, the
	 * next power of two from 16, so the struct needs no extra field.
	 */
	if (doc->nitems == 0)
		doc->items = xreallocarray(doc->items, 16, sizeof(*doc->items));
	else if (doc->nitems >= 16 && (doc->nitems & (doc->nitems - 1)) == 0)
		doc->items = xreallocarray(doc->items, doc->nitems * 2,
		    sizeof(*doc->items));
	it = &doc->items[doc->nitems++];
	memset(it, 0, sizeof(*it));
	it->published = DATE_NONE;
	it->updated = DATE_NONE;
	return it;
}

void
feed_doc_warn(struct feed_doc *doc, const char *fmt, ...)
{
	va_list ap;
	char *msg, *fixed;
	int n;

	doc->bozo = 1;
	if (doc->nwarnings >= DOC_MAX_WARNINGS)
		return;
	if (doc->nwarnings == DOC_MAX_WARNINGS - 1) {
		msg = xstrdup("too many warnings; the rest are not shown");
		goto add;
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	msg = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	va_end(ap);
	/* Warnings quote feed text; keep them valid UTF-8 for JSON. */
	if (!text_utf8_valid(msg, (size_t)n)) {
		fixed = text_utf8_repair(msg, (size_t)n, NULL);
		free(msg);
		msg = fixed;
	}
add:
	doc->warnings = xreallocarray(doc->warnings, doc->nwarnings + 1,
	    sizeof(*doc->warnings));
	doc->warnings[doc->nwarnings++] = msg;
}

void
feed_item_add_category(struct feed_item *it, const char *s)
{
	it->categories = xreallocarray(it->categories, it->ncategories + 1,
	    sizeof(*it->categories));
	it->categories[it->ncategories++] = xstrdup(s);
}

struct feed_enclosure *
feed_item_add_enclosure(struct feed_item *it, char *url)
{
	struct feed_enclosure *e;

	it->enclosures = xreallocarray(it->enclosures, it->nenclosures + 1,
	    sizeof(*it->enclosures));
	e = &it->enclosures[it->nenclosures++];
	e->url = url;
	e->type = NULL;
	e->length = -1;
	return e;
}

static int
nonempty(const char *s)
{
	return s && *s;
}

/* qsort comparator over an array of string pointers. */
static int
strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Returns 1 when n strings are all non-empty and pairwise distinct.
 * *dup (may be NULL) receives a repeated value, borrowed from strs.
 * Sorting a copy keeps this O(n log n) for the 10 000-item cap.
 */
static int
all_unique(const char **strs, size_t n, const char **dup)
{
	const char **v;
	size_t i;
	int ok = 1;

	if (dup)
		*dup = NULL;
	for (i = 0; i < n; i++)
		if (!nonempty(strs[i]))
			return 0;
	if (n < 2)
		return 1;
	v = xreallocarray(NULL, n, sizeof(*v));
	memcpy(v, strs, n * sizeof(*v));
	qsort(v, n, sizeof(*v), strp_cmp);
	for (i = 1; i < n; i++) {
		if (!strcmp(v[i - 1], v[i])) {
			if (dup)
				*dup = v[i];
			ok = 0;
			break;
		}
	}
	free(v);
	return ok;
}

/*
 * "h:" + SHA-256 of title, published and summary (design §2); h is the
 * document's hash context, between messages.
 */
static char *
key_hash(const struct feed_item *it, struct hash_ctx *h)
{
	char hex[HASH_HEX_LEN + 1], when[24], *key;

	when[0] = '\0';
	if (it->published != DATE_NONE)
		snprintf(when, sizeof(when), "%lld", (long long)it->published);
	if (it->title)
		hash_ctx_update(h, it->title, strlen(it->title));
	hash_ctx_update(h, FIELD_SEP, 1);
	hash_ctx_update(h, when, strlen(when));
	hash_ctx_update(h, FIELD_SEP, 1);
	if (it->summary)
		hash_ctx_update(h, it->summary, strlen(it->summary));
	hash_ctx_next(h, hex);
	key = xmalloc(2 + HASH_HEX_LEN + 1);
	memcpy(key, "h:", 2);
	memcpy(key + 2, hex, HASH_HEX_LEN + 1);
	return key;
}

static char *
key_prefixed(const char *prefix, const char *s)
{
	size_t lp = strlen(prefix), ls = strlen(s);
	char *key;

	key = xmalloc(lp + ls + 1);
	memcpy(key, prefix, lp);
	memcpy(key + lp, s, ls + 1);
	return key;
}

/*
 * The content hash: title, summary and content, for change detection;
 * h as for key_hash().
 */
static void
content_hash(struct feed_item *it, struct hash_ctx *h)
{
	if (it->title)
		hash_ctx_update(h, it->title, strlen(it->title));
	hash_ctx_update(h, FIELD_SEP, 1);
	if (it->summary)
		hash_ctx_update(h, it->summary, strlen(it->summary));
	hash_ctx_update(h, FIELD_SEP, 1);
	if (it->content)
		hash_ctx_update(h, it->content, strlen(it->content));
	hash_ctx_next(h, it->hash);
}

/* The link an item is known by: canonical when http(s), else as given. */
static const char *
item_link_key(const struct feed_item *it)
{
	return it->canon ? it->canon : it->link;
}

/*
 * The policy is decided per document, not per item: mixing keys within
 * one feed would make an item change key when a neighbour gains or loses
 * its guid, and the store records one policy per feed. A forced policy
 * (the store saw guids change on every fetch) skips the guid step; "link"
 * still falls to the hash when links are not usable, since a key must
 * exist. v is scratch space for doc->nitems pointers.
 */
static const char *
choose_policy(struct feed_doc *doc, const char *force, const char **v)
{
	const char *dup;
	size_t i;

	if (force && !strcmp(force, "hash"))
		return "hash";
	if (!force || strcmp(force, "link") != 0) {
		for (i = 0; i < doc->nitems; i++)
			v[i] = doc->items[i].id;
		if (all_unique(v, doc->nitems, &dup))
			return "guid";
		/*
		 * RSS 2.0 makes guid optional, so missing ones are normal;
		 * a repeated one is a feed bug worth reporting (RFC 4287
		 * §4.2.6: the same atom:id is the same entry).
		 */
		if (dup && !doc->id_policy)
			feed_doc_warn(doc, "guid \"%.80s\" is not unique in "
			    "the document; items identified by link or "
			    "hash", dup);
	}
	for (i = 0; i < doc->nitems; i++)
		v[i] = item_link_key(&doc->items[i]);
	return all_unique(v, doc->nitems, NULL) ? "link" : "hash";
}

void
feed_doc_identify(struct feed_doc *doc, const char *force_policy)
{
	struct hash_ctx *h;
	const char **v;
	const char *policy;
	size_t i;

	/* One context for every hash of the document: setting one up costs. */
	h = doc->nitems ? hash_ctx_new() : NULL;
	for (i = 0; i < doc->nitems; i++) {
		struct feed_item *it = &doc->items[i];

		free(it->canon);
		it->canon = it->link ? url_canonical(it->link) : NULL;
		content_hash(it, h);
	}
	v = xreallocarray(NULL, doc->nitems ? doc->nitems : 1, sizeof(*v));
	policy = choose_policy(doc, force_policy, v);
	free(v);
	for (i = 0; i < doc->nitems; i++) {
		struct feed_item *it = &doc->items[i];

		free(it->key);
		if (!strcmp(policy, "guid"))
			it->key = key_prefixed("g:", it->id);
		else if (!strcmp(policy, "link"))
			it->key = key_prefixed("l:", item_link_key(it));
		else
			it->key = key_hash(it, h);
	}
	hash_ctx_free(h);
	doc->id_policy = policy;
}
