/*
 * fetch.h: HTTP(S) transfers with libcurl's multi interface driven by the
 * libuv loop (one uv_poll per socket, one uv_timer for curl's timeout;
 * curl_multi_socket_action is called only from those callbacks).
 *
 * Everything here runs on the loop thread.
 */
#ifndef HERALD_DAEMON_FETCH_H
#define HERALD_DAEMON_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct fetcher;

struct fetch_opts {
	long		 max_connections;
	long		 max_per_host;
	int64_t		 timeout;	/* seconds, whole transfer */
	int64_t		 max_body;	/* bytes, after decompression */
	int		 allow_private;	/* allow loopback/private targets */
	const char	*user_agent;	/* copied */
	const char	*proxy;		/* copied; NULL: environment, "": none */
};

/* A request; every string is borrowed for the duration of fetch_start(). */
struct fetch_req {
	const char	*url;
	const char	*etag;		/* If-None-Match, may be NULL */
	const char	*last_modified;	/* If-Modified-Since, may be NULL */
};

#define FETCH_OK	0	/* a response arrived (any status) */
#define FETCH_FAILED	1	/* no usable response: see error */
#define FETCH_ABORTED	2	/* cancelled by fetch_close() */

/* The outcome of one transfer. Owned by the fetcher; see fetch_done_cb. */
struct fetch_result {
	int		 outcome;	/* FETCH_* */
	long		 status;	/* HTTP status, 0 if none */
	const char	*error;		/* one line, when FAILED or status >= 400 */
	char		*body;		/* NUL-terminated; may be taken (set NULL) */
	size_t		 len;
	const char	*content_type;	/* may be NULL */
	const char	*etag;		/* sanitised, may be NULL */
	const char	*last_modified;	/* sanitised, may be NULL */
	const char	*final_url;
	long		 retry_after;	/* seconds, 0 if none */
	long		 max_age;	/* Cache-Control max-age or Expires, -1 */
	long		 redirects;	/* redirects followed */
	int		 permanent;	/* every redirect was a 301 or 308 */
	const char	*error_class;	/* "dns", "connect", "timeout", "tls",
					 * "http", "too-big", "private", "io" */
	double		 seconds;	/* total transfer time */
};

/*
 * Called on the loop thread when a transfer ends. r is valid only during
 * the call; the callee may take r->body (and must then free() it).
 * The callback may start new transfers.
 */
typedef void fetch_done_cb(struct fetch_result *r, void *arg);

/* Returns a new fetcher on loop, or NULL (logged). Free with fetch_close(). */
struct fetcher	*fetch_new(uv_loop_t *loop, const struct fetch_opts *o);
/*
 * Starts a transfer; cb runs exactly once, later (never inside this
 * call), unless this returns non-zero.
 */
int		 fetch_start(struct fetcher *f, const struct fetch_req *req,
		    fetch_done_cb *cb, void *arg);
size_t		 fetch_inflight(const struct fetcher *f);
/*
 * New options for transfers started from now on (timeout, body cap,
 * private addresses, user agent, proxy); the connection limits of the
 * multi handle stay as they were created.
 */
void		 fetch_set_opts(struct fetcher *f, const struct fetch_opts *o);
/*
 * Aborts every transfer (their callbacks run with FETCH_ABORTED before
 * this returns), releases curl, and closes the handles; the memory is
 * freed in the close callbacks, so run the loop afterwards.
 */
void		 fetch_close(struct fetcher *f);

#endif
