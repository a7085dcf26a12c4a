/* test_import_input: crmctl import reads a pipe as it reads a file (every line), and skips a byte order mark and blank lines before the first item. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/http/client.h"

#define BOM "\xEF\xBB\xBF"

/* Three customers of tenant (ids in0, in1, in2) as JSON Lines, or as one indented document. */
static char *customers_text(const char *tenant, int lines)
{
	json_t *all = json_array();
	for (int i = 0; i < 3; i++) {
		char id[16], name[32];
		snprintf(id, sizeof(id), "in%d", i);
		snprintf(name, sizeof(name), "Input %d", i);
		json_t *cu = sample_customer(id, name);
		json_object_set_new(cu, "tenantId", json_string(tenant));
		json_array_append_new(all, cu);
	}
	char *text = NULL;
	if (lines) {
		size_t len = 0;
		FILE *mem = open_memstream(&text, &len);
		size_t i;
		json_t *cu;
		json_array_foreach (all, i, cu) {
			json_object_set_new(cu, "kind", json_string("customer"));
			char *line = json_dumps(cu, JSON_COMPACT);
			fprintf(mem, "%s\n", line);
			free(line);
		}
		fclose(mem);
	} else {
		json_t *doc = json_pack("{s:O}", "customers", all);
		text = json_dumps(doc, JSON_INDENT(2));
		json_decref(doc);
	}
	json_decref(all);
	cr_assert_not_null(text);
	return text;
}

/* a followed by b (malloc'd). */
static char *joined(const char *a, const char *b)
{
	char *out = malloc(strlen(a) + strlen(b) + 1);
	cr_assert_not_null(out);
	strcpy(out, a);
	strcat(out, b);
	return out;
}

/* Imports text into tenant through a pipe (piped) or a file; asserts the exit status and the
 * message, then that the tenant holds exactly in0, in1 and in2. */
static void import_and_check(const char *tenant, const char *text, int piped)
{
	char *out = NULL, *err = NULL;
	int rc;
	if (piped) {
		const char *args[] = {"import", "--tenant", tenant, "-", NULL};
		rc = crmctl_run_input(args, text, &out, &err);
	} else {
		rc = crmctl_import(tenant, text, &err);
	}
	cr_assert_eq(rc, 0, "crmctl import (%s) of %s: exit %d: %s", piped ? "pipe" : "file",
	             tenant, rc, err ? err : "");
	if (piped)
		cr_assert(strstr(out, "imported 3 items") != NULL, "crmctl said: %s", out);
	cr_assert_eq(db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'", tenant), 3);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'"
		                      " AND id = 'in%d'",
		                      tenant, i),
		             1, "customer in%d of %s (%s) is missing", i, tenant,
		             piped ? "pipe" : "file");
	free(out);
	free(err);
}

/* cppcheck-suppress unknownMacro */
Test(import_input, json_lines_through_a_pipe_keep_their_first_line)
{
	char t[64];
	fresh_tenant("pipel", t, sizeof(t));
	char *text = customers_text(t, 1);
	import_and_check(t, text, 1);
	free(text);
}

Test(import_input, a_document_through_a_pipe_is_read_whole)
{
	char t[64];
	fresh_tenant("piped", t, sizeof(t));
	char *text = customers_text(t, 0);
	cr_assert(strchr(text, '\n') != NULL, "the document spans lines");
	import_and_check(t, text, 1);
	free(text);
}

Test(import_input, a_byte_order_mark_is_skipped_in_files_and_pipes)
{
	for (int lines = 0; lines <= 1; lines++) {
		for (int piped = 0; piped <= 1; piped++) {
			char t[64];
			fresh_tenant("bom", t, sizeof(t));
			char *text = customers_text(t, lines), *marked = joined(BOM, text);
			import_and_check(t, marked, piped);
			free(marked);
			free(text);
		}
	}
}

Test(import_input, a_bad_line_through_a_pipe_is_named_by_its_number_and_nothing_is_stored)
{
	char t[64];
	fresh_tenant("pipebad", t, sizeof(t));
	char *text = customers_text(t, 1), *bad = joined(text, "{\"kind\":\"customer\",\n");
	/* three good lines, then a broken fourth */
	const char *args[] = {"import", "--tenant", t, "-", NULL};
	char *err = NULL;
	int rc = crmctl_run_input(args, bad, NULL, &err);
	cr_assert_neq(rc, 0);
	cr_assert(strstr(err, "line 4: invalid JSON") != NULL, "crmctl said: %s", err);
	cr_assert_eq(db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'", t), 0);
	free(err);
	free(bad);
	free(text);
}

/* JSON Lines that start with blank lines (an editor's, or `echo >>` into an empty
 * file) are still JSON Lines, in files and pipes, and their lines keep their numbers. */
Test(import_input, blank_lines_before_the_first_item_are_skipped)
{
	for (int piped = 0; piped <= 1; piped++) {
		char t[64];
		fresh_tenant("blank", t, sizeof(t));
		char *text = customers_text(t, 1), *spaced = joined("\n \r\n\t\n", text);
		import_and_check(t, spaced, piped);
		free(spaced);
		free(text);
	}
	char t[64];
	fresh_tenant("blankbad", t, sizeof(t));
	char *text = customers_text(t, 1), *spaced = joined("\n\n", text);
	char *bad = joined(spaced, "{\"kind\":\"customer\",\n");
	const char *args[] = {"import", "--tenant", t, "-", NULL};
	char *err = NULL;
	cr_assert_neq(crmctl_run_input(args, bad, NULL, &err), 0);
	cr_assert(strstr(err, "line 6: invalid JSON") != NULL, "crmctl said: %s", err);
	cr_assert_eq(db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'", t), 0);
	free(err);
	free(bad);
	free(spaced);
	free(text);
}
