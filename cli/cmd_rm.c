/*
 * cmd_rm.c: herald rm ID... — deletes items for good: each leaves a
 * tombstone, so the feeds that still carry them do not bring them back.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "feeds/err.h"
#include "feeds/xmem.h"
#include "store/store.h"

static void
rm_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: herald rm ID...\n"
	    "Deletes the items (ids as herald list shows them) with their "
	    "sources,\ntags and revisions. A deleted item never comes back, "
	    "from any feed.\n");
}

int
cmd_rm(int argc, char **argv, const struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store *st = NULL;
	struct herald_err err;
	int64_t *ids = NULL;
	size_t n = 0, deleted = 0;
	long long v;
	char *end;
	int ch, i, rc = CLI_EXIT_USAGE;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h': rm_usage(stdout); return CLI_EXIT_OK;
		default: rm_usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		rm_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	ids = xcalloc((size_t)(argc - optind), sizeof(*ids));
	for (i = optind; i < argc; i++) {
		v = strtoll(argv[i], &end, 10);
		if (end == argv[i] || *end || v < 1) {
			fprintf(stderr, "herald rm: \"%s\": expected an item "
			    "id (a positive number)\n", argv[i]);
			goto out;
		}
		ids[n++] = (int64_t)v;
	}
	rc = CLI_EXIT_ERR;
	if (cli_store_open(o, 0, &st))
		goto out;
	if (store_items_delete(st, ids, n, (int64_t)time(NULL), &deleted,
	    &err)) {
		fprintf(stderr, "herald rm: %s\n", err.msg);
		goto out;
	}
	printf("deleted %zu of %zu items\n", deleted, n);
	/* An id that was not there is worth a non-zero status. */
	rc = deleted == n ? CLI_EXIT_OK : CLI_EXIT_ERR;
	if (rc)
		fprintf(stderr, "herald rm: %zu ids not found\n", n - deleted);
out:
	store_close(st);
	free(ids);
	return rc;
}
