/* customers_read: the four customer lists and the enriched customer. */
#include <stdio.h>
#include <string.h>

#include "handlers/handlers.h"
#include "lib/pct.h"
#include "lib/timefmt.h"
#include "model/enums.h"

/* Link: <base/path?limit=N&cursor=C>; rel="next" — rebuilt from the decoded path. */
static void link_next(struct ctx *c, enum list_kind kind, const char *scope,
                      const struct paging *pg, const struct page_key *next)
{
	struct strbuf link = STRBUF_INIT;
	char cursor[CURSOR_MAX], enc[3 * 64 + 1];
	cursor_encode(kind, scope, next, cursor);
	strbuf_append_char(&link, '<');
	strbuf_append_str(&link, c->app->cfg->base_path);
	const struct uri *u = &c->req->uri;
	for (size_t i = 0; i < u->nseg; i++) {
		strbuf_append_char(&link, '/');
		/* segments of list routes are literals or checked ids/statuses (<= 64 bytes) */
		size_t n = u->seg[i].len < 64 ? u->seg[i].len : 64;
		pct_encode(u->seg[i].str, n, enc);
		strbuf_append_str(&link, enc);
	}
	strbuf_appendf(&link, "?limit=%d&cursor=%s>; rel=\"next\"", pg->limit, cursor);
	if (!strbuf_failed(&link))
		resp_header(c->resp, "Link", link.data);
	strbuf_free(&link);
}

static void list(struct ctx *c, enum list_kind kind, const char *filter)
{
	struct paging pg;
	char err[200], scope[160];
	/* a cursor belongs to one list: this route with this filter */
	snprintf(scope, sizeof(scope), "%s/%s", c->route->name, filter ? filter : "");
	if (paging_parse(&c->req->uri, kind, scope, &pg, err, sizeof(err)) != 0) {
		resp_error(c->resp, 400, err);
		return;
	}
	struct list_query q = {kind,     c->who.tenant, filter, pg.has_cursor ? &pg.after : NULL,
	                       pg.limit, timefmt_now(), c->app->cfg->max_page_bytes};
	struct page_key next;
	int more = 0;
	enum db_rc rc = db_customer_list(c->app->db, &q, &c->resp->body, &more, &next);
	if (rc != DB_OK) {
		reply_db_error(c, rc, "not found");
		return;
	}
	if (more)
		link_next(c, kind, scope, &pg, &next);
	c->resp->status = 200;
}

void customers_by_owner(struct ctx *c)
{
	if (!id_valid(c->arg[0], c->arg_len[0])) {
		resp_error(c->resp, 400,
		           "ownerId must be 1..64 characters of A-Z, a-z, 0-9, '_' or '-'.");
		return;
	}
	list(c, LIST_BY_OWNER, c->arg[0]);
}

void customers_by_status(struct ctx *c)
{
	if (enum_lookup(ENUM_CRM_STATUS, c->arg[0], c->arg_len[0]) < 0) {
		resp_errorf(c->resp, 400, "status must be one of %s.", enum_list(ENUM_CRM_STATUS));
		return;
	}
	list(c, LIST_BY_STATUS, c->arg[0]);
}

void customers_my(struct ctx *c)
{
	list(c, LIST_BY_OWNER, c->who.sub);
}

void customers_overdue(struct ctx *c)
{
	list(c, LIST_OVERDUE, NULL);
}

void customer_get(struct ctx *c)
{
	if (!id_valid(c->arg[0], c->arg_len[0])) {
		resp_error(c->resp, 400,
		           "id must be 1..64 characters of A-Z, a-z, 0-9, '_' or '-'.");
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
