/*
 * topic.h: the topic engine. Compiles topic definitions (the text of
 * *.topic files, see docs/topic-format.md and herald.topic(5)) into one
 * matcher for all topics, and tags text with a score and the evidence.
 *
 * Pure: the caller reads the files (config/topics.c) and hands over text.
 * A compiled struct topic_set is immutable and may be shared by threads.
 */
#ifndef HERALD_FEEDS_TOPIC_H
#define HERALD_FEEDS_TOPIC_H

#include <stddef.h>

struct herald_err;
struct topic_set;

enum topic_field {
	TOPIC_FIELD_TITLE = 0,
	TOPIC_FIELD_SUMMARY,
	TOPIC_FIELD_CONTENT,
	TOPIC_NFIELDS
};

/* One matched term: evidence for "herald why". */
struct topic_hit {
	char		*term;		/* the term as written in the topic file */
	char		*group;		/* the group it belongs to */
	enum topic_field field;
	size_t		 offset;	/* byte offset in that field's input text */
	double		 weight;	/* contribution to the score (0 if the group already counted) */
};

/* One topic that an item matched (score >= threshold, no veto). */
struct topic_tag {
	char		*topic;		/* topic name */
	char		*version;	/* hash of the topic file's text */
	double		 score;
	double		 threshold;
	struct topic_hit *hits;
	size_t		 nhits;
	/*
	 * The hits as the JSON the store keeps, when a caller made it ahead
	 * of the write (store_tag_evidence()); NULL otherwise. Owned: freed
	 * by topic_result_fini().
	 */
	char		*evidence;
};

struct topic_result {
	struct topic_tag *tags;
	size_t		 ntags;
};

/* Returns a new empty set; caller frees with topic_set_free(). */
struct topic_set *topic_set_new(void);
void		 topic_set_free(struct topic_set *ts);

/*
 * Adds the topics defined in text[0..len); path names the file in error
 * messages ("path:line: message"). Returns 0 or HERALD_E_INVAL with err
 * set; on error the set is unchanged. path and text are copied as needed.
 * A set that changes matches nothing until topic_set_compile() again.
 */
int		 topic_set_add(struct topic_set *ts, const char *path,
		    const char *text, size_t len, struct herald_err *err);

/* Builds the matcher after the last topic_set_add(). Returns 0 or error. */
int		 topic_set_compile(struct topic_set *ts, struct herald_err *err);

size_t		 topic_set_count(const struct topic_set *ts);
/* Borrowed; valid while ts lives. */
const char	*topic_set_name(const struct topic_set *ts, size_t i);
const char	*topic_set_label(const struct topic_set *ts, size_t i);
const char	*topic_set_version(const struct topic_set *ts, size_t i);
/* The path topic i was added with (its file). Borrowed; valid while ts. */
const char	*topic_set_path(const struct topic_set *ts, size_t i);
/* The score topic i needs to tag an item (for "herald why"). */
double		 topic_set_threshold(const struct topic_set *ts, size_t i);

/*
 * Matches one item. Any text may be NULL. published is epoch seconds or
 * DATE_NONE (topics with a "since" date skip older items). Fills *out,
 * which the caller releases with topic_result_fini(). Returns 0.
 * Tags come in the order the topics were added; each tag's hits are each
 * term's first hit per field, sorted by field and offset. Any thread may
 * call this on a compiled set at the same time as others.
 */
int		 topic_set_match(const struct topic_set *ts, const char *title,
		    const char *summary, const char *content, long long published,
		    struct topic_result *out);
void		 topic_result_fini(struct topic_result *r);

#endif
