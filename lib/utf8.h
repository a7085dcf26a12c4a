/* utf8: validation and character counting of untrusted byte strings. */
#ifndef CRM_UTF8_H
#define CRM_UTF8_H

#include <stddef.h>

/*
 * Returns the number of Unicode scalar values in s[0..len), or -1 when s is
 * not well-formed UTF-8 (overlong forms, surrogates, code points above
 * U+10FFFF and truncated sequences are all malformed).  NUL bytes are
 * counted as characters here; callers that forbid them use utf8_printable.
 */
long utf8_count(const char *s, size_t len);

/*
 * Like utf8_count but also returns -1 when s contains a control character
 * (U+0000..U+001F, U+007F..U+009F).  For tags, names and other
 * single-line text.
 */
long utf8_count_printable(const char *s, size_t len);

/*
 * Classes of characters a client may be refused (Unicode general categories,
 * read with libutf8proc).  Each rule of the service names the classes it
 * refuses: identifiers refuse all of them, tags all but spaces inside,
 * single-line text controls and line separators.
 */
enum utf8_class {
	UTF8_CONTROL = 1 << 0,    /* Cc: C0, DEL, C1 (tab, CR, LF, ESC...) */
	UTF8_FORMAT = 1 << 1,     /* Cf: zero-width, bidi overrides, BOM, tag characters */
	UTF8_SEPARATOR = 1 << 2,  /* Zl, Zp: U+2028, U+2029 */
	UTF8_SPACE = 1 << 3,      /* Zs: space, NBSP, ideographic space... */
	UTF8_PRIVATE = 1 << 4,    /* Co: private use */
	UTF8_UNASSIGNED = 1 << 5, /* Cn: no character (yet) */
	UTF8_ALL_CLASSES = (1 << 6) - 1
};

/*
 * Returns the number of scalar values in s[0..len), or -1 when s is
 * malformed or holds a character of a class in `refused`.
 */
long utf8_count_refusing(const char *s, size_t len, unsigned refused);

/* 1 when s[0..len) is well-formed and holds nothing but Unicode White_Space
 * (an empty string is blank), else 0. */
int utf8_is_blank(const char *s, size_t len);

/* Narrows [*start, *end) of s to exclude leading and trailing White_Space
 * characters; s must be well-formed UTF-8. */
void utf8_trim_space(const char *s, size_t *start, size_t *end);

#endif
