/*
 * pipeline.h: one poll of one feed from fetch to commit.
 *
 *   fetch (loop) -> hash, parse, identify, tag (thread pool, in parallel)
 *   -> store (the writer's own thread, one batch at a time on the one
 *   writer connection)
 *   -> done (loop): validators and failure count updated, feed re-armed.
 *
 * The only module besides main.c that calls into every layer.
 */
#ifndef HERALD_DAEMON_PIPELINE_H
#define HERALD_DAEMON_PIPELINE_H

#include <stddef.h>

#include <uv.h>

struct ckpt;
struct conf;
struct fetcher;
struct pipeline;
struct sched_feed;
struct sched_outcome;
struct store;
struct topic_set;

/* A poll ended. Runs on the loop thread. */
typedef void pipeline_done_cb(struct sched_feed *f,
    const struct sched_outcome *o, void *arg);

/*
 * Returns a new pipeline. fetch, writer and topics are borrowed and must
 * outlive it; writer is used only from one thread-pool job at a time.
 */
struct pipeline	*pipeline_new(uv_loop_t *loop, struct fetcher *fetch,
		    struct store *writer, const struct topic_set *topics,
		    pipeline_done_cb *done, void *arg);
/* Polls f; done() runs exactly once, later. */
void		 pipeline_run(struct pipeline *p, struct sched_feed *f);
/*
 * Topics for polls started from now on; the caller keeps the old set
 * alive until pipeline_busy() has been 0 once (or until exit).
 */
void		 pipeline_set_topics(struct pipeline *p,
		    const struct topic_set *topics);
/*
 * Runs retention (store_prune with the policy of c) on the writer, after
 * the documents already queued. c must stay alive until it has run, i.e.
 * until pipeline_busy() drops; the daemon keeps retired configurations.
 */
void		 pipeline_prune(struct pipeline *p, const struct conf *c);
/* Polls that ended, and the time the last one did (wall clock, 0). */
long		 pipeline_polls(const struct pipeline *p);
long long	 pipeline_last_poll(const struct pipeline *p);
/* Items stored minus items pruned since the pipeline started. */
long long	 pipeline_items_delta(const struct pipeline *p);
/* Time the writer spent committing (wall, CPU), in how many batches. */
void		 pipeline_writer_stats(const struct pipeline *p,
		    double *seconds, double *cpu, long *batches);
/* Jobs between fetch and done. */
size_t		 pipeline_busy(const struct pipeline *p);
/* Called once when busy drops to 0 after pipeline_drain() was asked. */
void		 pipeline_drain(struct pipeline *p, void (*cb)(void *),
		    void *arg);
/*
 * The writer wakes c when a commit leaves the WAL large (daemon/ckpt.h);
 * c must outlive the pipeline's writer thread (pipeline_close()).
 */
void		 pipeline_set_ckpt(struct pipeline *p, struct ckpt *c);
/*
 * on: the writer merges the full-text index once it has had nothing to
 * store for a moment (a daemon; --once leaves that to FTS5's own crisis
 * merges). pipeline_merges(): merge steps that did work so far.
 */
void		 pipeline_set_idle_merge(struct pipeline *p, int on);
long		 pipeline_merges(struct pipeline *p);
/*
 * Once drained: joins the writer thread and closes the pipeline's handle
 * (its close callback runs on the loop, so call before the loop ends).
 */
void		 pipeline_close(struct pipeline *p);
/* After the loop has closed; joins the writer if pipeline_close() was not. */
void		 pipeline_free(struct pipeline *p);

#endif
