/* test_idem_helpers: what test_patch.c and test_idempotency.c share — keyed and conditional requests, replays, UUIDv7 ids. */
#ifndef CRM_TEST_IDEM_HELPERS_H
#define CRM_TEST_IDEM_HELPERS_H

/*
 * static inline, like test_write_helpers.h, so each file may use any subset.
 * Keys, tenants and ids given to the SQL helpers are the tests' own constants
 * (no quote in them), never request data.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/http/client.h"
#include "tests/http/test_write_helpers.h"

#define IH_MERGE "application/merge-patch+json"

/*
 * Sends method path with "Idempotency-Key: key" (NULL: no such field; "":
 * the field with an empty value) and "If-Match: if_match" (NULL: none).
 * curl drops a field whose value is blank, so "" is sent as curl's
 * "Name;" form, which writes "Name:" with nothing after it.
 */
static inline struct http *ih_send(const char *method, const char *path, const char *token,
                                   const char *content_type, const char *body, const char *key,
                                   const char *if_match)
{
	char kline[1200], mline[1200];
	const char *extra[3] = {NULL, NULL, NULL};
	int n = 0;
	if (key != NULL) {
		if (key[0] == '\0')
			snprintf(kline, sizeof(kline), "Idempotency-Key;");
		else
			snprintf(kline, sizeof(kline), "Idempotency-Key: %s", key);
		extra[n++] = kline;
	}
	if (if_match != NULL) {
		snprintf(mline, sizeof(mline), "If-Match: %s", if_match);
		extra[n++] = mline;
	}
	return http_do(method, path, token, content_type, body, extra);
}

/* "/crm/customers/{id}" in buf. */
static inline const char *ih_path(char *buf, size_t cap, const char *id)
{
	snprintf(buf, cap, "/crm/customers/%s", id);
	return buf;
}

/* 1 when s looks like a UUIDv7 (8-4-4-4-12 lower-case hex, version 7). */
static inline int ih_is_uuid7(const char *s)
{
	if (s == NULL || strlen(s) != 36 || s[14] != '7')
		return 0;
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : strchr("0123456789abcdef", s[i]) == NULL)
			return 0;
	}
	return 1;
}

/* 1 when both are NULL or both equal. */
static inline int ih_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Asserts r is a first answer: no Idempotent-Replayed field. */
static inline void ih_assert_not_replayed(const struct http *r, const char *what)
{
	char *h = http_header(r, "Idempotent-Replayed");
	cr_assert_null(h, "%s: a first answer with Idempotent-Replayed: %s", what, h);
}

/*
 * Asserts again is first replayed: the same status, ETag, Location,
 * Content-Type and body byte for byte, plus Idempotent-Replayed: true
 * (which first does not carry).
 */
static inline void ih_assert_replay(const struct http *first, const struct http *again,
                                    const char *what)
{
	cr_assert_eq(again->status, first->status,
	             "%s: the replay is %ld, the first answer %ld: %s", what, again->status,
	             first->status, again->body);
	ih_assert_not_replayed(first, what);
	char *flag = http_header(again, "Idempotent-Replayed");
	cr_assert_not_null(flag, "%s: the replay lacks Idempotent-Replayed", what);
	cr_assert_str_eq(flag, "true", "%s: Idempotent-Replayed", what);
	free(flag);
	static const char *const fields[] = {"ETag", "Location", "Content-Type"};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char *a = http_header(first, fields[i]), *b = http_header(again, fields[i]);
		cr_assert(ih_same(a, b), "%s: %s of the first answer '%s', of the replay '%s'",
		          what, fields[i], a ? a : "(none)", b ? b : "(none)");
		free(a);
		free(b);
	}
	cr_assert_eq(
	        again->body_len, first->body_len,
	        "%s: the replay's body differs in length (%zu, first %zu):\nfirst  %s\nreplay %s",
	        what, again->body_len, first->body_len, first->body, again->body);
	cr_assert(memcmp(again->body, first->body, first->body_len) == 0,
	          "%s: the replay's body differs:\nfirst  %s\nreplay %s", what, first->body,
	          again->body);
}

/* The rows kept for tenant's key (any sub). */
static inline long ih_key_rows(const char *tenant, const char *key)
{
	return db_count("SELECT COUNT(*) FROM idempotency_keys WHERE tenant_id = '%s'"
	                " AND idem_key = '%s'",
	                tenant, key);
}

/* The status kept for (tenant, sub, key), or -1 when no row is kept. */
static inline long ih_key_status(const char *tenant, const char *sub, const char *key)
{
	return db_count("SELECT status FROM idempotency_keys WHERE tenant_id = '%s'"
	                " AND sub = '%s' AND idem_key = '%s'",
	                tenant, sub, key);
}

/* The live customers of tenant named name. */
static inline long ih_named(const char *tenant, const char *name)
{
	return db_count(
	        "SELECT COUNT(*) FROM customers WHERE tenant_id = '%s' AND deleted_at IS NULL"
	        " AND JSON_UNQUOTE(JSON_EXTRACT(doc, '$.name')) = '%s'",
	        tenant, name);
}

#endif
