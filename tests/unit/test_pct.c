/* test_pct: percent-decoding of path segments and query components, and encoding. */
#include <string.h>

#include <criterion/criterion.h>

#include "lib/pct.h"

static long decode(const char *s, enum pct_mode mode, char *out)
{
	return pct_decode(s, strlen(s), mode, out);
}

Test(pct, copies_plain_text_unchanged)
{
	char out[16];
	cr_assert_eq(decode("abc-_.~", PCT_PATH, out), 7);
	cr_assert_str_eq(out, "abc-_.~");
}

Test(pct, decodes_an_encoded_slash)
{
	char out[16];
	cr_assert_eq(decode("a%2Fb", PCT_PATH, out), 3);
	cr_assert_str_eq(out, "a/b");
}

Test(pct, accepts_upper_and_lower_case_hex)
{
	char out[16];
	cr_assert_eq(decode("%c3%A9%C3%a9", PCT_PATH, out), 4);
	cr_assert_str_eq(out, "\xC3\xA9\xC3\xA9");
}

Test(pct, keeps_plus_in_paths)
{
	char out[16];
	decode("a+b", PCT_PATH, out);
	cr_assert_str_eq(out, "a+b");
}

Test(pct, turns_plus_into_space_in_queries)
{
	char out[16];
	decode("a+b%2B", PCT_QUERY, out);
	cr_assert_str_eq(out, "a b+");
}

Test(pct, decodes_nul_and_reports_the_true_length)
{
	char out[16];
	cr_assert_eq(decode("a%00b", PCT_PATH, out), 3);
	cr_assert_eq(memcmp(out, "a\0b", 4), 0);
}

Test(pct, decodes_the_empty_string)
{
	char out[1] = {'x'};
	cr_assert_eq(pct_decode("", 0, PCT_QUERY, out), 0);
	cr_assert_eq(out[0], '\0');
}

Test(pct, encode_keeps_unreserved_characters)
{
	char out[64];
	cr_assert_eq(pct_encode("AZaz09-._~", 10, out), 10);
	cr_assert_str_eq(out, "AZaz09-._~");
}

Test(pct, encode_escapes_reserved_space_and_utf8)
{
	char out[64];
	const char *s = "a b/c?d&e=f+\xC3\xA9%";
	pct_encode(s, strlen(s), out);
	cr_assert_str_eq(out, "a%20b%2Fc%3Fd%26e%3Df%2B%C3%A9%25");
}

Test(pct, encode_then_decode_round_trips_every_byte)
{
	char in[256], enc[3 * 256 + 1], dec[3 * 256 + 1];
	for (int i = 0; i < 256; i++)
		in[i] = (char)i;
	size_t n = pct_encode(in, sizeof in, enc);
	cr_assert_eq(pct_decode(enc, n, PCT_QUERY, dec), 256);
	cr_assert_eq(memcmp(in, dec, 256), 0);
}

Test(pct, rejects_a_lone_percent)
{
	char out[8];
	cr_assert_eq(decode("%", PCT_PATH, out), -1);
	cr_assert_eq(decode("a%", PCT_PATH, out), -1);
}

Test(pct, rejects_an_escape_with_one_digit)
{
	char out[8];
	cr_assert_eq(decode("%4", PCT_PATH, out), -1);
	cr_assert_eq(decode("ab%4", PCT_QUERY, out), -1);
}

Test(pct, rejects_non_hex_digits)
{
	char out[8];
	cr_assert_eq(decode("%G0", PCT_PATH, out), -1);
	cr_assert_eq(decode("%0g", PCT_PATH, out), -1);
	cr_assert_eq(decode("%-1", PCT_PATH, out), -1);
	cr_assert_eq(decode("% 1", PCT_QUERY, out), -1);
}

Test(pct, rejects_an_escape_cut_by_len)
{
	char out[8];
	cr_assert_eq(pct_decode("a%41", 3, PCT_PATH, out), -1);
}

Test(pct, rejects_percent_encoded_percent_followed_by_bad_escape)
{
	char out[16];
	cr_assert_eq(decode("%25%zz", PCT_PATH, out), -1);
}

Test(pct, leaves_output_terminated_after_an_error)
{
	char out[8];
	memset(out, 'x', sizeof out);
	cr_assert_eq(decode("ab%zz", PCT_PATH, out), -1);
	cr_assert_neq(memchr(out, '\0', sizeof out), NULL);
}

Test(pct, rejects_a_double_percent)
{
	char out[8];
	cr_assert_eq(decode("%%41", PCT_PATH, out), -1);
	cr_assert_eq(decode("%%", PCT_QUERY, out), -1);
}

Test(pct, rejects_an_escape_of_non_ascii_bytes)
{
	char out[8];
	cr_assert_eq(decode("%\xC3\xA9", PCT_PATH, out), -1);
}

Test(pct, rejects_a_plus_inside_an_escape_in_queries)
{
	char out[8];
	cr_assert_eq(decode("%+0", PCT_QUERY, out), -1);
	cr_assert_eq(decode("%2+", PCT_QUERY, out), -1);
}

Test(pct, rejects_a_bad_escape_after_good_ones)
{
	char out[16];
	cr_assert_eq(decode("a%2Fb%2", PCT_PATH, out), -1);
}

Test(pct, rejects_a_nul_inside_an_escape)
{
	char out[8];
	cr_assert_eq(pct_decode("%\0"
	                        "0",
	                        3, PCT_PATH, out),
	             -1);
	cr_assert_eq(pct_decode("%0\0", 3, PCT_PATH, out), -1);
}
