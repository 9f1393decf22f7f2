/*
 * cmd_search.c: herald search — full-text search of stored items (FTS5
 * query syntax), best match first, with a snippet of each.
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
#include "feeds/xmem.h"
#include "store/store.h"

#define SEARCH_LIMIT	20

static const struct out_col search_cols[] = {
	{ "ID", 0 }, { "PUBLISHED", 0 }, { "FEED", 0 }, { "RANK", 0 },
	{ "TITLE", 1 }, { "SNIPPET", 1 }, { "LINK", 0 },
};
static const struct out_col search_table_cols[] = {
	{ "ID", 0 }, { "AGE", 0 }, { "FEED", 0 }, { "TITLE", 1 },
	{ "SNIPPET", 1 },
};

struct search_ctx {
	struct out	*out;
	long long	 now;
	size_t		 n;
};

static void
search_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: herald search [--topic T] [--since WHEN] [--limit N]\n"
	    "                     [--format table|json|tsv|csv] QUERY...\n"
	    "QUERY is FTS5 syntax over title, summary and content; the words\n"
	    "are joined with spaces. Best match first (bm25; default limit "
	    "%d).\n"
	    "examples:\n"
	    "  herald search ceasefire talks        both words\n"
	    "  herald search '\"ceasefire talks\"'    the phrase\n"
	    "  herald search 'gaza OR rafah NOT football'\n"
	    "  herald search 'title:hostage*' --since 7d\n"
	    "tsv columns: id, published (RFC 3339), feed, rank, title, "
	    "snippet, link\n", SEARCH_LIMIT);
}

static json_t *
hit_json(const struct store_search_hit *h)
{
	const struct store_item_view *it = &h->item;
	json_t *o = json_object(), *topics = json_array();
	char t1[32];
	size_t i;

	for (i = 0; i < it->ntopics; i++)
		json_array_append_new(topics, out_jstr(it->topics[i]));
	json_object_set_new(o, "id", json_integer(it->id));
	json_object_set_new(o, "guid", out_jstr(it->guid));
	json_object_set_new(o, "link", out_jstr(it->link));
	json_object_set_new(o, "title", out_jstr(it->title));
	json_object_set_new(o, "published",
	    out_jstr(date_format_rfc3339(it->published, t1)));
	json_object_set_new(o, "feed", out_jstr(it->feed));
	json_object_set_new(o, "topics", topics);
	json_object_set_new(o, "rank", json_real(h->rank));
	json_object_set_new(o, "snippet", out_jstr(h->snippet));
	return o;
}

static int
search_hit_cb(const struct store_search_hit *h, void *arg)
{
	struct search_ctx *c = arg;
	const struct store_item_view *it = &h->item;
	char id[32], when[32], rank[32];
	const char *vals[7];
	int64_t t = it->published != DATE_NONE ? it->published : it->first_seen;

	c->n++;
	if (out_format(c->out) == CLI_FMT_JSON) {
		out_json(c->out, hit_json(h));
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", (long long)it->id);
	snprintf(rank, sizeof(rank), "%.3f", h->rank);
	vals[0] = id;
	if (out_format(c->out) == CLI_FMT_TABLE) {
		vals[1] = out_reltime(t, c->now, when, sizeof(when));
		vals[2] = it->feed;
		vals[3] = it->title;
		vals[4] = h->snippet;
	} else {
		vals[1] = date_format_rfc3339(it->published, when);
		vals[2] = it->feed;
		vals[3] = rank;
		vals[4] = it->title;
		vals[5] = h->snippet;
		vals[6] = it->link;
	}
	out_row(c->out, vals);
	return 0;
}

/* The words after the options, joined with spaces: a new string. */
static char *
join_words(int argc, char **argv)
{
	size_t len = 1, k = 0, n;
	char *q;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	q = xmalloc(len);
	for (i = 0; i < argc; i++) {
		n = strlen(argv[i]);
		if (i)
			q[k++] = ' ';
		memcpy(q + k, argv[i], n);
		k += n;
	}
	q[k] = '\0';
	return q;
}

int
cmd_search(int argc, char **argv, const struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "topic", required_argument, NULL, 't' },
		{ "since", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_search_query q;
	struct search_ctx c;
	struct store *st = NULL;
	struct herald_err err;
	enum cli_format fmt = o->format;
	char *match = NULL, *end;
	long long t;
	int ch, f, rc = CLI_EXIT_ERR;

	memset(&q, 0, sizeof(q));
	memset(&c, 0, sizeof(c));
	q.since = DATE_NONE;
	q.limit = SEARCH_LIMIT;
	c.now = (long long)time(NULL);
	while ((ch = getopt_long(argc, argv, "t:n:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 't': q.topic = optarg; break;
		case 's':
			if (cli_parse_time(optarg, c.now, &t)) {
				fprintf(stderr, "herald search: --since \"%s\": "
				    "expected 24h, 7d, 2024-10-07 or RFC 3339\n",
				    optarg);
				return CLI_EXIT_USAGE;
			}
			q.since = t;
			break;
		case 'n':
			q.limit = strtol(optarg, &end, 10);
			if (end == optarg || *end || q.limit < 1) {
				fprintf(stderr, "herald search: --limit \"%s\": "
				    "expected a positive number\n", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'o':
			f = cli_format_parse(optarg);
			if (f < 0) {
				fprintf(stderr, "herald search: --format \"%s\": "
				    "expected table, json, tsv or csv\n", optarg);
				return CLI_EXIT_USAGE;
			}
			fmt = (enum cli_format)f;
			break;
		case 'h': search_usage(stdout); return CLI_EXIT_OK;
		default: search_usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		search_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	match = join_words(argc - optind, argv + optind);
	q.match = match;
	if (cli_store_open(o, STORE_RDONLY, &st))
		goto out;
	if (fmt == CLI_FMT_DEFAULT && isatty(fileno(stdout)))
		fmt = CLI_FMT_TABLE;
	c.out = out_new(fmt, stdout, fmt == CLI_FMT_TABLE ? search_table_cols :
	    search_cols, fmt == CLI_FMT_TABLE ? 5 : 7);
	rc = store_search(st, &q, search_hit_cb, &c, &err);
	out_free(c.out);
	if (rc == HERALD_E_INVAL) {
		/* The query is the user's: a usage error, said plainly. */
		fprintf(stderr, "herald search: %s\n"
		    "(FTS5 syntax: words, \"phrases\", AND OR NOT, prefix*, "
		    "title: summary: content:)\n", err.msg);
		rc = CLI_EXIT_USAGE;
	} else if (rc < 0) {
		fprintf(stderr, "herald search: %s\n", err.msg);
		rc = CLI_EXIT_ERR;
	} else
		rc = CLI_EXIT_OK;
out:
	store_close(st);
	free(match);
	return rc;
}
