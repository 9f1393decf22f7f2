/*
 * ctl_client.h: the client side of heraldd's control socket
 * (docs/control-protocol.md): one JSON line out, one JSON line back, per
 * connection, within a deadline.
 */
#ifndef HERALD_CLI_CTL_CLIENT_H
#define HERALD_CLI_CTL_CLIENT_H

#include <stddef.h>

#include <jansson.h>

#include "cli/cli.h"

#define CTL_TIMEOUT_MS		10000	/* a reload re-reads every topic */
#define CTL_MAX_REPLY		(1 << 20)

#define CTL_E_NODAEMON	(-1)	/* no socket, or nobody listening on it */
#define CTL_E_IO	(-2)	/* connect/write/read failed or timed out */
#define CTL_E_PROTO	(-3)	/* the answer is not one JSON object line */

/*
 * Sends req (borrowed) to the socket at path and waits at most
 * timeout_ms in all for the answer. Returns 0 with *reply set (a new
 * reference), or a CTL_E_* code with a one-line reason in msg.
 */
int	ctl_request(const char *path, json_t *req, int timeout_ms,
	    json_t **reply, char *msg, size_t msgsz);

/*
 * The socket path of the configuration named by o (-f), copied into
 * buf. Returns 0, or 1 after printing why on stderr.
 */
int	ctl_socket_path(const struct cli_opts *o, char *buf, size_t n);

/*
 * ctl_socket_path() + ctl_request() for a subcommand: prints any failure
 * as "herald CMD: reason" and the daemon's own "error" when "ok" is
 * false. Returns CLI_EXIT_OK with *reply set (the caller decrefs), or
 * CLI_EXIT_ERR.
 */
int	ctl_call(const struct cli_opts *o, const char *cmd, json_t *req,
	    int timeout_ms, json_t **reply);

/* Parses a --timeout DURATION (1s..1h) into milliseconds; 0 or -1. */
int	ctl_parse_timeout(const char *s, int *ms);

#endif
