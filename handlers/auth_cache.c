/* auth_cache: verified tokens per thread, so a repeated token costs a lookup, not a signature check. */
#include <stdlib.h>
#include <string.h>

#include "handlers/handlers.h"

/*
 * Two ways per set, the older one replaced: a pool's worker sees the tokens of
 * every user of every front end, and a bench of 200 users thrashed the 64
 * direct-mapped slots this began with (7 in 10 requests verified a signature
 * again: 6% of a worker's CPU).  An entry is its principal and the token
 * behind it in one allocation; only verified tokens get one, so what the cache
 * holds is bounded by the tokens actually issued (1024 x 2 x ~1 KB here).
 */
#define CACHE_SETS 1024
#define CACHE_WAYS 2

struct entry {
	struct principal who;
	size_t len;
	char token[]; /* the exact Authorization header value */
};

struct auth_cache {
	struct entry *sets[CACHE_SETS][CACHE_WAYS]; /* owned; [0] the newer */
};

struct auth_cache *auth_cache_new(void)
{
	return calloc(1, sizeof(struct auth_cache));
}

void auth_cache_free(struct auth_cache *cache)
{
	if (cache == NULL)
		return;
	for (size_t i = 0; i < CACHE_SETS; i++)
		for (size_t w = 0; w < CACHE_WAYS; w++)
			free(cache->sets[i][w]);
	free(cache);
}

static size_t set_of(const char *s, size_t len)
{
	unsigned long h = 5381;
	for (size_t i = 0; i < len; i++)
		h = h * 33 + (unsigned char)s[i];
	return h % CACHE_SETS;
}

static struct entry *find(struct entry **set, const char *hdr, size_t len)
{
	for (size_t w = 0; w < CACHE_WAYS; w++)
		if (set[w] != NULL && set[w]->len == len && memcmp(set[w]->token, hdr, len) == 0)
			return set[w];
	return NULL;
}

/* Keeps a verified token as the set's newest entry, dropping its oldest. */
static void remember(struct entry **set, const char *hdr, size_t len, const struct principal *who)
{
	struct entry *e = malloc(sizeof(*e) + len);
	if (e == NULL)
		return; /* not cached; still verified */
	e->who = *who;
	e->len = len;
	memcpy(e->token, hdr, len);
	free(set[CACHE_WAYS - 1]);
	memmove(&set[1], &set[0], (CACHE_WAYS - 1) * sizeof(set[0]));
	set[0] = e;
}

enum auth_err auth_verify_cached(struct auth_cache *cache, const struct config *cfg,
                                 const char *hdr, size_t len, int64_t now, struct principal *out)
{
	if (cache == NULL || hdr == NULL || len == 0 || len > AUTH_TOKEN_MAX + 64)
		return auth_verify(cfg, hdr, len, now, out);
	struct entry **set = cache->sets[set_of(hdr, len)];
	const struct entry *e = find(set, hdr, len);
	if (e != NULL) {
		/* every time rule again (exp, max ttl, nbf, iat): what auth_verify would answer */
		enum auth_err rc = auth_check_times(&e->who, cfg, now);
		if (rc == AUTH_OK)
			*out = e->who;
		else
			memset(out, 0, sizeof(*out));
		return rc;
	}
	enum auth_err rc = auth_verify(cfg, hdr, len, now, out);
	if (rc == AUTH_OK)
		remember(set, hdr, len, out);
	return rc;
}
