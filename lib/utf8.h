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

#endif
