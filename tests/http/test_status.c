/* test_status: the master's status listener — /status and /metrics answer while every worker is busy, and count exactly what was sent. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <mysql.h>

#include "model/stmt.h"
#include "tests/http/client.h"

#define SCOPE_RW "crm:read crm:write"

/* ---- the status listener (CRM_TEST_STATUS_SOCKET, a unix socket) ---------------- */

static json_t *status_json(const char *path)
{
	long code = 0;
	char *body = status_get("GET", path, &code, NULL);
	cr_assert_eq(code, 200, "%s: %ld %s", path, code, body);
	json_error_t e;
	json_t *j = json_loads(body, 0, &e);
	cr_assert_not_null(j, "%s is not JSON (%s): %s", path, e.text, body);
	free(body);
	return j;
}

/* The worker counts a request just before nginx sees its end: wait until
 * series reaches want (a second at most), then return what it is. */
static double sample_reaching(const char *series, double want)
{
	double v = 0;
	for (int i = 0; i < 100; i++) {
		v = metric_now(series);
		if (v >= want)
			break;
		usleep(10000);
	}
	usleep(50000);
	return metric_now(series);
}

/* ---- what every test here needs ------------------------------------------------ */

/* A tenant with one customer; its id in id (>= 32 bytes). */
static void make_tenant(const char *prefix, char *tenant, size_t cap, char *id)
{
	char t[80];
	snprintf(tenant, cap, "%s", fresh_tenant(prefix, t, sizeof(t)));
	snprintf(id, 32, "%s-c1", prefix);
	json_t *c = sample_customer(id, "Status Test BV");
	json_object_set_new(c, "ownerId", json_null());
	json_t *doc = json_pack("{s:[o]}", "customers", c);
	char *text = json_dumps(doc, JSON_COMPACT), *err = NULL;
	int rc = crmctl_import(tenant, text, &err);
	cr_assert_eq(rc, 0, "import: %s", err ? err : "");
	free(err);
	free(text);
	json_decref(doc);
}

static MYSQL *admin_db(void)
{
	MYSQL *c = mysql_init(NULL);
	cr_assert_not_null(c);
	if (mysql_real_connect(c, NULL, getenv("CRM_TEST_DB_USER"), getenv("CRM_TEST_DB_PASSWORD"),
	                       getenv("CRM_TEST_DB_NAME"), 0, getenv("CRM_TEST_DB_SOCKET"),
	                       0) == NULL)
		cr_assert_fail("cannot connect: %s", mysql_error(c));
	return c;
}

static void sql(MYSQL *c, const char *text)
{
	cr_assert_eq(mysql_query(c, text), 0, "%s: %s", text, mysql_error(c));
	mysql_free_result(mysql_store_result(c));
}

/* ---- the tests ------------------------------------------------------------------- */

/* How many of the pool's workers wait in the database on the change's lock statement
 * (as far as the scoreboard keeps it) in a status document.  An idle worker shows its
 * last request, which may have run the same statement. */
static int workers_on_lock(json_t *st)
{
	int n = 0;
	json_t *workers = json_object_get(st, "workers");
	for (size_t i = 0; i < json_array_size(workers); i++) {
		json_t *req = json_object_get(json_array_get(workers, i), "request");
		const char *shown = json_string_value(json_object_get(req, "statement"));
		const char *state = json_string_value(json_object_get(req, "state"));
		n += state != NULL && strcmp(state, "waiting_db") == 0 && shown != NULL &&
		     strlen(shown) > 20 &&
		     strncmp(shown, stmt_table[STMT_CUSTOMER_LOCK].sql, strlen(shown)) == 0;
	}
	return n;
}

struct slow_change {
	pthread_t tid;
	char path[256];
	const char *token;
	long status;
};

static void *run_change(void *arg)
{
	struct slow_change *s = arg;
	struct http *r = http_do("POST", s->path, s->token, NULL, NULL, NULL);
	s->status = r->status;
	http_free(r);
	return NULL;
}

/*
 * Both workers (2 x 1 thread in make test) wait on a row lock the test holds:
 * the master still answers at once, and shows them waiting on the database.
 */
/* cppcheck-suppress unknownMacro */
Test(status, answers_while_every_worker_is_busy, .timeout = 60)
{
	char tenant[80], id[32];
	make_tenant("stbusy", tenant, sizeof(tenant), id);
	char *token = token_for("u-st", tenant, SCOPE_RW);
	double slow_before = metric_now("crm_slow_requests_total");
	MYSQL *db = admin_db();
	sql(db, "START TRANSACTION");
	char q[256];
	snprintf(q, sizeof(q),
	         "SELECT id FROM customers WHERE tenant_id='%s' AND id='%s' FOR UPDATE", tenant,
	         id);
	sql(db, q);
	struct slow_change ch[2];
	for (int i = 0; i < 2; i++) {
		snprintf(ch[i].path, sizeof(ch[i].path), "/crm/customers/%s/tags/busy-%d", id, i);
		ch[i].token = token;
		pthread_create(&ch[i].tid, NULL, run_change, &ch[i]);
	}
	/* until both wait on the lock (10 s: the service may run under valgrind).  Not
	 * just "waiting_db": a change first tries its UPDATE without waiting for a lock,
	 * and a worker can be seen in that statement before it takes to the lock's. */
	json_t *st = status_json("/status?full");
	for (int i = 0; i < 500 && workers_on_lock(st) < 2; i++) {
		usleep(20000);
		json_decref(st);
		st = status_json("/status?full");
	}
	/* A document is not one instant: its pool figures are read before its workers,
	 * so the one that showed both on the lock may count a worker that had only just
	 * accepted.  Both now stay on the lock until the ROLLBACK: read it again. */
	json_decref(st);
	st = status_json("/status?full");
	double seconds = 0;
	long code = 0;
	char *m = status_get("GET", "/metrics", &code, &seconds);
	cr_assert_eq(code, 200);
	cr_assert_lt(seconds, 0.5, "/metrics took %.3f s with every worker busy", seconds);
	cr_assert_eq(metric_sample(m, "crm_http_requests_in_flight"), 2, "%s", m);
	cr_assert_eq(metric_sample(m, "crm_workers{state=\"waiting_db\"}"), 2, "%s", m);
	cr_assert_eq(metric_sample(m, "crm_workers_max"), 2, "%s", m);
	cr_assert_eq(json_integer_value(json_object_get(st, "active_workers")), 2);
	cr_assert_eq(json_integer_value(json_object_get(st, "idle_workers")), 0);
	cr_assert_geq(json_integer_value(json_object_get(st, "max_children_reached")), 1);
	json_t *workers = json_object_get(st, "workers");
	cr_assert_eq(json_array_size(workers), 2, "%s", json_dumps(st, 0));
	for (size_t i = 0; i < 2; i++) {
		json_t *req = json_object_get(json_array_get(workers, i), "request");
		cr_assert_str_eq(json_string_value(json_object_get(req, "state")), "waiting_db");
		cr_assert_str_eq(json_string_value(json_object_get(req, "route")),
		                 "customers.add_tag");
		cr_assert_str_eq(json_string_value(json_object_get(req, "method")), "POST");
	}
	cr_assert_eq(workers_on_lock(st), 2, "%s", json_dumps(workers, 0));
	usleep(1100 * 1000); /* past slow_request_ms (1000) */
	sql(db, "ROLLBACK");
	for (int i = 0; i < 2; i++) {
		pthread_join(ch[i].tid, NULL);
		cr_assert_eq(ch[i].status, 200, "change %d: %ld", i, ch[i].status);
	}
	cr_assert_geq(sample_reaching("crm_slow_requests_total", slow_before + 2), slow_before + 2);
	mysql_close(db);
	json_decref(st);
	free(m);
	free(token);
}

/* Exactly what was sent, by route, method and status; the histogram agrees. */
Test(status, counts_every_request_by_route_method_and_status)
{
	char tenant[80], id[32], path[128];
	make_tenant("stcount", tenant, sizeof(tenant), id);
	char *token = token_for("u-st", tenant, "crm:read");
	char *m0 = status_metrics();
	const char *ok =
	        "crm_http_requests_total{route=\"customers.get\",method=\"GET\",status=\"200\"}";
	const char *nf =
	        "crm_http_requests_total{route=\"customers.get\",method=\"GET\",status=\"404\"}";
	const char *un =
	        "crm_http_requests_total{route=\"customers.get\",method=\"GET\",status=\"401\"}";
	const char *cnt = "crm_http_request_duration_seconds_count{route=\"customers.get\"}";
	const char *inf =
	        "crm_http_request_duration_seconds_bucket{route=\"customers.get\",le=\"+Inf\"}";
	const char *missing = "crm_auth_failures_total{reason=\"missing\"}";
	snprintf(path, sizeof(path), "/crm/customers/%s", id);
	for (int i = 0; i < 7; i++)
		http_free(http_get(path, token));
	for (int i = 0; i < 3; i++)
		http_free(http_get("/crm/customers/no-such-customer", token));
	for (int i = 0; i < 2; i++)
		http_free(http_get(path, NULL));
	double want = metric_sample(m0, cnt) + 12;
	cr_assert_eq(sample_reaching(cnt, want), want);
	char *m1 = status_metrics();
	cr_assert_eq(metric_sample(m1, ok) - metric_sample(m0, ok), 7, "200s");
	cr_assert_eq(metric_sample(m1, nf) - metric_sample(m0, nf), 3, "404s");
	cr_assert_eq(metric_sample(m1, un) - metric_sample(m0, un), 2, "401s");
	cr_assert_eq(metric_sample(m1, missing) - metric_sample(m0, missing), 2, "auth failures");
	cr_assert_eq(metric_sample(m1, inf), metric_sample(m1, cnt),
	             "+Inf bucket and _count differ");
	free(m0);
	free(m1);
	free(token);
}

/* promtool (Debian's prometheus package) accepts the exposition, lint included. */
Test(status, metrics_pass_promtool_check_metrics)
{
	http_free(http_get("/health", NULL));
	char *m = status_metrics();
	char file[] = "/tmp/crm-metrics-XXXXXX";
	int fd = mkstemp(file);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, m, strlen(m)), (ssize_t)strlen(m));
	close(fd);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", file);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	char out[4096] = "";
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	int rc = pclose(p);
	unlink(file);
	cr_assert_eq(rc, 0, "promtool check metrics failed (%d):\n%s", rc, out);
	cr_assert_not_null(strstr(m, "# TYPE crm_http_request_duration_seconds histogram"));
	cr_assert_not_null(strstr(m, "# HELP crm_worker_restarts_total "));
	free(m);
}

Test(status, shows_the_pool_and_each_worker_like_php_fpm)
{
	json_t *st = status_json("/status?full");
	static const char *const keys[] = {
	        "start_time",   "accepted_conn",  "listen_queue",    "max_listen_queue",
	        "idle_workers", "active_workers", "total_workers",   "max_active",
	        "max_workers",  "slow_requests",  "worker_restarts", "max_children_reached",
	        "crash_loop",   "workers"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		cr_assert_not_null(json_object_get(st, keys[i]), "no %s", keys[i]);
	cr_assert_eq(json_integer_value(json_object_get(st, "total_workers")), 2);
	cr_assert_eq(json_integer_value(json_object_get(st, "listen_queue_len")), 1024,
	             "the backlog read through sock_diag");
	json_t *w = json_array_get(json_object_get(st, "workers"), 0);
	cr_assert_gt(json_integer_value(json_object_get(w, "pid")), 0);
	json_decref(st);
	st = status_json("/status");
	cr_assert_null(json_object_get(st, "workers"), "plain /status lists no workers");
	json_decref(st);
}

Test(status, refuses_what_it_does_not_serve)
{
	long code = 0;
	free(status_get("GET", "/nope", &code, NULL));
	cr_assert_eq(code, 404);
	free(status_get("POST", "/status", &code, NULL));
	cr_assert_eq(code, 405);
	free(status_get("HEAD", "/metrics", &code, NULL));
	cr_assert_eq(code, 200);
}

/* The access log line names the worker, the bytes sent and the database's time. */
Test(status, access_log_has_pid_bytes_and_db_time)
{
	char tenant[80], id[32], path[128];
	make_tenant("stlog", tenant, sizeof(tenant), id);
	char *token = token_for("u-st", tenant, "crm:read");
	snprintf(path, sizeof(path), "/crm/customers/%s", id);
	struct http *r = http_get(path, token);
	cr_assert_eq(r->status, 200);
	char *rid = http_header(r, "X-Request-Id");
	cr_assert_not_null(rid);
	char logpath[512], line[2048], want[128];
	snprintf(logpath, sizeof(logpath), "%s/crm-fcgi.log", getenv("CRM_TEST_VAR"));
	snprintf(want, sizeof(want), "bytes=%zu db_ms=", r->body_len);
	int found = 0;
	for (int tries = 0; tries < 50 && !found; tries++) {
		FILE *f = fopen(logpath, "r");
		cr_assert_not_null(f, "%s", logpath);
		while (fgets(line, sizeof(line), f) != NULL)
			if (strstr(line, rid) != NULL && strstr(line, " request ") != NULL) {
				found = 1;
				break;
			}
		fclose(f);
		if (!found)
			usleep(20000);
	}
	cr_assert(found, "no log line for request %s", rid);
	cr_assert_not_null(strstr(line, " pid="), "%s", line);
	cr_assert_not_null(strstr(line, want), "%s lacks %s", line, want);
	free(rid);
	http_free(r);
	free(token);
}

/* Clients that connect and send nothing fill its places for 2 s at most. */
Test(status, silent_clients_hold_no_place_for_ever, .timeout = 30)
{
	const char *path = getenv("CRM_TEST_STATUS_SOCKET");
	int fds[12];
	for (int i = 0; i < 12; i++) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		fds[i] = socket(AF_UNIX, SOCK_STREAM, 0);
		cr_assert_eq(connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	double seconds = 0;
	long code = 0;
	free(status_get("GET", "/status", &code, &seconds));
	cr_assert_eq(code, 200);
	cr_assert_lt(seconds, 4.5, "answered only after %.1f s", seconds);
	for (int i = 0; i < 12; i++)
		close(fds[i]);
}

/* What a raw connection to the status listener gets back for text (NUL-terminated, malloc'd). */
static char *raw_exchange(const char *text, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", getenv("CRM_TEST_STATUS_SOCKET"));
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	struct timeval tv = {5, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	cr_assert_eq(send(fd, text, len, MSG_NOSIGNAL), (ssize_t)len);
	char *out = calloc(1, 65536);
	size_t got = 0;
	ssize_t n;
	while (got < 65535 && (n = recv(fd, out + got, 65535 - got, 0)) > 0)
		got += (size_t)n;
	close(fd);
	return out;
}

Test(status, a_line_that_is_not_http_is_a_400)
{
	char *out = raw_exchange("hello there\r\n\r\n", 15);
	cr_assert_eq(strncmp(out, "HTTP/1.0 400 ", 13), 0, "%s", out);
	free(out);
	out = raw_exchange("GET /status HTTP/1.0\n\n", 22);
	cr_assert_eq(strncmp(out, "HTTP/1.0 200 ", 13), 0, "a head ended by LF alone: %s", out);
	free(out);
}

Test(status, a_head_longer_than_2_kib_is_dropped_unanswered)
{
	char head[4096];
	memset(head, 'a', sizeof(head));
	memcpy(head, "GET /status HTTP/1.0\r\nX: ", 25);
	char *out = raw_exchange(head, 3000);
	cr_assert_eq(out[0], '\0', "answered: %.80s", out);
	free(out);
	long code = 0;
	free(status_get("GET", "/status", &code, NULL));
	cr_assert_eq(code, 200, "the listener stopped answering");
}
