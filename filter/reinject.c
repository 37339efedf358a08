/*
 * NAME
 *	reinject - one pipelined SMTP transaction to the reinjection
 *	listener (see reinject.h)
 * DESCRIPTION
 *	The connection is lib/smtp_conn.c's; every command sent is noted in
 *	the SMTP client engine's ring of awaited replies (lib/smtp_client.c)
 *	and every reply read takes the oldest, whose name says in a reason
 *	which command failed; what a reply to MAIL, RCPT, DATA or "." means
 *	is decided by the engine's transaction rules (lib/smtp_txn.c), here
 *	all or nothing: the first failure ends the session.
 * DIAGNOSTICS
 *	Returns -1 with a struct cerr text; never prints.
 * SEE ALSO
 *	RFC 2920 (pipelining), Postfix FILTER_README (the 127.0.0.1:10026
 *	listener), smtp_proto.c; lib/smtp_client.h, lib/smtp_conn.h.
 */
#include <stdio.h>
#include <string.h>

#include "reinject.h"
#include "smtp_client.h"
#include "smtp_conn.h"
#include "smtp_txn.h"

struct tx {
	struct smtp s;
	struct smtp_reply reply;
	struct smtp_cmdq cmdq;		/* replies awaited, in order */
	struct smtp_txn txn;		/* what they mean (lib/smtp_txn.c) */
	const struct reinject *rq;
	int	pipelining;
	int	utf8;
	int	quit_sent;		/* QUIT went out with the final dot */
};

/*
 * judge - greeting and EHLO: anything but 2xx ends the session;
 * a transaction's reply: lib/smtp_txn.c's rules, all or nothing (any
 * failure ends it), and DATA's 354 must ask for the message
 */
static int
judge(struct tx *t, int kind, int code, struct cerr *e)
{
	const char *to = t->rq->to;

	if (kind == SMTP_CMD_GREET || kind == SMTP_CMD_EHLO)
		return code / 100 == 2 ? 0
		    : cerr_set(e, "%s: %s: %s", to, smtp_cmd_name(kind), t->reply.text);
	if (smtp_txn_reply(&t->txn, kind, code, t->reply.text) == SMTP_TXN_DOT
	    && !smtp_txn_failed(&t->txn))
		return cerr_set(e, "%s: DATA: no recipient accepted", to);
	if (smtp_txn_failed(&t->txn))
		return cerr_set(e, "%s: %s: %s", to, smtp_cmd_name(t->txn.v.kind),
				t->txn.v.text);
	return 0;
}

/* expect - read the reply to the oldest command awaited and judge it */
static int
expect(struct tx *t, struct cerr *e)
{
	struct smtp_pending x;
	struct cerr r;
	int	code;

	if (smtp_cmdq_pop(&t->cmdq, &x) < 0)
		return cerr_set(e, "%s: internal: no command awaits a reply", t->rq->to);
	if ((code = smtp_reply(&t->s, &t->reply, &r)) < 0)
		return cerr_set(e, "%s: %s: %s", t->rq->to, smtp_cmd_name(x.kind), r.msg);
	return judge(t, x.kind, code, e);
}

/* command - send one command; without pipelining wait for its reply */
static int
command(struct tx *t, int kind, const char *fmt, const char *arg,
	const char *extra, struct cerr *e)
{
	struct buf line;
	int	ret;

	buf_init(&line, 1024 + 16);
	if (buf_appendf(&line, fmt, arg, extra) < 0) {
		buf_free(&line);
		return cerr_set(e, "%s: %s: command too long", t->rq->to,
				smtp_cmd_name(kind));
	}
	if (smtp_cmdq_push(&t->cmdq, kind, 0, 0) < 0) {
		buf_free(&line);
		return cerr_set(e, "%s: internal: too many commands", t->rq->to);
	}
	ret = smtp_send(&t->s, line.data, line.len, e);
	buf_free(&line);
	if (ret == 0 && !t->pipelining)
		ret = smtp_flush(&t->s, e) < 0 ? -1 : expect(t, e);
	return ret;
}

/* has_8bit - whether an address needs SMTPUTF8 */
static int
has_8bit(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s >= 128)
			return 1;
	return 0;
}

/* open_session - connect, greeting, EHLO */
static int
open_session(struct tx *t, struct cerr *e)
{
	struct cerr r;
	int	i, want_utf8 = has_8bit(t->rq->sender);

	if (smtp_connect(&t->s, t->rq->to, &r) < 0)
		return cerr_set(e, "%s: %s", t->rq->to, r.msg);
	t->pipelining = 0;
	if (smtp_cmdq_push(&t->cmdq, SMTP_CMD_GREET, 0, 0) < 0 || expect(t, e) < 0)
		return -1;
	if (command(t, SMTP_CMD_EHLO, "EHLO %s%s\r\n", t->rq->helo, "", e) < 0)
		return -1;
	t->pipelining = (t->reply.ext & SMTP_EXT_PIPELINING) != 0;
	for (i = 0; i < t->rq->nrcpt; i++)
		want_utf8 |= has_8bit(t->rq->rcpts[i]);
	t->utf8 = want_utf8 && (t->reply.ext & SMTP_EXT_SMTPUTF8) != 0;
	return 0;
}

/* envelope - MAIL, RCPTs, DATA; with pipelining in one write */
static int
envelope(struct tx *t, struct cerr *e)
{
	int	i;

	if (command(t, SMTP_CMD_MAIL, "MAIL FROM:<%s>%s\r\n", t->rq->sender,
		    t->utf8 ? " SMTPUTF8" : "", e) < 0)
		return -1;
	for (i = 0; i < t->rq->nrcpt; i++)
		if (command(t, SMTP_CMD_RCPT, "RCPT TO:<%s>%s\r\n", t->rq->rcpts[i],
			    "", e) < 0)
			return -1;
	if (command(t, SMTP_CMD_DATA, "DATA%s%s\r\n", "", "", e) < 0)
		return -1;
	if (!t->pipelining)
		return 0;
	if (smtp_flush(&t->s, e) < 0)
		return -1;
	while (t->cmdq.n > 0)		/* MAIL, each RCPT, DATA */
		if (expect(t, e) < 0)
			return -1;
	return 0;
}

/* send_chunk - spool_each callback */
static int
send_chunk(void *ctx, const char *p, size_t n, struct cerr *e)
{
	return smtp_send(&((struct tx *) ctx)->s, p, n, e);
}

/*
 * content - the message, the final dot, the queue id.  With pipelining
 * QUIT goes out in the same write as the dot (RFC 2920 allows it as the
 * last command of a group): one round trip less per run.
 */
static int
content(struct tx *t, struct spool *sp, char *qid, size_t qidlen, struct cerr *e)
{
	struct cerr r;
	static const char dot[] = ".\r\n", dot_quit[] = ".\r\nQUIT\r\n";

	t->quit_sent = t->pipelining;
	if (smtp_cmdq_push(&t->cmdq, SMTP_CMD_DOT, 0, 0) < 0)
		return cerr_set(e, "%s: internal: too many commands", t->rq->to);
	if (spool_each(sp, send_chunk, t, &r) < 0
	    || (t->pipelining ? smtp_send(&t->s, dot_quit, sizeof(dot_quit) - 1, &r)
		: smtp_send(&t->s, dot, sizeof(dot) - 1, &r)) < 0
	    || smtp_flush(&t->s, &r) < 0)
		return cerr_set(e, "%s: DATA: %s", t->rq->to, r.msg);
	if (expect(t, e) < 0)
		return -1;
	(void) snprintf(qid, qidlen, "%s", t->reply.qid[0] ? t->reply.qid : "unknown");
	return 0;
}

int
reinject(const struct reinject *rq, struct spool *sp, char *qid, size_t qidlen,
	 struct cerr *e)
{
	struct tx t;
	struct cerr ignore;
	int	ret;

	memset(&t, 0, sizeof(t));
	t.rq = rq;
	smtp_txn_begin(&t.txn, rq->nrcpt, SMTP_TXN_MAIL_TEMP);
	smtp_init(&t.s, rq->deadline);
	if (smtp_cmdq_init(&t.cmdq, rq->nrcpt + 4) < 0)
		return cerr_set(e, "%s: out of memory", rq->to);
	ret = open_session(&t, e) < 0 || envelope(&t, e) < 0
	    || content(&t, sp, qid, qidlen, e) < 0 ? -1 : 0;
	/* the message is Postfix's now; QUIT is politeness, so wait briefly */
	if (t.s.deadline > smtp_now_ms() + 2000)
		t.s.deadline = smtp_now_ms() + 2000;
	if (ret == 0 && (t.quit_sent || (smtp_send(&t.s, "QUIT\r\n", 6, &ignore) == 0
					 && smtp_flush(&t.s, &ignore) == 0)))
		(void) smtp_reply(&t.s, &t.reply, &ignore);
	smtp_close(&t.s);
	smtp_cmdq_free(&t.cmdq);
	return ret;
}
