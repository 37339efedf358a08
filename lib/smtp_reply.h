/*
 * NAME
 *	smtp_reply - the one SMTP reply parser (campaign-feed and
 *	campaign-filter)
 * SYNOPSIS
 *	#include "smtp_reply.h"
 *
 *	struct smtp_reply r;
 *	n = smtp_reply_parse(in, len, &r, &e);
 * DESCRIPTION
 *	smtp_reply_parse() looks for one complete reply (RFC 5321 4.2:
 *	"ddd-text" continuation lines, then "ddd text" or "ddd"; CRLF or a
 *	bare LF ends a line) at the start of in.  It returns the bytes the
 *	reply takes (> 0) and fills r; 0 when the reply is not complete yet
 *	(read more and call again with the same start); -1 with e set on a
 *	protocol error: a line longer than SMTP_LINE_MAX, more than
 *	SMTP_REPLY_LINES lines, a code that is not three digits from 2xx to
 *	5xx, a bad separator after the code, or a code that changes between
 *	lines.  A reader whose buffer holds SMTP_REPLY_BYTES always gets an
 *	answer other than 0 before the buffer is full.  It allocates nothing
 *	and keeps no state between calls.
 *
 *	What r holds:
 *	code	200..599.
 *	nlines	1..SMTP_REPLY_LINES.
 *	text	the first line "ddd text" and the text of the others, joined
 *		by single spaces, cut to SMTP_TEXT_MAX - 1 bytes (textlen),
 *		every byte outside printable ASCII written as '?'.
 *	enh	the enhanced status code of the first line (RFC 3463:
 *		"class.subject.detail", class as the code's first digit,
 *		1..3 digits each), or "" when there is none.
 *	qid	the queue id of "queued as QID" (Postfix's 250 to the end of
 *		the message): the letters and digits after the first
 *		"queued as " of the reply, or "" when there is none, when
 *		none follow or when they do not fit SMTP_QID_MAX - 1.
 *	ext	for a 250 reply, SMTP_EXT_* for the EHLO keywords on the
 *		lines after the first (the first names the server: RFC 5321
 *		4.1.1.1), a keyword matched in any case and ended by a space
 *		or the end of its line.
 * SEE ALSO
 *	RFC 5321 4.2, 4.5.3.1.5; RFC 3463; Postfix smtp_chat.c; OpenSMTPD
 *	SMTP_LINE_MAX.
 */
#ifndef SMTP_REPLY_H
#define SMTP_REPLY_H

#include <stddef.h>
#include <sys/types.h>

#include "cerr.h"

#define SMTP_LINE_MAX	2048		/* one reply line (Postfix line_length_limit) */
#define SMTP_REPLY_LINES 100		/* lines in one multi-line reply */
#define SMTP_TEXT_MAX	512		/* reply text kept */
#define SMTP_QID_MAX	64		/* queue id kept */
#define SMTP_ENH_MAX	12		/* "5.123.123" */
#define SMTP_REPLY_BYTES (SMTP_REPLY_LINES * (SMTP_LINE_MAX + 2) + SMTP_LINE_MAX + 2)

#define SMTP_EXT_PIPELINING	1
#define SMTP_EXT_8BITMIME	2
#define SMTP_EXT_SIZE		4
#define SMTP_EXT_CHUNKING	8
#define SMTP_EXT_SMTPUTF8	16

struct smtp_reply {
	int	code;			/* 200..599 */
	int	nlines;
	int	ext;			/* SMTP_EXT_*, 250 replies only */
	int	qid_seen;		/* "queued as " was on a line */
	char	enh[SMTP_ENH_MAX];	/* "5.1.1" or "" */
	char	qid[SMTP_QID_MAX];	/* "queued as QID" or "" */
	size_t	textlen;
	char	text[SMTP_TEXT_MAX];	/* "550 5.1.1 text", lines joined by ' ' */
};

ssize_t	smtp_reply_parse(const char *in, size_t len, struct smtp_reply *r,
			 struct cerr *e);

#endif
