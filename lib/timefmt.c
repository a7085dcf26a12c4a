/* timefmt: RFC 3339 parsing and formatting in UTC by civil-day arithmetic. */
#include <stdio.h>
#include <time.h>

#include "lib/timefmt.h"

#define USEC_PER_SEC 1000000LL
#define SEC_PER_DAY  86400LL
#define FIRST_SECOND (-62135596800LL) /* 0001-01-01T00:00:00Z */
#define LAST_SECOND  253402300799LL   /* 9999-12-31T23:59:59Z */

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Inverse of days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Reads exactly n ASCII digits at s into *out; 0 or -1. */
static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Validates and reads "YYYY-MM-DD" from the first 10 bytes of s. */
static int parse_date10(const char *s, int *y, int *m, int *d)
{
	if (digits(s, 4, y) || s[4] != '-' || digits(s + 5, 2, m) || s[7] != '-' ||
	    digits(s + 8, 2, d))
		return -1;
	if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
		return -1;
	return 0;
}

/* Reads "HH:MM:SS" from 8 bytes at s into seconds of the day (60 folded to 59). */
static int parse_clock(const char *s, int64_t *secs)
{
	int h, mi, se;
	if (digits(s, 2, &h) || s[2] != ':' || digits(s + 3, 2, &mi) || s[5] != ':' ||
	    digits(s + 6, 2, &se))
		return -1;
	if (h > 23 || mi > 59 || se > 60)
		return -1;
	*secs = h * 3600LL + mi * 60LL + (se == 60 ? 59 : se);
	return 0;
}

/* Reads ".f{1,9}" at s[*i..len) into microseconds; advances *i.  0 or -1. */
static int parse_fraction(const char *s, size_t len, size_t *i, int64_t *usec)
{
	int64_t v = 0;
	int n = 0;
	*usec = 0;
	if (*i >= len || s[*i] != '.')
		return 0;
	for ((*i)++; *i < len && s[*i] >= '0' && s[*i] <= '9'; (*i)++, n++)
		if (n < 6)
			v = v * 10 + (s[*i] - '0');
	if (n < 1 || n > 9)
		return -1;
	for (int k = n; k < 6; k++)
		v *= 10;
	*usec = v;
	return 0;
}

/* Reads "Z" or "+HH:MM"/"-HH:MM" that must end s at len; offset in seconds. */
static int parse_offset(const char *s, size_t len, size_t i, int64_t *off)
{
	int h, m;
	if (i + 1 == len && (s[i] == 'Z' || s[i] == 'z')) {
		*off = 0;
		return 0;
	}
	if (i + 6 != len || (s[i] != '+' && s[i] != '-'))
		return -1;
	if (digits(s + i + 1, 2, &h) || s[i + 3] != ':' || digits(s + i + 4, 2, &m))
		return -1;
	if (h > 23 || m > 59)
		return -1;
	*off = (h * 3600LL + m * 60LL) * (s[i] == '-' ? -1 : 1);
	return 0;
}

/* Parses an RFC 3339 date-time of exactly len bytes; 0 and *out, or -1. */
int timefmt_parse_rfc3339(const char *s, size_t len, crm_time_t *out)
{
	int y, m, d;
	int64_t secs, usec, off;
	size_t i = 19;

	if (s == NULL || len < 20)
		return -1;
	if (parse_date10(s, &y, &m, &d) != 0 || (s[10] != 'T' && s[10] != 't'))
		return -1;
	if (parse_clock(s + 11, &secs) != 0)
		return -1;
	if (parse_fraction(s, len, &i, &usec) != 0 || parse_offset(s, len, i, &off) != 0)
		return -1;
	int64_t t = days_from_civil(y, m, d) * SEC_PER_DAY + secs - off;
	if (t < FIRST_SECOND || t > LAST_SECOND)
		return -1; /* an offset pushed it out of 0001..9999: it could not be written back */
	*out = t * USEC_PER_SEC + usec;
	return 0;
}

/* Floor division and modulo for negative instants. */
static int64_t floor_div(int64_t a, int64_t b, int64_t *rem)
{
	int64_t q = a / b, r = a % b;
	if (r < 0) {
		r += b;
		q--;
	}
	*rem = r;
	return q;
}

/* Writes t as RFC 3339 UTC into out (TIMEFMT_RFC3339_MAX bytes); returns the length. */
size_t timefmt_format_rfc3339(crm_time_t t, char *out)
{
	int64_t usec, sod, y;
	int m, d;
	int64_t secs = floor_div(t, USEC_PER_SEC, &usec);
	int64_t days = floor_div(secs, SEC_PER_DAY, &sod);
	civil_from_days(days, &y, &m, &d);
	int n = snprintf(out, TIMEFMT_RFC3339_MAX, "%04d-%02d-%02dT%02d:%02d:%02d", (int)y, m, d,
	                 (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
	if (usec != 0) {
		int digits_kept = 6;
		while (usec % 10 == 0) {
			usec /= 10;
			digits_kept--;
		}
		n += snprintf(out + n, (size_t)(TIMEFMT_RFC3339_MAX - n), ".%0*d", digits_kept,
		              (int)usec);
	}
	out[n++] = 'Z';
	out[n] = '\0';
	return (size_t)n;
}

/* Validates "YYYY-MM-DD" of exactly len bytes; 0 and the parts, or -1. */
int timefmt_parse_date(const char *s, size_t len, int *year, int *month, int *day)
{
	int y, m, d;
	if (s == NULL || len != 10 || parse_date10(s, &y, &m, &d) != 0)
		return -1;
	if (year)
		*year = y;
	if (month)
		*month = m;
	if (day)
		*day = d;
	return 0;
}

/* Returns the current wall-clock time in microseconds since the epoch. */
crm_time_t timefmt_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (crm_time_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}
