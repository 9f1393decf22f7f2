/*
 * ctl.h: the control socket (docs/control-protocol.md). A libuv pipe
 * server on a Unix socket; one JSON line in, one JSON line out per
 * connection. The commands are answered by callbacks from main.c. Loop
 * thread only.
 */
#ifndef HERALD_DAEMON_CTL_H
#define HERALD_DAEMON_CTL_H

#include <jansson.h>
#include <uv.h>

struct ctl;

/*
 * Answers one request (a JSON object with "cmd"). Returns a new reply
 * object (the ctl code adds "ok": true unless the reply has "ok"), or
 * NULL for an unknown command. Runs on the loop thread.
 */
typedef json_t *ctl_handler_cb(const char *cmd, json_t *req, void *arg);

/*
 * Listens on path (a stale socket file is replaced; mode 0660). Returns a
 * new server, or NULL with the reason logged. Close with ctl_close().
 */
struct ctl	*ctl_open(uv_loop_t *loop, const char *path,
		    ctl_handler_cb *cb, void *arg);
/* Stops listening, closes clients and removes the socket file. */
void		 ctl_close(struct ctl *c);

#endif
