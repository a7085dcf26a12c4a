/* test_route: the route table and pattern matching. */
#include <string.h>

#include <criterion/criterion.h>

#include "handlers/handlers.h"

static struct uri u;
static struct route_args c;

static void path(const char *raw)
{
	int ok;
	uri_free(&u);
	memset(&c, 0, sizeof(c));
	cr_assert_eq(uri_parse(raw, strlen(raw), "/api/v1", &u, &ok), FCGI_OK);
}

static const struct route *first_match(const char *method)
{
	for (size_t i = 0; i < route_count; i++)
		if (strcmp(route_table[i].method, method) == 0 &&
		    route_match(route_table[i].pattern, &u, &c))
			return &route_table[i];
	return NULL;
}

static void teardown(void)
{
	uri_free(&u);
}

TestSuite(route, .fini = teardown);

Test(route, literal_my_wins_over_the_id_parameter)
{
	path("/api/v1/crm/customers/my");
	cr_assert_str_eq(first_match("GET")->name, "customers.my");
}

Test(route, overdue_actions_is_its_own_route)
{
	path("/api/v1/crm/customers/overdue-actions");
	cr_assert_str_eq(first_match("GET")->name, "customers.overdue");
}

Test(route, captures_the_status_parameter)
{
	path("/api/v1/crm/customers/by-status/LEAD");
	cr_assert_str_eq(first_match("GET")->name, "customers.by_status");
	cr_assert_eq(c.len[0], 4);
	cr_assert_str_eq(c.str[0], "LEAD");
}

Test(route, captures_the_customer_id)
{
	path("/api/v1/crm/customers/abc-123");
	cr_assert_str_eq(first_match("GET")->name, "customers.get");
	cr_assert_str_eq(c.str[0], "abc-123");
}

Test(route, an_empty_segment_matches_no_parameter)
{
	path("/api/v1/crm/customers/");
	cr_assert_null(first_match("GET"));
	path("/api/v1/crm/customers/c1/tags/");
	cr_assert_null(first_match("POST"));
}

Test(route, extra_segments_match_nothing)
{
	path("/api/v1/crm/customers/by-status/LEAD/more");
	cr_assert_null(first_match("GET"));
}

Test(route, missing_segments_match_nothing)
{
	path("/api/v1/crm/customers/by-owner");
	const struct route *r = first_match("GET");
	/* "by-owner" alone is read as a customer id, never as the owner list */
	cr_assert_str_eq(r->name, "customers.get");
}

Test(route, literal_segments_compare_exactly)
{
	path("/api/v1/crm/Customers/my");
	cr_assert_null(first_match("GET"));
	path("/api/v1/crm/customers/m%00y");
	cr_assert_str_eq(first_match("GET")->name, "customers.get");
}

Test(route, an_unknown_method_matches_no_route)
{
	path("/api/v1/crm/customers/my");
	cr_assert_null(first_match("BREW"));
}
