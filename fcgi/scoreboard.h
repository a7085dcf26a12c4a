/* scoreboard: the pool's figures in shared memory — written by the workers, read by the master (layout and API). */
#ifndef CRM_SCOREBOARD_H
#define CRM_SCOREBOARD_H

/*
 * Apart from fcgi.h because only the files that read or write the shared
 * memory need its layout: scoreboard.c (workers and master), metrics.c and
 * status_json.c (the master's renderers).  pool.c and worker.c use the
 * functions below.
 *
 * The rules that keep it whole when a worker dies at any instruction:
 *   - pool totals (requests by route, method and status, histograms, errors)
 *     are atomics shared by all workers, each a single atomic add: a kill
 *     leaves an add done or not done, never half done, and nothing of a dead
 *     worker needs merging;
 *   - what is per worker (its pid, busy threads, requests served, each
 *     thread's current or last request) has one writer, that worker; the
 *     master clears it when it reaps the worker, keeping its requests;
 *   - a thread's request (text fields) is written under a sequence counter:
 *     the master reads a consistent copy or, when the writer died half-way,
 *     gives up after a few tries and shows nothing.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include "lib/obs.h"

#define SB_THREADS_MAX   64   /* worker.c's MAX_THREADS */
#define SB_ROUTES_MAX    64   /* route names, with "none" and "other" */
#define SB_ROUTE_NAME    40   /* bytes of a route's name, with its NUL */
#define SB_SERIES_MAX    2048 /* route x method x status combinations */
#define SB_BUCKETS       14   /* finite histogram buckets (the +Inf one is extra) */
#define SB_STATEMENT_LEN 96   /* bytes kept of a statement's SQL */

/* The histogram's upper bounds in seconds: OpenTelemetry's default explicit
 * boundaries from 5 ms to 10 s. */
extern const double sb_bucket_bounds[SB_BUCKETS];

enum sb_state { SB_IDLE, SB_READING, SB_HANDLING, SB_DB, SB_STATE__MAX };
/* "idle", "reading", "handling", "waiting_db": crm_workers{state} */
const char *sb_state_name(enum sb_state s);

enum sb_method {
	SB_GET,
	SB_HEAD,
	SB_POST,
	SB_PUT,
	SB_PATCH,
	SB_DELETE,
	SB_OPTIONS,
	SB_METHOD_OTHER,
	SB_METHOD__MAX
};
const char *sb_method_name(enum sb_method m);
/* Pure: the method's index; anything unknown is SB_METHOD_OTHER (a client
 * never chooses a label value). */
enum sb_method sb_method_of(const char *method);

/* A thread's current (state != SB_IDLE) or last request. */
struct sb_request {
	int state;      /* enum sb_state */
	int status;     /* of the last request; 0 while one runs */
	int route;      /* index into the route names, -1 before one is known */
	char method[8]; /* sb_method_name */
	char request_id[40];
	char statement[SB_STATEMENT_LEN]; /* the statement waited on now (SB_DB) or last */
	char slowest[SB_STATEMENT_LEN];   /* the request's slowest statement so far */
	int64_t started_ns;               /* CLOCK_MONOTONIC at accept */
	int64_t started_unix_ms;          /* the same instant on the wall clock */
	int64_t duration_us;              /* the last request's, from accept to answer written */
	int64_t db_us;                    /* time spent waiting on the database */
	int64_t db_started_ns;            /* while SB_DB: when the wait began */
	int64_t slowest_us;               /* how long that one took */
	long long bytes;                  /* body bytes of the last answer */
};

struct sb_thread {
	atomic_uint seq; /* odd while the thread writes r */
	struct sb_request r;
};

struct sb_worker {
	atomic_int pid; /* 0: the slot is free */
	int generation;
	int64_t started_unix; /* seconds */
	atomic_int busy;      /* threads inside a request */
	atomic_ullong requests;
	atomic_int retiring; /* max_requests reached: it drains and exits */
	int nthreads;
	struct sb_thread thread[SB_THREADS_MAX];
};

struct sb_histogram {
	atomic_ullong bucket[SB_BUCKETS + 1]; /* not cumulative; the last is above 10 s */
	atomic_ullong sum_us;
};

struct sb_series {
	atomic_uint key; /* 0: free; else (route + 1) << 16 | method << 12 | status */
	atomic_ullong count;
};

struct scoreboard {
	size_t nslots;
	size_t map_size;
	atomic_int hi; /* slots [0, hi) may be in use */
	int64_t start_unix;
	/* configured, set by the master before forking */
	int workers_max;
	int threads;
	int nroutes;
	char route[SB_ROUTES_MAX][SB_ROUTE_NAME];
	/* pool totals */
	atomic_ullong accepted;
	atomic_ullong retired_requests; /* answered by workers that have ended */
	atomic_int max_active;          /* most threads inside a request at once */
	atomic_ullong all_busy;         /* requests that made every accepting thread busy */
	atomic_ullong slow;
	atomic_ullong restarts;         /* workers replaced, for whatever reason */
	atomic_ullong request_timeouts; /* workers replaced by the watchdog */
	atomic_ullong retired_max;      /* workers retired after max_requests */
	atomic_ullong queue_timeouts;   /* answered 503 after waiting too long */
	atomic_ullong series_overflow;  /* requests the series table had no room for */
	atomic_llong listen_queue;      /* -1: cannot be read */
	atomic_llong listen_queue_max;  /* since start */
	atomic_llong listen_queue_len;  /* the socket's backlog */
	atomic_ullong db_errors[OBS_DB__MAX];
	atomic_ullong db_retries;
	atomic_ullong auth_failures[OBS_AUTH__MAX];
	struct sb_histogram hist[SB_ROUTES_MAX];
	struct sb_series series[SB_SERIES_MAX];
	struct sb_worker worker[];
};

/* ---- the master ------------------------------------------------------------ */

/* Shared memory for nslots workers, mapped before forking; NULL when it cannot be
 * mapped (logged by the caller).  Free with sb_free. */
struct scoreboard *sb_new(size_t nslots);
void sb_free(struct scoreboard *sb);
/* The route names the app answers with (besides "none" and "other"); call before forking. */
void sb_set_routes(struct scoreboard *sb, const char *const *names, size_t n);
void sb_configure(struct scoreboard *sb, int workers_max, int threads);
/* The master forked the worker of slot i (pid) in generation. */
void sb_worker_started(struct scoreboard *sb, size_t i, pid_t pid, int generation);
/* The master reaped the worker of slot i: its requests stay counted, its
 * threads are no longer busy. */
void sb_worker_ended(struct scoreboard *sb, size_t i);
/* Threads of slot i inside a request now. */
int sb_busy(const struct scoreboard *sb, size_t i);
/* Requests answered by all workers, living or ended. */
unsigned long long sb_requests(const struct scoreboard *sb);
/* A consistent copy of thread j of slot i's request; -1 when none could be had. */
int sb_read_request(const struct scoreboard *sb, size_t i, size_t j, struct sb_request *out);
/* The master's sample of the listen queue (now, and the most seen) and the backlog. */
void sb_listen_sample(struct scoreboard *sb, long long queue, long long backlog);
const char *sb_route_name(const struct scoreboard *sb, int route);

/* Pure: reads the listening socket fd's queue of connections waiting for a
 * worker and its backlog (a unix socket through sock_diag netlink, TCP
 * through TCP_INFO).  0, or -1 with errno. */
int listen_queue_read(int fd, long long *queue, long long *backlog);

/* ---- the crash-loop guard (guard.c) --------------------------------------------- */

#define GUARD_KEEP 64 /* deaths remembered; a threshold above this counts as this */

/*
 * php-fpm's emergency_restart_threshold / _interval, but instead of
 * restarting everything the master waits before it forks again: more than
 * threshold deaths within interval seconds start a back-off of 1 s that
 * doubles with each further death, up to max_backoff; a whole interval
 * without a death ends it.  Times are CLOCK_MONOTONIC seconds.  Pure.
 */
struct guard {
	int threshold; /* 0: never back off */
	int interval;
	int max_backoff;
	double death[GUARD_KEEP];
	int ndeaths, head;
	double last_death;
	int recent;                  /* deaths within the interval, as of the last call */
	int backoff;                 /* seconds; 0: forking at once */
	double next_spawn;           /* no fork before this */
	unsigned long long episodes; /* loops detected since the start */
};
void guard_init(struct guard *g, int threshold, int interval, int max_backoff);
/* A worker died on its own at now: the seconds to wait before forking (0: at once). */
double guard_death(struct guard *g, double now);
int guard_may_spawn(const struct guard *g, double now);
/* 1 when a back-off has just ended (an interval passed without a death). */
int guard_tick(struct guard *g, double now);

/* ---- what the status listener shows (status_json.c, metrics.c) ------------------- */

struct config;
struct strbuf;

/* Everything the master's renderers read; pool.c keeps it current. */
struct status_view {
	struct scoreboard *sb;
	const struct guard *guard;
	const struct config *cfg; /* the current generation's */
	int generation;
};

/* The figures of the pool now (the master computes them from the slots). */
struct sb_figures {
	int total, active, idle; /* living worker processes */
	int in_flight;           /* threads inside a request */
	int by_state[SB_STATE__MAX];
};
void sb_figures(const struct scoreboard *sb, struct sb_figures *f);
/* The state of the worker of slot i: its busiest thread's (a living worker only). */
enum sb_state sb_worker_state(const struct scoreboard *sb, size_t i);

/* GET /status: the pool's figures as JSON, each worker's too with full.  Appends to
 * out; out's failure flag tells of a lack of memory. */
void status_render_json(const struct status_view *v, int full, struct strbuf *out);
/* GET /metrics: the Prometheus text format 0.0.4.  Appends to out. */
void metrics_render(const struct status_view *v, struct strbuf *out);

/* ---- the status listener (status_http.c) -------------------------------------------- */

struct status_server;
/*
 * Listens on spec (status_listen): a unix socket path (made with mode, a stale
 * one removed) or IPv4-ADDRESS:PORT.  NULL with the reason logged when it
 * cannot.  Free with status_close (which removes a socket file it made).
 */
struct status_server *status_open(const char *spec, int mode, const struct status_view *view);
void status_close(struct status_server *s);
/* In a forked worker: closes the master's descriptors and frees its copy, removing nothing. */
void status_close_in_child(struct status_server *s);
/*
 * The master's wait: up to timeout_ms for one of the signals in set (blocked
 * by the caller), serving status clients meanwhile without ever blocking on
 * one.  Returns the signal's number, or 0 when the time passed.  s may be
 * NULL (no status listener): then it only waits for a signal.
 */
int status_wait(struct status_server *s, const sigset_t *set, int timeout_ms);

/* ---- a worker's thread -------------------------------------------------------- */

/* Thread j of the worker in slot i (NULL for a NULL sb).  Attaches it to
 * lib/obs.h, so the model's database waits and errors land in it. */
struct sb_thread *sb_thread_attach(struct scoreboard *sb, size_t i, size_t j);
/* A connection was accepted (state reading). */
void sb_request_accepted(struct scoreboard *sb, size_t i, struct sb_thread *t);
/* Its parameters are read: method and request id known (state handling). */
void sb_request_handling(struct sb_thread *t, const char *method, const char *request_id);
/*
 * The answer is written: counts it under route (the app's name, NULL for
 * none), method and status, with duration_us and bytes; the thread is idle.
 * Returns the worker's requests served so far.
 */
unsigned long long sb_request_done(struct scoreboard *sb, size_t i, struct sb_thread *t,
                                   const char *route, int status, int64_t duration_us,
                                   long long bytes);
/* Counted for the pool: a request slower than slow_request_ms; a request answered
 * 503 after queue_timeout; the worker of slot i reached max_requests and drains. */
void sb_note_slow(struct scoreboard *sb);
void sb_note_queue_timeout(struct scoreboard *sb);
void sb_worker_retiring(struct scoreboard *sb, size_t i);
/* The request's time waiting on the database so far. */
int64_t sb_request_db_us(const struct sb_thread *t);

int64_t sb_now_ns(void);

#endif
