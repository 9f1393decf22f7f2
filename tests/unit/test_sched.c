/*
 * test_sched.c: daemon/sched.c without the network: a fake run callback
 * records which feeds started; the loop is stepped with UV_RUN_NOWAIT and
 * zero delays, so nothing sleeps. Every test closes its loop cleanly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "daemon/log.h"
#include "daemon/sched.h"
#include "feeds/xmem.h"

struct rec {
	struct sched_feed *started[16];
	int		 n;
	int		 idle;
};

static void
run_cb(struct sched_feed *f, void *arg)
{
	struct rec *r = arg;

	if (r->n < 16)
		r->started[r->n++] = f;
}

static void
idle_cb(void *arg)
{
	((struct rec *)arg)->idle++;
}

static struct sched_feed *
mkfeed(const char *url)
{
	struct sched_feed *f = xcalloc(1, sizeof(*f));

	f->url = xstrdup(url);
	f->conf_url = xstrdup(url);
	f->name = xstrdup(url);
	return f;
}

static const struct sched_opts base = {
	2,		/* max_active */
	60,		/* min_interval */
	3600,		/* max_interval */
	600,		/* interval */
	0,		/* host_spacing */
	0,		/* once */
};

static void
spin(uv_loop_t *l)
{
	int i;

	for (i = 0; i < 5; i++)
		uv_run(l, UV_RUN_NOWAIT);
}

static void
finish(uv_loop_t *l, struct sched *s)
{
	sched_close(s);
	uv_run(l, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(l), 0);
}

static uint64_t
wait_ms(uv_loop_t *l, const struct sched_feed *f)
{
	return f->due > uv_now(l) ? f->due - uv_now(l) : 0;
}

static void
test_max_active_queue(void **state)
{
	struct sched_outcome ok = { 1, 0, 0, 0 };
	struct sched_stats st;
	struct rec r = { { 0 }, 0, 0 };
	uv_loop_t l;
	struct sched *s;
	struct sched_feed *f[3];
	int i;

	(void)state;
	uv_loop_init(&l);
	s = sched_new(&l, &base, run_cb, idle_cb, &r);
	f[0] = mkfeed("http://a.test/1");
	f[1] = mkfeed("http://b.test/2");
	f[2] = mkfeed("http://c.test/3");
	for (i = 0; i < 3; i++)
		assert_int_equal(sched_add(s, f[i], 0), 0);
	spin(&l);
	/* Two run, the third waits for a slot. */
	assert_int_equal(r.n, 2);
	sched_stats(s, &st);
	assert_int_equal(st.active, 2);
	assert_int_equal(st.queued, 1);
	sched_done(s, r.started[0], &ok);
	assert_int_equal(r.n, 3);
	/* A success re-arms at the interval, +-15 %. */
	assert_in_range(wait_ms(&l, r.started[0]), 510000, 690000);
	finish(&l, s);
}

static void
test_backoff_and_hints(void **state)
{
	struct sched_outcome fail = { 0, 0, 0, 0 };
	struct sched_outcome hint = { 1, 2400, 0, 0 };
	struct rec r = { { 0 }, 0, 0 };
	uv_loop_t l;
	struct sched *s;
	struct sched_feed *f = mkfeed("http://a.test/");

	(void)state;
	uv_loop_init(&l);
	s = sched_new(&l, &base, run_cb, idle_cb, &r);
	sched_add(s, f, 0);
	spin(&l);
	f->failures = 1;
	sched_done(s, f, &fail);
	assert_in_range(wait_ms(&l, f), 51000, 69000);
	sched_poll_now(s, f);
	spin(&l);
	f->failures = 3;
	sched_done(s, f, &fail);
	/* 60 s doubled twice. */
	assert_in_range(wait_ms(&l, f), 204000, 276000);
	sched_poll_now(s, f);
	spin(&l);
	f->failures = 30;
	sched_done(s, f, &fail);
	/* Capped at max_interval. */
	assert_in_range(wait_ms(&l, f), 3060000, 4140000);
	sched_poll_now(s, f);
	spin(&l);
	f->failures = 0;
	sched_done(s, f, &hint);
	/* A server hint above the interval wins (below max_interval). */
	assert_in_range(wait_ms(&l, f), 2040000, 2760000);
	finish(&l, s);
}

static void
test_retry_after_holds_host(void **state)
{
	struct sched_outcome busy = { 0, 0, 120, 1 };
	struct rec r = { { 0 }, 0, 0 };
	uv_loop_t l;
	struct sched *s;
	struct sched_feed *a = mkfeed("http://same.test/a");
	struct sched_feed *b = mkfeed("http://SAME.test:80/b");
	struct sched_feed *c = mkfeed("http://other.test/c");

	(void)state;
	uv_loop_init(&l);
	s = sched_new(&l, &base, run_cb, idle_cb, &r);
	sched_add(s, a, 0);
	spin(&l);
	assert_int_equal(r.n, 1);
	a->failures = 1;
	sched_done(s, a, &busy);
	assert_in_range(wait_ms(&l, a), 100000, 140000);
	/* Another feed of the same host:port waits too; others do not. */
	sched_add(s, b, 0);
	sched_add(s, c, 0);
	spin(&l);
	assert_int_equal(r.n, 2);
	assert_ptr_equal(r.started[1], c);
	assert_in_range(wait_ms(&l, b), 110000, 121000);
	finish(&l, s);
}

static void
test_once_and_remove(void **state)
{
	struct sched_outcome ok = { 1, 0, 0, 0 };
	struct sched_opts o = base;
	struct rec r = { { 0 }, 0, 0 };
	uv_loop_t l;
	struct sched *s;
	struct sched_feed *a = mkfeed("http://a.test/");
	struct sched_feed *b = mkfeed("http://b.test/");
	struct sched_feed *c = mkfeed("http://c.test/");

	(void)state;
	o.once = 1;
	o.max_active = 1;
	uv_loop_init(&l);
	s = sched_new(&l, &o, run_cb, idle_cb, &r);
	sched_add(s, a, 0);
	sched_add(s, b, 0);
	sched_add(s, c, 0);
	spin(&l);
	assert_int_equal(r.n, 1);
	/* Removing a queued feed frees it; the others still run once. */
	sched_remove(s, r.started[0] == a ? b : a);
	sched_done(s, r.started[0], &ok);
	spin(&l);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.idle, 0);
	sched_done(s, r.started[1], &ok);
	spin(&l);
	assert_int_equal(r.idle, 1);
	finish(&l, s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max_active_queue),
		cmocka_unit_test(test_backoff_and_hints),
		cmocka_unit_test(test_retry_after_holds_host),
		cmocka_unit_test(test_once_and_remove),
	};

	log_init(LOG_LVL_WARN, 0);
	return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
