/*
 * topics.c: reads one *.topic file, or every *.topic file of a directory
 * in name order, into a compiled struct topic_set. The parsing and the
 * matcher are feeds/topic.c; this file only does the I/O.
 */
#include "topics.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "feeds/err.h"
#include "feeds/topic.h"
#include "feeds/xmem.h"

#define TOPICS_FILE_MAX	(1024 * 1024)	/* bytes per topic file */
#define TOPICS_DIR_MAX	1024		/* topic files per directory */

/*
 * Reads the regular file path (at most TOPICS_FILE_MAX bytes) into *text
 * (caller frees) and *len. Returns 0 or a HERALD_E_* code with err set.
 */
static int
read_file(const char *path, char **text, size_t *len,
    struct herald_err *err)
{
	struct stat st;
	char *p = NULL;
	size_t n = 0;
	ssize_t r;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return herald_err_set(err, HERALD_E_IO, "%s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = herald_err_set(err, HERALD_E_IO, "%s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = herald_err_set(err, HERALD_E_IO, "%s: not a regular file",
		    path);
		goto out;
	}
	/* One byte more than the cap, to tell "at the cap" from "over it". */
	p = xmalloc(TOPICS_FILE_MAX + 1);
	for (;;) {
		r = read(fd, p + n, TOPICS_FILE_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = herald_err_set(err, HERALD_E_IO, "%s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > TOPICS_FILE_MAX) {
			rc = herald_err_set(err, HERALD_E_TOOBIG, "%s: larger "
			    "than 1 MiB", path);
			goto out;
		}
	}
	*text = p;
	*len = n;
	p = NULL;
out:
	free(p);
	close(fd);
	return rc;
}

static int
load_file(struct topic_set *ts, const char *path, struct herald_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	rc = read_file(path, &text, &len, err);
	if (rc == 0)
		rc = topic_set_add(ts, path, text, len, err);
	free(text);
	return rc;
}

static int
has_topic_suffix(const char *name)
{
	size_t n = strlen(name);

	/* Hidden files (editor swap files, ".#x.topic") are not topics. */
	return name[0] != '.' && n > 6 && strcmp(name + n - 6, ".topic") == 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Collects the *.topic names of dir, sorted (so that the order of topics,
 * and of any duplicate-name error, does not depend on the file system).
 */
static int
list_dir(const char *dir, char ***names, size_t *n, struct herald_err *err)
{
	struct dirent *de;
	DIR *d;
	char **v = NULL;
	size_t cap = 0;
	int rc = 0;

	*n = 0;
	d = opendir(dir);
	if (!d)
		return herald_err_set(err, HERALD_E_IO, "%s: %s", dir,
		    strerror(errno));
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (!has_topic_suffix(de->d_name))
			continue;
		if (*n == TOPICS_DIR_MAX) {
			rc = herald_err_set(err, HERALD_E_TOOBIG, "%s: more "
			    "than %d topic files", dir, TOPICS_DIR_MAX);
			break;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[(*n)++] = xstrdup(de->d_name);
	}
	if (!rc && errno)
		rc = herald_err_set(err, HERALD_E_IO, "%s: %s", dir,
		    strerror(errno));
	closedir(d);
	if (!rc && *n == 0)
		rc = herald_err_set(err, HERALD_E_NOTFOUND, "%s: no *.topic "
		    "files", dir);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), name_cmp);
	*names = v;
	return rc;
}

static int
load_dir(struct topic_set *ts, const char *dir, struct herald_err *err)
{
	char **names = NULL, *path = NULL;
	size_t n = 0, i, len;
	const char *sep;
	int rc;

	rc = list_dir(dir, &names, &n, err);
	sep = dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/";
	for (i = 0; i < n && !rc; i++) {
		len = strlen(dir) + strlen(sep) + strlen(names[i]) + 1;
		path = xmalloc(len);
		snprintf(path, len, "%s%s%s", dir, sep, names[i]);
		rc = load_file(ts, path, err);
		free(path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

struct topic_set *
topics_load(const char *path, struct herald_err *err)
{
	struct topic_set *ts;
	struct stat st;
	int rc;

	if (stat(path, &st) != 0) {
		herald_err_set(err, HERALD_E_IO, "%s: %s", path,
		    strerror(errno));
		return NULL;
	}
	ts = topic_set_new();
	if (S_ISDIR(st.st_mode))
		rc = load_dir(ts, path, err);
	else
		rc = load_file(ts, path, err);
	if (!rc)
		rc = topic_set_compile(ts, err);
	if (rc) {
		topic_set_free(ts);
		return NULL;
	}
	return ts;
}
