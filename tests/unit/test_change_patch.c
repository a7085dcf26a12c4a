/* test_change_patch: PATCH /crm/customers/{id} as a merge of a canonical customer document. */
#include <string.h>

#include <criterion/criterion.h>

#include "model/change.h"
#include "model/shape.h"

static json_t *doc;

static void setup(void)
{
	json_t *in = json_loads(
	        "{\"id\":\"c-1\",\"name\":\"Acme\",\"type\":\"COMPANY\",\"email\":\"a@x.nl\","
	        "\"phone\":\"1\",\"preferredLanguage\":\"nl\",\"billingAddress\":{\"id\":\"b-1\","
	        "\"city\":\"Delft\",\"street\":\"Markt\"},\"contacts\":[{\"id\":\"k-1\","
	        "\"email\":\"k@x.nl\"}],\"events\":[]}",
	        0, NULL);
	char err[256];
	doc = shape_canonical(SHAPE_CUSTOMER, in, "t1", err, sizeof(err));
	json_decref(in);
	cr_assert_not_null(doc, "%s", err);
}

static void teardown(void)
{
	json_decref(doc);
}

/* cppcheck-suppress unknownMacro */
TestSuite(change_patch, .init = setup, .fini = teardown);

static enum change_result patch(const char *text, char *msg, size_t cap)
{
	json_t *p = json_loads(text, 0, NULL);
	cr_assert_not_null(p, "%s", text);
	struct change ch = {.kind = CHANGE_MERGE_PATCH, .patch = p};
	ch.actor = "u1";
	ch.now = 1700000000000000LL;
	ch.event_id = "ev-1";
	enum change_result r = change_apply(doc, &ch, msg, cap);
	json_decref(p);
	return r;
}

static const char *member(const char *path1, const char *path2)
{
	json_t *v = json_object_get(doc, path1);
	if (path2 != NULL)
		v = json_object_get(v, path2);
	return json_string_value(v);
}

static size_t event_count(void)
{
	return json_array_size(json_object_get(doc, "events"));
}

static const char *last_event(const char *key)
{
	json_t *ev = json_array_get(json_object_get(doc, "events"), event_count() - 1);
	return json_string_value(json_object_get(ev, key));
}

Test(change_patch, changed_members_are_named_in_the_shapes_order)
{
	char msg[256];
	cr_assert_eq(patch("{\"phone\":\"2\",\"email\":\"b@x.nl\",\"name\":\"Acme\"}", msg,
	                   sizeof(msg)),
	             CHANGE_APPLIED);
	cr_assert_str_eq(member("email", NULL), "b@x.nl");
	cr_assert_str_eq(member("phone", NULL), "2");
	cr_assert_eq(event_count(), 1);
	cr_assert_str_eq(last_event("type"), "UPDATE");
	cr_assert_str_eq(last_event("description"), "Updated email, phone");
	cr_assert_str_eq(member("updatedBy", NULL), "u1");
	cr_assert_str_eq(member("updated", NULL), "2023-11-14T22:13:20Z");
}

Test(change_patch, current_values_and_an_empty_patch_are_noops)
{
	char msg[256];
	json_t *before = json_deep_copy(doc);
	cr_assert_eq(patch("{\"email\":\"a@x.nl\",\"billingAddress\":{\"city\":\"Delft\"}}", msg,
	                   sizeof(msg)),
	             CHANGE_NOOP);
	cr_assert_eq(patch("{}", msg, sizeof(msg)), CHANGE_NOOP);
	cr_assert(json_equal(before, doc));
	json_decref(before);
}

Test(change_patch, null_clears_and_objects_merge)
{
	char msg[256];
	cr_assert_eq(patch("{\"email\":null,\"billingAddress\":{\"city\":\"Leiden\",\"street\":null}}",
	                   msg, sizeof(msg)),
	             CHANGE_APPLIED);
	cr_assert(json_is_null(json_object_get(doc, "email")));
	cr_assert_str_eq(member("billingAddress", "city"), "Leiden");
	cr_assert_str_eq(member("billingAddress", "id"), "b-1");
	cr_assert(json_is_null(json_object_get(json_object_get(doc, "billingAddress"), "street")));
	cr_assert_str_eq(last_event("description"), "Updated billingAddress, email");
}

Test(change_patch, arrays_are_replaced_whole_and_new_items_get_an_id)
{
	char msg[256];
	cr_assert_eq(patch("{\"contacts\":[{\"email\":\"n@x.nl\"}]}", msg, sizeof(msg)),
	             CHANGE_APPLIED);
	json_t *contacts = json_object_get(doc, "contacts");
	cr_assert_eq(json_array_size(contacts), 1);
	const char *id = json_string_value(json_object_get(json_array_get(contacts, 0), "id"));
	cr_assert_not_null(id);
	cr_assert_eq(strlen(id), 36, "a UUID: %s", id);
	cr_assert_str_eq(last_event("description"), "Updated contacts");
}

Test(change_patch, preferred_language_is_a_client_member)
{
	char msg[256];
	cr_assert_eq(patch("{\"preferredLanguage\":\"en\"}", msg, sizeof(msg)), CHANGE_APPLIED);
	cr_assert_str_eq(member("preferredLanguage", NULL), "en");
}

Test(change_patch, a_bad_value_is_invalid_with_its_path_and_changes_nothing)
{
	char msg[256];
	json_t *before = json_deep_copy(doc);
	cr_assert_eq(patch("{\"contacts\":[{\"email\":\"x\"},{\"email\":5}]}", msg, sizeof(msg)),
	             CHANGE_INVALID);
	cr_assert(strstr(msg, "contacts[1].email") != NULL, "%s", msg);
	cr_assert_eq(patch("{\"type\":\"ROBOT\"}", msg, sizeof(msg)), CHANGE_INVALID);
	cr_assert(strstr(msg, "type") != NULL, "%s", msg);
	cr_assert(json_equal(before, doc));
	json_decref(before);
}

static void refused(const char *text, const char *needle)
{
	char err[256];
	json_t *p = json_loads(text, 0, NULL);
	cr_assert_not_null(p);
	cr_assert_eq(shape_customer_patch_check(p, err, sizeof(err)), -1, "%s passed", text);
	cr_assert(strstr(err, needle) != NULL, "%s: '%s' lacks '%s'", text, err, needle);
	json_decref(p);
}

Test(change_patch, members_with_their_own_endpoint_name_it)
{
	refused("{\"crmStatus\":\"LEAD\"}", "/crm/customers/{id}/crm-status");
	refused("{\"nextAction\":\"call\"}", "/crm/customers/{id}/next-action");
	refused("{\"nextActionDueDate\":null}", "/crm/customers/{id}/next-action");
	refused("{\"ownerId\":\"u1\"}", "/crm/customers/{id}/owner/{ownerId}");
	refused("{\"tags\":[]}", "/crm/customers/{id}/tags/{tag}");
}

Test(change_patch, server_owned_unknown_and_uncleared_members_are_refused)
{
	refused("{\"events\":[]}", "events");
	refused("{\"id\":\"c-2\"}", "id");
	refused("{\"visits\":[]}", "visits");
	refused("{\"colour\":\"red\"}", "colour: unknown member");
	refused("{\"name\":null}", "name");
	refused("{\"name\":\"  \"}", "name");
	refused("{\"type\":null}", "type: cannot be cleared");
	refused("[1]", "expected an object");
}

Test(change_patch, client_members_pass_the_check)
{
	char err[256];
	json_t *p = json_loads("{\"name\":\"B\",\"email\":null,\"contacts\":[],\"avatar\":{}}", 0,
	                       NULL);
	cr_assert_eq(shape_customer_patch_check(p, err, sizeof(err)), 0, "%s", err);
	json_decref(p);
}
