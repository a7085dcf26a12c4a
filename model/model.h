/* model: the only code that talks to MariaDB — connections, statements, row <-> JSON. */
#ifndef CRM_MODEL_H
#define CRM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "conf/config.h"
#include "lib/etag.h"
#include "lib/limits.h"
#include "lib/strbuf.h"

/* What every model call returns; handlers map these to HTTP statuses. */
enum db_rc {
	DB_OK = 0,
	DB_NOT_FOUND,   /* no such row in the caller's tenant */
	DB_CONFLICT,    /* a rule or constraint forbids the change */
	DB_INVALID,     /* the input is bad: the call says why in its message */
	DB_UNAVAILABLE, /* the database cannot be reached or timed out: 503 */
	DB_RETRY,       /* deadlock or lock wait: the transaction may be retried */
	DB_ERROR,       /* anything else: logged, 500 */
	DB_REPLAY,      /* an Idempotency-Key's kept answer is to be sent again (struct keyed) */
	DB_KEY_REUSED,  /* the key was used for another method, path or body: 422 */
	DB_KEY_BUSY,    /* the key's first request is still running: 409 */
	DB__MAX
};
const char *db_strerror(enum db_rc rc);

struct db;

/* Once per process, before threads: 0 or -1. */
int db_library_init(void);
void db_library_end(void);

/*
 * A connection handle for one thread.  admin: connect as db_admin_user
 * (migrations, import).  Connects lazily, reconnects after the server went
 * away.  Returns NULL only when out of memory.  Free with db_close().
 */
struct db *db_open(const struct config *cfg, int admin);
void db_close(struct db *db);
/* Connects now if not connected: DB_OK or DB_UNAVAILABLE (err filled). */
enum db_rc db_connect_now(struct db *db, char *err, size_t errlen);
/* The last error text of the connection, for logs (never for clients). */
const char *db_last_error(const struct db *db);
/* The error number (mysqld_error.h, errmsg.h) of db_last_error, or 0. */
unsigned db_last_error_code(const struct db *db);

enum db_rc db_begin(struct db *db);
enum db_rc db_commit(struct db *db);
void db_rollback(struct db *db);

/*
 * Where the model's own log lines go (which server a worker uses, a server
 * lost): the service sets its logger once, before workers start; without
 * one (crmctl) nothing is logged.
 */
typedef void (*db_log_fn)(const char *level, const char *text);
void db_set_log(db_log_fn fn);
/* The server the connection uses ("host:port" or its socket path; "" while
 * disconnected) into out, for logs and metrics. */
void db_server(const struct db *db, char *out, size_t cap);

/*
 * After one attempt at a transaction ended with rc (rolled back, or its
 * COMMIT failed): 1 when it is to run again, as a whole, after a pause of
 * 5..10 ms, doubling with each attempt (0-based) up to 320 ms, random
 * within each step so that two conflicting writers do not meet again; 0
 * after db_retries attempts or for any other rc.  Run again are: DB_RETRY
 * (a deadlock, a lock wait, a Galera certification conflict, 1213 also at
 * COMMIT), and DB_UNAVAILABLE when the connection was lost (or the node
 * was not ready) during the attempt, on the next server, unless it was
 * lost during COMMIT: then the outcome is unknown (db_commit_unknown).
 */
int db_retry_after(struct db *db, enum db_rc rc, int attempt);
/* 1 when the last COMMIT got no answer: it may or may not have taken effect. */
int db_commit_unknown(const struct db *db);
/* The caller found out, by the change's own effect, that that COMMIT did not take
 * effect: db_retry_after may run the transaction again. */
void db_commit_settled(struct db *db);

struct keyed;
/*
 * db_retry_after for a change that may carry an Idempotency-Key: with a
 * key, a COMMIT of unknown outcome is retried too (keyed->after_lost_commit
 * is set): the retry's claim finds the answer kept with the change when it
 * committed, and replays it as this request's answer; when it did not, the
 * change runs afresh.  Without a key it stays unknown (a 503), unless the
 * caller found out by the change's own effect (db_commit_settled).
 */
int db_retry_keyed(struct db *db, enum db_rc rc, int attempt, struct keyed *keyed);

/* ---- migrations (migrate.c) -------------------------------------------- */

/* Applies pending migrations in order; prints each applied one to stdout.
 * Safe to run twice and from two processes at once.  DB_OK or an error with
 * a message in err. */
enum db_rc db_migrate(struct db *db, char *err, size_t errlen);

/* ---- customers: reads (customer_read.c) -------------------------------- */

#define PAGE_NAME_MAX 1024

/* The keyset position after which a page starts. */
struct page_key {
	char name[PAGE_NAME_MAX + 1]; /* sort name (lists by owner/status) */
	int64_t due;                  /* next action due, µs (overdue list) */
	char id[LIMIT_ID_CHARS + 1];
};

struct shm_cache;

enum list_kind { LIST_BY_OWNER, LIST_BY_STATUS, LIST_OVERDUE, LIST__MAX };

struct list_query {
	enum list_kind kind;
	const char *tenant;
	const char *filter;           /* owner id or status; unused for overdue */
	const struct page_key *after; /* NULL: first page */
	int limit;                    /* LIMIT_PAGE_MIN..LIMIT_PAGE_MAX */
	int64_t now;                  /* overdue: due before this instant (µs) */
	size_t max_bytes;             /* the page ends before it would grow past this */
	int gzip;                     /* write the page as a gzip member (lib/gzip.h) */
	const char *if_none_match;    /* the request's field, or NULL: see db_customer_list */
	struct shm_cache *cache;      /* the pool's page cache (lib/shm_cache.h), or NULL */
};

/*
 * Appends a JSON array of customers in the list shape to out: at most
 * q->limit of them, and no more than fit in q->max_bytes (but always the
 * first).  *more is set to 1 when another page follows, and *next then
 * holds its key.  tag gets the page's strong ETag, made of the stored tags
 * of its customers (customers.list_tag): equal exactly when the bytes are.
 * With q->if_none_match naming that tag (weak comparison), the page is
 * known from the tags alone: out gets nothing, *more is 0, and the caller
 * answers 304.  Else the bytes come from q->cache when it has the page's
 * tag, and are read from the documents (and kept there) when it has not.
 */
enum db_rc db_customer_list(struct db *db, const struct list_query *q, struct strbuf *out,
                            int *more, struct page_key *next, char tag[ETAG_SIZE]);

/* Appends the enriched customer to out; DB_NOT_FOUND outside the tenant. */
enum db_rc db_customer_get_enriched(struct db *db, const char *tenant, const char *id,
                                    struct strbuf *out);

/* ---- customers: changes (customer_write.c) ----------------------------- */

struct change;

/*
 * What a change requires of the customer as it is (RFC 9110 If-Match): the
 * field value, checked with lib/etag.h's strong comparison against the tag
 * of the customer's enriched answer, inside the change's transaction after
 * its row lock.  if_match NULL: no precondition.
 */
struct precondition {
	const char *if_match;
	size_t if_match_len;
};

struct customer_change_out {
	int result;              /* enum change_result */
	int user_missing;        /* CHANGE_OWNER_SET: no active user of that id */
	int precondition_failed; /* DB_CONFLICT because If-Match named no current tag */
	char message[320];       /* CHANGE_REFUSED, CHANGE_INVALID: why, for the client */
};

/*
 * A change request's Idempotency-Key (CONTRACT.md, "Idempotent retries"),
 * given to every change below (NULL: no key).  The caller fills the first
 * part; the change claims the key inside its transaction (idempotency.c)
 * and, when it succeeds, keeps its answer in the same transaction, so a
 * crash can never leave a change without its replay or a replay without its
 * change.  An error answer rolls the claim back: a retry runs afresh.
 */
#define KEYED_HASH_SIZE     65   /* hex SHA-256 and its NUL */
#define KEYED_LOCATION_SIZE 1024 /* the most a kept Location holds */
struct keyed {
	const char *tenant, *sub, *key;
	char request_hash[KEYED_HASH_SIZE]; /* of method, path and body: the same request? */
	long long ttl_us;                   /* how long the answer is kept */
	/* the answer a success gets, kept for the key */
	int status;           /* 200, 201 or 204 */
	const char *location; /* or NULL */
	int keep_body;        /* 0: the answer has no body and no ETag (204) */
	/* set by db_retry_keyed: this request's own COMMIT got no answer, so a
	 * DB_REPLAY is its own answer (sent without Idempotent-Replayed) */
	int after_lost_commit;
	/* DB_REPLAY: the kept answer, its body in the call's answer buffer */
	int kept_status;
	char kept_etag[64];                      /* "" when none */
	char kept_location[KEYED_LOCATION_SIZE]; /* "" when none */
};

/*
 * Inside a change's transaction, after its row lock: DB_OK when pre is NULL
 * or holds for enriched, the customer's enriched answer as the lock read it
 * (NULL: its row has no enriched fragment, an error when pre asks); DB_CONFLICT
 * with out->precondition_failed and out->message when it does not.  For every
 * change of one customer (model files of other changes call it too).
 */
enum db_rc db_precondition_check(struct db *db, const struct precondition *pre,
                                 const struct strbuf *enriched, struct customer_change_out *out);

/*
 * Applies ch (see change.h) to customer id of tenant in one transaction,
 * retrying deadlocks and lock waits db_retries times.  DB_OK after a
 * change or a no-op (out->result tells which); DB_NOT_FOUND for an unknown
 * customer or (out->user_missing) owner; DB_CONFLICT when a rule refuses.
 * Sets ch->now to the time of the change.  On DB_OK, answer holds the
 * enriched customer as committed (made inside the same transaction).
 * pre (NULL: none) is checked after the row lock: DB_CONFLICT with
 * out->precondition_failed and nothing changed when it does not hold; an
 * unknown customer is DB_NOT_FOUND whatever pre says.  Without a key, a
 * COMMIT that got no answer is settled by the change's event (its id made
 * once per request) in the stored document: DB_OK with the customer as it
 * is now when it is there, the change run again when it is not,
 * DB_UNAVAILABLE when that cannot be read (lost_commit.c).
 */
enum db_rc db_customer_change(struct db *db, const char *tenant, const char *id, struct change *ch,
                              const struct precondition *pre, struct keyed *keyed,
                              struct strbuf *answer, struct customer_change_out *out);

/* ---- customers: the resource (customer_delete.c) ------------------------ */

/*
 * Deletes customer id of tenant: its row stays as a tombstone (deleted_at
 * = now, deleted_by = actor) that every read, list and change skips.  The
 * live row is locked first (a change holding it finishes before), then pre
 * (NULL: none) is checked as db_precondition_check does, against the
 * customer the lock read into scratch; deadlocks and lock waits are retried
 * db_retries times.  DB_OK; DB_NOT_FOUND for a customer not in the tenant or
 * already deleted, whatever pre says; DB_CONFLICT with
 * out->precondition_failed when pre does not hold (nothing deleted).
 * Without a key, a COMMIT that got no answer is settled by the tombstone
 * (this request's actor, deleted_at between the first and last time its
 * attempts wrote): DB_OK when it is this DELETE's, run again when the row is
 * live or another DELETE's (then DB_NOT_FOUND), DB_UNAVAILABLE when
 * unreadable.
 */
enum db_rc db_customer_delete(struct db *db, const char *tenant, const char *id, const char *actor,
                              const struct precondition *pre, struct keyed *keyed,
                              struct strbuf *scratch, struct customer_change_out *out);

/*
 * Creates a customer in tenant from in, the POST body (model/shape.h,
 * shape_customer_create: the same checks as an import), with the id the
 * caller made (a new UUIDv7: its Location is known before), created = updated = now, createdBy
 * = updatedBy = actor and one CREATE event; nested contacts and addresses
 * without an id get one.  DB_OK with the enriched customer in answer (read
 * before COMMIT); DB_INVALID with the member and reason in err (a bad body,
 * or an ownerId that is no active user of the tenant); DB_CONFLICT with err
 * when it would exceed max_customer_bytes; else the database's error.
 * Without a key, a COMMIT that got no answer is settled by the new id's row:
 * DB_OK with the customer when it is there, run again when it is not.
 */
enum db_rc db_customer_create(struct db *db, const char *tenant, const char *actor,
                              const json_t *in, const char *id, struct keyed *keyed,
                              struct strbuf *answer, char *err, size_t errlen);

/* ---- Idempotency-Key (idempotency.c): called by the changes above ------- */

/*
 * Before a keyed request is checked any further: DB_REPLAY (the kept answer
 * in k and answer) or DB_KEY_REUSED when a live answer is kept for the key,
 * else DB_OK (none, expired, or the first request still runs: the claim in
 * the change's transaction decides then).  A plain read, no lock.
 */
enum db_rc db_keyed_peek(struct db *db, struct keyed *k, struct strbuf *answer);

/*
 * Starts a change's transaction and claims k in it (NULL k: only BEGIN).
 * DB_OK when the key is new to the caller, or its kept answer expired (it
 * is taken over); DB_REPLAY with the kept answer in k and answer when the
 * same request was answered before; DB_KEY_REUSED when another request
 * was; DB_KEY_BUSY when the first request with the key still runs (its
 * uncommitted claim held the lock for db_lock_wait_timeout).  On anything
 * but DB_OK the caller rolls back.
 */
enum db_rc db_keyed_begin(struct db *db, struct keyed *k, struct strbuf *answer);

/*
 * Keeps the answer for k (its status and location, answer's bytes and
 * their ETag; NULL k: nothing) and commits; rolls back when keeping fails.
 * After a keyed COMMIT, before the caller answers, expired keys are
 * removed a few at a time: no cron job is needed.
 */
enum db_rc db_keyed_commit(struct db *db, const struct keyed *k, const struct strbuf *answer);

/* Rebuilds the stored enriched fragment of every customer of tenant that the
 * import batches run since db_import_start touched (its own row, or an
 * opportunity or activity that joined or left it), then forgets them; in
 * the caller's transaction. */
enum db_rc db_refresh_enriched(struct db *db, const char *tenant);

/* ---- import (import.c) ------------------------------------------------- */

/*
 * Upserts one item (already canonical, see shape.h) of the given kind into
 * tenant.  Runs inside the caller's transaction.  DB_INVALID with a message
 * in err when the item cannot be stored as it is (a member the shape lets
 * pass but storing refuses, an unknown kind); else what the upsert gave.
 */
enum db_rc db_import_item(struct db *db, int shape_kind, const json_t *item, int user_active,
                          const char *tenant, char *err, size_t errlen);

/*
 * Bulk import.  An import_batch collects the rows of many canonical items of
 * one tenant (their strings copied, so the items may be freed and the batch
 * built on another thread than the one that runs it); db_import_batch runs
 * them in a few round trips.  The sequence, inside one transaction:
 *
 *   db_import_start; (import_batch_add ...; db_import_batch) ...; db_refresh_enriched
 *
 * import_batch_new: NULL when out of memory; free with import_batch_free
 * (NULL-safe).  import_batch_add: DB_OK, DB_INVALID with a message in err
 * (an item storing refuses), DB_ERROR when out of memory.  db_import_batch:
 * what the statements gave (DB_RETRY for a deadlock or lock wait); the
 * batch is empty afterwards either way.
 */
struct import_batch;
struct import_batch *import_batch_new(const char *tenant);
void import_batch_free(struct import_batch *b);
void import_batch_clear(struct import_batch *b);
enum db_rc import_batch_add(struct import_batch *b, int shape_kind, const json_t *item,
                            int user_active, char *err, size_t errlen);
size_t import_batch_items(const struct import_batch *b);
size_t import_batch_bytes(const struct import_batch *b); /* of the strings held */
enum db_rc db_import_batch(struct db *db, struct import_batch *b);
/* Makes the session's (empty) set of touched customers; in the transaction. */
enum db_rc db_import_start(struct db *db);

/*
 * One import per tenant at a time: the first statement of an import's
 * transaction writes the tenant's row of import_locks, which it then holds
 * until COMMIT or ROLLBACK (so each retry takes it again).  DB_OK when
 * held; DB_CONFLICT when another import held it for wait_seconds (0: not
 * at all); else what the statement gave (on a Galera cluster, an import
 * of the same tenant through another node is a DB_RETRY at COMMIT).
 */
enum db_rc db_import_lock_tenant(struct db *db, const char *tenant, int wait_seconds);

/*
 * Sets up an importing session, before its first transaction: READ
 * COMMITTED, so that the import's reads (the refresh's subqueries, the
 * lookups of the customer an item leaves) lock no gaps.  Under REPEATABLE
 * READ they locked the next key past a tenant's range, which is the first
 * of the next tenant's: two tenants' imports then waited for and deadlocked
 * each other.  What an import reads is its own writes and committed rows;
 * the tenant lock keeps every other import of its tenant out meanwhile.
 */
enum db_rc db_import_session(struct db *db);

/* After DB_RETRY: 1 when it was a lock wait that timed out, 0 for a deadlock. */
int db_last_was_lock_wait(const struct db *db);

#endif
