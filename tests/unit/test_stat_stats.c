/*
 * NAME
 *	test_stat_stats - campaignstat's percentiles, rate windows, counter
 *	maps and hash table
 * DESCRIPTION
 *	Table-driven: delay percentiles against the exact sample quantile
 *	(exact below 1.28 s, within 1.6% above), the rate series' time
 *	windows (slot alignment, doubling, events before the first slot),
 *	the counter map's key limit and ordering, and cs_table insertion
 *	and backward-shift deletion under heavy hash collisions.
 * SEE ALSO
 *	campaignstat/cs_stats.h, campaignstat/cs_table.h
 */
#include <stdlib.h>
#include <string.h>

#include "testhelp.h"
#include "../../campaignstat/cs_stats.h"
#include "../../campaignstat/cs_table.h"

#define US	1000000LL

/* exact - the q-th sample (nearest rank) of 1..n times step */
static long
exact(long n, long step, double q)
{
	long	rank = (long) (q * (double) n);

	if ((double) rank < q * (double) n)
		rank++;
	return (rank < 1 ? 1 : rank) * step;
}

static void
test_percentiles(void)
{
	static const struct {
		long	n, step;	/* samples step, 2*step, ... n*step */
		double	tol;		/* relative */
	} cases[] = {
		{100, 1, 0},		/* 0.01 .. 1.00 s: exact */
		{127, 1, 0},
		{1000, 1, 0.016},
		{10000, 3, 0.016},
		{50000, 100, 0.016},	/* up to 5000 s */
		{1, 360000, 0.016},	/* one sample of an hour */
	};
	static const double qs[] = {0.5, 0.95, 0.99, 1.0};
	struct cs_hist h;
	long	i, got, want;
	size_t	c, k;
	int	fails;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		memset(&h, 0, sizeof(h));
		for (fails = 0, i = cases[c].n; i >= 1; i--)	/* any order */
			fails += cs_hist_add(&h, i * cases[c].step) != 0;
		CHECK_INT(fails, 0, "adds, n=%ld", cases[c].n);
		for (k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
			got = cs_hist_quantile(&h, qs[k]);
			want = exact(cases[c].n, cases[c].step, qs[k]);
			CHECK(got <= want && want - got <= (long) (cases[c].tol * want),
			      "n=%ld step=%ld q=%.2f: got %ld, want %ld (-%.1f%%)",
			      cases[c].n, cases[c].step, qs[k], got, want, cases[c].tol * 100);
		}
		CHECK_INT(h.max, cases[c].n * cases[c].step, "max, n=%ld", cases[c].n);
		CHECK_INT(h.count, cases[c].n, "count");
		cs_hist_free(&h);
	}
	memset(&h, 0, sizeof(h));
	CHECK_INT(cs_hist_quantile(&h, 0.5), -1, "empty histogram");
	CHECK_INT(cs_hist_add(&h, -1), 0, "absent delay ignored");
	CHECK_INT(h.count, 0, "absent delay not counted");
	cs_hist_add(&h, 100000000000L);		/* 31 years */
	got = cs_hist_quantile(&h, 0.5);
	CHECK(got <= 100000000000L && got >= 98400000000L, "31 years within 1.6%%: %ld", got);
	cs_hist_free(&h);
}

/* test_rate - the time windows of the delivery-rate series */
static void
test_rate(void)
{
	static const struct {
		const char *name;
		long long start, step;	/* s; events at start, start+step, ... */
		int	n;
		long long t0, width;	/* s */
		int	used;
	} cases[] = {
		{"one second slots", 1000, 1, 64, 1000, 1, 64},
		{"65 s: widened once", 1000, 1, 65, 1000, 2, 33},
		{"an hour at 1/s", 1000, 1, 3600, 1000, 64, 57},
		{"t0 on the first event's second", 1001, 7, 20, 1001, 4, 34},
		{"a day, one per minute", 0, 60, 1440, 0, 2048, 43},
	};
	struct cs_rate r;
	uint64_t sum;
	size_t	c;
	int	i;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		cs_rate_init(&r);
		for (i = 0; i < cases[c].n; i++)
			cs_rate_add(&r, (cases[c].start + i * cases[c].step) * US + 123);
		for (sum = 0, i = 0; i < CS_RATE_SLOTS; i++)
			sum += r.n[i];
		CHECK_INT(sum, cases[c].n, "%s: events kept", cases[c].name);
		CHECK_INT(r.width, cases[c].width * US, "%s: width", cases[c].name);
		CHECK_INT(r.used, cases[c].used, "%s: slots used", cases[c].name);
		CHECK_INT(r.t0, cases[c].t0 * US, "%s: t0", cases[c].name);
	}
	cs_rate_init(&r);
	cs_rate_add(&r, 100 * US);
	cs_rate_add(&r, 50 * US);		/* out of order, before slot 0 */
	CHECK_INT(r.n[0], 2, "an event before the first slot counts in it");
	CHECK_INT(r.used, 1, "and adds no slot");
}

static void
test_cmap(void)
{
	static const char *keys[] = {"b.example", "a.example", "c.example",
		"d.example", "b.example", "e.example", "a.example", "b.example"};
	struct cs_cmap m;
	struct cs_cent **a, *e;
	size_t	i, n;

	cs_cmap_init(&m, 3);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		e = cs_cmap_get(&m, keys[i], strlen(keys[i]));
		CHECK(e != NULL, "get %s", keys[i]);
		e->v[1]++;
	}
	n = cs_cmap_sorted(&m, 1, &a);
	CHECK_INT(n, 4, "three keys and (other)");
	CHECK_STR(a[0]->key, "b.example", "most frequent first");
	CHECK_INT(a[0]->v[1], 3, "b.example count");
	CHECK_STR(a[1]->key, "(other)", "(other) holds d and e");
	CHECK_INT(a[1]->v[1], 2, "(other) count");
	CHECK_STR(a[2]->key, "a.example", "ties by key: a");
	CHECK_STR(a[3]->key, "c.example", "ties by key: c");
	free(a);
	/* a key is its bytes: no NUL needed, prefixes differ */
	e = cs_cmap_get(&m, "a.exampleXYZ", 9);
	CHECK_INT(e->v[1], 2, "key given by length");
	e = cs_cmap_get(&m, "a.exa", 5);
	CHECK_STR(e->key, "(other)", "a prefix is another key");
	cs_cmap_free(&m);
}

struct ent {
	struct cs_tabent te;
	int	k;
};

static int
ent_same(const void *entry, const void *key)
{
	return ((const struct ent *) entry)->k == *(const int *) key;
}

static size_t
ent_find(const struct cs_table *t, int k)
{
	return cs_table_find(t, (uint64_t) (k % 7), ent_same, &k);
}

/* test_table - 5 keys share each hash: deletion must keep every run whole */
static void
test_table(void)
{
	static struct ent e[3000];
	struct cs_table t = {0};
	int	k, missing = 0, wrong = 0, nomem = 0;
	size_t	i;

	for (k = 0; k < 3000; k++) {
		e[k].te.hash = (uint64_t) (k % 7);
		e[k].k = k;
		nomem += cs_table_reserve(&t, 8) != 0;
		i = ent_find(&t, k);
		if (t.slot[i] == NULL)
			cs_table_put(&t, i, &e[k]);
	}
	CHECK_INT(nomem, 0, "reserve failures");
	CHECK_INT(t.used, 3000, "entries");
	CHECK(t.cap >= 6000, "at most half full: cap %zu", t.cap);
	for (k = 0; k < 3000; k += 3)		/* every third */
		cs_table_del(&t, ent_find(&t, k));
	for (k = 0; k < 3000; k++) {
		i = ent_find(&t, k);
		if (k % 3 == 0)
			wrong += t.slot[i] != NULL;
		else
			missing += t.slot[i] != &e[k];
	}
	CHECK_INT(t.used, 2000, "entries after deleting a third");
	CHECK_INT(missing, 0, "kept entries found");
	CHECK_INT(wrong, 0, "deleted entries gone");
	cs_table_free(&t);
	CHECK(cs_hash("", 0) == 0xcbf29ce484222325ULL, "FNV-1a offset basis");
	CHECK(cs_hash("a", 1) == 0xaf63dc4c8601ec8cULL, "FNV-1a of \"a\"");
}

int
main(void)
{
	test_percentiles();
	test_rate();
	test_cmap();
	test_table();
	return TEST_DONE("test_stat_stats");
}
