/* import_file: the import's readers, which validate items on every core and store them in bulk. */
#ifndef CRM_IMPORT_FILE_H
#define CRM_IMPORT_FILE_H

#include <stdio.h>

#include <jansson.h>

#include "model/model.h"

/* The length of line[0..len) without the JSON white space (RFC 8259) at its end:
 * 0 for a blank line, which JSON Lines readers skip. */
static inline size_t import_line_len(const char *line, size_t len)
{
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r' ||
	                   line[len - 1] == '\n'))
		len--;
	return len;
}

/*
 * Both store items into tenant inside the caller's transaction, after
 * db_import_start and before db_refresh_enriched (model.h), and add the
 * number of items stored to *count.  DB_OK; DB_INVALID with a message that
 * names the item in err (bad JSON, an item the shape refuses); DB_RETRY when
 * a statement met a deadlock or lock wait (the caller may retry the whole
 * transaction); else the failure, with the database's words in err.
 */

/* A whole document {"users","customers","opportunities","activities"}. */
enum db_rc import_document_items(struct db *db, const json_t *doc, const char *tenant, long *count,
                                 char *err, size_t errlen);

/*
 * JSON Lines ({"kind": "customer", ...} a line) from f, from where f stands,
 * in bounded memory: the main thread reads chunks of lines and stores them
 * in order, one thread per core parses and validates them meanwhile.
 */
enum db_rc import_lines_items(struct db *db, FILE *f, const char *tenant, long *count, char *err,
                              size_t errlen);

/*
 * A document or JSON Lines from f (a file or a pipe, from where it stands),
 * told apart by its first line that is not blank; a UTF-8 byte order mark
 * at the start is skipped (import_input.c).
 */
enum db_rc import_input_items(struct db *db, FILE *f, const char *tenant, long *count, char *err,
                              size_t errlen);

#endif
