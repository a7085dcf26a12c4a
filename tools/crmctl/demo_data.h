/* demo_data: the demo data set, a JSON fixture embedded in crmctl, with dates relative to the load day. */
#ifndef CRM_DEMO_DATA_H
#define CRM_DEMO_DATA_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * The fixture (tools/crmctl/demo.json) is
 *   {"$comment": "...", "tenants": {"<tenant>": <import document>, ...}}
 * with one `crmctl import` document {"users", "customers", "opportunities",
 * "activities"} per demo tenant, in the seed's shapes.  Dates in it are
 * written relative to the day the demo is loaded (UTC), as a token that may
 * stand anywhere in a string:
 *
 *   {today-3d 09:30}     09:30:00Z three days before that day  ("2026-03-12T09:30:00Z")
 *   {today+12d 14:05:30} with seconds
 *   {today 08:00}        that day itself
 *   {today-3d}, {today}  without a time: a date                ("2026-03-12")
 *
 * so that "Next action set to \"X\", due {today+5d 10:00}" works as well as
 * a whole member.  Any other '{' is kept as it is.
 */

/* The embedded fixture, NUL-terminated (static storage, never freed). */
const char *demo_fixture(void);

/*
 * Copies `in` with every {today...} token replaced, counted from `today_usec`
 * (any instant of the day; its UTC midnight is used), into out (cap bytes,
 * always NUL-terminated).  Returns the length written, or -1 with a message in
 * err when a token is malformed or out of range (days beyond +-36500) or out
 * does not hold the result.
 */
int demo_resolve_text(const char *in, int64_t today_usec, char *out, size_t cap, char *err,
                      size_t errlen);

/*
 * The demo data set, resolved: a new object {"<tenant>": <import document>}
 * in the fixture's order, every {today...} in it replaced against the UTC day
 * of `now_usec` (so the same next actions are overdue on every run).  Feed
 * each document to import_document.  Returns a new reference the caller
 * json_decref's; NULL on a broken fixture (message naming the member, e.g.
 * "tenants.polderdata.customers[3].nextActionDueDate: ...") or out of memory,
 * with the reason in err; nothing leaks then.
 */
json_t *demo_data_set(int64_t now_usec, char *err, size_t errlen);

#endif
