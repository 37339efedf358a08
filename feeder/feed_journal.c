/*
 * NAME
 *	feed_journal - the append-only journal that makes a restart resume
 * SYNOPSIS
 *	#include "feed.h"
 *
 *	rc = journal_open(&j, path, campaign, &e);
 *	if (journal_is_done(&j, line)) skip;
 *	journal_add(&j, 'A', line, addr, NULL);	after the 250 to "."
 *	journal_flush(&j, now, &e);		one write(2) per loop turn
 *	journal_close(&j);
 * DESCRIPTION
 *	The journal is a text file, one record a line:
 *
 *		# campaign-feed journal 1 campaign=ID	(first line)
 *		A LINE ADDRESS				accepted
 *		R LINE ADDRESS REPLY-TEXT		rejected (5xx)
 *		D LINE ADDRESS REPLY-TEXT		deferred (4xx, out of tries)
 *		B NUMBER NRCPT LINES			batch NUMBER made (--batch)
 *
 *	LINE is the recipient list line where the recipient's record
 *	starts.  A and R are final: journal_is_done() is true for them and
 *	a restart skips those lines.  D is not: a restart tries again.
 *	With --batch, A, R and D are written for each recipient of a
 *	batch, with the batch id (A) or "batch ID: REPLY-TEXT" after the
 *	address; a B record is written when a batch is made, before it is
 *	sent: LINES are its recipients' list lines, runs written "a-b"
 *	("2-1001,1003").  j->batch_seq is the highest NUMBER found, so that
 *	batch numbers are never given twice (journal_batch()), and
 *	j->batches keeps each B record's NUMBER, NRCPT and LINES, so that a
 *	resumed run can make a batch that was sent but not answered again,
 *	with the same id (feed_batch.c).
 *	Lines starting with '#' are comments; an incomplete last line (a
 *	write cut by kill -9 or a crash) is ignored, and a newline is
 *	written after it so new records start on a line of their own.
 *
 *	journal_open() opens or creates the file, takes an exclusive
 *	flock(2) (one feeder per journal), loads the records and writes the
 *	header to a new file.  It returns 0; -1 when the file cannot be
 *	opened, read or written; -2 when it belongs to another campaign or
 *	is not a journal; -3 when another process holds it.
 *
 *	journal_add() only buffers.  journal_flush() writes the buffer with
 *	write(2) (so the records survive kill -9 the moment it returns) and
 *	calls fdatasync(2) when sync_interval seconds have passed since the
 *	last one (0: every flush), which bounds what an operating-system
 *	crash can lose.  journal_sync() syncs unconditionally.  Their
 *	errors (a full file system) name the journal file.
 *	With journal_none() every call is a no-op and nothing is done.
 * SEE ALSO
 *	campaign-feed(1) JOURNAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "feed.h"

#define JOURNAL_MAGIC	"# campaign-feed journal 1 campaign="
#define JOURNAL_OUT_MAX	((size_t)64 << 20)
/*
 * A larger line number is junk (a garbled file): it would wrap, marking
 * some other line done, or size the done bitmap in gigabytes (found by
 * fuzz_journal).  A dropped record means that recipient is sent again.
 */
#define JOURNAL_LINE_MAX 1000000000UL	/* bitmap at most 125 MB */
#define JOURNAL_RANGES_MAX 65536	/* LINES of one B record */

void
journal_none(struct journal *j)
{
	memset(j, 0, sizeof(*j));
	j->fd = -1;
	buf_init(&j->out, JOURNAL_OUT_MAX);
}

/* mark - set the done bit of line */
static int
mark(struct journal *j, unsigned long line)
{
	size_t	w = line / 64, n;
	uint64_t *d;

	if (w >= j->nwords) {
		n = j->nwords ? j->nwords : 1024;
		while (n <= w)
			n *= 2;
		if ((d = realloc(j->done, n * sizeof(*d))) == NULL)
			return -1;
		memset(d + j->nwords, 0, (n - j->nwords) * sizeof(*d));
		j->done = d;
		j->nwords = n;
	}
	j->done[w] |= (uint64_t)1 << (line % 64);
	return 0;
}

int
journal_is_done(const struct journal *j, unsigned long line)
{
	size_t	w = line / 64;

	return w < j->nwords && (j->done[w] >> (line % 64)) & 1;
}

/* ranges_ok - k bytes of digits, ',' and '-' only */
static int
ranges_ok(const char *p, size_t k)
{
	size_t	i;

	for (i = 0; i < k; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || p[i] == ',' || p[i] == '-'))
			return 0;
	return 1;
}

/*
 * keep_batch - "NRCPT RANGES" of a B record: remember the batch's list
 * lines, so that a resumed run can make it again with its id; a record
 * without ranges, or garbled, is only a number (0)
 */
static int
keep_batch(struct journal *j, unsigned long seq, const char *p, size_t n)
{
	const char *sp = memchr(p, ' ', n);
	struct jbatch *b;
	size_t	k;

	if (sp == NULL || (k = (size_t)(p + n - sp - 1)) == 0 || k > JOURNAL_RANGES_MAX
	    || !ranges_ok(sp + 1, k) || atoi(p) <= 0)
		return 0;
	if (j->nbatches == j->capbatches) {
		j->capbatches = j->capbatches ? 2 * j->capbatches : 64;
		if ((b = realloc(j->batches, j->capbatches * sizeof(*b))) == NULL)
			return -1;
		j->batches = b;
	}
	b = j->batches + j->nbatches;
	if ((b->ranges = strndup(sp + 1, k)) == NULL)
		return -1;
	b->seq = seq;
	b->n = atoi(p);
	j->nbatches++;
	return 0;
}

/* journal_load_line - account one complete record (without newline) */
int
journal_load_line(struct journal *j, const char *p, size_t n)
{
	unsigned long line = 0;
	size_t	i;

	if (n < 3 || p[0] == '#' || p[1] != ' ')
		return 0;
	for (i = 2; i < n && p[i] >= '0' && p[i] <= '9' && line <= JOURNAL_LINE_MAX; i++)
		line = line * 10 + (unsigned long)(p[i] - '0');
	/* a record cut short (full disk, crash) before its address is junk */
	if (i == 2 || i + 1 >= n || p[i] != ' ' || line > JOURNAL_LINE_MAX)
		return 0;
	switch (p[0]) {
	case 'A':
		j->accepted++;
		return mark(j, line);
	case 'R':
		j->rejected++;
		return mark(j, line);
	case 'D':
		j->deferred++;
		return 0;
	case 'B':
		if (line > j->batch_seq)
			j->batch_seq = line;
		return keep_batch(j, line, p + i + 1, n - i - 1);
	}
	return 0;
}

/* check_header - the first line names this campaign */
static int
check_header(const char *p, size_t n, const char *campaign, struct cerr *e)
{
	size_t	k = sizeof(JOURNAL_MAGIC) - 1;

	if (n < k || memcmp(p, JOURNAL_MAGIC, k) != 0)
		return cerr_set(e, "not a campaign-feed journal");
	if (n - k != strlen(campaign) || memcmp(p + k, campaign, n - k) != 0)
		return cerr_set(e, "journal of campaign \"%.*s\", not \"%s\"",
				(int)(n - k > 64 ? 64 : n - k), p + k, campaign);
	return 0;
}

/* load - read every record; *last_nl: file ends with a newline */
static int
load(struct journal *j, const char *campaign, int *last_nl, struct cerr *e)
{
	struct buf line;
	char	chunk[65536], *nl;
	ssize_t	n;
	size_t	pos, len;
	long	lines = 0;
	int	rc = 0;

	buf_init(&line, 1 << 20);
	*last_nl = 1;
	while (rc == 0 && (n = read(j->fd, chunk, sizeof(chunk))) > 0) {
		for (pos = 0; rc == 0 && pos < (size_t)n; pos += len + (nl != NULL)) {
			nl = memchr(chunk + pos, '\n', (size_t)n - pos);
			len = nl ? (size_t)(nl - (chunk + pos)) : (size_t)n - pos;
			if (buf_append(&line, chunk + pos, len) < 0)
				buf_reset(&line);	/* overlong junk: drop it */
			if (nl == NULL)
				continue;
			if (lines++ == 0)
				rc = check_header(line.data ? line.data : "", line.len, campaign, e) ? -2 : 0;
			else if (journal_load_line(j, line.data, line.len) < 0)
				rc = cerr_set(e, "out of memory");
			buf_reset(&line);
		}
		*last_nl = chunk[n - 1] == '\n';
	}
	if (rc == 0 && n < 0)
		rc = cerr_set(e, "read: %s", strerror(errno));
	if (rc == 0 && lines == 0 && line.len > 0)
		rc = check_header(line.data, line.len, campaign, e) ? -2 : 0;
	if (rc == 0)		/* before buf_free(), which zeroes line.len */
		rc = lines > 0 || line.len > 0;
	buf_free(&line);
	return rc;
}

/* write_all - write(2) until done */
static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
journal_open(struct journal *j, const char *path, const char *campaign,
	     struct cerr *e)
{
	int	rc, last_nl;

	journal_none(j);
	if ((j->path = strdup(path)) == NULL)
		return cerr_set(e, "out of memory");
	if ((j->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0)
		return cerr_set(e, "open %s: %s", path, strerror(errno));
	if (flock(j->fd, LOCK_EX | LOCK_NB) < 0)
		return cerr_set(e, "%s: in use by another process", path), -3;
	if ((rc = load(j, campaign, &last_nl, e)) < 0)
		return cerr_set(e, "%s: %s", path, e->msg), rc;
	if (rc == 0)
		buf_appendf(&j->out, "%s%s\n", JOURNAL_MAGIC, campaign);
	else if (!last_nl)
		buf_putc(&j->out, '\n');
	return journal_flush(j, 0, e) < 0 || journal_sync(j, 0, e) < 0 ? -1 : 0;
}

int
journal_add(struct journal *j, int type, unsigned long line, const char *addr,
	    const char *text)
{
	if (j->fd < 0)
		return 0;
	if ((type == 'A' || type == 'R') && mark(j, line) < 0)
		return -1;
	return buf_appendf(&j->out, "%c %lu %s%s%s\n", type, line, addr,
			   text ? " " : "", text ? text : "");
}

int
journal_batch(struct journal *j, unsigned long seq, const unsigned long *lines,
	      int n)
{
	int	i, k;

	if (j->fd < 0)
		return 0;
	if (buf_appendf(&j->out, "B %lu %d ", seq, n) < 0)
		return -1;
	for (i = 0; i < n; i = k) {	/* runs of consecutive lines as a-b */
		for (k = i + 1; k < n && lines[k] == lines[k - 1] + 1; k++)
			;
		if (buf_appendf(&j->out, k - i > 1 ? "%s%lu-%lu" : "%s%lu",
				i ? "," : "", lines[i], lines[k - 1]) < 0)
			return -1;
	}
	return buf_putc(&j->out, '\n');
}

int
journal_sync(struct journal *j, double now, struct cerr *e)
{
	if (j->fd < 0 || !j->dirty)
		return 0;
	if (fdatasync(j->fd) < 0)
		return cerr_set(e, "journal %s: fdatasync: %s", j->path, strerror(errno));
	j->dirty = 0;
	j->last_sync = now;
	return 0;
}

int
journal_flush(struct journal *j, double now, struct cerr *e)
{
	if (j->fd < 0)
		return 0;
	if (j->out.len > 0) {
		if (write_all(j->fd, j->out.data, j->out.len) < 0)
			return cerr_set(e, "journal %s: write: %s", j->path, strerror(errno));
		buf_reset(&j->out);
		j->dirty = 1;
	}
	if (j->dirty && now - j->last_sync >= j->sync_interval)
		return journal_sync(j, now, e);
	return 0;
}

void
journal_close(struct journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	free(j->done);
	free(j->path);
	buf_free(&j->out);
	while (j->nbatches > 0)
		free(j->batches[--j->nbatches].ranges);
	free(j->batches);
	j->batches = NULL;
	j->capbatches = 0;
	j->fd = -1;
	j->done = NULL;
	j->path = NULL;
	j->nwords = 0;
}

/* counts_add - one recipient's outcome (A, R or D) in the run's counts */
void
counts_add(struct feed_counts *c, int type)
{
	if (type == 'A')
		c->accepted++;
	else if (type == 'R')
		c->rejected++;
	else
		c->deferred++;
}
