#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/retention.h"
#include "daemon/ckpt.h"
#include "daemon/fetch.h"
#include "daemon/log.h"
#include "daemon/prio.h"
#include "daemon/sched.h"
#include "feeds/date.h"
#include "feeds/err.h"
#include "feeds/hash.h"
#include "feeds/item.h"
#include "feeds/parse.h"
#include "feeds/text.h"
#include "feeds/topic.h"
#include "feeds/xmem.h"
#include "store/store.h"
#include "store/tag_store.h"

enum job_kind {
	JOB_ERROR,		/* nothing to store but the error */
	JOB_NOTMOD,		/* 304 */
	JOB_BODY,		/* 2xx: hash, then parse unless unchanged */
	JOB_UNCHANGED,		/* body hash equals the stored one */
	JOB_DOC,		/* parsed: commit items */
	JOB_PRUNE,		/* retention, no feed */
};

struct job {
	struct pipeline	*p;
	struct sched_feed *f;
	uv_work_t	 work;
	struct job	*next;		/* writer queue */
	enum job_kind	 kind;
	long		 status;
	long		 retry_after;
	long		 max_age;	/* server freshness hint, -1 */
	int64_t		 ttl;		/* the document's <ttl>/sy:*, -1 */
	int64_t		 rate;		/* interval from the publishing rate */
	int		 permanent;	/* every redirect was permanent */
	long		 redirects;
	const struct topic_set *topics;	/* as when the poll started */
	char		*error;
	char		*body;
	size_t		 len;
	char		*ctype;
	char		*etag;
	char		*last_modified;
	char		*final_url;
	char		*old_hash;	/* copy of f->body_hash */
	char		 hash[HASH_HEX_LEN + 1];
	struct feed_doc	*doc;
	struct topic_result *tags;
	struct store_commit_stats stats;
	int		 rc;
	struct herald_err err;
	uint64_t	 t0;
	int		 sync;		/* register the feed first (new/renamed) */
	int		 written;	/* went through the writer */
	char		*moved_url;	/* record this permanent move */
	int		 conditional;	/* the request carried validators */
	const struct conf *conf;	/* JOB_PRUNE: the limits */
	struct store_prune_stats pruned;
	char		*sync_url;
	char		*sync_name;
	int64_t		 feed_id;	/* the store's id, known or registered */
};

struct pipeline {
	uv_loop_t	*loop;
	struct fetcher	*fetch;
	struct store	*writer;
	struct ckpt	*ckpt;		/* may be NULL: the writer checkpoints */
	const struct topic_set *topics;
	long		 polls;
	long long	 last_poll;
	long long	 items_delta;	/* inserted minus pruned, this run */
	uint64_t	 writer_ns;	/* time the writer spent in batches */
	uint64_t	 writer_cpu_ns;
	long		 batches;
	pipeline_done_cb *done;
	void		*arg;
	struct job	*wq_head, *wq_tail;
	struct job	*pq_head, *pq_tail;	/* waiting to be parsed */
	int		 parsing;
	int		 parse_max;
	int		 writing;
	/* The writer thread (writer_thread()) and its hand-over. */
	uv_thread_t	 wthread;
	uv_mutex_t	 wmu;
	uv_cond_t	 wcond;
	uv_async_t	 wasync;	/* a batch is done */
	struct batch	*wtodo;		/* for the thread, under wmu */
	struct batch	*wdone;		/* for the loop, under wmu */
	int		 wstop;		/* under wmu */
	/* Index merges when idle (merge_step()); all under wmu. */
	int		 merge_idle;	/* allowed: not --once */
	int		 merge_due;	/* a batch committed since the last */
	long		 merges;	/* steps that merged something */
	int		 merge_rc;	/* a failed step, for the loop to log */
	char		 merge_msg[256];
	int		 wrunning;	/* the thread was started, not joined */
	int		 wopen;		/* wasync is open */
	size_t		 busy;
	void		(*drain_cb)(void *);
	void		*drain_arg;
};

/* Calls the drain callback once, when the last job has ended. */
static void
maybe_drained(struct pipeline *p)
{
	void (*cb)(void *) = p->drain_cb;

	if (p->busy || !cb)
		return;
	p->drain_cb = NULL;
	cb(p->drain_arg);
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* Frees the parsed document and its tags (thousands of small blocks for
 * a big feed: done on a worker thread, not the loop). */
static void
job_release_doc(struct job *j)
{
	size_t i;

	if (j->tags) {
		for (i = 0; j->doc && i < j->doc->nitems; i++)
			topic_result_fini(&j->tags[i]);
		free(j->tags);
		j->tags = NULL;
	}
	feed_doc_free(j->doc);
	j->doc = NULL;
}

static void
job_free(struct job *j)
{
	job_release_doc(j);
	free(j->error);
	free(j->body);
	free(j->ctype);
	free(j->etag);
	free(j->last_modified);
	free(j->final_url);
	free(j->old_hash);
	free(j->sync_url);
	free(j->sync_name);
	free(j->moved_url);
	free(j);
}

/* Replaces *dst with a copy of src when src is given. */
static void
keep(char **dst, const char *src)
{
	if (!src)
		return;
	free(*dst);
	*dst = xstrdup(src);
}

static void
log_outcome(struct job *j, int ok)
{
	struct sched_feed *f = j->f;
	char *name = text_term_safe(f->name);
	char *msg = j->error ? text_term_safe(j->error) : NULL;
	unsigned long ms = (unsigned long)((uv_hrtime() - j->t0) / 1000000);

	if (!ok && f->failures == 1)
		log_warnx("fetch-failed feed=\"%s\" url=%s error=\"%s\"", name,
		    f->url, msg);
	else if (!ok)
		log_debug("fetch-failed feed=\"%s\" url=%s failures=%ld error=\"%s\"", name,
		    f->url, f->failures, msg);
	else if (j->kind == JOB_DOC)
		log_info("store feed=\"%s\" items=%zu new=%zu updated=%zu "
		    "unchanged=%zu sources=%zu tagged=%zu ms=%lu", name,
		    j->stats.items, j->stats.inserted, j->stats.updated,
		    j->stats.unchanged, j->stats.sources, j->stats.tagged, ms);
	else
		log_debug("fetch feed=\"%s\" result=%s ms=%lu", name,
		    j->kind == JOB_NOTMOD ? "not-modified" : "unchanged", ms);
	free(name);
	free(msg);
}

/*
 * The interval the next poll should wait after a success: learnt from how
 * often the feed publishes, raised by what the server and the document say
 * (Cache-Control/Expires, <ttl>, sy:updatePeriod). sched clamps it.
 */
static int64_t
next_interval(struct job *j)
{
	struct sched_feed *f = j->f;
	int64_t secs;

	if (j->rate > 0)
		f->adaptive = j->rate;
	/* A configured per-feed interval is a fixed choice: no learning. */
	secs = f->interval ? f->interval : f->adaptive;
	if (j->ttl > secs)
		secs = j->ttl;
	if (j->max_age > secs)
		secs = j->max_age;
	return secs;
}

/*
 * A feed that answered through permanent redirects (301/308 only) on
 * PIPELINE_MOVED_POLLS consecutive polls to the same place has moved:
 * poll the new URL from now on. One stray 301 changes nothing.
 */
#define PIPELINE_MOVED_POLLS	3

static void
track_moves(struct job *j)
{
	struct sched_feed *f = j->f;

	if (!j->permanent || !j->final_url || !strcmp(j->final_url, f->url)) {
		free(f->moved_to);
		f->moved_to = NULL;
		f->moved_count = 0;
		return;
	}
	if (f->moved_to && !strcmp(f->moved_to, j->final_url))
		f->moved_count++;
	else {
		free(f->moved_to);
		f->moved_to = xstrdup(j->final_url);
		f->moved_count = 1;
	}
	if (f->moved_count >= PIPELINE_MOVED_POLLS) {
		log_warnx("feed-moved feed=\"%s\" from=%s to=%s (update the "
		    "feeds list)", f->name, f->url, f->moved_to);
		free(f->url);
		f->url = f->moved_to;
		f->moved_to = NULL;
		f->moved_count = 0;
		/* The old validators belong to the old URL; the writer
		 * records the move (and drops them) with this poll. */
		free(f->etag);
		free(f->last_modified);
		f->etag = f->last_modified = NULL;
		j->moved_url = xstrdup(f->url);
	}
}

static void
job_done(struct job *j)
{
	struct pipeline *p = j->p;
	struct sched_feed *f = j->f;
	struct sched_outcome o;
	int ok = j->kind != JOB_ERROR && j->rc == 0;

	memset(&o, 0, sizeof(o));
	if (j->kind == JOB_PRUNE) {
		if (j->rc)
			log_warnx("retention failed: %s", j->err.msg);
		else {
			log_info("retention deleted=%zu tombstones=%zu",
			    j->pruned.deleted, j->pruned.tombstones);
			p->items_delta -= (long long)j->pruned.deleted;
		}
		job_free(j);
		p->busy--;
		maybe_drained(p);
		return;
	}
	if (j->rc && !j->error)
		j->error = xstrdup(j->err.msg);
	if (j->sync && j->feed_id) {
		f->id = j->feed_id;
		f->needs_sync = 0;
	}
	f->last_poll = (int64_t)time(NULL);
	if (ok) {
		if (f->failures)
			log_info("feed-recovered feed=\"%s\" failures=%ld",
			    f->name, f->failures);
		f->failures = 0;
		f->last_ok = f->last_poll;
		free(f->last_error);
		f->last_error = NULL;
		/* The store committed these with the items: mirror them. */
		keep(&f->etag, j->etag);
		keep(&f->last_modified, j->last_modified);
		if (j->kind == JOB_DOC)
			keep(&f->body_hash, j->hash);
		o.interval = next_interval(j);
		if (j->written)
			f->ok_stored = f->last_ok;
	} else {
		f->failures++;
		keep(&f->last_error, j->error);
		if (j->status == 410) {
			/* RFC 9110 §15.5.11: gone for good; stop asking. */
			f->disabled = 1;
			log_warnx("feed-disabled feed=\"%s\" url=%s reason=\"410 Gone\"",
			    f->name, f->url);
		}
	}
	if (j->retry_after > 0 && (j->status == 429 || j->status == 503)) {
		/* Clamp to [60 s, 24 h] (RELIABILITY §8.2); the whole host. */
		o.retry_after = j->retry_after < 60 ? 60 :
		    j->retry_after > 86400 ? 86400 : j->retry_after;
		o.host_wide = 1;
	}
	o.ok = ok;
	if (ok && j->kind == JOB_DOC)
		p->items_delta += (long long)j->stats.inserted;
	log_outcome(j, ok);
	job_free(j);
	p->busy--;
	p->polls++;
	p->last_poll = (long long)f->last_poll;
	p->done(f, &o, p->arg);
	maybe_drained(p);
}

/* ---- the writer: one batch at a time on the one connection ---- */

/*
 * Group commit (design §5): every document waiting when the writer is
 * free shares one transaction, so the fsync that synchronous=FULL costs is
 * paid once per batch, not once per feed. Each document still commits
 * with its own validators (a savepoint inside the group), and nothing is
 * reported stored before the group's COMMIT returned.
 */
#define PIPELINE_GROUP_MAX	128

/* The checkpointer is woken once the WAL holds this many pages (SQLite's
 * own default for wal_autocheckpoint). */
#define PIPELINE_CKPT_FRAMES	1000

/*
 * Full-text index merges (store_fts_merge(), schema v6) wait until no
 * batch has come for this long: between two batches of a burst the loop
 * needs a moment to hand the next one over, and a merge started there
 * would put back into the burst the work v6 took out of it. Each step
 * writes about this many pages (a few tens of ms), so a batch arriving
 * during one waits for that step only.
 */
#define PIPELINE_MERGE_IDLE_NS	(200 * 1000000ull)
#define PIPELINE_MERGE_PAGES	128

struct batch {
	uv_work_t	 work;
	struct pipeline	*p;
	struct job	*head;		/* jobs in queue order */
	int		 rc;		/* the group's begin/commit */
	uint64_t	 ns;		/* how long the batch took */
	uint64_t	 cpu_ns;	/* of which on the CPU */
	struct herald_err err;
};

static void writer_next(struct pipeline *p);

static void
write_one(struct job *j)
{
	struct store_fetch sf;

	j->written = 1;
	if (j->kind == JOB_PRUNE) {
		struct store_prune_policy pol;
		struct store_prune_feed *pf = NULL;

		conf_prune_policy(j->conf, &pol, &pf);
		j->rc = store_prune(j->p->writer, &pol, (int64_t)time(NULL),
		    &j->pruned, &j->err);
		free(pf);
		return;
	}
	if (j->sync) {
		/* A feed added by a reload: its row is made in this batch. */
		j->rc = store_feed_sync(j->p->writer, j->sync_url,
		    j->sync_name, &j->feed_id, &j->err);
		if (j->rc)
			return;
	}
	memset(&sf, 0, sizeof(sf));
	sf.feed_id = j->feed_id;
	sf.now = (int64_t)time(NULL);
	sf.http_status = j->status;
	sf.error = j->kind == JOB_ERROR ? j->error : NULL;
	if (j->kind != JOB_ERROR) {
		sf.etag = j->etag;
		sf.last_modified = j->last_modified;
		sf.body_hash = j->kind == JOB_DOC ? j->hash : NULL;
	}
	if (j->kind == JOB_DOC)
		j->rc = store_doc_commit(j->p->writer, &sf, j->doc, j->tags,
		    &j->stats, &j->err);
	else
		j->rc = store_feed_result(j->p->writer, &sf, &j->err);
	/* What the poller learnt, kept across restarts. */
	if (!j->rc && j->moved_url)
		j->rc = store_feed_move(j->p->writer, j->feed_id, j->moved_url,
		    &j->err);
	if (j->status == 410 && store_feed_disable(j->p->writer, j->feed_id,
	    "410 Gone", &j->err))
		j->rc = j->rc ? j->rc : HERALD_E_DB;
}

static void
batch_work_cb(uv_work_t *w)
{
	struct batch *b = w->data;
	struct job *j;
	uint64_t t0 = uv_hrtime();
	struct timespec c0, c1;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	b->rc = store_begin(b->p->writer, &b->err);
	if (b->rc)
		return;
	for (j = b->head; j; j = j->next)
		write_one(j);
	b->rc = store_commit(b->p->writer, &b->err);
	if (b->rc)
		store_rollback(b->p->writer);
	else if (store_wal_frames(b->p->writer) >= PIPELINE_CKPT_FRAMES)
		ckpt_kick(b->p->ckpt);
	for (j = b->head; j; j = j->next)
		job_release_doc(j);
	b->ns = uv_hrtime() - t0;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	b->cpu_ns = (uint64_t)(c1.tv_sec - c0.tv_sec) * 1000000000u +
	    (uint64_t)(c1.tv_nsec - c0.tv_nsec);
}

static void
batch_after_cb(uv_work_t *w, int status)
{
	struct batch *b = w->data;
	struct pipeline *p = b->p;
	struct job *j, *next;

	if (status)
		b->rc = herald_err_set(&b->err, HERALD_E_IO,
		    "store batch cancelled");
	if (b->rc)
		log_warnx("store: group of documents not committed: %s",
		    b->err.msg);
	p->writing = 0;
	p->writer_ns += b->ns;
	p->writer_cpu_ns += b->cpu_ns;
	p->batches++;
	for (j = b->head; j; j = next) {
		next = j->next;
		/* A failed group commit un-stores every document in it. */
		if (b->rc && !j->rc) {
			j->rc = b->rc;
			j->err = b->err;
		}
		if (j->rc && j->rc != b->rc)
			log_warnx("store feed=\"%s\": %s", j->f ? j->f->name :
			    "-",
			    j->err.msg);
		job_done(j);
	}
	free(b);
	writer_next(p);
}

/*
 * One step of index merging on the writer thread, when it has been idle
 * (writer_thread()). A failure stops the merging until the next batch
 * and is handed to the loop to log: the index stays correct, only more
 * fragmented, and FTS5 still merges at its crisis threshold.
 */
static void
merge_step(struct pipeline *p)
{
	struct herald_err err;
	int rc, worked = 0;

	rc = store_fts_merge(p->writer, PIPELINE_MERGE_PAGES, &worked, &err);
	if (!rc && store_wal_frames(p->writer) >= PIPELINE_CKPT_FRAMES)
		ckpt_kick(p->ckpt);
	uv_mutex_lock(&p->wmu);
	if (rc || !worked)
		p->merge_due = 0;
	if (worked)
		p->merges++;
	if (rc) {
		p->merge_rc = rc;
		snprintf(p->merge_msg, sizeof(p->merge_msg), "%s", err.msg);
	}
	uv_mutex_unlock(&p->wmu);
	if (rc)
		uv_async_send(&p->wasync);
}

/*
 * The writer has a thread of its own rather than a turn in libuv's pool:
 * it is the stage that cannot run in parallel, so it must never wait for
 * a core behind the parse jobs. The pool threads lower their priority
 * when they parse (prio_background()), and this one keeps the daemon's.
 * Measured on 2 CPUs: sharing the pool, the writer got two thirds of a
 * core and was busy 1.1 s longer than its CPU time in a cold poll of
 * 1000 feeds. One batch at a time: p->writing guards the hand-over.
 * Idle for PIPELINE_MERGE_IDLE_NS after a batch (and in a daemon, not
 * --once), it merges the full-text index a step at a time until nothing
 * is left or a batch comes.
 */
static void
writer_thread(void *arg)
{
	struct pipeline *p = arg;
	struct batch *b;
	int idle = 0, merge;

	/* Named for top -H, perf and /proc: "which thread is busy?" */
	prio_name("heraldd-writer");
	for (;;) {
		uv_mutex_lock(&p->wmu);
		while (!p->wtodo && !p->wstop && !(idle && p->merge_due)) {
			if (p->merge_idle && p->merge_due) {
				if (uv_cond_timedwait(&p->wcond, &p->wmu,
				    PIPELINE_MERGE_IDLE_NS) == UV_ETIMEDOUT)
					idle = 1;
			} else
				uv_cond_wait(&p->wcond, &p->wmu);
		}
		b = p->wtodo;
		p->wtodo = NULL;
		merge = !b && !p->wstop;
		uv_mutex_unlock(&p->wmu);
		if (b) {
			idle = 0;
			batch_work_cb(&b->work);
			uv_mutex_lock(&p->wmu);
			p->wdone = b;
			if (!b->rc)
				p->merge_due = 1;
			uv_mutex_unlock(&p->wmu);
			uv_async_send(&p->wasync);
			continue;
		}
		if (!merge)
			break;
		merge_step(p);
	}
}

/* On the loop: a batch came back from the writer thread. */
static void
writer_done_cb(uv_async_t *a)
{
	struct pipeline *p = a->data;
	struct batch *b;
	char msg[sizeof(p->merge_msg)];
	int merge_rc;

	uv_mutex_lock(&p->wmu);
	b = p->wdone;
	p->wdone = NULL;
	merge_rc = p->merge_rc;
	p->merge_rc = 0;
	memcpy(msg, p->merge_msg, sizeof(msg));
	uv_mutex_unlock(&p->wmu);
	if (merge_rc)
		log_warnx("store: merging the search index: %s", msg);
	if (!b)
		return;
	/* Idle again: the handle no longer keeps the loop alive. */
	uv_unref((uv_handle_t *)&p->wasync);
	batch_after_cb(&b->work, 0);
}

/* Stops and joins the writer thread; it must be idle (drained). */
static void
writer_stop(struct pipeline *p)
{
	if (!p->wrunning)
		return;
	uv_mutex_lock(&p->wmu);
	p->wstop = 1;
	uv_cond_signal(&p->wcond);
	uv_mutex_unlock(&p->wmu);
	uv_thread_join(&p->wthread);
	p->wrunning = 0;
}

static void
writer_next(struct pipeline *p)
{
	struct batch *b;
	struct job **tail;
	int n = 0;

	if (p->writing || !p->wq_head)
		return;
	b = xcalloc(1, sizeof(*b));
	b->p = p;
	b->work.data = b;
	tail = &b->head;
	while (p->wq_head && n < PIPELINE_GROUP_MAX) {
		*tail = p->wq_head;
		p->wq_head = p->wq_head->next;
		tail = &(*tail)->next;
		n++;
	}
	*tail = NULL;
	if (!p->wq_head)
		p->wq_tail = NULL;
	if (!p->wrunning || !p->wopen) {
		b->rc = herald_err_set(&b->err, HERALD_E_IO,
		    "the store writer is not running");
		batch_after_cb(&b->work, 0);
		return;
	}
	p->writing = 1;
	/* A batch in flight keeps the loop running until it is back. */
	uv_ref((uv_handle_t *)&p->wasync);
	uv_mutex_lock(&p->wmu);
	p->wtodo = b;
	uv_cond_signal(&p->wcond);
	uv_mutex_unlock(&p->wmu);
}

static void
writer_push(struct pipeline *p, struct job *j)
{
	j->next = NULL;
	if (p->wq_tail)
		p->wq_tail->next = j;
	else
		p->wq_head = j;
	p->wq_tail = j;
	writer_next(p);
}

/*
 * A 304 or an unchanged body of a healthy feed whose success the store
 * recorded less than PIPELINE_QUIET_SECS ago, with the same validators:
 * nothing to write (issue 3: no parse and no write). The store's
 * last_success is refreshed at most that often.
 */
#define PIPELINE_QUIET_SECS	3600

static int
same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int
quiet_success(const struct job *j)
{
	const struct sched_feed *f = j->f;
	int64_t now = (int64_t)time(NULL);

	return f->failures == 0 && f->ok_stored && !j->sync && !j->moved_url &&
	    now - f->ok_stored < PIPELINE_QUIET_SECS &&
	    (!j->etag || same(j->etag, f->etag)) &&
	    (!j->last_modified || same(j->last_modified, f->last_modified));
}

/* ---- parse: in parallel on the thread pool ---- */

#define PIPELINE_RATE_WINDOW	(14 * 86400)

/*
 * How often the feed publishes, from its items' dates over the last two
 * weeks: poll about once per new item (the mean gap). 0 when the feed
 * gives too few dates to tell. Future dates and old items do not count.
 */
static int64_t
publish_interval(const struct feed_doc *doc, int64_t now)
{
	int64_t oldest = now, t;
	size_t i, n = 0;

	for (i = 0; i < doc->nitems; i++) {
		t = doc->items[i].published != DATE_NONE ?
		    doc->items[i].published : doc->items[i].updated;
		if (t == DATE_NONE || t > now + 3600 ||
		    t < now - PIPELINE_RATE_WINDOW)
			continue;
		n++;
		if (t < oldest)
			oldest = t;
	}
	if (n < 2)
		return n ? PIPELINE_RATE_WINDOW / 2 : 0;
	/* n items in (now - oldest): the mean gap, counting the open one. */
	return (now - oldest) / (int64_t)n;
}

/*
 * The evidence JSON of each tag, made here on a pool thread so that the
 * one writer only binds it. A tag that cannot be formatted is left for
 * the writer, which reports it.
 */
static void
evidence_ahead(struct topic_result *tr)
{
	struct herald_err err;
	size_t i;

	for (i = 0; i < tr->ntags; i++)
		if (store_tag_evidence(&tr->tags[i], &tr->tags[i].evidence,
		    &err))
			tr->tags[i].evidence = NULL;
}

/*
 * Parse jobs run below the writer's priority (writer_thread()): a pool
 * thread that parses gives way to the writer and the loop whenever they
 * want a core, and takes every core nobody else wants. It is never
 * raised again, and the pool runs nothing latency-bound of ours.
 */
static void
parse_work_cb(uv_work_t *w)
{
	struct job *j = w->data;
	struct feed_doc *doc;
	size_t i;

	prio_background("heraldd-parse");
	hash_sha256_hex(j->body, j->len, j->hash);
	if (j->old_hash && !strcmp(j->old_hash, j->hash)) {
		/* Same bytes as the last stored body: no parse, no write. */
		j->kind = JOB_UNCHANGED;
		return;
	}
	doc = feed_parse(j->body, j->len, j->ctype, j->final_url, &j->err);
	if (!doc) {
		char msg[sizeof(j->err.msg) + 16];

		snprintf(msg, sizeof(msg), "parse: %s", j->err.msg);
		j->kind = JOB_ERROR;
		j->error = xstrdup(msg);
		return;
	}
	feed_doc_identify(doc, NULL);
	j->ttl = doc->ttl;
	j->rate = publish_interval(doc, (int64_t)time(NULL));
	j->tags = xcalloc(doc->nitems ? doc->nitems : 1, sizeof(*j->tags));
	for (i = 0; i < doc->nitems; i++) {
		const struct feed_item *it = &doc->items[i];

		if (j->topics)
			topic_set_match(j->topics, it->title, it->summary,
			    it->content, it->published, &j->tags[i]);
		evidence_ahead(&j->tags[i]);
	}
	j->doc = doc;
	j->kind = JOB_DOC;
}

static void parse_next(struct pipeline *p);

static void
parse_after_cb(uv_work_t *w, int status)
{
	struct job *j = w->data;

	j->p->parsing--;
	parse_next(j->p);
	free(j->body);
	j->body = NULL;
	if (status) {
		j->kind = JOB_ERROR;
		free(j->error);
		j->error = xstrdup("parse job cancelled");
	}
	if (j->kind == JOB_UNCHANGED && quiet_success(j)) {
		job_done(j);
		return;
	}
	writer_push(j->p, j);
}

/*
 * At most parse_max documents are parsed at once, one per CPU. The
 * writer is the one stage that cannot run in parallel; parse jobs run
 * below its priority (prio_background()), so they take the cores it leaves.
 * (With parse jobs at the writer's priority it held only a quarter of a
 * core on 2 CPUs with 4 pool threads busy, hence one fewer than the CPUs
 * then; niced, all CPUs parse: cold N=1000 3.2 s -> 2.9 s, medians of 3.)
 */
static void
parse_next(struct pipeline *p)
{
	struct job *j;
	int rc;

	while (p->parsing < p->parse_max && p->pq_head) {
		j = p->pq_head;
		p->pq_head = j->next;
		if (!p->pq_head)
			p->pq_tail = NULL;
		j->next = NULL;
		j->work.data = j;
		rc = uv_queue_work(p->loop, &j->work, parse_work_cb,
		    parse_after_cb);
		if (rc) {
			j->kind = JOB_ERROR;
			j->error = xstrdup(uv_strerror(rc));
			writer_push(p, j);
			continue;
		}
		p->parsing++;
	}
}

static void
parse_push(struct pipeline *p, struct job *j)
{
	j->next = NULL;
	if (p->pq_tail)
		p->pq_tail->next = j;
	else
		p->pq_head = j;
	p->pq_tail = j;
	parse_next(p);
}

/* ---- fetch ---- */

static void
fetched_cb(struct fetch_result *r, void *arg)
{
	struct job *j = arg;
	struct pipeline *p = j->p;

	j->status = r->status;
	j->retry_after = r->retry_after;
	j->max_age = r->max_age;
	j->permanent = r->permanent;
	j->redirects = r->redirects;
	if (r->outcome == FETCH_ABORTED) {
		struct sched_outcome o;

		/* Shutdown: nothing happened to the feed; record nothing. */
		memset(&o, 0, sizeof(o));
		p->busy--;
		p->done(j->f, &o, p->arg);
		job_free(j);
		maybe_drained(p);
		return;
	}
	if (r->outcome == FETCH_FAILED || r->status >= 400 ||
	    (r->status != 304 && (r->status < 200 || r->status > 299))) {
		char msg[600];

		/* "class: message", so state and logs say what kind it was. */
		snprintf(msg, sizeof(msg), "%s: %s", r->error_class ?
		    r->error_class : "http", r->error ? r->error :
		    "unexpected HTTP status");
		j->kind = JOB_ERROR;
		j->error = xstrdup(msg);
		writer_push(p, j);
		return;
	}
	j->etag = dup_or_null(r->etag);
	j->last_modified = dup_or_null(r->last_modified);
	j->final_url = dup_or_null(r->final_url);
	track_moves(j);
	if (r->status == 304 && !j->conditional) {
		/* RELIABILITY H14: a 304 to a plain GET says nothing about
		 * the feed; do not let it pass for "unchanged". */
		j->kind = JOB_ERROR;
		j->error = xstrdup("protocol: unexpected 304 Not Modified to a "
		    "request without validators");
		writer_push(p, j);
		return;
	}
	if (r->status == 304) {
		j->kind = JOB_NOTMOD;
		if (quiet_success(j)) {
			job_done(j);
			return;
		}
		writer_push(p, j);
		return;
	}
	j->kind = JOB_BODY;
	j->body = r->body;
	r->body = NULL;
	j->len = r->len;
	j->ctype = dup_or_null(r->content_type);
	parse_push(p, j);
}

struct pipeline *
pipeline_new(uv_loop_t *loop, struct fetcher *fetch, struct store *writer,
    const struct topic_set *topics, pipeline_done_cb *done, void *arg)
{
	struct pipeline *p;

	p = xcalloc(1, sizeof(*p));
	p->loop = loop;
	p->fetch = fetch;
	p->writer = writer;
	p->topics = topics;
	{
		unsigned int n = uv_available_parallelism();

		p->parse_max = n > 0 ? (int)n : 1;
	}
	p->done = done;
	p->arg = arg;
	/* The index may hold what --once runs or a crash left unmerged. */
	p->merge_due = 1;
	if (uv_mutex_init(&p->wmu) || uv_cond_init(&p->wcond)) {
		/* Neither can fail on Linux but for want of memory. */
		log_warnx("pipeline: cannot set up the writer's lock");
		abort();
	}
	if (uv_async_init(loop, &p->wasync, writer_done_cb) == 0) {
		p->wasync.data = p;
		p->wopen = 1;
		uv_unref((uv_handle_t *)&p->wasync);
		if (uv_thread_create(&p->wthread, writer_thread, p) == 0)
			p->wrunning = 1;
	}
	if (!p->wrunning)
		log_warnx("pipeline: cannot start the store writer thread");
	return p;
}

void
pipeline_run(struct pipeline *p, struct sched_feed *f)
{
	struct fetch_req req;
	struct job *j;

	j = xcalloc(1, sizeof(*j));
	j->p = p;
	j->f = f;
	j->t0 = uv_hrtime();
	j->old_hash = dup_or_null(f->body_hash);
	j->topics = p->topics;
	j->feed_id = f->id;
	if (f->id == 0 || f->needs_sync) {
		j->sync = 1;
		j->sync_url = xstrdup(f->conf_url);
		j->sync_name = xstrdup(f->name);
	}
	j->max_age = -1;
	j->ttl = -1;
	p->busy++;
	req.url = f->url;
	req.etag = f->etag;
	req.last_modified = f->last_modified;
	j->conditional = f->etag || f->last_modified;
	if (fetch_start(p->fetch, &req, fetched_cb, j)) {
		j->kind = JOB_ERROR;
		j->error = xstrdup("io: cannot start the transfer");
		writer_push(p, j);
	}
}

void
pipeline_prune(struct pipeline *p, const struct conf *c)
{
	struct job *j;

	j = xcalloc(1, sizeof(*j));
	j->p = p;
	j->kind = JOB_PRUNE;
	j->conf = c;
	j->t0 = uv_hrtime();
	p->busy++;
	writer_push(p, j);
}

void
pipeline_set_topics(struct pipeline *p, const struct topic_set *topics)
{
	p->topics = topics;
}

long
pipeline_polls(const struct pipeline *p)
{
	return p->polls;
}

void
pipeline_writer_stats(const struct pipeline *p, double *seconds,
    double *cpu, long *batches)
{
	*seconds = (double)p->writer_ns / 1e9;
	*cpu = (double)p->writer_cpu_ns / 1e9;
	*batches = p->batches;
}

long long
pipeline_items_delta(const struct pipeline *p)
{
	return p->items_delta;
}

long long
pipeline_last_poll(const struct pipeline *p)
{
	return p->last_poll;
}

size_t
pipeline_busy(const struct pipeline *p)
{
	return p->busy;
}

void
pipeline_drain(struct pipeline *p, void (*cb)(void *), void *arg)
{
	p->drain_cb = cb;
	p->drain_arg = arg;
	maybe_drained(p);
}

void
pipeline_set_idle_merge(struct pipeline *p, int on)
{
	uv_mutex_lock(&p->wmu);
	p->merge_idle = on;
	uv_cond_signal(&p->wcond);
	uv_mutex_unlock(&p->wmu);
}

long
pipeline_merges(struct pipeline *p)
{
	long n;

	uv_mutex_lock(&p->wmu);
	n = p->merges;
	uv_mutex_unlock(&p->wmu);
	return n;
}

void
pipeline_set_ckpt(struct pipeline *p, struct ckpt *c)
{
	p->ckpt = c;
}

void
pipeline_close(struct pipeline *p)
{
	writer_stop(p);
	if (p->wopen && !uv_is_closing((uv_handle_t *)&p->wasync))
		uv_close((uv_handle_t *)&p->wasync, NULL);
}

void
pipeline_free(struct pipeline *p)
{
	if (!p)
		return;
	writer_stop(p);
	uv_cond_destroy(&p->wcond);
	uv_mutex_destroy(&p->wmu);
	free(p);
}
