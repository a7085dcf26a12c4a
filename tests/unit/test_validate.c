/* test_validate: ids, limit, and the sealed cursor — round trips, and every forgery refused. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "handlers/handlers.h"
#include "lib/b64url.h"

static struct uri u;

/* Two keys, as config_load would make them (any 32 bytes do). */
static const unsigned char key_a[CONFIG_CURSOR_KEY_BYTES] = "0123456789abcdef0123456789abcdef";
static const unsigned char key_b[CONFIG_CURSOR_KEY_BYTES] = "0123456789abcdef0123456789abcdeF";

/* The binding of list() in customers_read.c for by-status/LEAD of tenant t-1. */
static const struct cursor_binding lead = {"t-1", NULL, "customers.by_status", "LEAD"};

static enum paging_err paging(const char *raw, enum list_kind kind, struct paging *pg)
{
	int ok;
	char err[200];
	uri_free(&u);
	cr_assert_eq(uri_parse(raw, strlen(raw), "/api/v1", &u, &ok), FCGI_OK);
	return paging_parse(&u, key_a, &lead, kind, pg, err, sizeof(err));
}

/* A position on a list by name. */
static struct page_key name_pos(const char *name, const char *id)
{
	struct page_key k;
	memset(&k, 0, sizeof(k));
	snprintf(k.name, sizeof(k.name), "%s", name);
	snprintf(k.id, sizeof(k.id), "%s", id);
	return k;
}

/* The cursor for pos under key and b, in out (CURSOR_MAX bytes); returns its length. */
static size_t seal(const unsigned char *key, const struct cursor_binding *b, enum list_kind kind,
                   const struct page_key *pos, char *out)
{
	size_t n = 0;
	cr_assert_eq(cursor_encode(key, b, kind, pos, out, &n), PAGING_OK);
	cr_assert_eq(n, strlen(out));
	cr_assert(n > 0 && n < CURSOR_MAX);
	return n;
}

/* What cursor_decode says of s[0..n) under key and b. */
static enum paging_err open_as(const unsigned char *key, const struct cursor_binding *b,
                               enum list_kind kind, const char *s, size_t n)
{
	struct page_key back;
	return cursor_decode(key, b, kind, s, n, &back);
}

static void teardown(void)
{
	uri_free(&u);
}

/* cppcheck-suppress unknownMacro */
TestSuite(validate, .fini = teardown);

Test(validate, accepts_ids_of_letters_digits_dash_underscore)
{
	cr_assert(id_valid("0191a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b", 36));
	cr_assert(id_valid("a_B-9", 5));
}

Test(validate, rejects_empty_long_or_odd_ids)
{
	char long_id[66];
	memset(long_id, 'a', 65);
	long_id[65] = 0;
	cr_assert_not(id_valid("", 0));
	cr_assert_not(id_valid(long_id, 65));
	cr_assert_not(id_valid("a.b", 3));
	cr_assert_not(id_valid("a/b", 3));
	cr_assert_not(id_valid("a\0b", 3));
	cr_assert_not(id_valid("..", 2));
	cr_assert_not(id_valid("é", 2));
}

Test(validate, limit_defaults_to_100)
{
	struct paging pg;
	cr_assert_eq(paging("/api/v1/x", LIST_BY_STATUS, &pg), PAGING_OK);
	cr_assert_eq(pg.limit, 100);
	cr_assert_not(pg.has_cursor);
}

Test(validate, accepts_limit_from_1_to_1000)
{
	struct paging pg;
	cr_assert_eq(paging("/api/v1/x?limit=1", LIST_BY_STATUS, &pg), PAGING_OK);
	cr_assert_eq(pg.limit, 1);
	cr_assert_eq(paging("/api/v1/x?limit=1000", LIST_BY_STATUS, &pg), PAGING_OK);
	cr_assert_eq(pg.limit, 1000);
}

Test(validate, rejects_limits_out_of_range_or_not_numbers)
{
	struct paging pg;
	const char *bad[] = {"0", "1001", "-1", "+5", "5x", "1e3", "99999999999999999999", "%201"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char raw[64];
		snprintf(raw, sizeof(raw), "/api/v1/x?limit=%s", bad[i]);
		cr_assert_eq(paging(raw, LIST_BY_STATUS, &pg), PAGING_ERR_INVALID, "limit=%s",
		             bad[i]);
	}
}

Test(validate, rejects_unknown_parameters)
{
	struct paging pg;
	cr_assert_eq(paging("/api/v1/x?curser=abc", LIST_BY_STATUS, &pg), PAGING_ERR_INVALID);
	cr_assert_eq(paging("/api/v1/x?limit=5&page=2", LIST_BY_STATUS, &pg), PAGING_ERR_INVALID);
}

Test(validate, cursor_in_the_query_gives_the_position_it_was_made_for)
{
	struct page_key k = name_pos("Kilo", "p-3");
	char cur[CURSOR_MAX], raw[CURSOR_MAX + 64];
	seal(key_a, &lead, LIST_BY_STATUS, &k, cur);
	snprintf(raw, sizeof(raw), "/api/v1/x?limit=2&cursor=%s", cur);
	struct paging pg;
	cr_assert_eq(paging(raw, LIST_BY_STATUS, &pg), PAGING_OK);
	cr_assert(pg.has_cursor);
	cr_assert_eq(pg.limit, 2);
	cr_assert_str_eq(pg.after.name, "Kilo");
	cr_assert_str_eq(pg.after.id, "p-3");
}

Test(validate, rejects_a_bad_cursor_in_the_query_as_invalid_with_the_link_hint)
{
	uri_free(&u);
	int ok;
	const char *raw = "/api/v1/x?cursor=AAAA";
	cr_assert_eq(uri_parse(raw, strlen(raw), "/api/v1", &u, &ok), FCGI_OK);
	struct paging pg;
	char err[200] = "";
	cr_assert_eq(paging_parse(&u, key_a, &lead, LIST_BY_STATUS, &pg, err, sizeof(err)),
	             PAGING_ERR_INVALID);
	cr_assert_not_null(strstr(err, "cursor is not valid for this list"), "%s", err);
	cr_assert_not_null(strstr(err, "Link header"), "%s", err);
}

Test(validate, cursor_round_trips_a_name_key_on_lists_by_owner_and_by_status)
{
	const struct cursor_binding owner = {"t-1", NULL, "customers.by_owner", "u-1"};
	struct page_key k = name_pos("Bakkerij Jansen B.V. – Zoë", "cus-0001"), back;
	char cur[CURSOR_MAX];
	size_t n = seal(key_a, &lead, LIST_BY_STATUS, &k, cur);
	cr_assert_eq(cursor_decode(key_a, &lead, LIST_BY_STATUS, cur, n, &back), PAGING_OK);
	cr_assert_str_eq(back.name, k.name);
	cr_assert_str_eq(back.id, k.id);
	n = seal(key_a, &owner, LIST_BY_OWNER, &k, cur);
	cr_assert_eq(cursor_decode(key_a, &owner, LIST_BY_OWNER, cur, n, &back), PAGING_OK);
	cr_assert_str_eq(back.name, k.name);
	cr_assert_str_eq(back.id, k.id);
}

Test(validate, cursor_round_trips_due_keys_of_any_sign_and_size)
{
	const struct cursor_binding overdue = {"t-1", NULL, "customers.overdue", NULL};
	static const int64_t dues[] = {-1234567890123LL,   0,         1,
	                               1700000000000000LL, INT64_MIN, INT64_MAX};
	for (size_t i = 0; i < sizeof(dues) / sizeof(dues[0]); i++) {
		struct page_key k = name_pos("", "x"), back;
		k.due = dues[i];
		char cur[CURSOR_MAX];
		size_t n = seal(key_a, &overdue, LIST_OVERDUE, &k, cur);
		cr_assert_eq(cursor_decode(key_a, &overdue, LIST_OVERDUE, cur, n, &back),
		             PAGING_OK);
		cr_assert_eq(back.due, k.due, "due %lld", (long long)dues[i]);
		cr_assert_str_eq(back.id, "x");
	}
}

Test(validate, cursor_round_trips_the_longest_name_and_id)
{
	struct page_key k, back;
	memset(&k, 0, sizeof(k));
	memset(k.name, 'n', PAGE_NAME_MAX);
	memset(k.id, 'i', 64);
	char cur[CURSOR_MAX];
	size_t n = seal(key_a, &lead, LIST_BY_STATUS, &k, cur);
	cr_assert_eq(cursor_decode(key_a, &lead, LIST_BY_STATUS, cur, n, &back), PAGING_OK);
	cr_assert_str_eq(back.name, k.name);
	cr_assert_str_eq(back.id, k.id);
}

Test(validate, two_cursors_for_the_same_position_differ)
{
	struct page_key k = name_pos("Kilo", "p-3");
	char a[CURSOR_MAX], b[CURSOR_MAX];
	seal(key_a, &lead, LIST_BY_STATUS, &k, a);
	seal(key_a, &lead, LIST_BY_STATUS, &k, b);
	cr_assert_str_neq(a, b, "the same cursor twice: the nonce is not fresh");
	/* and still both lead to the same place */
	struct page_key back;
	cr_assert_eq(cursor_decode(key_a, &lead, LIST_BY_STATUS, b, strlen(b), &back), PAGING_OK);
	cr_assert_str_eq(back.id, "p-3");
}

/* Does hay[0..n) contain needle? */
static int contains(const unsigned char *hay, size_t n, const char *needle)
{
	return memmem(hay, n, needle, strlen(needle)) != NULL;
}

Test(validate, the_decoded_cursor_holds_neither_the_name_nor_the_id)
{
	const char *names[] = {"Kilo Customer Name", "AAAAAAAAAAAAAAAA", "Zoë"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct page_key k = name_pos(names[i], "0191a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b");
		char cur[CURSOR_MAX];
		unsigned char raw[CURSOR_MAX];
		size_t n = seal(key_a, &lead, LIST_BY_STATUS, &k, cur);
		long rn = b64url_decode(cur, n, raw);
		cr_assert(rn > 0);
		cr_assert_not(contains(raw, (size_t)rn, names[i]), "the name is in the cursor");
		cr_assert_not(contains(raw, (size_t)rn, k.id), "the id is in the cursor");
		cr_assert_not(contains(raw, (size_t)rn, "0191a5b2"), "part of the id is in it");
		cr_assert_not(contains(raw, (size_t)rn, "LEAD"), "the filter is in the cursor");
		cr_assert_not(contains(raw, (size_t)rn, "t-1"), "the tenant is in the cursor");
		cr_assert_null(strstr(cur, names[i]), "the name is in the text");
		cr_assert_null(strstr(cur, k.id), "the id is in the text");
	}
}

Test(validate, the_cursor_length_does_not_tell_the_length_of_a_usual_name)
{
	char a[CURSOR_MAX], b[CURSOR_MAX];
	struct page_key short_name = name_pos("A", "0191a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b");
	struct page_key long_name = name_pos("Bakkerij Jansen en Zonen B.V. Amsterdam Noord",
	                                     "0191a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b");
	cr_assert_eq(seal(key_a, &lead, LIST_BY_STATUS, &short_name, a),
	             seal(key_a, &lead, LIST_BY_STATUS, &long_name, b));
}

Test(validate, rejects_every_single_bit_flip_of_a_cursor)
{
	struct page_key k = name_pos("Name", "id-1");
	char cur[CURSOR_MAX], forged[CURSOR_MAX];
	unsigned char raw[CURSOR_MAX];
	size_t n = seal(key_a, &lead, LIST_BY_STATUS, &k, cur);
	long rn = b64url_decode(cur, n, raw);
	cr_assert(rn > 0);
	cr_assert_eq(open_as(key_a, &lead, LIST_BY_STATUS, cur, n), PAGING_OK);
	for (long i = 0; i < rn; i++)
		for (int bit = 0; bit < 8; bit++) {
			raw[i] ^= (unsigned char)(1u << bit);
			size_t fn = b64url_encode(raw, (size_t)rn, forged);
			cr_assert_eq(open_as(key_a, &lead, LIST_BY_STATUS, forged, fn),
			             PAGING_ERR_INVALID, "byte %ld bit %d flipped was accepted", i,
			             bit);
			raw[i] ^= (unsigned char)(1u << bit);
		}
	/* and every character of the text changed */
	for (size_t i = 0; i < n; i++) {
		memcpy(forged, cur, n + 1);
		forged[i] = forged[i] == 'A' ? 'B' : 'A';
		cr_assert_eq(open_as(key_a, &lead, LIST_BY_STATUS, forged, n), PAGING_ERR_INVALID,
		             "character %zu changed was accepted", i);
	}
}

Test(validate, rejects_every_truncation_and_extension_of_a_cursor)
{
	struct page_key k = name_pos("Name", "id-1");
	const struct cursor_binding overdue = {"t-1", NULL, "customers.overdue", NULL};
	char cur[CURSOR_MAX], cut[CURSOR_MAX];
	unsigned char raw[CURSOR_MAX];
	size_t n = seal(key_a, &overdue, LIST_OVERDUE, &k, cur);
	for (size_t len = 0; len < n; len++) {
		cr_assert_eq(open_as(key_a, &overdue, LIST_OVERDUE, cur, len), PAGING_ERR_INVALID,
		             "the first %zu of %zu characters were accepted", len, n);
		cr_assert_eq(open_as(key_a, &overdue, LIST_OVERDUE, cur + n - len, len),
		             PAGING_ERR_INVALID, "the last %zu of %zu characters were accepted",
		             len, n);
	}
	long rn = b64url_decode(cur, n, raw);
	cr_assert(rn > 0);
	for (long len = 0; len < rn; len++) {
		size_t cn = b64url_encode(raw, (size_t)len, cut);
		cr_assert_eq(open_as(key_a, &overdue, LIST_OVERDUE, cut, cn), PAGING_ERR_INVALID,
		             "the first %ld of %ld bytes were accepted", len, rn);
	}
	/* a byte more, or the cursor twice */
	raw[rn] = 0;
	size_t cn = b64url_encode(raw, (size_t)rn + 1, cut);
	cr_assert_eq(open_as(key_a, &overdue, LIST_OVERDUE, cut, cn), PAGING_ERR_INVALID);
	char twice[2 * CURSOR_MAX];
	snprintf(twice, sizeof(twice), "%s%s", cur, cur);
	cr_assert_eq(open_as(key_a, &overdue, LIST_OVERDUE, twice, 2 * n), PAGING_ERR_INVALID);
}

Test(validate, rejects_a_cursor_of_another_tenant_caller_route_filter_or_key)
{
	const struct cursor_binding my = {"t-1", "u-1", "customers.my", "u-1"};
	struct page_key k = name_pos("Name", "id-1");
	char cur[CURSOR_MAX];
	size_t n = seal(key_a, &my, LIST_BY_OWNER, &k, cur);
	cr_assert_eq(open_as(key_a, &my, LIST_BY_OWNER, cur, n), PAGING_OK);
	const struct cursor_binding other[] = {
	        {"t-2", "u-1", "customers.my", "u-1"},       /* tenant */
	        {"t-1", "u-2", "customers.my", "u-1"},       /* caller */
	        {"t-1", NULL, "customers.my", "u-1"},        /* no caller */
	        {"t-1", "u-1", "customers.by_owner", "u-1"}, /* route */
	        {"t-1", "u-1", "customers.my", "u-2"},       /* filter */
	        {"t-1", "u-1", "customers.my", NULL},        /* no filter */
	        {"t-1u", "-1", "customers.my", "u-1"},       /* the same bytes run together */
	        {"t-1", "u-1customers.my", "", "u-1"},       /* likewise */
	        {"T-1", "u-1", "customers.my", "u-1"},       /* tenant in another case */
	        {"t-1 ", "u-1", "customers.my", "u-1"},      /* tenant with a space */
	};
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		cr_assert_eq(open_as(key_a, &other[i], LIST_BY_OWNER, cur, n), PAGING_ERR_INVALID,
		             "binding %zu accepted a cursor of another", i);
	cr_assert_eq(open_as(key_b, &my, LIST_BY_OWNER, cur, n), PAGING_ERR_INVALID,
	             "another key accepted the cursor");
}

Test(validate, a_missing_caller_or_filter_is_the_same_as_an_empty_one)
{
	const struct cursor_binding null_fields = {"t-1", NULL, "customers.overdue", NULL};
	const struct cursor_binding empty_fields = {"t-1", "", "customers.overdue", ""};
	struct page_key k = name_pos("", "id-1");
	char cur[CURSOR_MAX];
	size_t n = seal(key_a, &null_fields, LIST_OVERDUE, &k, cur);
	cr_assert_eq(open_as(key_a, &empty_fields, LIST_OVERDUE, cur, n), PAGING_OK);
}

Test(validate, rejects_a_cursor_of_another_list_kind)
{
	const struct cursor_binding b = {"t-1", NULL, "customers.any", NULL};
	struct page_key k = name_pos("Name", "x");
	char cur[CURSOR_MAX];
	size_t n = seal(key_a, &b, LIST_OVERDUE, &k, cur);
	cr_assert_eq(open_as(key_a, &b, LIST_BY_OWNER, cur, n), PAGING_ERR_INVALID);
	n = seal(key_a, &b, LIST_BY_STATUS, &k, cur);
	cr_assert_eq(open_as(key_a, &b, LIST_OVERDUE, cur, n), PAGING_ERR_INVALID);
}

Test(validate, rejects_made_up_and_old_style_cursors)
{
	static const char *const bad[] = {
	        "",
	        "!!!!",
	        "AAAA",
	        "A",
	        "bk5hbWUAaWQuMQ",     /* the old readable layout: "nName\0id.1" */
	        "bktpbG8AcC0zAAAAAA", /* old layout: 'n' "Kilo" NUL "p-3" and an FNV check */
	        "ZDEyeABpZA",         /* old layout: "d12x\0id" */
	        "eyJpZCI6InAtMyJ9",   /* {"id":"p-3"} */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(open_as(key_a, &lead, LIST_BY_STATUS, bad[i], strlen(bad[i])),
		             PAGING_ERR_INVALID, "'%s' was accepted", bad[i]);
	/* the right length and version, all zeros otherwise; and too long to be one of ours */
	unsigned char raw[CURSOR_MAX];
	char text[2 * CURSOR_MAX];
	memset(raw, 0, sizeof(raw));
	raw[0] = 1;
	size_t n = b64url_encode(raw, 1 + 12 + 128 + 16, text);
	cr_assert_eq(open_as(key_a, &lead, LIST_BY_STATUS, text, n), PAGING_ERR_INVALID);
	memset(text, 'A', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	cr_assert_eq(open_as(key_a, &lead, LIST_BY_STATUS, text, CURSOR_MAX), PAGING_ERR_INVALID);
	cr_assert_eq(open_as(key_a, &lead, LIST_BY_STATUS, text, sizeof(text) - 1),
	             PAGING_ERR_INVALID);
}

/* ---- the position inside a cursor, as cursor_decode reads it once authentic ---- */

/* kind, key length and key, id length and id, then `pad` zero bytes, into p; returns the length. */
static size_t plain(unsigned char *p, char kind, const void *key, size_t klen, const char *id,
                    size_t pad)
{
	size_t n = 0, il = strlen(id);
	p[n++] = (unsigned char)kind;
	p[n++] = (unsigned char)(klen >> 8);
	p[n++] = (unsigned char)klen;
	memcpy(p + n, key, klen);
	n += klen;
	p[n++] = (unsigned char)il;
	memcpy(p + n, id, il);
	n += il;
	memset(p + n, 0, pad);
	return n + pad;
}

Test(validate, position_reads_a_name_and_an_id_followed_by_zeros)
{
	unsigned char p[256];
	struct page_key k;
	size_t n = plain(p, 'n', "Kilo", 4, "p-3", 100);
	cr_assert_eq(cursor_position_parse(p, n, LIST_BY_STATUS, &k), 0);
	cr_assert_str_eq(k.name, "Kilo");
	cr_assert_str_eq(k.id, "p-3");
	const unsigned char due[8] = {0, 0, 0, 0, 0, 0, 1, 0};
	n = plain(p, 'd', due, 8, "x", 0);
	cr_assert_eq(cursor_position_parse(p, n, LIST_OVERDUE, &k), 0);
	cr_assert_eq(k.due, 256);
}

Test(validate, position_refuses_what_our_encoder_never_writes)
{
	unsigned char p[256];
	struct page_key k;
	const unsigned char due[8] = {0};
	size_t n;
	n = plain(p, 'n', "Kilo", 4, "p-3", 10);
	p[n - 1] = 1; /* padding that is not zero */
	cr_assert_eq(cursor_position_parse(p, n, LIST_BY_STATUS, &k), -1);
	n = plain(p, 'd', "Kilo", 4, "p-3", 10); /* another kind */
	cr_assert_eq(cursor_position_parse(p, n, LIST_BY_STATUS, &k), -1);
	n = plain(p, 'n', "Kilo", 4, "p.3", 10); /* an id with a character ids never have */
	cr_assert_eq(cursor_position_parse(p, n, LIST_BY_STATUS, &k), -1);
	n = plain(p, 'n', "Kilo", 4, "", 10); /* no id */
	cr_assert_eq(cursor_position_parse(p, n, LIST_BY_STATUS, &k), -1);
	n = plain(p, 'n', "Ki\0o", 4, "p-3", 10); /* a NUL in the name */
	cr_assert_eq(cursor_position_parse(p, n, LIST_BY_STATUS, &k), -1);
	n = plain(p, 'n', "K\xffo", 3, "p-3", 10); /* not UTF-8 */
	cr_assert_eq(cursor_position_parse(p, n, LIST_BY_STATUS, &k), -1);
	n = plain(p, 'd', due, 7, "x", 10); /* a due key of 7 bytes */
	cr_assert_eq(cursor_position_parse(p, n, LIST_OVERDUE, &k), -1);
	n = plain(p, 'n', "Kilo", 4, "p-3", 0);
	cr_assert_eq(cursor_position_parse(p, n - 1, LIST_BY_STATUS, &k), -1); /* id cut */
	p[1] = 0xff; /* a key longer than the text */
	cr_assert_eq(cursor_position_parse(p, n, LIST_BY_STATUS, &k), -1);
	cr_assert_eq(cursor_position_parse(p, 0, LIST_BY_STATUS, &k), -1);
	cr_assert_eq(cursor_position_parse(p, 3, LIST_BY_STATUS, &k), -1);
}
