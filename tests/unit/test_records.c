/* test_records: FastCGI record headers, framing an answer into records of up to 64 KB, partial writes. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fcgi/fcgi.h"

#define NHDR 32
#define NIOV 64

static unsigned char hdr[NHDR][RECORDS_HEADER_LEN];
static struct iovec iov[NIOV];

/* The content length a header announces. */
static size_t content_of(const struct iovec *h)
{
	const unsigned char *b = h->iov_base;
	return (size_t)b[4] << 8 | b[5];
}

/*
 * Frames pieces completely (batch after batch, nhdr headers and niov entries
 * a batch) and parses what would go on the wire: checks every record's
 * header and that the contents, joined, are the pieces joined.  Returns the
 * number of records.
 */
static size_t frame_all(const struct iovec *pieces, size_t npieces, size_t nhdr, size_t niov)
{
	size_t total = 0;
	for (size_t i = 0; i < npieces; i++)
		total += pieces[i].iov_len;
	char *want = malloc(total + 1), *got = malloc(total + 1);
	cr_assert(want != NULL && got != NULL);
	size_t w = 0, g = 0, records = 0, n;
	for (size_t i = 0; i < npieces; i++) {
		memcpy(want + w, pieces[i].iov_base, pieces[i].iov_len);
		w += pieces[i].iov_len;
	}
	struct records_cursor c = {pieces, npieces, 0, 0};
	while ((n = records_frame(&c, 7, hdr, nhdr, iov, niov)) > 0) {
		cr_assert_leq(n, niov);
		for (size_t i = 0; i < n;) {
			const unsigned char *h = iov[i].iov_base;
			cr_assert_eq(iov[i].iov_len, RECORDS_HEADER_LEN, "entry %zu is no header",
			             i);
			cr_assert_eq(h[1], RECORDS_TYPE_STDOUT);
			size_t len = content_of(&iov[i]), seen = 0;
			cr_assert_gt(len, 0, "an empty STDOUT record would end the stream");
			for (i++; seen < len; i++) {
				cr_assert_lt(i, n, "a record's content runs past the batch");
				memcpy(got + g, iov[i].iov_base, iov[i].iov_len);
				g += iov[i].iov_len;
				seen += iov[i].iov_len;
			}
			cr_assert_eq(seen, len, "the header announces %zu bytes, %zu follow", len,
			             seen);
			records++;
		}
	}
	cr_assert_eq(g, total, "%zu bytes framed of %zu", g, total);
	cr_assert_eq(memcmp(got, want, total), 0, "the framed bytes differ from the answer");
	free(want);
	free(got);
	return records;
}

/* A body of len bytes that differ from place to place (malloc'd). */
static char *pattern(size_t len)
{
	char *p = malloc(len + 1);
	cr_assert(p != NULL);
	for (size_t i = 0; i < len; i++)
		p[i] = (char)('a' + (i * 7 + i / 251) % 26);
	return p;
}

Test(records, header_is_version_type_request_id_and_length_big_endian)
{
	unsigned char h[RECORDS_HEADER_LEN];
	records_header(h, RECORDS_TYPE_STDOUT, 0x1234, 0xabcd);
	static const unsigned char want[] = {1, 6, 0x12, 0x34, 0xab, 0xcd, 0, 0};
	cr_assert_eq(memcmp(h, want, sizeof(want)), 0);
}

Test(records, header_carries_the_largest_content_length)
{
	unsigned char h[RECORDS_HEADER_LEN];
	records_header(h, RECORDS_TYPE_STDOUT, 1, RECORDS_MAX_CONTENT);
	static const unsigned char want[] = {1, 6, 0, 1, 0xff, 0xff, 0, 0};
	cr_assert_eq(memcmp(h, want, sizeof(want)), 0);
}

Test(records, a_small_answer_is_one_record_with_every_piece)
{
	struct iovec p[] = {{"Status: 200 OK\r\n", 16}, {"\r\n", 2}, {"[]", 2}};
	struct records_cursor c = {p, 3, 0, 0};
	size_t n = records_frame(&c, 1, hdr, NHDR, iov, NIOV);
	cr_assert_eq(n, 4, "a header and the three pieces");
	cr_assert_eq(content_of(&iov[0]), 20);
	cr_assert_eq(iov[1].iov_base, p[0].iov_base, "the pieces are pointed to, not copied");
	cr_assert_eq(records_frame(&c, 1, hdr, NHDR, iov, NIOV), 0, "nothing is left");
}

Test(records, empty_pieces_are_skipped)
{
	struct iovec p[] = {{NULL, 0}, {"ab", 2}, {NULL, 0}, {"c", 1}, {NULL, 0}};
	struct records_cursor c = {p, 5, 0, 0};
	cr_assert_eq(records_frame(&c, 1, hdr, NHDR, iov, NIOV), 3);
	cr_assert_eq(content_of(&iov[0]), 3);
}

Test(records, an_answer_of_nothing_gives_no_record)
{
	struct iovec p[] = {{NULL, 0}, {"", 0}};
	struct records_cursor c = {p, 2, 0, 0};
	cr_assert_eq(records_frame(&c, 1, hdr, NHDR, iov, NIOV), 0,
	             "an empty STDOUT record would end the stream");
	c = (struct records_cursor){p, 0, 0, 0};
	cr_assert_eq(records_frame(&c, 1, hdr, NHDR, iov, NIOV), 0);
}

Test(records, the_request_id_is_in_every_header)
{
	size_t len = 3 * RECORDS_MAX_CONTENT;
	char *body = pattern(len);
	struct iovec p[] = {{body, len}};
	struct records_cursor c = {p, 1, 0, 0};
	size_t n = records_frame(&c, 0xbeef, hdr, NHDR, iov, NIOV);
	cr_assert_eq(n, 6);
	for (size_t i = 0; i < n; i += 2) {
		const unsigned char *h = iov[i].iov_base;
		cr_assert(h[2] == 0xbe && h[3] == 0xef, "record %zu: id %02x%02x", i / 2, h[2],
		          h[3]);
	}
	free(body);
}

Test(records, a_list_page_goes_in_records_of_the_largest_size)
{
	size_t len = 430 * 1024;
	char *body = pattern(len);
	char head[] = "Status: 200 OK\r\nContent-Type: application/json\r\n";
	struct iovec p[] = {{head, strlen(head)}, {"Link: <x>\r\n", 11}, {"\r\n", 2}, {body, len}};
	size_t total = strlen(head) + 11 + 2 + len;
	size_t records = frame_all(p, 4, NHDR, NIOV);
	cr_assert_eq(records, (total + RECORDS_MAX_CONTENT - 1) / RECORDS_MAX_CONTENT);
	/* the first record is full: the head and the start of the body */
	struct records_cursor c = {p, 4, 0, 0};
	records_frame(&c, 1, hdr, NHDR, iov, NIOV);
	cr_assert_eq(content_of(&iov[0]), RECORDS_MAX_CONTENT);
	free(body);
}

Test(records, a_piece_of_exactly_the_largest_record_is_one_record)
{
	char *body = pattern(RECORDS_MAX_CONTENT);
	struct iovec p[] = {{body, RECORDS_MAX_CONTENT}};
	cr_assert_eq(frame_all(p, 1, NHDR, NIOV), 1);
	struct iovec q[] = {{body, RECORDS_MAX_CONTENT}, {"x", 1}};
	cr_assert_eq(frame_all(q, 2, NHDR, NIOV), 2, "one byte more is a second record");
	free(body);
}

Test(records, batches_that_run_out_of_headers_go_on_where_they_stopped)
{
	size_t len = 40 * RECORDS_MAX_CONTENT + 17;
	char *body = pattern(len);
	struct iovec p[] = {{"head\r\n\r\n", 8}, {body, len}};
	cr_assert_eq(frame_all(p, 2, 3, NIOV), 41);
	cr_assert_eq(frame_all(p, 2, 1, 2), 42,
	             "one record a batch, of two entries: the head goes alone, then the body");
	free(body);
}

Test(records, batches_that_run_out_of_iov_entries_end_a_record_early)
{
	/* many small pieces: a record ends where the batch's entries end */
	static char bytes[300];
	struct iovec p[100];
	for (size_t i = 0; i < 100; i++) {
		bytes[3 * i] = (char)('a' + i % 26);
		p[i] = (struct iovec){bytes + 3 * i, 3};
	}
	cr_assert_eq(frame_all(p, 100, NHDR, 10), 12, "9 pieces a record: 12 records");
	struct records_cursor c = {p, 100, 0, 0};
	cr_assert_eq(records_frame(&c, 1, hdr, NHDR, iov, 1), 0, "one entry holds no record");
	cr_assert_eq(c.i, 0, "and nothing was taken");
}

Test(records, consumed_skips_whole_entries_and_trims_the_one_cut)
{
	char a[] = "aaaa", b[] = "bbbbbb", c[] = "cc";
	struct iovec v[] = {{a, 4}, {b, 6}, {c, 2}};
	cr_assert_eq(records_consumed(v, 3, 0), 0);
	cr_assert_eq(v[0].iov_len, 4);
	cr_assert_eq(records_consumed(v, 3, 7), 1, "a and 3 bytes of b were written");
	cr_assert_eq(v[1].iov_base, b + 3);
	cr_assert_eq(v[1].iov_len, 3);
	cr_assert_eq(records_consumed(v + 1, 2, 3), 1, "the end of an entry: the next one");
	cr_assert_eq(v[2].iov_len, 2, "the next entry is untouched");
	cr_assert_eq(records_consumed(v + 2, 1, 2), 1, "everything written");
}
