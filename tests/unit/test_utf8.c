/* test_utf8: strict UTF-8 validation, counting, character classes, NFC and case folding. */
#include <stdlib.h>
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

/* ---- classes, blank and trimming ------------------------------------------- */

Test(utf8, refusing_counts_when_no_class_is_refused)
{
	cr_assert_eq(utf8_count_refusing("a b\xC2\xA0"
	                                 "c",
	                                 6, UTF8_TAG_REFUSED),
	             5);
	cr_assert_eq(utf8_count_refusing("", 0, UTF8_ALL_CLASSES), 0);
}

Test(utf8, refusing_names_each_class)
{
	cr_assert_eq(utf8_count_refusing("a\tb", 3, UTF8_CONTROL), -1);
	cr_assert_eq(utf8_count_refusing("a\xE2\x80\x8B", 4, UTF8_FORMAT), -1);
	cr_assert_eq(utf8_count_refusing("a\xE2\x80\xA8", 4, UTF8_SEPARATOR), -1);
	cr_assert_eq(utf8_count_refusing("a b", 3, UTF8_SPACE), -1);
	cr_assert_eq(utf8_count_refusing("\xEE\x80\x80", 3, UTF8_PRIVATE), -1);
	cr_assert_eq(utf8_count_refusing("\xCD\xB8", 2, UTF8_UNASSIGNED), -1);
	cr_assert_eq(utf8_count_refusing("a\tb", 3, UTF8_FORMAT), 3, "only the refused classes");
}

Test(utf8, blank_is_white_space_only)
{
	cr_assert(utf8_is_blank("", 0));
	cr_assert(utf8_is_blank(" \t\xC2\xA0\xE3\x80\x80", 7));
	cr_assert_not(utf8_is_blank(" x ", 3));
	cr_assert_not(utf8_is_blank("\xFF", 1));
}

Test(utf8, trim_space_drops_unicode_white_space_at_both_ends_only)
{
	static const char s[] = "\xC2\xA0\xE3\x80\x80 a b\xE2\x80\xA8";
	size_t start = 0, end = sizeof(s) - 1;
	utf8_trim_space(s, &start, &end);
	cr_assert_eq(start, 6);
	cr_assert_eq(end, 9);
}

/* ---- NFC and case folding ----------------------------------------------------- */

Test(utf8, nfc_composes_decomposed_text)
{
	size_t n = 0;
	char *s = utf8_nfc("cafe\xCC\x81", 6, &n);
	cr_assert_not_null(s);
	cr_assert_str_eq(s, "caf\xC3\xA9");
	cr_assert_eq(n, 5);
	free(s);
	s = utf8_nfc("", 0, &n);
	cr_assert_not_null(s);
	cr_assert_eq(n, 0);
	free(s);
}

Test(utf8, nfc_refuses_malformed_input)
{
	size_t n = 0;
	cr_assert_null(utf8_nfc("\xC0\xAF", 2, &n));
	cr_assert_null(utf8_fold("\xED\xA0\x80", 3, &n));
}

static int fold_eq(const char *a, const char *b)
{
	return utf8_fold_equal(a, strlen(a), b, strlen(b));
}

Test(utf8, fold_equates_cases_in_every_script)
{
	cr_assert_eq(fold_eq("Beta", "bETA"), 1);
	cr_assert_eq(fold_eq("\xD0\x9A\xD0\xBB\xD0\xB8\xD0\xB5\xD0\xBD\xD1\x82",
	                     "\xD0\x9A\xD0\x9B\xD0\x98\xD0\x95\xD0\x9D\xD0\xA2"),
	             1); /* Клиент, КЛИЕНТ */
	cr_assert_eq(fold_eq("\xCE\x91\xCE\xB8\xCE\xAE\xCE\xBD\xCE\xB1",
	                     "\xCE\xB1\xCE\xB8\xCE\xAE\xCE\xBD\xCE\xB1"),
	             1); /* Αθήνα, αθήνα */
	cr_assert_eq(fold_eq("\xC5\x81\xC3\xB3\x64\xC5\xBA", "\xC5\x82\xC3\xB3\x64\xC5\xBA"),
	             1); /* Łódź, łódź */
	cr_assert_eq(fold_eq("\xEF\xBC\xA1\xEF\xBC\xA2", "\xEF\xBD\x81\xEF\xBD\x82"),
	             1); /* ＡＢ, ａｂ */
	cr_assert_eq(fold_eq("\xC3\x9C"
	                     "mlaut",
	                     "\xC3\xBC"
	                     "mLAUT"),
	             1);
}

Test(utf8, fold_is_full_case_folding)
{
	cr_assert_eq(fold_eq("stra\xC3\x9F"
	                     "e",
	                     "STRASSE"),
	             1); /* ß = SS */
	cr_assert_eq(fold_eq("\xC3\x9F", "ss"), 1);
	cr_assert_eq(fold_eq("\xE1\xBA\x9E", "ss"), 1);   /* ẞ */
	cr_assert_eq(fold_eq("\xCF\x82", "\xCE\xA3"), 1); /* final sigma, Σ */
}

Test(utf8, fold_equates_canonically_equivalent_text)
{
	cr_assert_eq(fold_eq("cafe\xCC\x81", "caf\xC3\xA9"), 1);
	cr_assert_eq(fold_eq("CAFE\xCC\x81", "caf\xC3\xA9"), 1);
	cr_assert_eq(fold_eq("\xE2\x84\xAB", "\xC3\xA5"), 1); /* Angstrom sign, å */
}

Test(utf8, fold_keeps_different_text_apart)
{
	cr_assert_eq(fold_eq("a", "ab"), 0);
	cr_assert_eq(fold_eq("\xC3\x97", "\xC3\xB7"), 0);           /* ×, ÷ */
	cr_assert_eq(fold_eq("AB", "\xEF\xBC\xA1\xEF\xBC\xA2"), 0); /* no NFKC: AB, ＡＢ */
	cr_assert_eq(fold_eq("legacy", "legacy\xE2\x80\x8B"), 0);   /* ZWSP is not nothing */
	cr_assert_eq(fold_eq("e", "\xC3\xA9"), 0);                  /* no accent stripping */
	cr_assert_eq(utf8_fold_equal("a", 1, "\xFF", 1), -1);
}

Test(utf8, encode_writes_every_scalar_value_as_decode_reads_it)
{
	unsigned char buf[4];
	for (unsigned long cp = 0; cp <= 0x10FFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		size_t n = utf8_encode(cp, buf);
		unsigned long back = 0;
		cr_assert_eq(n,
		             cp < 0x80      ? 1u
		             : cp < 0x800   ? 2u
		             : cp < 0x10000 ? 3u
		                            : 4u,
		             "U+%lX", cp);
		cr_assert_eq(utf8_decode(buf, n, &back), n, "U+%lX", cp);
		cr_assert_eq(back, cp, "U+%lX", cp);
	}
}
