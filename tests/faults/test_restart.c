/* test_restart: starting crm-fcgi while one runs on the same socket — the newcomer refuses, the running pool keeps serving. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/faults/faults.h"

/* The stale-socket cleanup must tell a dead socket (removed) from a live one (kept). */
Test(restart, a_second_pool_on_a_live_socket_refuses_and_the_first_keeps_serving, .init = fx_setup,
     .timeout = 60)
{
	struct fx_world w;
	struct fx_load load;
	long log_from = fx_file_size(fx_env("CRM_FAULT_LOG"));
	fx_world_make(&w, "second");
	pid_t master = fx_master();
	pid_t workers[64];
	size_t n = fx_children(master, workers, 64);

	fx_load_start(&load, &w, 2, 0);
	fx_sleep(0.3);
	char out[4096];
	int rc = fx_ctl("crm-start", NULL, out, sizeof(out));
	fx_sleep(0.3);
	fx_load_stop(&load);

	struct fx_tally all;
	fx_tally(&load, 0, 1e18, &all);
	char *fails = fx_failures(&load, load.started, 6);
	const char *skip[] = {" request ", NULL};
	char *log = fx_log_since(fx_env("CRM_FAULT_LOG"), log_from, skip, 8);
	const char *last = strrchr(out, '\n');
	fprintf(stderr, "faults: restart/second_pool: second start: exit %d: %s\n", rc,
	        last ? last + 1 : out);

	cr_assert_neq(rc, 0, "a second crm-fcgi started on the live socket:\n%s", log);
	cr_assert_not_null(strstr(log, "another server is listening"),
	                   "the refusal does not say why:\n%s", log);
	cr_assert_eq(fx_read_pid(fx_env("CRM_FAULT_PID_FILE")), master,
	             "the refused start took over the pid file");
	cr_assert(fx_alive(master), "the running master is gone");
	pid_t now[64];
	cr_assert_eq(fx_children(master, now, 64), n, "the running pool lost workers");
	cr_assert_eq(memcmp(now, workers, n * sizeof(*now)), 0,
	             "the running pool's workers changed");
	cr_assert_eq(all.failed, 0, "requests failed while a second pool tried to start:\n%s",
	             fails);
	cr_assert_gt(all.ok, 20, "only %zu requests", all.ok);
	free(fails);
	free(log);
	fx_load_free(&load);
	fx_world_free(&w);
}
