/* fcgi: the request boundary — process pool, request decoding, response writing. */
#ifndef CRM_FCGI_H
#define CRM_FCGI_H

#include <stddef.h>
#include <sys/uio.h>

#include "conf/config.h"
#include "lib/strbuf.h"

/* ---- errors of the request layer ---------------------------------------- */

enum fcgi_err {
	FCGI_OK = 0,
	FCGI_ERR_BAD_ESCAPE, /* '%' not followed by two hex digits */
	FCGI_ERR_TOO_MANY,   /* more segments or parameters than we accept */
	FCGI_ERR_TOO_LONG,   /* a component longer than we accept */
	FCGI_ERR_DUPLICATE,  /* a query parameter given twice */
	FCGI_ERR_EMPTY,      /* a query parameter without name or value */
	FCGI_ERR_NOMEM,
	FCGI_ERR__MAX
};
const char *fcgi_strerror(enum fcgi_err err);

/* ---- the decoded URI: pure, fuzzable (uri.c) --------------------------- */

#define URI_MAX_SEGMENTS 16
#define URI_MAX_PARAMS   16
#define URI_MAX_LEN      8192

struct uri_segment {
	const char *str; /* percent-decoded, NUL-terminated; may hold NUL bytes */
	size_t len;
};

struct uri_param {
	const char *name;  /* decoded, NUL-terminated */
	const char *value; /* decoded ('+' is space), NUL-terminated */
	size_t value_len;
};

struct uri {
	struct uri_segment seg[URI_MAX_SEGMENTS];
	size_t nseg;
	struct uri_param param[URI_MAX_PARAMS];
	size_t nparam;
	char *storage; /* owns every decoded string above */
};

/*
 * Splits a raw request URI (path and optional "?query", len bytes) below
 * `prefix` (e.g. "/api/v1"): the path is split on '/' first and each
 * segment percent-decoded after, so an encoded '/' stays inside its
 * segment.  *prefix_ok is set to 0 when the path does not start with
 * prefix + "/" (the caller answers 404).  Query parameters are decoded and
 * checked for duplicates and empty names or values.  Returns FCGI_OK or an
 * error; on any return uri_free() releases what was taken.
 */
enum fcgi_err uri_parse(const char *raw, size_t len, const char *prefix, struct uri *out,
                        int *prefix_ok);
void uri_free(struct uri *u);

/* ---- the request the app sees ---------------------------------------- */

struct request {
	const char *method;          /* REQUEST_METHOD */
	const char *raw_uri;         /* REQUEST_URI as nginx received it */
	const char *request_id;      /* REQUEST_ID from nginx, or "-" */
	const char *content_type;    /* CONTENT_TYPE or NULL */
	const char *authorization;   /* HTTP_AUTHORIZATION or NULL */
	int authorization_count;     /* how many Authorization headers came */
	const char *if_match;        /* HTTP_IF_MATCH or NULL (nginx lets one line through) */
	const char *if_none_match;   /* HTTP_IF_NONE_MATCH or NULL (likewise) */
	const char *idempotency_key; /* HTTP_IDEMPOTENCY_KEY or NULL */
	const char *accept_encoding; /* HTTP_ACCEPT_ENCODING or NULL */
	const char *accept;          /* HTTP_ACCEPT or NULL */
	int idempotency_key_count;   /* how many Idempotency-Key lines came */
	const char *body;            /* NUL-terminated, body_len bytes, or NULL */
	size_t body_len;
	int body_too_large; /* more than max_body bytes were sent */
	struct uri uri;
	enum fcgi_err uri_err; /* FCGI_OK when uri is usable */
	int uri_prefix_ok;
	/*
	 * Set (and logged) when this layer could not get the memory to read the
	 * request, its URI or its body: the app answers 500 and looks no
	 * further, for uri and body are not what the client sent.
	 */
	int out_of_memory;
};

/* ---- the response (response.c) ---------------------------------------- */

/* A 204 or 304 is written with no body, Content-Type or Content-Length
 * (whatever body holds); every other status with its JSON body. */
struct response {
	int status;
	struct strbuf headers; /* extra "Name: value\r\n" lines */
	struct strbuf body;    /* JSON text */
	/*
	 * Errors as RFC 9457 problem details: set by the worker for each request
	 * whose Accept asks for application/problem+json (resp_reset keeps it).
	 * resp_error then writes that shape, and an answer of 400 or more goes as
	 * application/problem+json (resp_content_type).  instance is the request's
	 * id (nginx's), the problem's "instance"; it lives as long as the request.
	 */
	int problem;
	const char *instance;
};

void resp_init(struct response *r);
void resp_reset(struct response *r);
void resp_free(struct response *r);
/* Adds a header line; name and value must be trusted text (no CR/LF). */
void resp_header(struct response *r, const char *name, const char *value);
/*
 * Replaces the body with the API's error shape {"title","status","detail",
 * "time"} for status; detail is client-facing text (encoded here).  With
 * r->problem set: {"type","title","status","detail","instance","time"},
 * type the URI of the status's kind of problem (resp_problem_type).
 */
void resp_error(struct response *r, int status, const char *detail);
/*
 * A 400 about the request's body: resp_error's answer, and with r->problem
 * set also of type invalid-body with "errors": [{"pointer": pointer,
 * "detail": reason}], pointer an RFC 6901 JSON Pointer into the body ("":
 * the whole body) and reason what is wrong there (detail says it all).
 */
void resp_body_error(struct response *r, const char *detail, const char *pointer,
                     const char *reason);
/* The "type" of a problem of status (body: a 400 about the body), one of the
 * URIs docs/openapi.yaml documents under "Problem types"; never NULL. */
const char *resp_problem_type(int status, int body);
/* The Content-Type the answer goes with: application/problem+json for an
 * error when r->problem is set, else application/json. */
const char *resp_content_type(const struct response *r);
void resp_errorf(struct response *r, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* The reason phrase of an HTTP status ("Not Found"). */
const char *http_reason(int status);

/* ---- the answer as FastCGI records (records.c) --------------------------- */

/*
 * libfcgi writes a stream through an 8 KB buffer: one record and one
 * write(2) per 8 KB.  The answer goes instead as records of up to 64 KB
 * (the protocol's limit), several to a writev(2) call, straight from the
 * buffers that hold it.  The pure part (headers, framing) is exported for
 * the unit tests.
 */
#define RECORDS_HEADER_LEN  8
#define RECORDS_MAX_CONTENT 65535 /* a record's content length is 16 bits */
#define RECORDS_TYPE_STDOUT 6

/* Pure: the header of a record of type for request_id with content_len bytes
 * (at most RECORDS_MAX_CONTENT) of content and no padding. */
void records_header(unsigned char out[RECORDS_HEADER_LEN], int type, unsigned request_id,
                    size_t content_len);

/* How far records_frame has got: the first i pieces of src and off bytes of
 * the next are framed.  Start with {src, nsrc, 0, 0}. */
struct records_cursor {
	const struct iovec *src;
	size_t nsrc;
	size_t i;
	size_t off;
};

/*
 * Pure: frames the bytes after c as STDOUT records of request_id into iov
 * (niov entries): a header, taken from hdr (nhdr of them), then pointers
 * into the pieces, at most RECORDS_MAX_CONTENT bytes a record and never an
 * empty record (that would end the stream); empty pieces are skipped.
 * Stops when the pieces, headers or iov entries run out and advances c.
 * Returns the iov entries used; 0 when nothing is left (or niov < 2).
 */
size_t records_frame(struct records_cursor *c, unsigned request_id,
                     unsigned char (*hdr)[RECORDS_HEADER_LEN], size_t nhdr, struct iovec *iov,
                     size_t niov);

/*
 * Pure: after writev(2) wrote `written` bytes of iov[0..n), trims the entry
 * it stopped in and returns the index of the first with bytes left (n when
 * all were written).
 */
size_t records_consumed(struct iovec *iov, size_t n, size_t written);

/*
 * Writes the nsrc pieces to fd (the request's connection) as STDOUT records
 * of request_id, several records to a writev(2), going on after partial
 * writes and EINTR; the socket's SO_SNDTIMEO bounds each call.  The caller
 * flushes what libfcgi holds for the stream first, and leaves the end of the
 * stream and END_REQUEST to FCGX_Finish_r.  Returns 0, or the errno of the
 * call that failed (EAGAIN: the timeout); what was written stays written.
 */
int records_write(int fd, unsigned request_id, const struct iovec *src, size_t nsrc);

/* ---- logging (log.c) ---------------------------------------------------- */

/* This process's pid, without a system call each time (also right after fork). */
int log_pid(void);
/* One line to stderr, written with a single write(2): "time pid level msg". */
void log_msg(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Every value in a log line that a client chose (request id, method, and
 * whatever the app reports in its log_fields) goes through here, so that no
 * value can end its field or its line or pose as another field: bytes
 * outside printable ASCII, the space, '\\', '"' and '=' become \xHH; NULL or
 * "" is "-".  Writes at most cap bytes (cap >= 8) to dst, a value cut short
 * ending in "..."; returns dst.
 */
const char *log_escape(char *dst, size_t cap, const char *src);

#define LOG_FIELDS_MAX 4

/*
 * What the app adds to a request's log line (struct pool_app's log_fields),
 * as raw text: this layer escapes every key and value with log_escape.  The
 * strings are the app's and need only live until its next call.
 */
struct log_fields {
	size_t n; /* fields used, at most LOG_FIELDS_MAX */
	struct {
		const char *key;   /* "tenant" */
		const char *value; /* as the client gave it; NULL or "" is logged as "-" */
	} field[LOG_FIELDS_MAX];
	const char *route; /* the name of what was asked for, or NULL ("-") */
};

/* What the pool adds to a request's line (README, "The access log"). */
struct log_extra {
	int pid;         /* the worker that answered */
	long long bytes; /* body bytes sent to nginx (0 for HEAD, 204, 304, a failed write) */
	double db_ms;    /* time spent waiting on the database (0 without the scoreboard) */
};

/*
 * Pure: the request's line without the prefix log_msg adds, NUL-terminated
 * in dst (cap bytes, cut short to fit):
 *   id=ID KEY=VALUE... METHOD ROUTE status=STATUS ms=MS [pid=PID bytes=N db_ms=MS]
 * every value escaped by log_escape; the bracketed part when x is not NULL.
 * Returns dst.
 */
const char *log_request_line(char *dst, size_t cap, const struct request *req,
                             const struct log_fields *f, int status, double ms,
                             const struct log_extra *x);
/* Logs that line (level "request"). */
void log_request(const struct request *req, const struct log_fields *f, int status, double ms,
                 const struct log_extra *x);
/* A warning that the answer to req could not be written (err: errno or libfcgi's). */
void log_write_failure(const struct request *req, const struct log_fields *f, int err, double ms);

/* ---- the application the pool serves ------------------------------------ */

/*
 * All this layer knows of what it serves: four callbacks, handed to
 * pool_run by the program that wires the layers together (service/main.c).
 * The layers only point down: the app may use anything declared here; this
 * layer includes nothing of the app's.
 *
 * Each accepting thread of each worker calls open once, before its first
 * request, and close once, after its last; in between, for every request,
 * handle and then log_fields, with the thread's own state.  A state is thus
 * only ever used by one thread at a time and needs no lock.
 */
struct pool_app {
	/*
	 * The state of one thread (connections, caches, buffers), owned by the
	 * app until close.  NULL when it cannot be had (out of memory): the
	 * thread logs that and ends; its worker serves on with the others.
	 */
	void *(*open)(const struct config *cfg);
	/*
	 * Answers req into resp (status, headers, body; resp arrives reset,
	 * status 500).  Never fails: every problem is an error response; with
	 * req->out_of_memory set the answer is 500.  req and its strings are
	 * this layer's and live until the answer is written.
	 */
	void (*handle)(void *state, struct request *req, struct response *resp);
	/* The fields of the request handle answered last, for its log line. */
	void (*log_fields)(void *state, struct log_fields *out);
	/* Releases what open returned; NULL is allowed. */
	void (*close)(void *state);
	/*
	 * The names log_fields may give as route (static strings), at most max
	 * of them into names; returns how many.  The pool counts requests by
	 * them (GET /metrics).  NULL: every request counts as route "other".
	 */
	size_t (*route_names)(const char **names, size_t max);
};

/* ---- the pool (pool.c, worker.c) -------------------------------------- */

/*
 * Runs the master: opens the socket named by cfg->listen, forks the
 * workers, which serve app, and supervises them until SIGTERM/SIGINT.
 * cfg_path is re-read on SIGHUP.  app must live until pool_run returns.
 * Returns the process exit status.
 */
int pool_run(struct config *cfg, const char *cfg_path, const struct pool_app *app);

/* Opens (and chmods) the listening socket; -1 with a logged reason. */
int pool_listen(const struct config *cfg);

/* ---- a socket handed over by the parent (activation.c) ------------------- */

#define ACTIVATION_NONE  (-1) /* no socket was passed: open cfg->listen */
#define ACTIVATION_ERROR (-2) /* one was passed and cannot be served (logged) */

/*
 * The listening socket the parent passed: systemd's LISTEN_FDS (the first
 * of them; LISTEN_FDS and LISTEN_PID are unset afterwards), else fd 0 when
 * it is a listening stream socket (spawn-fcgi, libfcgi's convention).
 * Made non-blocking.  Returns the fd, ACTIVATION_NONE or ACTIVATION_ERROR.
 * Such a socket belongs to the parent: it is never unlinked, and is served
 * across SIGHUP whatever `listen` says.
 */
int activation_listen_fd(void);

/* ---- the workers' counters, shared with the master (scoreboard.h) -------- */

/* What the STATUS line says.  slow < 0: not counted (no scoreboard). */
struct pool_figures {
	int workers; /* living worker processes */
	int busy;    /* of them, those inside a request */
	unsigned long long requests;
	long long slow;
};

/* The scoreboard (fcgi/scoreboard.h): in memory the workers share with the master. */
struct scoreboard;

/*
 * Pure: the milliseconds from request_start (nginx's $msec, "1733372400.123",
 * passed as REQUEST_START) to now on the wall clock.  0 and *ms, or -1 when
 * it is absent or not such a number.
 */
int queue_wait_ms(const char *request_start, double *ms);

/* ---- the service manager (notify.c) -------------------------------------- */

/* Pure: the STATUS text, "workers 4 busy 1 idle 3, 1,234 requests, 0 slow"
 * (", N slow" only when f->slow >= 0), NUL-terminated in dst; returns dst. */
const char *pool_status_format(char *dst, size_t cap, const struct pool_figures *f);
/* sd_notify(3) messages of the master; nothing when NOTIFY_SOCKET is unset. */
void notify_ready(const struct pool_figures *f);
void notify_reloading(void);
void notify_stopping(void);
/* STATUS= when it differs from the last one sent. */
void notify_status(const struct pool_figures *f);

/* Runs one worker process serving app on listen_fd until told to stop; never
 * returns.  It counts its requests in slot of sb (NULL: not counted).  Its
 * exit status is 1 when none of its threads could start. */
void worker_main(const struct config *cfg, int listen_fd, const struct pool_app *app,
                 struct scoreboard *sb, size_t slot) __attribute__((noreturn));

#endif
