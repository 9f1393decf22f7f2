/*
 * schema.c: herald's schema as a list of migration steps. Step v takes a
 * database from PRAGMA user_version v to v + 1; store.c runs each step in
 * its own BEGIN IMMEDIATE transaction together with the version bump, so
 * a database is always at one version, never between two (RELIABILITY.md
 * S9). A released step is never edited: change the schema by appending.
 */
#include "store_int.h"

#include <stddef.h>

/*
 * Version 1.
 *
 * feeds: one row per configured feed; the validators (etag,
 * last_modified, body_hash) are written in the same transaction as the
 * items they describe (RELIABILITY.md §0.8, S11).
 *
 * items: one row per story. story_key is the dedup key (design §2):
 * "u:" + canonical link when the link identifies the story, else
 * "f:<feed id>:" + the item's key within its feed. categories is a JSON
 * array of strings, or NULL.
 *
 * item_sources: which feed carried the story under which key. hash is
 * that source's last content hash, so that two feeds carrying different
 * text for one story do not overwrite each other on every fetch: the
 * item is rewritten only when one source's own text changes.
 *
 * item_tags: the topics an item matched, with the evidence as JSON
 * ([{"term","group","field","offset","weight"}]) for "herald why".
 *
 * items_time orders "herald list": it must use the very expression of
 * the ORDER BY in query.c.
 */
static const char schema_v1[] =
	"CREATE TABLE feeds (\n"
	"	id		INTEGER PRIMARY KEY,\n"
	"	url		TEXT NOT NULL UNIQUE,\n"
	"	name		TEXT,\n"
	"	enabled		INTEGER NOT NULL DEFAULT 1,\n"
	"	etag		TEXT,\n"
	"	last_modified	TEXT,\n"
	"	body_hash	TEXT,\n"
	"	last_attempt	INTEGER,\n"
	"	last_success	INTEGER,\n"
	"	last_status	INTEGER,\n"
	"	last_error	TEXT,\n"
	"	failures	INTEGER NOT NULL DEFAULT 0,\n"
	"	id_policy	TEXT,\n"
	"	created		INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE items (\n"
	"	id		INTEGER PRIMARY KEY,\n"
	"	story_key	TEXT NOT NULL UNIQUE,\n"
	"	guid		TEXT,\n"
	"	link		TEXT,\n"
	"	canon		TEXT,\n"
	"	title		TEXT,\n"
	"	summary		TEXT,\n"
	"	content		TEXT,\n"
	"	author		TEXT,\n"
	"	categories	TEXT,\n"
	"	published	INTEGER,\n"
	"	updated		INTEGER,\n"
	"	hash		TEXT NOT NULL,\n"
	"	first_seen	INTEGER NOT NULL,\n"
	"	last_seen	INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX items_time ON items (COALESCE(published, first_seen));\n"
	"CREATE TABLE item_sources (\n"
	"	item_id		INTEGER NOT NULL\n"
	"			REFERENCES items (id) ON DELETE CASCADE,\n"
	"	feed_id		INTEGER NOT NULL\n"
	"			REFERENCES feeds (id),\n"
	"	feed_key	TEXT NOT NULL,\n"
	"	hash		TEXT,\n"
	"	first_seen	INTEGER NOT NULL,\n"
	"	UNIQUE (feed_id, feed_key)\n"
	");\n"
	"CREATE INDEX item_sources_item ON item_sources (item_id);\n"
	"CREATE TABLE item_tags (\n"
	"	item_id		INTEGER NOT NULL\n"
	"			REFERENCES items (id) ON DELETE CASCADE,\n"
	"	topic		TEXT NOT NULL,\n"
	"	version		TEXT,\n"
	"	score		REAL NOT NULL,\n"
	"	threshold	REAL NOT NULL,\n"
	"	evidence	TEXT NOT NULL,\n"
	"	tagged_at	INTEGER NOT NULL,\n"
	"	PRIMARY KEY (item_id, topic)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX item_tags_topic ON item_tags (topic, item_id);\n";

/*
 * Version 2: revisions, tombstones, full-text search, retention support.
 *
 * feeds.id_policy_forced: an identity policy the store imposed after
 * seeing the feed's guids change on every fetch for the same links
 * ("link"); NULL while the automatic choice stands. id_policy keeps the
 * policy last used.
 *
 * items_canon: finds a feed's earlier item for a link when its guids
 * churn (item_store.c); dropped again in v4.
 *
 * item_tags.item_time copies COALESCE(published, first_seen) of the item
 * so that "list --topic" walks item_tags_time newest first and stops at
 * LIMIT instead of probing every item; the triggers keep the copy true
 * whoever writes the tag or the item (plain tables only: trusted_schema
 * is OFF, which forbids FTS5 in triggers, so items_fts is kept in sync by
 * the store's own statements instead).
 *
 * revisions: the text an item had before an update replaced it (seen_at:
 * when that text was last stored; replaced_at: when it stopped being
 * current).
 *
 * tombstones: (feed, key) and story key of every deleted item, so that
 * neither the feed that served it nor another feed brings it back.
 *
 * items_fts: FTS5 over title, summary, content with items as external
 * content: the text is stored once. Its rank is bm25 with a title match
 * worth four times and a summary match twice one in the content; as the
 * table's own rank function, "ORDER BY rank" takes FTS5's fast path.
 */
static const char schema_v2[] =
	"ALTER TABLE feeds ADD COLUMN id_policy_forced TEXT;\n"
	"CREATE INDEX items_canon ON items (canon) WHERE canon IS NOT NULL;\n"
	"ALTER TABLE item_tags ADD COLUMN item_time INTEGER;\n"
	"UPDATE item_tags SET item_time = (SELECT COALESCE(i.published,"
	" i.first_seen) FROM items i WHERE i.id = item_tags.item_id);\n"
	"DROP INDEX item_tags_topic;\n"
	"CREATE INDEX item_tags_time ON item_tags (topic, item_time, item_id);\n"
	"CREATE TRIGGER item_tags_time_set AFTER INSERT ON item_tags\n"
	" WHEN new.item_time IS NULL BEGIN\n"
	"	UPDATE item_tags SET item_time = (SELECT COALESCE(i.published,"
	" i.first_seen) FROM items i WHERE i.id = new.item_id)\n"
	"	 WHERE item_id = new.item_id AND topic = new.topic;\n"
	"END;\n"
	"CREATE TRIGGER items_time_moved AFTER UPDATE OF published, first_seen"
	" ON items\n"
	" WHEN COALESCE(old.published, old.first_seen) IS NOT"
	" COALESCE(new.published, new.first_seen) BEGIN\n"
	"	UPDATE item_tags SET item_time = COALESCE(new.published,"
	" new.first_seen) WHERE item_id = new.id;\n"
	"END;\n"
	"CREATE TABLE revisions (\n"
	"	id		INTEGER PRIMARY KEY,\n"
	"	item_id		INTEGER NOT NULL\n"
	"			REFERENCES items (id) ON DELETE CASCADE,\n"
	"	title		TEXT,\n"
	"	summary		TEXT,\n"
	"	content		TEXT,\n"
	"	hash		TEXT NOT NULL,\n"
	"	seen_at		INTEGER NOT NULL,\n"
	"	replaced_at	INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX revisions_item ON revisions (item_id);\n"
	"CREATE TABLE tombstones (\n"
	"	feed_id		INTEGER NOT NULL,\n"
	"	feed_key	TEXT NOT NULL,\n"
	"	story_key	TEXT NOT NULL,\n"
	"	deleted		INTEGER NOT NULL,\n"
	"	reason		TEXT NOT NULL,\n"
	"	PRIMARY KEY (feed_id, feed_key)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX tombstones_story ON tombstones (story_key);\n"
	"CREATE VIRTUAL TABLE items_fts USING fts5 (title, summary, content,"
	" content = 'items', content_rowid = 'id',"
	" tokenize = 'unicode61 remove_diacritics 2');\n"
	"INSERT INTO items_fts (items_fts, rank)"
	" VALUES ('rank', 'bm25(4.0, 2.0, 1.0)');\n"
	"INSERT INTO items_fts (items_fts) VALUES ('rebuild');\n";

/*
 * v3: what the poller learns about a feed and must not forget across
 * restarts: the address it moved to (permanent redirects seen on several
 * polls) and why it was disabled (410 Gone).
 */
static const char schema_v3[] =
	"ALTER TABLE feeds ADD COLUMN fetch_url TEXT;\n"
	"ALTER TABLE feeds ADD COLUMN disabled_reason TEXT;\n"
	/* Per-feed item counts for "herald feeds" without counting a
	 * million index entries (plain-table triggers: trusted_schema OFF
	 * allows them). */
	"ALTER TABLE feeds ADD COLUMN nitems INTEGER NOT NULL DEFAULT 0;\n"
	"UPDATE feeds SET nitems = (SELECT count(*) FROM item_sources s"
	" WHERE s.feed_id = feeds.id);\n"
	"CREATE TRIGGER item_sources_count_ins AFTER INSERT ON item_sources"
	" BEGIN UPDATE feeds SET nitems = nitems + 1 WHERE id = new.feed_id;"
	" END;\n"
	"CREATE TRIGGER item_sources_count_del AFTER DELETE ON item_sources"
	" BEGIN UPDATE feeds SET nitems = nitems - 1 WHERE id = old.feed_id;"
	" END;\n";

/*
 * v4: the raw content (HTML) beside its plain text, for readers that
 * render it (herald show, herald export); and the per-item insert
 * trigger on item_sources gives way to one UPDATE per document by the
 * store (item_store.c): a trigger costs a statement journal and a feed
 * row rewrite for every item, a fifth of the CPU of an ingest. Deletes
 * are rare (retention, herald rm) and keep theirs.
 *
 * items_canon goes: it served only feeds whose guids churn, yet every
 * insert paid for it (7 % of an ingest's CPU). Such a feed's earlier
 * item for a link is now found among the feed's own sources, which
 * retention bounds (item_store.c, sql_source_find_canon).
 */
static const char schema_v4[] =
	"ALTER TABLE items ADD COLUMN content_html TEXT;\n"
	"DROP TRIGGER item_sources_count_ins;\n"
	"DROP INDEX items_canon;\n";

/*
 * v5: a tag's item_time is set by the statement that inserts the tag
 * (STORE_SQL_TAG_UPSERT), not by an AFTER INSERT trigger: any trigger
 * makes SQLite open a statement journal around each insert, which copied
 * every page the insert touched (a sixth of a tagged item's write).
 * items_time_moved stays: it follows a date that changes later.
 *
 * FTS5 merges segments once 8 of a size exist instead of 4: every group
 * commit flushes a small segment, and merging them by fours was a fifth
 * of an ingest's instructions (callgrind, 5000 items in groups of 16:
 * 804M -> 686M). A term lookup reads at most 7 segments a level instead
 * of 3, a few more b-tree probes per query.
 */
static const char schema_v5[] =
	"UPDATE item_tags SET item_time = (SELECT COALESCE(i.published,"
	" i.first_seen) FROM items i WHERE i.id = item_tags.item_id)"
	" WHERE item_time IS NULL;\n"
	"DROP TRIGGER item_tags_time_set;\n"
	"INSERT INTO items_fts (items_fts, rank) VALUES ('automerge', 8);\n";

/*
 * v6: FTS5 no longer merges segments inside the commits that make them
 * (automerge 0): the daemon's writer merges when it has nothing to store
 * (store_fts_merge(), daemon/pipeline.c). In a burst, a cold poll of
 * 1000 feeds, each group commit flushes one segment and merging them as
 * they came was a fifth of the writer's instructions (callgrind, 50,000
 * items in groups of 18: 8.52G -> 6.85G). crisismerge bounds what waits:
 * at 128 segments on one level FTS5 merges them all in that commit, as
 * it always did at 16. A search reads every segment of a term: with 56
 * of them a common term took 9 ms instead of 7 on 50,000 items.
 */
static const char schema_v6[] =
	"INSERT INTO items_fts (items_fts, rank) VALUES ('automerge', 0);\n"
	"INSERT INTO items_fts (items_fts, rank) VALUES ('crisismerge', 128);"
	"\n";

static const char *const steps[] = {
	schema_v1,
	schema_v2,
	schema_v3,
	schema_v4,
	schema_v5,
	schema_v6,
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == STORE_SCHEMA_VERSION,
    "STORE_SCHEMA_VERSION must count the migration steps");

const char *
store_schema_step(int v)
{
	if (v < 0 || v >= STORE_SCHEMA_VERSION)
		return NULL;
	return steps[v];
}
