/*
 * NAME
 *	smtp_conn - one blocking, deadline-bounded SMTP connection (see
 *	smtp_conn.h)
 * DIAGNOSTICS
 *	Returns -1 with a struct cerr text; never prints.
 * SEE ALSO
 *	smtp_client.c, smtp_reply.c; RFC 5321, RFC 2920; Postfix smtp_chat.c,
 *	timed_read.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "smtp_conn.h"

#define SMTP_OUT_FLUSH	(64 * 1024)

long long
smtp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
smtp_init(struct smtp *s, long long deadline)
{
	s->fd = -1;
	s->deadline = deadline;
	buf_init(&s->in, SMTP_REPLY_BYTES);
	buf_init(&s->out, 4 * SMTP_OUT_FLUSH);
}

void
smtp_close(struct smtp *s)
{
	if (s->fd >= 0)
		(void) close(s->fd);
	s->fd = -1;
	buf_free(&s->in);
	buf_free(&s->out);
}

/* smtp_wait - poll for events until the deadline */
static int
smtp_wait(struct smtp *s, short events, struct cerr *e)
{
	struct pollfd pfd = {.fd = s->fd, .events = events};
	long long left;
	int	r;

	for (;;) {
		if ((left = s->deadline - smtp_now_ms()) <= 0)
			return cerr_set(e, "timed out (filter_deadline)");
		r = poll(&pfd, 1, left > 60000 ? 60000 : (int) left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return cerr_set(e, "poll: %s", strerror(errno));
	}
}

/* split_hostport - "host:port" or "[host]:port" into its parts */
static int
split_hostport(const char *hp, char *host, size_t hlen, const char **port,
	       struct cerr *e)
{
	const char *colon = strrchr(hp, ':');
	size_t	n;

	if (colon == NULL || colon == hp || colon[1] == '\0')
		return cerr_set(e, "%s: not HOST:PORT", hp);
	n = (size_t) (colon - hp);
	if (hp[0] == '[' && colon[-1] == ']') {
		hp++;
		n -= 2;
	}
	if (n >= hlen)
		return cerr_set(e, "%s: host name too long", hp);
	memcpy(host, hp, n);
	host[n] = '\0';
	*port = colon + 1;
	return 0;
}

/* connect_addr - non-blocking connect to one address, within the deadline */
static int
connect_addr(struct smtp *s, const struct addrinfo *ai, struct cerr *e)
{
	int	err = 0;
	socklen_t len = sizeof(err);

	s->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       ai->ai_protocol);
	if (s->fd < 0)
		return cerr_set(e, "socket: %s", strerror(errno));
	if (connect(s->fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return cerr_set(e, "connect: %s", strerror(errno));
	if (smtp_wait(s, POLLOUT, e) < 0)
		return -1;
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0)
		return cerr_set(e, "connect: %s", strerror(err ? err : errno));
	return 0;
}

int
smtp_connect(struct smtp *s, const char *hostport, struct cerr *e)
{
	struct addrinfo hints, *res;
	char	host[256];
	const char *port = NULL;
	int	r;

	if (split_hostport(hostport, host, sizeof(host), &port, e) < 0)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((r = getaddrinfo(host, port, &hints, &res)) != 0)
		return cerr_set(e, "%s: %s", hostport, gai_strerror(r));
	r = connect_addr(s, res, e);
	freeaddrinfo(res);
	return r;
}

int
smtp_flush(struct smtp *s, struct cerr *e)
{
	ssize_t	n;

	while (s->out.len > 0) {
		n = send(s->fd, s->out.data, s->out.len, MSG_NOSIGNAL);
		if (n > 0) {
			buf_consume(&s->out, (size_t) n);
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return cerr_set(e, "write: %s", strerror(errno));
		if (smtp_wait(s, POLLOUT, e) < 0)
			return -1;
	}
	return 0;
}

int
smtp_send(struct smtp *s, const char *p, size_t n, struct cerr *e)
{
	size_t	take;

	while (n > 0) {
		take = n > SMTP_OUT_FLUSH ? SMTP_OUT_FLUSH : n;
		if (buf_append(&s->out, p, take) < 0)
			return cerr_set(e, "output buffer: %s", strerror(errno));
		p += take;
		n -= take;
		if (s->out.len >= SMTP_OUT_FLUSH && smtp_flush(s, e) < 0)
			return -1;
	}
	return 0;
}

/* fill_in - read more reply bytes into s->in */
static int
fill_in(struct smtp *s, struct cerr *e)
{
	char	tmp[SMTP_LINE_MAX];
	size_t	room = s->in.max - s->in.len;
	ssize_t	n;

	if (room == 0)
		return cerr_set(e, "reply over %d bytes", SMTP_REPLY_BYTES);
	for (;;) {
		n = recv(s->fd, tmp, room < sizeof(tmp) ? room : sizeof(tmp), 0);
		if (n > 0)
			return buf_append(&s->in, tmp, (size_t) n) < 0
			    ? cerr_set(e, "reply buffer: %s", strerror(errno)) : 0;
		if (n == 0)
			return cerr_set(e, "connection closed by server");
		if (errno != EAGAIN && errno != EINTR)
			return cerr_set(e, "read: %s", strerror(errno));
		if (smtp_wait(s, POLLIN, e) < 0)
			return -1;
	}
}

int
smtp_reply(struct smtp *s, struct smtp_reply *r, struct cerr *e)
{
	ssize_t	k;

	for (;;) {
		k = smtp_reply_parse(s->in.data ? s->in.data : "", s->in.len, r, e);
		if (k < 0)
			return -1;
		if (k > 0) {
			buf_consume(&s->in, (size_t) k);
			return r->code;
		}
		if (fill_in(s, e) < 0)
			return -1;
	}
}
