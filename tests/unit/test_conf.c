/*
 * test_conf.c: heraldd.conf and feeds list parsing: typed values, strict
 * keys, every error reported as FILE:LINE: message, relative paths.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/conf.h"

static char tmpdir[] = "/tmp/herald-test-conf-XXXXXX";

static void
write_file(const char *name, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static struct conf *
load(const char *conf_text, char *errs, size_t n)
{
	char path[512];

	write_file("heraldd.conf", conf_text);
	snprintf(path, sizeof(path), "%s/heraldd.conf", tmpdir);
	return conf_load(path, errs, n);
}

static int
setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	write_file("feeds.conf",
	    "# comment\n"
	    "https://example.org/rss name=\"Example News\" interval=10m\n"
	    "\n"
	    "http://example.net/atom.xml tags=a,b   # trailing comment\n");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_durations(void **state)
{
	int64_t s;

	(void)state;
	assert_int_equal(conf_parse_duration("30m", &s), 0);
	assert_int_equal(s, 1800);
	assert_int_equal(conf_parse_duration("1h30m", &s), 0);
	assert_int_equal(s, 5400);
	assert_int_equal(conf_parse_duration("2d", &s), 0);
	assert_int_equal(s, 172800);
	assert_int_not_equal(conf_parse_duration("30", &s), 0);
	assert_int_not_equal(conf_parse_duration("5x", &s), 0);
	assert_int_not_equal(conf_parse_duration("", &s), 0);
	assert_int_not_equal(conf_parse_duration("-5m", &s), 0);
	assert_int_not_equal(conf_parse_duration("99999999999999999999s", &s),
	    0);
}

static void
test_sizes_bools(void **state)
{
	int64_t b;
	int v;

	(void)state;
	assert_int_equal(conf_parse_size("8MiB", &b), 0);
	assert_int_equal(b, 8 << 20);
	assert_int_equal(conf_parse_size("512KiB", &b), 0);
	assert_int_equal(b, 512 << 10);
	assert_int_equal(conf_parse_size("4096", &b), 0);
	assert_int_equal(b, 4096);
	assert_int_not_equal(conf_parse_size("8MB", &b), 0);
	assert_int_not_equal(conf_parse_size("lots", &b), 0);
	assert_int_equal(conf_parse_bool("yes", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(conf_parse_bool("no", &v), 0);
	assert_int_equal(v, 0);
	assert_int_not_equal(conf_parse_bool("maybe", &v), 0);
}

static void
test_good(void **state)
{
	char errs[2048];
	struct conf *c;

	(void)state;
	c = load("[daemon]\n"
	    "database = state/h.db   # relative to this file\n"
	    "feeds = feeds.conf\n"
	    "[fetch]\n"
	    "interval = 15m\n"
	    "max_body = 4MiB\n"
	    "allow_private = yes\n"
	    "user_agent = \"test agent\"\n", errs, sizeof(errs));
	assert_non_null(c);
	assert_true(strstr(c->database, tmpdir) == c->database);
	assert_string_equal(c->database + strlen(tmpdir), "/state/h.db");
	assert_int_equal(c->interval, 900);
	assert_int_equal(c->max_body, 4 << 20);
	assert_int_equal(c->allow_private, 1);
	assert_string_equal(c->user_agent, "test agent");
	assert_int_equal(c->nfeeds, 2);
	assert_string_equal(c->feedv[0].url, "https://example.org/rss");
	assert_string_equal(c->feedv[0].name, "Example News");
	assert_int_equal(c->feedv[0].interval, 600);
	assert_string_equal(c->feedv[1].name, "http://example.net/atom.xml");
	assert_int_equal(c->feedv[1].ntags, 2);
	assert_string_equal(c->feedv[1].tags[1], "b");
	conf_free(c);
}

static void
test_errors_have_lines(void **state)
{
	char errs[2048];
	struct conf *c;

	(void)state;
	c = load("[daemon]\n"
	    "databse = x.db\n"
	    "[fetch]\n"
	    "interval = 5x\n"
	    "max_body = huge\n"
	    "[nope]\n", errs, sizeof(errs));
	assert_null(c);
	/* Every error, not just the first. */
	assert_non_null(strstr(errs, "heraldd.conf:2: unknown key \"databse\""));
	assert_non_null(strstr(errs, "heraldd.conf:4: interval \"5x\""));
	assert_non_null(strstr(errs, "heraldd.conf:5: max_body \"huge\""));
	assert_non_null(strstr(errs, "heraldd.conf:6: unknown section [nope]"));
}

static void
test_missing_feeds_file(void **state)
{
	char errs[2048];
	struct conf *c;

	(void)state;
	c = load("[daemon]\nfeeds = absent.conf\n", errs, sizeof(errs));
	assert_null(c);
	assert_non_null(strstr(errs, "heraldd.conf:2: feeds \""));
	assert_non_null(strstr(errs, "absent.conf"));
}

static void
test_bad_feed_lines(void **state)
{
	char errs[2048];
	struct conf *c;

	(void)state;
	write_file("bad-feeds.conf",
	    "ftp://example.org/rss\n"
	    "https://ok.example/rss colour=blue\n"
	    "https://ok.example/a interval=1s\n"
	    "https://ok.example/b name=\"unterminated\n"
	    "https://dup.example/rss\n"
	    "https://dup.example/rss\n");
	c = load("[daemon]\nfeeds = bad-feeds.conf\n", errs, sizeof(errs));
	assert_null(c);
	assert_non_null(strstr(errs, "bad-feeds.conf:1: \"ftp://example.org/rss\": not an http"));
	assert_non_null(strstr(errs, "bad-feeds.conf:2: unknown feed attribute \"colour\""));
	assert_non_null(strstr(errs, "bad-feeds.conf:3: interval \"1s\""));
	assert_non_null(strstr(errs, "bad-feeds.conf:4: unterminated quote"));
	assert_non_null(strstr(errs, "bad-feeds.conf:6: \"https://dup.example/rss\": listed twice"));
}

static void
test_missing_file_and_limits(void **state)
{
	char errs[512];
	char long_line[10000];
	struct conf *c;

	(void)state;
	c = conf_load("/nonexistent/heraldd.conf", errs, sizeof(errs));
	assert_null(c);
	assert_non_null(strstr(errs, "/nonexistent/heraldd.conf: "));
	memset(long_line, 'a', sizeof(long_line) - 2);
	long_line[sizeof(long_line) - 2] = '\n';
	long_line[sizeof(long_line) - 1] = '\0';
	c = load(long_line, errs, sizeof(errs));
	assert_null(c);
	assert_non_null(strstr(errs, ":1: line too long"));
	c = load("[fetch]\nmin_interval = 1h\nmax_interval = 30m\n", errs,
	    sizeof(errs));
	assert_null(c);
	/* A tiny error buffer truncates but never overflows. */
	c = load("[fetch]\nbogus = 1\n", errs, 8);
	assert_null(c);
	assert_true(strlen(errs) < 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_sizes_bools),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_errors_have_lines),
		cmocka_unit_test(test_missing_feeds_file),
		cmocka_unit_test(test_bad_feed_lines),
		cmocka_unit_test(test_missing_file_and_limits),
	};

	return cmocka_run_group_tests_name("conf", tests, setup, teardown);
}
