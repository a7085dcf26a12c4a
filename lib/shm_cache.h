/* shm_cache: a byte cache in shared memory, one for the whole pool, lock-free and safe when a process dies mid-write. */
#ifndef CRM_SHM_CACHE_H
#define CRM_SHM_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"

/*
 * Made by the master before it forks, so that every worker maps the same
 * bytes: a value put by one worker is a hit for all of them.  Values are
 * immutable and named by a key that is a function of their bytes (a page's
 * ETag), so a hit can never be stale: what changes is the key the caller
 * asks for, and old values just age out.
 *
 * Entries are appended to a ring (a log); a key's slot in a hash table
 * names the entry's position.  A writer reserves its space before writing,
 * so a reader that copies an entry and then finds the ring's head not yet
 * past the entry's position plus the ring's size has copied bytes nobody
 * overwrote.  A process killed mid-write leaves reserved space unnamed by
 * any slot: nothing to repair, nothing to lock.
 */
struct shm_cache;

/* A cache of about bytes; NULL when bytes is 0 (no cache) or the mapping fails. */
struct shm_cache *shm_cache_create(size_t bytes);
void shm_cache_destroy(struct shm_cache *c);

/* The largest value the cache keeps (an eighth of it: one value never evicts the rest). */
size_t shm_cache_max_value(const struct shm_cache *c);

/* Appends key's value to out and returns 1, or returns 0 (not there, or
 * overwritten while copied; out is as it was).  NULL-safe (0). */
int shm_cache_get(struct shm_cache *c, const void *key, size_t key_len, struct strbuf *out);

/* Keeps val under key (a value too large for the cache is left out).  NULL-safe. */
void shm_cache_put(struct shm_cache *c, const void *key, size_t key_len, const void *val,
                   size_t val_len);

/* What the cache has done since it was made (for /status and /metrics). */
struct shm_cache_stats {
	uint64_t hits, misses, puts, bytes;
};
void shm_cache_stats(const struct shm_cache *c, struct shm_cache_stats *out);

#endif
