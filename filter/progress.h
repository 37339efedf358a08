/*
 * NAME
 *	progress - what a batch has done so far, kept in filter_state_dir
 *	so that a retried batch sends no copy twice
 * SYNOPSIS
 *	#include "progress.h"
 *
 *	struct progress pg;
 *	if (progress_open(&pg, dir, campaign, batch, max, sync_every, &e) < 0) ...
 *	if (progress_done(&pg, idx)) skip;		recorded by an earlier run
 *	progress_add(&pg, idx, PG_SENT, qid, &e);	one write(2) per record
 *	progress_close(&pg, remove);			remove: the batch is done
 * DESCRIPTION
 *	One file per batch, DIR/CAMPAIGN+BATCH, opened with O_APPEND and
 *	locked (flock, not waiting: a second process on the same batch is
 *	refused).  Each line is "INDEX KIND [QID]": KIND s (the listener
 *	accepted the copy), x (suppressed), b (bad record), r (refused by
 *	the listener for good: a 5xx), and "0 l" after the queue ids of the copies
 *	before it were logged.  Every line is one write(2), so it survives a kill
 *	of the process; fdatasync(2) every sync_every lines and at close
 *	bounds what a crash of the machine loses.  A last line without its
 *	newline (cut by a crash) is ignored and a newline is written before
 *	the next record.  Indexes are 1..max; prev[] counts what earlier runs
 *	recorded, by kind; unlogged holds the queue ids, comma-separated, of
 *	accepted copies after the last "0 l" (a run killed before it logged
 *	them: the next run logs them).  progress_logged() writes "0 l".
 *
 *	Functions return 0, or -1 with e set.
 */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdint.h>

#include "buf.h"
#include "cerr.h"

enum pg_kind { PG_SENT, PG_SUPPRESSED, PG_BAD, PG_REJECTED, PG_LOGGED, PG_NKINDS };

struct progress {
	int	fd;
	char	path[4096];
	uint64_t *done;			/* bit per index */
	long	max;
	long	prev[PG_NKINDS];	/* recorded by earlier runs */
	int	sync_every;
	int	unsynced;
	struct buf unlogged;		/* queue ids not known to be logged */
};

int	progress_open(struct progress *pg, const char *dir, const char *campaign,
		      const char *batch, long max, int sync_every, struct cerr *e);
int	progress_done(const struct progress *pg, long idx);
int	progress_add(struct progress *pg, long idx, enum pg_kind kind,
		     const char *qid, struct cerr *e);
int	progress_logged(struct progress *pg, struct cerr *e);
int	progress_sync(struct progress *pg, struct cerr *e);
void	progress_close(struct progress *pg, int remove);

#endif
