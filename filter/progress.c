/*
 * NAME
 *	progress - per-batch progress file of campaign-filter (see progress.h)
 * DESCRIPTION
 *	The cost is one write(2) of a short line per copy and one
 *	fdatasync(2) per sync_every copies; reading it back is one pass over
 *	at most max lines.
 * DIAGNOSTICS
 *	Nothing is printed; -1 with e set.
 * SEE ALSO
 *	doc/DESIGN.md "Batches", campaign-filter(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "buf.h"
#include "progress.h"

static const char kinds[PG_NKINDS] = {'s', 'x', 'b', 'r', 'l'};

/* mark - set idx in the done set; 0 new, 1 already there, -1 out of range */
static int
mark(struct progress *pg, long idx)
{
	uint64_t bit;

	if (idx < 1 || idx > pg->max)
		return -1;
	bit = (uint64_t)1 << ((unsigned long)idx % 64);
	if (pg->done[idx / 64] & bit)
		return 1;
	pg->done[idx / 64] |= bit;
	return 0;
}

/* load_line - one "INDEX KIND [QID]" line of an earlier run */
static void
load_line(struct progress *pg, const char *p)
{
	char   *end;
	long	idx = strtol(p, &end, 10);
	const char *k;

	if (end == p || *end != ' ' || (k = memchr(kinds, end[1], PG_NKINDS)) == NULL)
		return;
	if (k - kinds == PG_LOGGED) {
		buf_reset(&pg->unlogged);
		return;
	}
	if (mark(pg, idx) != 0)
		return;
	pg->prev[k - kinds]++;
	if (k - kinds == PG_SENT && end[2] == ' ' && end[3] != '\0'
	    && ((pg->unlogged.len && buf_putc(&pg->unlogged, ',') < 0)
		|| buf_puts(&pg->unlogged, end + 3) < 0))
		buf_reset(&pg->unlogged);	/* too many: give up re-logging */
}

/* load - read the file; a cut last line is ignored and ended */
static int
load(struct progress *pg, struct cerr *e)
{
	struct buf b;
	char	chunk[8192], *p, *nl;
	ssize_t	n;
	int	ret = 0;

	buf_init(&b, (size_t)64 << 20);
	while ((n = read(pg->fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(&b, chunk, (size_t)n) < 0)
			break;
	if (n != 0)
		ret = cerr_set(e, "read %s: %s", pg->path, n < 0 ? strerror(errno) : "too large");
	for (p = b.data; ret == 0 && p && (nl = memchr(p, '\n', b.len - (size_t)(p - b.data))); p = nl + 1) {
		*nl = '\0';
		load_line(pg, p);
	}
	if (ret == 0 && b.len > 0 && b.data[b.len - 1] != '\n' && write(pg->fd, "\n", 1) != 1)
		ret = cerr_set(e, "write %s: %s", pg->path, strerror(errno));
	buf_free(&b);
	return ret;
}

int
progress_open(struct progress *pg, const char *dir, const char *campaign,
	      const char *batch, long max, int sync_every, struct cerr *e)
{
	memset(pg, 0, sizeof(*pg));
	pg->fd = -1;
	pg->max = max;
	buf_init(&pg->unlogged, (size_t)max * 64 + 64);
	pg->sync_every = sync_every > 0 ? sync_every : 1;
	if ((size_t)snprintf(pg->path, sizeof(pg->path), "%s/%s+%s", dir, campaign, batch)
	    >= sizeof(pg->path))
		return cerr_set(e, "progress file name too long");
	if ((pg->done = calloc((size_t)max / 64 + 1, sizeof(uint64_t))) == NULL)
		return cerr_set(e, "out of memory");
	if ((pg->fd = open(pg->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0)
		return cerr_set(e, "open %s: %s", pg->path, strerror(errno));
	if (flock(pg->fd, LOCK_EX | LOCK_NB) < 0)
		return cerr_set(e, "%s: %s", pg->path, errno == EWOULDBLOCK
				? "the batch is being delivered by another process"
				: strerror(errno));
	return load(pg, e);
}

int
progress_done(const struct progress *pg, long idx)
{
	return idx >= 1 && idx <= pg->max
	    && (pg->done[idx / 64] >> ((unsigned long)idx % 64) & 1);
}

int
progress_logged(struct progress *pg, struct cerr *e)
{
	if (write(pg->fd, "0 l\n", 4) != 4)
		return cerr_set(e, "write %s: %s", pg->path, strerror(errno));
	return 0;
}

int
progress_sync(struct progress *pg, struct cerr *e)
{
	if (pg->unsynced && fdatasync(pg->fd) < 0)
		return cerr_set(e, "fdatasync %s: %s", pg->path, strerror(errno));
	pg->unsynced = 0;
	return 0;
}

int
progress_add(struct progress *pg, long idx, enum pg_kind kind, const char *qid,
	     struct cerr *e)
{
	char	line[128];
	int	n;

	if (kind == PG_LOGGED || mark(pg, idx) < 0)
		return cerr_set(e, "progress: index %ld out of range", idx);
	n = snprintf(line, sizeof(line), "%ld %c%s%.60s\n", idx, kinds[kind],
		     qid ? " " : "", qid ? qid : "");
	if (write(pg->fd, line, (size_t)n) != n)
		return cerr_set(e, "write %s: %s", pg->path, strerror(errno));
	if (++pg->unsynced >= pg->sync_every)
		return progress_sync(pg, e);
	return 0;
}

void
progress_close(struct progress *pg, int remove)
{
	struct cerr ignore;

	if (pg->fd >= 0) {
		if (remove)
			(void)unlink(pg->path);
		else
			(void)progress_sync(pg, &ignore);
		close(pg->fd);
	}
	free(pg->done);
	buf_free(&pg->unlogged);
	pg->done = NULL;
	pg->fd = -1;
}
