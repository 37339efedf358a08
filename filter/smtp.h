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
 *	code = smtp_reply(&s, &text, &e);		-1 on error
 *	smtp_close(&s);
 * DESCRIPTION
 *	Every wait (connect, read, write) is a poll(2) bounded by the
 *	absolute deadline (CLOCK_MONOTONIC milliseconds, see smtp_now_ms());
 *	passing it is an error.  Output is buffered and written by
 *	smtp_flush() (or when 64 KB are pending).  Replies are read with a
 *	bound per line (SMTP_LINE_MAX) and per reply (SMTP_REPLY_MAX);
 *	smtp_reply() returns the three-digit code of one complete reply,
 *	multi-line replies included, and puts its lines (without CRLF, joined
 *	by "\n") into text, which it resets first.
 *
 *	smtp_parse_line() checks one reply line (without its line end):
 *	three digits, then ' ', '-' or nothing; it sets *code and *more
 *	('-' continues) and returns 0, or -1 for anything else.
 *	smtp_queue_id() finds "queued as QID" in a reply and copies QID
 *	(letters and digits) to out; 0, or -1 when there is none.
 *	smtp_has_ext() tells whether an EHLO reply lists an extension.
 * SEE ALSO
 *	RFC 5321 section 4.2 (replies), RFC 2920 (pipelining), Postfix
 *	smtp_chat.c; OpenSMTPD SMTP_LINE_MAX.
 */
#ifndef SMTP_H
#define SMTP_H

#include <stddef.h>

#include "buf.h"
#include "cerr.h"

#define SMTP_LINE_MAX	4096
#define SMTP_REPLY_MAX	(64 * 1024)

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
int	smtp_reply(struct smtp *s, struct buf *text, struct cerr *e);
void	smtp_close(struct smtp *s);

int	smtp_parse_line(const char *line, size_t n, int *code, int *more);
int	smtp_queue_id(const char *reply, char *out, size_t outlen);
int	smtp_has_ext(const char *ehlo_reply, const char *ext);

#endif
