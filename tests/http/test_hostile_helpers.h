/* test_hostile_helpers: what the test_hostile_*.c files share — raw HTTP over a socket, the worker-pool watch, data snapshots, forged tokens. */
#ifndef CRM_TEST_HOSTILE_HELPERS_H
#define CRM_TEST_HOSTILE_HELPERS_H

/*
 * Everything here is static inline so that a test file may use any subset
 * without -Wunused-function; the header belongs to the test_hostile_* files.
 *
 * Requests go over a plain TCP socket rather than libcurl so that a test
 * controls every byte: two Authorization lines, raw NUL bytes in a body,
 * a 100-character method, a body far beyond the limit that the server may
 * refuse half-way, a chunked body.  Every request says "Connection: close"
 * and the answer is read until it is complete or the server closes
 * (HX_TIMEOUT_SECONDS at most: a request that gets no answer fails the test
 * as a hang).
 *
 * Each test brackets its requests with hx_begin()/hx_end(): hx_begin imports
 * a fixture customer into a fresh tenant and records the worker processes of
 * the pools (the children of CRM_TEST_MASTER_PID and CRM_TEST_RS_MASTER_PID);
 * hx_end checks that a valid request is still served and that exactly the same
 * worker processes are alive and idle.  A worker that crashed is replaced by
 * the master with a new PID, and a worker that spins stays busy: both fail.
 */

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tests/http/client.h"

#define HX_TIMEOUT_SECONDS 30
#define HX_MAIN            "CRM_TEST_BASE_URL"
#define HX_RS              "CRM_TEST_RS_BASE_URL"
#define HX_JSON            "application/json"
#define HX_SCOPE_WRITE     "crm:read crm:write"
#define HX_ACTOR           "u-hostile"
#define HX_FIXTURE_ID      "c1"
#define HX_FIXTURE_NAME    "Hostile Fixture Customer"
#define HX_MAX_WORKERS     64

/* ---- small things ----------------------------------------------------------- */

static inline char *hx_strdup(const char *s)
{
	char *d = strdup(s);
	cr_assert_not_null(d, "out of memory");
	return d;
}

__attribute__((format(printf, 1, 2))) static inline char *hx_fmt(const char *fmt, ...)
{
	char *out = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&out, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0, "out of memory");
	return out;
}

/* n copies of s, concatenated (malloc'd). */
static inline char *hx_repeat(const char *s, size_t n)
{
	size_t l = strlen(s);
	char *out = malloc(l * n + 1);
	cr_assert_not_null(out, "out of memory");
	for (size_t i = 0; i < n; i++)
		memcpy(out + i * l, s, l);
	out[l * n] = '\0';
	return out;
}

static inline void hx_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static inline const char *hx_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* ---- raw HTTP ------------------------------------------------------------------ */

struct hx_url {
	char host[64];
	int port;
	char prefix[256]; /* "/api/v1" */
};

/* Splits the http://host:port/prefix URL in environment variable env. */
static inline void hx_url_of(const char *env, struct hx_url *u)
{
	const char *v = getenv(env);
	cr_assert(v != NULL && v[0] != '\0',
	          "%s is not set (run the HTTP tests through scripts/test.sh)", env);
	cr_assert(strncmp(v, "http://", 7) == 0, "%s=%s is not an http:// URL", env, v);
	const char *h = v + 7, *slash = strchr(h, '/'), *colon = strchr(h, ':');
	if (slash == NULL)
		slash = h + strlen(h);
	if (colon == NULL || colon > slash)
		colon = slash;
	cr_assert((size_t)(colon - h) < sizeof(u->host), "%s: host too long", env);
	memcpy(u->host, h, (size_t)(colon - h));
	u->host[colon - h] = '\0';
	if (strcmp(u->host, "localhost") == 0)
		snprintf(u->host, sizeof(u->host), "127.0.0.1");
	u->port = colon < slash ? atoi(colon + 1) : 80;
	snprintf(u->prefix, sizeof(u->prefix), "%s", slash);
	size_t pl = strlen(u->prefix);
	if (pl > 0 && u->prefix[pl - 1] == '/')
		u->prefix[pl - 1] = '\0';
}

struct hx_bytes {
	char *data;
	size_t len, cap;
};

static inline void hx_add(struct hx_bytes *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		cr_assert_not_null(d, "out of memory");
		b->data = d;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static inline void hx_adds(struct hx_bytes *b, const char *s)
{
	hx_add(b, s, strlen(s));
}

/* Decodes a chunked body at p[0..n) into out; 0, or -1 when it is cut short or malformed. */
static inline int hx_dechunk(const char *p, size_t n, struct hx_bytes *out)
{
	size_t i = 0;
	for (;;) {
		char *end = NULL;
		if (i >= n)
			return -1;
		unsigned long size = strtoul(p + i, &end, 16);
		const char *eol = memmem(p + i, n - i, "\r\n", 2);
		if (eol == NULL || end == p + i)
			return -1;
		i = (size_t)(eol - p) + 2;
		if (size == 0)
			return 0;
		if (i + size + 2 > n)
			return -1;
		hx_add(out, p + i, size);
		i += size + 2;
	}
}

/* The response in raw[0..n), or NULL when there is no complete status line and header block. */
static inline struct http *hx_parse_response(const char *raw, size_t n, int head)
{
	const char *eoh = memmem(raw, n, "\r\n\r\n", 4);
	if (eoh == NULL || n < 12 || strncmp(raw, "HTTP/1.", 7) != 0)
		return NULL;
	struct http *r = calloc(1, sizeof(*r));
	cr_assert_not_null(r, "out of memory");
	r->status = strtol(raw + 9, NULL, 10);
	size_t hlen = (size_t)(eoh - raw) + 2;
	r->headers = strndup(raw, hlen);
	cr_assert_not_null(r->headers, "out of memory");
	const char *body = eoh + 4;
	size_t avail = n - (size_t)(body - raw);
	struct hx_bytes b = {0};
	hx_add(&b, "", 0);
	char *te = http_header(r, "Transfer-Encoding");
	char *cl = http_header(r, "Content-Length");
	if (head) {
		/* no body */
	} else if (te != NULL && strcasecmp(te, "chunked") == 0) {
		cr_assert_eq(hx_dechunk(body, avail, &b), 0, "a chunked response was cut short");
	} else if (cl != NULL) {
		size_t want = (size_t)strtoul(cl, NULL, 10);
		cr_assert(avail >= want, "the response body was cut short (%zu of %zu bytes)",
		          avail, want);
		hx_add(&b, body, want);
	} else {
		hx_add(&b, body, avail);
	}
	free(te);
	free(cl);
	r->body = b.data;
	r->body_len = b.len;
	r->json = r->body_len > 0 ? json_loadb(r->body, r->body_len, JSON_DECODE_ANY, NULL) : NULL;
	return r;
}

/* Whether raw[0..n) already holds a whole response (so a lingering close need not be awaited). */
static inline int hx_response_complete(const char *raw, size_t n, int head)
{
	const char *eoh = memmem(raw, n, "\r\n\r\n", 4);
	if (eoh == NULL)
		return 0;
	if (head)
		return 1;
	size_t hlen = (size_t)(eoh - raw) + 4, body = n - hlen;
	for (const char *p = raw; p < eoh;) {
		const char *eol = memmem(p, (size_t)(eoh - p) + 2, "\r\n", 2);
		if (eol == NULL)
			break;
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			return body >= (size_t)strtoul(p + 15, NULL, 10);
		if (strncasecmp(p, "Transfer-Encoding:", 18) == 0)
			return body >= 5 && memcmp(raw + n - 5, "0\r\n\r\n", 5) == 0;
		p = eol + 2;
	}
	return 0; /* delimited by the close */
}

/*
 * Sends the bytes of a complete request to the server of base_env (HX_MAIN or
 * HX_RS) and reads until the response is complete or the server closes.
 * Returns the response, or NULL when the server closed the connection
 * without a complete one (it may do so while refusing a huge body).  A
 * server that neither answers nor closes within HX_TIMEOUT_SECONDS fails
 * the test.
 */
static inline struct http *hx_exchange(const char *base_env, const char *bytes, size_t len,
                                       int head)
{
	struct hx_url u;
	hx_url_of(base_env, &u);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(fd >= 0, "socket: %s", strerror(errno));
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)u.port);
	cr_assert_eq(inet_pton(AF_INET, u.host, &addr.sin_addr), 1, "%s: host %s is not IPv4",
	             base_env, u.host);
	struct timeval tv = {HX_TIMEOUT_SECONDS, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	cr_assert(connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0,
	          "connect %s:%d: %s (is nginx up?)", u.host, u.port, strerror(errno));
	size_t off = 0;
	while (off < len) {
		ssize_t w = send(fd, bytes + off, len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			cr_assert_fail("the server accepted no more of the request for %d s "
			               "(%zu of %zu bytes sent): it hangs",
			               HX_TIMEOUT_SECONDS, off, len);
		if (w <= 0)
			break; /* EPIPE, ECONNRESET: it refused the rest; read what it said */
		off += (size_t)w;
	}
	struct hx_bytes in = {0};
	hx_add(&in, "", 0);
	char chunk[65536];
	for (;;) {
		ssize_t rd = recv(fd, chunk, sizeof(chunk), 0);
		if (rd < 0 && errno == EINTR)
			continue;
		if (rd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			cr_assert_fail("no answer within %d s (%zu bytes received so far): the "
			               "service hangs",
			               HX_TIMEOUT_SECONDS, in.len);
		if (rd <= 0)
			break;
		hx_add(&in, chunk, (size_t)rd);
		if (hx_response_complete(in.data, in.len, head))
			break;
	}
	close(fd);
	struct http *r = hx_parse_response(in.data, in.len, head);
	free(in.data);
	return r;
}

/*
 * Sends method target (the request-target exactly as given, e.g. "/api/v1/x"
 * or "*") with Host and "Connection: close", then the header lines (each
 * without CRLF; NULL-terminated list or NULL), then Content-Length (when body
 * is non-NULL and no header line names Content-Length or Transfer-Encoding),
 * then body[0..body_len).  Returns as hx_exchange.
 */
static inline struct http *hx_send_target(const char *base_env, const char *method,
                                          const char *target, const char *const *headers,
                                          const char *body, size_t body_len)
{
	struct hx_url u;
	hx_url_of(base_env, &u);
	struct hx_bytes req = {0};
	char line[256];
	hx_adds(&req, method);
	hx_adds(&req, " ");
	hx_adds(&req, target);
	snprintf(line, sizeof(line), " HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n", u.host,
	         u.port);
	hx_adds(&req, line);
	int framed = 0;
	for (const char *const *h = headers; h != NULL && *h != NULL; h++) {
		framed |= strncasecmp(*h, "Content-Length:", 15) == 0 ||
		          strncasecmp(*h, "Transfer-Encoding:", 18) == 0;
		hx_adds(&req, *h);
		hx_adds(&req, "\r\n");
	}
	if (body != NULL && !framed) {
		snprintf(line, sizeof(line), "Content-Length: %zu\r\n", body_len);
		hx_adds(&req, line);
	}
	hx_adds(&req, "\r\n");
	if (body != NULL)
		hx_add(&req, body, body_len);
	struct http *r = hx_exchange(base_env, req.data, req.len, strcmp(method, "HEAD") == 0);
	free(req.data);
	return r;
}

/* As hx_send_target with path below the base URL's path ("/crm/customers/c1"). */
static inline struct http *hx_send(const char *base_env, const char *method, const char *path,
                                   const char *const *headers, const char *body, size_t body_len)
{
	struct hx_url u;
	hx_url_of(base_env, &u);
	char *target = hx_fmt("%s%s", u.prefix, path);
	struct http *r = hx_send_target(base_env, method, target, headers, body, body_len);
	free(target);
	return r;
}

/* The common request: optional bearer token, optional Content-Type, optional body (a string). */
static inline struct http *hx_call(const char *base_env, const char *method, const char *path,
                                   const char *token, const char *content_type, const char *body)
{
	char *auth = token ? hx_fmt("Authorization: Bearer %s", token) : NULL;
	char *ct = content_type ? hx_fmt("Content-Type: %s", content_type) : NULL;
	const char *headers[3] = {NULL, NULL, NULL};
	size_t n = 0;
	if (auth)
		headers[n++] = auth;
	if (ct)
		headers[n++] = ct;
	struct http *r = hx_send(base_env, method, path, headers, body, body ? strlen(body) : 0);
	free(auth);
	free(ct);
	cr_assert_not_null(r, "%s %s: the server closed the connection without an answer", method,
	                   path);
	return r;
}

/* ---- what a response must look like ----------------------------------------------- */

/* "YYYY-MM-DDTHH:MM:SS[.f]Z" */
static inline int hx_is_utc_time(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (p == NULL)
		return 0;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return strcmp(p, "Z") == 0;
}

/* Asserts r is an error in the API's shape, whatever its status (>= 400). */
static inline void hx_assert_error_shape(const struct http *r, const char *what)
{
	cr_assert_not_null(r, "%s: no answer (the connection was closed)", what);
	cr_assert(r->status >= 400 && r->status <= 599, "%s: expected an error status, got %ld: %s",
	          what, r->status, r->body);
	char *ct = http_header(r, "Content-Type");
	cr_assert(
	        ct != NULL && strncasecmp(ct, "application/json", 16) == 0,
	        "%s: the %ld answer must be application/json, its Content-Type is %s; body: %.300s",
	        what, r->status, ct ? ct : "absent", r->body);
	free(ct);
	const json_t *b = r->json;
	cr_assert(json_is_object(b), "%s: the %ld body is not a JSON object: %.300s", what,
	          r->status, r->body);
	const char *title = hx_str(b, "title"), *detail = hx_str(b, "detail");
	cr_assert(title != NULL && title[0] != '\0', "%s: no title: %s", what, r->body);
	cr_assert(detail != NULL && detail[0] != '\0', "%s: no detail: %s", what, r->body);
	cr_assert(hx_is_utc_time(hx_str(b, "time")), "%s: time is not RFC 3339 UTC: %s", what,
	          r->body);
	const json_t *st = json_object_get(b, "status");
	cr_assert(st == NULL || (json_is_integer(st) && json_integer_value(st) == r->status),
	          "%s: the body's status is not %ld: %s", what, r->status, r->body);
	cr_assert_eq(json_object_size(b), st ? 4u : 3u,
	             "%s: members beyond title, status, detail, time: %s", what, r->body);
	/* nothing internal in any error */
	static const char *const internal[] = {"SELECT", "mysql", "MariaDB", ".c:",   "/work/",
	                                       "/tmp/",  "errno", "jansson", "libjwt"};
	for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		cr_assert_null(strstr(r->body, internal[i]), "%s: the error reveals '%s': %s", what,
		               internal[i], r->body);
}

/* Asserts status and the error shape. */
static inline void hx_assert_error(const struct http *r, long status, const char *what)
{
	cr_assert_not_null(r, "%s: expected %ld, the connection was closed without an answer", what,
	                   status);
	cr_assert_eq(r->status, status, "%s: expected %ld, got %ld: %.300s", what, status,
	             r->status, r->body);
	hx_assert_error_shape(r, what);
	assert_error_body(r, status);
}

/* Asserts one of two statuses (b may equal a) and the error shape. */
static inline void hx_assert_error2(const struct http *r, long a, long b, const char *what)
{
	cr_assert_not_null(r, "%s: expected %ld or %ld, the connection was closed", what, a, b);
	cr_assert(r->status == a || r->status == b, "%s: expected %ld or %ld, got %ld: %.300s",
	          what, a, b, r->status, r->body);
	hx_assert_error_shape(r, what);
}

/* Asserts a 401 with WWW-Authenticate: Bearer error="invalid_token" (only the app sends that). */
static inline void hx_assert_401(const struct http *r, const char *what)
{
	hx_assert_error(r, 401, what);
	char *h = http_header(r, "WWW-Authenticate");
	cr_assert_not_null(h, "%s: a 401 needs WWW-Authenticate", what);
	cr_assert(strncasecmp(h, "Bearer", 6) == 0 && strstr(h, "error=\"invalid_token\"") != NULL,
	          "%s: WWW-Authenticate is '%s', not Bearer error=\"invalid_token\"", what, h);
	free(h);
}

/* Asserts 200 with a JSON object body that is the fixture customer. */
static inline void hx_assert_ok_customer(const struct http *r, const char *what)
{
	cr_assert_not_null(r, "%s: expected 200, the connection was closed", what);
	cr_assert_eq(r->status, 200, "%s: expected 200, got %ld: %.300s", what, r->status, r->body);
	cr_assert(json_is_object(r->json), "%s: the 200 body is not an object: %.300s", what,
	          r->body);
	cr_assert_str_eq(hx_str(r->json, "id") ? hx_str(r->json, "id") : "(none)", HX_FIXTURE_ID,
	                 "%s: the 200 is not the fixture customer", what);
}

/* ---- the worker pools ---------------------------------------------------------------- */

struct hx_pool {
	const char *env; /* the environment variable naming the master's pid */
	pid_t master;
	size_t n;
	pid_t pid[HX_MAX_WORKERS];
	unsigned long long cpu[HX_MAX_WORKERS]; /* utime + stime, clock ticks */
};

/* Reads /proc/<pid>/stat: parent, state and CPU ticks; 0, or -1 when it is gone. */
static inline int hx_proc_stat(pid_t pid, pid_t *ppid, char *state, unsigned long long *cpu)
{
	char path[64], buf[2048];
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	if (p == NULL)
		return -1;
	long pp = 0;
	unsigned long long ut = 0, st = 0;
	/* fields after comm: 3 state, 4 ppid, ..., 14 utime, 15 stime */
	if (sscanf(p + 2, "%c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", state, &pp, &ut,
	           &st) != 4)
		return -1;
	*ppid = (pid_t)pp;
	*cpu = ut + st;
	return 0;
}

/* The live (not zombie) children of the master named by env. */
static inline void hx_pool_read(const char *env, struct hx_pool *p)
{
	memset(p, 0, sizeof(*p));
	p->env = env;
	const char *v = getenv(env);
	cr_assert(v != NULL && v[0] != '\0', "%s is not set (run through scripts/test.sh)", env);
	p->master = (pid_t)strtol(v, NULL, 10);
	cr_assert(p->master > 1, "%s=%s is not a pid", env, v);
	pid_t pp;
	char state;
	unsigned long long cpu;
	cr_assert(hx_proc_stat(p->master, &pp, &state, &cpu) == 0 && state != 'Z',
	          "the master %ld (%s) is gone", (long)p->master, env);
	DIR *d = opendir("/proc");
	cr_assert_not_null(d, "opendir /proc");
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char *end = NULL;
		long pid = strtol(e->d_name, &end, 10);
		if (end == e->d_name || *end != '\0')
			continue;
		if (hx_proc_stat((pid_t)pid, &pp, &state, &cpu) != 0 || pp != p->master ||
		    state == 'Z')
			continue;
		cr_assert(p->n < HX_MAX_WORKERS, "more than %d workers", HX_MAX_WORKERS);
		p->pid[p->n] = (pid_t)pid;
		p->cpu[p->n++] = cpu;
	}
	closedir(d);
}

static inline int hx_pool_has(const struct hx_pool *p, pid_t pid)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->pid[i] == pid)
			return 1;
	return 0;
}

static inline void hx_pool_text(const struct hx_pool *p, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < p->n && o + 16 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%ld", i ? " " : "", (long)p->pid[i]);
}

/* Asserts the pool's workers are exactly those of before, and none of them is spinning. */
static inline void hx_pool_assert_same(const struct hx_pool *before, const char *what)
{
	struct hx_pool now;
	int same = 0;
	/* a worker the master is replacing may take a moment to show up: wait up to 2 s */
	for (int tries = 0; tries < 20; tries++) {
		hx_pool_read(before->env, &now);
		same = now.n == before->n;
		for (size_t i = 0; same && i < before->n; i++)
			same = hx_pool_has(&now, before->pid[i]);
		if (same)
			break;
		hx_sleep_ms(100);
	}
	char a[512], b[512];
	hx_pool_text(before, a, sizeof(a));
	hx_pool_text(&now, b, sizeof(b));
	cr_assert(same,
	          "%s: the workers of %s changed from [%s] to [%s]: a worker died (crash?) and was "
	          "replaced; see the service log under $CRM_TEST_VAR",
	          what, before->env, a, b);
	/* idle workers poll every 200 ms and use next to no CPU; a spinning one uses it all */
	long hz = sysconf(_SC_CLK_TCK);
	hx_sleep_ms(300);
	struct hx_pool later;
	hx_pool_read(before->env, &later);
	for (size_t i = 0; i < now.n; i++)
		for (size_t j = 0; j < later.n; j++)
			if (later.pid[j] == now.pid[i])
				cr_assert(later.cpu[j] - now.cpu[i] <
				                  (unsigned long long)(hz / 5 + 2),
				          "%s: worker %ld of %s used %llu ticks of CPU in 300 ms "
				          "while "
				          "idle: it is spinning (a hang)",
				          what, (long)now.pid[i], before->env,
				          later.cpu[j] - now.cpu[i]);
}

/* ---- the fixture and the data it guards ------------------------------------------------- */

struct hx_fx {
	char tenant[80];
	char *token; /* crm:read crm:write of HX_ACTOR in tenant */
	char *row;   /* the fixture customer's row as hx_row() gives it */
	char *all;   /* hx_all_rows() */
	struct hx_pool main, rs;
	int watch_rs;
};

/* Everything a change may touch in the customers row, as one string (malloc'd; NULL: no row). */
static inline char *hx_row(const char *tenant, const char *id)
{
	return db_scalar(
	        "SELECT CONCAT_WS('|' COLLATE utf8mb4_bin, crm_status, IFNULL(owner_id, '-'),"
	        " IFNULL(overdue_key, '-'), sort_name, doc, list_extra)"
	        " FROM customers WHERE tenant_id = '%s' AND id = '%s'",
	        tenant, id);
}

/* A digest of every customers row of every tenant: no hostile request may change any. */
static inline char *hx_all_rows(void)
{
	return db_scalar("SELECT CONCAT(COUNT(*), ':', IFNULL(BIT_XOR(CRC32(CONCAT_WS('|' COLLATE "
	                 "utf8mb4_bin,"
	                 " tenant_id, id, crm_status, IFNULL(owner_id, '-'), IFNULL(overdue_key,"
	                 " '-'), sort_name, doc, list_extra))), 0)) FROM customers");
}

/* The fixture customer: LEAD, a next action, an owner and two tags, so any change shows. */
static inline json_t *hx_customer(const char *id, const char *name, const char *status,
                                  const char *owner)
{
	json_t *c = sample_customer(id, name);
	cr_assert_not_null(c, "sample_customer");
	json_object_set_new(c, "crmStatus", json_string(status));
	json_object_set_new(c, "nextAction", json_string("Call back about the quote"));
	json_object_set_new(c, "nextActionDueDate", json_string("2030-01-01T09:00:00Z"));
	json_object_set_new(c, "ownerId", owner ? json_string(owner) : json_null());
	return c;
}

/* Imports the customers (a JSON array; stolen) into tenant; aborts the test on failure. */
static inline void hx_import_customers(const char *tenant, json_t *customers)
{
	json_t *doc = json_pack("{s:o}", "customers", customers);
	cr_assert_not_null(doc, "import document");
	char *text = json_dumps(doc, JSON_COMPACT);
	char *err = NULL;
	int rc = crmctl_import(tenant, text, &err);
	cr_assert_eq(rc, 0, "crmctl import into %s failed (exit %d): %s", tenant, rc,
	             err ? err : "");
	free(err);
	free(text);
	json_decref(doc);
}

/* Asserts neither the fixture row nor any other customers row changed since hx_begin. */
static inline void hx_assert_unchanged(const struct hx_fx *fx, const char *what)
{
	char *row = hx_row(fx->tenant, HX_FIXTURE_ID);
	cr_assert_not_null(row, "%s: the fixture customer is gone", what);
	cr_assert_str_eq(row, fx->row, "%s: the fixture customer changed:\nbefore %s\nafter  %s",
	                 what, fx->row, row);
	free(row);
	char *all = hx_all_rows();
	cr_assert_str_eq(all, fx->all, "%s: some customers row changed (count:crc %s -> %s)", what,
	                 fx->all, all);
	free(all);
}

/*
 * A fresh tenant with customer HX_FIXTURE_ID (LEAD, owner u-owner), a
 * crm:write token for it, the data snapshot and the worker pools.  watch_rs:
 * also watch the RS256 pool.
 */
static inline void hx_begin(struct hx_fx *fx, const char *prefix, int watch_rs)
{
	memset(fx, 0, sizeof(*fx));
	fresh_tenant(prefix, fx->tenant, sizeof(fx->tenant));
	hx_import_customers(fx->tenant, json_pack("[o]", hx_customer(HX_FIXTURE_ID, HX_FIXTURE_NAME,
	                                                             "LEAD", "u-owner")));
	fx->token = token_for(HX_ACTOR, fx->tenant, HX_SCOPE_WRITE);
	fx->row = hx_row(fx->tenant, HX_FIXTURE_ID);
	cr_assert_not_null(fx->row, "the fixture was not imported");
	fx->all = hx_all_rows();
	fx->watch_rs = watch_rs;
	hx_pool_read("CRM_TEST_MASTER_PID", &fx->main);
	cr_assert(fx->main.n >= 1, "the pool has no workers");
	if (watch_rs) {
		hx_pool_read("CRM_TEST_RS_MASTER_PID", &fx->rs);
		cr_assert(fx->rs.n >= 1, "the RS256 pool has no workers");
	}
}

/* Re-takes the data snapshot after a change the test made on purpose. */
static inline void hx_resnapshot(struct hx_fx *fx)
{
	free(fx->row);
	free(fx->all);
	fx->row = hx_row(fx->tenant, HX_FIXTURE_ID);
	fx->all = hx_all_rows();
}

/* The fixture is still served (200, the customer) and the same workers are alive and idle. */
static inline void hx_end(struct hx_fx *fx)
{
	for (int i = 0; i < 4; i++) {
		struct http *r = hx_call(HX_MAIN, "GET", "/crm/customers/" HX_FIXTURE_ID, fx->token,
		                         NULL, NULL);
		hx_assert_ok_customer(r, "a valid request after the hostile ones");
		http_free(r);
	}
	hx_pool_assert_same(&fx->main, "after the test");
	if (fx->watch_rs)
		hx_pool_assert_same(&fx->rs, "after the test");
	free(fx->token);
	free(fx->row);
	free(fx->all);
	memset(fx, 0, sizeof(*fx));
}

/* ---- tokens ---------------------------------------------------------------------------- */

/* base64url without padding of in[0..n) (malloc'd). */
static inline char *hx_b64url(const void *in, size_t n)
{
	static const char tbl[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *p = in;
	char *out = malloc(n * 4 / 3 + 4), *o = out;
	cr_assert_not_null(out, "out of memory");
	size_t i = 0;
	for (; i + 2 < n; i += 3) {
		*o++ = tbl[p[i] >> 2];
		*o++ = tbl[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = tbl[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = tbl[p[i + 2] & 63];
	}
	if (n - i == 1) {
		*o++ = tbl[p[i] >> 2];
		*o++ = tbl[(p[i] & 3) << 4];
	} else if (n - i == 2) {
		*o++ = tbl[p[i] >> 2];
		*o++ = tbl[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = tbl[(p[i + 1] & 15) << 2];
	}
	*o = '\0';
	return out;
}

/* The HS256 secret of the test configuration: CRM_JWT_SECRET, else jwt_secret in CRM_TEST_CONF. */
static inline const char *hx_secret(void)
{
	static char secret[512];
	const char *env = getenv("CRM_JWT_SECRET");
	if (env != NULL && env[0] != '\0')
		return env;
	if (secret[0] != '\0')
		return secret;
	const char *conf = getenv("CRM_TEST_CONF");
	cr_assert(conf != NULL && conf[0] != '\0', "CRM_TEST_CONF is not set");
	FILE *f = fopen(conf, "r");
	cr_assert_not_null(f, "cannot open %s", conf);
	char line[1024];
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (strncmp(s, "jwt_secret", 10) != 0)
			continue;
		s += 10;
		s += strspn(s, " \t");
		if (*s != '=')
			continue;
		s++;
		s += strspn(s, " \t");
		s[strcspn(s, " \t\r\n")] = '\0';
		snprintf(secret, sizeof(secret), "%s", s);
	}
	fclose(f);
	cr_assert(secret[0] != '\0', "no jwt_secret in %s", conf);
	return secret;
}

/*
 * header.payload.signature from the exact bytes given (no JSON check, so a
 * test can sign duplicate members, raw invalid UTF-8, deep nesting), signed
 * HS256 with key[0..keylen) (malloc'd).
 */
static inline char *hx_hs256_raw(const char *header, size_t hlen, const char *payload, size_t plen,
                                 const void *key, size_t keylen)
{
	char *h = hx_b64url(header, hlen);
	char *p = hx_b64url(payload, plen);
	char *input = hx_fmt("%s.%s", h, p);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	cr_assert_not_null(HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)input,
	                        strlen(input), mac, &maclen),
	                   "HMAC");
	char *s = hx_b64url(mac, maclen);
	char *tok = hx_fmt("%s.%s", input, s);
	free(h);
	free(p);
	free(input);
	free(s);
	return tok;
}

/* A token of the payload text signed HS256 with the service's secret and the usual header. */
static inline char *hx_hs256(const char *payload)
{
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	const char *secret = hx_secret();
	return hx_hs256_raw(header, strlen(header), payload, strlen(payload), secret,
	                    strlen(secret));
}

/* Claims of HX_ACTOR in tenant: crm:read crm:write, exp now + 600, extra members (JSON text). */
static inline char *hx_claims(const char *tenant, const char *extra)
{
	return hx_fmt("{\"sub\":\"%s\",\"tenantId\":\"%s\",\"scope\":\"%s\",\"exp\":%ld%s%s}",
	              HX_ACTOR, tenant, HX_SCOPE_WRITE, (long)time(NULL) + 600, extra ? "," : "",
	              extra ? extra : "");
}

/* The whole contents of a file (malloc'd, NUL-terminated); *len its length. */
static inline char *hx_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	struct hx_bytes b = {0};
	hx_add(&b, "", 0);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		hx_add(&b, chunk, n);
	fclose(f);
	if (len)
		*len = b.len;
	return b.data;
}

/* A token of the claims text signed by libjwt with alg and key[0..keylen) (malloc'd). */
static inline char *hx_jwt_sign(jwt_alg_t alg, const char *key, size_t keylen, const char *claims)
{
	jwt_t *jwt = NULL;
	cr_assert_eq(jwt_new(&jwt), 0, "jwt_new");
	cr_assert_eq(jwt_add_grants_json(jwt, claims), 0, "claims %s", claims);
	cr_assert_eq(jwt_set_alg(jwt, alg, (const unsigned char *)key, (int)keylen), 0,
	             "jwt_set_alg %s", jwt_alg_str(alg));
	char *enc = jwt_encode_str(jwt);
	cr_assert_not_null(enc, "jwt_encode_str %s", jwt_alg_str(alg));
	char *out = hx_strdup(enc);
	free(enc);
	jwt_free(jwt);
	return out;
}

/* ---- requests on the fixture ------------------------------------------------------------ */

/* PATCH /crm/customers/c1/<what> with a JSON body (a string) and the fixture's token. */
static inline struct http *hx_patch(const struct hx_fx *fx, const char *what, const char *body)
{
	char *path = hx_fmt("/crm/customers/" HX_FIXTURE_ID "/%s", what);
	struct http *r = hx_call(HX_MAIN, "PATCH", path, fx->token, HX_JSON, body);
	free(path);
	return r;
}

/* The two routes that take a body, and a valid body for each that changes the fixture. */
static const char *const hx_body_routes[] = {"crm-status", "next-action"};
static const char *const hx_valid_bodies[] = {
        "{\"crmStatus\":\"PROSPECT\"}",
        "{\"nextAction\":\"Send the contract\",\"nextActionDueDate\":\"2031-02-03T10:00:00Z\"}",
};
#define HX_NROUTES 2

/*
 * The positive control of a body test: each route, with a valid body and the
 * same token, answers 200 and changes the fixture, so the rejections before
 * were about the bodies, not about the path, token or customer.
 */
static inline void hx_assert_valid_bodies_apply(struct hx_fx *fx)
{
	for (size_t i = 0; i < HX_NROUTES; i++) {
		struct http *r = hx_patch(fx, hx_body_routes[i], hx_valid_bodies[i]);
		hx_assert_ok_customer(r, hx_body_routes[i]);
		http_free(r);
		char *row = hx_row(fx->tenant, HX_FIXTURE_ID);
		cr_assert(strcmp(row, fx->row) != 0, "%s: the valid body changed nothing",
		          hx_body_routes[i]);
		free(row);
		hx_resnapshot(fx);
	}
}

#endif
