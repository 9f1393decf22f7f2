/*
 * hash.h: SHA-256 (OpenSSL's libcrypto) in hex, for content hashes and
 * body hashes. Not for anything secret.
 */
#ifndef HERALD_FEEDS_HASH_H
#define HERALD_FEEDS_HASH_H

#include <stddef.h>

#define HASH_HEX_LEN	64

struct hash_ctx;

/* Writes the hex digest of p[0..n) and a NUL into out. */
void	hash_sha256_hex(const void *p, size_t n, char out[HASH_HEX_LEN + 1]);

/* Incremental form; hash_ctx_new() returns a context freed by _final(). */
struct hash_ctx	*hash_ctx_new(void);
void	hash_ctx_update(struct hash_ctx *h, const void *p, size_t n);
void	hash_ctx_final(struct hash_ctx *h, char out[HASH_HEX_LEN + 1]);
/*
 * For many short messages: writes the digest like _final() but keeps h,
 * ready for the next message (setting a context up costs about as much
 * as hashing a kilobyte). Free h with hash_ctx_free() when done.
 */
void	hash_ctx_next(struct hash_ctx *h, char out[HASH_HEX_LEN + 1]);
void	hash_ctx_free(struct hash_ctx *h);

#endif
