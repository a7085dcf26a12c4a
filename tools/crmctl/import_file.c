/* import_file: reads import documents and JSON Lines, validates each item, stores it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/shape.h"
#include "tools/crmctl/crmctl.h"

struct section {
	const char *member; /* in the document */
	const char *kind;   /* in JSON Lines */
	enum shape_kind shape;
};

static const struct section sections[] = {
        {"users", "user", SHAPE_USER},
        {"customers", "customer", SHAPE_CUSTOMER},
        {"opportunities", "opportunity", SHAPE_OPPORTUNITY},
        {"activities", "activity", SHAPE_ACTIVITY},
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

/* Validates and stores one item; `where` names it in messages ("customers[3]"). */
static int store_item(struct db *db, enum shape_kind kind, const json_t *in, const char *tenant,
                      const char *where, char *err, size_t errlen)
{
	char why[400];
	json_t *item = shape_canonical(kind, in, tenant, why, sizeof(why));
	if (item == NULL) {
		snprintf(err, errlen, "%s: %s", where, why);
		return -1;
	}
	int active = kind == SHAPE_USER ? shape_user_active(in) : 1;
	why[0] = '\0';
	enum db_rc rc = db_import_item(db, (int)kind, item, active, tenant, why, sizeof(why));
	json_decref(item);
	if (rc != DB_OK) {
		snprintf(err, errlen, "%s: %s", where, ctl_db_failure(db, rc, why));
		return -1;
	}
	return 0;
}

static int check_members(const json_t *doc, char *err, size_t errlen)
{
	const char *key;
	json_t *value;
	json_object_foreach ((json_t *)doc, key, value) {
		size_t i = 0;
		while (i < NSECTIONS && strcmp(key, sections[i].member) != 0)
			i++;
		if (i == NSECTIONS) {
			snprintf(err, errlen,
			         "unknown member '%s' (expected users, customers, "
			         "opportunities, activities)",
			         key);
			return -1;
		}
		if (!json_is_array(value) && !json_is_null(value)) {
			snprintf(err, errlen, "%s: expected an array", key);
			return -1;
		}
	}
	return 0;
}

int import_document(struct db *db, const json_t *doc, const char *tenant, long *count, char *err,
                    size_t errlen)
{
	if (!json_is_object(doc)) {
		snprintf(err, errlen, "the document must be a JSON object");
		return -1;
	}
	if (check_members(doc, err, errlen) != 0)
		return -1;
	for (size_t s = 0; s < NSECTIONS; s++) {
		size_t i;
		json_t *item;
		json_array_foreach (json_object_get(doc, sections[s].member), i, item) {
			char where[64];
			snprintf(where, sizeof(where), "%s[%zu]", sections[s].member, i);
			if (store_item(db, sections[s].shape, item, tenant, where, err, errlen) !=
			    0)
				return -1;
			(*count)++;
		}
	}
	return 0;
}

static int store_line(struct db *db, const char *line, size_t len, long lineno, const char *tenant,
                      char *err, size_t errlen)
{
	json_error_t jerr;
	char where[64];
	snprintf(where, sizeof(where), "line %ld", lineno);
	json_t *obj = json_loadb(line, len, 0, &jerr);
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	size_t s = 0;
	while (kind != NULL && s < NSECTIONS && strcmp(kind, sections[s].kind) != 0)
		s++;
	int rc = -1;
	if (obj == NULL)
		snprintf(err, errlen, "%s: invalid JSON: %s", where, jerr.text);
	else if (kind == NULL || s == NSECTIONS)
		snprintf(err, errlen, "%s: kind: expected user, customer, opportunity or activity",
		         where);
	else {
		json_object_del(obj, "kind");
		rc = store_item(db, sections[s].shape, obj, tenant, where, err, errlen);
	}
	json_decref(obj);
	return rc;
}

int import_lines(struct db *db, FILE *f, const char *tenant, long *count, char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;
	int rc = 0;
	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		size_t len = (size_t)n;
		while (len > 0 &&
		       (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
			len--;
		if (len == 0)
			continue;
		rc = store_line(db, line, len, lineno, tenant, err, errlen);
		if (rc == 0)
			(*count)++;
	}
	free(line);
	return rc;
}
