#include "err.h"

#include <stdarg.h>
#include <stdio.h>

int
herald_err_set(struct herald_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		/* Truncation is harmless: messages are bounded by design. */
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}
