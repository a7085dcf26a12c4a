/* worker: one process, N accepting threads, each with its own app state; drains on SIGTERM. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "fcgi/fcgi.h"
#include "fcgi/scoreboard.h"
#include "lib/accept.h"

#define MAX_THREADS  64
#define IDLE_POLL_MS 200 /* how soon an idle thread notices it should stop */

static atomic_int stopping;
static atomic_ullong served; /* requests this worker answered (max_requests) */

struct thread {
	pthread_t tid;
	const struct config *cfg;
	const struct pool_app *app;
	int listen_fd;
	struct scoreboard *sb; /* shared with the master; NULL: nothing is counted */
	size_t slot;           /* the worker's place in it */
	size_t index;          /* the thread's among the worker's */
	struct sb_thread *sbt; /* the thread's own entry (set by the thread) */
	atomic_int done;
};

static long parse_length(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	char *end = NULL;
	errno = 0;
	long n = strtol(s, &end, 10);
	return (errno != 0 || *end != '\0' || n < 0) ? -1 : n;
}

/*
 * Out of memory is never fatal and never the client's fault: the request is
 * marked, and the app answers it with 500 (README, "Memory").
 */
static void out_of_memory(struct request *req, const char *what)
{
	char id[128];
	req->out_of_memory = 1;
	log_msg("error", "id=%s out of memory %s; answered with 500",
	        log_escape(id, sizeof(id), req->request_id), what);
}

/* Reads up to max_body bytes; more than that sets body_too_large. */
static void read_body(FCGX_Request *fr, const struct config *cfg, struct strbuf *buf,
                      struct request *req)
{
	long declared = parse_length(FCGX_GetParam("CONTENT_LENGTH", fr->envp));
	if (declared < 0 || (size_t)declared > cfg->max_body) {
		req->body_too_large = 1;
		return;
	}
	strbuf_reset(buf);
	if (strbuf_reserve(buf, cfg->max_body + 1) != 0) {
		out_of_memory(req, "for the request body");
		return;
	}
	int n = FCGX_GetStr(buf->data, (int)cfg->max_body + 1, fr->in);
	if (n < 0)
		n = 0;
	if ((size_t)n > cfg->max_body) {
		req->body_too_large = 1;
		return;
	}
	buf->len = (size_t)n;
	buf->data[n] = '\0';
	req->body = buf->data;
	req->body_len = (size_t)n;
}

static int count_param(char **envp, const char *name)
{
	size_t len = strlen(name);
	int n = 0;
	for (; envp != NULL && *envp != NULL; envp++)
		n += strncmp(*envp, name, len) == 0 && (*envp)[len] == '=';
	return n;
}

static void build_request(FCGX_Request *fr, const struct config *cfg, struct strbuf *body,
                          struct request *req)
{
	memset(req, 0, sizeof(*req));
	char **env = fr->envp;
	req->method = FCGX_GetParam("REQUEST_METHOD", env);
	req->raw_uri = FCGX_GetParam("REQUEST_URI", env);
	req->request_id = FCGX_GetParam("REQUEST_ID", env);
	req->content_type = FCGX_GetParam("CONTENT_TYPE", env);
	req->authorization = FCGX_GetParam("HTTP_AUTHORIZATION", env);
	req->authorization_count = count_param(env, "HTTP_AUTHORIZATION");
	/* one line each: nginx refuses a request with two If-Match or two
	 * If-None-Match lines (400) before it reaches us */
	req->if_match = FCGX_GetParam("HTTP_IF_MATCH", env);
	req->if_none_match = FCGX_GetParam("HTTP_IF_NONE_MATCH", env);
	req->idempotency_key = FCGX_GetParam("HTTP_IDEMPOTENCY_KEY", env);
	req->accept_encoding = FCGX_GetParam("HTTP_ACCEPT_ENCODING", env);
	req->accept = FCGX_GetParam("HTTP_ACCEPT", env);
	req->idempotency_key_count = count_param(env, "HTTP_IDEMPOTENCY_KEY");
	if (req->method == NULL)
		req->method = "";
	if (req->raw_uri == NULL)
		req->raw_uri = "";
	if (req->request_id == NULL)
		req->request_id = "-";
	if (req->content_type != NULL && req->content_type[0] == '\0')
		req->content_type = NULL;
	req->uri_err = uri_parse(req->raw_uri, strlen(req->raw_uri), cfg->base_path, &req->uri,
	                         &req->uri_prefix_ok);
	if (req->uri_err == FCGI_ERR_NOMEM)
		out_of_memory(req, "decoding the request URI");
	read_body(fr, cfg, body, req);
}

/*
 * An answer the app could not build for want of memory is a 500 (logged):
 * a header cut short is dropped, and should even the error body not fit,
 * the 500 goes without one rather than with half of one.
 */
static void answer_out_of_memory(const struct request *req, struct response *resp)
{
	char id[128];
	log_msg("error", "id=%s out of memory building the answer; answered with 500",
	        log_escape(id, sizeof(id), req->request_id));
	if (strbuf_failed(&resp->headers))
		strbuf_reset(&resp->headers);
	resp_error(resp, 500, "The server ran out of memory; try again.");
	if (strbuf_failed(&resp->body))
		strbuf_reset(&resp->body);
}

/* 204 and 304 carry no body (RFC 9110 sections 15.3.5, 15.4.5). */
static int status_has_body(int status)
{
	return status != 204 && status != 304;
}

/*
 * Returns 0, or the error (an errno, or libfcgi's) that kept the answer from
 * nginx (logged by the caller).  Takes no memory: the head is formatted on
 * the stack and the answer goes as records of up to 64 KB, written from the
 * response's buffers (records.c), not through libfcgi's 8 KB stream buffer.
 * Whatever that stream holds is flushed first; FCGX_Finish_r then ends the
 * stream (an empty STDOUT record) and the request (END_REQUEST) as ever.
 * A 204 or 304 goes with neither body nor Content-Type nor Content-Length.
 */
static int send_response(FCGX_Request *fr, const struct request *req, struct response *resp)
{
	if (strbuf_failed(&resp->body) || strbuf_failed(&resp->headers))
		answer_out_of_memory(req, resp);
	int body = status_has_body(resp->status);
	char head[256];
	int n = body ? snprintf(head, sizeof(head),
	                        "Status: %d %s\r\nContent-Type: %s\r\n"
	                        "Content-Length: %zu\r\nCache-Control: no-store\r\n",
	                        resp->status, http_reason(resp->status), resp_content_type(resp),
	                        resp->body.len)
	             : snprintf(head, sizeof(head), "Status: %d %s\r\nCache-Control: no-store\r\n",
	                        resp->status, http_reason(resp->status));
	if (n <= 0 || (size_t)n >= sizeof(head))
		return EOVERFLOW;
	if (FCGX_FFlush(fr->out) != 0)
		return FCGX_GetError(fr->out);
	struct iovec pieces[4] = {
	        {head, (size_t)n},
	        {resp->headers.data, resp->headers.len},
	        {"\r\n", 2},
	        {resp->body.data, 0},
	};
	if (body && strcmp(req->method, "HEAD") != 0)
		pieces[3].iov_len = resp->body.len;
	return records_write(fr->ipcFd, (unsigned)fr->requestId, pieces, 4);
}

/*
 * nginx buffers every answer (memory, then temp files), so a slow client
 * never blocks a worker; should nginx itself stop reading, a write gives up
 * after write_timeout seconds instead of holding the thread for ever.  The
 * accepted socket is blocking: SO_SNDTIMEO bounds each writev(2) of the
 * answer (records_write then gives up) and each write(2) libfcgi makes for
 * the closing records (it then marks the stream failed and writes no more).
 */
static void bound_writes(int fd, const struct config *cfg)
{
	struct timeval tv = {cfg->write_timeout, 0};
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
		log_msg("warn", "cannot set a write timeout on the FastCGI connection: %s",
		        strerror(errno));
}

/*
 * libfcgi closes a connection gracefully: shutdown(2), then it waits for
 * nginx to close its end (up to 2 s) and reads what came meanwhile, so that
 * no unread byte turns the close into a reset that loses answer bytes.  The
 * worker sits idle all that time, however long nginx takes to read a large
 * answer.  When read_body has read the request's input to its end (its
 * last, empty STDIN record: every request but one refused before its body
 * was read), nothing more can come from nginx on this connection, and it is
 * closed at once.
 */
static void close_soon(FCGX_Request *fr, int err)
{
	if (err == 0 && fr->in != NULL && FCGX_HasSeenEOF(fr->in) == EOF &&
	    FCGX_GetError(fr->in) == 0)
		fr->detached = 1; /* FCGX_Finish_r: close(2), no shutdown and wait */
}

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/*
 * queue_timeout: how long the request waited for a worker, from nginx's
 * REQUEST_START ($msec when nginx passed the request on, before it
 * connected) to now, on the wall clock both share on this host.  Too long:
 * the answer is a 503 with Retry-After at once, and the app never sees it.
 */
static int queued_too_long(struct thread *t, FCGX_Request *fr, const struct request *req,
                           struct response *resp)
{
	double waited_ms = 0;
	if (t->cfg->queue_timeout <= 0 ||
	    queue_wait_ms(FCGX_GetParam("REQUEST_START", fr->envp), &waited_ms) != 0 ||
	    waited_ms <= t->cfg->queue_timeout * 1000.0)
		return 0;
	char id[128];
	log_msg("warn", "id=%s waited %.0f ms for a worker (queue_timeout %d s): answered 503",
	        log_escape(id, sizeof(id), req->request_id), waited_ms, t->cfg->queue_timeout);
	sb_note_queue_timeout(t->sb);
	resp_header(resp, "Retry-After", "1");
	resp_error(resp, 503,
	           "The service is too busy to take this request in time; retry shortly.");
	return 1;
}

/* The body bytes nginx got: none for HEAD, 204, 304 or an answer not written. */
static long long body_bytes(const struct request *req, const struct response *resp, int err)
{
	if (err != 0 || !status_has_body(resp->status) || strcmp(req->method, "HEAD") == 0)
		return 0;
	return (long long)resp->body.len;
}

/* slow_request_ms: the request's line names its slowest statement, or the phase. */
static void log_slow(const struct thread *t, const struct request *req, const struct log_fields *f,
                     int status, double ms, double db_ms)
{
	char id[128], route[128];
	const struct sb_request *r = t->sbt != NULL ? &t->sbt->r : NULL;
	if (r != NULL && r->slowest[0] != '\0')
		log_msg("warn",
		        "slow_request id=%s %s status=%d ms=%.1f db_ms=%.1f "
		        "slowest_statement_ms=%.1f "
		        "slowest_statement=\"%s\"",
		        log_escape(id, sizeof(id), req->request_id),
		        log_escape(route, sizeof(route), f->route), status, ms, db_ms,
		        (double)r->slowest_us / 1e3, r->slowest);
	else
		log_msg("warn", "slow_request id=%s %s status=%d ms=%.1f db_ms=%.1f phase=handling",
		        log_escape(id, sizeof(id), req->request_id),
		        log_escape(route, sizeof(route), f->route), status, ms, db_ms);
}

/* The answer is written: its log line, the slow log, the counts, max_requests. */
static void finish_request(struct thread *t, const struct request *req, const struct log_fields *f,
                           const struct response *resp, int err, const struct timespec *t0)
{
	double ms = elapsed_ms(t0), db_ms = (double)sb_request_db_us(t->sbt) / 1e3;
	long long bytes = body_bytes(req, resp, err);
	struct log_extra x = {log_pid(), bytes, db_ms};
	log_request(req, f, resp->status, ms, &x);
	if (t->cfg->slow_request_ms > 0 && ms >= t->cfg->slow_request_ms) {
		log_slow(t, req, f, resp->status, ms, db_ms);
		sb_note_slow(t->sb);
	}
	sb_request_done(t->sb, t->slot, t->sbt, f->route, resp->status, (int64_t)(ms * 1000),
	                bytes);
	unsigned long long n = atomic_fetch_add(&served, 1) + 1;
	if (t->cfg->max_requests > 0 && n == (unsigned long long)t->cfg->max_requests) {
		/* drained as on SIGHUP: no new request, the others finish; the master
		 * forks the successor as soon as it sees the flag */
		log_msg("info", "worker retiring after %llu requests (max_requests)", n);
		sb_worker_retiring(t->sb, t->slot);
		atomic_store(&stopping, 1);
	}
}

static void serve(struct thread *t, void *state)
{
	FCGX_Request fr;
	struct strbuf body = STRBUF_INIT;
	struct response resp;
	resp_init(&resp);
	FCGX_InitRequest(&fr, t->listen_fd, 0);
	while (!atomic_load(&stopping)) {
		/*
		 * The listening socket is non-blocking and shared by every worker:
		 * accept at once (under load a connection is mostly waiting), else
		 * wait until one is there and try again; another worker may win it
		 * (accept fails with EAGAIN and we wait again).  No signal ever interrupts a thread, so a request that was
		 * accepted is always served to the end, also while draining.
		 */
		if (FCGX_Accept_r(&fr) < 0) {
			struct pollfd pfd = {t->listen_fd, POLLIN, 0};
			poll(&pfd, 1, IDLE_POLL_MS);
			continue;
		}
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		sb_request_accepted(t->sb, t->slot, t->sbt);
		bound_writes(fr.ipcFd, t->cfg);
		struct request req;
		build_request(&fr, t->cfg, &body, &req);
		sb_request_handling(t->sbt, req.method, req.request_id);
		resp_reset(&resp);
		/* errors in the shape the client asked for (RFC 9457 with problem+json) */
		resp.problem = accept_problem(req.accept);
		resp.instance = req.request_id;
		struct log_fields fields;
		memset(&fields, 0, sizeof(fields));
		if (!queued_too_long(t, &fr, &req, &resp)) {
			t->app->handle(state, &req, &resp);
			t->app->log_fields(state, &fields);
		}
		/* before Finish: the request's strings live in libfcgi's params */
		int err = send_response(&fr, &req, &resp);
		if (err != 0) {
			log_write_failure(&req, &fields, err, elapsed_ms(&t0));
			/* give the connection up now: libfcgi's closing records would wait
			 * out the timeout once more */
			shutdown(fr.ipcFd, SHUT_RDWR);
		}
		finish_request(t, &req, &fields, &resp, err, &t0);
		close_soon(&fr, err);
		FCGX_Finish_r(&fr);
		uri_free(&req.uri);
		if (body.cap > 4 * t->cfg->max_body + 65536)
			strbuf_free(&body); /* do not keep a rare huge buffer for life */
	}
	FCGX_Free(&fr, 1);
	resp_free(&resp);
	strbuf_free(&body);
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;
	t->sbt = sb_thread_attach(t->sb, t->slot, t->index);
	void *state = t->app->open(t->cfg);
	if (state != NULL) /* else app->open said why */
		serve(t, state);
	t->app->close(state);
	atomic_store(&t->done, 1);
	return NULL;
}

/* Threads take no signals; the main thread waits for SIGTERM/SIGINT with sigwait. */
static void install_handlers(void)
{
	signal(SIGPIPE, SIG_IGN);
	sigset_t block;
	sigfillset(&block);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
}

static int all_done(struct thread *threads, int n)
{
	for (int i = 0; i < n; i++)
		if (!atomic_load(&threads[i].done))
			return 0;
	return 1;
}

/* Tells the threads to stop and waits until each has finished its request. */
static void stop_threads(struct thread *threads, int n, int timeout_s)
{
	atomic_store(&stopping, 1);
	struct timespec t0, tick = {0, 10 * 1000 * 1000};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!all_done(threads, n)) {
		nanosleep(&tick, NULL);
		if (elapsed_ms(&t0) > timeout_s * 1000.0) {
			log_msg("warn", "worker did not drain within %d s", timeout_s);
			_exit(1);
		}
	}
	for (int i = 0; i < n; i++)
		pthread_join(threads[i].tid, NULL);
}

/*
 * Waits for SIGTERM/SIGINT, or until no thread serves any more: each failed
 * to start (app->open: the database refused our credentials), or
 * max_requests was reached.  Returns 1 when the threads ended on their own
 * before anything was served, which the master counts as a crash.
 */
static int wait_for_end(struct thread *threads, int n)
{
	sigset_t wait_set;
	sigemptyset(&wait_set);
	sigaddset(&wait_set, SIGTERM);
	sigaddset(&wait_set, SIGINT);
	struct timespec tick = {0, IDLE_POLL_MS * 1000 * 1000};
	while (getppid() != 1) {
		if (sigtimedwait(&wait_set, NULL, &tick) > 0 || atomic_load(&stopping))
			return 0;
		if (all_done(threads, n)) {
			log_msg("error", "no thread of this worker could start; exiting");
			return 1;
		}
	}
	return 0;
}

void worker_main(const struct config *cfg, int listen_fd, const struct pool_app *app,
                 struct scoreboard *sb, size_t slot)
{
	static struct thread threads[MAX_THREADS];
	int n = cfg->threads > MAX_THREADS ? MAX_THREADS : cfg->threads;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	install_handlers();
	FCGX_Init();
	for (int i = 0; i < n; i++) {
		threads[i].cfg = cfg;
		threads[i].app = app;
		threads[i].listen_fd = listen_fd;
		threads[i].sb = sb;
		threads[i].slot = slot;
		threads[i].index = (size_t)i;
		if (pthread_create(&threads[i].tid, NULL, thread_main, &threads[i]) != 0) {
			log_msg("error", "cannot start worker thread: %s", strerror(errno));
			_exit(1);
		}
	}
	int failed = wait_for_end(threads, n);
	stop_threads(threads, n, cfg->shutdown_timeout);
	exit(failed);
}
