/* test_write_helpers: what the test_write_*.c files share — the six change requests, row snapshots, enriched-shape and event checks. */
#ifndef CRM_TEST_WRITE_HELPERS_H
#define CRM_TEST_WRITE_HELPERS_H

/*
 * Everything here is static inline so that a test file may use any subset
 * without -Wunused-function; the header belongs to the test_write_* files only.
 * Tenants, ids and tags passed to the SQL helpers are the tests' own constants
 * (ids of [A-Za-z0-9_-]), never request data.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/http/client.h"

/* The caller of every change in these tests (the token's sub). */
#define WH_ACTOR       "u-writer"
#define WH_SCOPE_WRITE "crm:read crm:write"
#define WH_JSON        "application/json"

/* ---- tokens and requests ------------------------------------------------ */

/* A crm:write token of WH_ACTOR in tenant. Free with free(). */
static inline char *wh_token(const char *tenant)
{
	return token_for(WH_ACTOR, tenant, WH_SCOPE_WRITE);
}

/* Sends method to /crm/customers/{id}/{tail} (tail already percent-encoded). */
static inline struct http *wh_request(const char *method, const char *token, const char *id,
                                      const char *tail, const char *content_type, const char *body)
{
	char path[2048];
	int n = snprintf(path, sizeof(path), "/crm/customers/%s/%s", id, tail);
	cr_assert(n > 0 && (size_t)n < sizeof(path), "path too long for the test buffer");
	return http_do(method, path, token, content_type, body, NULL);
}

static inline struct http *wh_set_status(const char *token, const char *id, const char *body)
{
	return wh_request("PATCH", token, id, "crm-status", WH_JSON, body);
}

static inline struct http *wh_set_next_action(const char *token, const char *id, const char *body)
{
	return wh_request("PATCH", token, id, "next-action", WH_JSON, body);
}

static inline struct http *wh_set_owner(const char *token, const char *id, const char *owner)
{
	char tail[1024];
	snprintf(tail, sizeof(tail), "owner/%s", owner);
	return wh_request("PATCH", token, id, tail, NULL, NULL);
}

static inline struct http *wh_clear_owner(const char *token, const char *id)
{
	return wh_request("DELETE", token, id, "owner", NULL, NULL);
}

/* raw_tag is the path segment as sent, percent-encoding included. */
static inline struct http *wh_add_tag(const char *token, const char *id, const char *raw_tag)
{
	char tail[1536];
	snprintf(tail, sizeof(tail), "tags/%s", raw_tag);
	return wh_request("POST", token, id, tail, NULL, NULL);
}

static inline struct http *wh_remove_tag(const char *token, const char *id, const char *raw_tag)
{
	char tail[1536];
	snprintf(tail, sizeof(tail), "tags/%s", raw_tag);
	return wh_request("DELETE", token, id, tail, NULL, NULL);
}

/* ---- fixtures ------------------------------------------------------------ */

/* A sample customer in crmStatus status, no next action, no owner, given tags (NULL: keep the sample's). */
static inline json_t *wh_customer(const char *id, const char *status)
{
	char name[128];
	snprintf(name, sizeof(name), "Customer %s", id);
	json_t *c = sample_customer(id, name);
	cr_assert_not_null(c, "sample_customer(%s) returned NULL", id);
	json_object_set_new(c, "crmStatus", json_string(status));
	json_object_set_new(c, "nextAction", json_null());
	json_object_set_new(c, "nextActionDueDate", json_null());
	json_object_set_new(c, "ownerId", json_null());
	return c;
}

/* Imports doc (a JSON object; stolen) into tenant with crmctl; aborts the test on failure. */
static inline void wh_import(const char *tenant, json_t *doc)
{
	cr_assert_not_null(doc, "import document could not be built");
	char *text = json_dumps(doc, JSON_COMPACT);
	char *err = NULL;
	int rc = crmctl_import(tenant, text, &err);
	cr_assert_eq(rc, 0, "crmctl import into %s failed (exit %d): %s", tenant, rc,
	             err ? err : "");
	free(err);
	free(text);
	json_decref(doc);
}

/* Imports the customers (a JSON array; stolen) into tenant. */
static inline void wh_import_customers(const char *tenant, json_t *customers)
{
	wh_import(tenant, json_pack("{s:o}", "customers", customers));
}

/* Imports a single customer (stolen). */
static inline void wh_import_customer(const char *tenant, json_t *customer)
{
	wh_import_customers(tenant, json_pack("[o]", customer));
}

/* Imports the user {id, username, displayName[, active]} into tenant. */
static inline void wh_import_user(const char *tenant, const char *id, const char *username,
                                  const char *display_name, int active)
{
	json_t *u = json_pack("{s:s,s:s,s:s}", "id", id, "username", username, "displayName",
	                      display_name);
	if (!active)
		json_object_set_new(u, "active", json_false());
	wh_import(tenant, json_pack("{s:[o]}", "users", u));
}

/* ---- the database as it is ------------------------------------------------ */

/* Everything a change may touch in the customers row, as one string (malloc'd; NULL for no row). */
static inline char *wh_row(const char *tenant, const char *id)
{
	return db_scalar(
	        "SELECT CONCAT_WS('|' COLLATE utf8mb4_bin, crm_status, IFNULL(owner_id, '-'),"
	        " IFNULL(overdue_key, '-'), sort_name, doc, list_extra)"
	        " FROM customers WHERE tenant_id = '%s' AND id = '%s'",
	        tenant, id);
}

/* The stored customer document, parsed (aborts when there is none). */
static inline json_t *wh_doc(const char *tenant, const char *id)
{
	char *text = db_scalar("SELECT doc FROM customers WHERE tenant_id = '%s' AND id = '%s'",
	                       tenant, id);
	cr_assert_not_null(text, "no customers row %s/%s", tenant, id);
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	cr_assert_not_null(doc, "customers.doc of %s/%s is not JSON: %s", tenant, id, jerr.text);
	free(text);
	return doc;
}

/* JSON_LENGTH of the stored events. */
static inline long wh_db_events(const char *tenant, const char *id)
{
	return db_count("SELECT JSON_LENGTH(doc, '$.events') FROM customers"
	                " WHERE tenant_id = '%s' AND id = '%s'",
	                tenant, id);
}

/* The type of the stored last event (malloc'd). */
static inline char *wh_db_last_event_type(const char *tenant, const char *id)
{
	return db_scalar("SELECT JSON_UNQUOTE(JSON_EXTRACT(doc, CONCAT('$.events[',"
	                 " JSON_LENGTH(doc, '$.events') - 1, '].type')))"
	                 " FROM customers WHERE tenant_id = '%s' AND id = '%s'",
	                 tenant, id);
}

/* Asserts the row is byte for byte what it was (before: from wh_row). */
static inline void wh_assert_row_unchanged(const char *tenant, const char *id, const char *before,
                                           const char *what)
{
	char *after = wh_row(tenant, id);
	cr_assert_not_null(before, "%s: no row before", what);
	cr_assert_not_null(after, "%s: the row of %s/%s is gone", what, tenant, id);
	cr_assert_str_eq(after, before, "%s: the customers row changed:\nbefore %s\nafter  %s",
	                 what, before, after);
	free(after);
}

/* ---- JSON ------------------------------------------------------------------ */

static inline const char *wh_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* "YYYY-MM-DDTHH:MM:SS[.f]Z" as microseconds since the epoch, or INT64_MIN. */
static inline int64_t wh_time_us(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	if (s == NULL)
		return INT64_MIN;
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return INT64_MIN;
	int64_t frac = 0;
	int digits = 0, seen = 0;
	if (*p == '.') {
		p++;
		for (; *p >= '0' && *p <= '9'; p++, seen++)
			if (digits < 6) {
				frac = frac * 10 + (*p - '0');
				digits++;
			}
		if (seen == 0)
			return INT64_MIN;
		for (; digits < 6; digits++)
			frac *= 10;
	}
	if (strcmp(p, "Z") != 0)
		return INT64_MIN;
	return (int64_t)timegm(&tm) * 1000000 + frac;
}

/* Asserts r is 200 with a JSON object body. */
static inline void wh_assert_ok(const struct http *r, const char *what)
{
	cr_assert_eq(r->status, 200, "%s: expected 200, got %ld: %s", what, r->status,
	             r->body ? r->body : "");
	cr_assert(json_is_object(r->json), "%s: the 200 body is not a JSON object: %s", what,
	          r->body ? r->body : "");
}

/* Asserts the error shape and that detail contains needle (case-insensitive; NULL: any). */
static inline void wh_assert_error(const struct http *r, long status, const char *needle,
                                   const char *what)
{
	cr_assert_eq(r->status, status, "%s: expected %ld, got %ld: %s", what, status, r->status,
	             r->body ? r->body : "");
	assert_error_body(r, status);
	const char *detail = wh_str(r->json, "detail");
	cr_assert_not_null(detail, "%s: no detail", what);
	if (needle != NULL)
		cr_assert_not_null(strcasestr(detail, needle),
		                   "%s: detail '%s' does not mention '%s'", what, detail, needle);
}

/* The members of the seed's enriched customer: client.c's shared list. */
#define wh_enriched_members seed_enriched_members
#define WH_ENRICHED_COUNT   seed_enriched_count

/*
 * Asserts the response is the enriched customer id of tenant as the database
 * now holds it (doc): exactly the seed's members, each stored member equal to
 * the stored value, owner consistent with ownerId, the two child lists arrays.
 */
static inline void wh_assert_enriched(const struct http *r, const char *tenant, const char *id,
                                      const json_t *doc)
{
	const json_t *body = r->json;
	cr_assert(json_is_object(body), "the response is not a JSON object: %s", r->body);
	for (size_t i = 0; i < WH_ENRICHED_COUNT; i++)
		cr_assert_not_null(json_object_get(body, wh_enriched_members[i]),
		                   "the enriched customer lacks '%s': %s", wh_enriched_members[i],
		                   r->body);
	cr_assert_eq(json_object_size(body), WH_ENRICHED_COUNT,
	             "the enriched customer has %zu members, the seed's shape %zu: %s",
	             json_object_size(body), WH_ENRICHED_COUNT, r->body);
	const char *key;
	json_t *stored;
	json_object_foreach ((json_t *)doc, key, stored) {
		json_t *sent = json_object_get(body, key);
		cr_assert_not_null(sent, "stored member '%s' is not in the response", key);
		if (!json_equal(sent, stored)) {
			char *a = json_dumps(sent, JSON_COMPACT | JSON_ENCODE_ANY);
			char *b = json_dumps(stored, JSON_COMPACT | JSON_ENCODE_ANY);
			cr_assert_fail("member '%s' differs: response %s, database %s", key, a, b);
		}
	}
	cr_assert_str_eq(wh_str(body, "id"), id);
	cr_assert_str_eq(wh_str(body, "tenantId"), tenant);
	cr_assert(json_is_array(json_object_get(body, "opportunities")),
	          "opportunities not an array");
	cr_assert(json_is_array(json_object_get(body, "recentActivities")),
	          "recentActivities not an array");
	cr_assert(json_is_array(json_object_get(body, "events")), "events not an array");
	cr_assert(json_is_array(json_object_get(body, "tags")), "tags not an array");
	const json_t *owner = json_object_get(body, "owner");
	const char *owner_id = wh_str(body, "ownerId");
	if (owner_id == NULL) {
		cr_assert(json_is_null(owner), "ownerId is null but owner is not: %s", r->body);
	} else if (!json_is_null(owner)) {
		cr_assert_eq(json_object_size(owner), 3,
		             "owner must be {displayName, id, username}");
		cr_assert_str_eq(wh_str(owner, "id"), owner_id);
		cr_assert(json_is_string(json_object_get(owner, "username")), "owner.username");
		cr_assert_not_null(json_object_get(owner, "displayName"), "owner.displayName");
	}
}

/* Asserts every member of before and after is equal except those named in changed (NULL-terminated). */
static inline void wh_assert_same_except(const json_t *before, const json_t *after,
                                         const char *const *changed)
{
	const json_t *docs[2] = {before, after};
	for (int d = 0; d < 2; d++) {
		const char *key;
		json_t *v;
		json_object_foreach ((json_t *)docs[d], key, v) {
			const char *const *c = changed;
			while (*c != NULL && strcmp(*c, key) != 0)
				c++;
			if (*c != NULL)
				continue;
			const json_t *a = json_object_get(before, key),
			             *b = json_object_get(after, key);
			cr_assert(a != NULL && b != NULL && json_equal(a, b),
			          "member '%s' changed although this change does not touch it",
			          key);
		}
	}
}

/*
 * Asserts after.events is before.events plus exactly one event at the end:
 * {authorId, date, description, id, type} with the given type and author,
 * description equal to desc (when desc_exact) or containing desc (else),
 * a fresh id, date within the request's window and equal to after.updated,
 * and after.updatedBy = author.  t0: time(NULL) taken before the request.
 */
static inline void wh_assert_one_new_event(const json_t *before, const json_t *after,
                                           const char *type, const char *author, const char *desc,
                                           int desc_exact, time_t t0)
{
	const json_t *eb = json_object_get(before, "events"),
	             *ea = json_object_get(after, "events");
	cr_assert(json_is_array(eb) && json_is_array(ea), "events must be arrays");
	size_t nb = json_array_size(eb);
	cr_assert_eq(json_array_size(ea), nb + 1, "expected exactly one new event (%zu -> %zu)", nb,
	             json_array_size(ea));
	for (size_t i = 0; i < nb; i++)
		cr_assert(json_equal(json_array_get(eb, i), json_array_get(ea, i)),
		          "event %zu changed: the old events must stay as they were, in order", i);
	const json_t *ev = json_array_get(ea, nb);
	cr_assert_eq(json_object_size(ev), 5,
	             "an event is {authorId, date, description, id, type}");
	cr_assert_str_eq(wh_str(ev, "type"), type);
	cr_assert_str_eq(wh_str(ev, "authorId"), author);
	const char *d = wh_str(ev, "description");
	cr_assert(d != NULL && d[0] != '\0', "the event needs a description");
	if (desc_exact)
		cr_assert_str_eq(d, desc);
	else if (desc != NULL)
		cr_assert_not_null(strstr(d, desc), "description '%s' does not mention '%s'", d,
		                   desc);
	const char *eid = wh_str(ev, "id");
	cr_assert(eid != NULL && eid[0] != '\0', "the event needs an id");
	for (size_t i = 0; i < nb; i++) {
		const char *old = wh_str(json_array_get(eb, i), "id");
		cr_assert(old == NULL || strcmp(old, eid) != 0, "the new event reuses id %s", eid);
	}
	int64_t when = wh_time_us(wh_str(ev, "date"));
	cr_assert_neq(when, INT64_MIN, "event date '%s' is not RFC 3339 UTC", wh_str(ev, "date"));
	int64_t lo = ((int64_t)t0 - 2) * 1000000, hi = ((int64_t)time(NULL) + 2) * 1000000;
	cr_assert(when >= lo && when <= hi, "event date %s is not the time of the request",
	          wh_str(ev, "date"));
	cr_assert_str_eq(wh_str(after, "updated"), wh_str(ev, "date"),
	                 "updated must be the time of the change");
	cr_assert_str_eq(wh_str(after, "updatedBy"), author);
}

/* Members a change of `what` may touch (besides events/updated/updatedBy). */
#define WH_CHANGED(...) ((const char *const[]){"events", "updated", "updatedBy", __VA_ARGS__, NULL})

#endif
