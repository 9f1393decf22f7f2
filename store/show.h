/*
 * show.h: read-only queries behind "herald show", "herald export" and
 * "herald feeds list": one item in full (sources, tags with evidence,
 * revisions), a topic's items for a feed document, and per-feed
 * statistics. Pure like the rest of store/: errors come back as
 * HERALD_E_* with err set.
 */
#ifndef HERALD_STORE_SHOW_H
#define HERALD_STORE_SHOW_H

#include <stddef.h>
#include <stdint.h>

struct herald_err;
struct store;

/* Every string below is owned by the detail and freed with it. */
struct store_source {
	int64_t		 feed_id;
	char		*feed;		/* name, else URL */
	char		*feed_url;
	char		*feed_key;	/* the item's key within that feed */
	int64_t		 first_seen;
};

struct store_tag {
	char		*topic;
	char		*version;	/* may be NULL */
	double		 score;
	double		 threshold;
	char		*evidence;	/* JSON array, as stored */
	int64_t		 tagged_at;
};

struct store_revision {
	char		*title;
	char		*summary;
	char		*hash;
	int64_t		 seen_at;
};

struct store_item_detail {
	int64_t		 id;
	char		*guid;
	char		*link;
	char		*canon;
	char		*title;
	char		*summary;
	char		*content;
	char		*content_html;	/* raw, as the feed gave it, or NULL */
	char		*author;
	char		*categories;	/* JSON array or NULL */
	char		*hash;
	int64_t		 published;	/* DATE_NONE when absent */
	int64_t		 updated;
	int64_t		 first_seen;
	int64_t		 last_seen;
	struct store_source	*sources;
	size_t		 nsources;
	struct store_tag	*tags;	/* by falling score */
	size_t		 ntags;
	struct store_revision	*revs;	/* oldest first; none when the */
	size_t		 nrevs;		/* revisions table does not exist */
};

/*
 * Reads item id with its sources, tags and revisions in one snapshot.
 * On success *out is new (free with store_item_detail_free()).
 * HERALD_E_NOTFOUND when there is no such item.
 */
int	store_item_detail(struct store *st, int64_t id,
	    struct store_item_detail **out, struct herald_err *err);
void	store_item_detail_free(struct store_item_detail *d);

/* One item of a topic, for a feed document. Borrowed for the call. */
struct store_export_view {
	int64_t		 id;
	const char	*guid;
	const char	*link;
	const char	*title;
	const char	*summary;
	const char	*content;
	const char	*content_html;	/* raw, as the feed gave it, or NULL */
	const char	*author;
	int64_t		 published;	/* DATE_NONE when absent */
	int64_t		 updated;
	int64_t		 first_seen;
	double		 score;
	const char	*evidence;	/* JSON array, as stored */
	const char	*sources;	/* JSON array of {"name","url"} */
};

struct store_export_query {
	const char	*topic;		/* required */
	int64_t		 since;		/* DATE_NONE = no bound */
	int64_t		 until;
	long		 limit;		/* <= 0: no limit */
};

/*
 * Calls cb for each item tagged q->topic, newest first (published, else
 * first seen), in one read transaction. cb returns non-zero to stop
 * (that value is returned).
 */
typedef int store_export_cb(const struct store_export_view *v, void *arg);
int	store_export(struct store *st, const struct store_export_query *q,
	    store_export_cb *cb, void *arg, struct herald_err *err);

/* Sets *exists to 1 when at least one item is tagged topic, else 0. */
int	store_topic_exists(struct store *st, const char *topic, int *exists,
	    struct herald_err *err);

/* One feed with its counts. Borrowed for the call. */
struct store_feed_stats {
	int64_t		 id;
	const char	*url;
	const char	*name;		/* may be NULL */
	int		 enabled;
	int64_t		 last_success;	/* DATE_NONE if never */
	int64_t		 last_attempt;	/* DATE_NONE if never */
	const char	*last_error;	/* NULL when the last fetch succeeded */
	long		 last_status;
	long		 failures;	/* consecutive */
	long		 items;
	long		 new_since;	/* items first seen at or after since */
};

/*
 * Calls cb for each feed in registration order, with new_since counting
 * the feed's items first seen at or after since.
 */
typedef int store_feed_stats_cb(const struct store_feed_stats *f, void *arg);
int	store_feed_stats(struct store *st, int64_t since,
	    store_feed_stats_cb *cb, void *arg, struct herald_err *err);

#endif
