/* test_write_answer: every change answers exactly what a GET reads right after it. */
#include "tests/http/test_write_helpers.h"
#include "model/stmt.h"

/*
 * A change answers the enriched customer made from the row it locked (the
 * stored document before the owner and the opportunities and activities the
 * row holds), not read again: these hold that answer to the GET that follows,
 * byte for byte and ETag for ETag, through every kind of change, an owner
 * renamed behind the customer's back, an owner changed (read again) and none.
 */

/* A tenant with users u-ann and u-bob, and c1 (LEAD, no owner) with an opportunity and an
 * activity, so the answer's arrays are not empty. */
static void fixture(char *tenant, size_t cap, const char *prefix)
{
	fresh_tenant(prefix, tenant, cap);
	wh_import(tenant,
	          json_pack("{s:[{s:s,s:s,s:s},{s:s,s:s,s:s}],s:[o],s:[o],s:[o]}", "users", "id",
	                    "u-ann", "username", "ann", "displayName", "Ann Owner", "id", "u-bob",
	                    "username", "bob", "displayName", "Bob Builder", "customers",
	                    wh_customer("c1", "LEAD"), "opportunities",
	                    sample_opportunity("o1", "c1", "2026-01-02T03:04:05Z"), "activities",
	                    sample_activity("a1", "c1", "2026-02-03T04:05:06Z")));
}

/* Asserts r (a change's 200) is what GET reads now: the same bytes and the same ETag. */
static void expect_answer_is_get(struct http *r, const char *tok, const char *what)
{
	wh_assert_ok(r, what);
	struct http *g = http_get("/crm/customers/c1", tok);
	cr_assert_eq(g->status, 200, "%s: GET after it: %ld", what, g->status);
	cr_assert_eq(r->body_len, g->body_len, "%s: answer %zu bytes, GET %zu:\n%s\n%s", what,
	             r->body_len, g->body_len, r->body, g->body);
	cr_assert(memcmp(r->body, g->body, g->body_len) == 0, "%s: answer\n%s\nGET\n%s", what,
	          r->body, g->body);
	char *tag = http_header(r, "ETag"), *get_tag = http_header(g, "ETag");
	cr_assert(tag != NULL && get_tag != NULL && strcmp(tag, get_tag) == 0,
	          "%s: ETag %s, GET's %s", what, tag ? tag : "(none)",
	          get_tag ? get_tag : "(none)");
	free(tag);
	free(get_tag);
	http_free(g);
	http_free(r);
}

static struct http *merge_patch(const char *tok, const char *body)
{
	return http_do("PATCH", "/crm/customers/c1", tok, "application/merge-patch+json", body,
	               NULL);
}

Test(write_answer, every_kind_of_change_answers_what_get_reads_after_it)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "wan-all");
	char *tok = wh_token(tenant);
	expect_answer_is_get(wh_add_tag(tok, "c1", "vip"), tok, "tag added, no owner");
	expect_answer_is_get(wh_add_tag(tok, "c1", "VIP"), tok, "the same tag again (no change)");
	expect_answer_is_get(wh_set_next_action(tok, "c1", "{\"nextAction\":\"Call\"}"), tok,
	                     "next action");
	expect_answer_is_get(wh_set_status(tok, "c1", "{\"crmStatus\":\"PROSPECT\"}"), tok,
	                     "status");
	expect_answer_is_get(wh_set_owner(tok, "c1", "u-ann"), tok, "owner set");
	expect_answer_is_get(wh_remove_tag(tok, "c1", "vip"), tok, "tag removed, owner kept");
	expect_answer_is_get(merge_patch(tok, "{\"phone\":\"+31 20 000 0000\"}"), tok,
	                     "merge patch");
	expect_answer_is_get(wh_set_owner(tok, "c1", "u-bob"), tok, "owner changed");
	expect_answer_is_get(wh_set_owner(tok, "c1", "u-bob"), tok, "the same owner (no change)");
	expect_answer_is_get(wh_clear_owner(tok, "c1"), tok, "owner cleared");
	expect_answer_is_get(wh_set_next_action(tok, "c1", "{}"), tok, "next action cleared");
	free(tok);
}

Test(write_answer, an_owner_renamed_since_is_answered_by_the_new_name)
{
	char tenant[64];
	fixture(tenant, sizeof(tenant), "wan-ren");
	char *tok = wh_token(tenant);
	expect_answer_is_get(wh_set_owner(tok, "c1", "u-ann"), tok, "owner set");
	wh_import_user(tenant, "u-ann", "ann2", "Ann Renamed", 1);
	struct http *r = wh_add_tag(tok, "c1", "after-rename");
	wh_assert_ok(r, "tag after the rename");
	const json_t *owner = json_object_get(r->json, "owner");
	cr_assert_str_eq(wh_str(owner, "displayName"), "Ann Renamed", "%s", r->body);
	cr_assert_str_eq(wh_str(owner, "username"), "ann2", "%s", r->body);
	expect_answer_is_get(r, tok, "tag after the rename");
	free(tok);
}

Test(write_answer, an_owner_who_is_no_user_is_answered_as_null_as_get_does)
{
	char tenant[64];
	fresh_tenant("wan-none", tenant, sizeof(tenant));
	json_t *c = wh_customer("c1", "LEAD");
	json_object_set_new(c, "ownerId", json_string("u-unknown"));
	wh_import_customer(tenant, c);
	char *tok = wh_token(tenant);
	struct http *r = wh_add_tag(tok, "c1", "x");
	wh_assert_ok(r, "tag");
	cr_assert(json_is_null(json_object_get(r->json, "owner")), "%s", r->body);
	cr_assert_str_eq(wh_str(r->json, "ownerId"), "u-unknown", "%s", r->body);
	expect_answer_is_get(r, tok, "tag, owner no user");
	free(tok);
}

/* sql with each '?' replaced by the next of args, as they are (SQL text of the test's own). */
static void bind_sql(char *out, size_t cap, const char *sql, const char *const *args)
{
	size_t n = 0;
	for (const char *p = sql; *p != '\0'; p++) {
		int w = *p == '?' ? snprintf(out + n, cap - n, "%s", *args++)
		                  : snprintf(out + n, cap - n, "%c", *p);
		cr_assert(w > 0 && (size_t)w < cap - n, "statement too long for the test buffer");
		n += (size_t)w;
	}
}

/* sql with each '?' replaced by the next of args, quoted (the tests' own constants). */
static void bind_text(char *out, size_t cap, const char *sql, const char *const *args)
{
	char quoted[16][160];
	const char *raw[16];
	size_t n = 0;
	for (const char *p = sql; *p != '\0'; p++) {
		if (*p != '?')
			continue;
		cr_assert_lt(n, 16, "too many parameters for the test buffer");
		snprintf(quoted[n], sizeof(quoted[n]), "'%s'", args[n]);
		raw[n] = quoted[n];
		n++;
	}
	bind_sql(out, cap, sql, raw);
}

/* A change without If-Match writes the row it read with the statement below, which must
 * write nothing over a row whose list_tag is no longer the one read (customer_write.c). */
Test(write_answer, the_unlocked_write_changes_only_the_row_as_it_was_read)
{
	char tenant[64], sql[4096], quoted[96], stale[64], current[64];
	fixture(tenant, sizeof(tenant), "wan-guard");
	char *hex = db_scalar("SELECT HEX(list_tag) FROM customers WHERE tenant_id = '%s'"
	                      " AND id = 'c1'",
	                      tenant);
	cr_assert(hex != NULL && strlen(hex) == 32, "list_tag: %s", hex ? hex : "NULL");
	snprintf(quoted, sizeof(quoted), "'%s'", tenant);
	snprintf(current, sizeof(current), "UNHEX('%s')", hex);
	snprintf(stale, sizeof(stale), "UNHEX('%032d')", 0);
	const char *tag_of[2] = {stale, current};
	MYSQL *db = db_connect_new();
	for (int i = 0; i < 2; i++) {
		const char *args[] = {"'Guarded'", "NULL", "'LEAD'", "NULL",   "'{\"guarded\":1}'",
		                      "''",        quoted, "'c1'",   tag_of[i]};
		bind_sql(sql, sizeof(sql), stmt_table[STMT_CUSTOMER_UPDATE_IF_TAG].sql, args);
		cr_assert_eq(mysql_query(db, sql), 0, "%s\n  in: %s", mysql_error(db), sql);
		cr_assert_eq(mysql_affected_rows(db), (my_ulonglong)i, "%s",
		             i == 0 ? "written over a row with another list_tag"
		                    : "not written though its list_tag is the one read");
		cr_assert_eq(db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'"
		                      " AND id = 'c1' AND doc = '{\"guarded\":1}'",
		                      tenant),
		             i);
	}
	mysql_close(db);
	free(hex);
}

/* A change holds its customer's row and not its owner's: the lock statement reads the owner
 * in subqueries, so the changes of one owner's customers do not queue behind each other. */
Test(write_answer, the_lock_holds_the_customer_and_not_its_owner)
{
	char tenant[64], sql[4096], probe[256];
	fixture(tenant, sizeof(tenant), "wan-lock");
	char *tok = wh_token(tenant);
	expect_answer_is_get(wh_set_owner(tok, "c1", "u-ann"), tok, "owner set");
	const char *args[] = {tenant, "c1"};
	bind_text(sql, sizeof(sql), stmt_table[STMT_CUSTOMER_LOCK].sql, args);
	MYSQL *change = db_connect_new(), *other = db_connect_new();
	cr_assert_eq(mysql_query(change, "START TRANSACTION"), 0, "%s", mysql_error(change));
	cr_assert_eq(mysql_query(change, sql), 0, "%s\n  in: %s", mysql_error(change), sql);
	MYSQL_RES *res = mysql_store_result(change);
	cr_assert_eq(mysql_num_rows(res), 1, "the lock statement found no row");
	mysql_free_result(res);
	cr_assert_eq(mysql_query(other, "SET SESSION innodb_lock_wait_timeout = 1"), 0);
	snprintf(probe, sizeof(probe),
	         "SELECT id FROM users WHERE tenant_id = '%s' AND id = 'u-ann' FOR UPDATE", tenant);
	cr_assert_eq(mysql_query(other, probe), 0, "the owner's row is locked: %s",
	             mysql_error(other));
	mysql_free_result(mysql_store_result(other));
	snprintf(probe, sizeof(probe),
	         "SELECT id FROM customers WHERE tenant_id = '%s' AND id = 'c1' FOR UPDATE",
	         tenant);
	cr_assert_neq(mysql_query(other, probe), 0, "the customer's row is not locked");
	cr_assert_eq(mysql_errno(other), 1205, "%s", mysql_error(other)); /* lock wait timeout */
	mysql_close(other);
	mysql_close(change); /* rolls back */
	free(tok);
}
