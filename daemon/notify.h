/*
 * notify.h: systemd's readiness protocol (sd_notify(3)) for Type=notify
 * units, and its watchdog. Every call is a no-op outside systemd
 * (NOTIFY_SOCKET unset).
 */
#ifndef HERALD_DAEMON_NOTIFY_H
#define HERALD_DAEMON_NOTIFY_H

#include <stdint.h>

void	notify_ready(void);
void	notify_reloading(void);
void	notify_stopping(void);
/* STATUS= one line shown by systemctl status. */
void	notify_status(const char *fmt, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	notify_watchdog(void);
/* The watchdog period in microseconds when WatchdogSec= is set, else 0. */
uint64_t notify_watchdog_usec(void);

#endif
