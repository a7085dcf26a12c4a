/* customer_list: list pages, plain or gzip: named by their customers' tags, then from the page cache or written from stored JSON. */
#include <stdlib.h>
#include <string.h>

#include "lib/etag.h"
#include "lib/gzip.h"
#include "lib/shm_cache.h"
#include "model/model.h"
#include "model/stmt.h"

/* What a page's tag is made of, before its customers' tags: never a body's
 * bytes, and another for each encoding (the bytes differ). */
#define PAGE_TAG_DOMAIN    "crm list page\n"
#define PAGE_TAG_DOMAIN_GZ "crm list page, gzip\n"

struct list_ctx {
	struct db *db;
	const struct list_query *q;
	struct strbuf *out; /* where list_row writes the page */
	size_t bytes;       /* of the plain page so far, its '[' included */
	int count;
	int more;
	struct page_key last;
	struct strbuf tags; /* each listed customer's list_tag, in page order */
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

/* The page's tag into tag: of domain (which names the encoding) and its customers' tags. */
static enum db_rc page_tag(struct list_ctx *c, const char *domain, char tag[ETAG_SIZE])
{
	struct strbuf named = STRBUF_INIT;
	strbuf_append_str(&named, domain);
	strbuf_append(&named, c->tags.data, c->tags.len);
	int failed = c->out->failed || c->tags.failed || named.failed ||
	             etag_of(named.data, named.len, tag) != 0;
	strbuf_free(&named);
	if (failed) {
		db_note_error(c->db, "the page could not be made (out of memory)");
		return DB_ERROR;
	}
	return DB_OK;
}

/* Forgets what a statement gathered, for another read of the page. */
static void page_restart(struct list_ctx *c)
{
	c->bytes = 1;
	c->count = 0;
	c->more = 0;
	strbuf_reset(&c->tags);
}

/* The page's extent and customers' tags, from the list's index alone. */
static enum db_rc read_tags(struct db *db, struct list_ctx *c)
{
	static const enum stmt tags[LIST__MAX] = {
	        [LIST_BY_OWNER] = STMT_CUSTOMER_LIST_BY_OWNER_TAGS,
	        [LIST_BY_STATUS] = STMT_CUSTOMER_LIST_BY_STATUS_TAGS,
	        [LIST_OVERDUE] = STMT_CUSTOMER_LIST_OVERDUE_TAGS,
	};
	struct db_param p[6];
	list_params(c->q, p);
	page_restart(c);
	return db_run(db, tags[c->q->kind], p, tags_row, c, NULL);
}

/* The page's JSON into body, read from the documents (the tags read again with it). */
static enum db_rc read_plain(struct db *db, struct list_ctx *c, struct strbuf *body)
{
	static const enum stmt plain[LIST__MAX] = {
	        [LIST_BY_OWNER] = STMT_CUSTOMER_LIST_BY_OWNER,
	        [LIST_BY_STATUS] = STMT_CUSTOMER_LIST_BY_STATUS,
	        [LIST_OVERDUE] = STMT_CUSTOMER_LIST_OVERDUE,
	};
	struct db_param p[6];
	list_params(c->q, p);
	page_restart(c);
	c->out = body;
	strbuf_append_char(body, '[');
	enum db_rc rc = db_run(db, plain[c->q->kind], p, list_row, c, NULL);
	strbuf_append_char(body, ']');
	return rc;
}

/*
 * The plain page into body: from the cache under tag (what the tags
 * statement named), else read and kept.  The page read may differ from the
 * one named when a writer came in between: tag is then its own.
 */
static enum db_rc plain_page(struct db *db, struct list_ctx *c, struct strbuf *body,
                             char tag[ETAG_SIZE])
{
	if (shm_cache_get(c->q->cache, tag, strlen(tag), body))
		return DB_OK;
	enum db_rc rc = read_plain(db, c, body);
	if (rc == DB_OK)
		rc = page_tag(c, PAGE_TAG_DOMAIN, tag);
	if (rc == DB_OK)
		shm_cache_put(c->q->cache, tag, strlen(tag), body->data, body->len);
	return rc;
}

/* The gzip page into out: from the cache, else compressed once from the
 * plain page and kept (compressed well when the cache can keep it). */
static enum db_rc gzip_page(struct db *db, struct list_ctx *c, struct strbuf *out,
                            char tag[ETAG_SIZE])
{
	if (shm_cache_get(c->q->cache, tag, strlen(tag), out))
		return DB_OK;
	struct strbuf plain = STRBUF_INIT;
	char plain_tag[ETAG_SIZE];
	enum db_rc rc = page_tag(c, PAGE_TAG_DOMAIN, plain_tag);
	if (rc == DB_OK)
		rc = plain_page(db, c, &plain, plain_tag);
	if (rc == DB_OK)
		rc = page_tag(c, PAGE_TAG_DOMAIN_GZ, tag); /* of the page read, when it was */
	int level = plain.len <= shm_cache_max_value(c->q->cache) ? GZ_LEVEL_KEPT : GZ_LEVEL_ONCE;
	if (rc == DB_OK && (plain.failed || gz_compress(plain.data, plain.len, level, out) != 0)) {
		db_note_error(c->db, "the page could not be compressed (zlib, memory)");
		rc = DB_ERROR;
	}
	if (rc == DB_OK)
		shm_cache_put(c->q->cache, tag, strlen(tag), out->data, out->len);
	strbuf_free(&plain);
	return rc;
}

/*
 * The page's bytes are '[' + its customers' list shapes joined by ',' + ']',
 * and a page's JSON splits into its customers one way only: equal sequences
 * of customer tags mean equal bytes, and the other way round (and the gzip
 * member of a page is a function of its plain bytes).  So the tags
 * statement names the page, and a page kept under that name is the page.
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
	const char *inm = q->if_none_match;
	enum db_rc rc = read_tags(db, &c);
	if (rc == DB_OK)
		rc = page_tag(&c, q->gzip ? PAGE_TAG_DOMAIN_GZ : PAGE_TAG_DOMAIN, tag);
	if (rc == DB_OK && inm != NULL &&
	    etag_list_match(inm, strlen(inm), tag, ETAG_WEAK) == ETAG_LIST_MATCH)
		c.more = 0; /* not modified: no body, and a 304 carries no Link */
	else if (rc == DB_OK)
		rc = q->gzip ? gzip_page(db, &c, out, tag) : plain_page(db, &c, out, tag);
	strbuf_free(&c.tags);
	*more = c.more;
	if (c.more)
		*next = c.last;
	return rc;
}
