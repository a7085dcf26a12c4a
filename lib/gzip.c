/* gzip: an answer as one gzip member (RFC 1952), by libdeflate. */
#include "lib/gzip.h"

#include <pthread.h>
#include <stdlib.h>

#include <libdeflate.h>

/*
 * A compressor holds its level's match-finder tables (hundreds of KB).
 * zlib's deflateInit2 allocated them and cleared its hash table for every
 * answer: a 7 KB customer cost ~65 us of a worker's CPU to compress, now
 * ~30.  Each thread keeps one compressor per level it used, freed when the
 * thread ends.
 */
struct gz_thread {
	struct libdeflate_compressor *by_level[GZ_LEVEL_MAX + 1];
};

static pthread_key_t gz_key;
static pthread_once_t gz_key_once = PTHREAD_ONCE_INIT;
static int gz_key_made;

static void gz_thread_free(void *arg)
{
	struct gz_thread *t = arg;
	for (int level = 0; level <= GZ_LEVEL_MAX; level++)
		libdeflate_free_compressor(t->by_level[level]);
	free(t);
}

static void gz_key_make(void)
{
	gz_key_made = pthread_key_create(&gz_key, gz_thread_free) == 0;
}

/* This thread's compressor for level, or NULL (out of memory). */
static struct libdeflate_compressor *compressor(int level)
{
	pthread_once(&gz_key_once, gz_key_make);
	if (!gz_key_made)
		return NULL;
	struct gz_thread *t = pthread_getspecific(gz_key);
	if (t == NULL) {
		t = calloc(1, sizeof(*t));
		if (t == NULL)
			return NULL;
		if (pthread_setspecific(gz_key, t) != 0) {
			free(t);
			return NULL;
		}
	}
	if (t->by_level[level] == NULL)
		t->by_level[level] = libdeflate_alloc_compressor(level);
	return t->by_level[level];
}

int gz_compress(const char *data, size_t len, int level, struct strbuf *out)
{
	strbuf_reset(out);
	if (level < 1 || level > GZ_LEVEL_MAX)
		return -1;
	struct libdeflate_compressor *c = compressor(level);
	if (c == NULL)
		return -1;
	size_t bound = libdeflate_gzip_compress_bound(c, len);
	if (strbuf_reserve(out, bound) != 0)
		return -1;
	size_t n = libdeflate_gzip_compress(c, data, len, out->data, bound);
	if (n == 0)
		return -1;
	out->len = n;
	out->data[n] = '\0';
	return 0;
}
