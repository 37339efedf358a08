/*
 * NAME
 *	pipeline - pipelined reinjection of a batch's copies (see pipeline.h)
 * DESCRIPTION
 *	Every transaction starts with RSET: after a refused recipient the
 *	server may keep the MAIL transaction open, and the next MAIL would be
 *	a "nested MAIL" (503) while its RCPT joined the old transaction; with
 *	RSET first each transaction stands alone, for one more reply.  The
 *	replies of one BDAT transaction are those of RSET, MAIL, RCPT and
 *	BDAT, in that order; the first that is not 2xx decides the outcome.
 *	A failure of RSET or MAIL says nothing about the recipient: it is
 *	reported as 451 (try again later); a 5xx to RCPT or to the content
 *	is a refusal.  Without CHUNKING, DATA needs the 354 before the copy,
 *	so that path has one transaction in flight.
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

/* has_8bit - whether an address needs SMTPUTF8 */
static int
has_8bit(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 128)
			return 1;
	return 0;
}

/* reply - one reply; its code, or -1 with e */
static int
reply(struct pipeline *pl, const char *what, struct cerr *e)
{
	struct cerr r;
	int	code = smtp_reply(&pl->s, &pl->reply, &r);

	if (code < 0)
		return cerr_set(e, "%s: %s: %s", pl->to, what, r.msg);
	if (code == 421)
		return cerr_set(e, "%s: %s: %s", pl->to, what, pl->reply.text);
	return code;
}

int
pl_open(struct pipeline *pl, const char *to, const char *helo, long long deadline,
	int window, pl_done_fn done, void *ctx, struct cerr *e)
{
	struct cerr r;
	int	code, x;

	memset(pl, 0, sizeof(*pl));
	pl->to = to;
	pl->done = done;
	pl->ctx = ctx;
	pl->window = window < 1 ? 1 : window > PL_WINDOW_MAX ? PL_WINDOW_MAX : window;
	smtp_init(&pl->s, deadline);
	buf_init(&pl->line, 2048);
	if (smtp_connect(&pl->s, to, &r) < 0)
		return cerr_set(e, "%s: %s", to, r.msg);
	if ((code = reply(pl, "greeting", e)) < 0)
		return -1;
	if (code / 100 != 2)
		return cerr_set(e, "%s: greeting: %s", to, pl->reply.text);
	if (buf_appendf(&pl->line, "EHLO %s\r\n", helo) < 0
	    || smtp_send(&pl->s, pl->line.data, pl->line.len, e) < 0
	    || smtp_flush(&pl->s, e) < 0 || (code = reply(pl, "EHLO", e)) < 0)
		return -1;
	if (code != 250)
		return cerr_set(e, "%s: EHLO: %s", to, pl->reply.text);
	x = pl->reply.ext;
	if (!(pl->pipelining = (x & SMTP_EXT_PIPELINING) != 0))
		return cerr_set(e, "%s: no PIPELINING offered (a batch needs it)", to);
	pl->chunking = pl->pipelining && (x & SMTP_EXT_CHUNKING) != 0;
	pl->smtputf8 = (x & SMTP_EXT_SMTPUTF8) != 0;
	pl->eightbitmime = (x & SMTP_EXT_8BITMIME) != 0;
	return 0;
}

/* envelope - MAIL FROM and RCPT TO into the output */
static int
envelope(struct pipeline *pl, const char *sender, const char *rcpt, int eightbit,
	 struct cerr *e)
{
	int	utf8 = pl->smtputf8 && (has_8bit(sender) || has_8bit(rcpt));

	buf_reset(&pl->line);
	if (buf_appendf(&pl->line, "RSET\r\nMAIL FROM:<%s>%s%s\r\nRCPT TO:<%s>\r\n", sender,
			eightbit && pl->eightbitmime ? " BODY=8BITMIME" : "",
			utf8 ? " SMTPUTF8" : "", rcpt) < 0)
		return cerr_set(e, "%s: command too long", pl->to);
	return smtp_send(&pl->s, pl->line.data, pl->line.len, e);
}

/* outcome - the code done() gets for a failed stage (see DESCRIPTION) */
static int
outcome(int stage, int code)
{
	return stage < 2 && code / 100 == 5 ? 451 : code;
}

/*
 * collect - the replies of the oldest transaction, then done(); the
 * first reply that is not 2xx decides
 */
static int
collect(struct pipeline *pl, struct cerr *e)
{
	static const char *const what[] = {"RSET", "MAIL FROM", "RCPT TO", "BDAT",
	"end of DATA"};
	struct pl_item *it = &pl->ring[pl->head];
	char	qid[SMTP_QID_MAX] = "unknown", text[SMTP_LINE_MAX];
	int	i, stage, code, fail = 0;

	text[0] = '\0';
	for (i = 0; i < it->expect; i++) {
		stage = it->expect == 1 ? 4 : i;
		if ((code = reply(pl, what[stage], e)) < 0)
			return -1;
		if (code / 100 != 2 && fail == 0) {
			fail = outcome(stage, code);
			snprintf(text, sizeof(text), "%s: %.300s", what[stage], pl->reply.text);
		}
	}
	if (fail == 0 && pl->reply.qid[0] != '\0')
		(void)snprintf(qid, sizeof(qid), "%s", pl->reply.qid);
	pl->head = (pl->head + 1) % PL_WINDOW_MAX;
	pl->n--;
	pl->sent += fail == 0;
	if (pl->done(pl->ctx, it->idx, fail ? fail : 250, fail ? text : pl->reply.text,
		     qid) < 0)
		return cerr_set(e, "stopped");
	return 0;
}

/* send_bdat - queue one BDAT transaction */
static int
send_bdat(struct pipeline *pl, long idx, const char *sender, const char *rcpt,
	  int eightbit, struct buf *data, struct cerr *e)
{
	char	cmd[64];
	int	n;

	data->len = msg_unstuff(data->data, data->len);
	n = snprintf(cmd, sizeof(cmd), "BDAT %zu LAST\r\n", data->len);
	if (envelope(pl, sender, rcpt, eightbit, e) < 0
	    || smtp_send(&pl->s, cmd, (size_t)n, e) < 0
	    || smtp_send(&pl->s, data->data, data->len, e) < 0)
		return -1;
	pl->ring[(pl->head + pl->n) % PL_WINDOW_MAX] = (struct pl_item) {idx, 4};
	if (++pl->n < pl->window)
		return 0;
	return smtp_flush(&pl->s, e) < 0 ? -1 : collect(pl, e);
}

/* send_data - one DATA transaction, to its end */
static int
send_data(struct pipeline *pl, long idx, const char *sender, const char *rcpt,
	  int eightbit, struct buf *data, struct cerr *e)
{
	static const char *const what[] = {"RSET", "MAIL FROM", "RCPT TO", "DATA"};
	char	text[SMTP_LINE_MAX];
	int	i, code, fail = 0;

	if (envelope(pl, sender, rcpt, eightbit, e) < 0
	    || smtp_send(&pl->s, "DATA\r\n", 6, e) < 0 || smtp_flush(&pl->s, e) < 0)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((code = reply(pl, what[i], e)) < 0)
			return -1;
		if (code / 100 != (i == 3 ? 3 : 2) && fail == 0) {
			fail = outcome(i, code);
			snprintf(text, sizeof(text), "%s: %.300s", what[i], pl->reply.text);
		}
	}
	if (fail)
		return pl->done(pl->ctx, idx, fail, text, "") < 0 ? cerr_set(e, "stopped") : 0;
	if (smtp_send(&pl->s, data->data, data->len, e) < 0
	    || smtp_send(&pl->s, ".\r\n", 3, e) < 0 || smtp_flush(&pl->s, e) < 0)
		return -1;
	pl->ring[pl->head] = (struct pl_item) {idx, 1};
	pl->n = 1;
	return collect(pl, e);
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
	smtp_close(&pl->s);
	buf_free(&pl->line);
}
