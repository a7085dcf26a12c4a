/* metrics: GET /metrics — the scoreboard in the Prometheus text format 0.0.4. */
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "conf/config.h"
#include "fcgi/scoreboard.h"
#include "lib/strbuf.h"

/* "# HELP" and "# TYPE" of a family; every family is written whole, once. */
static void family(struct strbuf *out, const char *name, const char *type, const char *help)
{
	strbuf_appendf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(struct strbuf *out, const char *name, const char *type, const char *help,
                unsigned long long value)
{
	family(out, name, type, help);
	strbuf_appendf(out, "%s %llu\n", name, value);
}

/* Label values are ours (route names, enum names), never a client's: no escaping needed. */
static void requests_total(const struct scoreboard *sb, struct strbuf *out)
{
	family(out, "crm_http_requests_total", "counter",
	       "Requests answered, by route, method and status.");
	for (size_t k = 0; k < SB_SERIES_MAX; k++) {
		unsigned key = atomic_load(&sb->series[k].key);
		if (key == 0)
			continue;
		int route = (int)(key >> 16) - 1;
		strbuf_appendf(out,
		               "crm_http_requests_total{route=\"%s\",method=\"%s\",status=\"%u\"} "
		               "%llu\n",
		               sb_route_name(sb, route), sb_method_name((key >> 12) & 15u),
		               key & 0xfffu, atomic_load(&sb->series[k].count));
	}
}

static void histogram(const struct scoreboard *sb, struct strbuf *out)
{
	family(out, "crm_http_request_duration_seconds", "histogram",
	       "Time from accepting a request to its answer written, by route.");
	for (int r = 0; r < sb->nroutes; r++) {
		unsigned long long b[SB_BUCKETS + 1], count = 0;
		for (int k = 0; k <= SB_BUCKETS; k++)
			count += b[k] = atomic_load(&sb->hist[r].bucket[k]);
		if (count == 0 && r < 2)
			continue; /* "none" and "other" only once they happened */
		const char *name = sb_route_name(sb, r);
		unsigned long long cum = 0;
		for (int k = 0; k < SB_BUCKETS; k++) {
			cum += b[k];
			strbuf_appendf(
			        out,
			        "crm_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} "
			        "%llu\n",
			        name, sb_bucket_bounds[k], cum);
		}
		/* the count is the sum of the buckets read above: _count and +Inf agree */
		strbuf_appendf(out,
		               "crm_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} "
		               "%llu\n"
		               "crm_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
		               "crm_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
		               name, count, name, (double)atomic_load(&sb->hist[r].sum_us) / 1e6,
		               name, count);
	}
}

static void workers(const struct scoreboard *sb, const struct config *cfg, struct strbuf *out)
{
	struct sb_figures f;
	sb_figures(sb, &f);
	family(out, "crm_http_requests_in_flight", "gauge",
	       "Requests being handled now (accepting threads busy).");
	strbuf_appendf(out, "crm_http_requests_in_flight %d\n", f.in_flight);
	family(out, "crm_http_requests_in_flight_max", "gauge",
	       "The most requests handled at once since the start.");
	strbuf_appendf(out, "crm_http_requests_in_flight_max %d\n", atomic_load(&sb->max_active));
	family(out, "crm_workers", "gauge", "Living worker processes by state.");
	for (int s = 0; s < SB_STATE__MAX; s++)
		strbuf_appendf(out, "crm_workers{state=\"%s\"} %d\n", sb_state_name(s),
		               f.by_state[s]);
	family(out, "crm_workers_max", "gauge",
	       "Worker processes configured (workers), beside crm_workers.");
	strbuf_appendf(out, "crm_workers_max %d\n", sb->workers_max);
	family(out, "crm_worker_threads", "gauge", "Accepting threads per worker (threads).");
	strbuf_appendf(out, "crm_worker_threads %d\n", cfg != NULL ? cfg->threads : sb->threads);
	family(out, "crm_worker_requests_total", "counter",
	       "Requests answered by each living worker, by its pid.");
	int hi = atomic_load(&sb->hi);
	for (int i = 0; i < hi; i++) {
		int pid = atomic_load(&sb->worker[i].pid);
		if (pid != 0)
			strbuf_appendf(out, "crm_worker_requests_total{pid=\"%d\"} %llu\n", pid,
			               atomic_load(&sb->worker[i].requests));
	}
}

static void errors(const struct scoreboard *sb, struct strbuf *out)
{
	family(out, "crm_db_errors_total", "counter", "Database errors by kind.");
	for (int k = 0; k < OBS_DB__MAX; k++)
		strbuf_appendf(out, "crm_db_errors_total{kind=\"%s\"} %llu\n", obs_db_error_name(k),
		               atomic_load(&sb->db_errors[k]));
	one(out, "crm_db_retries_total", "counter",
	    "Transactions run again after a deadlock, lock wait or lost server.",
	    atomic_load(&sb->db_retries));
	family(out, "crm_auth_failures_total", "counter",
	       "Requests refused for their token (401) or its permission (403), by reason.");
	for (int k = 0; k < OBS_AUTH__MAX; k++)
		strbuf_appendf(out, "crm_auth_failures_total{reason=\"%s\"} %llu\n",
		               obs_auth_name(k), atomic_load(&sb->auth_failures[k]));
}

static void pool(const struct status_view *v, struct strbuf *out)
{
	const struct scoreboard *sb = v->sb;
	one(out, "crm_pool_start_time_seconds", "gauge", "When the master started (Unix time).",
	    (unsigned long long)sb->start_unix);
	one(out, "crm_accepted_connections_total", "counter",
	    "Connections accepted from nginx (php-fpm's accepted conn).",
	    atomic_load(&sb->accepted));
	long long q = atomic_load(&sb->listen_queue);
	if (q >= 0) {
		one(out, "crm_listen_queue", "gauge",
		    "Connections waiting in the socket's backlog for a worker.",
		    (unsigned long long)q);
		one(out, "crm_listen_queue_max", "gauge", "The longest listen queue seen.",
		    (unsigned long long)atomic_load(&sb->listen_queue_max));
		one(out, "crm_listen_queue_length", "gauge", "The socket's backlog size.",
		    (unsigned long long)atomic_load(&sb->listen_queue_len));
	}
	one(out, "crm_all_workers_busy_total", "counter",
	    "Requests that found every accepting thread busy (php-fpm's max children reached).",
	    atomic_load(&sb->all_busy));
	one(out, "crm_slow_requests_total", "counter", "Requests slower than slow_request_ms.",
	    atomic_load(&sb->slow));
	one(out, "crm_worker_restarts_total", "counter",
	    "Workers replaced: crashed, stuck past request_timeout, or retired after "
	    "max_requests.",
	    atomic_load(&sb->restarts));
	one(out, "crm_request_timeouts_total", "counter",
	    "Workers killed by the watchdog, a request running past request_timeout.",
	    atomic_load(&sb->request_timeouts));
	one(out, "crm_queue_timeouts_total", "counter",
	    "Requests answered 503 at once after waiting longer than queue_timeout.",
	    atomic_load(&sb->queue_timeouts));
	one(out, "crm_http_series_dropped_total", "counter",
	    "Requests left out of crm_http_requests_total: its table of series was full.",
	    atomic_load(&sb->series_overflow));
	one(out, "crm_crash_loop_backoff_seconds", "gauge",
	    "The crash-loop guard's pause before forking a worker; 0 when not in a loop.",
	    (unsigned long long)(v->guard != NULL ? v->guard->backoff : 0));
	one(out, "crm_crash_loops_total", "counter", "Crash loops the guard detected.",
	    v->guard != NULL ? v->guard->episodes : 0);
}

void metrics_render(const struct status_view *v, struct strbuf *out)
{
	const struct scoreboard *sb = v->sb;
	requests_total(sb, out);
	histogram(sb, out);
	workers(sb, v->cfg, out);
	errors(sb, out);
	pool(v, out);
}
