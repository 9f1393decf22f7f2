/*
 * cmd_feeds.c: herald feeds [list] — the feeds in the database and the
 * state of each (later issues add add/remove/import/export).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/out.h"
#include "feeds/date.h"
#include "feeds/err.h"
#include "store/store.h"

static const struct out_col feed_cols[] = {
	{ "ID", 0 }, { "STATE", 0 }, { "ITEMS", 0 }, { "LAST OK", 0 },
	{ "NAME", 0 }, { "URL", 0 }, { "LAST ERROR", 1 },
};

struct feeds_ctx {
	struct out	*out;
	long long	 now;
};

static json_t *
feed_json(const struct store_feed_view *f)
{
	json_t *o = json_object();
	char t1[32], t2[32];

	json_object_set_new(o, "id", json_integer(f->id));
	json_object_set_new(o, "url", out_jstr(f->url));
	json_object_set_new(o, "name", out_jstr(f->name));
	json_object_set_new(o, "state", out_jstr(f->state));
	json_object_set_new(o, "items", json_integer(f->items));
	json_object_set_new(o, "last_success",
	    out_jstr(date_format_rfc3339(f->last_success, t1)));
	json_object_set_new(o, "last_attempt",
	    out_jstr(date_format_rfc3339(f->last_attempt, t2)));
	json_object_set_new(o, "last_status", json_integer(f->last_status));
	json_object_set_new(o, "last_error", out_jstr(f->last_error));
	json_object_set_new(o, "failures", json_integer(f->failures));
	return o;
}

static int
feed_cb(const struct store_feed_view *f, void *arg)
{
	struct feeds_ctx *c = arg;
	char id[32], items[32], when[32];
	const char *vals[7];

	if (out_format(c->out) == CLI_FMT_JSON) {
		out_json(c->out, feed_json(f));
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", (long long)f->id);
	snprintf(items, sizeof(items), "%ld", f->items);
	vals[0] = id;
	vals[1] = f->state;
	vals[2] = items;
	if (f->last_success == DATE_NONE)
		vals[3] = "never";
	else if (out_format(c->out) == CLI_FMT_TABLE)
		vals[3] = out_reltime(f->last_success, c->now, when,
		    sizeof(when));
	else
		vals[3] = date_format_rfc3339(f->last_success, when);
	vals[4] = f->name;
	vals[5] = f->url;
	vals[6] = f->last_error ? f->last_error : "";
	out_row(c->out, vals);
	return 0;
}

static void
feeds_usage(FILE *fp)
{
	fprintf(fp, "usage: herald feeds [list] [--format table|json|tsv|csv]\n"
	    "Shows every feed: state (new, ok, failing, disabled), items, "
	    "last success, last error.\n"
	    "tsv columns: id, state, items, last success, name, url, "
	    "last error\n");
}

int
cmd_feeds(int argc, char **argv, const struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct feeds_ctx c;
	struct store *st = NULL;
	struct herald_err err;
	enum cli_format fmt = o->format;
	int ch, f, rc = CLI_EXIT_ERR;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			f = cli_format_parse(optarg);
			if (f < 0) {
				fprintf(stderr, "herald feeds: --format \"%s\": "
				    "expected table, json, tsv or csv\n", optarg);
				return CLI_EXIT_USAGE;
			}
			fmt = (enum cli_format)f;
			break;
		case 'h': feeds_usage(stdout); return CLI_EXIT_OK;
		default: feeds_usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (argc - optind > 1 || (argc - optind == 1 &&
	    strcmp(argv[optind], "list"))) {
		feeds_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (cli_store_open(o, STORE_RDONLY, &st))
		return CLI_EXIT_ERR;
	c.now = (long long)time(NULL);
	c.out = out_new(fmt, stdout, feed_cols, 7);
	if (store_feeds_list(st, feed_cb, &c, &err) < 0)
		fprintf(stderr, "herald feeds: %s\n", err.msg);
	else
		rc = CLI_EXIT_OK;
	out_free(c.out);
	store_close(st);
	return rc;
}
