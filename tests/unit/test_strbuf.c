/* test_strbuf: growth, JSON string escaping and the out-of-memory latch. */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/strbuf.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static const char *json_of(struct strbuf *sb, const char *s, size_t len)
{
	strbuf_reset(sb);
	strbuf_append_json_string(sb, s, len);
	return sb->data;
}

Test(strbuf, starts_empty_without_allocating)
{
	struct strbuf sb = STRBUF_INIT;
	cr_assert_null(sb.data);
	cr_assert_eq(sb.len, 0);
	cr_assert_eq(strbuf_failed(&sb), 0);
	strbuf_free(&sb);
}

Test(strbuf, appends_and_stays_nul_terminated)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_append_str(&sb, "abc");
	strbuf_append_char(&sb, '-');
	strbuf_append(&sb, "xyz", 2);
	cr_assert_str_eq(sb.data, "abc-xy");
	cr_assert_eq(sb.len, 6);
	strbuf_free(&sb);
}

Test(strbuf, grows_across_many_appends)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 10000; i++)
		strbuf_append_char(&sb, (char)('a' + i % 26));
	cr_assert_eq(sb.len, 10000);
	cr_assert_eq(strlen(sb.data), 10000);
	cr_assert_eq(sb.data[9999], 'a' + 9999 % 26);
	strbuf_free(&sb);
}

Test(strbuf, appendf_formats_numbers)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_appendf(&sb, "%d/%s/%lld", 42, "x", -7LL);
	cr_assert_str_eq(sb.data, "42/x/-7");
	strbuf_free(&sb);
}

Test(strbuf, appendf_handles_output_longer_than_its_stack_buffer)
{
	struct strbuf sb = STRBUF_INIT;
	char big[1001];
	memset(big, 'q', 1000);
	big[1000] = '\0';
	strbuf_append_str(&sb, "<");
	strbuf_appendf(&sb, "%s>", big);
	cr_assert_eq(sb.len, 1002);
	cr_assert_eq(sb.data[1001], '>');
	cr_assert_eq(sb.data[1002], '\0');
	strbuf_free(&sb);
}

Test(strbuf, json_string_quotes_plain_text)
{
	struct strbuf sb = STRBUF_INIT;
	cr_assert_str_eq(json_of(&sb, "hello", 5), "\"hello\"");
	cr_assert_str_eq(json_of(&sb, "", 0), "\"\"");
	strbuf_free(&sb);
}

Test(strbuf, json_string_escapes_quote_and_backslash)
{
	struct strbuf sb = STRBUF_INIT;
	cr_assert_str_eq(json_of(&sb, "a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	strbuf_free(&sb);
}

Test(strbuf, json_string_uses_short_forms_for_common_controls)
{
	struct strbuf sb = STRBUF_INIT;
	cr_assert_str_eq(json_of(&sb, "\n\t\r\b\f", 5), "\"\\n\\t\\r\\b\\f\"");
	strbuf_free(&sb);
}

Test(strbuf, json_string_escapes_other_controls_as_u00xx)
{
	struct strbuf sb = STRBUF_INIT;
	cr_assert_str_eq(json_of(&sb, "\x01\x1f", 2), "\"\\u0001\\u001f\"");
	strbuf_free(&sb);
}

Test(strbuf, json_string_escapes_embedded_nul)
{
	struct strbuf sb = STRBUF_INIT;
	cr_assert_str_eq(json_of(&sb, "a\0b", 3), "\"a\\u0000b\"");
	strbuf_free(&sb);
}

Test(strbuf, json_string_leaves_utf8_slash_and_delete_alone)
{
	struct strbuf sb = STRBUF_INIT;
	cr_assert_str_eq(json_of(&sb, "\xC3\xA9/\x7F", 4), "\"\xC3\xA9/\x7F\"");
	strbuf_free(&sb);
}

Test(strbuf, truncate_removes_the_last_bytes)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_append_str(&sb, "a,b,");
	strbuf_truncate(&sb, 1);
	cr_assert_str_eq(sb.data, "a,b");
	cr_assert_eq(sb.len, 3);
	strbuf_free(&sb);
}

Test(strbuf, truncate_beyond_length_empties)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_append_str(&sb, "abc");
	strbuf_truncate(&sb, 99);
	cr_assert_eq(sb.len, 0);
	cr_assert_str_eq(sb.data, "");
	strbuf_truncate(&sb, 1);
	cr_assert_eq(sb.len, 0);
	strbuf_free(&sb);
}

Test(strbuf, truncate_of_an_unallocated_buffer_is_harmless)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_truncate(&sb, 5);
	cr_assert_eq(sb.len, 0);
	cr_assert_null(sb.data);
}

Test(strbuf, reset_keeps_the_allocation)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_append_str(&sb, "some content");
	char *before = sb.data;
	size_t cap = sb.cap;
	strbuf_reset(&sb);
	cr_assert_eq(sb.len, 0);
	cr_assert_str_eq(sb.data, "");
	cr_assert_eq(sb.data, before);
	cr_assert_eq(sb.cap, cap);
	strbuf_free(&sb);
}

Test(strbuf, reserve_makes_room_without_changing_content)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_append_str(&sb, "x");
	cr_assert_eq(strbuf_reserve(&sb, 5000), 0);
	cr_assert_geq(sb.cap, 5002);
	cr_assert_str_eq(sb.data, "x");
	strbuf_free(&sb);
}

Test(strbuf, free_is_null_safe_and_reusable)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_free(NULL);
	strbuf_append_str(&sb, "abc");
	strbuf_free(&sb);
	cr_assert_null(sb.data);
	strbuf_free(&sb);
	strbuf_append_str(&sb, "again");
	cr_assert_str_eq(sb.data, "again");
	strbuf_free(&sb);
}

Test(strbuf, impossible_reserve_sets_failed)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_append_str(&sb, "ok");
	cr_assert_eq(strbuf_reserve(&sb, SIZE_MAX - 1), -1);
	cr_assert_eq(strbuf_failed(&sb), 1);
	cr_assert_str_eq(sb.data, "ok");
	strbuf_free(&sb);
}

Test(strbuf, huge_allocation_failure_sets_failed)
{
#ifdef UNDER_ASAN
	cr_skip_test("ASan aborts on an impossible allocation instead of failing it");
#endif
	struct strbuf sb = STRBUF_INIT;
	cr_assert_eq(strbuf_reserve(&sb, SIZE_MAX / 2), -1);
	cr_assert_eq(strbuf_failed(&sb), 1);
	strbuf_free(&sb);
}

Test(strbuf, appends_after_a_failure_are_no_ops)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_append_str(&sb, "kept");
	strbuf_reserve(&sb, SIZE_MAX);
	strbuf_append_str(&sb, "lost");
	strbuf_append_char(&sb, '!');
	strbuf_appendf(&sb, "%d", 1);
	strbuf_append_json_string(&sb, "j", 1);
	cr_assert_eq(sb.len, 4);
	cr_assert_str_eq(sb.data, "kept");
	cr_assert_eq(strbuf_reserve(&sb, 1), -1);
	strbuf_free(&sb);
}

Test(strbuf, reset_clears_the_failure_for_the_next_request)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_reserve(&sb, SIZE_MAX);
	strbuf_reset(&sb);
	cr_assert_eq(strbuf_failed(&sb), 0);
	strbuf_append_str(&sb, "fresh");
	cr_assert_str_eq(sb.data, "fresh");
	strbuf_free(&sb);
}

Test(strbuf, appending_zero_bytes_from_null_is_harmless)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_append(&sb, NULL, 0);
	cr_assert_eq(sb.len, 0);
	cr_assert_eq(strbuf_failed(&sb), 0);
	strbuf_free(&sb);
}

Test(strbuf, reserve_rejects_a_length_overflow)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_append_str(&sb, "abcdef");
	cr_assert_eq(strbuf_reserve(&sb, SIZE_MAX - 6), -1);
	cr_assert_eq(strbuf_reserve(&sb, SIZE_MAX - 7), -1);
	cr_assert_eq(strbuf_failed(&sb), 1);
	strbuf_free(&sb);
}

Test(strbuf, json_string_passes_invalid_utf8_bytes_through)
{
	struct strbuf sb = STRBUF_INIT;
	cr_assert_str_eq(json_of(&sb, "\xFF\xC0", 2), "\"\xFF\xC0\"");
	strbuf_free(&sb);
}

Test(strbuf, json_string_escapes_every_control_byte)
{
	struct strbuf sb = STRBUF_INIT;
	char all[32];
	for (int i = 0; i < 32; i++)
		all[i] = (char)i;
	strbuf_append_json_string(&sb, all, sizeof all);
	for (size_t i = 1; i + 1 < sb.len; i++)
		cr_assert_geq((unsigned char)sb.data[i], 0x20, "raw control at %zu", i);
	cr_assert_eq(sb.len, 2 + 27 * 6 + 5 * 2);
	strbuf_free(&sb);
}

Test(strbuf, appendf_with_empty_output_appends_nothing)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_appendf(&sb, "%s", "");
	cr_assert_eq(sb.len, 0);
	cr_assert_eq(strbuf_failed(&sb), 0);
	strbuf_free(&sb);
}

Test(strbuf, truncate_after_a_failure_keeps_the_buffer_consistent)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_append_str(&sb, "abc");
	strbuf_reserve(&sb, SIZE_MAX);
	strbuf_truncate(&sb, 1);
	cr_assert_str_eq(sb.data, "ab");
	cr_assert_eq(strbuf_failed(&sb), 1);
	strbuf_free(&sb);
}
