/* crmctl: the operator's tool — shared declarations of its commands. */
#ifndef CRM_CRMCTL_H
#define CRM_CRMCTL_H

#include <stdio.h>

#include <jansson.h>

#include "conf/config.h"
#include "model/model.h"

/* Each command returns the process exit status: 0 ok, 1 failed, 2 usage. */
int cmd_migrate(const struct config *cfg, int argc, char **argv);
int cmd_import(const struct config *cfg, int argc, char **argv);
int cmd_export(const struct config *cfg, int argc, char **argv);
int cmd_demo(const struct config *cfg, int argc, char **argv);
int cmd_token(const struct config *cfg, int argc, char **argv);
int cmd_user(const struct config *cfg, int argc, char **argv);
int cmd_lifecycle(const struct config *cfg, int argc, char **argv);
int cmd_routes(const struct config *cfg, int argc, char **argv);

/*
 * Loads a whole import document {"users","customers","opportunities",
 * "activities"} into tenant inside the caller's transaction.  On failure
 * returns -1 with a message naming the item in err.  *count gets the number
 * of items stored.
 */
int import_document(struct db *db, const json_t *doc, const char *tenant, long *count, char *err,
                    size_t errlen);

/* Loads JSON Lines ({"kind": "customer", ...} a line) from f, streaming. */
int import_lines(struct db *db, FILE *f, const char *tenant, long *count, char *err, size_t errlen);

/*
 * What an operator reads when a model call failed with rc: why, the call's
 * own message, when it wrote one (DB_INVALID always does), else the
 * database's last error (DB_ERROR) or db_strerror(rc).  The text lives as
 * long as why and db.
 */
const char *ctl_db_failure(const struct db *db, enum db_rc rc, const char *why);

/* Looks up "--name value" in argv; NULL when absent. */
const char *opt_value(int argc, char **argv, const char *name);

#endif
