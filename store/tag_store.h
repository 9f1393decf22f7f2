/*
 * tag_store.h: the topic tags of stored items, read and rewritten apart
 * from the items themselves: the evidence for "herald why", counts per
 * topic for "herald topics list", and the walk and writes of "herald
 * topics retag". Part of store/ (the only module that touches SQLite):
 * pure, never logs, never exits.
 */
#ifndef HERALD_STORE_TAG_STORE_H
#define HERALD_STORE_TAG_STORE_H

#include <stddef.h>
#include <stdint.h>

struct herald_err;
struct store;
struct topic_tag;

/* One stored tag. Every pointer is borrowed for the callback's duration. */
struct store_tag_view {
	int64_t		 item_id;
	const char	*topic;
	const char	*version;	/* hash of the topic file; may be NULL */
	double		 score;
	double		 threshold;
	/* JSON array [{"term","group","field","offset","weight"}] */
	const char	*evidence;
	int64_t		 tagged_at;
};
typedef int store_tag_cb(const struct store_tag_view *t, void *arg);

/*
 * Calls cb for each tag of item item_id, by falling score. *title (may
 * be NULL) receives a copy of the item's title (caller frees; NULL when
 * it has none). Fails with HERALD_E_NOTFOUND when there is no such item.
 * cb returns 0 to go on, non-zero to stop (that value is returned); cb
 * NULL reads only the title.
 */
int	store_item_tags(struct store *st, int64_t item_id, char **title,
	    store_tag_cb *cb, void *arg, struct herald_err *err);

/* Calls cb with each topic that tags items and its item count, by name. */
typedef int store_tag_count_cb(const char *topic, int64_t n, void *arg);
int	store_tag_counts(struct store *st, store_tag_count_cb *cb, void *arg,
	    struct herald_err *err);

/* An item as the tagger saw it, and the topics it carries now. All owned. */
struct store_tagged_item {
	int64_t		 id;
	char		*title;
	char		*summary;
	char		*content;
	int64_t		 published;	/* DATE_NONE when absent */
	char		**topics;	/* names of its stored tags */
	size_t		 ntopics;
};

/*
 * Reads up to max items with an id greater than after, in id order, into
 * a new array *out of *n entries (free with store_tagged_items_free()).
 * Walking in batches keeps no read transaction open while the caller
 * writes (RELIABILITY.md §0.9). *n < max means the walk is over.
 */
int	store_tagged_items(struct store *st, int64_t after, size_t max,
	    struct store_tagged_item **out, size_t *n,
	    struct herald_err *err);
void	store_tagged_items_free(struct store_tagged_item *v, size_t n);

/*
 * Rewrites the tags of one item in one transaction (a savepoint inside a
 * store_begin() group): deletes the tags named in drop[ndrop], then
 * inserts or updates put[nput] (an unchanged tag is not rewritten).
 * now is the tagged_at of what is written.
 */
int	store_item_tags_set(struct store *st, int64_t item_id,
	    const char *const *drop, size_t ndrop,
	    const struct topic_tag *put, size_t nput, int64_t now,
	    struct herald_err *err);

/*
 * Formats t's hits as the evidence JSON array; *out is a new string
 * (caller frees). HERALD_E_INVAL when a hit cannot be represented.
 */
int	store_tag_evidence(const struct topic_tag *t, char **out,
	    struct herald_err *err);

#endif
