/*
 * NAME
 *	fuzz_rcpt - libFuzzer target: the recipient list, plain and CSV
 *	(lib/rlist.c, campaign-feed's list and a batch's recipient part)
 * DESCRIPTION
 *	Writes the input (at most 512 kB) to a memory file and reads it with
 *	rlist_openfd()/rlist_next() to the end.  Invariants: line numbers
 *	never go back, a record's address is a parseable path no longer than
 *	ADDR_KEY_MAX, its field count matches its fields, every field is a
 *	NUL-terminated string, a bad record has a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rlist.h"

#define IN_MAX (512 * 1024)

static void
check_rec(const struct rlist *rl, const struct rrec *rec, int rc, unsigned long *last)
{
	size_t	i;

	if (rec->line < *last || rec->line > rl->lineno)
		abort();
	*last = rec->line;
	if (rc == RL_BAD && rec->why[0] == '\0')
		abort();
	if (rc != RL_REC)
		return;
	if (strlen(rec->addr) > ADDR_KEY_MAX || rec->nfields < 1)
		abort();
	if (addr_parse_path(rec->addr, strlen(rec->addr), &(struct addr){0},
			    NULL, NULL) < 0)
		abort();
	for (i = 0; rec->fields != NULL && i < rec->nfields; i++)
		if (strlen(rec->fields[i]) > RLIST_RECORD_MAX)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rlist rl;
	struct rrec rec;
	struct cerr e;
	unsigned long last = 0;
	int	fd, rc, n = 0;

	if (size > IN_MAX)
		return 0;
	if ((fd = memfd_create("rcpt", MFD_CLOEXEC)) < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	if (rlist_openfd(&rl, fd, &e) == 0) {
		(void)rlist_col(&rl, "email");
		while ((rc = rlist_next(&rl, &rec, &e)) != RL_EOF && rc != RL_ERR) {
			check_rec(&rl, &rec, rc, &last);
			if (++n > 200000)
				abort();
		}
	}
	rlist_close(&rl);	/* closes fd */
	return 0;
}
