/* test_hostile_limits: slow readers (HTTP/1.1 and HTTP/2), list pages cut by bytes, customers bounded in size, the HTTPS front's headers. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>

#include "lib/limits.h"
#include "tests/http/client.h"

/* a page of the largest limit: each about 4.6 KB in the list shape, ~4.6 MB in all */
#define BIG_CUSTOMERS  LIMIT_PAGE_MAX
#define BIG_PAD_EVENTS 10
#define ANSWER_SECONDS 5L /* a plain GET takes milliseconds; a blocked pool takes 60 s */
#define WRITER         "u-limits"
#define SCOPE_RW       "crm:read crm:write"

/* ---- the configuration of the pool under test ---------------------------- */

/* The last `key = value` of the test configuration, as a number (fallback when absent). */
static long conf_number(const char *key, long fallback)
{
	FILE *f = fopen(getenv("CRM_TEST_CONF"), "r");
	cr_assert_not_null(f, "CRM_TEST_CONF cannot be read");
	char line[1024];
	long v = fallback;
	size_t kl = strlen(key);
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = line;
		if (strncmp(p, key, kl) != 0 || (p[kl] != ' ' && p[kl] != '='))
			continue;
		p = strchr(p, '=');
		char *end = NULL;
		long n = p ? strtol(p + 1, &end, 10) : 0;
		if (p && end != p + 1)
			v = n;
	}
	fclose(f);
	return v;
}

/* How many requests the pool serves at once: workers x threads (workers = 0: 2 per core). */
static int accepting_threads(void)
{
	long workers = conf_number("workers", 0), threads = conf_number("threads", 1);
	if (workers == 0)
		workers = 2 * sysconf(_SC_NPROCESSORS_ONLN);
	return (int)(workers * threads);
}

static int base_port(void)
{
	const char *base = getenv("CRM_TEST_BASE_URL");
	cr_assert_not_null(base, "CRM_TEST_BASE_URL is not set");
	const char *colon = strrchr(base, ':');
	cr_assert_not_null(colon, "no port in %s", base);
	return atoi(colon + 1);
}

/* ---- a tenant with pages larger than nginx's memory buffers -------------- */

static void big_tenant(char *out, size_t cap)
{
	/* one per test run (the master's pid), imported by the first test that needs it */
	snprintf(out, cap, "t-big-%s", getenv("CRM_TEST_MASTER_PID"));
	if (db_count("SELECT COUNT(*) FROM customers WHERE tenant_id = '%s'", out) == BIG_CUSTOMERS)
		return;
	char pad[401];
	memset(pad, 'x', 400);
	pad[400] = '\0';
	json_t *customers = json_array();
	for (int i = 0; i < BIG_CUSTOMERS; i++) {
		char id[32], name[64];
		snprintf(id, sizeof(id), "big-%04d", i);
		snprintf(name, sizeof(name), "Big Customer %04d", i);
		json_t *c = sample_customer(id, name);
		json_object_set_new(c, "crmStatus", json_string("LEAD"));
		json_t *events = json_object_get(c, "events");
		for (int e = 0; e < BIG_PAD_EVENTS; e++) {
			char eid[32];
			snprintf(eid, sizeof(eid), "ev-pad-%d", e);
			json_array_append_new(
			        events, json_pack("{s:s,s:s,s:s,s:s,s:s}", "authorId", "u-sales-1",
			                          "date", "2024-03-06T09:00:00Z", "description",
			                          pad, "id", eid, "type", "UPDATE"));
		}
		json_array_append_new(customers, c);
	}
	json_t *doc = json_pack("{s:o}", "customers", customers);
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	char *err = NULL;
	int rc = crmctl_import(out, text, &err);
	cr_assert_eq(rc, 0, "import of the big tenant failed: %s", err ? err : "");
	free(err);
	free(text);
}

/* ---- clients that ask and never read -------------------------------------- */

/* Opens a TCP connection with a 2 KB receive buffer and sends request; never reads. */
static int slow_reader(const char *request)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(fd >= 0, "socket");
	int small = 2048;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)base_port())};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0, "connect");
	size_t len = strlen(request);
	cr_assert_eq(send(fd, request, len, 0), (ssize_t)len, "send");
	return fd;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* GET url within ANSWER_SECONDS; returns the status (0: no answer in time). */
static long timed_get(const char *url, const char *token, int http2, long *version)
{
	CURL *h = curl_easy_init();
	cr_assert_not_null(h);
	char auth[4096];
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	struct curl_slist *hdrs = curl_slist_append(NULL, auth);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, ANSWER_SECONDS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (http2) {
		curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
		curl_easy_setopt(h, CURLOPT_CAINFO, getenv("CRM_TEST_CA"));
	}
	long status = 0;
	if (curl_easy_perform(h) == CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (version != NULL)
			curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, version);
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return status;
}

/* While the slow readers hang: several plain GETs, each answered in time. */
static void plain_gets_answered(const char *base, const char *tenant, int http2)
{
	char *token = token_for("u-plain", tenant, "crm:read");
	char url[512];
	snprintf(url, sizeof(url), "%s/crm/customers/big-0001", base);
	for (int i = 0; i < 8; i++) {
		long version = 0;
		long status = timed_get(url, token, http2, &version);
		cr_assert_eq(status, 200,
		             "GET %d while slow readers hang: %s (status %ld); the pool is blocked",
		             i, status ? "wrong status" : "no answer within 5 s", status);
		if (http2)
			cr_assert_eq(version, (long)CURL_HTTP_VERSION_2_0,
			             "HTTPS answered without HTTP/2");
	}
	free(token);
}

/* cppcheck-suppress unknownMacro */
TestSuite(slow_readers, .timeout = 240);

Test(slow_readers, http1_clients_that_never_read_hold_no_worker)
{
	char tenant[64];
	big_tenant(tenant, sizeof(tenant));
	char *token = token_for("u-slow", tenant, "crm:read");
	char request[4096];
	snprintf(request, sizeof(request),
	         "GET /api/v1/crm/customers/by-status/LEAD?limit=" LIMIT_PAGE_MAX_TEXT
	         " HTTP/1.1\r\nHost: "
	         "localhost\r\n"
	         "Authorization: Bearer %s\r\n\r\n",
	         token);
	int n = 2 * accepting_threads();
	int fds[128];
	cr_assert(n <= 128);
	for (int i = 0; i < n; i++)
		fds[i] = slow_reader(request);
	sleep(1); /* every slow request reached a worker and filled what it could */
	plain_gets_answered(getenv("CRM_TEST_BASE_URL"), tenant, 0);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	free(token);
}

static int small_receive_buffer(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	(void)arg;
	(void)purpose;
	int small = 2048;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	return CURL_SOCKOPT_OK;
}

static size_t pause_transfer(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)size;
	(void)n;
	*(int *)arg = 1;
	return CURL_WRITEFUNC_PAUSE; /* and never resumed: the stream's window stays shut */
}

Test(slow_readers, http2_streams_that_never_read_hold_no_worker)
{
	const char *https = getenv("CRM_TEST_HTTPS_URL");
	cr_assert_not_null(https, "CRM_TEST_HTTPS_URL is not set (test.sh sets it)");
	char tenant[64];
	big_tenant(tenant, sizeof(tenant));
	char *token = token_for("u-slow", tenant, "crm:read");
	char url[512], auth[4096];
	snprintf(url, sizeof(url), "%s/crm/customers/by-status/LEAD?limit=" LIMIT_PAGE_MAX_TEXT,
	         https);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	struct curl_slist *hdrs = curl_slist_append(NULL, auth);
	/* One HTTP/2 connection per stream, each with a small receive buffer: libcurl's own
	 * stream window is 32 MB, so a paused stream shuts only once its connection's TCP
	 * window does; nginx then sees a client that reads nothing. */
	CURLM *m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
	int n = 2 * accepting_threads(), got[128] = {0};
	CURL *h[128];
	cr_assert(n <= 128);
	for (int i = 0; i < n; i++) {
		h[i] = curl_easy_init();
		curl_easy_setopt(h[i], CURLOPT_URL, url);
		curl_easy_setopt(h[i], CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(h[i], CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
		curl_easy_setopt(h[i], CURLOPT_SOCKOPTFUNCTION, small_receive_buffer);
		curl_easy_setopt(h[i], CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(h[i], CURLOPT_CAINFO, getenv("CRM_TEST_CA"));
		curl_easy_setopt(h[i], CURLOPT_BUFFERSIZE, 1024L);
		curl_easy_setopt(h[i], CURLOPT_WRITEFUNCTION, pause_transfer);
		curl_easy_setopt(h[i], CURLOPT_WRITEDATA, &got[i]);
		curl_multi_add_handle(m, h[i]);
	}
	/* drive the transfers until every stream has its first bytes and is paused */
	time_t until = time(NULL) + 10;
	int paused = 0, running = 0;
	while (paused < n && time(NULL) < until) {
		curl_multi_perform(m, &running);
		curl_multi_poll(m, NULL, 0, 100, NULL);
		paused = 0;
		for (int i = 0; i < n; i++)
			paused += got[i];
	}
	cr_assert_eq(
	        paused, n,
	        "only %d of %d HTTP/2 streams got their first bytes: the others wait for a worker",
	        paused, n);
	sleep(1);
	plain_gets_answered(https, tenant, 1);
	for (int i = 0; i < n; i++) {
		curl_multi_remove_handle(m, h[i]);
		curl_easy_cleanup(h[i]);
	}
	curl_multi_cleanup(m);
	curl_slist_free_all(hdrs);
	free(token);
}

/* ---- list pages cut by bytes ------------------------------------------------ */

Test(limits, a_large_page_is_cut_at_max_page_bytes_and_the_walk_stays_complete, .timeout = 120)
{
	char tenant[64];
	big_tenant(tenant, sizeof(tenant));
	char *token = token_for("u-walk", tenant, "crm:read");
	size_t max_page = (size_t)conf_number("max_page_bytes", 4194304);
	char *path = strdup("/crm/customers/by-status/LEAD?limit=" LIMIT_PAGE_MAX_TEXT);
	json_t *seen = json_object();
	int pages = 0;
	const char *prev = "";
	char *prev_owned = NULL;
	while (path != NULL) {
		struct http *r = http_get(path, token);
		cr_assert_eq(r->status, 200, "%s: %ld %s", path, r->status, r->body);
		cr_assert_leq(r->body_len, max_page, "page of %zu bytes > max_page_bytes %zu",
		              r->body_len, max_page);
		cr_assert(json_is_array(r->json));
		size_t i;
		json_t *c;
		json_array_foreach (r->json, i, c) {
			const char *id = json_string_value(json_object_get(c, "id"));
			const char *name = json_string_value(json_object_get(c, "name"));
			cr_assert_null(json_object_get(seen, id), "%s served twice", id);
			cr_assert(strcmp(prev, name) < 0, "out of order: %s after %s", name, prev);
			json_object_set_new(seen, id, json_true());
			free(prev_owned);
			prev_owned = strdup(name);
			prev = prev_owned;
		}
		pages++;
		if (pages == 1) {
			cr_assert_lt(json_array_size(r->json), BIG_CUSTOMERS,
			             "the first page was not cut by bytes");
			/* a poll knows the cut page from its customers' tags and sizes alone */
			char *tag = http_header(r, "ETag"), line[128];
			cr_assert_not_null(tag);
			snprintf(line, sizeof(line), "If-None-Match: %s", tag);
			const char *extra[2] = {line, NULL};
			struct http *again = http_do("GET", path, token, NULL, NULL, extra);
			cr_assert_eq(again->status, 304, "the cut page's own tag: %ld", again->status);
			http_free(again);
			free(tag);
		}
		free(path);
		path = NULL;
		char *link = http_header(r, "Link");
		if (link != NULL) {
			char *lt = strchr(link, '<'), *gt = strchr(link, '>');
			cr_assert(lt && gt && strstr(link, "rel=\"next\""), "bad Link: %s", link);
			*gt = '\0';
			const char *rel = strstr(lt + 1, "/api/v1");
			cr_assert_not_null(rel, "Link outside the API: %s", lt + 1);
			path = strdup(rel + strlen("/api/v1"));
			free(link);
		}
		http_free(r);
	}
	cr_assert_eq(json_object_size(seen), BIG_CUSTOMERS, "the walk yielded %zu of %d",
	             json_object_size(seen), BIG_CUSTOMERS);
	cr_assert_geq(pages, 2);
	free(prev_owned);
	json_decref(seen);
	free(token);
}

/* ---- customers bounded in size ---------------------------------------------- */

/* Imports customer id into tenant with padding events so that its stored doc is close to
 * `target` bytes; returns the stored length. */
static long import_sized(const char *tenant, const char *id, long target)
{
	long pad_bytes = target - 3000, have = 0;
	for (int round = 0; round < 3; round++) {
		json_t *c = sample_customer(id, "Sized Customer");
		json_t *events = json_object_get(c, "events");
		long left = pad_bytes;
		for (int e = 0; left > 0; e++) {
			long n = left > 2000 ? 2000 : left;
			char *d = malloc((size_t)n + 1);
			memset(d, 'y', (size_t)n);
			d[n] = '\0';
			char eid[32];
			snprintf(eid, sizeof(eid), "ev-size-%d", e);
			json_array_append_new(
			        events, json_pack("{s:s,s:s,s:s,s:s,s:s}", "authorId", "u-1",
			                          "date", "2024-03-06T09:00:00Z", "description", d,
			                          "id", eid, "type", "UPDATE"));
			free(d);
			left -= n + 100; /* the event's other members */
		}
		json_t *doc = json_pack("{s:[o]}", "customers", c);
		char *text = json_dumps(doc, JSON_COMPACT), *err = NULL;
		json_decref(doc);
		cr_assert_eq(crmctl_import(tenant, text, &err), 0, "import: %s", err ? err : "");
		free(text);
		free(err);
		char *len =
		        db_scalar("SELECT LENGTH(doc) FROM customers WHERE tenant_id = '%s' AND id "
		                  "= '%s'",
		                  tenant, id);
		have = atol(len);
		free(len);
		if (labs(have - target) < 200)
			break;
		pad_bytes += target - have;
	}
	return have;
}

static char *stored_doc(const char *tenant, const char *id)
{
	return db_scalar("SELECT doc FROM customers WHERE tenant_id = '%s' AND id = '%s'", tenant,
	                 id);
}

Test(limits, a_change_that_would_pass_max_customer_bytes_is_a_409_and_changes_nothing,
     .timeout = 120)
{
	char tenant[64];
	fresh_tenant("size", tenant, sizeof(tenant));
	long max = conf_number("max_customer_bytes", 1048576);
	long len = import_sized(tenant, "sized-1", max - 1000);
	cr_assert_lt(len, max - 600, "the fixture is %ld bytes, too close to %ld", len, max);
	cr_assert_gt(len, max - 1400, "the fixture is %ld bytes, too far from %ld", len, max);
	char *token = token_for(WRITER, tenant, SCOPE_RW);

	/* a small change still fits */
	struct http *r =
	        http_do("POST", "/crm/customers/sized-1/tags/fits", token, NULL, NULL, NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	http_free(r);

	/* the longest text, of 4-byte characters, in the member and in its event: ~4 KB more */
	char body[4 * LIMIT_TEXT_CHARS + 64] = "{\"nextAction\":\"";
	for (int i = 0; i < LIMIT_TEXT_CHARS; i++)
		strcat(body, "\xF0\x9F\x93\x9E"); /* U+1F4DE */
	strcat(body, "\"}");
	char *before = stored_doc(tenant, "sized-1");
	r = http_do("PATCH", "/crm/customers/sized-1/next-action", token, "application/json", body,
	            NULL);
	assert_error_body(r, 409);
	const char *detail = json_string_value(json_object_get(r->json, "detail"));
	cr_assert(strstr(detail, "max_customer_bytes") != NULL, "detail: %s", detail);
	char *after = stored_doc(tenant, "sized-1");
	cr_assert_str_eq(after, before, "the refused change was stored");
	http_free(r);

	/* and the customer still reads, and small changes still fit */
	r = http_get("/crm/customers/sized-1", token);
	cr_assert_eq(r->status, 200);
	cr_assert_str_eq(json_string_value(json_object_get(r->json, "nextAction")),
	                 "Send the revised quote");
	http_free(r);
	r = http_do("DELETE", "/crm/customers/sized-1/tags/fits", token, NULL, NULL, NULL);
	cr_assert_eq(r->status, 200, "%s", r->body);
	http_free(r);
	free(before);
	free(after);
	free(token);
}

/* ---- what nginx answers by itself, and its TLS ---------------------------- */

Test(front, nginx_own_errors_are_not_cached_and_carry_the_security_headers)
{
	struct http *r = http_get("/../../nothing-here", NULL);
	cr_assert_eq(r->status, 404);
	char *cc = http_header(r, "Cache-Control"),
	     *nosniff = http_header(r, "X-Content-Type-Options");
	cr_assert_not_null(cc, "nginx's 404 has no Cache-Control");
	cr_assert_str_eq(cc, "no-store");
	cr_assert_not_null(nosniff);
	cr_assert_str_eq(nosniff, "nosniff");
	free(cc);
	free(nosniff);
	http_free(r);

	/* and the service's own answers carry one Cache-Control, not two */
	r = http_get("/crm/customers/my", NULL);
	cr_assert_eq(r->status, 401);
	const char *first = strcasestr(r->headers, "\ncache-control:");
	cr_assert_not_null(first);
	cr_assert_null(strcasestr(first + 1, "\ncache-control:"), "two Cache-Control headers");
	http_free(r);
}

static CURLcode https_probe(const char *ciphers, long sslversion, char **hsts, long *version)
{
	char url[512];
	snprintf(url, sizeof(url), "%s/crm/customers/my", getenv("CRM_TEST_HTTPS_URL"));
	CURL *h = curl_easy_init();
	cr_assert_not_null(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CAINFO, getenv("CRM_TEST_CA"));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, ANSWER_SECONDS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	if (ciphers != NULL)
		curl_easy_setopt(h, CURLOPT_SSL_CIPHER_LIST, ciphers);
	if (sslversion != 0)
		curl_easy_setopt(h, CURLOPT_SSLVERSION, sslversion);
	CURLcode rc = curl_easy_perform(h);
	if (rc == CURLE_OK) {
		struct curl_header *hh = NULL;
		if (hsts != NULL && curl_easy_header(h, "Strict-Transport-Security", 0,
		                                     CURLH_HEADER, -1, &hh) == CURLHE_OK)
			*hsts = strdup(hh->value);
		if (version != NULL)
			curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, version);
	}
	curl_easy_cleanup(h);
	return rc;
}

Test(front, https_speaks_http2_with_hsts_and_refuses_cbc_suites_without_forward_secrecy)
{
	char *hsts = NULL;
	long version = 0;
	cr_assert_eq(https_probe(NULL, 0, &hsts, &version), CURLE_OK);
	cr_assert_eq(version, (long)CURL_HTTP_VERSION_2_0, "HTTPS did not negotiate HTTP/2");
	cr_assert_not_null(hsts, "no Strict-Transport-Security over HTTPS");
	cr_assert(strstr(hsts, "max-age=") != NULL, "HSTS: %s", hsts);
	free(hsts);
	/* TLS 1.2 with RSA key exchange and CBC: refused at the handshake */
	CURLcode rc = https_probe("AES128-SHA:AES256-SHA:AES128-SHA256",
	                          (long)(CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2),
	                          NULL, NULL);
	cr_assert_eq(rc, CURLE_SSL_CONNECT_ERROR,
	             "a CBC suite without forward secrecy was accepted");
	/* TLS 1.2 with an ECDHE AEAD suite works */
	rc = https_probe("ECDHE-RSA-AES128-GCM-SHA256",
	                 (long)(CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2), NULL, NULL);
	cr_assert_eq(rc, CURLE_OK, "TLS 1.2 with ECDHE-RSA-AES128-GCM-SHA256: %s",
	             curl_easy_strerror(rc));
}
