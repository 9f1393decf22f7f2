/*
 * conf.c: heraldd.conf and the plain feeds list into a struct conf.
 *
 * Strict by design: a typo in a key must not silently fall back to a
 * default, so unknown sections and keys are errors, and every error found
 * is reported (not just the first) as "FILE:LINE: message", the OpenSMTPD
 * way. Never logs or exits: the caller decides.
 */
#include "conf.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "feeds/err.h"
#include "feeds/url.h"
#include "feeds/xmem.h"

#define CONF_MAX_FILE	(4 << 20)	/* config and feeds list cap */
#define CONF_MAX_LINE	8192
#define CONF_MAX_FEEDS	100000

/* Accumulates "FILE:LINE: message" lines into a caller's buffer. */
struct errs {
	char	*p;
	size_t	 size;
	size_t	 len;
	int	 n;
};

static void errs_add(struct errs *e, const char *file, int line,
    const char *fmt, ...) __attribute__((__format__(printf, 4, 5)));

static void
errs_add(struct errs *e, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int k;

	e->n++;
	if (!e->p || e->size == 0 || e->len + 1 >= e->size)
		return;
	if (line > 0)
		k = snprintf(e->p + e->len, e->size - e->len, "%s%s:%d: ",
		    e->len ? "\n" : "", file, line);
	else
		k = snprintf(e->p + e->len, e->size - e->len, "%s%s: ",
		    e->len ? "\n" : "", file);
	if (k < 0 || (size_t)k >= e->size - e->len) {
		e->len = e->size - 1;
		return;
	}
	e->len += (size_t)k;
	va_start(ap, fmt);
	k = vsnprintf(e->p + e->len, e->size - e->len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= e->size - e->len)
		e->len = e->size - 1;
	else
		e->len += (size_t)k;
}

int
conf_parse_duration(const char *s, int64_t *secs)
{
	int64_t total = 0, v, mul;
	const char *p = s;
	char *end;

	/* "30m", "1h30m", "2d": a unit is required, so "30" is rejected;
	 * a bare "0" means none. */
	if (!*p)
		return HERALD_E_INVAL;
	if (!strcmp(p, "0")) {
		*secs = 0;
		return 0;
	}
	while (*p) {
		if (*p < '0' || *p > '9')
			return HERALD_E_INVAL;
		errno = 0;
		v = strtoll(p, &end, 10);
		if (errno || end == p)
			return HERALD_E_INVAL;
		switch (*end) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		default: return HERALD_E_INVAL;
		}
		if (v > (INT64_C(1) << 40) / mul)
			return HERALD_E_INVAL;
		total += v * mul;
		if (total > (INT64_C(1) << 40))
			return HERALD_E_INVAL;
		p = end + 1;
	}
	*secs = total;
	return 0;
}

int
conf_parse_size(const char *s, int64_t *bytes)
{
	int64_t v, mul;
	char *end;

	if (*s < '0' || *s > '9')
		return HERALD_E_INVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s)
		return HERALD_E_INVAL;
	if (!*end || !strcmp(end, "B"))
		mul = 1;
	else if (!strcmp(end, "KiB") || !strcmp(end, "K"))
		mul = INT64_C(1) << 10;
	else if (!strcmp(end, "MiB") || !strcmp(end, "M"))
		mul = INT64_C(1) << 20;
	else if (!strcmp(end, "GiB") || !strcmp(end, "G"))
		mul = INT64_C(1) << 30;
	else
		return HERALD_E_INVAL;
	if (v > (INT64_C(1) << 50) / mul)
		return HERALD_E_INVAL;
	*bytes = v * mul;
	return 0;
}

int
conf_parse_bool(const char *s, int *b)
{
	if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "on") ||
	    !strcmp(s, "1"))
		*b = 1;
	else if (!strcmp(s, "no") || !strcmp(s, "false") ||
	    !strcmp(s, "off") || !strcmp(s, "0"))
		*b = 0;
	else
		return HERALD_E_INVAL;
	return 0;
}

/*
 * Reads a whole file of at most CONF_MAX_FILE bytes. Returns a new buffer
 * (caller frees) or NULL with the reason in *why (static string or errno).
 */
static char *
read_file(const char *path, size_t *len, const char **why)
{
	FILE *fp = NULL;
	char *data = NULL;
	size_t n = 0, cap = 0, r;

	fp = fopen(path, "r");
	if (!fp) {
		*why = strerror(errno);
		return NULL;
	}
	for (;;) {
		if (cap - n < 4096) {
			if (cap >= CONF_MAX_FILE) {
				*why = "file too large (limit 4 MiB)";
				goto fail;
			}
			cap = cap ? cap * 2 : 8192;
			data = xrealloc(data, cap + 1);
		}
		r = fread(data + n, 1, cap - n, fp);
		n += r;
		if (r == 0) {
			if (ferror(fp)) {
				*why = strerror(errno);
				goto fail;
			}
			break;
		}
	}
	fclose(fp);
	data[n] = '\0';
	*len = n;
	return data;
fail:
	fclose(fp);
	free(data);
	return NULL;
}

/* A path relative to the config file's directory; caller frees. */
static char *
resolve_path(const char *conf_path, const char *p)
{
	const char *slash;
	size_t dlen;
	char *out;

	if (p[0] == '/')
		return xstrdup(p);
	slash = strrchr(conf_path, '/');
	if (!slash)
		return xstrdup(p);
	dlen = (size_t)(slash - conf_path) + 1;
	out = xmalloc(dlen + strlen(p) + 1);
	memcpy(out, conf_path, dlen);
	memcpy(out + dlen, p, strlen(p) + 1);
	return out;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Cuts a "# comment" that starts the line or follows white space. */
static void
cut_comment(char *s)
{
	char *p;

	for (p = s; *p; p++) {
		if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
	}
}

/* Removes one pair of surrounding double quotes, in place. */
static char *
unquote(char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v[n - 1] = '\0';
		return v + 1;
	}
	return v;
}

/* Per-key line numbers, for errors found after the file is read. */
struct keylines {
	int	feeds;
	int	interval;
	int	max_per_host;
};

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static void
daemon_key(struct conf *c, const char *file, int line, const char *k,
    const char *v, struct keylines *kl, struct errs *e)
{
	if (!*v) {
		errs_add(e, file, line, "%s: empty value", k);
		return;
	}
	if (!strcmp(k, "database")) {
		free(c->database);
		c->database = resolve_path(file, v);
	} else if (!strcmp(k, "feeds")) {
		free(c->feeds);
		c->feeds = resolve_path(file, v);
		kl->feeds = line;
	} else if (!strcmp(k, "topics")) {
		free(c->topics);
		c->topics = resolve_path(file, v);
	} else if (!strcmp(k, "control_socket")) {
		free(c->control_socket);
		c->control_socket = resolve_path(file, v);
	} else
		errs_add(e, file, line, "unknown key \"%s\" in [daemon]", k);
}

static void
num_key(const char *file, int line, const char *k, const char *v,
    long lo, long hi, long *out, struct errs *e)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi) {
		errs_add(e, file, line, "%s \"%s\": not a number in %ld..%ld",
		    k, v, lo, hi);
		return;
	}
	*out = n;
}

static void
dur_key(const char *file, int line, const char *k, const char *v,
    int64_t *out, struct errs *e)
{
	if (conf_parse_duration(v, out) || *out <= 0)
		errs_add(e, file, line, "%s \"%s\": not a duration "
		    "(use s, m, h or d, e.g. 30m)", k, v);
}

static void
fetch_key(struct conf *c, const char *file, int line, const char *k,
    const char *v, struct keylines *kl, struct errs *e)
{
	if (!strcmp(k, "max_connections"))
		num_key(file, line, k, v, 1, 4096, &c->max_connections, e);
	else if (!strcmp(k, "max_per_host")) {
		num_key(file, line, k, v, 1, 256, &c->max_per_host, e);
		kl->max_per_host = line;
	} else if (!strcmp(k, "interval")) {
		dur_key(file, line, k, v, &c->interval, e);
		kl->interval = line;
	} else if (!strcmp(k, "min_interval"))
		dur_key(file, line, k, v, &c->min_interval, e);
	else if (!strcmp(k, "max_interval"))
		dur_key(file, line, k, v, &c->max_interval, e);
	else if (!strcmp(k, "timeout"))
		dur_key(file, line, k, v, &c->timeout, e);
	else if (!strcmp(k, "max_body")) {
		if (conf_parse_size(v, &c->max_body) || c->max_body < 1024 ||
		    c->max_body > (INT64_C(1) << 30))
			errs_add(e, file, line, "max_body \"%s\": not a size "
			    "between 1KiB and 1GiB (e.g. 8MiB)", v);
	} else if (!strcmp(k, "allow_private")) {
		if (conf_parse_bool(v, &c->allow_private))
			errs_add(e, file, line, "allow_private \"%s\": "
			    "not yes or no", v);
	} else if (!strcmp(k, "proxy")) {
		/* "env" (default): http_proxy and friends; "none"; or a URL. */
		free(c->proxy);
		if (!strcmp(v, "env"))
			c->proxy = NULL;
		else if (!strcmp(v, "none"))
			c->proxy = xstrdup("");
		else if (strstr(v, "://"))
			c->proxy = xstrdup(v);
		else {
			c->proxy = NULL;
			errs_add(e, file, line, "proxy \"%s\": expected env, "
			    "none or a URL such as http://proxy:3128", v);
		}
	} else if (!strcmp(k, "host_spacing")) {
		if (conf_parse_duration(v, &c->host_spacing))
			errs_add(e, file, line, "host_spacing \"%s\": not a "
			    "duration (0 allowed)", v);
	} else if (!strcmp(k, "user_agent")) {
		if (!*v)
			errs_add(e, file, line, "user_agent: empty value");
		else
			set_str(&c->user_agent, v);
	} else
		errs_add(e, file, line, "unknown key \"%s\" in [fetch]", k);
}

static void
retention_key(struct conf *c, const char *file, int line, const char *k,
    const char *v, struct errs *e)
{
	if (!strcmp(k, "max_age")) {
		if (conf_parse_duration(v, &c->max_age))
			errs_add(e, file, line, "max_age \"%s\": not a duration "
			    "(0 = keep forever)", v);
	} else if (!strcmp(k, "topic_max_age")) {
		if (conf_parse_duration(v, &c->topic_max_age))
			errs_add(e, file, line, "topic_max_age \"%s\": not a "
			    "duration (0 = keep forever)", v);
	} else if (!strcmp(k, "max_items"))
		num_key(file, line, k, v, 0, 100000000, &c->max_items, e);
	else
		errs_add(e, file, line, "unknown key \"%s\" in [retention]", k);
}

static void
conf_defaults(struct conf *c, const char *path)
{
	c->path = xstrdup(path);
	c->database = resolve_path(path, "herald.db");
	c->feeds = resolve_path(path, "feeds.conf");
	c->topics = resolve_path(path, "topics");
	c->control_socket = resolve_path(path, "control.sock");
	c->max_connections = 64;
	c->max_per_host = 4;
	c->interval = 30 * 60;
	c->min_interval = 5 * 60;
	c->max_interval = 24 * 3600;
	c->timeout = 30;
	c->max_body = INT64_C(8) << 20;
	c->allow_private = 0;
	c->proxy = NULL;
	c->host_spacing = 0;
	c->max_age = 0;
	c->max_items = 0;
	c->topic_max_age = 0;
	c->user_agent = xstrdup("herald/" HERALD_VERSION
	    " (news feed aggregator; +https://github.com/herald-feeds/herald)");
}

enum section { SEC_NONE, SEC_DAEMON, SEC_FETCH, SEC_RETENTION, SEC_BAD };

static enum section
parse_section(const char *file, int line, char *s, struct errs *e)
{
	size_t n = strlen(s);

	if (n < 2 || s[n - 1] != ']') {
		errs_add(e, file, line, "malformed section header");
		return SEC_BAD;
	}
	s[n - 1] = '\0';
	s = trim(s + 1);
	if (!strcmp(s, "daemon"))
		return SEC_DAEMON;
	if (!strcmp(s, "fetch"))
		return SEC_FETCH;
	if (!strcmp(s, "retention"))
		return SEC_RETENTION;
	errs_add(e, file, line, "unknown section [%s]", s);
	return SEC_BAD;
}

static void
parse_main(struct conf *c, const char *file, char *text, struct keylines *kl,
    struct errs *e)
{
	enum section sec = SEC_NONE;
	char *line, *next, *eq, *k, *v;
	int lineno = 0;

	for (line = text; line; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strlen(line) > CONF_MAX_LINE) {
			errs_add(e, file, lineno, "line too long (limit %d)",
			    CONF_MAX_LINE);
			continue;
		}
		cut_comment(line);
		line = trim(line);
		if (!*line)
			continue;
		if (*line == '[') {
			sec = parse_section(file, lineno, line, e);
			continue;
		}
		eq = strchr(line, '=');
		if (!eq) {
			errs_add(e, file, lineno, "expected \"key = value\"");
			continue;
		}
		*eq = '\0';
		k = trim(line);
		v = unquote(trim(eq + 1));
		if (sec == SEC_DAEMON)
			daemon_key(c, file, lineno, k, v, kl, e);
		else if (sec == SEC_FETCH)
			fetch_key(c, file, lineno, k, v, kl, e);
		else if (sec == SEC_RETENTION)
			retention_key(c, file, lineno, k, v, e);
		else if (sec == SEC_NONE)
			errs_add(e, file, lineno, "key \"%s\" outside a "
			    "section ([daemon], [fetch] or [retention])", k);
	}
}

static void
check_ranges(struct conf *c, const char *file, struct keylines *kl,
    struct errs *e)
{
	if (c->min_interval > c->max_interval)
		errs_add(e, file, kl->interval, "min_interval is greater "
		    "than max_interval");
	else if (c->interval < c->min_interval ||
	    c->interval > c->max_interval)
		errs_add(e, file, kl->interval, "interval must lie between "
		    "min_interval and max_interval");
	if (c->max_per_host > c->max_connections)
		errs_add(e, file, kl->max_per_host, "max_per_host exceeds "
		    "max_connections");
}

/* Parses one "key=value" or key="quoted value" attribute of a feed line. */
static int
feed_attr(struct conf *c, struct conf_feed *f, const char *file, int line,
    char **pp, struct errs *e)
{
	char *p = *pp, *k, *v, *end;
	int rc = 0;

	k = p;
	while (*p && *p != '=' && *p != ' ' && *p != '\t')
		p++;
	if (*p != '=') {
		errs_add(e, file, line, "expected name=\"...\", interval=..., "
		    "tags=..., max_age=... or max_items=... after the URL");
		return -1;
	}
	*p++ = '\0';
	if (*p == '"') {
		v = ++p;
		end = strchr(p, '"');
		if (!end) {
			errs_add(e, file, line, "unterminated quote");
			return -1;
		}
		*end = '\0';
		p = end + 1;
	} else {
		v = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	if (!strcmp(k, "name")) {
		if (!*v) {
			errs_add(e, file, line, "name: empty value");
			rc = -1;
		} else
			set_str(&f->name, v);
	} else if (!strcmp(k, "interval")) {
		if (conf_parse_duration(v, &f->interval) ||
		    f->interval < c->min_interval ||
		    f->interval > c->max_interval) {
			errs_add(e, file, line, "interval \"%s\": not a "
			    "duration between min_interval and max_interval",
			    v);
			f->interval = 0;
			rc = -1;
		}
	} else if (!strcmp(k, "max_age")) {
		if (conf_parse_duration(v, &f->max_age)) {
			errs_add(e, file, line, "max_age \"%s\": not a "
			    "duration", v);
			rc = -1;
		}
	} else if (!strcmp(k, "max_items")) {
		char *end2;

		f->max_items = strtol(v, &end2, 10);
		if (end2 == v || *end2 || f->max_items < 0) {
			errs_add(e, file, line, "max_items \"%s\": not a "
			    "number", v);
			rc = -1;
		}
	} else if (!strcmp(k, "tags")) {
		char *t, *save = NULL;

		for (t = strtok_r(v, ",", &save); t;
		    t = strtok_r(NULL, ",", &save)) {
			f->tags = xreallocarray(f->tags, f->ntags + 1,
			    sizeof(*f->tags));
			f->tags[f->ntags++] = xstrdup(t);
		}
	} else {
		errs_add(e, file, line, "unknown feed attribute \"%s\"", k);
		rc = -1;
	}
	*pp = p;
	return rc;
}

static void
feed_fini(struct conf_feed *f)
{
	size_t i;

	free(f->url);
	free(f->name);
	for (i = 0; i < f->ntags; i++)
		free(f->tags[i]);
	free(f->tags);
	free(f->where);
}

static int
feed_dup(const struct conf *c, const char *url)
{
	size_t i;

	/* Quadratic, but the list is read once per (re)load. */
	for (i = 0; i < c->nfeeds; i++)
		if (!strcmp(c->feedv[i].url, url))
			return 1;
	return 0;
}

static void
feed_line(struct conf *c, const char *file, int lineno, char *line,
    struct errs *e)
{
	struct conf_feed f;
	char *p = line, *url, where[512];
	int bad = 0;

	memset(&f, 0, sizeof(f));
	f.max_age = -1;
	f.max_items = -1;
	url = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (*p)
		*p++ = '\0';
	if (!url_is_http(url)) {
		errs_add(e, file, lineno, "\"%s\": not an http or https URL",
		    url);
		return;
	}
	if (feed_dup(c, url)) {
		errs_add(e, file, lineno, "\"%s\": listed twice", url);
		return;
	}
	f.url = xstrdup(url);
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (feed_attr(c, &f, file, lineno, &p, e)) {
			bad = 1;
			break;
		}
	}
	if (bad || c->nfeeds >= CONF_MAX_FEEDS) {
		if (!bad)
			errs_add(e, file, lineno, "too many feeds (limit %d)",
			    CONF_MAX_FEEDS);
		feed_fini(&f);
		return;
	}
	if (!f.name)
		f.name = xstrdup(f.url);
	snprintf(where, sizeof(where), "%s:%d", file, lineno);
	f.where = xstrdup(where);
	c->feedv = xreallocarray(c->feedv, c->nfeeds + 1, sizeof(*c->feedv));
	c->feedv[c->nfeeds++] = f;
}

int
conf_feeds_parse(struct conf *c, const char *path, const char *text,
    size_t len, char *errs, size_t errs_size)
{
	struct errs e = { errs, errs_size, errs ? strlen(errs) : 0, 0 };
	char *copy, *line, *next;
	int lineno = 0;

	copy = xstrndup(text, len);
	for (line = copy; line; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strlen(line) > CONF_MAX_LINE) {
			errs_add(&e, path, lineno, "line too long");
			continue;
		}
		cut_comment(line);
		line = trim(line);
		if (*line)
			feed_line(c, path, lineno, line, &e);
	}
	free(copy);
	return e.n;
}

static void
load_feeds(struct conf *c, const char *file, int kline, struct errs *e)
{
	const char *why = NULL;
	size_t len = 0, n;
	char *text;

	n = strlen(c->feeds);
	if (n > 5 && !strcmp(c->feeds + n - 5, ".opml")) {
		errs_add(e, file, kline, "feeds \"%s\": OPML lists are read "
		    "by \"herald feeds import\"; give a plain list here",
		    c->feeds);
		return;
	}
	text = read_file(c->feeds, &len, &why);
	if (!text) {
		errs_add(e, file, kline, "feeds \"%s\": %s", c->feeds, why);
		return;
	}
	if (memchr(text, '\0', len))
		errs_add(e, c->feeds, 0, "contains a NUL byte");
	else
		e->n += conf_feeds_parse(c, c->feeds, text, len, e->p,
		    e->size);
	/* conf_feeds_parse appended to the same buffer; resync our view. */
	e->len = e->p ? strlen(e->p) : 0;
	free(text);
}

struct conf *
conf_load(const char *path, char *errs, size_t errs_size)
{
	struct errs e = { errs, errs_size, 0, 0 };
	struct keylines kl = { 0, 0, 0 };
	struct conf *c = NULL;
	const char *why = NULL;
	char *text = NULL;
	size_t len = 0;

	if (errs && errs_size)
		errs[0] = '\0';
	text = read_file(path, &len, &why);
	if (!text) {
		errs_add(&e, path, 0, "%s", why);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	conf_defaults(c, path);
	if (memchr(text, '\0', len))
		errs_add(&e, path, 0, "contains a NUL byte");
	else
		parse_main(c, path, text, &kl, &e);
	check_ranges(c, path, &kl, &e);
	if (e.n == 0)
		load_feeds(c, path, kl.feeds, &e);
	free(text);
	if (e.n) {
		conf_free(c);
		return NULL;
	}
	return c;
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nfeeds; i++)
		feed_fini(&c->feedv[i]);
	free(c->feedv);
	free(c->path);
	free(c->database);
	free(c->feeds);
	free(c->topics);
	free(c->control_socket);
	free(c->user_agent);
	free(c->proxy);
	free(c);
}
