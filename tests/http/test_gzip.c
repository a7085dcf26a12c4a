/* test_gzip: compressed answers through nginx — gzip only when asked, inflating to exactly the plain bytes, their own ETags, never stale. */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <mysqld_error.h>
#include <zlib.h>

#include "model/list_sql.h"
#include "tests/http/client.h"
#include "tests/http/test_read_helpers.h"

/*
 * libcurl decodes nothing unless CURLOPT_ACCEPT_ENCODING is set, and
 * http_do() never sets it: these tests send Accept-Encoding themselves and
 * get the body as it came over the wire, which they inflate with zlib.
 * Every plain/gzip pair is compared byte for byte, so a fixture never changes
 * between the two reads of a pair (overdue due dates are all in the past).
 */

#define OWNER    "u-gz"
#define OTHER    "u-gz-other"
#define GZ_SCOPE "crm:read crm:write"
#define MERGE    "application/merge-patch+json"
#define DUE      "2020-01-01T00:00:00Z"
/* reads in a row after a change: the test pool has 2 workers; each must serve some */
#define READS 8

/* The four lists, each of which holds every customer the fixtures make. */
static const char *const lists[] = {
        "/crm/customers/my",
        "/crm/customers/overdue-actions",
        "/crm/customers/by-owner/" OWNER,
        "/crm/customers/by-status/ACTIVE",
};
#define N_LISTS (sizeof(lists) / sizeof(lists[0]))

/* Accept-Encoding values that must get gzip, and values that must not. */
static const char *const accepting[] = {"gzip", "gzip, deflate, br", "deflate, gzip;q=0.5", "*"};
static const char *const refusing[] = {NULL, "identity", "gzip;q=0", "deflate", "br"};

/* ---- requests ----------------------------------------------------------------- */

/* method path with Accept-Encoding ae (NULL: none) and If-None-Match inm (NULL: none). */
static struct http *req(const char *method, const char *path, const char *tok, const char *ae,
                        const char *inm)
{
	char a[256], b[512];
	const char *extra[3] = {NULL, NULL, NULL};
	size_t n = 0;
	if (ae != NULL) {
		snprintf(a, sizeof(a), "Accept-Encoding: %s", ae);
		extra[n++] = a;
	} else {
		extra[n++] = "Accept-Encoding:"; /* curl sends none anyway; make sure */
	}
	if (inm != NULL) {
		snprintf(b, sizeof(b), "If-None-Match: %s", inm);
		extra[n++] = b;
	}
	return http_do(method, path, tok, NULL, NULL, extra);
}

static struct http *get_plain(const char *path, const char *tok)
{
	return req("GET", path, tok, NULL, NULL);
}

static struct http *get_gz(const char *path, const char *tok)
{
	return req("GET", path, tok, "gzip", NULL);
}

/* A token of OWNER (so /my lists OWNER's customers) that may also write. Free with free(). */
static char *owner_token(const char *tenant)
{
	return token_for(OWNER, tenant, GZ_SCOPE);
}

/* ---- headers ---------------------------------------------------------------------- */

/* 1 when some `name` header line of r lists token (comma-separated, case-insensitive). */
static int header_lists(const struct http *r, const char *name, const char *token)
{
	size_t nlen = strlen(name), tlen = strlen(token);
	for (const char *p = r->headers; p != NULL && *p != '\0';) {
		const char *eol = strstr(p, "\r\n");
		const char *end = eol ? eol : p + strlen(p);
		if ((size_t)(end - p) > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			const char *v = p + nlen + 1;
			while (v < end) {
				while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
					v++;
				const char *e = v;
				while (e < end && *e != ',')
					e++;
				const char *t = e;
				while (t > v && (t[-1] == ' ' || t[-1] == '\t'))
					t--;
				if ((size_t)(t - v) == tlen && strncasecmp(v, token, tlen) == 0)
					return 1;
				v = e;
			}
		}
		p = eol ? eol + 2 : NULL;
	}
	return 0;
}

/* The number of `name` header lines of r. */
static int header_lines(const struct http *r, const char *name)
{
	size_t nlen = strlen(name);
	int n = 0;
	for (const char *p = r->headers; p != NULL && *p != '\0';) {
		if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':')
			n++;
		const char *eol = strstr(p, "\r\n");
		p = eol ? eol + 2 : NULL;
	}
	return n;
}

static void assert_vary(const struct http *r, const char *what)
{
	cr_assert(header_lists(r, "Vary", "Accept-Encoding"),
	          "%s: no 'Vary: Accept-Encoding' (status %ld); headers:\n%s", what, r->status,
	          r->headers);
}

static void assert_json_type(const struct http *r, const char *what)
{
	char *ct = http_header(r, "Content-Type");
	cr_assert(ct != NULL && strncasecmp(ct, "application/json", 16) == 0,
	          "%s: Content-Type is %s, not application/json", what, ct ? ct : "absent");
	free(ct);
}

/* The ETag of r (malloc'd); asserts a quoted strong tag. */
static char *strong_etag(const struct http *r, const char *what)
{
	char *tag = http_header(r, "ETag");
	cr_assert_not_null(tag, "%s: no ETag (status %ld)", what, r->status);
	size_t n = strlen(tag);
	cr_assert(n >= 2 && tag[0] == '"' && tag[n - 1] == '"',
	          "%s: the ETag is not a strong quoted tag: %s", what, tag);
	return tag;
}

/* Two header values (either may be NULL) are the same. */
static void assert_same_header(const struct http *a, const struct http *b, const char *name,
                               const char *what)
{
	char *x = http_header(a, name), *y = http_header(b, name);
	cr_assert((x == NULL && y == NULL) || (x != NULL && y != NULL && strcmp(x, y) == 0),
	          "%s: %s differs: '%s' vs '%s'", what, name, x ? x : "(absent)",
	          y ? y : "(absent)");
	free(x);
	free(y);
}

/* ---- bytes ------------------------------------------------------------------------- */

/* Asserts got[0..glen) is want[0..wlen) byte for byte; names the first difference. */
static void assert_same_bytes(const char *got, size_t glen, const char *want, size_t wlen,
                              const char *what)
{
	size_t i = 0;
	while (i < glen && i < wlen && got[i] == want[i])
		i++;
	if (i == glen && i == wlen)
		return;
	size_t from = i > 40 ? i - 40 : 0;
	cr_assert_fail("%s: %zu bytes, expected %zu; first difference at byte %zu:\n"
	               "  got  ...%.*s...\n  want ...%.*s...",
	               what, glen, wlen, i, (int)(glen - from < 100 ? glen - from : 100),
	               got + from, (int)(wlen - from < 100 ? wlen - from : 100), want + from);
}

/*
 * Inflates a gzip body (RFC 1952: one member or several in a row; each
 * member's CRC-32 and length are checked by zlib) into *out (malloc'd,
 * NUL-terminated) and *out_len.  Returns the number of members; aborts the
 * test when the body is no complete gzip stream or has bytes after it.
 */
static int gunzip(const char *in, size_t len, char **out, size_t *out_len, const char *what)
{
	cr_assert(len >= 18, "%s: a gzip body of %zu bytes is too short for one member", what, len);
	cr_assert((unsigned char)in[0] == 0x1f && (unsigned char)in[1] == 0x8b && in[2] == 8,
	          "%s: the body does not start with the gzip magic and deflate method: %02x %02x "
	          "%02x",
	          what, (unsigned char)in[0], (unsigned char)in[1], (unsigned char)in[2]);
	z_stream z;
	memset(&z, 0, sizeof(z));
	cr_assert_eq(inflateInit2(&z, 16 + MAX_WBITS), Z_OK, "inflateInit2");
	size_t cap = len * 8 + 65536, n = 0;
	char *o = malloc(cap);
	cr_assert_not_null(o, "out of memory");
	int members = 0;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	for (;;) {
		if (cap - n < 65536) {
			cap *= 2;
			o = realloc(o, cap);
			cr_assert_not_null(o, "out of memory");
		}
		z.next_out = (Bytef *)o + n;
		z.avail_out = (uInt)(cap - n - 1);
		int rc = inflate(&z, Z_NO_FLUSH);
		n = (size_t)((char *)z.next_out - o);
		if (rc == Z_STREAM_END) {
			members++;
			if (z.avail_in == 0)
				break;
			cr_assert(z.avail_in >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b,
			          "%s: %u bytes after gzip member %d are no gzip member", what,
			          z.avail_in, members);
			cr_assert_eq(inflateReset(&z), Z_OK, "inflateReset");
			continue;
		}
		if (rc == Z_OK || (rc == Z_BUF_ERROR && z.avail_out == 0))
			continue;
		cr_assert(!(rc == Z_BUF_ERROR && z.avail_in == 0),
		          "%s: the gzip stream is truncated (after %zu inflated bytes)", what, n);
		cr_assert_fail("%s: the body is no valid gzip stream: inflate %d (%s) after %zu "
		               "inflated bytes",
		               what, rc, z.msg ? z.msg : "?", n);
	}
	inflateEnd(&z);
	o[n] = '\0';
	*out = o;
	*out_len = n;
	return members;
}

/* ---- the two kinds of answer ----------------------------------------------------------- */

/* Asserts r is 200, plain (no Content-Encoding), Vary: Accept-Encoding, JSON, with plain's bytes. */
static void assert_plain_answer(const struct http *r, const struct http *plain, const char *what)
{
	cr_assert_eq(r->status, 200, "%s: expected 200, got %ld: %s", what, r->status, r->body);
	char *ce = http_header(r, "Content-Encoding");
	cr_assert_null(ce, "%s: Content-Encoding %s on an answer that must be plain", what, ce);
	assert_vary(r, what);
	assert_json_type(r, what);
	if (plain != NULL)
		assert_same_bytes(r->body, r->body_len, plain->body, plain->body_len, what);
	else
		cr_assert_not_null(r->json, "%s: the plain body is not JSON: %.200s", what,
		                   r->body);
}

/*
 * Asserts r is 200 with Content-Encoding: gzip, Vary: Accept-Encoding,
 * Content-Type application/json and a body that inflates to exactly plain's
 * bytes.  Returns the number of gzip members.
 */
static int assert_gzip_answer(const struct http *r, const struct http *plain, const char *what)
{
	cr_assert_eq(r->status, 200, "%s: expected 200, got %ld", what, r->status);
	char *ce = http_header(r, "Content-Encoding");
	cr_assert(ce != NULL && strcasecmp(ce, "gzip") == 0,
	          "%s: Content-Encoding is %s, expected gzip; headers:\n%s", what,
	          ce ? ce : "absent", r->headers);
	free(ce);
	cr_assert_eq(header_lines(r, "Content-Encoding"), 1, "%s: more than one Content-Encoding",
	             what);
	assert_vary(r, what);
	assert_json_type(r, what);
	char *in = NULL;
	size_t in_len = 0;
	int members = gunzip(r->body, r->body_len, &in, &in_len, what);
	assert_same_bytes(in, in_len, plain->body, plain->body_len, what);
	free(in);
	return members;
}

/* GETs path plain and with Accept-Encoding ae; asserts the pair; the gzip answer's Link goes to *next (malloc'd; NULL: none). */
static void check_pair(const char *path, const char *tok, const char *ae, char **next)
{
	char what[512];
	struct http *plain = get_plain(path, tok);
	snprintf(what, sizeof(what), "GET %s without Accept-Encoding", path);
	assert_plain_answer(plain, NULL, what);
	struct http *gz = req("GET", path, tok, ae, NULL);
	snprintf(what, sizeof(what), "GET %s with Accept-Encoding: %s", path, ae);
	assert_gzip_answer(gz, plain, what);
	/* the cursor in a Link differs from answer to answer: compare presence only (the
	 * callers follow the gzip answer's Link and compare that page too) */
	char *gl = http_header(gz, "Link"), *pl = http_header(plain, "Link");
	cr_assert((gl == NULL) == (pl == NULL), "%s: Link '%s', the plain answer's '%s'", what,
	          gl ? gl : "(absent)", pl ? pl : "(absent)");
	free(gl);
	free(pl);
	assert_same_header(gz, plain, "Cache-Control", what);
	if (next != NULL)
		*next = rh_next_path(gz);
	http_free(plain);
	http_free(gz);
}

/* ---- fixtures -------------------------------------------------------------------------- */

/* Users OWNER and OTHER; no customers. */
static void users_fixture(const char *tenant)
{
	rh_import(tenant, json_pack("{s:[{s:s,s:s,s:s},{s:s,s:s,s:s}]}", "users", "id", OWNER,
	                            "username", "gz", "displayName", "Gustav Zip", "id", OTHER,
	                            "username", "gz-other", "displayName", "Otto Other"));
}

/* A customer of OWNER, ACTIVE, with an overdue next action: on all four lists. */
static json_t *listed_customer(const char *id, const char *name)
{
	return rh_customer(id, name, OWNER, "ACTIVE", "Call back", DUE);
}

/* The users, then customers c1..c<n> (c1 with an opportunity and an activity). */
static void small_fixture(const char *tenant, int n)
{
	users_fixture(tenant);
	json_t *cs = json_array();
	for (int i = 1; i <= n; i++) {
		char id[16], name[32];
		snprintf(id, sizeof(id), "c%d", i);
		snprintf(name, sizeof(name), "Customer %d", i);
		json_array_append_new(cs, listed_customer(id, name));
	}
	rh_import(tenant,
	          json_pack("{s:o,s:[o],s:[o]}", "customers", cs, "opportunities",
	                    sample_opportunity("opp-1", "c1", "2024-04-01T08:00:00Z"), "activities",
	                    sample_activity("act-1", "c1", "2024-04-10T10:00:00Z")));
}

/* ---- which Accept-Encoding gets gzip ------------------------------------------------------ */

Test(gzip, each_list_route_answers_gzip_that_inflates_to_the_plain_page)
{
	char tenant[80];
	fresh_tenant("gz-lists", tenant, sizeof(tenant));
	small_fixture(tenant, 3);
	char *tok = owner_token(tenant);
	for (size_t i = 0; i < N_LISTS; i++)
		check_pair(lists[i], tok, "gzip", NULL);
	free(tok);
}

Test(gzip, the_enriched_customer_answers_gzip_that_inflates_to_the_plain_bytes)
{
	char tenant[80];
	fresh_tenant("gz-enriched", tenant, sizeof(tenant));
	small_fixture(tenant, 2);
	char *tok = owner_token(tenant);
	check_pair("/crm/customers/c1", tok, "gzip", NULL);
	check_pair("/crm/customers/c2", tok, "gzip", NULL);
	free(tok);
}

Test(gzip, every_accepting_form_of_accept_encoding_gets_gzip)
{
	char tenant[80];
	fresh_tenant("gz-forms", tenant, sizeof(tenant));
	small_fixture(tenant, 2);
	char *tok = owner_token(tenant);
	for (size_t a = 0; a < sizeof(accepting) / sizeof(accepting[0]); a++) {
		for (size_t i = 0; i < N_LISTS; i++)
			check_pair(lists[i], tok, accepting[a], NULL);
		check_pair("/crm/customers/c1", tok, accepting[a], NULL);
	}
	free(tok);
}

Test(gzip, no_or_refusing_accept_encoding_gets_the_plain_body_with_vary)
{
	char tenant[80];
	fresh_tenant("gz-refuse", tenant, sizeof(tenant));
	small_fixture(tenant, 2);
	char *tok = owner_token(tenant);
	const char *paths[N_LISTS + 1];
	for (size_t i = 0; i < N_LISTS; i++)
		paths[i] = lists[i];
	paths[N_LISTS] = "/crm/customers/c1";
	for (size_t i = 0; i < N_LISTS + 1; i++) {
		struct http *plain = get_plain(paths[i], tok);
		char *plain_tag = strong_etag(plain, paths[i]);
		for (size_t a = 0; a < sizeof(refusing) / sizeof(refusing[0]); a++) {
			char what[512];
			snprintf(what, sizeof(what), "GET %s with Accept-Encoding: %s", paths[i],
			         refusing[a] ? refusing[a] : "(none)");
			struct http *r = req("GET", paths[i], tok, refusing[a], NULL);
			assert_plain_answer(r, plain, what);
			char *tag = strong_etag(r, what);
			cr_assert_str_eq(tag, plain_tag, "%s: not the plain answer's ETag", what);
			free(tag);
			http_free(r);
		}
		free(plain_tag);
		http_free(plain);
	}
	free(tok);
}

/* Forms whose answer the spec leaves open: gzip or plain, but either exactly right. */
Test(gzip, undecided_forms_get_either_correct_gzip_or_the_plain_body)
{
	static const char *const forms[] = {"GZIP;q=1",
	                                    "x-gzip",
	                                    "gzip;q=0.001",
	                                    "identity, gzip",
	                                    "gzip;q=1.0, identity;q=0",
	                                    "  gzip  ",
	                                    "br;q=1, *;q=0"};
	char tenant[80];
	fresh_tenant("gz-open", tenant, sizeof(tenant));
	small_fixture(tenant, 2);
	char *tok = owner_token(tenant);
	const char *paths[] = {"/crm/customers/by-status/ACTIVE", "/crm/customers/c1"};
	for (size_t p = 0; p < 2; p++) {
		struct http *plain = get_plain(paths[p], tok);
		for (size_t a = 0; a < sizeof(forms) / sizeof(forms[0]); a++) {
			char what[512];
			snprintf(what, sizeof(what), "GET %s with Accept-Encoding: %s", paths[p],
			         forms[a]);
			struct http *r = req("GET", paths[p], tok, forms[a], NULL);
			char *ce = http_header(r, "Content-Encoding");
			if (ce != NULL)
				assert_gzip_answer(r, plain, what);
			else
				assert_plain_answer(r, plain, what);
			free(ce);
			http_free(r);
		}
		http_free(plain);
	}
	free(tok);
}

/* ---- page sizes ---------------------------------------------------------------------------- */

Test(gzip, empty_list_pages_inflate_to_the_plain_empty_array)
{
	char tenant[80];
	fresh_tenant("gz-empty", tenant, sizeof(tenant));
	users_fixture(tenant);
	char *tok = owner_token(tenant);
	for (size_t i = 0; i < N_LISTS; i++) {
		char *next = NULL;
		check_pair(lists[i], tok, "gzip", &next);
		cr_assert_null(next, "%s: an empty list has a Link", lists[i]);
	}
	struct http *plain = get_plain(lists[0], tok);
	cr_assert_str_eq(plain->body, "[]", "the empty page is not []: %s", plain->body);
	http_free(plain);
	free(tok);
}

Test(gzip, one_customer_pages_inflate_to_the_plain_page)
{
	char tenant[80];
	fresh_tenant("gz-one", tenant, sizeof(tenant));
	small_fixture(tenant, 1);
	char *tok = owner_token(tenant);
	for (size_t i = 0; i < N_LISTS; i++)
		check_pair(lists[i], tok, "gzip", NULL);
	/* and limit=1: a full page of one */
	for (size_t i = 0; i < N_LISTS; i++) {
		char path[256];
		snprintf(path, sizeof(path), "%s?limit=1", lists[i]);
		check_pair(path, tok, "gzip", NULL);
	}
	free(tok);
}

#define MANY 150

Test(gzip, pages_of_many_customers_inflate_to_the_plain_pages, .timeout = 300)
{
	char tenant[80];
	fresh_tenant("gz-many", tenant, sizeof(tenant));
	users_fixture(tenant);
	json_t *cs = json_array();
	for (int i = 0; i < MANY; i++) {
		char id[16], name[32];
		snprintf(id, sizeof(id), "m-%03d", i);
		/* repeated names, so the id decides the order too */
		snprintf(name, sizeof(name), "Many %02d", (i * 37) % 50);
		json_array_append_new(cs, listed_customer(id, name));
	}
	rh_import_customers(tenant, cs);
	char *tok = owner_token(tenant);
	for (size_t i = 0; i < N_LISTS; i++) {
		char path[256], *next = NULL;
		/* limit=100: the first page, then the second through the gzip answer's Link */
		snprintf(path, sizeof(path), "%s?limit=100", lists[i]);
		check_pair(path, tok, "gzip", &next);
		cr_assert_not_null(next, "%s: 150 customers in pages of 100 and no Link", path);
		char *last = NULL;
		check_pair(next, tok, "gzip", &last);
		cr_assert_null(last, "%s: a third page after 100 + 50", next);
		struct http *p2 = get_plain(next, tok);
		cr_assert_eq(json_array_size(p2->json), MANY - 100,
		             "%s: the second page: %zu items", next, json_array_size(p2->json));
		http_free(p2);
		free(next);
		/* one page of all, and the default page */
		snprintf(path, sizeof(path), "%s?limit=1000", lists[i]);
		check_pair(path, tok, "gzip", NULL);
		check_pair(lists[i], tok, "gzip", NULL);
	}
	struct http *all = get_plain("/crm/customers/by-status/ACTIVE?limit=1000", tok);
	cr_assert_eq(json_array_size(all->json), MANY, "limit=1000 lists %zu, not %d",
	             json_array_size(all->json), MANY);
	http_free(all);
	free(tok);
}

/* A customer whose list shape is ~250 KB of poorly compressible text and non-ASCII names. */
static json_t *big_customer(const char *id, const char *name)
{
	json_t *c = listed_customer(id, name);
	json_t *events = json_array();
	unsigned long x = 0x9e3779b97f4a7c15UL;
	for (int i = 0; i < 1500; i++) {
		char eid[32], desc[160];
		int n = snprintf(desc, sizeof(desc), "Notitie %d – café Ærø 😀 ", i);
		while (n < 140) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			desc[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[x % 36];
		}
		desc[n] = '\0';
		snprintf(eid, sizeof(eid), "ev-%d", i);
		json_array_append_new(events,
		                      json_pack("{s:s,s:s,s:s,s:s,s:s}", "authorId", "u-sales-1",
		                                "date", "2024-03-01T09:30:00Z", "description", desc,
		                                "id", eid, "type", "UPDATE"));
	}
	json_object_set_new(c, "events", events);
	return c;
}

Test(gzip, large_and_non_ascii_customers_inflate_to_the_plain_page, .timeout = 300)
{
	char tenant[80];
	fresh_tenant("gz-big", tenant, sizeof(tenant));
	users_fixture(tenant);
	json_t *cs = json_array();
	json_array_append_new(cs, big_customer("b-1", "Ünïcødé BV ☕"));
	json_array_append_new(cs, listed_customer("b-2", "Ελληνικά \"quoted\" \\ back"));
	json_array_append_new(cs, big_customer("b-3", "日本語の会社"));
	json_array_append_new(cs, listed_customer("b-4", "Zzz"));
	rh_import_customers(tenant, cs);
	char *tok = owner_token(tenant);
	for (int round = 0; round < 2; round++) /* fragments made, then fragments stored */
		for (size_t i = 0; i < N_LISTS; i++) {
			check_pair(lists[i], tok, "gzip", NULL);
			char path[256];
			snprintf(path, sizeof(path), "%s?limit=1", lists[i]);
			check_pair(path, tok, "gzip", NULL);
		}
	check_pair("/crm/customers/b-1", tok, "gzip", NULL);
	check_pair("/crm/customers/b-2", tok, "gzip", NULL);
	struct http *plain = get_plain("/crm/customers/by-status/ACTIVE", tok);
	cr_assert(plain->body_len > 400000, "the big page has only %zu bytes", plain->body_len);
	http_free(plain);
	free(tok);
}

Test(gzip, equal_gzip_etags_mean_equal_gzip_bytes)
{
	char tenant[80];
	fresh_tenant("gz-strong", tenant, sizeof(tenant));
	small_fixture(tenant, 3);
	char *tok = owner_token(tenant);
	const char *paths[N_LISTS + 1];
	for (size_t i = 0; i < N_LISTS; i++)
		paths[i] = lists[i];
	paths[N_LISTS] = "/crm/customers/c1";
	for (size_t i = 0; i < N_LISTS + 1; i++) {
		/* the first read makes the fragments, the later ones use the stored ones */
		struct http *first = get_gz(paths[i], tok);
		char *tag = strong_etag(first, paths[i]);
		for (int n = 0; n < 4; n++) {
			char what[512];
			snprintf(what, sizeof(what),
			         "gzip GET %d of %s (a strong ETag: the same bytes)", n + 2,
			         paths[i]);
			struct http *r = get_gz(paths[i], tok);
			char *t = strong_etag(r, what);
			cr_assert_str_eq(t, tag, "%s: the tag moved without a change", what);
			assert_same_bytes(r->body, r->body_len, first->body, first->body_len, what);
			free(t);
			http_free(r);
		}
		free(tag);
		http_free(first);
	}
	free(tok);
}

/* ---- HEAD --------------------------------------------------------------------------------- */

Test(gzip, head_with_gzip_has_the_headers_of_get_and_no_body)
{
	char tenant[80];
	fresh_tenant("gz-head", tenant, sizeof(tenant));
	small_fixture(tenant, 2);
	char *tok = owner_token(tenant);
	const char *paths[N_LISTS + 1];
	for (size_t i = 0; i < N_LISTS; i++)
		paths[i] = lists[i];
	paths[N_LISTS] = "/crm/customers/c1";
	for (size_t i = 0; i < N_LISTS + 1; i++) {
		char what[512];
		snprintf(what, sizeof(what), "HEAD %s with Accept-Encoding: gzip", paths[i]);
		struct http *g = get_gz(paths[i], tok);
		struct http *h = req("HEAD", paths[i], tok, "gzip", NULL);
		cr_assert_eq(h->status, 200, "%s: %ld", what, h->status);
		cr_assert_eq(h->body_len, 0, "%s: a body of %zu bytes", what, h->body_len);
		char *ce = http_header(h, "Content-Encoding");
		cr_assert(ce != NULL && strcasecmp(ce, "gzip") == 0,
		          "%s: Content-Encoding is %s, expected gzip (as GET)", what,
		          ce ? ce : "absent");
		free(ce);
		assert_vary(h, what);
		assert_json_type(h, what);
		assert_same_header(h, g, "ETag", what);
		char *hl = http_header(h, "Link"), *gl = http_header(g, "Link");
		cr_assert((hl == NULL) == (gl == NULL), "%s: Link '%s', GET's '%s'", what,
		          hl ? hl : "(absent)", gl ? gl : "(absent)");
		free(hl);
		free(gl);
		assert_same_header(h, g, "Cache-Control", what);
		char *cl = http_header(h, "Content-Length");
		if (cl != NULL) {
			char want[32];
			snprintf(want, sizeof(want), "%zu", g->body_len);
			cr_assert_str_eq(cl, want,
			                 "%s: Content-Length %s, but GET sends %zu gzip bytes",
			                 what, cl, g->body_len);
		}
		free(cl);
		/* and HEAD without gzip stays plain, with Vary */
		struct http *hp = req("HEAD", paths[i], tok, NULL, NULL);
		snprintf(what, sizeof(what), "HEAD %s without Accept-Encoding", paths[i]);
		cr_assert_eq(hp->status, 200, "%s: %ld", what, hp->status);
		ce = http_header(hp, "Content-Encoding");
		cr_assert_null(ce, "%s: Content-Encoding %s", what, ce);
		assert_vary(hp, what);
		http_free(hp);
		http_free(h);
		http_free(g);
	}
	free(tok);
}

/* ---- ETags ---------------------------------------------------------------------------------- */

/* The paths of the ETag tests: every list and the enriched customer. */
static const char *tag_paths[] = {
        "/crm/customers/my",
        "/crm/customers/overdue-actions",
        "/crm/customers/by-owner/" OWNER,
        "/crm/customers/by-status/ACTIVE",
        "/crm/customers/c1",
};
#define N_TAG_PATHS (sizeof(tag_paths) / sizeof(tag_paths[0]))

/* The plain and gzip ETags of path (malloc'd). */
static void both_tags(const char *path, const char *tok, char **plain_tag, char **gz_tag)
{
	struct http *p = get_plain(path, tok), *g = get_gz(path, tok);
	cr_assert_eq(p->status, 200, "GET %s: %ld", path, p->status);
	cr_assert_eq(g->status, 200, "GET %s (gzip): %ld", path, g->status);
	*plain_tag = strong_etag(p, path);
	*gz_tag = strong_etag(g, path);
	http_free(p);
	http_free(g);
}

Test(gzip, the_gzip_answer_has_its_own_strong_etag)
{
	char tenant[80];
	fresh_tenant("gz-etag", tenant, sizeof(tenant));
	small_fixture(tenant, 2);
	char *tok = owner_token(tenant);
	for (size_t i = 0; i < N_TAG_PATHS; i++) {
		char *p, *g, *p2, *g2;
		both_tags(tag_paths[i], tok, &p, &g);
		cr_assert_str_neq(p, g, "%s: the gzip answer has the plain answer's ETag %s",
		                  tag_paths[i], p);
		/* and it is stable: the same bytes, the same tag */
		both_tags(tag_paths[i], tok, &p2, &g2);
		cr_assert_str_eq(p, p2, "%s: the plain tag moved without a change", tag_paths[i]);
		cr_assert_str_eq(g, g2, "%s: the gzip tag moved without a change", tag_paths[i]);
		free(p);
		free(g);
		free(p2);
		free(g2);
	}
	free(tok);
}

/* Asserts a 304 carrying tag (and Vary, RFC 9110 15.4.5) and no body. */
static void assert_304(struct http *r, const char *tag, const char *what)
{
	cr_assert_eq(r->status, 304, "%s: expected 304, got %ld", what, r->status);
	cr_assert_eq(r->body_len, 0, "%s: a 304 with %zu body bytes", what, r->body_len);
	char *t = strong_etag(r, what);
	cr_assert_str_eq(t, tag, "%s: the 304 names %s, not %s", what, t, tag);
	free(t);
	assert_vary(r, what);
}

Test(gzip, if_none_match_with_the_gzip_tag_and_gzip_accepted_is_304)
{
	char tenant[80];
	fresh_tenant("gz-inm", tenant, sizeof(tenant));
	small_fixture(tenant, 2);
	char *tok = owner_token(tenant);
	for (size_t i = 0; i < N_TAG_PATHS; i++) {
		char *p, *g, what[512], inm[256];
		both_tags(tag_paths[i], tok, &p, &g);
		snprintf(what, sizeof(what), "GET %s, gzip, If-None-Match %s", tag_paths[i], g);
		struct http *r = req("GET", tag_paths[i], tok, "gzip", g);
		assert_304(r, g, what);
		http_free(r);
		snprintf(what, sizeof(what), "HEAD %s, gzip, If-None-Match %s", tag_paths[i], g);
		r = req("HEAD", tag_paths[i], tok, "gzip", g);
		assert_304(r, g, what);
		http_free(r);
		/* a list naming both, and the weak form (If-None-Match compares weakly) */
		snprintf(inm, sizeof(inm), "%s, %s", p, g);
		snprintf(what, sizeof(what), "GET %s, gzip, If-None-Match %s", tag_paths[i], inm);
		r = req("GET", tag_paths[i], tok, "gzip", inm);
		assert_304(r, g, what);
		http_free(r);
		snprintf(inm, sizeof(inm), "W/%s", g);
		snprintf(what, sizeof(what), "GET %s, gzip, If-None-Match %s", tag_paths[i], inm);
		r = req("GET", tag_paths[i], tok, "gzip", inm);
		assert_304(r, g, what);
		http_free(r);
		/* and the plain tag without gzip stays 304 as before */
		snprintf(what, sizeof(what), "GET %s, plain, If-None-Match %s", tag_paths[i], p);
		r = req("GET", tag_paths[i], tok, NULL, p);
		assert_304(r, p, what);
		http_free(r);
		free(p);
		free(g);
	}
	free(tok);
}

Test(gzip, the_plain_tag_with_gzip_accepted_is_200_with_the_gzip_body)
{
	char tenant[80];
	fresh_tenant("gz-inm-plain", tenant, sizeof(tenant));
	small_fixture(tenant, 2);
	char *tok = owner_token(tenant);
	for (size_t i = 0; i < N_TAG_PATHS; i++) {
		char *p, *g, what[512];
		both_tags(tag_paths[i], tok, &p, &g);
		struct http *plain = get_plain(tag_paths[i], tok);
		snprintf(what, sizeof(what), "GET %s, gzip, If-None-Match %s (the plain tag)",
		         tag_paths[i], p);
		struct http *r = req("GET", tag_paths[i], tok, "gzip", p);
		assert_gzip_answer(r, plain, what);
		char *t = strong_etag(r, what);
		cr_assert_str_eq(t, g, "%s: the 200 names %s, not the gzip tag %s", what, t, g);
		free(t);
		http_free(r);
		free(p);
		free(g);
		http_free(plain);
	}
	free(tok);
}

Test(gzip, the_gzip_tag_without_gzip_accepted_is_200_with_the_plain_body)
{
	char tenant[80];
	fresh_tenant("gz-inm-gz", tenant, sizeof(tenant));
	small_fixture(tenant, 2);
	char *tok = owner_token(tenant);
	for (size_t i = 0; i < N_TAG_PATHS; i++) {
		char *p, *g, what[512];
		both_tags(tag_paths[i], tok, &p, &g);
		struct http *plain = get_plain(tag_paths[i], tok);
		for (size_t a = 0; a < sizeof(refusing) / sizeof(refusing[0]); a++) {
			snprintf(what, sizeof(what),
			         "GET %s, Accept-Encoding %s, If-None-Match %s (the gzip tag)",
			         tag_paths[i], refusing[a] ? refusing[a] : "(none)", g);
			struct http *r = req("GET", tag_paths[i], tok, refusing[a], g);
			assert_plain_answer(r, plain, what);
			char *t = strong_etag(r, what);
			cr_assert_str_eq(t, p, "%s: the 200 names %s, not the plain tag %s", what,
			                 t, p);
			free(t);
			http_free(r);
		}
		free(p);
		free(g);
		http_free(plain);
	}
	free(tok);
}

Test(gzip, an_old_gzip_tag_after_a_change_is_200_with_the_new_gzip_body)
{
	char tenant[80];
	fresh_tenant("gz-inm-old", tenant, sizeof(tenant));
	small_fixture(tenant, 2);
	char *tok = owner_token(tenant);
	char *old[N_TAG_PATHS], *plain_old[N_TAG_PATHS];
	for (size_t i = 0; i < N_TAG_PATHS; i++)
		both_tags(tag_paths[i], tok, &plain_old[i], &old[i]);
	struct http *w = http_do("POST", "/crm/customers/c1/tags/moved", tok, NULL, NULL, NULL);
	cr_assert_eq(w->status, 200, "POST tags/moved: %ld %s", w->status, w->body);
	http_free(w);
	for (size_t i = 0; i < N_TAG_PATHS; i++) {
		char what[512];
		snprintf(what, sizeof(what), "GET %s, gzip, If-None-Match %s (before a change)",
		         tag_paths[i], old[i]);
		struct http *r = req("GET", tag_paths[i], tok, "gzip", old[i]);
		struct http *plain = get_plain(tag_paths[i], tok);
		assert_gzip_answer(r, plain, what);
		char *t = strong_etag(r, what);
		cr_assert_str_neq(t, old[i], "%s: the tag did not change with the body", what);
		free(t);
		http_free(r);
		http_free(plain);
		free(old[i]);
		free(plain_old[i]);
	}
	free(tok);
}

/* POST /crm/customers/c1/tags/NAME with If-Match: tag; the status. */
static long tag_if_match(const char *tok, const char *tag, const char *name)
{
	char h[256], path[96];
	snprintf(h, sizeof(h), "If-Match: %s", tag);
	snprintf(path, sizeof(path), "/crm/customers/c1/tags/%s", name);
	const char *extra[] = {h, NULL};
	struct http *r = http_do("POST", path, tok, NULL, NULL, extra);
	long status = r->status;
	http_free(r);
	return status;
}

/* Browsers and fetch() ask for gzip by themselves: the tag they hold is the gzip answer's. */
Test(gzip, if_match_takes_the_gzip_answers_tag_as_well_as_the_plain_one)
{
	char tenant[80];
	fresh_tenant("gz-if-match", tenant, sizeof(tenant));
	small_fixture(tenant, 1);
	char *tok = owner_token(tenant);
	struct http *g = get_gz("/crm/customers/c1", tok);
	struct http *p = get_plain("/crm/customers/c1", tok);
	char *gz_tag = strong_etag(g, "gzip GET c1"), *plain_tag = strong_etag(p, "plain GET c1");
	cr_assert_str_neq(gz_tag, plain_tag);
	cr_assert_eq(tag_if_match(tok, gz_tag, "via-gzip-tag"), 200,
	             "If-Match with the gzip answer's current tag");
	cr_assert_eq(tag_if_match(tok, gz_tag, "stale-gzip"), 412, "the same gzip tag, now old");
	cr_assert_eq(tag_if_match(tok, plain_tag, "stale-plain"), 412, "the plain tag, now old");
	struct http *after = get_plain("/crm/customers/c1", tok);
	cr_assert_not_null(strstr(after->body, "\"via-gzip-tag\""), "%s", after->body);
	cr_assert_null(strstr(after->body, "stale-"), "a refused change was stored: %s",
	               after->body);
	http_free(after);
	free(gz_tag);
	free(plain_tag);
	http_free(g);
	http_free(p);
	free(tok);
}

/* ---- never stale ---------------------------------------------------------------------------- */

/* The paths a change to c1 must show in: every list and c1 itself. */
static const char *const fresh_paths[] = {
        "/crm/customers/c1",
        "/crm/customers/my",
        "/crm/customers/overdue-actions",
        "/crm/customers/by-owner/" OWNER,
        "/crm/customers/by-status/ACTIVE",
        "/crm/customers/by-status/CUSTOMER",
        "/crm/customers/by-status/INACTIVE",
};
#define N_FRESH (sizeof(fresh_paths) / sizeof(fresh_paths[0]))

/* Gzip-reads every fresh path a few times, so the compressed fragments of the current
 * version are stored (and any worker may hold them). */
static void warm(const char *tok)
{
	for (int n = 0; n < 3; n++)
		for (size_t i = 0; i < N_FRESH; i++) {
			struct http *r = get_gz(fresh_paths[i], tok);
			cr_assert(r->status == 200 || r->status == 404, "warm GET %s: %ld",
			          fresh_paths[i], r->status);
			http_free(r);
		}
}

/* The plain bodies of every fresh path (malloc'd copies; NULL for a non-200). */
static void snapshot(const char *tok, char **bodies)
{
	for (size_t i = 0; i < N_FRESH; i++) {
		struct http *r = get_plain(fresh_paths[i], tok);
		bodies[i] = r->status == 200 ? strdup(r->body) : NULL;
		http_free(r);
	}
}

/*
 * After a change: for every fresh path, the very next gzip GET, then a plain
 * GET, then READS - 1 more gzip GETs; every gzip answer inflates to that plain
 * body.  Asserts c1's enriched body changed from before[0] when c1_changes.
 */
static void assert_all_fresh(const char *tok, char **before, int c1_changes, const char *change)
{
	for (size_t i = 0; i < N_FRESH; i++) {
		char what[512];
		snprintf(what, sizeof(what), "after %s: the first gzip GET %s", change,
		         fresh_paths[i]);
		struct http *first = get_gz(fresh_paths[i], tok);
		struct http *plain = get_plain(fresh_paths[i], tok);
		if (plain->status != 200) {
			/* gone (a deleted customer): the gzip read must say so too */
			cr_assert_eq(first->status, plain->status, "%s: %ld, plain %ld", what,
			             first->status, plain->status);
			http_free(first);
			http_free(plain);
			continue;
		}
		if (i == 0 && c1_changes)
			cr_assert(before[0] == NULL || strcmp(before[0], plain->body) != 0,
			          "after %s: GET /crm/customers/c1 did not change (the change is "
			          "not the test's)",
			          change);
		assert_gzip_answer(first, plain, what);
		http_free(first);
		for (int n = 1; n < READS; n++) {
			snprintf(what, sizeof(what), "after %s: gzip GET %d of %d of %s", change,
			         n + 1, READS, fresh_paths[i]);
			struct http *r = get_gz(fresh_paths[i], tok);
			assert_gzip_answer(r, plain, what);
			http_free(r);
		}
		/* nothing else moved meanwhile: the plain body is still the same */
		struct http *again = get_plain(fresh_paths[i], tok);
		snprintf(what, sizeof(what), "after %s: plain GET %s again", change,
		         fresh_paths[i]);
		assert_plain_answer(again, plain, what);
		http_free(again);
		http_free(plain);
	}
}

static void free_bodies(char **bodies)
{
	for (size_t i = 0; i < N_FRESH; i++) {
		free(bodies[i]);
		bodies[i] = NULL;
	}
}

/* One request that changes something; asserts its status. */
static void change(const char *method, const char *path, const char *tok, const char *ct,
                   const char *body)
{
	struct http *r = http_do(method, path, tok, ct, body, NULL);
	cr_assert_eq(r->status, 200, "%s %s: expected 200, got %ld: %s", method, path, r->status,
	             r->body);
	http_free(r);
}

/* Imports c1 again, in its list shape with name and email changed. */
static void reimport_c1(const char *tenant, const char *name, const char *email)
{
	json_t *c = listed_customer("c1", name);
	json_object_set_new(c, "email", json_string(email));
	rh_import_customers(tenant, json_pack("[o]", c));
}

Test(gzip, gzip_reads_after_adding_a_tag_are_fresh)
{
	char tenant[80], *before[N_FRESH];
	fresh_tenant("gz-fresh-tag", tenant, sizeof(tenant));
	small_fixture(tenant, 3);
	char *tok = owner_token(tenant);
	warm(tok);
	snapshot(tok, before);
	change("POST", "/crm/customers/c1/tags/fresh", tok, NULL, NULL);
	assert_all_fresh(tok, before, 1, "POST /crm/customers/c1/tags/fresh");
	free_bodies(before);
	free(tok);
}

Test(gzip, gzip_reads_after_a_merge_patch_are_fresh)
{
	char tenant[80], *before[N_FRESH];
	fresh_tenant("gz-fresh-patch", tenant, sizeof(tenant));
	small_fixture(tenant, 3);
	char *tok = owner_token(tenant);
	warm(tok);
	snapshot(tok, before);
	change("PATCH", "/crm/customers/c1", tok, MERGE, "{\"email\":\"patched@example.nl\"}");
	assert_all_fresh(tok, before, 1, "PATCH /crm/customers/c1 {email}");
	free_bodies(before);
	free(tok);
}

Test(gzip, gzip_reads_after_a_reimport_are_fresh)
{
	char tenant[80], *before[N_FRESH];
	fresh_tenant("gz-fresh-import", tenant, sizeof(tenant));
	small_fixture(tenant, 3);
	char *tok = owner_token(tenant);
	warm(tok);
	snapshot(tok, before);
	reimport_c1(tenant, "Customer 1 Renamed", "reimported@example.nl");
	assert_all_fresh(tok, before, 1, "crmctl import of c1");
	free_bodies(before);
	free(tok);
}

Test(gzip, gzip_reads_after_each_kind_of_change_are_fresh, .timeout = 300)
{
	char tenant[80], *before[N_FRESH];
	fresh_tenant("gz-fresh-all", tenant, sizeof(tenant));
	small_fixture(tenant, 3);
	char *tok = owner_token(tenant);
	static const struct {
		const char *method, *path, *ct, *body;
	} changes[] = {
	        {"PATCH", "/crm/customers/c1/crm-status", "application/json",
	         "{\"crmStatus\":\"CUSTOMER\"}"},
	        {"PATCH", "/crm/customers/c1/crm-status", "application/json",
	         "{\"crmStatus\":\"INACTIVE\"}"},
	        {"PATCH", "/crm/customers/c1/crm-status", "application/json",
	         "{\"crmStatus\":\"ACTIVE\"}"},
	        {"PATCH", "/crm/customers/c1/next-action", "application/json",
	         "{\"nextAction\":\"Send the "
	         "quote\",\"nextActionDueDate\":\"2019-02-02T00:00:00Z\"}"},
	        {"PATCH", "/crm/customers/c1/owner/" OTHER, NULL, NULL},
	        {"PATCH", "/crm/customers/c1/owner/" OWNER, NULL, NULL},
	        {"DELETE", "/crm/customers/c1/owner", NULL, NULL},
	        {"PATCH", "/crm/customers/c1/owner/" OWNER, NULL, NULL},
	        {"POST", "/crm/customers/c1/tags/one", NULL, NULL},
	        {"DELETE", "/crm/customers/c1/tags/one", NULL, NULL},
	        {"PATCH", "/crm/customers/c1", MERGE, "{\"email\":\"first@example.nl\"}"},
	        {"PATCH", "/crm/customers/c1", MERGE, "{\"preferredLanguage\":\"en\"}"},
	        {"PATCH", "/crm/customers/c1", MERGE, "{\"email\":\"second@example.nl\"}"},
	};
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		char what[256];
		warm(tok);
		snapshot(tok, before);
		change(changes[i].method, changes[i].path, tok, changes[i].ct, changes[i].body);
		snprintf(what, sizeof(what), "change %zu (%s %s %s)", i + 1, changes[i].method,
		         changes[i].path, changes[i].body ? changes[i].body : "");
		assert_all_fresh(tok, before, 1, what);
		free_bodies(before);
	}
	/* re-imports, the third bringing c1 back to the first one's version (whose fragment is stored) */
	static const char *const names[] = {"Once", "Twice", "Once"};
	for (int round = 0; round < 3; round++) {
		char what[64];
		warm(tok);
		snapshot(tok, before);
		reimport_c1(tenant, names[round], "same@example.nl");
		snprintf(what, sizeof(what), "re-import %d (name %s)", round + 1, names[round]);
		assert_all_fresh(tok, before, 1, what);
		free_bodies(before);
	}
	/* the owner's display name (the enriched customer's owner member) */
	warm(tok);
	snapshot(tok, before);
	rh_import_user(tenant, OWNER, "gz", "Gustav Renamed");
	assert_all_fresh(tok, before, 1, "an import renaming c1's owner");
	free_bodies(before);
	/* an opportunity of c1 (the enriched customer only) */
	warm(tok);
	snapshot(tok, before);
	json_t *opp = sample_opportunity("opp-1", "c1", "2024-04-01T08:00:00Z");
	json_object_set_new(opp, "description", json_string("Roof renovation, phase 2"));
	rh_import(tenant, json_pack("{s:[o]}", "opportunities", opp));
	assert_all_fresh(tok, before, 1, "an import changing c1's opportunity");
	free_bodies(before);
	/* a deleted customer leaves the gzip lists too */
	warm(tok);
	snapshot(tok, before);
	struct http *r = http_do("DELETE", "/crm/customers/c2", tok, NULL, NULL, NULL);
	cr_assert(r->status == 200 || r->status == 204, "DELETE c2: %ld %s", r->status, r->body);
	http_free(r);
	assert_all_fresh(tok, before, 0, "DELETE /crm/customers/c2");
	struct http *g = get_gz("/crm/customers/by-status/ACTIVE", tok);
	char *in = NULL;
	size_t in_len = 0;
	gunzip(g->body, g->body_len, &in, &in_len, "by-status after DELETE");
	cr_assert_null(strstr(in, "\"c2\""), "the gzip list still holds c2: %.300s", in);
	free(in);
	http_free(g);
	free_bodies(before);
	free(tok);
}

/* ---- the page cache: never stale -------------------------------------------------------------- */

/* A plain and a gzip read of path: the gzip inflates to the plain; the plain body (malloc'd). */
static char *read_both(const char *path, const char *tok, const char *what)
{
	struct http *g = get_gz(path, tok);
	struct http *p = get_plain(path, tok);
	cr_assert_eq(p->status, 200, "%s: GET %s: %ld", what, path, p->status);
	assert_gzip_answer(g, p, what);
	char *body = strdup(p->body);
	cr_assert_not_null(body);
	http_free(g);
	http_free(p);
	return body;
}

/*
 * A second pool (another host) on the same database writes without telling
 * this one: here, a statement straight to the database.  The very next
 * read, plain and gzip, by whichever worker, has the new bytes, because the
 * page's name comes from the database on every request.
 */
Test(gzip, a_change_behind_the_pools_back_shows_in_the_very_next_page)
{
	char tenant[80], what[128];
	fresh_tenant("gz-cache-sql", tenant, sizeof(tenant));
	small_fixture(tenant, 3);
	char *tok = owner_token(tenant);
	for (int round = 1; round <= 5; round++) {
		for (int n = 0; n < READS;
		     n++) /* every worker has read (and the cache has) the page */
			free(read_both("/crm/customers/by-status/ACTIVE", tok, "warming"));
		/* a writer that forgets the page's parts is refused, and changes nothing */
		cr_assert_eq(db_refused("UPDATE customers SET doc = REPLACE(doc, '\"Customer 2',"
		                        " '\"Customer 2 -') WHERE tenant_id = '%s' AND id = 'c2'",
		                        tenant),
		             ER_CONSTRAINT_FAILED, "an UPDATE of doc alone was not refused");
		db_scalar(
		        "UPDATE customers SET doc = REPLACE(doc, '\"Customer 2', '\"Customer 2 +'),"
		        " list_tag = " LIST_TAG_SQL ", list_bytes = " LIST_BYTES_SQL
		        " WHERE tenant_id = '%s' AND id = 'c2'",
		        tenant);
		char *want = db_scalar("SELECT JSON_VALUE(doc, '$.name') FROM customers"
		                       " WHERE tenant_id = '%s' AND id = 'c2'",
		                       tenant);
		snprintf(what, sizeof(what), "round %d, right after the write", round);
		for (int n = 0; n < READS; n++) {
			char *body = read_both("/crm/customers/by-status/ACTIVE", tok, what);
			json_t *page = json_loads(body, 0, NULL);
			cr_assert(json_is_array(page) && json_array_size(page) == 3, "%s: %s", what,
			          body);
			const char *name =
			        json_string_value(json_object_get(json_array_get(page, 1), "name"));
			cr_assert(name != NULL && strcmp(name, want) == 0,
			          "%s: c2 is \"%s\", the database has \"%s\"", what,
			          name ? name : "(none)", want);
			json_decref(page);
			free(body);
		}
		free(want);
	}
	free(tok);
}

/* Changes through the API, each followed at once by reads that any worker may answer. */
Test(gzip, a_change_by_any_worker_shows_in_the_very_next_page)
{
	char tenant[80], path[64], what[128];
	fresh_tenant("gz-cache-api", tenant, sizeof(tenant));
	small_fixture(tenant, 3);
	char *tok = owner_token(tenant);
	char *before = read_both("/crm/customers/by-status/ACTIVE", tok, "before");
	for (int round = 1; round <= 10; round++) {
		snprintf(path, sizeof(path), "/crm/customers/c3/tags/round-%d", round);
		change("POST", path, tok, NULL, NULL);
		snprintf(what, sizeof(what), "right after POST %s", path);
		for (int n = 0; n < READS; n++) {
			char *body = read_both("/crm/customers/by-status/ACTIVE", tok, what);
			cr_assert_neq(strcmp(body, before), 0, "%s: the page before it", what);
			cr_assert_not_null(strstr(body, path + strlen("/crm/customers/c3/tags/")),
			                   "%s: the tag is not on the page: %s", what, body);
			free(body);
		}
		free(before);
		before = read_both("/crm/customers/by-status/ACTIVE", tok, what);
	}
	free(before);
	free(tok);
}

/* ---- under concurrent changes ------------------------------------------------------------ */

struct reader {
	const char *token;
	volatile int *stop;
	int reads;
	int bad; /* answers that were not a 200 gzip stream of a JSON array */
	char why[256];
};

/* Inflates without aborting (this runs off the test's thread): 0, or -1. */
static int gunzip_quiet(const char *in, size_t len, char **out, size_t *out_len)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (len < 18 || inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -1;
	size_t cap = len * 10 + 65536;
	char *o = malloc(cap);
	if (o == NULL) {
		inflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	int rc;
	do {
		if (z.total_out + 65536 > cap) {
			char *bigger = realloc(o, cap * 2);
			if (bigger == NULL)
				break;
			o = bigger;
			cap *= 2;
		}
		z.next_out = (Bytef *)o + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out - 1);
		rc = inflate(&z, Z_NO_FLUSH);
	} while (rc == Z_OK);
	int ok = rc == Z_STREAM_END && z.avail_in == 0;
	*out_len = z.total_out;
	inflateEnd(&z);
	if (!ok) {
		free(o);
		return -1;
	}
	o[*out_len] = '\0';
	*out = o;
	return 0;
}

static void *reader_run(void *arg)
{
	struct reader *rd = arg;
	while (!*rd->stop) {
		const char *extra[] = {"Accept-Encoding: gzip", NULL};
		struct http *r = http_do("GET", "/crm/customers/by-status/ACTIVE", rd->token, NULL,
		                         NULL, extra);
		char *in = NULL;
		size_t in_len = 0;
		char *ce = http_header(r, "Content-Encoding");
		json_t *j = NULL;
		if (r->status != 200 || ce == NULL || strcmp(ce, "gzip") != 0 ||
		    gunzip_quiet(r->body, r->body_len, &in, &in_len) != 0 ||
		    (j = json_loadb(in, in_len, 0, NULL)) == NULL || !json_is_array(j)) {
			if (rd->bad++ == 0)
				snprintf(rd->why, sizeof(rd->why),
				         "status %ld, Content-Encoding %s", r->status,
				         ce ? ce : "absent");
		}
		json_decref(j);
		free(in);
		free(ce);
		http_free(r);
		rd->reads++;
	}
	return NULL;
}

#define READERS 3

Test(gzip, gzip_reads_racing_a_stream_of_changes_end_fresh, .timeout = 300)
{
	char tenant[80];
	fresh_tenant("gz-race", tenant, sizeof(tenant));
	small_fixture(tenant, 3);
	char *tok = owner_token(tenant);
	volatile int stop = 0;
	struct reader rd[READERS];
	pthread_t th[READERS];
	for (int i = 0; i < READERS; i++) {
		rd[i] = (struct reader){.token = tok, .stop = &stop};
		cr_assert_eq(pthread_create(&th[i], NULL, reader_run, &rd[i]), 0);
	}
	for (int i = 0; i < 40; i++) {
		char path[128];
		snprintf(path, sizeof(path), "/crm/customers/c%d/tags/race-%d", 1 + i % 3, i);
		change("POST", path, tok, NULL, NULL);
		if (i % 4 == 3) {
			char body[96];
			snprintf(body, sizeof(body), "{\"email\":\"race-%d@example.nl\"}", i);
			change("PATCH", "/crm/customers/c2", tok, MERGE, body);
		}
	}
	stop = 1;
	int reads = 0;
	for (int i = 0; i < READERS; i++) {
		pthread_join(th[i], NULL);
		reads += rd[i].reads;
		cr_assert_eq(rd[i].bad, 0, "reader %d: %d of %d gzip answers were bad (first: %s)",
		             i, rd[i].bad, rd[i].reads, rd[i].why);
	}
	cr_assert(reads > 0, "the readers read nothing");
	/* everything settled: every gzip read now is the plain page */
	struct http *plain = get_plain("/crm/customers/by-status/ACTIVE", tok);
	for (int n = 0; n < READS; n++) {
		char what[128];
		snprintf(what, sizeof(what), "gzip GET %d after the race", n + 1);
		struct http *r = get_gz("/crm/customers/by-status/ACTIVE", tok);
		assert_gzip_answer(r, plain, what);
		http_free(r);
	}
	http_free(plain);
	free(tok);
}

/* ---- errors ---------------------------------------------------------------------------------- */

Test(gzip, an_error_with_gzip_accepted_is_a_correct_error_body)
{
	char tenant[80];
	fresh_tenant("gz-error", tenant, sizeof(tenant));
	small_fixture(tenant, 1);
	char *tok = owner_token(tenant);
	const char *paths[] = {"/crm/customers/nobody", "/crm/customers/by-status/NOPE",
	                       "/crm/customers/my?limit=0"};
	for (size_t i = 0; i < 3; i++) {
		struct http *r = req("GET", paths[i], tok, "gzip", NULL);
		char *ce = http_header(r, "Content-Encoding");
		if (ce != NULL) {
			cr_assert_str_eq(ce, "gzip", "GET %s: Content-Encoding %s", paths[i], ce);
			char *in = NULL;
			size_t in_len = 0;
			gunzip(r->body, r->body_len, &in, &in_len, paths[i]);
			free(r->body);
			json_decref(r->json);
			r->body = in;
			r->body_len = in_len;
			r->json = json_loadb(in, in_len, 0, NULL);
		}
		free(ce);
		cr_assert(r->status == 404 || r->status == 400, "GET %s: %ld", paths[i], r->status);
		assert_error_body(r, r->status);
		http_free(r);
	}
	struct http *r = req("GET", "/crm/customers/my", NULL, "gzip", NULL);
	char *ce = http_header(r, "Content-Encoding");
	cr_assert(ce == NULL || r->body_len == 0 || (unsigned char)r->body[0] == 0x1f,
	          "a 401 says Content-Encoding %s but its body is not gzip", ce);
	free(ce);
	cr_assert_eq(r->status, 401, "no token: %ld", r->status);
	http_free(r);
	free(tok);
}
