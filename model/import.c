/* import: stores one canonical item — its JSON as given plus the keys that find and order it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysqld_error.h>

#include "lib/ids.h"
#include "lib/json_text.h"
#include "lib/timefmt.h"
#include "model/model.h"
#include "model/shape.h"
#include "model/stmt.h"

static const char *str_member(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Microseconds of an RFC 3339 member, or 0 with *is_null set. */
static long long time_member(const json_t *o, const char *key, int *is_null)
{
	const char *s = str_member(o, key);
	crm_time_t t = 0;
	*is_null = s == NULL || timefmt_parse_rfc3339(s, strlen(s), &t) != 0;
	return t;
}

static struct db_param time_param(const json_t *o, const char *key)
{
	int is_null;
	long long t = time_member(o, key, &is_null);
	return is_null ? dbp_null() : dbp_int(t);
}

static const char *const list_members[] = {
#define LIST_MEMBER(member) member,
        LIST_MEMBERS(LIST_MEMBER)
#undef LIST_MEMBER
};

/* The two objects a customer is stored as: core, the document (the item without
 * LIST_MEMBERS), and ext, the LIST_MEMBERS.  0, or -1 (both NULL). */
static int split_objects(const json_t *item, json_t **core, json_t **ext)
{
	*core = json_copy((json_t *)item);
	*ext = json_object();
	int rc = *core && *ext ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < sizeof(list_members) / sizeof(list_members[0]); i++) {
		json_t *v = json_object_get(item, list_members[i]);
		if (v == NULL || json_object_set(*ext, list_members[i], v) != 0)
			rc = -1;
		json_object_del(*core, list_members[i]);
	}
	if (rc != 0) {
		json_decref(*core);
		json_decref(*ext);
		*core = *ext = NULL;
	}
	return rc;
}

/* "{...}", the LIST_MEMBERS as an object of len bytes, becomes ",...", which can follow
 * the document's last member: the new length. */
static size_t as_fragment(char *ext, size_t len)
{
	ext[0] = ',';
	ext[len - 1] = '\0';
	return len - 1;
}

int customer_split(const json_t *item, char **doc, char **list_extra)
{
	json_t *core, *ext;
	*doc = *list_extra = NULL;
	if (split_objects(item, &core, &ext) != 0)
		return -1;
	*doc = json_text(core);
	*list_extra = json_text(ext);
	if (*list_extra != NULL)
		as_fragment(*list_extra, strlen(*list_extra));
	json_decref(core);
	json_decref(ext);
	if (*doc != NULL && *list_extra != NULL)
		return 0;
	free(*doc);
	free(*list_extra);
	*doc = *list_extra = NULL;
	return -1;
}

static enum db_rc import_customer(struct db *db, const json_t *item, const char *tenant, char *err,
                                  size_t errlen)
{
	const char *owner = str_member(item, "ownerId");
	if (owner != NULL && !id_valid(owner, strlen(owner))) {
		snprintf(err, errlen, "ownerId: a user id of 1..%d characters [A-Za-z0-9_-]",
		         LIMIT_ID_CHARS);
		return DB_INVALID;
	}
	char *doc = NULL, *extra = NULL;
	if (customer_split(item, &doc, &extra) != 0)
		return DB_ERROR;
	struct customer_keys k;
	customer_keys(item, &k);
	struct db_param p[8] = {
	        dbp_cstr(tenant), dbp_cstr(str_member(item, "id")),
	        k.sort_name,      k.owner,
	        k.status,         k.overdue,
	        dbp_cstr(doc),    dbp_cstr(extra),
	};
	enum db_rc rc = db_run(db, STMT_CUSTOMER_UPSERT, p, NULL, NULL, NULL);
	free(doc);
	free(extra);
	return rc;
}

static enum db_rc import_child(struct db *db, enum stmt st, const json_t *item, const char *key,
                               const char *tenant)
{
	char *doc = json_text(item);
	if (doc == NULL)
		return DB_ERROR;
	struct db_param when = time_param(item, key);
	if (when.type == DBP_NULL && st == STMT_ACTIVITY_UPSERT)
		when = time_param(item, "created");
	struct db_param p[5] = {
	        dbp_cstr(tenant),
	        dbp_cstr(str_member(item, "id")),
	        dbp_cstr(str_member(item, "customerId")),
	        when,
	        dbp_cstr(doc),
	};
	enum db_rc rc = db_run(db, st, p, NULL, NULL, NULL);
	free(doc);
	return rc;
}

static enum db_rc import_user(struct db *db, const json_t *item, int active, const char *tenant,
                              char *err, size_t errlen)
{
	const char *username = str_member(item, "username");
	if (username == NULL) {
		snprintf(err, errlen, "username: required");
		return DB_INVALID;
	}
	struct db_param p[5] = {
	        dbp_cstr(tenant),        dbp_cstr(str_member(item, "id")),
	        dbp_cstr(username),      dbp_cstr(str_member(item, "displayName")),
	        dbp_int(active ? 1 : 0),
	};
	return db_run(db, STMT_USER_UPSERT, p, NULL, NULL, NULL);
}

enum db_rc db_import_item(struct db *db, int shape_kind, const json_t *item, int user_active,
                          const char *tenant, char *err, size_t errlen)
{
	err[0] = '\0';
	switch (shape_kind) {
	case SHAPE_USER: return import_user(db, item, user_active, tenant, err, errlen);
	case SHAPE_CUSTOMER: return import_customer(db, item, tenant, err, errlen);
	case SHAPE_OPPORTUNITY:
		return import_child(db, STMT_OPPORTUNITY_UPSERT, item, "created", tenant);
	case SHAPE_ACTIVITY:
		return import_child(db, STMT_ACTIVITY_UPSERT, item, "scheduledAt", tenant);
	default: snprintf(err, errlen, "unknown item kind"); return DB_INVALID;
	}
}

/* ---- bulk import ----------------------------------------------------------
 *
 * An import_batch holds the rows of many items, ready to bind: the strings
 * they point to are copied into the batch's arena (blocks that never move),
 * so a batch can be built on one thread from JSON it then frees and run on
 * another.  db_import_batch runs, per kind, the upsert over all its rows at
 * once (db_run_bulk) and records the customers touched.
 */

#define ARENA_BLOCK      (1024 * 1024)
#define BULK_MAX_ROWS    2000
#define BULK_MAX_BYTES   (4UL * 1024 * 1024) /* well below max_allowed_packet (16 MiB) */
#define BATCH_MAX_PARAMS 8                   /* the widest upsert, a customer's */

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
};

struct kind_rows {
	struct db_param *p; /* n rows of the kind's upsert parameters */
	size_t n, cap;
	size_t *bytes; /* bytes of each row's strings */
};

struct import_batch {
	char *tenant;
	struct arena_block *arena;
	struct strbuf scratch; /* a document's text, before arena_copy */
	struct kind_rows rows[SHAPE__MAX];
	size_t items, bytes;
};

/*
 * Per kind: its upsert and how many parameters it takes, and how the
 * customers it touches are recorded: a customer by its own id (parameter
 * touch_id), an opportunity or activity by the statement touch_owners
 * (the customers it belongs to before and after the upsert), else none.
 * An item's upsert parameters begin with tenant, id and, for items of a
 * customer, customer_id.
 */
static const struct {
	enum stmt upsert;
	unsigned nparams;
	int touch_id;
	enum stmt touch_owners;
} kinds[SHAPE__MAX] = {
        [SHAPE_USER] = {STMT_USER_UPSERT, 5, -1, STMT__MAX},
        [SHAPE_CUSTOMER] = {STMT_CUSTOMER_UPSERT, 8, 1, STMT__MAX},
        [SHAPE_OPPORTUNITY] = {STMT_OPPORTUNITY_UPSERT, 5, -1,
                               STMT_IMPORT_TOUCH_OPPORTUNITY_OWNERS},
        [SHAPE_ACTIVITY] = {STMT_ACTIVITY_UPSERT, 5, -1, STMT_IMPORT_TOUCH_ACTIVITY_OWNERS},
};
_Static_assert(BATCH_MAX_PARAMS >= 8, "a customer's upsert takes 8 parameters");

struct import_batch *import_batch_new(const char *tenant)
{
	struct import_batch *b = calloc(1, sizeof(*b));
	if (b != NULL && (b->tenant = strdup(tenant)) == NULL) {
		free(b);
		b = NULL;
	}
	return b;
}

static void arena_free(struct arena_block *a)
{
	while (a != NULL) {
		struct arena_block *next = a->next;
		free(a);
		a = next;
	}
}

void import_batch_clear(struct import_batch *b)
{
	/* the newest block is kept for the next rows */
	if (b->arena != NULL) {
		arena_free(b->arena->next);
		b->arena->next = NULL;
		b->arena->used = 0;
	}
	for (int k = 0; k < SHAPE__MAX; k++)
		b->rows[k].n = 0;
	b->items = b->bytes = 0;
}

void import_batch_free(struct import_batch *b)
{
	if (b == NULL)
		return;
	arena_free(b->arena);
	for (int k = 0; k < SHAPE__MAX; k++) {
		free(b->rows[k].p);
		free(b->rows[k].bytes);
	}
	strbuf_free(&b->scratch);
	free(b->tenant);
	free(b);
}

size_t import_batch_items(const struct import_batch *b)
{
	return b->items;
}

size_t import_batch_bytes(const struct import_batch *b)
{
	return b->bytes;
}

/* The arena's newest block with room for len more bytes after its used ones (a new
 * block when it has none): NULL when memory ran out. */
static struct arena_block *arena_room(struct import_batch *b, size_t len)
{
	struct arena_block *a = b->arena;
	if (a != NULL && a->cap - a->used >= len)
		return a;
	size_t cap = len > ARENA_BLOCK ? len : ARENA_BLOCK;
	struct arena_block *n = malloc(sizeof(*n) + cap);
	if (n == NULL)
		return NULL;
	n->cap = cap;
	n->used = 0;
	n->next = a;
	b->arena = n;
	return n;
}

/* A copy of len bytes (and a NUL) in the arena, or NULL when memory ran out. */
static const char *arena_copy(struct import_batch *b, const char *s, size_t len)
{
	struct arena_block *a = arena_room(b, len + 1);
	if (a == NULL)
		return NULL;
	char *out = a->data + a->used;
	memcpy(out, s, len);
	out[len] = '\0';
	a->used += len + 1;
	return out;
}

/* item's text (NUL-terminated, in the arena) in *p, written by strbuf_append_json into the
 * batch's scratch buffer and copied once: -1 when memory ran out. */
static int arena_dump(struct import_batch *b, const json_t *item, struct db_param *p)
{
	strbuf_reset(&b->scratch);
	strbuf_append_json(&b->scratch, item);
	const char *text =
	        strbuf_failed(&b->scratch) ? NULL : arena_copy(b, b->scratch.data, b->scratch.len);
	if (text == NULL)
		return -1;
	*p = dbp_str(text, b->scratch.len);
	return 0;
}

/* Appends a row of the kind's parameters, copying their strings but those already in the
 * arena (bit i of in_arena set for p[i]): 0 or -1 (out of memory). */
static int add_row(struct import_batch *b, int kind, const struct db_param *p, unsigned in_arena)
{
	struct kind_rows *r = &b->rows[kind];
	unsigned np = kinds[kind].nparams;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct db_param *grown = realloc(r->p, cap * np * sizeof(*grown));
		if (grown == NULL)
			return -1;
		r->p = grown;
		size_t *bytes = realloc(r->bytes, cap * sizeof(*bytes));
		if (bytes == NULL)
			return -1;
		r->bytes = bytes;
		r->cap = cap;
	}
	struct db_param *row = &r->p[r->n * np];
	size_t bytes = 0;
	for (unsigned i = 0; i < np; i++) {
		row[i] = p[i];
		if (p[i].type != DBP_STR)
			continue;
		/* the tenant is the batch's own copy; everything else is copied */
		if (p[i].str != b->tenant && !(in_arena >> i & 1) &&
		    (row[i].str = arena_copy(b, p[i].str, p[i].len)) == NULL)
			return -1;
		bytes += p[i].len;
	}
	r->bytes[r->n++] = bytes + 16 * np;
	b->bytes += bytes;
	b->items++;
	return 0;
}

static enum db_rc batch_customer(struct import_batch *b, const json_t *item, char *err,
                                 size_t errlen)
{
	const char *owner = str_member(item, "ownerId");
	if (owner != NULL && !id_valid(owner, strlen(owner))) {
		snprintf(err, errlen, "ownerId: a user id of 1..%d characters [A-Za-z0-9_-]",
		         LIMIT_ID_CHARS);
		return DB_INVALID;
	}
	json_t *core, *ext;
	if (split_objects(item, &core, &ext) != 0)
		return DB_ERROR;
	struct customer_keys k;
	customer_keys(item, &k);
	struct db_param p[8] = {
	        dbp_cstr(b->tenant),
	        dbp_cstr(str_member(item, "id")),
	        k.sort_name,
	        k.owner,
	        k.status,
	        k.overdue,
	};
	int rc = arena_dump(b, core, &p[6]) == 0 && arena_dump(b, ext, &p[7]) == 0 ? 0 : -1;
	if (rc == 0) {
		p[7].len = as_fragment((char *)p[7].str, p[7].len);
		rc = add_row(b, SHAPE_CUSTOMER, p, 1u << 6 | 1u << 7);
	}
	json_decref(core);
	json_decref(ext);
	return rc == 0 ? DB_OK : DB_ERROR;
}

static enum db_rc batch_child(struct import_batch *b, int kind, const json_t *item, const char *key)
{
	struct db_param when = time_param(item, key);
	if (when.type == DBP_NULL && kind == SHAPE_ACTIVITY)
		when = time_param(item, "created");
	struct db_param p[5] = {
	        dbp_cstr(b->tenant),
	        dbp_cstr(str_member(item, "id")),
	        dbp_cstr(str_member(item, "customerId")),
	        when,
	};
	if (arena_dump(b, item, &p[4]) != 0)
		return DB_ERROR;
	return add_row(b, kind, p, 1u << 4) == 0 ? DB_OK : DB_ERROR;
}

static enum db_rc batch_user(struct import_batch *b, const json_t *item, int active, char *err,
                             size_t errlen)
{
	const char *username = str_member(item, "username");
	if (username == NULL) {
		snprintf(err, errlen, "username: required");
		return DB_INVALID;
	}
	struct db_param p[5] = {
	        dbp_cstr(b->tenant),     dbp_cstr(str_member(item, "id")),
	        dbp_cstr(username),      dbp_cstr(str_member(item, "displayName")),
	        dbp_int(active ? 1 : 0),
	};
	return add_row(b, SHAPE_USER, p, 0) == 0 ? DB_OK : DB_ERROR;
}

enum db_rc import_batch_add(struct import_batch *b, int shape_kind, const json_t *item,
                            int user_active, char *err, size_t errlen)
{
	err[0] = '\0';
	switch (shape_kind) {
	case SHAPE_USER: return batch_user(b, item, user_active, err, errlen);
	case SHAPE_CUSTOMER: return batch_customer(b, item, err, errlen);
	case SHAPE_OPPORTUNITY: return batch_child(b, SHAPE_OPPORTUNITY, item, "created");
	case SHAPE_ACTIVITY: return batch_child(b, SHAPE_ACTIVITY, item, "scheduledAt");
	default: snprintf(err, errlen, "unknown item kind"); return DB_INVALID;
	}
}

/* One slice of a kind's rows: the customers they touch, then the upsert. */
static enum db_rc run_slice(struct db *db, int kind, const struct db_param *p, unsigned n)
{
	size_t stride = kinds[kind].nparams;
	enum db_rc rc = DB_OK;
	if (kinds[kind].touch_id >= 0)
		rc = db_run_bulk(db, STMT_IMPORT_TOUCH, p + kinds[kind].touch_id, stride, n, NULL);
	if (kinds[kind].touch_owners != STMT__MAX) {
		/* (id, customer_id) are parameters 1 and 2, the tenant parameter 0 */
		rc = db_run_bulk(db, STMT_IMPORT_ITEMS_ADD, p + 1, stride, n, NULL);
		if (rc == DB_OK)
			rc = db_run(db, kinds[kind].touch_owners, p, NULL, NULL, NULL);
		if (rc == DB_OK)
			rc = db_run(db, STMT_IMPORT_ITEMS_CLEAR, NULL, NULL, NULL, NULL);
	}
	if (rc == DB_OK)
		rc = db_run_bulk(db, kinds[kind].upsert, p, stride, n, NULL);
	return rc;
}

enum db_rc db_import_batch(struct db *db, struct import_batch *b)
{
	enum db_rc rc = DB_OK;
	/* users first: nothing refers to them by a key; then customers, then their items */
	for (int k = 0; rc == DB_OK && k < SHAPE__MAX; k++) {
		struct kind_rows *r = &b->rows[k];
		size_t first = 0;
		while (rc == DB_OK && first < r->n) {
			size_t n = 0, bytes = 0;
			while (first + n < r->n && n < BULK_MAX_ROWS &&
			       (n == 0 || bytes + r->bytes[first + n] <= BULK_MAX_BYTES))
				bytes += r->bytes[first + n++];
			rc = run_slice(db, k, &r->p[first * kinds[k].nparams], (unsigned)n);
			first += n;
		}
	}
	import_batch_clear(b);
	return rc;
}

enum db_rc db_import_start(struct db *db)
{
	static const enum stmt steps[] = {STMT_IMPORT_TOUCHED_CREATE, STMT_IMPORT_ITEMS_CREATE,
	                                  STMT_IMPORT_TOUCHED_CLEAR, STMT_IMPORT_ITEMS_CLEAR};
	enum db_rc rc = DB_OK;
	for (size_t i = 0; rc == DB_OK && i < sizeof(steps) / sizeof(steps[0]); i++)
		rc = db_run(db, steps[i], NULL, NULL, NULL, NULL);
	return rc;
}

enum db_rc db_refresh_enriched(struct db *db, const char *tenant)
{
	struct db_param p[1] = {dbp_cstr(tenant)};
	enum db_rc rc = db_run(db, STMT_CUSTOMER_REFRESH_ENRICHED, p, NULL, NULL, NULL);
	if (rc == DB_OK)
		rc = db_run(db, STMT_IMPORT_TOUCHED_CLEAR, NULL, NULL, NULL, NULL);
	return rc;
}

enum db_rc db_import_lock_tenant(struct db *db, const char *tenant, int wait_seconds)
{
	struct db_param wait[1] = {dbp_int(wait_seconds)};
	struct db_param p[2] = {dbp_cstr(tenant), dbp_int(timefmt_now())};
	enum db_rc rc = db_run(db, STMT_IMPORT_LOCK_WAIT, wait, NULL, NULL, NULL);
	if (rc == DB_OK)
		rc = db_run(db, STMT_IMPORT_TENANT_LOCK, p, NULL, NULL, NULL);
	if (rc == DB_RETRY && db_last_was_lock_wait(db)) {
		db_note_error(db, "another import into this tenant holds its lock");
		rc = DB_CONFLICT;
	}
	/* back to the wait every other statement of the session has */
	struct db_param normal[1] = {dbp_int(db_lock_wait_timeout(db))};
	enum db_rc back = db_run(db, STMT_IMPORT_LOCK_WAIT, normal, NULL, NULL, NULL);
	return rc == DB_OK ? back : rc;
}

enum db_rc db_import_session(struct db *db)
{
	return db_run(db, STMT_IMPORT_READ_COMMITTED, NULL, NULL, NULL, NULL);
}

int db_last_was_lock_wait(const struct db *db)
{
	return db_last_error_code(db) == ER_LOCK_WAIT_TIMEOUT;
}
