/* scoreboard: each request counted in memory the workers share with the master (the rules are in scoreboard.h). */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "fcgi/scoreboard.h"

const double sb_bucket_bounds[SB_BUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                             0.5,   0.75, 1,     2.5,  5,     7.5, 10};

#define ROUTE_NONE  0 /* no route matched (404, 405, a bad URI) */
#define ROUTE_OTHER 1 /* a name the app did not declare */

const char *sb_state_name(enum sb_state s)
{
	static const char *const names[SB_STATE__MAX] = {"idle", "reading", "handling",
	                                                 "waiting_db"};
	return (unsigned)s < SB_STATE__MAX ? names[s] : "idle";
}

static const char *const method_names[SB_METHOD__MAX] = {"GET",   "HEAD",   "POST",    "PUT",
                                                         "PATCH", "DELETE", "OPTIONS", "OTHER"};

const char *sb_method_name(enum sb_method m)
{
	return (unsigned)m < SB_METHOD__MAX ? method_names[m] : "OTHER";
}

enum sb_method sb_method_of(const char *method)
{
	for (int m = 0; method != NULL && m < SB_METHOD_OTHER; m++)
		if (strcmp(method, method_names[m]) == 0)
			return (enum sb_method)m;
	return SB_METHOD_OTHER;
}

int64_t sb_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t unix_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the master ------------------------------------------------------------ */

struct scoreboard *sb_new(size_t nslots)
{
	size_t size = sizeof(struct scoreboard) + nslots * sizeof(struct sb_worker);
	/* shared, so that the workers forked afterwards write where the master
	 * reads; anonymous memory comes zeroed, and pages no worker touches are
	 * never backed */
	struct scoreboard *sb =
	        mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sb == MAP_FAILED)
		return NULL;
	sb->nslots = nslots;
	sb->map_size = size;
	sb->start_unix = unix_ms() / 1000;
	atomic_store(&sb->listen_queue, -1);
	snprintf(sb->route[ROUTE_NONE], SB_ROUTE_NAME, "none");
	snprintf(sb->route[ROUTE_OTHER], SB_ROUTE_NAME, "other");
	sb->nroutes = 2;
	return sb;
}

void sb_free(struct scoreboard *sb)
{
	if (sb != NULL)
		munmap(sb, sb->map_size);
}

void sb_set_routes(struct scoreboard *sb, const char *const *names, size_t n)
{
	if (sb == NULL)
		return;
	for (size_t k = 0; k < n && sb->nroutes < SB_ROUTES_MAX; k++)
		snprintf(sb->route[sb->nroutes++], SB_ROUTE_NAME, "%s", names[k]);
}

void sb_configure(struct scoreboard *sb, int workers_max, int threads)
{
	if (sb == NULL)
		return;
	sb->workers_max = workers_max;
	sb->threads = threads > SB_THREADS_MAX ? SB_THREADS_MAX : threads;
}

const char *sb_route_name(const struct scoreboard *sb, int route)
{
	return route >= 0 && route < sb->nroutes ? sb->route[route] : "none";
}

void sb_worker_started(struct scoreboard *sb, size_t i, pid_t pid, int generation)
{
	if (sb == NULL || i >= sb->nslots)
		return;
	struct sb_worker *w = &sb->worker[i];
	w->generation = generation;
	w->started_unix = unix_ms() / 1000;
	w->nthreads = sb->threads;
	atomic_store(&w->pid, (int)pid);
	if (atomic_load(&sb->hi) < (int)i + 1)
		atomic_store(&sb->hi, (int)i + 1);
}

void sb_worker_ended(struct scoreboard *sb, size_t i)
{
	if (sb == NULL || i >= sb->nslots)
		return;
	struct sb_worker *w = &sb->worker[i];
	atomic_fetch_add(&sb->retired_requests, atomic_exchange(&w->requests, 0));
	atomic_store(&w->busy, 0);
	atomic_store(&w->retiring, 0);
	/* a thread killed mid-request is idle now; its last request stays readable */
	for (int j = 0; j < w->nthreads; j++) {
		atomic_store(&w->thread[j].seq, 0);
		w->thread[j].r.state = SB_IDLE;
	}
	atomic_store(&w->pid, 0);
}

int sb_busy(const struct scoreboard *sb, size_t i)
{
	return sb != NULL && i < sb->nslots ? atomic_load(&sb->worker[i].busy) : 0;
}

unsigned long long sb_requests(const struct scoreboard *sb)
{
	if (sb == NULL)
		return 0;
	unsigned long long n = atomic_load(&sb->retired_requests);
	int hi = atomic_load(&sb->hi);
	for (int i = 0; i < hi; i++)
		n += atomic_load(&sb->worker[i].requests);
	return n;
}

int sb_read_request(const struct scoreboard *sb, size_t i, size_t j, struct sb_request *out)
{
	if (sb == NULL || i >= sb->nslots || j >= SB_THREADS_MAX)
		return -1;
	const struct sb_thread *t = &sb->worker[i].thread[j];
	for (int tries = 0; tries < 16; tries++) {
		unsigned s1 = atomic_load_explicit(&t->seq, memory_order_acquire);
		if (s1 & 1u)
			continue;
		memcpy(out, (const void *)&t->r, sizeof(*out));
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&t->seq, memory_order_relaxed) == s1) {
			out->method[sizeof(out->method) - 1] = '\0';
			out->request_id[sizeof(out->request_id) - 1] = '\0';
			out->statement[sizeof(out->statement) - 1] = '\0';
			out->slowest[sizeof(out->slowest) - 1] = '\0';
			return 0;
		}
	}
	return -1;
}

void sb_listen_sample(struct scoreboard *sb, long long queue, long long backlog)
{
	if (sb == NULL)
		return;
	atomic_store(&sb->listen_queue, queue);
	atomic_store(&sb->listen_queue_len, backlog);
	if (queue > atomic_load(&sb->listen_queue_max))
		atomic_store(&sb->listen_queue_max, queue);
}

enum sb_state sb_worker_state(const struct scoreboard *sb, size_t i)
{
	const struct sb_worker *w = &sb->worker[i];
	if (atomic_load(&w->busy) == 0)
		return SB_IDLE;
	int state = SB_IDLE;
	for (int j = 0; j < w->nthreads && j < SB_THREADS_MAX; j++) {
		struct sb_request r;
		/* the busiest of its threads speaks for the worker; a thread caught
		 * mid-write still counts as handling */
		int s = sb_read_request(sb, i, (size_t)j, &r) == 0 ? r.state : SB_HANDLING;
		if (s > state && s < SB_STATE__MAX)
			state = s;
	}
	return state == SB_IDLE ? SB_HANDLING : (enum sb_state)state;
}

void sb_figures(const struct scoreboard *sb, struct sb_figures *f)
{
	memset(f, 0, sizeof(*f));
	if (sb == NULL)
		return;
	int hi = atomic_load(&sb->hi);
	for (int i = 0; i < hi; i++) {
		if (atomic_load(&sb->worker[i].pid) == 0)
			continue;
		enum sb_state s = sb_worker_state(sb, (size_t)i);
		f->total++;
		f->by_state[s]++;
		f->active += s != SB_IDLE;
		f->in_flight += atomic_load(&sb->worker[i].busy);
	}
	f->idle = f->total - f->active;
}
