/* test_lifecycle: the full 6x6 transition matrix and its messages. */
#include <string.h>

#include <criterion/criterion.h>

#include "model/lifecycle.h"

/* The product's rule, written out independently of the table under test. */
static const char *const expected[CRM_STATUS__MAX] = {
        [CRM_STATUS_LEAD] = "PROSPECT INACTIVE",  [CRM_STATUS_PROSPECT] = "ACTIVE INACTIVE",
        [CRM_STATUS_ACTIVE] = "CUSTOMER",         [CRM_STATUS_CUSTOMER] = "INACTIVE",
        [CRM_STATUS_INACTIVE] = "ACTIVE CHURNED", [CRM_STATUS_CHURNED] = "",
};

static int listed(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

Test(lifecycle, matches_the_product_rule_for_all_36_pairs)
{
	for (int f = 0; f < CRM_STATUS__MAX; f++)
		for (int t = 0; t < CRM_STATUS__MAX; t++) {
			int want = listed(expected[f], enum_name(ENUM_CRM_STATUS, t));
			cr_assert_eq(lifecycle_allows((enum crm_status)f, (enum crm_status)t), want,
			             "%s -> %s", enum_name(ENUM_CRM_STATUS, f),
			             enum_name(ENUM_CRM_STATUS, t));
		}
}

Test(lifecycle, same_status_is_not_a_move)
{
	for (int s = 0; s < CRM_STATUS__MAX; s++)
		cr_assert_not(lifecycle_allows((enum crm_status)s, (enum crm_status)s));
}

Test(lifecycle, names_the_moves_allowed)
{
	char out[128];
	lifecycle_moves(CRM_STATUS_LEAD, out, sizeof(out));
	cr_assert_str_eq(out, "PROSPECT or INACTIVE");
	lifecycle_moves(CRM_STATUS_ACTIVE, out, sizeof(out));
	cr_assert_str_eq(out, "CUSTOMER");
}

Test(lifecycle, says_churned_is_final)
{
	char out[128];
	lifecycle_moves(CRM_STATUS_CHURNED, out, sizeof(out));
	cr_assert_str_eq(out, "none (CHURNED is final)");
}
