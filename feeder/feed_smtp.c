/*
 * NAME
 *	feed_smtp - one SMTP client session: the pipelined protocol engine
 * SYNOPSIS
 *	#include "feed_sess.h"
 *
 *	sess_connected(s);	socket connected: expect the greeting
 *	sess_read(s);		socket readable: read, parse, act on replies
 *	sess_flush(s);		write what is queued, one sendmsg(2)
 *	sess_start_txn(s);	take work and send MAIL, RCPT..., DATA
 * DESCRIPTION
 *	With PIPELINING (RFC 2920) a transaction's MAIL, RCPTs and DATA go
 *	out in one write; after the 354 the message, the final "." and the
 *	next transaction's commands go out in the next one.  Without it
 *	each command waits for the previous reply.  Replies are parsed and
 *	matched to commands in order by the SMTP client engine shared with
 *	campaign-filter (lib/smtp_reply.c, lib/smtp_client.c: its ring of
 *	awaited replies, dot-stuffing, the BDAT command); this file keeps
 *	the feeder's own part: sessions, transactions of many recipients,
 *	the output as segments for one sendmsg(2), and outcomes.
 *
 *	With CHUNKING (RFC 3030) and --window above 1, a transaction goes
 *	out whole: MAIL, RCPT..., "BDAT n LAST" and the message without
 *	dot-stuffing, and up to the window's number of transactions are in
 *	flight, so one read answers several of them.  The reply to BDAT LAST is taken as the
 *	reply to "."; after a failed MAIL or with no recipient accepted it
 *	is ignored (those recipients are already settled).
 *
 *	What each reply to MAIL, RCPT, DATA, "." and BDAT means is decided
 *	by the engine's transaction rules (lib/smtp_txn.c, with
 *	SMTP_TXN_PER_RCPT); this file does it.  A 2xx to "." settles every
 *	recipient the RCPTs accepted as 'A'; a 4xx to MAIL, RCPT, DATA or
 *	"." puts the recipients concerned back in the retry queue with
 *	backoff (queue_requeue), a 5xx settles them as 'R' with the reply
 *	text.  A 4xx to MAIL also retires the session (sess_recycle).
 *	Replies to RCPT and DATA after a failed MAIL are ignored.  After a
 *	DATA refused while MAIL had succeeded an RSET clears the server's
 *	transaction.  A 421 reply, a protocol
 *	error, a timeout or a lost connection end the session (sess_fail):
 *	its unsettled recipients go back to the queue without counting a
 *	try, and the session reconnects after the relay's backoff.
 *
 *	With --batch every transaction is one job, a batch (feed_batch.c):
 *	RCPT TO the batch address and the batch container as the message;
 *	the reply to "." or BDAT settles all its recipients.
 *
 *	Work comes from and outcomes go to the work queue (feed_queue.c);
 *	nothing here calls back into the event loop (feed_loop.c).
 * DIAGNOSTICS
 *	Relay state changes are reported on stderr through feed_warnx().
 * SEE ALSO
 *	RFC 5321, RFC 2920; lib/smtp_client.h; Postfix smtp_proto.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "feed_sess.h"

#define READ_CHUNK	16384
#define RATE_BURST	0.1		/* seconds */
#define IOV_CHUNK	64

/* cpu_now - thread CPU seconds (only with --stats) */
static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* seg_add - append a segment (merging with the last command piece) */
static void
seg_add(struct session *s, const char *ext, size_t off, size_t len)
{
	struct seg *g;

	if (len == 0)
		return;
	if (ext == NULL && s->nsegs > 0 && s->segs[s->nsegs - 1].ext == NULL
	    && s->segs[s->nsegs - 1].off + s->segs[s->nsegs - 1].len == off) {
		s->segs[s->nsegs - 1].len += len;
		return;
	}
	if (s->nsegs == s->segcap) {
		s->segcap = s->segcap ? 2 * s->segcap : 8;
		if ((g = realloc(s->segs, (size_t)s->segcap * sizeof(*g))) == NULL) {
			s->f->fatal = cerr_set(&s->f->err, "out of memory");
			return;
		}
		s->segs = g;
	}
	s->segs[s->nsegs++] = (struct seg) {ext, off, len};
}

/* out_text - queue n bytes from the command buffer */
static void
out_text(struct session *s, const char *p, size_t n)
{
	size_t	off = s->out.len;

	if (buf_append(&s->out, p, n) < 0) {
		s->f->fatal = cerr_set(&s->f->err, "output buffer: %s", strerror(errno));
		return;
	}
	seg_add(s, NULL, off, n);
	sess_mark_dirty(s);
}

#define OUT_LIT(s, lit) out_text((s), (lit), sizeof(lit) - 1)

/* want_out - ask epoll(7) for writability of s, or stop asking */
static void
want_out(struct session *s, int on)
{
	struct epoll_event ev;

	ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
	ev.data.ptr = s;
	if (epoll_ctl(s->f->ep, EPOLL_CTL_MOD, s->fd, &ev) < 0)
		sess_fail(s, strerror(errno));
	else
		s->want_out = on;
}

/* exp_push - expect one more reply (the engine's ring) */
static void
exp_push(struct session *s, int kind, int slot, int idx)
{
	if (smtp_cmdq_push(&s->cmdq, kind, slot, idx) < 0) {
		s->f->fatal = cerr_set(&s->f->err, "internal: expect ring full");
		return;
	}
	if (s->cmdq.n == 1)
		s->f->awaiting++;
	s->deadline = s->f->now + s->f->o->timeout;
}

void
sess_mark_dirty(struct session *s)
{
	if (!s->dirty) {
		s->dirty = 1;
		s->dirty_next = s->f->dirty;
		s->f->dirty = s;
	}
}

int
sess_idle(const struct session *s)
{
	return s->state == S_OPEN && s->ready && s->cur < 0 && s->dot < 0
	    && s->cmdq.n == 0;
}

/* txn_end - the transaction in slot is over */
static void
txn_end(struct session *s, int slot)
{
	s->txn[slot].active = 0;
	if (s->cur == slot)
		s->cur = -1;
	if (s->dot == slot)
		s->dot = -1;
}

/* settle - one recipient's verdict: 2xx accepted, 5xx refused, else retry */
static void
settle(struct session *s, struct job *jb, int code, const char *text)
{
	if (code / 100 == 2)
		queue_settle(&s->f->q, jb, 'A', NULL);
	else if (code / 100 == 5)
		queue_settle(&s->f->q, jb, 'R', text);
	else
		queue_requeue(&s->f->q, jb, text, 1, s->f->now);
}

/* settle_all - the transaction's verdict to every unsettled recipient */
static void
settle_all(struct session *s, struct txn *t)
{
	int	i;

	for (i = 0; i < t->n; i++) {
		if (t->jobs[i] == NULL)
			continue;
		settle(s, t->jobs[i], t->st.v.code, t->st.v.text);
		t->jobs[i] = NULL;
	}
}

/* put_rcpt - queue "RCPT TO:<addr>" */
static void
put_rcpt(struct session *s, const struct job *jb)
{
	OUT_LIT(s, "RCPT TO:<");
	out_text(s, jb->addr, strlen(jb->addr));
	OUT_LIT(s, ">\r\n");
}

/*
 * send_batch - BDAT and a batch container, copied: a 5xx to the RCPT
 * may free the batch before the output is all written
 */
static void
send_batch(struct session *s, const struct fbatch *b)
{
	char	cmd[SMTP_BDAT_CMD_MAX];
	int	n;

	n = smtp_bdat_cmd(cmd, sizeof(cmd), b->body.len);
	out_text(s, cmd, (size_t)n);
	out_text(s, b->body.data, b->body.len);
}

/* send_bdat - with CHUNKING: the whole message as the last chunk */
static void
send_bdat(struct session *s, int slot)
{
	struct feed *f = s->f;
	char	cmd[SMTP_BDAT_CMD_MAX];
	int	n;

	if (s->txn[slot].jobs[0]->batch != NULL) {
		send_batch(s, s->txn[slot].jobs[0]->batch);
	} else if (f->m->ntags == 0) {	/* the one body, its command made once */
		out_text(s, f->bdat_cmd, f->bdat_cmd_len);
		seg_add(s, f->raw.data, 0, f->raw.len);
	} else {
		buf_reset(&f->scratch);
		if (msg_merge(f->m, s->txn[slot].jobs[0]->vals, &f->scratch) < 0) {
			/* fatal: the loop ends before this turn's output is written */
			f->fatal = cerr_set(&f->err, "merge: %s", strerror(errno));
			return;
		}
		f->scratch.len = msg_unstuff(f->scratch.data, f->scratch.len);
		n = smtp_bdat_cmd(cmd, sizeof(cmd), f->scratch.len);
		out_text(s, cmd, (size_t)n);
		out_text(s, f->scratch.data, f->scratch.len);
	}
	exp_push(s, SMTP_CMD_BDAT, slot, 0);
	s->cur = -1;
}

/*
 * put_mail - queue MAIL FROM; a batch's says its size (SIZE, RFC 1870)
 * when the relay offers it, so that a batch over the campaign's limit is
 * refused before it is sent
 */
static void
put_mail(struct session *s, const struct txn *t)
{
	size_t	n = strlen(s->mail_line);
	char	size[40];
	int	k;

	if (t->jobs[0]->batch == NULL || !s->extsize || n < 2) {
		out_text(s, s->mail_line, n);
		return;
	}
	k = snprintf(size, sizeof(size), " SIZE=%zu\r\n", t->jobs[0]->batch->body.len);
	out_text(s, s->mail_line, n - 2);
	out_text(s, size, (size_t)k);
}

/* txn_emit - send the commands of slot that may go out now */
static void
txn_emit(struct session *s, int slot)
{
	struct txn *t = s->txn + slot;
	int	c;

	while (t->active && t->next_cmd <= t->n + 1
	       && (s->pipelining || s->cmdq.n == 0)) {
		c = t->next_cmd++;
		if (c == 0) {
			put_mail(s, t);
			exp_push(s, SMTP_CMD_MAIL, slot, 0);
		} else if (c <= t->n) {
			put_rcpt(s, t->jobs[c - 1]);
			exp_push(s, SMTP_CMD_RCPT, slot, c - 1);
		} else if (s->chunking) {
			send_bdat(s, slot);
		} else if (!s->pipelining && !smtp_txn_want_data(&t->st)) {
			OUT_LIT(s, "RSET\r\n");
			exp_push(s, SMTP_CMD_RSET, slot, 0);
			txn_end(s, slot);
		} else {
			OUT_LIT(s, "DATA\r\n");
			exp_push(s, SMTP_CMD_DATA, slot, 0);
		}
	}
}

/* free_slot - an unused transaction slot, -1 when the window is full */
static int
free_slot(const struct session *s)
{
	int	i, n = s->chunking ? s->nslots : 2;

	for (i = 0; i < n; i++)
		if (!s->txn[i].active)
			return i;
	return -1;
}

/* start_one - start one transaction if a slot, work and the rate allow */
static int
start_one(struct session *s)
{
	struct feed *f = s->f;
	struct txn *t;
	int	slot, n;

	if (s->state != S_OPEN || !s->ready || s->retire || s->cur >= 0
	    || f->stopping
	    || (!s->pipelining && (s->cmdq.n > 0 || s->dot >= 0)))
		return 0;
	if (f->o->rate > 0) {
		/* token bucket: up to RATE_BURST seconds of unused credit */
		if (f->next_ok < f->now - RATE_BURST)
			f->next_ok = f->now - RATE_BURST;
		if (f->next_ok > f->now)
			return 0;
	}
	if ((slot = free_slot(s)) < 0)
		return 0;
	t = s->txn + slot;
	if ((n = queue_take(&f->q, t->jobs, f->o->rcpts_per_msg, f->now)) == 0)
		return 0;
	if (f->o->rate > 0)
		f->next_ok += 1.0 / f->o->rate;
	t->active = 1;
	t->n = n;
	t->next_cmd = 0;
	smtp_txn_begin(&t->st, n, SMTP_TXN_PER_RCPT);
	s->cur = slot;
	txn_emit(s, slot);
	return 1;
}

int
sess_start_txn(struct session *s)
{
	int	n = 0;

	while (start_one(s))	/* DATA: one (cur is set); BDAT: the window */
		n++;
	return n > 0;
}

/* put_content - after 354: the message, dot-stuffed */
static void
put_content(struct session *s, const struct txn *t)
{
	const struct msg *m = s->f->m;
	size_t	off = s->out.len;
	int	i;

	if (t->jobs[0]->batch != NULL) {	/* one job: the batch, stuffed */
		if (smtp_put_stuffed(&s->out, t->jobs[0]->batch->body.data,
				t->jobs[0]->batch->body.len) < 0)
			s->f->fatal = cerr_set(&s->f->err, "output buffer: %s", strerror(errno));
		seg_add(s, NULL, off, s->out.len - off);
	} else if (m->ntags == 0) {
		seg_add(s, m->body.data, 0, m->body.len);
	} else {
		for (i = 0; i < t->n && t->jobs[i] == NULL; i++)
			;
		if (msg_merge(m, t->jobs[i]->vals, &s->out) < 0)
			s->f->fatal = cerr_set(&s->f->err, "merge: %s", strerror(errno));
		seg_add(s, NULL, off, s->out.len - off);
	}
}

/* send_body - after 354: the message (none when discarded) and "." */
static void
send_body(struct session *s, int slot, int discard)
{
	if (!discard)
		put_content(s, s->txn + slot);
	OUT_LIT(s, ".\r\n");
	exp_push(s, SMTP_CMD_DOT, slot, 0);
	s->cur = -1;
	s->dot = slot;
}

/*
 * on_end - the transaction is over: its verdict to the recipients left
 * (none when discarded); RSET after a refused DATA
 */
static void
on_end(struct session *s, struct txn *t, int slot)
{
	if (!t->st.discard && t->st.v.code / 100 == 2) {
		s->f->c->messages++;
		s->relay->messages++;
	}
	if (!t->st.discard || t->st.rset)
		settle_all(s, t);
	if (t->st.rset) {
		OUT_LIT(s, "RSET\r\n");
		exp_push(s, SMTP_CMD_RSET, slot, 0);
	}
	txn_end(s, slot);
}

/*
 * on_txn - a reply to MAIL, RCPT, DATA, "." or BDAT: lib/smtp_txn.c says
 * what it means (SMTP_TXN_PER_RCPT: a refused RCPT is its recipient's),
 * this does it
 */
static void
on_txn(struct session *s, struct smtp_pending x, const struct smtp_reply *r)
{
	struct txn *t = s->txn + x.slot;
	int	act = smtp_txn_reply(&t->st, x.kind, r->code, r->text);

	switch (act) {
	case SMTP_TXN_RCPT_FAIL:
		if (t->jobs[x.idx] != NULL)
			settle(s, t->jobs[x.idx], r->code, r->text);
		t->jobs[x.idx] = NULL;
		break;
	case SMTP_TXN_FAIL_ALL:
		s->retire |= t->st.retire;	/* e.g. smtpd keeps a failed milter off */
		settle_all(s, t);
		if (!s->pipelining)
			txn_end(s, x.slot);
		break;
	case SMTP_TXN_BODY:
	case SMTP_TXN_DOT:
		send_body(s, x.slot, act == SMTP_TXN_DOT);
		break;
	case SMTP_TXN_END:
		on_end(s, t, x.slot);
		break;
	default:
		break;
	}
}

/* on_ehlo - reply to EHLO: the session is ready for work */
static void
on_ehlo(struct session *s, const struct smtp_reply *r)
{
	struct feed *f = s->f;
	int	n;

	if (r->code != 250) {
		sess_fail(s, r->text);
		return;
	}
	s->pipelining = (r->ext & SMTP_EXT_PIPELINING) != 0;
	s->ext8bit = (r->ext & SMTP_EXT_8BITMIME) != 0;
	s->extsize = (r->ext & SMTP_EXT_SIZE) != 0;
	s->chunking = s->pipelining && (r->ext & SMTP_EXT_CHUNKING) != 0
	    && s->f->o->window > 1;
	/* a batch's CSV may hold 8-bit values; its SIZE goes with each
	 * batch (put_mail) */
	n = snprintf(s->mail_line, sizeof(s->mail_line), "%s%s%s", f->mail_cmd,
		     s->ext8bit && (f->m->has8bit || f->o->batch) ? " BODY=8BITMIME" : "",
		     f->o->xverp ? " XVERP" : "");
	if (s->extsize && !f->o->batch && n > 0 && (size_t)n < sizeof(s->mail_line))
		n += snprintf(s->mail_line + n, sizeof(s->mail_line) - (size_t)n,
			      " SIZE=%zu", f->m->body.len);
	if (n > 0 && (size_t)n < sizeof(s->mail_line) - 2)
		memcpy(s->mail_line + n, "\r\n", 3);
	s->ready = 1;
	s->relay->fails = 0;
	if (s->relay->up++ == 0 && s->relay->down_reported) {
		feed_warnx("relay %s: up again", s->relay->name);
		s->relay->down_reported = 0;
	}
}

/* sess_reset - a closed session: no transaction, no I/O; connect at WHEN */
static void
sess_reset(struct session *s, double when)
{
	s->retire = 0;
	s->cur = s->dot = -1;
	if (s->cmdq.n > 0)
		s->f->awaiting--;
	smtp_cmdq_clear(&s->cmdq);
	s->nsegs = 0;
	s->want_out = 0;
	buf_reset(&s->in);
	buf_reset(&s->out);
	s->reconnect_at = when;
}

/*
 * sess_recycle - end a session whose MAIL got a 4xx, once every reply is
 * in, and connect again at once: Postfix's smtpd keeps a milter that
 * failed off for the rest of the session (451 4.7.1 to every MAIL), so
 * only a new session sees the milter restarted.  The recipients are
 * already back in the retry queue with their backoff.
 */
static void
sess_recycle(struct session *s)
{
	sess_quit(s);
	sess_reset(s, s->f->now);
}

/* on_reply - act on one complete reply to the command x */
static void
on_reply(struct session *s, struct smtp_pending x, const struct smtp_reply *r)
{
	if (s->cmdq.n == 0)
		s->f->awaiting--;
	if (r->code == 421 && x.kind != SMTP_CMD_QUIT) {
		sess_fail(s, r->text);
		return;
	}
	switch (x.kind) {
	case SMTP_CMD_GREET:
		if (r->code != 220) {
			sess_fail(s, r->text);
			return;
		}
		out_text(s, s->f->ehlo_cmd, strlen(s->f->ehlo_cmd));
		exp_push(s, SMTP_CMD_EHLO, 0, 0);
		return;
	case SMTP_CMD_EHLO:
		on_ehlo(s, r);
		break;
	case SMTP_CMD_MAIL:
	case SMTP_CMD_RCPT:
	case SMTP_CMD_DATA:
	case SMTP_CMD_DOT:
	case SMTP_CMD_BDAT:
		on_txn(s, x, r);
		break;
	default:
		break;
	}
	if (s->state == S_OPEN && s->cur >= 0)
		txn_emit(s, s->cur);
	if (s->state == S_OPEN && s->retire && sess_idle(s))
		sess_recycle(s);
	else if (s->state == S_OPEN)
		sess_start_txn(s);
}

/* parse - act on every complete reply in the input buffer */
static int
parse(struct session *s)
{
	struct smtp_reply r;
	struct smtp_pending x;
	struct cerr e;
	size_t	pos = 0;
	ssize_t	k;

	while (pos < s->in.len && s->state == S_OPEN) {
		k = smtp_client_next(s->in.data + pos, s->in.len - pos, &s->cmdq, &x, &r, &e);
		if (k == 0)
			break;
		if (k < 0) {
			sess_fail(s, e.msg);
			return -1;
		}
		pos += (size_t)k;
		on_reply(s, x, &r);
	}
	if (s->state != S_OPEN)
		return -1;
	buf_consume(&s->in, pos);
	return 0;
}

int
sess_read(struct session *s)
{
	struct feed_counts *c = s->f->c;
	size_t	room;
	ssize_t	n;
	double	t0 = 0;

	for (;;) {
		if (buf_reserve(&s->in, READ_CHUNK) < 0) {
			sess_fail(s, "reply too long");
			return -1;
		}
		room = s->in.cap - s->in.len - 1;
		if (s->f->o->stats)
			t0 = cpu_now();
		n = recv(s->fd, s->in.data + s->in.len, room, MSG_DONTWAIT);
		if (s->f->o->stats)
			c->cpu_read += cpu_now() - t0;
		c->reads++;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0) {
			sess_fail(s, n == 0 ? "connection closed by the relay" : strerror(errno));
			return -1;
		}
		s->in.len += (size_t)n;
		s->in.data[s->in.len] = '\0';
		if (parse(s) < 0)
			return -1;
		if ((size_t)n < room)
			return 0;
	}
}

/* advance - drop n written bytes from the front of the segments */
static void
advance(struct session *s, size_t n)
{
	int	i = 0;

	while (i < s->nsegs && n >= s->segs[i].len)
		n -= s->segs[i++].len;
	memmove(s->segs, s->segs + i, (size_t)(s->nsegs - i) * sizeof(*s->segs));
	s->nsegs -= i;
	if (s->nsegs > 0) {
		s->segs[0].off += n;
		s->segs[0].len -= n;
	}
}

/* write_some - one sendmsg(2) of up to IOV_CHUNK segments */
static ssize_t
write_some(struct session *s)
{
	struct iovec iov[IOV_CHUNK];
	struct msghdr mh;
	int	i, n = s->nsegs < IOV_CHUNK ? s->nsegs : IOV_CHUNK;
	ssize_t	w;
	double	t0 = 0;

	for (i = 0; i < n; i++) {
		iov[i].iov_base = (char *)(s->segs[i].ext ? s->segs[i].ext : s->out.data)
		    + s->segs[i].off;
		iov[i].iov_len = s->segs[i].len;
	}
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)n;
	if (s->f->o->stats)
		t0 = cpu_now();
	w = sendmsg(s->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (s->f->o->stats)
		s->f->c->cpu_write += cpu_now() - t0;
	s->f->c->writes++;
	return w;
}

int
sess_flush(struct session *s)
{
	ssize_t	w;

	while (s->nsegs > 0 && s->state != S_DOWN) {
		if ((w = write_some(s)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			sess_fail(s, strerror(errno));
			return -1;
		}
		advance(s, (size_t)w);
	}
	if (s->nsegs == 0)
		buf_reset(&s->out);
	if (s->state == S_OPEN && s->want_out != (s->nsegs > 0))
		want_out(s, s->nsegs > 0);
	return 0;
}

void
sess_connected(struct session *s)
{
	s->state = S_OPEN;
	s->ready = 0;
	s->retire = 0;
	want_out(s, 0);
	exp_push(s, SMTP_CMD_GREET, 0, 0);
}

/* requeue_txn - unsettled recipients of a lost session go back */
static void
requeue_txn(struct session *s, struct txn *t)
{
	int	i;

	if (!t->active)
		return;
	for (i = 0; i < t->n; i++)
		if (t->jobs[i] != NULL)
			queue_requeue(&s->f->q, t->jobs[i], NULL, 0, s->f->now);
	t->active = 0;
}

/* relay_backoff - schedule the relay's next connection attempt */
static void
relay_backoff(struct feed *f, struct relay *rl)
{
	double	d;

	if (f->now < rl->retry_at)
		return;
	rl->fails++;
	d = 0.25 * (double)(1L << (rl->fails < 7 ? rl->fails - 1 : 6));
	rl->retry_at = f->now + d;
}

void
sess_fail(struct session *s, const char *why)
{
	struct feed *f = s->f;
	struct relay *rl = s->relay;
	int	i;

	for (i = 0; i < s->nslots; i++)
		requeue_txn(s, s->txn + i);
	if (s->fd >= 0)
		close(s->fd);		/* also leaves the epoll set */
	if (s->ready) {
		rl->up--;
		f->c->reconnects++;
	}
	relay_backoff(f, rl);
	if (!rl->down_reported && rl->up == 0 && !f->stopping) {
		feed_warnx("relay %s: %s; retrying", rl->name, why);
		rl->down_reported = 1;
	}
	s->fd = -1;
	s->state = S_DOWN;
	s->ready = 0;
	sess_reset(s, rl->retry_at);
}

void
sess_quit(struct session *s)
{
	/*
	 * Output still queued at the end was held back because the journal
	 * could not be written (a fatal error): it may hold a message and its
	 * ".", which the relay would accept with nobody reading the reply.
	 * Close without sending it; the relay drops the transaction.
	 */
	if (s->state == S_OPEN && s->nsegs == 0) {
		OUT_LIT(s, "QUIT\r\n");
		sess_flush(s);
	}
	if (s->fd >= 0)
		close(s->fd);
	if (s->ready)
		s->relay->up--;
	s->fd = -1;
	s->state = S_DOWN;
	s->ready = 0;
}
