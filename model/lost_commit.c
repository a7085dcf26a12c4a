/* lost_commit: a change whose commit (COMMIT, or an UPDATE in autocommit) got no answer, settled by its effect. */
#include <stdio.h>

#include "model/model.h"
#include "model/stmt.h"

struct probe {
	const struct lost_commit *lc;
	int found;
	int effect; /* lost_commit_effect_fn's answer */
};

static enum db_rc probe_row(void *arg, const struct db_row *row)
{
	struct probe *p = arg;
	p->found = 1;
	p->effect = p->lc->effect != NULL ? p->lc->effect(row, p->lc->arg) : 1;
	return p->effect < 0 ? DB_ERROR : DB_OK;
}

/*
 * Reads the customer's row as committed (outside a transaction: the attempt's
 * connection is gone).  1: the change's effect is in it; 0: it is not, or
 * there is no row; -1: it cannot be told (db_last_error says why).
 */
static int took_effect(struct db *db, const struct lost_commit *lc)
{
	struct probe p = {lc, 0, 0};
	struct db_param key[2] = {dbp_cstr(lc->tenant), dbp_cstr(lc->id)};
	enum db_rc rc = db_run(db, STMT_CUSTOMER_GET_ANY, key, probe_row, &p, NULL);
	if (rc == DB_ERROR && p.effect < 0)
		db_note_error(db,
		              "the customer's stored document could not be read for its events");
	if (rc != DB_OK)
		return -1;
	return p.found && p.effect == 1;
}

/* The answer of a change that took effect: the customer as it is now, or none (a 204). */
static enum db_rc answer_now(struct db *db, const struct lost_commit *lc)
{
	if (lc->answer == NULL)
		return DB_OK;
	strbuf_reset(lc->answer);
	enum db_rc rc = db_customer_get_enriched(db, lc->tenant, lc->id, lc->answer);
	if (rc != DB_OK)
		strbuf_reset(lc->answer);
	return rc;
}

enum db_rc db_lost_commit_settle(struct db *db, struct lost_commit *lc, enum db_rc rc)
{
	int lost = rc == DB_UNAVAILABLE && db_commit_unknown(db);
	int late = lc->settled && rc != DB_OK && rc == lc->late;
	if (lc->keyed != NULL || (!lost && !late))
		return rc;
	char why[256], server[300];
	snprintf(why, sizeof(why), "%s", db_last_error(db));
	int took = took_effect(db, lc);
	db_server(db, server, sizeof(server));
	if (late) {
		/* the row was read before its server had finished that COMMIT; this
		 * attempt waited for its locks and found the change already there */
		if (took != 1)
			return rc;
		db_log("warn",
		       "database: %s %s (tenant %s): its commit, found without effect, took effect"
		       " after all (read again on %s): answered as committed",
		       lc->what, lc->id, lc->tenant, server);
		return answer_now(db, lc);
	}
	if (took == 1) {
		db_log("warn",
		       "database: the commit of %s %s (tenant %s) got no answer (%s); settled by"
		       " its effect, read on %s: it took effect, answered as committed",
		       lc->what, lc->id, lc->tenant, why, server);
		return answer_now(db, lc);
	}
	if (took == 0) {
		db_commit_settled(db);
		lc->settled = 1;
		db_log("warn",
		       "database: the commit of %s %s (tenant %s) got no answer (%s); settled by"
		       " its effect, read on %s: it did not take effect, so it may run again",
		       lc->what, lc->id, lc->tenant, why, server);
		return rc;
	}
	db_log("warn",
	       "database: the commit of %s %s (tenant %s) got no answer (%s); its effect could"
	       " not be read (%s): the outcome stays unknown",
	       lc->what, lc->id, lc->tenant, why, db_last_error(db));
	return rc;
}
