/*
 * NAME
 *	smtp_conn - one blocking SMTP connection with a deadline: the SMTP
 *	client engine's I/O for campaign-filter
 * SYNOPSIS
 *	#include "smtp_conn.h"
 *
 *	struct smtp s;
 *	smtp_init(&s, deadline_ms);
 *	if (smtp_connect(&s, "127.0.0.1:10026", &e) < 0) ...
 *	smtp_send(&s, "EHLO localhost\r\n", 16, &e); smtp_flush(&s, &e);
 *	code = smtp_reply(&s, &r, &e);			-1 on error
 *	smtp_close(&s);
 * DESCRIPTION
 *	The engine's commands, reply matching and data writing are
 *	smtp_client.h's, its reply parser smtp_reply.h's; this is the socket
 *	of a client that waits for each reply in turn (campaign-filter;
 *	campaign-feed runs its own non-blocking sessions).  smtp_connect()
 *	takes "host:port" or "[host]:port".  Every wait (connect, read,
 *	write) is a poll(2) bounded by the absolute deadline
 *	(CLOCK_MONOTONIC milliseconds, see smtp_now_ms()); passing it is an
 *	error.  Output is buffered and written by smtp_flush() (or when 64
 *	KB are pending).  smtp_reply() reads until the parser has one
 *	complete reply, multi-line replies included, fills r (code, text,
 *	enhanced status, queue id, EHLO extensions) and returns its
 *	three-digit code, or -1 with e set; the parser's bounds
 *	(SMTP_LINE_MAX, SMTP_REPLY_LINES) bound the input buffer
 *	(SMTP_REPLY_BYTES).
 * SEE ALSO
 *	smtp_reply.h (the one reply parser), smtp_client.h; RFC 5321 4.2,
 *	RFC 2920; Postfix smtp_chat.c.
 */
#ifndef SMTP_CONN_H
#define SMTP_CONN_H

#include <stddef.h>

#include "buf.h"
#include "cerr.h"
#include "smtp_reply.h"

struct smtp {
	int	fd;
	long long deadline;
	struct buf in;
	struct buf out;
};

long long smtp_now_ms(void);
void	smtp_init(struct smtp *s, long long deadline);
int	smtp_connect(struct smtp *s, const char *hostport, struct cerr *e);
int	smtp_send(struct smtp *s, const char *p, size_t n, struct cerr *e);
int	smtp_flush(struct smtp *s, struct cerr *e);
int	smtp_reply(struct smtp *s, struct smtp_reply *r, struct cerr *e);
void	smtp_close(struct smtp *s);

#endif
