/* fuzz_shape: import items of every kind through validation and canonicalisation. */
#include <stdint.h>

#include <jansson.h>

#include "model/shape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[400];
	json_t *in = json_loadb((const char *)data, size, 0, NULL);
	if (in == NULL)
		return 0;
	for (int k = 0; k < SHAPE__MAX; k++) {
		json_t *out =
		        shape_canonical((enum shape_kind)k, in, "fuzz-tenant", err, sizeof(err));
		/* canonical output is a fixed point */
		json_t *again = out ? shape_canonical((enum shape_kind)k, out, "fuzz-tenant", err,
		                                      sizeof(err))
		                    : NULL;
		if (out != NULL && (again == NULL || !json_equal(out, again)))
			__builtin_trap();
		json_decref(again);
		json_decref(out);
	}
	json_decref(in);
	return 0;
}
