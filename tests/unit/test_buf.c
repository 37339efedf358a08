/*
 * NAME
 *	test_buf - unit tests for lib/buf.c
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "testhelp.h"

static void
test_bounds(void)
{
	static const struct {
		size_t	max;
		const char *in;
		size_t	n;
		int	want_ret;
		size_t	want_len;
	}	cases[] = {
		{4, "abcd", 4, 0, 4},
		{4, "abcde", 5, -1, 0},
		{0, "", 0, 0, 0},
		{0, "a", 1, -1, 0},
		{8, "a\0b", 3, 0, 3},
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;
		int	r;

		buf_init(&b, cases[i].max);
		r = buf_append(&b, cases[i].in, cases[i].n);
		CHECK_INT(r, cases[i].want_ret, "append case %zu return", i);
		CHECK_INT(b.len, cases[i].want_len, "append case %zu length", i);
		if (r < 0)
			CHECK_INT(errno, EMSGSIZE, "append case %zu errno", i);
		buf_free(&b);
	}
}

static void
test_ops(void)
{
	struct buf b;
	char   *s;

	buf_init(&b, 32);
	CHECK_STR(buf_cstr(&b), "", "empty buffer is an empty string");
	buf_puts(&b, "hello");
	buf_appendf(&b, " %d", 42);
	CHECK_STR(buf_cstr(&b), "hello 42", "puts + appendf");
	buf_consume(&b, 6);
	CHECK_STR(buf_cstr(&b), "42", "consume");
	buf_truncate(&b, 1);
	CHECK_STR(buf_cstr(&b), "4", "truncate");
	CHECK_INT(buf_appendf(&b, "%040d", 1), -1, "appendf past max fails");
	CHECK_STR(buf_cstr(&b), "4", "failed appendf leaves buffer unchanged");
	s = buf_steal(&b);
	CHECK_STR(s, "4", "steal");
	CHECK_INT(b.len, 0, "steal empties");
	free(s);
	buf_free(&b);
}

static void
test_getline(void)
{
	struct buf b;
	FILE   *fp = tmpfile();

	fputs("short\n0123456789012345678901234567890123456789\nlast", fp);
	rewind(fp);
	buf_init(&b, 16);
	CHECK_INT(buf_getline(&b, fp), 1, "getline first");
	CHECK_STR(buf_cstr(&b), "short\n", "getline keeps newline");
	buf_reset(&b);
	CHECK_INT(buf_getline(&b, fp), -1, "getline over max fails");
	buf_reset(&b);
	CHECK_INT(buf_getline(&b, fp), 1, "getline after a long line resumes");
	CHECK_STR(buf_cstr(&b), "last", "unterminated last line");
	buf_reset(&b);
	CHECK_INT(buf_getline(&b, fp), 0, "getline at EOF");
	buf_free(&b);
	fclose(fp);
}

/* test_read_file - a whole file, a missing one, one over the maximum */
static void
test_read_file(void)
{
	char	path[] = "/tmp/test_buf.XXXXXX";
	struct buf b;
	struct cerr e;
	int	fd = mkstemp(path);

	CHECK(fd >= 0 && write(fd, "one\ntwo\n", 8) == 8, "temp file written");
	close(fd);
	buf_init(&b, 64);
	CHECK_INT(buf_read_file(&b, path, &e), 0, "read_file: read");
	CHECK_INT((int)b.len, 8, "read_file: whole file");
	CHECK_STR(buf_cstr(&b), "one\ntwo\n", "read_file: content");
	buf_free(&b);
	buf_init(&b, 4);
	CHECK_INT(buf_read_file(&b, path, &e), -1, "read_file: over the maximum refused");
	CHECK(strstr(e.msg, ": larger than 4 bytes") != NULL, "read_file: says so: %s", e.msg);
	buf_free(&b);
	unlink(path);
	buf_init(&b, 64);
	CHECK_INT(buf_read_file(&b, path, &e), -1, "read_file: missing file");
	CHECK(strstr(e.msg, ": cannot open: ") != NULL, "read_file: names the error: %s", e.msg);
	buf_free(&b);
}

int
main(void)
{
	test_bounds();
	test_ops();
	test_getline();
	test_read_file();
	return TEST_DONE("buf");
}
