/*
 * xmem.h: allocation that cannot fail.
 *
 * Every input herald reads has a hard size cap, so running out of memory
 * is not an input error but a broken machine: like OpenSMTPD's xmalloc and
 * sfeed's err(1, "realloc"), these abort. systemd restarts the daemon.
 */
#ifndef HERALD_FEEDS_XMEM_H
#define HERALD_FEEDS_XMEM_H

#include <stddef.h>

/* Each returns memory the caller frees with free(). Never NULL. */
void	*xmalloc(size_t n);
void	*xcalloc(size_t n, size_t size);
void	*xrealloc(void *p, size_t n);
void	*xreallocarray(void *p, size_t n, size_t size);
char	*xstrdup(const char *s);
/* Copies n bytes of s and NUL-terminates; s need not be terminated. */
char	*xstrndup(const char *s, size_t n);

#endif
