/*
 * util.c: helpers shared by the herald subcommands.
 */
/* cli.h uses size_t without including <stddef.h>: keep this first. */
#include <stddef.h>

#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "feeds/buf.h"
#include "feeds/text.h"

/* The path as shown in a message: a file name can hold escapes too. */
static void
read_error(const char *path, const char *what)
{
	char *safe = text_term_safe(path);

	fprintf(stderr, "herald: %s: %s\n", safe, what);
	free(safe);
}

char *
cli_read_file(const char *path, size_t max, size_t *len)
{
	char chunk[65536], what[64], *ret = NULL;
	struct buf b;
	ssize_t n;
	int fd, e;

	buf_init(&b, max);
	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) :
	    STDIN_FILENO;
	if (fd < 0) {
		read_error(path, strerror(errno));
		goto out;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			read_error(path, strerror(e));
			goto out;
		}
		if (n == 0)
			break;
		/* The cap is checked as we go: stdin may never end. */
		if (buf_append(&b, chunk, (size_t)n)) {
			snprintf(what, sizeof(what), "larger than %zu bytes",
			    max);
			read_error(path, what);
			goto out;
		}
	}
	*len = buf_len(&b);
	ret = buf_detach(&b);
out:
	if (fd > STDIN_FILENO)
		close(fd);
	buf_fini(&b);
	return ret;
}
