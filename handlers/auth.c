/* auth: Bearer tokens — header syntax, JOSE header, claims, then the signature (libjwt). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jwt.h>

#include "handlers/handlers.h"
#include "lib/b64url.h"
#include "lib/limits.h"
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
	        [AUTH_ERR_TYPE] = ("The token's type (typ header) is not accepted: this service "
	                           "takes a JWT, typ absent or \"JWT\"."),
	        [AUTH_ERR_PAYLOAD] =
	                ("The token's payload is not a JSON object of claims this "
	                 "service can read (a duplicate member, or a number too large)."),
	        [AUTH_ERR_SIGNATURE] = "The token's signature does not verify.",
	        [AUTH_ERR_EXP] = "The token's exp claim is missing or is not a number.",
	        [AUTH_ERR_EXPIRED] = "The token has expired (exp).",
	        [AUTH_ERR_EXP_TOO_FAR] = ("The token's exp lies further ahead than this service "
	                                  "accepts (jwt_max_ttl)."),
	        [AUTH_ERR_NBF] = "The token's nbf claim is not a number.",
	        [AUTH_ERR_NOT_YET] = "The token is not valid yet (nbf).",
	        [AUTH_ERR_IAT] = "The token's iat claim is not a number.",
	        [AUTH_ERR_IAT_FUTURE] = "The token's iat lies in the future.",
	        [AUTH_ERR_ISSUER] = "The token's issuer (iss) is not accepted.",
	        [AUTH_ERR_AUDIENCE] = "The token's audience (aud) is not this service.",
	        [AUTH_ERR_SUB] = ("The token's sub claim must be 1 to " LIMIT_ID_CHARS_TEXT
	                          " characters without white "
	                          "space or control characters."),
	        [AUTH_ERR_TENANT] = ("The token's tenantId claim must be 1 to " LIMIT_ID_CHARS_TEXT
	                             " characters "
	                             "without white space or control characters."),
	        [AUTH_ERR_SCOPE] = "The token's scope claim must be a string of space-separated "
	                           "permissions.",
	        [AUTH_ERR_ROLES] = "The token's roles claim must be an array of strings.",
	        [AUTH_ERR_NOMEM] = "The token could not be checked: the service is out of memory.",
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

/* The base64url part s[0..len) decoded as JSON with flags, or NULL and *why
 * (json_error_invalid_syntax for bad base64url, out_of_memory, or jansson's). */
static json_t *decode_part(const char *s, size_t len, size_t flags, enum json_error_code *why)
{
	char *raw = malloc(len * 3 / 4 + 2);
	if (raw == NULL) {
		*why = json_error_out_of_memory;
		return NULL;
	}
	json_error_t jerr;
	long n = b64url_decode(s, len, raw);
	json_t *v = n > 0 ? json_loadb(raw, (size_t)n, flags, &jerr) : NULL;
	free(raw);
	if (v == NULL)
		*why = n > 0 ? json_error_code(&jerr) : json_error_invalid_syntax;
	return v;
}

/*
 * The JOSE header.  typ (RFC 7519 5.1) is optional; when present it must say
 * "JWT", compared without regard to case.  Other types are refused: at+jwt
 * (RFC 9068) marks a token of another profile with rules of its own,
 * JOSE+JSON a serialization a bearer token cannot have, and libjwt 1.10.2
 * refuses any typ but "JWT" (application/jwt included) before it looks at
 * the signature, so those could never verify here anyway.
 */
enum auth_err auth_check_header(const char *tok, size_t len, const char *alg)
{
	const char *dot = memchr(tok, '.', len);
	if (dot == NULL || dot == tok)
		return AUTH_ERR_MALFORMED;
	enum json_error_code why = json_error_unknown;
	json_t *head = decode_part(tok, (size_t)(dot - tok), JSON_REJECT_DUPLICATES, &why);
	const char *got = json_string_value(json_object_get(head, "alg"));
	const json_t *typ = json_object_get(head, "typ");
	enum auth_err rc = AUTH_OK;
	if (head == NULL && why == json_error_out_of_memory)
		rc = AUTH_ERR_NOMEM;
	else if (!json_is_object(head))
		rc = AUTH_ERR_MALFORMED;
	else if (got == NULL || strcmp(got, alg) != 0)
		rc = AUTH_ERR_ALG;
	else if (json_object_get(head, "crit") != NULL)
		rc = AUTH_ERR_MALFORMED; /* we understand no critical extensions */
	else if (typ != NULL && (!json_is_string(typ) || strcasecmp(json_string_value(typ), "JWT")))
		rc = AUTH_ERR_TYPE;
	json_decref(head);
	return rc;
}

/*
 * The token's payload, decoded by us so that duplicate members are refused.
 * libjwt reads it with the same parser but refuses an integer beyond 64 bits;
 * such a payload is read again with integers as reals, so that its claims
 * are still judged (an exp of 99999999999999999999 lies too far ahead) and
 * *lib_readable is 0: the token is refused as unreadable, never sent to
 * libjwt to be called a signature failure.
 */
static enum auth_err decode_payload(const char *tok, size_t len, json_t **claims, int *lib_readable)
{
	const char *p = memchr(tok, '.', len);
	const char *end = p ? memchr(p + 1, '.', len - (size_t)(p + 1 - tok)) : NULL;
	*claims = NULL;
	*lib_readable = 0;
	if (end == NULL)
		return AUTH_ERR_MALFORMED;
	size_t plen = (size_t)(end - p - 1);
	enum json_error_code why = json_error_unknown;
	*claims = decode_part(p + 1, plen, JSON_REJECT_DUPLICATES, &why);
	if (*claims != NULL)
		*lib_readable = 1;
	else if (why == json_error_numeric_overflow)
		*claims = decode_part(p + 1, plen, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL,
		                      &why);
	if (*claims == NULL)
		return why == json_error_out_of_memory ? AUTH_ERR_NOMEM : AUTH_ERR_PAYLOAD;
	return json_is_object(*claims) ? AUTH_OK : AUTH_ERR_PAYLOAD;
}

/* A principal id: a string of 1..PRINCIPAL_ID_MAX characters, none of them white
 * space, control, format, separator, private-use or unassigned; kept byte for byte. */
static int copy_id(const json_t *v, char out[PRINCIPAL_ID_SIZE])
{
	const char *s = json_string_value(v);
	size_t n = s ? json_string_length(v) : 0;
	if (n == 0 || n >= PRINCIPAL_ID_SIZE)
		return -1;
	long chars = utf8_count_refusing(s, n, UTF8_ALL_CLASSES);
	if (chars < 1 || chars > PRINCIPAL_ID_MAX)
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

/*
 * Permissions come from scope (a space-separated string) or, only in a token
 * without scope, from roles (an array of strings): a scope granted narrower
 * (crm:read, or an ID token's "openid profile") is never widened by roles.
 * Both claims must have their type whichever is used.
 */
static enum auth_err read_permissions(const json_t *claims, struct principal *out)
{
	const json_t *scope = json_object_get(claims, "scope");
	const json_t *roles = json_object_get(claims, "roles");
	int write = 0, read = 0;
	if (scope != NULL && !json_is_string(scope))
		return AUTH_ERR_SCOPE;
	if (roles != NULL && !json_is_array(roles))
		return AUTH_ERR_ROLES;
	size_t i;
	const json_t *r;
	json_array_foreach (roles, i, r) {
		if (!json_is_string(r))
			return AUTH_ERR_ROLES;
		write |= strcmp(json_string_value(r), "crm:write") == 0;
		read |= strcmp(json_string_value(r), "crm:read") == 0;
	}
	if (scope != NULL) {
		write = has_word(json_string_value(scope), "crm:write");
		read = has_word(json_string_value(scope), "crm:read");
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
	double t = (double)now;
	if (t >= p->exp + cfg->jwt_leeway)
		return AUTH_ERR_EXPIRED;
	if (p->exp > t + cfg->jwt_max_ttl + cfg->jwt_leeway)
		return AUTH_ERR_EXP_TOO_FAR;
	if (p->has_nbf && t + cfg->jwt_leeway < p->nbf)
		return AUTH_ERR_NOT_YET;
	if (p->has_iat && t + cfg->jwt_leeway < p->iat)
		return AUTH_ERR_IAT_FUTURE;
	return AUTH_OK;
}

/* exp (required), nbf and iat (optional): NumericDate, a JSON number. */
static enum auth_err read_times(const json_t *claims, struct principal *out)
{
	const json_t *exp = json_object_get(claims, "exp");
	const json_t *nbf = json_object_get(claims, "nbf");
	const json_t *iat = json_object_get(claims, "iat");
	if (!json_is_number(exp))
		return AUTH_ERR_EXP;
	if (nbf != NULL && !json_is_number(nbf))
		return AUTH_ERR_NBF;
	if (iat != NULL && !json_is_number(iat))
		return AUTH_ERR_IAT;
	out->exp = json_number_value(exp);
	out->has_nbf = nbf != NULL;
	out->nbf = nbf ? json_number_value(nbf) : 0;
	out->has_iat = iat != NULL;
	out->iat = iat ? json_number_value(iat) : 0;
	return AUTH_OK;
}

enum auth_err auth_check_claims(const json_t *claims, const struct config *cfg, int64_t now,
                                struct principal *out)
{
	memset(out, 0, sizeof(*out));
	if (!json_is_object(claims))
		return AUTH_ERR_PAYLOAD;
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
	if (copy_id(json_object_get(claims, "sub"), out->sub) != 0)
		return AUTH_ERR_SUB;
	if (copy_id(json_object_get(claims, "tenantId"), out->tenant) != 0)
		return AUTH_ERR_TENANT;
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

/*
 * libjwt's verdict on the signature.  By now the header and payload are known
 * to be what libjwt 1.10.2 reads without complaint (our decoding is the
 * stricter: same parser, duplicates refused, strict base64url), so its only
 * remaining refusal is the signature's.
 */
static enum auth_err check_signature(const struct config *cfg, const char *tok, size_t len)
{
	const unsigned char *key = (const unsigned char *)cfg->jwt_secret;
	int keylen = (int)strlen(cfg->jwt_secret);
	if (cfg->jwt_alg != CONFIG_ALG_HS256) {
		key = (const unsigned char *)cfg->jwt_public_key;
		keylen = (int)cfg->jwt_public_key_len;
	}
	char *copy = strndup(tok, len);
	if (copy == NULL)
		return AUTH_ERR_NOMEM;
	jwt_t *jwt = NULL;
	int err = jwt_decode(&jwt, copy, key, keylen);
	enum auth_err rc = AUTH_ERR_SIGNATURE;
	if (err == ENOMEM)
		rc = AUTH_ERR_NOMEM;
	else if (err == 0 && jwt_get_alg(jwt) == configured_alg(cfg))
		rc = AUTH_OK;
	jwt_free(jwt);
	free(copy);
	return rc;
}

enum auth_err auth_verify(const struct config *cfg, const char *hdr, size_t len, int64_t now,
                          struct principal *out)
{
	const char *tok = NULL;
	size_t tok_len = 0;
	json_t *claims = NULL;
	int lib_readable = 0;
	enum auth_err rc = auth_parse_header(hdr, len, &tok, &tok_len);
	if (rc == AUTH_OK)
		rc = auth_check_header(tok, tok_len, config_alg_name(cfg->jwt_alg));
	if (rc == AUTH_OK)
		rc = decode_payload(tok, tok_len, &claims, &lib_readable);
	/* unverified here: judged only to name what is wrong */
	if (rc == AUTH_OK)
		rc = auth_check_claims(claims, cfg, now, out);
	if (rc == AUTH_OK && !lib_readable)
		rc = AUTH_ERR_PAYLOAD;
	if (rc == AUTH_OK)
		rc = check_signature(cfg, tok, tok_len);
	json_decref(claims);
	if (rc != AUTH_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}
