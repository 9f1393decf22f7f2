/*
 * cmd_export.c: herald export --topic T — a topic's items as an Atom 1.0
 * or JSON Feed 1.1 document, newest first, each entry carrying its score,
 * matched terms and sources in a "herald" extension. With -o the file is
 * replaced atomically (temp file + rename), so a web server serving it
 * never sees half a document.
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
#include "cli/out.h"
#include "feeds/buf.h"
#include "feeds/date.h"
#include "feeds/err.h"
#include "feeds/text.h"
#include "feeds/xmem.h"
#include "store/show.h"
#include "store/store.h"

#define EXPORT_NS	"urn:herald:ns:1"
#define EXPORT_MAX	((size_t)1 << 30)
#define EXPORT_LIMIT	100

enum export_fmt { EXPORT_ATOM, EXPORT_JSON };

struct export_ctx {
	enum export_fmt	 fmt;
	struct buf	 doc;		/* atom: the document so far */
	json_t		*items;		/* json: the items array */
	int64_t		 newest;
	size_t		 n;
	int		 toobig;
};

static void
export_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: herald export --topic T [--format atom|json] "
	    "[--since WHEN] [--until WHEN]\n"
	    "                     [--limit N] [-o FILE]\n"
	    "Writes topic T as an Atom 1.0 (default) or JSON Feed 1.1 "
	    "document, newest\nfirst (at most %d items unless --limit). "
	    "Each entry carries herald:score,\nherald:term and herald:source "
	    "(namespace %s; in JSON, \"_herald\").\n"
	    "-o FILE replaces FILE atomically. WHEN is 24h, 7d, 2024-10-07 "
	    "or RFC 3339.\n"
	    "examples:\n"
	    "  herald export --topic israel-hamas -o /var/www/gaza.xml\n"
	    "  herald export --topic israel-hamas --format json --since 7d\n",
	    EXPORT_LIMIT, EXPORT_NS);
}

/*
 * XML 1.0 character data, escaped. The text is made terminal-safe first
 * (no C0/C1 controls or escape sequences), which also keeps out the C0
 * characters XML 1.0 forbids: the document may well go to a terminal.
 */
static void
xml_text(struct buf *b, const char *raw)
{
	char *safe = raw ? text_term_safe(raw) : NULL;
	const char *s;

	for (s = safe; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '&')
			buf_puts(b, "&amp;");
		else if (c == '<')
			buf_puts(b, "&lt;");
		else if (c == '>')
			buf_puts(b, "&gt;");
		else if (c == '"')
			buf_puts(b, "&quot;");
		else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			continue;
		else
			buf_putc(b, (char)c);
	}
	free(safe);
}

static void
xml_elem_attr(struct buf *b, const char *indent, const char *name,
    const char *attrs, const char *s)
{
	if (!s)
		return;
	buf_printf(b, "%s<%s%s%s>", indent, name, attrs ? " " : "",
	    attrs ? attrs : "");
	xml_text(b, s);
	buf_printf(b, "</%s>\n", name);
}

static void
xml_elem(struct buf *b, const char *indent, const char *name, const char *s)
{
	xml_elem_attr(b, indent, name, NULL, s);
}

static void
atom_terms(struct buf *b, const char *evidence)
{
	json_t *ev, *e;
	size_t i;

	ev = evidence ? json_loads(evidence, 0, NULL) : NULL;
	json_array_foreach(ev, i, e) {
		const char *t = json_string_value(json_object_get(e, "term"));
		const char *f = json_string_value(json_object_get(e, "field"));
		json_t *off = json_object_get(e, "offset");

		if (!t)
			continue;
		buf_puts(b, "    <herald:term");
		if (f) {
			buf_puts(b, " field=\"");
			xml_text(b, f);
			buf_putc(b, '"');
		}
		if (json_is_integer(off))
			buf_printf(b, " offset=\"%lld\"",
			    (long long)json_integer_value(off));
		buf_putc(b, '>');
		xml_text(b, t);
		buf_puts(b, "</herald:term>\n");
	}
	json_decref(ev);
}

static void
atom_sources(struct buf *b, const char *sources)
{
	json_t *a, *e;
	size_t i;

	a = sources ? json_loads(sources, 0, NULL) : NULL;
	json_array_foreach(a, i, e) {
		buf_puts(b, "    <herald:source url=\"");
		xml_text(b, json_string_value(json_object_get(e, "url")));
		buf_puts(b, "\">");
		xml_text(b, json_string_value(json_object_get(e, "name")));
		buf_puts(b, "</herald:source>\n");
	}
	json_decref(a);
}

static int64_t
view_updated(const struct store_export_view *v)
{
	if (v->updated != DATE_NONE)
		return v->updated;
	return v->published != DATE_NONE ? v->published : v->first_seen;
}

static void
atom_entry(struct buf *b, const struct store_export_view *v)
{
	char t[32];

	buf_puts(b, "  <entry>\n");
	buf_printf(b, "    <id>urn:herald:item:%lld</id>\n", (long long)v->id);
	xml_elem(b, "    ", "title", v->title ? v->title : "");
	if (v->link) {
		buf_puts(b, "    <link rel=\"alternate\" href=\"");
		xml_text(b, v->link);
		buf_puts(b, "\"/>\n");
	}
	if (v->published != DATE_NONE)
		xml_elem(b, "    ", "published",
		    date_format_rfc3339(v->published, t));
	xml_elem(b, "    ", "updated", date_format_rfc3339(view_updated(v), t));
	if (v->author) {
		buf_puts(b, "    <author>\n");
		xml_elem(b, "      ", "name", v->author);
		buf_puts(b, "    </author>\n");
	}
	xml_elem(b, "    ", "summary", v->summary);
	/* The feed's own markup, escaped as Atom's type="html" wants. */
	if (v->content_html)
		xml_elem_attr(b, "    ", "content", "type=\"html\"",
		    v->content_html);
	buf_printf(b, "    <herald:score>%.3f</herald:score>\n", v->score);
	atom_terms(b, v->evidence);
	atom_sources(b, v->sources);
	buf_puts(b, "  </entry>\n");
}

static json_t *
json_entry(const struct store_export_view *v)
{
	json_t *o = json_object(), *h = json_object(), *terms = json_array();
	json_t *ev, *e, *src;
	char t[32], id[48];
	size_t i;

	snprintf(id, sizeof(id), "urn:herald:item:%lld", (long long)v->id);
	json_object_set_new(o, "id", json_string(id));
	if (v->link)
		json_object_set_new(o, "url", out_jstr(v->link));
	json_object_set_new(o, "title", out_jstr(v->title ? v->title : ""));
	if (v->summary)
		json_object_set_new(o, "summary", out_jstr(v->summary));
	if (v->content_html)
		json_object_set_new(o, "content_html",
		    out_jstr(v->content_html));
	/* JSON Feed 1.1 requires content_html or content_text. */
	json_object_set_new(o, "content_text", out_jstr(v->content ?
	    v->content : v->summary ? v->summary : v->title ? v->title : ""));
	if (v->published != DATE_NONE)
		json_object_set_new(o, "date_published",
		    json_string(date_format_rfc3339(v->published, t)));
	json_object_set_new(o, "date_modified",
	    json_string(date_format_rfc3339(view_updated(v), t)));
	if (v->author)
		json_object_set_new(o, "authors",
		    json_pack("[{s:o}]", "name", out_jstr(v->author)));
	ev = v->evidence ? json_loads(v->evidence, 0, NULL) : NULL;
	json_array_foreach(ev, i, e) {
		json_t *x = json_object();

		json_object_set(x, "term", json_object_get(e, "term"));
		json_object_set(x, "field", json_object_get(e, "field"));
		json_object_set(x, "offset", json_object_get(e, "offset"));
		json_array_append_new(terms, x);
	}
	json_decref(ev);
	src = v->sources ? json_loads(v->sources, 0, NULL) : NULL;
	json_object_set_new(h, "score", json_real(v->score));
	json_object_set_new(h, "terms", terms);
	json_object_set_new(h, "sources", src ? src : json_array());
	json_object_set_new(o, "_herald", h);
	return o;
}

static int
export_cb(const struct store_export_view *v, void *arg)
{
	struct export_ctx *c = arg;

	if (!c->n++)
		c->newest = view_updated(v);
	if (c->fmt == EXPORT_JSON) {
		json_array_append_new(c->items, json_entry(v));
		return 0;
	}
	atom_entry(&c->doc, v);
	return 0;
}

/* Writes data to path through a temp file in the same directory. */
static int
write_atomic(const char *path, const char *data, size_t len)
{
	char *tmp;
	FILE *fp = NULL;
	int fd, rc = -1;
	size_t n = strlen(path) + 8;

	tmp = xmalloc(n);
	snprintf(tmp, n, "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		goto out;
	/* mkstemp makes 0600; a web server must be able to read it. */
	fchmod(fd, 0644);
	fp = fdopen(fd, "w");
	if (!fp) {
		close(fd);
		goto fail;
	}
	if (fwrite(data, 1, len, fp) != len || fflush(fp) ||
	    fsync(fileno(fp)))
		goto fail;
	if (fclose(fp)) {
		fp = NULL;
		goto fail;
	}
	fp = NULL;
	if (rename(tmp, path))
		goto fail;
	rc = 0;
	goto out;
fail:
	rc = errno;
	if (fp)
		fclose(fp);
	unlink(tmp);
	errno = rc;
	rc = -1;
out:
	free(tmp);
	return rc;
}

static char *
export_doc(struct export_ctx *c, const char *topic, size_t *len)
{
	struct buf head;
	json_t *feed;
	char t[32], *s, *ret;

	if (!c->n)
		c->newest = (int64_t)time(NULL);
	if (c->fmt == EXPORT_JSON) {
		feed = json_pack("{s:s, s:s+, s:s, s:o}",
		    "version", "https://jsonfeed.org/version/1.1",
		    "title", "herald: ", topic,
		    "description", "items herald tagged with this topic",
		    "items", json_incref(c->items));
		s = json_dumps(feed, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		json_decref(feed);
		*len = s ? strlen(s) : 0;
		if (s) {
			ret = xmalloc(*len + 2);
			memcpy(ret, s, *len);
			ret[(*len)++] = '\n';
			ret[*len] = '\0';
			free(s);
			return ret;
		}
		return NULL;
	}
	buf_init(&head, EXPORT_MAX);
	buf_puts(&head, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:herald=\""
	    EXPORT_NS "\">\n  <id>urn:herald:topic:");
	xml_text(&head, topic);
	buf_puts(&head, "</id>\n  <title>herald: ");
	xml_text(&head, topic);
	buf_printf(&head, "</title>\n  <updated>%s</updated>\n"
	    "  <author><name>herald</name></author>\n"
	    "  <generator version=\"%s\">herald</generator>\n",
	    date_format_rfc3339(c->newest, t), HERALD_VERSION);
	if (buf_append(&head, buf_str(&c->doc), buf_len(&c->doc)) ||
	    buf_puts(&head, "</feed>\n")) {
		buf_fini(&head);
		return NULL;
	}
	*len = buf_len(&head);
	return buf_detach(&head);
}

struct export_args {
	struct store_export_query q;
	enum export_fmt	 fmt;
	const char	*outfile;
};

static int
export_args(int argc, char **argv, struct export_args *a)
{
	static const struct option longopts[] = {
		{ "topic", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "limit", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long long now = (long long)time(NULL), t;
	char *end;
	int ch;

	memset(a, 0, sizeof(*a));
	a->q.since = a->q.until = DATE_NONE;
	a->q.limit = EXPORT_LIMIT;
	while ((ch = getopt_long(argc, argv, "t:n:o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 't': a->q.topic = optarg; break;
		case 'o': a->outfile = optarg; break;
		case 'F':
			if (!strcmp(optarg, "atom"))
				a->fmt = EXPORT_ATOM;
			else if (!strcmp(optarg, "json"))
				a->fmt = EXPORT_JSON;
			else {
				fprintf(stderr, "herald export: --format: "
				    "expected atom or json\n");
				return -1;
			}
			break;
		case 's':
		case 'u':
			if (cli_parse_time(optarg, now, &t)) {
				fprintf(stderr, "herald export: --%s: expected "
				    "24h, 7d, 2024-10-07 or RFC 3339\n",
				    ch == 's' ? "since" : "until");
				return -1;
			}
			*(ch == 's' ? &a->q.since : &a->q.until) = t;
			break;
		case 'n':
			a->q.limit = strtol(optarg, &end, 10);
			if (end == optarg || *end || a->q.limit < 1) {
				fprintf(stderr, "herald export: --limit: "
				    "expected a positive number\n");
				return -1;
			}
			break;
		case 'h': return 1;
		default: return -1;
		}
	}
	if (optind != argc || !a->q.topic) {
		if (!a->q.topic)
			fprintf(stderr, "herald export: --topic is required\n");
		return -1;
	}
	return 0;
}

int
cmd_export(int argc, char **argv, const struct cli_opts *o)
{
	struct export_args a;
	struct export_ctx c;
	struct store *st = NULL;
	struct herald_err err;
	char *doc = NULL;
	size_t len = 0;
	int rc = CLI_EXIT_ERR, exists = 0;

	rc = export_args(argc, argv, &a);
	if (rc) {
		export_usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
	rc = CLI_EXIT_ERR;
	memset(&c, 0, sizeof(c));
	c.fmt = a.fmt;
	buf_init(&c.doc, EXPORT_MAX);
	c.items = json_array();
	if (cli_store_open(o, STORE_RDONLY, &st))
		goto out;
	if (store_topic_exists(st, a.q.topic, &exists, &err) ||
	    store_export(st, &a.q, export_cb, &c, &err)) {
		fprintf(stderr, "herald export: %s\n", err.msg);
		goto out;
	}
	if (!exists) {
		char *safe = text_term_safe(a.q.topic);

		/* Still a valid, empty feed: a topic may not have matched yet. */
		fprintf(stderr, "herald export: warning: no item is tagged "
		    "\"%s\"\n", safe);
		free(safe);
	}
	doc = export_doc(&c, a.q.topic, &len);
	if (!doc) {
		fprintf(stderr, "herald export: document too large\n");
		goto out;
	}
	if (a.outfile && write_atomic(a.outfile, doc, len)) {
		char *safe = text_term_safe(a.outfile);

		fprintf(stderr, "herald export: %s: %s\n", safe,
		    strerror(errno));
		free(safe);
		goto out;
	}
	if (!a.outfile && (fwrite(doc, 1, len, stdout) != len ||
	    fflush(stdout))) {
		fprintf(stderr, "herald export: writing: %s\n",
		    strerror(errno));
		goto out;
	}
	rc = CLI_EXIT_OK;
out:
	free(doc);
	buf_fini(&c.doc);
	json_decref(c.items);
	store_close(st);
	return rc;
}
