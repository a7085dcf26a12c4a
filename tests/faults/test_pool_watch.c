/* test_pool_watch: the master's scoreboard under faults — kill -9 keeps the totals, the watchdog, max_requests and the crash-loop guard. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>

#include "tests/faults/faults.h"

/* ---- the status listener (CRM_FAULT_STATUS_SOCKET) ------------------------------- */

struct got {
	char *data;
	size_t len;
};

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	struct got *g = arg;
	char *grown = realloc(g->data, g->len + size * n + 1);
	if (grown == NULL)
		return 0;
	memcpy(grown + g->len, p, size * n);
	g->data = grown;
	g->len += size * n;
	g->data[g->len] = '\0';
	return size * n;
}

/* GET path from the master's status listener; the body (malloc'd). */
static char *status_get(const char *path)
{
	char url[128];
	snprintf(url, sizeof(url), "http://localhost%s", path);
	struct got g = {calloc(1, 1), 0};
	CURL *h = curl_easy_init();
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, fx_env("CRM_FAULT_STATUS_SOCKET"));
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &g);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 5L);
	CURLcode rc = curl_easy_perform(h);
	long code = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	cr_assert(rc == CURLE_OK && code == 200, "GET %s: %s %ld", path, curl_easy_strerror(rc),
	          code);
	return g.data;
}

static json_t *status(void)
{
	char *body = status_get("/status?full");
	json_t *j = json_loads(body, 0, NULL);
	cr_assert_not_null(j, "/status is not JSON: %s", body);
	free(body);
	return j;
}

static long long status_int(const char *key)
{
	json_t *j = status();
	long long v = json_integer_value(json_object_get(j, key));
	json_decref(j);
	return v;
}

/* The sum of every sample of family name (its lines "name{...} value" or "name value"). */
static double family_sum(const char *text, const char *name)
{
	double sum = 0;
	size_t n = strlen(name);
	for (const char *p = text; p != NULL && *p != '\0';) {
		if (strncmp(p, name, n) == 0 && (p[n] == '{' || p[n] == ' ')) {
			const char *sp = strchr(p, ' ');
			const char *close = strchr(p, '}');
			const char *nl = strchr(p, '\n');
			if (close != NULL && (nl == NULL || close < nl))
				sp = strchr(close, ' ');
			if (sp != NULL)
				sum += strtod(sp + 1, NULL);
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return sum;
}

/* ---- the configuration, changed for one test and put back (faults.c) ---------- */

/* The value of a string key of the configuration (the last line wins), in out. */
static void conf_string(const char *key, char *out, size_t cap)
{
	FILE *f = fopen(fx_env("CRM_TEST_CONF"), "r");
	cr_assert_not_null(f);
	char line[1024];
	size_t klen = strlen(key);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, klen) != 0 || strchr(" =", line[klen]) == NULL)
			continue;
		char *v = strchr(line, '=');
		if (v == NULL)
			continue;
		v++;
		while (*v == ' ')
			v++;
		v[strcspn(v, "\r\n")] = '\0';
		snprintf(out, cap, "%s", v);
	}
	fclose(f);
}

/* ---- the tests ------------------------------------------------------------------- */

/* The totals live beside the workers, not in them: a kill -9 loses none. */
Test(pool_watch, kill_9_of_a_worker_keeps_every_total, .init = fx_setup, .timeout = 60)
{
	struct fx_world w;
	fx_world_make(&w, "wtotal");
	char path[128];
	snprintf(path, sizeof(path), "/crm/customers/%s", w.id[FX_READ]);
	for (int i = 0; i < 20; i++) {
		struct fx_resp r;
		fx_request1("GET", path, w.token, NULL, &r);
		cr_assert_eq(r.status, 200);
		fx_resp_free(&r);
	}
	fx_sleep(0.2);
	char *before = status_get("/metrics");
	long long served = status_int("requests"), restarts = status_int("worker_restarts");
	pid_t master = fx_master(), kids[64];
	size_t n = fx_children(master, kids, 64);
	cr_assert_geq(n, 1);
	cr_assert_eq(kill(kids[0], SIGKILL), 0);
	cr_assert_geq(fx_wait_workers(master, kids, 1, 5), 0, "worker %d was not replaced",
	              (int)kids[0]);
	fx_sleep(0.3);
	char *after = status_get("/metrics");
	static const char *const families[] = {
	        "crm_http_requests_total", "crm_http_request_duration_seconds_count",
	        "crm_accepted_connections_total", "crm_auth_failures_total", "crm_db_errors_total"};
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		cr_assert_eq(family_sum(after, families[i]), family_sum(before, families[i]),
		             "%s changed across the kill: %.0f -> %.0f", families[i],
		             family_sum(before, families[i]), family_sum(after, families[i]));
	cr_assert_geq(family_sum(before, "crm_http_requests_total"), 20);
	cr_assert_eq(status_int("requests"), served, "requests answered changed across the kill");
	cr_assert_eq(status_int("worker_restarts"), restarts + 1);
	free(before);
	free(after);
	fx_world_free(&w);
}

/* request_timeout: a request held past it gets its worker killed and replaced. */
Test(pool_watch, request_timeout_replaces_the_stuck_worker, .init = fx_setup, .timeout = 60)
{
	/* the lock wait outlasts the timeout by far: only the watchdog ends the request */
	long conf = fx_conf_push(
	        "request_timeout = 1\ndb_lock_wait_timeout = 5\ndb_query_timeout = 5\n");
	struct fx_world w;
	fx_world_make(&w, "wstuck");
	long log_from = fx_file_size(fx_env("CRM_FAULT_LOG"));
	long long timeouts = status_int("request_timeouts");
	pid_t master = fx_master(), kids[64];
	size_t n = fx_children(master, kids, 64);
	/* a change that waits on a row lock for 5 s */
	MYSQL *lock = fx_lock_row(&w, FX_LOCK_0);
	struct fx_async a;
	char path[128];
	snprintf(path, sizeof(path), "/crm/customers/%s/tags/stuck", w.id[FX_LOCK_0]);
	fx_async_start(&a, "POST", path, w.token);
	fx_async_join(&a);
	fx_unlock(lock);
	const char *skip[] = {" request ", NULL};
	char *log = fx_log_since(fx_env("CRM_FAULT_LOG"), log_from, skip, 10);
	cr_assert(a.r.status == 502 || a.r.status == 503, "the stuck request got %ld:\n%s",
	          a.r.status, log);
	cr_assert_lt(a.r.t1 - a.r.t0, 4, "answered after %.2f s", a.r.t1 - a.r.t0);
	cr_assert_not_null(strstr(log, "request_timeout 1 s"), "no watchdog line:\n%s", log);
	cr_assert_not_null(strstr(log, "customers.add_tag"), "%s", log);
	cr_assert_geq(fx_wait_workers(master, NULL, 0, 5), 0);
	pid_t now[64];
	size_t m = fx_children(master, now, 64);
	int replaced = 0;
	for (size_t i = 0; i < m; i++) {
		int old = 0;
		for (size_t j = 0; j < n; j++)
			old |= now[i] == kids[j];
		replaced += !old;
	}
	cr_assert_eq(replaced, 1, "%d workers are new; the stuck one alone should be", replaced);
	cr_assert_eq(status_int("request_timeouts"), timeouts + 1);
	cr_assert_geq(fx_wait_ready(5), 0, "the pool does not answer after the watchdog");
	free(log);
	fx_resp_free(&a.r);
	fx_world_free(&w);
	cr_assert_eq(fx_conf_restore(conf), 0);
}

/* max_requests: workers retire under load, drained like on SIGHUP: nothing fails. */
Test(pool_watch, max_requests_retires_workers_without_a_failed_request, .init = fx_setup,
     .timeout = 90)
{
	long conf = fx_conf_push("max_requests = 50\n");
	long long retired = status_int("retired_after_max_requests");
	struct fx_world w;
	fx_world_make(&w, "wretire");
	struct fx_load load;
	fx_load_start(&load, &w, 2, 2);
	fx_sleep(4);
	fx_load_stop(&load);
	struct fx_tally all;
	fx_tally(&load, 0, 1e18, &all);
	char *fails = fx_failures(&load, load.started, 10);
	long long now = status_int("retired_after_max_requests");
	char extra[200];
	snprintf(extra, sizeof(extra), "%lld workers retired after 50 requests", now - retired);
	fx_report("max_requests", &load, extra);
	cr_assert_gt(all.ok, 300, "the load made only %zu requests", all.ok);
	cr_assert_eq(all.failed, 0, "%zu requests failed while workers retired:\n%s", all.failed,
	             fails);
	cr_assert_geq(now - retired, all.ok / 50 - 2, "only %lld retirements for %zu requests",
	              now - retired, all.ok);
	fx_assert_writes_durable(&load, &w);
	free(fails);
	fx_load_free(&load);
	fx_world_free(&w);
	cr_assert_eq(fx_conf_restore(conf), 0);
}

static void set_app_password(const char *password)
{
	MYSQL *root = fx_db("root");
	char sql[256];
	snprintf(sql, sizeof(sql), "ALTER USER 'crm_app'@'localhost' IDENTIFIED BY '%s'", password);
	fx_db_exec(root, sql);
	mysql_close(root);
}

/* Waits up to timeout s until /status's crash_loop.backing_off is want; 1 when it is. */
static int wait_backing_off(int want, double timeout)
{
	double t0 = fx_now();
	do {
		json_t *st = status();
		int on = json_is_true(
		        json_object_get(json_object_get(st, "crash_loop"), "backing_off"));
		json_decref(st);
		if (on == want)
			return 1;
		fx_sleep(0.1);
	} while (fx_now() - t0 < timeout);
	return 0;
}

/*
 * The database refuses the service's password: every new worker ends at
 * start.  The master backs off (logged, in /status and /metrics) instead of
 * forking in a loop, and once the password is right again the pool is back
 * without anybody's help.
 */
Test(pool_watch, crash_loop_backs_off_and_recovers_by_itself, .init = fx_setup, .timeout = 90)
{
	long conf = fx_conf_push("crash_loop_threshold = 2\ncrash_loop_interval = 3\n"
	                         "crash_loop_max_backoff = 2\n");
	char password[256];
	conf_string("db_password", password, sizeof(password));
	cr_assert_neq(password[0], '\0', "no db_password in the configuration");
	long log_from = fx_file_size(fx_env("CRM_FAULT_LOG"));
	set_app_password("not-the-configured-one");
	pid_t master = fx_master(), kids[64];
	size_t n = fx_children(master, kids, 64);
	for (size_t i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	int backed_off = wait_backing_off(1, 15);
	char *m = status_get("/metrics");
	double backoff = family_sum(m, "crm_crash_loop_backoff_seconds");
	set_app_password(password);
	const char *skip[] = {" request ", NULL};
	char *log = fx_log_since(fx_env("CRM_FAULT_LOG"), log_from, skip, 12);
	cr_assert(backed_off, "/status never showed the back-off:\n%s", log);
	cr_assert_gt(backoff, 0, "crm_crash_loop_backoff_seconds is 0 during the loop");
	cr_assert_not_null(strstr(log, "crash loop:"), "the back-off is not logged:\n%s", log);
	cr_assert_not_null(strstr(log, "refuses this worker"), "%s", log);
	/* recovery: the next fork after the pause works, and the loop is declared over */
	cr_assert_geq(fx_wait_ready(15), 0, "the pool did not recover:\n%s", log);
	cr_assert(wait_backing_off(0, 10), "the back-off did not end after the cause went");
	cr_assert_geq(fx_wait_workers(master, NULL, 0, 10), 0);
	free(m);
	free(log);
	cr_assert_eq(fx_conf_restore(conf), 0);
}

/*
 * queue_timeout: with every worker held, a request waits in the socket's
 * backlog; once taken, having waited longer than queue_timeout (measured
 * from nginx's $msec, REQUEST_START), it is answered 503 + Retry-After at
 * once, never handled late.
 */
Test(pool_watch, queue_timeout_answers_a_request_that_waited_too_long_503, .init = fx_setup,
     .timeout = 60)
{
	/* the held changes wait out the test, whatever the machine's load */
	long conf = fx_conf_push(
	        "queue_timeout = 1\ndb_lock_wait_timeout = 10\ndb_query_timeout = 10\n");
	struct fx_world w;
	fx_world_make(&w, "wqueue");
	long long before = status_int("queue_timeouts");
	MYSQL *lock[2] = {fx_lock_row(&w, FX_LOCK_0), fx_lock_row(&w, FX_LOCK_1)};
	struct fx_async hold[2], late;
	for (int i = 0; i < 2; i++) {
		char path[128];
		snprintf(path, sizeof(path), "/crm/customers/%s/tags/held", w.id[FX_LOCK_0 + i]);
		fx_async_start(&hold[i], "POST", path, w.token);
	}
	long waiting = fx_wait_lock_waits(2, 1);
	char path[128];
	snprintf(path, sizeof(path), "/crm/customers/%s", w.id[FX_READ]);
	fx_async_start(&late, "GET", path, w.token);
	fx_sleep(1.3);
	json_t *st = status();
	long long queued = json_integer_value(json_object_get(st, "listen_queue"));
	json_decref(st);
	fx_unlock(lock[0]);
	fx_unlock(lock[1]);
	for (int i = 0; i < 2; i++)
		fx_async_join(&hold[i]);
	fx_async_join(&late);
	cr_assert_eq(waiting, 2, "the two held changes did not reach the workers");
	cr_assert_geq(queued, 1, "/status showed no request in the listen queue");
	cr_assert_eq(hold[0].r.status, 200);
	cr_assert_eq(hold[1].r.status, 200);
	cr_assert_eq(late.r.status, 503, "the late request got %ld: %s", late.r.status,
	             late.r.body);
	cr_assert(late.r.retry_after, "no Retry-After on the 503");
	cr_assert_eq(status_int("queue_timeouts"), before + 1);
	for (int i = 0; i < 2; i++)
		fx_resp_free(&hold[i].r);
	fx_resp_free(&late.r);
	fx_world_free(&w);
	cr_assert_eq(fx_conf_restore(conf), 0);
}
