/* test_idempotency: Idempotency-Key on every POST, PATCH and DELETE through nginx — replays, 422, 400, 409, and what the database keeps. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/http/client.h"
#include "tests/http/test_idem_helpers.h"
#include "tests/http/test_write_helpers.h"

#define ANN        "u-ann"
#define TTL_S      (24L * 3600L) /* idempotency_ttl's default; the test configuration keeps it */
#define ACME       "{\"name\":\"Acme BV\",\"type\":\"COMPANY\"}"
#define ACME_SPACE "{\"name\": \"Acme BV\",\"type\":\"COMPANY\"}"

/* ---- helpers ------------------------------------------------------------------ */

/* A tenant with the active user ANN and customer c1 (LEAD, no owner); a crm:write token. */
static char *fixture(char *tenant, size_t cap, const char *prefix)
{
	fresh_tenant(prefix, tenant, cap);
	wh_import(tenant,
	          json_pack("{s:[{s:s,s:s,s:s}],s:[o]}", "users", "id", ANN, "username", "ann",
	                    "displayName", "Ann", "customers", wh_customer("c1", "LEAD")));
	return wh_token(tenant);
}

static struct http *post(const char *token, const char *body, const char *key)
{
	return ih_send("POST", "/crm/customers", token, WH_JSON, body, key, NULL);
}

static long live_customers(const char *tenant)
{
	return db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'"
	                " AND deleted_at IS NULL",
	                tenant);
}

static int is_live(const char *tenant, const char *id)
{
	return db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s' AND id = '%s'"
	                " AND deleted_at IS NULL",
	                tenant, id) == 1;
}

/* The id of the customer a 201 created (from its body), copied to out. */
static const char *created_id(const struct http *r, char *out, size_t cap)
{
	cr_assert_eq(r->status, 201, "POST: expected 201, got %ld: %s", r->status, r->body);
	const char *id = wh_str(r->json, "id");
	cr_assert(ih_is_uuid7(id), "a 201 without a UUIDv7 id: %s", r->body);
	snprintf(out, cap, "%s", id);
	return out;
}

/* Asserts r is the error shape with status and that tenant holds what `before` said. */
static void assert_refused_unchanged(const struct http *r, long status, const char *tenant,
                                     const char *row_before, long customers_before,
                                     const char *what)
{
	wh_assert_error(r, status, NULL, what);
	ih_assert_not_replayed(r, what);
	wh_assert_row_unchanged(tenant, "c1", row_before, what);
	cr_assert_eq(live_customers(tenant), customers_before, "%s: customers were created", what);
}

/* ---- the first answer and its replay ------------------------------------------------ */

Test(idempotency, a_keyed_post_is_processed_once_and_its_retry_replays_the_201_byte_for_byte)
{
	char tenant[64], id[64];
	char *tok = fixture(tenant, sizeof(tenant), "idem-post");
	struct http *first = post(tok, ACME, "create-acme-1");
	created_id(first, id, sizeof(id));
	ih_assert_not_replayed(first, "the first POST");
	char *loc = http_header(first, "Location"), want[128];
	snprintf(want, sizeof(want), "/api/v1/crm/customers/%s", id);
	cr_assert_not_null(loc, "a 201 without Location");
	cr_assert_str_eq(loc, want);
	free(loc);
	cr_assert_eq(live_customers(tenant), 2);
	char *row = wh_row(tenant, id);
	for (int i = 0; i < 2; i++) {
		struct http *again = post(tok, ACME, "create-acme-1");
		ih_assert_replay(first, again, "the retried POST");
		http_free(again);
	}
	cr_assert_eq(live_customers(tenant), 2, "a replay created another customer");
	cr_assert_eq(ih_named(tenant, "Acme BV"), 1);
	wh_assert_row_unchanged(tenant, id, row, "the replays");
	/* without the key the same body is another customer */
	struct http *fresh = post(tok, ACME, NULL);
	char other[64];
	created_id(fresh, other, sizeof(other));
	cr_assert_str_neq(other, id);
	ih_assert_not_replayed(fresh, "a POST without a key");
	http_free(fresh);
	cr_assert_eq(ih_named(tenant, "Acme BV"), 2);
	free(row);
	http_free(first);
	free(tok);
}

Test(idempotency, a_kept_answer_is_stored_for_the_caller_with_its_status_for_24_hours)
{
	char tenant[64], id[64];
	char *tok = fixture(tenant, sizeof(tenant), "idem-row");
	int64_t t0 = (int64_t)time(NULL);
	struct http *r = post(tok, ACME, "kept-row");
	created_id(r, id, sizeof(id));
	int64_t t1 = (int64_t)time(NULL);
	cr_assert_eq(ih_key_rows(tenant, "kept-row"), 1, "one row for the key");
	cr_assert_eq(ih_key_status(tenant, WH_ACTOR, "kept-row"), 201, "the kept status");
	long at = db_count("SELECT expires_at DIV 1000000 FROM idempotency_keys WHERE tenant_id"
	                   " = '%s' AND sub = '" WH_ACTOR "' AND idem_key = 'kept-row'",
	                   tenant);
	cr_assert(at >= t0 + TTL_S - 2 && at <= t1 + TTL_S + 2,
	          "expires_at %ld s is not 24 h after the request (%lld)", at,
	          (long long)(t0 + TTL_S));
	http_free(r);
	/* a PATCH and a DELETE are kept with theirs */
	char path[128];
	r = ih_send("PATCH", ih_path(path, sizeof(path), "c1"), tok, IH_MERGE,
	            "{\"email\":\"kept@acme.example\"}", "kept-patch", NULL);
	wh_assert_ok(r, "keyed PATCH");
	http_free(r);
	cr_assert_eq(ih_key_status(tenant, WH_ACTOR, "kept-patch"), 200);
	r = ih_send("DELETE", ih_path(path, sizeof(path), id), tok, NULL, NULL, "kept-delete",
	            NULL);
	cr_assert_eq(r->status, 204, "keyed DELETE: %ld %s", r->status, r->body);
	http_free(r);
	cr_assert_eq(ih_key_status(tenant, WH_ACTOR, "kept-delete"), 204);
	free(tok);
}

Test(idempotency, a_retried_patch_replays_the_old_answer_after_the_customer_changed)
{
	char tenant[64], path[128];
	char *tok = fixture(tenant, sizeof(tenant), "idem-patch");
	ih_path(path, sizeof(path), "c1");
	const char *body = "{\"email\":\"first@acme.example\"}";
	long events = wh_db_events(tenant, "c1");
	struct http *first = ih_send("PATCH", path, tok, IH_MERGE, body, "patch-1", NULL);
	wh_assert_ok(first, "the first PATCH");
	ih_assert_not_replayed(first, "the first PATCH");
	cr_assert_eq(wh_db_events(tenant, "c1"), events + 1);
	struct http *again = ih_send("PATCH", path, tok, IH_MERGE, body, "patch-1", NULL);
	ih_assert_replay(first, again, "a retry at once");
	http_free(again);
	/* the customer changes meanwhile; the retry still gets the old answer */
	struct http *t = wh_add_tag(tok, "c1", "meanwhile");
	cr_assert_eq(t->status, 200);
	http_free(t);
	char *row = wh_row(tenant, "c1");
	again = ih_send("PATCH", path, tok, IH_MERGE, body, "patch-1", NULL);
	ih_assert_replay(first, again, "a retry after another change");
	wh_assert_row_unchanged(tenant, "c1", row, "a replayed PATCH");
	cr_assert_eq(wh_db_events(tenant, "c1"), events + 2, "one UPDATE and one TAG_ADDED event");
	json_t *doc = wh_doc(tenant, "c1");
	size_t updates = 0;
	for (size_t i = 0; i < json_array_size(json_object_get(doc, "events")); i++)
		updates += strcmp(wh_str(json_array_get(json_object_get(doc, "events"), i), "type"),
		                  "UPDATE") == 0;
	cr_assert_eq(updates, 1, "one UPDATE event after two PATCHes");
	json_decref(doc);
	free(row);
	http_free(again);
	http_free(first);
	free(tok);
}

Test(idempotency, a_retried_patch_is_replayed_although_its_if_match_is_stale_by_now)
{
	char tenant[64], path[128];
	char *tok = fixture(tenant, sizeof(tenant), "idem-im");
	ih_path(path, sizeof(path), "c1");
	struct http *g = http_get(path, tok);
	char *etag = http_header(g, "ETag");
	http_free(g);
	const char *body = "{\"phone\":\"+31 6 0000 0001\"}";
	struct http *first = ih_send("PATCH", path, tok, IH_MERGE, body, "patch-im", etag);
	wh_assert_ok(first, "the first conditional PATCH");
	long events = wh_db_events(tenant, "c1");
	/* the client never saw the answer: it retries with the tag it had */
	struct http *again = ih_send("PATCH", path, tok, IH_MERGE, body, "patch-im", etag);
	ih_assert_replay(first, again, "the retry with the old If-Match");
	cr_assert_eq(wh_db_events(tenant, "c1"), events);
	http_free(again);
	http_free(first);
	free(etag);
	free(tok);
}

Test(idempotency, a_retried_delete_is_204_again_without_body_although_the_customer_is_gone)
{
	char tenant[64], path[128];
	char *tok = fixture(tenant, sizeof(tenant), "idem-del");
	ih_path(path, sizeof(path), "c1");
	struct http *first = ih_send("DELETE", path, tok, NULL, NULL, "delete-1", NULL);
	cr_assert_eq(first->status, 204, "DELETE: %ld %s", first->status, first->body);
	cr_assert(!is_live(tenant, "c1"));
	char *tomb = db_scalar("SELECT CONCAT(deleted_at, '|', deleted_by) FROM customers"
	                       " WHERE tenant_id = '%s' AND id = 'c1'",
	                       tenant);
	struct http *again = ih_send("DELETE", path, tok, NULL, NULL, "delete-1", NULL);
	ih_assert_replay(first, again, "the retried DELETE");
	cr_assert_eq(again->body_len, 0, "a 204 has no body: %s", again->body);
	http_free(again);
	char *now = db_scalar("SELECT CONCAT(deleted_at, '|', deleted_by) FROM customers"
	                      " WHERE tenant_id = '%s' AND id = 'c1'",
	                      tenant);
	cr_assert_str_eq(now, tomb, "the replay touched the tombstone");
	/* without the key, or with another, a second DELETE is the 404 it always was */
	struct http *plain = ih_send("DELETE", path, tok, NULL, NULL, NULL, NULL);
	wh_assert_error(plain, 404, "customer not found", "a second DELETE without a key");
	http_free(plain);
	plain = ih_send("DELETE", path, tok, NULL, NULL, "delete-2", NULL);
	wh_assert_error(plain, 404, "customer not found", "a second DELETE with another key");
	ih_assert_not_replayed(plain, "a second DELETE with another key");
	http_free(plain);
	cr_assert_eq(ih_key_rows(tenant, "delete-2"), 0, "a 404 was kept");
	free(tomb);
	free(now);
	http_free(first);
	free(tok);
}

Test(idempotency, each_of_the_six_older_changes_replays_and_writes_its_event_once)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "idem-six");
	static const struct {
		const char *method, *tail, *body, *key, *event;
	} ch[6] = {
	        {"PATCH", "crm-status", "{\"crmStatus\":\"PROSPECT\"}", "six-status",
	         "STATUS_CHANGE"},
	        {"PATCH", "next-action", "{\"nextAction\":\"Call\",\"nextActionDueDate\":null}",
	         "six-next", "NEXT_ACTION"},
	        {"PATCH", "owner/" ANN, NULL, "six-owner", "OWNER_CHANGE"},
	        {"DELETE", "owner", NULL, "six-unowner", "OWNER_CHANGE"},
	        {"POST", "tags/vip", NULL, "six-tag", "TAG_ADDED"},
	        {"DELETE", "tags/vip", NULL, "six-untag", "TAG_REMOVED"},
	};
	struct http *first[6];
	long events = wh_db_events(tenant, "c1");
	for (int i = 0; i < 6; i++) {
		char path[128];
		snprintf(path, sizeof(path), "/crm/customers/c1/%s", ch[i].tail);
		const char *ct = ch[i].body ? WH_JSON : NULL;
		first[i] = ih_send(ch[i].method, path, tok, ct, ch[i].body, ch[i].key, NULL);
		wh_assert_ok(first[i], ch[i].tail);
		ih_assert_not_replayed(first[i], ch[i].tail);
		cr_assert_eq(wh_db_events(tenant, "c1"), events + i + 1, "%s: one event",
		             ch[i].tail);
		char *type = wh_db_last_event_type(tenant, "c1");
		cr_assert_str_eq(type, ch[i].event);
		free(type);
		char *row = wh_row(tenant, "c1");
		struct http *again =
		        ih_send(ch[i].method, path, tok, ct, ch[i].body, ch[i].key, NULL);
		ih_assert_replay(first[i], again, ch[i].tail);
		wh_assert_row_unchanged(tenant, "c1", row, ch[i].tail);
		cr_assert_eq(ih_key_status(tenant, WH_ACTOR, ch[i].key), 200, "%s: kept",
		             ch[i].tail);
		http_free(again);
		free(row);
	}
	/* after all six, each retry still gets its own old answer and changes nothing */
	char *row = wh_row(tenant, "c1");
	for (int i = 0; i < 6; i++) {
		char path[128];
		snprintf(path, sizeof(path), "/crm/customers/c1/%s", ch[i].tail);
		struct http *again = ih_send(ch[i].method, path, tok, ch[i].body ? WH_JSON : NULL,
		                             ch[i].body, ch[i].key, NULL);
		ih_assert_replay(first[i], again, ch[i].tail);
		http_free(again);
	}
	wh_assert_row_unchanged(tenant, "c1", row, "the late replays");
	json_t *doc = wh_doc(tenant, "c1");
	cr_assert_eq(wh_db_events(tenant, "c1"), events + 6, "six events");
	cr_assert_str_eq(wh_str(doc, "crmStatus"), "PROSPECT");
	cr_assert(json_is_null(json_object_get(doc, "ownerId")), "the owner was cleared last");
	for (size_t i = 0; i < json_array_size(json_object_get(doc, "tags")); i++)
		cr_assert_str_neq(
		        json_string_value(json_array_get(json_object_get(doc, "tags"), i)), "vip",
		        "a replayed tag add put vip back");
	json_decref(doc);
	free(row);
	for (int i = 0; i < 6; i++)
		http_free(first[i]);
	free(tok);
}

Test(idempotency, a_keyed_no_op_is_kept_and_replayed_like_any_2xx)
{
	char tenant[64], path[128];
	char *tok = fixture(tenant, sizeof(tenant), "idem-noop");
	ih_path(path, sizeof(path), "c1");
	char *row = wh_row(tenant, "c1");
	struct http *first = ih_send("PATCH", path, tok, IH_MERGE, "{}", "noop-patch", NULL);
	wh_assert_ok(first, "a keyed PATCH that changes nothing");
	ih_assert_not_replayed(first, "a keyed no-op");
	wh_assert_row_unchanged(tenant, "c1", row, "a keyed no-op");
	cr_assert_eq(ih_key_status(tenant, WH_ACTOR, "noop-patch"), 200, "the no-op's 200 is kept");
	struct http *t = ih_send("POST", "/crm/customers/c1/tags/Beta", tok, NULL, NULL, "noop-tag",
	                         NULL); /* c1 has Beta already */
	wh_assert_ok(t, "a keyed tag add of a present tag");
	wh_assert_row_unchanged(tenant, "c1", row, "a keyed tag add of a present tag");
	struct http *change = wh_add_tag(tok, "c1", "meanwhile");
	cr_assert_eq(change->status, 200);
	http_free(change);
	struct http *again = ih_send("PATCH", path, tok, IH_MERGE, "{}", "noop-patch", NULL);
	ih_assert_replay(first, again, "the retried no-op PATCH");
	http_free(again);
	again = ih_send("POST", "/crm/customers/c1/tags/Beta", tok, NULL, NULL, "noop-tag", NULL);
	ih_assert_replay(t, again, "the retried no-op tag add");
	http_free(again);
	http_free(t);
	http_free(first);
	free(row);
	free(tok);
}

Test(idempotency, a_retry_with_a_fresh_token_of_the_same_caller_replays)
{
	char tenant[64], id[64], claims[256];
	char *tok = fixture(tenant, sizeof(tenant), "idem-token");
	struct http *first = post(tok, ACME, "token-key");
	created_id(first, id, sizeof(id));
	/* another token of the same sub and tenant: other exp, other iat */
	snprintf(claims, sizeof(claims),
	         "{\"sub\":\"" WH_ACTOR "\",\"tenantId\":\"%s\",\"scope\":\"crm:write\","
	         "\"iat\":%lld,\"exp\":%lld}",
	         tenant, (long long)time(NULL) - 5, (long long)time(NULL) + 900);
	char *fresh = token_with_claims(claims);
	cr_assert_str_neq(fresh, tok);
	struct http *again = post(fresh, ACME, "token-key");
	ih_assert_replay(first, again, "the retry with a renewed token");
	cr_assert_eq(ih_named(tenant, "Acme BV"), 1);
	http_free(again);
	http_free(first);
	free(fresh);
	free(tok);
}

/* ---- the same key for another request: 422 --------------------------------------------- */

Test(idempotency, the_same_key_with_another_body_is_422_and_changes_nothing)
{
	char tenant[64], id[64];
	char *tok = fixture(tenant, sizeof(tenant), "idem-422b");
	struct http *first = post(tok, ACME, "k-body");
	created_id(first, id, sizeof(id));
	char *row = wh_row(tenant, "c1");
	char *created = wh_row(tenant, id);
	const char *bodies[] = {"{\"name\":\"Other BV\",\"type\":\"COMPANY\"}",
	                        ACME_SPACE, /* the same JSON, other bytes */
	                        "{\"type\":\"COMPANY\",\"name\":\"Acme BV\"}"};
	for (size_t i = 0; i < 3; i++) {
		struct http *r = post(tok, bodies[i], "k-body");
		assert_refused_unchanged(r, 422, tenant, row, 2, bodies[i]);
		http_free(r);
	}
	cr_assert_eq(ih_named(tenant, "Other BV"), 0);
	wh_assert_row_unchanged(tenant, id, created, "the 422s");
	/* the kept answer is still there */
	struct http *again = post(tok, ACME, "k-body");
	ih_assert_replay(first, again, "the retry after the 422s");
	http_free(again);
	free(created);
	free(row);
	http_free(first);
	free(tok);
}

Test(idempotency, the_same_key_with_another_method_or_path_is_422_and_changes_nothing)
{
	char tenant[64], path[128];
	char *tok = fixture(tenant, sizeof(tenant), "idem-422p");
	ih_path(path, sizeof(path), "c1");
	const char *body = "{\"email\":\"k@acme.example\"}";
	struct http *first = ih_send("PATCH", path, tok, IH_MERGE, body, "k-path", NULL);
	wh_assert_ok(first, "the first PATCH");
	char *row = wh_row(tenant, "c1");
	struct http *r[5];
	r[0] = ih_send("DELETE", path, tok, NULL, NULL, "k-path", NULL);
	r[1] = ih_send("POST", "/crm/customers", tok, WH_JSON, body, "k-path", NULL);
	r[2] = ih_send("POST", "/crm/customers/c1/tags/k", tok, NULL, NULL, "k-path", NULL);
	r[3] = ih_send("PATCH", "/crm/customers/c1/next-action", tok, WH_JSON,
	               "{\"nextAction\":\"Call\"}", "k-path", NULL);
	r[4] = ih_send("PATCH", "/crm/customers/c2", tok, IH_MERGE, body, "k-path", NULL);
	const char *what[5] = {"DELETE of the patched customer", "POST /crm/customers",
	                       "POST .../tags/k", "PATCH .../next-action",
	                       "the same PATCH on another id"};
	for (int i = 0; i < 5; i++) {
		assert_refused_unchanged(r[i], 422, tenant, row, 1, what[i]);
		http_free(r[i]);
	}
	cr_assert(is_live(tenant, "c1"), "a 422 DELETE deleted the customer");
	struct http *again = ih_send("PATCH", path, tok, IH_MERGE, body, "k-path", NULL);
	ih_assert_replay(first, again, "the retry after the 422s");
	http_free(again);
	free(row);
	http_free(first);
	free(tok);
}

/* ---- whose key -------------------------------------------------------------------------- */

Test(idempotency, another_sub_or_tenant_with_the_same_key_is_processed_afresh)
{
	char tenant[64], other[64], a[64], b[64], c[64];
	char *tok = fixture(tenant, sizeof(tenant), "idem-who");
	fresh_tenant("idem-who-oth", other, sizeof(other));
	char *ann = token_for(ANN, tenant, WH_SCOPE_WRITE);
	char *foreign = wh_token(other); /* the same sub in another tenant */
	struct http *r1 = post(tok, ACME, "shared-key");
	struct http *r2 = post(ann, ACME, "shared-key");
	struct http *r3 = post(foreign, ACME, "shared-key");
	created_id(r1, a, sizeof(a));
	created_id(r2, b, sizeof(b));
	created_id(r3, c, sizeof(c));
	ih_assert_not_replayed(r2, "another sub");
	ih_assert_not_replayed(r3, "another tenant");
	cr_assert(strcmp(a, b) != 0 && strcmp(a, c) != 0, "three callers, one customer");
	cr_assert_str_eq(wh_str(r2->json, "createdBy"), ANN);
	cr_assert_str_eq(wh_str(r3->json, "tenantId"), other);
	cr_assert_eq(ih_named(tenant, "Acme BV"), 2);
	cr_assert_eq(ih_named(other, "Acme BV"), 1);
	cr_assert_eq(ih_key_status(tenant, WH_ACTOR, "shared-key"), 201);
	cr_assert_eq(ih_key_status(tenant, ANN, "shared-key"), 201);
	cr_assert_eq(ih_key_status(other, WH_ACTOR, "shared-key"), 201);
	/* and each replays its own */
	struct http *again = post(ann, ACME, "shared-key");
	ih_assert_replay(r2, again, "ann's retry");
	http_free(again);
	http_free(r1);
	http_free(r2);
	http_free(r3);
	free(ann);
	free(foreign);
	free(tok);
}

Test(idempotency, a_replay_still_needs_a_valid_token_with_crm_write)
{
	char tenant[64], id[64];
	char *tok = fixture(tenant, sizeof(tenant), "idem-auth");
	struct http *first = post(tok, ACME, "auth-key");
	created_id(first, id, sizeof(id));
	struct http *r = post(NULL, ACME, "auth-key");
	cr_assert_eq(r->status, 401, "a keyed retry without a token: %ld %s", r->status, r->body);
	ih_assert_not_replayed(r, "without a token");
	cr_assert_null(strstr(r->body, id), "the 401 leaks the kept answer: %s", r->body);
	http_free(r);
	char *ro = token_for(WH_ACTOR, tenant, "crm:read");
	r = post(ro, ACME, "auth-key");
	wh_assert_error(r, 403, "crm:write", "a keyed retry with crm:read");
	ih_assert_not_replayed(r, "with crm:read");
	http_free(r);
	free(ro);
	http_free(first);
	free(tok);
}

/* ---- what is not kept --------------------------------------------------------------------- */

Test(idempotency, an_error_answer_is_not_kept_and_the_retry_is_processed_afresh)
{
	char tenant[64], id[64];
	char *tok = fixture(tenant, sizeof(tenant), "idem-err");
	/* 400, then a good body with the same key: processed */
	struct http *r = post(tok, "{\"type\":\"COMPANY\"}", "err-400");
	wh_assert_error(r, 400, "name", "a POST without a name");
	http_free(r);
	cr_assert_eq(ih_key_rows(tenant, "err-400"), 0, "a 400 was kept");
	r = post(tok, ACME, "err-400");
	created_id(r, id, sizeof(id));
	ih_assert_not_replayed(r, "the good POST after a 400");
	http_free(r);
	cr_assert_eq(ih_key_status(tenant, WH_ACTOR, "err-400"), 201);

	/* 404, then the same request once the customer exists: processed */
	const char *body = "{\"email\":\"later@acme.example\"}";
	r = ih_send("PATCH", "/crm/customers/later", tok, IH_MERGE, body, "err-404", NULL);
	wh_assert_error(r, 404, "customer not found", "a PATCH of an unknown customer");
	http_free(r);
	cr_assert_eq(ih_key_rows(tenant, "err-404"), 0, "a 404 was kept");
	wh_import_customer(tenant, wh_customer("later", "LEAD"));
	long events = wh_db_events(tenant, "later");
	r = ih_send("PATCH", "/crm/customers/later", tok, IH_MERGE, body, "err-404", NULL);
	wh_assert_ok(r, "the PATCH after the 404");
	ih_assert_not_replayed(r, "the PATCH after the 404");
	cr_assert_str_eq(wh_str(r->json, "email"), "later@acme.example");
	cr_assert_eq(wh_db_events(tenant, "later"), events + 1);
	http_free(r);

	/* 412, then the same request with the current tag: processed */
	struct http *g = http_get("/crm/customers/c1", tok);
	char *etag = http_header(g, "ETag");
	http_free(g);
	body = "{\"phone\":\"+31 6 9999 0000\"}";
	r = ih_send("PATCH", "/crm/customers/c1", tok, IH_MERGE, body, "err-412", "\"stale\"");
	wh_assert_error(r, 412, "If-Match", "a PATCH with a stale tag");
	http_free(r);
	cr_assert_eq(ih_key_rows(tenant, "err-412"), 0, "a 412 was kept");
	r = ih_send("PATCH", "/crm/customers/c1", tok, IH_MERGE, body, "err-412", etag);
	wh_assert_ok(r, "the PATCH with the current tag");
	ih_assert_not_replayed(r, "the PATCH with the current tag");
	cr_assert_str_eq(wh_str(r->json, "phone"), "+31 6 9999 0000");
	http_free(r);
	free(etag);

	/* 409 (LEAD -> ACTIVE is no move), then the same request from PROSPECT: processed */
	const char *active = "{\"crmStatus\":\"ACTIVE\"}";
	r = ih_send("PATCH", "/crm/customers/c1/crm-status", tok, WH_JSON, active, "err-409", NULL);
	wh_assert_error(r, 409, NULL, "LEAD -> ACTIVE");
	http_free(r);
	cr_assert_eq(ih_key_rows(tenant, "err-409"), 0, "a 409 was kept");
	r = wh_set_status(tok, "c1", "{\"crmStatus\":\"PROSPECT\"}");
	wh_assert_ok(r, "LEAD -> PROSPECT");
	http_free(r);
	r = ih_send("PATCH", "/crm/customers/c1/crm-status", tok, WH_JSON, active, "err-409", NULL);
	wh_assert_ok(r, "PROSPECT -> ACTIVE with the key of the 409");
	ih_assert_not_replayed(r, "the status change after the 409");
	cr_assert_str_eq(wh_str(r->json, "crmStatus"), "ACTIVE");
	http_free(r);
	free(tok);
}

Test(idempotency, an_expired_key_is_processed_afresh)
{
	char tenant[64], a[64], b[64];
	char *tok = fixture(tenant, sizeof(tenant), "idem-exp");
	struct http *r1 = post(tok, ACME, "expiring");
	created_id(r1, a, sizeof(a));
	cr_assert_eq(ih_key_rows(tenant, "expiring"), 1);
	/* 25 hours later, as far as the kept answer knows */
	db_scalar("UPDATE idempotency_keys SET expires_at = expires_at - %lld"
	          " WHERE tenant_id = '%s' AND idem_key = 'expiring'",
	          (long long)(TTL_S + 3600) * 1000000LL, tenant);
	struct http *r2 = post(tok, ACME, "expiring");
	created_id(r2, b, sizeof(b));
	ih_assert_not_replayed(r2, "a POST with an expired key");
	cr_assert_str_neq(a, b, "an expired key was replayed");
	cr_assert_eq(ih_named(tenant, "Acme BV"), 2);
	/* and the new answer is the one kept now */
	struct http *r3 = post(tok, ACME, "expiring");
	ih_assert_replay(r2, r3, "the retry after the fresh answer");
	http_free(r1);
	http_free(r2);
	http_free(r3);
	free(tok);
}

/* ---- malformed keys: 400, nothing changes ---------------------------------------------------- */

/*
 * Sends the key on five kinds of change (create, merge patch, delete, tag add,
 * status change) and asserts each is a 400 that changed nothing and kept nothing.
 * shape: the worker's error shape is expected (nginx passes such a field on).
 */
static void expect_bad_key(const char *key, int shape, const char *what)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "idem-badkey");
	char *row = wh_row(tenant, "c1");
	struct http *r[5];
	r[0] = post(tok, ACME, key);
	r[1] = ih_send("PATCH", "/crm/customers/c1", tok, IH_MERGE, "{\"email\":\"b@x.example\"}",
	               key, NULL);
	r[2] = ih_send("DELETE", "/crm/customers/c1", tok, NULL, NULL, key, NULL);
	r[3] = ih_send("POST", "/crm/customers/c1/tags/k", tok, NULL, NULL, key, NULL);
	r[4] = ih_send("PATCH", "/crm/customers/c1/crm-status", tok, WH_JSON,
	               "{\"crmStatus\":\"PROSPECT\"}", key, NULL);
	for (int i = 0; i < 5; i++) {
		char label[160];
		snprintf(label, sizeof(label), "%s, request %d", what, i);
		cr_assert_eq(r[i]->status, 400, "%s: expected 400, got %ld: %s", label,
		             r[i]->status, r[i]->body);
		if (shape)
			wh_assert_error(r[i], 400, "Idempotency-Key", label);
		http_free(r[i]);
	}
	wh_assert_row_unchanged(tenant, "c1", row, what);
	cr_assert(is_live(tenant, "c1"), "%s: the DELETE deleted", what);
	cr_assert_eq(live_customers(tenant), 1, "%s: the POST created", what);
	cr_assert_eq(
	        db_count("SELECT COUNT(*) FROM idempotency_keys WHERE tenant_id = '%s'", tenant), 0,
	        "%s: a refused key was kept", what);
	free(row);
	free(tok);
}

Test(idempotency, an_empty_key_is_400_on_every_kind_of_change)
{
	expect_bad_key("", 1, "an empty key");
}

Test(idempotency, a_key_of_256_characters_is_400_on_every_kind_of_change)
{
	char key[257];
	memset(key, 'k', 256);
	key[256] = '\0';
	expect_bad_key(key, 1, "a key of 256 characters");
}

Test(idempotency, a_key_with_a_space_inside_is_400)
{
	expect_bad_key("retry one", 1, "a key with a space");
}

Test(idempotency, a_key_with_a_non_ascii_byte_is_400)
{
	expect_bad_key("caf\xc3\xa9", 1, "a key with UTF-8 bytes");
}

Test(idempotency, a_key_with_a_control_character_is_400)
{
	expect_bad_key("tab\there", 0, "a key with a tab");
	expect_bad_key("del\x7f", 0, "a key with DEL");
}

Test(idempotency, keys_of_1_and_255_visible_characters_are_kept)
{
	char tenant[64], key[256], a[64];
	char *tok = fixture(tenant, sizeof(tenant), "idem-len");
	memset(key, 'k', 255);
	key[255] = '\0';
	const char *keys[] = {"k", key, "!#$%&()*+,-./:;<=>?@[]^_`{|}~"};
	for (size_t i = 0; i < 3; i++) {
		char body[128];
		snprintf(body, sizeof(body), "{\"name\":\"Len %zu\",\"type\":\"PERSON\"}", i);
		struct http *first = post(tok, body, keys[i]);
		created_id(first, a, sizeof(a));
		struct http *again = post(tok, body, keys[i]);
		ih_assert_replay(first, again, keys[i]);
		http_free(first);
		http_free(again);
	}
	cr_assert_eq(ih_key_rows(tenant, key), 1, "the 255-character key is kept whole");
	cr_assert_eq(live_customers(tenant), 4, "c1 and one per key");
	free(tok);
}

/* ---- concurrency ------------------------------------------------------------------------------ */

struct client {
	pthread_barrier_t *start;
	const char *method;
	char path[128];
	const char *token;
	const char *content_type;
	const char *body;
	const char *key;
	struct http *r;
};

static void *client_run(void *arg)
{
	struct client *c = arg;
	pthread_barrier_wait(c->start);
	c->r = ih_send(c->method, c->path, c->token, c->content_type, c->body, c->key, NULL);
	return NULL;
}

static void run_clients(struct client *cl, size_t n)
{
	pthread_barrier_t start;
	pthread_t th[16];
	cr_assert(n <= 16);
	cr_assert_eq(pthread_barrier_init(&start, NULL, (unsigned)n), 0);
	for (size_t i = 0; i < n; i++) {
		cl[i].start = &start;
		cr_assert_eq(pthread_create(&th[i], NULL, client_run, &cl[i]), 0);
	}
	for (size_t i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
}

#define POSTERS 8

Test(idempotency, eight_parallel_posts_with_one_key_create_one_customer)
{
	char tenant[64], body[160], name[96];
	char *tok = fixture(tenant, sizeof(tenant), "idem-par");
	snprintf(name, sizeof(name), "Parallel %s", tenant);
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"type\":\"COMPANY\"}", name);
	struct http *warm = http_get("/crm/customers/c1", tok);
	cr_assert_eq(warm->status, 200);
	http_free(warm);
	struct client cl[POSTERS];
	memset(cl, 0, sizeof(cl));
	for (int i = 0; i < POSTERS; i++) {
		cl[i].method = "POST";
		snprintf(cl[i].path, sizeof(cl[i].path), "/crm/customers");
		cl[i].token = tok;
		cl[i].content_type = WH_JSON;
		cl[i].body = body;
		cl[i].key = "parallel";
	}
	run_clients(cl, POSTERS);
	int fresh = -1, replays = 0, busy = 0;
	for (int i = 0; i < POSTERS; i++) {
		struct http *r = cl[i].r;
		cr_assert(r->status == 201 || r->status == 409, "client %d: %ld %s", i, r->status,
		          r->body);
		if (r->status == 409) {
			wh_assert_error(r, 409, NULL, "a POST while its key's first request runs");
			busy++;
			continue;
		}
		char *flag = http_header(r, "Idempotent-Replayed");
		if (flag == NULL) {
			cr_assert_eq(fresh, -1, "clients %d and %d both created a customer", fresh,
			             i);
			fresh = i;
		} else {
			cr_assert_str_eq(flag, "true");
			replays++;
		}
		free(flag);
	}
	cr_assert_neq(fresh, -1, "no client got the first answer");
	for (int i = 0; i < POSTERS; i++)
		if (cl[i].r->status == 201 && i != fresh)
			ih_assert_replay(cl[fresh].r, cl[i].r, "a parallel POST");
	cr_assert_eq(1 + replays + busy, POSTERS);
	fprintf(stderr, "idempotency parallel POSTs: 1 first, %d replayed, %d x 409\n", replays,
	        busy);
	cr_assert_eq(ih_named(tenant, name), 1, "exactly one customer for one key");
	cr_assert_eq(live_customers(tenant), 2);
	struct http *again = post(tok, body, "parallel");
	ih_assert_replay(cl[fresh].r, again, "a retry after the race");
	http_free(again);
	for (int i = 0; i < POSTERS; i++)
		http_free(cl[i].r);
	free(tok);
}

/*
 * A first request that is still running holds its key's row, uncommitted: the
 * test's own session plays it (INSERT without COMMIT), so the second request
 * surely meets a running first one.
 */
Test(idempotency, the_same_key_while_its_first_request_runs_is_409_and_changes_nothing)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "idem-409");
	char *row = wh_row(tenant, "c1");
	db_scalar("START TRANSACTION");
	db_scalar("INSERT INTO idempotency_keys (tenant_id, sub, idem_key, request_hash, status,"
	          " created_at, expires_at) VALUES ('%s', '" WH_ACTOR
	          "', 'running', REPEAT('0', 64),"
	          " 0, UNIX_TIMESTAMP() * 1000000, (UNIX_TIMESTAMP() + 3600) * 1000000)",
	          tenant);
	time_t t0 = time(NULL);
	struct http *r = post(tok, ACME, "running");
	time_t took = time(NULL) - t0;
	db_scalar("ROLLBACK");
	wh_assert_error(r, 409, NULL, "a POST while its key's first request runs");
	ih_assert_not_replayed(r, "the 409");
	cr_assert_null(http_header(r, "Location"), "a 409 with a Location");
	http_free(r);
	cr_assert_eq(ih_named(tenant, "Acme BV"), 0, "the 409 created the customer");
	cr_assert_eq(ih_key_rows(tenant, "running"), 0, "the 409 kept something");
	wh_assert_row_unchanged(tenant, "c1", row, "the 409");
	fprintf(stderr, "idempotency 409: answered after about %lld s\n", (long long)took);
	/* once the first one is gone, the key is free: processed afresh */
	r = post(tok, ACME, "running");
	cr_assert_eq(r->status, 201, "after the first request ended: %ld %s", r->status, r->body);
	ih_assert_not_replayed(r, "the POST after the running one ended");
	http_free(r);
	cr_assert_eq(ih_named(tenant, "Acme BV"), 1);
	free(row);
	free(tok);
}

#define ROUNDS 20

/* 1 when the stored tags of id hold tag. */
static int stored_tag(const char *tenant, const char *id, const char *tag)
{
	json_t *doc = wh_doc(tenant, id);
	int found = 0;
	for (size_t i = 0; i < json_array_size(json_object_get(doc, "tags")); i++)
		found |= strcmp(json_string_value(json_array_get(json_object_get(doc, "tags"), i)),
		                tag) == 0;
	json_decref(doc);
	return found;
}

Test(idempotency, a_delete_racing_a_keyed_tag_add_never_leaves_a_change_after_the_tombstone)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "idem-race");
	json_t *list = json_array();
	for (int i = 0; i < ROUNDS; i++) {
		char id[16];
		snprintf(id, sizeof(id), "d%02d", i);
		json_array_append_new(list, wh_customer(id, "LEAD"));
	}
	wh_import_customers(tenant, list);
	int added = 0, missed = 0;
	for (int i = 0; i < ROUNDS; i++) {
		char id[16], dkey[16], tkey[16];
		snprintf(id, sizeof(id), "d%02d", i);
		snprintf(dkey, sizeof(dkey), "del-%02d", i);
		snprintf(tkey, sizeof(tkey), "tag-%02d", i);
		json_t *before = wh_doc(tenant, id);
		struct client cl[2];
		memset(cl, 0, sizeof(cl));
		cl[0].method = "DELETE";
		snprintf(cl[0].path, sizeof(cl[0].path), "/crm/customers/%s", id);
		cl[0].key = dkey;
		cl[1].method = "POST";
		snprintf(cl[1].path, sizeof(cl[1].path), "/crm/customers/%s/tags/race", id);
		cl[1].key = tkey;
		cl[0].token = cl[1].token = tok;
		run_clients(cl, 2);
		cr_assert_eq(cl[0].r->status, 204, "%s: DELETE got %ld %s", id, cl[0].r->status,
		             cl[0].r->body);
		cr_assert(!is_live(tenant, id), "%s: a 204 DELETE left the customer", id);
		cr_assert_eq(ih_key_status(tenant, WH_ACTOR, dkey), 204);
		long deleted_at = db_count("SELECT deleted_at FROM customers WHERE tenant_id = '%s'"
		                           " AND id = '%s'",
		                           tenant, id);
		json_t *after = wh_doc(tenant, id);
		long tag_status = cl[1].r->status;
		cr_assert(tag_status == 200 || tag_status == 404, "%s: the tag add got %ld %s", id,
		          tag_status, cl[1].r->body);
		if (tag_status == 200) {
			added++;
			/* it came first: the tombstone holds its document, event and all */
			cr_assert(stored_tag(tenant, id, "race"), "%s: a 200 tag add not stored",
			          id);
			wh_assert_one_new_event(before, after, "TAG_ADDED", WH_ACTOR, "race", 0, 0);
			cr_assert(json_equal(json_object_get(after, "events"),
			                     json_object_get(cl[1].r->json, "events")),
			          "%s: the stored events are not those the tag add answered", id);
			const json_t *ev = json_array_get(
			        json_object_get(after, "events"),
			        json_array_size(json_object_get(after, "events")) - 1);
			int64_t when = wh_time_us(wh_str(ev, "date"));
			cr_assert(when <= (int64_t)deleted_at,
			          "%s: the TAG_ADDED event (%s) is after the tombstone (%ld)", id,
			          wh_str(ev, "date"), deleted_at);
			cr_assert_eq(ih_key_status(tenant, WH_ACTOR, tkey), 200);
		} else {
			missed++;
			wh_assert_error(cl[1].r, 404, "customer not found",
			                "a tag add after DELETE");
			cr_assert(json_equal(before, after),
			          "%s: a 404 tag add changed the document", id);
			cr_assert_eq(ih_key_rows(tenant, tkey), 0, "%s: a 404 was kept", id);
		}
		json_decref(before);
		json_decref(after);
		http_free(cl[0].r);
		http_free(cl[1].r);
	}
	fprintf(stderr, "idempotency race: %d tag adds first, %d after the delete\n", added,
	        missed);
	free(tok);
}
