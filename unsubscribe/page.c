/*
 * NAME
 *	page - campaign-unsubscribe's HTML pages
 * SYNOPSIS
 *	#include "unsub.h"
 *
 *	page_confirm(&out, "user@example.com");	GET: the form that POSTs
 *	page_done(&out, "user@example.com");	POST: done
 *	page_error(&out, 403, "this link is not valid");
 * DESCRIPTION
 *	Small, self-contained pages: no script, no outside resource, one
 *	inline style.  The confirmation page's form has no action, so the
 *	browser POSTs to the very URL it shows (also behind a proxy that
 *	adds a path prefix), with the body List-Unsubscribe=One-Click
 *	(RFC 8058's pair, from a hidden field).  Every text from the request
 *	goes through html_escape() (& < > " ' as entities).  Each function
 *	replaces out's content; 0, or -1 when out's maximum was reached.
 * DIAGNOSTICS
 *	None: -1 only when the page would not fit its buffer (http.c then
 *	closes the connection).
 * SEE ALSO
 *	RFC 8058 section 3.2 (a GET must not unsubscribe).
 */
#include "unsub.h"

#define HEAD \
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n" \
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" \
	"<meta name=\"robots\" content=\"noindex\">\n" \
	"<title>%s</title>\n<style>body{font-family:sans-serif;max-width:36em;" \
	"margin:3em auto;padding:0 1em}button{font-size:1.1em;padding:.5em 1.5em}</style>\n" \
	"</head><body>\n"
#define TAIL "</body></html>\n"

int
html_escape(struct buf *out, const char *s)
{
	int	r = 0;

	for (; *s && r == 0; s++) {
		switch (*s) {
		case '&': r = buf_puts(out, "&amp;"); break;
		case '<': r = buf_puts(out, "&lt;"); break;
		case '>': r = buf_puts(out, "&gt;"); break;
		case '"': r = buf_puts(out, "&quot;"); break;
		case '\'': r = buf_puts(out, "&#39;"); break;
		default: r = buf_putc(out, *s); break;
		}
	}
	return r;
}

int
page_confirm(struct buf *out, const char *rcpt)
{
	buf_reset(out);
	if (buf_appendf(out, HEAD, "Unsubscribe") < 0
	    || buf_puts(out, "<h1>Unsubscribe</h1>\n<p>Stop sending these mailings to <b>") < 0
	    || html_escape(out, rcpt) < 0
	    || buf_puts(out, "</b>?</p>\n<form method=\"post\">\n"
		"<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\n"
		"<button type=\"submit\" id=\"unsubscribe\">Unsubscribe</button>\n"
		"</form>\n" TAIL) < 0)
		return -1;
	return 0;
}

int
page_done(struct buf *out, const char *rcpt)
{
	buf_reset(out);
	if (buf_appendf(out, HEAD, "Unsubscribed") < 0
	    || buf_puts(out, "<h1>Unsubscribed</h1>\n<p><b>") < 0
	    || html_escape(out, rcpt) < 0
	    || buf_puts(out, "</b> will get no more of these mailings.</p>\n" TAIL) < 0)
		return -1;
	return 0;
}

int
page_error(struct buf *out, unsigned status, const char *text)
{
	buf_reset(out);
	if (buf_appendf(out, HEAD, "Unsubscribe") < 0
	    || buf_appendf(out, "<h1>%u</h1>\n<p>", status) < 0
	    || html_escape(out, text) < 0
	    || buf_puts(out, "</p>\n" TAIL) < 0)
		return -1;
	return 0;
}
