/*
 * NAME
 *	fuzz_statline - libFuzzer target: campaignstat's log-line parser
 *	(campaignstat/cs_line.c, cs_parse.c)
 * SOURCES: campaignstat/cs_line.c campaignstat/cs_parse.c campaignstat/cs_tls.c campaignstat/cs_table.c campaignstat/cs_stats.c
 * DESCRIPTION
 *	Splits the input (at most 64 kB) into lines and gives each to
 *	cs_line_parse() (one clock for the whole input, as for one file),
 *	then cs_parse_msg(), and the sender to cs_pattern_match() with the
 *	default patterns.  The first line is also tried as a --since
 *	argument.  Invariant: every string of the line and the event points
 *	inside the line, a bad event has a reason, a matched campaign id is
 *	inside the sender, a copies= list gives only queue ids of 1 to
 *	CS_QID_MAX bytes, a TLS line has a relay and a level and no queue
 *	id.  The TLS lines and deliveries go through cs_tls (one map per
 *	input, by the lines' process ids), whose answer is a TLS level.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs_parse.h"
#include "cs_tls.h"

#define IN_MAX (64 * 1024)

static struct cs_pattern pat;
static struct cs_tls_map tls;

static void
inside(struct cs_str s, const char *p, size_t n)
{
	if (s.n == 0)
		return;
	if (s.p < p || s.p + s.n > p + n)
		abort();
}

/* check_copies - every queue id of a copies= list is 1..CS_QID_MAX, inside */
static void
check_copies(struct cs_str list, const char *p, size_t n)
{
	struct cs_str q;
	int	count = 0;

	if (list.n == 0)
		abort();
	while (cs_copies_next(&list, &q)) {
		if (q.n == 0 || q.n > CS_QID_MAX)
			abort();
		inside(q, p, n);
		count++;
	}
	if (count == 0)
		abort();
}

static void
check_event(const struct cs_event *ev, enum cs_kind k, const char *p, size_t n)
{
	struct cs_str id;

	if (ev->kind != k || (k == CS_BAD && ev->why == NULL))
		abort();
	if (k == CS_OTHER || k == CS_BAD)
		return;
	inside(ev->qid, p, n);
	inside(ev->rcpt, p, n);
	inside(ev->sender, p, n);
	inside(ev->relay, p, n);
	inside(ev->dsn, p, n);
	inside(ev->reason, p, n);
	inside(ev->campaign, p, n);
	inside(ev->requeued, p, n);
	inside(ev->batch, p, n);
	inside(ev->copies, p, n);
	inside(ev->orig_to, p, n);
	inside(ev->ret, p, n);
	inside(ev->code, p, n);
	inside(ev->signal, p, n);
	inside(ev->category, p, n);
	inside(ev->action, p, n);
	inside(ev->result, p, n);
	inside(ev->provider, p, n);
	inside(ev->value, p, n);
	if (k == CS_SHAPE && (ev->provider.n == 0 || ev->provider.n > 32 || ev->value.n == 0
	    || ev->value.n > 32 || ev->duration < 0))
		abort();
	if ((k == CS_SIGNAL && (ev->category.n == 0 || ev->category.n > 32 || ev->action.n == 0))
	    || (k == CS_UNSUB && ev->result.n == 0))
		abort();
	if (ev->qid.n > CS_QID_MAX)
		abort();
	if (k == CS_COPIES)
		check_copies(ev->copies, p, n);
	if (k == CS_TLS && (ev->relay.n == 0 || ev->qid.n != 0 || ev->tls < CS_TLS_ANONYMOUS
	    || ev->tls > CS_TLS_VERIFIED))
		abort();
	if (k == CS_DELIVERY && ev->conn_use < -1)
		abort();
	if (ev->sender.n && cs_pattern_match(&pat, ev->sender.p, ev->sender.n, &id)) {
		if (id.n == 0)
			abort();
		inside(id, ev->sender.p, ev->sender.n);
	}
}

static void
one_line(const char *in, size_t n, struct cs_clock *ck)
{
	struct cs_line l;
	struct cs_event ev;
	enum cs_kind k;
	char   *p;

	/* an exact-size copy, so that a read past the line end is seen */
	if ((p = malloc(n ? n : 1)) == NULL)
		abort();
	memcpy(p, in, n);
	memset(&l, 0, sizeof(l));
	if (cs_line_parse(p, n, ck, &l) < 0) {
		free(p);
		return;
	}
	inside(l.host, p, n);
	inside(l.prog, p, n);
	inside(l.msg, p, n);
	memset(&ev, 0, sizeof(ev));
	k = cs_parse_msg(&l, &ev);
	check_event(&ev, k, p, n);
	if (l.pid < -1)
		abort();
	if (k == CS_TLS)
		cs_tls_line(&tls, 0, l.pid, &ev, l.t);
	else if (k == CS_DELIVERY && cs_tls_delivery(&tls, 0, l.pid, &ev, l.t) > CS_TLS_VERIFIED)
		abort();
	free(p);
}

static void
since_arg(const char *p, size_t n)
{
	char	arg[256], out[64];
	long long t;

	if (n >= sizeof(arg))
		n = sizeof(arg) - 1;
	memcpy(arg, p, n);
	arg[n] = '\0';
	if (cs_time_parse_arg(arg, &t) == 0)
		cs_time_format(t, out, sizeof(out));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct cs_clock ck;
	struct cerr e;

	if (size > IN_MAX)
		return 0;
	if (pat.n == 0 && cs_pattern_init(&pat, CS_PATTERN_DEFAULT, &e) < 0)
		abort();
	cs_clock_init(&ck, 1795000000, 0);
	cs_tls_init(&tls);
	nl = memchr(p, '\n', size);
	since_arg(p, nl ? (size_t)(nl - p) : size);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		one_line(p, nl ? (size_t)(nl - p) : (size_t)(end - p), &ck);
		p = nl ? nl + 1 : end;
	}
	cs_tls_free(&tls);
	return 0;
}
