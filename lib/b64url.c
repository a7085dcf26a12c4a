/* b64url: base64url without padding (RFC 4648 section 5), strict decoding. */
#include "lib/b64url.h"

static const char b64url_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Encodes in[0..len) into out (B64URL_ENCODED_SIZE(len) bytes); returns the length. */
size_t b64url_encode(const void *in, size_t len, char *out)
{
	const unsigned char *p = in;
	size_t o = 0, i = 0;

	for (; i + 3 <= len; i += 3) {
		unsigned long v =
		        ((unsigned long)p[i] << 16) | ((unsigned long)p[i + 1] << 8) | p[i + 2];
		out[o++] = b64url_alphabet[(v >> 18) & 63];
		out[o++] = b64url_alphabet[(v >> 12) & 63];
		out[o++] = b64url_alphabet[(v >> 6) & 63];
		out[o++] = b64url_alphabet[v & 63];
	}
	if (len - i == 1) {
		out[o++] = b64url_alphabet[p[i] >> 2];
		out[o++] = b64url_alphabet[(p[i] & 3) << 4];
	} else if (len - i == 2) {
		unsigned long v = ((unsigned long)p[i] << 8) | p[i + 1];
		out[o++] = b64url_alphabet[(v >> 10) & 63];
		out[o++] = b64url_alphabet[(v >> 4) & 63];
		out[o++] = b64url_alphabet[(v << 2) & 63];
	}
	out[o] = '\0';
	return o;
}

/* Returns the 6-bit value of c, or -1 outside the base64url alphabet. */
static int sextet(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Decodes s[0..len) into out (len*3/4+1 bytes), NUL-terminated; length or -1. */
long b64url_decode(const char *s, size_t len, void *out)
{
	unsigned char *o = out;
	unsigned long acc = 0;
	int bits = 0;
	size_t n = 0;

	if (len % 4 == 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = sextet(s[i]);
		if (v < 0)
			return -1;
		acc = ((acc << 6) | (unsigned long)v) & 0xFFFFFF;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (unsigned char)(acc >> bits);
		}
	}
	if (bits > 0 && (acc & ((1UL << bits) - 1)) != 0)
		return -1;
	o[n] = '\0';
	return (long)n;
}
