/* gzip: gzip answers assembled from stored raw-deflate fragments, so that no byte is compressed per request. */
#include "lib/gzip.h"

#include <string.h>

#include <zlib.h>

/* Stored fragments are made once per version of a customer: compress well. */
#define FRAGMENT_LEVEL 9
/* Answers compressed per request are small (one customer): compress fast. */
#define ANSWER_LEVEL 1

static void put32le(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t get32le(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Deflates data into out (appending) with windowBits bits (negative: raw) and flush. */
static int deflate_into(const char *data, size_t len, int level, int window_bits, int flush,
                        struct strbuf *out)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (len > UINT32_MAX ||
	    deflateInit2(&z, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	size_t bound = deflateBound(&z, (uLong)len) + 16;
	int rc = strbuf_reserve(out, bound);
	if (rc == 0) {
		z.next_in = (Bytef *)(uintptr_t)data;
		z.avail_in = (uInt)len;
		z.next_out = (Bytef *)out->data + out->len;
		z.avail_out = (uInt)bound;
		int zrc = deflate(&z, flush);
		rc = (zrc == Z_OK || zrc == Z_STREAM_END) && z.avail_in == 0 && z.avail_out > 0
		             ? 0
		             : -1;
		if (rc == 0) {
			out->len += bound - z.avail_out;
			out->data[out->len] = '\0';
		}
	}
	deflateEnd(&z);
	return rc;
}

int gz_fragment(const char *data, size_t len, const unsigned char *head, struct strbuf *out)
{
	unsigned char meta[GZ_FRAGMENT_META];
	if (len > UINT32_MAX)
		return -1;
	memcpy(meta, head, GZ_FRAGMENT_HEAD);
	put32le(meta + GZ_FRAGMENT_HEAD, (uint32_t)crc32(0L, (const Bytef *)data, (uInt)len));
	put32le(meta + GZ_FRAGMENT_HEAD + 4, (uint32_t)len);
	strbuf_append(out, meta, sizeof(meta));
	if (out->failed)
		return -1;
	return deflate_into(data, len, FRAGMENT_LEVEL, -MAX_WBITS, Z_SYNC_FLUSH, out);
}

int gz_fragment_meta(const char *frag, size_t frag_len, uint32_t *crc, uint32_t *len)
{
	if (frag_len < GZ_FRAGMENT_META)
		return -1;
	*crc = get32le((const unsigned char *)frag + GZ_FRAGMENT_HEAD);
	*len = get32le((const unsigned char *)frag + GZ_FRAGMENT_HEAD + 4);
	return 0;
}

void gz_begin(struct gz_stream *g, struct strbuf *out)
{
	static const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
	g->out = out;
	g->crc = crc32(0L, Z_NULL, 0);
	g->len = 0;
	strbuf_append(out, header, sizeof(header));
}

/* Stored blocks of at most 65535 bytes: header byte (not final, type 0), LEN, NLEN. */
void gz_append_plain(struct gz_stream *g, const char *data, size_t len)
{
	g->crc = crc32(g->crc, (const Bytef *)data, (uInt)len);
	g->len += (uint32_t)len;
	while (len > 0) {
		size_t n = len < 65535 ? len : 65535;
		unsigned char head[5] = {0, (unsigned char)n, (unsigned char)(n >> 8),
		                         (unsigned char)~n, (unsigned char)(~n >> 8)};
		strbuf_append(g->out, head, sizeof(head));
		strbuf_append(g->out, data, n);
		data += n;
		len -= n;
	}
}

int gz_append_fragment(struct gz_stream *g, const char *frag, size_t frag_len)
{
	uint32_t crc, len;
	if (gz_fragment_meta(frag, frag_len, &crc, &len) != 0)
		return -1;
	g->crc = crc32_combine(g->crc, crc, (z_off_t)len);
	g->len += len;
	strbuf_append(g->out, frag + GZ_FRAGMENT_META, frag_len - GZ_FRAGMENT_META);
	return 0;
}

void gz_end(struct gz_stream *g)
{
	/* a final block of fixed codes holding only its end-of-block code: bits 1, 01, 0000000 */
	unsigned char tail[10] = {0x03, 0x00};
	put32le(tail + 2, (uint32_t)g->crc);
	put32le(tail + 6, g->len);
	strbuf_append(g->out, tail, sizeof(tail));
}

int gz_compress(const char *data, size_t len, struct strbuf *out)
{
	strbuf_reset(out);
	return deflate_into(data, len, ANSWER_LEVEL, MAX_WBITS + 16, Z_FINISH, out);
}
