/*
 * NAME
 *	test_stat_discard - discard(8)'s "status=sent" lines are suppressions,
 *	never deliveries
 * DESCRIPTION
 *	campaign-setup --discard-suppressed sends a queued or deferred copy
 *	whose recipient was suppressed meanwhile to discard(8), which logs
 *	"NAME/discard[PID]: QID: to=<a>, relay=none, ..., dsn=2.0.0,
 *	status=sent (suppressed)".  Table-driven: the parse of such lines
 *	(and of lines that only look alike), then short logs following a
 *	campaign copy from the milter through the filter to a deferral and
 *	the discard at the retry (also when the discard is logged before the
 *	filter's requeued= line, and for a batch copy), with the counts
 *	wanted: suppressed_late, delivered, still deferred, entries left.
 * SEE ALSO
 *	campaignstat/cs_parse.h (CS_ST_DISCARDED), cs_track.c (on_delivery).
 */
#include <stdlib.h>
#include <string.h>

#include "testhelp.h"
#include "../../campaignstat/cs_track.h"

#define T(s)	"2026-12-03T11:00:" s "+00:00 mx1 "

struct parse_case {
	const char *line;
	enum cs_status want;
};

static const struct parse_case pcases[] = {
	{T("00.0") "postfix/discard[9]: Q1: to=<a@b.example>, relay=none, delay=8.4, delays=8.3/0.1/0/0, dsn=2.0.0, status=sent (suppressed)",
	 CS_ST_DISCARDED},
	{T("00.0") "postfix-campaign/discard[9]: Q1: to=<a@b.example>, relay=none, dsn=2.0.0, status=sent (suppressed)",
	 CS_ST_DISCARDED},
	{T("00.0") "postfix/discard[9]: Q1: to=<a@b.example>, status=sent (discarded)",
	 CS_ST_DISCARDED},
	{T("00.0") "postfix/discard[9]: Q1: to=<a@b.example>, relay=none, dsn=4.3.0, status=deferred (busy)",
	 CS_ST_DEFERRED},
	{T("00.0") "postfix/smtp[9]: Q1: to=<a@b.example>, relay=none, dsn=2.0.0, status=sent (discarded)",
	 CS_ST_SENT},
	{T("00.0") "postfix/nodiscard[9]: Q1: to=<a@b.example>, dsn=2.0.0, status=sent (ok)",
	 CS_ST_SENT},
	{T("00.0") "postfix/local[9]: Q1: to=<devnull@x.example>, relay=local, dsn=2.0.0, status=sent (delivered to file: /dev/null)",
	 CS_ST_SENT},
};

struct scenario {
	const char *name;
	const char *lines[10];
	long	supp_late, delivered, end_def_rcpts;
	long	live;			/* entries left in the table */
};

#define MILTER(t, q, n) T(t) "campaign-milter[1]: " q ": campaign=c1 from=<n@x.example> return=<r@x.example> nrcpt=" n " tags=x"
#define FILTER(t, q, n, r) T(t) "campaign-filter[2]: " q ": campaign=c1 nrcpt=" n " sent=" n " suppressed=0 size=100 requeued=" r " ms=1"
#define HOP(t, q, to) T(t) "postfix/pipe[4]: " q ": to=<" to ">, relay=campaign, dsn=2.0.0, status=sent (delivered via campaign service)"
#define SMTP(t, q, to, st) T(t) "postfix/smtp[5]: " q ": to=<" to ">, relay=mx[1.2.3.4]:25, delay=1, dsn=4.2.0, status=" st " (host mx said: 451 4.2.0 busy)"
#define DISCARD(t, q, to) T(t) "postfix/discard[6]: " q ": to=<" to ">, relay=none, delay=8, dsn=2.0.0, status=sent (suppressed)"

static const struct scenario scen[] = {
	{"deferred copy discarded at the retry", {
		MILTER("00.0", "AAA1", "1"),
		FILTER("00.1", "AAA1", "1", "BBB1"),
		HOP("00.2", "AAA1", "u@d.example"),
		SMTP("01.0", "BBB1", "u@d.example", "deferred"),
		DISCARD("30.0", "BBB1", "u@d.example")},
	 1, 0, 0, 0},
	{"two copies: one delivered, one discarded", {
		MILTER("00.0", "AAA1", "2"),
		FILTER("00.1", "AAA1", "2", "BBB1"),
		HOP("00.2", "AAA1", "u@d.example"),
		HOP("00.2", "AAA1", "v@d.example"),
		SMTP("01.0", "BBB1", "u@d.example", "deferred"),
		SMTP("01.0", "BBB1", "v@d.example", "deferred"),
		T("30.0") "postfix/smtp[5]: BBB1: to=<u@d.example>, relay=mx[1.2.3.4]:25, dsn=2.0.0, status=sent (250 ok)",
		DISCARD("30.1", "BBB1", "v@d.example")},
	 1, 1, 0, 0},
	{"discard logged before the filter's requeued= line", {
		MILTER("00.0", "AAA1", "1"),
		DISCARD("00.5", "BBB1", "u@d.example"),
		FILTER("00.6", "AAA1", "1", "BBB1"),
		HOP("00.7", "AAA1", "u@d.example")},
	 1, 0, 0, 0},
	{"a batch copy discarded", {
		MILTER("00.0", "AAA1", "1"),
		T("00.1") "campaign-filter[2]: AAA1: campaign=c1 batch=b1 copies=CCC1",
		SMTP("01.0", "CCC1", "u@d.example", "deferred"),
		T("02.0") "campaign-filter[2]: AAA1: campaign=c1 batch=b1 nrcpt=1 sent=1 suppressed=0 bad=0 size=900 ms=5",
		HOP("02.1", "AAA1", "batch@batch.campaign.invalid"),
		DISCARD("30.0", "CCC1", "u@d.example")},
	 1, 0, 0, 0},
};

static void
test_parse(void)
{
	struct cs_clock ck;
	struct cs_line l;
	struct cs_event ev;
	size_t	i;

	cs_clock_init(&ck, 0, 2026);
	for (i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		CHECK_INT(cs_line_parse(pcases[i].line, strlen(pcases[i].line), &ck, &l), 0,
			  "parse case %zu: line header", i);
		CHECK_INT(cs_parse_msg(&l, &ev), CS_DELIVERY, "parse case %zu: kind", i);
		CHECK_INT(ev.status, pcases[i].want, "parse case %zu: status", i);
	}
}

static const struct cs_campaign *
camp_named(const struct cs_track *tr, const char *id)
{
	size_t	i;

	for (i = 0; i < tr->ncamps; i++)
		if (strcmp(tr->camps[i]->id, id) == 0)
			return tr->camps[i];
	return NULL;
}

static void
run(const struct scenario *s)
{
	struct cs_track tr;
	struct cs_clock ck;
	struct cs_line l;
	struct cs_event ev;
	struct cerr e;
	const struct cs_campaign *c, *unk;
	int	i;

	cs_track_init(&tr);
	cs_pattern_init(&tr.pat, CS_PATTERN_DEFAULT, &e);
	cs_clock_init(&ck, 0, 2026);
	for (i = 0; i < 10 && s->lines[i]; i++) {
		if (cs_line_parse(s->lines[i], strlen(s->lines[i]), &ck, &l) != 0) {
			CHECK(0, "%s: line %d does not parse", s->name, i);
			continue;
		}
		cs_parse_msg(&l, &ev);
		cs_track_event(&tr, &l, &ev);
	}
	cs_track_finish(&tr);
	if ((c = camp_named(&tr, "c1")) == NULL) {
		CHECK(0, "%s: campaign c1 missing", s->name);
	} else {
		CHECK_INT(c->c.supp_late, s->supp_late, "%s: suppressed_late", s->name);
		CHECK_INT(c->c.delivered, s->delivered, "%s: delivered", s->name);
		CHECK_INT(c->c.end_def_rcpts, s->end_def_rcpts, "%s: still deferred", s->name);
	}
	unk = camp_named(&tr, CS_UNKNOWN);
	CHECK_INT(unk ? unk->c.delivered + unk->c.supp_late : 0, 0,
		  "%s: nothing under (unknown)", s->name);
	CHECK_INT(tr.msgs.used, s->live, "%s: entries left", s->name);
	cs_track_free(&tr);
}

int
main(void)
{
	size_t	i;

	test_parse();
	for (i = 0; i < sizeof(scen) / sizeof(scen[0]); i++)
		run(&scen[i]);
	return TEST_DONE("test_stat_discard");
}
