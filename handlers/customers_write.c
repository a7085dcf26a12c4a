/* customers_write: the six changes — apply in one transaction, answer with the enriched customer. */
#include "handlers/handlers.h"
#include "model/change.h"

static void run_change(struct call *c, struct change *ch)
{
	struct customer_change_out out;
	struct precondition pre = reply_precondition(c);
	ch->actor = c->who->sub;
	enum db_rc rc = db_customer_change(c->app->db, c->who->tenant, c->id, ch, &pre,
	                                   keyed_answer(c, 200, NULL), &c->resp->body, &out);
	if (rc == DB_CONFLICT && out.precondition_failed) {
		reply_precondition_failed(c, &out);
		return;
	}
	if (rc == DB_INVALID && c->route->body != BODY_NONE) {
		reply_body_error(c->resp, out.message); /* a patch's member, by its path */
		return;
	}
	if (rc == DB_CONFLICT || rc == DB_INVALID) {
		resp_error(c->resp, rc == DB_CONFLICT ? 409 : 400, out.message);
		return;
	}
	if (rc != DB_OK) {
		reply_db_error(c, rc, out.user_missing ? "user not found" : "customer not found");
		return;
	}
	if (reply_etag(c) == 0)
		c->resp->status = 200;
}

void customer_set_status(struct call *c)
{
	struct change ch = {.kind = CHANGE_STATUS, .status = c->body.status};
	run_change(c, &ch);
}

void customer_set_next_action(struct call *c)
{
	const struct next_action *na = &c->body.next_action;
	struct change ch = {.kind = CHANGE_NEXT_ACTION,
	                    .text = na->text,
	                    .has_due = na->has_due,
	                    .due = na->due};
	run_change(c, &ch);
}

void customer_set_owner(struct call *c)
{
	struct change ch = {.kind = CHANGE_OWNER_SET, .text = c->owner_id};
	run_change(c, &ch);
}

void customer_clear_owner(struct call *c)
{
	struct change ch = {.kind = CHANGE_OWNER_CLEAR};
	run_change(c, &ch);
}

void customer_add_tag(struct call *c)
{
	struct change ch = {.kind = CHANGE_TAG_ADD, .text = c->tag};
	run_change(c, &ch);
}

void customer_patch(struct call *c)
{
	struct change ch = {.kind = CHANGE_MERGE_PATCH, .patch = c->body.patch};
	run_change(c, &ch);
}

void customer_remove_tag(struct call *c)
{
	struct change ch = {.kind = CHANGE_TAG_REMOVE, .text = c->tag};
	run_change(c, &ch);
}
