/* test_guard: the crash-loop guard backs off exponentially to its bound, and ends by itself. */
#include <criterion/criterion.h>

#include "fcgi/scoreboard.h"

Test(guard, deaths_up_to_the_threshold_fork_at_once)
{
	struct guard g;
	guard_init(&g, 3, 10, 60);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(guard_death(&g, 100 + i), 0, "death %d", i + 1);
	cr_assert(guard_may_spawn(&g, 103));
}

Test(guard, past_the_threshold_it_waits_twice_as_long_each_time_up_to_the_bound)
{
	struct guard g;
	guard_init(&g, 2, 10, 8);
	guard_death(&g, 0);
	guard_death(&g, 0.1);
	cr_assert_eq(guard_death(&g, 0.2), 1);
	cr_assert_not(guard_may_spawn(&g, 0.5));
	cr_assert(guard_may_spawn(&g, 1.2));
	cr_assert_eq(guard_death(&g, 1.3), 2);
	cr_assert_eq(guard_death(&g, 3.4), 4);
	cr_assert_eq(guard_death(&g, 7.5), 8);
	cr_assert_eq(guard_death(&g, 15.6), 8, "the bound holds");
	cr_assert_eq(g.episodes, 1);
}

Test(guard, a_whole_interval_without_a_death_ends_the_loop)
{
	struct guard g;
	guard_init(&g, 1, 5, 60);
	guard_death(&g, 0);
	cr_assert_eq(guard_death(&g, 1), 1);
	cr_assert_eq(guard_tick(&g, 4), 0, "still within the interval");
	cr_assert_eq(guard_tick(&g, 6.1), 1);
	cr_assert_eq(g.backoff, 0);
	cr_assert(guard_may_spawn(&g, 6.1));
	cr_assert_eq(guard_tick(&g, 7), 0, "ended once");
}

Test(guard, threshold_zero_never_backs_off)
{
	struct guard g;
	guard_init(&g, 0, 10, 60);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(guard_death(&g, i * 0.01), 0);
}

Test(scoreboard, a_method_is_a_label_only_when_known)
{
	cr_assert_eq(sb_method_of("GET"), SB_GET);
	cr_assert_eq(sb_method_of("DELETE"), SB_DELETE);
	cr_assert_eq(sb_method_of("get"), SB_METHOD_OTHER);
	cr_assert_eq(sb_method_of("GET\"}"), SB_METHOD_OTHER);
	cr_assert_eq(sb_method_of(NULL), SB_METHOD_OTHER);
	cr_assert_str_eq(sb_method_name(SB_METHOD_OTHER), "OTHER");
}

Test(scoreboard, a_dead_workers_requests_stay_counted)
{
	struct scoreboard *sb = sb_new(4);
	cr_assert_not_null(sb);
	sb_configure(sb, 2, 1);
	sb_worker_started(sb, 1, 1234, 0);
	struct sb_thread *t = sb_thread_attach(sb, 1, 0);
	for (int i = 0; i < 5; i++) {
		sb_request_accepted(sb, 1, t);
		sb_request_handling(t, "GET", "r");
		sb_request_done(sb, 1, t, NULL, 200, 1000, 10);
	}
	sb_request_accepted(sb, 1, t); /* killed inside this one */
	cr_assert_eq(sb_busy(sb, 1), 1);
	sb_worker_ended(sb, 1);
	cr_assert_eq(sb_busy(sb, 1), 0);
	cr_assert_eq(sb_requests(sb), 5);
	cr_assert_eq(atomic_load(&sb->accepted), 6);
	obs_attach(NULL, NULL);
	sb_free(sb);
}
