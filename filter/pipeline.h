/*
 * NAME
 *	pipeline - many reinjection transactions over one SMTP connection,
 *	several in flight (RFC 2920), BDAT when offered (RFC 3030)
 * SYNOPSIS
 *	#include "pipeline.h"
 *
 *	struct pipeline pl;
 *	pl_open(&pl, "127.0.0.1:10026", "localhost", deadline, 8, done, ctx, &e);
 *	pl_send(&pl, idx, sender, rcpt, eightbit, &data, &e);	per copy
 *	pl_drain(&pl, &e);				every reply read
 *	pl_close(&pl);
 * DESCRIPTION
 *	pl_open() connects and says EHLO; a listener without PIPELINING is
 *	an error.  pl_send() takes one copy in DATA
 *	form (CRLF, dot-stuffed, no final "."; it may change data).  With
 *	CHUNKING and PIPELINING it queues "RSET, MAIL FROM, RCPT TO, BDAT n LAST"
 *	and the unstuffed copy, and reads the replies of the oldest
 *	transaction once window of them are in flight; otherwise it sends
 *	RSET, MAIL, RCPT and DATA (pipelined when offered), the copy after 354,
 *	and waits for the end.  Each transaction ends in one call of
 *	done(ctx, idx, code, reply, qid): code 250 when the listener took
 *	the copy (qid: the new queue id or "unknown"), else the first
 *	failing reply's code (4xx: try again later; 5xx: refused; a 5xx to
 *	RSET or MAIL is reported as 451: it is not the recipient's).
 *	Transactions end in the order they were sent.
 *
 *	Functions return 0, or -1 with e set when the session broke (a read
 *	or write error, the deadline, a 421, a reply out of order, or done()
 *	returning -1); the transactions still in flight then had no done()
 *	call: the listener may or may not have their copy.
 * SEE ALSO
 *	lib/smtp_client.h (commands matched to replies), lib/smtp_conn.h,
 *	RFC 2920, RFC 3030.
 */
#ifndef PIPELINE_H
#define PIPELINE_H

#include "buf.h"
#include "cerr.h"
#include "smtp_client.h"
#include "smtp_conn.h"

#define PL_WINDOW_MAX	32

typedef int (*pl_done_fn)(void *ctx, long idx, int code, const char *reply,
			  const char *qid);

struct pipeline {
	struct smtp s;
	const char *to;
	struct smtp_reply reply;
	struct buf line;		/* one command */
	int	pipelining, chunking, smtputf8, eightbitmime;
	int	window;
	long	idx[PL_WINDOW_MAX];	/* the copies in flight, oldest at head */
	int	head, n;
	struct smtp_cmdq cmdq;		/* their replies awaited, in order */
	pl_done_fn done;
	void   *ctx;
	long	sent;			/* transactions ended with 250 */
};

int	pl_open(struct pipeline *pl, const char *to, const char *helo,
		long long deadline, int window, pl_done_fn done, void *ctx,
		struct cerr *e);
int	pl_send(struct pipeline *pl, long idx, const char *sender,
		const char *rcpt, int eightbit, struct buf *data, struct cerr *e);
int	pl_drain(struct pipeline *pl, struct cerr *e);
void	pl_close(struct pipeline *pl);

#endif
