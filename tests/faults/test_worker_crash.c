/* test_worker_crash: kill -9 of one worker under load — replaced at once, only its request in flight fails, nothing committed is lost. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/faults/faults.h"

static int has_tag(const struct fx_world *w, enum fx_customer who, const char *tag)
{
	json_t *doc = fx_doc(w, who);
	const json_t *tags = json_object_get(doc, "tags");
	int has = 0;
	for (size_t i = 0; i < json_array_size(tags); i++)
		has |= strcmp(json_string_value(json_array_get(tags, i)), tag) == 0;
	json_decref(doc);
	return has;
}

/*
 * Every accepting thread is given a change that waits for a row lock, so a
 * request is surely in flight on the worker that is killed; the background
 * load queues meanwhile and must be served by the replacement.
 */
Test(worker_crash, is_replaced_at_once_and_fails_only_its_request_in_flight, .init = fx_setup,
     .timeout = 60)
{
	struct fx_world w;
	struct fx_load load;
	struct fx_async slow[2];
	long log_from = fx_file_size(fx_env("CRM_FAULT_LOG"));
	int workers = fx_conf_int("workers", 1), threads = fx_conf_int("threads", 1);
	cr_assert_eq(workers * threads, 2,
	             "this test gives each of 2 accepting threads a slow request; the "
	             "configuration has %d",
	             workers * threads);
	fx_world_make(&w, "wcrash");
	pid_t master = fx_master();
	pid_t before[64];
	size_t n = fx_children(master, before, 64);
	json_t *doc_before[2] = {fx_doc(&w, FX_LOCK_0), fx_doc(&w, FX_LOCK_1)};

	fx_load_start(&load, &w, 2, 2);
	fx_sleep(0.5);
	MYSQL *lock[2] = {fx_lock_row(&w, FX_LOCK_0), fx_lock_row(&w, FX_LOCK_1)};
	for (int i = 0; i < 2; i++) {
		char path[256];
		snprintf(path, sizeof(path), "/crm/customers/%s/tags/in-flight",
		         w.id[FX_LOCK_0 + i]);
		fx_async_start(&slow[i], "POST", path, w.token);
	}
	long waiting = fx_wait_lock_waits(2, 0.8);

	pid_t victim = before[0];
	double t_kill = fx_now();
	cr_assert_eq(kill(victim, SIGKILL), 0, "kill -9 %d", (int)victim);
	double replaced = fx_wait_workers(master, &victim, 1, 5);
	fx_sleep(0.2);
	fx_unlock(lock[0]);
	fx_unlock(lock[1]);
	fx_async_join(&slow[0]);
	fx_async_join(&slow[1]);
	fx_sleep(0.6);
	fx_load_stop(&load);

	pid_t after[64];
	size_t m = fx_children(master, after, 64);
	struct fx_tally pre, all;
	fx_tally(&load, 0, t_kill, &pre);
	fx_tally(&load, 0, 1e18, &all);
	char *fails = fx_failures(&load, t_kill, 10);
	const char *skip[] = {" request ", NULL};
	char *log = fx_log_since(fx_env("CRM_FAULT_LOG"), log_from, skip, 10);
	char extra[300];
	snprintf(extra, sizeof(extra),
	         "%ld changes in flight; worker %d replaced after %.3f s; the two changes "
	         "answered %ld and %ld",
	         waiting, (int)victim, replaced, slow[0].r.status, slow[1].r.status);
	fx_report("worker_crash", &load, extra);

	cr_assert_eq(waiting, 2, "the two slow changes did not reach the workers (%ld)", waiting);
	cr_assert_geq(replaced, 0, "the master did not replace worker %d within 5 s:\n%s",
	              (int)victim, log);
	cr_assert_leq(replaced, 1.0, "the master replaced worker %d only after %.3f s", (int)victim,
	              replaced);
	cr_assert(!fx_alive(victim), "worker %d survived kill -9", (int)victim);
	for (size_t i = 1; i < n; i++) {
		int kept = 0;
		for (size_t j = 0; j < m; j++)
			kept |= after[j] == before[i];
		cr_assert(kept, "worker %d, which was not killed, is gone", (int)before[i]);
	}

	/* exactly the change on the killed worker failed, as nginx's JSON error */
	int lost = -1;
	for (int i = 0; i < 2; i++) {
		const struct fx_resp *r = &slow[i].r;
		if (r->status == 200)
			continue;
		cr_assert_eq(lost, -1, "both changes in flight failed (%ld, %ld):\n%s",
		             slow[0].r.status, slow[1].r.status, log);
		lost = i;
		cr_assert((r->status == 502 || r->status == 503) && r->error_json,
		          "the change in flight on the killed worker got %ld: %s", r->status,
		          r->body);
	}
	cr_assert_neq(lost, -1, "no change in flight failed although its worker was killed");
	cr_assert(!has_tag(&w, FX_LOCK_0 + lost, "in-flight"),
	          "the change of the killed worker was stored although it never committed");
	json_t *doc = fx_doc(&w, FX_LOCK_0 + lost);
	cr_assert(json_equal(doc, doc_before[lost]), "the killed worker's customer changed");
	json_decref(doc);
	cr_assert(has_tag(&w, FX_LOCK_0 + !lost, "in-flight"),
	          "the change answered 200 by the surviving worker is not stored");

	/* the queued load was served by the survivor and the replacement */
	cr_assert_eq(pre.failed, 0, "requests failed before the kill:\n%s", fails);
	cr_assert_eq(all.transport, 0, "clients got no HTTP answer:\n%s", fails);
	cr_assert_eq(all.not_503_json, 0,
	             "failures other than nginx's 502/503 JSON:\n%s\nservice log:\n%s", fails, log);
	cr_assert_leq(all.failed + 1, (size_t)threads,
	              "%zu load requests failed besides the slow change; only the %d accepting "
	              "thread(s) of the killed worker had requests in flight:\n%s",
	              all.failed, threads, fails);
	cr_assert_gt(all.ok, 100, "the load made only %zu good requests", all.ok);

	size_t unreported = fx_assert_writes_durable(&load, &w);
	if (unreported > 0)
		fprintf(stderr, "faults: worker_crash: %zu failed change(s) had been committed\n",
		        unreported);
	json_decref(doc_before[0]);
	json_decref(doc_before[1]);
	for (int i = 0; i < 2; i++)
		fx_resp_free(&slow[i].r);
	free(fails);
	free(log);
	fx_load_free(&load);
	fx_world_free(&w);
}
