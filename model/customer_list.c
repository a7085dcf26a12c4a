/* customer_list: list pages, plain or gzip, written from stored JSON and stored fragments by concatenation. */
#include <stdlib.h>
#include <string.h>

#include "lib/etag.h"
#include "lib/gzip.h"
#include "model/model.h"
#include "model/stmt.h"

/* What a page's tag is made of, before its customers' tags: never a body's
 * bytes, and another for each encoding (the bytes differ). */
#define PAGE_TAG_DOMAIN    "crm list page\n"
#define PAGE_TAG_DOMAIN_GZ "crm list page, gzip\n"

/* A fragment made for this page, to be stored once the page is read. */
struct made {
	char id[LIMIT_ID_CHARS + 1];
	unsigned char tag[LIST_TAG_BYTES];
	size_t off, len; /* in list_ctx.made */
};

struct list_ctx {
	struct db *db;
	const struct list_query *q;
	struct strbuf *out;
	size_t bytes; /* of the plain page so far, its '[' included */
	int count;
	int more;
	struct page_key last;
	struct strbuf tags; /* each listed customer's list_tag, in page order */
	/* gzip pages */
	struct gz_stream gz;
	struct strbuf shape; /* a customer's list shape, to make its fragment from */
	struct strbuf frags; /* fragments made for this page */
	struct made *made;   /* q->limit of them at most */
	size_t nmade;
};

void customer_write_list(struct strbuf *out, const struct db_row *row)
{
	customer_append_open_object(out, row->val[COL_LIST_DOC], row->len[COL_LIST_DOC]);
	strbuf_append(out, row->val[COL_LIST_EXTRA], row->len[COL_LIST_EXTRA]);
	strbuf_append_char(out, '}');
}

/* Does a customer of item bytes (its list shape) still belong on the page?
 * A row beyond the page only says another page exists. */
static int page_takes(struct list_ctx *c, size_t item)
{
	size_t with_comma = item + (c->count > 0 ? 1 : 0);
	if (c->count == c->q->limit ||
	    (c->count > 0 && c->bytes + with_comma + 1 > c->q->max_bytes)) {
		c->more = 1;
		return 0;
	}
	c->bytes += with_comma;
	return 1;
}

/* Remembers the row as the page's last (the next page's key) and its tag. */
static void page_note(struct list_ctx *c, const struct db_row *row, int key_col, int id_col,
                      int tag_col)
{
	const char *key = row->val[key_col];
	size_t key_len = row->len[key_col], id_len = row->len[id_col];
	if (c->q->kind == LIST_OVERDUE) {
		c->last.due = strtoll(key, NULL, 10);
	} else {
		size_t n = key_len < PAGE_NAME_MAX ? key_len : PAGE_NAME_MAX;
		memcpy(c->last.name, key, n);
		c->last.name[n] = '\0';
	}
	size_t idn = id_len < sizeof(c->last.id) - 1 ? id_len : sizeof(c->last.id) - 1;
	memcpy(c->last.id, row->val[id_col], idn);
	c->last.id[idn] = '\0';
	strbuf_append(&c->tags, row->val[tag_col], LIST_TAG_BYTES);
}

/* 1 when the row has its list_tag (migration 6 writes it on every row); else 0, noted. */
static int has_tag(struct list_ctx *c, const struct db_row *row, int tag_col)
{
	if (!row->is_null[tag_col] && row->len[tag_col] == LIST_TAG_BYTES)
		return 1;
	db_note_error(c->db, "a customer without list_tag; run crmctl migrate");
	return 0;
}

static enum db_rc list_row(void *arg, const struct db_row *row)
{
	struct list_ctx *c = arg;
	if (c->more)
		return DB_OK; /* the page is complete; the rest of the rows are not needed */
	if (!has_tag(c, row, COL_LIST_TAG))
		return DB_ERROR;
	if (!page_takes(c, row->len[COL_LIST_DOC] + row->len[COL_LIST_EXTRA]))
		return DB_OK;
	if (c->count++ > 0)
		strbuf_append_char(c->out, ',');
	customer_write_list(c->out, row);
	page_note(c, row, COL_LIST_KEY, COL_LIST_ID, COL_LIST_TAG);
	return DB_OK;
}

/* Makes the fragment of a customer whose stored one is missing or stale, and keeps it to store. */
static int make_fragment(struct list_ctx *c, const struct db_row *row, size_t *off)
{
	struct made *m = &c->made[c->nmade];
	strbuf_reset(&c->shape);
	customer_append_open_object(&c->shape, row->val[COL_GZ_DOC], row->len[COL_GZ_DOC]);
	strbuf_append(&c->shape, row->val[COL_GZ_EXTRA], row->len[COL_GZ_EXTRA]);
	strbuf_append_char(&c->shape, '}');
	memcpy(m->tag, row->val[COL_GZ_TAG], LIST_TAG_BYTES);
	m->off = *off = c->frags.len;
	if (c->shape.failed || row->len[COL_GZ_ID] >= sizeof(m->id) ||
	    gz_fragment(c->shape.data, c->shape.len, m->tag, &c->frags) != 0)
		return -1;
	m->len = c->frags.len - m->off;
	memcpy(m->id, row->val[COL_GZ_ID], row->len[COL_GZ_ID]);
	m->id[row->len[COL_GZ_ID]] = '\0';
	c->nmade++;
	return 0;
}

static enum db_rc gz_row(void *arg, const struct db_row *row)
{
	struct list_ctx *c = arg;
	uint32_t crc, plain = 0;
	if (c->more)
		return DB_OK;
	if (!has_tag(c, row, COL_GZ_TAG))
		return DB_ERROR;
	int stored = !row->is_null[COL_GZ_FRAGMENT] &&
	             gz_fragment_meta(row->val[COL_GZ_FRAGMENT], row->len[COL_GZ_FRAGMENT], &crc,
	                              &plain) == 0;
	size_t item = stored ? plain : row->len[COL_GZ_DOC] + row->len[COL_GZ_EXTRA];
	if (!page_takes(c, item))
		return DB_OK;
	if (c->count++ > 0)
		gz_append_plain(&c->gz, ",", 1);
	int rc;
	if (stored) {
		rc = gz_append_fragment(&c->gz, row->val[COL_GZ_FRAGMENT],
		                        row->len[COL_GZ_FRAGMENT]);
	} else {
		size_t off = 0;
		rc = make_fragment(c, row, &off);
		if (rc == 0)
			rc = gz_append_fragment(&c->gz, c->frags.data + off, c->frags.len - off);
	}
	page_note(c, row, COL_GZ_KEY, COL_GZ_ID, COL_GZ_TAG);
	if (rc != 0)
		db_note_error(c->db, "a customer's gzip fragment could not be made (zlib, memory)");
	return rc == 0 ? DB_OK : DB_ERROR;
}

/* A row of a tags statement: the page's extent and tags, no bytes written. */
static enum db_rc tags_row(void *arg, const struct db_row *row)
{
	struct list_ctx *c = arg;
	if (c->more)
		return DB_OK;
	/* list_bytes is generated from two NOT NULL columns: it is there when list_tag is */
	if (!has_tag(c, row, COL_TAGS_TAG))
		return DB_ERROR;
	if (!page_takes(c, (size_t)strtoull(row->val[COL_TAGS_BYTES], NULL, 10)))
		return DB_OK;
	c->count++;
	page_note(c, row, COL_TAGS_KEY, COL_TAGS_ID, COL_TAGS_TAG);
	return DB_OK;
}

/*
 * Stores the fragments made for the page, each only while the customer's
 * list_tag is still the one it was made from.  They are a cache: a failure
 * here costs the next reader the same work, never a wrong byte.
 */
static void store_fragments(struct db *db, const struct list_ctx *c)
{
	struct strbuf frag = STRBUF_INIT, tag = STRBUF_INIT;
	for (size_t i = 0; i < c->nmade; i++) {
		const struct made *m = &c->made[i];
		strbuf_reset(&frag);
		strbuf_reset(&tag);
		strbuf_append_hex(&frag, c->frags.data + m->off, m->len);
		strbuf_append_hex(&tag, m->tag, LIST_TAG_BYTES);
		struct db_param p[4] = {dbp_cstr(frag.data), dbp_cstr(c->q->tenant),
		                        dbp_cstr(m->id), dbp_cstr(tag.data)};
		if (frag.failed || tag.failed ||
		    db_run(db, STMT_CUSTOMER_GZ_STORE, p, NULL, NULL, NULL) != DB_OK)
			break;
	}
	strbuf_free(&frag);
	strbuf_free(&tag);
}

/* The statement's parameters: tenant, filter (or now), the position after the last page, limit. */
static void list_params(const struct list_query *q, struct db_param p[6])
{
	const char *after_id = q->after ? q->after->id : "";
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
}

/* The page's tag into tag, from c->tags (its domain and its customers' tags). */
static enum db_rc page_tag(struct list_ctx *c, char tag[ETAG_SIZE])
{
	if (c->out->failed || c->tags.failed || etag_of(c->tags.data, c->tags.len, tag) != 0) {
		db_note_error(c->db, "the page could not be made (out of memory)");
		return DB_ERROR;
	}
	return DB_OK;
}

/*
 * A conditional GET: the page's tag from the tags statement, which reads
 * no document.  1 when q->if_none_match names it (the page is not sent), 0
 * when the page must be read, or -1 with *rc set on an error.
 */
static int page_unchanged(struct db *db, struct list_ctx *c, char tag[ETAG_SIZE], enum db_rc *rc)
{
	static const enum stmt tags[LIST__MAX] = {
	        [LIST_BY_OWNER] = STMT_CUSTOMER_LIST_BY_OWNER_TAGS,
	        [LIST_BY_STATUS] = STMT_CUSTOMER_LIST_BY_STATUS_TAGS,
	        [LIST_OVERDUE] = STMT_CUSTOMER_LIST_OVERDUE_TAGS,
	};
	const char *inm = c->q->if_none_match;
	struct db_param p[6];
	list_params(c->q, p);
	*rc = db_run(db, tags[c->q->kind], p, tags_row, c, NULL);
	if (*rc == DB_OK)
		*rc = page_tag(c, tag);
	if (*rc != DB_OK)
		return -1;
	return etag_list_match(inm, strlen(inm), tag, ETAG_WEAK) == ETAG_LIST_MATCH;
}

/* Forgets what a tags statement gathered, for the page's own read. */
static void page_restart(struct list_ctx *c)
{
	c->bytes = 1;
	c->count = 0;
	c->more = 0;
	strbuf_reset(&c->tags);
	strbuf_append_str(&c->tags, c->q->gzip ? PAGE_TAG_DOMAIN_GZ : PAGE_TAG_DOMAIN);
}

/* Runs the page's statement into c: plain JSON, or a gzip member of it. */
static enum db_rc read_page(struct db *db, struct list_ctx *c)
{
	static const enum stmt plain[LIST__MAX] = {
	        [LIST_BY_OWNER] = STMT_CUSTOMER_LIST_BY_OWNER,
	        [LIST_BY_STATUS] = STMT_CUSTOMER_LIST_BY_STATUS,
	        [LIST_OVERDUE] = STMT_CUSTOMER_LIST_OVERDUE,
	};
	static const enum stmt gzip[LIST__MAX] = {
	        [LIST_BY_OWNER] = STMT_CUSTOMER_LIST_BY_OWNER_GZ,
	        [LIST_BY_STATUS] = STMT_CUSTOMER_LIST_BY_STATUS_GZ,
	        [LIST_OVERDUE] = STMT_CUSTOMER_LIST_OVERDUE_GZ,
	};
	struct db_param p[6];
	list_params(c->q, p);
	if (!c->q->gzip) {
		strbuf_append_char(c->out, '[');
		enum db_rc rc = db_run(db, plain[c->q->kind], p, list_row, c, NULL);
		strbuf_append_char(c->out, ']');
		return rc;
	}
	c->made = calloc((size_t)c->q->limit + 1, sizeof(*c->made));
	if (c->made == NULL)
		return DB_ERROR;
	gz_begin(&c->gz, c->out);
	gz_append_plain(&c->gz, "[", 1);
	enum db_rc rc = db_run(db, gzip[c->q->kind], p, gz_row, c, NULL);
	gz_append_plain(&c->gz, "]", 1);
	gz_end(&c->gz);
	if (rc == DB_OK)
		store_fragments(db, c);
	return rc;
}

/*
 * The page's bytes are '[' + its customers' list shapes joined by ',' + ']',
 * and a page's JSON splits into its customers one way only: equal sequences
 * of customer tags mean equal bytes, and the other way round (and the gzip
 * member of a page is a function of its plain bytes).
 */
enum db_rc db_customer_list(struct db *db, const struct list_query *q, struct strbuf *out,
                            int *more, struct page_key *next, char tag[ETAG_SIZE])
{
	static struct list_ctx zero;
	struct list_ctx c = zero;
	c.db = db;
	c.q = q;
	c.out = out;
	strbuf_init(&c.tags);
	strbuf_init(&c.shape);
	strbuf_init(&c.frags);
	enum db_rc rc = DB_OK;
	int unchanged = 0;
	if (q->if_none_match != NULL) {
		page_restart(&c);
		unchanged = page_unchanged(db, &c, tag, &rc);
	}
	if (unchanged == 0) {
		page_restart(&c);
		rc = read_page(db, &c);
		if (rc == DB_OK)
			rc = page_tag(&c, tag);
	} else if (unchanged == 1) {
		c.more = 0; /* a 304 carries no Link */
	}
	strbuf_free(&c.tags);
	strbuf_free(&c.shape);
	strbuf_free(&c.frags);
	free(c.made);
	*more = c.more;
	if (c.more)
		*next = c.last;
	return rc;
}
