/* fuzz_uri: the raw request URI -> decoded segments and query parameters -> routes. */
#include <stdint.h>
#include <string.h>

#include "handlers/handlers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uri u;
	int ok = 0;
	if (uri_parse((const char *)data, size, "/api/v1", &u, &ok) == FCGI_OK && ok) {
		struct ctx c;
		memset(&c, 0, sizeof(c));
		for (size_t i = 0; i < route_count; i++)
			route_match(route_table[i].pattern, &u, &c);
		static const unsigned char key[32] = {1, 2, 3};
		const struct cursor_binding b = {"tenant", "", "customers.by_status", "LEAD"};
		struct paging pg;
		char err[200];
		paging_parse(&u, key, &b, LIST_BY_STATUS, &pg, err, sizeof(err));
		paging_parse(&u, key, &b, LIST_OVERDUE, &pg, err, sizeof(err));
	}
	uri_free(&u);
	return 0;
}
