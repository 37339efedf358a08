/*
 * NAME
 *	smtp_txn - what each reply means for an SMTP mail transaction and
 *	its recipients: the SMTP client engine's one set of transaction
 *	rules (campaign-feed and campaign-filter)
 * SYNOPSIS
 *	#include "smtp_txn.h"
 *
 *	struct smtp_txn t;
 *	smtp_txn_begin(&t, nrcpt, SMTP_TXN_PER_RCPT);	before MAIL (or RSET)
 *	switch (smtp_txn_reply(&t, SMTP_CMD_RCPT, r.code, r.text)) ...
 *	t.v.code, t.v.kind, t.v.text, t.discard, t.rset	after SMTP_TXN_END
 * DESCRIPTION
 *	The caller sends the commands and reads the replies its own way
 *	(lib/smtp_client.h matches each reply to its command); smtp_txn
 *	does no I/O.  smtp_txn_begin() starts a transaction of nrcpt
 *	recipients.  smtp_txn_reply() takes each reply of the transaction
 *	with its command's kind (SMTP_CMD_RSET when RSET opens the
 *	transaction, MAIL, RCPT, DATA, DOT for the final ".", BDAT for
 *	"BDAT n LAST") and returns what the caller must do:
 *
 *	SMTP_TXN_WAIT	nothing: await the next reply.
 *	SMTP_TXN_RCPT_OK	the RCPT's recipient was accepted.
 *	SMTP_TXN_RCPT_FAIL	the RCPT's recipient was refused (the
 *		reply's code is its verdict: 4xx try again, 5xx refused).
 *	SMTP_TXN_FAIL_ALL	MAIL failed: every recipient's verdict is
 *		t.v (4xx or 5xx); later replies of the transaction change
 *		nothing; without pipelining send nothing more.  A 4xx sets
 *		t.retire: the session should end (Postfix's smtpd keeps a
 *		milter that failed off for the rest of the session).
 *	SMTP_TXN_BODY	354 to DATA: send the message and ".".
 *	SMTP_TXN_DOT	354 to DATA but the transaction is discarded: send
 *		"." alone; its reply ends the transaction.
 *	SMTP_TXN_END	the transaction is over; its verdict is t.v.
 *		t.discard: no recipient is left to take it.  t.rset: the
 *		server may still hold the transaction (DATA refused after
 *		MAIL was accepted); the next transaction needs RSET first.
 *
 *	The rules.  The first reply that is not 2xx (354 for DATA) decides
 *	the verdict t.v ({code, kind, text}); with no failure t.v is the
 *	reply to "." or BDAT.  A 5xx to RSET is not the recipients': it
 *	counts as 451; with SMTP_TXN_MAIL_TEMP so does a 5xx to MAIL.
 *	With SMTP_TXN_PER_RCPT a refused RCPT is that recipient's verdict
 *	only and t.v is the verdict of the recipients accepted (campaign-
 *	feed: many recipients a transaction); without it a refused RCPT
 *	decides t.v like any other failure (campaign-filter: one recipient,
 *	or all or nothing).  After a failed MAIL every later reply is
 *	ignored.  A transaction whose MAIL failed, with no RCPT accepted,
 *	or (without SMTP_TXN_PER_RCPT) already failed is discarded: 354
 *	asks for "." alone and the final reply is not its verdict
 *	(t.discard; a failure of DATA or of the content itself leaves the
 *	accepted recipients to take it: t.discard 0).
 *	smtp_txn_want_data() says whether DATA should be sent at all (a
 *	client without pipelining, which knows every RCPT's reply first,
 *	sends RSET instead).  Replies after the end are ignored.
 *
 *	smtp_txn_failed() is 1 once t.v holds a failure.  Nothing here
 *	allocates; text is cut to SMTP_TEXT_MAX - 1 bytes.
 * SEE ALSO
 *	smtp_client.h, smtp_reply.h; RFC 5321 3.3, 4.1.1, RFC 2920, RFC
 *	3030; Postfix smtp_proto.c.
 */
#ifndef SMTP_TXN_H
#define SMTP_TXN_H

#include "smtp_client.h"
#include "smtp_reply.h"

#define SMTP_TXN_PER_RCPT	1	/* a refused RCPT is its recipient's only */
#define SMTP_TXN_MAIL_TEMP	2	/* a 5xx to MAIL counts as 451 */

enum smtp_txn_do {
	SMTP_TXN_WAIT, SMTP_TXN_RCPT_OK, SMTP_TXN_RCPT_FAIL, SMTP_TXN_FAIL_ALL,
	SMTP_TXN_BODY, SMTP_TXN_DOT, SMTP_TXN_END
};

struct smtp_txn_verdict {
	int	code;			/* 0: none yet */
	int	kind;			/* enum smtp_cmd of the deciding reply */
	char	text[SMTP_TEXT_MAX];	/* its text */
};

struct smtp_txn {
	int	flags;
	int	nrcpt;			/* recipients (RCPTs sent) */
	int	nok;			/* accepted by RCPT */
	int	mail_failed;
	int	done;			/* SMTP_TXN_END returned */
	int	discard, rset, retire;
	struct smtp_txn_verdict v;
};

void	smtp_txn_begin(struct smtp_txn *t, int nrcpt, int flags);
int	smtp_txn_reply(struct smtp_txn *t, int kind, int code, const char *text);
int	smtp_txn_want_data(const struct smtp_txn *t);
int	smtp_txn_failed(const struct smtp_txn *t);

#endif
