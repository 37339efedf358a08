/*
 * NAME
 *	addr - SMTP path and header address parsing, normalisation, VERP
 *	(see addr.h)
 * SYNOPSIS
 *	#include "addr.h"
 * DESCRIPTION
 *	One mailbox parser serves both entry points: parse_mailbox() takes
 *	the bytes between the angle brackets (or a bare address), skips a
 *	source route, and splits local part and domain with the RFC 5321
 *	size limits.  The entry points first refuse bad bytes, in input
 *	order, each with its named reason: NUL, CR or LF, another control
 *	byte, an 8-bit byte.
 *
 *	The grammar is RFC 5321's, made a little lenient where Postfix is
 *	lenient and the result is still unambiguous: dots in a dot-string
 *	local part may lead, trail or repeat ("first..last@"), and domains
 *	may contain '_' and end in one dot.
 * DIAGNOSTICS
 *	-1 with the named reason's text (addr_strerror()) in e; nothing is
 *	printed.
 * SEE ALSO
 *	RFC 5321 4.1.2 and 4.5.3.1, RFC 5322 3.4; Postfix quote_822_local.c,
 *	tok822_parse.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

static const char *const addr_errors[] = {
	[ADDR_OK] = "no error",
	[ADDR_ENUL] = "NUL byte in address",
	[ADDR_ECRLF] = "CR or LF in address",
	[ADDR_ECTRL] = "control character in address",
	[ADDR_ETOOLONG] = "address too long",
	[ADDR_EBRACKET] = "missing or unbalanced angle bracket",
	[ADDR_EEMPTYLOCAL] = "empty local part",
	[ADDR_ENODOMAIN] = "missing domain",
	[ADDR_ESYNTAX] = "address syntax error",
	[ADDR_E8BIT] = "8-bit character in address",
};

const char *
addr_strerror(enum addr_error err)
{
	if ((unsigned)err >= sizeof(addr_errors) / sizeof(addr_errors[0]))
		return "unknown address error";
	return addr_errors[err];
}

/* fail - the named reason's text into e; always -1 */
static int
fail(struct cerr *e, enum addr_error why)
{
	return cerr_set(e, "%s", addr_strerror(why));
}

static int
is_atext(int c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* byte_class - the named reason a byte is refused, or ADDR_OK */
static enum addr_error
byte_class(unsigned char c, int allow8)
{
	if (c == '\0')
		return ADDR_ENUL;
	if (c == '\r' || c == '\n')
		return ADDR_ECRLF;
	if (c < 0x20 || c == 0x7f)
		return ADDR_ECTRL;
	if (c >= 0x80 && !allow8)
		return ADDR_E8BIT;
	return ADDR_OK;
}

/* check_bytes - refuse the first bad byte of s[0..n) */
static int
check_bytes(const char *s, size_t n, struct cerr *e)
{
	size_t	i;
	enum addr_error why;

	for (i = 0; i < n; i++)
		if ((why = byte_class((unsigned char)s[i], 0)) != ADDR_OK)
			return fail(e, why);
	return 0;
}

/* local_end - length of the local part at p (quoted or dot-string) */
static size_t
local_end(const char *p, size_t n)
{
	size_t	i = 0;

	if (n > 0 && p[0] == '"') {
		for (i = 1; i < n && p[i] != '"'; i++)
			if (p[i] == '\\' && i + 1 < n)
				i++;
		return i < n ? i + 1 : n + 1;	/* n + 1: no closing quote */
	}
	while (i < n && (is_atext((unsigned char)p[i]) || p[i] == '.'))
		i++;
	return i;
}

/* check_domain - hostname (letters, digits, '-', '_', dots) or [literal] */
static enum addr_error
check_domain(const char *d, size_t n)
{
	size_t	i;

	if (n == 0)
		return ADDR_ENODOMAIN;
	if (n > ADDR_DOMAIN_MAX)
		return ADDR_ETOOLONG;
	if (d[0] == '[') {
		if (n < 3 || d[n - 1] != ']')
			return ADDR_ESYNTAX;
		for (i = 1; i < n - 1; i++)
			if (strchr("[]\\ <>@\"(),;", d[i]) != NULL)
				return ADDR_ESYNTAX;
		return ADDR_OK;
	}
	for (i = 0; i < n; i++) {
		if (d[i] == '.' && (i == 0 || d[i - 1] == '.'))
			return ADDR_ESYNTAX;
		if (!isalnum((unsigned char)d[i]) && !strchr("-_.", d[i]))
			return ADDR_ESYNTAX;
	}
	return ADDR_OK;
}

/* skip_route - skip "@a,@b:" before the mailbox; -1 if malformed */
static long
skip_route(const char *p, size_t n)
{
	const char *colon = memchr(p, ':', n);
	size_t	i;

	if (n == 0 || p[0] != '@' || colon == NULL)
		return 0;
	for (i = 0; p + i < colon; i++)
		if (!isalnum((unsigned char)p[i]) && !strchr("@,.-_[]", p[i]))
			return -1;
	return colon - p + 1;
}

/* parse_mailbox - "[route:]local@domain" of n bytes into a */
static int
parse_mailbox(const char *p, size_t n, struct addr *a, struct cerr *e)
{
	long	route = skip_route(p, n);
	size_t	l;
	enum addr_error why;

	if (route < 0)
		return fail(e, ADDR_ESYNTAX);
	p += route;
	n -= (size_t)route;
	if ((l = local_end(p, n)) > n)
		return fail(e, ADDR_ESYNTAX);	/* unterminated quote */
	if (l == n)
		return fail(e, n == 0 ? ADDR_ESYNTAX : ADDR_ENODOMAIN);
	if (p[l] != '@')
		return fail(e, ADDR_ESYNTAX);
	if (l == 0)
		return fail(e, ADDR_EEMPTYLOCAL);
	if (l > ADDR_LOCAL_MAX)
		return fail(e, ADDR_ETOOLONG);
	if ((why = check_domain(p + l + 1, n - l - 1)) != ADDR_OK)
		return fail(e, why);
	memcpy(a->local, p, l);
	a->local[l] = '\0';
	memcpy(a->domain, p + l + 1, n - l - 1);
	a->domain[n - l - 1] = '\0';
	return 0;
}

/* close_bracket - index of the '>' matching s[i] == '<', outside quotes */
static long
close_bracket(const char *s, size_t n, size_t i)
{
	int	quoted = 0;

	for (i++; i < n; i++) {
		if (quoted && s[i] == '\\')
			i++;
		else if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted && s[i] == '<')
			return -1;
		else if (!quoted && s[i] == '>')
			return (long)i;
	}
	return -1;
}

static void
addr_clear(struct addr *a)
{
	a->local[0] = '\0';
	a->domain[0] = '\0';
	a->null = 0;
}

/* path_content - the path's bytes [*b, *end) and where params start */
static int
path_content(const char *s, size_t n, size_t *b, size_t *end, size_t *rest,
	     struct cerr *e)
{
	size_t	i = 0;
	long	j;

	while (i < n && s[i] == ' ')
		i++;
	if (i < n && s[i] == '<') {
		if ((j = close_bracket(s, n, i)) < 0)
			return fail(e, ADDR_EBRACKET);
		if ((size_t)j + 1 < n && s[j + 1] != ' ')
			return fail(e, ADDR_ESYNTAX);
		*b = i + 1;
		*end = (size_t)j;
		*rest = (size_t)j + 1;
		return 0;
	}
	for (*b = i; i < n && s[i] != ' '; i++)
		if (s[i] == '<' || s[i] == '>')
			return fail(e, ADDR_EBRACKET);
	*end = *rest = i;
	return 0;
}

int
addr_parse_path(const char *s, size_t n, struct addr *a,
		const char **params, struct cerr *e)
{
	size_t	b = 0, end = 0, rest = 0;

	addr_clear(a);
	if (check_bytes(s, n, e) < 0 || path_content(s, n, &b, &end, &rest, e) < 0)
		return -1;
	if (end - b + 2 > ADDR_PATH_MAX)
		return fail(e, ADDR_ETOOLONG);
	while (rest < n && s[rest] == ' ')
		rest++;
	if (params != NULL)
		*params = s + rest;
	if (end == b && b > 0 && s[b - 1] == '<') {
		a->null = 1;
		return 0;
	}
	if (end == b)
		return fail(e, ADDR_ESYNTAX);
	return parse_mailbox(s + b, end - b, a, e);
}

/* header_bytes - bad bytes in a header value; folding (CRLF WSP) is fine */
static int
header_bytes(const char *s, size_t n, struct cerr *e)
{
	size_t	i;
	enum addr_error why;

	for (i = 0; i < n; i++) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			i++;
		if (s[i] == '\n' && i + 1 < n && (s[i + 1] == ' ' || s[i + 1] == '\t'))
			continue;
		if (s[i] == '\t')
			continue;
		why = byte_class((unsigned char)s[i], 1);
		if (why != ADDR_OK)
			return fail(e, why);
	}
	return 0;
}

/* scan_state - quotes and (nested) comments of RFC 5322 */
struct scan {
	int	quoted;
	int	depth;
};

/* scan_step - advance over s[*i]; returns 1 when s[*i] is at top level */
static int
scan_step(struct scan *st, const char *s, size_t n, size_t *i)
{
	char	c = s[*i];

	if ((st->quoted || st->depth) && c == '\\') {
		if (*i + 1 < n)
			(*i)++;
		return 0;
	}
	if (st->quoted) {
		st->quoted = c != '"';
		return 0;
	}
	if (c == '(')
		st->depth++;
	else if (c == ')' && st->depth)
		st->depth--;
	else if (c == '"' && !st->depth)
		st->quoted = 1;
	else if (!st->depth)
		return 1;
	return 0;
}

/* spec_put - append one byte to the addr-spec copy */
static int
spec_put(char *out, size_t *o, char c)
{
	if (*o + 2 > ADDR_PATH_MAX)
		return -1;
	out[(*o)++] = c;
	return 0;
}

/* copy_spec - addr-spec of s[0..n) without comments and outer white space */
static int
copy_spec(const char *s, size_t n, char *out, size_t *olen, struct cerr *e)
{
	size_t	i, o = 0;
	int	quoted = 0, depth = 0, r = 0;

	for (i = 0; i < n && r == 0; i++) {
		char	c = s[i];

		if (depth) {
			if (c == '\\' && i + 1 < n)
				i++;
			else
				depth += (c == '(') - (c == ')');
		} else if (quoted) {
			r = spec_put(out, &o, c);
			if (c == '\\' && i + 1 < n && r == 0)
				r = spec_put(out, &o, s[++i]);
			else if (c == '"')
				quoted = 0;
		} else if (c == '(') {
			depth = 1;
		} else if (c == '<' || c == '>') {
			return fail(e, ADDR_EBRACKET);
		} else if (strchr(" \t\r\n", c) == NULL) {
			quoted = c == '"';
			r = spec_put(out, &o, c);
		}
	}
	if (r < 0)
		return fail(e, ADDR_ETOOLONG);
	if (depth)
		return fail(e, ADDR_ESYNTAX);
	*olen = o;
	return 0;
}

/* first_address - end of the first address in a list (top-level ',') */
static size_t
first_address(const char *s, size_t n, long *lt)
{
	struct scan st = {0, 0};
	size_t	i;

	*lt = -1;
	for (i = 0; i < n; i++) {
		if (!scan_step(&st, s, n, &i))
			continue;
		if (s[i] == '<' && *lt < 0)
			*lt = (long)i;
		if (s[i] == ',' && *lt < 0)
			return i;
		if (s[i] == '>' && *lt >= 0)
			return i + 1;
	}
	return n;
}

int
addr_parse_header(const char *s, size_t n, struct addr *a, struct cerr *e)
{
	char	spec[ADDR_PATH_MAX + 1];
	size_t	end, len = 0;
	long	lt, gt;

	addr_clear(a);
	if (header_bytes(s, n, e) < 0)
		return -1;
	end = first_address(s, n, &lt);
	if (lt >= 0) {
		if ((gt = close_bracket(s, end, (size_t)lt)) < 0)
			return fail(e, ADDR_EBRACKET);
		if (check_bytes(s + lt + 1, (size_t)(gt - lt - 1), e) < 0)
			return -1;
		if ((size_t)(gt - lt + 1) > ADDR_PATH_MAX)
			return fail(e, ADDR_ETOOLONG);
		return parse_mailbox(s + lt + 1, (size_t)(gt - lt - 1), a, e);
	}
	if (copy_spec(s, end, spec, &len, e) < 0
	    || check_bytes(spec, len, e) < 0)
		return -1;
	return parse_mailbox(spec, len, a, e);
}

/* unquote - the local part without quotes and escapes; -1 if too long */
static int
unquote(const char *local, char *raw, size_t rawlen)
{
	size_t	i, o = 0, n = strlen(local);

	if (n < 2 || local[0] != '"') {
		if (n >= rawlen)
			return -1;
		memcpy(raw, local, n + 1);
		return 0;
	}
	for (i = 1; i + 1 < n; i++) {
		if (local[i] == '\\' && i + 2 < n)
			i++;
		if (o + 1 >= rawlen)
			return -1;
		raw[o++] = local[i];
	}
	raw[o] = '\0';
	return 0;
}

/* needs_quotes - does this raw local part need quotes (not atext/dots)? */
static int
needs_quotes(const char *raw)
{
	if (*raw == '\0')
		return 1;
	for (; *raw; raw++)
		if (!is_atext((unsigned char)*raw) && *raw != '.')
			return 1;
	return 0;
}

/* key_local - local part for a key: unquoted when quotes are not needed */
static int
key_local(const struct addr *a, char *out, size_t outlen)
{
	char	raw[sizeof(a->local)];

	if (unquote(a->local, raw, sizeof(raw)) < 0)
		return -1;
	if (needs_quotes(raw))
		return snprintf(out, outlen, "%s", a->local) >= (int)outlen ? -1 : 0;
	return snprintf(out, outlen, "%s", raw) >= (int)outlen ? -1 : 0;
}

/* domain_len - the domain without one trailing dot */
static int
domain_len(const struct addr *a)
{
	size_t	n = strlen(a->domain);

	return (int)(n > 1 && a->domain[n - 1] == '.' ? n - 1 : n);
}

static void
lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* join - local SEP domain into out; -1 when it does not fit */
static int
join(const struct addr *a, int sep, int fold_local, char *out, size_t outlen)
{
	char	local[sizeof(a->local)], dom[sizeof(a->domain)];
	int	n;

	if (key_local(a, local, sizeof(local)) < 0)
		return -1;
	snprintf(dom, sizeof(dom), "%.*s", domain_len(a), a->domain);
	if (fold_local)
		lower(local);
	lower(dom);
	n = snprintf(out, outlen, "%s%c%s", local, sep, dom);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int
addr_key(const struct addr *a, char *out, size_t outlen)
{
	if (outlen == 0)
		return -1;
	if (a->null) {
		out[0] = '\0';
		return 0;
	}
	return join(a, '@', 1, out, outlen);
}

int
addr_verp(const struct addr *a, char *out, size_t outlen)
{
	if (a->null || outlen == 0)
		return -1;
	return join(a, '=', 0, out, outlen);
}

/* (no printf: the feeder formats every recipient it reads) */
int
addr_format(const struct addr *a, char *out, size_t outlen)
{
	size_t	nl, nd;

	if (outlen == 0)
		return -1;
	if (a->null) {
		out[0] = '\0';
		return 0;
	}
	nl = strlen(a->local);
	nd = strlen(a->domain);
	if (nl + 1 + nd >= outlen)
		return -1;
	memcpy(out, a->local, nl);
	out[nl] = '@';
	memcpy(out + nl + 1, a->domain, nd + 1);
	return 0;
}

const char *
addr_domain_of(const char *key)
{
	const char *at = key ? strrchr(key, '@') : NULL;

	return at ? at + 1 : NULL;
}
