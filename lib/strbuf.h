/* strbuf: a growable byte buffer, the one way we assemble output. */
#ifndef CRM_STRBUF_H
#define CRM_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Out-of-memory policy (project-wide): allocation failure inside a strbuf
 * sets the `failed` flag and turns further appends into no-ops; the caller
 * checks strbuf_failed() once, at the end, and answers 500.  Nothing aborts.
 */
struct strbuf {
	char *data; /* always NUL-terminated when cap > 0 */
	size_t len; /* bytes used, excluding the terminating NUL */
	size_t cap; /* bytes allocated */
	int failed; /* set once an allocation failed */
};

#define STRBUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0, 0                                                                      \
	}

void strbuf_init(struct strbuf *sb);
/* Releases the memory; sb can be reused after strbuf_init(). NULL-safe. */
void strbuf_free(struct strbuf *sb);
/* Keeps the allocation, forgets the content (for per-request reuse). */
void strbuf_reset(struct strbuf *sb);
/* Ensures room for `extra` more bytes; 0 on success, -1 on OOM. */
int strbuf_reserve(struct strbuf *sb, size_t extra);
void strbuf_append(struct strbuf *sb, const void *data, size_t len);
void strbuf_append_str(struct strbuf *sb, const char *s);
void strbuf_append_char(struct strbuf *sb, char c);
/* printf-style append; only for numbers and fixed text, never for JSON. */
void strbuf_appendf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s (len bytes, valid UTF-8 assumed) as a quoted JSON string. */
void strbuf_append_json_string(struct strbuf *sb, const char *s, size_t len);
/* The value of hex digit c (either case), or -1. */
int hex_value(char c);
/* Writes p[0..n) as lower-case hex into out (2n characters and a NUL). */
void hex_encode(const void *p, size_t n, char *out);
/* Appends p[0..n) as lower-case hex. */
void strbuf_append_hex(struct strbuf *sb, const void *p, size_t n);
/* Removes the last n bytes (n larger than len empties the buffer). */
void strbuf_truncate(struct strbuf *sb, size_t n);
int strbuf_failed(const struct strbuf *sb);

#endif
