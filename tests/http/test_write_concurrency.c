/* test_write_concurrency: many clients changing one customer at the same moment — no update is lost, no event doubled. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "model/list_sql.h"
#include "tests/http/client.h"
#include "tests/http/test_write_helpers.h"

/*
 * One client: waits at the barrier, then sends its request with its own CURL
 * handle (http_do).  Results are only recorded here; the test thread asserts
 * (Criterion's asserts belong to the test thread).
 */
struct client {
	pthread_barrier_t *start;
	const char *method;
	char path[256];
	const char *token;
	const char *content_type;
	const char *body;
	long status;
	char *response; /* malloc'd body */
	json_t *json;   /* parsed body (owned) */
};

static void *client_run(void *arg)
{
	struct client *c = arg;
	pthread_barrier_wait(c->start);
	struct http *r = http_do(c->method, c->path, c->token, c->content_type, c->body, NULL);
	c->status = r->status;
	c->response = strdup(r->body ? r->body : "");
	c->json = json_incref(r->json);
	http_free(r);
	return NULL;
}

/* Starts n clients behind one barrier and waits for all of them. */
static void run_clients(struct client *clients, size_t n)
{
	pthread_barrier_t start;
	pthread_t *threads = calloc(n, sizeof(*threads));
	cr_assert_not_null(threads);
	cr_assert_eq(pthread_barrier_init(&start, NULL, (unsigned)n), 0);
	for (size_t i = 0; i < n; i++) {
		clients[i].start = &start;
		cr_assert_eq(pthread_create(&threads[i], NULL, client_run, &clients[i]), 0,
		             "cannot start client %zu", i);
	}
	for (size_t i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&start);
	free(threads);
}

static void free_clients(struct client *clients, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(clients[i].response);
		json_decref(clients[i].json);
	}
}

/* Counts the stored events of type among those after index `from`. */
static size_t events_of_type(const json_t *doc, size_t from, const char *type)
{
	const json_t *events = json_object_get(doc, "events");
	size_t n = 0;
	for (size_t i = from; i < json_array_size(events); i++)
		n += strcmp(wh_str(json_array_get(events, i), "type"), type) == 0;
	return n;
}

static int array_has(const json_t *a, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach ((json_t *)a, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

/* Warms the client up (library init, one connection) before threads start. */
static void warm_up(const char *token)
{
	struct http *r = http_get("/crm/customers/c1", token);
	cr_assert_eq(r->status, 200, "warm-up GET: %ld %s", r->status, r->body);
	http_free(r);
}

/* A fresh tenant (its id in tenant) with customer c1, tagged "existing"; a warmed-up
 * crm:write token of it (free it). */
static char *tagged_customer(const char *prefix, char *tenant, size_t cap)
{
	fresh_tenant(prefix, tenant, cap);
	json_t *c = wh_customer("c1", "LEAD");
	json_object_set_new(c, "tags", json_pack("[s]", "existing"));
	wh_import_customer(tenant, c);
	char *tok = wh_token(tenant);
	warm_up(tok);
	return tok;
}

#define TAG_CLIENTS 16

Test(write_concurrency,
     sixteen_clients_adding_different_tags_at_once_all_succeed_and_nothing_is_lost)
{
	char tenant[64];
	char *tok = tagged_customer("wcc-tags", tenant, sizeof(tenant));
	json_t *before = wh_doc(tenant, "c1");
	size_t nb = json_array_size(json_object_get(before, "events"));

	struct client clients[TAG_CLIENTS];
	char tags[TAG_CLIENTS][16];
	memset(clients, 0, sizeof(clients));
	for (int i = 0; i < TAG_CLIENTS; i++) {
		snprintf(tags[i], sizeof(tags[i]), "race%02d", i);
		snprintf(clients[i].path, sizeof(clients[i].path), "/crm/customers/c1/tags/%.15s",
		         tags[i]);
		clients[i].method = "POST";
		clients[i].token = tok;
	}
	run_clients(clients, TAG_CLIENTS);

	for (int i = 0; i < TAG_CLIENTS; i++) {
		cr_assert_eq(clients[i].status, 200, "client %d (%s): %ld %s", i, tags[i],
		             clients[i].status, clients[i].response);
		cr_assert(array_has(json_object_get(clients[i].json, "tags"), tags[i]),
		          "client %d: its answer lacks its own tag %s", i, tags[i]);
	}
	json_t *after = wh_doc(tenant, "c1");
	const json_t *stored = json_object_get(after, "tags");
	cr_assert_eq(json_array_size(stored), TAG_CLIENTS + 1, "stored tags: %zu",
	             json_array_size(stored));
	cr_assert_str_eq(json_string_value(json_array_get(stored, 0)), "existing",
	                 "the old tag stays first");
	for (int i = 0; i < TAG_CLIENTS; i++)
		cr_assert(array_has(stored, tags[i]), "tag %s was lost", tags[i]);
	cr_assert_eq(db_count("SELECT JSON_LENGTH(doc, '$.tags') FROM customers"
	                      " WHERE tenant_id = '%s' AND id = 'c1'",
	                      tenant),
	             TAG_CLIENTS + 1);
	cr_assert_eq(wh_db_events(tenant, "c1"), (long)nb + TAG_CLIENTS,
	             "exactly sixteen new events");
	cr_assert_eq(events_of_type(after, nb, "TAG_ADDED"), TAG_CLIENTS);
	/* each tag has its own event, and the old events are untouched, in order */
	const json_t *events = json_object_get(after, "events");
	for (size_t i = 0; i < nb; i++)
		cr_assert(json_equal(json_array_get(events, i),
		                     json_array_get(json_object_get(before, "events"), i)));
	for (int i = 0; i < TAG_CLIENTS; i++) {
		int found = 0;
		for (size_t e = nb; e < json_array_size(events); e++) {
			const char *d = wh_str(json_array_get(events, e), "description");
			found += d != NULL && strstr(d, tags[i]) != NULL;
		}
		cr_assert_eq(found, 1, "tag %s should have exactly one event, has %d", tags[i],
		             found);
	}
	free_clients(clients, TAG_CLIENTS);
	json_decref(before);
	json_decref(after);
	free(tok);
}

#define STATUS_CLIENTS 8

Test(write_concurrency,
     eight_clients_racing_the_same_transition_all_get_200_and_one_event_is_written)
{
	char tenant[64];
	fresh_tenant("wcc-status", tenant, sizeof(tenant));
	wh_import_customer(tenant, wh_customer("c1", "LEAD"));
	char *tok = wh_token(tenant);
	warm_up(tok);
	json_t *before = wh_doc(tenant, "c1");
	size_t nb = json_array_size(json_object_get(before, "events"));

	struct client clients[STATUS_CLIENTS];
	memset(clients, 0, sizeof(clients));
	for (int i = 0; i < STATUS_CLIENTS; i++) {
		snprintf(clients[i].path, sizeof(clients[i].path), "/crm/customers/c1/crm-status");
		clients[i].method = "PATCH";
		clients[i].token = tok;
		clients[i].content_type = WH_JSON;
		clients[i].body = "{\"crmStatus\":\"PROSPECT\"}";
	}
	run_clients(clients, STATUS_CLIENTS);

	for (int i = 0; i < STATUS_CLIENTS; i++) {
		cr_assert_eq(clients[i].status, 200, "client %d: %ld %s", i, clients[i].status,
		             clients[i].response);
		cr_assert_str_eq(wh_str(clients[i].json, "crmStatus"), "PROSPECT", "client %d", i);
	}
	json_t *after = wh_doc(tenant, "c1");
	cr_assert_str_eq(wh_str(after, "crmStatus"), "PROSPECT");
	cr_assert_eq(wh_db_events(tenant, "c1"), (long)nb + 1, "exactly one new event");
	cr_assert_eq(events_of_type(after, nb, "STATUS_CHANGE"), 1);
	cr_assert_str_eq(
	        wh_str(json_array_get(json_object_get(after, "events"), nb), "description"),
	        "Status changed from LEAD to PROSPECT");
	char *col = db_scalar(
	        "SELECT crm_status FROM customers WHERE tenant_id = '%s' AND id = 'c1'", tenant);
	cr_assert_str_eq(col, "PROSPECT");
	free(col);
	free_clients(clients, STATUS_CLIENTS);
	json_decref(before);
	json_decref(after);
	free(tok);
}

#define RACE_MOVES 8

Test(write_concurrency,
     racing_prospect_and_inactive_from_lead_ends_inactive_with_one_event_per_real_move)
{
	char tenant[64];
	fresh_tenant("wcc-fork", tenant, sizeof(tenant));
	wh_import_customer(tenant, wh_customer("c1", "LEAD"));
	char *tok = wh_token(tenant);
	warm_up(tok);
	long nb = wh_db_events(tenant, "c1");

	/*
	 * LEAD->PROSPECT, LEAD->INACTIVE and PROSPECT->INACTIVE are allowed, INACTIVE->PROSPECT
	 * is not: every INACTIVE request succeeds (a move or a no-op), a PROSPECT request
	 * succeeds or gets 409, and the history is LEAD->INACTIVE or LEAD->PROSPECT->INACTIVE.
	 */
	struct client clients[RACE_MOVES];
	memset(clients, 0, sizeof(clients));
	for (int i = 0; i < RACE_MOVES; i++) {
		snprintf(clients[i].path, sizeof(clients[i].path), "/crm/customers/c1/crm-status");
		clients[i].method = "PATCH";
		clients[i].token = tok;
		clients[i].content_type = WH_JSON;
		clients[i].body =
		        i % 2 ? "{\"crmStatus\":\"INACTIVE\"}" : "{\"crmStatus\":\"PROSPECT\"}";
	}
	run_clients(clients, RACE_MOVES);

	for (int i = 0; i < RACE_MOVES; i++) {
		if (i % 2)
			cr_assert_eq(clients[i].status, 200, "INACTIVE client %d: %ld %s", i,
			             clients[i].status, clients[i].response);
		else
			cr_assert(clients[i].status == 200 || clients[i].status == 409,
			          "PROSPECT client %d: %ld %s", i, clients[i].status,
			          clients[i].response);
	}
	json_t *after = wh_doc(tenant, "c1");
	cr_assert_str_eq(wh_str(after, "crmStatus"), "INACTIVE");
	long changes = wh_db_events(tenant, "c1") - nb;
	cr_assert(changes == 1 || changes == 2, "%ld new events", changes);
	cr_assert_eq(events_of_type(after, (size_t)nb, "STATUS_CHANGE"), (size_t)changes);
	const json_t *events = json_object_get(after, "events");
	if (changes == 1) {
		cr_assert_str_eq(wh_str(json_array_get(events, (size_t)nb), "description"),
		                 "Status changed from LEAD to INACTIVE");
	} else {
		cr_assert_str_eq(wh_str(json_array_get(events, (size_t)nb), "description"),
		                 "Status changed from LEAD to PROSPECT");
		cr_assert_str_eq(wh_str(json_array_get(events, (size_t)nb + 1), "description"),
		                 "Status changed from PROSPECT to INACTIVE");
	}
	free_clients(clients, RACE_MOVES);
	json_decref(after);
	free(tok);
}

Test(write_concurrency, all_six_kinds_of_change_at_once_each_leave_their_change_and_event)
{
	char tenant[64];
	fresh_tenant("wcc-mix", tenant, sizeof(tenant));
	json_t *c = wh_customer("c1", "LEAD");
	json_object_set_new(c, "ownerId", json_string("u-bob"));
	json_object_set_new(c, "tags", json_pack("[s,s]", "keep", "drop"));
	wh_import(tenant, json_pack("{s:[{s:s,s:s,s:s},{s:s,s:s,s:s}],s:[o]}", "users", "id",
	                            "u-ann", "username", "ann", "displayName", "Ann", "id", "u-bob",
	                            "username", "bob", "displayName", "Bob", "customers", c));
	char *tok = wh_token(tenant);
	warm_up(tok);
	long nb = wh_db_events(tenant, "c1");

	enum { N = 9 };
	struct client clients[N];
	memset(clients, 0, sizeof(clients));
	static const struct {
		const char *method, *tail, *body;
	} reqs[N] = {
	        {"PATCH", "crm-status", "{\"crmStatus\":\"PROSPECT\"}"},
	        {"PATCH", "next-action",
	         "{\"nextAction\":\"Call\",\"nextActionDueDate\":\"2030-01-01T00:00:00Z\"}"},
	        {"PATCH", "owner/u-ann", NULL},
	        {"DELETE", "tags/drop", NULL},
	        {"POST", "tags/t1", NULL},
	        {"POST", "tags/t2", NULL},
	        {"POST", "tags/t3", NULL},
	        {"POST", "tags/t4", NULL},
	        {"POST", "tags/t5", NULL},
	};
	for (int i = 0; i < N; i++) {
		snprintf(clients[i].path, sizeof(clients[i].path), "/crm/customers/c1/%s",
		         reqs[i].tail);
		clients[i].method = reqs[i].method;
		clients[i].token = tok;
		clients[i].body = reqs[i].body;
		clients[i].content_type = reqs[i].body ? WH_JSON : NULL;
	}
	run_clients(clients, N);
	for (int i = 0; i < N; i++)
		cr_assert_eq(clients[i].status, 200, "%s %s: %ld %s", reqs[i].method, reqs[i].tail,
		             clients[i].status, clients[i].response);

	json_t *after = wh_doc(tenant, "c1");
	cr_assert_str_eq(wh_str(after, "crmStatus"), "PROSPECT");
	cr_assert_str_eq(wh_str(after, "nextAction"), "Call");
	cr_assert_str_eq(wh_str(after, "nextActionDueDate"), "2030-01-01T00:00:00Z");
	cr_assert_str_eq(wh_str(after, "ownerId"), "u-ann");
	const json_t *tags = json_object_get(after, "tags");
	cr_assert_eq(json_array_size(tags), 6, "tags: keep + t1..t5");
	cr_assert_str_eq(json_string_value(json_array_get(tags, 0)), "keep");
	cr_assert(!array_has(tags, "drop"), "drop must be gone");
	cr_assert_eq(wh_db_events(tenant, "c1"), nb + N, "one event per change");
	cr_assert_eq(events_of_type(after, (size_t)nb, "STATUS_CHANGE"), 1);
	cr_assert_eq(events_of_type(after, (size_t)nb, "NEXT_ACTION"), 1);
	cr_assert_eq(events_of_type(after, (size_t)nb, "OWNER_CHANGE"), 1);
	cr_assert_eq(events_of_type(after, (size_t)nb, "TAG_REMOVED"), 1);
	cr_assert_eq(events_of_type(after, (size_t)nb, "TAG_ADDED"), 5);
	char *cols = db_scalar("SELECT CONCAT_WS(',' COLLATE utf8mb4_bin, crm_status, owner_id, "
	                       "overdue_key IS NOT NULL)"
	                       " FROM customers WHERE tenant_id = '%s' AND id = 'c1'",
	                       tenant);
	cr_assert_str_eq(cols, "PROSPECT,u-ann,1", "the row's columns follow the document");
	free(cols);
	free_clients(clients, N);
	json_decref(after);
	free(tok);
}

/* ---- a change's row changed between its read and its write ---------------- */

/*
 * A change without If-Match reads the row without a lock and writes it only
 * while its list_tag is still the one read, without waiting for a row lock
 * (customer_write.c).  Here the test's own transaction has changed the row
 * (sql: an UPDATE of tenant's c1) and holds it: the change reads the row as
 * committed before, finds it locked at its write and waits for the lock
 * itself; the test commits, and the change must not overwrite what it did
 * not read.
 */
static struct client *change_across(const char *tenant, const char *sql, const char *token,
                                    const char *tag)
{
	MYSQL *holder = db_connect_new();
	cr_assert_eq(mysql_query(holder, "START TRANSACTION"), 0, "%s", mysql_error(holder));
	cr_assert_eq(mysql_query(holder, sql), 0, "%s\n  in: %s", mysql_error(holder), sql);
	cr_assert_eq(mysql_affected_rows(holder), 1, "the test's change found no row: %s", sql);
	pthread_barrier_t start; /* of one: client_run waits at it */
	cr_assert_eq(pthread_barrier_init(&start, NULL, 1), 0);
	struct client *c = calloc(1, sizeof(*c));
	cr_assert_not_null(c);
	c->start = &start;
	c->method = "POST";
	c->token = token;
	snprintf(c->path, sizeof(c->path), "/crm/customers/c1/tags/%s", tag);
	pthread_t tid;
	cr_assert_eq(pthread_create(&tid, NULL, client_run, c), 0);
	/* until the change waits for the row (10 s: the service may run under valgrind) */
	double waiting = 0;
	for (int i = 0; i < 500 && waiting < 1; i++) {
		waiting = metric_now("crm_workers{state=\"waiting_db\"}");
		if (waiting < 1)
			usleep(20000);
	}
	cr_expect_geq(waiting, 1, "the change never waited for the row the test holds (%s)",
	              tenant);
	cr_assert_eq(mysql_query(holder, "COMMIT"), 0, "%s", mysql_error(holder));
	pthread_join(tid, NULL);
	pthread_barrier_destroy(&start);
	mysql_close(holder);
	return c;
}

Test(write_concurrency, a_change_whose_row_changed_after_its_read_is_made_on_the_new_row)
{
	char tenant[64], sql[1024];
	char *tok = tagged_customer("wcc-across", tenant, sizeof(tenant));
	long events = wh_db_events(tenant, "c1");
	snprintf(sql, sizeof(sql),
	         "UPDATE customers SET doc = REPLACE(doc, '\"tags\":[\"existing\"]',"
	         " '\"tags\":[\"existing\",\"held\"]'), list_tag = " LIST_TAG_SQL
	         ", list_bytes = " LIST_BYTES_SQL " WHERE tenant_id = '%s' AND id = 'c1'",
	         tenant);
	struct client *r = change_across(tenant, sql, tok, "mine");
	cr_assert_eq(r->status, 200, "%ld %s", r->status, r->response);
	json_t *want = json_pack("[sss]", "existing", "held", "mine");
	cr_assert(json_equal(json_object_get(r->json, "tags"), want), "answer: %s", r->response);
	json_t *after = wh_doc(tenant, "c1");
	cr_assert(json_equal(json_object_get(after, "tags"), want), "stored tags lost one");
	cr_assert_eq(wh_db_events(tenant, "c1"), events + 1, "one TAG_ADDED event");
	json_decref(want);
	json_decref(after);
	free_clients(r, 1);
	free(r);
	free(tok);
}

Test(write_concurrency, a_change_whose_customer_was_deleted_after_its_read_answers_404)
{
	char tenant[64], sql[512];
	fresh_tenant("wcc-gone", tenant, sizeof(tenant));
	wh_import_customer(tenant, wh_customer("c1", "LEAD"));
	char *tok = wh_token(tenant);
	warm_up(tok);
	snprintf(sql, sizeof(sql),
	         "UPDATE customers SET deleted_at = 1, deleted_by = 'u-test'"
	         " WHERE tenant_id = '%s' AND id = 'c1'",
	         tenant);
	struct client *r = change_across(tenant, sql, tok, "late");
	cr_assert_eq(r->status, 404, "%ld %s", r->status, r->response);
	cr_assert_eq(db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s' AND id = 'c1'"
	                      " AND deleted_at = 1 AND doc NOT LIKE '%%late%%'",
	                      tenant),
	             1, "the tombstone was changed");
	free_clients(r, 1);
	free(r);
	free(tok);
}
