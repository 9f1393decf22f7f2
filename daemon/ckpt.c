/*
 * ckpt.c: the checkpointer thread. The writer kicks it after a commit
 * that left the WAL large (pipeline.c); it runs one PASSIVE checkpoint
 * per kick, below the writer's priority, on its own connection.
 */
#include "daemon/ckpt.h"

#include <stdlib.h>

#include <uv.h>

#include "daemon/log.h"
#include "daemon/prio.h"
#include "feeds/err.h"
#include "feeds/xmem.h"
#include "store/store.h"

struct ckpt {
	struct store	*st;
	uv_thread_t	 thread;
	uv_mutex_t	 mu;
	uv_cond_t	 cond;
	int		 kicked;	/* under mu */
	int		 stop;		/* under mu */
	long		 done;		/* under mu */
};

static void
ckpt_thread(void *arg)
{
	struct ckpt *c = arg;
	struct herald_err err;

	/* Background work: it gives way to the writer. */
	prio_background("heraldd-ckpt");
	for (;;) {
		uv_mutex_lock(&c->mu);
		while (!c->kicked && !c->stop)
			uv_cond_wait(&c->cond, &c->mu);
		c->kicked = 0;
		if (c->stop) {
			uv_mutex_unlock(&c->mu);
			break;
		}
		uv_mutex_unlock(&c->mu);
		/* A failure is retried at the next kick; the writer's own
		 * limit (store_wal_defer()) bounds the WAL meanwhile. */
		if (store_checkpoint(c->st, &err))
			log_warnx("%s", err.msg);
		uv_mutex_lock(&c->mu);
		c->done++;
		uv_mutex_unlock(&c->mu);
	}
}

struct ckpt *
ckpt_new(const char *path, struct herald_err *err)
{
	struct ckpt *c = xcalloc(1, sizeof(*c));

	if (store_open(path, STORE_AUX, &c->st, err))
		goto fail;
	if (uv_mutex_init(&c->mu))
		goto fail_st;
	if (uv_cond_init(&c->cond))
		goto fail_mu;
	if (uv_thread_create(&c->thread, ckpt_thread, c))
		goto fail_cond;
	return c;
fail_cond:
	uv_cond_destroy(&c->cond);
fail_mu:
	uv_mutex_destroy(&c->mu);
fail_st:
	herald_err_set(err, HERALD_E_IO, "checkpointer: cannot start");
	store_close(c->st);
fail:
	free(c);
	return NULL;
}

void
ckpt_kick(struct ckpt *c)
{
	if (!c)
		return;
	uv_mutex_lock(&c->mu);
	c->kicked = 1;
	uv_cond_signal(&c->cond);
	uv_mutex_unlock(&c->mu);
}

long
ckpt_count(struct ckpt *c)
{
	long n;

	if (!c)
		return 0;
	uv_mutex_lock(&c->mu);
	n = c->done;
	uv_mutex_unlock(&c->mu);
	return n;
}

void
ckpt_free(struct ckpt *c)
{
	if (!c)
		return;
	uv_mutex_lock(&c->mu);
	c->stop = 1;
	uv_cond_signal(&c->cond);
	uv_mutex_unlock(&c->mu);
	uv_thread_join(&c->thread);
	uv_cond_destroy(&c->cond);
	uv_mutex_destroy(&c->mu);
	store_close(c->st);
	free(c);
}
