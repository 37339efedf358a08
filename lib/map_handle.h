/*
 * NAME
 *	map_handle - the inside of a hash: table's handle: struct map_db and
 *	what map_db.c gives map_rec.c and map_access.c (private to lib/)
 * SYNOPSIS
 *	#include "map_handle.h"
 *
 *	if (map_lock(m, LOCK_SH, &e) < 0) return -1;
 *	... map_call(m, &op) ...		guarded Berkeley DB calls
 *	(void)map_unlock(m, 0, NULL);
 * DESCRIPTION
 *	struct map_db is defined here for map_db.c, map_rec.c and
 *	map_access.c; callers outside lib/ see it only through map_db.h.
 *	The functions below are defined in map_db.c.
 *
 *	map_lock() takes the flock(2) (op: LOCK_SH or LOCK_EX) for one
 *	operation, reopening the file first when it changed or an
 *	earlier error (m->broken) left the handle suspect.  0, or -1 with e
 *	filled.  Inside a batch the lock is held already and nothing is
 *	done.
 *	map_unlock() ends that operation: when wrote, it syncs, then
 *	records the file's identity (so our own write is not taken for a
 *	rebuild) and unlocks.  0, or -1 when the sync failed.
 *	map_call() runs one Berkeley DB call under the fault guard
 *	(map_guard.h); after a fault the handle is abandoned (descriptors
 *	closed, the handle buried, m->faulted set) and DB_RUNRECOVERY is
 *	returned.
 *	map_fail() fills e with what failed, the path, db_strerror(err)
 *	and Berkeley DB's last message; always -1.
 *	map_writable() refuses (-1) a map opened read-only.
 * SEE ALSO
 *	map_db.h (the public API), map_guard.h, map_rec.h.
 */
#ifndef MAP_HANDLE_H
#define MAP_HANDLE_H

#include <sys/file.h>
#include <sys/stat.h>

#include <db.h>

#include "cerr.h"
#include "map_guard.h"

enum map_form { FORM_UNKNOWN, FORM_NUL, FORM_NONUL };

struct map_db {
	char   *name;			/* as given */
	char   *path;			/* /path/name.db */
	char   *dir;			/* its directory: the DB home */
	const char *base;		/* its base name, inside path */
	int	flags;			/* MAP_* */
	int	lock_fd;		/* our descriptor: flock and identity */
	int	dbfd;			/* Berkeley DB's descriptor */
	DB_ENV *env;
	DB     *db;
	struct stat id;			/* identity when opened / last written */
	enum map_form form;		/* trailing-NUL convention in use */
	int	batch;			/* inside map_db_begin() */
	int	broken;			/* reopen before the next use */
	int	faulted;		/* abandoned after a fault: wait for a new file */
	char	dberr[256];		/* last Berkeley DB message */
};

int	map_lock(struct map_db *m, int op, struct cerr *e);
int	map_unlock(struct map_db *m, int wrote, struct cerr *e);
int	map_call(struct map_db *m, struct dbop *op);
int	map_fail(struct map_db *m, struct cerr *e, const char *what, int err);
int	map_writable(const struct map_db *m, struct cerr *e);

#endif
