/*
 * NAME
 *	test_smtp_reply - unit tests of the one SMTP reply parser
 *	(lib/smtp_reply.c)
 * SYNOPSIS
 *	tests/unit/test_smtp_reply
 * DESCRIPTION
 *	Tables for smtp_reply_parse(): complete, partial and broken replies
 *	(bytes taken, code, text, EHLO extensions); the enhanced status
 *	code; the queue id of "queued as"; the bounds (line length, lines
 *	per reply); replies read one after the other as a pipelining client
 *	reads them.
 * DIAGNOSTICS
 *	"test_smtp_reply: N passed, N failed"; exit 1 on any failure.
 */
#include <string.h>

#include "smtp_reply.h"
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
	 SMTP_EXT_PIPELINING | SMTP_EXT_SIZE | SMTP_EXT_8BITMIME},
	{"250-a\r\n250 PIPELININGX\r\n", 24, 250, "250-a PIPELININGX", 0},
	{"250-a\r\n250-CHUNKING\r\n250 PIPELINING\r\n", 37, 250,
	 "250-a CHUNKING PIPELINING", SMTP_EXT_CHUNKING | SMTP_EXT_PIPELINING},
	{"250-a\r\n250-pipelining\r\n250 SMTPUTF8\r\n", 37, 250,
	 "250-a pipelining SMTPUTF8", SMTP_EXT_PIPELINING | SMTP_EXT_SMTPUTF8},
	{"250-a\r\n250-PIPE\r\n250 SMTPUTF8X\r\n", 32, 250, "250-a PIPE SMTPUTF8X", 0},
	{"250 PIPELINING\r\n", 16, 250, "250 PIPELINING", 0},	/* line 1: domain */
	{"220-a\r\n220 PIPELINING\r\n", 23, 220, "220-a PIPELINING", 0},	/* not 250 */
	{"550 5.1.1 no\x01 such\r\n", 20, 550, "550 5.1.1 no? such", 0},
	{"550 5.1.1 8bit \xc3\xa9\r\n", 19, 550, "550 5.1.1 8bit ??", 0},
	{"250\r\n", 5, 250, "250", 0},
	{"250\n", 4, 250, "250", 0},
	{"354\r\n", 5, 354, "354", 0},
	{"451 4.3.0 try later\n", 20, 451, "451 4.3.0 try later", 0},
	{"250-a\n250 b\n", 12, 250, "250-a b", 0},
	{"250-a\r\n550 b\r\n", -1, 0, "", 0},
	{"25x ok\r\n", -1, 0, "", 0},
	{"250_ok\r\n", -1, 0, "", 0},
	{"2500 x\r\n", -1, 0, "", 0},
	{"25 short\r\n", -1, 0, "", 0},
	{"abc def\r\n", -1, 0, "", 0},
	{"150 ok\r\n", -1, 0, "", 0},
	{"650 bad class\r\n", -1, 0, "", 0},
	{"2X0 what\r\n", -1, 0, "", 0},
	{"\x00\xff\xfe junk\r\n", -1, 0, "", 0},
	{"\r\n", -1, 0, "", 0},
};

static void
test_cases(void)
{
	struct smtp_reply r;
	struct cerr e;
	size_t	i, n;
	long	got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* the junk case starts with a NUL byte: its length by hand */
		n = cases[i].in[0] == '\0' ? 10 : strlen(cases[i].in);
		got = (long)smtp_reply_parse(cases[i].in, n, &r, &e);
		CHECK_INT(got, cases[i].want, "case %zu bytes", i);
		if (got <= 0)
			continue;
		CHECK_INT(r.code, cases[i].code, "case %zu code", i);
		CHECK_STR(r.text, cases[i].text, "case %zu text", i);
		CHECK_INT(r.ext, cases[i].ext, "case %zu ext", i);
	}
}

static void
test_enh(void)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{"550 5.1.1 no such user\r\n", "5.1.1"},
		{"250 2.0.0 Ok: queued as X\r\n", "2.0.0"},
		{"451 4.7.1 Service unavailable\r\n", "4.7.1"},
		{"250 2.1.5\r\n", "2.1.5"},
		{"554 5.123.456 x\r\n", "5.123.456"},
		{"550-5.1.1 first\r\n550 5.1.1 second\r\n", ""},	/* continued */
		{"550 4.1.1 class differs\r\n", ""},
		{"550 5.1234.1 too long\r\n", ""},
		{"550 5.1.1x no space\r\n", ""},
		{"550 5..1 empty\r\n", ""},
		{"550 no code\r\n", ""},
		{"550\r\n", ""},
	};
	struct smtp_reply r;
	struct cerr e;
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK(smtp_reply_parse(t[i].in, strlen(t[i].in), &r, &e) > 0,
		      "enh case %zu parses", i);
		CHECK_STR(r.enh, t[i].want, "enhanced status of \"%s\"", t[i].in);
	}
}

static void
test_qid(void)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{"250 2.0.0 Ok: queued as 4Xb2Qk0ZzVz9sWP\r\n", "4Xb2Qk0ZzVz9sWP"},
		{"250 2.0.0 Ok: queued as 3F2A81C0D4 (extra)\r\n", "3F2A81C0D4"},
		{"250-first\r\n250 Ok: queued as ABC123\r\n", "ABC123"},
		{"250 Ok\r\n", ""},
		{"250 queued as \r\n", ""},
		{"250 queued as !x\r\n", ""},
		{"250 queued as \r\n250 queued as LATER\r\n", ""},	/* the first counts */
		{"250 queued as "
		 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n", ""},
		{"250 queued as "
		 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n",
		 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
	};
	struct smtp_reply r;
	struct cerr e;
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK(smtp_reply_parse(t[i].in, strlen(t[i].in), &r, &e) > 0,
		      "qid case %zu parses", i);
		CHECK_STR(r.qid, t[i].want, "queue id of \"%s\"", t[i].in);
	}
}

static void
test_long(void)
{
	struct smtp_reply r;
	struct cerr e;
	static char big[SMTP_LINE_MAX + 100];

	memset(big, 'x', sizeof(big));
	memcpy(big, "250 ", 4);
	CHECK_INT(smtp_reply_parse(big, sizeof(big), &r, &e), -1, "unterminated overlong line");
	CHECK(strstr(e.msg, "reply line over") != NULL, "overlong reason: %s", e.msg);
	big[SMTP_LINE_MAX + 50] = '\n';
	CHECK_INT(smtp_reply_parse(big, sizeof(big), &r, &e), -1, "overlong line");
	big[SMTP_LINE_MAX + 50] = 'x';
	CHECK_INT(smtp_reply_parse(big, 100, &r, &e), 0, "partial line under the limit");
	big[SMTP_LINE_MAX] = '\n';
	CHECK_INT(smtp_reply_parse(big, SMTP_LINE_MAX + 1, &r, &e), SMTP_LINE_MAX + 1,
		  "a line of exactly the limit");
	CHECK_INT(r.textlen, SMTP_TEXT_MAX - 1, "text cut to the limit");
	CHECK_INT(strlen(r.text), SMTP_TEXT_MAX - 1, "text NUL-terminated");
}

static void
test_many_lines(void)
{
	struct smtp_reply r;
	struct cerr e;
	char	b[2000] = "";
	int	i;

	for (i = 0; i < SMTP_REPLY_LINES - 1; i++)
		strcat(b, "250-x\r\n");
	strcat(b, "250 y\r\n");
	CHECK_INT(smtp_reply_parse(b, strlen(b), &r, &e), (long)strlen(b), "the most lines");
	CHECK_INT(r.nlines, SMTP_REPLY_LINES, "line count");
	b[0] = '\0';
	for (i = 0; i < SMTP_REPLY_LINES + 1; i++)
		strcat(b, "250-x\r\n");
	strcat(b, "250 y\r\n");
	CHECK_INT(smtp_reply_parse(b, strlen(b), &r, &e), -1, "too many lines");
}

/* test_stream - pipelined replies read one after the other */
static void
test_stream(void)
{
	static const char in[] = "220 mx ESMTP\r\n250-mx\r\n250-PIPELINING\r\n"
	    "250 CHUNKING\r\n250 2.1.0 Ok\r\n550 5.1.1 <x@y>: no\r\n"
	    "250 2.0.0 Ok: queued as 4Q7xLa0\r\n221 2.0.0 Bye\r\n";
	static const int want[] = {220, 250, 250, 550, 250, 221};
	struct smtp_reply r;
	struct cerr e;
	size_t	pos = 0, i;
	ssize_t	k;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		k = smtp_reply_parse(in + pos, sizeof(in) - 1 - pos, &r, &e);
		CHECK(k > 0, "stream reply %zu complete", i);
		if (k <= 0)
			return;
		CHECK_INT(r.code, want[i], "stream reply %zu code", i);
		if (i == 1)
			CHECK_INT(r.ext, SMTP_EXT_PIPELINING | SMTP_EXT_CHUNKING, "stream EHLO");
		if (i == 4)
			CHECK_STR(r.qid, "4Q7xLa0", "stream queue id");
		pos += (size_t)k;
	}
	CHECK_INT(pos, sizeof(in) - 1, "every byte taken");
}

int
main(void)
{
	test_cases();
	test_enh();
	test_qid();
	test_long();
	test_many_lines();
	test_stream();
	return TEST_DONE("test_smtp_reply");
}
