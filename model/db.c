/* db: one MariaDB connection per thread, its prepared statements, reconnects and row fetching. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include "lib/obs.h"
#include "lib/prng.h"
#include "lib/timefmt.h"
#include "model/health.h"
#include "model/model.h"
#include "model/stmt.h"

#define MAX_PARAMS           12
#define COL_INITIAL          16384
#define RECONNECT_BACKOFF_US 100000  /* fail fast between attempts while the server is down */
#define FAIL_BACK_US         5000000 /* how often a worker away from its first server tries it */
#define RETRY_PAUSE_US       10000   /* the first retry's pause: 5..10 ms, then doubling */
#define RETRY_PAUSE_MAX_US   320000
/* Galera's "WSREP has not yet prepared node for application use" */
#define ER_WSREP_NOT_READY 1047

/* What a server said of itself at connect (SHOW GLOBAL STATUS LIKE 'wsrep_...'). */
enum server_state { SERVER_PLAIN, SERVER_SYNCED, SERVER_READY, SERVER_NOT_READY };

struct db {
	const struct config *cfg;
	int admin;
	MYSQL *conn;                  /* NULL while disconnected */
	MYSQL_STMT *stmts[STMT__MAX]; /* prepared lazily, once per connection */
	int in_tx;
	size_t max_doc; /* max_customer_bytes, lowered to what the server's packets carry */
	crm_time_t last_attempt;
	/* db_hosts: the server in use (index in cfg->db_servers), where the next
	 * connect starts, and since when this one is used (for the fail-back) */
	int server;
	int start;
	int galera; /* the server is a Galera node (wsrep_sync_wait was set) */
	crm_time_t connected_at;
	int lost;           /* the connection was lost (or the node not ready) since db_begin */
	int in_commit;      /* COMMIT is on its way */
	int commit_unknown; /* ... and the connection was lost before its answer */
	char error[256];
	unsigned error_code; /* the server's or client's error number of error, or 0 */
	/* result buffers, reused by every statement of this connection */
	char *col[DB_MAX_COLS];
	unsigned long cap[DB_MAX_COLS];
	unsigned long len[DB_MAX_COLS];
	char null[DB_MAX_COLS];
	char trunc[DB_MAX_COLS];
};

static db_log_fn log_fn;

void db_set_log(db_log_fn fn)
{
	log_fn = fn;
}

void db_log(const char *level, const char *fmt, ...)
{
	if (log_fn == NULL)
		return;
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_fn(level, text);
}

/* "host:port" or the socket path of server i, for logs. */
static void server_name(const struct config *cfg, int i, char *out, size_t cap)
{
	const struct config_db_server *sv = &cfg->db_servers[i];
	if (sv->socket[0] != '\0')
		snprintf(out, cap, "%s", sv->socket);
	else
		snprintf(out, cap, "%s:%d", sv->host, sv->port);
}

const char *db_strerror(enum db_rc rc)
{
	static const char *const names[DB__MAX] = {
	        [DB_OK] = "ok",
	        [DB_NOT_FOUND] = "not found",
	        [DB_CONFLICT] = "conflict",
	        [DB_INVALID] = "invalid input",
	        [DB_UNAVAILABLE] = "database unavailable",
	        [DB_RETRY] = "retry",
	        [DB_ERROR] = "database error",
	        [DB_REPLAY] = "replay",
	        [DB_KEY_REUSED] = "key reused",
	        [DB_KEY_BUSY] = "key busy",
	};
	return (rc >= 0 && rc < DB__MAX) ? names[rc] : "unknown";
}

int db_library_init(void)
{
	return mysql_library_init(0, NULL, NULL) == 0 ? 0 : -1;
}

void db_library_end(void)
{
	mysql_library_end();
}

struct db *db_open(const struct config *cfg, int admin)
{
	struct db *db = calloc(1, sizeof(*db));
	if (db == NULL)
		return NULL;
	db->cfg = cfg;
	db->admin = admin;
	for (int i = 0; i < DB_MAX_COLS; i++) {
		db->col[i] = malloc(COL_INITIAL);
		db->cap[i] = COL_INITIAL;
		if (db->col[i] == NULL) {
			db_close(db);
			return NULL;
		}
	}
	return db;
}

static void disconnect(struct db *db)
{
	for (int i = 0; i < STMT__MAX; i++) {
		if (db->stmts[i] != NULL)
			mysql_stmt_close(db->stmts[i]);
		db->stmts[i] = NULL;
	}
	if (db->conn != NULL)
		mysql_close(db->conn);
	db->conn = NULL;
	db->in_tx = 0;
}

void db_close(struct db *db)
{
	if (db == NULL)
		return;
	disconnect(db);
	for (int i = 0; i < DB_MAX_COLS; i++)
		free(db->col[i]);
	free(db);
	mysql_thread_end();
}

const char *db_last_error(const struct db *db)
{
	return db->error;
}

unsigned db_last_error_code(const struct db *db)
{
	return db->error_code;
}

static void set_options(MYSQL *conn, const struct config *cfg, int admin)
{
	unsigned int connect_timeout = (unsigned int)cfg->db_connect_timeout;
	/* The server aborts a slow statement (max_statement_time); this is the backstop. */
	unsigned int io_timeout = (unsigned int)cfg->db_query_timeout + 2;
	if (admin)
		io_timeout = 3600; /* migrations and imports of large data sets */
	my_bool off = 0;
	mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
	mysql_options(conn, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
	mysql_options(conn, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
	mysql_options(conn, MYSQL_OPT_RECONNECT, &off);
	mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* what we accept from the server: a list page of max_page_bytes is many rows, but
	 * an enriched customer is one row that may exceed a customer's own limit */
	unsigned long packet = 256UL * 1024 * 1024;
	mysql_options(conn, MYSQL_OPT_MAX_ALLOWED_PACKET, &packet);
}

/*
 * A stored document travels in one packet; the server's max_allowed_packet
 * cannot be raised per session.  Should it be smaller than max_customer_bytes
 * (plus room for the statement), the smaller limit is the one enforced, so a
 * large change is a 409 that says so, never a 503 from the server.
 */
static enum db_rc read_packet_limit(struct db *db)
{
	if (mysql_query(db->conn, "SELECT @@max_allowed_packet") != 0) {
		snprintf(db->error, sizeof(db->error), "session setup: %s", mysql_error(db->conn));
		return DB_UNAVAILABLE;
	}
	MYSQL_RES *res = mysql_store_result(db->conn);
	MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
	unsigned long long packet = row && row[0] ? strtoull(row[0], NULL, 10) : 0;
	mysql_free_result(res);
	const unsigned long long room = 64 * 1024; /* the rest of the UPDATE statement */
	db->max_doc = db->cfg->max_customer_bytes;
	if (packet > room && packet - room < db->max_doc)
		db->max_doc = (size_t)(packet - room);
	return DB_OK;
}

static enum db_rc session_setup(struct db *db)
{
	char sql[200];
	if (db->galera && db->cfg->db_sync_wait > 0) {
		/* an integer of our own configuration (0..15) */
		snprintf(sql, sizeof(sql), "SET SESSION wsrep_sync_wait = %d",
		         db->cfg->db_sync_wait);
		if (mysql_query(db->conn, sql) != 0) {
			snprintf(db->error, sizeof(db->error), "session setup: %s",
			         mysql_error(db->conn));
			return DB_UNAVAILABLE;
		}
	}
	/* integers from our own configuration only; an operator's import
	 * (admin) may take longer than a request may */
	snprintf(sql, sizeof(sql),
	         "SET SESSION time_zone = '+00:00', innodb_lock_wait_timeout = %d,"
	         " max_statement_time = %d, group_concat_max_len = 4294967295",
	         db->cfg->db_lock_wait_timeout, db->admin ? 0 : db->cfg->db_query_timeout);
	if (mysql_query(db->conn, sql) != 0) {
		snprintf(db->error, sizeof(db->error), "session setup: %s", mysql_error(db->conn));
		return DB_UNAVAILABLE;
	}
	return read_packet_limit(db);
}

/*
 * A Galera node tells whether it can take statements (wsrep_ready) and
 * whether it is Synced (local state 4) or still joining, donating or
 * desynced; a server without Galera has neither (SERVER_PLAIN).
 */
/* 1 when the server runs as a Galera node (wsrep_on), 0 when not, -1 on an error. */
static int wsrep_on(MYSQL *conn)
{
	if (mysql_query(conn, "SHOW GLOBAL VARIABLES LIKE 'wsrep\\_on'") != 0)
		return -1;
	MYSQL_RES *res = mysql_store_result(conn);
	MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
	int on = row != NULL && row[1] != NULL && strcmp(row[1], "ON") == 0;
	mysql_free_result(res);
	return res == NULL ? -1 : on;
}

static enum server_state server_state(MYSQL *conn)
{
	int on = wsrep_on(conn);
	if (on <= 0)
		return on == 0 ? SERVER_PLAIN : SERVER_NOT_READY;
	if (mysql_query(conn, "SHOW GLOBAL STATUS WHERE Variable_name IN"
	                      " ('wsrep_ready', 'wsrep_local_state')") != 0)
		return SERVER_NOT_READY;
	MYSQL_RES *res = mysql_store_result(conn);
	MYSQL_ROW row;
	int seen = 0, ready = 0, synced = 0;
	while (res != NULL && (row = mysql_fetch_row(res)) != NULL) {
		if (row[0] == NULL || row[1] == NULL)
			continue;
		seen = 1;
		if (strcmp(row[0], "wsrep_ready") == 0)
			ready = strcmp(row[1], "ON") == 0;
		else if (strcmp(row[0], "wsrep_local_state") == 0)
			synced = strcmp(row[1], "4") == 0;
	}
	mysql_free_result(res);
	if (res == NULL)
		return SERVER_NOT_READY;
	if (!seen)
		return SERVER_PLAIN;
	return !ready ? SERVER_NOT_READY : synced ? SERVER_SYNCED : SERVER_READY;
}

/*
 * A new connection to server i: NULL when it cannot be reached or is not
 * what want asks for (SERVER_SYNCED: a Synced Galera node or a plain
 * server; SERVER_READY: any node that takes statements).  *state says what
 * the server was; err gets why it was not taken.
 */
static MYSQL *connect_one(struct db *db, int i, enum server_state want, enum server_state *state)
{
	const struct config *c = db->cfg;
	const struct config_db_server *sv = &c->db_servers[i];
	MYSQL *conn = mysql_init(NULL);
	*state = SERVER_NOT_READY;
	if (conn == NULL)
		return NULL;
	set_options(conn, c, db->admin);
	const char *user = db->admin && c->db_admin_user[0] ? c->db_admin_user : c->db_user;
	const char *pass = db->admin && c->db_admin_user[0] ? c->db_admin_password : c->db_password;
	char name[300];
	server_name(c, i, name, sizeof(name));
	if (mysql_real_connect(conn, sv->socket[0] ? NULL : sv->host, user, pass, c->db_name,
	                       (unsigned int)sv->port, sv->socket[0] ? sv->socket : NULL,
	                       0) == NULL) {
		snprintf(db->error, sizeof(db->error), "connect %.100s: %.140s", name,
		         mysql_error(conn));
		db->error_code = mysql_errno(conn);
		obs_db_error(OBS_DB_CONNECT);
		mysql_close(conn);
		return NULL;
	}
	*state = server_state(conn);
	if (*state == SERVER_PLAIN || *state == SERVER_SYNCED ||
	    (*state == SERVER_READY && want == SERVER_READY))
		return conn;
	snprintf(db->error, sizeof(db->error), "connect %.100s: the Galera node is %s", name,
	         *state == SERVER_READY ? "not Synced" : "not ready (wsrep_ready OFF)");
	mysql_close(conn);
	return NULL;
}

/*
 * Connects to the first server, from db->start on, that answers and is
 * ready: a Synced node first; only when none is, one that takes statements
 * all the same (a donor, a desynced node).  DB_UNAVAILABLE when none does.
 */
static enum db_rc connect_db(struct db *db)
{
	const struct config *c = db->cfg;
	int n = c->db_nservers > 0 ? c->db_nservers : 1;
	crm_time_t now = timefmt_now();
	if (db->last_attempt != 0 && now - db->last_attempt < RECONNECT_BACKOFF_US)
		return DB_UNAVAILABLE;
	db->last_attempt = now;
	enum server_state state = SERVER_NOT_READY;
	int i = 0, unsynced = -1;
	for (int k = 0; k < n && db->conn == NULL; k++) {
		i = (db->start + k) % n;
		db->conn = connect_one(db, i, SERVER_SYNCED, &state);
		if (db->conn == NULL && state == SERVER_READY && unsynced < 0)
			unsynced = i;
	}
	/* none is Synced: the first that takes statements all the same (a server
	 * that did not answer is not tried twice: each try may take the whole
	 * db_connect_timeout) */
	if (db->conn == NULL && unsynced >= 0) {
		i = unsynced;
		db->conn = connect_one(db, i, SERVER_READY, &state);
	}
	if (db->conn == NULL)
		return DB_UNAVAILABLE;
	db->galera = state == SERVER_SYNCED || state == SERVER_READY;
	if (session_setup(db) != DB_OK) {
		disconnect(db);
		return DB_UNAVAILABLE;
	}
	if (n > 1 || i != db->server) {
		char name[300];
		server_name(c, i, name, sizeof(name));
		db_log("info", "database: this worker (pid %d) uses %s (server %d of %d%s)",
		       (int)getpid(), name, i + 1, n,
		       !db->galera              ? ""
		       : state == SERVER_SYNCED ? ", a Synced Galera node"
		                                : ", a Galera node that is not Synced");
	}
	db->server = i;
	db->start = i;
	db->connected_at = now;
	db->last_attempt = 0;
	return DB_OK;
}

/*
 * A worker that moved away from its first server tries that one again
 * every FAIL_BACK_US, between transactions: when it is back and ready, the
 * worker returns to it (so that a pool's load goes where it was meant).
 */
static void maybe_fail_back(struct db *db)
{
	if (db->conn == NULL || db->in_tx || db->server == 0 || db->cfg->db_nservers < 2)
		return;
	crm_time_t now = timefmt_now();
	if (now - db->connected_at < FAIL_BACK_US)
		return;
	db->connected_at = now;
	enum server_state state;
	MYSQL *conn = connect_one(db, 0, SERVER_SYNCED, &state);
	if (conn == NULL)
		return;
	mysql_close(conn);
	disconnect(db);
	db->start = 0;
	db->last_attempt = 0;
	connect_db(db);
}

/* Connected, or connects: DB_OK or DB_UNAVAILABLE. */
static enum db_rc ensure_connected(struct db *db)
{
	maybe_fail_back(db);
	return db->conn ? DB_OK : connect_db(db);
}

enum db_rc db_connect_now(struct db *db, char *err, size_t errlen)
{
	db->last_attempt = 0;
	enum db_rc rc = db->conn ? DB_OK : connect_db(db);
	if (rc != DB_OK)
		snprintf(err, errlen, "%s", db->error);
	return rc;
}

void db_note_error(struct db *db, const char *what)
{
	snprintf(db->error, sizeof(db->error), "%s", what);
}

int db_lock_wait_timeout(const struct db *db)
{
	return db->cfg->db_lock_wait_timeout;
}

int db_retries(const struct db *db)
{
	return db->cfg->db_retries;
}

size_t db_max_doc_bytes(const struct db *db)
{
	return db->max_doc ? db->max_doc : db->cfg->max_customer_bytes;
}

MYSQL *db_conn(struct db *db)
{
	return db->conn;
}

static int connection_lost(unsigned int err)
{
	switch (err) {
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_LOST_EXTENDED:
	case ER_CONNECTION_KILLED:
	case ER_SERVER_SHUTDOWN:
	case 4031: /* ER_CLIENT_INTERACTION_TIMEOUT */ return 1;
	default: return 0;
	}
}

/*
 * The server went away (or, a Galera node, cannot take statements now):
 * the connection is dropped and the next connect starts at the next
 * server, at once.  A transaction on it is gone: rolled back by the
 * server, unless it was its COMMIT that got no answer (commit_unknown).
 */
static void lose_server(struct db *db)
{
	int n = db->cfg->db_nservers > 0 ? db->cfg->db_nservers : 1;
	if (db->conn != NULL && n > 1) {
		char name[300];
		server_name(db->cfg, db->server, name, sizeof(name));
		db_log("warn", "database: lost %s (%s); moving to the next server", name,
		       db->error);
	}
	disconnect(db);
	db->start = (db->server + 1) % n;
	db->last_attempt = 0;
	db->lost = 1;
	if (db->in_commit)
		db->commit_unknown = 1;
}

static enum db_rc classify(struct db *db, unsigned int err, const char *msg)
{
	/* A statement that fails while the server goes away may carry no error
	 * of its own; the connection's tells, and without either the connection
	 * is in no known state: drop it and answer 503 as for a lost server. */
	if (err == 0 && db->conn != NULL) {
		err = mysql_errno(db->conn);
		msg = mysql_error(db->conn);
	}
	snprintf(db->error, sizeof(db->error), "%u: %s", err,
	         err ? msg : "failed without an error");
	db->error_code = err;
	obs_db_errno(err);
	if (err == 0 || connection_lost(err) || err == ER_WSREP_NOT_READY) {
		lose_server(db);
		return DB_UNAVAILABLE;
	}
	switch (err) {
	case ER_LOCK_DEADLOCK:
	case ER_LOCK_WAIT_TIMEOUT: return DB_RETRY;
	case ER_STATEMENT_TIMEOUT: return DB_UNAVAILABLE;
	case ER_DUP_ENTRY: return DB_CONFLICT;
	default: return DB_ERROR;
	}
}

/*
 * 0 when the columns st selects are def->cols, in order: each named as
 * selected ("column", or "alias.column" of a join, or "<expression> AS name"
 * by its name alone).  Else -1 with the first difference in db->error.
 */
static int check_columns(struct db *db, enum stmt id, MYSQL_STMT *st)
{
	const struct stmt_def *def = &stmt_table[id];
	if (def->ncols == 0)
		return 0;
	MYSQL_RES *meta = mysql_stmt_result_metadata(st);
	MYSQL_FIELD *fields = meta ? mysql_fetch_fields(meta) : NULL;
	int rc = fields ? 0 : -1;
	for (unsigned i = 0; rc == 0 && i < def->ncols; i++) {
		const char *want = def->cols[i], *as = strstr(want, " AS ");
		const char *dot = as ? NULL : strchr(want, '.');
		const char *name = as ? as + 4 : dot ? dot + 1 : want;
		const char *got_table = fields[i].table ? fields[i].table : "";
		const char *got_name = fields[i].name ? fields[i].name : "";
		int same = strcmp(got_name, name) == 0;
		if (dot != NULL)
			same = same && strlen(got_table) == (size_t)(dot - want) &&
			       strncmp(got_table, want, (size_t)(dot - want)) == 0;
		if (!same) {
			snprintf(db->error, sizeof(db->error),
			         "statement %d: column %u is %s.%s; stmt.h says %s", (int)id, i,
			         got_table, got_name, want);
			rc = -1;
		}
	}
	if (fields == NULL)
		snprintf(db->error, sizeof(db->error), "statement %d: no column metadata", (int)id);
	mysql_free_result(meta);
	return rc;
}

/* Prepares statement id once per connection, refusing one that is not what stmt_table says. */
static enum db_rc prepare(struct db *db, enum stmt id, MYSQL_STMT **out)
{
	const struct stmt_def *def = &stmt_table[id];
	if (db->stmts[id] != NULL) {
		*out = db->stmts[id];
		return DB_OK;
	}
	MYSQL_STMT *st = mysql_stmt_init(db->conn);
	if (st == NULL)
		return DB_ERROR;
	if (mysql_stmt_prepare(st, def->sql, strlen(def->sql)) != 0) {
		enum db_rc rc = classify(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		mysql_stmt_close(st);
		return rc;
	}
	if (mysql_stmt_param_count(st) != def->nparams ||
	    mysql_stmt_field_count(st) != def->ncols || def->ncols > DB_MAX_COLS) {
		snprintf(db->error, sizeof(db->error),
		         "statement %d: %lu params, %u columns; table says %u, %u", (int)id,
		         mysql_stmt_param_count(st), mysql_stmt_field_count(st), def->nparams,
		         def->ncols);
		mysql_stmt_close(st);
		return DB_ERROR;
	}
	if (check_columns(db, id, st) != 0) {
		mysql_stmt_close(st);
		return DB_ERROR;
	}
	db->stmts[id] = *out = st;
	return DB_OK;
}

static void bind_params(MYSQL_BIND *b, const struct db_param *p, unsigned n, long long *nums)
{
	memset(b, 0, sizeof(*b) * n);
	for (unsigned i = 0; i < n; i++) {
		switch (p[i].type) {
		case DBP_STR:
			b[i].buffer_type = MYSQL_TYPE_STRING;
			b[i].buffer = (void *)p[i].str;
			b[i].buffer_length = p[i].len;
			break;
		case DBP_INT:
			nums[i] = p[i].num;
			b[i].buffer_type = MYSQL_TYPE_LONGLONG;
			b[i].buffer = &nums[i];
			break;
		default: b[i].buffer_type = MYSQL_TYPE_NULL; break;
		}
	}
}

static void bind_results(struct db *db, MYSQL_BIND *b, unsigned n)
{
	memset(b, 0, sizeof(*b) * n);
	for (unsigned i = 0; i < n; i++) {
		b[i].buffer_type = MYSQL_TYPE_STRING;
		b[i].buffer = db->col[i];
		b[i].buffer_length = db->cap[i] - 1; /* room for our NUL */
		b[i].length = &db->len[i];
		b[i].is_null = (my_bool *)&db->null[i];
		b[i].error = (my_bool *)&db->trunc[i];
	}
}

/* A column longer than its buffer: grow the buffer and fetch the column again. */
static enum db_rc refetch_truncated(struct db *db, MYSQL_STMT *st, MYSQL_BIND *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (db->null[i] || db->len[i] < db->cap[i])
			continue;
		unsigned long want = db->len[i] + 1;
		char *grown = realloc(db->col[i], want);
		if (grown == NULL)
			return DB_ERROR;
		db->col[i] = grown;
		db->cap[i] = want;
		b[i].buffer = grown;
		b[i].buffer_length = want - 1;
		if (mysql_stmt_fetch_column(st, &b[i], i, 0) != 0)
			return classify(db, mysql_stmt_errno(st), mysql_stmt_error(st));
	}
	return mysql_stmt_bind_result(st, b) == 0 ? DB_OK : DB_ERROR;
}

static enum db_rc fetch_rows(struct db *db, MYSQL_STMT *st, unsigned n, db_row_fn fn, void *arg)
{
	MYSQL_BIND b[DB_MAX_COLS];
	bind_results(db, b, n);
	if (mysql_stmt_bind_result(st, b) != 0)
		return classify(db, mysql_stmt_errno(st), mysql_stmt_error(st));
	struct db_row row = {n, (const char *const *)db->col, db->len, db->null};
	enum db_rc rc = DB_OK;
	for (;;) {
		int f = mysql_stmt_fetch(st);
		if (f == MYSQL_NO_DATA)
			break;
		if (f == 1) {
			rc = classify(db, mysql_stmt_errno(st), mysql_stmt_error(st));
			break;
		}
		if (f == MYSQL_DATA_TRUNCATED && (rc = refetch_truncated(db, st, b, n)) != DB_OK)
			break;
		for (unsigned i = 0; i < n; i++)
			db->col[i][db->null[i] ? 0 : db->len[i]] = '\0';
		if (fn != NULL && (rc = fn(arg, &row)) != DB_OK)
			break;
	}
	if (db->conn != NULL)
		mysql_stmt_free_result(st);
	return rc;
}

static enum db_rc run_once(struct db *db, enum stmt id, const struct db_param *params, db_row_fn fn,
                           void *arg, unsigned long long *affected)
{
	const struct stmt_def *def = &stmt_table[id];
	MYSQL_BIND pb[MAX_PARAMS];
	long long nums[MAX_PARAMS];
	MYSQL_STMT *st = NULL;
	enum db_rc rc = ensure_connected(db);
	if (rc == DB_OK)
		rc = prepare(db, id, &st);
	if (rc != DB_OK)
		return rc;
	bind_params(pb, params, def->nparams, nums);
	if (mysql_stmt_bind_param(st, pb) != 0 || mysql_stmt_execute(st) != 0)
		return classify(db, mysql_stmt_errno(st), mysql_stmt_error(st));
	if (affected != NULL)
		*affected = mysql_stmt_affected_rows(st);
	return def->ncols > 0 ? fetch_rows(db, st, def->ncols, fn, arg) : DB_OK;
}

enum db_rc db_run(struct db *db, enum stmt id, const struct db_param *params, db_row_fn fn,
                  void *arg, unsigned long long *affected)
{
	int was_connected = db->conn != NULL, in_tx = db->in_tx;
	obs_db_begin(stmt_table[id].sql);
	enum db_rc rc = run_once(db, id, params, fn, arg, affected);
	/* A connection that died while idle (server restart, wait_timeout) is
	 * worth one more try; inside a transaction the caller must start over. */
	if (rc == DB_UNAVAILABLE && was_connected && !in_tx && db->conn == NULL) {
		db->last_attempt = 0;
		rc = run_once(db, id, params, fn, arg, affected);
	}
	obs_db_end();
	return rc;
}

enum db_rc db_run_committing(struct db *db, enum stmt id, const struct db_param *params,
                             unsigned long long *affected)
{
	db->commit_unknown = 0;
	db->in_commit = 1;
	obs_db_begin(stmt_table[id].sql);
	enum db_rc rc = run_once(db, id, params, NULL, NULL, affected);
	obs_db_end();
	db->in_commit = 0;
	return rc;
}

struct db_param dbp_cstr(const char *s)
{
	return s ? dbp_str(s, strlen(s)) : dbp_null();
}

static enum db_rc simple(struct db *db, const char *sql)
{
	enum db_rc rc = ensure_connected(db);
	if (rc != DB_OK)
		return rc;
	if (mysql_real_query(db->conn, sql, strlen(sql)) != 0)
		return classify(db, mysql_errno(db->conn), mysql_error(db->conn));
	return DB_OK;
}

enum db_rc db_begin(struct db *db)
{
	db->lost = db->commit_unknown = 0;
	int was_connected = db->conn != NULL;
	enum db_rc rc = simple(db, "START TRANSACTION");
	if (rc == DB_UNAVAILABLE && was_connected && db->conn == NULL) {
		db->last_attempt = 0;
		rc = simple(db, "START TRANSACTION");
	}
	db->in_tx = rc == DB_OK;
	return rc;
}

enum db_rc db_commit(struct db *db)
{
	db->in_commit = 1;
	enum db_rc rc = simple(db, "COMMIT");
	db->in_commit = 0;
	db->in_tx = 0;
	return rc;
}

int db_commit_unknown(const struct db *db)
{
	return db->commit_unknown;
}

void db_commit_settled(struct db *db)
{
	db->commit_unknown = 0;
}

void db_server(const struct db *db, char *out, size_t cap)
{
	if (db->conn != NULL)
		server_name(db->cfg, db->server, out, cap);
	else if (cap > 0)
		out[0] = '\0';
}

/* Per thread: a pause's jitter (not a secret: splitmix64, seeded per thread). */
static _Thread_local struct prng jitter;
static _Thread_local int jitter_seeded;

int db_retry_after(struct db *db, enum db_rc rc, int attempt)
{
	if (attempt >= db->cfg->db_retries)
		return 0;
	if (rc != DB_RETRY && !(rc == DB_UNAVAILABLE && db->lost && !db->commit_unknown))
		return 0;
	if (!jitter_seeded) {
		prng_seed(&jitter, (uint64_t)timefmt_now() ^ ((uint64_t)getpid() << 32) ^
		                           (uint64_t)(uintptr_t)&jitter);
		jitter_seeded = 1;
	}
	long max = RETRY_PAUSE_US;
	for (int i = 0; i < attempt && max < RETRY_PAUSE_MAX_US; i++)
		max *= 2;
	long us = max / 2 + (long)prng_below64(&jitter, (uint64_t)(max / 2 + 1));
	struct timespec pause = {us / 1000000, (us % 1000000) * 1000};
	nanosleep(&pause, NULL);
	obs_db_retry();
	return 1;
}

int db_retry_keyed(struct db *db, enum db_rc rc, int attempt, struct keyed *keyed)
{
	if (keyed != NULL && db->commit_unknown && rc == DB_UNAVAILABLE) {
		/* the COMMIT's outcome is unknown: the retry's claim of the key finds
		 * the kept answer when it was stored, and runs afresh when not */
		keyed->after_lost_commit = 1;
		db->commit_unknown = 0;
	}
	return db_retry_after(db, rc, attempt);
}

void db_rollback(struct db *db)
{
	if (db->conn != NULL)
		mysql_real_query(db->conn, "ROLLBACK", 8);
	db->in_tx = 0;
}

/*
 * db_run_bulk: MariaDB's array binding (Connector/C 3, COM_STMT_BULK_EXECUTE).
 * Each parameter is bound column-wise: an array of values, one per row
 * (strings as pointers and lengths, integers as long long), and an array of
 * indicators that marks the NULLs.  A column takes its type from its first
 * non-NULL value; a column of strings and integers both is refused (the
 * statement table binds each parameter one way).
 */
enum db_rc db_run_bulk(struct db *db, enum stmt id, const struct db_param *rows, size_t stride,
                       unsigned nrows, unsigned long long *affected)
{
	const struct stmt_def *def = &stmt_table[id];
	const unsigned np = def->nparams;
	MYSQL_BIND pb[MAX_PARAMS];
	MYSQL_STMT *st = NULL;
	if (nrows == 0)
		return DB_OK;
	if (def->ncols > 0 || np == 0 || np > MAX_PARAMS || stride < np) {
		snprintf(db->error, sizeof(db->error), "statement %d: not a bulk statement",
		         (int)id);
		return DB_ERROR;
	}
	enum db_rc rc = ensure_connected(db);
	if (rc == DB_OK)
		rc = prepare(db, id, &st);
	if (rc != DB_OK)
		return rc;
	/* per parameter: nrows pointers, lengths, integers and indicators, in one block */
	size_t per_row = sizeof(const char *) + sizeof(unsigned long) + sizeof(long long) + 1;
	unsigned char *block = malloc(per_row * nrows * np);
	if (block == NULL) {
		snprintf(db->error, sizeof(db->error), "out of memory for %u rows", nrows);
		return DB_ERROR;
	}
	const char **ptrs = (const char **)block;
	unsigned long *lens = (unsigned long *)(ptrs + (size_t)nrows * np);
	long long *nums = (long long *)(lens + (size_t)nrows * np);
	char *ind = (char *)(nums + (size_t)nrows * np);
	memset(pb, 0, sizeof(pb[0]) * np);
	for (unsigned c = 0; c < np && rc == DB_OK; c++) {
		const char **cp = ptrs + (size_t)c * nrows;
		unsigned long *cl = lens + (size_t)c * nrows;
		long long *cn = nums + (size_t)c * nrows;
		char *ci = ind + (size_t)c * nrows;
		enum db_param_type type = DBP_NULL;
		for (unsigned r = 0; r < nrows; r++) {
			const struct db_param *p = &rows[(size_t)r * stride + c];
			ci[r] = p->type == DBP_NULL ? STMT_INDICATOR_NULL : STMT_INDICATOR_NONE;
			cp[r] = p->type == DBP_STR ? p->str : "";
			cl[r] = p->type == DBP_STR ? p->len : 0;
			cn[r] = p->type == DBP_INT ? p->num : 0;
			if (p->type != DBP_NULL && type != DBP_NULL && p->type != type) {
				snprintf(db->error, sizeof(db->error),
				         "statement %d: parameter %u mixes strings and integers",
				         (int)id, c);
				rc = DB_ERROR;
			}
			if (p->type != DBP_NULL)
				type = p->type;
		}
		pb[c].buffer_type = type == DBP_INT ? MYSQL_TYPE_LONGLONG : MYSQL_TYPE_STRING;
		pb[c].buffer = type == DBP_INT ? (void *)cn : (void *)cp;
		pb[c].length = type == DBP_INT ? NULL : cl;
		pb[c].u.indicator = ci;
	}
	unsigned size = nrows, single = 0;
	if (rc == DB_OK) {
		if (mysql_stmt_attr_set(st, STMT_ATTR_ARRAY_SIZE, &size) != 0 ||
		    mysql_stmt_bind_param(st, pb) != 0 || mysql_stmt_execute(st) != 0)
			rc = classify(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		else if (affected != NULL)
			*affected = mysql_stmt_affected_rows(st);
	}
	/* the statement is shared with db_run: back to one row per execution */
	if (db->stmts[id] == st && st != NULL)
		mysql_stmt_attr_set(st, STMT_ATTR_ARRAY_SIZE, &single);
	free(block);
	return rc;
}

enum db_rc db_row_found(void *arg, const struct db_row *row)
{
	(void)row;
	*(int *)arg = 1;
	return DB_OK;
}

enum db_rc db_ping(struct db *db)
{
	/* DO evaluates and returns no result set: one packet each way.  A
	 * connection that died while idle is worth one more try, as in db_run. */
	int was_connected = db->conn != NULL;
	enum db_rc rc = simple(db, "DO 1");
	if (rc == DB_UNAVAILABLE && was_connected && db->conn == NULL) {
		db->last_attempt = 0;
		rc = simple(db, "DO 1");
	}
	return rc;
}
