/* test_idempotent_crash: kill -9 of the worker between a keyed change's COMMIT and its answer — the retry with the same key gets the kept answer, and the change exists once. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <mysql.h>

#include "tests/faults/faults.h"
#include "tests/http/client.h"

#define KEY         "crash-key"
#define EXPIRED_KEY "expired-crash"
#define EXPIRED_SUB "u-expired"

/* Every NOT NULL column of idempotency_keys (model/migrate.c, migration 5): a kept 201
 * of another caller of the tenant, expired long ago (times in us since the epoch). */
#define EXPIRED_INSERT_SQL                                                                         \
	"INSERT INTO idempotency_keys (tenant_id, sub, idem_key, request_hash, status, etag,"      \
	" location, body, created_at, expires_at) VALUES (?, '" EXPIRED_SUB "', '" EXPIRED_KEY     \
	"', REPEAT('0', 64), 201, NULL, NULL, '{}', 1000000, 2000000)"

/*
 * The seam: after a keyed change commits and before it answers, the worker
 * purges expired keys (DELETE ... WHERE expires_at < now LIMIT n, at most once
 * a second per accepting thread).  An expired row that this test holds locked
 * keeps that purge, and so the answer, waiting for up to db_lock_wait_timeout
 * (1 s here): time to see the COMMIT in the database and kill the worker.
 */

/* ---- one keyed POST on a thread of its own (records only; never asserts) ---------- */

struct keyed {
	pthread_t tid;
	const char *token;
	const char *body;
	volatile int done;
	long status; /* 0: no HTTP answer */
	CURLcode curl;
	char head[8192]; /* the header block, cut at its size */
	size_t head_len;
	char *answer; /* malloc'd body */
	size_t answer_len;
};

static size_t on_head(char *p, size_t size, size_t n, void *arg)
{
	struct keyed *k = arg;
	size_t len = size * n;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0)
		k->head_len = 0;
	size_t room = sizeof(k->head) - 1 - k->head_len;
	size_t take = len < room ? len : room;
	memcpy(k->head + k->head_len, p, take);
	k->head_len += take;
	k->head[k->head_len] = '\0';
	return len;
}

static size_t on_answer(char *p, size_t size, size_t n, void *arg)
{
	struct keyed *k = arg;
	size_t len = size * n;
	char *grown = realloc(k->answer, k->answer_len + len + 1);
	if (grown == NULL)
		return 0;
	k->answer = grown;
	memcpy(k->answer + k->answer_len, p, len);
	k->answer_len += len;
	k->answer[k->answer_len] = '\0';
	return len;
}

static void *keyed_main(void *arg)
{
	struct keyed *k = arg;
	char url[1024], auth[4096];
	snprintf(url, sizeof(url), "%s/crm/customers", getenv("CRM_TEST_BASE_URL"));
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", k->token);
	struct curl_slist *h = NULL;
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	h = curl_slist_append(h, "Idempotency-Key: " KEY);
	CURL *c = curl_easy_init();
	if (c != NULL) {
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, k->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(k->body));
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_head);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, k);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_answer);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, k);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		k->curl = curl_easy_perform(c);
		if (k->curl == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &k->status);
		curl_easy_cleanup(c);
	}
	curl_slist_free_all(h);
	k->done = 1;
	return NULL;
}

/* ---- the database -------------------------------------------------------------------- */

/* An already expired key of another caller of the tenant, committed; then a session
 * holding its row lock (BEGIN; SELECT ... FOR UPDATE), returned. */
static MYSQL *lock_expired_key(const char *tenant)
{
	MYSQL *c = fx_db(NULL);
	free(fx_db_query(c, EXPIRED_INSERT_SQL, 1, &tenant));
	fx_db_exec(c, "START TRANSACTION");
	free(fx_db_query(c,
	                 "SELECT idem_key FROM idempotency_keys WHERE tenant_id = ? AND sub = "
	                 "'" EXPIRED_SUB "' AND idem_key = '" EXPIRED_KEY "' FOR UPDATE",
	                 1, &tenant));
	return c;
}

/* Committed: the key's answer (status 201) and the customer named name. */
static int committed(MYSQL *c, const char *tenant, const char *name)
{
	const char *p[3] = {tenant, tenant, name};
	return fx_db_query_long(c,
	                        "SELECT (SELECT COUNT(*) FROM idempotency_keys WHERE tenant_id = ?"
	                        " AND idem_key = '" KEY "' AND status = 201)"
	                        " + (SELECT COUNT(*) FROM customers WHERE tenant_id = ?"
	                        " AND JSON_UNQUOTE(JSON_EXTRACT(doc, '$.name')) = ?)",
	                        3, p) == 2;
}

/* The service's sessions running a statement on idempotency_keys now (as root). */
static long purges_waiting(void)
{
	MYSQL *c = fx_db("root");
	long n = fx_db_long(c, "SELECT COUNT(*) FROM information_schema.PROCESSLIST"
	                       " WHERE info LIKE 'DELETE%idempotency_keys%'");
	mysql_close(c);
	return n;
}

/* ---- the test ------------------------------------------------------------------------- */

/* cppcheck-suppress unknownMacro */
Test(idempotent_crash, a_retry_after_a_worker_died_past_its_commit_replays_the_kept_answer,
     .init = fx_setup, .timeout = 60)
{
	struct fx_world w;
	fx_world_make(&w, "idemcrash");
	char name[128], body[256];
	snprintf(name, sizeof(name), "Crash %s", w.tenant);
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"type\":\"COMPANY\"}", name);
	pid_t master = fx_master();
	long log_from = fx_file_size(fx_env("CRM_FAULT_LOG"));

	MYSQL *lock = lock_expired_key(w.tenant);
	fx_sleep(1.2); /* each thread's purge is due again */
	MYSQL *watch = fx_db(NULL);
	fx_db_exec(watch, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");

	static struct keyed k; /* its thread may outlive an aborted test */
	memset(&k, 0, sizeof(k));
	k.token = w.token;
	k.body = body;
	cr_assert_eq(pthread_create(&k.tid, NULL, keyed_main, &k), 0);
	double t0 = fx_now();
	int seen = 0;
	while (!(seen = committed(watch, w.tenant, name)) && !k.done && fx_now() - t0 < 5)
		fx_sleep(0.002);
	double t_commit = fx_now();
	long waiting = purges_waiting();
	int answered_before_kill = k.done;

	pid_t victims[64];
	size_t n = fx_children(master, victims, 64);
	for (size_t i = 0; i < n; i++)
		kill(victims[i], SIGKILL);
	double t_kill = fx_now();
	double replaced = fx_wait_workers(master, victims, n, 5);
	fx_unlock(lock);
	pthread_join(k.tid, NULL);
	mysql_close(watch);
	fprintf(stderr,
	        "faults: idempotent_crash: committed after %.3f s, killed %zu worker(s) %.3f s "
	        "later with %ld purge(s) waiting; the client got %ld (%s); replaced after %.3f s\n",
	        t_commit - t0, n, t_kill - t_commit, waiting, k.status, curl_easy_strerror(k.curl),
	        replaced);

	const char *skip[] = {" request ", NULL};
	char *log = fx_log_since(fx_env("CRM_FAULT_LOG"), log_from, skip, 10);
	cr_assert(seen, "the keyed POST was not committed within 5 s (client: %ld %s)\n%s",
	          k.status, k.answer ? k.answer : "", log);
	cr_assert(!answered_before_kill,
	          "the POST was answered (%ld) before the kill: the purge did not hold the answer "
	          "(purges waiting: %ld)",
	          k.status, waiting);
	cr_assert_geq(waiting, 1, "no purge of idempotency_keys was waiting for the locked row");
	cr_assert(k.status == 0 || k.status == 502 || k.status == 503,
	          "the client of the killed worker got %ld: %s", k.status,
	          k.answer ? k.answer : "");
	cr_assert_geq(replaced, 0, "the master did not replace its workers within 5 s:\n%s", log);
	cr_assert_geq(fx_wait_ready(10), 0, "the service does not answer after the kill");

	/* the database holds the change once; the retry gets its kept answer */
	MYSQL *db = fx_db(NULL);
	const char *by_name[2] = {w.tenant, name};
	cr_assert_eq(fx_db_query_long(db,
	                              "SELECT COUNT(*) FROM customers WHERE tenant_id = ?"
	                              " AND JSON_UNQUOTE(JSON_EXTRACT(doc, '$.name')) = ?",
	                              2, by_name),
	             1, "the committed customer is not there exactly once");
	char *id = fx_db_query(db,
	                       "SELECT id FROM customers WHERE tenant_id = ?"
	                       " AND JSON_UNQUOTE(JSON_EXTRACT(doc, '$.name')) = ?",
	                       2, by_name);
	cr_assert_not_null(id, "no id");
	const char *const keyed[] = {"Idempotency-Key: " KEY, NULL};
	struct http *r =
	        http_do("POST", "/crm/customers", w.token, "application/json", body, keyed);
	cr_assert_eq(r->status, 201, "the retry: %ld %s", r->status, r->body);
	char *flag = http_header(r, "Idempotent-Replayed");
	cr_assert(flag != NULL && strcmp(flag, "true") == 0,
	          "the retry is not a replay (Idempotent-Replayed: %s)", flag ? flag : "absent");
	free(flag);
	char *loc = http_header(r, "Location"), want[256];
	snprintf(want, sizeof(want), "/api/v1/crm/customers/%s", id);
	cr_assert(loc != NULL && strcmp(loc, want) == 0, "Location %s, the stored id %s",
	          loc ? loc : "absent", id);
	free(loc);
	cr_assert_str_eq(json_string_value(json_object_get(r->json, "id")), id);
	cr_assert_str_eq(json_string_value(json_object_get(r->json, "name")), name);
	/* the kept answer is the customer as it is: GET reads the same bytes and tag */
	struct http *g = http_get(want + strlen("/api/v1"), w.token);
	cr_assert_eq(g->status, 200);
	cr_assert_str_eq(g->body, r->body, "the replayed body is not the stored customer");
	char *a = http_header(r, "ETag"), *b = http_header(g, "ETag");
	cr_assert(a != NULL && b != NULL && strcmp(a, b) == 0, "ETag %s, GET's %s",
	          a ? a : "absent", b ? b : "absent");
	free(a);
	free(b);
	/* the same key for another body is still refused */
	char other[256];
	snprintf(other, sizeof(other), "{\"name\":\"%s 2\",\"type\":\"COMPANY\"}", name);
	struct http *o =
	        http_do("POST", "/crm/customers", w.token, "application/json", other, keyed);
	cr_assert_eq(o->status, 422, "another body with the key: %ld %s", o->status, o->body);
	const char *tenant_only[1] = {w.tenant};
	cr_assert_eq(fx_db_query_long(db, "SELECT COUNT(*) FROM customers WHERE tenant_id = ?", 1,
	                              tenant_only),
	             FX_CUSTOMER__MAX + 1, "the retries created customers");
	mysql_close(db);
	http_free(o);
	http_free(g);
	http_free(r);
	free(id);
	free(k.answer);
	free(log);
	fx_world_free(&w);
}
