/*
 * cli.h: the herald command-line tool's subcommands and shared options.
 *
 * Each cmd_* gets the arguments after its own name (argv[0] is the
 * subcommand name, getopt-ready) and returns the process exit status:
 * 0 ok, 1 runtime error (one line on stderr), 2 usage error (usage on
 * stderr).
 */
#ifndef HERALD_CLI_CLI_H
#define HERALD_CLI_CLI_H

#include <stddef.h>

enum cli_format {
	CLI_FMT_DEFAULT = 0,	/* table on a terminal, else tsv */
	CLI_FMT_TABLE,
	CLI_FMT_TSV,
	CLI_FMT_CSV,
	CLI_FMT_JSON,
};

struct cli_opts {
	const char	*config;	/* -f, $HERALD_CONFIG, /etc/herald/heraldd.conf */
	const char	*db;		/* --db; NULL = the config's database */
	enum cli_format	 format;
};

#define CLI_EXIT_OK	0
#define CLI_EXIT_ERR	1
#define CLI_EXIT_USAGE	2

int	cmd_list(int argc, char **argv, const struct cli_opts *o);
int	cmd_feeds(int argc, char **argv, const struct cli_opts *o);
int	cmd_parse(int argc, char **argv, const struct cli_opts *o);
int	cmd_topics(int argc, char **argv, const struct cli_opts *o);
int	cmd_search(int argc, char **argv, const struct cli_opts *o);
int	cmd_show(int argc, char **argv, const struct cli_opts *o);
int	cmd_why(int argc, char **argv, const struct cli_opts *o);
int	cmd_export(int argc, char **argv, const struct cli_opts *o);
int	cmd_status(int argc, char **argv, const struct cli_opts *o);
int	cmd_refresh(int argc, char **argv, const struct cli_opts *o);
int	cmd_reload(int argc, char **argv, const struct cli_opts *o);
int	cmd_db(int argc, char **argv, const struct cli_opts *o);
int	cmd_rm(int argc, char **argv, const struct cli_opts *o);

/* Parses "table|json|tsv|csv"; -1 when unknown. */
int	cli_format_parse(const char *s);

/*
 * Reads a whole file ("-" = stdin) of at most max bytes. Returns a new
 * buffer (caller frees) with *len set, or NULL with a message on stderr.
 */
char	*cli_read_file(const char *path, size_t max, size_t *len);

struct store;

/*
 * Opens the database named by --db or the configuration, read-only
 * (flags = STORE_RDONLY) or for a management command. Returns 0 with *st
 * set (close with store_close()), or 1 after printing the reason.
 */
int	cli_store_open(const struct cli_opts *o, int flags, struct store **st);

/*
 * Parses a --since/--until value: "24h", "7d" (relative to now), a date
 * "2024-10-07" or RFC 3339. Returns 0 or -1.
 */
int	cli_parse_time(const char *s, long long now, long long *out);

#endif
