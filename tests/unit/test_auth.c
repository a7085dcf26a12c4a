/* test_auth: Authorization header syntax, algorithm pinning, signature and claims. */
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jwt.h>

#include "handlers/handlers.h"
#include "lib/b64url.h"

#define SECRET "0123456789abcdef0123456789abcdef-test"

static struct config cfg;

static void setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.jwt_alg = CONFIG_ALG_HS256;
	strcpy(cfg.jwt_secret, SECRET);
	cfg.jwt_leeway = 60;
}

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

static enum auth_err verify(const char *hdr, struct principal *p)
{
	return auth_verify(&cfg, hdr, strlen(hdr), (int64_t)time(NULL), p);
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
	cr_assert_eq(verify(bearer(good_claims(), "another-secret-another-secret-0000"), &p),
	             AUTH_ERR_SIGNATURE);
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
	cr_assert_eq(auth_check_alg("eyJhbGciOiJIUzUxMiJ9.e30.c2ln", 28, "HS256"), AUTH_ERR_ALG);
	cr_assert_eq(auth_check_alg("eyJhbGciOiJIUzI1NiJ9.e30.c2ln", 28, "RS256"), AUTH_ERR_ALG);
	cr_assert_eq(auth_check_alg("eyJhbGciOiJIUzI1NiJ9.e30.c2ln", 28, "HS256"), AUTH_OK);
}

Test(auth, rejects_a_header_that_is_not_json)
{
	cr_assert_eq(auth_check_alg("bm9wZQ.e30.c2ln", 15, "HS256"), AUTH_ERR_MALFORMED);
}

static enum auth_err claims(const char *text)
{
	struct principal p;
	json_t *j = json_loads(text, 0, NULL);
	cr_assert_not_null(j, "%s", text);
	enum auth_err rc = auth_check_claims(j, &cfg, 1000000, &p);
	json_decref(j);
	return rc;
}

Test(auth, requires_exp)
{
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\"}"), AUTH_ERR_CLAIMS);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":\"2000000\"}"),
	             AUTH_ERR_CLAIMS);
}

Test(auth, rejects_expired_beyond_leeway)
{
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":999000}"), AUTH_ERR_EXPIRED);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":999990}"), AUTH_OK);
}

Test(auth, rejects_nbf_in_the_future)
{
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":2000000,\"nbf\":1000500}"),
	             AUTH_ERR_NOT_YET);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":2000000,\"nbf\":1000030}"),
	             AUTH_OK);
}

Test(auth, requires_string_sub_and_tenant)
{
	cr_assert_eq(claims("{\"tenantId\":\"t\",\"exp\":2000000}"), AUTH_ERR_CLAIMS);
	cr_assert_eq(claims("{\"sub\":\"u\",\"exp\":2000000}"), AUTH_ERR_CLAIMS);
	cr_assert_eq(claims("{\"sub\":5,\"tenantId\":\"t\",\"exp\":2000000}"), AUTH_ERR_CLAIMS);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":[\"t\"],\"exp\":2000000}"),
	             AUTH_ERR_CLAIMS);
	cr_assert_eq(claims("{\"sub\":\"\",\"tenantId\":\"t\",\"exp\":2000000}"), AUTH_ERR_CLAIMS);
}

Test(auth, rejects_scope_or_roles_of_the_wrong_type)
{
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":2000000,\"scope\":[\"crm:"
	                    "read\"]}"),
	             AUTH_ERR_CLAIMS);
	cr_assert_eq(
	        claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":2000000,\"roles\":\"crm:read\"}"),
	        AUTH_ERR_CLAIMS);
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":2000000,\"roles\":[1]}"),
	             AUTH_ERR_CLAIMS);
}

Test(auth, checks_issuer_and_audience_when_configured)
{
	strcpy(cfg.jwt_issuer, "https://idp");
	strcpy(cfg.jwt_audience, "crm");
	cr_assert_eq(claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":2000000}"), AUTH_ERR_ISSUER);
	cr_assert_eq(
	        claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":2000000,\"iss\":\"https://idp\","
	               "\"aud\":\"other\"}"),
	        AUTH_ERR_AUDIENCE);
	cr_assert_eq(
	        claims("{\"sub\":\"u\",\"tenantId\":\"t\",\"exp\":2000000,\"iss\":\"https://idp\","
	               "\"aud\":[\"x\",\"crm\"]}"),
	        AUTH_OK);
}

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
	const char *bad = bearer(good_claims(), "another-secret-another-secret-0000");
	cr_assert_eq(auth_verify_cached(cache, &cfg, bad, strlen(bad), time(NULL), &p),
	             AUTH_ERR_SIGNATURE);
	cr_assert_eq(auth_verify_cached(cache, &cfg, bad, strlen(bad), time(NULL), &p),
	             AUTH_ERR_SIGNATURE);
	auth_cache_free(cache);
}
