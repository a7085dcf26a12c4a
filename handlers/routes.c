/* routes: the one route table, and matching a decoded path against a pattern. */
#include <string.h>

#include "handlers/handlers.h"

/* Literal routes come before the parameter routes they would otherwise shadow. */
const struct route route_table[] = {
        {"GET", "crm/customers/my", customers_my, ROUTE_PAGED, "customers.my"},
        {"GET", "crm/customers/overdue-actions", customers_overdue, ROUTE_PAGED,
         "customers.overdue"},
        {"GET", "crm/customers/by-owner/{ownerId}", customers_by_owner, ROUTE_PAGED,
         "customers.by_owner"},
        {"GET", "crm/customers/by-status/{status}", customers_by_status, ROUTE_PAGED,
         "customers.by_status"},
        {"GET", "crm/customers/{id}", customer_get, 0, "customers.get"},
        {"PATCH", "crm/customers/{id}/crm-status", customer_set_status, ROUTE_WRITE | ROUTE_BODY,
         "customers.set_status"},
        {"PATCH", "crm/customers/{id}/next-action", customer_set_next_action,
         ROUTE_WRITE | ROUTE_BODY, "customers.set_next_action"},
        {"PATCH", "crm/customers/{id}/owner/{ownerId}", customer_set_owner, ROUTE_WRITE,
         "customers.set_owner"},
        {"DELETE", "crm/customers/{id}/owner", customer_clear_owner, ROUTE_WRITE,
         "customers.clear_owner"},
        {"POST", "crm/customers/{id}/tags/{tag}", customer_add_tag, ROUTE_WRITE,
         "customers.add_tag"},
        {"DELETE", "crm/customers/{id}/tags/{tag}", customer_remove_tag, ROUTE_WRITE,
         "customers.remove_tag"},
};
const size_t route_count = sizeof(route_table) / sizeof(route_table[0]);

int route_match(const char *pattern, const struct uri *u, struct ctx *c)
{
	size_t i = 0, nargs = 0;
	const char *p = pattern;
	while (*p != '\0') {
		const char *slash = strchr(p, '/');
		size_t plen = slash ? (size_t)(slash - p) : strlen(p);
		if (i >= u->nseg)
			return 0;
		const struct uri_segment *s = &u->seg[i++];
		if (p[0] == '{') {
			/* "customers/" or "tags/" name no resource: no route (404) */
			if (s->len == 0 || nargs == ROUTE_MAX_ARGS)
				return 0;
			c->arg[nargs] = s->str;
			c->arg_len[nargs++] = s->len;
		} else if (s->len != plen || memcmp(s->str, p, plen) != 0) {
			return 0;
		}
		p += plen + (slash ? 1 : 0);
	}
	return i == u->nseg;
}
