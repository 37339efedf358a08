/*
 * NAME
 *	reinject - hand the cleaned message back to Postfix in one SMTP
 *	transaction
 * SYNOPSIS
 *	#include "reinject.h"
 *
 *	struct reinject rq = {.to = "127.0.0.1:10026", .helo = "localhost",
 *	    .sender = "bounces@example.com", .rcpts = v, .nrcpt = n,
 *	    .deadline = smtp_now_ms() + 60000};
 *	if (reinject(&rq, &spool, qid, sizeof(qid), &e) < 0) ...	tempfail
 * DESCRIPTION
 *	Connects to rq->to, reads the greeting, says EHLO, then sends MAIL
 *	FROM with the original sender, one RCPT TO per recipient and DATA in
 *	one write when the server offers PIPELINING (one command at a time
 *	otherwise), streams the spool (already CRLF and dot-stuffed), ends
 *	with ".", and takes the new queue id from the 250 reply ("250 2.0.0
 *	Ok: queued as QID"; "unknown" when the reply names none), then QUIT
 *	(with PIPELINING in the same write as the final ".").
 *
 *	It is all or nothing: a reply other than 2xx to MAIL or to any RCPT,
 *	or other than 354 to DATA, closes the connection before any data is
 *	sent, so the server discards the transaction.  Any failure returns -1
 *	with e filled ("HOST:PORT: what: reply"); 0 only after the final 250.
 *	SMTPUTF8 is requested when an address has 8-bit bytes and the server
 *	offers it.
 */
#ifndef REINJECT_H
#define REINJECT_H

#include <stddef.h>

#include "cerr.h"
#include "spool.h"

struct reinject {
	const char *to;
	const char *helo;
	const char *sender;
	const char *const *rcpts;
	int	nrcpt;
	long long deadline;
};

int	reinject(const struct reinject *rq, struct spool *sp, char *qid,
		 size_t qidlen, struct cerr *e);

#endif
