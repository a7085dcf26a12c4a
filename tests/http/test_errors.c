/* test_errors: bad statuses and ids (400), unknown customers and routes (404), wrong methods (405 with Allow) — each in the seed's error shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "lib/limits.h"
#include "tests/http/client.h"
#include "tests/http/test_read_helpers.h"

static void fixture(const char *tenant)
{
	rh_import_customers(tenant, json_pack("[o]", rh_customer("c-1", "Error Customer", "u-1",
	                                                         "LEAD", NULL, NULL)));
}

/* GET path with token; expects status with the error shape (and needle in detail). */
static void expect_get(const char *token, const char *path, long status, const char *needle)
{
	struct http *r = http_get(path, token);
	rh_assert_error(r, status, needle, path);
	/* nothing internal in any error */
	static const char *const internal[] = {
	        "SELECT", "mysql", "MariaDB", ".c:", "/work/", "Traceback", "errno"};
	for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		cr_assert_null(strstr(r->body, internal[i]), "%s: the error reveals '%s': %s", path,
		               internal[i], r->body);
	http_free(r);
}

Test(errors, unknown_status_is_400_naming_the_statuses)
{
	char tenant[80];
	fresh_tenant("err-status", tenant, sizeof(tenant));
	fixture(tenant);
	char *token = rh_token("u-1", tenant);
	static const char *const bad[] = {"lead",    "Lead",  "UNKNOWN", "LEAD%20",
	                                  "%20LEAD", "LEADS", "NEW",     "0"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char path[128];
		snprintf(path, sizeof(path), "/crm/customers/by-status/%s", bad[i]);
		expect_get(token, path, 400, "PROSPECT");
	}
	free(token);
}

Test(errors, customer_id_longer_than_64_is_400)
{
	char tenant[80];
	fresh_tenant("err-long", tenant, sizeof(tenant));
	fixture(tenant);
	char *token = rh_token("u-1", tenant);
	char too_long[LIMIT_ID_CHARS + 2], longest[LIMIT_ID_CHARS + 1], path[256];
	memset(too_long, 'a', LIMIT_ID_CHARS + 1);
	too_long[LIMIT_ID_CHARS + 1] = '\0';
	memset(longest, 'a', LIMIT_ID_CHARS);
	longest[LIMIT_ID_CHARS] = '\0';
	snprintf(path, sizeof(path), "/crm/customers/%s", too_long);
	expect_get(token, path, 400, "id");
	snprintf(path, sizeof(path), "/crm/customers/by-owner/%s", too_long);
	expect_get(token, path, 400, NULL);
	/* LIMIT_ID_CHARS is still an id: unknown, so 404 */
	snprintf(path, sizeof(path), "/crm/customers/%s", longest);
	expect_get(token, path, 404, NULL);
	free(token);
}

Test(errors, customer_id_with_characters_outside_the_id_alphabet_is_400)
{
	char tenant[80];
	fresh_tenant("err-chars", tenant, sizeof(tenant));
	fixture(tenant);
	char *token = rh_token("u-1", tenant);
	static const char *const bad[] = {
	        "%2E%2E", "%2e",    "a.b", "c-1.json", "a%20b", "a+b", "a%2Fb", "%C3%A9t%C3%A9",
	        "a%3Bb",  "c-1%27", "%25", "a~b",      "a@b",   "a:b", "*",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char path[128];
		snprintf(path, sizeof(path), "/crm/customers/%s", bad[i]);
		expect_get(token, path, 400, "id");
		snprintf(path, sizeof(path), "/crm/customers/by-owner/%s", bad[i]);
		expect_get(token, path, 400, NULL);
	}
	free(token);
}

/* nginx itself refuses a decoded NUL in the URI: its answer must still be the API's error shape. */
Test(errors, nul_byte_in_a_path_segment_is_400_in_the_error_shape)
{
	char tenant[80];
	fresh_tenant("err-nul", tenant, sizeof(tenant));
	fixture(tenant);
	char *token = rh_token("u-1", tenant);
	expect_get(token, "/crm/customers/%00", 400, NULL);
	expect_get(token, "/crm/customers/c-1%00", 400, NULL);
	expect_get(token, "/crm/customers/by-owner/u-1%00", 400, NULL);
	expect_get(token, "/crm/customers/by-status/LEAD%00", 400, NULL);
	free(token);
}

Test(errors, a_dot_as_customer_id_is_400)
{
	char tenant[80];
	fresh_tenant("err-dot", tenant, sizeof(tenant));
	fixture(tenant);
	char *token = rh_token("u-1", tenant);
	expect_get(token, "/crm/customers/.", 400, NULL);
	expect_get(token, "/crm/customers/by-owner/.", 400, NULL);
	free(token);
}

Test(errors, unknown_customer_is_404)
{
	char tenant[80];
	fresh_tenant("err-404", tenant, sizeof(tenant));
	fixture(tenant);
	char *token = rh_token("u-1", tenant);
	expect_get(token, "/crm/customers/c-2", 404, NULL);
	expect_get(token, "/crm/customers/C-1", 404, NULL); /* ids are case-sensitive */
	free(token);
}

Test(errors, unknown_route_is_404)
{
	char tenant[80];
	fresh_tenant("err-route", tenant, sizeof(tenant));
	fixture(tenant);
	char *token = rh_token("u-1", tenant);
	static const char *const paths[] = {
	        "/crm/nothing",
	        "/crm/customers/x/y/z",
	        "/crm/customers/",
	        "/crm",
	        "/nothing",
	        "/crm/customers/my/extra",
	        "/crm/customers/by-owner/",
	        "/crm/customers/by-owner/u-1/extra",
	        "/crm/customers/by-status/LEAD/x",
	        "/crm/customers/c-1/unknown",
	        "/crm/customers/c-1/",
	        "/CRM/customers/c-1",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		expect_get(token, paths[i], 404, NULL);
	free(token);
}

/* Sends method to path; expects 405 in the error shape and an Allow that lists want. */
static void expect_405(const char *token, const char *method, const char *path, const char *want)
{
	struct http *r = http_do(method, path, token, NULL, NULL, NULL);
	char what[256];
	snprintf(what, sizeof(what), "%s %s", method, path);
	rh_assert_error(r, 405, NULL, what);
	char *allow = http_header(r, "Allow");
	cr_assert_not_null(allow, "%s: a 405 needs an Allow header", what);
	/* Allow is a comma-separated list of tokens */
	int found = 0, has_method = 0;
	char *copy = strdup(allow), *save = NULL;
	for (char *tok = strtok_r(copy, ", ", &save); tok != NULL;
	     tok = strtok_r(NULL, ", ", &save)) {
		found |= strcmp(tok, want) == 0;
		has_method |= strcmp(tok, method) == 0;
	}
	cr_assert(found, "%s: Allow '%s' does not list %s", what, allow, want);
	cr_assert(!has_method, "%s: Allow '%s' lists the refused method", what, allow);
	free(copy);
	free(allow);
	http_free(r);
}

Test(errors, wrong_method_on_a_read_route_is_405_with_allow_get)
{
	char tenant[80];
	fresh_tenant("err-405", tenant, sizeof(tenant));
	fixture(tenant);
	char *token = token_for("u-1", tenant, "crm:read crm:write");
	expect_405(token, "POST", "/crm/customers/my", "GET");
	expect_405(token, "PUT", "/crm/customers/c-1", "GET");
	expect_405(token, "POST", "/crm/customers/overdue-actions", "GET");
	expect_405(token, "PUT", "/crm/customers/by-status/LEAD", "GET");
	expect_405(token, "DELETE", "/crm/customers/by-owner/u-1", "GET");
	free(token);
}

Test(errors, wrong_method_on_a_change_route_is_405_with_its_method)
{
	char tenant[80];
	fresh_tenant("err-405w", tenant, sizeof(tenant));
	fixture(tenant);
	char *token = token_for("u-1", tenant, "crm:read crm:write");
	expect_405(token, "GET", "/crm/customers/c-1/crm-status", "PATCH");
	expect_405(token, "GET", "/crm/customers/c-1/next-action", "PATCH");
	expect_405(token, "GET", "/crm/customers/c-1/tags/vip", "POST");
	expect_405(token, "GET", "/crm/customers/c-1/owner", "DELETE");
	free(token);
}

Test(errors, a_405_changes_nothing)
{
	char tenant[80];
	fresh_tenant("err-405-nochange", tenant, sizeof(tenant));
	fixture(tenant);
	char *token = token_for("u-1", tenant, "crm:read crm:write");
	char *before = db_scalar("SELECT doc FROM customers WHERE tenant_id = '%s' AND id = 'c-1'",
	                         tenant);
	expect_405(token, "POST", "/crm/customers/c-1", "GET");
	expect_405(token, "PUT", "/crm/customers/c-1", "GET");
	char *after = db_scalar("SELECT doc FROM customers WHERE tenant_id = '%s' AND id = 'c-1'",
	                        tenant);
	cr_assert_not_null(before, "fixture row");
	cr_assert_not_null(after, "the customer is gone after a refused POST");
	cr_assert_str_eq(after, before, "the customer changed after a 405");
	free(before);
	free(after);
	free(token);
}
