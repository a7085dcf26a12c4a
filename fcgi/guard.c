/* guard: the master's crash-loop guard — workers dying too often make it wait before forking, longer each time. */
#include <string.h>

#include "fcgi/scoreboard.h"

void guard_init(struct guard *g, int threshold, int interval, int max_backoff)
{
	memset(g, 0, sizeof(*g));
	g->threshold = threshold;
	g->interval = interval;
	g->max_backoff = max_backoff < 1 ? 1 : max_backoff;
}

/* Deaths recorded within the last interval seconds before now. */
static int recent(const struct guard *g, double now)
{
	int n = 0;
	for (int k = 0; k < g->ndeaths && k < GUARD_KEEP; k++)
		n += now - g->death[k] <= g->interval;
	return n;
}

double guard_death(struct guard *g, double now)
{
	g->death[g->head] = now;
	g->head = (g->head + 1) % GUARD_KEEP;
	if (g->ndeaths < GUARD_KEEP)
		g->ndeaths++;
	g->last_death = now;
	g->recent = recent(g, now);
	if (g->threshold <= 0 || (g->backoff == 0 && g->recent <= g->threshold))
		return 0;
	/* in a loop: 1 s, then twice as long after each death, up to the bound */
	if (g->backoff == 0) {
		g->backoff = 1;
		g->episodes++;
	} else {
		g->backoff = g->backoff * 2 > g->max_backoff ? g->max_backoff : g->backoff * 2;
	}
	g->next_spawn = now + g->backoff;
	return g->backoff;
}

int guard_may_spawn(const struct guard *g, double now)
{
	return g->backoff == 0 || now >= g->next_spawn;
}

int guard_tick(struct guard *g, double now)
{
	g->recent = recent(g, now);
	/* over when a whole interval passed without a death: the cause went away */
	if (g->backoff == 0 || now - g->last_death < g->interval)
		return 0;
	g->backoff = 0;
	g->next_spawn = 0;
	return 1;
}
