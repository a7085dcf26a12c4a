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
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

void resp_error(struct response *r, int status, const char *detail)
{
	char now[TIMEFMT_RFC3339_MAX];
	/* whole seconds, as in the seed's examples */
	timefmt_format_rfc3339(timefmt_now() / 1000000 * 1000000, now);

	r->status = status;
	strbuf_reset(&r->body);
	strbuf_append_str(&r->body, "{\"title\":");
	strbuf_append_json_string(&r->body, http_reason(status), strlen(http_reason(status)));
	strbuf_appendf(&r->body, ",\"status\":%d,\"detail\":", status);
	strbuf_append_json_string(&r->body, detail, strlen(detail));
	strbuf_append_str(&r->body, ",\"time\":");
	strbuf_append_json_string(&r->body, now, strlen(now));
	strbuf_append_char(&r->body, '}');
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
