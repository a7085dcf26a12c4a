/* json_read: JSON text to a jansson value, json_loadb's answer in a third of its time. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json_read.h"
#include "lib/strbuf.h"
#include "lib/utf8.h"

/* Deeper than this is left to jansson (whose own limit is 2048). */
#define FAST_MAX_DEPTH 256
/* Integers of at most this many digits cannot overflow a json_int_t. */
#define FAST_MAX_DIGITS 18
/* A real's text longer than this is left to jansson. */
#define FAST_MAX_REAL 64

struct reader {
	const char *p, *end;
	int depth;
	struct strbuf unescaped; /* the last string read that had escapes */
};

static json_t *read_value(struct reader *r);

static void skip_space(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
		r->p++;
}

static int at(const struct reader *r, char c)
{
	return r->p < r->end && *r->p == c;
}

static int is_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/* The escape after a backslash (but \u), or 0. */
static char unescape(char c)
{
	switch (c) {
	case '"': return '"';
	case '\\': return '\\';
	case '/': return '/';
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	default: return 0;
	}
}

/* The value of the four hex digits at p, or -1. */
static long hex4(const unsigned char *p, const unsigned char *end)
{
	if (end - p < 4)
		return -1;
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int d = hex_value((char)p[i]);
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/*
 * The escape at p (its backslash) appended to out, \u as UTF-8 (a surrogate
 * pair as one character, as jansson reads it): its length in the input, or
 * 0 to decline what jansson refuses (an unknown escape, \u without four hex
 * digits, \u0000, a surrogate that is not one of a pair).
 */
static size_t read_escape(const unsigned char *p, const unsigned char *end, struct strbuf *out)
{
	if (end - p < 2)
		return 0;
	if (p[1] != 'u') {
		char c = unescape((char)p[1]);
		if (c != 0)
			strbuf_append_char(out, c);
		return c != 0 ? 2 : 0;
	}
	long cp = hex4(p + 2, end);
	size_t n = 6;
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		long low = end - p >= 8 && p[6] == '\\' && p[7] == 'u' ? hex4(p + 8, end) : -1;
		if (low < 0xDC00 || low > 0xDFFF)
			return 0;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
		n = 12;
	} else if (cp <= 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) {
		return 0;
	}
	unsigned char utf8[4];
	strbuf_append(out, utf8, utf8_encode((unsigned long)cp, utf8));
	return n;
}

/*
 * The string whose opening quote r->p is at: its bytes in *s and *len, in the
 * input or (when it has escapes) in r->unescaped; r->p after its closing
 * quote.  0, or -1 to decline: a control character, malformed UTF-8, an
 * escape that read_escape declines.
 */
static int read_string(struct reader *r, const char **s, size_t *len)
{
	const unsigned char *start = (const unsigned char *)r->p + 1, *p = start;
	const unsigned char *end = (const unsigned char *)r->end;
	int escaped = 0;
	for (;;) {
		const unsigned char *run = p;
		while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
		if (escaped)
			strbuf_append(&r->unescaped, run, (size_t)(p - run));
		if (p == end || *p < 0x20)
			return -1;
		if (*p == '"')
			break;
		if (*p >= 0x80) {
			unsigned long cp;
			size_t n = utf8_decode(p, (size_t)(end - p), &cp);
			if (n == 0)
				return -1;
			if (escaped)
				strbuf_append(&r->unescaped, p, n);
			p += n;
			continue;
		}
		if (!escaped) {
			strbuf_reset(&r->unescaped);
			strbuf_append(&r->unescaped, start, (size_t)(p - start));
			escaped = 1;
		}
		size_t n = read_escape(p, end, &r->unescaped);
		if (n == 0)
			return -1;
		p += n;
	}
	if (escaped && strbuf_failed(&r->unescaped))
		return -1;
	*s = escaped ? r->unescaped.data : (const char *)start;
	*len = escaped ? r->unescaped.len : (size_t)(p - start);
	r->p = (const char *)p + 1;
	return 0;
}

/* A number as jansson's grammar has it ('-'? int frac? exp?), or NULL to decline. */
static json_t *read_number(struct reader *r)
{
	const char *start = r->p, *p = start, *end = r->end;
	int real = 0;
	if (p < end && *p == '-')
		p++;
	if (!is_digit(p, end))
		return NULL;
	if (*p == '0') {
		if (is_digit(++p, end))
			return NULL; /* a leading zero */
	}
	while (is_digit(p, end))
		p++;
	if (p < end && *p == '.') {
		real = 1;
		if (!is_digit(++p, end))
			return NULL;
		while (is_digit(p, end))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		real = 1;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!is_digit(p, end))
			return NULL;
		while (is_digit(p, end))
			p++;
	}
	r->p = p;
	size_t len = (size_t)(p - start);
	if (!real) {
		const char *d = start + (*start == '-');
		if (p - d > FAST_MAX_DIGITS)
			return NULL;
		json_int_t v = 0;
		for (; d < p; d++)
			v = v * 10 + (*d - '0');
		return json_integer(*start == '-' ? -v : v);
	}
	char text[FAST_MAX_REAL + 1];
	if (len > FAST_MAX_REAL)
		return NULL;
	memcpy(text, start, len);
	text[len] = '\0';
	char *rest;
	errno = 0;
	double v = strtod(text, &rest);
	if (errno != 0 || rest != text + len)
		return NULL; /* overflow (jansson's error) or underflow (its to judge) */
	return json_real(v);
}

static json_t *read_literal(struct reader *r, const char *word, size_t len, json_t *value)
{
	if ((size_t)(r->end - r->p) < len || memcmp(r->p, word, len) != 0)
		return NULL;
	r->p += len;
	return value;
}

/* One member of object o, at its key: 0, or -1 to decline. */
static int read_member(struct reader *r, json_t *o)
{
	const char *key;
	size_t klen;
	char *own = NULL; /* an escaped key, copied: the value may have escapes too */
	if (!at(r, '"') || read_string(r, &key, &klen) != 0)
		return -1;
	if (key == r->unescaped.data) {
		if ((own = malloc(klen + 1)) == NULL)
			return -1;
		key = memcpy(own, key, klen + 1);
	}
	skip_space(r);
	json_t *v = NULL;
	if (at(r, ':')) {
		r->p++;
		skip_space(r);
		v = read_value(r);
	}
	int set = v != NULL && json_object_setn_new_nocheck(o, key, klen, v) == 0;
	free(own);
	return set ? 0 : -1;
}

/* One element of array a: 0, or -1 to decline. */
static int read_element(struct reader *r, json_t *a)
{
	json_t *v = read_value(r);
	return v != NULL && json_array_append_new(a, v) == 0 ? 0 : -1;
}

/* Past the container's close: 1; past a ',' and the space after it: 0; else -1. */
static int after_item(struct reader *r, char close)
{
	skip_space(r);
	if (at(r, close)) {
		r->p++;
		return 1;
	}
	if (!at(r, ','))
		return -1;
	r->p++;
	skip_space(r);
	return 0;
}

/* The object or array c (empty) whose '{' or '[' r->p is at, read: c, or NULL to decline. */
static json_t *read_container(struct reader *r, json_t *c)
{
	if (c == NULL || ++r->depth > FAST_MAX_DEPTH) {
		json_decref(c);
		return NULL;
	}
	int object = json_is_object(c);
	char close = object ? '}' : ']';
	r->p++;
	skip_space(r);
	int state = at(r, close) ? 1 : 0; /* 1 closed, 0 an item follows, -1 declined */
	if (state == 1)
		r->p++;
	while (state == 0) {
		int rc = object ? read_member(r, c) : read_element(r, c);
		state = rc == 0 ? after_item(r, close) : -1;
	}
	r->depth--;
	if (state < 0) {
		json_decref(c);
		return NULL;
	}
	return c;
}

static json_t *read_value(struct reader *r)
{
	if (r->p == r->end)
		return NULL;
	switch (*r->p) {
	case '{': return read_container(r, json_object());
	case '[': return read_container(r, json_array());
	case '"': {
		const char *s;
		size_t len;
		return read_string(r, &s, &len) == 0 ? json_stringn_nocheck(s, len) : NULL;
	}
	case 't': return read_literal(r, "true", 4, json_true());
	case 'f': return read_literal(r, "false", 5, json_false());
	case 'n': return read_literal(r, "null", 4, json_null());
	default: return read_number(r);
	}
}

json_t *json_read_fast(const char *text, size_t len)
{
	struct reader r = {text, text + len, 0, STRBUF_INIT};
	skip_space(&r);
	json_t *v = at(&r, '{') || at(&r, '[') ? read_value(&r) : NULL;
	skip_space(&r);
	if (v != NULL && r.p != r.end) {
		json_decref(v); /* more than one value: jansson's error */
		v = NULL;
	}
	strbuf_free(&r.unescaped);
	return v;
}

json_t *json_read(const char *text, size_t len, json_error_t *err)
{
	json_t *v = json_read_fast(text, len);
	return v != NULL ? v : json_loadb(text, len, 0, err);
}
