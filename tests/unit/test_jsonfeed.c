/*
 * test_jsonfeed.c: JSON Feed 1.0 and 1.1 (feeds/jsonfeed.c), on the
 * fixtures in tests/fixtures/jsonfeed/ and on documents built in memory,
 * and its dispatch from feed_parse(). Run from the repository root:
 *   make build/tests/test_jsonfeed && ./build/tests/test_jsonfeed
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "feeds/buf.h"
#include "feeds/date.h"
#include "feeds/err.h"
#include "feeds/item.h"
#include "feeds/jsonfeed.h"
#include "feeds/parse.h"
#include "feeds/text.h"

#define FIXTURES	"tests/fixtures/jsonfeed/"

/* Reads a whole fixture; the tests run from the repository root. */
static char *
read_fixture(const char *name, size_t *len)
{
	char path[256], *data;
	long size;
	FILE *fp;

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	if (!(fp = fopen(path, "rb")))
		fail_msg("%s: %s (run the tests from the repository root)",
		    path, strerror(errno));
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	size = ftell(fp);
	assert_true(size >= 0);
	rewind(fp);
	data = malloc((size_t)size + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	*len = (size_t)size;
	return data;
}

static struct feed_doc *
json_fixture(const char *name, const char *base, struct herald_err *err)
{
	struct feed_doc *doc;
	size_t len;
	char *data;

	data = read_fixture(name, &len);
	doc = feed_parse_json(data, len, base, err);
	free(data);
	return doc;
}

static struct feed_doc *
json_str(const char *s, struct herald_err *err)
{
	return feed_parse_json(s, strlen(s), NULL, err);
}

static int
has_warning(const struct feed_doc *doc, const char *needle)
{
	size_t i;

	for (i = 0; i < doc->nwarnings; i++)
		if (strstr(doc->warnings[i], needle))
			return 1;
	return 0;
}

static void
assert_warning(const struct feed_doc *doc, const char *needle)
{
	size_t i;

	if (has_warning(doc, needle))
		return;
	for (i = 0; i < doc->nwarnings; i++)
		print_message("warning: %s\n", doc->warnings[i]);
	fail_msg("no warning contains \"%s\"", needle);
}

static void
assert_rejected(struct feed_doc *doc, const struct herald_err *err,
    const char *needle)
{
	assert_null(doc);
	if (!strstr(err->msg, needle))
		fail_msg("error \"%s\" does not contain \"%s\"", err->msg,
		    needle);
}

/*
 * The contract every result string keeps: valid UTF-8 with no control
 * character but newline and tab (no C0, DEL or C1).
 */
static void
assert_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s)
		return;
	assert_true(text_utf8_valid(s, strlen(s)));
	for (; *p; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			fail_msg("control 0x%02x in \"%s\"", *p, s);
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			fail_msg("C1 control in \"%s\"", s);
	}
}

static void
assert_doc_clean(const struct feed_doc *doc)
{
	size_t i, j;

	assert_clean(doc->title);
	assert_clean(doc->link);
	assert_clean(doc->encoding);
	for (i = 0; i < doc->nwarnings; i++)
		assert_clean(doc->warnings[i]);
	for (i = 0; i < doc->nitems; i++) {
		const struct feed_item *it = &doc->items[i];

		assert_clean(it->id);
		assert_clean(it->link);
		assert_clean(it->title);
		assert_clean(it->summary);
		assert_clean(it->content);
		assert_clean(it->content_html);
		assert_clean(it->author);
		for (j = 0; j < it->ncategories; j++)
			assert_clean(it->categories[j]);
		for (j = 0; j < it->nenclosures; j++) {
			assert_clean(it->enclosures[j].url);
			assert_clean(it->enclosures[j].type);
		}
	}
}

static int64_t
utc(const char *rfc3339)
{
	int64_t t;

	assert_int_equal(date_parse(rfc3339, strlen(rfc3339), &t, NULL), 0);
	return t;
}

/* 1: JSON Feed 1.0, modelled on the specification's example. */
static void
test_v1_blog(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;
	const struct feed_item *it;

	(void)state;
	doc = json_fixture("v1-blog.json", NULL, &err);
	assert_non_null(doc);
	assert_string_equal(doc->format, "jsonfeed");
	assert_string_equal(doc->encoding, "UTF-8");
	assert_int_equal(doc->bozo, 0);
	assert_int_equal(doc->nwarnings, 0);
	assert_string_equal(doc->title, "My Example Feed");
	assert_string_equal(doc->link, "https://example.org/");
	assert_true(doc->updated == DATE_NONE);
	assert_int_equal(doc->nitems, 3);

	/* content_text only: the text is the content, escaped as HTML. */
	it = &doc->items[0];
	assert_string_equal(it->id, "2");
	assert_string_equal(it->link, "https://example.org/second-item");
	assert_null(it->title);
	assert_string_equal(it->content,
	    "This is a second item. It has two lines & a <tag>.");
	assert_string_equal(it->content_html,
	    "This is a second item.\nIt has two lines &amp; a &lt;tag&gt;.");
	/* Without a summary the content is the summary (parse.c does so). */
	assert_string_equal(it->summary, it->content);
	assert_true(it->published == utc("2021-01-02T03:04:05Z"));
	assert_true(it->updated == DATE_NONE);
	/* 1.0's feed-level "author" object. */
	assert_string_equal(it->author, "Jane Writer");
	/* Tags folded and trimmed; the repeat dropped. */
	assert_int_equal(it->ncategories, 2);
	assert_string_equal(it->categories[0], "notes");
	assert_string_equal(it->categories[1], "meta");

	/* content_html only: kept as given, its text is the content. */
	it = &doc->items[1];
	assert_string_equal(it->title, "Hello");
	assert_string_equal(it->content_html, "<p>Hello, <b>world</b>!</p>");
	assert_string_equal(it->content, "Hello, world!");
	/* A relative url, and no document URL: the feed_url is the base. */
	assert_string_equal(it->link, "https://example.org/blog/initial-post");
	assert_true(it->published == utc("2020-08-07T11:44:36Z"));
	assert_true(it->updated == utc("2020-08-08T00:00:00Z"));
	assert_string_equal(it->author, "Guest Poster");

	/* A numeric id is coerced; external_url stands in for url. */
	it = &doc->items[2];
	assert_string_equal(it->id, "3");
	assert_string_equal(it->link, "https://elsewhere.example/story");
	assert_string_equal(it->summary, "Pointing at a story.");
	assert_string_equal(it->content, "A link post.");

	/* The ids are the identity (design §2). */
	feed_doc_identify(doc, NULL);
	assert_string_equal(doc->id_policy, "guid");
	assert_string_equal(doc->items[2].key, "g:3");
	assert_doc_clean(doc);
	feed_doc_free(doc);

	/* The document's own URL wins over feed_url for relative links. */
	doc = json_fixture("v1-blog.json", "https://mirror.example/x/feed",
	    &err);
	assert_non_null(doc);
	assert_string_equal(doc->items[1].link,
	    "https://mirror.example/x/initial-post");
	feed_doc_free(doc);
}

/* 2: JSON Feed 1.1, a podcast (the specification's example, reworked). */
static void
test_v11_podcast(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;
	const struct feed_item *it;

	(void)state;
	doc = json_fixture("v11-podcast.json", NULL, &err);
	assert_non_null(doc);
	assert_int_equal(doc->bozo, 0);
	assert_string_equal(doc->title, "The Record");
	assert_string_equal(doc->link, "http://therecord.example/");
	assert_int_equal(doc->nitems, 2);

	it = &doc->items[0];
	assert_string_equal(it->id, "http://therecord.example/chris-parrish");
	assert_string_equal(it->title, "Special #1 - Chris Parrish");
	assert_string_equal(it->summary, "Brent interviews Chris Parrish, "
	    "co-host of The Record and one-half of Aged & Distilled.");
	/* Both contents: the author's text is the plain content. */
	assert_non_null(strstr(it->content, "Aged & Distilled."));
	assert_null(strstr(it->content, "<a"));
	assert_non_null(strstr(it->content_html,
	    "<a href=\"http://adobe.example/\">Adobe</a>"));
	/* 14:04 at -07:00 is 21:04 UTC. */
	assert_true(it->published == utc("2014-05-09T21:04:00Z"));
	/* The feed's "authors" apply to an item without its own. */
	assert_string_equal(it->author, "Brent Host");
	/* The repeated attachment is one enclosure. */
	assert_int_equal(it->nenclosures, 2);
	assert_string_equal(it->enclosures[0].url, "http://therecord.example/"
	    "downloads/The-Record-sp1e1-ChrisParrish.m4a");
	assert_string_equal(it->enclosures[0].type, "audio/x-m4a");
	assert_int_equal(it->enclosures[0].length, 89970236);
	assert_string_equal(it->enclosures[1].url,
	    "http://therecord.example/downloads/sp1e1.mp3");
	assert_string_equal(it->enclosures[1].type, "audio/mpeg");
	assert_int_equal(it->enclosures[1].length, -1);

	/* The first author with a name wins; a float size is a size. */
	it = &doc->items[1];
	assert_string_equal(it->author, "Second Host");
	assert_string_equal(it->summary, "Two hosts this time.");
	assert_int_equal(it->nenclosures, 1);
	assert_int_equal(it->enclosures[0].length, 1234);
	assert_doc_clean(doc);
	feed_doc_free(doc);
}

/* 3: a micro.blog-style 1.1 feed: no titles, relative urls. */
static void
test_v11_microblog(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;
	const struct feed_item *it;

	(void)state;
	doc = json_fixture("v11-microblog.json", NULL, &err);
	assert_non_null(doc);
	assert_int_equal(doc->nitems, 2);
	it = &doc->items[0];
	assert_null(it->title);
	assert_string_equal(it->link,
	    "https://micro.example/2024/03/01/short-note.html");
	assert_string_equal(it->content, "Short note with a photo.");
	assert_string_equal(it->author, "Mica Blogger");
	assert_int_equal(it->ncategories, 1);
	assert_string_equal(it->categories[0], "Cats");
	/* An empty title is no title. */
	it = &doc->items[1];
	assert_null(it->title);
	assert_true(it->published == utc("2024-03-01T04:59:59Z"));
	/* An unparsable date is absent, with a warning. */
	assert_true(it->updated == DATE_NONE);
	assert_int_equal(doc->bozo, 1);
	assert_warning(doc, "items[1].date_modified \"not a date\"");
	assert_doc_clean(doc);
	feed_doc_free(doc);
}

/* 4: every member of the wrong type is skipped with a warning. */
static void
test_wrong_types(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;
	const struct feed_item *it;

	(void)state;
	doc = json_fixture("wrong-types.json", NULL, &err);
	assert_non_null(doc);
	assert_int_equal(doc->bozo, 1);
	assert_null(doc->title);
	assert_null(doc->link);
	assert_warning(doc, "title is a number, not a string");
	assert_warning(doc, "home_page_url is an array");
	assert_warning(doc, "authors is an object, not an array");
	/* Items that are not objects are skipped. */
	assert_warning(doc, "items[0] is a string, not an object; skipped");
	assert_warning(doc, "items[2] is null");
	assert_int_equal(doc->nitems, 2);

	it = &doc->items[0];
	assert_warning(doc, "items[3].id is a boolean");
	assert_null(it->id);
	/* url of the wrong type: external_url is the link. */
	assert_warning(doc, "items[3].url is an object");
	assert_string_equal(it->link, "https://example.org/external");
	assert_null(it->title);
	assert_string_equal(it->content_html, "Only text survives.");
	assert_string_equal(it->content, "Only text survives.");
	assert_string_equal(it->summary, "Only text survives.");
	assert_true(it->published == DATE_NONE);
	assert_warning(doc, "items[3].date_published is a number");
	assert_warning(doc, "items[3].date_modified \"yesterday\" is not a "
	    "date");
	assert_null(it->author);
	assert_int_equal(it->ncategories, 0);
	assert_int_equal(it->nenclosures, 0);

	it = &doc->items[1];
	assert_string_equal(it->id, "item-5");
	assert_int_equal(it->ncategories, 2);
	assert_string_equal(it->categories[0], "ok");
	assert_string_equal(it->categories[1], "fine");
	assert_warning(doc, "items[4].tags[1] is a number");
	assert_string_equal(it->author, "Real Name");
	assert_warning(doc, "items[4].authors[1].name is a number");
	assert_int_equal(it->nenclosures, 3);
	assert_warning(doc, "items[4].attachments[1] has no url");
	assert_warning(doc, "items[4].attachments[2].url is a number");
	assert_warning(doc, "size_in_bytes is a string, not a number");
	assert_warning(doc, "items[4].attachments[4].size_in_bytes is not a "
	    "size");
	assert_null(it->enclosures[0].type);
	assert_int_equal(it->enclosures[0].length, -1);
	assert_int_equal(it->enclosures[1].length, -1);
	assert_int_equal(it->enclosures[2].length, -1);
	assert_doc_clean(doc);
	feed_doc_free(doc);
}

/* 5: authors (1.1) against author (1.0), item against feed. */
static void
test_authors(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = json_str("{\"version\": \"https://jsonfeed.org/version/1.1\","
	    "\"author\": {\"name\": \"Old Feed Author\"},"
	    "\"authors\": [{\"name\": \"  Feed   Author \"}],"
	    "\"items\": ["
	    " {\"id\": \"a\", \"author\": {\"name\": \"One\"},"
	    "  \"authors\": [{\"name\": \"Two\"}, {\"name\": \"Three\"}]},"
	    " {\"id\": \"b\", \"author\": {\"name\": \"Only Old\"}},"
	    " {\"id\": \"c\", \"authors\": [{\"url\": \"x\"}],"
	    "  \"author\": {\"name\": \"Fallback Old\"}},"
	    " {\"id\": \"d\", \"authors\": []},"
	    " {\"id\": \"e\", \"author\": {\"url\": \"mailto:a@b.example\"}}"
	    "]}", &err);
	assert_non_null(doc);
	assert_int_equal(doc->nitems, 5);
	/* 1.1's authors beat 1.0's author, and the first name wins. */
	assert_string_equal(doc->items[0].author, "Two");
	assert_string_equal(doc->items[1].author, "Only Old");
	assert_string_equal(doc->items[2].author, "Fallback Old");
	/* The feed's authors, folded, for items without a name. */
	assert_string_equal(doc->items[3].author, "Feed Author");
	assert_string_equal(doc->items[4].author, "Feed Author");
	assert_int_equal(doc->bozo, 0);
	feed_doc_free(doc);
}

/* 6: ids: strings trimmed, numbers coerced, anything else no id. */
static void
test_ids(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = json_str("{\"version\": \"https://jsonfeed.org/version/1\","
	    "\"items\": [{\"id\": \"  spaced\\n\"}, {\"id\": 1234567890123},"
	    "{\"id\": 1.1}, {\"id\": -7}, {\"id\": \"\"}, {\"id\": null},"
	    "{\"id\": [1]}, {\"id\": \"\\u0000\\u0001\"}]}", &err);
	assert_non_null(doc);
	assert_int_equal(doc->nitems, 8);
	assert_string_equal(doc->items[0].id, "spaced");
	assert_string_equal(doc->items[1].id, "1234567890123");
	assert_string_equal(doc->items[2].id, "1.1");
	assert_string_equal(doc->items[3].id, "-7");
	assert_null(doc->items[4].id);
	assert_null(doc->items[5].id);
	assert_null(doc->items[6].id);
	assert_warning(doc, "items[6].id is an array");
	/* NUL is U+FFFD (text_clean()); other controls go. */
	assert_string_equal(doc->items[7].id, "\xef\xbf\xbd");
	feed_doc_free(doc);
}

/* 7: relative links: document URL, else feed_url, else home_page_url. */
static void
test_urls(void **state)
{
	const char *home = "{\"version\": \"https://jsonfeed.org/version/1.1\","
	    "\"home_page_url\": \"/blog/\","
	    "\"items\": [{\"id\": \"1\", \"url\": \"post\","
	    "\"external_url\": \"https://ignored.example/\"},"
	    "{\"id\": \"2\", \"external_url\": \"../ext\"},"
	    "{\"id\": \"3\", \"url\": \"  \\t \"}]}";
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = feed_parse_json(home, strlen(home),
	    "https://site.example/feeds/all.json", &err);
	assert_non_null(doc);
	/* home_page_url itself resolves against the document's URL. */
	assert_string_equal(doc->link, "https://site.example/blog/");
	assert_string_equal(doc->items[0].link,
	    "https://site.example/feeds/post");
	assert_string_equal(doc->items[1].link, "https://site.example/ext");
	assert_null(doc->items[2].link);
	feed_doc_free(doc);

	/* No document URL and no feed_url: home_page_url is the base. */
	doc = feed_parse_json(home, strlen(home), NULL, &err);
	assert_non_null(doc);
	assert_string_equal(doc->link, "/blog/");
	assert_string_equal(doc->items[0].link, "/blog/post");
	feed_doc_free(doc);
}

/* 7b: a base of another scheme than http(s) is never used. */
static void
test_unsafe_base(void **state)
{
	static const char feed[] = "{\"version\": \"https://jsonfeed.org/"
	    "version/1.1\", \"feed_url\": \"javascript:alert(1)//\","
	    "\"home_page_url\": \"https://ok.example/home/\","
	    "\"items\": [{\"id\": \"1\", \"url\": \"page\"}]}";
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = feed_parse_json(feed, strlen(feed), "  JavaScript:alert('x')\x01",
	    &err);
	assert_non_null(doc);
	assert_warning(doc, "base URL \"JavaScript:alert('x')");
	assert_warning(doc, "ignored: not http(s)");
	assert_string_equal(doc->items[0].link,
	    "https://ok.example/home/page");
	assert_doc_clean(doc);
	feed_doc_free(doc);
}

/* 8: the content fields, and control characters in them. */
static void
test_content(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;
	const struct feed_item *it;

	(void)state;
	doc = json_str("{\"version\": \"https://jsonfeed.org/version/1.1\","
	    "\"items\": ["
	    " {\"id\": \"1\", \"content_html\": \"<p>a\\u0007b\\r\\nc\\u009b"
	    "31m\\td</p>\\ufeff\"},"
	    " {\"id\": \"2\", \"content_text\": \"x \\\"q\\\" <y>\\r\\nz\"},"
	    " {\"id\": \"3\", \"title\": \"T\\u001b[2Jitle\\u0085 \\u00a0"
	    "two\", \"summary\": \" \\n \"},"
	    " {\"id\": \"4\", \"content_html\": \"   \","
	    "  \"content_text\": \"\"}"
	    "]}", &err);
	assert_non_null(doc);
	assert_int_equal(doc->bozo, 0);
	it = &doc->items[0];
	/* As given, less the controls: BEL, CR, CSI (U+009B), stray BOM. */
	assert_string_equal(it->content_html, "<p>ab\nc31m\td</p>");
	assert_string_equal(it->content, "ab c31m d");
	it = &doc->items[1];
	assert_string_equal(it->content, "x \"q\" <y> z");
	assert_string_equal(it->content_html,
	    "x &quot;q&quot; &lt;y&gt;\nz");
	it = &doc->items[2];
	/* ESC is dropped, NEL and NBSP fold as whitespace. */
	assert_string_equal(it->title, "T[2Jitle two");
	assert_null(it->summary);
	assert_null(it->content);
	assert_null(it->content_html);
	it = &doc->items[3];
	/* Blank HTML is kept as given but has no plain text. */
	assert_string_equal(it->content_html, "   ");
	assert_null(it->content);
	assert_null(it->summary);
	assert_doc_clean(doc);
	feed_doc_free(doc);
}

/* 9: JSON that does not parse: line:column from jansson. */
static void
test_malformed(void **state)
{
	struct herald_err err;

	(void)state;
	assert_rejected(json_str("{", &err), &err, "not JSON: 1:");
	assert_rejected(json_str("{\"version\":\n\"https://jsonfeed.org/"
	    "version/1\",\n  \"items\": [tru]}", &err), &err,
	    "not JSON: 3:");
	assert_rejected(json_str("{} trailing", &err), &err,
	    "not JSON: 1:");
	assert_rejected(json_str("{\"a\": \"raw\x01" "control\"}", &err), &err,
	    "not JSON");
	assert_rejected(json_str("   ", &err), &err, "not JSON");
	assert_rejected(feed_parse_json("", 0, NULL, &err), &err,
	    "not JSON: empty document");
	assert_rejected(feed_parse_json(NULL, 0, NULL, &err), &err,
	    "not JSON: empty document");
	/* The message is one clean line even when the input is not. */
	assert_null(json_str("{\"a\": \x1b[31m}", &err));
	assert_clean(err.msg);
	assert_null(strchr(err.msg, '\x1b'));
}

/* 10: valid JSON that is not a JSON Feed. */
static void
test_not_feed(void **state)
{
	static const char *const docs[] = {
		"{}", "[]",
		"[{\"version\": \"https://jsonfeed.org/version/1\"}]",
		"{\"version\": 1}", "{\"version\": \"1.1\"}",
		"{\"version\": \"https://jsonfeed.org\"}",
		"{\"version\": \"jsonfeed.org/version/1\"}",
		"{\"title\": \"x\", \"items\": []}",
	};
	struct herald_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		assert_rejected(json_str(docs[i], &err), &err,
		    "not a feed: JSON without a JSON Feed version");
}

/* 11: versions: 1, 1.1, http://, and an unknown later one. */
static void
test_versions(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = json_str("{\"version\": \"http://jsonfeed.org/version/1\","
	    "\"items\": []}", &err);
	assert_non_null(doc);
	assert_int_equal(doc->bozo, 0);
	feed_doc_free(doc);
	doc = json_str("{\"version\": \"https://jsonfeed.org/version/2\","
	    "\"items\": [{\"id\": \"x\"}]}", &err);
	assert_non_null(doc);
	assert_int_equal(doc->nitems, 1);
	assert_warning(doc, "JSON Feed version \"https://jsonfeed.org/"
	    "version/2\" unknown");
	feed_doc_free(doc);
}

/* 12: invalid UTF-8 is repaired (jansson would refuse it), with bozo. */
static void
test_invalid_utf8(void **state)
{
	static const char d[] = "\xef\xbb\xbf{\"version\": \"https://jsonfeed"
	    ".org/version/1.1\", \"title\": \"caf\xe9 \xff\xfe\","
	    "\"items\": [{\"id\": \"1\", \"title\": \"nul\0byte\","
	    "\"content_html\": \"<p>\xc3(</p>\"}]}";
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = feed_parse_json(d, sizeof(d) - 1, NULL, &err);
	assert_non_null(doc);
	assert_int_equal(doc->bozo, 1);
	assert_warning(doc, "invalid UTF-8");
	assert_string_equal(doc->title, "caf\xef\xbf\xbd \xef\xbf\xbd"
	    "\xef\xbf\xbd");
	assert_string_equal(doc->items[0].title, "nul\xef\xbf\xbd" "byte");
	assert_string_equal(doc->items[0].content_html,
	    "<p>\xef\xbf\xbd(</p>");
	assert_doc_clean(doc);
	feed_doc_free(doc);
}

/* A document whose item title is n nested arrays. */
static char *
nested(size_t n)
{
	struct buf b;
	size_t i;

	buf_init(&b, 64 * 1024 * 1024);
	buf_puts(&b, "{\"version\": \"https://jsonfeed.org/version/1.1\","
	    "\"items\": [{\"id\": \"1\", \"title\": ");
	for (i = 0; i < n; i++)
		buf_putc(&b, '[');
	for (i = 0; i < n; i++)
		buf_putc(&b, ']');
	buf_puts(&b, "}]}");
	return buf_detach(&b);
}

/* 13: nesting is bounded by jansson (2048 levels), never the stack. */
static void
test_deep_nesting(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;
	char *d;

	(void)state;
	d = nested(10000);
	assert_rejected(json_str(d, &err), &err, "not JSON: 1:");
	assert_non_null(strstr(err.msg, "depth"));
	free(d);
	/* Bare nesting, through feed_parse() too. */
	d = malloc(20001);
	assert_non_null(d);
	memset(d, '[', 10000);
	memset(d + 10000, ']', 10000);
	d[20000] = '\0';
	assert_null(feed_parse(d, 20000, "application/json", NULL, &err));
	assert_non_null(strstr(err.msg, "depth"));
	free(d);
	/* Below the bound the document parses; the title is skipped. */
	d = nested(1000);
	doc = json_str(d, &err);
	assert_non_null(doc);
	assert_null(doc->items[0].title);
	assert_warning(doc, "items[0].title is an array");
	feed_doc_free(doc);
	free(d);
}

/* 14: empty and missing items. */
static void
test_empty_items(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;
	const struct feed_item *it;

	(void)state;
	doc = json_str("{\"version\": \"https://jsonfeed.org/version/1.1\","
	    "\"title\": \"Empty\", \"items\": []}", &err);
	assert_non_null(doc);
	assert_int_equal(doc->nitems, 0);
	assert_int_equal(doc->bozo, 0);
	feed_doc_free(doc);

	doc = json_str("{\"version\": \"https://jsonfeed.org/version/1.1\"}",
	    &err);
	assert_non_null(doc);
	assert_int_equal(doc->nitems, 0);
	assert_warning(doc, "no \"items\" array");
	feed_doc_free(doc);

	doc = json_str("{\"version\": \"https://jsonfeed.org/version/1.1\","
	    "\"items\": {\"id\": \"1\"}}", &err);
	assert_non_null(doc);
	assert_int_equal(doc->nitems, 0);
	assert_warning(doc, "items is an object, not an array");
	feed_doc_free(doc);

	/* An empty item is an item with nothing in it, identified by hash. */
	doc = json_str("{\"version\": \"https://jsonfeed.org/version/1.1\","
	    "\"items\": [{}, {\"tags\": [], \"attachments\": [],"
	    "\"authors\": []}]}", &err);
	assert_non_null(doc);
	assert_int_equal(doc->nitems, 2);
	it = &doc->items[0];
	assert_null(it->id);
	assert_null(it->link);
	assert_null(it->title);
	assert_null(it->summary);
	assert_null(it->content);
	assert_null(it->content_html);
	assert_null(it->author);
	assert_true(it->published == DATE_NONE);
	assert_int_equal(it->ncategories, 0);
	assert_int_equal(it->nenclosures, 0);
	feed_doc_identify(doc, NULL);
	assert_string_equal(doc->id_policy, "hash");
	assert_non_null(doc->items[1].key);
	feed_doc_free(doc);
}

/* 15: caps on items, tags, attachments and field length. */
static void
test_caps(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b, 64 * 1024 * 1024);
	buf_puts(&b, "{\"version\": \"https://jsonfeed.org/version/1.1\","
	    "\"items\": [{\"id\": \"big\", \"title\": \"");
	for (i = 0; i < 1024 * 1024 + 10; i++)
		buf_putc(&b, i % 2 ? 'a' : ' ');
	buf_puts(&b, "\", \"content_html\": \"");
	/* Two-byte characters, so the cut has to find a boundary. */
	for (i = 0; i < 600 * 1024; i++)
		buf_puts(&b, "\xc3\xa9");
	buf_puts(&b, "\", \"tags\": [");
	for (i = 0; i < 70; i++)
		buf_printf(&b, "%s\"t%zu\"", i ? "," : "", i);
	buf_puts(&b, "], \"attachments\": [");
	for (i = 0; i < 70; i++)
		buf_printf(&b, "%s{\"url\": \"https://a.example/%zu\"}",
		    i ? "," : "", i);
	buf_puts(&b, "]}");
	for (i = 0; i < 10005; i++)
		buf_printf(&b, ",{\"id\": \"%zu\"}", i);
	buf_puts(&b, "]}");
	doc = feed_parse_json(buf_str(&b), buf_len(&b), NULL, &err);
	buf_fini(&b);
	assert_non_null(doc);
	assert_int_equal(doc->nitems, 10000);
	assert_warning(doc, "more than 10000 items");
	assert_int_equal(doc->items[0].ncategories, 64);
	assert_warning(doc, "more than 64 tags");
	assert_int_equal(doc->items[0].nenclosures, 64);
	assert_warning(doc, "more than 64 attachments");
	assert_warning(doc, "items[0].title longer than 1024 KiB");
	assert_warning(doc, "items[0].content_html longer than 1024 KiB");
	assert_true(strlen(doc->items[0].content_html) <= 1024 * 1024);
	assert_true(strlen(doc->items[0].title) <= 1024 * 1024);
	assert_doc_clean(doc);
	feed_doc_free(doc);

	/* Text that escaping makes four times longer: whole entities. */
	buf_init(&b, 64 * 1024 * 1024);
	buf_puts(&b, "{\"version\": \"https://jsonfeed.org/version/1.1\","
	    "\"items\": [{\"content_text\": \"");
	for (i = 0; i < 300 * 1024; i++)
		buf_putc(&b, '<');
	buf_puts(&b, "\"}]}");
	doc = feed_parse_json(buf_str(&b), buf_len(&b), NULL, &err);
	buf_fini(&b);
	assert_non_null(doc);
	assert_warning(doc, "items[0].content_text as HTML longer than 1024 "
	    "KiB");
	i = strlen(doc->items[0].content_html);
	assert_true(i <= 1024 * 1024 && i > 1000 * 1024);
	assert_int_equal(i % 4, 0);
	assert_string_equal(doc->items[0].content_html + i - 4, "&lt;");
	feed_doc_free(doc);
}

/* 16: feed_parse() hands JSON to feed_parse_json(), and only JSON. */
static void
test_dispatch(void **state)
{
	static const char feed[] = "{\"version\": \"https://jsonfeed.org/"
	    "version/1.1\", \"title\": \"J\", \"items\": [{\"id\": \"1\"}]}";
	static const char rss[] = "<rss version=\"2.0\"><channel><title>R"
	    "</title></channel></rss>";
	struct herald_err err;
	struct feed_doc *doc;
	char d[256];

	(void)state;
	assert_true(feed_is_json(feed, strlen(feed), NULL));
	assert_true(feed_is_json("\xef\xbb\xbf \r\n\t{", 8, "text/xml"));
	assert_true(feed_is_json("[]", 2, "application/feed+json"));
	assert_true(feed_is_json("[]", 2, " Application/JSON ; charset=utf-8"));
	assert_false(feed_is_json("[]", 2, "application/jsonx"));
	assert_false(feed_is_json("[]", 2, NULL));
	assert_false(feed_is_json(rss, strlen(rss), "application/json"));
	assert_false(feed_is_json("", 0, "application/json"));
	assert_false(feed_is_json(NULL, 0, "application/json"));

	doc = feed_parse(feed, strlen(feed), NULL, NULL, &err);
	assert_non_null(doc);
	assert_string_equal(doc->format, "jsonfeed");
	assert_string_equal(doc->title, "J");
	feed_doc_free(doc);
	/* A BOM and whitespace before the brace. */
	snprintf(d, sizeof(d), "\xef\xbb\xbf\n  %s", feed);
	doc = feed_parse(d, strlen(d), "text/plain", NULL, &err);
	assert_non_null(doc);
	assert_string_equal(doc->format, "jsonfeed");
	feed_doc_free(doc);
	/* A feed served as JSON that is RSS is still read as RSS. */
	doc = feed_parse(rss, strlen(rss), "application/feed+json", NULL,
	    &err);
	assert_non_null(doc);
	assert_string_equal(doc->format, "rss2.0");
	feed_doc_free(doc);
	/* Labelled JSON, not a feed: the JSON error, not an XML one. */
	assert_null(feed_parse("[1, 2]", 6, "application/json", NULL, &err));
	assert_non_null(strstr(err.msg, "JSON without a JSON Feed version"));
	assert_null(feed_parse("{\"x\": ", 6, NULL, NULL, &err));
	assert_non_null(strstr(err.msg, "not JSON: 1:"));
}

struct thread_arg {
	const char	*data;
	size_t		 len;
	int		 failures;
};

static void *
parse_many(void *p)
{
	struct thread_arg *a = p;
	struct herald_err err;
	struct feed_doc *doc;
	int i;

	for (i = 0; i < 200; i++) {
		doc = feed_parse(a->data, a->len, "application/feed+json",
		    "https://t.example/feed.json", &err);
		if (!doc || doc->nitems != 2 || doc->items[0].nenclosures != 2)
			a->failures++;
		feed_doc_free(doc);
	}
	return NULL;
}

/* 17: the daemon parses on several worker threads at once. */
static void
test_threads(void **state)
{
	struct thread_arg args[4];
	pthread_t th[4];
	size_t len, i;
	char *data;

	(void)state;
	data = read_fixture("v11-podcast.json", &len);
	for (i = 0; i < 4; i++) {
		args[i].data = data;
		args[i].len = len;
		args[i].failures = 0;
		assert_int_equal(pthread_create(&th[i], NULL, parse_many,
		    &args[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(args[i].failures, 0);
	}
	free(data);
}

static int
setup(void **state)
{
	(void)state;
	feed_parse_init();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	feed_parse_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_blog),
		cmocka_unit_test(test_v11_podcast),
		cmocka_unit_test(test_v11_microblog),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_authors),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_unsafe_base),
		cmocka_unit_test(test_content),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_not_feed),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_empty_items),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
