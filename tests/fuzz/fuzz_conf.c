/*
 * fuzz_conf.c: the configuration parser (config/conf.c, RELIABILITY F2).
 * Input: heraldd.conf text, a NUL, then a feeds list. The feeds list goes
 * through conf_feeds_parse() directly; both are also written to files in
 * a per-process directory under /dev/shm (falling back to /tmp) and read
 * by conf_load(), which names the feeds file by path. Either a conf comes
 * back or every error is a "FILE:LINE: message" in the buffer.
 */
#include "fuzz.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/conf.h"

static char dir[64];

/* The scratch files go when the process does (atexit, not per input). */
static void
cleanup(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/heraldd.conf", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/feeds.conf", dir);
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/dev/shm/herald-fuzz-conf-%ld",
	    (long)getpid());
	if (mkdir(dir, 0700) && access(dir, W_OK)) {
		snprintf(dir, sizeof(dir), "/tmp/herald-fuzz-conf-%ld",
		    (long)getpid());
		mkdir(dir, 0700);
	}
	atexit(cleanup);
	return 0;
}

static int
write_file(const char *path, const char *p, size_t n)
{
	FILE *fp = fopen(path, "wb");
	int rc = 0;

	if (!fp)
		return -1;
	if (n && fwrite(p, 1, n, fp) != n)
		rc = -1;
	if (fclose(fp))
		rc = -1;
	return rc;
}

static void
feeds_direct(const char *text, size_t len)
{
	struct conf *c;
	char errs[1024];

	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	errs[0] = '\0';
	conf_feeds_parse(c, "fuzz-feeds.conf", text, len, errs, sizeof(errs));
	FUZZ_CHECK(memchr(errs, '\0', sizeof(errs)) != NULL);
	conf_free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128], fpath[128], errs[2048], *s;
	const char *nul, *feeds = "";
	size_t clen = size, flen = 0;
	struct conf *c;
	int64_t v;
	int b;

	s = fuzz_strndup(data, size);
	nul = memchr(s, '\0', size);
	if (nul) {
		clen = (size_t)(nul - s);
		feeds = nul + 1;
		flen = size - clen - 1;
	}
	feeds_direct(feeds, flen);
	/* The typed value parsers on the whole text as one value. */
	conf_parse_duration(s, &v);
	conf_parse_size(s, &v);
	conf_parse_bool(s, &b);

	snprintf(path, sizeof(path), "%s/heraldd.conf", dir);
	snprintf(fpath, sizeof(fpath), "%s/feeds.conf", dir);
	if (write_file(path, s, clen) == 0 &&
	    write_file(fpath, feeds, flen) == 0) {
		errs[0] = '\0';
		c = conf_load(path, errs, sizeof(errs));
		FUZZ_CHECK(memchr(errs, '\0', sizeof(errs)) != NULL);
		if (c)
			conf_free(c);
		else
			FUZZ_CHECK(errs[0] != '\0');
	}
	free(s);
	return 0;
}
