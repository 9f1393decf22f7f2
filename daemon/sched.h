/*
 * sched.h: when each feed is polled, and politeness per host.
 *
 * One uv_timer per feed. A feed that falls due waits (FIFO) while
 * max_active polls run, while its host is inside its minimum spacing, or
 * while the host asked everyone to come back later (Retry-After on a 429
 * or 503). After each poll the feed is re-armed: on success after the
 * interval the pipeline computed (publishing rate, server hints), clamped
 * to [min_interval, max_interval]; after failures with an exponential
 * backoff capped at max_interval; always with +-15 % jitter so that feeds
 * started together drift apart. Loop thread only.
 */
#ifndef HERALD_DAEMON_SCHED_H
#define HERALD_DAEMON_SCHED_H

#include <stdint.h>

#include <uv.h>

struct sched;
struct sched_host;

/* What the daemon knows of one feed. Strings owned by the struct. */
struct sched_feed {
	int64_t		 id;		/* the store's feed id */
	char		*url;		/* what is fetched (may have moved) */
	char		*conf_url;	/* as configured */
	char		*name;
	int64_t		 interval;	/* seconds; 0: adapt to the feed */
	char		*etag;		/* validators of the last stored body */
	char		*last_modified;
	char		*body_hash;
	long		 failures;	/* consecutive */
	int64_t		 adaptive;	/* seconds learnt from the feed, 0 */
	char		*moved_to;	/* permanent redirect target seen */
	int		 moved_count;	/* consecutive polls that saw it */
	int		 disabled;	/* 410 Gone: no more polls */
	int		 removed;	/* dropped by a reload; freed when idle */
	int		 needs_sync;	/* name changed: rewrite the store row */
	int64_t		 last_ok;	/* wall clock of the last success */
	int64_t		 ok_stored;	/* wall clock the store last recorded one */
	int64_t		 last_poll;	/* wall clock of the last poll end */
	char		*last_error;
	/* private to sched */
	struct sched	*s;
	struct sched_host *host;
	uv_timer_t	 timer;
	struct sched_feed *qnext;
	int		 state;
	uint64_t	 due;		/* uv_now of the next poll */
};

/* How a poll ended, for the next one. */
struct sched_outcome {
	int		 ok;
	int64_t		 interval;	/* seconds wanted until the next poll */
	long		 retry_after;	/* seconds; 0 none */
	int		 host_wide;	/* retry_after applies to the host */
};

typedef void sched_run_cb(struct sched_feed *f, void *arg);
typedef void sched_idle_cb(void *arg);

struct sched_opts {
	long	max_active;
	int64_t	min_interval;	/* seconds */
	int64_t	max_interval;
	int64_t	interval;	/* default */
	int64_t	host_spacing;	/* seconds between two starts on a host */
	int	once;		/* poll each feed once, then call idle */
};

struct sched_stats {
	long	total, fresh, ok, failing, backing_off, disabled;
	long	active, queued;
};

struct sched	*sched_new(uv_loop_t *loop, const struct sched_opts *o,
		    sched_run_cb *run, sched_idle_cb *idle, void *arg);
/* Takes part in scheduling f (kept alive by the caller) after delay_ms. */
int		 sched_add(struct sched *s, struct sched_feed *f,
		    uint64_t delay_ms);
/*
 * Stops polling f and frees it (sched_feed_fini + free, in its timer's
 * close callback): now, or when its running poll ends. f must have been
 * allocated with malloc.
 */
void		 sched_remove(struct sched *s, struct sched_feed *f);
/* f was disabled and is enabled again: poll it now. */
void		 sched_enable(struct sched *s, struct sched_feed *f);
/* Once mode: calls idle now if nothing is left to poll (all disabled). */
void		 sched_check_idle(struct sched *s);
/* A poll of f has ended. */
void		 sched_done(struct sched *s, struct sched_feed *f,
		    const struct sched_outcome *o);
/* Makes f (or every feed, f NULL) due now. Returns feeds scheduled. */
long		 sched_poll_now(struct sched *s, struct sched_feed *f);
void		 sched_set_opts(struct sched *s, const struct sched_opts *o);
void		 sched_stats(const struct sched *s, struct sched_stats *st);
/* Stops scheduling: nothing new starts; polls in progress may end. */
void		 sched_stop(struct sched *s);
/* Closes every timer and frees s; only once no poll is in progress. */
void		 sched_close(struct sched *s);
long		 sched_active(const struct sched *s);

/* Frees a feed's strings (not the struct). */
void		 sched_feed_fini(struct sched_feed *f);

#endif
