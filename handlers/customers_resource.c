/* customers_resource: the customer as a resource — create, merge-patch and delete. */
#include "handlers/handlers.h"

void customer_delete(struct call *c)
{
	enum db_rc rc = db_customer_delete(c->app->db, c->who->tenant, c->id, c->who->sub);
	if (rc != DB_OK) {
		reply_db_error(c, rc, "customer not found");
		return;
	}
	strbuf_reset(&c->resp->body);
	c->resp->status = 204;
}
