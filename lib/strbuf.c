/* strbuf: a growable byte buffer; on OOM it fails once and stays failed. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"

/* Initialises sb as empty with no allocation. */
void strbuf_init(struct strbuf *sb)
{
	sb->data = NULL;
	sb->len = 0;
	sb->cap = 0;
	sb->failed = 0;
}

/* Frees sb's memory and leaves it empty; NULL-safe. */
void strbuf_free(struct strbuf *sb)
{
	if (sb == NULL)
		return;
	free(sb->data);
	strbuf_init(sb);
}

/* Empties sb keeping its allocation; the failed flag is cleared too. */
void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->failed = 0;
	if (sb->cap > 0)
		sb->data[0] = '\0';
}

/* Grows sb so that `extra` more bytes and a NUL fit; 0, or -1 (and failed) on OOM. */
int strbuf_reserve(struct strbuf *sb, size_t extra)
{
	if (sb->failed)
		return -1;
	if (extra >= SIZE_MAX - sb->len - 1)
		goto oom;
	size_t need = sb->len + extra + 1;
	if (need <= sb->cap)
		return 0;
	size_t cap = sb->cap < 64 ? 64 : sb->cap;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	char *p = realloc(sb->data, cap);
	if (p == NULL)
		goto oom;
	if (sb->cap == 0)
		p[0] = '\0';
	sb->data = p;
	sb->cap = cap;
	return 0;
oom:
	sb->failed = 1;
	return -1;
}

/* Appends len bytes of data; a no-op once failed. */
void strbuf_append(struct strbuf *sb, const void *data, size_t len)
{
	if (strbuf_reserve(sb, len) != 0)
		return;
	if (len > 0)
		memcpy(sb->data + sb->len, data, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
}

/* Appends the NUL-terminated string s. */
void strbuf_append_str(struct strbuf *sb, const char *s)
{
	strbuf_append(sb, s, strlen(s));
}

/* Appends one byte. */
void strbuf_append_char(struct strbuf *sb, char c)
{
	strbuf_append(sb, &c, 1);
}

/* printf-style append (numbers and fixed text only). */
void strbuf_appendf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	char small[128];

	if (sb->failed)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->failed = 1;
		return;
	}
	if ((size_t)n < sizeof small) {
		strbuf_append(sb, small, (size_t)n);
		return;
	}
	if (strbuf_reserve(sb, (size_t)n) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

/* Appends the JSON escape for control byte c. */
static void append_control(struct strbuf *sb, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], '\0'};

	switch (c) {
	case '\b': strbuf_append(sb, "\\b", 2); return;
	case '\f': strbuf_append(sb, "\\f", 2); return;
	case '\n': strbuf_append(sb, "\\n", 2); return;
	case '\r': strbuf_append(sb, "\\r", 2); return;
	case '\t': strbuf_append(sb, "\\t", 2); return;
	default: strbuf_append(sb, esc, 6); return;
	}
}

/* Appends s as a quoted JSON string: '"', '\\' and bytes < 0x20 escaped. */
void strbuf_append_json_string(struct strbuf *sb, const char *s, size_t len)
{
	size_t run = 0;

	strbuf_append_char(sb, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		strbuf_append(sb, s + run, i - run);
		run = i + 1;
		if (c < 0x20) {
			append_control(sb, c);
		} else {
			char esc[2] = {'\\', (char)c};
			strbuf_append(sb, esc, 2);
		}
	}
	strbuf_append(sb, s + run, len - run);
	strbuf_append_char(sb, '"');
}

/* Removes the last n bytes; n >= sb->len empties the buffer. */
void strbuf_truncate(struct strbuf *sb, size_t len)
{
	sb->len = len >= sb->len ? 0 : sb->len - len;
	if (sb->cap > 0)
		sb->data[sb->len] = '\0';
}

/* Returns 1 once an allocation has failed, else 0. */
int strbuf_failed(const struct strbuf *sb)
{
	return sb->failed != 0;
}

int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void hex_encode(const void *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

void strbuf_append_hex(struct strbuf *sb, const void *p, size_t n)
{
	if (n > (SIZE_MAX - 1) / 2 || strbuf_reserve(sb, 2 * n) != 0)
		return;
	hex_encode(p, n, sb->data + sb->len);
	sb->len += 2 * n;
}
