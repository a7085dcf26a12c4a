/* test_gzip: gzip members that inflate back to their bytes, and Accept-Encoding. */
#include <pthread.h>
#include <string.h>

#include <criterion/criterion.h>
#include <zlib.h>

#include "lib/accept.h"
#include "lib/gzip.h"

/* Inflates a gzip member into a new strbuf; asserts it is one, whole, with a right CRC. */
static struct strbuf inflate_all(const struct strbuf *gz)
{
	struct strbuf out = STRBUF_INIT;
	z_stream z;
	memset(&z, 0, sizeof(z));
	cr_assert_eq(inflateInit2(&z, MAX_WBITS + 16), Z_OK);
	cr_assert_eq(strbuf_reserve(&out, 1 << 20), 0);
	z.next_in = (Bytef *)gz->data;
	z.avail_in = (uInt)gz->len;
	z.next_out = (Bytef *)out.data;
	z.avail_out = (uInt)out.cap - 1;
	cr_assert_eq(inflate(&z, Z_FINISH), Z_STREAM_END, "not a whole gzip member: %s", z.msg);
	cr_assert_eq(z.avail_in, 0, "bytes after the member");
	out.len = z.total_out;
	out.data[out.len] = '\0';
	inflateEnd(&z);
	return out;
}

/* Asserts that gz is one gzip member of exactly data[0..len). */
static void assert_inflates_to(const struct strbuf *gz, const char *data, size_t len)
{
	struct strbuf plain = inflate_all(gz);
	cr_assert_eq(plain.len, len, "%zu bytes, not %zu", plain.len, len);
	cr_assert_eq(memcmp(plain.data, data, len), 0);
	strbuf_free(&plain);
}

/* A page of n customers, some members repeated and some not, as a list answer is. */
static void make_page(struct strbuf *page, int n)
{
	strbuf_append_char(page, '[');
	for (int i = 0; i < n; i++)
		strbuf_appendf(page,
		               "%s{\"id\":\"c%d\",\"name\":\"Customer %d\",\"crmStatus\":\"LEAD\"}",
		               i ? "," : "", i, i * 7919 % 10007);
	strbuf_append_char(page, ']');
}

Test(gzip, both_levels_inflate_back_to_the_same_bytes_and_kept_is_smaller)
{
	struct strbuf page = STRBUF_INIT, once = STRBUF_INIT, kept = STRBUF_INIT;
	make_page(&page, 2000);
	cr_assert_eq(gz_compress(page.data, page.len, GZ_LEVEL_ONCE, &once), 0);
	cr_assert_eq(gz_compress(page.data, page.len, GZ_LEVEL_KEPT, &kept), 0);
	cr_assert_lt(kept.len, once.len, "level %d: %zu bytes, level %d: %zu", GZ_LEVEL_KEPT,
	             kept.len, GZ_LEVEL_ONCE, once.len);
	assert_inflates_to(&once, page.data, page.len);
	assert_inflates_to(&kept, page.data, page.len);
	strbuf_free(&page);
	strbuf_free(&once);
	strbuf_free(&kept);
}

Test(gzip, an_empty_answer_is_a_valid_member)
{
	struct strbuf gz = STRBUF_INIT;
	strbuf_append_str(&gz, "old bytes");
	cr_assert_eq(gz_compress("", 0, GZ_LEVEL_ONCE, &gz), 0);
	assert_inflates_to(&gz, "", 0);
	strbuf_free(&gz);
}

Test(gzip, a_whole_answer_compresses_and_inflates_back)
{
	const char *body = "{\"id\":\"c1\",\"name\":\"Acme\"}";
	struct strbuf gz = STRBUF_INIT;
	cr_assert_eq(gz_compress(body, strlen(body), GZ_LEVEL_ONCE, &gz), 0);
	assert_inflates_to(&gz, body, strlen(body));
	strbuf_free(&gz);
}

struct compress_job {
	const struct strbuf *page;
	int rounds;
	struct strbuf once, kept; /* the last round's answers */
	int failures;
};

static void *compress_rounds(void *arg)
{
	struct compress_job *j = arg;
	for (int r = 0; r < j->rounds; r++) {
		size_t len = j->page->len - (size_t)r; /* a new input every round */
		j->failures += gz_compress(j->page->data, len, GZ_LEVEL_ONCE, &j->once) != 0;
		j->failures += gz_compress(j->page->data, len, GZ_LEVEL_KEPT, &j->kept) != 0;
	}
	return NULL;
}

/* Each thread keeps its own compressors (lib/gzip.c): threads that compress at
 * once must not share one, and a kept one must not carry state from one answer
 * into the next. */
Test(gzip, threads_compressing_at_once_get_the_bytes_one_thread_gets)
{
	struct strbuf page = STRBUF_INIT;
	make_page(&page, 3000);
	enum { THREADS = 4, ROUNDS = 20 };
	struct compress_job jobs[THREADS];
	pthread_t tid[THREADS];
	for (int i = 0; i < THREADS; i++) {
		jobs[i] = (struct compress_job){&page, ROUNDS, STRBUF_INIT, STRBUF_INIT, 0};
		cr_assert_eq(pthread_create(&tid[i], NULL, compress_rounds, &jobs[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		cr_assert_eq(pthread_join(tid[i], NULL), 0);
	size_t last_len = page.len - (ROUNDS - 1);
	struct strbuf once = STRBUF_INIT, kept = STRBUF_INIT;
	cr_assert_eq(gz_compress(page.data, last_len, GZ_LEVEL_ONCE, &once), 0);
	cr_assert_eq(gz_compress(page.data, last_len, GZ_LEVEL_KEPT, &kept), 0);
	for (int i = 0; i < THREADS; i++) {
		cr_assert_eq(jobs[i].failures, 0, "thread %d", i);
		cr_assert_eq(jobs[i].once.len, once.len, "thread %d", i);
		cr_assert_eq(memcmp(jobs[i].once.data, once.data, once.len), 0, "thread %d", i);
		cr_assert_eq(jobs[i].kept.len, kept.len, "thread %d", i);
		cr_assert_eq(memcmp(jobs[i].kept.data, kept.data, kept.len), 0, "thread %d", i);
		strbuf_free(&jobs[i].once);
		strbuf_free(&jobs[i].kept);
	}
	assert_inflates_to(&kept, page.data, last_len);
	strbuf_free(&once);
	strbuf_free(&kept);
	strbuf_free(&page);
}

Test(gzip, a_level_out_of_range_is_refused_and_leaves_no_bytes)
{
	struct strbuf gz = STRBUF_INIT;
	strbuf_append_str(&gz, "old bytes");
	cr_assert_eq(gz_compress("abc", 3, 0, &gz), -1);
	cr_assert_eq(gz.len, 0);
	cr_assert_eq(gz_compress("abc", 3, GZ_LEVEL_MAX + 1, &gz), -1);
	cr_assert_eq(gz.len, 0);
	cr_assert_eq(gz_compress("abc", 3, GZ_LEVEL_MAX, &gz), 0);
	assert_inflates_to(&gz, "abc", 3);
	strbuf_free(&gz);
}

Test(accept, gzip_is_accepted_when_named_or_starred_with_a_quality_above_zero)
{
	cr_assert(accept_gzip("gzip"));
	cr_assert(accept_gzip("gzip, deflate, br"));
	cr_assert(accept_gzip("deflate, GZIP;q=0.5"));
	cr_assert(accept_gzip("br;q=1.0, gzip ; q=0.001"));
	cr_assert(accept_gzip("x-gzip"));
	cr_assert(accept_gzip("*"));
	cr_assert(accept_gzip("identity, *;q=0.1"));
}

Test(accept, gzip_is_refused_when_absent_zero_or_malformed)
{
	cr_assert_not(accept_gzip(NULL));
	cr_assert_not(accept_gzip(""));
	cr_assert_not(accept_gzip("identity"));
	cr_assert_not(accept_gzip("deflate, br"));
	cr_assert_not(accept_gzip("gzip;q=0"));
	cr_assert_not(accept_gzip("gzip;q=0.000"));
	cr_assert_not(accept_gzip("*, gzip;q=0"));
	cr_assert_not(accept_gzip("*;q=0"));
	cr_assert_not(accept_gzip("gzip;q=2"));
	cr_assert_not(accept_gzip("gzip;level=9"));
	cr_assert_not(accept_gzip("gzipx"));
	cr_assert_not(accept_gzip("compress, xgzip"));
}
