/* fuzz_bodies: request bodies as JSON through each body parser, and tag segments. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/handlers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[300];
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (body != NULL) {
		enum crm_status s;
		struct next_action na;
		parse_status_body(body, &s, err, sizeof(err));
		parse_next_action_body(body, &na, err, sizeof(err));
		json_decref(body);
	}
	char *seg = malloc(size + 1);
	if (seg != NULL) {
		memcpy(seg, data, size);
		seg[size] = '\0';
		const char *tag;
		size_t len;
		parse_tag(seg, size, &tag, &len);
		free(seg);
	}
	return 0;
}
