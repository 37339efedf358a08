/*
 * NAME
 *	lmtp - campaign-bounce --lmtp: many messages in one process, as an
 *	LMTP server on stdin/stdout (run by Postfix's spawn(8))
 * SYNOPSIS
 *	#include "bounce.h"
 *
 *	status = lmtp_serve(&run, stdin, stdout);
 * DESCRIPTION
 *	One process per DSN (pipe(8)) costs a process start per bounce; a
 *	large campaign's bounces arrive together, so Postfix's lmtp(8)
 *	client can instead hand them over one connection: master.cf runs
 *	campaign-bounce --lmtp through spawn(8) with the connection on
 *	stdin and stdout, and lmtp(8) keeps the connection for the next
 *	message while there is a backlog.
 *
 *	The dialogue (RFC 2033): "220" greeting; LHLO gets PIPELINING,
 *	ENHANCEDSTATUSCODES, 8BITMIME, XFORWARD IDENT and DSN (so lmtp(8)
 *	sends the queue id, with lmtp_send_xforward_command, and ORCPT with
 *	the original, VERP recipient); MAIL, RCPT (at most LMTP_RCPT_MAX per
 *	transaction, ORCPT=rfc822;xtext kept as the envelope recipient, else
 *	the RCPT address), XFORWARD IDENT= (the queue id, first on the
 *	verdict line; lmtp(8) sends it for relayed mail but not for the DSNs
 *	Postfix makes itself, which get "L<pid>N<message>R<recipient>",
 *	also named in the 250 reply that lmtp(8) logs), DATA (dot-unstuffed; the first BOUNCE_READ_MAX
 *	bytes are kept, the rest is read and dropped), RSET, NOOP, QUIT.
 *	After DATA, one reply per recipient: the message is parsed and the
 *	policy applied for that recipient's envelope address (report.c,
 *	apply.c); 250 when handled, 451 4.3.0 when bounce_apply() asked for
 *	a retry (a database error), so lmtp(8) defers only that recipient.
 *	A command line over LMTP_LINE_MAX bytes gets 500 and the session
 *	goes on; anything unknown gets 502.
 *	Returns 0 at QUIT or end of input, 75 on a write error.
 * DIAGNOSTICS
 *	LMTP replies on out; the verdict lines and warnings are apply.c's.
 * SEE ALSO
 *	RFC 2033, RFC 3461 (ORCPT, xtext), spawn(8), lmtp(8), apply.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "bounce.h"
#include "clog.h"

#define LMTP_LINE_MAX	4096
#define LMTP_RCPT_MAX	100

struct lmtp {
	struct bounce_run *run;
	FILE   *in, *out;
	struct buf line, msg;
	char	rcpt[LMTP_RCPT_MAX][ADDR_PATH_MAX + 1];
	char	qid[32];			/* XFORWARD IDENT, "" none */
	int	nrcpt, mail, seq;
};

static int
reply(struct lmtp *l, const char *text)
{
	return fprintf(l->out, "%s\r\n", text) < 0 || fflush(l->out) == EOF ? -1 : 0;
}

/* get_line - one line without CRLF; 1, 0 at end, -1 too long (consumed) */
static int
get_line(struct lmtp *l)
{
	int	r;

	buf_reset(&l->line);
	if ((r = buf_getline(&l->line, l->in)) <= 0)
		return r < 0 && errno == EMSGSIZE ? -1 : 0;
	while (l->line.len && (l->line.data[l->line.len - 1] == '\n' || l->line.data[l->line.len - 1] == '\r'))
		l->line.data[--l->line.len] = '\0';
	return 1;
}

/* xtext - decode RFC 3461 xtext ("+2B" is '+') into out */
static int
xtext(const char *s, size_t n, char *out, size_t outlen)
{
	size_t	i, o = 0;
	unsigned int c;

	for (i = 0; i < n; i++) {
		if (o + 1 >= outlen)
			return -1;
		if (s[i] == '+' && i + 2 < n && isxdigit((unsigned char)s[i + 1])
		    && isxdigit((unsigned char)s[i + 2]) && sscanf(s + i + 1, "%2x", &c) == 1) {
			out[o++] = (char)c;
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return 0;
}

/* envelope - the RCPT's address, or its ORCPT=rfc822; original */
static int
envelope(const char *arg, char out[ADDR_PATH_MAX + 1])
{
	const char *lt = strchr(arg, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	const char *o = strcasestr(arg, " ORCPT=rfc822;");
	size_t	n;

	if (o != NULL) {
		o += strlen(" ORCPT=rfc822;");
		n = strcspn(o, " ");
		if (xtext(o, n, out, ADDR_PATH_MAX + 1) == 0 && out[0])
			return 0;
	}
	if (lt == NULL || gt == NULL || (size_t)(gt - lt - 1) > ADDR_PATH_MAX)
		return -1;
	memcpy(out, lt + 1, (size_t)(gt - lt - 1));
	out[gt - lt - 1] = '\0';
	return 0;
}

/* read_data - the message up to ".", dot-unstuffed, kept up to the maximum */
static int
read_data(struct lmtp *l)
{
	int	r, stuffed;

	buf_reset(&l->msg);
	for (;;) {
		if ((r = get_line(l)) == 0)
			return -1;
		if (r > 0 && strcmp(l->line.data, ".") == 0)
			return 0;
		if (r < 0 || l->msg.len >= l->msg.max)
			continue;	/* an over-long line, or past the maximum: dropped */
		stuffed = l->line.data[0] == '.';
		if (buf_append(&l->msg, l->line.data + stuffed, l->line.len - stuffed) == 0)
			(void)buf_putc(&l->msg, '\n');
	}
}

/* deliver - after DATA: one reply per recipient */
static int
deliver(struct lmtp *l)
{
	struct verdict v;
	char	qid[48], text[96];
	int	i, ok;

	if (reply(l, "354 End data with <CR><LF>.<CR><LF>") < 0)
		return -1;
	if (read_data(l) < 0)
		return -1;
	for (i = 0; i < l->nrcpt; i++) {
		if (l->qid[0])
			snprintf(qid, sizeof(qid), "%s", l->qid);
		else
			snprintf(qid, sizeof(qid), "L%ldN%dR%d", (long)getpid(), l->seq, i);
		ok = bounce_parse(&l->run->bc, l->msg.data ? l->msg.data : "", l->msg.len,
		    l->rcpt[i], &v) == 0 && bounce_apply(&l->run->ba, &v, qid) == 0;
		snprintf(text, sizeof(text), "%s %s", ok ? "250 2.0.0 Ok: handled as"
		    : "451 4.3.0 try again later; see", qid);
		if (reply(l, text) < 0)
			return -1;
	}
	l->seq++;
	l->nrcpt = l->mail = 0;
	l->qid[0] = '\0';
	return 0;
}

/* xforward - keep IDENT= (the queue id of the message to come) */
static int
xforward(struct lmtp *l, const char *args)
{
	const char *p = strcasestr(args, "IDENT=");
	size_t	n, i;

	if (p != NULL && (p == args || p[-1] == ' ')) {
		p += 6;
		n = strcspn(p, " ");
		for (i = 0; i < n && i + 1 < sizeof(l->qid) && isalnum((unsigned char)p[i]); i++)
			l->qid[i] = p[i];
		l->qid[i] = '\0';
	}
	return reply(l, "250 2.0.0 Ok");
}

/* command - one command line; -1 ends the session (QUIT or write error) */
static int
command(struct lmtp *l)
{
	const char *c = l->line.data;

	if (!strncasecmp(c, "LHLO ", 5))
		return reply(l, "250-campaign-bounce\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n"
		    "250-8BITMIME\r\n250-XFORWARD IDENT\r\n250 DSN");
	if (!strncasecmp(c, "XFORWARD ", 9))
		return xforward(l, c + 9);
	if (!strncasecmp(c, "MAIL FROM:", 10))
		return l->mail = 1, l->nrcpt = 0, reply(l, "250 2.1.0 Ok");
	if (!strncasecmp(c, "RCPT TO:", 8)) {
		if (!l->mail)
			return reply(l, "503 5.5.1 MAIL first");
		if (l->nrcpt >= LMTP_RCPT_MAX)
			return reply(l, "452 4.5.3 too many recipients");
		if (envelope(c + 8, l->rcpt[l->nrcpt]) < 0)
			return reply(l, "501 5.1.3 bad recipient address syntax");
		return l->nrcpt++, reply(l, "250 2.1.5 Ok");
	}
	if (!strcasecmp(c, "DATA"))
		return l->nrcpt ? deliver(l) : reply(l, "503 5.5.1 RCPT first");
	if (!strcasecmp(c, "RSET"))
		return l->mail = l->nrcpt = 0, l->qid[0] = '\0', reply(l, "250 2.0.0 Ok");
	if (!strcasecmp(c, "NOOP"))
		return reply(l, "250 2.0.0 Ok");
	if (!strcasecmp(c, "QUIT"))
		return reply(l, "221 2.0.0 Bye"), -1;
	return reply(l, "502 5.5.2 command not implemented");
}

int
lmtp_serve(struct bounce_run *run, FILE *in, FILE *out)
{
	struct lmtp l;
	int	r, status = EX_OK;

	memset(&l, 0, sizeof(l));
	l.run = run;
	l.in = in;
	l.out = out;
	buf_init(&l.line, LMTP_LINE_MAX);
	buf_init(&l.msg, BOUNCE_READ_MAX);
	if (reply(&l, "220 campaign-bounce LMTP") < 0)
		status = EX_TEMPFAIL;
	while (status == EX_OK && (r = get_line(&l)) != 0) {
		if (r < 0 ? reply(&l, "500 5.5.2 line too long") < 0 : command(&l) < 0)
			break;
	}
	if (ferror(out))
		status = EX_TEMPFAIL;
	buf_free(&l.line);
	buf_free(&l.msg);
	return status;
}
