/*
 * fuzz_text.c: HTML to text, entities, whitespace folding, UTF-8 repair
 * and the terminal sanitiser (RELIABILITY F2, C1, C4, C9). Each output is
 * checked against its contract in text.h, and the sanitisers must be
 * idempotent: sanitise(sanitise(x)) == sanitise(x).
 */
#include "fuzz.h"

#include "feeds/buf.h"
#include "feeds/text.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
check_utf8(const char *s)
{
	FUZZ_CHECK(s != NULL);
	FUZZ_CHECK(text_utf8_valid(s, strlen(s)));
}

/* No C0, DEL, C1 (as UTF-8 U+0080..U+009F) left. */
static void
check_term_safe(const char *s)
{
	const unsigned char *p;

	check_utf8(s);
	for (p = (const unsigned char *)s; *p; p++) {
		FUZZ_CHECK(*p >= 0x20 && *p != 0x7f);
		FUZZ_CHECK(!(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f));
	}
}

static void
check_no_controls(const char *s)
{
	const unsigned char *p;

	check_utf8(s);
	for (p = (const unsigned char *)s; *p; p++)
		FUZZ_CHECK(*p >= 0x20 && *p != 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char *a, *b;
	size_t nbad;

	a = text_utf8_repair(in, size, &nbad);
	check_utf8(a);
	FUZZ_CHECK((nbad == 0) == (text_utf8_valid(in, size) != 0) ||
	    memchr(in, '\0', size));
	free(a);

	a = text_entities_decode(in, size);
	check_utf8(a);
	free(a);

	a = text_html_to_plain(in, size);
	check_no_controls(a);
	free(a);

	a = text_fold_ws(in, size);
	check_utf8(a);
	b = text_fold_ws(a, strlen(a));
	FUZZ_CHECK(strcmp(a, b) == 0);
	free(b);
	free(a);

	{
		char *s = fuzz_strndup(data, size);

		a = text_term_safe(s);
		check_term_safe(a);
		b = text_term_safe(a);
		FUZZ_CHECK(strcmp(a, b) == 0);
		free(b);
		free(a);
		free(s);
	}
	return 0;
}
