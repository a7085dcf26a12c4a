/* gzip: an answer as one gzip member (RFC 1952). */
#ifndef CRM_GZIP_H
#define CRM_GZIP_H

#include <stddef.h>

#include "lib/strbuf.h"

/* An answer compressed for one request only: fast.  One kept and sent many
 * times (a list page in the page cache): small. */
#define GZ_LEVEL_ONCE 1
#define GZ_LEVEL_KEPT 6
#define GZ_LEVEL_MAX  12 /* libdeflate's levels: 1 .. 12 */

/* The whole of data[0..len) as one gzip member in out (replacing it) at
 * level (1..GZ_LEVEL_MAX).  The bytes depend only on data, level and libdeflate's
 * version.  0, or -1 (out of memory, or no such level). */
int gz_compress(const char *data, size_t len, int level, struct strbuf *out);

#endif
