/* demo_data: the demo data set of the two demo tenants, as `crmctl import` documents. */
#ifndef CRM_DEMO_DATA_H
#define CRM_DEMO_DATA_H

#include <stdint.h>

#include <jansson.h>

/* The two demo tenants, in the order `crmctl demo` loads them. */
extern const char *const demo_tenants[2]; /* "hollandtech", "polderdata" */

/*
 * The demo data set for one of the two demo tenants, as an import document
 * {"users": [...], "customers": [...], "opportunities": [...], "activities": [...]}
 * in the seed's shapes (users as {id, username, displayName}), every member of
 * each shape present.  `now_usec` is the current time in microseconds since the
 * epoch (UTC); all dates are relative to the start of its UTC day, so the same
 * share of next actions is overdue (due 1..20 days ago) on every run.  The result
 * depends only on the tenant and that day: the randomness is a PRNG seeded by
 * the tenant's name.  Returns a new reference the caller json_decref's; NULL when
 * `tenant` is not one of demo_tenants or on out of memory (then nothing leaks).
 */
json_t *demo_document(const char *tenant, int64_t now_usec);

#endif
