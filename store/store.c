/*
 * store.c: the connection: open (pragmas, ownership and version checks,
 * migrations), close, transactions, and the statement cache and helpers
 * that item_store.c and query.c build on.
 */
#include "store.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "feeds/date.h"
#include "feeds/err.h"
#include "feeds/xmem.h"
#include "store/store_int.h"

static const char *const stmt_names[STMT_COUNT] = {
#define STORE_STMT_NAME(n)	#n,
	STORE_STMTS(STORE_STMT_NAME)
#undef STORE_STMT_NAME
};

/* ---- helpers shared by store/ ---- */

static int
err_code(int rc)
{
	rc &= 0xff;
	return (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) ?
	    HERALD_E_BUSY : HERALD_E_DB;
}

int
store_err(struct store *st, int rc, struct herald_err *err,
    const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	/* Truncation is harmless: the message is for people. */
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return herald_err_set(err, err_code(rc), "%s: %s: %s", st->path,
	    what, st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
}

int
store_check_writable(struct store *st, struct herald_err *err)
{
	if (st->flags & STORE_RDONLY)
		return herald_err_set(err, HERALD_E_INVAL,
		    "%s: database opened read-only", st->path);
	return 0;
}

int
store_check_alone(struct store *st, const char *what,
    struct herald_err *err)
{
	int rc;

	rc = store_check_writable(st, err);
	if (!rc && st->group)
		rc = herald_err_set(err, HERALD_E_INVAL,
		    "%s: %s inside a group transaction", st->path, what);
	return rc;
}

int
store_stmt(struct store *st, enum store_stmt_id id, const char *sql,
    sqlite3_stmt **out, struct herald_err *err)
{
	sqlite3_stmt *s;
	int rc;

	assert((unsigned)id < STMT_COUNT);
	*out = NULL;
	s = st->stmt[id];
	if (s) {
		/*
		 * A busy statement means a callback called back into the
		 * store: resetting it would silently cut the outer query.
		 */
		if (sqlite3_stmt_busy(s))
			return herald_err_set(err, HERALD_E_INVAL,
			    "%s: statement %s is in use (re-entrant call)",
			    st->path, stmt_names[id]);
		assert(strcmp(sqlite3_sql(s), sql) == 0);
		*out = s;
		return 0;
	}
	rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &s, NULL);
	if (rc != SQLITE_OK)
		return store_err(st, rc, err, "preparing %s", stmt_names[id]);
	st->stmt[id] = s;
	*out = s;
	return 0;
}

void
store_stmt_release(sqlite3_stmt *s)
{
	if (!s)
		return;
	/*
	 * reset returns the error of the last step, which the caller has
	 * already reported; clear_bindings cannot fail. Resetting also ends
	 * the statement's read transaction, which would otherwise pin the WAL
	 * (RELIABILITY.md §0.9).
	 */
	(void)sqlite3_reset(s);
	(void)sqlite3_clear_bindings(s);
}

int
store_step_done(struct store *st, sqlite3_stmt *s, const char *what,
    struct herald_err *err)
{
	int rc;

	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		return store_err(st, rc, err, "%s", what);
	return 0;
}

int
store_step_row(struct store *st, sqlite3_stmt *s, const char *what,
    struct herald_err *err)
{
	int rc;

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_err(st, rc, err, "%s", what);
}

int
store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	/* SQLITE_STATIC: v outlives the step; store_stmt_release() unbinds. */
	if (!v)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

int
store_bind_time(sqlite3_stmt *s, int i, int64_t t)
{
	if (t == DATE_NONE)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_int64(s, i, t);
}

int64_t
store_column_time(sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return DATE_NONE;
	return sqlite3_column_int64(s, i);
}

const char *
store_column_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

int
store_exec(struct store *st, const char *sql, struct herald_err *err)
{
	char *msg = NULL;
	int rc;

	rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		rc = herald_err_set(err, err_code(rc), "%s: %.40s: %s",
		    st->path, sql,
		    msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

/* ---- transactions ---- */

int
store_tx_begin(struct store *st, struct store_tx *tx, struct herald_err *err)
{
	int rc;

	tx->nested = 0;
	tx->fts_lo = st->fts_lo;
	tx->fts_hi = st->fts_hi;
	rc = store_check_writable(st, err);
	if (rc)
		return rc;
	if (st->group) {
		if (st->group < 0 || sqlite3_get_autocommit(st->db))
			return herald_err_set(err, HERALD_E_DB,
			    "%s: the group transaction was rolled back by an "
			    "earlier error", st->path);
		tx->nested = 1;
		return store_exec(st, "SAVEPOINT herald_tx", err);
	}
	/* S5: never a deferred BEGIN for a write. */
	return store_exec(st, "BEGIN IMMEDIATE", err);
}

static void
tx_rollback(struct store *st, struct store_tx *tx)
{
	/* What the savepoint undoes is no longer there to index. */
	if (tx->nested) {
		st->fts_lo = tx->fts_lo;
		st->fts_hi = tx->fts_hi;
	} else
		st->fts_lo = st->fts_hi = 0;
	/*
	 * Some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM) have already
	 * rolled the whole transaction back; then there is nothing left to
	 * undo, and a group cannot be committed any more.
	 */
	if (sqlite3_get_autocommit(st->db)) {
		if (tx->nested)
			st->group = -1;
		return;
	}
	/* Errors here leave the state autocommit shows; report the first. */
	if (tx->nested) {
		(void)sqlite3_exec(st->db, "ROLLBACK TO herald_tx; "
		    "RELEASE herald_tx", NULL, NULL, NULL);
	} else
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int
store_tx_end(struct store *st, struct store_tx *tx, int rc,
    struct herald_err *err)
{
	if (!rc && !tx->nested)
		rc = store_fts_flush(st, err);
	if (!rc)
		rc = store_exec(st, tx->nested ? "RELEASE herald_tx" :
		    "COMMIT", err);
	if (rc)
		tx_rollback(st, tx);
	return rc;
}

int
store_begin(struct store *st, struct herald_err *err)
{
	int rc;

	if (st->group)
		return herald_err_set(err, HERALD_E_INVAL,
		    "%s: store_begin() inside a group", st->path);
	rc = store_check_writable(st, err);
	if (rc)
		return rc;
	rc = store_exec(st, "BEGIN IMMEDIATE", err);
	if (!rc)
		st->group = 1;
	return rc;
}

int
store_commit(struct store *st, struct herald_err *err)
{
	int rc, lost;

	lost = st->group < 0;
	if (!st->group)
		return herald_err_set(err, HERALD_E_INVAL,
		    "%s: store_commit() without store_begin()", st->path);
	st->group = 0;
	if (lost || sqlite3_get_autocommit(st->db)) {
		st->fts_lo = st->fts_hi = 0;
		return herald_err_set(err, HERALD_E_DB,
		    "%s: the group transaction was rolled back by an "
		    "earlier error", st->path);
	}
	rc = store_fts_flush(st, err);
	if (!rc)
		rc = store_exec(st, "COMMIT", err);
	if (rc && !sqlite3_get_autocommit(st->db))
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->fts_lo = st->fts_hi = 0;
	return rc;
}

void
store_rollback(struct store *st)
{
	if (!st || !st->group)
		return;
	st->group = 0;
	st->fts_lo = st->fts_hi = 0;
	/* Nothing to report: either it rolls back or it was gone already. */
	if (!sqlite3_get_autocommit(st->db))
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- open ---- */

/* Reads the single integer a pragma or a count query returns. */
static int
query_int(struct store *st, const char *sql, int64_t *out,
    struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		if ((rc & 0xff) == SQLITE_NOTADB)
			rc = herald_err_set(err, HERALD_E_DB,
			    "%s: not a SQLite database", st->path);
		else
			rc = store_err(st, rc, err, "%s", sql);
		goto out;
	}
	*out = sqlite3_column_int64(s, 0);
	rc = 0;
out:
	/* Its result repeats the step's error, already reported. */
	(void)sqlite3_finalize(s);
	return rc;
}

/*
 * One statement, so one snapshot: read separately, a reader racing the
 * daemon's first migration saw application_id 0 from before it and the
 * tables from after, and called the file "not a herald database".
 */
static const char sql_owner[] =
    "SELECT (SELECT application_id FROM pragma_application_id),"
    " (SELECT user_version FROM pragma_user_version),"
    " (SELECT count(*) FROM sqlite_master)";

/*
 * Decides from the header whether path is herald's: *version receives
 * its schema version, 0 for an empty database that migrations may fill.
 */
static int
check_owner(struct store *st, int64_t *version, struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	int64_t app, ver, ntables;
	int rc;

	/* The first read: a file that is not SQLite fails here. */
	rc = sqlite3_prepare_v2(st->db, sql_owner, -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		if ((rc & 0xff) == SQLITE_NOTADB)
			rc = herald_err_set(err, HERALD_E_DB,
			    "%s: not a SQLite database", st->path);
		else
			rc = store_err(st, rc, err, "reading the header");
		(void)sqlite3_finalize(s);
		return rc;
	}
	app = sqlite3_column_int64(s, 0);
	ver = sqlite3_column_int64(s, 1);
	ntables = sqlite3_column_int64(s, 2);
	/* Its result repeats the step's error, if any, already reported. */
	(void)sqlite3_finalize(s);
	if (app == 0 && ver == 0 && ntables == 0) {
		*version = 0;
		return 0;
	}
	if (app != STORE_APPLICATION_ID) {
		if (ver == 0)
			return herald_err_set(err, HERALD_E_DB,
			    "%s: not a herald database (it has tables but no "
			    "schema version)", st->path);
		return herald_err_set(err, HERALD_E_DB,
		    "%s: not a herald database (application_id %#llx, "
		    "user_version %lld)", st->path, (unsigned long long)app,
		    (long long)ver);
	}
	if (ver > STORE_SCHEMA_VERSION)
		return herald_err_set(err, HERALD_E_VERSION,
		    "%s: database schema version %lld is newer than this "
		    "herald (%d)", st->path, (long long)ver,
		    STORE_SCHEMA_VERSION);
	*version = ver;
	return 0;
}

/* Applies step v (v -> v + 1) in its own transaction with the version. */
static int
migrate_step(struct store *st, int v, struct herald_err *err)
{
	char pragma[96], *msg = NULL;
	int64_t cur = 0;
	int rc;

	rc = store_exec(st, "BEGIN IMMEDIATE", err);
	if (rc)
		return rc;
	/* Another process may have migrated since we looked. */
	rc = query_int(st, "PRAGMA user_version", &cur, err);
	if (!rc && cur > STORE_SCHEMA_VERSION)
		rc = herald_err_set(err, HERALD_E_VERSION,
		    "%s: database schema version %lld is newer than this "
		    "herald (%d)", st->path, (long long)cur,
		    STORE_SCHEMA_VERSION);
	if (rc || cur > v)
		goto out;
	rc = sqlite3_exec(st->db, store_schema_step(v), NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		rc = herald_err_set(err, err_code(rc),
		    "%s: migrating to schema version %d: %s", st->path, v + 1,
		    msg ? msg : sqlite3_errstr(rc));
		goto out;
	}
	/* Pragma values cannot be bound; both numbers are ours. */
	snprintf(pragma, sizeof(pragma),
	    "PRAGMA application_id = %d; PRAGMA user_version = %d",
	    STORE_APPLICATION_ID, v + 1);
	rc = store_exec(st, pragma, err);
out:
	if (!rc)
		rc = store_exec(st, "COMMIT", err);
	if (rc && !sqlite3_get_autocommit(st->db))
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_free(msg);
	return rc;
}

static int
migrate(struct store *st, int64_t from, struct herald_err *err)
{
	int64_t v;
	int rc;

	for (v = from; v < STORE_SCHEMA_VERSION; v++) {
		rc = migrate_step(st, (int)v, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* WAL, FULL, and the rest of RELIABILITY.md §8.3 for the writer. */
static int
writer_setup(struct store *st, struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	const char *mode;
	int one = 1, rc;

	rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s,
	    NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		rc = store_err(st, rc, err, "PRAGMA journal_mode = WAL");
		goto out;
	}
	/* The pragma answers with the mode in force, which may not be WAL. */
	mode = (const char *)sqlite3_column_text(s, 0);
	if (!mode || strcmp(mode, "wal") != 0) {
		rc = herald_err_set(err, HERALD_E_DB,
		    "%s: cannot switch to WAL (journal mode is %s)", st->path,
		    mode ? mode : "unknown");
		goto out;
	}
	/*
	 * FULL: NORMAL lost 64 % of acknowledged commits on power loss
	 * (RELIABILITY.md §0.8). The limit (64 MiB) bounds the WAL that a
	 * checkpoint leaves behind. The page cache (8 MiB, default 2 MiB)
	 * holds a whole group commit: when a transaction outgrows the cache,
	 * SQLite spills dirty pages to the WAL and writes them again later;
	 * with the default, ingesting the bench corpus wrote pages again. A
	 * STORE_AUX connection (the checkpointer) reads no page twice.
	 * temp_store=MEMORY keeps the statement and savepoint sub-journals
	 * (every write statement in a group, and every FTS5 insert, takes a
	 * savepoint) in memory: on disk, they made 65,640 of the 75,620
	 * pwrites that ingesting the bench corpus took, for a 13 MB file.
	 */
	rc = store_exec(st, "PRAGMA synchronous = FULL; "
	    "PRAGMA journal_size_limit = 67108864; "
	    "PRAGMA temp_store = MEMORY", err);
	if (!rc)
		rc = store_exec(st, (st->flags & STORE_AUX) ?
		    "PRAGMA cache_size = -256" : "PRAGMA cache_size = -8192",
		    err);
	if (rc)
		goto out;
	/*
	 * S10: keep -wal and -shm when the daemon stops, so that a read-only
	 * CLI can still open the database.
	 */
	rc = sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL,
	    &one);
	if (rc != SQLITE_OK)
		rc = store_err(st, rc, err, "SQLITE_FCNTL_PERSIST_WAL");
out:
	/* Its result repeats the step's error, already reported. */
	(void)sqlite3_finalize(s);
	return rc;
}

/* Fails early and clearly for the CLI when the daemon never ran. */
static int
rdonly_precheck(const char *path, struct herald_err *err)
{
	struct stat sb;
	int e;

	if (stat(path, &sb) == 0)
		return 0;
	e = errno;
	if (e == ENOENT)
		return herald_err_set(err, HERALD_E_DB,
		    "no database at %s: has heraldd run?", path);
	return herald_err_set(err, HERALD_E_IO, "%s: %s", path, strerror(e));
}

#define STORE_LOOKASIDE_SLOT	512
#define STORE_LOOKASIDE_SLOTS	512

static int
open_db(struct store *st, struct herald_err *err)
{
	int oflags, rc;

	oflags = SQLITE_OPEN_NOMUTEX | ((st->flags & STORE_RDONLY) ?
	    SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	rc = sqlite3_open_v2(st->path, &st->db, oflags, NULL);
	if (rc != SQLITE_OK)
		return store_err(st, rc, err, "cannot open");
	rc = sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	if (rc != SQLITE_OK)
		return store_err(st, rc, err, "busy_timeout");
	/*
	 * The writer makes a few dozen small allocations per stored item
	 * (cursors, records, FTS tokens): a larger lookaside (256 KiB,
	 * SQLite's own slab; the default is 1200 x 100) keeps them off the
	 * process allocator, where the parse threads contend for the same
	 * arenas. Must be set before the first statement; failure is
	 * harmless (the default stays). Debian 12's libsqlite3 is built with
	 * SQLITE_OMIT_LOOKASIDE, which makes this a no-op there.
	 */
	if (!(st->flags & (STORE_RDONLY | STORE_AUX)))
		(void)sqlite3_db_config(st->db, SQLITE_DBCONFIG_LOOKASIDE, NULL,
		    STORE_LOOKASIDE_SLOT, STORE_LOOKASIDE_SLOTS);
	/*
	 * foreign_keys is a no-op inside a transaction, so it is set first;
	 * trusted_schema=OFF keeps a hostile schema from running functions
	 * with side effects (RELIABILITY.md §8.3).
	 */
	rc = store_exec(st, "PRAGMA foreign_keys = ON; "
	    "PRAGMA trusted_schema = OFF", err);
	if (!rc && (st->flags & STORE_RDONLY))
		rc = store_exec(st, "PRAGMA query_only = ON", err);
	return rc;
}

int
store_open(const char *path, int flags, struct store **out,
    struct herald_err *err)
{
	struct store *st = NULL;
	int64_t version = 0;
	int rc;

	*out = NULL;
	if (flags & STORE_RDONLY) {
		rc = rdonly_precheck(path, err);
		if (rc)
			return rc;
	}
	st = xcalloc(1, sizeof(*st));
	st->path = xstrdup(path);
	st->flags = flags;
	rc = open_db(st, err);
	if (!rc)
		rc = check_owner(st, &version, err);
	if (rc)
		goto fail;
	if (flags & STORE_RDONLY) {
		/* A reader never migrates: that is the daemon's job. */
		if (version == 0)
			rc = herald_err_set(err, HERALD_E_DB,
			    "%s: the database is empty: has heraldd run?",
			    path);
		else if (version < STORE_SCHEMA_VERSION)
			rc = herald_err_set(err, HERALD_E_DB,
			    "%s: database schema version %lld is older than "
			    "this herald (%d): start heraldd once to upgrade "
			    "it", path, (long long)version,
			    STORE_SCHEMA_VERSION);
	} else {
		/* Only now: WAL must not be forced onto someone else's file. */
		rc = writer_setup(st, err);
		if (!rc)
			rc = migrate(st, version, err);
	}
	if (rc)
		goto fail;
	*out = st;
	return 0;
fail:
	store_close(st);
	return rc;
}

void
store_close(struct store *st)
{
	size_t i;

	if (!st)
		return;
	store_rollback(st);
	for (i = 0; i < STMT_COUNT; i++)
		(void)sqlite3_finalize(st->stmt[i]);
	/*
	 * Every statement is finalized above, so close cannot be refused
	 * with SQLITE_BUSY; close_v2 covers a statement we did not know.
	 */
	(void)sqlite3_close_v2(st->db);
	free(st->path);
	free(st);
}

int
store_check(struct store *st, struct herald_err *err)
{
	sqlite3_stmt *s = NULL;
	const char *msg;
	int rc;

	rc = sqlite3_prepare_v2(st->db, "PRAGMA quick_check(1)", -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		rc = store_err(st, rc, err, "PRAGMA quick_check");
		goto out;
	}
	msg = (const char *)sqlite3_column_text(s, 0);
	if (msg && strcmp(msg, "ok") == 0)
		rc = 0;
	else
		rc = herald_err_set(err, HERALD_E_DB,
		    "%s: integrity check failed: %s", st->path,
		    msg ? msg : "no answer");
out:
	/* Its result repeats the step's error, already reported. */
	(void)sqlite3_finalize(s);
	return rc;
}

int64_t
store_debug_changes(struct store *st)
{
	return sqlite3_total_changes64(st->db);
}

int
store_global_init(void)
{
	/* Only valid before sqlite3_initialize(); harmless to skip. */
	if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
		return HERALD_E_DB;
	return sqlite3_initialize() == SQLITE_OK ? 0 : HERALD_E_DB;
}
