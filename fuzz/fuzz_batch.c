/*
 * NAME
 *	fuzz_batch - libFuzzer target: the batch reader (lib/batch.c) and,
 *	through it, the CSV reader (lib/rlist.c)
 * DESCRIPTION
 *	The input is a batch, read with batch_open()/batch_next() to the end
 *	in pieces of 1 to 8 bytes and more (the first byte chooses the piece
 *	size, so boundaries and line ends fall everywhere).  Invariants: a
 *	failure has a reason; an opened batch has a valid batch id and a
 *	boundary; the template stays within max_bytes; record lines never go
 *	back; a record's address parses; no more records than
 *	max_recipients; every bad record has a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

struct src {
	const uint8_t *p;
	size_t	n, pos, step;
};

static ssize_t
src_read(void *ctx, char *p, size_t n)
{
	struct src *s = ctx;

	if (n > s->n - s->pos)
		n = s->n - s->pos;
	if (n > s->step)
		n = s->step;
	memcpy(p, s->p + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

static void
check_rec(const struct rrec *rec, int rc, unsigned long *last)
{
	struct cerr e;

	if (rec->line < *last)
		abort();
	*last = rec->line;
	if (rc == RL_BAD && rec->why[0] == '\0')
		abort();
	if (rc == RL_REC && addr_parse_path(rec->addr, strlen(rec->addr),
					    &(struct addr){0}, NULL, &e) < 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct batch_limits lim = {.max_recipients = 50, .max_bytes = 16384};
	struct src s;
	struct batch b;
	struct rrec rec;
	struct cerr e;
	unsigned long last = 0;
	long	n = 0;
	int	rc;

	if (size < 1)
		return 0;
	s = (struct src) {data + 1, size - 1, 0, data[0] < 128 ? 1 + data[0] % 8 : 65536};
	e.msg[0] = '\0';
	if (batch_open(&b, src_read, &s, &lim, &e) < 0) {
		if (e.msg[0] == '\0')
			abort();
	} else {
		if (!batch_id_valid(b.id) || b.boundary[0] == '\0' || b.tmpl.len > lim.max_bytes)
			abort();
		while ((rc = batch_next(&b, &rec, &e)) == RL_REC || rc == RL_BAD) {
			check_rec(&rec, rc, &last);
			if (++n > lim.max_recipients)
				abort();
		}
	}
	batch_close(&b);
	return 0;
}
