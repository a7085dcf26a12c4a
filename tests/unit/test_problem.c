/* test_problem: errors as RFC 9457 problem details on request, the reference's shape otherwise, and the pointers a body error carries. */
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "fcgi/fcgi.h"
#include "handlers/handlers.h"
#include "lib/accept.h"

/* The body r holds, parsed; the members' names in order, comma-joined, in keys. */
static json_t *body_of(const struct response *r, char *keys, size_t cap)
{
	json_t *j = json_loadb(r->body.data, r->body.len, 0, NULL);
	cr_assert_not_null(j, "not JSON: %.*s", (int)r->body.len, r->body.data);
	keys[0] = '\0';
	const char *k;
	json_t *v;
	json_object_foreach (j, k, v) {
		if (keys[0] != '\0')
			strncat(keys, ",", cap - strlen(keys) - 1);
		strncat(keys, k, cap - strlen(keys) - 1);
	}
	return j;
}

Test(problem, without_it_an_error_keeps_the_references_shape_member_for_member)
{
	struct response r;
	char keys[200];
	resp_init(&r);
	resp_error(&r, 404, "customer not found");
	json_t *j = body_of(&r, keys, sizeof(keys));
	cr_assert_str_eq(keys, "title,status,detail,time");
	cr_assert_str_eq(json_string_value(json_object_get(j, "title")), "Not Found");
	cr_assert_str_eq(resp_content_type(&r), "application/json");
	json_decref(j);
	resp_free(&r);
}

Test(problem, with_it_an_error_is_rfc9457_with_type_instance_and_time)
{
	struct response r;
	char keys[200];
	resp_init(&r);
	r.problem = 1;
	r.instance = "0123456789abcdef0123456789abcdef";
	resp_error(&r, 404, "customer not found");
	json_t *j = body_of(&r, keys, sizeof(keys));
	cr_assert_str_eq(keys, "type,title,status,detail,instance,time");
	cr_assert_str_eq(json_string_value(json_object_get(j, "type")),
	                 "/api/v1/docs#problem-not-found");
	cr_assert_eq(json_integer_value(json_object_get(j, "status")), 404);
	cr_assert_str_eq(json_string_value(json_object_get(j, "instance")), r.instance);
	cr_assert_str_eq(resp_content_type(&r), "application/problem+json");
	json_decref(j);
	resp_free(&r);
}

Test(problem, a_success_goes_as_json_even_when_problems_were_asked_for)
{
	struct response r;
	resp_init(&r);
	r.problem = 1;
	r.status = 200;
	cr_assert_str_eq(resp_content_type(&r), "application/json");
	resp_free(&r);
}

Test(problem, a_body_error_points_at_the_member)
{
	struct response r;
	char keys[200];
	resp_init(&r);
	r.problem = 1;
	r.instance = "id-1";
	reply_body_error(&r, "contacts[1].email: expected a string or null");
	json_t *j = body_of(&r, keys, sizeof(keys));
	cr_assert_str_eq(keys, "type,title,status,detail,instance,time,errors");
	cr_assert_str_eq(json_string_value(json_object_get(j, "type")),
	                 "/api/v1/docs#problem-invalid-body");
	json_t *e = json_array_get(json_object_get(j, "errors"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(e, "pointer")), "/contacts/1/email");
	cr_assert_str_eq(json_string_value(json_object_get(e, "detail")),
	                 "expected a string or null");
	cr_assert_str_eq(json_string_value(json_object_get(j, "detail")),
	                 "contacts[1].email: expected a string or null");
	json_decref(j);
	resp_free(&r);
}

Test(problem, a_body_error_without_problem_details_is_the_plain_400)
{
	struct response r;
	char keys[200];
	resp_init(&r);
	reply_body_error(&r, "contacts[1].email: expected a string or null");
	cr_assert_eq(r.status, 400);
	json_t *j = body_of(&r, keys, sizeof(keys));
	cr_assert_str_eq(keys, "title,status,detail,time");
	json_decref(j);
	resp_free(&r);
}

Test(problem, every_status_has_a_documented_type)
{
	static const int statuses[] = {400, 401, 403, 404, 405, 409, 411, 412,
	                               413, 414, 415, 422, 500, 501, 503, 505};
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		const char *t = resp_problem_type(statuses[i], 0);
		cr_assert(strncmp(t, "/api/v1/docs#problem-", 21) == 0, "%d: %s", statuses[i], t);
	}
	cr_assert_str_eq(resp_problem_type(500, 0), "/api/v1/docs#problem-internal-error");
	cr_assert_str_eq(resp_problem_type(400, 1), "/api/v1/docs#problem-invalid-body");
	cr_assert_str_eq(resp_problem_type(400, 0), "/api/v1/docs#problem-invalid-request");
}

Test(problem_accept, names_problem_json_with_a_weight_above_zero)
{
	cr_assert_eq(accept_problem("application/problem+json"), 1);
	cr_assert_eq(accept_problem("APPLICATION/Problem+JSON"), 1);
	cr_assert_eq(accept_problem("text/html, application/problem+json;q=0.5"), 1);
	cr_assert_eq(accept_problem("application/problem+json; charset=utf-8"), 1);
	cr_assert_eq(accept_problem("application/json, application/problem+json ; q=1.0"), 1);
}

Test(problem_accept, refuses_absent_wildcards_other_types_and_q0)
{
	cr_assert_eq(accept_problem(NULL), 0);
	cr_assert_eq(accept_problem(""), 0);
	cr_assert_eq(accept_problem("*/*"), 0);
	cr_assert_eq(accept_problem("application/*"), 0);
	cr_assert_eq(accept_problem("application/json"), 0);
	cr_assert_eq(accept_problem("application/problem+json;q=0"), 0);
	cr_assert_eq(accept_problem("application/problem+json; q=0.000"), 0);
	cr_assert_eq(accept_problem("application/problem+jsonx"), 0);
	cr_assert_eq(accept_problem("application/problem+json;q=2"), 0);
}

static void expect_pointer(const char *msg, int rc, const char *pointer, const char *reason)
{
	char out[128];
	const char *why = NULL;
	cr_assert_eq(body_error_pointer(msg, out, sizeof(out), &why), rc, "%s", msg);
	cr_assert_str_eq(out, pointer, "%s", msg);
	cr_assert_str_eq(why, reason, "%s", msg);
}

Test(problem_pointer, from_the_models_member_paths)
{
	expect_pointer("contacts[1].email: expected a string or null", 0, "/contacts/1/email",
	               "expected a string or null");
	expect_pointer("name: required: 1 to 200 characters", 0, "/name",
	               "required: 1 to 200 characters");
	expect_pointer("billingAddress.city: expected a string or null", 0, "/billingAddress/city",
	               "expected a string or null");
	expect_pointer("deliveryAddresses[0]: expected an object", 0, "/deliveryAddresses/0",
	               "expected an object");
	expect_pointer("unknown member 'a/b~c' in the body", 0, "/a~1b~0c",
	               "unknown member 'a/b~c' in the body");
}

Test(problem_pointer, a_message_about_the_whole_body_points_at_the_root)
{
	expect_pointer("The body must be a JSON object.", -1, "",
	               "The body must be a JSON object.");
	expect_pointer("The body cannot be read: it is not valid JSON (line 1, column 2).", -1, "",
	               "The body cannot be read: it is not valid JSON (line 1, column 2).");
	expect_pointer("contacts[x].email: no", -1, "", "contacts[x].email: no");
	expect_pointer("contacts[1: no", -1, "", "contacts[1: no");
	expect_pointer("unknown member 'unterminated", -1, "", "unknown member 'unterminated");
	expect_pointer("", -1, "", "");
}

Test(problem_pointer, never_writes_past_its_buffer)
{
	char out[8];
	const char *why;
	cr_assert_eq(body_error_pointer("averyveryverylongname: x", out, sizeof(out), &why), -1);
	cr_assert_str_eq(out, "");
}
