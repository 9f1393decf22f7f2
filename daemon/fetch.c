/*
 * fetch.c: libcurl multi on libuv, after curl's docs/examples/multi-uv.c
 * with the pitfalls of STYLE.md §6 designed out: no socket_action from
 * inside curl's callbacks, one uv_poll per socket found through socketp,
 * REMOVE stops now and frees in the close callback, poll errors passed to
 * curl as CURL_CSELECT_ERR, completions drained after every action, every
 * return value checked, context through handle->data.
 */
#include "fetch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>

#include "daemon/log.h"
#include "feeds/buf.h"
#include "feeds/date.h"
#include "feeds/xmem.h"

#define FETCH_MAX_REDIRS	5
#define FETCH_HDR_MAX		1024	/* cap on stored header values */

struct transfer;

struct fetcher {
	uv_loop_t	*loop;
	CURLM		*multi;
	uv_timer_t	 timer;
	struct fetch_opts opts;
	char		*user_agent;
	char		*proxy;
	struct transfer	*head;		/* in-flight transfers */
	size_t		 inflight;
	int		 closing;
};

struct sock_ctx {
	uv_poll_t	 poll;
	curl_socket_t	 fd;
	struct fetcher	*f;
};

struct transfer {
	struct transfer	*next, *prev;
	struct fetcher	*f;
	CURL		*easy;
	struct curl_slist *headers;
	struct buf	 body;
	int		 too_big;
	int		 denied;
	int		 hops;		/* responses seen (one per redirect + 1) */
	int		 temporary;	/* a hop was a redirect other than 301/308 */
	char		 denied_addr[INET6_ADDRSTRLEN];
	char		 errbuf[CURL_ERROR_SIZE];
	fetch_done_cb	*cb;
	void		*arg;
};

static void check_multi_info(struct fetcher *f);

static void
sock_close_cb(uv_handle_t *h)
{
	free(h->data);
}

static void
poll_cb(uv_poll_t *h, int status, int events)
{
	struct sock_ctx *sc = h->data;
	struct fetcher *f = sc->f;
	int flags = 0, running;

	if (status < 0) {
		/* Tell curl, and let it read and write too: the socket error
		 * (a reset, say) then reaches it with its own message. */
		flags = CURL_CSELECT_ERR | CURL_CSELECT_IN | CURL_CSELECT_OUT;
		if (status == UV_EBADF)
			uv_poll_stop(h);
	} else {
		if (events & UV_READABLE)
			flags |= CURL_CSELECT_IN;
		if (events & UV_WRITABLE)
			flags |= CURL_CSELECT_OUT;
	}
	curl_multi_socket_action(f->multi, sc->fd, flags, &running);
	check_multi_info(f);
}

static int
sock_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct fetcher *f = userp;
	struct sock_ctx *sc = socketp;
	int events = 0, rc;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (sc) {
			/* Stop now: curl may reuse the fd number at once. */
			uv_poll_stop(&sc->poll);
			curl_multi_assign(f->multi, s, NULL);
			uv_close((uv_handle_t *)&sc->poll, sock_close_cb);
		}
		return 0;
	}
	if (!sc) {
		sc = xcalloc(1, sizeof(*sc));
		sc->fd = s;
		sc->f = f;
		rc = uv_poll_init_socket(f->loop, &sc->poll, s);
		if (rc) {
			log_warnx("fetch: uv_poll_init_socket: %s",
			    uv_strerror(rc));
			free(sc);
			return -1;
		}
		sc->poll.data = sc;
		curl_multi_assign(f->multi, s, sc);
	}
	if (what & CURL_POLL_IN)
		events |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		events |= UV_WRITABLE;
	rc = uv_poll_start(&sc->poll, events, poll_cb);
	if (rc) {
		log_warnx("fetch: uv_poll_start: %s", uv_strerror(rc));
		return -1;
	}
	return 0;
}

static void
timeout_cb(uv_timer_t *h)
{
	struct fetcher *f = h->data;
	int running;

	curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_multi_info(f);
}

static int
timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct fetcher *f = userp;

	(void)multi;
	/* Never act from inside curl: arm the timer and return (§6.1). */
	if (timeout_ms < 0)
		uv_timer_stop(&f->timer);
	else if (uv_timer_start(&f->timer, timeout_cb, (uint64_t)timeout_ms,
	    0))
		return -1;
	return 0;
}

static size_t
write_cb(char *p, size_t size, size_t n, void *userp)
{
	struct transfer *t = userp;

	/*
	 * libcurl 7.88 does not stop a transfer on CURLOPT_MAXFILESIZE
	 * mid-body nor count decompressed bytes: the cap is ours, on the
	 * decoded bytes (RELIABILITY.md §0.5).
	 */
	if (buf_append(&t->body, p, size * n)) {
		t->too_big = 1;
		return 0;
	}
	return size * n;
}

/*
 * Sees every header line of every response, redirects included: the
 * status lines tell whether each redirect was permanent (RFC 9110 §15.4:
 * only 301 and 308 are), which decides whether a feed has moved.
 */
static size_t
header_cb(char *p, size_t size, size_t n, void *userp)
{
	struct transfer *t = userp;
	size_t len = size * n;
	long code = 0;
	size_t i;

	if (len > 9 && !memcmp(p, "HTTP/", 5)) {
		for (i = 5; i < len && p[i] != ' '; i++)
			;
		for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++)
			code = code * 10 + (p[i] - '0');
		t->hops++;
		if (code >= 300 && code < 400 && code != 301 && code != 308 &&
		    code != 304)
			t->temporary = 1;
	}
	return len;
}

/* 1 when the address is loopback, private, link-local or otherwise not
 * the public Internet (RELIABILITY.md §8.2 list). */
static int
addr_is_private(const struct sockaddr *sa)
{
	const unsigned char *b;
	uint32_t a;

	if (sa->sa_family == AF_INET) {
		a = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
		goto v4;
	}
	if (sa->sa_family != AF_INET6)
		return 1;
	b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	/* IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96: unwrap. */
	if ((!memcmp(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12)) ||
	    (!memcmp(b, "\0\x64\xff\x9b\0\0\0\0\0\0\0\0", 12))) {
		a = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
		    (uint32_t)b[14] << 8 | b[15];
		goto v4;
	}
	if (b[0] == 0x20 && b[1] == 0x02) {	/* 6to4 2002::/16 */
		a = (uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 |
		    (uint32_t)b[4] << 8 | b[5];
		goto v4;
	}
	if (!memcmp(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 15) && b[15] <= 1)
		return 1;			/* :: and ::1 */
	if ((b[0] & 0xfe) == 0xfc)		/* fc00::/7 */
		return 1;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)	/* fe80::/10 */
		return 1;
	if (b[0] == 0xff)			/* multicast */
		return 1;
	return 0;
v4:
	return (a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 ||
	    (a & 0xffc00000) == 0x64400000 || (a & 0xffff0000) == 0xa9fe0000 ||
	    (a & 0xfff00000) == 0xac100000 || (a & 0xffffff00) == 0xc0000000 ||
	    (a & 0xffff0000) == 0xc0a80000 || (a & 0xfffe0000) == 0xc6120000 ||
	    (a >> 28) >= 0xe;
}

/*
 * Checked per connection on the resolved address, so no spelling of a
 * host name or redirect can reach a private range (RELIABILITY §0.6).
 */
static curl_socket_t
opensocket_cb(void *userp, curlsocktype purpose, struct curl_sockaddr *ad)
{
	struct transfer *t = userp;
	const void *in;

	(void)purpose;
	if (!t->f->opts.allow_private && addr_is_private(&ad->addr)) {
		t->denied = 1;
		in = ad->family == AF_INET6 ?
		    (const void *)&((struct sockaddr_in6 *)&ad->addr)->sin6_addr :
		    (const void *)&((struct sockaddr_in *)&ad->addr)->sin_addr;
		if (!inet_ntop(ad->family, in, t->denied_addr,
		    sizeof(t->denied_addr)))
			memcpy(t->denied_addr, "?", 2);
		return CURL_SOCKET_BAD;
	}
	return socket(ad->family, ad->socktype | SOCK_CLOEXEC, ad->protocol);
}

static int
easy_setup(struct transfer *t, const struct fetch_req *req)
{
	struct fetcher *f = t->f;
	CURL *h = t->easy;
	char line[FETCH_HDR_MAX + 32];
	CURLcode rc = CURLE_OK;

#define SET(opt, val) do { if (!rc) rc = curl_easy_setopt(h, opt, val); } while (0)
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_PRIVATE, t);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long)FETCH_MAX_REDIRS);
	SET(CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	SET(CURLOPT_TIMEOUT_MS, (long)(f->opts.timeout * 1000));
	SET(CURLOPT_LOW_SPEED_LIMIT, 256L);
	SET(CURLOPT_LOW_SPEED_TIME, 30L);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->opts.max_body);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, t);
	SET(CURLOPT_OPENSOCKETFUNCTION, opensocket_cb);
	SET(CURLOPT_OPENSOCKETDATA, t);
	if (f->proxy)
		SET(CURLOPT_PROXY, f->proxy);
	SET(CURLOPT_HEADERFUNCTION, header_cb);
	SET(CURLOPT_HEADERDATA, t);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SET(CURLOPT_DNS_CACHE_TIMEOUT, 60L);
	SET(CURLOPT_ERRORBUFFER, t->errbuf);
	SET(CURLOPT_USERAGENT, f->user_agent);
#undef SET
	if (rc)
		return -1;
	t->headers = curl_slist_append(NULL, "Accept: application/rss+xml, "
	    "application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, "
	    "*/*;q=0.1");
	if (!t->headers)
		return -1;
	if (req->etag && strlen(req->etag) < FETCH_HDR_MAX) {
		snprintf(line, sizeof(line), "If-None-Match: %s", req->etag);
		if (!curl_slist_append(t->headers, line))
			return -1;
	}
	if (req->last_modified && strlen(req->last_modified) < FETCH_HDR_MAX) {
		snprintf(line, sizeof(line), "If-Modified-Since: %s",
		    req->last_modified);
		if (!curl_slist_append(t->headers, line))
			return -1;
	}
	return curl_easy_setopt(h, CURLOPT_HTTPHEADER, t->headers) ? -1 : 0;
}

struct fetcher *
fetch_new(uv_loop_t *loop, const struct fetch_opts *o)
{
	struct fetcher *f;
	int rc;

	f = xcalloc(1, sizeof(*f));
	f->loop = loop;
	f->opts = *o;
	f->user_agent = xstrdup(o->user_agent);
	f->opts.user_agent = f->user_agent;
	f->proxy = o->proxy ? xstrdup(o->proxy) : NULL;
	f->opts.proxy = f->proxy;
	f->multi = curl_multi_init();
	if (!f->multi) {
		log_warnx("fetch: curl_multi_init failed");
		goto fail;
	}
	if (curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, sock_cb) ||
	    curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f) ||
	    curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, timer_cb) ||
	    curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f) ||
	    curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    o->max_connections) ||
	    curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    o->max_per_host)) {
		log_warnx("fetch: curl_multi_setopt failed");
		goto fail;
	}
	rc = uv_timer_init(loop, &f->timer);
	if (rc) {
		log_warnx("fetch: uv_timer_init: %s", uv_strerror(rc));
		goto fail;
	}
	f->timer.data = f;
	return f;
fail:
	if (f->multi)
		curl_multi_cleanup(f->multi);
	free(f->user_agent);
	free(f->proxy);
	free(f);
	return NULL;
}

static void
transfer_free(struct transfer *t)
{
	if (t->easy)
		curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->headers);
	buf_fini(&t->body);
	free(t);
}

int
fetch_start(struct fetcher *f, const struct fetch_req *req, fetch_done_cb *cb,
    void *arg)
{
	struct transfer *t;
	CURLMcode mrc;

	if (f->closing)
		return -1;
	t = xcalloc(1, sizeof(*t));
	t->f = f;
	t->cb = cb;
	t->arg = arg;
	buf_init(&t->body, (size_t)f->opts.max_body);
	t->easy = curl_easy_init();
	if (!t->easy || easy_setup(t, req)) {
		log_warnx("fetch: cannot set up a transfer for %s", req->url);
		transfer_free(t);
		return -1;
	}
	mrc = curl_multi_add_handle(f->multi, t->easy);
	if (mrc) {
		log_warnx("fetch: curl_multi_add_handle: %s",
		    curl_multi_strerror(mrc));
		transfer_free(t);
		return -1;
	}
	t->next = f->head;
	if (f->head)
		f->head->prev = t;
	f->head = t;
	f->inflight++;
	return 0;
}

void
fetch_set_opts(struct fetcher *f, const struct fetch_opts *o)
{
	long maxc = f->opts.max_connections, maxh = f->opts.max_per_host;

	free(f->user_agent);
	free(f->proxy);
	f->opts = *o;
	f->opts.max_connections = maxc;
	f->opts.max_per_host = maxh;
	f->user_agent = xstrdup(o->user_agent);
	f->opts.user_agent = f->user_agent;
	f->proxy = o->proxy ? xstrdup(o->proxy) : NULL;
	f->opts.proxy = f->proxy;
}

size_t
fetch_inflight(const struct fetcher *f)
{
	return f->inflight;
}

/* Copies a header value without controls, capped; NULL when absent. */
static char *
header_value(CURL *easy, const char *name)
{
	struct curl_header *h = NULL;
	size_t i, n = 0;
	char *out;

	if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK
	    || !h || !h->value)
		return NULL;
	out = xmalloc(FETCH_HDR_MAX + 1);
	for (i = 0; h->value[i] && n < FETCH_HDR_MAX; i++) {
		unsigned char c = (unsigned char)h->value[i];

		if (c >= 0x20 && c != 0x7f)
			out[n++] = (char)c;
	}
	out[n] = '\0';
	if (!n) {
		free(out);
		return NULL;
	}
	return out;
}

/*
 * How long the server says the response stays fresh: Cache-Control
 * max-age (RFC 9111 §5.2.2.1; s-maxage is for shared caches, not us),
 * else Expires minus Date (or minus now). -1 when it says nothing.
 */
static long
fresh_for(CURL *easy)
{
	char *cc, *p, *exp, *end;
	int64_t e, d;
	long v = -1;

	cc = header_value(easy, "Cache-Control");
	if (cc) {
		for (p = cc; (p = strstr(p, "max-age")); p += 7) {
			if (p > cc && p[-1] != ' ' && p[-1] != ',')
				continue;
			if (p[7] != '=')
				continue;
			v = strtol(p + 8, &end, 10);
			if (end == p + 8 || v < 0)
				v = -1;
			break;
		}
		if (strstr(cc, "no-cache") || strstr(cc, "no-store"))
			v = v < 0 ? 0 : v;
		free(cc);
		if (v >= 0)
			return v;
	}
	exp = header_value(easy, "Expires");
	if (exp) {
		if (date_parse(exp, strlen(exp), &e, NULL) == 0) {
			char *dh = header_value(easy, "Date");

			if (!dh || date_parse(dh, strlen(dh), &d, NULL))
				d = (int64_t)time(NULL);
			v = e > d ? (long)(e - d) : 0;
			free(dh);
		}
		free(exp);
	}
	return v;
}

/* A stable word for what went wrong, for state and statistics. */
static const char *
error_class(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return "dns";
	case CURLE_COULDNT_CONNECT:
		return "connect";
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		return "tls";
	case CURLE_FILESIZE_EXCEEDED:
		return "too-big";
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return "redirect";
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
		return "protocol";
	default:
		return "io";
	}
}

static void
unlink_transfer(struct fetcher *f, struct transfer *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		f->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	f->inflight--;
}

static void
finish(struct fetcher *f, struct transfer *t, CURLcode cc, int aborted)
{
	struct fetch_result r;
	char *etag = NULL, *lastmod = NULL, err[CURL_ERROR_SIZE + 128];
	char *ctype = NULL, *url = NULL;
	curl_off_t ra = 0;

	memset(&r, 0, sizeof(r));
	unlink_transfer(f, t);
	curl_multi_remove_handle(f->multi, t->easy);
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &ctype);
	curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &url);
	curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME, &r.seconds);
	if (curl_easy_getinfo(t->easy, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK)
		r.retry_after = (long)ra;
	curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_COUNT, &r.redirects);
	r.permanent = r.redirects > 0 && !t->temporary;
	r.max_age = -1;
	r.content_type = ctype;
	r.final_url = url;
	err[0] = '\0';
	if (aborted) {
		r.outcome = FETCH_ABORTED;
		snprintf(err, sizeof(err), "aborted at shutdown");
	} else if (t->too_big) {
		r.outcome = FETCH_FAILED;
		r.error_class = "too-big";
		snprintf(err, sizeof(err), "body exceeds %lld bytes",
		    (long long)f->opts.max_body);
	} else if (t->denied) {
		r.outcome = FETCH_FAILED;
		r.error_class = "private";
		snprintf(err, sizeof(err), "refused to connect to private "
		    "address %s (allow_private = no)", t->denied_addr);
	} else if (cc != CURLE_OK) {
		r.outcome = FETCH_FAILED;
		r.error_class = error_class(cc);
		snprintf(err, sizeof(err), "%s", t->errbuf[0] ? t->errbuf :
		    curl_easy_strerror(cc));
	} else {
		r.outcome = FETCH_OK;
		if (r.status >= 400) {
			r.error_class = "http";
			snprintf(err, sizeof(err), "HTTP %ld%s", r.status,
			    r.status == 410 ? " Gone" : r.status == 429 ?
			    " Too Many Requests" : r.status == 503 ?
			    " Service Unavailable" : r.status == 404 ?
			    " Not Found" : "");
		}
		r.max_age = fresh_for(t->easy);
		etag = header_value(t->easy, "ETag");
		lastmod = header_value(t->easy, "Last-Modified");
	}
	r.error = err[0] ? err : NULL;
	r.etag = etag;
	r.last_modified = lastmod;
	r.len = buf_len(&t->body);
	r.body = buf_detach(&t->body);
	t->cb(&r, t->arg);
	free(r.body);
	free(etag);
	free(lastmod);
	transfer_free(t);
}

static void
check_multi_info(struct fetcher *f)
{
	struct transfer *t;
	CURLMsg *msg;
	int left;

	/* Copy what we need before remove_handle invalidates msg (§6.5). */
	while ((msg = curl_multi_info_read(f->multi, &left))) {
		CURLcode cc;

		if (msg->msg != CURLMSG_DONE)
			continue;
		cc = msg->data.result;
		t = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&t);
		if (t)
			finish(f, t, cc, 0);
	}
}

static void
timer_close_cb(uv_handle_t *h)
{
	struct fetcher *f = h->data;

	free(f->user_agent);
	free(f->proxy);
	free(f);
}

void
fetch_close(struct fetcher *f)
{
	if (!f)
		return;
	f->closing = 1;
	while (f->head)
		finish(f, f->head, CURLE_OK, 1);
	/* curl may call sock_cb during cleanup; pollers close there. */
	curl_multi_cleanup(f->multi);
	f->multi = NULL;
	uv_timer_stop(&f->timer);
	uv_close((uv_handle_t *)&f->timer, timer_close_cb);
}
