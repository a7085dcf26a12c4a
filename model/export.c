/* export: a tenant's rows, read in keyset pages from one snapshot, handed on one import line each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include "lib/strbuf.h"
#include "model/export.h"
#include "model/stmt.h"

/*
 * Rows per page.  A page is one short statement on the primary key, and its
 * rows come from the server one fetch at a time (no mysql_stmt_store_result),
 * so memory holds one row whatever the page size; the size only sets how
 * many statements an export runs.
 */
#define EXPORT_PAGE_ROWS   1000
#define EXPORT_COL_INITIAL 16384
#define EXPORT_MAX_COLS    4
#define EXPORT_NPARAMS     3 /* tenant, the last id of the page before, the page size */

/* ---- the statements: the column lists, written once (as in stmt.h) ------------------- */

#define EX_SQL_FIRST(col, sql) sql
#define EX_SQL_NEXT(col, sql)  ", " sql
#define EX_NAME(col, sql)      sql,

/* Each statement selects the row's id first: it is the page key. */
#define EX_USER_COLS(F, N)                                                                         \
	F(EX_USER_ID, "id")                                                                        \
	N(EX_USER_USERNAME, "username")                                                            \
	N(EX_USER_DISPLAY_NAME, "display_name")                                                    \
	N(EX_USER_ACTIVE, "active")
enum { EX_USER_COLS(COLUMN_ENUM, COLUMN_ENUM) COL_EX_USER__MAX };

#define EX_CUSTOMER_COLS(F, N)                                                                     \
	F(EX_CUSTOMER_ID, "id") N(EX_CUSTOMER_DOC, "doc") N(EX_CUSTOMER_LIST_EXTRA, "list_extra")
enum { EX_CUSTOMER_COLS(COLUMN_ENUM, COLUMN_ENUM) COL_EX_CUSTOMER__MAX };

/* opportunities and activities */
#define EX_CHILD_COLS(F, N) F(EX_CHILD_ID, "id") N(EX_CHILD_DOC, "doc")
enum { EX_CHILD_COLS(COLUMN_ENUM, COLUMN_ENUM) COL_EX_CHILD__MAX };

static const char *const user_cols[] = {EX_USER_COLS(EX_NAME, EX_NAME)};
static const char *const customer_cols[] = {EX_CUSTOMER_COLS(EX_NAME, EX_NAME)};
static const char *const child_cols[] = {EX_CHILD_COLS(EX_NAME, EX_NAME)};

#define NCOLS(cols) (sizeof(cols) / sizeof(cols[0]))
_Static_assert(NCOLS(user_cols) == COL_EX_USER__MAX && NCOLS(user_cols) <= EXPORT_MAX_COLS,
               "user columns");
_Static_assert(NCOLS(customer_cols) == COL_EX_CUSTOMER__MAX, "customer columns");
_Static_assert(NCOLS(child_cols) == COL_EX_CHILD__MAX, "child columns");

/* The keyset page after the id given (ids compare byte for byte: utf8mb4_nopad_bin). */
#define PAGE " AND id > ? ORDER BY id LIMIT ?"
/* A child of a deleted customer goes with it; one without a customer row (an import
 * may store such) is the tenant's data all the same and is kept. */
#define NOT_OF_A_TOMBSTONE                                                                         \
	" AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = x.tenant_id"               \
	" AND c.id = x.customer_id AND c.deleted_at IS NOT NULL)"

struct export_stmt {
	const char *sql;
	unsigned ncols;
	const char *const *cols;
};

#define EX_SELECT(cols) "SELECT " cols(EX_SQL_FIRST, EX_SQL_NEXT)

static const struct export_stmt export_stmts[EXPORT__MAX] = {
        [EXPORT_USER] = {EX_SELECT(EX_USER_COLS) " FROM users WHERE tenant_id = ?" PAGE,
                         NCOLS(user_cols), user_cols},
        [EXPORT_CUSTOMER] =
                {EX_SELECT(EX_CUSTOMER_COLS) " FROM customers"
                                             " WHERE tenant_id = ? AND deleted_at IS NULL" PAGE,
                 NCOLS(customer_cols), customer_cols},
        [EXPORT_OPPORTUNITY] =
                {EX_SELECT(EX_CHILD_COLS) " FROM opportunities x"
                                          " WHERE x.tenant_id = ?" NOT_OF_A_TOMBSTONE PAGE,
                 NCOLS(child_cols), child_cols},
        [EXPORT_ACTIVITY] =
                {EX_SELECT(EX_CHILD_COLS) " FROM activities x"
                                          " WHERE x.tenant_id = ?" NOT_OF_A_TOMBSTONE PAGE,
                 NCOLS(child_cols), child_cols},
};

const char *export_kind_name(enum export_kind kind)
{
	static const char *const names[EXPORT__MAX] = {
	        [EXPORT_USER] = "user",
	        [EXPORT_CUSTOMER] = "customer",
	        [EXPORT_OPPORTUNITY] = "opportunity",
	        [EXPORT_ACTIVITY] = "activity",
	};
	return (unsigned)kind < EXPORT__MAX ? names[kind] : "unknown";
}

/* ---- one export: its statement of the moment, its row buffers, its line -------------- */

struct export_run {
	struct db *db;
	MYSQL *conn;
	const char *tenant;
	export_item_fn fn;
	void *arg;
	long *counts;
	/* the row being read: every column as bytes, NUL-terminated */
	char *col[EXPORT_MAX_COLS];
	unsigned long cap[EXPORT_MAX_COLS];
	unsigned long len[EXPORT_MAX_COLS];
	my_bool null[EXPORT_MAX_COLS];
	my_bool trunc[EXPORT_MAX_COLS];
	struct strbuf key;     /* the id of the last row read: where the next page starts */
	struct strbuf line;    /* the item handed to fn */
	struct strbuf scratch; /* a stored document re-serialised (see item_line) */
	long page_rows;
};

/* The database's error on st (NULL: on the connection) for db_last_error(); lost or
 * timed out is DB_UNAVAILABLE, anything else DB_ERROR. */
static enum db_rc sql_failed(struct export_run *r, MYSQL_STMT *st, const char *what)
{
	unsigned err = st ? mysql_stmt_errno(st) : mysql_errno(r->conn);
	char msg[300];
	snprintf(msg, sizeof(msg), "export, %s: %u: %s", what, err,
	         st ? mysql_stmt_error(st) : mysql_error(r->conn));
	db_note_error(r->db, msg);
	switch (err) {
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_CONNECTION_ERROR:
	case ER_CONNECTION_KILLED:
	case ER_SERVER_SHUTDOWN:
	case ER_STATEMENT_TIMEOUT: return DB_UNAVAILABLE;
	default: return DB_ERROR;
	}
}

/* 0 when st's parameters and columns are what def says, by count and name; else -1, noted. */
static int check_stmt(struct export_run *r, const struct export_stmt *def, MYSQL_STMT *st)
{
	MYSQL_RES *meta = NULL;
	MYSQL_FIELD *fields = NULL;
	const char *differs = NULL;
	if (mysql_stmt_param_count(st) != EXPORT_NPARAMS ||
	    mysql_stmt_field_count(st) != def->ncols)
		differs = "parameter or column count";
	if (differs == NULL && (meta = mysql_stmt_result_metadata(st)) != NULL)
		fields = mysql_fetch_fields(meta);
	if (differs == NULL && fields == NULL)
		differs = "no column metadata";
	for (unsigned i = 0; differs == NULL && i < def->ncols; i++)
		if (fields[i].name == NULL || strcmp(fields[i].name, def->cols[i]) != 0)
			differs = def->cols[i];
	mysql_free_result(meta);
	if (differs != NULL) {
		char msg[200];
		snprintf(msg, sizeof(msg), "export statement: %s differs from its table", differs);
		db_note_error(r->db, msg);
	}
	return differs ? -1 : 0;
}

/* The statement of kind, prepared and checked; NULL with the error noted (*rc). */
static MYSQL_STMT *prepare(struct export_run *r, enum export_kind kind, enum db_rc *rc)
{
	const struct export_stmt *def = &export_stmts[kind];
	MYSQL_STMT *st = mysql_stmt_init(r->conn);
	*rc = DB_OK;
	if (st == NULL)
		*rc = sql_failed(r, NULL, "statement");
	else if (mysql_stmt_prepare(st, def->sql, strlen(def->sql)) != 0)
		*rc = sql_failed(r, st, "prepare");
	else if (check_stmt(r, def, st) != 0)
		*rc = DB_ERROR;
	if (*rc != DB_OK && st != NULL) {
		mysql_stmt_close(st);
		st = NULL;
	}
	return st;
}

/* Runs st for the page after r->key: tenant, key, page size, all through parameters. */
static enum db_rc execute_page(struct export_run *r, MYSQL_STMT *st)
{
	long long limit = EXPORT_PAGE_ROWS;
	MYSQL_BIND b[EXPORT_NPARAMS];
	memset(b, 0, sizeof(b));
	b[0].buffer_type = MYSQL_TYPE_STRING;
	b[0].buffer = (void *)r->tenant;
	b[0].buffer_length = strlen(r->tenant);
	b[1].buffer_type = MYSQL_TYPE_STRING;
	b[1].buffer = r->key.data ? r->key.data : (void *)"";
	b[1].buffer_length = r->key.len;
	b[2].buffer_type = MYSQL_TYPE_LONGLONG;
	b[2].buffer = &limit;
	if (mysql_stmt_bind_param(st, b) != 0 || mysql_stmt_execute(st) != 0)
		return sql_failed(r, st, "execute");
	return DB_OK;
}

static void bind_row(struct export_run *r, MYSQL_BIND *b, unsigned n)
{
	memset(b, 0, sizeof(*b) * n);
	for (unsigned i = 0; i < n; i++) {
		b[i].buffer_type = MYSQL_TYPE_STRING;
		b[i].buffer = r->col[i];
		b[i].buffer_length = r->cap[i] - 1; /* room for our NUL */
		b[i].length = &r->len[i];
		b[i].is_null = &r->null[i];
		b[i].error = &r->trunc[i];
	}
}

/* A column longer than its buffer: grow the buffer to the row's size, read it again. */
static enum db_rc refetch_truncated(struct export_run *r, MYSQL_STMT *st, MYSQL_BIND *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (r->null[i] || r->len[i] < r->cap[i])
			continue;
		char *grown = realloc(r->col[i], r->len[i] + 1);
		if (grown == NULL) {
			db_note_error(r->db, "export: out of memory for a row");
			return DB_ERROR;
		}
		r->col[i] = grown;
		r->cap[i] = r->len[i] + 1;
		b[i].buffer = grown;
		b[i].buffer_length = r->cap[i] - 1;
		if (mysql_stmt_fetch_column(st, &b[i], i, 0) != 0)
			return sql_failed(r, st, "fetch");
	}
	return mysql_stmt_bind_result(st, b) == 0 ? DB_OK : sql_failed(r, st, "bind");
}

/* ---- the line of one row ------------------------------------------------------------ */

enum line_rc { LINE_OK = 0, LINE_BAD_ROW, LINE_NO_MEMORY };

static int dump_to_strbuf(const char *buf, size_t size, void *data)
{
	strbuf_append(data, buf, size);
	return strbuf_failed(data) ? -1 : 0;
}

/* A user is columns, not a stored document: its item goes through jansson, the
 * encoder of every value we did not store as JSON ourselves. */
static enum line_rc user_line(struct export_run *r)
{
	const char *id = r->col[COL_EX_USER_ID], *name = r->col[COL_EX_USER_USERNAME];
	const char *display = r->col[COL_EX_USER_DISPLAY_NAME];
	json_t *u = json_object();
	int bad = json_object_set_new(u, "kind", json_string(export_kind_name(EXPORT_USER))) |
	          json_object_set_new(u, "id", json_stringn(id, r->len[COL_EX_USER_ID])) |
	          json_object_set_new(u, "username",
	                              json_stringn(name, r->len[COL_EX_USER_USERNAME])) |
	          json_object_set_new(
	                  u, "displayName",
	                  r->null[COL_EX_USER_DISPLAY_NAME]
	                          ? json_null()
	                          : json_stringn(display, r->len[COL_EX_USER_DISPLAY_NAME]));
	/* an absent "active" imports as active (shape_user_active) */
	if (strcmp(r->col[COL_EX_USER_ACTIVE], "0") == 0)
		bad |= json_object_set_new(u, "active", json_false());
	strbuf_reset(&r->line);
	if (!bad)
		bad = json_dump_callback(u, dump_to_strbuf, &r->line, JSON_COMPACT);
	json_decref(u);
	if (strbuf_failed(&r->line) || (bad && u == NULL))
		return LINE_NO_MEMORY;
	return bad ? LINE_BAD_ROW : LINE_OK; /* a text column that is not UTF-8 */
}

/* 1 when doc is an object as json_dumps(DOC_DUMP_FLAGS) writes it: "{}" or
 * '{"' ... '}', on one line. */
static int one_line_object(const char *doc, size_t len)
{
	return len >= 2 && doc[0] == '{' && doc[len - 1] == '}' && (len == 2 || doc[1] == '"') &&
	       memchr(doc, '\n', len) == NULL && memchr(doc, '\r', len) == NULL;
}

/* 1 when extra is a list fragment as customer_split cuts it: "" or ',' ..., on one line. */
static int one_line_fragment(const char *extra, size_t len)
{
	return (len == 0 || extra[0] == ',') && memchr(extra, '\n', len) == NULL &&
	       memchr(extra, '\r', len) == NULL;
}

/* A stored document not in the form json_dumps writes (a row written by hand):
 * parsed and written again, compact, into out. */
static enum line_rc compact_doc(struct strbuf *out, const char *doc, size_t len)
{
	json_t *v = json_loadb(doc, len, 0, NULL);
	strbuf_reset(out);
	int bad = !json_is_object(v) || json_dump_callback(v, dump_to_strbuf, out, DOC_DUMP_FLAGS);
	json_decref(v);
	if (strbuf_failed(out))
		return LINE_NO_MEMORY;
	return bad ? LINE_BAD_ROW : LINE_OK;
}

/*
 * A stored row's item: {"kind":"<kind>",<the document's members><extra>}.
 *
 * Why splice bytes rather than parse and dump: customers.doc, the children's
 * doc and list_extra were written by json_dumps(DOC_DUMP_FLAGS) from an item
 * shape_canonical made (import, POST, every change), so they are compact,
 * canonical and on one line already; parsing and re-serialising each row
 * would cost more than the rest of the export and could not change what an
 * import reads back.  The splice keeps each line one JSON object as long as
 * the document is one, and that is what one_line_object checks: the braces,
 * and no line break (a JSON string holds none raw, so a break can only be
 * white space that json_dumps never writes).  A row that fails the check
 * goes through jansson instead (compact_doc).
 */
static enum line_rc doc_line(struct export_run *r, enum export_kind kind, const char *doc,
                             size_t len, const char *extra, size_t extra_len)
{
	if (!one_line_fragment(extra, extra_len))
		return LINE_BAD_ROW;
	if (!one_line_object(doc, len)) {
		enum line_rc rc = compact_doc(&r->scratch, doc, len);
		if (rc != LINE_OK)
			return rc;
		doc = r->scratch.data;
		len = r->scratch.len;
	}
	const char *name = export_kind_name(kind);
	strbuf_reset(&r->line);
	strbuf_append_str(&r->line, "{\"kind\":");
	strbuf_append_json_string(&r->line, name, strlen(name));
	if (len > 2) {
		strbuf_append_char(&r->line, ',');
		strbuf_append(&r->line, doc + 1, len - 2);
	}
	strbuf_append(&r->line, extra, extra_len);
	strbuf_append_char(&r->line, '}');
	return strbuf_failed(&r->line) ? LINE_NO_MEMORY : LINE_OK;
}

static enum line_rc item_line(struct export_run *r, enum export_kind kind)
{
	switch (kind) {
	case EXPORT_USER: return user_line(r);
	case EXPORT_CUSTOMER:
		return doc_line(r, kind, r->col[COL_EX_CUSTOMER_DOC], r->len[COL_EX_CUSTOMER_DOC],
		                r->col[COL_EX_CUSTOMER_LIST_EXTRA],
		                r->len[COL_EX_CUSTOMER_LIST_EXTRA]);
	default:
		return doc_line(r, kind, r->col[COL_EX_CHILD_DOC], r->len[COL_EX_CHILD_DOC], "", 0);
	}
}

/* Hands the row just fetched to fn and remembers its id as the next page's start. */
static enum db_rc take_row(struct export_run *r, enum export_kind kind)
{
	char msg[200];
	strbuf_reset(&r->key);
	strbuf_append(&r->key, r->col[0], r->len[0]); /* every statement selects id first */
	r->page_rows++;
	enum line_rc lr = item_line(r, kind);
	if (lr == LINE_OK && r->fn(r->arg, kind, r->line.data, r->line.len) != 0) {
		db_note_error(r->db, "export: the output stopped (writing an item failed)");
		return DB_ERROR;
	}
	if (lr == LINE_OK && !strbuf_failed(&r->key)) {
		if (r->counts != NULL)
			r->counts[kind]++;
		return DB_OK;
	}
	snprintf(msg, sizeof(msg), "export: %s %.64s: %s", export_kind_name(kind), r->col[0],
	         lr == LINE_BAD_ROW ? "the stored row is no JSON object (or no UTF-8 text)"
	                            : "out of memory");
	db_note_error(r->db, msg);
	return DB_ERROR;
}

/* ---- pages, sections, the snapshot ---------------------------------------------------- */

/* Feeds the rows of the page just executed to take_row; r->page_rows counts them. */
static enum db_rc fetch_page(struct export_run *r, enum export_kind kind, MYSQL_STMT *st)
{
	unsigned n = export_stmts[kind].ncols;
	MYSQL_BIND b[EXPORT_MAX_COLS];
	enum db_rc rc = DB_OK;
	r->page_rows = 0;
	bind_row(r, b, n);
	if (mysql_stmt_bind_result(st, b) != 0)
		return sql_failed(r, st, "bind");
	for (;;) {
		int f = mysql_stmt_fetch(st);
		if (f == MYSQL_NO_DATA)
			break;
		if (f == 1) {
			rc = sql_failed(r, st, "fetch");
			break;
		}
		if (f == MYSQL_DATA_TRUNCATED && (rc = refetch_truncated(r, st, b, n)) != DB_OK)
			break;
		for (unsigned i = 0; i < n; i++) {
			if (r->null[i])
				r->len[i] = 0;
			r->col[i][r->len[i]] = '\0';
		}
		if ((rc = take_row(r, kind)) != DB_OK)
			break;
	}
	mysql_stmt_free_result(st);
	return rc;
}

/* Every row of one kind, a page at a time, until a page comes back short. */
static enum db_rc export_section(struct export_run *r, enum export_kind kind)
{
	enum db_rc rc;
	MYSQL_STMT *st = prepare(r, kind, &rc);
	strbuf_reset(&r->key);
	while (rc == DB_OK) {
		rc = execute_page(r, st);
		if (rc == DB_OK)
			rc = fetch_page(r, kind, st);
		if (r->page_rows < EXPORT_PAGE_ROWS)
			break;
	}
	if (st != NULL)
		mysql_stmt_close(st);
	return rc;
}

static enum db_rc run_sql(struct export_run *r, const char *sql)
{
	if (mysql_real_query(r->conn, sql, strlen(sql)) == 0)
		return DB_OK;
	return sql_failed(r, NULL, sql);
}

static enum db_rc begin_snapshot(struct export_run *r)
{
	/* The server sends a page while fn writes it out; a reader that pauses (a
	 * pipe into a pager, a slow disk) must not make the server drop the
	 * connection after its default net_write_timeout of 60 seconds. */
	enum db_rc rc = run_sql(r, "SET SESSION net_write_timeout = 3600");
	/* Every page of every section reads the one snapshot taken here, so the
	 * sections agree with each other: a customer deleted or created while the
	 * export runs is in it with all its children, or not at all. */
	if (rc == DB_OK)
		rc = run_sql(r, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
	if (rc == DB_OK)
		rc = run_sql(r, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
	return rc;
}

static enum db_rc alloc_columns(struct export_run *r)
{
	for (int i = 0; i < EXPORT_MAX_COLS; i++) {
		r->col[i] = malloc(EXPORT_COL_INITIAL);
		r->cap[i] = EXPORT_COL_INITIAL;
		if (r->col[i] == NULL) {
			db_note_error(r->db, "export: out of memory");
			return DB_ERROR;
		}
	}
	return DB_OK;
}

enum db_rc db_export_tenant(struct db *db, const char *tenant, export_item_fn fn, void *arg,
                            long counts[EXPORT__MAX])
{
	static const struct export_run zero;
	struct export_run r = zero;
	char err[300];
	r.db = db;
	r.tenant = tenant;
	r.fn = fn;
	r.arg = arg;
	r.counts = counts;
	if (counts != NULL)
		memset(counts, 0, sizeof(long) * EXPORT__MAX);
	enum db_rc rc = db_connect_now(db, err, sizeof(err));
	r.conn = db_conn(db);
	if (rc == DB_OK)
		rc = alloc_columns(&r);
	if (rc == DB_OK)
		rc = begin_snapshot(&r);
	int in_tx = rc == DB_OK;
	for (int kind = 0; rc == DB_OK && kind < EXPORT__MAX; kind++)
		rc = export_section(&r, (enum export_kind)kind);
	/* nothing was written: the read-only transaction just ends */
	if (in_tx && r.conn != NULL)
		mysql_real_query(r.conn, "ROLLBACK", 8);
	for (int i = 0; i < EXPORT_MAX_COLS; i++)
		free(r.col[i]);
	strbuf_free(&r.key);
	strbuf_free(&r.line);
	strbuf_free(&r.scratch);
	return rc;
}
