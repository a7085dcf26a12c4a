/* test_master_crash: kill -9 of the master under load — the workers follow it, clients get 503 JSON, a plain restart works. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "tests/faults/faults.h"

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

Test(master_crash, takes_the_workers_down_and_a_plain_restart_serves_again, .init = fx_setup,
     .timeout = 60)
{
	struct fx_world w;
	struct fx_load load, again;
	long log_from = fx_file_size(fx_env("CRM_FAULT_LOG"));
	int grace = fx_conf_int("shutdown_timeout", 10);
	fx_world_make(&w, "mcrash");
	pid_t master = fx_master();
	pid_t workers[64];
	size_t n = fx_children(master, workers, 64);
	cr_assert_geq(n, 1, "master %d has no workers", (int)master);

	fx_load_start(&load, &w, 2, 2);
	fx_sleep(0.6);
	double t_kill = fx_now();
	cr_assert_eq(kill(master, SIGKILL), 0, "kill -9 %d", (int)master);
	/* the workers get SIGTERM from the kernel (PR_SET_PDEATHSIG), finish and exit */
	double gone = 0;
	for (size_t i = 0; i < n && gone >= 0; i++) {
		double g = fx_wait_gone(workers[i], grace + 3.0);
		gone = g < 0 ? -1 : (g > gone ? g : gone);
	}
	double t_gone = fx_now();
	fx_sleep(0.6); /* nobody listens now */
	fx_load_stop(&load);

	const char *socket = fx_env("CRM_FAULT_SOCKET"), *pid_file = fx_env("CRM_FAULT_PID_FILE");
	int stale_socket = exists(socket), stale_pid = exists(pid_file);
	char out[4096];
	double t_start = fx_now();
	int started = fx_ctl("crm-start", NULL, out, sizeof(out));
	double ready = started == 0 ? fx_wait_ready(5) : -1;
	double t_ready = fx_now() - t_start;

	struct fx_tally pre, all, dead;
	fx_tally(&load, 0, t_kill, &pre);
	fx_tally(&load, 0, 1e18, &all);
	fx_tally(&load, t_gone + 0.05, 1e18, &dead);
	char *fails = fx_failures(&load, t_kill, 8);
	const char *skip[] = {" request ", NULL};
	char *log = fx_log_since(fx_env("CRM_FAULT_LOG"), log_from, skip, 12);
	char extra[200];
	snprintf(extra, sizeof(extra),
	         "workers gone %.3f s after the kill; restart %s (stale socket %s, stale pid file "
	         "%s), 200 after %.3f s",
	         gone, started == 0 ? "ok" : "FAILED", stale_socket ? "left" : "removed",
	         stale_pid ? "left" : "removed", t_ready);
	fx_report("master_crash", &load, extra);

	cr_assert_geq(gone, 0, "workers still run %d s after their master was killed:\n%s",
	              grace + 3, log);
	cr_assert_eq(pre.failed, 0, "requests failed before the kill:\n%s", fails);
	cr_assert_eq(all.transport, 0, "clients got no HTTP answer:\n%s", fails);
	cr_assert_eq(all.not_503_json, 0, "failures other than nginx's 502/503 JSON:\n%s\nlog:\n%s",
	             fails, log);
	cr_assert_gt(dead.total, 0, "no request was made while the pool was down");
	cr_assert_eq(dead.ok, 0, "requests succeeded with no worker running");
	cr_assert_leq(dead.max_latency, 1.0, "with the pool down a request took %.3f s",
	              dead.max_latency);

	cr_assert_eq(started, 0,
	             "crm-fcgi -c <same config> did not start after the crash (stale socket %s, "
	             "pid file %s): %s",
	             stale_socket ? "present" : "absent", stale_pid ? "present" : "absent", out);
	cr_assert_geq(ready, 0, "the restarted service does not answer 200 within 5 s:\n%s",
	              fx_log_since(fx_env("CRM_FAULT_LOG"), log_from, skip, 12));
	pid_t restarted = fx_master();
	cr_assert_neq(restarted, master, "the pid file still names the killed master");

	/* and it serves under load again, nothing lost */
	fx_load_start(&again, &w, 2, 0);
	fx_sleep(0.5);
	fx_load_stop(&again);
	struct fx_tally after;
	fx_tally(&again, 0, 1e18, &after);
	char *fails2 = fx_failures(&again, again.started, 8);
	cr_assert_eq(after.failed, 0, "requests fail after the restart:\n%s", fails2);
	cr_assert_gt(after.ok, 20, "only %zu requests after the restart", after.ok);

	size_t unreported = fx_assert_writes_durable(&load, &w);
	if (unreported > 0)
		fprintf(stderr, "faults: master_crash: %zu failed change(s) had been committed\n",
		        unreported);
	free(fails);
	free(fails2);
	free(log);
	fx_load_free(&load);
	fx_load_free(&again);
	fx_world_free(&w);
}

Test(master_crash, clients_get_503_json_with_retry_after_while_no_worker_runs, .init = fx_setup,
     .timeout = 60)
{
	struct fx_world w;
	int grace = fx_conf_int("shutdown_timeout", 10);
	fx_world_make(&w, "nopool");
	pid_t master = fx_master();
	pid_t workers[64];
	size_t n = fx_children(master, workers, 64);
	cr_assert_eq(kill(master, SIGKILL), 0, "kill -9 %d", (int)master);
	for (size_t i = 0; i < n; i++)
		cr_assert_geq(fx_wait_gone(workers[i], grace + 3.0), 0,
		              "worker %d still runs after its master was killed", (int)workers[i]);
	struct fx_resp down;
	fx_request1("GET", "/crm/customers/c-read", w.token, NULL, &down);
	char out[4096];
	int started = fx_ctl("crm-start", NULL, out, sizeof(out));
	double ready = started == 0 ? fx_wait_ready(5) : -1;
	fprintf(stderr, "faults: master_crash/no_pool: %ld after %.3f s, Retry-After %s: %s\n",
	        down.status, down.t1 - down.t0, down.retry_after ? "yes" : "no", down.body);

	cr_assert_eq(started, 0, "crm-fcgi did not start again: %s", out);
	cr_assert_geq(ready, 0, "the restarted service does not answer 200");
	cr_assert(down.error_json, "with no worker the answer is not the API's error JSON: %ld %s",
	          down.status, down.body);
	const json_t *member = json_object_get(down.json, "status");
	cr_assert(member == NULL || json_integer_value(member) == down.status,
	          "the body says status %lld but the response is %ld: %s",
	          (long long)json_integer_value(member), down.status, down.body);
	cr_assert_eq(down.status, 503, "with no worker running the client gets %ld, not 503: %s",
	             down.status, down.body);
	cr_assert(down.retry_after, "the 503 has no Retry-After");
	fx_resp_free(&down);
	fx_world_free(&w);
}
