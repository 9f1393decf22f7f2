/*
 * test_fetch.c: daemon/fetch.c, libcurl multi on libuv, against a tiny
 * HTTP server running on the same loop on 127.0.0.1. No sleeps: the loop
 * runs until the transfer's callback has fired, then every handle must
 * close (uv_loop_close() == 0), so a leaked poll or timer fails the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <uv.h>

#include "daemon/fetch.h"
#include "daemon/log.h"

struct srv {
	uv_tcp_t	 tcp;
	int		 port;
	int		 requests;
	char		 last_inm[128];	/* If-None-Match seen */
};

struct conn {
	uv_tcp_t	 tcp;
	struct srv	*srv;
	char		 req[8192];
	size_t		 len;
	int		 answered;
};

struct got {
	uv_loop_t	*loop;
	int		 called;
	int		 outcome;
	long		 status;
	char		 error[512];
	char		 body[256];
	size_t		 len;
	char		 etag[64];
	long		 max_age;
	long		 retry_after;
	long		 redirects;
	int		 permanent;
	char		 final_url[256];
	char		 klass[32];
};

static void
conn_close_cb(uv_handle_t *h)
{
	free(h->data);
}

static void
write_cb(uv_write_t *w, int status)
{
	struct conn *c = w->data;

	(void)status;
	free(w);
	uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
}

static void
respond(struct conn *c, const char *head, const char *body, size_t blen)
{
	uv_write_t *w = malloc(sizeof(*w));
	uv_buf_t bufs[2];

	assert_non_null(w);
	w->data = c;
	bufs[0] = uv_buf_init((char *)head, (unsigned)strlen(head));
	bufs[1] = uv_buf_init((char *)body, (unsigned)blen);
	assert_int_equal(uv_write(w, (uv_stream_t *)&c->tcp, bufs, 2,
	    write_cb), 0);
}

static char bigbody[100000];

static void
handle(struct conn *c)
{
	static char head[512];
	const char *inm;

	c->answered = 1;
	c->srv->requests++;
	inm = strstr(c->req, "If-None-Match: ");
	if (inm) {
		size_t n = strcspn(inm + 15, "\r\n");

		if (n >= sizeof(c->srv->last_inm))
			n = sizeof(c->srv->last_inm) - 1;
		memcpy(c->srv->last_inm, inm + 15, n);
		c->srv->last_inm[n] = '\0';
	}
	if (!strncmp(c->req, "GET /feed ", 10)) {
		if (inm && !strncmp(inm + 15, "\"v1\"", 4)) {
			respond(c, "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n"
			    "Connection: close\r\n\r\n", "", 0);
			return;
		}
		respond(c, "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml"
		    "\r\nETag: \"v1\"\r\nContent-Length: 10\r\n"
		    "Connection: close\r\n\r\n", "hello feed", 10);
	} else if (!strncmp(c->req, "GET /big ", 9)) {
		/* No Content-Length: only the write callback can stop it. */
		memset(bigbody, 'x', sizeof(bigbody));
		respond(c, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
		    bigbody, sizeof(bigbody));
	} else if (!strncmp(c->req, "GET /esc ", 9)) {
		snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
		    "ETag: \"a\x1b]0;x\x07" "b\"\r\nContent-Length: 2\r\n"
		    "Connection: close\r\n\r\n");
		respond(c, head, "ok", 2);
	} else if (!strncmp(c->req, "GET /moved ", 11)) {
		respond(c, "HTTP/1.1 301 Moved Permanently\r\nLocation: /moved2"
		    "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", "", 0);
	} else if (!strncmp(c->req, "GET /moved2 ", 12)) {
		respond(c, "HTTP/1.1 308 Permanent Redirect\r\nLocation: /feed"
		    "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", "", 0);
	} else if (!strncmp(c->req, "GET /mixed ", 11)) {
		respond(c, "HTTP/1.1 301 Moved Permanently\r\nLocation: /temp"
		    "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", "", 0);
	} else if (!strncmp(c->req, "GET /temp ", 10)) {
		respond(c, "HTTP/1.1 302 Found\r\nLocation: /feed"
		    "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", "", 0);
	} else if (!strncmp(c->req, "GET /loop ", 10)) {
		respond(c, "HTTP/1.1 302 Found\r\nLocation: /loop"
		    "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", "", 0);
	} else if (!strncmp(c->req, "GET /file ", 10)) {
		respond(c, "HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd"
		    "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", "", 0);
	} else if (!strncmp(c->req, "GET /cc ", 8)) {
		respond(c, "HTTP/1.1 200 OK\r\nCache-Control: public, "
		    "max-age=7200\r\nContent-Length: 2\r\n"
		    "Connection: close\r\n\r\n", "ok", 2);
	} else if (!strncmp(c->req, "GET /expires ", 13)) {
		respond(c, "HTTP/1.1 200 OK\r\nDate: Fri, 01 Mar 2024 12:00:00 "
		    "GMT\r\nExpires: Fri, 01 Mar 2024 13:00:00 GMT\r\n"
		    "Content-Length: 2\r\nConnection: close\r\n\r\n", "ok", 2);
	} else if (!strncmp(c->req, "GET /busy ", 10)) {
		respond(c, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 120"
		    "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", "", 0);
	} else if (!strncmp(c->req, "GET /hang ", 10)) {
		/* Never answer; keep the connection open. */
	} else
		respond(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n", "", 0);
}

static void
alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct conn *c = h->data;

	(void)hint;
	*b = uv_buf_init(c->req + c->len, (unsigned)(sizeof(c->req) - 1 - c->len));
}

static void
read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = s->data;

	(void)b;
	if (n < 0) {
		if (!uv_is_closing((uv_handle_t *)s))
			uv_close((uv_handle_t *)s, conn_close_cb);
		return;
	}
	c->len += (size_t)n;
	c->req[c->len] = '\0';
	if (!c->answered && strstr(c->req, "\r\n\r\n"))
		handle(c);
}

static void
accept_cb(uv_stream_t *server, int status)
{
	struct srv *srv = server->data;
	struct conn *c;

	assert_int_equal(status, 0);
	c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->srv = srv;
	uv_tcp_init(server->loop, &c->tcp);
	c->tcp.data = c;
	assert_int_equal(uv_accept(server, (uv_stream_t *)&c->tcp), 0);
	uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
}

static void
srv_start(uv_loop_t *loop, struct srv *srv)
{
	struct sockaddr_in addr;
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	memset(srv, 0, sizeof(*srv));
	uv_tcp_init(loop, &srv->tcp);
	srv->tcp.data = srv;
	uv_ip4_addr("127.0.0.1", 0, &addr);
	assert_int_equal(uv_tcp_bind(&srv->tcp, (struct sockaddr *)&addr, 0), 0);
	assert_int_equal(uv_listen((uv_stream_t *)&srv->tcp, 16, accept_cb), 0);
	uv_tcp_getsockname(&srv->tcp, (struct sockaddr *)&ss, &len);
	srv->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void
done_cb(struct fetch_result *r, void *arg)
{
	struct got *g = arg;

	g->called++;
	/* The callback may fire in the timer phase of an iteration that
	 * would then block in poll: make uv_run return. */
	uv_stop(g->loop);
	g->outcome = r->outcome;
	g->status = r->status;
	snprintf(g->error, sizeof(g->error), "%s", r->error ? r->error : "");
	g->len = r->len;
	snprintf(g->body, sizeof(g->body), "%.*s", (int)(r->len < 200 ? r->len :
	    200), r->body ? r->body : "");
	snprintf(g->etag, sizeof(g->etag), "%s", r->etag ? r->etag : "");
	g->max_age = r->max_age;
	g->retry_after = r->retry_after;
	g->redirects = r->redirects;
	g->permanent = r->permanent;
	snprintf(g->final_url, sizeof(g->final_url), "%s",
	    r->final_url ? r->final_url : "");
	snprintf(g->klass, sizeof(g->klass), "%s",
	    r->error_class ? r->error_class : "");
}

static void
walk_cb(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, h->type == UV_TCP && h->data ? conn_close_cb : NULL);
}

/* Fetches path from the test server once; returns what came back. */
static void
fetch_once(const char *path, const char *etag, int allow_private,
    int64_t max_body, struct got *g, struct srv *srv_out)
{
	uv_loop_t loop;
	struct srv srv;
	struct fetcher *f;
	struct fetch_opts o = { 4, 2, 10, max_body, allow_private, "test", "" };
	struct fetch_req req;
	char url[128];

	memset(g, 0, sizeof(*g));
	assert_int_equal(uv_loop_init(&loop), 0);
	g->loop = &loop;
	srv_start(&loop, &srv);
	f = fetch_new(&loop, &o);
	assert_non_null(f);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", srv.port, path);
	req.url = url;
	req.etag = etag;
	req.last_modified = NULL;
	assert_int_equal(fetch_start(f, &req, done_cb, g), 0);
	/* Never inline: the callback runs from the loop, not fetch_start. */
	assert_int_equal(g->called, 0);
	if (!strcmp(path, "/hang")) {
		/* Let the request reach the server, which never answers. */
		while (srv.requests == 0 && uv_run(&loop, UV_RUN_ONCE))
			;
		uv_run(&loop, UV_RUN_NOWAIT);
		/* Still in flight: closing aborts it with a callback. */
		assert_int_equal(g->called, 0);
		assert_int_equal(fetch_inflight(f), 1);
	} else {
		while (!g->called)
			uv_run(&loop, UV_RUN_DEFAULT);
	}
	fetch_close(f);
	uv_close((uv_handle_t *)&srv.tcp, NULL);
	uv_walk(&loop, walk_cb, NULL);
	/* The first run only clears a stop flag left by done_cb. */
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	if (srv_out)
		*srv_out = srv;
}

static void
test_200_then_304(void **state)
{
	struct got g;
	struct srv srv;

	(void)state;
	fetch_once("/feed", NULL, 1, 1 << 20, &g, &srv);
	assert_int_equal(g.called, 1);
	assert_int_equal(g.outcome, FETCH_OK);
	assert_int_equal(g.status, 200);
	assert_string_equal(g.body, "hello feed");
	assert_string_equal(g.etag, "\"v1\"");
	assert_string_equal(srv.last_inm, "");
	fetch_once("/feed", "\"v1\"", 1, 1 << 20, &g, &srv);
	assert_int_equal(g.status, 304);
	assert_int_equal(g.len, 0);
	assert_string_equal(srv.last_inm, "\"v1\"");
}

static void
test_http_error(void **state)
{
	struct got g;

	(void)state;
	fetch_once("/nope", NULL, 1, 1 << 20, &g, NULL);
	assert_int_equal(g.outcome, FETCH_OK);
	assert_int_equal(g.status, 404);
	assert_string_equal(g.error, "HTTP 404 Not Found");
}

static void
test_body_cap(void **state)
{
	struct got g;

	(void)state;
	fetch_once("/big", NULL, 1, 10000, &g, NULL);
	assert_int_equal(g.outcome, FETCH_FAILED);
	assert_non_null(strstr(g.error, "body exceeds 10000 bytes"));
}

static void
test_private_refused(void **state)
{
	struct got g;
	struct srv srv;

	(void)state;
	fetch_once("/feed", NULL, 0, 1 << 20, &g, &srv);
	assert_int_equal(g.outcome, FETCH_FAILED);
	assert_non_null(strstr(g.error, "private address 127.0.0.1"));
	assert_int_equal(srv.requests, 0);
}

static void
test_header_sanitised(void **state)
{
	struct got g;

	(void)state;
	fetch_once("/esc", NULL, 1, 1 << 20, &g, NULL);
	assert_int_equal(g.status, 200);
	assert_null(strchr(g.etag, '\x1b'));
	assert_null(strchr(g.etag, '\x07'));
}

static void
test_abort_on_close(void **state)
{
	struct got g;

	(void)state;
	fetch_once("/hang", NULL, 1, 1 << 20, &g, NULL);
	assert_int_equal(g.called, 1);
	assert_int_equal(g.outcome, FETCH_ABORTED);
}

static void
test_redirects(void **state)
{
	struct got g;

	(void)state;
	fetch_once("/moved", NULL, 1, 1 << 20, &g, NULL);
	assert_int_equal(g.status, 200);
	assert_int_equal(g.redirects, 2);
	assert_int_equal(g.permanent, 1);
	assert_non_null(strstr(g.final_url, "/feed"));
	/* One temporary hop makes the whole move temporary. */
	fetch_once("/mixed", NULL, 1, 1 << 20, &g, NULL);
	assert_int_equal(g.status, 200);
	assert_int_equal(g.permanent, 0);
	fetch_once("/loop", NULL, 1, 1 << 20, &g, NULL);
	assert_int_equal(g.outcome, FETCH_FAILED);
	assert_string_equal(g.klass, "redirect");
	/* Redirects never leave http(s). */
	fetch_once("/file", NULL, 1, 1 << 20, &g, NULL);
	assert_int_equal(g.outcome, FETCH_FAILED);
}

static void
test_freshness_hints(void **state)
{
	struct got g;

	(void)state;
	fetch_once("/cc", NULL, 1, 1 << 20, &g, NULL);
	assert_int_equal(g.max_age, 7200);
	fetch_once("/expires", NULL, 1, 1 << 20, &g, NULL);
	assert_int_equal(g.max_age, 3600);
	fetch_once("/feed", NULL, 1, 1 << 20, &g, NULL);
	assert_int_equal(g.max_age, -1);
	fetch_once("/busy", NULL, 1, 1 << 20, &g, NULL);
	assert_int_equal(g.status, 429);
	assert_int_equal(g.retry_after, 120);
	assert_string_equal(g.klass, "http");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_200_then_304),
		cmocka_unit_test(test_http_error),
		cmocka_unit_test(test_body_cap),
		cmocka_unit_test(test_private_refused),
		cmocka_unit_test(test_header_sanitised),
		cmocka_unit_test(test_abort_on_close),
		cmocka_unit_test(test_redirects),
		cmocka_unit_test(test_freshness_hints),
	};
	int rc;

	log_init(LOG_LVL_WARN, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests_name("fetch", tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
