/* faults: what the fault-injection tests share — processes by PID, a background load, the database as it is. */
#ifndef CRM_TEST_FAULTS_H
#define CRM_TEST_FAULTS_H

/*
 * Environment (exported by scripts/faults.sh, besides the CRM_TEST_* of tests/http/client.h):
 *   CRM_FAULT_CTL          tests/faults/faultctl.sh: crm-start, crm-wait-exit S, db-start, db-stop
 *   CRM_FAULT_PID_FILE     the master's pid file
 *   CRM_FAULT_SOCKET       the FastCGI socket
 *   CRM_FAULT_EXIT_FILE    where faultctl.sh writes crm-fcgi's exit status
 *   CRM_FAULT_LOG          crm-fcgi's log (stderr of master and workers)
 *   CRM_FAULT_DB_PID_FILE  mariadbd's pid file
 *
 * Criterion asserts (cr_*) are called from the test thread only; the load
 * threads record what they saw and the test thread judges it afterwards.
 */

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/types.h>

#include <curl/curl.h>
#include <jansson.h>
#include <mysql.h>

/* ---- time ------------------------------------------------------------------ */

/* Seconds on CLOCK_MONOTONIC. */
double fx_now(void);
void fx_sleep(double seconds);

/* ---- environment and configuration ------------------------------------------ */

/* The value of a required environment variable (aborts the test when unset). */
const char *fx_env(const char *name);
/* An integer key of the service configuration (CRM_TEST_CONF), or fallback. */
int fx_conf_int(const char *key, int fallback);

/* ---- processes ------------------------------------------------------------- */

/* The pid in a pid file, or 0 when there is none. */
pid_t fx_read_pid(const char *path);
/* The state letter of /proc/PID/stat ('R', 'S', 'T', 'Z', ...), or 0 when gone. */
char fx_proc_state(pid_t pid);
/* The process exists and is not a zombie. */
int fx_alive(pid_t pid);
/* The living (non-zombie) children of parent, ascending, at most max; returns the count. */
size_t fx_children(pid_t parent, pid_t *out, size_t max);
/* The running master (from CRM_FAULT_PID_FILE); aborts when it is not running. */
pid_t fx_master(void);
/* The running mariadbd (from CRM_FAULT_DB_PID_FILE); aborts when it is not running. */
pid_t fx_db_pid(void);
/* Waits up to timeout s until pid is gone; returns the time it took or -1 on timeout. */
double fx_wait_gone(pid_t pid, double timeout);

/* Runs `sh CRM_FAULT_CTL cmd [arg]` in its own session, every fd above 2 closed;
 * returns its exit status; its stdout (trimmed) goes to out when out != NULL. */
int fx_ctl(const char *cmd, const char *arg, char *out, size_t outlen);
/* The same without waiting: the pid to pass to fx_ctl_wait(). */
pid_t fx_ctl_spawn(const char *cmd, const char *arg);
int fx_ctl_wait(pid_t pid);

/* ---- logs -------------------------------------------------------------------- */

/* The size of a file now (0 when absent): where a test's own log lines start. */
long fx_file_size(const char *path);
/* The last max lines of path after offset `from` that contain none of the
 * excluded substrings (NULL-terminated list, or NULL), joined (malloc'd). */
char *fx_log_since(const char *path, long from, const char *const *exclude, int max);

/* ---- one request --------------------------------------------------------------- */

struct fx_resp {
	long status;    /* 0: no HTTP response at all */
	CURLcode curl;  /* CURLE_OK or the transport error */
	double t0, t1;  /* fx_now() before and after */
	int error_json; /* a >= 400 body in the API's error shape, as application/json */
	int retry_after;
	char request_id[40]; /* X-Request-Id, to find the service's log line */
	char *body;          /* malloc'd, NUL-terminated */
	json_t *json;        /* parsed body or NULL */
};

/* Sends method path (below CRM_TEST_BASE_URL) with the bearer token and a JSON
 * body (or none: NULL) on handle h (a handle per thread; kept for keep-alive).
 * Never asserts: any thread may call it. */
void fx_request(CURL *h, const char *method, const char *path, const char *token,
                const char *json_body, struct fx_resp *out);
void fx_resp_free(struct fx_resp *r);
/* The same on a handle of its own, for the test thread. */
void fx_request1(const char *method, const char *path, const char *token, const char *json_body,
                 struct fx_resp *out);

/* One request on a thread of its own (for a request that will be in flight
 * while the test does something else). */
struct fx_async {
	pthread_t tid;
	const char *method;
	char path[256];
	const char *token;
	struct fx_resp r;
};
void fx_async_start(struct fx_async *a, const char *method, const char *path, const char *token);
void fx_async_join(struct fx_async *a);

/* ---- a tenant of our own ------------------------------------------------------- */

#define FX_ACTOR "u-fx"
enum fx_customer {
	FX_READ,    /* read by the load */
	FX_WRITE_0, /* changed by writer lane 0 only */
	FX_WRITE_1,
	FX_LOCK_0, /* row-locked by tests */
	FX_LOCK_1,
	FX_CUSTOMER__MAX
};
struct fx_world {
	char tenant[80];
	char *token; /* crm:read crm:write of FX_ACTOR in tenant (malloc'd) */
	char id[FX_CUSTOMER__MAX][32];
};
/* A fresh tenant with user FX_ACTOR and the customers above (PROSPECT, owned by FX_ACTOR). */
void fx_world_make(struct fx_world *w, const char *prefix);
void fx_world_free(struct fx_world *w);

/* ---- the background load --------------------------------------------------------- */

enum fx_op { FX_OP_GET, FX_OP_LIST_MY, FX_OP_LIST_STATUS, FX_OP_TAG_ADD, FX_OP_TAG_REMOVE };

struct fx_sample {
	enum fx_op op;
	unsigned tag; /* writes: the number of the tag */
	int real;     /* 200 writes: the response's last event is this change */
	struct fx_resp r;
};

#define FX_MAX_LANES 6
struct fx_lane {
	pthread_t tid;
	int writer;        /* a writer also reads its customer and a list between changes */
	const char *token; /* the world's */
	char customer[32]; /* what it reads (readers) or changes (writers) */
	char tag_prefix[24];
	long events_before; /* writers: stored events when the load started */
	unsigned next_tag;
	atomic_int *stop;
	struct fx_sample *s;
	size_t n, cap;
	int oom;
};
struct fx_load {
	atomic_int stop;
	size_t nlanes;
	struct fx_lane lane[FX_MAX_LANES];
	double started;
};

/* Starts `readers` lanes reading FX_READ and the lists, and `writers` lanes
 * (at most 2) adding and removing tags on FX_WRITE_i, each in its own thread
 * with its own connection to nginx, a request every ~2 ms. */
void fx_load_start(struct fx_load *l, const struct fx_world *w, int readers, int writers);
void fx_load_stop(struct fx_load *l);
void fx_load_free(struct fx_load *l);

/* What the clients saw between two times (by the request's end, t1 in [from, to)). */
struct fx_tally {
	size_t total, ok, failed;
	size_t transport;     /* no HTTP answer at all */
	size_t not_503_json;  /* failures other than a 502/503 in the API's error shape */
	size_t no_retry;      /* 503s without Retry-After */
	double first_fail_t1; /* -1 when none */
	double last_fail_t1;
	double max_latency, max_fail_latency;
};
void fx_tally(const struct fx_load *l, double from, double to, struct fx_tally *t);
/* The first max failures, one per line, times relative to base (malloc'd). */
char *fx_failures(const struct fx_load *l, double base, size_t max);
/* The first sample (by t1) with t1 >= after and the given status, or NULL. */
const struct fx_sample *fx_first_with_status(const struct fx_load *l, double after, long status);
/* One line: counts by status, for the suite's output. */
void fx_report(const char *test, const struct fx_load *l, const char *extra);

/*
 * The database holds exactly what the writer lanes were told: every 200 change
 * is stored once, a 200 no-op stored nothing, a failed change is stored at most
 * once (whole or not at all), the tags are the replay of the stored events, and
 * the event count grew by exactly the changes stored.  Returns how many failed
 * requests were committed after all (the client cannot know).
 */
size_t fx_assert_writes_durable(const struct fx_load *l, const struct fx_world *w);

/* ---- the database ------------------------------------------------------------------ */

/* A new connection as CRM_TEST_DB_USER (root: as root over the socket), or NULL. */
MYSQL *fx_db_try(const char *user, unsigned timeout_s);
/* The same, aborting the test when the server cannot be reached. */
MYSQL *fx_db(const char *user);
/* Runs sql on c; aborts on an error. */
void fx_db_exec(MYSQL *c, const char *sql);
/* The first column of the first row as a long (-1 for none / NULL). */
long fx_db_long(MYSQL *c, const char *sql);
/* sql prepared, with the n strings of params bound to its ?s (n <= 8): the first column of
 * its first row as text (malloc'd), or NULL (no row, SQL NULL, or a statement without rows).
 * Aborts on an error.  Every value a fault test puts into SQL goes this way. */
char *fx_db_query(MYSQL *c, const char *sql, size_t n, const char *const *params);
long fx_db_query_long(MYSQL *c, const char *sql, size_t n, const char *const *params);
/* The stored document of a customer (a fresh connection; aborts when absent). */
json_t *fx_doc(const struct fx_world *w, enum fx_customer who);
/* Everything a change may touch in the customers row (malloc'd). */
char *fx_row(const struct fx_world *w, enum fx_customer who);

/* BEGIN; SELECT ... FOR UPDATE of the customer row: returns the session holding the lock. */
MYSQL *fx_lock_row(const struct fx_world *w, enum fx_customer who);
/* ROLLBACK and close. */
void fx_unlock(MYSQL *c);
/* The service's statements waiting for a row lock now: prepared SELECT ... FOR
 * UPDATE executing for 50 ms or more (the tests' lockers use plain queries); as
 * root, which sees every session. */
long fx_lock_waits(void);
/* Waits up to timeout s until fx_lock_waits() >= n; returns the last count. */
long fx_wait_lock_waits(long n, double timeout);

/* ---- the fixture --------------------------------------------------------------------- */

/*
 * Before each test: MariaDB runs (resumed or started), crm-fcgi runs (started
 * when a previous test left it dead), its `workers` workers are up and a read
 * answers 200.  Each test leaves the environment running; this repairs it when
 * a test failed half-way.
 */
void fx_setup(void);
/* Waits until the master has exactly `workers` living children, none of them
 * in `exclude` (n entries); returns the time it took or -1 after timeout s. */
double fx_wait_workers(pid_t master, const pid_t *exclude, size_t n, double timeout);
/* Waits until a read through nginx answers 200; returns the time it took or -1. */
double fx_wait_ready(double timeout);

/* The test configuration changed for one test: lines appended (the last line
 * for a key wins), then SIGHUP and the new generation awaited; returns the
 * file's size before, for fx_conf_restore. */
long fx_conf_push(const char *lines);
/* The configuration cut back to size and reloaded, the pool answering again;
 * -1 (nothing reloaded) when the file cannot be cut. */
int fx_conf_restore(long size);

#endif
