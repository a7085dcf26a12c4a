/* fuzz_uri: the raw request URI -> decoded segments and query parameters -> routes and their typed parameters. */
#include <stdint.h>
#include <string.h>

#include "handlers/handlers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uri u;
	int ok = 0;
	if (uri_parse((const char *)data, size, "/api/v1", &u, &ok) == FCGI_OK && ok) {
		struct route_args args;
		struct call c;
		char err[300];
		for (size_t i = 0; i < route_count; i++) {
			if (!route_match(route_table[i].pattern, &u, &args))
				continue;
			memset(&c, 0, sizeof(c));
			for (size_t k = 0; k < args.n; k++)
				if (param_parse(args.kind[k], args.str[k], args.len[k], &c, err,
				                sizeof(err)) != 0)
					break;
		}
		static const unsigned char key[32] = {1, 2, 3};
		const struct cursor_binding b = {"tenant", "", "customers.by_status", "LEAD"};
		struct paging pg;
		paging_parse(&u, key, &b, LIST_BY_STATUS, &pg, err, sizeof(err));
		paging_parse(&u, key, &b, LIST_OVERDUE, &pg, err, sizeof(err));
	}
	uri_free(&u);
	return 0;
}
