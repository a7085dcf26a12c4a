/* test_write_status: PATCH /crm/customers/{id}/crm-status through nginx — the whole lifecycle matrix and every bad body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/http/client.h"
#include "tests/http/test_write_helpers.h"

#define NSTATUS 6

static const char *const status_name[NSTATUS] = {
        "LEAD", "PROSPECT", "ACTIVE", "CUSTOMER", "INACTIVE", "CHURNED",
};

/* CONTRACT.md: LEAD->PROSPECT, PROSPECT->ACTIVE, ACTIVE->CUSTOMER, CUSTOMER->INACTIVE,
 * INACTIVE->CHURNED, INACTIVE->ACTIVE, LEAD->INACTIVE, PROSPECT->INACTIVE. */
/* clang-format off */
static const int allowed[NSTATUS][NSTATUS] = {
	/*            L  P  A  C  I  X */
	/* LEAD */   {0, 1, 0, 0, 1, 0},
	/* PROSP */  {0, 0, 1, 0, 1, 0},
	/* ACTIVE */ {0, 0, 0, 1, 0, 0},
	/* CUST */   {0, 0, 0, 0, 1, 0},
	/* INACT */  {0, 0, 1, 0, 0, 1},
	/* CHURN */  {0, 0, 0, 0, 0, 0},
};
/* clang-format on */

static void pair_id(char *out, size_t cap, int from, int to)
{
	snprintf(out, cap, "m-%s-%s", status_name[from], status_name[to]);
}

static void status_body(char *out, size_t cap, const char *status)
{
	snprintf(out, cap, "{\"crmStatus\":\"%s\"}", status);
}

/* Imports one customer per (from, to) pair selected by want(from, to). */
static void import_pairs(const char *tenant, int (*want)(int, int))
{
	json_t *list = json_array();
	for (int f = 0; f < NSTATUS; f++)
		for (int t = 0; t < NSTATUS; t++) {
			if (!want(f, t))
				continue;
			char id[64];
			pair_id(id, sizeof(id), f, t);
			json_array_append_new(list, wh_customer(id, status_name[f]));
		}
	wh_import_customers(tenant, list);
}

static int is_allowed(int f, int t)
{
	return allowed[f][t];
}

static int is_same(int f, int t)
{
	return f == t;
}

static int is_forbidden(int f, int t)
{
	return f != t && !allowed[f][t];
}

static int count_pairs(int (*want)(int, int))
{
	int n = 0;
	for (int f = 0; f < NSTATUS; f++)
		for (int t = 0; t < NSTATUS; t++)
			n += want(f, t) != 0;
	return n;
}

Test(write_status, the_three_matrix_tests_cover_all_36_pairs)
{
	cr_assert_eq(count_pairs(is_allowed), 8);
	cr_assert_eq(count_pairs(is_same), 6);
	cr_assert_eq(count_pairs(is_forbidden), 22);
}

/* One allowed move on customer id: 200, the new status everywhere, exactly one event. */
static void expect_move(const char *tenant, const char *token, const char *id, int from, int to)
{
	char body[64], desc[96], what[96];
	status_body(body, sizeof(body), status_name[to]);
	snprintf(desc, sizeof(desc), "Status changed from %s to %s", status_name[from],
	         status_name[to]);
	snprintf(what, sizeof(what), "%s -> %s", status_name[from], status_name[to]);
	json_t *before = wh_doc(tenant, id);
	long events_before = wh_db_events(tenant, id);
	time_t t0 = time(NULL);

	struct http *r = wh_set_status(token, id, body);
	wh_assert_ok(r, what);
	json_t *after = wh_doc(tenant, id);
	wh_assert_enriched(r, tenant, id, after);
	cr_assert_str_eq(wh_str(r->json, "crmStatus"), status_name[to], "%s: response", what);
	cr_assert_str_eq(wh_str(after, "crmStatus"), status_name[to], "%s: stored doc", what);
	wh_assert_one_new_event(before, after, "STATUS_CHANGE", WH_ACTOR, desc, 1, t0);
	wh_assert_same_except(before, after, WH_CHANGED("crmStatus"));

	char *col =
	        db_scalar("SELECT crm_status FROM customers WHERE tenant_id = '%s' AND id = '%s'",
	                  tenant, id);
	cr_assert_str_eq(col, status_name[to], "%s: crm_status column", what);
	cr_assert_eq(wh_db_events(tenant, id), events_before + 1, "%s: JSON_LENGTH(events)", what);
	char *last = wh_db_last_event_type(tenant, id);
	cr_assert_str_eq(last, "STATUS_CHANGE", "%s: last stored event", what);
	free(last);
	free(col);
	json_decref(before);
	json_decref(after);
	http_free(r);
}

Test(write_status, applies_each_allowed_transition_with_one_status_change_event_at_the_end)
{
	char tenant[64];
	fresh_tenant("wst-ok", tenant, sizeof(tenant));
	import_pairs(tenant, is_allowed);
	char *tok = wh_token(tenant);
	for (int f = 0; f < NSTATUS; f++)
		for (int t = 0; t < NSTATUS; t++) {
			if (!allowed[f][t])
				continue;
			char id[64];
			pair_id(id, sizeof(id), f, t);
			expect_move(tenant, tok, id, f, t);
		}
	free(tok);
}

Test(write_status, setting_the_current_status_again_is_200_and_writes_nothing)
{
	char tenant[64];
	fresh_tenant("wst-same", tenant, sizeof(tenant));
	import_pairs(tenant, is_same);
	char *tok = wh_token(tenant);
	for (int s = 0; s < NSTATUS; s++) {
		char id[64], body[64];
		pair_id(id, sizeof(id), s, s);
		status_body(body, sizeof(body), status_name[s]);
		char *row = wh_row(tenant, id);
		long events = wh_db_events(tenant, id);
		char *updated = db_scalar("SELECT JSON_UNQUOTE(JSON_EXTRACT(doc, '$.updated'))"
		                          " FROM customers WHERE tenant_id = '%s' AND id = '%s'",
		                          tenant, id);

		struct http *r = wh_set_status(tok, id, body);
		wh_assert_ok(r, status_name[s]);
		json_t *after = wh_doc(tenant, id);
		wh_assert_enriched(r, tenant, id, after);
		cr_assert_str_eq(wh_str(r->json, "crmStatus"), status_name[s]);
		cr_assert_eq(wh_db_events(tenant, id), events, "%s: an event was written",
		             status_name[s]);
		char *updated_after =
		        db_scalar("SELECT JSON_UNQUOTE(JSON_EXTRACT(doc, '$.updated'))"
		                  " FROM customers WHERE tenant_id = '%s' AND id = '%s'",
		                  tenant, id);
		cr_assert_str_eq(updated_after ? updated_after : "(null)",
		                 updated ? updated : "(null)", "%s: updated changed",
		                 status_name[s]);
		wh_assert_row_unchanged(tenant, id, row, status_name[s]);
		free(updated_after);
		free(updated);
		free(row);
		json_decref(after);
		http_free(r);
	}
	free(tok);
}

Test(write_status, refuses_each_forbidden_transition_with_409_naming_the_allowed_moves)
{
	static const char *const moves[NSTATUS][3] = {
	        {"PROSPECT", "INACTIVE", NULL},
	        {"ACTIVE", "INACTIVE", NULL},
	        {"CUSTOMER", NULL},
	        {"INACTIVE", NULL},
	        {"ACTIVE", "CHURNED", NULL},
	        {NULL},
	};
	char tenant[64];
	fresh_tenant("wst-409", tenant, sizeof(tenant));
	import_pairs(tenant, is_forbidden);
	char *tok = wh_token(tenant);
	for (int f = 0; f < NSTATUS; f++)
		for (int t = 0; t < NSTATUS; t++) {
			if (!is_forbidden(f, t))
				continue;
			char id[64], body[64], what[64];
			pair_id(id, sizeof(id), f, t);
			status_body(body, sizeof(body), status_name[t]);
			snprintf(what, sizeof(what), "%s -> %s", status_name[f], status_name[t]);
			char *row = wh_row(tenant, id);

			struct http *r = wh_set_status(tok, id, body);
			wh_assert_error(r, 409, NULL, what);
			const char *detail = wh_str(r->json, "detail");
			for (int m = 0; moves[f][m] != NULL; m++)
				cr_assert_not_null(
				        strstr(detail, moves[f][m]),
				        "%s: detail '%s' does not name the allowed move to %s",
				        what, detail, moves[f][m]);
			if (moves[f][0] == NULL)
				cr_assert(strcasestr(detail, "final") || strcasestr(detail, "none"),
				          "%s: detail '%s' does not say that no move is allowed",
				          what, detail);
			wh_assert_row_unchanged(tenant, id, row, what);
			free(row);
			http_free(r);
		}
	free(tok);
}

Test(write_status, walks_lead_to_churned_appending_one_event_per_step_in_order)
{
	char tenant[64];
	fresh_tenant("wst-walk", tenant, sizeof(tenant));
	wh_import_customer(tenant, wh_customer("walker", "LEAD"));
	char *tok = wh_token(tenant);
	static const int path[] = {0, 1, 2,
	                           3, 4, 5}; /* LEAD PROSPECT ACTIVE CUSTOMER INACTIVE CHURNED */
	long first = wh_db_events(tenant, "walker");
	for (size_t i = 1; i < sizeof(path) / sizeof(path[0]); i++)
		expect_move(tenant, tok, "walker", path[i - 1], path[i]);
	cr_assert_eq(wh_db_events(tenant, "walker"), first + 5);
	json_t *doc = wh_doc(tenant, "walker");
	json_t *events = json_object_get(doc, "events");
	for (size_t i = 1; i < 6; i++) {
		char desc[96];
		snprintf(desc, sizeof(desc), "Status changed from %s to %s",
		         status_name[path[i - 1]], status_name[path[i]]);
		const json_t *ev = json_array_get(events, (size_t)first + i - 1);
		cr_assert_str_eq(wh_str(ev, "description"), desc, "events must be oldest first");
	}
	json_decref(doc);
	free(tok);
}

Test(write_status, churned_is_final_every_other_status_is_409)
{
	char tenant[64];
	fresh_tenant("wst-final", tenant, sizeof(tenant));
	wh_import_customer(tenant, wh_customer("gone", "INACTIVE"));
	char *tok = wh_token(tenant);
	expect_move(tenant, tok, "gone", 4, 5);
	char *row = wh_row(tenant, "gone");
	for (int t = 0; t < 5; t++) {
		char body[64];
		status_body(body, sizeof(body), status_name[t]);
		struct http *r = wh_set_status(tok, "gone", body);
		wh_assert_error(r, 409, "CHURNED", status_name[t]);
		http_free(r);
	}
	wh_assert_row_unchanged(tenant, "gone", row, "after leaving CHURNED was refused");
	free(row);
	free(tok);
}

Test(write_status, inactive_customer_can_be_reactivated)
{
	char tenant[64];
	fresh_tenant("wst-react", tenant, sizeof(tenant));
	wh_import_customer(tenant, wh_customer("back", "CUSTOMER"));
	char *tok = wh_token(tenant);
	expect_move(tenant, tok, "back", 3, 4);
	expect_move(tenant, tok, "back", 4, 2);
	expect_move(tenant, tok, "back", 2, 3);
	free(tok);
}

/* ---- bad requests: 400/413/415, and nothing changes ------------------------ */

/* Sends body with content type to a LEAD customer; expects status, detail naming needle, no change. */
static void expect_rejected(const char *content_type, const char *body, long status,
                            const char *needle, const char *what)
{
	char tenant[64];
	fresh_tenant("wst-bad", tenant, sizeof(tenant));
	wh_import_customer(tenant, wh_customer("c1", "LEAD"));
	char *tok = wh_token(tenant);
	char *row = wh_row(tenant, "c1");
	struct http *r = wh_request("PATCH", tok, "c1", "crm-status", content_type, body);
	wh_assert_error(r, status, needle, what);
	wh_assert_row_unchanged(tenant, "c1", row, what);
	http_free(r);
	free(row);
	free(tok);
}

Test(write_status, rejects_lower_case_status_with_400_naming_crmStatus)
{
	expect_rejected(WH_JSON, "{\"crmStatus\":\"prospect\"}", 400, "crmStatus", "lower case");
	expect_rejected(WH_JSON, "{\"crmStatus\":\"lead\"}", 400, "crmStatus", "lead");
}

Test(write_status, rejects_unknown_status_with_400_naming_crmStatus)
{
	expect_rejected(WH_JSON, "{\"crmStatus\":\"ARCHIVED\"}", 400, "crmStatus", "ARCHIVED");
	expect_rejected(WH_JSON, "{\"crmStatus\":\"\"}", 400, "crmStatus", "empty string");
	expect_rejected(WH_JSON, "{\"crmStatus\":\"PROSPECT \"}", 400, "crmStatus", "padded");
}

Test(write_status, rejects_numeric_status_with_400_naming_crmStatus)
{
	expect_rejected(WH_JSON, "{\"crmStatus\":1}", 400, "crmStatus", "number");
}

Test(write_status, rejects_non_string_status_with_400_naming_crmStatus)
{
	expect_rejected(WH_JSON, "{\"crmStatus\":null}", 400, "crmStatus", "null");
	expect_rejected(WH_JSON, "{\"crmStatus\":true}", 400, "crmStatus", "boolean");
	expect_rejected(WH_JSON, "{\"crmStatus\":[\"PROSPECT\"]}", 400, "crmStatus", "array");
	expect_rejected(WH_JSON, "{\"crmStatus\":{\"v\":\"PROSPECT\"}}", 400, "crmStatus",
	                "object");
}

Test(write_status, rejects_missing_crmStatus_with_400_naming_it)
{
	expect_rejected(WH_JSON, "{}", 400, "crmStatus", "empty object");
}

Test(write_status, rejects_unknown_member_with_400_naming_it)
{
	expect_rejected(WH_JSON, "{\"crmStatus\":\"PROSPECT\",\"reasonForChange\":\"y\"}", 400,
	                "reasonForChange", "member reasonForChange");
	expect_rejected(WH_JSON, "{\"crmStatus\":\"PROSPECT\",\"crmStatusNote\":1}", 400,
	                "crmStatusNote", "member crmStatusNote");
}

Test(write_status, rejects_one_letter_unknown_member_x_with_400_quoting_it)
{
	char tenant[64];
	fresh_tenant("wst-x", tenant, sizeof(tenant));
	wh_import_customer(tenant, wh_customer("c1", "LEAD"));
	char *tok = wh_token(tenant);
	char *row = wh_row(tenant, "c1");
	struct http *r = wh_set_status(tok, "c1", "{\"crmStatus\":\"ACTIVE\",\"x\":1}");
	wh_assert_error(r, 400, NULL, "member x");
	const char *d = wh_str(r->json, "detail");
	cr_assert(strstr(d, "'x'") || strstr(d, "\"x\"") || strstr(d, "`x`") || strstr(d, " x "),
	          "detail '%s' does not name the member x", d);
	wh_assert_row_unchanged(tenant, "c1", row, "member x");
	http_free(r);
	free(row);
	free(tok);
}

Test(write_status, rejects_invalid_json_with_400)
{
	expect_rejected(WH_JSON, "{\"crmStatus\":", 400, "JSON", "truncated");
	expect_rejected(WH_JSON, "{crmStatus: 'PROSPECT'}", 400, "JSON", "not JSON");
	expect_rejected(WH_JSON, "{\"crmStatus\":\"PROSPECT\"} trailing", 400, "JSON", "trailing");
}

Test(write_status, rejects_json_array_body_with_400)
{
	expect_rejected(WH_JSON, "[\"PROSPECT\"]", 400, "object", "array");
	expect_rejected(WH_JSON, "[{\"crmStatus\":\"PROSPECT\"}]", 400, "object",
	                "array of object");
}

Test(write_status, rejects_json_scalar_body_with_400)
{
	expect_rejected(WH_JSON, "\"PROSPECT\"", 400, NULL, "string body");
	expect_rejected(WH_JSON, "null", 400, NULL, "null body");
}

Test(write_status, rejects_empty_body_with_400)
{
	expect_rejected(WH_JSON, "", 400, NULL, "empty body");
}

Test(write_status, rejects_duplicate_member_with_400)
{
	expect_rejected(WH_JSON, "{\"crmStatus\":\"PROSPECT\",\"crmStatus\":\"INACTIVE\"}", 400,
	                "crmStatus", "duplicate member");
}

Test(write_status, rejects_invalid_utf8_in_body_with_400)
{
	expect_rejected(WH_JSON, "{\"crmStatus\":\"PROSPECT\xff\"}", 400, NULL, "invalid UTF-8");
}

Test(write_status, rejects_text_plain_content_type_with_415)
{
	expect_rejected("text/plain", "{\"crmStatus\":\"PROSPECT\"}", 415, NULL, "text/plain");
}

Test(write_status, rejects_form_content_type_with_415)
{
	expect_rejected("application/x-www-form-urlencoded", "crmStatus=PROSPECT", 415, NULL,
	                "form");
}

Test(write_status, rejects_json_body_sent_without_content_type_with_415)
{
	static const char *const no_type[] = {"Content-Type:", NULL}; /* curl: drop the header */
	char tenant[64];
	fresh_tenant("wst-noct", tenant, sizeof(tenant));
	wh_import_customer(tenant, wh_customer("c1", "LEAD"));
	char *tok = wh_token(tenant);
	char *row = wh_row(tenant, "c1");
	struct http *r = http_do("PATCH", "/crm/customers/c1/crm-status", tok, NULL,
	                         "{\"crmStatus\":\"PROSPECT\"}", no_type);
	wh_assert_error(r, 415, NULL, "no Content-Type");
	wh_assert_row_unchanged(tenant, "c1", row, "no Content-Type");
	http_free(r);
	free(row);
	free(tok);
}

Test(write_status, rejects_body_over_64_kib_with_413_in_the_json_error_shape)
{
	size_t pad = 70 * 1024;
	char *body = malloc(pad + 64);
	cr_assert_not_null(body);
	int n = sprintf(body, "{\"crmStatus\":\"PROSPECT\",\"pad\":\"");
	memset(body + n, 'x', pad);
	strcpy(body + n + pad, "\"}");
	expect_rejected(WH_JSON, body, 413, NULL, "70 KiB body");
	free(body);
}

Test(write_status, accepts_json_content_type_with_charset_parameter)
{
	char tenant[64];
	fresh_tenant("wst-cs", tenant, sizeof(tenant));
	wh_import_customer(tenant, wh_customer("c1", "LEAD"));
	char *tok = wh_token(tenant);
	struct http *r =
	        wh_request("PATCH", tok, "c1", "crm-status", "application/json; charset=utf-8",
	                   "{\"crmStatus\":\"PROSPECT\"}");
	wh_assert_ok(r, "charset parameter");
	cr_assert_str_eq(wh_str(r->json, "crmStatus"), "PROSPECT");
	json_t *doc = wh_doc(tenant, "c1");
	cr_assert_str_eq(wh_str(doc, "crmStatus"), "PROSPECT");
	json_decref(doc);
	http_free(r);
	free(tok);
}

Test(write_status, accepts_whitespace_around_the_json_body)
{
	char tenant[64];
	fresh_tenant("wst-ws", tenant, sizeof(tenant));
	wh_import_customer(tenant, wh_customer("c1", "PROSPECT"));
	char *tok = wh_token(tenant);
	expect_move(tenant, tok, "c1", 1, 4); /* a compact body first */
	struct http *r = wh_set_status(tok, "c1", "\n  { \"crmStatus\" : \"ACTIVE\" }\n");
	wh_assert_ok(r, "whitespace");
	cr_assert_str_eq(wh_str(r->json, "crmStatus"), "ACTIVE");
	http_free(r);
	free(tok);
}
