/*
 * cmd_parse.c: "herald parse FILE|-": parses one feed document without a
 * database and prints the JSON of design.md §4, plus each item's identity
 * key ("key") as the store would compute it. An item's "content" is the
 * content element's HTML as the feed gave it (null when there was none),
 * "content_text" its plain text.
 */
/* cli.h uses size_t without including <stddef.h>: keep this first. */
#include <stddef.h>

#include "cli/cli.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "feeds/date.h"
#include "feeds/err.h"
#include "feeds/item.h"
#include "feeds/parse.h"
#include "feeds/text.h"

/* RELIABILITY H3/H5: the daemon's decoded-body cap, for files too. */
#define PARSE_FILE_MAX	(16 * 1024 * 1024)

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: herald parse [--content-type TYPE] [--url BASE] "
	    "FILE|-\n");
}

/* A JSON string, or null for NULL. */
static json_t *
jstr(const char *s)
{
	json_t *j;
	char *fixed;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	/* jansson refuses invalid UTF-8; the parser should never give it. */
	fixed = text_utf8_repair(s, strlen(s), NULL);
	j = json_string(fixed);
	free(fixed);
	return j ? j : json_null();
}

static json_t *
jtime(int64_t t)
{
	char b[32];

	return date_format_rfc3339(t, b) ? json_string(b) : json_null();
}

static json_t *
item_json(const struct feed_item *it)
{
	json_t *o, *cats, *encs, *e;
	size_t i;

	o = json_object();
	json_object_set_new(o, "id", jstr(it->id));
	json_object_set_new(o, "key", jstr(it->key));
	json_object_set_new(o, "link", jstr(it->link));
	json_object_set_new(o, "title", jstr(it->title));
	json_object_set_new(o, "published", jtime(it->published));
	json_object_set_new(o, "updated", jtime(it->updated));
	json_object_set_new(o, "author", jstr(it->author));
	json_object_set_new(o, "summary", jstr(it->summary));
	/* Issue #4: the raw HTML in "content", its plain text beside it. */
	json_object_set_new(o, "content", jstr(it->content_html));
	json_object_set_new(o, "content_text", jstr(it->content));
	cats = json_array();
	for (i = 0; i < it->ncategories; i++)
		json_array_append_new(cats, jstr(it->categories[i]));
	json_object_set_new(o, "categories", cats);
	encs = json_array();
	for (i = 0; i < it->nenclosures; i++) {
		e = json_object();
		json_object_set_new(e, "url", jstr(it->enclosures[i].url));
		json_object_set_new(e, "type", jstr(it->enclosures[i].type));
		json_object_set_new(e, "length", it->enclosures[i].length < 0 ?
		    json_null() : json_integer(it->enclosures[i].length));
		json_array_append_new(encs, e);
	}
	json_object_set_new(o, "enclosures", encs);
	return o;
}

static json_t *
doc_json(const struct feed_doc *doc)
{
	json_t *o, *warns, *feed, *items;
	size_t i;

	o = json_object();
	json_object_set_new(o, "format", jstr(doc->format));
	json_object_set_new(o, "encoding", jstr(doc->encoding));
	json_object_set_new(o, "bozo", json_boolean(doc->bozo));
	warns = json_array();
	for (i = 0; i < doc->nwarnings; i++)
		json_array_append_new(warns, jstr(doc->warnings[i]));
	json_object_set_new(o, "warnings", warns);
	feed = json_object();
	json_object_set_new(feed, "title", jstr(doc->title));
	json_object_set_new(feed, "link", jstr(doc->link));
	json_object_set_new(feed, "updated", jtime(doc->updated));
	json_object_set_new(o, "feed", feed);
	items = json_array();
	for (i = 0; i < doc->nitems; i++)
		json_array_append_new(items, item_json(&doc->items[i]));
	json_object_set_new(o, "items", items);
	return o;
}

/*
 * jansson escapes C0 controls but writes C1 controls (U+0080-U+009F, of
 * which U+009B is a one-character CSI) and bidi overrides (Trojan Source)
 * as raw UTF-8. They only occur inside JSON strings, so writing them as
 * \uXXXX keeps the value and makes the output safe for a terminal
 * (design §5, RELIABILITY C9).
 */
static int
write_json_safe(const char *s, FILE *fp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t n;

	while (*p) {
		cp = 0;
		n = 0;
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			cp = p[1];
			n = 2;
		} else if (p[0] == 0xd8 && p[1] == 0x9c) {
			cp = 0x061c;
			n = 2;
		} else if (p[0] == 0xe2 && (p[1] == 0x80 || p[1] == 0x81) &&
		    p[2] >= 0x80 && p[2] <= 0xbf) {
			cp = 0x2000 | (unsigned long)(p[1] & 0x3f) << 6 |
			    (p[2] & 0x3f);
			if ((cp >= 0x200e && cp <= 0x200f) ||
			    (cp >= 0x2028 && cp <= 0x202e) ||
			    (cp >= 0x2066 && cp <= 0x2069))
				n = 3;
		}
		if (n) {
			if (fprintf(fp, "\\u%04lx", cp) < 0)
				return -1;
			p += n;
		} else {
			if (putc(*p, fp) == EOF)
				return -1;
			p++;
		}
	}
	return 0;
}

static int
print_doc(const struct feed_doc *doc)
{
	json_t *o;
	char *s;
	int rc = CLI_EXIT_ERR;

	o = doc_json(doc);
	s = json_dumps(o, isatty(STDOUT_FILENO) ? JSON_INDENT(2) :
	    JSON_COMPACT);
	json_decref(o);
	if (!s) {
		fprintf(stderr, "herald: parse: cannot encode JSON\n");
		return CLI_EXIT_ERR;
	}
	if (write_json_safe(s, stdout) == 0 && putchar('\n') != EOF &&
	    fflush(stdout) == 0)
		rc = CLI_EXIT_OK;
	else
		fprintf(stderr, "herald: parse: cannot write output\n");
	free(s);
	return rc;
}

int
cmd_parse(int argc, char **argv, const struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "content-type", required_argument, NULL, 'c' },
		{ "url", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *content_type = NULL, *base = NULL, *path;
	struct feed_doc *doc = NULL;
	struct herald_err err;
	char *data = NULL, *spath, *smsg;
	size_t len = 0;
	int ch, rc;

	(void)o;	/* Always JSON: the output is the parser's contract. */
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			content_type = optarg;
			break;
		case 'u':
			base = optarg;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	path = argv[optind];
	data = cli_read_file(path, PARSE_FILE_MAX, &len);
	if (!data)
		return CLI_EXIT_ERR;
	feed_parse_init();
	doc = feed_parse(data, len, content_type, base, &err);
	if (!doc) {
		spath = text_term_safe(path);
		smsg = text_term_safe(err.msg);
		fprintf(stderr, "herald: parse: %s: %s\n", spath, smsg);
		free(spath);
		free(smsg);
		rc = CLI_EXIT_ERR;
		goto out;
	}
	feed_doc_identify(doc, NULL);
	rc = print_doc(doc);
out:
	feed_doc_free(doc);
	free(data);
	feed_parse_cleanup();
	return rc;
}
