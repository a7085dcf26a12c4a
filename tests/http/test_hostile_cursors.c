/* test_hostile_cursors: paging cursors replayed where they do not belong — another tenant, user, list or key is a 400 — and cursors that show nothing of the rows they point at. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "conf/config.h"
#include "handlers/handlers.h"
#include "lib/b64url.h"
#include "tests/http/client.h"
#include "tests/http/test_read_helpers.h"

#define U1 "u-cursor-one"
#define U2 "u-cursor-two"

/*
 * Six customers, every one overdue; the same document goes into every tenant
 * of a test, so a position taken from one tenant exists in the other.
 *   by-status/LEAD:  cq-l1 cq-l2 cq-l3 cq-l4 (Alpha, Bravo, Charlie, Delta)
 *   /my of U1:       cq-l1 cq-l3 cq-a1        /my of U2: cq-l2 cq-l4 cq-a2
 *   overdue:         cq-a2 cq-l4 cq-a1 cq-l3 cq-l2 cq-l1 (earliest due first)
 */
static const char *const rows[][5] = {
        {"cq-l1", "Cursor Alpha Lead", U1, "LEAD", "2021-06-06T00:00:00Z"},
        {"cq-l2", "Cursor Bravo Lead", U2, "LEAD", "2021-05-05T00:00:00Z"},
        {"cq-l3", "Cursor Charlie Lead", U1, "LEAD", "2021-04-04T00:00:00Z"},
        {"cq-l4", "Cursor Delta Lead", U2, "LEAD", "2021-02-02T00:00:00Z"},
        {"cq-a1", "Cursor Echo Active", U1, "ACTIVE", "2021-03-03T00:00:00Z"},
        {"cq-a2", "Cursor Foxtrot Active", U2, "ACTIVE", "2021-01-01T00:00:00Z"},
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

#define LEAD_ORDER    "cq-l1,cq-l2,cq-l3,cq-l4"
#define MY_U1_ORDER   "cq-l1,cq-l3,cq-a1"
#define OVERDUE_ORDER "cq-a2,cq-l4,cq-a1,cq-l3,cq-l2,cq-l1"

/* A fresh tenant holding the six customers and both users; its id goes to out. */
static void cursor_tenant(const char *prefix, char *out, size_t cap)
{
	fresh_tenant(prefix, out, cap);
	json_t *cs = json_array();
	for (size_t i = 0; i < NROWS; i++)
		json_array_append_new(cs, rh_customer(rows[i][0], rows[i][1], rows[i][2],
		                                      rows[i][3], "Call back", rows[i][4]));
	rh_import(out,
	          json_pack("{s:[{s:s,s:s,s:s},{s:s,s:s,s:s}],s:o}", "users", "id", U1, "username",
	                    "cursor-one", "displayName", "Cursor One", "id", U2, "username",
	                    "cursor-two", "displayName", "Cursor Two", "customers", cs));
}

/* The next-page path of path?limit=1 for token (malloc'd); asserts page 1 holds first_id. */
static char *page_two_path(const char *path, const char *token, const char *first_id)
{
	struct http *r = rh_getf(token, "%s?limit=1", path);
	rh_assert_ok_array(r, path);
	cr_assert_eq(json_array_size(r->json), 1, "%s?limit=1: %s", path, r->body);
	cr_assert_str_eq(rh_str(json_array_get(r->json, 0), "id"), first_id, "%s page 1", path);
	char *next = rh_next_path(r);
	cr_assert_not_null(next, "%s?limit=1: no Link to page 2", path);
	http_free(r);
	return next;
}

/* The cursor in a next-page path (malloc'd). */
static char *cursor_in(const char *next)
{
	const char *c = strstr(next, "cursor=");
	cr_assert_not_null(c, "no cursor in %s", next);
	c += strlen("cursor=");
	char *out = strndup(c, strcspn(c, "&"));
	cr_assert_not_null(out, "out of memory");
	return out;
}

/* path with ?limit=1&cursor=cursor. */
static struct http *get_with_cursor(const char *path, const char *cursor, const char *token)
{
	return rh_getf(token, "%s?limit=1&cursor=%s", path, cursor);
}

/* A 400 naming the cursor and the Link header, in the error shape, showing none of the rows. */
static void expect_cursor_refused(struct http *r, const char *what)
{
	rh_assert_error(r, 400, "cursor is not valid for this list", what);
	cr_assert_not_null(strcasestr(rh_str(r->json, "detail"), "Link header"),
	                   "%s: the detail does not point at the Link header: %s", what, r->body);
	for (size_t i = 0; i < NROWS; i++) {
		cr_assert_null(strstr(r->body, rows[i][0]), "%s: the answer shows id %s: %s", what,
		               rows[i][0], r->body);
		cr_assert_null(strstr(r->body, rows[i][1]), "%s: the answer shows '%s': %s", what,
		               rows[i][1], r->body);
	}
	http_free(r);
}

/* A 200 page of exactly the id want. */
static void expect_page(struct http *r, const char *want, const char *what)
{
	rh_assert_ok_array(r, what);
	cr_assert_eq(json_array_size(r->json), 1, "%s: %s", what, r->body);
	cr_assert_str_eq(rh_str(json_array_get(r->json, 0), "id"), want, "%s", what);
	http_free(r);
}

/* ---- bound to the tenant ------------------------------------------------------------- */

Test(cursors, a_cursor_of_another_tenant_is_400_where_the_same_position_exists)
{
	char a[80], b[80];
	cursor_tenant("cur-ten-a", a, sizeof(a));
	cursor_tenant("cur-ten-b", b, sizeof(b));
	char *ta = rh_token(U1, a), *tb = rh_token(U1, b);
	const char *path = "/crm/customers/by-status/LEAD";
	char *next_a = page_two_path(path, ta, "cq-l1");
	char *next_b = page_two_path(path, tb, "cq-l1");
	/* the controls: each tenant's own Link leads to its page 2, the same row */
	expect_page(http_get(next_a, ta), "cq-l2", "tenant a's own page 2");
	expect_page(http_get(next_b, tb), "cq-l2", "tenant b's own page 2");
	/* a's Link with b's token, and b's with a's: the position exists there, still refused */
	expect_cursor_refused(http_get(next_a, tb), "tenant a's cursor with tenant b's token");
	expect_cursor_refused(http_get(next_b, ta), "tenant b's cursor with tenant a's token");
	free(next_a);
	free(next_b);
	free(ta);
	free(tb);
}

Test(cursors, a_my_cursor_is_400_for_the_same_user_id_in_another_tenant)
{
	char a[80], b[80];
	cursor_tenant("cur-my-ten-a", a, sizeof(a));
	cursor_tenant("cur-my-ten-b", b, sizeof(b));
	char *ta = rh_token(U1, a), *tb = rh_token(U1, b);
	char *next = page_two_path("/crm/customers/my", ta, "cq-l1");
	expect_page(http_get(next, ta), "cq-l3", "U1's own /my page 2 in tenant a");
	expect_cursor_refused(http_get(next, tb), "U1's /my cursor of tenant a in tenant b");
	free(next);
	free(ta);
	free(tb);
}

/* ---- bound to the caller, for /my only ------------------------------------------------ */

Test(cursors, a_my_cursor_of_one_user_is_400_for_another_user_of_the_tenant)
{
	char t[80];
	cursor_tenant("cur-my-user", t, sizeof(t));
	char *t1 = rh_token(U1, t), *t2 = rh_token(U2, t);
	char *next = page_two_path("/crm/customers/my", t1, "cq-l1");
	expect_page(http_get(next, t1), "cq-l3", "U1's own /my page 2");
	/* as a plain position, (Alpha, cq-l1) would give U2 a page: cq-l2 comes after it */
	char *next2 = page_two_path("/crm/customers/my", t2, "cq-l2");
	expect_page(http_get(next2, t2), "cq-l4", "U2's own /my page 2");
	expect_cursor_refused(http_get(next, t2), "U1's /my cursor replayed by U2");
	expect_cursor_refused(http_get(next2, t1), "U2's /my cursor replayed by U1");
	free(next);
	free(next2);
	free(t1);
	free(t2);
}

Test(cursors, a_by_owner_cursor_serves_another_user_of_the_same_tenant)
{
	char t[80];
	cursor_tenant("cur-owner-shared", t, sizeof(t));
	char *t1 = rh_token(U1, t), *t2 = rh_token(U2, t);
	char *next = page_two_path("/crm/customers/by-owner/" U1, t1, "cq-l1");
	/* a colleague may follow a link to someone's by-owner page */
	expect_page(http_get(next, t2), "cq-l3", "U1's by-owner cursor followed by U2");
	free(next);
	free(t1);
	free(t2);
}

/* ---- bound to the route and the filter ---------------------------------------------- */

Test(cursors, a_by_status_cursor_is_400_on_another_status_and_on_by_owner)
{
	char t[80];
	cursor_tenant("cur-route", t, sizeof(t));
	char *token = rh_token(U1, t);
	char *next = page_two_path("/crm/customers/by-status/LEAD", token, "cq-l1");
	char *cursor = cursor_in(next);
	expect_page(get_with_cursor("/crm/customers/by-status/LEAD", cursor, token), "cq-l2",
	            "the LEAD cursor on LEAD");
	static const char *const elsewhere[] = {
	        "/crm/customers/by-status/ACTIVE",
	        "/crm/customers/by-status/PROSPECT",
	        "/crm/customers/by-owner/" U1,
	        "/crm/customers/by-owner/" U2,
	        "/crm/customers/my",
	        "/crm/customers/overdue-actions",
	};
	for (size_t i = 0; i < sizeof(elsewhere) / sizeof(elsewhere[0]); i++) {
		char what[200];
		snprintf(what, sizeof(what), "the by-status/LEAD cursor on %s", elsewhere[i]);
		expect_cursor_refused(get_with_cursor(elsewhere[i], cursor, token), what);
	}
	free(cursor);
	free(next);
	free(token);
}

Test(cursors, a_my_cursor_is_400_on_by_owner_of_the_same_user)
{
	char t[80];
	cursor_tenant("cur-my-owner", t, sizeof(t));
	char *token = rh_token(U1, t);
	/* the same rows in the same order, but another list: its cursors are not these */
	char *next = page_two_path("/crm/customers/my", token, "cq-l1");
	char *cursor = cursor_in(next);
	expect_cursor_refused(get_with_cursor("/crm/customers/by-owner/" U1, cursor, token),
	                      "a /my cursor on by-owner of the same user");
	free(cursor);
	free(next);
	next = page_two_path("/crm/customers/by-owner/" U1, token, "cq-l1");
	cursor = cursor_in(next);
	expect_cursor_refused(get_with_cursor("/crm/customers/my", cursor, token),
	                      "a by-owner cursor on /my of the same user");
	free(cursor);
	free(next);
	free(token);
}

/* ---- bound to the key ----------------------------------------------------------------- */

/* The cursor after (name, id) of by-status/LEAD in tenant, sealed with key (malloc'd). */
static char *seal_lead_cursor(const unsigned char *key, const char *tenant, const char *name,
                              const char *id)
{
	const struct cursor_binding bind = {tenant, NULL, "customers.by_status", "LEAD"};
	struct page_key pos;
	memset(&pos, 0, sizeof(pos));
	snprintf(pos.name, sizeof(pos.name), "%s", name);
	snprintf(pos.id, sizeof(pos.id), "%s", id);
	char text[CURSOR_MAX];
	size_t n = 0;
	cr_assert_eq(cursor_encode(key, &bind, LIST_BY_STATUS, &pos, text, &n), PAGING_OK);
	char *out = strdup(text);
	cr_assert_not_null(out, "out of memory");
	return out;
}

Test(cursors, a_cursor_sealed_with_another_key_is_400)
{
	char t[80];
	cursor_tenant("cur-key", t, sizeof(t));
	char *token = rh_token(U1, t);
	/* the service's key, made from the test configuration as the service makes it */
	static struct config cfg;
	char err[512];
	const char *conf = getenv("CRM_TEST_CONF");
	cr_assert_not_null(conf, "CRM_TEST_CONF is not set (run through scripts/test.sh)");
	cr_assert_eq(config_load(&cfg, conf, 1, err, sizeof(err)), 0, "%s: %s", conf, err);
	const char *path = "/crm/customers/by-status/LEAD";
	/* the control: the position after Alpha, sealed with the service's key, is page 2 */
	char *good = seal_lead_cursor(cfg.cursor_aead_key, t, "Cursor Alpha Lead", "cq-l1");
	expect_page(get_with_cursor(path, good, token), "cq-l2", "sealed with the service's key");
	/* the same position under a key one bit away, all zeros, or made from another secret */
	unsigned char other[3][CONFIG_CURSOR_KEY_BYTES];
	memcpy(other[0], cfg.cursor_aead_key, sizeof(other[0]));
	other[0][0] ^= 1;
	memset(other[1], 0, sizeof(other[1]));
	memcpy(other[2], "another service's cursor key....", sizeof(other[2]));
	for (size_t i = 0; i < 3; i++) {
		char *bad = seal_lead_cursor(other[i], t, "Cursor Alpha Lead", "cq-l1");
		char what[64];
		snprintf(what, sizeof(what), "sealed with wrong key %zu", i);
		expect_cursor_refused(get_with_cursor(path, bad, token), what);
		free(bad);
	}
	free(good);
	config_free(&cfg);
	free(token);
}

/* ---- opaque ------------------------------------------------------------------------------- */

/* Does hay[0..n) contain needle? */
static int holds(const void *hay, size_t n, const char *needle)
{
	return memmem(hay, n, needle, strlen(needle)) != NULL;
}

Test(cursors, the_cursor_shows_neither_names_nor_ids_of_the_rows)
{
	char t[80];
	cursor_tenant("cur-opaque", t, sizeof(t));
	char *token = rh_token(U1, t);
	static const char *const lists[] = {"/crm/customers/by-status/LEAD", "/crm/customers/my",
	                                    "/crm/customers/by-owner/" U1,
	                                    "/crm/customers/overdue-actions"};
	int cursors = 0;
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		char *next = NULL;
		struct http *r = rh_getf(token, "%s?limit=1", lists[l]);
		for (;;) {
			rh_assert_ok_array(r, lists[l]);
			next = rh_next_path(r);
			http_free(r);
			if (next == NULL)
				break;
			char *cursor = cursor_in(next);
			unsigned char raw[CURSOR_MAX];
			long n = b64url_decode(cursor, strlen(cursor), raw);
			cr_assert(n > 0, "%s: the cursor %s is not base64url", lists[l], cursor);
			for (size_t i = 0; i < NROWS; i++) {
				/* the name, its one telling word (4+ letters, so chance cannot
				 * make it) and the id; the text is base64url, so no name fits */
				const char *word = rows[i][1] + strlen("Cursor ");
				char telling[16];
				snprintf(telling, sizeof(telling), "%.*s", (int)strcspn(word, " "),
				         word);
				const char *needles[] = {rows[i][1], telling, rows[i][0]};
				for (size_t k = 0; k < sizeof(needles) / sizeof(needles[0]); k++)
					cr_assert_not(holds(raw, (size_t)n, needles[k]),
					              "%s: the cursor's bytes hold '%s'", lists[l],
					              needles[k]);
				cr_assert_not(holds(cursor, strlen(cursor), rows[i][0]),
				              "%s: the cursor's text holds '%s'", lists[l],
				              rows[i][0]);
			}
			cr_assert_not(holds(raw, (size_t)n, t), "%s: the cursor holds the tenant",
			              lists[l]);
			cr_assert_not(holds(raw, (size_t)n, U1), "%s: the cursor holds the user",
			              lists[l]);
			cr_assert_not(holds(raw, (size_t)n, "LEAD"), "%s: the cursor holds LEAD",
			              lists[l]);
			cursors++;
			free(cursor);
			r = http_get(next, token);
			free(next);
		}
	}
	cr_assert_eq(cursors, 3 + 2 + 2 + 5, "expected a cursor between every two pages");
	free(token);
}

Test(cursors, two_cursors_for_the_same_page_differ_and_both_lead_on)
{
	char t[80];
	cursor_tenant("cur-nonce", t, sizeof(t));
	char *token = rh_token(U1, t);
	const char *path = "/crm/customers/by-status/LEAD";
	char *n1 = page_two_path(path, token, "cq-l1"), *n2 = page_two_path(path, token, "cq-l1");
	cr_assert_str_neq(n1, n2, "the same page twice gave the same cursor: it can be linked");
	expect_page(http_get(n1, token), "cq-l2", "the first cursor");
	expect_page(http_get(n2, token), "cq-l2", "the second cursor");
	free(n1);
	free(n2);
	free(token);
}

/* ---- still a walk ------------------------------------------------------------------------- */

Test(cursors, walking_by_link_yields_every_match_once_and_in_order)
{
	char t[80];
	cursor_tenant("cur-walk", t, sizeof(t));
	char *token = rh_token(U1, t);
	static const struct {
		const char *path, *order;
		int count;
	} walks[] = {
	        {"/crm/customers/by-status/LEAD", LEAD_ORDER, 4},
	        {"/crm/customers/my", MY_U1_ORDER, 3},
	        {"/crm/customers/by-owner/" U1, MY_U1_ORDER, 3},
	        {"/crm/customers/overdue-actions", OVERDUE_ORDER, 6},
	};
	for (size_t w = 0; w < sizeof(walks) / sizeof(walks[0]); w++)
		for (int limit = 1; limit <= 4; limit++) {
			char ids[RH_IDS_MAX];
			int pages = rh_walk(walks[w].path, token, limit, ids, sizeof(ids));
			cr_assert_str_eq(ids, walks[w].order, "%s by %d: walked [%s]",
			                 walks[w].path, limit, ids);
			cr_assert_eq(pages, (walks[w].count + limit - 1) / limit,
			             "%s by %d: %d pages", walks[w].path, limit, pages);
		}
	free(token);
}
