/*
 * retention.h: the [retention] limits of a configuration as the store's
 * prune policy, for heraldd's daily run and `herald db prune` alike.
 */
#ifndef HERALD_CONFIG_RETENTION_H
#define HERALD_CONFIG_RETENTION_H

struct conf;
struct store_prune_feed;
struct store_prune_policy;

/*
 * Fills *p from c. *feeds receives a new array of per-feed overrides that
 * p points into; the caller frees it with free() after using p. p also
 * borrows strings from c.
 */
void	conf_prune_policy(const struct conf *c, struct store_prune_policy *p,
	    struct store_prune_feed **feeds);

#endif
