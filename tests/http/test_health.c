/* test_health: GET /health answers load balancers without a token, and nothing else is let through it. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/http/client.h"

static void assert_header(const struct http *r, const char *name, const char *want)
{
	char *v = http_header(r, name);
	cr_assert_not_null(v, "no %s header:\n%s", name, r->headers);
	cr_assert_str_eq(v, want, "%s: %s", name, v);
	free(v);
}

Test(health, answers_200_ok_without_a_token)
{
	struct http *r = http_get("/health", NULL);
	cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
	cr_assert_str_eq(r->body, "{\"status\":\"ok\"}");
	assert_header(r, "Content-Type", "application/json");
	assert_header(r, "Cache-Control", "no-store");
	http_free(r);
}

Test(health, looks_at_no_token_good_or_bad)
{
	static const char *const tokens[] = {"not-a-token", "a.b.c", ""};
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		struct http *r = http_get("/health", tokens[i]);
		cr_assert_eq(r->status, 200, "token '%s': %ld %s", tokens[i], r->status, r->body);
		cr_assert_null(strstr(r->headers, "WWW-Authenticate"), "%s", r->headers);
		http_free(r);
	}
}

Test(health, head_answers_200_without_a_body)
{
	struct http *r = http_do("HEAD", "/health", NULL, NULL, NULL, NULL);
	cr_assert_eq(r->status, 200);
	cr_assert_eq(r->body_len, 0);
	http_free(r);
}

Test(health, other_methods_are_405_with_allow)
{
	static const char *const methods[] = {"POST", "PUT", "PATCH", "DELETE"};
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		struct http *r = http_do(methods[i], "/health", NULL, NULL, NULL, NULL);
		cr_assert_eq(r->status, 405, "%s: %ld", methods[i], r->status);
		assert_error_body(r, 405);
		assert_header(r, "Allow", "GET, HEAD");
		http_free(r);
	}
}

Test(health, a_query_parameter_is_400)
{
	struct http *r = http_get("/health?verbose=1", NULL);
	cr_assert_eq(r->status, 400, "%ld %s", r->status, r->body);
	assert_error_body(r, 400);
	http_free(r);
}

Test(health, paths_beside_it_are_404_and_still_need_nothing_else)
{
	static const char *const paths[] = {"/health/", "/health/db", "/healthz", "/Health"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct http *r = http_get(paths[i], NULL);
		cr_assert_eq(r->status, 404, "%s: %ld %s", paths[i], r->status, r->body);
		assert_error_body(r, 404);
		http_free(r);
	}
}

Test(health, opens_no_door_to_the_data)
{
	/* the route's exception is its own: the customers still want a token */
	struct http *r = http_get("/crm/customers/my", NULL);
	cr_assert_eq(r->status, 401, "%ld %s", r->status, r->body);
	http_free(r);
}

Test(health, answers_many_probes_in_a_row)
{
	for (int i = 0; i < 200; i++) {
		struct http *r = http_get("/health", NULL);
		cr_assert_eq(r->status, 200, "probe %d: %ld %s", i, r->status, r->body);
		http_free(r);
	}
}
