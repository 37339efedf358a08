/*
 * NAME
 *	feed_bwrite - the batch container's writer (lib/batch.h's writer API)
 * SYNOPSIS
 *	#include "feed.h"
 *
 *	struct batch_writer w;
 *	batch_write_begin(&w, &out, campaign, batch_id, tmpl, tmpl_len,
 *	    cols, ncols, dotstuff, &e);		header, template, CSV header
 *	batch_write_rcpt(&w, &out, fields, &e);	one CSV record a recipient
 *	batch_write_end(&w, &out, &e);		the closing boundary
 * DESCRIPTION
 *	This file implements the writer half of lib/batch.h with the same
 *	names, arguments and results (doc/DESIGN.md "Batches"), for as
 *	long as lib/batch is not on this branch; once it is, this file and
 *	its section of feed.h are deleted and feed.h includes "batch.h":
 *	nothing else changes (feed_batch.c calls only these three).
 *
 *	A batch is one RFC 5322 message, multipart/mixed (RFC 2046), with
 *	exactly two parts: the template as message/rfc822, and the
 *	recipients with their merge fields as text/csv (RFC 4180; RFC 7111
 *	"header=present"; charset utf-8).  batch_write_begin() appends the
 *	container's header (X-Campaign-ID, X-Campaign-Batch, the template's
 *	From: field, Date:, "Subject: campaign batch BID", MIME-Version,
 *	Content-Type with a fresh random boundary), the template part (any of
 *	LF or CRLF line ends made CRLF, a missing last line end added; 7bit
 *	or 8bit as it needs) and the CSV part's header with the column
 *	names.  batch_write_rcpt() appends one record of w->ncols fields;
 *	batch_write_end() the closing boundary.  Each part ends with a CRLF
 *	that the next delimiter line takes as its own (RFC 2046 5.1.1), as
 *	lib/batch's writer does, so the two write the same bytes.
 *
 *	CSV: a field is quoted when it is empty or holds a comma, a double
 *	quote, CR or LF, or starts or ends with a blank (as lib/batch's
 *	writer does); a quote inside is doubled.
 *	A line break inside a value (LF, CR or CRLF) is written as CRLF, the
 *	only line end a message body may have.  Other bytes, 8-bit ones
 *	included, are copied as they are (w->has8bit is then set: send with
 *	BODY=8BITMIME).
 *
 *	With dotstuff, a line that starts with "." gets a second one (what
 *	DATA sends; the caller sends the final "."); without, the output is
 *	the message as it is (BDAT).
 *
 *	Each returns 0, or -1 with e set: a bad campaign or batch id, a
 *	template that does not start with a header field, the boundary
 *	found in the template or a field, out full (its maximum).
 * SEE ALSO
 *	RFC 2046 5.1, RFC 4180, RFC 7111, doc/DESIGN.md "Batches", feed_batch.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "feed.h"

/* id_ok - 1..BATCH_ID_MAX of [A-Za-z0-9._-] */
static int
id_ok(const char *id)
{
	size_t	n = strlen(id);

	return n > 0 && n <= BATCH_ID_MAX
	    && strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789._-") == n;
}

/* full - the error for a buffer that cannot grow */
static int
full(struct cerr *e)
{
	return cerr_set(e, "batch: %s", errno ? strerror(errno) : "too large");
}

/* stuff_tail - dot-stuff out from start (a line start) to its end, in place */
static int
stuff_tail(struct buf *out, size_t start)
{
	size_t	i, k = 0, o;

	for (i = start; i < out->len; i++)
		k += out->data[i] == '.' && (i == start || out->data[i - 1] == '\n');
	if (k == 0)
		return 0;
	if (buf_reserve(out, k) < 0)
		return -1;
	o = out->len + k;
	for (i = out->len; i-- > start; ) {
		out->data[--o] = out->data[i];
		if (out->data[i] == '.' && (i == start || out->data[i - 1] == '\n'))
			out->data[--o] = '.';
	}
	out->len += k;
	out->data[out->len] = '\0';
	return 0;
}

/* has8 - n bytes at p hold a byte above 127 */
static int
has8(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return 1;
	return 0;
}

/* put_crlf - append text (LF, CR or CRLF line ends) with CRLF line ends */
static int
put_crlf(struct buf *out, const char *p, size_t n)
{
	size_t	i = 0, k;

	while (i < n) {
		for (k = i; k < n && p[k] != '\r' && p[k] != '\n'; k++)
			;
		if (buf_append(out, p + i, k - i) < 0 || buf_append(out, "\r\n", 2) < 0)
			return -1;
		i = k < n && p[k] == '\r' && k + 1 < n && p[k + 1] == '\n' ? k + 2 : k + 1;
	}
	return 0;
}

/* find_from - the From: field of the template's header (folded lines too) */
static int
find_from(const char *p, size_t n, size_t *off, size_t *len)
{
	size_t	i = 0, k;
	const char *nl;

	while (i < n && p[i] != '\r' && p[i] != '\n') {
		nl = memchr(p + i, '\n', n - i);
		k = nl ? (size_t)(nl - p) + 1 : n;
		while (k < n && (p[k] == ' ' || p[k] == '\t')) {
			nl = memchr(p + k, '\n', n - k);
			k = nl ? (size_t)(nl - p) + 1 : n;
		}
		if (n - i > 5 && strncasecmp(p + i, "From:", 5) == 0) {
			*off = i;
			*len = k - i;
			return 1;
		}
		i = k;
	}
	return 0;
}

/* put_date - "Date:" in RFC 5322 form, C locale names */
static int
put_date(struct buf *out)
{
	static const char days[] = "SunMonTueWedThuFriSat";
	static const char mons[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	time_t	t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	return buf_appendf(out, "Date: %.3s, %d %.3s %d %02d:%02d:%02d +0000\r\n",
			   days + 3 * tm.tm_wday, tm.tm_mday, mons + 3 * tm.tm_mon,
			   tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* make_boundary - a fresh random boundary that the template does not hold */
static int
make_boundary(struct batch_writer *w, const char *tmpl, size_t n, struct cerr *e)
{
	unsigned char r[12];
	int	tries, i, k;

	for (tries = 0; tries < 4; tries++) {
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return cerr_set(e, "batch: getrandom: %s", strerror(errno));
		k = snprintf(w->boundary, sizeof(w->boundary), "=_campaign_batch_");
		for (i = 0; i < (int)sizeof(r); i++)
			k += snprintf(w->boundary + k, sizeof(w->boundary) - (size_t)k,
				      "%02x", r[i]);
		if (memmem(tmpl, n, w->boundary, (size_t)k) == NULL)
			return 0;
	}
	return cerr_set(e, "batch: the template holds the boundary");
}

/* put_head - the container's header; from: the template's From: field */
static int
put_head(const struct batch_writer *w, struct buf *out, const char *campaign,
	 const char *id, const char *from, size_t flen)
{
	if (buf_appendf(out, "X-Campaign-ID: %s\r\nX-Campaign-Batch: %s\r\n",
			campaign, id) < 0)
		return -1;
	if (from != NULL ? put_crlf(out, from, flen) < 0 : buf_puts(out, "From: <>\r\n") < 0)
		return -1;
	if (put_date(out) < 0)
		return -1;
	return buf_appendf(out, "Subject: campaign batch %s\r\nMIME-Version: 1.0\r\n"
			   "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n",
			   id, w->boundary);
}

/* put_parts - part 1 whole and part 2's header */
static int
put_parts(const struct batch_writer *w, struct buf *out, const char *tmpl,
	  size_t n, int t8)
{
	if (buf_appendf(out, "--%s\r\nContent-Type: message/rfc822\r\n"
			"Content-Transfer-Encoding: %s\r\n\r\n", w->boundary,
			t8 ? "8bit" : "7bit") < 0 || put_crlf(out, tmpl, n) < 0)
		return -1;
	return buf_appendf(out, "--%s\r\nContent-Type: text/csv; charset=utf-8; "
			   "header=present\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
			   w->boundary);
}

/* csv_field - one field, quoted when it must be */
static int
csv_field(struct buf *out, const char *v)
{
	size_t	n = strlen(v), i, k;

	if (n > 0 && strcspn(v, ",\"\r\n") == n && v[0] != ' ' && v[0] != '\t'
	    && v[n - 1] != ' ' && v[n - 1] != '\t')
		return buf_append(out, v, n);
	if (buf_putc(out, '"') < 0)
		return -1;
	for (i = 0; i < n; i = k) {
		k = i + strcspn(v + i, "\"\r\n");
		if (buf_append(out, v + i, k - i) < 0)
			return -1;
		if (k == n)
			break;
		if (buf_append(out, v[k] == '"' ? "\"\"" : "\r\n", 2) < 0)
			return -1;
		k += v[k] == '\r' && v[k + 1] == '\n' ? 2 : 1;
	}
	return buf_putc(out, '"');
}

/* put_record - fields as one CSV record, dot-stuffed when asked */
static int
put_record(struct batch_writer *w, struct buf *out, char *const *f, struct cerr *e)
{
	size_t	i, start = out->len;

	for (i = 0; i < w->ncols; i++) {
		if (strstr(f[i], w->boundary) != NULL)
			return cerr_set(e, "batch: a field holds the boundary");
		w->has8bit |= has8(f[i], strlen(f[i]));
		if ((i > 0 && buf_putc(out, ',') < 0) || csv_field(out, f[i]) < 0)
			return full(e);
	}
	if (buf_append(out, "\r\n", 2) < 0 || (w->dotstuff && stuff_tail(out, start) < 0))
		return full(e);
	return 0;
}

int
batch_write_begin(struct batch_writer *w, struct buf *out, const char *campaign,
		  const char *batch_id, const char *tmpl, size_t tmpl_len,
		  char *const *cols, size_t ncols, int dotstuff, struct cerr *e)
{
	size_t	start = out->len, foff = 0, flen = 0;
	int	hasfrom;

	memset(w, 0, sizeof(*w));
	w->ncols = ncols;
	w->dotstuff = dotstuff;
	if (!id_ok(campaign) || !id_ok(batch_id))
		return cerr_set(e, "batch: bad campaign or batch id");
	if (tmpl_len == 0 || tmpl[0] == ' ' || tmpl[0] == '\t' || tmpl[0] == '\r'
	    || tmpl[0] == '\n' || memchr(tmpl, ':', tmpl_len) == NULL)
		return cerr_set(e, "batch: the template is not a message");
	if (make_boundary(w, tmpl, tmpl_len, e) < 0)
		return -1;
	hasfrom = find_from(tmpl, tmpl_len, &foff, &flen);
	w->has8bit = has8(tmpl, tmpl_len);
	errno = 0;
	if (put_head(w, out, campaign, batch_id, hasfrom ? tmpl + foff : NULL, flen) < 0
	    || put_parts(w, out, tmpl, tmpl_len, w->has8bit) < 0
	    || (dotstuff && stuff_tail(out, start) < 0))
		return full(e);
	if (put_record(w, out, cols, e) < 0)
		return -1;
	w->nrcpt = 0;
	return 0;
}

int
batch_write_rcpt(struct batch_writer *w, struct buf *out, char *const *fields,
		 struct cerr *e)
{
	errno = 0;
	if (put_record(w, out, fields, e) < 0)
		return -1;
	w->nrcpt++;
	return 0;
}

int
batch_write_end(struct batch_writer *w, struct buf *out, struct cerr *e)
{
	errno = 0;
	if (buf_appendf(out, "--%s--\r\n", w->boundary) < 0)
		return full(e);
	return 0;
}
