/*
 * NAME
 *	smtp_reply - the one bounded SMTP reply parser (see smtp_reply.h)
 * SYNOPSIS
 *	#include "smtp_reply.h"
 *
 *	n = smtp_reply_parse(in, len, &r, &e);
 * DESCRIPTION
 *	Works on the caller's bytes as they are: one pass over each line,
 *	nothing copied but the kept text, the enhanced status code and the
 *	queue id, each into its fixed, bounded field of r.  The contract is
 *	in smtp_reply.h.
 * DIAGNOSTICS
 *	Returns -1 with a struct cerr text ("malformed reply line", "reply
 *	line over N bytes", "reply longer than N lines", "reply code changes
 *	from A to B"); never prints.
 * SEE ALSO
 *	RFC 5321 4.2; RFC 3463; Postfix smtp_chat.c.
 */
#include <string.h>
#include <strings.h>

#include "smtp_reply.h"

/* line_code - the reply code of one line, or -1 */
static int
line_code(const char *p, size_t n)
{
	if (n < 3 || p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9'
	    || p[2] < '0' || p[2] > '9')
		return -1;
	if (n > 3 && p[3] != ' ' && p[3] != '-')
		return -1;
	return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

/* text_add - append n bytes to r->text, printable only */
static void
text_add(struct smtp_reply *r, const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n && r->textlen < SMTP_TEXT_MAX - 1; i++) {
		unsigned char c = (unsigned char)p[i];

		r->text[r->textlen++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	r->text[r->textlen] = '\0';
}

/* ext_keyword - SMTP_EXT_* for an EHLO line's keyword, 0 if none */
static int
ext_keyword(const char *p, size_t n)
{
	static const struct { const char *kw; int bit; } kws[] = {
		{"PIPELINING", SMTP_EXT_PIPELINING},
		{"8BITMIME", SMTP_EXT_8BITMIME},
		{"SIZE", SMTP_EXT_SIZE},
		{"CHUNKING", SMTP_EXT_CHUNKING},
		{"SMTPUTF8", SMTP_EXT_SMTPUTF8},
	};
	size_t	i, k;

	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++) {
		k = strlen(kws[i].kw);
		if (n >= k && strncasecmp(p, kws[i].kw, k) == 0
		    && (n == k || p[k] == ' '))
			return kws[i].bit;
	}
	return 0;
}

/* digits - how many decimal digits start p (at most n looked at) */
static size_t
digits(const char *p, size_t n)
{
	size_t	i = 0;

	while (i < n && p[i] >= '0' && p[i] <= '9')
		i++;
	return i;
}

/*
 * enh_find - the enhanced status code after "ddd " (RFC 3463 2: class
 * "2", "4" or "5" as the reply's, subject and detail 1..3 digits), then
 * a space or the end of the line
 */
static void
enh_find(struct smtp_reply *r, const char *p, size_t n)
{
	size_t	i = 4, k;

	if (n < 9 || p[3] == '-' || p[4] != p[0] || p[5] != '.')
		return;
	for (i = 6, k = 0; k < 2; k++) {
		size_t	d = digits(p + i, n - i);

		if (d < 1 || d > 3 || (k == 0 && (i + d >= n || p[i + d] != '.')))
			return;
		i += d + (k == 0);
	}
	if (i < n && p[i] != ' ')
		return;
	memcpy(r->enh, p + 4, i - 4);
	r->enh[i - 4] = '\0';
}

/* qid_find - "queued as QID" in one line, the first in the reply */
static void
qid_find(struct smtp_reply *r, const char *p, size_t n)
{
	static const char pat[] = "queued as ";
	const char *q = memmem(p, n, pat, sizeof(pat) - 1);
	size_t	i, k;

	if (q == NULL)
		return;
	r->qid_seen = 1;
	i = (size_t)(q - p) + sizeof(pat) - 1;
	for (k = 0; i + k < n && k < SMTP_QID_MAX; k++) {
		char	c = p[i + k];

		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')
		      || (c >= 'a' && c <= 'z')))
			break;
	}
	if (k == 0 || k >= SMTP_QID_MAX)
		return;
	memcpy(r->qid, p + i, k);
	r->qid[k] = '\0';
}

/* add_line - account one complete line (without its line end) to r */
static int
add_line(struct smtp_reply *r, const char *p, size_t n, struct cerr *e)
{
	int	code = line_code(p, n);

	if (code < 0)
		return cerr_set(e, "malformed reply line");
	if (r->nlines > 0 && code != r->code)
		return cerr_set(e, "reply code changes from %d to %d", r->code, code);
	if (++r->nlines > SMTP_REPLY_LINES)
		return cerr_set(e, "reply longer than %d lines", SMTP_REPLY_LINES);
	r->code = code;
	if (r->nlines == 1) {
		text_add(r, p, n);
		enh_find(r, p, n);
	} else if (n > 4) {
		text_add(r, " ", 1);
		text_add(r, p + 4, n - 4);
	}
	if (!r->qid_seen)
		qid_find(r, p, n);
	if (code == 250 && r->nlines > 1 && n > 4)	/* line 1: the domain */
		r->ext |= ext_keyword(p + 4, n - 4);
	return 0;
}

/* reply_clear - r before the first line */
static void
reply_clear(struct smtp_reply *r)
{
	r->code = 0;
	r->nlines = 0;
	r->ext = 0;
	r->qid_seen = 0;
	r->enh[0] = '\0';
	r->qid[0] = '\0';
	r->textlen = 0;
	r->text[0] = '\0';
}

ssize_t
smtp_reply_parse(const char *in, size_t len, struct smtp_reply *r, struct cerr *e)
{
	size_t	pos = 0, n, k;
	const char *nl;

	reply_clear(r);
	for (;;) {
		nl = memchr(in + pos, '\n', len - pos);
		if (nl == NULL)
			return (len - pos > SMTP_LINE_MAX) ?
			    cerr_set(e, "reply line over %d bytes", SMTP_LINE_MAX) : 0;
		n = (size_t)(nl - (in + pos));
		if (n > SMTP_LINE_MAX)
			return cerr_set(e, "reply line over %d bytes", SMTP_LINE_MAX);
		k = (n > 0 && in[pos + n - 1] == '\r') ? n - 1 : n;
		if (add_line(r, in + pos, k, e) < 0)
			return -1;
		pos += n + 1;
		if (k < 4 || in[pos - n - 1 + 3] != '-')
			return (ssize_t)pos;
	}
}
