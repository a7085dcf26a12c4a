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
#include "lib/strbuf.h"
#include "lib/utf8.h"
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
	AUTH_ERR_SUB,    /* sub missing, or not 1..LIMIT_ID_CHARS characters, no space or control */
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

/* ---- the thread's resources ------------------------------------------- */

struct app {
	const struct config *cfg;
	struct db *db;
	struct auth_cache *tokens;
	struct shm_cache *pages; /* list pages, shared by the pool (NULL: none) */
};

/* ---- input checks (validate.c) --------------------------------------- */

/* s when it is short printable UTF-8 (safe to echo in a message), else fallback. */
const char *printable_or(const char *s, const char *fallback);

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

/*
 * Paging: limit (LIMIT_PAGE_MIN..LIMIT_PAGE_MAX, default LIMIT_PAGE_DEFAULT)
 * and the opaque cursor, as paging_parse reads them; then, set by the
 * dispatcher from the route, the list they page and what its cursors are
 * bound to (the pointers live as long as the request).
 */
struct paging {
	int limit;
	int has_cursor;
	struct page_key after;
	enum list_kind kind;
	const char *filter; /* owner id, status name, or NULL: the whole list */
	struct cursor_binding bind;
};

enum paging_err {
	PAGING_OK = 0,
	PAGING_ERR_INVALID, /* a bad limit, parameter or cursor: the client's 400 */
	PAGING_ERR_SYSTEM,  /* out of memory or an OpenSSL failure: our 500 */
	PAGING_ERR__MAX
};
const char *paging_strerror(enum paging_err err);

/* Reads limit/cursor from the query for a list of `kind` whose cursors are
 * sealed with key (CONFIG_CURSOR_KEY_BYTES) for binding b.  PAGING_OK, or
 * PAGING_ERR_INVALID with a client-facing message in err, or
 * PAGING_ERR_SYSTEM when the cursor could not be checked at all.  Fills
 * limit, has_cursor and after; leaves kind, filter and bind cleared. */
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

/* ---- bodies and the tag (bodies.c) ------------------------------------ */

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
/* Room for a normalised tag. */
#define TAG_BUF UTF8_TAG_BUF
/* Pure: the decoded tag segment s[0..len) (left as it is) under the tag rule
 * (lib/utf8.h, utf8_tag_normalize): NFC, trimmed, 1..LIMIT_TAG_CHARS
 * characters; writes the tag NUL-terminated into out (outsize >= TAG_BUF).
 * 0, or the status to answer (400 a bad tag, 500 out of memory) with a
 * message in err. */
int parse_tag(const char *s, size_t len, char *out, size_t outsize, char *err, size_t errlen);

/* ---- routes: what each one declares (routes.c, params.c) -------------- */

/*
 * A route row declares all the input its handler may see, and the
 * dispatcher (app.c) checks all of it before the handler runs, in this
 * order: method and pattern (404; 405 with Allow), the body's size (413),
 * the token and .access (401, 403), a query on a route with QUERY_NONE
 * (400), the body's type and JSON (415, 400), each path parameter in path
 * order (400), the query's values (400), the body's members (400).  The
 * handler gets a struct call of checked, typed values; the request's URI
 * and raw body do not reach it.  Adding a route is a row and a handler.
 */

/* The kinds of path parameter: a pattern's "{name}" segment names one, and
 * each has one check and one message (params.c). */
enum param_kind {
	PARAM_CUSTOMER_ID, /* {id}: an id (lib/ids.h) -> call.id */
	PARAM_OWNER_ID,    /* {ownerId}: a user's id (lib/ids.h) -> call.owner_id */
	PARAM_STATUS,      /* {status}: a crmStatus, exactly -> call.status */
	PARAM_TAG,         /* {tag}: the tag rule -> call.tag, normalised */
	PARAM__MAX
};

/* Who may call a route.  Anything but ACCESS_READ needs crm:write, so a row
 * that forgets .access fails closed. */
enum route_access {
	ACCESS_UNSET = 0,
	ACCESS_READ,   /* a token with crm:read or crm:write */
	ACCESS_WRITE,  /* a token with crm:write */
	ACCESS_PUBLIC, /* no token is asked for or looked at (the health check) */
};

/* The query a route accepts. */
enum route_query {
	QUERY_NONE = 0, /* none: any parameter is a 400 */
	QUERY_PAGING,   /* limit and cursor (call.paging) over the list in .list */
};

/* What a paged route lists, and so what its cursors are bound to. */
enum list_filter {
	FILTER_NONE = 0, /* the tenant's whole list */
	FILTER_PATH,     /* the route's one path parameter (an owner id, a status) */
	FILTER_CALLER,   /* the caller's own (sub); its cursors are bound to the caller too */
};

struct route_list {
	enum list_kind kind;
	enum list_filter filter;
};

/* The body a route takes: a JSON object, parsed into call.body. */
enum route_body {
	BODY_NONE = 0,    /* none is read (one sent is ignored) */
	BODY_STATUS,      /* parse_status_body -> call.body.status */
	BODY_NEXT_ACTION, /* parse_next_action_body -> call.body.next_action */
	BODY_CUSTOMER,    /* a customer's members, checked by the model -> call.body.customer */
	BODY_MERGE_PATCH, /* a JSON Merge Patch (also as application/merge-patch+json) of a
	                     customer, its members checked -> call.body.patch */
	BODY__MAX
};

/* The parsed bodies; the member of the route's BODY_ kind is set. */
struct call_body {
	enum crm_status status;
	struct next_action next_action; /* its text points into the request's JSON */
	const json_t *customer;         /* the request's JSON object, borrowed */
	const json_t *patch;            /* the request's JSON object, borrowed */
};

/* One call of a handler: who calls, the checked input the route declared,
 * and the response to fill.  Everything lives as long as the request. */
struct call {
	struct app *app;
	struct response *resp;
	const struct principal *who;
	const struct route *route;
	const char *id;            /* {id} */
	const char *owner_id;      /* {ownerId} */
	enum crm_status status;    /* {status} */
	char tag[TAG_BUF];         /* {tag}, normalised */
	struct paging paging;      /* QUERY_PAGING */
	struct call_body body;     /* BODY_ other than BODY_NONE */
	const char *if_match;      /* the If-Match field as sent, or NULL (reply_precondition) */
	const char *if_none_match; /* the If-None-Match field as sent, or NULL */
	struct keyed *keyed;       /* the request's Idempotency-Key (keyed.c), or NULL */
	int accepts_gzip;          /* Accept-Encoding accepts gzip (lib/accept.h) */
};

typedef void (*handler_fn)(struct call *c);

struct route {
	const char *method;
	const char *pattern; /* below base_path; "{name}" segments name an enum param_kind */
	enum route_access access;
	enum route_query query;
	struct route_list list; /* QUERY_PAGING */
	enum route_body body;
	handler_fn handler;
	const char *name; /* for the log line and the cursors' binding */
};

extern const struct route route_table[];
extern const size_t route_count;

/* A matched path's parameters: raw decoded segments, in path order. */
#define ROUTE_MAX_ARGS 4
struct route_args {
	size_t n;
	enum param_kind kind[ROUTE_MAX_ARGS];
	const char *str[ROUTE_MAX_ARGS]; /* into the uri's storage, NUL-terminated */
	size_t len[ROUTE_MAX_ARGS];
};

/* Pure: 1 when the decoded path u matches pattern, with its parameters in
 * *out; 0 when it does not (an empty segment never fills a parameter, and a
 * "{name}" that names no parameter kind never matches). */
int route_match(const char *pattern, const struct uri *u, struct route_args *out);

/* Appends r's path ("/crm/customers/...") with c's values for its
 * parameters, each segment percent-encoded: the path a Link header names. */
void route_path(const struct route *r, const struct call *c, struct strbuf *out);

/* Pure: the kind named by name[0..len) (without the braces), or PARAM__MAX. */
enum param_kind param_kind_named(const char *name, size_t len);
/* The name of kind k as patterns and messages spell it ("ownerId"), or NULL. */
const char *param_name(enum param_kind k);

/* Pure: checks the decoded segment s[0..len) (NUL-terminated after len
 * bytes) as a parameter of kind k and stores its typed value in c.  0, or
 * the status to answer (400; 500 out of memory) with a client-facing
 * message in err.  c->id and c->owner_id point to s afterwards. */
int param_parse(enum param_kind k, const char *s, size_t len, struct call *c, char *err,
                size_t errlen);

/* The value param_parse stored for kind k in c, as text: the id, the
 * status's name, the normalised tag; NULL for an id or tag not stored. */
const char *param_text(enum param_kind k, const struct call *c);

/* Pure: parses a JSON object body as kind into *out.  0, or -1 with a
 * client-facing message in err (BODY_NONE: there is no body to parse). */
int body_parse(enum route_body kind, const json_t *body, struct call_body *out, char *err,
               size_t errlen);

/* ---- a 400 about the body (body_errors.c) ----------------------------- */

/*
 * Pure: the RFC 6901 JSON Pointer into the body that a client-facing message
 * about a body names, in out (cap bytes): "contacts[1].email: expected a
 * string or null" (model/shape.h's "path: reason") is "/contacts/1/email"
 * with *reason "expected a string or null"; "unknown member 'x' in the body"
 * is "/x".  0; or -1 for a message that names no member (the body as a
 * whole: out is "", *reason the whole message).
 */
int body_error_pointer(const char *msg, char *out, size_t cap, const char **reason);

/* A 400 about the body with msg as its detail (resp_body_error, the pointer
 * from body_error_pointer). */
void reply_body_error(struct response *resp, const char *msg);

/* ---- helpers shared by endpoints (reply.c) ---------------------------- */

/* Maps a model result to an error response (404 text given by caller). */
void reply_db_error(struct call *c, enum db_rc rc, const char *not_found);

/* The precondition of a change from the request's If-Match, for the model's
 * change calls (the struct points into the request). */
struct precondition reply_precondition(const struct call *c);

/* A change's model result when out->precondition_failed: the 412. */
void reply_precondition_failed(struct call *c, const struct customer_change_out *out);

/* Sets the ETag of the body c->resp holds (lib/etag.h).  0, or -1 with the
 * answer made a 500 (OpenSSL failed; logged). */
int reply_etag(struct call *c);

/*
 * A GET's (and HEAD's) 200 with the body in c->resp: sets its ETag, and
 * when If-None-Match names it (weak comparison) or is "*", makes the answer
 * a 304 with no body.  Sets status (200, 304, or 500).
 */
void reply_read(struct call *c);

/* After reply_read: the headers of a read that has two encodings, Vary and
 * Content-Encoding when the body in c->resp is gzip (c->accepts_gzip); an
 * error answer gets neither. */
void reply_encoded(struct call *c);

/* reply_read with the body's tag made already (a list page's, from its customers' tags). */
void reply_read_tagged(struct call *c, const char *tag);

/* ---- Idempotency-Key (keyed.c) ------------------------------------------ */

/*
 * Reads the request's Idempotency-Key into out, bound to the caller (c->who)
 * and to the request's method, path and body (their SHA-256).  0 when there
 * is none (out untouched) or it is good; -1 with a 400 in resp for a bad
 * one (empty, blank, too long, not visible ASCII, sent twice).
 */
int keyed_read(const struct request *req, const struct call *c, struct keyed *out,
               struct response *resp);

/* The key of c (NULL: none) made ready for a change whose success is
 * answered with status (and Location, or NULL), for the model's calls. */
struct keyed *keyed_answer(struct call *c, int status, const char *location);

/* The model's DB_REPLAY: the kept answer again (its body is already in
 * c->resp), with its ETag and Location and Idempotent-Replayed: true. */
void keyed_replay(struct call *c);

/* ---- endpoints ---------------------------------------------------------- */

void customers_list(struct call *c);
void customer_get(struct call *c);
void customer_set_status(struct call *c);
void customer_set_next_action(struct call *c);
void customer_set_owner(struct call *c);
void customer_clear_owner(struct call *c);
void customer_add_tag(struct call *c);
void customer_remove_tag(struct call *c);
void customer_delete(struct call *c);
void customer_patch(struct call *c);
void customer_create(struct call *c);
void health_get(struct call *c);

#endif
