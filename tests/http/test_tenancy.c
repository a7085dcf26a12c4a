/* test_tenancy: a token of another tenant sees nothing on any read endpoint, even with the same ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/http/client.h"
#include "tests/http/test_read_helpers.h"

#define SECRET_NAME "Geheim Holding A"

/*
 * Tenant a: user u-1, customer c-1 named SECRET_NAME owned by u-1, ACTIVE,
 * overdue, with one opportunity and one activity.
 */
static void tenant_a_fixture(const char *a)
{
	rh_import(a,
	          json_pack("{s:[{s:s,s:s,s:s}],s:[o],s:[o],s:[o]}", "users", "id", "u-1",
	                    "username", "alice", "displayName", "Alice A", "customers",
	                    rh_customer("c-1", SECRET_NAME, "u-1", "ACTIVE", "Call",
	                                "2020-01-01T00:00:00Z"),
	                    "opportunities",
	                    sample_opportunity("opp-a", "c-1", "2024-01-01T00:00:00Z"),
	                    "activities", sample_activity("act-a", "c-1", "2024-01-02T00:00:00Z")));
}

Test(tenancy, customer_of_another_tenant_is_404_without_a_trace)
{
	char a[80], b[80];
	fresh_tenant("ten-a", a, sizeof(a));
	fresh_tenant("ten-b", b, sizeof(b));
	tenant_a_fixture(a);
	char *tb = rh_token("u-1", b);
	struct http *r = http_get("/crm/customers/c-1", tb);
	rh_assert_error(r, 404, NULL, "c-1 of another tenant");
	cr_assert_null(strstr(r->body, SECRET_NAME), "the 404 leaks the name: %s", r->body);
	cr_assert_null(strstr(r->body, a), "the 404 names the other tenant: %s", r->body);
	http_free(r);
	free(tb);
}

Test(tenancy, lists_of_another_tenant_are_empty_even_for_the_same_user_id)
{
	char a[80], b[80];
	fresh_tenant("ten-lists-a", a, sizeof(a));
	fresh_tenant("ten-lists-b", b, sizeof(b));
	tenant_a_fixture(a);
	char *ta = rh_token("u-1", a), *tb = rh_token("u-1", b);
	static const char *const paths[] = {
	        "/crm/customers/by-owner/u-1",
	        "/crm/customers/by-status/ACTIVE",
	        "/crm/customers/my",
	        "/crm/customers/overdue-actions",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		/* the fixture is visible to its own tenant (so the empty lists below mean something) */
		rh_assert_list_ids(paths[i], ta, "c-1");
		struct http *r = http_get(paths[i], tb);
		rh_assert_empty_list(r, paths[i]);
		http_free(r);
	}
	free(ta);
	free(tb);
}

Test(tenancy, the_same_customer_id_in_two_tenants_shows_each_tenant_its_own)
{
	char a[80], b[80];
	fresh_tenant("ten-same-a", a, sizeof(a));
	fresh_tenant("ten-same-b", b, sizeof(b));
	tenant_a_fixture(a);
	rh_import(b, json_pack("{s:[o],s:[o]}", "customers",
	                       rh_customer("c-1", "Tenant B Customer", "u-1", "LEAD", NULL, NULL),
	                       "opportunities",
	                       sample_opportunity("opp-b", "c-1", "2024-02-01T00:00:00Z")));
	char *ta = rh_token("u-1", a), *tb = rh_token("u-1", b);

	struct http *r = http_get("/crm/customers/c-1", ta);
	rh_assert_ok_object(r, "c-1 for tenant a");
	cr_assert_str_eq(rh_str(r->json, "name"), SECRET_NAME);
	cr_assert_str_eq(rh_str(r->json, "tenantId"), a);
	const json_t *opps = json_object_get(r->json, "opportunities");
	cr_assert_eq(json_array_size(opps), 1, "tenant a sees other opportunities: %s", r->body);
	cr_assert_str_eq(rh_str(json_array_get(opps, 0), "id"), "opp-a");
	cr_assert_eq(json_array_size(json_object_get(r->json, "recentActivities")), 1,
	             "recentActivities: %s", r->body);
	cr_assert_not_null(json_object_get(r->json, "owner"), "owner");
	cr_assert_str_eq(rh_str(json_object_get(r->json, "owner"), "username"), "alice");
	http_free(r);

	r = http_get("/crm/customers/c-1", tb);
	rh_assert_ok_object(r, "c-1 for tenant b");
	cr_assert_str_eq(rh_str(r->json, "name"), "Tenant B Customer");
	cr_assert_str_eq(rh_str(r->json, "tenantId"), b);
	opps = json_object_get(r->json, "opportunities");
	cr_assert_eq(json_array_size(opps), 1, "tenant b sees other opportunities: %s", r->body);
	cr_assert_str_eq(rh_str(json_array_get(opps, 0), "id"), "opp-b");
	cr_assert_eq(json_array_size(json_object_get(r->json, "recentActivities")), 0,
	             "tenant b sees tenant a's activity: %s", r->body);
	cr_assert(json_is_null(json_object_get(r->json, "owner")),
	          "tenant b has no user u-1, so owner must be null: %s", r->body);
	cr_assert_null(strstr(r->body, SECRET_NAME), "tenant b's answer leaks tenant a: %s",
	               r->body);
	http_free(r);

	rh_assert_list_ids("/crm/customers/by-status/ACTIVE", tb, "");
	rh_assert_list_ids("/crm/customers/by-status/LEAD", tb, "c-1");
	rh_assert_list_ids("/crm/customers/by-status/LEAD", ta, "");
	free(ta);
	free(tb);
}

Test(tenancy, an_owner_who_is_a_user_of_another_tenant_is_not_shown)
{
	char a[80], b[80];
	fresh_tenant("ten-owner-a", a, sizeof(a));
	fresh_tenant("ten-owner-b", b, sizeof(b));
	rh_import_user(b, "u-x", "xavier", "Xavier of B");
	rh_import_customers(a, json_pack("[o]", rh_customer("c-x", "Owned Elsewhere", "u-x", "LEAD",
	                                                    NULL, NULL)));
	char *ta = rh_token("u-1", a);
	struct http *r = http_get("/crm/customers/c-x", ta);
	rh_assert_ok_object(r, "c-x");
	cr_assert_str_eq(rh_str(r->json, "ownerId"), "u-x");
	cr_assert(json_is_null(json_object_get(r->json, "owner")),
	          "owner must not come from another tenant: %s", r->body);
	cr_assert_null(strstr(r->body, "Xavier"), "another tenant's user leaks: %s", r->body);
	http_free(r);
	free(ta);
}

Test(tenancy, children_imported_into_another_tenant_for_the_same_customer_id_stay_there)
{
	char a[80], b[80];
	fresh_tenant("ten-kids-a", a, sizeof(a));
	fresh_tenant("ten-kids-b", b, sizeof(b));
	tenant_a_fixture(a);
	/* tenant b has no c-1, only children that name it */
	rh_import(b,
	          json_pack("{s:[o],s:[o]}", "opportunities",
	                    sample_opportunity("opp-b", "c-1", "2030-01-01T00:00:00Z"),
	                    "activities", sample_activity("act-b", "c-1", "2030-01-01T00:00:00Z")));
	char *ta = rh_token("u-1", a);
	struct http *r = http_get("/crm/customers/c-1", ta);
	rh_assert_ok_object(r, "c-1");
	char ids[256] = "";
	rh_append_ids(json_object_get(r->json, "opportunities"), ids, sizeof(ids));
	cr_assert_str_eq(ids, "opp-a", "opportunities of tenant a's c-1");
	ids[0] = '\0';
	rh_append_ids(json_object_get(r->json, "recentActivities"), ids, sizeof(ids));
	cr_assert_str_eq(ids, "act-a", "recentActivities of tenant a's c-1");
	http_free(r);
	free(ta);
}

Test(tenancy, a_cursor_from_another_tenant_yields_nothing_of_that_tenant)
{
	char a[80], b[80];
	fresh_tenant("ten-cursor-a", a, sizeof(a));
	fresh_tenant("ten-cursor-b", b, sizeof(b));
	json_t *cs = json_array();
	json_array_append_new(cs, rh_customer("k-1", "Kilo One", "u-1", "ACTIVE", NULL, NULL));
	json_array_append_new(cs, rh_customer("k-2", "Kilo Two", "u-1", "ACTIVE", NULL, NULL));
	rh_import_customers(a, cs);
	char *ta = rh_token("u-1", a), *tb = rh_token("u-1", b);
	struct http *r = http_get("/crm/customers/by-status/ACTIVE?limit=1", ta);
	rh_assert_ok_array(r, "tenant a page 1");
	char *next = rh_next_path(r);
	cr_assert_not_null(next, "tenant a's first page needs a Link");
	http_free(r);

	r = http_get(next, tb);
	cr_assert(r->status == 200 || r->status == 400,
	          "tenant b with tenant a's cursor: expected [] or 400, got %ld", r->status);
	if (r->status == 200)
		rh_assert_empty_list(r, "tenant b with tenant a's cursor");
	else
		assert_error_body(r, 400);
	cr_assert_null(strstr(r->body, "Kilo"), "tenant a's data leaks: %s", r->body);
	http_free(r);
	free(next);
	free(ta);
	free(tb);
}

Test(tenancy, tenant_ids_are_matched_exactly_not_by_prefix_or_case)
{
	char a[80];
	fresh_tenant("ten-exact", a, sizeof(a));
	rh_import_customers(
	        a, json_pack("[o]", rh_customer("c-e", "Exact", "u-1", "ACTIVE", NULL, NULL)));
	char prefix[80], upper[80];
	snprintf(prefix, sizeof(prefix), "%.*s", (int)strlen(a) - 1, a);
	snprintf(upper, sizeof(upper), "%s", a);
	upper[0] = 'T';
	const char *others[] = {prefix, upper};
	for (size_t i = 0; i < 2; i++) {
		char *t = rh_token("u-1", others[i]);
		struct http *r = http_get("/crm/customers/c-e", t);
		rh_assert_error(r, 404, NULL, others[i]);
		http_free(r);
		r = http_get("/crm/customers/my", t);
		rh_assert_empty_list(r, others[i]);
		http_free(r);
		free(t);
	}
}
