/*
 * ctl.c: the control socket server. Requests are small and answered from
 * memory, so each connection is read, answered and closed; a client that
 * stalls is dropped after CTL_TIMEOUT_MS so it can never pin a handle.
 */
#include "ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/log.h"
#include "feeds/xmem.h"

#define CTL_MAX_REQ	(64 * 1024)
#define CTL_TIMEOUT_MS	5000

struct ctl {
	uv_pipe_t	 server;
	char		*path;
	ctl_handler_cb	*cb;
	void		*arg;
	struct client	*clients;
};

struct client {
	uv_pipe_t	 pipe;
	uv_timer_t	 timer;
	struct ctl	*ctl;
	struct client	*next, *prev;
	char		*buf;
	size_t		 len;
	int		 closing;
	int		 pending;	/* handles still to close */
	uv_write_t	 wr;
	char		*reply;
};

static void
client_free_cb(uv_handle_t *h)
{
	struct client *c = h->data;

	if (--c->pending > 0)
		return;
	free(c->buf);
	free(c->reply);
	free(c);
}

static void
client_close(struct client *c)
{
	struct ctl *ctl = c->ctl;

	if (c->closing)
		return;
	c->closing = 1;
	if (c->prev)
		c->prev->next = c->next;
	else
		ctl->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->pending = 2;
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, client_free_cb);
	uv_close((uv_handle_t *)&c->pipe, client_free_cb);
}

static void
write_cb(uv_write_t *w, int status)
{
	struct client *c = w->data;

	(void)status;
	client_close(c);
}

static void
reply(struct client *c, json_t *r)
{
	uv_buf_t b;
	char *s;
	int rc;

	s = json_dumps(r, JSON_COMPACT);
	json_decref(r);
	if (!s) {
		client_close(c);
		return;
	}
	c->reply = xmalloc(strlen(s) + 2);
	memcpy(c->reply, s, strlen(s));
	memcpy(c->reply + strlen(s), "\n", 2);
	free(s);
	uv_read_stop((uv_stream_t *)&c->pipe);
	b = uv_buf_init(c->reply, (unsigned)strlen(c->reply));
	c->wr.data = c;
	rc = uv_write(&c->wr, (uv_stream_t *)&c->pipe, &b, 1, write_cb);
	if (rc)
		client_close(c);
}

static json_t *
error_reply(const char *msg)
{
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static void
handle(struct client *c)
{
	json_error_t jerr;
	json_t *req, *cmd, *r;

	req = json_loadb(c->buf, c->len, 0, &jerr);
	if (!req || !json_is_object(req)) {
		json_decref(req);
		reply(c, error_reply("malformed request: expected one JSON "
		    "object on one line"));
		return;
	}
	cmd = json_object_get(req, "cmd");
	if (!json_is_string(cmd)) {
		json_decref(req);
		reply(c, error_reply("request without \"cmd\""));
		return;
	}
	r = c->ctl->cb(json_string_value(cmd), req, c->ctl->arg);
	json_decref(req);
	if (!r) {
		reply(c, error_reply("unknown command"));
		return;
	}
	if (!json_object_get(r, "ok"))
		json_object_set_new(r, "ok", json_true());
	reply(c, r);
}

static void
alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct client *c = h->data;

	(void)hint;
	/* One byte spare for the terminating NUL we never need to send. */
	*b = uv_buf_init(c->buf + c->len, (unsigned)(CTL_MAX_REQ - c->len));
}

static void
read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct client *c = s->data;
	char *nl;

	(void)b;
	if (n < 0) {
		if (n == UV_EOF && c->len > 0)
			handle(c);
		else
			client_close(c);
		return;
	}
	c->len += (size_t)n;
	nl = memchr(c->buf, '\n', c->len);
	if (nl) {
		c->len = (size_t)(nl - c->buf);
		handle(c);
	} else if (c->len >= CTL_MAX_REQ) {
		c->len = 0;
		reply(c, error_reply("request too long"));
	}
}

static void
timeout_cb(uv_timer_t *t)
{
	client_close(t->data);
}

static void
connection_cb(uv_stream_t *server, int status)
{
	struct ctl *ctl = server->data;
	struct client *c;

	if (status < 0) {
		log_warnx("ctl: accept: %s", uv_strerror(status));
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->ctl = ctl;
	c->buf = xmalloc(CTL_MAX_REQ + 1);
	uv_pipe_init(server->loop, &c->pipe, 0);
	uv_timer_init(server->loop, &c->timer);
	c->pipe.data = c->timer.data = c;
	c->next = ctl->clients;
	if (ctl->clients)
		ctl->clients->prev = c;
	ctl->clients = c;
	if (uv_accept(server, (uv_stream_t *)&c->pipe) ||
	    uv_read_start((uv_stream_t *)&c->pipe, alloc_cb, read_cb) ||
	    uv_timer_start(&c->timer, timeout_cb, CTL_TIMEOUT_MS, 0))
		client_close(c);
}

static void
server_close_cb(uv_handle_t *h)
{
	struct ctl *c = h->data;

	free(c->path);
	free(c);
}

struct ctl *
ctl_open(uv_loop_t *loop, const char *path, ctl_handler_cb *cb, void *arg)
{
	struct ctl *c;
	struct stat sb;
	int rc;

	c = xcalloc(1, sizeof(*c));
	c->path = xstrdup(path);
	c->cb = cb;
	c->arg = arg;
	rc = uv_pipe_init(loop, &c->server, 0);
	if (rc)
		goto fail;
	c->server.data = c;
	/* A socket left by a daemon that died: replace it. Never remove
	 * anything that is not a socket. */
	if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
		unlink(path);
	rc = uv_pipe_bind(&c->server, path);
	if (rc)
		goto close;
	if (chmod(path, 0660)) {
		rc = uv_translate_sys_error(errno);
		goto close;
	}
	rc = uv_listen((uv_stream_t *)&c->server, 16, connection_cb);
	if (rc)
		goto close;
	return c;
close:
	/* The handle exists: it must be closed; c goes in its callback. */
	log_warnx("ctl: %s: %s", path, uv_strerror(rc));
	uv_close((uv_handle_t *)&c->server, server_close_cb);
	return NULL;
fail:
	log_warnx("ctl: %s: %s", path, uv_strerror(rc));
	free(c->path);
	free(c);
	return NULL;
}

void
ctl_close(struct ctl *c)
{
	if (!c)
		return;
	while (c->clients)
		client_close(c->clients);
	unlink(c->path);
	uv_close((uv_handle_t *)&c->server, server_close_cb);
}
