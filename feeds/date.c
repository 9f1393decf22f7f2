/*
 * date.c: feed dates to UTC epoch seconds.
 *
 * Two hand-written parsers, tried in turn, each of which must consume the
 * whole (trimmed) string or fail: an ISO 8601 one (RFC 3339, W3CDTF, the
 * basic and truncated ISO 8601:1988 forms feedparser accepts, and two
 * Korean blog formats built on it) and an RFC 822 one (RFC 2822, asctime,
 * the Twitter/JavaScript variants, Perforce's YYYY/MM/DD, Greek names).
 * Calendar arithmetic is our own (Howard Hinnant's days_from_civil), so
 * nothing depends on the TZ variable, the locale, timegm() or strptime(),
 * and every function is reentrant.
 *
 * Deviations from feedparser 6.0.10 (../shared/corpora/dates-feedparser.jsonl):
 * - Out-of-range fields ("25:14:55", "10:61:55", offsets like "-99:99")
 *   and trailing garbage ("2013-01-27-01", "...-06:00Textra") are
 *   rejected; feedparser's top-level parse_date() rolls them over or
 *   ignores the rest. A wrong date is worse than an absent one.
 * - Five-digit strings ("22013") are read as ISO 8601:1988 YYDDD
 *   ordinal dates, as feedparser's ISO 8601 parser and its top-level
 *   parse_date() do; its W3CDTF parser alone refuses them.
 * - Two-digit years use a fixed pivot (< 50 is 20xx) instead of the
 *   current century, so results do not change with the clock.
 * - Results must fall within years 0001-9999 (RFC 3339 §5.6), so
 *   "0000-01-01" is refused.
 * - Military single-letter zones other than Z are taken as UTC with
 *   DATE_F_NOZONE (RFC 2822 §4.3: RFC 822 defined their signs backwards,
 *   so they carry no reliable information); so are unknown zone names.
 */
#include "date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define DATE_MIN	(-62135596800LL)
#define DATE_MAX	253402300799LL

/* A broken-down date as read, before validation. */
struct dt {
	int	year;
	int	mon;		/* 1..12 */
	int	day;		/* 1..31 */
	int	yday;		/* 1..366 for ordinal dates, else 0 */
	int	hour;
	int	min;
	int	sec;
	int	off;		/* zone offset, minutes east of UTC */
	int	flags;		/* DATE_F_* */
};

/* Read cursor over s[0..n): the input is not NUL-terminated. */
struct cur {
	const unsigned char *p;
	const unsigned char *end;
};

struct name_val {
	const char	*name;
	int		 val;
};

/*
 * Zone abbreviations, in minutes east of UTC, sorted for bsearch (ASCII
 * upper case). RFC 822 §5.1 defines UT, GMT, Z and the North American
 * zones; the rest are feedparser's (AT, ET, CT, MT, PT, MET, MEST) or
 * common in news feeds and unambiguous enough. CST is RFC 822's Central
 * Standard Time, not China's; IST (India, Ireland, Israel) is left out on
 * purpose and falls back to UTC with DATE_F_NOZONE.
 */
static const struct name_val zones[] = {
	{ "ACDT", 630 },	{ "ACST", 570 },	{ "ADT", -180 },
	{ "AEDT", 660 },	{ "AEST", 600 },	{ "AKDT", -480 },
	{ "AKST", -540 },	{ "AST", -240 },	{ "AT", -240 },
	{ "AWST", 480 },	{ "BST", 60 },		{ "CDT", -300 },
	{ "CEST", 120 },	{ "CET", 60 },		{ "CST", -360 },
	{ "CT", -360 },		{ "EDT", -240 },	{ "EEST", 180 },
	{ "EET", 120 },		{ "EST", -300 },	{ "ET", -300 },
	{ "GMT", 0 },		{ "HKT", 480 },		{ "HST", -600 },
	{ "JST", 540 },		{ "KST", 540 },		{ "MDT", -360 },
	{ "MEST", 120 },	{ "MESZ", 120 },	{ "MET", 60 },
	{ "MEZ", 60 },		{ "MSK", 180 },		{ "MST", -420 },
	{ "MT", -420 },		{ "NDT", -150 },	{ "NST", -210 },
	{ "NZDT", 780 },	{ "NZST", 720 },	{ "PDT", -420 },
	{ "PST", -480 },	{ "PT", -480 },		{ "SGT", 480 },
	{ "UT", 0 },		{ "UTC", 0 },		{ "WEST", 60 },
	{ "WET", 0 },		{ "Z", 0 },
};

static const char *const months_en[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};

static const char *const wdays_en[7] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday",
};

/*
 * Greek abbreviations as feedparser's _parse_date_greek knows them
 * (including its alternative spellings), UTF-8, matched exactly.
 */
static const struct name_val months_el[] = {
	{ "Ιαν", 1 },	{ "Φεβ", 2 },	{ "Μάώ", 3 },	{ "Μαώ", 3 },
	{ "Μάρ", 3 },	{ "Μαρ", 3 },	{ "Απρ", 4 },	{ "Μάι", 5 },
	{ "Μαϊ", 5 },	{ "Μαι", 5 },	{ "Ιούν", 6 },	{ "Ιον", 6 },
	{ "Ιουν", 6 },	{ "Ιούλ", 7 },	{ "Ιολ", 7 },	{ "Ιουλ", 7 },
	{ "Αύγ", 8 },	{ "Αυγ", 8 },	{ "Σεπ", 9 },	{ "Οκτ", 10 },
	{ "Νοέ", 11 },	{ "Νοε", 11 },	{ "Δεκ", 12 },
};

static const char *const wdays_el[7] = {
	"Κυρ", "Δευ", "Τρι", "Τετ", "Πεμ", "Παρ", "Σαβ",
};

/* Hungarian month names (feedparser's _parse_date_hungarian), UTF-8. */
static const struct name_val months_hu[] = {
	{ "január", 1 },	{ "február", 2 },	{ "március", 3 },
	{ "április", 4 },	{ "május", 5 },		{ "máujus", 5 },
	{ "június", 6 },	{ "július", 7 },	{ "augusztus", 8 },
	{ "szeptember", 9 },	{ "október", 10 },	{ "november", 11 },
	{ "december", 12 },
};

/* Korean markers (feedparser's OnBlog and Nate formats), UTF-8. */
#define KO_YEAR		"년"
#define KO_MONTH	"월"
#define KO_DAY		"일"
#define KO_AM		"오전"
#define KO_PM		"오후"
#define KO_OFFSET	(9 * 60)	/* both sites publish in KST */

/*
 * Days since 1970-01-01 of a proleptic Gregorian date; exact for every
 * int year (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
 */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil(). */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

static int
c_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static int
c_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\f' || c == '\v';
}

static int
c_tolower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Word characters: ASCII letters and any UTF-8 byte (Greek, Hungarian). */
static int
c_isword(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static int
at_end(const struct cur *c)
{
	return c->p == c->end;
}

static int
peek(const struct cur *c)
{
	return c->p < c->end ? *c->p : -1;
}

static int
accept(struct cur *c, int ch)
{
	if (peek(c) != ch)
		return 0;
	c->p++;
	return 1;
}

/* Skips whitespace; returns how many bytes were skipped. */
static size_t
skip_ws(struct cur *c)
{
	const unsigned char *start = c->p;

	while (c->p < c->end && c_isspace(*c->p))
		c->p++;
	return (size_t)(c->p - start);
}

/* Consumes the UTF-8 literal lit if it comes next. */
static int
accept_str(struct cur *c, const char *lit)
{
	size_t len = strlen(lit);

	if ((size_t)(c->end - c->p) < len || memcmp(c->p, lit, len) != 0)
		return 0;
	c->p += len;
	return 1;
}

/* Length of the run of digits at the cursor (not consumed). */
static size_t
digit_run(const struct cur *c)
{
	const unsigned char *q = c->p;

	while (q < c->end && c_isdigit(*q))
		q++;
	return (size_t)(q - c->p);
}

/*
 * Reads exactly ndig digits (ndig <= 9, so no overflow) into *v.
 * Fails without consuming anything when fewer are there.
 */
static int
read_fixed(struct cur *c, size_t ndig, int *v)
{
	size_t i;
	int x = 0;

	if ((size_t)(c->end - c->p) < ndig)
		return 0;
	for (i = 0; i < ndig; i++) {
		if (!c_isdigit(c->p[i]))
			return 0;
		x = x * 10 + (c->p[i] - '0');
	}
	c->p += ndig;
	*v = x;
	return 1;
}

/*
 * Reads a whole run of digits whose length is within [min, max] into *v;
 * a longer run fails rather than being split, so "123:00" is not 12:30.
 */
static int
read_num(struct cur *c, size_t min, size_t max, int *v)
{
	size_t len = digit_run(c);

	if (len < min || len > max)
		return 0;
	return read_fixed(c, len, v);
}

/* Skips fractional seconds ("[.,]digits"); the precision is dropped. */
static int
skip_fraction(struct cur *c)
{
	if (peek(c) != '.' && peek(c) != ',')
		return 1;
	c->p++;
	if (digit_run(c) == 0)
		return 0;
	c->p += digit_run(c);
	return 1;
}

/* Reads a run of word characters (and '/', for "Etc/GMT"). */
static size_t
read_word(struct cur *c, const unsigned char **w)
{
	*w = c->p;
	while (c->p < c->end && (c_isword(*c->p) || *c->p == '/'))
		c->p++;
	return (size_t)(c->p - *w);
}

/* Case-insensitive ASCII comparison of w[0..n) with a NUL-terminated s. */
static int
word_eq(const unsigned char *w, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '\0' || c_tolower(w[i]) != c_tolower(s[i]))
			return 0;
	return s[n] == '\0';
}

/* An English name given in full or abbreviated to 3 letters or more. */
static int
word_abbrev(const unsigned char *w, size_t n, const char *full)
{
	size_t i;

	if (n < 3 || n > strlen(full))
		return 0;
	for (i = 0; i < n; i++)
		if (c_tolower(w[i]) != full[i])
			return 0;
	return 1;
}

static int
lookup_exact(const struct name_val *t, size_t nt, const unsigned char *w,
    size_t n)
{
	size_t i;

	for (i = 0; i < nt; i++)
		if (strlen(t[i].name) == n && memcmp(t[i].name, w, n) == 0)
			return t[i].val;
	return 0;
}

/* Month number 1..12 from an English or Greek name, else 0. */
static int
month_name(const unsigned char *w, size_t n)
{
	int i;

	for (i = 0; i < 12; i++)
		if (word_abbrev(w, n, months_en[i]))
			return i + 1;
	return lookup_exact(months_el, sizeof(months_el) /
	    sizeof(months_el[0]), w, n);
}

static int
is_weekday(const unsigned char *w, size_t n)
{
	int i;

	for (i = 0; i < 7; i++)
		if (word_abbrev(w, n, wdays_en[i]) ||
		    (strlen(wdays_el[i]) == n &&
		    memcmp(wdays_el[i], w, n) == 0))
			return 1;
	return 0;
}

static int
zone_cmp(const void *key, const void *elem)
{
	const struct name_val *k = key, *e = elem;
	const char *a = k->name, *b = e->name;

	/* The key is upper-cased by the caller; the table already is. */
	return strcmp(a, b);
}

/*
 * Numeric offset after its sign: "HHMM", "HH:MM", "HH" or "H". Fails on
 * hours above 23 or minutes above 59 (feedparser's "-99:99" test).
 */
static int
parse_offset(struct cur *c, int *off)
{
	int sign, h, m = 0;
	size_t run;

	if (accept(c, '+'))
		sign = 1;
	else if (accept(c, '-'))
		sign = -1;
	else
		return 0;
	run = digit_run(c);
	if (run == 4) {
		if (!read_fixed(c, 2, &h) || !read_fixed(c, 2, &m))
			return 0;
	} else if (run == 1 || run == 2) {
		if (!read_fixed(c, run, &h))
			return 0;
		if (accept(c, ':') && !read_num(c, 2, 2, &m))
			return 0;
	} else
		return 0;
	if (h > 23 || m > 59)
		return 0;
	*off = sign * (h * 60 + m);
	return 1;
}

/*
 * A zone: "Z", a numeric offset, or a name, optionally "Etc/"-prefixed,
 * and "GMT" or "UTC" directly followed by an offset ("GMT-01:01", as in
 * feedparser's tests; not the POSIX Etc/GMT+N, whose sign is inverted).
 * Unknown names of up to six letters mean UTC with DATE_F_NOZONE.
 */
static int
parse_zone(struct cur *c, struct dt *dt)
{
	const unsigned char *w;
	struct name_val key, *hit;
	char up[8];
	size_t n, i;

	if (peek(c) == '+' || peek(c) == '-')
		return parse_offset(c, &dt->off);
	n = read_word(c, &w);
	if (n > 4 && word_eq(w, 4, "etc/")) {
		w += 4;
		n -= 4;
	}
	if (n == 0 || n >= sizeof(up))
		return 0;
	for (i = 0; i < n; i++) {
		if (!((w[i] >= 'a' && w[i] <= 'z') ||
		    (w[i] >= 'A' && w[i] <= 'Z')))
			return 0;
		up[i] = (char)(w[i] >= 'a' ? w[i] - 'a' + 'A' : w[i]);
	}
	up[n] = '\0';
	if ((strcmp(up, "GMT") == 0 || strcmp(up, "UTC") == 0) &&
	    (peek(c) == '+' || peek(c) == '-'))
		return parse_offset(c, &dt->off);
	key.name = up;
	hit = bsearch(&key, zones, sizeof(zones) / sizeof(zones[0]),
	    sizeof(zones[0]), zone_cmp);
	if (hit != NULL) {
		dt->off = hit->val;
		return 1;
	}
	/* RFC 2822 §4.3: unknown and military zones are "-0000". */
	dt->off = 0;
	dt->flags |= DATE_F_NOZONE;
	return 1;
}

/*
 * RFC 2822 §3.3 time-of-day "hh:mm[:ss]"; a one-digit hour is common in
 * the wild ("Wed, 2 Jul 2008 9:05:00"). A fourth field fails.
 */
static int
parse_hms(struct cur *c, struct dt *dt)
{
	if (!read_num(c, 1, 2, &dt->hour) || !accept(c, ':') ||
	    !read_num(c, 2, 2, &dt->min))
		return 0;
	if (accept(c, ':') && !read_num(c, 2, 2, &dt->sec))
		return 0;
	return skip_fraction(c);
}

/* RFC 2822 §4.3 obsolete years: 2 digits pivot at 50, 3 digits + 1900. */
static int
fix_year(int y, size_t ndigits)
{
	if (ndigits == 2)
		return y < 50 ? 2000 + y : 1900 + y;
	if (ndigits == 3)
		return 1900 + y;
	return y;
}

static int
read_year(struct cur *c, struct dt *dt)
{
	size_t len = digit_run(c);

	if (len < 2 || len > 4 || !read_fixed(c, len, &dt->year))
		return 0;
	dt->year = fix_year(dt->year, len);
	return 1;
}

/* A month name, optionally followed by a period ("Sept.", "Jan."). */
static int
read_month_name(struct cur *c, struct dt *dt)
{
	const unsigned char *w;
	size_t n;

	n = read_word(c, &w);
	if ((dt->mon = month_name(w, n)) == 0)
		return 0;
	accept(c, '.');
	return 1;
}

/*
 * A 12-hour clock suffix ("10:00 PM"), which must not be mistaken for an
 * unknown zone: that would put the time twelve hours off. Returns 0 only
 * for an impossible hour.
 */
static int
parse_ampm(struct cur *c, struct dt *dt)
{
	struct cur save = *c;
	const unsigned char *w;
	size_t n;
	int pm;

	n = read_word(c, &w);
	if (word_eq(w, n, "am"))
		pm = 0;
	else if (word_eq(w, n, "pm"))
		pm = 1;
	else {
		*c = save;
		return 1;
	}
	if (dt->hour < 1 || dt->hour > 12)
		return 0;
	dt->hour = dt->hour % 12 + (pm ? 12 : 0);
	skip_ws(c);
	return 1;
}

/* Optional time and zone after an RFC 822 date; sets the flags if absent. */
static int
parse_rfc822_tail(struct cur *c, struct dt *dt)
{
	if (skip_ws(c) == 0 || at_end(c) || peek(c) == '(') {
		dt->flags |= DATE_F_PARTIAL | DATE_F_NOZONE;
		return 1;
	}
	if (!parse_hms(c, dt))
		return 0;
	skip_ws(c);
	if (!parse_ampm(c, dt))
		return 0;
	if (at_end(c) || peek(c) == '(')
		dt->flags |= DATE_F_NOZONE;
	else if (!parse_zone(c, dt))
		return 0;
	return 1;
}

/* "DD Mon YYYY", "DD-Mon-YY" and the Perforce "YYYY/MM/DD". */
static int
parse_rfc822_dmy(struct cur *c, struct dt *dt)
{
	int sep;

	if (digit_run(c) == 4 && c->p + 4 < c->end &&
	    (c->p[4] == '/' || c->p[4] == '-')) {
		read_fixed(c, 4, &dt->year);
		sep = *c->p++;
		return read_num(c, 1, 2, &dt->mon) && accept(c, sep) &&
		    read_num(c, 1, 2, &dt->day);
	}
	if (!read_num(c, 1, 2, &dt->day))
		return 0;
	if (!accept(c, '-') && skip_ws(c) == 0)
		return 0;
	if (!read_month_name(c, dt))
		return 0;
	/* "Mon, 13 Feb, 2012" (feedparser's tests). */
	accept(c, ',');
	if (!accept(c, '-') && skip_ws(c) == 0)
		return 0;
	return read_year(c, dt);
}

/*
 * "Mon DD YYYY hh:mm:ss zone" (JavaScript's Date.toString()) and asctime
 * "Mon DD hh:mm:ss [zone] YYYY" (also Twitter's "+0000 2012").
 */
static int
parse_rfc822_mdy(struct cur *c, struct dt *dt)
{
	size_t run;

	if (!read_month_name(c, dt) || skip_ws(c) == 0 ||
	    !read_num(c, 1, 2, &dt->day))
		return 0;
	accept(c, ',');
	if (skip_ws(c) == 0)
		return 0;
	run = digit_run(c);
	if (run > 2 || c->p + run == c->end || c->p[run] != ':') {
		if (!read_year(c, dt))
			return 0;
		return parse_rfc822_tail(c, dt);
	}
	if (!parse_hms(c, dt) || skip_ws(c) == 0)
		return 0;
	if (c_isdigit(peek(c)))
		dt->flags |= DATE_F_NOZONE;
	else if (!parse_zone(c, dt) || skip_ws(c) == 0)
		return 0;
	return read_year(c, dt);
}

/* RFC 822/2822 and relatives; must consume all of c. */
static int
parse_rfc822(struct cur c, struct dt *dt)
{
	struct cur save;
	const unsigned char *w;
	size_t n;

	save = c;
	n = read_word(&c, &w);
	if (n > 0 && is_weekday(w, n)) {
		accept(&c, '.');
		accept(&c, ',');
		skip_ws(&c);
	} else
		c = save;
	if (c_isdigit(peek(&c))) {
		if (!parse_rfc822_dmy(&c, dt) || !parse_rfc822_tail(&c, dt))
			return 0;
	} else if (!parse_rfc822_mdy(&c, dt))
		return 0;
	skip_ws(&c);
	/* RFC 2822 §3.2.3: a trailing comment, "+0000 (UTC)". */
	if (peek(&c) == '(') {
		while (!at_end(&c) && *c.p != ')')
			c.p++;
		if (!accept(&c, ')'))
			return 0;
		skip_ws(&c);
	}
	return at_end(&c);
}

/* Century for ISO 8601:1988 two-digit years, as for RFC 822. */
static int
iso_yy(struct cur *c, struct dt *dt)
{
	if (!read_fixed(c, 2, &dt->year))
		return 0;
	dt->year = fix_year(dt->year, 2);
	return 1;
}

/*
 * The date part of ISO 8601. Complete and reduced forms: YYYY, YYYY-MM,
 * YYYY-MM-DD, YYYY-DDD, YYYYMMDD, YYYYDDD; the ISO 8601:1988 truncated
 * forms with a two-digit year feedparser accepts: YYMMDD, YY-MM-DD,
 * YYDDD, -YYMM, -YY-MM; and Hungarian "YYYY-július-DD".
 */
static int
parse_iso_date(struct cur *c, struct dt *dt)
{
	const unsigned char *w;
	size_t run, n;

	dt->mon = dt->day = 1;
	if (accept(c, '-')) {
		if (!iso_yy(c, dt))
			return 0;
		accept(c, '-');
		dt->flags |= DATE_F_PARTIAL;
		return read_fixed(c, 2, &dt->mon);
	}
	run = digit_run(c);
	switch (run) {
	case 8:
		return read_fixed(c, 4, &dt->year) &&
		    read_fixed(c, 2, &dt->mon) && read_fixed(c, 2, &dt->day);
	case 7:
		return read_fixed(c, 4, &dt->year) &&
		    read_fixed(c, 3, &dt->yday);
	case 6:
		return iso_yy(c, dt) && read_fixed(c, 2, &dt->mon) &&
		    read_fixed(c, 2, &dt->day);
	case 5:
		return iso_yy(c, dt) && read_fixed(c, 3, &dt->yday);
	case 2:
		return iso_yy(c, dt) && accept(c, '-') &&
		    read_fixed(c, 2, &dt->mon) && accept(c, '-') &&
		    read_fixed(c, 2, &dt->day);
	case 4:
		break;
	default:
		return 0;
	}
	read_fixed(c, 4, &dt->year);
	if (!accept(c, '-')) {
		dt->flags |= DATE_F_PARTIAL;
		return 1;
	}
	run = digit_run(c);
	if (run == 3 && (c->p + 3 == c->end || c->p[3] != '-'))
		return read_fixed(c, 3, &dt->yday);
	if (run == 0) {
		n = read_word(c, &w);
		dt->mon = lookup_exact(months_hu, sizeof(months_hu) /
		    sizeof(months_hu[0]), w, n);
		if (dt->mon == 0)
			return 0;
	} else if (run == 3 && *c->p == '0') {
		/* "2003-012-31": a zero-padded month (feedparser). */
		c->p++;
		read_fixed(c, 2, &dt->mon);
	} else if (!read_num(c, 1, 2, &dt->mon))
		return 0;
	if (!accept(c, '-')) {
		dt->flags |= DATE_F_PARTIAL;
		return 1;
	}
	return read_num(c, 1, 2, &dt->day);
}

/*
 * ISO 8601 time: "hh:mm[:ss[.f]]" (a one-digit hour is feedparser's
 * Hungarian test), "hhmm[ss[.f]]" or "hh".
 */
static int
parse_iso_time(struct cur *c, struct dt *dt)
{
	size_t run = digit_run(c);

	if (run == 4 || run == 6) {
		read_fixed(c, 2, &dt->hour);
		read_fixed(c, 2, &dt->min);
		if (run == 6)
			read_fixed(c, 2, &dt->sec);
	} else if (run == 1 || run == 2) {
		read_fixed(c, run, &dt->hour);
		if (accept(c, ':')) {
			if (!read_num(c, 2, 2, &dt->min))
				return 0;
			if (accept(c, ':') && !read_num(c, 2, 2, &dt->sec))
				return 0;
		}
	} else
		return 0;
	return skip_fraction(c);
}

/* Nate: "YYYY-MM-DD 오후 hh:mm:ss", a 12-hour clock in KST. */
static int
parse_nate_time(struct cur *c, struct dt *dt)
{
	int pm;

	if (accept_str(c, KO_AM))
		pm = 0;
	else if (accept_str(c, KO_PM))
		pm = 1;
	else
		return 0;
	if (skip_ws(c) == 0 || !parse_hms(c, dt) || !at_end(c))
		return 0;
	if (dt->hour < 1 || dt->hour > 12)
		return 0;
	dt->hour = dt->hour % 12 + (pm ? 12 : 0);
	dt->off = KO_OFFSET;
	return 1;
}

/* RFC 3339, W3CDTF and the ISO 8601 forms above; must consume all of c. */
static int
parse_iso(struct cur c, struct dt *dt)
{
	if (!parse_iso_date(&c, dt))
		return 0;
	if (at_end(&c)) {
		dt->flags |= DATE_F_PARTIAL | DATE_F_NOZONE;
		return 1;
	}
	/* A time needs a complete date: "2003 12:00" is garbage. */
	if (dt->flags & DATE_F_PARTIAL)
		return 0;
	/* RFC 3339 §5.6 allows "t" and, by its NOTE, a space for "T". */
	if (!accept(&c, 'T') && !accept(&c, 't') && skip_ws(&c) == 0)
		return 0;
	if (!c_isdigit(peek(&c)))
		return parse_nate_time(&c, dt);
	if (!parse_iso_time(&c, dt))
		return 0;
	skip_ws(&c);
	if (at_end(&c))
		dt->flags |= DATE_F_NOZONE;
	else if (!accept(&c, 'Z') && !accept(&c, 'z') && !parse_zone(&c, dt))
		return 0;
	return at_end(&c);
}

/* OnBlog: "YYYY년 MM월 DD일 hh:mm:ss", in KST. */
static int
parse_onblog(struct cur c, struct dt *dt)
{
	if (!read_num(&c, 4, 4, &dt->year) || !accept_str(&c, KO_YEAR))
		return 0;
	skip_ws(&c);
	if (!read_num(&c, 1, 2, &dt->mon) || !accept_str(&c, KO_MONTH))
		return 0;
	skip_ws(&c);
	if (!read_num(&c, 1, 2, &dt->day) || !accept_str(&c, KO_DAY))
		return 0;
	if (skip_ws(&c) == 0 || !parse_hms(&c, dt))
		return 0;
	skip_ws(&c);
	dt->off = KO_OFFSET;
	return at_end(&c);
}

/*
 * Validates the fields and converts to epoch seconds, within years 1 to
 * 9999 after the offset is applied (year 0 is the "0000-00-00" of
 * broken exporters, not a date). 24:00:00 is the
 * end of the day (ISO 8601 §4.2.3) and second 60 a leap second (RFC 3339
 * §5.7); both roll over into the next unit, which is what POSIX time
 * does with them anyway.
 */
static int
dt_to_epoch(const struct dt *dt, int64_t *out)
{
	int64_t days;

	if (dt->year < 1 || dt->year > 9999)
		return 0;
	if (dt->yday != 0) {
		if (dt->yday < 1 || dt->yday > (is_leap(dt->year) ? 366 : 365))
			return 0;
		days = days_from_civil(dt->year, 1, 1) + dt->yday - 1;
	} else {
		if (dt->mon < 1 || dt->mon > 12 || dt->day < 1 ||
		    dt->day > days_in_month(dt->year, dt->mon))
			return 0;
		days = days_from_civil(dt->year, dt->mon, dt->day);
	}
	if (dt->hour > 24 || dt->min > 59 || dt->sec > 60 ||
	    (dt->hour == 24 && (dt->min != 0 || dt->sec != 0)))
		return 0;
	*out = days * 86400 + dt->hour * 3600 + dt->min * 60 + dt->sec -
	    (int64_t)dt->off * 60;
	/* RFC 3339 §5.6 has four-digit years: so must every result. */
	return *out >= DATE_MIN && *out <= DATE_MAX;
}

int
date_parse(const char *s, size_t n, int64_t *out, int *flags)
{
	int (*const parsers[])(struct cur, struct dt *) = {
		parse_iso, parse_rfc822, parse_onblog,
	};
	struct cur c;
	struct dt dt;
	size_t i;

	*out = DATE_NONE;
	if (flags != NULL)
		*flags = 0;
	if (s == NULL)
		return HERALD_E_INVAL;
	c.p = (const unsigned char *)s;
	c.end = c.p + n;
	skip_ws(&c);
	while (c.end > c.p && c_isspace(c.end[-1]))
		c.end--;
	if (at_end(&c))
		return HERALD_E_INVAL;
	for (i = 0; i < sizeof(parsers) / sizeof(parsers[0]); i++) {
		memset(&dt, 0, sizeof(dt));
		if (parsers[i](c, &dt) && dt_to_epoch(&dt, out)) {
			if (flags != NULL)
				*flags = dt.flags;
			return 0;
		}
	}
	*out = DATE_NONE;
	return HERALD_E_INVAL;
}

char *
date_format_rfc3339(int64_t t, char out[32])
{
	int64_t days, secs, y;
	int m, d, r;

	if (t == DATE_NONE)
		return NULL;
	/* Floor division, so that times before 1970 land on the right day. */
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	r = snprintf(out, 32, "%04lld-%02d-%02dT%02d:%02d:%02dZ",
	    (long long)y, m, d, (int)(secs / 3600), (int)(secs / 60 % 60),
	    (int)(secs % 60));
	if (r < 0 || r >= 32)
		return NULL;
	return out;
}
