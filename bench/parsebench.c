/*
 * parsebench.c: feed_parse() throughput in process, one thread, on a list
 * of files read into memory first (like ../shared/bench/c/xmlfloor.c, so
 * the two figures compare). Usage: parsebench [-r REPS] LIST
 * LIST holds one path per line. Prints MB/s and items/s (best of REPS)
 * and the best CPU time of one repetition.
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

struct file {
	char	*data;
	size_t	 len;
};

static double
now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0) {
		p = xmalloc((size_t)n + 1);
		*len = fread(p, 1, (size_t)n, fp);
	}
	fclose(fp);
	return p;
}

int
main(int argc, char **argv)
{
	struct file *files = NULL;
	size_t nfiles = 0, i, bytes = 0, items = 0;
	char line[4096];
	int reps = 3, r, ch;
	double best = 1e30, best_cpu = 1e30;
	FILE *list;

	while ((ch = getopt(argc, argv, "r:")) != -1) {
		if (ch == 'r')
			reps = (int)strtol(optarg, NULL, 10);
		else
			return 2;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: parsebench [-r REPS] LIST\n");
		return 2;
	}
	list = fopen(argv[optind], "r");
	if (!list) {
		perror(argv[optind]);
		return 1;
	}
	while (fgets(line, sizeof(line), list)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		files = xreallocarray(files, nfiles + 1, sizeof(*files));
		files[nfiles].data = slurp(line, &files[nfiles].len);
		if (!files[nfiles].data)
			continue;
		bytes += files[nfiles].len;
		nfiles++;
	}
	fclose(list);
	feed_parse_init();
	for (r = 0; r < (reps > 0 ? reps : 1); r++) {
		double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
		double t, c;

		items = 0;
		for (i = 0; i < nfiles; i++) {
			struct herald_err err;
			struct feed_doc *doc;

			doc = feed_parse(files[i].data, files[i].len, NULL,
			    "http://bench.test/feed", &err);
			if (doc) {
				feed_doc_identify(doc, NULL);
				items += doc->nitems;
				feed_doc_free(doc);
			}
		}
		t = now(CLOCK_MONOTONIC) - t0;
		c = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
		if (t < best)
			best = t;
		if (c < best_cpu)
			best_cpu = c;
	}
	printf("feed_parse+identify: %zu files, %.1f MB, %zu items: best of %d "
	    "%.3f s = %.1f MB/s, %.0f items/s; cpu %.3f s\n", nfiles,
	    (double)bytes / 1e6, items, reps, best, (double)bytes / 1e6 / best,
	    (double)items / best, best_cpu);
	for (i = 0; i < nfiles; i++)
		free(files[i].data);
	free(files);
	feed_parse_cleanup();
	return 0;
}
