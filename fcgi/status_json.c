/* status_json: GET /status — php-fpm's pool figures as JSON, and with ?full each worker's pid, state and request. */
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include <jansson.h>

#include "conf/config.h"
#include "fcgi/scoreboard.h"
#include "lib/strbuf.h"
#include "lib/timefmt.h"

/* Integers as JSON numbers; a failed json_* call leaves a member out, and
 * the dump below fails (500) only when memory is gone altogether. */
static void set_int(json_t *o, const char *key, long long v)
{
	json_object_set_new(o, key, json_integer(v));
}

static json_t *request_json(const struct scoreboard *sb, const struct sb_request *r, int64_t now_ns)
{
	json_t *o = json_object();
	char when[TIMEFMT_RFC3339_MAX];
	int running = r->state != SB_IDLE;
	json_object_set_new(o, "state", json_string(sb_state_name(r->state)));
	json_object_set_new(o, "method", json_string(r->method));
	json_object_set_new(o, "route", json_string(sb_route_name(sb, r->route)));
	json_object_set_new(o, "request_id", json_string(r->request_id));
	timefmt_format_rfc3339((crm_time_t)r->started_unix_ms * 1000, when);
	json_object_set_new(o, "started", json_string(when));
	json_object_set_new(o, "duration_ms",
	                    json_real(running ? (double)(now_ns - r->started_ns) / 1e6
	                                      : (double)r->duration_us / 1e3));
	json_object_set_new(o, "db_ms", json_real((double)r->db_us / 1e3));
	if (running && r->state == SB_DB)
		json_object_set_new(o, "statement", json_string(r->statement));
	else if (r->slowest[0] != '\0')
		json_object_set_new(o, "slowest_statement", json_string(r->slowest));
	if (!running) {
		set_int(o, "status", r->status);
		set_int(o, "bytes", r->bytes);
	}
	return o;
}

/* Slot i's worker: pid, state, requests, and each thread's current or last request. */
static json_t *worker_json(const struct scoreboard *sb, size_t i, int64_t now_ns)
{
	const struct sb_worker *w = &sb->worker[i];
	json_t *o = json_object(), *threads = json_array();
	char when[TIMEFMT_RFC3339_MAX];
	set_int(o, "pid", atomic_load(&w->pid));
	set_int(o, "generation", w->generation);
	json_object_set_new(o, "state", json_string(sb_state_name(sb_worker_state(sb, i))));
	timefmt_format_rfc3339((crm_time_t)w->started_unix * 1000000, when);
	json_object_set_new(o, "started", json_string(when));
	set_int(o, "requests", (long long)atomic_load(&w->requests));
	set_int(o, "busy_threads", atomic_load(&w->busy));
	json_object_set_new(o, "retiring", json_boolean(atomic_load(&w->retiring)));
	for (int j = 0; j < w->nthreads && j < SB_THREADS_MAX; j++) {
		struct sb_request r;
		if (sb_read_request(sb, i, (size_t)j, &r) != 0 || r.started_ns == 0)
			json_array_append_new(threads,
			                      json_null()); /* none yet, or being written */
		else
			json_array_append_new(threads, request_json(sb, &r, now_ns));
	}
	/* with one thread (the default) its request is the worker's */
	if (json_array_size(threads) == 1)
		json_object_set(o, "request", json_array_get(threads, 0));
	json_object_set_new(o, "threads", threads);
	return o;
}

static json_t *guard_json(const struct guard *g)
{
	json_t *o = json_object();
	if (g == NULL)
		return o;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	json_object_set_new(o, "backing_off", json_boolean(g->backoff > 0));
	set_int(o, "backoff_seconds", g->backoff);
	json_object_set_new(
	        o, "next_fork_in_seconds",
	        json_real(g->backoff > 0 && g->next_spawn > now ? g->next_spawn - now : 0));
	set_int(o, "deaths_in_interval", g->recent);
	set_int(o, "threshold", g->threshold);
	set_int(o, "interval", g->interval);
	set_int(o, "loops", (long long)g->episodes);
	return o;
}

static void pool_json(const struct status_view *v, json_t *o)
{
	const struct scoreboard *sb = v->sb;
	struct sb_figures f;
	sb_figures(sb, &f);
	char when[TIMEFMT_RFC3339_MAX];
	timefmt_format_rfc3339((crm_time_t)sb->start_unix * 1000000, when);
	json_object_set_new(o, "pool", json_string("crm-fcgi"));
	json_object_set_new(o, "process_manager", json_string("static"));
	json_object_set_new(o, "start_time", json_string(when));
	set_int(o, "start_since", (long long)time(NULL) - sb->start_unix);
	set_int(o, "generation", v->generation);
	set_int(o, "accepted_conn", (long long)atomic_load(&sb->accepted));
	set_int(o, "requests", (long long)sb_requests(sb));
	long long q = atomic_load(&sb->listen_queue);
	json_object_set_new(o, "listen_queue", q >= 0 ? json_integer(q) : json_null());
	set_int(o, "max_listen_queue", atomic_load(&sb->listen_queue_max));
	set_int(o, "listen_queue_len", atomic_load(&sb->listen_queue_len));
	set_int(o, "idle_workers", f.idle);
	set_int(o, "active_workers", f.active);
	set_int(o, "total_workers", f.total);
	set_int(o, "max_workers", sb->workers_max);
	set_int(o, "threads_per_worker", sb->threads);
	set_int(o, "in_flight", f.in_flight);
	set_int(o, "max_active", atomic_load(&sb->max_active));
	set_int(o, "max_children_reached", (long long)atomic_load(&sb->all_busy));
	set_int(o, "slow_requests", (long long)atomic_load(&sb->slow));
	set_int(o, "worker_restarts", (long long)atomic_load(&sb->restarts));
	set_int(o, "request_timeouts", (long long)atomic_load(&sb->request_timeouts));
	set_int(o, "retired_after_max_requests", (long long)atomic_load(&sb->retired_max));
	set_int(o, "queue_timeouts", (long long)atomic_load(&sb->queue_timeouts));
	json_object_set_new(o, "crash_loop", guard_json(v->guard));
}

void status_render_json(const struct status_view *v, int full, struct strbuf *out)
{
	json_t *o = json_object();
	pool_json(v, o);
	if (full) {
		json_t *list = json_array();
		int64_t now = sb_now_ns();
		int hi = atomic_load(&v->sb->hi);
		for (int i = 0; i < hi; i++)
			if (atomic_load(&v->sb->worker[i].pid) != 0)
				json_array_append_new(list, worker_json(v->sb, (size_t)i, now));
		json_object_set_new(o, "workers", list);
	}
	char *text = json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (text == NULL) {
		strbuf_append_str(out, "{\"error\":\"out of memory\"}");
		return;
	}
	strbuf_append_str(out, text);
	strbuf_append_char(out, '\n');
	free(text);
}
