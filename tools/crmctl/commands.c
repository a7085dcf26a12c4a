/* commands: migrate, import, demo and user add — each one transaction or nothing. */
#include <stdio.h>
#include <string.h>

#include "lib/ids.h"
#include "lib/limits.h"
#include "lib/timefmt.h"
#include "model/lifecycle.h"
#include "model/shape.h"
#include "tools/crmctl/crmctl.h"
#include "tools/crmctl/demo_data.h"

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

/* Is the file JSON Lines?  Its first line is then a whole object with "kind". */
static int looks_like_lines(FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	int lines = 0;
	if (getline(&line, &cap, f) > 0) {
		json_t *first = json_loads(line, 0, NULL);
		lines = json_is_string(json_object_get(first, "kind"));
		json_decref(first);
	}
	free(line);
	rewind(f);
	return lines;
}

static int load_file(struct db *db, FILE *f, const char *tenant, long *count, char *err,
                     size_t errlen)
{
	if (looks_like_lines(f))
		return import_lines(db, f, tenant, count, err, errlen);
	json_error_t jerr;
	json_t *doc = json_loadf(f, 0, &jerr);
	if (doc == NULL) {
		snprintf(err, errlen, "invalid JSON at line %d column %d: %s", jerr.line,
		         jerr.column, jerr.text);
		return -1;
	}
	int rc = import_document(db, doc, tenant, count, err, errlen);
	json_decref(doc);
	return rc;
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

struct file_job {
	FILE *f;
	const char *tenant;
	long count;
};

/* After items are stored: every customer's ready enriched fragment, anew. */
static int refresh(struct db *db, const char *tenant, char *err, size_t errlen)
{
	if (db_refresh_enriched(db, tenant) == DB_OK)
		return 0;
	snprintf(err, errlen, "cannot refresh the customers' opportunities and activities: %s",
	         db_last_error(db));
	return -1;
}

static int run_file_job(struct db *db, void *arg, char *err, size_t errlen)
{
	struct file_job *job = arg;
	if (load_file(db, job->f, job->tenant, &job->count, err, errlen) != 0)
		return -1;
	return refresh(db, job->tenant, err, errlen);
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
	int rc = db ? in_transaction(db, run_file_job, &job) : 1;
	if (rc == 0)
		printf("imported %ld items into tenant %s\n", job.count, tenant);
	db_close(db);
	if (f != stdin)
		fclose(f);
	return rc;
}

/* Each demo tenant's document from the embedded fixture, through the import of any file. */
static int run_demo_job(struct db *db, void *arg, char *err, size_t errlen)
{
	(void)arg;
	json_t *set = demo_data_set(timefmt_now(), err, errlen);
	const char *tenant;
	json_t *doc;
	int rc = 0;
	if (set == NULL)
		return -1;
	json_object_foreach (set, tenant, doc) {
		long count = 0;
		char why[500] = "";
		if (import_document(db, doc, tenant, &count, why, sizeof(why)) != 0 ||
		    refresh(db, tenant, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "demo tenant %s: %s", tenant, why);
			rc = -1;
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
	int rc = db ? in_transaction(db, run_demo_job, NULL) : 1;
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
