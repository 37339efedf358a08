/*
 * NAME
 *	test_feed_rcpt - the recipient list reader: plain lists and CSV
 * DESCRIPTION
 *	Each case is a whole list; want is what rlist_next() gives, one
 *	token per record: "LINE:addr" for a record, "LINE:!" for a malformed
 *	one; skipped blank and comment lines give nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../feeder/feed.h"
#include "testhelp.h"

static const struct {
	const char *in;
	const char *want;
	int	csv;
} cases[] = {
	{"a@x.org\nb@y.org\n", "1:a@x.org 2:b@y.org", 0},
	{"\n# c\n<a@x.org>\r\n  b@y.org  \nbad\n<>\na@x.org junk\n",
	 "3:a@x.org 4:b@y.org 5:! 6:! 7:!", 0},
	{"c@z.org", "1:c@z.org", 0},
	{"x+tag@sub.x.org\nA.B@Y.Org\n", "1:x+tag@sub.x.org 2:A.B@Y.Org", 0},
	{"name,EMAIL\nAnn,a@x.org\n\"B, b\",b@y.org\n", "2:a@x.org 3:b@y.org", 1},
	{"email,n\na@x.org,\"two\nlines\"\nb@y.org,x\n", "2:a@x.org 4:b@y.org", 1},
	{"email,n\na@x.org\nb@y.org,x,y\nc@z.org,x\"y\nd@w.org,\"x\"y\ne@v.org,ok\n",
	 "2:! 3:! 4:! 5:! 6:e@v.org", 1},
	{"email,n\na@x.org,\"open\n", "2:!", 1},
	{"email\n@x.org\n", "2:!", 1},
	{"", "", 0},
};

static void
run(size_t i)
{
	char	path[] = "/tmp/test_feed_rcptXXXXXX", got[1000] = "";
	struct rlist r;
	struct rrec rec;
	struct cerr e;
	int	fd = mkstemp(path), rc;

	if (write(fd, cases[i].in, strlen(cases[i].in)) < 0)
		perror("write");
	close(fd);
	CHECK_INT(rlist_open(&r, path, &e), 0, "case %zu open", i);
	while ((rc = rlist_next(&r, &rec, &e)) != RL_EOF && rc != RL_ERR) {
		if (rc == RL_SKIP)
			continue;
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%lu:%s",
			 got[0] ? " " : "", rec.line, rc == RL_REC ? rec.addr : "!");
	}
	CHECK_STR(got, cases[i].want, "case %zu records", i);
	CHECK_INT(r.csv, cases[i].csv, "case %zu csv", i);
	CHECK_INT(rlist_count(path) >= 0, 1, "case %zu count", i);
	rlist_close(&r);
	unlink(path);
}

static void
test_fields(void)
{
	char	path[] = "/tmp/test_feed_rcptXXXXXX";
	const char *in = "first,email,quote\n\"A, B\",a@x.org,\"say \"\"hi\"\"\"\n";
	struct rlist r;
	struct rrec rec;
	struct cerr e;
	int	fd = mkstemp(path);

	if (write(fd, in, strlen(in)) < 0)
		perror("write");
	close(fd);
	rlist_open(&r, path, &e);
	CHECK_INT(rlist_col(&r, "quote"), 2, "column by name");
	CHECK_INT(rlist_col(&r, "FIRST"), 0, "column ignoring case");
	CHECK_INT(rlist_col(&r, "none"), -1, "no such column");
	CHECK_INT(rlist_next(&r, &rec, &e), RL_REC, "record");
	CHECK_STR(rec.fields[0], "A, B", "comma in quotes");
	CHECK_STR(rec.fields[2], "say \"hi\"", "doubled quotes");
	rlist_close(&r);
	unlink(path);
}

int
main(void)
{
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(i);
	test_fields();
	CHECK_INT(rlist_count("/nonexistent/x"), -1, "count of a missing file");
	return TEST_DONE("test_feed_rcpt");
}
