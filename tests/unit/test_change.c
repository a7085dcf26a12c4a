/* test_change: each change as an edit of a customer document, with its event. */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/limits.h"
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

/* cppcheck-suppress unknownMacro */
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

/* Replaces the stored tags with list (NULL-terminated). */
static void set_tags(const char *const *list)
{
	json_t *tags = json_object_get(doc, "tags");
	json_array_clear(tags);
	for (; *list != NULL; list++)
		json_array_append_new(tags, json_string(*list));
}

static const char *tag_at(size_t i)
{
	return json_string_value(json_array_get(json_object_get(doc, "tags"), i));
}

static enum change_result tag_op(enum change_kind kind, const char *tag)
{
	struct change ch = {.kind = kind, .text = tag};
	return apply(ch, NULL);
}

Test(change, adding_another_casing_in_any_script_is_a_noop)
{
	static const char *const pairs[][2] = {
	        {"\xD0\x9A\xD0\xBB\xD0\xB8\xD0\xB5\xD0\xBD\xD1\x82",
	         "\xD0\x9A\xD0\x9B\xD0\x98\xD0\x95\xD0\x9D\xD0\xA2"}, /* Клиент, КЛИЕНТ */
	        {"\xCE\x91\xCE\xB8\xCE\xAE\xCE\xBD\xCE\xB1",
	         "\xCE\xB1\xCE\xB8\xCE\xAE\xCE\xBD\xCE\xB1"}, /* Αθήνα, αθήνα */
	        {"\xC5\x81\xC3\xB3\x64\xC5\xBA", "\xC5\x82\xC3\xB3\x64\xC5\xBA"}, /* Łódź, łódź */
	        {"\xEF\xBC\xA1\xEF\xBC\xA2", "\xEF\xBD\x81\xEF\xBD\x82"}, /* ＡＢ, ａｂ */
	        {"Stra\xC3\x9F"
	         "e",
	         "STRASSE"}, /* ß = SS */
	        {"strasse", "STRA\xC3\x9F"
	                    "E"},
	        {"\xC3\x9C"
	         "mlaut",
	         "\xC3\xBC"
	         "mLAUT"},
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		set_tags((const char *const[]){pairs[i][0], NULL});
		cr_assert_eq(tag_op(CHANGE_TAG_ADD, pairs[i][1]), CHANGE_NOOP, "pair %zu", i);
		cr_assert_eq(json_array_size(json_object_get(doc, "tags")), 1, "pair %zu", i);
		cr_assert_str_eq(tag_at(0), pairs[i][0], "the first spelling is kept");
	}
	cr_assert_eq(json_array_size(json_object_get(doc, "events")), 0);
}

Test(change, removing_another_casing_in_any_script_removes_the_stored_spelling)
{
	set_tags((const char *const[]){"\xD0\x9A\xD0\xBB\xD0\xB8\xD0\xB5\xD0\xBD\xD1\x82", "x",
	                               NULL});
	cr_assert_eq(tag_op(CHANGE_TAG_REMOVE,
	                    "\xD0\xBA\xD0\x9B\xD0\x98\xD0\x95\xD0\x9D\xD0\xA2"), /* кЛИЕНТ */
	             CHANGE_APPLIED);
	cr_assert_eq(json_array_size(json_object_get(doc, "tags")), 1);
	cr_assert_str_eq(tag_at(0), "x");
	cr_assert_str_eq(last_event("type"), "TAG_REMOVED");
	cr_assert_str_eq(last_event("description"),
	                 "Tag \"\xD0\x9A\xD0\xBB\xD0\xB8\xD0\xB5\xD0\xBD\xD1\x82\" removed");
}

Test(change, a_stored_tag_that_is_not_nfc_still_matches_its_nfc_form)
{
	set_tags((const char *const[]){"cafe\xCC\x81", NULL}); /* imported long ago, decomposed */
	cr_assert_eq(tag_op(CHANGE_TAG_ADD, "CAF\xC3\x89"), CHANGE_NOOP);
	cr_assert_eq(tag_op(CHANGE_TAG_REMOVE, "caf\xC3\xA9"), CHANGE_APPLIED);
	cr_assert_eq(json_array_size(json_object_get(doc, "tags")), 0);
	cr_assert_str_eq(last_event("description"), "Tag \"cafe\xCC\x81\" removed");
}

Test(change, tags_that_only_look_alike_are_different_tags)
{
	set_tags((const char *const[]){"legacy", "AB", NULL});
	cr_assert_eq(tag_op(CHANGE_TAG_ADD, "\xEF\xBC\xA1\xEF\xBC\xA2"), CHANGE_APPLIED); /* ＡＢ */
	cr_assert_eq(tag_op(CHANGE_TAG_REMOVE, "leg"), CHANGE_NOOP);
	cr_assert_eq(tag_op(CHANGE_TAG_ADD, "l\xC3\xA9gacy"), CHANGE_APPLIED);
	cr_assert_eq(json_array_size(json_object_get(doc, "tags")), 4);
	cr_assert_str_eq(last_event("description"), "Tag \"l\xC3\xA9gacy\" added");
}

Test(change, the_event_of_a_long_stored_tag_names_it_whole)
{
	char tag[4 * (LIMIT_TAG_CHARS + 10) + 1] = "";
	for (int i = 0; i < LIMIT_TAG_CHARS + 10; i++)
		strcat(tag, "\xF0\x9F\x98\x80"); /* stored before the tag rule's limit */
	set_tags((const char *const[]){tag, NULL});
	cr_assert_eq(tag_op(CHANGE_TAG_REMOVE, tag), CHANGE_APPLIED);
	char want[sizeof(tag) + 32];
	snprintf(want, sizeof(want), "Tag \"%s\" removed", tag);
	cr_assert_str_eq(last_event("description"), want);
}

Test(change, refuses_the_101st_tag)
{
	json_t *tags = json_object_get(doc, "tags");
	json_array_clear(tags);
	for (int i = 0; i < LIMIT_TAGS; i++) {
		char t[16];
		snprintf(t, sizeof(t), "t%d", i);
		json_array_append_new(tags, json_string(t));
	}
	char msg[256];
	struct change add = {.kind = CHANGE_TAG_ADD, .text = "one-more"};
	cr_assert_eq(apply(add, msg), CHANGE_REFUSED);
	cr_assert_eq(json_array_size(tags), LIMIT_TAGS);
}
