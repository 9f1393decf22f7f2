/*
 * ckpt.h: the checkpointer, a thread with its own connection that copies
 * the writer's WAL back into the database (store/wal.c says why).
 */
#ifndef HERALD_DAEMON_CKPT_H
#define HERALD_DAEMON_CKPT_H

struct ckpt;
struct herald_err;

/*
 * Opens a second connection to the database at path (which the writer
 * has opened and migrated) and starts the thread. Returns a new
 * checkpointer (free with ckpt_free()) or NULL with err set.
 */
struct ckpt	*ckpt_new(const char *path, struct herald_err *err);
/* Asks for a checkpoint soon; any thread, never blocks for long. */
void		 ckpt_kick(struct ckpt *c);
/* Checkpoints done since ckpt_new() (for the stop line). */
long		 ckpt_count(struct ckpt *c);
/* Stops the thread (after the checkpoint it is running) and closes. */
void		 ckpt_free(struct ckpt *c);

#endif
