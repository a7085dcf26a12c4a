/* timefmt: RFC 3339 date-times and YYYY-MM-DD dates, parsed and written in UTC. */
#ifndef CRM_TIMEFMT_H
#define CRM_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* A point in time: microseconds since 1970-01-01T00:00:00Z. */
typedef int64_t crm_time_t;

#define TIMEFMT_RFC3339_MAX 32 /* buffer size that always suffices */

/*
 * Parses an RFC 3339 date-time ("2019-08-24T14:15:22Z",
 * "2019-08-24T16:15:22.123+02:00", 't'/'z' lower case accepted, 1..9
 * fractional digits, digits beyond microseconds truncated) of exactly len
 * bytes.  Years 0001..9999, real calendar days (leap years), hours 00..23,
 * minutes 00..59, seconds 00..60 (60 is folded into 59), offsets -23:59..+23:59;
 * the UTC instant must itself fall in years 0001..9999 (so it can be written back).
 * Returns 0 and stores the UTC instant in *out, or -1 on any malformation.
 */
int timefmt_parse_rfc3339(const char *s, size_t len, crm_time_t *out);

/*
 * Writes t as "YYYY-MM-DDTHH:MM:SSZ", or with ".ffffff" trimmed of
 * trailing zeros when t has a sub-second part.  out must hold
 * TIMEFMT_RFC3339_MAX bytes; returns the length written (without NUL).
 */
size_t timefmt_format_rfc3339(crm_time_t t, char *out);

/* Validates a calendar date "YYYY-MM-DD" of exactly len bytes: 0 or -1. */
int timefmt_parse_date(const char *s, size_t len, int *year, int *month, int *day);

/* The current time (CLOCK_REALTIME) as crm_time_t. */
crm_time_t timefmt_now(void);

#endif
