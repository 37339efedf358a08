/*
 * NAME
 *	smtp_txn - the SMTP client engine's transaction rules (see
 *	smtp_txn.h)
 * SYNOPSIS
 *	#include "smtp_txn.h"
 * DESCRIPTION
 *	One function per command kind, each a few lines of the rules that
 *	smtp_txn.h states; smtp_txn_reply() dispatches.  No I/O, no
 *	allocation: campaign-feed's non-blocking sessions and campaign-
 *	filter's blocking pipeline feed it the same way.
 * DIAGNOSTICS
 *	None: the verdict is the caller's to log.
 * SEE ALSO
 *	smtp_client.c, RFC 5321, RFC 2920, RFC 3030.
 */
#include <stdio.h>
#include <string.h>

#include "smtp_txn.h"

void
smtp_txn_begin(struct smtp_txn *t, int nrcpt, int flags)
{
	memset(t, 0, sizeof(*t));
	t->flags = flags;
	t->nrcpt = nrcpt;
}

/* set - t.v becomes this reply */
static void
set(struct smtp_txn *t, int kind, int code, const char *text)
{
	t->v.kind = kind;
	t->v.code = code;
	(void) snprintf(t->v.text, sizeof(t->v.text), "%s", text ? text : "");
}

/*
 * fail - the first failure decides; only a 4xx or 5xx is a verdict as
 * it stands: a reply out of place (1xx, 3xx, 2xx where it cannot be)
 * is 451, tried again, and so is a 5xx to RSET (and with
 * SMTP_TXN_MAIL_TEMP to MAIL), which is not the recipients'
 */
static void
fail(struct smtp_txn *t, int kind, int code, const char *text)
{
	int	soft = kind == SMTP_CMD_RSET
	    || (kind == SMTP_CMD_MAIL && (t->flags & SMTP_TXN_MAIL_TEMP));

	if (smtp_txn_failed(t))
		return;
	if (code / 100 != 4 && (code / 100 != 5 || soft))
		code = 451;
	set(t, kind, code, text);
}

/* discarded - nobody is left for the content's verdict */
static int
discarded(const struct smtp_txn *t)
{
	return t->mail_failed || t->nok == 0
	    || (!(t->flags & SMTP_TXN_PER_RCPT) && smtp_txn_failed(t));
}

/* end - the transaction is over; discard as it was before the last reply */
static int
end(struct smtp_txn *t, int discard)
{
	t->done = 1;
	t->discard = discard;
	return SMTP_TXN_END;
}

/* on_mail - a failed MAIL is every recipient's verdict */
static int
on_mail(struct smtp_txn *t, int code, const char *text)
{
	if (code / 100 == 2)
		return SMTP_TXN_WAIT;
	fail(t, SMTP_CMD_MAIL, code, text);
	t->mail_failed = 1;
	t->retire = code / 100 != 5;	/* a 4xx, or a reply out of place */
	return SMTP_TXN_FAIL_ALL;
}

/* on_rcpt - one recipient's reply; ignored after a failed MAIL */
static int
on_rcpt(struct smtp_txn *t, int code, const char *text)
{
	if (t->mail_failed)
		return SMTP_TXN_WAIT;
	if (code / 100 == 2) {
		t->nok++;
		return SMTP_TXN_RCPT_OK;
	}
	if (!(t->flags & SMTP_TXN_PER_RCPT))
		fail(t, SMTP_CMD_RCPT, code, text);
	return SMTP_TXN_RCPT_FAIL;
}

/* on_data - 354: the content (or "." alone); else the end */
static int
on_data(struct smtp_txn *t, int code, const char *text)
{
	int	d = discarded(t);

	if (code / 100 == 3)
		return d ? SMTP_TXN_DOT : SMTP_TXN_BODY;
	if (!t->mail_failed) {
		fail(t, SMTP_CMD_DATA, code, text);
		t->rset = 1;
	}
	return end(t, d);
}

/* on_content - the reply to "." or BDAT LAST: the end */
static int
on_content(struct smtp_txn *t, int kind, int code, const char *text)
{
	int	d = discarded(t);

	if (code / 100 != 2)
		fail(t, kind, code, text);
	else if (!smtp_txn_failed(t))
		set(t, kind, code, text);
	return end(t, d);
}

int
smtp_txn_reply(struct smtp_txn *t, int kind, int code, const char *text)
{
	if (t->done)
		return SMTP_TXN_WAIT;
	switch (kind) {
	case SMTP_CMD_RSET:
		if (code / 100 != 2)
			fail(t, kind, code, text);
		return SMTP_TXN_WAIT;
	case SMTP_CMD_MAIL:
		return on_mail(t, code, text);
	case SMTP_CMD_RCPT:
		return on_rcpt(t, code, text);
	case SMTP_CMD_DATA:
		return on_data(t, code, text);
	case SMTP_CMD_DOT:
	case SMTP_CMD_BDAT:
		return on_content(t, kind, code, text);
	default:
		return SMTP_TXN_WAIT;
	}
}

int
smtp_txn_want_data(const struct smtp_txn *t)
{
	return !discarded(t);
}

int
smtp_txn_failed(const struct smtp_txn *t)
{
	return t->v.code != 0 && t->v.code / 100 != 2;
}
