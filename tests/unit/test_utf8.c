/* test_utf8: strict UTF-8 validation and counting of scalar values. */
#include <string.h>

#include <criterion/criterion.h>

#include "lib/utf8.h"

static long count(const char *s)
{
	return utf8_count(s, strlen(s));
}

static long printable(const char *s)
{
	return utf8_count_printable(s, strlen(s));
}

Test(utf8, counts_ascii_bytes_as_characters)
{
	cr_assert_eq(count("hello"), 5);
	cr_assert_eq(count(""), 0);
}

Test(utf8, counts_two_three_and_four_byte_sequences_once)
{
	cr_assert_eq(count("\xC3\xA9"), 1);         /* é */
	cr_assert_eq(count("\xE2\x82\xAC"), 1);     /* € */
	cr_assert_eq(count("\xF0\x9F\x98\x80"), 1); /* 😀 */
	cr_assert_eq(count("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z"), 5);
}

Test(utf8, accepts_the_boundary_code_points)
{
	cr_assert_eq(count("\xC2\x80"), 1);         /* U+0080 */
	cr_assert_eq(count("\xED\x9F\xBF"), 1);     /* U+D7FF */
	cr_assert_eq(count("\xEE\x80\x80"), 1);     /* U+E000 */
	cr_assert_eq(count("\xEF\xBF\xBF"), 1);     /* U+FFFF */
	cr_assert_eq(count("\xF4\x8F\xBF\xBF"), 1); /* U+10FFFF */
}

Test(utf8, counts_nul_bytes_as_characters)
{
	cr_assert_eq(utf8_count("a\0b", 3), 3);
}

Test(utf8, reads_only_len_bytes)
{
	cr_assert_eq(utf8_count("abc\xFF", 3), 3);
}

Test(utf8, printable_accepts_letters_symbols_and_spaces)
{
	cr_assert_eq(printable("Caf\xC3\xA9 \xE2\x82\xAC 5 \xF0\x9F\x98\x80"), 10);
	cr_assert_eq(printable("\xC2\xA0"), 1); /* U+00A0 follows the C1 range */
}

Test(utf8, rejects_overlong_two_byte_forms)
{
	cr_assert_eq(count("\xC0\x80"), -1);
	cr_assert_eq(count("\xC1\xBF"), -1);
}

Test(utf8, rejects_overlong_three_and_four_byte_forms)
{
	cr_assert_eq(count("\xE0\x80\x80"), -1);
	cr_assert_eq(count("\xE0\x9F\xBF"), -1);
	cr_assert_eq(count("\xF0\x80\x80\x80"), -1);
	cr_assert_eq(count("\xF0\x8F\xBF\xBF"), -1);
}

Test(utf8, rejects_surrogates)
{
	cr_assert_eq(count("\xED\xA0\x80"), -1);             /* U+D800 */
	cr_assert_eq(count("\xED\xBF\xBF"), -1);             /* U+DFFF */
	cr_assert_eq(count("\xED\xA0\xBD\xED\xB8\x80"), -1); /* CESU-8 pair */
}

Test(utf8, rejects_code_points_above_10ffff)
{
	cr_assert_eq(count("\xF4\x90\x80\x80"), -1);
	cr_assert_eq(count("\xF5\x80\x80\x80"), -1);
	cr_assert_eq(count("\xF8\x88\x80\x80\x80"), -1);
}

Test(utf8, rejects_bytes_that_never_occur)
{
	cr_assert_eq(count("\xFE"), -1);
	cr_assert_eq(count("\xFF"), -1);
}

Test(utf8, rejects_lone_continuation_bytes)
{
	cr_assert_eq(count("\x80"), -1);
	cr_assert_eq(count("a\xBF"
	                   "b"),
	             -1);
}

Test(utf8, rejects_sequences_truncated_at_the_end)
{
	cr_assert_eq(count("\xE2\x82"), -1);
	cr_assert_eq(count("\xF0\x9F\x98"), -1);
	cr_assert_eq(utf8_count("\xC3\xA9", 1), -1);
}

Test(utf8, rejects_sequences_interrupted_by_ascii)
{
	cr_assert_eq(count("\xE2"
	                   "A\x82"),
	             -1);
	cr_assert_eq(count("\xC3 "), -1);
}

Test(utf8, printable_rejects_nul_newline_and_tab)
{
	cr_assert_eq(utf8_count_printable("a\0b", 3), -1);
	cr_assert_eq(printable("a\nb"), -1);
	cr_assert_eq(printable("\t"), -1);
	cr_assert_eq(printable("\x1F"), -1);
}

Test(utf8, printable_rejects_delete_and_c1_controls)
{
	cr_assert_eq(printable("\x7F"), -1);
	cr_assert_eq(printable("\xC2\x80"), -1); /* U+0080 */
	cr_assert_eq(printable("\xC2\x85"), -1); /* U+0085 NEL */
	cr_assert_eq(printable("\xC2\x9F"), -1); /* U+009F */
}

Test(utf8, printable_rejects_malformed_input)
{
	cr_assert_eq(printable("\xC0\x80"), -1);
	cr_assert_eq(printable("ok\xED\xA0\x80"), -1);
}
