/* test_etag: the body's tag and the If-Match / If-None-Match lists it is compared with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "lib/etag.h"

#define TAG "\"RfsCVOwPDOHHxs5jed_orw\"" /* the tag of {"id":"c1"} */

static enum etag_list match(const char *hdr, enum etag_cmp cmp)
{
	return etag_list_match(hdr, strlen(hdr), TAG, cmp);
}

Test(etag, is_quoted_base64url_of_128_bits_of_sha256)
{
	char tag[ETAG_SIZE];
	cr_assert_eq(etag_of("", 0, tag), 0);
	cr_assert_str_eq(tag, "\"47DEQpj8HBSa-_TImW-5JA\"");
	cr_assert_eq(etag_of("{\"id\":\"c1\"}", 11, tag), 0);
	cr_assert_str_eq(tag, TAG);
	cr_assert_eq(strlen(tag), ETAG_SIZE - 1);
}

Test(etag, differs_when_one_byte_differs)
{
	char a[ETAG_SIZE], b[ETAG_SIZE];
	etag_of("{\"id\":\"c1\"}", 11, a);
	etag_of("{\"id\":\"c2\"}", 11, b);
	cr_assert_str_neq(a, b);
	etag_of("{\"id\":\"c1\"} ", 12, b);
	cr_assert_str_neq(a, b);
}

Test(etag, list_naming_the_tag_matches)
{
	cr_assert_eq(match(TAG, ETAG_STRONG), ETAG_LIST_MATCH);
	cr_assert_eq(match(TAG, ETAG_WEAK), ETAG_LIST_MATCH);
	cr_assert_eq(match("\"a\", " TAG, ETAG_STRONG), ETAG_LIST_MATCH);
	cr_assert_eq(match("\"a\"," TAG ",\"b\"", ETAG_STRONG), ETAG_LIST_MATCH);
	cr_assert_eq(match(" \t" TAG " \t", ETAG_STRONG), ETAG_LIST_MATCH);
	cr_assert_eq(match(", ," TAG ",,", ETAG_STRONG), ETAG_LIST_MATCH);
}

Test(etag, star_matches_alone)
{
	cr_assert_eq(match("*", ETAG_STRONG), ETAG_LIST_MATCH);
	cr_assert_eq(match(" * ", ETAG_WEAK), ETAG_LIST_MATCH);
}

Test(etag, weak_form_matches_only_under_weak_comparison)
{
	cr_assert_eq(match("W/" TAG, ETAG_WEAK), ETAG_LIST_MATCH);
	cr_assert_eq(match("W/" TAG, ETAG_STRONG), ETAG_LIST_NO_MATCH);
	cr_assert_eq(match("\"x\", W/" TAG, ETAG_STRONG), ETAG_LIST_NO_MATCH);
}

Test(etag, other_tags_do_not_match)
{
	cr_assert_eq(match("\"a\"", ETAG_STRONG), ETAG_LIST_NO_MATCH);
	cr_assert_eq(match("\"\"", ETAG_WEAK), ETAG_LIST_NO_MATCH);
	cr_assert_eq(match("\"RfsCVOwPDOHHxs5jed_or\"", ETAG_STRONG), ETAG_LIST_NO_MATCH);
	cr_assert_eq(match("\"RfsCVOwPDOHHxs5jed_orww\"", ETAG_STRONG), ETAG_LIST_NO_MATCH);
	cr_assert_eq(match("\"rfscvowpdohhxs5jed_orw\"", ETAG_STRONG), ETAG_LIST_NO_MATCH);
}

Test(etag, refuses_unquoted_tags)
{
	cr_assert_eq(match("RfsCVOwPDOHHxs5jed_orw", ETAG_STRONG), ETAG_LIST_MALFORMED);
	cr_assert_eq(match("W/RfsCVOwPDOHHxs5jed_orw", ETAG_WEAK), ETAG_LIST_MALFORMED);
}

Test(etag, refuses_an_unterminated_quote)
{
	cr_assert_eq(match("\"RfsCVOwPDOHHxs5jed_orw", ETAG_STRONG), ETAG_LIST_MALFORMED);
	cr_assert_eq(match(TAG ", \"a", ETAG_STRONG), ETAG_LIST_MALFORMED);
}

Test(etag, refuses_a_malformed_list_even_when_it_names_the_tag)
{
	cr_assert_eq(match(TAG " \"a\"", ETAG_STRONG), ETAG_LIST_MALFORMED);
	cr_assert_eq(match(TAG "x", ETAG_STRONG), ETAG_LIST_MALFORMED);
	cr_assert_eq(match(TAG ";", ETAG_STRONG), ETAG_LIST_MALFORMED);
}

Test(etag, refuses_lowercase_weak_prefix)
{
	cr_assert_eq(match("w/" TAG, ETAG_WEAK), ETAG_LIST_MALFORMED);
	cr_assert_eq(match("W " TAG, ETAG_WEAK), ETAG_LIST_MALFORMED);
}

Test(etag, refuses_star_in_a_list)
{
	cr_assert_eq(match("*, " TAG, ETAG_STRONG), ETAG_LIST_MALFORMED);
	cr_assert_eq(match(TAG ", *", ETAG_STRONG), ETAG_LIST_MALFORMED);
	cr_assert_eq(match("**", ETAG_STRONG), ETAG_LIST_MALFORMED);
}

Test(etag, refuses_an_empty_list)
{
	cr_assert_eq(match("", ETAG_STRONG), ETAG_LIST_MALFORMED);
	cr_assert_eq(match("  ", ETAG_WEAK), ETAG_LIST_MALFORMED);
	cr_assert_eq(match(" , ,", ETAG_STRONG), ETAG_LIST_MALFORMED);
}

Test(etag, refuses_quotes_spaces_and_controls_inside_a_tag)
{
	cr_assert_eq(match("\"a b\"", ETAG_STRONG), ETAG_LIST_MALFORMED);
	cr_assert_eq(match("\"a\tb\"", ETAG_STRONG), ETAG_LIST_MALFORMED);
	cr_assert_eq(match("\"a\x7f\"", ETAG_STRONG), ETAG_LIST_MALFORMED);
	static const char nul[] = "\"a\0\"";
	cr_assert_eq(etag_list_match(nul, sizeof(nul) - 1, TAG, ETAG_STRONG), ETAG_LIST_MALFORMED);
}

Test(etag, accepts_obs_text_inside_a_tag)
{
	cr_assert_eq(match("\"\xc3\xa9\"", ETAG_STRONG), ETAG_LIST_NO_MATCH);
}

Test(etag, reads_only_the_bytes_given)
{
	/* the tag cut short by len: the closing quote is outside */
	cr_assert_eq(etag_list_match(TAG, strlen(TAG) - 1, TAG, ETAG_STRONG), ETAG_LIST_MALFORMED);
}

/* Not asserted: what a tag costs for a 5 KB customer and a 400 KB list page. */
Test(etag, prints_its_cost_per_body)
{
	static const size_t sizes[] = {5 * 1024, 400 * 1024};
	for (size_t s = 0; s < 2; s++) {
		char *body = malloc(sizes[s]);
		cr_assert_not_null(body);
		for (size_t i = 0; i < sizes[s]; i++)
			body[i] = (char)('a' + i % 26);
		int rounds = s == 0 ? 20000 : 200;
		char tag[ETAG_SIZE];
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int r = 0; r < rounds; r++) {
			body[0] = (char)r;
			etag_of(body, sizes[s], tag);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double us = ((double)(t1.tv_sec - t0.tv_sec) * 1e6 +
		             (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) /
		            rounds;
		fprintf(stderr, "etag: %zu KB body: %.1f us per tag\n", sizes[s] / 1024, us);
		free(body);
	}
}
