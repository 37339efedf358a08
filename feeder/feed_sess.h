/*
 * NAME
 *	feed_sess - sessions and the event loop's state (feed_smtp.c, feed_loop.c)
 * DESCRIPTION
 *	A session is one SMTP connection to one relay.  With DATA it holds
 *	at most two transactions: one whose commands (MAIL, RCPT..., DATA)
 *	are being answered ("cur") and one whose message was sent and whose
 *	reply to "." is awaited ("dot"): a client must wait for the 354
 *	(RFC 2920 3.1), so no more can be in flight.  With CHUNKING (RFC
 *	3030) a transaction is MAIL, RCPT..., "BDAT n LAST" and the message,
 *	sent in one piece with no reply awaited: up to "nslots" (--window)
 *	transactions are in flight.  Replies are matched to commands through
 *	the SMTP client engine's ring of awaited replies (lib/smtp_client.c),
 *	in order, as PIPELINING requires.
 *
 *	Output is a list of segments: pieces of the session's command
 *	buffer and, for a message without tags, the one prepared body
 *	shared by all sessions.  One sendmsg(2) writes them all.
 */
#ifndef FEED_SESS_H
#define FEED_SESS_H

#include "feed.h"
#include "smtp_client.h"
#include "smtp_txn.h"

#define IN_MAX_BYTES	(256 * 1024)	/* unparsed replies of one session */

struct txn {
	int	active;
	int	n;			/* jobs */
	struct job **jobs;		/* NULL once settled */
	int	next_cmd;		/* 0 MAIL, 1..n RCPT, n+1 DATA */
	struct smtp_txn st;		/* what the replies mean (lib/smtp_txn.c) */
};

struct seg {
	const char *ext;		/* NULL: in the command buffer */
	size_t	off, len;
};

enum sess_state { S_DOWN, S_CONNECTING, S_OPEN, S_CLOSING };

struct session {
	struct feed *f;
	int	fd;
	struct relay *relay;
	enum sess_state state;
	int	ready;			/* EHLO answered */
	int	retire;			/* 4xx to MAIL: no new work, reconnect */
	int	pipelining, ext8bit, extsize;
	int	chunking;		/* BDAT, window of nslots */
	struct txn txn[FEED_WINDOW_MAX];
	int	nslots;			/* txn[] slots with jobs arrays */
	int	cur, dot;		/* txn slots, -1 none */
	struct smtp_cmdq cmdq;		/* replies awaited (lib/smtp_client.c) */
	struct buf in;
	struct buf out;
	struct seg *segs;
	int	nsegs, segcap;
	int	want_out;		/* EPOLLOUT registered */
	int	dirty;			/* on the flush list */
	struct session *dirty_next;
	char	mail_line[ADDR_PATH_MAX + 128];	/* MAIL FROM with parameters */
	double	deadline;		/* reply expected by then */
	double	reconnect_at;
};

struct feed {
	const struct feed_opts *o;
	struct relay *relays;
	int	nrelays;
	struct msg *m;
	struct journal *j;
	struct feed_counts *c;
	struct queue q;			/* the work (feed_queue.c) */
	struct session *sess;
	int	nsess;
	int	ep;
	double	now, next_ok;		/* --rate */
	struct session *dirty;
	int	awaiting;		/* sessions with replies outstanding */
	struct gather gather;		/* the pause before a wait (feed_gather.c) */
	int	stopping;
	double	last_up;		/* a session was usable then */
	char   *mail_cmd;		/* "MAIL FROM:<sender>" */
	char   *ehlo_cmd;		/* "EHLO name\r\n" */
	struct buf raw;			/* message without dot-stuffing (BDAT) */
	char	bdat_cmd[SMTP_BDAT_CMD_MAX];	/* "BDAT <raw.len> LAST\r\n" */
	size_t	bdat_cmd_len;
	struct buf scratch;		/* one merged message (BDAT) */
	struct cerr err;
	int	fatal;
};

/* feed_smtp.c */
void	sess_connected(struct session *s);
int	sess_read(struct session *s);
int	sess_flush(struct session *s);
int	sess_start_txn(struct session *s);
void	sess_fail(struct session *s, const char *why);
void	sess_quit(struct session *s);
int	sess_idle(const struct session *s);
void	sess_mark_dirty(struct session *s);

#endif
