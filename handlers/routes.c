/* routes: the one route table — what each route takes — and matching a decoded path against it. */
#include <string.h>

#include "handlers/handlers.h"
#include "lib/pct.h"

/*
 * Literal routes come before the parameter routes they would otherwise
 * shadow.  A row says who may call (.access), what query (.query, .list)
 * and body (.body) it takes; its pattern's "{name}" segments say the kind
 * of each path parameter (enum param_kind).  The dispatcher checks all of
 * it before .handler runs.
 */
const struct route route_table[] = {
        {.method = "GET",
         .pattern = "health",
         .access = ACCESS_PUBLIC,
         .handler = health_get,
         .name = "health"},
        {.method = "GET",
         .pattern = "crm/customers/my",
         .access = ACCESS_READ,
         .query = QUERY_PAGING,
         .list = {LIST_BY_OWNER, FILTER_CALLER},
         .handler = customers_list,
         .name = "customers.my"},
        {.method = "GET",
         .pattern = "crm/customers/overdue-actions",
         .access = ACCESS_READ,
         .query = QUERY_PAGING,
         .list = {LIST_OVERDUE, FILTER_NONE},
         .handler = customers_list,
         .name = "customers.overdue"},
        {.method = "POST",
         .pattern = "crm/customers",
         .access = ACCESS_WRITE,
         .body = BODY_CUSTOMER,
         .handler = customer_create,
         .name = "customers.create"},
        {.method = "GET",
         .pattern = "crm/customers/by-owner/{ownerId}",
         .access = ACCESS_READ,
         .query = QUERY_PAGING,
         .list = {LIST_BY_OWNER, FILTER_PATH},
         .handler = customers_list,
         .name = "customers.by_owner"},
        {.method = "GET",
         .pattern = "crm/customers/by-status/{status}",
         .access = ACCESS_READ,
         .query = QUERY_PAGING,
         .list = {LIST_BY_STATUS, FILTER_PATH},
         .handler = customers_list,
         .name = "customers.by_status"},
        {.method = "GET",
         .pattern = "crm/customers/{id}",
         .access = ACCESS_READ,
         .handler = customer_get,
         .name = "customers.get"},
        {.method = "PATCH",
         .pattern = "crm/customers/{id}",
         .access = ACCESS_WRITE,
         .body = BODY_MERGE_PATCH,
         .handler = customer_patch,
         .name = "customers.patch"},
        {.method = "DELETE",
         .pattern = "crm/customers/{id}",
         .access = ACCESS_WRITE,
         .handler = customer_delete,
         .name = "customers.delete"},
        {.method = "PATCH",
         .pattern = "crm/customers/{id}/crm-status",
         .access = ACCESS_WRITE,
         .body = BODY_STATUS,
         .handler = customer_set_status,
         .name = "customers.set_status"},
        {.method = "PATCH",
         .pattern = "crm/customers/{id}/next-action",
         .access = ACCESS_WRITE,
         .body = BODY_NEXT_ACTION,
         .handler = customer_set_next_action,
         .name = "customers.set_next_action"},
        {.method = "PATCH",
         .pattern = "crm/customers/{id}/owner/{ownerId}",
         .access = ACCESS_WRITE,
         .handler = customer_set_owner,
         .name = "customers.set_owner"},
        {.method = "DELETE",
         .pattern = "crm/customers/{id}/owner",
         .access = ACCESS_WRITE,
         .handler = customer_clear_owner,
         .name = "customers.clear_owner"},
        {.method = "POST",
         .pattern = "crm/customers/{id}/tags/{tag}",
         .access = ACCESS_WRITE,
         .handler = customer_add_tag,
         .name = "customers.add_tag"},
        {.method = "DELETE",
         .pattern = "crm/customers/{id}/tags/{tag}",
         .access = ACCESS_WRITE,
         .handler = customer_remove_tag,
         .name = "customers.remove_tag"},
};
const size_t route_count = sizeof(route_table) / sizeof(route_table[0]);

/* The length of the pattern segment at p (up to '/' or the end). */
static size_t segment_len(const char *p)
{
	const char *slash = strchr(p, '/');
	return slash ? (size_t)(slash - p) : strlen(p);
}

/* The kind a pattern segment p[0..n) names when it is "{name}", else PARAM__MAX. */
static enum param_kind placeholder(const char *p, size_t n)
{
	if (n < 2 || p[0] != '{' || p[n - 1] != '}')
		return PARAM__MAX;
	return param_kind_named(p + 1, n - 2);
}

int route_match(const char *pattern, const struct uri *u, struct route_args *out)
{
	struct route_args a;
	size_t i = 0;
	const char *p = pattern;
	memset(&a, 0, sizeof(a));
	while (*p != '\0') {
		size_t plen = segment_len(p);
		if (i >= u->nseg)
			return 0;
		const struct uri_segment *s = &u->seg[i++];
		if (p[0] == '{') {
			enum param_kind k = placeholder(p, plen);
			/* "customers/" or "tags/" name no resource: no route (404) */
			if (k == PARAM__MAX || s->len == 0 || a.n == ROUTE_MAX_ARGS)
				return 0;
			a.kind[a.n] = k;
			a.str[a.n] = s->str;
			a.len[a.n++] = s->len;
		} else if (s->len != plen || memcmp(s->str, p, plen) != 0) {
			return 0;
		}
		p += plen + (p[plen] == '/' ? 1 : 0);
	}
	if (i != u->nseg)
		return 0;
	*out = a;
	return 1;
}

/* Appends s[0..len) percent-encoded, ENCODE_STEP bytes at a time. */
#define ENCODE_STEP 64
static void append_encoded(struct strbuf *out, const char *s, size_t len)
{
	char enc[3 * ENCODE_STEP + 1];
	while (len > 0) {
		size_t n = len < ENCODE_STEP ? len : ENCODE_STEP;
		pct_encode(s, n, enc);
		strbuf_append_str(out, enc);
		s += n;
		len -= n;
	}
}

void route_path(const struct route *r, const struct call *c, struct strbuf *out)
{
	const char *p = r->pattern;
	while (*p != '\0') {
		size_t plen = segment_len(p);
		enum param_kind k = placeholder(p, plen);
		const char *value = k == PARAM__MAX ? NULL : param_text(k, c);
		strbuf_append_char(out, '/');
		if (value != NULL)
			append_encoded(out, value, strlen(value));
		else
			append_encoded(out, p, plen);
		p += plen + (p[plen] == '/' ? 1 : 0);
	}
}
