/*
 * parse.h: feed documents (RSS 0.9x/2.0, RSS 1.0, Atom 0.3/1.0) to
 * struct feed_doc, with libxml2; JSON Feed documents go to
 * feed_parse_json() (jsonfeed.h).
 *
 * Safe against hostile input (RELIABILITY.md §0, §8.1): no network, no
 * entity declarations (a document that declares one is refused), no
 * entity expansion, size capped by the caller, no recursion on the input.
 */
#ifndef HERALD_FEEDS_PARSE_H
#define HERALD_FEEDS_PARSE_H

#include <stddef.h>

struct feed_doc;
struct herald_err;

/* Call once per process before any feed_parse(), from the main thread. */
void		 feed_parse_init(void);
void		 feed_parse_cleanup(void);

/*
 * Parses data[0..len). content_type is the HTTP Content-Type (may be NULL;
 * its charset is a hint), base_url the document's URL (may be NULL) for
 * resolving relative links. A JSON body (feed_is_json()) is parsed by
 * feed_parse_json(). Returns a new document (caller frees with
 * feed_doc_free(); items' titles and summaries are plain text), or NULL
 * with err set: not XML, not a feed ("not a feed: got an HTML page"),
 * entity declarations, too deep. Thread-safe after feed_parse_init().
 */
struct feed_doc	*feed_parse(const char *data, size_t len,
		    const char *content_type, const char *base_url,
		    struct herald_err *err);

#endif
