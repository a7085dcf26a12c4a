/* response: the one place that builds status lines, headers and error bodies. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "fcgi/fcgi.h"
#include "lib/timefmt.h"

void resp_init(struct response *r)
{
	r->status = 500;
	strbuf_init(&r->headers);
	strbuf_init(&r->body);
	r->problem = 0;
	r->instance = NULL;
}

void resp_reset(struct response *r)
{
	r->status = 500;
	strbuf_reset(&r->headers);
	strbuf_reset(&r->body);
}

void resp_free(struct response *r)
{
	if (r == NULL)
		return;
	strbuf_free(&r->headers);
	strbuf_free(&r->body);
}

void resp_header(struct response *r, const char *name, const char *value)
{
	strbuf_append_str(&r->headers, name);
	strbuf_append(&r->headers, ": ", 2);
	strbuf_append_str(&r->headers, value);
	strbuf_append(&r->headers, "\r\n", 2);
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

/*
 * The kinds of problem, as docs/openapi.yaml's "Problem types" lists them
 * (and nginx's own error pages name them, conf/nginx.local.conf.in): one
 * per status, and invalid-body for a 400 about the body.  Relative URIs
 * that resolve to their entry on the docs page of whatever host answered.
 */
#define PROBLEM_BASE "/api/v1/docs#problem-"
const char *resp_problem_type(int status, int body)
{
	switch (status) {
	case 400: return body ? PROBLEM_BASE "invalid-body" : PROBLEM_BASE "invalid-request";
	case 401: return PROBLEM_BASE "invalid-token";
	case 403: return PROBLEM_BASE "insufficient-scope";
	case 404: return PROBLEM_BASE "not-found";
	case 405: return PROBLEM_BASE "method-not-allowed";
	case 409: return PROBLEM_BASE "conflict";
	case 411: return PROBLEM_BASE "length-required";
	case 412: return PROBLEM_BASE "precondition-failed";
	case 413: return PROBLEM_BASE "body-too-large";
	case 414: return PROBLEM_BASE "uri-too-long";
	case 415: return PROBLEM_BASE "unsupported-media-type";
	case 422: return PROBLEM_BASE "idempotency-key-reused";
	case 501: return PROBLEM_BASE "not-implemented";
	case 503: return PROBLEM_BASE "unavailable";
	case 505: return PROBLEM_BASE "http-version-not-supported";
	default:
		return status < 500 ? PROBLEM_BASE "invalid-request"
		                    : PROBLEM_BASE "internal-error";
	}
}

const char *resp_content_type(const struct response *r)
{
	return r->problem && r->status >= 400 ? "application/problem+json" : "application/json";
}

static void append_member(struct strbuf *b, const char *name, const char *value)
{
	strbuf_appendf(b, ",\"%s\":", name);
	strbuf_append_json_string(b, value, strlen(value));
}

/* The error body of either shape; pointer != NULL adds the problem's "errors". */
static void error_body(struct response *r, int status, const char *detail, const char *pointer,
                       const char *reason)
{
	char now[TIMEFMT_RFC3339_MAX];
	/* whole seconds, as in the seed's examples */
	timefmt_format_rfc3339(timefmt_now() / 1000000 * 1000000, now);
	const char *title = http_reason(status);

	r->status = status;
	strbuf_reset(&r->body);
	if (!r->problem) {
		/* the reference's shape, member for member as it has always been */
		strbuf_append_str(&r->body, "{\"title\":");
		strbuf_append_json_string(&r->body, title, strlen(title));
		strbuf_appendf(&r->body, ",\"status\":%d", status);
		append_member(&r->body, "detail", detail);
		append_member(&r->body, "time", now);
		strbuf_append_char(&r->body, '}');
		return;
	}
	const char *type = resp_problem_type(status, pointer != NULL);
	strbuf_append_str(&r->body, "{\"type\":");
	strbuf_append_json_string(&r->body, type, strlen(type));
	append_member(&r->body, "title", title);
	strbuf_appendf(&r->body, ",\"status\":%d", status);
	append_member(&r->body, "detail", detail);
	append_member(&r->body, "instance", r->instance != NULL ? r->instance : "-");
	append_member(&r->body, "time", now);
	if (pointer != NULL) {
		strbuf_append_str(&r->body, ",\"errors\":[{\"pointer\":");
		strbuf_append_json_string(&r->body, pointer, strlen(pointer));
		append_member(&r->body, "detail", reason);
		strbuf_append_str(&r->body, "}]");
	}
	strbuf_append_char(&r->body, '}');
}

void resp_error(struct response *r, int status, const char *detail)
{
	error_body(r, status, detail, NULL, NULL);
}

void resp_body_error(struct response *r, const char *detail, const char *pointer,
                     const char *reason)
{
	error_body(r, 400, detail, pointer != NULL ? pointer : "",
	           reason != NULL ? reason : detail);
}

void resp_errorf(struct response *r, int status, const char *fmt, ...)
{
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	resp_error(r, status, detail);
}
