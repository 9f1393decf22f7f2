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

static const char *const steps[] = {
	schema_v1,
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
