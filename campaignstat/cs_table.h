/*
 * NAME
 *	cs_table - open-addressing hash table of entries that carry their hash
 * SYNOPSIS
 *	#include "cs_table.h"
 *
 *	struct cs_table t = {0};
 *	if (cs_table_reserve(&t, 64) < 0) ...		room for one more
 *	i = cs_table_find(&t, h, same, key);
 *	if (t.slot[i] == NULL)
 *		cs_table_put(&t, i, entry);
 *	cs_table_del(&t, i);
 *	for (i = 0; i < t.cap; i++) if (t.slot[i]) ...
 *	cs_table_free(&t);
 * DESCRIPTION
 *	The one table shape campaignstat uses twice: live queue ids
 *	(cs_track) and the domain and reason counters (cs_stats).  Linear
 *	probing over a power-of-two slot array kept at most half full, with
 *	backward-shift deletion, so no tombstones and short probes.  Every
 *	entry starts with a struct cs_tabent (its 64-bit hash); the table
 *	holds pointers and never allocates, copies or frees entries.
 *
 *	cs_table_reserve() makes room for one more entry, doubling the
 *	array (first size: first, a power of two); it returns 0, or -1 when
 *	out of memory (the table is unchanged).  cs_table_find() needs a
 *	table with cap > 0 and returns the slot of the entry with hash h
 *	for which same(entry, key) is true, or the empty slot where such an
 *	entry goes.  cs_table_put() fills that empty slot; cs_table_del()
 *	empties slot i.  cs_table_free() frees the slot array only.
 */
#ifndef CS_TABLE_H
#define CS_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct cs_tabent {
	uint64_t hash;
};

struct cs_table {
	void  **slot;
	size_t	cap;
	size_t	used;
};

int	cs_table_reserve(struct cs_table *t, size_t first);
size_t	cs_table_find(const struct cs_table *t, uint64_t h,
		      int (*same)(const void *entry, const void *key),
		      const void *key);
void	cs_table_put(struct cs_table *t, size_t i, void *entry);
void	cs_table_del(struct cs_table *t, size_t i);
void	cs_table_free(struct cs_table *t);

#endif
