/* customers_resource: the customer as a resource — create, merge-patch and delete. */
#include <stdio.h>

#include "handlers/handlers.h"
#include "lib/uuid7.h"

void customer_delete(struct call *c)
{
	struct customer_change_out out;
	struct precondition pre = reply_precondition(c);
	enum db_rc rc = db_customer_delete(c->app->db, c->who->tenant, c->id, c->who->sub, &pre,
	                                   keyed_answer(c, 204, NULL), &c->resp->body, &out);
	if (rc == DB_CONFLICT && out.precondition_failed) {
		reply_precondition_failed(c, &out);
		return;
	}
	if (rc != DB_OK) {
		reply_db_error(c, rc, "customer not found");
		return;
	}
	strbuf_reset(&c->resp->body);
	c->resp->status = 204;
}

void customer_create(struct call *c)
{
	char id[UUID7_STR_SIZE], err[300], location[256];
	if (uuid7_generate(id) != 0) {
		log_msg("error", "no UUIDv7 for a new customer (clock or random source)");
		resp_error(c->resp, 500, "Internal error; it has been logged.");
		return;
	}
	snprintf(location, sizeof(location), "%s/crm/customers/%s", c->app->cfg->base_path, id);
	enum db_rc rc = db_customer_create(c->app->db, c->who->tenant, c->who->sub,
	                                   c->body.customer, id, keyed_answer(c, 201, location),
	                                   &c->resp->body, err, sizeof(err));
	if (rc == DB_INVALID) {
		reply_body_error(c->resp, err); /* the model names the member's path */
		return;
	}
	if (rc == DB_CONFLICT) {
		resp_error(c->resp, 409, err);
		return;
	}
	if (rc != DB_OK) {
		reply_db_error(c, rc, "customer not found");
		return;
	}
	resp_header(c->resp, "Location", location);
	if (reply_etag(c) == 0)
		c->resp->status = 201;
}
