/* import_file: reads import documents and JSON Lines, validates each item, stores them in bulk. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/json_read.h"
#include "model/shape.h"
#include "tools/crmctl/crmctl.h"
#include "tools/crmctl/import_file.h"

/* A batch is stored when it holds this many items or bytes (model/import.c
 * cuts it further into statements that fit a packet). */
#define BATCH_ITEMS 1000
#define BATCH_BYTES (4UL * 1024 * 1024)
#define MAX_PARSERS 8

struct section {
	const char *member; /* in the document */
	const char *kind;   /* in JSON Lines */
	enum shape_kind shape;
};

static const struct section sections[] = {
        {"users", "user", SHAPE_USER},
        {"customers", "customer", SHAPE_CUSTOMER},
        {"opportunities", "opportunity", SHAPE_OPPORTUNITY},
        {"activities", "activity", SHAPE_ACTIVITY},
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

/* Validates one item and adds it to b; `where` names it in messages ("customers[3]"). */
static enum db_rc batch_item(struct import_batch *b, enum shape_kind kind, const json_t *in,
                             const char *tenant, const char *where, char *err, size_t errlen)
{
	char why[400];
	json_t *item = shape_canonical(kind, in, tenant, why, sizeof(why));
	if (item == NULL) {
		snprintf(err, errlen, "%s: %s", where, why);
		return DB_INVALID;
	}
	int active = kind == SHAPE_USER ? shape_user_active(in) : 1;
	enum db_rc rc = import_batch_add(b, (int)kind, item, active, why, sizeof(why));
	json_decref(item);
	if (rc != DB_OK)
		snprintf(err, errlen, "%s: %s", where, rc == DB_INVALID ? why : "out of memory");
	return rc;
}

/* Stores b; `where` names its items in messages ("lines 1-1000"). */
static enum db_rc store_batch(struct db *db, struct import_batch *b, long *count, const char *where,
                              char *err, size_t errlen)
{
	size_t items = import_batch_items(b);
	enum db_rc rc = db_import_batch(db, b);
	if (rc == DB_OK)
		*count += (long)items;
	else
		snprintf(err, errlen, "%s: %s", where, ctl_db_failure(db, rc, ""));
	return rc;
}

static int check_members(const json_t *doc, char *err, size_t errlen)
{
	const char *key;
	json_t *value;
	json_object_foreach ((json_t *)doc, key, value) {
		size_t i = 0;
		while (i < NSECTIONS && strcmp(key, sections[i].member) != 0)
			i++;
		if (i == NSECTIONS) {
			snprintf(err, errlen,
			         "unknown member '%s' (expected users, customers, "
			         "opportunities, activities)",
			         key);
			return -1;
		}
		if (!json_is_array(value) && !json_is_null(value)) {
			snprintf(err, errlen, "%s: expected an array", key);
			return -1;
		}
	}
	return 0;
}

enum db_rc import_document_items(struct db *db, const json_t *doc, const char *tenant, long *count,
                                 char *err, size_t errlen)
{
	if (!json_is_object(doc)) {
		snprintf(err, errlen, "the document must be a JSON object");
		return DB_INVALID;
	}
	if (check_members(doc, err, errlen) != 0)
		return DB_INVALID;
	struct import_batch *b = import_batch_new(tenant);
	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		return DB_ERROR;
	}
	enum db_rc rc = DB_OK;
	char first[64] = "", where[64] = "";
	for (size_t s = 0; rc == DB_OK && s < NSECTIONS; s++) {
		size_t i;
		json_t *item;
		json_array_foreach (json_object_get(doc, sections[s].member), i, item) {
			snprintf(where, sizeof(where), "%s[%zu]", sections[s].member, i);
			if (import_batch_items(b) == 0)
				snprintf(first, sizeof(first), "%s", where);
			rc = batch_item(b, sections[s].shape, item, tenant, where, err, errlen);
			if (rc == DB_OK && (import_batch_items(b) >= BATCH_ITEMS ||
			                    import_batch_bytes(b) >= BATCH_BYTES)) {
				char span[140];
				snprintf(span, sizeof(span), "%s..%s", first, where);
				rc = store_batch(db, b, count, span, err, errlen);
			}
			if (rc != DB_OK)
				break;
		}
	}
	if (rc == DB_OK && import_batch_items(b) > 0) {
		char span[140];
		snprintf(span, sizeof(span), "%s..%s", first, where);
		rc = store_batch(db, b, count, span, err, errlen);
	}
	import_batch_free(b);
	return rc;
}

/* ---- JSON Lines: read, parse on every core, store in order ----------------
 *
 * The main thread reads the file into chunks of whole lines and publishes
 * them into a ring of slots; parser threads take published chunks in turn,
 * validate each line and build the chunk's batch; the main thread stores the
 * chunks in file order as they become ready, so items are upserted in the
 * order written and the first bad line in the file is the one reported.
 * All database work stays on the main thread's connection and transaction.
 */

struct chunk {
	char *text; /* the chunk's lines, each ended by '\n' */
	size_t len, cap;
	long first_line, last_line;
	struct import_batch *batch;
	enum db_rc rc; /* of parsing: DB_OK, DB_INVALID or DB_ERROR, with err */
	char err[600];
	int parsed; /* under the pipeline's mutex */
};

struct pipeline {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk *slots;
	size_t nslots;
	size_t filled;  /* chunks published */
	size_t claimed; /* chunks a parser took */
	int stop;
	const char *tenant;
};

static enum db_rc parse_line(struct import_batch *b, const char *line, size_t len, long lineno,
                             const char *tenant, char *err, size_t errlen)
{
	json_error_t jerr;
	char where[64];
	snprintf(where, sizeof(where), "line %ld", lineno);
	json_t *obj = json_read(line, len, &jerr);
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	size_t s = 0;
	while (kind != NULL && s < NSECTIONS && strcmp(kind, sections[s].kind) != 0)
		s++;
	enum db_rc rc = DB_INVALID;
	if (obj == NULL)
		snprintf(err, errlen, "%s: invalid JSON: %s", where, jerr.text);
	else if (kind == NULL || s == NSECTIONS)
		snprintf(err, errlen, "%s: kind: expected user, customer, opportunity or activity",
		         where);
	else {
		json_object_del(obj, "kind");
		rc = batch_item(b, sections[s].shape, obj, tenant, where, err, errlen);
	}
	json_decref(obj);
	return rc;
}

static void parse_chunk(struct chunk *c, const char *tenant)
{
	long lineno = c->first_line;
	c->rc = DB_OK;
	for (size_t at = 0; c->rc == DB_OK && at < c->len; lineno++) {
		const char *line = c->text + at, *nl = memchr(line, '\n', c->len - at);
		size_t len = (size_t)(nl - line);
		at += len + 1;
		len = import_line_len(line, len);
		if (len > 0)
			c->rc = parse_line(c->batch, line, len, lineno, tenant, c->err,
			                   sizeof(c->err));
	}
}

static void *parser_main(void *arg)
{
	struct pipeline *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->claimed == p->filled)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop)
			break;
		struct chunk *c = &p->slots[p->claimed++ % p->nslots];
		pthread_mutex_unlock(&p->mu);
		parse_chunk(c, p->tenant);
		pthread_mutex_lock(&p->mu);
		c->parsed = 1;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/*
 * Reads whole lines from f into c (emptied first) until BATCH_ITEMS lines or
 * BATCH_BYTES: 1 when f ended, 0 when more may follow, -1 when out of memory.
 */
static int read_chunk(FILE *f, struct chunk *c, long *lineno, char **line, size_t *cap)
{
	ssize_t n;
	c->len = 0;
	c->first_line = *lineno + 1;
	while (c->last_line - c->first_line + 1 < BATCH_ITEMS && c->len < BATCH_BYTES) {
		if ((n = getline(line, cap, f)) < 0)
			return 1;
		size_t len = (size_t)n;
		if (len > 0 && (*line)[len - 1] == '\n')
			len--;
		if (c->len + len + 1 > c->cap) {
			size_t want = (c->len + len + 1) * 2;
			char *grown = realloc(c->text, want);
			if (grown == NULL)
				return -1;
			c->text = grown;
			c->cap = want;
		}
		memcpy(c->text + c->len, *line, len);
		c->text[c->len + len] = '\n';
		c->len += len + 1;
		c->last_line = ++*lineno;
	}
	return 0;
}

static size_t parser_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > MAX_PARSERS ? MAX_PARSERS : (size_t)n;
}

enum db_rc import_lines_items(struct db *db, FILE *f, const char *tenant, long *count, char *err,
                              size_t errlen)
{
	struct pipeline p = {.tenant = tenant};
	pthread_t threads[MAX_PARSERS];
	size_t nthreads = 0, want = parser_count(), stored = 0;
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	int eof = 0;
	enum db_rc rc = DB_OK;
	p.nslots = 2 * want + 1;
	p.slots = calloc(p.nslots, sizeof(*p.slots));
	for (size_t i = 0; p.slots != NULL && i < p.nslots; i++)
		if ((p.slots[i].batch = import_batch_new(tenant)) == NULL)
			rc = DB_ERROR;
	if (p.slots == NULL || rc != DB_OK) {
		snprintf(err, errlen, "out of memory");
		rc = DB_ERROR;
		goto out;
	}
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	json_object_seed(0); /* jansson's hash seed, once, before any thread makes objects */
	while (nthreads < want && pthread_create(&threads[nthreads], NULL, parser_main, &p) == 0)
		nthreads++;
	for (;;) {
		/* publish chunks while a slot is free */
		while (rc == DB_OK && !eof && p.filled - stored < p.nslots) {
			struct chunk *c = &p.slots[p.filled % p.nslots];
			c->last_line = lineno;
			int r = read_chunk(f, c, &lineno, &line, &cap);
			if (r < 0) {
				snprintf(err, errlen, "out of memory");
				rc = DB_ERROR;
			}
			eof = r != 0;
			if (r >= 0 && c->len > 0) {
				pthread_mutex_lock(&p.mu);
				c->parsed = 0;
				p.filled++;
				pthread_cond_broadcast(&p.cv);
				pthread_mutex_unlock(&p.mu);
			}
		}
		if (rc != DB_OK || stored == p.filled)
			break;
		/* store the oldest chunk once it is parsed (by the main thread if no parser runs) */
		struct chunk *c = &p.slots[stored % p.nslots];
		if (nthreads == 0) {
			parse_chunk(c, tenant);
			c->parsed = 1;
		}
		pthread_mutex_lock(&p.mu);
		while (!c->parsed)
			pthread_cond_wait(&p.cv, &p.mu);
		pthread_mutex_unlock(&p.mu);
		if (c->rc != DB_OK) {
			snprintf(err, errlen, "%s", c->err);
			rc = c->rc;
			break;
		}
		char where[64];
		snprintf(where, sizeof(where), "lines %ld-%ld", c->first_line, c->last_line);
		rc = store_batch(db, c->batch, count, where, err, errlen);
		if (rc != DB_OK)
			break;
		stored++;
	}
	pthread_mutex_lock(&p.mu);
	p.stop = 1;
	pthread_cond_broadcast(&p.cv);
	pthread_mutex_unlock(&p.mu);
	for (size_t i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
out:
	for (size_t i = 0; p.slots != NULL && i < p.nslots; i++) {
		import_batch_free(p.slots[i].batch);
		free(p.slots[i].text);
	}
	free(p.slots);
	free(line);
	return rc;
}

/* The declarations of crmctl.h: the same, with 0 or -1. */
int import_document(struct db *db, const json_t *doc, const char *tenant, long *count, char *err,
                    size_t errlen)
{
	return import_document_items(db, doc, tenant, count, err, errlen) == DB_OK ? 0 : -1;
}

int import_lines(struct db *db, FILE *f, const char *tenant, long *count, char *err, size_t errlen)
{
	return import_lines_items(db, f, tenant, count, err, errlen) == DB_OK ? 0 : -1;
}
