/* test_gzip: gzip members assembled from stored fragments, and Accept-Encoding. */
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

static const unsigned char head[GZ_FRAGMENT_HEAD] = "0123456789abcdef";

Test(gzip, a_page_of_fragments_inflates_to_its_plain_bytes)
{
	const char *items[] = {"{\"name\":\"Acme\",\"tags\":[\"a\",\"b\"]}", "{\"name\":\"B\"}",
	                       "{\"name\":\"caf\xc3\xa9\",\"x\":\"" /* repeated: compresses */
	                       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}"};
	struct strbuf frags[3], page = STRBUF_INIT, expect = STRBUF_INIT;
	struct gz_stream g;
	gz_begin(&g, &page);
	gz_append_plain(&g, "[", 1);
	strbuf_append_char(&expect, '[');
	for (int i = 0; i < 3; i++) {
		strbuf_init(&frags[i]);
		cr_assert_eq(gz_fragment(items[i], strlen(items[i]), head, &frags[i]), 0);
		cr_assert_eq(memcmp(frags[i].data, head, GZ_FRAGMENT_HEAD), 0, "the head leads");
		if (i > 0) {
			gz_append_plain(&g, ",", 1);
			strbuf_append_char(&expect, ',');
		}
		cr_assert_eq(gz_append_fragment(&g, frags[i].data, frags[i].len), 0);
		strbuf_append_str(&expect, items[i]);
	}
	gz_append_plain(&g, "]", 1);
	strbuf_append_char(&expect, ']');
	gz_end(&g);
	struct strbuf plain = inflate_all(&page);
	cr_assert_eq(plain.len, expect.len);
	cr_assert_eq(memcmp(plain.data, expect.data, plain.len), 0);
	for (int i = 0; i < 3; i++)
		strbuf_free(&frags[i]);
	strbuf_free(&page);
	strbuf_free(&plain);
	strbuf_free(&expect);
}

Test(gzip, an_empty_page_and_a_large_plain_stretch_are_valid)
{
	struct strbuf page = STRBUF_INIT, big = STRBUF_INIT;
	for (int i = 0; i < 70000; i++)
		strbuf_append_char(&big, (char)('a' + i % 26));
	struct gz_stream g;
	gz_begin(&g, &page);
	gz_append_plain(&g, big.data, big.len); /* more than one stored block */
	gz_end(&g);
	struct strbuf plain = inflate_all(&page);
	cr_assert_eq(plain.len, big.len);
	cr_assert_eq(memcmp(plain.data, big.data, big.len), 0);
	strbuf_free(&plain);
	strbuf_reset(&page);
	gz_begin(&g, &page);
	gz_append_plain(&g, "[]", 2);
	gz_end(&g);
	plain = inflate_all(&page);
	cr_assert_str_eq(plain.data, "[]");
	strbuf_free(&plain);
	strbuf_free(&page);
	strbuf_free(&big);
}

Test(gzip, fragment_meta_says_crc_and_length_and_refuses_a_short_one)
{
	struct strbuf f = STRBUF_INIT;
	cr_assert_eq(gz_fragment("hello", 5, head, &f), 0);
	uint32_t crc = 0, len = 0;
	cr_assert_eq(gz_fragment_meta(f.data, f.len, &crc, &len), 0);
	cr_assert_eq(len, 5);
	cr_assert_eq(crc, (uint32_t)crc32(0L, (const Bytef *)"hello", 5));
	cr_assert_eq(gz_fragment_meta(f.data, GZ_FRAGMENT_META - 1, &crc, &len), -1);
	strbuf_free(&f);
}

Test(gzip, a_whole_answer_compresses_and_inflates_back)
{
	const char *body = "{\"id\":\"c1\",\"name\":\"Acme\"}";
	struct strbuf gz = STRBUF_INIT;
	cr_assert_eq(gz_compress(body, strlen(body), &gz), 0);
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
