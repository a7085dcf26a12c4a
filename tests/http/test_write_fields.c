/* test_write_fields: next action, owner and tags through nginx — each change, each no-op, each bad input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "lib/limits.h"
#include "tests/http/client.h"
#include "tests/http/test_write_helpers.h"

/* A fresh tenant holding one customer "c1" (LEAD, no owner, no next action, the given tags). */
static void one_customer(char *tenant, size_t cap, const char *prefix, json_t *tags)
{
	fresh_tenant(prefix, tenant, cap);
	json_t *c = wh_customer("c1", "LEAD");
	if (tags != NULL)
		json_object_set_new(c, "tags", tags);
	wh_import_customer(tenant, c);
}

static char *repeat(const char *unit, size_t times)
{
	size_t n = strlen(unit);
	char *s = malloc(n * times + 1);
	cr_assert_not_null(s);
	for (size_t i = 0; i < times; i++)
		memcpy(s + i * n, unit, n);
	s[n * times] = '\0';
	return s;
}

/* ==== next action ========================================================== */

static json_t *next_action_body(const char *text, const char *due)
{
	json_t *b = json_object();
	if (text != NULL)
		json_object_set_new(b, "nextAction", json_string(text));
	if (due != NULL)
		json_object_set_new(b, "nextActionDueDate", json_string(due));
	return b;
}

/* PATCH next-action with body; expects a real change to (text, due_utc), one NEXT_ACTION event. */
static void expect_next_action(const char *tenant, const char *tok, const char *body,
                               const char *text, const char *due_utc, const char *what)
{
	json_t *before = wh_doc(tenant, "c1");
	time_t t0 = time(NULL);
	struct http *r = wh_set_next_action(tok, "c1", body);
	wh_assert_ok(r, what);
	json_t *after = wh_doc(tenant, "c1");
	wh_assert_enriched(r, tenant, "c1", after);
	const json_t *docs[2] = {r->json, after};
	for (int i = 0; i < 2; i++) {
		const char *where = i == 0 ? "response" : "database";
		if (text == NULL)
			cr_assert(json_is_null(json_object_get(docs[i], "nextAction")),
			          "%s: %s nextAction should be null", what, where);
		else
			cr_assert_str_eq(wh_str(docs[i], "nextAction"), text, "%s: %s nextAction",
			                 what, where);
		if (due_utc == NULL)
			cr_assert(json_is_null(json_object_get(docs[i], "nextActionDueDate")),
			          "%s: %s nextActionDueDate should be null", what, where);
		else
			cr_assert_eq(wh_time_us(wh_str(docs[i], "nextActionDueDate")),
			             wh_time_us(due_utc),
			             "%s: %s nextActionDueDate is %s, expected %s", what, where,
			             wh_str(docs[i], "nextActionDueDate"), due_utc);
	}
	wh_assert_one_new_event(before, after, "NEXT_ACTION", WH_ACTOR, NULL, 0, t0);
	wh_assert_same_except(before, after, WH_CHANGED("nextAction", "nextActionDueDate"));
	char *last = wh_db_last_event_type(tenant, "c1");
	cr_assert_str_eq(last, "NEXT_ACTION");
	free(last);
	json_decref(before);
	json_decref(after);
	http_free(r);
}

static void expect_next_action_rejected(const char *tenant, const char *tok, const char *body,
                                        const char *needle, const char *what)
{
	char *row = wh_row(tenant, "c1");
	struct http *r = wh_set_next_action(tok, "c1", body);
	wh_assert_error(r, 400, needle, what);
	wh_assert_row_unchanged(tenant, "c1", row, what);
	http_free(r);
	free(row);
}

Test(write_next_action, stores_due_date_given_with_offset_in_utc_with_z)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wna-utc", NULL);
	char *tok = wh_token(tenant);
	expect_next_action(
	        tenant, tok,
	        "{\"nextAction\":\"Call\",\"nextActionDueDate\":\"2026-12-01T10:00:00+02:00\"}",
	        "Call", "2026-12-01T08:00:00Z", "offset +02:00");
	char *stored = db_scalar("SELECT JSON_UNQUOTE(JSON_EXTRACT(doc, '$.nextActionDueDate'))"
	                         " FROM customers WHERE tenant_id = '%s' AND id = 'c1'",
	                         tenant);
	cr_assert_str_eq(stored, "2026-12-01T08:00:00Z", "stored due date");
	char *text = db_scalar("SELECT JSON_UNQUOTE(JSON_EXTRACT(doc, '$.nextAction'))"
	                       " FROM customers WHERE tenant_id = '%s' AND id = 'c1'",
	                       tenant);
	cr_assert_str_eq(text, "Call");
	struct http *g = http_get("/crm/customers/c1", tok);
	wh_assert_ok(g, "GET after PATCH");
	cr_assert_str_eq(wh_str(g->json, "nextActionDueDate"), "2026-12-01T08:00:00Z");
	http_free(g);
	free(text);
	free(stored);
	free(tok);
}

Test(write_next_action, accepts_negative_offsets_lower_case_z_and_fractional_seconds)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wna-fmt", NULL);
	char *tok = wh_token(tenant);
	expect_next_action(
	        tenant, tok,
	        "{\"nextAction\":\"Visit\",\"nextActionDueDate\":\"2026-11-30T20:30:00-05:30\"}",
	        "Visit", "2026-12-01T02:00:00Z", "offset -05:30");
	expect_next_action(
	        tenant, tok,
	        "{\"nextAction\":\"Visit\",\"nextActionDueDate\":\"2026-12-01t02:00:00.250z\"}",
	        "Visit", "2026-12-01T02:00:00.25Z", "fraction, lower case t and z");
	free(tok);
}

Test(write_next_action, sets_text_without_due_date)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wna-text", NULL);
	char *tok = wh_token(tenant);
	expect_next_action(tenant, tok, "{\"nextAction\":\"Send the offer\"}", "Send the offer",
	                   NULL, "text only");
	char *row = wh_row(tenant, "c1");
	struct http *r = wh_set_next_action(
	        tok, "c1", "{\"nextAction\":\"Send the offer\",\"nextActionDueDate\":null}");
	wh_assert_ok(r, "explicit null due date");
	cr_assert(json_is_null(json_object_get(r->json, "nextActionDueDate")));
	wh_assert_row_unchanged(tenant, "c1", row,
	                        "explicit null due date is the same next action");
	http_free(r);
	free(row);
	free(tok);
}

Test(write_next_action, empty_body_clears_text_and_due_date)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wna-clear", NULL);
	char *tok = wh_token(tenant);
	expect_next_action(
	        tenant, tok,
	        "{\"nextAction\":\"Call\",\"nextActionDueDate\":\"2026-12-01T10:00:00Z\"}", "Call",
	        "2026-12-01T10:00:00Z", "set");
	expect_next_action(tenant, tok, "{}", NULL, NULL, "clear with {}");
	char *key = db_scalar("SELECT IFNULL(overdue_key, 'NULL') FROM customers"
	                      " WHERE tenant_id = '%s' AND id = 'c1'",
	                      tenant);
	cr_assert_str_eq(key, "NULL", "overdue_key must be cleared with the next action");
	free(key);
	free(tok);
}

Test(write_next_action, explicit_nulls_clear_the_next_action)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wna-null", NULL);
	char *tok = wh_token(tenant);
	expect_next_action(
	        tenant, tok,
	        "{\"nextAction\":\"Call\",\"nextActionDueDate\":\"2026-12-01T10:00:00Z\"}", "Call",
	        "2026-12-01T10:00:00Z", "set");
	expect_next_action(tenant, tok, "{\"nextAction\":null,\"nextActionDueDate\":null}", NULL,
	                   NULL, "clear with nulls");
	free(tok);
}

Test(write_next_action, omitted_due_date_removes_the_previous_due_date)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wna-omit", NULL);
	char *tok = wh_token(tenant);
	expect_next_action(
	        tenant, tok,
	        "{\"nextAction\":\"Call\",\"nextActionDueDate\":\"2026-12-01T10:00:00Z\"}", "Call",
	        "2026-12-01T10:00:00Z", "set");
	expect_next_action(tenant, tok, "{\"nextAction\":\"Call\"}", "Call", NULL,
	                   "the body is the whole next action");
	free(tok);
}

Test(write_next_action, same_next_action_again_writes_no_event)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wna-same", NULL);
	char *tok = wh_token(tenant);
	expect_next_action(
	        tenant, tok,
	        "{\"nextAction\":\"Call\",\"nextActionDueDate\":\"2026-12-01T08:00:00Z\"}", "Call",
	        "2026-12-01T08:00:00Z", "set");
	static const char *const again[] = {
	        "{\"nextAction\":\"Call\",\"nextActionDueDate\":\"2026-12-01T08:00:00Z\"}",
	        "{\"nextActionDueDate\":\"2026-12-01T10:00:00+02:00\",\"nextAction\":\"Call\"}",
	        "{\"nextAction\":\"Call\",\"nextActionDueDate\":\"2026-12-01T08:00:00.000Z\"}",
	};
	for (size_t i = 0; i < sizeof(again) / sizeof(again[0]); i++) {
		char *row = wh_row(tenant, "c1");
		long events = wh_db_events(tenant, "c1");
		struct http *r = wh_set_next_action(tok, "c1", again[i]);
		wh_assert_ok(r, again[i]);
		json_t *doc = wh_doc(tenant, "c1");
		wh_assert_enriched(r, tenant, "c1", doc);
		cr_assert_eq(wh_db_events(tenant, "c1"), events, "%s wrote an event", again[i]);
		wh_assert_row_unchanged(tenant, "c1", row, again[i]);
		json_decref(doc);
		http_free(r);
		free(row);
	}
	free(tok);
}

Test(write_next_action, clearing_an_absent_next_action_writes_nothing)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wna-noop", NULL);
	char *tok = wh_token(tenant);
	char *row = wh_row(tenant, "c1");
	struct http *r = wh_set_next_action(tok, "c1", "{}");
	wh_assert_ok(r, "{} on a customer without next action");
	cr_assert(json_is_null(json_object_get(r->json, "nextAction")));
	wh_assert_row_unchanged(tenant, "c1", row, "{} on a customer without next action");
	http_free(r);
	free(row);
	free(tok);
}

Test(write_next_action, rejects_due_date_without_text_with_400)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wna-notext", NULL);
	char *tok = wh_token(tenant);
	expect_next_action_rejected(tenant, tok, "{\"nextActionDueDate\":\"2026-12-01T10:00:00Z\"}",
	                            "nextAction", "due date only");
	expect_next_action_rejected(
	        tenant, tok, "{\"nextAction\":null,\"nextActionDueDate\":\"2026-12-01T10:00:00Z\"}",
	        "nextAction", "null text with a due date");
	free(tok);
}

Test(write_next_action, accepts_500_two_byte_characters_and_counts_them_as_500)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wna-500", NULL);
	char *tok = wh_token(tenant);
	char *text = repeat("\xc3\xa9", LIMIT_TEXT_CHARS); /* é: two bytes, one character */
	json_t *b = next_action_body(text, NULL);
	char *body = json_dumps(b, JSON_COMPACT);
	expect_next_action(tenant, tok, body, text, NULL, LIMIT_TEXT_CHARS_TEXT " x e-acute");
	long chars = db_count("SELECT CHAR_LENGTH(JSON_UNQUOTE(JSON_EXTRACT(doc, '$.nextAction')))"
	                      " FROM customers WHERE tenant_id = '%s' AND id = 'c1'",
	                      tenant);
	cr_assert_eq(chars, LIMIT_TEXT_CHARS, "stored text has %ld characters", chars);
	free(body);
	json_decref(b);
	free(text);
	free(tok);
}

Test(write_next_action, accepts_500_four_byte_characters)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wna-emoji", NULL);
	char *tok = wh_token(tenant);
	char *text = repeat("\xf0\x9f\x93\x9e", LIMIT_TEXT_CHARS); /* U+1F4DE: four bytes */
	json_t *b = next_action_body(text, "2026-12-01T10:00:00Z");
	char *body = json_dumps(b, JSON_COMPACT);
	expect_next_action(tenant, tok, body, text, "2026-12-01T10:00:00Z",
	                   LIMIT_TEXT_CHARS_TEXT " x emoji");
	free(body);
	json_decref(b);
	free(text);
	free(tok);
}

Test(write_next_action, accepts_500_ascii_characters)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wna-500a", NULL);
	char *tok = wh_token(tenant);
	char *text = repeat("a", LIMIT_TEXT_CHARS);
	json_t *b = next_action_body(text, NULL);
	char *body = json_dumps(b, JSON_COMPACT);
	expect_next_action(tenant, tok, body, text, NULL, LIMIT_TEXT_CHARS_TEXT " x a");
	free(body);
	json_decref(b);
	free(text);
	free(tok);
}

Test(write_next_action, rejects_text_of_501_characters_with_400)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wna-501", NULL);
	char *tok = wh_token(tenant);
	static const char *const units[] = {"a", "\xc3\xa9"};
	for (size_t u = 0; u < 2; u++) {
		char *text = repeat(units[u], LIMIT_TEXT_CHARS + 1);
		json_t *b = next_action_body(text, NULL);
		char *body = json_dumps(b, JSON_COMPACT);
		expect_next_action_rejected(tenant, tok, body, "nextAction",
		                            "one character more than " LIMIT_TEXT_CHARS_TEXT);
		free(body);
		json_decref(b);
		free(text);
	}
	free(tok);
}

Test(write_next_action, rejects_empty_text_with_400)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wna-empty", NULL);
	char *tok = wh_token(tenant);
	expect_next_action_rejected(tenant, tok, "{\"nextAction\":\"\"}", "nextAction", "\"\"");
	expect_next_action_rejected(
	        tenant, tok, "{\"nextAction\":\"\",\"nextActionDueDate\":\"2026-12-01T10:00:00Z\"}",
	        "nextAction", "\"\" with due date");
	free(tok);
}

Test(write_next_action, rejects_malformed_due_dates_with_400)
{
	static const char *const bad[] = {
	        "2026-13-01T00:00:00Z",      "tomorrow",
	        "2026-02-30T10:00:00Z",      "2026-12-01",
	        "2026-12-01T10:00:00",       "2026-12-01T24:00:00Z",
	        "2026-12-01 10:00:00Z",      "",
	        "2026-12-01T10:00:00+25:00",
	};
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wna-date", NULL);
	char *tok = wh_token(tenant);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *b = next_action_body("Call", bad[i]);
		char *body = json_dumps(b, JSON_COMPACT);
		expect_next_action_rejected(tenant, tok, body, "nextActionDueDate", bad[i]);
		free(body);
		json_decref(b);
	}
	free(tok);
}

Test(write_next_action, rejects_wrong_types_and_unknown_members_with_400)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wna-type", NULL);
	char *tok = wh_token(tenant);
	expect_next_action_rejected(tenant, tok, "{\"nextAction\":5}", "nextAction", "number text");
	expect_next_action_rejected(tenant, tok, "{\"nextAction\":[\"Call\"]}", "nextAction",
	                            "array text");
	expect_next_action_rejected(tenant, tok,
	                            "{\"nextAction\":\"Call\",\"nextActionDueDate\":1796112000}",
	                            "nextActionDueDate", "numeric due date");
	expect_next_action_rejected(tenant, tok, "{\"nextAction\":\"Call\",\"dueDate\":null}",
	                            "dueDate", "unknown member");
	expect_next_action_rejected(tenant, tok, "[]", NULL, "array body");
	expect_next_action_rejected(tenant, tok, "{\"nextAction\":\"Call\"", NULL, "invalid JSON");
	free(tok);
}

static int overdue_contains(const char *tok, const char *id)
{
	struct http *r = http_get("/crm/customers/overdue-actions", tok);
	cr_assert_eq(r->status, 200, "overdue list: %ld %s", r->status, r->body);
	cr_assert(json_is_array(r->json), "overdue list is not an array");
	int found = 0;
	size_t i;
	json_t *c;
	json_array_foreach (r->json, i, c)
		found += wh_str(c, "id") && strcmp(wh_str(c, "id"), id) == 0;
	http_free(r);
	return found;
}

Test(write_next_action, overdue_list_follows_due_dates_set_through_patch)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wna-over", NULL);
	char *tok = wh_token(tenant);
	cr_assert_eq(overdue_contains(tok, "c1"), 0, "no next action yet");

	expect_next_action(tenant, tok,
	                   "{\"nextAction\":\"Call "
	                   "back\",\"nextActionDueDate\":\"2020-01-01T12:00:00+01:00\"}",
	                   "Call back", "2020-01-01T11:00:00Z", "past due date");
	long long key = db_count(
	        "SELECT overdue_key FROM customers WHERE tenant_id = '%s' AND id = 'c1'", tenant);
	cr_assert_eq(key, wh_time_us("2020-01-01T11:00:00Z"), "overdue_key holds the due instant");
	struct http *r = http_get("/crm/customers/overdue-actions", tok);
	cr_assert_eq(r->status, 200);
	cr_assert_eq(json_array_size(r->json), 1, "overdue list: %s", r->body);
	json_t *item = json_array_get(r->json, 0);
	cr_assert_str_eq(wh_str(item, "id"), "c1");
	cr_assert_str_eq(wh_str(item, "nextAction"), "Call back");
	cr_assert_str_eq(wh_str(item, "nextActionDueDate"), "2020-01-01T11:00:00Z");
	http_free(r);

	expect_next_action(
	        tenant, tok,
	        "{\"nextAction\":\"Call back\",\"nextActionDueDate\":\"2099-01-01T00:00:00Z\"}",
	        "Call back", "2099-01-01T00:00:00Z", "future due date");
	cr_assert_eq(overdue_contains(tok, "c1"), 0, "a future due date is not overdue");

	expect_next_action(
	        tenant, tok,
	        "{\"nextAction\":\"Call back\",\"nextActionDueDate\":\"2021-06-01T00:00:00Z\"}",
	        "Call back", "2021-06-01T00:00:00Z", "past again");
	cr_assert_eq(overdue_contains(tok, "c1"), 1, "past due again");

	expect_next_action(tenant, tok, "{}", NULL, NULL, "cleared");
	cr_assert_eq(overdue_contains(tok, "c1"), 0, "a cleared next action is not overdue");
	free(tok);
}

/* ==== owner ================================================================= */

/* The owner tenant: customer c1 without owner; active users u-ann and u-bob, inactive u-gone. */
static void owner_tenant(char *tenant, size_t cap, const char *prefix)
{
	one_customer(tenant, cap, prefix, NULL);
	wh_import(tenant,
	          json_pack("{s:[{s:s,s:s,s:s},{s:s,s:s,s:s},{s:s,s:s,s:s,s:b}]}", "users", "id",
	                    "u-ann", "username", "ann", "displayName", "Ann Owner", "id", "u-bob",
	                    "username", "bob", "displayName", "Bob Builder", "id", "u-gone",
	                    "username", "gone", "displayName", "Gone Away", "active", 0));
}

/* Expects a real owner change to owner_id (NULL: none) with the enriched owner object. */
static void expect_owner(const char *tenant, const char *tok, const char *owner_id,
                         const char *username, const char *display_name, const char *what)
{
	json_t *before = wh_doc(tenant, "c1");
	time_t t0 = time(NULL);
	struct http *r = owner_id ? wh_set_owner(tok, "c1", owner_id) : wh_clear_owner(tok, "c1");
	wh_assert_ok(r, what);
	json_t *after = wh_doc(tenant, "c1");
	wh_assert_enriched(r, tenant, "c1", after);
	char *col = db_scalar("SELECT IFNULL(owner_id, 'NULL') FROM customers"
	                      " WHERE tenant_id = '%s' AND id = 'c1'",
	                      tenant);
	if (owner_id == NULL) {
		cr_assert(json_is_null(json_object_get(r->json, "ownerId")), "%s: ownerId", what);
		cr_assert(json_is_null(json_object_get(r->json, "owner")), "%s: owner", what);
		cr_assert(json_is_null(json_object_get(after, "ownerId")), "%s: stored ownerId",
		          what);
		cr_assert_str_eq(col, "NULL", "%s: owner_id column", what);
	} else {
		cr_assert_str_eq(wh_str(r->json, "ownerId"), owner_id, "%s", what);
		json_t *want = json_pack("{s:s,s:s,s:s}", "displayName", display_name, "id",
		                         owner_id, "username", username);
		cr_assert(json_equal(json_object_get(r->json, "owner"), want),
		          "%s: owner should be {displayName:%s, id:%s, username:%s}: %s", what,
		          display_name, owner_id, username, r->body);
		json_decref(want);
		cr_assert_str_eq(wh_str(after, "ownerId"), owner_id, "%s: stored ownerId", what);
		cr_assert_str_eq(col, owner_id, "%s: owner_id column", what);
	}
	wh_assert_one_new_event(before, after, "OWNER_CHANGE", WH_ACTOR, NULL, 0, t0);
	wh_assert_same_except(before, after, WH_CHANGED("ownerId"));
	free(col);
	json_decref(before);
	json_decref(after);
	http_free(r);
}

/* Expects a 200 that changes nothing. */
static void expect_owner_noop(const char *tenant, const char *tok, const char *owner_id,
                              const char *what)
{
	char *row = wh_row(tenant, "c1");
	struct http *r = owner_id ? wh_set_owner(tok, "c1", owner_id) : wh_clear_owner(tok, "c1");
	wh_assert_ok(r, what);
	json_t *doc = wh_doc(tenant, "c1");
	wh_assert_enriched(r, tenant, "c1", doc);
	if (owner_id != NULL)
		cr_assert_str_eq(wh_str(json_object_get(r->json, "owner"), "id"), owner_id, "%s",
		                 what);
	else
		cr_assert(json_is_null(json_object_get(r->json, "owner")), "%s", what);
	wh_assert_row_unchanged(tenant, "c1", row, what);
	json_decref(doc);
	http_free(r);
	free(row);
}

static void expect_owner_rejected(const char *tenant, const char *tok, const char *owner_id,
                                  long status, const char *needle, const char *what)
{
	char *row = wh_row(tenant, "c1");
	struct http *r = wh_set_owner(tok, "c1", owner_id);
	wh_assert_error(r, status, needle, what);
	wh_assert_row_unchanged(tenant, "c1", row, what);
	http_free(r);
	free(row);
}

Test(write_owner, sets_an_active_user_of_the_tenant_as_owner_with_one_event)
{
	char tenant[64];
	owner_tenant(tenant, sizeof(tenant), "wow-set");
	char *tok = wh_token(tenant);
	expect_owner(tenant, tok, "u-ann", "ann", "Ann Owner", "set u-ann");
	json_t *doc = wh_doc(tenant, "c1");
	json_t *events = json_object_get(doc, "events");
	const char *desc =
	        wh_str(json_array_get(events, json_array_size(events) - 1), "description");
	cr_assert_not_null(strstr(desc, "u-ann"), "description '%s' should name the new owner",
	                   desc);
	json_decref(doc);
	free(tok);
}

Test(write_owner, setting_the_same_owner_again_writes_no_event)
{
	char tenant[64];
	owner_tenant(tenant, sizeof(tenant), "wow-same");
	char *tok = wh_token(tenant);
	expect_owner(tenant, tok, "u-ann", "ann", "Ann Owner", "set u-ann");
	expect_owner_noop(tenant, tok, "u-ann", "set u-ann again");
	free(tok);
}

Test(write_owner, changes_owner_from_one_user_to_another_with_one_event)
{
	char tenant[64];
	owner_tenant(tenant, sizeof(tenant), "wow-chg");
	char *tok = wh_token(tenant);
	expect_owner(tenant, tok, "u-ann", "ann", "Ann Owner", "set u-ann");
	expect_owner(tenant, tok, "u-bob", "bob", "Bob Builder", "change to u-bob");
	free(tok);
}

Test(write_owner, accepts_a_user_added_with_crmctl_user_add)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wow-ctl", NULL);
	const char *args[] = {"user",       "add", "--tenant", tenant,     "--id", "u-cli",
	                      "--username", "cli", "--name",   "Cli User", NULL};
	char *out = NULL, *err = NULL;
	int rc = crmctl_run(args, &out, &err);
	cr_assert_eq(rc, 0, "crmctl user add failed: %s", err ? err : "");
	free(out);
	free(err);
	char *tok = wh_token(tenant);
	expect_owner(tenant, tok, "u-cli", "cli", "Cli User", "set u-cli");
	free(tok);
}

Test(write_owner, rejects_unknown_user_with_404_user_not_found)
{
	char tenant[64];
	owner_tenant(tenant, sizeof(tenant), "wow-unk");
	char *tok = wh_token(tenant);
	expect_owner_rejected(tenant, tok, "u-nobody", 404, "user not found", "unknown user");
	expect_owner(tenant, tok, "u-ann", "ann", "Ann Owner", "set u-ann");
	expect_owner_rejected(tenant, tok, "u-nobody", 404, "user not found",
	                      "unknown user keeps the owner");
	free(tok);
}

Test(write_owner, rejects_user_of_another_tenant_with_404_user_not_found)
{
	char tenant[64], other[64];
	owner_tenant(tenant, sizeof(tenant), "wow-oth");
	fresh_tenant("wow-oth2", other, sizeof(other));
	wh_import_user(other, "u-stranger", "stranger", "Someone Else", 1);
	char *tok = wh_token(tenant);
	expect_owner_rejected(tenant, tok, "u-stranger", 404, "user not found",
	                      "user of another tenant");
	struct http *r = wh_set_owner(tok, "c1", "u-stranger");
	cr_assert_null(strstr(r->body, "Someone Else"), "the other tenant's user leaks: %s",
	               r->body);
	cr_assert_null(strstr(r->body, other), "the other tenant leaks: %s", r->body);
	http_free(r);
	free(tok);
}

Test(write_owner, rejects_inactive_user_with_404_user_not_found)
{
	char tenant[64];
	owner_tenant(tenant, sizeof(tenant), "wow-inact");
	char *tok = wh_token(tenant);
	expect_owner_rejected(tenant, tok, "u-gone", 404, "user not found", "inactive user");
	free(tok);
}

Test(write_owner, clears_owner_with_delete_setting_owner_and_ownerId_null)
{
	char tenant[64];
	owner_tenant(tenant, sizeof(tenant), "wow-clr");
	char *tok = wh_token(tenant);
	expect_owner(tenant, tok, "u-bob", "bob", "Bob Builder", "set u-bob");
	expect_owner(tenant, tok, NULL, NULL, NULL, "DELETE owner");
	expect_owner_noop(tenant, tok, NULL, "DELETE owner again");
	free(tok);
}

Test(write_owner, clearing_an_owner_that_became_inactive_still_works)
{
	char tenant[64];
	owner_tenant(tenant, sizeof(tenant), "wow-clr2");
	char *tok = wh_token(tenant);
	expect_owner(tenant, tok, "u-bob", "bob", "Bob Builder", "set u-bob");
	wh_import_user(tenant, "u-bob", "bob", "Bob Builder", 0);
	expect_owner(tenant, tok, NULL, NULL, NULL, "DELETE owner of an inactive user");
	free(tok);
}

Test(write_owner, delete_owner_on_a_customer_without_owner_is_200_and_writes_nothing)
{
	char tenant[64];
	owner_tenant(tenant, sizeof(tenant), "wow-noop");
	char *tok = wh_token(tenant);
	expect_owner_noop(tenant, tok, NULL, "DELETE owner, none set");
	free(tok);
}

Test(write_owner, rejects_malformed_owner_ids_with_400)
{
	char tenant[64];
	owner_tenant(tenant, sizeof(tenant), "wow-bad");
	char *tok = wh_token(tenant);
	static const char *const bad[] = {"u.ann", "u%20ann", "u%2Fann", "%C3%A9", "u@ann", "u%01"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_owner_rejected(tenant, tok, bad[i], 400, "ownerId", bad[i]);
	char *long_id = repeat("a", LIMIT_ID_CHARS + 1);
	expect_owner_rejected(tenant, tok, long_id, 400, "ownerId",
	                      "one character more than " LIMIT_ID_CHARS_TEXT);
	free(long_id);
	free(tok);
}

/* nginx refuses these request lines itself; the answer must still be the JSON error shape. */
Test(write_owner, rejects_owner_id_with_nul_or_bad_escape_with_400_in_the_json_error_shape)
{
	char tenant[64];
	owner_tenant(tenant, sizeof(tenant), "wow-nul");
	char *tok = wh_token(tenant);
	expect_owner_rejected(tenant, tok, "u%00", 400, NULL, "u%00");
	expect_owner_rejected(tenant, tok, "u%zz", 400, NULL, "u%zz");
	free(tok);
}

Test(write_owner, by_owner_and_my_lists_follow_owner_changes)
{
	char tenant[64];
	owner_tenant(tenant, sizeof(tenant), "wow-list");
	char *tok = wh_token(tenant);
	char *ann = token_for("u-ann", tenant, "crm:read");
	expect_owner(tenant, tok, "u-ann", "ann", "Ann Owner", "set u-ann");
	struct http *r = http_get("/crm/customers/by-owner/u-ann", tok);
	cr_assert_eq(r->status, 200);
	cr_assert_eq(json_array_size(r->json), 1, "by-owner after set: %s", r->body);
	http_free(r);
	r = http_get("/crm/customers/my", ann);
	cr_assert_eq(r->status, 200);
	cr_assert_eq(json_array_size(r->json), 1, "my after set: %s", r->body);
	http_free(r);
	expect_owner(tenant, tok, NULL, NULL, NULL, "DELETE owner");
	r = http_get("/crm/customers/by-owner/u-ann", tok);
	cr_assert_eq(r->status, 200);
	cr_assert_eq(json_array_size(r->json), 0, "by-owner after clear: %s", r->body);
	http_free(r);
	free(ann);
	free(tok);
}

/* ==== tags ================================================================== */

static json_t *tags_of(const char *const *list)
{
	json_t *a = json_array();
	for (; *list != NULL; list++)
		json_array_append_new(a, json_string(*list));
	return a;
}

/* Asserts the stored tags and the response's are exactly want (in order). */
static void assert_tags(const char *tenant, const struct http *r, const json_t *want,
                        const char *what)
{
	json_t *doc = wh_doc(tenant, "c1");
	char *w = json_dumps(want, JSON_COMPACT);
	cr_assert(json_equal(json_object_get(doc, "tags"), want), "%s: stored tags should be %s",
	          what, w);
	if (r != NULL)
		cr_assert(json_equal(json_object_get(r->json, "tags"), want),
		          "%s: response tags should be %s: %s", what, w, r->body);
	long n = db_count("SELECT JSON_LENGTH(doc, '$.tags') FROM customers"
	                  " WHERE tenant_id = '%s' AND id = 'c1'",
	                  tenant);
	cr_assert_eq(n, (long)json_array_size(want), "%s: JSON_LENGTH(tags)", what);
	free(w);
	json_decref(doc);
}

/* A real tag change: 200, tags become want, one TAG_ADDED / TAG_REMOVED event naming tag. */
static void expect_tag_change(const char *tenant, const char *tok, int add, const char *raw,
                              const char *tag, const json_t *want, const char *what)
{
	json_t *before = wh_doc(tenant, "c1");
	time_t t0 = time(NULL);
	struct http *r = add ? wh_add_tag(tok, "c1", raw) : wh_remove_tag(tok, "c1", raw);
	wh_assert_ok(r, what);
	json_t *after = wh_doc(tenant, "c1");
	wh_assert_enriched(r, tenant, "c1", after);
	assert_tags(tenant, r, want, what);
	wh_assert_one_new_event(before, after, add ? "TAG_ADDED" : "TAG_REMOVED", WH_ACTOR, tag, 0,
	                        t0);
	wh_assert_same_except(before, after, WH_CHANGED("tags"));
	json_decref(before);
	json_decref(after);
	http_free(r);
}

/* A 200 that changes nothing; the tags stay want. */
static void expect_tag_noop(const char *tenant, const char *tok, int add, const char *raw,
                            const json_t *want, const char *what)
{
	char *row = wh_row(tenant, "c1");
	struct http *r = add ? wh_add_tag(tok, "c1", raw) : wh_remove_tag(tok, "c1", raw);
	wh_assert_ok(r, what);
	assert_tags(tenant, r, want, what);
	wh_assert_row_unchanged(tenant, "c1", row, what);
	http_free(r);
	free(row);
}

static void expect_tag_rejected(const char *tenant, const char *tok, int add, const char *raw,
                                long status, const char *what)
{
	char *row = wh_row(tenant, "c1");
	struct http *r = add ? wh_add_tag(tok, "c1", raw) : wh_remove_tag(tok, "c1", raw);
	wh_assert_error(r, status, NULL, what);
	wh_assert_row_unchanged(tenant, "c1", row, what);
	http_free(r);
	free(row);
}

#define TAGS(...) tags_of((const char *const[]){__VA_ARGS__, NULL})

Test(write_tags, adds_tag_at_the_end_with_a_tag_added_event)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-add", TAGS("alpha", "Beta"));
	char *tok = wh_token(tenant);
	json_t *want = TAGS("alpha", "Beta", "gamma");
	expect_tag_change(tenant, tok, 1, "gamma", "gamma", want, "add gamma");
	char *last = wh_db_last_event_type(tenant, "c1");
	cr_assert_str_eq(last, "TAG_ADDED");
	free(last);
	json_decref(want);
	free(tok);
}

Test(write_tags, adds_the_first_tag_to_a_customer_without_tags)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-first", json_array());
	char *tok = wh_token(tenant);
	json_t *want = TAGS("vip");
	expect_tag_change(tenant, tok, 1, "vip", "vip", want, "first tag");
	json_decref(want);
	free(tok);
}

Test(write_tags, trims_and_percent_decodes_the_tag)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-trim", json_array());
	char *tok = wh_token(tenant);
	json_t *want = TAGS("vip");
	expect_tag_change(tenant, tok, 1, "%20vip%20", "vip", want, "%20vip%20");
	json_decref(want);
	want = TAGS("vip", "big deal");
	expect_tag_change(tenant, tok, 1, "%20%20big%20deal%20", "big deal", want,
	                  "inner space kept");
	json_decref(want);
	free(tok);
}

Test(write_tags, decodes_an_encoded_slash_inside_a_tag)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-slash", json_array());
	char *tok = wh_token(tenant);
	json_t *want = TAGS("a/b");
	expect_tag_change(tenant, tok, 1, "a%2Fb", "a/b", want, "a%2Fb");
	json_decref(want);
	want = json_array();
	expect_tag_change(tenant, tok, 0, "A%2fB", "a/b", want, "remove A%2fB");
	json_decref(want);
	free(tok);
}

Test(write_tags, decodes_percent_encoded_utf8_tags)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-utf8", json_array());
	char *tok = wh_token(tenant);
	json_t *want = TAGS("caf\xc3\xa9");
	expect_tag_change(tenant, tok, 1, "caf%C3%A9", "caf\xc3\xa9", want, "café");
	json_decref(want);
	free(tok);
}

Test(write_tags, adding_a_tag_differing_only_in_case_keeps_the_first_spelling)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-case", TAGS("vip", "Beta"));
	char *tok = wh_token(tenant);
	json_t *want = TAGS("vip", "Beta");
	expect_tag_noop(tenant, tok, 1, "VIP", want, "add VIP when vip exists");
	expect_tag_noop(tenant, tok, 1, "vip", want, "add vip again");
	expect_tag_noop(tenant, tok, 1, "%20BETA", want, "add BETA when Beta exists");
	json_decref(want);
	free(tok);
}

Test(write_tags, compares_latin1_letters_without_regard_to_case)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-l1", TAGS("\xc3\xa9t\xc3\xa9"));
	char *tok = wh_token(tenant);
	json_t *want = TAGS("\xc3\xa9t\xc3\xa9");
	expect_tag_noop(tenant, tok, 1, "%C3%89T%C3%89", want, "add ÉTÉ when été exists");
	json_decref(want);
	want = json_array();
	expect_tag_change(tenant, tok, 0, "%C3%89t%C3%A9", "\xc3\xa9t\xc3\xa9", want,
	                  "remove Été removes été");
	json_decref(want);
	free(tok);
}

Test(write_tags, removing_bETA_removes_Beta_with_a_tag_removed_event)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-rm", TAGS("alpha", "Beta", "gamma"));
	char *tok = wh_token(tenant);
	json_t *want = TAGS("alpha", "gamma");
	expect_tag_change(tenant, tok, 0, "bETA", "Beta", want, "remove bETA");
	char *last = wh_db_last_event_type(tenant, "c1");
	cr_assert_str_eq(last, "TAG_REMOVED");
	free(last);
	json_decref(want);
	free(tok);
}

Test(write_tags, removing_an_absent_tag_is_200_and_writes_nothing)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-abs", TAGS("alpha"));
	char *tok = wh_token(tenant);
	json_t *want = TAGS("alpha");
	expect_tag_noop(tenant, tok, 0, "omega", want, "remove absent");
	expect_tag_noop(tenant, tok, 0, "alph", want, "remove a prefix of a tag");
	json_decref(want);
	free(tok);
}

Test(write_tags, keeps_tags_in_order_across_adds_and_removes)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-order", TAGS("one", "Two", "three"));
	char *tok = wh_token(tenant);
	long first = wh_db_events(tenant, "c1");
	json_t *w1 = TAGS("one", "Two", "three", "four");
	json_t *w2 = TAGS("one", "three", "four");
	json_t *w3 = TAGS("one", "three", "four", "TWO");
	json_t *w4 = TAGS("three", "four", "TWO");
	expect_tag_change(tenant, tok, 1, "four", "four", w1, "add four");
	expect_tag_change(tenant, tok, 0, "two", "Two", w2, "remove two");
	expect_tag_change(tenant, tok, 1, "TWO", "TWO", w3, "add TWO at the end");
	expect_tag_change(tenant, tok, 0, "ONE", "one", w4, "remove the first");
	cr_assert_eq(wh_db_events(tenant, "c1"), first + 4);
	json_decref(w1);
	json_decref(w2);
	json_decref(w3);
	json_decref(w4);
	free(tok);
}

Test(write_tags, accepts_a_tag_of_50_characters)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-50", json_array());
	char *tok = wh_token(tenant);
	char *tag = repeat("t", LIMIT_TAG_CHARS);
	json_t *want = json_pack("[s]", tag);
	expect_tag_change(tenant, tok, 1, tag, tag, want, LIMIT_TAG_CHARS_TEXT " ASCII characters");
	json_decref(want);
	free(tag);
	free(tok);
}

Test(write_tags, accepts_a_tag_of_50_two_byte_characters)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-50u", json_array());
	char *tok = wh_token(tenant);
	char *tag = repeat("\xc3\xa9", LIMIT_TAG_CHARS);
	char *raw = repeat("%C3%A9", LIMIT_TAG_CHARS);
	json_t *want = json_pack("[s]", tag);
	expect_tag_change(tenant, tok, 1, raw, tag, want, LIMIT_TAG_CHARS_TEXT " x e-acute");
	json_decref(want);
	free(raw);
	free(tag);
	free(tok);
}

Test(write_tags, trims_before_counting_so_50_characters_with_spaces_around_fit)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-50t", json_array());
	char *tok = wh_token(tenant);
	char *tag = repeat("t", LIMIT_TAG_CHARS);
	char raw[LIMIT_TAG_CHARS + 32];
	snprintf(raw, sizeof(raw), "%%20%%20%s%%20", tag);
	json_t *want = json_pack("[s]", tag);
	expect_tag_change(tenant, tok, 1, raw, tag, want,
	                  LIMIT_TAG_CHARS_TEXT " characters with spaces around");
	json_decref(want);
	free(tag);
	free(tok);
}

Test(write_tags, rejects_a_tag_of_51_characters_with_400)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-51", TAGS("alpha"));
	char *tok = wh_token(tenant);
	char *tag = repeat("t", LIMIT_TAG_CHARS + 1);
	char *raw = repeat("%C3%A9", LIMIT_TAG_CHARS + 1);
	expect_tag_rejected(tenant, tok, 1, tag, 400, "one ASCII character too many");
	expect_tag_rejected(tenant, tok, 1, raw, 400, "one e-acute too many");
	expect_tag_rejected(tenant, tok, 0, tag, 400, "DELETE of one character too many");
	free(raw);
	free(tag);
	free(tok);
}

Test(write_tags, rejects_a_tag_of_only_spaces_with_400)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-sp", TAGS("alpha"));
	char *tok = wh_token(tenant);
	expect_tag_rejected(tenant, tok, 1, "%20", 400, "one space");
	expect_tag_rejected(tenant, tok, 1, "%20%20%20", 400, "three spaces");
	expect_tag_rejected(tenant, tok, 0, "%20%20", 400, "DELETE of spaces");
	free(tok);
}

/* "tags/" names no tag at all: like any path with an empty segment it is
 * no route (404), while a segment of only spaces is a malformed tag (400). */
Test(write_tags, empty_tag_segment_is_no_route_and_blank_tag_is_400)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-empty", TAGS("alpha"));
	char *tok = wh_token(tenant);
	expect_tag_rejected(tenant, tok, 1, "", 404, "POST tags/ (empty segment)");
	expect_tag_rejected(tenant, tok, 0, "", 404, "DELETE tags/ (empty segment)");
	expect_tag_rejected(tenant, tok, 1, "%20%20", 400, "POST tags/%20%20 (blank tag)");
	free(tok);
}

Test(write_tags, rejects_control_characters_with_400)
{
	static const char *const bad[] = {
	        "%01",   "a%01b", "a%0Ab",    "a%0Db",     "a%1Fb",
	        "a%7Fb", "a%09b", "a%C2%85b", "%1B%5B31m",
	};
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-ctl", TAGS("alpha"));
	char *tok = wh_token(tenant);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_tag_rejected(tenant, tok, 1, bad[i], 400, bad[i]);
	free(tok);
}

/* nginx itself refuses a request line with %00 (before the app sees it): the
 * stack must still answer in the JSON error shape (CONTRACT.md: every error body). */
Test(write_tags, rejects_nul_byte_in_tag_with_400_in_the_json_error_shape)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-nul", TAGS("alpha"));
	char *tok = wh_token(tenant);
	expect_tag_rejected(tenant, tok, 1, "a%00b", 400, "a%00b");
	expect_tag_rejected(tenant, tok, 0, "%00", 400, "%00");
	free(tok);
}

Test(write_tags, rejects_invalid_utf8_with_400)
{
	static const char *const bad[] = {
	        "%FF", "a%FFb", "%C3", "a%C3", "%C0%AF", "%ED%A0%80", "%F4%90%80%80", "%80",
	};
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-utf", TAGS("alpha"));
	char *tok = wh_token(tenant);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_tag_rejected(tenant, tok, 1, bad[i], 400, bad[i]);
		expect_tag_rejected(tenant, tok, 0, bad[i], 400, bad[i]);
	}
	free(tok);
}

/* nginx refuses most of these request lines itself; the answer must still be the JSON error shape. */
Test(write_tags, rejects_malformed_percent_escapes_with_400_in_the_json_error_shape)
{
	static const char *const bad[] = {"a%zzb", "a%2", "%", "a%G0"};
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-pct", TAGS("alpha"));
	char *tok = wh_token(tenant);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_tag_rejected(tenant, tok, 1, bad[i], 400, bad[i]);
	free(tok);
}

/* LIMIT_TAGS tags: a full customer. */
static json_t *full_tags(void)
{
	json_t *a = json_array();
	for (int i = 0; i < LIMIT_TAGS; i++) {
		char t[16];
		snprintf(t, sizeof(t), "tag%03d", i);
		json_array_append_new(a, json_string(t));
	}
	return a;
}

Test(write_tags, rejects_the_101st_tag_with_409_and_changes_nothing)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-101", full_tags());
	char *tok = wh_token(tenant);
	expect_tag_rejected(tenant, tok, 1, "one-too-many", 409, "a tag beyond LIMIT_TAGS");
	cr_assert_eq(db_count("SELECT JSON_LENGTH(doc, '$.tags') FROM customers"
	                      " WHERE tenant_id = '%s' AND id = 'c1'",
	                      tenant),
	             LIMIT_TAGS);
	free(tok);
}

Test(write_tags, a_present_tag_on_a_full_customer_is_still_a_200_no_op)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-full", full_tags());
	char *tok = wh_token(tenant);
	json_t *want = full_tags();
	expect_tag_noop(tenant, tok, 1, "TAG042", want, "add a present tag at LIMIT_TAGS");
	json_decref(want);
	free(tok);
}

Test(write_tags, after_removing_one_of_100_tags_another_can_be_added)
{
	char tenant[64];
	one_customer(tenant, sizeof(tenant), "wtg-swap", full_tags());
	char *tok = wh_token(tenant);
	json_t *want = full_tags();
	json_array_remove(want, 0);
	expect_tag_change(tenant, tok, 0, "tag000", "tag000", want, "remove at LIMIT_TAGS");
	json_array_append_new(want, json_string("fresh"));
	expect_tag_change(tenant, tok, 1, "fresh", "fresh", want, "add at LIMIT_TAGS - 1");
	json_decref(want);
	free(tok);
}
