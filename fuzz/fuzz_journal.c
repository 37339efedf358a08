/*
 * NAME
 *	fuzz_journal - libFuzzer target: campaign-feed's journal reader
 *	(feeder/feed_journal.c journal_open, journal_load_line)
 * SOURCES: feeder/feed_journal.c
 * DESCRIPTION
 *	The journal lives in one memory file (memfd_create), opened by its
 *	/proc/self/fd name as the feeder opens a path.  The first input byte
 *	picks the mode.
 *
 *	Raw (even): the rest of the input is the file.  Whatever it holds,
 *	a journal that opens ends in a newline, and an "A" record added then
 *	reads back as done (the torn-line repair), with one more accepted.
 *
 *	Cut (odd): two bytes give a cut offset, then each 3 bytes a record
 *	(A, R or D by the first byte; line number from the other two), at
 *	most RECS_MAX.  A fresh journal gets the records, is cut at the
 *	offset (what a crash leaves: any prefix of what was written) and
 *	opened again.  Invariants: cut inside the header line, it is
 *	refused as not a journal (only its newline may be missing), else it
 *	opens; a line is done exactly when an A or R record for it is
 *	complete (newline included) before the cut: a cut record never
 *	counts (no recipient skipped), a complete one always does (no
 *	recipient sent twice); the counts agree; a record added after the
 *	reopen reads back on the next open, and then the torn last record
 *	counts too when its type, line number, the space and at least one
 *	byte after it were written (the newline written after it at the
 *	first open completes it; the number cannot be a cut one, so that
 *	line was accepted or rejected: it is sent at most twice, never lost).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "feed.h"

#define IN_MAX (256 * 1024)
#define RECS_MAX 200
#define LINE_NEW 70000UL	/* above any 16-bit line of cut mode */

static int fd = -1;
static char path[64];

static void
file_set(const uint8_t *data, size_t size)
{
	if (fd < 0) {
		if ((fd = memfd_create("fuzz_journal", MFD_CLOEXEC)) < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
}

static off_t
file_size(void)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		abort();
	return st.st_size;
}

/* add_new - add LINE_NEW as accepted, close, reopen: it must be done */
static void
add_new(struct journal *j)
{
	struct cerr e;
	long	acc = j->accepted;
	char	last;

	if (journal_add(j, 'A', LINE_NEW, "new@example.org", NULL) < 0
	    || journal_flush(j, 0, &e) < 0)
		abort();
	journal_close(j);
	/* more than one when the repaired torn line was an A record */
	if (journal_open(j, path, "c1", &e) != 0 || !journal_is_done(j, LINE_NEW)
	    || j->accepted < acc + 1)
		abort();
	if (pread(fd, &last, 1, file_size() - 1) != 1 || last != '\n')
		abort();
}

static void
raw(const uint8_t *data, size_t size)
{
	struct journal j;
	struct cerr e;
	char	last;

	file_set(data, size);
	if (journal_open(&j, path, "c1", &e) != 0) {
		journal_close(&j);
		return;
	}
	if (pread(fd, &last, 1, file_size() - 1) != 1 || last != '\n')
		abort();
	if (!journal_is_done(&j, LINE_NEW))
		add_new(&j);
	journal_close(&j);
}

struct rec {
	int	type;
	unsigned long line;
	off_t	start;			/* offset of its first byte */
	off_t	end;			/* offset just past its newline */
};

/* write_recs - a fresh journal with the records; their end offsets */
static size_t
write_recs(const uint8_t *p, size_t n, struct rec *r, off_t *hdr_end)
{
	struct journal j;
	struct cerr e;
	char	addr[32];
	size_t	k;

	file_set(NULL, 0);
	if (journal_open(&j, path, "c1", &e) != 0)
		abort();
	*hdr_end = file_size();
	for (k = 0; k < RECS_MAX && n >= 3; k++, p += 3, n -= 3) {
		r[k].start = file_size();
		r[k].type = "ARD"[p[0] % 3];
		r[k].line = (unsigned long)p[1] << 8 | p[2];
		snprintf(addr, sizeof(addr), "r%zu@example.org", k);
		if (journal_add(&j, r[k].type, r[k].line, addr,
				r[k].type == 'A' ? NULL : "550 5.1.1 no such user") < 0
		    || journal_flush(&j, 0, &e) < 0)
			abort();
		r[k].end = file_size();
	}
	journal_close(&j);
	return k;
}

/* done_want - is line done by a complete A or R record before cut? */
static int
done_want(const struct rec *r, size_t nr, unsigned long line, off_t cut)
{
	size_t	k;

	for (k = 0; k < nr; k++)
		if (r[k].line == line && r[k].type != 'D' && r[k].end <= cut)
			return 1;
	return 0;
}

/* torn_done - the torn record at cut counts after the repair newline */
static int
torn_done(const struct rec *r, size_t nr, unsigned long line, off_t cut)
{
	char	num[32];
	size_t	k;

	for (k = 0; k < nr; k++)
		if (r[k].line == line && r[k].type != 'D' && r[k].start < cut
		    && r[k].end > cut
		    && r[k].start + 2 + snprintf(num, sizeof(num), "%lu ", line) < cut)
			return 1;
	return 0;
}

static void
check_counts(const struct journal *j, const struct rec *r, size_t nr, off_t cut)
{
	long	n[3] = {0, 0, 0};
	size_t	k;

	for (k = 0; k < nr; k++)
		if (r[k].end <= cut)
			n[r[k].type == 'A' ? 0 : r[k].type == 'R' ? 1 : 2]++;
	if (j->accepted != n[0] || j->rejected != n[1] || j->deferred != n[2])
		abort();
}

static void
cut(const uint8_t *data, size_t size)
{
	static struct rec r[RECS_MAX];
	struct journal j;
	struct cerr e;
	off_t	hdr_end, at;
	size_t	nr, k;
	int	rc;

	if (size < 2)
		return;
	nr = write_recs(data + 2, size - 2, r, &hdr_end);
	at = (off_t)((data[0] << 8 | data[1]) % (file_size() + 1));
	if (ftruncate(fd, at) < 0)
		abort();
	rc = journal_open(&j, path, "c1", &e);
	if (rc != ((at > 0 && at < hdr_end - 1) ? -2 : 0))
		abort();
	if (rc == 0) {
		for (k = 0; k < nr; k++)
			if (journal_is_done(&j, r[k].line) != done_want(r, nr, r[k].line, at))
				abort();
		check_counts(&j, r, nr, at);
		add_new(&j);
		for (k = 0; k < nr; k++)
			if (journal_is_done(&j, r[k].line) != (done_want(r, nr, r[k].line, at)
					|| torn_done(r, nr, r[k].line, at)))
				abort();
	}
	journal_close(&j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > IN_MAX)
		return 0;
	if (data[0] & 1)
		cut(data + 1, size - 1);
	else
		raw(data + 1, size - 1);
	return 0;
}
