/* doc_edit: a change applied to a stored document's text, re-writing only the members it touches. */
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "model/doc_edit.h"
#include "model/stmt.h"

/*
 * Parsing a whole stored document was most of a change's CPU in the worker
 * (json_loadb 27%, the dump 13% of it under the write mix): a document is
 * kilobytes of contacts, addresses and events, and a change reads a few
 * members.  These are the members change_apply reads or writes for every
 * kind but a merge patch, and those customer_keys reads.
 */
static const char *const members[] = {
        "crmStatus", "events", "name",    "nextAction", "nextActionDueDate",
        "ownerId",   "tags",   "updated", "updatedBy",
};
#define NMEMBERS (sizeof(members) / sizeof(members[0]))
#define M_EVENTS 1 /* members[M_EVENTS]: appended to, never re-written */

/* Where a member's value is in the text. */
struct span {
	size_t at, len;
	int found;
};

static int member_index(const char *key, size_t len)
{
	for (size_t m = 0; m < NMEMBERS; m++)
		if (strlen(members[m]) == len && memcmp(members[m], key, len) == 0)
			return (int)m;
	return -1;
}

static size_t skip_ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* Past the string that starts at s[i] ('"'), or 0 when it does not end; *escaped: it has a '\'. */
static size_t skip_string(const char *s, size_t i, size_t n, int *escaped)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\') {
			*escaped = 1;
			i++;
		} else if (s[i] == '"') {
			return i + 1;
		}
	}
	return 0;
}

/* Past the value that starts at s[i], or 0.  What is inside is not checked: only the values
 * of members[] are parsed, and the rest is copied as stored. */
static size_t skip_value(const char *s, size_t i, size_t n)
{
	size_t depth = 0;
	int escaped = 0;
	do {
		if (i >= n)
			return 0;
		if (s[i] == '"') {
			i = skip_string(s, i, n, &escaped);
			if (i == 0)
				return 0;
		} else if (s[i] == '{' || s[i] == '[') {
			depth++;
			i++;
		} else if (s[i] == '}' || s[i] == ']') {
			if (depth == 0)
				return 0;
			depth--;
			i++;
		} else if (depth == 0) {
			size_t from = i;
			while (i < n && strchr(",}] \t\r\n", s[i]) == NULL)
				i++;
			return i > from ? i : 0;
		} else {
			i++;
		}
	} while (depth > 0);
	return i;
}

/* The spans of members[] in the object s (n bytes), and where its closing brace is: 0, or
 * -1 when s is not an object of plain keys with each of members[] at most once. */
static int scan(const char *s, size_t n, struct span *sp, size_t *close)
{
	size_t i = skip_ws(s, 0, n);
	if (i >= n || s[i] != '{')
		return -1;
	i = skip_ws(s, i + 1, n);
	while (i < n && s[i] != '}') {
		int escaped = 0;
		size_t key_end = s[i] == '"' ? skip_string(s, i, n, &escaped) : 0;
		if (key_end == 0 || escaped)
			return -1;
		int m = member_index(s + i + 1, key_end - i - 2);
		i = skip_ws(s, key_end, n);
		if (i >= n || s[i] != ':')
			return -1;
		i = skip_ws(s, i + 1, n);
		size_t end = skip_value(s, i, n);
		if (end == 0 || (m >= 0 && sp[m].found))
			return -1;
		if (m >= 0)
			sp[m] = (struct span){i, end - i, 1};
		i = skip_ws(s, end, n);
		if (i < n && s[i] == ',')
			i = skip_ws(s, i + 1, n);
		else if (i >= n || s[i] != '}')
			return -1;
	}
	*close = i;
	return i < n && skip_ws(s, i + 1, n) == n ? 0 : -1;
}

/* The members found, parsed; events as an empty array, which change_record appends to. */
static json_t *parse_members(const char *doc, const struct span *sp)
{
	json_t *part = json_object();
	for (size_t m = 0; part != NULL && m < NMEMBERS; m++) {
		if (!sp[m].found)
			continue;
		json_t *v = m == M_EVENTS
		                    ? json_array()
		                    : json_loadb(doc + sp[m].at, sp[m].len, JSON_DECODE_ANY, NULL);
		if (v == NULL || json_object_set_new(part, members[m], v) != 0) {
			json_decref(part);
			part = NULL;
		}
	}
	return part;
}

/* 0, or -1: no memory for the dump */
static int append_dump(struct strbuf *out, const json_t *v)
{
	strbuf_append_json(out, v);
	return strbuf_failed(out) ? -1 : 0;
}

/* The stored events array (text, len: "[...]") with the new events appended. */
static int append_events(struct strbuf *out, const char *text, size_t len, const json_t *added)
{
	size_t last = len - 1; /* its ']' */
	int empty = skip_ws(text, 1, len) == last, rc = 0;
	strbuf_append(out, text, last);
	for (size_t i = 0; rc == 0 && i < json_array_size(added); i++) {
		if (!empty || i > 0)
			strbuf_append_char(out, ',');
		rc = append_dump(out, json_array_get(added, i));
	}
	strbuf_append_char(out, ']');
	return rc;
}

/* doc with part's members written in: found ones where they are, new ones last, in part's
 * order (where json_object_set_new puts a new member). */
static int rewrite(const char *doc, size_t len, const struct span *sp, size_t close,
                   const json_t *part, char **edited)
{
	struct strbuf out = STRBUF_INIT;
	size_t from = 0, next;
	int rc = 0;
	/* the found members in the order of the text */
	while (rc == 0) {
		next = NMEMBERS;
		for (size_t m = 0; m < NMEMBERS; m++)
			if (sp[m].found && sp[m].at >= from &&
			    (next == NMEMBERS || sp[m].at < sp[next].at))
				next = m;
		if (next == NMEMBERS)
			break;
		strbuf_append(&out, doc + from, sp[next].at - from);
		const json_t *v = json_object_get(part, members[next]);
		rc = next == M_EVENTS ? append_events(&out, doc + sp[next].at, sp[next].len, v)
		                      : append_dump(&out, v);
		from = sp[next].at + sp[next].len;
	}
	strbuf_append(&out, doc + from, close - from);
	int any = skip_ws(doc, skip_ws(doc, 0, len) + 1, len) < close;
	const char *key;
	const json_t *v;
	json_object_foreach ((json_t *)part, key, v) {
		int m = member_index(key, strlen(key));
		if (rc != 0 || (m >= 0 && sp[m].found))
			continue;
		strbuf_appendf(&out, "%s\"%s\":", any ? "," : "", key);
		rc = append_dump(&out, v);
		any = 1;
	}
	strbuf_append(&out, doc + close, len - close);
	*edited = rc != 0 || strbuf_failed(&out) ? NULL : strdup(out.data);
	strbuf_free(&out);
	return *edited != NULL ? 0 : -1;
}

int doc_edit(const char *doc, size_t len, const struct change *ch, char *msg, size_t msglen,
             enum change_result *result, char **edited, json_t **keys)
{
	struct span sp[NMEMBERS] = {{0, 0, 0}};
	size_t close = 0;
	*edited = NULL;
	*keys = NULL;
	if (ch->kind == CHANGE_MERGE_PATCH || scan(doc, len, sp, &close) != 0 ||
	    (sp[M_EVENTS].found && doc[sp[M_EVENTS].at] != '['))
		return -1;
	json_t *part = parse_members(doc, sp);
	if (part == NULL)
		return -1;
	*result = change_apply(part, ch, msg, msglen);
	if (*result == CHANGE_APPLIED && rewrite(doc, len, sp, close, part, edited) != 0)
		*result = CHANGE_FAILED;
	*keys = part;
	return 0;
}
