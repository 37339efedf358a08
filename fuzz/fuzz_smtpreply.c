/*
 * NAME
 *	fuzz_smtpreply - libFuzzer target: campaign-filter's reinjection
 *	reply reader (filter/smtp.c smtp_reply, smtp_parse_line,
 *	smtp_queue_id, smtp_has_ext)
 * SOURCES: filter/smtp.c
 * DESCRIPTION
 *	The input is what the reinjection listener sends: it is written into
 *	one end of a socket pair (then shut down), and the filter's client
 *	reads reply after reply from the other end, as reinject.c does, until
 *	an error (the end of the bytes included).  Each reply also goes
 *	through smtp_queue_id() and smtp_has_ext().
 *	Invariants: a reply's code is 200..599 and its three digits start
 *	every line; its text is printable ASCII with lines joined by LF and
 *	stays under SMTP_REPLY_MAX; the queue id is letters and digits, fits
 *	its buffer and appears in the text after "queued as "; the input
 *	buffer never holds more than SMTP_LINE_MAX bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "smtp.h"

#define IN_MAX (128 * 1024)	/* below the socket pair's buffer */
#define REPLIES_MAX 1000

static void
check_text(const struct buf *t, int code)
{
	const char *p = buf_cstr(t), *nl;
	size_t	i;

	if (t->len >= SMTP_REPLY_MAX || strlen(p) != t->len)
		abort();
	for (i = 0; i < t->len; i++)
		if ((p[i] < 32 || p[i] > 126) && p[i] != '\n')
			abort();
	for (;; p = nl + 1) {		/* each line starts with the code */
		if (p[0] - '0' != code / 100 || p[1] - '0' != code / 10 % 10
		    || p[2] - '0' != code % 10)
			abort();
		if ((nl = strchr(p, '\n')) == NULL)
			break;
	}
}

static void
check_qid(const char *text)
{
	char	qid[16];
	size_t	i;

	if (smtp_queue_id(text, qid, sizeof(qid)) < 0)
		return;
	if (qid[0] == '\0' || strlen(qid) >= sizeof(qid))
		abort();
	for (i = 0; qid[i]; i++)
		if (!((qid[i] >= '0' && qid[i] <= '9') || (qid[i] >= 'A' && qid[i] <= 'Z')
		      || (qid[i] >= 'a' && qid[i] <= 'z')))
			abort();
	if (strstr(strstr(text, "queued as "), qid) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp s;
	struct buf text;
	struct cerr e;
	int	sv[2], code, n = 0;

	if (size > IN_MAX)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	if (size > 0 && write(sv[1], data, size) != (ssize_t)size)
		abort();
	(void)shutdown(sv[1], SHUT_WR);
	smtp_init(&s, smtp_now_ms() + 5000);
	s.fd = sv[0];
	buf_init(&text, SMTP_REPLY_MAX + 1);	/* as reinject() */
	while (n++ < REPLIES_MAX && (code = smtp_reply(&s, &text, &e)) >= 0) {
		if (code < 200 || code > 599 || s.in.len > SMTP_LINE_MAX)
			abort();
		check_text(&text, code);
		check_qid(buf_cstr(&text));
		(void)smtp_has_ext(buf_cstr(&text), "PIPELINING");
		(void)smtp_has_ext(buf_cstr(&text), "SMTPUTF8");
	}
	buf_free(&text);
	smtp_close(&s);
	close(sv[1]);
	return 0;
}
