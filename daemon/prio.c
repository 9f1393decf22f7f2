/*
 * prio.c: lowering a thread's priority. Linux keeps a nice value per
 * thread; setpriority(PRIO_PROCESS, tid) sets it for that thread only.
 * Lowering one's own priority needs no privilege.
 */
#include "daemon/prio.h"

#include <errno.h>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

void
prio_background(const char *name)
{
	id_t tid = (id_t)syscall(SYS_gettid);
	int cur;

	prio_name(name);
	errno = 0;
	cur = getpriority(PRIO_PROCESS, tid);
	if (errno || cur >= PRIO_BACKGROUND)
		return;
	(void)setpriority(PRIO_PROCESS, tid, PRIO_BACKGROUND);
}

void
prio_name(const char *name)
{
	/* Truncated by the kernel to 15 bytes; failure only loses a label. */
	(void)prctl(PR_SET_NAME, name, 0, 0, 0);
}
