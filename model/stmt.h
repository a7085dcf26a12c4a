/* stmt: every SQL statement of the service, as an enum and a parallel table (model-internal). */
#ifndef CRM_STMT_H
#define CRM_STMT_H

#include <stddef.h>

#include <jansson.h>
#include <mysql.h>

#include "model/model.h"

enum stmt {
	STMT_CUSTOMER_GET_ENRICHED,
	STMT_CUSTOMER_REFRESH_ENRICHED,
	STMT_CUSTOMER_LIST_BY_OWNER,
	STMT_CUSTOMER_LIST_BY_STATUS,
	STMT_CUSTOMER_LIST_OVERDUE,
	STMT_CUSTOMER_LOCK,
	STMT_CUSTOMER_UPDATE,
	STMT_USER_GET_ACTIVE,
	STMT_USER_UPSERT,
	STMT_CUSTOMER_UPSERT,
	STMT_OPPORTUNITY_UPSERT,
	STMT_ACTIVITY_UPSERT,
	STMT__MAX
};

struct stmt_def {
	const char *sql;
	unsigned nparams;
	unsigned ncols;
};

extern const struct stmt_def stmt_table[STMT__MAX];

/* A parameter: a string (bytes, len), an integer, or SQL NULL. */
enum db_param_type { DBP_NULL, DBP_STR, DBP_INT };
struct db_param {
	enum db_param_type type;
	const char *str;
	unsigned long len;
	long long num;
};

static inline struct db_param dbp_str(const char *s, size_t len)
{
	struct db_param p = {DBP_STR, s, (unsigned long)len, 0};
	return p;
}
struct db_param dbp_cstr(const char *s); /* NULL becomes DBP_NULL */
static inline struct db_param dbp_int(long long n)
{
	struct db_param p = {DBP_INT, NULL, 0, n};
	return p;
}
static inline struct db_param dbp_null(void)
{
	struct db_param p = {DBP_NULL, NULL, 0, 0};
	return p;
}

/* A fetched row: every column as bytes (integers in decimal), NULL-aware. */
struct db_row {
	unsigned ncols;
	const char *const *val; /* NUL-terminated */
	const unsigned long *len;
	const char *is_null;
};

/* Called once per row; a non-DB_OK return stops the fetch and is returned. */
typedef enum db_rc (*db_row_fn)(void *arg, const struct db_row *row);

/*
 * Executes statement id with params (stmt_table[id].nparams of them) and
 * feeds each row to fn (may be NULL for statements without rows).
 * *affected (may be NULL) receives the affected-row count.  Reconnects
 * and retries once when the connection was lost outside a transaction.
 */
enum db_rc db_run(struct db *db, enum stmt id, const struct db_param *params, db_row_fn fn,
                  void *arg, unsigned long long *affected);

/* How stored JSON is written: compact, reals with 15 significant digits. */
#define DOC_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/*
 * The columns that find and order a customer, read from its document
 * (customer_keys.c): sort name (first 255 characters of name, "" for none),
 * owner, status, and the due instant while a next action is set.  The
 * params borrow strings from doc.
 */
struct customer_keys {
	struct db_param sort_name, owner, status, overdue;
};
void customer_keys(const json_t *doc, struct customer_keys *k);

/* How often a transaction that hit a deadlock or lock wait is retried. */
int db_retries(const struct db *db);

/* The largest stored customer document a change may write (bytes). */
size_t db_max_doc_bytes(const struct db *db);

/* Records a model-level failure for db_last_error(). */
void db_note_error(struct db *db, const char *what);

/*
 * The enriched customer's opportunities (newest created first) and its 10
 * most recent activities, as the JSON fragment stored in
 * customers.enriched_extra; the WHERE clause is appended by its users.
 */
#define ENRICHED_REFRESH_SQL                                                                       \
	"UPDATE customers c SET c.enriched_extra = CONCAT(',\"opportunities\":[',"                 \
	" COALESCE((SELECT GROUP_CONCAT(o.doc ORDER BY o.created_key DESC, o.id DESC"              \
	" SEPARATOR ',') FROM opportunities o"                                                     \
	" WHERE o.tenant_id = c.tenant_id AND o.customer_id = c.id), ''),"                         \
	" '],\"recentActivities\":[',"                                                             \
	" COALESCE((SELECT GROUP_CONCAT(a.doc ORDER BY a.recent_key DESC, a.id DESC"               \
	" SEPARATOR ',' LIMIT 10) FROM activities a"                                               \
	" WHERE a.tenant_id = c.tenant_id AND a.customer_id = c.id), ''), ']')"

/* The raw connection, connected; for migrate.c, which runs DDL text. */
MYSQL *db_conn(struct db *db);

#endif
