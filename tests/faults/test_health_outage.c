/* test_health_outage: GET /health turns 503 + Retry-After within a second of MariaDB stopping, and 200 once it is back. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/faults/faults.h"

#define MAX_PROBES 4096

/* What a load balancer would see: a probe every 20 ms, no token. */
struct probes {
	pthread_t tid;
	atomic_int stop;
	size_t n;
	struct {
		double t0, t1;
		long status;
		int retry_after, error_json;
	} p[MAX_PROBES];
};

static void *probe_loop(void *arg)
{
	struct probes *pr = arg;
	CURL *h = curl_easy_init();
	while (!atomic_load(&pr->stop) && pr->n < MAX_PROBES && h != NULL) {
		struct fx_resp r;
		fx_request(h, "GET", "/health", NULL, NULL, &r);
		pr->p[pr->n].t0 = r.t0;
		pr->p[pr->n].t1 = r.t1;
		pr->p[pr->n].status = r.status;
		pr->p[pr->n].retry_after = r.retry_after;
		pr->p[pr->n].error_json = r.error_json;
		pr->n++;
		fx_resp_free(&r);
		fx_sleep(0.02);
	}
	curl_easy_cleanup(h);
	return NULL;
}

/* The index of the first probe sent at or after t with the given status, or -1. */
static long first_after(const struct probes *pr, double t, long status)
{
	for (size_t i = 0; i < pr->n; i++)
		if (pr->p[i].t0 >= t && pr->p[i].status == status)
			return (long)i;
	return -1;
}

static double wait_db_up(double timeout)
{
	double t0 = fx_now();
	while (fx_now() - t0 < timeout) {
		MYSQL *c = fx_db_try(NULL, 1);
		if (c != NULL) {
			mysql_close(c);
			return fx_now();
		}
		fx_sleep(0.01);
	}
	return -1;
}

Test(health_outage, probe_is_503_with_retry_after_while_the_database_is_down, .init = fx_setup,
     .timeout = 90)
{
	struct probes *pr = calloc(1, sizeof(*pr));
	cr_assert_not_null(pr);
	cr_assert_eq(pthread_create(&pr->tid, NULL, probe_loop, pr), 0);
	fx_sleep(0.5);
	double t_stop = fx_now();
	char out[4096];
	int stopped = fx_ctl("db-stop", NULL, out, sizeof(out)); /* SIGTERM by pid, waits */
	double t_down = fx_now();
	fx_sleep(1.5);
	double t_launch = fx_now();
	pid_t starter = fx_ctl_spawn("db-start", NULL);
	double t_up = wait_db_up(60);
	int started = fx_ctl_wait(starter);
	fx_sleep(2.5);
	atomic_store(&pr->stop, 1);
	pthread_join(pr->tid, NULL);

	cr_assert_eq(stopped, 0, "db-stop failed: %s", out);
	cr_assert_eq(started, 0, "MariaDB did not start again");
	cr_assert_geq(t_up, 0, "MariaDB accepts no connection after its restart");

	size_t before = 0, during = 0, slowest = 0;
	for (size_t i = 0; i < pr->n; i++) {
		if (pr->p[i].t1 < t_stop) {
			cr_assert_eq(pr->p[i].status, 200, "probe %zu before the stop: %ld", i,
			             pr->p[i].status);
			before++;
		}
		if (pr->p[i].t0 >= t_down && pr->p[i].t1 < t_launch) {
			cr_assert_eq(pr->p[i].status, 503, "probe %zu with the database down: %ld",
			             i, pr->p[i].status);
			cr_assert(pr->p[i].retry_after && pr->p[i].error_json,
			          "probe %zu: a 503 without Retry-After or the API's error shape",
			          i);
			during++;
			if (pr->p[i].t1 - pr->p[i].t0 > pr->p[slowest].t1 - pr->p[slowest].t0)
				slowest = i;
		}
	}
	long first_503 = first_after(pr, t_stop, 503);
	long first_200 = first_after(pr, t_up, 200);
	fprintf(stderr,
	        "faults: health_outage: %zu probes (%zu before the stop, %zu during the outage); "
	        "the stop took %.3f s; first 503 %.3f s after it began; first 200 %.3f s after "
	        "the database was back\n",
	        pr->n, before, during, t_down - t_stop,
	        first_503 < 0 ? -1.0 : pr->p[first_503].t1 - t_stop,
	        first_200 < 0 ? -1.0 : pr->p[first_200].t1 - t_up);
	cr_assert_gt(before, 5, "only %zu probes before the stop", before);
	cr_assert_gt(during, 10, "only %zu probes while the database was down", during);
	cr_assert_geq(first_503, 0, "no 503 while the database was down");
	cr_assert_leq(pr->p[first_503].t1 - t_down, 1.0,
	              "the first 503 came %.3f s after the database was gone (limit 1 s)",
	              pr->p[first_503].t1 - t_down);
	cr_assert_leq(pr->p[slowest].t1 - pr->p[slowest].t0, 1.0,
	              "a probe took %.3f s with the database down",
	              pr->p[slowest].t1 - pr->p[slowest].t0);
	cr_assert_geq(first_200, 0, "no 200 after the database came back");
	cr_assert_leq(pr->p[first_200].t1 - t_up, 2.0,
	              "the first 200 came %.3f s after the database was back (limit 2 s)",
	              pr->p[first_200].t1 - t_up);
	for (size_t i = 0; i < pr->n; i++)
		if (pr->p[i].t0 >= t_up + 2.0)
			cr_assert_eq(pr->p[i].status, 200,
			             "probe %zu, 2 s after the database was back: %ld", i,
			             pr->p[i].status);
	free(pr);
}
