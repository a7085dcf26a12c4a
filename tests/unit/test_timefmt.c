/* test_timefmt: RFC 3339 and YYYY-MM-DD parsing, UTC formatting, no libc timezone. */
#include <string.h>

#include <criterion/criterion.h>

#include "lib/timefmt.h"

#define T_2019 1566656122000000LL /* 2019-08-24T14:15:22Z */

static int parse(const char *s, crm_time_t *t)
{
	return timefmt_parse_rfc3339(s, strlen(s), t);
}

static void assert_rejected(const char *s)
{
	crm_time_t t = 12345;
	cr_assert_eq(parse(s, &t), -1, "accepted \"%s\"", s);
	cr_assert_eq(t, 12345, "wrote the result for \"%s\"", s);
}

static const char *fmt(crm_time_t t, char *buf)
{
	timefmt_format_rfc3339(t, buf);
	return buf;
}

Test(timefmt, parses_utc_z)
{
	crm_time_t t;
	cr_assert_eq(parse("2019-08-24T14:15:22Z", &t), 0);
	cr_assert_eq(t, T_2019);
}

Test(timefmt, converts_positive_and_negative_offsets_to_utc)
{
	crm_time_t a, b;
	cr_assert_eq(parse("2019-08-24T16:15:22+02:00", &a), 0);
	cr_assert_eq(a, T_2019);
	cr_assert_eq(parse("2019-08-24T09:45:22-04:30", &b), 0);
	cr_assert_eq(b, T_2019);
}

Test(timefmt, offset_can_cross_a_year_boundary)
{
	crm_time_t t;
	char buf[TIMEFMT_RFC3339_MAX];
	cr_assert_eq(parse("2020-01-01T00:30:00+01:00", &t), 0);
	cr_assert_str_eq(fmt(t, buf), "2019-12-31T23:30:00Z");
}

Test(timefmt, accepts_lower_case_t_and_z)
{
	crm_time_t t;
	cr_assert_eq(parse("2019-08-24t14:15:22z", &t), 0);
	cr_assert_eq(t, T_2019);
}

Test(timefmt, keeps_microseconds_and_truncates_nanoseconds)
{
	crm_time_t t;
	cr_assert_eq(parse("2019-08-24T14:15:22.1Z", &t), 0);
	cr_assert_eq(t, T_2019 + 100000);
	cr_assert_eq(parse("2019-08-24T14:15:22.123456789Z", &t), 0);
	cr_assert_eq(t, T_2019 + 123456);
}

Test(timefmt, accepts_leap_days_of_leap_years)
{
	crm_time_t t;
	cr_assert_eq(parse("2000-02-29T00:00:00Z", &t), 0);
	cr_assert_eq(t, 951782400000000LL);
	cr_assert_eq(parse("2024-02-29T12:00:00Z", &t), 0);
}

Test(timefmt, folds_leap_second_into_59)
{
	crm_time_t a, b;
	cr_assert_eq(parse("2016-12-31T23:59:60Z", &a), 0);
	cr_assert_eq(parse("2016-12-31T23:59:59Z", &b), 0);
	cr_assert_eq(a, b);
}

Test(timefmt, accepts_the_first_and_last_years)
{
	crm_time_t t;
	char buf[TIMEFMT_RFC3339_MAX];
	cr_assert_eq(parse("0001-01-01T00:00:00Z", &t), 0);
	cr_assert_str_eq(fmt(t, buf), "0001-01-01T00:00:00Z");
	cr_assert_eq(parse("9999-12-31T23:59:59.999999Z", &t), 0);
	cr_assert_str_eq(fmt(t, buf), "9999-12-31T23:59:59.999999Z");
}

Test(timefmt, reads_only_len_bytes)
{
	crm_time_t t;
	const char *s = "2019-08-24T14:15:22Zgarbage";
	cr_assert_eq(timefmt_parse_rfc3339(s, 20, &t), 0);
	cr_assert_eq(t, T_2019);
}

Test(timefmt, formats_whole_seconds_without_fraction)
{
	char buf[TIMEFMT_RFC3339_MAX];
	cr_assert_str_eq(fmt(T_2019, buf), "2019-08-24T14:15:22Z");
	cr_assert_eq(timefmt_format_rfc3339(0, buf), 20);
	cr_assert_str_eq(buf, "1970-01-01T00:00:00Z");
}

Test(timefmt, formats_fraction_trimmed_of_trailing_zeros)
{
	char buf[TIMEFMT_RFC3339_MAX];
	cr_assert_str_eq(fmt(T_2019 + 500000, buf), "2019-08-24T14:15:22.5Z");
	cr_assert_str_eq(fmt(T_2019 + 120, buf), "2019-08-24T14:15:22.00012Z");
	cr_assert_str_eq(fmt(T_2019 + 1, buf), "2019-08-24T14:15:22.000001Z");
}

Test(timefmt, formats_instants_before_1970)
{
	char buf[TIMEFMT_RFC3339_MAX];
	cr_assert_str_eq(fmt(-1, buf), "1969-12-31T23:59:59.999999Z");
	cr_assert_str_eq(fmt(-86400000000LL, buf), "1969-12-31T00:00:00Z");
}

Test(timefmt, format_then_parse_round_trips)
{
	static const crm_time_t samples[] = {
	        0, 1, -1, T_2019, 951782400123456LL, -62135596800000000LL, 253402300799999999LL};
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		char buf[TIMEFMT_RFC3339_MAX];
		crm_time_t back;
		size_t n = timefmt_format_rfc3339(samples[i], buf);
		cr_assert_eq(n, strlen(buf));
		cr_assert_eq(timefmt_parse_rfc3339(buf, n, &back), 0, "%s", buf);
		cr_assert_eq(back, samples[i], "%s", buf);
	}
}

Test(timefmt, extreme_instants_fit_the_buffer)
{
	char buf[TIMEFMT_RFC3339_MAX];
	cr_assert_lt(timefmt_format_rfc3339(INT64_MAX, buf), TIMEFMT_RFC3339_MAX);
	cr_assert_lt(timefmt_format_rfc3339(INT64_MIN, buf), TIMEFMT_RFC3339_MAX);
}

Test(timefmt, parses_a_calendar_date)
{
	int y, m, d;
	cr_assert_eq(timefmt_parse_date("2019-08-24", 10, &y, &m, &d), 0);
	cr_assert_eq(y, 2019);
	cr_assert_eq(m, 8);
	cr_assert_eq(d, 24);
	cr_assert_eq(timefmt_parse_date("2024-02-29", 10, &y, &m, &d), 0);
}

Test(timefmt, now_is_after_2020_and_moves_forward)
{
	crm_time_t a = timefmt_now(), b = timefmt_now();
	cr_assert_gt(a, 1577836800000000LL);
	cr_assert_geq(b, a);
}

Test(timefmt, rejects_february_30)
{
	assert_rejected("2019-02-30T00:00:00Z");
}

Test(timefmt, rejects_february_29_of_common_years)
{
	assert_rejected("2019-02-29T00:00:00Z");
	assert_rejected("1900-02-29T00:00:00Z");
	assert_rejected("2100-02-29T00:00:00Z");
}

Test(timefmt, rejects_day_31_of_30_day_months)
{
	assert_rejected("2019-04-31T00:00:00Z");
	assert_rejected("2019-11-31T00:00:00Z");
}

Test(timefmt, rejects_month_and_day_zero_or_too_big)
{
	assert_rejected("2019-00-10T00:00:00Z");
	assert_rejected("2019-13-10T00:00:00Z");
	assert_rejected("2019-01-00T00:00:00Z");
	assert_rejected("2019-01-32T00:00:00Z");
}

Test(timefmt, rejects_year_zero)
{
	assert_rejected("0000-01-01T00:00:00Z");
}

Test(timefmt, rejects_hour_24_minute_60_second_61)
{
	assert_rejected("2019-08-24T24:00:00Z");
	assert_rejected("2019-08-24T14:60:00Z");
	assert_rejected("2019-08-24T14:15:61Z");
}

Test(timefmt, rejects_missing_offset)
{
	assert_rejected("2019-08-24T14:15:22");
	assert_rejected("2019-08-24T14:15:22.5");
}

Test(timefmt, rejects_malformed_offsets)
{
	assert_rejected("2019-08-24T14:15:22+0200");
	assert_rejected("2019-08-24T14:15:22+2:00");
	assert_rejected("2019-08-24T14:15:22+24:00");
	assert_rejected("2019-08-24T14:15:22+02:60");
	assert_rejected("2019-08-24T14:15:22+02:00:00");
	assert_rejected("2019-08-24T14:15:22 Z");
	assert_rejected("2019-08-24T14:15:22UTC");
}

Test(timefmt, rejects_empty_and_overlong_fractions)
{
	assert_rejected("2019-08-24T14:15:22.Z");
	assert_rejected("2019-08-24T14:15:22.1234567890Z");
	assert_rejected("2019-08-24T14:15:22,5Z");
}

Test(timefmt, rejects_space_or_missing_separator)
{
	assert_rejected("2019-08-24 14:15:22Z");
	assert_rejected("2019-08-2414:15:22Z");
	assert_rejected("20190824T141522Z");
}

Test(timefmt, rejects_short_fields_and_signs)
{
	assert_rejected("2019-8-24T14:15:22Z");
	assert_rejected("2019-08-24T4:15:22Z");
	assert_rejected("+2019-08-24T14:15:22Z");
	assert_rejected("2019-08-24T14:15Z");
	assert_rejected("2019-0a-24T14:15:22Z");
}

Test(timefmt, rejects_trailing_bytes_within_len)
{
	assert_rejected("2019-08-24T14:15:22Zx");
	assert_rejected("2019-08-24T14:15:22Z ");
}

Test(timefmt, rejects_a_string_cut_short_by_len)
{
	crm_time_t t;
	cr_assert_eq(timefmt_parse_rfc3339("2019-08-24T14:15:22Z", 19, &t), -1);
	cr_assert_eq(timefmt_parse_rfc3339("2019-08-24T14:15:22+02:00", 24, &t), -1);
	cr_assert_eq(timefmt_parse_rfc3339("", 0, &t), -1);
}

Test(timefmt, rejects_a_date_alone_as_date_time)
{
	assert_rejected("2019-08-24");
}

Test(timefmt, date_rejects_february_30_and_bad_form)
{
	int y, m, d;
	cr_assert_eq(timefmt_parse_date("2019-02-30", 10, &y, &m, &d), -1);
	cr_assert_eq(timefmt_parse_date("2019-8-24", 9, &y, &m, &d), -1);
	cr_assert_eq(timefmt_parse_date("2019/08/24", 10, &y, &m, &d), -1);
	cr_assert_eq(timefmt_parse_date("0000-01-01", 10, &y, &m, &d), -1);
}

Test(timefmt, date_rejects_a_date_time)
{
	const char *s = "2019-08-24T14:15:22Z";
	cr_assert_eq(timefmt_parse_date(s, strlen(s), NULL, NULL, NULL), -1);
	cr_assert_eq(timefmt_parse_date("2019-08-24 ", 11, NULL, NULL, NULL), -1);
}

Test(timefmt, rejects_offsets_that_leave_years_0001_to_9999)
{
	assert_rejected("0001-01-01T00:30:00+01:00");
	assert_rejected("9999-12-31T23:30:00-01:00");
}
