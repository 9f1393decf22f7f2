/*
 * buf.h: a growable byte string with a hard maximum (curl's dynbuf model).
 *
 * The contents are always NUL-terminated. Fields are private: use the
 * functions. A buf never shrinks; buf_reset() keeps the allocation.
 */
#ifndef HERALD_FEEDS_BUF_H
#define HERALD_FEEDS_BUF_H

#include <stddef.h>

struct buf {
	char	*p;	/* private: contents, NUL-terminated once non-empty */
	size_t	 len;	/* private */
	size_t	 cap;	/* private */
	size_t	 max;	/* private: hard cap on len */
};

/* Initialises an empty buffer that refuses to grow beyond max bytes. */
void	 buf_init(struct buf *b, size_t max);
/* Frees the contents; b may be reinitialised afterwards. */
void	 buf_fini(struct buf *b);
void	 buf_reset(struct buf *b);
/* Append; 0 or HERALD_E_TOOBIG (nothing appended) past the cap. */
int	 buf_append(struct buf *b, const void *s, size_t n);
int	 buf_puts(struct buf *b, const char *s);
/* Inline: the text converters append one character at a time. */
static inline int
buf_putc(struct buf *b, char c)
{
	if (b->len + 2 <= b->cap && b->len < b->max) {
		b->p[b->len++] = c;
		b->p[b->len] = '\0';
		return 0;
	}
	return buf_append(b, &c, 1);
}
int	 buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((__format__(printf, 2, 3)));
/* Borrowed view; valid until the next call that changes b. Never NULL. */
const char *buf_str(const struct buf *b);
size_t	 buf_len(const struct buf *b);
/* Returns the contents; the caller frees them with free(). b is reset. */
char	*buf_detach(struct buf *b);

#endif
