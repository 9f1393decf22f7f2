/*
 * herald.c: the herald command-line tool: global options, the subcommand
 * table and help. Exit status: 0 ok, 1 runtime error, 2 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "config/conf.h"
#include "feeds/date.h"
#include "feeds/err.h"
#include "store/store.h"

struct cmd {
	const char	*name;
	int		(*fn)(int, char **, const struct cli_opts *);
	const char	*summary;
};

static const struct cmd cmds[] = {
	{ "list", cmd_list, "list stored items, newest first" },
	{ "search", cmd_search, "full-text search of stored items" },
	{ "show", cmd_show, "one item in full: sources, tags, revisions" },
	{ "why", cmd_why, "why an item was tagged: scores and terms" },
	{ "feeds", cmd_feeds, "list, add, remove, import, export feeds" },
	{ "topics", cmd_topics, "list, check, test and retag topics" },
	{ "export", cmd_export, "a topic as an Atom or JSON feed" },
	{ "parse", cmd_parse, "parse one feed document, print JSON" },
	{ "status", cmd_status, "the running daemon's status" },
	{ "refresh", cmd_refresh, "ask the daemon to poll now" },
	{ "reload", cmd_reload, "ask the daemon to re-read its config" },
	{ "db", cmd_db, "check, prune or vacuum the database" },
	{ "rm", cmd_rm, "delete items (they never come back)" },
};

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: herald [-f CONFIG] [--db FILE] "
	    "[--format table|json|tsv|csv] COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(fp, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(fp, "\nherald COMMAND --help shows a command's options.\n"
	    "CONFIG defaults to $HERALD_CONFIG, then "
	    "/etc/herald/heraldd.conf.\n");
}

int
cli_format_parse(const char *s)
{
	if (!strcmp(s, "table"))
		return CLI_FMT_TABLE;
	if (!strcmp(s, "json"))
		return CLI_FMT_JSON;
	if (!strcmp(s, "tsv"))
		return CLI_FMT_TSV;
	if (!strcmp(s, "csv"))
		return CLI_FMT_CSV;
	return -1;
}

int
cli_store_open(const struct cli_opts *o, int flags, struct store **st)
{
	struct herald_err err;
	struct conf *c = NULL;
	char errs[4096];
	int rc;

	if (!o->db) {
		c = conf_load(o->config, errs, sizeof(errs));
		if (!c) {
			fprintf(stderr, "herald: %s\n", errs);
			return 1;
		}
	}
	rc = store_open(o->db ? o->db : c->database, flags, st, &err);
	if (rc)
		fprintf(stderr, "herald: %s\n", err.msg);
	conf_free(c);
	return rc ? 1 : 0;
}

int
cli_parse_time(const char *s, long long now, long long *out)
{
	int64_t secs, t;

	if (conf_parse_duration(s, &secs) == 0) {
		*out = now - secs;
		return 0;
	}
	if (date_parse(s, strlen(s), &t, NULL) == 0) {
		*out = t;
		return 0;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'D' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_opts o;
	size_t i;
	int ch, fmt;

	memset(&o, 0, sizeof(o));
	o.config = getenv("HERALD_CONFIG");
	o.db = NULL;
	o.format = CLI_FMT_DEFAULT;
	if (!o.config || !*o.config)
		o.config = "/etc/herald/heraldd.conf";
	/* "+": stop at the subcommand; its options are its own. */
	while ((ch = getopt_long(argc, argv, "+f:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': o.config = optarg; break;
		case 'D': o.db = optarg; break;
		case 'F':
			fmt = cli_format_parse(optarg);
			if (fmt < 0) {
				fprintf(stderr, "herald: --format \"%s\": "
				    "expected table, json, tsv or csv\n",
				    optarg);
				return CLI_EXIT_USAGE;
			}
			o.format = (enum cli_format)fmt;
			break;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		case 'V': printf("herald %s\n", HERALD_VERSION);
			return CLI_EXIT_OK;
		default: usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "help")) {
		if (optind + 1 < argc) {
			char *hargv[] = { argv[optind + 1], "--help", NULL };

			for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
				if (!strcmp(cmds[i].name, hargv[0])) {
					optind = 0;
					return cmds[i].fn(2, hargv, &o);
				}
		}
		usage(stdout);
		return CLI_EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(cmds[i].name, argv[optind])) {
			char **sub = argv + optind;
			int n = argc - optind;

			/* Reset getopt for the subcommand's own parse. */
			optind = 0;
			return cmds[i].fn(n, sub, &o);
		}
	}
	fprintf(stderr, "herald: unknown command \"%s\"\n", argv[optind]);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
