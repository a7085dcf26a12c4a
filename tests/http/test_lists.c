/* test_lists: by-owner, by-status, my and overdue-actions through nginx — exactly the right customers, in the contract's order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/http/client.h"
#include "tests/http/test_read_helpers.h"

/*
 * Owners and statuses:
 *   c-07 "Alpha BV"   u-1 ACTIVE      c-02 "Delta"      u-2 ACTIVE
 *   c-03 "Bravo"      u-1 LEAD        c-09 "Aardvark"   none ACTIVE
 *   c-01 "Bravo"      u-1 ACTIVE      c-04 "Echo"       u-ghost (no user) LEAD
 *   c-05 "Charlie"    u-1 CHURNED     c-06 "Bravo Bouw" u-1 ACTIVE
 * By name then id, u-1 owns c-07, c-01, c-03, c-06, c-05.
 */
static void owners_fixture(const char *tenant)
{
	json_t *cs = json_array();
	json_array_append_new(cs, rh_customer("c-05", "Charlie", "u-1", "CHURNED", NULL, NULL));
	json_array_append_new(cs, rh_customer("c-03", "Bravo", "u-1", "LEAD", NULL, NULL));
	json_array_append_new(cs, rh_customer("c-02", "Delta", "u-2", "ACTIVE", NULL, NULL));
	json_array_append_new(cs, rh_customer("c-07", "Alpha BV", "u-1", "ACTIVE", NULL, NULL));
	json_array_append_new(cs, rh_customer("c-09", "Aardvark", NULL, "ACTIVE", NULL, NULL));
	json_array_append_new(cs, rh_customer("c-01", "Bravo", "u-1", "ACTIVE", NULL, NULL));
	json_array_append_new(cs, rh_customer("c-04", "Echo", "u-ghost", "LEAD", NULL, NULL));
	json_array_append_new(cs, rh_customer("c-06", "Bravo Bouw", "u-1", "ACTIVE", NULL, NULL));
	rh_import(tenant, json_pack("{s:[{s:s,s:s,s:s},{s:s,s:s,s:s}],s:o}", "users", "id", "u-1",
	                            "username", "one", "displayName", "User One", "id", "u-2",
	                            "username", "two", "displayName", "User Two", "customers", cs));
}

Test(lists, by_owner_lists_that_owners_customers_by_name_then_id)
{
	char tenant[80];
	fresh_tenant("lists-owner", tenant, sizeof(tenant));
	owners_fixture(tenant);
	char *token = rh_token("u-2", tenant);
	rh_assert_list_ids("/crm/customers/by-owner/u-1", token, "c-07,c-01,c-03,c-06,c-05");
	rh_assert_list_ids("/crm/customers/by-owner/u-2", token, "c-02");
	free(token);
}

Test(lists, by_owner_lists_customers_of_an_owner_id_that_is_no_user)
{
	char tenant[80];
	fresh_tenant("lists-ghost", tenant, sizeof(tenant));
	owners_fixture(tenant);
	char *token = rh_token("u-1", tenant);
	rh_assert_list_ids("/crm/customers/by-owner/u-ghost", token, "c-04");
	free(token);
}

Test(lists, by_owner_of_an_owner_without_customers_is_an_empty_array)
{
	char tenant[80];
	fresh_tenant("lists-owner-none", tenant, sizeof(tenant));
	owners_fixture(tenant);
	char *token = rh_token("u-1", tenant);
	struct http *r = http_get("/crm/customers/by-owner/u-nobody", token);
	rh_assert_empty_list(r, "by-owner/u-nobody");
	http_free(r);
	free(token);
}

Test(lists, by_status_lists_that_status_by_name_then_id)
{
	char tenant[80];
	fresh_tenant("lists-status", tenant, sizeof(tenant));
	owners_fixture(tenant);
	char *token = rh_token("u-1", tenant);
	rh_assert_list_ids("/crm/customers/by-status/ACTIVE", token, "c-09,c-07,c-01,c-06,c-02");
	rh_assert_list_ids("/crm/customers/by-status/LEAD", token, "c-03,c-04");
	rh_assert_list_ids("/crm/customers/by-status/CHURNED", token, "c-05");
	rh_assert_list_ids("/crm/customers/by-status/PROSPECT", token, "");
	free(token);
}

Test(lists, by_status_accepts_each_of_the_six_statuses)
{
	static const char *const statuses[] = {"LEAD",     "PROSPECT", "ACTIVE",
	                                       "CUSTOMER", "INACTIVE", "CHURNED"};
	char tenant[80];
	fresh_tenant("lists-six", tenant, sizeof(tenant));
	json_t *cs = json_array();
	for (size_t i = 0; i < 6; i++) {
		char id[32];
		snprintf(id, sizeof(id), "s-%s", statuses[i]);
		json_array_append_new(cs,
		                      rh_customer(id, statuses[i], NULL, statuses[i], NULL, NULL));
	}
	rh_import_customers(tenant, cs);
	char *token = rh_token("u-1", tenant);
	for (size_t i = 0; i < 6; i++) {
		char path[128], id[32];
		snprintf(path, sizeof(path), "/crm/customers/by-status/%s", statuses[i]);
		snprintf(id, sizeof(id), "s-%s", statuses[i]);
		rh_assert_list_ids(path, token, id);
	}
	free(token);
}

Test(lists, my_lists_the_customers_owned_by_the_token_sub)
{
	char tenant[80];
	fresh_tenant("lists-my", tenant, sizeof(tenant));
	owners_fixture(tenant);
	char *t1 = rh_token("u-1", tenant), *t2 = rh_token("u-2", tenant);
	rh_assert_list_ids("/crm/customers/my", t1, "c-07,c-01,c-03,c-06,c-05");
	rh_assert_list_ids("/crm/customers/my", t2, "c-02");
	free(t1);
	free(t2);
}

Test(lists, my_is_an_empty_array_for_a_caller_who_owns_nothing)
{
	char tenant[80];
	fresh_tenant("lists-my-none", tenant, sizeof(tenant));
	owners_fixture(tenant);
	char *token = rh_token("u-3", tenant);
	struct http *r = http_get("/crm/customers/my", token);
	rh_assert_empty_list(r, "my for u-3");
	http_free(r);
	free(token);
}

Test(lists, my_uses_the_sub_of_a_write_token_too)
{
	char tenant[80];
	fresh_tenant("lists-my-write", tenant, sizeof(tenant));
	owners_fixture(tenant);
	char *token = token_for("u-2", tenant, "crm:write");
	rh_assert_list_ids("/crm/customers/my", token, "c-02");
	free(token);
}

/*
 * Overdue: due before now and a next action text.  In:
 *   o-2, o-3 due 2020-01-01T00:00Z (tie: by id), o-1 due 2021-06-01T10:00Z
 *   (given as +02:00), o-4 due an hour ago.  Out: a future due date, a due
 *   date without text, a text without due date, no next action at all.
 */
static void overdue_fixture(const char *tenant)
{
	char hour_ago[32], in_an_hour[32];
	rh_time_from_now(-3600, hour_ago, sizeof(hour_ago));
	rh_time_from_now(3600, in_an_hour, sizeof(in_an_hour));
	json_t *cs = json_array();
	json_array_append_new(
	        cs, rh_customer("o-4", "Aaa Recent", NULL, "ACTIVE", "Call back", hour_ago));
	json_array_append_new(
	        cs, rh_customer("o-3", "Bbb", "u-1", "LEAD", "Send offer", "2020-01-01T00:00:00Z"));
	json_array_append_new(cs, rh_customer("o-1", "Ccc", "u-2", "CUSTOMER", "Visit",
	                                      "2021-06-01T12:00:00+02:00"));
	json_array_append_new(cs, rh_customer("o-2", "Zzz", "u-1", "PROSPECT", "Email",
	                                      "2019-12-31T23:00:00-01:00"));
	json_array_append_new(cs, rh_customer("x-future", "Future", "u-1", "ACTIVE", "Later",
	                                      "2099-01-01T00:00:00Z"));
	json_array_append_new(cs,
	                      rh_customer("x-soon", "Soon", "u-1", "ACTIVE", "Soon", in_an_hour));
	json_array_append_new(cs, rh_customer("x-notext", "No Text", "u-1", "ACTIVE", NULL,
	                                      "2018-01-01T00:00:00Z"));
	json_array_append_new(cs,
	                      rh_customer("x-nodue", "No Due", "u-1", "ACTIVE", "Whenever", NULL));
	json_array_append_new(cs, rh_customer("x-none", "Nothing", "u-1", "ACTIVE", NULL, NULL));
	rh_import_customers(tenant, cs);
}

Test(lists, overdue_lists_due_next_actions_earliest_first_then_by_id)
{
	char tenant[80];
	fresh_tenant("lists-overdue", tenant, sizeof(tenant));
	overdue_fixture(tenant);
	char *token = rh_token("u-1", tenant);
	rh_assert_list_ids("/crm/customers/overdue-actions", token, "o-2,o-3,o-1,o-4");
	free(token);
}

Test(lists, overdue_leaves_out_future_dates_and_dates_without_text)
{
	char tenant[80];
	fresh_tenant("lists-overdue-out", tenant, sizeof(tenant));
	overdue_fixture(tenant);
	char *token = rh_token("u-1", tenant);
	struct http *r = http_get("/crm/customers/overdue-actions", token);
	rh_assert_ok_array(r, "overdue-actions");
	size_t i;
	json_t *c;
	json_array_foreach (r->json, i, c) {
		const char *id = rh_str(c, "id");
		cr_assert(strncmp(id, "x-", 2) != 0, "%s must not be overdue: %s", id, r->body);
		cr_assert_not_null(rh_str(c, "nextAction"), "%s has no next action", id);
		cr_assert_not_null(rh_str(c, "nextActionDueDate"), "%s has no due date", id);
	}
	cr_assert_eq(json_array_size(r->json), 4, "expected the four overdue customers: %s",
	             r->body);
	http_free(r);
	free(token);
}

Test(lists, overdue_sends_due_dates_in_utc)
{
	char tenant[80];
	fresh_tenant("lists-overdue-utc", tenant, sizeof(tenant));
	overdue_fixture(tenant);
	char *token = rh_token("u-1", tenant);
	struct http *r = http_get("/crm/customers/overdue-actions", token);
	rh_assert_ok_array(r, "overdue-actions");
	cr_assert_str_eq(rh_str(json_array_get(r->json, 0), "nextActionDueDate"),
	                 "2020-01-01T00:00:00Z");
	cr_assert_str_eq(rh_str(json_array_get(r->json, 2), "nextActionDueDate"),
	                 "2021-06-01T10:00:00Z");
	http_free(r);
	free(token);
}

Test(lists, overdue_is_an_empty_array_when_nothing_is_due)
{
	char tenant[80];
	fresh_tenant("lists-overdue-none", tenant, sizeof(tenant));
	owners_fixture(tenant); /* no next actions at all */
	char *token = rh_token("u-1", tenant);
	struct http *r = http_get("/crm/customers/overdue-actions", token);
	rh_assert_empty_list(r, "overdue-actions");
	http_free(r);
	free(token);
}

Test(lists, ids_in_by_owner_path_are_percent_decoded)
{
	char tenant[80];
	fresh_tenant("lists-pct", tenant, sizeof(tenant));
	owners_fixture(tenant);
	char *token = rh_token("u-1", tenant);
	/* %75 is 'u', %2D is '-': the same owner id */
	rh_assert_list_ids("/crm/customers/by-owner/%75%2D2", token, "c-02");
	free(token);
}
