/* body_errors: a 400 about the request's body, with the RFC 6901 pointer that problem details carry. */
#include <string.h>

#include "handlers/handlers.h"

/* A member name as the model's messages write it in a path: letters, digits, '_', '-', '$', '@'. */
static size_t name_len(const char *p)
{
	size_t n = 0;
	while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
	       (p[n] >= '0' && p[n] <= '9') || p[n] == '_' || p[n] == '-' || p[n] == '$' ||
	       p[n] == '@')
		n++;
	return n;
}

/* Appends "/" and s[0..n) with '~' and '/' escaped (RFC 6901); -1 when it does not fit. */
static int append_token(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
	if (*len + 1 >= cap)
		return -1;
	out[(*len)++] = '/';
	for (size_t i = 0; i < n; i++) {
		const char *esc = s[i] == '~' ? "~0" : s[i] == '/' ? "~1" : NULL;
		size_t k = esc ? 2 : 1;
		if (*len + k >= cap)
			return -1;
		memcpy(out + *len, esc ? esc : s + i, k);
		*len += k;
	}
	out[*len] = '\0';
	return 0;
}

int body_error_pointer(const char *msg, char *out, size_t cap, const char **reason)
{
	size_t len = 0;
	const char *p = msg;
	*reason = msg;
	if (cap == 0)
		return -1;
	out[0] = '\0';
	/* "unknown member 'x' in the body" (bodies.c): the member is named in quotes */
	static const char unknown[] = "unknown member '";
	if (strncmp(msg, unknown, sizeof(unknown) - 1) == 0) {
		const char *name = msg + sizeof(unknown) - 1;
		const char *end = strchr(name, '\'');
		if (end != NULL && append_token(out, cap, &len, name, (size_t)(end - name)) == 0)
			return 0;
		out[0] = '\0';
		return -1;
	}
	/* "contacts[1].email: reason" (model/shape.h's convention) */
	for (;;) {
		size_t n = name_len(p);
		if (n == 0 || append_token(out, cap, &len, p, n) != 0)
			break;
		p += n;
		while (*p == '[') {
			size_t d = strspn(p + 1, "0123456789");
			if (d == 0 || p[1 + d] != ']' ||
			    append_token(out, cap, &len, p + 1, d) != 0)
				goto none;
			p += d + 2;
		}
		if (p[0] == ':' && p[1] == ' ') {
			*reason = p + 2;
			return 0;
		}
		if (*p != '.')
			break;
		p++;
	}
none:
	out[0] = '\0';
	*reason = msg;
	return -1;
}

void reply_body_error(struct response *resp, const char *msg)
{
	char pointer[256];
	const char *reason;
	body_error_pointer(msg, pointer, sizeof(pointer), &reason);
	resp_body_error(resp, msg, pointer, reason);
}
