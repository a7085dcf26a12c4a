/* import: stores one canonical item — its JSON as given plus the keys that find and order it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ids.h"
#include "lib/timefmt.h"
#include "model/model.h"
#include "model/shape.h"
#include "model/stmt.h"

static const char *str_member(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Microseconds of an RFC 3339 member, or 0 with *is_null set. */
static long long time_member(const json_t *o, const char *key, int *is_null)
{
	const char *s = str_member(o, key);
	crm_time_t t = 0;
	*is_null = s == NULL || timefmt_parse_rfc3339(s, strlen(s), &t) != 0;
	return t;
}

static struct db_param time_param(const json_t *o, const char *key)
{
	int is_null;
	long long t = time_member(o, key, &is_null);
	return is_null ? dbp_null() : dbp_int(t);
}

static const char *const list_members[] = {
#define LIST_MEMBER(member) member,
        LIST_MEMBERS(LIST_MEMBER)
#undef LIST_MEMBER
};

int customer_split(const json_t *item, char **doc, char **list_extra)
{
	json_t *core = json_copy((json_t *)item), *ext = json_object();
	int rc = core && ext ? 0 : -1;
	*doc = *list_extra = NULL;
	for (size_t i = 0; rc == 0 && i < sizeof(list_members) / sizeof(list_members[0]); i++) {
		json_t *v = json_object_get(item, list_members[i]);
		if (v == NULL || json_object_set(ext, list_members[i], v) != 0)
			rc = -1;
		json_object_del(core, list_members[i]);
	}
	if (rc == 0) {
		*doc = json_dumps(core, DOC_DUMP_FLAGS);
		*list_extra = json_dumps(ext, DOC_DUMP_FLAGS);
	}
	/* "{...}" becomes ",..." so it can follow the document's last member */
	if (*list_extra != NULL) {
		(*list_extra)[0] = ',';
		(*list_extra)[strlen(*list_extra) - 1] = '\0';
	}
	json_decref(core);
	json_decref(ext);
	if (*doc != NULL && *list_extra != NULL)
		return 0;
	free(*doc);
	free(*list_extra);
	*doc = *list_extra = NULL;
	return -1;
}

static enum db_rc import_customer(struct db *db, const json_t *item, const char *tenant, char *err,
                                  size_t errlen)
{
	const char *owner = str_member(item, "ownerId");
	if (owner != NULL && !id_valid(owner, strlen(owner))) {
		snprintf(err, errlen, "ownerId: a user id of 1..%d characters [A-Za-z0-9_-]",
		         LIMIT_ID_CHARS);
		return DB_INVALID;
	}
	char *doc = NULL, *extra = NULL;
	if (customer_split(item, &doc, &extra) != 0)
		return DB_ERROR;
	struct customer_keys k;
	customer_keys(item, &k);
	struct db_param p[8] = {
	        dbp_cstr(tenant), dbp_cstr(str_member(item, "id")),
	        k.sort_name,      k.owner,
	        k.status,         k.overdue,
	        dbp_cstr(doc),    dbp_cstr(extra),
	};
	enum db_rc rc = db_run(db, STMT_CUSTOMER_UPSERT, p, NULL, NULL, NULL);
	free(doc);
	free(extra);
	return rc;
}

static enum db_rc import_child(struct db *db, enum stmt st, const json_t *item, const char *key,
                               const char *tenant)
{
	char *doc = json_dumps(item, DOC_DUMP_FLAGS);
	if (doc == NULL)
		return DB_ERROR;
	struct db_param when = time_param(item, key);
	if (when.type == DBP_NULL && st == STMT_ACTIVITY_UPSERT)
		when = time_param(item, "created");
	struct db_param p[5] = {
	        dbp_cstr(tenant),
	        dbp_cstr(str_member(item, "id")),
	        dbp_cstr(str_member(item, "customerId")),
	        when,
	        dbp_cstr(doc),
	};
	enum db_rc rc = db_run(db, st, p, NULL, NULL, NULL);
	free(doc);
	return rc;
}

static enum db_rc import_user(struct db *db, const json_t *item, int active, const char *tenant,
                              char *err, size_t errlen)
{
	const char *username = str_member(item, "username");
	if (username == NULL) {
		snprintf(err, errlen, "username: required");
		return DB_INVALID;
	}
	struct db_param p[5] = {
	        dbp_cstr(tenant),        dbp_cstr(str_member(item, "id")),
	        dbp_cstr(username),      dbp_cstr(str_member(item, "displayName")),
	        dbp_int(active ? 1 : 0),
	};
	return db_run(db, STMT_USER_UPSERT, p, NULL, NULL, NULL);
}

enum db_rc db_import_item(struct db *db, int shape_kind, const json_t *item, int user_active,
                          const char *tenant, char *err, size_t errlen)
{
	err[0] = '\0';
	switch (shape_kind) {
	case SHAPE_USER: return import_user(db, item, user_active, tenant, err, errlen);
	case SHAPE_CUSTOMER: return import_customer(db, item, tenant, err, errlen);
	case SHAPE_OPPORTUNITY:
		return import_child(db, STMT_OPPORTUNITY_UPSERT, item, "created", tenant);
	case SHAPE_ACTIVITY:
		return import_child(db, STMT_ACTIVITY_UPSERT, item, "scheduledAt", tenant);
	default: snprintf(err, errlen, "unknown item kind"); return DB_INVALID;
	}
}

enum db_rc db_refresh_enriched(struct db *db, const char *tenant)
{
	struct db_param p[1] = {dbp_cstr(tenant)};
	return db_run(db, STMT_CUSTOMER_REFRESH_ENRICHED, p, NULL, NULL, NULL);
}
