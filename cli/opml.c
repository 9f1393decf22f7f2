/*
 * opml.c: OPML import and export. The reader refuses any document that
 * declares entities (nothing legitimate in a subscription list needs
 * them) and never touches the network (design §5).
 */
#include "cli/opml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "config/conf.h"
#include "feeds/xmem.h"

#define OPML_MAX_DEPTH	32

struct opml_list {
	struct opml_feed	*v;
	size_t			 n;
};

static xmlParserInputPtr
deny_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

static char *
prop(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s;

	if (!v)
		return NULL;
	s = *v ? xstrdup((const char *)v) : NULL;
	xmlFree(v);
	return s;
}

static void
walk(xmlNodePtr n, const char *folder, int depth, struct opml_list *l)
{
	struct opml_feed *f;
	char *url, *text;

	if (depth > OPML_MAX_DEPTH)
		return;
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE ||
		    xmlStrcmp(n->name, (const xmlChar *)"outline"))
			continue;
		url = prop(n, "xmlUrl");
		text = prop(n, "title");
		if (!text)
			text = prop(n, "text");
		if (url) {
			l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
			f = &l->v[l->n++];
			f->url = url;
			f->title = text;
			f->category = folder ? xstrdup(folder) : NULL;
			continue;
		}
		/* A folder: its children take its text as their category. */
		walk(n->children, text ? text : folder, depth + 1, l);
		free(text);
	}
}

int
opml_parse(const char *data, size_t len, struct opml_feed **out, size_t *n,
    char *msg, size_t msgsz)
{
	xmlExternalEntityLoader old;
	struct opml_list l = { NULL, 0 };
	xmlDocPtr doc;
	xmlNodePtr root, c;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (len > INT32_MAX) {
		snprintf(msg, msgsz, "file too large");
		return -1;
	}
	old = xmlGetExternalEntityLoader();
	xmlSetExternalEntityLoader(deny_loader);
	/* Never NOENT, DTDLOAD or HUGE (RELIABILITY.md). */
	doc = xmlReadMemory(data, (int)len, NULL, NULL, XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlSetExternalEntityLoader(old);
	if (!doc) {
		snprintf(msg, msgsz, "not well-formed XML");
		return -1;
	}
	if (doc->intSubset && doc->intSubset->entities) {
		snprintf(msg, msgsz, "declares entities; refused");
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (!root || xmlStrcmp(root->name, (const xmlChar *)"opml")) {
		snprintf(msg, msgsz, "not an OPML document (no <opml> root)");
		goto out;
	}
	for (c = root->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    !xmlStrcmp(c->name, (const xmlChar *)"body"))
			walk(c->children, NULL, 0, &l);
	*out = l.v;
	*n = l.n;
	rc = 0;
out:
	xmlFreeDoc(doc);
	return rc;
}

void
opml_feeds_free(struct opml_feed *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(f[i].url);
		free(f[i].title);
		free(f[i].category);
	}
	free(f);
}

/* An attribute value: escaped, and no control character at all. */
static void
put_attr(FILE *fp, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '&')
			fputs("&amp;", fp);
		else if (c == '<')
			fputs("&lt;", fp);
		else if (c == '>')
			fputs("&gt;", fp);
		else if (c == '"')
			fputs("&quot;", fp);
		else if (c >= 0x20 && c != 0x7f)
			fputc(c, fp);
	}
}

static void
put_feed(FILE *fp, const struct conf_feed *f, const char *indent)
{
	fprintf(fp, "%s<outline type=\"rss\" text=\"", indent);
	put_attr(fp, f->name);
	fputs("\" title=\"", fp);
	put_attr(fp, f->name);
	fputs("\" xmlUrl=\"", fp);
	put_attr(fp, f->url);
	fputs("\"/>\n", fp);
}

static int
seen_before(const struct conf *c, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (c->feedv[j].ntags &&
		    !strcmp(c->feedv[j].tags[0], c->feedv[i].tags[0]))
			return 1;
	return 0;
}

int
opml_write(FILE *fp, const struct conf *c)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	size_t i, j;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<opml version=\"2.0\">\n  <head>\n"
	    "    <title>herald feeds</title>\n"
	    "    <dateCreated>%s</dateCreated>\n  </head>\n  <body>\n", date);
	for (i = 0; i < c->nfeeds; i++)
		if (!c->feedv[i].ntags)
			put_feed(fp, &c->feedv[i], "    ");
	for (i = 0; i < c->nfeeds; i++) {
		const char *tag;

		if (!c->feedv[i].ntags || seen_before(c, i))
			continue;
		tag = c->feedv[i].tags[0];
		fputs("    <outline text=\"", fp);
		put_attr(fp, tag);
		fputs("\" title=\"", fp);
		put_attr(fp, tag);
		fputs("\">\n", fp);
		for (j = i; j < c->nfeeds; j++)
			if (c->feedv[j].ntags &&
			    !strcmp(c->feedv[j].tags[0], tag))
				put_feed(fp, &c->feedv[j], "      ");
		fputs("    </outline>\n", fp);
	}
	fputs("  </body>\n</opml>\n", fp);
	return fflush(fp) || ferror(fp) ? -1 : 0;
}
