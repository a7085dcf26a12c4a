/* scoreboard_thread: a worker thread's side of the scoreboard — its request's state, then its counts. */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "fcgi/scoreboard.h"

/* The thread's request is written between these two: the master, reading
 * the sequence number odd or changed, reads again. */
static void write_begin(struct sb_thread *t)
{
	atomic_fetch_add_explicit(&t->seq, 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
}

static void write_end(struct sb_thread *t)
{
	atomic_fetch_add_explicit(&t->seq, 1, memory_order_release);
}

static void copy_text(char *dst, size_t cap, const char *src)
{
	size_t n = src != NULL ? strnlen(src, cap - 1) : 0;
	memcpy(dst, src != NULL ? src : "", n);
	dst[n] = '\0';
}

/* A statement's SQL as kept: its first bytes, runs of white space as one space. */
static void copy_statement(char *dst, size_t cap, const char *sql)
{
	size_t o = 0;
	for (const char *p = sql; p != NULL && *p != '\0' && o + 1 < cap; p++) {
		int space = *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r';
		if (space && (o == 0 || dst[o - 1] == ' '))
			continue;
		dst[o++] = space ? ' ' : *p;
	}
	dst[o] = '\0';
}

static void db_begin(void *arg, const char *statement)
{
	struct sb_thread *t = arg;
	write_begin(t);
	t->r.state = SB_DB;
	t->r.db_started_ns = sb_now_ns();
	copy_statement(t->r.statement, sizeof(t->r.statement), statement);
	write_end(t);
}

static void db_end(void *arg)
{
	struct sb_thread *t = arg;
	if (t->r.state != SB_DB)
		return;
	int64_t us = (sb_now_ns() - t->r.db_started_ns) / 1000;
	write_begin(t);
	t->r.state = SB_HANDLING;
	t->r.db_us += us;
	/* what a slow request's log line names: its slowest statement */
	if (us >= t->r.slowest_us) {
		t->r.slowest_us = us;
		memcpy(t->r.slowest, t->r.statement, sizeof(t->r.slowest));
	}
	write_end(t);
}

/* The pool totals live beside the threads; the sink needs them too. */
static struct scoreboard *board;

static void db_error(void *arg, enum obs_db_error kind)
{
	(void)arg;
	if (board != NULL && (unsigned)kind < OBS_DB__MAX)
		atomic_fetch_add_explicit(&board->db_errors[kind], 1, memory_order_relaxed);
}

static void db_retry(void *arg)
{
	(void)arg;
	if (board != NULL)
		atomic_fetch_add_explicit(&board->db_retries, 1, memory_order_relaxed);
}

static void auth_failure(void *arg, enum obs_auth reason)
{
	(void)arg;
	if (board != NULL && (unsigned)reason < OBS_AUTH__MAX)
		atomic_fetch_add_explicit(&board->auth_failures[reason], 1, memory_order_relaxed);
}

static int route_index(const struct scoreboard *sb, const char *name);

/* Known before the handler runs, so that /status names a request in flight. */
static void routed(void *arg, const char *name)
{
	struct sb_thread *t = arg;
	if (board == NULL)
		return;
	int r = route_index(board, name);
	write_begin(t);
	t->r.route = r;
	write_end(t);
}

static const struct obs_sink sink = {db_begin, db_end, db_error, db_retry, auth_failure, routed};

struct sb_thread *sb_thread_attach(struct scoreboard *sb, size_t i, size_t j)
{
	if (sb == NULL || i >= sb->nslots || j >= SB_THREADS_MAX)
		return NULL;
	board = sb; /* one scoreboard per process: the master's, inherited */
	struct sb_thread *t = &sb->worker[i].thread[j];
	obs_attach(&sink, t);
	return t;
}

/* Threads inside a request in the whole pool now (the slots of living workers). */
static int pool_busy(const struct scoreboard *sb)
{
	int n = 0, hi = atomic_load(&sb->hi);
	for (int k = 0; k < hi; k++)
		n += atomic_load_explicit(&sb->worker[k].busy, memory_order_relaxed);
	return n;
}

void sb_request_accepted(struct scoreboard *sb, size_t i, struct sb_thread *t)
{
	if (sb == NULL || t == NULL)
		return;
	atomic_fetch_add(&sb->worker[i].busy, 1);
	atomic_fetch_add_explicit(&sb->accepted, 1, memory_order_relaxed);
	write_begin(t);
	memset(&t->r, 0, sizeof(t->r));
	t->r.state = SB_READING;
	t->r.route = -1;
	t->r.started_ns = sb_now_ns();
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	t->r.started_unix_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	write_end(t);
	int busy = pool_busy(sb), max = atomic_load(&sb->max_active);
	while (busy > max && !atomic_compare_exchange_weak(&sb->max_active, &max, busy))
		;
	if (busy >= sb->workers_max * sb->threads)
		atomic_fetch_add_explicit(&sb->all_busy, 1, memory_order_relaxed);
}

void sb_request_handling(struct sb_thread *t, const char *method, const char *request_id)
{
	if (t == NULL)
		return;
	write_begin(t);
	t->r.state = SB_HANDLING;
	copy_text(t->r.method, sizeof(t->r.method), sb_method_name(sb_method_of(method)));
	copy_text(t->r.request_id, sizeof(t->r.request_id), request_id);
	write_end(t);
}

/* The index of the app's route name; the names are the route table's, so the
 * same pointer comes again and again: the last few are remembered. */
static int route_index(const struct scoreboard *sb, const char *name)
{
	static _Thread_local const char *seen[8];
	static _Thread_local int seen_index[8], next;
	if (name == NULL)
		return 0;
	for (int k = 0; k < 8; k++)
		if (seen[k] == name)
			return seen_index[k];
	int found = 1; /* "other" */
	for (int k = 2; k < sb->nroutes; k++)
		if (strcmp(sb->route[k], name) == 0)
			found = k;
	seen[next] = name;
	seen_index[next] = found;
	next = (next + 1) % 8;
	return found;
}

/* The series of key: found or claimed (with a CAS, so two workers never claim
 * one key twice); NULL when the table is full. */
static struct sb_series *series_of(struct scoreboard *sb, unsigned key)
{
	unsigned h = (key * 2654435761u) % SB_SERIES_MAX;
	for (unsigned n = 0; n < SB_SERIES_MAX; n++) {
		struct sb_series *s = &sb->series[(h + n) % SB_SERIES_MAX];
		unsigned k = atomic_load(&s->key);
		if (k == 0 && atomic_compare_exchange_strong(&s->key, &k, key))
			return s;
		if (k == key)
			return s;
	}
	return NULL;
}

static int bucket_of(int64_t us)
{
	int b = 0;
	while (b < SB_BUCKETS && (double)us > sb_bucket_bounds[b] * 1e6)
		b++;
	return b;
}

unsigned long long sb_request_done(struct scoreboard *sb, size_t i, struct sb_thread *t,
                                   const char *route, int status, int64_t duration_us,
                                   long long bytes)
{
	if (sb == NULL || t == NULL)
		return 0;
	int r = route_index(sb, route);
	enum sb_method m = sb_method_of(t->r.method[0] ? t->r.method : NULL);
	unsigned st = status > 0 && status < 1000 ? (unsigned)status : 0;
	struct sb_series *s = series_of(sb, (unsigned)(r + 1) << 16 | (unsigned)m << 12 | st);
	if (s != NULL)
		atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&sb->series_overflow, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sb->hist[r].bucket[bucket_of(duration_us)], 1,
	                          memory_order_relaxed);
	atomic_fetch_add_explicit(&sb->hist[r].sum_us, (unsigned long long)duration_us,
	                          memory_order_relaxed);
	write_begin(t);
	t->r.state = SB_IDLE;
	t->r.status = status;
	t->r.route = r;
	t->r.duration_us = duration_us;
	t->r.bytes = bytes;
	write_end(t);
	struct sb_worker *w = &sb->worker[i];
	unsigned long long served = atomic_fetch_add(&w->requests, 1) + 1;
	atomic_fetch_sub(&w->busy, 1);
	return served;
}

int64_t sb_request_db_us(const struct sb_thread *t)
{
	return t != NULL ? t->r.db_us : 0;
}

void sb_note_slow(struct scoreboard *sb)
{
	if (sb != NULL)
		atomic_fetch_add_explicit(&sb->slow, 1, memory_order_relaxed);
}

void sb_note_queue_timeout(struct scoreboard *sb)
{
	if (sb != NULL)
		atomic_fetch_add_explicit(&sb->queue_timeouts, 1, memory_order_relaxed);
}

void sb_worker_retiring(struct scoreboard *sb, size_t i)
{
	if (sb == NULL || i >= sb->nslots)
		return;
	atomic_store(&sb->worker[i].retiring, 1);
	atomic_fetch_add(&sb->retired_max, 1);
}
