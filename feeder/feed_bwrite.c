/*
 * NAME
 *	feed_bwrite - write a batch container (BATCH-SPEC: MIME, template + CSV)
 * SYNOPSIS
 *	#include "feed.h"
 *
 *	struct bw_head h = { campaign, id, from, boundary, date };
 *	bw_begin(&out, &h, tmpl, tlen, cols, ncols);
 *	bw_record(&out, vals, ncols);		once per recipient
 *	bw_end(&out, boundary);
 * DESCRIPTION
 *	A batch is one RFC 5322 message, multipart/mixed (RFC 2046), with
 *	exactly two parts: the template as message/rfc822 (8bit), and the
 *	recipients with their merge fields as text/csv (RFC 4180, RFC 7111
 *	"header=present"; charset utf-8).  bw_begin() appends the
 *	container's header (X-Campaign-ID, X-Campaign-Batch, From:, Date:,
 *	Subject:, MIME-Version, Content-Type), the first part whole, the
 *	second part's header and the CSV header line; bw_record() appends
 *	one CSV record; bw_end() the closing boundary.  Every line ends in
 *	CRLF.  The output is not dot-stuffed: it is what BDAT sends; for
 *	DATA the caller stuffs it.
 *
 *	tmpl (tlen bytes) must already have CRLF line ends and end in CRLF.
 *	h->from is the whole From: field of the template (with folding, no
 *	final CRLF) or NULL, when "From: <>" is written.
 *
 *	CSV: a field is quoted when it holds a comma, a double quote, CR,
 *	LF, or starts or ends with a blank; a quote inside is doubled.  A
 *	line break inside a value (LF, CR or CRLF) is written as CRLF, the
 *	only line end allowed in a message body.  Other bytes, 8-bit ones
 *	included, are copied as they are.
 *
 *	The boundary is chosen by the caller: it must not occur in the
 *	template (checked by bw_boundary_ok()) and should hold enough
 *	randomness that no recipient list can contain it.
 *
 *	Each function returns 0, or -1 when out grows past its maximum or
 *	memory runs out (errno set by lib/buf).
 *
 *	This writer follows BATCH-SPEC.md; lib/batch's writer, where it is
 *	there, is the one place for this format and replaces this file.
 * SEE ALSO
 *	RFC 2046, RFC 4180, RFC 7111, campaign-feed(1) BATCHES.
 */
#include <string.h>
#include <time.h>

#include "feed.h"

/* put_date - "Date: " in RFC 5322 form, C locale names */
static int
put_date(struct buf *out, time_t t)
{
	static const char days[] = "SunMonTueWedThuFriSat";
	static const char mons[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;

	gmtime_r(&t, &tm);
	return buf_appendf(out, "Date: %.3s, %d %.3s %d %02d:%02d:%02d +0000\r\n",
			   days + 3 * tm.tm_wday, tm.tm_mday, mons + 3 * tm.tm_mon,
			   tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* needs_quotes - the CSV field must be quoted */
static int
needs_quotes(const char *v, size_t n)
{
	if (n == 0)
		return 0;
	if (v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' || v[n - 1] == '\t')
		return 1;
	return strcspn(v, ",\"\r\n") < n;
}

int
bw_csv_field(struct buf *out, const char *v)
{
	size_t	n = strlen(v), i, k;

	if (!needs_quotes(v, n))
		return buf_append(out, v, n);
	if (buf_putc(out, '"') < 0)
		return -1;
	for (i = 0; i < n; i = k) {
		k = i + strcspn(v + i, "\"\r\n");
		if (buf_append(out, v + i, k - i) < 0)
			return -1;
		if (k == n)
			break;
		if (v[k] == '"' && buf_append(out, "\"\"", 2) < 0)
			return -1;
		if (v[k] != '"' && buf_append(out, "\r\n", 2) < 0)
			return -1;
		k += v[k] == '\r' && v[k + 1] == '\n' ? 2 : 1;
	}
	return buf_putc(out, '"');
}

int
bw_record(struct buf *out, const char *const *vals, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((i > 0 && buf_putc(out, ',') < 0) || bw_csv_field(out, vals[i]) < 0)
			return -1;
	return buf_append(out, "\r\n", 2);
}

/* put_head - the container's own header fields */
static int
put_head(struct buf *out, const struct bw_head *h)
{
	if (buf_appendf(out, "X-Campaign-ID: %s\r\nX-Campaign-Batch: %s\r\n",
			h->campaign, h->id) < 0)
		return -1;
	if (h->from != NULL ? buf_appendf(out, "%s\r\n", h->from) < 0
	    : buf_puts(out, "From: <>\r\n") < 0)
		return -1;
	if (put_date(out, h->date) < 0)
		return -1;
	return buf_appendf(out, "Subject: campaign batch %s\r\nMIME-Version: 1.0\r\n"
			   "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n",
			   h->id, h->boundary);
}

int
bw_begin(struct buf *out, const struct bw_head *h, const char *tmpl,
	 size_t tlen, const char *const *cols, size_t ncols)
{
	if (put_head(out, h) < 0)
		return -1;
	if (buf_appendf(out, "This is a campaign batch (MIME).\r\n\r\n--%s\r\n"
			"Content-Type: message/rfc822\r\n"
			"Content-Transfer-Encoding: %s\r\n\r\n", h->boundary,
			h->tmpl8bit ? "8bit" : "7bit") < 0)
		return -1;
	if (buf_append(out, tmpl, tlen) < 0)
		return -1;
	if (buf_appendf(out, "\r\n--%s\r\nContent-Type: text/csv; charset=utf-8; "
			"header=present\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
			h->boundary) < 0)
		return -1;
	return bw_record(out, cols, ncols);
}

int
bw_end(struct buf *out, const char *boundary)
{
	return buf_appendf(out, "\r\n--%s--\r\n", boundary);
}

int
bw_boundary_ok(const char *boundary, const char *tmpl, size_t tlen)
{
	return memmem(tmpl, tlen, boundary, strlen(boundary)) == NULL;
}
