/*
 * NAME
 *	test_feed_gather - the pause that lets replies gather (feed_gather.c)
 * DESCRIPTION
 *	Each case drives gather_before() and gather_after() through turns
 *	of a simulated loop: awaiting sessions whose replies become ready
 *	at a steady rate, a turn's own work taking work seconds.  A wait
 *	with nothing ready sleeps until the next reply; otherwise it takes
 *	every reply that arrived during the work and the pause.  Checked:
 *	how many pauses were taken, the longest, and the sessions found
 *	ready a turn over the second half of the run (once the pause has
 *	settled).  Then the two adaptation steps on their own.
 */
#include <stdio.h>

#include "../../feeder/feed.h"
#include "testhelp.h"

#define TURNS	2000

static const struct {
	const char *name;
	double	max;		/* --coalesce, s */
	int	awaiting;
	double	rate;		/* replies a second */
	double	work;		/* a turn's own work, s */
	int	min_pauses, max_pauses;
	double	longest;	/* longest pause allowed, s */
	double	min_found;	/* sessions ready a turn, second half, at least */
} cases[] = {
	/* fast relay: pauses, gathers 5 or more a turn instead of 2, and
	 * stays far below --coalesce (the relay would run dry) */
	{"fast", 500e-6, 10, 100e3, 20e-6, TURNS / 2, TURNS, 80e-6, 4.5},
	/* replies 2.5 ms apart: a 500 us pause gathers nothing */
	{"sparse", 500e-6, 10, 400, 20e-6, 0, 0, 0, 1},
	/* one session: nobody else to wait for */
	{"one session", 500e-6, 1, 100e3, 20e-6, 0, 0, 0, 1},
	/* --coalesce 0 */
	{"off", 0, 10, 100e3, 20e-6, 0, 0, 0, 2},
	/* every reply already there after the work: no pause */
	{"all ready", 500e-6, 4, 1e6, 20e-6, 0, 0, 0, 4},
	/* the pause never goes above --coalesce */
	{"capped", 20e-6, 50, 100e3, 20e-6, TURNS / 2, TURNS, 20e-6, 3.5},
};

struct result {
	int	pauses;
	double	longest;
	double	found;		/* sessions ready a turn, second half */
};

/* wait_found - what one wait finds; advances *now past the wait */
static int
wait_found(int awaiting, double rate, double span, double *now)
{
	double	arrived = rate * span;
	int	n = (int)arrived;

	*now += span;
	if (n < 1) {		/* sleeps until the first reply */
		*now += (1 - arrived) / rate;
		n = 1;
	}
	return n > awaiting ? awaiting : n;
}

static void
simulate(size_t i, struct result *r)
{
	struct gather g;
	double	now = 0, p, late = 0;
	int	t, n = 0;

	gather_init(&g, cases[i].max, now);
	r->pauses = 0;
	r->longest = 0;
	for (t = 0; t < TURNS; t++) {
		p = gather_before(&g, n, cases[i].awaiting, now);
		if (p > 0)
			r->pauses++;
		if (p > r->longest)
			r->longest = p;
		n = wait_found(cases[i].awaiting, cases[i].rate, cases[i].work + p, &now);
		gather_after(&g, n, cases[i].awaiting, p > 0);
		if (t >= TURNS / 2)
			late += n;
	}
	r->found = late / (TURNS - TURNS / 2);
}

static void
run(size_t i)
{
	struct result r;

	simulate(i, &r);
	CHECK(r.pauses >= cases[i].min_pauses && r.pauses <= cases[i].max_pauses,
	      "%s: pauses: got %d, want %d..%d", cases[i].name, r.pauses,
	      cases[i].min_pauses, cases[i].max_pauses);
	CHECK(r.longest <= cases[i].longest + 1e-12, "%s: longest pause: got %.1f us, want <= %.1f",
	      cases[i].name, r.longest * 1e6, cases[i].longest * 1e6);
	CHECK(r.found >= cases[i].min_found, "%s: ready a turn: got %.2f, want >= %.2f",
	      cases[i].name, r.found, cases[i].min_found);
}

/* steps - the two adaptation steps and the two conditions */
static void
steps(void)
{
	struct gather g;

	gather_init(&g, 500e-6, 0);
	gather_after(&g, 1, 10, 0);
	CHECK(g.pause > 0, "few ready: grows from 0 (got %g)", g.pause);
	g.pause = 400e-6;
	gather_after(&g, 8, 10, 1);
	CHECK(g.pause > 199e-6 && g.pause < 201e-6, "3/4 ready after a pause: halves (got %g)", g.pause);
	gather_after(&g, 8, 10, 0);
	CHECK(g.pause > 199e-6 && g.pause < 201e-6, "3/4 ready, no pause: kept (got %g)", g.pause);
	gather_after(&g, 6, 10, 1);
	CHECK(g.pause > 199e-6 && g.pause < 201e-6, "6 of 10 ready: kept (got %g)", g.pause);
	gather_after(&g, 4, 10, 1);
	CHECK(g.pause > 200e-6, "4 of 10 ready: grows (got %g)", g.pause);
	g.pause = 490e-6;
	gather_after(&g, 1, 10, 1);
	CHECK(g.pause <= 500e-6, "never above max (got %g)", g.pause);
	gather_after(&g, 0, 1, 1);
	CHECK(g.pause <= 500e-6 && g.pause > 400e-6, "one awaiting: unchanged (got %g)", g.pause);
	CHECK(gather_before(&g, 10, 1, 0.001) == 0, "one awaiting: no pause");
}

int
main(void)
{
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(i);
	steps();
	return TEST_DONE("test_feed_gather");
}
