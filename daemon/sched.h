/*
 * sched.h: when each feed is polled. One uv_timer per feed; feeds that
 * fall due while max_active are running wait in a FIFO. After each poll
 * the feed is re-armed at its interval, or backed off exponentially after
 * failures (capped at max_interval), with jitter so that feeds added
 * together do not stay in lock-step. Loop thread only.
 */
#ifndef HERALD_DAEMON_SCHED_H
#define HERALD_DAEMON_SCHED_H

#include <stdint.h>

#include <uv.h>

struct sched;

/* The daemon's state of one feed. Strings owned by the struct. */
struct sched_feed {
	int64_t		 id;		/* the store's feed id */
	char		*url;
	char		*name;
	int64_t		 interval;	/* seconds */
	char		*etag;		/* validators of the last stored body */
	char		*last_modified;
	char		*body_hash;
	long		 failures;	/* consecutive */
	/* private to sched */
	struct sched	*s;
	uv_timer_t	 timer;
	struct sched_feed *qnext;
	int		 state;
};

/* Starts polling f; the callee calls sched_done() exactly once later. */
typedef void sched_run_cb(struct sched_feed *f, void *arg);
/* In once mode: every feed has been polled once. */
typedef void sched_idle_cb(void *arg);

struct sched_opts {
	long	max_active;
	int64_t	min_interval;	/* seconds */
	int64_t	max_interval;
	int	once;		/* poll each feed once, then call idle */
};

/* Returns a new scheduler or NULL; free with sched_close(). */
struct sched	*sched_new(uv_loop_t *loop, const struct sched_opts *o,
		    sched_run_cb *run, sched_idle_cb *idle, void *arg);
/* Takes f (owned by the caller, which keeps it alive until sched_close's
 * handles are closed) and makes it due after delay_ms. */
int		 sched_add(struct sched *s, struct sched_feed *f,
		    uint64_t delay_ms);
/*
 * A poll of f has ended. ok: it succeeded (failures reset by the caller).
 * retry_after: seconds the server asked for, or 0.
 */
void		 sched_done(struct sched *s, struct sched_feed *f, int ok,
		    long retry_after);
/* Makes every feed due now (refresh). */
void		 sched_poll_all(struct sched *s);
/* Stops scheduling: nothing new starts; polls in progress may end. */
void		 sched_stop(struct sched *s);
/* Closes the timers and frees s; only once no poll is in progress. */
void		 sched_close(struct sched *s);
long		 sched_active(const struct sched *s);

#endif
