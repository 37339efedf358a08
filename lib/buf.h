/*
 * NAME
 *	buf - bounded, binary-safe, growable byte buffer
 * SYNOPSIS
 *	#include "buf.h"
 *
 *	struct buf b;
 *	buf_init(&b, 1 << 20);			hard maximum: 1 MB
 *	if (buf_append(&b, data, n) < 0) ...	errno ENOMEM or EMSGSIZE
 *	printf("%s", buf_cstr(&b));
 *	buf_free(&b);
 * DESCRIPTION
 *	Everything read from outside (SMTP, stdin, logs, files) goes into a
 *	struct buf.  The buffer keeps a length, may hold NUL bytes, is always
 *	NUL-terminated after its data (so buf_cstr() is free), and refuses to
 *	grow past its hard maximum "max" (data bytes, not counting the
 *	terminator).
 *
 *	buf_init() makes an empty buffer that owns no memory yet.
 *	buf_append(), buf_putc(), buf_appendf() and buf_set() return 0, or -1
 *	with errno ENOMEM (no memory) or EMSGSIZE (the maximum would be
 *	exceeded); on failure the buffer is unchanged.
 *	buf_truncate() shortens to len (no-op if len >= current length).
 *	buf_consume() drops the first n bytes (reading from a socket buffer).
 *	buf_steal() hands the memory to the caller (NUL-terminated, caller
 *	frees) and leaves the buffer empty.
 *	buf_read_file() appends the whole file at path: 0, or -1 with e
 *	filled ("PATH: cannot open: ...", "PATH: larger than MAX bytes",
 *	"PATH: read error"); the buffer's maximum bounds what is read.
 *	buf_getline() reads one line from a stdio stream, newline included,
 *	appending to b; returns 1 for a line, 0 at end of file with nothing
 *	read, -1 on a read error or a line longer than the buffer's maximum
 *	(errno EMSGSIZE; the rest of that line is consumed and discarded).
 * SEE ALSO
 *	Postfix vstring(3), Redis sds.
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>
#include <stdio.h>

#include "cerr.h"

struct buf {
	char   *data;
	size_t	len;
	size_t	cap;
	size_t	max;
};

void	buf_init(struct buf *b, size_t max);
void	buf_free(struct buf *b);
void	buf_reset(struct buf *b);
int	buf_reserve(struct buf *b, size_t extra);
int	buf_append(struct buf *b, const void *p, size_t n);
int	buf_puts(struct buf *b, const char *s);
int	buf_putc(struct buf *b, int c);
int	buf_set(struct buf *b, const void *p, size_t n);
int	buf_appendf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_truncate(struct buf *b, size_t len);
void	buf_consume(struct buf *b, size_t n);
char   *buf_steal(struct buf *b);
const char *buf_cstr(const struct buf *b);
int	buf_getline(struct buf *b, FILE *fp);
int	buf_read_file(struct buf *b, const char *path, struct cerr *e);

#endif
