/* test_problem: errors as RFC 9457 problem details with Accept: application/problem+json — from the service and from nginx — and the reference's shape without it; the API document and its page served without a token. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/http/client.h"

static const char *const PROBLEM[] = {"Accept: application/problem+json", NULL};

/* The member names of r's JSON object body, comma-joined. */
static void keys_of(const struct http *r, char *out, size_t cap)
{
	cr_assert(json_is_object(r->json), "not a JSON object: %s", r->body);
	out[0] = '\0';
	const char *k;
	json_t *v;
	json_object_foreach (r->json, k, v) {
		if (out[0] != '\0')
			strncat(out, ",", cap - strlen(out) - 1);
		strncat(out, k, cap - strlen(out) - 1);
	}
}

/* r is a problem of status and type kind ("not-found"), instance the request's id. */
static void assert_problem(const struct http *r, long status, const char *kind)
{
	char want[120], keys[200];
	cr_assert_eq(r->status, status, "status %ld, expected %ld: %s", r->status, status, r->body);
	char *ct = http_header(r, "Content-Type");
	cr_assert_not_null(ct);
	cr_assert_str_eq(ct, "application/problem+json");
	free(ct);
	keys_of(r, keys, sizeof(keys));
	cr_assert(strncmp(keys, "type,title,status,detail,instance,time", 38) == 0, "%s", keys);
	snprintf(want, sizeof(want), "/api/v1/docs#problem-%s", kind);
	cr_assert_str_eq(json_string_value(json_object_get(r->json, "type")), want);
	cr_assert_eq(json_integer_value(json_object_get(r->json, "status")), status);
	char *id = http_header(r, "X-Request-Id");
	cr_assert_not_null(id, "no X-Request-Id");
	cr_assert_str_eq(json_string_value(json_object_get(r->json, "instance")), id);
	free(id);
}

/* r is in the reference's error shape, exactly (plus status), as application/json. */
static void assert_plain(const struct http *r, long status)
{
	char keys[200];
	assert_error_body(r, status);
	char *ct = http_header(r, "Content-Type");
	cr_assert_str_eq(ct, "application/json");
	free(ct);
	keys_of(r, keys, sizeof(keys));
	cr_assert_str_eq(keys, "title,status,detail,time");
}

static char *caller(const char *prefix, char *tenant, size_t cap)
{
	fresh_tenant(prefix, tenant, cap);
	return token_for("u-1", tenant, "crm:read crm:write");
}

Test(problem, an_unknown_customer_is_a_problem_when_asked_for)
{
	char tenant[80];
	char *tok = caller("pd-404", tenant, sizeof(tenant));
	struct http *r = http_do("GET", "/crm/customers/nobody", tok, NULL, NULL, PROBLEM);
	assert_problem(r, 404, "not-found");
	cr_assert_str_eq(json_string_value(json_object_get(r->json, "detail")),
	                 "customer not found");
	http_free(r);
	free(tok);
}

Test(problem, without_the_header_errors_keep_the_references_shape)
{
	char tenant[80];
	char *tok = caller("pd-plain", tenant, sizeof(tenant));
	static const char *const json_only[] = {"Accept: application/json", NULL};
	static const char *const any[] = {"Accept: */*", NULL};
	static const char *const zero[] = {"Accept: application/problem+json;q=0", NULL};
	const char *const *accepts[] = {NULL, json_only, any, zero};
	for (size_t i = 0; i < sizeof(accepts) / sizeof(accepts[0]); i++) {
		struct http *r =
		        http_do("GET", "/crm/customers/nobody", tok, NULL, NULL, accepts[i]);
		assert_plain(r, 404);
		http_free(r);
	}
	free(tok);
}

Test(problem, a_body_error_points_at_the_member_with_a_json_pointer)
{
	char tenant[80];
	char *tok = caller("pd-body", tenant, sizeof(tenant));
	struct http *r = http_do("POST", "/crm/customers", tok, "application/json",
	                         "{\"name\":\"Acme\",\"type\":\"COMPANY\",\"contacts\":[{\"email\":"
	                         "\"a@b.c\"},{\"email\":5}]}",
	                         PROBLEM);
	assert_problem(r, 400, "invalid-body");
	json_t *e = json_array_get(json_object_get(r->json, "errors"), 0);
	cr_assert_not_null(e, "no errors: %s", r->body);
	cr_assert_str_eq(json_string_value(json_object_get(e, "pointer")), "/contacts/1/email");
	cr_assert_not_null(json_string_value(json_object_get(e, "detail")));
	http_free(r);

	r = http_do("POST", "/crm/customers", tok, "application/json",
	            "{\"name\":\"Acme\",\"type\":\"COMPANY\",\"id\":\"x\"}", PROBLEM);
	assert_problem(r, 400, "invalid-body");
	e = json_array_get(json_object_get(r->json, "errors"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(e, "pointer")), "/id");
	http_free(r);

	/* the same request without the header: the plain 400, no errors member */
	r = http_do("POST", "/crm/customers", tok, "application/json",
	            "{\"name\":\"Acme\",\"type\":\"COMPANY\",\"id\":\"x\"}", NULL);
	assert_plain(r, 400);
	http_free(r);
	free(tok);
}

Test(problem, a_body_that_is_not_json_points_at_the_whole_body)
{
	char tenant[80];
	char *tok = caller("pd-syntax", tenant, sizeof(tenant));
	struct http *r = http_do("PATCH", "/crm/customers/c-1/crm-status", tok, "application/json",
	                         "{\"crmStatus\":", PROBLEM);
	assert_problem(r, 400, "invalid-body");
	json_t *e = json_array_get(json_object_get(r->json, "errors"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(e, "pointer")), "");
	http_free(r);
	free(tok);
}

Test(problem, a_bad_path_parameter_is_an_invalid_request_without_errors)
{
	char tenant[80];
	char *tok = caller("pd-param", tenant, sizeof(tenant));
	struct http *r = http_do("GET", "/crm/customers/by-status/NOPE", tok, NULL, NULL, PROBLEM);
	assert_problem(r, 400, "invalid-request");
	cr_assert_null(json_object_get(r->json, "errors"));
	http_free(r);
	free(tok);
}

Test(problem, a_401_is_a_problem_with_its_challenge)
{
	struct http *r = http_do("GET", "/crm/customers/my", NULL, NULL, NULL, PROBLEM);
	assert_problem(r, 401, "invalid-token");
	char *www = http_header(r, "WWW-Authenticate");
	cr_assert_not_null(www);
	cr_assert(strncmp(www, "Bearer error=\"invalid_token\"", 28) == 0, "%s", www);
	free(www);
	http_free(r);
}

Test(problem, a_405_is_a_problem_with_allow)
{
	char tenant[80];
	char *tok = caller("pd-405", tenant, sizeof(tenant));
	struct http *r = http_do("DELETE", "/crm/customers/my", tok, NULL, NULL, PROBLEM);
	assert_problem(r, 405, "method-not-allowed");
	char *allow = http_header(r, "Allow");
	cr_assert_str_eq(allow, "GET, HEAD");
	free(allow);
	http_free(r);
	free(tok);
}

Test(problem, nginxs_own_errors_follow_the_same_negotiation)
{
	/* outside /api/v1/: nginx's 404 */
	struct http *r = http_do("GET", "/../../nothing", NULL, NULL, NULL, PROBLEM);
	assert_problem(r, 404, "not-found");
	http_free(r);
	r = http_do("GET", "/../../nothing", NULL, NULL, NULL, NULL);
	assert_plain(r, 404);
	http_free(r);
	/* TRACE: nginx refuses it before any location */
	r = http_do("TRACE", "/crm/customers/my", NULL, NULL, NULL, PROBLEM);
	assert_problem(r, 405, "method-not-allowed");
	http_free(r);
	r = http_do("TRACE", "/crm/customers/my", NULL, NULL, NULL, NULL);
	assert_plain(r, 405);
	http_free(r);
}

Test(problem, the_document_and_its_page_are_served_without_a_token)
{
	struct http *r = http_get("/openapi.json", NULL);
	cr_assert_eq(r->status, 200, "%ld: %.200s", r->status, r->body);
	char *ct = http_header(r, "Content-Type");
	cr_assert_str_eq(ct, "application/json");
	free(ct);
	cr_assert_str_eq(json_string_value(json_object_get(r->json, "openapi")), "3.1.0");
	cr_assert_not_null(
	        json_object_get(json_object_get(r->json, "paths"), "/crm/customers/{id}"));
	http_free(r);

	r = http_get("/docs", NULL);
	cr_assert_eq(r->status, 200);
	ct = http_header(r, "Content-Type");
	cr_assert_str_eq(ct, "text/html; charset=utf-8");
	free(ct);
	cr_assert_not_null(strstr(r->body, "Redoc.init("));
	/* self-contained: no script or style from elsewhere */
	cr_assert_null(strstr(r->body, "<script src="));
	cr_assert_null(strstr(r->body, "<link "));
	http_free(r);
}
