/* test_write_access: who may change what — tenancy, permissions, tokens, ids and methods on all six change endpoints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "lib/limits.h"
#include "tests/http/client.h"
#include "tests/http/test_write_helpers.h"

/* The six changes; each is a real change on the fixture customer below. */
struct op {
	const char *name;
	const char *method;
	const char *tail;
	const char *content_type;
	const char *body;
	const char *event; /* the event a real change appends */
};

static const struct op ops[] = {
        {"set status", "PATCH", "crm-status", WH_JSON, "{\"crmStatus\":\"PROSPECT\"}",
         "STATUS_CHANGE"},
        {"set next action", "PATCH", "next-action", WH_JSON,
         "{\"nextAction\":\"Call\",\"nextActionDueDate\":\"2026-12-01T10:00:00Z\"}", "NEXT_ACTION"},
        {"set owner", "PATCH", "owner/u-ann", NULL, NULL, "OWNER_CHANGE"},
        {"clear owner", "DELETE", "owner", NULL, NULL, "OWNER_CHANGE"},
        {"add tag", "POST", "tags/newtag", NULL, NULL, "TAG_ADDED"},
        {"remove tag", "DELETE", "tags/oldtag", NULL, NULL, "TAG_REMOVED"},
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

static struct http *run_op(const struct op *op, const char *token, const char *id)
{
	return wh_request(op->method, token, id, op->tail, op->content_type, op->body);
}

/*
 * A tenant with users u-ann and u-bob and customer `id` named `name`:
 * LEAD, owner u-bob, tags ["oldtag"], no next action.  Every op is a real change on it.
 */
static void fixture(const char *tenant, const char *id, const char *name)
{
	json_t *c = wh_customer(id, "LEAD");
	json_object_set_new(c, "name", json_string(name));
	json_object_set_new(c, "ownerId", json_string("u-bob"));
	json_object_set_new(c, "tags", json_pack("[s]", "oldtag"));
	wh_import(tenant, json_pack("{s:[{s:s,s:s,s:s},{s:s,s:s,s:s}],s:[o]}", "users", "id",
	                            "u-ann", "username", "ann", "displayName", "Ann", "id", "u-bob",
	                            "username", "bob", "displayName", "Bob", "customers", c));
}

/* Runs each op as `token` on tenant/id: expects status, the error shape, and no change. */
static void expect_each_refused(const char *tenant, const char *id, const char *token, long status,
                                const char *leak)
{
	char *row = wh_row(tenant, id);
	for (size_t i = 0; i < NOPS; i++) {
		struct http *r = run_op(&ops[i], token, id);
		wh_assert_error(r, status, NULL, ops[i].name);
		if (leak != NULL)
			cr_assert_null(strstr(r->body, leak), "%s: the answer leaks '%s': %s",
			               ops[i].name, leak, r->body);
		wh_assert_row_unchanged(tenant, id, row, ops[i].name);
		http_free(r);
	}
	free(row);
}

/* Runs each op as a writer of tenant: 200 and exactly its one event each time. */
static void expect_each_applied(const char *tenant, const char *id, const char *token)
{
	for (size_t i = 0; i < NOPS; i++) {
		long events = wh_db_events(tenant, id);
		struct http *r = run_op(&ops[i], token, id);
		wh_assert_ok(r, ops[i].name);
		json_t *doc = wh_doc(tenant, id);
		wh_assert_enriched(r, tenant, id, doc);
		cr_assert_eq(wh_db_events(tenant, id), events + 1, "%s: one event", ops[i].name);
		char *type = wh_db_last_event_type(tenant, id);
		cr_assert_str_eq(type, ops[i].event, "%s", ops[i].name);
		free(type);
		json_decref(doc);
		http_free(r);
	}
}

Test(write_access, a_token_of_another_tenant_gets_404_on_all_six_and_nothing_changes)
{
	char tenant[64], other[64];
	fresh_tenant("wac-own", tenant, sizeof(tenant));
	fresh_tenant("wac-oth", other, sizeof(other));
	fixture(tenant, "c1", "Secret Customer Name");
	/* the other tenant has the same users, so only the customer can be missing */
	wh_import(other, json_pack("{s:[{s:s,s:s,s:s},{s:s,s:s,s:s}]}", "users", "id", "u-ann",
	                           "username", "ann", "displayName", "Ann", "id", "u-bob",
	                           "username", "bob", "displayName", "Bob"));
	char *foreign = token_for(WH_ACTOR, other, WH_SCOPE_WRITE);
	expect_each_refused(tenant, "c1", foreign, 404, "Secret Customer Name");
	for (size_t i = 0; i < NOPS; i++) {
		struct http *r = run_op(&ops[i], foreign, "c1");
		cr_assert_null(strstr(r->body, tenant), "%s: the owning tenant leaks", ops[i].name);
		http_free(r);
	}
	/* control: the owning tenant's writer changes it with each op */
	char *own = wh_token(tenant);
	expect_each_applied(tenant, "c1", own);
	free(own);
	free(foreign);
}

Test(write_access, when_two_tenants_share_a_customer_id_each_changes_only_its_own)
{
	char a[64], b[64];
	fresh_tenant("wac-a", a, sizeof(a));
	fresh_tenant("wac-b", b, sizeof(b));
	fixture(a, "same-id", "Customer of A");
	fixture(b, "same-id", "Customer of B");
	char *row_a = wh_row(a, "same-id");
	char *tok_b = wh_token(b);
	expect_each_applied(b, "same-id", tok_b);
	wh_assert_row_unchanged(a, "same-id", row_a, "tenant A after B's six changes");
	json_t *doc_b = wh_doc(b, "same-id");
	cr_assert_str_eq(wh_str(doc_b, "name"), "Customer of B");
	cr_assert_str_eq(wh_str(doc_b, "crmStatus"), "PROSPECT");
	json_decref(doc_b);
	free(tok_b);
	free(row_a);
}

Test(write_access, a_read_only_scope_token_gets_403_on_all_six_and_nothing_changes)
{
	char tenant[64];
	fresh_tenant("wac-ro", tenant, sizeof(tenant));
	fixture(tenant, "c1", "Read Only");
	char *ro = token_for(WH_ACTOR, tenant, "crm:read");
	expect_each_refused(tenant, "c1", ro, 403, NULL);
	free(ro);
}

Test(write_access, a_read_only_roles_token_gets_403_on_all_six_and_nothing_changes)
{
	char tenant[64], claims[512];
	fresh_tenant("wac-rol", tenant, sizeof(tenant));
	fixture(tenant, "c1", "Read Only Roles");
	snprintf(claims, sizeof(claims),
	         "{\"sub\":\"%s\",\"tenantId\":\"%s\",\"roles\":[\"crm:read\"],\"exp\":%lld}",
	         WH_ACTOR, tenant, (long long)time(NULL) + 600);
	char *ro = token_with_claims(claims);
	expect_each_refused(tenant, "c1", ro, 403, NULL);
	free(ro);
}

Test(write_access, a_token_without_any_crm_permission_gets_403_on_all_six)
{
	char tenant[64];
	fresh_tenant("wac-none", tenant, sizeof(tenant));
	fixture(tenant, "c1", "No Scope");
	char *tok = token_for(WH_ACTOR, tenant, "profile email");
	expect_each_refused(tenant, "c1", tok, 403, NULL);
	free(tok);
}

Test(write_access, a_write_roles_token_may_make_all_six_changes)
{
	char tenant[64], claims[512];
	fresh_tenant("wac-rw", tenant, sizeof(tenant));
	fixture(tenant, "c1", "Writer Roles");
	snprintf(claims, sizeof(claims),
	         "{\"sub\":\"%s\",\"tenantId\":\"%s\",\"roles\":[\"crm:write\"],\"exp\":%lld}",
	         WH_ACTOR, tenant, (long long)time(NULL) + 600);
	char *tok = token_with_claims(claims);
	expect_each_applied(tenant, "c1", tok);
	free(tok);
}

Test(write_access, no_token_gets_401_with_www_authenticate_on_all_six)
{
	char tenant[64];
	fresh_tenant("wac-anon", tenant, sizeof(tenant));
	fixture(tenant, "c1", "Anonymous");
	char *row = wh_row(tenant, "c1");
	for (size_t i = 0; i < NOPS; i++) {
		struct http *r = run_op(&ops[i], NULL, "c1");
		wh_assert_error(r, 401, NULL, ops[i].name);
		char *www = http_header(r, "WWW-Authenticate");
		cr_assert(www != NULL && strstr(www, "Bearer") != NULL, "%s: WWW-Authenticate: %s",
		          ops[i].name, www ? www : "(none)");
		free(www);
		http_free(r);
	}
	wh_assert_row_unchanged(tenant, "c1", row, "anonymous requests");
	free(row);
}

Test(write_access, an_expired_token_gets_401_on_all_six)
{
	char tenant[64], claims[512];
	fresh_tenant("wac-exp", tenant, sizeof(tenant));
	fixture(tenant, "c1", "Expired");
	snprintf(claims, sizeof(claims),
	         "{\"sub\":\"%s\",\"tenantId\":\"%s\",\"scope\":\"crm:read "
	         "crm:write\",\"exp\":%lld}",
	         WH_ACTOR, tenant, (long long)time(NULL) - 3600);
	char *tok = token_with_claims(claims);
	expect_each_refused(tenant, "c1", tok, 401, NULL);
	free(tok);
}

Test(write_access, an_unknown_customer_gets_404_on_all_six)
{
	char tenant[64];
	fresh_tenant("wac-unk", tenant, sizeof(tenant));
	fixture(tenant, "c1", "Known");
	char *tok = wh_token(tenant);
	char *row = wh_row(tenant, "c1");
	for (size_t i = 0; i < NOPS; i++) {
		struct http *r = run_op(&ops[i], tok, "no-such-customer");
		wh_assert_error(r, 404, "customer", ops[i].name);
		http_free(r);
	}
	cr_assert_eq(db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'", tenant), 1,
	             "no customer may be created by a change");
	wh_assert_row_unchanged(tenant, "c1", row, "other customer");
	free(row);
	free(tok);
}

Test(write_access, a_malformed_customer_id_gets_400_on_all_six)
{
	static const char *const bad[] = {"c.1", "c%201", "c%2F1", "%C3%A91"};
	char tenant[64];
	fresh_tenant("wac-bad", tenant, sizeof(tenant));
	fixture(tenant, "c1", "Bad Ids");
	char *tok = wh_token(tenant);
	char *row = wh_row(tenant, "c1");
	char long_id[LIMIT_ID_CHARS + 2];
	memset(long_id, 'c', LIMIT_ID_CHARS + 1);
	long_id[LIMIT_ID_CHARS + 1] = '\0';
	for (size_t i = 0; i < NOPS; i++) {
		for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
			struct http *r = run_op(&ops[i], tok, bad[b]);
			wh_assert_error(r, 400, NULL, bad[b]);
			http_free(r);
		}
		struct http *r = run_op(&ops[i], tok, long_id);
		wh_assert_error(r, 400, NULL, "an id one character too long");
		http_free(r);
	}
	wh_assert_row_unchanged(tenant, "c1", row, "malformed ids");
	free(row);
	free(tok);
}

Test(write_access, a_wrong_method_gets_405_with_allow_and_changes_nothing)
{
	static const struct {
		const char *method, *tail, *allow;
	} wrong[] = {
	        {"POST", "crm-status", "PATCH"}, {"PUT", "next-action", "PATCH"},
	        {"GET", "owner/u-ann", "PATCH"}, {"PUT", "owner", "DELETE"},
	        {"PATCH", "tags/x", "POST"},     {"GET", "tags/x", "DELETE"},
	};
	char tenant[64];
	fresh_tenant("wac-405", tenant, sizeof(tenant));
	fixture(tenant, "c1", "Methods");
	char *tok = wh_token(tenant);
	char *row = wh_row(tenant, "c1");
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		struct http *r = wh_request(wrong[i].method, tok, "c1", wrong[i].tail, NULL, NULL);
		wh_assert_error(r, 405, NULL, wrong[i].tail);
		char *allow = http_header(r, "Allow");
		cr_assert(allow != NULL && strstr(allow, wrong[i].allow) != NULL,
		          "%s %s: Allow '%s' should list %s", wrong[i].method, wrong[i].tail,
		          allow ? allow : "(none)", wrong[i].allow);
		free(allow);
		http_free(r);
	}
	wh_assert_row_unchanged(tenant, "c1", row, "wrong methods");
	free(row);
	free(tok);
}

Test(write_access, the_event_author_and_updatedBy_are_the_token_sub)
{
	char tenant[64];
	fresh_tenant("wac-sub", tenant, sizeof(tenant));
	fixture(tenant, "c1", "Authors");
	static const char *const subs[] = {"u-first", "u-second"};
	for (size_t s = 0; s < 2; s++) {
		char *tok = token_for(subs[s], tenant, WH_SCOPE_WRITE);
		json_t *before = wh_doc(tenant, "c1");
		time_t t0 = time(NULL);
		struct http *r = run_op(&ops[4 + s], tok, "c1"); /* add newtag, remove oldtag */
		wh_assert_ok(r, ops[4 + s].name);
		json_t *after = wh_doc(tenant, "c1");
		wh_assert_one_new_event(before, after, ops[4 + s].event, subs[s], NULL, 0, t0);
		cr_assert_str_eq(wh_str(r->json, "updatedBy"), subs[s]);
		json_decref(before);
		json_decref(after);
		http_free(r);
		free(tok);
	}
}
