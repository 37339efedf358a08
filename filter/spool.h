/*
 * NAME
 *	spool - the filter's message store: memory up to a limit, then a
 *	temporary file
 * SYNOPSIS
 *	#include "spool.h"
 *
 *	struct spool sp;
 *	spool_init(&sp, mem_limit, tmpdir);
 *	if (spool_write(&sp, p, n, &e) < 0) ...
 *	if (spool_each(&sp, fn, ctx, &e) < 0) ...	fn(ctx, p, n) per chunk
 *	spool_free(&sp);
 * DESCRIPTION
 *	Bytes are kept in memory while the total stays within mem_limit.  The
 *	write that would pass it moves everything to an anonymous temporary
 *	file under tmpdir (created with mkstemp(3) and unlinked at once, so
 *	nothing is left behind whatever happens to the process); memory use
 *	then stays at one stdio buffer.
 *
 *	spool_write() and spool_each() return 0, or -1 with e filled.
 *	spool_each() hands the stored bytes, in order, to fn in chunks of at
 *	most 64 KB; fn returns 0 to go on, -1 to stop (spool_each then
 *	returns -1 and leaves e as fn filled it).  spool_rewind() and
 *	spool_read() read the stored bytes again as a stream (like read(2):
 *	bytes, 0 at the end, -1 error), for a batch read twice.  spool_size() is the number
 *	of bytes stored; spool_on_disk() tells whether the file is in use.
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <stdio.h>
#include <sys/types.h>

#include "buf.h"
#include "cerr.h"

struct spool {
	struct buf mem;
	FILE   *fp;
	size_t	size;
	size_t	mem_limit;
	size_t	rpos;			/* spool_read() position in mem */
	const char *tmpdir;
};

typedef int (*spool_fn) (void *ctx, const char *p, size_t n, struct cerr *e);

void	spool_init(struct spool *sp, size_t mem_limit, const char *tmpdir);
int	spool_write(struct spool *sp, const void *p, size_t n, struct cerr *e);
int	spool_each(struct spool *sp, spool_fn fn, void *ctx, struct cerr *e);
int	spool_rewind(struct spool *sp, struct cerr *e);
ssize_t	spool_read(struct spool *sp, char *p, size_t n);
size_t	spool_size(const struct spool *sp);
int	spool_on_disk(const struct spool *sp);
void	spool_free(struct spool *sp);

#endif
