/*
 * cmd_export.c: herald export (placeholder until its issue lands; the dispatch
 * table already names it so the owners can work in parallel).
 */
#include <stdio.h>

#include "cli/cli.h"

int
cmd_export(int argc, char **argv, const struct cli_opts *o)
{
	(void)argc;
	(void)argv;
	(void)o;
	fprintf(stderr, "herald export: not available in this build\n");
	return CLI_EXIT_ERR;
}
