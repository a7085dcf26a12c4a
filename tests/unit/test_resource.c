/* test_resource: a created customer is checked by the import's shape rules, plus the create rules (name, type, server-owned members). */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "lib/limits.h"
#include "model/shape.h"

#define TENANT "acme"
#define NEW_ID "0190f0b6-7c1a-7abc-8def-0123456789ab"

TestSuite(resource);

/* shape_customer_create of the JSON text body: the canonical customer, or NULL with err. */
static json_t *create(const char *body, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *in = json_loads(body, 0, &jerr);
	cr_assert_not_null(in, "test body is not JSON: %s", jerr.text);
	json_t *out = shape_customer_create(in, TENANT, NEW_ID, err, errlen);
	json_decref(in);
	return out;
}

static void expect_refused(const char *body, const char *message)
{
	char err[300] = "";
	json_t *out = create(body, err, sizeof(err));
	cr_assert_null(out, "%s: accepted", body);
	cr_assert_str_eq(err, message, "%s: got '%s'", body, err);
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

Test(resource, create_fills_every_member_of_the_shape_from_name_and_type)
{
	char err[300];
	json_t *c = create("{\"type\":\"COMPANY\",\"name\":\"Acme\"}", err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	cr_assert_str_eq(str(c, "id"), NEW_ID);
	cr_assert_str_eq(str(c, "tenantId"), TENANT);
	cr_assert_str_eq(str(c, "crmStatus"), "LEAD");
	cr_assert(json_is_array(json_object_get(c, "events")));
	cr_assert(json_is_array(json_object_get(c, "visits")));
	cr_assert(json_is_array(json_object_get(c, "tags")));
	cr_assert(json_is_null(json_object_get(c, "created")));
	cr_assert(json_is_null(json_object_get(c, "ownerId")));
	/* the seed's order: avatar first, website last */
	void *it = json_object_iter(c);
	cr_assert_str_eq(json_object_iter_key(it), "avatar");
	cr_assert_eq(json_object_size(c), 30);
	json_decref(c);
}

Test(resource, create_keeps_initial_values_in_canonical_form)
{
	char err[300];
	json_t *c =
	        create("{\"name\":\"A\",\"type\":\"PERSON\",\"crmStatus\":\"CHURNED\","
	               "\"nextAction\":\"x\",\"nextActionDueDate\":\"2030-01-01T01:00:00+01:00\","
	               "\"tags\":[\"b\",\"A\"],\"contacts\":[{\"email\":\"e\"}]}",
	               err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	cr_assert_str_eq(str(c, "crmStatus"), "CHURNED");
	cr_assert_str_eq(str(c, "nextActionDueDate"), "2030-01-01T00:00:00Z");
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(c, "tags"), 1)), "A");
	const json_t *contact = json_array_get(json_object_get(c, "contacts"), 0);
	cr_assert(json_is_null(json_object_get(contact, "id")), "the model gives the id");
	cr_assert_eq(json_object_size(contact), 6);
	json_decref(c);
}

Test(resource, create_accepts_a_name_of_the_limit)
{
	char name[LIMIT_NAME_CHARS + 1], body[LIMIT_NAME_CHARS + 64], err[300];
	memset(name, 'n', LIMIT_NAME_CHARS);
	name[LIMIT_NAME_CHARS] = '\0';
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"type\":\"PERSON\"}", name);
	json_t *c = create(body, err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	json_decref(c);
}

Test(resource, create_refuses_a_name_of_one_more_than_the_limit)
{
	char name[LIMIT_NAME_CHARS + 2], body[LIMIT_NAME_CHARS + 64];
	memset(name, 'n', LIMIT_NAME_CHARS + 1);
	name[LIMIT_NAME_CHARS + 1] = '\0';
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"type\":\"PERSON\"}", name);
	expect_refused(body, "name: expected 1 to " LIMIT_NAME_CHARS_TEXT " characters, not blank");
}

Test(resource, create_refuses_a_missing_or_blank_name)
{
	expect_refused("{\"type\":\"PERSON\"}",
	               "name: required: 1 to " LIMIT_NAME_CHARS_TEXT " characters, not blank");
	expect_refused("{\"name\":null,\"type\":\"PERSON\"}",
	               "name: required: 1 to " LIMIT_NAME_CHARS_TEXT " characters, not blank");
	expect_refused("{\"name\":\"   \",\"type\":\"PERSON\"}",
	               "name: expected 1 to " LIMIT_NAME_CHARS_TEXT " characters, not blank");
	expect_refused("{\"name\":[],\"type\":\"PERSON\"}", "name: expected a string or null");
}

Test(resource, create_refuses_a_missing_or_unknown_type)
{
	expect_refused("{\"name\":\"A\"}", "type: required: one of PERSON or COMPANY");
	expect_refused("{\"name\":\"A\",\"type\":null}",
	               "type: required: one of PERSON or COMPANY");
	expect_refused("{\"name\":\"A\",\"type\":\"person\"}",
	               "type: 'person' is not one of PERSON or COMPANY, or null");
}

Test(resource, create_refuses_each_server_owned_member)
{
	static const char *const owned[] = {"created",  "createdBy", "events",    "id",
	                                    "tenantId", "updated",   "updatedBy", "visits"};
	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		char body[128], msg[128];
		snprintf(body, sizeof(body), "{\"name\":\"A\",\"type\":\"PERSON\",\"%s\":null}",
		         owned[i]);
		snprintf(msg, sizeof(msg), "%s: set by the server, not by a client; leave it out",
		         owned[i]);
		expect_refused(body, msg);
		cr_assert(shape_customer_server_owned(owned[i]));
	}
	cr_assert(!shape_customer_server_owned("name"));
	cr_assert(!shape_customer_server_owned("crmStatus"));
}

Test(resource, create_refuses_unknown_members_at_any_depth)
{
	expect_refused("{\"name\":\"A\",\"type\":\"PERSON\",\"Name\":\"B\"}",
	               "Name: unknown member");
	expect_refused("{\"name\":\"A\",\"type\":\"PERSON\",\"contacts\":[{\"fax\":\"1\"}]}",
	               "contacts[0].fax: unknown member");
	expect_refused("{\"name\":\"A\",\"type\":\"PERSON\",\"opportunities\":[]}",
	               "opportunities: unknown member");
}

Test(resource, create_refuses_bad_values_with_the_import_messages)
{
	expect_refused("{\"name\":\"A\",\"type\":\"PERSON\",\"contacts\":[{},{\"email\":1}]}",
	               "contacts[1].email: expected a string or null");
	expect_refused("{\"name\":\"A\",\"type\":\"PERSON\",\"tags\":[\"Vip\",\"VIP\"]}",
	               "tags[1]: duplicate of tag 'Vip' (tags ignore case)");
	expect_refused("{\"name\":\"A\",\"type\":\"PERSON\",\"tags\":[\" x\"]}",
	               "tags[0]: must not begin or end with white space");
	expect_refused("{\"name\":\"A\",\"type\":\"PERSON\",\"avatar\":{\"width\":-1}}",
	               "avatar.width: must be 0 or more");
	expect_refused("{\"name\":\"A\",\"type\":\"PERSON\",\"nextActionDueDate\":\"2030-01-01T00:"
	               "00:00Z\"}",
	               "nextActionDueDate: needs a nextAction text");
}

Test(resource, create_refuses_a_101st_tag)
{
	char body[4096];
	int n = snprintf(body, sizeof(body), "{\"name\":\"A\",\"type\":\"PERSON\",\"tags\":[");
	for (int i = 0; i <= LIMIT_TAGS; i++)
		n += snprintf(body + n, sizeof(body) - (size_t)n, "%s\"t%d\"", i ? "," : "", i);
	snprintf(body + n, sizeof(body) - (size_t)n, "]}");
	expect_refused(body, "tags: at most " LIMIT_TAGS_TEXT " tags");
}

Test(resource, create_refuses_a_body_that_is_no_object)
{
	char err[300];
	json_t *in = json_array();
	cr_assert_null(shape_customer_create(in, TENANT, NEW_ID, err, sizeof(err)));
	cr_assert_str_eq(err, "expected an object");
	json_decref(in);
}
