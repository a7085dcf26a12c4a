/* bodies: one parse_* function per request body (and the tag segment's rule) — pure, typed, fuzzable. */
#include <stdio.h>
#include <string.h>

#include "handlers/handlers.h"
#include "model/shape.h"
#include "lib/timefmt.h"
#include "lib/utf8.h"

/* Refuses members other than the allowed ones, naming the first stranger. */
static int only_members(const json_t *body, const char *const *allowed, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	json_object_foreach ((json_t *)body, key, v) {
		const char *const *a = allowed;
		while (*a != NULL && strcmp(*a, key) != 0)
			a++;
		if (*a == NULL) {
			snprintf(err, errlen, "unknown member '%s' in the body",
			         printable_or(key, "?"));
			return -1;
		}
	}
	return 0;
}

int parse_status_body(const json_t *body, enum crm_status *out, char *err, size_t errlen)
{
	static const char *const members[] = {"crmStatus", NULL};
	if (!json_is_object(body)) {
		snprintf(err, errlen, "The body must be a JSON object.");
		return -1;
	}
	if (only_members(body, members, err, errlen) != 0)
		return -1;
	json_t *v = json_object_get(body, "crmStatus");
	int status = json_is_string(v) ? enum_lookup(ENUM_CRM_STATUS, json_string_value(v),
	                                             json_string_length(v))
	                               : -1;
	if (status < 0) {
		snprintf(err, errlen, "crmStatus: %s one of %s.",
		         v == NULL           ? "required,"
		         : json_is_string(v) ? "must be"
		                             : "expected a string,",
		         enum_list(ENUM_CRM_STATUS));
		return -1;
	}
	*out = (enum crm_status)status;
	return 0;
}

static int read_text(const json_t *text, struct next_action *out, char *err, size_t errlen)
{
	if (text == NULL || json_is_null(text))
		return 0;
	if (!json_is_string(text)) {
		snprintf(err, errlen, "nextAction: expected a string or null.");
		return -1;
	}
	enum utf8_text_err e = utf8_line_check(json_string_value(text), json_string_length(text),
	                                       UTF8_LINE_CHARS_MAX);
	if (e == UTF8_TEXT_BLANK || e == UTF8_TEXT_TOO_LONG) {
		snprintf(err, errlen, "nextAction: 1 to %d characters, not blank.",
		         UTF8_LINE_CHARS_MAX);
		return -1;
	}
	if (e != UTF8_TEXT_OK) {
		snprintf(err, errlen, "nextAction: %s.", utf8_text_strerror(e));
		return -1;
	}
	out->text = json_string_value(text);
	return 0;
}

static int read_due(const json_t *due, struct next_action *out, char *err, size_t errlen)
{
	if (due == NULL || json_is_null(due))
		return 0;
	if (!json_is_string(due) ||
	    timefmt_parse_rfc3339(json_string_value(due), json_string_length(due), &out->due) !=
	            0) {
		snprintf(err, errlen,
		         "nextActionDueDate: expected an RFC 3339 date-time such as "
		         "2026-12-01T09:00:00Z, or null.");
		return -1;
	}
	out->has_due = 1;
	return 0;
}

int parse_next_action_body(const json_t *body, struct next_action *out, char *err, size_t errlen)
{
	static const char *const members[] = {"nextAction", "nextActionDueDate", NULL};
	memset(out, 0, sizeof(*out));
	if (!json_is_object(body)) {
		snprintf(err, errlen, "The body must be a JSON object.");
		return -1;
	}
	if (only_members(body, members, err, errlen) != 0 ||
	    read_text(json_object_get(body, "nextAction"), out, err, errlen) != 0 ||
	    read_due(json_object_get(body, "nextActionDueDate"), out, err, errlen) != 0)
		return -1;
	if (out->has_due && out->text == NULL) {
		snprintf(err, errlen, "nextActionDueDate needs a nextAction text.");
		return -1;
	}
	return 0;
}

int body_parse(enum route_body kind, const json_t *body, struct call_body *out, char *err,
               size_t errlen)
{
	switch (kind) {
	case BODY_STATUS: return parse_status_body(body, &out->status, err, errlen);
	case BODY_NEXT_ACTION: return parse_next_action_body(body, &out->next_action, err, errlen);
	case BODY_MERGE_PATCH:
		if (shape_customer_patch_check(body, err, errlen) != 0)
			return -1;
		out->patch = body;
		return 0;
	case BODY_CUSTOMER:
		/* its members follow the import's shape rules: the model checks them */
		out->customer = body;
		return 0;
	case BODY_NONE:
	case BODY__MAX: break;
	}
	snprintf(err, errlen, "This request takes no body.");
	return -1;
}

int parse_tag(const char *s, size_t len, char *out, size_t outsize, char *err, size_t errlen)
{
	size_t n;
	enum utf8_text_err e = utf8_tag_normalize(s, len, out, outsize, &n);
	switch (e) {
	case UTF8_TEXT_OK: return 0;
	case UTF8_TEXT_NO_MEMORY: snprintf(err, errlen, "Out of memory."); return 500;
	case UTF8_TEXT_BLANK:
	case UTF8_TEXT_TOO_LONG:
		snprintf(err, errlen, "tag: 1 to %d characters, after trimming white space.",
		         UTF8_TAG_CHARS_MAX);
		return 400;
	default: snprintf(err, errlen, "tag: %s.", utf8_text_strerror(e)); return 400;
	}
}
