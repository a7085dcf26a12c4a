/* uri: splits the raw request URI into decoded path segments and query parameters. */
#include <stdlib.h>
#include <string.h>

#include "fcgi/fcgi.h"
#include "lib/pct.h"

const char *fcgi_strerror(enum fcgi_err err)
{
	switch (err) {
	case FCGI_OK: return "ok";
	case FCGI_ERR_BAD_ESCAPE: return "malformed percent-escape in the URI";
	case FCGI_ERR_TOO_MANY: return "too many path segments or query parameters";
	case FCGI_ERR_TOO_LONG: return "the URI is too long";
	case FCGI_ERR_DUPLICATE: return "a query parameter is given more than once";
	case FCGI_ERR_EMPTY: return "a query parameter has no name or no value";
	case FCGI_ERR_NOMEM: return "out of memory";
	default: return "unknown error";
	}
}

/* A cursor over the storage buffer: each decoded string is appended with its NUL. */
struct store {
	char *buf;
	size_t used;
};

static long store_decode(struct store *st, const char *s, size_t len, enum pct_mode mode,
                         const char **out)
{
	char *dst = st->buf + st->used;
	long n = pct_decode(s, len, mode, dst);
	if (n < 0)
		return -1;
	*out = dst;
	st->used += (size_t)n + 1;
	return n;
}

static enum fcgi_err split_path(const char *p, size_t len, struct store *st, struct uri *u)
{
	/* p starts just after the prefix's trailing '/' */
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && p[i] != '/')
			continue;
		if (u->nseg == URI_MAX_SEGMENTS)
			return FCGI_ERR_TOO_MANY;
		struct uri_segment *seg = &u->seg[u->nseg++];
		long n = store_decode(st, p + start, i - start, PCT_PATH, &seg->str);
		if (n < 0)
			return FCGI_ERR_BAD_ESCAPE;
		seg->len = (size_t)n;
		start = i + 1;
	}
	return FCGI_OK;
}

static enum fcgi_err add_param(const char *s, size_t len, struct store *st, struct uri *u)
{
	const char *eq = memchr(s, '=', len);
	size_t nlen = eq ? (size_t)(eq - s) : len;
	if (u->nparam == URI_MAX_PARAMS)
		return FCGI_ERR_TOO_MANY;
	struct uri_param *prm = &u->param[u->nparam];
	long n = store_decode(st, s, nlen, PCT_QUERY, &prm->name);
	if (n < 0)
		return FCGI_ERR_BAD_ESCAPE;
	if (n == 0 || eq == NULL || eq + 1 == s + len || strlen(prm->name) != (size_t)n)
		return FCGI_ERR_EMPTY;
	long v = store_decode(st, eq + 1, len - nlen - 1, PCT_QUERY, &prm->value);
	if (v < 0)
		return FCGI_ERR_BAD_ESCAPE;
	prm->value_len = (size_t)v;
	for (size_t i = 0; i < u->nparam; i++)
		if (strcmp(u->param[i].name, prm->name) == 0)
			return FCGI_ERR_DUPLICATE;
	u->nparam++;
	return FCGI_OK;
}

static enum fcgi_err split_query(const char *q, size_t len, struct store *st, struct uri *u)
{
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && q[i] != '&')
			continue;
		if (i > start) { /* "a=1&&b=2" and a trailing '&' are tolerated */
			enum fcgi_err e = add_param(q + start, i - start, st, u);
			if (e != FCGI_OK)
				return e;
		}
		start = i + 1;
	}
	return FCGI_OK;
}

enum fcgi_err uri_parse(const char *raw, size_t len, const char *prefix, struct uri *out,
                        int *prefix_ok)
{
	memset(out, 0, sizeof(*out));
	*prefix_ok = 0;
	const char *qmark = memchr(raw, '?', len);
	size_t path_len = qmark ? (size_t)(qmark - raw) : len;
	size_t plen = strlen(prefix);
	if (path_len <= plen || memcmp(raw, prefix, plen) != 0 || raw[plen] != '/')
		return FCGI_OK;
	*prefix_ok = 1;
	if (len > URI_MAX_LEN)
		return FCGI_ERR_TOO_LONG; /* ours, but too long: 414, not 404 */
	/* Decoding never grows a string; each one also takes its NUL. */
	out->storage = malloc(len + 2 * URI_MAX_PARAMS + URI_MAX_SEGMENTS + 2);
	if (out->storage == NULL)
		return FCGI_ERR_NOMEM;
	struct store st = {out->storage, 0};
	enum fcgi_err e = split_path(raw + plen + 1, path_len - plen - 1, &st, out);
	if (e == FCGI_OK && qmark != NULL)
		e = split_query(qmark + 1, len - path_len - 1, &st, out);
	return e;
}

void uri_free(struct uri *u)
{
	if (u == NULL)
		return;
	free(u->storage);
	u->storage = NULL;
	u->nseg = u->nparam = 0;
}
