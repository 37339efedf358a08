/*
 * NAME
 *	test_filter_smtp - unit tests of the filter's SMTP client and
 *	reinjection (lib/smtp_conn.c, filter/reinject.c; the reply parser's
 *	tables are test_smtp_reply's)
 * SYNOPSIS
 *	tests/unit/test_filter_smtp
 * DESCRIPTION
 *	Whole transactions against a scripted
 *	server in a child process on a free loopback port: success (queue id,
 *	pipelined envelope, dot-stuffed data as sent), a refused recipient
 *	(no data sent, failure), a server that never answers (the deadline),
 *	a server that closes the connection.
 * DIAGNOSTICS
 *	"test_filter_smtp: N passed, N failed"; exit 1 on any failure.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reinject.h"
#include "smtp_conn.h"
#include "testhelp.h"

enum mode { GOOD, REFUSE_RCPT, SILENT, HANGUP };

/* serve - the scripted server: one connection, transcript to out */
static void
serve(int lfd, enum mode mode, int out)
{
	char	buf[65536];
	int	fd = accept(lfd, NULL, NULL), in_data = 0;
	ssize_t	n;
	size_t	len = 0;

	if (mode == HANGUP || mode == SILENT) {
		if (mode == SILENT)
			sleep(5);
		_exit(0);
	}
	dprintf(fd, "220 fake ESMTP\r\n");
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		char   *line, *nl;

		(void) write(out, buf + len, (size_t) n);
		len += (size_t) n;
		buf[len] = '\0';
		for (line = buf; (nl = strstr(line, "\r\n")) != NULL; line = nl + 2) {
			*nl = '\0';
			if (in_data) {
				if (strcmp(line, ".") == 0) {
					dprintf(fd, "250 2.0.0 Ok: queued as NEWQID42\r\n");
					in_data = 0;
				}
			} else if (strncmp(line, "EHLO", 4) == 0)
				dprintf(fd, "250-fake\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
			else if (strncmp(line, "RCPT", 4) == 0)
				dprintf(fd, mode == REFUSE_RCPT && strstr(line, "bad")
					? "550 5.1.1 no\r\n" : "250 2.1.5 Ok\r\n");
			else if (strncmp(line, "DATA", 4) == 0) {
				dprintf(fd, "354 go\r\n");
				in_data = 1;
			} else if (strncmp(line, "QUIT", 4) == 0) {
				dprintf(fd, "221 bye\r\n");
				_exit(0);
			} else
				dprintf(fd, "250 Ok\r\n");
		}
		len = strlen(line);
		memmove(buf, line, len);
	}
	_exit(0);
}

/* transact - run reinject() against a scripted server */
static int
transact(enum mode mode, const char *const *rcpts, int nrcpt, const char *data,
	 char *qid, struct buf *transcript, struct cerr *e)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t slen = sizeof(sin);
	struct spool sp;
	char	to[64], tmp[4096];
	int	lfd, p[2], r;
	pid_t	pid;
	ssize_t	n;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	bind(lfd, (struct sockaddr *) &sin, sizeof(sin));
	listen(lfd, 1);
	getsockname(lfd, (struct sockaddr *) &sin, &slen);
	snprintf(to, sizeof(to), "127.0.0.1:%d", ntohs(sin.sin_port));
	if (pipe(p) < 0 || (pid = fork()) < 0)
		return -2;
	if (pid == 0) {
		close(p[0]);
		serve(lfd, mode, p[1]);
	}
	close(p[1]);
	close(lfd);
	spool_init(&sp, 1 << 20, NULL);
	spool_write(&sp, data, strlen(data), e);
	{
		struct reinject rq = {to, "localhost", "bounces@example.com", rcpts, nrcpt,
		smtp_now_ms() + (mode == SILENT ? 500 : 5000)};

		r = reinject(&rq, &sp, qid, 64, e);
	}
	spool_free(&sp);
	kill(pid, SIGTERM);
	buf_reset(transcript);
	while ((n = read(p[0], tmp, sizeof(tmp))) > 0)
		buf_append(transcript, tmp, (size_t) n);
	close(p[0]);
	waitpid(pid, NULL, 0);
	return r;
}

static void
test_transactions(void)
{
	static const char *const good[] = {"a@example.com", "b@example.org"};
	static const char *const mixed[] = {"a@example.com", "bad@example.org"};
	struct buf tr;
	struct cerr e;
	char	qid[64] = "";

	buf_init(&tr, 1 << 20);
	CHECK_INT(transact(GOOD, good, 2, "Subject: x\r\n\r\n..dot\r\n", qid, &tr, &e), 0,
		  "good transaction");
	CHECK_STR(qid, "NEWQID42", "queue id from the 250 reply");
	CHECK_STR(buf_cstr(&tr), "EHLO localhost\r\nMAIL FROM:<bounces@example.com>\r\n"
		  "RCPT TO:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n"
		  "Subject: x\r\n\r\n..dot\r\n.\r\nQUIT\r\n", "transcript");
	CHECK_INT(transact(REFUSE_RCPT, mixed, 2, "A: b\r\n\r\n", qid, &tr, &e), -1,
		  "a refused recipient fails the transaction");
	CHECK(strstr(e.msg, "RCPT TO: 550 5.1.1 no") != NULL, "reason names RCPT: %s", e.msg);
	CHECK(strstr(buf_cstr(&tr), "A: b") == NULL, "no data sent after a refusal");
	CHECK_INT(transact(SILENT, good, 1, "A: b\r\n\r\n", qid, &tr, &e), -1,
		  "silent server fails");
	CHECK(strstr(e.msg, "timed out") != NULL, "deadline reason: %s", e.msg);
	CHECK_INT(transact(HANGUP, good, 1, "A: b\r\n\r\n", qid, &tr, &e), -1,
		  "server hangs up");
	buf_free(&tr);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_transactions();
	return TEST_DONE("test_filter_smtp");
}
