#include "retention.h"

#include <string.h>

#include "config/conf.h"
#include "feeds/xmem.h"
#include "store/store.h"

void
conf_prune_policy(const struct conf *c, struct store_prune_policy *p,
    struct store_prune_feed **feeds)
{
	struct store_prune_feed *v;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->max_age = c->max_age;
	p->max_items = c->max_items;
	p->topic_max_age = c->topic_max_age;
	v = xcalloc(c->nfeeds ? c->nfeeds : 1, sizeof(*v));
	for (i = 0; i < c->nfeeds; i++) {
		/* Matched by URL: the store knows the ids. */
		v[i].feed_id = 0;
		v[i].url = c->feedv[i].url;
		v[i].max_age = c->feedv[i].max_age;
		v[i].max_items = c->feedv[i].max_items;
	}
	p->feeds = v;
	p->nfeeds = c->nfeeds;
	*feeds = v;
}
