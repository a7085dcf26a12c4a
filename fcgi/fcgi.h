/* fcgi: the request boundary — process pool, request decoding, response writing. */
#ifndef CRM_FCGI_H
#define CRM_FCGI_H

#include <stddef.h>

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

/* ---- the request a handler sees -------------------------------------- */

struct request {
	const char *method;        /* REQUEST_METHOD */
	const char *raw_uri;       /* REQUEST_URI as nginx received it */
	const char *request_id;    /* REQUEST_ID from nginx, or "-" */
	const char *content_type;  /* CONTENT_TYPE or NULL */
	const char *authorization; /* HTTP_AUTHORIZATION or NULL */
	int authorization_count;   /* how many Authorization headers came */
	const char *body;          /* NUL-terminated, body_len bytes, or NULL */
	size_t body_len;
	int body_too_large; /* more than max_body bytes were sent */
	struct uri uri;
	enum fcgi_err uri_err; /* FCGI_OK when uri is usable */
	int uri_prefix_ok;
	/* filled in by the dispatcher, for the log line (64 characters of up to 4 bytes) */
	const char *route;
	char tenant[257];
	char user[257];
};

/* ---- the response (response.c) ---------------------------------------- */

struct response {
	int status;
	struct strbuf headers; /* extra "Name: value\r\n" lines */
	struct strbuf body;    /* JSON text */
};

void resp_init(struct response *r);
void resp_reset(struct response *r);
void resp_free(struct response *r);
/* Adds a header line; name and value must be trusted text (no CR/LF). */
void resp_header(struct response *r, const char *name, const char *value);
/*
 * Replaces the body with the API's error shape {"title","status","detail",
 * "time"} for status; detail is client-facing text (encoded here).
 */
void resp_error(struct response *r, int status, const char *detail);
void resp_errorf(struct response *r, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* The reason phrase of an HTTP status ("Not Found"). */
const char *http_reason(int status);

/* ---- logging (log.c) ---------------------------------------------------- */

/* One line to stderr, written with a single write(2): "time pid level msg". */
void log_msg(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Every value in a log line that a client chose (request id, method, tenant,
 * user) goes through here, so that no value can end its field or its line or
 * pose as another field: bytes outside printable ASCII, the space, '\\', '"'
 * and '=' become \xHH; NULL or "" is "-".  Writes at most cap bytes (cap >= 8)
 * to dst, a value cut short ending in "..."; returns dst.
 */
const char *log_escape(char *dst, size_t cap, const char *src);
/* The request's line, every client-chosen value escaped. */
void log_request(const struct request *req, int status, double ms);
/* A warning that the answer to req could not be written (err: errno or libfcgi's). */
void log_write_failure(const struct request *req, int err, double ms);

/* ---- the pool (pool.c, worker.c) -------------------------------------- */

/*
 * Runs the master: opens the socket named by cfg->listen, forks the
 * workers and supervises them until SIGTERM/SIGINT.  cfg_path is re-read
 * on SIGHUP.  Returns the process exit status.
 */
int pool_run(struct config *cfg, const char *cfg_path);

/* Opens (and chmods) the listening socket; -1 with a logged reason. */
int pool_listen(const struct config *cfg);

/* Runs one worker process on listen_fd until told to stop; never returns. */
void worker_main(const struct config *cfg, int listen_fd) __attribute__((noreturn));

#endif
