/*
 * NAME
 *	test_stat_track - campaignstat's message tracking and counts
 * DESCRIPTION
 *	Table-driven: each scenario is a short log (whole lines, parsed as
 *	campaignstat parses them) and the counts wanted per campaign, written
 *	"campaign: name=N ..." with the JSON count names.  Scenarios follow a
 *	message from the milter's queue id through the filter's requeued= id
 *	to its deliveries (also when Postfix logs the delivery before the
 *	filter's line), deferrals, expiry, suppression before the queue and
 *	late, plain Postfix logs, several hosts sharing a queue id, a log
 *	starting mid-campaign; batches (the filter's batch line and its
 *	copies= lines: recipients in, suppressed, bad records, each copy's
 *	delivery, a delivery logged before its copies= line, a batch
 *	logged again after a retry, copies logged again by a filter run
 *	after a kill, both modes side by side); the signals (campaign-bounce's
 *	verdicts, campaign-unsubscribe's lines), the complaint flag's
 *	thresholds, the bounce categories (with a classifier, Postfix's reject
 *	framing left out), mail to the return path that is never a delivery,
 *	the --bounced export (lib/supentry's entry, no sender block); that memory
 *	is released when every recipient has its outcome; the log
 *	bytes given to each campaign; and that a host past the full host
 *	table is counted as lost, never filed under another host.
 * SEE ALSO
 *	campaignstat/cs_track.h, campaignstat-json.md (the count names).
 */
#include <stdlib.h>
#include <string.h>

#include "testhelp.h"
#include "../../campaignstat/cs_report.h"

#define MAXL	16

struct scenario {
	const char *name;
	const char *lines[MAXL];
	const char *want[4];		/* "campaign: count=N ..." */
	long	live;			/* entries left in the table, -1 any */
};

#define T(s)	"2026-11-28T10:00:" s "+00:00 mx1 "
#define MILTER(t, q, c, n) T(t) "campaign-milter[1]: " q ": campaign=" c \
	" from=<news@example.com> return=<bounces+" c "@example.com> nrcpt=" n " tags=x"
#define MILTERB(t, q, c, b) T(t) "campaign-milter[1]: " q ": campaign=" c \
	" from=<news@example.com> return=<bounces+" c "@example.com> nrcpt=1 batch=" b " tags=x"
#define FILTER(t, q, c, n, s, x, r) T(t) "campaign-filter[2]: " q ": campaign=" c \
	" nrcpt=" n " sent=" s " suppressed=" x " size=100 requeued=" r " ms=1"
#define QMGR(t, q, from, n) T(t) "postfix/qmgr[3]: " q ": from=<" from ">, size=100, nrcpt=" n " (queue active)"
#define HOP(t, q, to) T(t) "postfix/pipe[4]: " q ": to=<" to ">, relay=campaign, delay=0.1, dsn=2.0.0, status=sent (delivered via campaign service)"
#define BATCH(t, q, c, b, n, s, x, bad) T(t) "campaign-filter[2]: " q ": campaign=" c \
	" batch=" b " nrcpt=" n " sent=" s " suppressed=" x " bad=" bad " size=9000 ms=20"
#define BATCH_R(t, q, c, b, n, s, rej) T(t) "campaign-filter[2]: " q ": campaign=" c \
	" batch=" b " nrcpt=" n " sent=" s " suppressed=0 bad=0 rejected=" rej " size=9000 ms=20"
#define COPIES(t, q, c, b, l) T(t) "campaign-filter[2]: " q ": campaign=" c " batch=" b " copies=" l
#define BATCHTO	"batch@batch.campaign.invalid"
#define VERDICT(t, q, c, r, k, cat, st, code, act) T(t) "campaign-bounce[6]: " q \
	": campaign=" c " recipient=<" r "> kind=" k " category=" cat " status=" st " code=" code \
	" action=" act " rcpt_via=verp campaign_via=verp"
#define UNSUB(t, c, r, st) T(t) "campaign-unsubscribe[7]: unsubscribe: campaign=" c \
	" rcpt=<" r "> via=http status=" st
#define TLSL(t, pid, relay) T(t) "postfix/smtp[" pid "]: Untrusted TLS connection established to " \
	relay ": TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"
#define SENT(t, pid, q, to, relay, extra) T(t) "postfix/smtp[" pid "]: " q ": to=<" to ">, relay=" \
	relay ", " extra "delay=0.2, delays=0/0/0.1/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)"
#define QC1(t, q, n) QMGR(t, q, "bounces+c1@example.com", n)
#define MXA	"mx.a.example[192.0.2.1]:25"
#define MXB	"mx.b.example[192.0.2.2]:25"
#define SMTP(t, q, to, dsn, st) T(t) "postfix/smtp[5]: " q ": to=<" to ">, relay=mx[1.2.3.4]:25, delay=1.5, delays=0/0/0/1.5, dsn=" dsn ", status=" st " (host mx said: " dsn " text)"

static const struct scenario scen[] = {
	{"milter -> filter -> delivery; hops are not deliveries", {
		MILTER("00.000000", "AAA1", "c1", "2"),
		QMGR("00.100000", "AAA1", "bounces+c1@example.com", "2"),
		QMGR("00.200000", "BBB2", "bounces+c1@example.com", "2"),
		FILTER("00.300000", "AAA1", "c1", "2", "2", "0", "BBB2"),
		HOP("00.310000", "AAA1", "u@d.example"),
		HOP("00.320000", "AAA1", "v@e.example"),
		SMTP("01.000000", "BBB2", "u@d.example", "2.0.0", "sent"),
		SMTP("01.100000", "BBB2", "v@e.example", "5.1.1", "bounced")},
	 {"c1: messages_injected=1 recipients_injected=2 delivered=1 bounced=1 "
	  "filter_hops=2 in_queue_messages=0 still_deferred_messages=0"}, 0},
	{"delivery logged before the filter's requeued= line", {
		MILTER("00.000000", "AAA1", "c1", "1"),
		SMTP("00.500000", "BBB2", "u@d.example", "2.0.0", "sent"),
		FILTER("00.600000", "AAA1", "c1", "1", "1", "0", "BBB2"),
		HOP("00.700000", "AAA1", "u@d.example")},
	 {"c1: messages_injected=1 delivered=1 filter_hops=1", "(unknown): delivered=0"}, 0},
	{"reinjected copy in qmgr's line and deferred before the filter's line", {
		MILTER("00.000000", "AAA1", "c1", "1"),
		FILTER("00.100000", "AAA1", "c1", "1", "1", "0", "BBB1"),
		HOP("00.110000", "AAA1", "u@d.example"),
		SMTP("00.200000", "BBB1", "u@d.example", "2.0.0", "sent"),
		MILTER("01.000000", "AAA2", "c1", "1"),
		QMGR("01.100000", "BBB2", "bounces+v=d.example@example.com", "1"),
		SMTP("01.200000", "BBB2", "v@d.example", "4.2.0", "deferred"),
		FILTER("01.300000", "AAA2", "c1", "1", "1", "0", "BBB2"),
		HOP("01.310000", "AAA2", "v@d.example"),
		SMTP("03.000000", "BBB2", "v@d.example", "2.0.0", "sent")},
	 {"c1: messages_injected=2 delivered=2 deferral_events=1 deferred_messages=1",
	  "(none): messages_injected=0 deferral_events=0"}, 0},
	{"plain mail in a log with filter lines: held past removed, by its sender", {
		MILTER("00.000000", "AAA1", "c1", "1"),
		FILTER("00.100000", "AAA1", "c1", "1", "0", "1", "\"\""),
		HOP("00.110000", "AAA1", "u@d.example"),
		QMGR("00.200000", "NNN1", "someone@example.com", "1"),
		SMTP("00.300000", "NNN1", "x@d.example", "2.0.0", "sent"),
		T("00.400000") "postfix/qmgr[3]: NNN1: removed"},
	 {"(none): messages_injected=1 delivered=1 in_queue_messages=0", "(unknown): delivered=0"}, 0},
	{"reinjected copy delivered and removed before the filter's line", {
		MILTER("00.000000", "AAA1", "c1", "1"),
		FILTER("00.100000", "AAA1", "c1", "1", "0", "1", "\"\""),
		HOP("00.110000", "AAA1", "u@d.example"),
		MILTER("01.000000", "AAA2", "c1", "1"),
		QMGR("01.100000", "BBB2", "bounces+v=d.example@example.com", "1"),
		SMTP("01.200000", "BBB2", "v@d.example", "2.0.0", "sent"),
		T("01.250000") "postfix/qmgr[3]: BBB2: removed",
		FILTER("01.300000", "AAA2", "c1", "1", "1", "0", "BBB2"),
		HOP("01.310000", "AAA2", "v@d.example"),
		T("01.400000") "postfix/qmgr[3]: AAA2: removed"},
	 {"c1: messages_injected=2 delivered=1 in_queue_messages=0", "(none): delivered=0 messages_injected=0"}, 0},
	{"an unlinked delivery counts as (unknown) after 5 s of log time", {
		MILTER("00.000000", "AAA1", "c1", "1"),
		SMTP("00.500000", "CCC3", "u@d.example", "2.0.0", "sent"),
		FILTER("06.000000", "AAA1", "c1", "1", "1", "0", "CCC3")},
	 {"c1: messages_injected=1 delivered=0", "(unknown): delivered=1"}, -1},
	{"a log starting mid-campaign", {
		SMTP("00.500000", "DDD4", "u@d.example", "2.0.0", "sent"),
		SMTP("00.600000", "DDD4", "v@d.example", "4.2.0", "deferred")},
	 {"(unknown): delivered=1 deferral_events=1 still_deferred_recipients=1"}, 1},
	{"deferred, then sent", {
		MILTER("00.000000", "AAA1", "c1", "1"),
		FILTER("00.100000", "AAA1", "c1", "1", "1", "0", "BBB2"),
		HOP("00.200000", "AAA1", "u@d.example"),
		SMTP("01.000000", "BBB2", "u@d.example", "4.2.0", "deferred"),
		SMTP("02.000000", "BBB2", "u@d.example", "4.2.0", "deferred"),
		SMTP("03.000000", "BBB2", "u@d.example", "2.0.0", "sent")},
	 {"c1: delivered=1 deferral_events=2 deferred_messages=1 "
	  "still_deferred_messages=0 still_deferred_recipients=0"}, 0},
	{"still deferred at the end, then expired", {
		MILTER("00.000000", "AAA1", "c1", "2"),
		FILTER("00.100000", "AAA1", "c1", "2", "2", "0", "BBB2"),
		HOP("00.200000", "AAA1", "u@d.example"),
		HOP("00.200000", "AAA1", "v@d.example"),
		SMTP("01.000000", "BBB2", "u@d.example", "4.2.0", "deferred"),
		SMTP("01.000000", "BBB2", "v@d.example", "2.0.0", "sent"),
		MILTER("02.000000", "AAA3", "c2", "1"),
		FILTER("02.100000", "AAA3", "c2", "1", "1", "0", "BBB4"),
		HOP("02.200000", "AAA3", "w@d.example"),
		SMTP("03.000000", "BBB4", "w@d.example", "4.2.0", "deferred"),
		T("04.000000") "postfix/qmgr[3]: BBB2: from=<bounces+c1@example.com>, status=expired, returned to sender"},
	 {"c1: delivered=1 deferral_events=1 expired_messages=1 expired_recipients=1 still_deferred_messages=0",
	  "c2: deferral_events=1 still_deferred_messages=1 still_deferred_recipients=1"}, 1},
	{"suppressed before the queue and late", {
		T("00.000000") "postfix/campaign/smtpd[6]: NOQUEUE: reject: RCPT from f[127.0.0.1]: 550 5.7.1 <x@d.example>: Recipient address rejected: suppressed: hard bounce; from=<bounces+c1@example.com> to=<x@d.example> proto=ESMTP helo=<f>",
		T("00.000001") "postfix/campaign/smtpd[6]: NOQUEUE: reject: RCPT from f[127.0.0.1]: 550 5.1.1 <y@d.example>: Recipient address rejected: unknown; from=<bounces+c1@example.com> to=<y@d.example> proto=ESMTP helo=<f>",
		MILTER("00.100000", "AAA1", "c1", "3"),
		FILTER("00.200000", "AAA1", "c1", "3", "1", "2", "BBB2"),
		HOP("00.300000", "AAA1", "u@d.example"),
		HOP("00.300000", "AAA1", "v@d.example"),
		HOP("00.300000", "AAA1", "w@d.example"),
		SMTP("01.000000", "BBB2", "u@d.example", "2.0.0", "sent")},
	 {"c1: messages_injected=1 recipients_injected=3 suppressed_before_queue=1 "
	  "rejected=1 suppressed_late=2 delivered=1 filter_hops=3"}, 0},
	{"every recipient suppressed late: no reinjection", {
		MILTER("00.000000", "AAA1", "c1", "2"),
		FILTER("00.100000", "AAA1", "c1", "2", "0", "2", "\"\""),
		HOP("00.200000", "AAA1", "u@d.example"),
		HOP("00.200000", "AAA1", "v@d.example")},
	 {"c1: suppressed_late=2 delivered=0 filter_hops=2 in_queue_messages=0"}, 0},
	{"plain Postfix log: campaign from the envelope sender", {
		QMGR("00.000000", "EEE5", "bounces+c3@example.com", "2"),
		SMTP("01.000000", "EEE5", "u@d.example", "2.0.0", "sent"),
		SMTP("01.000000", "EEE5", "v@d.example", "5.1.1", "bounced"),
		QMGR("00.000000", "EEE6", "someone@example.com", "1"),
		SMTP("01.000000", "EEE6", "w@d.example", "2.0.0", "sent"),
		T("02.000000") "postfix/qmgr[3]: EEE5: removed"},
	 {"c3: messages_injected=1 recipients_injected=2 delivered=1 bounced=1",
	  "(none): messages_injected=1 delivered=1"}, 0},
	{"a late milter line moves the injection from qmgr's sender", {
		QMGR("00.000000", "AAA1", "news@example.com", "1"),
		MILTER("00.000001", "AAA1", "c1", "1"),
		FILTER("00.100000", "AAA1", "c1", "1", "1", "0", "BBB2"),
		HOP("00.150000", "AAA1", "u@d.example"),
		QMGR("00.200000", "BBB2", "bounces+c1@example.com", "1"),
		SMTP("01.000000", "BBB2", "u@d.example", "2.0.0", "sent")},
	 {"c1: messages_injected=1 recipients_injected=1 delivered=1",
	  "(none): messages_injected=0 recipients_injected=0"}, 0},
	{"two hosts, one queue id", {
		MILTER("00.000000", "AAA1", "c1", "1"),
		"2026-11-28T10:00:00.000000+00:00 mx2 campaign-milter[1]: AAA1: campaign=c2 from=<n@x> return=<r@x> nrcpt=1 tags=x",
		FILTER("00.100000", "AAA1", "c1", "1", "1", "0", "BBB2"),
		"2026-11-28T10:00:00.100000+00:00 mx2 campaign-filter[1]: AAA1: campaign=c2 nrcpt=1 sent=1 suppressed=0 size=1 requeued=BBB2 ms=1",
		HOP("00.200000", "AAA1", "u@d.example"),
		"2026-11-28T10:00:00.200000+00:00 mx2 postfix/pipe[1]: AAA1: to=<u@d.example>, relay=campaign, dsn=2.0.0, status=sent (ok)",
		"2026-11-28T10:00:01.000000+00:00 mx2 postfix/smtp[5]: BBB2: to=<u@d.example>, relay=x, delay=1, dsn=5.1.1, status=bounced (no)",
		SMTP("01.000000", "BBB2", "u@d.example", "2.0.0", "sent")},
	 {"c1: delivered=1 bounced=0 filter_hops=1", "c2: delivered=0 bounced=1 filter_hops=1"}, 0},
	{"long queue ids (enable_long_queue_ids)", {
		MILTER("00.000000", "4Q7xLa0Xy8z9sWc", "c1", "1"),
		FILTER("00.100000", "4Q7xLa0Xy8z9sWc", "c1", "1", "1", "0", "4Q7xLb1Zk9z9sWd"),
		HOP("00.200000", "4Q7xLa0Xy8z9sWc", "u@d.example"),
		SMTP("01.000000", "4Q7xLb1Zk9z9sWd", "u@d.example", "2.0.0", "sent")},
	 {"c1: messages_injected=1 delivered=1"}, 0},
	{"batch: recipients in, suppressed, bad; each copy's delivery counts", {
		MILTER("00.000000", "AAA1", "c1", "1"),
		QMGR("00.100000", "AAA1", "bounces+c1@example.com", "1"),
		QMGR("00.200000", "BBB1", "bounces+c1+u=d.example@example.com", "1"),
		SMTP("00.250000", "BBB1", "u@d.example", "2.0.0", "sent"),
		COPIES("00.300000", "AAA1", "c1", "b000001", "BBB1,BBB2"),
		QMGR("00.310000", "BBB3", "bounces+c1+w=d.example@example.com", "1"),
		COPIES("00.320000", "AAA1", "c1", "b000001", "BBB3"),
		BATCH("00.400000", "AAA1", "c1", "b000001", "5", "3", "1", "1"),
		HOP("00.410000", "AAA1", BATCHTO),
		SMTP("01.000000", "BBB2", "v@d.example", "2.0.0", "sent"),
		SMTP("01.100000", "BBB3", "w@d.example", "4.2.2", "deferred"),
		SMTP("02.000000", "BBB3", "w@d.example", "5.2.2", "bounced")},
	 {"c1: messages_injected=1 recipients_injected=5 suppressed_late=1 batch_bad_records=1 "
	  "batches=1 delivered=2 bounced=1 deferral_events=1 filter_hops=1 in_queue_messages=0 "
	  "still_deferred_recipients=0",
	  "(none): messages_injected=0 recipients_injected=0", "(unknown): delivered=0"}, 0},
	{"batch logged again after a retry: the later line counts, once", {
		MILTER("00.000000", "AAA1", "c1", "1"),
		BATCH("00.100000", "AAA1", "c1", "b000001", "4", "2", "1", "1"),
		BATCH("00.200000", "AAA1", "c1", "b000001", "4", "2", "2", "0"),
		MILTER("00.300000", "AAA2", "c1", "1"),
		COPIES("00.400000", "AAA2", "c1", "b000002", "CCC1"),
		BATCH("00.500000", "AAA2", "c1", "b000002", "1", "1", "0", "0"),
		SMTP("01.000000", "CCC1", "z@d.example", "2.0.0", "sent"),
		BATCH("00.600000", "AAA3", "c2", "b000001", "3", "3", "0", "0")},
	 {"c1: messages_injected=2 recipients_injected=5 suppressed_late=2 batch_bad_records=0 "
	  "batches=2 delivered=1",
	  "c2: batches=1 recipients_injected=3 messages_injected=0"}, -1},
	{"batch: copies the reinjection listener refused are rejected; a retry's line replaces", {
		MILTER("00.000000", "AAA1", "c1", "1"),
		BATCH_R("00.100000", "AAA1", "c1", "b000001", "4", "1", "2"),
		BATCH_R("00.200000", "AAA1", "c1", "b000001", "4", "3", "1")},
	 {"c1: recipients_injected=4 batches=1 rejected=1 batch_bad_records=0"}, -1},
	{"batch: a filter killed mid-batch, its copies logged again by the next run", {
		MILTER("00.000000", "AAA1", "c1", "1"),
		COPIES("00.100000", "AAA1", "c1", "b000009", "BBB1,BBB2"),
		SMTP("00.200000", "BBB1", "u@d.example", "2.0.0", "sent"),
		SMTP("00.300000", "BBB2", "v@d.example", "2.0.0", "sent"),
		COPIES("10.000000", "AAA1", "c1", "b000009", "BBB1,BBB2,BBB3"),
		BATCH("10.100000", "AAA1", "c1", "b000009", "3", "3", "0", "0"),
		SMTP("11.000000", "BBB3", "w@d.example", "2.0.0", "sent"),
		HOP("11.100000", "AAA1", BATCHTO)},
	 {"c1: recipients_injected=3 delivered=3 batches=1 in_queue_messages=0 filter_hops=1"}, 0},
	{"batch: copies delivered 40 s before their copies= line (a busy filter)", {
		MILTER("00.000000", "AAA1", "c1", "1"),
		BATCH("00.100000", "AAA0", "c1", "b000001", "1", "1", "0", "0"),
		SMTP("00.500000", "BBB1", "u@d.example", "2.0.0", "sent"),
		SMTP("01.000000", "BBB2", "v@d.example", "2.0.0", "sent"),
		COPIES("40.000000", "AAA1", "c1", "b000002", "BBB1,BBB2"),
		BATCH("40.100000", "AAA1", "c1", "b000002", "2", "2", "0", "0")},
	 {"c1: delivered=2 in_queue_messages=0", "(unknown): delivered=0"}, -1},
	{"batch: the milter's batch= alone makes copies wait for a copies= line 40 s late", {
		MILTERB("00.000000", "AAA1", "c1", "b000002"),
		SMTP("00.500000", "BBB1", "u@d.example", "2.0.0", "sent"),
		SMTP("01.000000", "BBB2", "v@d.example", "2.0.0", "sent"),
		COPIES("40.000000", "AAA1", "c1", "b000002", "BBB1,BBB2"),
		BATCH("40.100000", "AAA1", "c1", "b000002", "2", "2", "0", "0")},
	 {"c1: recipients_injected=2 delivered=2 batches=1 in_queue_messages=0",
	  "(unknown): delivered=0"}, -1},
	{"batch: without batch= on the milter line a copy waits 5 s only", {
		MILTER("00.000000", "AAA1", "c1", "1"),
		SMTP("00.500000", "BBB1", "u@d.example", "2.0.0", "sent"),
		COPIES("40.000000", "AAA1", "c1", "b000002", "BBB1"),
		BATCH("40.100000", "AAA1", "c1", "b000002", "1", "1", "0", "0")},
	 {"(unknown): delivered=1"}, -1},
	{"both modes side by side: a batch campaign and a per-recipient one", {
		MILTER("00.000000", "AAA1", "cb", "1"),
		COPIES("00.100000", "AAA1", "cb", "b000001", "BBB1,BBB2"),
		BATCH("00.200000", "AAA1", "cb", "b000001", "2", "2", "0", "0"),
		HOP("00.210000", "AAA1", BATCHTO),
		MILTER("00.300000", "AAA2", "cp", "1"),
		FILTER("00.400000", "AAA2", "cp", "1", "1", "0", "BBB3"),
		HOP("00.410000", "AAA2", "x@d.example"),
		MILTER("00.500000", "AAA3", "cp", "1"),
		FILTER("00.600000", "AAA3", "cp", "1", "1", "0", "BBB4"),
		HOP("00.610000", "AAA3", "y@d.example"),
		SMTP("01.000000", "BBB1", "u@d.example", "2.0.0", "sent"),
		SMTP("01.000000", "BBB2", "v@d.example", "2.0.0", "sent"),
		SMTP("01.000000", "BBB3", "x@d.example", "2.0.0", "sent"),
		SMTP("01.000000", "BBB4", "y@d.example", "2.0.0", "sent")},
	 {"cb: messages_injected=1 recipients_injected=2 delivered=2 filter_hops=1 batches=1",
	  "cp: messages_injected=2 recipients_injected=2 delivered=2 filter_hops=2 batches=0"}, 0},
	{"signals: unsubscribes, complaints, DSNs, the policy's suppressions", {
		MILTER("00.000000", "AAA1", "s1", "2"),
		FILTER("00.100000", "AAA1", "s1", "2", "2", "0", "BBB2"),
		SMTP("01.000000", "BBB2", "u@d.example", "2.0.0", "sent"),
		SMTP("01.100000", "BBB2", "g@d.example", "5.1.1", "bounced"),
		VERDICT("02.000000", "CCC1", "s1", "g@d.example", "dsn", "bad-mailbox", "5.1.1", "550", "suppressed"),
		VERDICT("02.100000", "CCC2", "s1", "u@d.example", "arf", "complaint", "\"\"", "\"\"", "suppressed"),
		VERDICT("02.200000", "CCC3", "s1", "u@d.example", "dsn", "spam-related", "5.7.1", "554", "counted"),
		VERDICT("02.300000", "CCC4", "s1", "q@d.example", "dsn", "quota", "5.2.2", "552", "soft"),
		VERDICT("02.400000", "CCC5", "s1", "u@d.example", "dsn", "other", "4.4.1", "\"\"", "ignored"),
		VERDICT("02.500000", "CCC6", "s1", "u@d.example", "autoreply", "autoreply", "\"\"", "\"\"", "ignored"),
		VERDICT("02.600000", "CCC7", "unknown", "", "other", "other", "\"\"", "\"\"", "ignored"),
		VERDICT("02.700000", "CCC8", "s1", "u@d.example", "arf", "policy-related", "\"\"", "\"\"", "counted"),
		UNSUB("03.000000", "s1", "u@d.example", "added"),
		UNSUB("03.100000", "s1", "u@d.example", "kept"),
		UNSUB("03.200000", "s2", "w@d.example", "added")},
	 {"s1: delivered=1 bounced=1 unsubscribes=1 unsubscribes_repeated=1 complaints=1 "
	  "bounces_async=3 reports_other=3 suppressed_by_policy=2",
	  "s2: unsubscribes=1 messages_injected=0 delivered=0",
	  "(unknown): reports_other=1 delivered=0 complaints=0"}, -1},
	{"mail to the return path is never a delivery", {
		MILTER("00.000000", "AAA1", "r1", "1"),
		FILTER("00.100000", "AAA1", "r1", "1", "1", "0", "BBB2"),
		SMTP("01.000000", "BBB2", "g@d.example", "5.1.1", "bounced"),
		T("02.000000") "postfix/local[8]: DDD1: to=<devnull@mx1.example>, orig_to=<Bounces+r1+g=d.example@Example.COM>, relay=local, delay=0.1, dsn=2.0.0, status=sent (delivered to file: /dev/null)",
		T("02.100000") "postfix/pipe[8]: DDD2: to=<campaign-bounce+r1+g=d.example@campaign-bounce.invalid>, orig_to=<bounces+r1+g=d.example@example.com>, relay=campaign-bounce, delay=0.1, dsn=2.0.0, status=sent (delivered via campaign-bounce service)",
		T("02.200000") "postfix/pipe[8]: DDD3: to=<campaign-bounce@campaign-bounce.invalid>, relay=campaign-bounce, delay=0.1, dsn=4.3.0, status=deferred (temporary failure)",
		T("02.300000") "postfix/smtp[8]: DDD4: to=<bounces2@example.com>, relay=x, delay=0.1, dsn=2.0.0, status=sent (ok)",
		HOP("02.400000", "AAA1", "bounces@example.com")},
	 {"r1: delivered=0 bounced=1 deferral_events=0 filter_hops=1",
	  "(unknown): delivered=1 deferral_events=0"}, -1},
	/* TLS (cs_tls.h): smtp(8)'s TLS line, then its process's deliveries */
	{"TLS: the delivery after its process's TLS line, another recipient of it, then a plain one", {
		QC1("00.000000", "A1", "2"), QC1("00.100000", "A2", "1"),
		TLSL("01.000000", "11", MXA),
		SENT("01.100000", "11", "A1", "u@d.example", MXA, ""),
		SENT("01.200000", "11", "A1", "v@d.example", MXA, ""),
		SENT("01.300000", "11", "A2", "w@d.example", MXA, "")},
	 {"c1: delivered=3 delivered_tls=2"}, 0},
	{"TLS: interleaved processes; conn_use=2 keeps the connection's state", {
		QC1("00.000000", "B1", "1"), QC1("00.010000", "B2", "1"), QC1("00.020000", "B3", "1"),
		QC1("00.030000", "B4", "1"), QC1("00.040000", "B5", "1"), QC1("00.050000", "B6", "1"),
		TLSL("01.000000", "11", MXA),
		TLSL("01.010000", "12", MXB),
		SENT("01.100000", "12", "B1", "a@d.example", MXB, ""),
		SENT("01.110000", "13", "B2", "b@d.example", MXA, ""),
		SENT("01.120000", "11", "B3", "c@d.example", MXA, ""),
		SENT("01.130000", "11", "B4", "d@d.example", MXA, "conn_use=2, "),
		SENT("01.140000", "14", "B5", "e@d.example", MXB, ""),
		SENT("01.150000", "14", "B6", "f@d.example", MXB, "conn_use=2, ")},
	 {"c1: delivered=6 delivered_tls=3"}, 0},
	{"TLS: conn_use=2 by another process: the relay's last opened connection", {
		QC1("00.000000", "D1", "1"), QC1("00.010000", "D2", "1"), QC1("00.020000", "D3", "1"),
		QC1("00.030000", "D4", "1"),
		TLSL("01.000000", "11", MXA),
		SENT("01.100000", "11", "D1", "a@d.example", MXA, ""),
		SENT("01.200000", "15", "D2", "b@d.example", MXA, "conn_use=2, "),
		SENT("01.300000", "16", "D3", "c@d.example", MXB, ""),
		SENT("01.400000", "17", "D4", "d@d.example", MXB, "conn_use=3, ")},
	 {"c1: delivered=4 delivered_tls=2"}, 0},
	{"TLS: a TLS line to another relay is not the delivery's; a deferral takes its line", {
		QC1("00.000000", "C1", "1"), QC1("00.010000", "C2", "1"), QC1("00.020000", "C3", "1"),
		TLSL("01.000000", "11", MXA),
		SENT("01.100000", "11", "C1", "a@d.example", MXB, ""),
		TLSL("02.000000", "11", MXA),
		T("02.100000") "postfix/smtp[11]: C2: to=<b@d.example>, relay=" MXA ", delay=1, "
		"delays=0/0/0/1, dsn=4.7.0, status=deferred (host said: 421 4.7.0 try later)",
		SENT("02.200000", "11", "C3", "c@d.example", MXA, "")},
	 {"c1: delivered=2 delivered_tls=0 deferral_events=1"}, -1},
	{"TLS: a held delivery keeps the connection found at its line", {
		MILTER("00.000000", "AAA1", "c1", "1"),
		TLSL("00.400000", "5", "mx[1.2.3.4]:25"),
		SMTP("00.500000", "BBB2", "u@d.example", "2.0.0", "sent"),
		SMTP("00.550000", "CCC3", "v@d.example", "2.0.0", "sent"),
		FILTER("00.600000", "AAA1", "c1", "1", "1", "0", "BBB2"),
		HOP("00.700000", "AAA1", "u@d.example")},
	 {"c1: delivered=1 delivered_tls=1", "(unknown): delivered=1 delivered_tls=0"}, 0},
};

static const struct cs_campaign *
camp_named(const struct cs_track *tr, const char *id, size_t n)
{
	size_t	i;

	for (i = 0; i < tr->ncamps; i++)
		if (strlen(tr->camps[i]->id) == n && memcmp(tr->camps[i]->id, id, n) == 0)
			return tr->camps[i];
	return NULL;
}

/* count_named - the count called name[0..n), or -1 */
static long long
count_named(const struct cs_counts *c, const char *name, size_t n)
{
	size_t	k;

	for (k = 0; k < cs_ncounts; k++)
		if (strlen(cs_count_names[k].name) == n
		    && memcmp(cs_count_names[k].name, name, n) == 0)
			return (long long) cs_count_at(c, k);
	return -1;
}

/* check_want - "campaign: name=N name=N ..." against the tracker */
static void
check_want(const struct cs_track *tr, const char *sc, const char *w)
{
	static const struct cs_counts zero;
	const char *colon = strstr(w, ": "), *p, *eq;
	const struct cs_campaign *c = camp_named(tr, w, colon - w);
	char   *end;

	for (p = colon + 2; *p; p = *end ? end + 1 : end) {
		eq = strchr(p, '=');
		CHECK_INT(count_named(c ? &c->c : &zero, p, eq - p),
			  strtoll(eq + 1, &end, 10), "%s: %.*s %.*s", sc,
			  (int) (colon - w), w, (int) (eq - p), p);
	}
}

static void
feed(struct cs_track *tr, const char *const *lines, const char *sc)
{
	struct cs_clock ck;
	struct cs_line l;
	struct cs_event ev;
	int	i;
	enum cs_kind k;

	cs_clock_init(&ck, 0, 2026);
	for (i = 0; i < MAXL && lines[i]; i++) {
		CHECK_INT(cs_line_parse(lines[i], strlen(lines[i]), &ck, &l), 0,
			  "%s: line %d header", sc, i);
		k = cs_parse_msg(&l, &ev);
		CHECK(k != CS_BAD && k != CS_OTHER, "%s: line %d kind %d (%s)", sc, i,
		      k, ev.why ? ev.why : "");
		cs_track_event(tr, &l, &ev);
	}
}

static void
run(const struct scenario *s)
{
	struct cs_track tr;
	struct cerr e;
	int	i;

	cs_track_init(&tr);
	cs_pattern_init(&tr.pat, CS_PATTERN_DEFAULT, &e);
	feed(&tr, s->lines, s->name);
	cs_track_finish(&tr);
	for (i = 0; i < 4 && s->want[i]; i++)
		check_want(&tr, s->name, s->want[i]);
	if (s->live >= 0)
		CHECK_INT(tr.msgs.used, s->live, "%s: entries left", s->name);
	cs_track_free(&tr);
}

/* test_memory - 20,000 finished messages leave nothing in the table */
static void
test_memory(void)
{
	struct cs_track tr;
	struct cerr e;
	struct cs_clock ck;
	struct cs_line l;
	struct cs_event ev;
	char	line[3][256];
	int	i, j;

	cs_track_init(&tr);
	cs_pattern_init(&tr.pat, CS_PATTERN_DEFAULT, &e);
	cs_clock_init(&ck, 0, 2026);
	for (i = 0; i < 20000; i++) {
		snprintf(line[0], sizeof(line[0]), "Nov 28 10:%02d:%02d mx1 campaign-milter[1]: A%05d: campaign=m from=<a@b> return=<r@x> nrcpt=1 tags=x", i / 60 % 60, i % 60, i);
		snprintf(line[1], sizeof(line[1]), "Nov 28 10:%02d:%02d mx1 campaign-filter[1]: A%05d: campaign=m nrcpt=1 sent=1 suppressed=0 size=1 requeued=B%05d ms=1", i / 60 % 60, i % 60, i, i);
		snprintf(line[2], sizeof(line[2]), "Nov 28 10:%02d:%02d mx1 postfix/smtp[1]: B%05d: to=<u%d@d.example>, relay=x, delay=%d, dsn=2.0.0, status=sent (ok)", i / 60 % 60, i % 60, i, i, i % 100);
		for (j = 0; j < 3; j++) {
			cs_line_parse(line[j], strlen(line[j]), &ck, &l);
			cs_parse_msg(&l, &ev);
			cs_track_event(&tr, &l, &ev);
		}
		/* the filter's own hop for the parent queue id */
		snprintf(line[0], sizeof(line[0]), "Nov 28 10:%02d:%02d mx1 postfix/pipe[1]: A%05d: to=<u%d@d.example>, relay=campaign, dsn=2.0.0, status=sent (ok)", i / 60 % 60, i % 60, i, i);
		cs_line_parse(line[0], strlen(line[0]), &ck, &l);
		cs_parse_msg(&l, &ev);
		cs_track_event(&tr, &l, &ev);
	}
	cs_track_finish(&tr);
	CHECK_INT(tr.msgs.used, 0, "entries left after 20,000 finished messages");
	CHECK(tr.peak <= 2, "peak entries %zu, want at most 2", tr.peak);
	CHECK_INT(tr.camps[0]->c.delivered, 20000, "delivered");
	CHECK_INT(tr.camps[0]->c.hops, 20000, "hops");
	CHECK_INT(tr.camps[0]->delay.count, 20000, "delay samples");
	cs_track_free(&tr);
}

/* test_bounced - the export for campaign-suppress, wanted campaigns only */
static void
test_bounced(void)
{
	static const char *const lines[MAXL] = {
		MILTER("00.000000", "AAA1", "c1", "3"),
		FILTER("00.100000", "AAA1", "c1", "3", "3", "0", "BBB2"),
		MILTER("00.000000", "AAA3", "c2", "1"),
		FILTER("00.100000", "AAA3", "c2", "1", "1", "0", "BBB4"),
		SMTP("01.000000", "BBB2", "u@d.example", "5.1.1", "bounced"),
		SMTP("01.000000", "BBB2", "v@d.example", "4.4.1", "bounced"),
		SMTP("01.000000", "BBB2", "w@d.example", "2.0.0", "sent"),
		SMTP("01.000000", "BBB4", "x@d.example", "5.1.2", "bounced")};
	static const char *const want[] = {"c1"};
	struct cs_track tr;
	struct cerr e;
	char   *out = NULL;
	size_t	n = 0;

	cs_track_init(&tr);
	cs_pattern_init(&tr.pat, CS_PATTERN_DEFAULT, &e);
	tr.bounced = open_memstream(&out, &n);
	tr.want = want;
	tr.nwant = 1;
	feed(&tr, lines, "bounced");
	cs_track_finish(&tr);
	fclose(tr.bounced);
	/* lib/supentry's entry, the time of the bounce once; no rules: "other" */
	CHECK_STR(out, "u@d.example 550 5.7.1 suppressed: category=other campaign=c1 "
		  "time=2026-11-28T10:00:01Z\n", "export of c1");
	CHECK_INT(cs_track_wanted(&tr, "c1"), 1, "c1 wanted");
	CHECK_INT(cs_track_wanted(&tr, "c2"), 0, "c2 not wanted");
	free(out);
	cs_track_free(&tr);
}

/* test_bounced_rules - the export with the classifier: a block of the
 * sender (5.7.X, spam-related, policy-related) is never exported */
static void
test_bounced_rules(void)
{
	static const char rules[] = "spam-related spamhaus\nbad-mailbox ^... 5\\.1\\.1\n"
		"bad-domain ^... 5\\.1\\.2\npolicy-related ^... 5\\.7\n";
	static const char *const lines[MAXL] = {
		MILTER("00.000000", "AAA1", "c1", "4"),
		FILTER("00.100000", "AAA1", "c1", "4", "4", "0", "BBB2"),
		SMTP("01.000000", "BBB2", "u@d.example", "5.1.1", "bounced"),
		SMTP("01.100000", "BBB2", "v@d.example", "5.1.2", "bounced"),
		SMTP("01.200000", "BBB2", "w@d.example", "5.7.1", "bounced"),
		T("01.300000") "postfix/smtp[5]: BBB2: to=<x@d.example>, relay=mx, delay=1, dsn=5.0.0, status=bounced (host mx said: 550 5.0.0 listed at spamhaus)"};
	struct cs_track tr;
	struct cerr e;
	struct classify *cl = classify_parse(rules, sizeof(rules) - 1, "rules", &e);
	const struct cs_campaign *c;
	struct cs_cent *ce;
	char   *out = NULL;
	size_t	n = 0;

	CHECK(cl != NULL, "rules parse");
	cs_track_init(&tr);
	cs_pattern_init(&tr.pat, CS_PATTERN_DEFAULT, &e);
	tr.rules = cl;
	tr.bounced = open_memstream(&out, &n);
	feed(&tr, lines, "bounced_rules");
	cs_track_finish(&tr);
	fclose(tr.bounced);
	CHECK_STR(out, "u@d.example 550 5.7.1 suppressed: category=bad-mailbox campaign=c1 "
		  "time=2026-11-28T10:00:01Z\n"
		  "v@d.example 550 5.7.1 suppressed: category=bad-domain campaign=c1 "
		  "time=2026-11-28T10:00:01Z\n", "export: not the blocks");
	c = camp_named(&tr, "c1", 2);
	ce = c ? cs_cmap_get((struct cs_cmap *) &c->categories, "spam-related", 12) : NULL;
	CHECK(ce && ce->v[CS_K_BOUNCED] == 1, "spam-related counted once");
	ce = c ? cs_cmap_get((struct cs_cmap *) &c->categories, "policy-related", 14) : NULL;
	CHECK(ce && ce->v[CS_K_BOUNCED] == 1, "5.7.1 policy-related counted once");
	CHECK_INT(tr.unclassified, 0, "nothing left unclassified");
	free(out);
	cs_track_free(&tr);
	classify_free(cl);
}

/* test_categories - synchronous failures classified, Postfix's "Recipient
 * address rejected:" framing not judged, async categories from the verdict */
static void
test_categories(void)
{
	static const char rules[] = "bad-mailbox recipient address rejected\n"
		"bad-mailbox ^... 5\\.1\\.1\nbad-domain domain not found\n";
	static const char *const lines[MAXL] = {
		MILTER("00.000000", "AAA1", "k1", "1"),
		FILTER("00.100000", "AAA1", "k1", "1", "1", "0", "BBB2"),
		SMTP("01.000000", "BBB2", "u@d.example", "5.1.1", "bounced"),
		T("01.500000") "postfix/smtpd[6]: NOQUEUE: reject: RCPT from h[192.0.2.1]: 450 4.1.2 <y@nx.example>: Recipient address rejected: Domain not found; from=<bounces+k1@example.com> to=<y@nx.example> proto=ESMTP helo=<h>",
		T("01.600000") "postfix/smtpd[6]: NOQUEUE: reject: RCPT from h[192.0.2.1]: 550 5.7.1 <z@d.example>: Recipient address rejected: suppressed: category=bad-mailbox; from=<bounces+k1@example.com> to=<z@d.example> proto=ESMTP helo=<h>",
		VERDICT("02.000000", "CCC1", "k1", "u@d.example", "dsn", "bad-mailbox", "5.1.1", "550", "suppressed")};
	struct cs_track tr;
	struct cerr e;
	struct classify *cl = classify_parse(rules, sizeof(rules) - 1, "rules", &e);
	const struct cs_campaign *c;
	struct cs_cent *ce;

	cs_track_init(&tr);
	cs_pattern_init(&tr.pat, CS_PATTERN_DEFAULT, &e);
	tr.rules = cl;
	feed(&tr, lines, "categories");
	cs_track_finish(&tr);
	c = camp_named(&tr, "k1", 2);
	CHECK(c != NULL, "campaign k1");
	ce = c ? cs_cmap_get((struct cs_cmap *) &c->categories, "bad-mailbox", 11) : NULL;
	CHECK(ce && ce->v[CS_K_BOUNCED] == 1 && ce->v[CS_K_REJECTED] == 0
	      && ce->v[CS_K_ASYNC] == 1 && ce->v[CS_K_SUPPRESSED] == 1,
	      "bad-mailbox: bounced 1, refused 0, returned 1, suppressed 1");
	ce = c ? cs_cmap_get((struct cs_cmap *) &c->categories, "bad-domain", 10) : NULL;
	CHECK(ce && ce->v[CS_K_REJECTED] == 1, "bad-domain: refused 1 (the framing not judged)");
	CHECK(c && c->c.supp_early == 1 && c->c.rejected == 1, "our suppression is no category");
	CHECK(c && c->categories.tab.used == 2, "two categories, got %zu",
	      c ? c->categories.tab.used : 0);
	cs_track_free(&tr);
	classify_free(cl);
}

/* test_copy_rejected - a batch copy the reinjection listener refused:
 * the batch line counts it (once, over a retry), its own line gives the
 * reasons table the listener's reply and the category */
static void
test_copy_rejected(void)
{
	static const char rules[] = "bad-mailbox ^... 5\\.1\\.1\n";
	static const char *const lines[MAXL] = {
		MILTERB("00.000000", "AAA1", "r1", "b000001"),
		T("00.100000") "campaign-filter[2]: AAA1: batch=b000001 rejected line=3 "
		    "to=<x@d.example> reply=\"RCPT TO: 550 5.1.1 <x@d.example>: no such user\"",
		BATCH_R("00.200000", "AAA1", "r1", "b000001", "4", "2", "1"),
		BATCH_R("00.300000", "AAA1", "r1", "b000001", "4", "3", "1")};
	struct cs_track tr;
	struct cerr e;
	struct classify *cl = classify_parse(rules, sizeof(rules) - 1, "rules", &e);
	const struct cs_campaign *c;
	struct cs_cent *ce;
	const char key[] = "5.1.1\trejected\tRCPT TO: 550 5.1.1 <>: no such user";

	cs_track_init(&tr);
	cs_pattern_init(&tr.pat, CS_PATTERN_DEFAULT, &e);
	tr.rules = cl;
	feed(&tr, lines, "copy rejected");
	cs_track_finish(&tr);
	c = camp_named(&tr, "r1", 2);
	CHECK(c != NULL, "campaign r1");
	CHECK(c && c->c.rejected == 1, "copy rejected: counted once, got %ld",
	      c ? (long) c->c.rejected : -1L);
	ce = c ? cs_cmap_get((struct cs_cmap *) &c->reasons, key, sizeof(key) - 1) : NULL;
	CHECK(ce && ce->v[0] == 1, "copy rejected: the listener's reply in the reasons table");
	CHECK(c && c->reasons.tab.used == 1, "copy rejected: one reason, got %zu",
	      c ? c->reasons.tab.used : 0);
	ce = c ? cs_cmap_get((struct cs_cmap *) &c->categories, "bad-mailbox", 11) : NULL;
	CHECK(ce && ce->v[CS_K_REJECTED] == 1, "copy rejected: category bad-mailbox, refused 1");
	CHECK_INT(tr.unclassified, 0, "copy rejected: classified");
	cs_track_free(&tr);
	classify_free(cl);
}

/* test_expiry_category - Postfix's expiry (qmgr: "status=expired, returned
 * to sender") is message-expired under the shipped rules, once for each
 * recipient it returns */
static void
test_expiry_category(void)
{
	static const char *const lines[MAXL] = {
		MILTER("00.000000", "AAA1", "x1", "3"),
		FILTER("00.100000", "AAA1", "x1", "3", "3", "0", "BBB2"),
		SMTP("01.000000", "BBB2", "u@d.example", "4.4.1", "deferred"),
		SMTP("01.000000", "BBB2", "v@d.example", "4.4.1", "deferred"),
		SMTP("01.000000", "BBB2", "w@d.example", "2.0.0", "sent"),
		T("09.000000") "postfix/qmgr[3]: BBB2: from=<bounces+x1@example.com>, status=expired, returned to sender"};
	struct cs_track tr;
	struct cerr e;
	struct classify *cl = classify_load(TOP_SRCDIR "/postfix-conf/bounce-rules", &e);
	const struct cs_campaign *c;
	struct cs_cent *ce;

	CHECK(cl != NULL, "load the shipped bounce-rules: %s", cl ? "" : e.msg);
	cs_track_init(&tr);
	cs_pattern_init(&tr.pat, CS_PATTERN_DEFAULT, &e);
	tr.rules = cl;
	feed(&tr, lines, "expiry category");
	cs_track_finish(&tr);
	c = camp_named(&tr, "x1", 2);
	CHECK(c && c->c.expired_rcpts == 2, "expiry: 2 recipients expired");
	ce = c ? cs_cmap_get((struct cs_cmap *) &c->categories, "message-expired", 15) : NULL;
	CHECK(ce && ce->v[CS_K_BOUNCED] == 2, "expiry: message-expired, returned %llu",
	      ce ? (unsigned long long) ce->v[CS_K_BOUNCED] : 0ULL);
	cs_track_free(&tr);
	classify_free(cl);
}

/* test_complaint_flag - the providers' thresholds, exactly */
static void
test_complaint_flag(void)
{
	static const struct {
		uint64_t complaints, delivered;
		const char *flag;
	} rows[] = {
		{0, 0, ""}, {0, 1000, ""}, {1, 1000, ""}, {2, 1000, CS_FLAG_WARN},
		{3, 1000, CS_FLAG_WARN}, {4, 1000, CS_FLAG_HIGH}, {1, 0, CS_FLAG_HIGH},
		{2, 487, CS_FLAG_HIGH}, {1, 487, CS_FLAG_WARN}, {1, 1001, ""},
	};
	struct cs_counts c;
	size_t	i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&c, 0, sizeof(c));
		c.complaints = rows[i].complaints;
		c.delivered = rows[i].delivered;
		CHECK_STR(cs_complaint_flag(&c), rows[i].flag, "flag %llu/%llu",
			  (unsigned long long) c.complaints, (unsigned long long) c.delivered);
	}
	c.complaints = 2;
	c.delivered = 487;
	CHECK(cs_complaint_rate(&c) > 0.00410 && cs_complaint_rate(&c) < 0.00411, "rate 2/487");
}

/* test_returns - what was delivered to the return path */
static void
test_returns(void)
{
	struct cs_track tr;
	struct cerr e;
	size_t	i = 0;

	while (strncmp(scen[i].name, "mail to the return path", 23) != 0)
		i++;
	cs_track_init(&tr);
	cs_pattern_init(&tr.pat, CS_PATTERN_DEFAULT, &e);
	feed(&tr, scen[i].lines, "returns");
	cs_track_finish(&tr);
	CHECK_INT(tr.returned, 2, "two messages delivered to the return path");
	CHECK_INT(tr.nreturns, 1, "one return path learned");
	CHECK_STR(tr.nreturns ? tr.returns[0] : "", "bounces@example.com", "its base");
	cs_track_free(&tr);
}

/*
 * test_host_table_full - a host that finds no place in the full host table
 * gets no number (-1); its lines are counted as not counted, never filed
 * under the last host, whose queue id it would otherwise complete
 */
static void
test_host_table_full(void)
{
	struct cs_track tr;
	struct cerr e;
	char	name[32], lines[2][256];
	const char *feedlines[MAXL] = {lines[0], lines[1]};
	int	i, bad = 0;

	cs_track_init(&tr);
	cs_pattern_init(&tr.pat, CS_PATTERN_DEFAULT, &e);
	for (i = 0; i < CS_HOSTS_MAX; i++) {
		snprintf(name, sizeof(name), "h%d", i);
		bad += cs_track_host(&tr, name, strlen(name)) != i;
	}
	CHECK_INT(bad, 0, "hosts numbered in order of appearance");
	CHECK_INT(cs_track_host(&tr, "late", 4), -1, "no number once the table is full");
	CHECK_INT(cs_track_host(&tr, "h7", 2), 7, "a known host keeps its number");
	snprintf(lines[0], sizeof(lines[0]), "2026-11-28T10:00:00.000000+00:00 h%d "
		 "campaign-milter[1]: AAA1: campaign=c1 from=<news@example.com> "
		 "return=<b@example.com> nrcpt=1 tags=x", CS_HOSTS_MAX - 1);
	snprintf(lines[1], sizeof(lines[1]), "2026-11-28T10:00:01.000000+00:00 late "
		 "postfix/smtp[5]: AAA1: to=<u@d.example>, relay=mx[1.2.3.4]:25, "
		 "delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (ok)");
	feed(&tr, feedlines, "host table full");
	cs_track_finish(&tr);
	check_want(&tr, "host table full", "c1: messages_injected=1 delivered=0");
	check_want(&tr, "host table full", "(unknown): delivered=0");
	CHECK_INT(tr.hostless, 1, "lines of the host without a place");
	CHECK_INT(tr.nhosts, CS_HOSTS_MAX, "hosts in the table");
	cs_track_free(&tr);
}

/* line_bytes - what campaignstat counts for a line: its bytes and newline */
static size_t
line_bytes(const char *l)
{
	return strlen(l) + 1;
}

/* test_log_bytes - each line's bytes go to the campaign of its queue id */
static void
test_log_bytes(void)
{
	static const char *const lines[] = {
		MILTER("00.000000", "AAA1", "c1", "1"),
		T("00.050000") "postfix/cleanup[6]: AAA1: message-id=<x@example.com>",
		COPIES("00.100000", "AAA1", "c1", "b000001", "BBB1"),
		T("00.150000") "campaign-filter[2]: AAA1: batch=b000001 bad record line=3 to=<-> reason=\"no email\"",
		BATCH("00.200000", "AAA1", "c1", "b000001", "2", "1", "0", "1"),
		SMTP("01.000000", "BBB1", "u@d.example", "2.0.0", "sent"),
		T("02.000000") "postfix/qmgr[3]: BBB1: removed",
		T("03.000000") "postfix/smtpd[7]: connect from localhost[127.0.0.1]"};
	struct cs_track tr;
	struct cs_clock ck;
	struct cs_line l;
	struct cs_event ev;
	const struct cs_campaign *c;
	size_t	i, want = 0;

	cs_track_init(&tr);
	cs_clock_init(&ck, 0, 2026);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		cs_line_parse(lines[i], strlen(lines[i]), &ck, &l);
		if (cs_parse_msg(&l, &ev) == CS_OTHER || ev.kind == CS_BAD)
			cs_track_other(&tr, &l, &ev);
		else
			cs_track_event(&tr, &l, &ev);
		want += i < 6 ? line_bytes(lines[i]) : 0;
	}
	cs_track_finish(&tr);
	c = camp_named(&tr, "c1", 2);
	CHECK_INT(c ? c->c.log_bytes : 0, want, "log bytes of c1: every line of its queue ids");
	/* BBB1 is forgotten once its one recipient is delivered: its
	 * "removed" line (not in the compact delivery log) has no campaign */
	CHECK_INT(tr.log_other, line_bytes(lines[6]) + line_bytes(lines[7]),
		  "log bytes of no campaign");
	CHECK_INT(c ? c->c.bad_records : 0, 1, "bad record counted once, from the batch line");
	cs_track_free(&tr);
}

/* tls_ev - a CS_TLS or delivery event to relay r for cs_tls_* */
static struct cs_event
tls_ev(enum cs_tls level, const char *r, const char *qid)
{
	struct cs_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.tls = level;
	ev.relay.p = r;
	ev.relay.n = strlen(r);
	ev.qid.p = qid;
	ev.qid.n = strlen(qid);
	ev.conn_use = -1;
	return ev;
}

/* test_tls_memory - cs_tls keeps entries only for processes with a TLS
 * state, and frees those of processes long gone */
static void
test_tls_memory(void)
{
	struct cs_tls_map m;
	struct cs_event tl = tls_ev(CS_TLS_UNTRUSTED, MXA, ""), d = tls_ev(0, MXA, "Q1");
	long	pid;

	cs_tls_init(&m);
	CHECK_INT(cs_tls_delivery(&m, 0, 7, &d, 0), CS_TLS_NONE, "no TLS line: plain");
	CHECK_INT(m.t.used, 0, "a plain process has no entry");
	cs_tls_line(&m, 0, 7, &tl, 0);
	CHECK_INT(cs_tls_delivery(&m, 1, 7, &d, 0), CS_TLS_NONE, "same pid, other host: plain");
	CHECK_INT(cs_tls_delivery(&m, 0, -1, &d, 0), CS_TLS_NONE, "no pid: plain");
	CHECK_INT(cs_tls_delivery(&m, 0, 7, &d, 0), CS_TLS_UNTRUSTED, "the TLS line's level");
	d.qid.p = "Q2";
	CHECK_INT(cs_tls_delivery(&m, 0, 7, &d, 0), CS_TLS_NONE, "next request, no TLS line: plain");
	CHECK_INT(m.t.used, 0, "back to plain: the entry is freed");
	/* one TLS line a second from 20000 processes that never deliver */
	for (pid = 1; pid <= 20000; pid++)
		cs_tls_line(&m, 0, pid, &tl, pid * 1000000LL);
	CHECK(m.t.used < 3600 * 2 + CS_TLS_SWEEP, "processes gone an hour ago are freed (%zu kept)",
	      m.t.used);
	CHECK(m.t.used >= 3600, "the last hour's are kept (%zu)", m.t.used);
	d.qid.p = "Q3";
	CHECK_INT(cs_tls_delivery(&m, 0, 20000, &d, 20000 * 1000000LL), CS_TLS_UNTRUSTED,
		  "the last process's TLS line still there");
	CHECK_INT(m.lost, 0, "nothing lost below CS_TLS_MAX");
	CHECK_INT(m.lines, 20001, "TLS lines counted");
	cs_tls_free(&m);
}

int
main(void)
{
	size_t	i;

	setenv("TZ", "UTC", 1);
	for (i = 0; i < sizeof(scen) / sizeof(scen[0]); i++)
		run(&scen[i]);
	test_memory();
	test_bounced();
	test_bounced_rules();
	test_categories();
	test_expiry_category();
	test_copy_rejected();
	test_complaint_flag();
	test_returns();
	test_host_table_full();
	test_log_bytes();
	test_tls_memory();
	return TEST_DONE("test_stat_track");
}
