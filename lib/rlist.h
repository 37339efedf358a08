/*
 * NAME
 *	rlist - a recipient list read as a stream: one address a line, or
 *	CSV (RFC 4180) with an "email" column (the one CSV reader)
 * SYNOPSIS
 *	#include "rlist.h"
 *
 *	struct rlist r;
 *	rlist_open(&r, path, &e);		"-" is standard input
 *	rlist_openfn(&r, read_fn, ctx, &e);	any byte source (a batch part)
 *	while ((rc = rlist_next(&r, &rec, &e)) != RL_EOF) ...
 *	rlist_close(&r);
 * DESCRIPTION
 *	See rlist.c for the record rules.  rlist_next() returns RL_REC,
 *	RL_SKIP (blank or comment line), RL_BAD (rec->line, rec->why),
 *	RL_EOF or RL_ERR (e set).  Memory stays bounded by one record of at
 *	most RLIST_RECORD_MAX bytes.  rlist_col() gives a CSV column's
 *	index (exact name first, then any case) or -1; rlist_count() counts
 *	the records of a regular file, or returns -1.
 * SEE ALSO
 *	RFC 4180, RFC 5321 4.1.2.
 */
#ifndef RLIST_H
#define RLIST_H

#include <stddef.h>
#include <sys/types.h>

#include "addr.h"
#include "buf.h"
#include "cerr.h"

#define RLIST_RECORD_MAX 65536		/* one record */

enum rlist_result { RL_ERR = -1, RL_EOF = 0, RL_REC = 1, RL_BAD = 2, RL_SKIP = 3 };

typedef ssize_t (*rlist_read_fn)(void *ctx, char *p, size_t n);

struct rlist {
	int	fd;
	rlist_read_fn fn;		/* NULL: read(2) on fd */
	void   *ctx;
	int	csv;			/* header with an "email" column seen */
	int	email_col;
	size_t	ncols;
	char  **cols;			/* header names (CSV) */
	unsigned long lineno;		/* lines read so far */
	int	eof;
	size_t	rpos, rlen;
	char   *rbuf;			/* read buffer */
	struct buf rec;			/* current record */
	struct buf fbuf;		/* current fields, NUL-separated */
	size_t	nfields, fcap;
	char  **fields;			/* pointers into fbuf */
	int	pending;		/* first line already in rec (plain list) */
	unsigned long pending_line;
};

struct rrec {
	unsigned long line;		/* line where the record starts */
	char	addr[ADDR_KEY_MAX + 2];	/* local@domain, as given */
	size_t	nfields;
	char  **fields;			/* CSV values; [0] = address for a plain list */
	char	why[200];		/* RL_BAD: the reason */
};

int	rlist_open(struct rlist *r, const char *path, struct cerr *e);
int	rlist_openfd(struct rlist *r, int fd, struct cerr *e);
int	rlist_openfn(struct rlist *r, rlist_read_fn fn, void *ctx, struct cerr *e);
int	rlist_next(struct rlist *r, struct rrec *out, struct cerr *e);
int	rlist_col(const struct rlist *r, const char *name);
void	rlist_close(struct rlist *r);
long	rlist_count(const char *path);

#endif
