/*
 * NAME
 *	message - read the queued message from pipe(8), strip internal
 *	headers, store it in SMTP DATA form
 * SYNOPSIS
 *	#include "message.h"
 *
 *	struct message m;
 *	message_init(&m, &limits);
 *	if (message_read(&m, stdin, &e) < 0) ...	tempfail
 *	spool_each(&m.sp, send_fn, ctx, &e);	CRLF, dot-stuffed, no final "."
 *	message_free(&m);
 * DESCRIPTION
 *	message_read() reads the whole message from in.  The header section
 *	(up to the first empty line, or the first line that is neither a
 *	header nor a continuation line) is read line by line within a budget
 *	of max_header_bytes; every X-Campaign-Feed-* header (with its folded
 *	continuation lines) is removed, and so is Return-Path (pipe(8)'s R
 *	flag prepends one; Postfix's cleanup drops it anyway).  The value of
 *	X-Campaign-ID, unfolded and trimmed, is kept in m.campaign (at most
 *	MESSAGE_ID_MAX bytes; longer values are cut).  The body is copied in
 *	chunks, so body lines may be of any length.
 *
 *	Everything stored is converted for SMTP DATA: lines end in CRLF (a
 *	lone LF becomes CRLF, an existing CRLF stays), a line that starts with
 *	"." gets a second one, and a last line without a line end gets one.
 *	Storage is a struct spool (memory up to mem_limit, then a temporary
 *	file).
 *
 *	m.is_batch tells that the header section has an X-Campaign-Batch
 *	field (a batch: lib/batch.h).  m.in_size counts the bytes read; m.removed the headers removed.
 *	message_read() returns 0, or -1 with e filled: a read error (the
 *	deadline's SIGALRM interrupting a read is one), a NUL byte anywhere
 *	in the message, a header section over max_header_bytes, a store
 *	error.  Every -1 is a reason to tempfail: nothing was sent yet.
 */
#ifndef MESSAGE_H
#define MESSAGE_H

#include <stdio.h>

#include "cerr.h"
#include "spool.h"

#define MESSAGE_ID_MAX	64

struct message_limits {
	size_t	max_header_bytes;
	size_t	mem_limit;
	const char *tmpdir;
};

struct message {
	struct spool sp;
	size_t	max_header_bytes;
	size_t	in_size;
	size_t	header_bytes;
	int	removed;
	char	campaign[MESSAGE_ID_MAX + 1];
	int	is_batch;		/* has an X-Campaign-Batch header field */
	/* writer state */
	int	at_bol;			/* next byte starts a line */
	int	last_cr;		/* last byte stored was CR */
	/* header state */
	int	cur_drop;		/* current header is being removed */
	int	cur_id;			/* current header is X-Campaign-ID */
};

void	message_init(struct message *m, const struct message_limits *lim);
int	message_read(struct message *m, FILE *in, struct cerr *e);
void	message_free(struct message *m);

/* exposed for the unit tests */
int	message_store(struct message *m, const char *p, size_t n, struct cerr *e);
int	message_header_line(struct message *m, const char *p, size_t n,
			    struct cerr *e);

#endif
