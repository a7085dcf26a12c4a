/* test_read_helpers: what the read-side HTTP tests share — imports, expected shapes, member-by-member comparison, id lists and paging walks. */
#ifndef CRM_TEST_READ_HELPERS_H
#define CRM_TEST_READ_HELPERS_H

/*
 * Everything here is static inline so that a test file may use any subset
 * without -Wunused-function; the header belongs to the read-side test files
 * (test_read.c, test_lists.c, test_paging.c, test_tenancy.c,
 * test_auth_http.c, test_errors.c).
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/http/client.h"

#define RH_SCOPE_READ "crm:read"
#define RH_PATH_MAX   4096
#define RH_IDS_MAX    16384

/* ---- the seed's shapes ------------------------------------------------------ */

/* The seed's member lists live in client.c, shared with the write tests. */
#define rh_list_members     seed_list_members
#define RH_LIST_COUNT       seed_list_count
#define rh_enriched_members seed_enriched_members
#define RH_ENRICHED_COUNT   seed_enriched_count

/* ---- requests and status checks ----------------------------------------------- */

static inline const char *rh_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* A crm:read token of sub in tenant. Free with free(). */
static inline char *rh_token(const char *sub, const char *tenant)
{
	return token_for(sub, tenant, RH_SCOPE_READ);
}

/* GET a printf-built path. */
__attribute__((format(printf, 2, 3))) static inline struct http *rh_getf(const char *token,
                                                                         const char *fmt, ...)
{
	char path[RH_PATH_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	cr_assert(n > 0 && (size_t)n < sizeof(path), "path too long for the test buffer");
	return http_get(path, token);
}

/* Asserts a 200 whose body is JSON of Content-Type application/json. */
static inline void rh_assert_ok(const struct http *r, const char *what)
{
	cr_assert_eq(r->status, 200, "%s: expected 200, got %ld: %s", what, r->status,
	             r->body ? r->body : "");
	char *ct = http_header(r, "Content-Type");
	cr_assert(ct != NULL && strncasecmp(ct, "application/json", 16) == 0,
	          "%s: Content-Type is %s, not application/json", what, ct ? ct : "absent");
	free(ct);
	cr_assert_not_null(r->json, "%s: the body is not JSON: %s", what, r->body);
}

static inline void rh_assert_ok_array(const struct http *r, const char *what)
{
	rh_assert_ok(r, what);
	cr_assert(json_is_array(r->json), "%s: a list must be a JSON array: %s", what, r->body);
}

static inline void rh_assert_ok_object(const struct http *r, const char *what)
{
	rh_assert_ok(r, what);
	cr_assert(json_is_object(r->json), "%s: expected a JSON object: %s", what, r->body);
}

/* Asserts the error shape and that detail contains needle (case-insensitive; NULL: any). */
static inline void rh_assert_error(const struct http *r, long status, const char *needle,
                                   const char *what)
{
	cr_assert_eq(r->status, status, "%s: expected %ld, got %ld: %s", what, status, r->status,
	             r->body ? r->body : "");
	assert_error_body(r, status);
	const char *detail = rh_str(r->json, "detail");
	if (needle != NULL)
		cr_assert_not_null(strcasestr(detail, needle),
		                   "%s: detail '%s' does not mention '%s'", what, detail, needle);
}

/* Asserts the JSON body is exactly [] . */
static inline void rh_assert_empty_list(const struct http *r, const char *what)
{
	rh_assert_ok_array(r, what);
	cr_assert_eq(json_array_size(r->json), 0, "%s: expected [], got %s", what, r->body);
	char *link = http_header(r, "Link");
	cr_assert_null(link, "%s: an empty list has a Link header: %s", what, link);
}

/* ---- imports -------------------------------------------------------------------- */

/* Imports doc (a JSON object; stolen) into tenant with crmctl; aborts the test on failure. */
static inline void rh_import(const char *tenant, json_t *doc)
{
	cr_assert_not_null(doc, "import document could not be built");
	char *text = json_dumps(doc, JSON_COMPACT);
	cr_assert_not_null(text, "import document could not be written");
	char *err = NULL;
	int rc = crmctl_import(tenant, text, &err);
	cr_assert_eq(rc, 0, "crmctl import into %s failed (exit %d): %s", tenant, rc,
	             err ? err : "");
	free(err);
	free(text);
	json_decref(doc);
}

/* Imports the customers (a JSON array; stolen) into tenant. */
static inline void rh_import_customers(const char *tenant, json_t *customers)
{
	rh_import(tenant, json_pack("{s:o}", "customers", customers));
}

/* Imports the user {id, username, displayName} into tenant. */
static inline void rh_import_user(const char *tenant, const char *id, const char *username,
                                  const char *display_name)
{
	rh_import(tenant, json_pack("{s:[{s:s,s:s,s:s}]}", "users", "id", id, "username", username,
	                            "displayName", display_name));
}

/*
 * A sample customer (all members set) with the given name, owner (NULL: none),
 * status, and next action text/due (NULL: none).  The caller owns it.
 */
static inline json_t *rh_customer(const char *id, const char *name, const char *owner,
                                  const char *status, const char *next_action, const char *due)
{
	json_t *c = sample_customer(id, name);
	cr_assert_not_null(c, "sample_customer(%s) returned NULL", id);
	json_object_set_new(c, "ownerId", owner ? json_string(owner) : json_null());
	json_object_set_new(c, "crmStatus", json_string(status));
	json_object_set_new(c, "nextAction", next_action ? json_string(next_action) : json_null());
	json_object_set_new(c, "nextActionDueDate", due ? json_string(due) : json_null());
	return c;
}

/* An RFC 3339 UTC time `delta` seconds from now, in out (>= 21 bytes). */
static inline const char *rh_time_from_now(long delta, char *out, size_t cap)
{
	time_t t = time(NULL) + delta;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return out;
}

/* ---- expected values ------------------------------------------------------------- */

/* The sample as the list endpoints must send it: a deep copy with tenantId = tenant. */
static inline json_t *rh_expected_list_item(const json_t *sample, const char *tenant)
{
	json_t *e = json_deep_copy(sample);
	cr_assert_not_null(e, "out of memory");
	json_object_set_new(e, "tenantId", json_string(tenant));
	return e;
}

/* A child (opportunity, activity) as the enriched customer must send it. */
static inline json_t *rh_expected_child(const json_t *sample, const char *tenant)
{
	return rh_expected_list_item(sample, tenant);
}

/*
 * The enriched customer the API must send for sample: the list item without
 * visits and preferredLanguage, with owner (stolen; NULL means null),
 * opportunities and recentActivities (stolen arrays; NULL means []).
 */
static inline json_t *rh_expected_enriched(const json_t *sample, const char *tenant, json_t *owner,
                                           json_t *opportunities, json_t *activities)
{
	json_t *e = rh_expected_list_item(sample, tenant);
	json_object_del(e, "visits");
	json_object_del(e, "preferredLanguage");
	json_object_set_new(e, "owner", owner ? owner : json_null());
	json_object_set_new(e, "opportunities", opportunities ? opportunities : json_array());
	json_object_set_new(e, "recentActivities", activities ? activities : json_array());
	return e;
}

/* ---- member-by-member comparison ------------------------------------------------- */

static inline void rh_assert_json_same_at(const json_t *got, const json_t *want, const char *path,
                                          const char *what)
{
	char sub[512];
	if (json_is_object(want)) {
		cr_assert(json_is_object(got), "%s: %s must be an object", what, path);
		const char *key;
		json_t *w;
		json_object_foreach ((json_t *)want, key, w) {
			snprintf(sub, sizeof(sub), "%s.%s", path, key);
			json_t *g = json_object_get(got, key);
			cr_assert_not_null(g, "%s: member %s is missing", what, sub);
			rh_assert_json_same_at(g, w, sub, what);
		}
		json_t *g;
		json_object_foreach ((json_t *)got, key, g) {
			snprintf(sub, sizeof(sub), "%s.%s", path, key);
			cr_assert_not_null(json_object_get(want, key), "%s: unexpected member %s",
			                   what, sub);
		}
		return;
	}
	if (json_is_array(want)) {
		cr_assert(json_is_array(got), "%s: %s must be an array", what, path);
		cr_assert_eq(json_array_size(got), json_array_size(want),
		             "%s: %s has %zu elements, expected %zu", what, path,
		             json_array_size(got), json_array_size(want));
		for (size_t i = 0; i < json_array_size(want); i++) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			rh_assert_json_same_at(json_array_get(got, i), json_array_get(want, i), sub,
			                       what);
		}
		return;
	}
	if (!json_equal((json_t *)got, (json_t *)want)) {
		char *g = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
		char *w = json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY);
		cr_assert_fail("%s: %s is %s, expected %s", what, path, g ? g : "?", w ? w : "?");
	}
}

/* Asserts got equals want member for member (same members, same values, arrays in order). */
static inline void rh_assert_json_same(const json_t *got, const json_t *want, const char *what)
{
	cr_assert_not_null(got, "%s: no JSON value", what);
	rh_assert_json_same_at(got, want, "$", what);
}

/* Asserts obj has exactly the given members (names sorted or not). */
static inline void rh_assert_members(const json_t *obj, const char *const *names, size_t count,
                                     const char *what)
{
	cr_assert(json_is_object(obj), "%s: not an object", what);
	for (size_t i = 0; i < count; i++)
		cr_assert_not_null(json_object_get(obj, names[i]), "%s: member '%s' is missing",
		                   what, names[i]);
	const char *key;
	json_t *v;
	json_object_foreach ((json_t *)obj, key, v) {
		size_t i = 0;
		while (i < count && strcmp(names[i], key) != 0)
			i++;
		cr_assert(i < count, "%s: member '%s' is not in the seed's shape", what, key);
	}
}

/* ---- id lists --------------------------------------------------------------------- */

/* Appends the ids of the customers of a list body to out as "a,b,c". */
static inline void rh_append_ids(const json_t *list, char *out, size_t cap)
{
	size_t i;
	json_t *c;
	json_array_foreach (list, i, c) {
		const char *id = rh_str(c, "id");
		cr_assert_not_null(id, "a list item without an id");
		size_t len = strlen(out);
		snprintf(out + len, cap - len, "%s%s", len ? "," : "", id);
	}
	cr_assert(strlen(out) + 1 < cap, "id list too long for the test buffer");
}

/* GETs path and asserts it is a list of exactly the ids `expected` ("a,b,c"; "" for []), no Link. */
static inline void rh_assert_list_ids(const char *path, const char *token, const char *expected)
{
	struct http *r = http_get(path, token);
	rh_assert_ok_array(r, path);
	char got[RH_IDS_MAX] = "";
	rh_append_ids(r->json, got, sizeof(got));
	cr_assert_str_eq(got, expected, "%s: got ids [%s], expected [%s]", path, got, expected);
	char *link = http_header(r, "Link");
	cr_assert_null(link, "%s: a complete list has a Link header: %s", path, link);
	http_free(r);
}

/* ---- paging ----------------------------------------------------------------------- */

/* The path part of CRM_TEST_BASE_URL, e.g. "/api/v1". */
static inline const char *rh_base_path(void)
{
	const char *base = getenv("CRM_TEST_BASE_URL");
	cr_assert_not_null(base, "CRM_TEST_BASE_URL is not set");
	const char *p = strstr(base, "://");
	p = p ? strchr(p + 3, '/') : NULL;
	return p ? p : "";
}

/*
 * The next page's path below the base (malloc'd) from r's Link header, or
 * NULL when there is none.  Asserts the header's form: <PATH>; rel="next"
 * with PATH an absolute path starting with the base path (/api/v1).
 */
static inline char *rh_next_path(const struct http *r)
{
	char *link = http_header(r, "Link");
	if (link == NULL)
		return NULL;
	char *lt = strchr(link, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	cr_assert(lt == link && gt != NULL, "Link is not '<...>; rel=\"next\"': %s", link);
	cr_assert_not_null(strstr(gt, "rel=\"next\""), "Link lacks rel=\"next\": %s", link);
	*gt = '\0';
	const char *target = lt + 1, *base = rh_base_path();
	size_t bl = strlen(base);
	cr_assert(strncmp(target, base, bl) == 0 && target[bl] == '/',
	          "the Link target '%s' is not an absolute path below %s", target, base);
	char *out = strdup(target + bl);
	cr_assert_not_null(out, "out of memory");
	free(link);
	return out;
}

/*
 * Walks a list from path (which must not carry a cursor) page by page,
 * following Link: every page but the last holds exactly `limit` items, the
 * last at most `limit` and no Link.  The ids of all pages go to out ("a,b").
 * Returns the number of pages.
 */
static inline int rh_walk(const char *path, const char *token, int limit, char *out, size_t cap)
{
	char first[RH_PATH_MAX];
	snprintf(first, sizeof(first), "%s%slimit=%d", path, strchr(path, '?') ? "&" : "?", limit);
	char *next = strdup(first);
	int pages = 0;
	out[0] = '\0';
	while (next != NULL) {
		cr_assert(pages < 1000, "%s: more than 1000 pages; the walk does not end", path);
		struct http *r = http_get(next, token);
		char what[RH_PATH_MAX + 64];
		snprintf(what, sizeof(what), "page %d of %s (limit %d)", pages + 1, path, limit);
		rh_assert_ok_array(r, what);
		size_t n = json_array_size(r->json);
		free(next);
		next = rh_next_path(r);
		if (next != NULL)
			cr_assert_eq(n, (size_t)limit,
			             "%s: a page with a Link holds %zu items, not %d", what, n,
			             limit);
		else
			cr_assert(n <= (size_t)limit, "%s: %zu items on a page of limit %d", what,
			          n, limit);
		cr_assert(n > 0 || pages == 0, "%s: an empty page after a Link", what);
		rh_append_ids(r->json, out, cap);
		http_free(r);
		pages++;
	}
	return pages;
}

#endif
