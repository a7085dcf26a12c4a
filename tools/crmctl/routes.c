/* routes: `crmctl routes` — the route table as text, for the check that docs/openapi.yaml matches it. */
#include <stdio.h>

#include "handlers/handlers.h"
#include "tools/crmctl/crmctl.h"

/*
 * One line per route: "METHOD /pattern name", in the table's order.  The
 * pattern is written as the API document writes paths ("/crm/customers/{id}",
 * below base_path), so that tools/openapi/check_routes.mjs can compare the
 * two both ways without knowing C.  HEAD is implied by every GET and is not
 * listed.  Always 0.
 */
int cmd_routes(const struct config *cfg, int argc, char **argv)
{
	for (size_t i = 0; i < route_count; i++)
		printf("%s /%s %s\n", route_table[i].method, route_table[i].pattern,
		       route_table[i].name);
	return 0;
}
