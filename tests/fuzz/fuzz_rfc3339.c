/* fuzz_rfc3339: date-times and dates; whatever parses must format and parse back the same. */
#include <stdint.h>

#include "lib/timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	crm_time_t t, back;
	int y, m, d;
	timefmt_parse_date((const char *)data, size, &y, &m, &d);
	if (timefmt_parse_rfc3339((const char *)data, size, &t) != 0)
		return 0;
	char out[TIMEFMT_RFC3339_MAX];
	size_t n = timefmt_format_rfc3339(t, out);
	if (timefmt_parse_rfc3339(out, n, &back) != 0 || back != t)
		__builtin_trap();
	return 0;
}
