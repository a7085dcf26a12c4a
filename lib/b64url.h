/* b64url: base64url without padding (RFC 4648 section 5), for cursors and tokens. */
#ifndef CRM_B64URL_H
#define CRM_B64URL_H

#include <stddef.h>

/* Size of the buffer b64url_encode needs for n input bytes (with NUL). */
#define B64URL_ENCODED_SIZE(n) ((((n) + 2) / 3) * 4 + 1)

/* Encodes in[0..len) into out, NUL-terminated; returns the length. */
size_t b64url_encode(const void *in, size_t len, char *out);

/*
 * Decodes s[0..len) (no padding, alphabet A-Z a-z 0-9 - _ only; a length
 * of 1 mod 4 or non-zero trailing bits are errors) into out, which must
 * hold len*3/4+1 bytes; NUL-terminates.  Returns the decoded length or -1.
 */
long b64url_decode(const char *s, size_t len, void *out);

#endif
