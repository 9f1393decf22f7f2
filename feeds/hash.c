/*
 * hash.c: SHA-256 in hex through OpenSSL's EVP interface, one-shot or
 * incremental.
 */
#include "hash.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

struct hash_ctx {
	EVP_MD_CTX	*md;
};

static void
to_hex(const unsigned char *d, unsigned int n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 0xf];
	}
	out[2 * n] = '\0';
}

struct hash_ctx *
hash_ctx_new(void)
{
	struct hash_ctx *h;

	h = malloc(sizeof(*h));
	if (!h)
		abort();
	h->md = EVP_MD_CTX_new();
	/* Only allocation can fail here; treat it like xmalloc does. */
	if (!h->md || EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1)
		abort();
	return h;
}

void
hash_ctx_update(struct hash_ctx *h, const void *p, size_t n)
{
	if (n && EVP_DigestUpdate(h->md, p, n) != 1)
		abort();
}

static void
digest_hex(struct hash_ctx *h, char out[HASH_HEX_LEN + 1])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(h->md, d, &n) != 1 || n != 32)
		abort();
	to_hex(d, n, out);
}

void
hash_ctx_next(struct hash_ctx *h, char out[HASH_HEX_LEN + 1])
{
	digest_hex(h, out);
	/*
	 * No type: OpenSSL 3 keeps the implementation it looked up for
	 * EVP_sha256() and its state, where naming the type again would
	 * look it up anew.
	 */
	if (EVP_DigestInit_ex2(h->md, NULL, NULL) != 1)
		abort();
}

void
hash_ctx_free(struct hash_ctx *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->md);
	free(h);
}

void
hash_ctx_final(struct hash_ctx *h, char out[HASH_HEX_LEN + 1])
{
	digest_hex(h, out);
	hash_ctx_free(h);
}

void
hash_sha256_hex(const void *p, size_t n, char out[HASH_HEX_LEN + 1])
{
	struct hash_ctx *h = hash_ctx_new();

	hash_ctx_update(h, p, n);
	hash_ctx_final(h, out);
}
