/* customer_keys: the index columns of a customer, derived from its document in one place. */
#include <string.h>

#include "lib/timefmt.h"
#include "model/stmt.h"

#define SORT_NAME_CHARS 255 /* the width of customers.sort_name */

static size_t prefix_bytes(const char *s, size_t chars)
{
	size_t i = 0;
	for (size_t n = 0; s[i] != '\0' && n < chars; n++) {
		i++;
		while (((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
	}
	return i;
}

static const char *member(const json_t *doc, const char *key)
{
	return json_string_value(json_object_get(doc, key));
}

void customer_keys(const json_t *doc, struct customer_keys *k)
{
	const char *name = member(doc, "name");
	if (name == NULL)
		name = "";
	k->sort_name = dbp_str(name, prefix_bytes(name, SORT_NAME_CHARS));
	k->owner = dbp_cstr(member(doc, "ownerId"));
	k->status = dbp_cstr(member(doc, "crmStatus"));
	/* only a next action with a text can be overdue */
	const char *due = member(doc, "nextAction") ? member(doc, "nextActionDueDate") : NULL;
	crm_time_t t = 0;
	k->overdue =
	        due && timefmt_parse_rfc3339(due, strlen(due), &t) == 0 ? dbp_int(t) : dbp_null();
}
