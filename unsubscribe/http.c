/*
 * NAME
 *	http - campaign-unsubscribe's HTTP server (libmicrohttpd)
 * SYNOPSIS
 *	#include "unsub.h"
 *
 *	fd = http_listen("127.0.0.1:8025", &e);
 *	h = http_start(&hc, fd, &e);
 *	http_quiesce(h);	no new connections, no new writes
 *	store_stop(...);	the queued writes finish and wake their requests
 *	http_stop(h);
 * DESCRIPTION
 *	libmicrohttpd runs the connections: one epoll thread per core
 *	(unsubscribe_threads), each serving many connections.  The raw
 *	request target comes from the URI log callback, before the library
 *	decodes anything, and request.c parses it; the library's own limits
 *	answer an oversized request line or header block (414, 431; each
 *	connection has 16 kB).
 *
 *	GET and HEAD: the confirmation page (page.c) for a valid link,
 *	which never unsubscribes.  POST: the body (at most UNSUB_BODY_MAX
 *	bytes, a larger Content-Length is refused before it is read) must be
 *	List-Unsubscribe=One-Click and the token valid; the connection is
 *	then suspended, the entry handed to the writer (store.c), and the
 *	writer resumes the connection when the entry is on disk: 200 with a
 *	short page, never a redirect.  Replays give 200 again and change
 *	nothing.
 *
 *	Answers: 200; 400 malformed link or body; 403 token not valid; 404
 *	not an unsubscribe link; 405 other methods; 413 body too large; 414
 *	target too long; 503 (Retry-After: 60) the table could not be
 *	written, or shutting down.  Every answer is a small HTML page with
 *	Cache-Control: no-store, Referrer-Policy: no-referrer (the token is
 *	in the URL) and a Content-Security-Policy without scripts.
 * DIAGNOSTICS
 *	libmicrohttpd's messages (mostly its own 414 and 431 answers) and
 *	refused requests ("refused 403: why") at info level; a server that
 *	cannot start is an error of http_start(); the unsubscribes are
 *	notice lines by store.c.
 * SEE ALSO
 *	libmicrohttpd manual; RFC 8058; request.c, store.c, page.c.
 */
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "clog.h"
#include "unsub.h"

#define CONN_MEMORY	(16 * 1024)
#define CONN_TIMEOUT	10

enum phase { PH_NEW, PH_BODY, PH_WAIT };

struct http_server {
	struct http_conf hc;
	struct MHD_Daemon *d;
	pthread_mutex_t mu;		/* guards closing against submits */
	int	closing;
};

/* one request */
struct ureq {
	struct http_server *h;
	struct MHD_Connection *conn;
	enum phase phase;
	struct buf target, body;
	int	too_long, too_big;
	struct unsub_req req;
	struct store_item item;
};

static const char *const security_headers[][2] = {
	{"Content-Type", "text/html; charset=utf-8"},
	{"Cache-Control", "no-store"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Content-Type-Options", "nosniff"},
	{"Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; "
	 "form-action 'self'; frame-ancestors 'none'"},
};

/* reply - queue a page with status and the headers above */
static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, struct buf *page)
{
	struct MHD_Response *resp;
	enum MHD_Result r;
	size_t	i;

	resp = MHD_create_response_from_buffer(page->len, page->data, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	for (i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
		MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, "Allow", "GET, HEAD, POST");
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(resp, "Retry-After", "60");
	r = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

/* refuse - an error page, and an info line saying why */
static enum MHD_Result
refuse(struct MHD_Connection *conn, unsigned status, const char *text, const char *why)
{
	struct buf page;
	enum MHD_Result r;

	clog_infox("refused %u: %s", status, why);
	buf_init(&page, 4096);
	page_error(&page, status, text);
	r = reply(conn, status, &page);
	buf_free(&page);
	return r;
}

static enum MHD_Result
reply_page(struct MHD_Connection *conn, int done, const char *rcpt)
{
	struct buf page;
	enum MHD_Result r;

	buf_init(&page, 8192);
	if ((done ? page_done(&page, rcpt) : page_confirm(&page, rcpt)) < 0)
		r = MHD_NO;
	else
		r = reply(conn, MHD_HTTP_OK, &page);
	buf_free(&page);
	return r;
}

/* check_link - parse and verify the target; 0, or an answer was queued */
static int
check_link(struct ureq *u, enum MHD_Result *r)
{
	struct cerr e;

	switch (unsub_parse_target(u->h->hc.tmpl, u->target.data ? u->target.data : "",
	    u->too_long ? UNSUB_TARGET_MAX + 1 : u->target.len, &u->req, &e)) {
	case UNSUB_PARSED:
		break;
	case UNSUB_NOTOURS:
		*r = refuse(u->conn, MHD_HTTP_NOT_FOUND, "Not found.", e.msg);
		return -1;
	case UNSUB_TOOLONG:
		*r = refuse(u->conn, MHD_HTTP_URI_TOO_LONG, "This link is too long.", e.msg);
		return -1;
	default:
		*r = refuse(u->conn, MHD_HTTP_BAD_REQUEST, "This unsubscribe link is damaged.", e.msg);
		return -1;
	}
	if (!unsub_verify(u->h->hc.secret, &u->req)) {
		*r = refuse(u->conn, MHD_HTTP_FORBIDDEN, "This unsubscribe link is not valid.",
		    "token does not match campaign and recipient");
		return -1;
	}
	return 0;
}

static enum MHD_Result
answer_get(struct ureq *u)
{
	enum MHD_Result r;

	if (check_link(u, &r) < 0)
		return r;
	return reply_page(u->conn, 0, u->req.rcpt);
}

static void
wake(void *arg)
{
	struct ureq *u = arg;

	MHD_resume_connection(u->conn);
}

/*
 * via_of - "mail" and the queue id when campaign-unsubscribe --mail sent
 * the request (its X-Campaign-Unsubscribe-Via header), else "http".  The
 * header only names the source in the log line; the token is checked the
 * same way.
 */
static void
via_of(struct ureq *u, struct store_item *it)
{
	const char *v = MHD_lookup_connection_value(u->conn, MHD_HEADER_KIND, UNSUB_VIA_HEADER);
	size_t	n, i;

	it->via = "http";
	it->qid[0] = '\0';
	if (v == NULL || strncmp(v, "mail ", 5) != 0)
		return;
	it->via = "mail";
	v += 5;
	n = strlen(v);
	for (i = 0; i < n && i < UNSUB_QID_MAX && isalnum((unsigned char)v[i]); i++)
		it->qid[i] = v[i];
	it->qid[i == n ? i : 0] = '\0';
}

/* submit - suspend the connection and queue the entry, unless closing */
static int
submit(struct ureq *u)
{
	struct http_server *h = u->h;
	int	ok;

	pthread_mutex_lock(&h->mu);
	if ((ok = !h->closing)) {
		u->phase = PH_WAIT;
		memcpy(u->item.key, u->req.rcpt, sizeof(u->item.key));
		memcpy(u->item.campaign, u->req.campaign, sizeof(u->item.campaign));
		via_of(u, &u->item);
		u->item.wake = wake;
		u->item.arg = u;
		MHD_suspend_connection(u->conn);
		store_submit(h->hc.store, &u->item);
	}
	pthread_mutex_unlock(&h->mu);
	return ok;
}

static enum MHD_Result
answer_post(struct ureq *u)
{
	const char *ctype;
	enum MHD_Result r;

	if (check_link(u, &r) < 0)
		return r;
	ctype = MHD_lookup_connection_value(u->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (u->too_big)
		return refuse(u->conn, MHD_HTTP_CONTENT_TOO_LARGE, "Request too large.",
		    "body too large");
	if (!unsub_body_ok(ctype, u->body.data ? u->body.data : "", u->body.len))
		return refuse(u->conn, MHD_HTTP_BAD_REQUEST,
		    "The request must carry List-Unsubscribe=One-Click.", "not the one-click body");
	if (!submit(u))
		return refuse(u->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "Shutting down; try again.",
		    "shutting down");
	return MHD_YES;
}

static enum MHD_Result
answer_stored(struct ureq *u)
{
	if (u->item.result < 0)
		return refuse(u->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "Could not record this now; try again later.", "table write failed");
	return reply_page(u->conn, 1, u->req.rcpt);
}

/* first_call - the headers are in: GET is answered, POST may go on */
static enum MHD_Result
first_call(struct ureq *u, const char *method)
{
	const char *cl;
	char   *end;

	u->phase = PH_BODY;
	if (strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
		return answer_get(u);
	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
		return refuse(u->conn, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed.", method);
	cl = MHD_lookup_connection_value(u->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && (strtoull(cl, &end, 10) > UNSUB_BODY_MAX || *end != '\0'))
		return refuse(u->conn, MHD_HTTP_CONTENT_TOO_LARGE, "Request too large.",
		    "Content-Length over the limit");
	return MHD_YES;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	const char *version, const char *data, size_t *size, void **req_cls)
{
	struct ureq *u = *req_cls;

	(void)cls, (void)url, (void)version;
	if (u == NULL)
		return MHD_NO;		/* no memory in uri_start */
	u->conn = conn;
	if (u->phase == PH_NEW)
		return first_call(u, method);
	if (*size) {
		if (!u->too_big && buf_append(&u->body, data, *size) < 0)
			u->too_big = 1;
		*size = 0;
		return MHD_YES;
	}
	if (u->phase == PH_WAIT)
		return answer_stored(u);
	return answer_post(u);
}

/* uri_start - a request begins: keep its raw target (bounded) */
static void *
uri_start(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct ureq *u = calloc(1, sizeof(*u));
	size_t	n = strlen(uri);

	(void)conn;
	if (u == NULL)
		return NULL;
	u->h = cls;
	buf_init(&u->target, UNSUB_TARGET_MAX);
	buf_init(&u->body, UNSUB_BODY_MAX);
	if (n > UNSUB_TARGET_MAX || buf_append(&u->target, uri, n) < 0)
		u->too_long = 1;
	return u;
}

static void
completed(void *cls, struct MHD_Connection *conn, void **req_cls,
	  enum MHD_RequestTerminationCode toe)
{
	struct ureq *u = *req_cls;

	(void)cls, (void)conn, (void)toe;
	if (u == NULL)
		return;
	buf_free(&u->target);
	buf_free(&u->body);
	free(u);
	*req_cls = NULL;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	msg[512];
	size_t	n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	/* mostly answers to bad requests (414, 431): info, as refuse() logs them */
	clog_infox("libmicrohttpd: %s", msg);
}

/* split_hostport - "host:port" or "[v6]:port" into host and port */
static int
split_hostport(const char *hp, char *host, size_t hlen, const char **port)
{
	const char *colon = strrchr(hp, ':');
	size_t	n;

	if (colon == NULL)
		return -1;
	n = (size_t)(colon - hp);
	if (n >= 2 && hp[0] == '[' && hp[n - 1] == ']')
		hp++, n -= 2;
	if (n == 0 || n >= hlen)
		return -1;
	memcpy(host, hp, n);
	host[n] = '\0';
	*port = colon + 1;
	return 0;
}

int
http_listen(const char *hostport, struct cerr *e)
{
	struct addrinfo hints = {0}, *ai;
	char	host[256];
	const char *port;
	int	fd, one = 1, err;

	if (split_hostport(hostport, host, sizeof(host), &port) < 0)
		return cerr_set(e, "%s: not HOST:PORT", hostport);
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	if ((err = getaddrinfo(host, port, &hints, &ai)) != 0)
		return cerr_set(e, "%s: %s (give an IP address)", hostport, gai_strerror(err));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0
	    || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
		cerr_set(e, "listen on %s: %s", hostport, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

struct http_server *
http_start(const struct http_conf *hc, int fd, struct cerr *e)
{
	struct http_server *h = calloc(1, sizeof(*h));
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

	if (h == NULL) {
		cerr_set(e, "out of memory");
		return NULL;
	}
	h->hc = *hc;
	pthread_mutex_init(&h->mu, NULL);
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, h,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)hc->threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)hc->max_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
	    MHD_OPTION_URI_LOG_CALLBACK, uri_start, h,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, h,
	    MHD_OPTION_END);
	if (h->d == NULL) {
		cerr_set(e, "libmicrohttpd did not start (see the log)");
		pthread_mutex_destroy(&h->mu);
		free(h);
		return NULL;
	}
	return h;
}

void
http_quiesce(struct http_server *h)
{
	MHD_socket fd = MHD_quiesce_daemon(h->d);

	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	pthread_mutex_lock(&h->mu);
	h->closing = 1;
	pthread_mutex_unlock(&h->mu);
}

void
http_stop(struct http_server *h)
{
	MHD_stop_daemon(h->d);
	pthread_mutex_destroy(&h->mu);
	free(h);
}
