/*
 * cmd_list.c: herald list — stored items, newest first, filtered by
 * topic, feed and time.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/out.h"
#include "feeds/date.h"
#include "feeds/err.h"
#include "store/store.h"

static const struct out_col list_cols[] = {
	{ "ID", 0 }, { "PUBLISHED", 0 }, { "FEED", 0 }, { "TOPICS", 0 },
	{ "TITLE", 1 }, { "LINK", 0 },
};
static const struct out_col list_table_cols[] = {
	{ "ID", 0 }, { "AGE", 0 }, { "FEED", 0 }, { "TOPICS", 0 },
	{ "TITLE", 1 },
};

struct list_ctx {
	struct out	*out;
	long long	 now;
	size_t		 n;
};

static void
list_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: herald list [--topic T] [--feed F] [--since WHEN] "
	    "[--until WHEN]\n"
	    "                   [--limit N] [--format table|json|tsv|csv]\n"
	    "WHEN is 24h, 7d, 2024-10-07 or RFC 3339. Newest first.\n"
	    "tsv columns: id, published (RFC 3339), feed, topics "
	    "(comma-separated), title, link\n"
	    "examples:\n"
	    "  herald list --topic israel-hamas --since 24h\n"
	    "  herald list --format json --limit 10 | jq .title\n");
}

static json_t *
item_json(const struct store_item_view *it)
{
	json_t *o = json_object(), *topics = json_array(), *scores;
	char t1[32], t2[32];
	size_t i;

	scores = json_object();
	for (i = 0; i < it->ntopics; i++) {
		json_array_append_new(topics, out_jstr(it->topics[i]));
		json_object_set_new(scores, it->topics[i],
		    json_real(it->scores[i]));
	}
	json_object_set_new(o, "id", json_integer(it->id));
	json_object_set_new(o, "guid", out_jstr(it->guid));
	json_object_set_new(o, "link", out_jstr(it->link));
	json_object_set_new(o, "title", out_jstr(it->title));
	json_object_set_new(o, "published",
	    out_jstr(date_format_rfc3339(it->published, t1)));
	json_object_set_new(o, "updated",
	    out_jstr(date_format_rfc3339(it->updated, t2)));
	json_object_set_new(o, "feed", out_jstr(it->feed));
	json_object_set_new(o, "feed_url", out_jstr(it->feed_url));
	json_object_set_new(o, "sources", json_integer((json_int_t)it->nsources));
	json_object_set_new(o, "topics", topics);
	json_object_set_new(o, "scores", scores);
	json_object_set_new(o, "summary", out_jstr(it->summary));
	return o;
}

static int
list_item_cb(const struct store_item_view *it, void *arg)
{
	struct list_ctx *c = arg;
	char id[32], when[32], topics[512];
	const char *vals[6];
	size_t i, k = 0;
	int64_t t = it->published != DATE_NONE ? it->published : it->first_seen;

	c->n++;
	if (out_format(c->out) == CLI_FMT_JSON) {
		out_json(c->out, item_json(it));
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", (long long)it->id);
	topics[0] = '\0';
	for (i = 0; i < it->ntopics; i++) {
		int w = snprintf(topics + k, sizeof(topics) - k, "%s%s",
		    i ? "," : "", it->topics[i]);

		if (w < 0 || (size_t)w >= sizeof(topics) - k)
			break;
		k += (size_t)w;
	}
	vals[0] = id;
	if (out_format(c->out) == CLI_FMT_TABLE)
		vals[1] = out_reltime(t, c->now, when, sizeof(when));
	else
		vals[1] = date_format_rfc3339(it->published, when);
	vals[2] = it->feed;
	vals[3] = topics;
	vals[4] = it->title;
	vals[5] = it->link;
	out_row(c->out, vals);
	return 0;
}

int
cmd_list(int argc, char **argv, const struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "topic", required_argument, NULL, 't' },
		{ "feed", required_argument, NULL, 'F' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "limit", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_list_query q;
	struct list_ctx c;
	struct store *st = NULL;
	struct herald_err err;
	enum cli_format fmt = o->format;
	long long t;
	char *end;
	int ch, f, rc = CLI_EXIT_ERR;

	memset(&q, 0, sizeof(q));
	memset(&c, 0, sizeof(c));
	q.since = q.until = DATE_NONE;
	c.now = (long long)time(NULL);
	while ((ch = getopt_long(argc, argv, "t:n:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 't': q.topic = optarg; break;
		case 'F': q.feed = optarg; break;
		case 's':
		case 'u':
			if (cli_parse_time(optarg, c.now, &t)) {
				fprintf(stderr, "herald list: --%s \"%s\": "
				    "expected 24h, 7d, 2024-10-07 or RFC 3339\n",
				    ch == 's' ? "since" : "until", optarg);
				list_usage(stderr);
				return CLI_EXIT_USAGE;
			}
			if (ch == 's')
				q.since = t;
			else
				q.until = t;
			break;
		case 'n':
			q.limit = strtol(optarg, &end, 10);
			if (end == optarg || *end || q.limit < 1) {
				fprintf(stderr, "herald list: --limit \"%s\": "
				    "expected a positive number\n", optarg);
				list_usage(stderr);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'o':
			f = cli_format_parse(optarg);
			if (f < 0) {
				fprintf(stderr, "herald list: --format \"%s\": "
				    "expected table, json, tsv or csv\n", optarg);
				list_usage(stderr);
				return CLI_EXIT_USAGE;
			}
			fmt = (enum cli_format)f;
			break;
		case 'h': list_usage(stdout); return CLI_EXIT_OK;
		default: list_usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		list_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (cli_store_open(o, STORE_RDONLY, &st))
		return CLI_EXIT_ERR;
	if (fmt == CLI_FMT_DEFAULT && isatty(fileno(stdout)))
		fmt = CLI_FMT_TABLE;
	c.out = out_new(fmt, stdout, fmt == CLI_FMT_TABLE ? list_table_cols :
	    list_cols, fmt == CLI_FMT_TABLE ? 5 : 6);
	if (store_list(st, &q, list_item_cb, &c, &err) < 0)
		fprintf(stderr, "herald list: %s\n", err.msg);
	else
		rc = CLI_EXIT_OK;
	out_free(c.out);
	store_close(st);
	return rc;
}
