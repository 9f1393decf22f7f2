#include "pipeline.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/fetch.h"
#include "daemon/log.h"
#include "daemon/sched.h"
#include "feeds/err.h"
#include "feeds/hash.h"
#include "feeds/item.h"
#include "feeds/parse.h"
#include "feeds/text.h"
#include "feeds/topic.h"
#include "feeds/xmem.h"
#include "store/store.h"

enum job_kind {
	JOB_ERROR,		/* nothing to store but the error */
	JOB_NOTMOD,		/* 304 */
	JOB_BODY,		/* 2xx: hash, then parse unless unchanged */
	JOB_UNCHANGED,		/* body hash equals the stored one */
	JOB_DOC,		/* parsed: commit items */
};

struct job {
	struct pipeline	*p;
	struct sched_feed *f;
	uv_work_t	 work;
	struct job	*next;		/* writer queue */
	enum job_kind	 kind;
	long		 status;
	long		 retry_after;
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
};

struct pipeline {
	uv_loop_t	*loop;
	struct fetcher	*fetch;
	struct store	*writer;
	const struct topic_set *topics;
	pipeline_done_cb *done;
	void		*arg;
	struct job	*wq_head, *wq_tail;
	int		 writing;
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

static void
job_free(struct job *j)
{
	size_t i;

	if (j->tags) {
		for (i = 0; j->doc && i < j->doc->nitems; i++)
			topic_result_fini(&j->tags[i]);
		free(j->tags);
	}
	feed_doc_free(j->doc);
	free(j->error);
	free(j->body);
	free(j->ctype);
	free(j->etag);
	free(j->last_modified);
	free(j->final_url);
	free(j->old_hash);
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
		log_warnx("feed \"%s\" (%s): %s", name, f->url, msg);
	else if (!ok)
		log_debug("feed \"%s\" (%s): still failing (%ld): %s", name,
		    f->url, f->failures, msg);
	else if (j->kind == JOB_DOC)
		log_info("store feed=\"%s\" items=%zu new=%zu updated=%zu "
		    "unchanged=%zu sources=%zu tagged=%zu ms=%lu", name,
		    j->stats.items, j->stats.inserted, j->stats.updated,
		    j->stats.unchanged, j->stats.sources, j->stats.tagged, ms);
	else
		log_debug("fetch feed=\"%s\" %s ms=%lu", name,
		    j->kind == JOB_NOTMOD ? "not-modified" : "unchanged", ms);
	free(name);
	free(msg);
}

static void
job_done(struct job *j)
{
	struct pipeline *p = j->p;
	struct sched_feed *f = j->f;
	int ok = j->kind != JOB_ERROR && j->rc == 0;
	long retry_after = j->retry_after;

	if (j->rc && !j->error)
		j->error = xstrdup(j->err.msg);
	if (ok) {
		if (f->failures)
			log_info("feed \"%s\" recovered after %ld failures",
			    f->name, f->failures);
		f->failures = 0;
		/* The store committed these with the items: mirror them. */
		keep(&f->etag, j->etag);
		keep(&f->last_modified, j->last_modified);
		if (j->kind == JOB_DOC)
			keep(&f->body_hash, j->hash);
	} else
		f->failures++;
	log_outcome(j, ok);
	job_free(j);
	p->busy--;
	p->done(f, ok, retry_after, p->arg);
	maybe_drained(p);
}

/* ---- the writer: one job at a time on the one connection ---- */

static void writer_next(struct pipeline *p);

static void
write_work_cb(uv_work_t *w)
{
	struct job *j = w->data;
	struct store_fetch sf;
	int64_t now = (int64_t)time(NULL);

	memset(&sf, 0, sizeof(sf));
	sf.feed_id = j->f->id;
	sf.now = now;
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
}

static void
write_after_cb(uv_work_t *w, int status)
{
	struct job *j = w->data;
	struct pipeline *p = j->p;

	if (status)
		j->rc = herald_err_set(&j->err, HERALD_E_IO,
		    "store job cancelled");
	if (j->rc)
		log_warnx("store feed=\"%s\": %s", j->f->name, j->err.msg);
	p->writing = 0;
	job_done(j);
	writer_next(p);
}

static void
writer_next(struct pipeline *p)
{
	struct job *j;
	int rc;

	while (!p->writing && p->wq_head) {
		j = p->wq_head;
		p->wq_head = j->next;
		if (!p->wq_head)
			p->wq_tail = NULL;
		j->work.data = j;
		rc = uv_queue_work(p->loop, &j->work, write_work_cb,
		    write_after_cb);
		if (rc) {
			j->rc = herald_err_set(&j->err, HERALD_E_IO,
			    "uv_queue_work: %s", uv_strerror(rc));
			job_done(j);
			continue;
		}
		p->writing = 1;
	}
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

/* ---- parse: in parallel on the thread pool ---- */

static void
parse_work_cb(uv_work_t *w)
{
	struct job *j = w->data;
	struct feed_doc *doc;
	size_t i;

	hash_sha256_hex(j->body, j->len, j->hash);
	if (j->old_hash && !strcmp(j->old_hash, j->hash)) {
		/* Same bytes as the last stored body: no parse, no write. */
		j->kind = JOB_UNCHANGED;
		return;
	}
	doc = feed_parse(j->body, j->len, j->ctype, j->final_url, &j->err);
	if (!doc) {
		j->kind = JOB_ERROR;
		j->error = xstrdup(j->err.msg);
		return;
	}
	feed_doc_identify(doc, NULL);
	j->tags = xcalloc(doc->nitems ? doc->nitems : 1, sizeof(*j->tags));
	for (i = 0; i < doc->nitems; i++) {
		const struct feed_item *it = &doc->items[i];

		if (j->p->topics)
			topic_set_match(j->p->topics, it->title, it->summary,
			    it->content, it->published, &j->tags[i]);
	}
	j->doc = doc;
	j->kind = JOB_DOC;
}

static void
parse_after_cb(uv_work_t *w, int status)
{
	struct job *j = w->data;

	free(j->body);
	j->body = NULL;
	if (status) {
		j->kind = JOB_ERROR;
		free(j->error);
		j->error = xstrdup("parse job cancelled");
	}
	writer_push(j->p, j);
}

/* ---- fetch ---- */

static void
fetched_cb(struct fetch_result *r, void *arg)
{
	struct job *j = arg;
	struct pipeline *p = j->p;
	int rc;

	j->status = r->status;
	j->retry_after = r->retry_after;
	if (r->outcome == FETCH_ABORTED) {
		j->kind = JOB_ERROR;
		j->error = xstrdup(r->error);
		/* Shutdown: nothing happened to the feed; record nothing. */
		p->busy--;
		p->done(j->f, 0, 0, p->arg);
		job_free(j);
		maybe_drained(p);
		return;
	}
	if (r->outcome == FETCH_FAILED || r->status >= 400 ||
	    (r->status != 304 && (r->status < 200 || r->status > 299))) {
		j->kind = JOB_ERROR;
		j->error = xstrdup(r->error ? r->error : "unexpected HTTP status");
		writer_push(p, j);
		return;
	}
	j->etag = dup_or_null(r->etag);
	j->last_modified = dup_or_null(r->last_modified);
	if (r->status == 304) {
		j->kind = JOB_NOTMOD;
		writer_push(p, j);
		return;
	}
	j->kind = JOB_BODY;
	j->body = r->body;
	r->body = NULL;
	j->len = r->len;
	j->ctype = dup_or_null(r->content_type);
	j->final_url = dup_or_null(r->final_url);
	j->work.data = j;
	rc = uv_queue_work(p->loop, &j->work, parse_work_cb, parse_after_cb);
	if (rc) {
		j->kind = JOB_ERROR;
		j->error = xstrdup(uv_strerror(rc));
		writer_push(p, j);
	}
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
	p->done = done;
	p->arg = arg;
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
	p->busy++;
	req.url = f->url;
	req.etag = f->etag;
	req.last_modified = f->last_modified;
	if (fetch_start(p->fetch, &req, fetched_cb, j)) {
		j->kind = JOB_ERROR;
		j->error = xstrdup("cannot start the transfer");
		writer_push(p, j);
	}
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
pipeline_free(struct pipeline *p)
{
	free(p);
}
