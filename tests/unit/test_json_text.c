/* test_json_text: strbuf_append_json writes the bytes json_dumps writes, for every kind of value. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/json_text.h"
#include "lib/prng.h"

static void same_as_jansson(const json_t *v)
{
	char *want = json_dumps(v, JSON_TEXT_FLAGS | JSON_ENCODE_ANY);
	cr_assert_not_null(want);
	struct strbuf sb = STRBUF_INIT;
	strbuf_append_json(&sb, v);
	cr_assert(!strbuf_failed(&sb));
	/* the first difference, with a little of what comes before it */
	size_t at = 0, wlen = strlen(want);
	while (at < sb.len && at < wlen && sb.data[at] == want[at])
		at++;
	size_t from = at > 20 ? at - 20 : 0;
	cr_assert(at == sb.len && at == wlen,
	          "differs at byte %zu: ours ...%.40s, jansson ...%.40s", at, sb.data + from,
	          want + from);
	strbuf_free(&sb);
	free(want);
}

/* cppcheck-suppress unknownMacro */
Test(json_text, documents_as_jansson_writes_them)
{
	static const char *const texts[] = {
	        "{}",
	        "[]",
	        "{\"a\":[],\"b\":{},\"c\":[{}],\"d\":[[[]]]}",
	        "{\"z\":1,\"a\":2,\"m\":{\"y\":null,\"b\":true,\"c\":false}}",
	        "{\"name\":\"Hollands \\\"Groot\\\" / "
	        "Handel\",\"tags\":[\"\\u00fcber\",\"\\u2028\"],"
	        "\"notes\":\"tab\\there\\nnew line\\r\\f\\b\\\\ and \\u001f \\u007f \\u0001\"}",
	        "{\"\\\"key\\\"\":\"\\ud83d\\ude00 emoji\",\"\\n\":\"\"}",
	        "{\"latitude\":51.56728,\"longitude\":-5.11783,\"amount\":1250000.0,\"zero\":0.0,"
	        "\"tiny\":1e-7,\"huge\":1e300,\"neg\":-2.5e-300,\"third\":0.333333333333333333}",
	        "[0,-1,9223372036854775807,-9223372036854775808,1.0,100000000000000000000.0]",
	        "[123456789012345678.0,1234567.0,0.1,1e15,1e16,1e21,-0.0,5e-324]",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		json_error_t err;
		json_t *v = json_loads(texts[i], JSON_DECODE_ANY, &err);
		cr_assert_not_null(v, "fixture %zu: %s", i, err.text);
		same_as_jansson(v);
		json_decref(v);
	}
}

Test(json_text, every_byte_of_a_string)
{
	char s[256];
	for (int c = 1; c < 128; c++)
		s[c - 1] = (char)c;
	/* and multi-byte characters of two, three and four bytes */
	memcpy(s + 127, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9);
	json_t *v = json_stringn(s, 136);
	cr_assert_not_null(v);
	same_as_jansson(v);
	json_decref(v);
	json_t *nul = json_stringn("a\0b", 3); /* a NUL inside, as JSON_ALLOW_NUL reads it */
	same_as_jansson(nul);
	json_t *o = json_object(); /* and in a key */
	json_object_setn_new(o, "k\0ey", 4, nul);
	same_as_jansson(o);
	json_decref(o);
}

static double random_real(struct prng *r)
{
	double mantissa = (double)(prng_next(r) >> 11) / 9007199254740992.0;
	int exponent = (int)(prng_next(r) % 80) - 40;
	double v = mantissa * pow(10.0, exponent);
	return prng_next(r) & 1 ? -v : v;
}

Test(json_text, random_reals_and_integers)
{
	struct prng r;
	prng_seed(&r, 20261205);
	json_t *a = json_array();
	for (int i = 0; i < 20000; i++) {
		json_array_append_new(a, json_real(random_real(&r)));
		json_array_append_new(a, json_integer((json_int_t)prng_next(&r)));
		json_array_append_new(a, json_real((double)(prng_next(&r) % 100000) / 100.0));
	}
	same_as_jansson(a);
	json_decref(a);
}
