/* client: what the HTTP integration tests share — requests through nginx (libcurl), tokens (libjwt), crmctl runs and SQL checks (libmariadb). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <jwt.h>
#include <mysql.h>
#include <openssl/evp.h>

#include "lib/limits.h"
#include "tests/http/client.h"

/*
 * Environment (set by scripts/test.sh):
 *   CRM_TEST_BASE_URL    e.g. http://127.0.0.1:18180/api/v1
 *   CRM_TEST_CONF        the service's configuration file (crmctl -c, jwt_secret)
 *   CRM_JWT_SECRET       overrides the secret read from CRM_TEST_CONF
 *   CRM_TEST_CRMCTL      path of the crmctl binary
 *   CRM_TEST_DB_SOCKET, CRM_TEST_DB_NAME, CRM_TEST_DB_USER, CRM_TEST_DB_PASSWORD
 *   CRM_TEST_HTTP_LOG    when set, a file every exchange of http_do is appended to
 *                        (one JSON line each), for tools/openapi/validate_log.mjs
 * Criterion runs every test in its own process, so the lazily opened
 * connections below live for one test at most.
 */

#define HTTP_TIMEOUT_SECONDS 60L

/* ---- small helpers ------------------------------------------------------ */

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return (v != NULL && v[0] != '\0') ? v : fallback;
}

static const char *env_required(const char *name)
{
	const char *v = getenv(name);
	cr_assert(v != NULL && v[0] != '\0',
	          "the environment variable %s is not set (run the "
	          "HTTP tests through scripts/test.sh)",
	          name);
	return v;
}

/* A growing byte buffer, always NUL-terminated. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

static void buf_add(struct buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
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

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	buf_add(arg, p, size * n);
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	/* A new status line (after a 100 Continue) starts a new header block. */
	if (size * n >= 5 && strncmp(p, "HTTP/", 5) == 0)
		b->len = 0;
	buf_add(b, p, size * n);
	return size * n;
}

/* ---- the exchange log ---------------------------------------------------------- */

/* s[0..len) as base64 (malloc'd): bodies may be gzip or any bytes a hostile test provoked. */
static char *base64_of(const char *s, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);
	cr_assert_not_null(out, "out of memory");
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)len);
	return out;
}

/*
 * Appends {"method","url","status","headers","body"} (url, the header block
 * and the body as sent and received, in base64) as one line to the file
 * CRM_TEST_HTTP_LOG names, so that every answer the tests saw is validated
 * against docs/openapi.yaml after the suite (scripts/test.sh).  One write(2)
 * with O_APPEND a line: the tests' processes never interleave within a line.
 */
static void log_exchange(const char *method, const char *url, const struct http *r)
{
	const char *path = getenv("CRM_TEST_HTTP_LOG");
	if (path == NULL || path[0] == '\0')
		return;
	/* everything but the status in base64: hostile tests send and provoke any bytes */
	char *u = base64_of(url, strlen(url));
	char *headers = base64_of(r->headers, strlen(r->headers));
	char *body = base64_of(r->body, r->body_len);
	json_t *line = json_pack("{s:s, s:s, s:I, s:s, s:s}", "method", method, "url", u, "status",
	                         (json_int_t)r->status, "headers", headers, "body", body);
	cr_assert_not_null(line, "the exchange log: a method that is not UTF-8");
	char *text = json_dumps(line, JSON_COMPACT);
	cr_assert_not_null(text, "out of memory");
	size_t n = strlen(text);
	text[n] = '\n'; /* json_dumps's NUL is not written */
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0, "cannot open %s: %s", path, strerror(errno));
	ssize_t w = write(fd, text, n + 1);
	cr_assert_eq(w, (ssize_t)(n + 1), "cannot write %s", path);
	close(fd);
	free(text);
	json_decref(line);
	free(body);
	free(headers);
	free(u);
}

/* ---- HTTP ---------------------------------------------------------------- */

static void curl_once(void)
{
	static int done;
	if (!done) {
		cr_assert_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK, "curl_global_init");
		done = 1;
	}
}

struct http *http_do(const char *method, const char *path, const char *token,
                     const char *content_type, const char *body, const char *const *extra_headers)
{
	curl_once();
	const char *base = env_required("CRM_TEST_BASE_URL");
	struct buf url = {0}, rbody = {0}, rhead = {0};
	buf_add(&url, base, strlen(base));
	buf_add(&url, path, strlen(path));

	CURL *h = curl_easy_init();
	cr_assert_not_null(h, "curl_easy_init");
	struct curl_slist *hdrs = NULL;
	char line[9000];
	if (token != NULL) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", token);
		hdrs = curl_slist_append(hdrs, line);
	}
	/* curl would add a form Content-Type to a body, and Expect: 100-continue to a large one */
	if (body != NULL && content_type != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s", content_type);
		hdrs = curl_slist_append(hdrs, line);
	} else {
		hdrs = curl_slist_append(hdrs, "Content-Type:");
	}
	hdrs = curl_slist_append(hdrs, "Expect:");
	for (const char *const *x = extra_headers; x != NULL && *x != NULL; x++)
		hdrs = curl_slist_append(hdrs, *x);

	curl_easy_setopt(h, CURLOPT_URL, url.data);
	curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L); /* send "..", "%2E%2E" as written */
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &rbody);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &rhead);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, HTTP_TIMEOUT_SECONDS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "GET") != 0 || body != NULL) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		if (body != NULL || strcmp(method, "GET") != 0) {
			/* an explicit (maybe empty) body: Content-Length is always sent */
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
			                 (curl_off_t)(body ? strlen(body) : 0));
		}
	}

	CURLcode rc = curl_easy_perform(h);
	cr_assert_eq(rc, CURLE_OK, "%s %s: %s (is nginx up?)", method, url.data,
	             curl_easy_strerror(rc));
	struct http *r = calloc(1, sizeof(*r));
	cr_assert_not_null(r, "out of memory");
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	buf_add(&rbody, "", 0);
	buf_add(&rhead, "", 0);
	r->body = rbody.data;
	r->body_len = rbody.len;
	r->headers = rhead.data;
	r->json = r->body_len > 0 ? json_loadb(r->body, r->body_len, JSON_DECODE_ANY, NULL) : NULL;
	log_exchange(method, url.data, r);

	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	free(url.data);
	return r;
}

struct http *http_get(const char *path, const char *token)
{
	return http_do("GET", path, token, NULL, NULL, NULL);
}

void http_free(struct http *r)
{
	if (r == NULL)
		return;
	free(r->body);
	free(r->headers);
	json_decref(r->json);
	free(r);
}

char *http_header(const struct http *r, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = r->headers;
	while (p != NULL && *p != '\0') {
		const char *eol = strstr(p, "\r\n");
		size_t llen = eol ? (size_t)(eol - p) : strlen(p);
		if (llen > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			const char *v = p + nlen + 1, *end = p + llen;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
				end--;
			return strndup(v, (size_t)(end - v));
		}
		p = eol ? eol + 2 : NULL;
	}
	return NULL;
}

/* "YYYY-MM-DDTHH:MM:SS[.f]Z" */
static int is_utc_time(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (p == NULL || strlen(s) < 20)
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

void assert_error_body(const struct http *r, long status)
{
	cr_assert_eq(r->status, status, "expected status %ld, got %ld: %s", status, r->status,
	             r->body);
	char *ct = http_header(r, "Content-Type");
	cr_assert(ct != NULL && strncasecmp(ct, "application/json", 16) == 0,
	          "a %ld must be application/json, Content-Type is %s", status, ct ? ct : "absent");
	free(ct);
	const json_t *b = r->json;
	cr_assert(json_is_object(b), "the %ld body is not a JSON object: %s", status, r->body);
	const char *title = json_string_value(json_object_get(b, "title"));
	const char *detail = json_string_value(json_object_get(b, "detail"));
	const char *when = json_string_value(json_object_get(b, "time"));
	cr_assert(title != NULL && title[0] != '\0', "error body without a title: %s", r->body);
	cr_assert(detail != NULL && detail[0] != '\0', "error body without a detail: %s", r->body);
	cr_assert(is_utc_time(when), "error time '%s' is not RFC 3339 UTC: %s", when ? when : "",
	          r->body);
	const json_t *st = json_object_get(b, "status");
	size_t members = 3;
	if (st != NULL) {
		cr_assert(json_is_integer(st) && json_integer_value(st) == status,
		          "error body status member is not %ld: %s", status, r->body);
		members++;
	}
	cr_assert_eq(json_object_size(b), members,
	             "the error body has members beyond title, detail, time (and status): %s",
	             r->body);
}

/* ---- tokens ---------------------------------------------------------------- */

/* The HS256 secret: CRM_JWT_SECRET, else the jwt_secret line of CRM_TEST_CONF. */
static const char *test_secret(void)
{
	static char secret[512];
	const char *env = getenv("CRM_JWT_SECRET");
	if (env != NULL && env[0] != '\0')
		return env;
	if (secret[0] != '\0')
		return secret;
	const char *conf = env_required("CRM_TEST_CONF");
	FILE *f = fopen(conf, "r");
	cr_assert_not_null(f, "cannot open %s: %s", conf, strerror(errno));
	char line[1024];
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (strncmp(s, "jwt_secret", 10) != 0)
			continue;
		s += 10;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s != '=')
			continue;
		s++;
		while (*s == ' ' || *s == '\t')
			s++;
		size_t n = strlen(s);
		while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' ||
		                 s[n - 1] == '\t'))
			s[--n] = '\0';
		snprintf(secret, sizeof(secret), "%s", s);
	}
	fclose(f);
	cr_assert(secret[0] != '\0', "no jwt_secret line in %s and no CRM_JWT_SECRET", conf);
	return secret;
}

char *token_with_claims(const char *claims_json)
{
	jwt_t *jwt = NULL;
	const char *secret = test_secret();
	cr_assert_eq(jwt_new(&jwt), 0, "jwt_new");
	cr_assert_eq(jwt_add_grants_json(jwt, claims_json), 0, "claims are not a JSON object: %s",
	             claims_json);
	cr_assert_eq(
	        jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)secret, (int)strlen(secret)),
	        0, "jwt_set_alg");
	char *enc = jwt_encode_str(jwt);
	cr_assert_not_null(enc, "jwt_encode_str");
	char *out = strdup(enc);
	free(enc);
	jwt_free(jwt);
	cr_assert_not_null(out, "out of memory");
	return out;
}

char *token_for(const char *sub, const char *tenant, const char *scope)
{
	json_t *c = json_pack("{s:s,s:s,s:I}", "sub", sub, "tenantId", tenant, "exp",
	                      (json_int_t)time(NULL) + 600);
	cr_assert_not_null(c, "token_for: cannot build claims");
	if (scope != NULL)
		json_object_set_new(c, "scope", json_string(scope));
	char *text = json_dumps(c, JSON_COMPACT);
	char *tok = token_with_claims(text);
	free(text);
	json_decref(c);
	return tok;
}

/* ---- tenants -------------------------------------------------------------------- */

const char *fresh_tenant(const char *prefix, char *out, size_t cap)
{
	static unsigned counter;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* pid, time and a counter: unique within a run and across runs on the same database */
	int n = snprintf(out, cap, "t-%.20s-%ld-%lx%05lx-%u", prefix, (long)getpid(),
	                 (unsigned long)ts.tv_sec, (unsigned long)(ts.tv_nsec / 10000) & 0xfffffUL,
	                 counter++);
	cr_assert(n > 0 && (size_t)n < cap && n <= LIMIT_ID_CHARS,
	          "fresh_tenant: buffer too small or id longer than LIMIT_ID_CHARS");
	for (char *p = out; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			*p = '_';
	return out;
}

/* ---- crmctl ----------------------------------------------------------------------- */

static char *read_all(int fd)
{
	struct buf b = {0};
	char chunk[4096];
	ssize_t n;
	lseek(fd, 0, SEEK_SET);
	buf_add(&b, "", 0);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(&b, chunk, (size_t)n);
	return b.data;
}

static int temp_file(char *path, size_t cap, const char *what)
{
	snprintf(path, cap, "%s/crm-http-%s-XXXXXX", env_or("TMPDIR", "/tmp"), what);
	int fd = mkstemp(path);
	cr_assert(fd >= 0, "mkstemp %s: %s", path, strerror(errno));
	unlink(path);
	return fd;
}

/* Writes all of text to fd and closes it: 0, or -1 when a write failed (a pipe's
 * reader that stopped early: SIGPIPE is ignored so that it is only that). */
static int write_text(int fd, const char *text)
{
	size_t len = strlen(text), off = 0;
	signal(SIGPIPE, SIG_IGN);
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	return off == len ? 0 : -1;
}

int crmctl_run_input(const char *const *args, const char *input, char **out, char **err)
{
	const char *crmctl = env_required("CRM_TEST_CRMCTL");
	const char *conf = env_required("CRM_TEST_CONF");
	size_t nargs = 0;
	while (args[nargs] != NULL)
		nargs++;
	char **argv = calloc(nargs + 4, sizeof(*argv));
	cr_assert_not_null(argv, "out of memory");
	argv[0] = (char *)crmctl;
	argv[1] = (char *)"-c";
	argv[2] = (char *)conf;
	for (size_t i = 0; i < nargs; i++)
		argv[3 + i] = (char *)args[i];

	char opath[256], epath[256];
	int ofd = temp_file(opath, sizeof(opath), "out");
	int efd = temp_file(epath, sizeof(epath), "err");
	int in[2] = {-1, -1};
	cr_assert(input == NULL || pipe(in) == 0, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int from = input != NULL ? in[0] : open("/dev/null", O_RDONLY);
		if (from >= 0)
			dup2(from, 0);
		if (input != NULL)
			close(in[1]);
		dup2(ofd, 1);
		dup2(efd, 2);
		execv(crmctl, argv);
		fprintf(stderr, "exec %s: %s\n", crmctl, strerror(errno));
		_exit(127);
	}
	if (input != NULL) {
		close(in[0]);
		(void)write_text(in[1], input); /* crmctl may stop reading at a bad line */
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	free(argv);
	if (out != NULL)
		*out = read_all(ofd);
	if (err != NULL)
		*err = read_all(efd);
	close(ofd);
	close(efd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

int crmctl_run(const char *const *args, char **out, char **err)
{
	return crmctl_run_input(args, NULL, out, err);
}

int crmctl_import(const char *tenant, const char *document, char **err)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/crm-http-import-XXXXXX", env_or("TMPDIR", "/tmp"));
	int fd = mkstemp(path);
	cr_assert(fd >= 0, "mkstemp %s: %s", path, strerror(errno));
	cr_assert_eq(write_text(fd, document), 0, "write %s: %s", path, strerror(errno));
	const char *args[] = {"import", "--tenant", tenant, path, NULL};
	int rc = crmctl_run(args, NULL, err);
	unlink(path);
	return rc;
}

/* ---- the status listener (CRM_TEST_STATUS_SOCKET, a unix socket) ---------------- */

char *status_get(const char *method, const char *path, long *status, double *seconds)
{
	const char *sock = getenv("CRM_TEST_STATUS_SOCKET");
	cr_assert(sock != NULL && sock[0] != '\0', "CRM_TEST_STATUS_SOCKET is not set");
	char url[256];
	snprintf(url, sizeof(url), "http://localhost%s", path);
	struct buf g = {0};
	buf_add(&g, "", 0);
	CURL *h = curl_easy_init();
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0 ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &g);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 5L);
	CURLcode rc = curl_easy_perform(h);
	cr_assert_eq(rc, CURLE_OK, "GET %s from the status listener: %s", path,
	             curl_easy_strerror(rc));
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	if (seconds != NULL)
		curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, seconds);
	curl_easy_cleanup(h);
	return g.data;
}

char *status_metrics(void)
{
	long code = 0;
	char *body = status_get("GET", "/metrics", &code, NULL);
	cr_assert_eq(code, 200, "/metrics: %ld", code);
	return body;
}

/* The value of the sample whose line starts with `series ` (name and labels), or 0. */
double metric_sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	for (const char *p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return 0;
}

double metric_now(const char *series)
{
	char *m = status_metrics();
	double v = metric_sample(m, series);
	free(m);
	return v;
}

/* ---- SQL ------------------------------------------------------------------------ */

MYSQL *db_connect_new(void)
{
	MYSQL *conn = mysql_init(NULL);
	cr_assert_not_null(conn, "mysql_init");
	const char *socket = env_required("CRM_TEST_DB_SOCKET");
	const char *name = env_required("CRM_TEST_DB_NAME");
	const char *user = env_or("CRM_TEST_DB_USER", "root");
	const char *password = getenv("CRM_TEST_DB_PASSWORD");
	mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (mysql_real_connect(conn, NULL, user, password, name, 0, socket, 0) == NULL) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", mysql_error(conn));
		mysql_close(conn);
		cr_assert_fail("cannot connect to the test database %s on %s as %s: %s", name,
		               socket, user, msg);
	}
	return conn;
}

static MYSQL *test_db(void)
{
	static MYSQL *conn;
	if (conn == NULL)
		conn = db_connect_new();
	return conn;
}

/* Runs the query; returns its first column of the first row (malloc'd) and *found. */
static char *query_first(const char *sql, int *found)
{
	MYSQL *conn = test_db();
	*found = 0;
	if (mysql_real_query(conn, sql, strlen(sql)) != 0)
		cr_assert_fail("SQL failed: %s\n  in: %s", mysql_error(conn), sql);
	MYSQL_RES *res = mysql_store_result(conn);
	cr_assert(res != NULL || mysql_field_count(conn) == 0, "SQL result: %s", mysql_error(conn));
	char *out = NULL;
	MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
	if (row != NULL) {
		*found = 1;
		unsigned long *lens = mysql_fetch_lengths(res);
		if (row[0] != NULL) {
			out = strndup(row[0], lens[0]);
			cr_assert_not_null(out, "out of memory");
		}
	}
	mysql_free_result(res);
	while (mysql_next_result(conn) == 0)
		mysql_free_result(mysql_store_result(conn));
	return out;
}

/* The SQL text of a format and its arguments (malloc'd). */
static char *vsql(const char *sql_fmt, va_list ap)
{
	char *sql = NULL;
	int n = vasprintf(&sql, sql_fmt, ap);
	cr_assert(n >= 0, "out of memory");
	return sql;
}

char *db_scalar(const char *sql_fmt, ...)
{
	va_list ap;
	va_start(ap, sql_fmt);
	char *sql = vsql(sql_fmt, ap);
	va_end(ap);
	int found;
	char *v = query_first(sql, &found);
	free(sql);
	return v;
}

unsigned db_refused(const char *sql_fmt, ...)
{
	va_list ap;
	va_start(ap, sql_fmt);
	char *sql = vsql(sql_fmt, ap);
	va_end(ap);
	MYSQL *conn = test_db();
	unsigned err = 0;
	if (mysql_real_query(conn, sql, strlen(sql)) != 0)
		err = mysql_errno(conn);
	else
		mysql_free_result(mysql_store_result(conn));
	free(sql);
	return err;
}

long db_count(const char *sql_fmt, ...)
{
	va_list ap;
	va_start(ap, sql_fmt);
	char *sql = vsql(sql_fmt, ap);
	va_end(ap);
	int found;
	char *v = query_first(sql, &found);
	long count = -1;
	if (v != NULL) {
		char *end = NULL;
		errno = 0;
		count = strtol(v, &end, 10);
		cr_assert(errno == 0 && end != v && *end == '\0',
		          "db_count: '%s' is not a number (%s)", v, sql);
	}
	free(v);
	free(sql);
	return count;
}

/* ---- samples -------------------------------------------------------------------- */

/*
 * Every member of the seed's shapes, set to a realistic non-null value in the
 * canonical form the service writes back (UTC 'Z' times, reals where the seed
 * shows 0.1, integers where it shows 0), so a test can compare a response with
 * the sample member for member.  tenantId is null: the import writes its own
 * tenant there (a test expects the tenant it imported into).
 */

static json_t *sample_event(const char *id, const char *type, const char *date,
                            const char *description)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s}", "authorId", "u-sales-1", "date", date,
	                 "description", description, "id", id, "type", type);
}

static json_t *sample_address(const char *id, const char *street, const char *number,
                              const char *postal, const char *city, double lat, double lon)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:f,s:f,s:s,s:s}", "city", city, "country", "NL",
	                 "houseNumber", number, "id", id, "latitude", lat, "longitude", lon,
	                 "postalCode", postal, "street", street);
}

json_t *sample_customer(const char *id, const char *name)
{
	char buf[256];
	json_t *c = json_object();
	cr_assert_not_null(c, "out of memory");
	json_object_set_new(c, "avatar",
	                    json_pack("{s:s,s:i,s:s,s:i}", "blobId", "blob-avatar-1", "height", 256,
	                              "thumbnailBlobId", "blob-avatar-1-thumb", "width", 320));
	json_object_set_new(c, "billingAddress",
	                    sample_address("addr-bill-1", "Keizersgracht", "123A", "1015 CJ",
	                                   "Amsterdam", 52.3731, 4.8897));
	json_object_set_new(c, "btw", json_string("NL123456789B01"));
	json_object_set_new(
	        c, "contacts",
	        json_pack("[{s:s,s:s,s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s,s:s,s:s}]", "department",
	                  "Purchasing", "email", "anna.devries@example.nl", "firstName", "Anna",
	                  "id", "contact-1", "lastName", "de Vries", "phone", "+31 20 555 0101",
	                  "department", "Finance", "email", "bram.jansen@example.nl", "firstName",
	                  "Bram", "id", "contact-2", "lastName", "Jansen", "phone",
	                  "+31 20 555 0102"));
	json_object_set_new(c, "created", json_string("2024-03-01T09:30:00Z"));
	json_object_set_new(c, "createdBy", json_string("u-sales-1"));
	json_object_set_new(c, "crmStatus", json_string("PROSPECT"));
	json_t *delivery = json_array();
	json_array_append_new(delivery, sample_address("addr-del-1", "Industrieweg", "7", "3044 AS",
	                                               "Rotterdam", 51.9225, 4.47917));
	json_array_append_new(delivery, sample_address("addr-del-2", "Stationsplein", "1",
	                                               "3511 ED", "Utrecht", 52.0894, 5.1101));
	json_object_set_new(c, "deliveryAddresses", delivery);
	snprintf(buf, sizeof(buf), "info@%s.example.nl", id);
	json_object_set_new(c, "email", json_string(buf));
	json_t *events = json_array();
	json_array_append_new(
	        events, sample_event("ev-1", "CREATE", "2024-03-01T09:30:00Z", "Customer created"));
	json_array_append_new(events, sample_event("ev-2", "STATUS_CHANGE", "2024-03-05T11:00:00Z",
	                                           "Status changed from LEAD to PROSPECT"));
	json_object_set_new(c, "events", events);
	json_object_set_new(c, "id", json_string(id));
	json_object_set_new(c, "industry", json_string("Construction"));
	json_object_set_new(c, "kvk", json_string("12345678"));
	json_object_set_new(c, "leadSource", json_string("Trade fair"));
	json_object_set_new(c, "name", json_string(name));
	json_object_set_new(c, "nextAction", json_string("Send the revised quote"));
	json_object_set_new(c, "nextActionDueDate", json_string("2030-06-15T08:00:00Z"));
	json_object_set_new(c, "ownerId", json_string("u-sales-1"));
	json_object_set_new(c, "phone", json_string("+31 20 555 0100"));
	json_object_set_new(c, "preferredLanguage", json_string("nl"));
	json_object_set_new(c, "region", json_string("Noord-Holland"));
	json_object_set_new(c, "subsidiaryId", json_string("sub-ams"));
	json_object_set_new(c, "tags", json_pack("[s,s]", "Beta", "renovation"));
	json_object_set_new(c, "tenantId", json_null());
	json_object_set_new(c, "type", json_string("COMPANY"));
	json_object_set_new(c, "updated", json_string("2024-03-05T11:00:00Z"));
	json_object_set_new(c, "updatedBy", json_string("u-sales-2"));
	json_object_set_new(c, "userId", json_string("u-portal-7"));
	json_object_set_new(c, "visits",
	                    json_pack("[{s:i,s:s,s:s},{s:i,s:s,s:s}]", "frequency", 3, "ip",
	                              "192.0.2.10", "time", "2024-03-02T10:00:00Z", "frequency", 1,
	                              "ip", "2001:db8::1", "time", "2024-03-04T15:45:30Z"));
	snprintf(buf, sizeof(buf), "https://www.%s.example.nl", id);
	json_object_set_new(c, "website", json_string(buf));
	return c;
}

json_t *sample_opportunity(const char *id, const char *customer_id, const char *created)
{
	json_t *o = json_object();
	cr_assert_not_null(o, "out of memory");
	json_object_set_new(o, "changeOrders",
	                    json_pack("[{s:f,s:s,s:s,s:s,s:s,s:s,s:s}]", "amount", 1250.5,
	                              "category", "Extra work", "createdAt", "2024-04-02T10:00:00Z",
	                              "createdBy", "u-sales-1", "date", "2024-04-03T00:00:00Z",
	                              "description", "Additional insulation", "id", "co-1"));
	json_object_set_new(o, "created", created ? json_string(created) : json_null());
	json_object_set_new(o, "createdBy", json_string("u-sales-1"));
	json_object_set_new(o, "customerId", json_string(customer_id));
	json_object_set_new(o, "description", json_string("Roof renovation, phase 1"));
	json_object_set_new(o, "estimateIds", json_pack("[s,s]", "est-1", "est-2"));
	json_t *events = json_array();
	json_array_append_new(events, sample_event("oev-1", "CREATE", "2024-04-01T08:00:00Z",
	                                           "Opportunity created"));
	json_object_set_new(o, "events", events);
	json_object_set_new(o, "expectedCloseDate", json_string("2024-06-30T17:00:00Z"));
	json_object_set_new(o, "fulfillmentDate", json_string("2024-09-15T12:00:00Z"));
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "invoiceIds", json_pack("[s]", "inv-1"));
	json_object_set_new(o, "leadId", json_string("lead-42"));
	json_object_set_new(o, "name", json_string("Roof renovation"));
	json_object_set_new(o, "nextAction", json_string("Plan the site visit"));
	json_object_set_new(o, "nextActionDueDate", json_string("2024-05-10T09:00:00Z"));
	json_object_set_new(o, "notes", json_string("Customer prefers mornings."));
	json_object_set_new(o, "orderDate", json_string("2024-05-20T13:00:00Z"));
	json_object_set_new(o, "orderId", json_string("ord-9"));
	json_object_set_new(o, "ownerId", json_string("u-sales-1"));
	json_object_set_new(o, "paymentSchedule",
	                    json_pack("[{s:s,s:b,s:s,s:s,s:i,s:f,s:i,s:s,s:s,s:s,s:s}]", "id",
	                              "ps-1", "includeChangeOrders", 1, "invoiceId", "inv-1",
	                              "label", "Deposit", "paymentDueDays", 14, "percentage", 30.5,
	                              "relativeDays", -7, "status", "INVOICED", "triggerStatus",
	                              "ACCEPTED", "triggerType", "STATUS_CHANGE", "triggeredAt",
	                              "2024-05-21T07:00:00Z"));
	json_object_set_new(o, "probability", json_integer(60));
	json_object_set_new(o, "productIds", json_pack("[s,s]", "prod-roof", "prod-insulation"));
	json_object_set_new(o, "scheduledEndDate", json_string("2024-09-12"));
	json_object_set_new(o, "scheduledStartDate", json_string("2024-09-02"));
	json_object_set_new(o, "source", json_string("Website"));
	json_object_set_new(o, "status", json_string("ACCEPTED"));
	json_object_set_new(o, "tags", json_pack("[s]", "roof"));
	json_object_set_new(o, "teamId", json_string("team-north"));
	json_object_set_new(o, "tenantId", json_null());
	json_object_set_new(o, "updated", json_string("2024-05-21T07:00:00Z"));
	json_object_set_new(o, "updatedBy", json_string("u-sales-2"));
	json_object_set_new(o, "value", json_real(48250.75));
	return o;
}

json_t *sample_activity(const char *id, const char *customer_id, const char *scheduled_at)
{
	json_t *a = json_object();
	cr_assert_not_null(a, "out of memory");
	json_object_set_new(a, "attendees",
	                    json_pack("[s,s]", "u-sales-1", "anna.devries@example.nl"));
	json_object_set_new(a, "completed", json_true());
	json_object_set_new(a, "completedAt", json_string("2024-04-10T10:45:00Z"));
	json_object_set_new(a, "contactEmail", json_string("anna.devries@example.nl"));
	json_object_set_new(a, "contactName", json_string("Anna de Vries"));
	json_object_set_new(a, "contactPhone", json_string("+31 20 555 0101"));
	json_object_set_new(a, "created", json_string("2024-04-01T08:15:00Z"));
	json_object_set_new(a, "createdBy", json_string("u-sales-1"));
	json_object_set_new(a, "customerId", json_string(customer_id));
	json_object_set_new(a, "description", json_string("Walk through the quote"));
	json_object_set_new(a, "dueDate", json_string("2024-04-10T12:00:00Z"));
	json_object_set_new(a, "dueNotifiedAt", json_string("2024-04-10T08:00:00Z"));
	json_object_set_new(a, "durationMinutes", json_integer(45));
	json_t *events = json_array();
	json_array_append_new(events, sample_event("aev-1", "CREATE", "2024-04-01T08:15:00Z",
	                                           "Activity created"));
	json_object_set_new(a, "events", events);
	json_object_set_new(a, "id", json_string(id));
	json_object_set_new(a, "isCompleted", json_true());
	json_object_set_new(a, "location", json_string("Keizersgracht 123A, Amsterdam"));
	json_object_set_new(a, "opportunityId", json_string("opp-1"));
	json_object_set_new(a, "outcome", json_string("Quote accepted in principle"));
	json_object_set_new(a, "ownerId", json_string("u-sales-1"));
	json_object_set_new(a, "priority", json_string("HIGH"));
	json_object_set_new(a, "scheduledAt",
	                    scheduled_at ? json_string(scheduled_at) : json_null());
	json_object_set_new(a, "subject", json_string("Quote meeting"));
	json_object_set_new(a, "tenantId", json_null());
	json_object_set_new(a, "type", json_string("MEETING"));
	json_object_set_new(a, "updated", json_string("2024-04-10T10:45:00Z"));
	json_object_set_new(a, "updatedBy", json_string("u-sales-1"));
	return a;
}

/* The members of the seed's list customer (by-owner, by-status, my, overdue-actions), sorted. */
const char *const seed_list_members[] = {
        "avatar",
        "billingAddress",
        "btw",
        "contacts",
        "created",
        "createdBy",
        "crmStatus",
        "deliveryAddresses",
        "email",
        "events",
        "id",
        "industry",
        "kvk",
        "leadSource",
        "name",
        "nextAction",
        "nextActionDueDate",
        "ownerId",
        "phone",
        "preferredLanguage",
        "region",
        "subsidiaryId",
        "tags",
        "tenantId",
        "type",
        "updated",
        "updatedBy",
        "userId",
        "visits",
        "website",
};
const size_t seed_list_count = sizeof(seed_list_members) / sizeof(seed_list_members[0]);

/* The members of the seed's enriched customer (GET /crm/customers/{id}), sorted. */
const char *const seed_enriched_members[] = {
        "avatar",
        "billingAddress",
        "btw",
        "contacts",
        "created",
        "createdBy",
        "crmStatus",
        "deliveryAddresses",
        "email",
        "events",
        "id",
        "industry",
        "kvk",
        "leadSource",
        "name",
        "nextAction",
        "nextActionDueDate",
        "opportunities",
        "owner",
        "ownerId",
        "phone",
        "recentActivities",
        "region",
        "subsidiaryId",
        "tags",
        "tenantId",
        "type",
        "updated",
        "updatedBy",
        "userId",
        "website",
};
const size_t seed_enriched_count = sizeof(seed_enriched_members) / sizeof(seed_enriched_members[0]);
