/* import_input: an import's file or pipe, its format told from its first line that is not blank, read again with those before it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/crmctl/import_file.h"

/* RFC 8259 lets a reader ignore a byte order mark; Windows tools write one. */
#define UTF8_BOM     "\xEF\xBB\xBF"
#define UTF8_BOM_LEN 3

/*
 * The input as a stream that gives the first line again, then the rest: a
 * pipe cannot be rewound, and rewinding one silently lost that line.
 */
struct replay {
	char *first; /* the lines read to tell the format (owned); a byte order mark before off */
	size_t len, off;
	FILE *rest;
};

static ssize_t replay_read(void *cookie, char *buf, size_t size)
{
	struct replay *r = cookie;
	if (r->off < r->len) {
		size_t n = r->len - r->off < size ? r->len - r->off : size;
		memcpy(buf, r->first + r->off, n);
		r->off += n;
		return (ssize_t)n;
	}
	size_t n = fread(buf, 1, size, r->rest);
	return n == 0 && ferror(r->rest) ? -1 : (ssize_t)n;
}

/* JSON Lines: the first line is a whole object with a "kind". */
static int is_lines(const char *line, size_t len)
{
	json_t *first = json_loadb(line, len, 0, NULL);
	int lines = json_is_string(json_object_get(first, "kind"));
	json_decref(first);
	return lines;
}

static enum db_rc document_items(struct db *db, FILE *in, const char *tenant, long *count,
                                 char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc = json_loadf(in, 0, &jerr);
	if (doc == NULL) {
		snprintf(err, errlen, "invalid JSON at line %d column %d: %s", jerr.line,
		         jerr.column, jerr.text);
		return DB_INVALID;
	}
	enum db_rc rc = import_document_items(db, doc, tenant, count, err, errlen);
	json_decref(doc);
	return rc;
}

/* Reads lines into r until one is not blank (JSON Lines readers skip blank lines,
 * and a document may start with them) or the input ends; *last is where that line
 * starts.  0, or -1 when out of memory. */
static int read_head(struct replay *r, size_t *last)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;
	*last = 0;
	while ((n = getline(&line, &cap, r->rest)) > 0) {
		char *grown = realloc(r->first, r->len + (size_t)n + 1);
		if (grown == NULL) {
			rc = -1;
			break;
		}
		r->first = grown;
		memcpy(r->first + r->len, line, (size_t)n + 1);
		*last = r->len;
		r->len += (size_t)n;
		if (*last == 0 && r->len >= UTF8_BOM_LEN &&
		    memcmp(r->first, UTF8_BOM, UTF8_BOM_LEN) == 0)
			*last = r->off = UTF8_BOM_LEN;
		if (import_line_len(r->first + *last, r->len - *last) > 0)
			break;
	}
	free(line);
	return rc;
}

enum db_rc import_input_items(struct db *db, FILE *f, const char *tenant, long *count, char *err,
                              size_t errlen)
{
	static const cookie_io_functions_t io = {.read = replay_read};
	struct replay r = {NULL, 0, 0, f};
	size_t last = 0;
	int head = read_head(&r, &last);
	int lines = head == 0 && r.len > 0 && is_lines(r.first + last, r.len - last);
	FILE *in = head == 0 ? fopencookie(&r, "r", io) : NULL;
	enum db_rc rc = DB_ERROR;
	if (in == NULL)
		snprintf(err, errlen, "out of memory");
	else if (lines)
		rc = import_lines_items(db, in, tenant, count, err, errlen);
	else
		rc = document_items(db, in, tenant, count, err, errlen);
	if (in != NULL)
		fclose(in);
	free(r.first);
	return rc;
}
