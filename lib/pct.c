/* pct: percent-decoding and -encoding of URI components (RFC 3986). */
#include "lib/pct.h"
#include "lib/strbuf.h"

/* Decodes s[0..len) into out (len+1 bytes), NUL-terminated; length or -1. */
long pct_decode(const char *s, size_t len, enum pct_mode mode, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '%') {
			int hi = i + 2 < len ? hex_value(s[i + 1]) : -1;
			int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
			if (lo < 0) {
				out[o] = '\0';
				return -1;
			}
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && mode == PCT_QUERY) {
			c = ' ';
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return (long)o;
}

/* RFC 3986 unreserved characters. */
static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* Writes s[0..len) percent-encoded (upper-case hex) to out; returns the length. */
size_t pct_encode(const char *s, size_t len, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_unreserved(c)) {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '%';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o] = '\0';
	return o;
}
