/* json_text: a jansson value as the compact text json_dumps writes, appended to a strbuf. */
#ifndef CRM_JSON_TEXT_H
#define CRM_JSON_TEXT_H

#include <jansson.h>

#include "lib/strbuf.h"

/* The form every stored document has (model/stmt.h's DOC_DUMP_FLAGS is this). */
#define JSON_TEXT_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/*
 * Appends v as json_dumps(v, JSON_TEXT_FLAGS | JSON_ENCODE_ANY) writes it,
 * byte for byte (tests/unit/test_json_text.c holds it to that): members in
 * their order, no white space, '"', '\\' and control characters escaped
 * (\b \f \n \r \t, else \u00XX in capitals), everything else as it is,
 * reals with 15 significant digits and always a '.' or an exponent.
 * jansson's dumper calls a writer for every token and every piece of a
 * string; an import dumps 700 MB of documents, where that was a quarter of
 * crmctl's CPU.  Strings are trusted to be valid UTF-8, as jansson's are.
 */
void strbuf_append_json(struct strbuf *sb, const json_t *v);

/* The same text in memory of its own (the caller frees it), or NULL when memory ran out:
 * json_dumps(v, JSON_TEXT_FLAGS | JSON_ENCODE_ANY). */
char *json_text(const json_t *v);

#endif
