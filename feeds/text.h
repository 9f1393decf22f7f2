/*
 * text.h: turning feed text into clean plain UTF-8, and making any text
 * safe to print on a terminal.
 *
 * Pure: no I/O, no globals. Every function that returns char * hands the
 * caller a malloc'ed NUL-terminated string to free() with free().
 */
#ifndef HERALD_FEEDS_TEXT_H
#define HERALD_FEEDS_TEXT_H

#include <stddef.h>

struct buf;

/*
 * Returns s[0..n) as valid UTF-8: invalid or overlong sequences, surrogates
 * and NUL bytes become U+FFFD. *nbad (may be NULL) receives how many
 * replacements were made, so the caller can warn.
 */
char	*text_utf8_repair(const char *s, size_t n, size_t *nbad);
/* 1 if s[0..n) is valid UTF-8 without NUL, else 0. */
int	 text_utf8_valid(const char *s, size_t n);

/*
 * s[0..n) as valid UTF-8 (invalid sequences and NUL become U+FFFD)
 * without control characters (C0 but tab and line feed, DEL, C1,
 * U+FEFF); for text kept as given, such as a content's HTML source.
 */
char	*text_clean(const char *s, size_t n);

/*
 * Decodes character references and the HTML 4/5 named entities commonly
 * found in feeds (&amp; &nbsp; &eacute; &#8217; &#x2019; ...). Unknown
 * names are kept literally. Result is valid UTF-8.
 */
char	*text_entities_decode(const char *s, size_t n);

/*
 * HTML to plain text: drops tags, comments and the contents of script,
 * style and similar elements, decodes entities, turns block elements and
 * <br> into separators, folds all whitespace runs (including U+00A0) to
 * one space and trims. Result is valid UTF-8 without control characters.
 */
char	*text_html_to_plain(const char *s, size_t n);

/*
 * Folds whitespace runs (Unicode White_Space, so U+00A0 too) to one
 * space and trims both ends; nothing else changes, except that invalid
 * UTF-8 becomes U+FFFD.
 */
char	*text_fold_ws(const char *s, size_t n);

/*
 * text_html_to_plain() and text_fold_ws() appending to out instead of
 * returning a new string, for callers that convert many strings through
 * one buffer. Return 0, or HERALD_E_TOOBIG when out's cap cut the text
 * (out then ends with the last whole character that fitted).
 */
int	 text_html_to_plain_buf(const char *s, size_t n, struct buf *out);
int	 text_fold_ws_buf(const char *s, size_t n, struct buf *out);

/*
 * Appends s[0..n) to out with every C0 control (except none: tab and
 * newline are turned into a space), DEL, C1 control (U+0080..U+009F, in
 * UTF-8 and as raw bytes) and ESC sequence (CSI, OSC, ...) removed, and
 * invalid UTF-8 replaced with U+FFFD. For anything that reaches a terminal
 * or a log. Returns 0 or HERALD_E_TOOBIG, in which case out holds the
 * sanitized text up to the last whole character that fitted.
 */
int	 text_escape_term(const char *s, size_t n, struct buf *out);
/* Same, returning a new string; caller frees. NULL only when s is NULL. */
char	*text_term_safe(const char *s);

#endif
