/* test_hostile_claims: validly signed tokens whose claims attack tenancy, permissions or time — padded ids, roles widening a scope, endless or future times, unreadable numbers, other token types — each refused on every endpoint, nothing changed. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "lib/limits.h"
#include "model/list_sql.h"
#include "tests/http/client.h"
#include "tests/http/test_hostile_helpers.h"

#define OWNER     "u-owner" /* the fixture's owner: /my lists it for this sub */
#define TWIN_NAME "Padded Twin Customer"

struct endpoint {
	const char *method;
	const char *path;
	const char *body; /* JSON, or NULL */
	int write;
};

/* The eleven endpoints of routes.c, each on the fixture; reads first, then the writes in an
 * order in which each succeeds for a token that may make it. */
static const struct endpoint endpoints[] = {
        {"GET", "/crm/customers/by-owner/" OWNER, NULL, 0},
        {"GET", "/crm/customers/by-status/LEAD", NULL, 0},
        {"GET", "/crm/customers/my", NULL, 0},
        {"GET", "/crm/customers/overdue-actions", NULL, 0},
        {"GET", "/crm/customers/" HX_FIXTURE_ID, NULL, 0},
        {"PATCH", "/crm/customers/" HX_FIXTURE_ID "/crm-status", "{\"crmStatus\":\"PROSPECT\"}", 1},
        {"PATCH", "/crm/customers/" HX_FIXTURE_ID "/next-action",
         "{\"nextAction\":\"Send the contract\",\"nextActionDueDate\":\"2021-02-03T10:00:00Z\"}",
         1},
        {"PATCH", "/crm/customers/" HX_FIXTURE_ID "/owner/u-other", NULL, 1},
        {"DELETE", "/crm/customers/" HX_FIXTURE_ID "/owner", NULL, 1},
        {"POST", "/crm/customers/" HX_FIXTURE_ID "/tags/claims-tag", NULL, 1},
        {"DELETE", "/crm/customers/" HX_FIXTURE_ID "/tags/Beta", NULL, 1},
};
#define NENDPOINTS (sizeof(endpoints) / sizeof(endpoints[0]))

static struct http *call(const struct endpoint *ep, const char *token)
{
	return hx_call(HX_MAIN, ep->method, ep->path, token, ep->body ? HX_JSON : NULL, ep->body);
}

static char *what_of(const struct endpoint *ep, const char *token_what)
{
	return hx_fmt("%s %s with %s", ep->method, ep->path, token_what);
}

/*
 * hx_begin, plus the users the owner endpoints name and the fixture's next
 * action overdue, so that every list of the tenant holds it: by owner, by
 * status, /my for OWNER, overdue.  hx_end ends it.
 */
static void claims_begin(struct hx_fx *fx, const char *prefix)
{
	hx_begin(fx, prefix, 0);
	json_t *c = hx_customer(HX_FIXTURE_ID, HX_FIXTURE_NAME, "LEAD", OWNER);
	json_object_set_new(c, "nextActionDueDate", json_string("2020-01-01T09:00:00Z"));
	json_t *doc = json_pack("{s:[{s:s,s:s,s:s},{s:s,s:s,s:s}],s:[o]}", "users", "id", OWNER,
	                        "username", "owner", "displayName", "The Owner", "id", "u-other",
	                        "username", "other", "displayName", "Another User", "customers", c);
	cr_assert_not_null(doc, "the fixture document");
	char *text = json_dumps(doc, JSON_COMPACT);
	char *err = NULL;
	int rc = crmctl_import(fx->tenant, text, &err);
	cr_assert_eq(rc, 0, "crmctl import into %s failed (exit %d): %s", fx->tenant, rc,
	             err ? err : "");
	free(err);
	free(text);
	json_decref(doc);
	hx_resnapshot(fx);
}

/* A token of the claims text (printf-style) signed with the service's secret (malloc'd). */
static char *signed_claims(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *signed_claims(const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&text, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0, "out of memory");
	char *t = hx_hs256(text);
	free(text);
	return t;
}

/* A crm:read crm:write token of sub and tenant given as JSON string texts, exp now + 600. */
static char *ids_token(const char *sub_json, const char *tenant_json)
{
	return signed_claims("{\"sub\":%s,\"tenantId\":%s,\"scope\":\"%s\",\"exp\":%ld}", sub_json,
	                     tenant_json, HX_SCOPE_WRITE, (long)time(NULL) + 600);
}

/* ep with token: 401 with WWW-Authenticate, a detail that names `named` and not the
 * signature, nothing of the fixture in the body, no row changed. */
static void expect_401_naming(const struct hx_fx *fx, const struct endpoint *ep, const char *token,
                              const char *named, const char *token_what)
{
	char *what = what_of(ep, token_what);
	struct http *r = call(ep, token);
	hx_assert_401(r, what);
	const char *detail = hx_str(r->json, "detail");
	cr_assert(detail != NULL && strstr(detail, named) != NULL,
	          "%s: the detail does not name %s: %s", what, named, r->body);
	cr_assert_null(strstr(detail, "signature"),
	               "%s: a readable, validly signed token is not a "
	               "signature failure: %s",
	               what, detail);
	cr_assert_null(strstr(r->body, HX_FIXTURE_NAME), "%s: the 401 leaks the customer", what);
	hx_assert_unchanged(fx, what);
	http_free(r);
	free(what);
}

/* ep with token: 403, nothing of the fixture in the body, no row changed. */
static void expect_403(const struct hx_fx *fx, const struct endpoint *ep, const char *token,
                       const char *token_what)
{
	char *what = what_of(ep, token_what);
	struct http *r = call(ep, token);
	hx_assert_error(r, 403, what);
	cr_assert_null(strstr(r->body, HX_FIXTURE_NAME), "%s: the 403 leaks the customer", what);
	hx_assert_unchanged(fx, what);
	http_free(r);
	free(what);
}

/* A read answered 200 with the fixture and nothing else: a list of one, or the customer. */
static void assert_only_the_fixture(const struct http *r, const char *what)
{
	cr_assert_eq(r->status, 200, "%s: expected 200, got %ld: %.300s", what, r->status, r->body);
	const json_t *c = r->json;
	if (json_is_array(r->json)) {
		cr_assert_eq(json_array_size(r->json), 1,
		             "%s: the list is not the fixture alone: %.300s", what, r->body);
		c = json_array_get(r->json, 0);
	}
	cr_assert(json_is_object(c), "%s: not a customer: %.300s", what, r->body);
	cr_assert_str_eq(hx_str(c, "id") ? hx_str(c, "id") : "(none)", HX_FIXTURE_ID, "%s", what);
	cr_assert_str_eq(hx_str(c, "name") ? hx_str(c, "name") : "(none)", HX_FIXTURE_NAME, "%s",
	                 what);
	cr_assert_null(strstr(r->body, TWIN_NAME), "%s: the twin shows", what);
}

/* The positive control: token reads the fixture on every read endpoint and makes every change. */
static void expect_every_endpoint_served(struct hx_fx *fx, const char *token,
                                         const char *token_what)
{
	for (size_t i = 0; i < NENDPOINTS; i++) {
		char *what = what_of(&endpoints[i], token_what);
		struct http *r = call(&endpoints[i], token);
		if (!endpoints[i].write) {
			assert_only_the_fixture(r, what);
		} else {
			hx_assert_ok_customer(r, what);
			char *row = hx_row(fx->tenant, HX_FIXTURE_ID);
			cr_assert(strcmp(row, fx->row) != 0, "%s: the change was not stored", what);
			free(row);
			hx_resnapshot(fx);
		}
		http_free(r);
		free(what);
	}
}

/* ---- ids compared byte for byte ------------------------------------------------------------ */

Test(claims, a_tenant_id_padded_with_spaces_is_refused_on_every_endpoint)
{
	struct hx_fx fx;
	claims_begin(&fx, "hc-tenant");
	size_t len = strlen(fx.tenant);
	cr_assert(len < LIMIT_ID_CHARS, "the tenant id leaves no room for padding");
	char *trailing = hx_fmt("\"%s \"", fx.tenant);
	char *padded = hx_fmt("\"%s%*s\"", fx.tenant, (int)(LIMIT_ID_CHARS - len), "");
	char *leading = hx_fmt("\" %s\"", fx.tenant);
	char *nbsp = hx_fmt("\"%s\\u00a0\"", fx.tenant);
	char *tab = hx_fmt("\"%s\\t\"", fx.tenant);
	const char *const tenants[] = {trailing, padded, leading, nbsp, tab};
	const char *const names[] = {
	        "tenantId plus a trailing space",
	        "tenantId padded to " LIMIT_ID_CHARS_TEXT " characters with spaces",
	        "tenantId after a leading space", "tenantId plus NBSP", "tenantId plus a tab"};
	for (size_t t = 0; t < sizeof(tenants) / sizeof(tenants[0]); t++) {
		char *token = ids_token("\"" OWNER "\"", tenants[t]);
		for (size_t i = 0; i < NENDPOINTS; i++)
			expect_401_naming(&fx, &endpoints[i], token, "tenantId claim", names[t]);
		free(token);
	}
	/* the same recipe with the tenant's exact id is served everywhere */
	char *exact = hx_fmt("\"%s\"", fx.tenant);
	char *token = ids_token("\"" OWNER "\"", exact);
	expect_every_endpoint_served(&fx, token, "the exact tenantId");
	free(token);
	free(exact);
	free(tab);
	free(nbsp);
	free(leading);
	free(padded);
	free(trailing);
	hx_end(&fx);
}

Test(claims, a_sub_with_a_trailing_space_is_refused_on_every_endpoint)
{
	struct hx_fx fx;
	claims_begin(&fx, "hc-sub");
	char *tenant = hx_fmt("\"%s\"", fx.tenant);
	char *padded = hx_fmt("\"%s%*s\"", OWNER, (int)(LIMIT_ID_CHARS - strlen(OWNER)), "");
	const char *const subs[] = {"\"" OWNER " \"", padded, "\"" HX_ACTOR " \"",
	                            "\"" OWNER "\\u2028\""};
	const char *const names[] = {"sub plus a trailing space",
	                             "sub padded to " LIMIT_ID_CHARS_TEXT " with spaces",
	                             "another user's sub plus a space", "sub plus U+2028"};
	for (size_t s = 0; s < sizeof(subs) / sizeof(subs[0]); s++) {
		char *token = ids_token(subs[s], tenant);
		for (size_t i = 0; i < NENDPOINTS; i++)
			expect_401_naming(&fx, &endpoints[i], token, "sub claim", names[s]);
		free(token);
	}
	char *token = ids_token("\"" OWNER "\"", tenant);
	expect_every_endpoint_served(&fx, token, "the exact sub");
	free(token);
	free(padded);
	free(tenant);
	hx_end(&fx);
}

/* Copies the customers row (tenant, id) to (to_tenant, to_id), named TWIN_NAME. */
static void insert_twin(const char *tenant, const char *id, const char *to_tenant,
                        const char *to_id)
{
	/* every column as it is, whatever columns the schema has grown */
	free(db_scalar("DROP TEMPORARY TABLE IF EXISTS claims_twin"));
	free(db_scalar("CREATE TEMPORARY TABLE claims_twin SELECT * FROM customers"
	               " WHERE tenant_id = '%s' AND id = '%s'",
	               tenant, id));
	free(db_scalar("UPDATE claims_twin SET tenant_id = '%s', id = '%s', sort_name = '%s',"
	               " doc = REPLACE(doc, '%s', '%s'), list_tag = " LIST_TAG_SQL
	               ", list_bytes = " LIST_BYTES_SQL,
	               to_tenant, to_id, TWIN_NAME, HX_FIXTURE_NAME, TWIN_NAME));
	/* every column but the generated ones (none today; computed, never given) */
	char *cols = db_scalar("SELECT GROUP_CONCAT(column_name ORDER BY ordinal_position)"
	                       " FROM information_schema.columns WHERE table_schema = DATABASE()"
	                       " AND table_name = 'customers' AND is_generated = 'NEVER'");
	free(db_scalar("INSERT INTO customers (%s) SELECT %s FROM claims_twin", cols, cols));
	free(cols);
	free(db_scalar("DROP TEMPORARY TABLE claims_twin"));
	long n = db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s' AND id = '%s'"
	                  " AND doc LIKE '%%%s%%'",
	                  to_tenant, to_id, TWIN_NAME);
	cr_assert_eq(n, 1, "the twin (%s, %s) was not stored", to_tenant, to_id);
}

Test(claims, a_tenant_differing_by_a_trailing_space_is_another_tenant_in_the_database)
{
	struct hx_fx fx;
	claims_begin(&fx, "hc-nopad");
	char *padded = hx_fmt("%s ", fx.tenant);
	/* under PAD SPACE this row would collide with the fixture's primary key */
	insert_twin(fx.tenant, HX_FIXTURE_ID, padded, HX_FIXTURE_ID);
	cr_assert_eq(db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'", fx.tenant),
	             1, "'%s' = '%s ' in SQL: the id columns still pad", fx.tenant, fx.tenant);
	hx_resnapshot(&fx);
	char *twin_before = hx_row(padded, HX_FIXTURE_ID);
	cr_assert_not_null(twin_before);

	/* the real tenant's lists and GET see its own customer only */
	char *exact = hx_fmt("\"%s\"", fx.tenant);
	char *token = ids_token("\"" OWNER "\"", exact);
	for (size_t i = 0; i < NENDPOINTS; i++) {
		if (endpoints[i].write)
			continue;
		char *what = what_of(&endpoints[i], "the real tenant, its twin stored");
		struct http *r = call(&endpoints[i], token);
		assert_only_the_fixture(r, what);
		http_free(r);
		free(what);
	}
	/* and the twin's tenant cannot be named in a token */
	char *padded_json = hx_fmt("\"%s\"", padded);
	char *twin_token = ids_token("\"" OWNER "\"", padded_json);
	for (size_t i = 0; i < NENDPOINTS; i++)
		expect_401_naming(&fx, &endpoints[i], twin_token, "tenantId claim",
		                  "the twin's tenantId");
	/* each change to the id changes the real tenant's row and never the twin's */
	for (size_t i = 0; i < NENDPOINTS; i++) {
		if (!endpoints[i].write)
			continue;
		char *what = what_of(&endpoints[i], "the real tenant, its twin stored");
		struct http *r = call(&endpoints[i], token);
		hx_assert_ok_customer(r, what);
		cr_assert_null(strstr(r->body, TWIN_NAME), "%s: the answer is the twin", what);
		char *row = hx_row(fx.tenant, HX_FIXTURE_ID);
		cr_assert(strcmp(row, fx.row) != 0, "%s: the real customer did not change", what);
		char *twin = hx_row(padded, HX_FIXTURE_ID);
		cr_assert_str_eq(twin, twin_before, "%s: the twin changed", what);
		free(twin);
		free(row);
		hx_resnapshot(&fx);
		http_free(r);
		free(what);
	}
	free(db_scalar("DELETE FROM customers WHERE tenant_id = '%s'", padded));
	free(twin_token);
	free(padded_json);
	free(token);
	free(exact);
	free(twin_before);
	free(padded);
	hx_end(&fx);
}

Test(claims, a_customer_id_differing_by_a_trailing_space_is_another_customer)
{
	struct hx_fx fx;
	claims_begin(&fx, "hc-nopad-id");
	insert_twin(fx.tenant, HX_FIXTURE_ID, fx.tenant, HX_FIXTURE_ID " ");
	cr_assert_eq(db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s' AND id = '%s'",
	                      fx.tenant, HX_FIXTURE_ID),
	             1, "'c1' = 'c1 ' in SQL: the id columns still pad");
	hx_resnapshot(&fx);
	char *twin_before = hx_row(fx.tenant, HX_FIXTURE_ID " ");
	struct http *r =
	        hx_call(HX_MAIN, "GET", "/crm/customers/" HX_FIXTURE_ID, fx.token, NULL, NULL);
	hx_assert_ok_customer(r, "GET c1 beside 'c1 '");
	cr_assert_str_eq(hx_str(r->json, "name"), HX_FIXTURE_NAME);
	http_free(r);
	for (size_t i = 0; i < NENDPOINTS; i++) {
		if (!endpoints[i].write)
			continue;
		char *what = what_of(&endpoints[i], "c1 beside 'c1 '");
		r = call(&endpoints[i], fx.token);
		hx_assert_ok_customer(r, what);
		char *row = hx_row(fx.tenant, HX_FIXTURE_ID);
		cr_assert(strcmp(row, fx.row) != 0, "%s: c1 did not change", what);
		char *twin = hx_row(fx.tenant, HX_FIXTURE_ID " ");
		cr_assert_str_eq(twin, twin_before, "%s: 'c1 ' changed", what);
		free(twin);
		free(row);
		hx_resnapshot(&fx);
		http_free(r);
		free(what);
	}
	free(db_scalar("DELETE FROM customers WHERE tenant_id = '%s' AND id = '%s'", fx.tenant,
	               HX_FIXTURE_ID " "));
	free(twin_before);
	hx_end(&fx);
}

/* ---- permissions: scope, else roles -------------------------------------------------------- */

/* A token of OWNER in fx's tenant with the given scope/roles members (JSON text). */
static char *grant_token(const struct hx_fx *fx, const char *grants)
{
	return signed_claims("{\"sub\":\"%s\",\"tenantId\":\"%s\",\"exp\":%ld,%s}", OWNER,
	                     fx->tenant, (long)time(NULL) + 600, grants);
}

Test(claims, roles_do_not_widen_a_read_scope_on_any_write_endpoint)
{
	struct hx_fx fx;
	claims_begin(&fx, "hc-widen");
	static const char *const grants[] = {
	        "\"scope\":\"crm:read\",\"roles\":[\"crm:write\"]",
	        "\"roles\":[\"admin\",\"crm:write\"],\"scope\":\"crm:read\"",
	        "\"scope\":\"openid crm:read\",\"roles\":[\"crm:read\",\"crm:write\"]",
	};
	for (size_t g = 0; g < sizeof(grants) / sizeof(grants[0]); g++) {
		char *token = grant_token(&fx, grants[g]);
		for (size_t i = 0; i < NENDPOINTS; i++) {
			if (endpoints[i].write) {
				expect_403(&fx, &endpoints[i], token, grants[g]);
			} else { /* the positive control: the token is valid, and reads */
				char *what = what_of(&endpoints[i], grants[g]);
				struct http *r = call(&endpoints[i], token);
				assert_only_the_fixture(r, what);
				http_free(r);
				free(what);
			}
		}
		free(token);
	}
	hx_end(&fx);
}

Test(claims, an_id_token_scope_with_roles_may_neither_read_nor_write)
{
	struct hx_fx fx;
	claims_begin(&fx, "hc-idtoken");
	static const char *const grants[] = {
	        "\"scope\":\"openid profile\",\"roles\":[\"crm:read\",\"crm:write\"]",
	        "\"scope\":\"openid profile email\",\"roles\":[\"crm:write\"]",
	        "\"scope\":\"\",\"roles\":[\"crm:read\",\"crm:write\"]",
	};
	for (size_t g = 0; g < sizeof(grants) / sizeof(grants[0]); g++) {
		char *token = grant_token(&fx, grants[g]);
		for (size_t i = 0; i < NENDPOINTS; i++)
			expect_403(&fx, &endpoints[i], token, grants[g]);
		free(token);
	}
	hx_end(&fx);
}

Test(claims, roles_in_a_token_without_scope_still_grant_what_they_name)
{
	struct hx_fx fx;
	claims_begin(&fx, "hc-roles");
	char *reader = grant_token(&fx, "\"roles\":[\"crm:read\"]");
	for (size_t i = 0; i < NENDPOINTS; i++) {
		if (endpoints[i].write) {
			expect_403(&fx, &endpoints[i], reader, "roles [crm:read]");
		} else {
			char *what = what_of(&endpoints[i], "roles [crm:read]");
			struct http *r = call(&endpoints[i], reader);
			assert_only_the_fixture(r, what);
			http_free(r);
			free(what);
		}
	}
	char *writer = grant_token(&fx, "\"roles\":[\"admin\",\"crm:write\"]");
	expect_every_endpoint_served(&fx, writer, "roles [admin, crm:write]");
	free(writer);
	free(reader);
	hx_end(&fx);
}

/* ---- time ------------------------------------------------------------------------------------ */

/* Claims of OWNER in fx's tenant, crm:read crm:write, with the time members given. */
static char *timed_token(const struct hx_fx *fx, const char *times)
{
	return signed_claims("{\"sub\":\"%s\",\"tenantId\":\"%s\",\"scope\":\"%s\",%s}", OWNER,
	                     fx->tenant, HX_SCOPE_WRITE, times);
}

/* Every endpoint refuses each token of times[] with a 401 naming `named`. */
static void expect_times_refused(const struct hx_fx *fx, char *const *times, size_t n,
                                 const char *named)
{
	for (size_t t = 0; t < n; t++) {
		char *token = timed_token(fx, times[t]);
		for (size_t i = 0; i < NENDPOINTS; i++)
			expect_401_naming(fx, &endpoints[i], token, named, times[t]);
		free(token);
	}
}

Test(claims, an_exp_too_far_ahead_is_refused_on_every_endpoint)
{
	struct hx_fx fx;
	claims_begin(&fx, "hc-exp");
	long now = (long)time(NULL);
	char *times[] = {
	        hx_fmt("\"exp\":1e300"),
	        hx_fmt("\"exp\":9999999999"),
	        hx_fmt("\"exp\":9223372036854775807"),
	        hx_fmt("\"exp\":%ld", now + 86400 + 3600),
	        hx_fmt("\"exp\":%ld,\"iat\":%ld", now + 2 * 86400, now),
	};
	expect_times_refused(&fx, times, sizeof(times) / sizeof(times[0]), "exp");
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		free(times[i]);
	/* the positive control: a day ahead is within jwt_max_ttl */
	char *ok = hx_fmt("\"exp\":%ld,\"iat\":%ld", now + 86400 - 60, now);
	char *token = timed_token(&fx, ok);
	expect_every_endpoint_served(&fx, token, ok);
	free(token);
	free(ok);
	hx_end(&fx);
}

Test(claims, an_iat_in_the_future_is_refused_on_every_endpoint)
{
	struct hx_fx fx;
	claims_begin(&fx, "hc-iat");
	long now = (long)time(NULL);
	char *future[] = {
	        hx_fmt("\"exp\":%ld,\"iat\":%ld", now + 600, now + 3600),
	        hx_fmt("\"exp\":%ld,\"iat\":%ld", now + 600, now + 300),
	        hx_fmt("\"exp\":%ld,\"iat\":1e300", now + 600),
	};
	expect_times_refused(&fx, future, sizeof(future) / sizeof(future[0]),
	                     "iat lies in the future");
	char *not_number[] = {
	        hx_fmt("\"exp\":%ld,\"iat\":\"%ld\"", now + 600, now),
	        hx_fmt("\"exp\":%ld,\"iat\":null", now + 600),
	        hx_fmt("\"exp\":%ld,\"iat\":[%ld]", now + 600, now),
	};
	expect_times_refused(&fx, not_number, sizeof(not_number) / sizeof(not_number[0]),
	                     "iat claim");
	for (size_t i = 0; i < 3; i++) {
		free(future[i]);
		free(not_number[i]);
	}
	/* the positive control: an iat within the leeway ahead, and one in the past */
	char *ok1 = hx_fmt("\"exp\":%ld,\"iat\":%ld", now + 600, now + 20);
	char *ok2 = hx_fmt("\"exp\":%ld,\"iat\":%ld", now + 600, now - 10);
	char *t1 = timed_token(&fx, ok1), *t2 = timed_token(&fx, ok2);
	struct http *r = hx_call(HX_MAIN, "GET", "/crm/customers/" HX_FIXTURE_ID, t1, NULL, NULL);
	hx_assert_ok_customer(r, ok1);
	http_free(r);
	expect_every_endpoint_served(&fx, t2, ok2);
	free(t1);
	free(t2);
	free(ok1);
	free(ok2);
	hx_end(&fx);
}

Test(claims, an_overflowing_exp_is_refused_for_its_exp_not_its_signature)
{
	struct hx_fx fx;
	claims_begin(&fx, "hc-overflow");
	long now = (long)time(NULL);
	char *big_exp = hx_fmt("{\"sub\":\"%s\",\"tenantId\":\"%s\",\"scope\":\"%s\","
	                       "\"exp\":99999999999999999999}",
	                       OWNER, fx.tenant, HX_SCOPE_WRITE);
	char *t = hx_hs256(big_exp);
	for (size_t i = 0; i < NENDPOINTS; i++)
		expect_401_naming(&fx, &endpoints[i], t, "exp", "exp 99999999999999999999");
	free(t);
	/* signed with another key: the exp is still what is named first */
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	static const char other[] = "0123456789abcdef0123456789abcdef-not-ours";
	t = hx_hs256_raw(header, strlen(header), big_exp, strlen(big_exp), other, strlen(other));
	expect_401_naming(&fx, &endpoints[5], t, "exp", "exp 99999999999999999999, another key");
	free(t);
	/* an unrelated integer libjwt cannot read: the payload, not the signature, is refused */
	char *big_other = hx_fmt("{\"sub\":\"%s\",\"tenantId\":\"%s\",\"scope\":\"%s\",\"exp\":%ld,"
	                         "\"n\":99999999999999999999}",
	                         OWNER, fx.tenant, HX_SCOPE_WRITE, now + 600);
	t = hx_hs256(big_other);
	for (size_t i = 0; i < NENDPOINTS; i++)
		expect_401_naming(&fx, &endpoints[i], t, "number too large",
		                  "an unrelated 99999999999999999999");
	free(t);
	free(big_other);
	free(big_exp);
	hx_end(&fx);
}

Test(claims, a_token_of_another_type_is_refused_for_its_type)
{
	struct hx_fx fx;
	claims_begin(&fx, "hc-typ");
	char *claims = hx_fmt("{\"sub\":\"%s\",\"tenantId\":\"%s\",\"scope\":\"%s\",\"exp\":%ld}",
	                      OWNER, fx.tenant, HX_SCOPE_WRITE, (long)time(NULL) + 600);
	const char *secret = hx_secret();
	static const char *const refused[] = {
	        "{\"alg\":\"HS256\",\"typ\":\"JOSE+JSON\"}",
	        "{\"alg\":\"HS256\",\"typ\":\"JOSE\"}",
	        "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}",
	        "{\"alg\":\"HS256\",\"typ\":\"application/at+jwt\"}",
	        "{\"alg\":\"HS256\",\"typ\":7}",
	};
	for (size_t h = 0; h < sizeof(refused) / sizeof(refused[0]); h++) {
		char *t = hx_hs256_raw(refused[h], strlen(refused[h]), claims, strlen(claims),
		                       secret, strlen(secret));
		for (size_t i = 0; i < NENDPOINTS; i++)
			expect_401_naming(&fx, &endpoints[i], t, "type (typ header)", refused[h]);
		free(t);
	}
	/* the positive controls: typ JWT in another case, and no typ at all */
	static const char *const accepted[] = {"{\"alg\":\"HS256\",\"typ\":\"jwt\"}",
	                                       "{\"alg\":\"HS256\"}"};
	for (size_t h = 0; h < 2; h++) {
		char *t = hx_hs256_raw(accepted[h], strlen(accepted[h]), claims, strlen(claims),
		                       secret, strlen(secret));
		struct http *r =
		        hx_call(HX_MAIN, "GET", "/crm/customers/" HX_FIXTURE_ID, t, NULL, NULL);
		hx_assert_ok_customer(r, accepted[h]);
		http_free(r);
		free(t);
	}
	free(claims);
	hx_end(&fx);
}
