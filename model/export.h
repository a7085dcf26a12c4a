/* export: a tenant's data as import items, one JSON line per row, streamed in bounded memory. */
#ifndef CRM_EXPORT_H
#define CRM_EXPORT_H

#include <stddef.h>

#include "model/model.h"

/* The sections of an export, in the order written (the order an import needs). */
enum export_kind { EXPORT_USER, EXPORT_CUSTOMER, EXPORT_OPPORTUNITY, EXPORT_ACTIVITY, EXPORT__MAX };

/* The import's name of a kind ("user", ...): the value of each line's "kind" member. */
const char *export_kind_name(enum export_kind kind);

/*
 * Called once per item with one line: a JSON object with a "kind" member
 * and no line break, len bytes, not NUL-terminated.  The bytes are valid
 * until fn returns.  A non-zero return stops the export.
 */
typedef int (*export_item_fn)(void *arg, enum export_kind kind, const char *line, size_t len);

/*
 * Feeds every item of tenant to fn, as `crmctl import --tenant` reads them:
 * users (id, username, displayName, and "active": false for inactive ones),
 * then live customers (the stored document and its list fragment, the
 * list shape), then the opportunities and activities of every customer
 * that is not deleted.  Tombstones and their children are left out.  All
 * sections come from one consistent snapshot; rows are read in keyset
 * pages and memory stays at one row, however large the tenant.
 *
 * db must be a connection of its own (crmctl's): the export holds a
 * read-only transaction on it until it returns.  counts (may be NULL)
 * receives the items written per kind.  DB_OK when every item was fed;
 * DB_ERROR when fn stopped the export (db_last_error says so) or a stored
 * row is not a JSON object; else the database's error.  On any failure
 * the items fed so far are an incomplete export.
 */
enum db_rc db_export_tenant(struct db *db, const char *tenant, export_item_fn fn, void *arg,
                            long counts[EXPORT__MAX]);

#endif
