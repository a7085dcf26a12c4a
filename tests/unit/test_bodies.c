/* test_bodies: the request body parsers and the tag segment check. */
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

static int tag(const char *in, const char **out)
{
	static char buf[256];
	size_t len = strlen(in), n;
	memcpy(buf, in, len + 1);
	return parse_tag(buf, len, out, &n);
}

Test(bodies, tag_is_trimmed)
{
	const char *t;
	cr_assert_eq(tag("  vip\t", &t), 0);
	cr_assert_str_eq(t, "vip");
	cr_assert_eq(tag("a/b", &t), 0);
	cr_assert_str_eq(t, "a/b");
}

Test(bodies, tag_rejects_empty_long_control_or_bad_utf8)
{
	const char *t;
	char fifty_one[52];
	memset(fifty_one, 'x', 51);
	fifty_one[51] = '\0';
	cr_assert_eq(tag("", &t), -1);
	cr_assert_eq(tag("   ", &t), -1);
	cr_assert_eq(tag(fifty_one, &t), -1);
	cr_assert_eq(tag("a\x01", &t), -1);
	cr_assert_eq(tag("\xff", &t), -1);
	fifty_one[50] = '\0';
	cr_assert_eq(tag(fifty_one, &t), 0);
}
