/* pct: percent-decoding of URI path segments and query components. */
#ifndef CRM_PCT_H
#define CRM_PCT_H

#include <stddef.h>

enum pct_mode {
	PCT_PATH, /* '+' stays '+' */
	PCT_QUERY /* '+' becomes ' ' (application/x-www-form-urlencoded) */
};

/*
 * Decodes s[0..len) into out (which must hold len+1 bytes; decoding never
 * grows).  A '%' not followed by two hex digits is an error.  The result may
 * contain any byte, NUL and '/' included: callers validate it.  out is
 * NUL-terminated.  Returns the decoded length, or -1 on a bad escape.
 */
long pct_decode(const char *s, size_t len, enum pct_mode mode, char *out);

/* Writes s percent-encoded for a query value (unreserved kept) to out,
 * which must hold 3*len+1 bytes.  Returns the encoded length. */
size_t pct_encode(const char *s, size_t len, char *out);

#endif
