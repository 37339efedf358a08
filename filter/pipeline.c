/*
 * NAME
 *	pipeline - pipelined reinjection of a batch's copies (see pipeline.h)
 * DESCRIPTION
 *	Every transaction starts with RSET: after a refused recipient the
 *	server may keep the MAIL transaction open, and the next MAIL would be
 *	a "nested MAIL" (503) while its RCPT joined the old transaction; with
 *	RSET first each transaction stands alone, for one more reply.  The
 *	replies of one BDAT transaction are those of RSET, MAIL, RCPT and
 *	BDAT, in that order.  What each reply means is decided by the SMTP
 *	client engine's transaction rules (lib/smtp_txn.c, with
 *	SMTP_TXN_MAIL_TEMP): the first that is not 2xx decides the outcome;
 *	a failure of RSET or MAIL says nothing about the recipient and is
 *	reported as 451 (try again later); a 5xx to RCPT or to the content
 *	is a refusal.  Without CHUNKING, DATA needs the 354 before the copy
 *	(after a failure, "." alone), so that path has one transaction in
 *	flight.
 *
 *	Every command sent is noted in the SMTP client engine's ring of
 *	awaited replies (lib/smtp_client.c) and every reply read takes the
 *	oldest: the reply's command names it in a reason.
 * DIAGNOSTICS
 *	Nothing is logged here: the caller's done() sees every outcome and
 *	e says why a session broke ("HOST:PORT: what: reply").
 * SEE ALSO
 *	reinject.c (one transaction for ordinary mail), RFC 2920, RFC 3030.
 */
#include <stdio.h>
#include <string.h>

#include "merge.h"
#include "pipeline.h"
#include "smtp_txn.h"

#define PL_CMDS	(PL_WINDOW_MAX * 4 + 4)	/* RSET, MAIL, RCPT, BDAT each */

/* has_8bit - whether an address needs SMTPUTF8 */
static int
has_8bit(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 128)
			return 1;
	return 0;
}

/*
 * reply - the reply to the oldest command awaited (its kind in *x); its
 * code, or -1 with e ("HOST:PORT: what: why", what the command's name)
 */
static int
reply(struct pipeline *pl, struct smtp_pending *x, struct cerr *e)
{
	struct cerr r;
	const char *what;
	int	code;

	if (smtp_cmdq_pop(&pl->cmdq, x) < 0)
		return cerr_set(e, "%s: internal: no command awaits a reply", pl->to);
	what = smtp_cmd_name(x->kind);
	if ((code = smtp_reply(&pl->s, &pl->reply, &r)) < 0)
		return cerr_set(e, "%s: %s: %s", pl->to, what, r.msg);
	if (code == 421)
		return cerr_set(e, "%s: %s: %s", pl->to, what, pl->reply.text);
	return code;
}

/* command - send one command, its reply awaited as kind */
static int
command(struct pipeline *pl, int kind, const char *p, size_t n, struct cerr *e)
{
	if (smtp_cmdq_push(&pl->cmdq, kind, pl->n % PL_WINDOW_MAX, 0) < 0)
		return cerr_set(e, "%s: internal: too many commands in flight", pl->to);
	return smtp_send(&pl->s, p, n, e);
}

/* hello - greeting and EHLO: the listener's extensions */
static int
hello(struct pipeline *pl, const char *helo, struct cerr *e)
{
	struct smtp_pending x;
	int	code, ext;

	if (smtp_cmdq_push(&pl->cmdq, SMTP_CMD_GREET, 0, 0) < 0
	    || (code = reply(pl, &x, e)) < 0)
		return -1;
	if (code / 100 != 2)
		return cerr_set(e, "%s: greeting: %s", pl->to, pl->reply.text);
	if (buf_appendf(&pl->line, "EHLO %s\r\n", helo) < 0
	    || command(pl, SMTP_CMD_EHLO, pl->line.data, pl->line.len, e) < 0
	    || smtp_flush(&pl->s, e) < 0 || (code = reply(pl, &x, e)) < 0)
		return -1;
	if (code != 250)
		return cerr_set(e, "%s: EHLO: %s", pl->to, pl->reply.text);
	ext = pl->reply.ext;
	if (!(pl->pipelining = (ext & SMTP_EXT_PIPELINING) != 0))
		return cerr_set(e, "%s: no PIPELINING offered (a batch needs it)", pl->to);
	pl->chunking = pl->pipelining && (ext & SMTP_EXT_CHUNKING) != 0;
	pl->smtputf8 = (ext & SMTP_EXT_SMTPUTF8) != 0;
	pl->eightbitmime = (ext & SMTP_EXT_8BITMIME) != 0;
	return 0;
}

/* pl_free - the connection and the buffers, no QUIT */
static void
pl_free(struct pipeline *pl)
{
	smtp_close(&pl->s);
	smtp_cmdq_free(&pl->cmdq);
	buf_free(&pl->line);
}

int
pl_open(struct pipeline *pl, const char *to, const char *helo, long long deadline,
	int window, pl_done_fn done, void *ctx, struct cerr *e)
{
	struct cerr r;

	memset(pl, 0, sizeof(*pl));
	pl->to = to;
	pl->done = done;
	pl->ctx = ctx;
	pl->window = window < 1 ? 1 : window > PL_WINDOW_MAX ? PL_WINDOW_MAX : window;
	smtp_init(&pl->s, deadline);
	buf_init(&pl->line, 2048);
	if (smtp_cmdq_init(&pl->cmdq, PL_CMDS) < 0) {
		pl_free(pl);
		return cerr_set(e, "%s: out of memory", to);
	}
	if (smtp_connect(&pl->s, to, &r) < 0) {
		pl_free(pl);
		return cerr_set(e, "%s: %s", to, r.msg);
	}
	if (hello(pl, helo, e) < 0) {
		pl_free(pl);
		return -1;
	}
	return 0;
}

/* envelope - RSET, MAIL FROM and RCPT TO into the output */
static int
envelope(struct pipeline *pl, const char *sender, const char *rcpt, int eightbit,
	 struct cerr *e)
{
	int	utf8 = pl->smtputf8 && (has_8bit(sender) || has_8bit(rcpt));

	buf_reset(&pl->line);
	if (buf_appendf(&pl->line, "MAIL FROM:<%s>%s%s\r\n", sender,
			eightbit && pl->eightbitmime ? " BODY=8BITMIME" : "",
			utf8 ? " SMTPUTF8" : "") < 0)
		return cerr_set(e, "%s: command too long", pl->to);
	if (command(pl, SMTP_CMD_RSET, "RSET\r\n", 6, e) < 0
	    || command(pl, SMTP_CMD_MAIL, pl->line.data, pl->line.len, e) < 0)
		return -1;
	buf_reset(&pl->line);
	if (buf_appendf(&pl->line, "RCPT TO:<%s>\r\n", rcpt) < 0)
		return cerr_set(e, "%s: command too long", pl->to);
	return command(pl, SMTP_CMD_RCPT, pl->line.data, pl->line.len, e);
}

/*
 * feed - the oldest transaction's replies into t (lib/smtp_txn.c: the
 * rules) until it asks for something: the copy, "." alone, or its end
 */
static int
feed(struct pipeline *pl, struct smtp_txn *t, struct cerr *e)
{
	struct smtp_pending x;
	int	code, act;

	do {
		if ((code = reply(pl, &x, e)) < 0)
			return -1;
		act = smtp_txn_reply(t, x.kind, code, pl->reply.text);
	} while (act != SMTP_TXN_BODY && act != SMTP_TXN_DOT && act != SMTP_TXN_END);
	return act;
}

/* finish - t is over: done() gets its verdict */
static int
finish(struct pipeline *pl, long idx, const struct smtp_txn *t, struct cerr *e)
{
	char	qid[SMTP_QID_MAX] = "unknown", text[SMTP_LINE_MAX];
	int	ok = !smtp_txn_failed(t);

	if (ok && pl->reply.qid[0] != '\0')
		(void)snprintf(qid, sizeof(qid), "%s", pl->reply.qid);
	if (ok)
		(void)snprintf(text, sizeof(text), "%s", t->v.text);
	else
		(void)snprintf(text, sizeof(text), "%s: %.300s", smtp_cmd_name(t->v.kind),
			       t->v.text);
	pl->sent += ok;
	if (pl->done(pl->ctx, idx, ok ? 250 : t->v.code, text, ok ? qid : "") < 0)
		return cerr_set(e, "stopped");
	return 0;
}

/* collect - the replies of the oldest BDAT transaction, then done() */
static int
collect(struct pipeline *pl, struct cerr *e)
{
	struct smtp_txn t;
	long	idx = pl->idx[pl->head];
	int	act;

	smtp_txn_begin(&t, 1, SMTP_TXN_MAIL_TEMP);
	if ((act = feed(pl, &t, e)) < 0)
		return -1;
	if (act != SMTP_TXN_END)
		return cerr_set(e, "%s: internal: a BDAT transaction asked for DATA", pl->to);
	pl->head = (pl->head + 1) % PL_WINDOW_MAX;
	pl->n--;
	return finish(pl, idx, &t, e);
}

/* send_bdat - queue one BDAT transaction */
static int
send_bdat(struct pipeline *pl, long idx, const char *sender, const char *rcpt,
	  int eightbit, struct buf *data, struct cerr *e)
{
	char	cmd[SMTP_BDAT_CMD_MAX];
	int	n;

	data->len = msg_unstuff(data->data, data->len);
	n = smtp_bdat_cmd(cmd, sizeof(cmd), data->len);
	if (envelope(pl, sender, rcpt, eightbit, e) < 0
	    || command(pl, SMTP_CMD_BDAT, cmd, (size_t)n, e) < 0
	    || smtp_send(&pl->s, data->data, data->len, e) < 0)
		return -1;
	pl->idx[(pl->head + pl->n) % PL_WINDOW_MAX] = idx;
	if (++pl->n < pl->window)
		return 0;
	return smtp_flush(&pl->s, e) < 0 ? -1 : collect(pl, e);
}

/*
 * send_data - one DATA transaction, to its end: the envelope's replies
 * first (the copy goes only after 354; "." alone when the transaction
 * already failed), then the reply to "."
 */
static int
send_data(struct pipeline *pl, long idx, const char *sender, const char *rcpt,
	  int eightbit, struct buf *data, struct cerr *e)
{
	struct smtp_txn t;
	int	act;

	smtp_txn_begin(&t, 1, SMTP_TXN_MAIL_TEMP);
	if (envelope(pl, sender, rcpt, eightbit, e) < 0
	    || command(pl, SMTP_CMD_DATA, "DATA\r\n", 6, e) < 0 || smtp_flush(&pl->s, e) < 0
	    || (act = feed(pl, &t, e)) < 0)
		return -1;
	if (act == SMTP_TXN_BODY && smtp_send(&pl->s, data->data, data->len, e) < 0)
		return -1;
	if (act != SMTP_TXN_END
	    && (command(pl, SMTP_CMD_DOT, ".\r\n", 3, e) < 0 || smtp_flush(&pl->s, e) < 0
		|| feed(pl, &t, e) < 0))
		return -1;
	return finish(pl, idx, &t, e);
}

int
pl_send(struct pipeline *pl, long idx, const char *sender, const char *rcpt,
	int eightbit, struct buf *data, struct cerr *e)
{
	if (pl->chunking)
		return send_bdat(pl, idx, sender, rcpt, eightbit, data, e);
	return send_data(pl, idx, sender, rcpt, eightbit, data, e);
}

int
pl_drain(struct pipeline *pl, struct cerr *e)
{
	if (pl->n > 0 && smtp_flush(&pl->s, e) < 0)
		return -1;
	while (pl->n > 0)
		if (collect(pl, e) < 0)
			return -1;
	return 0;
}

void
pl_close(struct pipeline *pl)
{
	struct cerr ignore;

	if (pl->s.fd >= 0 && pl->n == 0) {
		if (pl->s.deadline > smtp_now_ms() + 2000)
			pl->s.deadline = smtp_now_ms() + 2000;
		if (smtp_send(&pl->s, "QUIT\r\n", 6, &ignore) == 0
		    && smtp_flush(&pl->s, &ignore) == 0)
			(void)smtp_reply(&pl->s, &pl->reply, &ignore);
	}
	pl_free(pl);
}
