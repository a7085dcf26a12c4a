/* reply: maps model results to the API's error responses. */
#include <string.h>

#include "handlers/handlers.h"
#include "lib/etag.h"

void reply_db_error(struct call *c, enum db_rc rc, const char *not_found)
{
	switch (rc) {
	case DB_NOT_FOUND: resp_error(c->resp, 404, not_found); break;
	case DB_UNAVAILABLE:
	case DB_RETRY:
		log_msg("error", "database: %s", db_last_error(c->app->db));
		resp_header(c->resp, "Retry-After", "1");
		resp_error(c->resp, 503, "The database is unavailable or busy; retry shortly.");
		break;
	case DB_INVALID: resp_error(c->resp, 400, "The request's values are not valid."); break;
	case DB_REPLAY: keyed_replay(c); break;
	case DB_KEY_REUSED:
		resp_error(c->resp, 422,
		           "This Idempotency-Key was used for another request (method, path or "
		           "body); use a new key for a new request.");
		break;
	case DB_KEY_BUSY:
		resp_header(c->resp, "Retry-After", "1");
		resp_error(c->resp, 409,
		           "The first request with this Idempotency-Key is still being processed; "
		           "retry shortly to get its answer.");
		break;
	case DB_CONFLICT:
		resp_error(c->resp, 409, "The change conflicts with the current state.");
		break;
	default:
		log_msg("error", "database: %s", db_last_error(c->app->db));
		resp_error(c->resp, 500, "Internal error; it has been logged.");
		break;
	}
}

struct precondition reply_precondition(const struct call *c)
{
	struct precondition p = {c->if_match, c->if_match != NULL ? strlen(c->if_match) : 0};
	return p;
}

void reply_precondition_failed(struct call *c, const struct customer_change_out *out)
{
	resp_error(c->resp, 412, out->message);
}

/* The tag of the body c->resp holds; 0, or -1 with the answer made a 500 (logged). */
static int body_tag(struct call *c, char tag[ETAG_SIZE])
{
	if (etag_of(c->resp->body.data, c->resp->body.len, tag) == 0)
		return 0;
	log_msg("error", "the answer's ETag could not be computed (OpenSSL)");
	resp_error(c->resp, 500, "Internal error; it has been logged.");
	return -1;
}

int reply_etag(struct call *c)
{
	char tag[ETAG_SIZE];
	if (body_tag(c, tag) != 0)
		return -1;
	resp_header(c->resp, "ETag", tag);
	return 0;
}

void reply_read_tagged(struct call *c, const char *tag)
{
	resp_header(c->resp, "ETag", tag);
	c->resp->status = 200;
	if (c->if_none_match != NULL && etag_list_match(c->if_none_match, strlen(c->if_none_match),
	                                                tag, ETAG_WEAK) == ETAG_LIST_MATCH) {
		c->resp->status = 304;
		strbuf_reset(&c->resp->body);
	}
}

void reply_read(struct call *c)
{
	char tag[ETAG_SIZE];
	if (body_tag(c, tag) == 0)
		reply_read_tagged(c, tag);
}

void reply_encoded(struct call *c)
{
	if (c->resp->status >= 400)
		return;
	resp_header(c->resp, "Vary", "Accept-Encoding");
	if (c->accepts_gzip)
		resp_header(c->resp, "Content-Encoding", "gzip");
}
