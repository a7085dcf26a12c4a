/* enums: the closed value sets of the seed and CONTRACT.md, as tables. */
#include <string.h>

#include "model/enums.h"

#define ENUM_MAX_VALUES 8

struct enum_table {
	int count;
	const char *list; /* "A, B or C", for error messages */
	const char *names[ENUM_MAX_VALUES];
};

/* Indexed by enum enum_set; ENUM_CRM_STATUS follows enum crm_status. */
static const struct enum_table enum_tables[ENUM_SET__MAX] = {
        [ENUM_CRM_STATUS] = {6,
                             "LEAD, PROSPECT, ACTIVE, CUSTOMER, INACTIVE or CHURNED",
                             {"LEAD", "PROSPECT", "ACTIVE", "CUSTOMER", "INACTIVE", "CHURNED"}},
        [ENUM_CUSTOMER_TYPE] = {2, "PERSON or COMPANY", {"PERSON", "COMPANY"}},
        [ENUM_OPPORTUNITY_STATUS] = {7,
                                     "NEW, IN_DISCUSSION, PROPOSAL_SENT, ACCEPTED, IN_EXECUTION, "
                                     "COMPLETED or LOST",
                                     {"NEW", "IN_DISCUSSION", "PROPOSAL_SENT", "ACCEPTED",
                                      "IN_EXECUTION", "COMPLETED", "LOST"}},
        [ENUM_ACTIVITY_TYPE] = {5,
                                "CALL, EMAIL, MEETING, NOTE or TASK",
                                {"CALL", "EMAIL", "MEETING", "NOTE", "TASK"}},
        [ENUM_ACTIVITY_PRIORITY] = {3, "LOW, MEDIUM or HIGH", {"LOW", "MEDIUM", "HIGH"}},
        [ENUM_PAYMENT_STATUS] = {3, "PENDING, INVOICED or PAID", {"PENDING", "INVOICED", "PAID"}},
        [ENUM_TRIGGER_TYPE] = {2, "STATUS_CHANGE or DATE", {"STATUS_CHANGE", "DATE"}},
        [ENUM_EVENT_TYPE] = {7,
                             "CREATE, UPDATE, STATUS_CHANGE, OWNER_CHANGE, NEXT_ACTION, "
                             "TAG_ADDED or TAG_REMOVED",
                             {"CREATE", "UPDATE", "STATUS_CHANGE", "OWNER_CHANGE", "NEXT_ACTION",
                              "TAG_ADDED", "TAG_REMOVED"}},
};

_Static_assert(CRM_STATUS__MAX == 6, "enum crm_status and its table differ");

static const struct enum_table *table_of(enum enum_set set)
{
	return (unsigned)set < ENUM_SET__MAX ? &enum_tables[set] : NULL;
}

/* Index of s[0..len) in the set (exact match), or -1; NULL s gives -1. */
int enum_lookup(enum enum_set set, const char *s, size_t len)
{
	const struct enum_table *t = table_of(set);
	if (t == NULL || s == NULL)
		return -1;
	for (int i = 0; i < t->count; i++)
		if (strlen(t->names[i]) == len && memcmp(t->names[i], s, len) == 0)
			return i;
	return -1;
}

/* Static name of value i of the set, or NULL when out of range. */
const char *enum_name(enum enum_set set, int i)
{
	const struct enum_table *t = table_of(set);
	return t != NULL && i >= 0 && i < t->count ? t->names[i] : NULL;
}

/* Number of values in the set (0 for an unknown set). */
int enum_count(enum enum_set set)
{
	const struct enum_table *t = table_of(set);
	return t ? t->count : 0;
}

/* "A, B or C" (static storage), or "" for an unknown set. */
const char *enum_list(enum enum_set set)
{
	const struct enum_table *t = table_of(set);
	return t ? t->list : "";
}
