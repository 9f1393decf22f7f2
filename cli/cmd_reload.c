/*
 * cmd_reload.c: herald reload — ask the running daemon to re-read its
 * configuration, feeds and topics (swapped in only when all are valid).
 */
#include <getopt.h>
#include <stdio.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/ctl_client.h"

static void
reload_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: herald reload [--timeout DURATION]\n"
	    "Asks the running heraldd to re-read heraldd.conf, the feeds list "
	    "and the topics.\nNothing changes unless all are valid; the "
	    "errors are printed as FILE:LINE: message.\n"
	    "example:\n"
	    "  heraldd -n -f /etc/herald/heraldd.conf && herald reload\n");
}

int
cmd_reload(int argc, char **argv, const struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	json_t *req, *reply = NULL;
	int ch, ms = CTL_TIMEOUT_MS, rc;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 't':
			if (ctl_parse_timeout(optarg, &ms)) {
				reload_usage(stderr);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'h': reload_usage(stdout); return CLI_EXIT_OK;
		default: reload_usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		reload_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	req = json_pack("{s:s}", "cmd", "reload");
	rc = ctl_call(o, "reload", req, ms, &reply);
	json_decref(req);
	if (rc)
		return rc;
	printf("reload: done\n");
	json_decref(reply);
	return CLI_EXIT_OK;
}
