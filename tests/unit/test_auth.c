/* test_auth: Authorization header syntax, JOSE header, claims, signature and the cache. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "handlers/handlers.h"
#include "lib/b64url.h"
#include "lib/limits.h"

#define SECRET       "0123456789abcdef0123456789abcdef-test"
#define OTHER_SECRET "another-secret-another-secret-0000"
#define NOW          1700000000L /* the clock of the tests that build their own tokens */
#define JWT_HEAD     "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

static struct config cfg;

static void setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.jwt_alg = CONFIG_ALG_HS256;
	strcpy(cfg.jwt_secret, SECRET);
	cfg.jwt_leeway = 60;
	cfg.jwt_max_ttl = 86400;
}

/* cppcheck-suppress unknownMacro */
TestSuite(auth, .init = setup);

/* Signs claims (a JSON text) with HS256 and `secret`; returns "Bearer <jwt>". */
static char *bearer(const char *claims, const char *secret)
{
	jwt_t *jwt = NULL;
	cr_assert_eq(jwt_new(&jwt), 0);
	cr_assert_eq(jwt_add_grants_json(jwt, claims), 0);
	cr_assert_eq(
	        jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)secret, (int)strlen(secret)),
	        0);
	char *tok = jwt_encode_str(jwt);
	jwt_free(jwt);
	static char hdr[20000];
	snprintf(hdr, sizeof(hdr), "Bearer %s", tok);
	free(tok);
	return hdr;
}

/*
 * "Bearer h.p.s" into out: header and payload exactly as given (libjwt would
 * rewrite typ and re-serialise numbers), signed HS256 with secret.
 */
static void raw_bearer(const char *header, const char *payload, const char *secret, char *out,
                       size_t cap)
{
	char h[4096], p[8192];
	cr_assert(B64URL_ENCODED_SIZE(strlen(header)) <= sizeof(h));
	cr_assert(B64URL_ENCODED_SIZE(strlen(payload)) <= sizeof(p));
	b64url_encode(header, strlen(header), h);
	b64url_encode(payload, strlen(payload), p);
	char input[12288];
	int n = snprintf(input, sizeof(input), "%s.%s", h, p);
	cr_assert(n > 0 && (size_t)n < sizeof(input));
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	cr_assert_not_null(HMAC(EVP_sha256(), secret, (int)strlen(secret),
	                        (const unsigned char *)input, (size_t)n, mac, &maclen));
	char sig[B64URL_ENCODED_SIZE(EVP_MAX_MD_SIZE)];
	b64url_encode(mac, maclen, sig);
	n = snprintf(out, cap, "Bearer %s.%s", input, sig);
	cr_assert(n > 0 && (size_t)n < cap);
}

static enum auth_err verify(const char *hdr, struct principal *p)
{
	return auth_verify(&cfg, hdr, strlen(hdr), (int64_t)time(NULL), p);
}

/* auth_verify at NOW of a token of header and payload signed with secret. */
static enum auth_err verify_raw(const char *header, const char *payload, const char *secret,
                                struct principal *p)
{
	char hdr[16384];
	raw_bearer(header, payload, secret, hdr, sizeof(hdr));
	return auth_verify(&cfg, hdr, strlen(hdr), NOW, p);
}

static const char *good_claims(void)
{
	static char buf[256];
	snprintf(buf, sizeof(buf),
	         "{\"sub\":\"u1\",\"tenantId\":\"t1\",\"scope\":\"crm:read\",\"exp\":%ld}",
	         (long)time(NULL) + 600);
	return buf;
}

Test(auth, accepts_a_good_token)
{
	struct principal p;
	cr_assert_eq(verify(bearer(good_claims(), SECRET), &p), AUTH_OK);
	cr_assert_str_eq(p.sub, "u1");
	cr_assert_str_eq(p.tenant, "t1");
	cr_assert(p.can_read);
	cr_assert_not(p.can_write);
}

Test(auth, write_scope_implies_read)
{
	struct principal p;
	char c[256];
	snprintf(c, sizeof(c),
	         "{\"sub\":\"u\",\"tenantId\":\"t\",\"scope\":\"x crm:write\",\"exp\":%ld}",
	         (long)time(NULL) + 60);
	cr_assert_eq(verify(bearer(c, SECRET), &p), AUTH_OK);
	cr_assert(p.can_read && p.can_write);
}

Test(auth, roles_array_grants_permissions)
{
	struct principal p;
	char c[256];
	snprintf(
	        c, sizeof(c),
	        "{\"sub\":\"u\",\"tenantId\":\"t\",\"roles\":[\"admin\",\"crm:read\"],\"exp\":%ld}",
	        (long)time(NULL) + 60);
	cr_assert_eq(verify(bearer(c, SECRET), &p), AUTH_OK);
	cr_assert(p.can_read);
	cr_assert_not(p.can_write);
}

Test(auth, scope_words_must_match_whole)
{
	struct principal p;
	char c[256];
	snprintf(c, sizeof(c),
	         "{\"sub\":\"u\",\"tenantId\":\"t\",\"scope\":\"crm:readonly "
	         "xcrm:write\",\"exp\":%ld}",
	         (long)time(NULL) + 60);
	cr_assert_eq(verify(bearer(c, SECRET), &p), AUTH_OK);
	cr_assert_not(p.can_read);
}

Test(auth, rejects_a_missing_header)
{
	struct principal p;
	cr_assert_eq(auth_verify(&cfg, NULL, 0, 0, &p), AUTH_ERR_MISSING);
}

Test(auth, rejects_other_schemes)
{
	const char *tok;
	size_t n;
	cr_assert_eq(auth_parse_header("Basic dXNlcjpw", 14, &tok, &n), AUTH_ERR_SCHEME);
	cr_assert_eq(auth_parse_header("Bearer", 6, &tok, &n), AUTH_ERR_SCHEME);
	cr_assert_eq(auth_parse_header("Bearertoken.a.b", 15, &tok, &n), AUTH_ERR_SCHEME);
}

Test(auth, rejects_garbage_after_the_token)
{
	struct principal p;
	char hdr[2048];
	snprintf(hdr, sizeof(hdr), "%s x", bearer(good_claims(), SECRET));
	cr_assert_eq(verify(hdr, &p), AUTH_ERR_MALFORMED);
}

Test(auth, rejects_a_truncated_token)
{
	struct principal p;
	char hdr[2048];
	snprintf(hdr, sizeof(hdr), "%s", bearer(good_claims(), SECRET));
	char *last_dot = strrchr(hdr, '.');
	last_dot[1] = '\0';
	cr_assert_eq(verify(hdr, &p), AUTH_ERR_MALFORMED);
	*last_dot = '\0';
	cr_assert_eq(verify(hdr, &p), AUTH_ERR_MALFORMED);
}

Test(auth, rejects_an_oversized_token)
{
	static char hdr[AUTH_TOKEN_MAX + 64];
	strcpy(hdr, "Bearer ");
	memset(hdr + 7, 'a', AUTH_TOKEN_MAX + 10);
	hdr[7 + 100] = '.';
	hdr[7 + 200] = '.';
	struct principal p;
	cr_assert_eq(verify(hdr, &p), AUTH_ERR_MALFORMED);
}

Test(auth, rejects_a_wrong_signature)
{
	struct principal p;
	cr_assert_eq(verify(bearer(good_claims(), OTHER_SECRET), &p), AUTH_ERR_SIGNATURE);
	cr_assert_str_eq(p.tenant, "", "a refused token leaves no principal behind");
	cr_assert_not(p.can_read);
}

Test(auth, rejects_alg_none)
{
	char head[64], body[256], hdr[512];
	const char *h = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
	b64url_encode(h, strlen(h), head);
	b64url_encode(good_claims(), strlen(good_claims()), body);
	snprintf(hdr, sizeof(hdr), "Bearer %s.%s.c2ln", head, body);
	struct principal p;
	cr_assert_eq(verify(hdr, &p), AUTH_ERR_ALG);
}

Test(auth, rejects_an_algorithm_other_than_configured)
{
	cr_assert_eq(auth_check_header("eyJhbGciOiJIUzUxMiJ9.e30.c2ln", 28, "HS256"), AUTH_ERR_ALG);
	cr_assert_eq(auth_check_header("eyJhbGciOiJIUzI1NiJ9.e30.c2ln", 28, "RS256"), AUTH_ERR_ALG);
	cr_assert_eq(auth_check_header("eyJhbGciOiJIUzI1NiJ9.e30.c2ln", 28, "HS256"), AUTH_OK);
}

Test(auth, rejects_a_header_that_is_not_json)
{
	cr_assert_eq(auth_check_header("bm9wZQ.e30.c2ln", 15, "HS256"), AUTH_ERR_MALFORMED);
}

/* ---- the JOSE header's typ --------------------------------------------------------------- */

/* auth_check_header of a header text with the payload "{}". */
static enum auth_err header(const char *json)
{
	char tok[1024];
	b64url_encode(json, strlen(json), tok);
	strcat(tok, ".e30.c2ln");
	return auth_check_header(tok, strlen(tok), "HS256");
}

Test(auth, accepts_typ_absent_or_jwt_in_any_case)
{
	cr_assert_eq(header("{\"alg\":\"HS256\"}"), AUTH_OK);
	cr_assert_eq(header("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"), AUTH_OK);
	cr_assert_eq(header("{\"alg\":\"HS256\",\"typ\":\"jwt\"}"), AUTH_OK);
	cr_assert_eq(header("{\"typ\":\"Jwt\",\"alg\":\"HS256\",\"kid\":\"k1\"}"), AUTH_OK);
}

Test(auth, refuses_every_other_typ)
{
	static const char *const refused[] = {
	        "\"JOSE+JSON\"",
	        "\"JOSE\"",
	        "\"at+jwt\"",
	        "\"application/at+jwt\"",
	        "\"application/jwt\"",
	        "\"JWT \"",
	        "\"\"",
	        "\"secevent+jwt\"",
	        "1",
	        "null",
	        "[\"JWT\"]",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char json[128];
		snprintf(json, sizeof(json), "{\"alg\":\"HS256\",\"typ\":%s}", refused[i]);
		cr_assert_eq(header(json), AUTH_ERR_TYPE, "typ %s", refused[i]);
	}
	cr_assert_not_null(strstr(auth_strerror(AUTH_ERR_TYPE), "typ"));
}

Test(auth, a_validly_signed_token_of_another_type_is_refused_for_its_type)
{
	char payload[256];
	snprintf(payload, sizeof(payload),
	         "{\"sub\":\"u\",\"tenantId\":\"t\",\"scope\":\"crm:read\",\"exp\":%ld}",
	         NOW + 600);
	struct principal p;
	cr_assert_eq(verify_raw("{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}", payload, SECRET, &p),
	             AUTH_ERR_TYPE);
	cr_assert_eq(verify_raw("{\"alg\":\"HS256\",\"typ\":\"JOSE+JSON\"}", payload, SECRET, &p),
	             AUTH_ERR_TYPE);
	/* the positive controls: the same recipe with typ JWT, jwt and without typ */
	cr_assert_eq(verify_raw(JWT_HEAD, payload, SECRET, &p), AUTH_OK);
	cr_assert_eq(verify_raw("{\"alg\":\"HS256\",\"typ\":\"jwt\"}", payload, SECRET, &p),
	             AUTH_OK);
	cr_assert_eq(verify_raw("{\"alg\":\"HS256\"}", payload, SECRET, &p), AUTH_OK);
}

/* ---- claims ------------------------------------------------------------------------------ */

#define CLAIMS_NOW 1000000L /* the clock of claims(); exps below lie within jwt_max_ttl */

static enum auth_err claims_p(const char *text, struct principal *p)
{
	json_t *j = json_loads(text, 0, NULL);
	cr_assert_not_null(j, "%s", text);
	enum auth_err rc = auth_check_claims(j, &cfg, CLAIMS_NOW, p);
	json_decref(j);
	return rc;
}

static enum auth_err claims(const char *text)
{
	struct principal p;
	return claims_p(text, &p);
}

Test(auth, requires_exp)
{
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\"}"), AUTH_ERR_EXP);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":\"1003600\"}"),
	             AUTH_ERR_EXP);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":null}"), AUTH_ERR_EXP);
}

Test(auth, rejects_expired_beyond_leeway)
{
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":999000}"), AUTH_ERR_EXPIRED);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":999990}"), AUTH_OK);
}

Test(auth, rejects_nbf_in_the_future)
{
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003600,\"nbf\":1000500}"),
	             AUTH_ERR_NOT_YET);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003600,\"nbf\":1000030}"),
	             AUTH_OK);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003600,\"nbf\":\"0\"}"),
	             AUTH_ERR_NBF);
}

Test(auth, rejects_an_exp_of_1e300)
{
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1e300}"),
	             AUTH_ERR_EXP_TOO_FAR);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":9223372036854775807}"),
	             AUTH_ERR_EXP_TOO_FAR);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":-1e300}"), AUTH_ERR_EXPIRED);
}

Test(auth, exp_may_lie_max_ttl_plus_leeway_ahead_and_no_further)
{
	/* 1000000 + 86400 + 60 = 1086460 */
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1086460}"), AUTH_OK);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1086461}"),
	             AUTH_ERR_EXP_TOO_FAR);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1086460.5}"),
	             AUTH_ERR_EXP_TOO_FAR);
	cfg.jwt_max_ttl = 3600;
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003660}"), AUTH_OK);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003661}"),
	             AUTH_ERR_EXP_TOO_FAR);
}

Test(auth, rejects_an_iat_beyond_the_leeway_in_the_future)
{
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003600,\"iat\":1000061}"),
	             AUTH_ERR_IAT_FUTURE);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003600,\"iat\":1e300}"),
	             AUTH_ERR_IAT_FUTURE);
	/* within the leeway, now and in the past: accepted */
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003600,\"iat\":1000060}"),
	             AUTH_OK);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003600,\"iat\":1000000}"),
	             AUTH_OK);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003600,\"iat\":0}"),
	             AUTH_OK);
}

Test(auth, rejects_an_iat_that_is_not_a_number)
{
	static const char *const bad[] = {"\"1000000\"", "null", "true", "[1000000]", "{}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char c[128];
		snprintf(c, sizeof(c),
		         "{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003600,\"iat\":%s}", bad[i]);
		cr_assert_eq(claims(c), AUTH_ERR_IAT, "iat %s", bad[i]);
	}
}

Test(auth, requires_string_sub_and_tenant)
{
	cr_assert_eq(claims("{\"tenantId\":\"t\",\"exp\":1003600}"), AUTH_ERR_SUB);
	cr_assert_eq(claims("{\"sub\":\"u\",\"exp\":1003600}"), AUTH_ERR_TENANT);
	cr_assert_eq(claims("{\"sub\":5,\"tenantId\":\"t\",\"exp\":1003600}"), AUTH_ERR_SUB);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":[\"t\"],\"exp\":1003600}"),
	             AUTH_ERR_TENANT);
	cr_assert_eq(claims("{\"sub\":\"\",\"tenantId\":\"t\",\"exp\":1003600}"), AUTH_ERR_SUB);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"\",\"exp\":1003600}"), AUTH_ERR_TENANT);
}

/* claims() with sub (or tenantId, when tenant) set to the JSON string text value. */
static enum auth_err id_claims(const char *value, int tenant)
{
	char c[2048];
	if (tenant)
		snprintf(c, sizeof(c), "{\"sub\":\"u\",\"tenantId\":%s,\"exp\":1003600}", value);
	else
		snprintf(c, sizeof(c), "{\"sub\":%s,\"tenantId\":\"t\",\"exp\":1003600}", value);
	return claims(c);
}

Test(auth, rejects_ids_with_white_space_or_control_characters)
{
	static const char *const bad[] = {
	        "\"hollandtech \"",       /* trailing space */
	        "\" hollandtech\"",       /* leading space */
	        "\"holland tech\"",       /* inside */
	        "\"hollandtech\\u00a0\"", /* NBSP */
	        "\"hollandtech\\u2028\"", /* line separator */
	        "\"hollandtech\\u2029\"", /* paragraph separator */
	        "\"hollandtech\\t\"",     /* tab */
	        "\"hollandtech\\n\"",     /* line feed */
	        "\"hollandtech\\u0085\"", /* NEL (C1 control) */
	        "\"hollandtech\\u3000\"", /* ideographic space */
	        "\"hollandtech\\u200b\"", /* zero-width space (format) */
	        "\"hollandtech\\ufeff\"", /* BOM (format) */
	        "\"hollandtech\\ue000\"", /* private use */
	        "\"hollandtech\\u007f\"", /* DEL */
	        "\" \"",                  /* nothing but a space */
	        "\"hollandtech-u1 \"",    /* the /my attack's sub */
	        "\"\\u202ehollandtech\"", /* a bidi override */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(id_claims(bad[i], 1), AUTH_ERR_TENANT, "tenantId %s", bad[i]);
		cr_assert_eq(id_claims(bad[i], 0), AUTH_ERR_SUB, "sub %s", bad[i]);
	}
}

Test(auth, rejects_an_id_padded_with_spaces_to_64_characters)
{
	char v[LIMIT_ID_CHARS + 16];
	/* 11 + the spaces = LIMIT_ID_CHARS characters */
	snprintf(v, sizeof(v), "\"hollandtech%*s\"", LIMIT_ID_CHARS - 11, "");
	cr_assert_eq(strlen(v), LIMIT_ID_CHARS + 2);
	cr_assert_eq(id_claims(v, 1), AUTH_ERR_TENANT);
	cr_assert_eq(id_claims(v, 0), AUTH_ERR_SUB);
}

Test(auth, accepts_64_characters_and_refuses_65)
{
	char v[600];
	char longest[LIMIT_ID_CHARS + 1];
	memset(longest, 'a', LIMIT_ID_CHARS);
	longest[LIMIT_ID_CHARS] = '\0';
	snprintf(v, sizeof(v), "\"%s\"", longest);
	cr_assert_eq(id_claims(v, 1), AUTH_OK);
	cr_assert_eq(id_claims(v, 0), AUTH_OK);
	snprintf(v, sizeof(v), "\"%sa\"", longest);
	cr_assert_eq(id_claims(v, 1), AUTH_ERR_TENANT);
	cr_assert_eq(id_claims(v, 0), AUTH_ERR_SUB);
}

Test(auth, accepts_64_multibyte_characters_byte_for_byte)
{
	/* é (2 bytes), € (3) and U+1D538 (4): LIMIT_ID_CHARS of each fit; one more does not */
	static const char *const chars[] = {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9D\x94\xB8"};
	for (size_t c = 0; c < 3; c++) {
		char id[4 * (LIMIT_ID_CHARS + 1) + 1] = "", v[1024];
		for (int i = 0; i < LIMIT_ID_CHARS; i++)
			strcat(id, chars[c]);
		snprintf(v, sizeof(v), "{\"sub\":\"%s\",\"tenantId\":\"%s\",\"exp\":1003600}", id,
		         id);
		struct principal p;
		cr_assert_eq(claims_p(v, &p), AUTH_OK, "%d x %zu-byte characters", LIMIT_ID_CHARS,
		             c + 2);
		cr_assert_str_eq(p.tenant, id);
		cr_assert_str_eq(p.sub, id);
		cr_assert_eq(strlen(p.tenant), LIMIT_ID_CHARS * (c + 2));
		strcat(id, chars[c]);
		snprintf(v, sizeof(v), "\"%s\"", id);
		cr_assert_eq(id_claims(v, 1), AUTH_ERR_TENANT, "%d x %zu-byte characters",
		             LIMIT_ID_CHARS + 1, c + 2);
		cr_assert_eq(id_claims(v, 0), AUTH_ERR_SUB, "%d x %zu-byte characters",
		             LIMIT_ID_CHARS + 1, c + 2);
	}
}

Test(auth, refusals_of_ids_name_the_claim)
{
	cr_assert_not_null(strstr(auth_strerror(AUTH_ERR_TENANT), "tenantId claim"));
	cr_assert_not_null(strstr(auth_strerror(AUTH_ERR_SUB), "sub claim"));
	cr_assert_not_null(strstr(auth_strerror(AUTH_ERR_EXP_TOO_FAR), "exp"));
	cr_assert_not_null(strstr(auth_strerror(AUTH_ERR_EXP_TOO_FAR), "jwt_max_ttl"));
	cr_assert_not_null(strstr(auth_strerror(AUTH_ERR_IAT_FUTURE), "iat"));
	cr_assert_not_null(strstr(auth_strerror(AUTH_ERR_IAT), "iat"));
	cr_assert_not_null(strstr(auth_strerror(AUTH_ERR_NBF), "nbf"));
	cr_assert_not_null(strstr(auth_strerror(AUTH_ERR_SCOPE), "scope"));
	cr_assert_not_null(strstr(auth_strerror(AUTH_ERR_ROLES), "roles"));
}

Test(auth, only_the_signature_failure_says_signature)
{
	for (int e = 0; e < AUTH_ERR__MAX; e++) {
		const char *text = auth_strerror((enum auth_err)e);
		cr_assert_not_null(text, "no text for %d", e);
		if (e != AUTH_ERR_SIGNATURE)
			cr_assert_null(strstr(text, "signature"), "%d: %s", e, text);
	}
}

Test(auth, rejects_scope_or_roles_of_the_wrong_type)
{
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003600,\"scope\":[\"crm:"
	                    "read\"]}"),
	             AUTH_ERR_SCOPE);
	cr_assert_eq(
	        claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003600,\"roles\":\"crm:read\"}"),
	        AUTH_ERR_ROLES);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003600,\"roles\":[1]}"),
	             AUTH_ERR_ROLES);
	/* roles is checked even where scope decides */
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003600,\"scope\":\"crm:"
	                    "write\",\"roles\":[null]}"),
	             AUTH_ERR_ROLES);
}

/* ---- permissions: scope, else roles ------------------------------------------------------ */

static void permissions(const char *members, int read, int write)
{
	char c[512];
	snprintf(c, sizeof(c), "{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003600,%s}", members);
	struct principal p;
	cr_assert_eq(claims_p(c, &p), AUTH_OK, "%s", members);
	cr_assert_eq(p.can_read, read, "%s: can_read", members);
	cr_assert_eq(p.can_write, write, "%s: can_write", members);
}

Test(auth, a_narrower_scope_is_not_widened_by_roles)
{
	permissions("\"scope\":\"crm:read\",\"roles\":[\"crm:write\"]", 1, 0);
	permissions("\"roles\":[\"crm:write\"],\"scope\":\"crm:read\"", 1, 0);
	permissions("\"scope\":\"crm:read openid\",\"roles\":[\"crm:read\",\"crm:write\"]", 1, 0);
}

Test(auth, an_id_token_scope_with_roles_grants_nothing)
{
	permissions("\"scope\":\"openid profile\",\"roles\":[\"crm:write\"]", 0, 0);
	permissions("\"scope\":\"openid profile\",\"roles\":[\"crm:read\",\"crm:write\"]", 0, 0);
	permissions("\"scope\":\"\",\"roles\":[\"crm:write\"]", 0, 0);
}

Test(auth, roles_alone_still_grant_permissions)
{
	permissions("\"roles\":[\"crm:write\"]", 1, 1);
	permissions("\"roles\":[\"admin\",\"crm:read\"]", 1, 0);
	permissions("\"roles\":[]", 0, 0);
	permissions("\"roles\":[\"CRM:WRITE\",\"crm:write \"]", 0, 0);
}

Test(auth, scope_alone_grants_what_it_names)
{
	permissions("\"scope\":\"crm:write\"", 1, 1);
	permissions("\"scope\":\"openid crm:read\"", 1, 0);
	permissions("\"scope\":\"crm:reader\"", 0, 0);
}

Test(auth, checks_issuer_and_audience_when_configured)
{
	strcpy(cfg.jwt_issuer, "https://idp");
	strcpy(cfg.jwt_audience, "crm");
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003600}"), AUTH_ERR_ISSUER);
	cr_assert_eq(
	        claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003600,\"iss\":\"https://idp\","
	               "\"aud\":\"other\"}"),
	        AUTH_ERR_AUDIENCE);
	cr_assert_eq(
	        claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1003600,\"iss\":\"https://idp\","
	               "\"aud\":[\"x\",\"crm\"]}"),
	        AUTH_OK);
}

Test(auth, rejects_claims_that_are_not_an_object)
{
	json_t *arr = json_array();
	struct principal p;
	cr_assert_eq(auth_check_claims(arr, &cfg, CLAIMS_NOW, &p), AUTH_ERR_PAYLOAD);
	cr_assert_eq(auth_check_claims(NULL, &cfg, CLAIMS_NOW, &p), AUTH_ERR_PAYLOAD);
	json_decref(arr);
}

/* ---- what libjwt cannot read is judged by us first --------------------------------------- */

Test(auth, an_overflowing_exp_is_refused_for_its_exp_not_its_signature)
{
	struct principal p;
	const char *big = "{\"sub\":\"u\",\"tenantId\":\"t\",\"scope\":\"crm:write\","
	                  "\"exp\":99999999999999999999}";
	cr_assert_eq(verify_raw(JWT_HEAD, big, SECRET, &p), AUTH_ERR_EXP_TOO_FAR);
	cr_assert_eq(verify_raw(JWT_HEAD, big, OTHER_SECRET, &p), AUTH_ERR_EXP_TOO_FAR);
	cr_assert_not(p.can_write);
	const char *neg = "{\"sub\":\"u\",\"tenantId\":\"t\",\"scope\":\"crm:write\","
	                  "\"exp\":-99999999999999999999}";
	cr_assert_eq(verify_raw(JWT_HEAD, neg, SECRET, &p), AUTH_ERR_EXPIRED);
	const char *huge_real = "{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":1e400}";
	cr_assert_eq(verify_raw(JWT_HEAD, huge_real, SECRET, &p), AUTH_ERR_PAYLOAD);
}

Test(auth, an_overflowing_iat_is_refused_for_its_iat)
{
	char payload[256];
	snprintf(payload, sizeof(payload),
	         "{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":%ld,\"iat\":99999999999999999999}",
	         NOW + 600);
	struct principal p;
	cr_assert_eq(verify_raw(JWT_HEAD, payload, SECRET, &p), AUTH_ERR_IAT_FUTURE);
}

Test(auth, a_validly_signed_token_libjwt_cannot_read_is_not_called_a_signature_failure)
{
	/* every claim fine, an unrelated integer beyond 64 bits: libjwt refuses to parse it */
	char payload[256];
	snprintf(payload, sizeof(payload),
	         "{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":%ld,\"n\":99999999999999999999}",
	         NOW + 600);
	struct principal p;
	cr_assert_eq(verify_raw(JWT_HEAD, payload, SECRET, &p), AUTH_ERR_PAYLOAD);
	cr_assert_eq(verify_raw(JWT_HEAD, payload, OTHER_SECRET, &p), AUTH_ERR_PAYLOAD);
	/* and duplicate members, a payload that is not an object, not JSON */
	static const char *const bad[] = {
	        "{\"sub\":\"u\",\"sub\":\"v\",\"tenantId\":\"t\",\"exp\":1700000600}",
	        "[1700000600]",
	        "\"claims\"",
	        "{\"sub\":",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(verify_raw(JWT_HEAD, bad[i], SECRET, &p), AUTH_ERR_PAYLOAD, "%s",
		             bad[i]);
}

Test(auth, a_real_signature_mismatch_still_says_signature)
{
	char payload[256];
	snprintf(
	        payload, sizeof(payload),
	        "{\"sub\":\"u\",\"tenantId\":\"t\",\"scope\":\"crm:read\",\"exp\":%ld,\"iat\":%ld}",
	        NOW + 600, NOW);
	struct principal p;
	cr_assert_eq(verify_raw(JWT_HEAD, payload, SECRET, &p), AUTH_OK);
	cr_assert_eq(verify_raw(JWT_HEAD, payload, OTHER_SECRET, &p), AUTH_ERR_SIGNATURE);
	/* a claim refused on a forged token: named, and nothing of the token kept */
	snprintf(payload, sizeof(payload),
	         "{\"sub\":\"u\",\"tenantId\":\"t \",\"scope\":\"crm:write\",\"exp\":%ld}",
	         NOW + 600);
	cr_assert_eq(verify_raw(JWT_HEAD, payload, OTHER_SECRET, &p), AUTH_ERR_TENANT);
	cr_assert_str_eq(p.sub, "");
	cr_assert_not(p.can_write);
}

Test(auth, a_token_for_a_padded_tenant_is_refused_end_to_end)
{
	char payload[256];
	snprintf(
	        payload, sizeof(payload),
	        "{\"sub\":\"hollandtech-u1\",\"tenantId\":\"hollandtech \",\"scope\":\"crm:write\","
	        "\"exp\":%ld}",
	        NOW + 600);
	struct principal p;
	cr_assert_eq(verify_raw(JWT_HEAD, payload, SECRET, &p), AUTH_ERR_TENANT);
	snprintf(
	        payload, sizeof(payload),
	        "{\"sub\":\"hollandtech-u1 \",\"tenantId\":\"hollandtech\",\"scope\":\"crm:write\","
	        "\"exp\":%ld}",
	        NOW + 600);
	cr_assert_eq(verify_raw(JWT_HEAD, payload, SECRET, &p), AUTH_ERR_SUB);
}

/* ---- the cache gives the answers a fresh verification gives ------------------------------- */

Test(auth, cached_token_is_checked_against_the_clock_again)
{
	struct auth_cache *cache = auth_cache_new();
	struct principal p;
	char c[256];
	long now = (long)time(NULL);
	snprintf(c, sizeof(c),
	         "{\"sub\":\"u\",\"tenantId\":\"t\",\"scope\":\"crm:read\",\"exp\":%ld}", now + 10);
	const char *hdr = bearer(c, SECRET);
	cr_assert_eq(auth_verify_cached(cache, &cfg, hdr, strlen(hdr), now, &p), AUTH_OK);
	cr_assert_eq(auth_verify_cached(cache, &cfg, hdr, strlen(hdr), now + 1, &p), AUTH_OK);
	cr_assert_str_eq(p.tenant, "t");
	cr_assert_eq(auth_verify_cached(cache, &cfg, hdr, strlen(hdr), now + 10 + 60, &p),
	             AUTH_ERR_EXPIRED);
	auth_cache_free(cache);
}

Test(auth, cache_does_not_remember_a_bad_signature)
{
	struct auth_cache *cache = auth_cache_new();
	struct principal p;
	const char *bad = bearer(good_claims(), OTHER_SECRET);
	cr_assert_eq(auth_verify_cached(cache, &cfg, bad, strlen(bad), time(NULL), &p),
	             AUTH_ERR_SIGNATURE);
	cr_assert_eq(auth_verify_cached(cache, &cfg, bad, strlen(bad), time(NULL), &p),
	             AUTH_ERR_SIGNATURE);
	auth_cache_free(cache);
}

/* auth_verify_cached and auth_verify at `at` agree on hdr. */
static enum auth_err both_at(struct auth_cache *cache, const char *hdr, long at)
{
	struct principal cached, fresh;
	enum auth_err a = auth_verify_cached(cache, &cfg, hdr, strlen(hdr), at, &cached);
	enum auth_err b = auth_verify(&cfg, hdr, strlen(hdr), at, &fresh);
	cr_assert_eq(a, b, "at %ld: cached %d (%s), fresh %d (%s)", at, a, auth_strerror(a), b,
	             auth_strerror(b));
	return a;
}

Test(auth, cached_answers_equal_fresh_ones_for_every_time_rule)
{
	struct auth_cache *cache = auth_cache_new();
	char payload[256], hdr[2048];
	snprintf(payload, sizeof(payload),
	         "{\"sub\":\"u\",\"tenantId\":\"t\",\"scope\":\"crm:read\",\"exp\":%ld,\"iat\":%ld,"
	         "\"nbf\":%ld}",
	         NOW + 3600, NOW, NOW);
	raw_bearer(JWT_HEAD, payload, SECRET, hdr, sizeof(hdr));
	cr_assert_eq(both_at(cache, hdr, NOW), AUTH_OK);
	/* a clock set back: iat and nbf now lie in the future, exp too far ahead */
	cr_assert_eq(both_at(cache, hdr, NOW - 61), AUTH_ERR_NOT_YET);
	cr_assert_eq(both_at(cache, hdr, NOW - 60), AUTH_OK);
	cr_assert_eq(both_at(cache, hdr, NOW + 3600 + 60), AUTH_ERR_EXPIRED);
	/* a shorter jwt_max_ttl after a reload */
	cfg.jwt_max_ttl = 600;
	cr_assert_eq(both_at(cache, hdr, NOW), AUTH_ERR_EXP_TOO_FAR);
	cfg.jwt_max_ttl = 86400;
	cr_assert_eq(both_at(cache, hdr, NOW), AUTH_OK);
	auth_cache_free(cache);
}

Test(auth, cached_iat_in_the_future_is_refused_like_a_fresh_one)
{
	struct auth_cache *cache = auth_cache_new();
	char payload[256], hdr[2048];
	snprintf(payload, sizeof(payload),
	         "{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":%ld,\"iat\":%ld}", NOW + 3600, NOW);
	raw_bearer(JWT_HEAD, payload, SECRET, hdr, sizeof(hdr));
	cr_assert_eq(both_at(cache, hdr, NOW), AUTH_OK);
	cr_assert_eq(both_at(cache, hdr, NOW - 61), AUTH_ERR_IAT_FUTURE);
	auth_cache_free(cache);
}

Test(auth, cache_does_not_remember_a_refused_claim)
{
	struct auth_cache *cache = auth_cache_new();
	char payload[256], hdr[2048];
	snprintf(payload, sizeof(payload), "{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":%ld}",
	         NOW + 86400 + 61);
	raw_bearer(JWT_HEAD, payload, SECRET, hdr, sizeof(hdr));
	cr_assert_eq(both_at(cache, hdr, NOW), AUTH_ERR_EXP_TOO_FAR);
	/* a moment later it lies within the limit, and only now is it accepted */
	cr_assert_eq(both_at(cache, hdr, NOW + 1), AUTH_OK);
	auth_cache_free(cache);
}

/* A pool serves many users at once: the tokens of 300 of them, each seen once, are all still
 * cached when they come back.  A cached token is answered without its signature being checked
 * again, which is what the changed secret shows here (in the service the secret changes only
 * with a restart, which empties the cache). */
Test(auth, cache_keeps_the_tokens_of_hundreds_of_users)
{
	enum { USERS = 300 };
	struct auth_cache *cache = auth_cache_new();
	static char hdrs[USERS][1024];
	struct principal p;
	long now = (long)time(NULL);
	for (int i = 0; i < USERS; i++) {
		char c[256];
		snprintf(c, sizeof(c),
		         "{\"sub\":\"u%d\",\"tenantId\":\"t\",\"scope\":\"crm:read\",\"exp\":%ld}",
		         i, now + 600);
		snprintf(hdrs[i], sizeof(hdrs[i]), "%s", bearer(c, SECRET));
		cr_assert_eq(auth_verify_cached(cache, &cfg, hdrs[i], strlen(hdrs[i]), now, &p),
		             AUTH_OK);
	}
	strcpy(cfg.jwt_secret, OTHER_SECRET);
	int kept = 0;
	for (int i = 0; i < USERS; i++) {
		int ok = auth_verify_cached(cache, &cfg, hdrs[i], strlen(hdrs[i]), now, &p) ==
		         AUTH_OK;
		char sub[16];
		snprintf(sub, sizeof(sub), "u%d", i);
		cr_assert(!ok || strcmp(p.sub, sub) == 0, "token %d answered as %s", i, p.sub);
		kept += ok;
	}
	cr_assert_geq(kept, USERS * 95 / 100, "%d of %d tokens still cached", kept, USERS);
	auth_cache_free(cache);
}
