/*
 * NAME
 *	test_feed_journal - journal records, resume, torn last line, ownership
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../feeder/feed.h"
#include "testhelp.h"

static void
slurp(const char *path, char *out, size_t n)
{
	FILE   *fp = fopen(path, "r");
	size_t	k = fp ? fread(out, 1, n - 1, fp) : 0;

	out[k] = '\0';
	if (fp)
		fclose(fp);
}

static void
append(const char *path, const char *text)
{
	FILE   *fp = fopen(path, "a");

	fputs(text, fp);
	fclose(fp);
}

/* journal_full - a write to a full file system names the journal */
static void
journal_full(const char *path)
{
	struct journal j;
	struct cerr e;
	int	full = open("/dev/full", O_WRONLY);

	CHECK_INT(journal_open(&j, path, "c1", &e), 0, "open before full");
	if (full >= 0) {
		dup2(full, j.fd);
		close(full);
		journal_add(&j, 'A', 11, "e@x.org", NULL);
		CHECK_INT(journal_flush(&j, 3.0, &e), -1, "full: flush fails");
		CHECK(strstr(e.msg, path) != NULL, "full: error names the file: %s", e.msg);
		CHECK(strstr(e.msg, "No space left") != NULL, "full: error says why: %s", e.msg);
	}
	journal_close(&j);
}

int
main(void)
{
	char	path[] = "/tmp/test_feed_journalXXXXXX", text[4096];
	struct journal j, j2;
	struct cerr e;
	int	fd = mkstemp(path);

	close(fd);
	CHECK_INT(journal_open(&j, path, "c1", &e), 0, "create");
	journal_add(&j, 'A', 3, "a@x.org", NULL);
	journal_add(&j, 'R', 5, "b@x.org", "550 5.1.1 gone");
	journal_add(&j, 'D', 7, "c@x.org", "451 later");
	CHECK_INT(journal_flush(&j, 1.0, &e), 0, "flush");
	CHECK_INT(journal_open(&j2, path, "c1", &e), -3, "locked by the first");
	journal_close(&j2);
	journal_close(&j);
	slurp(path, text, sizeof(text));
	CHECK_STR(text, "# campaign-feed journal 1 campaign=c1\nA 3 a@x.org\n"
		  "R 5 b@x.org 550 5.1.1 gone\nD 7 c@x.org 451 later\n", "records");

	append(path, "A 9 torn@x.or");	/* a write cut short */
	CHECK_INT(journal_open(&j, path, "c1", &e), 0, "reopen");
	CHECK_INT(journal_is_done(&j, 3), 1, "accepted is done");
	CHECK_INT(journal_is_done(&j, 5), 1, "rejected is done");
	CHECK_INT(journal_is_done(&j, 7), 0, "deferred is not done");
	CHECK_INT(journal_is_done(&j, 9), 0, "torn line ignored");
	CHECK_INT(journal_is_done(&j, 1000000), 0, "far line");
	CHECK_INT(j.accepted, 1, "accepted count");
	CHECK_INT(j.rejected, 1, "rejected count");
	journal_add(&j, 'A', 100000, "d@x.org", NULL);
	journal_flush(&j, 2.0, &e);
	journal_close(&j);
	slurp(path, text, sizeof(text));
	CHECK(strstr(text, "A 9 torn@x.or\nA 100000 d@x.org\n") != NULL,
	      "new record starts on a line of its own: %s", text);
	journal_full(path);
	CHECK_INT(journal_open(&j, path, "other", &e), -2, "another campaign");
	journal_close(&j);
	CHECK_INT(journal_open(&j, "/nonexistent/dir/j", "c1", &e), -1, "cannot create");
	journal_close(&j);
	journal_none(&j);
	CHECK_INT(journal_add(&j, 'A', 1, "x@y", NULL), 0, "no journal: add is a no-op");
	CHECK_INT(journal_is_done(&j, 1), 0, "no journal: nothing done");
	journal_close(&j);
	unlink(path);
	return TEST_DONE("test_feed_journal");
}
