/* test_customer_shapes: the list and enriched shapes, written from stmt.h's one description. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "lib/limits.h"
#include "lib/strbuf.h"
#include "model/shape.h"
#include "model/stmt.h"

static const char *const list_members[] = {
#define NAME(member) member,
        LIST_MEMBERS(NAME)
#undef NAME
};
#define N_LIST_MEMBERS (sizeof(list_members) / sizeof(list_members[0]))

static const char *const owner_members[] = {
#define NAME(member, col) member,
        OWNER_MEMBERS(NAME)
#undef NAME
};
#define N_OWNER_MEMBERS (sizeof(owner_members) / sizeof(owner_members[0]))

static const char *const enriched_members[] = {
#define NAME(member, sql) member,
        ENRICHED_MEMBERS(NAME)
#undef NAME
};
#define N_ENRICHED_MEMBERS (sizeof(enriched_members) / sizeof(enriched_members[0]))

/* A fake row of up to DB_MAX_COLS columns; a NULL value is SQL NULL. */
struct fake_row {
	const char *val[DB_MAX_COLS];
	unsigned long len[DB_MAX_COLS];
	char is_null[DB_MAX_COLS];
	struct db_row row;
};

static void fake_row(struct fake_row *f, unsigned ncols, const char *const *values)
{
	memset(f, 0, sizeof(*f));
	for (unsigned i = 0; i < ncols; i++) {
		f->val[i] = values[i] ? values[i] : "";
		f->len[i] = values[i] ? strlen(values[i]) : 0;
		f->is_null[i] = values[i] == NULL;
	}
	f->row = (struct db_row){ncols, f->val, f->len, f->is_null};
}

/* The canonical customer of a small import item, in the list shape. */
static json_t *canonical_customer(void)
{
	char err[256];
	json_t *in = json_loads("{\"id\":\"c-1\",\"name\":\"Acme\",\"type\":\"COMPANY\","
	                        "\"preferredLanguage\":\"nl\",\"visits\":[{\"frequency\":3,"
	                        "\"ip\":\"192.0.2.1\",\"time\":\"2024-03-02T10:00:00Z\"}]}",
	                        0, NULL);
	cr_assert_not_null(in);
	json_t *item = shape_canonical(SHAPE_CUSTOMER, in, "acme", err, sizeof(err));
	cr_assert_not_null(item, "%s", err);
	json_decref(in);
	return item;
}

/* The stored document (customer_split) of the canonical customer. */
static char *stored_doc(char **list_extra)
{
	json_t *item = canonical_customer();
	char *doc = NULL;
	cr_assert_eq(customer_split(item, &doc, list_extra), 0);
	json_decref(item);
	return doc;
}

/* The members of the JSON object text s, in the order written, as a NULL-ended array. */
static const char **member_order(json_t *obj, size_t *n)
{
	const char **keys = calloc(json_object_size(obj) + 1, sizeof(*keys));
	const char *key;
	json_t *v;
	*n = 0;
	cr_assert_not_null(keys);
	json_object_foreach (obj, key, v)
		keys[(*n)++] = key;
	return keys;
}

/* ENRICHED_EMPTY_SQL without its SQL quotes: the fragment a new customer is stored with. */
static char *empty_enriched_extra(void)
{
	static const char sql[] = ENRICHED_EMPTY_SQL;
	cr_assert(sizeof(sql) > 2 && sql[0] == '\'' && sql[sizeof(sql) - 2] == '\'');
	return strndup(sql + 1, sizeof(sql) - 3);
}

/* An enriched row of the stored document, the given owner columns and enriched_extra. */
static void enriched_row(struct fake_row *f, const char *doc, const char *display_name,
                         const char *id, const char *username, const char *extra)
{
	const char *v[COL_ENRICHED__MAX] = {NULL};
	v[COL_ENRICHED_DOC] = doc;
	v[COL_OWNER_DISPLAY_NAME] = display_name;
	v[COL_OWNER_ID] = id;
	v[COL_OWNER_USERNAME] = username;
	v[COL_ENRICHED_EXTRA] = extra;
	fake_row(f, COL_ENRICHED__MAX, v);
}

Test(customer_shapes, the_list_shape_is_the_document_then_the_list_members)
{
	char *extra = NULL, *doc = stored_doc(&extra);
	const char *v[COL_LIST__MAX] = {NULL};
	v[COL_LIST_DOC] = doc;
	v[COL_LIST_EXTRA] = extra;
	v[COL_LIST_KEY] = "Acme";
	v[COL_LIST_ID] = "c-1";
	struct fake_row f;
	fake_row(&f, COL_LIST__MAX, v);
	struct strbuf out;
	strbuf_init(&out);
	customer_write_list(&out, &f.row);
	cr_assert(!strbuf_failed(&out));

	json_t *got = json_loadb(out.data, out.len, 0, NULL), *item = canonical_customer();
	json_t *stored = json_loads(doc, 0, NULL);
	cr_assert_not_null(got, "not JSON: %s", out.data);
	cr_assert(json_equal(got, item), "the list shape is not the imported customer: %s",
	          out.data);
	size_t n = 0, n_doc = 0;
	const char **keys = member_order(got, &n), **doc_keys = member_order(stored, &n_doc);
	cr_assert_eq(n, n_doc + N_LIST_MEMBERS);
	for (size_t i = 0; i < n_doc; i++)
		cr_assert_str_eq(keys[i], doc_keys[i], "member %zu", i);
	for (size_t i = 0; i < N_LIST_MEMBERS; i++) {
		cr_assert_str_eq(keys[n_doc + i], list_members[i]);
		cr_assert_null(json_object_get(stored, list_members[i]),
		               "%s is stored in the document too", list_members[i]);
	}
	free(keys);
	free(doc_keys);
	json_decref(got);
	json_decref(item);
	json_decref(stored);
	strbuf_free(&out);
	free(doc);
	free(extra);
}

Test(customer_shapes, the_enriched_shape_is_the_document_then_owner_then_its_arrays)
{
	char *extra = NULL, *doc = stored_doc(&extra), *empty = empty_enriched_extra();
	struct fake_row f;
	enriched_row(&f, doc, "Jan de Vries", "u-1", "jdevries", empty);
	struct strbuf out;
	strbuf_init(&out);
	cr_assert_eq(customer_write_enriched(&out, &f.row), 0);

	json_t *got = json_loadb(out.data, out.len, 0, NULL), *stored = json_loads(doc, 0, NULL);
	cr_assert_not_null(got, "not JSON: %s", out.data);
	size_t n = 0, n_doc = 0;
	const char **keys = member_order(got, &n), **doc_keys = member_order(stored, &n_doc);
	cr_assert_eq(n, n_doc + 1 + N_ENRICHED_MEMBERS, "%s", out.data);
	for (size_t i = 0; i < n_doc; i++)
		cr_assert_str_eq(keys[i], doc_keys[i], "member %zu", i);
	cr_assert_str_eq(keys[n_doc], ENRICHED_OWNER);
	for (size_t i = 0; i < N_ENRICHED_MEMBERS; i++) {
		json_t *arr = json_object_get(got, enriched_members[i]);
		cr_assert_str_eq(keys[n_doc + 1 + i], enriched_members[i]);
		cr_assert(json_is_array(arr) && json_array_size(arr) == 0, "%s",
		          enriched_members[i]);
	}
	/* the bytes clients have always been sent */
	cr_assert_not_null(strstr(out.data, ",\"owner\":{\"displayName\":\"Jan de Vries\","
	                                    "\"id\":\"u-1\",\"username\":\"jdevries\"},"
	                                    "\"opportunities\":[],\"recentActivities\":[]}"),
	                   "%s", out.data);
	free(keys);
	free(doc_keys);
	json_decref(got);
	json_decref(stored);
	strbuf_free(&out);
	free(doc);
	free(extra);
	free(empty);
}

Test(customer_shapes, the_owner_has_the_members_of_an_imported_user_in_their_order)
{
	char err[256];
	json_t *in = json_pack("{s:s,s:s,s:s}", "id", "u-1", "username", "jdevries", "displayName",
	                       "Jan de Vries");
	json_t *user = shape_canonical(SHAPE_USER, in, "acme", err, sizeof(err));
	cr_assert_not_null(user, "%s", err);
	size_t n = 0;
	const char **keys = member_order(user, &n);
	cr_assert_eq(n, N_OWNER_MEMBERS);
	for (size_t i = 0; i < n; i++)
		cr_assert_str_eq(keys[i], owner_members[i]);
	free(keys);
	json_decref(user);
	json_decref(in);
}

Test(customer_shapes, an_owner_that_is_no_user_is_null)
{
	struct fake_row f;
	enriched_row(&f, "{\"id\":\"c-1\"}", NULL, NULL, NULL, ",\"opportunities\":[]");
	struct strbuf out;
	strbuf_init(&out);
	cr_assert_eq(customer_write_enriched(&out, &f.row), 0);
	cr_assert_str_eq(out.data, "{\"id\":\"c-1\",\"owner\":null,\"opportunities\":[]}");
	strbuf_free(&out);
}

Test(customer_shapes, an_owner_without_a_display_name_has_it_null)
{
	struct fake_row f;
	enriched_row(&f, "{\"id\":\"c-1\"}", NULL, "u-\"1\"", "jd", "");
	struct strbuf out;
	strbuf_init(&out);
	cr_assert_eq(customer_write_enriched(&out, &f.row), 0);
	cr_assert_str_eq(out.data, "{\"id\":\"c-1\",\"owner\":{\"displayName\":null,"
	                           "\"id\":\"u-\\\"1\\\"\",\"username\":\"jd\"}}");
	strbuf_free(&out);
}

Test(customer_shapes, a_row_without_its_enriched_fragment_writes_nothing)
{
	struct fake_row f;
	enriched_row(&f, "{\"id\":\"c-1\"}", NULL, NULL, NULL, NULL);
	struct strbuf out;
	strbuf_init(&out);
	cr_assert_eq(customer_write_enriched(&out, &f.row), -1);
	cr_assert_eq(out.len, 0);
	strbuf_free(&out);
}

Test(customer_shapes, the_refresh_builds_each_enriched_member)
{
	const char *sql = stmt_table[STMT_CUSTOMER_REFRESH_ENRICHED].sql;
	for (size_t i = 0; i < N_ENRICHED_MEMBERS; i++) {
		char part[128];
		snprintf(part, sizeof(part), "',\"%s\":[', COALESCE((SELECT ", enriched_members[i]);
		cr_assert_not_null(strstr(sql, part), "%s: %s", enriched_members[i], sql);
	}
	cr_assert_not_null(strstr(sql, " LIMIT " LIMIT_RECENT_ACTIVITIES_TEXT ") FROM activities"),
	                   "%s", sql);
}

Test(customer_shapes, every_select_lists_the_columns_its_table_entry_names)
{
	for (int id = 0; id < STMT__MAX; id++) {
		const struct stmt_def *def = &stmt_table[id];
		cr_assert_leq(def->ncols, DB_MAX_COLS, "statement %d", id);
		if (def->ncols == 0) {
			cr_assert_null(def->cols, "statement %d", id);
			continue;
		}
		/* columns written as selected ("c.doc", "(SELECT ...) AS owner_id") */
		char want[2048] = "SELECT ";
		for (unsigned i = 0; i < def->ncols; i++) {
			strcat(want, i ? ", " : "");
			strcat(want, def->cols[i]);
		}
		strcat(want, " FROM ");
		if (strncmp(def->sql, want, strlen(want)) == 0)
			continue;
		if (strstr(def->sql, " AS ") != NULL) {
			/* columns that are expressions: each named in order, as "AS name" or alone */
			const char *at = def->sql;
			for (unsigned i = 0; i < def->ncols; i++) {
				char as[64], bare[64];
				snprintf(as, sizeof(as), " AS %s", def->cols[i]);
				snprintf(bare, sizeof(bare), ", %s", def->cols[i]);
				const char *a = strstr(at, as), *b = strstr(at, bare);
				const char *hit = a && (!b || a < b) ? a : b;
				cr_assert_not_null(hit, "statement %d: no column %s in order", id,
				                   def->cols[i]);
				at = hit + 1;
			}
			continue;
		}
		cr_assert_eq(strncmp(def->sql, want, strlen(want)), 0, "statement %d: %s", id,
		             def->sql);
	}
}
