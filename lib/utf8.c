/* utf8: strict UTF-8 validation (RFC 3629), character counting, classes, NFC, case folding and the text rules. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "lib/utf8.h"

size_t utf8_decode(const unsigned char *s, size_t len, unsigned long *cp)
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

size_t utf8_encode(unsigned long cp, unsigned char out[4])
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	size_t n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	static const unsigned char lead[5] = {0, 0, 0xC0, 0xE0, 0xF0};
	for (size_t i = n - 1; i > 0; i--, cp >>= 6)
		out[i] = (unsigned char)(0x80 | (cp & 0x3F));
	out[0] = (unsigned char)(lead[n] | cp);
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
		size_t n = utf8_decode(p + i, len - i, &cp);
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
		size_t n = utf8_decode(p + i, len - i, &cp);
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
		size_t n = utf8_decode(p + i, len - i, &cp);
		if (n == 0 || (!is_white_space(cp) && class_of(cp) != UTF8_FORMAT))
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
	while (*start < *end && (n = utf8_decode(p + *start, *end - *start, &cp)) != 0 &&
	       is_white_space(cp))
		*start += n;
	/* backwards: find the start of the last character, then test it */
	while (*end > *start) {
		size_t b = *end - 1;
		while (b > *start && (p[b] & 0xC0) == 0x80)
			b--;
		if (utf8_decode(p + b, *end - b, &cp) == 0 || !is_white_space(cp))
			break;
		*end = b;
	}
}

/* utf8proc_map on well-formed s with options; a malloc'd result or NULL. */
static char *map(const char *s, size_t len, utf8proc_option_t options, size_t *out_len)
{
	utf8proc_uint8_t *out = NULL;
	if (utf8_count(s, len) < 0 || len > (size_t)PTRDIFF_MAX)
		return NULL;
	utf8proc_ssize_t n =
	        utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &out, options);
	if (n < 0) {
		free(out);
		return NULL;
	}
	*out_len = (size_t)n;
	return (char *)out;
}

char *utf8_nfc(const char *s, size_t len, size_t *out_len)
{
	return map(s, len, UTF8PROC_STABLE | UTF8PROC_COMPOSE, out_len);
}

char *utf8_fold(const char *s, size_t len, size_t *out_len)
{
	return map(s, len, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD, out_len);
}

int utf8_fold_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t na = 0, nb = 0;
	char *ka = utf8_fold(a, alen, &na);
	char *kb = ka ? utf8_fold(b, blen, &nb) : NULL;
	int equal = kb == NULL ? -1 : na == nb && memcmp(ka, kb, na) == 0;
	free(ka);
	free(kb);
	return equal;
}

static const char *const text_errors[UTF8_TEXT__MAX] = {
        [UTF8_TEXT_OK] = "is valid",
        [UTF8_TEXT_MALFORMED] = "is not well-formed UTF-8",
        [UTF8_TEXT_CONTROL] = "must not contain control characters (line breaks, tabs, escape...)",
        [UTF8_TEXT_FORMAT] = ("must not contain invisible format characters (zero-width, bidi "
                              "controls, byte order mark, tag characters)"),
        [UTF8_TEXT_SEPARATOR] = "must not contain line or paragraph separators",
        [UTF8_TEXT_PRIVATE] = "must not contain private-use characters",
        [UTF8_TEXT_UNASSIGNED] = "must not contain unassigned code points",
        [UTF8_TEXT_BLANK] = "must not be empty or blank",
        [UTF8_TEXT_TOO_LONG] = "is too long",
        [UTF8_TEXT_NO_MEMORY] = "could not be checked (out of memory)",
};

const char *utf8_text_strerror(enum utf8_text_err err)
{
	return (unsigned)err < UTF8_TEXT__MAX ? text_errors[err] : "is not valid";
}

/* The error for the first character of s[0..len) whose class is refused:
 * UTF8_TEXT_OK when there is none.  s must be well-formed. */
static enum utf8_text_err first_refused(const char *s, size_t len, unsigned refused)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		unsigned long cp;
		size_t n = utf8_decode(p + i, len - i, &cp);
		if (n == 0)
			return UTF8_TEXT_MALFORMED;
		switch (class_of(cp) & refused) {
		case UTF8_CONTROL: return UTF8_TEXT_CONTROL;
		case UTF8_FORMAT: return UTF8_TEXT_FORMAT;
		case UTF8_SEPARATOR: return UTF8_TEXT_SEPARATOR;
		case UTF8_PRIVATE: return UTF8_TEXT_PRIVATE;
		case UTF8_UNASSIGNED: return UTF8_TEXT_UNASSIGNED;
		default: break; /* allowed (no text rule refuses spaces) */
		}
		i += n;
	}
	return UTF8_TEXT_OK;
}

enum utf8_text_err utf8_tag_normalize(const char *s, size_t len, char *out, size_t outsize,
                                      size_t *out_len)
{
	size_t n = 0;
	if (utf8_count(s, len) < 0)
		return UTF8_TEXT_MALFORMED;
	char *nfc = utf8_nfc(s, len, &n);
	if (nfc == NULL)
		return UTF8_TEXT_NO_MEMORY;
	size_t start = 0, end = n;
	utf8_trim_space(nfc, &start, &end);
	enum utf8_text_err err = first_refused(nfc + start, end - start, UTF8_TAG_REFUSED);
	long chars = utf8_count(nfc + start, end - start);
	if (err == UTF8_TEXT_OK && chars < 1)
		err = UTF8_TEXT_BLANK;
	else if (err == UTF8_TEXT_OK && (chars > UTF8_TAG_CHARS_MAX || end - start >= outsize))
		err = UTF8_TEXT_TOO_LONG;
	if (err == UTF8_TEXT_OK) {
		memcpy(out, nfc + start, end - start);
		out[end - start] = '\0';
		*out_len = end - start;
	}
	free(nfc);
	return err;
}

enum utf8_text_err utf8_line_check(const char *s, size_t len, long max_chars)
{
	long chars = utf8_count(s, len);
	if (chars < 0)
		return UTF8_TEXT_MALFORMED;
	enum utf8_text_err err = first_refused(s, len, UTF8_LINE_REFUSED);
	if (err != UTF8_TEXT_OK)
		return err;
	if (utf8_is_blank(s, len))
		return UTF8_TEXT_BLANK;
	if (max_chars > 0 && chars > max_chars)
		return UTF8_TEXT_TOO_LONG;
	return UTF8_TEXT_OK;
}
