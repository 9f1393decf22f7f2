/*
 * topicbench.c: tagging throughput of the topic engine (issue 6), one
 * thread, so the figures are per core.
 *
 * usage: topicbench [-s SYNTH] [-t SECONDS] TOPICS ITEMS.jsonl
 *
 * Loads TOPICS (a *.topic file or a directory), adds SYNTH synthetic
 * topics made of common news words (so that they hit, and score, like
 * real ones), reads items {"title","summary"} from ITEMS.jsonl, and tags
 * them over and over for SECONDS (default 2). Prints one line:
 *   topics=N items=N bytes=N items_per_s=N mb_per_s=N cpu_mb_per_s=N
 *   tagged=N
 * where bytes count title + summary, the text a feed item carries.
 * mb_per_s is over wall-clock time, cpu_mb_per_s over the CPU time the
 * process got: on a shared, loaded machine the first drops with the
 * share of the core the process gets, the second much less (caches and
 * a busy hyperthread sibling still slow it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "config/topics.h"
#include "feeds/buf.h"
#include "feeds/date.h"
#include "feeds/err.h"
#include "feeds/topic.h"
#include "feeds/xmem.h"

struct item {
	char	*title;
	char	*summary;
};

static const char *const words[] = {
	"election", "vote", "parliament", "minister", "budget", "tax",
	"inflation", "market", "stocks", "bank", "court", "judge", "trial",
	"police", "storm", "flood", "wildfire", "earthquake", "climate",
	"energy", "oil", "gas", "election*", "strike", "union", "school",
	"hospital", "health", "vaccine", "virus", "football", "league",
	"match", "coach", "olympic*", "tennis", "film", "music", "award",
	"festival", "company", "merger", "profit*", "jobs", "housing",
	"rent", "transport", "rail", "airport", "border", "migrant*",
	"refugee*", "summit", "treaty", "trade", "tariff*", "china",
	"europe*", "africa*", "india", "brazil", "mexico", "canada",
	"technology", "artificial intelligence", "data", "privacy",
	"space", "rocket", "nasa", "science", "research", "universit*",
	"protest*", "president", "governor", "mayor", "senate", "congress",
	"crime", "murder", "arrest*", "prison", "drought", "harvest",
	"farm*", "food", "water", "pollution", "cyber*", "hack*",
};
#define NWORDS	(sizeof(words) / sizeof(words[0]))

static unsigned long
rnd(unsigned long *s)
{
	*s = *s * 6364136223846793005UL + 1442695040888963407UL;
	return *s >> 33;
}

/* A topic like a user would write: a few groups, a negative, a near. */
static void
synth_topic(struct buf *b, unsigned n, unsigned long *seed)
{
	unsigned g, k;

	buf_printf(b, "[topic synth-%u]\nlabel = synthetic %u\n"
	    "threshold = 4\n", n, n);
	for (g = 0; g < 6; g++) {
		buf_printf(b, "[group g%u]\nweight = %s\nterms = ", g,
		    g == 5 ? "-2" : g < 2 ? "3" : "1.5");
		for (k = 0; k < 6; k++)
			buf_printf(b, "%s%s", k ? ", " : "",
			    words[rnd(seed) % NWORDS]);
		buf_printf(b, ", synth%uterm%u\n", n, g);
	}
	buf_printf(b, "[near n0]\nweight = 1\nmatch = g0 NEAR/5 g2\n");
}

static int
add_synth(struct topic_set *ts, unsigned n, struct herald_err *err)
{
	unsigned long seed = 42;
	struct buf b;
	unsigned i;
	int rc = 0;

	buf_init(&b, 64u * 1024 * 1024);
	for (i = 0; i < n && !rc; i++) {
		buf_reset(&b);
		synth_topic(&b, i, &seed);
		rc = topic_set_add(ts, "synthetic", buf_str(&b), buf_len(&b),
		    err);
	}
	buf_fini(&b);
	return rc;
}

static char *
jdup(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v ? xstrdup(v) : NULL;
}

static struct item *
read_items(const char *path, size_t *n, size_t *bytes)
{
	struct item *v = NULL;
	size_t cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	FILE *fp;
	json_t *o;

	*n = *bytes = 0;
	fp = fopen(path, "r");
	if (!fp) {
		perror(path);
		return NULL;
	}
	while (getline(&line, &lcap, fp) > 0) {
		o = json_loads(line, 0, NULL);
		if (!o)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[*n].title = jdup(o, "title");
		v[*n].summary = jdup(o, "summary");
		*bytes += (v[*n].title ? strlen(v[*n].title) : 0) +
		    (v[*n].summary ? strlen(v[*n].summary) : 0);
		(*n)++;
		json_decref(o);
	}
	free(line);
	fclose(fp);
	return v;
}

static double
now_s(clockid_t clk)
{
	struct timespec t;

	clock_gettime(clk, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct herald_err err;
	struct topic_set *ts = NULL;
	struct topic_result r;
	struct item *items = NULL;
	size_t n = 0, bytes, i, tagged = 0, done = 0;
	double secs = 2, t0, c0, el, cpu;
	unsigned synth = 0;
	int a = 1, rc = 1;

	for (; a + 1 < argc && argv[a][0] == '-'; a += 2) {
		if (strcmp(argv[a], "-s") == 0)
			synth = (unsigned)strtoul(argv[a + 1], NULL, 10);
		else if (strcmp(argv[a], "-t") == 0)
			secs = strtod(argv[a + 1], NULL);
		else
			break;
	}
	if (argc - a != 2) {
		fprintf(stderr, "usage: topicbench [-s SYNTH] [-t SECONDS] "
		    "TOPICS ITEMS.jsonl\n");
		return 2;
	}
	ts = topics_load(argv[a], &err);
	if (!ts || add_synth(ts, synth, &err) ||
	    topic_set_compile(ts, &err)) {
		fprintf(stderr, "topicbench: %s\n", err.msg);
		goto out;
	}
	items = read_items(argv[a + 1], &n, &bytes);
	if (!items || n == 0) {
		fprintf(stderr, "topicbench: %s: no items\n", argv[a + 1]);
		goto out;
	}
	t0 = now_s(CLOCK_MONOTONIC);
	c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	do {
		for (i = 0; i < n; i++) {
			topic_set_match(ts, items[i].title, items[i].summary,
			    NULL, DATE_NONE, &r);
			if (done < n && r.ntags)
				tagged++;
			topic_result_fini(&r);
		}
		done += n;
		el = now_s(CLOCK_MONOTONIC) - t0;
	} while (el < secs);
	cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	printf("topics=%zu items=%zu bytes=%zu items_per_s=%.0f "
	    "mb_per_s=%.1f cpu_mb_per_s=%.1f tagged=%zu\n",
	    topic_set_count(ts), n, bytes, (double)done / el,
	    (double)bytes * (double)(done / n) / el / 1e6,
	    (double)bytes * (double)(done / n) / cpu / 1e6, tagged);
	rc = 0;
out:
	for (i = 0; i < n; i++) {
		free(items[i].title);
		free(items[i].summary);
	}
	free(items);
	topic_set_free(ts);
	return rc;
}
