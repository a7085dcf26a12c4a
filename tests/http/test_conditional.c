/* test_conditional: strong ETags, If-None-Match (304) and If-Match (412) through nginx (RFC 9110). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/http/client.h"
#include "tests/http/test_write_helpers.h"

#define OWNER "u-owner"
#define NA    "{\"nextAction\":\"Call back\",\"nextActionDueDate\":null}"

/* method path with one extra header line ("If-Match: ..."; NULL: none). */
static struct http *send1(const char *method, const char *path, const char *token,
                          const char *content_type, const char *body, const char *header)
{
	const char *extra[2] = {header, NULL};
	return http_do(method, path, token, content_type, body, header ? extra : NULL);
}

/* The ETag of r (malloc'd); asserts it is there and a quoted strong tag. */
static char *etag_of_answer(const struct http *r, const char *what)
{
	char *tag = http_header(r, "ETag");
	cr_assert_not_null(tag, "%s: no ETag (%ld)", what, r->status);
	size_t n = strlen(tag);
	cr_assert(n >= 2 && tag[0] == '"' && tag[n - 1] == '"', "%s: ETag not quoted: %s", what,
	          tag);
	return tag;
}

/* "Name: value" in buf. */
static const char *line(char *buf, size_t cap, const char *name, const char *value)
{
	snprintf(buf, cap, "%s: %s", name, value);
	return buf;
}

/* A tenant with OWNER, customer c1 owned by OWNER with one opportunity, and c2. */
static char *fixture(char *tenant, size_t cap, const char *prefix)
{
	fresh_tenant(prefix, tenant, cap);
	json_t *c1 = wh_customer("c1", "LEAD");
	json_object_set_new(c1, "ownerId", json_string(OWNER));
	wh_import(tenant, json_pack("{s:[{s:s,s:s,s:s}],s:[o,o],s:[o]}", "users", "id", OWNER,
	                            "username", "owner", "displayName", "Olga Owner", "customers",
	                            c1, wh_customer("c2", "LEAD"), "opportunities",
	                            sample_opportunity("opp-1", "c1", "2024-04-01T08:00:00Z")));
	return wh_token(tenant);
}

static char *get_tag(const char *path, const char *tok)
{
	struct http *r = http_get(path, tok);
	cr_assert_eq(r->status, 200, "GET %s: %ld %s", path, r->status, r->body);
	char *tag = etag_of_answer(r, path);
	http_free(r);
	return tag;
}

/* ---- the tag -------------------------------------------------------------- */

Test(conditional, get_and_head_carry_the_same_quoted_etag)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-head");
	struct http *g = http_get("/crm/customers/c1", tok);
	struct http *h = http_do("HEAD", "/crm/customers/c1", tok, NULL, NULL, NULL);
	cr_assert_eq(g->status, 200);
	cr_assert_eq(h->status, 200);
	char *a = etag_of_answer(g, "GET"), *b = etag_of_answer(h, "HEAD");
	cr_assert_str_eq(a, b);
	free(a);
	free(b);
	http_free(g);
	http_free(h);
	free(tok);
}

Test(conditional, equal_bodies_have_equal_etags)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-equal");
	struct http *a = http_get("/crm/customers/c1", tok);
	struct http *b = http_get("/crm/customers/c1", tok);
	cr_assert_str_eq(a->body, b->body);
	char *ta = etag_of_answer(a, "first"), *tb = etag_of_answer(b, "second");
	cr_assert_str_eq(ta, tb);
	char *t2 = get_tag("/crm/customers/c2", tok);
	cr_assert_str_neq(ta, t2, "two customers, one tag");
	free(ta);
	free(tb);
	free(t2);
	http_free(a);
	http_free(b);
	free(tok);
}

Test(conditional, every_change_answers_with_the_etag_of_its_body)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-changes");
	wh_import_user(tenant, "u-other", "other", "Otto Other", 1);
	struct http *r[6];
	r[0] = wh_set_status(tok, "c1", "{\"crmStatus\":\"PROSPECT\"}");
	r[1] = wh_set_next_action(tok, "c1", NA);
	r[2] = wh_set_owner(tok, "c1", "u-other");
	r[3] = wh_clear_owner(tok, "c1");
	r[4] = wh_add_tag(tok, "c1", "vip");
	r[5] = wh_remove_tag(tok, "c1", "vip");
	for (int i = 0; i < 6; i++) {
		cr_assert_eq(r[i]->status, 200, "change %d: %ld %s", i, r[i]->status, r[i]->body);
		char *tag = etag_of_answer(r[i], "change");
		struct http *g = http_get("/crm/customers/c1", tok);
		char *now = etag_of_answer(g, "GET after");
		if (strcmp(g->body, r[i]->body) == 0)
			cr_assert_str_eq(tag, now, "change %d: same body, other tag", i);
		free(now);
		free(tag);
		http_free(g);
	}
	/* the last answer is the current state */
	struct http *g = http_get("/crm/customers/c1", tok);
	cr_assert_str_eq(g->body, r[5]->body);
	http_free(g);
	for (int i = 0; i < 6; i++)
		http_free(r[i]);
	free(tok);
}

Test(conditional, the_etag_changes_with_a_change)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-after");
	char *before = get_tag("/crm/customers/c1", tok);
	struct http *r = wh_add_tag(tok, "c1", "fresh");
	cr_assert_eq(r->status, 200);
	char *answer = etag_of_answer(r, "change");
	char *after = get_tag("/crm/customers/c1", tok);
	cr_assert_str_neq(before, after);
	cr_assert_str_eq(answer, after);
	free(before);
	free(answer);
	free(after);
	http_free(r);
	free(tok);
}

Test(conditional, the_etag_changes_when_an_import_renames_the_owner)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-owner");
	char *before = get_tag("/crm/customers/c1", tok);
	wh_import_user(tenant, OWNER, "owner", "Olga Renamed", 1);
	char *after = get_tag("/crm/customers/c1", tok);
	cr_assert_str_neq(before, after);
	char *other = get_tag("/crm/customers/c2", tok);
	free(before);
	free(after);
	free(other);
	free(tok);
}

Test(conditional, the_etag_changes_when_an_import_changes_an_opportunity)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-opp");
	char *c2_before = get_tag("/crm/customers/c2", tok);
	char *before = get_tag("/crm/customers/c1", tok);
	json_t *opp = sample_opportunity("opp-1", "c1", "2024-04-01T08:00:00Z");
	json_object_set_new(opp, "description", json_string("Roof renovation, phase 2"));
	wh_import(tenant, json_pack("{s:[o]}", "opportunities", opp));
	char *after = get_tag("/crm/customers/c1", tok);
	cr_assert_str_neq(before, after);
	char *c2_after = get_tag("/crm/customers/c2", tok);
	cr_assert_str_eq(c2_before, c2_after, "another customer's tag stays");
	free(before);
	free(after);
	free(c2_before);
	free(c2_after);
	free(tok);
}

Test(conditional, list_pages_carry_an_etag_that_changes_with_the_list)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-list");
	const char *const lists[] = {"/crm/customers/by-status/LEAD",
	                             "/crm/customers/by-owner/" OWNER,
	                             "/crm/customers/overdue-actions", "/crm/customers/my"};
	for (size_t i = 0; i < 4; i++) {
		char *a = get_tag(lists[i], tok), *b = get_tag(lists[i], tok);
		cr_assert_str_eq(a, b, "%s", lists[i]);
		free(a);
		free(b);
	}
	char *before = get_tag(lists[0], tok);
	struct http *r = wh_add_tag(tok, "c2", "listed");
	cr_assert_eq(r->status, 200);
	char *after = get_tag(lists[0], tok);
	cr_assert_str_neq(before, after);
	free(before);
	free(after);
	http_free(r);
	free(tok);
}

/* ---- If-None-Match ---------------------------------------------------------- */

static void assert_304(const char *path, const char *tok, const char *inm, const char *tag)
{
	char h[256];
	struct http *r =
	        send1("GET", path, tok, NULL, NULL, line(h, sizeof(h), "If-None-Match", inm));
	cr_assert_eq(r->status, 304, "%s with If-None-Match %s: %ld %s", path, inm, r->status,
	             r->body);
	cr_assert_eq(r->body_len, 0, "a 304 has no body: %s", r->body);
	char *type = http_header(r, "Content-Type"), *cache = http_header(r, "Cache-Control");
	cr_assert_null(type, "a 304 has no Content-Type: %s", type);
	cr_assert_not_null(cache, "a 304 keeps Cache-Control");
	cr_assert_str_eq(cache, "no-store");
	free(cache);
	char *again = etag_of_answer(r, "304");
	cr_assert_str_eq(again, tag);
	free(again);
	http_free(r);
}

static void assert_200(const char *path, const char *tok, const char *inm)
{
	char h[256];
	struct http *r =
	        send1("GET", path, tok, NULL, NULL, line(h, sizeof(h), "If-None-Match", inm));
	cr_assert_eq(r->status, 200, "%s with If-None-Match %s: %ld", path, inm, r->status);
	cr_assert_not_null(r->json, "a 200 with its body");
	free(etag_of_answer(r, "200"));
	http_free(r);
}

Test(conditional, if_none_match_naming_the_current_tag_is_304_without_body)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-inm");
	char *tag = get_tag("/crm/customers/c1", tok);
	char list[128];
	assert_304("/crm/customers/c1", tok, tag, tag);
	assert_304("/crm/customers/c1", tok, "*", tag);
	snprintf(list, sizeof(list), "W/%s", tag);
	assert_304("/crm/customers/c1", tok, list, tag);
	snprintf(list, sizeof(list), "\"old\", %s", tag);
	assert_304("/crm/customers/c1", tok, list, tag);
	free(tag);
	free(tok);
}

Test(conditional, head_with_the_current_tag_is_304)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-inm-head");
	char *tag = get_tag("/crm/customers/c1", tok);
	char h[128];
	struct http *r = send1("HEAD", "/crm/customers/c1", tok, NULL, NULL,
	                       line(h, sizeof(h), "If-None-Match", tag));
	cr_assert_eq(r->status, 304);
	http_free(r);
	free(tag);
	free(tok);
}

Test(conditional, if_none_match_with_a_stale_or_malformed_tag_is_200_with_body)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-inm-stale");
	char *tag = get_tag("/crm/customers/c1", tok);
	struct http *r = wh_add_tag(tok, "c1", "stale");
	cr_assert_eq(r->status, 200);
	http_free(r);
	assert_200("/crm/customers/c1", tok, tag);
	assert_200("/crm/customers/c1", tok, "\"nope\"");
	char unquoted[64];
	snprintf(unquoted, sizeof(unquoted), "%.*s", (int)strlen(tag) - 2, tag + 1);
	assert_200("/crm/customers/c1", tok, unquoted);
	assert_200("/crm/customers/c1", tok, "*, \"x\"");
	free(tag);
	free(tok);
}

Test(conditional, if_none_match_on_a_list_page)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-inm-list");
	const char *path = "/crm/customers/by-status/LEAD";
	char *tag = get_tag(path, tok);
	assert_304(path, tok, tag, tag);
	assert_304(path, tok, "*", tag);
	struct http *r = wh_add_tag(tok, "c1", "moved");
	cr_assert_eq(r->status, 200);
	http_free(r);
	assert_200(path, tok, tag);
	free(tag);
	free(tok);
}

Test(conditional, if_none_match_on_an_unknown_customer_is_404)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-inm-404");
	struct http *r = send1("GET", "/crm/customers/nobody", tok, NULL, NULL, "If-None-Match: *");
	assert_error_body(r, 404);
	http_free(r);
	free(tok);
}

/* ---- If-Match ------------------------------------------------------------------ */

static struct http *patch_na(const char *tok, const char *if_match)
{
	char h[512];
	return send1("PATCH", "/crm/customers/c1/next-action", tok, WH_JSON, NA,
	             if_match ? line(h, sizeof(h), "If-Match", if_match) : NULL);
}

/* Asserts a 412 and nothing changed (row byte for byte, no event). */
static void assert_412_unchanged(const char *tenant, const char *tok, const char *if_match)
{
	char *row = wh_row(tenant, "c1");
	long events = wh_db_events(tenant, "c1");
	struct http *r = patch_na(tok, if_match);
	assert_error_body(r, 412);
	cr_assert(strstr(r->body, "If-Match") != NULL, "the detail names If-Match: %s", r->body);
	wh_assert_row_unchanged(tenant, "c1", row, "after a 412");
	cr_assert_eq(wh_db_events(tenant, "c1"), events, "no event");
	free(row);
	http_free(r);
}

Test(conditional, if_match_with_the_current_tag_applies_the_change)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-im");
	char *tag = get_tag("/crm/customers/c1", tok);
	struct http *r = patch_na(tok, tag);
	wh_assert_ok(r, "If-Match current");
	cr_assert_str_eq(wh_str(r->json, "nextAction"), "Call back");
	char *next = etag_of_answer(r, "answer");
	cr_assert_str_neq(next, tag);
	free(next);
	free(tag);
	http_free(r);
	free(tok);
}

Test(conditional, if_match_with_a_stale_tag_is_412_and_changes_nothing)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-im-stale");
	char *tag = get_tag("/crm/customers/c1", tok);
	struct http *r = wh_add_tag(tok, "c1", "meanwhile");
	cr_assert_eq(r->status, 200);
	http_free(r);
	assert_412_unchanged(tenant, tok, tag);
	assert_412_unchanged(tenant, tok, "\"never-was\"");
	free(tag);
	free(tok);
}

Test(conditional, if_match_with_the_weak_form_of_the_current_tag_is_412)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-im-weak");
	char *tag = get_tag("/crm/customers/c1", tok);
	char weak[128];
	snprintf(weak, sizeof(weak), "W/%s", tag);
	assert_412_unchanged(tenant, tok, weak);
	free(tag);
	free(tok);
}

Test(conditional, if_match_malformed_is_412)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-im-bad");
	char *tag = get_tag("/crm/customers/c1", tok);
	char bad[128];
	snprintf(bad, sizeof(bad), "%.*s", (int)strlen(tag) - 2, tag + 1); /* unquoted */
	assert_412_unchanged(tenant, tok, bad);
	snprintf(bad, sizeof(bad), "%s \"x\"", tag); /* no comma */
	assert_412_unchanged(tenant, tok, bad);
	snprintf(bad, sizeof(bad), "*, %s", tag);
	assert_412_unchanged(tenant, tok, bad);
	free(tag);
	free(tok);
}

Test(conditional, if_match_star_or_a_list_naming_the_tag_applies)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-im-star");
	struct http *r = patch_na(tok, "*");
	wh_assert_ok(r, "If-Match *");
	http_free(r);
	char *tag = get_tag("/crm/customers/c1", tok);
	char list[256];
	snprintf(list, sizeof(list), "\"a\", W/\"b\" ,%s, \"c\"", tag);
	char h[512];
	r = send1("POST", "/crm/customers/c1/tags/listed", tok, NULL, NULL,
	          line(h, sizeof(h), "If-Match", list));
	wh_assert_ok(r, "If-Match list");
	http_free(r);
	free(tag);
	free(tok);
}

/* nginx takes If-Match and If-None-Match as single-line headers: a second
 * line is its 400, and the service never sees the request. */
Test(conditional, two_if_match_lines_are_refused_and_change_nothing)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-im-lines");
	char *tag = get_tag("/crm/customers/c1", tok);
	char h[128];
	char *row = wh_row(tenant, "c1");
	const char *both[] = {"If-Match: \"stale\"", line(h, sizeof(h), "If-Match", tag), NULL};
	struct http *r = http_do("PATCH", "/crm/customers/c1/next-action", tok, WH_JSON, NA, both);
	cr_assert_eq(r->status, 400, "two If-Match lines: %ld %s", r->status, r->body);
	wh_assert_row_unchanged(tenant, "c1", row, "two If-Match lines");
	http_free(r);
	free(row);
	free(tag);
	free(tok);
}

Test(conditional, two_if_none_match_lines_are_refused)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-inm-lines");
	char *tag = get_tag("/crm/customers/c1", tok);
	char h[128];
	const char *both[] = {"If-None-Match: \"old\"", line(h, sizeof(h), "If-None-Match", tag),
	                      NULL};
	struct http *r = http_do("GET", "/crm/customers/c1", tok, NULL, NULL, both);
	cr_assert_eq(r->status, 400, "two If-None-Match lines: %ld", r->status);
	http_free(r);
	free(tag);
	free(tok);
}

Test(conditional, each_of_the_six_changes_honours_if_match)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-im-six");
	wh_import_user(tenant, "u-other", "other", "Otto Other", 1);
	struct {
		const char *method, *tail, *ct, *body;
	} ch[6] = {
	        {"PATCH", "crm-status", WH_JSON, "{\"crmStatus\":\"PROSPECT\"}"},
	        {"PATCH", "next-action", WH_JSON, NA},
	        {"PATCH", "owner/u-other", NULL, NULL},
	        {"DELETE", "owner", NULL, NULL},
	        {"POST", "tags/six", NULL, NULL},
	        {"DELETE", "tags/six", NULL, NULL},
	};
	for (int i = 0; i < 6; i++) {
		char path[128], h[128];
		snprintf(path, sizeof(path), "/crm/customers/c1/%s", ch[i].tail);
		char *row = wh_row(tenant, "c1");
		struct http *r =
		        send1(ch[i].method, path, tok, ch[i].ct, ch[i].body, "If-Match: \"stale\"");
		assert_error_body(r, 412);
		wh_assert_row_unchanged(tenant, "c1", row, ch[i].tail);
		http_free(r);
		free(row);
		char *tag = get_tag("/crm/customers/c1", tok);
		r = send1(ch[i].method, path, tok, ch[i].ct, ch[i].body,
		          line(h, sizeof(h), "If-Match", tag));
		wh_assert_ok(r, ch[i].tail);
		free(etag_of_answer(r, ch[i].tail));
		http_free(r);
		free(tag);
	}
	free(tok);
}

Test(conditional, without_if_match_a_change_goes_ahead)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-im-none");
	struct http *r = patch_na(tok, NULL);
	wh_assert_ok(r, "no If-Match");
	http_free(r);
	free(tok);
}

Test(conditional, an_unknown_customer_is_404_whatever_if_match_says)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-im-404");
	const char *const forms[] = {"If-Match: \"stale\"", "If-Match: *", "If-Match: bad"};
	for (int i = 0; i < 3; i++) {
		struct http *r = send1("PATCH", "/crm/customers/nobody/next-action", tok, WH_JSON,
		                       NA, forms[i]);
		assert_error_body(r, 404);
		http_free(r);
	}
	free(tok);
}

/* ---- If-Match under contention ------------------------------------------------ */

struct racer {
	pthread_barrier_t *start;
	const char *token;
	const char *header;
	long status;
};

static void *racer_run(void *arg)
{
	struct racer *c = arg;
	pthread_barrier_wait(c->start);
	const char *extra[2] = {c->header, NULL};
	struct http *r =
	        http_do("PATCH", "/crm/customers/c1/next-action", c->token, WH_JSON, NA, extra);
	c->status = r->status;
	http_free(r);
	return NULL;
}

#define RACERS 16

Test(conditional, sixteen_clients_with_one_if_match_tag_one_wins_fifteen_get_412)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "cond-race");
	char *tag = get_tag("/crm/customers/c1", tok);
	char h[128];
	line(h, sizeof(h), "If-Match", tag);
	long events = wh_db_events(tenant, "c1");
	struct racer r[RACERS];
	pthread_t th[RACERS];
	pthread_barrier_t start;
	cr_assert_eq(pthread_barrier_init(&start, NULL, RACERS), 0);
	for (int i = 0; i < RACERS; i++) {
		r[i] = (struct racer){&start, tok, h, 0};
		cr_assert_eq(pthread_create(&th[i], NULL, racer_run, &r[i]), 0);
	}
	for (int i = 0; i < RACERS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	int ok = 0, refused = 0;
	for (int i = 0; i < RACERS; i++) {
		ok += r[i].status == 200;
		refused += r[i].status == 412;
	}
	cr_assert_eq(ok, 1, "exactly one 200 (%d)", ok);
	cr_assert_eq(refused, RACERS - 1, "the others 412 (%d)", refused);
	cr_assert_eq(wh_db_events(tenant, "c1"), events + 1, "exactly one new event");
	char *type = wh_db_last_event_type(tenant, "c1");
	cr_assert_str_eq(type, "NEXT_ACTION");
	free(type);
	free(tag);
	free(tok);
}
