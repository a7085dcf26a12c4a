/* auth_cache: verified tokens per thread, so a repeated token costs a lookup, not a signature check. */
#include <stdlib.h>
#include <string.h>

#include "handlers/handlers.h"

#define CACHE_SLOTS 64 /* direct-mapped; a collision simply verifies again */

struct slot {
	char *token; /* the exact Authorization header value; owned */
	size_t len;
	struct principal who;
};

struct auth_cache {
	struct slot slots[CACHE_SLOTS];
};

struct auth_cache *auth_cache_new(void)
{
	return calloc(1, sizeof(struct auth_cache));
}

void auth_cache_free(struct auth_cache *cache)
{
	if (cache == NULL)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		free(cache->slots[i].token);
	free(cache);
}

static size_t slot_of(const char *s, size_t len)
{
	unsigned long h = 5381;
	for (size_t i = 0; i < len; i++)
		h = h * 33 + (unsigned char)s[i];
	return h % CACHE_SLOTS;
}

enum auth_err auth_verify_cached(struct auth_cache *cache, const struct config *cfg,
                                 const char *hdr, size_t len, int64_t now, struct principal *out)
{
	if (cache == NULL || hdr == NULL || len == 0 || len > AUTH_TOKEN_MAX + 64)
		return auth_verify(cfg, hdr, len, now, out);
	struct slot *s = &cache->slots[slot_of(hdr, len)];
	if (s->token != NULL && s->len == len && memcmp(s->token, hdr, len) == 0) {
		/* every time rule again (exp, max ttl, nbf, iat): what auth_verify would answer */
		enum auth_err rc = auth_check_times(&s->who, cfg, now);
		if (rc == AUTH_OK)
			*out = s->who;
		else
			memset(out, 0, sizeof(*out));
		return rc;
	}
	enum auth_err rc = auth_verify(cfg, hdr, len, now, out);
	if (rc != AUTH_OK)
		return rc;
	char *copy = malloc(len);
	if (copy == NULL)
		return rc; /* not cached; still verified */
	memcpy(copy, hdr, len);
	free(s->token);
	s->token = copy;
	s->len = len;
	s->who = *out;
	return rc;
}
