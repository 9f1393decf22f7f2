/*
 * json.c: JSON strings for the store's own small records (tag evidence,
 * categories), written straight into a buffer: jansson is called only
 * for a string that needs escaping, and prints what it would have.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "feeds/buf.h"
#include "feeds/text.h"
#include "store/store_int.h"

int
store_json_string(struct buf *b, const char *s)
{
	size_t i, n;
	json_t *j;
	char *q;
	int rc;

	if (!s)
		return buf_puts(b, "null");
	n = strlen(s);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == '"' || s[i] == '\\')
			break;
	if (i == n && text_utf8_valid(s, n)) {
		if (buf_putc(b, '"') || buf_append(b, s, n) ||
		    buf_putc(b, '"'))
			return -1;
		return 0;
	}
	j = json_string(s);
	if (!j)
		return -1;
	q = json_dumps(j, JSON_ENCODE_ANY);
	json_decref(j);
	if (!q)
		return -1;
	rc = buf_puts(b, q);
	free(q);
	return rc;
}
