/* test_patch: PATCH /crm/customers/{id} through nginx — JSON Merge Patch (RFC 7396), its UPDATE event, its refusals, If-Match. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "lib/limits.h"
#include "tests/http/client.h"
#include "tests/http/test_idem_helpers.h"
#include "tests/http/test_write_helpers.h"

#define OWNER "u-ann"

/* ---- helpers ------------------------------------------------------------------ */

/* PATCH /crm/customers/{id} with body as content_type, If-Match when if_match != NULL. */
static struct http *patch(const char *token, const char *id, const char *content_type,
                          const char *body, const char *if_match)
{
	char path[256];
	return ih_send("PATCH", ih_path(path, sizeof(path), id), token, content_type, body, NULL,
	               if_match);
}

/*
 * A tenant with the active user OWNER; c1 (the seed sample: every member set)
 * owned by OWNER, LEAD, with an overdue next action and one opportunity; c2
 * the plain sample.  Returns a crm:write token of WH_ACTOR (free it).
 */
static char *fixture(char *tenant, size_t cap, const char *prefix)
{
	fresh_tenant(prefix, tenant, cap);
	json_t *c1 = wh_customer("c1", "LEAD");
	json_object_set_new(c1, "ownerId", json_string(OWNER));
	json_object_set_new(c1, "nextAction", json_string("Call back"));
	json_object_set_new(c1, "nextActionDueDate", json_string("2020-01-01T08:00:00Z"));
	wh_import(tenant, json_pack("{s:[{s:s,s:s,s:s}],s:[o,o],s:[o]}", "users", "id", OWNER,
	                            "username", "ann", "displayName", "Ann Owner", "customers", c1,
	                            wh_customer("c2", "LEAD"), "opportunities",
	                            sample_opportunity("opp-1", "c1", "2024-04-01T08:00:00Z")));
	return wh_token(tenant);
}

/* The scalar columns a patch never touches (status, owner, due key), as one string. */
static char *fixed_columns(const char *tenant, const char *id)
{
	return db_scalar("SELECT CONCAT_WS('|' COLLATE utf8mb4_bin, crm_status, IFNULL(owner_id,"
	                 " '-'), IFNULL(overdue_key, '-'), IFNULL(deleted_at, '-'))"
	                 " FROM customers WHERE tenant_id = '%s' AND id = '%s'",
	                 tenant, id);
}

/* GET /crm/customers/{id}: asserts 200 and returns the response. */
static struct http *get(const char *token, const char *id)
{
	char path[256];
	struct http *g = http_get(ih_path(path, sizeof(path), id), token);
	cr_assert_eq(g->status, 200, "GET %s: %ld %s", path, g->status, g->body);
	return g;
}

/*
 * Sends the patch and asserts it was applied: 200, the enriched customer as
 * now stored with an ETag equal to a GET's (and the GET's body), the members
 * in changed (NULL-terminated) and only they changed in the document, exactly
 * one new UPDATE event described as desc, the columns a patch never touches
 * untouched.  Returns the response (the caller frees it).
 */
static struct http *expect_applied(const char *tenant, const char *token, const char *id,
                                   const char *content_type, const char *body,
                                   const char *const *changed, const char *desc)
{
	json_t *before = wh_doc(tenant, id);
	char *fixed = fixed_columns(tenant, id);
	time_t t0 = time(NULL);
	struct http *r = patch(token, id, content_type, body, NULL);
	wh_assert_ok(r, body);
	json_t *after = wh_doc(tenant, id);
	wh_assert_enriched(r, tenant, id, after);
	const char *skip[32] = {"events", "updated", "updatedBy"};
	size_t n = 3;
	for (const char *const *c = changed; *c != NULL && n < 31; c++)
		skip[n++] = *c;
	skip[n] = NULL;
	wh_assert_same_except(before, after, skip);
	for (const char *const *c = changed; *c != NULL; c++)
		if (strcmp(*c, "preferredLanguage") != 0)
			cr_assert(!json_equal(json_object_get(before, *c),
			                      json_object_get(after, *c)),
			          "%s: member '%s' did not change", body, *c);
	wh_assert_one_new_event(before, after, "UPDATE", WH_ACTOR, desc, 1, t0);
	char *now = fixed_columns(tenant, id);
	cr_assert_str_eq(now, fixed, "%s: status, owner or next-action columns changed", body);
	char *etag = http_header(r, "ETag");
	cr_assert_not_null(etag, "%s: a 200 without ETag", body);
	struct http *g = get(token, id);
	char *get_etag = http_header(g, "ETag");
	cr_assert_str_eq(g->body, r->body, "%s: the PATCH's body is not what GET reads", body);
	cr_assert_str_eq(etag, get_etag, "%s: the PATCH's ETag is not GET's", body);
	free(get_etag);
	http_free(g);
	free(etag);
	free(now);
	free(fixed);
	json_decref(before);
	json_decref(after);
	return r;
}

/* Asserts the patch is refused with status and a detail containing needle; nothing changed. */
static void expect_refused(const char *tenant, const char *token, const char *id,
                           const char *content_type, const char *body, long status,
                           const char *needle)
{
	char *row = wh_row(tenant, id);
	struct http *r = patch(token, id, content_type, body, NULL);
	wh_assert_error(r, status, needle, body ? body : "(no body)");
	char *etag = http_header(r, "ETag");
	cr_assert_null(etag, "%s: a refusal with an ETag", body);
	wh_assert_row_unchanged(tenant, id, row, body ? body : "(no body)");
	http_free(r);
	free(row);
}

/* ---- what a patch changes ---------------------------------------------------------- */

Test(patch, email_and_phone_answer_200_with_one_update_event_naming_both)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-email");
	struct http *r = expect_applied(
	        tenant, tok, "c1", IH_MERGE,
	        "{\"phone\":\"+31 6 1234 5678\",\"email\":\"sales@acme.example\"}",
	        (const char *const[]){"email", "phone", NULL}, "Updated email, phone");
	cr_assert_str_eq(wh_str(r->json, "email"), "sales@acme.example");
	cr_assert_str_eq(wh_str(r->json, "phone"), "+31 6 1234 5678");
	cr_assert_str_eq(wh_str(r->json, "updatedBy"), WH_ACTOR);
	/* the enriched shape: the owner and the opportunity are there */
	cr_assert_str_eq(wh_str(json_object_get(r->json, "owner"), "username"), "ann");
	cr_assert_eq(json_array_size(json_object_get(r->json, "opportunities")), 1);
	cr_assert_str_eq(wh_str(r->json, "crmStatus"), "LEAD");
	cr_assert_str_eq(wh_str(r->json, "nextAction"), "Call back");
	http_free(r);
	free(tok);
}

Test(patch, application_json_means_the_same_as_merge_patch_json)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-json");
	struct http *r =
	        expect_applied(tenant, tok, "c1", WH_JSON, "{\"industry\":\"Retail\"}",
	                       (const char *const[]){"industry", NULL}, "Updated industry");
	cr_assert_str_eq(wh_str(r->json, "industry"), "Retail");
	http_free(r);
	free(tok);
}

Test(patch, the_event_names_the_changed_members_in_alphabetical_order)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-order");
	struct http *r = expect_applied(
	        tenant, tok, "c1", IH_MERGE,
	        "{\"website\":\"https://"
	        "acme.example\",\"userId\":\"u-portal-9\",\"kvk\":\"87654321\","
	        "\"subsidiaryId\":\"sub-rtm\",\"btw\":\"NL000000000B02\",\"region\":\"Zeeland\","
	        "\"leadSource\":\"Referral\"}",
	        (const char *const[]){"btw", "kvk", "leadSource", "region", "subsidiaryId",
	                              "userId", "website", NULL},
	        "Updated btw, kvk, leadSource, region, subsidiaryId, userId, website");
	cr_assert_str_eq(wh_str(r->json, "kvk"), "87654321");
	cr_assert_str_eq(wh_str(r->json, "region"), "Zeeland");
	cr_assert_str_eq(wh_str(r->json, "userId"), "u-portal-9");
	http_free(r);
	free(tok);
}

Test(patch, a_member_sent_with_its_current_value_is_not_named)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-same");
	/* email, region and the avatar's width are what c1 holds already */
	struct http *r =
	        expect_applied(tenant, tok, "c1", IH_MERGE,
	                       "{\"email\":\"info@c1.example.nl\",\"region\":\"Noord-Holland\","
	                       "\"phone\":\"+31 10 000 0000\",\"avatar\":{\"width\":320}}",
	                       (const char *const[]){"phone", NULL}, "Updated phone");
	cr_assert_str_eq(wh_str(r->json, "email"), "info@c1.example.nl");
	http_free(r);
	free(tok);
}

Test(patch, null_clears_optional_members)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-null");
	struct http *r = expect_applied(
	        tenant, tok, "c1", IH_MERGE,
	        "{\"email\":null,\"website\":null,\"avatar\":null,\"billingAddress\":null,"
	        "\"contacts\":null}",
	        (const char *const[]){"avatar", "billingAddress", "contacts", "email", "website",
	                              NULL},
	        "Updated avatar, billingAddress, contacts, email, website");
	const json_t *b = r->json;
	cr_assert(json_is_null(json_object_get(b, "email")), "email: %s", r->body);
	cr_assert(json_is_null(json_object_get(b, "website")), "website: %s", r->body);
	cr_assert(json_is_null(json_object_get(b, "avatar")), "avatar: %s", r->body);
	cr_assert(json_is_null(json_object_get(b, "billingAddress")), "billingAddress: %s",
	          r->body);
	/* an absent array is [] in the seed's shapes */
	const json_t *contacts = json_object_get(b, "contacts");
	cr_assert(json_is_array(contacts) && json_array_size(contacts) == 0,
	          "contacts cleared must be []: %s", r->body);
	cr_assert_str_eq(wh_str(b, "phone"), "+31 20 555 0100", "phone was not in the patch");
	http_free(r);
	free(tok);
}

Test(patch, objects_merge_member_by_member_and_keep_their_id)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-merge");
	struct http *r =
	        expect_applied(tenant, tok, "c1", IH_MERGE,
	                       "{\"billingAddress\":{\"city\":\"Utrecht\",\"postalCode\":null},"
	                       "\"avatar\":{\"width\":64}}",
	                       (const char *const[]){"avatar", "billingAddress", NULL},
	                       "Updated avatar, billingAddress");
	const json_t *bill = json_object_get(r->json, "billingAddress");
	cr_assert_str_eq(wh_str(bill, "city"), "Utrecht");
	cr_assert(json_is_null(json_object_get(bill, "postalCode")), "postalCode: %s", r->body);
	cr_assert_str_eq(wh_str(bill, "id"), "addr-bill-1", "the address keeps its id");
	cr_assert_str_eq(wh_str(bill, "street"), "Keizersgracht", "street was not in the patch");
	cr_assert_str_eq(wh_str(bill, "houseNumber"), "123A");
	cr_assert_str_eq(wh_str(bill, "country"), "NL");
	cr_assert(json_is_number(json_object_get(bill, "latitude")), "latitude: %s", r->body);
	const json_t *avatar = json_object_get(r->json, "avatar");
	cr_assert_eq(json_integer_value(json_object_get(avatar, "width")), 64);
	cr_assert_eq(json_integer_value(json_object_get(avatar, "height")), 256);
	cr_assert_str_eq(wh_str(avatar, "blobId"), "blob-avatar-1");
	http_free(r);
	free(tok);
}

Test(patch, an_object_patched_onto_null_is_created_and_gets_an_id)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-new-obj");
	struct http *r = patch(tok, "c1", IH_MERGE, "{\"billingAddress\":null}", NULL);
	wh_assert_ok(r, "clearing billingAddress");
	http_free(r);
	r = expect_applied(tenant, tok, "c1", IH_MERGE, "{\"billingAddress\":{\"city\":\"Delft\"}}",
	                   (const char *const[]){"billingAddress", NULL}, "Updated billingAddress");
	const json_t *bill = json_object_get(r->json, "billingAddress");
	cr_assert_str_eq(wh_str(bill, "city"), "Delft");
	cr_assert(ih_is_uuid7(wh_str(bill, "id")), "a new address without an id gets a UUIDv7: %s",
	          r->body);
	cr_assert(json_is_null(json_object_get(bill, "street")), "street: %s", r->body);
	http_free(r);
	free(tok);
}

Test(patch, arrays_are_replaced_whole_and_new_items_get_a_uuid7)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-arrays");
	struct http *r = expect_applied(
	        tenant, tok, "c1", IH_MERGE,
	        "{\"contacts\":[{\"id\":\"contact-2\",\"firstName\":\"Bram\"},"
	        "{\"firstName\":\"Cleo\",\"email\":\"cleo@example.nl\"}],\"deliveryAddresses\":[]}",
	        (const char *const[]){"contacts", "deliveryAddresses", NULL},
	        "Updated contacts, deliveryAddresses");
	const json_t *contacts = json_object_get(r->json, "contacts");
	cr_assert_eq(json_array_size(contacts), 2, "the array as sent, not merged: %s", r->body);
	const json_t *bram = json_array_get(contacts, 0), *cleo = json_array_get(contacts, 1);
	cr_assert_str_eq(wh_str(bram, "id"), "contact-2");
	cr_assert_str_eq(wh_str(bram, "firstName"), "Bram");
	cr_assert(json_is_null(json_object_get(bram, "lastName")),
	          "an item is replaced, not merged with the old contact-2: %s", r->body);
	cr_assert(json_is_null(json_object_get(bram, "department")), "%s", r->body);
	cr_assert(ih_is_uuid7(wh_str(cleo, "id")), "a new contact gets a UUIDv7: %s", r->body);
	cr_assert_str_eq(wh_str(cleo, "email"), "cleo@example.nl");
	cr_assert_eq(json_array_size(json_object_get(r->json, "deliveryAddresses")), 0);
	http_free(r);
	free(tok);
}

Test(patch, name_and_type_change_and_the_list_order_follows_the_name)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-name");
	/* "Customer c1" sorts before "Customer c2"; "Zeta" after it */
	struct http *r = expect_applied(
	        tenant, tok, "c1", IH_MERGE, "{\"name\":\"Zeta Bouw\",\"type\":\"PERSON\"}",
	        (const char *const[]){"name", "type", NULL}, "Updated name, type");
	cr_assert_str_eq(wh_str(r->json, "name"), "Zeta Bouw");
	cr_assert_str_eq(wh_str(r->json, "type"), "PERSON");
	http_free(r);
	char *sort = db_scalar(
	        "SELECT sort_name FROM customers WHERE tenant_id = '%s' AND id = 'c1'", tenant);
	cr_assert_str_eq(sort, "Zeta Bouw", "the list key follows the name");
	free(sort);
	struct http *l = http_get("/crm/customers/by-status/LEAD", tok);
	cr_assert_eq(l->status, 200);
	cr_assert_eq(json_array_size(l->json), 2, "%s", l->body);
	cr_assert_str_eq(wh_str(json_array_get(l->json, 0), "id"), "c2", "ordered by name: %s",
	                 l->body);
	cr_assert_str_eq(wh_str(json_array_get(l->json, 1), "name"), "Zeta Bouw");
	http_free(l);
	free(tok);
}

Test(patch, preferred_language_changes_the_list_shape_and_is_named)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-lang");
	struct http *r = expect_applied(
	        tenant, tok, "c1", IH_MERGE, "{\"preferredLanguage\":\"de\"}",
	        (const char *const[]){"preferredLanguage", NULL}, "Updated preferredLanguage");
	cr_assert_null(json_object_get(r->json, "preferredLanguage"),
	               "the enriched shape has no preferredLanguage: %s", r->body);
	http_free(r);
	struct http *l = http_get("/crm/customers/by-status/LEAD", tok);
	cr_assert_eq(l->status, 200);
	const json_t *c1 = json_array_get(l->json, 0);
	cr_assert_str_eq(wh_str(c1, "id"), "c1");
	cr_assert_str_eq(wh_str(c1, "preferredLanguage"), "de", "%s", l->body);
	cr_assert_eq(json_array_size(json_object_get(c1, "visits")), 2, "visits stay: %s", l->body);
	http_free(l);
	free(tok);
}

Test(patch, a_patch_that_changes_nothing_answers_the_current_customer_and_writes_nothing)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-noop");
	struct http *g = get(tok, "c1");
	char *etag = http_header(g, "ETag");
	cr_assert_not_null(etag);
	json_t *contacts = json_object_get(g->json, "contacts");
	char *contacts_text = json_dumps(contacts, JSON_COMPACT);
	char same[4096];
	snprintf(same, sizeof(same),
	         "{\"email\":\"info@c1.example.nl\",\"name\":\"Customer c1\",\"type\":\"COMPANY\","
	         "\"billingAddress\":{\"city\":\"Amsterdam\"},\"preferredLanguage\":\"nl\","
	         "\"contacts\":%s}",
	         contacts_text);
	const char *bodies[] = {"{}", same};
	for (size_t i = 0; i < 2; i++) {
		char *row = wh_row(tenant, "c1");
		struct http *r = patch(tok, "c1", IH_MERGE, bodies[i], NULL);
		wh_assert_ok(r, bodies[i]);
		cr_assert_str_eq(r->body, g->body, "%s: a no-op answers what GET read", bodies[i]);
		char *again = http_header(r, "ETag");
		cr_assert_not_null(again, "%s: a 200 without ETag", bodies[i]);
		cr_assert_str_eq(again, etag, "%s: same body, other ETag", bodies[i]);
		wh_assert_row_unchanged(tenant, "c1", row, bodies[i]);
		free(again);
		free(row);
		http_free(r);
	}
	free(contacts_text);
	free(etag);
	http_free(g);
	free(tok);
}

/* ---- refusals: nothing changes ------------------------------------------------------- */

Test(patch, name_and_type_cannot_be_cleared)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-req");
	expect_refused(tenant, tok, "c1", IH_MERGE, "{\"name\":null}", 400, "name");
	expect_refused(tenant, tok, "c1", IH_MERGE, "{\"type\":null}", 400, "type");
	expect_refused(tenant, tok, "c1", IH_MERGE, "{\"email\":\"a@b.example\",\"name\":null}",
	               400, "name");
	free(tok);
}

Test(patch, members_with_an_endpoint_of_their_own_are_refused_naming_the_endpoint)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-endp");
	static const struct {
		const char *body, *needle;
	} bad[] = {
	        {"{\"crmStatus\":\"PROSPECT\"}", "/crm-status"},
	        {"{\"crmStatus\":\"LEAD\"}", "/crm-status"},
	        {"{\"nextAction\":\"Call\"}", "/next-action"},
	        {"{\"nextAction\":null}", "/next-action"},
	        {"{\"nextActionDueDate\":\"2030-01-01T00:00:00Z\"}", "/next-action"},
	        {"{\"ownerId\":\"" OWNER "\"}", "/owner/{ownerId}"},
	        {"{\"ownerId\":null}", "/owner/{ownerId}"},
	        {"{\"tags\":[\"vip\"]}", "/tags/{tag}"},
	        {"{\"tags\":null}", "/tags/{tag}"},
	        {"{\"email\":\"new@acme.example\",\"tags\":[]}", "/tags/{tag}"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused(tenant, tok, "c1", IH_MERGE, bad[i].body, 400, bad[i].needle);
	free(tok);
}

Test(patch, server_owned_members_are_refused_by_name)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-srv");
	static const char *const owned[] = {"id",      "tenantId",  "created", "createdBy",
	                                    "updated", "updatedBy", "events",  "visits"};
	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		char body[256];
		snprintf(body, sizeof(body), "{\"phone\":\"+1 555 0100\",\"%s\":null}", owned[i]);
		expect_refused(tenant, tok, "c1", IH_MERGE, body, 400, owned[i]);
	}
	/* even with the value the customer has */
	expect_refused(tenant, tok, "c1", IH_MERGE, "{\"id\":\"c1\"}", 400, "id");
	free(tok);
}

Test(patch, unknown_members_are_refused_by_name_at_any_depth)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-unk");
	expect_refused(tenant, tok, "c1", IH_MERGE, "{\"nickname\":\"Ace\"}", 400, "nickname");
	expect_refused(tenant, tok, "c1", IH_MERGE, "{\"owner\":null}", 400, "owner");
	expect_refused(tenant, tok, "c1", IH_MERGE, "{\"opportunities\":[]}", 400, "opportunities");
	expect_refused(tenant, tok, "c1", IH_MERGE, "{\"billingAddress\":{\"planet\":\"Mars\"}}",
	               400, "billingAddress.planet");
	expect_refused(tenant, tok, "c1", IH_MERGE, "{\"contacts\":[{},{\"nick\":\"x\"}]}", 400,
	               "contacts[1].nick");
	free(tok);
}

Test(patch, bad_values_are_refused_naming_their_path)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-bad");
	char name[LIMIT_NAME_CHARS + 2], longname[LIMIT_NAME_CHARS + 32];
	memset(name, 'n', LIMIT_NAME_CHARS + 1);
	name[LIMIT_NAME_CHARS + 1] = '\0';
	snprintf(longname, sizeof(longname), "{\"name\":\"%s\"}", name);
	static const struct {
		const char *body, *needle;
	} bad[] = {
	        {"{\"name\":\"   \"}", "name"},
	        {"{\"name\":\"A\\nB\"}", "name"},
	        {"{\"name\":7}", "name"},
	        {"{\"type\":\"ROBOT\"}", "type"},
	        {"{\"type\":\"person\"}", "type"},
	        {"{\"email\":5}", "email"},
	        {"{\"website\":[\"x\"]}", "website"},
	        {"{\"avatar\":\"me.png\"}", "avatar"},
	        {"{\"avatar\":{\"width\":-1}}", "avatar.width"},
	        {"{\"avatar\":{\"height\":\"tall\"}}", "avatar.height"},
	        {"{\"billingAddress\":{\"latitude\":91}}", "billingAddress.latitude"},
	        {"{\"billingAddress\":[]}", "billingAddress"},
	        {"{\"deliveryAddresses\":{\"city\":\"Delft\"}}", "deliveryAddresses"},
	        {"{\"deliveryAddresses\":[{\"longitude\":181}]}", "deliveryAddresses[0].longitude"},
	        {"{\"contacts\":[{},{\"email\":5}]}", "contacts[1].email"},
	        {"{\"contacts\":[\"Anna\"]}", "contacts[0]"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused(tenant, tok, "c1", IH_MERGE, bad[i].body, 400, bad[i].needle);
	expect_refused(tenant, tok, "c1", IH_MERGE, longname, 400, "name");
	free(tok);
}

Test(patch, a_name_of_the_limit_is_accepted)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-namelim");
	char name[LIMIT_NAME_CHARS + 1], body[LIMIT_NAME_CHARS + 32];
	memset(name, 'n', LIMIT_NAME_CHARS);
	name[LIMIT_NAME_CHARS] = '\0';
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	struct http *r = expect_applied(tenant, tok, "c1", IH_MERGE, body,
	                                (const char *const[]){"name", NULL}, "Updated name");
	cr_assert_str_eq(wh_str(r->json, "name"), name);
	http_free(r);
	free(tok);
}

Test(patch, other_content_types_are_415_and_bodies_that_are_no_object_400)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-type");
	const char *ok = "{\"email\":\"x@acme.example\"}";
	expect_refused(tenant, tok, "c1", "text/plain", ok, 415, NULL);
	/* RFC 6902 JSON Patch is another format: an array of operations */
	expect_refused(tenant, tok, "c1", "application/json-patch+json",
	               "[{\"op\":\"replace\",\"path\":\"/email\",\"value\":\"x@acme.example\"}]",
	               415, NULL);
	expect_refused(tenant, tok, "c1", NULL, NULL, 415, NULL);
	expect_refused(tenant, tok, "c1", IH_MERGE, "[]", 400, NULL);
	expect_refused(tenant, tok, "c1", IH_MERGE, "null", 400, NULL);
	expect_refused(tenant, tok, "c1", IH_MERGE, "\"email\"", 400, NULL);
	expect_refused(tenant, tok, "c1", WH_JSON, "{\"email\":", 400, NULL);
	expect_refused(tenant, tok, "c1", IH_MERGE, "", 400, NULL);
	expect_refused(tenant, tok, "c1", IH_MERGE, "{\"email\":\"a@x.example\",\"email\":null}",
	               400, "email");
	free(tok);
}

Test(patch, needs_crm_write_a_token_a_good_id_and_no_query)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-auth");
	const char *ok = "{\"email\":\"x@acme.example\"}";
	char *row = wh_row(tenant, "c1");
	char *ro = token_for(WH_ACTOR, tenant, "crm:read");
	struct http *r = patch(ro, "c1", IH_MERGE, ok, NULL);
	wh_assert_error(r, 403, "crm:write", "PATCH with crm:read");
	http_free(r);
	r = patch(NULL, "c1", IH_MERGE, ok, NULL);
	cr_assert_eq(r->status, 401, "PATCH without a token: %ld", r->status);
	char *www = http_header(r, "WWW-Authenticate");
	cr_assert_not_null(www, "a 401 without WWW-Authenticate");
	free(www);
	http_free(r);
	r = http_do("PATCH", "/crm/customers/c1?dryRun=1", tok, IH_MERGE, ok, NULL);
	wh_assert_error(r, 400, "dryRun", "PATCH with a query");
	http_free(r);
	r = patch(tok, "c%201", IH_MERGE, ok, NULL);
	wh_assert_error(r, 400, NULL, "PATCH of an id with a space");
	http_free(r);
	wh_assert_row_unchanged(tenant, "c1", row, "refused PATCHes");
	free(row);
	free(ro);
	free(tok);
}

Test(patch, the_id_route_now_allows_patch)
{
	char *tok = wh_token("pat-allow");
	struct http *r = http_do("PUT", "/crm/customers/c1", tok, WH_JSON, "{}", NULL);
	wh_assert_error(r, 405, NULL, "PUT /crm/customers/c1");
	char *allow = http_header(r, "Allow");
	cr_assert_not_null(allow, "a 405 without Allow");
	cr_assert_str_eq(allow, "GET, HEAD, PATCH, DELETE");
	free(allow);
	http_free(r);
	free(tok);
}

/* ---- who and which: 404 ------------------------------------------------------------- */

Test(patch, an_unknown_deleted_or_foreign_customer_is_404_whatever_if_match_says)
{
	char tenant[64], other[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-404");
	fresh_tenant("pat-404-oth", other, sizeof(other));
	const char *ok = "{\"email\":\"x@acme.example\"}";
	struct http *g = get(tok, "c2");
	char *etag = http_header(g, "ETag");
	http_free(g);
	struct http *r = http_do("DELETE", "/crm/customers/c2", tok, NULL, NULL, NULL);
	cr_assert_eq(r->status, 204, "DELETE c2: %ld %s", r->status, r->body);
	http_free(r);
	char *row2 = wh_row(tenant, "c2"), *row1 = wh_row(tenant, "c1");
	const char *const conds[] = {NULL, "*", "\"stale\"", etag};
	for (size_t i = 0; i < 4; i++) {
		r = patch(tok, "nobody", IH_MERGE, ok, conds[i]);
		wh_assert_error(r, 404, "customer not found", "PATCH of an unknown id");
		http_free(r);
		r = patch(tok, "c2", IH_MERGE, ok, conds[i]);
		wh_assert_error(r, 404, "customer not found", "PATCH of a deleted customer");
		http_free(r);
	}
	wh_assert_row_unchanged(tenant, "c2", row2, "PATCH of a deleted customer");
	char *foreign = wh_token(other);
	r = patch(foreign, "c1", IH_MERGE, ok, NULL);
	wh_assert_error(r, 404, "customer not found", "PATCH from another tenant");
	cr_assert_null(strstr(r->body, "info@c1"), "the 404 leaks the customer: %s", r->body);
	http_free(r);
	r = patch(foreign, "c1", IH_MERGE, ok, "*");
	wh_assert_error(r, 404, "customer not found", "PATCH from another tenant, If-Match *");
	http_free(r);
	wh_assert_row_unchanged(tenant, "c1", row1, "PATCH from another tenant");
	free(foreign);
	free(row1);
	free(row2);
	free(etag);
	free(tok);
}

/* ---- If-Match ------------------------------------------------------------------------ */

Test(patch, if_match_with_the_current_tag_a_list_naming_it_or_a_star_applies)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-im");
	struct http *g = get(tok, "c1");
	char *etag = http_header(g, "ETag"), list[256];
	http_free(g);
	long events = wh_db_events(tenant, "c1");
	struct http *r = patch(tok, "c1", IH_MERGE, "{\"email\":\"one@acme.example\"}", etag);
	wh_assert_ok(r, "If-Match the current tag");
	char *next = http_header(r, "ETag");
	cr_assert_not_null(next);
	cr_assert_str_neq(next, etag, "a change with the old ETag");
	http_free(r);
	snprintf(list, sizeof(list), "\"other\", %s", next);
	r = patch(tok, "c1", IH_MERGE, "{\"email\":\"two@acme.example\"}", list);
	wh_assert_ok(r, "If-Match a list naming the tag");
	http_free(r);
	r = patch(tok, "c1", IH_MERGE, "{\"email\":\"three@acme.example\"}", "*");
	wh_assert_ok(r, "If-Match *");
	cr_assert_str_eq(wh_str(r->json, "email"), "three@acme.example");
	http_free(r);
	cr_assert_eq(wh_db_events(tenant, "c1"), events + 3, "three changes, three events");
	free(next);
	free(etag);
	free(tok);
}

Test(patch, if_match_with_a_stale_weak_or_malformed_tag_is_412_and_changes_nothing)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-412");
	struct http *g = get(tok, "c1");
	char *stale = http_header(g, "ETag");
	http_free(g);
	struct http *r = wh_add_tag(tok, "c1", "meanwhile");
	cr_assert_eq(r->status, 200);
	http_free(r);
	g = get(tok, "c1");
	char *now = http_header(g, "ETag"), weak[256], bare[256];
	http_free(g);
	snprintf(weak, sizeof(weak), "W/%s", now);
	snprintf(bare, sizeof(bare), "%.*s", (int)strlen(now) - 2, now + 1);
	const char *const tags[] = {stale, weak, bare, "\"never-was\""};
	for (size_t i = 0; i < 4; i++) {
		char *row = wh_row(tenant, "c1");
		r = patch(tok, "c1", IH_MERGE, "{\"email\":\"x@acme.example\"}", tags[i]);
		wh_assert_error(r, 412, "If-Match", tags[i]);
		wh_assert_row_unchanged(tenant, "c1", row, tags[i]);
		free(row);
		http_free(r);
	}
	free(stale);
	free(now);
	free(tok);
}

/* ---- If-Match under contention ------------------------------------------------------- */

struct racer {
	pthread_barrier_t *start;
	const char *token;
	const char *if_match;
	char body[128];
	long status;
};

static void *racer_run(void *arg)
{
	struct racer *c = arg;
	pthread_barrier_wait(c->start);
	struct http *r = patch(c->token, "c1", IH_MERGE, c->body, c->if_match);
	c->status = r->status;
	http_free(r);
	return NULL;
}

#define RACERS 16

Test(patch, sixteen_patches_with_one_if_match_tag_one_wins_fifteen_get_412)
{
	char tenant[64];
	char *tok = fixture(tenant, sizeof(tenant), "pat-race");
	struct http *g = get(tok, "c1");
	char *etag = http_header(g, "ETag");
	http_free(g);
	json_t *before = wh_doc(tenant, "c1");
	long events = wh_db_events(tenant, "c1");
	struct racer r[RACERS];
	pthread_t th[RACERS];
	pthread_barrier_t start;
	cr_assert_eq(pthread_barrier_init(&start, NULL, RACERS), 0);
	for (int i = 0; i < RACERS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].start = &start;
		r[i].token = tok;
		r[i].if_match = etag;
		snprintf(r[i].body, sizeof(r[i].body), "{\"email\":\"racer%02d@acme.example\"}", i);
		cr_assert_eq(pthread_create(&th[i], NULL, racer_run, &r[i]), 0);
	}
	for (int i = 0; i < RACERS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	int ok = 0, refused = 0, winner = -1;
	for (int i = 0; i < RACERS; i++) {
		if (r[i].status == 200)
			winner = i;
		ok += r[i].status == 200;
		refused += r[i].status == 412;
	}
	cr_assert_eq(ok, 1, "exactly one 200 (%d)", ok);
	cr_assert_eq(refused, RACERS - 1, "the others 412 (%d)", refused);
	cr_assert_eq(wh_db_events(tenant, "c1"), events + 1, "exactly one new event");
	char *type = wh_db_last_event_type(tenant, "c1");
	cr_assert_str_eq(type, "UPDATE");
	free(type);
	json_t *after = wh_doc(tenant, "c1");
	char want[64];
	snprintf(want, sizeof(want), "racer%02d@acme.example", winner);
	cr_assert_str_eq(wh_str(after, "email"), want, "the stored email is the winner's");
	wh_assert_same_except(before, after, WH_CHANGED("email"));
	json_decref(before);
	json_decref(after);
	free(etag);
	free(tok);
}
