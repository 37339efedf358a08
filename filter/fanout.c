/*
 * NAME
 *	fanout - campaign-filter's batch mode (see fanout.h)
 * DESCRIPTION
 *	check_pass() reads the whole batch once and sends nothing;
 *	send_pass() reads it again and sends.  Every record's outcome is
 *	written to the progress file the moment it is known: accepted copies
 *	as the listener's replies arrive (on_done), suppressed and bad
 *	records at once.
 * DIAGNOSTICS
 *	Log lines through clog(3); see fanout.h.  Errors go back in e.
 * SEE ALSO
 *	doc/DESIGN.md "Batches", lib/batch.h, copy.h, pipeline.h, progress.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "batch.h"
#include "clog.h"
#include "copy.h"
#include "fanout.h"
#include "hmac.h"
#include "map_db.h"
#include "pipeline.h"
#include "progress.h"

#define IDS_PER_LINE	100
/* a copy in flight, by its sequence number: more than the copies that can be
 * in flight at once (FANOUT_CONNS_MAX * FANOUT_WINDOW, see next_conn()) */
#define SLOTS		(2 * FANOUT_CONNS_MAX * FANOUT_WINDOW)

struct src {
	struct spool *sp;
	int	bol;
};

struct fan {
	const struct fanout_in *in;
	struct src src;
	struct batch b;
	struct batch_limits lim;
	struct copy cp;
	struct progress pg;
	struct map_db *sup;
	struct buf secret, out, rp, val, ids;
	struct pipeline pl[FANOUT_CONNS_MAX];
	int	npl;			/* connections wanted (reinject_connections) */
	int	is_open[FANOUT_CONNS_MAX];
	long	seq;			/* copies handed to the connections */
	int	b_open, nids, stop;
	char	campaign[BATCH_ID_MAX + 1], id[BATCH_ID_MAX + 1];
	long	nrcpt, sent, suppressed, bad, rejected, deferred;
	long long soft;			/* no new copy after this (ms) */
	struct {
		long	idx;
		unsigned long line;
		char	addr[ADDR_KEY_MAX + 2];
	} slot[SLOTS];
	struct cerr err;		/* why on_done() stopped */
	char	why[400];		/* why a copy was deferred */
};

/* src_read - the spool without its dot-stuffing, for lib/batch */
static ssize_t
src_read(void *ctx, char *p, size_t n)
{
	struct src *s = ctx;
	ssize_t	r;
	size_t	i, o;

	do {
		if ((r = spool_read(s->sp, p, n)) <= 0)
			return r;
		for (i = o = 0; i < (size_t)r; i++) {
			if (s->bol && p[i] == '.') {
				s->bol = 0;
				continue;
			}
			s->bol = p[i] == '\n';
			p[o++] = p[i];
		}
	} while (o == 0);
	return (ssize_t)o;
}

/* open_batch - read the batch from the start */
static int
open_batch(struct fan *f, struct cerr *e)
{
	struct cerr pe;

	if (f->b_open)
		batch_close(&f->b);
	f->b_open = 1;
	f->src = (struct src) {f->in->sp, 1};
	if (spool_rewind(f->in->sp, e) < 0)
		return -1;
	if (batch_open(&f->b, src_read, &f->src, &f->lim, &pe) < 0)
		return cerr_set(e, "malformed batch: %s", pe.msg);
	return 0;
}

/* pick_campaign - the container's X-Campaign-ID, else default_campaign */
static int
pick_campaign(struct fan *f, struct cerr *e)
{
	const char *c = f->b.campaign[0] ? f->b.campaign
	    : f->in->campaign[0] ? f->in->campaign : f->in->cf->default_campaign;

	if (!batch_id_valid(c))
		return cerr_set(e, "malformed batch: bad campaign id \"%.64s\"", c);
	strcpy(f->campaign, c);
	strcpy(f->id, f->b.id);
	return 0;
}

/* check_pass - the whole batch, sending nothing; counts the records */
static int
check_pass(struct fan *f, struct cerr *e)
{
	struct rrec rec;
	struct cerr pe;
	int	rc;

	if (f->in->size > (size_t)f->in->cf->batch_max_bytes)
		return cerr_set(e, "batch of %zu bytes is over batch_max_bytes (%ld)",
				f->in->size, f->in->cf->batch_max_bytes);
	if (open_batch(f, e) < 0 || pick_campaign(f, e) < 0)
		return -1;
	f->cp = (struct copy) {.cf = f->in->cf, .secret = &f->secret,
	    .campaign = f->campaign, .batch = f->id, .qid = f->in->qid,
	.sender = f->in->sender};
	if (copy_setup(&f->cp, f->b.tmpl.data, f->b.tmpl.len, &f->b.rl, &pe) < 0)
		return cerr_set(e, "malformed batch: %s", pe.msg);
	while ((rc = batch_next(&f->b, &rec, &pe)) == RL_REC || rc == RL_BAD)
		;
	if (rc == RL_ERR)
		return cerr_set(e, "malformed batch: %s", pe.msg);
	f->nrcpt = f->b.nrec;
	return 0;
}

/* log_ids - the copies= line of the queue ids gathered so far, and the
 * progress file's note that they are logged */
static void
log_ids(struct fan *f)
{
	struct nline nl;
	struct cerr e;

	if (f->nids == 0)
		return;
	nline_init(&nl, f->in->qid);
	nline_str(&nl, "campaign", f->campaign);
	nline_str(&nl, "batch", f->id);
	nline_str(&nl, "copies", buf_cstr(&f->ids));
	nline_emit(&nl);
	buf_reset(&f->ids);
	f->nids = 0;
	if (f->pg.fd >= 0 && progress_logged(&f->pg, &e) < 0)
		clog_warnx("%s: %s", f->in->qid, e.msg);
}

/* add_id - one accepted copy's queue id for the next copies= line */
static void
add_id(struct fan *f, const char *qid)
{
	if ((f->nids && buf_putc(&f->ids, ',') < 0) || buf_puts(&f->ids, qid) < 0)
		return;
	if (++f->nids >= IDS_PER_LINE)
		log_ids(f);
}

/* relog - ids an earlier run recorded but may not have logged (killed) */
static void
relog(struct fan *f)
{
	char   *p, *q;

	for (p = f->pg.unlogged.data; p && *p; p = q) {
		if ((q = strchr(p, ',')) != NULL)
			*q++ = '\0';
		else
			q = p + strlen(p);
		add_id(f, p);
	}
	log_ids(f);
}

/*
 * log_record - one line per record that gets no copy: VERDICT "bad
 * record" (KEY "reason") for a record the filter refuses, "rejected"
 * (KEY "reply") for a copy the listener refused for good, the
 * recipient's verdict as smtpd's "reject:" line is for a recipient
 * refused before the queue (doc/DESIGN.md "Batches")
 */
static void
log_record(struct fan *f, const char *verdict, unsigned long line,
	   const char *addr, const char *key, const char *text)
{
	struct nline nl;

	nline_init(&nl, f->in->qid);
	nline_str(&nl, "batch", f->id);
	nline_word(&nl, verdict);
	nline_num(&nl, "line", (long long)line);
	if (addr)
		nline_addr(&nl, "to", addr);
	else
		nline_str(&nl, "to", "-");
	nline_str(&nl, key, text);
	nline_emit(&nl);
}

/* on_done - pipeline.h's callback: record the outcome of copy number seq */
static int
on_done(void *ctx, long seq, int code, const char *reply, const char *qid)
{
	struct fan *f = ctx;
	const char *addr = f->slot[seq % SLOTS].addr;
	long	idx = f->slot[seq % SLOTS].idx;

	/* a 4xx (lib/smtp_txn: also a reply out of place) is tried again */
	if (code / 100 == 4) {
		f->deferred++;
		snprintf(f->why, sizeof(f->why), "to=<%s>: %s", addr, reply);
		return 0;
	}
	if (progress_add(&f->pg, idx, code == 250 ? PG_SENT : PG_REJECTED, qid, &f->err) < 0)
		return -1;
	if (code != 250) {	/* a 5xx: the recipient's verdict, no retry */
		f->rejected++;
		log_record(f, "rejected", f->slot[seq % SLOTS].line, addr, "reply", reply);
		return 0;
	}
	f->sent++;
	add_id(f, qid);
	return 0;
}

/* suppressed - 1 listed (recorded), 0 not, -1 error */
static int
suppressed(struct fan *f, long idx, const char *key, struct cerr *e)
{
	int	r;

	buf_reset(&f->val);
	if ((r = suppress_lookup(f->sup, key, &f->val, e)) != 1)
		return r;
	f->suppressed++;
	return progress_add(&f->pg, idx, PG_SUPPRESSED, NULL, e) < 0 ? -1 : 1;
}

/* record_bad - a bad record: counted, recorded, logged */
static int
record_bad(struct fan *f, long idx, unsigned long line, const char *addr,
	   const char *why, struct cerr *e)
{
	f->bad++;
	log_record(f, "bad record", line, addr, "reason", why);
	return progress_add(&f->pg, idx, PG_BAD, NULL, e);
}

/*
 * broke - connection j failed (e says why): the others' replies in
 * flight are still read and recorded, so that only j's copies in flight
 * (at most FANOUT_WINDOW) are unknown to the retry; -1
 */
static int
broke(struct fan *f, int j, struct cerr *e)
{
	struct cerr ignore;
	int	i;

	if (f->err.msg[0])
		cerr_set(e, "%s", f->err.msg);
	if (f->is_open[j])
		pl_close(&f->pl[j]);
	f->is_open[j] = 0;
	for (i = 0; i < f->npl; i++)
		if (f->is_open[i] && pl_drain(&f->pl[i], &ignore) < 0) {
			pl_close(&f->pl[i]);
			f->is_open[i] = 0;
		}
	return -1;
}

/*
 * next_conn - the connection for the next copy, opened when first used:
 * copy number seq goes to connection seq % npl, in turn, so each of them
 * has at most FANOUT_WINDOW in flight and the copies in flight span at most
 * npl * FANOUT_WINDOW + 1 sequence numbers (SLOTS); -1 when it cannot open
 */
static int
next_conn(struct fan *f, struct cerr *e)
{
	int	j = (int)(f->seq % f->npl);

	if (!f->is_open[j]) {
		if (pl_open(&f->pl[j], f->in->cf->reinject_to, "localhost", f->in->deadline,
			    FANOUT_WINDOW, on_done, f, e) < 0)
			return broke(f, j, e);
		f->is_open[j] = 1;
	}
	return j;
}

/* send_copy - build the copy and hand it to the next connection */
static int
send_copy(struct fan *f, long idx, const struct rrec *rec, const struct addr *a,
	  const char *key, struct cerr *e)
{
	struct cerr pe;
	long	s;
	int	j;

	if (copy_build(&f->cp, idx, rec, a, key, &f->rp, &f->out, &pe) < 0)
		return record_bad(f, idx, rec->line, rec->addr, pe.msg, e);
	if ((j = next_conn(f, e)) < 0)
		return -1;
	s = f->seq++;
	f->slot[s % SLOTS].idx = idx;
	f->slot[s % SLOTS].line = rec->line;
	snprintf(f->slot[s % SLOTS].addr, sizeof(f->slot[0].addr), "%s", rec->addr);
	if (pl_send(&f->pl[j], s, f->rp.data, rec->addr, f->cp.tmpl.has8bit, &f->out, e) < 0)
		return broke(f, j, e);
	return 0;
}

/* drain_all - every connection's replies in flight; -1 when one broke */
static int
drain_all(struct fan *f, struct cerr *e)
{
	int	j;

	for (j = 0; j < f->npl; j++)
		if (f->is_open[j] && pl_drain(&f->pl[j], e) < 0)
			return broke(f, j, e);
	return 0;
}

/* one - one record of the send pass */
static int
one(struct fan *f, int rc, const struct rrec *rec, struct cerr *e)
{
	long	idx = f->b.nrec;
	struct addr a;
	struct cerr pe;
	char	key[ADDR_KEY_MAX + 2];
	int	r;

	if (progress_done(&f->pg, idx))
		return 0;
	if (rc == RL_BAD)
		return record_bad(f, idx, rec->line, NULL, rec->why, e);
	if (addr_parse_path(rec->addr, strlen(rec->addr), &a, NULL, &pe) < 0
	    || addr_key(&a, key, sizeof(key)) < 0)
		return record_bad(f, idx, rec->line, rec->addr, "bad address", e);
	if ((r = suppressed(f, idx, key, e)) != 0)
		return r < 0 ? -1 : 0;
	if (smtp_now_ms() >= f->soft) {
		f->stop = 1;
		return 0;
	}
	return send_copy(f, idx, rec, &a, key, e);
}

/* send_pass - every record not done yet */
static int
send_pass(struct fan *f, struct cerr *e)
{
	struct rrec rec;
	struct cerr pe;
	int	rc = RL_EOF;

	if (open_batch(f, e) < 0)
		return -1;
	while (!f->stop && ((rc = batch_next(&f->b, &rec, &pe)) == RL_REC || rc == RL_BAD))
		if (one(f, rc, &rec, e) < 0)
			return -1;
	if (!f->stop && rc == RL_ERR)
		return cerr_set(e, "malformed batch: %s", pe.msg);
	return drain_all(f, e);
}

/* log_done - the batch's summary line */
static void
log_done(struct fan *f)
{
	struct nline nl;

	nline_init(&nl, f->in->qid);
	nline_str(&nl, "campaign", f->campaign);
	nline_str(&nl, "batch", f->id);
	nline_num(&nl, "nrcpt", f->nrcpt);
	nline_num(&nl, "sent", f->sent);
	nline_num(&nl, "suppressed", f->suppressed);
	nline_num(&nl, "bad", f->bad);
	if (f->rejected > 0)
		nline_num(&nl, "rejected", f->rejected);
	nline_num(&nl, "size", (long long)f->in->size);
	nline_num(&nl, "ms", smtp_now_ms() - f->in->start);
	nline_emit(&nl);
}

/* resources - progress file, suppression table, secret */
static int
resources(struct fan *f, struct cerr *e)
{
	const struct campaign_conf *cf = f->in->cf;
	long long reserve = (f->in->deadline - f->in->start) / 4;

	f->soft = f->in->deadline - (reserve < FANOUT_RESERVE ? reserve : FANOUT_RESERVE);
	if (progress_open(&f->pg, cf->filter_state_dir, f->campaign, f->id, f->nrcpt,
			  FANOUT_SYNC, e) < 0)
		return -1;
	f->sent = f->pg.prev[PG_SENT];
	f->suppressed = f->pg.prev[PG_SUPPRESSED];
	f->bad = f->pg.prev[PG_BAD];
	f->rejected = f->pg.prev[PG_REJECTED];
	relog(f);
	if (cf->unsubscribe_secret_file
	    && hmac_load_secret(cf->unsubscribe_secret_file, &f->secret, e) < 0)
		return -1;
	f->sup = map_db_open(cf->suppression_table, MAP_RDONLY, e);
	return f->sup ? 0 : -1;
}

/* finish - counts checked; 0 when every record is done */
static int
finish(struct fan *f, int r, struct cerr *e)
{
	long	left = f->nrcpt - f->sent - f->suppressed - f->bad - f->rejected;

	log_ids(f);
	if (r == 0 && left > 0)
		r = cerr_set(e, "batch %s: %ld of %ld recipients not done (%s); "
			     "progress kept, a retry resumes", f->id, left, f->nrcpt,
			     f->deferred ? f->why : f->stop ? "filter_deadline near"
			     : "unknown");
	if (r == 0)
		log_done(f);
	if (f->pg.done)
		progress_close(&f->pg, r == 0);
	return r;
}

int
fanout_run(const struct fanout_in *in, struct cerr *e)
{
	struct fan *f;
	int	r;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return cerr_set(e, "out of memory");
	f->in = in;
	f->lim = (struct batch_limits) {in->cf->batch_max_recipients,
	(size_t)in->cf->batch_max_bytes};
	f->pg.fd = -1;
	f->npl = (int)in->cf->reinject_connections;	/* 1..FANOUT_CONNS_MAX: conf_load() */
	buf_init(&f->secret, 4096);
	buf_init(&f->out, (size_t)in->cf->batch_max_bytes + 65536);
	buf_init(&f->rp, 2048);
	buf_init(&f->val, 4096);
	buf_init(&f->ids, 64 * (IDS_PER_LINE + 1));
	r = check_pass(f, e) < 0 || resources(f, e) < 0 || send_pass(f, e) < 0 ? -1 : 0;
	if (f->campaign[0])
		r = finish(f, r, e);
	for (int j = 0; j < f->npl; j++)
		if (f->is_open[j])
			pl_close(&f->pl[j]);
	if (f->sup)
		map_db_close(f->sup);
	if (f->b_open)
		batch_close(&f->b);
	copy_free(&f->cp);
	buf_free(&f->secret), buf_free(&f->out), buf_free(&f->rp);
	buf_free(&f->val), buf_free(&f->ids);
	free(f);
	return r;
}
