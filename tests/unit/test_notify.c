/* test_notify: the STATUS line the master sends systemd (pool_status_format). */
#include <string.h>

#include <criterion/criterion.h>

#include "fcgi/fcgi.h"

static const char *status(int workers, int busy, unsigned long long requests, long long slow)
{
	static char out[160];
	struct pool_figures f = {workers, busy, requests, slow};
	return pool_status_format(out, sizeof(out), &f);
}

Test(notify, status_names_workers_busy_idle_requests_and_slow)
{
	cr_assert_str_eq(status(4, 1, 1234, 0), "workers 4 busy 1 idle 3, 1,234 requests, 0 slow");
}

Test(notify, status_leaves_out_slow_while_it_is_not_counted)
{
	cr_assert_str_eq(status(2, 0, 0, -1), "workers 2 busy 0 idle 2, 0 requests");
}

Test(notify, requests_are_grouped_by_thousands)
{
	cr_assert_str_eq(status(1, 1, 999, -1), "workers 1 busy 1 idle 0, 999 requests");
	cr_assert_str_eq(status(1, 0, 1000, -1), "workers 1 busy 0 idle 1, 1,000 requests");
	cr_assert_str_eq(status(1, 0, 12345678, 1000000),
	                 "workers 1 busy 0 idle 1, 12,345,678 requests, 1,000,000 slow");
	cr_assert_str_eq(status(1, 0, 18446744073709551615ULL, -1),
	                 "workers 1 busy 0 idle 1, 18,446,744,073,709,551,615 requests");
}

Test(notify, idle_is_never_negative)
{
	/* during a reload the old generation may still be busy while counted out */
	cr_assert_str_eq(status(2, 3, 5, -1), "workers 2 busy 3 idle 0, 5 requests");
}

Test(notify, a_short_buffer_is_cut_and_terminated)
{
	char out[12];
	struct pool_figures f = {4, 1, 1234, 0};
	pool_status_format(out, sizeof(out), &f);
	cr_assert_eq(strlen(out), sizeof(out) - 1);
	cr_assert_eq(strncmp(out, "workers 4 b", sizeof(out) - 1), 0);
}
