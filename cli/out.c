#include "cli/out.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <utf8proc.h>

#include "feeds/buf.h"
#include "feeds/text.h"
#include "feeds/xmem.h"

#define OUT_MAX_VALUE	(1 << 20)

struct out {
	enum cli_format	 fmt;
	FILE		*fp;
	const struct out_col *cols;
	size_t		 ncols;
	char		***rows;	/* table: buffered, sanitised */
	size_t		 nrows;
	int		 color;
};

struct out *
out_new(enum cli_format fmt, FILE *fp, const struct out_col *cols,
    size_t ncols)
{
	struct out *o;
	const char *nc = getenv("NO_COLOR");

	o = xcalloc(1, sizeof(*o));
	if (fmt == CLI_FMT_DEFAULT)
		fmt = isatty(fileno(fp)) ? CLI_FMT_TABLE : CLI_FMT_TSV;
	o->fmt = fmt;
	o->fp = fp;
	o->cols = cols;
	o->ncols = ncols;
	/* https://no-color.org: any non-empty NO_COLOR disables colour. */
	o->color = isatty(fileno(fp)) && !(nc && *nc);
	if (fmt == CLI_FMT_TSV || fmt == CLI_FMT_CSV) {
		const char *hdr[64];
		size_t i;

		for (i = 0; i < ncols && i < 64; i++)
			hdr[i] = cols[i].name;
		if (fmt == CLI_FMT_CSV)
			out_row(o, hdr);
	}
	return o;
}

enum cli_format
out_format(const struct out *o)
{
	return o->fmt;
}

static char *
safe(const char *s)
{
	struct buf b;

	buf_init(&b, OUT_MAX_VALUE);
	if (s)
		text_escape_term(s, strlen(s), &b);
	return buf_detach(&b);
}

static void
put_tsv(FILE *fp, const char *s)
{
	/* sfeed(5): \t, \n and \\ escaped so every row is one line. */
	for (; *s; s++) {
		if (*s == '\t')
			fputs("\\t", fp);
		else if (*s == '\n')
			fputs("\\n", fp);
		else if (*s == '\\')
			fputs("\\\\", fp);
		else
			fputc(*s, fp);
	}
}

static void
put_csv(FILE *fp, const char *s)
{
	/* RFC 4180 §2.6-2.7: quote when needed, double inner quotes. */
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

void
out_row(struct out *o, const char *const *vals)
{
	char **row;
	size_t i;

	row = xcalloc(o->ncols, sizeof(*row));
	for (i = 0; i < o->ncols; i++)
		row[i] = safe(vals[i]);
	if (o->fmt == CLI_FMT_TABLE) {
		o->rows = xreallocarray(o->rows, o->nrows + 1,
		    sizeof(*o->rows));
		o->rows[o->nrows++] = row;
		return;
	}
	for (i = 0; i < o->ncols; i++) {
		if (i)
			fputc(o->fmt == CLI_FMT_CSV ? ',' : '\t', o->fp);
		if (o->fmt == CLI_FMT_CSV)
			put_csv(o->fp, row[i]);
		else
			put_tsv(o->fp, row[i]);
		free(row[i]);
	}
	fputs(o->fmt == CLI_FMT_CSV ? "\r\n" : "\n", o->fp);
	free(row);
}

void
out_json(struct out *o, json_t *obj)
{
	char *s;

	s = json_dumps(obj, JSON_COMPACT);
	if (s) {
		fputs(s, o->fp);
		fputc('\n', o->fp);
		free(s);
	}
	json_decref(obj);
}

/* Display width of a UTF-8 string (wide CJK = 2, combining = 0). */
static size_t
width(const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;
	size_t w = 0;
	int cw;

	while (*p) {
		n = utf8proc_iterate(p, -1, &cp);
		if (n <= 0) {
			p++;
			w++;
			continue;
		}
		cw = utf8proc_charwidth(cp);
		w += cw > 0 ? (size_t)cw : 0;
		p += n;
	}
	return w;
}

/* Prints s cut to at most w columns (ellipsis when cut), padded to w. */
static void
put_cell(FILE *fp, const char *s, size_t w, int pad)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;
	size_t used = 0, total = width(s);
	int cw;

	if (total <= w) {
		fputs(s, fp);
		used = total;
	} else {
		while (*p && w > 0) {
			n = utf8proc_iterate(p, -1, &cp);
			if (n <= 0)
				break;
			cw = utf8proc_charwidth(cp);
			if (cw < 0)
				cw = 0;
			if (used + (size_t)cw > w - 1)
				break;
			fwrite(p, 1, (size_t)n, fp);
			used += (size_t)cw;
			p += n;
		}
		if (w > 0) {
			fputs("\xe2\x80\xa6", fp);	/* U+2026 */
			used++;
		}
	}
	while (pad && used++ < w)
		fputc(' ', fp);
}

static size_t
term_width(FILE *fp)
{
	struct winsize ws;
	const char *c = getenv("COLUMNS");
	char *end;
	long v;

	if (ioctl(fileno(fp), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (c) {
		v = strtol(c, &end, 10);
		if (end != c && !*end && v > 20 && v < 10000)
			return (size_t)v;
	}
	return 80;
}

static void
flush_table(struct out *o)
{
	size_t *w, i, r, total = 0, tw = term_width(o->fp), flex = o->ncols;

	w = xcalloc(o->ncols, sizeof(*w));
	for (i = 0; i < o->ncols; i++) {
		w[i] = width(o->cols[i].name);
		for (r = 0; r < o->nrows; r++) {
			size_t cw = width(o->rows[r][i]);

			if (cw > w[i])
				w[i] = cw;
		}
		if (o->cols[i].flex)
			flex = i;
		else {
			if (w[i] > 40)
				w[i] = 40;
			total += w[i] + 2;
		}
	}
	if (flex < o->ncols)
		w[flex] = tw > total + 10 ? tw - total : 10;
	if (o->color)
		fputs("\x1b[1m", o->fp);
	for (i = 0; i < o->ncols; i++) {
		put_cell(o->fp, o->cols[i].name, w[i], i + 1 < o->ncols);
		if (i + 1 < o->ncols)
			fputs("  ", o->fp);
	}
	if (o->color)
		fputs("\x1b[0m", o->fp);
	fputc('\n', o->fp);
	for (r = 0; r < o->nrows; r++) {
		for (i = 0; i < o->ncols; i++) {
			put_cell(o->fp, o->rows[r][i], w[i], i + 1 < o->ncols);
			if (i + 1 < o->ncols)
				fputs("  ", o->fp);
		}
		fputc('\n', o->fp);
	}
	free(w);
}

void
out_free(struct out *o)
{
	size_t r, i;

	if (!o)
		return;
	if (o->fmt == CLI_FMT_TABLE)
		flush_table(o);
	for (r = 0; r < o->nrows; r++) {
		for (i = 0; i < o->ncols; i++)
			free(o->rows[r][i]);
		free(o->rows[r]);
	}
	free(o->rows);
	fflush(o->fp);
	free(o);
}

const char *
out_reltime(long long t, long long now, char *buf, size_t n)
{
	long long d = now - t, a = d < 0 ? -d : d;
	const char *unit;
	long long v;

	if (a < 60) {
		snprintf(buf, n, "just now");
		return buf;
	}
	if (a < 3600) {
		v = a / 60;
		unit = "m";
	} else if (a < 86400) {
		v = a / 3600;
		unit = "h";
	} else if (a < 86400LL * 365) {
		v = a / 86400;
		unit = "d";
	} else {
		v = a / (86400LL * 365);
		unit = "y";
	}
	if (d >= 0)
		snprintf(buf, n, "%lld%s ago", v, unit);
	else
		snprintf(buf, n, "in %lld%s", v, unit);
	return buf;
}

json_t *
out_jstr(const char *s)
{
	json_t *j;
	char *c;

	if (!s)
		return json_null();
	c = safe(s);
	j = json_string(c);
	free(c);
	return j ? j : json_null();
}
