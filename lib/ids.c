/* ids: checks an id against CONTRACT.md's rule. */
#include "lib/ids.h"

int id_valid(const char *s, size_t len)
{
	if (s == NULL || len == 0 || len > LIMIT_ID_CHARS)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}
