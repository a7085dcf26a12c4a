/* change: the six customer changes as pure edits of a customer document. */
#ifndef CRM_CHANGE_H
#define CRM_CHANGE_H

#include <stddef.h>

#include <jansson.h>

#include "lib/limits.h"
#include "lib/timefmt.h"
#include "model/enums.h"

enum change_kind {
	CHANGE_STATUS,
	CHANGE_NEXT_ACTION,
	CHANGE_OWNER_SET,
	CHANGE_OWNER_CLEAR,
	CHANGE_TAG_ADD,
	CHANGE_TAG_REMOVE,
	CHANGE_MERGE_PATCH, /* PATCH /crm/customers/{id}: RFC 7396 over the client-owned members */
	CHANGE__MAX
};

/* A validated change request; strings are borrowed from the request. */
struct change {
	enum change_kind kind;
	enum crm_status status; /* CHANGE_STATUS */
	const char *text;       /* next action text (NULL clears), owner id, or tag (in NFC) */
	int has_due;            /* CHANGE_NEXT_ACTION */
	crm_time_t due;
	const json_t *patch; /* CHANGE_MERGE_PATCH: checked by shape_customer_patch_check */
	const char *actor;   /* the caller's sub */
	crm_time_t now;
	const char *event_id; /* id for the event a real change appends */
};

enum change_result {
	CHANGE_APPLIED, /* the document was edited and an event appended */
	CHANGE_NOOP,    /* nothing to do: the document is untouched */
	CHANGE_REFUSED, /* a rule forbids it: 409 with the message */
	CHANGE_INVALID, /* the request's values are bad: 400 with the member path in the message */
	CHANGE_FAILED   /* the stored document is not what we wrote, or no memory */
};

/*
 * Applies ch to doc (a stored customer document, edited in place): on a
 * real change also appends the event and sets updated/updatedBy.  On
 * CHANGE_REFUSED, msg holds the client-facing reason.  Tags are found
 * regardless of case in every script (lib/utf8.h's utf8_fold of stored and
 * requested tag alike, so stored tags need not be NFC): adding a present
 * tag keeps its first spelling, removing one removes it in any casing.
 */
enum change_result change_apply(json_t *doc, const struct change *ch, char *msg, size_t msglen);

/* Appends the event of a real change (type, description) and sets updated/updatedBy. */
enum change_result change_record(json_t *doc, const struct change *ch, const char *type,
                                 const char *description);

/*
 * CHANGE_MERGE_PATCH (change_patch.c): merges ch->patch into the
 * client-owned members (objects merge, arrays are replaced, null clears),
 * checks the result with import's validator, gives nested items without an
 * id a UUIDv7, and records one UPDATE event "Updated a, b" naming the
 * members whose value changed (in the shape's order).  CHANGE_NOOP when none
 * did; CHANGE_INVALID with the member path in msg.
 */
enum change_result change_merge_patch(json_t *doc, const struct change *ch, char *msg,
                                      size_t msglen);

#endif
