/* test_shm_cache: hits, misses, eviction by the ring, values shared across fork, and no torn value under concurrent writers. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/shm_cache.h"

#define MB (1024u * 1024u)

/* A value that says which key it belongs to in every byte. */
static void value_of(unsigned n, size_t len, struct strbuf *out)
{
	strbuf_reset(out);
	for (size_t i = 0; i < len; i++)
		strbuf_append_char(out, (char)('a' + (n + i) % 26));
}

static int key_of(unsigned n, char key[32])
{
	return snprintf(key, 32, "key-%u", n);
}

Test(shm_cache, no_cache_is_a_miss_that_costs_nothing)
{
	struct strbuf out = STRBUF_INIT;
	cr_assert_null(shm_cache_create(0));
	shm_cache_put(NULL, "k", 1, "v", 1);
	cr_assert_eq(shm_cache_get(NULL, "k", 1, &out), 0);
	cr_assert_eq(out.len, 0);
	strbuf_free(&out);
}

Test(shm_cache, a_value_put_is_got_back_byte_for_byte)
{
	struct shm_cache *c = shm_cache_create(4 * MB);
	struct strbuf v = STRBUF_INIT, out = STRBUF_INIT;
	value_of(7, 100000, &v);
	strbuf_append_str(&out, "prefix:");
	cr_assert_eq(shm_cache_get(c, "page-7", 6, &out), 0);
	cr_assert_str_eq(out.data, "prefix:", "a miss leaves the buffer as it was");
	shm_cache_put(c, "page-7", 6, v.data, v.len);
	cr_assert_eq(shm_cache_get(c, "page-7", 6, &out), 1);
	cr_assert_eq(out.len, 7 + v.len);
	cr_assert_eq(memcmp(out.data + 7, v.data, v.len), 0);
	cr_assert_eq(shm_cache_get(c, "page-8", 6, &out), 0, "another key is a miss");
	struct shm_cache_stats st;
	shm_cache_stats(c, &st);
	cr_assert_eq(st.hits, 1);
	cr_assert_eq(st.misses, 2);
	cr_assert_eq(st.puts, 1);
	strbuf_free(&v);
	strbuf_free(&out);
	shm_cache_destroy(c);
}

/* 1 MiB has 128 slots: of these 40 keys hashed one to a slot, 8 would push others out;
 * in sets of two (64 sets), all 40 are kept and found. */
Test(shm_cache, keys_that_hash_alike_are_both_kept)
{
	struct shm_cache *c = shm_cache_create(MB);
	struct strbuf v = STRBUF_INIT, out = STRBUF_INIT;
	char key[32];
	for (unsigned n = 0; n < 40; n++) {
		value_of(n, 1000, &v);
		shm_cache_put(c, key, (size_t)key_of(n, key), v.data, v.len);
	}
	for (unsigned n = 0; n < 40; n++) {
		value_of(n, 1000, &v);
		strbuf_reset(&out);
		cr_assert_eq(shm_cache_get(c, key, (size_t)key_of(n, key), &out), 1, "key %u lost",
		             n);
		cr_assert_eq(out.len, v.len);
		cr_assert_eq(memcmp(out.data, v.data, v.len), 0);
	}
	strbuf_free(&v);
	strbuf_free(&out);
	shm_cache_destroy(c);
}

Test(shm_cache, values_larger_than_an_eighth_are_not_kept)
{
	struct shm_cache *c = shm_cache_create(1 * MB);
	struct strbuf v = STRBUF_INIT, out = STRBUF_INIT;
	value_of(1, shm_cache_max_value(c) + 1, &v);
	shm_cache_put(c, "big", 3, v.data, v.len);
	cr_assert_eq(shm_cache_get(c, "big", 3, &out), 0);
	value_of(1, shm_cache_max_value(c), &v);
	shm_cache_put(c, "big", 3, v.data, v.len);
	cr_assert_eq(shm_cache_get(c, "big", 3, &out), 1);
	cr_assert_eq(out.len, v.len);
	strbuf_free(&v);
	strbuf_free(&out);
	shm_cache_destroy(c);
}

Test(shm_cache, the_ring_forgets_the_oldest_and_never_returns_their_overwritten_bytes)
{
	struct shm_cache *c = shm_cache_create(1 * MB);
	struct strbuf v = STRBUF_INIT, out = STRBUF_INIT;
	char key[32];
	for (unsigned n = 0; n < 100; n++) { /* 100 x 50 KB: the ring wraps four times */
		value_of(n, 50000, &v);
		shm_cache_put(c, key, (size_t)key_of(n, key), v.data, v.len);
	}
	int hits = 0;
	for (unsigned n = 0; n < 100; n++) {
		strbuf_reset(&out);
		if (!shm_cache_get(c, key, (size_t)key_of(n, key), &out))
			continue;
		hits++;
		value_of(n, 50000, &v);
		cr_assert_eq(out.len, v.len, "key %u", n);
		cr_assert_eq(memcmp(out.data, v.data, v.len), 0, "key %u: another value's bytes",
		             n);
	}
	cr_assert(hits >= 10 && hits <= 21, "the last megabyte's values stay: %d hits", hits);
	strbuf_reset(&out);
	cr_assert_eq(shm_cache_get(c, key, (size_t)key_of(99, key), &out), 1, "the newest stays");
	cr_assert_eq(shm_cache_get(c, key, (size_t)key_of(0, key), &out), 0, "the oldest is gone");
	strbuf_free(&v);
	strbuf_free(&out);
	shm_cache_destroy(c);
}

Test(shm_cache, a_value_put_by_a_child_is_a_hit_for_the_parent)
{
	struct shm_cache *c = shm_cache_create(2 * MB);
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		shm_cache_put(c, "from-child", 10, "hello", 5);
		_exit(0);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	struct strbuf out = STRBUF_INIT;
	cr_assert_eq(shm_cache_get(c, "from-child", 10, &out), 1);
	cr_assert_str_eq(out.data, "hello");
	strbuf_free(&out);
	shm_cache_destroy(c);
}

/* Two writers and a reader in three processes over a small ring that wraps
 * all the time: every hit must be the value of the key asked for. */
static void churn(struct shm_cache *c, unsigned seed, int rounds)
{
	struct strbuf v = STRBUF_INIT;
	char key[32];
	for (int i = 0; i < rounds; i++) {
		unsigned n = (seed + (unsigned)i * 7u) % 64u;
		value_of(n, 20000 + n * 100, &v);
		shm_cache_put(c, key, (size_t)key_of(n, key), v.data, v.len);
	}
	strbuf_free(&v);
}

Test(shm_cache, concurrent_writers_never_give_a_reader_a_torn_value)
{
	struct shm_cache *c = shm_cache_create(1 * MB);
	pid_t w[2];
	int st[2] = {0, 0};
	for (int i = 0; i < 2; i++) {
		w[i] = fork();
		cr_assert_neq(w[i], -1);
		if (w[i] == 0) {
			churn(c, (unsigned)i * 13u, 20000);
			_exit(0);
		}
	}
	struct strbuf out = STRBUF_INIT, want = STRBUF_INIT;
	char key[32];
	int hits = 0, bad = 0, alive = 2;
	/* reads for as long as the writers write */
	for (int i = 0; alive > 0 || i < 20000; i++) {
		if (i % 256 == 0)
			for (int k = 0; k < 2; k++)
				if (w[k] > 0 && waitpid(w[k], &st[k], WNOHANG) == w[k]) {
					w[k] = -w[k];
					alive--;
				}
		unsigned n = (unsigned)i % 64u;
		strbuf_reset(&out);
		if (!shm_cache_get(c, key, (size_t)key_of(n, key), &out))
			continue;
		hits++;
		value_of(n, 20000 + n * 100, &want);
		if (out.len != want.len || memcmp(out.data, want.data, want.len) != 0)
			bad++;
	}
	for (int i = 0; i < 2; i++)
		cr_assert(WIFEXITED(st[i]) && WEXITSTATUS(st[i]) == 0, "writer %d failed", i);
	cr_assert_gt(hits, 0, "the reader never found a value while the writers wrote");
	cr_assert_eq(bad, 0, "%d of %d hits had another value's bytes", bad, hits);
	strbuf_free(&out);
	strbuf_free(&want);
	shm_cache_destroy(c);
}
