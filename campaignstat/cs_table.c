/*
 * NAME
 *	cs_table - open-addressing hash table (see cs_table.h)
 * SEE ALSO
 *	cs_table.h; Knuth TAOCP 6.4 algorithm R (deletion with linear probing).
 */
#include <stdlib.h>

#include "cs_table.h"

static uint64_t
hash_of(const void *entry)
{
	return ((const struct cs_tabent *) entry)->hash;
}

int
cs_table_reserve(struct cs_table *t, size_t first)
{
	size_t	ncap, i, j;
	void  **ns;

	if ((t->used + 1) * 2 <= t->cap)
		return 0;
	ncap = t->cap ? t->cap * 2 : first;
	if ((ns = calloc(ncap, sizeof(*ns))) == NULL)
		return -1;
	for (i = 0; i < t->cap; i++) {
		if (t->slot[i] == NULL)
			continue;
		for (j = hash_of(t->slot[i]) & (ncap - 1); ns[j]; j = (j + 1) & (ncap - 1))
			;
		ns[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = ns;
	t->cap = ncap;
	return 0;
}

size_t
cs_table_find(const struct cs_table *t, uint64_t h,
	      int (*same)(const void *entry, const void *key), const void *key)
{
	size_t	i, mask = t->cap - 1;

	for (i = h & mask; t->slot[i]; i = (i + 1) & mask)
		if (hash_of(t->slot[i]) == h && same(t->slot[i], key))
			break;
	return i;
}

void
cs_table_put(struct cs_table *t, size_t i, void *entry)
{
	t->slot[i] = entry;
	t->used++;
}

/* cs_table_del - move back each later entry of the run that may fill i */
void
cs_table_del(struct cs_table *t, size_t i)
{
	size_t	mask = t->cap - 1, j, k;

	for (j = (i + 1) & mask; t->slot[j]; j = (j + 1) & mask) {
		k = hash_of(t->slot[j]) & mask;
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			t->slot[i] = t->slot[j];
			i = j;
		}
	}
	t->slot[i] = NULL;
	t->used--;
}

void
cs_table_free(struct cs_table *t)
{
	free(t->slot);
	t->slot = NULL;
	t->cap = t->used = 0;
}
