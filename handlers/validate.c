/* validate: ids, paging parameters and the opaque cursor — pure checks of request values. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/handlers.h"
#include "lib/b64url.h"
#include "lib/ids.h"
#include "lib/utf8.h"

const char *printable_or(const char *s, const char *fallback)
{
	size_t n = strlen(s);
	return (n <= 64 && utf8_count_printable(s, n) >= 0) ? s : fallback;
}

/*
 * Cursor layout before base64url: a kind byte ('n' name-ordered, 'd'
 * due-ordered), the sort key (name bytes, or the due instant in decimal),
 * a NUL, the id of the last row served, and a 4-byte FNV-1a check of all
 * that and of the list it belongs to (scope: route and filter), so a
 * truncated, mangled or borrowed cursor is refused rather than misread.
 */
static uint32_t fnv1a(uint32_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void put_check(char *raw, size_t n, const char *scope)
{
	uint32_t h = fnv1a(fnv1a(2166136261u, scope, strlen(scope) + 1), raw, n);
	for (int i = 0; i < 4; i++)
		raw[n + (size_t)i] = (char)(h >> (8 * i));
}
size_t cursor_encode(enum list_kind kind, const char *scope, const struct page_key *key, char *out)
{
	char raw[PAGE_NAME_MAX + 104];
	size_t n = 0;
	raw[n++] = kind == LIST_OVERDUE ? 'd' : 'n';
	if (kind == LIST_OVERDUE)
		n += (size_t)snprintf(raw + n, 32, "%lld", (long long)key->due);
	else {
		size_t nl = strnlen(key->name, PAGE_NAME_MAX);
		memcpy(raw + n, key->name, nl);
		n += nl;
	}
	raw[n++] = '\0';
	size_t il = strnlen(key->id, 64);
	memcpy(raw + n, key->id, il);
	n += il;
	put_check(raw, n, scope);
	return b64url_encode(raw, n + 4, out);
}

static int parse_due(const char *s, size_t len, int64_t *out)
{
	char buf[32];
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *end = NULL;
	errno = 0;
	long long v = strtoll(buf, &end, 10);
	if (errno != 0 || *end != '\0' || (buf[0] != '-' && (buf[0] < '0' || buf[0] > '9')))
		return -1;
	*out = v;
	return 0;
}

int cursor_decode(const char *s, size_t len, enum list_kind kind, const char *scope,
                  struct page_key *key)
{
	char raw[CURSOR_MAX];
	if (len == 0 || len >= CURSOR_MAX - 4)
		return -1;
	long n = b64url_decode(s, len, raw);
	if (n < 7)
		return -1;
	n -= 4;
	char check[4];
	memcpy(check, raw + n, 4);
	put_check(raw, (size_t)n, scope);
	if (memcmp(check, raw + n, 4) != 0 || raw[0] != (kind == LIST_OVERDUE ? 'd' : 'n'))
		return -1;
	const char *nul = memchr(raw + 1, '\0', (size_t)n - 1);
	if (nul == NULL)
		return -1;
	size_t klen = (size_t)(nul - raw - 1), ilen = (size_t)(raw + n - nul - 1);
	if (!id_valid(nul + 1, ilen))
		return -1;
	memset(key, 0, sizeof(*key));
	if (kind == LIST_OVERDUE) {
		if (parse_due(raw + 1, klen, &key->due) != 0)
			return -1;
	} else {
		if (klen > PAGE_NAME_MAX || utf8_count(raw + 1, klen) < 0)
			return -1;
		memcpy(key->name, raw + 1, klen);
	}
	memcpy(key->id, nul + 1, ilen);
	return 0;
}

static int parse_limit(const char *v, size_t len, int *out)
{
	int n = 0;
	if (len == 0 || len > 4)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	if (n < 1 || n > PAGING_MAX_LIMIT)
		return -1;
	*out = n;
	return 0;
}

int paging_parse(const struct uri *u, enum list_kind kind, const char *scope, struct paging *pg,
                 char *err, size_t errlen)
{
	memset(pg, 0, sizeof(*pg));
	pg->limit = PAGING_DEFAULT_LIMIT;
	for (size_t i = 0; i < u->nparam; i++) {
		const struct uri_param *p = &u->param[i];
		if (strcmp(p->name, "limit") == 0) {
			if (parse_limit(p->value, p->value_len, &pg->limit) != 0) {
				snprintf(err, errlen, "limit must be a whole number from 1 to %d",
				         PAGING_MAX_LIMIT);
				return -1;
			}
		} else if (strcmp(p->name, "cursor") == 0) {
			if (cursor_decode(p->value, p->value_len, kind, scope, &pg->after) != 0) {
				snprintf(err, errlen,
				         "cursor is not valid for this list; use the "
				         "Link header of the previous page");
				return -1;
			}
			pg->has_cursor = 1;
		} else {
			snprintf(err, errlen,
			         "unknown query parameter '%s' (this list accepts "
			         "limit and cursor)",
			         printable_or(p->name, "?"));
			return -1;
		}
	}
	return 0;
}
