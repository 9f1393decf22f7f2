/*
 * main.c: heraldd. Owns the process-wide state (struct herald), reads the
 * configuration, wires the loop, the fetcher, the scheduler, the pipeline
 * and the control socket together, reloads on SIGHUP, and tears it all
 * down in order.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <uv.h>

#include "config/conf.h"
#include "config/topics.h"
#include "daemon/ckpt.h"
#include "daemon/ctl.h"
#include "daemon/fetch.h"
#include "daemon/log.h"
#include "daemon/notify.h"
#include "daemon/pipeline.h"
#include "daemon/sched.h"
#include "feeds/date.h"
#include "feeds/err.h"
#include "feeds/parse.h"
#include "feeds/topic.h"
#include "feeds/xmem.h"
#include "store/store.h"

#define LAG_PERIOD_MS		100
#define STATUS_PERIOD_MS	10000
#define STOP_DEADLINE_MS	10000
#define PRUNE_FIRST_MS		(5 * 60 * 1000)	/* after start */
#define PRUNE_PERIOD_MS		(24 * 3600 * 1000)

struct lag {
	uint64_t	 last_ms;
	uint64_t	 max_ms;
	double		 avg_ms;	/* exponentially weighted */
	uint64_t	 expected;
};

struct herald {
	uv_loop_t	 loop;
	const char	*conf_path;
	struct conf	*conf;
	struct topic_set *topics;
	struct topic_set **retired;	/* replaced by reloads, freed at exit */
	size_t		 nretired;
	struct conf	**old_confs;	/* idem: a queued prune may use one */
	size_t		 nold_confs;
	struct store	*store;
	struct ckpt	*ckpt;		/* NULL: the writer checkpoints */
	struct fetcher	*fetch;
	struct sched	*sched;
	struct pipeline	*pipe;
	struct ctl	*ctl;
	struct sched_feed **feeds;	/* every feed scheduled */
	size_t		 nfeeds;
	uv_signal_t	 sig_int, sig_term, sig_hup;
	uv_timer_t	 lag_timer, status_timer, watchdog, deadline, prune;
	int		 handles_ok;	/* the handles above exist */
	struct lag	 lag;
	int64_t		 started;
	int64_t		 items_at_start;
	int		 once;
	int		 stopping;
	int		 exit_code;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: heraldd [-nv] [--once] [-f FILE]\n"
	    "  -f FILE    configuration (default $HERALD_CONFIG, then "
	    "/etc/herald/heraldd.conf)\n"
	    "  -n         check the configuration and exit\n"
	    "  --once     poll every feed once, store, tag and exit\n"
	    "  -v         more logging (repeat for debug)\n"
	    "  --version  print the version and exit\n");
}

/* ---- feeds ---- */

static struct sched_feed *
feed_new(const struct conf_feed *cf)
{
	struct sched_feed *f = xcalloc(1, sizeof(*f));

	f->url = xstrdup(cf->url);
	f->conf_url = xstrdup(cf->url);
	f->name = xstrdup(cf->name);
	f->interval = cf->interval;
	return f;
}

static void
feeds_push(struct herald *h, struct sched_feed *f)
{
	h->feeds = xreallocarray(h->feeds, h->nfeeds + 1, sizeof(*h->feeds));
	h->feeds[h->nfeeds++] = f;
}

/* Registers the configured feeds and loads their validators, in one
 * transaction (one fsync) for the whole list. */
static int
load_feeds(struct herald *h)
{
	struct store_validators v;
	struct herald_err err;
	struct sched_feed *f;
	size_t i;

	if (store_begin(h->store, &err))
		goto fail;
	for (i = 0; i < h->conf->nfeeds; i++) {
		f = feed_new(&h->conf->feedv[i]);
		feeds_push(h, f);
		if (store_feed_sync(h->store, f->conf_url, f->name, &f->id,
		    &err) || store_feed_validators(h->store, f->id, &v, &err)) {
			store_rollback(h->store);
			goto fail;
		}
		f->etag = v.etag;
		f->last_modified = v.last_modified;
		f->body_hash = v.body_hash;
		if (v.fetch_url) {
			free(f->url);
			f->url = v.fetch_url;
			v.fetch_url = NULL;
		}
		if (!v.enabled) {
			f->disabled = 1;
			log_info("feed-disabled feed=\"%s\" reason=\"%s\" "
			    "(herald feeds enable URL polls it again)", f->name,
			    v.disabled_reason ? v.disabled_reason : "by hand");
		}
		free(v.disabled_reason);
		free(v.fetch_url);
	}
	if (store_commit(h->store, &err))
		goto fail;
	return 0;
fail:
	log_warnx("%s: %s", h->conf->database, err.msg);
	return -1;
}

/* ---- options from the configuration ---- */

static void
fetch_opts_from(const struct conf *c, struct fetch_opts *fo)
{
	fo->max_connections = c->max_connections;
	fo->max_per_host = c->max_per_host;
	fo->timeout = c->timeout;
	fo->max_body = c->max_body;
	fo->allow_private = c->allow_private;
	fo->user_agent = c->user_agent;
	fo->proxy = c->proxy;
}

static void
sched_opts_from(const struct herald *h, const struct conf *c,
    struct sched_opts *so)
{
	so->max_active = c->max_connections;
	so->min_interval = c->min_interval;
	so->max_interval = c->max_interval;
	so->interval = c->interval;
	so->host_spacing = c->host_spacing;
	so->once = h->once;
}

/* ---- status ---- */

static void
status_line(struct herald *h, char *buf, size_t n)
{
	struct sched_stats st;
	char when[32];

	sched_stats(h->sched, &st);
	snprintf(buf, n, "%ld feeds (%ld ok, %ld failing, %ld backing off, "
	    "%ld disabled), %ld polls, last %s", st.total, st.ok, st.failing,
	    st.backing_off, st.disabled, pipeline_polls(h->pipe),
	    date_format_rfc3339(pipeline_last_poll(h->pipe) ?
	    pipeline_last_poll(h->pipe) : DATE_NONE, when) ?
	    when : "never");
}

static json_t *
status_json(struct herald *h)
{
	struct sched_stats st;
	int64_t items;
	char when[32];
	json_t *r;

	sched_stats(h->sched, &st);
	/*
	 * The writer connection belongs to the writer thread while the loop
	 * runs: the count is the one taken at start plus what the pipeline
	 * stored and pruned since, never a query from this thread.
	 */
	items = h->items_at_start + pipeline_items_delta(h->pipe);
	r = json_pack("{s:s, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I}, "
	    "s:I, s:I, s:I, s:I}",
	    "version", HERALD_VERSION,
	    "pid", (json_int_t)getpid(),
	    "uptime", (json_int_t)(time(NULL) - h->started),
	    "feeds",
	    "total", (json_int_t)st.total, "ok", (json_int_t)st.ok,
	    "failing", (json_int_t)st.failing,
	    "backing_off", (json_int_t)st.backing_off,
	    "disabled", (json_int_t)st.disabled, "new", (json_int_t)st.fresh,
	    "inflight", (json_int_t)(h->fetch ? fetch_inflight(h->fetch) : 0),
	    "queue", (json_int_t)st.queued,
	    "items", (json_int_t)items,
	    "polls", (json_int_t)pipeline_polls(h->pipe));
	json_object_set_new(r, "last_cycle", pipeline_last_poll(h->pipe) ?
	    json_string(date_format_rfc3339(pipeline_last_poll(h->pipe),
	    when)) : json_null());
	json_object_set_new(r, "index_merges",
	    json_integer(pipeline_merges(h->pipe)));
	json_object_set_new(r, "loop_lag_ms", json_pack("{s:I, s:I, s:f}",
	    "last", (json_int_t)h->lag.last_ms,
	    "max", (json_int_t)h->lag.max_ms, "avg", h->lag.avg_ms));
	return r;
}

/*
 * The loop's lag: a 100 ms timer that fires late by however long a
 * callback held the loop. A stuck loop also stops the watchdog pings, so
 * systemd restarts it.
 */
static void
lag_cb(uv_timer_t *t)
{
	struct herald *h = t->data;
	uint64_t now = uv_now(&h->loop), lag;

	lag = now > h->lag.expected ? now - h->lag.expected : 0;
	h->lag.last_ms = lag;
	if (lag > h->lag.max_ms)
		h->lag.max_ms = lag;
	h->lag.avg_ms = h->lag.avg_ms * 0.9 + (double)lag * 0.1;
	h->lag.expected = now + LAG_PERIOD_MS;
}

static void
status_cb(uv_timer_t *t)
{
	struct herald *h = t->data;
	char line[256];

	status_line(h, line, sizeof(line));
	notify_status("%s", line);
}

/* Retention once a day, on the writer (store_prune, design §5). */
static void
prune_cb(uv_timer_t *t)
{
	struct herald *h = t->data;

	if (!h->stopping)
		pipeline_prune(h->pipe, h->conf);
}

static void
watchdog_cb(uv_timer_t *t)
{
	(void)t;
	notify_watchdog();
}

static const char *
feed_state(const struct sched_feed *f)
{
	if (f->disabled)
		return "disabled";
	if (f->failures >= 2)
		return "backing off";
	if (f->failures == 1)
		return "failing";
	return f->last_poll ? "ok" : "new";
}

/* Every feed as the scheduler sees it, for "herald feeds" and tests. */
static json_t *
feeds_json(struct herald *h)
{
	json_t *arr = json_array(), *o;
	uint64_t now = uv_now(&h->loop);
	char t1[32], t2[32];
	size_t i;

	for (i = 0; i < h->nfeeds; i++) {
		const struct sched_feed *f = h->feeds[i];
		long long next = f->due > now ? (long long)(f->due - now) : 0;

		o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
		    "id", (json_int_t)f->id, "name", f->name,
		    "url", f->conf_url, "fetch_url", f->url,
		    "state", feed_state(f), "failures", (json_int_t)f->failures,
		    "next_check_in", (json_int_t)(next / 1000),
		    "interval", (json_int_t)(f->interval ? f->interval :
		    f->adaptive));
		if (!o)
			continue;
		json_object_set_new(o, "last_error", f->last_error ?
		    json_string(f->last_error) : json_null());
		json_object_set_new(o, "last_success", f->last_ok ?
		    json_string(date_format_rfc3339(f->last_ok, t1)) :
		    json_null());
		json_object_set_new(o, "last_poll", f->last_poll ?
		    json_string(date_format_rfc3339(f->last_poll, t2)) :
		    json_null());
		json_object_set_new(o, "moved_to", f->moved_to ?
		    json_string(f->moved_to) : json_null());
		json_array_append_new(arr, o);
	}
	return json_pack("{s:o}", "feeds", arr);
}

/* ---- reload ---- */

static struct sched_feed *
feed_by_conf_url(struct herald *h, const char *url)
{
	size_t i;

	for (i = 0; i < h->nfeeds; i++)
		if (!strcmp(h->feeds[i]->conf_url, url))
			return h->feeds[i];
	return NULL;
}

/* Applies the feeds of c: new ones scheduled, gone ones removed. */
static void
apply_feeds(struct herald *h, const struct conf *c)
{
	struct sched_feed *f, **keep;
	size_t i, nkeep = 0, added = 0, removed = 0;
	int *seen;

	seen = xcalloc(h->nfeeds ? h->nfeeds : 1, sizeof(*seen));
	keep = xcalloc(c->nfeeds + h->nfeeds + 1, sizeof(*keep));
	for (i = 0; i < c->nfeeds; i++) {
		const struct conf_feed *cf = &c->feedv[i];
		size_t k;

		f = feed_by_conf_url(h, cf->url);
		if (f) {
			for (k = 0; k < h->nfeeds; k++)
				if (h->feeds[k] == f)
					seen[k] = 1;
			f->interval = cf->interval;
			if (strcmp(f->name, cf->name)) {
				free(f->name);
				f->name = xstrdup(cf->name);
				f->needs_sync = 1;
			}
			keep[nkeep++] = f;
			continue;
		}
		/* id 0: the pipeline registers it in the store first. */
		f = feed_new(cf);
		if (sched_add(h->sched, f, 0)) {
			sched_feed_fini(f);
			free(f);
			continue;
		}
		keep[nkeep++] = f;
		added++;
	}
	for (i = 0; i < h->nfeeds; i++) {
		if (!seen[i]) {
			sched_remove(h->sched, h->feeds[i]);
			removed++;
		}
	}
	free(seen);
	free(h->feeds);
	h->feeds = keep;
	h->nfeeds = nkeep;
	log_info("reload: %zu feeds (%zu added, %zu removed)", h->nfeeds,
	    added, removed);
}

/*
 * Re-reads the configuration, the feeds list and the topics; swaps them
 * in only when all are valid. On error returns -1 with the FILE:LINE
 * messages in errs and changes nothing.
 */
static int
reload(struct herald *h, char *errs, size_t n)
{
	struct herald_err err;
	struct topic_set *ts;
	struct fetch_opts fo;
	struct sched_opts so;
	struct conf *c;

	notify_reloading();
	c = conf_load(h->conf_path, errs, n);
	if (!c)
		goto fail;
	ts = topics_load(c->topics, &err);
	if (!ts) {
		snprintf(errs, n, "%s", err.msg);
		conf_free(c);
		goto fail;
	}
	if (strcmp(c->database, h->conf->database))
		log_warnx("reload: database changes apply at restart");
	h->retired = xreallocarray(h->retired, h->nretired + 1,
	    sizeof(*h->retired));
	h->retired[h->nretired++] = h->topics;
	h->topics = ts;
	pipeline_set_topics(h->pipe, ts);
	fetch_opts_from(c, &fo);
	fetch_set_opts(h->fetch, &fo);
	sched_opts_from(h, c, &so);
	sched_set_opts(h->sched, &so);
	apply_feeds(h, c);
	h->old_confs = xreallocarray(h->old_confs, h->nold_confs + 1,
	    sizeof(*h->old_confs));
	h->old_confs[h->nold_confs++] = h->conf;
	h->conf = c;
	notify_ready();
	status_cb(&h->status_timer);
	return 0;
fail:
	log_warnx("reload refused, the running configuration stays:");
	{
		char *line, *save = NULL, *copy = xstrdup(errs);

		for (line = strtok_r(copy, "\n", &save); line;
		    line = strtok_r(NULL, "\n", &save))
			log_warnx("%s", line);
		free(copy);
	}
	notify_ready();
	return -1;
}

/* ---- control socket ---- */

static json_t *
ctl_cb(const char *cmd, json_t *req, void *arg)
{
	struct herald *h = arg;
	char errs[4096];

	if (!strcmp(cmd, "status"))
		return status_json(h);
	if (!strcmp(cmd, "feeds"))
		return feeds_json(h);
	if (!strcmp(cmd, "refresh")) {
		json_t *feed = json_object_get(req, "feed");
		struct sched_feed *f = NULL;
		size_t i;

		if (h->stopping)
			return json_pack("{s:b, s:s}", "ok", 0, "error",
			    "heraldd is stopping");
		if (json_is_string(feed)) {
			const char *want = json_string_value(feed);

			for (i = 0; i < h->nfeeds && !f; i++)
				if (!strcmp(h->feeds[i]->conf_url, want) ||
				    !strcmp(h->feeds[i]->url, want) ||
				    !strcmp(h->feeds[i]->name, want))
					f = h->feeds[i];
			if (!f)
				return json_pack("{s:b, s:s}", "ok", 0,
				    "error", "no such feed");
		}
		return json_pack("{s:I}", "feeds",
		    (json_int_t)sched_poll_now(h->sched, f));
	}
	if (!strcmp(cmd, "enable")) {
		/* The CLI re-enabled the feed in the store; poll it now. */
		json_t *feed = json_object_get(req, "feed");
		size_t i;

		for (i = 0; json_is_string(feed) && i < h->nfeeds; i++) {
			struct sched_feed *f = h->feeds[i];
			const char *want = json_string_value(feed);

			if (strcmp(f->conf_url, want) && strcmp(f->name, want))
				continue;
			f->disabled = 0;
			f->failures = 0;
			if (!h->stopping)
				sched_enable(h->sched, f);
			return json_pack("{s:I}", "feeds", (json_int_t)1);
		}
		return json_pack("{s:b, s:s}", "ok", 0, "error",
		    "no such feed");
	}
	if (!strcmp(cmd, "prune")) {
		if (h->stopping)
			return json_pack("{s:b, s:s}", "ok", 0, "error",
			    "heraldd is stopping");
		pipeline_prune(h->pipe, h->conf);
		return json_pack("{s:b}", "queued", 1);
	}
	if (!strcmp(cmd, "reload")) {
		errs[0] = '\0';
		if (reload(h, errs, sizeof(errs)))
			return json_pack("{s:b, s:s}", "ok", 0, "error", errs);
		return json_pack("{s:I}", "feeds", (json_int_t)h->nfeeds);
	}
	return NULL;
}

/* ---- start and stop ---- */

static void
final_close(void *arg)
{
	struct herald *h = arg;

	/* Every poll has ended: nothing uses the timers or the store. */
	pipeline_close(h->pipe);
	fetch_close(h->fetch);
	h->fetch = NULL;
	sched_close(h->sched);
	h->sched = NULL;
	h->nfeeds = 0;
	if (h->handles_ok) {
		uv_close((uv_handle_t *)&h->sig_int, NULL);
		uv_close((uv_handle_t *)&h->sig_term, NULL);
		uv_close((uv_handle_t *)&h->sig_hup, NULL);
		uv_close((uv_handle_t *)&h->lag_timer, NULL);
		uv_close((uv_handle_t *)&h->status_timer, NULL);
		uv_close((uv_handle_t *)&h->watchdog, NULL);
		uv_close((uv_handle_t *)&h->deadline, NULL);
		uv_close((uv_handle_t *)&h->prune, NULL);
	}
}

static void
deadline_cb(uv_timer_t *t)
{
	struct herald *h = t->data;

	log_warnx("stop: transfers still running after %d s: aborted",
	    STOP_DEADLINE_MS / 1000);
	fetch_close(h->fetch);
	h->fetch = NULL;
}

static void
stop(struct herald *h, const char *why)
{
	if (h->stopping)
		return;
	h->stopping = 1;
	notify_stopping();
	{
		double ws = 0, wc = 0;
		long nb = 0;

		if (h->pipe)
			pipeline_writer_stats(h->pipe, &ws, &wc, &nb);
		log_info("stopping: %s; loop_lag_ms max=%llu avg=%.1f "
		    "polls=%ld writer_s=%.2f writer_cpu_s=%.2f batches=%ld "
		    "checkpoints=%ld index_merges=%ld",
		    why, (unsigned long long)h->lag.max_ms, h->lag.avg_ms,
		    h->pipe ? pipeline_polls(h->pipe) : 0, ws, wc, nb,
		    ckpt_count(h->ckpt), h->pipe ? pipeline_merges(h->pipe) :
		    0);
	}
	sched_stop(h->sched);
	ctl_close(h->ctl);
	h->ctl = NULL;
	/*
	 * Transfers in flight may finish (and commit) within the deadline;
	 * then the pipeline drains and final_close() ends the loop.
	 */
	if (h->fetch && fetch_inflight(h->fetch) && h->handles_ok)
		uv_timer_start(&h->deadline, deadline_cb, STOP_DEADLINE_MS, 0);
	pipeline_drain(h->pipe, final_close, h);
}

static void
signal_cb(uv_signal_t *s, int signum)
{
	struct herald *h = s->data;
	char errs[4096];

	if (signum == SIGHUP) {
		if (!h->stopping)
			reload(h, errs, sizeof(errs));
		return;
	}
	stop(h, signum == SIGINT ? "SIGINT" : "SIGTERM");
}

static void
run_cb(struct sched_feed *f, void *arg)
{
	struct herald *h = arg;

	pipeline_run(h->pipe, f);
}

static void
done_cb(struct sched_feed *f, const struct sched_outcome *o, void *arg)
{
	struct herald *h = arg;

	sched_done(h->sched, f, o);
}

static void
idle_cb(void *arg)
{
	struct herald *h = arg;

	stop(h, "every feed polled once");
}

static int
init_handles(struct herald *h)
{
	uv_loop_t *l = &h->loop;

	if (uv_signal_init(l, &h->sig_int) || uv_signal_init(l, &h->sig_term) ||
	    uv_signal_init(l, &h->sig_hup) || uv_timer_init(l, &h->lag_timer) ||
	    uv_timer_init(l, &h->status_timer) ||
	    uv_timer_init(l, &h->watchdog) || uv_timer_init(l, &h->deadline) ||
	    uv_timer_init(l, &h->prune))
		return -1;
	h->handles_ok = 1;
	h->sig_int.data = h->sig_term.data = h->sig_hup.data = h;
	h->lag_timer.data = h->status_timer.data = h;
	h->watchdog.data = h->deadline.data = h->prune.data = h;
	return 0;
}

static int
start(struct herald *h)
{
	struct fetch_opts fo;
	struct sched_opts so;
	uint64_t wd;
	size_t i;
	int rc;

	fetch_opts_from(h->conf, &fo);
	h->fetch = fetch_new(&h->loop, &fo);
	if (!h->fetch)
		return -1;
	sched_opts_from(h, h->conf, &so);
	h->sched = sched_new(&h->loop, &so, run_cb, idle_cb, h);
	h->pipe = pipeline_new(&h->loop, h->fetch, h->store, h->topics,
	    done_cb, h);
	pipeline_set_ckpt(h->pipe, h->ckpt);
	pipeline_set_idle_merge(h->pipe, !h->once);
	if (init_handles(h))
		return -1;
	if (uv_signal_start(&h->sig_int, signal_cb, SIGINT) ||
	    uv_signal_start(&h->sig_term, signal_cb, SIGTERM) ||
	    uv_signal_start(&h->sig_hup, signal_cb, SIGHUP))
		return -1;
	h->lag.expected = uv_now(&h->loop) + LAG_PERIOD_MS;
	uv_timer_start(&h->lag_timer, lag_cb, LAG_PERIOD_MS, LAG_PERIOD_MS);
	uv_timer_start(&h->status_timer, status_cb, STATUS_PERIOD_MS,
	    STATUS_PERIOD_MS);
	wd = notify_watchdog_usec();
	if (wd)
		uv_timer_start(&h->watchdog, watchdog_cb, wd / 2000,
		    wd / 2000);
	/* The timers only measure and report: they must not keep --once
	 * alive, nor delay the exit once everything else has closed. */
	uv_unref((uv_handle_t *)&h->lag_timer);
	uv_unref((uv_handle_t *)&h->status_timer);
	uv_unref((uv_handle_t *)&h->watchdog);
	if (!h->once) {
		uv_timer_start(&h->prune, prune_cb, PRUNE_FIRST_MS,
		    PRUNE_PERIOD_MS);
		uv_unref((uv_handle_t *)&h->prune);
	}
	if (!h->once && h->conf->control_socket)
		h->ctl = ctl_open(&h->loop, h->conf->control_socket, ctl_cb, h);
	for (i = 0; i < h->nfeeds; i++) {
		rc = sched_add(h->sched, h->feeds[i], 0);
		if (rc) {
			log_warnx("sched_add: %s", uv_strerror(rc));
			return -1;
		}
	}
	notify_ready();
	status_cb(&h->status_timer);
	if (h->nfeeds == 0 && h->once)
		stop(h, "no feeds");
	else
		sched_check_idle(h->sched);
	return 0;
}

/*
 * Creates the database's directory when it is missing (one level, mode
 * 0750), as `make run` and a hand-made configuration expect; under systemd
 * StateDirectory= has made it already.
 */
static void
make_db_dir(const char *db)
{
	char *dir = xstrdup(db), *slash = strrchr(dir, '/');

	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0750) && errno != EEXIST)
			log_warn("mkdir %s", dir);
	}
	free(dir);
}

static int
load_config(struct herald *h)
{
	char errs[8192];
	struct herald_err err;

	h->conf = conf_load(h->conf_path, errs, sizeof(errs));
	if (!h->conf) {
		fprintf(stderr, "%s\n", errs);
		return -1;
	}
	h->topics = topics_load(h->conf->topics, &err);
	if (!h->topics) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

/*
 * Checkpoints move to their own thread (daemon/ckpt.c); the writer keeps
 * doing them itself if that cannot start, or once the WAL passes
 * CKPT_LIMIT_PAGES (64 MiB of 4 KiB pages) because the checkpointer
 * cannot keep up.
 */
#define CKPT_LIMIT_PAGES	16384

static void
start_ckpt(struct herald *h)
{
	struct herald_err err;

	h->ckpt = ckpt_new(h->conf->database, &err);
	if (!h->ckpt) {
		log_warnx("%s (the writer checkpoints)", err.msg);
		return;
	}
	store_wal_defer(h->store, CKPT_LIMIT_PAGES);
}

static void
walk_close_cb(uv_handle_t *hd, void *arg)
{
	(void)arg;
	if (!uv_is_closing(hd))
		uv_close(hd, NULL);
}

static void
cleanup(struct herald *h, int loop_ok)
{
	size_t i;

	if (loop_ok) {
		if (!h->stopping && h->pipe)
			stop(h, "startup failed");
		/* Safety net: close what is left, run the close callbacks. */
		uv_walk(&h->loop, walk_close_cb, NULL);
		uv_run(&h->loop, UV_RUN_DEFAULT);
		if (uv_loop_close(&h->loop))
			log_warnx("uv_loop_close: handles left open");
		pipeline_free(h->pipe);
		curl_global_cleanup();
		feed_parse_cleanup();
	}
	/* Feeds the scheduler never took (startup failed) are ours. */
	if (!h->sched)
		for (i = 0; i < h->nfeeds; i++) {
			sched_feed_fini(h->feeds[i]);
			free(h->feeds[i]);
		}
	free(h->feeds);
	for (i = 0; i < h->nretired; i++)
		topic_set_free(h->retired[i]);
	free(h->retired);
	for (i = 0; i < h->nold_confs; i++)
		conf_free(h->old_confs[i]);
	free(h->old_confs);
	/* After the writer thread (pipeline_free()), before the writer's
	 * close, whose final checkpoint empties the WAL. */
	ckpt_free(h->ckpt);
	store_close(h->store);
	topic_set_free(h->topics);
	conf_free(h->conf);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct herald h;
	struct herald_err err;
	int ch, check = 0, verbose = LOG_LVL_INFO, loop_ok = 0;

	memset(&h, 0, sizeof(h));
	err.msg[0] = '\0';
	h.exit_code = 1;
	h.started = (int64_t)time(NULL);
	h.conf_path = getenv("HERALD_CONFIG");
	if (!h.conf_path || !*h.conf_path)
		h.conf_path = "/etc/herald/heraldd.conf";
	while ((ch = getopt_long(argc, argv, "f:nvdh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': h.conf_path = optarg; break;
		case 'n': check = 1; break;
		case 'v': verbose++; break;
		case 'd': break;	/* foreground is the only mode */
		case 'o': h.once = 1; break;
		case 'V': printf("heraldd %s\n", HERALD_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* Under systemd stderr is the journal: keep the level with <N>. */
	log_init(verbose, getenv("JOURNAL_STREAM") != NULL);
	if (load_config(&h))
		goto out;
	if (check) {
		printf("configuration OK: %zu feeds, %zu topics\n",
		    h.conf->nfeeds, topic_set_count(h.topics));
		h.exit_code = 0;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
#ifdef M_ARENA_MAX
	/*
	 * The loop, the parse pool and the writer all allocate hard: with
	 * two arenas they queued on the arena locks (cold N=1000: 5.1 s,
	 * 6.4 s CPU); four cost 2 MB of peak RSS and gave 4.5 s, 5.6 s CPU
	 * (bench/bench.py, same machine). More arenas gained nothing.
	 */
	mallopt(M_ARENA_MAX, 4);
#endif
	/* Group members may read the database (0640), nobody else. */
	umask(027);
	make_db_dir(h.conf->database);
	if (store_global_init())
		log_warnx("sqlite: global configuration refused");
	if (store_open(h.conf->database, 0, &h.store, &err) ||
	    store_check(h.store, &err)) {
		log_warnx("%s", err.msg);
		goto out;
	}
	start_ckpt(&h);
	if (load_feeds(&h) ||
	    store_count_items(h.store, &h.items_at_start, &err)) {
		if (err.msg[0])
			log_warnx("%s", err.msg);
		goto out;
	}
	feed_parse_init();
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		log_warnx("curl_global_init failed");
		goto out;
	}
	if (uv_loop_init(&h.loop))
		goto out;
	loop_ok = 1;
	log_info("starting: %zu feeds, %zu topics, database %s%s", h.nfeeds,
	    topic_set_count(h.topics), h.conf->database,
	    h.once ? ", once" : "");
	if (start(&h) == 0) {
		uv_run(&h.loop, UV_RUN_DEFAULT);
		h.exit_code = 0;
	}
out:
	cleanup(&h, loop_ok);
	return h.exit_code;
}
