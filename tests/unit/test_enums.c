/* test_enums: the closed value sets, their lookup and their messages. */
#include <string.h>

#include <criterion/criterion.h>

#include "model/enums.h"

static int lookup(enum enum_set set, const char *s)
{
	return enum_lookup(set, s, strlen(s));
}

Test(enums, crm_status_table_follows_enum_crm_status)
{
	cr_assert_eq(enum_count(ENUM_CRM_STATUS), CRM_STATUS__MAX);
	cr_assert_str_eq(enum_name(ENUM_CRM_STATUS, CRM_STATUS_LEAD), "LEAD");
	cr_assert_str_eq(enum_name(ENUM_CRM_STATUS, CRM_STATUS_PROSPECT), "PROSPECT");
	cr_assert_str_eq(enum_name(ENUM_CRM_STATUS, CRM_STATUS_ACTIVE), "ACTIVE");
	cr_assert_str_eq(enum_name(ENUM_CRM_STATUS, CRM_STATUS_CUSTOMER), "CUSTOMER");
	cr_assert_str_eq(enum_name(ENUM_CRM_STATUS, CRM_STATUS_INACTIVE), "INACTIVE");
	cr_assert_str_eq(enum_name(ENUM_CRM_STATUS, CRM_STATUS_CHURNED), "CHURNED");
}

Test(enums, sets_hold_the_contract_values)
{
	static const char *const want[ENUM_SET__MAX] = {
	        "LEAD PROSPECT ACTIVE CUSTOMER INACTIVE CHURNED",
	        "PERSON COMPANY",
	        "NEW IN_DISCUSSION PROPOSAL_SENT ACCEPTED IN_EXECUTION COMPLETED LOST",
	        "CALL EMAIL MEETING NOTE TASK",
	        "LOW MEDIUM HIGH",
	        "PENDING INVOICED PAID",
	        "STATUS_CHANGE DATE",
	        "CREATE UPDATE STATUS_CHANGE OWNER_CHANGE NEXT_ACTION TAG_ADDED TAG_REMOVED",
	};
	for (int s = 0; s < ENUM_SET__MAX; s++) {
		char got[256] = "";
		for (int i = 0; i < enum_count((enum enum_set)s); i++) {
			if (i > 0)
				strcat(got, " ");
			strcat(got, enum_name((enum enum_set)s, i));
		}
		cr_assert_str_eq(got, want[s], "set %d", s);
	}
}

Test(enums, lookup_finds_every_name_at_its_index)
{
	for (int s = 0; s < ENUM_SET__MAX; s++)
		for (int i = 0; i < enum_count((enum enum_set)s); i++)
			cr_assert_eq(lookup((enum enum_set)s, enum_name((enum enum_set)s, i)), i);
}

Test(enums, lookup_uses_len_not_the_terminator)
{
	cr_assert_eq(enum_lookup(ENUM_CRM_STATUS, "LEADING", 4), CRM_STATUS_LEAD);
}

Test(enums, list_names_every_value_in_order)
{
	cr_assert_str_eq(enum_list(ENUM_CUSTOMER_TYPE), "PERSON or COMPANY");
	cr_assert_str_eq(enum_list(ENUM_ACTIVITY_PRIORITY), "LOW, MEDIUM or HIGH");
	for (int s = 0; s < ENUM_SET__MAX; s++) {
		const char *list = enum_list((enum enum_set)s), *p = list;
		for (int i = 0; i < enum_count((enum enum_set)s); i++) {
			const char *name = enum_name((enum enum_set)s, i);
			p = strstr(p, name);
			cr_assert_not_null(p, "%s lacks %s", list, name);
			p += strlen(name);
		}
		cr_assert_eq(*p, '\0', "%s", list);
	}
}

Test(enums, lookup_rejects_other_case)
{
	cr_assert_eq(lookup(ENUM_CRM_STATUS, "lead"), -1);
	cr_assert_eq(lookup(ENUM_CUSTOMER_TYPE, "Person"), -1);
}

Test(enums, lookup_rejects_prefixes_and_extensions)
{
	cr_assert_eq(lookup(ENUM_CRM_STATUS, "LEA"), -1);
	cr_assert_eq(lookup(ENUM_CRM_STATUS, "LEADS"), -1);
	cr_assert_eq(lookup(ENUM_ACTIVITY_TYPE, "CALL "), -1);
}

Test(enums, lookup_rejects_empty_and_null)
{
	cr_assert_eq(lookup(ENUM_EVENT_TYPE, ""), -1);
	cr_assert_eq(enum_lookup(ENUM_EVENT_TYPE, NULL, 0), -1);
}

Test(enums, lookup_rejects_a_value_of_another_set)
{
	cr_assert_eq(lookup(ENUM_CRM_STATUS, "NEW"), -1);
	cr_assert_eq(lookup(ENUM_PAYMENT_STATUS, "LEAD"), -1);
}

Test(enums, lookup_rejects_embedded_nul)
{
	cr_assert_eq(enum_lookup(ENUM_CRM_STATUS, "LEAD\0", 5), -1);
}

Test(enums, name_is_null_out_of_range)
{
	cr_assert_null(enum_name(ENUM_CRM_STATUS, -1));
	cr_assert_null(enum_name(ENUM_CRM_STATUS, CRM_STATUS__MAX));
	cr_assert_null(enum_name(ENUM_SET__MAX, 0));
}

Test(enums, unknown_set_is_empty)
{
	cr_assert_eq(enum_count(ENUM_SET__MAX), 0);
	cr_assert_str_eq(enum_list(ENUM_SET__MAX), "");
	cr_assert_eq(enum_lookup(ENUM_SET__MAX, "LEAD", 4), -1);
}
