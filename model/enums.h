/* enums: the closed value sets of the seed and CONTRACT.md, as tables. */
#ifndef CRM_ENUMS_H
#define CRM_ENUMS_H

#include <stddef.h>

enum crm_status {
	CRM_STATUS_LEAD,
	CRM_STATUS_PROSPECT,
	CRM_STATUS_ACTIVE,
	CRM_STATUS_CUSTOMER,
	CRM_STATUS_INACTIVE,
	CRM_STATUS_CHURNED,
	CRM_STATUS__MAX
};

enum enum_set {
	ENUM_CRM_STATUS,    /* LEAD PROSPECT ACTIVE CUSTOMER INACTIVE CHURNED */
	ENUM_CUSTOMER_TYPE, /* PERSON COMPANY */
	ENUM_OPPORTUNITY_STATUS, /* NEW IN_DISCUSSION PROPOSAL_SENT ACCEPTED IN_EXECUTION COMPLETED LOST */
	ENUM_ACTIVITY_TYPE,     /* CALL EMAIL MEETING NOTE TASK */
	ENUM_ACTIVITY_PRIORITY, /* LOW MEDIUM HIGH */
	ENUM_PAYMENT_STATUS,    /* PENDING INVOICED PAID */
	ENUM_TRIGGER_TYPE,      /* STATUS_CHANGE DATE */
	ENUM_EVENT_TYPE, /* CREATE UPDATE STATUS_CHANGE OWNER_CHANGE NEXT_ACTION TAG_ADDED TAG_REMOVED */
	ENUM_SET__MAX
};

/* Index of s[0..len) in the set (exact, case-sensitive), or -1. */
int enum_lookup(enum enum_set set, const char *s, size_t len);
/* Name of value i of the set; NULL when out of range. */
const char *enum_name(enum enum_set set, int i);
/* Number of values in the set. */
int enum_count(enum enum_set set);
/* "A, B or C": the allowed values, for error messages (static storage). */
const char *enum_list(enum enum_set set);

#endif
