/* log: one line per request and per error, each with a single write(2) to stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fcgi/fcgi.h"
#include "lib/timefmt.h"

static void emit(const char *line, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, line, len);
		if (n <= 0)
			return;
		line += n;
		len -= (size_t)n;
	}
}

void log_msg(const char *level, const char *fmt, ...)
{
	char now[TIMEFMT_RFC3339_MAX], line[1024];
	timefmt_format_rfc3339(timefmt_now(), now);
	int n = snprintf(line, sizeof(line), "%s [%d] %s ", now, (int)getpid(), level);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(line))
		n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	emit(line, (size_t)n);
}

/* Request values are client-controlled: keep the log line to printable ASCII. */
static void safe_copy(char *dst, size_t cap, const char *src)
{
	size_t i = 0;
	for (; src != NULL && src[i] != '\0' && i + 1 < cap; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = (c < 0x21 || c > 0x7e) ? '?' : (char)c;
	}
	dst[i] = '\0';
}

void log_request(const struct request *req, int status, double ms)
{
	char id[80], method[16];
	safe_copy(id, sizeof(id), req->request_id);
	safe_copy(method, sizeof(method), req->method);
	log_msg("request", "id=%s tenant=%s user=%s %s %s status=%d ms=%.2f", id,
	        req->tenant[0] ? req->tenant : "-", req->user[0] ? req->user : "-", method,
	        req->route ? req->route : "-", status, ms);
}
