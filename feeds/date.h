/*
 * date.h: feed dates to UTC epoch seconds.
 *
 * Accepts RFC 822/2822 (with the zone names feedparser knows: UT, GMT,
 * EST/EDT, CST/CDT, MST/MDT, PST/PDT, military letters, numeric offsets),
 * RFC 3339 / ISO 8601 / W3CDTF (partial dates, fractional seconds),
 * asctime and two-digit years. An unparsable date is absent, never "now".
 */
#ifndef HERALD_FEEDS_DATE_H
#define HERALD_FEEDS_DATE_H

#include <stddef.h>
#include <stdint.h>

#define DATE_NONE	INT64_MIN	/* "no date" in every int64_t time field */

#define DATE_F_NOZONE	0x1	/* no zone given: UTC assumed */
#define DATE_F_PARTIAL	0x2	/* date without time, or year-month only */

/*
 * Parses s[0..n) into *out (UTC seconds since the epoch). *flags (may be
 * NULL) receives DATE_F_* bits. Returns 0, or HERALD_E_INVAL with *out set
 * to DATE_NONE (and *flags to 0). Results lie within years 0001-9999.
 * Reentrant: no locale, no TZ, no global state.
 */
int	date_parse(const char *s, size_t n, int64_t *out, int *flags);

/*
 * Formats t as RFC 3339 UTC ("2024-03-01T12:00:00Z") into out, which must
 * hold 32 bytes. Returns out, or NULL if t is DATE_NONE.
 */
char	*date_format_rfc3339(int64_t t, char out[32]);

#endif
