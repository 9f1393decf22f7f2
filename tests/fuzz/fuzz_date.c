/*
 * fuzz_date.c: date_parse() (RELIABILITY F2). Any bytes either parse to a
 * time within years 0001-9999 that formats and parses back to itself, or
 * fail with DATE_NONE and no flags.
 */
#include "fuzz.h"

#include "feeds/date.h"

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z */
#define DATE_MIN	(-62135596800LL)
#define DATE_MAX	253402300799LL

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, out[32];
	int64_t t, t2;
	int flags = -1, rc;

	s = fuzz_strndup(data, size);
	rc = date_parse(s, size, &t, &flags);
	if (rc) {
		FUZZ_CHECK(t == DATE_NONE && flags == 0);
	} else {
		FUZZ_CHECK(t >= DATE_MIN && t <= DATE_MAX);
		FUZZ_CHECK(date_format_rfc3339(t, out) == out);
		FUZZ_CHECK(date_parse(out, strlen(out), &t2, NULL) == 0);
		FUZZ_CHECK(t2 == t);
	}
	free(s);
	return 0;
}
