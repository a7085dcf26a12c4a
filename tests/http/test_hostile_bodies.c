/* test_hostile_bodies: hostile request bodies on PATCH crm-status and next-action through nginx — 400/413/415 in the error shape, nothing changed, the same workers serving. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/http/client.h"
#include "tests/http/test_hostile_helpers.h"

#define CT_JSON "Content-Type: " HX_JSON

/*
 * Sends body[0..len) with the header line content_type (NULL: no
 * Content-Type at all) to PATCH .../route of the fixture with its crm:write
 * token; returns the answer (NULL: the connection was closed without one).
 */
static struct http *patch_raw(const struct hx_fx *fx, const char *route, const char *content_type,
                              const char *body, size_t len, const char *extra_header)
{
	char *auth = hx_fmt("Authorization: Bearer %s", fx->token);
	char *path = hx_fmt("/crm/customers/" HX_FIXTURE_ID "/%s", route);
	const char *lines[4] = {auth, NULL, NULL, NULL};
	size_t n = 1;
	if (content_type != NULL)
		lines[n++] = content_type;
	if (extra_header != NULL)
		lines[n++] = extra_header;
	struct http *r = hx_send(HX_MAIN, "PATCH", path, lines, body, len);
	free(path);
	free(auth);
	return r;
}

/* On both body routes: status in the error shape, and nothing changed. */
static void expect_rejected_len(const struct hx_fx *fx, const char *content_type, const char *body,
                                size_t len, long status, const char *what)
{
	for (size_t i = 0; i < HX_NROUTES; i++) {
		char *w = hx_fmt("%s on %s", what, hx_body_routes[i]);
		struct http *r = patch_raw(fx, hx_body_routes[i], content_type, body, len, NULL);
		hx_assert_error(r, status, w);
		hx_assert_unchanged(fx, w);
		http_free(r);
		free(w);
	}
}

/* As expect_rejected_len for a JSON body given as a C string. */
static void expect_rejected(const struct hx_fx *fx, const char *body, long status, const char *what)
{
	expect_rejected_len(fx, CT_JSON, body, strlen(body), status, what);
}

/* The same body on one route only (bodies that are valid on the other route). */
static void expect_rejected_on(const struct hx_fx *fx, const char *route, const char *body,
                               long status, const char *what)
{
	char *w = hx_fmt("%s on %s", what, route);
	struct http *r = patch_raw(fx, route, CT_JSON, body, strlen(body), NULL);
	hx_assert_error(r, status, w);
	hx_assert_unchanged(fx, w);
	http_free(r);
	free(w);
}

Test(hostile_bodies, rejects_invalid_json_with_400)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxb-json", 0);
	static const char *const bad[] = {
	        "{",
	        "{\"crmStatus\":",
	        "{crmStatus:'PROSPECT'}",
	        "{'crmStatus':'PROSPECT'}",
	        "{\"crmStatus\":\"PROSPECT\",}",
	        "{\"crmStatus\":\"PROSPECT\"} {}",
	        "{\"crmStatus\":\"PROSPECT\"}garbage",
	        "{\"crmStatus\":\"PROSPECT\"",
	        "\"",
	        "{\"nextAction\":01}",
	        "{\"nextAction\":NaN}",
	        "{\"nextAction\":Infinity}",
	        "{\"nextAction\":1e999}",
	        "/* comment */ {\"crmStatus\":\"PROSPECT\"}",
	        "{\"crmStatus\":\"PROSPECT\"} // comment",
	        "{\"crmStatus\":\"PRO\tSPECT\"}",
	        "{\"crmStatus\":\"PRO\nSPECT\"}",
	        "{\"crmStatus\":\"\\x50ROSPECT\"}",
	        "{\"crmStatus\":\"\\uZZZZ\"}",
	        "{\"crmStatus\"=\"PROSPECT\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_rejected(&fx, bad[i], 400, bad[i]);
	hx_assert_valid_bodies_apply(&fx);
	hx_end(&fx);
}

Test(hostile_bodies, rejects_an_empty_or_blank_body_with_400)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxb-empty", 0);
	expect_rejected_len(&fx, CT_JSON, "", 0, 400, "an empty body");
	expect_rejected(&fx, " ", 400, "a single space");
	expect_rejected(&fx, "\r\n\t ", 400, "only white space");
	hx_assert_valid_bodies_apply(&fx);
	hx_end(&fx);
}

Test(hostile_bodies, rejects_a_json_array_with_400)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxb-array", 0);
	expect_rejected(&fx, "[]", 400, "an empty array");
	expect_rejected(&fx, "[\"PROSPECT\"]", 400, "an array of a string");
	expect_rejected(&fx, "[{\"crmStatus\":\"PROSPECT\"}]", 400, "an array of a valid body");
	expect_rejected(&fx, "[{\"nextAction\":\"x\"}]", 400, "an array of a valid body");
	hx_assert_valid_bodies_apply(&fx);
	hx_end(&fx);
}

Test(hostile_bodies, rejects_a_json_scalar_with_400)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxb-scalar", 0);
	static const char *const bad[] = {"\"PROSPECT\"", "42",    "-0",   "1e3",
	                                  "true",         "false", "null", "\"\""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_rejected(&fx, bad[i], 400, bad[i]);
	hx_assert_valid_bodies_apply(&fx);
	hx_end(&fx);
}

Test(hostile_bodies, rejects_nesting_100000_deep_and_deep_nesting_within_the_limit)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxb-deep", 0);
	/* 100,000 deep is beyond the 64 KiB limit: 413 (or 400 if the limit were raised) */
	char *open100k = hx_repeat("[", 100000);
	for (size_t i = 0; i < HX_NROUTES; i++) {
		struct http *r = patch_raw(&fx, hx_body_routes[i], CT_JSON, open100k, 100000, NULL);
		hx_assert_error2(r, 413, 400, "100,000 '['");
		hx_assert_unchanged(&fx, "100,000 '['");
		http_free(r);
	}
	/* within the limit, so the parser itself meets them */
	char *open60k = hx_repeat("[", 60000);
	expect_rejected(&fx, open60k, 400, "60,000 unclosed '['");
	char *o = hx_repeat("[", 30000), *c = hx_repeat("]", 30000);
	char *closed = hx_fmt("%s%s", o, c);
	expect_rejected(&fx, closed, 400, "arrays nested 30,000 deep");
	char *inner = hx_fmt("{\"crmStatus\":%s\"PROSPECT\"%s}", o, c);
	expect_rejected_on(&fx, "crm-status", inner, 400, "crmStatus nested 30,000 deep");
	char *inner2 = hx_fmt("{\"nextAction\":%s\"x\"%s}", o, c);
	expect_rejected_on(&fx, "next-action", inner2, 400, "nextAction nested 30,000 deep");
	char *objs_open = hx_repeat("{\"a\":", 9000), *objs_close = hx_repeat("}", 9000);
	char *objs = hx_fmt("%s1%s", objs_open, objs_close);
	expect_rejected(&fx, objs, 400, "objects nested 9,000 deep");
	free(objs);
	free(objs_close);
	free(objs_open);
	free(inner2);
	free(inner);
	free(closed);
	free(c);
	free(o);
	free(open60k);
	free(open100k);
	hx_assert_valid_bodies_apply(&fx);
	hx_end(&fx);
}

/* A huge body is refused: 413 in the error shape, or the connection closed early; never 2xx. */
static void expect_huge_refused(const struct hx_fx *fx, const char *route, const char *body,
                                size_t len, const char *extra_header, const char *what)
{
	char *w = hx_fmt("%s on %s", what, route);
	struct http *r = patch_raw(fx, route, CT_JSON, body, len, extra_header);
	if (r != NULL) {
		cr_assert(r->status < 200 || r->status > 299, "%s: a huge body got %ld", w,
		          r->status);
		hx_assert_error(r, 413, w);
	}
	hx_assert_unchanged(fx, w);
	http_free(r);
	free(w);
}

Test(hostile_bodies, rejects_a_10_mb_body_with_413_or_a_closed_connection)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxb-10mb", 0);
	size_t size = 10 * 1000 * 1000;
	char *body = malloc(size + 1);
	cr_assert_not_null(body);
	/* a valid change at the front, padding after: only the size is wrong */
	static const char *const heads[] = {
	        "{\"crmStatus\":\"PROSPECT\",\"pad\":\"",
	        "{\"nextAction\":\"Send the contract\",\"pad\":\"",
	};
	for (size_t i = 0; i < HX_NROUTES; i++) {
		size_t hl = strlen(heads[i]);
		memcpy(body, heads[i], hl);
		memset(body + hl, 'x', size - hl - 2);
		memcpy(body + size - 2, "\"}", 2);
		body[size] = '\0';
		expect_huge_refused(&fx, hx_body_routes[i], body, size, NULL, "a 10 MB body");
		/* the same as chunked transfer coding: no length to refuse it by up front */
		struct hx_bytes chunked = {0};
		for (size_t off = 0; off < size; off += 65536) {
			size_t n = size - off < 65536 ? size - off : 65536;
			char head[32];
			snprintf(head, sizeof(head), "%zx\r\n", n);
			hx_adds(&chunked, head);
			hx_add(&chunked, body + off, n);
			hx_adds(&chunked, "\r\n");
		}
		hx_adds(&chunked, "0\r\n\r\n");
		expect_huge_refused(&fx, hx_body_routes[i], chunked.data, chunked.len,
		                    "Transfer-Encoding: chunked", "a chunked 10 MB body");
		free(chunked.data);
		/* a 10 MB Content-Length with only a few bytes behind it */
		expect_huge_refused(&fx, hx_body_routes[i], hx_valid_bodies[i],
		                    strlen(hx_valid_bodies[i]), "Content-Length: 10000000",
		                    "Content-Length 10 MB, a small body");
	}
	free(body);
	hx_assert_valid_bodies_apply(&fx);
	hx_end(&fx);
}

Test(hostile_bodies, refuses_one_byte_over_64_kib_and_accepts_exactly_64_kib)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxb-limit", 0);
	size_t limit = 64 * 1024;
	char *body = malloc(limit + 2);
	cr_assert_not_null(body);
	for (size_t i = 0; i < HX_NROUTES; i++) {
		size_t vl = strlen(hx_valid_bodies[i]);
		memcpy(body, hx_valid_bodies[i], vl);
		memset(body + vl, ' ', limit + 1 - vl); /* trailing white space is valid JSON */
		body[limit + 1] = '\0';
		char *w = hx_fmt("a %zu-byte body on %s", limit + 1, hx_body_routes[i]);
		struct http *r = patch_raw(&fx, hx_body_routes[i], CT_JSON, body, limit + 1, NULL);
		hx_assert_error(r, 413, w);
		hx_assert_unchanged(&fx, w);
		http_free(r);
		free(w);
		w = hx_fmt("a %zu-byte body on %s", limit, hx_body_routes[i]);
		r = patch_raw(&fx, hx_body_routes[i], CT_JSON, body, limit, NULL);
		hx_assert_ok_customer(r, w);
		http_free(r);
		free(w);
		char *row = hx_row(fx.tenant, HX_FIXTURE_ID);
		cr_assert(strcmp(row, fx.row) != 0, "the 64 KiB body on %s changed nothing",
		          hx_body_routes[i]);
		free(row);
		hx_resnapshot(&fx);
	}
	free(body);
	hx_end(&fx);
}

/* Appends data[0..n) as one chunk of the chunked transfer coding. */
static void add_chunk(struct hx_bytes *b, const char *data, size_t n)
{
	char head[32];
	snprintf(head, sizeof(head), "%zx\r\n", n);
	hx_adds(b, head);
	hx_add(b, data, n);
	hx_adds(b, "\r\n");
}

Test(hostile_bodies, accepts_a_small_chunked_body_and_refuses_a_chunked_one_over_the_limit)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxb-chunked", 0);
	/* 70 KiB in chunks: over the limit */
	struct hx_bytes big = {0};
	static const char head[] = "{\"crmStatus\":\"PROSPECT\",\"p\":\"";
	add_chunk(&big, head, strlen(head));
	char *kib = hx_repeat("x", 1024);
	for (int i = 0; i < 70; i++)
		add_chunk(&big, kib, 1024);
	free(kib);
	add_chunk(&big, "\"}", 2);
	hx_adds(&big, "0\r\n\r\n");
	struct http *r = patch_raw(&fx, "crm-status", CT_JSON, big.data, big.len,
	                           "Transfer-Encoding: chunked");
	hx_assert_error(r, 413, "a chunked 70 KiB body");
	hx_assert_unchanged(&fx, "a chunked 70 KiB body");
	http_free(r);
	free(big.data);
	/* a small valid one in two chunks */
	struct hx_bytes small = {0};
	add_chunk(&small, "{\"crmStatus\"", 12);
	add_chunk(&small, ":\"PROSPECT\"}", 12);
	hx_adds(&small, "0\r\n\r\n");
	r = patch_raw(&fx, "crm-status", CT_JSON, small.data, small.len,
	              "Transfer-Encoding: chunked");
	hx_assert_ok_customer(r, "a chunked valid body");
	cr_assert_str_eq(hx_str(r->json, "crmStatus"), "PROSPECT");
	http_free(r);
	free(small.data);
	hx_end(&fx);
}

Test(hostile_bodies, rejects_a_body_that_is_not_declared_json_with_415)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxb-415", 0);
	static const char *const types[] = {
	        "Content-Type: text/plain",
	        "Content-Type: application/xml",
	        "Content-Type: text/xml",
	        "Content-Type: application/x-www-form-urlencoded",
	        "Content-Type: multipart/form-data; boundary=x",
	        "Content-Type: application/jsonx",
	        "Content-Type: json",
	        "Content-Type: text/json",
	        "Content-Type: application/octet-stream",
	        "Content-Type:",
	        NULL, /* no Content-Type at all */
	};
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		for (size_t i = 0; i < HX_NROUTES; i++) {
			char *w = hx_fmt("'%s' on %s", types[t] ? types[t] : "no Content-Type",
			                 hx_body_routes[i]);
			struct http *r =
			        patch_raw(&fx, hx_body_routes[i], types[t], hx_valid_bodies[i],
			                  strlen(hx_valid_bodies[i]), NULL);
			hx_assert_error(r, 415, w);
			hx_assert_unchanged(&fx, w);
			http_free(r);
			free(w);
		}
	/* an XML body declared as XML, and a form */
	struct http *r = patch_raw(&fx, "crm-status", "Content-Type: application/xml",
	                           "<crmStatus>PROSPECT</crmStatus>", 31, NULL);
	hx_assert_error(r, 415, "an XML body");
	http_free(r);
	hx_assert_unchanged(&fx, "an XML body");
	hx_assert_valid_bodies_apply(&fx);
	hx_end(&fx);
}

Test(hostile_bodies, rejects_invalid_utf8_inside_a_json_string_with_400)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxb-utf8", 0);
	static const char *const bytes[] = {
	        "\xff",         "\xfe\xff",         "\xc3\x28", "\xc0\xaf", "\xe0\x80\xaf",
	        "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80",     "\xf8\x88\x80\x80\x80",
	};
	for (size_t i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++) {
		char *w = hx_fmt("bytes %zu in a string value", i);
		char *b1 = hx_fmt("{\"crmStatus\":\"PROSPECT%s\"}", bytes[i]);
		char *b2 = hx_fmt("{\"nextAction\":\"Call %s back\"}", bytes[i]);
		char *b3 = hx_fmt("{\"crm%sStatus\":\"PROSPECT\"}", bytes[i]);
		expect_rejected_on(&fx, "crm-status", b1, 400, w);
		expect_rejected_on(&fx, "next-action", b2, 400, w);
		expect_rejected_on(&fx, "crm-status", b3, 400, "invalid UTF-8 in a member name");
		free(b1);
		free(b2);
		free(b3);
		free(w);
	}
	/* escapes of lone surrogates name no character either */
	static const char *const escapes[] = {"\\ud800", "\\udc00", "\\ud800\\u0041",
	                                      "\\udbff\\udbff"};
	for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
		char *b = hx_fmt("{\"nextAction\":\"Call %s back\"}", escapes[i]);
		expect_rejected_on(&fx, "next-action", b, 400, escapes[i]);
		free(b);
	}
	hx_assert_valid_bodies_apply(&fx);
	hx_end(&fx);
}

Test(hostile_bodies, rejects_nul_in_strings_escaped_or_raw_with_400)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxb-nul", 0);
	expect_rejected_on(&fx, "crm-status", "{\"crmStatus\":\"PROSPECT\\u0000\"}", 400,
	                   "\\u0000 after the status");
	expect_rejected_on(&fx, "crm-status", "{\"crmStatus\":\"\\u0000\"}", 400,
	                   "a status of \\u0000");
	expect_rejected_on(&fx, "crm-status", "{\"crmStatus\\u0000\":\"PROSPECT\"}", 400,
	                   "\\u0000 in the member name");
	expect_rejected_on(&fx, "next-action", "{\"nextAction\":\"Call\\u0000 back\"}", 400,
	                   "\\u0000 inside nextAction");
	expect_rejected_on(&fx, "next-action",
	                   "{\"nextAction\":\"x\",\"nextActionDueDate\":"
	                   "\"2031-01-01T00:00:00Z\\u0000\"}",
	                   400, "\\u0000 after the due date");
	/* raw NUL bytes: inside a string, after the object, before it, alone */
	static const char in_string[] = "{\"crmStatus\":\"PROS\0PECT\"}";
	static const char in_action[] = "{\"nextAction\":\"Call\0back\"}";
	static const char after[] = "{\"crmStatus\":\"PROSPECT\"}\0";
	static const char after_action[] = "{\"nextAction\":\"x\"}\0{\"nextAction\":\"y\"}";
	static const char before[] = "\0{\"crmStatus\":\"PROSPECT\"}";
	struct {
		const char *route, *body;
		size_t len;
		const char *what;
	} raw[] = {
	        {"crm-status", in_string, sizeof(in_string) - 1, "a raw NUL inside the status"},
	        {"next-action", in_action, sizeof(in_action) - 1, "a raw NUL inside nextAction"},
	        {"crm-status", after, sizeof(after) - 1, "a raw NUL after the object"},
	        {"next-action", after_action, sizeof(after_action) - 1,
	         "a raw NUL between two objects"},
	        {"crm-status", before, sizeof(before) - 1, "a raw NUL before the object"},
	        {"crm-status", "\0", 1, "a single NUL byte"},
	        {"next-action", "\0", 1, "a single NUL byte"},
	};
	for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		struct http *r =
		        patch_raw(&fx, raw[i].route, CT_JSON, raw[i].body, raw[i].len, NULL);
		hx_assert_error(r, 400, raw[i].what);
		hx_assert_unchanged(&fx, raw[i].what);
		http_free(r);
	}
	hx_assert_valid_bodies_apply(&fx);
	hx_end(&fx);
}

Test(hostile_bodies, rejects_numbers_and_other_types_where_strings_belong_with_400)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxb-types", 0);
	static const char *const status_bodies[] = {
	        "{\"crmStatus\":1}",  "{\"crmStatus\":0}",     "{\"crmStatus\":1.5}",
	        "{\"crmStatus\":-1}", "{\"crmStatus\":1e308}",
	};
	for (size_t i = 0; i < sizeof(status_bodies) / sizeof(status_bodies[0]); i++)
		expect_rejected_on(&fx, "crm-status", status_bodies[i], 400, status_bodies[i]);
	static const char *const action_bodies[] = {
	        "{\"nextAction\":42}",
	        "{\"nextAction\":0}",
	        "{\"nextAction\":1e308}",
	        "{\"nextAction\":true}",
	        "{\"nextAction\":[\"Call back\"]}",
	        "{\"nextAction\":{\"text\":\"Call back\"}}",
	        "{\"nextAction\":\"Call back\",\"nextActionDueDate\":1924992000}",
	        "{\"nextAction\":\"Call back\",\"nextActionDueDate\":0}",
	        "{\"nextAction\":\"Call back\",\"nextActionDueDate\":1924992000000}",
	        "{\"nextAction\":\"Call back\",\"nextActionDueDate\":true}",
	        "{\"nextAction\":\"Call back\",\"nextActionDueDate\":[\"2031-01-01T00:00:00Z\"]}",
	};
	for (size_t i = 0; i < sizeof(action_bodies) / sizeof(action_bodies[0]); i++)
		expect_rejected_on(&fx, "next-action", action_bodies[i], 400, action_bodies[i]);
	hx_assert_valid_bodies_apply(&fx);
	hx_end(&fx);
}

Test(hostile_bodies, rejects_duplicate_members_with_400)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxb-dup", 0);
	expect_rejected_on(&fx, "crm-status",
	                   "{\"crmStatus\":\"PROSPECT\",\"crmStatus\":\"ACTIVE\"}", 400,
	                   "crmStatus twice, different");
	expect_rejected_on(&fx, "crm-status",
	                   "{\"crmStatus\":\"PROSPECT\",\"crmStatus\":\"PROSPECT\"}", 400,
	                   "crmStatus twice, the same");
	expect_rejected_on(&fx, "crm-status",
	                   "{\"crmStatus\":\"PROSPECT\",\"crm\\u0053tatus\":\"INACTIVE\"}", 400,
	                   "crmStatus twice, once escaped");
	expect_rejected_on(&fx, "next-action", "{\"nextAction\":\"a\",\"nextAction\":\"b\"}", 400,
	                   "nextAction twice");
	expect_rejected_on(&fx, "next-action",
	                   "{\"nextAction\":\"a\",\"nextActionDueDate\":null,"
	                   "\"nextActionDueDate\":\"2031-01-01T00:00:00Z\"}",
	                   400, "nextActionDueDate twice");
	expect_rejected_on(&fx, "next-action", "{\"nextAction\":null,\"nextAction\":null}", 400,
	                   "nextAction: null twice");
	hx_assert_valid_bodies_apply(&fx);
	hx_end(&fx);
}

Test(hostile_bodies, rejects_out_of_range_or_malformed_due_dates_with_400)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxb-dates", 0);
	static const char *const dates[] = {
	        "0000-01-01T00:00:00Z",      "10000-01-01T00:00:00Z",
	        "-0001-01-01T00:00:00Z",     "2026-02-30T09:00:00Z",
	        "2026-13-01T09:00:00Z",      "2026-00-10T09:00:00Z",
	        "2026-12-01T24:00:00Z",      "2026-12-01T09:60:00Z",
	        "2026-12-01T09:00:61Z",      "2026-12-01T09:00:00+24:00",
	        "2026-12-01T09:00:00+05:60", "2026-12-01T09:00:00.1234567890Z",
	        "2026-12-01T09:00:00.Z",     "2026-12-01T09:00:00",
	        "2026-12-01 09:00:00Z",      "2026-12-01",
	        "9999-12-31T23:59:59-00:01", "0001-01-01T00:00:00+00:01",
	        "2026-12-01T09:00:00ZZ",     "2026-12-01T09:00:00Z ",
	        " 2026-12-01T09:00:00Z",     "２０２６-12-01T09:00:00Z",
	        "2026-12-01T09:00:00+0100",  "",
	        "99999999999999999999",      "2026-W48-1T09:00:00Z",
	};
	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		char *b = hx_fmt("{\"nextAction\":\"Call back\",\"nextActionDueDate\":\"%s\"}",
		                 dates[i]);
		char *w = hx_fmt("due date '%s'", dates[i]);
		expect_rejected_on(&fx, "next-action", b, 400, w);
		free(w);
		free(b);
	}
	hx_assert_valid_bodies_apply(&fx);
	hx_end(&fx);
}
