/*
 * NAME
 *	feed - campaign-feed's modules and the contracts between them
 * SYNOPSIS
 *	#include "feed.h"
 * DESCRIPTION
 *	campaign-feed is split by concern, one file each:
 *
 *	lib/merge.c	the message, prepared once at start-up (CRLF line
 *			ends, dot-stuffing, X-Campaign-ID) and, when it has
 *			{{tags}}, merged per recipient (shared with the filter).
 *	lib/rlist.c	the recipient list, read as a stream: one address a
 *			line, or CSV (RFC 4180) with an "email" column.
 *	lib/smtp_reply.c, lib/smtp_client.c, lib/smtp_txn.c  the SMTP
 *			client engine shared with the filter: the reply
 *			parser, replies matched to commands, dot-stuffing and
 *			BDAT, what each reply means for the transaction.
 *	feed_journal.c	the append-only journal that makes a restart resume.
 *	feed_batch.c	--batch: recipients gathered into batch jobs.
 *	feed_gather.c	the pause that lets replies gather before a wait.
 *	feed_queue.c	the work queue: new recipients, retries, outcomes.
 *	feed_source.c	the records to send: the list less malformed and done.
 *	feed_smtp.c	one SMTP session: the pipelined protocol engine.
 *	feed_loop.c	the event loop: relays, sessions, timers.
 *
 *	Calls go one way: main -> loop -> smtp -> queue -> batch -> source
 *	-> rcpt, journal; queue -> source; batch -> lib/batch's writer; the loop also
 *	calls the queue (is there work left?).
 *	feed_progress.c	progress bar, status lines, summary.
 *	feed_main.c	options, wiring, exit status.
 *
 *	Functions that can fail return -1 after cerr_set(); they never print.
 * SEE ALSO
 *	campaign-feed(1)
 */
#ifndef FEED_H
#define FEED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>

#include "addr.h"
#include "batch.h"
#include "buf.h"
#include "cerr.h"
#include "merge.h"
#include "rlist.h"
#include "smtp_reply.h"

#define FEED_RECORD_MAX	RLIST_RECORD_MAX	/* one recipient-list record */
#define FEED_MSG_MAX	MERGE_MSG_MAX	/* message file */
#define FEED_TAG_MAX	MERGE_TAG_MAX	/* a {{tag}} name */
#define FEED_RCPTS_MAX	1000		/* --rcpts-per-msg upper bound */
#define FEED_ID_MAX	MERGE_ID_MAX	/* campaign id */
#define FEED_WINDOW	4		/* --window default */
#define FEED_WINDOW_MAX	16		/* --window upper bound */
#define FEED_COALESCE	500		/* --coalesce default, microseconds */
#define FEED_COALESCE_MAX 50000	/* --coalesce upper bound, microseconds */
#define FEED_BATCH_MAX	100000		/* --batch upper bound */
#define FEED_BATCH_BYTES ((size_t)10 << 20)	/* --batch-bytes default */
#define FEED_BATCH_TO	"batch@batch.campaign.invalid"	/* --batch-to default */

/* Exit status (campaign-feed(1) EXIT STATUS) */
#define FEED_EXIT_OK		0	/* every recipient accepted */
#define FEED_EXIT_REJECTED	2	/* done; some rejected or malformed */
#define FEED_EXIT_DEFERRED	3	/* done; some deferred: run again */

/*
 * feed_journal.c
 */
struct jbatch {				/* a B record */
	unsigned long seq;
	int	n;
	char   *ranges;			/* "2-1001,1003" */
};

struct journal {
	int	fd;			/* -1: no journal */
	char   *path;			/* for error messages */
	struct buf out;			/* records not yet written */
	uint64_t *done;			/* bit per line: accepted or rejected */
	size_t	nwords;
	long	accepted, rejected, deferred;	/* found when loading */
	unsigned long batch_seq;	/* highest batch number found (B records) */
	struct jbatch *batches;		/* the B records found */
	size_t	nbatches, capbatches;
	double	sync_interval;		/* seconds; 0 = fdatasync every flush */
	double	last_sync;
	int	dirty;			/* written since the last sync */
};

int	journal_open(struct journal *j, const char *path, const char *campaign,
		     struct cerr *e);
void	journal_none(struct journal *j);
int	journal_is_done(const struct journal *j, unsigned long line);
struct feed_counts;
void	counts_add(struct feed_counts *c, int type);
int	journal_add(struct journal *j, int type, unsigned long line,
		    const char *addr, const char *text);
int	journal_flush(struct journal *j, double now, struct cerr *e);
int	journal_sync(struct journal *j, double now, struct cerr *e);
void	journal_close(struct journal *j);
int	journal_load_line(struct journal *j, const char *line, size_t n);
int	journal_batch(struct journal *j, unsigned long seq,
		      const unsigned long *lines, int n);

/*
 * feed_queue.c, feed_loop.c and feed_smtp.c
 */
struct job {
	struct job *next;
	unsigned long line;		/* recipient list line (journal key) */
	int	tries;			/* 4xx replies so far */
	double	due;			/* retry not before */
	char   *addr;
	char  **vals;			/* merge values, one per msg tag */
	struct fbatch *batch;		/* --batch: the batch this job sends */
};

struct relay {
	char   *name;			/* as given: host:port */
	struct sockaddr_storage sa;
	socklen_t salen;
	int	fails;			/* consecutive connect failures */
	double	retry_at;
	int	up;			/* sessions that finished EHLO */
	int	down_reported;
	long	messages;		/* messages accepted through it */
};

struct feed_opts {
	const char *campaign;
	const char *message;
	const char *recipients;
	const char *journal;
	const char *sender;		/* expanded */
	const char *helo;
	int	sessions;
	int	rcpts_per_msg;
	int	window;			/* BDAT transactions in flight per session */
	double	rate;			/* messages/s, 0 = no limit */
	double	coalesce;		/* longest pause gathering replies, s; 0 off */
	int	max_tries;		/* 4xx tries before "deferred" */
	double	retry_delay;		/* first backoff, doubles */
	double	timeout;		/* per reply */
	double	give_up;		/* no relay reachable that long: exit */
	double	status_interval;	/* non-tty status lines */
	int	dry_run;
	int	quiet;
	int	stats;			/* CPU breakdown at the end */
	int	progress;		/* -1 auto, 0 off, 1 on */
	const int *tagcol;		/* msg tag -> list column, -1 address */
	int	batch;			/* --batch N: recipients a batch, 0 off */
	int	xverp;			/* --xverp: MAIL FROM ... XVERP */
	const struct fbatch_tmpl *btmpl;	/* with --batch (feed_batch.c) */
};

struct feed_counts {
	long	total;			/* records in the list, -1 unknown */
	long	accepted, rejected, deferred, malformed, skipped;
	long	messages;		/* messages accepted (250 after DATA) */
	long	batches;		/* --batch: batches accepted */
	int	batch_mode;		/* --batch given: rates count recipients */
	long	retries;		/* 4xx answers */
	long	reconnects;
	long	prev_accepted, prev_rejected;	/* from the journal */
	double	start, elapsed;
	double	cpu_write, cpu_read;	/* with --stats */
	long	writes, reads;
	long	wakeups;		/* epoll_wait(2) calls */
	long	pauses;			/* nanosleep(2) calls gathering replies */
	double	paused;			/* their total length asked, s */
	int	interrupted, gave_up, fatal;
};

/*
 * feed_gather.c
 */
struct gather {
	double	max;			/* --coalesce, s */
	double	pause;			/* the next pause, s */
	double	events, turn;		/* averages: sessions ready a turn, turn length */
	double	last;			/* start of the last turn */
};

void	gather_init(struct gather *g, double max, double now);
double	gather_before(struct gather *g, int n, int awaiting, double now);
void	gather_after(struct gather *g, int n, int awaiting, int paused);

/*
 * feed_batch.c
 */
#define FBATCH_ID_MAX	32		/* "b" and a number, or the run's prefix */

struct fbatch_tmpl {
	const char *campaign;
	const char *to;			/* the batch address */
	int	nrcpt;			/* --batch */
	size_t	max_bytes;		/* --batch-bytes */
	struct buf tmpl;		/* the message: CRLF, not dot-stuffed */
	size_t	ncols;
	char  **cols;			/* CSV header: "email", the merge fields */
	int    *src;			/* list column of each, -1 the address */
	char	run[24];		/* id prefix without a journal */
};

struct fbatch {
	char	id[FBATCH_ID_MAX];
	int	n;			/* recipients */
	unsigned long *lines;		/* their list lines (journal keys) */
	size_t	cap;
	struct buf addrs;		/* their addresses, NUL after each */
	struct buf body;		/* the container, CRLF, not dot-stuffed */
	struct batch_writer w;
};

struct queue;
int	fbatch_tmpl_init(struct fbatch_tmpl *t, const struct msg *m,
			 const char *campaign, const char *to, const int *tagcol,
			 struct cerr *e);
void	fbatch_tmpl_free(struct fbatch_tmpl *t);
int	fbatch_begin(struct fbatch *b, const struct fbatch_tmpl *t, const char *id,
		     struct cerr *e);
int	fbatch_add(struct fbatch *b, const struct fbatch_tmpl *t,
		   const struct rrec *rec, struct cerr *e);
int	fbatch_full(const struct fbatch *b, const struct fbatch_tmpl *t);
int	fbatch_end(struct fbatch *b, struct cerr *e);
void	fbatch_free(struct fbatch *b);
struct job *fbatch_job(struct queue *q);
void	fbatch_job_free(struct job *jb);
int	fbatch_resume(struct queue *q);
int	fbatch_more(const struct queue *q);
void	fbatch_resume_free(struct queue *q);
int	fbatch_settle(const struct fbatch *b, struct journal *j,
		      struct feed_counts *c, int type, const char *text);

/*
 * feed_queue.c
 */
#define QUEUE_RETRY_MAX	100000		/* jobs waiting for a retry */

struct queue {
	const struct feed_opts *o;
	struct msg *m;
	struct rlist *rl;
	struct journal *j;
	struct feed_counts *c;
	struct cerr *err;		/* set with *fatal on a fatal error */
	int    *fatal;
	struct job **heap;		/* retry queue, by due time */
	size_t	nheap, heapcap;
	int	rl_eof;
	struct job *peek;		/* next job, read ahead */
	long	inflight;		/* jobs in transactions */
	unsigned long batch_seq;	/* the last batch number given */
	struct fresume *resume;		/* --batch: batches to make again */
};

void	queue_init(struct queue *q, const struct feed_opts *o, struct msg *m,
		   struct rlist *rl, struct journal *j, struct feed_counts *c,
		   struct cerr *err, int *fatal);
int	queue_take(struct queue *q, struct job **jobs, int max, double now);
void	queue_settle(struct queue *q, struct job *jb, int type, const char *text);
void	queue_requeue(struct queue *q, struct job *jb, const char *text,
		      int count_try, double now);
int	queue_pending(struct queue *q);
void	queue_free(struct queue *q);
void	job_free(struct job *jb);

/*
 * feed_source.c
 */
int	source_next(struct queue *q, struct rrec *rec);

/*
 * feed_loop.c
 */
struct feed;
int	feed_run(const struct feed_opts *o, struct relay *relays, int nrelays,
		 struct msg *m, struct rlist *rl, struct journal *j,
		 struct feed_counts *c, struct cerr *e);
double	feed_now(void);

/*
 * feed_progress.c
 */
void	progress_init(int mode, double interval);
void	progress_update(const struct feed_counts *c, double now, int force);
void	progress_clear(void);
void	progress_summary(const struct feed_counts *c, const char *campaign,
			 FILE *fp);
void	feed_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
