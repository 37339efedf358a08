/*
 * NAME
 *	merge - the campaign message, prepared once, merged per recipient
 *	(the one merge engine: campaign-feed and campaign-filter)
 * SYNOPSIS
 *	#include "merge.h"
 *
 *	struct msg m;
 *	msg_load(&m, path, campaign, &e);	or msg_prepare(&m, raw, n, ...)
 *	msg_merge(&m, vals, &out);		vals[i]: value of m.tags[i]
 *	msg_free(&m);
 * DESCRIPTION
 *	msg_prepare() turns an RFC 5322 message into what goes between "354"
 *	and the final ".": CRLF line ends, dot-stuffing, X-Campaign-ID first
 *	(any X-Campaign-ID of the message dropped).  msg_prepare_drop() does
 *	the same and also drops every header field named in drop (a NULL
 *	terminated list, any case), with its continuation lines.
 *
 *	Tags "{{name}}" (name: letters, digits, '_', '-', '.', at most
 *	MERGE_TAG_MAX) are found once; m.tags lists the distinct names in the
 *	order found.  msg_merge() appends the message with vals[i] for tag i
 *	(NULL: empty); a value has its CR and LF bytes written as spaces, and
 *	a value at the start of a line that starts with "." is dot-stuffed.
 *	msg_unstuff() undoes dot-stuffing in place (BDAT) and returns the new
 *	length.  msg_valid_id() accepts 1..MERGE_ID_MAX of [A-Za-z0-9._-].
 *
 *	msg_load() reads a file of at most MERGE_MSG_MAX bytes.  The functions
 *	that can fail return 0, or -1 with e set (msg_merge: -1 when out is
 *	full or memory is short).
 * SEE ALSO
 *	RFC 5321 4.5.2 (transparency), RFC 5322 2.2.
 */
#ifndef MERGE_H
#define MERGE_H

#include <stddef.h>

#include "buf.h"
#include "cerr.h"

#define MERGE_TAG_MAX	64			/* a {{tag}} name */
#define MERGE_MSG_MAX	((size_t)256 << 20)	/* message file */
#define MERGE_ID_MAX	64			/* campaign id */

struct msg_seg {
	size_t	off, len;		/* literal: bytes of body */
	int	tag;			/* -1 literal, else index in tags */
	int	bol;			/* tag starts a line (dot-stuff value) */
};

struct msg {
	struct buf body;		/* CRLF, dot-stuffed, ends in CRLF, no final "." */
	int	has8bit;
	size_t	ntags;
	char  **tags;			/* distinct tag names, in order found */
	size_t	nsegs;
	struct msg_seg *segs;		/* only when ntags > 0 */
};

int	msg_valid_id(const char *id);
int	msg_prepare(struct msg *m, const char *raw, size_t n,
		    const char *campaign, struct cerr *e);
int	msg_prepare_drop(struct msg *m, const char *raw, size_t n,
			 const char *campaign, const char *const *drop,
			 struct cerr *e);
int	msg_load(struct msg *m, const char *path, const char *campaign,
		 struct cerr *e);
int	msg_merge(const struct msg *m, char *const *vals, struct buf *out);
size_t	msg_unstuff(char *p, size_t n);
void	msg_free(struct msg *m);

#endif
