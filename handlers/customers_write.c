/* customers_write: the six changes — parse, apply in one transaction, answer with the enriched customer. */
#include <stdio.h>
#include <string.h>

#include "handlers/handlers.h"
#include "model/change.h"

static int check_id(struct ctx *c, size_t i, const char *what)
{
	if (id_valid(c->arg[i], c->arg_len[i]))
		return 0;
	resp_errorf(c->resp, 400, "%s must be 1..%d characters of A-Z, a-z, 0-9, '_' or '-'.", what,
	            LIMIT_ID_CHARS);
	return -1;
}

static void run_change(struct ctx *c, struct change *ch)
{
	struct customer_change_out out;
	ch->actor = c->who.sub;
	enum db_rc rc =
	        db_customer_change(c->app->db, c->who.tenant, c->arg[0], ch, &c->resp->body, &out);
	if (rc == DB_CONFLICT) {
		resp_error(c->resp, 409, out.message);
		return;
	}
	if (rc != DB_OK) {
		reply_db_error(c, rc, out.user_missing ? "user not found" : "customer not found");
		return;
	}
	c->resp->status = 200;
}

void customer_set_status(struct ctx *c)
{
	char err[300];
	struct change ch = {.kind = CHANGE_STATUS};
	if (check_id(c, 0, "id") != 0)
		return;
	if (parse_status_body(c->body, &ch.status, err, sizeof(err)) != 0) {
		resp_error(c->resp, 400, err);
		return;
	}
	run_change(c, &ch);
}

void customer_set_next_action(struct ctx *c)
{
	char err[300];
	struct next_action na;
	if (check_id(c, 0, "id") != 0)
		return;
	if (parse_next_action_body(c->body, &na, err, sizeof(err)) != 0) {
		resp_error(c->resp, 400, err);
		return;
	}
	struct change ch = {
	        .kind = CHANGE_NEXT_ACTION, .text = na.text, .has_due = na.has_due, .due = na.due};
	run_change(c, &ch);
}

void customer_set_owner(struct ctx *c)
{
	if (check_id(c, 0, "id") != 0 || check_id(c, 1, "ownerId") != 0)
		return;
	struct change ch = {.kind = CHANGE_OWNER_SET, .text = c->arg[1]};
	run_change(c, &ch);
}

void customer_clear_owner(struct ctx *c)
{
	if (check_id(c, 0, "id") != 0)
		return;
	struct change ch = {.kind = CHANGE_OWNER_CLEAR};
	run_change(c, &ch);
}

static void tag_change(struct ctx *c, enum change_kind kind)
{
	char tag[TAG_BUF];
	char err[300];
	if (check_id(c, 0, "id") != 0)
		return;
	int status = parse_tag(c->arg[1], c->arg_len[1], tag, sizeof(tag), err, sizeof(err));
	if (status != 0) {
		resp_error(c->resp, status, err);
		return;
	}
	struct change ch = {.kind = kind, .text = tag};
	run_change(c, &ch);
}

void customer_add_tag(struct ctx *c)
{
	tag_change(c, CHANGE_TAG_ADD);
}

void customer_remove_tag(struct ctx *c)
{
	tag_change(c, CHANGE_TAG_REMOVE);
}
