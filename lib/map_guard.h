/*
 * NAME
 *	map_guard - run one Berkeley DB call under a SIGSEGV/SIGBUS guard
 * SYNOPSIS
 *	#include "map_guard.h"
 *
 *	map_guard_install();			once per process (idempotent)
 *	struct dbop op = {.kind = OP_GET, .db = db, .k = &k, .v = &v};
 *	err = map_guard_call(&op, &faulted);	Berkeley DB's return value
 *	if (faulted) map_guard_bury(db, env);	keep the abandoned handle
 * DESCRIPTION
 *	Berkeley DB trusts the pages it reads: a hash file with garbage
 *	inside can make it follow a wild pointer.  map_guard_call() makes
 *	the one call that op describes; a SIGSEGV or SIGBUS inside it jumps
 *	back, sets *faulted to 1 and returns DB_RUNRECOVERY.  Otherwise
 *	*faulted is 0 and the call's own result is returned.
 *
 *	After a fault the library's state inside that handle cannot be
 *	trusted: the caller must not call into it again (not even to close
 *	it).  map_guard_bury() keeps a reference to such a handle (the first
 *	MAP_GRAVE_MAX of them), so that leak checkers see memory kept on
 *	purpose, not lost.
 *
 *	map_guard_install() puts the handler in place once per process
 *	(pthread_once); a fault outside a guarded call goes to the handler
 *	that was there before.
 * SEE ALSO
 *	map_handle.h (map_call(), its caller), map_db.h.
 */
#ifndef MAP_GUARD_H
#define MAP_GUARD_H

#include <db.h>

#define MAP_GRAVE_MAX	64

enum dbop_kind { OP_OPEN, OP_GET, OP_PUT, OP_DEL, OP_CGET, OP_SYNC, OP_CLOSE };

/* one Berkeley DB call: the fields its kind uses */
struct dbop {
	enum dbop_kind kind;
	DB     *db;
	DBC    *c;
	DBT    *k, *v;
	const char *name;		/* OP_OPEN: file name */
	u_int32_t flags;		/* OP_OPEN: open flags; OP_CGET: DB_FIRST, DB_NEXT */
};

void	map_guard_install(void);
int	map_guard_call(struct dbop *op, int *faulted);
void	map_guard_bury(DB *db, DB_ENV *env);

#endif
