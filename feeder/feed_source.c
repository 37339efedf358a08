/*
 * NAME
 *	feed_source - the records to send: the list less malformed and journaled lines
 * SYNOPSIS
 *	#include "feed.h"
 *
 *	while (source_next(&queue, &rec)) ... rec is a recipient to send
 * DESCRIPTION
 *	source_next() reads the recipient list (feed_rcpt.c) of the queue
 *	q: a malformed record is counted and reported (the first
 *	BAD_REPORT_MAX of them), a record the journal has as done is
 *	counted as skipped, and the next record to send is put in rec: 1;
 *	0 at the end of the list, or on a read error (then *q->fatal and
 *	q->err are set).  rec's fields point into the reader's buffers until
 *	the next call.  Both the queue (feed_queue.c) and the batches
 *	(feed_batch.c) take their records here, so neither calls the other
 *	for them.
 * DIAGNOSTICS
 *	Malformed records on stderr through feed_warnx(), with the list's
 *	file name and line.
 * SEE ALSO
 *	campaign-feed(1), feed_rcpt.c, feed_journal.c.
 */
#include "feed.h"

#define BAD_REPORT_MAX	100

/* bad_record - report a malformed record (the first BAD_REPORT_MAX) */
static void
bad_record(struct queue *q, const struct rrec *rec)
{
	if (q->c->malformed++ < BAD_REPORT_MAX)
		feed_warnx("%s:%lu: %s: skipped", q->o->recipients, rec->line, rec->why);
	else if (q->c->malformed == BAD_REPORT_MAX + 1)
		feed_warnx("%s: more malformed lines, not shown", q->o->recipients);
}

int
source_next(struct queue *q, struct rrec *rec)
{
	int	rc;

	while (!q->rl_eof) {
		rc = rlist_next(q->rl, rec, q->err);
		if (rc == RL_EOF || rc == RL_ERR) {
			q->rl_eof = 1;
			*q->fatal |= rc == RL_ERR;
		} else if (rc == RL_BAD) {
			bad_record(q, rec);
		} else if (rc == RL_REC && journal_is_done(q->j, rec->line)) {
			q->c->skipped++;
		} else if (rc == RL_REC) {
			return 1;
		}
	}
	return 0;
}
