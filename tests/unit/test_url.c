/*
 * test_url.c: feeds/url.c, RFC 3986 resolution and canonical URLs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "feeds/url.h"

struct url_case {
	const char	*in;
	const char	*want;	/* NULL: the function must return NULL */
};

/* RFC 3986 §5.4: every example resolves against this base. */
#define RFC_BASE	"http://a/b/c/d;p?q"

static void
check_resolve(const char *base, const char *ref, const char *want)
{
	char *got = url_resolve(base, ref);

	if (want == NULL && got != NULL)
		fail_msg("resolve(%s, %s) = \"%s\", expected NULL",
		    base ? base : "NULL", ref ? ref : "NULL", got);
	if (want != NULL && (got == NULL || strcmp(got, want) != 0))
		fail_msg("resolve(%s, %s) = \"%s\", expected \"%s\"",
		    base ? base : "NULL", ref ? ref : "NULL",
		    got ? got : "NULL", want);
	free(got);
}

static void
check_canonical(const char *in, const char *want)
{
	char *got = url_canonical(in);

	if (want == NULL && got != NULL)
		fail_msg("canonical(%s) = \"%s\", expected NULL", in, got);
	if (want != NULL && (got == NULL || strcmp(got, want) != 0))
		fail_msg("canonical(%s) = \"%s\", expected \"%s\"",
		    in ? in : "NULL", got ? got : "NULL", want);
	free(got);
}

static void
resolve_table(const char *base, const struct url_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		check_resolve(base, c[i].in, c[i].want);
}

static void
canonical_table(const struct url_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		check_canonical(c[i].in, c[i].want);
}

#define NITEMS(t)	(sizeof(t) / sizeof((t)[0]))

/*
 * RFC 3986 §5.4.1, except the empty reference: url.h promises NULL for
 * it, so that an item with an empty <link> does not get the feed's URL
 * (every such item would then share one canonical link).
 */
static void
test_rfc3986_normal_examples(void **state)
{
	static const struct url_case c[] = {
		{ "g:h", "g:h" },
		{ "g", "http://a/b/c/g" },
		{ "./g", "http://a/b/c/g" },
		{ "g/", "http://a/b/c/g/" },
		{ "/g", "http://a/g" },
		{ "//g", "http://g" },
		{ "?y", "http://a/b/c/d;p?y" },
		{ "g?y", "http://a/b/c/g?y" },
		{ "#s", "http://a/b/c/d;p?q#s" },
		{ "g#s", "http://a/b/c/g#s" },
		{ "g?y#s", "http://a/b/c/g?y#s" },
		{ ";x", "http://a/b/c/;x" },
		{ "g;x", "http://a/b/c/g;x" },
		{ "g;x?y#s", "http://a/b/c/g;x?y#s" },
		{ ".", "http://a/b/c/" },
		{ "./", "http://a/b/c/" },
		{ "..", "http://a/b/" },
		{ "../", "http://a/b/" },
		{ "../g", "http://a/b/g" },
		{ "../..", "http://a/" },
		{ "../../", "http://a/" },
		{ "../../g", "http://a/g" },
	};

	(void)state;
	resolve_table(RFC_BASE, c, NITEMS(c));
	check_resolve(RFC_BASE, "", NULL);
}

/* RFC 3986 §5.4.2, with the strict reading of "http:g". */
static void
test_rfc3986_abnormal_examples(void **state)
{
	static const struct url_case c[] = {
		{ "../../../g", "http://a/g" },
		{ "../../../../g", "http://a/g" },
		{ "/./g", "http://a/g" },
		{ "/../g", "http://a/g" },
		{ "g.", "http://a/b/c/g." },
		{ ".g", "http://a/b/c/.g" },
		{ "g..", "http://a/b/c/g.." },
		{ "..g", "http://a/b/c/..g" },
		{ "./../g", "http://a/b/g" },
		{ "./g/.", "http://a/b/c/g/" },
		{ "g/./h", "http://a/b/c/g/h" },
		{ "g/../h", "http://a/b/c/h" },
		{ "g;x=1/./y", "http://a/b/c/g;x=1/y" },
		{ "g;x=1/../y", "http://a/b/c/y" },
		{ "g?y/./x", "http://a/b/c/g?y/./x" },
		{ "g?y/../x", "http://a/b/c/g?y/../x" },
		{ "g#s/./x", "http://a/b/c/g#s/./x" },
		{ "g#s/../x", "http://a/b/c/g#s/../x" },
		{ "http:g", "http:g" },
	};

	(void)state;
	resolve_table(RFC_BASE, c, NITEMS(c));
}

static void
test_resolve_feed_links(void **state)
{
	static const char *base = "https://news.example.org/world/feed.xml";
	static const struct url_case c[] = {
		{ "story-1.html",
		    "https://news.example.org/world/story-1.html" },
		{ "/2024/08/19/story",
		    "https://news.example.org/2024/08/19/story" },
		{ "//cdn.example.net/img/a.jpg",
		    "https://cdn.example.net/img/a.jpg" },
		{ "?page=2", "https://news.example.org/world/feed.xml?page=2" },
		{ "#top", "https://news.example.org/world/feed.xml#top" },
		{ "../sport/", "https://news.example.org/sport/" },
		{ "http://other.example/x", "http://other.example/x" },
		{ "mailto:desk@example.org", "mailto:desk@example.org" },
		/* Absolute references get their dot segments removed too. */
		{ "https://x.example/a/../b/./c", "https://x.example/b/c" },
		/* Whitespace around and newlines inside (WHATWG §4.4). */
		{ "\n    story-2.html\n  ",
		    "https://news.example.org/world/story-2.html" },
		{ "https://x.example/very-long-\n\tpath",
		    "https://x.example/very-long-path" },
	};

	(void)state;
	resolve_table(base, c, NITEMS(c));
}

static void
test_resolve_base_edge_cases(void **state)
{
	(void)state;
	/* NULL or empty: the reference, copied (and trimmed). */
	check_resolve(NULL, "a/b", "a/b");
	check_resolve("", "a/b", "a/b");
	check_resolve("  ", " ../a ", "../a");
	check_resolve(NULL, "http://x/a/../b", "http://x/b");
	check_resolve(NULL, NULL, NULL);
	check_resolve(RFC_BASE, NULL, NULL);
	check_resolve(RFC_BASE, " \n\t", NULL);
	/* A base without a path (§5.2.3 merge). */
	check_resolve("http://a", "g", "http://a/g");
	check_resolve("http://a", "?y", "http://a?y");
	check_resolve("http://a?x", "#f", "http://a?x#f");
	/* The base's fragment never matters. */
	check_resolve("http://a/b#frag", "c", "http://a/c");
	check_resolve("http://a/b#frag", "?q", "http://a/b?q");
	/* Relative bases: xml:base before the feed URL is known. */
	check_resolve("/feeds/world/", "story.html", "/feeds/world/story.html");
	check_resolve("/feeds/world/", "../img.png", "/feeds/img.png");
	check_resolve("//host/x/y", "z", "//host/x/z");
	check_resolve("dir/feed.xml", "item.html", "dir/item.html");
	check_resolve("dir/feed.xml", "../item.html", "item.html");
	check_resolve("dir/", "/abs", "/abs");
	/* A path starting with "//" is guarded when there is no host. */
	check_resolve("s:/a/b", "..//g", "s:/.//g");
	/* Not a scheme (§3.1): a relative path with a colon in it. */
	check_resolve("http://a/b/", "1a:b", "http://a/b/1a:b");
}

static void
test_canonical_basics(void **state)
{
	static const struct url_case c[] = {
		{ "HTTP://Example.COM:80/a?b=1#frag",
		    "http://example.com/a?b=1" },
		{ "https://Example.com:443", "https://example.com/" },
		{ "https://example.com", "https://example.com/" },
		{ "https://example.com:80/", "https://example.com:80/" },
		{ "http://example.com:443/", "http://example.com:443/" },
		{ "http://example.com:8080/x", "http://example.com:8080/x" },
		{ "http://example.com:0080/x", "http://example.com/x" },
		{ "http://example.com:/x", "http://example.com/x" },
		{ "http://example.com/a?", "http://example.com/a" },
		{ "http://example.com/a?#f", "http://example.com/a" },
		{ "http://example.com/a#", "http://example.com/a" },
		{ "http://example.com?x=1", "http://example.com/?x=1" },
		/* The path is case-sensitive; only the host is folded. */
		{ "http://EXAMPLE.com/Path/To", "http://example.com/Path/To" },
		{ "http://User:Pw@Example.com/",
		    "http://User:Pw@example.com/" },
		{ "http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x" },
		{ "http://[::1]:8080/", "http://[::1]:8080/" },
		{ "  http://example.com/a \n", "http://example.com/a" },
	};

	(void)state;
	canonical_table(c, NITEMS(c));
}

static void
test_canonical_tracking_params(void **state)
{
	static const struct url_case c[] = {
		{ "https://ex.com/story?utm_source=rss&id=7&utm_medium=feed"
		    "&page=2&fbclid=abc",
		    "https://ex.com/story?id=7&page=2" },
		/* The order of what is kept is kept. */
		{ "https://ex.com/?b=2&utm_campaign=x&a=1",
		    "https://ex.com/?b=2&a=1" },
		{ "https://ex.com/?z=1&y=2&x=3",
		    "https://ex.com/?z=1&y=2&x=3" },
		/* Nothing left: no "?". */
		{ "https://ex.com/a?utm_source=x&gclid=1&_ga=2",
		    "https://ex.com/a" },
		{ "https://ex.com/a?&&", "https://ex.com/a" },
		{ "https://ex.com/a?x=1&&y=2&", "https://ex.com/a?x=1&y=2" },
		{ "https://ex.com/?dclid=1&msclkid=2&mc_cid=3&mc_eid=4&yclid=5"
		    "&igshid=6&ref_src=7&utm_term=8&utm_content=9&k=v",
		    "https://ex.com/?k=v" },
		/* Names compare case-insensitively, and decoded. */
		{ "https://ex.com/?UTM_Source=x&FBCLID=y&k=1",
		    "https://ex.com/?k=1" },
		{ "https://ex.com/?utm%5Fsource=x&k=1", "https://ex.com/?k=1" },
		/* Lookalikes and content parameters stay. */
		{ "https://ex.com/?ref=home&source=rss&utm=1&utmx=2",
		    "https://ex.com/?ref=home&source=rss&utm=1&utmx=2" },
		{ "https://ex.com/?fbclid", "https://ex.com/" },
		{ "https://ex.com/?id=utm_source",
		    "https://ex.com/?id=utm_source" },
	};

	(void)state;
	canonical_table(c, NITEMS(c));
}

static void
test_canonical_path_normalisation(void **state)
{
	static const struct url_case c[] = {
		{ "http://ex.com/a/./b/../c", "http://ex.com/a/c" },
		{ "http://ex.com/../a", "http://ex.com/a" },
		{ "http://ex.com/a/..", "http://ex.com/" },
		/* RFC 3986 §6.2.2.1-2. */
		{ "http://ex.com/%7euser/a%2fb", "http://ex.com/~user/a%2Fb" },
		{ "http://ex.com/%41%62c", "http://ex.com/Abc" },
		{ "http://ex.com/a b", "http://ex.com/a%20b" },
		{ "http://ex.com/caf\xc3\xa9", "http://ex.com/caf%C3%A9" },
		{ "http://ex.com/100%", "http://ex.com/100%25" },
		{ "http://ex.com/%zz", "http://ex.com/%25zz" },
		{ "http://ex.com/%2E%2E/x", "http://ex.com/x" },
		{ "http://ex.com/?q=a%20b&r=%e2%9c%93",
		    "http://ex.com/?q=a%20b&r=%E2%9C%93" },
	};

	(void)state;
	canonical_table(c, NITEMS(c));
}

/*
 * url_canonical() returns a link already in canonical form as it is
 * without rewriting it. Each case here is canonical but for one detail
 * that the check must notice, or canonical with something that looks
 * like such a detail; both kinds must give what the full rewrite gives.
 */
static void
test_canonical_near_canonical(void **state)
{
	static const struct url_case c[] = {
		/* Already canonical. */
		{ "https://www.ex-1.com/a/b-c_d~e/f.html?id=7&x=a/b?c",
		    "https://www.ex-1.com/a/b-c_d~e/f.html?id=7&x=a/b?c" },
		{ "http://ex.com//a", "http://ex.com//a" },
		{ "http://ex.com/a..b/.c/..d/...",
		    "http://ex.com/a..b/.c/..d/..." },
		{ "http://ex.com/a%2Fb%C3%A9?q=%3D&r=%26",
		    "http://ex.com/a%2Fb%C3%A9?q=%3D&r=%26" },
		{ "http://ex.com/a?=1&x=utm_source",
		    "http://ex.com/a?=1&x=utm_source" },
		{ "http://ex.com/a?utmx=1&fbclidx=2",
		    "http://ex.com/a?utmx=1&fbclidx=2" },
		{ "http://ex.com:443/", "http://ex.com:443/" },
		{ "https://ex.com:80/", "https://ex.com:80/" },
		{ "http://ex.com:65535/", "http://ex.com:65535/" },
		{ "http://u@ex.com/", "http://u@ex.com/" },
		{ "http://ex_1.com/", "http://ex_1.com/" },
		/* Default, empty, zero or zero-padded ports. */
		{ "http://ex.com:80/a", "http://ex.com/a" },
		{ "https://ex.com:443/", "https://ex.com/" },
		{ "http://ex.com:0/", "http://ex.com/" },
		{ "http://ex.com:08080/", "http://ex.com:8080/" },
		{ "http://ex.com:65536/", NULL },
		{ "http://ex.com:8o/", NULL },
		/* No path, upper case, spaces and controls. */
		{ "http://ex.com", "http://ex.com/" },
		{ "http://ex.com?a=1", "http://ex.com/?a=1" },
		{ "http://ex.com#top", "http://ex.com/" },
		{ "http://Ex.com/", "http://ex.com/" },
		{ "Http://ex.com/", "http://ex.com/" },
		{ " http://ex.com/a", "http://ex.com/a" },
		{ "http://ex.com/a\tb", "http://ex.com/ab" },
		/* Escapes to normalise, bytes to escape. */
		{ "http://ex.com/a%2fb", "http://ex.com/a%2Fb" },
		{ "http://ex.com/a%2Fb%e9", "http://ex.com/a%2Fb%E9" },
		{ "http://ex.com/%7Euser", "http://ex.com/~user" },
		{ "http://ex.com/a%4", "http://ex.com/a%254" },
		{ "http://ex.com/a%G0", "http://ex.com/a%25G0" },
		{ "http://ex.com/a|b", "http://ex.com/a%7Cb" },
		{ "http://ex.com/a?b=%3d", "http://ex.com/a?b=%3D" },
		{ "http://ex.com/a?b=%41", "http://ex.com/a?b=A" },
		/* Dot segments, raw or escaped. */
		{ "http://ex.com/a/./b", "http://ex.com/a/b" },
		{ "http://ex.com/a/..", "http://ex.com/" },
		{ "http://ex.com/a/.?x", "http://ex.com/a/?x" },
		{ "http://ex.com/a/%2E%2E/b", "http://ex.com/b" },
		/* Queries: empty, empty pairs, tracking, fragment. */
		{ "http://ex.com/a?", "http://ex.com/a" },
		{ "http://ex.com/a?x=1&", "http://ex.com/a?x=1" },
		{ "http://ex.com/a?&x=1", "http://ex.com/a?x=1" },
		{ "http://ex.com/a?x=1&&y", "http://ex.com/a?x=1&y" },
		{ "http://ex.com/a?x=1&UTM_Source=y", "http://ex.com/a?x=1" },
		{ "http://ex.com/a?utm%5Fsource=y&x", "http://ex.com/a?x" },
		{ "http://ex.com/a?fbclid", "http://ex.com/a" },
		{ "http://ex.com/a?x=1#frag", "http://ex.com/a?x=1" },
	};
	size_t i;

	(void)state;
	canonical_table(c, NITEMS(c));
	for (i = 0; i < NITEMS(c); i++)
		assert_int_equal(url_is_http(c[i].in), c[i].want != NULL);
}

static void
test_canonical_rejects(void **state)
{
	static const char *const bad[] = {
		"ftp://ex.com/", "mailto:a@ex.com", "javascript:alert(1)",
		"/relative/path", "relative", "//ex.com/x", "http:ex.com",
		"http:/ex.com", "http://", "http:///path", "http://user@/x",
		"http://:80/", "http://ex.com:abc/", "http://ex.com:99999/",
		"http://[::1/", "", "   ", "data:text/html,hi",
	};
	size_t i;

	(void)state;
	for (i = 0; i < NITEMS(bad); i++)
		check_canonical(bad[i], NULL);
	assert_null(url_canonical(NULL));
}

static void
test_canonical_idempotent(void **state)
{
	static const char *const in[] = {
		"HTTP://Ex.COM:80/a/./b/../c?utm_source=x&b=%7e#f",
		"https://ex.com:443?&a=1&&",
		"http://ex.com/a b/%zz?q=\xc3\xa9",
		"http://[::1]:80/%2e%2E/x",
	};
	char *a, *b;
	size_t i;

	(void)state;
	for (i = 0; i < NITEMS(in); i++) {
		a = url_canonical(in[i]);
		assert_non_null(a);
		b = url_canonical(a);
		assert_non_null(b);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
}

static void
test_is_http(void **state)
{
	static const char *const yes[] = {
		"http://ex.com", "https://ex.com/a?b#c", "HTTPS://EX.COM",
		" http://ex.com/ ", "http://user@ex.com:8080/",
		"http://[::1]/",
	};
	static const char *const no[] = {
		"ftp://ex.com/", "http:/ex.com", "http:ex.com", "http://",
		"http:///x", "//ex.com/", "/a", "", "javascript:alert(1)",
		"httpx://ex.com", "xhttp://ex.com", "http://ex.com:abc/",
		"http://ex.com:65536/", "http://[::1",
	};
	size_t i;

	(void)state;
	for (i = 0; i < NITEMS(yes); i++)
		if (!url_is_http(yes[i]))
			fail_msg("url_is_http(%s) = 0", yes[i]);
	for (i = 0; i < NITEMS(no); i++)
		if (url_is_http(no[i]))
			fail_msg("url_is_http(%s) = 1", no[i]);
	assert_false(url_is_http(NULL));
}

/* Long and hostile input stays linear and never crashes. */
static void
test_long_inputs(void **state)
{
	size_t n = 200000, i;
	char *s, *r;

	(void)state;
	s = malloc(n + 1);
	assert_non_null(s);
	memcpy(s, "http://ex.com/", 14);
	for (i = 14; i + 3 <= n; i += 3)
		memcpy(s + i, "../", 3);
	for (; i < n; i++)
		s[i] = 'x';
	s[n] = '\0';
	r = url_canonical(s);
	assert_non_null(r);
	free(r);
	r = url_resolve(s, "../../a");
	assert_non_null(r);
	free(r);
	for (i = 0; i < n; i++)
		s[i] = (i % 2) ? '&' : 'a';
	r = url_resolve("http://ex.com/", s);
	assert_non_null(r);
	free(r);
	memcpy(s, "http://ex.com/?", 15);
	r = url_canonical(s);
	assert_non_null(r);
	free(r);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3986_normal_examples),
		cmocka_unit_test(test_rfc3986_abnormal_examples),
		cmocka_unit_test(test_resolve_feed_links),
		cmocka_unit_test(test_resolve_base_edge_cases),
		cmocka_unit_test(test_canonical_basics),
		cmocka_unit_test(test_canonical_tracking_params),
		cmocka_unit_test(test_canonical_path_normalisation),
		cmocka_unit_test(test_canonical_near_canonical),
		cmocka_unit_test(test_canonical_rejects),
		cmocka_unit_test(test_canonical_idempotent),
		cmocka_unit_test(test_is_http),
		cmocka_unit_test(test_long_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
