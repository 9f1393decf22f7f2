/*
 * url.c: RFC 3986 reference resolution and canonical URLs.
 *
 * Hand-written rather than libcurl's URL API: feeds/ must not depend on
 * libcurl (design.md §1), and resolution has to work on relative bases
 * (a relative xml:base before the feed URL is known), which curl_url()
 * refuses. Components are kept as spans into the cleaned input, so a
 * URL of any length works (sfeed's fixed-size struct uri does not).
 */
#include "url.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "xmem.h"

#define URL_BUF_MAX	(SIZE_MAX - 1)
/* The longest tracking parameter name below is 11 bytes. */
#define PARAM_NAME_MAX	32

/* A component of a URI reference; def tells "" from undefined (§5.2.1). */
struct span {
	const char	*p;
	size_t		 n;
	int		 def;
};

struct uri {
	struct span	scheme;
	struct span	auth;
	struct span	path;	/* always defined, maybe empty */
	struct span	query;
	struct span	frag;
};

/*
 * Query parameters that only identify a campaign or a click, sorted for
 * bsearch; every "utm_*" is dropped as well. Dropping them lets the same
 * story shared through two newsletters match. Names that sites also use
 * for content ("ref", "source", "id") are deliberately absent.
 */
static const char *const tracking_params[] = {
	"_ga", "_gl", "_hsenc", "_hsmi", "dclid", "fbclid", "gbraid",
	"gclid", "gclsrc", "igshid", "li_fat_id", "mc_cid", "mc_eid",
	"mkt_tok", "msclkid", "oly_anon_id", "oly_enc_id", "ref_src",
	"ref_url", "srsltid", "ttclid", "twclid", "vero_id", "wbraid",
	"yclid",
};

static int
c_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
c_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static int
c_tolower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
hexval(int c)
{
	if (c_isdigit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 3986 §2.3. */
static int
is_unreserved(int c)
{
	return c_isalpha(c) || c_isdigit(c) || c == '-' || c == '.' ||
	    c == '_' || c == '~';
}

/*
 * Copies s without leading and trailing C0 controls and spaces and
 * without any tab, CR or LF inside, as the WHATWG URL parser does
 * (§4.4): feeds wrap long links across lines. Returns a new string.
 */
static char *
url_clean(const char *s, size_t *lenp)
{
	size_t n = strlen(s), i, o = 0;
	char *r;

	while (n > 0 && (unsigned char)s[n - 1] <= 0x20)
		n--;
	while (n > 0 && (unsigned char)*s <= 0x20) {
		s++;
		n--;
	}
	r = xmalloc(n + 1);
	for (i = 0; i < n; i++)
		if (s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			r[o++] = s[i];
	r[o] = '\0';
	*lenp = o;
	return r;
}

static struct span
span_make(const char *p, size_t n)
{
	struct span sp;

	sp.p = p;
	sp.n = n;
	sp.def = 1;
	return sp;
}

/* §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
static int
scheme_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !c_isalpha((unsigned char)s[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!c_isalpha((unsigned char)s[i]) &&
		    !c_isdigit((unsigned char)s[i]) && s[i] != '+' &&
		    s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

/*
 * Splits s[0..n) as the regular expression of RFC 3986 Appendix B
 * does, except that a "scheme" with characters §3.1 does not allow
 * is taken as part of a relative path.
 */
static void
uri_parse(const char *s, size_t n, struct uri *u)
{
	size_t i = 0, j;

	memset(u, 0, sizeof(*u));
	for (j = 0; j < n && s[j] != ':' && s[j] != '/' && s[j] != '?' &&
	    s[j] != '#'; j++)
		;
	if (j < n && s[j] == ':' && scheme_valid(s, j)) {
		u->scheme = span_make(s, j);
		i = j + 1;
	}
	if (n - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
		i += 2;
		for (j = i; j < n && s[j] != '/' && s[j] != '?' &&
		    s[j] != '#'; j++)
			;
		u->auth = span_make(s + i, j - i);
		i = j;
	}
	for (j = i; j < n && s[j] != '?' && s[j] != '#'; j++)
		;
	u->path = span_make(s + i, j - i);
	i = j;
	if (i < n && s[i] == '?') {
		for (j = i + 1; j < n && s[j] != '#'; j++)
			;
		u->query = span_make(s + i + 1, j - i - 1);
		i = j;
	}
	if (i < n && s[i] == '#')
		u->frag = span_make(s + i + 1, n - i - 1);
}

/* §5.2.4: removes the last segment and its preceding "/" from out. */
static void
pop_segment(const char *out, size_t *o)
{
	while (*o > 0 && out[*o - 1] != '/')
		(*o)--;
	if (*o > 0)
		(*o)--;
}

/*
 * RFC 3986 §5.2.4 remove_dot_segments, step by step (the letters are
 * the RFC's). out must hold n bytes: the output never outgrows the
 * input. Returns the output length. Amortised linear: every byte
 * popped from out was pushed once.
 */
static size_t
remove_dot_segments(const char *in, size_t n, char *out)
{
	size_t i = 0, o = 0, r;
	const char *p;

	while (i < n) {
		p = in + i;
		r = n - i;
		if (r >= 3 && memcmp(p, "../", 3) == 0)		/* A */
			i += 3;
		else if (r >= 2 && memcmp(p, "./", 2) == 0)		/* A */
			i += 2;
		else if (r >= 3 && memcmp(p, "/./", 3) == 0)		/* B */
			i += 2;
		else if (r == 2 && memcmp(p, "/.", 2) == 0) {		/* B */
			out[o++] = '/';
			i = n;
		} else if (r >= 4 && memcmp(p, "/../", 4) == 0) {	/* C */
			i += 3;
			pop_segment(out, &o);
		} else if (r == 3 && memcmp(p, "/..", 3) == 0) {	/* C */
			pop_segment(out, &o);
			out[o++] = '/';
			i = n;
		} else if ((r == 1 && p[0] == '.') ||
		    (r == 2 && memcmp(p, "..", 2) == 0))		/* D */
			i = n;
		else {							/* E */
			if (in[i] == '/')
				out[o++] = in[i++];
			while (i < n && in[i] != '/')
				out[o++] = in[i++];
		}
	}
	return o;
}

/*
 * Appends remove_dot_segments(a + b) to out. For a relative base the
 * RFC's algorithm can root a relative path ("a/../c" gives "/c"); the
 * path stays relative here, which is the best that can be done until
 * the base is resolved itself.
 */
static void
put_path(struct buf *out, const char *a, size_t na, const char *b,
    size_t nb)
{
	char *tmp, *res;
	size_t n = na + nb, len;

	tmp = xmalloc(n + 1);
	res = xmalloc(n + 1);
	if (na)
		memcpy(tmp, a, na);
	if (nb)
		memcpy(tmp + na, b, nb);
	len = remove_dot_segments(tmp, n, res);
	if (len > 0 && res[0] == '/' && (n == 0 || tmp[0] != '/')) {
		memmove(res, res + 1, len - 1);
		len--;
	}
	(void)buf_append(out, res, len);
	free(tmp);
	free(res);
}

/* §5.2.3 merge, then dot removal. */
static void
put_merged(struct buf *out, const struct uri *b, const struct span *rpath)
{
	size_t k;

	if (b->auth.def && b->path.n == 0) {
		put_path(out, "/", 1, rpath->p, rpath->n);
		return;
	}
	for (k = b->path.n; k > 0 && b->path.p[k - 1] != '/'; k--)
		;
	put_path(out, b->path.p, k, rpath->p, rpath->n);
}

static void
put_span(struct buf *out, const char *prefix, const struct span *sp)
{
	if (!sp->def)
		return;
	(void)buf_puts(out, prefix);
	(void)buf_append(out, sp->p, sp->n);
}

/*
 * RFC 3986 §5.2.2 (strict: "http:g" stays as it is) and §5.3
 * recomposition. The path is built first, into its own buffer, so that
 * a path starting with "//" without an authority can be guarded.
 */
static char *
resolve(const struct uri *b, const struct uri *r)
{
	const struct span *scheme, *auth, *query;
	struct buf out, path;
	char *p;

	buf_init(&out, URL_BUF_MAX);
	buf_init(&path, URL_BUF_MAX);
	scheme = r->scheme.def ? &r->scheme : &b->scheme;
	auth = r->scheme.def || r->auth.def ? &r->auth : &b->auth;
	query = &r->query;
	if (r->scheme.def || r->auth.def || (r->path.n > 0 &&
	    r->path.p[0] == '/'))
		put_path(&path, "", 0, r->path.p, r->path.n);
	else if (r->path.n == 0) {
		(void)buf_append(&path, b->path.p, b->path.n);
		if (!r->query.def)
			query = &b->query;
	} else
		put_merged(&path, b, &r->path);
	if (scheme->def) {
		(void)buf_append(&out, scheme->p, scheme->n);
		(void)buf_putc(&out, ':');
	}
	put_span(&out, "//", auth);
	p = buf_detach(&path);
	/* WHATWG URL serializer: "/." keeps "//x" from reading as a host. */
	if (!auth->def && p[0] == '/' && p[1] == '/')
		(void)buf_puts(&out, "/.");
	(void)buf_puts(&out, p);
	free(p);
	put_span(&out, "?", query);
	put_span(&out, "#", &r->frag);
	return buf_detach(&out);
}

char *
url_resolve(const char *base, const char *ref)
{
	struct uri b, r;
	char *rc, *bc, *res;
	size_t rn, bn = 0;

	if (ref == NULL)
		return NULL;
	rc = url_clean(ref, &rn);
	if (rn == 0) {
		free(rc);
		return NULL;
	}
	bc = base != NULL ? url_clean(base, &bn) : NULL;
	uri_parse(rc, rn, &r);
	if (bn == 0 && !r.scheme.def) {
		free(bc);
		return rc;
	}
	uri_parse(bc != NULL ? bc : "", bn, &b);
	res = resolve(&b, &r);
	free(bc);
	free(rc);
	return res;
}

/*
 * Sets of ASCII bytes as two masks, bytes 0-63 and 64-127, tested with
 * byte_in(): the canonical-URL checks below run for every byte of every
 * link, and a shift and a mask beat a chain of comparisons or strchr().
 */
#define BYTE_BIT(c)	(UINT64_C(1) << ((c) & 63))
#define BYTE_RANGE(a, b) ((~UINT64_C(0) >> (63 - ((b) & 63))) & \
			    (~UINT64_C(0) << ((a) & 63)))
/*
 * Bytes that stand for themselves in a URI: printable ASCII except "%"
 * and the characters RFC 3986 §2 never allows ('"', "<", ">", "\\",
 * "^", "`", "{", "|", "}").
 */
#define URI_LO	(BYTE_RANGE(0x21, 0x3F) & ~(BYTE_BIT('"') | BYTE_BIT('%') | \
		    BYTE_BIT('<') | BYTE_BIT('>')))
#define URI_HI	(BYTE_RANGE(0x40, 0x7E) & ~(BYTE_BIT('\\') | BYTE_BIT('^') | \
		    BYTE_BIT('`') | BYTE_BIT('{') | BYTE_BIT('|') | \
		    BYTE_BIT('}')))
/* Of those, the ones with no say in a path segment or in a query pair. */
#define SEGMENT_LO	(URI_LO & ~(BYTE_BIT('#') | BYTE_BIT('/') | \
			    BYTE_BIT('?')))
#define PAIR_LO		(URI_LO & ~(BYTE_BIT('#') | BYTE_BIT('&') | \
			    BYTE_BIT('=')))
/* Host bytes that canonicalisation leaves alone: LDH, lower case. */
#define HOST_LO		(BYTE_RANGE('0', '9') | BYTE_BIT('-') | BYTE_BIT('.'))
#define HOST_HI		BYTE_RANGE('a', 'z')

static inline int
byte_in(int c, uint64_t lo, uint64_t hi)
{
	if (c < 0 || c >= 128)
		return 0;
	return (int)(((c < 64 ? lo : hi) >> (c & 63)) & 1);
}

static int
uri_char(int c)
{
	return byte_in(c, URI_LO, URI_HI);
}

/*
 * Appends s[0..n) with percent-encoding normalised (RFC 3986 §6.2.2.1,
 * §6.2.2.2): escapes of unreserved characters decoded, hex digits upper
 * case, and bytes that may not appear in a URI (space, controls,
 * non-ASCII, a "%" that starts no escape) encoded, so the same link
 * written two ways compares equal.
 */
static void
put_pct_normal(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	char esc[3];
	size_t i, run;
	int h, l;

	for (i = 0; i < n; i++) {
		/* Most of a URL is copied as it is: append it in runs. */
		for (run = i; run < n && uri_char((unsigned char)s[run]); run++)
			;
		if (run > i) {
			(void)buf_append(out, s + i, run - i);
			i = run;
			if (i == n)
				break;
		}
		c = (unsigned char)s[i];
		if (c == '%' && i + 2 < n &&
		    (h = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (l = hexval((unsigned char)s[i + 2])) >= 0) {
			c = (unsigned char)(h << 4 | l);
			i += 2;
			if (is_unreserved(c)) {
				(void)buf_putc(out, (char)c);
				continue;
			}
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 0xF];
		(void)buf_append(out, esc, 3);
	}
}

static int
str_cmp(const void *key, const void *elem)
{
	const char *const *e = elem;

	return strcmp(key, *e);
}

/* Whether the (normalised) parameter name p[0..n) is a tracking one. */
static int
is_tracking(const char *p, size_t n)
{
	char name[PARAM_NAME_MAX + 1];
	size_t i;

	if (n > PARAM_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		name[i] = (char)c_tolower((unsigned char)p[i]);
	name[n] = '\0';
	if (strncmp(name, "utm_", 4) == 0)
		return 1;
	return bsearch(name, tracking_params, sizeof(tracking_params) /
	    sizeof(tracking_params[0]), sizeof(tracking_params[0]),
	    str_cmp) != NULL;
}

/*
 * Appends the query without tracking parameters and empty pairs
 * ("a=1&&b=2"), keeping the order of the rest: order can matter to the
 * site, and sorting would merge URLs that are not the same.
 */
static void
put_query(struct buf *out, const struct span *q)
{
	struct buf pair;
	const char *p = q->p, *end = q->p + q->n, *amp, *eq;
	int first = 1;

	buf_init(&pair, URL_BUF_MAX);
	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		buf_reset(&pair);
		put_pct_normal(&pair, p, (size_t)(amp - p));
		eq = memchr(buf_str(&pair), '=', buf_len(&pair));
		if (buf_len(&pair) > 0 && !is_tracking(buf_str(&pair),
		    eq != NULL ? (size_t)(eq - buf_str(&pair)) :
		    buf_len(&pair))) {
			(void)buf_putc(out, first ? '?' : '&');
			(void)buf_append(out, buf_str(&pair), buf_len(&pair));
			first = 0;
		}
		p = amp + 1;
	}
	buf_fini(&pair);
}

/*
 * Splits an authority into userinfo, host and port (§3.2); the host of
 * an IP literal keeps its brackets. Returns 0 when there is no host.
 */
static int
auth_split(const struct span *a, struct span *user, struct span *host,
    struct span *port)
{
	const char *p = a->p, *end = a->p + a->n, *at, *c;

	memset(user, 0, sizeof(*user));
	memset(port, 0, sizeof(*port));
	/* The last "@": a stray "@" in a password is a common typo. */
	for (at = end; at > p && at[-1] != '@'; at--)
		;
	if (at > p) {
		*user = span_make(p, (size_t)(at - 1 - p));
		p = at;
	}
	if (p < end && *p == '[') {
		c = memchr(p, ']', (size_t)(end - p));
		if (c == NULL)
			return 0;
		c++;
	} else {
		c = memchr(p, ':', (size_t)(end - p));
		if (c == NULL)
			c = end;
	}
	*host = span_make(p, (size_t)(c - p));
	if (c < end) {
		if (*c != ':')
			return 0;
		*port = span_make(c + 1, (size_t)(end - c - 1));
	}
	return host->n > 0;
}

/*
 * The port's value (§3.2.3): 0 when absent or empty, -1 when it is not
 * a number a TCP port can have.
 */
static long
port_value(const struct span *port)
{
	long v = 0;
	size_t i;

	if (!port->def)
		return 0;
	for (i = 0; i < port->n; i++) {
		if (!c_isdigit((unsigned char)port->p[i]))
			return -1;
		v = v * 10 + (port->p[i] - '0');
		if (v > 65535)
			return -1;
	}
	return v;
}

/*
 * Parses s as an absolute http(s) URL with a host and a valid port into
 * u, host and port; 0 if it is not one.
 */
static int
http_parse(const char *s, size_t n, struct uri *u, struct span *user,
    struct span *host, long *port, int *https)
{
	struct span p;

	uri_parse(s, n, u);
	if (!u->scheme.def || !u->auth.def)
		return 0;
	if (u->scheme.n == 4 && strncasecmp(u->scheme.p, "http", 4) == 0)
		*https = 0;
	else if (u->scheme.n == 5 &&
	    strncasecmp(u->scheme.p, "https", 5) == 0)
		*https = 1;
	else
		return 0;
	if (!auth_split(&u->auth, user, host, &p))
		return 0;
	return (*port = port_value(&p)) >= 0;
}

/*
 * Whether put_pct_normal() would copy the escape at p ("%" and two hex
 * digits) unchanged: upper case, of a byte that must stay escaped.
 */
static int
escape_kept(const char *p)
{
	int h, l;

	if ((h = hexval((unsigned char)p[1])) < 0 || (p[1] >= 'a' &&
	    p[1] <= 'f') || (l = hexval((unsigned char)p[2])) < 0 ||
	    (p[2] >= 'a' && p[2] <= 'f'))
		return 0;
	return !is_unreserved(h << 4 | l);
}

/*
 * The end of a port that url_canonical() writes as it is (no leading
 * zero, not the scheme's default, at most 65535), or NULL.
 */
static const char *
canon_port_end(const char *p, int https)
{
	long v = 0;

	if (*p < '1' || *p > '9')
		return NULL;
	for (; c_isdigit((unsigned char)*p); p++)
		if ((v = v * 10 + (*p - '0')) > 65535)
			return NULL;
	return v == (https ? 443 : 80) ? NULL : p;
}

/*
 * The end of a path at p (a "/") that normalisation leaves as it is:
 * every byte kept and no "." or ".." segment, which is all
 * remove_dot_segments() acts on in a path from "/". The caller checks
 * that it ends at "?" or the end: a "#", a space or any byte that would
 * be escaped stops it too.
 */
static const char *
canon_path_end(const char *p)
{
	const char *seg;

	while (*p == '/') {
		seg = ++p;
		for (;;) {
			while (byte_in((unsigned char)*p, SEGMENT_LO, URI_HI))
				p++;
			if (*p != '%' || !escape_kept(p))
				break;
			p += 3;
		}
		if ((p - seg == 1 && seg[0] == '.') ||
		    (p - seg == 2 && seg[0] == '.' && seg[1] == '.'))
			return NULL;
	}
	return p;
}

/*
 * Whether put_query() would write "?" and the query at p as they are:
 * no empty pair (so not empty either), every byte kept, no tracking
 * parameter, no fragment.
 */
static int
canon_query(const char *p)
{
	const char *pair, *eq;

	do {
		pair = p;
		eq = NULL;
		for (;;) {
			while (byte_in((unsigned char)*p, PAIR_LO, URI_HI))
				p++;
			if (*p == '=') {
				if (eq == NULL)
					eq = p;
				p++;
			} else if (*p == '%' && escape_kept(p))
				p += 3;
			else
				break;
		}
		if ((*p != '&' && *p != '\0') || p == pair ||
		    is_tracking(pair, (size_t)((eq != NULL ? eq : p) - pair)))
			return 0;
	} while (*p++ == '&');
	return 1;
}

/*
 * 1 when url_canonical(s) would return s itself, as it does for most
 * links a feed carries, so that checking, a single pass without
 * allocation, is all the work. Conservative: whatever it is unsure of
 * (userinfo, an IP literal, upper case in scheme or host, escapes to
 * normalise, dot segments, a fragment, spaces or controls to clean)
 * answers 0 and takes the full path.
 */
static int
is_canonical(const char *s)
{
	const char *p, *host;
	int https;

	if (strncmp(s, "http://", 7) == 0) {
		https = 0;
		p = s + 7;
	} else if (strncmp(s, "https://", 8) == 0) {
		https = 1;
		p = s + 8;
	} else
		return 0;
	for (host = p; byte_in((unsigned char)*p, HOST_LO, HOST_HI); p++)
		;
	if (p == host)
		return 0;
	if (*p == ':' && (p = canon_port_end(p + 1, https)) == NULL)
		return 0;
	/* An empty path becomes "/". */
	if (*p != '/' || (p = canon_path_end(p)) == NULL)
		return 0;
	return *p == '\0' || (*p == '?' && canon_query(p + 1));
}

char *
url_canonical(const char *url)
{
	struct span user, host;
	struct buf out, path;
	struct uri u;
	char *s, *p;
	size_t n, i;
	long port;
	int https;

	if (url == NULL)
		return NULL;
	if (is_canonical(url))
		return xstrdup(url);
	s = url_clean(url, &n);
	if (!http_parse(s, n, &u, &user, &host, &port, &https)) {
		free(s);
		return NULL;
	}
	buf_init(&out, URL_BUF_MAX);
	(void)buf_puts(&out, https ? "https://" : "http://");
	if (user.def) {
		(void)buf_append(&out, user.p, user.n);
		(void)buf_putc(&out, '@');
	}
	/* §3.2.2: the host is case-insensitive; the rest is not. */
	for (i = 0; i < host.n; i++)
		(void)buf_putc(&out, (char)c_tolower((unsigned char)host.p[i]));
	/* §6.2.3: no empty port, no default port; no leading zeros. */
	if (port != 0 && port != (https ? 443 : 80))
		(void)buf_printf(&out, ":%ld", port);
	/* §6.2.2: percent-encoding first, then dot segments; §6.2.3: "/". */
	buf_init(&path, URL_BUF_MAX);
	put_pct_normal(&path, u.path.p, u.path.n);
	p = buf_detach(&path);
	if (p[0] == '\0')
		(void)buf_putc(&out, '/');
	else
		put_path(&out, "", 0, p, strlen(p));
	free(p);
	if (u.query.def)
		put_query(&out, &u.query);
	free(s);
	return buf_detach(&out);
}

int
url_is_http(const char *url)
{
	struct span user, host;
	struct uri u;
	char *s;
	size_t n;
	long port;
	int https, ok;

	if (url == NULL)
		return 0;
	/* The parser asks this of most guids and links: spare the copy. */
	if (is_canonical(url))
		return 1;
	s = url_clean(url, &n);
	ok = http_parse(s, n, &u, &user, &host, &port, &https);
	free(s);
	return ok;
}

char *
url_host_key(const char *url)
{
	struct span user, host;
	struct uri u;
	struct buf out;
	char *s;
	size_t n, i;
	long port;
	int https;

	if (url == NULL)
		return NULL;
	s = url_clean(url, &n);
	if (!http_parse(s, n, &u, &user, &host, &port, &https)) {
		free(s);
		return NULL;
	}
	buf_init(&out, 4096);
	for (i = 0; i < host.n; i++)
		buf_putc(&out, (char)c_tolower((unsigned char)host.p[i]));
	/* One politeness bucket per host and port, whatever the scheme. */
	if (port == 0)
		port = https ? 443 : 80;
	buf_printf(&out, ":%ld", port);
	free(s);
	return buf_detach(&out);
}
