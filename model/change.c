/* change: edits a customer document for one change and records its event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"
#include "model/change.h"
#include "model/lifecycle.h"

static int set_time(json_t *doc, const char *key, crm_time_t t)
{
	char buf[TIMEFMT_RFC3339_MAX];
	timefmt_format_rfc3339(t, buf);
	return json_object_set_new(doc, key, json_string(buf));
}

enum change_result change_record(json_t *doc, const struct change *ch, const char *type,
                                 const char *description)
{
	json_t *events = json_object_get(doc, "events");
	if (!json_is_array(events)) {
		events = json_array();
		json_object_set_new(doc, "events", events);
	}
	char when[TIMEFMT_RFC3339_MAX];
	timefmt_format_rfc3339(ch->now, when);
	json_t *ev = json_pack("{s:s,s:s,s:s,s:s,s:s}", "authorId", ch->actor, "date", when,
	                       "description", description, "id", ch->event_id, "type", type);
	if (ev == NULL || json_array_append_new(events, ev) != 0 ||
	    set_time(doc, "updated", ch->now) != 0 ||
	    json_object_set_new(doc, "updatedBy", json_string(ch->actor)) != 0)
		return CHANGE_FAILED;
	return CHANGE_APPLIED;
}

static enum change_result apply_status(json_t *doc, const struct change *ch, char *msg,
                                       size_t msglen)
{
	const char *cur = json_string_value(json_object_get(doc, "crmStatus"));
	int from = cur ? enum_lookup(ENUM_CRM_STATUS, cur, strlen(cur)) : -1;
	if (from < 0)
		return CHANGE_FAILED;
	if (from == (int)ch->status)
		return CHANGE_NOOP;
	if (!lifecycle_allows((enum crm_status)from, ch->status)) {
		char allowed[128];
		lifecycle_moves((enum crm_status)from, allowed, sizeof(allowed));
		snprintf(msg, msglen, "crmStatus cannot change from %s to %s; allowed from %s: %s.",
		         cur, enum_name(ENUM_CRM_STATUS, ch->status), cur, allowed);
		return CHANGE_REFUSED;
	}
	const char *to = enum_name(ENUM_CRM_STATUS, ch->status);
	char desc[96];
	snprintf(desc, sizeof(desc), "Status changed from %s to %s", cur, to);
	json_object_set_new(doc, "crmStatus", json_string(to));
	return change_record(doc, ch, "STATUS_CHANGE", desc);
}

static enum change_result apply_next_action(json_t *doc, const struct change *ch)
{
	char due[TIMEFMT_RFC3339_MAX] = "";
	if (ch->has_due)
		timefmt_format_rfc3339(ch->due, due);
	const char *cur_text = json_string_value(json_object_get(doc, "nextAction"));
	const char *cur_due = json_string_value(json_object_get(doc, "nextActionDueDate"));
	int same_text = (cur_text == NULL && ch->text == NULL) ||
	                (cur_text && ch->text && strcmp(cur_text, ch->text) == 0);
	int same_due = (cur_due == NULL && !ch->has_due) || (cur_due && strcmp(cur_due, due) == 0);
	if (same_text && same_due)
		return CHANGE_NOOP;
	json_object_set_new(doc, "nextAction", ch->text ? json_string(ch->text) : json_null());
	json_object_set_new(doc, "nextActionDueDate", ch->has_due ? json_string(due) : json_null());
	char desc[4 * LIMIT_TEXT_CHARS + 96]; /* characters of up to 4 bytes each, never cut */
	if (ch->text == NULL)
		snprintf(desc, sizeof(desc), "Next action cleared");
	else if (ch->has_due)
		snprintf(desc, sizeof(desc), "Next action set to \"%s\", due %s", ch->text, due);
	else
		snprintf(desc, sizeof(desc), "Next action set to \"%s\"", ch->text);
	return change_record(doc, ch, "NEXT_ACTION", desc);
}

static enum change_result apply_owner(json_t *doc, const struct change *ch)
{
	const char *cur = json_string_value(json_object_get(doc, "ownerId"));
	const char *to = ch->kind == CHANGE_OWNER_SET ? ch->text : NULL;
	if ((cur == NULL && to == NULL) || (cur && to && strcmp(cur, to) == 0))
		return CHANGE_NOOP;
	char desc[200];
	if (to == NULL)
		snprintf(desc, sizeof(desc), "Owner %s removed", cur);
	else if (cur == NULL)
		snprintf(desc, sizeof(desc), "Owner set to %s", to);
	else
		snprintf(desc, sizeof(desc), "Owner changed from %s to %s", cur, to);
	json_object_set_new(doc, "ownerId", to ? json_string(to) : json_null());
	return change_record(doc, ch, "OWNER_CHANGE", desc);
}

#define TAG_ABSENT ((size_t)-1)
#define TAG_ERROR  ((size_t)-2) /* out of memory */

/* The index of the stored tag equal to tag regardless of case, TAG_ABSENT or TAG_ERROR. */
static size_t find_tag(json_t *tags, const char *tag)
{
	size_t key_len = 0, at = TAG_ABSENT, i;
	json_t *t;
	char *key = utf8_fold(tag, strlen(tag), &key_len);
	if (key == NULL)
		return TAG_ERROR;
	json_array_foreach (tags, i, t) {
		size_t n = 0;
		if (!json_is_string(t))
			continue;
		char *k = utf8_fold(json_string_value(t), json_string_length(t), &n);
		if (k == NULL) {
			at = TAG_ERROR;
			break;
		}
		int same = n == key_len && memcmp(k, key, n) == 0;
		free(k);
		if (same) {
			at = i;
			break;
		}
	}
	free(key);
	return at;
}

/* Records a TAG_ADDED/TAG_REMOVED event "Tag "<tag>" <verb>"; stored tags
 * may be longer than LIMIT_TAG_CHARS as given, so the text is sized to fit. */
static enum change_result record_tag(json_t *doc, const struct change *ch, const char *type,
                                     const char *tag, const char *verb)
{
	size_t size = strlen(tag) + strlen(verb) + sizeof("Tag \"\" ");
	char *desc = malloc(size);
	if (desc == NULL)
		return CHANGE_FAILED;
	snprintf(desc, size, "Tag \"%s\" %s", tag, verb);
	enum change_result r = change_record(doc, ch, type, desc);
	free(desc);
	return r;
}

static enum change_result apply_tag(json_t *doc, const struct change *ch, char *msg, size_t msglen)
{
	json_t *tags = json_object_get(doc, "tags");
	if (!json_is_array(tags)) {
		tags = json_array();
		json_object_set_new(doc, "tags", tags);
	}
	size_t at = find_tag(tags, ch->text);
	if (at == TAG_ERROR)
		return CHANGE_FAILED;
	if (ch->kind == CHANGE_TAG_REMOVE) {
		if (at == TAG_ABSENT)
			return CHANGE_NOOP;
		json_t *gone = json_incref(json_array_get(tags, at));
		json_array_remove(tags, at);
		enum change_result r =
		        record_tag(doc, ch, "TAG_REMOVED", json_string_value(gone), "removed");
		json_decref(gone);
		return r;
	}
	if (at != TAG_ABSENT)
		return CHANGE_NOOP;
	if (json_array_size(tags) >= LIMIT_TAGS) {
		snprintf(msg, msglen, "The customer already has %d tags, the most it can have.",
		         LIMIT_TAGS);
		return CHANGE_REFUSED;
	}
	if (json_array_append_new(tags, json_string(ch->text)) != 0)
		return CHANGE_FAILED;
	return record_tag(doc, ch, "TAG_ADDED", ch->text, "added");
}

enum change_result change_apply(json_t *doc, const struct change *ch, char *msg, size_t msglen)
{
	if (!json_is_object(doc))
		return CHANGE_FAILED;
	switch (ch->kind) {
	case CHANGE_STATUS: return apply_status(doc, ch, msg, msglen);
	case CHANGE_NEXT_ACTION: return apply_next_action(doc, ch);
	case CHANGE_OWNER_SET:
	case CHANGE_OWNER_CLEAR: return apply_owner(doc, ch);
	case CHANGE_TAG_ADD:
	case CHANGE_TAG_REMOVE: return apply_tag(doc, ch, msg, msglen);
	case CHANGE_MERGE_PATCH: return change_merge_patch(doc, ch, msg, msglen);
	default: return CHANGE_FAILED;
	}
}
