/* tally: what each worker is doing, counted in memory the master shares with it (for the STATUS line). */
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#include "fcgi/fcgi.h"

/*
 * One slot per place in the master's table of workers.  A worker writes
 * only its own slot; the master reads them all, and clears a slot when its
 * worker has ended (keeping its requests in `retired`), so a worker that
 * dies in the middle of a request leaves no phantom busy thread behind.
 */
struct tally_slot {
	atomic_int busy;        /* threads of the worker inside a request */
	atomic_ullong requests; /* requests the worker has answered */
};

struct tally {
	size_t nslots;
	unsigned long long retired; /* requests of workers that have ended (master only) */
	struct tally_slot slot[];
};

struct tally *tally_new(size_t nslots)
{
	size_t size = sizeof(struct tally) + nslots * sizeof(struct tally_slot);
	/* shared, so that the workers forked afterwards write where the master reads */
	struct tally *t =
	        mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		return NULL;
	memset(t, 0, size);
	t->nslots = nslots;
	return t;
}

void tally_free(struct tally *t)
{
	if (t != NULL)
		munmap(t, sizeof(struct tally) + t->nslots * sizeof(struct tally_slot));
}

struct tally_slot *tally_slot(struct tally *t, size_t i)
{
	return t != NULL && i < t->nslots ? &t->slot[i] : NULL;
}

void tally_request_begin(struct tally_slot *s)
{
	if (s != NULL)
		atomic_fetch_add(&s->busy, 1);
}

void tally_request_end(struct tally_slot *s)
{
	if (s == NULL)
		return;
	atomic_fetch_add(&s->requests, 1);
	atomic_fetch_sub(&s->busy, 1);
}

void tally_retire(struct tally *t, size_t i)
{
	struct tally_slot *s = tally_slot(t, i);
	if (s == NULL)
		return;
	t->retired += atomic_exchange(&s->requests, 0);
	atomic_store(&s->busy, 0);
}

int tally_busy(struct tally *t, size_t i)
{
	struct tally_slot *s = tally_slot(t, i);
	return s != NULL && atomic_load(&s->busy) > 0;
}

unsigned long long tally_requests(struct tally *t)
{
	if (t == NULL)
		return 0;
	/* a free slot was cleared by tally_retire: it adds nothing */
	unsigned long long n = t->retired;
	for (size_t i = 0; i < t->nslots; i++)
		n += atomic_load(&t->slot[i].requests);
	return n;
}
