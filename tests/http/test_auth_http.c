/* test_auth_http: bearer tokens on the read endpoints through nginx — every bad token a 401 with WWW-Authenticate, a token without permission a 403. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <jwt.h>

#include "tests/http/client.h"
#include "tests/http/test_read_helpers.h"

/* The five read endpoints; c-1 exists in the fixture tenant. */
static const char *const read_paths[] = {
        "/crm/customers/c-1", "/crm/customers/by-owner/u-1",    "/crm/customers/by-status/ACTIVE",
        "/crm/customers/my",  "/crm/customers/overdue-actions",
};
#define NPATHS (sizeof(read_paths) / sizeof(read_paths[0]))

static void fixture(const char *tenant)
{
	rh_import_customers(tenant,
	                    json_pack("[o]", rh_customer("c-1", "Auth Customer", "u-1", "ACTIVE",
	                                                 "Call", "2020-01-01T00:00:00Z")));
}

/* Asserts a 401 in the error shape with WWW-Authenticate: Bearer error="invalid_token". */
static void assert_401(const struct http *r, const char *what)
{
	cr_assert_eq(r->status, 401, "%s: expected 401, got %ld: %s", what, r->status, r->body);
	assert_error_body(r, 401);
	char *h = http_header(r, "WWW-Authenticate");
	cr_assert_not_null(h, "%s: a 401 needs WWW-Authenticate", what);
	cr_assert(strncasecmp(h, "Bearer", 6) == 0, "%s: WWW-Authenticate '%s' is not Bearer", what,
	          h);
	cr_assert_not_null(strstr(h, "error=\"invalid_token\""),
	                   "%s: WWW-Authenticate '%s' lacks error=\"invalid_token\"", what, h);
	free(h);
}

/* Sends the raw Authorization value (NULL: no header) to every read endpoint; expects 401 each time. */
static void expect_401_with_header(const char *authorization, const char *what)
{
	char line[10000];
	const char *hdrs[] = {line, NULL};
	if (authorization != NULL)
		snprintf(line, sizeof(line), "Authorization: %s", authorization);
	for (size_t i = 0; i < NPATHS; i++) {
		struct http *r = http_do("GET", read_paths[i], NULL, NULL, NULL,
		                         authorization ? hdrs : NULL);
		char w[512];
		snprintf(w, sizeof(w), "%s on %s", what, read_paths[i]);
		assert_401(r, w);
		http_free(r);
	}
}

/* Sends token as a Bearer token to every read endpoint; expects 401 each time. */
static void expect_401(const char *token, const char *what)
{
	for (size_t i = 0; i < NPATHS; i++) {
		struct http *r = http_get(read_paths[i], token);
		char w[512];
		snprintf(w, sizeof(w), "%s on %s", what, read_paths[i]);
		assert_401(r, w);
		http_free(r);
	}
}

/* Expects status 200 on every read endpoint with token. */
static void expect_200(const char *token, const char *what)
{
	for (size_t i = 0; i < NPATHS; i++) {
		struct http *r = http_get(read_paths[i], token);
		char w[512];
		snprintf(w, sizeof(w), "%s on %s", what, read_paths[i]);
		rh_assert_ok(r, w);
		if (json_is_array(r->json))
			cr_assert_eq(json_array_size(r->json), 1, "%s: the fixture customer: %s", w,
			             r->body);
		http_free(r);
	}
}

/* Claims text for sub/tenant with exp = now + 600 plus extra members (a JSON object text or NULL). */
static char *claims(const char *sub, const char *tenant, const char *scope, const char *extra)
{
	json_t *c = json_pack("{s:I}", "exp", (json_int_t)time(NULL) + 600);
	if (sub != NULL)
		json_object_set_new(c, "sub", json_string(sub));
	if (tenant != NULL)
		json_object_set_new(c, "tenantId", json_string(tenant));
	if (scope != NULL)
		json_object_set_new(c, "scope", json_string(scope));
	if (extra != NULL) {
		json_t *x = json_loads(extra, 0, NULL);
		cr_assert_not_null(x, "bad extra claims %s", extra);
		json_object_update(c, x);
		json_decref(x);
	}
	char *s = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	return s;
}

/* A token of claims (JSON text) signed by libjwt with alg and key (NULL for none). */
static char *sign(jwt_alg_t alg, const char *key, const char *claims_json)
{
	jwt_t *jwt = NULL;
	cr_assert_eq(jwt_new(&jwt), 0, "jwt_new");
	cr_assert_eq(jwt_add_grants_json(jwt, claims_json), 0, "claims %s", claims_json);
	cr_assert_eq(jwt_set_alg(jwt, alg, (const unsigned char *)key, key ? (int)strlen(key) : 0),
	             0, "jwt_set_alg %s", jwt_alg_str(alg));
	char *enc = jwt_encode_str(jwt);
	cr_assert_not_null(enc, "jwt_encode_str");
	char *out = strdup(enc);
	free(enc);
	jwt_free(jwt);
	return out;
}

/* base64url without padding of n bytes into a new string. */
static char *b64url(const char *in, size_t n)
{
	static const char tbl[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *out = malloc(n * 4 / 3 + 4), *o = out;
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0;
	for (; i + 2 < n; i += 3) {
		*o++ = tbl[p[i] >> 2];
		*o++ = tbl[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = tbl[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = tbl[p[i + 2] & 63];
	}
	if (n - i == 1) {
		*o++ = tbl[p[i] >> 2];
		*o++ = tbl[(p[i] & 3) << 4];
	} else if (n - i == 2) {
		*o++ = tbl[p[i] >> 2];
		*o++ = tbl[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = tbl[(p[i + 1] & 15) << 2];
	}
	*o = '\0';
	return out;
}

/* header.payload.signature from the JSON texts and a raw signature part. */
static char *assemble(const char *header_json, const char *payload_json, const char *sig)
{
	char *h = b64url(header_json, strlen(header_json));
	char *p = b64url(payload_json, strlen(payload_json));
	char *out = NULL;
	cr_assert(asprintf(&out, "%s.%s.%s", h, p, sig) > 0, "out of memory");
	free(h);
	free(p);
	return out;
}

/* The signature part of a token (malloc'd). */
static char *signature_of(const char *token)
{
	const char *dot = strrchr(token, '.');
	cr_assert_not_null(dot, "not a JWT: %s", token);
	return strdup(dot + 1);
}

Test(auth_http, no_token_is_401_on_every_read_endpoint)
{
	char tenant[80];
	fresh_tenant("auth-none", tenant, sizeof(tenant));
	fixture(tenant);
	expect_401_with_header(NULL, "no Authorization header");
}

Test(auth_http, a_valid_read_token_reads_every_endpoint)
{
	char tenant[80];
	fresh_tenant("auth-valid", tenant, sizeof(tenant));
	fixture(tenant);
	char *t = rh_token("u-1", tenant);
	expect_200(t, "a crm:read token");
	free(t);
}

Test(auth_http, malformed_authorization_is_401)
{
	char tenant[80];
	fresh_tenant("auth-malformed", tenant, sizeof(tenant));
	fixture(tenant);
	char *good = rh_token("u-1", tenant);
	char basic[64], no_scheme[9000], two[9000], cut[9000];
	snprintf(basic, sizeof(basic), "Basic dXNlcjpwYXNzd29yZA==");
	snprintf(no_scheme, sizeof(no_scheme), "%s", good);
	snprintf(two, sizeof(two), "Bearer %s %s", good, good);
	snprintf(cut, sizeof(cut), "Bearer %.*s", (int)strlen(good) - 5, good);
	const char *const bad[] = {
	        "Bearer",
	        "Bearer ",
	        "Bearer abc",
	        "Bearer a.b",
	        "Bearer a.b.c.d",
	        "Bearer !!!.???.###",
	        "Bearer ..",
	        basic,
	        no_scheme,
	        two,
	        cut,
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[128];
		snprintf(what, sizeof(what), "Authorization '%.40s'", bad[i]);
		expect_401_with_header(bad[i], what);
	}
	free(good);
}

Test(auth_http, token_signed_with_another_secret_is_401)
{
	char tenant[80];
	fresh_tenant("auth-secret", tenant, sizeof(tenant));
	fixture(tenant);
	char *c = claims("u-1", tenant, "crm:read", NULL);
	char *t = sign(JWT_ALG_HS256, "not-the-secret-of-this-service-0123456789", c);
	expect_401(t, "another secret");
	free(t);
	free(c);
}

Test(auth_http, token_with_a_changed_payload_is_401)
{
	char a[80], b[80];
	fresh_tenant("auth-tamper-a", a, sizeof(a));
	fresh_tenant("auth-tamper-b", b, sizeof(b));
	fixture(a);
	/* a valid token of tenant b, its payload swapped for tenant a's, its signature kept */
	char *tb = rh_token("u-1", b);
	char *sig = signature_of(tb);
	char *c = claims("u-1", a, "crm:read", NULL);
	char *forged = assemble("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", c, sig);
	expect_401(forged, "payload changed after signing");
	free(forged);
	free(c);
	free(sig);
	free(tb);
}

Test(auth_http, expired_token_is_401)
{
	char tenant[80];
	fresh_tenant("auth-expired", tenant, sizeof(tenant));
	fixture(tenant);
	char extra[64];
	snprintf(extra, sizeof(extra), "{\"exp\":%ld}", (long)time(NULL) - 3600);
	char *c = claims("u-1", tenant, "crm:read", extra);
	char *t = token_with_claims(c);
	expect_401(t, "expired an hour ago");
	free(t);
	free(c);
}

Test(auth_http, token_without_exp_is_401)
{
	char tenant[80];
	fresh_tenant("auth-noexp", tenant, sizeof(tenant));
	fixture(tenant);
	char text[256];
	snprintf(text, sizeof(text), "{\"sub\":\"u-1\",\"tenantId\":\"%s\",\"scope\":\"crm:read\"}",
	         tenant);
	char *t = token_with_claims(text);
	expect_401(t, "no exp");
	free(t);
}

Test(auth_http, token_with_nbf_in_the_future_is_401)
{
	char tenant[80];
	fresh_tenant("auth-nbf", tenant, sizeof(tenant));
	fixture(tenant);
	char extra[64];
	snprintf(extra, sizeof(extra), "{\"nbf\":%ld}", (long)time(NULL) + 3600);
	char *c = claims("u-1", tenant, "crm:read", extra);
	char *t = token_with_claims(c);
	expect_401(t, "nbf an hour ahead");
	free(t);
	free(c);
}

Test(auth_http, token_with_nbf_in_the_past_is_accepted)
{
	char tenant[80];
	fresh_tenant("auth-nbf-ok", tenant, sizeof(tenant));
	fixture(tenant);
	char extra[64];
	snprintf(extra, sizeof(extra), "{\"nbf\":%ld}", (long)time(NULL) - 10);
	char *c = claims("u-1", tenant, "crm:read", extra);
	char *t = token_with_claims(c);
	expect_200(t, "nbf ten seconds ago");
	free(t);
	free(c);
}

Test(auth_http, token_with_alg_none_is_401)
{
	char tenant[80];
	fresh_tenant("auth-none-alg", tenant, sizeof(tenant));
	fixture(tenant);
	char *c = claims("u-1", tenant, "crm:read", NULL);
	/* libjwt's own unsigned token: "header.payload." */
	char *t = sign(JWT_ALG_NONE, NULL, c);
	expect_401(t, "alg none (empty signature)");
	/* alg none with a signature part, and with the valid HS256 signature of the same claims */
	char *good = token_with_claims(c);
	char *sig = signature_of(good);
	char *n1 = assemble("{\"alg\":\"none\",\"typ\":\"JWT\"}", c, "c2lnbmF0dXJl");
	char *n2 = assemble("{\"alg\":\"none\",\"typ\":\"JWT\"}", c, sig);
	char *n3 = assemble("{\"alg\":\"None\",\"typ\":\"JWT\"}", c, sig);
	char *n4 = assemble("{\"typ\":\"JWT\"}", c, sig);
	expect_401(n1, "alg none with a signature");
	expect_401(n2, "alg none with the HS256 signature");
	expect_401(n3, "alg None");
	expect_401(n4, "no alg at all");
	free(n1);
	free(n2);
	free(n3);
	free(n4);
	free(sig);
	free(good);
	free(t);
	free(c);
}

Test(auth_http, token_signed_with_another_algorithm_and_the_right_secret_is_401)
{
	char tenant[80];
	fresh_tenant("auth-hs512", tenant, sizeof(tenant));
	fixture(tenant);
	const char *secret = getenv("CRM_JWT_SECRET");
	char conf_secret[512] = "";
	if (secret == NULL || secret[0] == '\0') {
		/* the same secret token_with_claims uses: read it back from the configuration */
		FILE *f = fopen(getenv("CRM_TEST_CONF"), "r");
		cr_assert_not_null(f, "CRM_TEST_CONF");
		char line[1024];
		while (fgets(line, sizeof(line), f) != NULL) {
			char *eq = strchr(line, '=');
			if (strncmp(line, "jwt_secret", 10) != 0 || eq == NULL)
				continue;
			char *v = eq + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			v[strcspn(v, " \t\r\n")] = '\0';
			snprintf(conf_secret, sizeof(conf_secret), "%s", v);
		}
		fclose(f);
		secret = conf_secret;
	}
	cr_assert(secret[0] != '\0', "no secret");
	char *c = claims("u-1", tenant, "crm:read", NULL);
	char *t512 = sign(JWT_ALG_HS512, secret, c);
	char *t384 = sign(JWT_ALG_HS384, secret, c);
	expect_401(t512, "HS512 with the service's secret");
	expect_401(t384, "HS384 with the service's secret");
	free(t512);
	free(t384);
	free(c);
}

Test(auth_http, token_without_sub_or_tenant_is_401)
{
	char tenant[80];
	fresh_tenant("auth-claims", tenant, sizeof(tenant));
	fixture(tenant);
	char *no_sub = claims(NULL, tenant, "crm:read", NULL);
	char *no_tenant = claims("u-1", NULL, "crm:read", NULL);
	char *empty_sub = claims("", tenant, "crm:read", NULL);
	char *empty_tenant = claims("u-1", "", "crm:read", NULL);
	char *num_tenant = claims("u-1", NULL, "crm:read", "{\"tenantId\":42}");
	char *num_sub = claims(NULL, tenant, "crm:read", "{\"sub\":7}");
	const char *const texts[] = {no_sub,       no_tenant,  empty_sub,
	                             empty_tenant, num_tenant, num_sub};
	const char *const names[] = {"no sub",         "no tenantId",      "empty sub",
	                             "empty tenantId", "numeric tenantId", "numeric sub"};
	for (size_t i = 0; i < 6; i++) {
		char *t = token_with_claims(texts[i]);
		expect_401(t, names[i]);
		free(t);
	}
	free(no_sub);
	free(no_tenant);
	free(empty_sub);
	free(empty_tenant);
	free(num_tenant);
	free(num_sub);
}

/* Asserts a 403 in the error shape on every read endpoint. */
static void expect_403(const char *token, const char *what)
{
	for (size_t i = 0; i < NPATHS; i++) {
		struct http *r = http_get(read_paths[i], token);
		char w[512];
		snprintf(w, sizeof(w), "%s on %s", what, read_paths[i]);
		rh_assert_error(r, 403, NULL, w);
		cr_assert_null(strstr(r->body, "Auth Customer"), "%s: the 403 leaks data", w);
		http_free(r);
	}
}

Test(auth_http, token_without_crm_read_or_write_is_403)
{
	char tenant[80];
	fresh_tenant("auth-scope", tenant, sizeof(tenant));
	fixture(tenant);
	char *no_scope = claims("u-1", tenant, NULL, NULL);
	char *other_scope = claims("u-1", tenant, "openid profile", NULL);
	char *near_miss = claims("u-1", tenant, "crm:reader crm:writer xcrm:read", NULL);
	char *upper = claims("u-1", tenant, "CRM:READ", NULL);
	char *roles = claims("u-1", tenant, NULL, "{\"roles\":[\"admin\",\"crm\"]}");
	const char *const texts[] = {no_scope, other_scope, near_miss, upper, roles};
	const char *const names[] = {"no scope", "scope openid profile", "scope crm:reader ...",
	                             "scope CRM:READ", "roles admin, crm"};
	for (size_t i = 0; i < 5; i++) {
		char *t = token_with_claims(texts[i]);
		expect_403(t, names[i]);
		free(t);
	}
	free(no_scope);
	free(other_scope);
	free(near_miss);
	free(upper);
	free(roles);
}

Test(auth_http, crm_read_or_crm_write_in_scope_or_roles_may_read)
{
	char tenant[80];
	fresh_tenant("auth-grants", tenant, sizeof(tenant));
	fixture(tenant);
	char *s_read = claims("u-1", tenant, "crm:read", NULL);
	char *s_write = claims("u-1", tenant, "crm:write", NULL);
	char *s_mixed = claims("u-1", tenant, "openid crm:read profile", NULL);
	char *r_read = claims("u-1", tenant, NULL, "{\"roles\":[\"crm:read\"]}");
	char *r_write = claims("u-1", tenant, NULL, "{\"roles\":[\"admin\",\"crm:write\"]}");
	const char *const texts[] = {s_read, s_write, s_mixed, r_read, r_write};
	for (size_t i = 0; i < 5; i++) {
		char *t = token_with_claims(texts[i]);
		expect_200(t, texts[i]);
		free(t);
	}
	free(s_read);
	free(s_write);
	free(s_mixed);
	free(r_read);
	free(r_write);
}

Test(auth_http, bearer_scheme_is_matched_without_regard_to_case)
{
	char tenant[80];
	fresh_tenant("auth-case", tenant, sizeof(tenant));
	fixture(tenant);
	char *t = rh_token("u-1", tenant);
	char line[9000];
	snprintf(line, sizeof(line), "Authorization: bearer %s", t);
	const char *hdrs[] = {line, NULL};
	struct http *r = http_do("GET", "/crm/customers/c-1", NULL, NULL, NULL, hdrs);
	rh_assert_ok_object(r, "scheme 'bearer'");
	http_free(r);
	free(t);
}

Test(auth_http, an_unknown_customer_without_a_token_is_401_not_404)
{
	char tenant[80];
	fresh_tenant("auth-order", tenant, sizeof(tenant));
	struct http *r = http_get("/crm/customers/does-not-exist", NULL);
	assert_401(r, "unknown customer, no token");
	http_free(r);
	r = http_get("/crm/customers/by-status/NOPE", NULL);
	assert_401(r, "bad status, no token");
	http_free(r);
}
