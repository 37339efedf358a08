/*
 * NAME
 *	cs_track - live queue ids and per-campaign counts (see cs_track.h)
 * DESCRIPTION
 *	The table of live messages is a cs_table (open addressing, linear
 *	probing, backward-shift deletion, at most half full); entries are
 *	reused through a spare list, so a steady log allocates nothing per
 *	line.
 * SEE ALSO
 *	cs_track.h
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cs_track.h"
#include "supentry.h"
#include "tag.h"

#define F_INJ_QMGR	0x01		/* injection counted from qmgr */
#define F_INJ_MILTER	0x02		/* injection counted from the milter */
#define F_FILTERED	0x04		/* handed to campaign-filter */
#define F_CHILD		0x08		/* reinjected by campaign-filter */
#define F_DEFERRED	0x10		/* deferred at least once */
#define F_BYDELIVERY	0x20		/* first seen at a delivery line */
#define F_GONE		0x40		/* removed while a delivery was held */
#define F_BATCH		0x80		/* a batch container (campaign-filter said) */

struct cs_msg {
	struct cs_tabent te;		/* hash of (host, qid); first */
	struct cs_campaign *camp;
	uint64_t *def;			/* hashes of deferred recipients */
	uint32_t ndef, cdef;
	long	nrcpt;			/* -1 unknown */
	long	finals;
	long	inj_rcpts;		/* recipients counted from qmgr */
	uint16_t host;
	uint8_t flags;
	uint8_t qidlen;
	char	qid[CS_QID_MAX + 1];
	struct cs_msg *next_spare;
};

static void add_bytes(struct cs_track *, struct cs_campaign *, size_t);

/* a batch seen in a campaign-filter batch line, and what it counted */
struct cs_batch {
	struct cs_tabent te;		/* hash of (campaign, batch id); first */
	struct cs_campaign *camp;
	long	nrcpt, suppressed, bad, rejected;	/* -1: no batch line yet */
	uint64_t *copies;		/* copies linked, until the batch line */
	uint32_t ncopies, capcopies;	/* (open addressing; 0 = empty) */
	char	id[];
};

/* a delivery line of a queue id not seen yet, copied (see cs_track.h) */
struct cs_held {
	struct cs_held *next;
	int	host;
	struct cs_line l;		/* pointing into text */
	struct cs_str qid;		/* pointing into text */
	enum cs_tls tls;		/* its connection, found at its line */
	char	text[];
};

void
cs_track_init(struct cs_track *tr)
{
	memset(tr, 0, sizeof(*tr));
	tr->lasthost = -1;
	tr->filter_transport = "campaign";
	tr->hold_us = CS_HOLD_US;
	cs_tls_init(&tr->tls);
}

/* host_is - is host i the name h[0..n)? */
static int
host_is(const struct cs_track *tr, int i, const char *h, size_t n)
{
	return strncmp(tr->hosts[i], h, n) == 0 && tr->hosts[i][n] == 0;
}

int
cs_track_host(struct cs_track *tr, const char *h, size_t n)
{
	int	i;

	if (tr->lasthost >= 0 && host_is(tr, tr->lasthost, h, n))
		return tr->lasthost;
	for (i = 0; i < tr->nhosts; i++)
		if (host_is(tr, i, h, n))
			return tr->lasthost = i;
	/* no place: never another host's number (its queue ids would mix) */
	if (tr->nhosts == CS_HOSTS_MAX || (tr->hosts[i] = strndup(h, n)) == NULL)
		return -1;
	tr->nhosts++;
	return tr->lasthost = i;
}

int
cs_track_wanted(const struct cs_track *tr, const char *id)
{
	int	i;

	if (tr->want == NULL)
		return 1;
	for (i = 0; i < tr->nwant; i++)
		if (strcmp(tr->want[i], id) == 0)
			return 1;
	return 0;
}

/* campaign - find or make the campaign named id[0..n) */
static struct cs_campaign *
campaign(struct cs_track *tr, const char *id, size_t n)
{
	uint64_t h = cs_hash(id, n);
	struct cs_campaign *c, **nc;

	for (c = tr->chain[h & 255]; c; c = c->next)
		if (c->hash == h && strncmp(c->id, id, n) == 0 && c->id[n] == 0)
			return c;
	if (tr->ncamps == tr->capcamps) {
		nc = realloc(tr->camps, (tr->capcamps * 2 + 8) * sizeof(*nc));
		if (nc == NULL)
			return NULL;
		tr->camps = nc;
		tr->capcamps = tr->capcamps * 2 + 8;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL || (c->id = strndup(id, n)) == NULL) {
		free(c);
		return NULL;
	}
	c->hash = h;
	cs_rate_init(&c->rate);
	cs_cmap_init(&c->domains, CS_DOMAINS_MAX);
	cs_cmap_init(&c->reasons, CS_REASONS_MAX);
	cs_cmap_init(&c->categories, CS_REASONS_MAX);
	cs_cmap_init(&c->providers, PROVIDER_MAX);
	c->next = tr->chain[h & 255];
	tr->chain[h & 255] = c;
	tr->camps[tr->ncamps++] = c;
	return c;
}

static struct cs_campaign *
named(struct cs_track *tr, const char *id)
{
	return campaign(tr, id, strlen(id));
}

/* by_sender - the campaign an envelope sender carries, else (none) */
static struct cs_campaign *
by_sender(struct cs_track *tr, struct cs_str s)
{
	struct cs_str id;

	if (tr->pat.n && cs_pattern_match(&tr->pat, s.p, s.n, &id))
		return campaign(tr, id.p, id.n);
	return named(tr, CS_NONE);
}

static void
touch(struct cs_campaign *c, long long t, int host)
{
	if (c->first == 0 || t < c->first)
		c->first = t;
	if (t > c->last)
		c->last = t;
	if (host < 64)
		c->hostmask |= 1ULL << host;
}

static uint64_t
msg_hash(int host, struct cs_str qid)
{
	return cs_hash(qid.p, qid.n) ^ ((uint64_t) host * 0x9e3779b97f4a7c15ULL);
}

struct msg_key {
	int	host;
	struct cs_str qid;
};

/* msg_same - cs_table comparison: is entry the message (host, qid)? */
static int
msg_same(const void *entry, const void *key)
{
	const struct cs_msg *m = entry;
	const struct msg_key *k = key;

	return m->host == k->host && m->qidlen == k->qid.n
	    && memcmp(m->qid, k->qid.p, k->qid.n) == 0;
}

/* lookup - the slot of (host, qid): the entry or the empty slot for it */
static size_t
lookup(const struct cs_track *tr, uint64_t h, int host, struct cs_str qid)
{
	struct msg_key k = {host, qid};

	return cs_table_find(&tr->msgs, h, msg_same, &k);
}

static struct cs_msg *
find(const struct cs_track *tr, int host, struct cs_str qid)
{
	if (tr->msgs.cap == 0 || qid.n == 0)
		return NULL;
	return tr->msgs.slot[lookup(tr, msg_hash(host, qid), host, qid)];
}

/* camp_named - the campaign a line names by queue id, NULL when none yet */
static struct cs_campaign *
camp_named(const struct cs_track *tr, int host, struct cs_str qid)
{
	struct cs_msg *m = find(tr, host, qid);

	return m ? m->camp : NULL;
}

/* make - find or make the entry for (host, qid); NULL when out of memory */
static struct cs_msg *
make(struct cs_track *tr, int host, struct cs_str qid)
{
	uint64_t h = msg_hash(host, qid);
	struct cs_msg *m;
	size_t	i;

	if (qid.n == 0 || qid.n > CS_QID_MAX)
		return NULL;
	if (cs_table_reserve(&tr->msgs, 4096) < 0)
		return NULL;
	i = lookup(tr, h, host, qid);
	if (tr->msgs.slot[i])
		return tr->msgs.slot[i];
	if ((m = tr->spare) != NULL)
		tr->spare = m->next_spare;
	else if ((m = malloc(sizeof(*m))) == NULL)
		return NULL;
	memset(m, 0, sizeof(*m));
	m->te.hash = h;
	m->host = (uint16_t) host;
	m->nrcpt = -1;
	m->qidlen = (uint8_t) qid.n;
	memcpy(m->qid, qid.p, qid.n);
	cs_table_put(&tr->msgs, i, m);
	if (tr->msgs.used > tr->peak)
		tr->peak = tr->msgs.used;
	return m;
}

/* drop - take an entry out of the table onto the spare list */
static void
drop(struct cs_track *tr, struct cs_msg *m)
{
	struct cs_str qid = {m->qid, m->qidlen};

	cs_table_del(&tr->msgs, lookup(tr, m->te.hash, m->host, qid));
	free(m->def);
	m->def = NULL;
	m->next_spare = tr->spare;
	tr->spare = m;
}

/* defer_add - remember a deferred recipient; 1 when new */
static int
defer_add(struct cs_track *tr, struct cs_msg *m, uint64_t h)
{
	uint32_t i;
	uint64_t *nd;

	for (i = 0; i < m->ndef; i++)
		if (m->def[i] == h)
			return 0;
	if (m->ndef == m->cdef) {
		if ((nd = realloc(m->def, (m->cdef * 2 + 2) * sizeof(*nd))) == NULL) {
			tr->nomem++;
			return 0;
		}
		m->def = nd;
		m->cdef = m->cdef * 2 + 2;
	}
	m->def[m->ndef++] = h;
	return 1;
}

static void
defer_del(struct cs_msg *m, uint64_t h)
{
	uint32_t i;

	for (i = 0; i < m->ndef; i++)
		if (m->def[i] == h) {
			m->def[i] = m->def[--m->ndef];
			return;
		}
}

/* maybe_done - free an entry whose every recipient has an outcome */
static void
maybe_done(struct cs_track *tr, struct cs_msg *m)
{
	if (m->ndef)
		return;
	if ((m->nrcpt >= 0 && m->finals >= m->nrcpt)
	    || (m->nrcpt < 0 && (m->flags & F_BYDELIVERY)))
		drop(tr, m);
}

static struct cs_campaign *
camp_of(struct cs_track *tr, const struct cs_msg *m)
{
	return m && m->camp ? m->camp : named(tr, CS_UNKNOWN);
}

/* undo_qmgr - take back an injection counted from a qmgr line */
static void
undo_qmgr(struct cs_msg *m)
{
	if (!(m->flags & F_INJ_QMGR) || m->camp == NULL)
		return;
	m->camp->c.msgs--;
	m->camp->c.rcpts -= m->inj_rcpts;
	m->flags &= ~F_INJ_QMGR;
}


/* fold_domain - the recipient's domain in lower case, into out */
static size_t
fold_domain(struct cs_str rcpt, char *out, size_t outlen)
{
	const char *at = NULL, *p;
	size_t	n = 0;

	for (p = rcpt.p; p < rcpt.p + rcpt.n; p++)
		if (*p == '@')
			at = p;
	if (at == NULL || at + 1 == rcpt.p + rcpt.n) {
		memcpy(out, "(none)", 7);
		return 6;
	}
	for (p = at + 1; p < rcpt.p + rcpt.n && n < outlen - 1; p++)
		out[n++] = (char) tolower((unsigned char) *p);
	out[n] = 0;
	return n;
}

/* squeeze_reason - drop what differs per recipient or per server */
static size_t
squeeze_reason(struct cs_str r, char *out, size_t outlen)
{
	const char *p = r.p, *end = r.p + r.n, *q;
	size_t	n = 0;
	char	close = 0;

	if (r.n > 5 && memcmp(p, "host ", 5) == 0
	    && (q = memmem(p, end - p, " said: ", 7)) != NULL)
		p = q + 7;
	if ((q = memmem(p, end - p, " (in reply to ", 14)) != NULL)
		end = q;
	for (; p < end && n < outlen - 1; p++) {
		if (close) {
			if (*p == close) {
				out[n++] = *p;
				close = 0;
			}
			continue;
		}
		if (*p == '<' || *p == '[')
			close = *p == '<' ? '>' : ']';
		out[n++] = (unsigned char) *p < ' ' ? ' ' : *p;
	}
	out[n] = 0;
	return n;
}

static const char *
status_name(enum cs_status st)
{
	switch (st) {
	case CS_ST_DEFERRED:
		return "deferred";
	case CS_ST_BOUNCED:
		return "bounced";
	case CS_ST_EXPIRED:
		return "expired";
	default:
		return "rejected";
	}
}

/* count_reason - one more of (dsn, status, reason) */
static void
count_reason(struct cs_track *tr, struct cs_campaign *c,
	     const struct cs_event *ev, enum cs_status st)
{
	char	key[256];
	struct cs_cent *e;
	int	n;

	n = snprintf(key, sizeof(key), "%.*s\t%s\t",
		     (int) (ev->dsn.n > 16 ? 16 : ev->dsn.n), ev->dsn.p,
		     status_name(st));
	if (n < 0 || n >= (int) sizeof(key))
		return;
	n += (int) squeeze_reason(ev->reason, key + n, sizeof(key) - n);
	if ((e = cs_cmap_get(&c->reasons, key, n)) == NULL)
		tr->nomem++;
	else
		e->v[0]++;
}

/* count_provider - a delivery line's provider (--providers), column col */
static void
count_provider(struct cs_track *tr, struct cs_campaign *c,
	       const struct cs_event *ev, int col)
{
	const struct provider *p;
	struct cs_cent *e;

	if (tr->providers == NULL || (p = provider_of(tr->providers, ev->prog.p,
	    ev->prog.n, ev->rcpt.p, ev->rcpt.n, ev->relay.p, ev->relay.n)) == NULL)
		return;
	if ((e = cs_cmap_get(&c->providers, p->name, strlen(p->name))) == NULL)
		tr->nomem++;
	else
		e->v[col]++;
}

static void
count_domain(struct cs_track *tr, struct cs_campaign *c, struct cs_str rcpt,
	     int col)
{
	char	dom[256];
	size_t	n = fold_domain(rcpt, dom, sizeof(dom));
	struct cs_cent *e = cs_cmap_get(&c->domains, dom, n);

	if (e == NULL)
		tr->nomem++;
	else
		e->v[col]++;
}

/* code_of - the SMTP reply code of a failure: the reject line's, or the
 * one after "said: " in a delivery's text; "000" when there is none */
static void
code_of(const struct cs_event *ev, char code[4])
{
	const char *end = ev->reason.p + ev->reason.n, *q;
	struct cs_str c = ev->code;

	if (c.n != 3 && (q = memmem(ev->reason.p, ev->reason.n, " said: ", 7)) != NULL
	    && end - q >= 10) {
		c.p = q + 7;
		c.n = 3;
	}
	if (c.n == 3 && isdigit((unsigned char) c.p[0]) && isdigit((unsigned char) c.p[1])
	    && isdigit((unsigned char) c.p[2]))
		memcpy(code, c.p, 3);
	else
		memcpy(code, "000", 3);
	code[3] = 0;
}

/* own_words - a reject line's text without Postfix's framing ("<>: " and
 * "Recipient address rejected: "), which every RCPT refusal has and which
 * a rule for a missing mailbox would otherwise match */
static const char *
own_words(const char *text)
{
	const char *r;

	if (strncmp(text, "<>: ", 4) == 0)
		text += 4;
	if ((r = strstr(text, " rejected: ")) != NULL && r - text < 32
	    && memchr(text, ':', (size_t) (r - text)) == NULL)
		text = r + 11;
	return text;
}

/* category_of - lib/classify's category of a failure, on "CODE X.Y.Z
 * TEXT" (TEXT as the reasons table shows it: the server's own words) */
static const char *
category_of(struct cs_track *tr, const struct cs_event *ev)
{
	char	code[4], st[17], text[512], subj[CLASSIFY_SUBJECT_MAX + 1];
	size_t	n = ev->dsn.n < 16 ? ev->dsn.n : 16, tn;

	if (tr->rules == NULL) {
		tr->unclassified++;
		return CLASSIFY_OTHER;
	}
	code_of(ev, code);
	memcpy(st, n ? ev->dsn.p : "0.0.0", n ? n : 5);
	st[n ? n : 5] = 0;
	tn = squeeze_reason(ev->reason, text, sizeof(text));
	if (ev->kind == CS_REJECT)
		classify_subject(subj, sizeof(subj), code, st, own_words(text),
				 strlen(own_words(text)));
	else
		classify_subject(subj, sizeof(subj), code, st, text, tn);
	return classify_match(tr->rules, subj);
}

/*
 * expiry_category - lib/classify's category of Postfix's expiry, on qmgr's
 * own words (the line has no status code; the recipients' last deferral
 * reasons were counted as deferrals)
 */
static const char *
expiry_category(struct cs_track *tr)
{
	static const char text[] = "status=expired, returned to sender";
	char	subj[CLASSIFY_SUBJECT_MAX + 1];

	if (tr->rules == NULL) {
		tr->unclassified++;
		return CLASSIFY_OTHER;
	}
	classify_subject(subj, sizeof(subj), "000", "0.0.0", text, sizeof(text) - 1);
	return classify_match(tr->rules, subj);
}

/* count_categories - k more failures of category cat (n bytes) in column col */
static void
count_categories(struct cs_track *tr, struct cs_campaign *c, const char *cat,
		 size_t n, uint64_t k, int col)
{
	struct cs_cent *e = cs_cmap_get(&c->categories, cat, n);

	if (e == NULL)
		tr->nomem++;
	else
		e->v[col] += k;
}

/* count_category - one more failure of category cat in column col */
static void
count_category(struct cs_track *tr, struct cs_campaign *c, const char *cat,
	       size_t n, int col)
{
	count_categories(tr, c, cat, n, 1, col);
}

/* exportable - may a bounce of this status and category suppress its
 * address?  Not a block of the sender (X.7.X, policy, spam) */
static int
exportable(const struct cs_event *ev, const char *cat)
{
	if (ev->dsn.n == 0 || ev->dsn.p[0] != '5' || ev->dsn.n > 16)
		return 0;
	if (ev->dsn.n > 2 && ev->dsn.p[1] == '.' && ev->dsn.p[2] == '7')
		return 0;
	return strcmp(cat, "policy-related") != 0 && strcmp(cat, "spam-related") != 0;
}

/* export_bounce - "address ENTRY" (lib/supentry's entry, kept as it is
 * by campaign-suppress import): the one place the exported reason and
 * its time are written */
static void
export_bounce(struct cs_track *tr, struct cs_campaign *c,
	      const struct cs_event *ev, const char *cat, long long t)
{
	struct buf v;
	struct cerr e;
	size_t	i;

	if (tr->bounced == NULL || !exportable(ev, cat) || !cs_track_wanted(tr, c->id))
		return;
	for (i = 0; i < ev->rcpt.n; i++)
		if ((unsigned char) ev->rcpt.p[i] <= ' ' || ev->rcpt.p[i] == 0x7f)
			break;
	buf_init(&v, SUPENTRY_VALUE_MAX);
	if (ev->rcpt.n == 0 || i < ev->rcpt.n
	    || supentry_value(&v, cat, tag_id_valid(c->id, strlen(c->id)) ? c->id : NULL,
			      (time_t) (t / 1000000), &e) < 0)
		tr->bounced_skipped++;
	else
		fprintf(tr->bounced, "%.*s %s\n", (int) ev->rcpt.n, ev->rcpt.p, buf_cstr(&v));
	buf_free(&v);
}

/* on_bounced - a synchronous bounce: counted, classified, exported */
static void
on_bounced(struct cs_track *tr, struct cs_campaign *c, const struct cs_event *ev,
	   long long t)
{
	const char *cat = category_of(tr, ev);

	c->c.bounced++;
	count_domain(tr, c, ev->rcpt, CS_D_BOUNCE);
	count_provider(tr, c, ev, CS_D_BOUNCE);
	count_reason(tr, c, ev, CS_ST_BOUNCED);
	count_category(tr, c, cat, strlen(cat), CS_K_BOUNCED);
	export_bounce(tr, c, ev, cat, t);
}

/* final - a recipient of m has its outcome */
static void
final(struct cs_track *tr, struct cs_msg *m, struct cs_str rcpt)
{
	if (m == NULL)
		return;
	if (m->ndef)
		defer_del(m, cs_hash(rcpt.p, rcpt.n));
	m->finals++;
	maybe_done(tr, m);
}

static void
on_sent(struct cs_track *tr, struct cs_campaign *c, const struct cs_event *ev,
	long long t, enum cs_tls tls)
{
	c->c.delivered++;
	if (tls != CS_TLS_NONE) {
		c->c.delivered_tls++;
		count_provider(tr, c, ev, CS_D_TLS);
	}
	if (cs_hist_add(&c->delay, ev->delay) < 0)
		tr->nomem++;
	cs_rate_add(&c->rate, t);
	if (c->dfirst == 0 || t < c->dfirst)
		c->dfirst = t;
	if (t > c->dlast)
		c->dlast = t;
	count_domain(tr, c, ev->rcpt, CS_D_SENT);
	count_provider(tr, c, ev, CS_D_SENT);
}

/* on_deferred - a deferral event; the message must stay tracked */
static void
on_deferred(struct cs_track *tr, struct cs_msg *m, struct cs_campaign *c,
	    const struct cs_event *ev, int host)
{
	c->c.deferrals++;
	count_domain(tr, c, ev->rcpt, CS_D_DEFER);
	count_provider(tr, c, ev, CS_D_DEFER);
	count_reason(tr, c, ev, CS_ST_DEFERRED);
	if (m == NULL && (m = make(tr, host, ev->qid)) != NULL) {
		m->flags |= F_BYDELIVERY;
		m->camp = c;
	}
	if (m == NULL) {
		tr->nomem++;
		return;
	}
	if (!(m->flags & F_DEFERRED)) {
		m->flags |= F_DEFERRED;
		c->c.deferred_msgs++;
	}
	defer_add(tr, m, cs_hash(ev->rcpt.p, ev->rcpt.n));
}

static int
is_hop(const struct cs_track *tr, const struct cs_msg *m,
       const struct cs_event *ev)
{
	size_t	n = tr->filter_transport ? strlen(tr->filter_transport) : 0;

	if (m && (m->flags & F_FILTERED))
		return 1;
	return n && ev->relay.n == n && memcmp(ev->relay.p, tr->filter_transport, n) == 0;
}

static void
on_delivery(struct cs_track *tr, const struct cs_event *ev, int host,
	    long long t, enum cs_tls tls)
{
	struct cs_msg *m = find(tr, host, ev->qid);
	struct cs_campaign *c = camp_of(tr, m);

	if (c == NULL)
		return;
	touch(c, t, host);
	switch (ev->status) {
	case CS_ST_SENT:
		if (is_hop(tr, m, ev))
			c->c.hops++;
		else
			on_sent(tr, c, ev, t, tls);
		final(tr, m, ev->rcpt);
		break;
	case CS_ST_DEFERRED:
		on_deferred(tr, m, c, ev, host);
		break;
	case CS_ST_BOUNCED:
		on_bounced(tr, c, ev, t);
		final(tr, m, ev->rcpt);
		break;
	case CS_ST_EXPIRED:
		c->c.expired_rcpts++;
		count_domain(tr, c, ev->rcpt, CS_D_EXPIRE);
		final(tr, m, ev->rcpt);
		break;
	case CS_ST_DISCARDED:		/* suppressed at a later attempt */
		c->c.supp_late++;
		final(tr, m, ev->rcpt);
		break;
	default:
		break;
	}
}

/* return_base - "base@domain" of a return path (local part up to its
 * first '+'), lower case, into out; 0 when it has no '@' or is too long */
static size_t
return_base(struct cs_str a, char *out, size_t outlen)
{
	const char *at = memchr(a.p, '@', a.n), *plus;
	size_t	local, n, i;

	if (at == NULL || at == a.p)
		return 0;
	plus = memchr(a.p, '+', at - a.p);
	local = (size_t) ((plus ? plus : at) - a.p);
	n = local + (a.n - (size_t) (at - a.p));
	if (n + 1 > outlen)
		return 0;
	for (i = 0; i < local; i++)
		out[i] = (char) tolower((unsigned char) a.p[i]);
	for (i = 0; local + i < n; i++)
		out[local + i] = (char) tolower((unsigned char) at[i]);
	out[n] = 0;
	return n;
}

/* learn_return - remember the return path of a milter line (a few kept) */
static void
learn_return(struct cs_track *tr, struct cs_str ret)
{
	char	b[512];
	int	i;

	if (return_base(ret, b, sizeof(b)) == 0)
		return;
	for (i = 0; i < tr->nreturns; i++)
		if (strcmp(tr->returns[i], b) == 0)
			return;
	if (tr->nreturns < CS_RETURNS_MAX && (tr->returns[tr->nreturns] = strdup(b)) != NULL)
		tr->nreturns++;
}

/* is_return - is this delivery one to a return path (see cs_track.h)? */
static int
is_return(const struct cs_track *tr, const struct cs_event *ev)
{
	static const char bd[] = "@" CS_BOUNCE_DOMAIN;
	struct cs_str a = ev->orig_to.n ? ev->orig_to : ev->rcpt;
	char	b[512];
	int	i;

	if (ev->rcpt.n >= sizeof(bd) - 1
	    && strncasecmp(ev->rcpt.p + ev->rcpt.n - (sizeof(bd) - 1), bd, sizeof(bd) - 1) == 0)
		return 1;
	if (tr->nreturns == 0 || return_base(a, b, sizeof(b)) == 0)
		return 0;
	for (i = 0; i < tr->nreturns; i++)
		if (strcmp(tr->returns[i], b) == 0)
			return 1;
	return 0;
}

/* on_return - a message delivered to the return path: not a delivery */
static void
on_return(struct cs_track *tr, const struct cs_event *ev, int host)
{
	struct cs_msg *m = find(tr, host, ev->qid);

	if (ev->status == CS_ST_SENT)
		tr->returned++;
	if (m != NULL && ev->status != CS_ST_DEFERRED)
		final(tr, m, ev->rcpt);
}

/* signal_campaign - the campaign a signal line names ("unknown": CS_UNKNOWN) */
static struct cs_campaign *
signal_campaign(struct cs_track *tr, const struct cs_event *ev)
{
	if (ev->campaign.n == 7 && memcmp(ev->campaign.p, "unknown", 7) == 0)
		return named(tr, CS_UNKNOWN);
	return campaign(tr, ev->campaign.p, ev->campaign.n);
}

static int
str_is(struct cs_str s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* on_signal - campaign-bounce's verdict on a message to the return path */
static void
on_signal(struct cs_track *tr, const struct cs_event *ev, int host, long long t)
{
	struct cs_campaign *c = signal_campaign(tr, ev);

	if (c == NULL) {
		tr->nomem++;
		return;
	}
	touch(c, t, host);
	if (str_is(ev->action, "ignored")
	    || !(str_is(ev->signal, "dsn") || str_is(ev->signal, "arf"))) {
		c->c.reports_other++;
		return;
	}
	if (str_is(ev->signal, "dsn"))
		c->c.bounces_async++;
	else if (str_is(ev->category, "complaint"))
		c->c.complaints++;
	else
		c->c.reports_other++;
	count_category(tr, c, ev->category.p, ev->category.n, CS_K_ASYNC);
	if (str_is(ev->action, "suppressed")) {
		c->c.supp_policy++;
		count_category(tr, c, ev->category.p, ev->category.n, CS_K_SUPPRESSED);
	}
}

/* on_unsub - campaign-unsubscribe wrote (added) or kept an entry */
static void
on_unsub(struct cs_track *tr, const struct cs_event *ev, int host, long long t)
{
	struct cs_campaign *c = campaign(tr, ev->campaign.p, ev->campaign.n);

	if (c == NULL) {
		tr->nomem++;
		return;
	}
	touch(c, t, host);
	if (str_is(ev->result, "added"))
		c->c.unsubscribes++;
	else
		c->c.unsub_repeats++;
}

/* on_milter - the milter names the campaign of a queue id: injection */
static void
on_milter(struct cs_track *tr, const struct cs_event *ev, int host, long long t)
{
	struct cs_msg *m = make(tr, host, ev->qid);
	struct cs_campaign *c = campaign(tr, ev->campaign.p, ev->campaign.n);

	if (m == NULL || c == NULL) {
		tr->nomem++;
		return;
	}
	undo_qmgr(m);
	if (!(m->flags & F_INJ_MILTER)) {
		c->c.msgs++;
		c->c.rcpts += ev->nrcpt > 0 ? (uint64_t) ev->nrcpt : 0;
		m->inj_rcpts = ev->nrcpt > 0 ? ev->nrcpt : 0;
		m->flags |= F_INJ_MILTER;
	}
	m->camp = c;
	if (ev->nrcpt >= 0)
		m->nrcpt = ev->nrcpt;
	touch(c, t, host);
	tr->filter_seen = 1;	/* campaign mail goes to the filter: copies follow */
	if (ev->batch.n > 0)	/* a batch container: its copies may come slowly */
		tr->hold_us = CS_HOLD_BATCH_US;
	learn_return(tr, ev->ret);
}

/* link_child - qid is a copy reinjected by the filter for campaign c,
 * with nrcpt recipients (-1 unknown) */
static void
link_child(struct cs_track *tr, int host, struct cs_str qid, struct cs_campaign *c,
	   long nrcpt)
{
	struct cs_msg *child;

	if ((child = make(tr, host, qid)) == NULL) {
		tr->nomem++;
		return;
	}
	undo_qmgr(child);
	child->flags = (uint8_t) ((child->flags | F_CHILD) & ~F_BYDELIVERY);
	child->camp = c;
	if (nrcpt >= 0)
		child->nrcpt = nrcpt;
	maybe_done(tr, child);
}

/* on_filter - late suppression, and the link to the reinjected queue id */
static void
on_filter(struct cs_track *tr, const struct cs_event *ev, int host, long long t)
{
	struct cs_campaign *c = campaign(tr, ev->campaign.p, ev->campaign.n);
	struct cs_msg *m;

	if (c == NULL) {
		tr->nomem++;
		return;
	}
	touch(c, t, host);
	tr->filter_seen = 1;
	if (ev->suppressed > 0)
		c->c.supp_late += (uint64_t) ev->suppressed;
	/* without the milter's line (a log starting mid-campaign) the filter's
	 * line is the first sight of the queue id: its pipe line is a hop of c */
	if ((m = make(tr, host, ev->qid)) == NULL) {
		tr->nomem++;
	} else {
		m->flags |= F_FILTERED;
		if (m->camp == NULL)
			m->camp = c;
		if (m->nrcpt < 0 && ev->nrcpt >= 0)
			m->nrcpt = ev->nrcpt;
	}
	if (ev->requeued.n > 0)
		link_child(tr, host, ev->requeued, c, ev->sent);
}

/* batch_same - cs_table comparison: is entry the batch (campaign, id)? */
struct batch_key {
	const struct cs_campaign *camp;
	struct cs_str id;
};

static int
batch_same(const void *entry, const void *key)
{
	const struct cs_batch *b = entry;
	const struct batch_key *k = key;

	return b->camp == k->camp && strlen(b->id) == k->id.n
	    && memcmp(b->id, k->id.p, k->id.n) == 0;
}

/* batch_entry - find or make the record of batch id of campaign c */
static struct cs_batch *
batch_entry(struct cs_track *tr, struct cs_campaign *c, struct cs_str id, int *isnew)
{
	struct batch_key k = {c, id};
	uint64_t h = cs_hash(id.p, id.n) ^ c->hash;
	struct cs_batch *b;
	size_t	i;

	if (cs_table_reserve(&tr->batches, 256) < 0)
		return NULL;
	i = cs_table_find(&tr->batches, h, batch_same, &k);
	*isnew = tr->batches.slot[i] == NULL;
	if (!*isnew)
		return tr->batches.slot[i];
	if ((b = calloc(1, sizeof(*b) + id.n + 1)) == NULL)
		return NULL;
	b->te.hash = h;
	b->camp = c;
	b->nrcpt = b->suppressed = b->bad = b->rejected = -1;
	memcpy(b->id, id.p, id.n);
	cs_table_put(&tr->batches, i, b);
	return b;
}

/* nonneg - a count of a log line, absent (-1) as 0 */
static uint64_t
nonneg(long v)
{
	return v > 0 ? (uint64_t) v : 0;
}

/* batch_container - qid carried a batch: its own injection was one
 * recipient, the batch address, not a campaign recipient */
static void
batch_container(struct cs_track *tr, int host, struct cs_str qid, struct cs_campaign *c)
{
	struct cs_msg *m = make(tr, host, qid);

	if (m == NULL) {
		tr->nomem++;
		return;
	}
	m->flags |= F_FILTERED;
	if (m->camp == NULL)
		m->camp = c;
	if (!(m->flags & F_BATCH) && (m->flags & (F_INJ_QMGR | F_INJ_MILTER))) {
		m->camp->c.rcpts -= nonneg(m->inj_rcpts) <= m->camp->c.rcpts
		    ? nonneg(m->inj_rcpts) : m->camp->c.rcpts;
		m->inj_rcpts = 0;
	}
	m->flags |= F_BATCH;
}

/* batch_seen - the campaign and batch a filter batch line names, touched;
 * batch lines seen (deliveries wait longer for their copies= line); NULL,
 * counted in nomem, when there is no memory for them */
static struct cs_batch *
batch_seen(struct cs_track *tr, const struct cs_event *ev, int host,
	   long long t, struct cs_campaign **cp)
{
	struct cs_campaign *c = campaign(tr, ev->campaign.p, ev->campaign.n);
	struct cs_batch *b;
	int	isnew;

	if (c == NULL || (b = batch_entry(tr, c, ev->batch, &isnew)) == NULL) {
		tr->nomem++;
		return NULL;
	}
	touch(c, t, host);
	tr->filter_seen = 1;
	tr->hold_us = CS_HOLD_BATCH_US;
	*cp = c;
	return b;
}

/* on_batch - a batch done: its recipients in, suppressed and bad; a
 * batch logged again (retried) replaces its earlier counts */
static void
on_batch(struct cs_track *tr, const struct cs_event *ev, int host, long long t)
{
	struct cs_campaign *c;
	struct cs_batch *b;

	if ((b = batch_seen(tr, ev, host, t, &c)) == NULL)
		return;
	c->c.batches += b->nrcpt < 0;
	free(b->copies);	/* no copies= line follows the batch line */
	b->copies = NULL;
	b->ncopies = b->capcopies = 0;
	c->c.rcpts += nonneg(ev->nrcpt) - nonneg(b->nrcpt);
	c->c.supp_late += nonneg(ev->suppressed) - nonneg(b->suppressed);
	c->c.bad_records += nonneg(ev->bad) - nonneg(b->bad);
	/* copies the reinjection listener refused for good (5xx) */
	c->c.rejected += nonneg(ev->rejected) - nonneg(b->rejected);
	b->nrcpt = (long) nonneg(ev->nrcpt);
	b->suppressed = ev->suppressed;
	b->bad = ev->bad;
	b->rejected = ev->rejected;
	batch_container(tr, host, ev->qid, c);
}

/* copy_grow - double b's set of copies, rehashing */
static int
copy_grow(struct cs_batch *b)
{
	uint32_t cap = b->capcopies ? 2 * b->capcopies : 64, i, k;
	uint64_t *n = calloc(cap, sizeof(*n));

	if (n == NULL)
		return -1;
	for (i = 0; i < b->capcopies; i++)
		if (b->copies[i] != 0) {
			for (k = (uint32_t) b->copies[i] & (cap - 1); n[k]; k = (k + 1) & (cap - 1))
				;
			n[k] = b->copies[i];
		}
	free(b->copies);
	b->copies = n;
	b->capcopies = cap;
	return 0;
}

/* copy_new - add h to b's copies: 1 when new, 0 when there, -1 no memory */
static int
copy_new(struct cs_batch *b, uint64_t h)
{
	uint32_t k;

	h |= 1;			/* 0 marks an empty slot */
	if (2 * (b->ncopies + 1) > b->capcopies && copy_grow(b) < 0)
		return -1;
	for (k = (uint32_t) h & (b->capcopies - 1); b->copies[k]; k = (k + 1) & (b->capcopies - 1))
		if (b->copies[k] == h)
			return 0;
	b->copies[k] = h;
	b->ncopies++;
	return 1;
}

/*
 * on_copies - copies of a batch accepted: each a message of one recipient.
 * A filter run killed mid-batch may have its copies logged again by the
 * next run: until the batch line, the batch remembers the ids it linked
 * and links each once.
 */
static void
on_copies(struct cs_track *tr, const struct cs_event *ev, int host, long long t)
{
	struct cs_campaign *c;
	struct cs_str list = ev->copies, qid;
	struct cs_batch *b;

	if ((b = batch_seen(tr, ev, host, t, &c)) == NULL)
		return;
	while (cs_copies_next(&list, &qid))
		if (copy_new(b, msg_hash(host, qid)) != 0)	/* no memory: link */
			link_child(tr, host, qid, c, 1);
}

/* on_queued - qmgr's "from=<s>, size=N, nrcpt=N": injection of plain mail */
static void
on_queued(struct cs_track *tr, const struct cs_event *ev, int host, long long t)
{
	struct cs_msg *m = find(tr, host, ev->qid);
	struct cs_campaign *c;

	if (m != NULL) {
		if (m->nrcpt < 0 && !(m->flags & F_BYDELIVERY))
			m->nrcpt = ev->nrcpt;
		return;
	}
	if ((m = make(tr, host, ev->qid)) == NULL
	    || (c = by_sender(tr, ev->sender)) == NULL) {
		tr->nomem++;
		return;
	}
	m->camp = c;
	m->nrcpt = ev->nrcpt;
	m->inj_rcpts = ev->nrcpt;
	m->flags |= F_INJ_QMGR;
	c->c.msgs++;
	c->c.rcpts += (uint64_t) ev->nrcpt;
	touch(c, t, host);
}

/* on_expired - qmgr gave up: the recipients without an outcome expire */
static void
on_expired(struct cs_track *tr, const struct cs_event *ev, int host, long long t)
{
	struct cs_msg *m = find(tr, host, ev->qid);
	struct cs_campaign *c = m && m->camp ? m->camp : by_sender(tr, ev->sender);
	const char *cat;
	long	left;

	if (c == NULL)
		return;
	touch(c, t, host);
	c->c.expired_msgs++;
	if (m == NULL)
		return;
	left = m->nrcpt >= 0 ? m->nrcpt - m->finals : (long) m->ndef;
	c->c.expired_rcpts += left > 0 ? (uint64_t) left : 0;
	if (left > 0 && (cat = expiry_category(tr)) != NULL)
		count_categories(tr, c, cat, strlen(cat), (uint64_t) left, CS_K_BOUNCED);
	drop(tr, m);
}

/* on_reject - refused before the queue: attributed by envelope sender */
static void
on_reject(struct cs_track *tr, const struct cs_event *ev, int host, long long t)
{
	struct cs_msg *m = find(tr, host, ev->qid);
	struct cs_campaign *c = m && m->camp ? m->camp : by_sender(tr, ev->sender);

	if (c == NULL)
		return;
	touch(c, t, host);
	if (memmem(ev->reason.p, ev->reason.n, "suppressed", 10) != NULL) {
		c->c.supp_early++;
	} else {
		const char *cat = category_of(tr, ev);

		c->c.rejected++;
		count_category(tr, c, cat, strlen(cat), CS_K_REJECTED);
	}
	count_reason(tr, c, ev, CS_ST_NONE);
}

/*
 * on_copy_reject - a batch copy the reinjection listener refused: its
 * reason and category (the batch line's rejected= counts it, once,
 * however often the batch is retried; this line is logged once a copy)
 */
static void
on_copy_reject(struct cs_track *tr, const struct cs_event *ev, int host, long long t)
{
	struct cs_campaign *c = camp_named(tr, host, ev->qid);
	const char *cat;

	if (c == NULL)
		return;
	touch(c, t, host);
	cat = category_of(tr, ev);
	count_category(tr, c, cat, strlen(cat), CS_K_REJECTED);
	count_reason(tr, c, ev, CS_ST_NONE);
}

/* on_shape - remember one of campaign-shaper's actions (for every
 * campaign whose time it falls in: the shaper acts per provider) */
static void
on_shape(struct cs_track *tr, const struct cs_event *ev, long long t)
{
	struct cs_shape *s;

	if (tr->nshapes >= CS_SHAPES_MAX) {
		tr->shapes_dropped++;
		return;
	}
	if (tr->nshapes == 0 && (tr->shapes = calloc(CS_SHAPES_MAX, sizeof(*s))) == NULL) {
		tr->nomem++;
		return;
	}
	s = &tr->shapes[tr->nshapes++];
	s->t = t;
	snprintf(s->provider, sizeof(s->provider), "%.*s", (int) ev->provider.n, ev->provider.p);
	snprintf(s->action, sizeof(s->action), "%.*s", (int) ev->action.n, ev->action.p);
	snprintf(s->value, sizeof(s->value), "%.*s", (int) ev->value.n, ev->value.p);
	s->duration = ev->duration;
}

/* held_copy - s re-pointed from the line l to its copy in h->text */
static struct cs_str
held_copy(const struct cs_held *h, const struct cs_line *l, struct cs_str s)
{
	struct cs_str c = {h->l.msg.p + (s.p - l->msg.p), s.n};

	return c;
}

/* hold - keep a copy of an unlinked delivery line; -1 when out of memory */
static int
hold(struct cs_track *tr, const struct cs_line *l, const struct cs_event *ev,
     int host, enum cs_tls tls)
{
	struct cs_held *h;
	size_t	n = l->host.n + l->prog.n + l->msg.n;

	if (ev->qid.p < l->msg.p || ev->qid.p + ev->qid.n > l->msg.p + l->msg.n
	    || (h = malloc(sizeof(*h) + n + 1)) == NULL)
		return -1;
	h->next = NULL;
	h->host = host;
	h->tls = tls;
	h->l = *l;
	memcpy(h->text, l->host.p, l->host.n);
	memcpy(h->text + l->host.n, l->prog.p, l->prog.n);
	memcpy(h->text + l->host.n + l->prog.n, l->msg.p, l->msg.n);
	h->text[n] = 0;
	h->l.host.p = h->text;
	h->l.prog.p = h->text + l->host.n;
	h->l.msg.p = h->text + l->host.n + l->prog.n;
	h->qid = held_copy(h, l, ev->qid);
	if (tr->held_tail)
		tr->held_tail->next = h;
	else
		tr->held = h;
	tr->held_tail = h;
	tr->nheld++;
	return 0;
}

/* held_is - is h a delivery of (host, qid)? */
static int
held_is(const struct cs_held *h, int host, struct cs_str qid)
{
	return h->host == host && h->qid.n == qid.n
	    && memcmp(h->qid.p, qid.p, qid.n) == 0;
}

/* has_held - is a delivery of (host, qid) held? */
static int
has_held(const struct cs_track *tr, int host, struct cs_str qid)
{
	const struct cs_held *h;

	for (h = tr->held; h; h = h->next)
		if (held_is(h, host, qid))
			return 1;
	return 0;
}

/* release - count a held delivery now (parsed again from its copy); an
 * entry already removed goes with its last held delivery */
static void
release(struct cs_track *tr, struct cs_held *h)
{
	struct cs_event ev;
	struct cs_msg *m;

	if (cs_parse_msg(&h->l, &ev) == CS_DELIVERY) {
		add_bytes(tr, camp_of(tr, find(tr, h->host, ev.qid)), h->l.len);
		on_delivery(tr, &ev, h->host, h->l.t, h->tls);
		if ((m = find(tr, h->host, ev.qid)) != NULL && (m->flags & F_GONE)
		    && !has_held(tr, h->host, ev.qid))
			drop(tr, m);
	}
	free(h);
}

/* unlink_held - take h (after prev, or the first) off the list */
static void
unlink_held(struct cs_track *tr, struct cs_held *prev, struct cs_held *h)
{
	if (prev)
		prev->next = h->next;
	else
		tr->held = h->next;
	if (tr->held_tail == h)
		tr->held_tail = prev;
	tr->nheld--;
}

/* release_due - the held deliveries older than now - hold_us (all: now < 0) */
static void
release_due(struct cs_track *tr, long long now)
{
	struct cs_held *h;

	while ((h = tr->held) != NULL
	       && (now < 0 || h->l.t + tr->hold_us <= now || tr->nheld > CS_HOLD_MAX)) {
		unlink_held(tr, NULL, h);
		release(tr, h);
	}
}

/* release_qid - the held deliveries of (host, qid) and of (host, also) if
 * also.n, now that they are linked: one pass over the list */
static void
release_qid(struct cs_track *tr, int host, struct cs_str qid, struct cs_str also)
{
	struct cs_held *h, *prev = NULL, *next;

	for (h = tr->held; h; h = next) {
		next = h->next;
		if (held_is(h, host, qid) || (also.n && held_is(h, host, also))) {
			unlink_held(tr, prev, h);
			release(tr, h);
		} else {
			prev = h;
		}
	}
}

/* unlinked - may a filter line still claim this queue id?  Not seen at
 * all, or (in a log with filter lines) seen only in qmgr's from= line */
static int
unlinked(const struct cs_track *tr, const struct cs_msg *m)
{
	return m == NULL || (tr->filter_seen && (m->flags & (F_INJ_QMGR
		| F_INJ_MILTER | F_FILTERED | F_CHILD)) == F_INJ_QMGR);
}

/* in_copies - is qid one of a copies= list? */
static int
in_copies(struct cs_str list, struct cs_str qid)
{
	struct cs_str q;

	while (cs_copies_next(&list, &q))
		if (q.n == qid.n && memcmp(q.p, qid.p, q.n) == 0)
			return 1;
	return 0;
}

/* release_copies - the held deliveries of the copies just linked: one pass */
static void
release_copies(struct cs_track *tr, int host, struct cs_str list)
{
	struct cs_held *h, *prev = NULL, *next;

	for (h = tr->held; h; h = next) {
		next = h->next;
		if (h->host == host && in_copies(list, h->qid)) {
			unlink_held(tr, prev, h);
			release(tr, h);
		} else {
			prev = h;
		}
	}
}

/* add_bytes - a line's bytes to campaign c, or to no campaign */
static void
add_bytes(struct cs_track *tr, struct cs_campaign *c, size_t n)
{
	if (c != NULL)
		c->c.log_bytes += n;
	else
		tr->log_other += n;
}

void
cs_track_other(struct cs_track *tr, const struct cs_line *l,
	       const struct cs_event *ev)
{
	int	host = cs_track_host(tr, l->host.p, l->host.n);

	add_bytes(tr, camp_named(tr, host, ev->qid), l->len);
}

/* line_campaign - the campaign whose bytes a used line is, once counted */
static struct cs_campaign *
line_campaign(struct cs_track *tr, const struct cs_event *ev, int host)
{
	switch (ev->kind) {
	case CS_MILTER:
	case CS_FILTER:
	case CS_BATCH:
	case CS_COPIES:
	case CS_UNSUB:
		return campaign(tr, ev->campaign.p, ev->campaign.n);
	case CS_SIGNAL:
		return signal_campaign(tr, ev);
	case CS_REJECT:
		return camp_named(tr, host, ev->qid) ? camp_named(tr, host, ev->qid)
		    : by_sender(tr, ev->sender);
	default:
		return camp_named(tr, host, ev->qid);
	}
}

void
cs_track_event(struct cs_track *tr, const struct cs_line *l,
	       const struct cs_event *ev)
{
	int	host = cs_track_host(tr, l->host.p, l->host.n);
	struct cs_msg *m;
	struct cs_campaign *pre = camp_named(tr, host, ev->qid);
	enum cs_tls tls;

	if (host < 0) {
		tr->hostless++;
		return;
	}
	release_due(tr, l->t);
	switch (ev->kind) {
	case CS_DELIVERY:
		tls = cs_tls_delivery(&tr->tls, host, l->pid, ev, l->t);
		if (!is_hop(tr, find(tr, host, ev->qid), ev) && is_return(tr, ev))
			on_return(tr, ev, host);	/* (a message to the alias still
						 * goes through the filter first) */
		else if (!unlinked(tr, find(tr, host, ev->qid)) || hold(tr, l, ev, host, tls) < 0)
			on_delivery(tr, ev, host, l->t, tls);
		else
			return;		/* its bytes count when it is released */
		break;
	case CS_TLS:
		cs_tls_line(&tr->tls, host, l->pid, ev, l->t);
		break;
	case CS_QUEUED:
		on_queued(tr, ev, host, l->t);
		break;
	case CS_EXPIRED:
		on_expired(tr, ev, host, l->t);
		break;
	case CS_REMOVED:
		if ((m = find(tr, host, ev->qid)) == NULL)
			break;
		/* the filter line naming a reinjected copy may come after
		 * its removed line: keep the entry for its held deliveries */
		if (tr->nheld && unlinked(tr, m) && has_held(tr, host, ev->qid))
			m->flags |= F_GONE;
		else
			drop(tr, m);
		break;
	case CS_REJECT:
		on_reject(tr, ev, host, l->t);
		break;
	case CS_MILTER:
		on_milter(tr, ev, host, l->t);
		break;
	case CS_FILTER:
		on_filter(tr, ev, host, l->t);
		release_qid(tr, host, ev->qid, ev->requeued);
		break;
	case CS_BATCH:
		on_batch(tr, ev, host, l->t);
		break;
	case CS_COPIES:
		on_copies(tr, ev, host, l->t);
		release_copies(tr, host, ev->copies);
		break;
	case CS_COPY_REJECT:
		on_copy_reject(tr, ev, host, l->t);
		break;
	case CS_SIGNAL:
		on_signal(tr, ev, host, l->t);
		break;
	case CS_UNSUB:
		on_unsub(tr, ev, host, l->t);
		break;
	case CS_SHAPE:
		on_shape(tr, ev, l->t);
		break;
	default:
		break;
	}
	/* a delivery or removal may have freed the entry: the campaign found
	 * before the line counts then */
	add_bytes(tr, pre ? pre : line_campaign(tr, ev, host), l->len);
}

void
cs_track_finish(struct cs_track *tr)
{
	release_due(tr, -1);
	cs_track_snapshot(tr);
}

void
cs_track_snapshot(struct cs_track *tr)
{
	size_t	i;
	struct cs_msg *m;
	struct cs_campaign *c;

	for (i = 0; i < tr->ncamps; i++) {
		c = tr->camps[i];
		c->c.end_def_msgs = c->c.end_def_rcpts = c->c.end_live_msgs = 0;
	}
	for (i = 0; i < tr->msgs.cap; i++) {
		if ((m = tr->msgs.slot[i]) == NULL || (c = m->camp) == NULL)
			continue;
		if (m->ndef) {
			c->c.end_def_msgs++;
			c->c.end_def_rcpts += m->ndef;
		} else if (!(m->flags & (F_FILTERED | F_GONE))) {
			c->c.end_live_msgs++;
		}
	}
}

static void
campaign_free(struct cs_campaign *c)
{
	cs_hist_free(&c->delay);
	cs_cmap_free(&c->domains);
	cs_cmap_free(&c->reasons);
	cs_cmap_free(&c->categories);
	cs_cmap_free(&c->providers);
	free(c->id);
	free(c);
}

void
cs_track_free(struct cs_track *tr)
{
	size_t	i;
	struct cs_msg *m;
	struct cs_held *h;

	while ((h = tr->held) != NULL) {
		tr->held = h->next;
		free(h);
	}
	for (i = 0; i < tr->msgs.cap; i++)
		if ((m = tr->msgs.slot[i]) != NULL) {
			free(m->def);
			free(m);
		}
	while ((m = tr->spare) != NULL) {
		tr->spare = m->next_spare;
		free(m);
	}
	for (i = 0; i < tr->batches.cap; i++)
		if (tr->batches.slot[i] != NULL) {
			free(((struct cs_batch *) tr->batches.slot[i])->copies);
			free(tr->batches.slot[i]);
		}
	cs_table_free(&tr->batches);
	for (i = 0; i < tr->ncamps; i++)
		campaign_free(tr->camps[i]);
	free(tr->shapes);
	tr->shapes = NULL;
	for (i = 0; i < (size_t) tr->nhosts; i++)
		free(tr->hosts[i]);
	for (i = 0; i < (size_t) tr->nreturns; i++)
		free(tr->returns[i]);
	free(tr->camps);
	cs_table_free(&tr->msgs);
	cs_tls_free(&tr->tls);
	cs_pattern_free(&tr->pat);
	memset(tr, 0, sizeof(*tr));
}
