/* test_slow_db: a row held by another session, a table locked — the request gets 503 in bounded time, the other workers keep serving. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/faults/faults.h"

#define NEXT_ACTION_BODY "{\"nextAction\":\"Call back about the quote\"}"

/* Asserts r is the API's 503 with Retry-After. */
static void assert_503(const struct fx_resp *r, const char *what, const char *log)
{
	cr_assert_eq(r->status, 503, "%s: got %ld after %.3f s: %s\nservice log:\n%s", what,
	             r->status, r->t1 - r->t0, r->body, log);
	cr_assert(r->error_json, "%s: the 503 is not in the API's error shape: %s", what, r->body);
	cr_assert(r->retry_after, "%s: the 503 has no Retry-After", what);
}

Test(slow_db, change_of_a_locked_customer_gives_503_after_the_lock_wait_and_others_are_served,
     .init = fx_setup, .timeout = 60)
{
	struct fx_world w;
	struct fx_load load;
	long log_from = fx_file_size(fx_env("CRM_FAULT_LOG"));
	double wait = fx_conf_int("db_lock_wait_timeout", 3);
	double expect = wait * (fx_conf_int("db_retries", 3) + 1);
	fx_world_make(&w, "rowlock");
	char path[256];
	snprintf(path, sizeof(path), "/crm/customers/%s/next-action", w.id[FX_LOCK_0]);
	char *row_before = fx_row(&w, FX_LOCK_0);
	json_t *doc_before = fx_doc(&w, FX_LOCK_0);

	MYSQL *lock = fx_lock_row(&w, FX_LOCK_0);
	fx_load_start(&load, &w, 2, 0);
	fx_sleep(0.3);
	struct fx_resp held;
	fx_request1("PATCH", path, w.token, NEXT_ACTION_BODY, &held);
	fx_sleep(0.2);
	fx_load_stop(&load);
	char *row_during = fx_row(&w, FX_LOCK_0);
	fx_unlock(lock);
	struct fx_resp freed;
	fx_request1("PATCH", path, w.token, NEXT_ACTION_BODY, &freed);

	struct fx_tally meanwhile;
	fx_tally(&load, held.t0, held.t1, &meanwhile);
	char *fails = fx_failures(&load, held.t0, 6);
	const char *skip[] = {" request ", NULL};
	char *log = fx_log_since(fx_env("CRM_FAULT_LOG"), log_from, skip, 8);
	char extra[240];
	snprintf(extra, sizeof(extra),
	         "PATCH on the locked row: %ld after %.3f s (expected ~%.1f s); %zu other "
	         "requests meanwhile, slowest %.3f s; after the release: %ld",
	         held.status, held.t1 - held.t0, expect, meanwhile.total, meanwhile.max_latency,
	         freed.status);
	fx_report("slow_db/row_lock", &load, extra);

	assert_503(&held, "PATCH of a row locked by another session", log);
	cr_assert(
	        held.t1 - held.t0 >= expect - 0.3 && held.t1 - held.t0 <= expect + 1.5,
	        "the PATCH failed after %.3f s; db_lock_wait_timeout x (db_retries + 1) is %.1f s",
	        held.t1 - held.t0, expect);
	cr_assert_gt(meanwhile.total, 10, "only %zu other requests were served meanwhile",
	             meanwhile.total);
	cr_assert_eq(meanwhile.failed, 0, "other requests failed while one worker waited:\n%s",
	             fails);
	cr_assert_leq(meanwhile.max_latency, 1.0,
	              "another request took %.3f s while one worker waited on the lock",
	              meanwhile.max_latency);
	cr_assert_str_eq(row_during, row_before, "the timed-out PATCH changed the row");

	cr_assert_eq(freed.status, 200, "after the lock was released the PATCH got %ld: %s",
	             freed.status, freed.body);
	json_t *doc = fx_doc(&w, FX_LOCK_0);
	const json_t *events = json_object_get(doc, "events");
	size_t nb = json_array_size(json_object_get(doc_before, "events"));
	cr_assert_eq(json_array_size(events), nb + 1,
	             "expected exactly one new event after the timed-out and the good PATCH, "
	             "%zu -> %zu",
	             nb, json_array_size(events));
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(events, nb), "type")),
	                 "NEXT_ACTION");
	cr_assert_str_eq(json_string_value(json_object_get(doc, "nextAction")),
	                 "Call back about the quote");

	json_decref(doc);
	json_decref(doc_before);
	free(row_before);
	free(row_during);
	free(fails);
	free(log);
	fx_resp_free(&held);
	fx_resp_free(&freed);
	fx_load_free(&load);
	fx_world_free(&w);
}

Test(slow_db, read_blocked_by_a_table_lock_is_cut_off_after_db_query_timeout, .init = fx_setup,
     .timeout = 60)
{
	struct fx_world w;
	long log_from = fx_file_size(fx_env("CRM_FAULT_LOG"));
	double limit = fx_conf_int("db_query_timeout", 5);
	fx_world_make(&w, "tablock");
	char path[256];
	snprintf(path, sizeof(path), "/crm/customers/%s", w.id[FX_READ]);

	MYSQL *c = fx_db(NULL);
	fx_db_exec(c, "LOCK TABLES customers WRITE");
	struct fx_resp blocked;
	fx_request1("GET", path, w.token, NULL, &blocked);
	fx_db_exec(c, "UNLOCK TABLES");
	mysql_close(c);
	struct fx_resp after;
	fx_request1("GET", path, w.token, NULL, &after);

	const char *skip[] = {" request ", NULL};
	char *log = fx_log_since(fx_env("CRM_FAULT_LOG"), log_from, skip, 8);
	char extra[200];
	snprintf(extra, sizeof(extra), "read behind LOCK TABLES: %ld after %.3f s (limit %.0f s)",
	         blocked.status, blocked.t1 - blocked.t0, limit);
	fprintf(stderr, "faults: slow_db/table_lock: %s; after UNLOCK: %ld\n", extra, after.status);

	assert_503(&blocked, "a read blocked by LOCK TABLES", log);
	cr_assert(blocked.t1 - blocked.t0 >= limit - 0.3 && blocked.t1 - blocked.t0 <= limit + 1.0,
	          "the blocked read ended after %.3f s; db_query_timeout is %.0f s\n%s",
	          blocked.t1 - blocked.t0, limit, log);
	cr_assert_eq(after.status, 200, "after UNLOCK TABLES the read got %ld: %s", after.status,
	             after.body);
	free(log);
	fx_resp_free(&blocked);
	fx_resp_free(&after);
	fx_world_free(&w);
}

/*
 * The database fails between a change's COMMIT and the read of the enriched
 * customer it answers with (here: the opportunities table is locked by another
 * session, so that read times out).  Whatever the service answers must match
 * what it stored: 200 and the change, or an error and no change at all.
 */
Test(slow_db, a_change_answered_503_has_changed_nothing, .init = fx_setup, .timeout = 60)
{
	struct fx_world w;
	long log_from = fx_file_size(fx_env("CRM_FAULT_LOG"));
	fx_world_make(&w, "halfdone");
	char path[256];
	snprintf(path, sizeof(path), "/crm/customers/%s/next-action", w.id[FX_LOCK_0]);
	char *row_before = fx_row(&w, FX_LOCK_0);

	MYSQL *c = fx_db(NULL);
	fx_db_exec(c, "LOCK TABLES opportunities WRITE");
	struct fx_resp r;
	fx_request1("PATCH", path, w.token, NEXT_ACTION_BODY, &r);
	fx_db_exec(c, "UNLOCK TABLES");
	mysql_close(c);
	char *row_after = fx_row(&w, FX_LOCK_0);
	int changed = strcmp(row_before, row_after) != 0;

	const char *skip[] = {" request ", NULL};
	char *log = fx_log_since(fx_env("CRM_FAULT_LOG"), log_from, skip, 8);
	fprintf(stderr,
	        "faults: slow_db/commit_then_fail: PATCH answered %ld after %.3f s; the "
	        "customer %s\n",
	        r.status, r.t1 - r.t0, changed ? "was changed" : "is unchanged");

	if (r.status == 200) {
		cr_assert(changed, "the PATCH was answered 200 but nothing was stored");
	} else {
		assert_503(&r, "a change whose answer could not be read", log);
		cr_assert(!changed,
		          "the PATCH was answered %ld (\"%s\") after %.3f s, yet the change was "
		          "committed: a rejected request must change nothing.\nservice log:\n%s",
		          r.status, json_string_value(json_object_get(r.json, "detail")),
		          r.t1 - r.t0, log);
	}
	free(row_before);
	free(row_after);
	free(log);
	fx_resp_free(&r);
	fx_world_free(&w);
}
