/*
 * NAME
 *	test_filter_pipeline - filter/pipeline.c against a scripted server:
 *	BDAT transactions in flight and their outcomes in order, the copy
 *	sent unstuffed; the DATA path without CHUNKING; a 5xx to MAIL that
 *	is not the recipient's (reported as 451)
 * DIAGNOSTICS
 *	"test_filter_pipeline: N passed, N failed"; exit 1 on any failure.
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

#include "pipeline.h"
#include "testhelp.h"

struct srv {
	int	fd, chunking, rcpt_ok, in_data, nq;
	size_t	chunk_left;
};

/* answer - the reply to one command line */
static void
answer(struct srv *s, const char *line)
{
	if (strncmp(line, "EHLO", 4) == 0)
		dprintf(s->fd, "250-fake\r\n250-PIPELINING\r\n%s250 8BITMIME\r\n",
			s->chunking ? "250-CHUNKING\r\n" : "");
	else if (strncmp(line, "MAIL", 4) == 0)
		dprintf(s->fd, strstr(line, "mailfail") ? "550 5.7.1 sender\r\n" : "250 Ok\r\n");
	else if (strncmp(line, "RCPT", 4) == 0) {
		s->rcpt_ok = strstr(line, "bad") == NULL && strstr(line, "busy") == NULL;
		dprintf(s->fd, strstr(line, "bad") ? "550 5.1.1 no\r\n" : strstr(line, "busy")
			? "451 4.3.0 busy\r\n" : "250 Ok\r\n");
	} else if (strncmp(line, "DATA", 4) == 0) {
		s->in_data = s->rcpt_ok;
		dprintf(s->fd, s->rcpt_ok ? "354 go\r\n" : "554 5.5.1 no valid recipients\r\n");
	} else if (strncmp(line, "QUIT", 4) == 0) {
		dprintf(s->fd, "221 bye\r\n");
		_exit(0);
	} else if (strncmp(line, "RSET", 4) == 0) {
		s->rcpt_ok = 0;
		dprintf(s->fd, "250 Ok\r\n");
	} else
		dprintf(s->fd, "500 what\r\n");
}

/* end_of_message - the reply after a chunk or the final dot */
static void
end_of_message(struct srv *s)
{
	if (s->rcpt_ok)
		dprintf(s->fd, "250 2.0.0 Ok: queued as Q%d\r\n", ++s->nq);
	else
		dprintf(s->fd, "554 5.5.1 no valid recipients\r\n");
}

/* take - handle buf[0..len): lines, BDAT chunks, DATA; returns bytes used */
static size_t
take(struct srv *s, char *buf, size_t len)
{
	size_t	pos = 0, n;
	char   *nl;

	while (pos < len) {
		if (s->chunk_left) {
			n = len - pos < s->chunk_left ? len - pos : s->chunk_left;
			pos += n;
			if ((s->chunk_left -= n) == 0)
				end_of_message(s);
			continue;
		}
		if ((nl = memchr(buf + pos, '\n', len - pos)) == NULL)
			break;
		*nl = '\0';
		if (nl > buf + pos && nl[-1] == '\r')
			nl[-1] = '\0';
		if (s->in_data) {
			if (strcmp(buf + pos, ".") == 0)
				s->in_data = 0, end_of_message(s);
		} else if (strncmp(buf + pos, "BDAT ", 5) == 0) {
			s->chunk_left = strtoul(buf + pos + 5, NULL, 10);
		} else
			answer(s, buf + pos);
		pos = (size_t)(nl - buf) + 1;
	}
	return pos;
}

/* serve - one connection; everything read is copied to out */
static void
serve(int lfd, int chunking, int out)
{
	struct srv s = {.fd = accept(lfd, NULL, NULL), .chunking = chunking};
	static char buf[1 << 16];
	size_t	len = 0, used;
	ssize_t	n;

	dprintf(s.fd, "220 fake ESMTP\r\n");
	while ((n = read(s.fd, buf + len, sizeof(buf) - len)) > 0) {
		(void)write(out, buf + len, (size_t)n);
		len += (size_t)n;
		used = take(&s, buf, len);
		memmove(buf, buf + used, len - used);
		len -= used;
	}
	_exit(0);
}

static char got[512];

static int
done(void *ctx, long idx, int code, const char *reply, const char *qid)
{
	(void)ctx, (void)reply;
	snprintf(got + strlen(got), sizeof(got) - strlen(got), "%ld:%d:%s ", idx, code,
		 code == 250 ? qid : "-");
	return 0;
}

/* run - five copies through pl_send/pl_drain; the transcript in tr */
static int
run(int chunking, struct buf *tr, struct cerr *e)
{
	static const char *const rcpt[] = {"a@x", "bad@x", "busy@x", "d@x", "e@x"};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t slen = sizeof(sin);
	struct pipeline pl;
	struct buf data;
	char	to[64], tmp[4096];
	int	lfd, p[2], r = 0, i;
	pid_t	pid;
	ssize_t	n;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	bind(lfd, (struct sockaddr *)&sin, sizeof(sin));
	listen(lfd, 1);
	getsockname(lfd, (struct sockaddr *)&sin, &slen);
	snprintf(to, sizeof(to), "127.0.0.1:%d", ntohs(sin.sin_port));
	if (pipe(p) < 0 || (pid = fork()) < 0)
		return -2;
	if (pid == 0) {
		close(p[0]);
		serve(lfd, chunking, p[1]);
	}
	close(p[1]);
	close(lfd);
	got[0] = '\0';
	buf_init(&data, 1 << 16);
	r = pl_open(&pl, to, "localhost", smtp_now_ms() + 5000, 3, done, NULL, e);
	for (i = 0; r == 0 && i < 5; i++) {
		buf_set(&data, "A: b\r\n\r\n..dot\r\n", 15);
		r = pl_send(&pl, i + 1, i == 4 ? "mailfail@x" : "rp@x", rcpt[i], 0, &data, e);
	}
	if (r == 0)
		r = pl_drain(&pl, e);
	pl_close(&pl);
	buf_free(&data);
	buf_reset(tr);
	while ((n = read(p[0], tmp, sizeof(tmp))) > 0)
		buf_append(tr, tmp, (size_t)n);
	close(p[0]);
	waitpid(pid, NULL, 0);
	return r;
}

int
main(void)
{
	struct buf tr;
	struct cerr e;

	signal(SIGPIPE, SIG_IGN);
	buf_init(&tr, 1 << 20);
	CHECK_INT(run(1, &tr, &e), 0, "BDAT session: %s", e.msg);
	CHECK_STR(got, "1:250:Q1 2:550:- 3:451:- 4:250:Q2 5:451:- ", "BDAT outcomes in order");
	CHECK(strstr(buf_cstr(&tr), "RSET\r\nMAIL FROM:<rp@x>\r\nRCPT TO:<a@x>\r\n"
		     "BDAT 14 LAST\r\nA: b\r\n\r\n.dot\r\nRSET\r\n") != NULL,
	      "RSET first, BDAT of the unstuffed copy");
	CHECK_INT(run(0, &tr, &e), 0, "DATA session: %s", e.msg);
	CHECK_STR(got, "1:250:Q1 2:550:- 3:451:- 4:250:Q2 5:451:- ", "DATA outcomes");
	CHECK(strstr(buf_cstr(&tr), "DATA\r\nA: b\r\n\r\n..dot\r\n.\r\n") != NULL,
	      "DATA copy dot-stuffed, ended by a dot");
	CHECK(strstr(buf_cstr(&tr), "BDAT") == NULL, "no BDAT without CHUNKING");
	buf_free(&tr);
	return TEST_DONE("test_filter_pipeline");
}
