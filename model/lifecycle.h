/* lifecycle: the crmStatus transitions of the product, in one table. */
#ifndef CRM_LIFECYCLE_H
#define CRM_LIFECYCLE_H

#include <stddef.h>

#include "model/enums.h"

/* 1 when from -> to is an allowed move (the same status is not a move). */
int lifecycle_allows(enum crm_status from, enum crm_status to);

/* "PROSPECT or INACTIVE", or "none (CHURNED is final)": the moves from `from`,
 * written into out (cap bytes). */
void lifecycle_moves(enum crm_status from, char *out, size_t cap);

/* The table as a Markdown section, the README's lifecycle section; into out. */
void lifecycle_markdown(char *out, size_t cap);

#endif
