/* test_import_lock: one import per tenant at a time, by a row of import_locks (no GET_LOCK: Galera-safe). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <mysql.h>

#include "tests/http/client.h"

/* A connection of the test's own, to hold a tenant's lock row in an open transaction. */
static MYSQL *own_connection(void)
{
	MYSQL *c = mysql_init(NULL);
	cr_assert_not_null(c);
	if (mysql_real_connect(c, NULL, getenv("CRM_TEST_DB_USER"), getenv("CRM_TEST_DB_PASSWORD"),
	                       getenv("CRM_TEST_DB_NAME"), 0, getenv("CRM_TEST_DB_SOCKET"),
	                       0) == NULL)
		cr_assert_fail("cannot connect: %s", mysql_error(c));
	return c;
}

static void sql(MYSQL *c, const char *text)
{
	if (mysql_query(c, text) != 0)
		cr_assert_fail("SQL failed: %s\n  in: %s", mysql_error(c), text);
}

/* A file of the tenant's users and one customer, for crmctl import. */
static void write_document(const char *path, const char *tenant, int customers)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	for (int i = 0; i < customers; i++) {
		char id[32], name[64];
		snprintf(id, sizeof(id), "lk%05d", i);
		snprintf(name, sizeof(name), "Locked %05d", i);
		json_t *cu = sample_customer(id, name);
		json_object_set_new(cu, "tenantId", json_string(tenant));
		json_object_set_new(cu, "kind", json_string("customer"));
		char *line = json_dumps(cu, JSON_COMPACT);
		fprintf(f, "%s\n", line);
		free(line);
		json_decref(cu);
	}
	fclose(f);
}

/* The contents of path (at most 4 KB), or "" when there is none yet. */
static void read_small(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(out, 1, cap - 1, f) : 0;
	out[n] = '\0';
	if (f)
		fclose(f);
}

Test(import_lock, an_import_waits_while_another_holds_its_tenants_row_then_runs)
{
	char t[80], doc[256], errf[256], rcf[256], cmd[2048], text[4096] = "";
	fresh_tenant("lockwait", t, sizeof(t));
	const char *var = getenv("CRM_TEST_VAR");
	snprintf(doc, sizeof(doc), "%s/lockwait-%d.jsonl", var, (int)getpid());
	snprintf(errf, sizeof(errf), "%s/lockwait-%d.err", var, (int)getpid());
	snprintf(rcf, sizeof(rcf), "%s/lockwait-%d.rc", var, (int)getpid());
	unlink(rcf);
	write_document(doc, t, 5);
	/* another import of the tenant, as far as the lock goes: its row, written in an open
	 * transaction */
	MYSQL *holder = own_connection();
	char q[512];
	sql(holder, "START TRANSACTION");
	snprintf(q, sizeof(q),
	         "INSERT INTO import_locks (tenant_id, imports) VALUES ('%s', 1)"
	         " ON DUPLICATE KEY UPDATE imports = imports + 1",
	         t);
	sql(holder, q);
	snprintf(cmd, sizeof(cmd),
	         "( '%s' -c '%s' import --tenant %s '%s' >/dev/null 2>'%s'; echo $? >'%s' ) &",
	         getenv("CRM_TEST_CRMCTL"), getenv("CRM_TEST_CONF"), t, doc, errf, rcf);
	cr_assert_eq(system(cmd), 0);
	/* it says that it waits, and waits */
	for (int i = 0; i < 100 && strstr(text, "waiting for it") == NULL; i++) {
		usleep(100 * 1000);
		read_small(errf, text, sizeof(text));
	}
	cr_assert(strstr(text, "another import into tenant") != NULL, "crmctl said: '%s'", text);
	usleep(500 * 1000);
	read_small(rcf, text, sizeof(text));
	cr_assert_str_eq(text, "", "the import ended while the tenant's row was held");
	cr_assert_eq(db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'", t), 0);
	/* the other import ends: this one runs */
	sql(holder, "COMMIT");
	mysql_close(holder);
	for (int i = 0; i < 300 && text[0] == '\0'; i++) {
		usleep(100 * 1000);
		read_small(rcf, text, sizeof(text));
	}
	cr_assert_str_eq(text, "0\n", "crmctl import exit status: '%s'", text);
	cr_expect_eq(db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'", t), 5);
	cr_expect_eq(db_count("SELECT imports FROM import_locks WHERE tenant_id = '%s'", t), 2);
	unlink(doc);
	unlink(errf);
	unlink(rcf);
}

Test(import_lock, imports_of_one_tenant_at_once_both_succeed_one_after_the_other)
{
	char t[80], p[256], cmd[2048];
	fresh_tenant("lockboth", t, sizeof(t));
	snprintf(p, sizeof(p), "%s/lockboth-%d.jsonl", getenv("CRM_TEST_VAR"), (int)getpid());
	write_document(p, t, 200);
	for (int round = 0; round < 2; round++) {
		snprintf(cmd, sizeof(cmd),
		         "'%s' -c '%s' import --tenant %s '%s' >/dev/null 2>&1 & a=$!;"
		         " '%s' -c '%s' import --tenant %s '%s' >/dev/null 2>&1 & b=$!;"
		         " wait $a; ra=$?; wait $b; rb=$?; exit $((ra + rb))",
		         getenv("CRM_TEST_CRMCTL"), getenv("CRM_TEST_CONF"), t, p,
		         getenv("CRM_TEST_CRMCTL"), getenv("CRM_TEST_CONF"), t, p);
		cr_expect_eq(system(cmd), 0, "round %d: an import failed", round);
	}
	unlink(p);
	cr_expect_eq(db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'", t), 200);
	/* each import took the tenant's row (a retry takes it again) */
	cr_expect_geq(db_count("SELECT imports FROM import_locks WHERE tenant_id = '%s'", t), 4);
}

Test(import_lock, an_import_takes_its_tenants_row_and_no_other)
{
	char t[80];
	fresh_tenant("locknone", t, sizeof(t));
	cr_assert_eq(crmctl_import(t, "{\"users\": [], \"customers\": []}", NULL), 0);
	cr_expect_eq(db_count("SELECT imports FROM import_locks WHERE tenant_id = '%s'", t), 1);
	cr_expect_eq(db_count("SELECT COUNT(*) FROM import_locks WHERE tenant_id LIKE '%s_%%'", t),
	             0);
}
