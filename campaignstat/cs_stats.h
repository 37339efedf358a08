/*
 * NAME
 *	cs_stats - bounded summaries: delay histogram, rate series, counter maps
 * SYNOPSIS
 *	#include "cs_stats.h"
 *
 *	struct cs_hist h = {0};
 *	cs_hist_add(&h, 37);			37/100 s
 *	p95 = cs_hist_quantile(&h, 0.95);	in 1/100 s
 *
 *	struct cs_rate r;
 *	cs_rate_init(&r);
 *	cs_rate_add(&r, t_us);
 *
 *	struct cs_cmap m;
 *	cs_cmap_init(&m, 10000);
 *	struct cs_cent *c = cs_cmap_get(&m, key, n);	c->v[0]++ ...
 *	n = cs_cmap_sorted(&m, col, &array);		most frequent first
 * DESCRIPTION
 *	cs_hist is a log-linear histogram (HDR histogram style) of delays in
 *	hundredths of a second: exact below 1.28 s, then 64 buckets per power
 *	of two, so a quantile is within 1.6% of the true sample whatever the
 *	number of samples; its size is fixed (CS_HIST_BUCKETS counters).
 *	cs_hist_quantile() returns the lower bound of the bucket holding the
 *	q-th sample, or -1 when empty.  Its counters are allocated at the
 *	first cs_hist_add(); cs_hist_add() returns -1 when out of memory.
 *
 *	cs_rate counts events over time in CS_RATE_SLOTS slots of one width.
 *	The width starts at one second and doubles (merging slot pairs)
 *	whenever an event falls past the last slot, so any span fits in a
 *	fixed size.  An event before the first slot counts in the first.
 *
 *	cs_cmap counts per string key (recipient domain, DSN and reason),
 *	with CS_CMAP_COLS counters per key, in a cs_table.  At most max keys are kept; any
 *	further key is counted under CS_CMAP_OTHER.  Keys are copied.
 *	cs_cmap_get() returns NULL only when out of memory.
 *	cs_cmap_sorted() hands out a malloc'd array of entry pointers sorted
 *	by column col, largest first (ties by key); the caller frees the
 *	array, not the entries.
 */
#ifndef CS_STATS_H
#define CS_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "cs_table.h"

#define CS_HIST_SUB	64
#define CS_HIST_BUCKETS	(2 * CS_HIST_SUB + 40 * CS_HIST_SUB)
#define CS_RATE_SLOTS	64
#define CS_CMAP_COLS	5
#define CS_CMAP_OTHER	"(other)"

struct cs_hist {
	uint32_t *n;
	uint64_t count;
	long	max;
};

struct cs_rate {
	long long t0;			/* start of slot 0, microseconds */
	long long width;		/* slot width, microseconds */
	int	used;			/* slots in use */
	uint64_t n[CS_RATE_SLOTS];
};

struct cs_cent {
	struct cs_tabent te;		/* hash of the key; first */
	char   *key;
	uint64_t v[CS_CMAP_COLS];
};

struct cs_cmap {
	struct cs_table tab;		/* struct cs_cent */
	size_t	max;
	struct cs_cent *other;
};

int	cs_hist_add(struct cs_hist *h, long v);
long	cs_hist_quantile(const struct cs_hist *h, double q);
void	cs_hist_free(struct cs_hist *h);

void	cs_rate_init(struct cs_rate *r);
void	cs_rate_add(struct cs_rate *r, long long t_us);

void	cs_cmap_init(struct cs_cmap *m, size_t max);
struct cs_cent *cs_cmap_get(struct cs_cmap *m, const char *key, size_t n);
size_t	cs_cmap_sorted(const struct cs_cmap *m, int col, struct cs_cent ***out);
void	cs_cmap_free(struct cs_cmap *m);

uint64_t cs_hash(const void *p, size_t n);

#endif
