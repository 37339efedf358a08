/*
 * NAME
 *	mail - campaign-unsubscribe --mail: the mailto: form, one message
 *	from a Postfix pipe(8) transport
 * SYNOPSIS
 *	#include "unsub.h"
 *
 *	status = mail_run(&ma, stdin);		0 or 75
 * DESCRIPTION
 *	The message came to unsubscribe_mailto, e.g.
 *	unsubscribe+%c+%t@example.com: the campaign and the token are taken
 *	from the recipient address (the operand, pipe(8)'s
 *	${original_recipient}), else from a word of the Subject that matches
 *	the same template.  The token was made for the person who writes:
 *	the envelope sender (-s), else the From: address.  Each candidate is
 *	handed to the running server as the one-click POST the milter's URL
 *	would get (client.c): the server checks the token and writes the
 *	entry, so the table keeps one writer with the rights it needs, and
 *	this transport runs unprivileged and never reads the secret.
 *
 *	The headers are read up to MAIL_HEADER_MAX bytes; the rest of the
 *	message is read and thrown away, so pipe(8) sees all of it taken.
 * DIAGNOSTICS
 *	0: done, and also for a message that carries no valid token (logged
 *	at info level and dropped: the sender gets no bounce, which could be
 *	used to probe tokens).  75 (EX_TEMPFAIL): the server cannot be
 *	reached, answers 5xx (its table could not be written), or stdin could
 *	not be read; Postfix keeps the mail and retries.  Never anything
 *	else: pipe(8) bounces on other codes.
 * SEE ALSO
 *	pipe(8), campaign-unsubscribe(8), request.c, client.c.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "clog.h"
#include "unsub.h"

#define MAIL_HEADER_MAX	(64 * 1024)
#define MAIL_TIMEOUT	30	/* seconds; well inside pipe(8)'s command_time_limit */
#define EX_TEMPFAIL_	75

struct mail_hdrs {
	struct buf from, subject;	/* unfolded values */
};

/* header_line - keep From: and Subject: (continuations appended) */
static int
header_line(struct mail_hdrs *h, const char *l, size_t n, struct buf **cur)
{
	if ((l[0] == ' ' || l[0] == '\t') && *cur)
		return buf_append(*cur, l, n);
	*cur = NULL;
	if (n >= 5 && strncasecmp(l, "From:", 5) == 0 && h->from.len == 0)
		*cur = &h->from, l += 5, n -= 5;
	else if (n >= 8 && strncasecmp(l, "Subject:", 8) == 0 && h->subject.len == 0)
		*cur = &h->subject, l += 8, n -= 8;
	return *cur ? buf_append(*cur, l, n) : 0;
}

/* read_headers - the header block; the body is read and dropped */
static int
read_headers(FILE *in, struct mail_hdrs *h)
{
	struct buf line;
	struct buf *cur = NULL;
	size_t	total = 0;
	int	r, in_hdr = 1;

	buf_init(&line, MAIL_HEADER_MAX);
	while ((r = buf_getline(&line, in)) != 0) {
		if (r < 0 && errno != EMSGSIZE)
			break;
		while (line.len && (line.data[line.len - 1] == '\n' || line.data[line.len - 1] == '\r'))
			buf_truncate(&line, line.len - 1);
		total += line.len + 1;
		if (in_hdr && (line.len == 0 || total > MAIL_HEADER_MAX))
			in_hdr = 0;
		if (in_hdr && r > 0)
			(void)header_line(h, line.data, line.len, &cur);
		buf_reset(&line);
	}
	buf_free(&line);
	return ferror(in) ? -1 : 0;
}

/* qid_ok - a queue id fit for the server's log line */
static int
qid_ok(const char *q)
{
	size_t	n = q ? strlen(q) : 0, i;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)q[i]))
			return 0;
	return n > 0 && n <= UNSUB_QID_MAX;
}

/* find_token - the recipient address, else a word of the Subject */
static int
find_token(const struct mail_args *ma, const struct buf *subject, struct unsub_req *r)
{
	const char *s = buf_cstr(subject), *w;
	struct cerr e;
	size_t	n;

	if (ma->recipient && unsub_parse_target(ma->mailto, ma->recipient,
	    strlen(ma->recipient), r, &e) == UNSUB_PARSED)
		return 0;
	for (w = s; *w; w += n) {
		w += strspn(w, " \t\r\n<>\"'(),;");
		n = strcspn(w, " \t\r\n<>\"'(),;");
		if (n && unsub_parse_target(ma->mailto, w, n, r, &e) == UNSUB_PARSED)
			return 0;
		if (strncasecmp(w, "mailto:", 7) == 0 && n > 7
		    && unsub_parse_target(ma->mailto, w + 7, n - 7, r, &e) == UNSUB_PARSED)
			return 0;
	}
	return -1;
}

/* writer_key - the sender as a lookup key: 0, -1 when not an address */
static int
writer_key(const char *s, size_t n, int header, char key[ADDR_KEY_MAX + 1])
{
	struct cerr e;
	struct addr a;
	const char *params;

	if (s == NULL || n == 0)
		return -1;
	if ((header ? addr_parse_header(s, n, &a, &e)
	    : addr_parse_path(s, n, &a, &params, &e)) < 0 || a.null)
		return -1;
	return addr_key(&a, key, ADDR_KEY_MAX + 1);
}

/* hand_over - POST r to the server; 1 done, 0 refused (token), -1 transient */
static int
hand_over(const struct mail_args *ma, const struct unsub_req *r, const char *via)
{
	struct buf target;
	struct cerr e;
	int	code;

	buf_init(&target, UNSUB_TARGET_MAX);
	code = unsub_fill(ma->url, r, &target) < 0 ? 414
	    : client_post(ma->server, target.data, via, MAIL_TIMEOUT, &e);
	buf_free(&target);
	if (code < 0 || code >= 500) {
		clog_warnx("%s: %s", ma->qid ? ma->qid : "-",
		    code < 0 ? e.msg : "the unsubscribe server could not write it");
		return -1;
	}
	return code == 200;
}

/* unsubscribe - for the envelope sender, else the From: address */
static int
unsubscribe(const struct mail_args *ma, const struct buf *from, struct unsub_req *r)
{
	char	via[16 + UNSUB_QID_MAX];
	int	i, done = 0;

	snprintf(via, sizeof(via), "mail %s", qid_ok(ma->qid) ? ma->qid : "-");
	for (i = 0; i < 2 && done == 0; i++) {
		if (i == 0 && writer_key(ma->sender, ma->sender ? strlen(ma->sender) : 0, 0, r->rcpt) < 0)
			continue;
		if (i == 1 && writer_key(from->data, from->len, 1, r->rcpt) < 0)
			continue;
		done = hand_over(ma, r, via);
	}
	if (done < 0)
		return EX_TEMPFAIL_;
	if (done == 0)
		clog_infox("%s: campaign=%s: the token was not made for the sender",
		    ma->qid ? ma->qid : "-", r->campaign);
	return 0;
}

int
mail_run(const struct mail_args *ma, FILE *in)
{
	struct mail_hdrs h;
	struct unsub_req r;
	const char *qid = ma->qid ? ma->qid : "-";
	int	st = 0;

	buf_init(&h.from, 4096);
	buf_init(&h.subject, 4096);
	if (read_headers(in, &h) < 0) {
		clog_warn("%s: read the message", qid);
		st = EX_TEMPFAIL_;
	} else if (find_token(ma, &h.subject, &r) < 0) {
		clog_infox("%s: no unsubscribe token in the recipient or the Subject", qid);
	} else {
		st = unsubscribe(ma, &h.from, &r);
	}
	buf_free(&h.from);
	buf_free(&h.subject);
	return st;
}
