/* test_explain: every hot statement's plan uses its index, even on a freshly bulk-loaded tenant; import touches only what it imports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <mysql.h>

#include "model/list_sql.h"
#include "model/stmt.h"
#include "tests/http/client.h"

#define CUSTOMERS 400 /* of the bulk-loaded tenant; statistics are not refreshed after it */
#define SCOPE_R   "crm:read"

/* ---- a connection of the test's own, for prepared EXPLAINs ------------------ */

static MYSQL *explain_db(void)
{
	static MYSQL *conn;
	if (conn == NULL)
		conn = db_connect_new();
	return conn;
}

static void run_sql(const char *sql)
{
	MYSQL *c = explain_db();
	cr_assert_eq(mysql_query(c, sql), 0, "%s\n  in: %s", mysql_error(c), sql);
	mysql_free_result(mysql_store_result(c));
}

/* The plan: for each row of EXPLAIN, its table (alias) and the key it uses ("" for none). */
struct plan {
	int n;
	char table[16][256];
	char possible[16][256]; /* possible_keys: the indexes the optimizer weighs */
	char key[16][256];
	char extra[16][256];
};

/* EXPLAIN of statement id exactly as the service prepares it, with params bound. */
static void explain(enum stmt id, const struct db_param *params, struct plan *out)
{
	const struct stmt_def *def = &stmt_table[id];
	char sql[8192];
	/* EXPLAIN takes the statement without its SET STATEMENT ... FOR */
	const char *text = def->sql, *set_for = " FOR ";
	if (strncmp(text, "SET STATEMENT ", 14) == 0 && strstr(text, set_for) != NULL)
		text = strstr(text, set_for) + strlen(set_for);
	snprintf(sql, sizeof(sql), "EXPLAIN %s", text);
	MYSQL_STMT *st = mysql_stmt_init(explain_db());
	cr_assert_not_null(st);
	cr_assert_eq(mysql_stmt_prepare(st, sql, strlen(sql)), 0, "%s\n  in: %s",
	             mysql_stmt_error(st), sql);
	MYSQL_BIND b[12];
	long long nums[12];
	memset(b, 0, sizeof(b));
	cr_assert_leq(def->nparams, 12);
	for (unsigned i = 0; i < def->nparams; i++) {
		if (params[i].type == DBP_INT) {
			nums[i] = params[i].num;
			b[i].buffer_type = MYSQL_TYPE_LONGLONG;
			b[i].buffer = &nums[i];
		} else if (params[i].type == DBP_STR) {
			b[i].buffer_type = MYSQL_TYPE_STRING;
			b[i].buffer = (void *)params[i].str;
			b[i].buffer_length = params[i].len;
		} else
			b[i].buffer_type = MYSQL_TYPE_NULL;
	}
	cr_assert_eq(mysql_stmt_bind_param(st, b), 0, "%s", mysql_stmt_error(st));
	cr_assert_eq(mysql_stmt_execute(st), 0, "%s\n  in: %s", mysql_stmt_error(st), sql);
	/* EXPLAIN's columns: id, select_type, table, type, possible_keys, key, ... */
	MYSQL_BIND r[10];
	char col[10][256];
	unsigned long len[10];
	my_bool null[10];
	memset(r, 0, sizeof(r));
	for (int i = 0; i < 10; i++) {
		r[i].buffer_type = MYSQL_TYPE_STRING;
		r[i].buffer = col[i];
		r[i].buffer_length = sizeof(col[i]) - 1;
		r[i].length = &len[i];
		r[i].is_null = &null[i];
	}
	cr_assert_eq(mysql_stmt_field_count(st), 10);
	cr_assert_eq(mysql_stmt_bind_result(st, r), 0, "%s", mysql_stmt_error(st));
	out->n = 0;
	int f;
	while ((f = mysql_stmt_fetch(st)) == 0 || f == MYSQL_DATA_TRUNCATED) {
		cr_assert_lt(out->n, 16);
		for (int i = 0; i < 10; i++)
			col[i]
			   [null[i] ? 0 : (len[i] < sizeof(col[i]) ? len[i] : sizeof(col[i]) - 1)] =
			           '\0';
		snprintf(out->table[out->n], sizeof(out->table[0]), "%s", col[2]);
		snprintf(out->possible[out->n], sizeof(out->possible[0]), "%s", col[4]);
		snprintf(out->key[out->n], sizeof(out->key[0]), "%s", col[5]);
		snprintf(out->extra[out->n], sizeof(out->extra[0]), "%s", col[9]);
		out->n++;
	}
	mysql_stmt_close(st);
}

/* Asserts that every row of the plan reading table uses key. */
static void assert_key(const struct plan *p, const char *what, const char *table, const char *key)
{
	int seen = 0;
	for (int i = 0; i < p->n; i++) {
		if (strcmp(p->table[i], table) != 0)
			continue;
		seen = 1;
		cr_expect_str_eq(p->key[i], key, "%s: table %s reads through '%s', not %s", what,
		                 table, p->key[i], key);
	}
	cr_expect(seen, "%s: the plan does not read table %s", what, table);
}

/* Asserts that every row of the plan reading table reads its index alone ("Using index"). */
static void assert_covered(const struct plan *p, const char *what, const char *table)
{
	for (int i = 0; i < p->n; i++)
		if (strcmp(p->table[i], table) == 0)
			cr_expect(strstr(p->extra[i], "Using index") != NULL &&
			                  strstr(p->extra[i], "Using index condition") == NULL,
			          "%s: table %s is not read from the index alone (Extra: %s)", what,
			          table, p->extra[i]);
}

/* ---- a tenant of CUSTOMERS, loaded in one import -------------------------- */

static char tenant[80];

static void write_lines(const char *path, const char *t, int customers)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f,
	        "{\"kind\":\"user\",\"id\":\"u1\",\"username\":\"one\",\"displayName\":\"One\"}\n");
	for (int i = 0; i < customers; i++) {
		char id[32], o[32], a[32], c[32];
		snprintf(id, sizeof(id), "c%05d", i);
		json_t *cu = sample_customer(id, "Customer");
		json_object_set_new(cu, "tenantId", json_string(t));
		json_object_set_new(cu, "ownerId", json_string("u1"));
		json_object_set_new(cu, "kind", json_string("customer"));
		char *line = json_dumps(cu, JSON_COMPACT);
		fprintf(f, "%s\n", line);
		free(line);
		json_decref(cu);
		for (int k = 0; k < 2; k++) {
			snprintf(o, sizeof(o), "o%05d-%d", i, k);
			snprintf(a, sizeof(a), "a%05d-%d", i, k);
			snprintf(c, sizeof(c), "2026-0%d-1%dT10:00:00Z", 1 + k, i % 10);
			json_t *op = sample_opportunity(o, id, c);
			json_t *ac = sample_activity(a, id, c);
			json_object_set_new(op, "kind", json_string("opportunity"));
			json_object_set_new(ac, "kind", json_string("activity"));
			char *ol = json_dumps(op, JSON_COMPACT), *al = json_dumps(ac, JSON_COMPACT);
			fprintf(f, "%s\n%s\n", ol, al);
			free(ol);
			free(al);
			json_decref(op);
			json_decref(ac);
		}
	}
	fclose(f);
}

static void import_lines_file(const char *t, const char *path)
{
	const char *args[] = {"import", "--tenant", t, path, NULL};
	char *err = NULL;
	int rc = crmctl_run(args, NULL, &err);
	cr_assert_eq(rc, 0, "crmctl import failed: %s", err ? err : "");
	free(err);
}

static void load_tenant(void)
{
	char path[256];
	fresh_tenant("explain", tenant, sizeof(tenant));
	snprintf(path, sizeof(path), "%s/explain-%d.jsonl", getenv("CRM_TEST_VAR"), (int)getpid());
	write_lines(path, tenant, CUSTOMERS);
	import_lines_file(tenant, path);
	unlink(path);
}

TestSuite(explain, .init = load_tenant);

/* ---- the plans ------------------------------------------------------------ */

Test(explain, enriched_get_reads_the_customer_and_its_owner_by_primary_key)
{
	struct plan p;
	struct db_param a[2] = {dbp_cstr(tenant), dbp_cstr("c00007")};
	explain(STMT_CUSTOMER_GET_ENRICHED, a, &p);
	assert_key(&p, "enriched GET", "c", "PRIMARY");
	assert_key(&p, "enriched GET", "u", "PRIMARY");
}

Test(explain, lock_reads_the_customer_and_its_owner_by_primary_key)
{
	struct plan p;
	struct db_param a[2] = {dbp_cstr(tenant), dbp_cstr("c00007")};
	explain(STMT_CUSTOMER_LOCK, a, &p);
	assert_key(&p, "lock", "c", "PRIMARY");
	assert_key(&p, "lock", "u", "PRIMARY");
	explain(STMT_CUSTOMER_READ, a, &p);
	assert_key(&p, "a change's read", "c", "PRIMARY");
	assert_key(&p, "a change's read", "u", "PRIMARY");
}

/*
 * A write by primary key weighs no other index: without FORCE INDEX, MariaDB
 * estimated the rows of tenant_id = ? in each list index (two B-tree dives
 * apiece) on every UPDATE, 15 us of its 27 in a loop, before reading by the
 * primary key anyway.
 */
Test(explain, writes_by_primary_key_weigh_no_other_index)
{
	/* each statement, and where its tenant and id parameters are */
	static const struct {
		enum stmt id;
		unsigned key_at;
	} writes[] = {{STMT_CUSTOMER_UPDATE, 6},
	              {STMT_CUSTOMER_UPDATE_IF_TAG, 6},
	              {STMT_CUSTOMER_DELETE, 2}};
	for (size_t w = 0; w < sizeof(writes) / sizeof(writes[0]); w++) {
		struct plan p;
		struct db_param a[9];
		unsigned n = stmt_table[writes[w].id].nparams;
		cr_assert_leq(n, 9);
		for (unsigned i = 0; i < n; i++)
			a[i] = dbp_cstr("x");
		a[writes[w].key_at] = dbp_cstr(tenant);
		a[writes[w].key_at + 1] = dbp_cstr("c00007");
		const char *sql = stmt_table[writes[w].id].sql;
		explain(writes[w].id, a, &p);
		cr_assert_eq(p.n, 1, "%s", sql);
		cr_expect_str_eq(p.possible[0], "PRIMARY", "%s", sql);
		cr_expect_str_eq(p.key[0], "PRIMARY", "%s", sql);
	}
}

Test(explain, list_by_owner_reads_customers_by_owner)
{
	struct plan p;
	struct db_param a[6] = {dbp_cstr(tenant), dbp_cstr("u1"), dbp_cstr(""),
	                        dbp_cstr(""),     dbp_cstr(""),   dbp_int(101)};
	explain(STMT_CUSTOMER_LIST_BY_OWNER, a, &p);
	assert_key(&p, "my", "customers", "customers_by_owner");
	explain(STMT_CUSTOMER_LIST_BY_OWNER_TAGS, a, &p);
	assert_key(&p, "my, tags", "customers", "customers_by_owner");
	assert_covered(&p, "my, tags", "customers");
}

Test(explain, list_by_status_reads_customers_by_status)
{
	struct plan p;
	struct db_param a[6] = {dbp_cstr(tenant), dbp_cstr("LEAD"), dbp_cstr(""),
	                        dbp_cstr(""),     dbp_cstr(""),     dbp_int(101)};
	explain(STMT_CUSTOMER_LIST_BY_STATUS, a, &p);
	assert_key(&p, "by-status", "customers", "customers_by_status");
	explain(STMT_CUSTOMER_LIST_BY_STATUS_TAGS, a, &p);
	assert_key(&p, "by-status, tags", "customers", "customers_by_status");
	assert_covered(&p, "by-status, tags", "customers");
}

Test(explain, list_overdue_reads_customers_by_due)
{
	struct plan p;
	struct db_param a[6] = {dbp_cstr(tenant),
	                        dbp_int(1900000000000000LL),
	                        dbp_int(-9000000000000000000LL),
	                        dbp_int(-9000000000000000000LL),
	                        dbp_cstr(""),
	                        dbp_int(101)};
	explain(STMT_CUSTOMER_LIST_OVERDUE, a, &p);
	assert_key(&p, "overdue-actions", "customers", "customers_by_due");
	explain(STMT_CUSTOMER_LIST_OVERDUE_TAGS, a, &p);
	assert_key(&p, "overdue-actions, tags", "customers", "customers_by_due");
	assert_covered(&p, "overdue-actions, tags", "customers");
}

/*
 * "Using index" above is what EXPLAIN says; under load, MariaDB 10.11 read
 * the whole row for every listed customer once list_tag and list_bytes were
 * generated columns and other statements had read doc (model/list_sql.h).
 * They are plain columns, held to their doc by a CHECK constraint.
 */
Test(explain, the_tags_statements_read_no_generated_column)
{
	cr_expect_eq(db_count("SELECT COUNT(*) FROM information_schema.columns"
	                      " WHERE table_schema = DATABASE() AND table_name = 'customers'"
	                      " AND is_generated <> 'NEVER'"),
	             0, "customers has generated columns again");
	cr_expect_eq(db_count("SELECT COUNT(*) FROM information_schema.check_constraints"
	                      " WHERE constraint_schema = DATABASE() AND table_name = 'customers'"
	                      " AND constraint_name = 'customers_list_tag_fresh'"),
	             1, "the CHECK that holds list_tag to doc is missing");
	cr_expect_eq(db_count("SELECT COUNT(*) FROM information_schema.check_constraints"
	                      " WHERE constraint_schema = DATABASE() AND table_name = 'customers'"
	                      " AND check_clause LIKE '%%char_length%%'"),
	             0, "the CHECK counts characters again (migration 12)");
}

/* The tag cut by bytes (list_sql.h) is the tag cut by characters, for characters of one to
 * four bytes: migration 12 changed how it is computed, not what. */
Test(explain, list_tag_by_bytes_is_list_tag_by_characters)
{
	cr_expect_eq(db_count("SELECT COUNT(*) FROM (SELECT _utf8mb4'{\"n\":\"a\xc3\xa9\xe2\x82\xac"
	                      "\xf0\x9f\x98\x80\"}' AS doc, _utf8mb4',\"v\":[\"\xc3\xa9\"]' AS"
	                      " list_extra UNION ALL SELECT '{}', '') x WHERE " LIST_TAG_SQL
	                      " = UNHEX(LEFT(SHA2(CONCAT(LEFT(doc, CHAR_LENGTH(doc) - 1),"
	                      " list_extra, '}'), 256), 32))"),
	             2, "the two ways of cutting the document give different tags");
}

Test(explain, refresh_reads_each_touched_customer_and_its_items_by_their_indexes)
{
	struct plan p;
	/* the import's temporary table, as the import makes it, in this session */
	run_sql(stmt_table[STMT_IMPORT_TOUCHED_CREATE].sql);
	run_sql("INSERT IGNORE INTO " IMPORT_TOUCHED_TABLE " VALUES ('c00001'), ('c00002')");
	struct db_param a[1] = {dbp_cstr(tenant)};
	explain(STMT_CUSTOMER_REFRESH_ENRICHED, a, &p);
	assert_key(&p, "refresh", "c", "PRIMARY");
	assert_key(&p, "refresh", "o", "opportunities_by_customer");
	assert_key(&p, "refresh", "a", "activities_by_customer");
}

Test(explain, owner_lookups_read_items_by_primary_key)
{
	struct plan p;
	run_sql(stmt_table[STMT_IMPORT_TOUCHED_CREATE].sql);
	run_sql(stmt_table[STMT_IMPORT_ITEMS_CREATE].sql);
	run_sql("INSERT INTO " IMPORT_ITEMS_TABLE " VALUES ('o00001-0', 'c00001')");
	struct db_param a[1] = {dbp_cstr(tenant)};
	explain(STMT_IMPORT_TOUCH_OPPORTUNITY_OWNERS, a, &p);
	assert_key(&p, "opportunity owners", "o", "PRIMARY");
	explain(STMT_IMPORT_TOUCH_ACTIVITY_OWNERS, a, &p);
	assert_key(&p, "activity owners", "a", "PRIMARY");
}

/* ---- what an import refreshes --------------------------------------------- */

static json_t *enriched(const char *t, const char *id)
{
	char path[160];
	snprintf(path, sizeof(path), "/crm/customers/%s", id);
	char *token = token_for("u1", t, SCOPE_R);
	struct http *r = http_get(path, token);
	free(token);
	cr_assert_eq(r->status, 200, "GET %s: %ld %s", path, r->status, r->body);
	json_t *out = json_incref(r->json);
	http_free(r);
	return out;
}

static size_t opportunity_count(const char *t, const char *id)
{
	json_t *c = enriched(t, id);
	size_t n = json_array_size(json_object_get(c, "opportunities"));
	json_decref(c);
	return n;
}

Test(explain, an_opportunity_that_moves_leaves_its_old_customer_and_joins_the_new)
{
	char t[80], doc[4096];
	fresh_tenant("moves", t, sizeof(t));
	json_t *d = json_pack("{s:[o,o],s:[o]}", "customers", sample_customer("m1", "First"),
	                      sample_customer("m2", "Second"), "opportunities",
	                      sample_opportunity("mo", "m1", "2026-01-01T00:00:00Z"));
	cr_assert_not_null(d);
	char *text = json_dumps(d, JSON_COMPACT);
	cr_assert_eq(crmctl_import(t, text, NULL), 0);
	free(text);
	json_decref(d);
	cr_expect_eq(opportunity_count(t, "m1"), 1);
	cr_expect_eq(opportunity_count(t, "m2"), 0);
	/* the same opportunity, now of m2, imported alone */
	json_t *o = sample_opportunity("mo", "m2", "2026-01-01T00:00:00Z");
	char *ot = json_dumps(o, JSON_COMPACT);
	snprintf(doc, sizeof(doc), "{\"opportunities\":[%s]}", ot);
	free(ot);
	json_decref(o);
	cr_assert_eq(crmctl_import(t, doc, NULL), 0);
	cr_expect_eq(opportunity_count(t, "m1"), 0, "m1 still lists the opportunity that left it");
	cr_expect_eq(opportunity_count(t, "m2"), 1, "m2 does not list the opportunity it got");
}

Test(explain, an_import_rewrites_only_the_customers_it_touches)
{
	char t[80], doc[4096];
	fresh_tenant("touch", t, sizeof(t));
	json_t *d = json_pack("{s:[o,o]}", "customers", sample_customer("k1", "First"),
	                      sample_customer("k2", "Second"));
	char *text = json_dumps(d, JSON_COMPACT);
	cr_assert_eq(crmctl_import(t, text, NULL), 0);
	free(text);
	json_decref(d);
	/* a mark in k2's fragment: an import that rewrites k2 wipes it */
	db_scalar("UPDATE customers SET enriched_extra = CONCAT(enriched_extra, ' ')"
	          " WHERE tenant_id = '%s' AND id = 'k2'",
	          t);
	json_t *o = sample_opportunity("ko", "k1", "2026-03-01T00:00:00Z");
	char *ot = json_dumps(o, JSON_COMPACT);
	snprintf(doc, sizeof(doc), "{\"opportunities\":[%s]}", ot);
	free(ot);
	json_decref(o);
	cr_assert_eq(crmctl_import(t, doc, NULL), 0);
	cr_expect_eq(opportunity_count(t, "k1"), 1, "the touched customer was not refreshed");
	cr_expect_eq(db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s' AND id = 'k2'"
	                      " AND enriched_extra LIKE '%% '",
	                      t),
	             1, "an import of k1's opportunity rewrote k2");
}

Test(explain, imports_of_two_tenants_at_once_both_succeed)
{
	char t1[80], t2[80], p1[256], p2[256], cmd[2048];
	fresh_tenant("side1", t1, sizeof(t1));
	fresh_tenant("side2", t2, sizeof(t2));
	const char *var = getenv("CRM_TEST_VAR");
	snprintf(p1, sizeof(p1), "%s/side1-%d.jsonl", var, (int)getpid());
	snprintf(p2, sizeof(p2), "%s/side2-%d.jsonl", var, (int)getpid());
	write_lines(p1, t1, 300);
	write_lines(p2, t2, 300);
	for (int round = 0; round < 3; round++) {
		snprintf(cmd, sizeof(cmd),
		         "'%s' -c '%s' import --tenant %s '%s' >/dev/null 2>&1 & a=$!;"
		         " '%s' -c '%s' import --tenant %s '%s' >/dev/null 2>&1 & b=$!;"
		         " wait $a; ra=$?; wait $b; rb=$?; exit $((ra + rb))",
		         getenv("CRM_TEST_CRMCTL"), getenv("CRM_TEST_CONF"), t1, p1,
		         getenv("CRM_TEST_CRMCTL"), getenv("CRM_TEST_CONF"), t2, p2);
		cr_expect_eq(system(cmd), 0, "round %d: an import failed", round);
	}
	unlink(p1);
	unlink(p2);
	cr_expect_eq(db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'", t1), 300);
	cr_expect_eq(db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'", t2), 300);
}
