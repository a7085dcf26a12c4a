/* gzip: gzip answers assembled from stored raw-deflate fragments, so that no byte is compressed per request. */
#ifndef CRM_GZIP_H
#define CRM_GZIP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"

/*
 * A fragment is the raw deflate (RFC 1951) of some bytes in non-final
 * blocks ending in a sync flush, so it ends on a byte boundary and any
 * number of them concatenate into one valid deflate stream.  Stored, it is
 * preceded by a header: GZ_FRAGMENT_HEAD bytes of the caller's (a tag), the
 * CRC-32 of the bytes and their length (both 32-bit little-endian).
 */
#define GZ_FRAGMENT_HEAD 16
#define GZ_FRAGMENT_META (GZ_FRAGMENT_HEAD + 8)

/* Appends the stored form of data[0..len) to out: head (GZ_FRAGMENT_HEAD
 * bytes), CRC-32, length, then the fragment.  0, or -1 (zlib, memory). */
int gz_fragment(const char *data, size_t len, const unsigned char *head, struct strbuf *out);

/* The CRC-32 and length a stored fragment of frag_len bytes says it holds;
 * -1 when it is too short to be one. */
int gz_fragment_meta(const char *frag, size_t frag_len, uint32_t *crc, uint32_t *len);

/* A gzip member (RFC 1952) being written to out, piece by piece. */
struct gz_stream {
	struct strbuf *out;
	unsigned long crc; /* of the uncompressed bytes so far */
	uint32_t len;      /* their count, modulo 2^32 (ISIZE) */
};

/* Starts a member: the 10-byte header (no name, no time). */
void gz_begin(struct gz_stream *g, struct strbuf *out);
/* Appends bytes uncompressed (a stored block): for the few bytes between fragments. */
void gz_append_plain(struct gz_stream *g, const char *data, size_t len);
/* Appends a stored fragment (with its meta header, as gz_fragment wrote it). */
int gz_append_fragment(struct gz_stream *g, const char *frag, size_t frag_len);
/* Ends the member: the final empty block, CRC-32 and ISIZE. */
void gz_end(struct gz_stream *g);

/* The whole of data[0..len) as one gzip member in out (replacing it), at level
 * 1: for small answers that have no stored fragments.  0, or -1. */
int gz_compress(const char *data, size_t len, struct strbuf *out);

#endif
