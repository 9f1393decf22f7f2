/*
 * cmd_status.c: herald status — the running daemon's own view (feeds by
 * state, transfers, items, loop lag), asked over the control socket.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/ctl_client.h"
#include "cli/out.h"

static const struct out_col status_cols[] = {
	{ "KEY", 0 }, { "VALUE", 1 },
};

static void
status_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: herald status [--timeout DURATION] "
	    "[--format table|json|tsv|csv]\n"
	    "Asks the running heraldd (its control_socket) for its status.\n"
	    "tsv columns: key, value (nested keys joined with \".\", e.g. "
	    "feeds.failing)\n"
	    "json: the daemon's answer, one line.\n"
	    "examples:\n"
	    "  herald status\n"
	    "  herald status --format json | jq .feeds\n");
}

/* One row per scalar, nested objects flattened to "a.b". */
static void
status_rows(struct out *out, const char *prefix, json_t *obj)
{
	const char *k, *vals[2];
	char key[256], num[64], *dump;
	json_t *v;

	json_object_foreach(obj, k, v) {
		if (!strcmp(k, "ok"))
			continue;
		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "",
		    k);
		if (json_is_object(v)) {
			status_rows(out, key, v);
			continue;
		}
		vals[0] = key;
		dump = NULL;
		if (json_is_string(v))
			vals[1] = json_string_value(v);
		else if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld",
			    (long long)json_integer_value(v));
			vals[1] = num;
		} else if (json_is_real(v)) {
			snprintf(num, sizeof(num), "%.1f", json_real_value(v));
			vals[1] = num;
		} else if (json_is_null(v))
			vals[1] = "";
		else {
			dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			vals[1] = dump;
		}
		out_row(out, vals);
		free(dump);
	}
}

int
cmd_status(int argc, char **argv, const struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum cli_format fmt = o->format;
	json_t *req, *reply = NULL;
	struct out *out;
	int ch, f, ms = CTL_TIMEOUT_MS, rc;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 't':
			if (ctl_parse_timeout(optarg, &ms)) {
				fprintf(stderr, "herald status: --timeout: "
				    "expected a duration from 1s to 1h\n");
				status_usage(stderr);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'o':
			f = cli_format_parse(optarg);
			if (f < 0) {
				status_usage(stderr);
				return CLI_EXIT_USAGE;
			}
			fmt = (enum cli_format)f;
			break;
		case 'h': status_usage(stdout); return CLI_EXIT_OK;
		default: status_usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		status_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	req = json_pack("{s:s}", "cmd", "status");
	rc = ctl_call(o, "status", req, ms, &reply);
	json_decref(req);
	if (rc)
		return rc;
	out = out_new(fmt, stdout, status_cols, 2);
	if (out_format(out) == CLI_FMT_JSON)
		/* The daemon's own answer; jansson escapes controls. */
		out_json(out, json_incref(reply));
	else
		status_rows(out, "", reply);
	out_free(out);
	json_decref(reply);
	return CLI_EXIT_OK;
}
