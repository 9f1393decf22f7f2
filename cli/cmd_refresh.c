/*
 * cmd_refresh.c: herald refresh [FEED] — ask the running daemon to poll
 * every feed, or one (by URL or name), now.
 */
#include <getopt.h>
#include <stdio.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/ctl_client.h"

static void
refresh_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: herald refresh [--timeout DURATION] [FEED]\n"
	    "Asks the running heraldd to poll FEED (a URL or name), or every "
	    "feed, now.\n"
	    "examples:\n"
	    "  herald refresh\n"
	    "  herald refresh \"BBC News: Middle East\"\n");
}

int
cmd_refresh(int argc, char **argv, const struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	json_t *req, *reply = NULL, *n;
	int ch, ms = CTL_TIMEOUT_MS, rc;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 't':
			if (ctl_parse_timeout(optarg, &ms)) {
				refresh_usage(stderr);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'h': refresh_usage(stdout); return CLI_EXIT_OK;
		default: refresh_usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		refresh_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	req = json_pack("{s:s}", "cmd", "refresh");
	if (optind < argc)
		json_object_set_new(req, "feed", json_string(argv[optind]));
	rc = ctl_call(o, "refresh", req, ms, &reply);
	json_decref(req);
	if (rc)
		return rc;
	n = json_object_get(reply, "feeds");
	if (json_is_integer(n))
		printf("refresh: %lld feed%s scheduled\n",
		    (long long)json_integer_value(n),
		    json_integer_value(n) == 1 ? "" : "s");
	else
		printf("refresh: scheduled\n");
	json_decref(reply);
	return CLI_EXIT_OK;
}
