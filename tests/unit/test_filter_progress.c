/*
 * NAME
 *	test_filter_progress - the batch progress file (filter/progress.c):
 *	what one run records the next run skips and counts; a cut last line
 *	is ignored; queue ids after the last "logged" note are kept for
 *	logging again; a second process on the same batch is refused; the file
 *	goes when the batch is done
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"
#include "testhelp.h"

static char dir[] = "/tmp/test_progress.XXXXXX";

static void
test_resume(void)
{
	struct progress pg, pg2;
	struct cerr e;
	char	path[256];
	int	fd;

	CHECK_INT(progress_open(&pg, dir, "c1", "b1", 10, 2, &e), 0, "open new: %s", e.msg);
	CHECK_INT(progress_done(&pg, 3), 0, "nothing done yet");
	CHECK_INT(progress_add(&pg, 3, PG_SENT, "QID3", &e), 0, "add sent");
	CHECK_INT(progress_add(&pg, 1, PG_SUPPRESSED, NULL, &e), 0, "add suppressed");
	CHECK_INT(progress_add(&pg, 7, PG_BAD, NULL, &e), 0, "add bad");
	CHECK_INT(progress_add(&pg, 8, PG_REJECTED, NULL, &e), 0, "add refused by the listener");
	CHECK_INT(progress_add(&pg, 11, PG_SENT, "Q", &e), -1, "index out of range");
	CHECK_INT(progress_open(&pg2, dir, "c1", "b1", 10, 2, &e), -1, "second process refused");
	CHECK(strstr(e.msg, "another process") != NULL, "refusal names why: %s", e.msg);
	progress_close(&pg2, 0);
	progress_close(&pg, 0);
	snprintf(path, sizeof(path), "%s/c1+b1", dir);
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK_INT(write(fd, "9 s Q9", 6), 6, "a cut last line");
	close(fd);
	CHECK_INT(progress_open(&pg, dir, "c1", "b1", 10, 2, &e), 0, "reopen: %s", e.msg);
	CHECK_INT(progress_done(&pg, 3) && progress_done(&pg, 1) && progress_done(&pg, 7)
		  && progress_done(&pg, 8), 1, "earlier records done");
	CHECK_INT(progress_done(&pg, 9), 0, "cut line ignored");
	CHECK_INT(pg.prev[PG_SENT], 1, "sent counted");
	CHECK_INT(pg.prev[PG_SUPPRESSED], 1, "suppressed counted");
	CHECK_INT(pg.prev[PG_BAD], 1, "bad counted");
	CHECK_INT(pg.prev[PG_REJECTED], 1, "refused by the listener counted apart");
	CHECK_STR(buf_cstr(&pg.unlogged), "QID3", "ids not known to be logged");
	CHECK_INT(progress_add(&pg, 9, PG_SENT, "Q9", &e), 0, "add after the cut line");
	progress_close(&pg, 0);
	CHECK_INT(progress_open(&pg, dir, "c1", "b1", 10, 2, &e), 0, "reopen again");
	CHECK_INT(progress_done(&pg, 9), 1, "record after a cut line read back");
	CHECK_INT(pg.prev[PG_SENT], 2, "two sent");
	CHECK_STR(buf_cstr(&pg.unlogged), "QID3,Q9", "ids in order");
	CHECK_INT(progress_logged(&pg, &e), 0, "note: logged");
	CHECK_INT(progress_add(&pg, 4, PG_SENT, "Q4", &e), 0, "add after the note");
	progress_close(&pg, 0);
	CHECK_INT(progress_open(&pg, dir, "c1", "b1", 10, 2, &e), 0, "reopen a third time");
	CHECK_STR(buf_cstr(&pg.unlogged), "Q4", "only ids after the note");
	CHECK_INT(pg.prev[PG_SENT], 3, "three sent");
	progress_close(&pg, 1);
	CHECK_INT(access(path, F_OK), -1, "file removed when done");
}

int
main(void)
{
	struct progress pg;
	struct cerr e;

	if (mkdtemp(dir) == NULL)
		return perror("mkdtemp"), 1;
	test_resume();
	CHECK_INT(progress_open(&pg, "/nonexistent/dir", "c", "b", 5, 1, &e), -1,
		  "missing directory");
	progress_close(&pg, 0);
	rmdir(dir);
	return TEST_DONE("test_filter_progress");
}
