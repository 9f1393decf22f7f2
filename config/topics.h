/*
 * topics.h: reading a directory of *.topic files into a compiled
 * struct topic_set (the matcher itself is feeds/topic.c).
 */
#ifndef HERALD_CONFIG_TOPICS_H
#define HERALD_CONFIG_TOPICS_H

struct herald_err;
struct topic_set;

/*
 * Loads every *.topic file in dir (sorted by name) or the single file
 * path. Returns a new compiled set (caller frees with topic_set_free()) or
 * NULL with err set to "FILE:LINE: message".
 */
struct topic_set *topics_load(const char *path, struct herald_err *err);

#endif
