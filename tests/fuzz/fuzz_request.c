/* fuzz_request: a whole request (method, URI, headers, body) through the dispatcher and handlers, with no database behind them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <jwt.h>

#include "conf/config.h"
#include "fcgi/fcgi.h"
#include "handlers/app.h"
#include "lib/etag.h"
#include "model/model.h"

/*
 * The input is what nginx would pass, written as text:
 *
 *     METHOD URI\n
 *     Header-Name: value\n      (Authorization, Content-Type, If-Match,
 *                               If-None-Match; others ignored)
 *     \n
 *     body bytes...
 *
 * "Bearer @valid" stands for a token this run signed itself (the corpus
 * cannot hold one: tokens expire), so inputs reach past authentication.  The
 * database is a socket that does not exist: every model call is "database
 * unavailable", at once.  Whatever comes in, the answer must be one
 * well-formed response: a status from 200 to 599, header lines of visible
 * ASCII each ending in CRLF, and a JSON body (every error, every list and
 * customer; a 204 or 304 has none).  Anything else aborts.
 *
 * With no database the handlers never compare a tag, so each If-Match and
 * If-None-Match value also goes straight to etag_list_match (lib/etag.h),
 * against a tag of ours and against the value's first element: the answer
 * is one of the three, a strong match is also a weak one, and "*" alone,
 * or a well-formed list, names that element.
 */

#define FUZZ_SECRET "fuzz-secret-of-at-least-thirty-two-bytes!"

static struct config cfg;
static void *app;
static char *valid_token; /* "Bearer <token>" */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *sign_token(void)
{
	jwt_t *jwt = NULL;
	char *tok = NULL, *out = NULL;
	time_t now = time(NULL);
	if (jwt_new(&jwt) == 0 &&
	    jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)FUZZ_SECRET,
	                (int)strlen(FUZZ_SECRET)) == 0 &&
	    jwt_add_grant(jwt, "sub", "fuzz-u1") == 0 &&
	    jwt_add_grant(jwt, "tenantId", "fuzz-tenant") == 0 &&
	    jwt_add_grant(jwt, "scope", "crm:read crm:write") == 0 &&
	    jwt_add_grant_int(jwt, "exp", now + 3600) == 0)
		tok = jwt_encode_str(jwt);
	if (tok != NULL && asprintf(&out, "Bearer %s", tok) < 0)
		out = NULL;
	free(tok);
	jwt_free(jwt);
	return out;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char err[512];
	setenv("CRM_JWT_SECRET", FUZZ_SECRET, 1);
	setenv("CRM_CURSOR_KEY", "fuzz-cursor-key-of-at-least-thirty-two-bytes", 1);
	setenv("CRM_DB_SOCKET", "/nonexistent/crm-fuzz.sock", 1);
	if (config_load(&cfg, NULL, 1, err, sizeof(err)) != 0 || db_library_init() != 0) {
		fprintf(stderr, "fuzz_request: %s\n", err);
		abort();
	}
	app = app_open(&cfg);
	valid_token = sign_token();
	if (app == NULL || valid_token == NULL)
		abort();
	return 0;
}

/* The next line of in[*at..n) (without its \n), NUL-terminated in a copy; NULL at the end. */
static char *next_line(const uint8_t *in, size_t n, size_t *at)
{
	if (*at >= n)
		return NULL;
	const uint8_t *nl = memchr(in + *at, '\n', n - *at);
	size_t len = nl ? (size_t)(nl - (in + *at)) : n - *at;
	char *line = strndup((const char *)in + *at, len);
	*at += len + (nl ? 1 : 0);
	return line;
}

static void check_response(const struct response *r)
{
	if (r->status < 200 || r->status > 599)
		abort();
	const char *h = r->headers.data ? r->headers.data : "";
	for (size_t i = 0; i < r->headers.len; i++) {
		unsigned char c = (unsigned char)h[i];
		if (c == '\r' && (i + 1 >= r->headers.len || h[i + 1] != '\n'))
			abort(); /* a bare CR */
		if (c == '\n' && (i == 0 || h[i - 1] != '\r'))
			abort(); /* a bare LF: a header could be split */
		if (c != '\r' && c != '\n' && (c < 0x20 || c > 0x7e))
			abort();
	}
	if (r->headers.len > 0 && (r->headers.len < 2 || h[r->headers.len - 1] != '\n'))
		abort();
	if (r->status == 204 || r->status == 304) {
		if (r->body.len != 0)
			abort();
		return;
	}
	json_t *body = json_loadb(r->body.data, r->body.len, JSON_DECODE_ANY, NULL);
	if (body == NULL)
		abort();
	if (r->status >= 400 &&
	    (!json_is_object(body) || !json_is_string(json_object_get(body, "detail"))))
		abort();
	json_decref(body);
}

/* The list in value: the answer is one of three, and consistent between comparisons. */
static void check_etag_list(const char *value)
{
	size_t len = strlen(value);
	char ours[ETAG_SIZE];
	if (etag_of(value, len, ours) != 0)
		abort();
	enum etag_list strong = etag_list_match(value, len, ours, ETAG_STRONG);
	enum etag_list weak = etag_list_match(value, len, ours, ETAG_WEAK);
	if (strong > ETAG_LIST_MALFORMED || weak > ETAG_LIST_MALFORMED)
		abort();
	if ((strong == ETAG_LIST_MALFORMED) != (weak == ETAG_LIST_MALFORMED))
		abort(); /* well-formedness does not depend on the comparison */
	if (strong == ETAG_LIST_MATCH && weak != ETAG_LIST_MATCH)
		abort(); /* a strong match is also a weak one */
	/* the first element of a well-formed list, as a tag of its own, is named by it */
	const char *q = memchr(value, '"', len);
	const char *end = q ? memchr(q + 1, '"', len - (size_t)(q + 1 - value)) : NULL;
	if (weak != ETAG_LIST_MALFORMED && q != NULL && end != NULL) {
		char *tag = strndup(q, (size_t)(end - q) + 1);
		if (tag == NULL)
			abort();
		if (etag_list_match(value, len, tag, ETAG_WEAK) != ETAG_LIST_MATCH)
			abort();
		free(tag);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t at = 0;
	char *first = next_line(data, size, &at);
	if (first == NULL)
		return 0;
	char *space = strchr(first, ' ');
	struct request req;
	memset(&req, 0, sizeof(req));
	req.method = first;
	req.raw_uri = "";
	if (space != NULL) {
		*space = '\0';
		req.raw_uri = space + 1;
	}
	req.request_id = "fuzz";
	char *headers[8] = {NULL};
	size_t nh = 0;
	for (char *line; nh < 8 && (line = next_line(data, size, &at)) != NULL;) {
		if (line[0] == '\0') {
			free(line);
			break;
		}
		headers[nh++] = line;
		const char *colon = strchr(line, ':');
		const char *value = colon ? colon + 1 + (colon[1] == ' ') : "";
		if (strncasecmp(line, "authorization:", 14) == 0) {
			req.authorization =
			        strcmp(value, "Bearer @valid") == 0 ? valid_token : value;
			req.authorization_count++;
		} else if (strncasecmp(line, "content-type:", 13) == 0) {
			req.content_type = value;
		} else if (strncasecmp(line, "if-match:", 9) == 0) {
			req.if_match = value;
			check_etag_list(value);
		} else if (strncasecmp(line, "if-none-match:", 14) == 0) {
			req.if_none_match = value;
			check_etag_list(value);
		}
	}
	char *body = NULL;
	if (at < size) {
		body = malloc(size - at + 1);
		if (body == NULL)
			abort();
		memcpy(body, data + at, size - at);
		body[size - at] = '\0';
		req.body = body;
		req.body_len = size - at;
		req.body_too_large = req.body_len > cfg.max_body;
	}
	req.uri_err = uri_parse(req.raw_uri, strlen(req.raw_uri), cfg.base_path, &req.uri,
	                        &req.uri_prefix_ok);
	req.out_of_memory = req.uri_err == FCGI_ERR_NOMEM;

	struct response resp;
	resp_init(&resp);
	app_handle(app, &req, &resp);
	check_response(&resp);
	struct log_fields lf;
	app_log_fields(app, &lf);

	resp_free(&resp);
	uri_free(&req.uri);
	free(body);
	for (size_t i = 0; i < nh; i++)
		free(headers[i]);
	free(first);
	return 0;
}
