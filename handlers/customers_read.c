/* customers_read: the four customer lists and the enriched customer. */
#include <stdio.h>
#include <string.h>

#include "handlers/handlers.h"
#include "lib/pct.h"
#include "lib/timefmt.h"
#include "model/enums.h"

/* Link: <base/path?limit=N&cursor=C>; rel="next" — rebuilt from the decoded path.
 * 0, or -1 when the cursor or the header could not be made (out of memory, OpenSSL). */
static int link_next(struct ctx *c, enum list_kind kind, const struct cursor_binding *bind,
                     const struct paging *pg, const struct page_key *next)
{
	struct strbuf link = STRBUF_INIT;
	char cursor[CURSOR_MAX], enc[3 * LIMIT_ID_CHARS + 1];
	size_t cursor_len = 0;
	enum paging_err rc =
	        cursor_encode(c->app->cfg->cursor_aead_key, bind, kind, next, cursor, &cursor_len);
	if (rc != PAGING_OK) {
		log_msg("error", "the next page's cursor: %s", paging_strerror(rc));
		return -1;
	}
	strbuf_append_char(&link, '<');
	strbuf_append_str(&link, c->app->cfg->base_path);
	const struct uri *u = &c->req->uri;
	for (size_t i = 0; i < u->nseg; i++) {
		strbuf_append_char(&link, '/');
		/* segments of list routes are literals or checked ids/statuses (<= LIMIT_ID_CHARS bytes) */
		size_t n = u->seg[i].len < LIMIT_ID_CHARS ? u->seg[i].len : LIMIT_ID_CHARS;
		pct_encode(u->seg[i].str, n, enc);
		strbuf_append_str(&link, enc);
	}
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
 * One page of a list.  Its cursor is bound to the caller's tenant, this
 * route and filter, and for /my (caller non-NULL) to the caller too; by-owner
 * and by-status pages may be passed around inside a tenant.
 */
static void list(struct ctx *c, enum list_kind kind, const char *filter, const char *caller)
{
	struct paging pg;
	char err[200];
	const struct cursor_binding bind = {c->who.tenant, caller, c->route->name, filter};
	enum paging_err prc = paging_parse(&c->req->uri, c->app->cfg->cursor_aead_key, &bind, kind,
	                                   &pg, err, sizeof(err));
	if (prc == PAGING_ERR_SYSTEM) {
		log_msg("error", "paging: %s", paging_strerror(prc));
		resp_error(c->resp, 500, "Internal error; it has been logged.");
		return;
	}
	if (prc != PAGING_OK) {
		resp_error(c->resp, 400, err);
		return;
	}
	struct list_query q = {kind,
	                       c->who.tenant,
	                       filter,
	                       pg.has_cursor ? &pg.after : NULL,
	                       pg.limit,
	                       timefmt_now(),
	                       c->app->cfg->max_page_bytes};
	struct page_key next;
	int more = 0;
	enum db_rc rc = db_customer_list(c->app->db, &q, &c->resp->body, &more, &next);
	if (rc != DB_OK) {
		reply_db_error(c, rc, "not found");
		return;
	}
	/* a page without its Link would pass for the last one: better no page at all */
	if (more && link_next(c, kind, &bind, &pg, &next) != 0) {
		resp_error(c->resp, 500, "Internal error; it has been logged.");
		return;
	}
	c->resp->status = 200;
}

void customers_by_owner(struct ctx *c)
{
	if (!id_valid(c->arg[0], c->arg_len[0])) {
		resp_errorf(c->resp, 400,
		            "ownerId must be 1..%d characters of A-Z, a-z, 0-9, '_' or '-'.",
		            LIMIT_ID_CHARS);
		return;
	}
	list(c, LIST_BY_OWNER, c->arg[0], NULL);
}

void customers_by_status(struct ctx *c)
{
	if (enum_lookup(ENUM_CRM_STATUS, c->arg[0], c->arg_len[0]) < 0) {
		resp_errorf(c->resp, 400, "status must be one of %s.", enum_list(ENUM_CRM_STATUS));
		return;
	}
	list(c, LIST_BY_STATUS, c->arg[0], NULL);
}

void customers_my(struct ctx *c)
{
	list(c, LIST_BY_OWNER, c->who.sub, c->who.sub);
}

void customers_overdue(struct ctx *c)
{
	list(c, LIST_OVERDUE, NULL, NULL);
}

void customer_get(struct ctx *c)
{
	if (!id_valid(c->arg[0], c->arg_len[0])) {
		resp_errorf(c->resp, 400,
		            "id must be 1..%d characters of A-Z, a-z, 0-9, '_' or '-'.",
		            LIMIT_ID_CHARS);
		return;
	}
	enum db_rc rc =
	        db_customer_get_enriched(c->app->db, c->who.tenant, c->arg[0], &c->resp->body);
	if (rc != DB_OK) {
		strbuf_reset(&c->resp->body);
		reply_db_error(c, rc, "customer not found");
		return;
	}
	c->resp->status = 200;
}
