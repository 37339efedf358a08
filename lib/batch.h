/*
 * NAME
 *	batch - the campaign batch: one message that carries a template and
 *	its recipients with their merge fields (read and write)
 * SYNOPSIS
 *	#include "batch.h"
 *
 *	Reading (campaign-filter; memory: the template plus one record):
 *
 *	struct batch b;
 *	struct batch_limits lim = {.max_recipients = 1000, .max_bytes = 10 << 20};
 *	if (batch_open(&b, read_fn, ctx, &lim, &e) < 0) ...	malformed: e says where
 *	b.campaign, b.id, b.tmpl (the template, CRLF), b.rl (columns)
 *	while ((rc = batch_next(&b, &rec, &e)) != RL_EOF) {
 *		RL_REC: rec.addr, rec.fields; RL_BAD: rec.line, rec.why;
 *		RL_ERR: the batch is malformed (e), stop
 *	}
 *	batch_close(&b);
 *
 *	Writing (campaign-feed --batch):
 *
 *	struct batch_writer w;
 *	batch_write_begin(&w, &out, campaign, batch_id, tmpl, tmpl_len,
 *	    cols, ncols, dotstuff, &e);		headers, template, CSV header
 *	batch_write_rcpt(&w, &out, fields, &e);	one CSV record per recipient
 *	batch_write_end(&w, &out, &e);		the closing boundary
 *	w.has8bit: send with BODY=8BITMIME
 * DESCRIPTION
 *	The format (doc/DESIGN.md "Batches"): an RFC 5322 message with
 *	"X-Campaign-ID: ID", "X-Campaign-Batch: BID", "MIME-Version: 1.0" and
 *	"Content-Type: multipart/mixed; boundary=..." whose body has exactly
 *	two parts: 1. Content-Type: message/rfc822 (7bit or 8bit), the
 *	template with {{name}} merge tags (lib/merge.h); 2. Content-Type:
 *	text/csv; header=present (7bit or 8bit), an RFC 4180 table with an
 *	"email" column, read with the recipient-list rules of lib/rlist.h.
 *
 *	batch_open() reads from fn (like read(2): bytes, 0 at the end, -1
 *	error) the container header, the template part and the CSV header
 *	line.  The input must not be dot-stuffed.  It returns 0, or -1 with
 *	e naming the place ("header line N", "part 1 line N", "part 2 line N",
 *	counting the lines of the container or of the part) and
 *	the reason.  batch_next() returns the records of part 2 one at a
 *	time (RL_REC, RL_BAD with rec->line and rec->why, RL_EOF after the
 *	closing boundary) or RL_ERR with e set when the batch is malformed
 *	after its CSV header (no closing boundary, a third part, more than
 *	max_recipients records, a read error).  rec->line counts the lines
 *	of part 2, the CSV header being line 1.  b.nrec counts RL_REC and
 *	RL_BAD results so far.
 *
 *	batch_id_valid() accepts 1..BATCH_ID_MAX of [A-Za-z0-9._-].
 *	batch_content_type() checks a container Content-Type value
 *	(multipart/mixed with a boundary of 1..70 characters) and copies the
 *	boundary; 0 or -1 with e.  Both serve the milter, which sees only the
 *	header.
 *
 *	The writer appends to out (a struct buf sized by the caller).
 *	batch_write_begin() writes the container header (X-Campaign-ID,
 *	X-Campaign-Batch, the template's From: field, Subject: campaign
 *	batch BID, Date, MIME-Version, Content-Type with a fresh random
 *	boundary), the template part (line ends made CRLF, a missing last
 *	line end added) and the CSV part's header with the column names.
 *	batch_write_rcpt() writes one record of w->ncols fields (quoted when a
 *	field holds a comma, a quote, CR, LF or surrounding blanks).
 *	batch_write_end() writes the closing boundary.  With dotstuff, a line
 *	that starts with "." gets a second one (SMTP DATA); without, the
 *	result is the message as it is (BDAT).  Each returns 0, or -1 with e
 *	set (bad campaign or batch id, a template that is not a message, a
 *	template or field that contains the boundary, a full buffer).
 * SEE ALSO
 *	RFC 2046 5.1 (multipart), RFC 2046 5.2.1 (message/rfc822), RFC 4180
 *	and RFC 7111 (text/csv), lib/rlist.h, lib/merge.h.
 */
#ifndef BATCH_H
#define BATCH_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "cerr.h"
#include "rlist.h"

#define BATCH_ID_MAX		64
#define BATCH_BOUNDARY_MAX	70	/* RFC 2046 */
#define BATCH_HEADER_MAX	(64 * 1024)	/* container or part header */
#define BATCH_HEADER_NAME	"X-Campaign-Batch"

typedef ssize_t (*batch_read_fn)(void *ctx, char *p, size_t n);

struct batch_limits {
	long	max_recipients;
	size_t	max_bytes;
};

struct batch_lines {			/* line reader over fn */
	batch_read_fn fn;
	void   *ctx;
	char   *buf;
	size_t	pos, len;
	int	eof, err;
	int	bol;			/* the next piece starts a line */
	unsigned long line;		/* lines started so far */
	size_t	total;			/* bytes read */
};

struct batch {
	struct batch_lines in;
	struct batch_limits lim;
	char	campaign[BATCH_ID_MAX + 1];
	char	id[BATCH_ID_MAX + 1];
	char	boundary[BATCH_BOUNDARY_MAX + 1];
	struct buf tmpl;		/* part 1, CRLF line ends */
	struct rlist rl;		/* part 2 */
	long	nrec;			/* records returned (RL_REC + RL_BAD) */
	int	part_end;		/* 1 closing boundary, 2 another part, 3 end */
	int	ct_seen;
	unsigned long fline;		/* line where the current header field starts */		/* the part header had its Content-Type */
	int	rl_open;
	const char *pend;		/* part 2 bytes not yet handed to rlist */
	size_t	pend_len;
};

int	batch_id_valid(const char *id);
int	batch_content_type(const char *value, char *boundary, size_t size,
			   struct cerr *e);
int	batch_open(struct batch *b, batch_read_fn fn, void *ctx,
		   const struct batch_limits *lim, struct cerr *e);
int	batch_next(struct batch *b, struct rrec *rec, struct cerr *e);
void	batch_close(struct batch *b);

struct batch_writer {
	char	boundary[BATCH_BOUNDARY_MAX + 1];
	size_t	ncols;
	int	dotstuff;
	int	has8bit;
	long	nrcpt;
};

int	batch_write_begin(struct batch_writer *w, struct buf *out,
			  const char *campaign, const char *batch_id,
			  const char *tmpl, size_t tmpl_len,
			  char *const *cols, size_t ncols, int dotstuff,
			  struct cerr *e);
int	batch_write_rcpt(struct batch_writer *w, struct buf *out,
			 char *const *fields, struct cerr *e);
int	batch_write_end(struct batch_writer *w, struct buf *out,
			struct cerr *e);

#endif
