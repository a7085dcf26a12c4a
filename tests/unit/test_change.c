/* test_change: each change as an edit of a customer document, with its event. */
#include <string.h>

#include <criterion/criterion.h>

#include "model/change.h"

static json_t *doc;

static void setup(void)
{
	doc = json_loads("{\"crmStatus\":\"LEAD\",\"events\":[],\"name\":\"X\",\"nextAction\":null,"
	                 "\"nextActionDueDate\":null,\"ownerId\":null,\"tags\":[\"Beta\"],"
	                 "\"updated\":null,\"updatedBy\":null}",
	                 0, NULL);
	cr_assert_not_null(doc);
}

static void teardown(void)
{
	json_decref(doc);
}

TestSuite(change, .init = setup, .fini = teardown);

static enum change_result apply(struct change ch, char *msg)
{
	ch.actor = "u1";
	ch.now = 1700000000000000LL;
	ch.event_id = "ev-1";
	char local[256];
	return change_apply(doc, &ch, msg ? msg : local, 256);
}

static const char *last_event(const char *member)
{
	json_t *ev = json_array_get(json_object_get(doc, "events"),
	                            json_array_size(json_object_get(doc, "events")) - 1);
	return json_string_value(json_object_get(ev, member));
}

Test(change, allowed_status_move_changes_and_records)
{
	struct change ch = {.kind = CHANGE_STATUS, .status = CRM_STATUS_PROSPECT};
	cr_assert_eq(apply(ch, NULL), CHANGE_APPLIED);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "crmStatus")), "PROSPECT");
	cr_assert_str_eq(last_event("type"), "STATUS_CHANGE");
	cr_assert_str_eq(last_event("description"), "Status changed from LEAD to PROSPECT");
	cr_assert_str_eq(last_event("authorId"), "u1");
	cr_assert_str_eq(last_event("date"), "2023-11-14T22:13:20Z");
	cr_assert_str_eq(json_string_value(json_object_get(doc, "updatedBy")), "u1");
	cr_assert_str_eq(json_string_value(json_object_get(doc, "updated")),
	                 "2023-11-14T22:13:20Z");
}

Test(change, same_status_is_a_noop)
{
	struct change ch = {.kind = CHANGE_STATUS, .status = CRM_STATUS_LEAD};
	cr_assert_eq(apply(ch, NULL), CHANGE_NOOP);
	cr_assert_eq(json_array_size(json_object_get(doc, "events")), 0);
	cr_assert(json_is_null(json_object_get(doc, "updated")));
}

Test(change, forbidden_status_move_is_refused_with_the_allowed_moves)
{
	char msg[256];
	struct change ch = {.kind = CHANGE_STATUS, .status = CRM_STATUS_CUSTOMER};
	cr_assert_eq(apply(ch, msg), CHANGE_REFUSED);
	cr_assert(strstr(msg, "PROSPECT or INACTIVE") != NULL, "%s", msg);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "crmStatus")), "LEAD");
	cr_assert_eq(json_array_size(json_object_get(doc, "events")), 0);
}

Test(change, next_action_set_then_cleared)
{
	struct change set = {.kind = CHANGE_NEXT_ACTION,
	                     .text = "Call",
	                     .has_due = 1,
	                     .due = 1700003600000000LL};
	cr_assert_eq(apply(set, NULL), CHANGE_APPLIED);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "nextActionDueDate")),
	                 "2023-11-14T23:13:20Z");
	cr_assert_eq(apply(set, NULL), CHANGE_NOOP);
	struct change clear = {.kind = CHANGE_NEXT_ACTION};
	cr_assert_eq(apply(clear, NULL), CHANGE_APPLIED);
	cr_assert(json_is_null(json_object_get(doc, "nextAction")));
	cr_assert(json_is_null(json_object_get(doc, "nextActionDueDate")));
	cr_assert_str_eq(last_event("description"), "Next action cleared");
	cr_assert_eq(apply(clear, NULL), CHANGE_NOOP);
}

Test(change, owner_set_change_and_clear_are_idempotent)
{
	struct change set = {.kind = CHANGE_OWNER_SET, .text = "u2"};
	cr_assert_eq(apply(set, NULL), CHANGE_APPLIED);
	cr_assert_eq(apply(set, NULL), CHANGE_NOOP);
	cr_assert_str_eq(last_event("type"), "OWNER_CHANGE");
	struct change clear = {.kind = CHANGE_OWNER_CLEAR};
	cr_assert_eq(apply(clear, NULL), CHANGE_APPLIED);
	cr_assert_eq(apply(clear, NULL), CHANGE_NOOP);
	cr_assert(json_is_null(json_object_get(doc, "ownerId")));
	cr_assert_eq(json_array_size(json_object_get(doc, "events")), 2);
}

Test(change, tags_are_unique_regardless_of_case)
{
	struct change add = {.kind = CHANGE_TAG_ADD, .text = "bETA"};
	cr_assert_eq(apply(add, NULL), CHANGE_NOOP);
	struct change rm = {.kind = CHANGE_TAG_REMOVE, .text = "bETA"};
	cr_assert_eq(apply(rm, NULL), CHANGE_APPLIED);
	cr_assert_eq(json_array_size(json_object_get(doc, "tags")), 0);
	cr_assert_str_eq(last_event("description"), "Tag \"Beta\" removed");
	cr_assert_eq(apply(rm, NULL), CHANGE_NOOP);
}

Test(change, folds_latin1_letters)
{
	cr_assert(tag_equal("Ümlaut", "ümLAUT"));
	cr_assert_not(tag_equal("a", "ab"));
	cr_assert_not(tag_equal("×", "÷"));
}

Test(change, refuses_the_101st_tag)
{
	json_t *tags = json_object_get(doc, "tags");
	json_array_clear(tags);
	for (int i = 0; i < TAGS_MAX; i++) {
		char t[16];
		snprintf(t, sizeof(t), "t%d", i);
		json_array_append_new(tags, json_string(t));
	}
	char msg[256];
	struct change add = {.kind = CHANGE_TAG_ADD, .text = "one-more"};
	cr_assert_eq(apply(add, msg), CHANGE_REFUSED);
	cr_assert_eq(json_array_size(tags), TAGS_MAX);
}
