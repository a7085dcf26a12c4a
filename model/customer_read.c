/* customer_read: the list pages and the enriched customer, written from stored JSON by concatenation. */
#include <stdlib.h>
#include <string.h>

#include "lib/etag.h"
#include "model/model.h"
#include "model/stmt.h"

/* A stored document is a JSON object: everything but its closing brace. */
static void append_open_object(struct strbuf *out, const char *doc, unsigned long len)
{
	if (len > 0 && doc[len - 1] == '}')
		len--;
	strbuf_append(out, doc, len);
}

struct list_ctx {
	const struct list_query *q;
	struct strbuf *out;
	size_t start; /* out->len where the page's '[' was written */
	int count;
	int more;
	struct page_key last;
	struct strbuf tags; /* each listed customer's list_tag, in page order */
};

/* What a page's tag is made of, before its customers' tags: never a body's bytes. */
#define PAGE_TAG_DOMAIN "crm list page\n"

void customer_write_list(struct strbuf *out, const struct db_row *row)
{
	append_open_object(out, row->val[COL_LIST_DOC], row->len[COL_LIST_DOC]);
	strbuf_append(out, row->val[COL_LIST_EXTRA], row->len[COL_LIST_EXTRA]);
	strbuf_append_char(out, '}');
}

static enum db_rc list_row(void *arg, const struct db_row *row)
{
	struct list_ctx *c = arg;
	if (c->more)
		return DB_OK; /* the page is complete; the rest of the rows are not needed */
	/* the row as it will be written: a comma, the document and its list fragment */
	size_t row_bytes = 1 + row->len[COL_LIST_DOC] + row->len[COL_LIST_EXTRA];
	if (c->count == c->q->limit ||
	    (c->count > 0 && c->out->len + row_bytes + 1 > c->start + c->q->max_bytes)) {
		c->more = 1; /* a row beyond the page only says another page exists */
		return DB_OK;
	}
	if (row->is_null[COL_LIST_TAG] || row->len[COL_LIST_TAG] != LIST_TAG_BYTES)
		return DB_ERROR; /* migration 6 writes it on every row */
	if (c->count++ > 0)
		strbuf_append_char(c->out, ',');
	customer_write_list(c->out, row);
	strbuf_append(&c->tags, row->val[COL_LIST_TAG], LIST_TAG_BYTES);
	const char *key = row->val[COL_LIST_KEY];
	size_t key_len = row->len[COL_LIST_KEY], id_len = row->len[COL_LIST_ID];
	if (c->q->kind == LIST_OVERDUE) {
		c->last.due = strtoll(key, NULL, 10);
	} else {
		size_t n = key_len < PAGE_NAME_MAX ? key_len : PAGE_NAME_MAX;
		memcpy(c->last.name, key, n);
		c->last.name[n] = '\0';
	}
	size_t idn = id_len < sizeof(c->last.id) - 1 ? id_len : sizeof(c->last.id) - 1;
	memcpy(c->last.id, row->val[COL_LIST_ID], idn);
	c->last.id[idn] = '\0';
	return DB_OK;
}

/*
 * The page's bytes are '[' + its customers' list shapes joined by ',' + ']',
 * and a page's JSON splits into its customers one way only: equal sequences
 * of customer tags mean equal bytes, and the other way round.
 */
enum db_rc db_customer_list(struct db *db, const struct list_query *q, struct strbuf *out,
                            int *more, struct page_key *next, char tag[ETAG_SIZE])
{
	static const enum stmt stmts[LIST__MAX] = {
	        [LIST_BY_OWNER] = STMT_CUSTOMER_LIST_BY_OWNER,
	        [LIST_BY_STATUS] = STMT_CUSTOMER_LIST_BY_STATUS,
	        [LIST_OVERDUE] = STMT_CUSTOMER_LIST_OVERDUE,
	};
	static struct list_ctx zero;
	struct list_ctx c = zero;
	c.q = q;
	c.out = out;
	c.start = out->len;
	const char *after_id = q->after ? q->after->id : "";
	struct db_param p[6];
	p[0] = dbp_cstr(q->tenant);
	if (q->kind == LIST_OVERDUE) {
		long long after_due = q->after ? q->after->due : INT64_MIN;
		p[1] = dbp_int(q->now);
		p[2] = dbp_int(after_due);
		p[3] = dbp_int(after_due);
	} else {
		const char *after_name = q->after ? q->after->name : "";
		p[1] = dbp_cstr(q->filter);
		p[2] = dbp_cstr(after_name);
		p[3] = dbp_cstr(after_name);
	}
	p[4] = dbp_cstr(after_id);
	p[5] = dbp_int(q->limit + 1);
	strbuf_init(&c.tags);
	strbuf_append_str(&c.tags, PAGE_TAG_DOMAIN);
	strbuf_append_char(out, '[');
	enum db_rc rc = db_run(db, stmts[q->kind], p, list_row, &c, NULL);
	strbuf_append_char(out, ']');
	if (rc == DB_ERROR && c.tags.len > 0 && !c.tags.failed)
		db_note_error(db, "a customer without list_tag; run crmctl migrate");
	if (rc == DB_OK && (c.tags.failed || etag_of(c.tags.data, c.tags.len, tag) != 0)) {
		db_note_error(db, "the page's ETag could not be made (out of memory)");
		rc = DB_ERROR;
	}
	strbuf_free(&c.tags);
	*more = c.more;
	if (c.more)
		*next = c.last;
	return rc;
}

struct enriched_ctx {
	struct strbuf *out;
	int found;
	int complete; /* the row held its opportunities-and-activities fragment */
};

/* The owner's members (OWNER_MEMBERS) in the order they are written. */
static const struct {
	const char *member;
	enum enriched_col col;
} owner_members[] = {
#define OWNER_MEMBER(member, col) {member, col},
        OWNER_MEMBERS(OWNER_MEMBER)
#undef OWNER_MEMBER
};

static void append_member_name(struct strbuf *out, char before, const char *member)
{
	strbuf_append_char(out, before);
	strbuf_append_json_string(out, member, strlen(member));
	strbuf_append_char(out, ':');
}

static void append_owner(struct strbuf *out, const struct db_row *row)
{
	append_member_name(out, ',', ENRICHED_OWNER);
	if (row->is_null[COL_OWNER_ID]) {
		strbuf_append_str(out, "null");
		return;
	}
	for (size_t i = 0; i < sizeof(owner_members) / sizeof(owner_members[0]); i++) {
		enum enriched_col col = owner_members[i].col;
		append_member_name(out, i == 0 ? '{' : ',', owner_members[i].member);
		if (row->is_null[col])
			strbuf_append_str(out, "null");
		else
			strbuf_append_json_string(out, row->val[col], row->len[col]);
	}
	strbuf_append_char(out, '}');
}

int customer_write_enriched(struct strbuf *out, const struct db_row *row)
{
	if (row->is_null[COL_ENRICHED_EXTRA])
		return -1;
	append_open_object(out, row->val[COL_ENRICHED_DOC], row->len[COL_ENRICHED_DOC]);
	append_owner(out, row);
	strbuf_append(out, row->val[COL_ENRICHED_EXTRA], row->len[COL_ENRICHED_EXTRA]);
	strbuf_append_char(out, '}');
	return 0;
}

static enum db_rc customer_row(void *arg, const struct db_row *row)
{
	struct enriched_ctx *c = arg;
	c->found = 1;
	c->complete = customer_write_enriched(c->out, row) == 0;
	return DB_OK;
}

enum db_rc db_customer_get_enriched(struct db *db, const char *tenant, const char *id,
                                    struct strbuf *out)
{
	struct enriched_ctx c = {out, 0, 0};
	struct db_param p[2] = {dbp_cstr(tenant), dbp_cstr(id)};
	enum db_rc rc = db_run(db, STMT_CUSTOMER_GET_ENRICHED, p, customer_row, &c, NULL);
	if (rc == DB_OK && !c.found)
		return DB_NOT_FOUND;
	if (rc == DB_OK && !c.complete) {
		/* every import and migration 2 write it: a row without one was not
		 * stored by this program's import */
		db_note_error(db, "customer without enriched_extra; run crmctl migrate or import");
		return DB_ERROR;
	}
	return rc;
}
