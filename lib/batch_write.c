/*
 * NAME
 *	batch_write - write a campaign batch (see batch.h)
 * SYNOPSIS
 *	#include "batch.h"
 *
 *	batch_write_begin(&w, &out, campaign, batch_id, tmpl, n, cols, ncols,
 *	    dotstuff, &e);
 *	batch_write_rcpt(&w, &out, fields, &e);	per recipient
 *	batch_write_end(&w, &out, &e);
 * DESCRIPTION
 *	The one place that writes the format batch.c reads: campaign-feed
 *	calls it, the tests call it.  The boundary is "=_campaign_batch_"
 *	and 24 random hex digits, and the writer refuses a template or a
 *	field that contains it (a quoted CSV field may hold line breaks, so
 *	it could otherwise end the part).  Text is written with CRLF line
 *	ends; with dotstuff a line that starts with "." gets a second one.
 * DIAGNOSTICS
 *	Nothing is printed; -1 with e set.
 * SEE ALSO
 *	batch.h, RFC 2046 5.1.1, RFC 4180 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"

/* put_text - n bytes with LF made CRLF, dot-stuffed when asked */
static int
put_text(struct batch_writer *w, struct buf *out, const char *p, size_t n)
{
	int	bol = out->len == 0 || out->data[out->len - 1] == '\n';
	size_t	i;

	for (i = 0; i < n; i++) {
		if (bol && w->dotstuff && p[i] == '.' && buf_putc(out, '.') < 0)
			return -1;
		if (p[i] == '\n' && (out->len == 0 || out->data[out->len - 1] != '\r')
		    && buf_putc(out, '\r') < 0)
			return -1;
		if (buf_putc(out, p[i]) < 0)
			return -1;
		bol = p[i] == '\n';
		w->has8bit |= (unsigned char)p[i] >= 0x80;
	}
	return 0;
}

/* make_boundary - 24 random hex digits after a fixed prefix */
static int
make_boundary(struct batch_writer *w, struct cerr *e)
{
	unsigned char r[12];
	size_t	i, o;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return cerr_set(e, "getrandom: %s", strerror(errno));
	o = (size_t)snprintf(w->boundary, sizeof(w->boundary), "=_campaign_batch_");
	for (i = 0; i < sizeof(r); i++, o += 2)
		snprintf(w->boundary + o, sizeof(w->boundary) - o, "%02x", r[i]);
	return 0;
}

/* holds_boundary - p (n bytes) contains "--" and the boundary */
static int
holds_boundary(const struct batch_writer *w, const char *p, size_t n)
{
	char	d[BATCH_BOUNDARY_MAX + 3];
	int	k = snprintf(d, sizeof(d), "--%s", w->boundary);

	return memmem(p, n, d, (size_t)k) != NULL;
}

/* from_field - the template's From: field with its continuation lines */
static int
from_field(const char *t, size_t n, const char **from, size_t *flen)
{
	const char *p = t, *end = t + n, *nl;

	while (p < end && *p != '\r' && *p != '\n') {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (strncasecmp(p, "From:", 5) == 0) {
			*from = p;
			do
				p = nl ? nl + 1 : end;
			while (p < end && (*p == ' ' || *p == '\t')
			       && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL);
			*flen = (size_t)(p - *from);
			return 0;
		}
		p = nl ? nl + 1 : end;
	}
	return -1;
}

/* put_head - the container header */
static int
put_head(struct batch_writer *w, struct buf *out, const char *campaign,
	 const char *id, const char *from, size_t flen)
{
	char	date[64];
	time_t	now = time(NULL);
	struct tm tm;

	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", gmtime_r(&now, &tm));
	if (buf_appendf(out, "X-Campaign-ID: %s\r\n%s: %s\r\n", campaign,
			BATCH_HEADER_NAME, id) < 0
	    || put_text(w, out, from, flen) < 0
	    || (from[flen - 1] != '\n' && buf_append(out, "\r\n", 2) < 0))
		return -1;
	return buf_appendf(out, "Subject: campaign batch %s\r\nDate: %s\r\n"
			   "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
			   "boundary=\"%s\"\r\n\r\n", id, date, w->boundary);
}

/* has_8bit - any byte >= 0x80 */
static int
has_8bit(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return 1;
	return 0;
}

/* put_template - part 1 */
static int
put_template(struct batch_writer *w, struct buf *out, const char *t, size_t n)
{
	if (buf_appendf(out, "--%s\r\nContent-Type: message/rfc822\r\n"
			"Content-Transfer-Encoding: %s\r\n\r\n", w->boundary,
			has_8bit(t, n) ? "8bit" : "7bit") < 0
	    || put_text(w, out, t, n) < 0)
		return -1;
	if (t[n - 1] != '\n' && buf_append(out, "\r\n", 2) < 0)
		return -1;
	return buf_appendf(out, "--%s\r\nContent-Type: text/csv; charset=utf-8; "
			   "header=present\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
			   w->boundary);
}

/* put_field - one CSV field, quoted when it must be */
static int
put_field(struct batch_writer *w, struct buf *out, const char *f)
{
	size_t	n = strlen(f);
	const char *q;

	if (n > 0 && strcspn(f, ",\"\r\n") == n && f[0] != ' ' && f[0] != '\t'
	    && f[n - 1] != ' ' && f[n - 1] != '\t')
		return put_text(w, out, f, n);
	if (buf_putc(out, '"') < 0)
		return -1;
	for (; (q = strchr(f, '"')) != NULL; f = q + 1)
		if (put_text(w, out, f, (size_t)(q - f)) < 0 || buf_append(out, "\"\"", 2) < 0)
			return -1;
	if (put_text(w, out, f, strlen(f)) < 0)
		return -1;
	return buf_putc(out, '"');
}

/* put_record - fields joined by commas, CRLF */
static int
put_record(struct batch_writer *w, struct buf *out, char *const *fields,
	   struct cerr *e)
{
	size_t	i;

	for (i = 0; i < w->ncols; i++) {
		if (fields[i] == NULL)
			return cerr_set(e, "field %zu is missing", i + 1);
		if (holds_boundary(w, fields[i], strlen(fields[i])))
			return cerr_set(e, "field %zu holds the boundary", i + 1);
		if ((i > 0 && buf_putc(out, ',') < 0) || put_field(w, out, fields[i]) < 0)
			return cerr_set(e, "batch buffer full");
	}
	if (buf_append(out, "\r\n", 2) < 0)
		return cerr_set(e, "batch buffer full");
	return 0;
}

/* check_begin - what the writer needs before it writes anything */
static int
check_begin(const char *campaign, const char *id, const char *tmpl, size_t n,
	    char *const *cols, size_t ncols, struct cerr *e)
{
	size_t	i;

	if (!batch_id_valid(campaign) || !batch_id_valid(id))
		return cerr_set(e, "bad campaign or batch id (1-%d of A-Za-z0-9._-)",
				BATCH_ID_MAX);
	if (n == 0 || memchr(tmpl, '\0', n) != NULL)
		return cerr_set(e, "the template is empty or holds a NUL byte");
	for (i = 0; i < ncols; i++)
		if (strcasecmp(cols[i], "email") == 0)
			return 0;
	return cerr_set(e, "no \"email\" column");
}

int
batch_write_begin(struct batch_writer *w, struct buf *out, const char *campaign,
		  const char *batch_id, const char *tmpl, size_t tmpl_len,
		  char *const *cols, size_t ncols, int dotstuff, struct cerr *e)
{
	const char *from;
	size_t	flen;

	memset(w, 0, sizeof(*w));
	w->ncols = ncols;
	w->dotstuff = dotstuff;
	if (check_begin(campaign, batch_id, tmpl, tmpl_len, cols, ncols, e) < 0)
		return -1;
	if (from_field(tmpl, tmpl_len, &from, &flen) < 0)
		return cerr_set(e, "the template has no From: field in its header");
	if (make_boundary(w, e) < 0)
		return -1;
	if (holds_boundary(w, tmpl, tmpl_len))
		return cerr_set(e, "the template holds the boundary");
	if (put_head(w, out, campaign, batch_id, from, flen) < 0
	    || put_template(w, out, tmpl, tmpl_len) < 0)
		return cerr_set(e, "batch buffer full");
	return put_record(w, out, cols, e);
}

int
batch_write_rcpt(struct batch_writer *w, struct buf *out, char *const *fields,
		 struct cerr *e)
{
	if (put_record(w, out, fields, e) < 0)
		return -1;
	w->nrcpt++;
	return 0;
}

int
batch_write_end(struct batch_writer *w, struct buf *out, struct cerr *e)
{
	if (buf_appendf(out, "--%s--\r\n", w->boundary) < 0)
		return cerr_set(e, "batch buffer full");
	return 0;
}
