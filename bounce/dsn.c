/*
 * NAME
 *	dsn - the fields of a delivery status notification (RFC 3464) and of
 *	a feedback report (RFC 5965)
 * SYNOPSIS
 *	#include "bounce.h"
 *
 *	struct dsn_fields f;
 *	dsn_parse(body, n, &f);		message/delivery-status
 *	arf_parse(body, n, &f);		message/feedback-report
 *	dsn_reply(f.diag, code, status, &text);
 *	dsn_address("rfc822; User@Example.com", key);
 * DESCRIPTION
 *	Both bodies are groups of header-like fields ("Name: value", a line
 *	starting with white space continues the field) separated by blank
 *	lines.  dsn_parse() reads the per-recipient groups (those after the
 *	first) and keeps the first with Action: failed, else the first one
 *	at all; the big providers' layouts vary in the details handled here:
 *	"rfc822;addr" without a space (Exchange Online), "<addr>" in angle
 *	brackets, multi-line replies in Diagnostic-Code ("550-5.1.1 ...
 *	550 5.1.1 ...", Gmail), CRLF or LF, a missing per-message group.
 *	arf_parse() reads Feedback-Type and Original-Rcpt-To from the one
 *	group of a feedback report.
 *
 *	dsn_reply() splits a Diagnostic-Code text of type smtp into the
 *	reply code, the enhanced status code (either may be absent: "") and
 *	the text after them, with the repeated "550-5.1.1" prefixes of a
 *	multi-line reply left out.
 *	dsn_address() turns "rfc822; local@domain" (or a bare address) into
 *	a lookup key; 0, or -1 when it is not an address.
 *
 *	Values longer than their field are cut; bytes are never interpreted
 *	beyond n.  Pure string work: no allocation, no GMime.
 * DIAGNOSTICS
 *	None: malformed fields leave their struct members empty.
 * SEE ALSO
 *	RFC 3464 2.2 and 2.3, RFC 5965 3.1, RFC 3463.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "bounce.h"

typedef void (*field_fn)(int group, const char *name, size_t nlen,
			 const char *val, size_t vlen, void *ctx);

/* copy_field - val into out (size outlen), cut, folding turned into spaces */
static void
copy_field(char *out, size_t outlen, const char *val, size_t vlen)
{
	size_t	i, o = 0;

	while (vlen > 0 && isspace((unsigned char)*val))
		val++, vlen--;
	while (vlen > 0 && isspace((unsigned char)val[vlen - 1]))
		vlen--;
	for (i = 0; i < vlen && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)val[i];

		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		if (c == ' ' && o > 0 && out[o - 1] == ' ')
			continue;
		out[o++] = c < ' ' || c == 0x7f ? '?' : (char)c;
	}
	out[o] = '\0';
}

/* line_end - the end of the line at p (before \r\n or \n), and the next */
static const char *
line_end(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	*next = nl ? nl + 1 : end;
	if (nl == NULL)
		nl = end;
	return nl > p && nl[-1] == '\r' ? nl - 1 : nl;
}

/* walk - call fn for every field, with its group number */
static void
walk(const char *body, size_t n, field_fn fn, void *ctx)
{
	const char *p = body, *end = body + n, *next, *le, *colon, *vend;
	int	group = 0, in_group = 0;

	while (p < end) {
		le = line_end(p, end, &next);
		if (le == p) {			/* blank line: the group ends */
			group += in_group;
			in_group = 0;
			p = next;
			continue;
		}
		colon = memchr(p, ':', (size_t)(le - p));
		if (colon == NULL || isspace((unsigned char)*p)) {
			p = next;		/* stray continuation or junk */
			continue;
		}
		vend = le;
		while (next < end && (*next == ' ' || *next == '\t'))
			vend = line_end(next, end, &next);
		fn(group, p, (size_t)(colon - p), colon + 1, (size_t)(vend - colon - 1), ctx);
		in_group = 1;
		p = next;
	}
}

static int
is_name(const char *name, size_t nlen, const char *want)
{
	return strlen(want) == nlen && strncasecmp(name, want, nlen) == 0;
}

struct dsn_walk {
	struct dsn_fields *f;
	struct dsn_fields cur;
	int	group, have, done;
};

/* keep - the group just read becomes the answer if it is the best so far */
static void
keep(struct dsn_walk *w)
{
	if (w->done || (w->cur.action[0] == '\0' && w->cur.final_rcpt[0] == '\0'))
		return;
	if (!w->have || strcasecmp(w->cur.action, "failed") == 0) {
		*w->f = w->cur;
		w->have = 1;
		w->done = strcasecmp(w->cur.action, "failed") == 0;
	}
}

static void
dsn_field(int group, const char *name, size_t nlen, const char *val, size_t vlen, void *ctx)
{
	struct dsn_walk *w = ctx;
	struct dsn_fields *c = &w->cur;

	if (group != w->group) {
		keep(w);
		memset(c, 0, sizeof(*c));
		w->group = group;
	}
	if (is_name(name, nlen, "Final-Recipient"))
		copy_field(c->final_rcpt, sizeof(c->final_rcpt), val, vlen);
	else if (is_name(name, nlen, "Original-Recipient"))
		copy_field(c->orig_rcpt, sizeof(c->orig_rcpt), val, vlen);
	else if (is_name(name, nlen, "Action"))
		copy_field(c->action, sizeof(c->action), val, vlen);
	else if (is_name(name, nlen, "Status"))
		copy_field(c->status, sizeof(c->status), val, vlen);
	else if (is_name(name, nlen, "Diagnostic-Code"))
		copy_field(c->diag, sizeof(c->diag), val, vlen);
}

/* split_diag - "smtp; 550 ..." into type and text */
static void
split_diag(struct dsn_fields *f)
{
	char   *semi = strchr(f->diag, ';');
	size_t	tl;

	if (semi == NULL || (tl = (size_t)(semi - f->diag)) >= sizeof(f->diag_type))
		return;
	memcpy(f->diag_type, f->diag, tl);
	f->diag_type[tl] = '\0';
	semi++;
	while (*semi == ' ')
		semi++;
	memmove(f->diag, semi, strlen(semi) + 1);
}

void
dsn_parse(const char *body, size_t n, struct dsn_fields *f)
{
	struct dsn_walk w;
	char   *s;

	memset(&w, 0, sizeof(w));
	memset(f, 0, sizeof(*f));
	w.f = f;
	w.group = -1;
	walk(body, n, dsn_field, &w);
	keep(&w);
	split_diag(f);
	if ((s = strchr(f->status, ' ')) != NULL)	/* "5.1.1 (comment)" */
		*s = '\0';
}

static void
arf_field(int group, const char *name, size_t nlen, const char *val, size_t vlen, void *ctx)
{
	struct dsn_fields *f = ctx;

	(void)group;
	if (is_name(name, nlen, "Feedback-Type"))
		copy_field(f->feedback, sizeof(f->feedback), val, vlen);
	else if (is_name(name, nlen, "Original-Rcpt-To") && f->final_rcpt[0] == '\0')
		copy_field(f->final_rcpt, sizeof(f->final_rcpt), val, vlen);
}

void
arf_parse(const char *body, size_t n, struct dsn_fields *f)
{
	memset(f, 0, sizeof(*f));
	walk(body, n, arf_field, f);
}

/* enhanced - length of an X.Y.Z status code at s (digits), 0 if none */
static size_t
enhanced(const char *s)
{
	size_t	i = 0, parts = 0, digits;

	while (parts < 3) {
		for (digits = 0; isdigit((unsigned char)s[i]) && digits < 3; digits++)
			i++;
		if (digits == 0 || (parts == 0 && digits != 1))
			return 0;
		if (++parts < 3 && s[i++] != '.')
			return 0;
	}
	return s[i] == '\0' || s[i] == ' ' ? i : 0;
}

void
dsn_reply(const char *diag, char code[4], char status[16], const char **text)
{
	const char *p = diag;
	size_t	el;

	code[0] = status[0] = '\0';
	if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1])
	    && isdigit((unsigned char)p[2]) && (p[3] == ' ' || p[3] == '-' || p[3] == '\0')) {
		memcpy(code, p, 3);
		code[3] = '\0';
		p += p[3] ? 4 : 3;
	}
	if ((el = enhanced(p)) > 0 && el < 16) {
		memcpy(status, p, el);
		status[el] = '\0';
		p += el;
	}
	while (*p == ' ')
		p++;
	*text = p;
}

int
dsn_address(const char *value, char out[ADDR_KEY_MAX + 1])
{
	const char *p = value, *semi = strchr(value, ';');
	struct addr a;

	if (semi != NULL)
		p = semi + 1;
	while (*p == ' ')
		p++;
	if (*p == '\0' || addr_parse_path(p, strlen(p), &a, NULL, NULL) < 0 || a.null)
		return -1;
	return addr_key(&a, out, ADDR_KEY_MAX + 1);
}
