/* params: the kinds of path parameter — each with its name, its one check and message, and its typed value. */
#include <stdio.h>
#include <string.h>

#include "handlers/handlers.h"
#include "lib/ids.h"

/* What both id kinds must be, after the parameter's name in their message. */
#define ID_RULE "must be 1.." LIMIT_ID_CHARS_TEXT " characters of A-Z, a-z, 0-9, '_' or '-'."

/* An id in the id alphabet, named `name` in the message; *dst points to s. */
static int parse_id(const char *name, const char **dst, const char *s, size_t len, char *err,
                    size_t errlen)
{
	if (!id_valid(s, len)) {
		snprintf(err, errlen, "%s " ID_RULE, name);
		return 400;
	}
	*dst = s;
	return 0;
}

static int parse_customer_id(const char *s, size_t len, struct call *c, char *err, size_t errlen)
{
	return parse_id("id", &c->id, s, len, err, errlen);
}

static int parse_owner_id(const char *s, size_t len, struct call *c, char *err, size_t errlen)
{
	return parse_id("ownerId", &c->owner_id, s, len, err, errlen);
}

static int parse_status(const char *s, size_t len, struct call *c, char *err, size_t errlen)
{
	int status = enum_lookup(ENUM_CRM_STATUS, s, len);
	if (status < 0) {
		snprintf(err, errlen, "status must be one of %s.", enum_list(ENUM_CRM_STATUS));
		return 400;
	}
	c->status = (enum crm_status)status;
	return 0;
}

static int parse_tag_param(const char *s, size_t len, struct call *c, char *err, size_t errlen)
{
	return parse_tag(s, len, c->tag, sizeof(c->tag), err, errlen);
}

static const char *customer_id_text(const struct call *c)
{
	return c->id;
}

static const char *owner_id_text(const struct call *c)
{
	return c->owner_id;
}

static const char *status_text(const struct call *c)
{
	return enum_name(ENUM_CRM_STATUS, (int)c->status);
}

static const char *tag_text(const struct call *c)
{
	return c->tag[0] != '\0' ? c->tag : NULL;
}

static const struct param_def {
	const char *name; /* "{name}" in patterns; the name messages use */
	int (*parse)(const char *s, size_t len, struct call *c, char *err, size_t errlen);
	const char *(*text)(const struct call *c);
} params[PARAM__MAX] = {
        [PARAM_CUSTOMER_ID] = {"id", parse_customer_id, customer_id_text},
        [PARAM_OWNER_ID] = {"ownerId", parse_owner_id, owner_id_text},
        [PARAM_STATUS] = {"status", parse_status, status_text},
        [PARAM_TAG] = {"tag", parse_tag_param, tag_text},
};

enum param_kind param_kind_named(const char *name, size_t len)
{
	for (int k = 0; k < PARAM__MAX; k++)
		if (strlen(params[k].name) == len && memcmp(params[k].name, name, len) == 0)
			return (enum param_kind)k;
	return PARAM__MAX;
}

const char *param_name(enum param_kind k)
{
	return (unsigned)k < PARAM__MAX ? params[k].name : NULL;
}

int param_parse(enum param_kind k, const char *s, size_t len, struct call *c, char *err,
                size_t errlen)
{
	if ((unsigned)k >= PARAM__MAX) {
		snprintf(err, errlen, "Internal error: no such parameter kind.");
		return 500;
	}
	return params[k].parse(s, len, c, err, errlen);
}

const char *param_text(enum param_kind k, const struct call *c)
{
	return (unsigned)k < PARAM__MAX ? params[k].text(c) : NULL;
}
