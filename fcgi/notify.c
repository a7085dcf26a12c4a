/* notify: the master's state for systemd (Type=notify): READY, RELOADING, STOPPING and a STATUS line. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "fcgi/fcgi.h"

/* n with a comma between groups of three digits ("1,234"), in dst (cap >= 32). */
static const char *grouped(char *dst, size_t cap, unsigned long long n)
{
	char digits[32];
	int len = snprintf(digits, sizeof(digits), "%llu", n);
	size_t o = 0;
	for (int i = 0; i < len && o + 2 < cap; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			dst[o++] = ',';
		dst[o++] = digits[i];
	}
	dst[o] = '\0';
	return dst;
}

const char *pool_status_format(char *dst, size_t cap, const struct pool_figures *f)
{
	char requests[32], slow[32];
	int idle = f->workers > f->busy ? f->workers - f->busy : 0;
	int n = snprintf(dst, cap, "workers %d busy %d idle %d, %s requests", f->workers, f->busy,
	                 idle, grouped(requests, sizeof(requests), f->requests));
	/* slow requests are counted by the scoreboard (none with scoreboard = 0) */
	if (n >= 0 && (size_t)n < cap && f->slow >= 0)
		snprintf(dst + n, cap - (size_t)n, ", %s slow",
		         grouped(slow, sizeof(slow), (unsigned long long)f->slow));
	return dst;
}

/* Sends msg when systemd (or a test) listens on NOTIFY_SOCKET; says once if it cannot. */
static void send_state(const char *msg)
{
	static int warned;
	int rc = sd_notify(0, msg);
	if (rc < 0 && !warned) {
		warned = 1;
		log_msg("warn", "cannot notify the service manager (NOTIFY_SOCKET): %s",
		        strerror(-rc));
	}
}

void notify_ready(const struct pool_figures *f)
{
	char msg[256], status[160];
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s",
	         pool_status_format(status, sizeof(status), f));
	send_state(msg);
}

void notify_reloading(void)
{
	/* MONOTONIC_USEC: systemd 253 and later match a reload to its READY by it */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	char msg[128];
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
	         (unsigned long long)ts.tv_sec * 1000000ULL +
	                 (unsigned long long)ts.tv_nsec / 1000);
	send_state(msg);
}

void notify_stopping(void)
{
	send_state("STOPPING=1\nSTATUS=draining: finishing the requests in flight");
}

void notify_status(const struct pool_figures *f)
{
	static char last[160];
	char status[160], msg[200];
	pool_status_format(status, sizeof(status), f);
	if (strcmp(status, last) == 0)
		return; /* the master ticks every second; say only what changed */
	memcpy(last, status, sizeof(last));
	snprintf(msg, sizeof(msg), "STATUS=%s", status);
	send_state(msg);
}
