/* test_db_outage: MariaDB stopped or hung under load — fast 503 + Retry-After, the same workers, recovery without a restart. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/faults/faults.h"

/* Polls until the database accepts a connection; returns when it did (fx_now()) or -1. */
static double wait_db_up(double timeout)
{
	double t0 = fx_now();
	while (fx_now() - t0 < timeout) {
		MYSQL *c = fx_db_try(NULL, 1);
		if (c != NULL) {
			mysql_close(c);
			return fx_now();
		}
		fx_sleep(0.01);
	}
	return -1;
}

static int same_workers(pid_t master, const pid_t *before, size_t n)
{
	pid_t now[64];
	size_t m = fx_children(master, now, 64);
	if (m != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (now[i] != before[i])
			return 0;
	return 1;
}

Test(db_outage, stopped_database_gives_fast_503_and_the_pool_recovers_by_itself, .init = fx_setup,
     .timeout = 90)
{
	struct fx_world w;
	struct fx_load load;
	long log_from = fx_file_size(fx_env("CRM_FAULT_LOG"));
	fx_world_make(&w, "dbstop");
	pid_t master = fx_master();
	pid_t workers[64];
	size_t n = fx_children(master, workers, 64);

	fx_load_start(&load, &w, 2, 2);
	fx_sleep(0.5);
	double t_stop = fx_now();
	char out[4096];
	int stopped = fx_ctl("db-stop", NULL, out, sizeof(out)); /* SIGTERM by pid, waits */
	double t_down = fx_now();
	fx_sleep(1.5);
	double t_launch = fx_now();
	pid_t starter = fx_ctl_spawn("db-start", NULL);
	double t_up = wait_db_up(60);
	int started = fx_ctl_wait(starter);
	fx_sleep(2.5);
	fx_load_stop(&load);

	cr_assert_eq(stopped, 0, "db-stop failed: %s", out);
	cr_assert_eq(started, 0, "MariaDB did not start again");
	cr_assert_geq(t_up, 0, "MariaDB accepts no connection after its restart");

	struct fx_tally pre, outage, all, recovered;
	fx_tally(&load, 0, t_stop, &pre);
	fx_tally(&load, t_down + 0.05, t_launch, &outage);
	fx_tally(&load, 0, 1e18, &all);
	fx_tally(&load, t_up + 2.0, 1e18, &recovered);
	const struct fx_sample *first = fx_first_with_status(&load, t_up, 200);
	char *fails = fx_failures(&load, t_stop, 6);
	const char *skip[] = {" request ", NULL};
	char *log = fx_log_since(fx_env("CRM_FAULT_LOG"), log_from, skip, 12);
	char extra[200];
	snprintf(extra, sizeof(extra),
	         "db stopped in %.3f s; outage: %zu requests, slowest %.3f s; first 200 %.3f s "
	         "after the database was back",
	         t_down - t_stop, outage.total, outage.max_latency,
	         first ? first->r.t1 - t_up : -1.0);
	fx_report("db_outage/stop", &load, extra);

	cr_assert_eq(pre.failed, 0, "requests failed before MariaDB was stopped:\n%s", fails);
	cr_assert_eq(all.transport, 0, "clients got no HTTP answer:\n%s", fails);
	cr_assert_gt(outage.total, 10, "only %zu requests while the database was down",
	             outage.total);
	cr_assert_eq(outage.ok, 0, "%zu requests succeeded with the database down", outage.ok);
	cr_assert_eq(all.not_503_json, 0,
	             "failures other than 503 in the API's error shape:\n%s\nservice log:\n%s",
	             fails, log);
	cr_assert_eq(all.no_retry, 0, "503s without Retry-After:\n%s", fails);
	cr_assert_leq(outage.max_latency, 1.0,
	              "with the database down a request took %.3f s to fail", outage.max_latency);
	cr_assert(same_workers(master, workers, n) && fx_alive(master),
	          "the pool was restarted: the master or its workers changed:\n%s", log);
	cr_assert_not_null(first, "no request succeeded after MariaDB came back:\n%s", log);
	cr_assert_leq(first->r.t1 - t_up, 2.0,
	              "the first 200 came %.3f s after the database was back (limit 2 s)",
	              first->r.t1 - t_up);
	cr_assert_eq(recovered.failed, 0, "requests still fail 2 s after the database is back:\n%s",
	             fails);

	size_t unreported = fx_assert_writes_durable(&load, &w);
	if (unreported > 0)
		fprintf(stderr, "faults: db_outage/stop: %zu failed change(s) had been committed\n",
		        unreported);
	free(fails);
	free(log);
	fx_load_free(&load);
	fx_world_free(&w);
}

/* Waits (up to 2 s) until every thread of pid has stopped: kill(SIGSTOP) returns before a
 * thread busy on the other core has, and on a loaded machine it answered one more request. */
static void wait_stopped(pid_t pid)
{
	char path[64];
	for (int n = 0; n < 200; n++) {
		snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
		DIR *d = opendir(path);
		cr_assert_not_null(d, "%s", path);
		int running = 0;
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char stat[300], buf[512];
			snprintf(stat, sizeof(stat), "/proc/%d/task/%s/stat", (int)pid, e->d_name);
			FILE *f = fopen(stat, "r");
			size_t len = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
			if (f)
				fclose(f);
			buf[len] = '\0';
			const char *state = strrchr(buf, ')'); /* the state follows "(comm) " */
			if (state != NULL && state[1] == ' ' && state[2] != 'T' && state[2] != 't')
				running++;
		}
		closedir(d);
		if (running == 0)
			return;
		fx_sleep(0.01);
	}
	cr_assert_fail("MariaDB (pid %d) did not stop within 2 s of SIGSTOP", (int)pid);
}

Test(db_outage, hung_database_gives_bounded_503_and_the_pool_recovers_by_itself, .init = fx_setup,
     .timeout = 90)
{
	struct fx_world w;
	struct fx_load load;
	long log_from = fx_file_size(fx_env("CRM_FAULT_LOG"));
	/* the worst a request may wait on a silent server: the statement's I/O
	 * timeout (db_query_timeout + 2), then a reconnect (db_connect_timeout) */
	double bound =
	        fx_conf_int("db_query_timeout", 5) + 2 + fx_conf_int("db_connect_timeout", 2) + 1.0;
	fx_world_make(&w, "dbhang");
	pid_t master = fx_master();
	pid_t workers[64];
	size_t n = fx_children(master, workers, 64);
	pid_t db = fx_db_pid();

	fx_load_start(&load, &w, 1, 0);
	fx_sleep(0.3);
	double t_stop = fx_now();
	cr_assert_eq(kill(db, SIGSTOP), 0, "kill -STOP %d", (int)db);
	wait_stopped(db);
	struct fx_resp probe; /* the test thread's own request, on a server that does not answer */
	fx_request1("GET", "/crm/customers/c-read", w.token, NULL, &probe);
	fx_sleep(bound - (fx_now() - t_stop) > 0 ? bound - (fx_now() - t_stop) : 0);
	double t_cont = fx_now();
	cr_assert_eq(kill(db, SIGCONT), 0, "kill -CONT %d", (int)db);
	double t_back = -1;
	struct fx_resp r = {0};
	while (fx_now() - t_cont < bound + 5) {
		fx_resp_free(&r);
		fx_request1("GET", "/crm/customers/c-read", w.token, NULL, &r);
		if (r.status == 200) {
			t_back = r.t1;
			break;
		}
		fx_sleep(0.02);
	}
	fx_resp_free(&r);
	fx_load_stop(&load);

	struct fx_tally all;
	fx_tally(&load, 0, 1e18, &all);
	char *fails = fx_failures(&load, t_stop, 6);
	const char *skip[] = {" request ", NULL};
	char *log = fx_log_since(fx_env("CRM_FAULT_LOG"), log_from, skip, 12);
	char extra[240];
	snprintf(extra, sizeof(extra),
	         "probe during the hang: %ld after %.3f s; slowest request %.3f s (bound %.1f s); "
	         "first 200 %.3f s after SIGCONT",
	         probe.status, probe.t1 - probe.t0, all.max_latency, bound,
	         t_back < 0 ? -1.0 : t_back - t_cont);
	fx_report("db_outage/hang", &load, extra);

	cr_assert_eq(probe.status, 503, "with MariaDB hung a read got %ld after %.3f s: %s\n%s",
	             probe.status, probe.t1 - probe.t0, probe.body, log);
	cr_assert(probe.error_json && probe.retry_after,
	          "the 503 is not the API's error with Retry-After: %s", probe.body);
	cr_assert_leq(probe.t1 - probe.t0, bound,
	              "with MariaDB hung a read held its worker %.3f s (bound %.1f s)",
	              probe.t1 - probe.t0, bound);
	cr_assert_eq(all.transport, 0, "clients got no HTTP answer:\n%s", fails);
	cr_assert_leq(all.max_latency, bound,
	              "a request took %.3f s with MariaDB hung (bound %.1f s)", all.max_latency,
	              bound);
	cr_assert_eq(all.not_503_json, 0, "failures other than 503 JSON:\n%s\nservice log:\n%s",
	             fails, log);
	cr_assert_eq(all.no_retry, 0, "503s without Retry-After:\n%s", fails);
	cr_assert_geq(t_back, 0, "no 200 within %.1f s after MariaDB resumed:\n%s", bound + 5, log);
	cr_assert(same_workers(master, workers, n) && fx_alive(master),
	          "the pool was restarted: the master or its workers changed:\n%s", log);
	free(fails);
	free(log);
	fx_resp_free(&probe);
	fx_load_free(&load);
	fx_world_free(&w);
}
