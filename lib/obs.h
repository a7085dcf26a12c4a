/* obs: what the lower layers report to the pool's scoreboard — database waits and errors, retries, refused tokens. */
#ifndef CRM_OBS_H
#define CRM_OBS_H

/*
 * The model and handlers may not know the pool (fcgi/): they report here,
 * and whatever the calling thread attached (the worker's scoreboard slot,
 * fcgi/scoreboard.c) counts it.  A thread that attached nothing (crmctl,
 * the unit tests) reports into nothing.  Every call is cheap: a
 * thread-local load and, when attached, an indirect call that does a few
 * atomic adds in shared memory.
 */

/* Database errors by kind: the label values of crm_db_errors_total{kind}. */
enum obs_db_error {
	OBS_DB_CONNECT,   /* no connection could be made (refused, unknown host, denied) */
	OBS_DB_LOST,      /* the server went away during a statement */
	OBS_DB_TIMEOUT,   /* max_statement_time or the client's I/O timeout */
	OBS_DB_DEADLOCK,  /* 1213, also a Galera certification conflict */
	OBS_DB_LOCK_WAIT, /* 1205 */
	OBS_DB_DUPLICATE, /* a unique key refused the row */
	OBS_DB_OTHER,
	OBS_DB__MAX
};
const char *obs_db_error_name(enum obs_db_error kind);

/* Why a request's token or permission was refused: crm_auth_failures_total{reason}. */
enum obs_auth {
	OBS_AUTH_MISSING,   /* no Authorization header */
	OBS_AUTH_MALFORMED, /* not "Bearer <JWT>", two headers, an unreadable token */
	OBS_AUTH_ALGORITHM, /* another alg, or a typ we refuse */
	OBS_AUTH_SIGNATURE, /* the signature does not verify */
	OBS_AUTH_EXPIRED,   /* exp passed, or lies too far ahead; nbf or iat ahead */
	OBS_AUTH_CLAIMS,    /* a claim missing or of the wrong kind, iss, aud, sub, tenantId */
	OBS_AUTH_SCOPE,     /* a valid token without the permission (403) */
	OBS_AUTH__MAX
};
const char *obs_auth_name(enum obs_auth reason);

/* What a thread attaches; every member may be NULL. */
struct obs_sink {
	/* the thread now waits on the database for statement (SQL text, static) */
	void (*db_begin)(void *arg, const char *statement);
	void (*db_end)(void *arg);
	void (*db_error)(void *arg, enum obs_db_error kind);
	void (*db_retry)(void *arg);
	void (*auth_failure)(void *arg, enum obs_auth reason);
	/* the request was routed: name is the route's (static) */
	void (*route)(void *arg, const char *name);
};

/* The calling thread's reports go to sink(arg) from now on; NULL stops them.
 * sink and arg must live until the thread attaches another or ends. */
void obs_attach(const struct obs_sink *sink, void *arg);

/* The reports.  statement must be a string that lives for ever (the statement
 * table's SQL): only a pointer to it is passed on. */
void obs_db_begin(const char *statement);
void obs_db_end(void);
void obs_db_error(enum obs_db_error kind);
/* The same for a MariaDB error number (mysqld_error.h, errmsg.h); 0: lost. */
void obs_db_errno(unsigned err);
void obs_db_retry(void);
void obs_auth_failure(enum obs_auth reason);
void obs_route(const char *name);

#endif
