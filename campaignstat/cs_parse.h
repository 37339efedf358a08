/*
 * NAME
 *	cs_parse - recognise the Postfix and campaign log messages campaignstat uses
 * SYNOPSIS
 *	#include "cs_parse.h"
 *
 *	struct cs_event ev;
 *	switch (cs_parse_msg(&line, &ev)) { case CS_DELIVERY: ... }
 *
 *	struct cs_pattern pat;
 *	cs_pattern_init(&pat, "*+%c@*,campaign-%c@*", &e);
 *	if (cs_pattern_match(&pat, sender, n, &id)) ...
 * DESCRIPTION
 *	cs_parse_msg() looks at the program name and the message text of a
 *	line split by cs_line_parse() and returns its kind, filling ev with
 *	pointers into the line (nothing is copied):
 *
 *	CS_DELIVERY	any Postfix delivery agent (smtp, lmtp, local, virtual,
 *			pipe, error, discard, ...):
 *			"QID: to=<a>, [orig_to=<o>, ]relay=R, delay=D,
 *			delays=a/b/c/d, dsn=X.Y.Z, status=S (text)"; a
 *			delivery over a cached connection has "conn_use=N"
 *			after relay= (ev->conn_use, else -1).  Only
 *			to= and status= are required (the compact delivery log
 *			may trim the rest); unknown fields are skipped.
 *			status=sent from discard(8) (program NAME/discard)
 *			is CS_ST_DISCARDED: the copy was dropped, never
 *			delivered (campaign-setup --discard-suppressed routes
 *			a suppressed address there at each attempt).
 *	CS_QUEUED	qmgr "QID: from=<s>, size=N, nrcpt=N (queue active)"
 *	CS_EXPIRED	qmgr "QID: from=<s>, status=expired, returned to sender"
 *	CS_REMOVED	qmgr "QID: removed"
 *	CS_REJECT	smtpd/cleanup "NOQUEUE: reject: RCPT from h[a]: 550
 *			5.7.1 <r>: Recipient address rejected: why; from=<s>
 *			to=<r> proto=ESMTP helo=<h>", also "QID: reject:" and
 *			"QID: milter-reject:" (ev->code the reply code, ev->dsn
 *			the enhanced status, when the reply has them)
 *	CS_MILTER	campaign-milter "QID: campaign=ID from=<o> return=<r>
 *			nrcpt=N tags=list"
 *	CS_FILTER	campaign-filter "QID: campaign=ID nrcpt=N sent=N
 *			suppressed=N size=B requeued=NEWQID ms=T"
 *			(a notice line without its last field, tags= or ms=,
 *			or ending inside quotes, was cut short: CS_BAD)
 *	CS_BATCH	campaign-filter, a batch done (doc/DESIGN.md "Batches"):
 *			"QID: campaign=ID batch=BID nrcpt=N sent=N
 *			suppressed=N bad=N [rejected=N] size=B ms=T" (cut
 *			short without ms=: CS_BAD; rejected= only when
 *			the reinjection listener refused copies)
 *	CS_COPIES	campaign-filter, copies of a batch accepted: "QID:
 *			campaign=ID batch=BID copies=NEWQID,NEWQID,..."
 *			(ev->copies: the list; each item 1..CS_QID_MAX
 *			letters and digits, else CS_BAD).  A batch's bad
 *			record lines ("QID: batch=BID bad record line=L
 *			...") are CS_OTHER: the CS_BATCH line counts them.
 *	CS_COPY_REJECT	campaign-filter, a copy of a batch the reinjection
 *			listener refused with 5xx: "QID: batch=BID rejected
 *			line=L to=<a> reply="CMD: CODE X.Y.Z text"" (ev->rcpt,
 *			ev->reason the reply, ev->code and ev->dsn from it
 *			when it has them; the CS_BATCH line counts the copy,
 *			this line gives its reason; cut short or without to=:
 *			CS_BAD)
 *	CS_SIGNAL	campaign-bounce, the verdict on a message to the
 *			return path: "QID: campaign=ID|unknown recipient=<a>
 *			kind=dsn|arf|autoreply|other category=CAT
 *			status=X.Y.Z code=NNN action=ACTION [soft=N/L]
 *			rcpt_via=V campaign_via=V" (ev->signal the kind,
 *			ev->dsn the status, ev->code, ev->category,
 *			ev->action; cut short without campaign_via=, or a
 *			kind, category or action missing or malformed: CS_BAD)
 *	CS_UNSUB	campaign-unsubscribe: "unsubscribe: campaign=ID
 *			rcpt=<a> via=http|mail [qid=QID] status=added|kept"
 *			(ev->result the status; no queue id; cut short
 *			without status=: CS_BAD)
 *	CS_TLS		Postfix smtp(8) or lmtp(8) with smtp_tls_loglevel 1,
 *			no queue id: "Untrusted TLS connection established
 *			to HOST[ADDR]:PORT: TLSv1.3 with cipher ..." (first
 *			word Anonymous, Untrusted, Trusted or Verified: ev->tls;
 *			"reused" instead of "established" alike); ev->relay
 *			is "HOST[ADDR]:PORT" as the delivery line's relay=
 *			writes it.  The same line of tlsproxy(8) is CS_OTHER;
 *			one without ": " after the relay (cut short) CS_BAD.
 *	CS_OTHER	a line of a known or unknown program that carries
 *			nothing campaignstat counts
 *	CS_BAD		a line that looks like one of the above but is broken
 *			(truncated, missing a required field); ev->why says
 *			what is wrong
 *
 *	Addresses keep Postfix's form without the angle brackets (a quoted
 *	local part keeps its quotes).  Values of our notice lines that are
 *	written in double quotes (clog.h) come without the quotes, escapes
 *	left in place.  Numbers that are absent are -1; delay is in
 *	hundredths of a second.
 *
 *	A queue id is 1 to CS_QID_MAX letters and digits (short hexadecimal
 *	ids and enable_long_queue_ids ids alike).
 *
 *	cs_copies_next() takes the next queue id off a CS_COPIES list
 *	(list shrinks): 1, or 0 when the list is used up.
 *
 *	cs_pattern_* map an envelope sender to a campaign id.  A pattern is a
 *	comma-separated list of templates tried in order; in a template "*"
 *	matches any run of bytes, "%c" matches the campaign id (one or more
 *	of A-Z a-z 0-9 . _ -), and every other byte matches itself, ignoring
 *	case.  cs_pattern_init() returns 0, or -1 with e filled when a
 *	template lacks exactly one %c or the list is too long.
 *	cs_pattern_match() returns 1 and sets *id (pointing into s) on a
 *	match, 0 otherwise.
 * SEE ALSO
 *	Postfix log_adhoc.c (the delivery line), qmgr_active.c (expiry),
 *	smtpd_check.c (reject lines); DESIGN.md (our notice lines).
 */
#ifndef CS_PARSE_H
#define CS_PARSE_H

#include "cerr.h"
#include "cs_line.h"

#define CS_QID_MAX	31
#define CS_PATTERN_MAX	8

enum cs_kind {
	CS_OTHER = 0,
	CS_BAD,
	CS_DELIVERY,
	CS_QUEUED,
	CS_EXPIRED,
	CS_REMOVED,
	CS_REJECT,
	CS_MILTER,
	CS_FILTER,
	CS_BATCH,
	CS_COPIES,
	CS_COPY_REJECT,			/* a batch copy refused by the listener */
	CS_SIGNAL,
	CS_UNSUB,
	CS_SHAPE,			/* campaign-shaper's shape: line */
	CS_TLS,				/* smtp(8): TLS connection established */
};

/* the TLS line's first word (smtp_tls_loglevel 1); 0: no TLS */
enum cs_tls {
	CS_TLS_NONE = 0,
	CS_TLS_ANONYMOUS,
	CS_TLS_UNTRUSTED,
	CS_TLS_TRUSTED,
	CS_TLS_VERIFIED,
};

enum cs_status {
	CS_ST_NONE = 0,
	CS_ST_SENT,
	CS_ST_DEFERRED,
	CS_ST_BOUNCED,
	CS_ST_EXPIRED,
	CS_ST_OTHER,
	CS_ST_DISCARDED,		/* status=sent from discard(8) */
};

struct cs_event {
	enum cs_kind kind;
	struct cs_str qid;		/* empty for NOQUEUE */
	struct cs_str rcpt;		/* to= */
	struct cs_str sender;		/* from= */
	struct cs_str relay;
	struct cs_str dsn;
	struct cs_str reason;		/* status text, or reject text */
	struct cs_str campaign;
	struct cs_str requeued;
	struct cs_str batch;		/* batch= */
	struct cs_str copies;		/* copies=, "QID,QID,..." */
	struct cs_str orig_to;		/* delivery orig_to= */
	struct cs_str ret;		/* milter return= */
	struct cs_str code;		/* reply code: reject, campaign-bounce */
	struct cs_str signal;		/* campaign-bounce kind= */
	struct cs_str category;		/* campaign-bounce category= */
	struct cs_str action;		/* campaign-bounce action= */
	struct cs_str result;		/* campaign-unsubscribe status= */
	struct cs_str prog;		/* the line's program (syslog tag) */
	struct cs_str provider;		/* campaign-shaper provider= */
	struct cs_str value;		/* campaign-shaper value= */
	long	duration;		/* campaign-shaper duration=, s */
	long	conn_use;		/* delivery conn_use=, -1 = absent */
	enum cs_tls tls;		/* CS_TLS: the connection's trust */
	enum cs_status status;
	long	delay;			/* 1/100 s, -1 = absent */
	long	nrcpt;
	long	sent;
	long	suppressed;
	long	bad;			/* bad= of a batch */
	long	rejected;		/* rejected= of a batch (absent: 0) */
	const char *why;		/* CS_BAD: what is wrong */
};

struct cs_pattern {
	int	n;
	char   *tmpl[CS_PATTERN_MAX];
};

enum cs_kind cs_parse_msg(const struct cs_line *l, struct cs_event *ev);

int	cs_pattern_init(struct cs_pattern *pat, const char *list, struct cerr *e);
int	cs_pattern_match(const struct cs_pattern *pat, const char *s, size_t n,
			 struct cs_str *id);
void	cs_pattern_free(struct cs_pattern *pat);

int	cs_copies_next(struct cs_str *list, struct cs_str *qid);

#define CS_PATTERN_DEFAULT	"*+%c@*,*+%c+*@*,campaign-%c@*"

#endif
