/*
 * cmd_db.c: herald db check|prune|vacuum — database upkeep: the quick
 * integrity check, retention by the configuration's limits (what the
 * daemon runs once a day), and VACUUM.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "config/conf.h"
#include "config/retention.h"
#include "feeds/err.h"
#include "feeds/xmem.h"
#include "store/store.h"

static void
db_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: herald db check     PRAGMA quick_check (read-only)\n"
	    "       herald db prune     apply [retention] and per-feed "
	    "max_age/max_items now\n"
	    "       herald db vacuum    optimize the search index, VACUUM, "
	    "truncate the WAL\n"
	    "prune and vacuum write: the daemon may keep running (they wait "
	    "for its\ntransaction), but vacuum needs free space about the "
	    "database's size.\n");
}

static int
db_check(const struct cli_opts *o)
{
	struct store *st = NULL;
	struct herald_err err;
	int rc;

	if (cli_store_open(o, STORE_RDONLY, &st))
		return CLI_EXIT_ERR;
	rc = store_check(st, &err);
	if (rc)
		fprintf(stderr, "herald db check: %s\n", err.msg);
	else
		printf("ok\n");
	store_close(st);
	return rc ? CLI_EXIT_ERR : CLI_EXIT_OK;
}

static int
db_prune(const struct cli_opts *o)
{
	struct store_prune_policy p;
	struct store_prune_stats ps;
	struct store_prune_feed *feeds = NULL;
	struct store *st = NULL;
	struct herald_err err;
	struct conf *c;
	char errs[4096];
	int rc = CLI_EXIT_ERR;

	/* The limits live in the configuration, even with --db. */
	c = conf_load(o->config, errs, sizeof(errs));
	if (!c) {
		fprintf(stderr, "herald: %s\n", errs);
		return CLI_EXIT_ERR;
	}
	conf_prune_policy(c, &p, &feeds);
	if (cli_store_open(o, 0, &st))
		goto out;
	if (store_prune(st, &p, (int64_t)time(NULL), &ps, &err)) {
		fprintf(stderr, "herald db prune: %s\n", err.msg);
		goto out;
	}
	printf("pruned %zu items (%zu tombstones)\n", ps.deleted,
	    ps.tombstones);
	rc = CLI_EXIT_OK;
out:
	store_close(st);
	free(feeds);
	conf_free(c);
	return rc;
}

static int
db_vacuum(const struct cli_opts *o)
{
	struct store *st = NULL;
	struct herald_err err;
	int rc;

	if (cli_store_open(o, 0, &st))
		return CLI_EXIT_ERR;
	rc = store_vacuum(st, &err);
	if (rc)
		fprintf(stderr, "herald db vacuum: %s\n", err.msg);
	else
		printf("ok\n");
	store_close(st);
	return rc ? CLI_EXIT_ERR : CLI_EXIT_OK;
}

int
cmd_db(int argc, char **argv, const struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h': db_usage(stdout); return CLI_EXIT_OK;
		default: db_usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		db_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "check"))
		return db_check(o);
	if (!strcmp(argv[optind], "prune"))
		return db_prune(o);
	if (!strcmp(argv[optind], "vacuum"))
		return db_vacuum(o);
	fprintf(stderr, "herald db: unknown command \"%s\"\n", argv[optind]);
	db_usage(stderr);
	return CLI_EXIT_USAGE;
}
