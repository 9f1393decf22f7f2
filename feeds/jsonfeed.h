/*
 * jsonfeed.h: JSON Feed 1.0 and 1.1 documents (jsonfeed.org/version/1 and
 * /version/1.1) to struct feed_doc, with jansson.
 *
 * Pure, like the rest of feeds/: no I/O, no logging, no globals. Safe
 * against hostile input: the caller caps the size, jansson bounds the
 * nesting depth (JSON_PARSER_MAX_DEPTH, 2048 in Debian 12's 2.14), and
 * nothing here recurses on the document.
 */
#ifndef HERALD_FEEDS_JSONFEED_H
#define HERALD_FEEDS_JSONFEED_H

#include <stddef.h>

struct feed_doc;
struct herald_err;

/*
 * 1 when data[0..len) is to be read as JSON rather than XML: its first
 * byte after an optional UTF-8 BOM and whitespace is "{", or the body
 * does not start with "<" and content_type (may be NULL; parameters
 * ignored) is application/feed+json or application/json. A body that
 * starts with "<" is XML whatever the label: servers mislabel feeds.
 */
int		 feed_is_json(const char *data, size_t len,
		    const char *content_type);

/*
 * Parses the JSON Feed in data[0..len); base_url (may be NULL) is the
 * document's URL, for resolving relative links (else the feed's own
 * feed_url, else its home_page_url). Returns a new document with format
 * "jsonfeed" (caller frees with feed_doc_free()); what is wrong but
 * skippable (a field of the wrong JSON type, a bad date, invalid UTF-8)
 * becomes a warning and sets bozo. Returns NULL with err set when data
 * is not JSON ("not JSON: LINE:COLUMN: ...", HERALD_E_INVAL) or is JSON
 * but not a JSON Feed (HERALD_E_NOTFEED). Every string in the result is
 * valid UTF-8 without control characters other than newline and tab.
 * Thread-safe; needs no initialisation.
 */
struct feed_doc	*feed_parse_json(const char *data, size_t len,
		    const char *base_url, struct herald_err *err);

#endif
