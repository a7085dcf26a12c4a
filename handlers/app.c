/* app: the dispatcher — route, method, body limits, token and permission, then the handler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "handlers/handlers.h"
#include "lib/accept.h"
#include "lib/obs.h"

/* One accepting thread's state: what handlers see, and who asked what last (for the log). */
struct app_thread {
	struct app app;
	const char *route; /* the route's name, or NULL */
	char tenant[PRINCIPAL_ID_SIZE];
	char user[PRINCIPAL_ID_SIZE];
};

static struct shm_cache *shared_pages;

void app_share_pages(struct shm_cache *pages)
{
	shared_pages = pages;
}

/*
 * Connects at once: a database that is down is no reason not to start (the
 * requests get 503 until it is back), but one that refuses our user, its
 * password or the database is a configuration that no retry will mend.
 * The worker then ends and the master's crash-loop guard takes over.
 */
static int credentials_refused(struct db *db)
{
	char err[300];
	if (db_connect_now(db, err, sizeof(err)) == DB_OK)
		return 0;
	unsigned code = db_last_error_code(db);
	/* ER_DBACCESS_DENIED_ERROR, ER_ACCESS_DENIED_ERROR, ER_BAD_DB_ERROR */
	if (code != 1044 && code != 1045 && code != 1049)
		return 0;
	log_msg("error", "the database refuses this worker (%u): %s", code, err);
	return 1;
}

void *app_open(const struct config *cfg)
{
	struct app_thread *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->app.cfg = cfg;
	t->app.db = db_open(cfg, 0);
	t->app.pages = shared_pages;
	t->app.tokens = auth_cache_new();
	if (t->app.db == NULL || t->app.tokens == NULL) {
		log_msg("error", "out of memory starting a worker thread");
		app_close(t);
		return NULL;
	}
	if (credentials_refused(t->app.db)) {
		app_close(t);
		return NULL;
	}
	return t;
}

void app_close(void *state)
{
	struct app_thread *t = state;
	if (t == NULL)
		return;
	db_close(t->app.db);
	auth_cache_free(t->app.tokens);
	free(t);
}

/*
 * The dispatcher's own state for one request.  The handler is given only
 * call: the checked values the route declared, never req's URI or body.
 */
struct ctx {
	struct keyed keyed; /* the Idempotency-Key, when the request has one */
	struct app *app;
	struct request *req;
	struct response *resp;
	struct principal who;
	const struct route *route;
	struct route_args path; /* the route's path parameters as they came */
	json_t *body;           /* the parsed JSON body, when the route takes one */
	struct call call;
};

static int method_is(const struct route *r, const char *method)
{
	return strcmp(r->method, method) == 0 ||
	       (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0);
}

/*
 * Finds the route; answers 404 or 405 (with Allow) itself and returns NULL
 * then.  The first row whose path matches decides the pattern, whatever the
 * method: a literal segment ("my", "by-owner") is never taken for an {id}
 * by a later row of another method.  Allow lists the rows of that pattern.
 */
static const struct route *find_route(struct ctx *c)
{
	char allow[64] = "";
	const char *pattern = NULL;
	for (size_t i = 0; i < route_count; i++) {
		const struct route *r = &route_table[i];
		struct route_args args;
		if (pattern != NULL && strcmp(r->pattern, pattern) != 0)
			continue;
		if (!route_match(r->pattern, &c->req->uri, &args))
			continue;
		pattern = r->pattern;
		if (method_is(r, c->req->method)) {
			c->path = args;
			return r;
		}
		if (strstr(allow, r->method) == NULL) {
			if (allow[0])
				strcat(allow, ", ");
			strcat(allow, r->method);
			if (strcmp(r->method, "GET") == 0)
				strcat(allow, ", HEAD");
		}
	}
	if (allow[0] == '\0') {
		resp_error(c->resp, 404, "No such resource; see the API reference for the paths.");
		return NULL;
	}
	resp_header(c->resp, "Allow", allow);
	resp_errorf(c->resp, 405, "Method %s is not allowed here; allowed: %s.",
	            printable_or(c->req->method, "?"), allow);
	return NULL;
}

/* A refusal's reason as crm_auth_failures_total counts it (a few, for dashboards). */
static enum obs_auth auth_reason(enum auth_err rc)
{
	switch (rc) {
	case AUTH_ERR_MISSING: return OBS_AUTH_MISSING;
	case AUTH_ERR_SCHEME:
	case AUTH_ERR_MALFORMED:
	case AUTH_ERR_PAYLOAD: return OBS_AUTH_MALFORMED;
	case AUTH_ERR_ALG:
	case AUTH_ERR_TYPE: return OBS_AUTH_ALGORITHM;
	case AUTH_ERR_SIGNATURE: return OBS_AUTH_SIGNATURE;
	case AUTH_ERR_EXPIRED:
	case AUTH_ERR_EXP_TOO_FAR:
	case AUTH_ERR_NOT_YET:
	case AUTH_ERR_IAT_FUTURE: return OBS_AUTH_EXPIRED;
	default: return OBS_AUTH_CLAIMS;
	}
}

static int authenticate(struct ctx *c)
{
	const struct request *req = c->req;
	enum auth_err rc = AUTH_ERR_SCHEME;
	/* a route that says so explicitly; ACCESS_UNSET still fails closed below */
	if (c->route->access == ACCESS_PUBLIC)
		return 0;
	if (req->authorization_count <= 1) {
		const char *h = req->authorization;
		rc = auth_verify_cached(c->app->tokens, c->app->cfg, h, h ? strlen(h) : 0,
		                        (int64_t)time(NULL), &c->who);
	}
	if (rc == AUTH_ERR_NOMEM) {
		resp_error(c->resp, 500, "The server ran out of memory; try again.");
		return -1;
	}
	if (rc != AUTH_OK) {
		obs_auth_failure(auth_reason(rc));
		resp_header(c->resp, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
		resp_error(c->resp, 401, auth_strerror(rc));
		return -1;
	}
	/* anything but ACCESS_READ needs crm:write: a row without .access fails closed */
	int needs_write = c->route->access != ACCESS_READ;
	int allowed = needs_write ? c->who.can_write : c->who.can_read;
	if (!allowed) {
		const char *need = needs_write ? "crm:write" : "crm:read";
		obs_auth_failure(OBS_AUTH_SCOPE);
		resp_header(c->resp, "WWW-Authenticate",
		            needs_write
		                    ? "Bearer error=\"insufficient_scope\", scope=\"crm:write\""
		                    : "Bearer error=\"insufficient_scope\", scope=\"crm:read\"");
		resp_errorf(c->resp, 403, "This token lacks the %s permission.", need);
		return -1;
	}
	return 0;
}

/*
 * Every change may carry an Idempotency-Key (a read ignores one).  Its
 * kept answer, or its 422 for another request, comes before any other
 * check of the request: a retry gets what the first request got.
 */
static int read_key(struct ctx *c)
{
	if (c->route->access == ACCESS_READ || c->route->access == ACCESS_PUBLIC ||
	    c->req->idempotency_key == NULL)
		return 0;
	if (keyed_read(c->req, &c->call, &c->keyed, c->resp) != 0)
		return -1;
	c->call.keyed = &c->keyed;
	enum db_rc rc = db_keyed_peek(c->app->db, &c->keyed, &c->resp->body);
	if (rc == DB_OK)
		return 0;
	reply_db_error(&c->call, rc, "customer not found");
	return -1;
}

/* Routes that take no query parameters refuse any. */
static int check_no_params(struct ctx *c)
{
	if (c->route->query != QUERY_NONE || c->req->uri.nparam == 0)
		return 0;
	resp_errorf(c->resp, 400, "unknown query parameter '%s' (this endpoint takes none)",
	            printable_or(c->req->uri.param[0].name, "?"));
	return -1;
}

/* Is ct the media type type, with or without parameters? */
static int media_type_is(const char *ct, const char *type)
{
	size_t n = strlen(type);
	if (ct == NULL || strncasecmp(ct, type, n) != 0)
		return 0;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

/* A merge patch is JSON under either name (RFC 7396 section 4). */
static int is_json_type(const char *ct, enum route_body kind)
{
	return media_type_is(ct, "application/json") ||
	       (kind == BODY_MERGE_PATCH && media_type_is(ct, "application/merge-patch+json"));
}

/* The member jansson found twice: the quoted key its message ends with ("... near '"a"'"). */
static void duplicate_member(const json_error_t *e, char *out, size_t cap)
{
	const char *near = strstr(e->text, "near '");
	const char *end = strrchr(e->text, '\'');
	snprintf(out, cap, "%s", "(a key)");
	if (near == NULL || end == NULL || end <= near + 6)
		return;
	char key[80];
	size_t n = (size_t)(end - (near + 6));
	if (n >= sizeof(key))
		return;
	memcpy(key, near + 6, n);
	key[n] = '\0';
	snprintf(out, cap, "%s", printable_or(key, "(a key)"));
}

/* Why a body is not JSON, in words for a client developer (never jansson's own): a 400
 * about the body as a whole (its problem details point at ""). */
static void body_json_error(struct response *resp, const json_error_t *e)
{
	const char *why = NULL;
	char member[96], detail[256];
	switch (json_error_code(e)) {
	case json_error_out_of_memory:
		resp_error(resp, 500, "The server ran out of memory; try again.");
		return;
	case json_error_invalid_utf8: why = "it is not valid UTF-8"; break;
	case json_error_null_character:
	case json_error_null_byte_in_key: why = "it holds a NUL character (\\u0000)"; break;
	case json_error_duplicate_key:
		duplicate_member(e, member, sizeof(member));
		snprintf(detail, sizeof(detail),
		         "The body cannot be read: it names the member %s twice (line %d).", member,
		         e->line);
		reply_body_error(resp, detail);
		return;
	case json_error_numeric_overflow: why = "a number is too large"; break;
	case json_error_stack_overflow: why = "it is nested too deeply"; break;
	case json_error_premature_end_of_input: why = "it ends before its JSON value does"; break;
	case json_error_end_of_input_expected: why = "something follows its JSON value"; break;
	default: why = "it is not valid JSON"; break;
	}
	snprintf(detail, sizeof(detail), "The body cannot be read: %s (line %d, column %d).", why,
	         e->line, e->column);
	reply_body_error(resp, detail);
}

/* A JSON body: the right type, within the limit, an object. */
static int read_body(struct ctx *c)
{
	if (c->route->body == BODY_NONE)
		return 0;
	if (!is_json_type(c->req->content_type, c->route->body)) {
		resp_error(
		        c->resp, 415,
		        c->route->body == BODY_MERGE_PATCH
		                ? "The body must be a JSON Merge Patch: send 'Content-Type: "
		                  "application/merge-patch+json' (or application/json)."
		                : "The body must be JSON: send 'Content-Type: application/json'.");
		return -1;
	}
	if (c->req->body == NULL || c->req->body_len == 0) {
		reply_body_error(c->resp, "The body is empty; this request needs a JSON object.");
		return -1;
	}
	json_error_t jerr;
	c->body = json_loadb(c->req->body, c->req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (c->body == NULL) {
		body_json_error(c->resp, &jerr);
		return -1;
	}
	if (!json_is_object(c->body)) {
		reply_body_error(c->resp, "The body must be a JSON object.");
		return -1;
	}
	return 0;
}

/* Each path parameter in path order, checked and stored typed in c->call. */
static int read_path(struct ctx *c)
{
	char err[300];
	for (size_t i = 0; i < c->path.n; i++) {
		int status = param_parse(c->path.kind[i], c->path.str[i], c->path.len[i], &c->call,
		                         err, sizeof(err));
		if (status != 0) {
			resp_error(c->resp, status, err);
			return -1;
		}
	}
	return 0;
}

/* A paged route's limit and cursor, the cursor checked against the binding
 * of this list: the tenant, the route, its filter and, for the caller's own
 * list, the caller. */
static int read_query(struct ctx *c)
{
	const struct route *r = c->route;
	if (r->query != QUERY_PAGING)
		return 0;
	const char *filter = NULL, *caller = NULL;
	if (r->list.filter == FILTER_CALLER)
		filter = caller = c->who.sub;
	else if (r->list.filter == FILTER_PATH && c->path.n > 0)
		filter = param_text(c->path.kind[c->path.n - 1], &c->call);
	const struct cursor_binding bind = {c->who.tenant, caller, r->name, filter};
	struct paging *pg = &c->call.paging;
	char err[200];
	enum paging_err rc = paging_parse(&c->req->uri, c->app->cfg->cursor_aead_key, &bind,
	                                  r->list.kind, pg, err, sizeof(err));
	if (rc == PAGING_ERR_SYSTEM) {
		log_msg("error", "paging: %s", paging_strerror(rc));
		resp_error(c->resp, 500, "Internal error; it has been logged.");
		return -1;
	}
	if (rc != PAGING_OK) {
		resp_error(c->resp, 400, err);
		return -1;
	}
	pg->kind = r->list.kind;
	pg->filter = filter;
	pg->bind = bind;
	return 0;
}

/* The body's members, into the route's typed body. */
static int parse_body(struct ctx *c)
{
	char err[300];
	if (c->route->body == BODY_NONE)
		return 0;
	if (body_parse(c->route->body, c->body, &c->call.body, err, sizeof(err)) != 0) {
		reply_body_error(c->resp, err);
		return -1;
	}
	return 0;
}

/*
 * The route's declarations, checked in the order the API has always
 * answered in: a query where none is taken and the body's type and syntax
 * come before the path's values; then the path in path order, the query's
 * values and the body's members.
 */
static void dispatch(struct ctx *c)
{
	struct request *req = c->req;
	if (!req->uri_prefix_ok) {
		resp_error(c->resp, 404, "No such resource; the API lives below /api/v1/.");
		return;
	}
	if (req->uri_err != FCGI_OK) {
		resp_errorf(c->resp, req->uri_err == FCGI_ERR_TOO_LONG ? 414 : 400,
		            "Malformed request URI: %s.", fcgi_strerror(req->uri_err));
		return;
	}
	c->route = find_route(c);
	if (c->route == NULL)
		return;
	obs_route(c->route->name);
	if (req->body_too_large) {
		resp_errorf(c->resp, 413, "The body exceeds the limit of %zu bytes.",
		            c->app->cfg->max_body);
		return;
	}
	c->call.app = c->app;
	c->call.resp = c->resp;
	c->call.who = &c->who;
	c->call.route = c->route;
	c->call.if_match = req->if_match;
	c->call.if_none_match = req->if_none_match;
	c->call.accepts_gzip = accept_gzip(req->accept_encoding);
	if (authenticate(c) != 0 || read_key(c) != 0 || check_no_params(c) != 0 ||
	    read_body(c) != 0 || read_path(c) != 0 || read_query(c) != 0 || parse_body(c) != 0)
		return;
	c->route->handler(&c->call);
}

void app_handle(void *state, struct request *req, struct response *resp)
{
	struct app_thread *t = state;
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.app = &t->app;
	c.req = req;
	c.resp = resp;
	resp->status = 500; /* only the success path changes it */
	/* logged by the pool; uri and body are not what the client sent */
	if (req->out_of_memory)
		resp_error(resp, 500, "The server ran out of memory; try again.");
	else
		dispatch(&c);
	json_decref(c.body);
	if (resp->status == 500 && resp->body.len == 0)
		resp_error(resp, 500, "Internal error; it has been logged.");
	/* who (once a token was accepted) asked for what, for app_log_fields */
	t->route = c.route != NULL ? c.route->name : NULL;
	snprintf(t->tenant, sizeof(t->tenant), "%s", c.who.tenant);
	snprintf(t->user, sizeof(t->user), "%s", c.who.sub);
}

size_t app_route_names(const char **names, size_t max)
{
	size_t n = 0;
	for (; n < route_count && n < max; n++)
		names[n] = route_table[n].name;
	return n;
}

void app_log_fields(void *state, struct log_fields *out)
{
	const struct app_thread *t = state;
	out->n = 2;
	out->field[0].key = "tenant";
	out->field[0].value = t->tenant;
	out->field[1].key = "user";
	out->field[1].value = t->user;
	out->route = t->route;
}
