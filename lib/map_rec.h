/*
 * NAME
 *	map_rec - the records of a hash: table as postmap writes them: key
 *	folding, the trailing-NUL form, get, put, delete, one cursor
 *	(private to the map_* modules of lib/)
 * SYNOPSIS
 *	#include "map_rec.h"
 *
 *	char k[MAP_KEY_MAX + 1]; size_t klen;
 *	if (map_rec_fold(key, k, &klen, &e) < 0) ...
 *	map_lock(m, LOCK_SH, &e);
 *	r = map_rec_get(m, k, klen, &val, &e);	1 found, 0 not, -1 error
 *	map_unlock(m, 0, NULL);
 * DESCRIPTION
 *	The caller holds the map's lock (map_lock()) around every
 *	call but map_rec_fold(); these are the steps that map_db.c's public
 *	functions and map_access.c's multi-probe lookup put under one lock.
 *
 *	map_rec_fold() checks a key (not empty, at most MAP_KEY_MAX bytes,
 *	no CR or LF) and writes it folded to lower case into out; 0 or -1.
 *	map_rec_get() and map_rec_del() use the table's NUL form, or try
 *	both while it is unknown and remember the one found, as Postfix's
 *	dict_db_lookup() and dict_db_delete() do; 1 done, 0 not there, -1
 *	error (the handle is then reopened before its next use).  val gets
 *	the value without the table's trailing NUL.
 *	map_rec_put() stores key -> value in the table's form (an empty
 *	table's form is the first record's, else postmap's default with the
 *	NUL); 0 or -1.
 *	map_rec_walk() calls fn for every pair (copies without the trailing
 *	NUL) until fn returns non-zero, which is returned; 0 at the end, -1
 *	on a database error.
 * SEE ALSO
 *	map_handle.h, map_db.h; Postfix src/util/dict_db.c.
 */
#ifndef MAP_REC_H
#define MAP_REC_H

#include <stddef.h>

#include "map_db.h"
#include "map_handle.h"

typedef int map_walk_fn(const char *key, size_t klen, const char *val, size_t vlen,
			void *ctx);

int	map_rec_fold(const char *key, char out[MAP_KEY_MAX + 1], size_t *len,
		     struct cerr *e);
int	map_rec_get(struct map_db *m, const char *key, size_t klen, struct buf *val,
		    struct cerr *e);
int	map_rec_del(struct map_db *m, const char *key, size_t klen, struct cerr *e);
int	map_rec_put(struct map_db *m, const char *key, size_t klen, const char *value,
		    struct cerr *e);
int	map_rec_walk(struct map_db *m, map_walk_fn *fn, void *ctx, struct cerr *e);

#endif
