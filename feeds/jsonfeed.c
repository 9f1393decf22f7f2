/*
 * jsonfeed.c: JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1)
 * to struct feed_doc, with jansson.
 *
 * The mapping follows feedparser's (feedparser/parsers/json.py), with
 * herald's rules on top: text fields are plain text without control
 * characters, links are resolved, dates are UTC or absent, and a value
 * of the wrong JSON type is a warning, never a crash. A JSON null is
 * treated as an absent member, without a warning: generators write
 * "summary": null for "no summary".
 *
 * jansson keeps no mutable global state but its hash seed, which it
 * sets on the first object with the compiler's atomic builtins (its
 * "Thread safety" notes), so the daemon's worker threads may call this
 * concurrently, as they call feed_parse().
 */
#include "jsonfeed.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "buf.h"
#include "date.h"
#include "err.h"
#include "item.h"
#include "text.h"
#include "url.h"
#include "xmem.h"

/* The XML parser's caps (feeds/parse.c), so both formats store alike. */
#define JF_MAX_ITEMS		10000
#define JF_MAX_FIELD		(1024 * 1024)	/* bytes, any field */
#define JF_MAX_CATEGORIES	64
#define JF_MAX_ENCLOSURES	64
#define JF_SNIPPET		60	/* bytes of text quoted in a warning */
#define JF_WHERE_MAX		96	/* "items[9].attachments[6]", long */

/* "https://jsonfeed.org/version/1" and "/version/1.1"; http too. */
#define JF_VERSION_PATH		"jsonfeed.org/version/"

/* Per-call state; everything here is freed by feed_parse_json(). */
struct jf {
	struct feed_doc	*doc;
	const char	*base;		/* borrowed: base of relative links */
	char		*own_base;	/* the feed_url, or NULL */
	char		*author;	/* the feed's author, or NULL */
};

/* Where a value sits, for warnings: "items[3]" and "title". */
struct jf_at {
	const char	*where;		/* "" at feed level */
	const char	*key;
};

static int
jf_ws(int c)
{
	/* RFC 8259 §2: the four insignificant whitespace characters. */
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Offset of the first byte after a UTF-8 BOM and JSON whitespace. */
static size_t
jf_skip_lead(const char *data, size_t len)
{
	size_t i = 0;

	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len && jf_ws((unsigned char)data[i]))
		i++;
	return i;
}

/* 1 when the media type of ct is application/json or feed+json. */
static int
jf_ct_is_json(const char *ct)
{
	static const char *const types[] = {
		"application/feed+json", "application/json",
	};
	size_t i, n;

	if (!ct)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		n = strlen(types[i]);
		/* RFC 9110 §8.3.1: the type is case-insensitive. */
		if (strncasecmp(ct, types[i], n) != 0)
			continue;
		if (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' ||
		    ct[n] == '\t')
			return 1;
	}
	return 0;
}

int
feed_is_json(const char *data, size_t len, const char *content_type)
{
	size_t i;

	if (!data || len == 0)
		return 0;
	i = jf_skip_lead(data, len);
	if (i < len && data[i] == '{')
		return 1;
	if (i < len && data[i] == '<')
		return 0;
	return jf_ct_is_json(content_type);
}

static const char *
jf_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/* "items[3].title" or "title", in warnings. */
#define AT_FMT		"%s%s%s"
#define AT_ARGS(at)	(at)->where, *(at)->where ? "." : "", (at)->key

static void
jf_warn_type(struct jf *st, const struct jf_at *at, const char *want,
    const json_t *got)
{
	feed_doc_warn(st->doc, AT_FMT " is %s, not %s; ignored", AT_ARGS(at),
	    jf_type_name(got), want);
}

/*
 * obj's member at->key when it has type want (borrowed from obj); NULL
 * when absent or null, and NULL with a warning when of another type.
 */
static json_t *
jf_get(struct jf *st, const json_t *obj, const struct jf_at *at,
    json_type want)
{
	json_t *v = json_object_get(obj, at->key);

	if (!v || json_is_null(v))
		return NULL;
	if (json_typeof(v) == want)
		return v;
	jf_warn_type(st, at, want == JSON_STRING ? "a string" :
	    want == JSON_ARRAY ? "an array" : "an object", v);
	return NULL;
}

/*
 * The length of the longest prefix of s[0..n) of at most max bytes that
 * ends on a UTF-8 character boundary, so a cut string stays valid.
 */
static size_t
jf_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* Feed text quoted in a warning: at most JF_SNIPPET bytes of it. */
#define SNIP_FMT	"%.*s%s"
#define SNIP_ARGS(s)	(int)jf_cut((s), strlen(s), JF_SNIPPET), (s), \
			strlen(s) > JF_SNIPPET ? "..." : ""

/* s, or NULL (s freed) when it is empty: an empty field is absent. */
static char *
jf_nonempty(char *s)
{
	if (s && !*s) {
		free(s);
		return NULL;
	}
	return s;
}

/*
 * Returns s[0..n) as text_clean() leaves it (valid UTF-8, no control
 * characters but tab and newline: no C0, DEL or C1, U+009B being a CSI
 * on its own), cut at JF_MAX_FIELD on a character boundary with a
 * warning. jansson has already checked the UTF-8; "\u0000", let through
 * by JSON_ALLOW_NUL, becomes U+FFFD. NULL when nothing is left; else
 * the caller frees.
 */
static char *
jf_clean(struct jf *st, const struct jf_at *at, const char *s, size_t n)
{
	if (n > JF_MAX_FIELD) {
		n = jf_cut(s, n, JF_MAX_FIELD);
		feed_doc_warn(st->doc, AT_FMT " longer than %d KiB, "
		    "truncated", AT_ARGS(at), JF_MAX_FIELD / 1024);
	}
	return jf_nonempty(text_clean(s, n));
}

/* A string member, cleaned (jf_clean()); NULL when absent. Caller frees. */
static char *
jf_string(struct jf *st, const json_t *obj, const struct jf_at *at)
{
	json_t *v = jf_get(st, obj, at, JSON_STRING);

	if (!v)
		return NULL;
	return jf_clean(st, at, json_string_value(v), json_string_length(v));
}

/*
 * A JSON string as plain text (titles, names, tags): cleaned, whitespace
 * folded and trimmed as the XML path does. JSON Feed text is not HTML,
 * so entities and tags stay as written (feedparser does the same). NULL
 * when blank; else the caller frees.
 */
static char *
jf_text(struct jf *st, const struct jf_at *at, const json_t *v)
{
	char *s, *r;

	s = jf_clean(st, at, json_string_value(v), json_string_length(v));
	if (!s)
		return NULL;
	r = text_fold_ws(s, strlen(s));
	free(s);
	return jf_nonempty(r);
}

/* A plain-text member (jf_text()); NULL when absent. Caller frees. */
static char *
jf_plain(struct jf *st, const json_t *obj, const struct jf_at *at)
{
	json_t *v = jf_get(st, obj, at, JSON_STRING);

	return v ? jf_text(st, at, v) : NULL;
}

/* A URL member resolved against base; NULL when absent. Caller frees. */
static char *
jf_url(struct jf *st, const json_t *obj, const struct jf_at *at,
    const char *base)
{
	char *s, *r;

	if (!(s = jf_string(st, obj, at)))
		return NULL;
	r = url_resolve(base, s);
	free(s);
	return r;
}

/* An RFC 3339 date member (date_parse() also takes RFC 822 slips). */
static int64_t
jf_date(struct jf *st, const json_t *obj, const struct jf_at *at)
{
	int64_t t = DATE_NONE;
	char *s;

	if (!(s = jf_string(st, obj, at)))
		return DATE_NONE;
	if (date_parse(s, strlen(s), &t, NULL) != 0)
		feed_doc_warn(st->doc, AT_FMT " \"" SNIP_FMT "\" is not a "
		    "date; ignored", AT_ARGS(at), SNIP_ARGS(s));
	free(s);
	return t;
}

/*
 * A number as the shortest decimal that reads back the same ("1.1", not
 * "1.1000000000000001"). jansson formats and reads reals with "." in any
 * locale, which snprintf() and strtod() would not. Caller frees.
 */
static char *
jf_number(const json_t *v)
{
	json_t *back;
	char *s = NULL;
	int prec;

	for (prec = 1; prec <= 17; prec++) {
		free(s);
		s = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(prec));
		if (!s)
			break;
		back = json_loads(s, JSON_DECODE_ANY, NULL);
		if (json_equal(back, v)) {
			json_decref(back);
			return s;
		}
		json_decref(back);
	}
	/* Out of memory inside jansson: the number is no id then. */
	free(s);
	return NULL;
}

/*
 * The item's id, trimmed. JSON Feed 1.1 §items: an id "presented as a
 * number or other type" must be coerced to a string. Numbers are (feeds
 * generated from databases write them); a boolean or a structure is no
 * id at all, and the item falls back to its link or hash (design §2).
 */
static char *
jf_id(struct jf *st, const json_t *item, const char *where)
{
	struct jf_at at = { where, "id" };
	json_t *v = json_object_get(item, "id");
	size_t a, b;
	char *s, *r;

	if (v && json_is_number(v))
		return jf_number(v);
	if (!(s = jf_string(st, item, &at)))
		return NULL;
	for (a = 0; s[a] == ' ' || s[a] == '\t' || s[a] == '\n'; a++)
		;
	b = strlen(s);
	while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' ||
	    s[b - 1] == '\n'))
		b--;
	r = b > a ? xstrndup(s + a, b - a) : NULL;
	free(s);
	return r;
}

/* The name of the author object p; NULL without one. Caller frees. */
static char *
jf_person(struct jf *st, const json_t *p, const char *where)
{
	struct jf_at at = { where, "name" };

	if (!json_is_object(p)) {
		feed_doc_warn(st->doc, "%s is %s, not an object; ignored",
		    where, jf_type_name(p));
		return NULL;
	}
	return jf_plain(st, p, &at);
}

/*
 * The first author's name: JSON Feed 1.1's "authors" array first, then
 * 1.0's "author" object (1.1 deprecates it but it stays valid). The
 * first name wins, as the XML path keeps the first author. NULL without
 * one; else the caller frees.
 */
static char *
jf_author(struct jf *st, const json_t *obj, const char *where)
{
	struct jf_at at = { where, "authors" };
	char w[JF_WHERE_MAX], *name;
	json_t *a, *p;
	size_t i;

	a = jf_get(st, obj, &at, JSON_ARRAY);
	json_array_foreach(a, i, p) {
		snprintf(w, sizeof(w), AT_FMT "[%zu]", AT_ARGS(&at), i);
		if ((name = jf_person(st, p, w)) != NULL)
			return name;
	}
	p = json_object_get(obj, "author");
	if (!p || json_is_null(p))
		return NULL;
	at.key = "author";
	snprintf(w, sizeof(w), AT_FMT, AT_ARGS(&at));
	return jf_person(st, p, w);
}

static int
jf_has_category(const struct feed_item *it, const char *s)
{
	size_t i;

	for (i = 0; i < it->ncategories; i++)
		if (!strcmp(it->categories[i], s))
			return 1;
	return 0;
}

/* "tags" to categories: plain, unique, at most JF_MAX_CATEGORIES. */
static void
jf_tags(struct jf *st, const json_t *item, const char *where,
    struct feed_item *it)
{
	struct jf_at at = { where, "tags" };
	json_t *a, *v;
	char w[32], *s;
	size_t i;

	a = jf_get(st, item, &at, JSON_ARRAY);
	json_array_foreach(a, i, v) {
		snprintf(w, sizeof(w), "tags[%zu]", i);
		at.key = w;
		if (!json_is_string(v)) {
			jf_warn_type(st, &at, "a string", v);
			continue;
		}
		if (!(s = jf_text(st, &at, v)) || jf_has_category(it, s)) {
			free(s);
			continue;
		}
		if (it->ncategories >= JF_MAX_CATEGORIES) {
			feed_doc_warn(st->doc, "%s: more than %d tags; the "
			    "rest are ignored", where, JF_MAX_CATEGORIES);
			free(s);
			break;
		}
		feed_item_add_category(it, s);
		free(s);
	}
}

/*
 * size_in_bytes: a non-negative integer (or a float without a fraction,
 * as some generators write), else -1.
 */
static int64_t
jf_size(struct jf *st, const json_t *att, const char *where)
{
	struct jf_at at = { where, "size_in_bytes" };
	json_t *v = json_object_get(att, at.key);
	double d;

	if (!v || json_is_null(v))
		return -1;
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		return json_integer_value(v);
	if (json_is_real(v)) {
		d = json_real_value(v);
		/* Below 2^63, so the conversion is defined. */
		if (d >= 0 && d < 9.2e18 && d == (double)(int64_t)d)
			return (int64_t)d;
	}
	if (json_is_number(v))
		feed_doc_warn(st->doc, AT_FMT " is not a size; ignored",
		    AT_ARGS(&at));
	else
		jf_warn_type(st, &at, "a number", v);
	return -1;
}

static int
jf_has_enclosure(const struct feed_item *it, const char *url)
{
	size_t i;

	for (i = 0; i < it->nenclosures; i++)
		if (!strcmp(it->enclosures[i].url, url))
			return 1;
	return 0;
}

/* One attachment to an enclosure; its url is required (JSON Feed 1.1). */
static void
jf_attachment(struct jf *st, const json_t *att, const char *where,
    struct feed_item *it)
{
	struct jf_at at = { where, "url" };
	struct feed_enclosure *e;
	json_t *v;
	char *url;

	if (!json_is_object(att)) {
		feed_doc_warn(st->doc, "%s is %s, not an object; ignored",
		    where, jf_type_name(att));
		return;
	}
	if (!(url = jf_url(st, att, &at, st->base))) {
		v = json_object_get(att, "url");
		/* A url of the wrong type has had its warning. */
		if (!v || json_is_null(v) || json_is_string(v))
			feed_doc_warn(st->doc, "%s has no url; ignored",
			    where);
		return;
	}
	if (jf_has_enclosure(it, url)) {
		free(url);
		return;
	}
	e = feed_item_add_enclosure(it, url);
	at.key = "mime_type";
	e->type = jf_plain(st, att, &at);
	e->length = jf_size(st, att, where);
}

static void
jf_attachments(struct jf *st, const json_t *item, const char *where,
    struct feed_item *it)
{
	struct jf_at at = { where, "attachments" };
	json_t *a, *v;
	char w[JF_WHERE_MAX];
	size_t i;

	a = jf_get(st, item, &at, JSON_ARRAY);
	json_array_foreach(a, i, v) {
		if (it->nenclosures >= JF_MAX_ENCLOSURES) {
			feed_doc_warn(st->doc, "%s: more than %d attachments; "
			    "the rest are ignored", where, JF_MAX_ENCLOSURES);
			break;
		}
		snprintf(w, sizeof(w), "%s.attachments[%zu]", where, i);
		jf_attachment(st, v, w, it);
	}
}

/*
 * s as HTML text, the markup characters escaped, within JF_MAX_FIELD
 * like every field (escaping may make it six times longer). Caller
 * frees.
 */
static char *
jf_html_escape(struct jf *st, const struct jf_at *at, const char *s)
{
	const char *rep;
	struct buf b;

	buf_init(&b, JF_MAX_FIELD);
	for (; *s; s++) {
		/* Stop on a character boundary, with room for an escape. */
		if (((unsigned char)*s & 0xc0) != 0x80 &&
		    buf_len(&b) + 6 > JF_MAX_FIELD) {
			feed_doc_warn(st->doc, AT_FMT " as HTML longer than "
			    "%d KiB, truncated", AT_ARGS(at),
			    JF_MAX_FIELD / 1024);
			break;
		}
		rep = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" :
		    *s == '>' ? "&gt;" : *s == '"' ? "&quot;" : NULL;
		if (rep)
			(void)buf_puts(&b, rep);
		else
			(void)buf_putc(&b, *s);
	}
	return buf_detach(&b);
}

/*
 * content_html and content_text (JSON Feed: one or both). content_html
 * is kept as given, cleaned; without it the text, escaped, stands in.
 * The plain content prefers content_text, the author's own plain
 * version (feedparser prefers it too), over our HTML-to-text.
 */
static void
jf_content(struct jf *st, const json_t *item, const char *where,
    struct feed_item *it)
{
	struct jf_at at = { where, "content_html" };
	char *html, *text, *plain = NULL;

	html = jf_string(st, item, &at);
	at.key = "content_text";
	text = jf_string(st, item, &at);
	if (text)
		plain = text_fold_ws(text, strlen(text));
	else if (html)
		plain = text_html_to_plain(html, strlen(html));
	it->content = jf_nonempty(plain);
	it->content_html = html ? html :
	    text ? jf_html_escape(st, &at, text) : NULL;
	free(text);
}

/* One element of "items"; anything but an object is skipped. */
static void
jf_item(struct jf *st, const json_t *item, size_t idx)
{
	char where[32];
	struct jf_at at = { where, "url" };
	struct feed_item *it;

	snprintf(where, sizeof(where), "items[%zu]", idx);
	if (!json_is_object(item)) {
		feed_doc_warn(st->doc, "%s is %s, not an object; skipped",
		    where, jf_type_name(item));
		return;
	}
	/* Borrowed until the next add: nothing below adds an item. */
	it = feed_doc_add_item(st->doc);
	it->id = jf_id(st, item, where);
	it->link = jf_url(st, item, &at, st->base);
	/* external_url is the page the item is about, not its own page. */
	at.key = "external_url";
	if (!it->link)
		it->link = jf_url(st, item, &at, st->base);
	at.key = "title";
	it->title = jf_plain(st, item, &at);
	jf_content(st, item, where, it);
	at.key = "summary";
	it->summary = jf_plain(st, item, &at);
	/*
	 * Without a summary the content is the summary, as in the XML path
	 * (and feedparser): search and topics read title and summary.
	 */
	if (!it->summary && it->content)
		it->summary = xstrdup(it->content);
	at.key = "date_published";
	it->published = jf_date(st, item, &at);
	at.key = "date_modified";
	it->updated = jf_date(st, item, &at);
	it->author = jf_author(st, item, where);
	/* JSON Feed 1.1: an item without authors has the feed's. */
	if (!it->author && st->author)
		it->author = xstrdup(st->author);
	jf_tags(st, item, where, it);
	jf_attachments(st, item, where, it);
}

static void
jf_items(struct jf *st, const json_t *root)
{
	struct jf_at at = { "", "items" };
	json_t *items, *v;
	size_t i;

	items = json_object_get(root, "items");
	if (!items || json_is_null(items)) {
		/* Required by JSON Feed 1.0 and 1.1; an empty feed is []. */
		feed_doc_warn(st->doc, "no \"items\" array");
		return;
	}
	if (!json_is_array(items)) {
		jf_warn_type(st, &at, "an array", items);
		return;
	}
	json_array_foreach(items, i, v) {
		if (st->doc->nitems >= JF_MAX_ITEMS) {
			feed_doc_warn(st->doc, "more than %d items; the rest "
			    "are ignored", JF_MAX_ITEMS);
			break;
		}
		jf_item(st, v, i);
	}
}

/*
 * 1 when u (cleaned by url_resolve()) may serve as a base: relative, or
 * http(s). A javascript: or data: base would make every relative link
 * a script (feeds/parse.c ignores such an xml:base the same way).
 */
static int
jf_base_ok(const char *u)
{
	size_t n = strcspn(u, ":/?#");

	return u[n] != ':' || url_is_http(u);
}

/*
 * Feed-level fields, then the items. Relative links resolve against the
 * document's URL when the caller knows it; else against the feed_url
 * the document gives for itself, else its home_page_url (a local file
 * or stdin in "herald parse").
 */
static void
jf_feed(struct jf *st, const json_t *root, const char *base_url)
{
	struct jf_at at = { "", "base URL" };
	char *clean, *quoted;

	clean = base_url ? url_resolve(NULL, base_url) : NULL;
	if (clean && !jf_base_ok(clean)) {
		quoted = jf_clean(st, &at, clean, strlen(clean));
		feed_doc_warn(st->doc, "base URL \"" SNIP_FMT "\" ignored: "
		    "not http(s)", SNIP_ARGS(quoted ? quoted : ""));
		free(quoted);
		base_url = NULL;
	}
	free(clean);
	at.key = "title";
	st->doc->title = jf_plain(st, root, &at);
	at.key = "home_page_url";
	st->doc->link = jf_url(st, root, &at, base_url);
	at.key = "feed_url";
	st->own_base = jf_url(st, root, &at, base_url);
	if (base_url && *base_url)
		st->base = base_url;
	else if (st->own_base && jf_base_ok(st->own_base))
		st->base = st->own_base;
	else if (st->doc->link && jf_base_ok(st->doc->link))
		st->base = st->doc->link;
	st->author = jf_author(st, root, "");
	jf_items(st, root);
}

/*
 * The version member names the format (JSON Feed 1.1 §top-level:
 * "version (required, string) is the URL of the version of the format").
 * 1 and 1.1 are known; a later version under the same path is read as
 * 1.1, with a warning. http:// is accepted: feeds write it.
 */
static int
jf_version(struct jf *st, const json_t *root, struct herald_err *err)
{
	const char *v = json_string_value(json_object_get(root, "version"));
	const char *p = v ? strstr(v, JF_VERSION_PATH) : NULL;
	struct jf_at at = { "", "version" };
	char *s;

	if (!p || (strncmp(v, "https://", 8) && strncmp(v, "http://", 7)))
		return herald_err_set(err, HERALD_E_NOTFEED,
		    "not a feed: JSON without a JSON Feed version");
	p += strlen(JF_VERSION_PATH);
	if (!strcmp(p, "1") || !strcmp(p, "1.1") || !strcmp(p, "1/") ||
	    !strcmp(p, "1.1/"))
		return 0;
	s = jf_string(st, root, &at);
	feed_doc_warn(st->doc, "JSON Feed version \"" SNIP_FMT "\" unknown; "
	    "read as 1.1", SNIP_ARGS(s ? s : ""));
	free(s);
	return 0;
}

/*
 * jansson's message, which quotes the input near the error, as one line
 * of clean text (text_clean()) that fits out.
 */
static void
jf_msg(char *out, size_t outsz, const json_error_t *je)
{
	size_t i, n;
	char *s;

	s = text_clean(je->text, strnlen(je->text, sizeof(je->text) - 1));
	n = jf_cut(s, strlen(s), outsz - 1);
	for (i = 0; i < n; i++)
		out[i] = s[i] == '\n' || s[i] == '\t' ? ' ' : s[i];
	out[n] = '\0';
	free(s);
}

/*
 * Parses data into *out (caller json_decref()s it). jansson refuses
 * invalid UTF-8 outright (RFC 8259 §8.1 requires UTF-8); as the XML
 * path does, a feed with a bad byte is repaired and read, with a
 * warning. JSON_ALLOW_NUL lets "\u0000" through, to be dropped by
 * jf_clean() like any control, rather than failing the whole feed.
 */
static int
jf_load(struct jf *st, const char *data, size_t len, json_t **out,
    struct herald_err *err)
{
	char *fixed = NULL, msg[JSON_ERROR_TEXT_LENGTH];
	json_error_t je;
	size_t nbad = 0;
	int rc = 0;

	/* RFC 8259 §8.1: a parser may ignore a BOM; jansson does not. */
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) {
		data += 3;
		len -= 3;
	}
	if (!text_utf8_valid(data, len)) {
		fixed = text_utf8_repair(data, len, &nbad);
		feed_doc_warn(st->doc, "invalid UTF-8 or NUL bytes: %zu "
		    "replaced with U+FFFD", nbad);
		data = fixed;
		len = strlen(fixed);
	}
	*out = json_loadb(data, len, JSON_ALLOW_NUL, &je);
	if (!*out) {
		jf_msg(msg, sizeof(msg), &je);
		rc = herald_err_set(err, HERALD_E_INVAL, "not JSON: %d:%d: %s",
		    je.line, je.column, msg);
	}
	free(fixed);
	return rc;
}

struct feed_doc *
feed_parse_json(const char *data, size_t len, const char *base_url,
    struct herald_err *err)
{
	json_t *root = NULL;
	struct jf st;
	int rc;

	memset(&st, 0, sizeof(st));
	st.doc = feed_doc_new();
	if (!data || len == 0) {
		rc = herald_err_set(err, HERALD_E_INVAL,
		    "not JSON: empty document");
		goto out;
	}
	if ((rc = jf_load(&st, data, len, &root, err)) != 0)
		goto out;
	if ((rc = jf_version(&st, root, err)) != 0)
		goto out;
	st.doc->format = "jsonfeed";
	/* RFC 8259 §8.1: JSON exchanged between systems is UTF-8. */
	st.doc->encoding = xstrdup("UTF-8");
	jf_feed(&st, root, base_url);
out:
	if (rc) {
		feed_doc_free(st.doc);
		st.doc = NULL;
	}
	json_decref(root);
	free(st.own_base);
	free(st.author);
	return st.doc;
}
