/* test_resource: the customer as a resource through nginx — literal segments, DELETE (and its tombstone). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "model/stmt.h"
#include "tests/http/client.h"
#include "tests/http/test_write_helpers.h"

/* The methods of /crm/customers/{id}. */
#define RES_ID_ALLOW "GET, HEAD, DELETE"

/* ---- helpers ------------------------------------------------------------------ */

/* DELETE /crm/customers/{id} (id already percent-encoded). */
static struct http *del(const char *token, const char *id)
{
	char path[512];
	snprintf(path, sizeof(path), "/crm/customers/%s", id);
	return http_do("DELETE", path, token, NULL, NULL, NULL);
}

static long rows_of(const char *tenant)
{
	return db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'", tenant);
}

static long live_rows_of(const char *tenant)
{
	return db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'"
	                " AND deleted_at IS NULL",
	                tenant);
}

static int is_deleted(const char *tenant, const char *id)
{
	return db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s' AND id = '%s'"
	                " AND deleted_at IS NOT NULL",
	                tenant, id) == 1;
}

/* Asserts r is a 405 whose Allow is exactly allow and whose detail names it. */
static void assert_405(const struct http *r, const char *allow, const char *what)
{
	wh_assert_error(r, 405, allow, what);
	char *h = http_header(r, "Allow");
	cr_assert_not_null(h, "%s: a 405 without Allow", what);
	cr_assert_str_eq(h, allow, "%s: Allow", what);
	free(h);
}

/* 1 when the JSON array body of GET path holds a customer of that id. */
static int list_has(const char *token, const char *path, const char *id)
{
	struct http *r = http_get(path, token);
	cr_assert_eq(r->status, 200, "GET %s: %ld %s", path, r->status, r->body);
	cr_assert(json_is_array(r->json), "GET %s: not an array", path);
	int found = 0;
	size_t i;
	json_t *c;
	json_array_foreach (r->json, i, c)
		found |= strcmp(wh_str(c, "id"), id) == 0;
	http_free(r);
	return found;
}

/* A customer owned by u-ann, LEAD, with an overdue next action. */
static void fixture(const char *tenant, const char *id)
{
	json_t *c = wh_customer(id, "LEAD");
	json_object_set_new(c, "ownerId", json_string("u-ann"));
	json_object_set_new(c, "nextAction", json_string("Call back"));
	json_object_set_new(c, "nextActionDueDate", json_string("2020-01-01T08:00:00Z"));
	wh_import(tenant, json_pack("{s:[{s:s,s:s,s:s}],s:[o]}", "users", "id", "u-ann", "username",
	                            "ann", "displayName", "Ann", "customers", c));
}

/* ---- literal segments win ------------------------------------------------------- */

Test(resource, delete_my_is_405_allow_get_head_and_customer_my_stays)
{
	char tenant[64];
	fresh_tenant("res-my", tenant, sizeof(tenant));
	fixture(tenant, "my");
	char *before = wh_row(tenant, "my");
	char *token = wh_token(tenant);
	struct http *r = del(token, "my");
	assert_405(r, "GET, HEAD", "DELETE /crm/customers/my");
	http_free(r);
	cr_assert(!is_deleted(tenant, "my"), "customer 'my' was deleted");
	wh_assert_row_unchanged(tenant, "my", before, "DELETE /crm/customers/my");
	free(before);
	free(token);
}

Test(resource, delete_overdue_actions_is_405_allow_get_head)
{
	char tenant[64];
	fresh_tenant("res-ovd", tenant, sizeof(tenant));
	fixture(tenant, "overdue-actions");
	char *token = wh_token(tenant);
	struct http *r = del(token, "overdue-actions");
	assert_405(r, "GET, HEAD", "DELETE /crm/customers/overdue-actions");
	http_free(r);
	cr_assert(!is_deleted(tenant, "overdue-actions"));
	free(token);
}

Test(resource, delete_by_owner_owner_is_405_and_customer_by_owner_keeps_its_owner)
{
	char tenant[64];
	fresh_tenant("res-byo", tenant, sizeof(tenant));
	fixture(tenant, "by-owner");
	char *before = wh_row(tenant, "by-owner");
	char *token = wh_token(tenant);
	struct http *r =
	        http_do("DELETE", "/crm/customers/by-owner/owner", token, NULL, NULL, NULL);
	assert_405(r, "GET, HEAD", "DELETE /crm/customers/by-owner/owner");
	http_free(r);
	wh_assert_row_unchanged(tenant, "by-owner", before, "DELETE .../by-owner/owner");
	free(before);
	free(token);
}

Test(resource, delete_by_status_lead_is_405_and_customer_by_status_stays)
{
	char tenant[64];
	fresh_tenant("res-bys", tenant, sizeof(tenant));
	fixture(tenant, "by-status");
	char *before = wh_row(tenant, "by-status");
	char *token = wh_token(tenant);
	struct http *r =
	        http_do("DELETE", "/crm/customers/by-status/LEAD", token, NULL, NULL, NULL);
	assert_405(r, "GET, HEAD", "DELETE /crm/customers/by-status/LEAD");
	http_free(r);
	wh_assert_row_unchanged(tenant, "by-status", before, "DELETE .../by-status/LEAD");
	free(before);
	free(token);
}

Test(resource, an_id_route_allows_its_own_methods_only)
{
	char *token = wh_token("res-allow");
	struct http *r = http_do("PUT", "/crm/customers/c1", token, WH_JSON, "{}", NULL);
	assert_405(r, RES_ID_ALLOW, "PUT /crm/customers/c1");
	http_free(r);
	r = http_do("DELETE", "/crm/customers/c1/crm-status", token, NULL, NULL, NULL);
	assert_405(r, "PATCH", "DELETE .../crm-status");
	http_free(r);
	r = http_do("GET", "/crm/customers/c1/owner", token, NULL, NULL, NULL);
	assert_405(r, "DELETE", "GET .../owner");
	http_free(r);
	free(token);
}

/* ---- DELETE ------------------------------------------------------------------------ */

Test(resource, delete_answers_204_without_body_and_keeps_a_tombstone)
{
	char tenant[64];
	fresh_tenant("res-del", tenant, sizeof(tenant));
	fixture(tenant, "c1");
	json_t *doc_before = wh_doc(tenant, "c1");
	char *token = wh_token(tenant);
	long t0 = (long)time(NULL);
	struct http *r = del(token, "c1");
	cr_assert_eq(r->status, 204, "DELETE: %ld %s", r->status, r->body);
	cr_assert_eq(r->body_len, 0, "a 204 has no body: %s", r->body);
	http_free(r);
	/* the tombstone: when and by whom; the document as it was */
	cr_assert_eq(rows_of(tenant), 1, "the row must stay");
	cr_assert(is_deleted(tenant, "c1"));
	char *by = db_scalar(
	        "SELECT deleted_by FROM customers WHERE tenant_id = '%s' AND id = 'c1'", tenant);
	cr_assert_str_eq(by, WH_ACTOR);
	free(by);
	long at = db_count("SELECT deleted_at DIV 1000000 FROM customers WHERE tenant_id = '%s'"
	                   " AND id = 'c1'",
	                   tenant);
	cr_assert(at >= t0 - 2 && at <= (long)time(NULL) + 2, "deleted_at %ld is not now", at);
	json_t *doc_after = wh_doc(tenant, "c1");
	cr_assert(json_equal(doc_before, doc_after), "a delete does not edit the document");
	json_decref(doc_before);
	json_decref(doc_after);
	free(token);
}

Test(resource, a_deleted_customer_is_404_on_get_and_a_second_delete)
{
	char tenant[64];
	fresh_tenant("res-del2", tenant, sizeof(tenant));
	fixture(tenant, "c1");
	char *token = wh_token(tenant);
	struct http *r = del(token, "c1");
	cr_assert_eq(r->status, 204);
	http_free(r);
	r = http_get("/crm/customers/c1", token);
	wh_assert_error(r, 404, "customer not found", "GET after DELETE");
	http_free(r);
	r = http_do("HEAD", "/crm/customers/c1", token, NULL, NULL, NULL);
	cr_assert_eq(r->status, 404, "HEAD after DELETE: %ld", r->status);
	http_free(r);
	r = del(token, "c1");
	wh_assert_error(r, 404, "customer not found", "second DELETE");
	http_free(r);
	free(token);
}

Test(resource, a_deleted_customer_is_in_no_list)
{
	char tenant[64];
	fresh_tenant("res-dlist", tenant, sizeof(tenant));
	fixture(tenant, "c1");
	char *token = token_for("u-ann", tenant, WH_SCOPE_WRITE);
	const char *lists[] = {"/crm/customers/my", "/crm/customers/by-owner/u-ann",
	                       "/crm/customers/by-status/LEAD", "/crm/customers/overdue-actions"};
	for (size_t i = 0; i < 4; i++)
		cr_assert(list_has(token, lists[i], "c1"), "control: %s lists c1", lists[i]);
	struct http *r = del(token, "c1");
	cr_assert_eq(r->status, 204);
	http_free(r);
	for (size_t i = 0; i < 4; i++)
		cr_assert(!list_has(token, lists[i], "c1"), "%s still lists c1", lists[i]);
	free(token);
}

Test(resource, every_change_of_a_deleted_customer_is_404_and_changes_nothing)
{
	char tenant[64];
	fresh_tenant("res-dchg", tenant, sizeof(tenant));
	fixture(tenant, "c1");
	char *token = wh_token(tenant);
	struct http *r = del(token, "c1");
	cr_assert_eq(r->status, 204);
	http_free(r);
	char *before = wh_row(tenant, "c1");
	struct http *rs[6] = {
	        wh_set_status(token, "c1", "{\"crmStatus\":\"PROSPECT\"}"),
	        wh_set_next_action(token, "c1", "{\"nextAction\":null,\"nextActionDueDate\":null}"),
	        wh_set_owner(token, "c1", "u-ann"),
	        wh_clear_owner(token, "c1"),
	        wh_add_tag(token, "c1", "new-tag"),
	        wh_remove_tag(token, "c1", "Beta"),
	};
	for (int i = 0; i < 6; i++) {
		wh_assert_error(rs[i], 404, "customer not found", "a change after DELETE");
		http_free(rs[i]);
	}
	wh_assert_row_unchanged(tenant, "c1", before, "the six changes after DELETE");
	free(before);
	free(token);
}

Test(resource, delete_keeps_opportunities_and_activities)
{
	char tenant[64];
	fresh_tenant("res-dkids", tenant, sizeof(tenant));
	json_t *c = wh_customer("c1", "LEAD");
	wh_import(tenant,
	          json_pack("{s:[o],s:[o],s:[o]}", "customers", c, "opportunities",
	                    sample_opportunity("o1", "c1", "2024-04-01T10:00:00Z"), "activities",
	                    sample_activity("a1", "c1", "2024-04-02T10:00:00Z")));
	char *token = wh_token(tenant);
	struct http *r = del(token, "c1");
	cr_assert_eq(r->status, 204);
	http_free(r);
	cr_assert_eq(db_count("SELECT COUNT(*) FROM opportunities WHERE tenant_id = '%s'", tenant),
	             1);
	cr_assert_eq(db_count("SELECT COUNT(*) FROM activities WHERE tenant_id = '%s'", tenant), 1);
	free(token);
}

Test(resource, delete_by_another_tenant_is_404_and_deletes_nothing)
{
	char tenant[64], other[64];
	fresh_tenant("res-down", tenant, sizeof(tenant));
	fresh_tenant("res-doth", other, sizeof(other));
	fixture(tenant, "c1");
	char *foreign = wh_token(other);
	struct http *r = del(foreign, "c1");
	wh_assert_error(r, 404, "customer not found", "DELETE from another tenant");
	http_free(r);
	cr_assert_eq(live_rows_of(tenant), 1, "the customer must stay");
	free(foreign);
}

Test(resource, delete_with_a_read_only_token_is_403_and_deletes_nothing)
{
	char tenant[64];
	fresh_tenant("res-dro", tenant, sizeof(tenant));
	fixture(tenant, "c1");
	char *token = token_for(WH_ACTOR, tenant, "crm:read");
	struct http *r = del(token, "c1");
	wh_assert_error(r, 403, "crm:write", "DELETE with crm:read");
	http_free(r);
	cr_assert_eq(live_rows_of(tenant), 1);
	free(token);
}

Test(resource, delete_without_a_token_is_401_and_deletes_nothing)
{
	char tenant[64];
	fresh_tenant("res-dnot", tenant, sizeof(tenant));
	fixture(tenant, "c1");
	struct http *r = del(NULL, "c1");
	cr_assert_eq(r->status, 401);
	char *h = http_header(r, "WWW-Authenticate");
	cr_assert_not_null(h);
	free(h);
	http_free(r);
	cr_assert_eq(live_rows_of(tenant), 1);
}

Test(resource, delete_of_an_unknown_or_malformed_id_is_refused)
{
	char tenant[64];
	fresh_tenant("res-dbad", tenant, sizeof(tenant));
	fixture(tenant, "c1");
	char *token = wh_token(tenant);
	struct http *r = del(token, "c2");
	wh_assert_error(r, 404, "customer not found", "DELETE of an unknown id");
	http_free(r);
	r = del(token, "c%201");
	wh_assert_error(r, 400, NULL, "DELETE of an id with a space");
	http_free(r);
	r = http_do("DELETE", "/crm/customers/c1?force=1", token, NULL, NULL, NULL);
	wh_assert_error(r, 400, "force", "DELETE with a query");
	http_free(r);
	cr_assert_eq(live_rows_of(tenant), 1, "nothing was deleted");
	free(token);
}

/* The SQL of statement id with each '?' replaced by the next of args (SQL literals). */
static void with_args(enum stmt id, const char *const *args, char *out, size_t cap)
{
	const char *sql = stmt_table[id].sql;
	size_t n = 0, k = 0;
	for (; *sql != '\0' && n + 64 < cap; sql++) {
		if (*sql == '?')
			n += (size_t)snprintf(out + n, cap - n, "%s", args[k++]);
		else
			out[n++] = *sql;
	}
	out[n] = '\0';
	cr_assert_eq(k, stmt_table[id].nparams, "statement %d: %zu of %u parameters", id, k,
	             stmt_table[id].nparams);
}

Test(resource, the_list_statements_still_use_their_index_with_the_tombstone_condition)
{
	static const struct {
		enum stmt id;
		const char *index;
		const char *args[6];
	} lists[] = {
	        {STMT_CUSTOMER_LIST_BY_OWNER,
	         "customers_by_owner",
	         {"'t'", "'u'", "''", "''", "''", "100"}},
	        {STMT_CUSTOMER_LIST_BY_STATUS,
	         "customers_by_status",
	         {"'t'", "'LEAD'", "''", "''", "''", "100"}},
	        {STMT_CUSTOMER_LIST_OVERDUE,
	         "customers_by_due",
	         {"'t'", "99", "0", "0", "''", "100"}},
	};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		char sql[4096], *plan;
		with_args(lists[i].id, lists[i].args, sql, sizeof(sql));
		plan = db_scalar("EXPLAIN FORMAT=JSON %s", sql);
		cr_assert_not_null(plan, "no plan for %s", sql);
		cr_assert_not_null(strstr(plan, lists[i].index), "%s does not use %s: %s", sql,
		                   lists[i].index, plan);
		cr_assert_null(strstr(plan, "filesort"), "%s sorts: %s", sql, plan);
		free(plan);
	}
}
