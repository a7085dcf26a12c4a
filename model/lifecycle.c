/* lifecycle: the one transition table; the code and the README's section both come from it. */
#include <stdio.h>
#include <string.h>

#include "model/lifecycle.h"

#define L CRM_STATUS_LEAD
#define P CRM_STATUS_PROSPECT
#define A CRM_STATUS_ACTIVE
#define C CRM_STATUS_CUSTOMER
#define I CRM_STATUS_INACTIVE
#define X CRM_STATUS_CHURNED

static const struct {
	enum crm_status from, to;
} moves[] = {
        {L, P}, {L, I}, {P, A}, {P, I}, {A, C}, {C, I}, {I, A}, {I, X},
};

int lifecycle_allows(enum crm_status from, enum crm_status to)
{
	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++)
		if (moves[i].from == from && moves[i].to == to)
			return 1;
	return 0;
}

void lifecycle_moves(enum crm_status from, char *out, size_t cap)
{
	size_t n = 0, found = 0, total = 0;
	for (int to = 0; to < CRM_STATUS__MAX; to++)
		total += (size_t)lifecycle_allows(from, (enum crm_status)to);
	out[0] = '\0';
	for (int to = 0; to < CRM_STATUS__MAX && n < cap; to++) {
		if (!lifecycle_allows(from, (enum crm_status)to))
			continue;
		found++;
		const char *sep = found == 1 ? "" : (found == total ? " or " : ", ");
		n += (size_t)snprintf(out + n, cap - n, "%s%s", sep,
		                      enum_name(ENUM_CRM_STATUS, to));
	}
	if (total == 0)
		snprintf(out, cap, "none (%s is final)", enum_name(ENUM_CRM_STATUS, from));
}

void lifecycle_markdown(char *out, size_t cap)
{
	size_t n = (size_t)snprintf(out, cap, "| from | allowed moves |\n| --- | --- |\n");
	for (int from = 0; from < CRM_STATUS__MAX && n < cap; from++) {
		char list[128];
		lifecycle_moves((enum crm_status)from, list, sizeof(list));
		n += (size_t)snprintf(out + n, cap - n, "| %s | %s |\n",
		                      enum_name(ENUM_CRM_STATUS, from), list);
	}
}
