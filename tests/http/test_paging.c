/* test_paging: limit, cursor and Link on the four lists — every match exactly once, and every bad parameter a 400. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "lib/limits.h"
#include "tests/http/client.h"
#include "tests/http/test_read_helpers.h"

#define PAGER "u-page"

/*
 * Seven customers that match all four lists for PAGER (owner PAGER, ACTIVE,
 * overdue), with repeated names and repeated due dates so the id decides,
 * and noise that matches none of them.
 *   by name then id:  p-2 p-5 (Alpha) p-4 (Echo) p-1 p-3 p-7 (Kilo) p-6 (Zulu)
 *   by due then id:   p-6 (2018) p-3 (2019) p-1 p-2 p-5 (2020) p-4 (2021) p-7 (2022)
 */
#define BY_NAME "p-2,p-5,p-4,p-1,p-3,p-7,p-6"
#define BY_DUE  "p-6,p-3,p-1,p-2,p-5,p-4,p-7"
#define MATCHES 7

static void paging_fixture(const char *tenant)
{
	static const char *const rows[][3] = {
	        {"p-1", "Kilo", "2020-01-01T00:00:00Z"},
	        {"p-2", "Alpha", "2020-01-01T01:00:00+01:00"},
	        {"p-3", "Kilo", "2019-05-05T00:00:00Z"},
	        {"p-4", "Echo", "2021-01-01T00:00:00Z"},
	        {"p-5", "Alpha", "2020-01-01T00:00:00Z"},
	        {"p-6", "Zulu", "2018-01-01T00:00:00Z"},
	        {"p-7", "Kilo", "2022-02-02T00:00:00Z"},
	};
	json_t *cs = json_array();
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		json_array_append_new(cs, rh_customer(rows[i][0], rows[i][1], PAGER, "ACTIVE",
		                                      "Follow up", rows[i][2]));
	/* noise: another owner, another status, not overdue */
	json_array_append_new(cs, rh_customer("n-1", "Kilo", "u-other", "LEAD", NULL, NULL));
	json_array_append_new(cs, rh_customer("n-2", "Alpha", "u-other", "PROSPECT", "Later",
	                                      "2099-01-01T00:00:00Z"));
	json_array_append_new(
	        cs, rh_customer("n-3", "Mike", NULL, "CHURNED", NULL, "2019-01-01T00:00:00Z"));
	rh_import(tenant, json_pack("{s:[{s:s,s:s,s:s}],s:o}", "users", "id", PAGER, "username",
	                            "pager", "displayName", "Page Walker", "customers", cs));
}

/* Walks path with limits 1, 2, 3 (and 7, 8, LIMIT_PAGE_MAX) and expects the ids in order every
 * time. */
static void expect_walks(const char *path, const char *expected)
{
	char tenant[80];
	fresh_tenant("paging-walk", tenant, sizeof(tenant));
	paging_fixture(tenant);
	char *token = rh_token(PAGER, tenant);
	static const int limits[] = {1, 2, 3, 7, 8, LIMIT_PAGE_MAX};
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		char ids[RH_IDS_MAX];
		int pages = rh_walk(path, token, limits[i], ids, sizeof(ids));
		cr_assert_str_eq(ids, expected, "%s with limit=%d: walked [%s], expected [%s]",
		                 path, limits[i], ids, expected);
		int want_pages = (MATCHES + limits[i] - 1) / limits[i];
		cr_assert_eq(pages, want_pages, "%s with limit=%d: %d pages, expected %d", path,
		             limits[i], pages, want_pages);
	}
	free(token);
}

Test(paging, walking_by_owner_yields_every_match_once_in_name_order)
{
	expect_walks("/crm/customers/by-owner/" PAGER, BY_NAME);
}

Test(paging, walking_by_status_yields_every_match_once_in_name_order)
{
	expect_walks("/crm/customers/by-status/ACTIVE", BY_NAME);
}

Test(paging, walking_my_yields_every_match_once_in_name_order)
{
	expect_walks("/crm/customers/my", BY_NAME);
}

Test(paging, walking_overdue_yields_every_match_once_in_due_order)
{
	expect_walks("/crm/customers/overdue-actions", BY_DUE);
}

Test(paging, link_points_to_the_same_list_below_the_base_path_with_the_same_limit)
{
	char tenant[80];
	fresh_tenant("paging-link", tenant, sizeof(tenant));
	paging_fixture(tenant);
	char *token = rh_token(PAGER, tenant);
	struct http *r = http_get("/crm/customers/by-status/ACTIVE?limit=2", token);
	rh_assert_ok_array(r, "by-status/ACTIVE?limit=2");
	char *link = http_header(r, "Link");
	cr_assert_not_null(link, "a first page of 2 out of 7 needs a Link header");
	char prefix[128];
	snprintf(prefix, sizeof(prefix), "<%s/crm/customers/by-status/ACTIVE?", rh_base_path());
	cr_assert(strncmp(link, prefix, strlen(prefix)) == 0, "Link '%s' does not start with %s",
	          link, prefix);
	cr_assert_not_null(strstr(link, "limit=2"), "Link '%s' does not keep limit=2", link);
	cr_assert_not_null(strstr(link, "cursor="), "Link '%s' has no cursor", link);
	cr_assert_not_null(strstr(link, ">; rel=\"next\""), "Link '%s' lacks rel=\"next\"", link);
	free(link);
	http_free(r);
	free(token);
}

Test(paging, a_page_that_holds_the_last_match_has_no_link)
{
	char tenant[80];
	fresh_tenant("paging-last", tenant, sizeof(tenant));
	paging_fixture(tenant);
	char *token = rh_token(PAGER, tenant);
	static const char *const paths[] = {
	        "/crm/customers/by-owner/" PAGER "?limit=7",
	        "/crm/customers/by-status/ACTIVE?limit=7",
	        "/crm/customers/my?limit=7",
	        "/crm/customers/overdue-actions?limit=7",
	        "/crm/customers/my?limit=8",
	        "/crm/customers/my",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct http *r = http_get(paths[i], token);
		rh_assert_ok_array(r, paths[i]);
		cr_assert_eq(json_array_size(r->json), MATCHES, "%s: %s", paths[i], r->body);
		char *link = http_header(r, "Link");
		cr_assert_null(link, "%s: the last page has a Link: %s", paths[i], link);
		http_free(r);
	}
	free(token);
}

/* Imports n customers of status CHURNED named "Bulk NNNN" into tenant. */
static void bulk_fixture(const char *tenant, int n)
{
	json_t *cs = json_array();
	for (int i = 0; i < n; i++) {
		char id[32], name[32];
		snprintf(id, sizeof(id), "b-%04d", i);
		snprintf(name, sizeof(name), "Bulk %04d", i);
		json_array_append_new(cs, json_pack("{s:s,s:s,s:s}", "id", id, "name", name,
		                                    "crmStatus", "CHURNED"));
	}
	rh_import_customers(tenant, cs);
}

Test(paging, limit_defaults_to_100)
{
	char tenant[80];
	fresh_tenant("paging-default", tenant, sizeof(tenant));
	bulk_fixture(tenant, LIMIT_PAGE_DEFAULT + 5);
	char *token = rh_token("u-1", tenant);
	struct http *r = http_get("/crm/customers/by-status/CHURNED", token);
	rh_assert_ok_array(r, "by-status/CHURNED");
	cr_assert_eq(json_array_size(r->json), LIMIT_PAGE_DEFAULT,
	             "without limit a page holds " LIMIT_PAGE_DEFAULT_TEXT ", got %zu",
	             json_array_size(r->json));
	char id[32];
	cr_assert_str_eq(rh_str(json_array_get(r->json, 0), "id"), "b-0000");
	snprintf(id, sizeof(id), "b-%04d", LIMIT_PAGE_DEFAULT - 1);
	cr_assert_str_eq(rh_str(json_array_get(r->json, LIMIT_PAGE_DEFAULT - 1), "id"), id);
	char *next = rh_next_path(r);
	cr_assert_not_null(next, "5 customers more than the default limit need a Link");
	http_free(r);

	r = http_get(next, token);
	rh_assert_ok_array(r, next);
	cr_assert_eq(json_array_size(r->json), 5, "the second page holds the last 5: %s", r->body);
	snprintf(id, sizeof(id), "b-%04d", LIMIT_PAGE_DEFAULT);
	cr_assert_str_eq(rh_str(json_array_get(r->json, 0), "id"), id);
	char *none = rh_next_path(r);
	cr_assert_null(none, "the last page has a Link");
	http_free(r);
	free(next);
	free(token);
}

Test(paging, limit_1000_is_accepted_and_returns_every_match)
{
	char tenant[80];
	fresh_tenant("paging-max", tenant, sizeof(tenant));
	bulk_fixture(tenant, 105);
	char *token = rh_token("u-1", tenant);
	char ids[RH_IDS_MAX];
	int pages = rh_walk("/crm/customers/by-status/CHURNED", token, LIMIT_PAGE_MAX, ids,
	                    sizeof(ids));
	cr_assert_eq(pages, 1, "105 customers fit one page of " LIMIT_PAGE_MAX_TEXT);
	cr_assert_eq(strlen(ids), 105 * 6 + 104, "expected 105 ids: %s", ids);
	free(token);
}

Test(paging, walking_105_customers_by_40_yields_each_once)
{
	char tenant[80];
	fresh_tenant("paging-bulk", tenant, sizeof(tenant));
	bulk_fixture(tenant, 105);
	char *token = rh_token("u-1", tenant);
	char ids[RH_IDS_MAX], want[RH_IDS_MAX] = "";
	for (int i = 0; i < 105; i++) {
		size_t len = strlen(want);
		snprintf(want + len, sizeof(want) - len, "%sb-%04d", i ? "," : "", i);
	}
	int pages = rh_walk("/crm/customers/by-status/CHURNED", token, 40, ids, sizeof(ids));
	cr_assert_eq(pages, 3, "105 by 40 is 3 pages");
	cr_assert_str_eq(ids, want, "the walk must yield b-0000..b-0104 in order");
	free(token);
}

static const char *const list_paths[] = {
        "/crm/customers/by-owner/" PAGER,
        "/crm/customers/by-status/ACTIVE",
        "/crm/customers/my",
        "/crm/customers/overdue-actions",
};
#define NLISTS (sizeof(list_paths) / sizeof(list_paths[0]))

/* GETs path + query on each list and expects a 400 in the error shape. */
static void expect_400_on_every_list(const char *token, const char *query, const char *needle)
{
	for (size_t i = 0; i < NLISTS; i++) {
		struct http *r = rh_getf(token, "%s?%s", list_paths[i], query);
		char what[512];
		snprintf(what, sizeof(what), "%s?%s", list_paths[i], query);
		rh_assert_error(r, 400, needle, what);
		http_free(r);
	}
}

Test(paging, limit_out_of_range_or_not_a_whole_number_is_400)
{
	char tenant[80];
	fresh_tenant("paging-limit", tenant, sizeof(tenant));
	paging_fixture(tenant);
	char *token = rh_token(PAGER, tenant);
	char below[32], above[32];
	snprintf(below, sizeof(below), "limit=%d", LIMIT_PAGE_MIN - 1);
	snprintf(above, sizeof(above), "limit=%d", LIMIT_PAGE_MAX + 1);
	const char *const bad[] = {below,
	                           above,
	                           "limit=abc",
	                           "limit=-1",
	                           "limit=1.5",
	                           "limit=1e2",
	                           "limit=99999999999999999999",
	                           "limit=%2B5",
	                           "limit=5%20",
	                           "limit=0x10"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_400_on_every_list(token, bad[i], "limit");
	free(token);
}

Test(paging, empty_limit_is_400)
{
	char tenant[80];
	fresh_tenant("paging-limit-empty", tenant, sizeof(tenant));
	char *token = rh_token(PAGER, tenant);
	expect_400_on_every_list(token, "limit=", NULL);
	expect_400_on_every_list(token, "limit", NULL);
	free(token);
}

/* The cursor of the first page of path?limit=1 (malloc'd, as it appears in the Link). */
static char *first_cursor(const char *path, const char *token)
{
	struct http *r = rh_getf(token, "%s?limit=1", path);
	rh_assert_ok_array(r, path);
	char *next = rh_next_path(r);
	cr_assert_not_null(next, "%s?limit=1: no Link", path);
	char *c = strstr(next, "cursor=");
	cr_assert_not_null(c, "no cursor in %s", next);
	c += strlen("cursor=");
	char *out = strndup(c, strcspn(c, "&"));
	free(next);
	http_free(r);
	return out;
}

Test(paging, forged_cursor_is_400)
{
	char tenant[80];
	fresh_tenant("paging-forged", tenant, sizeof(tenant));
	paging_fixture(tenant);
	char *token = rh_token(PAGER, tenant);
	static const char *const bad[] = {
	        "cursor=AAAA",
	        "cursor=bm90LWEtY3Vyc29y",
	        "cursor=%FF%FE%00",
	        "cursor=p-3",
	        "cursor=eyJpZCI6InAtMyJ9",
	        "cursor=" /* empty */,
	        /* the old, readable layout ('n' "Kilo" NUL "p-3" and an FNV check): a
	         * position anyone could write; such cursors open no more */
	        "cursor=bktpbG8AcC0zAAAAAA",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_400_on_every_list(token, bad[i], NULL);
	/* as long as a real cursor and of its alphabet, but made up: no key, no position */
	char made_up[7 + 210 + 1] = "cursor=AQ";
	memset(made_up + 9, 'A', 208);
	made_up[7 + 210] = '\0';
	expect_400_on_every_list(token, made_up, "cursor");
	free(token);
}

Test(paging, truncated_or_altered_cursor_is_400)
{
	char tenant[80];
	fresh_tenant("paging-trunc", tenant, sizeof(tenant));
	paging_fixture(tenant);
	char *token = rh_token(PAGER, tenant);
	for (size_t i = 0; i < NLISTS; i++) {
		char *cur = first_cursor(list_paths[i], token);
		size_t n = strlen(cur);
		cr_assert(n > 4, "cursor too short to cut: %s", cur);
		char *variants[4];
		variants[0] = strndup(cur, n - 1); /* last character cut */
		variants[1] = strndup(cur, n / 2); /* half of it */
		variants[2] = strdup(cur + 1);     /* first character cut */
		variants[3] = strdup(cur);         /* one character changed */
		variants[3][n / 2] = variants[3][n / 2] == 'A' ? 'B' : 'A';
		for (size_t v = 0; v < 4; v++) {
			struct http *r =
			        rh_getf(token, "%s?limit=1&cursor=%s", list_paths[i], variants[v]);
			char what[512];
			snprintf(what, sizeof(what), "%s with cursor %s (from %s)", list_paths[i],
			         variants[v], cur);
			rh_assert_error(r, 400, "cursor", what);
			http_free(r);
			free(variants[v]);
		}
		free(cur);
	}
	free(token);
}

/* Expects a cursor taken from list `from` to be refused by list `to`. */
static void expect_cursor_refused(const char *token, const char *from, const char *to)
{
	char *cur = first_cursor(from, token);
	struct http *r = rh_getf(token, "%s?limit=1&cursor=%s", to, cur);
	char what[512];
	snprintf(what, sizeof(what), "a cursor of %s used on %s", from, to);
	rh_assert_error(r, 400, "cursor", what);
	http_free(r);
	free(cur);
}

Test(paging, cursor_of_a_list_in_another_order_is_400)
{
	char tenant[80];
	fresh_tenant("paging-kind", tenant, sizeof(tenant));
	paging_fixture(tenant);
	char *token = rh_token(PAGER, tenant);
	expect_cursor_refused(token, "/crm/customers/overdue-actions",
	                      "/crm/customers/by-status/ACTIVE");
	expect_cursor_refused(token, "/crm/customers/by-status/ACTIVE",
	                      "/crm/customers/overdue-actions");
	expect_cursor_refused(token, "/crm/customers/my", "/crm/customers/overdue-actions");
	free(token);
}

Test(paging, cursor_of_another_list_in_the_same_order_is_400)
{
	char tenant[80];
	fresh_tenant("paging-other", tenant, sizeof(tenant));
	paging_fixture(tenant);
	char *token = rh_token(PAGER, tenant);
	/* both ordered by name then id, but other lists: the position means nothing there */
	expect_cursor_refused(token, "/crm/customers/by-status/ACTIVE",
	                      "/crm/customers/by-owner/" PAGER);
	expect_cursor_refused(token, "/crm/customers/by-owner/" PAGER,
	                      "/crm/customers/by-status/ACTIVE");
	expect_cursor_refused(token, "/crm/customers/by-status/ACTIVE",
	                      "/crm/customers/by-status/LEAD");
	free(token);
}

Test(paging, unknown_query_parameter_is_400)
{
	char tenant[80];
	fresh_tenant("paging-unknown", tenant, sizeof(tenant));
	paging_fixture(tenant);
	char *token = rh_token(PAGER, tenant);
	static const char *const bad[] = {"curser=abc",     "foo=bar",   "LIMIT=5",  "Cursor=abc",
	                                  "limit=2&page=2", "offset=10", "sort=name"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_400_on_every_list(token, bad[i], NULL);
	free(token);
}

Test(paging, misspelt_cursor_with_a_real_cursor_value_is_400_not_page_one)
{
	char tenant[80];
	fresh_tenant("paging-curser", tenant, sizeof(tenant));
	paging_fixture(tenant);
	char *token = rh_token(PAGER, tenant);
	for (size_t i = 0; i < NLISTS; i++) {
		char *cur = first_cursor(list_paths[i], token);
		struct http *r = rh_getf(token, "%s?limit=1&curser=%s", list_paths[i], cur);
		rh_assert_error(r, 400, "curser", list_paths[i]);
		http_free(r);
		free(cur);
	}
	free(token);
}

Test(paging, repeated_parameter_is_400)
{
	char tenant[80];
	fresh_tenant("paging-repeat", tenant, sizeof(tenant));
	paging_fixture(tenant);
	char *token = rh_token(PAGER, tenant);
	expect_400_on_every_list(token, "limit=1&limit=1", NULL);
	expect_400_on_every_list(token, "limit=1&limit=2", NULL);
	for (size_t i = 0; i < NLISTS; i++) {
		char *cur = first_cursor(list_paths[i], token);
		struct http *r =
		        rh_getf(token, "%s?cursor=%s&limit=1&cursor=%s", list_paths[i], cur, cur);
		rh_assert_error(r, 400, NULL, list_paths[i]);
		http_free(r);
		free(cur);
	}
	free(token);
}

Test(paging, enriched_customer_takes_no_query_parameters)
{
	char tenant[80];
	fresh_tenant("paging-get", tenant, sizeof(tenant));
	paging_fixture(tenant);
	char *token = rh_token(PAGER, tenant);
	static const char *const bad[] = {"limit=1", "cursor=abc", "foo=bar"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct http *r = rh_getf(token, "/crm/customers/p-1?%s", bad[i]);
		rh_assert_error(r, 400, NULL, bad[i]);
		http_free(r);
	}
	free(token);
}
