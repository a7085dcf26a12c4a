/* test_lost_commit: an unkeyed change whose COMMIT, or its answer, is lost on the way — settled by the change's own effect, stored once. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <mysql.h>

#include "tests/faults/commit_proxy.h"
#include "tests/faults/faults.h"

/*
 * The pool talks to MariaDB through commit_proxy (db_hosts = 127.0.0.1:port,
 * set and reloaded before each test, put back after it).  Armed, the proxy
 * breaks the connection of the next COMMIT: after the server answered it
 * (CP_ANSWER_LOST: the change is stored) or before the server saw it
 * (CP_REQUEST_LOST: it is rolled back).  Either way the worker cannot know;
 * the client must still get the change's own answer, and the database must
 * hold the change exactly once.
 */

static struct commit_proxy *proxy;
static long conf_size = -1;
static struct fx_world world;
static long log_from;

/* ---- the pool through the proxy, for one test ---------------------------------- */

static void through_proxy(void)
{
	fx_setup();
	fx_world_make(&world, "lostcommit");
	proxy = cp_start(fx_env("CRM_TEST_DB_SOCKET"));
	cr_assert_not_null(proxy, "the proxy did not start");
	char line[80];
	snprintf(line, sizeof(line), "\ndb_hosts = 127.0.0.1:%d\n", cp_port(proxy));
	conf_size = fx_conf_push(line);
	cr_assert_geq(fx_wait_ready(15), 0, "the pool does not answer through the proxy");
	log_from = fx_file_size(fx_env("CRM_FAULT_LOG"));
}

/* The configuration as it was, the pool on it, then the proxy stopped (its sockets closed). */
static void back_to_socket(void)
{
	if (conf_size >= 0)
		fx_conf_restore(conf_size);
	conf_size = -1;
	cp_stop(proxy);
	proxy = NULL;
	fx_world_free(&world);
}

/* ---- what a user checks -------------------------------------------------------------- */

/* Sends method path (body or none) with the proxy armed for its COMMIT; one line for the
 * suite's output, what naming the change. */
static void send_armed(enum cp_mode mode, const char *what, const char *method, const char *path,
                       const char *body, struct fx_resp *r)
{
	cp_arm(proxy, mode);
	fx_request1(method, path, world.token, body, r);
	cp_arm(proxy, CP_PASS);
	fprintf(stderr, "faults: lost_commit: %s, %s: %ld after %.3f s\n", what,
	        mode == CP_ANSWER_LOST ? "the COMMIT's answer lost" : "the COMMIT lost", r->status,
	        r->t1 - r->t0);
}

/* The service's log since the test began: its COMMIT was lost, and settled as `how`. */
static void assert_logged(const char *how, const struct fx_resp *r)
{
	char *log = fx_log_since(fx_env("CRM_FAULT_LOG"), log_from, NULL, 20);
	const char *lost = strstr(log, "got no answer");
	cr_assert(lost != NULL && strstr(lost, how) != NULL,
	          "the log does not say the COMMIT got no answer and %s (answer %ld %s):\n%s", how,
	          r->status, r->body, log);
	free(log);
}

/* The proxy broke exactly one COMMIT (the test's), not zero (the fault did not happen). */
static void assert_fired(const struct fx_resp *r)
{
	cr_assert_eq(cp_fired(proxy), 1, "the proxy broke %d COMMITs (answer %ld %s)",
	             cp_fired(proxy), r->status, r->body);
}

/* How many events of the stored document have this description. */
static size_t events_described(const json_t *doc, const char *description)
{
	size_t n = 0;
	const json_t *events = json_object_get(doc, "events");
	for (size_t i = 0; i < json_array_size(events); i++) {
		const char *d = json_string_value(
		        json_object_get(json_array_get(events, i), "description"));
		n += d != NULL && strcmp(d, description) == 0;
	}
	return n;
}

/* How many strings of array equal s. */
static size_t strings_equal(const json_t *array, const char *s)
{
	size_t n = 0;
	for (size_t i = 0; i < json_array_size(array); i++) {
		const char *v = json_string_value(json_array_get(array, i));
		n += v != NULL && strcmp(v, s) == 0;
	}
	return n;
}

/* The id of the last event of doc, or "". */
static const char *last_event_id(const json_t *doc)
{
	const json_t *events = json_object_get(doc, "events");
	const char *id = json_string_value(
	        json_object_get(json_array_get(events, json_array_size(events) - 1), "id"));
	return id ? id : "";
}

/* ---- the changes ------------------------------------------------------------------- */

static void patch_is_stored_once(enum cp_mode mode, const char *settled)
{
	char path[128], name[96], body[160];
	snprintf(path, sizeof(path), "/crm/customers/%s", world.id[FX_WRITE_0]);
	snprintf(name, sizeof(name), "Lost commit %s",
	         mode == CP_ANSWER_LOST ? "answer" : "request");
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	struct fx_resp r;
	send_armed(mode, "PATCH", "PATCH", path, body, &r);
	assert_fired(&r);
	cr_assert_eq(r.status, 200, "PATCH: %ld %s", r.status, r.body);
	cr_assert_str_eq(json_string_value(json_object_get(r.json, "name")), name);
	json_t *doc = fx_doc(&world, FX_WRITE_0);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "name")), name);
	cr_assert_eq(events_described(doc, "Updated name"), 1,
	             "the stored document holds %zu UPDATE events of the name",
	             events_described(doc, "Updated name"));
	cr_assert_str_eq(last_event_id(r.json), last_event_id(doc),
	                 "the answer's last event is not the stored one");
	assert_logged(settled, &r);
	json_decref(doc);
	fx_resp_free(&r);
}

static void tag_add_is_stored_once(enum cp_mode mode, const char *settled)
{
	const char *tag = mode == CP_ANSWER_LOST ? "lost-answer" : "lost-request";
	char path[128], added[64];
	snprintf(path, sizeof(path), "/crm/customers/%s/tags/%s", world.id[FX_WRITE_1], tag);
	snprintf(added, sizeof(added), "Tag \"%s\" added", tag);
	struct fx_resp r;
	send_armed(mode, "tag add", "POST", path, NULL, &r);
	assert_fired(&r);
	cr_assert_eq(r.status, 200, "POST tag: %ld %s", r.status, r.body);
	json_t *doc = fx_doc(&world, FX_WRITE_1);
	size_t in_answer = strings_equal(json_object_get(r.json, "tags"), tag);
	size_t stored = strings_equal(json_object_get(doc, "tags"), tag);
	cr_assert_eq(in_answer, 1, "the answer's tags hold %s %zu times", tag, in_answer);
	cr_assert_eq(stored, 1, "the stored tags hold %s %zu times", tag, stored);
	cr_assert_eq(events_described(doc, added), 1, "the stored document holds %zu '%s' events",
	             events_described(doc, added), added);
	cr_assert_str_eq(last_event_id(r.json), last_event_id(doc),
	                 "the answer's last event is not the stored one");
	assert_logged(settled, &r);
	json_decref(doc);
	fx_resp_free(&r);
}

static void delete_is_stored(enum cp_mode mode, const char *settled)
{
	char path[128];
	snprintf(path, sizeof(path), "/crm/customers/%s", world.id[FX_LOCK_0]);
	struct fx_resp r, g;
	send_armed(mode, "DELETE", "DELETE", path, NULL, &r);
	assert_fired(&r);
	cr_assert_eq(r.status, 204, "DELETE: %ld %s", r.status, r.body);
	MYSQL *db = fx_db(NULL);
	const char *key[2] = {world.tenant, world.id[FX_LOCK_0]};
	char *by = fx_db_query(db,
	                       "SELECT deleted_by FROM customers WHERE tenant_id = ? AND id = ?"
	                       " AND deleted_at IS NOT NULL",
	                       2, key);
	cr_assert(by != NULL && strcmp(by, FX_ACTOR) == 0, "the row is not deleted by %s: %s",
	          FX_ACTOR, by ? by : "live");
	mysql_close(db);
	fx_request1("GET", path, world.token, NULL, &g);
	cr_assert_eq(g.status, 404, "GET after the DELETE: %ld", g.status);
	assert_logged(settled, &r);
	free(by);
	fx_resp_free(&g);
	fx_resp_free(&r);
}

static void create_is_stored_once(enum cp_mode mode, const char *settled)
{
	char name[128], body[200];
	snprintf(name, sizeof(name), "Lost commit %s %s",
	         mode == CP_ANSWER_LOST ? "answer" : "request", world.tenant);
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"type\":\"COMPANY\"}", name);
	struct fx_resp r;
	send_armed(mode, "create", "POST", "/crm/customers", body, &r);
	assert_fired(&r);
	cr_assert_eq(r.status, 201, "POST: %ld %s", r.status, r.body);
	cr_assert_str_eq(json_string_value(json_object_get(r.json, "name")), name);
	MYSQL *db = fx_db(NULL);
	const char *by_name[2] = {world.tenant, name};
	cr_assert_eq(fx_db_query_long(db,
	                              "SELECT COUNT(*) FROM customers WHERE tenant_id = ?"
	                              " AND JSON_UNQUOTE(JSON_EXTRACT(doc, '$.name')) = ?",
	                              2, by_name),
	             1, "the created customer is not stored exactly once");
	char *id = fx_db_query(db,
	                       "SELECT id FROM customers WHERE tenant_id = ?"
	                       " AND JSON_UNQUOTE(JSON_EXTRACT(doc, '$.name')) = ?",
	                       2, by_name);
	cr_assert(id != NULL && strcmp(id, json_string_value(json_object_get(r.json, "id"))) == 0,
	          "the answer's id is not the stored one");
	mysql_close(db);
	assert_logged(settled, &r);
	free(id);
	fx_resp_free(&r);
}

/* ---- the tests --------------------------------------------------------------------- */

#define TOOK      "it took effect"
#define DID_NOT   "it did not take effect"
#define LOST_TEST .init = through_proxy, .fini = back_to_socket, .timeout = 60

/* cppcheck-suppress unknownMacro */
Test(lost_commit, patch_whose_commit_answer_was_lost_answers_200_from_its_stored_event, LOST_TEST)
{
	patch_is_stored_once(CP_ANSWER_LOST, TOOK);
}

Test(lost_commit, patch_whose_commit_never_reached_the_server_runs_again_once, LOST_TEST)
{
	patch_is_stored_once(CP_REQUEST_LOST, DID_NOT);
}

Test(lost_commit, tag_add_whose_commit_answer_was_lost_answers_200_from_its_stored_event, LOST_TEST)
{
	tag_add_is_stored_once(CP_ANSWER_LOST, TOOK);
}

Test(lost_commit, tag_add_whose_commit_never_reached_the_server_runs_again_once, LOST_TEST)
{
	tag_add_is_stored_once(CP_REQUEST_LOST, DID_NOT);
}

Test(lost_commit, delete_whose_commit_answer_was_lost_answers_204_from_its_tombstone, LOST_TEST)
{
	delete_is_stored(CP_ANSWER_LOST, TOOK);
}

Test(lost_commit, delete_whose_commit_never_reached_the_server_runs_again, LOST_TEST)
{
	delete_is_stored(CP_REQUEST_LOST, DID_NOT);
}

Test(lost_commit, create_whose_commit_answer_was_lost_answers_201_from_its_row, LOST_TEST)
{
	create_is_stored_once(CP_ANSWER_LOST, TOOK);
}

Test(lost_commit, create_whose_commit_never_reached_the_server_runs_again_once, LOST_TEST)
{
	create_is_stored_once(CP_REQUEST_LOST, DID_NOT);
}
