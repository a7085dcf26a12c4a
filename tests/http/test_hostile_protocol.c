/* test_hostile_protocol: malformed HTTP that nginx itself refuses — its answers must be the API's error shape too — and a worker pool that stays flat under a stream of hostile requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/http/client.h"
#include "tests/http/test_hostile_helpers.h"

#define READ_PATH "/crm/customers/" HX_FIXTURE_ID

/* Sends raw request bytes (whole request, CRLFs included) to the main pool's nginx. */
static struct http *send_bytes(const char *bytes, size_t len)
{
	return hx_exchange(HX_MAIN, bytes, len, 0);
}

/* A complete request text: request line, then "Host" unless no_host, the lines, a blank line. */
static char *request_text(const char *request_line, int no_host, const char *lines)
{
	struct hx_url u;
	hx_url_of(HX_MAIN, &u);
	char host[128] = "";
	if (!no_host)
		snprintf(host, sizeof(host), "Host: %s:%d\r\n", u.host, u.port);
	return hx_fmt("%s\r\n%sConnection: close\r\n%s\r\n", request_line, host, lines);
}

static void expect_refused_text(const struct hx_fx *fx, const char *text, long a, long b,
                                const char *what)
{
	struct http *r = send_bytes(text, strlen(text));
	hx_assert_error2(r, a, b, what);
	hx_assert_unchanged(fx, what);
	http_free(r);
}

Test(hostile_protocol, malformed_requests_are_400_in_the_error_shape)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxn-400", 0);
	struct hx_url u;
	hx_url_of(HX_MAIN, &u);
	char *auth = hx_fmt("Authorization: Bearer %s\r\n", fx.token);
	char *line = hx_fmt("GET %s" READ_PATH " HTTP/1.1", u.prefix);
	char *patch_line = hx_fmt("PATCH %s" READ_PATH "/crm-status HTTP/1.1", u.prefix);
	char *bad_method = hx_fmt("BR@W %s" READ_PATH " HTTP/1.1", u.prefix);
	char *ctl_target = hx_fmt("GET %s" READ_PATH "\x01 HTTP/1.1", u.prefix);
	char *space_target = hx_fmt("GET %s/crm/customers/c 1 HTTP/1.1", u.prefix);
	char *with_auth = hx_fmt("%sContent-Type: application/json\r\n", auth);
	struct {
		const char *line;
		int no_host;
		char *lines;
		const char *what;
	} cases[] = {
	        {line, 1, hx_fmt("%s", auth), "no Host header"},
	        {line, 0, hx_fmt("Host: other\r\n%s", auth), "two Host headers"},
	        {bad_method, 0, hx_fmt("%s", auth), "a method with '@'"},
	        {ctl_target, 0, hx_fmt("%s", auth), "a control character in the target"},
	        {space_target, 0, hx_fmt("%s", auth), "a space in the target"},
	        {line, 0, hx_fmt("%sContent-Length: abc\r\n", auth), "Content-Length abc"},
	        {line, 0, hx_fmt("%sContent-Length: -1\r\n", auth), "Content-Length -1"},
	        {patch_line, 0, hx_fmt("%sContent-Length: 2\r\nContent-Length: 3\r\n", with_auth),
	         "two Content-Length headers"},
	        {patch_line, 0,
	         hx_fmt("%sContent-Length: 5\r\nTransfer-Encoding: chunked\r\n", with_auth),
	         "Content-Length and Transfer-Encoding"},
	        {line, 0, hx_fmt("%sBad Header: x\r\n", auth), "a space in a header name"},
	        {line, 0, hx_fmt("%s: no name\r\n", auth), "a header without a name"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = request_text(cases[i].line, cases[i].no_host, cases[i].lines);
		expect_refused_text(&fx, text, 400, 400, cases[i].what);
		free(text);
		free(cases[i].lines);
	}
	/* a smuggling attempt: a chunked body that hides a second request */
	char *smuggle =
	        hx_fmt("%s\r\nHost: %s:%d\r\n%sContent-Length: 4\r\nTransfer-Encoding: "
	               "chunked\r\n\r\n0\r\n\r\nPATCH %s" READ_PATH "/crm-status HTTP/1.1\r\n"
	               "Host: x\r\n%sContent-Length: 24\r\n\r\n{\"crmStatus\":\"PROSPECT\"}",
	               patch_line, u.host, u.port, with_auth, u.prefix, with_auth);
	struct http *r = send_bytes(smuggle, strlen(smuggle));
	hx_assert_error(r, 400, "a smuggled second request");
	http_free(r);
	hx_sleep_ms(200);
	hx_assert_unchanged(&fx, "a smuggled second request");
	free(smuggle);
	free(with_auth);
	free(space_target);
	free(ctl_target);
	free(bad_method);
	free(patch_line);
	free(line);
	free(auth);
	hx_end(&fx);
}

Test(hostile_protocol, a_header_beyond_nginx_buffers_is_refused_in_the_error_shape)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxn-bighdr", 0);
	char *pad = hx_repeat("a", 40 * 1024);
	char *big_token = hx_fmt("Authorization: Bearer %s", pad);
	char *big_other = hx_fmt("X-Padding: %s", pad);
	char *auth = hx_fmt("Authorization: Bearer %s", fx.token);
	const char *const one[] = {big_token, NULL};
	const char *const two[] = {auth, big_other, NULL};
	struct http *r = hx_send(HX_MAIN, "GET", READ_PATH, one, NULL, 0);
	hx_assert_error2(r, 400, 431, "a 40 KiB Authorization header");
	http_free(r);
	r = hx_send(HX_MAIN, "GET", READ_PATH, two, NULL, 0);
	hx_assert_error2(r, 400, 431, "a 40 KiB X-Padding header");
	http_free(r);
	hx_assert_unchanged(&fx, "a 40 KiB header");
	free(auth);
	free(big_other);
	free(big_token);
	free(pad);
	hx_end(&fx);
}

/* Each header fits nginx's 32 KiB buffers, but together they exceed what one FastCGI record
 * carries (64 KiB): a client error, refused in the error shape, never a 500. */
Test(hostile_protocol, headers_too_big_for_fastcgi_together_are_a_4xx_in_the_error_shape)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxn-fcgirec", 0);
	char *pad = hx_repeat("v", 30000);
	char *auth = hx_fmt("Authorization: Bearer %s", fx.token);
	char *h1 = hx_fmt("X-Pad-1: %s", pad), *h2 = hx_fmt("X-Pad-2: %s", pad),
	     *h3 = hx_fmt("X-Pad-3: %s", pad);
	/* the positive control: one such header is fine */
	const char *const one[] = {auth, h1, NULL};
	struct http *r = hx_send(HX_MAIN, "GET", READ_PATH, one, NULL, 0);
	hx_assert_ok_customer(r, "one 30 KB header");
	http_free(r);
	const char *const three[] = {auth, h1, h2, h3, NULL};
	r = hx_send(HX_MAIN, "GET", READ_PATH, three, NULL, 0);
	hx_assert_error_shape(r, "three 30 KB headers");
	cr_assert(r->status >= 400 && r->status <= 499,
	          "three 30 KB headers: expected a 4xx, got %ld", r->status);
	http_free(r);
	const char *const three_patch[] = {auth, "Content-Type: " HX_JSON, h1, h2, h3, NULL};
	static const char body[] = "{\"crmStatus\":\"PROSPECT\"}";
	r = hx_send(HX_MAIN, "PATCH", READ_PATH "/crm-status", three_patch, body, strlen(body));
	hx_assert_error_shape(r, "three 30 KB headers on a PATCH");
	cr_assert(r->status >= 400 && r->status <= 499,
	          "three 30 KB headers on a PATCH: expected a 4xx, got %ld", r->status);
	http_free(r);
	hx_assert_unchanged(&fx, "three 30 KB headers");
	free(h1);
	free(h2);
	free(h3);
	free(auth);
	free(pad);
	hx_end(&fx);
}

Test(hostile_protocol, an_unknown_transfer_coding_is_refused_in_the_error_shape)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxn-te", 0);
	char *auth = hx_fmt("Authorization: Bearer %s", fx.token);
	static const char *const codings[] = {"Transfer-Encoding: gzip",
	                                      "Transfer-Encoding: gzip, chunked",
	                                      "Transfer-Encoding: identity"};
	for (size_t i = 0; i < sizeof(codings) / sizeof(codings[0]); i++) {
		const char *const lines[] = {auth, "Content-Type: " HX_JSON, codings[i], NULL};
		static const char body[] = "18\r\n{\"crmStatus\":\"PROSPECT\"}\r\n0\r\n\r\n";
		struct http *r = hx_send(HX_MAIN, "PATCH", READ_PATH "/crm-status", lines, body,
		                         strlen(body));
		hx_assert_error2(r, 400, 501, codings[i]);
		http_free(r);
		hx_assert_unchanged(&fx, codings[i]);
	}
	free(auth);
	hx_end(&fx);
}

Test(hostile_protocol, an_unsupported_http_version_is_refused_in_the_error_shape)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxn-version", 0);
	struct hx_url u;
	hx_url_of(HX_MAIN, &u);
	static const char *const versions[] = {"HTTP/2.0", "HTTP/3.0", "HTTP/9.9"};
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		char *line = hx_fmt("GET %s" READ_PATH " %s", u.prefix, versions[i]);
		char *auth = hx_fmt("Authorization: Bearer %s\r\n", fx.token);
		char *text = request_text(line, 0, auth);
		expect_refused_text(&fx, text, 400, 505, versions[i]);
		free(text);
		free(auth);
		free(line);
	}
	hx_end(&fx);
}

/* ---- a stream of hostile requests ------------------------------------------------------------ */

/* What watches the workers' memory: 0 nothing, 1 AddressSanitizer, 2 valgrind. */
static int pool_checker(const struct hx_pool *p)
{
	int checker = 0;
	for (size_t i = 0; i < p->n; i++) {
		char path[64], line[512];
		snprintf(path, sizeof(path), "/proc/%ld/maps", (long)p->pid[i]);
		FILE *f = fopen(path, "r");
		cr_assert_not_null(f, "%s", path);
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strstr(line, "libasan") != NULL && checker == 0)
				checker = 1;
			if (strstr(line, "vgpreload") != NULL)
				checker = 2;
		}
		fclose(f);
	}
	return checker;
}

/* The resident set of the pool's workers in KiB. */
static long pool_rss_kib(const struct hx_pool *p)
{
	long total = 0;
	for (size_t i = 0; i < p->n; i++) {
		char path[64], line[256];
		snprintf(path, sizeof(path), "/proc/%ld/status", (long)p->pid[i]);
		FILE *f = fopen(path, "r");
		cr_assert_not_null(f, "%s", path);
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "VmRSS:", 6) == 0)
				total += strtol(line + 6, NULL, 10);
		fclose(f);
	}
	return total;
}

/* One round of hostile requests of every kind the parsers see; i makes tokens unique. */
static void hostile_round(const struct hx_fx *fx, int i, const char *deep, const char *bad_utf8)
{
	char *auth = hx_fmt("Authorization: Bearer %s", fx->token);
	const char *const json[] = {auth, "Content-Type: " HX_JSON, NULL};
	struct http *r =
	        hx_send(HX_MAIN, "PATCH", READ_PATH "/crm-status", json, deep, strlen(deep));
	cr_assert(r != NULL && r->status == 400, "round %d: deep body: %ld", i, r ? r->status : 0);
	http_free(r);
	r = hx_send(HX_MAIN, "PATCH", READ_PATH "/next-action", json, bad_utf8, strlen(bad_utf8));
	cr_assert(r != NULL && r->status == 400, "round %d: bad UTF-8: %ld", i, r ? r->status : 0);
	http_free(r);
	/* a unique, validly signed token with bad claims: the whole verification path */
	char *claims = hx_fmt("{\"sub\":%d,\"tenantId\":\"%s\",\"exp\":%ld,\"n\":\"%.3000s\"}", i,
	                      fx->tenant, (long)time(NULL) + 600, deep + 40000);
	char *tok = hx_hs256(claims);
	r = hx_call(HX_MAIN, "GET", READ_PATH, tok, NULL, NULL);
	cr_assert(r->status == 401, "round %d: bad claims: %ld", i, r->status);
	http_free(r);
	char *cursor_path = hx_fmt("/crm/customers/by-status/LEAD?limit=1&cursor=%.*s%d", 1400,
	                           deep + 30000, i);
	r = hx_call(HX_MAIN, "GET", cursor_path, fx->token, NULL, NULL);
	cr_assert(r->status == 400, "round %d: forged cursor: %ld", i, r->status);
	http_free(r);
	free(cursor_path);
	free(tok);
	free(claims);
	free(auth);
}

/*
 * 1,000 rounds carry ~120 MB of bodies and 4 MB of tokens: a leak of any of
 * them shows in the workers' resident set.  Under AddressSanitizer (make test
 * SANITIZE=1) the set is not compared (its quarantine grows it) but the
 * stream still runs and LeakSanitizer reports at exit; under valgrind
 * (make valgrind) a short stream runs, for the same reason and for time.
 */
Test(hostile_protocol, workers_stay_flat_under_a_stream_of_hostile_requests)
{
	struct hx_fx fx;
	hx_begin(&fx, "hxn-leak", 0);
	int checker = pool_checker(&fx.main);
	int warm = checker == 2 ? 5 : 150, rounds = checker == 2 ? 40 : 1000;
	/* 30,000 '[' and 30,000 'A': a body the JSON parser refuses, and letters for tokens and cursors */
	char *deep = hx_repeat("[", 60000);
	memset(deep + 30000, 'A', 30000);
	char *bad_utf8 = hx_fmt("{\"nextAction\":\"%s\xff\"}", deep + 30000);
	for (int i = 0; i < warm; i++) /* warm the allocators up */
		hostile_round(&fx, i, deep, bad_utf8);
	long before = pool_rss_kib(&fx.main);
	for (int i = warm; i < warm + rounds; i++)
		hostile_round(&fx, i, deep, bad_utf8);
	long after = pool_rss_kib(&fx.main);
	if (checker == 0) {
		cr_log_info("worker RSS: %ld KiB before, %ld KiB after %d rounds", before, after,
		            rounds);
		cr_assert(after - before < 8 * 1024,
		          "the workers grew from %ld KiB to %ld KiB over %d rounds of hostile "
		          "requests (a leak?)",
		          before, after, rounds);
	} else {
		cr_log_info("worker RSS not compared: the workers run under %s",
		            checker == 1 ? "AddressSanitizer" : "valgrind");
	}
	hx_assert_unchanged(&fx, "the stream");
	free(bad_utf8);
	free(deep);
	hx_end(&fx);
}
