/*
 * NAME
 *	verp - campaign and recipient from a VERP return path, or from the
 *	unsubscribe link of a returned message
 * SYNOPSIS
 *	#include "bounce.h"
 *
 *	r = verp_decode("bounces+%c+%r@example.com",
 *			"bounces+spring+user=example.net@example.com", n,
 *			campaign, rcpt);	1: "spring", "user@example.net"
 *	r = unsub_decode(list_unsubscribe_value, campaign, rcpt, token);
 * DESCRIPTION
 *	verp_decode() undoes what campaign-milter writes (milter/tag.c
 *	tag_return_path()): the template's literal text must match (case
 *	ignored), %c is 1-64 of A-Za-z0-9._- (tag_id_valid()), %r is the
 *	recipient in the form local=domain (addr_verp(): atext, '.' and
 *	'='; the last '=' separates the domain).  The milter drops %r and the
 *	delimiter just before it when a message has several recipients, so
 *	that shorter form is tried too.  Placeholders are matched shortest
 *	first, with backtracking, so "a+%c+%r@d" splits "a+x-y+u=v.w@d" at
 *	the first '+' that leaves a valid rest.  Returns 1 when the address
 *	matches (campaign and/or rcpt filled, "" for a placeholder the
 *	template does not have), 0 when it does not.  rcpt is a lookup key
 *	(lower case).  An address longer than 512 bytes never matches (the
 *	milter writes none, and it bounds the backtracking).
 *
 *	unsub_decode() reads c=, r= and t= from the query of the first
 *	http(s) URL of a List-Unsubscribe value (campaign-milter writes them
 *	percent-encoded: tag_unsub_url()); returns 1 when c and r were found
 *	and are valid, 0 otherwise.  token is "" when there was no t=.
 * DIAGNOSTICS
 *	None: a non-matching address gives 0.
 * SEE ALSO
 *	milter/tag.c, lib/addr.c (addr_verp), RFC 8058.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "bounce.h"
#include "tag.h"

#define VERP_DEPTH	4		/* placeholders in a template, at most */
#define VERP_ADDR_MAX	(2 * ADDR_PATH_MAX)	/* bounds the backtracking */

static int
id_char(int c)
{
	return isalnum(c) || c == '.' || c == '_' || c == '-';
}

static int
verp_char(int c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

struct vmatch {
	const char *c, *r;
	size_t	cl, rl;
};

/* rcpt_ok - local=domain with something on both sides of the last '=' */
static int
rcpt_ok(const char *s, size_t n)
{
	size_t	i;

	for (i = n; i > 0 && s[i - 1] != '='; i--)
		;
	return i > 1 && i < n;
}

/* match - template t against s (n bytes); fills m on success */
static int
match(const char *t, const char *s, size_t n, struct vmatch *m, int depth)
{
	size_t	len;
	int	key;

	for (; *t && *t != '%'; t++, s++, n--)
		if (n == 0 || tolower((unsigned char)*t) != tolower((unsigned char)*s))
			return 0;
	if (*t == '\0')
		return n == 0;
	if (t[1] == '%')
		return n > 0 && *s == '%' && match(t + 2, s + 1, n - 1, m, depth);
	key = t[1];
	if ((key != 'c' && key != 'r') || depth >= VERP_DEPTH)
		return 0;
	for (len = 1; len <= n; len++) {
		if (!(key == 'c' ? id_char((unsigned char)s[len - 1]) : verp_char((unsigned char)s[len - 1])))
			return 0;
		if (key == 'c' && len > BOUNCE_ID_MAX)
			return 0;
		if (key == 'r' && !rcpt_ok(s, len))
			continue;
		if (match(t + 2, s + len, n - len, m, depth + 1)) {
			*(key == 'c' ? &m->c : &m->r) = s;
			*(key == 'c' ? &m->cl : &m->rl) = len;
			return 1;
		}
	}
	return 0;
}

/* rcpt_key - "local=domain" into the lookup key local@domain */
static int
rcpt_key(const char *r, size_t n, char out[ADDR_KEY_MAX + 1])
{
	char	path[ADDR_PATH_MAX + 3];
	struct addr a;
	size_t	eq;

	if (n > ADDR_PATH_MAX)
		return -1;
	for (eq = n; r[eq - 1] != '='; eq--)
		;
	path[0] = '<';
	memcpy(path + 1, r, n);
	path[eq] = '@';
	path[n + 1] = '>';
	path[n + 2] = '\0';
	if (addr_parse_path(path, n + 2, &a, NULL, NULL) < 0 || a.null)
		return -1;
	return addr_key(&a, out, ADDR_KEY_MAX + 1);
}

/* short_form - the template without %r and the delimiter before it */
static int
short_form(const char *tmpl, char *out, size_t outlen)
{
	const char *r = strstr(tmpl, "%r");
	size_t	cut;

	if (r == NULL || r == tmpl || strlen(tmpl) >= outlen)
		return -1;
	cut = (size_t)(r - tmpl) - 1;
	memcpy(out, tmpl, cut);
	strcpy(out + cut, r + 2);
	return 0;
}

int
verp_decode(const char *tmpl, const char *addr, size_t n,
	    char campaign[BOUNCE_ID_MAX + 1], char rcpt[ADDR_KEY_MAX + 1])
{
	struct vmatch m = {NULL, NULL, 0, 0};
	char	shorter[512];

	campaign[0] = rcpt[0] = '\0';
	if (tmpl == NULL || n == 0 || n > VERP_ADDR_MAX)
		return 0;		/* longer than any address the milter writes */
	if (!match(tmpl, addr, n, &m, 0)
	    && (short_form(tmpl, shorter, sizeof(shorter)) < 0
		|| !match(shorter, addr, n, &m, 0)))
		return 0;
	if (m.r != NULL && rcpt_key(m.r, m.rl, rcpt) < 0)
		rcpt[0] = '\0';
	if (m.c != NULL) {
		memcpy(campaign, m.c, m.cl);
		campaign[m.cl] = '\0';
	}
	return 1;
}

/* hexval - one hex digit, -1 if not */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* param - the percent-decoded value of NAME= in the query q..end */
static int
param(const char *q, const char *end, const char *name, char *out, size_t outlen)
{
	size_t	nl = strlen(name), o = 0;
	const char *p;

	for (p = q; p < end; p++) {
		if ((p == q || p[-1] == '&' || p[-1] == '?') && (size_t)(end - p) > nl
		    && strncmp(p, name, nl) == 0 && p[nl] == '=')
			break;
	}
	if (p >= end)
		return 0;
	for (p += nl + 1; p < end && *p != '&' && o + 1 < outlen; p++) {
		if (*p == '%' && end - p >= 3 && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
			out[o++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
			p += 2;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return o > 0 && (p >= end || *p == '&');
}

int
unsub_decode(const char *h, char campaign[BOUNCE_ID_MAX + 1],
	     char rcpt[ADDR_KEY_MAX + 1], char token[64])
{
	const char *u = strstr(h, "http"), *q, *end;
	char	r[ADDR_PATH_MAX + 1];
	struct addr a;

	campaign[0] = rcpt[0] = token[0] = '\0';
	if (u == NULL || (end = strchr(u, '>')) == NULL || (q = memchr(u, '?', (size_t)(end - u))) == NULL)
		return 0;
	if (!param(q, end, "t", token, 64))
		token[0] = '\0';
	if (!param(q, end, "c", campaign, BOUNCE_ID_MAX + 1) || !param(q, end, "r", r, sizeof(r))
	    || addr_parse_path(r, strlen(r), &a, NULL, NULL) < 0 || a.null
	    || addr_key(&a, rcpt, ADDR_KEY_MAX + 1) < 0) {
		campaign[0] = rcpt[0] = '\0';
		return 0;
	}
	if (!tag_id_valid(campaign, strlen(campaign)))
		return campaign[0] = rcpt[0] = '\0', 0;
	return 1;
}
