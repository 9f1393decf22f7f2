/*
 * wal.c: checkpoints off the writer's path.
 *
 * SQLite's writer copies the WAL back into the database (a checkpoint)
 * after a commit has taken the WAL past 1000 pages: a pread and a pwrite
 * per page, and an fsync of the database, all on the one connection that
 * nothing can replace. Measured on a cold poll of 1000 feeds, that was
 * 0.5 s of the writer's 3.4 s. A PASSIVE checkpoint from a second
 * connection does the same work beside it: SQLite lets one checkpointer
 * run alongside one writer and any number of readers.
 */
#include <sqlite3.h>

#include "feeds/err.h"
#include "store/store.h"
#include "store/store_int.h"

/*
 * Replaces SQLite's default hook (sqlite3WalDefaultHook, which is what
 * wal_autocheckpoint installs): remembers the size, and checkpoints
 * only past the limit. Runs on the writer's thread after each commit.
 */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store *st = arg;

	st->wal_frames = frames;
	if (st->wal_limit > 0 && frames >= st->wal_limit)
		(void)sqlite3_wal_checkpoint_v2(db, name,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

void
store_wal_defer(struct store *st, int limit)
{
	st->wal_limit = limit;
	st->wal_frames = 0;
	(void)sqlite3_wal_hook(st->db, wal_hook, st);
}

int
store_wal_frames(const struct store *st)
{
	return st->wal_frames;
}

int
store_checkpoint(struct store *st, struct herald_err *err)
{
	int rc;

	rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL);
	/* BUSY: another checkpoint runs (the writer's own, past its limit). */
	if (rc == SQLITE_OK || rc == SQLITE_BUSY)
		return 0;
	return store_err(st, rc, err, "checkpoint");
}
