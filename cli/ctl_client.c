/*
 * ctl_client.c: talks to heraldd over its Unix control socket. Every
 * step (connect, write, read) waits in poll() against one deadline, so a
 * daemon that accepts and then says nothing cannot hang the CLI.
 */
#include "cli/ctl_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config/conf.h"
#include "feeds/buf.h"
#include "feeds/text.h"
#include "feeds/xmem.h"

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for ev on fd until deadline; 1 ready, 0 timed out, -1 error. */
static int
wait_fd(int fd, short ev, long long deadline)
{
	struct pollfd p;
	long long left;
	int n;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		p.fd = fd;
		p.events = ev;
		p.revents = 0;
		n = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n > 0)
			return 1;
	}
}

static int
ctl_connect(const char *path, long long deadline, int *fdp, char *msg,
    size_t msgsz)
{
	struct sockaddr_un sa;
	socklen_t elen = sizeof(int);
	int fd, e = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(msg, msgsz, "socket path too long: %s", path);
		return CTL_E_IO;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(msg, msgsz, "socket: %s", strerror(errno));
		return CTL_E_IO;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		/* A full backlog answers EAGAIN: wait for it like TCP. */
		if (e == EAGAIN || e == EINPROGRESS) {
			if (wait_fd(fd, POLLOUT, deadline) <= 0)
				e = ETIMEDOUT;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e,
			    &elen) < 0)
				e = errno;
		}
	}
	if (e == ENOENT || e == ECONNREFUSED) {
		snprintf(msg, msgsz, "heraldd is not running (%s socket at %s)",
		    e == ENOENT ? "no" : "nobody listening on the", path);
		close(fd);
		return CTL_E_NODAEMON;
	}
	if (e) {
		snprintf(msg, msgsz, "connecting to %s: %s", path,
		    strerror(e));
		close(fd);
		return CTL_E_IO;
	}
	*fdp = fd;
	return 0;
}

static int
ctl_send(int fd, const char *line, long long deadline, char *msg,
    size_t msgsz)
{
	size_t len = strlen(line), off = 0;
	ssize_t n;

	while (off < len) {
		n = send(fd, line + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (wait_fd(fd, POLLOUT, deadline) > 0)
				continue;
			snprintf(msg, msgsz, "timed out sending the request");
			return CTL_E_IO;
		}
		if (n < 0) {
			snprintf(msg, msgsz, "sending the request: %s",
			    strerror(errno));
			return CTL_E_IO;
		}
		off += (size_t)n;
	}
	return 0;
}

/* Reads up to the first '\n' (or EOF) into b. */
static int
ctl_recv(int fd, struct buf *b, long long deadline, char *msg, size_t msgsz)
{
	char chunk[4096];
	ssize_t n;
	int w;

	for (;;) {
		w = wait_fd(fd, POLLIN, deadline);
		if (w <= 0) {
			snprintf(msg, msgsz, w ? "waiting for heraldd: %s" :
			    "heraldd did not answer in time%s",
			    w ? strerror(errno) : "");
			return CTL_E_IO;
		}
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			snprintf(msg, msgsz, "reading the answer: %s",
			    strerror(errno));
			return CTL_E_IO;
		}
		if (n == 0)
			return 0;
		if (buf_append(b, chunk, (size_t)n)) {
			snprintf(msg, msgsz, "answer larger than %d bytes",
			    CTL_MAX_REPLY);
			return CTL_E_PROTO;
		}
		if (memchr(chunk, '\n', (size_t)n))
			return 0;
	}
}

int
ctl_request(const char *path, json_t *req, int timeout_ms, json_t **reply,
    char *msg, size_t msgsz)
{
	long long deadline = now_ms() + timeout_ms;
	json_error_t jerr;
	struct buf b;
	char *line = NULL;
	int fd = -1, rc;

	*reply = NULL;
	buf_init(&b, CTL_MAX_REPLY);
	rc = ctl_connect(path, deadline, &fd, msg, msgsz);
	if (rc)
		goto out;
	line = json_dumps(req, JSON_COMPACT);
	if (!line) {
		snprintf(msg, msgsz, "out of memory");
		rc = CTL_E_IO;
		goto out;
	}
	/* json_dumps never emits a raw newline: the line is one line. */
	rc = ctl_send(fd, line, deadline, msg, msgsz);
	if (!rc)
		rc = ctl_send(fd, "\n", deadline, msg, msgsz);
	if (!rc)
		rc = ctl_recv(fd, &b, deadline, msg, msgsz);
	if (rc)
		goto out;
	*reply = json_loadb(buf_str(&b), buf_len(&b),
	    JSON_DISABLE_EOF_CHECK, &jerr);
	if (!*reply || !json_is_object(*reply)) {
		json_decref(*reply);
		*reply = NULL;
		snprintf(msg, msgsz, "heraldd's answer is not a JSON object"
		    "%s", buf_len(&b) ? "" : " (empty answer)");
		rc = CTL_E_PROTO;
	}
out:
	free(line);
	buf_fini(&b);
	if (fd >= 0)
		close(fd);
	return rc;
}

int
ctl_socket_path(const struct cli_opts *o, char *buf, size_t n)
{
	struct conf *c;
	char errs[4096];
	int rc = 1;

	c = conf_load(o->config, errs, sizeof(errs));
	if (!c) {
		fprintf(stderr, "herald: %s\n", errs);
		return 1;
	}
	if (!c->control_socket || !*c->control_socket)
		fprintf(stderr, "herald: %s: no control_socket configured\n",
		    c->path);
	else if (strlen(c->control_socket) >= n)
		fprintf(stderr, "herald: control_socket path too long\n");
	else {
		memcpy(buf, c->control_socket, strlen(c->control_socket) + 1);
		rc = 0;
	}
	conf_free(c);
	return rc;
}

/*
 * The daemon's error may hold several "FILE:LINE: message" lines (a
 * reload); each is printed on its own line, made terminal-safe.
 */
static void
print_error(const char *cmd, const char *e)
{
	const char *nl;
	char *line, *safe;

	do {
		nl = strchr(e, '\n');
		line = nl ? xstrndup(e, (size_t)(nl - e)) : xstrdup(e);
		if (*line) {
			safe = text_term_safe(line);
			fprintf(stderr, "herald %s: %s\n", cmd, safe);
			free(safe);
		}
		free(line);
		e = nl ? nl + 1 : NULL;
	} while (e);
}

int
ctl_call(const struct cli_opts *o, const char *cmd, json_t *req,
    int timeout_ms, json_t **reply)
{
	char path[4096], msg[512], *safe;
	const char *e;

	*reply = NULL;
	if (ctl_socket_path(o, path, sizeof(path)))
		return CLI_EXIT_ERR;
	if (ctl_request(path, req, timeout_ms, reply, msg, sizeof(msg))) {
		safe = text_term_safe(msg);
		fprintf(stderr, "herald %s: %s\n", cmd, safe);
		free(safe);
		return CLI_EXIT_ERR;
	}
	if (!json_is_true(json_object_get(*reply, "ok"))) {
		e = json_string_value(json_object_get(*reply, "error"));
		print_error(cmd, e ? e : "heraldd refused the request");
		json_decref(*reply);
		*reply = NULL;
		return CLI_EXIT_ERR;
	}
	return CLI_EXIT_OK;
}

int
ctl_parse_timeout(const char *s, int *ms)
{
	int64_t secs;

	if (conf_parse_duration(s, &secs) || secs < 1 || secs > 3600)
		return -1;
	*ms = (int)secs * 1000;
	return 0;
}
