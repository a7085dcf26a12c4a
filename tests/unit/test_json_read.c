/* test_json_read: the fast reader accepts only what jansson reads, and reads it as jansson does. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/json_read.h"
#include "lib/prng.h"

/* Every real's 17 digits and the members' order: two values print alike only when they are alike. */
static char *text_of(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* 1 when the fast reader took the input; then jansson must have read the same value. */
static int agrees(const char *in, size_t len)
{
	json_error_t err;
	json_t *want = json_loadb(in, len, 0, &err);
	json_t *got = json_read_fast(in, len);
	if (got != NULL) {
		cr_assert_not_null(want, "fast reader accepted what jansson refuses (%s): %.*s",
		                   err.text, (int)len, in);
		char *a = text_of(got), *b = text_of(want);
		cr_assert_str_eq(a, b, "input %.*s", (int)len, in);
		free(a);
		free(b);
	}
	/* json_read: jansson's answer either way, its error text included */
	json_error_t err2;
	json_t *both = json_read(in, len, &err2);
	cr_assert_eq(both == NULL, want == NULL, "input %.*s", (int)len, in);
	if (want == NULL)
		cr_assert_str_eq(err2.text, err.text);
	int taken = got != NULL;
	json_decref(got);
	json_decref(want);
	json_decref(both);
	return taken;
}

static const char *const seeds[] = {
        "{\"kind\":\"customer\",\"id\":\"c000123\",\"name\":\"M\xc3\xbcller & S\xc3\xb6hne "
        "\\\"GmbH\\\"\","
        "\"crmStatus\":\"LEAD\",\"tags\":[\"a\",\"b\\/c\"],\"visits\":12,\"score\":-0.5,"
        "\"billingAddress\":{\"latitude\":51.56728,\"longitude\":5.11783,\"zip\":null},"
        "\"active\":true,\"deleted\":false,\"notes\":\"line\\nbreak\\ttab\\r\\f\\b\\\\\","
        "\"emoji\":\"\xf0\x9f\x98\x80\",\"big\":123456789012345678,\"e\":1.5E+3,\"z\":-0}",
        "[1,2.0,-3e-2,[],{},[[{\"a\":[null]}]],\"\",\"\xe2\x82\xac\"]",
        "  {\"a\" : 1 ,\n\t\"b\":[ 1 , 2 ]\r\n}  ",
        "{\"dup\":1,\"x\":2,\"dup\":3}",
        "{\"esc\\\"key\":{\"esc\\nkey2\":\"v\\\"\"}}",
        /* PHP's json_encode escapes every non-ASCII character (and '/') */
        "{\"php\":\"caf\\u00e9 \\u20ac\\u20AC \\ud83d\\ude00\\uD83D\\uDE00 \\u001f\\u0041\\/\","
        "\"k\\u00e9y\":[\"\\u00fc\",\"\\udbff\\udfff\\u0800\\u07ff\\u007f\\u0080\"]}",
};

/* cppcheck-suppress unknownMacro */
Test(json_read, documents_take_the_fast_path_and_read_as_jansson_reads_them)
{
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		cr_assert(agrees(seeds[i], strlen(seeds[i])), "seed %zu declined", i);
}

Test(json_read, what_jansson_refuses_or_leaves_is_declined)
{
	static const char *const inputs[] = {
	        "",
	        " ",
	        "1",
	        "\"s\"",
	        "null",
	        "{",
	        "}",
	        "[",
	        "[1,]",
	        "{\"a\":1,}",
	        "{\"a\"}",
	        "{\"a\":}",
	        "{a:1}",
	        "[01]",
	        "[-]",
	        "[1.]",
	        "[.5]",
	        "[1e]",
	        "[1e+]",
	        "[+1]",
	        "[-01]",
	        "[1.5x]",
	        "[truex]",
	        "[tru]",
	        "[nul]",
	        "[True]",
	        "[\"\\u0000\"]",
	        "[\"\\u\"]",
	        "[\"\\u12\"]",
	        "[\"\\u12g4\"]",
	        "[\"\\u00G1\"]",
	        "[\"\\u00:1\"]",
	        "[\"\\u00`1\"]",
	        "[\"\\u00@1\"]",
	        "[\"\\u00/1\"]",
	        "[\"\\ud800\"]",
	        "[\"\\ud800x\"]",
	        "[\"\\ud800\\u0041\"]",
	        "[\"\\ud800\\ud800\"]",
	        "[\"\\ud800\\\"]",
	        "[\"\\udc00\"]",
	        "[\"\\udfff\\ud800\"]",
	        "[\"\\x\"]",
	        "[\"\\\"]",
	        "[\"a\tb\"]",
	        "[\"\xc3\"]",
	        "[\"\xc0\x80\"]",
	        "[\"\xed\xa0\x80\"]",
	        "[\"\xf4\x90\x80\x80\"]",
	        "[\"\xff\"]",
	        "[1][2]",
	        "{} x",
	        "[1e999]",
	        "[-1e999]",
	        "[1e-999]",
	        "[9223372036854775807]",
	        "[9223372036854775808]",
	        "[-9223372036854775808]",
	        "[-9223372036854775809]",
	        "[1234567890123456789]",
	        "\xef\xbb\xbf{}",
	        "[\"a\"\"b\"]",
	        "{\"a\":1 \"b\":2}",
	        "[1 2]",
	        "[\0]",
	};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		agrees(inputs[i], strlen(inputs[i]));
	/* a NUL inside a string: jansson refuses the raw byte */
	agrees("[\"a\0b\"]", 7);
	/* nesting: 300 deep is left to jansson, 100 deep is read here */
	char deep[601];
	memset(deep, '[', 300);
	memset(deep + 300, ']', 300);
	cr_assert(!agrees(deep, 600));
	cr_assert(agrees(deep + 200, 200));
}

/* A byte that makes JSON interesting where it lands. */
static char interesting_byte(struct prng *g)
{
	static const char palette[] =
	        "{}[]\":,\\ \t\n0123456789-+.eEtrufalsn/bx\x01\x7f\x80\xc3\xa9\xed\xf4";
	return palette[prng_below(g, (int)sizeof(palette) - 1)];
}

Test(json_read, mutated_documents_agree_with_jansson)
{
	struct prng g;
	prng_seed(&g, 11);
	char buf[1024];
	long taken = 0, tries = 0;
	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		size_t base = strlen(seeds[s]);
		for (int i = 0; i < 20000; i++) {
			memcpy(buf, seeds[s], base);
			size_t len = base;
			for (int m = prng_range(&g, 1, 3); m > 0; m--) {
				size_t pos = (size_t)prng_below(&g, (int)len);
				switch (prng_below(&g, 3)) {
				case 0: buf[pos] = interesting_byte(&g); break;
				case 1: /* delete */
					memmove(buf + pos, buf + pos + 1, len - pos - 1);
					len--;
					break;
				default: /* insert */
					memmove(buf + pos + 1, buf + pos, len - pos);
					buf[pos] = interesting_byte(&g);
					len++;
				}
			}
			taken += agrees(buf, len);
			tries++;
		}
	}
	/* the test means something only if both readers were exercised */
	cr_assert(taken > tries / 20 && taken < tries, "fast path took %ld of %ld", taken, tries);
}
