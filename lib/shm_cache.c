/* shm_cache: a byte cache in shared memory, one for the whole pool, lock-free and safe when a process dies mid-write. */
#include "lib/shm_cache.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#define KEY_MAX   64
#define ALIGN     64   /* entries start on cache lines */
#define SLOT_SPAN 8192 /* ring bytes per hash slot: pages are far larger, answers rarely smaller */
#define SET_WAYS  2    /* slots a key may be named in (set_of) */
#define MIN_BYTES (1u << 20)
#define SEG_BYTES 65536 /* the ring's stretches whose writers readers watch */

/* An entry in the ring: this header, then the value. */
struct entry {
	uint64_t pos; /* where it was written, counted from the ring's start ever (not modulo) */
	uint32_t key_len;
	uint32_t val_len;
	unsigned char key[KEY_MAX];
};

/* Writes begun and ended in a stretch of the ring: equal while nobody writes there. */
struct seg {
	_Atomic uint64_t begun, ended; /* a writer that died mid-write leaves them apart for good */
};

struct shm_cache {
	_Atomic uint64_t head; /* bytes ever reserved: the next entry's position */
	_Atomic uint64_t hits, misses, puts;
	size_t map_len;
	size_t ring_len;
	size_t nslots, nsegs;
	_Atomic uint64_t *slots; /* an entry's position + 1, or 0 */
	struct seg *segs;
	unsigned char *ring;
};

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

struct shm_cache *shm_cache_create(size_t bytes)
{
	if (bytes == 0)
		return NULL;
	if (bytes < MIN_BYTES)
		bytes = MIN_BYTES;
	size_t ring_len = round_up(bytes, ALIGN);
	size_t nslots = round_up(ring_len / SLOT_SPAN, SET_WAYS);
	size_t head_len = round_up(sizeof(struct shm_cache), ALIGN);
	size_t slots_len = round_up(nslots * sizeof(uint64_t), ALIGN);
	size_t nsegs = (ring_len + SEG_BYTES - 1) / SEG_BYTES;
	size_t segs_len = round_up(nsegs * sizeof(struct seg), ALIGN);
	size_t map_len = head_len + slots_len + segs_len + ring_len;
	/* shared and anonymous: the workers forked after this see the same pages;
	 * untouched pages cost no memory until a value is written there */
	void *p = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	struct shm_cache *c = p; /* the mapping is zeroed: empty slots, head 0 */
	c->map_len = map_len;
	c->ring_len = ring_len;
	c->nslots = nslots;
	c->nsegs = nsegs;
	c->slots = (_Atomic uint64_t *)((unsigned char *)p + head_len);
	c->segs = (struct seg *)((unsigned char *)p + head_len + slots_len);
	c->ring = (unsigned char *)p + head_len + slots_len + segs_len;
	return c;
}

void shm_cache_destroy(struct shm_cache *c)
{
	if (c != NULL)
		munmap(c, c->map_len);
}

size_t shm_cache_max_value(const struct shm_cache *c)
{
	return c == NULL ? 0 : c->ring_len / 8 - sizeof(struct entry);
}

/*
 * A key's set: two slots side by side.  With one slot a key, two keys that
 * hashed alike pushed each other out for good: of the 200 users' /my pages
 * (plain and gzip, 12,288 slots) a few were rebuilt on every request, and
 * those were the lists' 99th percentile.
 */
static _Atomic uint64_t *set_of(struct shm_cache *c, const void *key, size_t key_len)
{
	const unsigned char *k = key;
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < key_len; i++)
		h = (h ^ k[i]) * 1099511628211ull;
	return &c->slots[(h % (c->nslots / SET_WAYS)) * SET_WAYS];
}

/* Still unwritten over by a later round?  No reservation has reached an
 * entry at pos until the head passes pos + ring_len. */
static int intact(struct shm_cache *c, uint64_t pos)
{
	atomic_thread_fence(memory_order_seq_cst);
	return atomic_load(&c->head) <= pos + c->ring_len;
}

/*
 * The head alone cannot stop a writer of an earlier round that reserved its
 * space, then stalled (descheduled, stopped) while the ring went round, and
 * would write over newer entries: readers of those could not tell.  So a
 * writer counts itself in the ring's stretches it covers, then writes only
 * if its round is still current and nobody else is writing there; of an
 * old writer and a new one on the same bytes, at least one sees the other
 * and leaves the value out (a cache may always leave a value out).
 */
static void seg_span(size_t off, size_t len, size_t *first, size_t *last)
{
	*first = off / SEG_BYTES;
	*last = (off + len - 1) / SEG_BYTES;
}

static void writes_count(struct shm_cache *c, size_t off, size_t len, int end)
{
	size_t first, last;
	seg_span(off, len, &first, &last);
	for (size_t i = first; i <= last; i++)
		atomic_fetch_add(end ? &c->segs[i].ended : &c->segs[i].begun, 1);
}

/* After counting itself in: may the writer at pos write its len bytes? */
static int may_write(struct shm_cache *c, uint64_t pos, size_t len)
{
	size_t first, last;
	if (atomic_load(&c->head) > pos + c->ring_len)
		return 0; /* a later round has its bytes already */
	seg_span((size_t)(pos % c->ring_len), len, &first, &last);
	for (size_t i = first; i <= last; i++) {
		uint64_t ended = atomic_load(&c->segs[i].ended); /* first: never undercounts */
		if (atomic_load(&c->segs[i].begun) - ended != 1)
			return 0; /* another writer is here (or died here) */
	}
	return 1;
}

/* The header of the entry slot value s names, when it is key's and still intact: 1, else 0. */
static int entry_of(struct shm_cache *c, uint64_t s, const void *key, size_t key_len,
                    struct entry *e)
{
	uint64_t pos = s - 1;
	size_t off = (size_t)(pos % c->ring_len);
	if (s == 0 || !intact(c, pos))
		return 0;
	memcpy(e, c->ring + off, sizeof(*e));
	/* a header read while it was overwritten fails one of these, or the check after the copy */
	return e->pos == pos && e->key_len == key_len && memcmp(e->key, key, key_len) == 0 &&
	       e->val_len <= c->ring_len - off - sizeof(*e);
}

int shm_cache_get(struct shm_cache *c, const void *key, size_t key_len, struct strbuf *out)
{
	if (c == NULL || key_len > KEY_MAX)
		return 0;
	_Atomic uint64_t *set = set_of(c, key, key_len);
	for (int way = 0; way < SET_WAYS; way++) {
		struct entry e;
		uint64_t s = atomic_load_explicit(&set[way], memory_order_acquire);
		if (!entry_of(c, s, key, key_len, &e))
			continue;
		size_t before = out->len;
		strbuf_append(out, c->ring + (size_t)(e.pos % c->ring_len) + sizeof(e), e.val_len);
		if (!intact(c, e.pos)) {
			strbuf_truncate(out, out->len - before);
			break;
		}
		atomic_fetch_add_explicit(&c->hits, 1, memory_order_relaxed);
		return 1;
	}
	atomic_fetch_add_explicit(&c->misses, 1, memory_order_relaxed);
	return 0;
}

/* The slot of key's set to name a new entry in: the one naming key already, else an empty
 * one, else the one naming the older entry (the ring forgets it first anyway). */
static _Atomic uint64_t *slot_for(struct shm_cache *c, const void *key, size_t key_len)
{
	_Atomic uint64_t *set = set_of(c, key, key_len), *pick = &set[0];
	uint64_t oldest = UINT64_MAX;
	for (int way = 0; way < SET_WAYS; way++) {
		struct entry e;
		uint64_t s = atomic_load_explicit(&set[way], memory_order_acquire);
		if (entry_of(c, s, key, key_len, &e))
			return &set[way];
		if (s < oldest) {
			oldest = s;
			pick = &set[way];
		}
	}
	return pick;
}

/* Reserves need bytes that do not wrap round the ring's end; their position. */
static uint64_t reserve(struct shm_cache *c, size_t need)
{
	uint64_t start = atomic_load(&c->head), at;
	do {
		at = start;
		size_t off = (size_t)(at % c->ring_len);
		if (off + need > c->ring_len)
			at += c->ring_len -
			      off; /* the rest of the ring's end stays unused this round */
	} while (!atomic_compare_exchange_weak(&c->head, &start, at + need));
	return at;
}

void shm_cache_put(struct shm_cache *c, const void *key, size_t key_len, const void *val,
                   size_t val_len)
{
	if (c == NULL || key_len > KEY_MAX || val_len > shm_cache_max_value(c))
		return;
	size_t need = round_up(sizeof(struct entry) + val_len, ALIGN);
	uint64_t pos = reserve(c, need);
	struct entry e = {.pos = pos, .key_len = (uint32_t)key_len, .val_len = (uint32_t)val_len};
	memcpy(e.key, key, key_len);
	size_t off = (size_t)(pos % c->ring_len), len = sizeof(e) + val_len;
	unsigned char *at = c->ring + off;
	writes_count(c, off, len, 0);
	int writing = may_write(c, pos, len);
	if (writing) {
		memcpy(at, &e, sizeof(e));
		memcpy(at + sizeof(e), val, val_len);
	}
	writes_count(c, off, len, 1);
	if (!writing)
		return;
	/* named only once written: a reader that finds the slot finds the whole entry */
	atomic_store_explicit(slot_for(c, key, key_len), pos + 1, memory_order_release);
	atomic_fetch_add_explicit(&c->puts, 1, memory_order_relaxed);
}

void shm_cache_stats(const struct shm_cache *c, struct shm_cache_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (c == NULL)
		return;
	out->hits = atomic_load(&c->hits);
	out->misses = atomic_load(&c->misses);
	out->puts = atomic_load(&c->puts);
	uint64_t head = atomic_load(&c->head);
	out->bytes = head < c->ring_len ? head : c->ring_len;
}
