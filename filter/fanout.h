/*
 * NAME
 *	fanout - campaign-filter's batch mode: one copy per recipient of a
 *	batch, reinjected over reinject_connections pipelined connections,
 *	exactly once
 * SYNOPSIS
 *	#include "fanout.h"
 *
 *	struct fanout_in in = {.cf = &cf, .qid = qid, .sender = sender,
 *	    .sp = &msg.sp, .size = msg.in_size, .campaign = msg.campaign,
 *	    .start = start_ms, .deadline = deadline_ms};
 *	r = fanout_run(&in, &e);	0 done, -1 tempfail (e says why)
 * DESCRIPTION
 *	The batch (lib/batch.h) is read twice from the filter's spool: the
 *	first pass checks all of it (structure, limits, template, tags), so a
 *	malformed batch sends nothing; the second sends.  For each record:
 *	a bad one (address, field count) is counted, recorded and logged once
 *	with its line; a suppressed one is counted and recorded; the others
 *	get their copy (copy.h), sent with pipeline.h over
 *	reinject_connections connections in turn, each with FANOUT_WINDOW
 *	transactions in flight and opened when first used.  Progress
 *	(progress.h, in filter_state_dir) makes a retry skip every record an
 *	earlier run recorded.  Sending stops at the soft deadline (deadline
 *	less a reserve for the replies in flight); then, or when a copy was
 *	deferred by the listener, or a connection broke (the others' replies
 *	in flight are still read and recorded), fanout_run() returns -1 after
 *	recording what was accepted: the retry resumes.
 * DIAGNOSTICS
 *	Log lines (doc/DESIGN.md "Log lines"): "QID: campaign=ID batch=BID
 *	copies=Q1,Q2,..." (at most 100 ids a line, as accepted), "QID:
 *	batch=BID bad record line=L to=<ADDR> reason=..." per bad record,
 *	"QID: batch=BID rejected line=L to=<ADDR> reply=..." per copy the
 *	listener refused with 5xx (never retried), and at the end "QID:
 *	campaign=ID batch=BID nrcpt=N sent=N suppressed=N bad=N [rejected=N]
 *	size=BYTES ms=T".
 */
#ifndef FANOUT_H
#define FANOUT_H

#include <stddef.h>

#include "cerr.h"
#include "conf.h"
#include "spool.h"

#define FANOUT_WINDOW	8		/* BDAT transactions in flight, per connection */
#define FANOUT_CONNS_MAX CONF_REINJECT_CONNS_MAX	/* conf_load() keeps reinject_connections in 1..this */
#define FANOUT_SYNC	100		/* fdatasync the progress every N records */
#define FANOUT_RESERVE	10000		/* ms kept after the soft deadline */

struct fanout_in {
	const struct campaign_conf *cf;
	const char *qid;
	const char *sender;
	struct spool *sp;
	size_t	size;
	const char *campaign;		/* X-Campaign-ID read by message.c, or "" */
	long long start, deadline;	/* ms, smtp_now_ms() clock */
};

int	fanout_run(const struct fanout_in *in, struct cerr *e);

#endif
