/* test_shutdown: SIGTERM under load — requests in flight complete with 200, crm-fcgi exits 0 in time and cleans up. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "tests/faults/faults.h"

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

Test(shutdown, sigterm_lets_requests_in_flight_finish_and_exits_0, .init = fx_setup, .timeout = 60)
{
	struct fx_world w;
	struct fx_load load;
	struct fx_async slow[2];
	long log_from = fx_file_size(fx_env("CRM_FAULT_LOG"));
	const char *socket = fx_env("CRM_FAULT_SOCKET"), *pid_file = fx_env("CRM_FAULT_PID_FILE");
	int workers = fx_conf_int("workers", 1), threads = fx_conf_int("threads", 1);
	cr_assert_eq(workers * threads, 2,
	             "this test occupies every accepting thread with one slow request: it "
	             "expects 2 in all, the configuration has %d",
	             workers * threads);
	fx_world_make(&w, "term");
	pid_t master = fx_master();

	fx_load_start(&load, &w, 1, 0);
	fx_sleep(0.3);
	/* Hold the rows; a tag change on each then waits inside a worker. */
	MYSQL *lock[2] = {fx_lock_row(&w, FX_LOCK_0), fx_lock_row(&w, FX_LOCK_1)};
	for (int i = 0; i < 2; i++) {
		char path[256];
		snprintf(path, sizeof(path), "/crm/customers/%s/tags/in-flight",
		         w.id[FX_LOCK_0 + i]);
		fx_async_start(&slow[i], "POST", path, w.token);
	}
	long waiting = fx_wait_lock_waits(2, 0.8);

	double t_term = fx_now();
	cr_assert_eq(kill(master, SIGTERM), 0, "kill -TERM %d", (int)master);
	fx_sleep(0.3);
	fx_unlock(lock[0]);
	fx_unlock(lock[1]);
	double t_release = fx_now();
	/* watch the socket go and the process end */
	double t_sock_gone = -1;
	char status[64] = "";
	const char *exit_file = fx_env("CRM_FAULT_EXIT_FILE");
	while (fx_now() - t_term < 12) {
		if (t_sock_gone < 0 && !exists(socket))
			t_sock_gone = fx_now();
		FILE *f = fopen(exit_file, "r");
		if (f != NULL) {
			int got = fgets(status, sizeof(status), f) != NULL;
			fclose(f);
			if (got && status[0] != '\0')
				break;
		}
		fx_sleep(0.005);
	}
	double t_exit = status[0] ? fx_now() : -1;
	status[strcspn(status, "\n")] = '\0';
	if (t_sock_gone < 0 && !exists(socket))
		t_sock_gone = fx_now();
	for (int i = 0; i < 2; i++)
		fx_async_join(&slow[i]);
	fx_sleep(0.2);
	fx_load_stop(&load);
	int leftover_socket = exists(socket), leftover_pid = exists(pid_file);

	struct fx_tally pre, all;
	fx_tally(&load, 0, t_term, &pre);
	fx_tally(&load, 0, 1e18, &all);
	char *fails = fx_failures(&load, t_term, 8);
	const char *skip[] = {" request ", NULL};
	char *log = fx_log_since(fx_env("CRM_FAULT_LOG"), log_from, skip, 12);
	char extra[300];
	snprintf(extra, sizeof(extra),
	         "%ld changes waiting on locks at SIGTERM, answered %ld/%ld after %.3f/%.3f s; "
	         "socket gone %.3f s and exit status %s %.3f s after SIGTERM",
	         waiting, slow[0].r.status, slow[1].r.status, slow[0].r.t1 - slow[0].r.t0,
	         slow[1].r.t1 - slow[1].r.t0, t_sock_gone < 0 ? -1.0 : t_sock_gone - t_term,
	         status[0] ? status : "none", t_exit < 0 ? -1.0 : t_exit - t_term);
	fx_report("shutdown", &load, extra);

	cr_assert_eq(waiting, 2, "the two changes did not reach the workers (lock waits: %ld)",
	             waiting);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(slow[i].r.status, 200,
		             "a change in flight at SIGTERM got %ld after %.3f s (locks released "
		             "%.3f s after SIGTERM): %s\nservice log:\n%s",
		             slow[i].r.status, slow[i].r.t1 - slow[i].r.t0, t_release - t_term,
		             slow[i].r.body, log);
		json_t *doc = fx_doc(&w, FX_LOCK_0 + i);
		const json_t *tags = json_object_get(doc, "tags");
		int has = 0;
		for (size_t j = 0; j < json_array_size(tags); j++)
			has |= strcmp(json_string_value(json_array_get(tags, j)), "in-flight") == 0;
		cr_assert(has, "the change answered 200 during the drain is not stored");
		json_decref(doc);
	}
	cr_assert(status[0] != '\0', "crm-fcgi still runs 12 s after SIGTERM:\n%s", log);
	cr_assert_str_eq(status, "0", "crm-fcgi exited with status %s after SIGTERM:\n%s", status,
	                 log);
	cr_assert_leq(t_exit - t_term, 10.0, "crm-fcgi took %.3f s to exit", t_exit - t_term);
	cr_assert(!leftover_socket, "the socket %s is left behind after a clean stop", socket);
	cr_assert(!leftover_pid, "the pid file %s is left behind after a clean stop", pid_file);
	cr_assert_eq(pre.failed, 0, "requests failed before SIGTERM:\n%s", fails);
	cr_assert_eq(all.transport, 0, "clients got no HTTP answer:\n%s", fails);
	cr_assert_eq(all.not_503_json, 0, "failures other than nginx's 503 JSON:\n%s", fails);
	cr_assert(all.failed == 0 || (t_sock_gone >= 0 && all.first_fail_t1 >= t_sock_gone - 0.05),
	          "a request failed %.3f s after SIGTERM, before the listening socket was gone "
	          "(%.3f s):\n%s",
	          all.first_fail_t1 - t_term, t_sock_gone - t_term, fails);

	/* leave the service running for the next test */
	char out[4096];
	cr_assert_eq(fx_ctl("crm-start", NULL, out, sizeof(out)), 0,
	             "crm-fcgi did not start again: %s", out);
	cr_assert_geq(fx_wait_ready(5), 0, "the restarted service does not answer 200");
	free(fails);
	free(log);
	for (int i = 0; i < 2; i++)
		fx_resp_free(&slow[i].r);
	fx_load_free(&load);
	fx_world_free(&w);
}
