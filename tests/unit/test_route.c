/* test_route: the route table, pattern matching, and the path parameter kinds. */
#include <string.h>

#include <criterion/criterion.h>

#include "handlers/handlers.h"

static struct uri u;
static struct route_args c;
static struct strbuf link_path = STRBUF_INIT;

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
	strbuf_free(&link_path);
}

/* cppcheck-suppress unknownMacro */
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

/* ---- what the table declares ----------------------------------------------------------- */

Test(route, every_parameter_in_a_pattern_names_a_parameter_kind)
{
	for (size_t i = 0; i < route_count; i++) {
		const char *p = route_table[i].pattern;
		size_t n = 0;
		while ((p = strchr(p, '{')) != NULL) {
			const char *end = strchr(p, '}');
			cr_assert_not_null(end, "%s: '{' without '}'", route_table[i].pattern);
			cr_assert_neq(param_kind_named(p + 1, (size_t)(end - p - 1)), PARAM__MAX,
			              "%s: %.*s is no parameter kind", route_table[i].pattern,
			              (int)(end - p + 1), p);
			n++;
			p = end;
		}
		cr_assert_leq(n, ROUTE_MAX_ARGS, "%s", route_table[i].pattern);
	}
}

Test(route, every_route_declares_its_access_a_handler_and_a_name)
{
	for (size_t i = 0; i < route_count; i++) {
		const struct route *r = &route_table[i];
		cr_assert(r->access == ACCESS_READ || r->access == ACCESS_WRITE ||
		                  r->access == ACCESS_PUBLIC,
		          "%s", r->name);
		cr_assert_not_null(r->handler, "%s", r->name);
		cr_assert_not_null(r->name);
		cr_assert(r->body == BODY_NONE || strcmp(r->method, "GET") != 0,
		          "%s: a GET with a body", r->name);
	}
}

/* A route without a token is a deliberate exception: the health check, a GET that takes nothing. */
Test(route, only_the_health_check_is_public)
{
	size_t n = 0;
	for (size_t i = 0; i < route_count; i++) {
		const struct route *r = &route_table[i];
		if (r->access != ACCESS_PUBLIC)
			continue;
		n++;
		cr_assert_str_eq(r->name, "health");
		cr_assert_str_eq(r->pattern, "health");
		cr_assert_str_eq(r->method, "GET");
		cr_assert_eq(r->body, BODY_NONE);
		cr_assert_eq(r->query, QUERY_NONE);
	}
	cr_assert_eq(n, 1);
}

Test(route, health_matches_only_its_own_path)
{
	path("/api/v1/health");
	const struct route *r = first_match("GET");
	cr_assert_not_null(r);
	cr_assert_str_eq(r->name, "health");
	path("/api/v1/health/x");
	cr_assert_null(first_match("GET"));
}

Test(route, a_list_filtered_by_its_path_has_exactly_one_path_parameter)
{
	for (size_t i = 0; i < route_count; i++) {
		const struct route *r = &route_table[i];
		size_t n = 0;
		for (const char *p = r->pattern; (p = strchr(p, '{')) != NULL; p++)
			n++;
		if (r->query == QUERY_PAGING && r->list.filter == FILTER_PATH)
			cr_assert_eq(n, 1, "%s", r->name);
		if (r->query == QUERY_NONE)
			cr_assert_eq(r->list.filter, FILTER_NONE, "%s: a filter without paging",
			             r->name);
	}
}

Test(route, captures_each_parameter_with_its_kind_in_path_order)
{
	path("/api/v1/crm/customers/c1/owner/u-2");
	cr_assert_str_eq(first_match("PATCH")->name, "customers.set_owner");
	cr_assert_eq(c.n, 2);
	cr_assert_eq(c.kind[0], PARAM_CUSTOMER_ID);
	cr_assert_str_eq(c.str[0], "c1");
	cr_assert_eq(c.kind[1], PARAM_OWNER_ID);
	cr_assert_str_eq(c.str[1], "u-2");
	path("/api/v1/crm/customers/c1/tags/vip");
	cr_assert_str_eq(first_match("POST")->name, "customers.add_tag");
	cr_assert_eq(c.kind[1], PARAM_TAG);
}

Test(route, a_pattern_naming_no_parameter_kind_matches_nothing)
{
	path("/api/v1/crm/customers/c1");
	cr_assert_not(route_match("crm/customers/{customerId}", &u, &c));
	cr_assert_not(route_match("crm/customers/{id", &u, &c));
	cr_assert_not(route_match("crm/customers/{}", &u, &c));
	cr_assert(route_match("crm/customers/{id}", &u, &c));
}

Test(route, a_failed_match_leaves_the_parameters_alone)
{
	path("/api/v1/crm/customers/c1");
	cr_assert(route_match("crm/customers/{id}", &u, &c));
	cr_assert_not(route_match("crm/customers/{id}/owner", &u, &c));
	cr_assert_eq(c.n, 1);
	cr_assert_str_eq(c.str[0], "c1");
}

/* ---- the parameter kinds --------------------------------------------------------------- */

static struct call call;
static char err[300];

/* param_parse on a NUL-terminated segment: 0, or the status. */
static int param(enum param_kind k, const char *s)
{
	memset(&call, 0, sizeof(call));
	err[0] = '\0';
	return param_parse(k, s, strlen(s), &call, err, sizeof(err));
}

Test(route, parameter_kinds_are_named_as_patterns_and_messages_spell_them)
{
	static const char *const names[PARAM__MAX] = {"id", "ownerId", "status", "tag"};
	for (int k = 0; k < PARAM__MAX; k++) {
		cr_assert_str_eq(param_name((enum param_kind)k), names[k]);
		cr_assert_eq(param_kind_named(names[k], strlen(names[k])), k);
	}
	cr_assert_eq(param_kind_named("Id", 2), PARAM__MAX);
	cr_assert_eq(param_kind_named("owner", 5), PARAM__MAX);
	cr_assert_eq(param_kind_named("ownerIdx", 8), PARAM__MAX);
	cr_assert_eq(param_kind_named("", 0), PARAM__MAX);
	cr_assert_null(param_name(PARAM__MAX));
}

Test(route, a_customer_id_and_an_owner_id_are_stored_as_given)
{
	cr_assert_eq(param(PARAM_CUSTOMER_ID, "0191a5b2-7c3d_X"), 0);
	cr_assert_str_eq(call.id, "0191a5b2-7c3d_X");
	cr_assert_str_eq(param_text(PARAM_CUSTOMER_ID, &call), "0191a5b2-7c3d_X");
	cr_assert_eq(param(PARAM_OWNER_ID, "u-1"), 0);
	cr_assert_str_eq(call.owner_id, "u-1");
	cr_assert_null(call.id);
}

Test(route, a_bad_id_is_400_naming_the_parameter_and_the_limit)
{
	char long_id[LIMIT_ID_CHARS + 2];
	memset(long_id, 'a', LIMIT_ID_CHARS + 1);
	long_id[LIMIT_ID_CHARS + 1] = '\0';
	const char *bad[] = {"", "a.b", "..", "a b", "\xc3\xa9", long_id};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(param(PARAM_CUSTOMER_ID, bad[i]), 400, "'%s' accepted", bad[i]);
		cr_assert_str_eq(err, "id must be 1..64 characters of A-Z, a-z, 0-9, '_' or '-'.");
		cr_assert_null(call.id);
		cr_assert_eq(param(PARAM_OWNER_ID, bad[i]), 400, "'%s' accepted", bad[i]);
		cr_assert_str_eq(err,
		                 "ownerId must be 1..64 characters of A-Z, a-z, 0-9, '_' or '-'.");
		cr_assert_null(call.owner_id);
	}
}

Test(route, an_id_with_a_nul_byte_is_400)
{
	memset(&call, 0, sizeof(call));
	cr_assert_eq(param_parse(PARAM_CUSTOMER_ID, "c1\0x", 4, &call, err, sizeof(err)), 400);
	cr_assert_null(call.id);
}

Test(route, a_status_is_stored_typed)
{
	cr_assert_eq(param(PARAM_STATUS, "CHURNED"), 0);
	cr_assert_eq(call.status, CRM_STATUS_CHURNED);
	cr_assert_str_eq(param_text(PARAM_STATUS, &call), "CHURNED");
}

Test(route, a_bad_status_is_400_naming_the_statuses)
{
	const char *bad[] = {"", "lead", "LEADX", "LEA", " LEAD", "LEAD\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(param(PARAM_STATUS, bad[i]), 400, "'%s' accepted", bad[i]);
		cr_assert_str_eq(err, "status must be one of LEAD, PROSPECT, ACTIVE, CUSTOMER, "
		                      "INACTIVE or CHURNED.");
	}
}

Test(route, a_tag_is_stored_normalised)
{
	cr_assert_eq(param(PARAM_TAG, "  cafe\xCC\x81 "), 0);
	cr_assert_str_eq(call.tag, "caf\xC3\xA9");
	cr_assert_str_eq(param_text(PARAM_TAG, &call), "caf\xC3\xA9");
}

Test(route, a_bad_tag_is_400_with_the_tag_rule)
{
	const char *bad[] = {"", "   ", "a\tb", "\xef\xbb\xbfvip"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(param(PARAM_TAG, bad[i]), 400, "'%s' accepted", bad[i]);
		cr_assert(strncmp(err, "tag: ", 5) == 0, "%s", err);
		cr_assert_null(param_text(PARAM_TAG, &call));
	}
}

Test(route, no_kind_beyond_the_table_is_checked)
{
	cr_assert_eq(param(PARAM__MAX, "c1"), 500);
	cr_assert_null(param_text(PARAM__MAX, &call));
}

/* ---- the path a Link names -------------------------------------------------------------- */

static const struct route *route_named(const char *name)
{
	for (size_t i = 0; i < route_count; i++)
		if (strcmp(route_table[i].name, name) == 0)
			return &route_table[i];
	cr_assert_fail("no route %s", name);
	return NULL;
}

/* The path route_path rebuilds for the route named name from call's values. */
static const char *path_of(const char *name)
{
	strbuf_reset(&link_path);
	route_path(route_named(name), &call, &link_path);
	cr_assert_not(strbuf_failed(&link_path));
	return link_path.data;
}

Test(route, the_path_of_a_route_is_rebuilt_from_its_checked_values)
{
	memset(&call, 0, sizeof(call));
	cr_assert_str_eq(path_of("customers.my"), "/crm/customers/my");
	cr_assert_str_eq(path_of("customers.overdue"), "/crm/customers/overdue-actions");
	call.owner_id = "u-1_X";
	cr_assert_str_eq(path_of("customers.by_owner"), "/crm/customers/by-owner/u-1_X");
	call.status = CRM_STATUS_INACTIVE;
	cr_assert_str_eq(path_of("customers.by_status"), "/crm/customers/by-status/INACTIVE");
}

Test(route, the_path_of_a_route_percent_encodes_its_values)
{
	memset(&call, 0, sizeof(call));
	call.id = "c1";
	strcpy(call.tag, "a/b caf\xC3\xA9?");
	cr_assert_str_eq(path_of("customers.add_tag"),
	                 "/crm/customers/c1/tags/a%2Fb%20caf%C3%A9%3F");
}
