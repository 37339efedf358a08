/*
 * NAME
 *	test_stat_parse - campaignstat's message parser and sender patterns
 * DESCRIPTION
 *	Table-driven: each row is a whole log line and the event wanted
 *	(kind, queue id, addresses, dsn, status, reason, our notice fields).
 *	Rows cover every delivery agent, the compact delivery log's line
 *	kinds, long queue ids (enable_long_queue_ids), quotes, commas, '>'
 *	and '=' inside values, unknown programs, our own warnings, and lines
 *	cut short; the filter's batch lines (the batch summary, copies=,
 *	bad records); campaign-bounce's verdicts and campaign-unsubscribe's
 *	lines (fields, cut and malformed ones, warnings that are not
 *	verdicts); orig_to=, a reject's reply code, the milter's return=.
 *	Every prefix of some lines is parsed too, each from an
 *	exact-size heap copy, so that ASan catches any read past the end.
 * SEE ALSO
 *	campaignstat/cs_parse.h
 */
#include <stdlib.h>
#include <string.h>

#include "testhelp.h"
#include "../../campaignstat/cs_parse.h"

#define H	"2026-11-28T10:00:00.000001+00:00 mx1 "

struct want {
	const char *line;
	enum cs_kind kind;
	const char *qid, *rcpt, *sender, *dsn, *reason, *campaign, *requeued;
	enum cs_status status;
	long	delay, nrcpt, sent, suppressed;
};

/* a field that is NULL in a row is not checked */
static const struct want rows[] = {
	/* deliveries */
	{H "postfix/smtp[1]: 4Q7xLb1Zk9z9sWd: to=<a@example.org>, relay=mx.example.org[192.0.2.7]:25, delay=0.42, delays=0.1/0/0.21/0.11, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9F2A)",
	 CS_DELIVERY, "4Q7xLb1Zk9z9sWd", "a@example.org", NULL, "2.0.0", "250 2.0.0 Ok: queued as 9F2A", NULL, NULL, CS_ST_SENT, 42, -1, -1, -1},
	{H "postfix/pipe[2]: A1B2C3: to=<a@b.example>, relay=campaign, delay=12, delays=0.1/0/0/0.1, dsn=2.0.0, status=sent (delivered via campaign service)",
	 CS_DELIVERY, "A1B2C3", "a@b.example", NULL, "2.0.0", "delivered via campaign service", NULL, NULL, CS_ST_SENT, 1200, -1, -1, -1},
	{H "postfix/local[3]: ABC: to=<devnull@campaign.local>, orig_to=<bounce+c1@example.com>, relay=local, delay=0.01, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to file: /dev/null)",
	 CS_DELIVERY, "ABC", "devnull@campaign.local", NULL, "2.0.0", "delivered to file: /dev/null", NULL, NULL, CS_ST_SENT, 1, -1, -1, -1},
	{H "postfix/smtp[4]: ABC: to=<b@example.net>, relay=mx[1.2.3.4]:25, delay=1.1, delays=0.1/0/0.5/0.5, dsn=4.2.2, status=deferred (host mx[1.2.3.4] said: 452 4.2.2 Mailbox full; retry=later, status=sent (in reply to RCPT TO command))",
	 CS_DELIVERY, "ABC", "b@example.net", NULL, "4.2.2",
	 "host mx[1.2.3.4] said: 452 4.2.2 Mailbox full; retry=later, status=sent (in reply to RCPT TO command)", NULL, NULL, CS_ST_DEFERRED, 110, -1, -1, -1},
	{H "postfix/smtp[4]: ABC: to=<c@example.com>, relay=none, delay=0.3, delays=0.1/0/0.1/0.1, dsn=5.1.1, status=bounced (host x said: 550 5.1.1 \"quoted\" a=b <c@example.com>)",
	 CS_DELIVERY, "ABC", "c@example.com", NULL, "5.1.1", "host x said: 550 5.1.1 \"quoted\" a=b <c@example.com>", NULL, NULL, CS_ST_BOUNCED, 30, -1, -1, -1},
	{H "postfix/smtp[4]: ABC: to=<\"odd, >=local\"@example.com>, relay=x, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (ok)",
	 CS_DELIVERY, "ABC", "\"odd, >=local\"@example.com", NULL, "2.0.0", "ok", NULL, NULL, CS_ST_SENT, 0, -1, -1, -1},
	{H "postfix/smtp[4]: ABC: to=<a@b>, relay=x, conn_use=2, delay=0.5, delays=0/0/0/0, dsn=4.4.1, status=SOFTBOUNCE (no route)",
	 CS_DELIVERY, "ABC", "a@b", NULL, "4.4.1", "no route", NULL, NULL, CS_ST_DEFERRED, 50, -1, -1, -1},
	{H "postfix/error[5]: ABC: to=<a@b>, status=bounced (unknown user)",
	 CS_DELIVERY, "ABC", "a@b", NULL, "", "unknown user", NULL, NULL, CS_ST_BOUNCED, -1, -1, -1, -1},
	{H "postfix/virtual[5]: ABC: to=<a@b>, relay=virtual, delay=1, dsn=2.0.0, status=delivered (weird)",
	 CS_DELIVERY, "ABC", "a@b", NULL, "2.0.0", "weird", NULL, NULL, CS_ST_OTHER, 100, -1, -1, -1},
	/* a queue id of enable_long_queue_ids, and the longest accepted */
	{H "postfix/smtp[1]: 4Q7xLb1Zk9z9sWdQ7xLb1Zk9z9sWdAB: to=<a@b>, status=sent (ok)",
	 CS_DELIVERY, "4Q7xLb1Zk9z9sWdQ7xLb1Zk9z9sWdAB", "a@b", NULL, NULL, "ok", NULL, NULL, CS_ST_SENT, -1, -1, -1, -1},
	{H "postfix/smtp[1]: 4Q7xLb1Zk9z9sWdQ7xLb1Zk9z9sWdABC: to=<a@b>, status=sent (ok)",
	 CS_OTHER, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	/* qmgr */
	{H "postfix/qmgr[9]: 4Q7xLe4Ef5z9sWh: from=<bounce+c1@example.com>, size=2048, nrcpt=20 (queue active)",
	 CS_QUEUED, "4Q7xLe4Ef5z9sWh", NULL, "bounce+c1@example.com", NULL, NULL, NULL, NULL, 0, -1, 20, -1, -1},
	{H "postfix/qmgr[9]: ABC: from=<>, size=2048, nrcpt=1 (queue active)",
	 CS_QUEUED, "ABC", NULL, "", NULL, NULL, NULL, NULL, 0, -1, 1, -1, -1},
	{H "postfix/qmgr[9]: ABC: from=<bounce+c1@example.com>, status=expired, returned to sender",
	 CS_EXPIRED, "ABC", NULL, "bounce+c1@example.com", NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "postfix/qmgr[9]: ABC: from=<bounce+c1@example.com>, status=force-expired, returned to sender",
	 CS_EXPIRED, "ABC", NULL, "bounce+c1@example.com", NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "postfix/qmgr[9]: ABC: removed",
	 CS_REMOVED, "ABC", NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "postfix/qmgr[9]: ABC: removed later",
	 CS_OTHER, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	/* refusals before the queue */
	{H "postfix/campaign/smtpd[4800]: NOQUEUE: reject: RCPT from feeder[127.0.0.1]: 550 5.7.1 <d@example.org>: Recipient address rejected: suppressed: hard bounce 5.1.1 2026-11-20; from=<c1@example.com> to=<d@example.org> proto=ESMTP helo=<feeder>",
	 CS_REJECT, "", "d@example.org", "c1@example.com", "5.7.1", "<d@example.org>: Recipient address rejected: suppressed: hard bounce 5.1.1 2026-11-20", NULL, NULL, 0, -1, -1, -1, -1},
	{H "postfix/cleanup[4801]: 4Q7xLf5Gh6z9sWi: milter-reject: END-OF-MESSAGE from feeder[127.0.0.1]: 4.7.1 Service unavailable - try again later; from=<c1@example.com> to=<e@example.org> proto=ESMTP helo=<feeder>",
	 CS_REJECT, "4Q7xLf5Gh6z9sWi", "e@example.org", "c1@example.com", "4.7.1", "Service unavailable - try again later", NULL, NULL, 0, -1, -1, -1, -1},
	/* "; from=<" inside the reason: the last one is the real one */
	{H "postfix/smtpd[1]: NOQUEUE: reject: RCPT from h[1.2.3.4]: 554 5.7.1 <x@y>: text; from=<fake> here; from=<s@t> to=<x@y> proto=SMTP",
	 CS_REJECT, "", "x@y", "s@t", "5.7.1", "<x@y>: text; from=<fake> here", NULL, NULL, 0, -1, -1, -1, -1},
	/* our notice lines */
	{H "campaign-milter[600]: 4Q7xLa0Xy8z9sWc: campaign=c1 from=<news@example.com> return=<bounce+c1@example.com> nrcpt=1 tags=xcid,prec,lu,lup",
	 CS_MILTER, "4Q7xLa0Xy8z9sWc", NULL, "news@example.com", NULL, NULL, "c1", NULL, 0, -1, 1, -1, -1},
	{H "campaign-filter[4719]: 4Q7xLa0Xy8z9sWc: campaign=c1 nrcpt=3 sent=2 suppressed=1 size=2048 requeued=4Q7xLb1Zk9z9sWd ms=3",
	 CS_FILTER, "4Q7xLa0Xy8z9sWc", NULL, NULL, NULL, NULL, "c1", "4Q7xLb1Zk9z9sWd", 0, -1, 3, 2, 1},
	{H "campaign-milter[600]: ABC: campaign=\"spring sale=50% \\\"off\\\"\" from=\"<a b@example.com>\" return=<r@x> nrcpt=2 tags=none",
	 CS_MILTER, "ABC", NULL, "<a b@example.com>", NULL, NULL, "spring sale=50% \\\"off\\\"", NULL, 0, -1, 2, -1, -1},
	{H "campaign-milter[600]: ABC: campaign=a=b=c from=<a=b@example.com> return=<r@x> nrcpt=2 tags=none",
	 CS_MILTER, "ABC", NULL, "a=b@example.com", NULL, NULL, "a=b=c", NULL, 0, -1, 2, -1, -1},
	{H "campaign-filter[1]: ABC: campaign=c1 nrcpt=2 sent=0 suppressed=2 size=10 requeued=\"\" ms=1",
	 CS_FILTER, "ABC", NULL, NULL, NULL, NULL, "c1", "", 0, -1, 2, 0, 2},
	{H "campaign-filter[1]: ABC: campaign=c1 nrcpt=1 sent=1 suppressed=0 size=10 requeued=4Q7xLb1Zk9z9sWdQ7xLb1Zk9z9sWdABC ms=1",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "campaign-milter[1]: ABC: from=<a@b> nrcpt=1 tags=none",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "campaign-milter[1]: warning: cannot open table: No such file",
	 CS_OTHER, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "campaign-milter[1]: ABC: tempfail: internal error",
	 CS_OTHER, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	/* cut in the status word, or before nrcpt=: unparsed, not used */
	{H "postfix/smtp[5]: ABCE01: to=<a@z>, relay=mx.z[10.0.0.1]:25, delay=1, dsn=2.0.0, status=se",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "postfix/smtp[5]: ABCE01: to=<a@z>, relay=x, delay=1, dsn=5.1.1, status=bounced",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "postfix/qmgr[2]: ABCE03: from=<bounces+cut@ex.org>, size=1",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	/* the filter's info line per late-suppressed recipient (full logs) */
	{H "campaign-filter[1]: ABC: late suppression: to=<a@b> action=550 5.7.1 suppressed: x",
	 CS_OTHER, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "campaign-feed[1]: ABC: campaign=x nrcpt=1 tags=y",
	 CS_OTHER, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	/* unknown programs and other Postfix lines */
	{H "opendkim[12]: ABC: DKIM-Signature field added (s=mail, d=example.com)",
	 CS_OTHER, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "sshd[12]: ABC: to=<a@b>, status=sent (not postfix)",
	 CS_OTHER, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "postfix/smtpd[1]: connect from localhost[127.0.0.1]",
	 CS_OTHER, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "postfix/smtpd[1]: ABC: client=localhost[127.0.0.1]",
	 CS_OTHER, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "postfix/cleanup[1]: ABC: message-id=<x=y@z>",
	 CS_OTHER, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	/* lines cut short */
	{H "postfix/smtp[1]: ABC: to=<a@exam",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "postfix/smtp[1]: ABC: to=<a@example.org>, relay=mx[1.2.3.4]:25, delay=0.4",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "postfix/smtp[1]: ABC: to=<a@example.org>, relay=mx[1.2.3.4]:25, delay=0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok: que",
	 CS_DELIVERY, "ABC", "a@example.org", NULL, "2.0.0", "250 2.0.0 Ok: que", NULL, NULL, CS_ST_SENT, 40, -1, -1, -1},
	{H "postfix/qmgr[9]: ABC: from=<bounce+c1@exa",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "postfix/qmgr[9]: ABC: from=<a@b>, size=2048, nrcpt=",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "postfix/smtpd[1]: NOQUEUE: reject: RCPT from h[1.2.3.4]: 550 5.7.1 <x@y>: suppressed",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "campaign-filter[1]: ABC: campaign=c1 nrcpt=1 sent=1 suppressed=0 size=10 requeued=4Q7x",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "campaign-milter[1]: ABC: campaign=\"spring sa",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "campaign-milter[1]: ABC: campaign=c1 from=<a@b> return=<r@x> nrcpt=1",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
	{H "postfix/smtp[1]: ABC:",
	 CS_OTHER, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, -1, -1, -1, -1},
};

static void
expect(struct cs_str s, const char *want, const char *what, size_t row)
{
	char	got[512];

	if (want == NULL)
		return;
	snprintf(got, sizeof(got), "%.*s", (int) s.n, s.p);
	CHECK_STR(got, want, "row %zu: %s", row, what);
}

/* parse - one line from an exact-size heap copy (freed by the caller) */
static enum cs_kind
parse(const char *line, size_t n, char **copy, struct cs_event *ev)
{
	struct cs_clock ck;
	struct cs_line l;

	*copy = malloc(n ? n : 1);
	memcpy(*copy, line, n);
	cs_clock_init(&ck, 0, 2026);
	if (cs_line_parse(*copy, n, &ck, &l) < 0)
		return (enum cs_kind) -1;
	return cs_parse_msg(&l, ev);
}

static void
check_row(size_t i, const struct want *w)
{
	struct cs_event ev;
	char   *copy;
	enum cs_kind k = parse(w->line, strlen(w->line), &copy, &ev);

	CHECK_INT(k, w->kind, "row %zu: kind", i);
	if (k == w->kind && k != CS_OTHER && k != CS_BAD) {
		expect(ev.qid, w->qid, "qid", i);
		expect(ev.rcpt, w->rcpt, "rcpt", i);
		expect(ev.sender, w->sender, "sender", i);
		expect(ev.dsn, w->dsn, "dsn", i);
		expect(ev.reason, w->reason, "reason", i);
		expect(ev.campaign, w->campaign, "campaign", i);
		expect(ev.requeued, w->requeued, "requeued", i);
		if (k == CS_DELIVERY)
			CHECK_INT(ev.status, w->status, "row %zu: status", i);
		CHECK_INT(ev.delay, w->delay, "row %zu: delay", i);
		CHECK_INT(ev.nrcpt, w->nrcpt, "row %zu: nrcpt", i);
		CHECK_INT(ev.sent, w->sent, "row %zu: sent", i);
		CHECK_INT(ev.suppressed, w->suppressed, "row %zu: suppressed", i);
	}
	if (k == CS_BAD)
		CHECK(ev.why != NULL, "row %zu: CS_BAD says why", i);
	free(copy);
}

/* test_prefixes - every cut of every row: never read out of bounds, and a
 * cut notice line is never taken as a good one */
static void
test_prefixes(void)
{
	struct cs_event ev;
	size_t	i, n, h = strlen(H), bad = 0;
	char   *copy;
	enum cs_kind k;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		for (n = h; n < strlen(rows[i].line); n++) {
			k = parse(rows[i].line, n, &copy, &ev);
			if ((k == CS_MILTER || k == CS_FILTER) && n < strlen(rows[i].line)
			    && memmem(copy, n, " tags=", 6) == NULL
			    && memmem(copy, n, " ms=", 4) == NULL)
				bad++;
			free(copy);
		}
	CHECK_INT(bad, 0, "cut notice lines taken as whole");
}


/* the filter's batch lines (doc/DESIGN.md "Batches") */
static const struct {
	const char *line;
	enum cs_kind kind;
	const char *campaign, *batch, *copies;
	long	nrcpt, sent, suppressed, bad;
} brows[] = {
	{H "campaign-filter[7]: 4Q7xLa0Xy8z9sWc: campaign=c1 batch=b000017 nrcpt=1000 sent=990 suppressed=7 bad=3 size=120400 ms=812",
	 CS_BATCH, "c1", "b000017", "", 1000, 990, 7, 3},
	{H "campaign-filter[7]: ABC: campaign=c1 batch=b1 copies=4Q7xLb1Zk9z9sWd,DEF12,A",
	 CS_COPIES, "c1", "b1", "4Q7xLb1Zk9z9sWd,DEF12,A", -1, -1, -1, -1},
	/* a batch line without ms= was cut short */
	{H "campaign-filter[7]: ABC: campaign=c1 batch=b1 nrcpt=10 sent=10 suppressed=0 bad=0 size=1",
	 CS_BAD, NULL, NULL, NULL, -1, -1, -1, -1},
	/* copies lists: empty items, a non-alphanumeric queue id, one too long */
	{H "campaign-filter[7]: ABC: campaign=c1 batch=b1 copies=DEF12,,A",
	 CS_BAD, NULL, NULL, NULL, -1, -1, -1, -1},
	{H "campaign-filter[7]: ABC: campaign=c1 batch=b1 copies=DEF12,",
	 CS_BAD, NULL, NULL, NULL, -1, -1, -1, -1},
	{H "campaign-filter[7]: ABC: campaign=c1 batch=b1 copies=DEF-12",
	 CS_BAD, NULL, NULL, NULL, -1, -1, -1, -1},
	{H "campaign-filter[7]: ABC: campaign=c1 batch=b1 copies=4Q7xLb1Zk9z9sWdQ7xLb1Zk9z9sWdABC",
	 CS_BAD, NULL, NULL, NULL, -1, -1, -1, -1},
	/* a bad record: counted by the batch line, not here */
	{H "campaign-filter[7]: ABC: batch=b1 bad record line=4 to=<a@@b> reason=\"bad address\"",
	 CS_OTHER, NULL, NULL, NULL, -1, -1, -1, -1},
	/* a copy the reinjection listener refused: counted by the batch
	 * line's rejected=; this line gives its reason */
	{H "campaign-filter[7]: ABC: batch=b1 rejected line=4 to=<a@b.example> reply=\"RCPT TO: 550 5.1.1 no\"",
	 CS_COPY_REJECT, "", "b1", "", -1, -1, -1, -1},
	/* ... cut short inside the reply, or without to= */
	{H "campaign-filter[7]: ABC: batch=b1 rejected line=4 to=<a@b.example> reply=\"RCPT TO: 550 5.1",
	 CS_BAD, NULL, NULL, NULL, -1, -1, -1, -1},
	{H "campaign-filter[7]: ABC: batch=b1 rejected line=4 reply=\"RCPT TO: 550 5.1.1 no\"",
	 CS_BAD, NULL, NULL, NULL, -1, -1, -1, -1},
	{H "campaign-filter[7]: ABC: campaign=c1 batch=b1 nrcpt=3 sent=1 suppressed=0 bad=0 rejected=2 size=9 ms=8",
	 CS_BATCH, "c1", "b1", "", 3, 1, 0, 0},
	/* the per-recipient filter line stays CS_FILTER */
	{H "campaign-filter[7]: ABC: campaign=c1 nrcpt=1 sent=1 suppressed=0 size=1 requeued=DEF ms=1",
	 CS_FILTER, "c1", "", "", 1, 1, 0, -1},
};

/* str_is - a parsed field against a row's wanted value (NULL: unchecked) */
static void
str_is(struct cs_str got, const char *want, size_t i, const char *what)
{
	char	buf[128];

	if (want == NULL)
		return;
	snprintf(buf, sizeof(buf), "%.*s", (int) got.n, got.p ? got.p : "");
	CHECK_STR(buf, want, "batch row %zu: %s", i, what);
}

static void
test_batch_lines(void)
{
	struct cs_event ev;
	struct cs_str list, q;
	char   *copy;
	size_t	i, n;

	for (i = 0; i < sizeof(brows) / sizeof(brows[0]); i++) {
		CHECK_INT(parse(brows[i].line, strlen(brows[i].line), &copy, &ev),
			  brows[i].kind, "batch row %zu: kind (%s)", i, ev.why ? ev.why : "");
		if (brows[i].kind != CS_BAD && brows[i].kind != CS_OTHER) {
			str_is(ev.campaign, brows[i].campaign, i, "campaign");
			str_is(ev.batch, brows[i].batch, i, "batch");
			str_is(ev.copies, brows[i].copies, i, "copies");
			CHECK_INT(ev.nrcpt, brows[i].nrcpt, "batch row %zu: nrcpt", i);
			CHECK_INT(ev.sent, brows[i].sent, "batch row %zu: sent", i);
			CHECK_INT(ev.suppressed, brows[i].suppressed, "batch row %zu: suppressed", i);
			CHECK_INT(ev.bad, brows[i].bad, "batch row %zu: bad", i);
			CHECK_INT(ev.rejected, strstr(brows[i].line, " rejected=2 ") ? 2 : -1,
				  "batch row %zu: rejected", i);
		}
		free(copy);
	}
	/* the refused copy's recipient, reply, code and status */
	for (i = 0; brows[i].kind != CS_COPY_REJECT; i++)
		;
	parse(brows[i].line, strlen(brows[i].line), &copy, &ev);
	str_is(ev.rcpt, "a@b.example", i, "rcpt");
	str_is(ev.reason, "RCPT TO: 550 5.1.1 no", i, "reason");
	str_is(ev.code, "550", i, "code");
	str_is(ev.dsn, "5.1.1", i, "dsn");
	free(copy);
	/* a reply without an enhanced status code */
	{
		static const char l[] = H "campaign-filter[7]: ABC: batch=b1 rejected line=4 "
		    "to=<a@b.example> reply=\"DATA: 554 no thanks\"";

		CHECK_INT(parse(l, sizeof(l) - 1, &copy, &ev), CS_COPY_REJECT, "reply without x.y.z");
		str_is(ev.code, "554", 0, "code without x.y.z");
		str_is(ev.dsn, "", 0, "no dsn");
		free(copy);
	}
	/* the copies list, one queue id at a time */
	parse(brows[1].line, strlen(brows[1].line), &copy, &ev);
	list = ev.copies;
	for (n = 0; cs_copies_next(&list, &q); n++)
		CHECK(q.n > 0 && q.n <= CS_QID_MAX, "copies item %zu", n);
	CHECK_INT(n, 3, "copies: three queue ids");
	free(copy);
	/* every cut of a batch line before ms= is bad */
	for (n = strlen(H), i = 0; n < strlen(brows[0].line) - 4; n++) {
		if (parse(brows[0].line, n, &copy, &ev) == CS_BATCH)
			i++;
		free(copy);
	}
	CHECK_INT(i, 0, "cut batch lines taken as whole");
}

/* campaign-bounce's verdicts and campaign-unsubscribe's lines */
#define VERDICT	"campaign-bounce[8]: 4Q7xLc2Ab3z9sWe: campaign=spring recipient=<gone@d.example> " \
	"kind=dsn category=bad-mailbox status=5.1.1 code=550 action=suppressed rcpt_via=verp campaign_via=verp"
static const struct {
	const char *line;
	enum cs_kind kind;
	const char *qid, *campaign, *rcpt, *signal, *category, *action, *dsn, *code, *result;
} srows[] = {
	{H VERDICT, CS_SIGNAL, "4Q7xLc2Ab3z9sWe", "spring", "gone@d.example", "dsn",
	 "bad-mailbox", "suppressed", "5.1.1", "550", ""},
	{H "campaign-bounce[8]: ABC: campaign=spring recipient=<a@d.example> kind=arf category=complaint status=\"\" code=\"\" action=suppressed rcpt_via=verp campaign_via=verp",
	 CS_SIGNAL, "ABC", "spring", "a@d.example", "arf", "complaint", "suppressed", "", "", ""},
	{H "campaign-bounce[8]: ABC: campaign=unknown recipient=<> kind=autoreply category=autoreply status=\"\" code=\"\" action=ignored rcpt_via=none campaign_via=none",
	 CS_SIGNAL, "ABC", "unknown", "", "autoreply", "autoreply", "ignored", "", "", ""},
	{H "campaign-bounce[8]: ABC: campaign=c recipient=<q@d.example> kind=dsn category=quota status=5.2.2 code=552 action=soft soft=1/3 rcpt_via=verp campaign_via=returned",
	 CS_SIGNAL, "ABC", "c", "q@d.example", "dsn", "quota", "soft", "5.2.2", "552", ""},
	/* cut before campaign_via=; a kind, category or action malformed or missing */
	{H "campaign-bounce[8]: ABC: campaign=c recipient=<q@d.example> kind=dsn category=quota status=5.2.2 code=552 action=soft rcpt_via=verp",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
	{H "campaign-bounce[8]: ABC: campaign=c recipient=<q@d.example> kind=DSN category=quota status=5.2.2 code=552 action=soft rcpt_via=verp campaign_via=verp",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
	{H "campaign-bounce[8]: ABC: campaign=c recipient=<q@d.example> kind=dsn category=\"a b\" status=5.2.2 code=552 action=soft rcpt_via=verp campaign_via=verp",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
	{H "campaign-bounce[8]: ABC: campaign=c recipient=<q@d.example> kind=dsn category=quota status=5.2.2 code=552 rcpt_via=verp campaign_via=verp",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
	{H "campaign-bounce[8]: ABC: recipient=<q@d.example> kind=dsn category=quota status=5.2.2 code=552 action=soft rcpt_via=verp campaign_via=verp",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
	/* campaign-bounce's warning is not a verdict */
	{H "campaign-bounce[8]: warning: ABC: recipient=<q@d.example> category=quota: database error",
	 CS_OTHER, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
	/* unsubscribes: HTTP, the mailto: form with its queue id, a replay */
	{H "campaign-unsubscribe[9]: unsubscribe: campaign=spring rcpt=<a@d.example> via=http status=added",
	 CS_UNSUB, "", "spring", "a@d.example", "", "", "", "", "", "added"},
	{H "campaign-unsubscribe[9]: unsubscribe: campaign=spring rcpt=<\"x y\"@d.example> via=mail qid=4Q7xLc2Ab3z9sWe status=kept",
	 CS_UNSUB, "", "spring", "\"x y\"@d.example", "", "", "", "", "", "kept"},
	{H "campaign-unsubscribe[9]: unsubscribe: campaign=spring rcpt=<a@d.example> via=http status=add",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
	{H "campaign-unsubscribe[9]: unsubscribe: campaign=spring rcpt=<a@d.example> via=http",
	 CS_BAD, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
	{H "campaign-unsubscribe[9]: listening on 127.0.0.1:8025",
	 CS_OTHER, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

static void
sstr_is(struct cs_str got, const char *want, size_t i, const char *what)
{
	char	buf[128];

	if (want == NULL)
		return;
	snprintf(buf, sizeof(buf), "%.*s", (int) got.n, got.p ? got.p : "");
	CHECK_STR(buf, want, "signal row %zu: %s", i, what);
}

static void
test_signal_lines(void)
{
	struct cs_event ev;
	char   *copy;
	size_t	i, n, whole = 0;

	for (i = 0; i < sizeof(srows) / sizeof(srows[0]); i++) {
		CHECK_INT(parse(srows[i].line, strlen(srows[i].line), &copy, &ev),
			  srows[i].kind, "signal row %zu: kind (%s)", i, ev.why ? ev.why : "");
		if (srows[i].kind == CS_SIGNAL || srows[i].kind == CS_UNSUB) {
			sstr_is(ev.qid, srows[i].qid, i, "qid");
			sstr_is(ev.campaign, srows[i].campaign, i, "campaign");
			sstr_is(ev.rcpt, srows[i].rcpt, i, "recipient");
			sstr_is(ev.signal, srows[i].signal, i, "kind");
			sstr_is(ev.category, srows[i].category, i, "category");
			sstr_is(ev.action, srows[i].action, i, "action");
			sstr_is(ev.dsn, srows[i].dsn, i, "status");
			sstr_is(ev.code, srows[i].code, i, "code");
			sstr_is(ev.result, srows[i].result, i, "result");
		}
		free(copy);
	}
	/* every cut of a verdict before campaign_via= is bad, never a verdict */
	for (n = strlen(H); n < strlen(H VERDICT) - strlen(" campaign_via=verp"); n++) {
		if (parse(H VERDICT, n, &copy, &ev) == CS_SIGNAL)
			whole++;
		free(copy);
	}
	CHECK_INT(whole, 0, "cut verdict lines taken as whole");
}

/* the other fields the report side reads: orig_to=, reject code, return= */
static void
test_report_fields(void)
{
	static const char dl[] = H "postfix/local[3]: ABC: to=<devnull@x.example>, orig_to=<bounces+c1+u=d.example@b.example>, relay=local, delay=0.01, dsn=2.0.0, status=sent (delivered to file: /dev/null)";
	static const char rj[] = H "postfix/smtpd[6]: NOQUEUE: reject: RCPT from h[192.0.2.1]: 450 4.1.2 <y@nx.example>: Recipient address rejected: Domain not found; from=<b@x> to=<y@nx.example> proto=ESMTP helo=<h>";
	static const char ml[] = H "campaign-milter[1]: ABC: campaign=c1 from=<n@x> return=<bounces+c1+u=d.example@b.example> nrcpt=1 tags=list";
	struct cs_event ev;
	char   *copy;

	CHECK_INT(parse(dl, strlen(dl), &copy, &ev), CS_DELIVERY, "orig_to line");
	sstr_is(ev.orig_to, "bounces+c1+u=d.example@b.example", 0, "orig_to");
	sstr_is(ev.rcpt, "devnull@x.example", 0, "to with orig_to");
	free(copy);
	CHECK_INT(parse(rj, strlen(rj), &copy, &ev), CS_REJECT, "reject line");
	sstr_is(ev.code, "450", 1, "reject code");
	sstr_is(ev.dsn, "4.1.2", 1, "reject dsn");
	free(copy);
	CHECK_INT(parse(ml, strlen(ml), &copy, &ev), CS_MILTER, "milter line");
	sstr_is(ev.ret, "bounces+c1+u=d.example@b.example", 2, "return");
	free(copy);
}

static void
test_patterns(void)
{
	static const struct {
		const char *sender, *id;	/* id NULL: no match */
	} cases[] = {
		{"bounces+spring@example.com", "spring"},
		{"BOUNCES+Spring-2026@Example.COM", "Spring-2026"},
		{"bounces+c1+user=dom.example@example.com", "c1"},
		{"campaign-autumn_1@example.com", "autumn_1"},
		{"news@example.com", NULL},
		{"bounces+@example.com", NULL},
		{"bounces+a b@example.com", NULL},
		{"", NULL},
	};
	struct cs_pattern pat;
	struct cerr e;
	struct cs_str id;
	char	got[128];
	size_t	i;
	int	r;

	CHECK_INT(cs_pattern_init(&pat, CS_PATTERN_DEFAULT, &e), 0, "default pattern");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = cs_pattern_match(&pat, cases[i].sender, strlen(cases[i].sender), &id);
		CHECK_INT(r, cases[i].id != NULL, "match %s", cases[i].sender);
		if (r && cases[i].id) {
			snprintf(got, sizeof(got), "%.*s", (int) id.n, id.p);
			CHECK_STR(got, cases[i].id, "id of %s", cases[i].sender);
		}
	}
	cs_pattern_free(&pat);
	CHECK_INT(cs_pattern_init(&pat, "no-id@*", &e), -1, "template without %%c");
	cs_pattern_free(&pat);
	CHECK_INT(cs_pattern_init(&pat, "%c%c@*", &e), -1, "two %%c");
	cs_pattern_free(&pat);
	CHECK_INT(cs_pattern_init(&pat, "*a*b*c*d*%c", &e), -1, "five stars");
	cs_pattern_free(&pat);
	CHECK_INT(cs_pattern_init(&pat, "", &e), -1, "empty list");
	cs_pattern_free(&pat);
}

/* test_shape_lines - campaign-shaper's shape: line, its others, a cut one */
static void
test_shape_lines(void)
{
	static const char good[] = "2026-12-03T10:00:01+00:00 mx1 campaign-shaper[30]: "
	    "shape: provider=google action=rate_delay value=1s duration=600 "
	    "until=2026-12-03T10:10:01Z rule=/r:26 qid=B1 to=<a@gmail.test> reason=\"421 4.7.28 x\"";
	static const struct {
		const char *line;
		enum cs_kind kind;
	}	others[] = {
		{"2026-12-03T10:00:02+00:00 mx1 campaign-shaper[30]: reload: changed=1 actions=1", CS_OTHER},
		{"2026-12-03T10:10:02+00:00 mx1 campaign-shaper[30]: restore: provider=google action=rate_delay value=0", CS_OTHER},
		{"2026-12-03T10:00:01+00:00 mx1 campaign-shaper[30]: shape: provider=google action=rate_delay", CS_BAD},
		{"2026-12-03T10:00:01+00:00 mx1 campaign-shaper[30]: shape: provider=Google action=rate_delay value=1s duration=6", CS_BAD},
		{"2026-12-03T10:00:01+00:00 mx1 campaign-shaper[30]: shape: provider=google action=explode value=1s duration=6", CS_BAD},
	};
	struct cs_event ev;
	char   *copy;
	size_t	i;

	CHECK_INT(parse(good, strlen(good), &copy, &ev), CS_SHAPE, "shape line");
	sstr_is(ev.provider, "google", 0, "shaper provider");
	sstr_is(ev.action, "rate_delay", 0, "shaper action");
	sstr_is(ev.value, "1s", 0, "shaper value");
	CHECK_INT(ev.duration, 600, "shaper duration");
	free(copy);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		CHECK_INT(parse(others[i].line, strlen(others[i].line), &copy, &ev),
			  others[i].kind, "shaper row %zu", i);
		free(copy);
	}
}

/* smtp(8)'s TLS lines (smtp_tls_loglevel 1) and the delivery's conn_use= */
#define TLSV	": TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519"
static const struct {
	const char *line;
	enum cs_kind kind;
	enum cs_tls tls;
	const char *relay;
} tls_rows[] = {
	{H "postfix/smtp[7]: Untrusted TLS connection established to mx.example.org[192.0.2.7]:25" TLSV,
	 CS_TLS, CS_TLS_UNTRUSTED, "mx.example.org[192.0.2.7]:25"},
	{H "postfix/campaign-google/smtp[7]: Verified TLS connection established to mx[2001:db8::1]:25" TLSV,
	 CS_TLS, CS_TLS_VERIFIED, "mx[2001:db8::1]:25"},
	{H "postfix/smtp[7]: Trusted TLS connection reused to mx[192.0.2.7]:25" TLSV,
	 CS_TLS, CS_TLS_TRUSTED, "mx[192.0.2.7]:25"},
	{H "postfix/lmtp[7]: Anonymous TLS connection established to lmtp[192.0.2.8]:24" TLSV,
	 CS_TLS, CS_TLS_ANONYMOUS, "lmtp[192.0.2.8]:24"},
	{H "postfix/tlsproxy[7]: Untrusted TLS connection established to mx[192.0.2.7]:25" TLSV,
	 CS_OTHER, CS_TLS_NONE, NULL},
	{H "postfix/smtpd[7]: Anonymous TLS connection established from c[192.0.2.9]" TLSV,
	 CS_OTHER, CS_TLS_NONE, NULL},
	{H "postfix/smtp[7]: Mostly TLS connection established to mx[192.0.2.7]:25" TLSV,
	 CS_OTHER, CS_TLS_NONE, NULL},
	{H "campaign-filter[7]: Untrusted TLS connection established to mx[192.0.2.7]:25" TLSV,
	 CS_OTHER, CS_TLS_NONE, NULL},
	{H "postfix/smtp[7]: Untrusted TLS connection established to mx.example.org[192.0",
	 CS_BAD, CS_TLS_NONE, NULL},
	{H "postfix/smtp[7]: Untrusted TLS connection established to : x",
	 CS_BAD, CS_TLS_NONE, NULL},
};

/* test_tls_lines - the TLS lines, each cut of the first, and conn_use= */
static void
test_tls_lines(void)
{
	static const char *conn[] = {
		H "postfix/smtp[7]: Q1: to=<a@b>, relay=mx[192.0.2.7]:25, conn_use=3, delay=1, dsn=2.0.0, status=sent (ok)",
		H "postfix/smtp[7]: Q1: to=<a@b>, relay=mx[192.0.2.7]:25, delay=1, dsn=2.0.0, status=sent (ok)",
		H "postfix/smtp[7]: Q1: to=<a@b>, relay=mx[192.0.2.7]:25, conn_use=x, dsn=2.0.0, status=sent (ok)",
	};
	static const long conn_use[] = {3, -1, -1};
	struct cs_event ev;
	char   *copy, got[128];
	size_t	i, n, bad = 0;
	enum cs_kind k;

	for (i = 0; i < sizeof(tls_rows) / sizeof(tls_rows[0]); i++) {
		k = parse(tls_rows[i].line, strlen(tls_rows[i].line), &copy, &ev);
		CHECK_INT(k, tls_rows[i].kind, "TLS row %zu: kind", i);
		if (k == CS_TLS) {
			CHECK_INT(ev.tls, tls_rows[i].tls, "TLS row %zu: level", i);
			expect(ev.relay, tls_rows[i].relay, "TLS relay", i);
			CHECK_INT(ev.qid.n, 0, "TLS row %zu: no queue id", i);
		}
		free(copy);
	}
	for (n = strlen(H); n < strlen(tls_rows[0].line); n++) {
		if ((k = parse(tls_rows[0].line, n, &copy, &ev)) == CS_TLS) {
			snprintf(got, sizeof(got), "%.*s", (int) ev.relay.n, ev.relay.p);
			bad += strcmp(got, tls_rows[0].relay) != 0;
		}
		free(copy);
	}
	CHECK_INT(bad, 0, "a cut TLS line never gives a cut relay");
	for (i = 0; i < 3; i++) {
		k = parse(conn[i], strlen(conn[i]), &copy, &ev);
		CHECK_INT(k, CS_DELIVERY, "conn_use row %zu: kind", i);
		CHECK_INT(ev.conn_use, conn_use[i], "conn_use row %zu", i);
		expect(ev.relay, "mx[192.0.2.7]:25", "conn_use relay", i);
		free(copy);
	}
}

int
main(void)
{
	size_t	i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_row(i, &rows[i]);
	test_tls_lines();
	test_prefixes();
	test_batch_lines();
	test_signal_lines();
	test_shape_lines();
	test_report_fields();
	test_patterns();
	return TEST_DONE("test_stat_parse");
}
