/*
 * test_parse.c: the feed parser (feeds/parse.c) and item identity
 * (feeds/item.c), on the fixtures in tests/corpus/ and on documents
 * built in memory. Run from the repository root:
 *   make build/tests/test_parse && ./build/tests/test_parse
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cmocka.h>

#include "feeds/buf.h"
#include "feeds/date.h"
#include "feeds/err.h"
#include "feeds/item.h"
#include "feeds/parse.h"
#include "feeds/text.h"
#include "feeds/url.h"
#include "feeds/xmem.h"

#define CORPUS		"tests/corpus/"
#define CANARY		"/tmp/herald-xxe-canary.txt"
#define CANARY_TEXT	"HERALD-CANARY-SECRET"

/* Reads a fixture; the tests run from the repository root. */
static char *
fixture(const char *name, size_t *len)
{
	char path[256], chunk[4096];
	struct buf b;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), CORPUS "%s", name);
	fp = fopen(path, "rb");
	if (!fp)
		fail_msg("%s: %s (run the tests from the repository root)",
		    path, strerror(errno));
	buf_init(&b, 16 * 1024 * 1024);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		assert_int_equal(buf_append(&b, chunk, n), 0);
	fclose(fp);
	*len = buf_len(&b);
	return buf_detach(&b);
}

static struct feed_doc *
parse_fixture(const char *name, const char *ctype, const char *base,
    struct herald_err *err)
{
	struct feed_doc *doc;
	size_t len;
	char *data;

	data = fixture(name, &len);
	doc = feed_parse(data, len, ctype, base, err);
	free(data);
	return doc;
}

static struct feed_doc *
parse_str(const char *s, struct herald_err *err)
{
	return feed_parse(s, strlen(s), NULL, NULL, err);
}

/* Asserts that doc is NULL and err names the expected reason. */
static void
assert_rejected(struct feed_doc *doc, const struct herald_err *err,
    const char *needle)
{
	assert_null(doc);
	if (!strstr(err->msg, needle))
		fail_msg("error \"%s\" does not contain \"%s\"", err->msg,
		    needle);
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
assert_valid_utf8(const char *s)
{
	if (s)
		assert_true(text_utf8_valid(s, strlen(s)));
}

/*
 * Content HTML: valid UTF-8 without control characters but tab and
 * newline (C0, DEL, C1, U+FEFF).
 */
static void
assert_html_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s)
		return;
	assert_valid_utf8(s);
	for (; *p; p++) {
		if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) ||
		    (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf))
			fail_msg("control character in \"%s\"", s);
	}
}

/* Every text field of every item is valid UTF-8 (design §1). */
static void
assert_doc_utf8(const struct feed_doc *doc)
{
	size_t i, j;

	assert_valid_utf8(doc->title);
	assert_valid_utf8(doc->link);
	for (i = 0; i < doc->nwarnings; i++)
		assert_valid_utf8(doc->warnings[i]);
	for (i = 0; i < doc->nitems; i++) {
		const struct feed_item *it = &doc->items[i];

		assert_valid_utf8(it->id);
		assert_valid_utf8(it->link);
		assert_valid_utf8(it->title);
		assert_valid_utf8(it->summary);
		assert_valid_utf8(it->content);
		assert_html_clean(it->content_html);
		assert_valid_utf8(it->author);
		for (j = 0; j < it->ncategories; j++)
			assert_valid_utf8(it->categories[j]);
		for (j = 0; j < it->nenclosures; j++)
			assert_valid_utf8(it->enclosures[j].url);
	}
}

static int64_t
utc(const char *rfc3339)
{
	int64_t t;

	assert_int_equal(date_parse(rfc3339, strlen(rfc3339), &t, NULL), 0);
	return t;
}

static void
test_rss20(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;
	const struct feed_item *it;

	(void)state;
	doc = parse_fixture("rss20.xml", NULL, "https://wire.example/rss.xml",
	    &err);
	assert_non_null(doc);
	assert_string_equal(doc->format, "rss2.0");
	assert_string_equal(doc->encoding, "UTF-8");
	/* The channel's image title is not the feed title. */
	assert_string_equal(doc->title, "Herald Test Wire");
	assert_string_equal(doc->link, "https://wire.example/");
	assert_int_equal(doc->updated, utc("2024-03-02T08:00:00Z"));
	assert_int_equal(doc->ttl, 30 * 60);
	assert_int_equal(doc->nitems, 3);

	it = &doc->items[0];
	assert_string_equal(it->id, "wire-1001");
	assert_string_equal(it->link,
	    "https://wire.example/news/tram?utm_source=rss#top");
	/* RSS titles are HTML: the escaped <b> is markup, dropped. */
	assert_string_equal(it->title, "Council approves the new tram line");
	assert_int_equal(it->published, utc("2024-03-02T06:30:00Z"));
	assert_int_equal(it->updated, DATE_NONE);
	assert_string_equal(it->author, "Ana Ferreira");
	assert_non_null(strstr(it->summary, "31 to 4"));
	assert_null(strchr(it->summary, '<'));
	assert_non_null(strstr(it->content, "Full story"));
	assert_null(strstr(it->content, "<p>"));
	/* content:encoded's HTML is kept as the feed gave it. */
	assert_string_equal(it->content_html, "<p>Full story: the vote was "
	    "31 to 4 &amp; work starts in May.</p><script>alert(1)</script>");
	assert_int_equal(it->ncategories, 2);
	assert_string_equal(it->categories[0], "City");
	assert_string_equal(it->categories[1], "Transport");
	/* The media:content repeating the enclosure is merged. */
	assert_int_equal(it->nenclosures, 2);
	assert_string_equal(it->enclosures[0].url,
	    "https://wire.example/audio/tram.mp3");
	assert_string_equal(it->enclosures[0].type, "audio/mpeg");
	assert_int_equal(it->enclosures[0].length, 123456);
	assert_string_equal(it->enclosures[1].type, "image/jpeg");
	assert_int_equal(it->enclosures[1].length, -1);

	/* A permalink guid is the link when there is no <link>. */
	it = &doc->items[1];
	/* Only a <description>: no content element, no content HTML. */
	assert_null(it->content);
	assert_null(it->content_html);
	assert_string_equal(it->id, "https://wire.example/news/storm");
	assert_string_equal(it->link, "https://wire.example/news/storm");
	assert_string_equal(it->author, "desk@wire.example (News Desk)");

	/* Relative link resolved against the document URL; bad date. */
	it = &doc->items[2];
	assert_string_equal(it->link, "https://wire.example/news/markets");
	assert_int_equal(it->published, DATE_NONE);
	assert_true(doc->bozo);
	assert_true(has_warning(doc, "not a date at all"));
	assert_doc_utf8(doc);
	feed_doc_free(doc);
}

static void
test_rss091_netscape_doctype(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = parse_fixture("rss091-netscape.xml", NULL, NULL, &err);
	if (!doc)
		fail_msg("%s", err.msg);
	assert_string_equal(doc->format, "rss0.9x");
	assert_string_equal(doc->encoding, "ISO-8859-1");
	/* &eacute; is declared only in the (never fetched) DTD. */
	assert_string_equal(doc->title, "Caf\xc3\xa9 Society");
	assert_int_equal(doc->nitems, 2);
	assert_string_equal(doc->items[0].title,
	    "Caf\xc3\xa9 opens on the corner");
	assert_string_equal(doc->items[0].summary, "Espresso & cake.");
	assert_null(doc->items[0].id);
	assert_false(doc->bozo);
	feed_doc_free(doc);
}

static void
test_rss10(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = parse_fixture("rss10.xml", NULL, NULL, &err);
	assert_non_null(doc);
	assert_string_equal(doc->format, "rss1.0");
	assert_string_equal(doc->title, "RDF Daily");
	assert_int_equal(doc->updated, utc("2024-03-01T12:00:00Z"));
	assert_int_equal(doc->nitems, 2);
	/* rdf:about is the id; dc:date the published date. */
	assert_string_equal(doc->items[0].id, "https://rdf.example/a");
	assert_string_equal(doc->items[0].link, "https://rdf.example/a");
	assert_int_equal(doc->items[0].published,
	    utc("2024-03-01T08:00:00Z"));
	assert_string_equal(doc->items[0].author, "R. Writer");
	assert_int_equal(doc->items[0].ncategories, 1);
	assert_string_equal(doc->items[0].categories[0], "science");
	assert_string_equal(doc->items[1].title, "Second RDF item");
	assert_false(doc->bozo);
	feed_doc_free(doc);
}

static void
test_atom10_xml_base(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;
	const struct feed_item *it;

	(void)state;
	doc = parse_fixture("atom10-xmlbase.xml", NULL,
	    "https://ignored.example/", &err);
	assert_non_null(doc);
	assert_string_equal(doc->format, "atom1.0");
	/* type="html": &amp;amp; is the HTML text &amp;, an ampersand. */
	assert_string_equal(doc->title, "Notes & Links");
	assert_string_equal(doc->link, "https://atom.example/blog/");
	assert_int_equal(doc->nitems, 2);

	it = &doc->items[0];
	/* Entry xml:base relative to the feed's; text/html preferred. */
	assert_string_equal(it->link,
	    "https://atom.example/blog/posts/2024/one.html");
	/* type="text": the escaped tag is text, kept. */
	assert_string_equal(it->title, "Tags <b> stay text");
	assert_string_equal(it->id, "tag:atom.example,2024:1");
	assert_int_equal(it->published, utc("2024-03-03T07:00:00Z"));
	assert_int_equal(it->updated, utc("2024-03-03T08:30:00Z"));
	/*
	 * RFC 4287 §4.2.1: the feed's author is inherited, written
	 * "name (email)" as feedparser does.
	 */
	assert_string_equal(it->author, "Feed Author (feed@atom.example)");
	assert_string_equal(it->summary, "An html summary");
	assert_non_null(strstr(it->content, "with a < sign."));
	assert_non_null(strstr(it->content, "Second bold one."));
	/* type="xhtml": the inner XHTML, without RFC 4287's div. */
	assert_string_equal(it->content_html, "<p>First paragraph with a "
	    "&lt; sign.</p><p>Second <b>bold</b> one.</p>");
	assert_int_equal(it->ncategories, 2);
	assert_string_equal(it->categories[0], "notes");
	assert_int_equal(it->nenclosures, 1);
	assert_string_equal(it->enclosures[0].url,
	    "https://atom.example/media/one.ogg");
	assert_int_equal(it->enclosures[0].length, 2048);

	it = &doc->items[1];
	/* The link's own xml:base applies to its href. */
	assert_string_equal(it->link, "https://other.example/x/two.html");
	assert_string_equal(it->author, "Guest Writer");
	assert_int_equal(it->published, DATE_NONE);
	assert_string_equal(it->content, "Only content here.");
	assert_string_equal(it->content_html, "<p>Only content here.</p>");
	assert_false(doc->bozo);
	assert_doc_utf8(doc);
	feed_doc_free(doc);
}

static void
test_atom03(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;
	const struct feed_item *it;

	(void)state;
	doc = parse_fixture("atom03.xml", NULL, NULL, &err);
	assert_non_null(doc);
	assert_string_equal(doc->format, "atom0.3");
	assert_string_equal(doc->title, "Old <Atom> Feed");
	assert_string_equal(doc->link, "http://old.example/");
	assert_int_equal(doc->updated, utc("2004-01-02T03:04:05Z"));
	assert_int_equal(doc->nitems, 1);
	it = &doc->items[0];
	assert_int_equal(it->published, utc("2004-01-02T15:00:00Z"));
	assert_int_equal(it->updated, utc("2004-01-02T16:00:00Z"));
	assert_string_equal(it->summary, "Hello, base64 world");
	assert_string_equal(it->content, "Escaped HTML content");
	assert_string_equal(it->content_html,
	    "<p>Escaped <i>HTML</i> content</p>");
	assert_string_equal(it->author, "Old Timer");
	feed_doc_free(doc);
}

/*
 * RFC 4287 §4.1.3.3: a MIME type that is neither text nor XML means
 * base64; feeds put such types on titles too. Decoded text is kept (as
 * HTML), binary data is not. An empty type is the default, text.
 */
static void
test_atom_text_types(void **state)
{
	static const char feed[] =
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\">"
	    "<title type=\"application/octet-stream\">\n"
	    "  PHA+SGlzdG9yeSBvZiB0aGUgJmx0O2JsaW5rJmd0OyB0YWc8L3A+\n"
	    "</title>"
	    "<entry><title type=\" \">evil</title></entry>"
	    "<entry><title type=\"application/octet-stream\">"
	    "RXhhbXBsZSA8Yj5BdG9tPC9iPg==</title></entry>"
	    "<entry><title>t</title>"
	    "<content type=\"image/png\">iVBORw0KGgoAAAANSUhEUg==</content>"
	    "</entry>"
	    "</feed>";
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = parse_str(feed, &err);
	assert_non_null(doc);
	assert_string_equal(doc->title, "History of the <blink> tag");
	assert_int_equal(doc->nitems, 3);
	assert_string_equal(doc->items[0].title, "evil");
	assert_string_equal(doc->items[1].title, "Example Atom");
	assert_null(doc->items[2].content);
	assert_true(has_warning(doc, "binary data"));
	assert_doc_utf8(doc);
	feed_doc_free(doc);
}

/*
 * The whitespace between frame elements is not kept (characters_cb()),
 * but whitespace in content is: between inline XHTML elements, and in an
 * rdf:RDF or item that content carries.
 */
static void
test_frame_whitespace(void **state)
{
	static const char feed[] =
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  \n"
	    "  <entry>\n    <title>  spaced  </title>\n"
	    "    <content type=\"xhtml\"><div xmlns="
	    "\"http://www.w3.org/1999/xhtml\"><b>a</b> <i>b</i>\n"
	    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax"
	    "-ns#\"> <item xmlns=\"http://purl.org/rss/1.0/\"> x </item>"
	    " </rdf:RDF></div></content>\n  </entry>\n</feed>\n";
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = parse_str(feed, &err);
	assert_non_null(doc);
	assert_int_equal(doc->nitems, 1);
	assert_string_equal(doc->items[0].title, "spaced");
	assert_non_null(strstr(doc->items[0].content_html,
	    "<b>a</b> <i>b</i>"));
	assert_non_null(strstr(doc->items[0].content_html,
	    "<RDF> <item> x </item> </RDF>"));
	assert_non_null(strstr(doc->items[0].content, "a b"));
	feed_doc_free(doc);
}

/*
 * Atom's entry elements written into RSS without the Atom namespace
 * (podcast generators do) still give the id and dates; an <image> that
 * a feed nests in a <category> titles an item that has no title, and is
 * not part of the category's text.
 */
static void
test_rss_atom_style_elements(void **state)
{
	static const char feed[] =
	    "<rss version=\"2.0\"><channel><title>P</title>"
	    "<updated>2012-03-26T23:25:19Z</updated>"
	    "<item><title>Fiat Lux</title>"
	    "<link href=\"http://podlove.org/podcast/1\"/>"
	    "<id>urn:uuid:3241ace2</id>"
	    "<published>2012-03-25T10:00:00Z</published>"
	    "<updated>2012-03-26T23:25:19Z</updated>"
	    "<summary>First &lt;b&gt;episode&lt;/b&gt;</summary></item>"
	    "<item><guid isPermaLink=\"false\">g2</guid><id>ignored</id>"
	    "<category>Example category\n"
	    "  <image><url>http://img.example/a.jpg</url>"
	    "<title><![CDATA[Savage Love]]></title>"
	    "<link>http://img.example/</link></image>\n"
	    "</category></item>"
	    "</channel></rss>";
	struct herald_err err;
	struct feed_doc *doc;
	const struct feed_item *it;

	(void)state;
	doc = parse_str(feed, &err);
	assert_non_null(doc);
	assert_int_equal(doc->updated, utc("2012-03-26T23:25:19Z"));
	assert_int_equal(doc->nitems, 2);
	it = &doc->items[0];
	assert_string_equal(it->id, "urn:uuid:3241ace2");
	assert_string_equal(it->link, "http://podlove.org/podcast/1");
	assert_int_equal(it->published, utc("2012-03-25T10:00:00Z"));
	assert_int_equal(it->updated, utc("2012-03-26T23:25:19Z"));
	assert_string_equal(it->summary, "First episode");
	it = &doc->items[1];
	/* RSS's own guid outranks an unbound <id>. */
	assert_string_equal(it->id, "g2");
	assert_string_equal(it->title, "Savage Love");
	assert_int_equal(it->ncategories, 1);
	assert_string_equal(it->categories[0], "Example category");
	feed_doc_free(doc);

	/* An item's own title wins over its image's. */
	doc = parse_str("<rss version=\"2.0\"><channel><item>"
	    "<image><title>Logo</title></image><title>Own</title>"
	    "</item></channel></rss>", &err);
	assert_non_null(doc);
	assert_string_equal(doc->items[0].title, "Own");
	feed_doc_free(doc);
}

/*
 * A base with another scheme than http(s) would make every relative
 * link a javascript: URL: it is ignored, whether it comes from xml:base
 * or from the caller.
 */
static void
test_unsafe_base(void **state)
{
	static const char feed[] =
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\" "
	    "xml:base=\"http://ok.example/dir/\">"
	    "<link rel=\"alternate\" href=\"/abs\"/>"
	    "<entry xml:base=\"javascript:alert('x')/\">"
	    "<link href=\"page.html\"/></entry>"
	    "<entry xml:base=\"JavaScript:alert(1)\">"
	    "<link xml:base=\"d a t a:x\" href=\"two.html\"/></entry>"
	    "</feed>";
	static const char bare[] =
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\">"
	    "<link rel=\"alternate\" href=\"/abs\"/></feed>";
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = feed_parse(feed, strlen(feed), NULL, "https://doc.example/f",
	    &err);
	assert_non_null(doc);
	assert_string_equal(doc->link, "http://ok.example/abs");
	assert_string_equal(doc->items[0].link,
	    "http://ok.example/dir/page.html");
	assert_string_equal(doc->items[1].link,
	    "http://ok.example/dir/two.html");
	feed_doc_free(doc);

	doc = feed_parse(bare, strlen(bare), NULL, "javascript:alert('x');",
	    &err);
	assert_non_null(doc);
	assert_string_equal(doc->link, "/abs");
	assert_true(has_warning(doc, "not http(s)"));
	feed_doc_free(doc);
}

/* Microsoft CDF, as feedparser reads it. */
static void
test_cdf(void **state)
{
	static const char feed[] =
	    "<CHANNEL BASE=\"http://base.example.org/\" "
	    "HREF=\"http://www.example.org/\" "
	    "LASTMOD=\"2004-04-06T23:05:43-05:00\" PRECACHE=\"No\">\n"
	    "  <TITLE>channel title</TITLE>\n"
	    "  <ABSTRACT>channel abstract</ABSTRACT>\n"
	    "  <ITEM HREF=\"/item/1\" LASTMOD=\"2004-04-06T23:05:43-05:00\">\n"
	    "    <TITLE>item title</TITLE>\n"
	    "    <ABSTRACT>item &lt;b&gt;abstract&lt;/b&gt;</ABSTRACT>\n"
	    "  </ITEM>\n"
	    "  <CHANNEL HREF=\"http://sub.example/\">"
	    "<ITEM HREF=\"two\"><TITLE>nested</TITLE></ITEM></CHANNEL>\n"
	    "</CHANNEL>";
	struct herald_err err;
	struct feed_doc *doc;
	const struct feed_item *it;

	(void)state;
	doc = parse_str(feed, &err);
	if (!doc)
		fail_msg("%s", err.msg);
	assert_string_equal(doc->format, "cdf");
	assert_string_equal(doc->title, "channel title");
	assert_string_equal(doc->link, "http://www.example.org/");
	assert_int_equal(doc->updated, utc("2004-04-07T04:05:43Z"));
	assert_int_equal(doc->nitems, 2);
	it = &doc->items[0];
	assert_string_equal(it->title, "item title");
	assert_string_equal(it->link, "http://base.example.org/item/1");
	assert_int_equal(it->updated, utc("2004-04-07T04:05:43Z"));
	assert_string_equal(it->summary, "item abstract");
	assert_null(it->id);
	it = &doc->items[1];
	assert_string_equal(it->title, "nested");
	assert_string_equal(it->link, "http://base.example.org/two");
	assert_false(doc->bozo);
	feed_doc_free(doc);
}

/*
 * feed_item.content_html beside the plain content: text escaped as
 * HTML, XHTML serialised with its attributes, base64 decoded, controls
 * dropped; titles and summaries never get one.
 */
static void
test_content_html(void **state)
{
	static const char feed[] =
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\">"
	    "<entry><title>text</title>"
	    "<content>1 &lt; 2 &amp; &quot;q&quot;\n  next line&#x9;tab"
	    "</content></entry>"
	    "<entry><title>xhtml</title><content type=\"xhtml\">\n"
	    "<xhtml:div xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">"
	    "<xhtml:p class=\"a&amp;b\" title='say \"hi\"'>One<xhtml:br/>"
	    "<xhtml:img src=\"i.png\" alt=\"\"/></xhtml:p></xhtml:div>\n"
	    "</content></entry>"
	    "<entry><title>only an image</title><content type=\"html\">"
	    "&lt;img src=&quot;x.png&quot;&gt;</content></entry>"
	    "<entry><title>b64</title><content type=\"text/html\" "
	    "mode=\"base64\">PHA+SGk8L3A+</content></entry>"
	    "<entry><title>no content</title><summary type=\"html\">"
	    "&lt;p&gt;s&lt;/p&gt;</summary></entry>"
	    "</feed>";
	static const char rss[] =
	    "<rss version=\"2.0\" xmlns:content="
	    "\"http://purl.org/rss/1.0/modules/content/\"><channel><item>"
	    "<content:encoded>&lt;p&gt;A\xc2\x85""B\xef\xbb\xbf"
	    "&lt;/p&gt;</content:encoded></item></channel></rss>";
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = parse_str(feed, &err);
	assert_non_null(doc);
	assert_int_equal(doc->nitems, 5);
	assert_string_equal(doc->items[0].content,
	    "1 < 2 & \"q\" next line tab");
	assert_string_equal(doc->items[0].content_html,
	    "1 &lt; 2 &amp; \"q\"\n  next line\ttab");
	assert_string_equal(doc->items[1].content, "One");
	assert_string_equal(doc->items[1].content_html,
	    "<p class=\"a&amp;b\" title=\"say &quot;hi&quot;\">One<br>"
	    "<img src=\"i.png\" alt=\"\"></p>");
	/* No text, but a reader can still show the image. */
	assert_null(doc->items[2].content);
	assert_string_equal(doc->items[2].content_html, "<img src=\"x.png\">");
	assert_string_equal(doc->items[3].content, "Hi");
	assert_string_equal(doc->items[3].content_html, "<p>Hi</p>");
	assert_string_equal(doc->items[4].summary, "s");
	assert_null(doc->items[4].content_html);
	assert_doc_utf8(doc);
	feed_doc_free(doc);

	/* C1 controls and a stray BOM are dropped from the HTML too. */
	doc = parse_str(rss, &err);
	assert_non_null(doc);
	assert_string_equal(doc->items[0].content_html, "<p>AB</p>");
	feed_doc_free(doc);
}

/*
 * Absolute links are copied as they are unless url_resolve() has work
 * to do on them: white space to drop, dot segments to remove.
 */
static void
test_links_resolved(void **state)
{
	static const char feed[] =
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\">"
	    "<entry><link href=\" https://x.example/a/./b/../c\td \"/></entry>"
	    "<entry><link href=\"https://x.example/p/q.html?x=/./#/..\"/>"
	    "</entry>"
	    "<entry><link href=\"http://x.example/.well-known/a\"/></entry>"
	    "<entry><link href=\"HTTP://x.example/up/../x\"/></entry>"
	    "<entry><link href=\"rel/./x\"/></entry>"
	    "</feed>";
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = feed_parse(feed, strlen(feed), NULL, "http://base.example/d/",
	    &err);
	assert_non_null(doc);
	assert_int_equal(doc->nitems, 5);
	assert_string_equal(doc->items[0].link, "https://x.example/a/c d");
	assert_string_equal(doc->items[1].link,
	    "https://x.example/p/q.html?x=/./#/..");
	assert_string_equal(doc->items[2].link,
	    "http://x.example/.well-known/a");
	assert_string_equal(doc->items[3].link, "HTTP://x.example/x");
	assert_string_equal(doc->items[4].link, "http://base.example/d/rel/x");
	feed_doc_free(doc);
}

static void
test_iso_8859_1(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = parse_fixture("iso-8859-1.xml", NULL, NULL, &err);
	assert_non_null(doc);
	assert_string_equal(doc->encoding, "ISO-8859-1");
	assert_string_equal(doc->title, "Caf\xc3\xa9 Latin");
	assert_string_equal(doc->items[0].title,
	    "Cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e \xc3\xa0 la carte");
	assert_false(doc->bozo);
	feed_doc_free(doc);
}

static void
test_windows_1252_http(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = parse_fixture("windows-1252-http.xml",
	    "application/rss+xml; charset=\"windows-1252\"", NULL, &err);
	assert_non_null(doc);
	assert_string_equal(doc->encoding, "windows-1252");
	/* U+201C, U+201D and U+20AC from 0x93, 0x94 and 0x80. */
	assert_string_equal(doc->items[0].title,
	    "\xe2\x80\x9cQuoted\xe2\x80\x9d price \xe2\x82\xac 5");
	assert_false(doc->bozo);
	feed_doc_free(doc);
}

/* Bytes windows-1252 leaves undefined; glibc's iconv refuses them. */
static void
test_windows_1252_undefined(void **state)
{
	static const char s[] =
	    "<?xml version=\"1.0\" encoding=\"windows-1252\"?>"
	    "<rss version=\"2.0\"><channel><title>a\x81" "b \x93q\x94</title>"
	    "</channel></rss>";
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = feed_parse(s, strlen(s), NULL, NULL, &err);
	if (!doc)
		fail_msg("%s", err.msg);
	assert_string_equal(doc->encoding, "windows-1252");
	/* U+0081 is a C1 control: the text layer drops it. */
	assert_string_equal(doc->title, "ab \xe2\x80\x9cq\xe2\x80\x9d");
	feed_doc_free(doc);
}

/* feeds/ never logs: libxml2's context-free errors stay off stderr. */
static void
test_libxml2_silent(void **state)
{
	static const char s[] =
	    "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>"
	    "<rss version=\"2.0\"><channel><title>a\x81 b</title>"
	    "</channel></rss>";
	struct herald_err err;
	struct feed_doc *doc;
	FILE *tmp;
	int saved;

	(void)state;
	tmp = tmpfile();
	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	/* iconv reads it, the bad byte becomes U+FFFD, with a warning. */
	doc = parse_str(s, &err);
	assert_non_null(doc);
	assert_true(doc->bozo);
	assert_doc_utf8(doc);
	feed_doc_free(doc);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	assert_int_equal(lseek(fileno(tmp), 0, SEEK_END), 0);
	fclose(tmp);
}

static void
test_utf8_invalid(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = parse_fixture("utf8-invalid.xml", NULL, NULL, &err);
	assert_non_null(doc);
	assert_string_equal(doc->items[0].title,
	    "Caf\xef\xbf\xbd au lait");
	assert_true(doc->bozo);
	assert_true(has_warning(doc, "U+FFFD"));
	assert_doc_utf8(doc);
	feed_doc_free(doc);
}

/* HTTP says UTF-8, the document says (and is) ISO-8859-1. */
static void
test_charset_http_wrong_decl_right(void **state)
{
	static const char doc_latin1[] =
	    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
	    "<rss version=\"2.0\"><channel><title>Caf\xe9</title>"
	    "</channel></rss>";
	static const char doc_utf8[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<rss version=\"2.0\"><channel><title>Caf\xc3\xa9</title>"
	    "</channel></rss>";
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = feed_parse(doc_latin1, strlen(doc_latin1),
	    "text/xml; charset=utf-8", NULL, &err);
	assert_non_null(doc);
	assert_string_equal(doc->title, "Caf\xc3\xa9");
	assert_true(has_warning(doc, "not UTF-8"));
	feed_doc_free(doc);
	/* A server default of ISO-8859-1 against declared, valid UTF-8. */
	doc = feed_parse(doc_utf8, strlen(doc_utf8),
	    "text/xml; charset=ISO-8859-1", NULL, &err);
	assert_non_null(doc);
	assert_string_equal(doc->title, "Caf\xc3\xa9");
	assert_string_equal(doc->encoding, "UTF-8");
	feed_doc_free(doc);
}

static void
test_utf16_bom(void **state)
{
	static const char ascii[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-16\"?>"
	    "<rss version=\"2.0\"><channel><title>Wide \x01</title>"
	    "</channel></rss>";
	struct herald_err err;
	struct feed_doc *doc;
	char *wide;
	size_t i, n = strlen(ascii);

	(void)state;
	/* UTF-16LE with BOM; \x01 stands for U+00E9. */
	wide = xmalloc(2 + 2 * n);
	wide[0] = (char)0xff;
	wide[1] = (char)0xfe;
	for (i = 0; i < n; i++) {
		wide[2 + 2 * i] = ascii[i] == '\x01' ? (char)0xe9 : ascii[i];
		wide[3 + 2 * i] = 0;
	}
	doc = feed_parse(wide, 2 + 2 * n, "text/xml; charset=utf-8", NULL,
	    &err);
	free(wide);
	if (!doc)
		fail_msg("%s", err.msg);
	assert_string_equal(doc->encoding, "UTF-16LE");
	assert_string_equal(doc->title, "Wide \xc3\xa9");
	feed_doc_free(doc);
}

/* Creates the canary and watches it: any open() shows up as an event. */
static int
canary_watch(void)
{
	FILE *fp;
	int fd;

	fp = fopen(CANARY, "w");
	assert_non_null(fp);
	fputs(CANARY_TEXT "\n", fp);
	assert_int_equal(fclose(fp), 0);
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(inotify_add_watch(fd, CANARY, IN_OPEN | IN_ACCESS) >= 0);
	return fd;
}

static void
canary_assert_untouched(int fd)
{
	char ev[4096];
	ssize_t n;

	n = read(fd, ev, sizeof(ev));
	assert_int_equal(n, -1);
	assert_int_equal(errno, EAGAIN);
	close(fd);
}

static void
test_billion_laughs(void **state)
{
	struct herald_err err;

	(void)state;
	assert_rejected(parse_fixture("billion-laughs.xml", NULL, NULL, &err),
	    &err, "entity declarations not supported");
}

static void
test_xxe(void **state)
{
	struct herald_err err;
	int fd;

	(void)state;
	fd = canary_watch();
	assert_rejected(parse_fixture("xxe.xml", NULL, NULL, &err), &err,
	    "entity declarations not supported");
	assert_rejected(parse_fixture("xxe-parameter.xml", NULL, NULL, &err),
	    &err, "entity declarations not supported");
	canary_assert_untouched(fd);
}

static void
test_xxe_external_dtd(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;
	int fd;

	(void)state;
	fd = canary_watch();
	doc = parse_fixture("xxe-dtd.xml", NULL, NULL, &err);
	canary_assert_untouched(fd);
	assert_non_null(doc);
	assert_string_equal(doc->title, "External DTD");
	assert_int_equal(doc->nitems, 1);
	assert_null(strstr(doc->items[0].title, CANARY_TEXT));
	feed_doc_free(doc);
}

static void
test_not_feeds(void **state)
{
	struct herald_err err;

	(void)state;
	assert_rejected(parse_fixture("html-page.html", NULL, NULL, &err),
	    &err, "not a feed: got an HTML page");
	/* Well-formed XHTML reaches the root-element check. */
	assert_rejected(parse_str("<html xmlns=\"http://www.w3.org/1999/"
	    "xhtml\"><body/></html>", &err), &err,
	    "not a feed: got an HTML page");
	assert_rejected(parse_str("<?xml version=\"1.0\"?><opml><body/>"
	    "</opml>", &err), &err, "not a feed: root element <opml>");
	/* Binary (NUL bytes): no lenient pass. */
	assert_rejected(parse_fixture("garbage.xml", NULL, NULL, &err), &err,
	    "not XML: 1:");
	assert_rejected(parse_str("\x01\x02 no markup at all", &err), &err,
	    "not a feed: no root element");
	/* JSON goes to feeds/jsonfeed.c, which wants a JSON Feed version. */
	assert_rejected(parse_str("{\"version\": \"https://jsonfeed.org\"}",
	    &err), &err, "not a feed: JSON without a JSON Feed version");
	assert_null(feed_parse("", 0, NULL, NULL, &err));
	assert_null(feed_parse("<rss>\0</rss>", 12, NULL, NULL, &err));
}

static char *
many_attrs(size_t n)
{
	struct buf b;
	size_t i;

	buf_init(&b, 64 * 1024 * 1024);
	buf_puts(&b, "<rss version=\"2.0\"><channel><item");
	for (i = 0; i < n; i++)
		buf_printf(&b, " a%zu=\"%zu\"", i, i);
	buf_puts(&b, "><title>x</title></item></channel></rss>");
	return buf_detach(&b);
}

static void
test_many_attributes(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;
	char *s;

	(void)state;
	assert_rejected(parse_fixture("attrs-300.xml", NULL, NULL, &err),
	    &err, "more than 256 attributes");
	/*
	 * 40 000 attributes cost libxml2 2.9.14 17 s (RELIABILITY X9); the
	 * pre-scan refuses them before libxml2 starts.
	 */
	s = many_attrs(40000);
	assert_rejected(parse_str(s, &err), &err, "more than 256 attributes");
	free(s);
	s = many_attrs(256);
	doc = parse_str(s, &err);
	free(s);
	assert_non_null(doc);
	feed_doc_free(doc);
	/* Quoted '>' and '=' do not confuse the scan; comments are skipped. */
	doc = parse_str("<rss version=\"2.0\"><!-- <a b=1 c=2> --><channel>"
	    "<title a=\"x>y=z\">T</title></channel></rss>", &err);
	assert_non_null(doc);
	assert_string_equal(doc->title, "T");
	feed_doc_free(doc);
}

static void
test_depth(void **state)
{
	struct herald_err err;
	struct buf b;
	char *s;
	int i;

	(void)state;
	buf_init(&b, 1024 * 1024);
	buf_puts(&b, "<rss version=\"2.0\"><channel><title>");
	for (i = 0; i < 300; i++)
		buf_puts(&b, "<b>");
	for (i = 0; i < 300; i++)
		buf_puts(&b, "</b>");
	buf_puts(&b, "</title></channel></rss>");
	s = buf_detach(&b);
	assert_rejected(parse_str(s, &err), &err, "nesting too deep");
	free(s);
}

static void
test_noguid_link_identity(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;
	size_t i;

	(void)state;
	doc = parse_fixture("rss20-noguid.xml", NULL, NULL, &err);
	assert_non_null(doc);
	feed_doc_identify(doc, NULL);
	assert_string_equal(doc->id_policy, "link");
	for (i = 0; i < doc->nitems; i++) {
		const struct feed_item *it = &doc->items[i];

		assert_null(it->id);
		assert_non_null(it->canon);
		assert_int_equal(strncmp(it->key, "l:", 2), 0);
		assert_string_equal(it->key + 2, it->canon);
		assert_int_equal(strlen(it->hash), 64);
	}
	/* Canonical: host lower-cased, default port and utm_* dropped. */
	assert_null(strstr(doc->items[0].key, "utm_"));
	assert_null(strstr(doc->items[0].key, "NoGuid"));
	assert_false(doc->bozo);
	feed_doc_free(doc);
}

static void
test_dupguid_fallback(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = parse_fixture("rss20-dupguid.xml", NULL, NULL, &err);
	assert_non_null(doc);
	feed_doc_identify(doc, NULL);
	assert_string_equal(doc->id_policy, "link");
	assert_string_equal(doc->items[0].id, "same");
	assert_string_equal(doc->items[0].key, "l:http://dup.example/a");
	assert_string_equal(doc->items[1].key, "l:http://dup.example/b");
	assert_true(has_warning(doc, "not unique"));
	feed_doc_free(doc);
}

static void
test_title_amp_quot(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	doc = parse_fixture("title-amp-quot.xml", NULL, NULL, &err);
	assert_non_null(doc);
	assert_string_equal(doc->items[0].title, "He said \"hello\" & left");
	feed_doc_free(doc);
}

static struct feed_item *
add(struct feed_doc *doc, const char *id, const char *link,
    const char *title, int64_t published)
{
	struct feed_item *it = feed_doc_add_item(doc);

	it->id = id ? xstrdup(id) : NULL;
	it->link = link ? xstrdup(link) : NULL;
	it->title = title ? xstrdup(title) : NULL;
	it->published = published;
	return it;
}

static void
test_identify_policies(void **state)
{
	struct feed_doc *doc;
	char h0[65];

	(void)state;
	/* guid when all present and unique. */
	doc = feed_doc_new();
	add(doc, "a", "http://x.example/1", "One", 1);
	add(doc, "b", "http://x.example/2", "Two", 2);
	feed_doc_identify(doc, NULL);
	assert_string_equal(doc->id_policy, "guid");
	assert_string_equal(doc->items[0].key, "g:a");
	/* The store saw guids change on every fetch: force the link. */
	feed_doc_identify(doc, "link");
	assert_string_equal(doc->id_policy, "link");
	assert_string_equal(doc->items[1].key, "l:http://x.example/2");
	feed_doc_identify(doc, "hash");
	assert_string_equal(doc->id_policy, "hash");
	assert_int_equal(strncmp(doc->items[0].key, "h:", 2), 0);
	assert_int_equal(strlen(doc->items[0].key), 2 + 64);
	feed_doc_free(doc);

	/* One item without guid, and a repeated link: the hash. */
	doc = feed_doc_new();
	add(doc, "a", "http://x.example/1", "One", 1);
	add(doc, NULL, "http://x.example/1", "Two", 2);
	add(doc, "", NULL, "Three", DATE_NONE);
	feed_doc_identify(doc, NULL);
	assert_string_equal(doc->id_policy, "hash");
	assert_string_not_equal(doc->items[0].key, doc->items[1].key);
	assert_null(doc->items[2].canon);
	assert_false(doc->bozo);	/* missing guids are normal in RSS */
	feed_doc_free(doc);

	/* The key ignores content; the change hash does not. */
	doc = feed_doc_new();
	add(doc, NULL, NULL, "Same", 5);
	add(doc, NULL, NULL, "Same", 5);
	doc->items[1].content = xstrdup("edited body");
	feed_doc_identify(doc, NULL);
	assert_string_equal(doc->items[0].key, doc->items[1].key);
	assert_string_not_equal(doc->items[0].hash, doc->items[1].hash);
	memcpy(h0, doc->items[0].hash, sizeof(h0));
	free(doc->items[0].title);
	doc->items[0].title = xstrdup("Changed");
	feed_doc_identify(doc, NULL);
	assert_string_not_equal(doc->items[0].hash, h0);
	feed_doc_free(doc);

	/* An empty document has a policy too. */
	doc = feed_doc_new();
	feed_doc_identify(doc, NULL);
	assert_non_null(doc->id_policy);
	assert_int_equal(doc->ttl, -1);
	assert_int_equal(doc->updated, DATE_NONE);
	feed_doc_free(doc);
	feed_doc_free(NULL);
}

/*
 * The hashes themselves (design §2), pinned to digests computed apart
 * from herald: one hash context serves the whole document, so an item's
 * digest must not depend on the items hashed before it.
 */
static void
test_identify_hashes(void **state)
{
	/* SHA-256 of "One" 1F "S1" 1F "C1", "One" 1F "1" 1F "S1", 1F 1F. */
	static const char one[] =
	    "8bf710e8bd1ee41e90c7b1f91fb1feb556d1b6110a61b96d224bb05d59897f0a";
	static const char one_key[] = "h:"
	    "3f86e24c2924c506809f6e210436d788773f6413c9694ad7d2de2c37a31b2a51";
	static const char empty[] =
	    "b8c9e440ead3ddaccf7cc7e879d512a263272270df2d5504c0c3d1f85d16f9d9";
	struct feed_doc *doc;
	struct feed_item *it;
	size_t i;

	(void)state;
	doc = feed_doc_new();
	for (i = 0; i < 3; i++) {
		if (i == 1) {
			add(doc, NULL, NULL, NULL, DATE_NONE);
			continue;
		}
		it = add(doc, NULL, "HTTP://X.example:80/a?utm_source=z&b=1",
		    "One", 1);
		it->summary = xstrdup("S1");
		it->content = xstrdup("C1");
	}
	feed_doc_identify(doc, NULL);
	assert_string_equal(doc->id_policy, "hash");
	for (i = 0; i < 3; i += 2) {
		assert_string_equal(doc->items[i].hash, one);
		assert_string_equal(doc->items[i].key, one_key);
		assert_string_equal(doc->items[i].canon,
		    "http://x.example/a?b=1");
	}
	assert_string_equal(doc->items[1].hash, empty);
	assert_string_equal(doc->items[1].key + 2, empty);
	assert_null(doc->items[1].canon);
	feed_doc_free(doc);
}

static void
test_warnings_capped(void **state)
{
	struct feed_doc *doc;
	int i;

	(void)state;
	doc = feed_doc_new();
	for (i = 0; i < 1000; i++)
		feed_doc_warn(doc, "warning %d: %s", i, "x");
	assert_true(doc->bozo);
	assert_true(doc->nwarnings <= 100);
	assert_string_equal(doc->warnings[0], "warning 0: x");
	/* Invalid UTF-8 quoted from a feed is repaired. */
	feed_doc_free(doc);
	doc = feed_doc_new();
	feed_doc_warn(doc, "bad \"%s\"", "\xff");
	assert_valid_utf8(doc->warnings[0]);
	feed_doc_free(doc);
}

static void
test_field_cap(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;
	struct buf b;
	char *s;
	int i;

	(void)state;
	/* 2 MiB of two-byte characters: the cut must not split one. */
	buf_init(&b, 8 * 1024 * 1024);
	buf_puts(&b, "<rss version=\"2.0\"><channel><item><title>t</title>"
	    "<description>x");
	for (i = 0; i < 1024 * 1024; i++)
		buf_puts(&b, "\xc3\xa9");
	buf_puts(&b, "</description><category>");
	for (i = 0; i < 1024 * 1024; i++)
		buf_puts(&b, "\xc3\xa9");
	buf_puts(&b, "</category></item></channel></rss>");
	s = buf_detach(&b);
	doc = parse_str(s, &err);
	free(s);
	assert_non_null(doc);
	assert_true(strlen(doc->items[0].summary) <= 1024 * 1024);
	assert_true(strlen(doc->items[0].summary) > 1000 * 1000);
	assert_true(strlen(doc->items[0].categories[0]) <= 1024 * 1024);
	assert_true(has_warning(doc, "truncated"));
	assert_doc_utf8(doc);
	feed_doc_free(doc);
}

static void
test_item_cap(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;
	struct buf b;
	char *s;
	int i;

	(void)state;
	buf_init(&b, 8 * 1024 * 1024);
	buf_puts(&b, "<rss version=\"2.0\"><channel>");
	for (i = 0; i < 10001; i++)
		buf_printf(&b, "<item><guid>%d</guid></item>", i);
	buf_puts(&b, "</channel></rss>");
	s = buf_detach(&b);
	doc = parse_str(s, &err);
	free(s);
	assert_non_null(doc);
	assert_int_equal(doc->nitems, 10000);
	assert_string_equal(doc->items[9999].id, "9999");
	assert_true(has_warning(doc, "more than 10000 items"));
	feed_doc_free(doc);
}

static size_t
count_in(const char *s, size_t n, const char *needle)
{
	size_t i, c = 0, k = strlen(needle);

	for (i = 0; i + k <= n; i++)
		if (!memcmp(s + i, needle, k))
			c++;
	return c;
}

/* RELIABILITY X10: the lenient second pass and what it keeps. */
static void
test_recover(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	/* HTML entities undefined in XML, a stray &, &#X41;, trailing junk. */
	doc = parse_str("<rss version=\"2.0\"><channel><title>Caf&eacute; "
	    "&nbsp;A & B &#X41;</title><item><title>one</title></item>"
	    "<item><title>tw", &err);
	assert_non_null(doc);
	assert_true(doc->bozo);
	assert_string_equal(doc->title, "Caf\xc3\xa9 A & B A");
	assert_int_equal(doc->nitems, 1);
	assert_string_equal(doc->items[0].title, "one");
	assert_true(has_warning(doc, "recovering"));
	assert_true(has_warning(doc, "undefined entity \"&eacute;\""));
	assert_true(has_warning(doc, "without its end tag dropped"));
	assert_doc_utf8(doc);
	feed_doc_free(doc);
	doc = parse_str("<rss version=\"2.0\"><channel><title>G</title>"
	    "</channel></rss><junk/>junk", &err);
	assert_non_null(doc);
	assert_true(doc->bozo);
	assert_string_equal(doc->title, "G");
	assert_true(has_warning(doc, "1:"));
	feed_doc_free(doc);
	/* Entity declarations are refused in both passes. */
	assert_rejected(parse_str("<!DOCTYPE rss [<!ENTITY a \"b\">]><rss>"
	    "<channel><title>&a;</title></channel></rss", &err), &err,
	    "entity declarations not supported");
}

/*
 * A body cut anywhere: refused or recovered, never a crash, bad UTF-8 or
 * a half item (RELIABILITY X10).
 */
static void
test_truncated_everywhere(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;
	size_t len, n, ok = 0, complete;
	char *data;

	(void)state;
	data = fixture("atom10-xmlbase.xml", &len);
	complete = (size_t)(strstr(data, "</feed>") - data) + 7;
	for (n = 1; n < len; n++) {
		doc = feed_parse(data, n, NULL, NULL, &err);
		if (doc) {
			assert_doc_utf8(doc);
			/* Recovered: never an item whose end tag was cut. */
			assert_true(doc->nitems <= count_in(data, n,
			    "</entry"));
			assert_true(n >= complete || doc->bozo);
			ok++;
		}
		feed_doc_free(doc);
	}
	free(data);
	assert_true(ok >= len - complete);
}

static void
test_lenient_namespaces(void **state)
{
	struct herald_err err;
	struct feed_doc *doc;

	(void)state;
	/* dc: never declared; <pubdate> in the wrong case; ttl junk. */
	doc = parse_str("<rss version=\"2.0\"><channel><title>N</title>"
	    "<ttl>soon</ttl><item><title>I</title>"
	    "<dc:creator>Undeclared Prefix</dc:creator>"
	    "<pubdate>Sat, 02 Mar 2024 06:00:00 GMT</pubdate>"
	    "</item></channel></rss>", &err);
	assert_non_null(doc);
	assert_string_equal(doc->items[0].author, "Undeclared Prefix");
	assert_int_equal(doc->items[0].published,
	    utc("2024-03-02T06:00:00Z"));
	assert_int_equal(doc->ttl, -1);
	assert_true(has_warning(doc, "namespace"));
	feed_doc_free(doc);
	/* RSS 2.0 in the Userland namespace; Atom without namespace. */
	doc = parse_str("<rss xmlns=\"http://backend.userland.com/rss2\" "
	    "version=\"2.0\"><channel><title>U</title><item><title>I</title>"
	    "</item></channel></rss>", &err);
	assert_non_null(doc);
	assert_string_equal(doc->items[0].title, "I");
	feed_doc_free(doc);
	doc = parse_str("<feed><title>F</title><entry><title>E</title>"
	    "</entry></feed>", &err);
	assert_non_null(doc);
	assert_string_equal(doc->format, "atom1.0");
	assert_string_equal(doc->items[0].title, "E");
	assert_true(doc->bozo);
	feed_doc_free(doc);
}

struct thread_arg {
	char		*data;
	size_t		 len;
	int		 failures;
};

static void *
parse_thread(void *p)
{
	struct thread_arg *a = p;
	struct herald_err err;
	struct feed_doc *doc;
	int i;

	for (i = 0; i < 25; i++) {
		doc = feed_parse(a->data, a->len, NULL, NULL, &err);
		if (!doc || doc->nitems != 2 ||
		    strcmp(doc->items[1].link,
		    "https://other.example/x/two.html") != 0)
			a->failures++;
		feed_doc_free(doc);
	}
	return NULL;
}

/* The daemon parses on libuv's worker threads. */
static void
test_threads(void **state)
{
	struct thread_arg args[4];
	pthread_t th[4];
	size_t len;
	char *data;
	int i;

	(void)state;
	data = fixture("atom10-xmlbase.xml", &len);
	for (i = 0; i < 4; i++) {
		args[i].data = data;
		args[i].len = len;
		args[i].failures = 0;
		assert_int_equal(pthread_create(&th[i], NULL, parse_thread,
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
	unlink(CANARY);
	feed_parse_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rss20),
		cmocka_unit_test(test_rss091_netscape_doctype),
		cmocka_unit_test(test_rss10),
		cmocka_unit_test(test_atom10_xml_base),
		cmocka_unit_test(test_atom03),
		cmocka_unit_test(test_atom_text_types),
		cmocka_unit_test(test_frame_whitespace),
		cmocka_unit_test(test_rss_atom_style_elements),
		cmocka_unit_test(test_unsafe_base),
		cmocka_unit_test(test_cdf),
		cmocka_unit_test(test_content_html),
		cmocka_unit_test(test_links_resolved),
		cmocka_unit_test(test_iso_8859_1),
		cmocka_unit_test(test_windows_1252_http),
		cmocka_unit_test(test_windows_1252_undefined),
		cmocka_unit_test(test_libxml2_silent),
		cmocka_unit_test(test_utf8_invalid),
		cmocka_unit_test(test_charset_http_wrong_decl_right),
		cmocka_unit_test(test_utf16_bom),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_xxe),
		cmocka_unit_test(test_xxe_external_dtd),
		cmocka_unit_test(test_not_feeds),
		cmocka_unit_test(test_many_attributes),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_noguid_link_identity),
		cmocka_unit_test(test_dupguid_fallback),
		cmocka_unit_test(test_title_amp_quot),
		cmocka_unit_test(test_identify_policies),
		cmocka_unit_test(test_identify_hashes),
		cmocka_unit_test(test_warnings_capped),
		cmocka_unit_test(test_field_cap),
		cmocka_unit_test(test_item_cap),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_recover),
		cmocka_unit_test(test_lenient_namespaces),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
