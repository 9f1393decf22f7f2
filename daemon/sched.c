#include "sched.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/log.h"
#include "feeds/url.h"
#include "feeds/xmem.h"

enum { F_IDLE, F_WAITING, F_QUEUED, F_ACTIVE, F_DONE };

/* Politeness state shared by the feeds of one host:port. */
struct sched_host {
	char		*key;
	uint64_t	 blocked_until;	/* uv_now; Retry-After for the host */
	uint64_t	 last_start;	/* uv_now of the last poll started */
	long		 nfeeds;
};

struct sched {
	uv_loop_t	*loop;
	struct sched_opts o;
	sched_run_cb	*run;
	sched_idle_cb	*idle;
	void		*arg;
	struct sched_feed *qhead, *qtail;
	struct sched_feed **all;
	size_t		 nall;
	struct sched_host **hosts;
	size_t		 nhosts;
	long		 active;
	long		 queued;
	size_t		 pending;	/* once mode: feeds not yet polled */
	int		 closing;
	uint64_t	 rng;		/* jitter; no need for quality */
};

static void arm(struct sched *s, struct sched_feed *f, uint64_t ms);

static struct sched_host *
host_get(struct sched *s, const char *url)
{
	struct sched_host *h;
	char *key = url_host_key(url);
	size_t i;

	if (!key)
		key = xstrdup(url);
	/* Linear: hosts are found once per feed, at add time. */
	for (i = 0; i < s->nhosts; i++) {
		if (!strcmp(s->hosts[i]->key, key)) {
			free(key);
			s->hosts[i]->nfeeds++;
			return s->hosts[i];
		}
	}
	h = xcalloc(1, sizeof(*h));
	h->key = key;
	h->nfeeds = 1;
	s->hosts = xreallocarray(s->hosts, s->nhosts + 1, sizeof(*s->hosts));
	s->hosts[s->nhosts++] = h;
	return h;
}

/* Milliseconds until the feed's host lets it start, 0 for now. */
static uint64_t
host_wait(struct sched *s, struct sched_feed *f)
{
	struct sched_host *h = f->host;
	uint64_t now = uv_now(s->loop), at = 0;

	if (h->blocked_until > now)
		at = h->blocked_until;
	if (s->o.host_spacing > 0 && h->last_start &&
	    h->last_start + (uint64_t)s->o.host_spacing * 1000 > now &&
	    h->last_start + (uint64_t)s->o.host_spacing * 1000 > at)
		at = h->last_start + (uint64_t)s->o.host_spacing * 1000;
	return at > now ? at - now : 0;
}

static void
start_or_queue(struct sched *s, struct sched_feed *f)
{
	uint64_t wait;

	if (s->closing || f->disabled || f->removed)
		return;
	wait = host_wait(s, f);
	if (wait) {
		arm(s, f, wait);
		return;
	}
	if (s->active < s->o.max_active) {
		f->state = F_ACTIVE;
		f->host->last_start = uv_now(s->loop);
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
	s->queued++;
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

	f->state = F_WAITING;
	f->due = uv_now(s->loop) + ms;
	rc = uv_timer_start(&f->timer, due_cb, ms, 0);
	if (rc)
		log_warnx("sched feed=\"%s\": uv_timer_start: %s", f->name,
		    uv_strerror(rc));
}

struct sched *
sched_new(uv_loop_t *loop, const struct sched_opts *o, sched_run_cb *run,
    sched_idle_cb *idle, void *arg)
{
	struct sched *s;

	s = xcalloc(1, sizeof(*s));
	s->loop = loop;
	s->run = run;
	s->idle = idle;
	s->arg = arg;
	s->rng = uv_hrtime() | 1;
	sched_set_opts(s, o);
	return s;
}

void
sched_set_opts(struct sched *s, const struct sched_opts *o)
{
	s->o = *o;
	if (s->o.max_active < 1)
		s->o.max_active = 1;
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
	f->host = host_get(s, f->url);
	s->all = xreallocarray(s->all, s->nall + 1, sizeof(*s->all));
	s->all[s->nall++] = f;
	/* A disabled feed (410 Gone) waits for nothing and for nobody. */
	if (f->disabled) {
		f->state = F_IDLE;
		return 0;
	}
	s->pending++;
	arm(s, f, delay_ms);
	return 0;
}

void
sched_enable(struct sched *s, struct sched_feed *f)
{
	/* Idle (never armed) or waiting: arm it; a running poll re-arms
	 * itself when it ends. */
	if (f->state == F_IDLE || f->state == F_WAITING ||
	    f->state == F_DONE)
		arm(s, f, 0);
}

void
sched_check_idle(struct sched *s)
{
	if (s->o.once && s->pending == 0 && s->active == 0 && s->idle)
		s->idle(s->arg);
}

static uint64_t
jitter(struct sched *s, uint64_t ms)
{
	/* xorshift64: spreads re-polls over +-15 % of the interval. */
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	if (ms < 20)
		return ms;
	return ms - ms * 15 / 100 + s->rng % (ms * 30 / 100 + 1);
}

static uint64_t
next_delay(struct sched *s, struct sched_feed *f,
    const struct sched_outcome *o)
{
	int64_t secs, cap = s->o.max_interval;
	uint64_t ms;
	long i;

	if (o->ok) {
		secs = o->interval > 0 ? o->interval : (f->interval ?
		    f->interval : s->o.interval);
		if (secs < s->o.min_interval)
			secs = s->o.min_interval;
	} else {
		/* Exponential backoff from min_interval: 5m, 10m, 20m ... */
		secs = s->o.min_interval;
		for (i = 1; i < f->failures && secs < cap; i++)
			secs *= 2;
	}
	if (secs > cap)
		secs = cap;
	ms = jitter(s, (uint64_t)secs * 1000);
	/* Retry-After is a floor the server set: never jitter below it,
	 * and it was clamped to [60 s, 24 h] already. */
	if (o->retry_after > 0 && ms < (uint64_t)o->retry_after * 1000)
		ms = (uint64_t)o->retry_after * 1000;
	return ms;
}

static void
feed_close_cb(uv_handle_t *h)
{
	struct sched_feed *f = h->data;

	sched_feed_fini(f);
	free(f);
}

static void
drop(struct sched *s, struct sched_feed *f)
{
	size_t i;

	for (i = 0; i < s->nall; i++) {
		if (s->all[i] == f) {
			s->all[i] = s->all[--s->nall];
			break;
		}
	}
	f->host->nfeeds--;
	uv_timer_stop(&f->timer);
	uv_close((uv_handle_t *)&f->timer, feed_close_cb);
}

static void
unqueue(struct sched *s, struct sched_feed *f)
{
	struct sched_feed **pp;

	for (pp = &s->qhead; *pp; pp = &(*pp)->qnext) {
		if (*pp == f) {
			*pp = f->qnext;
			s->queued--;
			break;
		}
	}
	s->qtail = NULL;
	for (pp = &s->qhead; *pp; pp = &(*pp)->qnext)
		s->qtail = *pp;
}

void
sched_remove(struct sched *s, struct sched_feed *f)
{
	f->removed = 1;
	if (f->state == F_QUEUED)
		unqueue(s, f);
	/* Once mode: a feed removed before its poll no longer counts. */
	if (s->o.once && f->state != F_ACTIVE && f->state != F_DONE)
		s->pending--;
	if (f->state != F_ACTIVE)
		drop(s, f);
	/* Else sched_done() drops it when its poll ends. */
}

void
sched_done(struct sched *s, struct sched_feed *f, const struct sched_outcome *o)
{
	struct sched_feed *q;
	uint64_t now = uv_now(s->loop);

	s->active--;
	f->state = F_DONE;
	if (o->retry_after > 0 && o->host_wide) {
		uint64_t until = now + (uint64_t)o->retry_after * 1000;

		if (until > f->host->blocked_until) {
			f->host->blocked_until = until;
			log_info("host %s asked to come back in %lds",
			    f->host->key, o->retry_after);
		}
	}
	if (f->removed)
		drop(s, f);
	else if (s->o.once)
		s->pending--;
	else if (!s->closing && !f->disabled)
		arm(s, f, next_delay(s, f, o));
	while (!s->closing && s->qhead && s->active < s->o.max_active) {
		q = s->qhead;
		s->qhead = q->qnext;
		if (!s->qhead)
			s->qtail = NULL;
		s->queued--;
		start_or_queue(s, q);
	}
	if (s->o.once && s->pending == 0 && s->active == 0 && s->idle)
		s->idle(s->arg);
}

long
sched_poll_now(struct sched *s, struct sched_feed *f)
{
	long n = 0;
	size_t i;

	for (i = 0; i < s->nall; i++) {
		struct sched_feed *g = s->all[i];

		if ((f && g != f) || g->disabled || g->state != F_WAITING)
			continue;
		arm(s, g, 0);
		n++;
	}
	return n;
}

void
sched_stats(const struct sched *s, struct sched_stats *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < s->nall; i++) {
		const struct sched_feed *f = s->all[i];

		st->total++;
		if (f->disabled)
			st->disabled++;
		else if (f->failures >= 2)
			st->backing_off++;
		else if (f->failures == 1)
			st->failing++;
		else if (!f->last_poll)
			st->fresh++;
		else
			st->ok++;
	}
	st->active = s->active;
	st->queued = s->queued;
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
	s->queued = 0;
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
	/* The feeds go with their timers (freed in the close callback). */
	for (i = 0; i < s->nall; i++)
		uv_close((uv_handle_t *)&s->all[i]->timer, feed_close_cb);
	for (i = 0; i < s->nhosts; i++) {
		free(s->hosts[i]->key);
		free(s->hosts[i]);
	}
	free(s->hosts);
	free(s->all);
	free(s);
}

void
sched_feed_fini(struct sched_feed *f)
{
	free(f->url);
	free(f->conf_url);
	free(f->name);
	free(f->etag);
	free(f->last_modified);
	free(f->body_hash);
	free(f->moved_to);
	free(f->last_error);
}
