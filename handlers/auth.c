/* auth: Bearer tokens — header syntax, pinned algorithm, signature (libjwt), then claims. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jwt.h>

#include "handlers/handlers.h"
#include "lib/b64url.h"
#include "lib/utf8.h"

const char *auth_strerror(enum auth_err err)
{
	static const char *const text[AUTH_ERR__MAX] = {
	        [AUTH_OK] = "ok",
	        [AUTH_ERR_MISSING] = "No bearer token: send 'Authorization: Bearer <token>'.",
	        [AUTH_ERR_SCHEME] =
	                "The Authorization header must be exactly one 'Bearer <token>'.",
	        [AUTH_ERR_MALFORMED] = "The bearer token is not a well-formed JWT.",
	        [AUTH_ERR_ALG] =
	                "The token is signed with an algorithm this service does not accept.",
	        [AUTH_ERR_SIGNATURE] = "The token's signature does not verify.",
	        [AUTH_ERR_EXPIRED] = "The token has expired.",
	        [AUTH_ERR_NOT_YET] = "The token is not valid yet (nbf).",
	        [AUTH_ERR_ISSUER] = "The token's issuer (iss) is not accepted.",
	        [AUTH_ERR_AUDIENCE] = "The token's audience (aud) is not this service.",
	        [AUTH_ERR_CLAIMS] = ("The token lacks a valid exp, sub or tenantId claim, or its "
	                             "scope/roles claim has the wrong type."),
	};
	return (err >= 0 && err < AUTH_ERR__MAX) ? text[err] : "invalid token";
}

static int b64url_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_';
}

/* Three non-empty base64url parts (the signature may not be empty either). */
static int jwt_syntax_ok(const char *t, size_t len)
{
	int dots = 0;
	size_t part = 0;
	for (size_t i = 0; i < len; i++) {
		if (t[i] == '.') {
			if (part == 0 || ++dots > 2)
				return 0;
			part = 0;
		} else if (b64url_char(t[i])) {
			part++;
		} else {
			return 0;
		}
	}
	return dots == 2 && part > 0;
}

enum auth_err auth_parse_header(const char *hdr, size_t len, const char **tok, size_t *tok_len)
{
	if (hdr == NULL || len == 0)
		return AUTH_ERR_MISSING;
	if (len < 7 || strncasecmp(hdr, "Bearer", 6) != 0 || hdr[6] != ' ')
		return AUTH_ERR_SCHEME;
	size_t i = 6;
	while (i < len && hdr[i] == ' ')
		i++;
	const char *t = hdr + i;
	size_t n = len - i;
	if (n == 0)
		return AUTH_ERR_MISSING;
	if (n > AUTH_TOKEN_MAX || !jwt_syntax_ok(t, n))
		return AUTH_ERR_MALFORMED;
	*tok = t;
	*tok_len = n;
	return AUTH_OK;
}

enum auth_err auth_check_alg(const char *tok, size_t len, const char *alg)
{
	const char *dot = memchr(tok, '.', len);
	if (dot == NULL || dot == tok)
		return AUTH_ERR_MALFORMED;
	size_t hlen = (size_t)(dot - tok);
	char *raw = malloc(hlen * 3 / 4 + 2);
	if (raw == NULL)
		return AUTH_ERR_MALFORMED;
	long n = b64url_decode(tok, hlen, raw);
	json_t *head = n > 0 ? json_loadb(raw, (size_t)n, JSON_REJECT_DUPLICATES, NULL) : NULL;
	free(raw);
	enum auth_err rc = AUTH_OK;
	const char *got = json_string_value(json_object_get(head, "alg"));
	if (!json_is_object(head))
		rc = AUTH_ERR_MALFORMED;
	else if (got == NULL || strcmp(got, alg) != 0)
		rc = AUTH_ERR_ALG;
	else if (json_object_get(head, "crit") != NULL)
		rc = AUTH_ERR_MALFORMED; /* we understand no critical extensions */
	json_decref(head);
	return rc;
}

/* A principal id: a string of 1..64 bytes, printable UTF-8. */
static int copy_id(const json_t *v, char *out)
{
	const char *s = json_string_value(v);
	size_t n = s ? json_string_length(v) : 0;
	if (n == 0 || n > PRINCIPAL_ID_MAX || utf8_count_printable(s, n) < 0)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

static int has_word(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; (p = strstr(p, word)) != NULL; p += wl)
		if ((p == list || p[-1] == ' ') && (p[wl] == ' ' || p[wl] == '\0'))
			return 1;
	return 0;
}

/* scope (space-separated string) and roles (array of strings) grant permissions. */
static enum auth_err read_permissions(const json_t *claims, struct principal *out)
{
	const json_t *scope = json_object_get(claims, "scope");
	const json_t *roles = json_object_get(claims, "roles");
	int write = 0, read = 0;
	if (scope != NULL && !json_is_string(scope))
		return AUTH_ERR_CLAIMS;
	if (roles != NULL && !json_is_array(roles))
		return AUTH_ERR_CLAIMS;
	if (scope != NULL) {
		write = has_word(json_string_value(scope), "crm:write");
		read = has_word(json_string_value(scope), "crm:read");
	}
	size_t i;
	const json_t *r;
	json_array_foreach (roles, i, r) {
		if (!json_is_string(r))
			return AUTH_ERR_CLAIMS;
		write |= strcmp(json_string_value(r), "crm:write") == 0;
		read |= strcmp(json_string_value(r), "crm:read") == 0;
	}
	out->can_write = write;
	out->can_read = read || write;
	return AUTH_OK;
}

static int audience_ok(const json_t *aud, const char *want)
{
	if (json_is_string(aud))
		return strcmp(json_string_value(aud), want) == 0;
	size_t i;
	const json_t *a;
	json_array_foreach (aud, i, a)
		if (json_is_string(a) && strcmp(json_string_value(a), want) == 0)
			return 1;
	return 0;
}

enum auth_err auth_check_times(const struct principal *p, const struct config *cfg, int64_t now)
{
	if ((double)now >= p->exp + cfg->jwt_leeway)
		return AUTH_ERR_EXPIRED;
	if (p->has_nbf && (double)now + cfg->jwt_leeway < p->nbf)
		return AUTH_ERR_NOT_YET;
	return AUTH_OK;
}

static enum auth_err read_times(const json_t *claims, struct principal *out)
{
	const json_t *exp = json_object_get(claims, "exp");
	const json_t *nbf = json_object_get(claims, "nbf");
	if (!json_is_number(exp) || (nbf != NULL && !json_is_number(nbf)))
		return AUTH_ERR_CLAIMS;
	out->exp = json_number_value(exp);
	out->has_nbf = nbf != NULL;
	out->nbf = nbf ? json_number_value(nbf) : 0;
	return AUTH_OK;
}

enum auth_err auth_check_claims(const json_t *claims, const struct config *cfg, int64_t now,
                                struct principal *out)
{
	if (!json_is_object(claims))
		return AUTH_ERR_MALFORMED;
	memset(out, 0, sizeof(*out));
	enum auth_err rc = read_times(claims, out);
	if (rc == AUTH_OK)
		rc = auth_check_times(out, cfg, now);
	if (rc != AUTH_OK)
		return rc;
	const json_t *iss = json_object_get(claims, "iss");
	if (cfg->jwt_issuer[0] &&
	    (!json_is_string(iss) || strcmp(json_string_value(iss), cfg->jwt_issuer) != 0))
		return AUTH_ERR_ISSUER;
	if (cfg->jwt_audience[0] && !audience_ok(json_object_get(claims, "aud"), cfg->jwt_audience))
		return AUTH_ERR_AUDIENCE;
	if (copy_id(json_object_get(claims, "sub"), out->sub) != 0 ||
	    copy_id(json_object_get(claims, "tenantId"), out->tenant) != 0)
		return AUTH_ERR_CLAIMS;
	return read_permissions(claims, out);
}

static jwt_alg_t configured_alg(const struct config *cfg)
{
	switch (cfg->jwt_alg) {
	case CONFIG_ALG_RS256: return JWT_ALG_RS256;
	case CONFIG_ALG_ES256: return JWT_ALG_ES256;
	default: return JWT_ALG_HS256;
	}
}

/* The token's payload, decoded by us so that duplicate members are refused. */
static json_t *decode_payload(const char *tok, size_t len)
{
	const char *p = memchr(tok, '.', len);
	const char *end = p ? memchr(p + 1, '.', len - (size_t)(p + 1 - tok)) : NULL;
	if (end == NULL)
		return NULL;
	size_t plen = (size_t)(end - p - 1);
	char *raw = malloc(plen * 3 / 4 + 2);
	long n = raw ? b64url_decode(p + 1, plen, raw) : -1;
	json_t *claims = n > 0 ? json_loadb(raw, (size_t)n, JSON_REJECT_DUPLICATES, NULL) : NULL;
	free(raw);
	return claims;
}

/* Verifies the signature with libjwt and returns the claims, or NULL. */
static json_t *verified_claims(const struct config *cfg, const char *tok, size_t len,
                               enum auth_err *rc)
{
	const unsigned char *key = (const unsigned char *)cfg->jwt_secret;
	int keylen = (int)strlen(cfg->jwt_secret);
	if (cfg->jwt_alg != CONFIG_ALG_HS256) {
		key = (const unsigned char *)cfg->jwt_public_key;
		keylen = (int)cfg->jwt_public_key_len;
	}
	char *copy = strndup(tok, len);
	jwt_t *jwt = NULL;
	json_t *claims = NULL;
	*rc = AUTH_ERR_SIGNATURE;
	if (copy != NULL && jwt_decode(&jwt, copy, key, keylen) == 0 &&
	    jwt_get_alg(jwt) == configured_alg(cfg)) {
		claims = decode_payload(tok, len);
		*rc = claims ? AUTH_OK : AUTH_ERR_MALFORMED;
	}
	jwt_free(jwt);
	free(copy);
	return claims;
}

enum auth_err auth_verify(const struct config *cfg, const char *hdr, size_t len, int64_t now,
                          struct principal *out)
{
	const char *tok = NULL;
	size_t tok_len = 0;
	enum auth_err rc = auth_parse_header(hdr, len, &tok, &tok_len);
	if (rc == AUTH_OK)
		rc = auth_check_alg(tok, tok_len, config_alg_name(cfg->jwt_alg));
	if (rc != AUTH_OK)
		return rc;
	json_t *claims = verified_claims(cfg, tok, tok_len, &rc);
	if (rc == AUTH_OK)
		rc = auth_check_claims(claims, cfg, now, out);
	json_decref(claims);
	return rc;
}
