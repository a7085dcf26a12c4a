/* fuzz_cursor: a cursor as a client may forge it, and the position inside one; a position read must seal and open again unchanged. */
#include <stdint.h>
#include <string.h>

#include "handlers/handlers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The key and binding the corpus's sealed seeds were made with. */
static const unsigned char fuzz_key[CONFIG_CURSOR_KEY_BYTES] = {
        'f', 'u', 'z', 'z', '-', 'c', 'u', 'r', 's', 'o', 'r', '-', 'k', 'e', 'y', '-',
        '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
static const struct cursor_binding fuzz_bind = {"t-fuzz", "u-fuzz", "customers.fuzz", "LEAD"};

static int same_position(const struct page_key *a, const struct page_key *b)
{
	return strcmp(a->name, b->name) == 0 && a->due == b->due && strcmp(a->id, b->id) == 0;
}

/* pos must survive cursor_encode and cursor_decode unchanged. */
static void round_trip(enum list_kind kind, const struct page_key *pos)
{
	char cursor[CURSOR_MAX];
	size_t n = 0;
	struct page_key back;
	if (cursor_encode(fuzz_key, &fuzz_bind, kind, pos, cursor, &n) != PAGING_OK)
		__builtin_trap();
	if (n == 0 || n >= CURSOR_MAX || strlen(cursor) != n)
		__builtin_trap();
	if (cursor_decode(fuzz_key, &fuzz_bind, kind, cursor, n, &back) != PAGING_OK ||
	    !same_position(pos, &back))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int k = 0; k < LIST__MAX; k++) {
		enum list_kind kind = (enum list_kind)k;
		struct page_key pos;
		/* as a client sends it: refused (a 400), or one of the sealed seeds */
		enum paging_err rc =
		        cursor_decode(fuzz_key, &fuzz_bind, kind, (const char *)data, size, &pos);
		if (rc == PAGING_ERR_SYSTEM)
			__builtin_trap(); /* hostile text must be a 400, never a 500 */
		if (rc == PAGING_OK)
			round_trip(kind, &pos);
		/* as the plain text behind the tag: what a forger can never reach, read anyway */
		if (cursor_position_parse(data, size, kind, &pos) == 0)
			round_trip(kind, &pos);
	}
	return 0;
}
