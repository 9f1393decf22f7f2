/*
 * store_ingest.c: the store's ingest rate (a measurement tool for
 * bench/extra-store.sh, not product code).
 *
 * usage: store_ingest [-g DOCS] DB LIST_R1 [LIST_R2]
 *
 * Untimed: reads every file named in LIST_R1 (and LIST_R2), parses and
 * identifies it as the daemon does. Timed: stores round 1 into a fresh
 * DB through store_doc_commit() (WAL, synchronous=FULL, FTS index,
 * revisions, tombstone checks), DOCS documents per group transaction
 * (default 1: one transaction per feed, as the SQLite floor does), then
 * round 2 into the same DB (the dedup path). One JSON line per round.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feeds/err.h"
#include "feeds/item.h"
#include "feeds/parse.h"
#include "feeds/xmem.h"
#include "store/store.h"

struct doc {
	char		*url;
	int64_t		 feed_id;
	struct feed_doc	*doc;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp;
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	for (;;) {
		if (n + 65536 > cap) {
			cap = cap ? cap * 2 : 262144;
			buf = xrealloc(buf, cap);
		}
		r = fread(buf + n, 1, cap - n, fp);
		if (r == 0)
			break;
		n += r;
	}
	fclose(fp);
	*len = n;
	return buf;
}

/* Parses every file of list; the feed URL is made from the file name. */
static struct doc *
load(const char *list, size_t *ndocs, size_t *nitems)
{
	struct herald_err err;
	struct doc *v = NULL;
	char line[4096], url[4200], *data, *base;
	size_t n = 0, cap = 0, len;
	FILE *fp;

	*nitems = 0;
	fp = fopen(list, "r");
	if (!fp) {
		perror(list);
		exit(1);
	}
	while (fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		data = slurp(line, &len);
		if (!data) {
			perror(line);
			exit(1);
		}
		base = strrchr(line, '/');
		snprintf(url, sizeof(url), "http://127.0.0.1/feeds/%s",
		    base ? base + 1 : line);
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n].url = xstrdup(url);
		v[n].doc = feed_parse(data, len, NULL, url, &err);
		free(data);
		if (!v[n].doc) {
			fprintf(stderr, "store_ingest: %s: %s\n", line, err.msg);
			free(v[n].url);
			continue;
		}
		feed_doc_identify(v[n].doc, NULL);
		*nitems += v[n].doc->nitems;
		n++;
	}
	fclose(fp);
	*ndocs = n;
	return v;
}

static void
die(const char *what, const struct herald_err *err)
{
	fprintf(stderr, "store_ingest: %s: %s\n", what, err->msg);
	exit(1);
}

static void
ingest(struct store *st, struct doc *v, size_t n, size_t nitems, int round,
    long group)
{
	struct store_commit_stats cs;
	struct store_fetch f;
	struct herald_err err;
	size_t i, inserted = 0, sources = 0, unchanged = 0;
	int64_t total = 0;
	double t0, t, c0;

	/* Untimed: the feeds are registered before they are fetched. */
	if (store_begin(st, &err))
		die("begin", &err);
	for (i = 0; i < n; i++)
		if (store_feed_sync(st, v[i].url, NULL, &v[i].feed_id, &err))
			die("feed", &err);
	if (store_commit(st, &err))
		die("commit", &err);
	t0 = now_s();
	c0 = cpu_s();
	for (i = 0; i < n; i++) {
		if (group > 1 && i % (size_t)group == 0 &&
		    store_begin(st, &err))
			die("begin", &err);
		memset(&f, 0, sizeof(f));
		f.feed_id = v[i].feed_id;
		f.now = (int64_t)time(NULL);
		f.http_status = 200;
		f.etag = "\"bench\"";
		if (store_doc_commit(st, &f, v[i].doc, NULL, &cs, &err))
			die("commit", &err);
		inserted += cs.inserted;
		sources += cs.sources;
		unchanged += cs.unchanged;
		if (group > 1 && (i % (size_t)group == (size_t)group - 1 ||
		    i == n - 1) && store_commit(st, &err))
			die("commit group", &err);
	}
	t = now_s() - t0;
	c0 = cpu_s() - c0;
	if (store_count_items(st, &total, &err))
		die("count", &err);
	printf("{\"tool\":\"store_ingest\",\"round\":%d,\"group\":%ld,"
	    "\"docs\":%zu,\"items_offered\":%zu,\"inserted\":%zu,"
	    "\"sources\":%zu,\"unchanged\":%zu,\"rows_after\":%lld,"
	    "\"seconds\":%.4f,\"cpu_seconds\":%.4f,\"items_per_s\":%.1f}\n",
	    round, group, n, nitems, inserted, sources, unchanged,
	    (long long)total, t, c0,
	    t > 0 ? (double)nitems / t : 0.0);
}

int
main(int argc, char **argv)
{
	struct herald_err err;
	struct store *st = NULL;
	struct doc *r1, *r2 = NULL;
	size_t n1, n2 = 0, i1, i2 = 0, i;
	long group = 1;
	char *end;
	int ch;

	while ((ch = getopt(argc, argv, "g:")) != -1) {
		switch (ch) {
		case 'g':
			group = strtol(optarg, &end, 10);
			if (end == optarg || *end || group < 1) {
				fprintf(stderr, "store_ingest: bad -g\n");
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: store_ingest [-g DOCS] DB "
			    "LIST_R1 [LIST_R2]\n");
			return 2;
		}
	}
	if (argc - optind < 2 || argc - optind > 3) {
		fprintf(stderr, "usage: store_ingest [-g DOCS] DB LIST_R1 "
		    "[LIST_R2]\n");
		return 2;
	}
	feed_parse_init();
	r1 = load(argv[optind + 1], &n1, &i1);
	if (argc - optind == 3)
		r2 = load(argv[optind + 2], &n2, &i2);
	unlink(argv[optind]);
	if (store_open(argv[optind], 0, &st, &err))
		die("open", &err);
	ingest(st, r1, n1, i1, 1, group);
	if (r2)
		ingest(st, r2, n2, i2, 2, group);
	store_close(st);
	for (i = 0; i < n1; i++) {
		feed_doc_free(r1[i].doc);
		free(r1[i].url);
	}
	for (i = 0; i < n2; i++) {
		feed_doc_free(r2[i].doc);
		free(r2[i].url);
	}
	free(r1);
	free(r2);
	feed_parse_cleanup();
	return 0;
}
