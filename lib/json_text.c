/* json_text: a jansson value as the compact text json_dumps writes, appended to a strbuf. */
#include <stdio.h>
#include <string.h>

#include "lib/json_text.h"

/* A string's escape: 0 for a byte written as it is, else the letter after '\\' ('u' for \u00XX). */
static const char escape_of[256] = {
        ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r',  ['\t'] = 't', [0x00] = 'u',
        [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',  [0x05] = 'u', [0x06] = 'u',
        [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u', [0x0f] = 'u',  [0x10] = 'u', [0x11] = 'u',
        [0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u',  [0x16] = 'u', [0x17] = 'u',
        [0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u',  [0x1c] = 'u', [0x1d] = 'u',
        [0x1e] = 'u', [0x1f] = 'u', ['"'] = '"',  ['\\'] = '\\',
};

/* The longest a string of len bytes becomes: every byte \u00XX, and the quotes. */
#define STRING_TEXT_MAX(len) (6 * (len) + 2)

static void append_string(struct strbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	if (strbuf_reserve(sb, STRING_TEXT_MAX(len)) != 0)
		return;
	char *out = sb->data + sb->len;
	*out++ = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char e = escape_of[c];
		if (e == 0) {
			*out++ = (char)c;
			continue;
		}
		*out++ = '\\';
		*out++ = e;
		if (e == 'u') {
			*out++ = '0';
			*out++ = '0';
			*out++ = hex[c >> 4];
			*out++ = hex[c & 15];
		}
	}
	*out++ = '"';
	*out = '\0';
	sb->len = (size_t)(out - sb->data);
}

/* A real as jansson writes it: "%.15g", ".0" added when that has neither a '.' nor an
 * exponent (else it would read back as an integer), and the exponent without '+' or
 * leading zeros ("1e+05" is "1e5", "1e-07" is "1e-7"). */
static void append_real(struct strbuf *sb, double value)
{
	char text[64];
	int n = snprintf(text, sizeof(text) - 2, "%.15g", value);
	if (n < 0 || (size_t)n >= sizeof(text) - 2) {
		sb->failed = 1;
		return;
	}
	size_t len = (size_t)n;
	char *e = strchr(text, 'e');
	if (e == NULL && strchr(text, '.') == NULL) {
		memcpy(text + len, ".0", 3);
		len += 2;
	}
	if (e != NULL) {
		char *from = e + 1, *to = e + 1;
		if (*from == '-')
			*to++ = *from++;
		else if (*from == '+')
			from++;
		while (*from == '0' && from[1] != '\0')
			from++;
		memmove(to, from, strlen(from) + 1);
		len = strlen(text);
	}
	strbuf_append(sb, text, len);
}

static void append_object(struct strbuf *sb, const json_t *o)
{
	const char *key;
	size_t key_len;
	json_t *value;
	int first = 1;
	strbuf_append_char(sb, '{');
	json_object_keylen_foreach((json_t *)o, key, key_len, value)
	{
		if (!first)
			strbuf_append_char(sb, ',');
		first = 0;
		append_string(sb, key, key_len);
		strbuf_append_char(sb, ':');
		strbuf_append_json(sb, value);
	}
	strbuf_append_char(sb, '}');
}

static void append_array(struct strbuf *sb, const json_t *a)
{
	size_t i;
	json_t *value;
	strbuf_append_char(sb, '[');
	json_array_foreach (a, i, value) {
		if (i > 0)
			strbuf_append_char(sb, ',');
		strbuf_append_json(sb, value);
	}
	strbuf_append_char(sb, ']');
}

void strbuf_append_json(struct strbuf *sb, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: append_object(sb, v); return;
	case JSON_ARRAY: append_array(sb, v); return;
	case JSON_STRING: append_string(sb, json_string_value(v), json_string_length(v)); return;
	case JSON_INTEGER:
		strbuf_appendf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return;
	case JSON_REAL: append_real(sb, json_real_value(v)); return;
	case JSON_TRUE: strbuf_append(sb, "true", 4); return;
	case JSON_FALSE: strbuf_append(sb, "false", 5); return;
	case JSON_NULL: strbuf_append(sb, "null", 4); return;
	}
}

char *json_text(const json_t *v)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_append_json(&sb, v);
	if (!strbuf_failed(&sb) && sb.data != NULL)
		return sb.data; /* handed over: the strbuf is not used again */
	strbuf_free(&sb);
	return NULL;
}
