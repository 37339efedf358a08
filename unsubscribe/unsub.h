/*
 * NAME
 *	unsub.h - campaign-unsubscribe's modules and what they share
 * DESCRIPTION
 *	campaign-unsubscribe.c	options, configuration, daemon, signals
 *	request.c	the pure parsing: URL and mailto templates, the request
 *			target, the one-click body (no I/O; fuzzed, unit-tested)
 *	page.c		the HTML pages and their escaping
 *	store.c		the writer: verified unsubscribes into the suppression
 *			table, many requests per lock and sync (group commit)
 *	http.c		the HTTP server on libmicrohttpd
 *	mail.c		--mail: one message from a Postfix pipe(8) transport,
 *			handed to the server by client.c
 */
#ifndef UNSUB_H
#define UNSUB_H

#include <stddef.h>
#include <stdio.h>

#include "addr.h"
#include "buf.h"
#include "cerr.h"
#include "hmac.h"
#include "supentry.h"

#define UNSUB_NAME		"campaign-unsubscribe"
#define UNSUB_TARGET_MAX	2048	/* request target (path and query) */
#define UNSUB_BODY_MAX		2048	/* POST body */
#define UNSUB_TMPL_MAX		1024	/* template after expansion rules */
#define UNSUB_RCPT_ENC_MAX	(3 * ADDR_PATH_MAX)	/* %r, percent-encoded */
#define UNSUB_QID_MAX		32	/* a Postfix queue id, long form */
#define UNSUB_VIA_HEADER	"X-Campaign-Unsubscribe-Via"	/* "mail QID" */

/* request.c */
struct unsub_tmpl {
	char	text[UNSUB_TMPL_MAX + 1];	/* "/u?c=%c&r=%r&t=%t" */
	size_t	prefix;			/* literal bytes before the first placeholder */
	int	mail;			/* mailto form: literals ignore case, no %r */
};

struct unsub_req {
	char	campaign[SUPENTRY_CAMPAIGN_MAX + 1];
	char	rcpt[ADDR_KEY_MAX + 1];		/* lookup key; "" in the mailto form */
	char	token[HMAC_TOKEN_LEN + 1];
};

enum unsub_parse {
	UNSUB_PARSED = 0,
	UNSUB_NOTOURS,		/* does not start with the template's prefix: 404 */
	UNSUB_MALFORMED,	/* ours, but does not match, or a bad recipient: 400 */
	UNSUB_TOOLONG,		/* over UNSUB_TARGET_MAX: 414 */
};

int	unsub_tmpl_url(struct unsub_tmpl *t, const char *url, struct cerr *e);
int	unsub_tmpl_mail(struct unsub_tmpl *t, const char *mailto, struct cerr *e);
enum unsub_parse unsub_parse_target(const struct unsub_tmpl *t, const char *s,
				    size_t n, struct unsub_req *r, struct cerr *e);
int	unsub_body_ok(const char *content_type, const char *body, size_t n);
int	unsub_verify(const struct buf *secret, const struct unsub_req *r);
int	unsub_fill(const struct unsub_tmpl *t, const struct unsub_req *r, struct buf *out);

/* page.c */
int	page_confirm(struct buf *out, const char *rcpt);
int	page_done(struct buf *out, const char *rcpt);
int	page_error(struct buf *out, unsigned status, const char *text);
int	html_escape(struct buf *out, const char *s);

/* store.c */
struct store;
struct store_item {
	char	key[ADDR_KEY_MAX + 1];
	char	campaign[SUPENTRY_CAMPAIGN_MAX + 1];
	const char *via;		/* "http", "mail" */
	char	qid[UNSUB_QID_MAX + 1];	/* mail: the queue id, or "" */
	int	result;			/* 1 written, 0 kept, -1 error */
	int	kept;			/* store.c: already suppressed */
	void	(*wake)(void *arg);	/* called by the writer when done */
	void   *arg;
	struct store_item *next;
};

struct store *store_start(const char *table, struct cerr *e);
void	store_submit(struct store *s, struct store_item *it);
void	store_stop(struct store *s);

/* http.c */
struct http_conf {
	const char *listen;		/* host:port */
	long	threads;
	long	max_connections;
	const struct unsub_tmpl *tmpl;
	const struct buf *secret;
	struct store *store;
};
struct http_server;

int	http_listen(const char *hostport, struct cerr *e);
struct http_server *http_start(const struct http_conf *hc, int fd, struct cerr *e);
void	http_quiesce(struct http_server *h);
void	http_stop(struct http_server *h);

/* mail.c */
struct mail_args {
	const char *sender;		/* -s: envelope sender */
	const char *qid;		/* -q: queue id */
	const char *recipient;		/* operand: the address the mail came to */
	const char *server;		/* unsubscribe_listen */
	const struct unsub_tmpl *mailto;	/* unsubscribe_mailto */
	const struct unsub_tmpl *url;		/* unsubscribe_url */
};

int	mail_run(const struct mail_args *ma, FILE *in);

/* client.c */
int	client_post(const char *hostport, const char *target, const char *via,
		    int timeout, struct cerr *e);

#endif
