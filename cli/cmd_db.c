/*
 * cmd_db.c: herald db (placeholder until its issue lands; the dispatch
 * table already names it so the owners can work in parallel).
 */
#include <stdio.h>

#include "cli/cli.h"

int
cmd_db(int argc, char **argv, const struct cli_opts *o)
{
	(void)argc;
	(void)argv;
	(void)o;
	fprintf(stderr, "herald db: not available in this build\n");
	return CLI_EXIT_ERR;
}
