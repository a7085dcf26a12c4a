/* test_hostile_paths: hostile paths, query strings, cursors and methods through nginx — 400/404/405 in the error shape, nothing changed, the same workers serving. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "lib/limits.h"
#include "tests/http/client.h"
#include "tests/http/test_hostile_helpers.h"

#define STATUS_BODY "{\"crmStatus\":\"PROSPECT\"}"
#define OWNER       "u-owner"

/* Sends method path with the fixture's token (and a valid status body on PATCH). */
static struct http *send_path(const struct hx_fx *fx, const char *method, const char *path)
{
	int patch = strcmp(method, "PATCH") == 0;
	return hx_call(HX_MAIN, method, path, fx->token, patch ? HX_JSON : NULL,
	               patch ? STATUS_BODY : NULL);
}

/* method path: status a or b in the error shape, no customer data in it, nothing changed. */
static void expect_refused2(const struct hx_fx *fx, const char *method, const char *path, long a,
                            long b)
{
	char *what = hx_fmt("%s %.120s%s", method, path, strlen(path) > 120 ? "..." : "");
	struct http *r = send_path(fx, method, path);
	hx_assert_error2(r, a, b, what);
	cr_assert_null(strstr(r->body, HX_FIXTURE_NAME), "%s: the error shows customer data", what);
	hx_assert_unchanged(fx, what);
	http_free(r);
	free(what);
}

static void expect_refused(const struct hx_fx *fx, const char *method, const char *path,
                           long status)
{
	expect_refused2(fx, method, path, status, status);
}

/* GET path: 200 with a JSON array of n items (n < 0: any). */
static struct http *expect_list(const struct hx_fx *fx, const char *path, long n)
{
	struct http *r = send_path(fx, "GET", path);
	cr_assert_eq(r->status, 200, "GET %s: expected 200, got %ld: %.300s", path, r->status,
	             r->body);
	cr_assert(json_is_array(r->json), "GET %s: not a JSON array: %.300s", path, r->body);
	if (n >= 0)
		cr_assert_eq(json_array_size(r->json), (size_t)n, "GET %s: %zu items, expected %ld",
		             path, json_array_size(r->json), n);
	return r;
}

/* Four more LEAD customers and a PROSPECT, all owned by OWNER, for the lists. */
static void import_list_customers(struct hx_fx *fx)
{
	hx_import_customers(fx->tenant,
	                    json_pack("[o,o,o,o,o]", hx_customer("c2", "Hostile B", "LEAD", OWNER),
	                              hx_customer("c3", "Hostile C", "LEAD", OWNER),
	                              hx_customer("c4", "Hostile D", "LEAD", OWNER),
	                              hx_customer("c5", "Hostile E", "LEAD", OWNER),
	                              hx_customer("p1", "Hostile P", "PROSPECT", OWNER)));
	hx_resnapshot(fx);
}

/* The cursor of r's Link header (malloc'd); asserts there is one. */
static char *cursor_of(const struct http *r, const char *what)
{
	char *link = http_header(r, "Link");
	cr_assert_not_null(link, "%s: no Link header on a page with more to come", what);
	const char *c = strstr(link, "cursor=");
	cr_assert_not_null(c, "%s: the Link has no cursor: %s", what, link);
	c += 7;
	char *out = strndup(c, strcspn(c, "&>"));
	cr_assert_not_null(out);
	free(link);
	return out;
}

/* ---- ids ---------------------------------------------------------------------------------- */

/* Every route that takes an id, with id in each id position; expects status a or b. */
static void expect_id_refused_everywhere(const struct hx_fx *fx, const char *id, long a, long b)
{
	char *paths[] = {
	        hx_fmt("/crm/customers/%s", id),
	        hx_fmt("/crm/customers/%s/crm-status", id),
	        hx_fmt("/crm/customers/%s/next-action", id),
	        hx_fmt("/crm/customers/%s/owner", id),
	        hx_fmt("/crm/customers/%s/owner/" OWNER, id),
	        hx_fmt("/crm/customers/%s/tags/vip", id),
	        hx_fmt("/crm/customers/by-owner/%s", id),
	        hx_fmt("/crm/customers/" HX_FIXTURE_ID "/owner/%s", id),
	};
	static const char *const methods[] = {"GET",   "PATCH", "PATCH", "DELETE",
	                                      "PATCH", "POST",  "GET",   "PATCH"};
	for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++) {
		expect_refused2(fx, methods[k], paths[k], a, b);
		free(paths[k]);
	}
}

Test(hostile_paths, rejects_ids_of_65_and_1000_characters_with_400)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxp-long", 0);
	/* LIMIT_ID_CHARS characters is still an id: an unknown one, 404 */
	char *id_max = hx_repeat("a", LIMIT_ID_CHARS);
	char *p_id_max = hx_fmt("/crm/customers/%s", id_max);
	expect_refused(&fx, "GET", p_id_max, 404);
	char *id_over = hx_repeat("a", LIMIT_ID_CHARS + 1), *id1000 = hx_repeat("a", 1000);
	expect_id_refused_everywhere(&fx, id_over, 400, 400);
	expect_id_refused_everywhere(&fx, id1000, 400, 400);
	/* a tag of one character too many and of 1,000 characters */
	char *tag_over = hx_repeat("t", LIMIT_TAG_CHARS + 1), *t1000 = hx_repeat("t", 1000);
	char *p_tag_over = hx_fmt("/crm/customers/" HX_FIXTURE_ID "/tags/%s", tag_over);
	char *pt1000 = hx_fmt("/crm/customers/" HX_FIXTURE_ID "/tags/%s", t1000);
	expect_refused(&fx, "POST", p_tag_over, 400);
	expect_refused(&fx, "POST", pt1000, 400);
	expect_refused(&fx, "DELETE", pt1000, 400);
	free(pt1000);
	free(p_tag_over);
	free(t1000);
	free(tag_over);
	free(id1000);
	free(id_over);
	free(p_id_max);
	free(id_max);
	hx_end(&fx);
}

/* A 10,000-character id makes the URI longer than the service reads (8 KiB): that is a 400
 * or 414 saying so, not a 404 claiming the path is outside the API. */
Test(hostile_paths, rejects_an_id_of_10000_characters_as_too_long_not_as_unknown)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxp-10k", 0);
	char *id = hx_repeat("a", 10000);
	expect_id_refused_everywhere(&fx, id, 400, 414);
	/* the same length in a query string */
	char *p = hx_fmt("/crm/customers/by-status/LEAD?cursor=%s", id);
	expect_refused2(&fx, "GET", p, 400, 414);
	free(p);
	free(id);
	hx_end(&fx);
}

Test(hostile_paths, rejects_nul_in_ids_tags_and_owners_with_400)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxp-nul", 0);
	static const char *const get_paths[] = {
	        "/crm/customers/%00",
	        "/crm/customers/" HX_FIXTURE_ID "%00",
	        "/crm/customers/%00" HX_FIXTURE_ID,
	        "/crm/customers/by-owner/" OWNER "%00",
	        "/crm/customers/by-status/LEAD%00",
	};
	for (size_t i = 0; i < sizeof(get_paths) / sizeof(get_paths[0]); i++)
		expect_refused(&fx, "GET", get_paths[i], 400);
	expect_refused(&fx, "PATCH", "/crm/customers/" HX_FIXTURE_ID "%00/crm-status", 400);
	expect_refused(&fx, "POST", "/crm/customers/" HX_FIXTURE_ID "/tags/vip%00", 400);
	expect_refused(&fx, "POST", "/crm/customers/" HX_FIXTURE_ID "/tags/%00", 400);
	expect_refused(&fx, "DELETE", "/crm/customers/" HX_FIXTURE_ID "/tags/Beta%00", 400);
	expect_refused(&fx, "PATCH", "/crm/customers/" HX_FIXTURE_ID "/owner/" OWNER "%00", 400);
	hx_end(&fx);
}

Test(hostile_paths, rejects_an_encoded_slash_inside_an_id)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxp-slash", 0);
	expect_refused(&fx, "GET", "/crm/customers/" HX_FIXTURE_ID "%2F", 400);
	expect_refused(&fx, "GET", "/crm/customers/%2F" HX_FIXTURE_ID, 400);
	expect_refused(&fx, "GET", "/crm/customers/x%2F..%2F" HX_FIXTURE_ID, 400);
	expect_refused(&fx, "GET", "/crm/customers/by-owner/" OWNER "%2Fx", 400);
	expect_refused(&fx, "PATCH", "/crm/customers/x%2F..%2F" HX_FIXTURE_ID "/crm-status", 400);
	expect_refused(&fx, "PATCH", "/crm/customers/" HX_FIXTURE_ID "%2fcrm-status/crm-status",
	               400);
	/* "c1%2Fcrm-status" is one segment: the read route, which does not take PATCH */
	expect_refused2(&fx, "PATCH", "/crm/customers/" HX_FIXTURE_ID "%2Fcrm-status", 400, 405);
	expect_refused(&fx, "PATCH", "/crm/customers/" HX_FIXTURE_ID "/owner/" OWNER "%2F..", 400);
	hx_end(&fx);
}

Test(hostile_paths, dot_segments_reach_no_customer_and_change_nothing)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxp-dots", 0);
	static const char *const reads[] = {
	        "/crm/customers/../customers/" HX_FIXTURE_ID,
	        "/crm/customers/./" HX_FIXTURE_ID,
	        "/crm/customers/%2E%2E/customers/" HX_FIXTURE_ID,
	        "/crm/customers/%2e/" HX_FIXTURE_ID,
	        "/crm/customers/" HX_FIXTURE_ID "/.",
	        "/crm/customers/" HX_FIXTURE_ID "/..",
	        "/crm/customers/" HX_FIXTURE_ID "/%2E%2E",
	        "/crm/customers/%2E%2E",
	        "/crm/customers/..",
	        "/crm/./customers/" HX_FIXTURE_ID,
	        "/crm/customers/x/../" HX_FIXTURE_ID,
	        "/crm/customers/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
	        "/crm/customers/by-owner/../" HX_FIXTURE_ID,
	};
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
		expect_refused2(&fx, "GET", reads[i], 400, 404);
	static const char *const writes[] = {
	        "/crm/customers/x/../" HX_FIXTURE_ID "/crm-status",
	        "/crm/customers/" HX_FIXTURE_ID "/./crm-status",
	        "/crm/customers/" HX_FIXTURE_ID "/%2E/crm-status",
	        "/crm/customers/%2E%2E/customers/" HX_FIXTURE_ID "/crm-status",
	        "/crm/customers/" HX_FIXTURE_ID "/x/../crm-status",
	        "/crm/customers/" HX_FIXTURE_ID "/crm-status/.",
	        "/crm/customers/" HX_FIXTURE_ID "/crm-status/..",
	};
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
		expect_refused2(&fx, "PATCH", writes[i], 400, 404);
	/* dot segments around the API prefix itself: nginx or the app refuses them */
	static const char *const targets[] = {
	        "/api/v1/../v1/crm/customers/" HX_FIXTURE_ID,
	        "/api/v1/crm/../crm/customers/" HX_FIXTURE_ID,
	        "/api/v2/../v1/crm/customers/" HX_FIXTURE_ID,
	        "/x/../api/v1/crm/customers/" HX_FIXTURE_ID,
	        "/api/v1/crm/customers/" HX_FIXTURE_ID "/../../../../../../etc/passwd",
	        "/api/v1/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
	        "/api/v1/crm/customers/" HX_FIXTURE_ID "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/x",
	};
	char *auth = hx_fmt("Authorization: Bearer %s", fx.token);
	const char *lines[] = {auth, NULL};
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		struct http *r = hx_send_target(HX_MAIN, "GET", targets[i], lines, NULL, 0);
		hx_assert_error2(r, 400, 404, targets[i]);
		cr_assert_null(strstr(r->body, HX_FIXTURE_NAME), "%s: shows customer data",
		               targets[i]);
		http_free(r);
	}
	free(auth);
	/* the positive control: the plain path serves the customer */
	struct http *r = send_path(&fx, "GET", "/crm/customers/" HX_FIXTURE_ID);
	hx_assert_ok_customer(r, "the plain path");
	http_free(r);
	hx_end(&fx);
}

Test(hostile_paths, rejects_non_utf8_percent_escapes_in_ids_tags_and_queries)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxp-utf8", 0);
	static const char *const bad[] = {"%FF",          "%C3%28", "%C0%AF", "%ED%A0%80",
	                                  "%F4%90%80%80", "%E2%82", "%80",    "%FE%FF"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *paths[] = {
		        hx_fmt("/crm/customers/%s", bad[i]),
		        hx_fmt("/crm/customers/" HX_FIXTURE_ID "%s", bad[i]),
		        hx_fmt("/crm/customers/by-owner/%s", bad[i]),
		        hx_fmt("/crm/customers/by-status/%s", bad[i]),
		        hx_fmt("/crm/customers/%s/crm-status", bad[i]),
		        hx_fmt("/crm/customers/" HX_FIXTURE_ID "/tags/%s", bad[i]),
		        hx_fmt("/crm/customers/" HX_FIXTURE_ID "/tags/vip%s", bad[i]),
		        hx_fmt("/crm/customers/" HX_FIXTURE_ID "/tags/%s", bad[i]),
		        hx_fmt("/crm/customers/" HX_FIXTURE_ID "/owner/%s", bad[i]),
		        hx_fmt("/crm/customers/by-status/LEAD?cursor=%s", bad[i]),
		        hx_fmt("/crm/customers/my?limit=%s", bad[i]),
		        hx_fmt("/crm/customers/my?%s=1", bad[i]),
		};
		const char *const methods[] = {"GET",  "GET",    "GET",   "GET", "PATCH", "POST",
		                               "POST", "DELETE", "PATCH", "GET", "GET",   "GET"};
		for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++) {
			expect_refused(&fx, methods[k], paths[k], 400);
			free(paths[k]);
		}
	}
	/* malformed escapes */
	static const char *const escapes[] = {"%", "%G0", "%2", "%%", "%0g", "c1%"};
	for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
		char *p1 = hx_fmt("/crm/customers/%s", escapes[i]);
		char *p2 = hx_fmt("/crm/customers/" HX_FIXTURE_ID "/tags/%s", escapes[i]);
		expect_refused(&fx, "GET", p1, 400);
		expect_refused(&fx, "POST", p2, 400);
		free(p1);
		free(p2);
	}
	/* the positive control: a well-formed UTF-8 escape makes a tag */
	struct http *r =
	        send_path(&fx, "POST", "/crm/customers/" HX_FIXTURE_ID "/tags/%C3%A9t%C3%A9");
	hx_assert_ok_customer(r, "tag \"\xc3\xa9t\xc3\xa9\"");
	const json_t *tags = json_object_get(r->json, "tags");
	int found = 0;
	for (size_t i = 0; i < json_array_size(tags); i++)
		found |= strcmp(json_string_value(json_array_get(tags, i)), "\xc3\xa9t\xc3\xa9") ==
		         0;
	cr_assert(found, "the tag \"\xc3\xa9t\xc3\xa9\" is not in %s", r->body);
	http_free(r);
	hx_end(&fx);
}

/* ---- query strings -------------------------------------------------------------------------- */

Test(hostile_paths, rejects_repeated_query_parameters_with_400)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxp-repeat", 0);
	import_list_customers(&fx);
	static const char *const lists[] = {"/crm/customers/by-status/LEAD",
	                                    "/crm/customers/by-owner/" OWNER, "/crm/customers/my",
	                                    "/crm/customers/overdue-actions"};
	static const char *const queries[] = {
	        "?limit=1&limit=2",   "?limit=1&limit=1",
	        "?cursor=x&cursor=x", "?limit=2&cursor=AAAA&limit=2",
	        "?limit=1&li%6Dit=2", "?limit=1&LIMIT=2",
	};
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
		for (size_t q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
			char *p = hx_fmt("%s%s", lists[l], queries[q]);
			expect_refused(&fx, "GET", p, 400);
			free(p);
		}
	/* the positive control: one limit works */
	struct http *r = expect_list(&fx, "/crm/customers/by-status/LEAD?limit=2", 2);
	http_free(r);
	hx_end(&fx);
}

Test(hostile_paths, rejects_empty_query_parameters_with_400_and_tolerates_empty_pairs)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxp-empty", 0);
	import_list_customers(&fx);
	static const char *const bad[] = {
	        "?limit=",         "?=5",      "?=",     "?limit",     "?cursor=",
	        "?limit=&cursor=", "?&limit=", "?%3D=1", "?limit=1&=", "?=&="};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *p = hx_fmt("/crm/customers/by-status/LEAD%s", bad[i]);
		expect_refused(&fx, "GET", p, 400);
		free(p);
	}
	/* "?", "?&" and stray '&'s hold no parameter (fcgi/uri.c tolerates them): the same list */
	struct http *plain = expect_list(&fx, "/crm/customers/by-status/LEAD", 5);
	static const char *const empty[] = {"?", "?&", "?&&&"};
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		char *p = hx_fmt("/crm/customers/by-status/LEAD%s", empty[i]);
		struct http *r = expect_list(&fx, p, 5);
		cr_assert(json_equal(r->json, plain->json), "%s: not the list without a query", p);
		http_free(r);
		free(p);
	}
	struct http *r = expect_list(&fx, "/crm/customers/by-status/LEAD?&&limit=1&", 1);
	http_free(r);
	http_free(plain);
	/* routes that take no parameters refuse any, also a write (which then changes nothing) */
	expect_refused(&fx, "GET", "/crm/customers/" HX_FIXTURE_ID "?limit=1", 400);
	expect_refused(&fx, "GET", "/crm/customers/" HX_FIXTURE_ID "?x=", 400);
	expect_refused(&fx, "PATCH", "/crm/customers/" HX_FIXTURE_ID "/crm-status?crmStatus=ACTIVE",
	               400);
	expect_refused(&fx, "POST", "/crm/customers/" HX_FIXTURE_ID "/tags/vip?force=1", 400);
	hx_end(&fx);
}

Test(hostile_paths, rejects_limits_out_of_range_or_not_a_number_with_400)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxp-limit", 0);
	import_list_customers(&fx);
	char below[16], above[16];
	snprintf(below, sizeof(below), "%d", LIMIT_PAGE_MIN - 1);
	snprintf(above, sizeof(above), "%d", LIMIT_PAGE_MAX + 1);
	const char *const bad[] = {
	        below,   above,    "99999999999999999999",
	        "-1",    "1.5",    "1e3",
	        "%201",  "+1",     "%2B1",
	        "0x10",  "%D9%A1", "1%00",
	        "1%20",  "1,2",    "one",
	        "10000", "-0",     "1%0A",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *p1 = hx_fmt("/crm/customers/by-status/LEAD?limit=%s", bad[i]);
		char *p2 = hx_fmt("/crm/customers/my?limit=%s", bad[i]);
		char *p3 = hx_fmt("/crm/customers/overdue-actions?limit=%s", bad[i]);
		expect_refused(&fx, "GET", p1, 400);
		expect_refused(&fx, "GET", p2, 400);
		expect_refused(&fx, "GET", p3, 400);
		free(p1);
		free(p2);
		free(p3);
	}
	/* the bounds themselves are fine */
	struct http *r =
	        expect_list(&fx, "/crm/customers/by-status/LEAD?limit=" LIMIT_PAGE_MAX_TEXT, 5);
	char *link = http_header(r, "Link");
	cr_assert_null(link,
	               "limit=" LIMIT_PAGE_MAX_TEXT " over 5 customers needs no next page: %s",
	               link);
	http_free(r);
	r = expect_list(&fx, "/crm/customers/by-status/LEAD?limit=1", 1);
	char *cursor = cursor_of(r, "limit=1");
	free(cursor);
	http_free(r);
	hx_end(&fx);
}

Test(hostile_paths, rejects_forged_truncated_or_borrowed_cursors_with_400)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxp-cursor", 0);
	import_list_customers(&fx);
	struct http *first = expect_list(&fx, "/crm/customers/by-status/LEAD?limit=1", 1);
	char *cursor = cursor_of(first, "by-status/LEAD page 1");
	size_t len = strlen(cursor);
	cr_assert(len >= 8, "the cursor '%s' is too short to tamper with", cursor);
	/* the positive control: the cursor as given leads to page 2, another customer */
	char *next = hx_fmt("/crm/customers/by-status/LEAD?limit=1&cursor=%s", cursor);
	struct http *second = expect_list(&fx, next, 1);
	cr_assert_str_neq(hx_str(json_array_get(second->json, 0), "id"),
	                  hx_str(json_array_get(first->json, 0), "id"), "page 2 repeats page 1");
	http_free(second);
	free(next);

	/* every single character changed */
	for (size_t i = 0; i < len; i++) {
		char *t = hx_strdup(cursor);
		t[i] = t[i] == 'A' ? 'B' : 'A';
		char *p = hx_fmt("/crm/customers/by-status/LEAD?limit=1&cursor=%s", t);
		expect_refused(&fx, "GET", p, 400);
		free(p);
		free(t);
	}
	/* cut short */
	const size_t cuts[] = {len / 2, len - 1, len - 2, len - 4, 1};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		char *p = hx_fmt("/crm/customers/by-status/LEAD?limit=1&cursor=%.*s", (int)cuts[i],
		                 cursor);
		expect_refused(&fx, "GET", p, 400);
		free(p);
	}
	/* made up: random base64url, huge, padded, standard base64, doubled */
	char random_cursor[65];
	unsigned seed = 12345;
	static const char alphabet[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	for (int round = 0; round < 20; round++) {
		size_t n = 8 + (size_t)(rand_r(&seed) % 56);
		for (size_t i = 0; i < n; i++)
			random_cursor[i] = alphabet[rand_r(&seed) % 64];
		random_cursor[n] = '\0';
		char *p = hx_fmt("/crm/customers/by-status/LEAD?cursor=%s", random_cursor);
		expect_refused(&fx, "GET", p, 400);
		free(p);
	}
	char *huge = hx_repeat("A", 2000), *huger = hx_repeat("QUFB", 2000);
	char *extra[] = {
	        hx_fmt("%s", huge),
	        hx_fmt("%s", huger),
	        hx_fmt("%s==", cursor),
	        hx_fmt("%s%%3D", cursor),
	        hx_fmt("%s%s", cursor, cursor),
	        hx_fmt("%s.", cursor),
	        hx_fmt("+%s", cursor),
	        hx_fmt("%s%%00", cursor),
	        hx_fmt("%%2F%s", cursor),
	};
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		char *p = hx_fmt("/crm/customers/by-status/LEAD?limit=1&cursor=%s", extra[i]);
		expect_refused(&fx, "GET", p, 400);
		free(p);
		free(extra[i]);
	}
	free(huge);
	free(huger);
	/* borrowed: a valid cursor of another list */
	char *owner_token = token_for(OWNER, fx.tenant, HX_SCOPE_WRITE);
	char *borrowed_on[] = {
	        hx_fmt("/crm/customers/by-status/PROSPECT?limit=1&cursor=%s", cursor),
	        hx_fmt("/crm/customers/by-status/ACTIVE?cursor=%s", cursor),
	        hx_fmt("/crm/customers/by-owner/" OWNER "?limit=1&cursor=%s", cursor),
	        hx_fmt("/crm/customers/my?limit=1&cursor=%s", cursor),
	        hx_fmt("/crm/customers/overdue-actions?limit=1&cursor=%s", cursor),
	};
	for (size_t i = 0; i < sizeof(borrowed_on) / sizeof(borrowed_on[0]); i++) {
		struct http *r = hx_call(HX_MAIN, "GET", borrowed_on[i], owner_token, NULL, NULL);
		hx_assert_error(r, 400, borrowed_on[i]);
		http_free(r);
		free(borrowed_on[i]);
	}
	struct http *by_owner = expect_list(&fx, "/crm/customers/by-owner/" OWNER "?limit=1", 1);
	char *owner_cursor = cursor_of(by_owner, "by-owner page 1");
	char *p = hx_fmt("/crm/customers/by-status/LEAD?limit=1&cursor=%s", owner_cursor);
	expect_refused(&fx, "GET", p, 400);
	free(p);
	p = hx_fmt("/crm/customers/by-owner/someone-else?limit=1&cursor=%s", owner_cursor);
	expect_refused(&fx, "GET", p, 400);
	free(p);
	free(owner_cursor);
	http_free(by_owner);
	free(owner_token);
	free(cursor);
	http_free(first);
	hx_end(&fx);
}

Test(hostile_paths, rejects_too_many_segments_or_parameters_and_overlong_uris)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxp-many", 0);
	char *segs = hx_repeat("/x", 40);
	char *p = hx_fmt("/crm/customers%s", segs);
	expect_refused2(&fx, "GET", p, 400, 404);
	free(p);
	free(segs);
	struct hx_bytes q = {0};
	hx_adds(&q, "/crm/customers/by-status/LEAD?limit=1");
	for (int i = 0; i < 40; i++) {
		char kv[32];
		snprintf(kv, sizeof(kv), "&p%d=1", i);
		hx_adds(&q, kv);
	}
	expect_refused(&fx, "GET", q.data, 400);
	free(q.data);
	/* beyond nginx's request-line buffer: 414 from nginx, in the error shape */
	char *id = hx_repeat("a", 40000);
	p = hx_fmt("/crm/customers/%s", id);
	expect_refused2(&fx, "GET", p, 414, 400);
	free(p);
	p = hx_fmt("/crm/customers/" HX_FIXTURE_ID "/crm-status?x=%s", id);
	expect_refused2(&fx, "PATCH", p, 414, 400);
	free(p);
	free(id);
	hx_end(&fx);
}

/* ---- methods ------------------------------------------------------------------------------ */

/* method on path: 405 with an Allow that lists want and not method, or 400; nothing changed. */
static void expect_method_refused(const struct hx_fx *fx, const char *method, const char *path,
                                  const char *want)
{
	char *what = hx_fmt("%.40s%s %s", method, strlen(method) > 40 ? "..." : "", path);
	struct http *r = hx_call(HX_MAIN, method, path, fx->token, HX_JSON, STATUS_BODY);
	hx_assert_error2(r, 405, 400, what);
	if (r->status == 405) {
		char *allow = http_header(r, "Allow");
		cr_assert_not_null(allow, "%s: a 405 needs an Allow header", what);
		int found = 0, has_method = 0;
		char *copy = hx_strdup(allow), *save = NULL;
		for (char *tok = strtok_r(copy, ", ", &save); tok != NULL;
		     tok = strtok_r(NULL, ", ", &save)) {
			found |= strcmp(tok, want) == 0;
			has_method |= strcmp(tok, method) == 0;
		}
		cr_assert(found, "%s: Allow '%s' does not list %s", what, allow, want);
		cr_assert(!has_method, "%s: Allow '%s' lists the refused method", what, allow);
		free(copy);
		free(allow);
	}
	hx_assert_unchanged(fx, what);
	http_free(r);
	free(what);
}

Test(hostile_paths, unknown_methods_get_405_with_allow_or_400)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxp-methods", 0);
	char *long_method = hx_repeat("M", 100);
	const char *const methods[] = {"PUT",      "OPTIONS", "BREW",  "PROPFIND",
	                               "M-SEARCH", "get",     "Patch", "PATCHX",
	                               "HEAD_",    "DELETE",  "POST",  long_method};
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		expect_method_refused(&fx, methods[i],
		                      "/crm/customers/" HX_FIXTURE_ID "/crm-status", "PATCH");
		if (strcmp(methods[i], "DELETE") != 0 && strcmp(methods[i], "POST") != 0)
			expect_method_refused(&fx, methods[i], "/crm/customers/" HX_FIXTURE_ID,
			                      "GET");
	}
	free(long_method);
	hx_end(&fx);
}

Test(hostile_paths, trace_and_connect_get_405_with_allow_in_the_error_shape)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxp-trace", 0);
	expect_method_refused(&fx, "TRACE", "/crm/customers/" HX_FIXTURE_ID, "GET");
	expect_method_refused(&fx, "TRACE", "/crm/customers/" HX_FIXTURE_ID "/crm-status", "PATCH");
	expect_method_refused(&fx, "CONNECT", "/crm/customers/" HX_FIXTURE_ID, "GET");
	hx_end(&fx);
}
