/* test_reload: SIGHUP under load — a new generation of workers, the old one drains, not one request fails. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/faults/faults.h"

/* Waits until `workers` children of master are not in old (the old ones may still drain). */
static double new_generation_up(pid_t master, const pid_t *old, size_t n, double timeout)
{
	int want = fx_conf_int("workers", 1);
	double t0 = fx_now();
	while (fx_now() - t0 < timeout) {
		pid_t kids[64];
		size_t k = fx_children(master, kids, 64);
		int fresh = 0;
		for (size_t i = 0; i < k; i++) {
			int was_old = 0;
			for (size_t j = 0; j < n; j++)
				was_old |= kids[i] == old[j];
			fresh += !was_old;
		}
		if (fresh >= want)
			return fx_now() - t0;
		fx_sleep(0.005);
	}
	return -1;
}

Test(reload, sighup_replaces_every_worker_without_failing_a_request, .init = fx_setup,
     .timeout = 60)
{
	struct fx_world w;
	struct fx_load load;
	long log_from = fx_file_size(fx_env("CRM_FAULT_LOG"));
	int grace = fx_conf_int("shutdown_timeout", 10);
	fx_world_make(&w, "reload");
	pid_t master = fx_master();
	pid_t old[64];
	size_t n = fx_children(master, old, 64);

	fx_load_start(&load, &w, 2, 2);
	fx_sleep(0.5);
	/* one old worker is in the middle of a change (waiting for a row lock) at SIGHUP */
	MYSQL *lock = fx_lock_row(&w, FX_LOCK_0);
	struct fx_async slow;
	char path[256];
	snprintf(path, sizeof(path), "/crm/customers/%s/tags/across-reload", w.id[FX_LOCK_0]);
	fx_async_start(&slow, "POST", path, w.token);
	long waiting = fx_wait_lock_waits(1, 0.8);
	double t_hup = fx_now();
	cr_assert_eq(kill(master, SIGHUP), 0, "kill -HUP %d", (int)master);
	double spawned = new_generation_up(master, old, n, 5);
	fx_sleep(0.3);
	fx_unlock(lock);
	fx_async_join(&slow);
	double replaced = fx_wait_workers(master, old, n, grace + 3.0);
	replaced = replaced < 0 ? -1 : fx_now() - t_hup;
	double drained = 0;
	for (size_t i = 0; i < n && drained >= 0; i++) {
		double g = fx_wait_gone(old[i], grace + 3.0);
		drained = g < 0 ? -1 : fx_now() - t_hup;
	}
	fx_sleep(0.5);
	fx_load_stop(&load);

	struct fx_tally all, during;
	fx_tally(&load, 0, 1e18, &all);
	fx_tally(&load, t_hup, t_hup + replaced + 0.1, &during);
	char *fails = fx_failures(&load, t_hup, 10);
	const char *skip[] = {" request ", NULL};
	char *log = fx_log_since(fx_env("CRM_FAULT_LOG"), log_from, skip, 12);
	char extra[200];
	snprintf(extra, sizeof(extra),
	         "new workers up %.3f s after SIGHUP, old ones gone after %.3f s, %zu requests "
	         "meanwhile; the change in flight: %ld after %.3f s",
	         spawned, drained, during.total, slow.r.status, slow.r.t1 - slow.r.t0);
	fx_report("reload", &load, extra);

	cr_assert_geq(spawned, 0, "no new generation of workers within 5 s of SIGHUP:\n%s", log);
	cr_assert_geq(replaced, 0, "the workers were not all replaced within %d s:\n%s", grace + 3,
	              log);
	cr_assert_geq(drained, 0, "old workers still run %d s after SIGHUP", grace + 3);
	cr_assert_eq(fx_master(), master, "SIGHUP replaced the master itself");
	cr_assert_eq(waiting, 1, "the slow change did not reach a worker (%ld)", waiting);
	cr_assert_eq(
	        slow.r.status, 200,
	        "the change in flight on an old worker at SIGHUP got %ld: %s\nservice log:\n%s",
	        slow.r.status, slow.r.body, log);
	json_t *doc = fx_doc(&w, FX_LOCK_0);
	const json_t *tags = json_object_get(doc, "tags");
	int stored = 0;
	for (size_t i = 0; i < json_array_size(tags); i++)
		stored |= strcmp(json_string_value(json_array_get(tags, i)), "across-reload") == 0;
	cr_assert(stored, "the change answered 200 across the reload is not stored");
	json_decref(doc);
	cr_assert_eq(all.failed, 0, "%zu requests failed during the reload:\n%s\nservice log:\n%s",
	             all.failed, fails, log);
	cr_assert_gt(all.ok, 100, "the load made only %zu requests", all.ok);
	fx_assert_writes_durable(&load, &w);
	fx_resp_free(&slow.r);
	free(fails);
	free(log);
	fx_load_free(&load);
	fx_world_free(&w);
}
