#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Set once by log_init() before any thread starts, read-only afterwards:
 * the one piece of process-wide state outside main.c, because every
 * module logs and threading a logger through every call buys nothing.
 */
static int log_verbosity = LOG_LVL_INFO;
static int log_journal;

void
log_init(int verbosity, int journal)
{
	log_verbosity = verbosity;
	log_journal = journal;
}

static void
vlog(int lvl, int prio, const char *err, const char *fmt, va_list ap)
{
	char line[2048], *p;
	int saved = errno;

	if (lvl > log_verbosity) {
		errno = saved;
		return;
	}
	vsnprintf(line, sizeof(line), fmt, ap);
	/* One event, one line: messages from libraries (SQLite's integrity
	 * reports) may hold newlines. */
	for (p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	/* One fprintf per line: stdio locks the stream, so threads' lines
	 * never interleave. */
	if (log_journal)
		fprintf(stderr, "<%d>%s%s%s\n", prio, line, err ? ": " : "",
		    err ? err : "");
	else
		fprintf(stderr, "heraldd: %s%s%s\n", line, err ? ": " : "",
		    err ? err : "");
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, 4, NULL, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	const char *e = strerror(errno);

	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, 4, e, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_INFO, 6, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_DEBUG, 7, NULL, fmt, ap);
	va_end(ap);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, 2, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
