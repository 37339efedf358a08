/*
 * NAME
 *	smtp - a small SMTP client for one reinjection transaction
 * SYNOPSIS
 *	#include "smtp.h"
 *
 *	struct smtp s;
 *	smtp_init(&s, deadline_ms);
 *	if (smtp_connect(&s, "127.0.0.1:10026", &e) < 0) ...
 *	smtp_send(&s, "EHLO localhost\r\n", 16, &e); smtp_flush(&s, &e);
 *	code = smtp_reply(&s, &r, &e);			-1 on error
 *	smtp_close(&s);
 * DESCRIPTION
 *	Every wait (connect, read, write) is a poll(2) bounded by the
 *	absolute deadline (CLOCK_MONOTONIC milliseconds, see smtp_now_ms());
 *	passing it is an error.  Output is buffered and written by
 *	smtp_flush() (or when 64 KB are pending).  smtp_reply() reads until
 *	lib/smtp_reply.c's parser has one complete reply, multi-line replies
 *	included, fills r (code, text, enhanced status, queue id, EHLO
 *	extensions) and returns its three-digit code; the parser's bounds
 *	(SMTP_LINE_MAX, SMTP_REPLY_LINES) bound the input buffer.
 * SEE ALSO
 *	smtp_reply.h (the one reply parser), RFC 5321 section 4.2 (replies),
 *	RFC 2920 (pipelining), Postfix smtp_chat.c.
 */
#ifndef SMTP_H
#define SMTP_H

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
