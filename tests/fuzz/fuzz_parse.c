/*
 * fuzz_parse.c: the feed parser (RELIABILITY F1).
 *
 * Input layout, after libxml2's fuzz/xml.c: 1 byte picks the Content-Type
 * hint and base URL, 4 bytes a maximum chunk size, the rest is the
 * document. feed_parse() takes a whole buffer (no push API yet), so the
 * chunk sizes (from the input, libxml2's trick) are used to parse every
 * prefix that ends on a chunk boundary: what a transfer cut off mid-body
 * would hand over (X10, H13). Whatever comes back must hold the parser's
 * contract: text fields valid UTF-8, links absolute http(s) or NULL; and
 * for JSON Feed (feeds/jsonfeed.c), no control characters anywhere.
 */
#include "fuzz.h"

#include "feeds/err.h"
#include "feeds/item.h"
#include "feeds/parse.h"
#include "feeds/text.h"

static const char *const ctypes[] = {
	NULL, "application/rss+xml", "text/xml; charset=iso-8859-1",
	"text/html", "application/atom+xml; charset=utf-8",
	"text/xml; charset=windows-1252", "application/octet-stream",
	"application/xml; charset=utf-16",
	/* JSON Feed (feeds/jsonfeed.c): labelled, whatever the body. */
	"application/feed+json", "application/json; charset=utf-8",
};

static const char *const bases[] = {
	NULL, "http://example.test/feed.xml", "https://a.test/x/y/?q#f", "",
};

#define MAX_PREFIXES	8

static void
check_text(const char *s)
{
	if (s)
		FUZZ_CHECK(text_utf8_valid(s, strlen(s)));
}

/*
 * feeds/jsonfeed.h: every string of a JSON Feed result is valid UTF-8
 * without controls other than newline and tab (C0, DEL, C1).
 */
static void
check_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s)
		return;
	FUZZ_CHECK(text_utf8_valid(s, strlen(s)));
	for (; *p; p++) {
		FUZZ_CHECK(*p >= 0x20 || *p == '\n' || *p == '\t');
		FUZZ_CHECK(*p != 0x7f);
		FUZZ_CHECK(!(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f));
	}
}

static void
check_jsonfeed(const struct feed_doc *d)
{
	size_t i, j;

	check_clean(d->title);
	check_clean(d->link);
	for (i = 0; i < d->nwarnings; i++)
		check_clean(d->warnings[i]);
	for (i = 0; i < d->nitems; i++) {
		const struct feed_item *it = &d->items[i];

		check_clean(it->id);
		check_clean(it->link);
		check_clean(it->title);
		check_clean(it->summary);
		check_clean(it->content);
		check_clean(it->content_html);
		check_clean(it->author);
		for (j = 0; j < it->ncategories; j++)
			check_clean(it->categories[j]);
		for (j = 0; j < it->nenclosures; j++) {
			FUZZ_CHECK(it->enclosures[j].url != NULL);
			check_clean(it->enclosures[j].url);
			check_clean(it->enclosures[j].type);
		}
	}
}

static void
parse_one(const char *doc, size_t len, const char *ctype, const char *base)
{
	struct herald_err err;
	struct feed_doc *d;
	size_t i;

	d = feed_parse(doc, len, ctype, base, &err);
	if (!d) {
		FUZZ_CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
		return;
	}
	FUZZ_CHECK(d->format != NULL);
	if (!strcmp(d->format, "jsonfeed"))
		check_jsonfeed(d);
	check_text(d->title);
	for (i = 0; i < d->nitems; i++) {
		const struct feed_item *it = &d->items[i];

		check_text(it->title);
		check_text(it->summary);
		check_text(it->content);
	}
	feed_doc_identify(d, NULL);
	for (i = 0; i < d->nitems; i++)
		FUZZ_CHECK(d->items[i].key != NULL);
	feed_doc_free(d);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	feed_parse_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *ctype, *base;
	size_t sel, max_chunk, off, n;
	char *doc;

	sel = fuzz_take(&data, &size, 1);
	max_chunk = fuzz_take(&data, &size, 4);
	ctype = ctypes[sel % (sizeof(ctypes) / sizeof(ctypes[0]))];
	base = bases[(sel >> 3) % (sizeof(bases) / sizeof(bases[0]))];
	max_chunk %= size + size / 8 + 1;
	if (max_chunk == 0)
		max_chunk = 1;
	/* Exact-size copy: ASan catches a read one past the end. */
	doc = malloc(size ? size : 1);
	if (!doc)
		return 0;
	doc[0] = '\0';
	if (size)
		memcpy(doc, data, size);
	parse_one(doc, size, ctype, base);
	/* A few truncated bodies, cut where the chunks say. */
	for (off = max_chunk, n = 0; off < size && n < MAX_PREFIXES;
	    off += max_chunk, n++)
		parse_one(doc, off, ctype, base);
	free(doc);
	return 0;
}
