/*
 * cmd_feeds.c: herald feeds [list|add|remove|import|export]. list reads
 * the database; the others edit the configured feeds list (temp file +
 * rename, every other line and comment kept), check the result with the
 * configuration parser, and ask a running heraldd to reload.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/ctl_client.h"
#include "cli/opml.h"
#include "cli/out.h"
#include "config/conf.h"
#include "feeds/buf.h"
#include "feeds/date.h"
#include "feeds/err.h"
#include "feeds/text.h"
#include "feeds/xmem.h"
#include "store/show.h"
#include "store/store.h"

#define FEEDS_MAX_FILE	(16 << 20)

static const struct out_col feed_cols[] = {
	{ "ID", 0 }, { "STATE", 0 }, { "LAST OK", 0 }, { "NEXT CHECK", 0 },
	{ "ITEMS", 0 }, { "NEW 24H", 0 }, { "NAME", 0 }, { "URL", 0 },
	{ "LAST ERROR", 1 },
};

struct feeds_ctx {
	struct out	*out;
	long long	 now;
	const struct conf *conf;	/* may be NULL (--db without config) */
};

static void
feeds_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: herald feeds [list] [--format table|json|tsv|csv]\n"
	    "       herald feeds add URL [--name NAME] [--interval DURATION]\n"
	    "       herald feeds remove URL|NAME\n"
	    "       herald feeds import FILE.opml\n"
	    "       herald feeds enable URL|NAME   (poll a disabled feed again)\n"
	    "       herald feeds export\n"
	    "list shows per feed: state (new, ok, failing, backing off, "
	    "disabled), last\nsuccess, next check, items, items new in 24 h, "
	    "last error.\n"
	    "tsv columns: id, state, last success, next check, items, new 24h, "
	    "name, url,\nlast error (times RFC 3339).\n"
	    "add, remove and import edit the feeds list of the configuration "
	    "and ask a\nrunning heraldd to reload; export writes OPML 2.0 "
	    "(folders = first tag).\n"
	    "examples:\n"
	    "  herald feeds add https://example.org/rss --name Example "
	    "--interval 15m\n"
	    "  herald feeds export > feeds.opml\n");
}

/* "backing off" from the second failure on, as the scheduler does. */
static const char *
feed_state(const struct store_feed_stats *f)
{
	if (!f->enabled)
		return "disabled";
	if (f->last_attempt == DATE_NONE)
		return "new";
	if (f->failures >= 2)
		return "backing off";
	if (f->failures == 1)
		return "failing";
	return "ok";
}

/*
 * When the scheduler will poll next, as it computes it (daemon/sched.c)
 * without the jitter: the interval after a success, doubling backoff
 * from min_interval after failures. DATE_NONE when unknown.
 */
static int64_t
next_check(const struct store_feed_stats *f, const struct conf *c)
{
	int64_t secs, iv = 1800, lo = 300, hi = 86400;
	size_t i;
	long k;

	if (!f->enabled)
		return DATE_NONE;
	if (f->last_attempt == DATE_NONE)
		return 0;
	if (c) {
		iv = c->interval;
		lo = c->min_interval;
		hi = c->max_interval;
		for (i = 0; i < c->nfeeds; i++)
			if (!strcmp(c->feedv[i].url, f->url) &&
			    c->feedv[i].interval > 0)
				iv = c->feedv[i].interval;
	}
	if (f->failures == 0)
		secs = iv < lo ? lo : iv;
	else
		for (secs = lo, k = 1; k < f->failures && secs < hi; k++)
			secs *= 2;
	if (secs > hi)
		secs = hi;
	return f->last_attempt + secs;
}

static json_t *
feed_json(const struct store_feed_stats *f, int64_t next)
{
	json_t *o = json_object();
	char t1[32], t2[32], t3[32];

	json_object_set_new(o, "id", json_integer(f->id));
	json_object_set_new(o, "url", out_jstr(f->url));
	json_object_set_new(o, "name", out_jstr(f->name ? f->name : f->url));
	json_object_set_new(o, "state", out_jstr(feed_state(f)));
	json_object_set_new(o, "items", json_integer(f->items));
	json_object_set_new(o, "new_24h", json_integer(f->new_since));
	json_object_set_new(o, "last_success",
	    out_jstr(date_format_rfc3339(f->last_success, t1)));
	json_object_set_new(o, "last_attempt",
	    out_jstr(date_format_rfc3339(f->last_attempt, t2)));
	json_object_set_new(o, "next_check",
	    out_jstr(date_format_rfc3339(next, t3)));
	json_object_set_new(o, "last_status", json_integer(f->last_status));
	json_object_set_new(o, "last_error", out_jstr(f->last_error));
	json_object_set_new(o, "failures", json_integer(f->failures));
	return o;
}

static const char *
when(int64_t t, long long now, int table, const char *none, char *b,
    size_t n)
{
	if (t == DATE_NONE)
		return none;
	if (t == 0)
		return "now";
	if (table)
		return out_reltime(t, now, b, n);
	return date_format_rfc3339(t, b);
}

static int
feed_cb(const struct store_feed_stats *f, void *arg)
{
	struct feeds_ctx *c = arg;
	char id[32], items[32], fresh[32], ok[32], nx[32];
	const char *vals[9];
	int64_t next = next_check(f, c->conf);
	int table = out_format(c->out) == CLI_FMT_TABLE;

	if (out_format(c->out) == CLI_FMT_JSON) {
		out_json(c->out, feed_json(f, next));
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", (long long)f->id);
	snprintf(items, sizeof(items), "%ld", f->items);
	snprintf(fresh, sizeof(fresh), "%ld", f->new_since);
	vals[0] = id;
	vals[1] = feed_state(f);
	vals[2] = when(f->last_success, c->now, table, table ? "never" : "",
	    ok, sizeof(ok));
	vals[3] = when(next, c->now, table, table ? "-" : "", nx, sizeof(nx));
	vals[4] = items;
	vals[5] = fresh;
	vals[6] = f->name ? f->name : f->url;
	vals[7] = f->url;
	vals[8] = f->last_error ? f->last_error : "";
	out_row(c->out, vals);
	return 0;
}

static int
feeds_list(const struct cli_opts *o, enum cli_format fmt)
{
	struct feeds_ctx c;
	struct store *st = NULL;
	struct herald_err err;
	struct conf *conf = NULL;
	char errs[256];
	int rc = CLI_EXIT_ERR;

	if (cli_store_open(o, STORE_RDONLY, &st))
		return CLI_EXIT_ERR;
	/* Intervals for "next check"; defaults when there is no config. */
	conf = conf_load(o->config, errs, sizeof(errs));
	memset(&c, 0, sizeof(c));
	c.now = (long long)time(NULL);
	c.conf = conf;
	c.out = out_new(fmt, stdout, feed_cols, 9);
	if (store_feed_stats(st, c.now - 86400, feed_cb, &c, &err) < 0)
		fprintf(stderr, "herald feeds: %s\n", err.msg);
	else
		rc = CLI_EXIT_OK;
	out_free(c.out);
	conf_free(conf);
	store_close(st);
	return rc;
}

/* ---- editing the feeds list ---- */

static int
write_atomic(const char *path, const char *data, size_t len)
{
	struct stat sb;
	size_t n = strlen(path) + 8;
	char *tmp = xmalloc(n);
	FILE *fp = NULL;
	int fd, e, rc = -1;

	snprintf(tmp, n, "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		goto out;
	fchmod(fd, stat(path, &sb) == 0 ? (sb.st_mode & 07777) : 0644);
	fp = fdopen(fd, "w");
	if (!fp) {
		close(fd);
		goto fail;
	}
	if (fwrite(data, 1, len, fp) != len || fflush(fp) ||
	    fsync(fileno(fp)))
		goto fail;
	e = fclose(fp);
	fp = NULL;
	if (e || rename(tmp, path))
		goto fail;
	rc = 0;
	goto out;
fail:
	e = errno;
	if (fp)
		fclose(fp);
	unlink(tmp);
	errno = e;
out:
	free(tmp);
	return rc;
}

/* The line number in a conf_feed's "FILE:LINE". */
static long
where_line(const char *where)
{
	const char *p = strrchr(where, ':');

	return p ? strtol(p + 1, NULL, 10) : 0;
}

/* Asks a running daemon to reload; says so when none runs. */
static void
reload_daemon(const struct cli_opts *o, const char *cmd)
{
	char path[4096], msg[512];
	json_t *req, *reply = NULL;
	const char *e;
	int rc;

	if (ctl_socket_path(o, path, sizeof(path)))
		return;
	req = json_pack("{s:s}", "cmd", "reload");
	rc = ctl_request(path, req, CTL_TIMEOUT_MS, &reply, msg, sizeof(msg));
	json_decref(req);
	if (rc == CTL_E_NODAEMON)
		printf("%s: heraldd is not running; the change applies at "
		    "its next start\n", cmd);
	else if (rc)
		fprintf(stderr, "herald %s: saved, but reload failed: %s\n",
		    cmd, msg);
	else if (!json_is_true(json_object_get(reply, "ok"))) {
		e = json_string_value(json_object_get(reply, "error"));
		fprintf(stderr, "herald %s: saved, but heraldd refused to "
		    "reload: %s\n", cmd, e ? e : "?");
	} else
		printf("%s: heraldd reloaded\n", cmd);
	json_decref(reply);
}

/*
 * Replaces the feeds list with text after checking that the whole
 * configuration still loads; on any error the old file stays.
 */
static int
commit_feeds(const struct cli_opts *o, const char *path, const char *text,
    const char *old, size_t oldlen, const char *cmd)
{
	char errs[4096];
	struct conf *c;

	if (write_atomic(path, text, strlen(text))) {
		fprintf(stderr, "herald %s: %s: %s\n", cmd, path,
		    strerror(errno));
		return CLI_EXIT_ERR;
	}
	c = conf_load(o->config, errs, sizeof(errs));
	if (!c) {
		fprintf(stderr, "herald %s: the change would make the "
		    "configuration invalid; kept the old list:\n%s\n", cmd,
		    errs);
		write_atomic(path, old, oldlen);
		return CLI_EXIT_ERR;
	}
	conf_free(c);
	reload_daemon(o, cmd);
	return CLI_EXIT_OK;
}

/* A value that can sit between the quotes of name="..." or tags="...". */
static void
put_quoted(struct buf *b, const char *key, const char *v, int tag)
{
	char *safe = text_term_safe(v);
	const char *p;

	buf_printf(b, " %s=\"", key);
	for (p = safe; *p; p++)
		buf_putc(b, *p == '"' ? '\'' : (tag && *p == ',') ? ' ' : *p);
	buf_putc(b, '"');
	free(safe);
}

struct feed_new {
	const char	*url;
	const char	*name;
	const char	*interval;
	const char	*tag;
};

/*
 * Appends the lines for nf[0..n) to the list text; feeds already in c
 * are skipped (counted in *skipped).
 */
static char *
append_lines(const struct conf *c, const char *old, size_t oldlen,
    const struct feed_new *nf, size_t n, size_t *added, size_t *skipped)
{
	struct buf b;
	size_t i, j;

	buf_init(&b, FEEDS_MAX_FILE);
	buf_append(&b, old, oldlen);
	if (oldlen && old[oldlen - 1] != '\n')
		buf_putc(&b, '\n');
	*added = *skipped = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < c->nfeeds; j++)
			if (!strcmp(c->feedv[j].url, nf[i].url))
				break;
		if (j < c->nfeeds || strpbrk(nf[i].url, " \t\n\"#")) {
			(*skipped)++;
			continue;
		}
		buf_puts(&b, nf[i].url);
		if (nf[i].name)
			put_quoted(&b, "name", nf[i].name, 0);
		if (nf[i].interval)
			buf_printf(&b, " interval=%s", nf[i].interval);
		if (nf[i].tag)
			put_quoted(&b, "tags", nf[i].tag, 1);
		buf_putc(&b, '\n');
		(*added)++;
	}
	return buf_detach(&b);
}

static int
load_list(const struct cli_opts *o, struct conf **c, char **text,
    size_t *len, const char *cmd)
{
	char errs[4096];

	*c = conf_load(o->config, errs, sizeof(errs));
	if (!*c) {
		fprintf(stderr, "herald %s: %s\n", cmd, errs);
		return -1;
	}
	*text = cli_read_file((*c)->feeds, FEEDS_MAX_FILE, len);
	if (!*text) {
		conf_free(*c);
		*c = NULL;
		return -1;
	}
	return 0;
}

static int
feeds_add(const struct cli_opts *o, const struct feed_new *nf, size_t n,
    const char *cmd)
{
	struct conf *c = NULL;
	char *old = NULL, *text = NULL, errs[4096];
	size_t len, added, skipped;
	int rc = CLI_EXIT_ERR, nerr;

	if (load_list(o, &c, &old, &len, cmd))
		return CLI_EXIT_ERR;
	text = append_lines(c, old, len, nf, n, &added, &skipped);
	if (n == 1 && skipped) {
		fprintf(stderr, "herald %s: already in the list (or not a "
		    "URL)\n", cmd);
		goto out;
	}
	/* The new lines alone, against the current feeds: duplicates too. */
	errs[0] = '\0';
	nerr = conf_feeds_parse(c, c->feeds, text + len, strlen(text + len),
	    errs, sizeof(errs));
	if (nerr) {
		fprintf(stderr, "herald %s: %s\n", cmd, errs);
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (added)
		rc = commit_feeds(o, c->feeds, text, old, len, cmd);
	else
		rc = CLI_EXIT_OK;
	if (!rc)
		printf("%s: %zu added, %zu already present\n", cmd, added,
		    skipped);
out:
	free(text);
	free(old);
	conf_free(c);
	return rc;
}

static int
feeds_remove(const struct cli_opts *o, const char *which)
{
	struct conf *c = NULL;
	struct buf b;
	char *old = NULL, *p, *nl;
	size_t len, i;
	long line = 0, k;
	int rc = CLI_EXIT_ERR;

	if (load_list(o, &c, &old, &len, "feeds remove"))
		return CLI_EXIT_ERR;
	for (i = 0; i < c->nfeeds && !line; i++)
		if (!strcmp(c->feedv[i].url, which) ||
		    !strcmp(c->feedv[i].name, which))
			line = where_line(c->feedv[i].where);
	if (!line) {
		char *safe = text_term_safe(which);

		fprintf(stderr, "herald feeds remove: no feed \"%s\" in %s\n",
		    safe, c->feeds);
		free(safe);
		goto out;
	}
	buf_init(&b, FEEDS_MAX_FILE);
	for (p = old, k = 1; p < old + len; p = nl ? nl + 1 : old + len, k++) {
		nl = memchr(p, '\n', (size_t)(old + len - p));
		if (k != line)
			buf_append(&b, p, nl ? (size_t)(nl + 1 - p) :
			    (size_t)(old + len - p));
	}
	rc = commit_feeds(o, c->feeds, buf_str(&b), old, len, "feeds remove");
	buf_fini(&b);
out:
	free(old);
	conf_free(c);
	return rc;
}

static int
feeds_import(const struct cli_opts *o, const char *file)
{
	struct opml_feed *f = NULL;
	struct feed_new *nf;
	char *data, msg[256];
	size_t len, n = 0, i;
	int rc;

	data = cli_read_file(file, FEEDS_MAX_FILE, &len);
	if (!data)
		return CLI_EXIT_ERR;
	if (opml_parse(data, len, &f, &n, msg, sizeof(msg))) {
		char *safe = text_term_safe(file);

		fprintf(stderr, "herald feeds import: %s: %s\n", safe, msg);
		free(safe);
		free(data);
		return CLI_EXIT_ERR;
	}
	free(data);
	nf = xcalloc(n ? n : 1, sizeof(*nf));
	for (i = 0; i < n; i++) {
		nf[i].url = f[i].url;
		nf[i].name = f[i].title;
		nf[i].tag = f[i].category;
	}
	rc = feeds_add(o, nf, n, "feeds import");
	free(nf);
	opml_feeds_free(f, n);
	return rc;
}

static int
feeds_export(const struct cli_opts *o)
{
	struct conf *c;
	char errs[4096];
	int rc;

	c = conf_load(o->config, errs, sizeof(errs));
	if (!c) {
		fprintf(stderr, "herald feeds export: %s\n", errs);
		return CLI_EXIT_ERR;
	}
	rc = opml_write(stdout, c) ? CLI_EXIT_ERR : CLI_EXIT_OK;
	if (rc)
		fprintf(stderr, "herald feeds export: writing: %s\n",
		    strerror(errno));
	conf_free(c);
	return rc;
}

/* Tells a running daemon; 0 when it took the feed back, else -1 (quiet). */
static int
tell_daemon(const struct cli_opts *o, const char *which)
{
	char path[4096], msg[512];
	json_t *req, *reply = NULL;
	int rc = -1;

	if (ctl_socket_path(o, path, sizeof(path)))
		return -1;
	req = json_pack("{s:s, s:s}", "cmd", "enable", "feed", which);
	if (req && ctl_request(path, req, 5000, &reply, msg, sizeof(msg)) == 0 &&
	    json_is_true(json_object_get(reply, "ok")))
		rc = 0;
	json_decref(req);
	json_decref(reply);
	return rc;
}

/*
 * Re-enables a feed that heraldd disabled (410 Gone) or that was disabled
 * by hand; a running daemon picks it up at its next reload.
 */
static int
feeds_enable(const struct cli_opts *o, const char *which)
{
	struct herald_err err;
	struct store *st = NULL;
	int rc;

	if (cli_store_open(o, 0, &st))
		return CLI_EXIT_ERR;
	rc = store_feed_enable(st, which, &err);
	store_close(st);
	if (rc) {
		fprintf(stderr, "herald feeds enable: %s\n", err.msg);
		return CLI_EXIT_ERR;
	}
	if (tell_daemon(o, which) == 0)
		printf("enabled; heraldd polls it now\n");
	else
		printf("enabled; heraldd polls it when it next starts\n");
	return CLI_EXIT_OK;
}

int
cmd_feeds(int argc, char **argv, const struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct feed_new nf = { NULL, NULL, NULL, NULL };
	enum cli_format fmt = o->format;
	const char *sub = "list";
	int64_t secs;
	int ch, f, nargs;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			f = cli_format_parse(optarg);
			if (f < 0) {
				fprintf(stderr, "herald feeds: --format \"%s\": "
				    "expected table, json, tsv or csv\n", optarg);
				return CLI_EXIT_USAGE;
			}
			fmt = (enum cli_format)f;
			break;
		case 'n': nf.name = optarg; break;
		case 'i':
			if (conf_parse_duration(optarg, &secs)) {
				fprintf(stderr, "herald feeds: --interval: "
				    "expected a duration like 15m\n");
				return CLI_EXIT_USAGE;
			}
			nf.interval = optarg;
			break;
		case 'h': feeds_usage(stdout); return CLI_EXIT_OK;
		default: feeds_usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc)
		sub = argv[optind++];
	nargs = argc - optind;
	if ((!strcmp(sub, "list") || !strcmp(sub, "export")) && nargs == 0)
		return sub[0] == 'l' ? feeds_list(o, fmt) : feeds_export(o);
	if (!strcmp(sub, "add") && nargs == 1) {
		nf.url = argv[optind];
		return feeds_add(o, &nf, 1, "feeds add");
	}
	if ((!strcmp(sub, "remove") || !strcmp(sub, "rm")) && nargs == 1)
		return feeds_remove(o, argv[optind]);
	if (!strcmp(sub, "import") && nargs == 1)
		return feeds_import(o, argv[optind]);
	if (!strcmp(sub, "enable") && nargs == 1)
		return feeds_enable(o, argv[optind]);
	feeds_usage(stderr);
	return CLI_EXIT_USAGE;
}
