/* prng: splitmix64 (S. Vigna, public domain reference), one stream per struct prng. */
#include "lib/prng.h"

void prng_seed(struct prng *g, uint64_t seed)
{
	g->state = seed;
}

/* FNV-1a, 64 bits. */
uint64_t prng_seed_of(const char *name)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * UINT64_C(0x100000001b3);
	return h;
}

uint64_t prng_next(struct prng *g)
{
	uint64_t z = (g->state += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

uint64_t prng_below64(struct prng *g, uint64_t n)
{
	return n > 0 ? prng_next(g) % n : 0;
}

int prng_below(struct prng *g, int n)
{
	return n > 0 ? (int)prng_below64(g, (uint64_t)n) : 0;
}

int prng_range(struct prng *g, int lo, int hi)
{
	return hi > lo ? lo + (int)prng_below64(g, (uint64_t)((int64_t)hi - lo + 1)) : lo;
}

int prng_chance(struct prng *g, int percent)
{
	return prng_below(g, 100) < percent;
}
