/* gzip: an answer as one gzip member (RFC 1952). */
#ifndef CRM_GZIP_H
#define CRM_GZIP_H

#include <stddef.h>

#include "lib/strbuf.h"

/* An answer compressed for one request only: fast.  One kept and sent many
 * times (a list page in the page cache): small. */
#define GZ_LEVEL_ONCE 1
#define GZ_LEVEL_KEPT 6

/* The whole of data[0..len) as one gzip member in out (replacing it) at
 * level (1..9).  The bytes depend only on data, level and zlib's version.
 * 0, or -1 (zlib, memory). */
int gz_compress(const char *data, size_t len, int level, struct strbuf *out);

#endif
