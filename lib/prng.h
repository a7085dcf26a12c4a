/* prng: splitmix64, a small seeded generator for demo and benchmark data (never for secrets). */
#ifndef CRM_PRNG_H
#define CRM_PRNG_H

#include <stdint.h>

/*
 * Sebastiano Vigna's splitmix64: 64 bits of state, a fixed sequence for a
 * seed, fast and good enough to make test data look random.  Not
 * cryptographic: ids and keys come from getrandom (lib/uuid7.c), never from
 * here.  Draws are deterministic, so data generated from a seed is the same
 * on every run, provided the caller draws in a fixed order (C leaves the
 * order of function arguments unspecified: one draw per expression).
 */
struct prng {
	uint64_t state;
};

/* Starts g at seed (any value, 0 included). */
void prng_seed(struct prng *g, uint64_t seed);

/* The FNV-1a hash of a NUL-terminated name: a seed derived from a tenant or file name. */
uint64_t prng_seed_of(const char *name);

/* The next 64 random bits. */
uint64_t prng_next(struct prng *g);

/* Uniform in 0..n-1 (modulo, so biased by at most n / 2^64); 0 when n is 0. */
uint64_t prng_below64(struct prng *g, uint64_t n);

/* Uniform in 0..n-1; 0 when n <= 0. */
int prng_below(struct prng *g, int n);

/* Uniform in lo..hi, both included; lo when hi < lo. */
int prng_range(struct prng *g, int lo, int hi);

/* 1 with a chance of percent in 100, else 0. */
int prng_chance(struct prng *g, int percent);

#endif
