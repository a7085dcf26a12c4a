/* test_hostile_tokens: forged, broken and oversized bearer tokens through nginx — each a 401 with WWW-Authenticate (or a 400 for two headers), nothing changed, the same workers serving. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <jwt.h>

#include "lib/limits.h"
#include "tests/http/client.h"
#include "tests/http/test_hostile_helpers.h"

#define READ_PATH  "/crm/customers/" HX_FIXTURE_ID
#define WRITE_PATH "/crm/customers/" HX_FIXTURE_ID "/crm-status"
#define WRITE_BODY "{\"crmStatus\":\"PROSPECT\"}"

/* Sends the header lines on a read and on a write of the fixture to base; returns both answers. */
static void send_both(const char *base, const char *const *auth_lines, struct http **read,
                      struct http **write)
{
	const char *lines[8];
	size_t n = 0;
	for (const char *const *a = auth_lines; a != NULL && *a != NULL && n < 6; a++)
		lines[n++] = *a;
	lines[n] = NULL;
	*read = hx_send(base, "GET", READ_PATH, lines, NULL, 0);
	lines[n++] = "Content-Type: " HX_JSON;
	lines[n] = NULL;
	*write = hx_send(base, "PATCH", WRITE_PATH, lines, WRITE_BODY, strlen(WRITE_BODY));
}

/* The raw Authorization value on a read and a write: 401 each, and nothing changed. */
static void expect_401_value(const struct hx_fx *fx, const char *base, const char *value,
                             const char *what)
{
	char *line = hx_fmt("Authorization: %s", value);
	const char *lines[] = {line, NULL};
	struct http *rd, *wr;
	send_both(base, lines, &rd, &wr);
	char *w1 = hx_fmt("GET with %s", what), *w2 = hx_fmt("PATCH with %s", what);
	hx_assert_401(rd, w1);
	cr_assert_null(strstr(rd->body, HX_FIXTURE_NAME), "%s: the 401 leaks the customer", w1);
	hx_assert_401(wr, w2);
	hx_assert_unchanged(fx, w2);
	http_free(rd);
	http_free(wr);
	free(w1);
	free(w2);
	free(line);
}

/* A bearer token on a read and a write: 401 each, and nothing changed. */
static void expect_401(const struct hx_fx *fx, const char *base, const char *token,
                       const char *what)
{
	char *value = hx_fmt("Bearer %s", token);
	expect_401_value(fx, base, value, what);
	free(value);
}

/* A bearer token reads the fixture (200): the positive control of a forging recipe. */
static void expect_200(const char *base, const char *token, const char *what)
{
	struct http *r = hx_call(base, "GET", READ_PATH, token, NULL, NULL);
	hx_assert_ok_customer(r, what);
	http_free(r);
}

/* header.payload.signature from two JSON texts and a signature part as given. */
static char *assemble(const char *header, const char *payload, const char *sig)
{
	char *h = hx_b64url(header, strlen(header));
	char *p = hx_b64url(payload, strlen(payload));
	char *t = hx_fmt("%s.%s.%s", h, p, sig);
	free(h);
	free(p);
	return t;
}

static char *signature_of(const char *token)
{
	const char *dot = strrchr(token, '.');
	cr_assert_not_null(dot, "not a JWT: %s", token);
	return hx_strdup(dot + 1);
}

/* token with the character at i replaced by another base64url character (malloc'd). */
static char *flip_at(const char *token, size_t i)
{
	char *t = hx_strdup(token);
	cr_assert(i < strlen(t), "flip_at beyond the token");
	t[i] = t[i] == 'A' ? 'B' : 'A';
	return t;
}

/* ---- algorithms ------------------------------------------------------------------------ */

Test(hostile_tokens, rejects_alg_none_with_and_without_a_signature)
{
	struct hx_fx fx;
	hx_begin(&fx, "hx-none", 1);
	char *claims = hx_claims(fx.tenant, NULL);
	char *good = hx_hs256(claims);
	expect_200(HX_MAIN, good, "the same claims signed HS256");
	char *sig = signature_of(good);
	char *unsigned_lib = hx_jwt_sign(JWT_ALG_NONE, NULL, 0, claims);
	char *t1 = assemble("{\"alg\":\"none\",\"typ\":\"JWT\"}", claims, "");
	char *t2 = assemble("{\"alg\":\"none\",\"typ\":\"JWT\"}", claims, sig);
	char *t3 = assemble("{\"alg\":\"NONE\"}", claims, sig);
	char *t4 = assemble("{\"alg\":\"nOnE\"}", claims, "c2lnbmF0dXJl");
	char *t5 = assemble("{\"typ\":\"JWT\"}", claims, sig);
	char *t6 = assemble("{\"alg\":null}", claims, sig);
	const char *const bad[] = {unsigned_lib, t1, t2, t3, t4, t5, t6};
	const char *const names[] = {"libjwt's alg none",
	                             "alg none, empty signature",
	                             "alg none, a valid HS256 signature",
	                             "alg NONE",
	                             "alg nOnE",
	                             "no alg",
	                             "alg null"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_401(&fx, HX_MAIN, bad[i], names[i]);
		expect_401(&fx, HX_RS, bad[i], names[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		free((char *)bad[i]);
	free(sig);
	free(good);
	free(claims);
	hx_end(&fx);
}

Test(hostile_tokens, rejects_hs256_signed_with_the_rs256_public_key)
{
	struct hx_fx fx;
	hx_begin(&fx, "hx-confusion", 1);
	size_t publen = 0, privlen = 0;
	char *pub = hx_read_file(getenv("CRM_TEST_RS_PUBLIC_KEY"), &publen);
	char *priv = hx_read_file(getenv("CRM_TEST_RS_PRIVATE_KEY"), &privlen);
	cr_assert(strstr(pub, "BEGIN PUBLIC KEY") != NULL,
	          "CRM_TEST_RS_PUBLIC_KEY is not a PEM key");
	char *claims = hx_claims(fx.tenant, NULL);

	/* the positive control: RS256 signed with the private key works on the RS256 pool */
	char *rs = hx_jwt_sign(JWT_ALG_RS256, priv, privlen, claims);
	expect_200(HX_RS, rs, "RS256 signed with the private key");

	/* the confusion: HS256 keyed with the public key's PEM bytes */
	char *hs_pem = hx_jwt_sign(JWT_ALG_HS256, pub, publen, claims);
	cr_assert(publen > 1 && pub[publen - 1] == '\n', "the PEM file does not end in a newline");
	char *hs_pem_trim = hx_jwt_sign(JWT_ALG_HS256, pub, publen - 1, claims);
	static const char rs_header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
	char *hs_as_rs =
	        hx_hs256_raw(rs_header, strlen(rs_header), claims, strlen(claims), pub, publen);
	expect_401(&fx, HX_RS, hs_pem, "HS256 keyed with the RS256 public key (PEM bytes)");
	expect_401(&fx, HX_RS, hs_pem_trim, "HS256 keyed with the PEM without its last newline");
	expect_401(&fx, HX_RS, hs_as_rs, "header RS256, HMAC signature keyed with the public key");
	/* and across the pools: each refuses the other's algorithm */
	char *hs = hx_hs256(claims);
	expect_200(HX_MAIN, hs, "HS256 on the HS256 pool");
	expect_401(&fx, HX_RS, hs, "HS256 with the HS256 pool's secret on the RS256 pool");
	expect_401(&fx, HX_MAIN, rs, "RS256 on the HS256 pool");

	/* the write route of the RS256 pool works with the proper token */
	struct http *r = hx_call(HX_RS, "PATCH", WRITE_PATH, rs, HX_JSON, WRITE_BODY);
	hx_assert_ok_customer(r, "PATCH with RS256 on the RS256 pool");
	cr_assert_str_eq(hx_str(r->json, "crmStatus"), "PROSPECT");
	http_free(r);
	free(hs);
	free(hs_as_rs);
	free(hs_pem_trim);
	free(hs_pem);
	free(rs);
	free(claims);
	free(priv);
	free(pub);
	hx_end(&fx);
}

Test(hostile_tokens, rejects_a_tampered_rs256_token)
{
	struct hx_fx fx;
	hx_begin(&fx, "hx-rs-tamper", 1);
	char other[80];
	fresh_tenant("hx-rs-other", other, sizeof(other));
	size_t privlen = 0;
	char *priv = hx_read_file(getenv("CRM_TEST_RS_PRIVATE_KEY"), &privlen);
	char *mine = hx_claims(fx.tenant, NULL);
	char *theirs = hx_claims(other, NULL);
	char *good = hx_jwt_sign(JWT_ALG_RS256, priv, privlen, mine);
	char *foreign = hx_jwt_sign(JWT_ALG_RS256, priv, privlen, theirs);
	expect_200(HX_RS, good, "RS256 signed with the private key");
	/* another tenant's valid RS256 token with this tenant's payload swapped in */
	char *sig = signature_of(foreign);
	char *swapped = assemble("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", mine, sig);
	char *flipped = flip_at(good, strlen(good) - 20);
	expect_401(&fx, HX_RS, swapped, "RS256 payload swapped after signing");
	expect_401(&fx, HX_RS, flipped, "RS256 with one signature character changed");
	/* a signature of the wrong size: 3 bytes, and 6 KiB */
	char *big_sig = hx_repeat("QUFB", 2048);
	char *tiny = assemble("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", mine, "AAAA");
	char *huge = assemble("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", mine, big_sig);
	expect_401(&fx, HX_RS, tiny, "RS256 with a 3-byte signature");
	expect_401(&fx, HX_RS, huge, "RS256 with a 6 KiB signature");
	free(huge);
	free(tiny);
	free(big_sig);
	free(flipped);
	free(swapped);
	free(sig);
	free(foreign);
	free(good);
	free(theirs);
	free(mine);
	free(priv);
	hx_end(&fx);
}

/* ---- time ------------------------------------------------------------------------------ */

/* Valid claims for fx except exp/nbf given as JSON members text. */
static char *timed_claims(const struct hx_fx *fx, const char *times)
{
	return hx_fmt("{\"sub\":\"%s\",\"tenantId\":\"%s\",\"scope\":\"%s\",%s}", HX_ACTOR,
	              fx->tenant, HX_SCOPE_WRITE, times);
}

static void expect_401_claims(const struct hx_fx *fx, const char *claims, const char *what)
{
	char *t = hx_hs256(claims);
	expect_401(fx, HX_MAIN, t, what);
	free(t);
}

Test(hostile_tokens, rejects_expired_tokens)
{
	struct hx_fx fx;
	hx_begin(&fx, "hx-exp", 0);
	long now = (long)time(NULL);
	/* within jwt_max_ttl: a far exp is refused too, see test_hostile_claims.c */
	char *ok_exp = hx_fmt("\"exp\":%ld", now + 3600);
	char *ok = timed_claims(&fx, ok_exp);
	char *t = hx_hs256(ok);
	expect_200(HX_MAIN, t, "the same recipe with a future exp");
	free(t);
	char *times[] = {
	        hx_fmt("\"exp\":%ld", now - 3600),
	        hx_fmt("\"exp\":%ld", now - 300),
	        hx_fmt("\"exp\":0"),
	        hx_fmt("\"exp\":-1"),
	        hx_fmt("\"exp\":-1e300"),
	        hx_fmt("\"exp\":\"9999999999\""),
	        hx_fmt("\"exp\":null"),
	        hx_fmt("\"exp\":[9999999999]"),
	        hx_fmt("\"exp\":%ld.5", now - 3600),
	};
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		char *c = timed_claims(&fx, times[i]);
		expect_401_claims(&fx, c, times[i]);
		free(c);
		free(times[i]);
	}
	free(ok);
	free(ok_exp);
	hx_end(&fx);
}

Test(hostile_tokens, rejects_tokens_whose_nbf_is_in_the_future)
{
	struct hx_fx fx;
	hx_begin(&fx, "hx-nbf", 0);
	long now = (long)time(NULL);
	char *ok = hx_fmt("\"exp\":%ld,\"nbf\":%ld", now + 7200, now - 10);
	char *okc = timed_claims(&fx, ok);
	char *t = hx_hs256(okc);
	expect_200(HX_MAIN, t, "the same recipe with nbf in the past");
	free(t);
	char *times[] = {
	        hx_fmt("\"exp\":%ld,\"nbf\":%ld", now + 7200, now + 3600),
	        hx_fmt("\"exp\":%ld,\"nbf\":%ld", now + 7200, now + 300),
	        hx_fmt("\"exp\":%ld,\"nbf\":1e300", now + 7200),
	        hx_fmt("\"exp\":%ld,\"nbf\":\"0\"", now + 7200),
	        hx_fmt("\"exp\":%ld,\"nbf\":null", now + 7200),
	};
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		char *c = timed_claims(&fx, times[i]);
		expect_401_claims(&fx, c, times[i]);
		free(c);
		free(times[i]);
	}
	free(okc);
	free(ok);
	hx_end(&fx);
}

/* ---- signatures and shape ------------------------------------------------------------------ */

Test(hostile_tokens, rejects_a_wrong_signature)
{
	struct hx_fx fx;
	hx_begin(&fx, "hx-sig", 0);
	char other[80];
	fresh_tenant("hx-sig-other", other, sizeof(other));
	char *claims = hx_claims(fx.tenant, NULL);
	char *good = hx_hs256(claims);
	expect_200(HX_MAIN, good, "the unmodified token");
	size_t len = strlen(good);
	char *foreign = token_for(HX_ACTOR, other, HX_SCOPE_WRITE);
	char *fsig = signature_of(foreign);
	char *swapped = assemble("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims, fsig);
	static const char wrong_secret[] = "0123456789abcdef0123456789abcdef-not-ours";
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	char *other_key = hx_hs256_raw(header, strlen(header), claims, strlen(claims), wrong_secret,
	                               strlen(wrong_secret));
	char *empty_key = hx_hs256_raw(header, strlen(header), claims, strlen(claims), "", 0);
	char *sig_mid = flip_at(good, len - 20);
	char *sig_first = flip_at(good, (size_t)(strrchr(good, '.') - good) + 1);
	char *sig_last = flip_at(good, len - 1);
	size_t dot1 = (size_t)(strchr(good, '.') - good),
	       dot2 = (size_t)(strrchr(good, '.') - good);
	char *payload_flip = flip_at(good, dot1 + (dot2 - dot1) / 2);
	char *short_sig = assemble(header, claims, "AAAA");
	const char *const bad[] = {swapped,   other_key, empty_key,    sig_mid,
	                           sig_first, sig_last,  payload_flip, short_sig};
	const char *const names[] = {"another token's signature",
	                             "signed with another secret",
	                             "signed with an empty key",
	                             "a signature character changed",
	                             "the first signature character changed",
	                             "the last signature character changed",
	                             "a payload character changed",
	                             "a 3-byte signature"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert(strcmp(bad[i], good) != 0, "%s: the forgery equals the token", names[i]);
		expect_401(&fx, HX_MAIN, bad[i], names[i]);
		free((char *)bad[i]);
	}
	free(fsig);
	free(foreign);
	free(good);
	free(claims);
	hx_end(&fx);
}

Test(hostile_tokens, rejects_truncated_tokens)
{
	struct hx_fx fx;
	hx_begin(&fx, "hx-trunc", 0);
	char *good = token_for(HX_ACTOR, fx.tenant, HX_SCOPE_WRITE);
	expect_200(HX_MAIN, good, "the whole token");
	size_t len = strlen(good);
	size_t dot1 = (size_t)(strchr(good, '.') - good),
	       dot2 = (size_t)(strrchr(good, '.') - good);
	const size_t cuts[] = {len - 1,  len - 2,  len - 10, dot2 + 1, dot2,
	                       dot1 + 5, dot1 + 1, dot1,     len / 2,  1};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		char *t = strndup(good, cuts[i]);
		char *what = hx_fmt("the token cut to %zu of %zu characters", cuts[i], len);
		expect_401(&fx, HX_MAIN, t, what);
		free(what);
		free(t);
	}
	free(good);
	hx_end(&fx);
}

Test(hostile_tokens, rejects_a_16_kib_token_with_401_from_the_app)
{
	struct hx_fx fx;
	hx_begin(&fx, "hx-16k", 0);
	/* validly signed, 16 KiB: a padding claim */
	char *pad = hx_repeat("p", 12 * 1024);
	char *extra = hx_fmt("\"pad\":\"%s\"", pad);
	char *claims = hx_claims(fx.tenant, extra);
	char *signed_big = hx_hs256(claims);
	cr_assert(strlen(signed_big) >= 16 * 1024, "the big token is only %zu bytes",
	          strlen(signed_big));
	/* 16 KiB of one character, and three 16 KiB-ish parts */
	char *flat = hx_repeat("a", 16 * 1024);
	char *part = hx_repeat("QUFB", 1365);
	char *three = hx_fmt("%s.%s.%s", part, part, part);
	/* the app (not nginx) answers: 401 with WWW-Authenticate, which nginx never adds */
	expect_401(&fx, HX_MAIN, signed_big, "a validly signed 16 KiB token");
	expect_401(&fx, HX_MAIN, flat, "16 KiB of 'a'");
	expect_401(&fx, HX_MAIN, three, "three 5 KiB parts");
	free(three);
	free(part);
	free(flat);
	free(signed_big);
	free(claims);
	free(extra);
	free(pad);
	hx_end(&fx);
}

/* ---- claims -------------------------------------------------------------------------------- */

Test(hostile_tokens, rejects_missing_or_non_string_sub_and_tenantId)
{
	struct hx_fx fx;
	hx_begin(&fx, "hx-ids", 0);
	char *sub_ok = hx_fmt("\"%s\"", HX_ACTOR);
	char *ten_ok = hx_fmt("\"%s\"", fx.tenant);
	/* the positive control: the same recipe with both ids as strings */
	char *ok = hx_fmt("{\"sub\":%s,\"tenantId\":%s,\"scope\":\"%s\",\"exp\":%ld}", sub_ok,
	                  ten_ok, HX_SCOPE_WRITE, (long)time(NULL) + 600);
	char *t = hx_hs256(ok);
	expect_200(HX_MAIN, t, "sub and tenantId strings");
	free(t);
	free(ok);
	char *long_id = hx_repeat("u", LIMIT_ID_CHARS + 1);
	char *long_json = hx_fmt("\"%s\"", long_id);
	const char *const bad_values[] = {
	        NULL,
	        "42",
	        "null",
	        "true",
	        "[\"u-hostile\"]",
	        "{\"id\":\"u-hostile\"}",
	        "\"\"",
	        "1.5",
	        long_json,
	        "\"u\\u0007bell\"",
	        "\"u\\u0000x\"",
	        "\"u\xff\xfe\"",
	        "\"\\ud800\"",
	};
	for (size_t i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
		const char *v = bad_values[i];
		for (int which = 0; which < 2; which++) {
			const char *sub = which == 0 ? v : sub_ok;
			const char *ten = which == 0 ? ten_ok : v;
			char *c = hx_fmt("{%s%s%s%s%s%s\"scope\":\"%s\",\"exp\":%ld}",
			                 sub ? "\"sub\":" : "", sub ? sub : "", sub ? "," : "",
			                 ten ? "\"tenantId\":" : "", ten ? ten : "", ten ? "," : "",
			                 HX_SCOPE_WRITE, (long)time(NULL) + 600);
			char *what =
			        hx_fmt("%s %s", which == 0 ? "sub" : "tenantId", v ? v : "missing");
			expect_401_claims(&fx, c, what);
			free(what);
			free(c);
		}
	}
	free(long_json);
	free(long_id);
	free(ten_ok);
	free(sub_ok);
	hx_end(&fx);
}

Test(hostile_tokens, rejects_scope_or_roles_of_the_wrong_type)
{
	struct hx_fx fx;
	hx_begin(&fx, "hx-scope", 0);
	long exp = (long)time(NULL) + 600;
	/* the positive controls: scope as a string, roles as an array of strings */
	char *s_ok =
	        hx_fmt("{\"sub\":\"%s\",\"tenantId\":\"%s\",\"exp\":%ld,\"scope\":\"crm:write\"}",
	               HX_ACTOR, fx.tenant, exp);
	char *r_ok =
	        hx_fmt("{\"sub\":\"%s\",\"tenantId\":\"%s\",\"exp\":%ld,\"roles\":[\"crm:write\"]}",
	               HX_ACTOR, fx.tenant, exp);
	char *t1 = hx_hs256(s_ok), *t2 = hx_hs256(r_ok);
	expect_200(HX_MAIN, t1, "scope \"crm:write\"");
	expect_200(HX_MAIN, t2, "roles [\"crm:write\"]");
	free(t1);
	free(t2);
	free(s_ok);
	free(r_ok);
	static const char *const bad[] = {
	        "\"scope\":7",
	        "\"scope\":[\"crm:write\"]",
	        "\"scope\":[\"crm:read\",\"crm:write\"]",
	        "\"scope\":{\"crm:write\":true}",
	        "\"scope\":true",
	        "\"scope\":null",
	        "\"roles\":\"crm:write\"",
	        "\"roles\":[7]",
	        "\"roles\":[[\"crm:write\"]]",
	        "\"roles\":[\"crm:write\",null]",
	        "\"roles\":{\"0\":\"crm:write\"}",
	        "\"scope\":\"crm:write\",\"roles\":7",
	        "\"roles\":[\"crm:write\"],\"scope\":[\"crm:write\"]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *c = hx_fmt("{\"sub\":\"%s\",\"tenantId\":\"%s\",\"exp\":%ld,%s}", HX_ACTOR,
		                 fx.tenant, exp, bad[i]);
		expect_401_claims(&fx, c, bad[i]);
		free(c);
	}
	hx_end(&fx);
}

Test(hostile_tokens, rejects_duplicate_members_in_the_claims_or_the_header)
{
	struct hx_fx fx;
	hx_begin(&fx, "hx-dup", 0);
	char victim[80];
	fresh_tenant("hx-dup-victim", victim, sizeof(victim));
	long exp = (long)time(NULL) + 600;
	char *c1 =
	        hx_fmt("{\"sub\":\"%s\",\"tenantId\":\"%s\",\"tenantId\":\"%s\",\"scope\":\"%s\","
	               "\"exp\":%ld}",
	               HX_ACTOR, victim, fx.tenant, HX_SCOPE_WRITE, exp);
	char *c2 =
	        hx_fmt("{\"sub\":\"%s\",\"tenantId\":\"%s\",\"tenantId\":\"%s\",\"scope\":\"%s\","
	               "\"exp\":%ld}",
	               HX_ACTOR, fx.tenant, victim, HX_SCOPE_WRITE, exp);
	char *c3 = hx_fmt("{\"sub\":\"%s\",\"tenantId\":\"%s\",\"scope\":\"crm:read\",\"scope\":"
	                  "\"%s\",\"exp\":%ld}",
	                  HX_ACTOR, fx.tenant, HX_SCOPE_WRITE, exp);
	char *c4 = hx_fmt("{\"sub\":\"%s\",\"tenantId\":\"%s\",\"scope\":\"%s\",\"exp\":%ld,"
	                  "\"exp\":9999999999}",
	                  HX_ACTOR, fx.tenant, HX_SCOPE_WRITE, (long)time(NULL) - 3600);
	expect_401_claims(&fx, c1, "tenantId twice (victim first)");
	expect_401_claims(&fx, c2, "tenantId twice (victim last)");
	expect_401_claims(&fx, c3, "scope twice");
	expect_401_claims(&fx, c4, "exp twice (expired, then far future)");
	/* the header: alg twice */
	char *claims = hx_claims(fx.tenant, NULL);
	const char *secret = hx_secret();
	static const char *const headers[] = {
	        "{\"alg\":\"HS256\",\"alg\":\"none\",\"typ\":\"JWT\"}",
	        "{\"alg\":\"none\",\"alg\":\"HS256\",\"typ\":\"JWT\"}",
	        "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"crit\":[\"exp\"]}",
	};
	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		char *t = hx_hs256_raw(headers[i], strlen(headers[i]), claims, strlen(claims),
		                       secret, strlen(secret));
		expect_401(&fx, HX_MAIN, t, headers[i]);
		free(t);
	}
	free(claims);
	free(c1);
	free(c2);
	free(c3);
	free(c4);
	hx_end(&fx);
}

Test(hostile_tokens, rejects_validly_signed_payloads_that_are_not_claim_objects)
{
	struct hx_fx fx;
	hx_begin(&fx, "hx-shape", 0);
	char *claims = hx_claims(fx.tenant, NULL);
	char *control = hx_hs256(claims);
	expect_200(HX_MAIN, control, "the recipe with a claims object");
	free(control);
	/* a claim nested 2,500 deep still fits the 8 KiB token limit */
	char *open = hx_repeat("[", 2500), *close_ = hx_repeat("]", 2500);
	char *deep_extra = hx_fmt("\"deep\":%s%s", open, close_);
	char *deep = hx_claims(fx.tenant, deep_extra);
	char *invalid_utf8 = hx_claims(fx.tenant, "\"note\":\"\xc3\x28\"");
	static const char *const payloads[] = {"[]", "\"claims\"", "null",           "42",
	                                       "",   "{",          "{\"sub\":\"u\"", "{}"};
	for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		char *t = hx_hs256(payloads[i]);
		char *what = hx_fmt("payload '%s'", payloads[i]);
		expect_401(&fx, HX_MAIN, t, what);
		free(what);
		free(t);
	}
	char *t = hx_hs256(deep);
	cr_assert(strlen(t) < 8192, "the deep token is %zu bytes", strlen(t));
	expect_401(&fx, HX_MAIN, t, "a claim nested 2,500 deep");
	free(t);
	t = hx_hs256(invalid_utf8);
	expect_401(&fx, HX_MAIN, t, "invalid UTF-8 in a claim");
	free(t);
	/* header and payload that are not base64url or not JSON */
	const char *secret = hx_secret();
	static const char not_json[] = "not json";
	t = hx_hs256_raw(not_json, strlen(not_json), claims, strlen(claims), secret,
	                 strlen(secret));
	expect_401(&fx, HX_MAIN, t, "a header that is not JSON");
	free(t);
	char *good = token_for(HX_ACTOR, fx.tenant, HX_SCOPE_WRITE);
	char *std64 = hx_strdup(good);
	for (char *p = std64; *p; p++)
		*p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
	if (strcmp(std64, good) == 0) /* make sure one character is outside base64url */
		std64[3] = '+';
	expect_401(&fx, HX_MAIN, std64, "standard base64 (+ and /) instead of base64url");
	char *padded = hx_fmt("%s==", good);
	expect_401(&fx, HX_MAIN, padded, "base64 padding after the signature");
	free(padded);
	free(std64);
	free(good);
	free(invalid_utf8);
	free(deep);
	free(deep_extra);
	free(open);
	free(close_);
	free(claims);
	hx_end(&fx);
}

/* ---- the Authorization header itself ------------------------------------------------------- */

Test(hostile_tokens, two_authorization_headers_are_never_200)
{
	struct hx_fx fx;
	hx_begin(&fx, "hx-two", 0);
	char other[80];
	fresh_tenant("hx-two-other", other, sizeof(other));
	char *theirs = token_for(HX_ACTOR, other, HX_SCOPE_WRITE);
	char *a = hx_fmt("Authorization: Bearer %s", fx.token);
	char *b = hx_fmt("Authorization: Bearer %s", theirs);
	static const char garbage[] = "Authorization: Bearer x.y.z";
	const char *const pairs[][3] = {
	        {a, a, NULL},       {a, b, NULL},
	        {b, a, NULL},       {a, garbage, NULL},
	        {garbage, a, NULL}, {a, "authorization: Basic dXNlcjpwYXNz", NULL},
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct http *rd, *wr;
		send_both(HX_MAIN, pairs[i], &rd, &wr);
		char *what = hx_fmt("two Authorization headers (case %zu)", i);
		hx_assert_error2(rd, 400, 401, what);
		hx_assert_error2(wr, 400, 401, what);
		cr_assert_null(strstr(rd->body, HX_FIXTURE_NAME), "%s: the error leaks data", what);
		hx_assert_unchanged(&fx, what);
		free(what);
		http_free(rd);
		http_free(wr);
	}
	/* two tokens in one header line */
	char *both = hx_fmt("Bearer %s, Bearer %s", fx.token, fx.token);
	expect_401_value(&fx, HX_MAIN, both, "two Bearer credentials in one header");
	free(both);
	free(a);
	free(b);
	free(theirs);
	hx_end(&fx);
}

Test(hostile_tokens, accepts_the_bearer_scheme_in_any_case)
{
	struct hx_fx fx;
	hx_begin(&fx, "hx-case", 0);
	static const char *const schemes[] = {"bearer", "BEARER", "bEaReR", "Bearer"};
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		char *line = hx_fmt("Authorization: %s %s", schemes[i], fx.token);
		const char *lines[] = {line, NULL};
		struct http *r = hx_send(HX_MAIN, "GET", READ_PATH, lines, NULL, 0);
		hx_assert_ok_customer(r, schemes[i]);
		http_free(r);
		free(line);
	}
	/* and it writes, too */
	char *line = hx_fmt("Authorization: bearer %s", fx.token);
	const char *lines[] = {line, "Content-Type: " HX_JSON, NULL};
	struct http *r =
	        hx_send(HX_MAIN, "PATCH", WRITE_PATH, lines, WRITE_BODY, strlen(WRITE_BODY));
	hx_assert_ok_customer(r, "PATCH with scheme 'bearer'");
	cr_assert_str_eq(hx_str(r->json, "crmStatus"), "PROSPECT");
	char *status =
	        db_scalar("SELECT crm_status FROM customers WHERE tenant_id = '%s' AND id = '%s'",
	                  fx.tenant, HX_FIXTURE_ID);
	cr_assert_str_eq(status, "PROSPECT", "the PATCH with 'bearer' was not stored");
	free(status);
	http_free(r);
	free(line);
	hx_end(&fx);
}

Test(hostile_tokens, rejects_garbage_before_or_after_the_token)
{
	struct hx_fx fx;
	hx_begin(&fx, "hx-garbage", 0);
	const char *t = fx.token;
	char *values[] = {
	        hx_fmt("Bearer %s x", t),      hx_fmt("Bearer %s,%s", t, t),
	        hx_fmt("Bearer %s, %s", t, t), hx_fmt("Bearer %s;", t),
	        hx_fmt("Bearer %s.", t),       hx_fmt("Bearer %s.x", t),
	        hx_fmt("Bearer %s\tx", t),     hx_fmt("Bearer %s=", t),
	        hx_fmt("Bearer \"%s\"", t),    hx_fmt("Bearer x %s", t),
	        hx_fmt("Bearer,%s", t),        hx_fmt("Bearer\t%s", t),
	        hx_fmt("Bearer:%s", t),        hx_fmt("Bearer=%s", t),
	        hx_fmt("Token %s", t),         hx_fmt("%s", t),
	        hx_fmt("Bearer%s", t),         hx_fmt("Basic %s", t),
	};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char *what = hx_fmt("Authorization '%.12s...%s'", values[i],
		                    values[i] + strlen(values[i]) -
		                            (strlen(values[i]) > 4 ? 4 : strlen(values[i])));
		expect_401_value(&fx, HX_MAIN, values[i], what);
		free(what);
		free(values[i]);
	}
	hx_end(&fx);
}
