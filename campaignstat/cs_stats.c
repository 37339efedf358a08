/*
 * NAME
 *	cs_stats - delay histogram, rate series, counter maps (see cs_stats.h)
 * SEE ALSO
 *	cs_stats.h; HdrHistogram (the bucket layout).
 */
#include <stdlib.h>
#include <string.h>

#include "cs_stats.h"

/* cs_hash - FNV-1a, 64 bits: short keys, no alignment needs */
uint64_t
cs_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 14695981039346656037ULL;	/* 0xcbf29ce484222325 */

	while (n--) {
		h ^= *s++;
		h *= 1099511628211ULL;
	}
	return h;
}

/* bucket_of - exact below 2*SUB, then SUB buckets per power of two */
static int
bucket_of(unsigned long v)
{
	int	msb, shift, idx;

	if (v < 2 * CS_HIST_SUB)
		return (int) v;
	msb = 63 - __builtin_clzl(v);
	shift = msb - 6;			/* keeps 7 significant bits */
	idx = 2 * CS_HIST_SUB + (msb - 7) * CS_HIST_SUB
	    + (int) ((v >> shift) - CS_HIST_SUB);
	return idx < CS_HIST_BUCKETS ? idx : CS_HIST_BUCKETS - 1;
}

/* bucket_low - the smallest value in bucket idx */
static long
bucket_low(int idx)
{
	int	e, m;

	if (idx < 2 * CS_HIST_SUB)
		return idx;
	e = (idx - 2 * CS_HIST_SUB) / CS_HIST_SUB;
	m = (idx - 2 * CS_HIST_SUB) % CS_HIST_SUB + CS_HIST_SUB;
	return (long) m << (e + 1);
}

int
cs_hist_add(struct cs_hist *h, long v)
{
	if (v < 0)
		return 0;
	if (h->n == NULL
	    && (h->n = calloc(CS_HIST_BUCKETS, sizeof(*h->n))) == NULL)
		return -1;
	h->n[bucket_of((unsigned long) v)]++;
	h->count++;
	if (v > h->max)
		h->max = v;
	return 0;
}

long
cs_hist_quantile(const struct cs_hist *h, double q)
{
	uint64_t want, seen = 0;
	int	i;

	if (h->count == 0)
		return -1;
	want = (uint64_t) (q * (double) h->count + 0.999999);
	if (want < 1)
		want = 1;
	for (i = 0; i < CS_HIST_BUCKETS; i++) {
		seen += h->n[i];
		if (seen >= want)
			return bucket_low(i) < h->max ? bucket_low(i) : h->max;
	}
	return h->max;
}

void
cs_hist_free(struct cs_hist *h)
{
	free(h->n);
	memset(h, 0, sizeof(*h));
}

void
cs_rate_init(struct cs_rate *r)
{
	memset(r, 0, sizeof(*r));
	r->width = 1000000;
}

/* rate_widen - double the slot width, merging pairs */
static void
rate_widen(struct cs_rate *r)
{
	int	i;

	for (i = 0; i < CS_RATE_SLOTS / 2; i++)
		r->n[i] = r->n[2 * i] + r->n[2 * i + 1];
	memset(r->n + CS_RATE_SLOTS / 2, 0, sizeof(r->n) / 2);
	r->used = (r->used + 1) / 2;
	r->width *= 2;
}

void
cs_rate_add(struct cs_rate *r, long long t)
{
	long long idx;

	if (r->used == 0)
		r->t0 = t - t % r->width;
	idx = t < r->t0 ? 0 : (t - r->t0) / r->width;
	while (idx >= CS_RATE_SLOTS) {
		rate_widen(r);
		idx = (t - r->t0) / r->width;
	}
	r->n[idx]++;
	if (idx + 1 > r->used)
		r->used = (int) idx + 1;
}

void
cs_cmap_init(struct cs_cmap *m, size_t max)
{
	memset(m, 0, sizeof(*m));
	m->max = max;
}

static struct cs_cent *
cent_new(const char *key, size_t n, uint64_t h)
{
	struct cs_cent *c = calloc(1, sizeof(*c));

	if (c == NULL || (c->key = malloc(n + 1)) == NULL) {
		free(c);
		return NULL;
	}
	memcpy(c->key, key, n);
	c->key[n] = 0;
	c->te.hash = h;
	return c;
}

struct cent_key {
	const char *p;
	size_t	n;
};

/* cent_same - cs_table comparison: is entry the key p[0..n)? */
static int
cent_same(const void *entry, const void *key)
{
	const struct cs_cent *c = entry;
	const struct cent_key *k = key;

	return strncmp(c->key, k->p, k->n) == 0 && c->key[k->n] == 0;
}

/* cmap_other - the catch-all entry once max keys are in use */
static struct cs_cent *
cmap_other(struct cs_cmap *m)
{
	if (m->other == NULL)
		m->other = cent_new(CS_CMAP_OTHER, strlen(CS_CMAP_OTHER), 0);
	return m->other;
}

struct cs_cent *
cs_cmap_get(struct cs_cmap *m, const char *key, size_t n)
{
	uint64_t h = cs_hash(key, n);
	struct cent_key k = {key, n};
	size_t	i;
	struct cs_cent *c;

	if (m->tab.used < m->max && cs_table_reserve(&m->tab, 64) < 0)
		return NULL;
	if (m->tab.cap == 0)
		return cmap_other(m);
	i = cs_table_find(&m->tab, h, cent_same, &k);
	if (m->tab.slot[i] != NULL)
		return m->tab.slot[i];
	if (m->tab.used >= m->max)
		return cmap_other(m);
	if ((c = cent_new(key, n, h)) == NULL)
		return NULL;
	cs_table_put(&m->tab, i, c);
	return c;
}

/* cent_cmp - qsort_r() order: column *colp, largest first, ties by key */
static int
cent_cmp(const void *a, const void *b, void *colp)
{
	const struct cs_cent *x = *(struct cs_cent * const *) a;
	const struct cs_cent *y = *(struct cs_cent * const *) b;
	int	col = *(const int *) colp;

	if (x->v[col] != y->v[col])
		return x->v[col] > y->v[col] ? -1 : 1;
	return strcmp(x->key, y->key);
}

size_t
cs_cmap_sorted(const struct cs_cmap *m, int col, struct cs_cent ***out)
{
	size_t	i, n = 0;
	struct cs_cent **a = malloc((m->tab.used + 1) * sizeof(*a));

	*out = a;
	if (a == NULL)
		return 0;
	for (i = 0; i < m->tab.cap; i++)
		if (m->tab.slot[i])
			a[n++] = m->tab.slot[i];
	if (m->other)
		a[n++] = m->other;
	qsort_r(a, n, sizeof(*a), cent_cmp, &col);
	return n;
}

void
cs_cmap_free(struct cs_cmap *m)
{
	struct cs_cent *c;
	size_t	i;

	for (i = 0; i < m->tab.cap; i++)
		if ((c = m->tab.slot[i]) != NULL) {
			free(c->key);
			free(c);
		}
	if (m->other) {
		free(m->other->key);
		free(m->other);
	}
	cs_table_free(&m->tab);
	memset(m, 0, sizeof(*m));
}
