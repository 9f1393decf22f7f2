/*
 * out.h: the CLI's output formats. Every value that may come from a feed
 * is made terminal-safe here (text_escape_term), whatever the format:
 *   table  columns sized to the terminal, long values cut with an ellipsis
 *   tsv    one line per row, tab-separated, \t \n \\ escaped (sfeed style)
 *   csv    RFC 4180
 *   json   JSON Lines, one object per row (jansson)
 */
#ifndef HERALD_CLI_OUT_H
#define HERALD_CLI_OUT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "cli/cli.h"

struct out;

/* One column: its header, and whether it takes the spare width (table). */
struct out_col {
	const char	*name;
	int		 flex;
};

/*
 * Returns a writer for fmt (CLI_FMT_DEFAULT: table when fp is a terminal,
 * else tsv) with ncols columns; free with out_free(), which also flushes
 * a table. The cols array is borrowed until out_free().
 */
struct out	*out_new(enum cli_format fmt, FILE *fp,
		    const struct out_col *cols, size_t ncols);
/* The resolved format. */
enum cli_format	 out_format(const struct out *o);
/* Adds a row for table/tsv/csv: vals[ncols], any may be NULL. Copied. */
void		 out_row(struct out *o, const char *const *vals);
/* Writes obj as one JSON line (json format). Steals the reference. */
void		 out_json(struct out *o, json_t *obj);
void		 out_free(struct out *o);

/* "3h ago", "2d ago", "in 5m"; into buf of size n. */
const char	*out_reltime(long long t, long long now, char *buf, size_t n);
/* A json string made terminal-safe, or json null for NULL. */
json_t		*out_jstr(const char *s);

#endif
