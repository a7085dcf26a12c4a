/* test_resource: the customer as a resource through nginx — literal segments, DELETE (and its tombstone). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "model/stmt.h"
#include "tests/http/client.h"
#include "tests/http/test_write_helpers.h"

/* The methods of /crm/customers/{id}. */
#define RES_ID_ALLOW "GET, HEAD, PATCH, DELETE"

/* ---- helpers ------------------------------------------------------------------ */

/* DELETE /crm/customers/{id} (id already percent-encoded). */
static struct http *del(const char *token, const char *id)
{
	char path[512];
	snprintf(path, sizeof(path), "/crm/customers/%s", id);
	return http_do("DELETE", path, token, NULL, NULL, NULL);
}

static long rows_of(const char *tenant)
{
	return db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'", tenant);
}

static long live_rows_of(const char *tenant)
{
	return db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'"
	                " AND deleted_at IS NULL",
	                tenant);
}

static int is_deleted(const char *tenant, const char *id)
{
	return db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s' AND id = '%s'"
	                " AND deleted_at IS NOT NULL",
	                tenant, id) == 1;
}

/* Asserts r is a 405 whose Allow is exactly allow and whose detail names it. */
static void assert_405(const struct http *r, const char *allow, const char *what)
{
	wh_assert_error(r, 405, allow, what);
	char *h = http_header(r, "Allow");
	cr_assert_not_null(h, "%s: a 405 without Allow", what);
	cr_assert_str_eq(h, allow, "%s: Allow", what);
	free(h);
}

/* 1 when the JSON array body of GET path holds a customer of that id. */
static int list_has(const char *token, const char *path, const char *id)
{
	struct http *r = http_get(path, token);
	cr_assert_eq(r->status, 200, "GET %s: %ld %s", path, r->status, r->body);
	cr_assert(json_is_array(r->json), "GET %s: not an array", path);
	int found = 0;
	size_t i;
	json_t *c;
	json_array_foreach (r->json, i, c)
		found |= strcmp(wh_str(c, "id"), id) == 0;
	http_free(r);
	return found;
}

/* A customer owned by u-ann, LEAD, with an overdue next action. */
static void fixture(const char *tenant, const char *id)
{
	json_t *c = wh_customer(id, "LEAD");
	json_object_set_new(c, "ownerId", json_string("u-ann"));
	json_object_set_new(c, "nextAction", json_string("Call back"));
	json_object_set_new(c, "nextActionDueDate", json_string("2020-01-01T08:00:00Z"));
	wh_import(tenant, json_pack("{s:[{s:s,s:s,s:s}],s:[o]}", "users", "id", "u-ann", "username",
	                            "ann", "displayName", "Ann", "customers", c));
}

/* ---- literal segments win ------------------------------------------------------- */

Test(resource, delete_my_is_405_allow_get_head_and_customer_my_stays)
{
	char tenant[64];
	fresh_tenant("res-my", tenant, sizeof(tenant));
	fixture(tenant, "my");
	char *before = wh_row(tenant, "my");
	char *token = wh_token(tenant);
	struct http *r = del(token, "my");
	assert_405(r, "GET, HEAD", "DELETE /crm/customers/my");
	http_free(r);
	cr_assert(!is_deleted(tenant, "my"), "customer 'my' was deleted");
	wh_assert_row_unchanged(tenant, "my", before, "DELETE /crm/customers/my");
	free(before);
	free(token);
}

Test(resource, delete_overdue_actions_is_405_allow_get_head)
{
	char tenant[64];
	fresh_tenant("res-ovd", tenant, sizeof(tenant));
	fixture(tenant, "overdue-actions");
	char *token = wh_token(tenant);
	struct http *r = del(token, "overdue-actions");
	assert_405(r, "GET, HEAD", "DELETE /crm/customers/overdue-actions");
	http_free(r);
	cr_assert(!is_deleted(tenant, "overdue-actions"));
	free(token);
}

Test(resource, delete_by_owner_owner_is_405_and_customer_by_owner_keeps_its_owner)
{
	char tenant[64];
	fresh_tenant("res-byo", tenant, sizeof(tenant));
	fixture(tenant, "by-owner");
	char *before = wh_row(tenant, "by-owner");
	char *token = wh_token(tenant);
	struct http *r =
	        http_do("DELETE", "/crm/customers/by-owner/owner", token, NULL, NULL, NULL);
	assert_405(r, "GET, HEAD", "DELETE /crm/customers/by-owner/owner");
	http_free(r);
	wh_assert_row_unchanged(tenant, "by-owner", before, "DELETE .../by-owner/owner");
	free(before);
	free(token);
}

Test(resource, delete_by_status_lead_is_405_and_customer_by_status_stays)
{
	char tenant[64];
	fresh_tenant("res-bys", tenant, sizeof(tenant));
	fixture(tenant, "by-status");
	char *before = wh_row(tenant, "by-status");
	char *token = wh_token(tenant);
	struct http *r =
	        http_do("DELETE", "/crm/customers/by-status/LEAD", token, NULL, NULL, NULL);
	assert_405(r, "GET, HEAD", "DELETE /crm/customers/by-status/LEAD");
	http_free(r);
	wh_assert_row_unchanged(tenant, "by-status", before, "DELETE .../by-status/LEAD");
	free(before);
	free(token);
}

Test(resource, an_id_route_allows_its_own_methods_only)
{
	char *token = wh_token("res-allow");
	struct http *r = http_do("PUT", "/crm/customers/c1", token, WH_JSON, "{}", NULL);
	assert_405(r, RES_ID_ALLOW, "PUT /crm/customers/c1");
	http_free(r);
	r = http_do("DELETE", "/crm/customers/c1/crm-status", token, NULL, NULL, NULL);
	assert_405(r, "PATCH", "DELETE .../crm-status");
	http_free(r);
	r = http_do("GET", "/crm/customers/c1/owner", token, NULL, NULL, NULL);
	assert_405(r, "DELETE", "GET .../owner");
	http_free(r);
	free(token);
}

/* ---- DELETE ------------------------------------------------------------------------ */

Test(resource, delete_answers_204_without_body_and_keeps_a_tombstone)
{
	char tenant[64];
	fresh_tenant("res-del", tenant, sizeof(tenant));
	fixture(tenant, "c1");
	json_t *doc_before = wh_doc(tenant, "c1");
	char *token = wh_token(tenant);
	long t0 = (long)time(NULL);
	struct http *r = del(token, "c1");
	cr_assert_eq(r->status, 204, "DELETE: %ld %s", r->status, r->body);
	cr_assert_eq(r->body_len, 0, "a 204 has no body: %s", r->body);
	http_free(r);
	/* the tombstone: when and by whom; the document as it was */
	cr_assert_eq(rows_of(tenant), 1, "the row must stay");
	cr_assert(is_deleted(tenant, "c1"));
	char *by = db_scalar(
	        "SELECT deleted_by FROM customers WHERE tenant_id = '%s' AND id = 'c1'", tenant);
	cr_assert_str_eq(by, WH_ACTOR);
	free(by);
	long at = db_count("SELECT deleted_at DIV 1000000 FROM customers WHERE tenant_id = '%s'"
	                   " AND id = 'c1'",
	                   tenant);
	cr_assert(at >= t0 - 2 && at <= (long)time(NULL) + 2, "deleted_at %ld is not now", at);
	json_t *doc_after = wh_doc(tenant, "c1");
	cr_assert(json_equal(doc_before, doc_after), "a delete does not edit the document");
	json_decref(doc_before);
	json_decref(doc_after);
	free(token);
}

Test(resource, a_deleted_customer_is_404_on_get_and_a_second_delete)
{
	char tenant[64];
	fresh_tenant("res-del2", tenant, sizeof(tenant));
	fixture(tenant, "c1");
	char *token = wh_token(tenant);
	struct http *r = del(token, "c1");
	cr_assert_eq(r->status, 204);
	http_free(r);
	r = http_get("/crm/customers/c1", token);
	wh_assert_error(r, 404, "customer not found", "GET after DELETE");
	http_free(r);
	r = http_do("HEAD", "/crm/customers/c1", token, NULL, NULL, NULL);
	cr_assert_eq(r->status, 404, "HEAD after DELETE: %ld", r->status);
	http_free(r);
	r = del(token, "c1");
	wh_assert_error(r, 404, "customer not found", "second DELETE");
	http_free(r);
	free(token);
}

Test(resource, a_deleted_customer_is_in_no_list)
{
	char tenant[64];
	fresh_tenant("res-dlist", tenant, sizeof(tenant));
	fixture(tenant, "c1");
	char *token = token_for("u-ann", tenant, WH_SCOPE_WRITE);
	const char *lists[] = {"/crm/customers/my", "/crm/customers/by-owner/u-ann",
	                       "/crm/customers/by-status/LEAD", "/crm/customers/overdue-actions"};
	for (size_t i = 0; i < 4; i++)
		cr_assert(list_has(token, lists[i], "c1"), "control: %s lists c1", lists[i]);
	struct http *r = del(token, "c1");
	cr_assert_eq(r->status, 204);
	http_free(r);
	for (size_t i = 0; i < 4; i++)
		cr_assert(!list_has(token, lists[i], "c1"), "%s still lists c1", lists[i]);
	free(token);
}

Test(resource, every_change_of_a_deleted_customer_is_404_and_changes_nothing)
{
	char tenant[64];
	fresh_tenant("res-dchg", tenant, sizeof(tenant));
	fixture(tenant, "c1");
	char *token = wh_token(tenant);
	struct http *r = del(token, "c1");
	cr_assert_eq(r->status, 204);
	http_free(r);
	char *before = wh_row(tenant, "c1");
	struct http *rs[6] = {
	        wh_set_status(token, "c1", "{\"crmStatus\":\"PROSPECT\"}"),
	        wh_set_next_action(token, "c1", "{\"nextAction\":null,\"nextActionDueDate\":null}"),
	        wh_set_owner(token, "c1", "u-ann"),
	        wh_clear_owner(token, "c1"),
	        wh_add_tag(token, "c1", "new-tag"),
	        wh_remove_tag(token, "c1", "Beta"),
	};
	for (int i = 0; i < 6; i++) {
		wh_assert_error(rs[i], 404, "customer not found", "a change after DELETE");
		http_free(rs[i]);
	}
	wh_assert_row_unchanged(tenant, "c1", before, "the six changes after DELETE");
	free(before);
	free(token);
}

Test(resource, delete_keeps_opportunities_and_activities)
{
	char tenant[64];
	fresh_tenant("res-dkids", tenant, sizeof(tenant));
	json_t *c = wh_customer("c1", "LEAD");
	wh_import(tenant,
	          json_pack("{s:[o],s:[o],s:[o]}", "customers", c, "opportunities",
	                    sample_opportunity("o1", "c1", "2024-04-01T10:00:00Z"), "activities",
	                    sample_activity("a1", "c1", "2024-04-02T10:00:00Z")));
	char *token = wh_token(tenant);
	struct http *r = del(token, "c1");
	cr_assert_eq(r->status, 204);
	http_free(r);
	cr_assert_eq(db_count("SELECT COUNT(*) FROM opportunities WHERE tenant_id = '%s'", tenant),
	             1);
	cr_assert_eq(db_count("SELECT COUNT(*) FROM activities WHERE tenant_id = '%s'", tenant), 1);
	free(token);
}

Test(resource, delete_by_another_tenant_is_404_and_deletes_nothing)
{
	char tenant[64], other[64];
	fresh_tenant("res-down", tenant, sizeof(tenant));
	fresh_tenant("res-doth", other, sizeof(other));
	fixture(tenant, "c1");
	char *foreign = wh_token(other);
	struct http *r = del(foreign, "c1");
	wh_assert_error(r, 404, "customer not found", "DELETE from another tenant");
	http_free(r);
	cr_assert_eq(live_rows_of(tenant), 1, "the customer must stay");
	free(foreign);
}

Test(resource, delete_with_a_read_only_token_is_403_and_deletes_nothing)
{
	char tenant[64];
	fresh_tenant("res-dro", tenant, sizeof(tenant));
	fixture(tenant, "c1");
	char *token = token_for(WH_ACTOR, tenant, "crm:read");
	struct http *r = del(token, "c1");
	wh_assert_error(r, 403, "crm:write", "DELETE with crm:read");
	http_free(r);
	cr_assert_eq(live_rows_of(tenant), 1);
	free(token);
}

Test(resource, delete_without_a_token_is_401_and_deletes_nothing)
{
	char tenant[64];
	fresh_tenant("res-dnot", tenant, sizeof(tenant));
	fixture(tenant, "c1");
	struct http *r = del(NULL, "c1");
	cr_assert_eq(r->status, 401);
	char *h = http_header(r, "WWW-Authenticate");
	cr_assert_not_null(h);
	free(h);
	http_free(r);
	cr_assert_eq(live_rows_of(tenant), 1);
}

Test(resource, delete_of_an_unknown_or_malformed_id_is_refused)
{
	char tenant[64];
	fresh_tenant("res-dbad", tenant, sizeof(tenant));
	fixture(tenant, "c1");
	char *token = wh_token(tenant);
	struct http *r = del(token, "c2");
	wh_assert_error(r, 404, "customer not found", "DELETE of an unknown id");
	http_free(r);
	r = del(token, "c%201");
	wh_assert_error(r, 400, NULL, "DELETE of an id with a space");
	http_free(r);
	r = http_do("DELETE", "/crm/customers/c1?force=1", token, NULL, NULL, NULL);
	wh_assert_error(r, 400, "force", "DELETE with a query");
	http_free(r);
	cr_assert_eq(live_rows_of(tenant), 1, "nothing was deleted");
	free(token);
}

/* The SQL of statement id with each '?' replaced by the next of args (SQL literals). */
static void with_args(enum stmt id, const char *const *args, char *out, size_t cap)
{
	const char *sql = stmt_table[id].sql;
	size_t n = 0, k = 0;
	for (; *sql != '\0' && n + 64 < cap; sql++) {
		if (*sql == '?')
			n += (size_t)snprintf(out + n, cap - n, "%s", args[k++]);
		else
			out[n++] = *sql;
	}
	out[n] = '\0';
	cr_assert_eq(k, stmt_table[id].nparams, "statement %d: %zu of %u parameters", id, k,
	             stmt_table[id].nparams);
}

Test(resource, the_list_statements_still_use_their_index_with_the_tombstone_condition)
{
	static const struct {
		enum stmt id;
		const char *index;
		const char *args[6];
	} lists[] = {
	        {STMT_CUSTOMER_LIST_BY_OWNER,
	         "customers_by_owner",
	         {"'t'", "'u'", "''", "''", "''", "100"}},
	        {STMT_CUSTOMER_LIST_BY_STATUS,
	         "customers_by_status",
	         {"'t'", "'LEAD'", "''", "''", "''", "100"}},
	        {STMT_CUSTOMER_LIST_OVERDUE,
	         "customers_by_due",
	         {"'t'", "99", "0", "0", "''", "100"}},
	};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		char sql[4096], *plan;
		with_args(lists[i].id, lists[i].args, sql, sizeof(sql));
		plan = db_scalar("EXPLAIN FORMAT=JSON %s", sql);
		cr_assert_not_null(plan, "no plan for %s", sql);
		cr_assert_not_null(strstr(plan, lists[i].index), "%s does not use %s: %s", sql,
		                   lists[i].index, plan);
		cr_assert_null(strstr(plan, "filesort"), "%s sorts: %s", sql, plan);
		free(plan);
	}
}

/* ---- POST /crm/customers ------------------------------------------------------------ */

static struct http *post(const char *token, const char *content_type, const char *body)
{
	return http_do("POST", "/crm/customers", token, content_type, body, NULL);
}

/* A tenant with the active user u-ann and the inactive user u-gone. */
static void users_fixture(const char *tenant)
{
	wh_import_user(tenant, "u-ann", "ann", "Ann", 1);
	wh_import_user(tenant, "u-gone", "gone", "Gone", 0);
}

/* 1 when s looks like a UUIDv7 (8-4-4-4-12 lower-case hex, version 7). */
static int is_uuid7(const char *s)
{
	if (s == NULL || strlen(s) != 36 || s[14] != '7')
		return 0;
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : strchr("0123456789abcdef", s[i]) == NULL)
			return 0;
	}
	return 1;
}

/* Asserts r is a 201 for a new customer: Location, the stored row, the server's members. */
static void assert_created(const struct http *r, const char *tenant, time_t t0)
{
	cr_assert_eq(r->status, 201, "POST: expected 201, got %ld: %s", r->status, r->body);
	const char *id = wh_str(r->json, "id");
	cr_assert(is_uuid7(id), "id '%s' is not a UUIDv7", id ? id : "(none)");
	char *loc = http_header(r, "Location"), want[128];
	snprintf(want, sizeof(want), "/api/v1/crm/customers/%s", id);
	cr_assert_not_null(loc, "a 201 without Location");
	cr_assert_str_eq(loc, want);
	free(loc);
	json_t *doc = wh_doc(tenant, id);
	wh_assert_enriched(r, tenant, id, doc);
	json_decref(doc);
	cr_assert_str_eq(wh_str(r->json, "createdBy"), WH_ACTOR);
	cr_assert_str_eq(wh_str(r->json, "updatedBy"), WH_ACTOR);
	cr_assert_str_eq(wh_str(r->json, "created"), wh_str(r->json, "updated"));
	int64_t when = wh_time_us(wh_str(r->json, "created"));
	cr_assert(when >= ((int64_t)t0 - 2) * 1000000 &&
	                  when <= ((int64_t)time(NULL) + 2) * 1000000,
	          "created %s is not now", wh_str(r->json, "created"));
	const json_t *events = json_object_get(r->json, "events");
	cr_assert_eq(json_array_size(events), 1, "one CREATE event: %s", r->body);
	const json_t *ev = json_array_get(events, 0);
	cr_assert_str_eq(wh_str(ev, "type"), "CREATE");
	cr_assert_str_eq(wh_str(ev, "description"), "Customer created");
	cr_assert_str_eq(wh_str(ev, "authorId"), WH_ACTOR);
	cr_assert_str_eq(wh_str(ev, "date"), wh_str(r->json, "created"));
	cr_assert(is_uuid7(wh_str(ev, "id")), "the event's id is not a UUIDv7");
	cr_assert_eq(json_array_size(json_object_get(r->json, "opportunities")), 0);
	cr_assert_eq(json_array_size(json_object_get(r->json, "recentActivities")), 0);
}

/* Asserts the POST of body is refused with status and a detail naming needle; nothing stored. */
static void expect_create_refused(const char *tenant, const char *content_type, const char *body,
                                  long status, const char *needle)
{
	long before = rows_of(tenant);
	char *token = wh_token(tenant);
	struct http *r = post(token, content_type, body);
	wh_assert_error(r, status, needle, body ? body : "(no body)");
	cr_assert_null(http_header(r, "Location"), "a refusal with a Location");
	http_free(r);
	cr_assert_eq(rows_of(tenant), before, "%s: a refused POST stored a customer", body);
	free(token);
}

Test(resource, post_of_name_and_type_creates_a_lead_with_201_and_location)
{
	char tenant[64];
	fresh_tenant("res-post", tenant, sizeof(tenant));
	users_fixture(tenant);
	char *token = wh_token(tenant);
	time_t t0 = time(NULL);
	struct http *r = post(token, WH_JSON, "{\"name\":\"Acme BV\",\"type\":\"COMPANY\"}");
	assert_created(r, tenant, t0);
	const json_t *b = r->json;
	cr_assert_str_eq(wh_str(b, "name"), "Acme BV");
	cr_assert_str_eq(wh_str(b, "type"), "COMPANY");
	cr_assert_str_eq(wh_str(b, "crmStatus"), "LEAD");
	cr_assert_str_eq(wh_str(b, "tenantId"), tenant);
	cr_assert(json_is_null(json_object_get(b, "ownerId")));
	cr_assert(json_is_null(json_object_get(b, "owner")));
	cr_assert(json_is_null(json_object_get(b, "nextAction")));
	cr_assert(json_is_null(json_object_get(b, "email")));
	cr_assert_eq(json_array_size(json_object_get(b, "tags")), 0);
	cr_assert_eq(json_array_size(json_object_get(b, "contacts")), 0);
	cr_assert_eq(rows_of(tenant), 1);
	/* the first read is the same customer */
	char path[128];
	snprintf(path, sizeof(path), "/crm/customers/%s", wh_str(b, "id"));
	struct http *g = http_get(path, token);
	cr_assert_eq(g->status, 200);
	cr_assert_str_eq(g->body, r->body, "GET differs from the 201's body");
	char *etag = http_header(r, "ETag"), *get_etag = http_header(g, "ETag");
	cr_assert_not_null(etag, "a 201 without ETag");
	cr_assert_str_eq(etag, get_etag, "the 201's ETag is not the GET's");
	free(etag);
	free(get_etag);
	cr_assert(list_has(token, "/crm/customers/by-status/LEAD", wh_str(b, "id")));
	http_free(g);
	http_free(r);
	free(token);
}

Test(resource, post_with_initial_values_stores_them_without_events_of_their_own)
{
	char tenant[64];
	fresh_tenant("res-postfull", tenant, sizeof(tenant));
	users_fixture(tenant);
	char *token = wh_token(tenant);
	time_t t0 = time(NULL);
	struct http *r = post(
	        token, WH_JSON,
	        "{\"name\":\"Jan de Vries\",\"type\":\"PERSON\",\"crmStatus\":\"ACTIVE\","
	        "\"ownerId\":\"u-ann\",\"tags\":[\"VIP\",\"Renovatie\"],"
	        "\"nextAction\":\"Call back\",\"nextActionDueDate\":\"2020-01-01T10:00:00+02:00\","
	        "\"email\":\"jan@example.nl\",\"preferredLanguage\":\"nl\","
	        "\"contacts\":[{\"firstName\":\"Jan\"},{\"id\":\"keep-me\",\"email\":null}],"
	        "\"billingAddress\":{\"city\":\"Utrecht\"},"
	        "\"deliveryAddresses\":[{\"street\":\"Markt\",\"latitude\":52}],"
	        "\"avatar\":{\"blobId\":\"b1\",\"width\":10}}");
	assert_created(r, tenant, t0);
	const json_t *b = r->json;
	const char *id = wh_str(b, "id");
	cr_assert_str_eq(wh_str(b, "crmStatus"), "ACTIVE");
	cr_assert_str_eq(wh_str(b, "ownerId"), "u-ann");
	cr_assert_str_eq(wh_str(json_object_get(b, "owner"), "username"), "ann");
	cr_assert_str_eq(wh_str(b, "nextAction"), "Call back");
	cr_assert_str_eq(wh_str(b, "nextActionDueDate"), "2020-01-01T08:00:00Z");
	cr_assert_str_eq(wh_str(b, "email"), "jan@example.nl");
	const json_t *tags = json_object_get(b, "tags");
	cr_assert_eq(json_array_size(tags), 2);
	cr_assert_str_eq(json_string_value(json_array_get(tags, 0)), "VIP");
	const json_t *contacts = json_object_get(b, "contacts");
	cr_assert_eq(json_array_size(contacts), 2);
	cr_assert(is_uuid7(wh_str(json_array_get(contacts, 0), "id")), "a contact got no id");
	cr_assert_str_eq(wh_str(json_array_get(contacts, 1), "id"), "keep-me");
	cr_assert(is_uuid7(wh_str(json_object_get(b, "billingAddress"), "id")));
	cr_assert_str_eq(wh_str(json_object_get(b, "billingAddress"), "city"), "Utrecht");
	const json_t *del0 = json_array_get(json_object_get(b, "deliveryAddresses"), 0);
	cr_assert(is_uuid7(wh_str(del0, "id")));
	cr_assert(json_is_real(json_object_get(del0, "latitude")), "latitude stored as a real");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(b, "avatar"), "width")),
	             10);
	/* its lists: the owner's, the status's, overdue */
	char *ann = token_for("u-ann", tenant, WH_SCOPE_WRITE);
	cr_assert(list_has(ann, "/crm/customers/my", id));
	cr_assert(list_has(ann, "/crm/customers/by-owner/u-ann", id));
	cr_assert(list_has(ann, "/crm/customers/by-status/ACTIVE", id));
	cr_assert(list_has(ann, "/crm/customers/overdue-actions", id));
	/* the list shape has preferredLanguage and no visits */
	char *extra = db_scalar("SELECT list_extra FROM customers WHERE tenant_id = '%s'", tenant);
	cr_assert_str_eq(extra, ",\"preferredLanguage\":\"nl\",\"visits\":[]");
	free(extra);
	free(ann);
	http_free(r);
	free(token);
}

Test(resource, post_accepts_a_name_of_the_limit_and_refuses_one_more)
{
	char tenant[64];
	fresh_tenant("res-postname", tenant, sizeof(tenant));
	char name[LIMIT_NAME_CHARS + 2], body[LIMIT_NAME_CHARS + 64];
	memset(name, 'n', LIMIT_NAME_CHARS + 1);
	name[LIMIT_NAME_CHARS + 1] = '\0';
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"type\":\"PERSON\"}", name);
	expect_create_refused(tenant, WH_JSON, body, 400,
	                      "name: expected 1 to " LIMIT_NAME_CHARS_TEXT);
	name[LIMIT_NAME_CHARS] = '\0';
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"type\":\"PERSON\"}", name);
	char *token = wh_token(tenant);
	struct http *r = post(token, WH_JSON, body);
	cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
	cr_assert_str_eq(wh_str(r->json, "name"), name);
	http_free(r);
	free(token);
	cr_assert_eq(rows_of(tenant), 1);
}

Test(resource, post_refuses_each_server_owned_member_by_name)
{
	char tenant[64];
	fresh_tenant("res-postsrv", tenant, sizeof(tenant));
	static const char *const owned[] = {"id",      "tenantId",  "created", "createdBy",
	                                    "updated", "updatedBy", "events",  "visits"};
	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		char body[256], needle[64];
		snprintf(body, sizeof(body), "{\"name\":\"A\",\"type\":\"PERSON\",\"%s\":null}",
		         owned[i]);
		snprintf(needle, sizeof(needle), "%s: set by the server", owned[i]);
		expect_create_refused(tenant, WH_JSON, body, 400, needle);
	}
}

Test(resource, post_refuses_bad_members_naming_their_path)
{
	char tenant[64];
	fresh_tenant("res-postbad", tenant, sizeof(tenant));
	users_fixture(tenant);
	static const struct {
		const char *body, *needle;
	} bad[] = {
	        {"{\"type\":\"PERSON\"}", "name: required"},
	        {"{\"name\":null,\"type\":\"PERSON\"}", "name: required"},
	        {"{\"name\":\"   \",\"type\":\"PERSON\"}", "name: expected 1 to"},
	        {"{\"name\":\"A\\nB\",\"type\":\"PERSON\"}", "name:"},
	        {"{\"name\":7,\"type\":\"PERSON\"}", "name: expected a string"},
	        {"{\"name\":\"A\"}", "type: required"},
	        {"{\"name\":\"A\",\"type\":\"ROBOT\"}", "type: 'ROBOT' is not one of"},
	        {"{\"name\":\"A\",\"type\":\"PERSON\",\"crmStatus\":\"NOPE\"}", "crmStatus:"},
	        {"{\"name\":\"A\",\"type\":\"PERSON\",\"nickname\":\"x\"}",
	         "nickname: unknown member"},
	        {"{\"name\":\"A\",\"type\":\"PERSON\",\"ownerId\":\"u-gone\"}", "ownerId"},
	        {"{\"name\":\"A\",\"type\":\"PERSON\",\"ownerId\":\"u-nobody\"}", "ownerId"},
	        {"{\"name\":\"A\",\"type\":\"PERSON\",\"tags\":[\"VIP\",\"vip\"]}",
	         "tags[1]: duplicate"},
	        {"{\"name\":\"A\",\"type\":\"PERSON\",\"tags\":\"VIP\"}",
	         "tags: expected an array"},
	        {"{\"name\":\"A\",\"type\":\"PERSON\",\"contacts\":[{},{\"email\":5}]}",
	         "contacts[1].email: expected a string or null"},
	        {"{\"name\":\"A\",\"type\":\"PERSON\",\"billingAddress\":{\"latitude\":91}}",
	         "billingAddress.latitude: must be between"},
	        {"{\"name\":\"A\",\"type\":\"PERSON\",\"nextActionDueDate\":\"tomorrow\","
	         "\"nextAction\":\"x\"}",
	         "nextActionDueDate: expected an RFC 3339"},
	        {"{\"name\":\"A\",\"type\":\"PERSON\",\"nextActionDueDate\":\"2030-01-01T00:00:"
	         "00Z\"}",
	         "nextActionDueDate: needs a nextAction"},
	        {"{\"name\":\"A\",\"type\":\"PERSON\",\"nextAction\":\"  \"}", "nextAction:"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_create_refused(tenant, WH_JSON, bad[i].body, 400, bad[i].needle);
}

Test(resource, post_refuses_a_101st_tag_and_a_too_long_next_action)
{
	char tenant[64];
	fresh_tenant("res-postlim", tenant, sizeof(tenant));
	char body[8192];
	int n = snprintf(body, sizeof(body), "{\"name\":\"A\",\"type\":\"PERSON\",\"tags\":[");
	for (int i = 0; i <= LIMIT_TAGS; i++)
		n += snprintf(body + n, sizeof(body) - (size_t)n, "%s\"t%d\"", i ? "," : "", i);
	snprintf(body + n, sizeof(body) - (size_t)n, "]}");
	expect_create_refused(tenant, WH_JSON, body, 400, "tags: at most " LIMIT_TAGS_TEXT);
	char text[LIMIT_TEXT_CHARS + 2];
	memset(text, 'x', LIMIT_TEXT_CHARS + 1);
	text[LIMIT_TEXT_CHARS + 1] = '\0';
	snprintf(body, sizeof(body), "{\"name\":\"A\",\"type\":\"PERSON\",\"nextAction\":\"%s\"}",
	         text);
	expect_create_refused(tenant, WH_JSON, body, 400, "nextAction:");
}

Test(resource, post_refuses_other_content_types_and_bodies_that_are_no_object)
{
	char tenant[64];
	fresh_tenant("res-post415", tenant, sizeof(tenant));
	const char *ok = "{\"name\":\"A\",\"type\":\"PERSON\"}";
	expect_create_refused(tenant, "text/plain", ok, 415, "application/json");
	expect_create_refused(tenant, "application/merge-patch+json", ok, 415, "application/json");
	expect_create_refused(tenant, NULL, NULL, 415, NULL);
	expect_create_refused(tenant, WH_JSON, "[]", 400, "object");
	expect_create_refused(tenant, WH_JSON, "{\"name\":", 400, "cannot be read");
}

Test(resource, post_needs_crm_write_and_a_token_and_takes_no_query)
{
	char tenant[64];
	fresh_tenant("res-postauth", tenant, sizeof(tenant));
	const char *ok = "{\"name\":\"A\",\"type\":\"PERSON\"}";
	char *ro = token_for(WH_ACTOR, tenant, "crm:read");
	struct http *r = post(ro, WH_JSON, ok);
	wh_assert_error(r, 403, "crm:write", "POST with crm:read");
	http_free(r);
	r = post(NULL, WH_JSON, ok);
	cr_assert_eq(r->status, 401);
	http_free(r);
	char *token = wh_token(tenant);
	r = http_do("POST", "/crm/customers?dryRun=1", token, WH_JSON, ok, NULL);
	wh_assert_error(r, 400, "dryRun", "POST with a query");
	http_free(r);
	r = http_do("GET", "/crm/customers", token, NULL, NULL, NULL);
	assert_405(r, "POST", "GET /crm/customers");
	http_free(r);
	cr_assert_eq(rows_of(tenant), 0);
	free(ro);
	free(token);
}

/* ---- DELETE with If-Match ----------------------------------------------------------- */

static struct http *del_if_match(const char *token, const char *id, const char *if_match)
{
	char path[256], line[512];
	snprintf(path, sizeof(path), "/crm/customers/%s", id);
	snprintf(line, sizeof(line), "If-Match: %s", if_match);
	const char *const headers[] = {line, NULL};
	return http_do("DELETE", path, token, NULL, NULL, headers);
}

Test(resource, delete_with_an_if_match_of_another_tag_is_412_and_deletes_nothing)
{
	char tenant[64];
	fresh_tenant("res-dif412", tenant, sizeof(tenant));
	fixture(tenant, "c1");
	char *token = wh_token(tenant);
	struct http *g = http_get("/crm/customers/c1", token);
	char *etag = http_header(g, "ETag");
	cr_assert_not_null(etag, "GET without ETag");
	char weak[256];
	snprintf(weak, sizeof(weak), "W/%s", etag);
	const char *bad[] = {"\"not-the-tag\"", weak};
	for (size_t i = 0; i < 2; i++) {
		struct http *r = del_if_match(token, "c1", bad[i]);
		wh_assert_error(r, 412, "If-Match", bad[i]);
		http_free(r);
		cr_assert_eq(live_rows_of(tenant), 1, "%s: the customer was deleted", bad[i]);
	}
	free(etag);
	http_free(g);
	free(token);
}

Test(resource, delete_with_the_current_tag_or_a_star_deletes)
{
	char tenant[64];
	fresh_tenant("res-difok", tenant, sizeof(tenant));
	fixture(tenant, "c1");
	fixture(tenant, "c2");
	char *token = wh_token(tenant);
	struct http *g = http_get("/crm/customers/c1", token);
	char *etag = http_header(g, "ETag"), list[512];
	snprintf(list, sizeof(list), "\"other\", %s", etag);
	struct http *r = del_if_match(token, "c1", list);
	cr_assert_eq(r->status, 204, "%ld %s", r->status, r->body);
	cr_assert_eq(r->body_len, 0);
	http_free(r);
	r = del_if_match(token, "c2", "*");
	cr_assert_eq(r->status, 204, "%ld %s", r->status, r->body);
	http_free(r);
	cr_assert(is_deleted(tenant, "c1") && is_deleted(tenant, "c2"));
	/* gone: a 404 whatever the precondition says */
	r = del_if_match(token, "c1", etag);
	wh_assert_error(r, 404, "customer not found", "DELETE with If-Match after DELETE");
	http_free(r);
	free(etag);
	http_free(g);
	free(token);
}

/* ---- DELETE racing changes --------------------------------------------------------- */

/* One request of a race: sent when every thread of the race is ready. */
struct racer {
	pthread_barrier_t *start;
	const char *method;
	char path[256];
	const char *token;
	long status;
};

static void *racer_run(void *arg)
{
	struct racer *r = arg;
	pthread_barrier_wait(r->start);
	struct http *h = http_do(r->method, r->path, r->token, NULL, NULL, NULL);
	r->status = h->status;
	http_free(h);
	return NULL;
}

/* 1 when the stored document of id holds tag (exactly). */
static int doc_has_tag(const char *tenant, const char *id, const char *tag)
{
	json_t *doc = wh_doc(tenant, id);
	size_t i;
	json_t *t;
	int found = 0;
	json_array_foreach (json_object_get(doc, "tags"), i, t)
		found |= strcmp(json_string_value(t), tag) == 0;
	json_decref(doc);
	return found;
}

Test(resource, a_delete_racing_tag_adds_lets_each_add_win_first_or_get_404)
{
	enum { CUSTOMERS = 8, RACERS = 3 };
	char tenant[64];
	fresh_tenant("res-race", tenant, sizeof(tenant));
	json_t *list = json_array();
	for (int i = 0; i < CUSTOMERS; i++) {
		char id[16];
		snprintf(id, sizeof(id), "r%d", i);
		json_array_append_new(list, wh_customer(id, "LEAD"));
	}
	wh_import_customers(tenant, list);
	char *token = wh_token(tenant);
	for (int i = 0; i < CUSTOMERS; i++) {
		char id[16];
		snprintf(id, sizeof(id), "r%d", i);
		long events = wh_db_events(tenant, id);
		pthread_barrier_t start;
		pthread_t th[RACERS];
		struct racer rc[RACERS];
		cr_assert_eq(pthread_barrier_init(&start, NULL, RACERS), 0);
		for (int k = 0; k < RACERS; k++) {
			rc[k].start = &start;
			rc[k].token = token;
			rc[k].status = 0;
			rc[k].method = k == 0 ? "DELETE" : "POST";
			if (k == 0)
				snprintf(rc[k].path, sizeof(rc[k].path), "/crm/customers/%s", id);
			else
				snprintf(rc[k].path, sizeof(rc[k].path),
				         "/crm/customers/%s/tags/race%d", id, k);
			cr_assert_eq(pthread_create(&th[k], NULL, racer_run, &rc[k]), 0);
		}
		for (int k = 0; k < RACERS; k++)
			pthread_join(th[k], NULL);
		pthread_barrier_destroy(&start);
		cr_assert_eq(rc[0].status, 204, "%s: DELETE got %ld", id, rc[0].status);
		cr_assert(is_deleted(tenant, id));
		long added = 0;
		for (int k = 1; k < RACERS; k++) {
			char tag[16];
			snprintf(tag, sizeof(tag), "race%d", k);
			cr_assert(rc[k].status == 200 || rc[k].status == 404,
			          "%s: a tag add racing DELETE got %ld", id, rc[k].status);
			cr_assert_eq(doc_has_tag(tenant, id, tag), rc[k].status == 200,
			             "%s: tag %s stored %s its add was answered %ld", id, tag,
			             rc[k].status == 200 ? "although not" : "although",
			             rc[k].status);
			added += rc[k].status == 200;
		}
		cr_assert_eq(wh_db_events(tenant, id), events + added,
		             "%s: events of the tombstone: only the adds answered 200", id);
	}
	free(token);
}
