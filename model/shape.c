/* shape: one table per seed shape drives validation and canonicalisation of imported items. */
#include <float.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ids.h"
#include "lib/limits.h"
#include "lib/timefmt.h"
#include "lib/utf8.h"
#include "model/enums.h"
#include "model/shape.h"

#define PATH_MAX_LEN 200 /* bytes of a member path in a message ("contacts[1].email") */

enum field_type {
	F_STR,  /* string or null */
	F_ID,   /* required id: 1..LIMIT_ID_CHARS of [A-Za-z0-9_-] */
	F_INT,  /* JSON integer in [min, max] or null */
	F_NUM,  /* integer or real in [min, max] or null; stored as a real */
	F_BOOL, /* true, false or null */
	F_ENUM, /* a value of enum set `set`, or null (or `dflt` when set) */
	F_TIME, /* RFC 3339 date-time or null; rewritten in UTC */
	F_DATE, /* YYYY-MM-DD or null */
	F_LINE, /* null or single-line text (lib/utf8.h's rule), at most `max` characters (0: any) */
	F_TENANT,  /* null or the import tenant; always written as the tenant */
	F_OBJ,     /* object of schema `sub`, or null */
	F_OBJ_ARR, /* array of objects of schema `sub`; null/absent is [] */
	F_STR_ARR, /* array of strings; null/absent is [] */
	F_TAGS /* customer tags: lib/utf8.h's tag rule, unique regardless of case, at most LIMIT_TAGS */
};

struct schema;

struct field {
	const char *name;
	enum field_type type;
	int input_only;           /* checked but not part of the canonical output */
	enum enum_set set;        /* F_ENUM */
	const char *dflt;         /* F_ENUM: the value for absent/null */
	double min, max;          /* F_INT, F_NUM; F_LINE: max */
	const struct schema *sub; /* F_OBJ, F_OBJ_ARR */
};

struct schema {
	const struct field *fields; /* sorted by name: the canonical key order */
	size_t count;
};

#define ANY_MIN (-DBL_MAX)
#define ANY_MAX DBL_MAX
#define STR(n)                                                                                     \
	{                                                                                          \
		n, F_STR, 0, 0, NULL, 0, 0, NULL                                                   \
	}
#define ID(n)                                                                                      \
	{                                                                                          \
		n, F_ID, 0, 0, NULL, 0, 0, NULL                                                    \
	}
#define INT(n, lo, hi)                                                                             \
	{                                                                                          \
		n, F_INT, 0, 0, NULL, lo, hi, NULL                                                 \
	}
#define NUM(n, lo, hi)                                                                             \
	{                                                                                          \
		n, F_NUM, 0, 0, NULL, lo, hi, NULL                                                 \
	}
#define BOOL(n)                                                                                    \
	{                                                                                          \
		n, F_BOOL, 0, 0, NULL, 0, 0, NULL                                                  \
	}
#define ENUM(n, s)                                                                                 \
	{                                                                                          \
		n, F_ENUM, 0, s, NULL, 0, 0, NULL                                                  \
	}
#define ENUM_DFLT(n, s, d)                                                                         \
	{                                                                                          \
		n, F_ENUM, 0, s, d, 0, 0, NULL                                                     \
	}
#define TIME(n)                                                                                    \
	{                                                                                          \
		n, F_TIME, 0, 0, NULL, 0, 0, NULL                                                  \
	}
#define DATE(n)                                                                                    \
	{                                                                                          \
		n, F_DATE, 0, 0, NULL, 0, 0, NULL                                                  \
	}
#define LINE(n, max)                                                                               \
	{                                                                                          \
		n, F_LINE, 0, 0, NULL, 0, max, NULL                                                \
	}
#define TENANT(n)                                                                                  \
	{                                                                                          \
		n, F_TENANT, 0, 0, NULL, 0, 0, NULL                                                \
	}
#define OBJ(n, s)                                                                                  \
	{                                                                                          \
		n, F_OBJ, 0, 0, NULL, 0, 0, &s                                                     \
	}
#define OBJ_ARR(n, s)                                                                              \
	{                                                                                          \
		n, F_OBJ_ARR, 0, 0, NULL, 0, 0, &s                                                 \
	}
#define STR_ARR(n)                                                                                 \
	{                                                                                          \
		n, F_STR_ARR, 0, 0, NULL, 0, 0, NULL                                               \
	}
#define TAGS(n)                                                                                    \
	{                                                                                          \
		n, F_TAGS, 0, 0, NULL, 0, 0, NULL                                                  \
	}
#define SCHEMA(f)                                                                                  \
	{                                                                                          \
		f, sizeof(f) / sizeof(f[0])                                                        \
	}

static const struct field avatar_fields[] = {
        STR("blobId"),
        INT("height", 0, ANY_MAX),
        STR("thumbnailBlobId"),
        INT("width", 0, ANY_MAX),
};
static const struct schema avatar_schema = SCHEMA(avatar_fields);

static const struct field address_fields[] = {
        STR("city"),
        STR("country"),
        STR("houseNumber"),
        STR("id"),
        NUM("latitude", -90, 90),
        NUM("longitude", -180, 180),
        STR("postalCode"),
        STR("street"),
};
static const struct schema address_schema = SCHEMA(address_fields);

static const struct field contact_fields[] = {
        STR("department"), STR("email"), STR("firstName"), STR("id"), STR("lastName"), STR("phone"),
};
static const struct schema contact_schema = SCHEMA(contact_fields);

static const struct field event_fields[] = {
        STR("authorId"), TIME("date"), STR("description"), STR("id"), ENUM("type", ENUM_EVENT_TYPE),
};
static const struct schema event_schema = SCHEMA(event_fields);

static const struct field visit_fields[] = {
        INT("frequency", 0, ANY_MAX),
        STR("ip"),
        TIME("time"),
};
static const struct schema visit_schema = SCHEMA(visit_fields);

static const struct field customer_fields[] = {
        OBJ("avatar", avatar_schema),
        OBJ("billingAddress", address_schema),
        STR("btw"),
        OBJ_ARR("contacts", contact_schema),
        TIME("created"),
        STR("createdBy"),
        ENUM_DFLT("crmStatus", ENUM_CRM_STATUS, "LEAD"),
        OBJ_ARR("deliveryAddresses", address_schema),
        STR("email"),
        OBJ_ARR("events", event_schema),
        ID("id"),
        STR("industry"),
        STR("kvk"),
        STR("leadSource"),
        LINE("name", 0),
        LINE("nextAction", UTF8_LINE_CHARS_MAX),
        TIME("nextActionDueDate"),
        STR("ownerId"),
        STR("phone"),
        STR("preferredLanguage"),
        STR("region"),
        STR("subsidiaryId"),
        TAGS("tags"),
        TENANT("tenantId"),
        ENUM("type", ENUM_CUSTOMER_TYPE),
        TIME("updated"),
        STR("updatedBy"),
        STR("userId"),
        OBJ_ARR("visits", visit_schema),
        STR("website"),
};

static const struct field change_order_fields[] = {
        NUM("amount", ANY_MIN, ANY_MAX),
        STR("category"),
        TIME("createdAt"),
        STR("createdBy"),
        TIME("date"),
        STR("description"),
        STR("id"),
};
static const struct schema change_order_schema = SCHEMA(change_order_fields);

static const struct field payment_fields[] = {
        STR("id"),
        BOOL("includeChangeOrders"),
        STR("invoiceId"),
        STR("label"),
        INT("paymentDueDays", 0, ANY_MAX),
        NUM("percentage", 0, 100),
        INT("relativeDays", ANY_MIN, ANY_MAX),
        ENUM("status", ENUM_PAYMENT_STATUS),
        ENUM("triggerStatus", ENUM_OPPORTUNITY_STATUS),
        ENUM("triggerType", ENUM_TRIGGER_TYPE),
        TIME("triggeredAt"),
};
static const struct schema payment_schema = SCHEMA(payment_fields);

static const struct field opportunity_fields[] = {
        OBJ_ARR("changeOrders", change_order_schema),
        TIME("created"),
        STR("createdBy"),
        ID("customerId"),
        STR("description"),
        STR_ARR("estimateIds"),
        OBJ_ARR("events", event_schema),
        TIME("expectedCloseDate"),
        TIME("fulfillmentDate"),
        ID("id"),
        STR_ARR("invoiceIds"),
        STR("leadId"),
        STR("name"),
        STR("nextAction"),
        TIME("nextActionDueDate"),
        STR("notes"),
        TIME("orderDate"),
        STR("orderId"),
        STR("ownerId"),
        OBJ_ARR("paymentSchedule", payment_schema),
        INT("probability", 0, 100),
        STR_ARR("productIds"),
        DATE("scheduledEndDate"),
        DATE("scheduledStartDate"),
        STR("source"),
        ENUM("status", ENUM_OPPORTUNITY_STATUS),
        STR_ARR("tags"),
        STR("teamId"),
        TENANT("tenantId"),
        TIME("updated"),
        STR("updatedBy"),
        NUM("value", ANY_MIN, ANY_MAX),
};

static const struct field activity_fields[] = {
        STR_ARR("attendees"),
        BOOL("completed"),
        TIME("completedAt"),
        STR("contactEmail"),
        STR("contactName"),
        STR("contactPhone"),
        TIME("created"),
        STR("createdBy"),
        ID("customerId"),
        STR("description"),
        TIME("dueDate"),
        TIME("dueNotifiedAt"),
        INT("durationMinutes", 0, ANY_MAX),
        OBJ_ARR("events", event_schema),
        ID("id"),
        BOOL("isCompleted"),
        STR("location"),
        STR("opportunityId"),
        STR("outcome"),
        STR("ownerId"),
        ENUM("priority", ENUM_ACTIVITY_PRIORITY),
        TIME("scheduledAt"),
        STR("subject"),
        TENANT("tenantId"),
        ENUM("type", ENUM_ACTIVITY_TYPE),
        TIME("updated"),
        STR("updatedBy"),
};

/* "active" and "tenantId" are accepted on input, checked, and not written. */
static const struct field user_fields[] = {
        {"active", F_BOOL, 1, 0, NULL, 0, 0, NULL},     STR("displayName"), ID("id"),
        {"tenantId", F_TENANT, 1, 0, NULL, 0, 0, NULL}, STR("username"),
};

static const struct schema kind_schemas[SHAPE__MAX] = {
        [SHAPE_USER] = SCHEMA(user_fields),
        [SHAPE_CUSTOMER] = SCHEMA(customer_fields),
        [SHAPE_OPPORTUNITY] = SCHEMA(opportunity_fields),
        [SHAPE_ACTIVITY] = SCHEMA(activity_fields),
};

/* State of one shape_canonical call: the error sink and the member path. */
struct shape_ctx {
	const char *tenant;
	char *err;
	size_t errlen;
	char path[PATH_MAX_LEN];
	size_t plen;
};

/* Writes "<path>: <message>" into the error buffer; returns NULL for tail calls. */
__attribute__((format(printf, 2, 3))) static json_t *fail(struct shape_ctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->errlen > 0)
		snprintf(c->err, c->errlen, "%s%s%s", c->path, c->plen ? ": " : "", msg);
	return NULL;
}

/* Appends n bytes of s to the path, as many as fit.  The path is built for
 * every member of every item and read only when one fails (an import checks
 * millions of members): no printf here. */
static void path_append(struct shape_ctx *c, const char *s, size_t n)
{
	size_t room = sizeof c->path - 1 - c->plen;
	if (n > room)
		n = room;
	memcpy(c->path + c->plen, s, n);
	c->plen += n;
	c->path[c->plen] = '\0';
}

/* Appends ".name" (or "name" at the top) to the path; returns the old length. */
static size_t push_key(struct shape_ctx *c, const char *name)
{
	size_t old = c->plen;
	if (old > 0)
		path_append(c, ".", 1);
	path_append(c, name, strlen(name));
	return old;
}

/* Appends "[i]" to the path; returns the old length. */
static size_t push_index(struct shape_ctx *c, size_t i)
{
	size_t old = c->plen;
	char digits[24], *d = digits + sizeof digits;
	*--d = ']';
	do
		*--d = (char)('0' + i % 10);
	while ((i /= 10) > 0);
	*--d = '[';
	path_append(c, d, (size_t)(digits + sizeof digits - d));
	return old;
}

static void pop(struct shape_ctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* A new reference to v, or an out-of-memory error when v is NULL. */
static json_t *made(struct shape_ctx *c, json_t *v)
{
	return v ? v : fail(c, "out of memory");
}

/* The input's own string, shared: nothing edits a JSON string in place. */
static json_t *canon_string(struct shape_ctx *c, const json_t *v)
{
	if (!json_is_string(v))
		return fail(c, "expected a string or null");
	return json_incref((json_t *)v);
}

static json_t *canon_id(struct shape_ctx *c, const json_t *v)
{
	if (v == NULL || json_is_null(v))
		return fail(c, "required: an id of 1..%d characters [A-Za-z0-9_-]", LIMIT_ID_CHARS);
	if (!json_is_string(v) || !id_valid(json_string_value(v), json_string_length(v)))
		return fail(c, "expected an id of 1..%d characters [A-Za-z0-9_-]", LIMIT_ID_CHARS);
	return canon_string(c, v);
}

static json_t *canon_int(struct shape_ctx *c, const struct field *f, const json_t *v)
{
	if (!json_is_integer(v))
		return fail(c, "expected an integer or null");
	json_int_t n = json_integer_value(v);
	if ((double)n < f->min || (double)n > f->max) {
		if (f->max == ANY_MAX)
			return fail(c, "must be %.0f or more", f->min);
		return fail(c, "must be between %.0f and %.0f", f->min, f->max);
	}
	return made(c, json_integer(n));
}

static json_t *canon_number(struct shape_ctx *c, const struct field *f, const json_t *v)
{
	if (!json_is_number(v))
		return fail(c, "expected a number or null");
	double d = json_number_value(v);
	if (d < f->min || d > f->max)
		return fail(c, "must be between %g and %g", f->min, f->max);
	return made(c, json_real(d));
}

static json_t *canon_bool(struct shape_ctx *c, const json_t *v)
{
	if (!json_is_boolean(v))
		return fail(c, "expected true, false or null");
	return json_boolean(json_is_true(v));
}

static json_t *canon_enum(struct shape_ctx *c, const struct field *f, const json_t *v)
{
	const char *orn = f->dflt ? "" : ", or null";
	if (!json_is_string(v))
		return fail(c, "expected one of %s%s", enum_list(f->set), orn);
	if (enum_lookup(f->set, json_string_value(v), json_string_length(v)) < 0)
		return fail(c, "'%.40s' is not one of %s%s", json_string_value(v),
		            enum_list(f->set), orn);
	return canon_string(c, v);
}

static json_t *canon_time(struct shape_ctx *c, const json_t *v)
{
	crm_time_t t;
	char buf[TIMEFMT_RFC3339_MAX];

	if (!json_is_string(v) ||
	    timefmt_parse_rfc3339(json_string_value(v), json_string_length(v), &t) != 0)
		return fail(c,
		            "expected an RFC 3339 date-time such as 2019-08-24T14:15:22Z, or null");
	timefmt_format_rfc3339(t, buf);
	return made(c, json_string(buf));
}

static json_t *canon_date(struct shape_ctx *c, const json_t *v)
{
	if (!json_is_string(v) ||
	    timefmt_parse_date(json_string_value(v), json_string_length(v), NULL, NULL, NULL) != 0)
		return fail(c, "expected a date YYYY-MM-DD such as 2019-08-24, or null");
	return canon_string(c, v);
}

/* Single-line text, the rule the API applies to nextAction (lib/utf8.h). */
static json_t *canon_line(struct shape_ctx *c, const struct field *f, const json_t *v)
{
	if (!json_is_string(v))
		return fail(c, "expected a string or null");
	long max = (long)f->max;
	enum utf8_text_err e = utf8_line_check(json_string_value(v), json_string_length(v), max);
	if (e == UTF8_TEXT_TOO_LONG || (e == UTF8_TEXT_BLANK && max > 0))
		return fail(c, "expected 1 to %ld characters, not blank, or null", max);
	if (e != UTF8_TEXT_OK)
		return fail(c, "%s (null for none)", utf8_text_strerror(e));
	return canon_string(c, v);
}

static json_t *canon_tenant(struct shape_ctx *c, const json_t *v)
{
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v))
			return fail(c, "expected a string or null");
		if (strcmp(json_string_value(v), c->tenant) != 0 ||
		    json_string_length(v) != strlen(c->tenant))
			return fail(c, "'%.64s' does not match the import tenant '%.64s'",
			            json_string_value(v), c->tenant);
	}
	return made(c, json_string(c->tenant));
}

/*
 * Checks one tag against the API's tag rule (lib/utf8.h) and the tags
 * before it (done, their caseless keys in keys); the tag is stored as given,
 * so it must already be trimmed.  Appends its key to keys.
 */
static json_t *canon_tag(struct shape_ctx *c, const json_t *v, const json_t *done, json_t *keys)
{
	if (!json_is_string(v))
		return fail(c, "expected a string");
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), start = 0, end = len, n = 0, key_len = 0;
	char tag[UTF8_TAG_BUF];
	enum utf8_text_err e = utf8_tag_normalize(s, len, tag, sizeof tag, &n);
	if (e == UTF8_TEXT_BLANK || e == UTF8_TEXT_TOO_LONG)
		return fail(c, "expected 1 to %d characters", UTF8_TAG_CHARS_MAX);
	if (e != UTF8_TEXT_OK)
		return fail(c, "%s", utf8_text_strerror(e));
	utf8_trim_space(s, &start, &end);
	if (start != 0 || end != len)
		return fail(c, "must not begin or end with white space");
	char *key = utf8_fold(tag, n, &key_len);
	if (key == NULL)
		return fail(c, "out of memory");
	size_t i;
	json_t *k;
	json_array_foreach (keys, i, k) {
		if (strcmp(json_string_value(k), key) == 0) {
			free(key);
			return fail(c, "duplicate of tag '%s' (tags ignore case)",
			            json_string_value(json_array_get(done, i)));
		}
	}
	int rc = json_array_append_new(keys, json_string(key));
	free(key);
	return rc == 0 ? canon_string(c, v) : fail(c, "out of memory");
}

static json_t *canon_object(struct shape_ctx *c, const struct schema *sc, const json_t *in);

/* Canonicalises one array element according to the array field's type;
 * done holds the elements before it, keys their caseless keys (F_TAGS). */
static json_t *canon_element(struct shape_ctx *c, const struct field *f, const json_t *v,
                             const json_t *done, json_t *keys)
{
	switch (f->type) {
	case F_OBJ_ARR:
		return json_is_object(v) ? canon_object(c, f->sub, v)
		                         : fail(c, "expected an object");
	case F_TAGS: return canon_tag(c, v, done, keys);
	default: return json_is_string(v) ? canon_string(c, v) : fail(c, "expected a string");
	}
}

static json_t *canon_array(struct shape_ctx *c, const struct field *f, const json_t *v)
{
	if (v == NULL || json_is_null(v))
		return made(c, json_array());
	if (!json_is_array(v))
		return fail(c, "expected an array or null");
	if (f->type == F_TAGS && json_array_size(v) > LIMIT_TAGS)
		return fail(c, "at most %d tags", LIMIT_TAGS);
	json_t *out = json_array(), *keys = json_array();
	if (out == NULL || keys == NULL) {
		json_decref(out);
		json_decref(keys);
		return fail(c, "out of memory");
	}
	for (size_t i = 0; i < json_array_size(v); i++) {
		size_t old = push_index(c, i);
		json_t *e = canon_element(c, f, json_array_get(v, i), out, keys);
		pop(c, old);
		if (e == NULL || json_array_append_new(out, e) != 0) {
			json_decref(out);
			json_decref(keys);
			return e ? fail(c, "out of memory") : NULL;
		}
	}
	json_decref(keys);
	return out;
}

/* Canonicalises a present, non-null scalar or object member. */
static json_t *canon_value(struct shape_ctx *c, const struct field *f, const json_t *v)
{
	switch (f->type) {
	case F_STR: return canon_string(c, v);
	case F_INT: return canon_int(c, f, v);
	case F_NUM: return canon_number(c, f, v);
	case F_BOOL: return canon_bool(c, v);
	case F_ENUM: return canon_enum(c, f, v);
	case F_TIME: return canon_time(c, v);
	case F_DATE: return canon_date(c, v);
	case F_LINE: return canon_line(c, f, v);
	case F_OBJ: return canon_object(c, f->sub, v);
	default: return fail(c, "internal error: unhandled member type");
	}
}

/* Canonicalises member f of an object; v is NULL when the member is absent. */
static json_t *canon_field(struct shape_ctx *c, const struct field *f, const json_t *v)
{
	switch (f->type) {
	case F_ID: return canon_id(c, v);
	case F_TENANT: return canon_tenant(c, v);
	case F_OBJ_ARR:
	case F_STR_ARR:
	case F_TAGS: return canon_array(c, f, v);
	default: break;
	}
	if (v == NULL || json_is_null(v))
		return f->dflt ? made(c, json_string(f->dflt)) : json_null();
	return canon_value(c, f, v);
}

static const struct field *find_field(const struct schema *sc, const char *name)
{
	for (size_t i = 0; i < sc->count; i++)
		if (strcmp(sc->fields[i].name, name) == 0)
			return &sc->fields[i];
	return NULL;
}

/* Refuses the first input member the schema does not know; 0 or -1. */
static int check_unknown(struct shape_ctx *c, const struct schema *sc, const json_t *in)
{
	const char *key;
	json_t *v;
	json_object_foreach ((json_t *)in, key, v) {
		if (find_field(sc, key) == NULL) {
			push_key(c, key);
			fail(c, "unknown member");
			return -1;
		}
	}
	return 0;
}

/* Builds the canonical object: the schema's members, in the schema's order. */
static json_t *canon_object(struct shape_ctx *c, const struct schema *sc, const json_t *in)
{
	if (!json_is_object(in))
		return fail(c, "expected an object%s", c->plen ? " or null" : "");
	if (check_unknown(c, sc, in) != 0)
		return NULL;
	json_t *out = json_object();
	if (out == NULL)
		return fail(c, "out of memory");
	for (size_t i = 0; i < sc->count; i++) {
		const struct field *f = &sc->fields[i];
		size_t old = push_key(c, f->name);
		json_t *v = canon_field(c, f, json_object_get(in, f->name));
		int rc = v == NULL ? -1 : f->input_only ? 0 : json_object_set_new(out, f->name, v);
		if (v != NULL && f->input_only)
			json_decref(v);
		if (rc != 0 && v != NULL)
			fail(c, "out of memory");
		pop(c, old);
		if (rc != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* Returns the canonical item (caller json_decref's it), or NULL with err set. */
json_t *shape_canonical(enum shape_kind kind, const json_t *in, const char *tenant, char *err,
                        size_t errlen)
{
	struct shape_ctx c = {tenant, err, errlen, "", 0};

	if (errlen > 0)
		err[0] = '\0';
	if ((unsigned)kind >= SHAPE__MAX || tenant == NULL) {
		fail(&c, "unknown item kind or no tenant");
		return NULL;
	}
	if (in == NULL)
		return fail(&c, "expected an object");
	return canon_object(&c, &kind_schemas[kind], in);
}

/* 0 when the user item says "active": false, else 1. */
int shape_user_active(const json_t *in)
{
	return json_is_false(json_object_get(in, "active")) ? 0 : 1;
}

/* The customer's members that only the server sets, sorted. */
static const char *const server_owned[] = {
        "created", "createdBy", "events", "id", "tenantId", "updated", "updatedBy", "visits",
};

int shape_customer_server_owned(const char *member)
{
	for (size_t i = 0; i < sizeof(server_owned) / sizeof(server_owned[0]); i++)
		if (strcmp(server_owned[i], member) == 0)
			return 1;
	return 0;
}

/* The create and patch rule for name (1..LIMIT_NAME_CHARS, not blank); -1 with err. */
static int check_name(struct shape_ctx *c, const json_t *v)
{
	size_t old = push_key(c, "name");
	int rc = 0;
	if (v == NULL || json_is_null(v)) {
		fail(c, "required: 1 to %d characters, not blank", LIMIT_NAME_CHARS);
		rc = -1;
	} else if (json_is_string(v)) {
		enum utf8_text_err e = utf8_line_check(json_string_value(v), json_string_length(v),
		                                       LIMIT_NAME_CHARS);
		if (e == UTF8_TEXT_TOO_LONG || e == UTF8_TEXT_BLANK) {
			fail(c, "expected 1 to %d characters, not blank", LIMIT_NAME_CHARS);
			rc = -1;
		}
	}
	pop(c, old);
	return rc;
}

/* Refuses the first member of in that only the server sets; 0 or -1 with err. */
static int check_client_owned(struct shape_ctx *c, const json_t *in)
{
	const char *key;
	json_t *v;
	json_object_foreach ((json_t *)in, key, v) {
		if (shape_customer_server_owned(key)) {
			push_key(c, key);
			fail(c, "set by the server, not by a client; leave it out");
			return -1;
		}
	}
	return 0;
}

json_t *shape_customer_create(const json_t *in, const char *tenant, const char *id, char *err,
                              size_t errlen)
{
	struct shape_ctx c = {tenant, err, errlen, "", 0};
	const struct schema *sc = &kind_schemas[SHAPE_CUSTOMER];
	if (errlen > 0)
		err[0] = '\0';
	if (!json_is_object(in))
		return fail(&c, "expected an object");
	if (check_client_owned(&c, in) != 0 || check_unknown(&c, sc, in) != 0 ||
	    check_name(&c, json_object_get(in, "name")) != 0)
		return NULL;
	const json_t *type = json_object_get(in, "type");
	if (type == NULL || json_is_null(type)) {
		push_key(&c, "type");
		return fail(&c, "required: one of %s", enum_list(ENUM_CUSTOMER_TYPE));
	}
	json_t *item = json_copy((json_t *)in);
	if (item == NULL || json_object_set_new(item, "id", json_string(id)) != 0) {
		json_decref(item);
		return fail(&c, "out of memory");
	}
	json_t *out = canon_object(&c, sc, item);
	json_decref(item);
	/* the next-action endpoint's rule: a due date belongs to a text */
	if (out != NULL && json_is_null(json_object_get(out, "nextAction")) &&
	    !json_is_null(json_object_get(out, "nextActionDueDate"))) {
		json_decref(out);
		push_key(&c, "nextActionDueDate");
		return fail(&c, "needs a nextAction text");
	}
	return out;
}

/* The members with endpoints of their own, and those endpoints, as the reference writes them. */
static const struct {
	const char *member;
	const char *endpoint;
} own_endpoints[] = {
        {"crmStatus", "PATCH /crm/customers/{id}/crm-status"},
        {"nextAction", "PATCH /crm/customers/{id}/next-action"},
        {"nextActionDueDate", "PATCH /crm/customers/{id}/next-action"},
        {"ownerId",
         "PATCH /crm/customers/{id}/owner/{ownerId} (DELETE /crm/customers/{id}/owner clears it)"},
        {"tags", "POST or DELETE /crm/customers/{id}/tags/{tag}"},
};

/* Refuses the first member of a patch that has an endpoint of its own; 0 or -1 with err. */
static int check_own_endpoint(struct shape_ctx *c, const json_t *patch)
{
	const char *key;
	json_t *v;
	json_object_foreach ((json_t *)patch, key, v) {
		for (size_t i = 0; i < sizeof(own_endpoints) / sizeof(own_endpoints[0]); i++) {
			if (strcmp(key, own_endpoints[i].member) != 0)
				continue;
			push_key(c, key);
			fail(c, "has an endpoint of its own, with its own rules: %s",
			     own_endpoints[i].endpoint);
			return -1;
		}
	}
	return 0;
}

int shape_customer_patch_check(const json_t *patch, char *err, size_t errlen)
{
	struct shape_ctx c = {"", err, errlen, "", 0};
	if (errlen > 0)
		err[0] = '\0';
	if (!json_is_object(patch)) {
		fail(&c, "expected an object");
		return -1;
	}
	if (check_own_endpoint(&c, patch) != 0 || check_client_owned(&c, patch) != 0 ||
	    check_unknown(&c, &kind_schemas[SHAPE_CUSTOMER], patch) != 0)
		return -1;
	const json_t *name = json_object_get(patch, "name");
	if (name != NULL && check_name(&c, name) != 0)
		return -1;
	if (json_is_null(json_object_get(patch, "type"))) {
		push_key(&c, "type");
		fail(&c, "cannot be cleared: one of %s", enum_list(ENUM_CUSTOMER_TYPE));
		return -1;
	}
	return 0;
}
