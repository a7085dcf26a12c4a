/* uuid7: UUIDv7 with a 12-bit per-millisecond counter for strict ordering. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "lib/uuid7.h"

/*
 * rand_a (12 bits) is a counter (RFC 9562 section 6.2, method 1): a new
 * millisecond starts it at a random value below 0x800, leaving at least
 * 2048 ids of headroom; an id in the same (or an earlier, clock stepped
 * back) millisecond reuses the last millisecond and increments it; on
 * overflow the timestamp is advanced by one.  rand_b is always random.
 */
static pthread_mutex_t uuid7_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t uuid7_last_ms;
static unsigned uuid7_last_seq;

/* Fills buf with n random bytes; 0 or -1. */
static int fill_random(unsigned char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Picks the (ms, seq) pair for the next id under the lock. */
static void next_stamp(unsigned seed, uint64_t *ms, unsigned *seq)
{
	uint64_t now = now_ms();

	pthread_mutex_lock(&uuid7_lock);
	if (now > uuid7_last_ms) {
		uuid7_last_ms = now;
		uuid7_last_seq = seed & 0x7FF;
	} else if (++uuid7_last_seq > 0xFFF) {
		uuid7_last_ms++;
		uuid7_last_seq = seed & 0x7FF;
	}
	*ms = uuid7_last_ms;
	*seq = uuid7_last_seq;
	pthread_mutex_unlock(&uuid7_lock);
}

/* Writes a new UUIDv7 into out; 0, or -1 when getrandom failed. */
int uuid7_generate(char out[UUID7_STR_SIZE])
{
	unsigned char b[16], rnd[10];
	uint64_t ms;
	unsigned seq;

	if (fill_random(rnd, sizeof rnd) != 0)
		return -1;
	next_stamp((unsigned)rnd[0] << 8 | rnd[1], &ms, &seq);
	for (int i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)(0x70 | (seq >> 8));
	b[7] = (unsigned char)(seq & 0xFF);
	for (int i = 8; i < 16; i++)
		b[i] = rnd[i - 6];
	b[8] = (unsigned char)(0x80 | (b[8] & 0x3F));
	snprintf(out, UUID7_STR_SIZE,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
	         b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
	         b[15]);
	return 0;
}
