/* ids: the one rule for ids in paths, tokens' owners and imports. */
#ifndef CRM_IDS_H
#define CRM_IDS_H

#include <stddef.h>

#include "lib/limits.h"

/* 1 when s[0..len) is 1..LIMIT_ID_CHARS characters of [A-Za-z0-9_-], else 0. */
int id_valid(const char *s, size_t len);

#endif
