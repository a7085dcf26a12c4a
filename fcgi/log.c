/* log: one line per request and per error, each with a single write(2) to stderr. */
#include <errno.h>
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

const char *log_escape(char *dst, size_t cap, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	if (src == NULL || *src == '\0')
		src = "-";
	for (; *src != '\0'; src++) {
		unsigned char c = (unsigned char)*src;
		int plain = c > 0x20 && c < 0x7f && c != '\\' && c != '"' && c != '=';
		if (o + (plain ? 1 : 4) + 4 > cap) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (plain) {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
	return dst;
}

void log_request(const struct request *req, int status, double ms)
{
	char id[128], method[32], tenant[300], user[300];
	log_msg("request", "id=%s tenant=%s user=%s %s %s status=%d ms=%.2f",
	        log_escape(id, sizeof(id), req->request_id),
	        log_escape(tenant, sizeof(tenant), req->tenant),
	        log_escape(user, sizeof(user), req->user),
	        log_escape(method, sizeof(method), req->method), req->route ? req->route : "-",
	        status, ms);
}

void log_write_failure(const struct request *req, int err, double ms)
{
	char id[128];
	log_msg("warn",
	        "id=%s %s: the answer could not be written to nginx after %.0f ms (%s); "
	        "it was dropped",
	        log_escape(id, sizeof(id), req->request_id), req->route ? req->route : "-", ms,
	        err == EAGAIN || err == EWOULDBLOCK ? "write_timeout reached" : strerror(err));
}
