/*
 * main.c: heraldd. Owns the process-wide state (struct herald), reads the
 * configuration, wires the loop, the fetcher, the scheduler and the
 * pipeline together, and tears them down in order.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <uv.h>

#include "config/conf.h"
#include "config/topics.h"
#include "daemon/fetch.h"
#include "daemon/log.h"
#include "daemon/pipeline.h"
#include "daemon/sched.h"
#include "feeds/err.h"
#include "feeds/parse.h"
#include "feeds/topic.h"
#include "feeds/xmem.h"
#include "store/store.h"

struct herald {
	uv_loop_t	 loop;
	struct conf	*conf;
	struct topic_set *topics;
	struct store	*store;
	struct fetcher	*fetch;
	struct sched	*sched;
	struct pipeline	*pipe;
	struct sched_feed *feeds;
	size_t		 nfeeds;
	uv_signal_t	 sig_int, sig_term;
	int		 sig_ok;	/* the signal handles exist */
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

static void
final_close(void *arg)
{
	struct herald *h = arg;

	/* Every poll has ended: nothing uses the timers or the store. */
	sched_close(h->sched);
	h->sched = NULL;
	if (h->sig_ok) {
		uv_close((uv_handle_t *)&h->sig_int, NULL);
		uv_close((uv_handle_t *)&h->sig_term, NULL);
	}
}

static void
stop(struct herald *h, const char *why)
{
	if (h->stopping)
		return;
	h->stopping = 1;
	log_info("stopping: %s", why);
	sched_stop(h->sched);
	/* Aborted transfers call back into the pipeline before this returns. */
	fetch_close(h->fetch);
	h->fetch = NULL;
	pipeline_drain(h->pipe, final_close, h);
}

static void
signal_cb(uv_signal_t *s, int signum)
{
	struct herald *h = s->data;

	stop(h, signum == SIGINT ? "SIGINT" : "SIGTERM");
}

static void
run_cb(struct sched_feed *f, void *arg)
{
	struct herald *h = arg;

	pipeline_run(h->pipe, f);
}

static void
done_cb(struct sched_feed *f, int ok, long retry_after, void *arg)
{
	struct herald *h = arg;

	sched_done(h->sched, f, ok, retry_after);
}

static void
idle_cb(void *arg)
{
	struct herald *h = arg;

	stop(h, "every feed polled once");
}

static int
load_config(struct herald *h, const char *path)
{
	char errs[8192];
	struct herald_err err;

	h->conf = conf_load(path, errs, sizeof(errs));
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

/* Registers the configured feeds and loads their validators. */
static int
load_feeds(struct herald *h)
{
	struct store_validators v;
	struct herald_err err;
	size_t i;

	h->feeds = xcalloc(h->conf->nfeeds ? h->conf->nfeeds : 1,
	    sizeof(*h->feeds));
	/* One transaction (one fsync) for the whole list, not one per feed. */
	if (store_begin(h->store, &err)) {
		log_warnx("%s: %s", h->conf->database, err.msg);
		return -1;
	}
	for (i = 0; i < h->conf->nfeeds; i++) {
		const struct conf_feed *cf = &h->conf->feedv[i];
		struct sched_feed *f = &h->feeds[i];

		f->url = xstrdup(cf->url);
		f->name = xstrdup(cf->name);
		f->interval = cf->interval ? cf->interval : h->conf->interval;
		h->nfeeds++;
		if (store_feed_sync(h->store, cf->url, cf->name, &f->id, &err) ||
		    store_feed_validators(h->store, f->id, &v, &err)) {
			log_warnx("%s: %s", h->conf->database, err.msg);
			store_rollback(h->store);
			return -1;
		}
		f->etag = v.etag;
		f->last_modified = v.last_modified;
		f->body_hash = v.body_hash;
	}
	if (store_commit(h->store, &err)) {
		log_warnx("%s: %s", h->conf->database, err.msg);
		return -1;
	}
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
start(struct herald *h)
{
	struct fetch_opts fo;
	struct sched_opts so;
	size_t i;
	int rc;

	fo.max_connections = h->conf->max_connections;
	fo.max_per_host = h->conf->max_per_host;
	fo.timeout = h->conf->timeout;
	fo.max_body = h->conf->max_body;
	fo.allow_private = h->conf->allow_private;
	fo.user_agent = h->conf->user_agent;
	h->fetch = fetch_new(&h->loop, &fo);
	if (!h->fetch)
		return -1;
	so.max_active = h->conf->max_connections;
	so.min_interval = h->conf->min_interval;
	so.max_interval = h->conf->max_interval;
	so.once = h->once;
	h->sched = sched_new(&h->loop, &so, run_cb, idle_cb, h);
	h->pipe = pipeline_new(&h->loop, h->fetch, h->store, h->topics,
	    done_cb, h);
	if (uv_signal_init(&h->loop, &h->sig_int) ||
	    uv_signal_init(&h->loop, &h->sig_term))
		return -1;
	h->sig_ok = 1;
	h->sig_int.data = h->sig_term.data = h;
	if (uv_signal_start(&h->sig_int, signal_cb, SIGINT) ||
	    uv_signal_start(&h->sig_term, signal_cb, SIGTERM))
		return -1;
	for (i = 0; i < h->nfeeds; i++) {
		rc = sched_add(h->sched, &h->feeds[i], 0);
		if (rc) {
			log_warnx("sched_add: %s", uv_strerror(rc));
			return -1;
		}
	}
	if (h->nfeeds == 0 && h->once)
		stop(h, "no feeds");
	return 0;
}

static void
feeds_free(struct herald *h)
{
	size_t i;

	for (i = 0; i < h->nfeeds; i++) {
		free(h->feeds[i].url);
		free(h->feeds[i].name);
		free(h->feeds[i].etag);
		free(h->feeds[i].last_modified);
		free(h->feeds[i].body_hash);
	}
	free(h->feeds);
}

static void
walk_close_cb(uv_handle_t *hd, void *arg)
{
	(void)arg;
	if (!uv_is_closing(hd))
		uv_close(hd, NULL);
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
	const char *path = getenv("HERALD_CONFIG");
	int ch, check = 0, verbose = LOG_LVL_INFO, loop_ok = 0;

	memset(&h, 0, sizeof(h));
	h.exit_code = 1;
	if (!path || !*path)
		path = "/etc/herald/heraldd.conf";
	while ((ch = getopt_long(argc, argv, "f:nvdh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': path = optarg; break;
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
	if (load_config(&h, path))
		goto out;
	if (check) {
		printf("configuration OK: %zu feeds, %zu topics\n",
		    h.conf->nfeeds, topic_set_count(h.topics));
		h.exit_code = 0;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	make_db_dir(h.conf->database);
	if (store_open(h.conf->database, 0, &h.store, &err)) {
		log_warnx("%s", err.msg);
		goto out;
	}
	if (store_check(h.store, &err)) {
		log_warnx("%s", err.msg);
		goto out;
	}
	if (load_feeds(&h))
		goto out;
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
	if (loop_ok) {
		if (!h.stopping && h.pipe)
			stop(&h, "startup failed");
		/* Safety net: close what is left, run the close callbacks. */
		uv_walk(&h.loop, walk_close_cb, NULL);
		uv_run(&h.loop, UV_RUN_DEFAULT);
		if (uv_loop_close(&h.loop))
			log_warnx("uv_loop_close: handles left open");
		pipeline_free(h.pipe);
		curl_global_cleanup();
		feed_parse_cleanup();
	}
	feeds_free(&h);
	store_close(h.store);
	topic_set_free(h.topics);
	conf_free(h.conf);
	return h.exit_code;
}
