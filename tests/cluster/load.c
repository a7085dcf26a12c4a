/* cluster-load: the cluster test's clients — keyed writes through nginx, each retried with its key until acknowledged. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

/*
 * cluster-load BASE_URL TOKEN SECONDS CLIENTS OUTDIR SHARED_ID...
 *
 * CLIENTS threads write for SECONDS: two of three writes create a customer
 * (POST /crm/customers, a name of its own), the third adds a tag of its own
 * to one of the SHARED_ID customers, which every client changes, through
 * both pools and so through different Galera nodes (certification
 * conflicts), while that customer has room for them (a customer holds at
 * most 100 tags: each client adds at most 99 / CLIENTS to each).  Every write carries an Idempotency-Key and is sent again
 * with it, after 100..300 ms, on anything but its success (a transport
 * error, 502, 503, 409 "still running"), until acknowledged or given up
 * GIVE_UP_S after it began.  Each thread writes OUTDIR/client-N.log:
 *
 *   req START_MS DURATION_MS KIND STATUS ATTEMPT   one line per HTTP request (STATUS 0:
 *                                                  no answer)
 *   ack create KEY ID ATTEMPTS REPLAYED            a create acknowledged (201)
 *   ack tag KEY CUSTOMER TAG ATTEMPTS REPLAYED     a tag acknowledged (200)
 *   lost KIND KEY                                  given up, never acknowledged
 *   bad KIND KEY STATUS                            an answer no retry should get (400, 422...)
 *
 * The script (scripts/cluster_test.sh) checks them against the database.
 * Exit status 0, or 1 when the setup failed.
 */

#define GIVE_UP_S        60
#define REQUEST_TIMEOUT  30
#define MAX_SHARED       16
#define LOCATION_MAX     512
#define PAUSE_MIN_MS     100
#define PAUSE_SPREAD_MS  200
#define CUSTOMERS_PREFIX "/crm/customers"

struct options {
	const char *base;
	char auth[4096];
	double seconds;
	const char *outdir;
	const char *shared[MAX_SHARED];
	int nshared;
	int nclients;
	long run; /* makes the keys of this run unique */
};

struct client {
	const struct options *opt;
	int n;
	FILE *log;
	CURL *curl;
	unsigned seed;
	char location[LOCATION_MAX];
	int replayed;
	int tags[MAX_SHARED]; /* tags this client added to each shared customer */
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* Keeps the Location and notes Idempotent-Replayed. */
static size_t header(char *line, size_t size, size_t n, void *arg)
{
	struct client *c = arg;
	size_t len = size * n;
	if (len > 9 && strncasecmp(line, "Location:", 9) == 0) {
		size_t i = 9;
		while (i < len && line[i] == ' ')
			i++;
		size_t end = len;
		while (end > i && (line[end - 1] == '\r' || line[end - 1] == '\n'))
			end--;
		size_t m = end - i < LOCATION_MAX - 1 ? end - i : LOCATION_MAX - 1;
		memcpy(c->location, line + i, m);
		c->location[m] = '\0';
	}
	if (len > 20 && strncasecmp(line, "Idempotent-Replayed:", 20) == 0)
		c->replayed = 1;
	return len;
}

/* One POST; the HTTP status, or 0 when no answer came. */
static long post(struct client *c, const char *url, const char *key, const char *body)
{
	char key_header[300];
	snprintf(key_header, sizeof(key_header), "Idempotency-Key: %s", key);
	struct curl_slist *h = NULL;
	h = curl_slist_append(h, c->opt->auth);
	h = curl_slist_append(h, key_header);
	h = curl_slist_append(h, "Content-Type: application/json");
	CURL *k = c->curl;
	c->location[0] = '\0';
	c->replayed = 0;
	curl_easy_reset(k);
	curl_easy_setopt(k, CURLOPT_URL, url);
	curl_easy_setopt(k, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(k, CURLOPT_POST, 1L);
	curl_easy_setopt(k, CURLOPT_POSTFIELDS, body ? body : "");
	curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(k, CURLOPT_HEADERFUNCTION, header);
	curl_easy_setopt(k, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(k, CURLOPT_TIMEOUT, (long)REQUEST_TIMEOUT);
	curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
	long status = 0;
	if (curl_easy_perform(k) == CURLE_OK)
		curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	return status;
}

static int retryable(long status)
{
	return status == 0 || status == 409 || status >= 500;
}

/* Sends one keyed write until it is acknowledged (returns its attempts) or given up (0). */
static int write_once(struct client *c, const char *kind, const char *url, const char *key,
                      const char *body, long ok_status)
{
	double began = now_ms();
	for (int attempt = 1;; attempt++) {
		double t0 = now_ms();
		long status = post(c, url, key, body);
		double t1 = now_ms();
		fprintf(c->log, "req %.0f %.0f %s %ld %d\n", t0, t1 - t0, kind, status, attempt);
		if (status == ok_status)
			return attempt;
		if (!retryable(status)) {
			fprintf(c->log, "bad %s %s %ld\n", kind, key, status);
			return 0;
		}
		if (t1 - began > GIVE_UP_S * 1000.0) {
			fprintf(c->log, "lost %s %s\n", kind, key);
			return 0;
		}
		usleep((useconds_t)(PAUSE_MIN_MS + rand_r(&c->seed) % PAUSE_SPREAD_MS) * 1000);
	}
}

static void *run_client(void *arg)
{
	struct client *c = arg;
	const struct options *o = c->opt;
	double end = now_ms() + o->seconds * 1000.0;
	char url[1024], key[200], body[300];
	for (long seq = 0; now_ms() < end; seq++) {
		snprintf(key, sizeof(key), "r%ld-c%d-%ld", o->run, c->n, seq);
		int s = o->nshared > 0 ? (int)((c->n + seq) % o->nshared) : 0;
		if (seq % 3 == 2 && o->nshared > 0 && c->tags[s] < 99 / o->nclients) {
			const char *id = o->shared[s];
			c->tags[s]++;
			char tag[64];
			snprintf(tag, sizeof(tag), "t%dx%ld", c->n, seq);
			snprintf(url, sizeof(url), "%s" CUSTOMERS_PREFIX "/%s/tags/%s", o->base, id,
			         tag);
			int tries = write_once(c, "tag", url, key, NULL, 200);
			if (tries > 0)
				fprintf(c->log, "ack tag %s %s %s %d %d\n", key, id, tag, tries,
				        c->replayed);
		} else {
			snprintf(url, sizeof(url), "%s" CUSTOMERS_PREFIX, o->base);
			snprintf(body, sizeof(body), "{\"name\":\"w %d-%ld\",\"type\":\"COMPANY\"}",
			         c->n, seq);
			int tries = write_once(c, "create", url, key, body, 201);
			const char *slash = strrchr(c->location, '/');
			if (tries > 0)
				fprintf(c->log, "ack create %s %s %d %d\n", key,
				        slash ? slash + 1 : "-", tries, c->replayed);
		}
		fflush(c->log);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: cluster-load BASE_URL TOKEN SECONDS CLIENTS OUTDIR "
		                "[SHARED_ID...]\n");
		return 2;
	}
	static struct options o;
	o.base = argv[1];
	snprintf(o.auth, sizeof(o.auth), "Authorization: Bearer %s", argv[2]);
	o.seconds = strtod(argv[3], NULL);
	int n = (int)strtol(argv[4], NULL, 10);
	o.outdir = argv[5];
	o.nclients = n;
	for (int i = 6; i < argc && o.nshared < MAX_SHARED; i++)
		o.shared[o.nshared++] = argv[i];
	o.run = (long)getpid() ^ (long)time(NULL);
	if (n < 1 || n > 64 || o.seconds <= 0) {
		fprintf(stderr, "cluster-load: CLIENTS 1..64 and SECONDS > 0\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_ALL);
	struct client cs[64];
	pthread_t th[64];
	int started = 0, rc = 0;
	for (int i = 0; i < n; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/client-%d.log", o.outdir, i);
		cs[i] = (struct client){.opt = &o, .n = i, .seed = (unsigned)(o.run + i)};
		cs[i].log = fopen(path, "w");
		cs[i].curl = curl_easy_init();
		if (cs[i].log == NULL || cs[i].curl == NULL) {
			fprintf(stderr, "cluster-load: cannot open %s or a curl handle\n", path);
			if (cs[i].log)
				fclose(cs[i].log);
			curl_easy_cleanup(cs[i].curl);
			rc = 1;
			break;
		}
		if (pthread_create(&th[i], NULL, run_client, &cs[i]) != 0) {
			fclose(cs[i].log);
			curl_easy_cleanup(cs[i].curl);
			rc = 1;
			break;
		}
		started++;
	}
	for (int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		fclose(cs[i].log);
		curl_easy_cleanup(cs[i].curl);
	}
	curl_global_cleanup();
	return rc;
}
