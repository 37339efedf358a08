/*
 * NAME
 *	feed_reply - bounded SMTP reply parser
 * SYNOPSIS
 *	#include "feed.h"
 *
 *	n = reply_parse(in, len, &r, &e);
 * DESCRIPTION
 *	reply_parse() looks for one complete reply (RFC 5321 4.2: "ddd-text"
 *	continuation lines, then "ddd text" or "ddd") at the start of in.
 *	It returns the bytes the reply takes (> 0) and fills r; 0 when the
 *	reply is not complete yet; -1 on a protocol error: a line longer
 *	than FEED_LINE_MAX, more than FEED_REPLY_LINES lines, a code that
 *	is not three digits from 2xx to 5xx, a bad separator, or a code that
 *	changes between lines.
 *
 *	r->text holds the first line "ddd text" and the text of the others,
 *	joined by single spaces, truncated to FEED_TEXT_MAX - 1 bytes, with
 *	every byte outside printable ASCII written as '?'.  For a 250 reply
 *	r->ext has REPLY_EXT_* for the EHLO keywords PIPELINING, 8BITMIME
 *	SIZE and CHUNKING, looked for on the lines after the first (the
 *	first names the server: RFC 5321 4.1.1.1).
 * SEE ALSO
 *	RFC 5321 4.2, 4.5.3.1.5; Postfix smtp_chat.c; OpenSMTPD SMTP_LINE_MAX.
 */
#include <string.h>
#include <strings.h>

#include "feed.h"

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
text_add(struct reply *r, const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n && r->textlen < FEED_TEXT_MAX - 1; i++) {
		unsigned char c = (unsigned char)p[i];

		r->text[r->textlen++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	r->text[r->textlen] = '\0';
}

/* ext_keyword - REPLY_EXT_* for an EHLO line's keyword, 0 if none */
static int
ext_keyword(const char *p, size_t n)
{
	static const struct { const char *kw; int bit; } kws[] = {
		{"PIPELINING", REPLY_EXT_PIPELINING},
		{"8BITMIME", REPLY_EXT_8BITMIME},
		{"SIZE", REPLY_EXT_SIZE},
		{"CHUNKING", REPLY_EXT_CHUNKING},
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

/* add_line - account one complete line (without CRLF) to r */
static int
add_line(struct reply *r, const char *p, size_t n, struct cerr *e)
{
	int	code = line_code(p, n);

	if (code < 0)
		return cerr_set(e, "malformed reply line");
	if (r->nlines > 0 && code != r->code)
		return cerr_set(e, "reply code changes from %d to %d", r->code, code);
	if (++r->nlines > FEED_REPLY_LINES)
		return cerr_set(e, "reply longer than %d lines", FEED_REPLY_LINES);
	r->code = code;
	if (r->nlines == 1) {
		text_add(r, p, n);
	} else if (n > 4) {
		text_add(r, " ", 1);
		text_add(r, p + 4, n - 4);
	}
	if (code == 250 && r->nlines > 1 && n > 4)	/* line 1: the domain */
		r->ext |= ext_keyword(p + 4, n - 4);
	return 0;
}

ssize_t
reply_parse(const char *in, size_t len, struct reply *r, struct cerr *e)
{
	size_t	pos = 0, n;
	const char *nl;

	r->code = 0;
	r->nlines = 0;
	r->ext = 0;
	r->textlen = 0;
	r->text[0] = '\0';
	for (;;) {
		nl = memchr(in + pos, '\n', len - pos);
		if (nl == NULL)
			return (len - pos > FEED_LINE_MAX) ?
			    cerr_set(e, "reply line longer than %d bytes", FEED_LINE_MAX) : 0;
		n = (size_t)(nl - (in + pos));
		if (n > FEED_LINE_MAX)
			return cerr_set(e, "reply line longer than %d bytes", FEED_LINE_MAX);
		if (add_line(r, in + pos, (n > 0 && in[pos + n - 1] == '\r') ? n - 1 : n, e) < 0)
			return -1;
		pos += n + 1;
		if (n < 4 || in[pos - n - 1 + 3] != '-')
			return (ssize_t)pos;
	}
}
