/*
 * NAME
 *	test_smtp_client - unit tests of the SMTP client engine's protocol
 *	core (lib/smtp_client.c)
 * SYNOPSIS
 *	tests/unit/test_smtp_client
 * DESCRIPTION
 *	The ring of awaited replies (order, full, empty, wrap-around,
 *	clear); pipelined replies matched to their commands by
 *	smtp_client_next() (a partial reply pops nothing, a reply without a
 *	command and a malformed reply are errors); dot-stuffing for DATA;
 *	the BDAT command; the commands' names.
 * DIAGNOSTICS
 *	"test_smtp_client: N passed, N failed"; exit 1 on any failure.
 */
#include <string.h>

#include "smtp_client.h"
#include "testhelp.h"

static void
test_ring(void)
{
	struct smtp_cmdq q;
	struct smtp_pending x;
	int	i;

	CHECK_INT(smtp_cmdq_init(&q, 3), 0, "init");
	CHECK_INT(smtp_cmdq_pop(&q, &x), -1, "pop from an empty ring");
	CHECK_INT(smtp_cmdq_push(&q, SMTP_CMD_MAIL, 1, 0), 0, "push 1");
	CHECK_INT(smtp_cmdq_push(&q, SMTP_CMD_RCPT, 1, 7), 0, "push 2");
	CHECK_INT(smtp_cmdq_push(&q, SMTP_CMD_DATA, 1, 0), 0, "push 3");
	CHECK_INT(smtp_cmdq_push(&q, SMTP_CMD_DOT, 1, 0), -1, "push to a full ring");
	CHECK_INT(smtp_cmdq_pop(&q, &x), 0, "pop 1");
	CHECK_INT(x.kind, SMTP_CMD_MAIL, "oldest first");
	CHECK_INT(smtp_cmdq_pop(&q, &x), 0, "pop 2");
	CHECK_INT(x.kind, SMTP_CMD_RCPT, "second");
	CHECK_INT(x.idx, 7, "recipient index kept");
	CHECK_INT(x.slot, 1, "slot kept");
	for (i = 0; i < 10; i++) {		/* wrap around many times */
		CHECK_INT(smtp_cmdq_push(&q, SMTP_CMD_RCPT, 2, 300 + i), 0, "wrap push %d", i);
		CHECK_INT(smtp_cmdq_pop(&q, &x), 0, "wrap pop %d", i);
		CHECK_INT(x.kind, i == 0 ? SMTP_CMD_DATA : SMTP_CMD_RCPT, "wrap order %d", i);
		if (i > 0)
			CHECK_INT(x.idx, 300 + i - 1, "wrap index %d", i);
	}
	CHECK_INT(q.n, 1, "one left");
	CHECK_INT(smtp_cmdq_pop(&q, &x), 0, "pop the one left");
	CHECK_INT(x.idx, 309, "the last pushed comes last");
	smtp_cmdq_push(&q, SMTP_CMD_QUIT, 0, 0);
	smtp_cmdq_clear(&q);
	CHECK_INT(q.n, 0, "cleared");
	CHECK_INT(smtp_cmdq_pop(&q, &x), -1, "nothing after clear");
	smtp_cmdq_free(&q);
	CHECK(q.q == NULL, "freed");
}

/* test_match - a pipelined transaction's replies, in order */
static void
test_match(void)
{
	static const char in[] = "220 mx ESMTP\r\n250-mx\r\n250-PIPELINING\r\n"
	    "250 CHUNKING\r\n250 2.1.0 Ok\r\n550 5.1.1 no\r\n250 2.1.5 Ok\r\n"
	    "250 2.0.0 Ok: queued as QID1\r\n221 Bye\r\n";
	static const struct { int kind, idx, code; } want[] = {
		{SMTP_CMD_GREET, 0, 220}, {SMTP_CMD_EHLO, 0, 250}, {SMTP_CMD_MAIL, 0, 250},
		{SMTP_CMD_RCPT, 0, 550}, {SMTP_CMD_RCPT, 1, 250}, {SMTP_CMD_BDAT, 0, 250},
	};
	struct smtp_cmdq q;
	struct smtp_pending x;
	struct smtp_reply r;
	struct cerr e;
	size_t	i, pos = 0;
	ssize_t	k;

	smtp_cmdq_init(&q, 16);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		smtp_cmdq_push(&q, want[i].kind, 0, want[i].idx);
	CHECK_INT(smtp_client_next(in, 10, &q, &x, &r, &e), 0, "partial reply");
	CHECK_INT(q.n, 6, "a partial reply pops nothing");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		k = smtp_client_next(in + pos, sizeof(in) - 1 - pos, &q, &x, &r, &e);
		CHECK(k > 0, "reply %zu complete", i);
		if (k <= 0)
			break;
		CHECK_INT(x.kind, want[i].kind, "reply %zu answers its command", i);
		CHECK_INT(x.idx, want[i].idx, "reply %zu recipient", i);
		CHECK_INT(r.code, want[i].code, "reply %zu code", i);
		pos += (size_t)k;
	}
	CHECK_STR(r.qid, "QID1", "queue id of the last");
	CHECK_INT(smtp_client_next(in + pos, sizeof(in) - 1 - pos, &q, &x, &r, &e), -1,
		  "reply without a command");
	CHECK_STR(e.msg, "reply without a command", "its reason");
	smtp_cmdq_push(&q, SMTP_CMD_QUIT, 0, 0);
	CHECK_INT(smtp_client_next("2X0 no\r\n", 8, &q, &x, &r, &e), -1, "malformed reply");
	CHECK_STR(e.msg, "malformed reply line", "its reason");
	smtp_cmdq_free(&q);
}

static void
test_stuffed(void)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{"a\r\n.b\r\n", "a\r\n..b\r\n"},
		{".\r\n", "..\r\n"},
		{"..x\r\n", "...x\r\n"},
		{"no dot\r\n", "no dot\r\n"},
		{"x.y\r\n. \r\n", "x.y\r\n.. \r\n"},
		{".last", "..last"},
		{"", ""},
	};
	struct buf out;
	size_t	i;

	buf_init(&out, 1024);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&out);
		CHECK_INT(smtp_put_stuffed(&out, t[i].in, strlen(t[i].in)), 0, "stuff %zu", i);
		CHECK_STR(buf_cstr(&out), t[i].want, "stuffed \"%s\"", t[i].in);
	}
	buf_free(&out);
	buf_init(&out, 4);
	CHECK_INT(smtp_put_stuffed(&out, ".abcdef\r\n", 9), -1, "output full");
	buf_free(&out);
}

static void
test_bdat_names(void)
{
	char	cmd[SMTP_BDAT_CMD_MAX], small[8];

	CHECK_INT(smtp_bdat_cmd(cmd, sizeof(cmd), 1234), 16, "BDAT length");
	CHECK_STR(cmd, "BDAT 1234 LAST\r\n", "BDAT command");
	CHECK_INT(smtp_bdat_cmd(cmd, sizeof(cmd), (size_t)-1) > 0, 1, "the largest size fits");
	CHECK_INT(smtp_bdat_cmd(small, sizeof(small), 1), -1, "too small a buffer");
	CHECK_STR(smtp_cmd_name(SMTP_CMD_GREET), "greeting", "name of GREET");
	CHECK_STR(smtp_cmd_name(SMTP_CMD_MAIL), "MAIL FROM", "name of MAIL");
	CHECK_STR(smtp_cmd_name(SMTP_CMD_RCPT), "RCPT TO", "name of RCPT");
	CHECK_STR(smtp_cmd_name(SMTP_CMD_DOT), "end of DATA", "name of DOT");
	CHECK_STR(smtp_cmd_name(SMTP_CMD_BDAT), "BDAT", "name of BDAT");
	CHECK_STR(smtp_cmd_name(99), "command", "an unknown kind");
	CHECK_STR(smtp_cmd_name(-1), "command", "a negative kind");
}

int
main(void)
{
	test_ring();
	test_match();
	test_stuffed();
	test_bdat_names();
	return TEST_DONE("test_smtp_client");
}
