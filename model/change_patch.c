/* change_patch: PATCH /crm/customers/{id} — an RFC 7396 merge patch over the client-owned members. */
#include <stdio.h>
#include <string.h>

#include "model/change.h"
#include "model/customer_ids.h"
#include "model/shape.h"

/* RFC 7396 MergePatch(target, patch) as a new value; NULL when out of memory. */
static json_t *merge(const json_t *target, const json_t *patch)
{
	if (!json_is_object(patch))
		return json_deep_copy(patch);
	json_t *out = json_is_object(target) ? json_deep_copy(target) : json_object();
	const char *key;
	json_t *v;
	json_object_foreach ((json_t *)patch, key, v) {
		if (out == NULL)
			break;
		if (json_is_null(v)) {
			json_object_del(out, key);
			continue;
		}
		json_t *m = merge(json_object_get(out, key), v);
		if (m == NULL || json_object_set_new(out, key, m) != 0) {
			json_decref(out);
			out = NULL;
		}
	}
	return out;
}

/*
 * Copies into doc each member the patch names whose canonical value differs
 * from the stored one, naming it in desc ("Updated a, b"); returns how many.
 * Walks canon, so the names come in the shape's (alphabetical) order.
 */
static int take_changed(json_t *doc, json_t *canon, const json_t *patch, char *desc, size_t cap)
{
	const char *key;
	json_t *v;
	int n = 0;
	size_t used = (size_t)snprintf(desc, cap, "Updated");
	json_object_foreach (canon, key, v) {
		if (json_object_get(patch, key) == NULL || json_equal(v, json_object_get(doc, key)))
			continue;
		if (json_object_set(doc, key, v) != 0)
			return -1;
		if (used < cap)
			used += (size_t)snprintf(desc + used, cap - used, "%s %s", n ? "," : "",
			                         key);
		n++;
	}
	return n;
}

enum change_result change_merge_patch(json_t *doc, const struct change *ch, char *msg,
                                      size_t msglen)
{
	const char *tenant = json_string_value(json_object_get(doc, "tenantId"));
	json_t *merged = tenant != NULL ? merge(doc, ch->patch) : NULL;
	if (merged == NULL)
		return CHANGE_FAILED;
	json_t *canon = shape_canonical(SHAPE_CUSTOMER, merged, tenant, msg, msglen);
	json_decref(merged);
	if (canon == NULL)
		return strstr(msg, "out of memory") != NULL ? CHANGE_FAILED : CHANGE_INVALID;
	char desc[512];
	enum change_result r = CHANGE_FAILED;
	int changed = customer_give_ids(canon) == 0
	                      ? take_changed(doc, canon, ch->patch, desc, sizeof(desc))
	                      : -1;
	if (changed == 0)
		r = CHANGE_NOOP;
	else if (changed > 0)
		r = change_record(doc, ch, "UPDATE", desc);
	json_decref(canon);
	return r;
}
