/* etag: SHA-256 tags of response bodies and the RFC 9110 entity-tag lists they are compared with. */
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "lib/b64url.h"
#include "lib/etag.h"

#define ETAG_HASH_BYTES 16 /* 128 of SHA-256's 256 bits */

static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

/* Fetched once: EVP_sha256() makes EVP_Digest look the algorithm up in the
 * provider on every call, which took half of a tag's time (a 7 KB body). */
static void sha256_fetch(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

int etag_of(const void *body, size_t len, char out[ETAG_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	out[0] = '\0';
	pthread_once(&sha256_once, sha256_fetch);
	if (sha256 == NULL || EVP_Digest(body, len, md, &md_len, sha256, NULL) != 1 ||
	    md_len < ETAG_HASH_BYTES)
		return -1;
	out[0] = '"';
	size_t n = b64url_encode(md, ETAG_HASH_BYTES, out + 1);
	out[1 + n] = '"';
	out[2 + n] = '\0';
	return 0;
}

static int is_ows(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* etagc = %x21 / %x23-7E / obs-text */
static int is_etagc(unsigned char ch)
{
	return ch == 0x21 || (ch >= 0x23 && ch <= 0x7e) || ch >= 0x80;
}

enum etag_list etag_list_match(const char *hdr, size_t len, const char *tag, enum etag_cmp cmp)
{
	size_t i = 0, n = 0, tag_len = strlen(tag);
	int matched = 0;
	while (i < len && is_ows(hdr[i]))
		i++;
	if (i < len && hdr[i] == '*') {
		for (i++; i < len && is_ows(hdr[i]); i++)
			;
		return i == len ? ETAG_LIST_MATCH : ETAG_LIST_MALFORMED;
	}
	while (i < len) {
		if (is_ows(hdr[i]) || hdr[i] == ',') {
			i++;
			continue;
		}
		int weak = 0;
		if (len - i >= 2 && hdr[i] == 'W' && hdr[i + 1] == '/') {
			weak = 1;
			i += 2;
		}
		if (i >= len || hdr[i] != '"')
			return ETAG_LIST_MALFORMED;
		size_t start = i++;
		while (i < len && hdr[i] != '"') {
			if (!is_etagc((unsigned char)hdr[i]))
				return ETAG_LIST_MALFORMED;
			i++;
		}
		if (i >= len)
			return ETAG_LIST_MALFORMED;
		i++; /* the closing quote */
		n++;
		if (i - start == tag_len && memcmp(hdr + start, tag, tag_len) == 0 &&
		    (!weak || cmp == ETAG_WEAK))
			matched = 1;
		while (i < len && is_ows(hdr[i]))
			i++;
		if (i < len && hdr[i] != ',')
			return ETAG_LIST_MALFORMED;
	}
	if (n == 0)
		return ETAG_LIST_MALFORMED;
	return matched ? ETAG_LIST_MATCH : ETAG_LIST_NO_MATCH;
}
