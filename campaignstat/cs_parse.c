/*
 * NAME
 *	cs_parse - Postfix and campaign log messages (see cs_parse.h)
 * DESCRIPTION
 *	Hand-written scanners over (pointer, length) views, no regex, no
 *	allocation on the per-line path.  Every read is bounded by the end
 *	of the message; a line cut anywhere yields CS_BAD or CS_OTHER, never
 *	a read past its end.
 * SEE ALSO
 *	cs_parse.h
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cs_parse.h"

#define LIT(s)	(s), (sizeof(s) - 1)

/* starts - does [p, end) start with the n-byte literal s? */
static int
starts(const char *p, const char *end, const char *s, size_t n)
{
	return (size_t) (end - p) >= n && memcmp(p, s, n) == 0;
}

static int
is_eq(struct cs_str a, const char *s, size_t n)
{
	return a.n == n && memcmp(a.p, s, n) == 0;
}

/* parse_qid - "QID: " at the start of msg; returns bytes used or 0 */
static size_t
parse_qid(const char *p, const char *end, struct cs_str *qid)
{
	const char *q = p;

	while (q < end && q - p <= CS_QID_MAX && isalnum((unsigned char) *q))
		q++;
	if (q == p || q - p > CS_QID_MAX || end - q < 2 || q[0] != ':'
	    || q[1] != ' ')
		return 0;
	qid->p = p;
	qid->n = q - p;
	return q + 2 - p;
}

/* angle - "<addr>" at *pp (quotes inside honoured); addr without <> */
static int
angle(const char **pp, const char *end, struct cs_str *a)
{
	const char *p = *pp, *start;
	int	inq = 0;

	if (p >= end || *p != '<')
		return -1;
	start = ++p;
	for (; p < end; p++) {
		if (*p == '\\' && inq && p + 1 < end)
			p++;
		else if (*p == '"')
			inq = !inq;
		else if (*p == '>' && !inq)
			break;
	}
	if (p >= end)
		return -1;
	a->p = start;
	a->n = p - start;
	*pp = p + 1;
	return 0;
}

/* parse_delay - "12.34" into hundredths; -1 when not a number */
static long
parse_delay(struct cs_str v)
{
	const char *p = v.p, *end = v.p + v.n;
	long	cs = 0;
	int	frac = -1;

	if (p >= end)
		return -1;
	for (; p < end; p++) {
		if (*p == '.' && frac < 0) {
			frac = 0;
		} else if (*p >= '0' && *p <= '9') {
			if (frac >= 2)
				continue;
			if (cs > 100000000L)
				return -1;
			cs = cs * 10 + (*p - '0');
			if (frac >= 0)
				frac++;
		} else {
			return -1;
		}
	}
	for (frac = frac < 0 ? 0 : frac; frac < 2; frac++)
		cs *= 10;
	return cs;
}

static long
parse_num(struct cs_str v)
{
	long	n = 0;
	size_t	i;

	if (v.n == 0 || v.n > 12)
		return -1;
	for (i = 0; i < v.n; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return -1;
		n = n * 10 + (v.p[i] - '0');
	}
	return n;
}

static enum cs_status
status_of(struct cs_str w)
{
	if (is_eq(w, LIT("sent")))
		return CS_ST_SENT;
	if (is_eq(w, LIT("deferred")) || is_eq(w, LIT("SOFTBOUNCE")))
		return CS_ST_DEFERRED;
	if (is_eq(w, LIT("bounced")))
		return CS_ST_BOUNCED;
	if (is_eq(w, LIT("expired")))
		return CS_ST_EXPIRED;
	return CS_ST_OTHER;
}

/* until_sep - the value up to the next ", " (or the end) */
static struct cs_str
until_sep(const char **pp, const char *end)
{
	const char *p = *pp, *q = p;
	struct cs_str v;

	while (q < end && !(q[0] == ',' && q + 1 < end && q[1] == ' '))
		q++;
	v.p = p;
	v.n = q - p;
	*pp = q;
	return v;
}

/* status_field - "S (text)" up to the end of the line; -1 when the line
 * ends inside or right after the status word (a cut line: "status=se") */
static int
status_field(const char *p, const char *end, struct cs_event *ev)
{
	struct cs_str w = {p, 0};

	while (p < end && *p != ' ')
		p++;
	if (p >= end) {
		ev->why = "delivery line cut in its status";
		return -1;
	}
	w.n = p - w.p;
	ev->status = status_of(w);
	while (p < end && *p == ' ')
		p++;
	if (p < end && *p == '(') {
		p++;
		if (end > p && end[-1] == ')')
			end--;
	}
	ev->reason.p = p;
	ev->reason.n = end - p;
	return 0;
}

/* delivery_field - one "key=value"; returns 1 after status (the last) */
static int
delivery_field(const char **pp, const char *end, struct cs_event *ev)
{
	const char *p = *pp, *k = p;
	struct cs_str key, val, dummy;

	while (p < end && *p != '=' && *p != ',' && *p != ' ')
		p++;
	if (p >= end || *p != '=')
		return -1;
	key.p = k;
	key.n = p - k;
	p++;
	if (is_eq(key, LIT("status")))
		return status_field(p, end, ev) == 0 ? 1 : -1;
	if (p < end && *p == '<') {
		if (angle(&p, end, &dummy) < 0)
			return -1;
		if (is_eq(key, LIT("orig_to")))
			ev->orig_to = dummy;
		*pp = p;
		return 0;
	}
	val = until_sep(&p, end);
	if (is_eq(key, LIT("relay")))
		ev->relay = val;
	else if (is_eq(key, LIT("delay")))
		ev->delay = parse_delay(val);
	else if (is_eq(key, LIT("conn_use")))
		ev->conn_use = parse_num(val);
	else if (is_eq(key, LIT("dsn")))
		ev->dsn = val;
	*pp = p;
	return 0;
}

/* parse_delivery - after "QID: to=": the rest of a delivery line */
static enum cs_kind
parse_delivery(const char *p, const char *end, struct cs_event *ev)
{
	int	r = 0;

	if (angle(&p, end, &ev->rcpt) < 0) {
		ev->why = "to=<... not closed";
		return CS_BAD;
	}
	while (r == 0) {
		if (!starts(p, end, LIT(", ")))
			break;
		p += 2;
		r = delivery_field(&p, end, ev);
	}
	if (r != 1) {
		if (ev->why == NULL)
			ev->why = "delivery line without status=";
		return CS_BAD;
	}
	return CS_DELIVERY;
}

/* parse_from - qmgr "from=<s>, size=N, nrcpt=N ..." or "..., status=expired" */
static enum cs_kind
parse_from(const char *p, const char *end, struct cs_event *ev)
{
	struct cs_str v;

	if (angle(&p, end, &ev->sender) < 0) {
		ev->why = "from=<... not closed";
		return CS_BAD;
	}
	while (starts(p, end, LIT(", "))) {
		p += 2;
		if (starts(p, end, LIT("status=expired"))
		    || starts(p, end, LIT("status=force-expired")))
			return CS_EXPIRED;	/* force: postsuper -e */
		if (starts(p, end, LIT("nrcpt="))) {
			p += 6;
			for (v.p = p; p < end && *p >= '0' && *p <= '9'; p++)
				;
			v.n = p - v.p;
			if ((ev->nrcpt = parse_num(v)) >= 0)
				return CS_QUEUED;
			ev->why = "qmgr line with a bad nrcpt=";
			return CS_BAD;
		}
		(void) until_sep(&p, end);
	}
	if (p >= end) {		/* every qmgr from= line has nrcpt= or status= */
		ev->why = "qmgr from= line cut short";
		return CS_BAD;
	}
	return CS_OTHER;
}

/* find_last - the last occurrence of the n-byte s in [p, end), or NULL */
static const char *
find_last(const char *p, const char *end, const char *s, size_t n)
{
	const char *hit = NULL, *q;

	while ((q = memmem(p, end - p, s, n)) != NULL) {
		hit = q;
		p = q + 1;
	}
	return hit;
}

/* reply_code - skip "550 " and take "5.7.1 " as the dsn */
static const char *
reply_code(const char *p, const char *end, struct cs_event *ev)
{
	const char *q;

	if (end - p >= 4 && isdigit((unsigned char) p[0]) && isdigit((unsigned char) p[1])
	    && isdigit((unsigned char) p[2]) && p[3] == ' ') {
		ev->code.p = p;
		ev->code.n = 3;
		p += 4;
	}
	for (q = p; q < end && (isdigit((unsigned char) *q) || *q == '.'); q++)
		;
	if (q > p + 4 && q < end && *q == ' ' && p[1] == '.') {
		ev->dsn.p = p;
		ev->dsn.n = q - p;
		p = q + 1;
	}
	return p;
}

/* parse_reject - after "reject: " or "milter-reject: " */
static enum cs_kind
parse_reject(const char *p, const char *end, struct cs_event *ev)
{
	const char *tail, *colon, *q;

	tail = find_last(p, end, LIT("; from=<"));
	if (tail == NULL) {
		ev->why = "reject line without from=<...>";
		return CS_BAD;
	}
	colon = memmem(p, tail - p, LIT(": "));
	q = colon ? reply_code(colon + 2, tail, ev) : p;
	ev->reason.p = q;
	ev->reason.n = tail - q;
	p = tail + 7;
	if (angle(&p, end, &ev->sender) < 0) {
		ev->why = "reject from=<... not closed";
		return CS_BAD;
	}
	if (starts(p, end, LIT(" to=<")) && (p += 4, angle(&p, end, &ev->rcpt) < 0)) {
		ev->why = "reject to=<... not closed";
		return CS_BAD;
	}
	return CS_REJECT;
}

/* kv_value - a notice-line value: "quoted", <addr> or a bare word;
 * *cut is set when a quoted value has no closing quote */
static struct cs_str
kv_value(const char **pp, const char *end, int *cut)
{
	const char *p = *pp, *q;
	struct cs_str v;

	if (p < end && *p == '"') {
		for (q = ++p; q < end && *q != '"'; q++)
			if (*q == '\\' && q + 1 < end)
				q++;
		v.p = p;
		v.n = q - p;
		*cut |= q >= end;
		*pp = q < end ? q + 1 : q;
		return v;
	}
	q = p;
	if (p < end && *p == '<' && angle(&q, end, &v) == 0) {
		*pp = q;
		return v;
	}
	for (q = p; q < end && *q != ' '; q++)
		;
	v.p = p;
	v.n = q - p;
	*pp = q;
	return v;
}

/* next_kv - the next key=value of a notice line from *pp (words without
 * '=' skipped); 0 at the end of the line */
static int
next_kv(const char **pp, const char *end, struct cs_str *key, struct cs_str *val,
	int *cut)
{
	const char *p = *pp;

	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		for (key->p = p; p < end && *p != '=' && *p != ' '; p++)
			;
		key->n = p - key->p;
		if (p < end && *p == '=') {
			p++;
			*val = kv_value(&p, end, cut);
			*pp = p;
			return 1;
		}
	}
	*pp = p;
	return 0;
}

/* signal_field - the fields of campaign-bounce's and campaign-unsubscribe's
 * lines, and the milter's return= */
static void
signal_field(struct cs_str key, struct cs_str val, struct cs_event *ev)
{
	if (is_eq(key, LIT("recipient")) || is_eq(key, LIT("rcpt")))
		ev->rcpt = val;
	else if (is_eq(key, LIT("return")))
		ev->ret = val;
	else if (is_eq(key, LIT("kind")))
		ev->signal = val;
	else if (is_eq(key, LIT("category")))
		ev->category = val;
	else if (is_eq(key, LIT("action")))
		ev->action = val;
	else if (is_eq(key, LIT("code")))
		ev->code = val;
	else if (is_eq(key, LIT("status")))
		ev->result = val;
}

/* notice_field - remember one key=value of our notice lines */
static void
notice_field(struct cs_str key, struct cs_str val, struct cs_event *ev)
{
	if (is_eq(key, LIT("campaign")))
		ev->campaign = val;
	else if (is_eq(key, LIT("from")))
		ev->sender = val;
	else if (is_eq(key, LIT("nrcpt")))
		ev->nrcpt = parse_num(val);
	else if (is_eq(key, LIT("sent")))
		ev->sent = parse_num(val);
	else if (is_eq(key, LIT("suppressed")))
		ev->suppressed = parse_num(val);
	else if (is_eq(key, LIT("requeued")))
		ev->requeued = val;
	else if (is_eq(key, LIT("batch")))
		ev->batch = val;
	else if (is_eq(key, LIT("bad")))
		ev->bad = parse_num(val);
	else if (is_eq(key, LIT("rejected")))
		ev->rejected = parse_num(val);
	else if (is_eq(key, LIT("copies")))
		ev->copies = val;
	else if (is_eq(key, LIT("to")))
		ev->rcpt = val;
	else if (is_eq(key, LIT("reply")))
		ev->reason = val;
	else
		signal_field(key, val, ev);
}

/* copies_ok - "QID,QID,...": each 1..CS_QID_MAX letters and digits */
static int
copies_ok(struct cs_str v)
{
	size_t	i, run = 0;

	for (i = 0; i < v.n; i++) {
		if (v.p[i] == ',') {
			if (run == 0)
				return 0;
			run = 0;
		} else if (!isalnum((unsigned char) v.p[i]) || ++run > CS_QID_MAX) {
			return 0;
		}
	}
	return run > 0;
}

int
cs_copies_next(struct cs_str *list, struct cs_str *qid)
{
	const char *comma;

	if (list->n == 0)
		return 0;
	comma = memchr(list->p, ',', list->n);
	qid->p = list->p;
	qid->n = comma ? (size_t) (comma - list->p) : list->n;
	list->p += qid->n + (comma != NULL);
	list->n -= qid->n + (comma != NULL);
	return 1;
}

/* batch_kind - a campaign-filter notice of a batch: which, or CS_BAD */
static enum cs_kind
batch_kind(struct cs_event *ev, int cut, int last)
{
	if (ev->copies.n > 0) {
		if (cut || !copies_ok(ev->copies)) {
			ev->why = "copies= list malformed or cut short";
			return CS_BAD;
		}
		return CS_COPIES;
	}
	if (cut || !last) {
		ev->why = "notice line cut short";
		return CS_BAD;
	}
	return CS_BATCH;
}

/*
 * copy_reject_kind - a batch's line without campaign=: a copy the
 * reinjection listener refused ("rejected line=L to=<a> reply="CMD: CODE
 * X.Y.Z text""; ev->code and ev->dsn from the reply) or, without reply=,
 * a bad record (CS_OTHER: the CS_BATCH line counts both)
 */
static enum cs_kind
copy_reject_kind(struct cs_event *ev, int cut)
{
	const char *p = ev->reason.p, *end = p + ev->reason.n, *q;

	if (ev->reason.n == 0)
		return CS_OTHER;
	if (cut || ev->rcpt.n == 0) {
		ev->why = "rejected copy line cut short or without to=";
		return CS_BAD;
	}
	if ((q = memmem(p, ev->reason.n, ": ", 2)) != NULL)
		(void) reply_code(q + 2, end, ev);	/* past "RCPT TO: " */
	return CS_COPY_REJECT;
}

/* word_ok - 1..max bytes of a-z, 0-9 and '-' (a category, kind, action) */
static int
word_ok(struct cs_str w, size_t max)
{
	size_t	i;

	if (w.n == 0 || w.n > max)
		return 0;
	for (i = 0; i < w.n; i++)
		if (!islower((unsigned char) w.p[i]) && !isdigit((unsigned char) w.p[i])
		    && w.p[i] != '-')
			return 0;
	return 1;
}

/* signal_kind - a campaign-bounce or campaign-unsubscribe line: which, or
 * CS_BAD; the verdict's status= is its enhanced status code */
static enum cs_kind
signal_kind(enum cs_kind kind, struct cs_event *ev, int cut, int last)
{
	if (cut || !last) {
		ev->why = "notice line cut short";
		return CS_BAD;
	}
	if (kind == CS_UNSUB) {
		ev->qid.n = 0;		/* "unsubscribe: " names no queue */
		if (is_eq(ev->result, LIT("added")) || is_eq(ev->result, LIT("kept")))
			return CS_UNSUB;
		ev->why = "unsubscribe line without status=added|kept";
		return CS_BAD;
	}
	if (!word_ok(ev->signal, 16) || !word_ok(ev->category, 32) || !word_ok(ev->action, 32)
	    || ev->result.n > 16) {
		ev->why = "verdict line with a bad kind=, category=, action= or status=";
		return CS_BAD;
	}
	ev->dsn = ev->result;
	ev->result.n = 0;
	return CS_SIGNAL;
}

/* last_key - the key that ends a notice line of this kind */
static int
last_key(enum cs_kind kind, struct cs_str key)
{
	switch (kind) {
	case CS_MILTER:
		return is_eq(key, LIT("tags"));
	case CS_SIGNAL:
		return is_eq(key, LIT("campaign_via"));
	case CS_UNSUB:
		return is_eq(key, LIT("status"));
	default:
		return is_eq(key, LIT("ms"));
	}
}

/* parse_notice - "key=value ..." of campaign-milter, campaign-filter,
 * campaign-bounce and campaign-unsubscribe.  A line cut short (syslog's
 * size limit, a file cut mid-line) lacks its last field (tags=, ms=,
 * campaign_via=, status=) or ends inside quotes: it is CS_BAD, so that
 * no half value (a cut count or queue id) is ever used. */
static enum cs_kind
parse_notice(const char *p, const char *end, enum cs_kind kind,
	     struct cs_event *ev)
{
	struct cs_str key, val;
	int	cut = 0, last = 0;

	while (next_kv(&p, end, &key, &val, &cut)) {
		notice_field(key, val, ev);
		last |= last_key(kind, key);
	}
	if (ev->campaign.n == 0 && ev->batch.n > 0)
		return copy_reject_kind(ev, cut);
	if (ev->campaign.n == 0) {
		ev->why = "notice line without campaign=";
		return CS_BAD;
	}
	if (kind == CS_FILTER && ev->batch.n > 0)
		return batch_kind(ev, cut, last);
	if (kind == CS_SIGNAL || kind == CS_UNSUB)
		return signal_kind(kind, ev, cut, last);
	if (cut || !last) {
		ev->why = "notice line cut short";
		return CS_BAD;
	}
	if (ev->requeued.n > CS_QID_MAX) {
		ev->why = "requeued= queue id too long";
		return CS_BAD;
	}
	return kind;
}

/* action_ok - the shaper's action kinds: concurrency, rate_delay, suspend */
static int
action_ok(struct cs_str a)
{
	return is_eq(a, LIT("concurrency")) || is_eq(a, LIT("rate_delay"))
	    || is_eq(a, LIT("suspend"));
}

/*
 * parse_shape - campaign-shaper's "shape: provider=NAME action=KIND
 * value=V duration=SECS until=TIME ..." (its restore: and reload: lines
 * are other); CS_BAD when one of the four fields is missing or cut
 */
static enum cs_kind
parse_shape(const char *p, const char *end, struct cs_event *ev)
{
	struct cs_str key, val;
	int	cut = 0;

	if (!starts(p, end, LIT("shape: ")))
		return CS_OTHER;
	for (p += 7; next_kv(&p, end, &key, &val, &cut);) {
		if (is_eq(key, LIT("provider")))
			ev->provider = val;
		else if (is_eq(key, LIT("action")))
			ev->action = val;
		else if (is_eq(key, LIT("value")))
			ev->value = val;
		else if (is_eq(key, LIT("duration")))
			ev->duration = parse_num(val);
	}
	if (cut || !word_ok(ev->provider, 32) || !action_ok(ev->action)
	    || ev->value.n == 0 || ev->value.n > 32 || ev->duration < 0) {
		ev->why = "campaign-shaper line without provider=, action=, value= or duration=";
		return CS_BAD;
	}
	return CS_SHAPE;
}

/* notice_form - does the text after "QID: " start like "key=value ..."?
 * Other lines of our programs with a queue id ("late suppression: to=<..>
 * action=...", warnings) have a first word without '='. */
static int
notice_form(const char *p, const char *end)
{
	const char *sp = memchr(p, ' ', end - p);
	const char *eq = memchr(p, '=', end - p);

	return eq != NULL && (sp == NULL || eq < sp);
}

/* tls_word - "Untrusted " etc. at p: its level, and its length in *n */
static enum cs_tls
tls_word(const char *p, const char *end, size_t *n)
{
	static const struct {
		const char *w;
		size_t	n;
		enum cs_tls level;
	} words[] = {
		{LIT("Anonymous "), CS_TLS_ANONYMOUS},
		{LIT("Untrusted "), CS_TLS_UNTRUSTED},
		{LIT("Trusted "), CS_TLS_TRUSTED},
		{LIT("Verified "), CS_TLS_VERIFIED},
	};
	size_t	i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (starts(p, end, words[i].w, words[i].n)) {
			*n = words[i].n;
			return words[i].level;
		}
	return CS_TLS_NONE;
}

/*
 * parse_tls - smtp(8)'s "LEVEL TLS connection established to
 * HOST[ADDR]:PORT: PROTOCOL with cipher ..." (smtp_tls_loglevel 1)
 */
static enum cs_kind
parse_tls(const char *p, const char *end, struct cs_event *ev)
{
	const char *q;
	size_t	n;

	if ((ev->tls = tls_word(p, end, &n)) == CS_TLS_NONE)
		return CS_OTHER;
	p += n;
	if (!starts(p, end, LIT("TLS connection ")))
		return CS_OTHER;
	p += 15;
	if (starts(p, end, LIT("established to ")))
		p += 15;
	else if (starts(p, end, LIT("reused to ")))
		p += 10;
	else
		return CS_OTHER;	/* "... established from" of smtpd(8) */
	if ((q = memmem(p, end - p, LIT(": "))) == NULL || q == p) {
		ev->why = "TLS line cut short";
		return CS_BAD;
	}
	ev->relay.p = p;
	ev->relay.n = q - p;
	return CS_TLS;
}

/* is_tlsproxy - tlsproxy(8) logs the connections it makes for smtp(8) */
static int
is_tlsproxy(struct cs_str prog)
{
	static const char tail[] = "/tlsproxy";
	size_t	n = sizeof(tail) - 1;

	return prog.n > n && memcmp(prog.p + prog.n - n, tail, n) == 0;
}

/* parse_postfix - the message of a postfix/SERVICE line */
static enum cs_kind
parse_postfix(const char *p, const char *end, struct cs_event *ev)
{
	size_t	used;

	if (starts(p, end, LIT("NOQUEUE: "))) {
		p += 9;
	} else {
		if ((used = parse_qid(p, end, &ev->qid)) == 0)
			return parse_tls(p, end, ev);
		p += used;
		if (starts(p, end, LIT("to=")))
			return parse_delivery(p + 3, end, ev);
		if (starts(p, end, LIT("from=<")))
			return parse_from(p + 5, end, ev);
		if (end - p == 7 && memcmp(p, "removed", 7) == 0)
			return CS_REMOVED;
	}
	if (starts(p, end, LIT("reject: ")))
		return parse_reject(p + 8, end, ev);
	if (starts(p, end, LIT("milter-reject: ")))
		return parse_reject(p + 15, end, ev);
	return CS_OTHER;
}

/* discarded - a "sent" of discard(8), logged as NAME/discard, is no delivery */
static void
discarded(const struct cs_line *l, struct cs_event *ev)
{
	static const char tail[] = "/discard";
	size_t	n = sizeof(tail) - 1;

	if (ev->status == CS_ST_SENT && l->prog.n > n
	    && memcmp(l->prog.p + l->prog.n - n, tail, n) == 0)
		ev->status = CS_ST_DISCARDED;
}

enum cs_kind
cs_parse_msg(const struct cs_line *l, struct cs_event *ev)
{
	const char *p = l->msg.p, *end = l->msg.p + l->msg.n;
	enum cs_kind kind = CS_OTHER;
	size_t	used;

	memset(ev, 0, sizeof(*ev));
	ev->delay = ev->nrcpt = ev->sent = ev->suppressed = ev->bad = ev->rejected = -1;
	ev->duration = ev->conn_use = -1;
	ev->prog = l->prog;
	if (l->ours && is_eq(l->prog, LIT("campaign-shaper"))) {
		kind = parse_shape(p, end, ev);
	} else if (l->ours) {
		if (is_eq(l->prog, LIT("campaign-milter")))
			kind = CS_MILTER;
		else if (is_eq(l->prog, LIT("campaign-filter")))
			kind = CS_FILTER;
		else if (is_eq(l->prog, LIT("campaign-bounce")))
			kind = CS_SIGNAL;
		else if (is_eq(l->prog, LIT("campaign-unsubscribe")))
			kind = CS_UNSUB;
		else
			return CS_OTHER;
		if ((used = parse_qid(p, end, &ev->qid)) == 0
		    || !notice_form(p + used, end))
			return CS_OTHER;	/* a warning or info, not a notice */
		kind = parse_notice(p + used, end, kind, ev);
	} else if (memchr(l->prog.p, '/', l->prog.n) != NULL) {
		if ((kind = parse_postfix(p, end, ev)) == CS_DELIVERY)
			discarded(l, ev);
		else if (kind == CS_TLS && is_tlsproxy(l->prog))
			kind = CS_OTHER;
	}
	ev->kind = kind;
	return kind;
}

/* match - does s[0..n) match template t?  %c's span goes to *id */
static int
match(const char *t, const char *s, size_t n, struct cs_str *id)
{
	size_t	i;

	if (*t == 0)
		return n == 0;
	if (*t == '*') {
		for (i = 0; i <= n; i++)
			if (match(t + 1, s + i, n - i, id))
				return 1;
		return 0;
	}
	if (t[0] == '%' && t[1] == 'c') {
		for (i = 0; i < n && (isalnum((unsigned char) s[i]) || s[i] == '.'
				      || s[i] == '_' || s[i] == '-'); i++) {
			if (match(t + 2, s + i + 1, n - i - 1, id)) {
				id->p = s;
				id->n = i + 1;
				return 1;
			}
		}
		return 0;
	}
	if (n == 0 || tolower((unsigned char) *t) != tolower((unsigned char) *s))
		return 0;
	return match(t + 1, s + 1, n - 1, id);
}

int
cs_pattern_match(const struct cs_pattern *pat, const char *s, size_t n,
		 struct cs_str *id)
{
	int	i;

	if (n > 512)
		return 0;
	for (i = 0; i < pat->n; i++)
		if (match(pat->tmpl[i], s, n, id))
			return 1;
	return 0;
}

/* check_template - exactly one %c, at most 4 stars (bounds backtracking) */
static int
check_template(const char *t, struct cerr *e)
{
	int	nc = 0, ns = 0;
	const char *p;

	for (p = t; *p; p++) {
		if (p[0] == '%' && p[1] == 'c')
			nc++;
		else if (*p == '*')
			ns++;
	}
	if (nc != 1)
		return cerr_set(e, "sender pattern \"%s\": needs exactly one %%c", t);
	if (ns > 4)
		return cerr_set(e, "sender pattern \"%s\": more than 4 '*'", t);
	return 0;
}

int
cs_pattern_init(struct cs_pattern *pat, const char *list, struct cerr *e)
{
	char   *copy, *tok, *save = NULL;
	int	r = 0;

	memset(pat, 0, sizeof(*pat));
	if ((copy = strdup(list)) == NULL)
		return cerr_set(e, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok && r == 0;
	     tok = strtok_r(NULL, ",", &save)) {
		if (pat->n == CS_PATTERN_MAX)
			r = cerr_set(e, "more than %d sender patterns", CS_PATTERN_MAX);
		else if ((r = check_template(tok, e)) == 0
			 && (pat->tmpl[pat->n++] = strdup(tok)) == NULL)
			r = cerr_set(e, "out of memory");
	}
	free(copy);
	if (r == 0 && pat->n == 0)
		r = cerr_set(e, "empty sender pattern");
	return r;
}

void
cs_pattern_free(struct cs_pattern *pat)
{
	int	i;

	for (i = 0; i < pat->n; i++)
		free(pat->tmpl[i]);
	pat->n = 0;
}
