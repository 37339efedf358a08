/*
 * NAME
 *	feed_gather - the pause that lets replies gather before a wait
 * SYNOPSIS
 *	#include "feed.h"
 *
 *	gather_init(&g, max_seconds, now);
 *	p = gather_before(&g, n, awaiting, now);	pause p seconds (0: none)
 *	gather_after(&g, n, awaiting, p > 0);
 * DESCRIPTION
 *	The event loop (feed_loop.c) calls gather_before() before each
 *	epoll_wait(2), with n the sessions the last wait found ready and
 *	awaiting the sessions that await replies now; it sleeps the pause
 *	returned, then waits, then calls gather_after() with what that wait
 *	found.  Against a fast relay a pause lets the replies of several
 *	sessions arrive, so one wake-up serves them all instead of one each
 *	(campaign-feed(1), PERFORMANCE).
 *
 *	The pause adapts: after a pause that found three quarters or more
 *	of the awaiting sessions ready (the relay ran out of work while the
 *	feeder slept) it halves; after a wait that found fewer than half of
 *	them it grows by an eighth plus GATHER_STEP, never above max.  It is
 *	taken only when at least two sessions await replies, it is at least
 *	GATHER_MIN, and at the rate sessions have been becoming ready (events
 *	and turn lengths averaged over the last turns, weight 1/8) it should
 *	gather at least one more: never for one session, never against
 *	replies too far apart for a pause to save a wake-up.
 *
 *	Only the feeder's own clock readings go in; nothing here sleeps or
 *	makes a system call.
 * SEE ALSO
 *	campaign-feed(1), tests/unit/test_feed_gather.c.
 */
#include "feed.h"

#define GATHER_MIN	5e-6		/* a shorter pause is not taken, s */
#define GATHER_STEP	2e-6		/* the least a pause grows by, s */

void
gather_init(struct gather *g, double max, double now)
{
	g->max = max;
	g->pause = 0;
	g->events = g->turn = 0;
	g->last = now;
}

/* rate - sessions that became ready per second over the last turns */
static double
rate(struct gather *g, int n, double now)
{
	g->events += (n - g->events) / 8;
	g->turn += (now - g->last - g->turn) / 8;
	g->last = now;
	return g->turn > 0 ? g->events / g->turn : 0;
}

double
gather_before(struct gather *g, int n, int awaiting, double now)
{
	double	r = rate(g, n, now);

	if (awaiting < 2 || g->pause < GATHER_MIN || g->pause * r < 1)
		return 0;
	return g->pause;
}

void
gather_after(struct gather *g, int n, int awaiting, int paused)
{
	if (awaiting < 2)
		return;
	if (paused && 4 * n >= 3 * awaiting)
		g->pause /= 2;
	else if (2 * n < awaiting)
		g->pause += g->pause / 8 + GATHER_STEP;
	if (g->pause > g->max)
		g->pause = g->max;
}
