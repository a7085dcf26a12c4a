/* ids: the one rule for ids in paths, tokens' owners and imports. */
#ifndef CRM_IDS_H
#define CRM_IDS_H

#include <stddef.h>

#define ID_MAX_LEN 64

/* 1 when s[0..len) is 1..64 characters of [A-Za-z0-9_-], else 0. */
int id_valid(const char *s, size_t len);

#endif
