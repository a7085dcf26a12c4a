/* test_read: what crmctl imports comes back through nginx field for field — the enriched customer, the list shape, sparse items, child order. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tests/http/client.h"
#include "tests/http/test_read_helpers.h"

#define OWNER "u-sales-1"

/* Sets key to in_value in the import input and to want_value in the expectation. */
static void set_both(json_t *in, json_t *want, const char *key, const char *in_value,
                     const char *want_value)
{
	json_object_set_new(in, key, json_string(in_value));
	json_object_set_new(want, key, json_string(want_value));
}

/* The same for member key of element i of array member arr. */
static void set_both_in(json_t *in, json_t *want, const char *arr, size_t i, const char *key,
                        const char *in_value, const char *want_value)
{
	json_t *a = json_array_get(json_object_get(in, arr), i);
	json_t *b = json_array_get(json_object_get(want, arr), i);
	cr_assert(a != NULL && b != NULL, "fixture: %s[%zu] missing", arr, i);
	set_both(a, b, key, in_value, want_value);
}

/*
 * One customer with every member set, one opportunity, one activity and the
 * owner user, imported with times in other offsets.  *want_list is the list
 * item the API must send, *want_enriched the enriched customer.
 */
static void full_fixture(const char *tenant, json_t **want_list, json_t **want_enriched)
{
	json_t *sample = rh_customer("cust-1", "Van Dijk Bouw BV", OWNER, "PROSPECT",
	                             "Send the quote", "2019-08-24T14:15:22Z");
	json_t *in = json_deep_copy(sample);
	json_t *want = rh_expected_list_item(sample, tenant);
	set_both(in, want, "created", "2024-03-01T10:30:00+01:00", "2024-03-01T09:30:00Z");
	set_both(in, want, "nextActionDueDate", "2019-08-24T16:15:22+02:00",
	         "2019-08-24T14:15:22Z");
	set_both_in(in, want, "events", 1, "date", "2024-03-05T12:00:00+01:00",
	            "2024-03-05T11:00:00Z");
	set_both_in(in, want, "visits", 1, "time", "2024-03-04T10:45:30-05:00",
	            "2024-03-04T15:45:30Z");

	json_t *opp = sample_opportunity("opp-1", "cust-1", "2024-04-01T08:00:00Z");
	json_t *opp_in = json_deep_copy(opp);
	json_t *opp_want = rh_expected_child(opp, tenant);
	set_both(opp_in, opp_want, "created", "2024-04-01T10:00:00+02:00", "2024-04-01T08:00:00Z");
	set_both(opp_in, opp_want, "expectedCloseDate", "2024-06-30T19:00:00+02:00",
	         "2024-06-30T17:00:00Z");

	json_t *act = sample_activity("act-1", "cust-1", "2024-04-10T09:00:00Z");
	json_t *act_in = json_deep_copy(act);
	json_t *act_want = rh_expected_child(act, tenant);
	set_both(act_in, act_want, "scheduledAt", "2024-04-10T11:00:00+02:00",
	         "2024-04-10T09:00:00Z");
	set_both(act_in, act_want, "completedAt", "2024-04-10T06:45:00-04:00",
	         "2024-04-10T10:45:00Z");

	rh_import(tenant,
	          json_pack("{s:[{s:s,s:s,s:s}],s:[o],s:[o],s:[o]}", "users", "id", OWNER,
	                    "username", "jdevries", "displayName", "Jan de Vries", "customers", in,
	                    "opportunities", opp_in, "activities", act_in));
	*want_enriched =
	        rh_expected_enriched(want, tenant,
	                             json_pack("{s:s,s:s,s:s}", "displayName", "Jan de Vries", "id",
	                                       OWNER, "username", "jdevries"),
	                             json_pack("[o]", opp_want), json_pack("[o]", act_want));
	*want_list = want;
	json_decref(sample);
	json_decref(opp);
	json_decref(act);
}

Test(read, enriched_customer_returns_every_imported_member)
{
	char tenant[80];
	fresh_tenant("read-full", tenant, sizeof(tenant));
	json_t *want_list, *want;
	full_fixture(tenant, &want_list, &want);
	char *token = rh_token(OWNER, tenant);

	struct http *r = http_get("/crm/customers/cust-1", token);
	rh_assert_ok_object(r, "GET /crm/customers/cust-1");
	rh_assert_members(r->json, rh_enriched_members, RH_ENRICHED_COUNT, "enriched customer");
	rh_assert_json_same(r->json, want, "enriched customer");

	http_free(r);
	json_decref(want);
	json_decref(want_list);
	free(token);
}

Test(read, enriched_customer_has_no_visits_or_preferred_language)
{
	char tenant[80];
	fresh_tenant("read-novisits", tenant, sizeof(tenant));
	json_t *want_list, *want;
	full_fixture(tenant, &want_list, &want);
	char *token = rh_token(OWNER, tenant);

	struct http *r = http_get("/crm/customers/cust-1", token);
	rh_assert_ok_object(r, "GET /crm/customers/cust-1");
	cr_assert_null(json_object_get(r->json, "visits"), "the enriched customer has visits: %s",
	               r->body);
	cr_assert_null(json_object_get(r->json, "preferredLanguage"),
	               "the enriched customer has preferredLanguage: %s", r->body);
	cr_assert_eq(json_object_size(r->json), RH_ENRICHED_COUNT,
	             "the enriched customer has %zu members, the seed's shape %zu",
	             json_object_size(r->json), RH_ENRICHED_COUNT);

	http_free(r);
	json_decref(want);
	json_decref(want_list);
	free(token);
}

Test(read, enriched_customer_writes_times_in_utc)
{
	char tenant[80];
	fresh_tenant("read-utc", tenant, sizeof(tenant));
	json_t *want_list, *want;
	full_fixture(tenant, &want_list, &want);
	char *token = rh_token(OWNER, tenant);

	struct http *r = http_get("/crm/customers/cust-1", token);
	rh_assert_ok_object(r, "GET /crm/customers/cust-1");
	const json_t *b = r->json;
	cr_assert_str_eq(rh_str(b, "nextActionDueDate"), "2019-08-24T14:15:22Z");
	cr_assert_str_eq(rh_str(b, "created"), "2024-03-01T09:30:00Z");
	cr_assert_str_eq(rh_str(json_array_get(json_object_get(b, "events"), 1), "date"),
	                 "2024-03-05T11:00:00Z");
	const json_t *opp = json_array_get(json_object_get(b, "opportunities"), 0);
	cr_assert_str_eq(rh_str(opp, "created"), "2024-04-01T08:00:00Z");
	cr_assert_str_eq(rh_str(opp, "expectedCloseDate"), "2024-06-30T17:00:00Z");
	const json_t *act = json_array_get(json_object_get(b, "recentActivities"), 0);
	cr_assert_str_eq(rh_str(act, "scheduledAt"), "2024-04-10T09:00:00Z");
	cr_assert_str_eq(rh_str(act, "completedAt"), "2024-04-10T10:45:00Z");

	http_free(r);
	json_decref(want);
	json_decref(want_list);
	free(token);
}

/* "YYYY-MM-DDTHH:MM:SS[.f]Z" as microseconds since the epoch, or INT64_MIN. */
static int64_t utc_us(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (p == NULL)
		return INT64_MIN;
	int64_t frac = 0;
	int digits = 0;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (digits < 6) {
				frac = frac * 10 + (*p - '0');
				digits++;
			}
		if (digits == 0)
			return INT64_MIN;
		for (; digits < 6; digits++)
			frac *= 10;
	}
	if (strcmp(p, "Z") != 0)
		return INT64_MIN;
	return (int64_t)timegm(&tm) * 1000000 + frac;
}

Test(read, fractional_seconds_in_another_offset_come_back_as_the_same_utc_instant)
{
	char tenant[80];
	fresh_tenant("read-frac", tenant, sizeof(tenant));
	json_t *c = rh_customer("frac-1", "Fraction BV", NULL, "ACTIVE", NULL, NULL);
	json_object_set_new(c, "updated", json_string("2024-03-05T12:00:00.25+01:00"));
	rh_import_customers(tenant, json_pack("[o]", c));
	char *token = rh_token(OWNER, tenant);
	int64_t want = utc_us("2024-03-05T11:00:00.25Z");

	struct http *r = http_get("/crm/customers/frac-1", token);
	rh_assert_ok_object(r, "GET /crm/customers/frac-1");
	const char *got = rh_str(r->json, "updated");
	cr_assert(utc_us(got) == want, "enriched updated is %s, expected 2024-03-05T11:00:00.25Z",
	          got ? got : "null");
	http_free(r);

	r = http_get("/crm/customers/by-status/ACTIVE", token);
	rh_assert_ok_array(r, "by-status/ACTIVE");
	got = rh_str(json_array_get(r->json, 0), "updated");
	cr_assert(utc_us(got) == want, "list updated is %s, expected 2024-03-05T11:00:00.25Z",
	          got ? got : "null");
	http_free(r);
	free(token);
}

Test(read, list_item_returns_every_imported_member)
{
	char tenant[80];
	fresh_tenant("read-list", tenant, sizeof(tenant));
	json_t *want_list, *want;
	full_fixture(tenant, &want_list, &want);
	char *token = rh_token(OWNER, tenant);

	struct http *r = http_get("/crm/customers/by-status/PROSPECT", token);
	rh_assert_ok_array(r, "by-status/PROSPECT");
	cr_assert_eq(json_array_size(r->json), 1, "expected one customer: %s", r->body);
	const json_t *item = json_array_get(r->json, 0);
	rh_assert_members(item, rh_list_members, RH_LIST_COUNT, "list item");
	rh_assert_json_same(item, want_list, "list item");
	cr_assert_str_eq(rh_str(item, "preferredLanguage"), "nl");
	cr_assert_eq(json_array_size(json_object_get(item, "visits")), 2, "visits: %s", r->body);

	http_free(r);
	json_decref(want);
	json_decref(want_list);
	free(token);
}

Test(read, every_list_endpoint_sends_the_list_shape)
{
	char tenant[80];
	fresh_tenant("read-shapes", tenant, sizeof(tenant));
	json_t *want_list, *want;
	full_fixture(tenant, &want_list, &want); /* owned by OWNER, PROSPECT, due in 2019 */
	char *token = rh_token(OWNER, tenant);
	const char *const paths[] = {
	        "/crm/customers/by-owner/" OWNER,
	        "/crm/customers/by-status/PROSPECT",
	        "/crm/customers/my",
	        "/crm/customers/overdue-actions",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct http *r = http_get(paths[i], token);
		rh_assert_ok_array(r, paths[i]);
		cr_assert_eq(json_array_size(r->json), 1, "%s: expected one customer: %s", paths[i],
		             r->body);
		rh_assert_json_same(json_array_get(r->json, 0), want_list, paths[i]);
		http_free(r);
	}
	json_decref(want);
	json_decref(want_list);
	free(token);
}

/* The members of a sparse item that are arrays (always []) — the rest are null. */
static int is_array_member(const char *const *arrays, const char *key)
{
	for (; *arrays != NULL; arrays++)
		if (strcmp(*arrays, key) == 0)
			return 1;
	return 0;
}

/* Asserts every member of obj except those in keep is null, or [] when it is in arrays. */
static void assert_null_or_empty(const json_t *obj, const char *const *arrays,
                                 const char *const *keep, const char *what)
{
	const char *key;
	json_t *v;
	json_object_foreach ((json_t *)obj, key, v) {
		if (is_array_member(keep, key))
			continue;
		if (is_array_member(arrays, key))
			cr_assert(json_is_array(v) && json_array_size(v) == 0,
			          "%s: %s should be [] for an item imported without it", what, key);
		else
			cr_assert(json_is_null(v),
			          "%s: %s should be null for an item imported "
			          "without it",
			          what, key);
	}
}

Test(read, sparse_customer_comes_back_with_every_member_null_or_empty)
{
	char tenant[80];
	fresh_tenant("read-sparse", tenant, sizeof(tenant));
	rh_import_customers(tenant,
	                    json_pack("[{s:s,s:s}]", "id", "sparse-1", "crmStatus", "LEAD"));
	char *token = rh_token(OWNER, tenant);
	const char *const arrays[] = {"contacts", "deliveryAddresses", "events",           "tags",
	                              "visits",   "opportunities",     "recentActivities", NULL};
	const char *const keep[] = {"id", "crmStatus", "tenantId", NULL};

	struct http *r = http_get("/crm/customers/sparse-1", token);
	rh_assert_ok_object(r, "GET /crm/customers/sparse-1");
	rh_assert_members(r->json, rh_enriched_members, RH_ENRICHED_COUNT, "sparse enriched");
	assert_null_or_empty(r->json, arrays, keep, "sparse enriched");
	cr_assert_str_eq(rh_str(r->json, "id"), "sparse-1");
	cr_assert_str_eq(rh_str(r->json, "crmStatus"), "LEAD");
	cr_assert_str_eq(rh_str(r->json, "tenantId"), tenant);
	http_free(r);

	r = http_get("/crm/customers/by-status/LEAD", token);
	rh_assert_ok_array(r, "by-status/LEAD");
	cr_assert_eq(json_array_size(r->json), 1, "expected one customer: %s", r->body);
	const json_t *item = json_array_get(r->json, 0);
	rh_assert_members(item, rh_list_members, RH_LIST_COUNT, "sparse list item");
	assert_null_or_empty(item, arrays, keep, "sparse list item");
	cr_assert_str_eq(rh_str(item, "tenantId"), tenant);
	http_free(r);
	free(token);
}

/* The seed's opportunity and activity members, sorted. */
static const char *const opportunity_members[] = {
        "changeOrders",
        "created",
        "createdBy",
        "customerId",
        "description",
        "estimateIds",
        "events",
        "expectedCloseDate",
        "fulfillmentDate",
        "id",
        "invoiceIds",
        "leadId",
        "name",
        "nextAction",
        "nextActionDueDate",
        "notes",
        "orderDate",
        "orderId",
        "ownerId",
        "paymentSchedule",
        "probability",
        "productIds",
        "scheduledEndDate",
        "scheduledStartDate",
        "source",
        "status",
        "tags",
        "teamId",
        "tenantId",
        "updated",
        "updatedBy",
        "value",
};
static const char *const activity_members[] = {
        "attendees",    "completed",     "completedAt",     "contactEmail", "contactName",
        "contactPhone", "created",       "createdBy",       "customerId",   "description",
        "dueDate",      "dueNotifiedAt", "durationMinutes", "events",       "id",
        "isCompleted",  "location",      "opportunityId",   "outcome",      "ownerId",
        "priority",     "scheduledAt",   "subject",         "tenantId",     "type",
        "updated",      "updatedBy",
};

Test(read, sparse_opportunity_and_activity_come_back_with_every_member_null_or_empty)
{
	char tenant[80];
	fresh_tenant("read-sparse-kids", tenant, sizeof(tenant));
	rh_import(tenant, json_pack("{s:[{s:s,s:s}],s:[{s:s,s:s}],s:[{s:s,s:s}]}", "customers",
	                            "id", "sk-1", "crmStatus", "ACTIVE", "opportunities", "id",
	                            "sk-opp", "customerId", "sk-1", "activities", "id", "sk-act",
	                            "customerId", "sk-1"));
	char *token = rh_token(OWNER, tenant);
	const char *const keep[] = {"id", "customerId", "tenantId", NULL};

	struct http *r = http_get("/crm/customers/sk-1", token);
	rh_assert_ok_object(r, "GET /crm/customers/sk-1");
	const json_t *opps = json_object_get(r->json, "opportunities");
	const json_t *acts = json_object_get(r->json, "recentActivities");
	cr_assert_eq(json_array_size(opps), 1, "opportunities: %s", r->body);
	cr_assert_eq(json_array_size(acts), 1, "recentActivities: %s", r->body);

	const json_t *opp = json_array_get(opps, 0);
	rh_assert_members(opp, opportunity_members,
	                  sizeof(opportunity_members) / sizeof(opportunity_members[0]),
	                  "sparse opportunity");
	const char *const opp_arrays[] = {"changeOrders",    "estimateIds", "events", "invoiceIds",
	                                  "paymentSchedule", "productIds",  "tags",   NULL};
	assert_null_or_empty(opp, opp_arrays, keep, "sparse opportunity");
	cr_assert_str_eq(rh_str(opp, "id"), "sk-opp");
	cr_assert_str_eq(rh_str(opp, "customerId"), "sk-1");
	cr_assert_str_eq(rh_str(opp, "tenantId"), tenant);

	const json_t *act = json_array_get(acts, 0);
	rh_assert_members(act, activity_members,
	                  sizeof(activity_members) / sizeof(activity_members[0]),
	                  "sparse activity");
	const char *const act_arrays[] = {"attendees", "events", NULL};
	assert_null_or_empty(act, act_arrays, keep, "sparse activity");
	cr_assert_str_eq(rh_str(act, "id"), "sk-act");
	cr_assert_str_eq(rh_str(act, "tenantId"), tenant);

	http_free(r);
	free(token);
}

Test(read, full_opportunity_and_activity_have_the_seed_members)
{
	char tenant[80];
	fresh_tenant("read-kid-shape", tenant, sizeof(tenant));
	json_t *want_list, *want;
	full_fixture(tenant, &want_list, &want);
	char *token = rh_token(OWNER, tenant);

	struct http *r = http_get("/crm/customers/cust-1", token);
	rh_assert_ok_object(r, "GET /crm/customers/cust-1");
	rh_assert_members(
	        json_array_get(json_object_get(r->json, "opportunities"), 0), opportunity_members,
	        sizeof(opportunity_members) / sizeof(opportunity_members[0]), "opportunity");
	rh_assert_members(json_array_get(json_object_get(r->json, "recentActivities"), 0),
	                  activity_members, sizeof(activity_members) / sizeof(activity_members[0]),
	                  "activity");
	/* numbers keep their kind: the seed writes value and percentage as reals, probability as an integer */
	const json_t *opp = json_array_get(json_object_get(r->json, "opportunities"), 0);
	cr_assert(json_is_real(json_object_get(opp, "value")), "value must be a number 48250.75");
	cr_assert(json_is_integer(json_object_get(opp, "probability")), "probability: integer");
	cr_assert_str_eq(rh_str(opp, "scheduledStartDate"), "2024-09-02",
	                 "a date-only field stays YYYY-MM-DD");

	http_free(r);
	json_decref(want);
	json_decref(want_list);
	free(token);
}

/* The ids of the objects of array member key of obj, "a,b,c". */
static void member_ids(const json_t *obj, const char *key, char *out, size_t cap)
{
	out[0] = '\0';
	const json_t *arr = json_object_get(obj, key);
	cr_assert(json_is_array(arr), "%s is not an array", key);
	rh_append_ids(arr, out, cap);
}

Test(read, enriched_opportunities_are_newest_created_first)
{
	char tenant[80];
	fresh_tenant("read-opps", tenant, sizeof(tenant));
	/* created in UTC: a 05:00, b 06:00, c 06:30, d 05:30; the offsets make text order differ */
	json_t *opps = json_array();
	json_array_append_new(opps,
	                      sample_opportunity("opp-a", "oc-1", "2024-01-01T10:00:00+05:00"));
	json_array_append_new(opps, sample_opportunity("opp-b", "oc-1", "2024-01-01T06:00:00Z"));
	json_array_append_new(opps,
	                      sample_opportunity("opp-c", "oc-1", "2023-12-31T23:30:00-07:00"));
	json_array_append_new(opps, sample_opportunity("opp-d", "oc-1", "2024-01-01T05:30:00Z"));
	json_array_append_new(opps, sample_opportunity("opp-x", "oc-2", "2025-01-01T00:00:00Z"));
	json_t *customers =
	        json_pack("[o,o]", rh_customer("oc-1", "Opp One", NULL, "ACTIVE", NULL, NULL),
	                  rh_customer("oc-2", "Opp Two", NULL, "ACTIVE", NULL, NULL));
	rh_import(tenant, json_pack("{s:o,s:o}", "customers", customers, "opportunities", opps));
	char *token = rh_token(OWNER, tenant);

	struct http *r = http_get("/crm/customers/oc-1", token);
	rh_assert_ok_object(r, "GET /crm/customers/oc-1");
	char ids[512];
	member_ids(r->json, "opportunities", ids, sizeof(ids));
	cr_assert_str_eq(ids, "opp-c,opp-b,opp-d,opp-a",
	                 "opportunities must be all of the customer's, newest created first");
	http_free(r);
	free(token);
}

Test(read, enriched_recent_activities_are_the_ten_newest_by_scheduled_at_else_created)
{
	char tenant[80];
	fresh_tenant("read-acts", tenant, sizeof(tenant));
	/* id, scheduledAt (NULL: none), created */
	static const char *const rows[][3] = {
	        {"act-01", "2024-05-01T09:00:00Z", "2024-06-30T00:00:00Z"}, /* scheduledAt wins */
	        {"act-02", NULL, "2024-05-12T09:00:00Z"},
	        {"act-03", "2024-05-03T09:00:00+02:00", "2024-04-01T00:00:00Z"},
	        {"act-04", "2024-05-13T09:00:00Z", "2024-04-01T00:00:00Z"},
	        {"act-05", NULL, "2024-05-02T09:00:00Z"},
	        {"act-06", "2024-05-06T09:00:00Z", "2024-04-01T00:00:00Z"},
	        {"act-07", "2024-05-07T09:00:00Z", "2024-04-01T00:00:00Z"},
	        {"act-08", NULL, "2024-05-08T11:00:00+02:00"},
	        {"act-09", "2024-05-09T09:00:00Z", "2024-04-01T00:00:00Z"},
	        {"act-10", "2024-05-10T09:00:00Z", "2024-04-01T00:00:00Z"},
	        {"act-11", "2024-05-11T09:00:00Z", "2024-04-01T00:00:00Z"},
	        {"act-12", "2024-05-04T09:00:00Z", "2024-04-01T00:00:00Z"},
	        {"act-13", "2024-05-05T09:00:00Z", "2024-04-01T00:00:00Z"},
	};
	json_t *acts = json_array();
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		json_t *a = sample_activity(rows[i][0], "ac-1", rows[i][1]);
		json_object_set_new(a, "created", json_string(rows[i][2]));
		json_array_append_new(acts, a);
	}
	/* newer than all of them, but another customer's */
	json_array_append_new(acts, sample_activity("act-other", "ac-2", "2024-12-01T00:00:00Z"));
	json_t *customers =
	        json_pack("[o,o]", rh_customer("ac-1", "Act One", NULL, "ACTIVE", NULL, NULL),
	                  rh_customer("ac-2", "Act Two", NULL, "ACTIVE", NULL, NULL));
	rh_import(tenant, json_pack("{s:o,s:o}", "customers", customers, "activities", acts));
	char *token = rh_token(OWNER, tenant);

	struct http *r = http_get("/crm/customers/ac-1", token);
	rh_assert_ok_object(r, "GET /crm/customers/ac-1");
	char ids[512];
	member_ids(r->json, "recentActivities", ids, sizeof(ids));
	cr_assert_str_eq(ids,
	                 "act-04,act-02,act-11,act-10,act-09,act-08,act-07,act-06,act-13,act-12",
	                 "recentActivities must be the 10 newest by scheduledAt, else created");
	cr_assert_str_eq(
	        rh_str(json_array_get(json_object_get(r->json, "recentActivities"), 1), "created"),
	        "2024-05-12T09:00:00Z");
	http_free(r);
	free(token);
}

Test(read, enriched_owner_is_null_when_the_customer_has_none)
{
	char tenant[80];
	fresh_tenant("read-noowner", tenant, sizeof(tenant));
	rh_import(tenant, json_pack("{s:[{s:s,s:s,s:s}],s:[o]}", "users", "id", OWNER, "username",
	                            "jdevries", "displayName", "Jan de Vries", "customers",
	                            rh_customer("no-1", "No Owner", NULL, "LEAD", NULL, NULL)));
	char *token = rh_token(OWNER, tenant);
	struct http *r = http_get("/crm/customers/no-1", token);
	rh_assert_ok_object(r, "GET /crm/customers/no-1");
	cr_assert(json_is_null(json_object_get(r->json, "ownerId")), "ownerId: %s", r->body);
	cr_assert(json_is_null(json_object_get(r->json, "owner")), "owner must be null: %s",
	          r->body);
	http_free(r);
	free(token);
}

Test(read, enriched_owner_is_null_when_the_owner_is_not_a_known_user)
{
	char tenant[80];
	fresh_tenant("read-ghost", tenant, sizeof(tenant));
	rh_import_customers(tenant, json_pack("[o]", rh_customer("gh-1", "Ghost Owned", "u-ghost",
	                                                         "LEAD", NULL, NULL)));
	char *token = rh_token(OWNER, tenant);
	struct http *r = http_get("/crm/customers/gh-1", token);
	rh_assert_ok_object(r, "GET /crm/customers/gh-1");
	cr_assert_str_eq(rh_str(r->json, "ownerId"), "u-ghost");
	cr_assert(json_is_null(json_object_get(r->json, "owner")),
	          "owner must be null when no such user exists: %s", r->body);
	http_free(r);
	free(token);
}

Test(read, enriched_owner_has_exactly_id_username_and_display_name)
{
	char tenant[80];
	fresh_tenant("read-owner", tenant, sizeof(tenant));
	rh_import(tenant, json_pack("{s:[{s:s,s:s,s:s},{s:s,s:s,s:s}],s:[o]}", "users", "id", "u-a",
	                            "username", "anna", "displayName", "Anna Bakker", "id", "u-b",
	                            "username", "bob", "displayName", "Bob Smit", "customers",
	                            rh_customer("ow-1", "Owned", "u-b", "LEAD", NULL, NULL)));
	char *token = rh_token("u-a", tenant);
	struct http *r = http_get("/crm/customers/ow-1", token);
	rh_assert_ok_object(r, "GET /crm/customers/ow-1");
	json_t *want = json_pack("{s:s,s:s,s:s}", "displayName", "Bob Smit", "id", "u-b",
	                         "username", "bob");
	rh_assert_json_same(json_object_get(r->json, "owner"), want, "owner");
	json_decref(want);
	http_free(r);
	free(token);
}

Test(read, enriched_customer_keeps_the_imported_order_of_arrays)
{
	char tenant[80];
	fresh_tenant("read-order", tenant, sizeof(tenant));
	json_t *c = rh_customer("ord-1", "Order Kept", NULL, "LEAD", NULL, NULL);
	json_object_set_new(c, "tags", json_pack("[s,s,s]", "zeta", "Alpha", "mid"));
	json_t *events = json_object_get(c, "events");
	json_t *first = json_incref(json_array_get(events, 0));
	json_array_remove(events, 0);
	json_array_append_new(events, first); /* now not in date order */
	json_t *want = rh_expected_list_item(c, tenant);
	rh_import_customers(tenant, json_pack("[o]", c));
	char *token = rh_token(OWNER, tenant);

	struct http *r = http_get("/crm/customers/ord-1", token);
	rh_assert_ok_object(r, "GET /crm/customers/ord-1");
	rh_assert_json_same(json_object_get(r->json, "tags"), json_object_get(want, "tags"),
	                    "tags");
	rh_assert_json_same(json_object_get(r->json, "events"), json_object_get(want, "events"),
	                    "events");
	rh_assert_json_same(json_object_get(r->json, "contacts"), json_object_get(want, "contacts"),
	                    "contacts");
	http_free(r);
	json_decref(want);
	free(token);
}

Test(read, head_on_a_customer_answers_like_get_without_a_body)
{
	char tenant[80];
	fresh_tenant("read-head", tenant, sizeof(tenant));
	rh_import_customers(
	        tenant, json_pack("[o]", rh_customer("hd-1", "Head", NULL, "LEAD", NULL, NULL)));
	char *token = rh_token(OWNER, tenant);
	struct http *r = http_do("HEAD", "/crm/customers/hd-1", token, NULL, NULL, NULL);
	cr_assert_eq(r->status, 200, "HEAD: %ld", r->status);
	cr_assert_eq(r->body_len, 0, "HEAD must not carry a body");
	http_free(r);
	free(token);
}
