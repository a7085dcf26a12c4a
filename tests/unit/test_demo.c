/* test_demo: the embedded demo fixture parses, its relative dates resolve, its items import. */
#include <string.h>

#include <criterion/criterion.h>

#include "lib/timefmt.h"
#include "model/lifecycle.h"
#include "model/shape.h"

/* crmctl's objects are not in libcrm.a: the code under test (and its embedded fixture) is
   compiled into this test. */
#include "tools/crmctl/demo_data.c"

#define USEC        INT64_C(1000000)
#define DAY         (86400 * USEC)
#define A_DAY       INT64_C(1773532800000000) /* 2026-03-15T00:00:00Z */
#define LAST_MOMENT (A_DAY + DAY - 1)         /* 2026-03-15T23:59:59.999999Z */

static const struct {
	const char *member;
	enum shape_kind kind;
} sections[] = {
        {"users", SHAPE_USER},
        {"customers", SHAPE_CUSTOMER},
        {"opportunities", SHAPE_OPPORTUNITY},
        {"activities", SHAPE_ACTIVITY},
};

static json_t *fixture_tenants(void)
{
	json_error_t jerr;
	json_t *top = json_loads(demo_fixture(), JSON_REJECT_DUPLICATES, &jerr);
	cr_assert_not_null(top, "demo.json line %d: %s", jerr.line, jerr.text);
	json_t *tenants = json_incref(json_object_get(top, "tenants"));
	json_decref(top);
	cr_assert(json_is_object(tenants));
	return tenants;
}

static json_t *resolved(int64_t now)
{
	char err[400] = "";
	json_t *set = demo_data_set(now, err, sizeof(err));
	cr_assert_not_null(set, "%s", err);
	return set;
}

static const char *resolve(const char *in, int64_t now, char *out, size_t cap)
{
	char err[200] = "";
	cr_assert_geq(demo_resolve_text(in, now, out, cap, err, sizeof(err)), 0, "\"%s\": %s", in,
	              err);
	return out;
}

static void assert_refused(const char *in)
{
	char out[64] = "untouched", err[200] = "";
	cr_assert_eq(demo_resolve_text(in, A_DAY, out, sizeof(out), err, sizeof(err)), -1,
	             "accepted \"%s\" as \"%s\"", in, out);
	cr_assert(strstr(err, "expected {today}") != NULL, "\"%s\": %s", in, err);
}

/* The strings under v: how many hold a token, and how many are a whole token. */
static void count_tokens(const json_t *v, int *inside, int *whole)
{
	size_t i;
	const char *key;
	json_t *child;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		int days, secs, with_time;
		*inside += strstr(s, TOKEN) != NULL;
		*whole += strncmp(s, TOKEN, TOKEN_LEN) == 0 &&
		          parse_token(s, &days, &secs, &with_time) == strlen(s);
	}
	json_object_foreach ((json_t *)v, key, child) {
		count_tokens(child, inside, whole);
	}
	json_array_foreach (v, i, child) {
		count_tokens(child, inside, whole);
	}
}

/* Every string under v that was a whole token is now an RFC 3339 time or a date. */
static void assert_resolved(const json_t *fixture, const json_t *v, const char *where)
{
	size_t i;
	const char *key;
	json_t *child;
	if (json_is_string(v)) {
		const char *in = json_string_value(fixture), *s = json_string_value(v);
		crm_time_t t;
		cr_assert_null(strstr(s, TOKEN), "%s: \"%s\" left as it was", where, s);
		if (strncmp(in, TOKEN, TOKEN_LEN) == 0 && in[strlen(in) - 1] == '}')
			cr_assert(timefmt_parse_rfc3339(s, strlen(s), &t) == 0 ||
			                  timefmt_parse_date(s, strlen(s), NULL, NULL, NULL) == 0,
			          "%s: \"%s\" became \"%s\"", where, in, s);
	}
	json_object_foreach ((json_t *)v, key, child) {
		assert_resolved(json_object_get(fixture, key), child, where);
	}
	json_array_foreach (v, i, child) {
		assert_resolved(json_array_get(fixture, i), child, where);
	}
}

/*
 * For each item of `member` with a next action: the day offset written in the
 * fixture and the resolved due time at `now`.  Checks that the side of now is
 * the side the fixture says, and counts the overdue and future ones.
 */
static void check_next_actions(const char *member, int64_t now, int *overdue, int *future)
{
	json_t *fixture = fixture_tenants(), *set = resolved(now), *doc;
	const char *tenant;
	json_object_foreach (fixture, tenant, doc) {
		size_t i;
		json_t *item;
		json_array_foreach (json_object_get(doc, member), i, item) {
			const char *in =
			        json_string_value(json_object_get(item, "nextActionDueDate"));
			if (in == NULL)
				continue;
			int days, secs, with_time;
			cr_assert_eq(parse_token(in, &days, &secs, &with_time), strlen(in),
			             "%s %s[%zu]: \"%s\" is not a relative date", tenant, member, i,
			             in);
			cr_assert_neq(days, 0, "%s %s[%zu]: due today: on no side of now", tenant,
			              member, i);
			const json_t *out = json_array_get(
			        json_object_get(json_object_get(set, tenant), member), i);
			const char *due =
			        json_string_value(json_object_get(out, "nextActionDueDate"));
			crm_time_t t;
			cr_assert_eq(timefmt_parse_rfc3339(due, strlen(due), &t), 0, "%s", due);
			cr_assert_eq(t < now, days < 0, "%s %s[%zu]: \"%s\" resolved to %s", tenant,
			             member, i, in, due);
			*(days < 0 ? overdue : future) += 1;
		}
	}
	json_decref(set);
	json_decref(fixture);
}

Test(demo, fixture_parses_and_holds_the_two_demo_tenants)
{
	json_t *tenants = fixture_tenants();
	cr_assert_eq(json_object_size(tenants), 2);
	const char *names[] = {"hollandtech", "polderdata"}, *key;
	json_t *doc;
	size_t k = 0;
	json_object_foreach (tenants, key, doc) {
		cr_assert_str_eq(key, names[k++], "tenants in the order crmctl demo loads them");
		for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++)
			cr_assert_gt(json_array_size(json_object_get(doc, sections[s].member)), 0,
			             "%s has no %s", key, sections[s].member);
	}
	json_decref(tenants);
}

Test(demo, every_relative_date_resolves)
{
	json_t *fixture = fixture_tenants(), *set = resolved(A_DAY + 9 * 3600 * USEC);
	int inside = 0, whole = 0, left = 0, left_whole = 0;
	count_tokens(fixture, &inside, &whole);
	cr_assert_gt(whole, 1000, "the fixture has only %d relative dates", whole);
	cr_assert_gt(inside, whole, "no event description names a relative date");
	count_tokens(set, &left, &left_whole);
	cr_assert_eq(left, 0, "%d strings still hold a {today...}", left);
	assert_resolved(fixture, set, "tenants");
	json_decref(set);
	json_decref(fixture);
}

Test(demo, resolved_documents_pass_the_import_shape_validation)
{
	json_t *set = resolved(timefmt_now()), *doc;
	const char *tenant;
	json_object_foreach (set, tenant, doc) {
		for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
			size_t i;
			json_t *item;
			json_array_foreach (json_object_get(doc, sections[s].member), i, item) {
				char err[400] = "";
				json_t *canon = shape_canonical(sections[s].kind, item, tenant, err,
				                                sizeof(err));
				cr_assert_not_null(canon, "%s %s[%zu]: %s", tenant,
				                   sections[s].member, i, err);
				json_decref(canon);
			}
		}
	}
	json_decref(set);
}

Test(demo, overdue_and_future_next_actions_keep_their_side_at_any_time_of_the_day)
{
	int64_t moments[] = {A_DAY, A_DAY + 12 * 3600 * USEC, LAST_MOMENT, timefmt_now()};
	for (size_t m = 0; m < sizeof(moments) / sizeof(moments[0]); m++) {
		int overdue = 0, future = 0;
		check_next_actions("customers", moments[m], &overdue, &future);
		/* every third customer is overdue, every third due later (12 + 9, 12 + 8) */
		cr_assert_eq(overdue, 21, "overdue customers: %d", overdue);
		cr_assert_eq(future, 20, "customers with a next action ahead: %d", future);
		overdue = future = 0;
		check_next_actions("opportunities", moments[m], &overdue, &future);
		cr_assert(overdue > 0 && future > 0, "opportunities: %d overdue, %d ahead", overdue,
		          future);
	}
}

/* The status a customer event's description names after `prefix`, or -1. */
static int status_after(const char *text, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix), len = 0;
	if (strncmp(text, prefix, n) != 0)
		return -1;
	text += n;
	while (text[len] >= 'A' && text[len] <= 'Z')
		len++;
	*rest = text + len;
	return enum_lookup(ENUM_CRM_STATUS, text, len);
}

Test(demo, customer_status_histories_follow_the_lifecycle)
{
	json_t *tenants = fixture_tenants(), *doc;
	const char *tenant;
	json_object_foreach (tenants, tenant, doc) {
		size_t i, k;
		json_t *c, *e;
		json_array_foreach (json_object_get(doc, "customers"), i, c) {
			int now = -1;
			json_array_foreach (json_object_get(c, "events"), k, e) {
				const char *type = json_string_value(json_object_get(e, "type"));
				const char *text =
				        json_string_value(json_object_get(e, "description"));
				const char *rest = "";
				if (strcmp(type, "CREATE") == 0)
					now = status_after(text, "Customer created with status ",
					                   &rest);
				if (strcmp(type, "STATUS_CHANGE") != 0)
					continue;
				int from = status_after(text, "Status changed from ", &rest);
				int to = status_after(rest, " to ", &rest);
				cr_assert(from == now && to >= 0 &&
				                  lifecycle_allows((enum crm_status)from,
				                                   (enum crm_status)to),
				          "%s customers[%zu]: \"%s\" after %s", tenant, i, text,
				          now >= 0 ? enum_name(ENUM_CRM_STATUS, now) : "?");
				now = to;
			}
			const char *status = json_string_value(json_object_get(c, "crmStatus"));
			cr_assert(now >= 0, "%s customers[%zu]: no CREATE event with a status",
			          tenant, i);
			cr_assert_str_eq(enum_name(ENUM_CRM_STATUS, now), status,
			                 "%s customers[%zu]: its history ends elsewhere", tenant,
			                 i);
		}
	}
	json_decref(tenants);
}

Test(demo, resolves_a_time_relative_to_the_utc_day_of_now)
{
	char out[64];
	cr_assert_str_eq(resolve("{today-3d 09:30}", LAST_MOMENT, out, sizeof(out)),
	                 "2026-03-12T09:30:00Z");
	cr_assert_str_eq(resolve("{today+20d 14:05:30}", A_DAY, out, sizeof(out)),
	                 "2026-04-04T14:05:30Z");
	cr_assert_str_eq(resolve("{today 00:00}", A_DAY + 1, out, sizeof(out)),
	                 "2026-03-15T00:00:00Z");
}

Test(demo, resolves_a_date_without_a_time)
{
	char out[64];
	cr_assert_str_eq(resolve("{today}", A_DAY, out, sizeof(out)), "2026-03-15");
	cr_assert_str_eq(resolve("{today-366d}", A_DAY, out, sizeof(out)), "2025-03-14");
	cr_assert_str_eq(resolve("{today+1d}", -1, out, sizeof(out)), "1970-01-01");
}

Test(demo, resolves_tokens_inside_text_and_keeps_other_braces)
{
	char out[128];
	cr_assert_str_eq(resolve("Next action set to \"Bellen\", due {today+5d 10:00}.", A_DAY, out,
	                         sizeof(out)),
	                 "Next action set to \"Bellen\", due 2026-03-20T10:00:00Z.");
	cr_assert_str_eq(
	        resolve("{tomorrow} {} {TODAY} {today}{today-1d}", A_DAY, out, sizeof(out)),
	        "{tomorrow} {} {TODAY} 2026-03-152026-03-14");
}

Test(demo, refuses_malformed_tokens)
{
	const char *bad[] = {
	        "{today",          "{today-3}",        "{today-3x}",    "{today+d}",
	        "{today 9:30}",    "{today 24:00}",    "{today 09:60}", "{today 09:30:60}",
	        "{today 09:30:5}", "{today-3d09:30}",  "{today -3d}",   "{today+3d 09:30 }",
	        "{today+36501d}",  "{today-1000000d}", "{today 09}",    "{today+3d 09:30Z}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(bad[i]);
}

Test(demo, refuses_a_result_longer_than_the_buffer)
{
	char out[21], err[200] = ""; /* "2026-03-15T09:30:00Z" and its NUL */
	cr_assert_eq(demo_resolve_text("{today 09:30}", A_DAY, out, 20, err, sizeof(err)), -1);
	cr_assert(strstr(err, "longer than 20 bytes") != NULL, "%s", err);
	cr_assert_eq(demo_resolve_text("{today 09:30}", A_DAY, out, sizeof(out), err, sizeof(err)),
	             20);
	cr_assert_str_eq(out, "2026-03-15T09:30:00Z");
}
