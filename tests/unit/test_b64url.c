/* test_b64url: base64url without padding, with strict decoding. */
#include <string.h>

#include <criterion/criterion.h>

#include "lib/b64url.h"

static long decode(const char *s, unsigned char *out)
{
	return b64url_decode(s, strlen(s), out);
}

Test(b64url, encodes_the_rfc4648_vectors_without_padding)
{
	static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const want[] = {"",       "Zg",      "Zm8",     "Zm9v",
	                                   "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
	for (size_t i = 0; i < 7; i++) {
		char out[B64URL_ENCODED_SIZE(6)];
		cr_assert_eq(b64url_encode(in[i], strlen(in[i]), out), strlen(want[i]));
		cr_assert_str_eq(out, want[i]);
	}
}

Test(b64url, uses_minus_and_underscore)
{
	char out[B64URL_ENCODED_SIZE(3)];
	b64url_encode("\xFB\xFF\xBF", 3, out);
	cr_assert_str_eq(out, "-_-_");
}

Test(b64url, decodes_the_rfc4648_vectors)
{
	unsigned char out[16];
	cr_assert_eq(decode("Zm9vYmFy", out), 6);
	cr_assert_str_eq((char *)out, "foobar");
	cr_assert_eq(decode("Zm9vYg", out), 4);
	cr_assert_str_eq((char *)out, "foob");
	cr_assert_eq(decode("Zm9vYmE", out), 5);
	cr_assert_str_eq((char *)out, "fooba");
	cr_assert_eq(decode("", out), 0);
	cr_assert_eq(out[0], 0);
}

Test(b64url, round_trips_every_byte_value_at_every_length)
{
	unsigned char in[256], back[B64URL_ENCODED_SIZE(256) * 3 / 4 + 1];
	char enc[B64URL_ENCODED_SIZE(256)];
	for (int i = 0; i < 256; i++)
		in[i] = (unsigned char)(255 - i);
	for (size_t n = 0; n <= 256; n++) {
		size_t e = b64url_encode(in, n, enc);
		cr_assert_lt(e, B64URL_ENCODED_SIZE(n));
		cr_assert_eq(b64url_decode(enc, e, back), (long)n);
		cr_assert_eq(memcmp(in, back, n), 0);
	}
}

Test(b64url, rejects_length_one_mod_four)
{
	unsigned char out[16];
	cr_assert_eq(decode("Z", out), -1);
	cr_assert_eq(decode("Zm9vY", out), -1);
}

Test(b64url, rejects_the_standard_alphabet_characters)
{
	unsigned char out[16];
	cr_assert_eq(decode("+/+/", out), -1);
	cr_assert_eq(decode("ab+c", out), -1);
	cr_assert_eq(decode("ab/c", out), -1);
}

Test(b64url, rejects_padding)
{
	unsigned char out[16];
	cr_assert_eq(decode("Zg==", out), -1);
	cr_assert_eq(decode("Zm8=", out), -1);
}

Test(b64url, rejects_non_zero_trailing_bits)
{
	unsigned char out[16];
	cr_assert_eq(decode("Zh", out), -1);
	cr_assert_eq(decode("Zm9", out), -1);
}

Test(b64url, rejects_white_space_and_non_ascii)
{
	unsigned char out[16];
	cr_assert_eq(decode("Zm9v Zg", out), -1);
	cr_assert_eq(decode("Zm9v\n", out), -1);
	cr_assert_eq(decode("Zm\xC3\xA9", out), -1);
}

Test(b64url, rejects_an_embedded_nul)
{
	unsigned char out[16];
	cr_assert_eq(b64url_decode("Zm\0v", 4, out), -1);
}
