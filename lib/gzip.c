/* gzip: an answer as one gzip member (RFC 1952). */
#include "lib/gzip.h"

#include <stdint.h>
#include <string.h>

#include <zlib.h>

int gz_compress(const char *data, size_t len, int level, struct strbuf *out)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	strbuf_reset(out);
	/* MAX_WBITS + 16: a gzip header and trailer (no name, no time) */
	if (len > UINT32_MAX ||
	    deflateInit2(&z, level, Z_DEFLATED, MAX_WBITS + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	size_t bound = deflateBound(&z, (uLong)len) + 16;
	int rc = strbuf_reserve(out, bound);
	if (rc == 0) {
		z.next_in = (Bytef *)(uintptr_t)data;
		z.avail_in = (uInt)len;
		z.next_out = (Bytef *)out->data;
		z.avail_out = (uInt)bound;
		rc = deflate(&z, Z_FINISH) == Z_STREAM_END && z.avail_in == 0 ? 0 : -1;
		if (rc == 0) {
			out->len = bound - z.avail_out;
			out->data[out->len] = '\0';
		}
	}
	deflateEnd(&z);
	return rc;
}
