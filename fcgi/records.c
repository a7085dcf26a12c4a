/* records: the answer as FastCGI STDOUT records of up to 64 KB, written with writev(2). */
#include <errno.h>
#include <limits.h>
#include <sys/uio.h>

#include "fcgi/fcgi.h"

#define RECORDS_VERSION 1
/* Records per writev(2) call: with the body in one piece, a header and a
 * pointer each, so 2 MB a call; the stack holds 32 headers and 64 iovecs. */
#define RECORDS_BATCH 32
#define RECORDS_IOV   (2 * RECORDS_BATCH)

_Static_assert(RECORDS_IOV <= IOV_MAX, "a writev(2) batch exceeds IOV_MAX");

void records_header(unsigned char out[RECORDS_HEADER_LEN], int type, unsigned request_id,
                    size_t content_len)
{
	out[0] = RECORDS_VERSION;
	out[1] = (unsigned char)type;
	out[2] = (unsigned char)(request_id >> 8);
	out[3] = (unsigned char)request_id;
	out[4] = (unsigned char)(content_len >> 8);
	out[5] = (unsigned char)content_len;
	out[6] = 0; /* no padding: alignment buys nginx nothing */
	out[7] = 0;
}

size_t records_frame(struct records_cursor *c, unsigned request_id,
                     unsigned char (*hdr)[RECORDS_HEADER_LEN], size_t nhdr, struct iovec *iov,
                     size_t niov)
{
	size_t used = 0;
	for (size_t h = 0; h < nhdr && used + 2 <= niov; h++) {
		size_t head = used++, content = 0;
		while (c->i < c->nsrc && used < niov && content < RECORDS_MAX_CONTENT) {
			const struct iovec *s = &c->src[c->i];
			size_t n = s->iov_len - c->off;
			if (n > RECORDS_MAX_CONTENT - content)
				n = RECORDS_MAX_CONTENT - content;
			if (n > 0) {
				iov[used].iov_base = (char *)s->iov_base + c->off;
				iov[used++].iov_len = n;
				content += n;
				c->off += n;
			}
			if (c->off == s->iov_len) {
				c->i++;
				c->off = 0;
			}
		}
		if (content == 0)
			return head; /* nothing left: give the header's slot back */
		records_header(hdr[h], RECORDS_TYPE_STDOUT, request_id, content);
		iov[head].iov_base = hdr[h];
		iov[head].iov_len = RECORDS_HEADER_LEN;
	}
	return used;
}

size_t records_consumed(struct iovec *iov, size_t n, size_t written)
{
	size_t i = 0;
	for (; i < n && written >= iov[i].iov_len; i++)
		written -= iov[i].iov_len;
	if (i < n) {
		iov[i].iov_base = (char *)iov[i].iov_base + written;
		iov[i].iov_len -= written;
	}
	return i;
}

/* Writes iov[0..n) (entries it trims as it goes); 0 or an errno. */
static int write_all(int fd, struct iovec *iov, size_t n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, (int)n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		if (w == 0)
			return EIO; /* no entry is empty: a stream socket that takes nothing */
		size_t done = records_consumed(iov, n, (size_t)w);
		iov += done;
		n -= done;
	}
	return 0;
}

int records_write(int fd, unsigned request_id, const struct iovec *src, size_t nsrc)
{
	struct records_cursor c = {src, nsrc, 0, 0};
	unsigned char hdr[RECORDS_BATCH][RECORDS_HEADER_LEN];
	struct iovec iov[RECORDS_IOV];
	size_t n;
	while ((n = records_frame(&c, request_id, hdr, RECORDS_BATCH, iov, RECORDS_IOV)) > 0) {
		int err = write_all(fd, iov, n);
		if (err != 0)
			return err;
	}
	return 0;
}
