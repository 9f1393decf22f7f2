/*
 * conf.h: heraldd.conf and the feeds list, parsed into an immutable
 * struct conf. Strict: unknown sections and keys, bad values and duplicate
 * feeds are errors reported as "FILE:LINE: message" (every error found,
 * one per line, in err). Never logs, never exits.
 */
#ifndef HERALD_CONFIG_CONF_H
#define HERALD_CONFIG_CONF_H

#include <stddef.h>
#include <stdint.h>

struct herald_err;

struct conf_feed {
	char		*url;
	char		*name;		/* never NULL: the URL when not given */
	int64_t		 interval;	/* seconds; 0 = the [fetch] interval */
	int64_t		 max_age;	/* retention, seconds; -1 = [retention] */
	long		 max_items;	/* retention; -1 = [retention] */
	char		**tags;
	size_t		 ntags;
	char		*where;		/* "FILE:LINE" for messages */
};

struct conf {
	char		*path;		/* the config file as given */
	/* [daemon]; paths already resolved against the file's directory */
	char		*database;
	char		*feeds;
	char		*topics;
	char		*control_socket;
	/* [fetch] */
	long		 max_connections;
	long		 max_per_host;
	int64_t		 interval;	/* seconds */
	int64_t		 min_interval;
	int64_t		 max_interval;
	int64_t		 timeout;
	int64_t		 max_body;	/* bytes */
	int		 allow_private;
	char		*user_agent;
	char		*proxy;		/* NULL: from the environment; "" none */
	int64_t		 host_spacing;	/* seconds between requests to a host */
	/* [retention]; 0 = no limit */
	int64_t		 max_age;	/* seconds, items per feed */
	long		 max_items;	/* per feed */
	int64_t		 topic_max_age;	/* seconds, items tagged by a topic */
	/* the feeds list */
	struct conf_feed *feedv;
	size_t		 nfeeds;
};

/*
 * Reads path and the feeds list it names. Returns a new conf (caller frees
 * with conf_free()) or NULL with every error found in errs (a buffer of
 * errs_size bytes, lines separated by '\n'), each "FILE:LINE: message".
 */
struct conf	*conf_load(const char *path, char *errs, size_t errs_size);
void		 conf_free(struct conf *c);

/* Typed value parsers; 0 or HERALD_E_INVAL. */
int		 conf_parse_duration(const char *s, int64_t *secs);
int		 conf_parse_size(const char *s, int64_t *bytes);
int		 conf_parse_bool(const char *s, int *b);

/*
 * Parses a feeds list (plain text; one "URL [name=".."] [interval=..]
 * [tags=a,b]" per line) from text[0..len). path is used in messages.
 * Appends to c->feedv. Returns the number of errors written to errs.
 */
int		 conf_feeds_parse(struct conf *c, const char *path,
		    const char *text, size_t len, char *errs, size_t errs_size);

#endif
