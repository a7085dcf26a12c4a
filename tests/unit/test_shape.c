/* test_shape: imported items are validated and rewritten in the seed's canonical shapes. */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "lib/limits.h"
#include "model/shape.h"

#define TENANT "acme"

/* The seed's examples, verbatim (compact), with tenantId "string". */
static const char seed_customer[] = "{\"avatar\":{\"blobId\":\"string\",\"height\":0,"
                                    "\"thumbnailBlobId\":\"string\",\"width\":0},\"billingAd"
                                    "dress\":{\"city\":\"string\",\"country\":\"string\","
                                    "\"houseNumber\":\"string\",\"id\":\"string\",\"latitud"
                                    "e\":0.1,\"longitude\":0.1,\"postalCode\":\"string\","
                                    "\"street\":\"string\"},\"btw\":\"string\",\"contacts"
                                    "\":[{\"department\":\"string\",\"email\":\"string\","
                                    "\"firstName\":\"string\",\"id\":\"string\",\"lastName\""
                                    ":\"string\",\"phone\":\"string\"}],\"created\":\"2019-08-"
                                    "24T14:15:22Z\",\"createdBy\":\"string\",\"crmS"
                                    "tatus\":\"LEAD\",\"deliveryAddresses\":[{\"city\":\"string\","
                                    "\"country\":\"string\",\"houseNumber\":\"st"
                                    "ring\",\"id\":\"string\",\"latitude\":0.1,\"longitude\":0.1,"
                                    "\"postalCode\":\"string\",\"street\":\"strin"
                                    "g\"}],\"email\":\"string\",\"events\":[{\"authorId\":"
                                    "\"string\",\"date\":\"2019-08-24T14:15:22Z\",\"desc"
                                    "ription\":\"string\",\"id\":\"string\",\"type\":\"CREATE\"}],"
                                    "\"id\":\"string\",\"industry\":\"string\",\"kvk"
                                    "\":\"string\",\"leadSource\":\"string\",\"name\":\"string\","
                                    "\"nextAction\":\"string\",\"nextActionDueDat"
                                    "e\":\"2019-08-24T14:15:22Z\",\"ownerId\":\"string\",\"phone\":"
                                    "\"string\",\"preferredLanguage\":\"strin"
                                    "g\",\"region\":\"string\",\"subsidiaryId\":\"string\","
                                    "\"tags\":[\"string\"],\"tenantId\":\"string\",\"type"
                                    "\":\"PERSON\",\"updated\":\"2019-08-24T14:15:22Z\","
                                    "\"updatedBy\":\"string\",\"userId\":\"string\",\"visi"
                                    "ts\":[{\"frequency\":0,\"ip\":\"string\",\"time\":\"2019-08-"
                                    "24T14:15:22Z\"}],\"website\":\"string\"}";

static const char seed_opportunity[] =
        "{\"changeOrders\":[{\"amount\":0.1,\"category\":\"string\",\"createdAt\":\"2019-08-24T14:"
        "15:22Z\",\"c"
        "reatedBy\":\"string\",\"date\":\"2019-08-24T14:15:22Z\",\"description\":\"string\",\"id\":"
        "\"string\"}],"
        "\"created\":\"2019-08-24T14:15:22Z\",\"createdBy\":\"string\",\"customerId\":\"string\","
        "\"description"
        "\":\"string\",\"estimateIds\":[\"string\"],\"events\":[{\"authorId\":\"string\",\"date\":"
        "\"2019-08-24T14"
        ":15:22Z\",\"description\":\"string\",\"id\":\"string\",\"type\":\"CREATE\"}],"
        "\"expectedCloseDate\":\"201"
        "9-08-24T14:15:22Z\",\"fulfillmentDate\":\"2019-08-24T14:15:22Z\",\"id\":\"string\","
        "\"invoiceIds\":["
        "\"string\"],\"leadId\":\"string\",\"name\":\"string\",\"nextAction\":\"string\","
        "\"nextActionDueDate\":\"2"
        "019-08-24T14:15:22Z\",\"notes\":\"string\",\"orderDate\":\"2019-08-24T14:15:22Z\","
        "\"orderId\":\"stri"
        "ng\",\"ownerId\":\"string\",\"paymentSchedule\":[{\"id\":\"string\","
        "\"includeChangeOrders\":true,\"inv"
        "oiceId\":\"string\",\"label\":\"string\",\"paymentDueDays\":0,\"percentage\":0.1,"
        "\"relativeDays\":0,\""
        "status\":\"PENDING\",\"triggerStatus\":\"NEW\",\"triggerType\":\"STATUS_CHANGE\","
        "\"triggeredAt\":\"201"
        "9-08-24T14:15:22Z\"}],\"probability\":0,\"productIds\":[\"string\"],\"scheduledEndDate\":"
        "\"2019-08"
        "-24\",\"scheduledStartDate\":\"2019-08-24\",\"source\":\"string\",\"status\":\"NEW\","
        "\"tags\":[\"string\""
        "],\"teamId\":\"string\",\"tenantId\":\"string\",\"updated\":\"2019-08-24T14:15:22Z\","
        "\"updatedBy\":\"st"
        "ring\",\"value\":0.1}";

static const char seed_activity[] = "{\"attendees\":[\"string\"],\"completed\":true,"
                                    "\"completedAt\":\"2019-08-24T14:15:22Z\",\"contactEm"
                                    "ail\":\"string\",\"contactName\":\"string\",\"contactPhone\":"
                                    "\"string\",\"created\":\"2019-08-24T14:15"
                                    ":22Z\",\"createdBy\":\"string\",\"customerId\":\"string\","
                                    "\"description\":\"string\",\"dueDate\":\"2019-"
                                    "08-24T14:15:22Z\",\"dueNotifiedAt\":\"2019-08-24T14:15:22Z\","
                                    "\"durationMinutes\":0,\"events\":[{\""
                                    "authorId\":\"string\",\"date\":\"2019-08-24T14:15:22Z\","
                                    "\"description\":\"string\",\"id\":\"string\",\"t"
                                    "ype\":\"CREATE\"}],\"id\":\"string\",\"isCompleted\":true,"
                                    "\"location\":\"string\",\"opportunityId\":\"st"
                                    "ring\",\"outcome\":\"string\",\"ownerId\":\"string\","
                                    "\"priority\":\"LOW\",\"scheduledAt\":\"2019-08-24T1"
                                    "4:15:22Z\",\"subject\":\"string\",\"tenantId\":\"string\","
                                    "\"type\":\"CALL\",\"updated\":\"2019-08-24T14:"
                                    "15:22Z\",\"updatedBy\":\"string\"}";

static char err[400];

/* A JSON item {"id":"c1",<member>:"<unit times times>"<rest>}, the value and rest in an
 * array for "tags"; in a buffer that lives until the next call. */
static const char *item_with(const char *member, const char *unit, int times, const char *rest)
{
	static char text[8192];
	size_t n = (size_t)snprintf(text, sizeof text, "{\"id\":\"c1\",\"%s\":", member);
	n += (size_t)snprintf(text + n, sizeof text - n, "%s\"", strcmp(member, "tags") ? "" : "[");
	for (int i = 0; i < times; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%s", unit);
	snprintf(text + n, sizeof text - n, "\"%s%s}", rest, strcmp(member, "tags") ? "" : "]");
	cr_assert_lt(strlen(text) + 1, sizeof text, "item_with: the buffer is too small");
	return text;
}

static json_t *load(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
	cr_assert_not_null(v, "test JSON does not parse: %s: %s", je.text, text);
	return v;
}

/* Canonicalises text for TENANT; NULL on rejection (message in err). */
static json_t *canon(enum shape_kind kind, const char *text)
{
	json_t *in = load(text);
	json_t *out = shape_canonical(kind, in, TENANT, err, sizeof err);
	json_decref(in);
	return out;
}

static void assert_accepted(enum shape_kind kind, const char *text)
{
	json_t *out = canon(kind, text);
	cr_assert_not_null(out, "rejected %s: %s", text, err);
	json_decref(out);
}

/* Asserts text is rejected with exactly `message`. */
static void assert_rejected(enum shape_kind kind, const char *text, const char *message)
{
	json_t *out = canon(kind, text);
	cr_assert_null(out, "accepted %s", text);
	cr_assert_str_eq(err, message);
}

/* Asserts text is rejected with a message starting with `prefix`. */
static void assert_rejected_at(enum shape_kind kind, const char *text, const char *prefix)
{
	json_t *out = canon(kind, text);
	cr_assert_null(out, "accepted %s", text);
	cr_assert_eq(strncmp(err, prefix, strlen(prefix)), 0, "message \"%s\" lacks \"%s\"", err,
	             prefix);
}

static void assert_same_json(const json_t *a, const json_t *b)
{
	char *x = json_dumps(a, JSON_COMPACT), *y = json_dumps(b, JSON_COMPACT);
	cr_assert_str_eq(x, y);
	free(x);
	free(y);
}

/* The seed example comes back unchanged, member for member and in the same order. */
static void assert_seed_is_canonical(enum shape_kind kind, const char *seed)
{
	json_t *in = load(seed);
	json_t *out = shape_canonical(kind, in, "string", err, sizeof err);
	cr_assert_not_null(out, "%s", err);
	assert_same_json(out, in);
	json_decref(in);
	json_decref(out);
}

/* out has exactly the seed's members, in the seed's order. */
static void assert_same_keys(const json_t *out, const char *seed)
{
	json_t *s = load(seed);
	void *i = json_object_iter((json_t *)out), *j = json_object_iter(s);
	for (; i != NULL && j != NULL;
	     i = json_object_iter_next((json_t *)out, i), j = json_object_iter_next(s, j))
		cr_assert_str_eq(json_object_iter_key(i), json_object_iter_key(j));
	cr_assert(i == NULL && j == NULL, "member counts differ");
	json_decref(s);
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

Test(shape, customer_seed_example_is_already_canonical)
{
	assert_seed_is_canonical(SHAPE_CUSTOMER, seed_customer);
}

Test(shape, opportunity_seed_example_is_already_canonical)
{
	assert_seed_is_canonical(SHAPE_OPPORTUNITY, seed_opportunity);
}

Test(shape, activity_seed_example_is_already_canonical)
{
	assert_seed_is_canonical(SHAPE_ACTIVITY, seed_activity);
}

Test(shape, minimal_customer_gets_every_seed_member)
{
	json_t *out = canon(SHAPE_CUSTOMER, "{\"id\":\"c1\"}");
	cr_assert_not_null(out, "%s", err);
	assert_same_keys(out, seed_customer);
	cr_assert_str_eq(str(out, "crmStatus"), "LEAD");
	cr_assert_str_eq(str(out, "tenantId"), TENANT);
	cr_assert(json_is_null(json_object_get(out, "avatar")));
	cr_assert(json_is_null(json_object_get(out, "name")));
	cr_assert(json_is_null(json_object_get(out, "type")));
	cr_assert_eq(json_array_size(json_object_get(out, "tags")), 0);
	cr_assert(json_is_array(json_object_get(out, "visits")));
	json_decref(out);
}

Test(shape, minimal_opportunity_and_activity_get_every_seed_member)
{
	json_t *o = canon(SHAPE_OPPORTUNITY, "{\"id\":\"o1\",\"customerId\":\"c1\"}");
	cr_assert_not_null(o, "%s", err);
	assert_same_keys(o, seed_opportunity);
	cr_assert(json_is_array(json_object_get(o, "paymentSchedule")));
	cr_assert(json_is_null(json_object_get(o, "status")));
	json_decref(o);
	json_t *a = canon(SHAPE_ACTIVITY, "{\"id\":\"a1\",\"customerId\":\"c1\"}");
	cr_assert_not_null(a, "%s", err);
	assert_same_keys(a, seed_activity);
	cr_assert(json_is_null(json_object_get(a, "completed")));
	json_decref(a);
}

Test(shape, null_members_become_null_and_null_arrays_empty)
{
	json_t *out =
	        canon(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"name\":null,\"contacts\":null,"
	                              "\"crmStatus\":null,\"tenantId\":null,\"avatar\":null}");
	cr_assert_not_null(out, "%s", err);
	cr_assert(json_is_null(json_object_get(out, "name")));
	cr_assert_eq(json_array_size(json_object_get(out, "contacts")), 0);
	cr_assert_str_eq(str(out, "crmStatus"), "LEAD");
	cr_assert_str_eq(str(out, "tenantId"), TENANT);
	json_decref(out);
}

Test(shape, members_are_written_in_alphabetical_order)
{
	json_t *out =
	        canon(SHAPE_CUSTOMER,
	              "{\"website\":\"w\",\"visits\":[{\"time\":null,\"ip\":\"1.2.3.4\"}],"
	              "\"name\":\"N\",\"id\":\"c1\",\"avatar\":{\"width\":1,\"blobId\":\"b\"}}");
	cr_assert_not_null(out, "%s", err);
	char *plain = json_dumps(out, JSON_COMPACT);
	char *sorted = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	cr_assert_str_eq(plain, sorted);
	free(plain);
	free(sorted);
	json_decref(out);
}

Test(shape, nested_objects_get_every_member)
{
	json_t *out =
	        canon(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"billingAddress\":{\"city\":\"Delft\"},"
	                              "\"contacts\":[{\"email\":\"a@b.nl\"}]}");
	cr_assert_not_null(out, "%s", err);
	json_t *seed = load(seed_customer);
	char *address = json_dumps(json_object_get(seed, "billingAddress"), 0);
	assert_same_keys(json_object_get(out, "billingAddress"), address);
	free(address);
	json_t *contact = json_array_get(json_object_get(out, "contacts"), 0);
	cr_assert_eq(json_object_size(contact), 6);
	cr_assert_str_eq(str(contact, "email"), "a@b.nl");
	cr_assert(json_is_null(json_object_get(contact, "phone")));
	json_decref(seed);
	json_decref(out);
}

Test(shape, date_times_are_rewritten_in_utc)
{
	json_t *out =
	        canon(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"created\":\"2019-08-24T16:15:22+02:00\","
	                              "\"updated\":\"2019-08-24t14:15:22.500z\","
	                              "\"events\":[{\"date\":\"2019-08-24T14:15:22.000Z\"}]}");
	cr_assert_not_null(out, "%s", err);
	cr_assert_str_eq(str(out, "created"), "2019-08-24T14:15:22Z");
	cr_assert_str_eq(str(out, "updated"), "2019-08-24T14:15:22.5Z");
	json_t *ev = json_array_get(json_object_get(out, "events"), 0);
	cr_assert_str_eq(str(ev, "date"), "2019-08-24T14:15:22Z");
	json_decref(out);
}

Test(shape, whole_numbers_in_number_members_become_reals)
{
	json_t *out = canon(SHAPE_OPPORTUNITY,
	                    "{\"id\":\"o1\",\"customerId\":\"c1\",\"value\":1500,"
	                    "\"paymentSchedule\":[{\"percentage\":50,\"relativeDays\":-14}]}");
	cr_assert_not_null(out, "%s", err);
	cr_assert(json_is_real(json_object_get(out, "value")));
	json_t *ps = json_array_get(json_object_get(out, "paymentSchedule"), 0);
	cr_assert(json_is_real(json_object_get(ps, "percentage")));
	cr_assert_eq(json_integer_value(json_object_get(ps, "relativeDays")), -14);
	json_decref(out);
}

Test(shape, matching_tenant_id_is_accepted)
{
	json_t *out = canon(SHAPE_ACTIVITY,
	                    "{\"id\":\"a1\",\"customerId\":\"c1\",\"tenantId\":\"acme\"}");
	cr_assert_not_null(out, "%s", err);
	cr_assert_str_eq(str(out, "tenantId"), TENANT);
	json_decref(out);
}

Test(shape, tags_keep_their_order_and_spelling)
{
	json_t *out = canon(SHAPE_CUSTOMER,
	                    "{\"id\":\"c1\",\"tags\":[\"zeta\",\"Alpha\",\"\xC3\xA9t\xC3\xA9\"]}");
	cr_assert_not_null(out, "%s", err);
	json_t *tags = json_object_get(out, "tags");
	cr_assert_str_eq(json_string_value(json_array_get(tags, 0)), "zeta");
	cr_assert_str_eq(json_string_value(json_array_get(tags, 1)), "Alpha");
	cr_assert_str_eq(json_string_value(json_array_get(tags, 2)), "\xC3\xA9t\xC3\xA9");
	json_decref(out);
}

Test(shape, accepts_the_largest_tag_list_and_texts)
{
	char text[8192];
	size_t n = (size_t)snprintf(text, sizeof text, "{\"id\":\"c1\",\"tags\":[");
	for (int i = 0; i < LIMIT_TAGS; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%s\"t%d\"", i ? "," : "", i);
	n += (size_t)snprintf(text + n, sizeof text - n, "],\"nextAction\":\"");
	for (int i = 0; i < LIMIT_TEXT_CHARS; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "\xC3\xA9");
	snprintf(text + n, sizeof text - n, "\"}");
	assert_accepted(SHAPE_CUSTOMER, text);
	assert_accepted(SHAPE_CUSTOMER, item_with("tags", "1", LIMIT_TAG_CHARS, ""));
}

Test(shape, accepts_an_id_of_64_characters)
{
	char text[LIMIT_ID_CHARS + 16] = "{\"id\":\"";
	for (int i = 0; i < LIMIT_ID_CHARS - 3; i++)
		strcat(text, "0");
	strcat(text, "_-A\"}");
	assert_accepted(SHAPE_CUSTOMER, text);
}

Test(shape, user_keeps_display_name_id_and_username)
{
	json_t *in =
	        load("{\"username\":\"jan\",\"id\":\"u1\",\"displayName\":\"Jan\",\"active\":false,"
	             "\"tenantId\":\"acme\"}");
	json_t *out = shape_canonical(SHAPE_USER, in, TENANT, err, sizeof err);
	cr_assert_not_null(out, "%s", err);
	char *s = json_dumps(out, JSON_COMPACT);
	cr_assert_str_eq(s, "{\"displayName\":\"Jan\",\"id\":\"u1\",\"username\":\"jan\"}");
	cr_assert_eq(shape_user_active(in), 0);
	free(s);
	json_decref(in);
	json_decref(out);
}

Test(shape, user_is_active_unless_it_says_false)
{
	json_t *a = load("{\"id\":\"u1\",\"username\":\"jan\"}");
	json_t *b = load("{\"id\":\"u1\",\"username\":\"jan\",\"active\":null}");
	json_t *c = load("{\"id\":\"u1\",\"username\":\"jan\",\"active\":true}");
	cr_assert_eq(shape_user_active(a), 1);
	cr_assert_eq(shape_user_active(b), 1);
	cr_assert_eq(shape_user_active(c), 1);
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

Test(shape, input_is_left_untouched)
{
	json_t *in =
	        load("{\"id\":\"c1\",\"created\":\"2019-08-24T16:15:22+02:00\",\"tags\":[\"a\"]}");
	char *before = json_dumps(in, JSON_COMPACT);
	json_t *out = shape_canonical(SHAPE_CUSTOMER, in, TENANT, err, sizeof err);
	char *after = json_dumps(in, JSON_COMPACT);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
	json_decref(in);
	json_decref(out);
}

Test(shape, rejects_a_missing_id)
{
	assert_rejected(SHAPE_CUSTOMER, "{\"name\":\"x\"}",
	                "id: required: an id of 1.." LIMIT_ID_CHARS_TEXT
	                " characters [A-Za-z0-9_-]");
	assert_rejected(SHAPE_USER, "{\"id\":null,\"username\":\"u\"}",
	                "id: required: an id of 1.." LIMIT_ID_CHARS_TEXT
	                " characters [A-Za-z0-9_-]");
}

Test(shape, rejects_an_id_of_65_characters)
{
	char text[LIMIT_ID_CHARS + 16] = "{\"id\":\"";
	for (int i = 0; i < LIMIT_ID_CHARS; i++)
		strcat(text, "0");
	strcat(text, "X\"}");
	assert_rejected(SHAPE_CUSTOMER, text,
	                "id: expected an id of 1.." LIMIT_ID_CHARS_TEXT
	                " characters [A-Za-z0-9_-]");
}

Test(shape, rejects_ids_with_characters_outside_the_path_alphabet)
{
	assert_rejected_at(SHAPE_CUSTOMER, "{\"id\":\"a/b\"}", "id: expected an id");
	assert_rejected_at(SHAPE_CUSTOMER, "{\"id\":\"a b\"}", "id: expected an id");
	assert_rejected_at(SHAPE_CUSTOMER, "{\"id\":\"\xC3\xA9\"}", "id: expected an id");
	assert_rejected_at(SHAPE_CUSTOMER, "{\"id\":\"\"}", "id: expected an id");
}

Test(shape, rejects_a_non_string_id)
{
	assert_rejected_at(SHAPE_CUSTOMER, "{\"id\":42}", "id: expected an id");
}

Test(shape, rejects_an_unknown_top_level_member)
{
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"nmae\":\"typo\"}",
	                "nmae: unknown member");
}

Test(shape, rejects_enriched_only_members_in_a_customer)
{
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"owner\":null}", "owner: unknown member");
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"opportunities\":[]}",
	                "opportunities: unknown member");
}

Test(shape, rejects_an_unknown_member_of_a_nested_element)
{
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"contacts\":[{},{\"mail\":\"x\"}]}",
	                "contacts[1].mail: unknown member");
}

Test(shape, rejects_a_number_as_contact_email)
{
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"contacts\":[{},{\"email\":5}]}",
	                "contacts[1].email: expected a string or null");
}

Test(shape, rejects_an_unknown_crm_status)
{
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"crmStatus\":\"WON\"}",
	                "crmStatus: 'WON' is not one of LEAD, PROSPECT, ACTIVE, CUSTOMER, "
	                "INACTIVE or CHURNED");
}

Test(shape, rejects_enum_values_in_another_case)
{
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"type\":\"person\"}",
	                "type: 'person' is not one of PERSON or COMPANY, or null");
	assert_rejected_at(SHAPE_ACTIVITY,
	                   "{\"id\":\"a1\",\"customerId\":\"c1\",\"priority\":\"high\"}",
	                   "priority: 'high' is not one of LOW, MEDIUM or HIGH");
}

Test(shape, rejects_a_non_string_enum_value)
{
	assert_rejected_at(SHAPE_OPPORTUNITY, "{\"id\":\"o1\",\"customerId\":\"c1\",\"status\":1}",
	                   "status: expected one of NEW, ");
}

Test(shape, rejects_an_unknown_event_type)
{
	assert_rejected_at(
	        SHAPE_ACTIVITY,
	        "{\"id\":\"a1\",\"customerId\":\"c1\",\"events\":[{\"type\":\"DELETE\"}]}",
	        "events[0].type: 'DELETE' is not one of CREATE, ");
}

Test(shape, rejects_a_customer_status_as_payment_trigger_status)
{
	assert_rejected_at(
	        SHAPE_OPPORTUNITY,
	        "{\"id\":\"o1\",\"customerId\":\"c1\",\"paymentSchedule\":[{\"status\":\"PAID\","
	        "\"triggerType\":\"DATE\"},{\"triggerStatus\":\"LEAD\"}]}",
	        "paymentSchedule[1].triggerStatus: 'LEAD' is not one of NEW, ");
}

Test(shape, rejects_an_unparseable_date_time)
{
	assert_rejected(
	        SHAPE_CUSTOMER, "{\"id\":\"c1\",\"created\":\"yesterday\"}",
	        "created: expected an RFC 3339 date-time such as 2019-08-24T14:15:22Z, or null");
}

Test(shape, rejects_date_times_without_offset_or_on_impossible_days)
{
	assert_rejected_at(SHAPE_CUSTOMER,
	                   "{\"id\":\"c1\",\"nextActionDueDate\":\"2019-08-24T14:15:22\"}",
	                   "nextActionDueDate: expected an RFC 3339");
	assert_rejected_at(
	        SHAPE_ACTIVITY,
	        "{\"id\":\"a1\",\"customerId\":\"c1\",\"dueDate\":\"2019-02-30T00:00:00Z\"}",
	        "dueDate: expected an RFC 3339");
}

Test(shape, rejects_a_date_time_as_a_date_only_member)
{
	assert_rejected(
	        SHAPE_OPPORTUNITY,
	        "{\"id\":\"o1\",\"customerId\":\"c1\",\"scheduledStartDate\":\"2019-08-24T00:00:"
	        "00Z\"}",
	        "scheduledStartDate: expected a date YYYY-MM-DD such as 2019-08-24, or null");
}

Test(shape, rejects_a_number_as_a_date_time)
{
	assert_rejected_at(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"visits\":[{\"time\":1566656122}]}",
	                   "visits[0].time: expected an RFC 3339");
}

Test(shape, rejects_coordinates_out_of_range)
{
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"billingAddress\":{\"latitude\":90.5}}",
	                "billingAddress.latitude: must be between -90 and 90");
	assert_rejected(SHAPE_CUSTOMER,
	                "{\"id\":\"c1\",\"deliveryAddresses\":[{\"longitude\":-181}]}",
	                "deliveryAddresses[0].longitude: must be between -180 and 180");
}

Test(shape, rejects_a_string_as_a_number)
{
	assert_rejected(SHAPE_OPPORTUNITY,
	                "{\"id\":\"o1\",\"customerId\":\"c1\",\"value\":\"100\"}",
	                "value: expected a number or null");
}

Test(shape, rejects_a_percentage_above_100)
{
	assert_rejected(SHAPE_OPPORTUNITY,
	                "{\"id\":\"o1\",\"customerId\":\"c1\",\"paymentSchedule\":[{\"percentage\":"
	                "100.5}]}",
	                "paymentSchedule[0].percentage: must be between 0 and 100");
}

Test(shape, rejects_a_fractional_or_out_of_range_probability)
{
	assert_rejected(SHAPE_OPPORTUNITY,
	                "{\"id\":\"o1\",\"customerId\":\"c1\",\"probability\":50.5}",
	                "probability: expected an integer or null");
	assert_rejected(SHAPE_OPPORTUNITY,
	                "{\"id\":\"o1\",\"customerId\":\"c1\",\"probability\":101}",
	                "probability: must be between 0 and 100");
}

Test(shape, rejects_negative_sizes_and_counts)
{
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"avatar\":{\"height\":-1}}",
	                "avatar.height: must be 0 or more");
	assert_rejected(SHAPE_ACTIVITY,
	                "{\"id\":\"a1\",\"customerId\":\"c1\",\"durationMinutes\":-5}",
	                "durationMinutes: must be 0 or more");
}

Test(shape, rejects_a_string_as_an_integer)
{
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"avatar\":{\"width\":\"5\"}}",
	                "avatar.width: expected an integer or null");
}

Test(shape, rejects_a_string_as_a_boolean)
{
	assert_rejected(SHAPE_ACTIVITY,
	                "{\"id\":\"a1\",\"customerId\":\"c1\",\"completed\":\"true\"}",
	                "completed: expected true, false or null");
	assert_rejected(SHAPE_OPPORTUNITY,
	                "{\"id\":\"o1\",\"customerId\":\"c1\",\"paymentSchedule\":[{"
	                "\"includeChangeOrders\":1}]}",
	                "paymentSchedule[0].includeChangeOrders: expected true, false or null");
}

Test(shape, rejects_duplicate_tags_ignoring_case)
{
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"tags\":[\"Beta\",\"x\",\"bETA\"]}",
	                "tags[2]: duplicate of tag 'Beta' (tags ignore case)");
}

Test(shape, rejects_a_tag_of_51_characters)
{
	assert_rejected(SHAPE_CUSTOMER, item_with("tags", "1", LIMIT_TAG_CHARS + 1, ""),
	                "tags[0]: expected 1 to " LIMIT_TAG_CHARS_TEXT " characters");
}

Test(shape, rejects_empty_and_control_character_tags)
{
	assert_rejected_at(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"tags\":[\"\"]}",
	                   "tags[0]: expected 1 to " LIMIT_TAG_CHARS_TEXT);
	assert_rejected_at(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"tags\":[\"a\\nb\"]}",
	                   "tags[0]: must not contain control characters");
	assert_rejected_at(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"tags\":[\"ok\",\"a\\u0085b\"]}",
	                   "tags[1]: must not contain control characters");
	assert_rejected_at(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"tags\":[\"ok\",\"a\\u0085\"]}",
	                   "tags[1]: must not begin or end with white space");
}

Test(shape, rejects_tags_with_surrounding_spaces)
{
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"tags\":[\" vip\"]}",
	                "tags[0]: must not begin or end with white space");
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"tags\":[\"vip \"]}",
	                "tags[0]: must not begin or end with white space");
}

Test(shape, rejects_more_than_100_tags)
{
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof text, "{\"id\":\"c1\",\"tags\":[");
	for (int i = 0; i < LIMIT_TAGS + 1; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%s\"t%d\"", i ? "," : "", i);
	snprintf(text + n, sizeof text - n, "]}");
	assert_rejected(SHAPE_CUSTOMER, text, "tags: at most " LIMIT_TAGS_TEXT " tags");
}

Test(shape, rejects_non_string_array_elements)
{
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"tags\":[\"a\",7]}",
	                "tags[1]: expected a string");
	assert_rejected(SHAPE_OPPORTUNITY,
	                "{\"id\":\"o1\",\"customerId\":\"c1\",\"estimateIds\":[null]}",
	                "estimateIds[0]: expected a string");
	assert_rejected(SHAPE_ACTIVITY,
	                "{\"id\":\"a1\",\"customerId\":\"c1\",\"attendees\":[[\"x\"]]}",
	                "attendees[0]: expected a string");
}

Test(shape, rejects_null_or_scalar_object_elements)
{
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"contacts\":[null]}",
	                "contacts[0]: expected an object");
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"events\":[\"CREATE\"]}",
	                "events[0]: expected an object");
}

Test(shape, rejects_an_empty_or_overlong_next_action)
{
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"nextAction\":\"\"}",
	                "nextAction: expected 1 to " LIMIT_TEXT_CHARS_TEXT " characters, not "
	                "blank, or null");
	assert_rejected(SHAPE_CUSTOMER, item_with("nextAction", "x", LIMIT_TEXT_CHARS + 1, ""),
	                "nextAction: expected 1 to " LIMIT_TEXT_CHARS_TEXT " characters, not "
	                "blank, or null");
}

Test(shape, rejects_a_tenant_id_of_another_tenant)
{
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"tenantId\":\"other\"}",
	                "tenantId: 'other' does not match the import tenant 'acme'");
	assert_rejected(SHAPE_USER, "{\"id\":\"u1\",\"username\":\"u\",\"tenantId\":\"other\"}",
	                "tenantId: 'other' does not match the import tenant 'acme'");
}

Test(shape, rejects_a_non_string_tenant_id)
{
	assert_rejected(SHAPE_OPPORTUNITY, "{\"id\":\"o1\",\"customerId\":\"c1\",\"tenantId\":1}",
	                "tenantId: expected a string or null");
}

Test(shape, rejects_a_scalar_as_nested_object)
{
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"avatar\":\"blob\"}",
	                "avatar: expected an object or null");
}

Test(shape, rejects_an_object_as_array)
{
	assert_rejected(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"contacts\":{}}",
	                "contacts: expected an array or null");
}

Test(shape, rejects_children_without_a_valid_customer_id)
{
	assert_rejected(SHAPE_OPPORTUNITY, "{\"id\":\"o1\"}",
	                "customerId: required: an id of 1.." LIMIT_ID_CHARS_TEXT " characters "
	                "[A-Za-z0-9_-]");
	assert_rejected(SHAPE_ACTIVITY, "{\"id\":\"a1\",\"customerId\":\"../c1\"}",
	                "customerId: expected an id of 1.." LIMIT_ID_CHARS_TEXT " characters "
	                "[A-Za-z0-9_-]");
}

Test(shape, rejects_an_item_that_is_not_an_object)
{
	assert_rejected(SHAPE_CUSTOMER, "[{\"id\":\"c1\"}]", "expected an object");
	assert_rejected(SHAPE_USER, "\"u1\"", "expected an object");
}

Test(shape, rejects_user_members_outside_its_shape)
{
	assert_rejected(SHAPE_USER, "{\"id\":\"u1\",\"username\":\"u\",\"email\":\"u@x\"}",
	                "email: unknown member");
	assert_rejected(SHAPE_USER, "{\"id\":\"u1\",\"username\":\"u\",\"active\":\"yes\"}",
	                "active: expected true, false or null");
}

Test(shape, rejects_an_unknown_kind_and_null_input)
{
	json_t *empty = json_object();
	cr_assert_null(shape_canonical(SHAPE__MAX, empty, TENANT, err, sizeof err));
	json_decref(empty);
	cr_assert_null(shape_canonical(SHAPE_CUSTOMER, NULL, TENANT, err, sizeof err));
	cr_assert_str_eq(err, "expected an object");
}

Test(shape, error_message_is_cut_to_the_buffer)
{
	char small[10];
	json_t *in = load("{\"id\":\"c1\",\"contacts\":[{\"email\":5}]}");
	cr_assert_null(shape_canonical(SHAPE_CUSTOMER, in, TENANT, small, sizeof small));
	cr_assert_str_eq(small, "contacts[");
	json_decref(in);
}

/* ---- Unicode tags and single-line text: the API's rules, applied at import ---- */

/* {"id":"c1","tags":[<tags_json>]} */
static void assert_tags_rejected(const char *tags_json, const char *prefix)
{
	char text[1024];
	snprintf(text, sizeof text, "{\"id\":\"c1\",\"tags\":[%s]}", tags_json);
	assert_rejected_at(SHAPE_CUSTOMER, text, prefix);
}

static void assert_field_rejected(const char *member, const char *value_json, const char *prefix)
{
	char text[1024];
	snprintf(text, sizeof text, "{\"id\":\"c1\",\"%s\":%s}", member, value_json);
	assert_rejected_at(SHAPE_CUSTOMER, text, prefix);
}

Test(shape, rejects_invisible_format_characters_in_tags)
{
	static const char *const bad[] = {
	        "\"\\u200b\"",           "\"legacy\\u200b\"",     "\"\\u202epiv\"",
	        "\"\\ufeffvip\"",        "\"vip\\udb40\\udc01\"", "\"vip\\udb40\\udc20\"",
	        "\"vip\\udb40\\udc7f\"", "\"a\\u2066b\"",         "\"a\\u00adb\"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_tags_rejected(bad[i],
		                     "tags[0]: must not contain invisible format characters");
}

Test(shape, rejects_separators_private_use_and_unassigned_in_tags)
{
	assert_tags_rejected("\"a\\u2028b\"", "tags[0]: must not contain line or paragraph");
	assert_tags_rejected("\"ok\",\"a\\u2029b\"", "tags[1]: must not contain line or paragraph");
	assert_tags_rejected("\"\\ue000\"", "tags[0]: must not contain private-use");
	assert_tags_rejected("\"a\\uffff\"", "tags[0]: must not contain unassigned");
	assert_tags_rejected("\"a\\u001b[31m\"", "tags[0]: must not contain control");
}

Test(shape, rejects_tags_with_unicode_white_space_around_or_only)
{
	assert_tags_rejected("\"\\u00a0vip\"", "tags[0]: must not begin or end with white space");
	assert_tags_rejected("\"vip\\u3000\"", "tags[0]: must not begin or end with white space");
	assert_tags_rejected("\"vip\\u2028\"", "tags[0]: must not begin or end with white space");
	assert_tags_rejected("\"\\u00a0\"",
	                     "tags[0]: expected 1 to " LIMIT_TAG_CHARS_TEXT " characters");
	assert_tags_rejected("\"\\u3000\\u3000\"",
	                     "tags[0]: expected 1 to " LIMIT_TAG_CHARS_TEXT " characters");
}

Test(shape, rejects_duplicate_tags_in_every_script)
{
	assert_rejected(
	        SHAPE_CUSTOMER,
	        "{\"id\":\"c1\",\"tags\":[\"\\u041a\\u043b\\u0438\\u0435\\u043d\\u0442\","
	        "\"\\u041a\\u041b\\u0418\\u0415\\u041d\\u0422\"]}",
	        "tags[1]: duplicate of tag '\xD0\x9A\xD0\xBB\xD0\xB8\xD0\xB5\xD0\xBD\xD1\x82'"
	        " (tags ignore case)");
	static const char *const pairs[] = {
	        "\"\\u0391\\u03b8\\u03ae\\u03bd\\u03b1\",\"\\u03b1\\u03b8\\u03ae\\u03bd\\u03b1\"",
	        "\"\\u0141\\u00f3d\\u017a\",\"\\u0142\\u00f3d\\u017a\"",
	        "\"\\uff21\\uff22\",\"\\uff41\\uff42\"",
	        "\"stra\\u00dfe\",\"STRASSE\"",
	        "\"caf\\u00e9\",\"cafe\\u0301\"",
	        "\"cafe\\u0301\",\"CAF\\u00c9\"",
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		assert_tags_rejected(pairs[i], "tags[1]: duplicate of tag");
}

Test(shape, keeps_a_decomposed_tag_as_given_and_counts_it_in_nfc)
{
	json_t *out = canon(SHAPE_CUSTOMER, item_with("tags", "e\\u0301", LIMIT_TAG_CHARS,
	                                              ",\"AB\",\"\\uff21\\uff22\""));
	cr_assert_not_null(out, "%s", err);
	json_t *tags = json_object_get(out, "tags");
	cr_assert_eq(json_array_size(tags), 3);
	cr_assert_eq(json_string_length(json_array_get(tags, 0)), 3 * LIMIT_TAG_CHARS,
	             "stored as given");
	cr_assert_eq(strncmp(json_string_value(json_array_get(tags, 0)), "e\xCC\x81", 3), 0);
	json_decref(out);
	assert_rejected(SHAPE_CUSTOMER, item_with("tags", "e\\u0301", LIMIT_TAG_CHARS + 1, ""),
	                "tags[0]: expected 1 to " LIMIT_TAG_CHARS_TEXT " characters");
}

Test(shape, rejects_a_next_action_with_escapes_line_breaks_or_blank)
{
	assert_field_rejected("nextAction", "\"\\u001b[31mPAY NOW\"",
	                      "nextAction: must not contain control characters");
	assert_field_rejected("nextAction", "\"Call\\r\\nback\"",
	                      "nextAction: must not contain control characters");
	assert_field_rejected("nextAction", "\"Call\\tback\"",
	                      "nextAction: must not contain control characters");
	assert_field_rejected("nextAction", "\"Call\\u2028back\"",
	                      "nextAction: must not contain line or paragraph separators");
	assert_field_rejected("nextAction", "\"   \"",
	                      "nextAction: expected 1 to " LIMIT_TEXT_CHARS_TEXT " characters, "
	                      "not blank, or null");
	assert_field_rejected("nextAction", "\"\\u00a0\\u200b\"",
	                      "nextAction: expected 1 to " LIMIT_TEXT_CHARS_TEXT " characters, "
	                      "not blank, or null");
}

Test(shape, rejects_a_customer_name_with_control_characters_or_blank)
{
	assert_field_rejected("name", "\"ACME\\nBV\"", "name: must not contain control characters");
	assert_field_rejected("name", "\"\\u001b[2JACME\"",
	                      "name: must not contain control characters");
	assert_field_rejected("name", "\"ACME\\u2029\"",
	                      "name: must not contain line or paragraph");
	assert_field_rejected("name", "\"\"", "name: must not be empty or blank");
	assert_field_rejected("name", "\" \\u3000 \"", "name: must not be empty or blank");
}

Test(shape, accepts_single_line_text_of_any_script_and_a_null_name)
{
	json_t *out = canon(SHAPE_CUSTOMER,
	                    "{\"id\":\"c1\",\"name\":\"\\u041e\\u041e\\u041e \\u00abACME\\u00bb\","
	                    "\"nextAction\":\" Call \\u200dback \"}");
	cr_assert_not_null(out, "%s", err);
	cr_assert_str_eq(str(out, "name"), "\xD0\x9E\xD0\x9E\xD0\x9E \xC2\xAB"
	                                   "ACME\xC2\xBB");
	cr_assert_str_eq(str(out, "nextAction"), " Call \xE2\x80\x8D"
	                                         "back ");
	json_decref(out);
	assert_accepted(SHAPE_CUSTOMER, "{\"id\":\"c1\",\"name\":null,\"nextAction\":null}");
}

Test(shape, opportunity_notes_keep_their_line_breaks)
{
	json_t *out = canon(SHAPE_OPPORTUNITY,
	                    "{\"id\":\"o1\",\"customerId\":\"c1\",\"notes\":\"one\\ntwo\"}");
	cr_assert_not_null(out, "%s", err);
	cr_assert_str_eq(str(out, "notes"), "one\ntwo");
	json_decref(out);
}
