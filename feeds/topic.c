/*
 * topic.c: the topic engine.
 *
 * Three stages, each in its own part of this file:
 *
 *  1. topic_set_add() parses the text of a topic file (docs/topic-format.md)
 *     into struct topic: groups of weighted terms, proximity rules, a veto
 *     list, boilerplate phrases and transliteration variant sets. Every term
 *     is normalised and expanded into its spellings right away, so that
 *     every error in a file is found by "herald topics check".
 *  2. topic_set_compile() puts the spellings of every term of every topic
 *     into ONE Aho-Corasick automaton over normalised bytes, so that the
 *     cost of matching an item does not grow with the number of topics.
 *  3. topic_set_match() normalises each field once, runs the automaton once
 *     and scores only the topics that had hits.
 *
 * Normalised text is the field's words, case-folded (NFKD + case folding +
 * marks stripped, plus Arabic and Hebrew letter folding), separated by
 * exactly one space, with a space at both ends: "Israel's cease-fire" is
 * " israel s cease fire ". A whole word is then the pattern " gaza ", a
 * prefix " israel", a suffix "israel " and a phrase " khan younis ", so
 * whole-word, prefix and phrase matching all fall out of plain substring
 * matching, and "Bahamas" never contains " hamas ".
 *
 * Pure: no I/O, no logging, no globals. A compiled set is never written by
 * topic_set_match(), so threads may share it.
 */
#include "topic.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "date.h"
#include "err.h"
#include "hash.h"
#include "xmem.h"

#define TOPIC_LINE_MAX		4096	/* bytes per line of a topic file */
#define TOPIC_NAME_MAX		64	/* topic, group and rule names */
#define TOPIC_SPELLINGS_MAX	64	/* spellings per term, via variants */
#define TOPIC_NEAR_MAX		50	/* largest n in NEAR/n */
#define TOPIC_WEIGHT_MAX	1000.0	/* |weight|, |threshold| */
#define TOPIC_FIELD_MAX		(1u << 20)	/* bytes matched per field */
#define TOPIC_STATES_MAX	(1u << 22)	/* automaton states */

/* Decomposition of one code point: U+FDFA, the longest, gives 18. */
#define NORM_CP_MAX		32

enum group_kind {
	GROUP_SCORE = 0,	/* adds weight x field weight, once */
	GROUP_VETO,		/* any hit: the topic is not tagged */
	GROUP_BOILER		/* its spans are removed before scoring */
};

struct group {
	char		*name;
	double		 weight;
	int		 has_weight;
	enum group_kind	 kind;
	unsigned	 line;
};

struct term {
	char		*text;		/* as written, without quotes */
	size_t		 group;
	unsigned	 line;
	char		*words;		/* normalised words, until expanded */
	int		 lead;		/* 0: "*word", matches inside a word */
	int		 trail;		/* 0: "word*", a prefix */
	char		**pats;		/* byte patterns of its spellings */
	size_t		 npats;
};

struct near {
	char		*name;
	char		*expr;		/* as written: "a NEAR/5 b" */
	char		*aname, *bname;	/* resolved into a and b at topic end */
	size_t		 a, b;
	unsigned	 dist;
	double		 weight;
	int		 has_weight;
	unsigned	 line;
};

struct vset {
	char		**tok;		/* normalised single words */
	size_t		 n, cap;
	unsigned	 line;
};

struct topic {
	char		*name;
	char		*label;
	char		*path;
	char		 version[HASH_HEX_LEN + 1];
	unsigned	 line;
	long long	 since;		/* DATE_NONE: no lower bound */
	double		 threshold;
	int		 has_threshold;
	double		 fw[TOPIC_NFIELDS];
	unsigned	 seen;		/* SEEN_* bits: keys given once */
	struct group	*groups;
	size_t		 ngroups, cgroups;
	struct term	*terms;
	size_t		 nterms, cterms;
	struct near	*nears;
	size_t		 nnears, cnears;
	struct vset	*vsets;
	size_t		 nvsets, cvsets;
	unsigned	 kinds;		/* 1 << kind of each group, once compiled */
};

/* What a pattern stands for: term `term` of topic `topic`. */
struct pref {
	uint32_t	 topic;
	uint32_t	 term;
};

/*
 * The automaton, a DFA over byte classes: bytes that occur in no pattern
 * share class 0, which always leads back to the root.
 *
 * Once compiled (ac_pack()), next[] holds for each transition the row of
 * the next state, so that the scan loop needs no multiplication: row s
 * starts at s x rowlen, rowlen even, plus 1 if the state "emits", that is
 * if it or one on its chain of dictionary links ends a pattern. An odd row
 * is then an emitting state, and it is read as is: its transitions are
 * stored one place further on. So the loop reads nothing but next[] for
 * the bytes that end no pattern (nearly all of them), and need not mask
 * a flag out of the row before it uses it.
 */

struct ac {
	uint8_t		 cls[256];
	uint32_t	 nclass;
	uint32_t	 rowlen;	/* once packed: nclass + 1, rounded up to even */
	uint32_t	 nstates;
	uint32_t	 maxdepth;	/* the longest pattern */
	uint32_t	*next;		/* nstates x nclass, packed x rowlen */
	uint32_t	*depth;		/* pattern length at each state */
	uint32_t	*dict;		/* next output state via failures */
	uint32_t	*out;		/* s has refs[out[s] .. out[s + 1]) */
	struct pref	*refs;
	uint16_t	*fold;		/* see fold_table() */
};

struct topic_set {
	struct topic	**topics;
	size_t		 ntopics;
	struct ac	*ac;		/* NULL until compiled */
	size_t		 max_groups;
	size_t		 max_terms;
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

/* Makes room for one more element in *p (n in use, *cap allocated). */
static void *
grow(void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 8;
	return xreallocarray(p, *cap, size);
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\v' || c == '\f';
}

/* Trims s[0..*n) in place at both ends; returns the new start. */
static const char *
trim(const char *s, size_t *n)
{
	while (*n > 0 && is_space((unsigned char)s[0])) {
		s++;
		(*n)--;
	}
	while (*n > 0 && is_space((unsigned char)s[*n - 1]))
		(*n)--;
	return s;
}

static int
is_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > TOPIC_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (i > 0 && (c == '-' || c == '_' || c == '.'))
			continue;
		return 0;
	}
	return 1;
}

/*
 * Parses a decimal number "-?[0-9]+(.[0-9]+)?" by hand: strtod() follows
 * the locale's decimal point, and a topic file must not mean something
 * else under LC_NUMERIC=de_DE.
 */
static int
parse_number(const char *s, size_t n, double *out)
{
	double v = 0, scale = 1;
	size_t i = 0, digits = 0;
	int neg = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
		v = v * 10 + (s[i] - '0');
		if (v > 1e9)
			return -1;
	}
	if (i < n && s[i] == '.') {
		i++;
		if (i == n)
			return -1;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
			scale /= 10;
			v += (s[i] - '0') * scale;
		}
	}
	if (i != n || digits == 0)
		return -1;
	*out = neg ? -v : v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Parses "YYYY-MM-DD" (UTC midnight) into epoch seconds. */
static int
parse_day(const char *s, size_t n, long long *out)
{
	static const unsigned mdays[12] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	unsigned y = 0, m, d;
	size_t i;

	if (n != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return -1;
	}
	for (i = 0; i < 4; i++)
		y = y * 10 + (unsigned)(s[i] - '0');
	m = (unsigned)(s[5] - '0') * 10 + (unsigned)(s[6] - '0');
	d = (unsigned)(s[8] - '0') * 10 + (unsigned)(s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return -1;
	*out = days_from_civil(y, m, d) * 86400;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Normalisation                                                       */
/* ------------------------------------------------------------------ */

/*
 * Normalised text with a map back to the source: for every byte of s, the
 * byte offset in the original text of the character it came from. The
 * index of the word a byte belongs to (for NEAR/n) is not kept: with one
 * space before every word, it is the number of spaces before the byte,
 * minus one, which hit_words() counts for the few bytes that need it.
 *
 * Both arrays live in one block: the inline one for the short fields
 * most feed items carry, so that matching them allocates nothing, or one
 * from the heap for longer ones. The inline block makes struct ntext big
 * (NT_INLINE x 5 bytes): it is meant for the stack of one call.
 */
#define NT_INLINE	2048

struct ntext {
	char		*s;
	uint32_t	*orig;
	size_t		 len;
	size_t		 cap;
	int		 insep;		/* the last byte written is a space */
	void		*heap;		/* the block in use if not inline */
	const uint16_t	*fold;		/* the set's fold table, or NULL */
	uint32_t	 iorig[NT_INLINE + 1];
	char		 is[NT_INLINE + 1];
};

static void
nt_init(struct ntext *nt)
{
	nt->s = nt->is;
	nt->orig = nt->iorig;
	nt->len = 0;
	nt->cap = NT_INLINE;
	nt->insep = 0;
	nt->heap = NULL;
	nt->fold = NULL;
}

static void
nt_fini(struct ntext *nt)
{
	free(nt->heap);
	nt_init(nt);
}

/* nt_reserve()'s slow path: moves the arrays to a larger heap block. */
static void
nt_grow(struct ntext *nt, size_t more)
{
	size_t cap = nt->cap;
	uint32_t *orig;
	char *blk;

	while (cap < nt->len + more)
		cap *= 2;
	/* The uint32_t array first, so that it is aligned. */
	blk = xreallocarray(NULL, cap + 1, sizeof(uint32_t) + 1);
	orig = (uint32_t *)(void *)blk;
	memcpy(orig, nt->orig, nt->len * sizeof(*orig));
	memcpy(orig + cap + 1, nt->s, nt->len);
	free(nt->heap);
	nt->heap = blk;
	nt->orig = orig;
	nt->s = (char *)(orig + cap + 1);
	nt->cap = cap;
}

/* Makes room for more bytes; inline, as it is asked for every character. */
static inline void
nt_reserve(struct ntext *nt, size_t more)
{
	if (nt->len + more > nt->cap)
		nt_grow(nt, more);
}

static void
nt_byte(struct ntext *nt, char c, uint32_t orig)
{
	nt_reserve(nt, 1);
	nt->s[nt->len] = c;
	nt->orig[nt->len] = orig;
	nt->len++;
}

static void
nt_sep(struct ntext *nt, uint32_t orig)
{
	if (nt->insep)
		return;
	nt_byte(nt, ' ', orig);
	nt->insep = 1;
}

static void
nt_word_cp(struct ntext *nt, int32_t cp, uint32_t orig)
{
	utf8proc_uint8_t enc[4];
	utf8proc_ssize_t n, i;

	nt->insep = 0;
	/* Most letters left after folding are ASCII: no call to encode. */
	if (cp < 0x80) {
		nt_byte(nt, (char)cp, orig);
		return;
	}
	n = utf8proc_encode_char(cp, enc);
	for (i = 0; i < n; i++)
		nt_byte(nt, (char)enc[i], orig);
}

/*
 * Folds letters that writers of Arabic and Hebrew use interchangeably,
 * after NFKD has already split off hamza and madda (U+0623 = U+0627 +
 * U+0654) and STRIPMARK has dropped them and the vowel points. Returns 0
 * for a character to drop, -1 for one that separates words.
 */
static int32_t
fold_script(int32_t c)
{
	switch (c) {
	case 0x0671:			/* alef wasla */
		return 0x0627;		/* alef */
	case 0x0629:			/* ta marbuta */
		return 0x0647;		/* ha */
	case 0x0649:			/* alef maksura */
	case 0x06CC:			/* Farsi yeh */
		return 0x064A;		/* ya */
	case 0x06A9:			/* keheh */
		return 0x0643;		/* kaf */
	case 0x0640:			/* tatweel: stretching, not a letter */
		return 0;
	case 0x05DA:			/* Hebrew final forms */
		return 0x05DB;
	case 0x05DD:
		return 0x05DE;
	case 0x05DF:
		return 0x05E0;
	case 0x05E3:
		return 0x05E4;
	case 0x05E5:
		return 0x05E6;
	case 0x02B9: case 0x02BB: case 0x02BC: case 0x02BD: case 0x02BE:
	case 0x02BF: case 0x02C8:
		/*
		 * Modifier letters used as apostrophes ("Israelʼs") and for
		 * ayn and hamza in transliteration: separate like ' does.
		 */
		return -1;
	}
	if (c >= 0x0660 && c <= 0x0669)	/* Arabic-Indic digits */
		return '0' + (c - 0x0660);
	if (c >= 0x06F0 && c <= 0x06F9)	/* Extended Arabic-Indic digits */
		return '0' + (c - 0x06F0);
	return c;
}

static int
is_word_cp(int32_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
		return 1;
	default:
		return 0;
	}
}

/* What a code point turns into: a separator, or a code point of a word. */
#define ACT_SEP		(-1)

/*
 * The actions one non-ASCII code point stands for, into act[0..
 * NORM_CP_MAX): each ACT_SEP or a code point to append to the current
 * word. Returns their number. A pure function of cp, which is what lets
 * fold_table() work it out ahead for the common code points.
 */
static size_t
cp_actions(int32_t cp, int32_t *act)
{
	/*
	 * One code point at a time rather than utf8proc_map() on the whole
	 * text, so that each output byte knows its source offset. NFKD is
	 * enough: marks are stripped, so recomposing (NFKC) would change
	 * nothing we compare, and terms go through this same function.
	 */
	const utf8proc_option_t opts = UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT |
	    UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE;
	utf8proc_int32_t d[NORM_CP_MAX];
	utf8proc_ssize_t n, i;
	size_t k = 0;
	int bc = 0;
	int32_t c;

	n = utf8proc_decompose_char(cp, d, NORM_CP_MAX, opts, &bc);
	if (n < 0 || n > NORM_CP_MAX) {
		act[0] = ACT_SEP;
		return 1;
	}
	for (i = 0; i < n; i++) {
		c = fold_script(d[i]);
		if (c == 0)
			continue;
		if (c < 0x80 && c >= 0) {
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
				act[k++] = c;
			else if (c >= 'A' && c <= 'Z')
				act[k++] = c - 'A' + 'a';
			else
				act[k++] = ACT_SEP;
		} else if (c > 0 && is_word_cp(c))
			act[k++] = c;
		else
			act[k++] = ACT_SEP;
	}
	return k;
}

static void
nt_actions(struct ntext *nt, const int32_t *act, size_t n, uint32_t orig)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (act[i] == ACT_SEP)
			nt_sep(nt, orig);
		else
			nt_word_cp(nt, act[i], orig);
	}
}

/* One non-ASCII code point of the source at offset orig. */
static void
norm_cp(struct ntext *nt, int32_t cp, uint32_t orig)
{
	int32_t act[NORM_CP_MAX];

	nt_actions(nt, act, cp_actions(cp, act), orig);
}

/*
 * The fold table: what cp_actions() gives for the code points that most
 * text which is not ASCII is made of, worked out once per compiled set
 * rather than for every character: those of two bytes in UTF-8 (Latin
 * letters with accents, Greek, Cyrillic, Hebrew, Arabic), at their own
 * index, and General Punctuation and the currency signs (quotes, dashes,
 * the euro), U+2000..U+20FF, from FOLD_PUNCT on. An entry is the one
 * code point of a word its code point turns into, or FOLD_SEP (one
 * separator), FOLD_NONE (dropped), FOLD_SLOW (anything else: ask
 * cp_actions()).
 */
#define FOLD_PUNCT	0x800
#define FOLD_SIZE	(FOLD_PUNCT + 0x100)
#define FOLD_SLOW	0
#define FOLD_NONE	0xFFFE
#define FOLD_SEP	0xFFFF

static uint16_t
fold_entry(int32_t cp)
{
	int32_t act[NORM_CP_MAX];
	size_t n = cp_actions(cp, act);

	if (n == 0)
		return FOLD_NONE;
	if (n == 1 && act[0] == ACT_SEP)
		return FOLD_SEP;
	if (n == 1 && act[0] > 0 && act[0] < FOLD_NONE)
		return (uint16_t)act[0];
	return FOLD_SLOW;
}

/* Returns a new fold table; the caller frees it. */
static uint16_t *
fold_table(void)
{
	uint16_t *fold = xcalloc(FOLD_SIZE, sizeof(*fold));
	int32_t cp;

	for (cp = 0x80; cp < FOLD_PUNCT; cp++)
		fold[cp] = fold_entry(cp);
	for (cp = 0; cp < 0x100; cp++)
		fold[FOLD_PUNCT + cp] = fold_entry(0x2000 + cp);
	return fold;
}

/*
 * The fold table's entry for the character at p[0..avail) if it is one
 * the table has, FOLD_SLOW if not; *len gets its length. Decodes only
 * what is well-formed, which utf8proc_iterate() would decode the same.
 */
static uint16_t
fold_lookup(const uint16_t *fold, const unsigned char *p, size_t avail,
    size_t *len)
{
	if (avail >= 2 && p[0] >= 0xC2 && p[0] <= 0xDF &&
	    (p[1] & 0xC0) == 0x80) {
		*len = 2;
		return fold[(p[0] & 0x1F) << 6 | (p[1] & 0x3F)];
	}
	/* E2 80..83 xx is U+2000..U+20FF. */
	if (avail >= 3 && p[0] == 0xE2 && (p[1] & 0xFC) == 0x80 &&
	    (p[2] & 0xC0) == 0x80) {
		*len = 3;
		return fold[FOLD_PUNCT + ((p[1] & 0x03) << 6 | (p[2] & 0x3F))];
	}
	return FOLD_SLOW;
}

/*
 * One non-ASCII character at s[i] through the fold table, if nt has one
 * and it has the character. Returns the length of the character, or 0
 * if the caller is to decode it.
 */
static size_t
norm_folded(struct ntext *nt, const char *s, size_t i, size_t n)
{
	size_t len;
	uint16_t e;

	if (!nt->fold)
		return 0;
	e = fold_lookup(nt->fold, (const unsigned char *)s + i, n - i, &len);
	if (e == FOLD_SLOW)
		return 0;
	if (e == FOLD_SEP)
		nt_sep(nt, (uint32_t)i);
	else if (e != FOLD_NONE)
		nt_word_cp(nt, e, (uint32_t)i);
	return len;
}

/*
 * ASCII folding, two constant tables shared read-only by every thread:
 * the byte to write (the lower-case letter or digit, or ' ' for a
 * separator) and whether the byte belongs to a word (1) or separates
 * words (0). Two tables rather than one and a test: in the loop that
 * touches every byte, a load is cheaper than compare, flag and select.
 * The second is of uint32_t so that the compiler uses its values as they
 * are loaded, with no extension to the width of the sums they go into.
 */
#define SP	' '
static const char ascii_fold[128] = {
	SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP,
	SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP,
	SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP, SP,
	'0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
	SP, SP, SP, SP, SP, SP,
	SP, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm',
	'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z',
	SP, SP, SP, SP, SP,
	SP, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm',
	'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z',
	SP, SP, SP, SP, SP,
};
#undef SP

static const uint32_t ascii_word[128] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,	/* 0-9 */
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* A-O */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,	/* P-Z */
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* a-o */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,	/* p-z */
};

/*
 * The state of norm_ascii() in locals, not in nt's fields: the compiler
 * cannot know that the stores into the arrays leave nt alone, and would
 * reload them. inword is whether the last byte kept is a word byte
 * (!nt->insep).
 */
struct nascii {
	char		*out;
	uint32_t	*orig;
	size_t		 len;
	size_t		 inword;	/* 0 or 1, as wide as len */
};

/*
 * One ASCII byte c at source offset i, without branches on it: words and
 * separators alternate too irregularly for branch prediction. The byte is
 * always stored, and kept (len advanced) unless it is a separator after a
 * separator; the caller's reserve leaves room for the one stored past the
 * end.
 */
static inline void
na_byte(struct nascii *a, unsigned char c, size_t i)
{
	size_t word = ascii_word[c];

	a->out[a->len] = ascii_fold[c];
	a->orig[a->len] = (uint32_t)i;
	a->len += word | a->inword;
	a->inword = word;
}

/* True if none of the 8 bytes at s has its top bit set (all ASCII). */
static inline int
ascii8(const char *s)
{
	uint64_t w;

	memcpy(&w, s, sizeof(w));
	return (w & 0x8080808080808080ull) == 0;
}

/*
 * The ASCII run starting at s[i]: most feed text is ASCII, so this loop
 * writes straight into nt, whose room for it the caller has reserved (one
 * output byte per input byte). Returns the index after the run.
 */
static size_t
norm_ascii(struct ntext *nt, const char *s, size_t i, size_t n)
{
	struct nascii a = { nt->s, nt->orig, nt->len, !nt->insep };
	unsigned k;

	/*
	 * Eight bytes at a time, unrolled, while they are all ASCII: one
	 * test of the top bits and one loop step for eight bytes instead
	 * of eight.
	 */
	for (; n - i >= 8 && ascii8(s + i); i += 8) {
#pragma GCC unroll 8
		for (k = 0; k < 8; k++)
			na_byte(&a, (unsigned char)s[i + k], i + k);
	}
	for (; i < n && (unsigned char)s[i] < 0x80; i++)
		na_byte(&a, (unsigned char)s[i], i);
	nt->len = a.len;
	nt->insep = !a.inword;
	return i;
}

/*
 * Normalises s[0..n) into nt (reset first): " word word ... ". Invalid
 * UTF-8 bytes separate words. Only the first TOPIC_FIELD_MAX bytes count.
 */
static void
normalise(struct ntext *nt, const char *s, size_t n)
{
	size_t i = 0;
	utf8proc_int32_t cp;
	utf8proc_ssize_t r;
	size_t len;

	if (n > TOPIC_FIELD_MAX)
		n = TOPIC_FIELD_MAX;
	nt->len = 0;
	nt->insep = 0;
	nt_sep(nt, 0);
	while (i < n) {
		/* Invariant for norm_ascii(): room for the rest, plus one. */
		nt_reserve(nt, n - i + 1);
		i = norm_ascii(nt, s, i, n);
		if (i == n)
			break;
		len = norm_folded(nt, s, i, n);
		if (len > 0) {
			i += len;
			continue;
		}
		r = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
		    (utf8proc_ssize_t)(n - i), &cp);
		if (r <= 0) {
			nt_sep(nt, (uint32_t)i);
			i++;
			continue;
		}
		norm_cp(nt, cp, (uint32_t)i);
		i += (size_t)r;
	}
	nt_sep(nt, (uint32_t)n);
	nt->s[nt->len] = '\0';
}

/* ------------------------------------------------------------------ */
/* Topic objects                                                       */
/* ------------------------------------------------------------------ */

static void
topic_free(struct topic *t)
{
	size_t i, j;

	if (!t)
		return;
	for (i = 0; i < t->ngroups; i++)
		free(t->groups[i].name);
	for (i = 0; i < t->nterms; i++) {
		free(t->terms[i].text);
		free(t->terms[i].words);
		for (j = 0; j < t->terms[i].npats; j++)
			free(t->terms[i].pats[j]);
		free(t->terms[i].pats);
	}
	for (i = 0; i < t->nnears; i++) {
		free(t->nears[i].name);
		free(t->nears[i].expr);
		free(t->nears[i].aname);
		free(t->nears[i].bname);
	}
	for (i = 0; i < t->nvsets; i++) {
		for (j = 0; j < t->vsets[i].n; j++)
			free(t->vsets[i].tok[j]);
		free(t->vsets[i].tok);
	}
	free(t->groups);
	free(t->terms);
	free(t->nears);
	free(t->vsets);
	free(t->name);
	free(t->label);
	free(t->path);
	free(t);
}

static void
ac_free(struct ac *ac)
{
	if (!ac)
		return;
	free(ac->next);
	free(ac->depth);
	free(ac->dict);
	free(ac->out);
	free(ac->refs);
	free(ac->fold);
	free(ac);
}

struct topic_set *
topic_set_new(void)
{
	return xcalloc(1, sizeof(struct topic_set));
}

void
topic_set_free(struct topic_set *ts)
{
	size_t i;

	if (!ts)
		return;
	for (i = 0; i < ts->ntopics; i++)
		topic_free(ts->topics[i]);
	free(ts->topics);
	ac_free(ts->ac);
	free(ts);
}

size_t
topic_set_count(const struct topic_set *ts)
{
	return ts ? ts->ntopics : 0;
}

const char *
topic_set_name(const struct topic_set *ts, size_t i)
{
	return i < topic_set_count(ts) ? ts->topics[i]->name : NULL;
}

const char *
topic_set_label(const struct topic_set *ts, size_t i)
{
	return i < topic_set_count(ts) ? ts->topics[i]->label : NULL;
}

const char *
topic_set_version(const struct topic_set *ts, size_t i)
{
	return i < topic_set_count(ts) ? ts->topics[i]->version : NULL;
}

const char *
topic_set_path(const struct topic_set *ts, size_t i)
{
	return i < topic_set_count(ts) ? ts->topics[i]->path : NULL;
}

double
topic_set_threshold(const struct topic_set *ts, size_t i)
{
	return i < topic_set_count(ts) ? ts->topics[i]->threshold : 0;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */
/* ------------------------------------------------------------------ */

enum section {
	SEC_NONE = 0,
	SEC_TOPIC,
	SEC_GROUP,
	SEC_NEAR,
	SEC_VARIANTS,
	SEC_VETO,
	SEC_BOILER
};

/* Bits of struct topic's `seen`, for [topic] keys that may appear once. */
#define SEEN_LABEL	0x01
#define SEEN_SINCE	0x02
#define SEEN_THRESHOLD	0x04
#define SEEN_FIELD	0x08	/* << field: 0x08, 0x10, 0x20 */

static const char *const field_keys[TOPIC_NFIELDS] = {
	"title_weight", "summary_weight", "content_weight"
};

/* Field weights when the file names none: title > summary > content. */
static const double field_default[TOPIC_NFIELDS] = { 1.0, 0.5, 0.25 };

struct parser {
	const struct topic_set *ts;	/* for duplicate topic names */
	const char	*path;
	unsigned	 line;
	struct herald_err *err;
	char		 version[HASH_HEX_LEN + 1];
	struct topic	**topics;	/* parsed from this file so far */
	size_t		 ntopics, ctopics;
	struct topic	*cur;
	enum section	 sec;
	size_t		 idx;		/* current group or near */
};

static int perr(const struct parser *, unsigned, const char *, ...)
    __attribute__((__format__(printf, 3, 4)));

/* Sets err to "path:line: " and the message; returns HERALD_E_INVAL. */
static int
perr(const struct parser *p, unsigned line, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	/* Truncation is harmless: the message is for humans. */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return herald_err_set(p->err, HERALD_E_INVAL, "%s:%u: %s", p->path,
	    line, msg);
}

/* The variant set holding the normalised word w[0..n), or NULL. */
static const struct vset *
vset_find(const struct topic *t, const char *w, size_t n)
{
	size_t i, j;

	for (i = 0; i < t->nvsets; i++)
		for (j = 0; j < t->vsets[i].n; j++)
			if (strlen(t->vsets[i].tok[j]) == n &&
			    memcmp(t->vsets[i].tok[j], w, n) == 0)
				return &t->vsets[i];
	return NULL;
}

/*
 * Normalises s[0..n) into its words "w1 w2 ..." without outer spaces.
 * Returns a new string (caller frees) or NULL if it holds no word.
 */
static char *
norm_words(const char *s, size_t n)
{
	struct ntext nt;
	char *r = NULL;

	nt_init(&nt);
	normalise(&nt, s, n);
	if (nt.len > 2)
		r = xstrndup(nt.s + 1, nt.len - 2);
	nt_fini(&nt);
	return r;
}

/* One word of a term while it is expanded through the variant sets. */
struct tword {
	const char	*w;		/* the word as written (normalised) */
	size_t		 len;
	const struct vset *vs;		/* its variant set, or NULL */
	size_t		 pick;		/* the spelling of vs in use */
};

/* Builds the byte pattern of one spelling: " w1 w2 " minus starred ends. */
static char *
make_pattern(const struct tword *tw, size_t nw, int lead, int trail)
{
	size_t len = 2, i, at = 0, l;
	const char *x;
	char *p;

	for (i = 0; i < nw; i++)
		len += (tw[i].vs ? strlen(tw[i].vs->tok[tw[i].pick]) :
		    tw[i].len) + 1;
	p = xmalloc(len + 1);
	if (lead)
		p[at++] = ' ';
	for (i = 0; i < nw; i++) {
		x = tw[i].vs ? tw[i].vs->tok[tw[i].pick] : tw[i].w;
		l = tw[i].vs ? strlen(x) : tw[i].len;
		if (i > 0)
			p[at++] = ' ';
		memcpy(p + at, x, l);
		at += l;
	}
	if (trail)
		p[at++] = ' ';
	p[at] = '\0';
	return p;
}

/*
 * Expands a term's words through its topic's variant sets into every
 * spelling (the cartesian product, at most TOPIC_SPELLINGS_MAX).
 */
static int
term_expand(const struct parser *p, const struct topic *t, struct term *tm)
{
	struct tword *tw;
	const char *q;
	size_t nw = 1, i, k, total = 1;
	int rc = 0;

	for (q = tm->words; *q; q++)
		nw += *q == ' ';
	tw = xcalloc(nw, sizeof(*tw));
	for (i = 0, q = tm->words; i < nw; i++) {
		tw[i].w = q;
		tw[i].len = strcspn(q, " ");
		tw[i].vs = vset_find(t, q, tw[i].len);
		q += tw[i].len + (q[tw[i].len] == ' ');
		if (tw[i].vs)
			total *= tw[i].vs->n;
		if (total > TOPIC_SPELLINGS_MAX) {
			rc = perr(p, tm->line, "term \"%s\": more than 64 "
			    "spellings after variants", tm->text);
			goto out;
		}
	}
	tm->pats = xcalloc(total, sizeof(*tm->pats));
	for (k = 0; k < total; k++) {
		tm->pats[tm->npats++] = make_pattern(tw, nw, tm->lead,
		    tm->trail);
		/* Next combination, odometer style. */
		for (i = nw; i-- > 0;) {
			if (!tw[i].vs)
				continue;
			if (++tw[i].pick < tw[i].vs->n)
				break;
			tw[i].pick = 0;
		}
	}
out:
	free(tw);
	return rc;
}

/* Removes one pair of surrounding double quotes; no others may remain. */
static int
unquote(const struct parser *p, const char **s, size_t *n)
{
	if (*n >= 2 && (*s)[0] == '"' && (*s)[*n - 1] == '"') {
		(*s)++;
		*n -= 2;
	}
	if (memchr(*s, '"', *n))
		return perr(p, p->line, "misplaced quote in \"%.*s\"",
		    (int)*n, *s);
	return 0;
}

/*
 * Calls fn for each item of a comma-separated list, trimmed and unquoted.
 * Commas inside double quotes do not split.
 */
static int
split_list(struct parser *p, const char *v, size_t n,
    int (*fn)(struct parser *, const char *, size_t))
{
	size_t i = 0, start, len;
	const char *s;
	int inq, rc;

	for (;;) {
		start = i;
		inq = 0;
		while (i < n && (inq || v[i] != ',')) {
			if (v[i] == '"')
				inq = !inq;
			i++;
		}
		if (inq)
			return perr(p, p->line, "unterminated quote");
		len = i - start;
		s = trim(v + start, &len);
		rc = unquote(p, &s, &len);
		if (rc)
			return rc;
		if (len == 0)
			return perr(p, p->line, "empty item in list");
		rc = fn(p, s, len);
		if (rc || i >= n)
			return rc;
		i++;
	}
}

static int
add_term(struct parser *p, const char *s, size_t n)
{
	struct topic *t = p->cur;
	const char *st = s;
	size_t stem = n;
	struct term *tm;
	int lead = 1, trail = 1;
	char *words;

	if (stem > 0 && st[0] == '*') {
		lead = 0;
		st++;
		stem--;
	}
	if (stem > 0 && st[stem - 1] == '*') {
		trail = 0;
		stem--;
	}
	if (memchr(st, '*', stem))
		return perr(p, p->line, "term \"%.*s\": '*' only at its "
		    "start or end", (int)n, s);
	words = norm_words(st, stem);
	if (!words)
		return perr(p, p->line, "term \"%.*s\" has no letters or "
		    "digits", (int)n, s);
	t->terms = grow(t->terms, t->nterms, &t->cterms, sizeof(*t->terms));
	tm = &t->terms[t->nterms++];
	memset(tm, 0, sizeof(*tm));
	tm->text = xstrndup(s, n);
	tm->words = words;
	tm->lead = lead;
	tm->trail = trail;
	tm->group = p->idx;
	tm->line = p->line;
	return 0;
}

static int
add_variant(struct parser *p, const char *s, size_t n)
{
	struct topic *t = p->cur;
	struct vset *vs = &t->vsets[t->nvsets - 1];
	char *w;

	w = norm_words(s, n);
	if (!w || strchr(w, ' ') || memchr(s, '*', n)) {
		free(w);
		return perr(p, p->line, "variant \"%.*s\" is not a single "
		    "word", (int)n, s);
	}
	if (vset_find(t, w, strlen(w))) {
		int rc = perr(p, p->line, "variant \"%s\" is already in a "
		    "variant set", w);

		free(w);
		return rc;
	}
	vs->tok = grow(vs->tok, vs->n, &vs->cap, sizeof(*vs->tok));
	vs->tok[vs->n++] = w;
	return 0;
}

static int
key_variant(struct parser *p, const char *v, size_t n)
{
	struct topic *t = p->cur;
	struct vset *vs;
	int rc;

	t->vsets = grow(t->vsets, t->nvsets, &t->cvsets, sizeof(*t->vsets));
	vs = &t->vsets[t->nvsets++];
	memset(vs, 0, sizeof(*vs));
	vs->line = p->line;
	rc = split_list(p, v, n, add_variant);
	if (rc)
		return rc;
	if (vs->n < 2)
		return perr(p, p->line, "a variant set needs two or more "
		    "spellings");
	return 0;
}

/* Parses a weight or threshold in [lo, hi]. */
static int
key_number(const struct parser *p, const char *key, const char *v,
    size_t n, double lo, double hi, double *out)
{
	char *x;
	int rc = 0;

	if (parse_number(v, n, out) == 0 && *out >= lo && *out <= hi)
		return 0;
	x = xstrndup(v, n);
	rc = perr(p, p->line, "%s \"%s\": not a number in range", key, x);
	free(x);
	return rc;
}

static int
once(struct parser *p, unsigned bit, const char *key)
{
	if (p->cur->seen & bit)
		return perr(p, p->line, "duplicate key \"%s\"", key);
	p->cur->seen |= bit;
	return 0;
}

static int
key_topic(struct parser *p, const char *k, const char *v, size_t n)
{
	struct topic *t = p->cur;
	size_t f;
	int rc;

	if (strcmp(k, "label") == 0) {
		rc = once(p, SEEN_LABEL, k);
		if (!rc)
			rc = unquote(p, &v, &n);
		if (!rc) {
			free(t->label);
			t->label = xstrndup(v, n);
		}
		return rc;
	}
	if (strcmp(k, "since") == 0) {
		rc = once(p, SEEN_SINCE, k);
		if (!rc && parse_day(v, n, &t->since))
			rc = perr(p, p->line, "since \"%.*s\": not a date "
			    "YYYY-MM-DD", (int)n, v);
		return rc;
	}
	if (strcmp(k, "threshold") == 0) {
		rc = once(p, SEEN_THRESHOLD, k);
		if (!rc)
			rc = key_number(p, k, v, n, 0.001, TOPIC_WEIGHT_MAX,
			    &t->threshold);
		t->has_threshold = !rc;
		return rc;
	}
	for (f = 0; f < TOPIC_NFIELDS; f++) {
		if (strcmp(k, field_keys[f]) != 0)
			continue;
		rc = once(p, SEEN_FIELD << f, k);
		return rc ? rc : key_number(p, k, v, n, 0, 100, &t->fw[f]);
	}
	return perr(p, p->line, "unknown key \"%s\" in [topic]", k);
}

static int
key_group(struct parser *p, const char *k, const char *v, size_t n)
{
	struct group *g = &p->cur->groups[p->idx];
	int rc;

	if (strcmp(k, "terms") == 0)
		return split_list(p, v, n, add_term);
	if (strcmp(k, "weight") == 0 && p->sec == SEC_GROUP) {
		if (g->has_weight)
			return perr(p, p->line, "duplicate key \"%s\"", k);
		rc = key_number(p, k, v, n, -TOPIC_WEIGHT_MAX,
		    TOPIC_WEIGHT_MAX, &g->weight);
		g->has_weight = !rc;
		return rc;
	}
	return perr(p, p->line, "unknown key \"%s\" in [%s]", k,
	    p->sec == SEC_GROUP ? "group" : g->name);
}

/* Parses "A NEAR/n B" into r. */
static int
near_expr(struct parser *p, struct near *r, const char *v, size_t n)
{
	const char *w[4];
	size_t wl[4], nw = 0, i = 0, j;
	unsigned d = 0;

	while (i < n && nw < 4) {
		while (i < n && is_space((unsigned char)v[i]))
			i++;
		if (i == n)
			break;
		w[nw] = v + i;
		while (i < n && !is_space((unsigned char)v[i]))
			i++;
		wl[nw] = (size_t)(v + i - w[nw]);
		nw++;
	}
	if (nw != 3 || wl[1] < 6 || wl[1] > 7 || memcmp(w[1], "NEAR/", 5))
		goto bad;
	for (j = 5; j < wl[1]; j++) {
		if (w[1][j] < '0' || w[1][j] > '9')
			goto bad;
		d = d * 10 + (unsigned)(w[1][j] - '0');
	}
	if (d > TOPIC_NEAR_MAX)
		goto bad;
	r->dist = d;
	r->aname = xstrndup(w[0], wl[0]);
	r->bname = xstrndup(w[2], wl[2]);
	r->expr = xstrndup(v, n);
	return 0;
bad:
	return perr(p, p->line, "match \"%.*s\": expected \"GROUP NEAR/n "
	    "GROUP\", n from 0 to 50", (int)n, v);
}

static int
key_near(struct parser *p, const char *k, const char *v, size_t n)
{
	struct near *r = &p->cur->nears[p->idx];
	int rc;

	if (strcmp(k, "match") == 0) {
		if (r->expr)
			return perr(p, p->line, "duplicate key \"%s\"", k);
		return near_expr(p, r, v, n);
	}
	if (strcmp(k, "weight") == 0) {
		if (r->has_weight)
			return perr(p, p->line, "duplicate key \"%s\"", k);
		rc = key_number(p, k, v, n, -TOPIC_WEIGHT_MAX,
		    TOPIC_WEIGHT_MAX, &r->weight);
		r->has_weight = !rc;
		return rc;
	}
	return perr(p, p->line, "unknown key \"%s\" in [near]", k);
}

static int
parse_kv(struct parser *p, const char *s, size_t n)
{
	const char *eq = memchr(s, '=', n);
	size_t kl, vl;
	const char *k, *v;
	char key[64];

	if (!eq)
		return perr(p, p->line, "expected \"key = value\" or "
		    "\"[section]\"");
	kl = (size_t)(eq - s);
	k = trim(s, &kl);
	vl = n - (size_t)(eq - s) - 1;
	v = trim(eq + 1, &vl);
	if (kl == 0 || kl >= sizeof(key))
		return perr(p, p->line, "bad key");
	memcpy(key, k, kl);
	key[kl] = '\0';
	if (vl == 0)
		return perr(p, p->line, "key \"%s\": empty value", key);
	switch (p->sec) {
	case SEC_NONE:
		return perr(p, p->line, "key \"%s\" before any [topic]", key);
	case SEC_TOPIC:
		return key_topic(p, key, v, vl);
	case SEC_GROUP:
	case SEC_VETO:
	case SEC_BOILER:
		return key_group(p, key, v, vl);
	case SEC_NEAR:
		return key_near(p, key, v, vl);
	case SEC_VARIANTS:
		if (strcmp(key, "variant") == 0)
			return key_variant(p, v, vl);
		return perr(p, p->line, "unknown key \"%s\" in [variants]",
		    key);
	}
	return HERALD_E_INVAL;
}

/* Index of the group or near rule called name in t, or -1. */
static long
find_name(const struct topic *t, const char *name, int nears)
{
	size_t i;

	if (nears) {
		for (i = 0; i < t->nnears; i++)
			if (strcmp(t->nears[i].name, name) == 0)
				return (long)i;
		return -1;
	}
	for (i = 0; i < t->ngroups; i++)
		if (strcmp(t->groups[i].name, name) == 0)
			return (long)i;
	return -1;
}

/*
 * Makes the group for [group NAME], [veto] or [boilerplate] current. The
 * veto list and the boilerplate are one group each, however many sections.
 */
static int
open_group(struct parser *p, const char *name, enum group_kind kind)
{
	struct topic *t = p->cur;
	struct group *g;
	long i;

	i = find_name(t, name, 0);
	if (i >= 0 && kind == GROUP_SCORE)
		return perr(p, p->line, "duplicate group \"%s\"", name);
	if (find_name(t, name, 1) >= 0)
		return perr(p, p->line, "\"%s\" is already a [near] rule",
		    name);
	if (i < 0) {
		t->groups = grow(t->groups, t->ngroups, &t->cgroups,
		    sizeof(*t->groups));
		g = &t->groups[t->ngroups];
		memset(g, 0, sizeof(*g));
		g->name = xstrdup(name);
		g->kind = kind;
		g->line = p->line;
		i = (long)t->ngroups++;
	}
	p->idx = (size_t)i;
	return 0;
}

static int
open_near(struct parser *p, const char *name)
{
	struct topic *t = p->cur;
	struct near *r;

	if (find_name(t, name, 1) >= 0 || find_name(t, name, 0) >= 0)
		return perr(p, p->line, "duplicate name \"%s\"", name);
	t->nears = grow(t->nears, t->nnears, &t->cnears, sizeof(*t->nears));
	r = &t->nears[t->nnears];
	memset(r, 0, sizeof(*r));
	r->name = xstrdup(name);
	r->line = p->line;
	p->idx = t->nnears++;
	return 0;
}

/* True if a topic called name exists in the set or earlier in this file. */
static int
topic_exists(const struct parser *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->ts->ntopics; i++)
		if (strcmp(p->ts->topics[i]->name, name) == 0)
			return 1;
	for (i = 0; i < p->ntopics; i++)
		if (strcmp(p->topics[i]->name, name) == 0)
			return 1;
	return 0;
}

static int finish_topic(struct parser *);

static int
open_topic(struct parser *p, const char *name)
{
	struct topic *t;
	size_t f;
	int rc;

	rc = finish_topic(p);
	if (rc)
		return rc;
	if (topic_exists(p, name))
		return perr(p, p->line, "duplicate topic \"%s\"", name);
	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	t->path = xstrdup(p->path);
	memcpy(t->version, p->version, sizeof(t->version));
	t->line = p->line;
	t->since = DATE_NONE;
	for (f = 0; f < TOPIC_NFIELDS; f++)
		t->fw[f] = field_default[f];
	p->topics = grow(p->topics, p->ntopics, &p->ctopics,
	    sizeof(*p->topics));
	p->topics[p->ntopics++] = t;
	p->cur = t;
	return 0;
}

/* "[kind name]" or "[kind]"; s[0..n) is what is between the brackets. */
static int
parse_section(struct parser *p, const char *s, size_t n)
{
	size_t kl, nl;
	const char *name;
	char kind[16], nm[TOPIC_NAME_MAX + 1];

	s = trim(s, &n);
	kl = 0;
	while (kl < n && !is_space((unsigned char)s[kl]))
		kl++;
	nl = n - kl;
	name = trim(s + kl, &nl);
	if (kl >= sizeof(kind))
		return perr(p, p->line, "unknown section [%.*s]", (int)n, s);
	memcpy(kind, s, kl);
	kind[kl] = '\0';
	if (nl > 0 && !is_name(name, nl))
		return perr(p, p->line, "bad name \"%.*s\": use a-z, 0-9, "
		    "'-', '_', '.'", (int)nl, name);
	memcpy(nm, name, nl);
	nm[nl] = '\0';
	if (strcmp(kind, "topic") == 0) {
		if (nl == 0)
			return perr(p, p->line, "[topic] needs a name");
		p->sec = SEC_TOPIC;
		return open_topic(p, nm);
	}
	if (strcmp(kind, "group") != 0 &&
	    strcmp(kind, "near") != 0 && strcmp(kind, "variants") != 0 &&
	    strcmp(kind, "veto") != 0 && strcmp(kind, "boilerplate") != 0)
		return perr(p, p->line, "unknown section [%s]", kind);
	if (!p->cur)
		return perr(p, p->line, "[%s] before any [topic]", kind);
	if ((strcmp(kind, "group") == 0 || strcmp(kind, "near") == 0) !=
	    (nl > 0))
		return perr(p, p->line, nl > 0 ? "[%s] takes no name" :
		    "[%s] needs a name", kind);
	if (strcmp(kind, "group") == 0) {
		if (strcmp(nm, "veto") == 0 || strcmp(nm, "boilerplate") == 0)
			return perr(p, p->line, "group name \"%s\" is "
			    "reserved", nm);
		p->sec = SEC_GROUP;
		return open_group(p, nm, GROUP_SCORE);
	}
	if (strcmp(kind, "near") == 0) {
		p->sec = SEC_NEAR;
		return open_near(p, nm);
	}
	if (strcmp(kind, "veto") == 0) {
		p->sec = SEC_VETO;
		return open_group(p, "veto", GROUP_VETO);
	}
	if (strcmp(kind, "boilerplate") == 0) {
		p->sec = SEC_BOILER;
		return open_group(p, "boilerplate", GROUP_BOILER);
	}
	p->sec = SEC_VARIANTS;
	return 0;
}

/* Length of s[0..n) before a '#' that is outside double quotes. */
static size_t
strip_comment(const char *s, size_t n)
{
	size_t i;
	int inq = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			inq = !inq;
		else if (s[i] == '#' && !inq)
			return i;
	}
	return n;
}

static int
check_utf8(const struct parser *p, const char *s, size_t n)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t r;
	size_t i = 0;

	while (i < n) {
		r = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
		    (utf8proc_ssize_t)(n - i), &cp);
		if (r <= 0 || cp == 0)
			return perr(p, p->line, "invalid UTF-8 or NUL byte");
		i += (size_t)r;
	}
	return 0;
}

static int
parse_line(struct parser *p, const char *s, size_t n)
{
	int rc;

	if (n > TOPIC_LINE_MAX)
		return perr(p, p->line, "line longer than 4096 bytes");
	rc = check_utf8(p, s, n);
	if (rc)
		return rc;
	n = strip_comment(s, n);
	s = trim(s, &n);
	if (n == 0)
		return 0;
	if (s[0] == '[') {
		if (s[n - 1] != ']')
			return perr(p, p->line, "section header without "
			    "']'");
		return parse_section(p, s + 1, n - 2);
	}
	return parse_kv(p, s, n);
}

static int
finish_near(const struct parser *p, const struct topic *t, struct near *r)
{
	long a, b;

	if (!r->expr || !r->has_weight)
		return perr(p, r->line, "near \"%s\": needs both \"match\" and "
		    "\"weight\"", r->name);
	a = find_name(t, r->aname, 0);
	b = find_name(t, r->bname, 0);
	if (a < 0 || t->groups[a].kind != GROUP_SCORE)
		return perr(p, r->line, "near \"%s\": no group \"%s\"", r->name,
		    r->aname);
	if (b < 0 || t->groups[b].kind != GROUP_SCORE)
		return perr(p, r->line, "near \"%s\": no group \"%s\"", r->name,
		    r->bname);
	r->a = (size_t)a;
	r->b = (size_t)b;
	return 0;
}

/* Checks the topic being parsed and expands its terms; at its end. */
static int
finish_topic(struct parser *p)
{
	struct topic *t = p->cur;
	size_t i, nterms;
	int rc, positive = 0;

	if (!t)
		return 0;
	p->cur = NULL;
	if (!t->has_threshold)
		return perr(p, t->line, "topic \"%s\": no threshold", t->name);
	for (i = 0; i < t->ngroups; i++) {
		const struct group *g = &t->groups[i];
		size_t j;

		if (g->kind == GROUP_SCORE && !g->has_weight)
			return perr(p, g->line, "group \"%s\": no weight",
			    g->name);
		for (nterms = 0, j = 0; j < t->nterms; j++)
			nterms += t->terms[j].group == i;
		if (nterms == 0)
			return perr(p, g->line, "[%s] has no terms",
			    g->kind == GROUP_SCORE ? g->name :
			    g->kind == GROUP_VETO ? "veto" : "boilerplate");
		positive |= g->kind == GROUP_SCORE && g->weight > 0;
	}
	if (!positive)
		return perr(p, t->line, "topic \"%s\": no group with a "
		    "positive weight", t->name);
	for (i = 0; i < t->nnears; i++) {
		rc = finish_near(p, t, &t->nears[i]);
		if (rc)
			return rc;
	}
	if (!t->label)
		t->label = xstrdup(t->name);
	for (i = 0; i < t->nterms; i++) {
		rc = term_expand(p, t, &t->terms[i]);
		if (rc)
			return rc;
		free(t->terms[i].words);
		t->terms[i].words = NULL;
	}
	return 0;
}

int
topic_set_add(struct topic_set *ts, const char *path, const char *text,
    size_t len, struct herald_err *err)
{
	struct parser p;
	const char *nl;
	size_t pos = 0, n, i;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	p.ts = ts;
	p.path = path ? path : "(topics)";
	p.err = err;
	hash_sha256_hex(text, len, p.version);
	while (pos < len) {
		nl = memchr(text + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		p.line++;
		rc = parse_line(&p, text + pos, n);
		if (rc)
			goto out;
		pos += n + 1;
	}
	rc = finish_topic(&p);
	if (rc)
		goto out;
	if (p.ntopics == 0) {
		rc = perr(&p, p.line ? p.line : 1, "no [topic] section");
		goto out;
	}
	ts->topics = xreallocarray(ts->topics, ts->ntopics + p.ntopics,
	    sizeof(*ts->topics));
	for (i = 0; i < p.ntopics; i++)
		ts->topics[ts->ntopics++] = p.topics[i];
	p.ntopics = 0;
	/* The set changed: match nothing until compiled again. */
	ac_free(ts->ac);
	ts->ac = NULL;
out:
	for (i = 0; i < p.ntopics; i++)
		topic_free(p.topics[i]);
	free(p.topics);
	return rc;
}
/* ------------------------------------------------------------------ */
/* The automaton                                                       */
/* ------------------------------------------------------------------ */

/* A pattern's terminal state and what it stands for, while building. */
struct accept {
	uint32_t	 state;
	struct pref	 ref;
};

static int
accept_cmp(const void *a, const void *b)
{
	const struct accept *x = a, *y = b;

	if (x->state != y->state)
		return x->state < y->state ? -1 : 1;
	if (x->ref.topic != y->ref.topic)
		return x->ref.topic < y->ref.topic ? -1 : 1;
	if (x->ref.term != y->ref.term)
		return x->ref.term < y->ref.term ? -1 : 1;
	return 0;
}

/* Gives each byte that occurs in some pattern its own class. */
static void
ac_classes(struct ac *ac, const struct topic_set *ts)
{
	size_t ti, j, k;
	const unsigned char *q;
	uint8_t used[256] = { 0 };
	unsigned b;

	for (ti = 0; ti < ts->ntopics; ti++)
		for (j = 0; j < ts->topics[ti]->nterms; j++)
			for (k = 0; k < ts->topics[ti]->terms[j].npats; k++)
				for (q = (const unsigned char *)
				    ts->topics[ti]->terms[j].pats[k]; *q; q++)
					used[*q] = 1;
	ac->nclass = 1;
	for (b = 0; b < 256; b++)
		ac->cls[b] = used[b] ? (uint8_t)ac->nclass++ : 0;
}

/* Adds a state to the trie being built; returns its number or 0 if full. */
static uint32_t
ac_new_state(struct ac *ac, size_t *cap, uint32_t depth)
{
	size_t ncap;

	if (ac->nstates >= TOPIC_STATES_MAX ||
	    (size_t)(ac->nstates + 1) * ac->nclass > TOPIC_STATES_MAX * 16u)
		return 0;
	if (ac->nstates == *cap) {
		ncap = *cap ? *cap * 2 : 256;
		ac->next = xreallocarray(ac->next, ncap * ac->nclass,
		    sizeof(*ac->next));
		ac->depth = xreallocarray(ac->depth, ncap,
		    sizeof(*ac->depth));
		*cap = ncap;
	}
	memset(ac->next + (size_t)ac->nstates * ac->nclass, 0,
	    ac->nclass * sizeof(*ac->next));
	ac->depth[ac->nstates] = depth;
	return ac->nstates++;
}

/* Inserts every spelling of every term; fills *acc (caller frees). */
static int
ac_trie(struct ac *ac, const struct topic_set *ts, struct accept **acc,
    size_t *nacc)
{
	size_t cap = 0, cacc = 0, ti, j, k, at;
	const struct term *tm;
	const unsigned char *q;
	uint32_t s, u;

	ac_new_state(ac, &cap, 0);
	for (ti = 0; ti < ts->ntopics; ti++) {
		for (j = 0; j < ts->topics[ti]->nterms; j++) {
			tm = &ts->topics[ti]->terms[j];
			for (k = 0; k < tm->npats; k++) {
				s = 0;
				for (q = (const unsigned char *)tm->pats[k];
				    *q; q++) {
					at = (size_t)s * ac->nclass +
					    ac->cls[*q];
					u = ac->next[at];
					if (u == 0) {
						/* This may move ac->next. */
						u = ac_new_state(ac, &cap,
						    ac->depth[s] + 1);
						if (u == 0)
							return HERALD_E_TOOBIG;
						ac->next[at] = u;
					}
					s = u;
				}
				*acc = grow(*acc, *nacc, &cacc, sizeof(**acc));
				(*acc)[*nacc].state = s;
				(*acc)[*nacc].ref.topic = (uint32_t)ti;
				(*acc)[*nacc].ref.term = (uint32_t)j;
				(*nacc)++;
			}
		}
	}
	return 0;
}

/* Sorts the accepting states into ac->out/ac->refs, dropping repeats. */
static void
ac_outputs(struct ac *ac, struct accept *acc, size_t nacc)
{
	size_t i, n = 0;

	/* An empty set has no patterns, and qsort(NULL, 0, ...) is UB. */
	if (nacc > 0)
		qsort(acc, nacc, sizeof(*acc), accept_cmp);
	ac->out = xcalloc((size_t)ac->nstates + 1, sizeof(*ac->out));
	ac->refs = xcalloc(nacc ? nacc : 1, sizeof(*ac->refs));
	for (i = 0; i < nacc; i++) {
		if (i > 0 && accept_cmp(&acc[i], &acc[i - 1]) == 0)
			continue;
		ac->refs[n++] = acc[i].ref;
		ac->out[acc[i].state + 1]++;
	}
	for (i = 0; i < ac->nstates; i++)
		ac->out[i + 1] += ac->out[i];
}

#define AC_HASOUT(ac, s)	((ac)->out[(s) + 1] > (ac)->out[(s)])

/*
 * Turns the trie into a DFA (missing transitions follow the failure
 * links) and fills the dictionary links, breadth first so that a state's
 * failure state is always complete before the state itself.
 */
static void
ac_links(struct ac *ac)
{
	uint32_t *fail, *queue, head = 0, tail = 0, s, u, c, f;
	const uint32_t K = ac->nclass;

	fail = xcalloc(ac->nstates, sizeof(*fail));
	queue = xcalloc(ac->nstates, sizeof(*queue));
	ac->dict = xcalloc(ac->nstates, sizeof(*ac->dict));
	for (c = 0; c < K; c++) {
		u = ac->next[c];
		if (u)
			queue[tail++] = u;
	}
	while (head < tail) {
		s = queue[head++];
		for (c = 0; c < K; c++) {
			u = ac->next[(size_t)s * K + c];
			f = ac->next[(size_t)fail[s] * K + c];
			if (!u) {
				ac->next[(size_t)s * K + c] = f;
				continue;
			}
			fail[u] = f;
			ac->dict[u] = AC_HASOUT(ac, f) ? f : ac->dict[f];
			queue[tail++] = u;
		}
	}
	free(fail);
	free(queue);
}

/* The packed row of state s (see struct ac). */
static uint32_t
ac_row(const struct ac *ac, uint32_t s)
{
	return s * ac->rowlen + (AC_HASOUT(ac, s) || ac->dict[s] ? 1 : 0);
}

/*
 * Turns next[] from state numbers into packed rows (see struct ac), in
 * place, so that the largest automaton does not need twice its memory for
 * a moment. A transition only moves up (to row(s) + c from s x nclass +
 * c), so going from the last one down, each is read before it is
 * overwritten. The slots left over between rows are never read.
 */
static void
ac_pack(struct ac *ac)
{
	uint32_t s, c, row;
	size_t i;

	ac->rowlen = (ac->nclass + 2) & ~1u;
	ac->next = xreallocarray(ac->next, (size_t)ac->nstates * ac->rowlen,
	    sizeof(*ac->next));
	for (s = ac->nstates; s-- > 0;) {
		row = ac_row(ac, s);
		for (c = ac->nclass; c-- > 0;)
			ac->next[row + c] = ac_row(ac,
			    ac->next[(size_t)s * ac->nclass + c]);
	}
	ac->maxdepth = 0;
	for (i = 0; i < ac->nstates; i++)
		if (ac->depth[i] > ac->maxdepth)
			ac->maxdepth = ac->depth[i];
}

/* Notes which kinds of group t has, so that matching skips the others. */
static void
topic_kinds(struct topic *t)
{
	size_t g;

	t->kinds = 0;
	for (g = 0; g < t->ngroups; g++)
		t->kinds |= 1u << t->groups[g].kind;
}

int
topic_set_compile(struct topic_set *ts, struct herald_err *err)
{
	struct accept *acc = NULL;
	size_t nacc = 0, i;
	struct ac *ac;
	int rc;

	ac_free(ts->ac);
	ts->ac = NULL;
	ac = xcalloc(1, sizeof(*ac));
	ac_classes(ac, ts);
	rc = ac_trie(ac, ts, &acc, &nacc);
	if (rc) {
		rc = herald_err_set(err, rc, "topics: too many terms (more "
		    "than %u automaton states)", TOPIC_STATES_MAX);
		goto out;
	}
	ac_outputs(ac, acc, nacc);
	ac_links(ac);
	ac_pack(ac);
	ac->fold = fold_table();
	ts->max_groups = ts->max_terms = 0;
	for (i = 0; i < ts->ntopics; i++) {
		topic_kinds(ts->topics[i]);
		if (ts->topics[i]->ngroups > ts->max_groups)
			ts->max_groups = ts->topics[i]->ngroups;
		if (ts->topics[i]->nterms > ts->max_terms)
			ts->max_terms = ts->topics[i]->nterms;
	}
	ts->ac = ac;
	ac = NULL;
out:
	ac_free(ac);
	free(acc);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Matching                                                            */
/* ------------------------------------------------------------------ */

/* One occurrence of a term in a field, before scoring. */
struct rhit {
	uint32_t	 topic;
	uint32_t	 term;
	uint32_t	 field;
	uint32_t	 s, e;		/* [s, e) in the normalised field */
	uint32_t	 t0, t1;	/* its first and last word (hit_words()) */
	uint32_t	 off;		/* byte offset in the original field */
	uint32_t	 drop;		/* inside boilerplate */
};

/* Hits start in an inline array on the caller's stack. */
#define RH_INLINE	128

struct rhits {
	struct rhit	*v;
	size_t		 n, cap;
	struct rhit	 iv[RH_INLINE];
};

static void
rh_init(struct rhits *h)
{
	h->v = h->iv;
	h->n = 0;
	h->cap = RH_INLINE;
}

static void
rh_fini(struct rhits *h)
{
	if (h->v != h->iv)
		free(h->v);
	rh_init(h);
}

static struct rhit *
rh_push(struct rhits *h)
{
	struct rhit *v;

	if (h->n == h->cap) {
		if (h->v == h->iv) {
			v = xreallocarray(NULL, h->cap * 2, sizeof(*v));
			memcpy(v, h->iv, sizeof(h->iv));
		} else
			v = xreallocarray(h->v, h->cap * 2, sizeof(*v));
		h->v = v;
		h->cap *= 2;
	}
	return &h->v[h->n++];
}

static int
rhit_cmp(const void *a, const void *b)
{
	const struct rhit *x = a, *y = b;

	if (x->topic != y->topic)
		return x->topic < y->topic ? -1 : 1;
	if (x->field != y->field)
		return x->field < y->field ? -1 : 1;
	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	if (x->e != y->e)
		return x->e < y->e ? -1 : 1;
	if (x->term != y->term)
		return x->term < y->term ? -1 : 1;
	return 0;
}

/*
 * Insertion sort by rhit_cmp of hits nearly in order; falls back on
 * qsort() when the moves show they are not.
 */
static void
isort_hits(struct rhit *v, size_t n)
{
	size_t i, j, moves = 0;
	struct rhit x;

	for (i = 1; i < n; i++) {
		if (rhit_cmp(&v[i - 1], &v[i]) <= 0)
			continue;
		x = v[i];
		for (j = i; j > 0 && rhit_cmp(&v[j - 1], &x) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
		moves += i - j;
		if (moves > 8 * n + 64) {
			qsort(v, n, sizeof(*v), rhit_cmp);
			return;
		}
	}
}

/*
 * Sorts h by rhit_cmp. The scan produces hits in (field, end) order, and
 * within one end from the longest pattern down, so after a stable counting
 * sort by topic a hit is out of order only behind the longer hits that
 * contain it: insertion sort has little to do, far less than qsort().
 */
static void
sort_hits(struct rhits *h, size_t ntopics)
{
	uint32_t icount[RH_INLINE + 1], *count = icount;
	struct rhit itmp[RH_INLINE], *tmp = itmp;
	size_t i, t, start;
	uint32_t c, sum;

	for (i = 1; i < h->n && h->v[i].topic == h->v[0].topic; i++)
		;
	if (i == h->n) {
		isort_hits(h->v, h->n);
		return;
	}
	if (ntopics > RH_INLINE)
		count = xreallocarray(NULL, ntopics + 1, sizeof(*count));
	if (h->n > RH_INLINE)
		tmp = xreallocarray(NULL, h->n, sizeof(*tmp));
	memset(count, 0, (ntopics + 1) * sizeof(*count));
	for (i = 0; i < h->n; i++)
		count[h->v[i].topic + 1]++;
	for (t = 0, sum = 0; t <= ntopics; t++) {
		c = count[t];
		count[t] = sum;
		sum += c;
	}
	/* count[t + 1] is now where topic t goes. */
	for (i = 0; i < h->n; i++)
		tmp[count[h->v[i].topic + 1]++] = h->v[i];
	memcpy(h->v, tmp, h->n * sizeof(*tmp));
	for (t = 0, start = 0; t < ntopics; t++) {
		isort_hits(h->v + start, count[t + 1] - start);
		start = count[t + 1];
	}
	if (count != icount)
		free(count);
	if (tmp != itmp)
		free(tmp);
}

/* Records every pattern that ends at byte i of nt (state o has output). */
static void
emit(const struct ac *ac, const struct ntext *nt, uint32_t field,
    uint32_t o, size_t i, struct rhits *h)
{
	size_t s, e;
	uint32_t r;
	struct rhit *x;

	for (; o; o = ac->dict[o]) {
		/* Drop the boundary spaces: the hit is the word bytes. */
		s = i + 1 - ac->depth[o];
		e = i + 1;
		if (nt->s[s] == ' ')
			s++;
		if (nt->s[e - 1] == ' ')
			e--;
		for (r = ac->out[o]; r < ac->out[o + 1]; r++) {
			x = rh_push(h);
			x->topic = ac->refs[r].topic;
			x->term = ac->refs[r].term;
			x->field = field;
			x->s = (uint32_t)s;
			x->e = (uint32_t)e;
			x->off = nt->orig[s];
			x->drop = 0;
		}
	}
}

/* emit() for the state of an odd row (see struct ac). */
static void
emit_row(const struct ac *ac, const struct ntext *nt, uint32_t field,
    uint32_t row, size_t i, struct rhits *h)
{
	uint32_t o = row / ac->rowlen;

	emit(ac, nt, field, AC_HASOUT(ac, o) ? o : ac->dict[o], i, h);
}

/* The packed row after byte c from row s (see struct ac). */
static inline size_t
ac_step(const uint32_t *next, const uint8_t *cls, size_t s, unsigned char c)
{
	return next[s + cls[c]];
}

/* The number of spaces among s[0..n). */
static uint32_t
count_spaces(const char *s, size_t n)
{
	const uint64_t low7 = 0x7f7f7f7f7f7f7f7full;
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t w, z;
	uint32_t c = 0;
	size_t i = 0;

	/*
	 * Eight bytes at a time: after the xor a space is a zero byte,
	 * which the classic test turns into its byte's top bit; the
	 * multiplication adds up those bits in the top byte.
	 */
	for (; n - i >= 8; i += 8) {
		memcpy(&w, s + i, sizeof(w));
		w ^= ones * ' ';
		z = ~(((w & low7) + low7) | w | low7);
		c += (uint32_t)(((z >> 7) * ones) >> 56);
	}
	for (; i < n; i++)
		c += s[i] == ' ';
	return c;
}

/*
 * Fills in t0 and t1, the first and last word of each hit v[0..n) that
 * scan() found in nt. scan() records hits in text order of their ends,
 * so one pass counts the spaces up to each hit's last byte: its word is
 * that count minus one, as the text has one space before every word.
 */
static void
hit_words(const struct ntext *nt, struct rhit *v, size_t n)
{
	size_t k, pos = 0, last;
	uint32_t nsp = 0;

	for (k = 0; k < n; k++) {
		/* The topics and terms of one pattern share its span. */
		if (k > 0 && v[k].s == v[k - 1].s && v[k].e == v[k - 1].e) {
			v[k].t0 = v[k - 1].t0;
			v[k].t1 = v[k - 1].t1;
			continue;
		}
		last = v[k].e - 1;
		nsp += count_spaces(nt->s + pos, last - pos);
		pos = last;
		v[k].t1 = nsp - 1;
		v[k].t0 = v[k].t1 - count_spaces(nt->s + v[k].s,
		    last - v[k].s);
	}
}

/* Hits of the second stream of scan() held back, at most. */
#define SCAN_PEND	64

/*
 * Runs the automaton over nt and records the hits in text order.
 *
 * Each step waits for the load of the one before, so one pass over the
 * text runs at the latency of a load rather than its throughput. Two
 * passes interleaved, one from the start and one from the middle, keep
 * two loads in flight. The second pass starts maxdepth - 1 bytes before
 * the middle: the automaton's state is the longest pattern prefix that
 * ends at the current byte, so from the middle on it is the same as if it
 * had started at byte 0. The middle leaves both passes the same length;
 * a text shorter than about twice maxdepth gains nothing. The second
 * pass's hits are held back until the first pass has reached the middle;
 * when SCAN_PEND of them are pending, the second pass stops there and
 * carries on alone once the first pass is done.
 */
static void
scan(const struct ac *ac, const struct ntext *nt, uint32_t field,
    struct rhits *h)
{
	const unsigned char *p = (const unsigned char *)nt->s, *q;
	const uint32_t *next = ac->next;
	const uint8_t *cls = ac->cls;
	uint32_t pend_i[SCAN_PEND], pend_s[SCAN_PEND];
	/* Rows as wide as the index, so that adding a class needs no cast. */
	size_t sa = 0, sb = 0;
	size_t i = 0, j = 0, k, mid = 0, np = 0, n = nt->len, gap, warm;

	/* maxdepth is 0 when there is no pattern at all (an empty set). */
	if (ac->maxdepth > 0 && n > 2 * (size_t)ac->maxdepth + 32) {
		mid = (n + ac->maxdepth - 1) / 2;
		/*
		 * The second pass is at j = i + gap, read through q: one
		 * index and one test per step; whether the pending hits
		 * are full is only asked when one is added.
		 */
		gap = mid - (ac->maxdepth - 1);
		warm = ac->maxdepth - 1;
		q = p + gap;
		/* Until q reaches mid, its hits are the first pass's. */
		for (; i < warm; i++) {
			sa = ac_step(next, cls, sa, p[i]);
			sb = ac_step(next, cls, sb, q[i]);
			if (sa & 1)
				emit_row(ac, nt, field, (uint32_t)sa, i, h);
		}
		for (; i < mid; i++) {
			sa = ac_step(next, cls, sa, p[i]);
			sb = ac_step(next, cls, sb, q[i]);
			if (sa & 1)
				emit_row(ac, nt, field, (uint32_t)sa, i, h);
			if (sb & 1) {
				pend_i[np] = (uint32_t)(i + gap);
				pend_s[np++] = (uint32_t)sb;
				if (np == SCAN_PEND) {
					i++;
					break;
				}
			}
		}
		j = i + gap;
		for (; i < mid; i++) {
			sa = ac_step(next, cls, sa, p[i]);
			if (sa & 1)
				emit_row(ac, nt, field, (uint32_t)sa, i, h);
		}
		for (k = 0; k < np; k++)
			emit_row(ac, nt, field, pend_s[k], pend_i[k], h);
	}
	/* The second pass's rest, or the only pass of a short text. */
	for (; j < n; j++) {
		sb = ac_step(next, cls, sb, p[j]);
		if (sb & 1)
			emit_row(ac, nt, field, (uint32_t)sb, j, h);
	}
}

/*
 * Per-call scratch for scoring, sized for the largest topic: on the
 * caller's stack unless some topic is larger than SC_INLINE groups or
 * SC_INLINE x 64 terms. Nothing of it needs clearing up front. Keeping it
 * off the heap matters more than its size suggests: glibc's malloc()
 * consolidates its fast bins (malloc_consolidate()) for a request of
 * 1 KiB or more, thousands of instructions when the evidence strings of
 * earlier items have just been freed.
 */
#define SC_INLINE	64

struct scratch {
	int		*bestf;		/* per group: best field, or -1 */
	size_t		*first;		/* per group: the hit that counts */
	uint64_t	*seen;		/* per term, a bit: evidence in this field */
	size_t		 nseen;		/* words of seen */
	void		*heap;		/* bestf and first if not inline */
	void		*sheap;		/* seen if not inline */
	int		 ibestf[SC_INLINE];
	size_t		 ifirst[SC_INLINE];
	uint64_t	 iseen[SC_INLINE];
};

/*
 * score_groups() sets the per-group arrays before it reads them, and
 * tag_evidence() clears the bits for each field it starts.
 */
static void
sc_init(struct scratch *sc, size_t ngroups, size_t nterms)
{
	sc->heap = sc->sheap = NULL;
	sc->nseen = (nterms + 63) / 64;
	if (sc->nseen <= SC_INLINE)
		sc->seen = sc->iseen;
	else
		sc->seen = sc->sheap = xreallocarray(NULL, sc->nseen,
		    sizeof(*sc->seen));
	if (ngroups <= SC_INLINE) {
		sc->bestf = sc->ibestf;
		sc->first = sc->ifirst;
		return;
	}
	/* One block: the size_t array first, for its alignment. */
	sc->heap = xreallocarray(NULL, ngroups,
	    sizeof(size_t) + sizeof(int));
	sc->first = sc->heap;
	sc->bestf = (int *)(void *)(sc->first + ngroups);
}

static void
sc_fini(struct scratch *sc)
{
	free(sc->heap);
	free(sc->sheap);
}

/* A stretch of one field covered by boilerplate. */
struct span {
	uint32_t	 field;
	uint32_t	 s, e;
};

/* True if [s, e) of field f overlaps one of the sorted disjoint spans. */
static int
span_covers(const struct span *sp, size_t n, uint32_t f, uint32_t s,
    uint32_t e)
{
	size_t lo = 0, hi = n, mid;

	/* Find the last span that starts before e in field f. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sp[mid].field < f || (sp[mid].field == f &&
		    sp[mid].s < e))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && sp[lo - 1].field == f && sp[lo - 1].e > s;
}

/*
 * Marks the boilerplate hits and every hit that overlaps one of them, so
 * that a feed's "Related: ..." footer adds nothing to the score.
 */
static void
drop_boilerplate(const struct topic *t, struct rhit *h, size_t n)
{
	struct span *sp = NULL;
	size_t i, nsp = 0, cap = 0;

	/* Hits are sorted by (field, start): merge into disjoint spans. */
	for (i = 0; i < n; i++) {
		if (t->groups[t->terms[h[i].term].group].kind != GROUP_BOILER)
			continue;
		h[i].drop = 1;
		if (nsp > 0 && sp[nsp - 1].field == h[i].field &&
		    h[i].s <= sp[nsp - 1].e) {
			if (h[i].e > sp[nsp - 1].e)
				sp[nsp - 1].e = h[i].e;
			continue;
		}
		sp = grow(sp, nsp, &cap, sizeof(*sp));
		sp[nsp].field = h[i].field;
		sp[nsp].s = h[i].s;
		sp[nsp++].e = h[i].e;
	}
	for (i = 0; i < n && nsp > 0; i++)
		if (!h[i].drop && span_covers(sp, nsp, h[i].field, h[i].s,
		    h[i].e))
			h[i].drop = 1;
	free(sp);
}

/*
 * Drops every scoring hit that lies inside a longer one of the same field,
 * so that "west bank" is not also a "bank" and "Qatar Airways" not also
 * "Qatar": the longest reading of the text wins, as a reader would take it.
 * Hits are sorted by (field, start, end): a hit is inside another if an
 * earlier-starting one ends at or after its end, or one with the same start
 * ends later.
 */
static void
drop_contained(const struct topic *t, struct rhit *h, size_t n)
{
	size_t i, j, k;
	uint32_t prevmax = 0, runmax;
	int field = -1;

	for (i = 0; i < n; i = j) {
		if ((int)h[i].field != field) {
			field = (int)h[i].field;
			prevmax = 0;
		}
		runmax = 0;
		for (j = i; j < n && h[j].field == h[i].field &&
		    h[j].s == h[i].s; j++)
			if (!h[j].drop && t->groups[t->terms[h[j].term].group]
			    .kind == GROUP_SCORE && h[j].e > runmax)
				runmax = h[j].e;
		for (k = i; k < j; k++) {
			if (h[k].drop || t->groups[t->terms[h[k].term].group]
			    .kind != GROUP_SCORE)
				continue;
			if (prevmax >= h[k].e || runmax > h[k].e)
				h[k].drop = 1;
		}
		if (runmax > prevmax)
			prevmax = runmax;
	}
}

/*
 * Whether some hit of group a and some hit of group b among the hits h of
 * one field are at most dist words apart; *off gets the earlier one's
 * offset.
 */
static int
near_field(const struct topic *t, const struct near *r, const struct rhit *h,
    size_t n, uint32_t *off)
{
	long long enda = -1, endb = -1, gap;
	uint32_t offa = 0, offb = 0;
	size_t i, g;

	for (i = 0; i < n; i++) {
		if (h[i].drop)
			continue;
		g = t->terms[h[i].term].group;
		if (g != r->a && g != r->b)
			continue;
		/* Sorted by start: check against the furthest end so far. */
		if (g == r->b && enda >= 0) {
			gap = (long long)h[i].t0 - enda - 1;
			if (gap <= (long long)r->dist) {
				*off = offa;
				return 1;
			}
		}
		if (g == r->a && endb >= 0) {
			gap = (long long)h[i].t0 - endb - 1;
			if (gap <= (long long)r->dist) {
				*off = offb;
				return 1;
			}
		}
		if (g == r->a && (long long)h[i].t1 > enda) {
			enda = h[i].t1;
			offa = h[i].off;
		}
		if (g == r->b && (long long)h[i].t1 > endb) {
			endb = h[i].t1;
			offb = h[i].off;
		}
	}
	return 0;
}

static void
tag_add_hit(struct topic_tag *tag, size_t *cap, const char *term,
    const char *group, uint32_t field, uint32_t off, double w)
{
	struct topic_hit *x;

	tag->hits = grow(tag->hits, tag->nhits, cap, sizeof(*tag->hits));
	x = &tag->hits[tag->nhits++];
	x->term = xstrdup(term);
	x->group = xstrdup(group);
	x->field = (enum topic_field)field;
	x->offset = off;
	x->weight = w;
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct topic_hit *x = a, *y = b;

	if (x->field != y->field)
		return x->field < y->field ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return strcmp(x->term, y->term);
}

/*
 * Sorts a tag's hits by hit_cmp(). They come nearly in order: the terms'
 * by field and text position, then the few of the proximity rules. So an
 * insertion sort has little to do, far less than qsort(). It is stable,
 * as glibc's qsort() (a merge sort) is, so hits that compare equal keep
 * their order either way; when the moves show the hits are not nearly in
 * order after all, qsort() finishes the job.
 */
static void
sort_tag_hits(struct topic_hit *v, size_t n)
{
	size_t i, j, moves = 0;
	struct topic_hit x;

	for (i = 1; i < n; i++) {
		if (hit_cmp(&v[i - 1], &v[i]) <= 0)
			continue;
		x = v[i];
		for (j = i; j > 0 && hit_cmp(&v[j - 1], &x) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
		moves += i - j;
		if (moves > 8 * n + 64) {
			qsort(v, n, sizeof(*v), hit_cmp);
			return;
		}
	}
}

/* Sums the groups: each counts once, in its best field. */
static double
score_groups(const struct topic *t, const struct rhit *h, size_t n,
    struct scratch *sc)
{
	double score = 0;
	size_t i, g;

	for (g = 0; g < t->ngroups; g++)
		sc->bestf[g] = -1;
	for (i = 0; i < n; i++) {
		g = t->terms[h[i].term].group;
		if (h[i].drop || t->groups[g].kind != GROUP_SCORE)
			continue;
		if (sc->bestf[g] < 0 ||
		    t->fw[h[i].field] > t->fw[sc->bestf[g]]) {
			sc->bestf[g] = (int)h[i].field;
			sc->first[g] = i;
		}
	}
	for (g = 0; g < t->ngroups; g++)
		if (sc->bestf[g] >= 0)
			score += t->groups[g].weight * t->fw[sc->bestf[g]];
	return score;
}

/* lo[f] = the first of the hits h[0..n) in field f or later (lo[3] = n). */
static void
field_bounds(const struct rhit *h, size_t n, size_t *lo)
{
	uint32_t f;
	size_t i = 0;

	for (f = 0; f <= TOPIC_NFIELDS; f++) {
		while (i < n && h[i].field < f)
			i++;
		lo[f] = i;
	}
}

/*
 * Adds the proximity rules; records their evidence in tag if not NULL.
 * Needs sc as score_groups() left it.
 */
static double
score_nears(const struct topic *t, const struct rhit *h, size_t n,
    const struct scratch *sc, struct topic_tag *tag, size_t *cap)
{
	double score = 0, w;
	uint32_t f, off, bestoff = 0;
	size_t i, lo[TOPIC_NFIELDS + 1];
	int best, bounds = 0;

	for (i = 0; i < t->nnears; i++) {
		/*
		 * A rule needs hits of both its groups (score groups, whose
		 * hits that count score_groups() found): most topics an
		 * item hits at all have few of their groups hit.
		 */
		if (sc->bestf[t->nears[i].a] < 0 ||
		    sc->bestf[t->nears[i].b] < 0)
			continue;
		/* Each rule looks at one field at a time: find them once. */
		if (!bounds) {
			field_bounds(h, n, lo);
			bounds = 1;
		}
		best = -1;
		for (f = 0; f < TOPIC_NFIELDS; f++)
			if (near_field(t, &t->nears[i], h + lo[f],
			    lo[f + 1] - lo[f], &off) &&
			    (best < 0 || t->fw[f] > t->fw[best])) {
				best = (int)f;
				bestoff = off;
			}
		if (best < 0)
			continue;
		w = t->nears[i].weight * t->fw[best];
		score += w;
		if (tag)
			tag_add_hit(tag, cap, t->nears[i].expr,
			    t->nears[i].name, (uint32_t)best, bestoff, w);
	}
	return score;
}

/*
 * True if an earlier hit of the same group covers exactly the same text
 * (two spellings of one word, "médiat*" and "mediat*"): one is evidence
 * enough. Hits with equal spans are adjacent in the sorted array.
 */
static int
same_span(const struct topic *t, const struct rhit *h, size_t i)
{
	size_t g = t->terms[h[i].term].group, j;

	for (j = i; j-- > 0 && h[j].field == h[i].field && h[j].s == h[i].s &&
	    h[j].e == h[i].e;)
		if (!h[j].drop && t->terms[h[j].term].group == g)
			return 1;
	return 0;
}

/* The evidence: each term's first hit in each field. */
static void
tag_evidence(const struct topic *t, const struct rhit *h, size_t n,
    struct scratch *sc, struct topic_tag *tag, size_t *cap)
{
	uint32_t field = UINT32_MAX, tm;
	size_t i, g;
	double w;

	for (i = 0; i < n; i++) {
		g = t->terms[h[i].term].group;
		if (h[i].drop || t->groups[g].kind != GROUP_SCORE)
			continue;
		if (h[i].field != field) {
			field = h[i].field;
			memset(sc->seen, 0, sc->nseen * sizeof(*sc->seen));
		}
		tm = h[i].term;
		if ((sc->seen[tm / 64] >> (tm % 64) & 1) || same_span(t, h, i))
			continue;
		sc->seen[tm / 64] |= (uint64_t)1 << (tm % 64);
		w = sc->first[g] == i ? t->groups[g].weight *
		    t->fw[h[i].field] : 0;
		tag_add_hit(tag, cap, t->terms[h[i].term].text,
		    t->groups[g].name, h[i].field, h[i].off, w);
	}
}

/* True if a hit of t's veto list is left after the boilerplate. */
static int
vetoed(const struct topic *t, const struct rhit *h, size_t n)
{
	size_t i;

	if (!(t->kinds & 1u << GROUP_VETO))
		return 0;
	for (i = 0; i < n; i++)
		if (!h[i].drop &&
		    t->groups[t->terms[h[i].term].group].kind == GROUP_VETO)
			return 1;
	return 0;
}

/* Scores topic t on its hits h[0..n); appends a tag to out if it matches. */
static void
score_topic(const struct topic *t, struct rhit *h, size_t n,
    long long published, struct scratch *sc, struct topic_result *out,
    size_t *ntagcap)
{
	struct topic_tag *tag;
	size_t cap = 0;
	double score;

	if (t->since != DATE_NONE && published != DATE_NONE &&
	    published < t->since)
		return;
	/* Most topics have no boilerplate: skip that pass. */
	if (t->kinds & 1u << GROUP_BOILER)
		drop_boilerplate(t, h, n);
	drop_contained(t, h, n);
	if (vetoed(t, h, n))
		return;
	/* score_nears() reads what score_groups() leaves in sc. */
	score = score_groups(t, h, n, sc);
	score += score_nears(t, h, n, sc, NULL, NULL);
	/* Tolerate rounding: 0.5 + 0.25 + ... must reach an exact threshold. */
	if (score < t->threshold - 1e-9)
		return;
	out->tags = grow(out->tags, out->ntags, ntagcap, sizeof(*out->tags));
	tag = &out->tags[out->ntags++];
	memset(tag, 0, sizeof(*tag));
	tag->topic = xstrdup(t->name);
	tag->version = xstrdup(t->version);
	tag->score = score;
	tag->threshold = t->threshold;
	tag_evidence(t, h, n, sc, tag, &cap);
	score_nears(t, h, n, sc, tag, &cap);
	sort_tag_hits(tag->hits, tag->nhits);
}

int
topic_set_match(const struct topic_set *ts, const char *title,
    const char *summary, const char *content, long long published,
    struct topic_result *out)
{
	const char *field[TOPIC_NFIELDS] = { title, summary, content };
	struct rhits h;
	struct scratch sc;
	struct ntext nt;
	size_t i, j, from, ntagcap = 0;
	uint32_t f;

	memset(out, 0, sizeof(*out));
	if (!ts || !ts->ac)
		return 0;
	/* All scratch is this call's own: ts is only read. */
	rh_init(&h);
	nt_init(&nt);
	nt.fold = ts->ac->fold;
	for (f = 0; f < TOPIC_NFIELDS; f++) {
		if (!field[f])
			continue;
		normalise(&nt, field[f], strlen(field[f]));
		from = h.n;
		scan(ts->ac, &nt, f, &h);
		hit_words(&nt, h.v + from, h.n - from);
	}
	nt_fini(&nt);
	if (h.n == 0)
		goto out;
	sort_hits(&h, ts->ntopics);
	sc_init(&sc, ts->max_groups, ts->max_terms);
	for (i = 0; i < h.n; i = j) {
		for (j = i; j < h.n && h.v[j].topic == h.v[i].topic; j++)
			;
		score_topic(ts->topics[h.v[i].topic], h.v + i, j - i,
		    published, &sc, out, &ntagcap);
	}
	sc_fini(&sc);
out:
	rh_fini(&h);
	return 0;
}

void
topic_result_fini(struct topic_result *r)
{
	size_t i, j;

	if (!r)
		return;
	for (i = 0; i < r->ntags; i++) {
		for (j = 0; j < r->tags[i].nhits; j++) {
			free(r->tags[i].hits[j].term);
			free(r->tags[i].hits[j].group);
		}
		free(r->tags[i].hits);
		free(r->tags[i].evidence);
		free(r->tags[i].topic);
		free(r->tags[i].version);
	}
	free(r->tags);
	memset(r, 0, sizeof(*r));
}
