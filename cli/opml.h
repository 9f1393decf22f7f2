/*
 * opml.h: OPML 1.0/2.0 subscription lists for "herald feeds import" and
 * "herald feeds export". OPML is not a feed, so it is read here, in the
 * CLI, with libxml2 under the same safe options as the feed parser (no
 * network, no entity expansion, no DTD loading).
 */
#ifndef HERALD_CLI_OPML_H
#define HERALD_CLI_OPML_H

#include <stddef.h>
#include <stdio.h>

struct conf;

struct opml_feed {
	char	*url;		/* xmlUrl */
	char	*title;		/* title, else text; may be NULL */
	char	*category;	/* the enclosing folder outline's text, or NULL */
};

/*
 * Reads every outline with an xmlUrl from data[0..len), in document
 * order. Returns 0 with *out (free with opml_feeds_free()) and *n set,
 * or -1 with a one-line reason in msg.
 */
int	opml_parse(const char *data, size_t len, struct opml_feed **out,
	    size_t *n, char *msg, size_t msgsz);
void	opml_feeds_free(struct opml_feed *f, size_t n);

/*
 * Writes c's feeds as an OPML 2.0 document to fp: feeds grouped in one
 * folder outline per first tag (in order of first appearance), untagged
 * feeds at the top level. Returns 0, or -1 on a write error.
 */
int	opml_write(FILE *fp, const struct conf *c);

#endif
