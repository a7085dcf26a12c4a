/* utf8: strict UTF-8 validation (RFC 3629), character counting and classes. */
#include <utf8proc.h>

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

static unsigned class_of(unsigned long cp)
{
	switch (utf8proc_category((utf8proc_int32_t)cp)) {
	case UTF8PROC_CATEGORY_CC: return UTF8_CONTROL;
	case UTF8PROC_CATEGORY_CF: return UTF8_FORMAT;
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP: return UTF8_SEPARATOR;
	case UTF8PROC_CATEGORY_ZS: return UTF8_SPACE;
	case UTF8PROC_CATEGORY_CO: return UTF8_PRIVATE;
	case UTF8PROC_CATEGORY_CN: return UTF8_UNASSIGNED;
	default: return 0;
	}
}

long utf8_count_refusing(const char *s, size_t len, unsigned refused)
{
	const unsigned char *p = (const unsigned char *)s;
	long chars = 0;
	for (size_t i = 0; i < len; chars++) {
		unsigned long cp;
		size_t n = decode_one(p + i, len - i, &cp);
		if (n == 0 || (class_of(cp) & refused) != 0)
			return -1;
		i += n;
	}
	return chars;
}

/* Unicode's White_Space property: the Z* categories and these controls. */
static int is_white_space(unsigned long cp)
{
	return (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 ||
	       (class_of(cp) & (UTF8_SPACE | UTF8_SEPARATOR)) != 0;
}

int utf8_is_blank(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		unsigned long cp;
		size_t n = decode_one(p + i, len - i, &cp);
		if (n == 0 || !is_white_space(cp))
			return 0;
		i += n;
	}
	return 1;
}

void utf8_trim_space(const char *s, size_t *start, size_t *end)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t n;
	while (*start < *end && (n = decode_one(p + *start, *end - *start, &cp)) != 0 &&
	       is_white_space(cp))
		*start += n;
	/* backwards: find the start of the last character, then test it */
	while (*end > *start) {
		size_t b = *end - 1;
		while (b > *start && (p[b] & 0xC0) == 0x80)
			b--;
		if (decode_one(p + b, *end - b, &cp) == 0 || !is_white_space(cp))
			break;
		*end = b;
	}
}
