/* test_log: client-chosen values cannot forge a log line or a field of one. */
#include <string.h>

#include <criterion/criterion.h>

#include "fcgi/fcgi.h"

Test(log, keeps_plain_printable_ascii)
{
	char out[64];
	cr_assert_str_eq(log_escape(out, sizeof(out), "hollandtech-u1"), "hollandtech-u1");
}

Test(log, an_empty_or_missing_value_is_a_dash)
{
	char out[16];
	cr_assert_str_eq(log_escape(out, sizeof(out), ""), "-");
	cr_assert_str_eq(log_escape(out, sizeof(out), NULL), "-");
}

Test(log, a_space_cannot_start_a_forged_field)
{
	char out[128];
	cr_assert_str_eq(log_escape(out, sizeof(out), "acme status=200"),
	                 "acme\\x20status\\x3d200");
}

Test(log, line_breaks_of_every_kind_are_escaped)
{
	char out[128];
	/* CR, LF, U+2028 LINE SEPARATOR, U+0085 NEXT LINE */
	cr_assert_str_eq(log_escape(out, sizeof(out),
	                            "a\r\nb\xE2\x80\xA8"
	                            "c\xC2\x85"),
	                 "a\\x0d\\x0ab\\xe2\\x80\\xa8c\\xc2\\x85");
}

Test(log, quotes_and_backslashes_are_escaped)
{
	char out[128];
	cr_assert_str_eq(log_escape(out, sizeof(out), "a\"b\\x41"), "a\\x22b\\x5cx41");
}

Test(log, ansi_escapes_are_escaped)
{
	char out[128];
	cr_assert_str_eq(log_escape(out, sizeof(out), "\x1b[31mred"), "\\x1b[31mred");
}

Test(log, a_long_value_is_cut_with_an_ellipsis_within_the_buffer)
{
	char in[300], out[32];
	memset(in, 'a', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	log_escape(out, sizeof(out), in);
	cr_assert_lt(strlen(out), sizeof(out));
	cr_assert_str_eq(out + strlen(out) - 3, "...");
	memset(in, '\n', sizeof(in) - 1);
	log_escape(out, sizeof(out), in);
	cr_assert_lt(strlen(out), sizeof(out));
	cr_assert_str_eq(out + strlen(out) - 3, "...");
}
