/* test_uuid7: canonical form, version and variant bits, time order, uniqueness. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "lib/uuid7.h"

#define MANY 20000

static uint64_t unix_ms(const char *id)
{
	char hex[13];
	memcpy(hex, id, 8);
	memcpy(hex + 8, id + 9, 4);
	hex[12] = '\0';
	return strtoull(hex, NULL, 16);
}

static uint64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

Test(uuid7, has_the_canonical_36_character_lower_case_form)
{
	char id[UUID7_STR_SIZE];
	cr_assert_eq(uuid7_generate(id), 0);
	cr_assert_eq(strlen(id), 36);
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			cr_assert_eq(id[i], '-', "%s", id);
		else
			cr_assert(strchr("0123456789abcdef", id[i]) != NULL, "%s", id);
	}
}

Test(uuid7, carries_version_7_and_variant_10)
{
	for (int i = 0; i < 100; i++) {
		char id[UUID7_STR_SIZE];
		uuid7_generate(id);
		cr_assert_eq(id[14], '7', "%s", id);
		cr_assert(strchr("89ab", id[19]) != NULL, "%s", id);
	}
}

Test(uuid7, starts_with_the_current_unix_milliseconds)
{
	char id[UUID7_STR_SIZE];
	uint64_t before = wall_ms();
	uuid7_generate(id);
	uint64_t after = wall_ms();
	cr_assert_geq(unix_ms(id), before);
	cr_assert_leq(unix_ms(id), after + 1);
}

Test(uuid7, ids_of_one_process_strictly_increase)
{
	static char ids[MANY][UUID7_STR_SIZE];
	for (int i = 0; i < MANY; i++)
		cr_assert_eq(uuid7_generate(ids[i]), 0);
	for (int i = 1; i < MANY; i++)
		cr_assert_lt(strcmp(ids[i - 1], ids[i]), 0, "%s !< %s", ids[i - 1], ids[i]);
}

Test(uuid7, a_burst_beyond_the_counter_still_increases)
{
	/* more than 4096 ids in one millisecond overflow rand_a: order must hold */
	char prev[UUID7_STR_SIZE], cur[UUID7_STR_SIZE];
	uuid7_generate(prev);
	for (int i = 0; i < 3 * 4096; i++) {
		uuid7_generate(cur);
		cr_assert_lt(strcmp(prev, cur), 0, "%s !< %s", prev, cur);
		memcpy(prev, cur, sizeof cur);
	}
}

Test(uuid7, random_tails_differ)
{
	char a[UUID7_STR_SIZE], b[UUID7_STR_SIZE];
	uuid7_generate(a);
	uuid7_generate(b);
	cr_assert_neq(strcmp(a + 19, b + 19), 0);
}
