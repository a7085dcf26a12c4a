/* test_bodies: the request body parsers and the tag segment check. */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "handlers/handlers.h"

static json_t *body;
static char err[300];

static json_t *load(const char *text)
{
	json_decref(body);
	body = json_loads(text, JSON_DECODE_ANY, NULL);
	cr_assert_not_null(body, "%s", text);
	return body;
}

static void teardown(void)
{
	json_decref(body);
	body = NULL;
}

/* cppcheck-suppress unknownMacro */
TestSuite(bodies, .fini = teardown);

Test(bodies, status_body_reads_a_known_status)
{
	enum crm_status s;
	cr_assert_eq(parse_status_body(load("{\"crmStatus\":\"CHURNED\"}"), &s, err, sizeof(err)),
	             0);
	cr_assert_eq(s, CRM_STATUS_CHURNED);
}

Test(bodies, status_body_rejects_unknown_or_lower_case_values)
{
	enum crm_status s;
	cr_assert_eq(parse_status_body(load("{\"crmStatus\":\"lead\"}"), &s, err, sizeof(err)), -1);
	cr_assert(strstr(err, "crmStatus") != NULL);
	cr_assert_eq(parse_status_body(load("{\"crmStatus\":\"LEADX\"}"), &s, err, sizeof(err)),
	             -1);
}

Test(bodies, status_body_rejects_wrong_types_and_missing_member)
{
	enum crm_status s;
	cr_assert_eq(parse_status_body(load("{\"crmStatus\":1}"), &s, err, sizeof(err)), -1);
	cr_assert(strstr(err, "expected a string") != NULL, "%s", err);
	cr_assert_eq(parse_status_body(load("{\"crmStatus\":null}"), &s, err, sizeof(err)), -1);
	cr_assert_eq(parse_status_body(load("{}"), &s, err, sizeof(err)), -1);
	cr_assert(strstr(err, "required") != NULL, "%s", err);
	cr_assert_eq(parse_status_body(load("[\"LEAD\"]"), &s, err, sizeof(err)), -1);
}

Test(bodies, status_body_names_an_unknown_member)
{
	enum crm_status s;
	cr_assert_eq(parse_status_body(load("{\"crmStatus\":\"LEAD\",\"note\":1}"), &s, err,
	                               sizeof(err)),
	             -1);
	cr_assert(strstr(err, "'note'") != NULL, "%s", err);
}

Test(bodies, next_action_empty_object_clears)
{
	struct next_action na;
	cr_assert_eq(parse_next_action_body(load("{}"), &na, err, sizeof(err)), 0);
	cr_assert_null(na.text);
	cr_assert_not(na.has_due);
}

Test(bodies, next_action_reads_text_and_due_in_utc)
{
	struct next_action na;
	cr_assert_eq(
	        parse_next_action_body(load("{\"nextAction\":\"Bel terug\","
	                                    "\"nextActionDueDate\":\"2026-12-01T10:00:00+01:00\"}"),
	                               &na, err, sizeof(err)),
	        0);
	cr_assert_str_eq(na.text, "Bel terug");
	cr_assert(na.has_due);
	cr_assert_eq(na.due, 1796115600LL * 1000000);
}

Test(bodies, next_action_due_without_text_is_refused)
{
	struct next_action na;
	cr_assert_eq(
	        parse_next_action_body(load("{\"nextActionDueDate\":\"2026-12-01T10:00:00Z\"}"),
	                               &na, err, sizeof(err)),
	        -1);
	cr_assert_eq(parse_next_action_body(load("{\"nextAction\":null,\"nextActionDueDate\":"
	                                         "\"2026-12-01T10:00:00Z\"}"),
	                                    &na, err, sizeof(err)),
	             -1);
}

Test(bodies, next_action_text_length_counts_characters)
{
	struct next_action na;
	char text[600 * 2 + 64] = "{\"nextAction\":\"";
	for (int i = 0; i < 500; i++)
		strcat(text, "é");
	strcat(text, "\"}");
	cr_assert_eq(parse_next_action_body(load(text), &na, err, sizeof(err)), 0);
	text[strlen(text) - 2] = '\0';
	strcat(text, "x\"}");
	cr_assert_eq(parse_next_action_body(load(text), &na, err, sizeof(err)), -1);
	cr_assert_eq(parse_next_action_body(load("{\"nextAction\":\"\"}"), &na, err, sizeof(err)),
	             -1);
}

Test(bodies, next_action_rejects_bad_types_and_dates)
{
	struct next_action na;
	cr_assert_eq(parse_next_action_body(load("{\"nextAction\":5}"), &na, err, sizeof(err)), -1);
	cr_assert_eq(parse_next_action_body(
	                     load("{\"nextAction\":\"x\",\"nextActionDueDate\":\"tomorrow\"}"), &na,
	                     err, sizeof(err)),
	             -1);
	cr_assert_eq(parse_next_action_body(load("{\"nextAction\":\"x\",\"nextActionDueDate\":"
	                                         "\"2026-13-01T00:00:00Z\"}"),
	                                    &na, err, sizeof(err)),
	             -1);
	cr_assert_eq(parse_next_action_body(load("{\"nextAction\":\"x\",\"due\":1}"), &na, err,
	                                    sizeof(err)),
	             -1);
	cr_assert(strstr(err, "'due'") != NULL);
}

static char tag_out[TAG_BUF];

/* parse_tag on a NUL-terminated segment: 0 (tag in tag_out), or the status. */
static int tag(const char *in)
{
	memset(tag_out, 0, sizeof(tag_out));
	err[0] = '\0';
	return parse_tag(in, strlen(in), tag_out, sizeof(tag_out), err, sizeof(err));
}

static void assert_tag_refused(const char *in, const char *needle)
{
	cr_assert_eq(tag(in), 400, "\"%s\" accepted as \"%s\"", in, tag_out);
	cr_assert(strncmp(err, "tag: ", 5) == 0, "%s", err);
	cr_assert(strstr(err, needle) != NULL, "\"%s\" does not say \"%s\"", err, needle);
}

Test(bodies, tag_is_trimmed)
{
	cr_assert_eq(tag("  vip\t"), 0);
	cr_assert_str_eq(tag_out, "vip");
	cr_assert_eq(tag("a/b"), 0);
	cr_assert_str_eq(tag_out, "a/b");
}

Test(bodies, tag_segment_is_left_as_it_was)
{
	static const char seg[] = "  cafe\xCC\x81  ";
	char copy[sizeof(seg)];
	memcpy(copy, seg, sizeof(seg));
	cr_assert_eq(parse_tag(copy, sizeof(seg) - 1, tag_out, sizeof(tag_out), err, sizeof(err)),
	             0);
	cr_assert_str_eq(tag_out, "caf\xC3\xA9");
	cr_assert_eq(memcmp(copy, seg, sizeof(seg)), 0);
}

Test(bodies, tag_is_normalised_and_trimmed_of_unicode_white_space)
{
	cr_assert_eq(tag("\xC2\xA0"
	                 "cafe\xCC\x81\xE3\x80\x80"),
	             0); /* NBSP, ideographic space */
	cr_assert_str_eq(tag_out, "caf\xC3\xA9");
	cr_assert_eq(tag("\xD0\x9A\xD0\x9B\xD0\x98\xD0\x95\xD0\x9D\xD0\xA2"), 0); /* КЛИЕНТ */
	cr_assert_str_eq(tag_out, "\xD0\x9A\xD0\x9B\xD0\x98\xD0\x95\xD0\x9D\xD0\xA2");
}

Test(bodies, tag_rejects_empty_long_control_or_bad_utf8)
{
	char fifty_one[52];
	memset(fifty_one, 'x', 51);
	fifty_one[51] = '\0';
	assert_tag_refused("", "1 to 50 characters");
	assert_tag_refused("   ", "1 to 50 characters");
	assert_tag_refused("\xC2\xA0\xE3\x80\x80", "1 to 50 characters");
	assert_tag_refused(fifty_one, "1 to 50 characters");
	assert_tag_refused("a\x01", "control characters");
	assert_tag_refused("\x1B[31m", "control characters");
	assert_tag_refused("\xff", "UTF-8");
	fifty_one[50] = '\0';
	cr_assert_eq(tag(fifty_one), 0);
}

Test(bodies, tag_rejects_invisible_and_bidi_characters_with_400)
{
	assert_tag_refused("\xE2\x80\x8B", "format characters");       /* ZWSP alone */
	assert_tag_refused("legacy\xE2\x80\x8B", "format characters"); /* legacy + ZWSP */
	assert_tag_refused("\xE2\x80\xAE"
	                   "piv",
	                   "format characters"); /* RLO */
	assert_tag_refused("\xEF\xBB\xBF"
	                   "vip",
	                   "format characters");                        /* BOM */
	assert_tag_refused("vip\xF3\xA0\x80\x81", "format characters"); /* U+E0001 */
	assert_tag_refused("vip\xF3\xA0\x81\xA1", "format characters"); /* U+E0061 */
	assert_tag_refused("a\xE2\x80\xA8"
	                   "b",
	                   "separators"); /* U+2028 */
	assert_tag_refused("\xEE\x80\x80", "private-use");
	assert_tag_refused("a\xEF\xBF\xBF", "unassigned");
}

/* ---- nextAction: single-line text ---------------------------------------------- */

static void assert_next_action_refused(const char *text_json, const char *needle)
{
	struct next_action na;
	char doc[1024];
	snprintf(doc, sizeof(doc), "{\"nextAction\":%s}", text_json);
	cr_assert_eq(parse_next_action_body(load(doc), &na, err, sizeof(err)), -1, "%s accepted",
	             text_json);
	cr_assert(strncmp(err, "nextAction: ", 12) == 0, "%s", err);
	cr_assert(strstr(err, needle) != NULL, "\"%s\" does not say \"%s\"", err, needle);
}

Test(bodies, next_action_rejects_ansi_escapes)
{
	assert_next_action_refused("\"\\u001b[2J\\u001b[31mPAY NOW\"", "control characters");
	assert_next_action_refused("\"Call \\u009b31m\"", "control characters");
}

Test(bodies, next_action_rejects_line_breaks)
{
	assert_next_action_refused("\"Call\\r\\nX-Injected: 1\"", "control characters");
	assert_next_action_refused("\"Call\\n\"", "control characters");
	assert_next_action_refused("\"a\\tb\"", "control characters");
	assert_next_action_refused("\"Call\\u2028back\"", "separators");
}

Test(bodies, next_action_rejects_blank_text)
{
	assert_next_action_refused("\" \"", "not blank");
	assert_next_action_refused("\"\\u00a0\\u3000\"", "not blank");
	assert_next_action_refused("\"\\u200b\"", "not blank");
	assert_next_action_refused("\"\"", "1 to 500 characters");
}

Test(bodies, next_action_keeps_text_of_any_script_as_given)
{
	struct next_action na;
	cr_assert_eq(
	        parse_next_action_body(load("{\"nextAction\":\" \\u041f\\u0435\\u0440\\u0435"
	                                    "\\u0437\\u0432\\u043e\\u043d\\u0438\\u0442\\u044c "
	                                    "\\u200d\"}"),
	                               &na, err, sizeof(err)),
	        0, "%s", err);
	cr_assert_str_eq(na.text,
	                 " \xD0\x9F\xD0\xB5\xD1\x80\xD0\xB5\xD0\xB7\xD0\xB2\xD0\xBE\xD0\xBD"
	                 "\xD0\xB8\xD1\x82\xD1\x8C \xE2\x80\x8D");
}

/* ---- body_parse: a route's body kind into the typed body ----------------------------- */

Test(bodies, body_parse_fills_the_member_of_each_body_kind)
{
	struct call_body b;
	memset(&b, 0, sizeof(b));
	cr_assert_eq(
	        body_parse(BODY_STATUS, load("{\"crmStatus\":\"ACTIVE\"}"), &b, err, sizeof(err)),
	        0, "%s", err);
	cr_assert_eq(b.status, CRM_STATUS_ACTIVE);
	cr_assert_eq(body_parse(BODY_NEXT_ACTION,
	                        load("{\"nextAction\":\"Call\","
	                             "\"nextActionDueDate\":\"2026-12-01T09:00:00Z\"}"),
	                        &b, err, sizeof(err)),
	             0, "%s", err);
	cr_assert_str_eq(b.next_action.text, "Call");
	cr_assert(b.next_action.has_due);
}

Test(bodies, body_parse_refuses_what_the_kind_does_not_declare)
{
	struct call_body b;
	cr_assert_eq(
	        body_parse(BODY_STATUS, load("{\"nextAction\":\"Call\"}"), &b, err, sizeof(err)),
	        -1);
	cr_assert(strstr(err, "'nextAction'") != NULL, "%s", err);
	cr_assert_eq(body_parse(BODY_NEXT_ACTION, load("{\"crmStatus\":\"LEAD\"}"), &b, err,
	                        sizeof(err)),
	             -1);
	cr_assert(strstr(err, "'crmStatus'") != NULL, "%s", err);
}

Test(bodies, body_parse_has_nothing_to_parse_without_a_body_kind)
{
	struct call_body b;
	cr_assert_eq(body_parse(BODY_NONE, load("{}"), &b, err, sizeof(err)), -1);
	cr_assert_eq(body_parse(BODY__MAX, load("{}"), &b, err, sizeof(err)), -1);
}
