/* migrate: the versioned schema.  Each migration runs once; its version is recorded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#include "lib/limits.h"
#include "model/model.h"
#include "model/stmt.h"

struct migration {
	int version;
	const char *description;
	const char *const *sql; /* NULL-terminated */
};

#define TABLE_OPTS " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin ROW_FORMAT=DYNAMIC"

/*
 * A migration that has run somewhere must do the same wherever it runs
 * later, so the schema's widths are written as they were when each migration
 * was made, not taken from the contract's limits.  Every id column has been
 * VARCHAR(V1_ID_CHARS) since migration 1; the ids the service accepts must
 * fit.  Raising LIMIT_ID_CHARS past it takes a new migration that widens the
 * columns, and this check then names that migration's width.
 */
#define V1_ID_CHARS 64
#define V1_ID       "VARCHAR(" LIMIT_STR(V1_ID_CHARS) ")"
_Static_assert(LIMIT_ID_CHARS <= V1_ID_CHARS, "ids longer than the id columns (migration 1)");

/*
 * Customers keep their nested collections in `doc`, the JSON of every member
 * shared by the list and the enriched shape, exactly as it is sent; the list
 * shape's extra members (preferredLanguage, visits) are the JSON fragment
 * `list_extra`.  A response is written by concatenation, never re-serialised.
 * The scalar columns beside them exist only to find, order and page rows,
 * each list served by an index in its own sort order.
 */
static const char *const v1_sql[] = {
        "CREATE TABLE users ("
        " tenant_id " V1_ID " NOT NULL, id " V1_ID " NOT NULL,"
        " username VARCHAR(255) NOT NULL, display_name VARCHAR(255) NULL,"
        " active TINYINT(1) NOT NULL DEFAULT 1,"
        " PRIMARY KEY (tenant_id, id))" TABLE_OPTS,
        "CREATE TABLE customers ("
        " tenant_id " V1_ID " NOT NULL, id " V1_ID " NOT NULL,"
        " sort_name VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL,"
        " owner_id " V1_ID " NULL,"
        " crm_status ENUM('LEAD','PROSPECT','ACTIVE','CUSTOMER','INACTIVE','CHURNED') NOT NULL,"
        " overdue_key BIGINT NULL COMMENT 'next action due (us since epoch) while a next action is "
        "set',"
        " doc LONGTEXT NOT NULL, list_extra LONGTEXT NOT NULL,"
        " PRIMARY KEY (tenant_id, id),"
        " KEY customers_by_owner (tenant_id, owner_id, sort_name, id),"
        " KEY customers_by_status (tenant_id, crm_status, sort_name, id),"
        " KEY customers_by_due (tenant_id, overdue_key, id))" TABLE_OPTS,
        "CREATE TABLE opportunities ("
        " tenant_id " V1_ID " NOT NULL, id " V1_ID " NOT NULL,"
        " customer_id " V1_ID " NOT NULL, created_key BIGINT NULL, doc LONGTEXT NOT NULL,"
        " PRIMARY KEY (tenant_id, id),"
        " KEY opportunities_by_customer (tenant_id, customer_id, created_key, id))" TABLE_OPTS,
        "CREATE TABLE activities ("
        " tenant_id " V1_ID " NOT NULL, id " V1_ID " NOT NULL,"
        " customer_id " V1_ID " NOT NULL, recent_key BIGINT NULL"
        " COMMENT 'scheduledAt, else created (us since epoch)', doc LONGTEXT NOT NULL,"
        " PRIMARY KEY (tenant_id, id),"
        " KEY activities_by_customer (tenant_id, customer_id, recent_key, id))" TABLE_OPTS,
        NULL,
};

/*
 * An enriched GET was three statements; opportunities and activities change
 * only through import, so each customer now also keeps them as the ready
 * JSON fragment of its enriched shape, refreshed by every import.
 */
static const char *const v2_sql[] = {
        "ALTER TABLE customers ADD COLUMN IF NOT EXISTS enriched_extra LONGTEXT NULL"
        " COMMENT 'opportunities and " LIMIT_RECENT_ACTIVITIES_TEXT " recent activities of"
        " the enriched shape, as JSON'",
        ENRICHED_REFRESH_SQL,
        NULL,
};

/*
 * utf8mb4_bin is a PAD SPACE collation in MariaDB: 'acme ' = 'acme', so a
 * token for tenant "acme " read acme's customers.  Every identifier column
 * now compares byte for byte (NO PAD).  No two stored ids can collide by it:
 * under PAD SPACE the primary keys already refused ids differing only in
 * trailing spaces.
 */
#define ID_COL(name, null) " MODIFY " name " " V1_ID " COLLATE utf8mb4_nopad_bin " null
static const char *const v3_sql[] = {
        "ALTER TABLE users" ID_COL("tenant_id", "NOT NULL") "," ID_COL("id", "NOT NULL"),
        "ALTER TABLE customers" ID_COL("tenant_id", "NOT NULL") "," ID_COL(
                "id", "NOT NULL") "," ID_COL("owner_id", "NULL"),
        "ALTER TABLE opportunities" ID_COL("tenant_id", "NOT NULL") "," ID_COL(
                "id", "NOT NULL") "," ID_COL("customer_id", "NOT NULL"),
        "ALTER TABLE activities" ID_COL("tenant_id", "NOT NULL") "," ID_COL(
                "id", "NOT NULL") "," ID_COL("customer_id", "NOT NULL"),
        NULL,
};

/*
 * DELETE /crm/customers/{id} keeps the row as a tombstone, so that a sync
 * client can learn of the deletion: when (us since the epoch) and by whom.
 * Every read, list and change skips a row with deleted_at set; the list
 * indexes stay as they are (the condition is checked after their columns).
 */
static const char *const v4_sql[] = {
        "ALTER TABLE customers ADD COLUMN IF NOT EXISTS deleted_at BIGINT NULL"
        " COMMENT 'deleted (us since epoch); NULL while the customer exists',"
        " ADD COLUMN IF NOT EXISTS deleted_by " V1_ID " COLLATE utf8mb4_nopad_bin NULL"
        " COMMENT 'the sub that deleted it'",
        NULL,
};

/*
 * Idempotency-Key: the 2xx answer kept per caller (tenant, sub) and key,
 * written in the transaction of the change it answers.  A row is inserted
 * (uncommitted) when a keyed request starts: the primary key's lock is
 * what makes a concurrent request with the same key wait, and then replay
 * or answer 409; a worker that dies takes its uncommitted row with it.
 * request_hash is hex SHA-256 of method, path and body; body holds the
 * answer's bytes (LONGBLOB: replayed byte for byte, no charset involved).
 */
#define V5_KEY_CHARS 255
_Static_assert(LIMIT_IDEMPOTENCY_KEY <= V5_KEY_CHARS, "keys longer than idem_key (v5)");
#define KEY_COL(name) " " name " " V1_ID " COLLATE utf8mb4_nopad_bin NOT NULL,"
static const char *const v5_sql[] = {
        "CREATE TABLE IF NOT EXISTS idempotency_keys (" KEY_COL("tenant_id")
                KEY_COL("sub") " idem_key VARCHAR(" LIMIT_STR(
                        V5_KEY_CHARS) ") CHARACTER SET ascii COLLATE"
                                      " ascii_bin NOT NULL,"
                                      " request_hash CHAR(64) CHARACTER SET ascii COLLATE "
                                      "ascii_bin NOT NULL,"
                                      " status SMALLINT NOT NULL COMMENT '0 while the first "
                                      "request runs',"
                                      " etag VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin "
                                      "NULL,"
                                      " location VARCHAR(2048) NULL, body LONGBLOB NULL,"
                                      " created_at BIGINT NOT NULL COMMENT 'us since epoch',"
                                      " expires_at BIGINT NOT NULL COMMENT 'us since epoch; "
                                      "removed after it',"
                                      " PRIMARY KEY (tenant_id, sub, idem_key),"
                                      " KEY idempotency_keys_expiry (expires_at))" TABLE_OPTS,
        NULL,
};

/*
 * A list page's ETag must change exactly when its bytes do, and hashing a
 * 430 KB page cost the worker 0.26 ms a request.  Each customer now carries
 * the first 128 bits of SHA-256 of its list-shape bytes (the document
 * without its closing brace, the list fragment, the brace: what
 * customer_write_list writes), kept by MariaDB itself on every insert and
 * update, so no writer can forget it; a page's tag is the hash of its
 * customers' tags (customer_read.c).
 */
static const char *const v6_sql[] = {
        "ALTER TABLE customers ADD COLUMN IF NOT EXISTS list_tag BINARY(16) AS"
        " (" LIST_TAG_SQL ")"
        " STORED COMMENT 'SHA-256/128 of the list shape: the parts of a page ETag'",
        NULL,
};

/*
 * Compressed list pages without compressing per request: each customer's
 * list shape is kept as a raw-deflate fragment (lib/gzip.h) headed by the
 * list_tag it was made from.  The worker makes it on the first gzip read
 * after a change and stores it; a page is assembled from fragments.  A
 * fragment whose head is not the current list_tag is ignored (every writer
 * changes list_tag through the document), so none can be served stale.
 */
static const char *const v7_sql[] = {
        "ALTER TABLE customers ADD COLUMN IF NOT EXISTS list_gz MEDIUMBLOB NULL"
        " COMMENT 'list_tag, CRC-32, length, raw deflate of the list shape'",
        NULL,
};

/*
 * A poll with If-None-Match needs a page's tags and extent, not its
 * documents: each row's list-shape length, kept by MariaDB beside list_tag,
 * lets the page be cut at max_page_bytes without reading doc.
 */
static const char *const v8_sql[] = {
        "ALTER TABLE customers ADD COLUMN IF NOT EXISTS list_bytes INT UNSIGNED AS"
        " (" LIST_BYTES_SQL ") STORED COMMENT 'bytes of the list shape'",
        NULL,
};

/*
 * Every list page now starts with its tags statement (stmt.h), and the
 * page's bytes come from the pool's page cache while its ETag is known:
 * the statement must not read the table's rows (each one a look-up through
 * the primary key, 0.5 ms of MariaDB's time a page).  The list indexes
 * carry what it reads after their keys, so it is read from the index alone.
 * list_gz (migration 7) goes: a page is compressed once, whole, for the
 * page cache (a third smaller than fragments compressed one by one).
 */
#define COVERS ", deleted_at, list_tag, list_bytes)"
static const char *const v9_sql[] = {
        "ALTER TABLE customers DROP COLUMN IF EXISTS list_gz,"
        " DROP INDEX customers_by_owner,"
        " ADD INDEX customers_by_owner (tenant_id, owner_id, sort_name, id" COVERS ","
        " DROP INDEX customers_by_status,"
        " ADD INDEX customers_by_status (tenant_id, crm_status, sort_name, id" COVERS ","
        " DROP INDEX customers_by_due,"
        " ADD INDEX customers_by_due (tenant_id, overdue_key, id" COVERS,
        NULL,
};

/*
 * A MariaDB Galera cluster (README, "Scale out"): every table has a primary
 * key (rows are replicated and certified by it), and nothing takes a lock
 * outside InnoDB's rows.  The one-import-per-tenant lock was GET_LOCK, which
 * is neither replicated nor allowed there; it is now the tenant's row of this
 * table, written first in an import's transaction (stmt.c says how).
 */
static const char *const v10_sql[] = {
        "CREATE TABLE IF NOT EXISTS import_locks ("
        " tenant_id " V1_ID " COLLATE utf8mb4_nopad_bin NOT NULL,"
        " imports BIGINT NOT NULL DEFAULT 0 COMMENT 'imports that held it',"
        " locked_at BIGINT NULL COMMENT 'us since epoch: when the last import took it',"
        " PRIMARY KEY (tenant_id))" TABLE_OPTS,
        NULL,
};

/*
 * list_tag and list_bytes become plain columns, written by every statement
 * that writes doc or list_extra (model/list_sql.h), and this constraint
 * holds any other writer to the same: a change straight to the database that
 * forgets them is refused, never served stale from a page cache.  As
 * generated columns they made MariaDB read whole rows for the index-only
 * tags statements (list_sql.h says when).  The ALTER copies the table and checks
 * every row: about 30 s per 100,000 customers, once (9.5 s for 30,000 here).
 */
static const char *const v11_sql[] = {
        "ALTER TABLE customers"
        " MODIFY list_tag BINARY(16) NOT NULL COMMENT 'SHA-256/128 of the list shape: the parts"
        " of a page ETag',"
        " MODIFY list_bytes INT UNSIGNED NOT NULL COMMENT 'bytes of the list shape',"
        " ADD CONSTRAINT customers_list_tag_fresh CHECK (list_tag = " LIST_TAG_SQL
        " AND list_bytes = " LIST_BYTES_SQL ")",
        NULL,
};

/*
 * The constraint of migration 11 with list_sql.h's expression as it is now,
 * which cuts the document by bytes, not characters: the same tags for a
 * seventh of the CPU, on every write (a write mix, an import's insert and its
 * enriched refresh, which pays for the CHECK though it changes no document).
 * MariaDB replaces a CHECK only by copying the table (migration 11's cost
 * again: about 30 s per 100,000 customers, once).
 */
static const char *const v12_sql[] = {
        "ALTER TABLE customers DROP CONSTRAINT IF EXISTS customers_list_tag_fresh,"
        " ADD CONSTRAINT customers_list_tag_fresh CHECK (list_tag = " LIST_TAG_SQL
        " AND list_bytes = " LIST_BYTES_SQL ")",
        NULL,
};

static const struct migration migrations[] = {
        {1, "users, customers, opportunities, activities", v1_sql},
        {2, "customers.enriched_extra", v2_sql},
        {3, "identifiers compare byte for byte (NO PAD)", v3_sql},
        {4, "customers.deleted_at, deleted_by: tombstones", v4_sql},
        {5, "idempotency_keys: kept answers of keyed requests", v5_sql},
        {6, "customers.list_tag: list pages' ETags without hashing pages", v6_sql},
        {7, "customers.list_gz: list pages gzip'ed from stored fragments", v7_sql},
        {8, "customers.list_bytes: a conditional list GET without the documents", v8_sql},
        {9, "list indexes cover the tags statements; list_gz goes (page cache)", v9_sql},
        {10, "import_locks: one import per tenant, without GET_LOCK (Galera)", v10_sql},
        {11, "list_tag, list_bytes: written with doc, held by a CHECK", v11_sql},
        {12, "the CHECK of list_tag cuts the document by bytes (cheaper)", v12_sql},
};

static enum db_rc exec_sql(MYSQL *conn, const char *sql, char *err, size_t errlen)
{
	if (mysql_query(conn, sql) == 0)
		return DB_OK;
	snprintf(err, errlen, "%s (in: %.80s...)", mysql_error(conn), sql);
	return DB_ERROR;
}

static int current_version(MYSQL *conn, char *err, size_t errlen)
{
	if (exec_sql(conn,
	             "CREATE TABLE IF NOT EXISTS schema_migrations ("
	             " version INT NOT NULL PRIMARY KEY, description VARCHAR(200) NOT NULL,"
	             " applied_at DATETIME(6) NOT NULL)" TABLE_OPTS,
	             err, errlen) != DB_OK)
		return -1;
	if (exec_sql(conn, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", err,
	             errlen) != DB_OK)
		return -1;
	MYSQL_RES *res = mysql_store_result(conn);
	MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
	int v = row && row[0] ? (int)strtol(row[0], NULL, 10) : -1;
	mysql_free_result(res);
	if (v < 0)
		snprintf(err, errlen, "cannot read schema_migrations");
	return v;
}

static int record_version(MYSQL *conn, const struct migration *m)
{
	static const char sql[] = "INSERT INTO schema_migrations VALUES (?, ?, UTC_TIMESTAMP(6))";
	MYSQL_STMT *st = mysql_stmt_init(conn);
	long long version = m->version;
	MYSQL_BIND b[2];
	memset(b, 0, sizeof(b));
	b[0].buffer_type = MYSQL_TYPE_LONGLONG;
	b[0].buffer = &version;
	b[1].buffer_type = MYSQL_TYPE_STRING;
	b[1].buffer = (void *)m->description;
	b[1].buffer_length = strlen(m->description);
	int rc = st == NULL || mysql_stmt_prepare(st, sql, sizeof(sql) - 1) != 0 ||
	         mysql_stmt_bind_param(st, b) != 0 || mysql_stmt_execute(st) != 0;
	if (st != NULL)
		mysql_stmt_close(st);
	return rc ? -1 : 0;
}

static enum db_rc apply(MYSQL *conn, const struct migration *m, char *err, size_t errlen)
{
	for (const char *const *sql = m->sql; *sql != NULL; sql++)
		if (exec_sql(conn, *sql, err, errlen) != DB_OK)
			return DB_ERROR;
	if (record_version(conn, m) != 0) {
		snprintf(err, errlen, "cannot record migration %d: %s", m->version,
		         mysql_error(conn));
		return DB_ERROR;
	}
	printf("applied migration %d: %s\n", m->version, m->description);
	return DB_OK;
}

/* 1 when the server is a node of a Galera cluster (wsrep_on), 0 when not, -1 on an error. */
static int on_galera(MYSQL *conn, char *err, size_t errlen)
{
	if (exec_sql(conn, "SHOW VARIABLES LIKE 'wsrep_on'", err, errlen) != DB_OK)
		return -1;
	MYSQL_RES *res = mysql_store_result(conn);
	MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
	int on = row && row[1] && strcmp(row[1], "ON") == 0;
	mysql_free_result(res);
	return on;
}

/*
 * On one server, two `crmctl migrate` at once wait for each other
 * (GET_LOCK).  On a Galera cluster GET_LOCK is neither replicated nor
 * allowed: there each DDL statement is applied by Total Order Isolation
 * (wsrep_OSU_method = TOI, set here for the session whatever the server's
 * default), on every node at the same point of the replication stream, and
 * migrate is run once, on one node (README, "Scale out").
 */
enum db_rc db_migrate(struct db *db, char *err, size_t errlen)
{
	if (db_connect_now(db, err, errlen) != DB_OK)
		return DB_UNAVAILABLE;
	MYSQL *conn = db_conn(db);
	int galera = on_galera(conn, err, errlen);
	if (galera < 0)
		return DB_ERROR;
	if (galera && exec_sql(conn, "SET SESSION wsrep_OSU_method = 'TOI'", err, errlen) != DB_OK)
		return DB_ERROR;
	if (!galera) {
		if (exec_sql(conn, "SELECT GET_LOCK('crm_migrate', 60)", err, errlen) != DB_OK)
			return DB_ERROR;
		mysql_free_result(mysql_store_result(conn));
	}
	enum db_rc rc = DB_OK;
	int have = current_version(conn, err, errlen);
	if (have < 0)
		rc = DB_ERROR;
	for (size_t i = 0; rc == DB_OK && i < sizeof(migrations) / sizeof(migrations[0]); i++)
		if (migrations[i].version > have)
			rc = apply(conn, &migrations[i], err, errlen);
	if (rc == DB_OK && have >= (int)(sizeof(migrations) / sizeof(migrations[0])))
		printf("schema is up to date (version %d)\n", have);
	char ignore[64];
	if (!galera)
		exec_sql(conn, "DO RELEASE_LOCK('crm_migrate')", ignore, sizeof(ignore));
	return rc;
}
