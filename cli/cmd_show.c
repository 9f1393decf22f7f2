/*
 * cmd_show.c: herald show ID — one item in full: its text, its sources,
 * its tags with their evidence, and its earlier revisions.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/out.h"
#include "feeds/date.h"
#include "feeds/err.h"
#include "feeds/text.h"
#include "store/show.h"
#include "store/store.h"

static const struct out_col kv_cols[] = { { "KEY", 0 }, { "VALUE", 1 } };

static void
show_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: herald show [--format table|json|tsv|csv] ID\n"
	    "One item in full: text, sources, tags (score, threshold, "
	    "terms), revisions.\n"
	    "tsv columns: key, value (one row per field; source, tag and "
	    "revision rows repeat)\n"
	    "examples:\n"
	    "  herald show 42\n"
	    "  herald show --format json 42 | jq .tags\n");
}

static json_t *
jtime(int64_t t)
{
	char b[32];

	return out_jstr(date_format_rfc3339(t, b));
}

/* The stored evidence, parsed; a list of the distinct terms in *terms. */
static json_t *
evidence(const char *ev, char *terms, size_t n)
{
	json_t *j, *e;
	const char *t;
	size_t i, k = 0;
	int w;

	terms[0] = '\0';
	j = ev ? json_loads(ev, 0, NULL) : NULL;
	if (!json_is_array(j)) {
		json_decref(j);
		return json_array();
	}
	json_array_foreach(j, i, e) {
		t = json_string_value(json_object_get(e, "term"));
		if (!t || strstr(terms, t))
			continue;
		w = snprintf(terms + k, n - k, "%s%s", k ? ", " : "", t);
		if (w < 0 || (size_t)w >= n - k)
			break;
		k += (size_t)w;
	}
	return j;
}

static json_t *
detail_json(const struct store_item_detail *d)
{
	json_t *o = json_object(), *a, *x, *ev, *cats;
	char terms[1024];
	size_t i;

	json_object_set_new(o, "id", json_integer(d->id));
	json_object_set_new(o, "guid", out_jstr(d->guid));
	json_object_set_new(o, "link", out_jstr(d->link));
	json_object_set_new(o, "canonical", out_jstr(d->canon));
	json_object_set_new(o, "title", out_jstr(d->title));
	json_object_set_new(o, "author", out_jstr(d->author));
	json_object_set_new(o, "published", jtime(d->published));
	json_object_set_new(o, "updated", jtime(d->updated));
	json_object_set_new(o, "first_seen", jtime(d->first_seen));
	json_object_set_new(o, "last_seen", jtime(d->last_seen));
	json_object_set_new(o, "summary", out_jstr(d->summary));
	/* As herald parse names them: the markup, and its plain text. */
	json_object_set_new(o, "content", out_jstr(d->content_html));
	json_object_set_new(o, "content_text", out_jstr(d->content));
	cats = d->categories ? json_loads(d->categories, 0, NULL) : NULL;
	json_object_set_new(o, "categories", cats ? cats : json_array());
	a = json_array();
	for (i = 0; i < d->nsources; i++) {
		x = json_object();
		json_object_set_new(x, "feed", out_jstr(d->sources[i].feed));
		json_object_set_new(x, "url", out_jstr(d->sources[i].feed_url));
		json_object_set_new(x, "key", out_jstr(d->sources[i].feed_key));
		json_object_set_new(x, "first_seen",
		    jtime(d->sources[i].first_seen));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "sources", a);
	a = json_array();
	for (i = 0; i < d->ntags; i++) {
		x = json_object();
		ev = evidence(d->tags[i].evidence, terms, sizeof(terms));
		json_object_set_new(x, "topic", out_jstr(d->tags[i].topic));
		json_object_set_new(x, "score", json_real(d->tags[i].score));
		json_object_set_new(x, "threshold",
		    json_real(d->tags[i].threshold));
		json_object_set_new(x, "evidence", ev);
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "tags", a);
	a = json_array();
	for (i = 0; i < d->nrevs; i++) {
		x = json_object();
		json_object_set_new(x, "seen_at", jtime(d->revs[i].seen_at));
		json_object_set_new(x, "title", out_jstr(d->revs[i].title));
		json_object_set_new(x, "summary", out_jstr(d->revs[i].summary));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "revisions", a);
	return o;
}

static void
kv(struct out *out, const char *k, const char *v)
{
	const char *vals[2] = { k, v ? v : "" };

	out_row(out, vals);
}

static void
detail_rows(struct out *out, const struct store_item_detail *d)
{
	char b[64], line[2048], terms[1024];
	json_t *ev;
	size_t i;

	snprintf(b, sizeof(b), "%lld", (long long)d->id);
	kv(out, "id", b);
	kv(out, "title", d->title);
	kv(out, "link", d->link);
	kv(out, "guid", d->guid);
	kv(out, "author", d->author);
	kv(out, "published", date_format_rfc3339(d->published, b));
	kv(out, "updated", date_format_rfc3339(d->updated, b));
	kv(out, "first seen", date_format_rfc3339(d->first_seen, b));
	kv(out, "last seen", date_format_rfc3339(d->last_seen, b));
	for (i = 0; i < d->nsources; i++) {
		snprintf(line, sizeof(line), "%s <%s>", d->sources[i].feed,
		    d->sources[i].feed_url);
		kv(out, "source", line);
	}
	for (i = 0; i < d->ntags; i++) {
		ev = evidence(d->tags[i].evidence, terms, sizeof(terms));
		json_decref(ev);
		snprintf(line, sizeof(line), "%s score %.2f (threshold %.2f)"
		    " terms: %s", d->tags[i].topic, d->tags[i].score,
		    d->tags[i].threshold, terms);
		kv(out, "tag", line);
	}
	for (i = 0; i < d->nrevs; i++) {
		snprintf(line, sizeof(line), "%s %s",
		    date_format_rfc3339(d->revs[i].seen_at, b) ?
		    b : "-", d->revs[i].title ? d->revs[i].title : "");
		kv(out, "revision", line);
	}
}

/* On a terminal the summary is printed whole, folded, after the table. */
static void
print_summary(const char *s)
{
	char *safe;

	if (!s || !*s)
		return;
	safe = text_term_safe(s);
	printf("\n%s\n", safe);
	free(safe);
}

int
cmd_show(int argc, char **argv, const struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_item_detail *d = NULL;
	enum cli_format fmt = o->format;
	struct store *st = NULL;
	struct herald_err err;
	struct out *out;
	long long id;
	char *end;
	int ch, f, rc = CLI_EXIT_ERR;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			f = cli_format_parse(optarg);
			if (f < 0) {
				show_usage(stderr);
				return CLI_EXIT_USAGE;
			}
			fmt = (enum cli_format)f;
			break;
		case 'h': show_usage(stdout); return CLI_EXIT_OK;
		default: show_usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		show_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	id = strtoll(argv[optind], &end, 10);
	if (end == argv[optind] || *end || id < 1) {
		fprintf(stderr, "herald show: ID must be a positive number\n");
		show_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (cli_store_open(o, STORE_RDONLY, &st))
		return CLI_EXIT_ERR;
	if (store_item_detail(st, id, &d, &err)) {
		fprintf(stderr, "herald show: %s\n", err.msg);
		goto out;
	}
	out = out_new(fmt, stdout, kv_cols, 2);
	if (out_format(out) == CLI_FMT_JSON) {
		out_json(out, detail_json(d));
		out_free(out);
	} else if (out_format(out) == CLI_FMT_TABLE) {
		detail_rows(out, d);
		out_free(out);
		print_summary(d->summary);
	} else {
		detail_rows(out, d);
		kv(out, "summary", d->summary);
		kv(out, "content_text", d->content);
		out_free(out);
	}
	rc = CLI_EXIT_OK;
out:
	store_item_detail_free(d);
	store_close(st);
	return rc;
}
