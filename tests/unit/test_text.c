/*
 * test_text.c: feeds/text.c, UTF-8 repair, entities, HTML to plain text
 * and the terminal sanitizer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "feeds/buf.h"
#include "feeds/err.h"
#include "feeds/text.h"

#define FFFD	"\xef\xbf\xbd"
#define NBSP	"\xc2\xa0"

struct text_case {
	const char	*in;
	const char	*want;
};

#define NITEMS(t)	(sizeof(t) / sizeof((t)[0]))

typedef char *(*text_fn)(const char *, size_t);

static void
check_fn(const char *what, text_fn fn, const char *in, size_t n,
    const char *want)
{
	char *got = fn(in, n);

	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s(\"%s\") = \"%s\", expected \"%s\"", what, in,
		    got ? got : "NULL", want);
	free(got);
}

static void
fn_table(const char *what, text_fn fn, const struct text_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		check_fn(what, fn, c[i].in, strlen(c[i].in), c[i].want);
}

static char *
term_safe_n(const char *s, size_t n)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	assert_int_equal(text_escape_term(s, n, &b), 0);
	return buf_detach(&b);
}

/* What no plain or terminal-safe output may contain. */
static void
assert_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n = strlen(s);

	assert_true(text_utf8_valid(s, n));
	for (i = 0; i < n; i++) {
		assert_true(p[i] >= 0x20 && p[i] != 0x7F);
		/* U+0080..U+009F is C2 80..C2 9F in UTF-8. */
		if (p[i] == 0xC2 && i + 1 < n)
			assert_false(p[i + 1] >= 0x80 && p[i + 1] <= 0x9F);
	}
}

/* A deterministic byte generator for the property tests. */
static uint32_t
lcg(uint32_t *st)
{
	*st = *st * 1103515245u + 12345u;
	return *st >> 16;
}

static void
test_utf8_valid(void **state)
{
	(void)state;
	assert_true(text_utf8_valid("", 0));
	assert_true(text_utf8_valid("plain ascii", 11));
	assert_true(text_utf8_valid("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80",
	    14));
	assert_false(text_utf8_valid("a\0b", 3));
	assert_false(text_utf8_valid("\xff", 1));
	assert_false(text_utf8_valid("\xc0\xaf", 2));		/* overlong */
	assert_false(text_utf8_valid("\xe0\x80\xaf", 3));	/* overlong */
	assert_false(text_utf8_valid("\xed\xa0\x80", 3));	/* surrogate */
	assert_false(text_utf8_valid("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	assert_false(text_utf8_valid("\xe2\x9c", 2));		/* truncated */
	assert_false(text_utf8_valid("\x80", 1));		/* stray */
	assert_true(text_utf8_valid("\xf4\x8f\xbf\xbf", 4));	/* U+10FFFF */
	assert_true(text_utf8_valid("\xef\xbf\xbf", 3));	/* U+FFFF */
}

static void
test_utf8_repair(void **state)
{
	static const struct {
		const char	*in;
		size_t		 n;
		const char	*want;
		size_t		 nbad;
	} c[] = {
		{ "caf\xc3\xa9", 5, "caf\xc3\xa9", 0 },
		{ "a\xff" "b", 3, "a" FFFD "b", 1 },
		{ "a\0b", 3, "a" FFFD "b", 1 },
		/* Unicode §3.9: one U+FFFD per maximal subpart. */
		{ "\xc0\xaf", 2, FFFD FFFD, 2 },
		{ "\xed\xa0\x80", 3, FFFD FFFD FFFD, 3 },
		{ "\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD, 4 },
		{ "\xe2\x9c" "x", 3, FFFD "x", 1 },
		{ "x\xf0\x9f\x98", 4, "x" FFFD, 1 },
		/* windows-1252 text mislabelled as UTF-8. */
		{ "don\x92t", 5, "don" FFFD "t", 1 },
	};
	size_t i, nbad;
	char *got;

	(void)state;
	for (i = 0; i < NITEMS(c); i++) {
		got = text_utf8_repair(c[i].in, c[i].n, &nbad);
		assert_string_equal(got, c[i].want);
		assert_int_equal(nbad, c[i].nbad);
		assert_true(text_utf8_valid(got, strlen(got)));
		free(got);
	}
	got = text_utf8_repair("\xff", 1, NULL);
	assert_string_equal(got, FFFD);
	free(got);
	got = text_utf8_repair("", 0, &nbad);
	assert_string_equal(got, "");
	assert_int_equal(nbad, 0);
	free(got);
}

static void
test_entities_decode(void **state)
{
	static const struct text_case c[] = {
		/* Decoded once: "&amp;quot;" is the text "&quot;". */
		{ "&amp;quot;", "&quot;" },
		{ "&amp;amp;", "&amp;" },
		{ "Tom &amp; Jerry", "Tom & Jerry" },
		{ "&lt;b&gt;bold&lt;/b&gt;", "<b>bold</b>" },
		{ "&quot;hi&quot; &apos;there&apos;", "\"hi\" 'there'" },
		{ "it&rsquo;s", "it\xe2\x80\x99s" },
		{ "it&#8217;s", "it\xe2\x80\x99s" },
		{ "it&#x2019;s", "it\xe2\x80\x99s" },
		{ "it&#X2019;s", "it\xe2\x80\x99s" },
		{ "it&#0008217;s", "it\xe2\x80\x99s" },
		{ "wait&hellip;", "wait\xe2\x80\xa6" },
		{ "a&mdash;b&ndash;c", "a\xe2\x80\x94" "b\xe2\x80\x93" "c" },
		{ "caf&eacute; &Eacute;", "caf\xc3\xa9 \xc3\x89" },
		{ "a&nbsp;b", "a" NBSP "b" },
		{ "&copy; &reg; &trade; &euro;",
		    "\xc2\xa9 \xc2\xae \xe2\x84\xa2 \xe2\x82\xac" },
		{ "&laquo;&raquo;&ldquo;&rdquo;",
		    "\xc2\xab\xc2\xbb\xe2\x80\x9c\xe2\x80\x9d" },
		{ "&AElig;&zwnj;&yuml;&Zcaron;&thetasym;&Scaron;",
		    "\xc3\x86\xe2\x80\x8c\xc3\xbf\xc5\xbd\xcf\x91\xc5\xa0" },
		{ "&alpha;&Omega;&rArr;&hearts;&frac12;&deg;",
		    "\xce\xb1\xce\xa9\xe2\x87\x92\xe2\x99\xa5"
		    "\xc2\xbd\xc2\xb0" },
		{ "&lstrok;&ccaron;&nacute;&scedil;&imath;",
		    "\xc5\x82\xc4\x8d\xc5\x84\xc5\x9f\xc4\xb1" },
		/* Unknown and malformed references stay as they are. */
		{ "&foo; &EACUTE; &;", "&foo; &EACUTE; &;" },
		{ "AT&T and R&D", "AT&T and R&D" },
		{ "&#; &#x; &#xg;", "&#; &#x; &#xg;" },
		{ "a & b", "a & b" },
		{ "&", "&" },
		{ "&&amp;", "&&" },
		/* HTML5 legacy names decode without ";", except before = */
		{ "&amp &lt3 &copy 2024", "& &lt3 \xc2\xa9 2024" },
		{ "?a=1&copy=2&amp=3", "?a=1&copy=2&amp=3" },
		{ "&hellip without", "&hellip without" },
		/* Numeric references without ";" too (HTML5). */
		{ "&#65&#x42;C", "ABC" },
		/* Invalid code points become U+FFFD... */
		{ "&#0;", FFFD },
		{ "&#xD800;", FFFD },
		{ "&#x110000;", FFFD },
		{ "&#99999999999999999999999;", FFFD },
		{ "&#27;[31m", FFFD "[31m" },
		{ "&#x7f;", FFFD },
		/* ...but 0x80..0x9F are windows-1252 (HTML5 §13.2.5.80). */
		{ "&#146;&#150;&#128;",
		    "\xe2\x80\x99\xe2\x80\x93\xe2\x82\xac" },
		{ "&#129;", FFFD },
		{ "tab&#9;nl&#10;", "tab\tnl\n" },
		{ "&#x1F600;", "\xf0\x9f\x98\x80" },
		/* Input that is not UTF-8 is repaired. */
		{ "a\xff&amp;", "a" FFFD "&" },
	};

	(void)state;
	fn_table("text_entities_decode", text_entities_decode, c, NITEMS(c));
}

static void
test_html_to_plain(void **state)
{
	static const struct text_case c[] = {
		{ "", "" },
		{ "plain text", "plain text" },
		{ "<p>Hello</p><p>World</p>", "Hello World" },
		/* Inline markup joins; "cease-fire" stays one word. */
		{ "cease-fire", "cease-fire" },
		{ "cease<b>-</b>fire", "cease-fire" },
		{ "cease-<wbr>fire", "cease-fire" },
		{ "<i>un</i>believable", "unbelievable" },
		{ "<span>a</span><a href=\"/x\">b</a>", "ab" },
		/* Blocks and <br> separate. */
		{ "a<br>b<br/>c<BR />d", "a b c d" },
		{ "<div>a</div>b", "a b" },
		{ "<ul><li>one</li><li>two</li></ul>", "one two" },
		{ "<table><tr><td>1</td><td>2</td></tr></table>", "1 2" },
		{ "<h1>Title</h1><p>Body</p>", "Title Body" },
		{ "a<hr>b", "a b" },
		/* Hidden content is dropped whole. */
		{ "<script>alert('<p>x</p>')</script>Text", "Text" },
		{ "<SCRIPT type=\"text/javascript\">evil()</SCRIPT >ok", "ok" },
		{ "<style>p { color: red }</style>styled", "styled" },
		{ "<noscript>enable js</noscript>x", "x" },
		{ "<iframe src=\"x\">fallback</iframe>y", "y" },
		{ "<template><p>t</p></template>z", "z" },
		{ "<script>if (a</b) x()</script>after", "after" },
		{ "<script>no end", "" },
		{ "<script/>kept", "kept" },
		{ "a<scripts>b</scripts>c", "abc" },
		/* Comments, doctypes, processing instructions. */
		{ "a<!-- <p>b</p> -->c", "ac" },
		{ "a<!-->b", "ab" },
		{ "a<!--->b", "ab" },
		{ "a<!-- never closed", "a" },
		{ "<!DOCTYPE html><html><body>x</body></html>", "x" },
		{ "<?xml version=\"1.0\"?>y", "y" },
		/* Feeds that wrap HTML in CDATA twice. */
		{ "<![CDATA[<p>x</p>]]>", "x" },
		/* Entities are decoded after markup, never re-parsed. */
		{ "Tom &amp; Jerry", "Tom & Jerry" },
		{ "&lt;p&gt;not a tag&lt;/p&gt;", "<p>not a tag</p>" },
		{ "&amp;lt;", "&lt;" },
		{ "&lt;script&gt;x&lt;/script&gt;", "<script>x</script>" },
		/* Whitespace: every kind folds, both ends trimmed. */
		{ "  a \t\n b&nbsp;&nbsp;c" NBSP "d  ", "a b c d" },
		{ "a\xe2\x80\x83" "b\xe3\x80\x80" "c\xe2\x80\xaf" "d",
		    "a b c d" },
		{ "&nbsp;<p> x </p>&#160;", "x" },
		{ "<p>a</p>\n\n<p>b</p>", "a b" },
		/* Attributes: quotes hide ">", an apostrophe is no quote. */
		{ "<a title=\"x>y\" href='/'>link</a>", "link" },
		{ "<a title = 'a>b'>q</a>", "q" },
		{ "<p it's>x</p>", "x" },
		{ "<img src=\"a.png\" alt=\"pic\">caption", "caption" },
		/* A "<" that starts no tag is text. */
		{ "x < y", "x < y" },
		{ "5 <3", "5 <3" },
		{ "a<b", "a<b" },
		{ "if a<b and c>d", "if ad" },
		{ "<>", "<>" },
		{ "</ p>", "</ p>" },
		/* Namespaced xhtml and upper case. */
		{ "<xhtml:p>a</xhtml:p><xhtml:p>b</xhtml:p>", "a b" },
		{ "<P>A<BR>B</P>", "A B" },
		/* No control characters survive; bad UTF-8 is repaired. */
		{ "a\x01" "b\x7f" "c\xc2\x80" "d\x1b[31me", "abcd[31me" },
		/* NEL (U+0085) is White_Space: a separator, not dropped. */
		{ "a\xc2\x85" "b", "a b" },
		{ "bad\xff", "bad" FFFD },
		{ "&#150; dash", "\xe2\x80\x93 dash" },
	};

	(void)state;
	fn_table("text_html_to_plain", text_html_to_plain, c, NITEMS(c));
}

/* Pathological markup: every scan is linear, nothing recurses. */
static void
test_html_to_plain_hostile(void **state)
{
	static const char *const unit[] = {
		"<a", "<a x='", "<!--", "<script>", "<div>", "&", "&amp",
		"&#", "<![CDATA[", "</", "<a b=\"c>\">", "<<<<", "]]>",
	};
	size_t n = 1 << 20, i, j, len;
	char *s, *got;

	(void)state;
	s = malloc(n + 2);
	assert_non_null(s);
	for (i = 0; i < NITEMS(unit); i++) {
		len = strlen(unit[i]);
		for (j = 0; j + len <= n; j += len)
			memcpy(s + j, unit[i], len);
		/* A final ">" defeats the "no > anywhere" shortcut. */
		s[j] = '>';
		s[j + 1] = '\0';
		got = text_html_to_plain(s, j + 1);
		assert_non_null(got);
		assert_clean(got);
		free(got);
	}
	/* Deep nesting: 100000 open <div>s and one word. */
	for (j = 0; j + 5 <= n - 1; j += 5)
		memcpy(s + j, "<div>", 5);
	s[j] = 'x';
	got = text_html_to_plain(s, j + 1);
	assert_string_equal(got, "x");
	free(got);
	free(s);
}

/* Random bytes: plain output is always clean, folded and trimmed. */
static void
test_html_to_plain_property(void **state)
{
	static const char alphabet[] = "<>/!-&#;x'\"= \t\nab\xc2\xa0\x9b\x1b"
	    "\xff\xe2\x80";
	uint32_t st = 42;
	char in[64], *got;
	size_t round, i, n, len;

	(void)state;
	for (round = 0; round < 20000; round++) {
		n = lcg(&st) % sizeof(in);
		for (i = 0; i < n; i++)
			in[i] = alphabet[lcg(&st) % (sizeof(alphabet) - 1)];
		got = text_html_to_plain(in, n);
		assert_clean(got);
		len = strlen(got);
		if (len > 0) {
			assert_true(got[0] != ' ' && got[len - 1] != ' ');
			assert_null(strstr(got, "  "));
		}
		free(got);
	}
}

static void
test_fold_ws(void **state)
{
	static const struct text_case c[] = {
		{ "", "" },
		{ "   ", "" },
		{ "a", "a" },
		{ "  a  b \n\t c  ", "a b c" },
		{ NBSP "x" NBSP NBSP "y" NBSP, "x y" },
		{ "a\xe2\x80\x83\xe2\x80\x83" "b", "a b" },
		{ "\r\na\r\n", "a" },
		/* Only whitespace changes: tags and entities stay. */
		{ " <b>&amp;</b> ", "<b>&amp;</b>" },
		{ "x\xff y", "x" FFFD " y" },
	};

	(void)state;
	fn_table("text_fold_ws", text_fold_ws, c, NITEMS(c));
}

/*
 * Text is copied in runs, sixteen bytes at a time where it can be: what
 * ends a run (double spaces, Unicode spaces and controls, markup,
 * "]]>") must do so wherever it falls in a block.
 */
static void
test_long_runs(void **state)
{
	static const struct text_case html[] = {
		{ "0123456789abcdef  x", "0123456789abcdef x" },
		{ "0123456789abcde  x", "0123456789abcde x" },
		{ "0123456789abcdefghi \n x", "0123456789abcdefghi x" },
		{ "aaaaaaaaaaaaaaa" NBSP "bbbbbbbbbbbbbbbb",
		    "aaaaaaaaaaaaaaa bbbbbbbbbbbbbbbb" },
		{ "caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d long enough "
		    "\xe2\x80\xa8line\xe2\x80\x83" "em\xe3\x80\x80" "end",
		    "caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d long enough "
		    "line em end" },
		{ "0123456789abcdef<p>x</p>0123456789abcdef&amp;y",
		    "0123456789abcdef x 0123456789abcdef&y" },
		{ "space before a tag 0123456789 <b>x</b> after",
		    "space before a tag 0123456789 x after" },
		{ "<![CDATA[0123456789abcdef]]>x]y and ]] more text here",
		    "0123456789abcdefx]y and ]] more text here" },
		{ "0123456789abcdef\xc2\x85" "0123456789abcdef\xef\xbb\xbf" "z",
		    "0123456789abcdef 0123456789abcdefz" },
		{ "0123456789abcdef\x01\x7f" "0123456789abcdef\xff" "z",
		    "0123456789abcdef0123456789abcdef" FFFD "z" },
	};
	static const struct text_case fold[] = {
		{ "abcdefghijklmnop \t qrstuvwxyz012345 ",
		    "abcdefghijklmnop qrstuvwxyz012345" },
		{ "<tags> & stay when folding, 0123456789  x",
		    "<tags> & stay when folding, 0123456789 x" },
	};
	static const struct text_case clean[] = {
		{ "0123456789abcdef\x01x\x7f" "0123456789abcdef\xc2\x9b" "y\n",
		    "0123456789abcdefx0123456789abcdefy\n" },
		{ "caf\xc3\xa9 0123456789abcdef\tcaf\xc3\xa9 0123456789\x1b",
		    "caf\xc3\xa9 0123456789abcdef\tcaf\xc3\xa9 0123456789" },
	};

	(void)state;
	fn_table("text_html_to_plain", text_html_to_plain, html,
	    NITEMS(html));
	fn_table("text_fold_ws", text_fold_ws, fold, NITEMS(fold));
	fn_table("text_clean", text_clean, clean, NITEMS(clean));
}

/* Kept as given but valid UTF-8 and free of controls but tab and LF. */
static void
test_clean(void **state)
{
	static const struct text_case c[] = {
		{ "", "" },
		{ "<p>a &amp; b</p>", "<p>a &amp; b</p>" },
		{ "  a\n\tb  ", "  a\n\tb  " },
		{ "a\rb\x1b[2Jc\x7f", "ab[2Jc" },
		{ "x\xc2\x9b" "1m\xc2\x85y", "x1my" },
		{ "\xef\xbb\xbf" "bom", "bom" },
		{ "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x90\xa6",
		    "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x90\xa6" },
		{ "bad\xff\xc3(", "bad" FFFD FFFD "(" },
	};
	char *got;

	(void)state;
	fn_table("text_clean", text_clean, c, NITEMS(c));
	/* Embedded NUL: replaced, never a cut string. */
	got = text_clean("a\0b", 3);
	assert_string_equal(got, "a" FFFD "b");
	free(got);
}

static void
test_escape_term(void **state)
{
	static const struct {
		const char	*in;
		size_t		 n;	/* 0: strlen(in) */
		const char	*want;
	} c[] = {
		{ "plain", 0, "plain" },
		{ "\xc3\x9cn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xe6\x97\xa5", 0,
		    "\xc3\x9cn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xe6\x97\xa5" },
		/* OSC: set the window title, ended by BEL or ST. */
		{ "\x1b]0;pwned\x07Title", 0, "Title" },
		{ "\x1b]2;pwned\x1b\\Title", 0, "Title" },
		/* OSC 8 hyperlink: the text stays, the link goes. */
		{ "\x1b]8;;http://evil/\x1b\\click\x1b]8;;\x1b\\", 0,
		    "click" },
		/* An ESC inside a string aborts it and starts anew. */
		{ "\x1b]0;x\x1b[31mred", 0, "red" },
		{ "a\x1b]0;never ended", 0, "a" },
		/* CSI, with parameters and intermediates. */
		{ "\x1b[31;1mred\x1b[0m", 0, "red" },
		{ "\x1b[?25lhidden cursor", 0, "hidden cursor" },
		{ "\x1b[2J\x1b[Hcleared", 0, "cleared" },
		{ "\x1b[1 qx", 0, "x" },
		/* Two-character and nF sequences. */
		{ "\x1b" "cX", 0, "X" },
		{ "\x1b(Bx", 0, "x" },
		{ "\x1b#8x", 0, "x" },
		{ "abc\x1b", 0, "abc" },
		/* DCS, PM, APC strings. */
		{ "\x1bPq#0;2;0;0;0\x1b\\x", 0, "x" },
		{ "\x1b_apc\x1b\\x", 0, "x" },
		/* 8-bit CSI, as UTF-8 and as the raw byte. */
		{ "\xc2\x9b" "31mred", 0, "red" },
		{ "\x9b" "31mred", 0, "red" },
		/* 8-bit OSC as UTF-8, ended by 8-bit ST or BEL. */
		{ "\xc2\x9d" "0;t\xc2\x9cx", 0, "x" },
		{ "\xc2\x9d" "0;t\x07x", 0, "x" },
		/* Other C1 controls, C0 controls and DEL go. */
		{ "a\xc2\x85" "b\xc2\x80" "c", 0, "abc" },
		{ "a\x01\x08\x00" "b\x7f" "c", 7, "abc" },
		/* Tab, newline and CR become spaces. */
		{ "a\tb\nc\rd", 0, "a b c d" },
		/* Invalid UTF-8 (and other raw C1 bytes) become U+FFFD. */
		{ "a\xff" "b", 0, "a" FFFD "b" },
		{ "a\x85" "b", 0, "a" FFFD "b" },
		{ "\xe2\x9c", 0, FFFD },
		/* A 0x9C inside a character does not end an OSC. */
		{ "\x1b]0;\xe2\x9c\x9c\x07ok", 0, "ok" },
	};
	size_t i;
	char *got;

	(void)state;
	for (i = 0; i < NITEMS(c); i++) {
		got = term_safe_n(c[i].in, c[i].n ? c[i].n : strlen(c[i].in));
		if (strcmp(got, c[i].want) != 0)
			fail_msg("case %zu: \"%s\", expected \"%s\"", i, got,
			    c[i].want);
		assert_clean(got);
		free(got);
	}
}

static void
test_escape_term_appends_and_caps(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_puts(&b, "title="), 0);
	assert_int_equal(text_escape_term("\x1b[1mX", 5, &b), 0);
	assert_string_equal(buf_str(&b), "title=X");
	buf_fini(&b);

	/* At the cap: an error, and a clean prefix in the buffer. */
	buf_init(&b, 4);
	assert_int_equal(text_escape_term("abc\xc3\xa9" "def", 8, &b),
	    HERALD_E_TOOBIG);
	assert_string_equal(buf_str(&b), "abc");
	buf_fini(&b);
}

static void
test_term_safe(void **state)
{
	char *got;

	(void)state;
	got = text_term_safe("\x1b]0;owned\x07" "Breaking:\x1b[5m news\n");
	assert_string_equal(got, "Breaking: news ");
	free(got);
	got = text_term_safe("");
	assert_string_equal(got, "");
	free(got);
	assert_null(text_term_safe(NULL));
}

/* Random bytes: terminal output is always clean UTF-8. */
static void
test_escape_term_property(void **state)
{
	static const char alphabet[] = "\x1b[]P\\\x07\x9b\x9c\xc2\x9d"
	    "\x80\x85;0m\t\nab\xff\xe2";
	uint32_t st = 7;
	char in[48], *got;
	size_t round, i, n;

	(void)state;
	for (round = 0; round < 20000; round++) {
		n = lcg(&st) % sizeof(in);
		for (i = 0; i < n; i++)
			in[i] = alphabet[lcg(&st) % (sizeof(alphabet) - 1)];
		got = term_safe_n(in, n);
		assert_clean(got);
		assert_null(strchr(got, 0x1b));
		free(got);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_repair),
		cmocka_unit_test(test_entities_decode),
		cmocka_unit_test(test_html_to_plain),
		cmocka_unit_test(test_html_to_plain_hostile),
		cmocka_unit_test(test_html_to_plain_property),
		cmocka_unit_test(test_fold_ws),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_long_runs),
		cmocka_unit_test(test_escape_term),
		cmocka_unit_test(test_escape_term_appends_and_caps),
		cmocka_unit_test(test_term_safe),
		cmocka_unit_test(test_escape_term_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
