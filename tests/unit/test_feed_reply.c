/*
 * NAME
 *	test_feed_reply - reply_parse(): complete, partial and broken replies
 */
#include <string.h>

#include "../../feeder/feed.h"
#include "testhelp.h"

static const struct {
	const char *in;
	long	want;		/* bytes taken, 0 incomplete, -1 error */
	int	code;
	const char *text;
	int	ext;
} cases[] = {
	{"250 ok\r\n", 8, 250, "250 ok", 0},
	{"250 ok\r\n354 go\r\n", 8, 250, "250 ok", 0},
	{"250 ok", 0, 0, "", 0},
	{"250-first\r\n", 0, 250, "", 0},
	{"250-a\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME\r\n", 52, 250,
	 "250-a PIPELINING SIZE 1000 8BITMIME",
	 REPLY_EXT_PIPELINING | REPLY_EXT_SIZE | REPLY_EXT_8BITMIME},
	{"250-a\r\n250 PIPELININGX\r\n", 24, 250, "250-a PIPELININGX", 0},
	{"250-a\r\n250-CHUNKING\r\n250 PIPELINING\r\n", 37, 250,
	 "250-a CHUNKING PIPELINING", REPLY_EXT_CHUNKING | REPLY_EXT_PIPELINING},
	{"250 PIPELINING\r\n", 16, 250, "250 PIPELINING", 0},	/* line 1: domain */
	{"550 5.1.1 no\x01 such\r\n", 20, 550, "550 5.1.1 no? such", 0},
	{"250\r\n", 5, 250, "250", 0},
	{"250\n", 4, 250, "250", 0},
	{"250-a\r\n550 b\r\n", -1, 0, "", 0},
	{"25x ok\r\n", -1, 0, "", 0},
	{"250_ok\r\n", -1, 0, "", 0},
	{"150 ok\r\n", -1, 0, "", 0},
	{"\r\n", -1, 0, "", 0},
};

static void
test_long(void)
{
	struct reply r;
	struct cerr e;
	char	big[FEED_LINE_MAX + 100];

	memset(big, 'x', sizeof(big));
	memcpy(big, "250 ", 4);
	CHECK_INT(reply_parse(big, sizeof(big), &r, &e), -1, "unterminated overlong line");
	big[FEED_LINE_MAX + 50] = '\n';
	CHECK_INT(reply_parse(big, sizeof(big), &r, &e), -1, "overlong line");
	big[FEED_LINE_MAX + 50] = 'x';
	CHECK_INT(reply_parse(big, 100, &r, &e), 0, "partial line under the limit");
}

static void
test_many_lines(void)
{
	struct reply r;
	struct cerr e;
	char	b[2000] = "";
	int	i;

	for (i = 0; i < FEED_REPLY_LINES + 1; i++)
		strcat(b, "250-x\r\n");
	strcat(b, "250 y\r\n");
	CHECK_INT(reply_parse(b, strlen(b), &r, &e), -1, "too many lines");
}

int
main(void)
{
	struct reply r;
	struct cerr e;
	size_t	i;
	long	got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = (long)reply_parse(cases[i].in, strlen(cases[i].in), &r, &e);
		CHECK_INT(got, cases[i].want, "case %zu bytes", i);
		if (got <= 0)
			continue;
		CHECK_INT(r.code, cases[i].code, "case %zu code", i);
		CHECK_STR(r.text, cases[i].text, "case %zu text", i);
		CHECK_INT(r.ext, cases[i].ext, "case %zu ext", i);
	}
	test_long();
	test_many_lines();
	return TEST_DONE("test_feed_reply");
}
