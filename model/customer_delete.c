/* customer_delete: a customer becomes a tombstone — gone from every read, list and change. */
#include "lib/timefmt.h"
#include "model/model.h"
#include "model/stmt.h"

enum db_rc db_customer_delete(struct db *db, const char *tenant, const char *id, const char *actor)
{
	enum db_rc rc = DB_RETRY;
	unsigned long long affected = 0;
	/* The UPDATE locks the row: a change holding it finishes first, a second
	 * DELETE then finds the tombstone and changes nothing (404). */
	for (int i = 0; i <= db_retries(db) && rc == DB_RETRY; i++) {
		struct db_param p[4] = {dbp_int(timefmt_now() / 1000 * 1000), dbp_cstr(actor),
		                        dbp_cstr(tenant), dbp_cstr(id)};
		affected = 0;
		rc = db_run(db, STMT_CUSTOMER_DELETE, p, NULL, NULL, &affected);
	}
	if (rc == DB_OK && affected == 0)
		return DB_NOT_FOUND;
	return rc;
}
