/*
 * cmd_topics.c: herald topics [list|check|test] — show, validate and try
 * out the topic files (herald.topic(5)) without a database.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/out.h"
#include "config/conf.h"
#include "config/topics.h"
#include "feeds/buf.h"
#include "feeds/date.h"
#include "feeds/err.h"
#include "feeds/topic.h"
#include "feeds/xmem.h"

#define TOPICS_FALLBACK		"config/topics"
#define TOPICS_TEST_LINE_MAX	(16u * 1024 * 1024)	/* one JSON line */

static const char *const field_names[TOPIC_NFIELDS] = {
	"title", "summary", "content"
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: herald topics [--topics PATH] [list|check|test]\n"
	    "  list   name, label, version and file of each topic\n"
	    "  check  validate the topic files: \"topics OK: N topics\"\n"
	    "  test   tag JSON Lines {\"id\",\"title\",\"summary\"} from stdin "
	    "(optional:\n"
	    "         \"content\"; \"published\" as epoch seconds or a date); "
	    "write\n"
	    "         one {\"id\",\"topics\":[{\"name\",\"score\",\"terms\"}]}"
	    " per input line\n"
	    "PATH is a *.topic file or a directory of them; default: the "
	    "config's \"topics\",\nelse ./" TOPICS_FALLBACK ".\n");
}

/*
 * The topic path: --topics, else the config's "topics" key, else
 * ./config/topics when it exists (running from a source tree without a
 * config). Returns a new string (caller frees) or NULL after a message.
 */
static char *
topics_path(const char *opt, const struct cli_opts *o)
{
	struct conf *c = NULL;
	struct stat st;
	char errs[1024] = "";
	char *p = NULL;
	int conf_exists;

	if (opt)
		return xstrdup(opt);
	conf_exists = o->config && stat(o->config, &st) == 0;
	if (conf_exists)
		c = conf_load(o->config, errs, sizeof(errs));
	if (c && c->topics)
		p = xstrdup(c->topics);
	conf_free(c);
	if (p)
		return p;
	if (stat(TOPICS_FALLBACK, &st) == 0) {
		/* Say why only when a config exists but is broken. */
		errs[strcspn(errs, "\n")] = '\0';
		if (conf_exists)
			fprintf(stderr, "herald topics: %s; using ./%s\n",
			    errs, TOPICS_FALLBACK);
		return xstrdup(TOPICS_FALLBACK);
	}
	if (conf_exists)
		fprintf(stderr, "%s\n", errs);
	else
		fprintf(stderr, "herald topics: %s: %s; give --topics PATH\n",
		    o->config ? o->config : "(no config)", strerror(ENOENT));
	return NULL;
}

static struct topic_set *
load(const char *opt, const struct cli_opts *o)
{
	struct herald_err err;
	struct topic_set *ts;
	char *path;

	path = topics_path(opt, o);
	if (!path)
		return NULL;
	ts = topics_load(path, &err);
	if (!ts)
		fprintf(stderr, "%s\n", err.msg);
	free(path);
	return ts;
}

static int
topics_list(const struct topic_set *ts, const struct cli_opts *o)
{
	static const struct out_col cols[] = {
		{ "NAME", 0 }, { "LABEL", 1 }, { "VERSION", 0 }, { "FILE", 0 },
	};
	const char *vals[4];
	char shortv[13];
	struct out *out;
	json_t *j;
	size_t i;

	out = out_new(o->format, stdout, cols, 4);
	for (i = 0; i < topic_set_count(ts); i++) {
		if (out_format(out) == CLI_FMT_JSON) {
			j = json_object();
			json_object_set_new(j, "name",
			    out_jstr(topic_set_name(ts, i)));
			json_object_set_new(j, "label",
			    out_jstr(topic_set_label(ts, i)));
			json_object_set_new(j, "version",
			    out_jstr(topic_set_version(ts, i)));
			json_object_set_new(j, "file",
			    out_jstr(topic_set_path(ts, i)));
			out_json(out, j);
			continue;
		}
		vals[0] = topic_set_name(ts, i);
		vals[1] = topic_set_label(ts, i);
		vals[2] = topic_set_version(ts, i);
		if (out_format(out) == CLI_FMT_TABLE) {
			/* A 64-digit hash is noise on a terminal. */
			snprintf(shortv, sizeof(shortv), "%s", vals[2]);
			vals[2] = shortv;
		}
		vals[3] = topic_set_path(ts, i);
		out_row(out, vals);
	}
	out_free(out);
	return CLI_EXIT_OK;
}

/* Rounds away binary noise (0.30000000000000004) for the output. */
static json_t *
jreal(double v)
{
	return json_real((double)(long long)(v * 1e6 + (v < 0 ? -0.5 :
	    0.5)) / 1e6);
}

static json_t *
tag_json(const struct topic_tag *t)
{
	json_t *o, *terms, *h;
	size_t i;

	terms = json_array();
	for (i = 0; i < t->nhits; i++) {
		h = json_object();
		json_object_set_new(h, "term", json_string(t->hits[i].term));
		json_object_set_new(h, "group", json_string(t->hits[i].group));
		json_object_set_new(h, "field",
		    json_string(field_names[t->hits[i].field]));
		json_object_set_new(h, "offset",
		    json_integer((json_int_t)t->hits[i].offset));
		json_object_set_new(h, "weight", jreal(t->hits[i].weight));
		json_array_append_new(terms, h);
	}
	o = json_object();
	json_object_set_new(o, "name", json_string(t->topic));
	json_object_set_new(o, "score", jreal(t->score));
	json_object_set_new(o, "terms", terms);
	return o;
}

/*
 * Reads key of obj as text: absent or null gives NULL, a string its
 * value. Returns -1 for any other type.
 */
static int
get_text(json_t *obj, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

/*
 * Reads "published": absent or null gives DATE_NONE, an integer is epoch
 * seconds, a string any date date_parse() knows (RFC 3339, RFC 822).
 * Returns -1 for anything else.
 */
static int
get_time(json_t *obj, long long *out)
{
	json_t *v = json_object_get(obj, "published");
	int64_t t;

	*out = DATE_NONE;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v) || date_parse(json_string_value(v),
	    json_string_length(v), &t, NULL) != 0)
		return -1;
	*out = t;
	return 0;
}

/*
 * Tags one input line; writes the output line or, for bad input, a
 * message naming the line. Returns 0 or -1 (bad line).
 */
static int
test_line(const struct topic_set *ts, const char *line, size_t len,
    size_t lineno)
{
	const char *title, *summary, *content;
	struct topic_result r;
	json_t *in, *out, *tags;
	json_error_t jerr;
	long long published;
	char *s;
	size_t i;

	in = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!in || !json_is_object(in)) {
		fprintf(stderr, "herald topics test: stdin:%zu: %s\n", lineno,
		    in ? "not a JSON object" : jerr.text);
		json_decref(in);
		return -1;
	}
	if (get_text(in, "title", &title) || get_text(in, "summary",
	    &summary) || get_text(in, "content", &content) ||
	    get_time(in, &published)) {
		fprintf(stderr, "herald topics test: stdin:%zu: title, summary "
		    "and content must be strings, published a date\n",
		    lineno);
		json_decref(in);
		return -1;
	}
	topic_set_match(ts, title, summary, content, published, &r);
	tags = json_array();
	for (i = 0; i < r.ntags; i++)
		json_array_append_new(tags, tag_json(&r.tags[i]));
	topic_result_fini(&r);
	out = json_object();
	json_object_set(out, "id", json_object_get(in, "id") ?
	    json_object_get(in, "id") : json_null());
	json_object_set_new(out, "topics", tags);
	s = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	json_decref(out);
	json_decref(in);
	return 0;
}

/* Is b[0..n) blank? Blank lines (a trailing newline) are skipped. */
static int
blank(const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r')
			return 0;
	return 1;
}

static int
topics_test(const struct topic_set *ts)
{
	char chunk[65536];
	struct buf line;
	size_t lineno = 0, n;
	int bad = 0, toolong = 0, eol;
	char *got;

	buf_init(&line, TOPICS_TEST_LINE_MAX);
	for (;;) {
		got = fgets(chunk, sizeof(chunk), stdin);
		if (!got && buf_len(&line) == 0 && !toolong)
			break;
		/* Without got, this is a last line that lacks its newline. */
		n = got ? strlen(chunk) : 0;
		eol = !got || (n > 0 && chunk[n - 1] == '\n');
		if (got && eol)
			n--;
		if (!toolong && buf_append(&line, chunk, n) != 0)
			toolong = 1;
		if (!eol)
			continue;
		lineno++;
		if (toolong) {
			fprintf(stderr, "herald topics test: stdin:%zu: line "
			    "longer than %u bytes\n", lineno,
			    TOPICS_TEST_LINE_MAX);
			bad = 1;
		} else if (!blank(buf_str(&line), buf_len(&line)) &&
		    test_line(ts, buf_str(&line), buf_len(&line), lineno))
			bad = 1;
		buf_reset(&line);
		toolong = 0;
		if (!got)
			break;
	}
	buf_fini(&line);
	if (ferror(stdin) || fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "herald topics test: %s\n", strerror(errno));
		return CLI_EXIT_ERR;
	}
	return bad ? CLI_EXIT_ERR : CLI_EXIT_OK;
}

int
cmd_topics(int argc, char **argv, const struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "topics", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *opt = NULL, *sub = "list";
	struct topic_set *ts;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'T':
			opt = optarg;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc)
		sub = argv[optind++];
	if (optind < argc || (strcmp(sub, "list") != 0 &&
	    strcmp(sub, "check") != 0 && strcmp(sub, "test") != 0)) {
		if (strcmp(sub, "retag") == 0)
			fprintf(stderr, "herald topics: retag is not "
			    "implemented yet\n");
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	ts = load(opt, o);
	if (!ts)
		return CLI_EXIT_ERR;
	if (strcmp(sub, "check") == 0) {
		printf("topics OK: %zu topics\n", topic_set_count(ts));
		rc = CLI_EXIT_OK;
	} else if (strcmp(sub, "test") == 0)
		rc = topics_test(ts);
	else
		rc = topics_list(ts, o);
	topic_set_free(ts);
	return rc;
}
