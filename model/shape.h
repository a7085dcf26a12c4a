/* shape: validates imported items and rewrites them in the seed's canonical shape. */
#ifndef CRM_SHAPE_H
#define CRM_SHAPE_H

#include <stddef.h>

#include <jansson.h>

enum shape_kind {
	SHAPE_USER,        /* {displayName, id, username}; input may add active, tenantId */
	SHAPE_CUSTOMER,    /* the seed's list shape (with preferredLanguage and visits) */
	SHAPE_OPPORTUNITY, /* an element of the enriched customer's "opportunities" */
	SHAPE_ACTIVITY,    /* an element of the enriched customer's "recentActivities" */
	SHAPE__MAX
};

/*
 * Checks `in` against the seed's shape for `kind` and returns a NEW object
 * (the caller json_decref's it) in canonical form: every member of the
 * shape present, in the seed's (alphabetical) key order; absent or null
 * members as null, absent arrays as []; date-times rewritten in UTC with
 * 'Z'; numbers that the seed writes as 0.1 stored as reals; tenantId set to
 * `tenant`.  On any problem (unknown member, wrong type, bad enum value,
 * date or id, out-of-range number, tenantId of another tenant; a tag,
 * nextAction or customer name that the API's rules in lib/utf8.h refuse,
 * a tag with white space around it or a duplicate regardless of case)
 * returns NULL and writes a message naming the member path into err, e.g.
 * "contacts[1].email: expected a string or null".  `in` is not modified.
 */
json_t *shape_canonical(enum shape_kind kind, const json_t *in, const char *tenant, char *err,
                        size_t errlen);

/* A user item's "active" member: 0 when it is false, else 1 (absent or null
 * means active).  Call it after shape_canonical accepted the item. */
int shape_user_active(const json_t *in);

/* 1 when member is one of the customer's members that only the server
 * sets (id, tenantId, created, createdBy, updated, updatedBy, events,
 * visits), else 0. */
int shape_customer_server_owned(const char *member);

/*
 * A customer created through the API (POST /crm/customers): in may hold the
 * client-owned members of SHAPE_CUSTOMER and the initial crmStatus,
 * ownerId, tags, nextAction and nextActionDueDate; name (1 to
 * LIMIT_NAME_CHARS characters, not blank) and type are required.  A
 * server-owned or unknown member is refused by name.  Then the same checks
 * as shape_canonical, with id and tenant set: returns the NEW canonical
 * customer (server-owned members null or [], for the caller to fill), or
 * NULL with the member path and the reason in err.  in is not modified.
 */
json_t *shape_customer_create(const json_t *in, const char *tenant, const char *id, char *err,
                              size_t errlen);

/*
 * The checks of a merge patch (PATCH /crm/customers/{id}) that need no
 * stored customer: an object whose members are client-owned members of the
 * customer; crmStatus, nextAction, nextActionDueDate, ownerId and tags are
 * refused with the path of their own endpoint, server-owned and unknown
 * members by name; name and type cannot be null; name keeps create's rule.
 * 0, or -1 with the member path and the reason in err.  The values are
 * checked after the merge (change_merge_patch), with shape_canonical.
 */
int shape_customer_patch_check(const json_t *patch, char *err, size_t errlen);

#endif
