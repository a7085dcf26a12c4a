/* customers_write: the six changes — parse, validate, apply, answer with the enriched customer. */
#include <stdio.h>
#include <string.h>

#include "handlers/handlers.h"
#include "lib/utf8.h"
#include "model/change.h"

#define NEXT_ACTION_MAX 500
#define TAG_MAX 50

/* Refuses members other than the allowed ones, naming the first stranger. */
static int only_members(struct ctx *c, const char *const *allowed)
{
	const char *key;
	json_t *v;
	json_object_foreach(c->body, key, v) {
		const char *const *a = allowed;
		while (*a != NULL && strcmp(*a, key) != 0)
			a++;
		if (*a == NULL) {
			resp_errorf(c->resp, 400, "unknown member '%s' in the body", printable_or(key, "?"));
			return -1;
		}
	}
	return 0;
}

static int check_id(struct ctx *c, size_t i, const char *what)
{
	if (valid_id(c->arg[i], c->arg_len[i]))
		return 0;
	resp_errorf(c->resp, 400, "%s must be 1..64 characters of A-Z, a-z, 0-9, '_' or '-'.", what);
	return -1;
}

static void run_change(struct ctx *c, struct change *ch)
{
	struct customer_change_out out;
	ch->actor = c->who.sub;
	enum db_rc rc = db_customer_change(c->app->db, c->who.tenant, c->arg[0], ch, &out);
	if (rc == DB_CONFLICT) {
		resp_error(c->resp, 409, out.message);
		return;
	}
	if (rc != DB_OK) {
		reply_db_error(c, rc, out.user_missing ? "user not found" : "customer not found");
		return;
	}
	rc = db_customer_get_enriched(c->app->db, c->who.tenant, c->arg[0], &c->resp->body);
	if (rc != DB_OK) {
		strbuf_reset(&c->resp->body);
		reply_db_error(c, rc, "customer not found");
		return;
	}
	c->resp->status = 200;
}

void customer_set_status(struct ctx *c)
{
	static const char *const members[] = {"crmStatus", NULL};
	if (check_id(c, 0, "id") != 0 || only_members(c, members) != 0)
		return;
	json_t *v = json_object_get(c->body, "crmStatus");
	int status = json_is_string(v) ? enum_lookup(ENUM_CRM_STATUS, json_string_value(v),
						     json_string_length(v))
				       : -1;
	if (status < 0) {
		resp_errorf(c->resp, 400, "crmStatus: %s one of %s.",
			    v == NULL ? "required," : json_is_string(v) ? "must be" : "expected a string,",
			    enum_list(ENUM_CRM_STATUS));
		return;
	}
	struct change ch = {.kind = CHANGE_STATUS, .status = (enum crm_status)status};
	run_change(c, &ch);
}

static int read_next_action(struct ctx *c, struct change *ch)
{
	json_t *text = json_object_get(c->body, "nextAction");
	json_t *due = json_object_get(c->body, "nextActionDueDate");
	if (text != NULL && !json_is_null(text) && !json_is_string(text)) {
		resp_error(c->resp, 400, "nextAction: expected a string or null.");
		return -1;
	}
	if (due != NULL && !json_is_null(due) && !json_is_string(due)) {
		resp_error(c->resp, 400, "nextActionDueDate: expected an RFC 3339 date-time or null.");
		return -1;
	}
	if (json_is_string(text)) {
		long n = utf8_count(json_string_value(text), json_string_length(text));
		if (n < 1 || n > NEXT_ACTION_MAX) {
			resp_errorf(c->resp, 400, "nextAction: 1 to %d characters.", NEXT_ACTION_MAX);
			return -1;
		}
		ch->text = json_string_value(text);
	}
	if (json_is_string(due)) {
		if (timefmt_parse_rfc3339(json_string_value(due), json_string_length(due), &ch->due) != 0) {
			resp_error(c->resp, 400, "nextActionDueDate: expected an RFC 3339 date-time "
						 "such as 2026-12-01T09:00:00Z.");
			return -1;
		}
		ch->has_due = 1;
	}
	if (ch->has_due && ch->text == NULL) {
		resp_error(c->resp, 400, "nextActionDueDate needs a nextAction text.");
		return -1;
	}
	return 0;
}

void customer_set_next_action(struct ctx *c)
{
	static const char *const members[] = {"nextAction", "nextActionDueDate", NULL};
	struct change ch = {.kind = CHANGE_NEXT_ACTION};
	if (check_id(c, 0, "id") != 0 || only_members(c, members) != 0 ||
	    read_next_action(c, &ch) != 0)
		return;
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

/* Trims ASCII white space in place (the segment is ours: decoded storage). */
static const char *trim_tag(struct ctx *c, size_t *len)
{
	char *s = (char *)c->arg[1];
	size_t n = c->arg_len[1];
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	s[n] = '\0';
	*len = n - i;
	return s + i;
}

static void tag_change(struct ctx *c, enum change_kind kind)
{
	if (check_id(c, 0, "id") != 0)
		return;
	size_t len = 0;
	const char *tag = trim_tag(c, &len);
	long chars = utf8_count_printable(tag, len);
	if (chars < 1 || chars > TAG_MAX || memchr(tag, '\0', len) != NULL) {
		resp_errorf(c->resp, 400, "tag: 1 to %d printable characters (after trimming spaces).",
			    TAG_MAX);
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
