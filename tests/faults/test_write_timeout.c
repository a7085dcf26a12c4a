/* test_write_timeout: a FastCGI peer that asks and never reads holds a worker only write_timeout seconds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/faults/faults.h"
#include "tests/http/client.h"

#define STALLED_CUSTOMERS 400 /* ~1.2 MB in one page: far more than the socket buffers */

/* ---- a FastCGI client of our own (nginx never stalls; this peer does) -------- */

static void record(unsigned char *buf, size_t *n, int type, const void *body, size_t len)
{
	unsigned char head[8] = {
	        1, (unsigned char)type, 0, 1, (unsigned char)(len >> 8), (unsigned char)len, 0, 0};
	memcpy(buf + *n, head, 8);
	memcpy(buf + *n + 8, body, len);
	*n += 8 + len;
}

static void name_value(unsigned char *p, size_t *n, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	p[(*n)++] = (unsigned char)nl; /* names are short */
	if (vl < 128) {
		p[(*n)++] = (unsigned char)vl;
	} else {
		p[(*n)++] = (unsigned char)(0x80 | (vl >> 24));
		p[(*n)++] = (unsigned char)(vl >> 16);
		p[(*n)++] = (unsigned char)(vl >> 8);
		p[(*n)++] = (unsigned char)vl;
	}
	memcpy(p + *n, name, nl);
	memcpy(p + *n + nl, value, vl);
	*n += nl + vl;
}

/* Connects to the pool's socket with a 2 KB receive buffer, sends a GET of uri, returns the fd. */
static int stalled_peer(const char *uri, const char *token)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert(fd >= 0);
	int small = 2048;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", fx_env("CRM_FAULT_SOCKET"));
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0, "connect to the pool");
	static const unsigned char begin[8] = {0, 1, 0, 0, 0, 0, 0, 0}; /* responder, no keep */
	unsigned char params[4096], msg[8192];
	size_t p = 0, m = 0;
	char auth[2048];
	snprintf(auth, sizeof(auth), "Bearer %s", token);
	name_value(params, &p, "REQUEST_METHOD", "GET");
	name_value(params, &p, "REQUEST_URI", uri);
	name_value(params, &p, "REQUEST_ID", "stalled-peer");
	name_value(params, &p, "HTTP_AUTHORIZATION", auth);
	record(msg, &m, 1, begin, sizeof(begin));
	record(msg, &m, 4, params, p);
	record(msg, &m, 4, "", 0);
	record(msg, &m, 5, "", 0);
	cr_assert_eq(write(fd, msg, m), (ssize_t)m);
	return fd;
}

static void import_many(const struct fx_world *w)
{
	json_t *customers = json_array();
	for (int i = 0; i < STALLED_CUSTOMERS; i++) {
		char id[32];
		snprintf(id, sizeof(id), "many-%04d", i);
		json_t *c = sample_customer(id, id);
		json_object_set_new(c, "crmStatus", json_string("LEAD"));
		json_array_append_new(customers, c);
	}
	json_t *doc = json_pack("{s:o}", "customers", customers);
	char *text = json_dumps(doc, JSON_COMPACT), *err = NULL;
	json_decref(doc);
	cr_assert_eq(crmctl_import(w->tenant, text, &err), 0, "import: %s", err ? err : "");
	free(text);
	free(err);
}

/* cppcheck-suppress unknownMacro */
Test(write_timeout, a_peer_that_never_reads_holds_a_worker_only_write_timeout_seconds,
     .init = fx_setup, .timeout = 90)
{
	struct fx_world w;
	fx_world_make(&w, "stall");
	import_many(&w);
	int limit = fx_conf_int("write_timeout", 10);
	long log_from = fx_file_size(fx_env("CRM_FAULT_LOG"));
	pid_t master = fx_master(), before[64], after[64];
	size_t workers = fx_children(master, before, 64);

	/* one stalled peer per worker: the whole pool writes into shut windows */
	int fds[64];
	double t0 = fx_now();
	for (size_t i = 0; i < workers; i++)
		fds[i] = stalled_peer("/api/v1/crm/customers/by-status/LEAD?limit=1000", w.token);
	fx_sleep(0.5);
	double waited = fx_wait_ready(limit + 10.0);
	double freed = fx_now() - t0;
	const char *skip[] = {" request ", NULL};
	char *log = fx_log_since(fx_env("CRM_FAULT_LOG"), log_from, skip, 8);
	fprintf(stderr,
	        "faults: write_timeout: pool answered again %.2f s after %zu stalled peers "
	        "(write_timeout %d s)\n",
	        freed, workers, limit);

	cr_assert_geq(waited, 0, "the pool stayed blocked for more than write_timeout + 10 s:\n%s",
	              log);
	cr_assert_not_null(strstr(log, "write_timeout reached"),
	                   "the dropped answers were not logged:\n%s", log);
	cr_assert_not_null(strstr(log, "stalled-peer"), "the log line lacks the request id:\n%s",
	                   log);
	cr_assert_eq(fx_children(master, after, 64), workers, "the pool lost workers");
	cr_assert_eq(memcmp(after, before, workers * sizeof(*after)), 0,
	             "workers were replaced instead of giving up the write");
	for (size_t i = 0; i < workers; i++)
		close(fds[i]);
	free(log);
	fx_world_free(&w);
}
