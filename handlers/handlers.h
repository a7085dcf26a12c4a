/* handlers: the route table, the dispatcher's checks, and the endpoint functions. */
#ifndef CRM_HANDLERS_H
#define CRM_HANDLERS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "conf/config.h"
#include "fcgi/fcgi.h"
#include "lib/ids.h"
#include "lib/limits.h"
#include "handlers/app.h"
#include "model/enums.h"
#include "model/model.h"

/* ---- the caller (auth.c) ---------------------------------------------- */

/* sub and tenantId: 1..PRINCIPAL_ID_MAX characters; in UTF-8 at most 4
 * bytes each, so PRINCIPAL_ID_SIZE bytes hold any of them with its NUL. */
#define PRINCIPAL_ID_MAX  LIMIT_ID_CHARS
#define PRINCIPAL_ID_SIZE (4 * PRINCIPAL_ID_MAX + 1)

struct principal {
	char sub[PRINCIPAL_ID_SIZE];
	char tenant[PRINCIPAL_ID_SIZE];
	int can_read;
	int can_write;
	double exp; /* the token's times, kept so that a cached */
	double nbf; /* verification is judged against the clock */
	double iat; /* again by auth_check_times */
	int has_nbf;
	int has_iat;
};

/* Each refusal names what it refuses; only AUTH_ERR_SIGNATURE says "signature". */
enum auth_err {
	AUTH_OK = 0,
	AUTH_ERR_MISSING,     /* no Authorization header */
	AUTH_ERR_SCHEME,      /* not "Bearer <token>", or two headers */
	AUTH_ERR_MALFORMED,   /* not three base64url parts, or a JOSE header we cannot read */
	AUTH_ERR_ALG,         /* header names another algorithm than configured */
	AUTH_ERR_TYPE,        /* header's typ is neither absent nor "JWT" */
	AUTH_ERR_PAYLOAD,     /* payload not a JSON object of claims we can read */
	AUTH_ERR_SIGNATURE,   /* a readable token whose signature does not verify */
	AUTH_ERR_EXP,         /* exp missing or not a number */
	AUTH_ERR_EXPIRED,     /* exp (plus leeway) has passed */
	AUTH_ERR_EXP_TOO_FAR, /* exp more than jwt_max_ttl (plus leeway) ahead */
	AUTH_ERR_NBF,         /* nbf not a number */
	AUTH_ERR_NOT_YET,     /* nbf more than the leeway ahead */
	AUTH_ERR_IAT,         /* iat not a number */
	AUTH_ERR_IAT_FUTURE,  /* iat more than the leeway ahead */
	AUTH_ERR_ISSUER,
	AUTH_ERR_AUDIENCE,
	AUTH_ERR_SUB,    /* sub missing, or not 1..64 characters without space or control */
	AUTH_ERR_TENANT, /* tenantId likewise */
	AUTH_ERR_SCOPE,  /* scope not a string */
	AUTH_ERR_ROLES,  /* roles not an array of strings */
	AUTH_ERR_NOMEM,  /* the token could not be checked: out of memory */
	AUTH_ERR__MAX
};
const char *auth_strerror(enum auth_err err);

#define AUTH_TOKEN_MAX 8192

/*
 * Pure: extracts the token from an Authorization header value (len bytes):
 * scheme "Bearer" (any case), one or more spaces, then a JWT of three
 * base64url parts and nothing else.  tok and tok_len point into hdr.
 */
enum auth_err auth_parse_header(const char *hdr, size_t len, const char **tok, size_t *tok_len);

/* Pure: decodes the token's JOSE header: a JSON object whose "alg" is `alg`,
 * whose "typ" is absent or "JWT" (any case), and without "crit". */
enum auth_err auth_check_header(const char *tok, size_t len, const char *alg);

/* Pure: checks decoded claims at time `now` (seconds) against cfg; fills out
 * (which the caller may use only once the signature has verified too). */
enum auth_err auth_check_claims(const json_t *claims, const struct config *cfg, int64_t now,
                                struct principal *out);

/* The whole check of one header value: AUTH_OK and *out, or an error and
 * *out cleared.  What the token says is judged before libjwt checks the
 * signature, only so that a refusal names the claim; nothing is accepted
 * before the signature verifies. */
enum auth_err auth_verify(const struct config *cfg, const char *hdr, size_t len, int64_t now,
                          struct principal *out);

/*
 * A per-thread cache of verified tokens (auth_cache.c): a client sends the
 * same token many times, and its signature and claims do not change; only
 * the times (auth_check_times) are judged again on every hit.  A refused
 * token is never cached.
 */
struct auth_cache;
struct auth_cache *auth_cache_new(void);
void auth_cache_free(struct auth_cache *cache);
enum auth_err auth_verify_cached(struct auth_cache *cache, const struct config *cfg,
                                 const char *hdr, size_t len, int64_t now, struct principal *out);

/* Pure: exp, nbf and iat of p against now with the configured leeway and
 * jwt_max_ttl: AUTH_ERR_EXPIRED, AUTH_ERR_EXP_TOO_FAR, AUTH_ERR_NOT_YET or
 * AUTH_ERR_IAT_FUTURE, else AUTH_OK. */
enum auth_err auth_check_times(const struct principal *p, const struct config *cfg, int64_t now);

/* ---- requests as handlers see them ----------------------------------- */

#define ROUTE_MAX_ARGS 4

struct ctx {
	struct app *app;
	struct request *req;
	struct response *resp;
	struct principal who;
	const struct route *route;
	const char *arg[ROUTE_MAX_ARGS]; /* decoded path parameters, in order */
	size_t arg_len[ROUTE_MAX_ARGS];
	json_t *body; /* parsed JSON body, when the route takes one */
};

struct app {
	const struct config *cfg;
	struct db *db;
	struct auth_cache *tokens;
};

typedef void (*handler_fn)(struct ctx *c);

enum route_flag {
	ROUTE_WRITE = 1 << 0, /* needs crm:write (else crm:read or crm:write) */
	ROUTE_BODY = 1 << 1,  /* takes a JSON object body */
	ROUTE_PAGED = 1 << 2, /* accepts limit and cursor */
};

struct route {
	const char *method;
	const char *pattern; /* below base_path; "{name}" segments are parameters */
	handler_fn handler;
	unsigned flags;
	const char *name; /* for the log line */
};

extern const struct route route_table[];
extern const size_t route_count;

/* Pure: does the path match pattern?  Fills c->arg on a match. */
int route_match(const char *pattern, const struct uri *u, struct ctx *c);

/* ---- input checks (validate.c) --------------------------------------- */

/* s when it is short printable UTF-8 (safe to echo in a message), else fallback. */
const char *printable_or(const char *s, const char *fallback);

/* Paging: limit (LIMIT_PAGE_MIN..LIMIT_PAGE_MAX, default LIMIT_PAGE_DEFAULT) and the opaque cursor. */
struct paging {
	int limit;
	int has_cursor;
	struct page_key after;
};

enum paging_err {
	PAGING_OK = 0,
	PAGING_ERR_INVALID, /* a bad limit, parameter or cursor: the client's 400 */
	PAGING_ERR_SYSTEM,  /* out of memory or an OpenSSL failure: our 500 */
	PAGING_ERR__MAX
};
const char *paging_strerror(enum paging_err err);

/*
 * What a cursor is bound to, authenticated with it (never inside it): the
 * caller's tenant, the caller (the sub, for /my only; NULL or "" for lists
 * that any user of the tenant may page), the route's name and the filter
 * (owner id or status; NULL or "" for none).  A cursor made for one binding
 * is refused under any other.
 */
struct cursor_binding {
	const char *tenant;
	const char *caller;
	const char *route;
	const char *filter;
};

/* Reads limit/cursor from the query for a list of `kind` whose cursors are
 * sealed with key (CONFIG_CURSOR_KEY_BYTES) for binding b.  PAGING_OK, or
 * PAGING_ERR_INVALID with a client-facing message in err, or
 * PAGING_ERR_SYSTEM when the cursor could not be checked at all. */
enum paging_err paging_parse(const struct uri *u, const unsigned char *key,
                             const struct cursor_binding *b, enum list_kind kind, struct paging *pg,
                             char *err, size_t errlen);

/*
 * The opaque cursor: base64url of a version byte, a random 96-bit nonce and
 * the AES-256-GCM sealing (with b as additional data) of the position, padded
 * so its length says little.  It reveals nothing of the position and cannot
 * be made or changed without key.  CURSOR_MAX holds the longest with its NUL.
 */
#define CURSOR_MAX 1536

/* The cursor for the page after pos, NUL-terminated in out (CURSOR_MAX
 * bytes), its length in *out_len.  PAGING_OK, or PAGING_ERR_SYSTEM (out of
 * memory, no random bytes, OpenSSL failure) with out empty. */
enum paging_err cursor_encode(const unsigned char *key, const struct cursor_binding *b,
                              enum list_kind kind, const struct page_key *pos, char *out,
                              size_t *out_len);

/* Pure: the position in s[0..len), a cursor of ours for key, b and kind.
 * PAGING_OK and *pos; PAGING_ERR_INVALID for anything else (forged, cut,
 * changed, another binding or key); PAGING_ERR_SYSTEM when OpenSSL fails. */
enum paging_err cursor_decode(const unsigned char *key, const struct cursor_binding *b,
                              enum list_kind kind, const char *s, size_t len, struct page_key *pos);

/* Pure: the position in a cursor's decrypted text p[0..n) for a list of
 * kind (what cursor_decode reads once the cursor authenticates; exported
 * for the fuzzer).  0 and *pos, or -1. */
int cursor_position_parse(const unsigned char *p, size_t n, enum list_kind kind,
                          struct page_key *pos);

/* ---- bodies and path values (bodies.c) -------------------------------- */

struct next_action {
	const char *text; /* NULL: no next action (borrowed from the body) */
	int has_due;
	int64_t due; /* µs since the epoch, UTC */
};

/* Pure: {"crmStatus": "..."} and nothing else.  0, or -1 with a message. */
int parse_status_body(const json_t *body, enum crm_status *out, char *err, size_t errlen);
/* Pure: {"nextAction": string|null, "nextActionDueDate": date-time|null}; the
 * text is single-line (lib/utf8.h, utf8_line_check).  0, or -1 with a message. */
int parse_next_action_body(const json_t *body, struct next_action *out, char *err, size_t errlen);
/* Room for a normalised tag (lib/utf8.h's UTF8_TAG_BUF). */
#define TAG_BUF 201
/* Pure: the decoded tag segment s[0..len) (left as it is) under the tag rule
 * (lib/utf8.h, utf8_tag_normalize): NFC, trimmed, 1..50 characters; writes
 * the tag NUL-terminated into out (outsize >= TAG_BUF).  0, or the status
 * to answer (400 a bad tag, 500 out of memory) with a message in err. */
int parse_tag(const char *s, size_t len, char *out, size_t outsize, char *err, size_t errlen);

/* ---- helpers shared by endpoints (reply.c) ---------------------------- */

/* Maps a model result to an error response (404 text given by caller). */
void reply_db_error(struct ctx *c, enum db_rc rc, const char *not_found);

/* ---- endpoints ---------------------------------------------------------- */

void customers_by_owner(struct ctx *c);
void customers_by_status(struct ctx *c);
void customers_my(struct ctx *c);
void customers_overdue(struct ctx *c);
void customer_get(struct ctx *c);
void customer_set_status(struct ctx *c);
void customer_set_next_action(struct ctx *c);
void customer_set_owner(struct ctx *c);
void customer_clear_owner(struct ctx *c);
void customer_add_tag(struct ctx *c);
void customer_remove_tag(struct ctx *c);

#endif
