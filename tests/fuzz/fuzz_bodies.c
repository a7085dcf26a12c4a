/* fuzz_bodies: request bodies as JSON through each route body kind's parser, and tag segments through the tag rule. */
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
		struct call_body b;
		for (int k = 0; k < BODY__MAX; k++)
			body_parse((enum route_body)k, body, &b, err, sizeof(err));
		json_decref(body);
	}
	/* the segment is read, never written; a tag the rule accepts is a fixed point of it */
	char tag[TAG_BUF], again[TAG_BUF];
	if (parse_tag((const char *)data, size, tag, sizeof(tag), err, sizeof(err)) == 0 &&
	    (parse_tag(tag, strlen(tag), again, sizeof(again), err, sizeof(err)) != 0 ||
	     strcmp(tag, again) != 0))
		abort();
	return 0;
}
