/* utf8: validation and character counting of untrusted byte strings. */
#ifndef CRM_UTF8_H
#define CRM_UTF8_H

#include <stddef.h>

#include "lib/limits.h"

/* Decodes one scalar value at s[0..len) (len > 0): its byte length, with the value in *cp,
 * or 0 when the sequence is malformed (the same strictness as below). */
size_t utf8_decode(const unsigned char *s, size_t len, unsigned long *cp);

/* Encodes the scalar value cp (at most U+10FFFF, not a surrogate) into out: its byte length. */
size_t utf8_encode(unsigned long cp, unsigned char out[4]);

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
 * and invisible format characters (Cf: a lone U+200B is blank; so is an empty
 * string), else 0.  The one rule of blank text, used by utf8_line_check. */
int utf8_is_blank(const char *s, size_t len);

/* Narrows [*start, *end) of s to exclude leading and trailing White_Space
 * characters; s must be well-formed UTF-8. */
void utf8_trim_space(const char *s, size_t *start, size_t *end);

/* ---- normalisation and case folding (libutf8proc) ---------------------- */

/*
 * Returns s[0..len) in Unicode NFC as a new NUL-terminated string and its
 * length in bytes in *out_len; the caller releases it with free().  NULL
 * when s is not well-formed UTF-8 (as utf8_count) or memory ran out.
 */
char *utf8_nfc(const char *s, size_t len, size_t *out_len);

/*
 * Returns the caseless key of s[0..len): the full Unicode case folding of
 * its canonical decomposition, composed again (Unicode's canonical caseless
 * match).  So "ß", "ss" and "SS" have one key, "Клиент" and "КЛИЕНТ" too,
 * and "café" precomposed and decomposed as well.  Two strings are equal
 * regardless of case when their keys are equal byte for byte.  A new
 * NUL-terminated string (the caller free()s it), its length in *out_len;
 * NULL when s is not well-formed UTF-8 or memory ran out.
 */
char *utf8_fold(const char *s, size_t len, size_t *out_len);

/* 1 when a[0..alen) and b[0..blen) have the same caseless key (utf8_fold),
 * 0 when not, -1 when either is malformed or memory ran out. */
int utf8_fold_equal(const char *a, size_t alen, const char *b, size_t blen);

/* ---- the service's rules for short text, one place for API and import ---- */

enum utf8_text_err {
	UTF8_TEXT_OK = 0,
	UTF8_TEXT_MALFORMED,  /* not well-formed UTF-8 */
	UTF8_TEXT_CONTROL,    /* holds a Cc character: NUL, tab, CR, LF, ESC, DEL, C1 */
	UTF8_TEXT_FORMAT,     /* holds a Cf character: zero-width, bidi, BOM, tag characters */
	UTF8_TEXT_SEPARATOR,  /* holds U+2028 or U+2029 */
	UTF8_TEXT_PRIVATE,    /* holds a private-use character */
	UTF8_TEXT_UNASSIGNED, /* holds an unassigned code point or a noncharacter */
	UTF8_TEXT_BLANK,      /* empty, or nothing but white space (and format characters) */
	UTF8_TEXT_TOO_LONG,   /* more characters than the rule allows */
	UTF8_TEXT_NO_MEMORY,
	UTF8_TEXT__MAX
};

/* A phrase for err that follows a field name ("tag: " + phrase), e.g.
 * "must not contain control characters (line breaks, tabs, escape...)". */
const char *utf8_text_strerror(enum utf8_text_err err);

#define UTF8_TAG_CHARS_MAX LIMIT_TAG_CHARS
/* Room for a normalised tag: UTF8_TAG_CHARS_MAX characters of up to 4 bytes, and the NUL. */
#define UTF8_TAG_BUF (4 * UTF8_TAG_CHARS_MAX + 1)
/* What a tag may not hold; spaces are allowed inside a tag. */
#define UTF8_TAG_REFUSED                                                                           \
	(UTF8_CONTROL | UTF8_FORMAT | UTF8_SEPARATOR | UTF8_PRIVATE | UTF8_UNASSIGNED)

/*
 * The tag rule (CONTRACT.md, Tags): s[0..len) is put in NFC, trimmed of
 * White_Space, and must then hold 1..UTF8_TAG_CHARS_MAX characters, none of a class in
 * UTF8_TAG_REFUSED.  On UTF8_TEXT_OK writes the tag, NUL-terminated, into
 * out (outsize >= UTF8_TAG_BUF) and its length in bytes into *out_len.
 * Otherwise out is untouched; the first problem found is returned, in this
 * order: malformed, a refused character, blank, too long.  Allocates
 * nothing that outlives the call.
 */
enum utf8_text_err utf8_tag_normalize(const char *s, size_t len, char *out, size_t outsize,
                                      size_t *out_len);

/* Single-line text: nextAction's limit, and what single-line text may not hold. */
#define UTF8_LINE_CHARS_MAX LIMIT_TEXT_CHARS
#define UTF8_LINE_REFUSED   (UTF8_CONTROL | UTF8_SEPARATOR)

/*
 * The single-line text rule (nextAction, a customer's name): s[0..len) as
 * given (not normalised, not trimmed) must be well-formed, hold no
 * character of a class in UTF8_LINE_REFUSED, hold at least one character
 * that is neither White_Space nor a format character, and have at most
 * max_chars characters (max_chars 0: no limit).  UTF8_TEXT_OK or the first
 * problem, in the order malformed, refused character, blank, too long.
 */
enum utf8_text_err utf8_line_check(const char *s, size_t len, long max_chars);

#endif
