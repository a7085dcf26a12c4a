/* customers_read: the customer lists and the enriched customer. */
#include <stdio.h>
#include <string.h>

#include "handlers/handlers.h"
#include "lib/gzip.h"
#include "lib/timefmt.h"

/* Link: <base/path?limit=N&cursor=C>; rel="next" — the route's path with its checked values.
 * 0, or -1 when the cursor or the header could not be made (out of memory, OpenSSL). */
static int link_next(struct call *c, const struct page_key *next)
{
	const struct paging *pg = &c->paging;
	struct strbuf link = STRBUF_INIT;
	char cursor[CURSOR_MAX];
	size_t cursor_len = 0;
	enum paging_err rc = cursor_encode(c->app->cfg->cursor_aead_key, &pg->bind, pg->kind, next,
	                                   cursor, &cursor_len);
	if (rc != PAGING_OK) {
		log_msg("error", "the next page's cursor: %s", paging_strerror(rc));
		return -1;
	}
	strbuf_append_char(&link, '<');
	strbuf_append_str(&link, c->app->cfg->base_path);
	route_path(c->route, c, &link);
	strbuf_appendf(&link, "?limit=%d&cursor=%s>; rel=\"next\"", pg->limit, cursor);
	int failed = strbuf_failed(&link);
	if (failed)
		log_msg("error", "the next page's Link: out of memory");
	else
		resp_header(c->resp, "Link", link.data);
	strbuf_free(&link);
	return failed ? -1 : 0;
}

/*
 * One page of the list the route declares (c->paging: its kind, filter,
 * limit and position).  The next page's cursor is bound as the dispatcher
 * bound this one's: to the caller's tenant, this route and filter, and for
 * /my to the caller too.
 */
void customers_list(struct call *c)
{
	const struct paging *pg = &c->paging;
	struct list_query q = {pg->kind,
	                       c->who->tenant,
	                       pg->filter,
	                       pg->has_cursor ? &pg->after : NULL,
	                       pg->limit,
	                       timefmt_now(),
	                       c->app->cfg->max_page_bytes,
	                       c->accepts_gzip,
	                       c->if_none_match,
	                       c->app->pages};
	struct page_key next;
	int more = 0;
	char tag[ETAG_SIZE];
	enum db_rc rc = db_customer_list(c->app->db, &q, &c->resp->body, &more, &next, tag);
	if (rc != DB_OK) {
		reply_db_error(c, rc, "not found");
		return;
	}
	/* a page without its Link would pass for the last one: better no page at all */
	if (more && link_next(c, &next) != 0) {
		resp_error(c->resp, 500, "Internal error; it has been logged.");
		return;
	}
	reply_read_tagged(c, tag);
	reply_encoded(c);
}

/* One customer is small: a gzip answer is compressed here, fast (lib/gzip.h). */
void customer_get(struct call *c)
{
	enum db_rc rc = db_customer_get_enriched(c->app->db, c->who->tenant, c->id, &c->resp->body);
	if (rc != DB_OK) {
		strbuf_reset(&c->resp->body);
		reply_db_error(c, rc, "customer not found");
		return;
	}
	if (c->accepts_gzip) {
		struct strbuf gz = STRBUF_INIT;
		if (gz_compress(c->resp->body.data, c->resp->body.len, GZ_LEVEL_ONCE, &gz) != 0) {
			strbuf_free(&gz);
			log_msg("error", "the answer could not be compressed (zlib, memory)");
			resp_error(c->resp, 500, "Internal error; it has been logged.");
			return;
		}
		strbuf_free(&c->resp->body);
		c->resp->body = gz;
	}
	reply_read(c);
	reply_encoded(c);
}
