/* customer_create: a new customer — checked as an import is, filled by the server, stored with its CREATE event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/timefmt.h"
#include "lib/uuid7.h"
#include "model/customer_ids.h"
#include "model/model.h"
#include "model/shape.h"
#include "model/stmt.h"

/* The server's members of a new customer: times, authors, the CREATE event, nested ids. */
static int fill(json_t *item, const char *actor, crm_time_t now)
{
	char when[TIMEFMT_RFC3339_MAX], event_id[UUID7_STR_SIZE];
	timefmt_format_rfc3339(now, when);
	if (uuid7_generate(event_id) != 0)
		return -1;
	json_t *events =
	        json_pack("[{s:s,s:s,s:s,s:s,s:s}]", "authorId", actor, "date", when, "description",
	                  "Customer created", "id", event_id, "type", "CREATE");
	int rc = events == NULL || json_object_set_new(item, "events", events) != 0 ||
	         json_object_set_new(item, "created", json_string(when)) != 0 ||
	         json_object_set_new(item, "updated", json_string(when)) != 0 ||
	         json_object_set_new(item, "createdBy", json_string(actor)) != 0 ||
	         json_object_set_new(item, "updatedBy", json_string(actor)) != 0 ||
	         customer_give_ids(item) != 0;
	return rc ? -1 : 0;
}

static enum db_rc attempt(struct db *db, const char *tenant, const json_t *item,
                          struct keyed *keyed, struct strbuf *answer, char *err, size_t errlen)
{
	const char *id = json_string_value(json_object_get(item, "id"));
	const char *owner = json_string_value(json_object_get(item, "ownerId"));
	char *doc = NULL, *extra = NULL;
	if (customer_split(item, &doc, &extra) != 0)
		return DB_ERROR;
	enum db_rc rc = db_keyed_begin(db, keyed, answer);
	if (rc == DB_OK && owner != NULL) {
		int found = 0;
		struct db_param p[2] = {dbp_cstr(tenant), dbp_cstr(owner)};
		rc = db_run(db, STMT_USER_GET_ACTIVE, p, db_row_found, &found, NULL);
		if (rc == DB_OK && !found) {
			snprintf(err, errlen,
			         "ownerId: '%.64s' is not an active user of this tenant", owner);
			rc = DB_INVALID;
		}
	}
	if (rc == DB_OK) {
		struct customer_keys k;
		customer_keys(item, &k);
		struct db_param p[8] = {
		        dbp_cstr(tenant), dbp_cstr(id), k.sort_name,   k.owner,
		        k.status,         k.overdue,    dbp_cstr(doc), dbp_cstr(extra),
		};
		rc = db_run(db, STMT_CUSTOMER_INSERT, p, NULL, NULL, NULL);
	}
	free(doc);
	free(extra);
	if (rc == DB_OK) {
		strbuf_reset(answer);
		rc = db_customer_get_enriched(db, tenant, id, answer);
	}
	if (rc == DB_OK)
		return db_keyed_commit(db, keyed, answer);
	db_rollback(db);
	return rc;
}

enum db_rc db_customer_create(struct db *db, const char *tenant, const char *actor,
                              const json_t *in, const char *id, struct keyed *keyed,
                              struct strbuf *answer, char *err, size_t errlen)
{
	err[0] = '\0';
	json_t *item = shape_customer_create(in, tenant, id, err, errlen);
	if (item == NULL)
		return strstr(err, "out of memory") != NULL ? DB_ERROR : DB_INVALID;
	enum db_rc rc = DB_RETRY;
	if (fill(item, actor, timefmt_now() / 1000 * 1000) != 0)
		rc = DB_ERROR;
	char *text = rc == DB_RETRY ? json_text(item) : NULL;
	size_t len = text ? strlen(text) : 0, max = db_max_doc_bytes(db);
	free(text);
	if (rc == DB_RETRY && len > max) {
		snprintf(err, errlen,
		         "This customer's stored document would be %zu bytes, more than the limit "
		         "of %zu (max_customer_bytes); nothing was created.",
		         len, max);
		rc = DB_CONFLICT;
	}
	/* The id is new (this request made it): a row of that id is this create,
	 * taken effect, should its COMMIT get no answer. */
	struct lost_commit lc = {.tenant = tenant,
	                         .id = id,
	                         .what = "the creation of customer",
	                         .keyed = keyed,
	                         .answer = answer,
	                         .late = DB_CONFLICT};
	/* Deadlocks, lock waits, certification conflicts and a lost server are
	 * normal in a cluster under contention: start over a few times. */
	for (int i = 0, again = rc == DB_RETRY; again; i++) {
		rc = attempt(db, tenant, item, keyed, answer, err, errlen);
		rc = db_lost_commit_settle(db, &lc, rc);
		again = db_retry_keyed(db, rc, i, keyed);
	}
	json_decref(item);
	return rc;
}
