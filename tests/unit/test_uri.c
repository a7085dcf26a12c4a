/* test_uri: splitting and decoding the raw request URI. */
#include <string.h>

#include <criterion/criterion.h>

#include "fcgi/fcgi.h"

static struct uri u;
static int ok;

static enum fcgi_err parse(const char *raw)
{
	uri_free(&u);
	return uri_parse(raw, strlen(raw), "/api/v1", &u, &ok);
}

static void teardown(void)
{
	uri_free(&u);
}

TestSuite(uri, .fini = teardown);

Test(uri, splits_path_below_prefix)
{
	cr_assert_eq(parse("/api/v1/crm/customers/my"), FCGI_OK);
	cr_assert(ok);
	cr_assert_eq(u.nseg, 3);
	cr_assert_str_eq(u.seg[2].str, "my");
}

Test(uri, decodes_each_segment_after_splitting)
{
	cr_assert_eq(parse("/api/v1/crm/customers/x/tags/a%2Fb"), FCGI_OK);
	cr_assert_eq(u.nseg, 5);
	cr_assert_str_eq(u.seg[4].str, "a/b");
}

Test(uri, keeps_plus_in_path_segments)
{
	cr_assert_eq(parse("/api/v1/a+b"), FCGI_OK);
	cr_assert_str_eq(u.seg[0].str, "a+b");
}

Test(uri, decodes_query_values_with_plus_as_space)
{
	cr_assert_eq(parse("/api/v1/x?limit=5&cursor=a+b%21"), FCGI_OK);
	cr_assert_eq(u.nparam, 2);
	cr_assert_str_eq(u.param[0].name, "limit");
	cr_assert_str_eq(u.param[1].value, "a b!");
}

Test(uri, keeps_nul_bytes_with_their_length)
{
	cr_assert_eq(parse("/api/v1/ab%00c"), FCGI_OK);
	cr_assert_eq(u.seg[0].len, 4);
}

Test(uri, reports_a_path_outside_the_prefix)
{
	cr_assert_eq(parse("/api/v2/crm"), FCGI_OK);
	cr_assert_not(ok);
	cr_assert_eq(parse("/api/v1"), FCGI_OK);
	cr_assert_not(ok);
	cr_assert_eq(parse("/api/v1x/crm"), FCGI_OK);
	cr_assert_not(ok);
}

Test(uri, rejects_a_bad_escape_in_the_path)
{
	cr_assert_eq(parse("/api/v1/crm/%zz"), FCGI_ERR_BAD_ESCAPE);
	cr_assert_eq(parse("/api/v1/crm/%4"), FCGI_ERR_BAD_ESCAPE);
}

Test(uri, rejects_a_bad_escape_in_the_query)
{
	cr_assert_eq(parse("/api/v1/crm?limit=%G1"), FCGI_ERR_BAD_ESCAPE);
}

Test(uri, rejects_a_repeated_parameter)
{
	cr_assert_eq(parse("/api/v1/crm?limit=1&limit=2"), FCGI_ERR_DUPLICATE);
}

Test(uri, rejects_a_parameter_without_value)
{
	cr_assert_eq(parse("/api/v1/crm?limit="), FCGI_ERR_EMPTY);
	cr_assert_eq(parse("/api/v1/crm?limit"), FCGI_ERR_EMPTY);
	cr_assert_eq(parse("/api/v1/crm?=5"), FCGI_ERR_EMPTY);
}

Test(uri, tolerates_empty_pieces_between_ampersands)
{
	cr_assert_eq(parse("/api/v1/crm?&limit=1&&"), FCGI_OK);
	cr_assert_eq(u.nparam, 1);
}

Test(uri, rejects_too_many_segments)
{
	char raw[256] = "/api/v1";
	for (int i = 0; i < URI_MAX_SEGMENTS + 1; i++)
		strcat(raw, "/a");
	cr_assert_eq(parse(raw), FCGI_ERR_TOO_MANY);
}

Test(uri, rejects_an_overlong_uri)
{
	static char raw[URI_MAX_LEN + 20];
	memset(raw, 'a', sizeof(raw) - 1);
	memcpy(raw, "/api/v1/", 8);
	cr_assert_eq(parse(raw), FCGI_ERR_TOO_LONG);
}
