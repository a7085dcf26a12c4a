/* stmt: every SQL statement of the service, as an enum and a parallel table (model-internal). */
#ifndef CRM_STMT_H
#define CRM_STMT_H

#include <stddef.h>

#include <jansson.h>
#include <mysql.h>

#include "lib/json_text.h"
#include "lib/limits.h"
#include "model/list_sql.h"
#include "model/model.h"

enum stmt {
	STMT_CUSTOMER_GET_ENRICHED,
	STMT_CUSTOMER_REFRESH_ENRICHED,
	STMT_IMPORT_READ_COMMITTED,
	STMT_IMPORT_LOCK_WAIT,
	STMT_IMPORT_TENANT_LOCK,
	STMT_IMPORT_TOUCHED_CREATE,
	STMT_IMPORT_TOUCHED_CLEAR,
	STMT_IMPORT_TOUCH,
	STMT_IMPORT_ITEMS_CREATE,
	STMT_IMPORT_ITEMS_ADD,
	STMT_IMPORT_ITEMS_CLEAR,
	STMT_IMPORT_TOUCH_OPPORTUNITY_OWNERS,
	STMT_IMPORT_TOUCH_ACTIVITY_OWNERS,
	STMT_CUSTOMER_LIST_BY_OWNER,
	STMT_CUSTOMER_LIST_BY_STATUS,
	STMT_CUSTOMER_LIST_OVERDUE,
	STMT_CUSTOMER_LIST_BY_OWNER_TAGS,
	STMT_CUSTOMER_LIST_BY_STATUS_TAGS,
	STMT_CUSTOMER_LIST_OVERDUE_TAGS,
	STMT_CUSTOMER_LOCK,
	STMT_CUSTOMER_READ,
	STMT_CUSTOMER_UPDATE,
	STMT_CUSTOMER_UPDATE_IF_TAG,
	STMT_CUSTOMER_DELETE,
	STMT_CUSTOMER_INSERT,
	STMT_CUSTOMER_GET_ANY,
	STMT_USER_GET_ACTIVE,
	STMT_USER_UPSERT,
	STMT_CUSTOMER_UPSERT,
	STMT_OPPORTUNITY_UPSERT,
	STMT_ACTIVITY_UPSERT,
	STMT_KEY_CLAIM,
	STMT_KEY_GET,
	STMT_KEY_PEEK,
	STMT_KEY_TAKE_OVER,
	STMT_KEY_KEEP,
	STMT_KEY_PURGE,
	STMT_EXPORT_USERS,
	STMT_EXPORT_CUSTOMERS,
	STMT_EXPORT_OPPORTUNITIES,
	STMT_EXPORT_ACTIVITIES,
	STMT__MAX
};

/*
 * A statement: its SQL, how many parameters it takes, and the columns of its
 * rows (NULL and 0 for statements without rows), as written in its SELECT
 * list.  prepare() (db.c) refuses a statement whose parameter count, column
 * count or column names differ from these, so a SELECT list and the enum the
 * code reads its rows by cannot drift apart unnoticed.
 */
struct stmt_def {
	const char *sql;
	unsigned nparams;
	unsigned ncols;
	const char *const *cols; /* "alias.column" or "column" as selected */
};

/* The most columns a statement may select (db.c keeps one buffer each). */
#define DB_MAX_COLS 8

/* ---- the columns of each SELECT, written once ------------------------------
 *
 * <STATEMENT>_COLS(FIRST, NEXT) lists a statement's columns in the order selected,
 * the first as FIRST(col, sql) and the others as NEXT(col, sql).  From one
 * list come the SELECT list (stmt.c), the names prepare() checks
 * (stmt_def.cols) and an enum of column indexes, COL_<col>, by which the
 * code reads row->val[] and row->len[].
 */
#define COLUMN_ENUM(col, sql) COL_##col,

/* STMT_CUSTOMER_GET_ENRICHED: the document, its owner from the users join
 * (all NULL when there is none), and the enriched fragment. */
#define ENRICHED_COLS(FIRST, NEXT)                                                                 \
	FIRST(ENRICHED_DOC, "c.doc")                                                               \
	NEXT(OWNER_DISPLAY_NAME, "u.display_name")                                                 \
	NEXT(OWNER_ID, "u.id")                                                                     \
	NEXT(OWNER_USERNAME, "u.username")                                                         \
	NEXT(ENRICHED_EXTRA, "c.enriched_extra")
enum enriched_col { ENRICHED_COLS(COLUMN_ENUM, COLUMN_ENUM) COL_ENRICHED__MAX };

/* The list statements: the document, the list fragment, the page key
 * (key: sort_name, or overdue_key for the overdue list, then id) and the
 * tag of the customer's list-shape bytes (migration 6), of which the
 * page's ETag is made. */
#define LIST_COLS(FIRST, NEXT, key)                                                                \
	FIRST(LIST_DOC, "doc")                                                                     \
	NEXT(LIST_EXTRA, "list_extra")                                                             \
	NEXT(LIST_KEY, key)                                                                        \
	NEXT(LIST_ID, "id")                                                                        \
	NEXT(LIST_TAG, "list_tag")
enum list_col { LIST_COLS(COLUMN_ENUM, COLUMN_ENUM, ) COL_LIST__MAX };
#define LIST_TAG_BYTES 16 /* BINARY(16) */

/* The tags statements, run first for every page: what its ETag and extent
 * are made of, without the documents (list_bytes: migration 8), read from
 * the list's covering index alone (migration 9). */
#define LIST_TAGS_COLS(FIRST, NEXT, key)                                                           \
	FIRST(TAGS_TAG, "list_tag")                                                                \
	NEXT(TAGS_BYTES, "list_bytes")                                                             \
	NEXT(TAGS_KEY, key)                                                                        \
	NEXT(TAGS_ID, "id")
enum list_tags_col { LIST_TAGS_COLS(COLUMN_ENUM, COLUMN_ENUM, ) COL_TAGS__MAX };

/* STMT_CUSTOMER_LOCK: the document a change edits, the rest of the enriched
 * answer (read as STMT_CUSTOMER_GET_ENRICHED reads it, in its column order, so
 * a row of either is written by customer_write_enriched), the list fragment
 * (preferredLanguage lives there; a merge patch may change it) and the
 * owner_id the owner was read by.  The owner comes from subqueries: a locking
 * read locks the rows of its joins, but not those its subqueries read, and a
 * change must not lock its owner's user row against every other change of
 * that owner's customers.  Its WHERE names deleted_at: a locking read sees
 * the latest committed row, so a change that waited for a DELETE's lock finds
 * no row (404), never a tombstone. */
#define OWNER_OF_C(col)                                                                            \
	"(SELECT u." col " FROM users u WHERE u.tenant_id = c.tenant_id AND u.id = c.owner_id)"    \
	" AS owner_" col
#define LOCK_COLS(FIRST, NEXT)                                                                     \
	FIRST(LOCK_DOC, "c.doc")                                                                   \
	NEXT(LOCK_OWNER_DISPLAY_NAME, OWNER_OF_C("display_name"))                                  \
	NEXT(LOCK_OWNER_ID, OWNER_OF_C("id"))                                                      \
	NEXT(LOCK_OWNER_USERNAME, OWNER_OF_C("username"))                                          \
	NEXT(LOCK_ENRICHED_EXTRA, "c.enriched_extra")                                              \
	NEXT(LOCK_EXTRA, "c.list_extra")                                                           \
	NEXT(LOCK_OWNER_KEY, "c.owner_id")
enum lock_col { LOCK_COLS(COLUMN_ENUM, COLUMN_ENUM) COL_LOCK__MAX };
_Static_assert((int)COL_LOCK_DOC == (int)COL_ENRICHED_DOC &&
                       (int)COL_LOCK_OWNER_DISPLAY_NAME == (int)COL_OWNER_DISPLAY_NAME &&
                       (int)COL_LOCK_OWNER_ID == (int)COL_OWNER_ID &&
                       (int)COL_LOCK_OWNER_USERNAME == (int)COL_OWNER_USERNAME &&
                       (int)COL_LOCK_ENRICHED_EXTRA == (int)COL_ENRICHED_EXTRA,
               "a lock row reads as an enriched row");
/* STMT_CUSTOMER_READ: a row as STMT_CUSTOMER_LOCK's, read as committed without a lock (the
 * owner by a join), and then the row's list_tag, which its change's UPDATE names
 * (customer_write.c, "in two round trips"). */
#define COL_READ_LIST_TAG COL_LOCK__MAX

/* STMT_CUSTOMER_GET_ANY: a customer's row, live or a tombstone, as committed: what
 * a change whose COMMIT got no answer left in it (lost_commit.c). */
#define ANY_COLS(FIRST, NEXT)                                                                      \
	FIRST(ANY_DOC, "doc")                                                                      \
	NEXT(ANY_DELETED_AT, "deleted_at")                                                         \
	NEXT(ANY_DELETED_BY, "deleted_by")
enum any_col { ANY_COLS(COLUMN_ENUM, COLUMN_ENUM) COL_ANY__MAX };

/* STMT_KEY_GET: an Idempotency-Key's committed row, locked; STMT_KEY_PEEK: read. */
#define KEY_COLS(FIRST, NEXT)                                                                      \
	FIRST(KEY_REQUEST_HASH, "request_hash")                                                    \
	NEXT(KEY_STATUS, "status")                                                                 \
	NEXT(KEY_ETAG, "etag")                                                                     \
	NEXT(KEY_LOCATION, "location")                                                             \
	NEXT(KEY_BODY, "body")                                                                     \
	NEXT(KEY_EXPIRES_AT, "expires_at")
enum key_col { KEY_COLS(COLUMN_ENUM, COLUMN_ENUM) COL_KEY__MAX };

/* The export statements (export.c): a keyset page of a tenant's rows, each
 * selecting the row's id first, the page key. */
#define EX_USER_COLS(FIRST, NEXT)                                                                  \
	FIRST(EX_USER_ID, "id")                                                                    \
	NEXT(EX_USER_USERNAME, "username")                                                         \
	NEXT(EX_USER_DISPLAY_NAME, "display_name")                                                 \
	NEXT(EX_USER_ACTIVE, "active")
enum ex_user_col { EX_USER_COLS(COLUMN_ENUM, COLUMN_ENUM) COL_EX_USER__MAX };
#define EX_CUSTOMER_COLS(FIRST, NEXT)                                                              \
	FIRST(EX_CUSTOMER_ID, "id")                                                                \
	NEXT(EX_CUSTOMER_DOC, "doc")                                                               \
	NEXT(EX_CUSTOMER_LIST_EXTRA, "list_extra")
enum ex_customer_col { EX_CUSTOMER_COLS(COLUMN_ENUM, COLUMN_ENUM) COL_EX_CUSTOMER__MAX };
/* opportunities and activities */
#define EX_CHILD_COLS(FIRST, NEXT) FIRST(EX_CHILD_ID, "id") NEXT(EX_CHILD_DOC, "doc")
enum ex_child_col { EX_CHILD_COLS(COLUMN_ENUM, COLUMN_ENUM) COL_EX_CHILD__MAX };

/* STMT_USER_GET_ACTIVE: a row says the user exists and is active. */
#define USER_COLS(FIRST, NEXT) FIRST(USER_ID, "id")
enum user_col { USER_COLS(COLUMN_ENUM, COLUMN_ENUM) COL_USER__MAX };

/* ---- the customer's two shapes, described once -----------------------------
 *
 * Both shapes are the stored document (customers.doc: every member the two
 * share, in the seed's alphabetical order) followed by members of their own,
 * in this order:
 *
 *   list      doc, LIST_MEMBERS      (the ready fragment customers.list_extra)
 *   enriched  doc, "owner"           (OWNER_MEMBERS, from the users join)
 *                , ENRICHED_MEMBERS  (the ready fragment customers.enriched_extra)
 *
 * The import's split of a customer (customer_split), the SQL that builds and
 * initialises enriched_extra, the writers (customer_write_list,
 * customer_write_enriched) and the unit tests all come from these lists.
 * A change here changes what is stored: rows stored before it need a
 * migration that rebuilds them (ENRICHED_REFRESH_SQL) or a new import.
 */

/* LIST_MEMBERS(M): M(member) for each member of the list shape after the document. */
#define LIST_MEMBERS(M) M("preferredLanguage") M("visits")

/* The enriched shape's owner: an object of OWNER_MEMBERS, or null when
 * COL_OWNER_ID is NULL (no user of the customer's ownerId). */
#define ENRICHED_OWNER "owner"
/* OWNER_MEMBERS(M): M(member, column) of the owner, in the order written;
 * a NULL column is written as null. */
#define OWNER_MEMBERS(M)                                                                           \
	M("displayName", COL_OWNER_DISPLAY_NAME)                                                   \
	M("id", COL_OWNER_ID)                                                                      \
	M("username", COL_OWNER_USERNAME)

/*
 * ENRICHED_MEMBERS(M): M(member, sql) for each array after the owner; sql
 * selects its elements (stored JSON documents) joined with ',', for the
 * customer c: all its opportunities, newest created first, and its
 * LIMIT_RECENT_ACTIVITIES most recent activities (scheduledAt, else created).
 */
#define ENRICHED_MEMBERS(M)                                                                        \
	M("opportunities", OPPORTUNITIES_SQL)                                                      \
	M("recentActivities", RECENT_ACTIVITIES_SQL)
/* Both name their index: right after a bulk load InnoDB's statistics are
 * stale, and the optimizer then read a tenant's every opportunity and
 * activity through the PRIMARY key for each customer (issue 11). */
#define OPPORTUNITIES_SQL                                                                          \
	"SELECT GROUP_CONCAT(o.doc ORDER BY o.created_key DESC, o.id DESC SEPARATOR ',')"          \
	" FROM opportunities o FORCE INDEX (opportunities_by_customer)"                            \
	" WHERE o.tenant_id = c.tenant_id AND o.customer_id = c.id"
#define RECENT_ACTIVITIES_SQL                                                                      \
	"SELECT GROUP_CONCAT(a.doc ORDER BY a.recent_key DESC, a.id DESC SEPARATOR ','"            \
	" LIMIT " LIMIT_RECENT_ACTIVITIES_TEXT ") FROM activities a"                               \
	" FORCE INDEX (activities_by_customer)"                                                    \
	" WHERE a.tenant_id = c.tenant_id AND a.customer_id = c.id"

/* One member of enriched_extra, as SQL: ,"member":[ elements ] */
#define ENRICHED_REFRESH_PART(member, sql) ", ',\"" member "\":[', COALESCE((" sql "), ''), ']'"
/* One member of an empty enriched_extra, inside an SQL string: ,"member":[] */
#define ENRICHED_EMPTY_PART(member, sql) ",\"" member "\":[]"

/*
 * Rebuilds customers.enriched_extra, the JSON fragment of ENRICHED_MEMBERS,
 * of every customer (migration 2); ENRICHED_REFRESH_VALUE is the value set.
 */
#define ENRICHED_REFRESH_VALUE "CONCAT(''" ENRICHED_REFRESH_PARTS ")"
#define ENRICHED_REFRESH_SQL   "UPDATE customers c SET c.enriched_extra = " ENRICHED_REFRESH_VALUE
#define ENRICHED_REFRESH_PARTS ENRICHED_MEMBERS(ENRICHED_REFRESH_PART)

/*
 * The customers an import touched, kept in the import's session: its
 * customers, and for each opportunity and activity the customer it belongs
 * to after the upsert and the one it belonged to before (an opportunity that
 * moved leaves a customer whose fragment must lose it).  Only these
 * customers' fragments are rebuilt (STMT_CUSTOMER_REFRESH_ENRICHED), so an
 * import costs what it imports, not what the tenant holds.  A temporary
 * InnoDB table: rolled back with the import's transaction, gone with its
 * connection, no rows in the shared schema.
 */
#define IMPORT_TOUCHED_TABLE "import_touched"
/*
 * The opportunities or activities of one bulk statement, (id, customer_id),
 * for a moment: MariaDB's array binding runs INSERT ... VALUES but not
 * INSERT ... SELECT, so the customers they belong to before and after the
 * upsert are recorded with one INSERT ... SELECT over this table.
 */
#define IMPORT_ITEMS_TABLE "import_items"
/* enriched_extra of a customer without opportunities and activities, as an SQL string. */
#define ENRICHED_EMPTY_SQL "'" ENRICHED_MEMBERS(ENRICHED_EMPTY_PART) "'"

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

/*
 * Executes statement id (one without rows) outside a transaction, where it
 * commits itself: as db_run, but never twice.  A connection lost before its
 * answer leaves its outcome unknown (db_commit_unknown), as a COMMIT's.
 */
enum db_rc db_run_committing(struct db *db, enum stmt id, const struct db_param *params,
                             unsigned long long *affected);

/* A db_row_fn for "is there a row?": sets *(int *)arg to 1. */
enum db_rc db_row_found(void *arg, const struct db_row *row);

/*
 * Executes statement id (one without rows) once for each of nrows rows of
 * parameters, in one round trip (MariaDB's array binding): row r's
 * parameters are rows[r * stride] .. rows[r * stride + nparams - 1], so a
 * statement may take the leading parameters of wider rows.  Each parameter
 * is a string in every row or an integer in every row, or NULL.  *affected
 * (may be NULL) receives the affected-row count of all rows together.  The
 * rows go in one packet: the caller keeps them well below the server's
 * max_allowed_packet.  Never reconnects (bulk work runs in a transaction).
 */
enum db_rc db_run_bulk(struct db *db, enum stmt id, const struct db_param *rows, size_t stride,
                       unsigned nrows, unsigned long long *affected);

/* A line in the service's log (db_set_log), from any model file; nothing without a logger. */
void db_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- a COMMIT that got no answer (lost_commit.c) -------------------------------------- */

/*
 * Is a change's own effect in the customer's row?  row: a row of
 * STMT_CUSTOMER_GET_ANY (enum any_col).  1 when it is, 0 when it is not, -1
 * when the row cannot be judged (a document that is not JSON, no memory).
 */
typedef int (*lost_commit_effect_fn)(const struct db_row *row, const void *arg);

/*
 * One change of one customer across its attempts, filled once per request.
 * Every attempt writes the same effect (the same event id, the same deletion
 * time), so that the effect names this request's change and no other one.
 */
struct lost_commit {
	const char *tenant, *id;      /* the customer changed */
	const char *what;             /* for the log: "the creation of customer" */
	lost_commit_effect_fn effect; /* NULL: the row's existence is the effect (a create) */
	const void *arg;              /* effect's */
	const struct keyed *keyed;    /* not NULL: the key settles it (db_retry_keyed), not this */
	struct strbuf *answer;        /* gets the enriched customer; NULL: the answer is a 204 */
	/* what a later attempt gets when a COMMIT found without effect took effect
	 * after all (its server finished it after the row was read): DB_NOT_FOUND
	 * for a delete, DB_CONFLICT for a create; DB_OK for none */
	enum db_rc late;
	int settled; /* set here: a COMMIT of this change was found without effect */
};

/*
 * After each attempt of the change, with the attempt's rc; returns the rc
 * to go on with.  When the attempt's COMMIT got no answer (DB_UNAVAILABLE
 * with db_commit_unknown; only without an Idempotency-Key), the customer's
 * row is read, outside a transaction, on the server the connection moves to:
 *   - the effect is there: DB_OK with lc->answer holding the customer as it
 *     is now (or that read's error, DB_NOT_FOUND when deleted since): the
 *     caller answers as if the COMMIT had been answered;
 *   - it is not: the outcome is settled (db_commit_settled) and rc returned,
 *     so that db_retry_keyed runs the change again, as a whole;
 *   - the row cannot be read: rc (the outcome stays unknown: 503).
 * After a COMMIT settled so, an attempt that gets lc->late reads the row
 * again and answers DB_OK the same way when the effect is there.  Every
 * outcome is logged.  Any other rc is returned as it is.
 */
enum db_rc db_lost_commit_settle(struct db *db, struct lost_commit *lc, enum db_rc rc);

/* How stored JSON is written: compact, reals with 15 significant digits. */
#define DOC_DUMP_FLAGS JSON_TEXT_FLAGS

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

/*
 * Splits a canonical customer (shape.h) into what is stored: *doc, its JSON
 * without LIST_MEMBERS, and *list_extra, the fragment of LIST_MEMBERS
 * (',"preferredLanguage":...,"visits":[...]') that follows the document in
 * the list shape.  0, or -1 (both NULL) when memory ran out or a member is
 * missing; the caller free()s both.
 */
int customer_split(const json_t *item, char **doc, char **list_extra);

/* Appends one customer in the list shape, from a row of a list statement
 * (enum list_col). */
void customer_write_list(struct strbuf *out, const struct db_row *row);

/* Appends a stored document (a JSON object) without its closing brace. */
void customer_append_open_object(struct strbuf *out, const char *doc, unsigned long len);

/* Appends the enriched customer, from a row of STMT_CUSTOMER_GET_ENRICHED
 * (enum enriched_col) or STMT_CUSTOMER_LOCK: 0, or -1 with nothing appended
 * when the row has no enriched_extra (a customer this program's import did
 * not store). */
int customer_write_enriched(struct strbuf *out, const struct db_row *row);
/* What customer_write_enriched appends after the document: the owner, the
 * enriched fragment and the closing brace; -1 as there. */
int customer_write_enriched_tail(struct strbuf *out, const struct db_row *row);
/* Runs st, STMT_CUSTOMER_GET_ENRICHED or STMT_CUSTOMER_LOCK (whose rows read
 * alike), for customer id of tenant and appends its enriched answer to out:
 * DB_OK, DB_NOT_FOUND, or db_enriched_missing's DB_ERROR. */
enum db_rc db_customer_enriched_by(struct db *db, enum stmt st, const char *tenant, const char *id,
                                   struct strbuf *out);
/* DB_ERROR, noted: the customer's row has no enriched_extra. */
enum db_rc db_enriched_missing(struct db *db);

/* How often a transaction that hit a deadlock or lock wait is retried. */
int db_retries(const struct db *db);
/* The session's innodb_lock_wait_timeout (db_lock_wait_timeout), in seconds. */
int db_lock_wait_timeout(const struct db *db);

/* The largest stored customer document a change may write (bytes). */
size_t db_max_doc_bytes(const struct db *db);

/* Records a model-level failure for db_last_error(). */
void db_note_error(struct db *db, const char *what);

/* The raw connection, connected; for migrate.c, which runs DDL text. */
MYSQL *db_conn(struct db *db);

#endif
