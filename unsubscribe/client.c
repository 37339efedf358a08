/*
 * NAME
 *	client - hand one unsubscribe to the running server (for --mail)
 * SYNOPSIS
 *	#include "unsub.h"
 *
 *	status = client_post("127.0.0.1:8025", "/u?c=..&r=..&t=..", "mail QID", 30, &e);
 * DESCRIPTION
 *	One HTTP/1.0 POST of the one-click body to the server at hostport
 *	(an IP address and a port, as unsubscribe_listen), with the header
 *	X-Campaign-Unsubscribe-Via: via (the server names it in its log
 *	line).  The server verifies the token and writes the entry: the
 *	table has one writer, running with the rights the table needs, and
 *	the pipe(8) transport runs unprivileged, without the secret.
 *
 *	Returns the HTTP status (200 written or already there; 4xx refused),
 *	or -1 with e filled when the server cannot be reached or does not
 *	answer within timeout seconds, or answers something that is not
 *	HTTP.
 * DIAGNOSTICS
 *	Nothing is printed; mail.c logs e and turns -1 and 5xx into exit 75.
 * SEE ALSO
 *	http.c, mail.c.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unsub.h"

#define BODY	"List-Unsubscribe=One-Click"

/* connect_to - a TCP connection to "host:port" or "[v6]:port" */
static int
connect_to(const char *hostport, int timeout, struct cerr *e)
{
	struct addrinfo hints = {0}, *ai;
	struct timeval tv = {timeout, 0};
	char	host[256];
	const char *colon = strrchr(hostport, ':');
	size_t	n = colon ? (size_t)(colon - hostport) : 0;
	int	fd, err;

	if (n >= 2 && hostport[0] == '[')
		hostport++, n -= 2;
	if (colon == NULL || n == 0 || n >= sizeof(host))
		return cerr_set(e, "%s: not HOST:PORT", hostport);
	memcpy(host, hostport, n);
	host[n] = '\0';
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	if ((err = getaddrinfo(host, colon + 1, &hints, &ai)) != 0)
		return cerr_set(e, "%s: %s", hostport, gai_strerror(err));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0
	    || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0
	    || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		cerr_set(e, "connect to the unsubscribe server %s: %s", colon ? hostport : "",
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* status_of - the status code of "HTTP/1.x NNN ..." in the first bytes */
static int
status_of(int fd, struct cerr *e)
{
	char	line[64];
	size_t	got = 0;
	ssize_t	n;
	int	code;

	while (got < sizeof(line) - 1 && memchr(line, '\n', got) == NULL) {
		if ((n = read(fd, line + got, sizeof(line) - 1 - got)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	line[got] = '\0';
	if (sscanf(line, "HTTP/1.%*[01] %3d", &code) != 1 || code < 100 || code > 599)
		return cerr_set(e, "no HTTP answer from the unsubscribe server");
	return code;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w, n -= (size_t)w;
	}
	return 0;
}

int
client_post(const char *hostport, const char *target, const char *via, int timeout,
	    struct cerr *e)
{
	struct buf req;
	int	fd, st;

	if ((fd = connect_to(hostport, timeout, e)) < 0)
		return -1;
	buf_init(&req, 2 * UNSUB_TARGET_MAX);
	if (buf_appendf(&req, "POST %s HTTP/1.0\r\nHost: %s\r\n" UNSUB_VIA_HEADER ": %s\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n"
	    "\r\n" BODY, target, hostport, via, strlen(BODY)) < 0) {
		st = cerr_set(e, "request too long");
	} else if (write_all(fd, req.data, req.len) < 0) {
		st = cerr_set(e, "write to the unsubscribe server: %s", strerror(errno));
	} else {
		st = status_of(fd, e);
	}
	buf_free(&req);
	close(fd);
	return st;
}
