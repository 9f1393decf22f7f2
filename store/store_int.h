/*
 * store_int.h: what the files of store/ share and nobody else sees: the
 * connection struct, the prepared-statement cache, transactions, error
 * and binding helpers, and the schema steps.
 */
#ifndef HERALD_STORE_STORE_INT_H
#define HERALD_STORE_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct herald_err;

/* Written into the header by the first migration: "HRLD". */
#define STORE_APPLICATION_ID	0x48524c44
/* The schema this binary writes; store_schema_step() has this many steps. */
#define STORE_SCHEMA_VERSION	6
#define STORE_BUSY_TIMEOUT_MS	5000

/*
 * Every cached statement has a slot; the SQL text lives beside the code
 * that runs it and is handed to store_stmt() on each use.
 */
#define STORE_STMTS(X)							\
	X(FEED_SYNC)							\
	X(FEED_ID)							\
	X(FEED_VALIDATORS)						\
	X(FEED_DOC_DONE)						\
	X(FEED_FAILED)							\
	X(FEED_OK)							\
	X(SOURCE_FIND)							\
	X(SOURCE_INSERT)						\
	X(SOURCE_REHASH)						\
	X(SOURCE_FIND_CANON)						\
	X(FEED_NITEMS)							\
	X(FEED_POLICY)							\
	X(FEED_FORCE)							\
	X(TOMB_FIND)							\
	X(REV_SAVE)							\
	X(FTS_INSERT)							\
	X(FTS_DELETE)							\
	X(FTS_MERGE)							\
	X(ITEM_INSERT)							\
	X(ITEM_FIND)							\
	X(ITEM_SEEN)							\
	X(ITEM_UPDATE)							\
	X(TAG_UPSERT)							\
	X(TAGS_CLEAR)							\
	X(LIST)								\
	X(LIST_TOPICS)							\
	X(LIST_BY_TOPIC)						\
	X(SEARCH)							\
	X(SEARCH_SNIPPET)						\
	X(FEEDS_LIST)							\
	X(LIST_BY_FEED)							\
	X(COUNT_ITEMS)

enum store_stmt_id {
#define STORE_STMT_ENUM(n)	STMT_##n,
	STORE_STMTS(STORE_STMT_ENUM)
#undef STORE_STMT_ENUM
	STMT_COUNT
};

struct store {
	sqlite3		*db;
	char		*path;		/* owned; for messages */
	int		 flags;		/* STORE_RDONLY */
	/* 1 in a store_begin() group; -1 when SQLite rolled it back. */
	int		 group;
	/* Owned; prepared on first use, finalized in store_close(). */
	sqlite3_stmt	*stmt[STMT_COUNT];
	/*
	 * Items inserted in the open transaction and not yet in items_fts:
	 * ids fts_lo..fts_hi (0 = none). See store_fts_flush().
	 */
	int64_t		 fts_lo;
	int64_t		 fts_hi;
	/* store_wal_defer(): frames in the WAL after the last commit, and
	 * the size at which this connection checkpoints after all. */
	int		 wal_frames;
	int		 wal_limit;
};

/* An internal write transaction: BEGIN IMMEDIATE, or a savepoint in a group. */
struct store_tx {
	int		 nested;	/* 1: a SAVEPOINT in a group */
	int64_t		 fts_lo;	/* st's pending range at the start, */
	int64_t		 fts_hi;	/* restored when the savepoint rolls back */
};

/*
 * One tag's upsert, shared by the document writer (item_store.c) and
 * retag (tag_store.c); the WHERE keeps an unchanged tag from being
 * written again. item_time is copied from the item here, not by a
 * trigger (schema v5).
 */
#define STORE_SQL_TAG_UPSERT						\
    "INSERT INTO item_tags"						\
    " (item_id, topic, version, score, threshold, evidence, tagged_at,"	\
    " item_time)"							\
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"				\
    " (SELECT COALESCE(published, first_seen) FROM items WHERE id = ?1))" \
    " ON CONFLICT (item_id, topic) DO UPDATE SET"			\
    " version = excluded.version, score = excluded.score,"		\
    " threshold = excluded.threshold, evidence = excluded.evidence,"	\
    " tagged_at = excluded.tagged_at"					\
    " WHERE version IS NOT excluded.version"				\
    " OR score IS NOT excluded.score"					\
    " OR threshold IS NOT excluded.threshold"				\
    " OR evidence IS NOT excluded.evidence"

struct topic_tag;

/*
 * Binds tag t of item_id to s (a statement of STORE_SQL_TAG_UPSERT) and
 * steps it; s is reset first and unbound after (tag_store.c).
 */
int	store_tag_put(struct store *st, sqlite3_stmt *s, int64_t item_id,
	    const struct topic_tag *t, int64_t now, struct herald_err *err);

/*
 * Appends s to b as a JSON string, or null for NULL, exactly as jansson
 * dumps it (store/json.c). -1 when s is not UTF-8 (JSON has no string
 * for it; nothing is appended then) or when b is full.
 */
struct buf;
int	store_json_string(struct buf *b, const char *s);

/*
 * Formats "PATH: what: sqlite message" into err and returns HERALD_E_BUSY
 * for SQLITE_BUSY/SQLITE_LOCKED, else HERALD_E_DB.
 */
int	store_err(struct store *st, int rc, struct herald_err *err,
	    const char *fmt, ...) __attribute__((__format__(printf, 4, 5)));

/* Returns HERALD_E_INVAL with err set when st was opened read-only. */
int	store_check_writable(struct store *st, struct herald_err *err);
/* Writable and no group open: what needs a transaction of its own. */
int	store_check_alone(struct store *st, const char *what,
	    struct herald_err *err);

/*
 * Returns in *out the statement of slot id, preparing sql the first time.
 * The statement is borrowed and ready to bind; hand it back with
 * store_stmt_release() once done. Fails when the statement is still in
 * use (a callback re-entered the store), or sql does not prepare.
 */
int	store_stmt(struct store *st, enum store_stmt_id id, const char *sql,
	    sqlite3_stmt **out, struct herald_err *err);
/* Resets s and clears its bindings; NULL is a no-op. */
void	store_stmt_release(sqlite3_stmt *s);

/* sqlite3_step() expecting SQLITE_DONE, or SQLITE_ROW for store_step_row(). */
int	store_step_done(struct store *st, sqlite3_stmt *s, const char *what,
	    struct herald_err *err);
/* Returns 1 for a row, 0 when done, or a negative HERALD_E_*. */
int	store_step_row(struct store *st, sqlite3_stmt *s, const char *what,
	    struct herald_err *err);

/*
 * Binders that map herald's conventions to SQL (a NULL string or
 * DATE_NONE is SQL NULL, and back); they return SQLITE_*. Bound text is
 * not copied: it must outlive the step.
 */
int	store_bind_text(sqlite3_stmt *s, int i, const char *v);
int	store_bind_time(sqlite3_stmt *s, int i, int64_t t);
int64_t	store_column_time(sqlite3_stmt *s, int i);
/* Borrowed until the next step or reset of s; NULL for SQL NULL. */
const char *store_column_text(sqlite3_stmt *s, int i);

/* Runs SQL without results (may hold several statements). */
int	store_exec(struct store *st, const char *sql,
	    struct herald_err *err);

/*
 * Opens a write transaction: BEGIN IMMEDIATE, or a savepoint when a
 * group from store_begin() is open. store_tx_end() commits when rc is 0,
 * else rolls back; it returns rc, or the commit's error.
 */
int	store_tx_begin(struct store *st, struct store_tx *tx,
	    struct herald_err *err);
int	store_tx_end(struct store *st, struct store_tx *tx, int rc,
	    struct herald_err *err);

/*
 * One item's topics, copied (query.c): the statement that lists items
 * moves on row by row. Zero it before use; store_topics_fini() frees.
 */
struct store_topics {
	char		**names;
	double		*scores;
	size_t		 n;
	size_t		 cap;
};
int	store_topics_load(struct store *st, int64_t item_id,
	    struct store_topics *tl, struct herald_err *err);
void	store_topics_fini(struct store_topics *tl);

/*
 * items_fts learns of new items once per transaction (item_store.c says
 * why): store_fts_pending() notes an inserted id (ids only grow within a
 * transaction: one writer, max(rowid) + 1); store_fts_flush() indexes
 * the pending range and must run before COMMIT and before anything that
 * takes items out of the index (prune.c).
 */
void	store_fts_pending(struct store *st, int64_t id);
int	store_fts_flush(struct store *st, struct herald_err *err);

/*
 * The SQL that takes the schema from version v to v + 1, for
 * 0 <= v < STORE_SCHEMA_VERSION; NULL otherwise. Static text.
 */
const char *store_schema_step(int v);

#endif
