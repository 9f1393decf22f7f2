/*
 * store.h: herald's SQLite database, and the only module that touches it.
 *
 * One writer (the daemon's pipeline thread, or a CLI management command in
 * its own short transaction) and any number of readers (WAL). Every write
 * is one transaction begun with BEGIN IMMEDIATE. Pure: never logs, never
 * exits; errors come back as HERALD_E_* with err set.
 *
 * A struct store is a connection; use it from one thread at a time.
 */
#ifndef HERALD_STORE_STORE_H
#define HERALD_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

struct feed_doc;
struct herald_err;
struct store;
struct topic_result;

#define STORE_RDONLY	0x1	/* CLI queries: never writes, never migrates */
/* A helper beside the writer (the checkpointer): no page cache or
 * lookaside of the writer's size, for pages it never reads twice. */
#define STORE_AUX	0x2

/*
 * Process-wide SQLite set-up; call once from main() before any other
 * store call. Turns off SQLite's memory statistics, whose global mutex
 * every allocation takes (the writer allocates per row). Returns 0 or
 * HERALD_E_DB.
 */
int	store_global_init(void);

/*
 * Opens (creating and migrating to the current schema unless RDONLY) the
 * database at path: WAL, synchronous=FULL, foreign keys, busy timeout.
 * On success *out is a new connection; close it with store_close().
 * Fails with HERALD_E_VERSION when the file is newer than this binary,
 * HERALD_E_DB when it is not a herald database or cannot be opened.
 */
int	store_open(const char *path, int flags, struct store **out,
	    struct herald_err *err);
void	store_close(struct store *st);

/*
 * Group commit (design §5): store_begin() opens one BEGIN IMMEDIATE
 * transaction that the following store_feed_sync(), store_doc_commit()
 * and store_feed_result() calls join, each in its own savepoint, so that
 * a failing document is rolled back alone; store_commit() makes the group
 * durable with one sync. After an error that SQLite answers by rolling
 * the whole transaction back (disk full, I/O error) later calls and
 * store_commit() fail; store_rollback() drops an open group (and is a
 * no-op without one). Nothing is visible to readers before the commit.
 */
int	store_begin(struct store *st, struct herald_err *err);
int	store_commit(struct store *st, struct herald_err *err);
void	store_rollback(struct store *st);

/*
 * Checkpoints by another connection (store/wal.c). A writer that calls
 * store_wal_defer() no longer copies the WAL into the database after its
 * commits (SQLite's default every 1000 pages), unless the WAL has grown
 * past limit pages: the checkpointer fell behind. store_wal_frames()
 * says how many pages the WAL held after the last commit, to tell when
 * to wake the checkpointer. store_checkpoint() is a PASSIVE checkpoint:
 * it copies what no reader still needs, never waits for the writer, and
 * fsyncs the database (synchronous=FULL). 0 or HERALD_E_DB.
 */
void	store_wal_defer(struct store *st, int limit);
int	store_wal_frames(const struct store *st);
int	store_checkpoint(struct store *st, struct herald_err *err);

/*
 * Merges full-text index segments (store/fts_merge.c), in a transaction
 * of its own, outside any group: FTS5 writes at most about pages pages
 * (4 KiB each) and stops. *worked is 1 when there was something to
 * merge, 0 when every level of the index holds fewer than four segments
 * (FTS5's usermerge): call it again while it works and the writer has
 * nothing else to do. 0, HERALD_E_INVAL inside a group, or HERALD_E_DB.
 */
int	store_fts_merge(struct store *st, int pages, int *worked,
	    struct herald_err *err);

/*
 * PRAGMA quick_check (RELIABILITY.md S7): 0, or HERALD_E_DB naming the
 * first problem. O(size of the database).
 */
int	store_check(struct store *st, struct herald_err *err);

/*
 * Rows inserted, updated or deleted through this connection since it was
 * opened (sqlite3_total_changes64). For tests that prove a write did not
 * happen.
 */
int64_t	store_debug_changes(struct store *st);

/*
 * Registers a feed from the configuration (insert, or update its name and
 * re-enable it) and returns its id in *id. Writes nothing when the feed
 * is already registered under that name and enabled. name may be NULL.
 */
int	store_feed_sync(struct store *st, const char *url, const char *name,
	    int64_t *id, struct herald_err *err);

/*
 * The validators for the next conditional GET of a feed. Fails with
 * HERALD_E_NOTFOUND for an unknown feed_id. Release *out with
 * store_validators_fini().
 */
struct store_validators {
	char	*etag;		/* owned; NULL when none */
	char	*last_modified;	/* owned; NULL when none */
	char	*body_hash;	/* owned; hex SHA-256 of the last body parsed */
	int	 enabled;	/* 0: disabled (410 Gone, or by hand) */
	char	*fetch_url;	/* owned; where the feed moved, or NULL */
	char	*disabled_reason; /* owned; why it is disabled, or NULL */
};
int	store_feed_validators(struct store *st, int64_t feed_id,
	    struct store_validators *out, struct herald_err *err);
void	store_validators_fini(struct store_validators *v);

/* The outcome of one fetch of one feed. All strings borrowed. */
struct store_fetch {
	int64_t		 feed_id;
	int64_t		 now;		/* when the fetch ended */
	long		 http_status;	/* 0 when no response */
	const char	*error;		/* NULL on success; else a one-line reason */
	const char	*etag;		/* from the response, may be NULL */
	const char	*last_modified;
	const char	*body_hash;	/* hex SHA-256 of the body */
};

struct store_commit_stats {
	size_t	items;		/* items in the document */
	size_t	inserted;	/* new items */
	size_t	updated;	/* existing items whose text changed */
	size_t	unchanged;	/* already stored, nothing written */
	size_t	sources;	/* new (item, feed) links to an existing item */
	size_t	tagged;		/* items tagged by at least one topic */
	size_t	tombstoned;	/* deleted before (rm, retention): skipped */
	int	policy_forced;	/* 1: this commit saw the feed's guids churn
				   and forced its identity to "link" */
};

/*
 * Stores doc (its items already identified with feed_doc_identify()) for
 * f->feed_id in one transaction, together with the feed's new validators
 * and status, so that a lost commit can never leave a validator that
 * would turn the next poll into a 304 (RELIABILITY.md §0.8). tags may be
 * NULL; else tags[i] holds the topics of doc->items[i]. Items whose
 * canonical link is already stored (from any feed) become one item with
 * one more source. *stats (may be NULL) receives counts; every item is
 * counted once in inserted, updated, unchanged, sources or tombstoned.
 *
 * Revisions: an item whose text (title, summary, content) changes keeps
 * its previous text in revisions; items_fts follows every change.
 * Tombstones: an item whose (feed, key) or story key was deleted (rm,
 * retention) is not stored again.
 * Identity: when none of doc's keys is stored for the feed but half of
 * its linked items (two or more) have links the feed sent before under
 * other guids, the guids are taken to change on every fetch: the feed's
 * policy is forced to "link" (feeds.id_policy_forced, see
 * store_feed_policy()) and from then on its documents are re-keyed by
 * link here, whatever policy the caller identified them with; their
 * earlier items are found by canonical link, so nothing is duplicated.
 *
 * Story key: "u:" + canonical link, else "f:<feed_id>:" + key; a link
 * that several items of doc share under different keys (a homepage) is
 * not a story identifier and those items get the feed-scoped key. An
 * item whose (feed, key) is already stored is updated only when its
 * content hash changed; an unchanged item is not written at all, not
 * even its last_seen. tags[i] are written only when they describe the
 * stored text (doc->items[i].hash equals the item's hash, which is not
 * so when another feed's version of the story is stored), and only when
 * they differ; when the text is rewritten the item's old tags go.
 * On any error the whole document is rolled back and the error returned.
 * HERALD_E_NOTFOUND for an unknown f->feed_id; HERALD_E_INVAL for an
 * item without a key (feed_doc_identify() not run).
 */
int	store_doc_commit(struct store *st, const struct store_fetch *f,
	    const struct feed_doc *doc, const struct topic_result *tags,
	    struct store_commit_stats *stats, struct herald_err *err);

/*
 * The identity policy the store forced on feed_id, for
 * feed_doc_identify(doc, *policy): "link" (static) after its guids were
 * seen to churn, or NULL for the automatic choice. HERALD_E_NOTFOUND for
 * an unknown feed.
 */
int	store_feed_policy(struct store *st, int64_t feed_id,
	    const char **policy, struct herald_err *err);

/*
 * Records a fetch that brought no document to store: an error (f->error
 * set; the consecutive-failure count grows, validators are kept), a 304
 * or an unchanged body (failures reset, last_error cleared; each
 * validator kept, or replaced when f carries a non-NULL one).
 * HERALD_E_NOTFOUND for an unknown f->feed_id.
 */
int	store_feed_result(struct store *st, const struct store_fetch *f,
	    struct herald_err *err);

/*
 * What the poller learnt about a feed, kept across restarts:
 * store_feed_disable() stops it for good (reason: "410 Gone"), until
 * store_feed_enable(); store_feed_move() records the address it moved to
 * (NULL: back to the configured URL) and drops the old validators.
 * Each is one short transaction, or joins an open group.
 */
int	store_feed_disable(struct store *st, int64_t feed_id,
	    const char *reason, struct herald_err *err);
int	store_feed_enable(struct store *st, const char *url_or_name,
	    struct herald_err *err);
int	store_feed_move(struct store *st, int64_t feed_id, const char *url,
	    struct herald_err *err);

/* ---- queries (read-only) ---- */

struct store_item_view {
	int64_t		 id;
	const char	*guid;		/* the feed's own id, may be NULL */
	const char	*link;
	const char	*title;
	const char	*summary;
	const char	*feed;		/* name (or URL) of the first source */
	const char	*feed_url;
	int64_t		 published;	/* DATE_NONE when absent */
	int64_t		 updated;
	int64_t		 first_seen;
	size_t		 nsources;
	const char	**topics;	/* topic names */
	const double	*scores;	/* one per topic */
	size_t		 ntopics;
};

struct store_list_query {
	const char	*topic;		/* NULL = any */
	const char	*feed;		/* name or URL; NULL = any */
	int64_t		 since;		/* DATE_NONE = no bound */
	int64_t		 until;		/* DATE_NONE = no bound */
	long		 limit;		/* <= 0: no limit */
};

/*
 * Calls cb for each matching item, newest first (published, else first
 * seen; since <= that time < until). The view is borrowed for the
 * duration of the call; topics are ordered by falling score. cb returns 0
 * to go on, non-zero to stop (that value is returned). q NULL lists
 * everything. cb must not list again on st (HERALD_E_INVAL) and should
 * be quick: the walk holds a read transaction, which keeps the WAL from
 * being reset (RELIABILITY.md §0.9).
 */
typedef int store_item_cb(const struct store_item_view *it, void *arg);
int	store_list(struct store *st, const struct store_list_query *q,
	    store_item_cb *cb, void *arg, struct herald_err *err);

struct store_feed_view {
	int64_t		 id;
	const char	*url;
	const char	*name;
	const char	*state;		/* "new", "ok", "failing", "disabled" */
	int64_t		 last_success;	/* DATE_NONE if never */
	int64_t		 last_attempt;
	const char	*last_error;	/* NULL when the last fetch succeeded */
	long		 last_status;
	long		 failures;	/* consecutive */
	long		 items;
};
/* Calls cb for each feed, in registration order; as store_list(). */
typedef int store_feed_cb(const struct store_feed_view *f, void *arg);
int	store_feeds_list(struct store *st, store_feed_cb *cb, void *arg,
	    struct herald_err *err);

/* ---- deletion, retention, upkeep (prune.c) ---- */

/*
 * Deletes the items ids[0..n) (herald rm) in one transaction, with their
 * sources, tags and revisions; each leaves a tombstone per (feed, key)
 * and its story key, so that no feed brings it back (store_doc_commit()).
 * Ids that do not exist are skipped; *deleted (may be NULL) counts the
 * items removed.
 */
int	store_items_delete(struct store *st, const int64_t *ids, size_t n,
	    int64_t now, size_t *deleted, struct herald_err *err);

/* A feed's own limits; a negative one defers to the global limit. */
struct store_prune_feed {
	int64_t		 feed_id;	/* 0: the feed is named by url */
	const char	*url;		/* borrowed */
	int64_t		 max_age;	/* seconds; -1 = global, 0 = none */
	long		 max_items;	/* -1 = global, 0 = none */
};

struct store_prune_policy {
	int64_t		 max_age;	/* seconds; 0 = no limit */
	long		 max_items;	/* newest kept per feed; 0 = no limit */
	/* Items tagged by a topic are kept this long whatever the limits
	   above say; 0 = for ever. */
	int64_t		 topic_max_age;
	const struct store_prune_feed *feeds;	/* overrides; borrowed */
	size_t		 nfeeds;
};

struct store_prune_stats {
	size_t	deleted;	/* items removed */
	size_t	tombstones;	/* (feed, key) tombstones written */
};

/*
 * Retention, in one transaction: an item's time is COALESCE(published,
 * first_seen) (what herald list orders by); it is kept while any feed
 * carrying it keeps it (within that feed's max_age and among its
 * max_items newest), or while it is tagged and within topic_max_age.
 * Everything else goes, with tombstones as store_items_delete(). Writes
 * nothing when no limit is set.
 */
int	store_prune(struct store *st, const struct store_prune_policy *p,
	    int64_t now, struct store_prune_stats *stats,
	    struct herald_err *err);

/*
 * Optimizes the full-text index, VACUUMs and truncates the WAL. Not in a
 * group; needs free space about the size of the database.
 */
int	store_vacuum(struct store *st, struct herald_err *err);

/* ---- full-text search (search.c) ---- */

struct store_search_query {
	const char	*match;		/* FTS5 query syntax; required */
	const char	*topic;		/* NULL = any */
	int64_t		 since;		/* DATE_NONE = no bound */
	long		 limit;		/* <= 0: no limit */
	const char	*mark_open;	/* around matches in snippets; */
	const char	*mark_close;	/* NULL = "[" and "]" */
};

struct store_search_hit {
	struct store_item_view	 item;
	double		 rank;		/* bm25: lower is a better match */
	const char	*snippet;	/* matches marked; may be NULL */
};

/*
 * Calls cb for each item whose title, summary or content matches
 * q->match, best first (bm25; a title match weighs 4, summary 2,
 * content 1), as store_list(): borrowed views, one read transaction, cb
 * non-zero stops. A query with more than 10,000 matching items is ranked
 * among the newest 10,000 of them (search.c says why). A query FTS5 cannot parse ("AND (", "nocol:x") fails
 * with HERALD_E_INVAL and "malformed search query ...".
 */
typedef int store_search_cb(const struct store_search_hit *h, void *arg);
int	store_search(struct store *st, const struct store_search_query *q,
	    store_search_cb *cb, void *arg, struct herald_err *err);

/* Counts for status lines. */
int	store_count_items(struct store *st, int64_t *n, struct herald_err *err);

#endif
