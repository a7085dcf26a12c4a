/* stmt: the SQL table.  SELECT lists come from the column lists in stmt.h; readers index them by name. */
#include "model/stmt.h"

/* A column list as SQL ("c.doc, u.display_name, ...") and as the names prepare() checks. */
#define COLUMN_SQL_FIRST(col, sql) sql
#define COLUMN_SQL_NEXT(col, sql)  ", " sql
#define COLUMN_NAME(col, sql)      sql,

static const char *const enriched_cols[] = {ENRICHED_COLS(COLUMN_NAME, COLUMN_NAME)};
static const char *const list_by_name_cols[] = {LIST_COLS(COLUMN_NAME, COLUMN_NAME, "sort_name")};
static const char *const list_by_due_cols[] = {LIST_COLS(COLUMN_NAME, COLUMN_NAME, "overdue_key")};
static const char *const tags_by_name_cols[] = {
        LIST_TAGS_COLS(COLUMN_NAME, COLUMN_NAME, "sort_name")};
static const char *const tags_by_due_cols[] = {
        LIST_TAGS_COLS(COLUMN_NAME, COLUMN_NAME, "overdue_key")};
static const char *const lock_cols[] = {LOCK_COLS(COLUMN_NAME, COLUMN_NAME)};
static const char *const read_cols[] = {ENRICHED_COLS(COLUMN_NAME, COLUMN_NAME) "c.list_extra",
                                        "c.owner_id", "c.list_tag"};
static const char *const any_cols[] = {ANY_COLS(COLUMN_NAME, COLUMN_NAME)};
static const char *const user_cols[] = {USER_COLS(COLUMN_NAME, COLUMN_NAME)};
static const char *const key_cols[] = {KEY_COLS(COLUMN_NAME, COLUMN_NAME)};
static const char *const ex_user_cols[] = {EX_USER_COLS(COLUMN_NAME, COLUMN_NAME)};
static const char *const ex_customer_cols[] = {EX_CUSTOMER_COLS(COLUMN_NAME, COLUMN_NAME)};
static const char *const ex_child_cols[] = {EX_CHILD_COLS(COLUMN_NAME, COLUMN_NAME)};

#define NCOLS(cols) (sizeof(cols) / sizeof(cols[0]))
_Static_assert(NCOLS(enriched_cols) == COL_ENRICHED__MAX, "enriched columns");
_Static_assert(NCOLS(list_by_name_cols) == COL_LIST__MAX, "list columns");
_Static_assert(NCOLS(list_by_due_cols) == COL_LIST__MAX, "list columns");
_Static_assert(NCOLS(lock_cols) == COL_LOCK__MAX && COL_LOCK__MAX <= DB_MAX_COLS, "lock columns");
_Static_assert(NCOLS(read_cols) == COL_READ_LIST_TAG + 1 && NCOLS(read_cols) <= DB_MAX_COLS &&
                       (int)COL_LOCK_EXTRA == (int)COL_ENRICHED__MAX &&
                       (int)COL_LOCK_OWNER_KEY == (int)COL_ENRICHED__MAX + 1,
               "a change's read is an enriched row, then the lock's columns after it");
_Static_assert(NCOLS(any_cols) == COL_ANY__MAX && COL_ANY__MAX <= DB_MAX_COLS, "row columns");
_Static_assert(NCOLS(tags_by_name_cols) == COL_TAGS__MAX &&
                       NCOLS(tags_by_due_cols) == COL_TAGS__MAX,
               "list tag columns");
_Static_assert(NCOLS(user_cols) == COL_USER__MAX, "user columns");
_Static_assert(NCOLS(ex_user_cols) == COL_EX_USER__MAX &&
                       NCOLS(ex_customer_cols) == COL_EX_CUSTOMER__MAX &&
                       NCOLS(ex_child_cols) == COL_EX_CHILD__MAX,
               "export columns");
_Static_assert(NCOLS(key_cols) == COL_KEY__MAX && COL_KEY__MAX <= DB_MAX_COLS, "key columns");
_Static_assert(COL_ENRICHED__MAX <= DB_MAX_COLS && COL_LIST__MAX <= DB_MAX_COLS,
               "a statement selects more columns than db.c has buffers for");

/* A statement with rows, and one without. */
#define ROWS(sql, nparams, cols)                                                                   \
	{                                                                                          \
		sql, nparams, NCOLS(cols), cols                                                    \
	}
#define NO_ROWS(sql, nparams)                                                                      \
	{                                                                                          \
		sql, nparams, 0, NULL                                                              \
	}

/* What the list statements read after their columns: a page of a list by
 * owner or status (col, in its index) in name order, or of the overdue list
 * in due order.  One possible plan each, whatever the statistics say. */
#define LIST_BY_FROM(col, index)                                                                   \
	" FROM customers FORCE INDEX (" index ") WHERE tenant_id = ? AND " col " = ?"              \
	" AND sort_name >= ? AND (sort_name > ? OR id > ?) AND deleted_at IS NULL"                 \
	" ORDER BY sort_name, id LIMIT ?"
#define OVERDUE_FROM                                                                               \
	" FROM customers FORCE INDEX (customers_by_due) WHERE tenant_id = ? AND overdue_key < ?"   \
	" AND overdue_key >= ? AND (overdue_key > ? OR id > ?) AND deleted_at IS NULL"             \
	" ORDER BY overdue_key, id LIMIT ?"
/* An export page: the tenant's rows after the id given (ids compare byte for byte). */
#define EXPORT_PAGE " AND id > ? ORDER BY id LIMIT ?"
/* A child of a deleted customer goes with it; one without a customer row (an import
 * may store such) is the tenant's data all the same and is exported. */
#define NOT_OF_A_TOMBSTONE                                                                         \
	" AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = x.tenant_id"               \
	" AND c.id = x.customer_id AND c.deleted_at IS NOT NULL)"
#define COLS_SELECT(cols) "SELECT " cols(COLUMN_SQL_FIRST, COLUMN_SQL_NEXT)

#define LIST_SELECT(key) "SELECT " LIST_COLS(COLUMN_SQL_FIRST, COLUMN_SQL_NEXT, key)
#define TAGS_SELECT(key) "SELECT " LIST_TAGS_COLS(COLUMN_SQL_FIRST, COLUMN_SQL_NEXT, key)

/* A live customer and its owner by the customer's key: the enriched GET, and a change's read
 * without the lock (a lock reads the owner in subqueries: stmt.h, LOCK_COLS). */
#define ENRICHED_FROM                                                                              \
	" FROM customers c LEFT JOIN users u ON u.tenant_id = c.tenant_id AND u.id = c.owner_id"   \
	" WHERE c.tenant_id = ? AND c.id = ? AND c.deleted_at IS NULL"
/* A change's write of the edited row: the locked one's, and (AND list_tag = ?) the row as read. */
#define CUSTOMER_UPDATE_SQL                                                                        \
	"UPDATE customers FORCE INDEX (PRIMARY) SET sort_name = ?, owner_id = ?, crm_status = ?,"  \
	" overdue_key = ?, doc = ?, list_extra = ?, list_tag = " LIST_TAG_SQL ","                  \
	" list_bytes = " LIST_BYTES_SQL " WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL"

const struct stmt_def stmt_table[STMT__MAX] = {
        [STMT_CUSTOMER_GET_ENRICHED] =
                ROWS("SELECT " ENRICHED_COLS(COLUMN_SQL_FIRST, COLUMN_SQL_NEXT) ENRICHED_FROM, 2,
                     enriched_cols),
        /* The touched customers' fragments.  One possible plan: the small
         * touched table first (STRAIGHT_JOIN), each customer by its primary
         * key, and the subqueries by the index they name. */
        [STMT_CUSTOMER_REFRESH_ENRICHED] =
                NO_ROWS("UPDATE " IMPORT_TOUCHED_TABLE " t STRAIGHT_JOIN customers c"
                        " FORCE INDEX (PRIMARY) ON c.tenant_id = ? AND c.id = t.id"
                        " SET c.enriched_extra = " ENRICHED_REFRESH_VALUE,
                        1),
        /* db_import_session (model.h says why) */
        [STMT_IMPORT_READ_COMMITTED] =
                NO_ROWS("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", 0),
        /* One import of a tenant at a time: two imports of the same customers
         * would each refresh fragments from what they see.  The lock is the
         * tenant's row of import_locks (migration 10), written first in the
         * import's transaction: a second import on the same server waits for
         * the row (up to the seconds set before), and on another node of a
         * Galera cluster the two writes of the row fail certification, so one
         * of them starts over (GET_LOCK is neither replicated nor allowed
         * there).  Released by COMMIT or ROLLBACK. */
        [STMT_IMPORT_LOCK_WAIT] = NO_ROWS("SET SESSION innodb_lock_wait_timeout = ?", 1),
        [STMT_IMPORT_TENANT_LOCK] =
                NO_ROWS("INSERT INTO import_locks (tenant_id, imports, locked_at) VALUES (?, 1, ?)"
                        " ON DUPLICATE KEY UPDATE imports = imports + 1,"
                        " locked_at = VALUES(locked_at)",
                        2),
        [STMT_IMPORT_TOUCHED_CREATE] =
                NO_ROWS("CREATE TEMPORARY TABLE IF NOT EXISTS " IMPORT_TOUCHED_TABLE
                        " (id VARCHAR(" LIMIT_ID_CHARS_TEXT ") CHARACTER SET utf8mb4"
                        " COLLATE utf8mb4_nopad_bin NOT NULL PRIMARY KEY) ENGINE=InnoDB",
                        0),
        [STMT_IMPORT_TOUCHED_CLEAR] = NO_ROWS("DELETE FROM " IMPORT_TOUCHED_TABLE, 0),
        [STMT_IMPORT_TOUCH] =
                NO_ROWS("INSERT IGNORE INTO " IMPORT_TOUCHED_TABLE " (id) VALUES (?)", 1),
        [STMT_IMPORT_ITEMS_CREATE] =
                NO_ROWS("CREATE TEMPORARY TABLE IF NOT EXISTS " IMPORT_ITEMS_TABLE
                        " (id VARCHAR(" LIMIT_ID_CHARS_TEXT ") CHARACTER SET utf8mb4"
                        " COLLATE utf8mb4_nopad_bin NOT NULL, customer_id"
                        " VARCHAR(" LIMIT_ID_CHARS_TEXT ") CHARACTER SET utf8mb4"
                        " COLLATE utf8mb4_nopad_bin NOT NULL) ENGINE=InnoDB",
                        0),
        [STMT_IMPORT_ITEMS_ADD] =
                NO_ROWS("INSERT INTO " IMPORT_ITEMS_TABLE " (id, customer_id) VALUES (?, ?)", 2),
        [STMT_IMPORT_ITEMS_CLEAR] = NO_ROWS("DELETE FROM " IMPORT_ITEMS_TABLE, 0),
        /* The customers the items belong to after the upsert, and before it:
         * one possible plan, the few items first, each stored item by its
         * primary key. */
        [STMT_IMPORT_TOUCH_OPPORTUNITY_OWNERS] =
                NO_ROWS("INSERT IGNORE INTO " IMPORT_TOUCHED_TABLE " (id)"
                        " SELECT i.customer_id FROM " IMPORT_ITEMS_TABLE " i UNION ALL"
                        " SELECT o.customer_id FROM " IMPORT_ITEMS_TABLE " i STRAIGHT_JOIN"
                        " opportunities o FORCE INDEX (PRIMARY)"
                        " ON o.tenant_id = ? AND o.id = i.id",
                        1),
        [STMT_IMPORT_TOUCH_ACTIVITY_OWNERS] =
                NO_ROWS("INSERT IGNORE INTO " IMPORT_TOUCHED_TABLE " (id)"
                        " SELECT i.customer_id FROM " IMPORT_ITEMS_TABLE " i UNION ALL"
                        " SELECT a.customer_id FROM " IMPORT_ITEMS_TABLE " i STRAIGHT_JOIN"
                        " activities a FORCE INDEX (PRIMARY)"
                        " ON a.tenant_id = ? AND a.id = i.id",
                        1),
        [STMT_CUSTOMER_LIST_BY_OWNER] =
                ROWS(LIST_SELECT("sort_name") LIST_BY_FROM("owner_id", "customers_by_owner"), 6,
                     list_by_name_cols),
        [STMT_CUSTOMER_LIST_BY_STATUS] =
                ROWS(LIST_SELECT("sort_name") LIST_BY_FROM("crm_status", "customers_by_status"), 6,
                     list_by_name_cols),
        [STMT_CUSTOMER_LIST_OVERDUE] =
                ROWS(LIST_SELECT("overdue_key") OVERDUE_FROM, 6, list_by_due_cols),
        [STMT_CUSTOMER_LIST_BY_OWNER_TAGS] =
                ROWS(TAGS_SELECT("sort_name") LIST_BY_FROM("owner_id", "customers_by_owner"), 6,
                     tags_by_name_cols),
        [STMT_CUSTOMER_LIST_BY_STATUS_TAGS] =
                ROWS(TAGS_SELECT("sort_name") LIST_BY_FROM("crm_status", "customers_by_status"), 6,
                     tags_by_name_cols),
        [STMT_CUSTOMER_LIST_OVERDUE_TAGS] =
                ROWS(TAGS_SELECT("overdue_key") OVERDUE_FROM, 6, tags_by_due_cols),
        [STMT_EXPORT_USERS] =
                ROWS(COLS_SELECT(EX_USER_COLS) " FROM users WHERE tenant_id = ?" EXPORT_PAGE, 3,
                     ex_user_cols),
        [STMT_EXPORT_CUSTOMERS] =
                ROWS(COLS_SELECT(EX_CUSTOMER_COLS) " FROM customers WHERE tenant_id = ? AND "
                                                   "deleted_at IS NULL" EXPORT_PAGE,
                     3, ex_customer_cols),
        [STMT_EXPORT_OPPORTUNITIES] =
                ROWS(COLS_SELECT(EX_CHILD_COLS) " FROM opportunities x WHERE x.tenant_id = "
                                                "?" NOT_OF_A_TOMBSTONE EXPORT_PAGE,
                     3, ex_child_cols),
        [STMT_EXPORT_ACTIVITIES] = ROWS(
                COLS_SELECT(
                        EX_CHILD_COLS) " FROM activities x WHERE x.tenant_id = ?" NOT_OF_A_TOMBSTONE
                        EXPORT_PAGE,
                3, ex_child_cols),
        [STMT_CUSTOMER_LOCK] =
                ROWS("SELECT " LOCK_COLS(
                             COLUMN_SQL_FIRST,
                             COLUMN_SQL_NEXT) " FROM customers c WHERE c.tenant_id = ? AND c.id = ?"
                                              " AND c.deleted_at IS NULL FOR UPDATE",
                     2, lock_cols),
        [STMT_CUSTOMER_READ] = ROWS(
                "SELECT " ENRICHED_COLS(
                        COLUMN_SQL_FIRST,
                        COLUMN_SQL_NEXT) ", c.list_extra, c.owner_id, c.list_tag" ENRICHED_FROM,
                2, read_cols),
        [STMT_CUSTOMER_UPDATE] = NO_ROWS(CUSTOMER_UPDATE_SQL, 8),
        /* never waits for a row lock: a locked row is one in contention, and the change
         * then takes the lock itself (customer_write.c) */
        [STMT_CUSTOMER_UPDATE_IF_TAG] =
                NO_ROWS("SET STATEMENT innodb_lock_wait_timeout = 0 FOR " CUSTOMER_UPDATE_SQL
                        " AND list_tag = ?",
                        9),
        [STMT_CUSTOMER_DELETE] =
                NO_ROWS("UPDATE customers FORCE INDEX (PRIMARY) SET deleted_at = ?, deleted_by = ?"
                        " WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL",
                        4),
        [STMT_CUSTOMER_INSERT] =
                NO_ROWS("INSERT INTO customers (tenant_id, id, sort_name, owner_id, crm_status,"
                        " overdue_key, doc, list_extra, list_tag, list_bytes, enriched_extra)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, " LIST_TAG_SQL ", " LIST_BYTES_SQL
                        ", " ENRICHED_EMPTY_SQL ")",
                        8),
        /* Read rarely (after a COMMIT that got no answer) and never in a
         * transaction; by its primary key, whatever the statistics say. */
        [STMT_CUSTOMER_GET_ANY] = ROWS(COLS_SELECT(ANY_COLS) " FROM customers FORCE INDEX (PRIMARY)"
                                                             " WHERE tenant_id = ? AND id = ?",
                                       2, any_cols),
        [STMT_USER_GET_ACTIVE] =
                ROWS("SELECT " USER_COLS(
                             COLUMN_SQL_FIRST,
                             COLUMN_SQL_NEXT) " FROM users"
                                              " WHERE tenant_id = ? AND id = ? AND active = 1",
                     2, user_cols),
        [STMT_USER_UPSERT] =
                NO_ROWS("INSERT INTO users (tenant_id, id, username, display_name, active)"
                        " VALUES (?, ?, ?, ?, ?)"
                        " ON DUPLICATE KEY UPDATE username = VALUES(username),"
                        " display_name = VALUES(display_name), active = VALUES(active)",
                        5),
        [STMT_CUSTOMER_UPSERT] =
                NO_ROWS("INSERT INTO customers (tenant_id, id, sort_name, owner_id, crm_status,"
                        " overdue_key, doc, list_extra, list_tag, list_bytes, enriched_extra)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, " LIST_TAG_SQL ", " LIST_BYTES_SQL
                        ", " ENRICHED_EMPTY_SQL ")"
                        " ON DUPLICATE KEY UPDATE sort_name = VALUES(sort_name),"
                        " owner_id = VALUES(owner_id), crm_status = VALUES(crm_status),"
                        " overdue_key = VALUES(overdue_key), doc = VALUES(doc),"
                        " list_extra = VALUES(list_extra), list_tag = " LIST_TAG_SQL ","
                        " list_bytes = " LIST_BYTES_SQL,
                        8),
        [STMT_OPPORTUNITY_UPSERT] =
                NO_ROWS("INSERT INTO opportunities (tenant_id, id, customer_id, created_key, doc)"
                        " VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
                        " customer_id = VALUES(customer_id), created_key = VALUES(created_key),"
                        " doc = VALUES(doc)",
                        5),
        [STMT_ACTIVITY_UPSERT] =
                NO_ROWS("INSERT INTO activities (tenant_id, id, customer_id, recent_key, doc)"
                        " VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
                        " customer_id = VALUES(customer_id), recent_key = VALUES(recent_key),"
                        " doc = VALUES(doc)",
                        5),
        [STMT_KEY_CLAIM] = NO_ROWS("INSERT INTO idempotency_keys (tenant_id, sub, idem_key,"
                                   " request_hash, status, created_at, expires_at)"
                                   " VALUES (?, ?, ?, ?, 0, ?, ?)",
                                   6),
        [STMT_KEY_GET] = ROWS("SELECT " KEY_COLS(COLUMN_SQL_FIRST,
                                                 COLUMN_SQL_NEXT) " FROM idempotency_keys"
                                                                  " WHERE tenant_id = ? AND sub = ?"
                                                                  " AND idem_key = ? FOR UPDATE",
                              3, key_cols),
        [STMT_KEY_PEEK] =
                ROWS("SELECT " KEY_COLS(COLUMN_SQL_FIRST,
                                        COLUMN_SQL_NEXT) " FROM idempotency_keys"
                                                         " WHERE tenant_id = ? AND sub = ?"
                                                         " AND idem_key = ?",
                     3, key_cols),
        [STMT_KEY_TAKE_OVER] = NO_ROWS("UPDATE idempotency_keys SET request_hash = ?, status = 0,"
                                       " etag = NULL, location = NULL, body = NULL,"
                                       " created_at = ?, expires_at = ?"
                                       " WHERE tenant_id = ? AND sub = ? AND idem_key = ?",
                                       6),
        [STMT_KEY_KEEP] = NO_ROWS("UPDATE idempotency_keys SET status = ?, etag = ?, location = ?,"
                                  " body = ? WHERE tenant_id = ? AND sub = ? AND idem_key = ?",
                                  7),
        [STMT_KEY_PURGE] = NO_ROWS("DELETE FROM idempotency_keys WHERE expires_at < ?"
                                   " ORDER BY expires_at LIMIT 100",
                                   1),
};
