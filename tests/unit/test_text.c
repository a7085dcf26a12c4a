/* test_text: the tag rule and the single-line text rule of lib/utf8.h, case by case from the attack report. */
#include <string.h>

#include <criterion/criterion.h>

#include "lib/limits.h"
#include "lib/utf8.h"

static char out[UTF8_TAG_BUF];

/* The tag rule on a NUL-terminated input; the normalised tag lands in out. */
static enum utf8_text_err tag(const char *in)
{
	size_t n = 0;
	memset(out, 0, sizeof(out));
	enum utf8_text_err e = utf8_tag_normalize(in, strlen(in), out, sizeof(out), &n);
	if (e == UTF8_TEXT_OK)
		cr_assert_eq(n, strlen(out), "out_len %zu for \"%s\"", n, out);
	return e;
}

static void assert_tag(const char *in, const char *want)
{
	enum utf8_text_err e = tag(in);
	cr_assert_eq(e, UTF8_TEXT_OK, "\"%s\" refused: %s", in, utf8_text_strerror(e));
	cr_assert_str_eq(out, want);
}

static void assert_tag_refused(const char *in, enum utf8_text_err want, const char *what)
{
	enum utf8_text_err e = tag(in);
	cr_assert_eq(e, want, "%s: expected \"%s\", got \"%s\"", what, utf8_text_strerror(want),
	             utf8_text_strerror(e));
	cr_assert_eq(out[0], '\0', "%s: out must stay untouched", what);
}

static enum utf8_text_err line(const char *s)
{
	return utf8_line_check(s, strlen(s), UTF8_LINE_CHARS_MAX);
}

static char *repeat(const char *unit, size_t times)
{
	size_t n = strlen(unit);
	char *s = malloc(n * times + 1);
	cr_assert_not_null(s);
	for (size_t i = 0; i < times; i++)
		memcpy(s + i * n, unit, n);
	s[n * times] = '\0';
	return s;
}

TestSuite(text);

/* ---- tags: what is accepted and how it is stored ------------------------- */

Test(text, tag_keeps_letters_of_every_script_as_given)
{
	assert_tag("vip", "vip");
	assert_tag("\xD0\x9A\xD0\xBB\xD0\xB8\xD0\xB5\xD0\xBD\xD1\x82", /* Клиент */
	           "\xD0\x9A\xD0\xBB\xD0\xB8\xD0\xB5\xD0\xBD\xD1\x82");
	assert_tag("\xC5\x81\xC3\xB3\x64\xC5\xBA", "\xC5\x81\xC3\xB3\x64\xC5\xBA"); /* Łódź */
	assert_tag("\xEF\xBC\xA1\xEF\xBC\xA2", "\xEF\xBC\xA1\xEF\xBC\xA2");         /* ＡＢ */
	assert_tag("big deal", "big deal");
	assert_tag("a/b", "a/b");
	assert_tag("\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"); /* 😀 */
}

Test(text, tag_decomposed_input_is_stored_in_nfc)
{
	assert_tag("cafe\xCC\x81", "caf\xC3\xA9");                          /* e + U+0301 -> é */
	assert_tag("A\xCC\x8A", "\xC3\x85");                                /* A + ring -> Å */
	assert_tag("\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB", "\xED\x95\x9C"); /* jamo -> 한 */
	assert_tag("\xE2\x84\xAB", "\xC3\x85"); /* U+212B ANGSTROM SIGN is Å in NFC */
}

Test(text, tag_trims_unicode_white_space_at_both_ends)
{
	assert_tag("  vip\t", "vip");
	assert_tag("\xC2\xA0vip\xC2\xA0", "vip");         /* NBSP */
	assert_tag("\xE3\x80\x80vip\xE3\x80\x80", "vip"); /* ideographic space */
	assert_tag("\xE2\x80\x83vip\xE2\x80\xAF", "vip"); /* em space, narrow NBSP */
	assert_tag("\xE2\x80\xA8vip\xE2\x80\xA9", "vip"); /* U+2028, U+2029 at the ends */
	assert_tag("\r\nvip\n", "vip");                   /* CR LF at the ends */
	assert_tag("\xC2\x85vip", "vip");                 /* NEL */
	assert_tag("big\xC2\xA0"
	           "deal",
	           "big\xC2\xA0"
	           "deal"); /* a space inside stays */
}

Test(text, tag_counts_50_characters_after_nfc_and_trimming)
{
	/* twice as many code points, LIMIT_TAG_CHARS in NFC */
	char *longest = repeat("e\xCC\x81", LIMIT_TAG_CHARS);
	char *want = repeat("\xC3\xA9", LIMIT_TAG_CHARS);
	assert_tag(longest, want);
	free(longest);
	free(want);
	/* white space around does not count, however much of it */
	char *spaced = repeat(" ", 300);
	memset(spaced + 100, 'x', LIMIT_TAG_CHARS);
	char *xs = repeat("x", LIMIT_TAG_CHARS);
	assert_tag(spaced, xs);
	free(xs);
	free(spaced);
}

Test(text, tag_of_50_four_byte_characters_fits_the_buffer)
{
	char *s = repeat("\xF0\x9F\x98\x80", LIMIT_TAG_CHARS);
	assert_tag(s, s);
	cr_assert_eq(strlen(out), UTF8_TAG_BUF - 1);
	free(s);
}

/* ---- tags: what is refused ------------------------------------------------- */

Test(text, tag_refuses_51_characters_counted_after_nfc)
{
	char *s = repeat("e\xCC\x81", LIMIT_TAG_CHARS + 1);
	assert_tag_refused(s, UTF8_TEXT_TOO_LONG, "one decomposed é too many");
	free(s);
	s = repeat("x", LIMIT_TAG_CHARS + 1);
	assert_tag_refused(s, UTF8_TEXT_TOO_LONG, "one x too many");
	free(s);
	s = repeat("\xD0\xAF", LIMIT_TAG_CHARS + 1);
	assert_tag_refused(s, UTF8_TEXT_TOO_LONG, "one Cyrillic letter too many");
	free(s);
}

Test(text, tag_refuses_empty_and_only_white_space)
{
	assert_tag_refused("", UTF8_TEXT_BLANK, "empty");
	assert_tag_refused("   ", UTF8_TEXT_BLANK, "spaces");
	assert_tag_refused("\xC2\xA0", UTF8_TEXT_BLANK, "NBSP alone");
	assert_tag_refused("\xE3\x80\x80\xE3\x80\x80", UTF8_TEXT_BLANK, "ideographic spaces");
	assert_tag_refused("\xE2\x80\xA8", UTF8_TEXT_BLANK, "U+2028 alone");
}

Test(text, tag_refuses_zero_width_characters)
{
	assert_tag_refused("\xE2\x80\x8B", UTF8_TEXT_FORMAT, "U+200B alone");
	assert_tag_refused("legacy\xE2\x80\x8B", UTF8_TEXT_FORMAT, "legacy + U+200B");
	assert_tag_refused("\xE2\x80\x8Blegacy", UTF8_TEXT_FORMAT, "U+200B + legacy");
	assert_tag_refused("le\xE2\x80\x8C"
	                   "gacy",
	                   UTF8_TEXT_FORMAT, "ZWNJ inside");
	assert_tag_refused("le\xE2\x80\x8D"
	                   "gacy",
	                   UTF8_TEXT_FORMAT, "ZWJ inside");
	assert_tag_refused("le\xE2\x81\xA0"
	                   "gacy",
	                   UTF8_TEXT_FORMAT, "word joiner");
	assert_tag_refused("\xC2\xAD"
	                   "vip",
	                   UTF8_TEXT_FORMAT, "soft hyphen");
}

Test(text, tag_refuses_bidi_overrides_and_isolates)
{
	assert_tag_refused("\xE2\x80\xAE"
	                   "piv",
	                   UTF8_TEXT_FORMAT, "U+202E RLO");
	assert_tag_refused("a\xE2\x80\xAA"
	                   "b",
	                   UTF8_TEXT_FORMAT, "U+202A LRE");
	assert_tag_refused("a\xE2\x81\xA6"
	                   "b",
	                   UTF8_TEXT_FORMAT, "U+2066 LRI");
	assert_tag_refused("a\xE2\x80\x8F", UTF8_TEXT_FORMAT, "U+200F RLM");
	assert_tag_refused("\xD8\x9C"
	                   "a",
	                   UTF8_TEXT_FORMAT, "U+061C ALM");
}

Test(text, tag_refuses_a_byte_order_mark)
{
	assert_tag_refused("\xEF\xBB\xBF"
	                   "vip",
	                   UTF8_TEXT_FORMAT, "BOM first");
	assert_tag_refused("vip\xEF\xBB\xBF", UTF8_TEXT_FORMAT, "BOM last");
}

Test(text, tag_refuses_unicode_tag_characters)
{
	assert_tag_refused("vip\xF3\xA0\x80\x81", UTF8_TEXT_FORMAT, "U+E0001 LANGUAGE TAG");
	assert_tag_refused("vip\xF3\xA0\x80\xA0", UTF8_TEXT_FORMAT, "U+E0020 TAG SPACE");
	assert_tag_refused("vip\xF3\xA0\x81\xA1", UTF8_TEXT_FORMAT, "U+E0061 TAG a");
	assert_tag_refused("vip\xF3\xA0\x81\xBF", UTF8_TEXT_FORMAT, "U+E007F CANCEL TAG");
}

Test(text, tag_refuses_line_and_paragraph_separators_inside)
{
	assert_tag_refused("a\xE2\x80\xA8"
	                   "b",
	                   UTF8_TEXT_SEPARATOR, "U+2028 inside");
	assert_tag_refused("a\xE2\x80\xA9"
	                   "b",
	                   UTF8_TEXT_SEPARATOR, "U+2029 inside");
}

Test(text, tag_refuses_control_characters_inside)
{
	assert_tag_refused("a\tb", UTF8_TEXT_CONTROL, "tab inside");
	assert_tag_refused("a\nb", UTF8_TEXT_CONTROL, "LF inside");
	assert_tag_refused("\x1B[31mred", UTF8_TEXT_CONTROL, "ESC");
	assert_tag_refused("a\x7F", UTF8_TEXT_CONTROL, "DEL");
	assert_tag_refused("a\xC2\x9B"
	                   "b",
	                   UTF8_TEXT_CONTROL, "C1 CSI");
	size_t n;
	cr_assert_eq(utf8_tag_normalize("a\0b", 3, out, sizeof(out), &n), UTF8_TEXT_CONTROL);
}

Test(text, tag_refuses_private_use_and_unassigned_code_points)
{
	assert_tag_refused("\xEE\x80\x80", UTF8_TEXT_PRIVATE, "U+E000");
	assert_tag_refused("a\xF3\xB0\x80\x80", UTF8_TEXT_PRIVATE, "U+F0000");
	assert_tag_refused("a\xEF\xBF\xBF", UTF8_TEXT_UNASSIGNED, "U+FFFF noncharacter");
	assert_tag_refused("a\xCD\xB8", UTF8_TEXT_UNASSIGNED, "U+0378 unassigned");
}

Test(text, tag_refuses_malformed_utf8)
{
	assert_tag_refused("\xFF", UTF8_TEXT_MALFORMED, "0xFF");
	assert_tag_refused("a\xC3", UTF8_TEXT_MALFORMED, "truncated");
	assert_tag_refused("\xC0\xAF", UTF8_TEXT_MALFORMED, "overlong /");
	assert_tag_refused("\xED\xA0\x80", UTF8_TEXT_MALFORMED, "surrogate");
}

Test(text, tag_reads_only_len_bytes_and_a_short_buffer_is_too_long)
{
	size_t n = 0;
	char small[4];
	cr_assert_eq(utf8_tag_normalize("vip!", 3, out, sizeof(out), &n), UTF8_TEXT_OK);
	cr_assert_str_eq(out, "vip");
	cr_assert_eq(utf8_tag_normalize("vip!", 4, small, sizeof(small), &n), UTF8_TEXT_TOO_LONG);
}

/* ---- single-line text (nextAction, a customer's name) ------------------------ */

Test(text, line_accepts_text_of_every_script_with_spaces_and_joiners)
{
	cr_assert_eq(line("Call back"), UTF8_TEXT_OK);
	cr_assert_eq(line("Перезвонить клиенту"), UTF8_TEXT_OK);
	cr_assert_eq(line("\xD9\x85\xDB\x8C\xE2\x80\x8C\xD8\xAE\xD9\x88\xD8\xA7\xD9\x87\xD9\x85"),
	             UTF8_TEXT_OK); /* Persian with ZWNJ */
	cr_assert_eq(line("\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB"), UTF8_TEXT_OK); /* ZWJ */
	cr_assert_eq(line("  padded  "), UTF8_TEXT_OK);
	cr_assert_eq(line("x"), UTF8_TEXT_OK);
}

Test(text, line_counts_500_characters_not_bytes)
{
	char *s = repeat("\xC3\xA9", LIMIT_TEXT_CHARS);
	cr_assert_eq(line(s), UTF8_TEXT_OK);
	free(s);
	s = repeat("\xC3\xA9", LIMIT_TEXT_CHARS + 1);
	cr_assert_eq(line(s), UTF8_TEXT_TOO_LONG);
	cr_assert_eq(utf8_line_check(s, strlen(s), 0), UTF8_TEXT_OK, "0 means no limit");
	free(s);
}

Test(text, line_refuses_ansi_escapes)
{
	cr_assert_eq(line("\x1B[2J\x1B[31mPAY NOW"), UTF8_TEXT_CONTROL);
	cr_assert_eq(line("Call\x1B]8;;http://evil\x07here"), UTF8_TEXT_CONTROL);
	cr_assert_eq(line("a\xC2\x9B"
	                  "31m"),
	             UTF8_TEXT_CONTROL); /* C1 CSI */
}

Test(text, line_refuses_cr_lf_tab_nul_and_del)
{
	cr_assert_eq(line("Call\r\nInjected: yes"), UTF8_TEXT_CONTROL);
	cr_assert_eq(line("Call\n"), UTF8_TEXT_CONTROL);
	cr_assert_eq(line("Call\r"), UTF8_TEXT_CONTROL);
	cr_assert_eq(line("a\tb"), UTF8_TEXT_CONTROL);
	cr_assert_eq(line("a\x7F"), UTF8_TEXT_CONTROL);
	cr_assert_eq(line("a\xC2\x85"
	                  "b"),
	             UTF8_TEXT_CONTROL); /* NEL */
	cr_assert_eq(utf8_line_check("a\0b", 3, UTF8_LINE_CHARS_MAX), UTF8_TEXT_CONTROL);
}

Test(text, line_refuses_line_and_paragraph_separators)
{
	cr_assert_eq(line("Call\xE2\x80\xA8"
	                  "back"),
	             UTF8_TEXT_SEPARATOR);
	cr_assert_eq(line("Call\xE2\x80\xA9"), UTF8_TEXT_SEPARATOR);
}

Test(text, line_refuses_empty_and_blank_text)
{
	cr_assert_eq(line(""), UTF8_TEXT_BLANK);
	cr_assert_eq(line(" "), UTF8_TEXT_BLANK);
	cr_assert_eq(line("\xC2\xA0\xE3\x80\x80"), UTF8_TEXT_BLANK);       /* NBSP, ideographic */
	cr_assert_eq(line("\xE2\x80\x8B"), UTF8_TEXT_BLANK);               /* ZWSP alone */
	cr_assert_eq(line(" \xEF\xBB\xBF \xE2\x80\xAE"), UTF8_TEXT_BLANK); /* BOM, RLO */
}

Test(text, line_refuses_malformed_utf8)
{
	cr_assert_eq(line("Call \xFF"), UTF8_TEXT_MALFORMED);
	cr_assert_eq(line("\xED\xA0\x80"), UTF8_TEXT_MALFORMED);
}

Test(text, every_error_has_a_phrase)
{
	for (int e = 0; e < UTF8_TEXT__MAX; e++)
		cr_assert(utf8_text_strerror((enum utf8_text_err)e)[0] != '\0', "error %d", e);
	cr_assert_str_eq(utf8_text_strerror(UTF8_TEXT__MAX), "is not valid");
}
