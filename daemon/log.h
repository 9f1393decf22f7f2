/*
 * log.h: the daemon's logging (OpenSMTPD's log.h shape). One line per
 * event on stderr, "<N>"-prefixed under systemd so the journal keeps the
 * level, no timestamps (the journal adds them). Never changes errno.
 * Feed text must go through text_term_safe() before it gets here.
 */
#ifndef HERALD_DAEMON_LOG_H
#define HERALD_DAEMON_LOG_H

#define LOG_LVL_WARN	0
#define LOG_LVL_INFO	1
#define LOG_LVL_DEBUG	2

/* verbosity: LOG_LVL_*; journal: 1 to prefix lines with <N>. */
void	log_init(int verbosity, int journal);
void	log_warnx(const char *fmt, ...) __attribute__((__format__(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((__format__(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((__format__(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((__format__(printf, 1, 2)));
/* For startup and broken invariants only: logs and exits 1. */
void	fatalx(const char *fmt, ...)
	    __attribute__((__format__(printf, 1, 2), __noreturn__));

#endif
