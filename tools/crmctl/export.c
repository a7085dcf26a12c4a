/* export: `crmctl export --tenant T` — the tenant's items on stdout as JSON Lines, ready for import. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/ids.h"
#include "lib/limits.h"
#include "model/export.h"
#include "tools/crmctl/crmctl.h"

#define OUT_BUFFER (256 * 1024) /* stdout is a file or a pipe: write in large blocks */

struct sink {
	FILE *out;
	int err; /* errno of the first failed write */
};

static int write_line(void *arg, enum export_kind kind, const char *line, size_t len)
{
	struct sink *s = arg;
	(void)kind;
	if (fwrite(line, 1, len, s->out) == len && putc('\n', s->out) != EOF)
		return 0;
	s->err = errno;
	return -1;
}

static int usage(void)
{
	fprintf(stderr, "usage: crmctl export --tenant T > FILE (T: 1.." LIMIT_ID_CHARS_TEXT
	                " of [A-Za-z0-9_-])\n");
	return 2;
}

static struct db *open_db(const struct config *cfg)
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

/* What went wrong, for the operator: the write's errno when the output failed. */
static const char *failure(const struct sink *s, const struct db *db, enum db_rc rc)
{
	if (s->err != 0)
		return strerror(s->err);
	return rc == DB_ERROR ? db_last_error(db) : db_strerror(rc);
}

int cmd_export(const struct config *cfg, int argc, char **argv)
{
	const char *tenant = opt_value(argc, argv, "--tenant");
	if (argc != 2 || tenant == NULL || !id_valid(tenant, strlen(tenant)))
		return usage();
	static char buffer[OUT_BUFFER];
	setvbuf(stdout, buffer, _IOFBF, sizeof(buffer));
	struct sink sink = {stdout, 0};
	long counts[EXPORT__MAX] = {0};
	struct db *db = open_db(cfg);
	if (db == NULL)
		return 1;
	enum db_rc rc = db_export_tenant(db, tenant, write_line, &sink, counts);
	if (rc == DB_OK && fflush(stdout) != 0) {
		sink.err = errno;
		rc = DB_ERROR;
	}
	if (rc == DB_OK)
		fprintf(stderr,
		        "exported %ld users, %ld customers, %ld opportunities, %ld activities"
		        " of tenant %s\n",
		        counts[EXPORT_USER], counts[EXPORT_CUSTOMER], counts[EXPORT_OPPORTUNITY],
		        counts[EXPORT_ACTIVITY], tenant);
	else
		fprintf(stderr,
		        "crmctl: export of tenant %s failed, the output is incomplete: %s\n",
		        tenant, failure(&sink, db, rc));
	db_close(db);
	return rc == DB_OK ? 0 : 1;
}
