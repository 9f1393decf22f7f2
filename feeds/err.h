/*
 * err.h: the error vocabulary shared by every herald module.
 *
 * Functions that can fail return 0 or a negative HERALD_E* code (libuv
 * style) and write a one-line message naming what and where into a
 * caller-owned struct herald_err (the Redis anet pattern).
 */
#ifndef HERALD_FEEDS_ERR_H
#define HERALD_FEEDS_ERR_H

#define HERALD_OK		0
#define HERALD_E_NOMEM		(-1)	/* allocation failed */
#define HERALD_E_INVAL		(-2)	/* bad input: syntax, value, argument */
#define HERALD_E_TOOBIG		(-3)	/* a hard size cap was reached */
#define HERALD_E_IO		(-4)	/* a file or socket operation failed */
#define HERALD_E_DB		(-5)	/* SQLite reported an error */
#define HERALD_E_NOTFEED	(-6)	/* the document is not RSS/Atom */
#define HERALD_E_BUSY		(-7)	/* the database is locked */
#define HERALD_E_NOTFOUND	(-8)	/* no such item, feed or topic */
#define HERALD_E_VERSION	(-9)	/* database newer than this binary */

struct herald_err {
	char msg[256];
};

/*
 * Formats a message into err (may be NULL) and returns code, so that
 * callers can write "return herald_err_set(err, HERALD_E_INVAL, ...)".
 */
int	herald_err_set(struct herald_err *err, int code, const char *fmt, ...)
	    __attribute__((__format__(printf, 3, 4)));

#endif
