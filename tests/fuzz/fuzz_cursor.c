/* fuzz_cursor: an opaque cursor as a client may forge it; a decoded one must re-encode. */
#include <stdint.h>
#include <string.h>

#include "handlers/handlers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct page_key key;
	for (int kind = 0; kind < LIST__MAX; kind++) {
		if (cursor_decode((const char *)data, size, (enum list_kind)kind, "fuzz", &key) !=
		    0)
			continue;
		char again[CURSOR_MAX];
		struct page_key back;
		size_t n = cursor_encode((enum list_kind)kind, "fuzz", &key, again);
		if (cursor_decode(again, n, (enum list_kind)kind, "fuzz", &back) != 0 ||
		    strcmp(back.id, key.id) != 0)
			__builtin_trap();
	}
	return 0;
}
