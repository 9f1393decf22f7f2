/*
 * prio.h: the daemon's background threads (parse jobs, the checkpointer)
 * run below the writer and the loop, which must never wait for a core.
 */
#ifndef HERALD_DAEMON_PRIO_H
#define HERALD_DAEMON_PRIO_H

/* The nice value of background threads (the writer and loop keep 0). */
#define PRIO_BACKGROUND	10

/*
 * Names the calling thread and lowers its priority to nice
 * PRIO_BACKGROUND (never raises it: that would need a privilege).
 * Idempotent and cheap enough to call once per job.
 */
void	prio_background(const char *name);
/* Names the calling thread (top -H, perf, /proc/.../comm). */
void	prio_name(const char *name);

#endif
