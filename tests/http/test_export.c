/* test_export: `crmctl export` writes what `crmctl import` reads back, and a customer comes back byte for byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "lib/limits.h"
#include "model/list_sql.h"
#include "tests/http/client.h"
#include "tests/http/test_write_helpers.h"

#define EX_ID_MAX 80

/* A customer created through the API with every client-owned kind of member. */
#define FULL_BODY                                                                                  \
	"{\"name\":\"Jan de Vries \\u2014 B\\u00e9ton & Zonen\",\"type\":\"COMPANY\","             \
	"\"crmStatus\":\"PROSPECT\",\"ownerId\":\"u-ann\",\"tags\":[\"VIP\",\"Renovatie\"],"       \
	"\"nextAction\":\"Offerte nabellen\",\"nextActionDueDate\":\"2030-01-01T10:00:00+02:00\"," \
	"\"email\":\"jan@example.nl\",\"preferredLanguage\":\"nl\",\"phone\":\"+31 30 123\","      \
	"\"contacts\":[{\"firstName\":\"Jan\",\"lastName\":\"de Vries\"},"                         \
	"{\"id\":\"keep-me\",\"email\":null,\"department\":\"Inkoop \\\"A\\\"\"}],"                \
	"\"billingAddress\":{\"city\":\"Utrecht\",\"street\":\"Oudegracht\"},"                     \
	"\"deliveryAddresses\":[{\"street\":\"Markt\",\"latitude\":52,\"longitude\":5.12}],"       \
	"\"avatar\":{\"blobId\":\"b1\",\"width\":10}}"

/* A tenant with users, one live customer made through the API and changed (a tag,
 * a merge patch), and one deleted customer; each has an opportunity and an activity. */
struct fixture {
	char tenant[EX_ID_MAX];
	char live[EX_ID_MAX]; /* created, tagged */
	char gone[EX_ID_MAX]; /* created, deleted: a tombstone */
};

/* ---- helpers ------------------------------------------------------------------ */

/* POST /crm/customers body; the new id into id. */
static void create(const char *token, const char *body, char *id)
{
	struct http *r = http_do("POST", "/crm/customers", token, WH_JSON, body, NULL);
	cr_assert_eq(r->status, 201, "POST /crm/customers: %ld %s", r->status, r->body);
	snprintf(id, EX_ID_MAX, "%s", wh_str(r->json, "id"));
	http_free(r);
}

static void delete_customer(const char *token, const char *id)
{
	char path[160];
	snprintf(path, sizeof(path), "/crm/customers/%s", id);
	struct http *r = http_do("DELETE", path, token, NULL, NULL, NULL);
	cr_assert_eq(r->status, 204, "DELETE %s: %ld %s", path, r->status, r->body);
	http_free(r);
}

/* The opportunity and the activity of customer id: "opp-<suffix>", "act-<suffix>". */
static void children(const char *tenant, const char *id, const char *suffix)
{
	char opp[64], act[64];
	snprintf(opp, sizeof(opp), "opp-%s", suffix);
	snprintf(act, sizeof(act), "act-%s", suffix);
	wh_import(tenant,
	          json_pack("{s:[o],s:[o]}", "opportunities",
	                    sample_opportunity(opp, id, "2024-03-01T09:00:00Z"), "activities",
	                    sample_activity(act, id, "2024-03-02T09:30:00Z")));
}

static void make_fixture(struct fixture *f, const char *prefix)
{
	fresh_tenant(prefix, f->tenant, sizeof(f->tenant));
	wh_import_user(f->tenant, "u-ann", "ann", "Ann \"A\" de Wit", 1);
	wh_import_user(f->tenant, "u-gone", "gone", "Gone", 0);
	char *token = wh_token(f->tenant);
	create(token, FULL_BODY, f->live);
	create(token, "{\"name\":\"Weg BV\",\"type\":\"COMPANY\"}", f->gone);
	children(f->tenant, f->live, "live");
	children(f->tenant, f->gone, "gone");
	struct http *r = wh_add_tag(token, f->live, "Export%20me");
	wh_assert_ok(r, "POST tags/Export me");
	http_free(r);
	/* a merge patch rewrites the list fragment too (preferredLanguage lives there) */
	char path[160];
	snprintf(path, sizeof(path), "/crm/customers/%s", f->live);
	r = http_do("PATCH", path, token, "application/merge-patch+json",
	            "{\"preferredLanguage\":\"en\",\"phone\":null,\"industry\":\"Bouw\"}", NULL);
	wh_assert_ok(r, "PATCH preferredLanguage, phone, industry");
	http_free(r);
	delete_customer(token, f->gone);
	free(token);
}

/* GET /crm/customers/{id}: 200 expected; body and ETag into *body and *etag (malloc'd). */
static void get_customer(const char *tenant, const char *id, char **body, char **etag)
{
	char path[160];
	snprintf(path, sizeof(path), "/crm/customers/%s", id);
	char *token = wh_token(tenant);
	struct http *r = http_get(path, token);
	cr_assert_eq(r->status, 200, "GET %s: %ld %s", path, r->status, r->body);
	*body = strdup(r->body);
	*etag = http_header(r, "ETag");
	cr_assert(*body != NULL && *etag != NULL, "GET %s: no body or no ETag", path);
	http_free(r);
	free(token);
}

/* crmctl export --tenant tenant: its stdout (malloc'd); asserts exit status 0. */
static char *export_text(const char *tenant)
{
	const char *args[] = {"export", "--tenant", tenant, NULL};
	char *out = NULL, *err = NULL;
	int rc = crmctl_run(args, &out, &err);
	cr_assert_eq(rc, 0, "crmctl export --tenant %s: exit %d: %s", tenant, rc, err ? err : "");
	cr_assert_not_null(out, "crmctl export: no output captured");
	free(err);
	return out;
}

static int kind_rank(const char *kind)
{
	static const char *const kinds[] = {"user", "customer", "opportunity", "activity"};
	for (int i = 0; kind != NULL && i < 4; i++)
		if (strcmp(kinds[i], kind) == 0)
			return i;
	return -1;
}

/*
 * The items of an export, as an array of objects (caller json_decref's it).
 * Asserts: each line ends with '\n' and is one JSON object whose "kind" is
 * user, customer, opportunity or activity, in that order.
 */
static json_t *export_items(const char *text)
{
	json_t *items = json_array();
	int rank = 0;
	long lineno = 0;
	for (const char *p = text; *p != '\0'; lineno++) {
		const char *nl = strchr(p, '\n');
		cr_assert_not_null(nl, "line %ld does not end with a newline: %.200s", lineno, p);
		json_error_t jerr;
		json_t *item = json_loadb(p, (size_t)(nl - p), 0, &jerr);
		cr_assert(json_is_object(item), "line %ld is no JSON object (%s): %.*s", lineno,
		          jerr.text, (int)(nl - p), p);
		int r = kind_rank(wh_str(item, "kind"));
		cr_assert(r >= 0, "line %ld: no known kind: %.*s", lineno, (int)(nl - p), p);
		cr_assert(r >= rank, "line %ld: a %s after a later kind", lineno,
		          wh_str(item, "kind"));
		rank = r;
		json_array_append_new(items, item);
		p = nl + 1;
	}
	return items;
}

/* The item of kind and id in items, or NULL. */
static const json_t *find_item(const json_t *items, const char *kind, const char *id)
{
	size_t i;
	const json_t *item;
	json_array_foreach (items, i, item) {
		if (strcmp(wh_str(item, "kind"), kind) == 0 && strcmp(wh_str(item, "id"), id) == 0)
			return item;
	}
	return NULL;
}

static size_t count_kind(const json_t *items, const char *kind)
{
	size_t i, n = 0;
	const json_t *item;
	json_array_foreach (items, i, item)
		n += strcmp(wh_str(item, "kind"), kind) == 0;
	return n;
}

/* crmctl import --tenant tenant of text; asserts exit status 0. */
static void import_text(const char *tenant, const char *text)
{
	char *err = NULL;
	int rc = crmctl_import(tenant, text, &err);
	cr_assert_eq(rc, 0, "crmctl import of the export into %s: exit %d: %s", tenant, rc,
	             err ? err : "");
	free(err);
}

/* Removes every row of tenant: the tenant as a fresh database holds it. */
static void wipe_tenant(const char *tenant)
{
	static const char *const tables[] = {"users", "customers", "opportunities", "activities"};
	for (size_t i = 0; i < 4; i++) {
		free(db_scalar("DELETE FROM %s WHERE tenant_id = '%s'", tables[i], tenant));
		cr_assert_eq(db_count("SELECT COUNT(*) FROM %s WHERE tenant_id = '%s'", tables[i],
		                      tenant),
		             0);
	}
}

/* ---- the round trip ------------------------------------------------------------- */

Test(export, every_line_is_one_json_object_with_a_kind_users_first_then_customers_and_children)
{
	struct fixture f;
	make_fixture(&f, "exp-lines");
	char *text = export_text(f.tenant);
	json_t *items = export_items(text);
	cr_assert_eq(count_kind(items, "user"), 2);
	cr_assert_eq(count_kind(items, "customer"), 1);
	cr_assert_eq(count_kind(items, "opportunity"), 1);
	cr_assert_eq(count_kind(items, "activity"), 1);
	cr_assert_eq(json_array_size(items), 5, "%s", text);
	json_decref(items);
	free(text);
}

Test(export, a_created_and_changed_customer_is_exported_as_stored_with_its_events)
{
	struct fixture f;
	make_fixture(&f, "exp-stored");
	char *text = export_text(f.tenant);
	json_t *items = export_items(text);
	const json_t *c = find_item(items, "customer", f.live);
	cr_assert_not_null(c, "the created customer %s is not in the export: %s", f.live, text);
	/* the stored document and its list fragment, with the kind and nothing else */
	json_t *doc = wh_doc(f.tenant, f.live);
	cr_assert_eq(json_object_size(c), json_object_size(doc) + 3,
	             "kind, preferredLanguage and visits besides the document: %s", text);
	const char *key;
	json_t *v;
	json_object_foreach (doc, key, v)
		cr_assert(json_equal(v, json_object_get(c, key)), "member %s differs", key);
	cr_assert_str_eq(wh_str(c, "preferredLanguage"), "en");
	cr_assert(json_is_array(json_object_get(c, "visits")));
	cr_assert_str_eq(wh_str(c, "industry"), "Bouw");
	const json_t *events = json_object_get(c, "events");
	cr_assert_geq(json_array_size(events), 3, "CREATE, TAG_ADDED and the patch's: %s", text);
	cr_assert_str_eq(wh_str(json_array_get(events, 0), "type"), "CREATE");
	cr_assert_str_eq(wh_str(json_array_get(events, 1), "type"), "TAG_ADDED");
	cr_assert_not_null(find_item(items, "opportunity", "opp-live"));
	cr_assert_not_null(find_item(items, "activity", "act-live"));
	json_decref(doc);
	json_decref(items);
	free(text);
}

Test(export, reimport_into_the_same_database_gives_the_same_bytes_and_etag)
{
	struct fixture f;
	make_fixture(&f, "exp-same");
	char *before, *before_tag, *after, *after_tag;
	get_customer(f.tenant, f.live, &before, &before_tag);
	char *text = export_text(f.tenant);
	import_text(f.tenant, text);
	get_customer(f.tenant, f.live, &after, &after_tag);
	cr_assert_str_eq(after, before, "GET after the re-import differs");
	cr_assert_str_eq(after_tag, before_tag, "the ETag changed");
	free(before);
	free(before_tag);
	free(after);
	free(after_tag);
	free(text);
}

Test(export, import_into_an_empty_tenant_gives_the_same_bytes_etag_and_export)
{
	struct fixture f;
	make_fixture(&f, "exp-fresh");
	char *before, *before_tag, *after, *after_tag;
	get_customer(f.tenant, f.live, &before, &before_tag);
	char *text = export_text(f.tenant);
	wipe_tenant(f.tenant);
	import_text(f.tenant, text);
	get_customer(f.tenant, f.live, &after, &after_tag);
	cr_assert_str_eq(after, before, "GET after export, wipe and import differs");
	cr_assert_str_eq(after_tag, before_tag, "the ETag changed");
	/* and the tenant exports to the same bytes again */
	char *again = export_text(f.tenant);
	cr_assert_str_eq(again, text, "the second export differs from the first");
	/* the inactive user is inactive again */
	cr_assert_eq(db_count("SELECT active FROM users WHERE tenant_id = '%s' AND id = 'u-gone'",
	                      f.tenant),
	             0);
	free(again);
	free(before);
	free(before_tag);
	free(after);
	free(after_tag);
	free(text);
}

/* ---- what is left out, what is written ------------------------------------------- */

Test(export, a_deleted_customer_and_its_opportunities_and_activities_are_not_exported)
{
	struct fixture f;
	make_fixture(&f, "exp-gone");
	char *text = export_text(f.tenant);
	json_t *items = export_items(text);
	cr_assert_null(find_item(items, "customer", f.gone), "the tombstone was exported");
	cr_assert_null(find_item(items, "opportunity", "opp-gone"));
	cr_assert_null(find_item(items, "activity", "act-gone"));
	cr_assert_null(strstr(text, f.gone), "the deleted customer's id is in the export");
	/* and re-importing does not bring it back */
	import_text(f.tenant, text);
	cr_assert_eq(db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s' AND id = '%s'"
	                      " AND deleted_at IS NULL",
	                      f.tenant, f.gone),
	             0);
	json_decref(items);
	free(text);
}

Test(export, users_carry_id_username_display_name_and_active_false_only_when_inactive)
{
	struct fixture f;
	make_fixture(&f, "exp-users");
	char *text = export_text(f.tenant);
	json_t *items = export_items(text);
	const json_t *ann = find_item(items, "user", "u-ann");
	const json_t *gone = find_item(items, "user", "u-gone");
	cr_assert(ann != NULL && gone != NULL, "%s", text);
	cr_assert_str_eq(wh_str(ann, "username"), "ann");
	cr_assert_str_eq(wh_str(ann, "displayName"), "Ann \"A\" de Wit");
	cr_assert_null(json_object_get(ann, "active"), "an active user needs no active member");
	cr_assert_eq(json_object_size(ann), 4, "kind, id, username, displayName");
	cr_assert(json_is_false(json_object_get(gone, "active")), "u-gone: %s", text);
	json_decref(items);
	free(text);
}

Test(export, an_export_holds_no_row_of_another_tenant)
{
	struct fixture a, b;
	make_fixture(&a, "exp-ten-a");
	make_fixture(&b, "exp-ten-b");
	/* b also holds a customer and children with a's ids */
	wh_import_customer(b.tenant, wh_customer(a.live, "LEAD"));
	children(b.tenant, a.live, "live");
	wh_import_user(b.tenant, "u-b-only", "bonly", "B only", 1);
	char *text = export_text(a.tenant);
	json_t *items = export_items(text);
	cr_assert_null(strstr(text, b.tenant), "b's tenant id is in a's export");
	cr_assert_null(strstr(text, b.live), "b's customer is in a's export");
	cr_assert_null(find_item(items, "user", "u-b-only"));
	cr_assert_eq(json_array_size(items), 5, "a's five items only: %s", text);
	size_t i;
	const json_t *item;
	json_array_foreach (items, i, item) {
		if (strcmp(wh_str(item, "kind"), "user") != 0)
			cr_assert_str_eq(wh_str(item, "tenantId"), a.tenant);
	}
	json_decref(items);
	free(text);
}

Test(export, an_unknown_tenant_exports_nothing_and_succeeds)
{
	char tenant[EX_ID_MAX];
	fresh_tenant("exp-none", tenant, sizeof(tenant));
	char *text = export_text(tenant);
	cr_assert_str_eq(text, "");
	free(text);
}

/* Pages of 1000 rows: 2000 customers end on a full page and an empty one. */
Test(export, two_thousand_customers_page_through_in_id_order_each_exactly_once)
{
	char tenant[EX_ID_MAX];
	fresh_tenant("exp-many", tenant, sizeof(tenant));
	json_t *customers = json_array();
	for (int i = 0; i < 2000; i++) {
		char id[32];
		snprintf(id, sizeof(id), "c-%04d", (i * 7919) % 2000); /* not in id order */
		json_array_append_new(customers, json_pack("{s:s,s:s,s:s}", "id", id, "name", id,
		                                           "type", "PERSON"));
	}
	wh_import_customers(tenant, customers);
	char *text = export_text(tenant);
	json_t *items = export_items(text);
	cr_assert_eq(json_array_size(items), 2000);
	for (size_t i = 0; i < 2000; i++) {
		char id[32];
		snprintf(id, sizeof(id), "c-%04zu", i);
		cr_assert_str_eq(wh_str(json_array_get(items, i), "id"), id);
	}
	json_decref(items);
	free(text);
}

Test(export, a_document_stored_across_lines_is_exported_on_one_line_and_reimports)
{
	struct fixture f;
	make_fixture(&f, "exp-hand");
	char *before, *before_tag, *after, *after_tag;
	get_customer(f.tenant, f.live, &before, &before_tag);
	/* a row edited by hand: the same members, pretty-printed */
	free(db_scalar("UPDATE customers SET doc = JSON_DETAILED(doc), list_tag = " LIST_TAG_SQL
	               ", list_bytes = " LIST_BYTES_SQL " WHERE tenant_id = '%s' AND id = '%s'",
	               f.tenant, f.live));
	cr_assert_eq(db_count("SELECT INSTR(doc, '\\n') > 0 FROM customers"
	                      " WHERE tenant_id = '%s' AND id = '%s'",
	                      f.tenant, f.live),
	             1, "the document is not on several lines");
	char *text = export_text(f.tenant);
	json_t *items = export_items(text);
	cr_assert_not_null(find_item(items, "customer", f.live));
	/* imported, it is stored compact again, as the API writes it */
	wipe_tenant(f.tenant);
	import_text(f.tenant, text);
	get_customer(f.tenant, f.live, &after, &after_tag);
	cr_assert_str_eq(after, before);
	cr_assert_str_eq(after_tag, before_tag);
	free(before);
	free(before_tag);
	free(after);
	free(after_tag);
	json_decref(items);
	free(text);
}

/* ---- bad arguments ---------------------------------------------------------------- */

/* Asserts crmctl args exits 2 with a usage message and writes nothing to stdout. */
static void expect_usage(const char *const *args, const char *what)
{
	char *out = NULL, *err = NULL;
	int rc = crmctl_run(args, &out, &err);
	cr_assert_eq(rc, 2, "%s: exit %d, expected 2 (usage): %s", what, rc, err ? err : "");
	cr_assert_not_null(strstr(err ? err : "", "usage: crmctl export"), "%s: %s", what, err);
	cr_assert_str_eq(out ? out : "", "", "%s: wrote to stdout", what);
	free(out);
	free(err);
}

Test(export, refuses_a_missing_tenant)
{
	expect_usage((const char *const[]){"export", NULL}, "no --tenant");
	expect_usage((const char *const[]){"export", "--tenant", NULL}, "--tenant without value");
}

Test(export, refuses_a_tenant_that_is_no_id)
{
	expect_usage((const char *const[]){"export", "--tenant", "", NULL}, "empty tenant");
	expect_usage((const char *const[]){"export", "--tenant", "a b", NULL}, "tenant 'a b'");
	expect_usage((const char *const[]){"export", "--tenant", "x' OR '1'='1", NULL},
	             "tenant with a quote");
	char longest[LIMIT_ID_CHARS + 2];
	memset(longest, 'a', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	expect_usage((const char *const[]){"export", "--tenant", longest, NULL},
	             "a tenant one character too long");
}

Test(export, refuses_an_argument_it_does_not_know)
{
	expect_usage((const char *const[]){"export", "--tenant", "acme", "out.jsonl", NULL},
	             "a file name");
	expect_usage((const char *const[]){"export", "--tenant", "acme", "--all", NULL},
	             "an unknown option");
}
