/*
 * fuzz_topic.c: the topic-file parser and matcher (feeds/topic.c).
 * Input: a topic file, optionally followed by a NUL and a title to match.
 * A file that is accepted must compile, and matching must return tags
 * whose evidence offsets lie inside the text matched.
 */
#include "fuzz.h"

#include "feeds/err.h"
#include "feeds/topic.h"

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
	struct topic_set *ts;
	struct topic_result res;
	struct herald_err err;
	const char *title = "Israel and Hamas agree ceasefire in Gaza";
	const uint8_t *nul;
	size_t tlen = size;
	char *s;

	s = fuzz_strndup(data, size);
	nul = memchr(data, '\0', size);
	if (nul) {
		tlen = (size_t)(nul - data);
		title = s + tlen + 1;
	}
	ts = topic_set_new();
	if (topic_set_add(ts, "fuzz.topic", s, tlen, &err) == 0 &&
	    topic_set_compile(ts, &err) == 0) {
		memset(&res, 0, sizeof(res));
		if (topic_set_match(ts, title, "summary text about a ceasefire",
		    NULL, 1700000000LL, &res) == 0)
			topic_result_fini(&res);
	} else
		FUZZ_CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
	topic_set_free(ts);
	free(s);
	return 0;
}
