/*
 * item.h: the parsed feed document and its items, as handed from the
 * parser to the normaliser, the tagger and the store; and item identity.
 *
 * Every char * field is owned by the struct and freed by feed_doc_free();
 * any may be NULL when the feed did not carry it. Times are UTC epoch
 * seconds or DATE_NONE.
 */
#ifndef HERALD_FEEDS_ITEM_H
#define HERALD_FEEDS_ITEM_H

#include <stddef.h>
#include <stdint.h>

struct feed_enclosure {
	char		*url;		/* absolute */
	char		*type;
	int64_t		 length;	/* -1 when unknown */
};

struct feed_item {
	char		*id;		/* guid / atom:id / JSON id, as given */
	char		*link;		/* absolute */
	char		*title;		/* plain text */
	char		*summary;	/* plain text */
	char		*content;	/* plain text of the full content */
	/*
	 * The full content as the feed gave it (HTML, or text escaped as
	 * HTML), valid UTF-8 without control characters, for readers that
	 * render it; never shown raw on a terminal. NULL when the feed had
	 * no content element.
	 */
	char		*content_html;
	char		*author;
	int64_t		 published;
	int64_t		 updated;
	char		**categories;
	size_t		 ncategories;
	struct feed_enclosure *enclosures;
	size_t		 nenclosures;

	/* Filled by feed_doc_identify(). */
	char		*key;		/* identity within the feed */
	char		*canon;		/* canonical link, or NULL */
	char		 hash[65];	/* hex SHA-256 of title, summary, content */
};

struct feed_doc {
	const char	*format;	/* static: "rss2.0", "rss1.0", "atom1.0", ... */
	char		*encoding;	/* as detected, e.g. "UTF-8" */
	int		 bozo;		/* 1 when anything was wrong */
	char		**warnings;	/* "line:col: message" or "message" */
	size_t		 nwarnings;
	char		*title;
	char		*link;		/* absolute */
	int64_t		 updated;
	int64_t		 ttl;		/* seconds from <ttl>/sy:*, or -1 */
	struct feed_item *items;
	size_t		 nitems;

	/* Filled by feed_doc_identify(). */
	const char	*id_policy;	/* static: "guid", "link" or "hash" */
};

/* Returns a new empty document; caller frees with feed_doc_free(). */
struct feed_doc	*feed_doc_new(void);
void		 feed_doc_free(struct feed_doc *doc);
/* Appends a zeroed item (times DATE_NONE); *borrowed* pointer into doc. */
struct feed_item *feed_doc_add_item(struct feed_doc *doc);
/* Adds a warning (printf-style) and sets bozo. */
void		 feed_doc_warn(struct feed_doc *doc, const char *fmt, ...)
		    __attribute__((__format__(printf, 2, 3)));
/* Appends a copy of s to it->categories. */
void		 feed_item_add_category(struct feed_item *it, const char *s);
/*
 * Appends an enclosure that takes url (malloc'ed, freed with the item),
 * with no type and length -1; *borrowed* pointer into it, valid until
 * the next add.
 */
struct feed_enclosure *feed_item_add_enclosure(struct feed_item *it,
		    char *url);

/*
 * Computes every item's key, canonical link and content hash (design §2):
 * guid when every item has a non-empty guid unique within the document,
 * else the canonical link when those are present and unique, else a hash
 * of title + published + summary. Records the choice in doc->id_policy.
 * force_policy (NULL = automatic) lets the store impose a fallback it
 * learnt across fetches (guids that change every time).
 */
void		 feed_doc_identify(struct feed_doc *doc, const char *force_policy);

#endif
