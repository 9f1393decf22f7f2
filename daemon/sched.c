#include "sched.h"

#include <stdlib.h>

#include "daemon/log.h"
#include "feeds/xmem.h"

enum { F_IDLE, F_WAITING, F_QUEUED, F_ACTIVE, F_DONE, F_CLOSED };

struct sched {
	uv_loop_t	*loop;
	struct sched_opts o;
	sched_run_cb	*run;
	sched_idle_cb	*idle;
	void		*arg;
	struct sched_feed *qhead, *qtail;
	struct sched_feed **all;
	size_t		 nall;
	long		 active;
	size_t		 pending;	/* once mode: feeds not yet polled */
	int		 closing;
	uint64_t	 rng;		/* jitter; no need for quality */
};

static void
start_or_queue(struct sched *s, struct sched_feed *f)
{
	if (s->closing)
		return;
	if (s->active < s->o.max_active) {
		f->state = F_ACTIVE;
		s->active++;
		s->run(f, s->arg);
		return;
	}
	f->state = F_QUEUED;
	f->qnext = NULL;
	if (s->qtail)
		s->qtail->qnext = f;
	else
		s->qhead = f;
	s->qtail = f;
}

static void
due_cb(uv_timer_t *h)
{
	struct sched_feed *f = h->data;

	start_or_queue(f->s, f);
}

static void
arm(struct sched *s, struct sched_feed *f, uint64_t ms)
{
	int rc;

	(void)s;
	f->state = F_WAITING;
	rc = uv_timer_start(&f->timer, due_cb, ms, 0);
	if (rc)
		log_warnx("sched: feed=%s: uv_timer_start: %s", f->name,
		    uv_strerror(rc));
}

struct sched *
sched_new(uv_loop_t *loop, const struct sched_opts *o, sched_run_cb *run,
    sched_idle_cb *idle, void *arg)
{
	struct sched *s;

	s = xcalloc(1, sizeof(*s));
	s->loop = loop;
	s->o = *o;
	if (s->o.max_active < 1)
		s->o.max_active = 1;
	s->run = run;
	s->idle = idle;
	s->arg = arg;
	s->rng = uv_hrtime() | 1;
	return s;
}

int
sched_add(struct sched *s, struct sched_feed *f, uint64_t delay_ms)
{
	int rc;

	f->s = s;
	rc = uv_timer_init(s->loop, &f->timer);
	if (rc)
		return rc;
	f->timer.data = f;
	s->all = xreallocarray(s->all, s->nall + 1, sizeof(*s->all));
	s->all[s->nall++] = f;
	s->pending++;
	arm(s, f, delay_ms);
	return 0;
}

static uint64_t
jitter(struct sched *s, uint64_t ms)
{
	/* xorshift64: spreads re-polls over +-10 % of the interval. */
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	if (ms < 10)
		return ms;
	return ms - ms / 10 + s->rng % (ms / 5 + 1);
}

static uint64_t
next_delay(struct sched *s, struct sched_feed *f, int ok, long retry_after)
{
	int64_t secs = f->interval, cap = s->o.max_interval;
	long i;

	if (!ok) {
		/* Exponential backoff from min_interval, capped. */
		secs = s->o.min_interval;
		for (i = 1; i < f->failures && secs < cap; i++)
			secs *= 2;
		if (secs > f->interval && f->failures <= 1)
			secs = f->interval;
	}
	if (retry_after > secs)
		secs = retry_after;
	if (secs > cap)
		secs = cap;
	return jitter(s, (uint64_t)secs * 1000);
}

void
sched_done(struct sched *s, struct sched_feed *f, int ok, long retry_after)
{
	struct sched_feed *q;

	s->active--;
	f->state = F_DONE;
	if (s->o.once) {
		s->pending--;
	} else if (!s->closing)
		arm(s, f, next_delay(s, f, ok, retry_after));
	while (!s->closing && s->qhead && s->active < s->o.max_active) {
		q = s->qhead;
		s->qhead = q->qnext;
		if (!s->qhead)
			s->qtail = NULL;
		start_or_queue(s, q);
	}
	if (s->o.once && s->pending == 0 && s->active == 0 && s->idle)
		s->idle(s->arg);
}

void
sched_poll_all(struct sched *s)
{
	size_t i;

	for (i = 0; i < s->nall; i++)
		if (s->all[i]->state == F_WAITING)
			arm(s, s->all[i], 0);
}

long
sched_active(const struct sched *s)
{
	return s->active;
}

void
sched_stop(struct sched *s)
{
	size_t i;

	s->closing = 1;
	s->qhead = s->qtail = NULL;
	for (i = 0; i < s->nall; i++)
		uv_timer_stop(&s->all[i]->timer);
}

void
sched_close(struct sched *s)
{
	size_t i;

	if (!s)
		return;
	sched_stop(s);
	for (i = 0; i < s->nall; i++) {
		/* The feed structs outlive this; nothing to free per handle. */
		uv_close((uv_handle_t *)&s->all[i]->timer, NULL);
	}
	free(s->all);
	free(s);
}
