/*
 * NAME
 *	map_db - Postfix hash: tables (Berkeley DB 5.3 DB_HASH), as postmap
 *	writes and Postfix reads them
 * SYNOPSIS
 *	#include "map_db.h"
 *
 *	struct map_db *m = map_db_open("hash:/etc/postfix/campaign/suppression",
 *					MAP_RDONLY, &e);
 *	struct buf val; buf_init(&val, MAP_VALUE_MAX);
 *	r = map_db_lookup(m, "User@Example.COM", &val, &e);  1 found, 0 not, -1 error
 *	map_db_close(m);
 * DESCRIPTION
 *	A table is named as Postfix names it, "hash:/path/name" (a bare path is
 *	taken as hash:); the file is /path/name.db.
 *
 *	Keys are folded to lower case.  Writes append the trailing NUL byte
 *	to key and value (postmap's default), unless the table is known to
 *	use the other form (postmap -N writes the NUL, -n does not; a table
 *	found with or without it keeps that form).  The first lookup tries
 *	both forms and remembers whichever the file uses, as Postfix's
 *	dict_db.c does.
 *
 *	Each lookup holds a shared flock(2) on the .db file, each update an
 *	exclusive one, as Postfix does.  Before every lookup the file is
 *	stat()ed; a change of inode, device, mtime (with nanoseconds), size or
 *	link count (rebuilt in place by postmap, or replaced by rename) makes
 *	the map reopen it, so a running milter or filter sees a rebuilt table
 *	without a restart.
 *
 *	map_db_open() flags: MAP_RDONLY, or MAP_RDWR (| MAP_CREATE to create a
 *	missing table, | MAP_BULK for a large Berkeley DB cache, MAP_BULK_CACHE
 *	bytes instead of Postfix's 128 kB read buffer or its 16 MB create
 *	buffer).  Returns NULL with e filled on failure (missing file, not a
 *	Berkeley DB hash file, unsupported type such as "btree:"); errno is
 *	ENOENT when the table does not exist, EACCES when it is not ours.  The map
 *	owns its memory; map_db_close() frees it.
 *	map_db_lookup() returns 1 and sets val (binary-safe, NUL-terminated,
 *	without the table's trailing NUL) when found, 0 when not, -1 on error
 *	(key too long, empty or containing NUL/CR/LF, a database error).  An
 *	error fails that one lookup, never the process.
 *	map_db_update() stores key -> value (replacing); 0 or -1.
 *	map_db_delete() returns 1 deleted, 0 not there, -1 error.
 *	map_db_walk() calls fn for every pair (key and value without the
 *	trailing NUL) under one shared lock; fn returns 0 to go on, non-zero
 *	to stop (that value is returned).  -1 on a database error.
 *	map_db_begin()/map_db_commit() bracket a batch of updates under one
 *	exclusive lock with one sync at commit (fast bulk import); readers
 *	(and Postfix) wait for commit.  Updates outside a batch sync each time.
 *	map_db_close() commits an open batch, flushes and closes.
 *	A map is not for concurrent use by several threads; a process that
 *	opens the same table twice must not nest calls (flock(2) locks of two
 *	descriptors conflict even within one process).  map_db_walk()'s fn
 *	must not call the same map.
 *
 *	Corrupt files: Berkeley DB trusts its pages, so every call into it
 *	runs under a SIGSEGV/SIGBUS guard (installed by the first
 *	map_db_open(), process-wide; a fault outside Berkeley DB goes to the
 *	previous handler).  A fault inside fails that one operation with
 *	"memory fault inside Berkeley DB: the file is corrupt"; later ones
 *	fail the same way until the file changes, then reopen it (one
 *	abandoned handle per corrupt file; its memory is not freed).
 *	Under AddressSanitizer its memcmp interceptor reports such reads
 *	first.
 *
 *	Reopening: a changed file (see above) is reopened under the lock, and
 *	the remembered NUL form is forgotten (postmap -n may have rebuilt it).
 *	Any Berkeley DB error on a lookup marks the map for a reopen, so a
 *	table repaired by postmap is picked up even after corruption.
 *
 *	suppress_lookup() asks the table as Postfix's check_recipient_access
 *	asks an access(5) table for an address key local@domain (folded, as
 *	addr_key() writes it), all probes under one shared lock: the full
 *	address, then "@domain", then the domain and each parent domain (as
 *	parent_domain_matches_subdomains does for smtpd_access_maps), then
 *	"local@"; a bare domain key is probed as the domain and its parents.
 *	The first entry found decides: 1 with the action in val when it is
 *	anything but OK / DUNNO / a number 2xx, else 0; -1 on error.
 *
 *	Inside lib/ the work is split by job: map_db.c opens, locks, watches,
 *	reopens and closes the file and runs batches; map_guard.c guards
 *	Berkeley DB calls against SIGSEGV/SIGBUS and keeps the abandoned
 *	handles; map_rec.c reads and writes records (key folding, the NUL
 *	form, one cursor) and holds lookup, update, delete and walk;
 *	map_access.c holds the access(5) lookup order.
 * SEE ALSO
 *	map_handle.h, map_rec.h, map_guard.h (private to lib/); Postfix
 *	src/util/dict_db.c, postmap(1), access(5).
 */
#ifndef MAP_DB_H
#define MAP_DB_H

#include "buf.h"
#include "cerr.h"

#define MAP_RDONLY	0
#define MAP_RDWR	1
#define MAP_CREATE	2
#define MAP_BULK	4	/* large cache, for map_db_begin() imports */

#define MAP_KEY_MAX	1024
#define MAP_VALUE_MAX	(64 * 1024)
#define MAP_BULK_CACHE	(256 * 1024 * 1024)

struct map_db;

struct map_db *map_db_open(const char *name, int flags, struct cerr *e);
int	map_db_lookup(struct map_db *m, const char *key, struct buf *val, struct cerr *e);
int	map_db_update(struct map_db *m, const char *key, const char *value, struct cerr *e);
int	map_db_delete(struct map_db *m, const char *key, struct cerr *e);
int	map_db_walk(struct map_db *m,
		    int (*fn)(const char *key, size_t klen, const char *val, size_t vlen, void *ctx),
		    void *ctx, struct cerr *e);
int	map_db_begin(struct map_db *m, struct cerr *e);
int	map_db_commit(struct map_db *m, struct cerr *e);
const char *map_db_path(const struct map_db *m);
void	map_db_close(struct map_db *m);

int	suppress_lookup(struct map_db *m, const char *addr_key, struct buf *val,
			struct cerr *e);

#endif
