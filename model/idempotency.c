/* idempotency: an Idempotency-Key claimed, kept and replayed inside the transaction of its change. */
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/etag.h"
#include "lib/timefmt.h"
#include "model/model.h"
#include "model/stmt.h"

/* The committed row of a key, as STMT_KEY_GET read it. */
struct kept_row {
	struct keyed *k;
	struct strbuf *answer;
	int found;
	int same_request;
	long long expires_at;
};

static void copy_column(char *dst, size_t cap, const struct db_row *row, int col)
{
	size_t n = row->is_null[col] ? 0 : row->len[col];
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, row->val[col], n);
	dst[n] = '\0';
}

static enum db_rc kept_row(void *arg, const struct db_row *row)
{
	struct kept_row *r = arg;
	r->found = 1;
	r->expires_at = strtoll(row->val[COL_KEY_EXPIRES_AT], NULL, 10);
	r->same_request = row->len[COL_KEY_REQUEST_HASH] == KEYED_HASH_SIZE - 1 &&
	                  memcmp(row->val[COL_KEY_REQUEST_HASH], r->k->request_hash,
	                         KEYED_HASH_SIZE - 1) == 0;
	r->k->kept_status = atoi(row->val[COL_KEY_STATUS]);
	copy_column(r->k->kept_etag, sizeof(r->k->kept_etag), row, COL_KEY_ETAG);
	copy_column(r->k->kept_location, sizeof(r->k->kept_location), row, COL_KEY_LOCATION);
	strbuf_reset(r->answer);
	if (!row->is_null[COL_KEY_BODY])
		strbuf_append(r->answer, row->val[COL_KEY_BODY], row->len[COL_KEY_BODY]);
	return r->answer->failed ? DB_ERROR : DB_OK;
}

/* The key is taken: by a committed answer (replay, reuse or expired), else in flight. */
static enum db_rc taken(struct db *db, struct keyed *k, struct strbuf *answer, long long now)
{
	struct kept_row r = {k, answer, 0, 0, 0};
	struct db_param who[3] = {dbp_cstr(k->tenant), dbp_cstr(k->sub), dbp_cstr(k->key)};
	enum db_rc rc = db_run(db, STMT_KEY_GET, who, kept_row, &r, NULL);
	if (rc != DB_OK)
		return rc;
	if (!r.found)
		return DB_RETRY; /* removed between our INSERT and SELECT: start over */
	if (r.expires_at <= now) {
		strbuf_reset(answer);
		struct db_param p[6] = {
		        dbp_cstr(k->request_hash),
		        dbp_int(now),
		        dbp_int(now + k->ttl_us),
		        who[0],
		        who[1],
		        who[2],
		};
		return db_run(db, STMT_KEY_TAKE_OVER, p, NULL, NULL, NULL);
	}
	if (!r.same_request)
		return DB_KEY_REUSED;
	return r.k->kept_status >= 200 && r.k->kept_status < 300 ? DB_REPLAY : DB_KEY_BUSY;
}

/* Claims the key inside the open transaction. */
static enum db_rc claim(struct db *db, struct keyed *k, struct strbuf *answer)
{
	long long now = timefmt_now();
	struct db_param p[6] = {
	        dbp_cstr(k->tenant),       dbp_cstr(k->sub), dbp_cstr(k->key),
	        dbp_cstr(k->request_hash), dbp_int(now),     dbp_int(now + k->ttl_us),
	};
	enum db_rc rc = db_run(db, STMT_KEY_CLAIM, p, NULL, NULL, NULL);
	/* the first request's uncommitted row held its lock all along: still running */
	if (rc == DB_RETRY && db_last_error_code(db) == ER_LOCK_WAIT_TIMEOUT)
		return DB_KEY_BUSY;
	if (rc == DB_CONFLICT) /* the primary key: a committed row of this key */
		return taken(db, k, answer, now);
	return rc;
}

/* Keeps the answer in the claimed row. */
static enum db_rc keep(struct db *db, const struct keyed *k, const struct strbuf *answer)
{
	char tag[ETAG_SIZE] = "";
	if (k->keep_body && etag_of(answer->data, answer->len, tag) != 0)
		return DB_ERROR;
	struct db_param p[7] = {
	        dbp_int(k->status),
	        k->keep_body ? dbp_cstr(tag) : dbp_null(),
	        dbp_cstr(k->location),
	        k->keep_body ? dbp_str(answer->data, answer->len) : dbp_null(),
	        dbp_cstr(k->tenant),
	        dbp_cstr(k->sub),
	        dbp_cstr(k->key),
	};
	return db_run(db, STMT_KEY_KEEP, p, NULL, NULL, NULL);
}

/* Per connection: each accepting thread has its own. */
#define PURGE_EVERY_US 1000000LL
static _Thread_local long long last_purge;

/* Removes expired keys, a few at a time, at most once a second per
 * connection; its failures change nothing.  It runs after the COMMIT and
 * before the answer (a fault test holds a lock on an expired key to stop a
 * worker exactly there). */
static void purge(struct db *db)
{
	long long now = timefmt_now();
	if (now - last_purge < PURGE_EVERY_US)
		return;
	last_purge = now;
	struct db_param p[1] = {dbp_int(now)};
	(void)db_run(db, STMT_KEY_PURGE, p, NULL, NULL, NULL);
}

enum db_rc db_keyed_peek(struct db *db, struct keyed *k, struct strbuf *answer)
{
	struct kept_row r = {k, answer, 0, 0, 0};
	struct db_param who[3] = {dbp_cstr(k->tenant), dbp_cstr(k->sub), dbp_cstr(k->key)};
	enum db_rc rc = db_run(db, STMT_KEY_PEEK, who, kept_row, &r, NULL);
	if (rc != DB_OK || !r.found || r.expires_at <= timefmt_now() || r.k->kept_status == 0) {
		strbuf_reset(answer);
		return rc;
	}
	return r.same_request ? DB_REPLAY : DB_KEY_REUSED;
}

enum db_rc db_keyed_begin(struct db *db, struct keyed *k, struct strbuf *answer)
{
	enum db_rc rc = db_begin(db);
	if (rc == DB_OK && k != NULL)
		rc = claim(db, k, answer);
	return rc;
}

enum db_rc db_keyed_commit(struct db *db, const struct keyed *k, const struct strbuf *answer)
{
	enum db_rc rc = k != NULL ? keep(db, k, answer) : DB_OK;
	if (rc != DB_OK) {
		db_rollback(db);
		return rc;
	}
	rc = db_commit(db);
	if (rc == DB_OK && k != NULL)
		purge(db);
	return rc;
}
