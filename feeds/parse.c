/*
 * parse.c: RSS 0.9x/2.0, RSS 1.0 and Atom 0.3/1.0 documents to struct
 * feed_doc, with libxml2's tree parser on an in-memory buffer.
 *
 * The safety rules are RELIABILITY.md §0 and §8.1, for libxml2 2.9.14:
 * no network, no entity declarations at all (the SAX entityDecl hook stops
 * the parse), no entity expansion (never XML_PARSE_NOENT, and the walker
 * never follows entity-reference children), no HUGE (it turns off the
 * billion-laughs guard), strict well-formedness (no RECOVER), and a
 * lexical pre-scan for libxml2's quadratic many-attributes case (X9).
 *
 * Element-to-field mapping is data (sfeed's tag tables with a priority):
 * see feed_tags[] and item_tags[]. Everything here is per call; the only
 * process-wide state is what feed_parse_init() gives libxml2.
 */
#include "parse.h"

#include <errno.h>
#include <iconv.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <libxml/catalog.h>
#include <libxml/encoding.h>
#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "buf.h"
#include "date.h"
#include "err.h"
#include "item.h"
#include "jsonfeed.h"
#include "text.h"
#include "url.h"
#include "xmem.h"

#define PARSE_MAX_ITEMS		10000
#define PARSE_MAX_FIELD		(1024 * 1024)	/* bytes, any text field */
#define PARSE_MAX_ATTRS		256	/* RELIABILITY X9 */
#define PARSE_MAX_TAG		(64 * 1024)	/* bytes, one start tag */
#define PARSE_MAX_CATEGORIES	64
#define PARSE_MAX_ENCLOSURES	64
#define PARSE_SNIPPET		60	/* bytes of feed text in a warning */
#define PARSE_MAX_XML_WARN	8	/* libxml2 errors quoted per document */

/*
 * RELIABILITY.md §8.1. NOERROR/NOWARNING keep libxml2 off stderr; errors
 * are read back with xmlCtxtGetLastError(). COMPACT keeps short text
 * nodes inside the node, one allocation fewer each (herald never edits
 * the tree's text).
 */
#define PARSE_XML_OPTS	(XML_PARSE_NONET | XML_PARSE_NOCDATA | \
			 XML_PARSE_COMPACT | XML_PARSE_NOERROR | \
			 XML_PARSE_NOWARNING)
#define PARSE_XML_NEVER	(XML_PARSE_NOENT | XML_PARSE_HUGE | \
			 XML_PARSE_DTDLOAD | XML_PARSE_DTDATTR | \
			 XML_PARSE_DTDVALID | XML_PARSE_XINCLUDE | \
			 XML_PARSE_RECOVER)
_Static_assert((PARSE_XML_OPTS & PARSE_XML_NEVER) == 0,
    "RELIABILITY.md §8.1: unsafe libxml2 option");

#define NS_XML		"http://www.w3.org/XML/1998/namespace"
#define NS_ATOM10	"http://www.w3.org/2005/Atom"
#define NS_ATOM03	"http://purl.org/atom/ns#"
#define NS_RSS090	"http://my.netscape.com/rdf/simple/0.9/"
#define NS_RDF		"http://www.w3.org/1999/02/22-rdf-syntax-ns#"

/* Vocabularies, whatever the prefix or URI spelling a feed uses. */
enum nsc {
	NSC_NONE,
	NSC_RSS,	/* no namespace in RSS, RSS 1.0, RSS 0.90 */
	NSC_ATOM,	/* Atom 1.0 and 0.3 */
	NSC_RDF,
	NSC_DC,
	NSC_DCTERMS,
	NSC_CONTENT,
	NSC_MEDIA,
	NSC_SY,
	NSC_XHTML,
	NSC_ITUNES,
	NSC_CDF,	/* Microsoft CDF: no namespace, root <CHANNEL> */
	NSC_OTHER,
};

static const struct {
	const char	*uri;
	const char	*prefix;	/* usual prefix, for unbound ones */
	enum nsc	 nsc;
} ns_known[] = {
	{ NS_ATOM10, "atom", NSC_ATOM },
	{ NS_ATOM03, NULL, NSC_ATOM },
	{ "http://purl.org/rss/1.0/", NULL, NSC_RSS },
	{ NS_RSS090, NULL, NSC_RSS },
	{ "http://backend.userland.com/rss2", NULL, NSC_RSS },
	{ "http://blogs.law.harvard.edu/tech/rss", NULL, NSC_RSS },
	{ NS_RDF, "rdf", NSC_RDF },
	{ "http://purl.org/dc/elements/1.1/", "dc", NSC_DC },
	{ "http://purl.org/dc/terms/", "dcterms", NSC_DCTERMS },
	{ "http://purl.org/rss/1.0/modules/content/", "content",
	    NSC_CONTENT },
	{ "http://search.yahoo.com/mrss/", "media", NSC_MEDIA },
	{ "http://search.yahoo.com/mrss", NULL, NSC_MEDIA },
	{ "http://purl.org/rss/1.0/modules/syndication/", "sy", NSC_SY },
	{ "http://www.w3.org/1999/xhtml", "xhtml", NSC_XHTML },
	{ "http://www.itunes.com/dtds/podcast-1.0.dtd", "itunes",
	    NSC_ITUNES },
	{ "http://www.itunes.com/DTDs/Podcast-1.0.dtd", NULL, NSC_ITUNES },
};

enum field {
	F_TITLE,
	F_LINK,
	F_ID,
	F_SUMMARY,
	F_CONTENT,
	F_AUTHOR,
	F_PUBLISHED,
	F_UPDATED,
	F_TTL,
	F_SYPERIOD,
	F_SYFREQ,
	F_NSLOTS,	/* fields above hold one value: the best offer */
	F_CATEGORY,
	F_ENCLOSURE,
	F_GROUP,	/* media:group: its children are the item's */
};

/* How an element's value is read. */
enum kind {
	K_TEXT,		/* text, trimmed (ids, numbers) */
	K_PLAIN,	/* text, whitespace folded (names, categories) */
	K_HTML,		/* text is HTML source: to plain text */
	K_ATOMTEXT,	/* RFC 4287 §3.1 text construct: type decides */
	K_XHTML,	/* inline XHTML (xhtml:body in RSS items) */
	K_URL,		/* text is a URL, resolved against xml:base */
	K_ATOMLINK,	/* RFC 4287 §4.2.7 atom:link */
	K_GUID,		/* RSS 2.0 guid, perhaps also the permalink */
	K_PERSON,	/* RFC 4287 §3.2 person construct: its name */
	K_DATE,
	K_TERM,		/* RFC 4287 §4.2.2 atom:category @term */
	K_ENCLOSURE,	/* RSS 2.0 enclosure url/length/type */
	K_ATOMID,	/* atom:id, perhaps also the permalink */
	K_MEDIA,	/* Media RSS media:content url/fileSize/type */
	K_GROUP,
	K_IMAGE,	/* RSS <image>: its <title>, a last-resort title */
};

/*
 * One row per (vocabulary, element): the field it feeds and its
 * priority. Higher priority wins whatever the document order; at equal
 * priority the first element seen wins (sfeed's fieldmap rule). The
 * choices "which date wins" and "which link wins" live here.
 */
struct tag {
	enum nsc	 ns;
	const char	*name;
	enum field	 field;
	enum kind	 kind;
	int		 prio;
};

/* RSS 2.0 guid as link, and rdf:about as id: the last resorts. */
#define PRIO_FALLBACK		1

static const struct tag feed_tags[] = {
	{ NSC_RSS, "title", F_TITLE, K_HTML, 3 },
	{ NSC_ATOM, "title", F_TITLE, K_ATOMTEXT, 3 },
	{ NSC_DC, "title", F_TITLE, K_HTML, 2 },
	{ NSC_RSS, "link", F_LINK, K_URL, 3 },
	{ NSC_ATOM, "link", F_LINK, K_ATOMLINK, 3 },
	{ NSC_ATOM, "updated", F_UPDATED, K_DATE, 3 },
	{ NSC_ATOM, "modified", F_UPDATED, K_DATE, 3 },	/* Atom 0.3 */
	{ NSC_RSS, "lastBuildDate", F_UPDATED, K_DATE, 3 },
	{ NSC_DCTERMS, "modified", F_UPDATED, K_DATE, 2 },
	{ NSC_DC, "date", F_UPDATED, K_DATE, 2 },
	{ NSC_RSS, "pubDate", F_UPDATED, K_DATE, 1 },
	{ NSC_RSS, "updated", F_UPDATED, K_DATE, 1 },	/* Atom's, unbound */
	{ NSC_ATOM, "author", F_AUTHOR, K_PERSON, 3 },
	{ NSC_ATOM, "id", F_ID, K_ATOMID, 3 },
	{ NSC_CDF, "title", F_TITLE, K_HTML, 3 },
	{ NSC_RSS, "ttl", F_TTL, K_TEXT, 3 },
	{ NSC_SY, "updatePeriod", F_SYPERIOD, K_TEXT, 3 },
	{ NSC_SY, "updateFrequency", F_SYFREQ, K_TEXT, 3 },
};

static const struct tag item_tags[] = {
	{ NSC_RSS, "title", F_TITLE, K_HTML, 3 },
	{ NSC_ATOM, "title", F_TITLE, K_ATOMTEXT, 3 },
	{ NSC_DC, "title", F_TITLE, K_HTML, 2 },
	{ NSC_MEDIA, "title", F_TITLE, K_PLAIN, 1 },
	{ NSC_RSS, "image", F_TITLE, K_IMAGE, 0 },
	/*
	 * An atom:link rel=alternate of type text/html scores one more
	 * than a plain RSS link (RELIABILITY C5); a guid that is a permalink
	 * is the last resort (RSS 2.0: isPermaLink defaults to true).
	 */
	{ NSC_RSS, "link", F_LINK, K_URL, 3 },
	{ NSC_ATOM, "link", F_LINK, K_ATOMLINK, 3 },
	{ NSC_RSS, "guid", F_ID, K_GUID, 3 },
	{ NSC_ATOM, "id", F_ID, K_ATOMID, 3 },
	/*
	 * Atom's entry elements written into RSS without the Atom
	 * namespace (podcast generators do): below RSS's own.
	 */
	{ NSC_RSS, "id", F_ID, K_ATOMID, 2 },
	{ NSC_RSS, "published", F_PUBLISHED, K_DATE, 2 },
	{ NSC_RSS, "updated", F_UPDATED, K_DATE, 2 },
	{ NSC_RSS, "summary", F_SUMMARY, K_HTML, 2 },
	{ NSC_RSS, "description", F_SUMMARY, K_HTML, 3 },
	{ NSC_ITUNES, "summary", F_SUMMARY, K_PLAIN, 1 },
	{ NSC_ATOM, "summary", F_SUMMARY, K_ATOMTEXT, 3 },
	{ NSC_DC, "description", F_SUMMARY, K_HTML, 2 },
	{ NSC_CONTENT, "encoded", F_CONTENT, K_HTML, 3 },
	{ NSC_ATOM, "content", F_CONTENT, K_ATOMTEXT, 3 },
	{ NSC_XHTML, "body", F_CONTENT, K_XHTML, 2 },
	{ NSC_ATOM, "author", F_AUTHOR, K_PERSON, 3 },
	{ NSC_RSS, "author", F_AUTHOR, K_PLAIN, 3 },
	{ NSC_DC, "creator", F_AUTHOR, K_PLAIN, 3 },
	{ NSC_DC, "author", F_AUTHOR, K_PLAIN, 2 },	/* not DC; seen */
	{ NSC_ITUNES, "author", F_AUTHOR, K_PLAIN, 1 },
	/* Published: the item's own date; updated is kept apart. */
	{ NSC_RSS, "pubDate", F_PUBLISHED, K_DATE, 3 },
	{ NSC_ATOM, "published", F_PUBLISHED, K_DATE, 3 },
	{ NSC_ATOM, "issued", F_PUBLISHED, K_DATE, 3 },	/* Atom 0.3 */
	{ NSC_DCTERMS, "issued", F_PUBLISHED, K_DATE, 2 },
	{ NSC_DC, "date", F_PUBLISHED, K_DATE, 2 },
	{ NSC_ATOM, "updated", F_UPDATED, K_DATE, 3 },
	{ NSC_ATOM, "modified", F_UPDATED, K_DATE, 3 },	/* Atom 0.3 */
	{ NSC_DCTERMS, "modified", F_UPDATED, K_DATE, 2 },
	{ NSC_RSS, "category", F_CATEGORY, K_PLAIN, 0 },
	{ NSC_ATOM, "category", F_CATEGORY, K_TERM, 0 },
	{ NSC_DC, "subject", F_CATEGORY, K_PLAIN, 0 },
	{ NSC_RSS, "enclosure", F_ENCLOSURE, K_ENCLOSURE, 0 },
	{ NSC_MEDIA, "content", F_ENCLOSURE, K_MEDIA, 0 },
	{ NSC_MEDIA, "group", F_GROUP, K_GROUP, 0 },
	{ NSC_CDF, "title", F_TITLE, K_HTML, 3 },
	{ NSC_CDF, "abstract", F_SUMMARY, K_HTML, 3 },
};

/*
 * Fields that a channel, item or entry carries as attributes of its own
 * start tag: one row per (vocabulary of that element, attribute);
 * NSC_NONE matches any element. uri NULL is an attribute without
 * namespace.
 */
struct attr_tag {
	enum nsc	 ns;
	const char	*uri;
	const char	*name;
	enum field	 field;
	enum kind	 kind;	/* K_TEXT, K_URL or K_DATE */
	int		 prio;
};

static const struct attr_tag self_tags[] = {
	/* RSS 1.0 §5.5: the item's URI, the id of last resort. */
	{ NSC_NONE, NS_RDF, "about", F_ID, K_TEXT, PRIO_FALLBACK },
	{ NSC_CDF, NULL, "href", F_LINK, K_URL, 3 },
	{ NSC_CDF, NULL, "lastmod", F_UPDATED, K_DATE, 3 },
};

/* The best offer so far for each single-valued field. */
struct slots {
	char		*s[F_NSLOTS];
	int64_t		 t[F_NSLOTS];	/* dates */
	int		 score[F_NSLOTS];	/* -1: empty */
	char		*html;		/* F_CONTENT's HTML */
};

/* elem_tag()'s answers for this document, by name and namespace. */
#define PARSE_MEMO	32	/* a power of two */
struct tag_memo {
	const xmlChar	*name;
	const xmlNs	*ns;
	const struct tag *tab;
	const struct tag *tg;
};

/* Per-call state: nothing here outlives feed_parse(). */
struct pstate {
	struct feed_doc	*doc;
	enum nsc	 main;		/* vocabulary of unqualified names */
	const char	*main_uri;	/* the root's namespace: also main */
	const char	*feed_author;	/* borrowed: Atom entries inherit it */
	int		 full;		/* item cap reached */
	int		 recovered;	/* lenient pass: keep closed items only */
	int		 relabelled;	/* fix_utf8() repaired or relabelled */
	struct buf	 b;		/* scratch for text collection */
	struct buf	 out;		/* scratch for the converted text */
	struct tag_memo	 memo[PARSE_MEMO];
};

/* Set by the SAX hook; reached through ctxt->_private. */
struct stop_info {
	int		 entity;
	int		 line, col;
	/* Lenient pass only (RELIABILITY X10). */
	struct feed_doc	*doc;		/* where libxml2's errors go */
	int		 nerrors;
	int		 mismatch;	/* last error: end tag mismatch */
	/* characters_cb(): the element last looked at, and whether it is
	 * part of the frame (libxml2 hands text over in many pieces). */
	const xmlNode	*frame_node;
	int		 frame;
};

/* How the input's bytes are to be decoded. */
struct enc_plan {
	char		 name[64];	/* reported in doc->encoding */
	const char	*pass;		/* to libxml2; NULL: it detects */
	int		 utf8;		/* the bytes should be UTF-8 */
	int		 width;		/* code unit size: 1, 2 or 4 */
	int		 be;		/* big-endian code units */
};

/* ASCII-only helpers: the locale must not change how tags compare. */
static int
a_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int
a_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
a_casecmp(const char *a, const char *b)
{
	for (; *a && a_lower((unsigned char)*a) == a_lower((unsigned char)*b);
	    a++, b++)
		;
	return a_lower((unsigned char)*a) - a_lower((unsigned char)*b);
}

static int
a_ncaseprefix(const char *s, size_t n, const char *prefix)
{
	size_t i;

	for (i = 0; prefix[i]; i++)
		if (i >= n || a_lower((unsigned char)s[i]) != prefix[i])
			return 0;
	return 1;
}

static int
is_utf8_name(const char *s)
{
	return !a_casecmp(s, "utf-8") || !a_casecmp(s, "utf8");
}

/* XML_PARSE_* and the deny-all loader, set once for the process. */
static xmlParserInputPtr
deny_entity_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	/* No file://, http://, ftp:// or catalog lookups, ever (X1-X3). */
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

/*
 * libxml2 reports some errors outside any parser context (iconv failures,
 * "encoding error : input conversion failed") through its generic handler,
 * which prints to stderr; feeds/ never logs (design §1), and the parse
 * error itself still reaches us through the context.
 */
static void
silent_error_cb(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

void
feed_parse_init(void)
{
	xmlInitParser();
	xmlSetExternalEntityLoader(deny_entity_loader);
	/* This thread, and the default for threads libxml2 meets later. */
	xmlSetGenericErrorFunc(NULL, silent_error_cb);
	xmlThrDefSetGenericErrorFunc(NULL, silent_error_cb);
#ifdef LIBXML_CATALOG_ENABLED
	xmlCatalogSetDefaults(XML_CATA_ALLOW_NONE);
#endif
}

void
feed_parse_cleanup(void)
{
	/* Must be the process's last libxml2 call (libxml2's own rule). */
	xmlCleanupParser();
}

/*
 * SAX hooks: a document that declares any entity is refused before the
 * declaration is stored (RELIABILITY X1, X5, X6). This also keeps the
 * tree free of entity content, so nothing downstream can expand one.
 */
static void
stop_on_entity(void *ctx)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct stop_info *si = ctxt->_private;

	if (!si->entity) {
		si->entity = 1;
		si->line = ctxt->input ? ctxt->input->line : 0;
		si->col = ctxt->input ? ctxt->input->col : 0;
	}
	xmlStopParser(ctxt);
}

static void
entity_decl_cb(void *ctx, const xmlChar *name, int type,
    const xmlChar *publicId, const xmlChar *systemId, xmlChar *content)
{
	(void)name;
	(void)type;
	(void)publicId;
	(void)systemId;
	(void)content;
	stop_on_entity(ctx);
}

static void
unparsed_entity_decl_cb(void *ctx, const xmlChar *name,
    const xmlChar *publicId, const xmlChar *systemId,
    const xmlChar *notationName)
{
	(void)name;
	(void)publicId;
	(void)systemId;
	(void)notationName;
	stop_on_entity(ctx);
}

/*
 * The whitespace between the elements of a feed's frame (channel, item,
 * entry...) becomes one text node per gap in libxml2's tree: a third of
 * the nodes of a typical feed, each allocated, stepped over by the walker
 * and freed, for nothing: these elements hold elements only. So such text
 * is not built; everything else (titles, content, mixed XHTML) reaches
 * the tree as xmlSAX2Characters() builds it. Only the feed vocabularies'
 * own namespaces count, and only elements whose ancestors are all frame
 * too, so that an XHTML or foreign element of the same name, or one
 * inside content, keeps its text.
 */
static int
frame_ns(const xmlNs *ns)
{
	static const char *const uris[] = {
		"http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#",
		"http://purl.org/rss/1.0/",
		"http://www.w3.org/1999/02/22-rdf-syntax-ns#",
		"http://my.netscape.com/rdf/simple/0.9/",
		"http://search.yahoo.com/mrss/",
	};
	size_t i;

	if (!ns || !ns->href)
		return 1;
	for (i = 0; i < sizeof(uris) / sizeof(uris[0]); i++)
		if (!strcmp((const char *)ns->href, uris[i]))
			return 1;
	return 0;
}

static int
frame_element(const xmlNode *n)
{
	static const char *const names[] = {
		"rss", "channel", "item", "entry", "feed", "RDF", "items",
		"Seq", "image", "textInput", "textinput", "group",
	};
	size_t i;

	if (n->type != XML_ELEMENT_NODE || !n->name)
		return 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp((const char *)n->name, names[i]))
			return frame_ns(n->ns);
	return 0;
}

/*
 * n and every element above it belong to the frame: an rdf:RDF or an
 * item inside content (SVG metadata in XHTML, say) is content.
 */
static int
frame_path(const xmlNode *n)
{
	for (; n && n->type == XML_ELEMENT_NODE; n = n->parent)
		if (!frame_element(n))
			return 0;
	return 1;
}

static int
xml_space(xmlChar c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

static void
characters_cb(void *ctx, const xmlChar *ch, int len)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct stop_info *si = ctxt->_private;
	int i;

	/* Most pieces are text proper: one test sends them on. */
	if (len > 0 && xml_space(ch[0]) && ctxt->node) {
		if (ctxt->node != si->frame_node) {
			si->frame_node = ctxt->node;
			si->frame = frame_path(ctxt->node);
		}
		for (i = 1; si->frame && i < len && xml_space(ch[i]); i++)
			;
		if (si->frame && i == len)
			return;
	}
	xmlSAX2Characters(ctx, ch, len);
}

/* Code unit i of p, for the pre-scan over UTF-8/16/32 alike. */
static unsigned long
cu(const unsigned char *p, size_t i, int w, int be)
{
	const unsigned char *q = p + i * (size_t)w;

	if (w == 1)
		return q[0];
	if (w == 2)
		return be ? (unsigned long)q[0] << 8 | q[1] :
		    (unsigned long)q[1] << 8 | q[0];
	return be ? (unsigned long)q[0] << 24 | (unsigned long)q[1] << 16 |
	    (unsigned long)q[2] << 8 | q[3] :
	    (unsigned long)q[3] << 24 | (unsigned long)q[2] << 16 |
	    (unsigned long)q[1] << 8 | q[0];
}

static int
cu_match(const unsigned char *p, size_t n, size_t i, int w, int be,
    const char *s)
{
	for (; *s; s++, i++)
		if (i >= n || cu(p, i, w, be) != (unsigned char)*s)
			return 0;
	return 1;
}

/* Index just past the next occurrence of s at or after i, or n. */
static size_t
cu_find(const unsigned char *p, size_t n, size_t i, int w, int be,
    const char *s)
{
	size_t sl = strlen(s);
	const unsigned char *q;

	if (w == 1) {
		/* Bytes: memchr to each candidate, as fast as a scan gets. */
		while (i < n) {
			q = memchr(p + i, s[0], n - i);
			if (!q)
				return n;
			i = (size_t)(q - p);
			if (n - i >= sl && !memcmp(q, s, sl))
				return i + sl;
			i++;
		}
		return n;
	}
	for (; i < n; i++)
		if (cu_match(p, n, i, w, be, s))
			return i + strlen(s);
	return n;
}

/*
 * From the character after '<' to just past the closing '>', honouring
 * quoted attribute values; counts the '=' outside quotes (one per
 * attribute). Stops early once either cap is exceeded.
 */
static size_t
cu_skip_tag(const unsigned char *p, size_t n, size_t i, int w, int be,
    size_t start, size_t *nattr)
{
	const unsigned char *q;
	unsigned long c, quote = 0;

	*nattr = 0;
	/* Bytes: memchr over quoted values, the bulk of a tag. */
	for (; w == 1 && i < n; i++) {
#ifdef __SSE2__
		/* To the next '>', '=' or quote, sixteen bytes at a time. */
		while (n - i >= 16 && i - start <= PARSE_MAX_TAG) {
			__m128i v = _mm_loadu_si128((const __m128i *)
			    (const void *)(p + i));
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('>')),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('='))),
			    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('\'')))));

			if (m) {
				i += (size_t)__builtin_ctz(m);
				break;
			}
			i += 16;
		}
#endif
		while (i < n && p[i] != '>' && p[i] != '=' && p[i] != '"' &&
		    p[i] != '\'' && i - start <= PARSE_MAX_TAG)
			i++;
		if (i >= n)
			break;
		c = p[i];
		if (c == '>')
			return i + 1;
		if (c == '=')
			(*nattr)++;
		else if (c == '"' || c == '\'') {
			q = memchr(p + i + 1, (int)c, n - i - 1);
			i = q ? (size_t)(q - p) : n;
		}
		if (*nattr > PARSE_MAX_ATTRS || i - start > PARSE_MAX_TAG)
			return i < n ? i : start + PARSE_MAX_TAG + 1;
	}
	if (w == 1)
		return n;
	for (; i < n; i++) {
		c = cu(p, i, w, be);
		if (quote) {
			if (c == quote)
				quote = 0;
		} else if (c == '"' || c == '\'')
			quote = c;
		else if (c == '=')
			(*nattr)++;
		else if (c == '>')
			return i + 1;
		if (*nattr > PARSE_MAX_ATTRS ||
		    (i - start) * (size_t)w > PARSE_MAX_TAG)
			return i;
	}
	return n;
}

static long
cu_line(const unsigned char *p, size_t upto, int w, int be)
{
	long line = 1;
	size_t i;

	for (i = 0; i < upto; i++)
		if (cu(p, i, w, be) == '\n')
			line++;
	return line;
}

/*
 * RELIABILITY X9: libxml2 2.9.14 spends quadratic time on an element
 * with many attributes (40 000 cost 17.5 s), fixed only in 2.12. A linear
 * lexical pass refuses any start tag with more than 256 attributes or
 * longer than 64 KiB before libxml2 sees the document. Comments, CDATA,
 * processing instructions and declarations are skipped, not counted.
 */
static int
prescan(const char *data, size_t len, int w, int be, struct herald_err *err)
{
	const unsigned char *p = (const unsigned char *)data;
	const unsigned char *lt;
	size_t n = len / (size_t)w, i = 0, start, nattr;
	unsigned long c;

	while (i < n) {
		if (w == 1) {
			lt = memchr(p + i, '<', n - i);
			if (!lt)
				break;
			i = (size_t)(lt - p);
		} else if (cu(p, i, w, be) != '<') {
			i++;
			continue;
		}
		start = i++;
		if (i >= n)
			break;
		c = w == 1 ? p[i] : cu(p, i, w, be);
		if (c == '!' && cu_match(p, n, i + 1, w, be, "--")) {
			i = cu_find(p, n, i + 3, w, be, "-->");
			continue;
		}
		if (c == '!' && cu_match(p, n, i + 1, w, be, "[CDATA[")) {
			i = cu_find(p, n, i + 8, w, be, "]]>");
			continue;
		}
		if (c == '?') {
			i = cu_find(p, n, i + 1, w, be, "?>");
			continue;
		}
		i = cu_skip_tag(p, n, i, w, be, start, &nattr);
		if (c == '!' || c == '/')
			continue;
		if (nattr > PARSE_MAX_ATTRS)
			return herald_err_set(err, HERALD_E_TOOBIG,
			    "line %ld: start tag with more than %d attributes",
			    cu_line(p, start, w, be), PARSE_MAX_ATTRS);
		if ((i - start) * (size_t)w > PARSE_MAX_TAG)
			return herald_err_set(err, HERALD_E_TOOBIG,
			    "line %ld: start tag longer than %d KiB",
			    cu_line(p, start, w, be), PARSE_MAX_TAG / 1024);
	}
	return 0;
}

/* The charset parameter of a Content-Type, into out; 1 if found. */
static int
ct_charset(const char *ct, char *out, size_t outsz)
{
	const char *p, *v;
	size_t n;
	char quote;

	if (!ct)
		return 0;
	for (p = strchr(ct, ';'); p; p = strchr(p, ';')) {
		p++;
		while (a_space((unsigned char)*p))
			p++;
		if (!a_ncaseprefix(p, strlen(p), "charset"))
			continue;
		p += 7;
		while (a_space((unsigned char)*p))
			p++;
		if (*p != '=')
			continue;
		p++;
		while (a_space((unsigned char)*p))
			p++;
		quote = *p == '"' ? '"' : 0;
		v = p + (quote ? 1 : 0);
		for (n = 0; v[n] && (quote ? v[n] != quote :
		    v[n] != ';' && !a_space((unsigned char)v[n])); n++)
			;
		if (n == 0 || n >= outsz)
			return 0;
		memcpy(out, v, n);
		out[n] = '\0';
		return 1;
	}
	return 0;
}

/* encoding="..." of an ASCII-compatible XML declaration; 1 if found. */
static int
decl_encoding(const char *p, size_t len, char *out, size_t outsz)
{
	const char *end, *e, *v;
	size_t n;
	char quote;

	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3)) {
		p += 3;
		len -= 3;
	}
	if (len < 6 || memcmp(p, "<?xml", 5) != 0)
		return 0;
	if (len > 512)
		len = 512;
	end = memchr(p, '>', len);
	if (!end)
		return 0;
	for (e = p + 5; e + 8 <= end; e++)
		if (!memcmp(e, "encoding", 8))
			break;
	if (e + 8 > end)
		return 0;
	for (e += 8; e < end && a_space((unsigned char)*e); e++)
		;
	if (e >= end || *e++ != '=')
		return 0;
	for (; e < end && a_space((unsigned char)*e); e++)
		;
	if (e >= end || (*e != '"' && *e != '\''))
		return 0;
	quote = *e++;
	v = e;
	for (n = 0; v + n < end && v[n] != quote; n++)
		;
	if (n == 0 || n >= outsz || v + n >= end)
		return 0;
	memcpy(out, v, n);
	out[n] = '\0';
	return 1;
}

/* 1 if libxml2 (with iconv) can decode the named encoding. */
static int
enc_known(const char *name)
{
	xmlCharEncodingHandlerPtr h;

	h = xmlFindCharEncodingHandler(name);
	if (!h)
		return 0;
	xmlCharEncCloseFunc(h);
	return 1;
}

static void
plan_set(struct enc_plan *ep, const char *name, const char *pass, int w,
    int be)
{
	snprintf(ep->name, sizeof(ep->name), "%s", name);
	ep->pass = pass;
	ep->width = w;
	ep->be = be;
	ep->utf8 = w == 1 && is_utf8_name(name);
}

static int
has_non_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] & 0x80)
			return 1;
	return 0;
}

/*
 * Byte-order marks, and XML 1.0 Appendix F's "<?" / "<" patterns for
 * UTF-16 and UTF-32 without one. iconv's "UTF-32" reads the BOM itself;
 * libxml2 2.9.14 fails on those documents otherwise. Returns 1 on a match.
 */
static int
plan_bom(const char *data, size_t len, struct enc_plan *ep)
{
	static const struct {
		const char	*sig;
		size_t		 len;
		const char	*name;
		const char	*pass;
		int		 width, be;
	} boms[] = {
		{ "\xff\xfe\0\0", 4, "UTF-32LE", "UTF-32", 4, 0 },
		{ "\0\0\xfe\xff", 4, "UTF-32BE", "UTF-32", 4, 1 },
		{ "<\0\0\0", 4, "UTF-32LE", "UTF-32LE", 4, 0 },
		{ "\0\0\0<", 4, "UTF-32BE", "UTF-32BE", 4, 1 },
		{ "\xef\xbb\xbf", 3, "UTF-8", NULL, 1, 0 },
		{ "\xfe\xff", 2, "UTF-16BE", NULL, 2, 1 },
		{ "\xff\xfe", 2, "UTF-16LE", NULL, 2, 0 },
		{ "<\0?\0", 4, "UTF-16LE", NULL, 2, 0 },
		{ "\0<\0?", 4, "UTF-16BE", NULL, 2, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(boms) / sizeof(boms[0]); i++) {
		if (len >= boms[i].len &&
		    !memcmp(data, boms[i].sig, boms[i].len)) {
			plan_set(ep, boms[i].name, boms[i].pass,
			    boms[i].width, boms[i].be);
			return 1;
		}
	}
	return 0;
}

/* memmem() is a GNU extension; this is all the sniffer needs. */
static const char *
find_bytes(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	for (; end - p >= (ptrdiff_t)n; p++)
		if (!memcmp(p, s, n))
			return p;
	return NULL;
}

/*
 * Labels iconv spells differently (Python's, which feeds copy); else the
 * name with '_' as '-' ("ebcdic_cp_us"). Into out.
 */
static void
iconv_name(const char *name, char *out, size_t outsz)
{
	static const char *const alias[][2] = {
		{ "maclatin2", "MAC-CENTRALEUROPE" },
		{ "maciceland", "MAC-IS" },
		{ "maccyrillic", "MAC-CYRILLIC" },
		{ "macintosh", "MACINTOSH" }, { "mac", "MACINTOSH" },
		{ "csmacintosh", "MACINTOSH" }, { "ibm039", "IBM037" },
	};
	size_t i;

	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++) {
		if (!a_casecmp(name, alias[i][0])) {
			snprintf(out, outsz, "%s", alias[i][1]);
			return;
		}
	}
	snprintf(out, outsz, "%s", name);
	for (i = 0; out[i]; i++)
		if (out[i] == '_')
			out[i] = '-';
}

/*
 * from[0..len) to UTF-8 with iconv, for the encodings libxml2 cannot
 * take from the declaration (a name like "437" is not a valid XML
 * encoding name; EBCDIC; iconv-only labels). Undecodable bytes become
 * U+FFFD, counted in *nbad. Returns NULL when iconv does not know the
 * name.
 */
static char *
transcode(const char *name, const char *in, size_t len, size_t *outlen,
    size_t *nbad)
{
	char cname[64], *out, *op, *ip;
	size_t cap, il, ol;
	iconv_t cd;

	iconv_name(name, cname, sizeof(cname));
	cd = iconv_open("UTF-8", cname);
	if (cd == (iconv_t)-1)
		return NULL;
	cap = len * 4 + 64;
	out = xmalloc(cap);
	ip = (char *)(uintptr_t)in;
	il = len;
	op = out;
	ol = cap - 1;
	*nbad = 0;
	while (il > 0) {
		if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
			break;
		if (errno == E2BIG)
			break;	/* cannot happen at 4x; stop safely */
		/* EILSEQ or EINVAL: one replacement, skip one byte. */
		if (ol < 3)
			break;
		memcpy(op, "\xef\xbf\xbd", 3);
		op += 3;
		ol -= 3;
		ip++;
		il--;
		(*nbad)++;
	}
	iconv_close(cd);
	*op = '\0';
	*outlen = (size_t)(op - out);
	return out;
}

static int
iconv_known(const char *name)
{
	char cname[64];
	iconv_t cd;

	iconv_name(name, cname, sizeof(cname));
	cd = iconv_open("UTF-8", cname);
	if (cd == (iconv_t)-1)
		return 0;
	iconv_close(cd);
	return 1;
}

/*
 * The transcoded document's declaration still names the old encoding
 * (or an invalid name like "437" that libxml2 refuses): blank it to a
 * plain one of the same length, so lines and columns stay.
 */
static void
decl_rewrite(char *s, size_t len)
{
	static const char decl[] = "<?xml version=\"1.0\"?>";
	const char *q;
	size_t dl;

	if (len < 5 || memcmp(s, "<?xml", 5) != 0)
		return;
	q = find_bytes(s, s + (len > 512 ? 512 : len), "?>");
	if (!q)
		return;
	dl = (size_t)(q + 2 - s);
	if (dl < sizeof(decl) - 1)
		return;
	memset(s, ' ', dl);
	memcpy(s, decl, sizeof(decl) - 1);
}

/*
 * EBCDIC documents start "<?xm" in code page 037 (XML 1.0 Appendix F);
 * their declaration, read through 037, names the exact code page.
 */
static int
plan_ebcdic(const char *data, size_t len, struct enc_plan *ep)
{
	char head[256], decl[64], *t;
	size_t n = len < sizeof(head) - 1 ? len : sizeof(head) - 1, tl, bad;

	if (len < 4 || memcmp(data, "\x4c\x6f\xa7\x94", 4) != 0)
		return 0;
	plan_set(ep, "IBM037", NULL, 1, 0);
	memcpy(head, data, n);
	t = transcode("IBM037", head, n, &tl, &bad);
	/* transcode() rewrote the declaration: read the original's. */
	if (t && decl_encoding(t, tl, decl, sizeof(decl)) && iconv_known(decl))
		plan_set(ep, decl, NULL, 1, 0);
	free(t);
	return 1;
}

/*
 * Decides the input encoding: a byte-order mark, then the charset of the
 * HTTP Content-Type (RFC 7303 §3: it overrides the XML declaration), then
 * the XML declaration (libxml2 reads it), else UTF-8. http and decl are
 * scratch buffers of the caller; ep->pass may point into http.
 */
static void
plan_encoding(struct pstate *ps, const char *data, size_t len,
    const char *content_type, char *http, char *decl, size_t sz,
    struct enc_plan *ep)
{
	int has_decl = decl_encoding(data, len, decl, sz);

	if (plan_bom(data, len, ep) || plan_ebcdic(data, len, ep))
		return;
	if (ct_charset(content_type, http, sz)) {
		/* US-ASCII is a subset; many servers say it of UTF-8. */
		if (!a_casecmp(http, "us-ascii") || !a_casecmp(http, "ascii")) {
			plan_set(ep, "UTF-8", "UTF-8", 1, 0);
			return;
		}
		if (!enc_known(http)) {
			feed_doc_warn(ps->doc, "unknown charset \"%.40s\" in "
			    "Content-Type ignored", http);
		} else if (!is_utf8_name(http) && has_decl &&
		    is_utf8_name(decl) && has_non_ascii(data, len) &&
		    text_utf8_valid(data, len)) {
			/*
			 * Servers label text/xml with a default charset;
			 * a document that declares UTF-8 and is valid,
			 * non-ASCII UTF-8 is not windows-1252 by accident.
			 */
			feed_doc_warn(ps->doc, "Content-Type charset \"%s\" "
			    "ignored: the document declares and is UTF-8",
			    http);
			plan_set(ep, "UTF-8", NULL, 1, 0);
			return;
		} else {
			plan_set(ep, http, http, 1, 0);
			return;
		}
	}
	if (has_decl && (enc_known(decl) || iconv_known(decl))) {
		plan_set(ep, decl, NULL, 1, 0);
		return;
	}
	/* libxml2 would refuse the document; UTF-8 and repair is kinder. */
	if (has_decl)
		feed_doc_warn(ps->doc, "unknown encoding \"%.40s\" in the "
		    "XML declaration; read as UTF-8", decl);
	plan_set(ep, "UTF-8", has_decl ? "UTF-8" : NULL, 1, 0);
}

/*
 * When the bytes should be UTF-8 and are not, the document is labelled
 * wrongly. If the HTTP charset said UTF-8 against the document's own
 * declaration, trust the declaration; otherwise replace the bad sequences
 * with U+FFFD (design §1: every stored field is valid UTF-8) and warn.
 * Returns the bytes to parse: data, or a new buffer in *owned.
 */
static const char *
fix_utf8(struct pstate *ps, const char *data, size_t *len,
    const char *decl, struct enc_plan *ep, char **owned)
{
	size_t nbad = 0;

	*owned = NULL;
	/* A NUL is not an encoding problem: let the parse refuse it (C3). */
	if (!ep->utf8 || memchr(data, '\0', *len) ||
	    text_utf8_valid(data, *len))
		return data;
	ps->relabelled = 1;
	if (ep->pass && *decl && !is_utf8_name(decl) && enc_known(decl)) {
		feed_doc_warn(ps->doc, "Content-Type says charset=%s but the "
		    "document is not UTF-8; using its declared %s", ep->name,
		    decl);
		plan_set(ep, decl, NULL, 1, 0);
		return data;
	}
	*owned = text_utf8_repair(data, *len, &nbad);
	feed_doc_warn(ps->doc, "document is not valid %s: %zu invalid "
	    "sequence(s) replaced with U+FFFD", ep->name, nbad);
	*len = strlen(*owned);
	return *owned;
}

/*
 * The labels the WHATWG Encoding Standard maps to windows-1252: browsers
 * read ISO-8859-1 and US-ASCII as windows-1252, and feeds follow them.
 */
static int
is_cp1252_label(const char *name)
{
	static const char *const labels[] = {
		"windows-1252", "cp1252", "x-cp1252", "iso-8859-1",
		"iso8859-1", "iso_8859-1", "latin1", "l1", "cp819",
	};
	size_t i;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (!a_casecmp(name, labels[i]))
			return 1;
	return 0;
}

/*
 * windows-1252 to UTF-8 ourselves: glibc's iconv refuses the five bytes
 * windows-1252 leaves undefined (0x81 0x8D 0x8F 0x90 0x9D) and libxml2
 * then fails the whole document. The WHATWG table maps them to the C1
 * control of the same value, which the text layer drops.
 */
static char *
cp1252_to_utf8(const char *s, size_t n, size_t *outlen)
{
	static const unsigned short c1[32] = {
		0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
		0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
		0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
		0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
	};
	unsigned int cp;
	size_t i, o = 0;
	uint64_t w;
	char *out;

	out = xreallocarray(NULL, n + 1, 3);
	for (i = 0; i < n; i++) {
		/* ASCII, most of any document, eight bytes at a time. */
		while (n - i >= 8) {
			memcpy(&w, s + i, 8);
			if (w & UINT64_C(0x8080808080808080))
				break;
			memcpy(out + o, &w, 8);
			i += 8;
			o += 8;
		}
		if (i >= n)
			break;
		cp = (unsigned char)s[i];
		if (cp >= 0x80 && cp < 0xa0)
			cp = c1[cp - 0x80];
		if (cp < 0x80) {
			out[o++] = (char)cp;
		} else if (cp < 0x800) {
			out[o++] = (char)(0xc0 | cp >> 6);
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[o++] = (char)(0xe0 | cp >> 12);
			out[o++] = (char)(0x80 | (cp >> 6 & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/*
 * The bytes libxml2 will read: data itself, or a new buffer in *owned
 * (repaired UTF-8, or windows-1252 turned into UTF-8). Bytes that should
 * be UTF-8 are taken as they are unless check is set: feed_parse() checks
 * them only when the strict parse refused them.
 */
static const char *
decode_input(struct pstate *ps, const char *data, size_t *len,
    const char *decl, struct enc_plan *ep, char **owned, int check)
{
	const char *in;

	size_t nbad = 0, tl;

	*owned = NULL;
	if (ep->utf8 && !check)
		return data;
	in = fix_utf8(ps, data, len, decl, ep, owned);
	if (*owned || ep->width != 1 || ep->utf8)
		return in;
	if (!is_cp1252_label(ep->name)) {
		*owned = transcode(ep->name, data, *len, &tl, &nbad);
		if (!*owned)
			return in;
		if (nbad)
			feed_doc_warn(ps->doc, "%zu byte(s) not valid %s "
			    "replaced with U+FFFD", nbad, ep->name);
		decl_rewrite(*owned, tl);
		*len = tl;
		ep->pass = "UTF-8";
		return *owned;
	}
	*owned = cp1252_to_utf8(data, *len, len);
	/* An explicit encoding overrides the XML declaration in libxml2. */
	ep->pass = "UTF-8";
	return *owned;
}

/* Skips white space, a UTF-8 BOM, comments, PIs and a doctype. */
static const char *
skip_prolog(const char *p, const char *end, int keep_doctype)
{
	const char *q;

	if (end - p >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	for (;;) {
		while (p < end && a_space((unsigned char)*p))
			p++;
		if (end - p >= 4 && !memcmp(p, "<!--", 4)) {
			q = find_bytes(p, end, "-->");
			if (!q)
				return end;
			p = q + 3;
		} else if (end - p >= 2 && !memcmp(p, "<?", 2)) {
			q = find_bytes(p, end, "?>");
			if (!q)
				return end;
			p = q + 2;
		} else if (!keep_doctype && end - p >= 9 &&
		    a_ncaseprefix(p, 9, "<!doctype")) {
			q = memchr(p, '>', (size_t)(end - p));
			if (!q)
				return end;
			p = q + 1;
		} else
			return p;
	}
}

/*
 * For a better message than libxml2's when a fetch returned a web page or
 * JSON: HTML is rarely well-formed XML, so look at the bytes.
 */
static const char *
sniff_not_feed(const char *data, size_t len)
{
	const char *end = data + (len > 4096 ? 4096 : len), *p;

	p = skip_prolog(data, end, 1);
	if (p < end && *p == '{')
		return "not a feed: got JSON behind an XML prolog";
	if (a_ncaseprefix(p, (size_t)(end - p), "<!doctype html"))
		return "not a feed: got an HTML page";
	p = skip_prolog(p, end, 0);
	if (a_ncaseprefix(p, (size_t)(end - p), "<html"))
		return "not a feed: got an HTML page";
	return NULL;
}

/* libxml2's last error as "line:col: message", on one line. */
static int
xml_error(xmlParserCtxtPtr ctxt, const char *data, size_t len,
    struct herald_err *err)
{
	const xmlError *e = xmlCtxtGetLastError(ctxt);
	const char *sniff = sniff_not_feed(data, len);
	char msg[160];
	size_t n;

	if (sniff)
		return herald_err_set(err, HERALD_E_NOTFEED, "%s", sniff);
	if (!e || !e->message)
		return herald_err_set(err, HERALD_E_INVAL,
		    "not XML: unknown libxml2 error");
	snprintf(msg, sizeof(msg), "%s", e->message);
	/* The cut may split a UTF-8 sequence: the message must stay valid. */
	if (!text_utf8_valid(msg, strlen(msg)))
		for (n = 0; msg[n]; n++)
			if ((unsigned char)msg[n] & 0x80)
				msg[n] = '?';
	for (n = 0; msg[n]; n++)
		if (msg[n] == '\n' || msg[n] == '\r')
			msg[n] = ' ';
	while (n > 0 && msg[n - 1] == ' ')
		msg[--n] = '\0';
	/* libxml2 caps depth at 256 without XML_PARSE_HUGE (X7). */
	if (strstr(msg, "Excessive depth"))
		return herald_err_set(err, HERALD_E_INVAL, "not XML: %d:%d: "
		    "nesting too deep (more than 256 levels)", e->line,
		    e->int2);
	return herald_err_set(err, HERALD_E_INVAL, "not XML: %d:%d: %s",
	    e->line, e->int2, msg);
}

/* Quotes feed text in a warning: at most PARSE_SNIPPET bytes. */
static const char *
snippet(const char *s, char out[PARSE_SNIPPET + 4])
{
	size_t n = strlen(s);

	if (n <= PARSE_SNIPPET)
		return s;
	n = PARSE_SNIPPET;
	/* Back up to a UTF-8 lead byte so the warning stays valid. */
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(out, s, n);
	memcpy(out + n, "...", 4);
	return out;
}

static enum nsc
uri_nsc(const char *uri)
{
	size_t i;

	for (i = 0; i < sizeof(ns_known) / sizeof(ns_known[0]); i++)
		if (!strcmp(uri, ns_known[i].uri))
			return ns_known[i].nsc;
	return NSC_OTHER;
}

/*
 * The vocabulary and local name of an element. An unbound prefix
 * ("dc:date" without xmlns:dc) is a namespace error that libxml2 lets
 * through with the prefix in the name; map the usual prefixes, as
 * feedparser does, rather than lose the field.
 */
static enum nsc
node_nsc(const struct pstate *ps, const xmlNode *n, const char **local)
{
	const char *name = (const char *)n->name, *colon;
	size_t i, plen;
	enum nsc nsc;

	*local = name;
	if (n->ns && n->ns->href) {
		/*
		 * Every element in the scope of a declaration shares its
		 * xmlNs: the answer is kept there once the walk has begun
		 * (ps->main set), as the application data libxml2 leaves us.
		 */
		if (n->ns->_private)
			return (enum nsc)((uintptr_t)n->ns->_private - 1);
		if (ps->main_uri &&
		    !strcmp((const char *)n->ns->href, ps->main_uri))
			nsc = ps->main;
		else
			nsc = uri_nsc((const char *)n->ns->href);
		if (ps->main != NSC_NONE)
			n->ns->_private = (void *)((uintptr_t)nsc + 1);
		return nsc;
	}
	colon = strchr(name, ':');
	if (!colon)
		return ps->main;
	*local = colon + 1;
	plen = (size_t)(colon - name);
	for (i = 0; i < sizeof(ns_known) / sizeof(ns_known[0]); i++)
		if (ns_known[i].prefix && strlen(ns_known[i].prefix) == plen &&
		    !memcmp(ns_known[i].prefix, name, plen))
			return ns_known[i].nsc;
	return NSC_OTHER;
}

static const struct tag *
tag_find(const struct tag *tab, size_t n, enum nsc ns, const char *local)
{
	size_t i;

	/*
	 * Case-insensitive like feedparser: <pubdate> is seen in the wild.
	 * Every name in the tables starts with a lower-case letter.
	 */
	for (i = 0; i < n; i++)
		if (tab[i].ns == ns && tab[i].name[0] == a_lower(*local) &&
		    !a_casecmp(tab[i].name, local))
			return &tab[i];
	return NULL;
}

/*
 * An attribute's value without xmlGetProp(), which would expand entity
 * references in attribute children. Returns a new string or NULL.
 * ns_uri NULL means an attribute without namespace.
 */
static const xmlAttr *
attr_find(const xmlNode *n, const char *ns_uri, const char *name)
{
	const xmlAttr *a;

	for (a = n->properties; a; a = a->next) {
		if (a_lower(a->name[0]) != a_lower((unsigned char)name[0]) ||
		    a_casecmp((const char *)a->name, name) != 0)
			continue;
		if (ns_uri ? !a->ns || strcmp((const char *)a->ns->href,
		    ns_uri) != 0 : a->ns != NULL)
			continue;
		return a;
	}
	return NULL;
}

static char *
attr_value(const xmlAttr *a)
{
	const xmlNode *c;
	struct buf b;
	char ref[128], *dec;

	buf_init(&b, PARSE_MAX_TAG);
	for (c = a->children; c; c = c->next) {
		if (c->type == XML_TEXT_NODE && c->content) {
			if (buf_puts(&b, (const char *)c->content))
				break;
		} else if (c->type == XML_ENTITY_REF_NODE) {
			snprintf(ref, sizeof(ref), "&%s;", c->name);
			dec = text_entities_decode(ref, strlen(ref));
			(void)buf_puts(&b, dec);
			free(dec);
		}
	}
	return buf_detach(&b);
}

static char *
attr_get(const xmlNode *n, const char *ns_uri, const char *name)
{
	const xmlAttr *a = attr_find(n, ns_uri, name);

	return a ? attr_value(a) : NULL;
}

/*
 * attr_get() without the copy when the value is one text node, the
 * usual case: borrowed from the tree; otherwise a copy, also left in
 * *own for the caller to free (*own is NULL when nothing was copied).
 */
static const char *
attr_ref(const xmlNode *n, const char *ns_uri, const char *name,
    char **own)
{
	const xmlAttr *a = attr_find(n, ns_uri, name);
	const xmlNode *c;

	*own = NULL;
	if (!a)
		return NULL;
	c = a->children;
	if (!c)
		return "";
	if (!c->next && c->type == XML_TEXT_NODE && c->content)
		return (const char *)c->content;
	*own = attr_value(a);
	return *own;
}

/* Trimmed copy of s, or NULL when nothing is left. */
static char *
trim_dup(const char *s)
{
	size_t n;

	while (a_space((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && a_space((unsigned char)s[n - 1]))
		n--;
	return n ? xstrndup(s, n) : NULL;
}

/* s without leading and trailing white space, or NULL when empty. */
static const char *
trimmed(const char *s, char **own)
{
	size_t n = strlen(s);

	*own = NULL;
	if (n > 0 && !a_space((unsigned char)s[0]) &&
	    !a_space((unsigned char)s[n - 1]))
		return s;
	*own = trim_dup(s);
	return *own;
}

/*
 * 1 if the (cleaned) URL u names a scheme other than http or https.
 * Every relative link under such a base would become a javascript: or
 * data: URL: a base like that is ignored, as feedparser does.
 */
static int
scheme_unsafe(const char *u)
{
	size_t i;

	if (!((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z')))
		return 0;
	/* RFC 3986 §3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
	for (i = 1; u[i] && u[i] != ':'; i++)
		if (!((u[i] >= 'a' && u[i] <= 'z') ||
		    (u[i] >= 'A' && u[i] <= 'Z') ||
		    (u[i] >= '0' && u[i] <= '9') || u[i] == '+' ||
		    u[i] == '-' || u[i] == '.'))
			return 0;
	if (u[i] != ':')
		return 0;
	return !((i == 4 && a_ncaseprefix(u, i, "http")) ||
	    (i == 5 && a_ncaseprefix(u, i, "https")));
}

/*
 * A new base URL when n carries xml:base (CDF: BASE), else NULL: use the
 * parent's. A base with another scheme than http(s) is ignored.
 */
static char *
base_of(const struct pstate *ps, const char *parent, const xmlNode *n)
{
	char *xb, *t, *r;

	xb = attr_get(n, NS_XML, "base");
	if (!xb && ps->main == NSC_CDF)
		xb = attr_get(n, NULL, "base");
	if (!xb)
		return NULL;
	t = trim_dup(xb);
	free(xb);
	if (!t)
		return NULL;
	/* XML Base §4.2 / RFC 3986 §5.1: relative to the parent's base. */
	r = url_resolve(parent, t);
	free(t);
	if (r && scheme_unsafe(r)) {
		free(r);
		r = NULL;
	}
	return r;
}

enum cmode {
	CM_TEXT,	/* character data only */
	CM_HTML,	/* text is HTML source; child elements become tags */
	CM_XHTML,	/* child elements are markup; text is escaped */
	CM_OWN,		/* the element's own character data only */
};

/*
 * Appends s[0..n) to b within PARSE_MAX_FIELD, cutting at a UTF-8
 * boundary; returns 1 once the cap is hit.
 */
static int
put(struct buf *b, const char *s, size_t n)
{
	size_t room = PARSE_MAX_FIELD - buf_len(b);

	if (n <= room) {
		(void)buf_append(b, s, n);
		return 0;
	}
	while (room > 0 && ((unsigned char)s[room] & 0xc0) == 0x80)
		room--;
	(void)buf_append(b, s, room);
	return 1;
}

/* Appends s escaped as HTML text, or attribute value when attr. */
static int
put_escaped(struct buf *b, const char *s, int attr)
{
	const char *run = s;
	const char *rep;

	for (; *s; s++) {
		rep = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" :
		    *s == '>' ? "&gt;" : *s == '"' && attr ? "&quot;" : NULL;
		if (!rep)
			continue;
		if (put(b, run, (size_t)(s - run)) || put(b, rep, strlen(rep)))
			return 1;
		run = s + 1;
	}
	return put(b, run, (size_t)(s - run));
}

static const char *
local_name(const xmlNode *n)
{
	const char *colon = strchr((const char *)n->name, ':');

	return colon ? colon + 1 : (const char *)n->name;
}

/* HTML5 §13.1.2's void elements: a start tag and no end tag. */
static int
is_void(const char *name)
{
	static const char *const v[] = { "area", "base", "br", "col",
	    "embed", "hr", "img", "input", "link", "meta", "source", "track",
	    "wbr" };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!a_casecmp(name, v[i]))
			return 1;
	return 0;
}

/* Appends n's attributes as HTML, ' name="value"', values escaped. */
static int
put_attrs(struct buf *b, const xmlNode *n)
{
	const xmlAttr *a;
	const xmlNode *c;
	char ref[128], *dec;
	int full = 0;

	for (a = n->properties; a && !full; a = a->next) {
		full = put(b, " ", 1);
		if (!full && a->ns && a->ns->prefix)
			full = put(b, (const char *)a->ns->prefix,
			    strlen((const char *)a->ns->prefix)) ||
			    put(b, ":", 1);
		full = full || put(b, (const char *)a->name,
		    strlen((const char *)a->name)) || put(b, "=\"", 2);
		for (c = a->children; c && !full; c = c->next) {
			if (c->type == XML_TEXT_NODE && c->content) {
				full = put_escaped(b, (const char *)c->content,
				    1);
			} else if (c->type == XML_ENTITY_REF_NODE) {
				snprintf(ref, sizeof(ref), "&%s;", c->name);
				dec = text_entities_decode(ref, strlen(ref));
				full = put_escaped(b, dec, 1);
				free(dec);
			}
		}
		full = full || put(b, "\"", 1);
	}
	return full;
}

/* One node of collect(): its text, or its start tag in markup modes. */
static int
collect_node(struct buf *b, const xmlNode *n, enum cmode mode)
{
	char ref[128], *dec;
	int full = 0;

	switch (n->type) {
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (!n->content)
			break;
		if (mode == CM_XHTML)
			full = put_escaped(b, (const char *)n->content, 0);
		else
			full = put(b, (const char *)n->content,
			    strlen((const char *)n->content));
		break;
	case XML_ENTITY_REF_NODE:
		/*
		 * Only undefined entities get here (declarations are
		 * refused), e.g. &eacute; under RSS 0.91's Netscape DOCTYPE.
		 * Map the HTML name ourselves (RELIABILITY §8.1); never look
		 * at the node's children.
		 */
		snprintf(ref, sizeof(ref), "&%s;", n->name);
		if (mode == CM_HTML || mode == CM_XHTML)
			return put(b, ref, strlen(ref));
		dec = text_entities_decode(ref, strlen(ref));
		full = put(b, dec, strlen(dec));
		free(dec);
		break;
	case XML_ELEMENT_NODE:
		if (mode == CM_HTML || mode == CM_XHTML)
			full = put(b, "<", 1) ||
			    put(b, local_name(n), strlen(local_name(n))) ||
			    put_attrs(b, n) || put(b, ">", 1);
		break;
	default:
		break;
	}
	return full;
}

static int
collect_close(struct buf *b, const xmlNode *n, enum cmode mode)
{
	if ((mode != CM_HTML && mode != CM_XHTML) ||
	    (!n->children && is_void(local_name(n))))
		return 0;
	return put(b, "</", 2) ||
	    put(b, local_name(n), strlen(local_name(n))) || put(b, ">", 1);
}

/*
 * Appends the character data under top to b (reset first). Iterative,
 * so no document can exhaust the stack (X7); descends only into element
 * nodes. Returns 1 when the field was cut at PARSE_MAX_FIELD.
 */
static int
collect(struct buf *b, const xmlNode *top, enum cmode mode)
{
	const xmlNode *n = top->children;

	buf_reset(b);
	while (n) {
		if (collect_node(b, n, mode))
			return 1;
		if (n->type == XML_ELEMENT_NODE && n->children &&
		    mode != CM_OWN) {
			n = n->children;
			continue;
		}
		if (n->type == XML_ELEMENT_NODE && collect_close(b, n, mode))
			return 1;
		while (n != top && !n->next) {
			n = n->parent;
			if (n != top && collect_close(b, n, mode))
				return 1;
		}
		n = n == top ? NULL : n->next;
	}
	return 0;
}

static long
line_of(const xmlNode *n)
{
	return xmlGetLineNo(n);
}

/*
 * Final checks on a text value: empty is absent, at most PARSE_MAX_FIELD
 * bytes, valid UTF-8 (libxml2 guarantees it; this is the belt). Takes s.
 */
static char *
field_finish(struct pstate *ps, const xmlNode *n, char *s, int truncated)
{
	size_t len;
	char *fixed;

	if (!s || !*s) {
		free(s);
		return NULL;
	}
	len = strlen(s);
	if (len > PARSE_MAX_FIELD) {
		len = PARSE_MAX_FIELD;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
		s[len] = '\0';
		truncated = 1;
	}
	if (truncated)
		feed_doc_warn(ps->doc, "line %ld: <%s> longer than %d KiB, "
		    "truncated", line_of(n), (const char *)n->name,
		    PARSE_MAX_FIELD / 1024);
	if (!text_utf8_valid(s, len)) {
		fixed = text_utf8_repair(s, len, NULL);
		free(s);
		s = fixed;
		feed_doc_warn(ps->doc, "line %ld: invalid UTF-8 in <%s> "
		    "replaced", line_of(n), (const char *)n->name);
	}
	return s;
}

/*
 * The character data of n read per mode (CM_TEXT, CM_HTML or CM_OWN):
 * the text node's own string when n holds just one (the usual case, no
 * copy), else collected into ps->b. *trunc is set when it was cut.
 */
static const char *
text_view(struct pstate *ps, const xmlNode *n, enum cmode mode,
    size_t *len, int *trunc)
{
	const xmlNode *c = n->children;

	if (c && !c->next && c->type == XML_TEXT_NODE && c->content &&
	    mode != CM_XHTML) {
		*len = strlen((const char *)c->content);
		if (*len <= PARSE_MAX_FIELD) {
			*trunc = 0;
			return (const char *)c->content;
		}
	}
	*trunc = collect(&ps->b, n, mode);
	*len = buf_len(&ps->b);
	return buf_str(&ps->b);
}

/*
 * s[0..len) as plain text (text: whitespace folded; HTML: converted), a
 * new string or NULL when empty. It is cut at PARSE_MAX_FIELD bytes on a
 * character boundary, with a warning as for a cut in collect(); the
 * converters make it valid UTF-8. Goes through ps->out, so that each
 * field costs one allocation of its own size.
 */
static char *
plain_field(struct pstate *ps, const xmlNode *n, int mode, const char *s,
    size_t len, int trunc)
{
	const char *o;
	size_t olen;

	buf_reset(&ps->out);
	if (mode == CM_TEXT || mode == CM_OWN)
		(void)text_fold_ws_buf(s, len, &ps->out);
	else
		(void)text_html_to_plain_buf(s, len, &ps->out);
	o = buf_str(&ps->out);
	olen = buf_len(&ps->out);
	if (olen == 0)
		return NULL;
	if (olen > PARSE_MAX_FIELD) {
		olen = PARSE_MAX_FIELD;
		while (olen > 0 && ((unsigned char)o[olen] & 0xc0) == 0x80)
			olen--;
		trunc = 1;
	}
	if (trunc)
		feed_doc_warn(ps->doc, "line %ld: <%s> longer than %d KiB, "
		    "truncated", line_of(n), (const char *)n->name,
		    PARSE_MAX_FIELD / 1024);
	return xstrndup(o, olen);
}

static char *read_markup(struct pstate *, const xmlNode *, enum kind,
    char **);

/* The element's text per kind, as plain text. */
static char *
read_text(struct pstate *ps, const xmlNode *n, enum kind kind)
{
	const char *v;
	size_t len;
	int trunc;

	if (kind == K_HTML)
		return read_markup(ps, n, K_HTML, NULL);
	v = text_view(ps, n, CM_TEXT, &len, &trunc);
	if (kind == K_PLAIN)
		return plain_field(ps, n, CM_TEXT, v, len, trunc);
	return field_finish(ps, n, trim_dup(v), trunc);
}

/* The element's own character data, whitespace folded. */
static char *
read_own_text(struct pstate *ps, const xmlNode *n)
{
	const char *v;
	size_t len;
	int trunc;

	v = text_view(ps, n, CM_OWN, &len, &trunc);
	return plain_field(ps, n, CM_TEXT, v, len, trunc);
}

/* How an Atom text construct or content element is read. */
struct amode {
	int		 mode;	/* enum cmode */
	int		 b64;	/* base64: decode, then read per mode */
	int		 opaque;	/* binary MIME type: kept if text */
};

/*
 * RFC 4287 §3.1.1: type "text" (default, also when empty), "html" or
 * "xhtml"; atom:content may name a MIME type (§4.1.3), and any other
 * than text/... or an XML type is base64 (§4.1.3.3 rule 5); feeds write
 * that into titles too. Atom 0.3 adds mode="escaped|xml|base64" and MIME
 * types for every construct. An unknown token that is no MIME type is
 * read as text rather than lost.
 */
static void
atom_text_mode(const xmlNode *n, struct amode *am)
{
	char *type_own, *mode_own, *tt = NULL;
	const char *type = attr_ref(n, NULL, "type", &type_own);
	const char *mode = attr_ref(n, NULL, "mode", &mode_own);
	const char *t = type ? trimmed(type, &tt) : NULL;
	int html, xhtml, b64;

	if (!t)
		t = "text";

	html = !a_casecmp(t, "html") || !a_casecmp(t, "text/html");
	xhtml = !a_casecmp(t, "xhtml") ||
	    !a_casecmp(t, "application/xhtml+xml");
	b64 = mode && !a_casecmp(mode, "base64");
	am->b64 = b64;
	am->opaque = 0;
	if (b64 || (mode && !a_casecmp(mode, "escaped")))
		am->mode = html || xhtml ? CM_HTML : CM_TEXT;
	else if (xhtml)
		am->mode = CM_XHTML;
	/*
	 * Atom 0.3 feeds write type="text/html" without mode and mean
	 * escaped HTML far more often than inline XML.
	 */
	else if (html)
		am->mode = CM_HTML;
	else if (!a_casecmp(t, "text") || a_ncaseprefix(t, strlen(t),
	    "text/"))
		am->mode = CM_TEXT;
	else if (strstr(t, "+xml") || strstr(t, "/xml"))
		am->mode = CM_XHTML;
	else if (strchr(t, '/')) {
		am->mode = CM_HTML;
		am->b64 = 1;
		am->opaque = 1;
	} else
		am->mode = CM_TEXT;
	free(tt);
	free(type_own);
	free(mode_own);
}

/*
 * RFC 4648 §4 base64, white space ignored, up to the first '='. Returns
 * a new buffer (*outlen bytes plus a NUL), or NULL on any other byte.
 */
static char *
base64_decode(const char *s, size_t n, size_t *outlen)
{
	static const char alpha[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long acc = 0;
	const char *p;
	size_t i, o = 0;
	char *out;
	int bits = 0;

	out = xmalloc(n / 4 * 3 + 4);
	for (i = 0; i < n && s[i] != '='; i++) {
		if (a_space((unsigned char)s[i]))
			continue;
		p = s[i] ? strchr(alpha, s[i]) : NULL;
		if (!p) {
			free(out);
			return NULL;
		}
		acc = (acc << 6 | (unsigned long)(p - alpha)) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/*
 * A content element's HTML for feed_item.content_html, from its source
 * s[0..len) read per mode: text is escaped as HTML, HTML and XHTML are
 * kept as they are; valid UTF-8 without control characters but tab and
 * newline. NULL when empty.
 */
static char *
html_of(int mode, const char *s, size_t len)
{
	struct buf b;
	char *r;

	if (mode != CM_TEXT)
		return len ? text_clean(s, len) : NULL;
	buf_init(&b, PARSE_MAX_FIELD);
	(void)put_escaped(&b, s, 0);
	r = buf_len(&b) ? text_clean(buf_str(&b), buf_len(&b)) : NULL;
	buf_fini(&b);
	return r;
}

/*
 * The plain text of markup source s[0..len) read per mode, and (when
 * html is not NULL) its HTML in *html.
 */
static char *
markup_finish(struct pstate *ps, const xmlNode *n, int mode, const char *s,
    size_t len, int trunc, char **html)
{
	if (html)
		*html = html_of(mode, s, len);
	return plain_field(ps, n, mode, s, len, trunc);
}

/*
 * Base64 content: decoded, made valid UTF-8, then per mode. Opaque
 * (binary MIME type) data is kept only when it decodes to UTF-8 text.
 */
static char *
read_base64(struct pstate *ps, const xmlNode *n, const struct amode *am,
    char **html)
{
	char *raw, *dec, *fixed, *s;
	size_t len;

	raw = read_text(ps, n, K_TEXT);
	if (!raw)
		return NULL;
	dec = base64_decode(raw, strlen(raw), &len);
	free(raw);
	if (!dec) {
		feed_doc_warn(ps->doc, "line %ld: <%s> is not base64",
		    line_of(n), (const char *)n->name);
		return NULL;
	}
	if (am->opaque && !text_utf8_valid(dec, len)) {
		feed_doc_warn(ps->doc, "line %ld: <%s> holds binary data; "
		    "ignored", line_of(n), (const char *)n->name);
		free(dec);
		return NULL;
	}
	fixed = text_utf8_repair(dec, len, NULL);
	free(dec);
	s = markup_finish(ps, n, am->mode, fixed, strlen(fixed), 0, html);
	free(fixed);
	return s;
}

/*
 * RFC 4287 §4.1.3.3 wraps XHTML content in one xhtml:div that is not
 * part of the content: the element to collect from, the div or n.
 */
static const xmlNode *
xhtml_inner(const struct pstate *ps, const xmlNode *n)
{
	const xmlNode *c, *div = NULL;
	const char *local;

	for (c = n->children; c; c = c->next) {
		if (c->type == XML_TEXT_NODE && c->content) {
			const char *t = (const char *)c->content;

			while (a_space((unsigned char)*t))
				t++;
			if (*t)
				return n;
		} else if (c->type == XML_ELEMENT_NODE) {
			if (div || node_nsc(ps, c, &local) != NSC_XHTML ||
			    a_casecmp(local, "div"))
				return n;
			div = c;
		}
	}
	return div ? div : n;
}

/*
 * An element holding HTML or markup (K_HTML, K_ATOMTEXT, K_XHTML) as
 * plain text; for content elements (html not NULL), *html receives the
 * HTML as well (feed_item.content_html).
 */
static char *
read_markup(struct pstate *ps, const xmlNode *n, enum kind kind,
    char **html)
{
	struct amode am = { kind == K_HTML ? CM_HTML : CM_XHTML, 0, 0 };
	const char *v;
	size_t len;
	int trunc;

	if (html)
		*html = NULL;
	if (kind == K_ATOMTEXT)
		atom_text_mode(n, &am);
	if (am.b64)
		return read_base64(ps, n, &am, html);
	if (am.mode == CM_XHTML) {
		trunc = collect(&ps->b, xhtml_inner(ps, n), CM_XHTML);
		v = buf_str(&ps->b);
		len = buf_len(&ps->b);
	} else
		v = text_view(ps, n, (enum cmode)am.mode, &len, &trunc);
	return markup_finish(ps, n, am.mode, v, len, trunc, html);
}

static void
slots_init(struct slots *sl)
{
	size_t i;

	for (i = 0; i < F_NSLOTS; i++) {
		sl->s[i] = NULL;
		sl->t[i] = DATE_NONE;
		sl->score[i] = -1;
	}
	sl->html = NULL;
}

static void
slots_fini(struct slots *sl)
{
	size_t i;

	for (i = 0; i < F_NSLOTS; i++)
		free(sl->s[i]);
	free(sl->html);
}

/* Hands the slot's string over to the caller. */
static char *
slot_take(struct slots *sl, enum field f)
{
	char *s = sl->s[f];

	sl->s[f] = NULL;
	return s;
}

/*
 * Offers v (taken, may be NULL) for field f: it replaces the current
 * value only with a strictly higher score, so the first of equals wins.
 * A score is the table priority times four plus a sub-priority 0..3.
 */
static void
offer(struct slots *sl, enum field f, int score, char *v)
{
	if (!v)
		return;
	if (score <= sl->score[f]) {
		free(v);
		return;
	}
	free(sl->s[f]);
	sl->s[f] = v;
	sl->score[f] = score;
}

/*
 * The content offer: its plain text and its HTML (either may be NULL:
 * content that is only an image has no text), taken.
 */
static void
offer_content(struct slots *sl, int score, char *plain, char *html)
{
	if ((!plain && !html) || score <= sl->score[F_CONTENT]) {
		free(plain);
		free(html);
		return;
	}
	free(sl->s[F_CONTENT]);
	free(sl->html);
	sl->s[F_CONTENT] = plain;
	sl->html = html;
	sl->score[F_CONTENT] = score;
}

#define SCORE(prio, sub)	((prio) * 4 + (sub))

/*
 * A date offer. An unparsable date is absent, never "now" (STYLE §10),
 * and leaves the slot to a lower-priority element that does parse.
 */
static void
offer_date_str(struct pstate *ps, struct slots *sl, enum field f,
    int score, const xmlNode *n, const char *raw, size_t len)
{
	char sn[PARSE_SNIPPET + 4], *q;
	int64_t t;
	int flags = 0, bad;

	bad = date_parse(raw, len, &t, &flags) != 0;
	if (bad || ((flags & DATE_F_NOZONE) && !(flags & DATE_F_PARTIAL))) {
		q = xstrndup(raw, len);
		if (bad)
			feed_doc_warn(ps->doc, "line %ld: unparsable date "
			    "\"%s\" in <%s>", line_of(n), snippet(q, sn),
			    (const char *)n->name);
		else
			feed_doc_warn(ps->doc, "line %ld: date \"%s\" has no "
			    "time zone; UTC assumed", line_of(n),
			    snippet(q, sn));
		free(q);
	}
	if (!bad) {
		sl->t[f] = t;
		sl->score[f] = score;
	}
}

/* A date element's offer, read in place. */
static void
offer_date(struct pstate *ps, struct slots *sl, enum field f, int score,
    const xmlNode *n)
{
	const char *v;
	size_t len;
	int trunc;

	if (score <= sl->score[f])
		return;
	v = text_view(ps, n, CM_TEXT, &len, &trunc);
	while (len > 0 && a_space((unsigned char)*v)) {
		v++;
		len--;
	}
	while (len > 0 && a_space((unsigned char)v[len - 1]))
		len--;
	if (len > 0)
		offer_date_str(ps, sl, f, score, n, v, len);
}

/* A non-negative decimal integer; -1 when s is not one. */
static int64_t
parse_count(const char *s)
{
	char *end;
	long long v;

	if (!s)
		return -1;
	while (a_space((unsigned char)*s))
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	while (a_space((unsigned char)*end))
		end++;
	if (errno || *end || v < 0)
		return -1;
	return v;
}

/*
 * url_resolve(base, ref), without its work for the usual absolute
 * http(s) link that it returns as it is: nothing for it to clean (no
 * byte up to space) and no dot segment ("/." in any form) to remove.
 */
static char *
resolve_link(const char *base, const char *ref)
{
	const char *p;

	if (strncmp(ref, "http://", 7) != 0 && strncmp(ref, "https://", 8) != 0)
		return url_resolve(base, ref);
	for (p = ref; *p; p++)
		if ((unsigned char)*p <= 0x20 || (*p == '/' && p[1] == '.'))
			return url_resolve(base, ref);
	return xstrdup(ref);
}

/* A URL attribute resolved against the element's base; new or NULL. */
static char *
attr_url(const struct pstate *ps, const xmlNode *n, const char *name,
    const char *base)
{
	char *vo, *own, *r;
	const char *v;

	v = attr_ref(n, NULL, name, &vo);
	if (!v)
		return NULL;
	/* url_resolve() trims; nothing left is NULL. */
	own = base_of(ps, base, n);
	r = resolve_link(own ? own : base, v);
	free(own);
	free(vo);
	return r;
}

static void
add_enclosure(struct pstate *ps, struct feed_item *it, const xmlNode *n,
    char *url, const char *lenattr, int *capped)
{
	struct feed_enclosure *e;
	char *type, *len;
	size_t i;

	if (!url)
		return;
	/* media:content often repeats the RSS enclosure. */
	for (i = 0; i < it->nenclosures; i++) {
		if (!strcmp(it->enclosures[i].url, url)) {
			free(url);
			return;
		}
	}
	if (it->nenclosures >= PARSE_MAX_ENCLOSURES) {
		if (!*capped)
			feed_doc_warn(ps->doc, "line %ld: more than %d "
			    "enclosures in one item; the rest are ignored",
			    line_of(n), PARSE_MAX_ENCLOSURES);
		*capped = 1;
		free(url);
		return;
	}
	e = feed_item_add_enclosure(it, url);
	type = attr_get(n, NULL, "type");
	e->type = type ? trim_dup(type) : NULL;
	free(type);
	len = attr_get(n, NULL, lenattr);
	e->length = parse_count(len);
	free(len);
}

static void
add_category(struct pstate *ps, struct feed_item *it, const xmlNode *n,
    char *s, int *capped)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < it->ncategories; i++)
		if (!strcmp(it->categories[i], s))
			goto out;
	if (it->ncategories >= PARSE_MAX_CATEGORIES) {
		if (!*capped)
			feed_doc_warn(ps->doc, "line %ld: more than %d "
			    "categories in one item; the rest are ignored",
			    line_of(n), PARSE_MAX_CATEGORIES);
		*capped = 1;
		goto out;
	}
	feed_item_add_category(it, s);
out:
	free(s);
}

/* "name (email)", feedparser's author string; takes both. */
static char *
person_both(char *name, char *email)
{
	char *r;
	size_t n;

	if (!email)
		return name;
	if (!name)
		return email;
	n = strlen(name) + strlen(email) + 4;
	r = xmalloc(n);
	snprintf(r, n, "%s (%s)", name, email);
	free(name);
	free(email);
	return r;
}

/*
 * A person construct's "name (email)", else its name, else its email,
 * else its bare text.
 */
static char *
read_person(struct pstate *ps, const xmlNode *n)
{
	const xmlNode *c, *name = NULL, *email = NULL;
	int elems = 0;

	for (c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		elems = 1;
		if (!name && !a_casecmp(local_name(c), "name"))
			name = c;
		else if (!email && !a_casecmp(local_name(c), "email"))
			email = c;
	}
	if (name && email)
		return person_both(read_text(ps, name, K_PLAIN),
		    read_text(ps, email, K_PLAIN));
	if (name)
		return read_text(ps, name, K_PLAIN);
	if (email)
		return read_text(ps, email, K_PLAIN);
	return elems ? NULL : read_text(ps, n, K_PLAIN);
}

/* The <title> of an RSS <image>, as plain text. */
static char *
read_image_title(struct pstate *ps, const xmlNode *n)
{
	const xmlNode *c;
	const char *local;

	for (c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    node_nsc(ps, c, &local) == NSC_RSS &&
		    !a_casecmp(local, "title"))
			return read_text(ps, c, K_HTML);
	return NULL;
}

/*
 * RFC 4287 §4.2.7.2: a link without rel is rel="alternate", and the IANA
 * URI form names the same relation. Among alternates, text/html is the
 * page a reader wants; no type comes next; other types last.
 */
static void
atom_link(struct pstate *ps, const struct tag *tg, const xmlNode *n,
    const char *base, struct slots *sl, struct feed_item *it,
    int *capped)
{
	static const char iana[] = "http://www.iana.org/assignments/relation/";
	char *rel_own, *type_own, *url;
	const char *r, *rel, *type;
	int sub;

	url = attr_url(ps, n, "href", base);
	if (!url)
		return;
	rel = attr_ref(n, NULL, "rel", &rel_own);
	type = attr_ref(n, NULL, "type", &type_own);
	r = rel ? rel : "alternate";
	while (a_space((unsigned char)*r))
		r++;
	if (!strncmp(r, iana, sizeof(iana) - 1))
		r += sizeof(iana) - 1;
	if (!a_casecmp(r, "alternate")) {
		sub = !type ? 1 : !a_casecmp(type, "text/html") ||
		    !a_casecmp(type, "application/xhtml+xml") ? 2 : 0;
		offer(sl, tg->field, SCORE(tg->prio, sub), url);
	} else if (!a_casecmp(r, "enclosure") && it)
		add_enclosure(ps, it, n, url, "length", capped);
	else
		free(url);
	free(rel_own);
	free(type_own);
}

/*
 * RSS 2.0 guid: the id; and, when isPermaLink is not "false" (its
 * default is true) and the value is an http(s) URL, a fallback link.
 */
static void
rss_guid(struct pstate *ps, const struct tag *tg, const xmlNode *n,
    struct slots *sl)
{
	char *v, *perma, *p;

	v = read_text(ps, n, K_TEXT);
	if (!v)
		return;
	perma = attr_get(n, NULL, "isPermaLink");
	p = perma ? trim_dup(perma) : NULL;
	if ((!p || a_casecmp(p, "false") != 0) && url_is_http(v))
		offer(sl, F_LINK, SCORE(PRIO_FALLBACK, 1), xstrdup(v));
	free(perma);
	free(p);
	offer(sl, tg->field, SCORE(tg->prio, 1), v);
}

/*
 * atom:id: the id, as given (an identifier is never resolved); and when
 * it is an http(s) URL, the last-resort link, as feedparser does.
 */
static void
atom_id(struct pstate *ps, const struct tag *tg, const xmlNode *n,
    struct slots *sl)
{
	char *v;

	v = read_text(ps, n, K_TEXT);
	if (!v)
		return;
	if (url_is_http(v))
		offer(sl, F_LINK, SCORE(PRIO_FALLBACK, 1), xstrdup(v));
	offer(sl, tg->field, SCORE(tg->prio, 1), v);
}

/* Per-item caps already warned about. */
struct item_caps {
	int		 categories;
	int		 enclosures;
};

static void
apply_category(struct pstate *ps, const struct tag *tg, const xmlNode *n,
    struct feed_item *it, struct item_caps *caps)
{
	char *v;

	if (tg->kind != K_TERM) {
		/* Its own text: not that of an <image> nested in it. */
		add_category(ps, it, n, read_own_text(ps, n),
		    &caps->categories);
		return;
	}
	v = attr_get(n, NULL, "term");
	add_category(ps, it, n, v ? text_fold_ws(v, strlen(v)) : NULL,
	    &caps->categories);
	free(v);
}

/* An RSS <link>: its text, resolved against the element's base. */
static char *
read_link(struct pstate *ps, const xmlNode *n, const char *base)
{
	char *v, *own, *r;

	v = read_text(ps, n, K_TEXT);
	/* Some RSS feeds write an Atom-style <link href=""/>. */
	if (!v)
		return attr_url(ps, n, "href", base);
	own = base_of(ps, base, n);
	r = resolve_link(own ? own : base, v);
	free(own);
	free(v);
	return r;
}

/*
 * Applies one table row to element n. it is NULL at feed level, where
 * categories and enclosures are not collected. Values that cannot beat
 * the current offer are not even read.
 */
static void
apply(struct pstate *ps, const struct tag *tg, const xmlNode *n,
    const char *base, struct slots *sl, struct feed_item *it,
    struct item_caps *caps)
{
	int score = SCORE(tg->prio, 1);
	char *html, *plain;

	if (tg->field == F_CONTENT) {
		if (score > sl->score[F_CONTENT]) {
			plain = read_markup(ps, n, tg->kind, &html);
			offer_content(sl, score, plain, html);
		}
		return;
	}
	if (tg->field == F_CATEGORY) {
		if (it)
			apply_category(ps, tg, n, it, caps);
		return;
	}
	switch (tg->kind) {
	case K_TEXT:
	case K_PLAIN:
	case K_HTML:
		if (score > sl->score[tg->field])
			offer(sl, tg->field, score, read_text(ps, n, tg->kind));
		break;
	case K_ATOMTEXT:
	case K_XHTML:
		if (score > sl->score[tg->field])
			offer(sl, tg->field, score,
			    read_markup(ps, n, tg->kind, NULL));
		break;
	case K_URL:
		if (score > sl->score[tg->field])
			offer(sl, tg->field, score, read_link(ps, n, base));
		break;
	case K_PERSON:
		if (score > sl->score[tg->field])
			offer(sl, tg->field, score, read_person(ps, n));
		break;
	case K_IMAGE:
		if (score > sl->score[tg->field])
			offer(sl, tg->field, score, read_image_title(ps, n));
		break;
	case K_GUID:
		rss_guid(ps, tg, n, sl);
		break;
	case K_ATOMID:
		atom_id(ps, tg, n, sl);
		break;
	case K_ATOMLINK:
		atom_link(ps, tg, n, base, sl, it, &caps->enclosures);
		break;
	case K_DATE:
		offer_date(ps, sl, tg->field, score, n);
		break;
	case K_ENCLOSURE:
	case K_MEDIA:
		if (it)
			add_enclosure(ps, it, n, attr_url(ps, n, "url", base),
			    tg->kind == K_MEDIA ? "fileSize" : "length",
			    &caps->enclosures);
		break;
	case K_TERM:
	case K_GROUP:
		break;
	}
}

/* Offers the fields n carries as attributes (self_tags[]). */
static void
apply_attrs(struct pstate *ps, const xmlNode *n, const char *base,
    struct slots *sl)
{
	const struct attr_tag *at;
	const char *local;
	enum nsc nsc;
	char *v, *t;
	size_t i;

	if (!n->properties)
		return;
	nsc = node_nsc(ps, n, &local);
	for (i = 0; i < sizeof(self_tags) / sizeof(self_tags[0]); i++) {
		at = &self_tags[i];
		if (at->ns != NSC_NONE && at->ns != nsc)
			continue;
		v = attr_get(n, at->uri, at->name);
		t = v ? trim_dup(v) : NULL;
		free(v);
		if (!t)
			continue;
		if (at->kind == K_DATE) {
			if (SCORE(at->prio, 1) > sl->score[at->field])
				offer_date_str(ps, sl, at->field,
				    SCORE(at->prio, 1), n, t, strlen(t));
			free(t);
		} else if (at->kind == K_URL) {
			offer(sl, at->field, SCORE(at->prio, 1),
			    url_resolve(base, t));
			free(t);
		} else
			offer(sl, at->field, SCORE(at->prio, 1), t);
	}
}

static const struct tag *
elem_tag(struct pstate *ps, const xmlNode *n, const struct tag *tab,
    size_t ntab)
{
	struct tag_memo *m;
	const char *local;
	enum nsc nsc;

	if (n->type != XML_ELEMENT_NODE)
		return NULL;
	/*
	 * libxml2 interns names in the document's dictionary: the same
	 * (name, namespace) pointers are the same element kind, looked up
	 * once per document rather than once per element.
	 */
	m = &ps->memo[((uintptr_t)n->name >> 3 ^ (uintptr_t)n->ns >> 3) &
	    (PARSE_MEMO - 1)];
	if (m->name == n->name && m->ns == n->ns && m->tab == tab)
		return m->tg;
	nsc = node_nsc(ps, n, &local);
	m->name = n->name;
	m->ns = n->ns;
	m->tab = tab;
	m->tg = tag_find(tab, ntab, nsc, local);
	return m->tg;
}

#define NTAGS(t)	(sizeof(t) / sizeof((t)[0]))

static void
parse_item(struct pstate *ps, const xmlNode *node, const char *parent_base)
{
	struct item_caps caps = { 0, 0 };
	const struct tag *tg, *sub;
	const xmlNode *c, *g;
	struct feed_item *it;
	struct slots sl;
	char *own;
	const char *base;

	if (ps->doc->nitems >= PARSE_MAX_ITEMS) {
		if (!ps->full)
			feed_doc_warn(ps->doc, "line %ld: more than %d items; "
			    "the rest are ignored", line_of(node),
			    PARSE_MAX_ITEMS);
		ps->full = 1;
		return;
	}
	/*
	 * After recovery an item whose end tag never came is a guess at
	 * best (a truncated "<title>tw"): keep only closed ones (X10).
	 */
	if (ps->recovered && node->_private == NULL) {
		feed_doc_warn(ps->doc, "line %ld: <%s> without its end tag "
		    "dropped", line_of(node), (const char *)node->name);
		return;
	}
	own = base_of(ps, parent_base, node);
	base = own ? own : parent_base;
	slots_init(&sl);
	/* Borrowed until the next add: nothing below adds an item. */
	it = feed_doc_add_item(ps->doc);
	apply_attrs(ps, node, base, &sl);
	for (c = node->children; c; c = c->next) {
		tg = elem_tag(ps, c, item_tags, NTAGS(item_tags));
		if (!tg)
			continue;
		if (tg->kind != K_GROUP) {
			apply(ps, tg, c, base, &sl, it, &caps);
			if (tg->field != F_CATEGORY)
				continue;
		}
		/*
		 * media:group's children are the item's; so is an <image>
		 * that a feed nests in a <category>.
		 */
		for (g = c->children; g; g = g->next) {
			sub = elem_tag(ps, g, item_tags, NTAGS(item_tags));
			if (sub && (tg->kind == K_GROUP ?
			    sub->kind != K_GROUP : sub->kind == K_IMAGE))
				apply(ps, sub, g, base, &sl, it, &caps);
		}
	}
	it->id = slot_take(&sl, F_ID);
	it->link = slot_take(&sl, F_LINK);
	it->title = slot_take(&sl, F_TITLE);
	it->summary = slot_take(&sl, F_SUMMARY);
	it->content = slot_take(&sl, F_CONTENT);
	it->content_html = sl.html;
	sl.html = NULL;
	/*
	 * Without a summary the content is the summary (as feedparser
	 * does): search and topics read title and summary.
	 */
	if (!it->summary && it->content)
		it->summary = xstrdup(it->content);
	it->author = slot_take(&sl, F_AUTHOR);
	/* RFC 4287 §4.2.1: an entry without author has the feed's. */
	if (!it->author && ps->feed_author)
		it->author = xstrdup(ps->feed_author);
	it->published = sl.t[F_PUBLISHED];
	it->updated = sl.t[F_UPDATED];
	slots_fini(&sl);
	free(own);
}

static int
is_named(const struct pstate *ps, const xmlNode *n, enum nsc want,
    const char *name)
{
	const char *local;

	if (n->type != XML_ELEMENT_NODE)
		return 0;
	return node_nsc(ps, n, &local) == want && !a_casecmp(local, name);
}

static int
is_item(const struct pstate *ps, const xmlNode *n)
{
	/* <item> in an Atom feed is a common mistake feedparser forgives. */
	return is_named(ps, n, NSC_RSS, "item") ||
	    is_named(ps, n, NSC_ATOM, "entry") ||
	    is_named(ps, n, NSC_ATOM, "item") ||
	    is_named(ps, n, NSC_CDF, "item");
}

static void
walk_feed_fields(struct pstate *ps, const xmlNode *container,
    const char *base, struct slots *fs)
{
	struct item_caps caps = { 0, 0 };
	const struct tag *tg;
	const xmlNode *c;

	apply_attrs(ps, container, base, fs);
	for (c = container->children; c; c = c->next) {
		tg = elem_tag(ps, c, feed_tags, NTAGS(feed_tags));
		if (tg)
			apply(ps, tg, c, base, fs, NULL, &caps);
	}
}

/*
 * The items in container, and in the channels of vocabulary channels
 * (NSC_NONE: none) nested in it: RSS's channel under the root (RSS 1.0
 * §5.5 puts items beside it), CDF's channels within channels. libxml2's
 * depth cap (256) bounds the recursion.
 */
static void
walk_items(struct pstate *ps, const xmlNode *container, const char *base,
    enum nsc channels)
{
	const xmlNode *c;
	char *own;

	for (c = container->children; c && !ps->full; c = c->next) {
		if (is_item(ps, c)) {
			parse_item(ps, c, base);
		} else if (channels != NSC_NONE &&
		    is_named(ps, c, channels, "channel")) {
			own = base_of(ps, base, c);
			walk_items(ps, c, own ? own : base, channels);
			free(own);
		}
	}
}

/*
 * RSS 2.0 <ttl> is minutes; the syndication module gives a period and a
 * frequency within it. Returns seconds or -1.
 */
static int64_t
feed_ttl(struct pstate *ps, const struct slots *fs)
{
	static const struct {
		const char	*name;
		int64_t		 secs;
	} periods[] = {
		{ "hourly", 3600 }, { "daily", 86400 }, { "weekly", 604800 },
		{ "monthly", 2592000 }, { "yearly", 31536000 },
	};
	char sn[PARSE_SNIPPET + 4];
	int64_t m, freq;
	size_t i;

	if (fs->s[F_TTL]) {
		m = parse_count(fs->s[F_TTL]);
		/* Ten years of minutes: anything more is not a TTL. */
		if (m >= 0 && m <= 5256000)
			return m * 60;
		feed_doc_warn(ps->doc, "<ttl> \"%s\" is not a number of "
		    "minutes", snippet(fs->s[F_TTL], sn));
	}
	if (!fs->s[F_SYPERIOD])
		return -1;
	freq = fs->s[F_SYFREQ] ? parse_count(fs->s[F_SYFREQ]) : 1;
	if (freq < 1 || freq > 1000000)
		freq = 1;
	for (i = 0; i < sizeof(periods) / sizeof(periods[0]); i++)
		if (!a_casecmp(fs->s[F_SYPERIOD], periods[i].name))
			return periods[i].secs / freq;
	feed_doc_warn(ps->doc, "<sy:updatePeriod> \"%s\" unknown",
	    snippet(fs->s[F_SYPERIOD], sn));
	return -1;
}

static void
feed_finish(struct pstate *ps, struct slots *fs)
{
	ps->doc->title = slot_take(fs, F_TITLE);
	ps->doc->link = slot_take(fs, F_LINK);
	ps->doc->updated = fs->t[F_UPDATED];
	ps->doc->ttl = feed_ttl(ps, fs);
}

/* RSS 0.9x/2.0 and RSS 1.0: fields from channel, items in or beside it. */
static void
walk_rss(struct pstate *ps, const xmlNode *root, const char *base)
{
	struct slots fs;
	const xmlNode *c;
	char *own;

	slots_init(&fs);
	for (c = root->children; c; c = c->next) {
		if (!is_named(ps, c, NSC_RSS, "channel"))
			continue;
		own = base_of(ps, base, c);
		walk_feed_fields(ps, c, own ? own : base, &fs);
		free(own);
	}
	ps->feed_author = fs.s[F_AUTHOR];
	walk_items(ps, root, base, NSC_RSS);
	ps->feed_author = NULL;
	feed_finish(ps, &fs);
	slots_fini(&fs);
}

static void
walk_atom(struct pstate *ps, const xmlNode *root, const char *base)
{
	struct slots fs;

	/* RFC 4287 does not order feed metadata before entries. */
	slots_init(&fs);
	walk_feed_fields(ps, root, base, &fs);
	ps->feed_author = fs.s[F_AUTHOR];
	walk_items(ps, root, base, NSC_NONE);
	ps->feed_author = NULL;
	feed_finish(ps, &fs);
	slots_fini(&fs);
}

/*
 * Microsoft CDF (feedparser reads it): the root CHANNEL is the feed, its
 * HREF and LASTMOD attributes the link and date; ITEMs in it or in the
 * CHANNELs nested in it.
 */
static void
walk_cdf(struct pstate *ps, const xmlNode *root, const char *base)
{
	struct slots fs;

	slots_init(&fs);
	walk_feed_fields(ps, root, base, &fs);
	walk_items(ps, root, base, NSC_CDF);
	feed_finish(ps, &fs);
	slots_fini(&fs);
}

/* RSS 0.90 is RDF too; its elements carry their own namespace. */
static const char *
rdf_format(const xmlNode *root)
{
	const xmlNode *c;

	for (c = root->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && c->ns && c->ns->href &&
		    !strcmp((const char *)c->ns->href, NS_RSS090))
			return "rss0.9x";
	return "rss1.0";
}

static const char *
atom_format(struct pstate *ps, const xmlNode *root)
{
	const char *uri = ps->main_uri;
	char *ver;
	int old;

	if (uri && !strcmp(uri, NS_ATOM10))
		return "atom1.0";
	if (uri && !strcmp(uri, NS_ATOM03))
		return "atom0.3";
	/* Pre-release Atom used other namespaces or none; read it anyway. */
	ver = attr_get(root, NULL, "version");
	old = ver && !strncmp(ver, "0.", 2);
	free(ver);
	feed_doc_warn(ps->doc, "<feed> in %s%.100s%s: read as Atom %s",
	    uri ? "namespace \"" : "no namespace", uri ? uri : "",
	    uri ? "\"" : "", old ? "0.3" : "1.0");
	return old ? "atom0.3" : "atom1.0";
}

/* Identifies the format from the root element and walks the tree. */
static int
walk_doc(struct pstate *ps, xmlDocPtr xdoc, const char *base_url,
    struct herald_err *err)
{
	const xmlNode *root = xmlDocGetRootElement(xdoc);
	char sn[PARSE_SNIPPET + 4], *ver, *own, *clean;
	const char *local, *base;
	enum nsc nsc;

	if (!root)
		return herald_err_set(err, HERALD_E_NOTFEED,
		    "not a feed: no root element");
	ps->main = NSC_NONE;
	nsc = node_nsc(ps, root, &local);
	ps->main_uri = root->ns ? (const char *)root->ns->href : NULL;
	if (!a_casecmp(local, "rss")) {
		ver = attr_get(root, NULL, "version");
		ps->doc->format = ver && !strncmp(ver, "0.9", 3) ?
		    "rss0.9x" : "rss2.0";
		free(ver);
		ps->main = NSC_RSS;
	} else if (!strcmp(local, "RDF") &&
	    (nsc == NSC_RDF || nsc == NSC_NONE)) {
		ps->doc->format = rdf_format(root);
		ps->main = NSC_RSS;
		ps->main_uri = NULL;
	} else if (!a_casecmp(local, "feed")) {
		ps->main = NSC_ATOM;
		ps->doc->format = atom_format(ps, root);
	} else if (!a_casecmp(local, "channel") && !root->ns) {
		ps->main = NSC_CDF;
		ps->doc->format = "cdf";
	} else if (!a_casecmp(local, "html")) {
		return herald_err_set(err, HERALD_E_NOTFEED,
		    "not a feed: got an HTML page");
	} else {
		return herald_err_set(err, HERALD_E_NOTFEED,
		    "not a feed: root element <%s>",
		    snippet((const char *)root->name, sn));
	}
	clean = base_url ? url_resolve(NULL, base_url) : NULL;
	if (clean && scheme_unsafe(clean)) {
		feed_doc_warn(ps->doc, "base URL \"%s\" ignored: not http(s)",
		    snippet(clean, sn));
		base_url = NULL;
	}
	free(clean);
	own = base_of(ps, base_url, root);
	base = own ? own : base_url;
	if (ps->main == NSC_ATOM)
		walk_atom(ps, root, base);
	else if (ps->main == NSC_CDF)
		walk_cdf(ps, root, base);
	else
		walk_rss(ps, root, base);
	free(own);
	return 0;
}

/*
 * libxml2's errors in the lenient pass, as warnings with line:col; and
 * whether the last one was an end-tag mismatch, for closed_cb().
 */
static void
lenient_error_cb(void *ctx, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct stop_info *si = ctxt ? ctxt->_private : NULL;
	char msg[120];
	size_t n;

	if (!si || !e)
		return;
	si->mismatch = e->code == XML_ERR_TAG_NAME_MISMATCH;
	if (si->nerrors++ >= PARSE_MAX_XML_WARN)
		return;
	snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "error");
	for (n = 0; msg[n]; n++)
		if (msg[n] == '\n' || msg[n] == '\r' ||
		    ((unsigned char)msg[n] & 0x80))
			msg[n] = msg[n] & 0x80 ? '?' : ' ';
	while (n > 0 && msg[n - 1] == ' ')
		msg[--n] = '\0';
	feed_doc_warn(si->doc, "%d:%d: %s", e->line, e->int2, msg);
}

/*
 * Marks an element whose end tag was really seen: libxml2 also "ends"
 * an element on a mismatched end tag in recovery mode, and never ends
 * the ones left open at the end of the input.
 */
static void
closed_cb(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct stop_info *si = ctxt->_private;

	if (ctxt->node && !si->mismatch)
		ctxt->node->_private = si;
	si->mismatch = 0;
	xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

/*
 * Runs libxml2 on in[0..len) with the options of RELIABILITY.md §8.1;
 * lenient adds RECOVER for the guarded second pass (X10). Returns 0 with
 * *out set (free with xmlFreeDoc()), or an error code; *retry says if a
 * lenient pass may be tried (not after a refusal for safety).
 */
static int
xml_read(struct pstate *ps, const char *in, size_t len,
    const char *encoding, int lenient, xmlDocPtr *out, int *retry,
    struct herald_err *err)
{
	struct stop_info si;
	xmlParserCtxtPtr ctxt;
	xmlDocPtr xdoc;
	int rc = 0, opts = PARSE_XML_OPTS;

#if LIBXML_VERSION >= 21300
	opts |= XML_PARSE_NO_XXE;	/* 2.13+: belt and braces */
#endif
	if (lenient)
		opts |= XML_PARSE_RECOVER;
	memset(&si, 0, sizeof(si));
	si.doc = ps->doc;
	*out = NULL;
	*retry = 0;
	/* Per thread in libxml2: a worker may predate feed_parse_init(). */
	xmlSetGenericErrorFunc(NULL, silent_error_cb);
	/* A new context per call: the parser runs on worker threads. */
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return herald_err_set(err, HERALD_E_NOMEM,
		    "libxml2: cannot allocate a parser context");
	ctxt->_private = &si;
	ctxt->sax->entityDecl = entity_decl_cb;
	ctxt->sax->unparsedEntityDecl = unparsed_entity_decl_cb;
	ctxt->sax->characters = characters_cb;
	ctxt->sax->ignorableWhitespace = characters_cb;
	if (lenient) {
		ctxt->sax->serror = lenient_error_cb;
		ctxt->sax->endElementNs = closed_cb;
	}
	/* No URL: libxml2 is never given one (RELIABILITY X12). */
	xdoc = xmlCtxtReadMemory(ctxt, in, (int)len, NULL, encoding, opts);
	if (si.entity) {
		rc = herald_err_set(err, HERALD_E_INVAL,
		    "%d:%d: entity declarations not supported", si.line,
		    si.col);
	} else if (!xdoc || (!lenient && !ctxt->wellFormed)) {
		rc = xml_error(ctxt, in, len, err);
		*retry = rc == HERALD_E_INVAL && !strstr(err->msg, "too deep");
	} else if (lenient) {
		if (si.nerrors > PARSE_MAX_XML_WARN)
			feed_doc_warn(ps->doc, "%d more XML errors",
			    si.nerrors - PARSE_MAX_XML_WARN);
	} else if (!ctxt->nsWellFormed)
		feed_doc_warn(ps->doc, "namespace errors (undeclared "
		    "prefix?); read leniently");
	if (rc)
		xmlFreeDoc(xdoc);
	else
		*out = xdoc;
	xmlFreeParserCtxt(ctxt);
	return rc;
}

static int
is_name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
	    c == ':';
}

/* Appends "&#N;" for every character of the UTF-8 string s. */
static void
put_charrefs(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	int n, i;

	while (*p) {
		n = *p < 0x80 ? 0 : *p < 0xe0 ? 1 : *p < 0xf0 ? 2 : 3;
		cp = n == 0 ? *p : n == 1 ? (*p & 0x1fu) :
		    n == 2 ? (*p & 0x0fu) : (*p & 0x07u);
		for (i = 1; i <= n && p[i]; i++)
			cp = cp << 6 | (p[i] & 0x3fu);
		p += i;
		(void)buf_printf(b, "&#%lu;", cp);
	}
}

/*
 * The length of a character or entity reference at s (s[0] == '&') that
 * XML accepts as it is, or 0. *name receives the entity name's length.
 */
static size_t
ref_len(const char *s, const char *end, size_t *name)
{
	const char *p = s + 1;

	*name = 0;
	if (p < end && *p == '#') {
		p++;
		if (p < end && (*p == 'x' || *p == 'X'))
			for (p++; p < end && strchr("0123456789abcdefABCDEF",
			    *p) && *p; p++)
				;
		else
			for (; p < end && *p >= '0' && *p <= '9'; p++)
				;
		return p < end && *p == ';' && p - s > 2 ? (size_t)(p - s) + 1 :
		    0;
	}
	for (; p < end && is_name_char((unsigned char)*p); p++)
		;
	if (p == s + 1 || p >= end || *p != ';')
		return 0;
	*name = (size_t)(p - s - 1);
	return (size_t)(p - s) + 1;
}

/*
 * The lexical repair before the lenient pass, on ASCII-compatible input:
 * HTML named entities that XML does not define (&nbsp; &eacute; in RSS
 * without a DOCTYPE) become character references, and a stray "&"
 * becomes "&amp;" (feedparser and Miniflux do the same). Comments, CDATA,
 * PIs and the DOCTYPE are copied as they are. Returns a new buffer or
 * NULL when nothing needed fixing.
 */
static char *
fix_entities(struct pstate *ps, const char *in, size_t len, size_t *outlen)
{
	static const char *const xml5[] = { "amp", "lt", "gt", "quot",
	    "apos" };
	const char *p = in, *end = in + len, *q, *skip_to;
	char ref[80], *dec;
	size_t n, name, i, nfix = 0;
	long line = 1;
	struct buf b;

	/* "&" to "&amp;" is the worst growth: five times. */
	buf_init(&b, len * 5 + 64);
	while (p < end) {
		skip_to = NULL;
		if (*p == '<' && end - p >= 4 && !memcmp(p, "<!--", 4))
			skip_to = "-->";
		else if (*p == '<' && end - p >= 9 &&
		    !memcmp(p, "<![CDATA[", 9))
			skip_to = "]]>";
		else if (*p == '<' && end - p >= 2 && p[1] == '?')
			skip_to = "?>";
		else if (*p == '<' && end - p >= 9 &&
		    a_ncaseprefix(p, 9, "<!doctype"))
			skip_to = ">";
		if (skip_to) {
			q = find_bytes(p + 2, end, skip_to);
			q = q ? q + strlen(skip_to) : end;
			if (buf_append(&b, p, (size_t)(q - p)))
				goto toobig;
			for (; p < q; p++)
				line += *p == '\n';
			continue;
		}
		if (*p != '&') {
			line += *p == '\n';
			if (buf_putc(&b, *p++))
				goto toobig;
			continue;
		}
		n = ref_len(p, end, &name);
		for (i = 0; name && i < 5; i++)
			if (strlen(xml5[i]) == name &&
			    !memcmp(p + 1, xml5[i], name))
				break;
		if (n && !name && p[2] == 'X') {
			/* &#X41; is HTML; XML wants a lower-case x. */
			(void)buf_append(&b, "&#x", 3);
			(void)buf_append(&b, p + 3, n - 3);
			p += n;
			nfix++;
			continue;
		}
		if (n && (!name || i < 5)) {
			(void)buf_append(&b, p, n);
			p += n;
			continue;
		}
		dec = NULL;
		if (n && n < sizeof(ref)) {
			memcpy(ref, p, n);
			ref[n] = '\0';
			dec = text_entities_decode(ref, n);
		}
		if (nfix++ < PARSE_MAX_XML_WARN)
			feed_doc_warn(ps->doc, "line %ld: %s \"%.*s\" %s", line,
			    dec && strcmp(dec, ref) ? "undefined entity" :
			    "unescaped &", n && n < 40 ? (int)n : 1, p,
			    dec && strcmp(dec, ref) ? "decoded as HTML" :
			    "kept as text");
		if (dec && strcmp(dec, ref)) {
			put_charrefs(&b, dec);
			p += n;
		} else {
			(void)buf_puts(&b, "&amp;");
			p++;
		}
		free(dec);
	}
	if (nfix == 0)
		goto toobig;
	*outlen = buf_len(&b);
	return buf_detach(&b);
toobig:
	buf_fini(&b);
	return NULL;
}

/*
 * RELIABILITY X10's guarded second pass, after the strict one failed on
 * a complete body (the fetcher never parses a truncated one): HTML
 * entities and stray "&" repaired lexically, then libxml2 in recovery
 * mode. Every libxml2 error becomes a line:col warning; items whose end
 * tag was not seen are dropped; fields are re-validated as UTF-8 by
 * field_finish(). The strict error is the first warning.
 */
static int
xml_lenient(struct pstate *ps, const char *in, size_t len,
    const struct enc_plan *ep, xmlDocPtr *out, struct herald_err *err)
{
	struct herald_err lerr;
	char *fixed = NULL;
	size_t flen = 0;
	int rc, retry;

	if (sniff_not_feed(in, len))
		return herald_err_set(err, HERALD_E_NOTFEED, "%s",
		    sniff_not_feed(in, len));
	/* A NUL byte is binary, not a slip of the pen (RELIABILITY C3). */
	if (ep->width == 1 && memchr(in, '\0', len))
		return HERALD_E_INVAL;
	feed_doc_warn(ps->doc, "%s; recovering", err->msg);
	if (ep->width == 1)
		fixed = fix_entities(ps, in, len, &flen);
	rc = xml_read(ps, fixed ? fixed : in, fixed ? flen : len, ep->pass,
	    1, out, &retry, &lerr);
	free(fixed);
	if (rc)
		return rc == HERALD_E_INVAL ? herald_err_set(err, rc, "%s",
		    err->msg) : herald_err_set(err, rc, "%s", lerr.msg);
	ps->recovered = 1;
	return 0;
}

/* The strict parse: size and pre-scan checks, then libxml2. */
static int
xml_strict(struct pstate *ps, const char *in, size_t len,
    const struct enc_plan *ep, xmlDocPtr *out, int *retry,
    struct herald_err *err)
{
	int rc;

	*out = NULL;
	*retry = 0;
	/* The caller caps the body (16 MiB); libxml2 takes an int. */
	if (len > INT_MAX)
		return herald_err_set(err, HERALD_E_TOOBIG,
		    "document larger than %d bytes", INT_MAX);
	rc = prescan(in, len, ep->width, ep->be, err);
	if (rc == 0)
		rc = xml_read(ps, in, len, ep->pass, 0, out, retry, err);
	return rc;
}

struct feed_doc *
feed_parse(const char *data, size_t len, const char *content_type,
    const char *base_url, struct herald_err *err)
{
	char http[64] = "", decl[64] = "", *owned = NULL;
	xmlDocPtr xdoc = NULL;
	struct enc_plan ep;
	struct pstate ps;
	const char *in;
	int rc, retry = 0;

	/* JSON Feed (issue #4) has its own parser, feeds/jsonfeed.c. */
	if (feed_is_json(data, len, content_type))
		return feed_parse_json(data, len, base_url, err);
	memset(&ps, 0, sizeof(ps));
	buf_init(&ps.b, PARSE_MAX_FIELD);
	/* Conversion never grows text much; anything past the cap is cut. */
	buf_init(&ps.out, 4 * PARSE_MAX_FIELD);
	ps.doc = feed_doc_new();
	if (!data || len == 0) {
		rc = herald_err_set(err, HERALD_E_INVAL,
		    "not XML: empty document");
		goto out;
	}
	plan_encoding(&ps, data, len, content_type, http, decl, sizeof(http),
	    &ep);
	in = decode_input(&ps, data, &len, decl, &ep, &owned, 0);
	rc = xml_strict(&ps, in, len, &ep, &xdoc, &retry, err);
	/*
	 * Bytes labelled UTF-8 are validated only once libxml2 has refused
	 * them (a strict parse checks every byte), so that a valid document,
	 * the usual case, is not read one more time: then fix_utf8() repairs
	 * or relabels them, and the strict parse runs again.
	 */
	if (rc && retry && ep.utf8 && !owned) {
		in = decode_input(&ps, data, &len, decl, &ep, &owned, 1);
		if (ps.relabelled)
			rc = xml_strict(&ps, in, len, &ep, &xdoc, &retry, err);
	}
	if (rc && retry)
		rc = xml_lenient(&ps, in, len, &ep, &xdoc, err);
	if (rc == 0) {
		ps.doc->encoding = xstrdup(ep.name);
		rc = walk_doc(&ps, xdoc, base_url, err);
	}
out:
	if (rc) {
		feed_doc_free(ps.doc);
		ps.doc = NULL;
	}
	xmlFreeDoc(xdoc);
	free(owned);
	buf_fini(&ps.b);
	buf_fini(&ps.out);
	return ps.doc;
}
