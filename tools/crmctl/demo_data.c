/* demo_data: the embedded demo fixture, its {today...} dates resolved against the load day. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/ids.h"
#include "lib/timefmt.h"
#include "tools/crmctl/demo_data.h"

/*
 * The fixture is embedded at build time: the assembler copies the bytes of
 * tools/crmctl/demo.json (a path relative to the repository, where make runs
 * the compiler) into read-only data and ends them with a NUL.  The Makefile
 * makes this object, and tests/unit/test_demo.o that includes this file,
 * depend on demo.json, so editing the fixture rebuilds crmctl.
 */
__asm__(".pushsection .rodata\n"
        "crm_demo_fixture:\n"
        ".incbin \"tools/crmctl/demo.json\"\n"
        ".byte 0\n"
        ".popsection\n");
extern const char crm_demo_fixture[];

#define DAY_USEC      (INT64_C(86400) * 1000000)
#define TOKEN         "{today"
#define TOKEN_LEN     (sizeof(TOKEN) - 1)
#define MAX_DAYS      36500 /* a hundred years either way */
#define PATH_LEN      256
#define TOKEN_SYNTAX  "expected {today}, {today-3d}, {today+2d 09:30} or {today 09:30:15}"
#define SHOWN_OF_TEXT 24 /* characters of a bad token quoted in the message */

const char *demo_fixture(void)
{
	return crm_demo_fixture;
}

/* Reads exactly n digits at s; the value, or -1. */
static int read_digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * Parses the token at s (which starts with TOKEN): *days, *secs (of the day)
 * and *with_time.  Returns the token's length, or 0 when it is malformed.
 */
static size_t parse_token(const char *s, int *days, int *secs, int *with_time)
{
	size_t i = TOKEN_LEN;
	*days = 0;
	*secs = 0;
	*with_time = 0;
	if (s[i] == '+' || s[i] == '-') {
		int sign = s[i++] == '-' ? -1 : 1, n = 0, v = 0;
		for (; s[i] >= '0' && s[i] <= '9' && n < 6; i++, n++)
			v = v * 10 + (s[i] - '0');
		if (n == 0 || s[i++] != 'd' || v > MAX_DAYS)
			return 0;
		*days = sign * v;
	}
	if (s[i] == ' ') {
		int h = read_digits(s + i + 1, 2), m = -1, sec = 0;
		if (h >= 0 && s[i + 3] == ':')
			m = read_digits(s + i + 4, 2);
		if (h < 0 || h > 23 || m < 0 || m > 59)
			return 0;
		i += 6;
		if (s[i] == ':') {
			sec = read_digits(s + i + 1, 2);
			if (sec < 0 || sec > 59)
				return 0;
			i += 3;
		}
		*secs = h * 3600 + m * 60 + sec;
		*with_time = 1;
	}
	return s[i] == '}' ? i + 1 : 0;
}

int demo_resolve_text(const char *in, int64_t today_usec, char *out, size_t cap, char *err,
                      size_t errlen)
{
	int64_t midnight = today_usec / DAY_USEC * DAY_USEC;
	size_t n = 0;
	if (today_usec < 0 && midnight != today_usec)
		midnight -= DAY_USEC;
	while (*in != '\0') {
		char value[TIMEFMT_RFC3339_MAX];
		const char *piece = in;
		size_t len = 1, token = 0;
		if (strncmp(in, TOKEN, TOKEN_LEN) == 0) {
			int days, secs, with_time;
			token = parse_token(in, &days, &secs, &with_time);
			if (token == 0) {
				snprintf(err, errlen, "\"%.*s\": %s", SHOWN_OF_TEXT, in,
				         TOKEN_SYNTAX);
				return -1;
			}
			len = timefmt_format_rfc3339(midnight + (days * INT64_C(86400) + secs) *
			                                                INT64_C(1000000),
			                             value);
			len = with_time ? len : 10; /* "YYYY-MM-DD" */
			piece = value;
		}
		if (n + len >= cap) {
			snprintf(err, errlen, "longer than %zu bytes once resolved", cap);
			return -1;
		}
		memcpy(out + n, piece, len);
		n += len;
		in += token ? token : 1;
	}
	out[n] = '\0';
	return (int)n;
}

/* Replaces the tokens of one string value; path names it in messages. */
static int resolve_string(json_t *v, int64_t now_usec, const char *path, char *err, size_t errlen)
{
	const char *s = json_string_value(v);
	if (strstr(s, TOKEN) == NULL)
		return 0;
	/* a token grows by less than half its length ("{today 08:00}" -> 20 bytes) */
	size_t cap = 2 * strlen(s) + 1;
	char *out = malloc(cap), why[200];
	int rc = -1;
	if (out == NULL)
		snprintf(err, errlen, "out of memory");
	else if (demo_resolve_text(s, now_usec, out, cap, why, sizeof(why)) < 0)
		snprintf(err, errlen, "%s: %s", path, why);
	else if (json_string_set(v, out) != 0)
		snprintf(err, errlen, "out of memory");
	else
		rc = 0;
	free(out);
	return rc;
}

/* Resolves every string under v in place; path (PATH_LEN bytes) names v and is restored. */
static int resolve_tree(json_t *v, int64_t now_usec, char *path, char *err, size_t errlen)
{
	size_t at = strlen(path), i;
	const char *key;
	json_t *child;
	int rc = 0;
	if (json_is_string(v))
		return resolve_string(v, now_usec, path, err, errlen);
	json_object_foreach (v, key, child) {
		snprintf(path + at, PATH_LEN - at, ".%s", key);
		if ((rc = resolve_tree(child, now_usec, path, err, errlen)) != 0)
			break;
	}
	json_array_foreach (v, i, child) {
		snprintf(path + at, PATH_LEN - at, "[%zu]", i);
		if ((rc = resolve_tree(child, now_usec, path, err, errlen)) != 0)
			break;
	}
	path[at] = '\0';
	return rc;
}

/* {"$comment": string, "tenants": {id: object, ...}} and nothing else. */
static int check_fixture(const json_t *top, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	if (!json_is_object(top) || !json_is_object(json_object_get(top, "tenants"))) {
		snprintf(err, errlen, "expected an object with \"tenants\": {tenant: document}");
		return -1;
	}
	json_object_foreach ((json_t *)top, key, v) {
		if (strcmp(key, "tenants") != 0 && strcmp(key, "$comment") != 0) {
			snprintf(err, errlen, "unknown member '%s' (expected $comment, tenants)",
			         key);
			return -1;
		}
	}
	json_object_foreach (json_object_get(top, "tenants"), key, v) {
		if (!id_valid(key, strlen(key)) || !json_is_object(v)) {
			snprintf(err, errlen,
			         "tenants.%s: expected a tenant id (%s) and a document", key,
			         "1..64 of [A-Za-z0-9_-]");
			return -1;
		}
	}
	return 0;
}

json_t *demo_data_set(int64_t now_usec, char *err, size_t errlen)
{
	json_error_t jerr;
	char path[PATH_LEN] = "tenants", why[300];
	json_t *tenants = NULL;
	json_t *top = json_loads(demo_fixture(), JSON_REJECT_DUPLICATES, &jerr);
	if (top == NULL) {
		snprintf(err, errlen, "demo.json line %d column %d: %s", jerr.line, jerr.column,
		         jerr.text);
		return NULL;
	}
	if (check_fixture(top, why, sizeof(why)) == 0) {
		tenants = json_incref(json_object_get(top, "tenants"));
		if (resolve_tree(tenants, now_usec, path, why, sizeof(why)) != 0) {
			json_decref(tenants);
			tenants = NULL;
		}
	}
	if (tenants == NULL)
		snprintf(err, errlen, "demo.json: %s", why);
	json_decref(top);
	return tenants;
}
