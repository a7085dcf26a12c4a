/* faults: what the fault-injection tests share — processes by PID, a background load, the database as it is. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <mysql.h>

#include "tests/faults/faults.h"
#include "tests/http/client.h"

#define REQUEST_TIMEOUT_S 30L
#define LOAD_PAUSE_S      0.002

/* ---- time ------------------------------------------------------------------ */

double fx_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void fx_sleep(double seconds)
{
	if (seconds <= 0)
		return;
	struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- environment and configuration ------------------------------------------ */

const char *fx_env(const char *name)
{
	const char *v = getenv(name);
	cr_assert(v != NULL && v[0] != '\0',
	          "the environment variable %s is not set (run the fault tests through "
	          "scripts/faults.sh)",
	          name);
	return v;
}

int fx_conf_int(const char *key, int fallback)
{
	FILE *f = fopen(fx_env("CRM_TEST_CONF"), "r");
	cr_assert_not_null(f, "cannot open the configuration: %s", strerror(errno));
	char line[1024];
	int value = fallback;
	size_t klen = strlen(key);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (strncmp(s, key, klen) != 0)
			continue;
		s += klen;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s++ != '=')
			continue;
		char *end = NULL;
		errno = 0;
		long v = strtol(s, &end, 10);
		if (errno == 0 && end != s && v >= 0 && v < 100000)
			value = (int)v; /* the last line wins, as in the service */
	}
	fclose(f);
	return value;
}

/* ---- processes ------------------------------------------------------------- */

pid_t fx_read_pid(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	long pid = 0;
	if (fscanf(f, "%ld", &pid) != 1 || pid <= 0)
		pid = 0;
	fclose(f);
	return (pid_t)pid;
}

/* Reads the state and parent of pid from /proc/PID/stat; 0 when gone. */
static char proc_stat(pid_t pid, pid_t *ppid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* "pid (comm) S ppid ...": comm may hold spaces and parentheses */
	char *p = strrchr(buf, ')');
	char state = 0;
	int parent = 0;
	if (p == NULL || sscanf(p + 1, " %c %d", &state, &parent) != 2)
		return 0;
	if (ppid != NULL)
		*ppid = (pid_t)parent;
	return state;
}

char fx_proc_state(pid_t pid)
{
	return pid > 0 ? proc_stat(pid, NULL) : 0;
}

int fx_alive(pid_t pid)
{
	char s = fx_proc_state(pid);
	return s != 0 && s != 'Z' && s != 'X';
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

size_t fx_children(pid_t parent, pid_t *out, size_t max)
{
	DIR *d = opendir("/proc");
	cr_assert_not_null(d, "opendir /proc: %s", strerror(errno));
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < max) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid_t pid = (pid_t)strtol(e->d_name, NULL, 10), ppid = 0;
		char s = proc_stat(pid, &ppid);
		if (s != 0 && s != 'Z' && s != 'X' && ppid == parent)
			out[n++] = pid;
	}
	closedir(d);
	if (n > 1)
		qsort(out, n, sizeof(*out), cmp_pid);
	return n;
}

pid_t fx_master(void)
{
	const char *file = fx_env("CRM_FAULT_PID_FILE");
	pid_t pid = fx_read_pid(file);
	cr_assert(pid > 0 && fx_alive(pid), "crm-fcgi is not running (pid file %s: %d)", file,
	          (int)pid);
	return pid;
}

pid_t fx_db_pid(void)
{
	const char *file = fx_env("CRM_FAULT_DB_PID_FILE");
	pid_t pid = fx_read_pid(file);
	cr_assert(pid > 0 && fx_alive(pid), "mariadbd is not running (pid file %s: %d)", file,
	          (int)pid);
	return pid;
}

double fx_wait_gone(pid_t pid, double timeout)
{
	double t0 = fx_now();
	while (fx_alive(pid)) {
		if (fx_now() - t0 > timeout)
			return -1;
		fx_sleep(0.005);
	}
	return fx_now() - t0;
}

static pid_t ctl_fork(const char *cmd, const char *arg, int out_fd)
{
	const char *ctl = fx_env("CRM_FAULT_CTL");
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid > 0)
		return pid;
	/* A session of its own, and none of Criterion's descriptors: what the
	 * script starts must not keep the test runner's pipes open. */
	setsid();
	int nul = open("/dev/null", O_RDWR);
	dup2(nul, 0);
	dup2(out_fd >= 0 ? out_fd : nul, 1);
	dup2(out_fd >= 0 ? out_fd : nul, 2);
	if (close_range(3, ~0U, 0) != 0)
		for (int fd = 3; fd < 4096; fd++)
			close(fd);
	execl("/bin/sh", "sh", ctl, cmd, arg, (char *)NULL);
	_exit(127);
}

static int wait_status(pid_t pid)
{
	int st = 0;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

int fx_ctl(const char *cmd, const char *arg, char *out, size_t outlen)
{
	char path[] = "/tmp/crm-faultctl-XXXXXX";
	int fd = mkstemp(path);
	cr_assert(fd >= 0, "mkstemp: %s", strerror(errno));
	unlink(path);
	int rc = wait_status(ctl_fork(cmd, arg, fd));
	if (out != NULL && outlen > 0) {
		ssize_t n = pread(fd, out, outlen - 1, 0);
		n = n < 0 ? 0 : n;
		while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
			n--;
		out[n] = '\0';
	}
	close(fd);
	return rc;
}

pid_t fx_ctl_spawn(const char *cmd, const char *arg)
{
	return ctl_fork(cmd, arg, -1);
}

int fx_ctl_wait(pid_t pid)
{
	return wait_status(pid);
}

/* ---- logs -------------------------------------------------------------------- */

long fx_file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

char *fx_log_since(const char *path, long from, const char *const *exclude, int max)
{
	FILE *f = fopen(path, "r");
	char *lines[64] = {0};
	int keep = max > 64 ? 64 : max, n = 0;
	if (f != NULL) {
		fseek(f, from, SEEK_SET);
		char line[2048];
		while (fgets(line, sizeof(line), f) != NULL) {
			int skip = 0;
			for (const char *const *x = exclude; x != NULL && *x != NULL && !skip; x++)
				skip = strstr(line, *x) != NULL;
			if (skip || keep <= 0)
				continue;
			free(lines[n % keep]);
			lines[n % keep] = strdup(line);
			n++;
		}
		fclose(f);
	}
	size_t cap = 1, len = 0;
	for (int i = 0; i < keep; i++)
		cap += lines[i] ? strlen(lines[i]) + 2 : 0;
	char *out = malloc(cap);
	cr_assert_not_null(out, "out of memory");
	out[0] = '\0';
	int first = n > keep ? n - keep : 0;
	for (int i = first; i < n; i++) {
		const char *l = lines[i % keep];
		size_t ll = strlen(l);
		memcpy(out + len, "  ", 2);
		memcpy(out + len + 2, l, ll);
		len += ll + 2;
	}
	out[len] = '\0';
	for (int i = 0; i < keep; i++)
		free(lines[i]);
	return out;
}

/* ---- one request --------------------------------------------------------------- */

struct sink {
	char *data;
	size_t len, cap;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct sink *b = arg;
	size_t add = size * n;
	if (b->len + add + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->len + add + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (d == NULL)
			return 0; /* curl reports a write error */
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, add);
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

struct head {
	int retry_after;
	int json_type;
	char request_id[40];
};

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct head *h = arg;
	size_t len = size * n;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		memset(h, 0, sizeof(*h));
	} else if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		h->retry_after = 1;
	} else if (len > 13 && strncasecmp(p, "Content-Type:", 13) == 0) {
		const char *v = p + 13;
		while (*v == ' ')
			v++;
		h->json_type = strncasecmp(v, "application/json", 16) == 0;
	} else if (len > 13 && strncasecmp(p, "X-Request-Id:", 13) == 0) {
		const char *v = p + 13;
		while (*v == ' ')
			v++;
		size_t i = 0;
		while (i + 1 < sizeof(h->request_id) && v[i] != '\r' && v[i] != '\n' && v[i])
			h->request_id[i] = v[i], i++;
		h->request_id[i] = '\0';
	}
	return len;
}

static int is_error_shape(const json_t *b)
{
	return json_is_object(b) && json_is_string(json_object_get(b, "title")) &&
	       json_is_string(json_object_get(b, "detail")) &&
	       json_is_string(json_object_get(b, "time"));
}

void fx_request(CURL *h, const char *method, const char *path, const char *token,
                const char *json_body, struct fx_resp *out)
{
	char url[1024], auth[4096];
	struct sink body = {0};
	struct head head = {0};
	memset(out, 0, sizeof(*out));
	snprintf(url, sizeof(url), "%s%s", getenv("CRM_TEST_BASE_URL"), path);
	struct curl_slist *hdrs = NULL;
	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		hdrs = curl_slist_append(hdrs, auth);
	}
	hdrs = curl_slist_append(hdrs,
	                         json_body ? "Content-Type: application/json" : "Content-Type:");
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &head);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, REQUEST_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, json_body ? json_body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)(json_body ? strlen(json_body) : 0));
	}
	out->t0 = fx_now();
	out->curl = curl_easy_perform(h);
	out->t1 = fx_now();
	if (out->curl == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
	out->body = body.data ? body.data : strdup("");
	out->json = body.len > 0 ? json_loadb(body.data, body.len, JSON_DECODE_ANY, NULL) : NULL;
	out->retry_after = head.retry_after;
	out->error_json = out->status >= 400 && head.json_type && is_error_shape(out->json);
	memcpy(out->request_id, head.request_id, sizeof(out->request_id));
	curl_slist_free_all(hdrs);
}

void fx_resp_free(struct fx_resp *r)
{
	if (r == NULL)
		return;
	free(r->body);
	json_decref(r->json);
	r->body = NULL;
	r->json = NULL;
}

void fx_request1(const char *method, const char *path, const char *token, const char *json_body,
                 struct fx_resp *out)
{
	CURL *h = curl_easy_init();
	cr_assert_not_null(h, "curl_easy_init");
	fx_request(h, method, path, token, json_body, out);
	curl_easy_cleanup(h);
}

static void *async_main(void *arg)
{
	struct fx_async *a = arg;
	CURL *h = curl_easy_init();
	if (h != NULL) {
		fx_request(h, a->method, a->path, a->token, NULL, &a->r);
		curl_easy_cleanup(h);
	}
	return NULL;
}

void fx_async_start(struct fx_async *a, const char *method, const char *path, const char *token)
{
	memset(&a->r, 0, sizeof(a->r));
	a->method = method;
	a->token = token;
	snprintf(a->path, sizeof(a->path), "%s", path);
	cr_assert_eq(pthread_create(&a->tid, NULL, async_main, a), 0, "pthread_create");
}

void fx_async_join(struct fx_async *a)
{
	pthread_join(a->tid, NULL);
}

/* ---- a tenant of our own ------------------------------------------------------- */

static const char *const customer_names[FX_CUSTOMER__MAX] = {
        "c-read", "c-write-0", "c-write-1", "c-lock-0", "c-lock-1",
};

void fx_world_make(struct fx_world *w, const char *prefix)
{
	memset(w, 0, sizeof(*w));
	fresh_tenant(prefix, w->tenant, sizeof(w->tenant));
	json_t *customers = json_array();
	for (int i = 0; i < FX_CUSTOMER__MAX; i++) {
		snprintf(w->id[i], sizeof(w->id[i]), "%s", customer_names[i]);
		char name[64];
		snprintf(name, sizeof(name), "Fault customer %s", customer_names[i]);
		json_t *c = sample_customer(w->id[i], name);
		json_object_set_new(c, "ownerId", json_string(FX_ACTOR));
		json_object_set_new(c, "crmStatus", json_string("PROSPECT"));
		json_array_append_new(customers, c);
	}
	json_t *doc = json_pack("{s:[{s:s,s:s,s:s}],s:o}", "users", "id", FX_ACTOR, "username",
	                        "fx", "displayName", "Fault Injector", "customers", customers);
	cr_assert_not_null(doc, "cannot build the import document");
	char *text = json_dumps(doc, JSON_COMPACT);
	char *err = NULL;
	int rc = crmctl_import(w->tenant, text, &err);
	cr_assert_eq(rc, 0, "crmctl import into %s failed (exit %d): %s", w->tenant, rc,
	             err ? err : "");
	free(err);
	free(text);
	json_decref(doc);
	w->token = token_for(FX_ACTOR, w->tenant, "crm:read crm:write");
}

void fx_world_free(struct fx_world *w)
{
	free(w->token);
	w->token = NULL;
}

/* ---- the background load --------------------------------------------------------- */

static void lane_record(struct fx_lane *ln, enum fx_op op, unsigned tag, struct fx_resp *r)
{
	if (ln->n == ln->cap) {
		size_t cap = ln->cap ? ln->cap * 2 : 1024;
		struct fx_sample *s = realloc(ln->s, cap * sizeof(*s));
		if (s == NULL) {
			ln->oom = 1;
			fx_resp_free(r);
			return;
		}
		ln->s = s;
		ln->cap = cap;
	}
	struct fx_sample *s = &ln->s[ln->n++];
	memset(s, 0, sizeof(*s));
	s->op = op;
	s->tag = tag;
	if (r->status == 200 && (op == FX_OP_TAG_ADD || op == FX_OP_TAG_REMOVE)) {
		/* the enriched customer after the change: is its last event this change? */
		char want[64];
		snprintf(want, sizeof(want), "Tag \"%s%u\" %s", ln->tag_prefix, tag,
		         op == FX_OP_TAG_ADD ? "added" : "removed");
		json_t *events = json_object_get(r->json, "events");
		size_t ne = json_array_size(events);
		const char *d = ne ? json_string_value(json_object_get(
		                             json_array_get(events, ne - 1), "description"))
		                   : NULL;
		s->real = d != NULL && strcmp(d, want) == 0;
	}
	/* keep the body of failures only: a load makes thousands of samples */
	if (r->status >= 200 && r->status < 300) {
		fx_resp_free(r);
	} else if (r->body != NULL && strlen(r->body) > 300) {
		r->body[300] = '\0';
	}
	json_decref(r->json);
	r->json = NULL;
	s->r = *r;
}

static void lane_do(struct fx_lane *ln, CURL *h, enum fx_op op, unsigned tag)
{
	char path[256];
	const char *method = "GET";
	switch (op) {
	case FX_OP_GET: snprintf(path, sizeof(path), "/crm/customers/%s", ln->customer); break;
	case FX_OP_LIST_MY: snprintf(path, sizeof(path), "/crm/customers/my?limit=20"); break;
	case FX_OP_LIST_STATUS:
		snprintf(path, sizeof(path), "/crm/customers/by-status/PROSPECT?limit=20");
		break;
	case FX_OP_TAG_ADD:
	case FX_OP_TAG_REMOVE:
		method = op == FX_OP_TAG_ADD ? "POST" : "DELETE";
		snprintf(path, sizeof(path), "/crm/customers/%s/tags/%s%u", ln->customer,
		         ln->tag_prefix, tag);
		break;
	}
	struct fx_resp r;
	fx_request(h, method, path, ln->token, NULL, &r);
	lane_record(ln, op, tag, &r);
	fx_sleep(LOAD_PAUSE_S);
}

static int lane_stopping(const struct fx_lane *ln)
{
	return atomic_load(ln->stop) || ln->oom;
}

/*
 * A reader cycles through the enriched customer and two lists.  A writer adds
 * tag k, reads, removes tag k-3 and reads a list: its customer keeps about
 * three of its tags, so both kinds of change are always in play.
 */
static void *lane_main(void *arg)
{
	struct fx_lane *ln = arg;
	CURL *h = curl_easy_init();
	if (h == NULL) {
		ln->oom = 1;
		return NULL;
	}
	static const enum fx_op reads[] = {FX_OP_GET, FX_OP_LIST_MY, FX_OP_LIST_STATUS};
	for (unsigned i = 0; !lane_stopping(ln); i++) {
		if (!ln->writer) {
			lane_do(ln, h, reads[i % 3], 0);
			continue;
		}
		unsigned k = ln->next_tag++;
		lane_do(ln, h, FX_OP_TAG_ADD, k);
		if (lane_stopping(ln))
			break;
		lane_do(ln, h, FX_OP_GET, 0);
		if (k >= 3 && !lane_stopping(ln))
			lane_do(ln, h, FX_OP_TAG_REMOVE, k - 3);
		if (!lane_stopping(ln))
			lane_do(ln, h, FX_OP_LIST_MY, 0);
	}
	curl_easy_cleanup(h);
	return NULL;
}

static long stored_events(const struct fx_world *w, enum fx_customer who)
{
	json_t *doc = fx_doc(w, who);
	long n = (long)json_array_size(json_object_get(doc, "events"));
	json_decref(doc);
	return n;
}

void fx_load_start(struct fx_load *l, const struct fx_world *w, int readers, int writers)
{
	cr_assert(readers >= 0 && writers >= 0 && writers <= 2 && readers + writers > 0 &&
	                  readers + writers <= FX_MAX_LANES,
	          "fx_load_start: %d readers, %d writers", readers, writers);
	memset(l, 0, sizeof(*l));
	cr_assert_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK, "curl_global_init");
	atomic_store(&l->stop, 0);
	l->nlanes = (size_t)(readers + writers);
	for (size_t i = 0; i < l->nlanes; i++) {
		struct fx_lane *ln = &l->lane[i];
		ln->stop = &l->stop;
		ln->token = w->token;
		ln->writer = (int)i < writers;
		if (ln->writer) {
			enum fx_customer who = (enum fx_customer)(FX_WRITE_0 + (int)i);
			snprintf(ln->customer, sizeof(ln->customer), "%s", w->id[who]);
			snprintf(ln->tag_prefix, sizeof(ln->tag_prefix), "w%u-", (unsigned)i);
			ln->events_before = stored_events(w, who);
		} else {
			snprintf(ln->customer, sizeof(ln->customer), "%s", w->id[FX_READ]);
		}
	}
	l->started = fx_now();
	for (size_t i = 0; i < l->nlanes; i++)
		cr_assert_eq(pthread_create(&l->lane[i].tid, NULL, lane_main, &l->lane[i]), 0,
		             "cannot start load lane %zu", i);
}

void fx_load_stop(struct fx_load *l)
{
	atomic_store(&l->stop, 1);
	for (size_t i = 0; i < l->nlanes; i++)
		pthread_join(l->lane[i].tid, NULL);
	for (size_t i = 0; i < l->nlanes; i++)
		cr_assert(!l->lane[i].oom, "load lane %zu ran out of memory", i);
}

void fx_load_free(struct fx_load *l)
{
	for (size_t i = 0; i < l->nlanes; i++) {
		for (size_t j = 0; j < l->lane[i].n; j++)
			fx_resp_free(&l->lane[i].s[j].r);
		free(l->lane[i].s);
		l->lane[i].s = NULL;
		l->lane[i].n = 0;
	}
}

static int failed(const struct fx_resp *r)
{
	return r->status < 200 || r->status > 299;
}

void fx_tally(const struct fx_load *l, double from, double to, struct fx_tally *t)
{
	memset(t, 0, sizeof(*t));
	t->first_fail_t1 = t->last_fail_t1 = -1;
	for (size_t i = 0; i < l->nlanes; i++) {
		for (size_t j = 0; j < l->lane[i].n; j++) {
			const struct fx_resp *r = &l->lane[i].s[j].r;
			if (r->t1 < from || r->t1 >= to)
				continue;
			t->total++;
			double lat = r->t1 - r->t0;
			if (lat > t->max_latency)
				t->max_latency = lat;
			if (!failed(r)) {
				t->ok++;
				continue;
			}
			t->failed++;
			if (lat > t->max_fail_latency)
				t->max_fail_latency = lat;
			if (t->first_fail_t1 < 0 || r->t1 < t->first_fail_t1)
				t->first_fail_t1 = r->t1;
			if (r->t1 > t->last_fail_t1)
				t->last_fail_t1 = r->t1;
			if (r->status == 0)
				t->transport++;
			if ((r->status != 502 && r->status != 503) || !r->error_json)
				t->not_503_json++;
			if (r->status == 503 && !r->retry_after)
				t->no_retry++;
		}
	}
}

static const char *op_name(enum fx_op op)
{
	static const char *const names[] = {"GET customer", "GET my", "GET by-status", "POST tag",
	                                    "DELETE tag"};
	return names[op];
}

char *fx_failures(const struct fx_load *l, double base, size_t max)
{
	size_t cap = 256 + max * 512, len = 0, shown = 0, total = 0;
	char *out = malloc(cap);
	cr_assert_not_null(out, "out of memory");
	out[0] = '\0';
	for (size_t i = 0; i < l->nlanes; i++) {
		for (size_t j = 0; j < l->lane[i].n; j++) {
			const struct fx_sample *s = &l->lane[i].s[j];
			if (!failed(&s->r))
				continue;
			total++;
			if (shown >= max)
				continue;
			shown++;
			int n = snprintf(
			        out + len, cap - len,
			        "  %s %s%u: %ld%s%s after %.3f s, at +%.3f s, id %s: %.200s\n",
			        op_name(s->op), s->op >= FX_OP_TAG_ADD ? "#" : "",
			        s->op >= FX_OP_TAG_ADD ? s->tag : 0, s->r.status,
			        s->r.status == 0 ? " " : "",
			        s->r.status == 0 ? curl_easy_strerror(s->r.curl) : "",
			        s->r.t1 - s->r.t0, s->r.t1 - base,
			        s->r.request_id[0] ? s->r.request_id : "-",
			        s->r.body ? s->r.body : "");
			if (n > 0 && (size_t)n < cap - len)
				len += (size_t)n;
		}
	}
	if (total > shown)
		snprintf(out + len, cap - len, "  ... %zu failures in all\n", total);
	return out;
}

const struct fx_sample *fx_first_with_status(const struct fx_load *l, double after, long status)
{
	const struct fx_sample *best = NULL;
	for (size_t i = 0; i < l->nlanes; i++)
		for (size_t j = 0; j < l->lane[i].n; j++) {
			const struct fx_sample *s = &l->lane[i].s[j];
			if (s->r.t1 >= after && s->r.status == status &&
			    (best == NULL || s->r.t1 < best->r.t1))
				best = s;
		}
	return best;
}

void fx_report(const char *test, const struct fx_load *l, const char *extra)
{
	size_t total = 0, by[6] = {0}; /* 2xx, 502, 503, 500, other, none */
	for (size_t i = 0; i < l->nlanes; i++)
		for (size_t j = 0; j < l->lane[i].n; j++) {
			long st = l->lane[i].s[j].r.status;
			total++;
			by[st >= 200 && st < 300 ? 0
			   : st == 502           ? 1
			   : st == 503           ? 2
			   : st == 500           ? 3
			   : st == 0             ? 5
			                         : 4]++;
		}
	fprintf(stderr,
	        "faults: %s: %zu requests: %zu ok, %zu x 503, %zu x 502, %zu x 500, %zu other, "
	        "%zu without answer%s%s\n",
	        test, total, by[0], by[2], by[1], by[3], by[4], by[5], extra ? "; " : "",
	        extra ? extra : "");
}

/* Parses `Tag "<prefix><n>" added|removed`: 1 added, 2 removed, 0 not ours. */
static int tag_event(const char *desc, const char *prefix, unsigned *n)
{
	size_t plen = strlen(prefix);
	if (desc == NULL || strncmp(desc, "Tag \"", 5) != 0 || strncmp(desc + 5, prefix, plen) != 0)
		return 0;
	const char *p = desc + 5 + plen;
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(p, &end, 10);
	if (errno != 0 || end == p || v > 1000000)
		return 0;
	*n = (unsigned)v;
	if (strcmp(end, "\" added") == 0)
		return 1;
	if (strcmp(end, "\" removed") == 0)
		return 2;
	return 0;
}

static size_t check_lane(const struct fx_lane *ln, const struct fx_world *w, enum fx_customer who)
{
	json_t *doc = fx_doc(w, who);
	const json_t *events = json_object_get(doc, "events");
	size_t ntags = ln->next_tag + 1;
	unsigned *added = calloc(ntags, sizeof(*added)), *removed = calloc(ntags, sizeof(*removed));
	char *present = calloc(ntags, 1);
	cr_assert(added && removed && present, "out of memory");
	size_t ours = 0;
	/* Replay the stored events: each add finds the tag absent, each removal present. */
	for (size_t i = 0; i < json_array_size(events); i++) {
		const char *d = json_string_value(
		        json_object_get(json_array_get(events, i), "description"));
		unsigned n = 0;
		int kind = tag_event(d, ln->tag_prefix, &n);
		if (kind == 0)
			continue;
		cr_assert(n < ln->next_tag, "%s: stored event '%s' is for a tag never sent",
		          w->id[who], d);
		ours++;
		if (kind == 1) {
			cr_assert(!present[n], "%s: event '%s' adds a tag that is present",
			          w->id[who], d);
			added[n]++;
			present[n] = 1;
		} else {
			cr_assert(present[n], "%s: event '%s' removes a tag that is absent",
			          w->id[who], d);
			removed[n]++;
			present[n] = 0;
		}
	}
	/* What each client was told against what is stored. */
	size_t real_ok = 0, committed_failed = 0;
	for (size_t j = 0; j < ln->n; j++) {
		const struct fx_sample *s = &ln->s[j];
		if (s->op != FX_OP_TAG_ADD && s->op != FX_OP_TAG_REMOVE)
			continue;
		unsigned stored = s->op == FX_OP_TAG_ADD ? added[s->tag] : removed[s->tag];
		const char *what = s->op == FX_OP_TAG_ADD ? "adding" : "removing";
		if (s->r.status == 200 && s->real) {
			cr_assert_eq(
			        stored, 1,
			        "%s: %s tag %s%u got 200 (a real change) but the database holds "
			        "%u such events",
			        w->id[who], what, ln->tag_prefix, s->tag, stored);
			real_ok++;
		} else if (s->r.status == 200) {
			cr_assert_eq(stored, 0,
			             "%s: %s tag %s%u got 200 as a no-op but the database holds %u "
			             "such events",
			             w->id[who], what, ln->tag_prefix, s->tag, stored);
		} else {
			cr_assert(stored <= 1, "%s: failed %s tag %s%u is stored %u times",
			          w->id[who], what, ln->tag_prefix, s->tag, stored);
			if (stored)
				fprintf(stderr,
				        "faults: %s tag %s%u was answered %ld (request id %s) but "
				        "is "
				        "stored\n",
				        what, ln->tag_prefix, s->tag, s->r.status,
				        s->r.request_id[0] ? s->r.request_id : "-");
			committed_failed += stored;
		}
	}
	/* The stored tags are exactly the replay of the stored events. */
	const json_t *tags = json_object_get(doc, "tags");
	char *in_doc = calloc(ntags, 1);
	cr_assert_not_null(in_doc, "out of memory");
	for (size_t i = 0; i < json_array_size(tags); i++) {
		const char *t = json_string_value(json_array_get(tags, i));
		size_t plen = strlen(ln->tag_prefix);
		if (t == NULL || strncmp(t, ln->tag_prefix, plen) != 0)
			continue;
		unsigned long n = strtoul(t + plen, NULL, 10);
		cr_assert(n < ln->next_tag && !in_doc[n], "%s: stored tag %s is unknown or doubled",
		          w->id[who], t);
		in_doc[n] = 1;
	}
	for (size_t n = 0; n < ln->next_tag; n++)
		cr_assert_eq(in_doc[n], present[n],
		             "%s: tag %s%zu is %s the stored tags but its events say it is %s",
		             w->id[who], ln->tag_prefix, n, in_doc[n] ? "in" : "not in",
		             present[n] ? "present" : "absent");
	long events_now = (long)json_array_size(events);
	cr_assert_eq(events_now - ln->events_before, (long)ours,
	             "%s: %ld events appeared, %zu of them this load's: events were changed by "
	             "something else or lost",
	             w->id[who], events_now - ln->events_before, ours);
	cr_assert_eq(ours, real_ok + committed_failed,
	             "%s: %zu stored changes, %zu answered 200 as real changes + %zu failed but "
	             "committed",
	             w->id[who], ours, real_ok, committed_failed);
	free(added);
	free(removed);
	free(present);
	free(in_doc);
	json_decref(doc);
	return committed_failed;
}

size_t fx_assert_writes_durable(const struct fx_load *l, const struct fx_world *w)
{
	size_t committed_failed = 0;
	for (size_t i = 0; i < l->nlanes; i++)
		if (l->lane[i].writer)
			committed_failed +=
			        check_lane(&l->lane[i], w, (enum fx_customer)(FX_WRITE_0 + (int)i));
	return committed_failed;
}

/* ---- the database ------------------------------------------------------------------ */

MYSQL *fx_db_try(const char *user, unsigned timeout_s)
{
	MYSQL *c = mysql_init(NULL);
	if (c == NULL)
		return NULL;
	unsigned io = 30;
	mysql_options(c, MYSQL_OPT_CONNECT_TIMEOUT, &timeout_s);
	mysql_options(c, MYSQL_OPT_READ_TIMEOUT, &io);
	mysql_options(c, MYSQL_OPT_WRITE_TIMEOUT, &io);
	mysql_options(c, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	const char *password = NULL;
	if (user == NULL) {
		user = fx_env("CRM_TEST_DB_USER");
		password = getenv("CRM_TEST_DB_PASSWORD");
	}
	if (mysql_real_connect(c, NULL, user, password, fx_env("CRM_TEST_DB_NAME"), 0,
	                       fx_env("CRM_TEST_DB_SOCKET"), 0) == NULL) {
		mysql_close(c);
		return NULL;
	}
	return c;
}

MYSQL *fx_db(const char *user)
{
	MYSQL *c = fx_db_try(user, 5);
	cr_assert_not_null(c, "cannot connect to the test database as %s",
	                   user ? user : fx_env("CRM_TEST_DB_USER"));
	return c;
}

void fx_db_exec(MYSQL *c, const char *sql)
{
	if (mysql_real_query(c, sql, strlen(sql)) != 0)
		cr_assert_fail("SQL failed: %s\n  in: %s", mysql_error(c), sql);
	MYSQL_RES *res = mysql_store_result(c);
	mysql_free_result(res);
}

static char *db_text(MYSQL *c, const char *sql)
{
	if (mysql_real_query(c, sql, strlen(sql)) != 0)
		cr_assert_fail("SQL failed: %s\n  in: %s", mysql_error(c), sql);
	MYSQL_RES *res = mysql_store_result(c);
	cr_assert(res != NULL, "SQL result: %s", mysql_error(c));
	MYSQL_ROW row = mysql_fetch_row(res);
	char *out = NULL;
	if (row != NULL && row[0] != NULL) {
		unsigned long *lens = mysql_fetch_lengths(res);
		out = strndup(row[0], lens[0]);
		cr_assert_not_null(out, "out of memory");
	}
	mysql_free_result(res);
	return out;
}

long fx_db_long(MYSQL *c, const char *sql)
{
	char *v = db_text(c, sql);
	long n = v ? strtol(v, NULL, 10) : -1;
	free(v);
	return n;
}

char *fx_db_query(MYSQL *c, const char *sql, size_t n, const char *const *params)
{
	MYSQL_STMT *st = mysql_stmt_init(c);
	MYSQL_BIND in[8], out;
	unsigned long len = 0;
	my_bool is_null = 0;
	char *v = NULL;
	cr_assert(st != NULL && n <= 8);
	cr_assert_eq(mysql_stmt_prepare(st, sql, strlen(sql)), 0, "%s\n  in: %s",
	             mysql_stmt_error(st), sql);
	memset(in, 0, sizeof(in));
	for (size_t i = 0; i < n; i++) {
		in[i].buffer_type = MYSQL_TYPE_STRING;
		in[i].buffer = (void *)params[i];
		in[i].buffer_length = strlen(params[i]);
	}
	cr_assert_eq(mysql_stmt_bind_param(st, in), 0, "%s", mysql_stmt_error(st));
	cr_assert_eq(mysql_stmt_execute(st), 0, "%s\n  in: %s", mysql_stmt_error(st), sql);
	if (mysql_stmt_field_count(st) > 0) {
		memset(&out, 0, sizeof(out));
		out.buffer_type = MYSQL_TYPE_STRING;
		out.length = &len;
		out.is_null = &is_null;
		cr_assert_eq(mysql_stmt_bind_result(st, &out), 0, "%s", mysql_stmt_error(st));
		int f = mysql_stmt_fetch(st); /* no buffer: a value is always "truncated" */
		if ((f == 0 || f == MYSQL_DATA_TRUNCATED) && !is_null) {
			v = calloc(1, len + 1);
			cr_assert_not_null(v, "out of memory");
			out.buffer = v;
			out.buffer_length = len + 1;
			cr_assert_eq(mysql_stmt_fetch_column(st, &out, 0, 0), 0, "%s",
			             mysql_stmt_error(st));
		}
		mysql_stmt_free_result(st);
	}
	mysql_stmt_close(st);
	return v;
}

long fx_db_query_long(MYSQL *c, const char *sql, size_t n, const char *const *params)
{
	char *v = fx_db_query(c, sql, n, params);
	long r = v ? strtol(v, NULL, 10) : -1;
	free(v);
	return r;
}

#define OF_CUSTOMER " FROM customers WHERE tenant_id = ? AND id = ?"

/* select (a "SELECT ..." of one column) of one customer's row, on a fresh connection. */
static char *customer_column(const struct fx_world *w, enum fx_customer who, const char *sql)
{
	const char *p[2] = {w->tenant, w->id[who]};
	MYSQL *c = fx_db(NULL);
	char *v = fx_db_query(c, sql, 2, p);
	mysql_close(c);
	return v;
}

json_t *fx_doc(const struct fx_world *w, enum fx_customer who)
{
	char *text = customer_column(w, who, "SELECT doc" OF_CUSTOMER);
	cr_assert_not_null(text, "no customers row %s/%s", w->tenant, w->id[who]);
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	cr_assert_not_null(doc, "the stored document of %s is not JSON: %s", w->id[who], jerr.text);
	free(text);
	return doc;
}

char *fx_row(const struct fx_world *w, enum fx_customer who)
{
	char *row = customer_column(
	        w, who,
	        "SELECT CONCAT_WS('|' COLLATE utf8mb4_bin, crm_status, IFNULL(owner_id, '-'),"
	        " IFNULL(overdue_key, '-'), sort_name, doc, list_extra)" OF_CUSTOMER);
	cr_assert_not_null(row, "no customers row %s/%s", w->tenant, w->id[who]);
	return row;
}

MYSQL *fx_lock_row(const struct fx_world *w, enum fx_customer who)
{
	const char *p[2] = {w->tenant, w->id[who]};
	MYSQL *c = fx_db(NULL);
	fx_db_exec(c, "START TRANSACTION");
	free(fx_db_query(c, "SELECT id" OF_CUSTOMER " FOR UPDATE", 2, p));
	return c;
}

void fx_unlock(MYSQL *c)
{
	if (c == NULL)
		return;
	fx_db_exec(c, "ROLLBACK");
	mysql_close(c);
}

#define FX_LOCK_WAIT_MS "50"

long fx_lock_waits(void)
{
	MYSQL *c = fx_db("root");
	/* A FOR UPDATE on a primary key waits in the optimizer ("Statistics"),
	 * before InnoDB lists it in INNODB_TRX: count the statements instead, those
	 * that have run FX_LOCK_WAIT_MS at least: a load lane's own locked read,
	 * caught while it runs (a millisecond), is no wait, and counted as one it
	 * made a test see two waiters where it held one. */
	long n = fx_db_long(c, "SELECT COUNT(*) FROM information_schema.PROCESSLIST"
	                       " WHERE command = 'Execute' AND info LIKE '%FOR UPDATE%'"
	                       " AND time_ms >= " FX_LOCK_WAIT_MS);
	mysql_close(c);
	return n;
}

long fx_wait_lock_waits(long n, double timeout)
{
	double t0 = fx_now();
	long got;
	while ((got = fx_lock_waits()) < n && fx_now() - t0 < timeout)
		fx_sleep(0.01);
	return got;
}

/* ---- the fixture --------------------------------------------------------------------- */

double fx_wait_workers(pid_t master, const pid_t *exclude, size_t n, double timeout)
{
	int want = fx_conf_int("workers", 1);
	double t0 = fx_now();
	for (;;) {
		pid_t kids[64];
		size_t k = fx_children(master, kids, 64);
		int fresh = (int)k == want;
		for (size_t i = 0; i < k && fresh; i++)
			for (size_t j = 0; j < n; j++)
				if (kids[i] == exclude[j])
					fresh = 0;
		if (fresh)
			return fx_now() - t0;
		if (fx_now() - t0 > timeout)
			return -1;
		fx_sleep(0.005);
	}
}

double fx_wait_ready(double timeout)
{
	static char *token;
	if (token == NULL)
		token = token_for("u-ready", "t-fx-ready", "crm:read");
	CURL *h = curl_easy_init();
	cr_assert_not_null(h, "curl_easy_init");
	double t0 = fx_now(), took = -1;
	for (;;) {
		struct fx_resp r;
		fx_request(h, "GET", "/crm/customers/my?limit=1", token, NULL, &r);
		long st = r.status;
		fx_resp_free(&r);
		if (st == 200) {
			took = fx_now() - t0;
			break;
		}
		if (fx_now() - t0 > timeout)
			break;
		fx_sleep(0.02);
	}
	curl_easy_cleanup(h);
	return took;
}

/* The master reloads; returns how long its next generation of workers took, or -1. */
static double reload_pool(void)
{
	pid_t master = fx_master(), old[64];
	size_t n = fx_children(master, old, 64);
	kill(master, SIGHUP);
	return fx_wait_workers(master, old, n, 15);
}

long fx_conf_push(const char *lines)
{
	const char *path = fx_env("CRM_TEST_CONF");
	long size = fx_file_size(path);
	FILE *f = fopen(path, "a");
	cr_assert_not_null(f);
	fputs(lines, f);
	fclose(f);
	cr_assert_geq(reload_pool(), 0, "no new generation after SIGHUP");
	return size;
}

int fx_conf_restore(long size)
{
	if (truncate(fx_env("CRM_TEST_CONF"), size) != 0)
		return -1;
	reload_pool();
	fx_wait_ready(15);
	return 0;
}

void fx_setup(void)
{
	char out[4096];
	cr_assert_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK, "curl_global_init");
	pid_t db = fx_read_pid(fx_env("CRM_FAULT_DB_PID_FILE"));
	if (db > 0 && fx_proc_state(db) == 'T')
		kill(db, SIGCONT);
	if (db <= 0 || !fx_alive(db))
		cr_assert_eq(fx_ctl("db-start", NULL, out, sizeof(out)), 0,
		             "setup: MariaDB did not start: %s", out);
	pid_t master = fx_read_pid(fx_env("CRM_FAULT_PID_FILE"));
	if (master <= 0 || !fx_alive(master)) {
		cr_assert_eq(fx_ctl("crm-start", NULL, out, sizeof(out)), 0,
		             "setup: crm-fcgi did not start: %s", out);
		master = fx_master();
	}
	cr_assert_geq(fx_wait_workers(master, NULL, 0, 15), 0,
	              "setup: crm-fcgi (pid %d) does not have its %d workers", (int)master,
	              fx_conf_int("workers", 1));
	cr_assert_geq(fx_wait_ready(15), 0, "setup: the service does not answer 200");
}
