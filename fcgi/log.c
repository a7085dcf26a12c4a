/* log: one line per request and per error, each with a single write(2) to stderr. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

/* getpid(2) is a system call every time (glibc keeps no copy), and each
 * request's line names the pid: kept here, made again in a forked child. */
static pid_t cached_pid;
static pthread_once_t pid_once = PTHREAD_ONCE_INIT;

static void forget_pid(void)
{
	cached_pid = 0;
}

static void watch_forks(void)
{
	pthread_atfork(NULL, NULL, forget_pid);
}

int log_pid(void)
{
	pthread_once(&pid_once, watch_forks);
	if (cached_pid == 0)
		cached_pid = getpid();
	return (int)cached_pid;
}

void log_msg(const char *level, const char *fmt, ...)
{
	char now[TIMEFMT_RFC3339_MAX], line[1024];
	timefmt_format_rfc3339(timefmt_now(), now);
	int n = snprintf(line, sizeof(line), "%s [%d] %s ", now, log_pid(), level);
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

/* Appends to a line of cap bytes, cutting it short when it is full. */
static void line_add(char *dst, size_t cap, size_t *len, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void line_add(char *dst, size_t cap, size_t *len, const char *fmt, ...)
{
	if (*len + 1 >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(dst + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = (size_t)n < cap - *len ? *len + (size_t)n : cap - 1;
}

const char *log_request_line(char *dst, size_t cap, const struct request *req,
                             const struct log_fields *f, int status, double ms,
                             const struct log_extra *x)
{
	/* each value's room once escaped; a longer one ends in "..." */
	char id[128], method[32], route[128], key[32], value[300];
	size_t len = 0;
	dst[0] = '\0';
	line_add(dst, cap, &len, "id=%s", log_escape(id, sizeof(id), req->request_id));
	for (size_t i = 0; i < f->n && i < LOG_FIELDS_MAX; i++)
		line_add(dst, cap, &len, " %s=%s", log_escape(key, sizeof(key), f->field[i].key),
		         log_escape(value, sizeof(value), f->field[i].value));
	line_add(dst, cap, &len, " %s %s status=%d ms=%.2f",
	         log_escape(method, sizeof(method), req->method),
	         log_escape(route, sizeof(route), f->route), status, ms);
	if (x != NULL)
		line_add(dst, cap, &len, " pid=%d bytes=%lld db_ms=%.2f", x->pid, x->bytes,
		         x->db_ms);
	return dst;
}

void log_request(const struct request *req, const struct log_fields *f, int status, double ms,
                 const struct log_extra *x)
{
	char line[1024];
	log_msg("request", "%s", log_request_line(line, sizeof(line), req, f, status, ms, x));
}

int queue_wait_ms(const char *request_start, double *ms)
{
	if (request_start == NULL || *request_start < '0' || *request_start > '9')
		return -1;
	char *end = NULL;
	errno = 0;
	double start = strtod(request_start, &end);
	if (errno != 0 || end == request_start || *end != '\0' || start <= 0)
		return -1;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	double waited = ((double)now.tv_sec + (double)now.tv_nsec / 1e9 - start) * 1e3;
	*ms = waited > 0 ? waited : 0; /* $msec has millisecond steps */
	return 0;
}

void log_write_failure(const struct request *req, const struct log_fields *f, int err, double ms)
{
	char id[128], route[128];
	log_msg("warn",
	        "id=%s %s: the answer could not be written to nginx after %.0f ms (%s); "
	        "it was dropped",
	        log_escape(id, sizeof(id), req->request_id),
	        log_escape(route, sizeof(route), f->route), ms,
	        err == EAGAIN || err == EWOULDBLOCK ? "write_timeout reached" : strerror(err));
}
