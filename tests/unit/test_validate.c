/* test_validate: ids, limit, and the opaque cursor. */
#include <string.h>

#include <criterion/criterion.h>

#include "handlers/handlers.h"

static struct uri u;

static int paging(const char *raw, enum list_kind kind, struct paging *pg)
{
	int ok;
	char err[200];
	uri_free(&u);
	cr_assert_eq(uri_parse(raw, strlen(raw), "/api/v1", &u, &ok), FCGI_OK);
	return paging_parse(&u, kind, "scope", pg, err, sizeof(err));
}

static void teardown(void)
{
	uri_free(&u);
}

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
	cr_assert_eq(paging("/api/v1/x", LIST_BY_STATUS, &pg), 0);
	cr_assert_eq(pg.limit, 100);
	cr_assert_not(pg.has_cursor);
}

Test(validate, accepts_limit_from_1_to_1000)
{
	struct paging pg;
	cr_assert_eq(paging("/api/v1/x?limit=1", LIST_BY_STATUS, &pg), 0);
	cr_assert_eq(pg.limit, 1);
	cr_assert_eq(paging("/api/v1/x?limit=1000", LIST_BY_STATUS, &pg), 0);
	cr_assert_eq(pg.limit, 1000);
}

Test(validate, rejects_limits_out_of_range_or_not_numbers)
{
	struct paging pg;
	const char *bad[] = {"0", "1001", "-1", "+5", "5x", "1e3", "99999999999999999999", "%201"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char raw[64];
		snprintf(raw, sizeof(raw), "/api/v1/x?limit=%s", bad[i]);
		cr_assert_eq(paging(raw, LIST_BY_STATUS, &pg), -1, "limit=%s", bad[i]);
	}
}

Test(validate, rejects_unknown_parameters)
{
	struct paging pg;
	cr_assert_eq(paging("/api/v1/x?curser=abc", LIST_BY_STATUS, &pg), -1);
	cr_assert_eq(paging("/api/v1/x?limit=5&page=2", LIST_BY_STATUS, &pg), -1);
}

Test(validate, cursor_round_trips_a_name_key)
{
	struct page_key k = {.due = 0}, back;
	strcpy(k.name, "Bakkerij Jansen B.V. – Zoë");
	strcpy(k.id, "cus-0001");
	char cur[CURSOR_MAX];
	size_t n = cursor_encode(LIST_BY_STATUS, "scope", &k, cur);
	cr_assert_eq(cursor_decode(cur, n, LIST_BY_STATUS, "scope", &back), 0);
	cr_assert_str_eq(back.name, k.name);
	cr_assert_str_eq(back.id, k.id);
}

Test(validate, cursor_round_trips_a_due_key)
{
	struct page_key k = {.due = -1234567890123LL}, back;
	strcpy(k.id, "x");
	char cur[CURSOR_MAX];
	size_t n = cursor_encode(LIST_OVERDUE, "scope", &k, cur);
	cr_assert_eq(cursor_decode(cur, n, LIST_OVERDUE, "scope", &back), 0);
	cr_assert_eq(back.due, k.due);
}

Test(validate, rejects_a_cursor_of_another_list_kind)
{
	struct page_key k = {.due = 5}, back;
	strcpy(k.id, "x");
	char cur[CURSOR_MAX];
	size_t n = cursor_encode(LIST_OVERDUE, "scope", &k, cur);
	cr_assert_eq(cursor_decode(cur, n, LIST_BY_OWNER, "scope", &back), -1);
}

Test(validate, rejects_forged_or_truncated_cursors)
{
	struct page_key k = {.due = 0}, back;
	strcpy(k.name, "Name");
	strcpy(k.id, "id-1");
	char cur[CURSOR_MAX];
	size_t n = cursor_encode(LIST_BY_OWNER, "scope", &k, cur);
	cr_assert_eq(cursor_decode(cur, n - 2, LIST_BY_OWNER, "scope", &back), -1);
	cr_assert_eq(cursor_decode("!!!!", 4, LIST_BY_OWNER, "scope", &back), -1);
	cr_assert_eq(cursor_decode("", 0, LIST_BY_OWNER, "scope", &back), -1);
	/* "nName\0id.1": an id with a character ids never have */
	cr_assert_eq(cursor_decode("bk5hbWUAaWQuMQ", 14, LIST_BY_OWNER, "scope", &back), -1);
	/* "d12x\0id": a due key that is not a number */
	cr_assert_eq(cursor_decode("ZDEyeABpZA", 10, LIST_OVERDUE, "scope", &back), -1);
}

Test(validate, rejects_a_cursor_of_another_list_of_the_same_kind)
{
	struct page_key k = {.due = 0}, back;
	strcpy(k.name, "Name");
	strcpy(k.id, "id-1");
	char cur[CURSOR_MAX];
	size_t n = cursor_encode(LIST_BY_STATUS, "customers.by_status/LEAD", &k, cur);
	cr_assert_eq(cursor_decode(cur, n, LIST_BY_STATUS, "customers.by_status/LEAD", &back), 0);
	cr_assert_eq(cursor_decode(cur, n, LIST_BY_STATUS, "customers.by_status/ACTIVE", &back),
	             -1);
	cr_assert_eq(cursor_decode(cur, n, LIST_BY_OWNER, "customers.by_owner/u1", &back), -1);
}
