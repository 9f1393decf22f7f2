/*
 * cmd_topics.c: herald topics [list|check|test|retag] — show, validate
 * and try out the topic files (herald.topic(5)), and re-apply them to the
 * stored items. Only list (for its counts) and retag open the database.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/out.h"
#include "config/conf.h"
#include "config/topics.h"
#include "feeds/buf.h"
#include "feeds/date.h"
#include "feeds/err.h"
#include "feeds/topic.h"
#include "feeds/xmem.h"
#include "store/store.h"
#include "store/tag_store.h"

#define TOPICS_FALLBACK		"config/topics"
#define TOPICS_TEST_LINE_MAX	(16u * 1024 * 1024)	/* one JSON line */
/* Items read, tagged and written per transaction by retag. */
#define RETAG_BATCH		2000
#define RETAG_BAR_WIDTH		30

static const char *const field_names[TOPIC_NFIELDS] = {
	"title", "summary", "content"
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: herald topics [--topics PATH] [list|check|test|retag]\n"
	    "  list   name, label, version, file and tagged items of each "
	    "topic\n"
	    "  check  validate the topic files: \"topics OK: N topics\"\n"
	    "  test   tag JSON Lines {\"id\",\"title\",\"summary\"} from stdin "
	    "(optional:\n"
	    "         \"content\"; \"published\" as epoch seconds or a date); "
	    "write\n"
	    "         one {\"id\",\"topics\":[{\"name\",\"score\",\"terms\"}]}"
	    " per input line\n"
	    "  retag [--topic T] [--dry-run]\n"
	    "         re-apply the topic files (or topic T) to the stored "
	    "items; print\n"
	    "         the items gained (+) and lost (-); --dry-run writes "
	    "nothing\n"
	    "PATH is a *.topic file or a directory of them; default: the "
	    "config's \"topics\",\nelse ./" TOPICS_FALLBACK ".\n");
}

/*
 * The topic path: --topics, else the config's "topics" key, else
 * ./config/topics when it exists (running from a source tree without a
 * config). Returns a new string (caller frees) or NULL after a message.
 */
static char *
topics_path(const char *opt, const struct cli_opts *o)
{
	struct conf *c = NULL;
	struct stat st;
	char errs[1024] = "";
	char *p = NULL;
	int conf_exists;

	if (opt)
		return xstrdup(opt);
	conf_exists = o->config && stat(o->config, &st) == 0;
	if (conf_exists)
		c = conf_load(o->config, errs, sizeof(errs));
	if (c && c->topics)
		p = xstrdup(c->topics);
	conf_free(c);
	if (p)
		return p;
	if (stat(TOPICS_FALLBACK, &st) == 0) {
		/* Say why only when a config exists but is broken. */
		errs[strcspn(errs, "\n")] = '\0';
		if (conf_exists)
			fprintf(stderr, "herald topics: %s; using ./%s\n",
			    errs, TOPICS_FALLBACK);
		return xstrdup(TOPICS_FALLBACK);
	}
	if (conf_exists)
		fprintf(stderr, "%s\n", errs);
	else
		fprintf(stderr, "herald topics: %s: %s; give --topics PATH\n",
		    o->config ? o->config : "(no config)", strerror(ENOENT));
	return NULL;
}

static struct topic_set *
load(const char *opt, const struct cli_opts *o)
{
	struct herald_err err;
	struct topic_set *ts;
	char *path;

	path = topics_path(opt, o);
	if (!path)
		return NULL;
	ts = topics_load(path, &err);
	if (!ts)
		fprintf(stderr, "%s\n", err.msg);
	free(path);
	return ts;
}

/*
 * Opens the database for counts, quietly: topics list works from a source
 * tree with no database at all. NULL when there is none to read.
 */
static struct store *
store_open_quiet(const struct cli_opts *o)
{
	struct herald_err err;
	struct conf *c = NULL;
	struct store *st = NULL;
	struct stat sb;
	char errs[1024];
	const char *path = o->db;

	if (!path && o->config && stat(o->config, &sb) == 0) {
		c = conf_load(o->config, errs, sizeof(errs));
		path = c ? c->database : NULL;
	}
	/* A read-only open never creates the file, but say so plainly. */
	if (path && stat(path, &sb) == 0 &&
	    store_open(path, STORE_RDONLY, &st, &err) != 0)
		st = NULL;
	conf_free(c);
	return st;
}

struct counts {
	const struct topic_set *ts;
	long long	*n;		/* per topic of ts */
};

static int
count_cb(const char *topic, int64_t n, void *arg)
{
	struct counts *c = arg;
	size_t i;

	for (i = 0; topic && i < topic_set_count(c->ts); i++)
		if (strcmp(topic_set_name(c->ts, i), topic) == 0)
			c->n[i] = n;
	return 0;
}

static int
topics_list(const struct topic_set *ts, const struct cli_opts *o)
{
	static const struct out_col cols[] = {
		{ "NAME", 0 }, { "LABEL", 1 }, { "VERSION", 0 }, { "FILE", 0 },
		{ "ITEMS", 0 },
	};
	const char *vals[5];
	char shortv[13], nbuf[32];
	struct herald_err err;
	struct counts cnt;
	struct store *st;
	struct out *out;
	json_t *j;
	size_t i;

	cnt.ts = ts;
	cnt.n = xcalloc(topic_set_count(ts) + 1, sizeof(*cnt.n));
	for (i = 0; i < topic_set_count(ts); i++)
		cnt.n[i] = -1;	/* no database: no count */
	st = store_open_quiet(o);
	if (st) {
		for (i = 0; i < topic_set_count(ts); i++)
			cnt.n[i] = 0;
		if (store_tag_counts(st, count_cb, &cnt, &err) != 0)
			fprintf(stderr, "herald topics: %s\n", err.msg);
		store_close(st);
	}
	out = out_new(o->format, stdout, cols, 5);
	for (i = 0; i < topic_set_count(ts); i++) {
		if (out_format(out) == CLI_FMT_JSON) {
			j = json_object();
			json_object_set_new(j, "name",
			    out_jstr(topic_set_name(ts, i)));
			json_object_set_new(j, "label",
			    out_jstr(topic_set_label(ts, i)));
			json_object_set_new(j, "version",
			    out_jstr(topic_set_version(ts, i)));
			json_object_set_new(j, "file",
			    out_jstr(topic_set_path(ts, i)));
			json_object_set_new(j, "items", cnt.n[i] < 0 ?
			    json_null() : json_integer(cnt.n[i]));
			out_json(out, j);
			continue;
		}
		vals[0] = topic_set_name(ts, i);
		vals[1] = topic_set_label(ts, i);
		vals[2] = topic_set_version(ts, i);
		if (out_format(out) == CLI_FMT_TABLE) {
			/* A 64-digit hash is noise on a terminal. */
			snprintf(shortv, sizeof(shortv), "%s", vals[2]);
			vals[2] = shortv;
		}
		vals[3] = topic_set_path(ts, i);
		snprintf(nbuf, sizeof(nbuf), "%lld", cnt.n[i]);
		vals[4] = cnt.n[i] < 0 ? "-" : nbuf;
		out_row(out, vals);
	}
	out_free(out);
	free(cnt.n);
	return CLI_EXIT_OK;
}

/* Rounds away binary noise (0.30000000000000004) for the output. */
static json_t *
jreal(double v)
{
	return json_real((double)(long long)(v * 1e6 + (v < 0 ? -0.5 :
	    0.5)) / 1e6);
}

static json_t *
tag_json(const struct topic_tag *t)
{
	json_t *o, *terms, *h;
	size_t i;

	terms = json_array();
	for (i = 0; i < t->nhits; i++) {
		h = json_object();
		json_object_set_new(h, "term", json_string(t->hits[i].term));
		json_object_set_new(h, "group", json_string(t->hits[i].group));
		json_object_set_new(h, "field",
		    json_string(field_names[t->hits[i].field]));
		json_object_set_new(h, "offset",
		    json_integer((json_int_t)t->hits[i].offset));
		json_object_set_new(h, "weight", jreal(t->hits[i].weight));
		json_array_append_new(terms, h);
	}
	o = json_object();
	json_object_set_new(o, "name", json_string(t->topic));
	json_object_set_new(o, "score", jreal(t->score));
	json_object_set_new(o, "terms", terms);
	return o;
}

/*
 * Reads key of obj as text: absent or null gives NULL, a string its
 * value. Returns -1 for any other type.
 */
static int
get_text(json_t *obj, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

/*
 * Reads "published": absent or null gives DATE_NONE, an integer is epoch
 * seconds, a string any date date_parse() knows (RFC 3339, RFC 822).
 * Returns -1 for anything else.
 */
static int
get_time(json_t *obj, long long *out)
{
	json_t *v = json_object_get(obj, "published");
	int64_t t;

	*out = DATE_NONE;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v) || date_parse(json_string_value(v),
	    json_string_length(v), &t, NULL) != 0)
		return -1;
	*out = t;
	return 0;
}

/*
 * Tags one input line; writes the output line or, for bad input, a
 * message naming the line. Returns 0 or -1 (bad line).
 */
static int
test_line(const struct topic_set *ts, const char *line, size_t len,
    size_t lineno)
{
	const char *title, *summary, *content;
	struct topic_result r;
	json_t *in, *out, *tags;
	json_error_t jerr;
	long long published;
	char *s;
	size_t i;

	in = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!in || !json_is_object(in)) {
		fprintf(stderr, "herald topics test: stdin:%zu: %s\n", lineno,
		    in ? "not a JSON object" : jerr.text);
		json_decref(in);
		return -1;
	}
	if (get_text(in, "title", &title) || get_text(in, "summary",
	    &summary) || get_text(in, "content", &content) ||
	    get_time(in, &published)) {
		fprintf(stderr, "herald topics test: stdin:%zu: title, summary "
		    "and content must be strings, published a date\n",
		    lineno);
		json_decref(in);
		return -1;
	}
	topic_set_match(ts, title, summary, content, published, &r);
	tags = json_array();
	for (i = 0; i < r.ntags; i++)
		json_array_append_new(tags, tag_json(&r.tags[i]));
	topic_result_fini(&r);
	out = json_object();
	json_object_set(out, "id", json_object_get(in, "id") ?
	    json_object_get(in, "id") : json_null());
	json_object_set_new(out, "topics", tags);
	s = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	json_decref(out);
	json_decref(in);
	return 0;
}

/* Is b[0..n) blank? Blank lines (a trailing newline) are skipped. */
static int
blank(const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r')
			return 0;
	return 1;
}

static int
topics_test(const struct topic_set *ts)
{
	char chunk[65536];
	struct buf line;
	size_t lineno = 0, n;
	int bad = 0, toolong = 0, eol;
	char *got;

	buf_init(&line, TOPICS_TEST_LINE_MAX);
	for (;;) {
		got = fgets(chunk, sizeof(chunk), stdin);
		if (!got && buf_len(&line) == 0 && !toolong)
			break;
		/* Without got, this is a last line that lacks its newline. */
		n = got ? strlen(chunk) : 0;
		eol = !got || (n > 0 && chunk[n - 1] == '\n');
		if (got && eol)
			n--;
		if (!toolong && buf_append(&line, chunk, n) != 0)
			toolong = 1;
		if (!eol)
			continue;
		lineno++;
		if (toolong) {
			fprintf(stderr, "herald topics test: stdin:%zu: line "
			    "longer than %u bytes\n", lineno,
			    TOPICS_TEST_LINE_MAX);
			bad = 1;
		} else if (!blank(buf_str(&line), buf_len(&line)) &&
		    test_line(ts, buf_str(&line), buf_len(&line), lineno))
			bad = 1;
		buf_reset(&line);
		toolong = 0;
		if (!got)
			break;
	}
	buf_fini(&line);
	if (ferror(stdin) || fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "herald topics test: %s\n", strerror(errno));
		return CLI_EXIT_ERR;
	}
	return bad ? CLI_EXIT_ERR : CLI_EXIT_OK;
}

/* ---- retag ---- */

struct retag {
	const struct topic_set *ts;
	const char	*only;		/* --topic, or NULL for every topic */
	int		 dry;
	struct store	*st;
	struct out	*out;
	int64_t		 total;		/* items, for the progress bar */
	int64_t		 done;
	size_t		 gained, lost, changed;
	int		 bar;		/* stderr is a terminal */
};

/* Is topic name one that this run re-applies? */
static int
in_scope(const struct retag *r, const char *name)
{
	size_t i;

	if (r->only)
		return strcmp(name, r->only) == 0;
	for (i = 0; i < topic_set_count(r->ts); i++)
		if (strcmp(topic_set_name(r->ts, i), name) == 0)
			return 1;
	return 0;
}

static void
retag_print(struct retag *r, const char *change, const char *topic,
    const struct store_tagged_item *it)
{
	const char *vals[4];
	char id[32];
	json_t *j;

	if (out_format(r->out) == CLI_FMT_JSON) {
		j = json_object();
		json_object_set_new(j, "change", json_string(change[0] == '+' ?
		    "gained" : "lost"));
		json_object_set_new(j, "topic", out_jstr(topic));
		json_object_set_new(j, "id", json_integer(it->id));
		json_object_set_new(j, "title", out_jstr(it->title));
		out_json(r->out, j);
		return;
	}
	snprintf(id, sizeof(id), "%lld", (long long)it->id);
	vals[0] = change;
	vals[1] = topic;
	vals[2] = id;
	vals[3] = it->title;
	out_row(r->out, vals);
}

static void
retag_bar(const struct retag *r, int last)
{
	char bar[RETAG_BAR_WIDTH + 1];
	int64_t total = r->total > r->done ? r->total : r->done;
	size_t fill, i;

	if (!r->bar)
		return;
	fill = total ? (size_t)(r->done * RETAG_BAR_WIDTH / total) : 0;
	for (i = 0; i < RETAG_BAR_WIDTH; i++)
		bar[i] = i < fill ? '#' : ' ';
	bar[RETAG_BAR_WIDTH] = '\0';
	fprintf(stderr, "\rretag: [%s] %lld/%lld items", bar,
	    (long long)r->done, (long long)total);
	if (last)
		fputc('\n', stderr);
	fflush(stderr);
}

/*
 * Re-tags one item: prints the tags it gains and loses and, unless this
 * is a dry run, writes its tags in scope (an unchanged tag is not
 * rewritten; a changed score or version is).
 */
static int
retag_item(struct retag *r, const struct store_tagged_item *it,
    int64_t now, struct herald_err *err)
{
	struct topic_result res;
	struct topic_tag *put;
	const char **drop;
	size_t i, j, nput = 0, ndrop = 0;
	int rc = 0, found, changed = 0;

	topic_set_match(r->ts, it->title, it->summary, it->content,
	    it->published, &res);
	put = xcalloc(res.ntags + 1, sizeof(*put));
	drop = xcalloc(it->ntopics + 1, sizeof(*drop));
	for (i = 0; i < res.ntags; i++) {
		if (!in_scope(r, res.tags[i].topic))
			continue;
		put[nput++] = res.tags[i];
		for (j = 0, found = 0; j < it->ntopics && !found; j++)
			found = strcmp(it->topics[j], res.tags[i].topic) == 0;
		if (!found) {
			retag_print(r, "+", res.tags[i].topic, it);
			r->gained++;
			changed = 1;
		}
	}
	for (j = 0; j < it->ntopics; j++) {
		if (!in_scope(r, it->topics[j]))
			continue;
		for (i = 0, found = 0; i < nput && !found; i++)
			found = strcmp(it->topics[j], put[i].topic) == 0;
		if (!found) {
			drop[ndrop++] = it->topics[j];
			retag_print(r, "-", it->topics[j], it);
			r->lost++;
			changed = 1;
		}
	}
	r->changed += changed;
	if (!r->dry && (nput || ndrop))
		rc = store_item_tags_set(r->st, it->id, drop, ndrop, put, nput,
		    now, err);
	free(put);
	free(drop);
	topic_result_fini(&res);
	return rc;
}

/* One batch: read, tag, and write in one transaction. */
static int
retag_batch(struct retag *r, int64_t *after, size_t *n,
    struct herald_err *err)
{
	struct store_tagged_item *v = NULL;
	int64_t now = (int64_t)time(NULL);
	size_t i;
	int rc;

	rc = store_tagged_items(r->st, *after, RETAG_BATCH, &v, n, err);
	if (rc || *n == 0)
		goto out;
	if (!r->dry) {
		rc = store_begin(r->st, err);
		if (rc)
			goto out;
	}
	for (i = 0; !rc && i < *n; i++)
		rc = retag_item(r, &v[i], now, err);
	if (!r->dry) {
		if (rc)
			store_rollback(r->st);
		else
			rc = store_commit(r->st, err);
	}
	*after = v[*n - 1].id;
	r->done += (int64_t)*n;
out:
	store_tagged_items_free(v, *n);
	return rc;
}

static int
topics_retag(const struct topic_set *ts, const char *only, int dry,
    const struct cli_opts *o)
{
	static const struct out_col cols[] = {
		{ "CHANGE", 0 }, { "TOPIC", 0 }, { "ID", 0 }, { "TITLE", 1 },
	};
	struct herald_err err;
	struct retag r;
	int64_t after = 0;
	size_t i, n;
	int rc = CLI_EXIT_ERR;

	memset(&r, 0, sizeof(r));
	r.ts = ts;
	r.only = only;
	r.dry = dry;
	for (i = 0; only && i < topic_set_count(ts); i++)
		if (strcmp(topic_set_name(ts, i), only) == 0)
			break;
	if (only && i == topic_set_count(ts)) {
		fprintf(stderr, "herald topics retag: --topic %s: no such "
		    "topic in the topic files\n", only);
		return CLI_EXIT_USAGE;
	}
	if (cli_store_open(o, dry ? STORE_RDONLY : 0, &r.st))
		return CLI_EXIT_ERR;
	r.bar = isatty(fileno(stderr));
	if (store_count_items(r.st, &r.total, &err) != 0)
		r.total = 0;
	r.out = out_new(o->format, stdout, cols, 4);
	do {
		if (retag_batch(&r, &after, &n, &err) != 0) {
			if (r.bar)
				fputc('\n', stderr);
			fprintf(stderr, "herald topics retag: %s\n", err.msg);
			goto out;
		}
		retag_bar(&r, 0);
	} while (n == RETAG_BATCH);
	retag_bar(&r, 1);
	rc = CLI_EXIT_OK;
out:
	out_free(r.out);
	fprintf(stderr, "retag: %lld items, %zu changed: %zu tags gained, "
	    "%zu lost%s\n", (long long)r.done, r.changed, r.gained, r.lost,
	    dry ? " (dry run: nothing written)" : "");
	store_close(r.st);
	return rc;
}

int
cmd_topics(int argc, char **argv, const struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "topics", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option subopts[] = {
		{ "format", required_argument, NULL, 'o' },
		{ "topic", required_argument, NULL, 't' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *opt = NULL, *sub = "list", *only = NULL;
	struct cli_opts lo = *o;
	struct topic_set *ts;
	int ch, f, rc, dry = 0;

	/* "+": stop at the subcommand, whose options are its own. */
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'T':
			opt = optarg;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc)
		sub = argv[optind++];
	/* The subcommand's own options: --format, and retag's. */
	argc -= optind - 1;
	argv += optind - 1;
	optind = 0;	/* glibc: start afresh on the new vector */
	while ((ch = getopt_long(argc, argv, "+h", subopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			f = cli_format_parse(optarg);
			if (f < 0) {
				fprintf(stderr, "herald topics: --format \"%s\": "
				    "expected table, json, tsv or csv\n", optarg);
				return CLI_EXIT_USAGE;
			}
			lo.format = (enum cli_format)f;
			break;
		case 't':
			only = optarg;
			break;
		case 'n':
			dry = 1;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if ((only || dry) && strcmp(sub, "retag") != 0) {
		fprintf(stderr, "herald topics: --topic and --dry-run are "
		    "retag's options\n");
		return CLI_EXIT_USAGE;
	}
	if (optind < argc || (strcmp(sub, "list") != 0 &&
	    strcmp(sub, "check") != 0 && strcmp(sub, "test") != 0 &&
	    strcmp(sub, "retag") != 0)) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	ts = load(opt, o);
	if (!ts)
		return CLI_EXIT_ERR;
	if (strcmp(sub, "check") == 0) {
		printf("topics OK: %zu topics\n", topic_set_count(ts));
		rc = CLI_EXIT_OK;
	} else if (strcmp(sub, "test") == 0)
		rc = topics_test(ts);
	else if (strcmp(sub, "retag") == 0)
		rc = topics_retag(ts, only, dry, &lo);
	else
		rc = topics_list(ts, &lo);
	topic_set_free(ts);
	return rc;
}
