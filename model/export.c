/* export: a tenant's rows, read in keyset pages from one snapshot, handed on one import line each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#include "lib/json_read.h"
#include "lib/strbuf.h"
#include "model/export.h"
#include "model/stmt.h"

/*
 * Rows per page.  A page is one short statement on the primary key (the
 * STMT_EXPORT_* entries of the statement table), and db_run hands its rows
 * on one fetch at a time, so memory holds one row whatever the page size;
 * the size only sets how many statements an export runs.
 */
#define EXPORT_PAGE_ROWS 1000

static const enum stmt export_stmts[EXPORT__MAX] = {
        [EXPORT_USER] = STMT_EXPORT_USERS,
        [EXPORT_CUSTOMER] = STMT_EXPORT_CUSTOMERS,
        [EXPORT_OPPORTUNITY] = STMT_EXPORT_OPPORTUNITIES,
        [EXPORT_ACTIVITY] = STMT_EXPORT_ACTIVITIES,
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

/* ---- one export: where it is, and its line ------------------------------------------ */

struct export_run {
	struct db *db;
	const char *tenant;
	export_item_fn fn;
	void *arg;
	long *counts;
	enum export_kind kind; /* the section being read */
	struct strbuf key;     /* the id of the last row read: where the next page starts */
	struct strbuf line;    /* the item handed to fn */
	struct strbuf scratch; /* a stored document re-serialised (see doc_line) */
	long page_rows;
};

/* ---- the line of one row ------------------------------------------------------------ */

enum line_rc { LINE_OK = 0, LINE_BAD_ROW, LINE_NO_MEMORY };

/* A user is columns, not a stored document: its item is built with jansson (which
 * checks the text columns are UTF-8) and written as every stored document is. */
static enum line_rc user_line(struct export_run *r, const struct db_row *row)
{
	const char *id = row->val[COL_EX_USER_ID], *name = row->val[COL_EX_USER_USERNAME];
	const char *display = row->val[COL_EX_USER_DISPLAY_NAME];
	json_t *u = json_object();
	int bad = json_object_set_new(u, "kind", json_string(export_kind_name(EXPORT_USER))) |
	          json_object_set_new(u, "id", json_stringn(id, row->len[COL_EX_USER_ID])) |
	          json_object_set_new(u, "username",
	                              json_stringn(name, row->len[COL_EX_USER_USERNAME])) |
	          json_object_set_new(
	                  u, "displayName",
	                  row->is_null[COL_EX_USER_DISPLAY_NAME]
	                          ? json_null()
	                          : json_stringn(display, row->len[COL_EX_USER_DISPLAY_NAME]));
	/* an absent "active" imports as active (shape_user_active) */
	if (strcmp(row->val[COL_EX_USER_ACTIVE], "0") == 0)
		bad |= json_object_set_new(u, "active", json_false());
	strbuf_reset(&r->line);
	if (!bad)
		strbuf_append_json(&r->line, u);
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
	json_t *v = json_read(doc, len, NULL);
	strbuf_reset(out);
	int bad = !json_is_object(v);
	if (!bad)
		strbuf_append_json(out, v);
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

static enum line_rc item_line(struct export_run *r, const struct db_row *row)
{
	switch (r->kind) {
	case EXPORT_USER: return user_line(r, row);
	case EXPORT_CUSTOMER:
		return doc_line(r, r->kind, row->val[COL_EX_CUSTOMER_DOC],
		                row->len[COL_EX_CUSTOMER_DOC], row->val[COL_EX_CUSTOMER_LIST_EXTRA],
		                row->len[COL_EX_CUSTOMER_LIST_EXTRA]);
	default:
		return doc_line(r, r->kind, row->val[COL_EX_CHILD_DOC], row->len[COL_EX_CHILD_DOC],
		                "", 0);
	}
}

/* Hands a row to fn and remembers its id as the next page's start (db_run's row callback). */
static enum db_rc take_row(void *arg, const struct db_row *row)
{
	struct export_run *r = arg;
	enum export_kind kind = r->kind;
	char msg[200];
	strbuf_reset(&r->key);
	strbuf_append(&r->key, row->val[0], row->len[0]); /* every statement selects id first */
	r->page_rows++;
	enum line_rc lr = item_line(r, row);
	if (lr == LINE_OK && r->fn(r->arg, kind, r->line.data, r->line.len) != 0) {
		db_note_error(r->db, "export: the output stopped (writing an item failed)");
		return DB_ERROR;
	}
	if (lr == LINE_OK && !strbuf_failed(&r->key)) {
		if (r->counts != NULL)
			r->counts[kind]++;
		return DB_OK;
	}
	snprintf(msg, sizeof(msg), "export: %s %.64s: %s", export_kind_name(kind), row->val[0],
	         lr == LINE_BAD_ROW ? "the stored row is no JSON object (or no UTF-8 text)"
	                            : "out of memory");
	db_note_error(r->db, msg);
	return DB_ERROR;
}

/* ---- pages, sections, the snapshot ---------------------------------------------------- */

/* Every row of one kind, a page at a time, until a page comes back short. */
static enum db_rc export_section(struct export_run *r, enum export_kind kind)
{
	enum db_rc rc = DB_OK;
	r->kind = kind;
	strbuf_reset(&r->key);
	while (rc == DB_OK) {
		struct db_param p[3] = {dbp_cstr(r->tenant),
		                        dbp_str(r->key.data ? r->key.data : "", r->key.len),
		                        dbp_int(EXPORT_PAGE_ROWS)};
		r->page_rows = 0;
		rc = db_run(r->db, export_stmts[kind], p, take_row, r, NULL);
		if (r->page_rows < EXPORT_PAGE_ROWS)
			break;
	}
	return rc;
}

/*
 * The session settings of an export, then its transaction.  Every page of
 * every section reads the one snapshot of that transaction (REPEATABLE
 * READ: taken at its first read), so the sections agree with each other: a
 * customer deleted or created while the export runs is in it with all its
 * children, or not at all.  A connection lost inside it is an error, never
 * a silent reconnect to another snapshot (db_run).
 */
static enum db_rc begin_snapshot(struct export_run *r)
{
	/* The server sends a page while fn writes it out; a reader that pauses (a
	 * pipe into a pager, a slow disk) must not make the server drop the
	 * connection after its default net_write_timeout of 60 seconds. */
	static const char *const settings[] = {
	        "SET SESSION net_write_timeout = 3600",
	        "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
	};
	MYSQL *conn = db_conn(r->db);
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		if (conn == NULL || mysql_query(conn, settings[i]) != 0) {
			db_note_error(r->db, conn ? mysql_error(conn) : "export: not connected");
			return DB_ERROR;
		}
	}
	return db_begin(r->db);
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
	if (rc == DB_OK)
		rc = begin_snapshot(&r);
	int in_tx = rc == DB_OK;
	for (int kind = 0; rc == DB_OK && kind < EXPORT__MAX; kind++)
		rc = export_section(&r, (enum export_kind)kind);
	if (in_tx)
		db_rollback(db); /* nothing was written: the transaction just ends */
	strbuf_free(&r.key);
	strbuf_free(&r.line);
	strbuf_free(&r.scratch);
	return rc;
}
