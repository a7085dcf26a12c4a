/* utf8: strict UTF-8 validation (RFC 3629) and character counting. */
#include "lib/utf8.h"

/* Decodes one scalar value at s[0..len); returns its byte length and sets
 * *cp, or 0 when the sequence is malformed. */
static size_t decode_one(const unsigned char *s, size_t len, unsigned long *cp)
{
	unsigned long v;
	size_t n;
	unsigned long min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2, v = s[0] & 0x1F, min = 0x80;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3, v = s[0] & 0x0F, min = 0x800;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4, v = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

/* Counts scalar values; -1 when malformed, or (printable_only) on a control. */
static long count(const char *s, size_t len, int printable_only)
{
	const unsigned char *p = (const unsigned char *)s;
	long chars = 0;
	size_t i = 0;

	while (i < len) {
		unsigned long cp;
		size_t n = decode_one(p + i, len - i, &cp);
		if (n == 0)
			return -1;
		if (printable_only && (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)))
			return -1;
		i += n;
		chars++;
	}
	return chars;
}

/* Returns the number of scalar values in s[0..len), or -1 when malformed. */
long utf8_count(const char *s, size_t len)
{
	return count(s, len, 0);
}

/* As utf8_count, and -1 on C0/C1 controls and DEL. */
long utf8_count_printable(const char *s, size_t len)
{
	return count(s, len, 1);
}
