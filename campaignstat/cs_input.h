/*
 * NAME
 *	cs_input - read log files (plain or gzip) in big blocks and merge them by time
 * SYNOPSIS
 *	#include "cs_input.h"
 *
 *	struct cs_input *in[N];
 *	in[i] = cs_input_open("maillog.1.gz", 0, &e);	"-" is stdin
 *	struct cs_merge mg = {in, N, follow};
 *	struct cs_item it;
 *	while ((r = cs_merge_next(&mg, &it)) > 0)
 *		... it.ok ? it.line : it.raw ...
 *	cs_input_close(in[i]);
 * DESCRIPTION
 *	An input reads 1 MB at a time with read(2) (gzread() for gzip files,
 *	recognised by their magic bytes, and for stdin, which zlib passes
 *	through when it is not compressed) and hands out lines as views into
 *	its buffer, without copying.  A line longer than CS_LINE_MAX is cut
 *	there (the rest of it is skipped) and counted in toolong.  A CR
 *	before the newline is dropped.
 *
 *	cs_merge_next() returns the earliest pending line of all inputs
 *	(ties: lines of our own programs first, then the input listed first),
 *	so several files, several hosts' logs, or a maillog and a delivery
 *	log are read as one time-ordered stream with one line of look-ahead
 *	per input.  A line whose syslog header cannot be parsed is returned
 *	at once with ok = 0.  It returns 1 with a line, 0 when no input has a
 *	line (end of every file; in follow mode: nothing new yet), -1 on a
 *	read error (the input is named in the error and dropped).  The views
 *	stay valid until the next call.
 *
 *	In follow mode an input at its end is polled again on the next call,
 *	a partial last line waits for its newline, and a file that was
 *	rotated (new inode) or truncated is reopened from its start.
 * SEE ALSO
 *	cs_line.h, zlib gzread(3).
 */
#ifndef CS_INPUT_H
#define CS_INPUT_H

#include <sys/types.h>
#include <zlib.h>

#include "buf.h"
#include "cerr.h"
#include "cs_line.h"

#define CS_LINE_MAX	(64 * 1024)
#define CS_CHUNK	(1024 * 1024)

struct cs_input {
	char   *name;
	int	fd;
	gzFile	gz;
	struct buf b;
	size_t	pos;
	int	eof;
	int	skipping;		/* dropping the rest of a long line */
	ino_t	ino;
	off_t	off;
	struct cs_clock ck;
	int	have;			/* a parsed line is pending */
	struct cs_line line;
	struct cs_str raw;
	unsigned long long toolong;
	unsigned long long bytes;
	int	dead;
};

struct cs_merge {
	struct cs_input **in;
	int	n;
	int	follow;
};

struct cs_item {
	int	ok;			/* header parsed */
	struct cs_line line;
	struct cs_str raw;
	struct cs_input *from;
};

struct cs_input *cs_input_open(const char *name, int year, struct cerr *e);
int	cs_input_next(struct cs_input *in, struct cs_str *line, int follow,
		      struct cerr *e);
int	cs_merge_next(struct cs_merge *mg, struct cs_item *it, struct cerr *e);
void	cs_input_close(struct cs_input *in);

#endif
