/*
 * cmd_why.c: herald why ID... — why an item carries its topic tags: each
 * tag's score, threshold and topic-file version, and every matched term
 * with its group, field, byte offset and weight (the evidence the tagger
 * stored, see store/tag_store.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/out.h"
#include "feeds/buf.h"
#include "feeds/date.h"
#include "feeds/err.h"
#include "feeds/text.h"
#include "store/store.h"
#include "store/tag_store.h"

#define WHY_LINE_MAX	4096	/* a header line on a terminal */

/* tsv/csv: one row per term, the tag repeated on each (sfeed style). */
static const struct out_col why_cols[] = {
	{ "ID", 0 }, { "TOPIC", 0 }, { "SCORE", 0 }, { "THRESHOLD", 0 },
	{ "VERSION", 0 }, { "FIELD", 0 }, { "OFFSET", 0 }, { "WEIGHT", 0 },
	{ "GROUP", 0 }, { "TERM", 1 },
};
#define WHY_NCOLS	(sizeof(why_cols) / sizeof(why_cols[0]))
/* table: a line per tag, then its terms. */
static const struct out_col why_table_cols[] = {
	{ "FIELD", 0 }, { "OFFSET", 0 }, { "WEIGHT", 0 }, { "GROUP", 0 },
	{ "TERM", 1 },
};

struct why_ctx {
	enum cli_format	 fmt;
	int64_t		 id;
	struct out	*out;		/* tsv/csv: one for every item */
	json_t		*tags;		/* json: the item's tags */
	size_t		 ntags;
};

static void
why_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: herald why [--format table|json|tsv|csv] ID...\n"
	    "Each topic tag of the item: score, threshold, topic file "
	    "version, and every\nmatched term with its group, field, "
	    "byte offset and weight (0: the group\nhad already counted).\n"
	    "tsv columns: id, topic, score, threshold, version, field, "
	    "offset, weight,\ngroup, term\n");
}

/* "3", "-1.5", "0.75": no binary noise, no trailing zeros. */
static const char *
fmt_num(double v, char *b, size_t n)
{
	snprintf(b, n, "%.6g", v);
	return b;
}

/* Prints a line that may hold feed text, made terminal-safe. */
static void
put_safe_line(const char *s)
{
	struct buf b;

	buf_init(&b, WHY_LINE_MAX);
	/* A cut line is still safe: it ends at a whole character. */
	(void)text_escape_term(s, strlen(s), &b);
	fputs(buf_str(&b), stdout);
	fputc('\n', stdout);
	buf_fini(&b);
}

static const char *
jtext(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

/* The evidence array, or an empty one when the stored text is broken. */
static json_t *
evidence_load(const char *js)
{
	json_t *a = js ? json_loads(js, 0, NULL) : NULL;

	if (!a || !json_is_array(a)) {
		json_decref(a);
		a = json_array();
	}
	return a;
}

static void
tag_table(const struct store_tag_view *t, json_t *ev)
{
	char line[512], w[32], off[32], sc[32], th[32], when[32];
	const char *vals[5];
	struct out *out;
	json_t *h;
	double wt;
	size_t i;

	snprintf(line, sizeof(line), "%s: score %s, threshold %s "
	    "(version %.12s, tagged %s)", t->topic ? t->topic : "?",
	    fmt_num(t->score, sc, sizeof(sc)),
	    fmt_num(t->threshold, th, sizeof(th)),
	    t->version ? t->version : "?",
	    date_format_rfc3339(t->tagged_at, when));
	put_safe_line(line);
	fflush(stdout);
	out = out_new(CLI_FMT_TABLE, stdout, why_table_cols, 5);
	json_array_foreach(ev, i, h) {
		wt = json_number_value(json_object_get(h, "weight"));
		snprintf(off, sizeof(off), "%lld", (long long)json_integer_value(
		    json_object_get(h, "offset")));
		if (wt == 0)
			snprintf(w, sizeof(w), "0 (again)");
		else
			snprintf(w, sizeof(w), "%+.6g", wt);
		vals[0] = jtext(h, "field");
		vals[1] = off;
		vals[2] = w;
		vals[3] = jtext(h, "group");
		vals[4] = jtext(h, "term");
		out_row(out, vals);
	}
	out_free(out);
}

static void
tag_rows(struct why_ctx *c, const struct store_tag_view *t, json_t *ev)
{
	char id[32], sc[32], th[32], off[32], w[32];
	const char *vals[WHY_NCOLS];
	json_t *h;
	size_t i;

	snprintf(id, sizeof(id), "%lld", (long long)c->id);
	vals[0] = id;
	vals[1] = t->topic;
	vals[2] = fmt_num(t->score, sc, sizeof(sc));
	vals[3] = fmt_num(t->threshold, th, sizeof(th));
	vals[4] = t->version;
	json_array_foreach(ev, i, h) {
		snprintf(off, sizeof(off), "%lld", (long long)json_integer_value(
		    json_object_get(h, "offset")));
		vals[5] = jtext(h, "field");
		vals[6] = off;
		vals[7] = fmt_num(json_number_value(json_object_get(h,
		    "weight")), w, sizeof(w));
		vals[8] = jtext(h, "group");
		vals[9] = jtext(h, "term");
		out_row(c->out, vals);
	}
}

static json_t *
tag_json(const struct store_tag_view *t, json_t *ev)
{
	json_t *o = json_object(), *terms = json_array(), *h, *n;
	char when[32];
	size_t i;

	json_array_foreach(ev, i, h) {
		n = json_object();
		json_object_set_new(n, "term", out_jstr(jtext(h, "term")));
		json_object_set_new(n, "group", out_jstr(jtext(h, "group")));
		json_object_set_new(n, "field", out_jstr(jtext(h, "field")));
		json_object_set(n, "offset", json_object_get(h, "offset"));
		json_object_set(n, "weight", json_object_get(h, "weight"));
		json_array_append_new(terms, n);
	}
	json_object_set_new(o, "topic", out_jstr(t->topic));
	json_object_set_new(o, "version", out_jstr(t->version));
	json_object_set_new(o, "score", json_real(t->score));
	json_object_set_new(o, "threshold", json_real(t->threshold));
	json_object_set_new(o, "tagged_at",
	    out_jstr(date_format_rfc3339(t->tagged_at, when)));
	json_object_set_new(o, "terms", terms);
	return o;
}

static int
why_tag_cb(const struct store_tag_view *t, void *arg)
{
	struct why_ctx *c = arg;
	json_t *ev = evidence_load(t->evidence);

	c->ntags++;
	if (c->fmt == CLI_FMT_JSON)
		json_array_append_new(c->tags, tag_json(t, ev));
	else if (c->fmt == CLI_FMT_TABLE)
		tag_table(t, ev);
	else
		tag_rows(c, t, ev);
	json_decref(ev);
	return 0;
}

/* Returns 0, or -1 after a message (no such item, database error). */
static int
why_one(struct store *st, struct why_ctx *c, const char *arg)
{
	struct herald_err err;
	char line[512], *title = NULL, *end;
	long long id;
	json_t *o;
	int rc;

	id = strtoll(arg, &end, 10);
	if (end == arg || *end || id < 1) {
		fprintf(stderr, "herald why: \"%s\": not an item id\n", arg);
		return -1;
	}
	c->id = id;
	c->ntags = 0;
	c->tags = c->fmt == CLI_FMT_JSON ? json_array() : NULL;
	if (c->fmt == CLI_FMT_TABLE)
		fflush(stdout);
	rc = store_item_tags(st, id, &title, why_tag_cb, c, &err);
	if (rc < 0) {
		fprintf(stderr, "herald why: %s\n", err.msg);
		json_decref(c->tags);
		return -1;
	}
	if (c->fmt == CLI_FMT_JSON) {
		o = json_object();
		json_object_set_new(o, "id", json_integer(id));
		json_object_set_new(o, "title", out_jstr(title));
		json_object_set_new(o, "tags", c->tags);
		out_json(c->out, o);
	} else if (c->fmt == CLI_FMT_TABLE && c->ntags == 0) {
		snprintf(line, sizeof(line), "item %lld: no topic tags", id);
		put_safe_line(line);
	}
	free(title);
	return 0;
}

static void
table_heading(struct store *st, const char *arg)
{
	struct herald_err err;
	char line[512], *title = NULL, *end;
	long long id = strtoll(arg, &end, 10);

	if (end == arg || *end || id < 1)
		return;
	/* Only the title: counting tags here would read them twice. */
	if (store_item_tags(st, id, &title, NULL, NULL, &err) == 0) {
		snprintf(line, sizeof(line), "item %lld: %.400s", id,
		    title ? title : "(untitled)");
		put_safe_line(line);
	}
	free(title);
}

int
cmd_why(int argc, char **argv, const struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store *st = NULL;
	struct why_ctx c;
	int ch, f, i, bad = 0;

	memset(&c, 0, sizeof(c));
	c.fmt = o->format;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			f = cli_format_parse(optarg);
			if (f < 0) {
				fprintf(stderr, "herald why: --format \"%s\": "
				    "expected table, json, tsv or csv\n",
				    optarg);
				return CLI_EXIT_USAGE;
			}
			c.fmt = (enum cli_format)f;
			break;
		case 'h':
			why_usage(stdout);
			return CLI_EXIT_OK;
		default:
			why_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		why_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (cli_store_open(o, STORE_RDONLY, &st))
		return CLI_EXIT_ERR;
	if (c.fmt == CLI_FMT_DEFAULT)
		c.fmt = isatty(fileno(stdout)) ? CLI_FMT_TABLE : CLI_FMT_TSV;
	/* A table is drawn per tag (tag_table()), rows and JSON go here. */
	if (c.fmt != CLI_FMT_TABLE)
		c.out = out_new(c.fmt, stdout, why_cols, WHY_NCOLS);
	for (i = optind; i < argc; i++) {
		if (c.fmt == CLI_FMT_TABLE) {
			if (i > optind)
				fputc('\n', stdout);
			table_heading(st, argv[i]);
		}
		if (why_one(st, &c, argv[i]))
			bad = 1;
	}
	out_free(c.out);
	store_close(st);
	return bad ? CLI_EXIT_ERR : CLI_EXIT_OK;
}
