/* customer_delete: a customer becomes a tombstone — gone from every read, list and change. */
#include <stdlib.h>
#include <string.h>

#include "lib/timefmt.h"
#include "model/model.h"
#include "model/stmt.h"

/*
 * The tombstones one DELETE's attempts write: by whom, and when, the time
 * taken once the row is locked, so that it follows every change committed
 * before it (an event is never after its customer's tombstone).  An attempt
 * whose COMMIT got no answer is known by its actor and a time between the
 * first and the last this request wrote.
 */
struct tombstone {
	long long first, last; /* 0: none written yet */
	const char *by;
};

/*
 * One attempt: lock the live row (a change holding it finishes first, and a
 * DELETE that waited for another finds no live row: 404), check If-Match
 * against the customer as it is, then mark the row deleted.
 */
static enum db_rc attempt(struct db *db, const char *tenant, const char *id, struct tombstone *ts,
                          const struct precondition *pre, struct keyed *keyed,
                          struct strbuf *scratch, struct customer_change_out *out)
{
	int found = 0;
	unsigned long long affected = 0;
	struct db_param key[2] = {dbp_cstr(tenant), dbp_cstr(id)};
	enum db_rc rc = db_keyed_begin(db, keyed, scratch);
	if (rc == DB_OK && (pre == NULL || pre->if_match == NULL)) {
		rc = db_run(db, STMT_CUSTOMER_LOCK, key, db_row_found, &found, NULL);
		if (rc == DB_OK && !found)
			rc = DB_NOT_FOUND;
	} else if (rc == DB_OK) {
		/* If-Match against the customer as the lock reads it, in the same statement */
		strbuf_reset(scratch);
		rc = db_customer_enriched_by(db, STMT_CUSTOMER_LOCK, tenant, id, scratch);
		if (rc == DB_OK)
			rc = db_precondition_check(db, pre, scratch, out);
	}
	if (rc == DB_OK) {
		ts->last = timefmt_now() / 1000 * 1000;
		if (ts->first == 0)
			ts->first = ts->last;
		struct db_param p[4] = {dbp_int(ts->last), dbp_cstr(ts->by), dbp_cstr(tenant),
		                        dbp_cstr(id)};
		rc = db_run(db, STMT_CUSTOMER_DELETE, p, NULL, NULL, &affected);
		if (rc == DB_OK && affected != 1) {
			db_note_error(db, "the locked customer row was not marked deleted");
			rc = DB_ERROR;
		}
	}
	if (rc == DB_OK) {
		strbuf_reset(scratch); /* the answer is a 204 */
		return db_keyed_commit(db, keyed, scratch);
	}
	db_rollback(db);
	return rc;
}

/* Is the row a tombstone this DELETE wrote (its actor, one of its times)?  A
 * live row, or one another DELETE made, is not. */
static int is_our_tombstone(const struct db_row *row, const void *arg)
{
	const struct tombstone *ts = arg;
	if (ts->by == NULL || ts->first == 0 || row->is_null[COL_ANY_DELETED_AT] ||
	    row->is_null[COL_ANY_DELETED_BY])
		return 0;
	char *end = NULL;
	long long at = strtoll(row->val[COL_ANY_DELETED_AT], &end, 10);
	return end != row->val[COL_ANY_DELETED_AT] && *end == '\0' && at >= ts->first &&
	       at <= ts->last && strcmp(row->val[COL_ANY_DELETED_BY], ts->by) == 0;
}

enum db_rc db_customer_delete(struct db *db, const char *tenant, const char *id, const char *actor,
                              const struct precondition *pre, struct keyed *keyed,
                              struct strbuf *scratch, struct customer_change_out *out)
{
	struct tombstone ts = {0, 0, actor};
	struct lost_commit lc = {.tenant = tenant,
	                         .id = id,
	                         .what = "the deletion of customer",
	                         .effect = is_our_tombstone,
	                         .arg = &ts,
	                         .keyed = keyed,
	                         .late = DB_NOT_FOUND};
	enum db_rc rc = DB_RETRY;
	/* Deadlocks, lock waits, certification conflicts and a lost server are
	 * normal in a cluster under contention: start over a few times. */
	for (int i = 0;; i++) {
		memset(out, 0, sizeof(*out));
		rc = attempt(db, tenant, id, &ts, pre, keyed, scratch, out);
		rc = db_lost_commit_settle(db, &lc, rc);
		if (!db_retry_keyed(db, rc, i, keyed))
			break;
	}
	return rc;
}
