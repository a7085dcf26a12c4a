/* validate: ids, paging parameters and the sealed paging cursor — checks of request values. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "handlers/handlers.h"
#include "lib/b64url.h"
#include "lib/ids.h"
#include "lib/utf8.h"

const char *printable_or(const char *s, const char *fallback)
{
	size_t n = strlen(s);
	return (n <= 64 && utf8_count_printable(s, n) >= 0) ? s : fallback;
}

/*
 * A cursor, the position after the last row served, sealed with AES-256-GCM:
 *
 *   text  = base64url(version || nonce || ciphertext || tag)
 *   aad   = version || tenant || caller || route || filter
 *           (each field as a 2-byte big-endian length and its bytes, so no
 *           two bindings make the same additional data)
 *   plain = kind || key length (2 bytes) || key || id length (1 byte) || id
 *           || zeros up to a multiple of 32 bytes, and at least 128
 *
 * The key is the sort name's bytes ('n', lists by name) or the due instant
 * in µs as 8 bytes big-endian ('d', overdue).  The nonce is 12 random bytes
 * per cursor, the tag 16.  A cursor opens only under the key and binding it
 * was made with; the padding hides the length of most names entirely.
 */
#define CURSOR_VERSION   1
#define CURSOR_NONCE     12
#define CURSOR_TAG       16
#define CURSOR_OVERHEAD  (1 + CURSOR_NONCE + CURSOR_TAG)
#define CURSOR_PAD_STEP  32
#define CURSOR_PLAIN_MIN 128
#define CURSOR_PLAIN_MAX                                                                           \
	(((1 + 2 + PAGE_NAME_MAX + 1 + LIMIT_ID_CHARS) + CURSOR_PAD_STEP - 1) / CURSOR_PAD_STEP *  \
	 CURSOR_PAD_STEP)
#define CURSOR_SEALED_MAX (CURSOR_OVERHEAD + CURSOR_PLAIN_MAX)

_Static_assert(B64URL_ENCODED_SIZE(CURSOR_SEALED_MAX) <= CURSOR_MAX,
               "CURSOR_MAX holds the longest cursor");
_Static_assert(CURSOR_PLAIN_MIN % CURSOR_PAD_STEP == 0, "the padding steps start at the minimum");

const char *paging_strerror(enum paging_err err)
{
	switch (err) {
	case PAGING_OK: return "ok";
	case PAGING_ERR_INVALID: return "not a valid limit, parameter or cursor for this list";
	case PAGING_ERR_SYSTEM: return "out of memory or an OpenSSL failure";
	default: return "unknown paging error";
	}
}

static unsigned char kind_byte(enum list_kind kind)
{
	return kind == LIST_OVERDUE ? 'd' : 'n';
}

/* Writes pos's plain text, padded, to p (CURSOR_PLAIN_MAX bytes); returns its length. */
static size_t position_write(enum list_kind kind, const struct page_key *pos, unsigned char *p)
{
	size_t n = 0;
	p[n++] = kind_byte(kind);
	if (kind == LIST_OVERDUE) {
		uint64_t due = (uint64_t)pos->due;
		p[n++] = 0;
		p[n++] = 8;
		for (int shift = 56; shift >= 0; shift -= 8)
			p[n++] = (unsigned char)(due >> shift);
	} else {
		size_t kl = strnlen(pos->name, PAGE_NAME_MAX);
		p[n++] = (unsigned char)(kl >> 8);
		p[n++] = (unsigned char)kl;
		memcpy(p + n, pos->name, kl);
		n += kl;
	}
	size_t il = strnlen(pos->id, LIMIT_ID_CHARS);
	p[n++] = (unsigned char)il;
	memcpy(p + n, pos->id, il);
	n += il;
	size_t padded = n <= CURSOR_PLAIN_MIN
	                        ? CURSOR_PLAIN_MIN
	                        : (n + CURSOR_PAD_STEP - 1) / CURSOR_PAD_STEP * CURSOR_PAD_STEP;
	memset(p + n, 0, padded - n);
	return padded;
}

int cursor_position_parse(const unsigned char *p, size_t n, enum list_kind kind,
                          struct page_key *pos)
{
	if (n < 4 || p[0] != kind_byte(kind))
		return -1;
	size_t klen = ((size_t)p[1] << 8) | p[2];
	if (klen > n - 4)
		return -1;
	const unsigned char *k = p + 3;
	size_t at = 3 + klen;
	size_t ilen = p[at++];
	if (ilen > n - at || !id_valid((const char *)p + at, ilen))
		return -1;
	for (size_t i = at + ilen; i < n; i++)
		if (p[i] != 0)
			return -1;
	memset(pos, 0, sizeof(*pos));
	if (kind == LIST_OVERDUE) {
		if (klen != 8)
			return -1;
		uint64_t due = 0;
		for (size_t i = 0; i < 8; i++)
			due = (due << 8) | k[i];
		pos->due = (int64_t)due;
	} else {
		if (klen > PAGE_NAME_MAX || memchr(k, '\0', klen) != NULL ||
		    utf8_count((const char *)k, klen) < 0)
			return -1;
		memcpy(pos->name, k, klen);
	}
	memcpy(pos->id, p + at, ilen);
	return 0;
}

/* Feeds the version and the binding to ctx as additional data; 0 or -1. */
static int bind_aad(EVP_CIPHER_CTX *ctx, const struct cursor_binding *b)
{
	const unsigned char version = CURSOR_VERSION;
	const char *const field[] = {b->tenant, b->caller, b->route, b->filter};
	int outl = 0;
	if (EVP_CipherUpdate(ctx, NULL, &outl, &version, 1) != 1)
		return -1;
	for (size_t i = 0; i < sizeof(field) / sizeof(field[0]); i++) {
		const char *s = field[i] != NULL ? field[i] : "";
		size_t n = strlen(s);
		const unsigned char len[2] = {(unsigned char)(n >> 8), (unsigned char)n};
		if (n > 0xFFFF || EVP_CipherUpdate(ctx, NULL, &outl, len, 2) != 1 ||
		    (n > 0 &&
		     EVP_CipherUpdate(ctx, NULL, &outl, (const unsigned char *)s, (int)n) != 1))
			return -1;
	}
	return 0;
}

/* Starts an AES-256-GCM encryption (enc 1) or decryption (enc 0) of a cursor; 0 or -1. */
static int start_cipher(EVP_CIPHER_CTX *ctx, int enc, const unsigned char *key,
                        const unsigned char *nonce, const struct cursor_binding *b)
{
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, CURSOR_NONCE, NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1)
		return -1;
	return bind_aad(ctx, b);
}

/* Seals plain[0..n) into sealed (version, nonce, ciphertext, tag: n + CURSOR_OVERHEAD bytes). */
static enum paging_err seal(const unsigned char *key, const struct cursor_binding *b,
                            const unsigned char *plain, size_t n, unsigned char *sealed)
{
	enum paging_err rc = PAGING_ERR_SYSTEM;
	unsigned char *nonce = sealed + 1, *ct = sealed + 1 + CURSOR_NONCE;
	int outl = 0, finl = 0;
	EVP_CIPHER_CTX *ctx = NULL;

	sealed[0] = CURSOR_VERSION;
	if (RAND_bytes(nonce, CURSOR_NONCE) != 1)
		goto out;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL || start_cipher(ctx, 1, key, nonce, b) != 0 ||
	    EVP_EncryptUpdate(ctx, ct, &outl, plain, (int)n) != 1 ||
	    EVP_EncryptFinal_ex(ctx, ct + outl, &finl) != 1 || (size_t)outl + (size_t)finl != n ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, CURSOR_TAG, ct + n) != 1)
		goto out;
	rc = PAGING_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* Opens sealed[0..n) (n - CURSOR_OVERHEAD bytes of plain text go to plain):
 * PAGING_ERR_INVALID when it does not authenticate under key and b. */
static enum paging_err unseal(const unsigned char *key, const struct cursor_binding *b,
                              const unsigned char *sealed, size_t n, unsigned char *plain)
{
	enum paging_err rc = PAGING_ERR_SYSTEM;
	const unsigned char *nonce = sealed + 1, *ct = sealed + 1 + CURSOR_NONCE;
	size_t ctlen = n - CURSOR_OVERHEAD;
	unsigned char tag[CURSOR_TAG];
	int outl = 0, finl = 0;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	memcpy(tag, ct + ctlen, CURSOR_TAG);
	if (ctx == NULL || start_cipher(ctx, 0, key, nonce, b) != 0 ||
	    EVP_DecryptUpdate(ctx, plain, &outl, ct, (int)ctlen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, CURSOR_TAG, tag) != 1)
		goto out;
	/* the tag is compared in constant time inside OpenSSL */
	rc = EVP_DecryptFinal_ex(ctx, plain + outl, &finl) == 1 ? PAGING_OK : PAGING_ERR_INVALID;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

enum paging_err cursor_encode(const unsigned char *key, const struct cursor_binding *b,
                              enum list_kind kind, const struct page_key *pos, char *out,
                              size_t *out_len)
{
	unsigned char plain[CURSOR_PLAIN_MAX], sealed[CURSOR_SEALED_MAX];
	size_t n = position_write(kind, pos, plain);
	enum paging_err rc = seal(key, b, plain, n, sealed);
	out[0] = '\0';
	*out_len = 0;
	if (rc == PAGING_OK)
		*out_len = b64url_encode(sealed, n + CURSOR_OVERHEAD, out);
	OPENSSL_cleanse(plain, sizeof(plain));
	return rc;
}

enum paging_err cursor_decode(const unsigned char *key, const struct cursor_binding *b,
                              enum list_kind kind, const char *s, size_t len, struct page_key *pos)
{
	unsigned char sealed[CURSOR_MAX], plain[CURSOR_PLAIN_MAX];
	if (len == 0 || len >= CURSOR_MAX)
		return PAGING_ERR_INVALID;
	long n = b64url_decode(s, len, sealed);
	if (n < CURSOR_OVERHEAD + CURSOR_PLAIN_MIN || n > CURSOR_SEALED_MAX ||
	    (n - CURSOR_OVERHEAD) % CURSOR_PAD_STEP != 0 || sealed[0] != CURSOR_VERSION)
		return PAGING_ERR_INVALID;
	enum paging_err rc = unseal(key, b, sealed, (size_t)n, plain);
	if (rc == PAGING_OK &&
	    cursor_position_parse(plain, (size_t)n - CURSOR_OVERHEAD, kind, pos) != 0)
		rc = PAGING_ERR_INVALID;
	OPENSSL_cleanse(plain, sizeof(plain));
	return rc;
}

_Static_assert(LIMIT_PAGE_MAX <= 9999, "parse_limit reads at most four digits");

static int parse_limit(const char *v, size_t len, int *out)
{
	int n = 0;
	if (len == 0 || len > 4)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	if (n < LIMIT_PAGE_MIN || n > LIMIT_PAGE_MAX)
		return -1;
	*out = n;
	return 0;
}

enum paging_err paging_parse(const struct uri *u, const unsigned char *key,
                             const struct cursor_binding *b, enum list_kind kind, struct paging *pg,
                             char *err, size_t errlen)
{
	memset(pg, 0, sizeof(*pg));
	pg->limit = LIMIT_PAGE_DEFAULT;
	for (size_t i = 0; i < u->nparam; i++) {
		const struct uri_param *p = &u->param[i];
		if (strcmp(p->name, "limit") == 0) {
			if (parse_limit(p->value, p->value_len, &pg->limit) != 0) {
				snprintf(err, errlen, "limit must be a whole number from %d to %d",
				         LIMIT_PAGE_MIN, LIMIT_PAGE_MAX);
				return PAGING_ERR_INVALID;
			}
		} else if (strcmp(p->name, "cursor") == 0) {
			enum paging_err rc =
			        cursor_decode(key, b, kind, p->value, p->value_len, &pg->after);
			if (rc == PAGING_ERR_SYSTEM) {
				snprintf(err, errlen, "the cursor could not be checked");
				return rc;
			}
			if (rc != PAGING_OK) {
				snprintf(err, errlen,
				         "cursor is not valid for this list; use the "
				         "Link header of the previous page");
				return PAGING_ERR_INVALID;
			}
			pg->has_cursor = 1;
		} else {
			snprintf(err, errlen,
			         "unknown query parameter '%s' (this list accepts "
			         "limit and cursor)",
			         printable_or(p->name, "?"));
			return PAGING_ERR_INVALID;
		}
	}
	return PAGING_OK;
}
