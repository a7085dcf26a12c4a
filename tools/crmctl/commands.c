/* commands: migrate, import, demo and user add — each one transaction or nothing. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/ids.h"
#include "lib/limits.h"
#include "lib/timefmt.h"
#include "model/lifecycle.h"
#include "model/shape.h"
#include "tools/crmctl/crmctl.h"
#include "tools/crmctl/demo_data.h"
#include "tools/crmctl/import_file.h"

#define ID_LENGTHS "1.." LIMIT_ID_CHARS_TEXT

static struct db *open_admin(const struct config *cfg)
{
	char err[300];
	struct db *db = db_open(cfg, 1);
	if (db == NULL) {
		fprintf(stderr, "crmctl: out of memory\n");
		return NULL;
	}
	if (db_connect_now(db, err, sizeof(err)) != DB_OK) {
		fprintf(stderr, "crmctl: cannot reach the database: %s\n", err);
		db_close(db);
		return NULL;
	}
	return db;
}

int cmd_migrate(const struct config *cfg, int argc, char **argv)
{
	char err[512];
	struct db *db = open_admin(cfg);
	if (db == NULL)
		return 1;
	enum db_rc rc = db_migrate(db, err, sizeof(err));
	if (rc != DB_OK)
		fprintf(stderr, "crmctl: migrate failed: %s\n", err);
	db_close(db);
	return rc == DB_OK ? 0 : 1;
}

const char *ctl_db_failure(const struct db *db, enum db_rc rc, const char *why)
{
	switch (rc) {
	case DB_INVALID:  /* bad input: the model always says what is wrong with it */
	case DB_CONFLICT: /* a rule or constraint refused: the model says which when it knows */
		return why[0] ? why : db_strerror(rc);
	case DB_ERROR: /* for an operator, the database's own words */
		return why[0] ? why : db_last_error(db);
	default: return why[0] ? why : db_strerror(rc);
	}
}

static int valid_id(const char *s)
{
	return s != NULL && id_valid(s, strlen(s));
}

/* Runs fn inside one transaction: everything is stored, or nothing. */
static int in_transaction(struct db *db, int (*fn)(struct db *, void *, char *, size_t), void *arg)
{
	char err[600] = "";
	if (db_begin(db) != DB_OK) {
		fprintf(stderr, "crmctl: cannot start a transaction: %s\n", db_last_error(db));
		return 1;
	}
	if (fn(db, arg, err, sizeof(err)) != 0) {
		db_rollback(db);
		fprintf(stderr, "crmctl: nothing was imported: %s\n", err);
		return 1;
	}
	if (db_commit(db) != DB_OK) {
		fprintf(stderr, "crmctl: commit failed: %s\n", db_last_error(db));
		return 1;
	}
	return 0;
}

/* How long an import waits for another import of the same tenant to finish. */
#define IMPORT_TENANT_WAIT_S 1800

/*
 * An import's input: read again from its start when the import is retried
 * (a file can be; a pipe cannot).
 */
struct file_job {
	FILE *f;
	const char *tenant;
	long count;
};

/* After items are stored: the ready enriched fragment of each customer they touched, anew. */
static enum db_rc refresh(struct db *db, const char *tenant, char *err, size_t errlen)
{
	enum db_rc rc = db_refresh_enriched(db, tenant);
	if (rc != DB_OK)
		snprintf(err, errlen,
		         "cannot refresh the customers' opportunities and activities: %s",
		         db_last_error(db));
	return rc;
}

/* One import of tenant at a time, first thing in its transaction; says so while this one waits. */
static enum db_rc lock_tenant(struct db *db, const char *tenant, char *err, size_t errlen)
{
	enum db_rc rc = db_import_lock_tenant(db, tenant, 0);
	if (rc == DB_CONFLICT) {
		fprintf(stderr,
		        "crmctl: another import into tenant %s is running; waiting for it\n",
		        tenant);
		rc = db_import_lock_tenant(db, tenant, IMPORT_TENANT_WAIT_S);
	}
	if (rc == DB_CONFLICT)
		snprintf(err, errlen,
		         "another import into tenant %s was still running after %d s; run this"
		         " one again when it has finished",
		         tenant, IMPORT_TENANT_WAIT_S);
	else if (rc != DB_OK && rc != DB_RETRY)
		snprintf(err, errlen, "cannot lock tenant %s: %s", tenant, db_last_error(db));
	return rc;
}

static enum db_rc run_file_job(struct db *db, void *arg, char *err, size_t errlen)
{
	struct file_job *job = arg;
	job->count = 0;
	enum db_rc rc = lock_tenant(db, job->tenant, err, errlen);
	if (rc != DB_OK)
		return rc;
	rc = db_import_start(db);
	if (rc != DB_OK) {
		snprintf(err, errlen, "cannot start the import: %s", db_last_error(db));
		return rc;
	}
	rc = import_input_items(db, job->f, job->tenant, &job->count, err, errlen);
	return rc == DB_OK ? refresh(db, job->tenant, err, errlen) : rc;
}

/* Input that can be read again from its start: a regular file, not a pipe or terminal. */
static int can_rewind(void *arg)
{
	struct file_job *job = arg;
	return fseek(job->f, 0, SEEK_SET) == 0;
}

/* The words for a transaction that met a deadlock or lock wait every time it ran. */
static void say_contended(const struct db *db, int tries, const char *why_not_again)
{
	const char *what =
	        db_last_was_lock_wait(db)
	                ? "waited too long for rows another import or change held"
	                : "met another import or change holding rows it needed (deadlock)";
	fprintf(stderr, "crmctl: nothing was imported: the import %s%s%s; run it again\n", what,
	        tries > 1 ? ", every one of its tries" : "", why_not_again);
	fprintf(stderr, "crmctl: the database said: %s\n", db_last_error(db));
}

/*
 * Runs fn inside one transaction (everything is stored, or nothing), and
 * again from the start, up to db_retries more times, while it fails on a
 * deadlock or lock wait (retries: the configuration's db_retries); rewind (may be NULL: always possible) makes its
 * input ready to be read again, or says it cannot.  Returns the exit status.
 */
static int in_retried_transaction(struct db *db, int retries,
                                  enum db_rc (*fn)(struct db *, void *, char *, size_t),
                                  int (*rewind_input)(void *), void *arg)
{
	char err[600] = "";
	int tries = retries + 1;
	for (int attempt = 1;; attempt++) {
		enum db_rc rc = db_begin(db);
		if (rc != DB_OK) {
			fprintf(stderr, "crmctl: cannot start a transaction: %s\n",
			        db_last_error(db));
			return 1;
		}
		err[0] = '\0';
		rc = fn(db, arg, err, sizeof(err));
		if (rc == DB_OK) {
			rc = db_commit(db);
			if (rc == DB_OK)
				return 0;
			snprintf(err, sizeof(err), "commit failed: %s", db_last_error(db));
		} else
			db_rollback(db);
		if (rc != DB_RETRY) {
			fprintf(stderr, "crmctl: nothing was imported: %s\n", err);
			return 1;
		}
		if (attempt >= tries) {
			say_contended(db, tries, "");
			return 1;
		}
		if (rewind_input != NULL && !rewind_input(arg)) {
			say_contended(
			        db, 1,
			        " (its input, a pipe, cannot be read a second time to retry it:"
			        " import from a file to have it retried)");
			return 1;
		}
		/* let the other transaction finish: 50 ms, 100 ms, 200 ms, ... */
		struct timespec pause = {0, 50L * 1000 * 1000};
		for (int i = 1; i < attempt && pause.tv_nsec < 400L * 1000 * 1000; i++)
			pause.tv_nsec *= 2;
		nanosleep(&pause, NULL);
	}
}

int cmd_import(const struct config *cfg, int argc, char **argv)
{
	const char *tenant = opt_value(argc, argv, "--tenant");
	const char *path = argc > 0 ? argv[argc - 1] : NULL;
	if (!valid_id(tenant) || path == NULL || strcmp(path, tenant) == 0) {
		fprintf(stderr, "usage: crmctl import --tenant T FILE (T: " ID_LENGTHS
		                " of [A-Za-z0-9_-])\n");
		return 2;
	}
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (f == NULL) {
		perror(path);
		return 1;
	}
	struct db *db = open_admin(cfg);
	struct file_job job = {f, tenant, 0};
	int rc = 1;
	if (db != NULL && db_import_session(db) != DB_OK)
		fprintf(stderr, "crmctl: cannot set up the import's session: %s\n",
		        db_last_error(db));
	else if (db != NULL)
		rc = in_retried_transaction(db, cfg->db_retries, run_file_job, can_rewind, &job);
	if (rc == 0)
		printf("imported %ld items into tenant %s\n", job.count, tenant);
	db_close(db);
	if (f != stdin)
		fclose(f);
	return rc;
}

/* Each demo tenant's document from the embedded fixture, through the import of any file. */
static enum db_rc run_demo_job(struct db *db, void *arg, char *err, size_t errlen)
{
	(void)arg;
	json_t *set = demo_data_set(timefmt_now(), err, errlen);
	const char *tenant;
	json_t *doc;
	enum db_rc rc = DB_OK;
	if (set == NULL)
		return DB_INVALID;
	json_object_foreach (set, tenant, doc) {
		long count = 0;
		char why[500] = "";
		rc = db_import_start(db);
		if (rc != DB_OK)
			snprintf(why, sizeof(why), "%s", db_last_error(db));
		if (rc == DB_OK)
			rc = import_document_items(db, doc, tenant, &count, why, sizeof(why));
		if (rc == DB_OK)
			rc = refresh(db, tenant, why, sizeof(why));
		if (rc != DB_OK) {
			snprintf(err, errlen, "demo tenant %s: %s", tenant, why);
			break;
		}
		printf("demo: %ld items in tenant %s\n", count, tenant);
	}
	json_decref(set);
	return rc;
}

int cmd_demo(const struct config *cfg, int argc, char **argv)
{
	struct db *db = open_admin(cfg);
	int rc = 1;
	if (db != NULL && db_import_session(db) != DB_OK)
		fprintf(stderr, "crmctl: cannot set up the import's session: %s\n",
		        db_last_error(db));
	else if (db != NULL)
		rc = in_retried_transaction(db, cfg->db_retries, run_demo_job, NULL, NULL);
	db_close(db);
	return rc;
}

struct user_job {
	json_t *user;
	const char *tenant;
};

static int run_user_job(struct db *db, void *arg, char *err, size_t errlen)
{
	struct user_job *job = arg;
	char why[400];
	json_t *item = shape_canonical(SHAPE_USER, job->user, job->tenant, why, sizeof(why));
	if (item == NULL) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	why[0] = '\0';
	enum db_rc rc = db_import_item(db, SHAPE_USER, item, 1, job->tenant, why, sizeof(why));
	json_decref(item);
	if (rc != DB_OK)
		snprintf(err, errlen, "%s", ctl_db_failure(db, rc, why));
	return rc == DB_OK ? 0 : -1;
}

int cmd_user(const struct config *cfg, int argc, char **argv)
{
	const char *tenant = opt_value(argc, argv, "--tenant");
	const char *id = opt_value(argc, argv, "--id");
	const char *username = opt_value(argc, argv, "--username");
	const char *name = opt_value(argc, argv, "--name");
	if (argc < 1 || strcmp(argv[0], "add") != 0 || !valid_id(tenant) || !valid_id(id) ||
	    username == NULL || username[0] == '\0') {
		fprintf(stderr, "usage: crmctl user add --tenant T --id ID --username U --name "
		                "\"Display Name\"\n"
		                "  T and ID: " ID_LENGTHS " characters of [A-Za-z0-9_-]\n");
		return 2;
	}
	struct user_job job = {
	        json_pack("{s:s,s:s,s:s?}", "id", id, "username", username, "displayName", name),
	        tenant};
	struct db *db = job.user ? open_admin(cfg) : NULL;
	int rc = db ? in_transaction(db, run_user_job, &job) : 1;
	if (rc == 0)
		printf("user %s added to tenant %s\n", id, tenant);
	db_close(db);
	json_decref(job.user);
	return rc;
}

int cmd_lifecycle(const struct config *cfg, int argc, char **argv)
{
	char table[1024];
	lifecycle_markdown(table, sizeof(table));
	fputs(table, stdout);
	return 0;
}
