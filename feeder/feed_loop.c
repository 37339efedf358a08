/*
 * NAME
 *	feed_loop - the event loop: relays, sessions, work and retries
 * SYNOPSIS
 *	#include "feed.h"
 *
 *	rc = feed_run(&opts, relays, nrelays, &msg, &rlist, &journal,
 *		      &counts, &e);
 * DESCRIPTION
 *	One epoll(7) loop drives opts->sessions non-blocking sessions,
 *	session i going to relay i modulo nrelays.  Each turn of the loop:
 *
 *	1. waits for socket events, after a short pause when replies come
 *	   fast enough for one (feed_gather.c: one wake-up then serves the
 *	   replies of several sessions, campaign-feed(1) PERFORMANCE), and
 *	   reads and acts on every complete reply, which queues output but
 *	   writes nothing;
 *	2. every 50 ms: connects the sessions whose relay's backoff has
 *	   passed, gives work to idle sessions (retries that are due, then
 *	   new recipients read from the list), checks reply timeouts, and
 *	   updates the progress display;
 *	3. writes the journal records of this turn (journal_flush);
 *	4. writes each session's queued output.
 *
 *	Because step 3 comes before step 4, the outcomes read in a turn
 *	are on disk before any more output goes out: at any moment at most
 *	one transaction per session (DATA: the next message waits for its
 *	354), or --window of them (BDAT), has been sent and not journaled
 *	(campaign-feed(1), JOURNAL).
 *
 *	Work: the sessions take it from the work queue (feed_queue.c),
 *	which reads the list only when asked and keeps the retries; the
 *	loop asks it only whether work is left.
 *
 *	feed_run() returns 0 when the loop ended (all done, interrupted,
 *	or no relay reachable for opts->give_up seconds: see c->interrupted
 *	and c->gave_up); -1 on a fatal error (e set: reading the list,
 *	writing the journal, out of memory).
 * SEE ALSO
 *	epoll(7), campaign-feed(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "feed_sess.h"
#include "clog.h"

#define TICK		0.05
#define MAX_EVENTS	256

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	(void)sig;
	got_signal++;
}

double
feed_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* sess_connect - start a non-blocking connection to the session's relay */
static void
sess_connect(struct session *s)
{
	struct relay *rl = s->relay;
	struct epoll_event ev;
	int	one = 1;

	s->fd = socket(rl->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		s->f->fatal = cerr_set(&s->f->err, "socket: %s", strerror(errno));
		return;
	}
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->state = S_CONNECTING;
	s->deadline = s->f->now + s->f->o->timeout;
	if (connect(s->fd, (struct sockaddr *)&rl->sa, rl->salen) < 0
	    && errno != EINPROGRESS) {
		sess_fail(s, strerror(errno));
		return;
	}
	ev.events = EPOLLOUT;
	ev.data.ptr = s;
	if (epoll_ctl(s->f->ep, EPOLL_CTL_ADD, s->fd, &ev) < 0)
		sess_fail(s, strerror(errno));
	else
		s->want_out = 1;
}

/* on_connect - the connection attempt finished */
static void
on_connect(struct session *s)
{
	int	err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0)
		sess_fail(s, strerror(err));
	else
		sess_connected(s);
}

/* on_event - one epoll event */
static void
on_event(struct session *s, uint32_t ev)
{
	if (s->state == S_CONNECTING) {
		if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			on_connect(s);
		return;
	}
	if (s->state != S_OPEN)
		return;
	if ((ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) && sess_read(s) < 0)
		return;
	if (ev & EPOLLOUT)
		sess_mark_dirty(s);
}

/* work_left - recipients not settled yet; the queue looks one record
 * ahead, so that a list the journal has all done ends the run without
 * a relay */
static int
work_left(struct feed *f)
{
	return queue_pending(&f->q);
}

/* tick_session - connect, feed or time out one session */
static void
tick_session(struct feed *f, struct session *s, int check_timeouts)
{
	if (s->state == S_DOWN && !f->stopping && work_left(f)
	    && f->now >= s->reconnect_at)
		sess_connect(s);
	else if (check_timeouts && (s->state == S_CONNECTING || s->cmdq.n > 0)
		 && f->now > s->deadline)
		sess_fail(s, "timed out");
	else if (sess_idle(s))
		sess_start_txn(s);
	if (s->state == S_OPEN && s->ready)
		f->last_up = f->now;
}

/* tick - the periodic chores */
static void
tick(struct feed *f, double *next_tick, double *next_timeout)
{
	int	i, tmo = f->now >= *next_timeout;

	if (f->now < *next_tick)
		return;
	*next_tick = f->now + TICK;
	if (tmo)
		*next_timeout = f->now + 1;
	for (i = 0; i < f->nsess && !f->fatal; i++)
		tick_session(f, f->sess + i, tmo);
	f->c->elapsed = f->now - f->c->start;
	progress_update(f->c, f->now, 0);
}

/* flush_all - write every session's queued output */
static void
flush_all(struct feed *f)
{
	struct session *s;

	while ((s = f->dirty) != NULL) {
		f->dirty = s->dirty_next;
		s->dirty = 0;
		if (s->state == S_OPEN)
			sess_flush(s);
	}
}

/* check_end - 1 when the loop should end */
static int
check_end(struct feed *f)
{
	if (got_signal && !f->stopping) {
		f->stopping = 1;
		f->c->interrupted = 1;
		feed_warnx("interrupted: finishing the transactions in flight");
	}
	if (got_signal > 1 || f->fatal)
		return 1;
	if (f->stopping)
		return f->q.inflight == 0;
	if (!work_left(f))
		return 1;
	if (f->now - f->last_up > f->o->give_up) {
		f->c->gave_up = 1;
		return 1;
	}
	return 0;
}

/* pause_for - sleep s seconds (less than one: --coalesce is at most 50 ms) */
static void
pause_for(struct feed *f, double s)
{
	struct timespec ts;

	ts.tv_sec = 0;
	ts.tv_nsec = (long)(s * 1e9);
	nanosleep(&ts, NULL);
	f->c->pauses++;
	f->c->paused += s;
}

/* loop - run until done */
static void
loop(struct feed *f)
{
	struct epoll_event evs[MAX_EVENTS];
	double	next_tick = 0, next_timeout = 0;
	int	i, n = 0, awaiting;
	double	p;

	gather_init(&f->gather, f->o->coalesce, feed_now());
	do {
		awaiting = f->awaiting;
		if ((p = gather_before(&f->gather, n, awaiting, feed_now())) > 0)
			pause_for(f, p);
		n = epoll_wait(f->ep, evs, MAX_EVENTS, (int)(TICK * 1000));
		f->c->wakeups++;
		gather_after(&f->gather, n, awaiting, p > 0);
		f->now = feed_now();
		for (i = 0; i < n; i++)
			on_event(evs[i].data.ptr, evs[i].events);
		tick(f, &next_tick, &next_timeout);
		if (journal_flush(f->j, f->now, &f->err) < 0)
			f->fatal = 1;
		if (!f->fatal)		/* never send past an unwritten journal */
			flush_all(f);
	} while (!check_end(f));
}

/* session_init - one session's buffers: nslots transactions of k */
static int
session_init(struct feed *f, struct session *s, int k)
{
	int	i;

	s->f = f;
	s->fd = -1;
	s->cur = s->dot = -1;
	s->nslots = f->o->window > 2 ? f->o->window : 2;
	if (smtp_cmdq_init(&s->cmdq, s->nslots * (k + 4)) < 0)
		return -1;
	for (i = 0; i < s->nslots; i++)
		if ((s->txn[i].jobs = calloc((size_t)k, sizeof(struct job *))) == NULL)
			return -1;
	buf_init(&s->in, IN_MAX_BYTES);
	buf_init(&s->out, 2 * FEED_MSG_MAX + (size_t)k * 600 + 65536);
	return 0;
}

/* raw_body - the message without dot-stuffing and its BDAT command */
static int
raw_body(struct feed *f)
{
	buf_init(&f->raw, 2 * FEED_MSG_MAX + 4096);	/* as msg.body */
	buf_init(&f->scratch, 2 * FEED_MSG_MAX + 65536);	/* as a session's out */
	if (f->m->ntags > 0 || f->o->window < 2)
		return 0;
	if (buf_append(&f->raw, f->m->body.data, f->m->body.len) < 0)
		return -1;
	f->raw.len = msg_unstuff(f->raw.data, f->raw.len);
	f->bdat_cmd_len = (size_t)smtp_bdat_cmd(f->bdat_cmd, sizeof(f->bdat_cmd),
						f->raw.len);
	return 0;
}

/* setup - sessions, epoll, commands */
static int
setup(struct feed *f)
{
	int	i, k = f->o->rcpts_per_msg;

	if ((f->ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return cerr_set(&f->err, "epoll_create1: %s", strerror(errno));
	if ((f->sess = calloc((size_t)f->nsess, sizeof(*f->sess))) == NULL)
		return cerr_set(&f->err, "out of memory");
	for (i = 0; i < f->nsess; i++) {
		f->sess[i].relay = f->relays + i % f->nrelays;
		if (session_init(f, f->sess + i, k) < 0)
			return cerr_set(&f->err, "out of memory");
	}
	if (raw_body(f) < 0)
		return cerr_set(&f->err, "out of memory");
	if (asprintf(&f->mail_cmd, "MAIL FROM:<%s>", f->o->sender) < 0
	    || asprintf(&f->ehlo_cmd, "EHLO %s\r\n", f->o->helo) < 0)
		return cerr_set(&f->err, "out of memory");
	return 0;
}

/* txn_free_jobs - the jobs of a transaction still in flight at the end */
static void
txn_free_jobs(struct txn *t)
{
	int	k;

	for (k = 0; t->active && t->jobs && k < t->n; k++) {
		job_free(t->jobs[k]);
		t->jobs[k] = NULL;
	}
}

/* teardown - QUIT, close, free */
static void
teardown(struct feed *f)
{
	int	i, k;

	for (i = 0; f->sess && i < f->nsess; i++) {
		sess_quit(f->sess + i);
		for (k = 0; k < FEED_WINDOW_MAX; k++) {
			txn_free_jobs(&f->sess[i].txn[k]);
			free(f->sess[i].txn[k].jobs);
		}
		smtp_cmdq_free(&f->sess[i].cmdq);
		free(f->sess[i].segs);
		buf_free(&f->sess[i].in);
		buf_free(&f->sess[i].out);
	}
	queue_free(&f->q);
	free(f->sess);
	free(f->mail_cmd);
	free(f->ehlo_cmd);
	buf_free(&f->raw);
	buf_free(&f->scratch);
	if (f->ep >= 0)
		close(f->ep);
}

/* signals - SIGINT/SIGTERM stop cleanly; SIGPIPE ignored */
static void
signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int
feed_run(const struct feed_opts *o, struct relay *relays, int nrelays,
	 struct msg *m, struct rlist *rl, struct journal *j,
	 struct feed_counts *c, struct cerr *e)
{
	struct feed f;
	int	rc = 0;

	memset(&f, 0, sizeof(f));
	f.o = o;
	f.relays = relays;
	f.nrelays = nrelays;
	f.m = m;
	f.j = j;
	f.c = c;
	queue_init(&f.q, o, m, rl, j, c, &f.err, &f.fatal);
	f.nsess = o->sessions;
	f.ep = -1;
	f.now = f.last_up = c->start = feed_now();
	signals();
	if (setup(&f) < 0)
		f.fatal = 1;
	else
		loop(&f);
	f.c->elapsed = feed_now() - c->start;
	if (journal_flush(j, f.now, &f.err) < 0 || journal_sync(j, f.now, &f.err) < 0)
		f.fatal = 1;
	teardown(&f);
	if (f.fatal) {
		rc = cerr_set(e, "%s", f.err.msg);
		c->fatal = 1;
	}
	return rc;
}
