/*
 * url.h: resolving relative links (RFC 3986 §5) and canonical URLs for
 * cross-feed deduplication. Pure; strings returned are the caller's to
 * free().
 */
#ifndef HERALD_FEEDS_URL_H
#define HERALD_FEEDS_URL_H

/*
 * Resolves ref against base (either may be NULL or relative). Returns a
 * new string; ref unchanged (copied) when base is NULL or empty, and an
 * absolute ref with only its dot segments removed (RFC 3986 §5.2.2);
 * NULL only when ref is NULL or empty. As in browsers (WHATWG URL §4.4),
 * leading and trailing spaces and controls and any tab, CR or LF inside
 * are ignored in both arguments. An empty ref is NULL, not base (unlike
 * RFC 3986 §5.4.1), so an empty <link> never becomes the feed's URL.
 */
char	*url_resolve(const char *base, const char *ref);

/*
 * Canonical form for matching the same story across feeds: scheme and
 * host lower-cased, default port, fragment and empty query dropped,
 * tracking parameters (utm_*, fbclid, gclid, mc_cid, mc_eid, ...) removed,
 * remaining query order kept, empty path becomes "/". Returns a new string,
 * or NULL when url is not an absolute http(s) URL.
 */
char	*url_canonical(const char *url);

/*
 * 1 if url is an absolute http:// or https:// URL with a host and a
 * valid port (exactly when url_canonical() is not NULL), else 0.
 */
int	 url_is_http(const char *url);

/*
 * The politeness bucket of an http(s) URL: "host:port" with the host
 * lower-cased and the default port filled in. Returns a new string, or
 * NULL when url is not an absolute http(s) URL.
 */
char	*url_host_key(const char *url);

#endif
