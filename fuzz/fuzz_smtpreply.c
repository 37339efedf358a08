/*
 * NAME
 *	fuzz_smtpreply - libFuzzer target: the one SMTP reply parser
 *	(lib/smtp_reply.c), as campaign-feed and campaign-filter read it
 * DESCRIPTION
 *	The input is what a relay or the reinjection listener sends.  First
 *	it goes to smtp_reply_parse() reply after reply, as campaign-feed's
 *	sessions parse their input buffer.  Invariants: the consumed length
 *	is within the input and not zero; the code is 200..599 and the same
 *	three digits start the reply; the line count is 1..SMTP_REPLY_LINES;
 *	the text fits SMTP_TEXT_MAX, is printable ASCII and NUL-terminated
 *	at textlen; the queue id is letters and digits and follows "queued
 *	as " in the input; the enhanced status code is "C.D.D" with the
 *	code's class; the reply parsed on exactly its own bytes is the same
 *	reply, and one byte short of it is never a complete reply.
 *
 *	Then the same bytes are written into one end of a socket pair (then
 *	shut down) and campaign-filter's blocking reader (lib/smtp_conn.c
 *	smtp_reply) reads reply after reply from the other end until an
 *	error (the end of the bytes included): it must give the same codes
 *	in the same order, and its input buffer never holds more than
 *	SMTP_REPLY_BYTES.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "smtp_conn.h"
#include "smtp_reply.h"

#define IN_MAX (128 * 1024)	/* below the socket pair's buffer */
#define REPLIES_MAX 1000

static int	codes[REPLIES_MAX];

static int
alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static void
check_fields(const struct smtp_reply *r, const char *p, size_t used)
{
	const char *q;
	size_t	i;

	if (r->textlen >= SMTP_TEXT_MAX || strlen(r->text) != r->textlen)
		abort();
	for (i = 0; i < r->textlen; i++)
		if (r->text[i] < 0x20 || r->text[i] > 0x7e)
			abort();
	for (i = 0; r->qid[i]; i++)
		if (i >= SMTP_QID_MAX - 1 || !alnum(r->qid[i]))
			abort();
	if (r->qid[0] != '\0' && ((q = memmem(p, used, "queued as ", 10)) == NULL
				  || memcmp(q + 10, r->qid, strlen(r->qid)) != 0))
		abort();
	if (r->enh[0] != '\0' && (r->enh[0] - '0' != r->code / 100 || r->enh[1] != '.'
				  || strlen(r->enh) >= SMTP_ENH_MAX))
		abort();
}

static void
check_reply(const struct smtp_reply *r, const char *p, ssize_t used, size_t len)
{
	struct smtp_reply r2;
	struct cerr e;

	if (used <= 0 || (size_t)used > len)
		abort();
	if (r->code < 200 || r->code > 599 || p[0] - '0' != r->code / 100
	    || p[1] - '0' != r->code / 10 % 10 || p[2] - '0' != r->code % 10)
		abort();
	if (r->nlines < 1 || r->nlines > SMTP_REPLY_LINES)
		abort();
	check_fields(r, p, (size_t)used);
	if (smtp_reply_parse(p, (size_t)used, &r2, &e) != used || r2.code != r->code
	    || strcmp(r2.text, r->text) != 0 || strcmp(r2.qid, r->qid) != 0
	    || r2.ext != r->ext)
		abort();
	if (smtp_reply_parse(p, (size_t)used - 1, &r2, &e) > 0)
		abort();
}

/* parse_all - the feeder's way; the codes into codes[], their number */
static int
parse_all(const char *p, size_t size)
{
	struct smtp_reply r;
	struct cerr e;
	ssize_t	n;
	int	k = 0;

	while (size > 0 && k < REPLIES_MAX) {
		if ((n = smtp_reply_parse(p, size, &r, &e)) <= 0)
			break;
		check_reply(&r, p, n, size);
		codes[k++] = r.code;
		p += n;
		size -= (size_t)n;
	}
	return k;
}

/* read_all - the filter's way, through a socket: the same codes */
static void
read_all(const uint8_t *data, size_t size, int want)
{
	struct smtp s;
	struct smtp_reply r;
	struct cerr e;
	int	sv[2], code, n = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	if (size > 0 && write(sv[1], data, size) != (ssize_t)size)
		abort();
	(void)shutdown(sv[1], SHUT_WR);
	smtp_init(&s, smtp_now_ms() + 5000);
	s.fd = sv[0];
	while (n < want && (code = smtp_reply(&s, &r, &e)) >= 0) {
		if (code != codes[n++] || s.in.len > SMTP_REPLY_BYTES)
			abort();
	}
	if (n != want)
		abort();
	smtp_close(&s);
	close(sv[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int	n;

	if (size > IN_MAX)
		return 0;
	n = parse_all((const char *)data, size);
	read_all(data, size, n);
	return 0;
}
