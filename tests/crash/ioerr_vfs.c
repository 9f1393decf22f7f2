/*
 * ioerr_vfs.c: an SQLite VFS shim that fails the Nth read, write or sync
 * (SQLite's own I/O-error technique, https://www.sqlite.org/testing.html
 * §3.2), for tests/crash/storage.py. Built as a shared object and loaded
 * with LD_PRELOAD into heraldd: a constructor registers it as the default
 * VFS, wrapping the real one, so the daemon runs unmodified.
 *
 *   HERALD_IOERR_N=n        the nth xRead/xWrite/xSync/xTruncate (counted
 *                           over all files) returns SQLITE_IOERR_*; so do
 *                           all later ones if HERALD_IOERR_PERSIST=1
 *   HERALD_IOERR_COUNT=path at exit, write the number of calls seen
 *
 * Test-only code: the counter is process-global by design (atomic, since
 * the daemon's writer runs on a libuv pool thread).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

struct shim_file {
	sqlite3_file	 base;
	sqlite3_file	*real;		/* follows this struct in memory */
};

static sqlite3_vfs shim_vfs;
static sqlite3_vfs *real_vfs;
static sqlite3_io_methods shim_io;
static long fail_at = -1;
static int persist;
static unsigned long calls;
static const char *count_path;

static int
should_fail(void)
{
	unsigned long n = __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);

	if (fail_at <= 0)
		return 0;
	return persist ? n >= (unsigned long)fail_at :
	    n == (unsigned long)fail_at;
}

#define REAL(f)	(((struct shim_file *)(f))->real)

static int
x_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int
x_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	if (should_fail())
		return SQLITE_IOERR_READ;
	return REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}

static int
x_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	if (should_fail())
		return SQLITE_IOERR_WRITE;
	return REAL(f)->pMethods->xWrite(REAL(f), p, n, off);
}

static int
x_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	if (should_fail())
		return SQLITE_IOERR_TRUNCATE;
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int
x_sync(sqlite3_file *f, int flags)
{
	if (should_fail())
		return SQLITE_IOERR_FSYNC;
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int
x_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int
x_lock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xLock(REAL(f), l);
}

static int
x_unlock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), l);
}

static int
x_check(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
x_fcntl(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int
x_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int
x_devchar(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int
x_shmmap(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}

static int
x_shmlock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void
x_shmbarrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int
x_shmunmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int
x_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, n, pp);
}

static int
x_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static int
v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
    int *out)
{
	struct shim_file *sf = (struct shim_file *)f;
	int rc;

	(void)vfs;
	sf->real = (sqlite3_file *)(sf + 1);
	rc = real_vfs->xOpen(real_vfs, name, sf->real, flags, out);
	if (sf->real->pMethods) {
		shim_io.iVersion = sf->real->pMethods->iVersion;
		f->pMethods = &shim_io;
	} else
		f->pMethods = NULL;
	return rc;
}

static int
v_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
	(void)vfs;
	return real_vfs->xDelete(real_vfs, name, sync);
}

static int
v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int
v_fullpath(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void
write_count(void)
{
	FILE *fp;

	if (!count_path || !(fp = fopen(count_path, "w")))
		return;
	fprintf(fp, "%lu\n", __atomic_load_n(&calls, __ATOMIC_SEQ_CST));
	fclose(fp);
}

__attribute__((constructor)) static void
shim_init(void)
{
	const char *s;

	if (sqlite3_initialize() != SQLITE_OK)
		return;
	real_vfs = sqlite3_vfs_find(NULL);
	if (!real_vfs)
		return;
	if ((s = getenv("HERALD_IOERR_N")))
		fail_at = strtol(s, NULL, 10);
	persist = (s = getenv("HERALD_IOERR_PERSIST")) && *s == '1';
	count_path = getenv("HERALD_IOERR_COUNT");
	if (count_path)
		atexit(write_count);
	shim_io = (sqlite3_io_methods){ 3, x_close, x_read, x_write,
	    x_truncate, x_sync, x_size, x_lock, x_unlock, x_check, x_fcntl,
	    x_sector, x_devchar, x_shmmap, x_shmlock, x_shmbarrier, x_shmunmap,
	    x_fetch, x_unfetch };
	shim_vfs = *real_vfs;
	shim_vfs.zName = "herald-ioerr";
	shim_vfs.pNext = NULL;
	shim_vfs.szOsFile = (int)sizeof(struct shim_file) + real_vfs->szOsFile;
	shim_vfs.xOpen = v_open;
	shim_vfs.xDelete = v_delete;
	shim_vfs.xAccess = v_access;
	shim_vfs.xFullPathname = v_fullpath;
	sqlite3_vfs_register(&shim_vfs, 1);
}
