/* test_gzip: gzip members that inflate back to their bytes, and Accept-Encoding. */
#include <string.h>

#include <criterion/criterion.h>
#include <zlib.h>

#include "lib/accept.h"
#include "lib/gzip.h"

/* Inflates a gzip member into a new strbuf; asserts it is one, whole, with a right CRC. */
static struct strbuf inflate_all(const struct strbuf *gz)
{
	struct strbuf out = STRBUF_INIT;
	z_stream z;
	memset(&z, 0, sizeof(z));
	cr_assert_eq(inflateInit2(&z, MAX_WBITS + 16), Z_OK);
	cr_assert_eq(strbuf_reserve(&out, 1 << 20), 0);
	z.next_in = (Bytef *)gz->data;
	z.avail_in = (uInt)gz->len;
	z.next_out = (Bytef *)out.data;
	z.avail_out = (uInt)out.cap - 1;
	cr_assert_eq(inflate(&z, Z_FINISH), Z_STREAM_END, "not a whole gzip member: %s", z.msg);
	cr_assert_eq(z.avail_in, 0, "bytes after the member");
	out.len = z.total_out;
	out.data[out.len] = '\0';
	inflateEnd(&z);
	return out;
}

Test(gzip, both_levels_inflate_back_to_the_same_bytes_and_kept_is_smaller)
{
	struct strbuf page = STRBUF_INIT, once = STRBUF_INIT, kept = STRBUF_INIT;
	strbuf_append_char(&page, '[');
	for (int i = 0; i < 2000; i++)
		strbuf_appendf(&page,
		               "%s{\"id\":\"c%d\",\"name\":\"Customer %d\",\"crmStatus\":\"LEAD\"}",
		               i ? "," : "", i, i * 7919 % 10007);
	strbuf_append_char(&page, ']');
	cr_assert_eq(gz_compress(page.data, page.len, GZ_LEVEL_ONCE, &once), 0);
	cr_assert_eq(gz_compress(page.data, page.len, GZ_LEVEL_KEPT, &kept), 0);
	cr_assert_lt(kept.len, once.len, "level %d: %zu bytes, level %d: %zu", GZ_LEVEL_KEPT,
	             kept.len, GZ_LEVEL_ONCE, once.len);
	struct strbuf a = inflate_all(&once), b = inflate_all(&kept);
	cr_assert_eq(a.len, page.len);
	cr_assert_eq(memcmp(a.data, page.data, page.len), 0);
	cr_assert_eq(b.len, page.len);
	cr_assert_eq(memcmp(b.data, page.data, page.len), 0);
	strbuf_free(&a);
	strbuf_free(&b);
	strbuf_free(&page);
	strbuf_free(&once);
	strbuf_free(&kept);
}

Test(gzip, an_empty_answer_is_a_valid_member)
{
	struct strbuf gz = STRBUF_INIT;
	strbuf_append_str(&gz, "old bytes");
	cr_assert_eq(gz_compress("", 0, GZ_LEVEL_ONCE, &gz), 0);
	struct strbuf plain = inflate_all(&gz);
	cr_assert_eq(plain.len, 0);
	strbuf_free(&plain);
	strbuf_free(&gz);
}

Test(gzip, a_whole_answer_compresses_and_inflates_back)
{
	const char *body = "{\"id\":\"c1\",\"name\":\"Acme\"}";
	struct strbuf gz = STRBUF_INIT;
	cr_assert_eq(gz_compress(body, strlen(body), GZ_LEVEL_ONCE, &gz), 0);
	struct strbuf plain = inflate_all(&gz);
	cr_assert_str_eq(plain.data, body);
	strbuf_free(&plain);
	strbuf_free(&gz);
}

Test(accept, gzip_is_accepted_when_named_or_starred_with_a_quality_above_zero)
{
	cr_assert(accept_gzip("gzip"));
	cr_assert(accept_gzip("gzip, deflate, br"));
	cr_assert(accept_gzip("deflate, GZIP;q=0.5"));
	cr_assert(accept_gzip("br;q=1.0, gzip ; q=0.001"));
	cr_assert(accept_gzip("x-gzip"));
	cr_assert(accept_gzip("*"));
	cr_assert(accept_gzip("identity, *;q=0.1"));
}

Test(accept, gzip_is_refused_when_absent_zero_or_malformed)
{
	cr_assert_not(accept_gzip(NULL));
	cr_assert_not(accept_gzip(""));
	cr_assert_not(accept_gzip("identity"));
	cr_assert_not(accept_gzip("deflate, br"));
	cr_assert_not(accept_gzip("gzip;q=0"));
	cr_assert_not(accept_gzip("gzip;q=0.000"));
	cr_assert_not(accept_gzip("*, gzip;q=0"));
	cr_assert_not(accept_gzip("*;q=0"));
	cr_assert_not(accept_gzip("gzip;q=2"));
	cr_assert_not(accept_gzip("gzip;level=9"));
	cr_assert_not(accept_gzip("gzipx"));
	cr_assert_not(accept_gzip("compress, xgzip"));
}
