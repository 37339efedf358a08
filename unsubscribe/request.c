/*
 * NAME
 *	request - campaign-unsubscribe's parsing: templates, the request
 *	target, the one-click body
 * SYNOPSIS
 *	#include "unsub.h"
 *
 *	unsub_tmpl_url(&t, "https://example.com/unsubscribe", &e);
 *	switch (unsub_parse_target(&t, target, len, &req, &e)) ...
 *	if (unsub_body_ok(content_type, body, len) && unsub_verify(&secret, &req)) ...
 * DESCRIPTION
 *	unsub_tmpl_url() turns unsubscribe_url into the template of the
 *	request target, as the milter expands it (milter/tag.c,
 *	tag_unsub_url()): the scheme and host are dropped (the request
 *	target starts at the path), and a URL without placeholders gets
 *	"?c=%c&r=%r&t=%t" ("&..." when it has a query).  The template must
 *	hold %c, %r and %t once each.  unsub_tmpl_mail() takes
 *	unsubscribe_mailto as it is ("mailto:" optional): %c and %t once
 *	each, no %r (the recipient is whoever sends the mail).  Both return
 *	0, or -1 with e saying why.
 *
 *	unsub_parse_target() matches s (n bytes, need not be NUL-terminated)
 *	against the template.  Literal bytes compare exactly (without case
 *	in the mailto form); %c matches a campaign id (1..64 of A-Z a-z 0-9
 *	. _ -), %t a token (43 of A-Z a-z 0-9 - _), %r a percent-encoded
 *	address, which is decoded, parsed by lib/addr.c and folded into its
 *	lookup key.  Where a placeholder could end at several places, every
 *	split is tried (bounded: %c 64, %r UNSUB_RCPT_ENC_MAX bytes).
 *
 *	unsub_body_ok() says whether a POST body carries the RFC 8058 pair
 *	List-Unsubscribe=One-Click: in application/x-www-form-urlencoded
 *	(or with no content type) as one of the '&'-separated pairs, in
 *	multipart/form-data as a part named List-Unsubscribe with the value
 *	One-Click.  1 yes, 0 no.
 *
 *	unsub_verify() checks the token with lib/hmac.c: 1 valid, 0 not.
 *
 *	unsub_fill() is the way back: the request target of r in a URL
 *	template (%r percent-encoded, RFC 3986 unreserved bytes kept), as
 *	the milter writes it; 0, or -1 when out is full.
 * DIAGNOSTICS
 *	Nothing is printed: a refusal is the return value with e saying why
 *	(http.c logs it).  Bad input is bounded before it is looked at:
 *	target UNSUB_TARGET_MAX, body UNSUB_BODY_MAX, at most 16 multipart
 *	parts; NUL bytes, control bytes and 8-bit bytes in the recipient are
 *	refused.
 * SEE ALSO
 *	RFC 8058, RFC 3986, RFC 7578; milter/tag.c; lib/hmac.h.
 */
#include <string.h>
#include <strings.h>

#include "unsub.h"

#define TOKEN_ALPHABET \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#define ID_ALPHABET	TOKEN_ALPHABET "."
/* %r: RFC 3986 unreserved, percent escapes, and atext a client may leave raw */
#define RCPT_ALPHABET	ID_ALPHABET "~%@+!$'*=^`{|}"

/* check_placeholders - each of want once, nothing else but %% */
static int
check_placeholders(const char *t, const char *want, struct cerr *e)
{
	const char *p, *w;
	int	seen[128] = {0};

	for (p = t; (p = strchr(p, '%')) != NULL; p += 2) {
		if (p[1] == '%')
			continue;
		if (p[1] == '\0' || strchr(want, p[1]) == NULL)
			return cerr_set(e, "unknown placeholder \"%%%.1s\" (allowed: %s)",
			    p + 1, want[1] == 'r' ? "%c %r %t" : "%c %t");
		if (seen[(unsigned char)p[1]]++)
			return cerr_set(e, "placeholder %%%c used twice", p[1]);
	}
	for (w = want; *w; w++)
		if (!seen[(unsigned char)w[0]])
			return cerr_set(e, "placeholder %%%c missing: the token cannot be "
			    "checked without it", w[0]);
	return 0;
}

/* has_placeholder - a '%' other than "%%", as milter/tag.c counts them */
static int
has_placeholder(const char *t)
{
	const char *p;

	for (p = t; (p = strchr(p, '%')) != NULL; p += 2)
		if (p[1] != '%')
			return 1;
	return 0;
}

static int in_class(char v, unsigned char c);

/*
 * check_ambiguous - %c or %r must end at a byte outside its own class
 * before the next %c or %r: in "/u/%c.%r" the split of "a.b.c@d" is a guess
 */
static int
check_ambiguous(const char *t, struct cerr *e)
{
	const char *p, *q;

	for (p = t; (p = strchr(p, '%')) != NULL; p += 2) {
		if (p[1] != 'c' && p[1] != 'r')
			continue;
		for (q = p + 2; *q && in_class(p[1], (unsigned char)*q); q++)
			if (q[0] == '%' && (q[1] == 'c' || q[1] == 'r'))
				return cerr_set(e, "%%%c and %%%c are not separated by a byte "
				    "that cannot be part of %%%c, such as '/' or '&'", p[1], q[1], p[1]);
		if (q[0] == '%' && (q[1] == 'c' || q[1] == 'r'))
			return cerr_set(e, "%%%c and %%%c are not separated", p[1], q[1]);
	}
	return 0;
}

static void
set_prefix(struct unsub_tmpl *t)
{
	const char *p = t->text;

	while (*p && !(p[0] == '%' && p[1] != '%'))
		p += p[0] == '%' ? 2 : 1;
	t->prefix = (size_t)(p - t->text);
}

int
unsub_tmpl_url(struct unsub_tmpl *t, const char *url, struct cerr *e)
{
	const char *path, *q = "";
	int	n;

	memset(t, 0, sizeof(*t));
	if ((path = strstr(url, "://")) == NULL)
		return cerr_set(e, "not an absolute URL (https://host/path)");
	path += strcspn(path + 3, "/?") + 3;
	if (!has_placeholder(url))
		q = strchr(path, '?') ? "&c=%c&r=%r&t=%t" : "?c=%c&r=%r&t=%t";
	n = snprintf(t->text, sizeof(t->text), "%s%s%s", *path == '/' ? "" : "/", path, q);
	if (n < 0 || (size_t)n >= sizeof(t->text))
		return cerr_set(e, "URL longer than %d bytes", UNSUB_TMPL_MAX);
	if (check_placeholders(t->text, "crt", e) < 0 || check_ambiguous(t->text, e) < 0)
		return -1;
	set_prefix(t);
	return 0;
}

int
unsub_tmpl_mail(struct unsub_tmpl *t, const char *mailto, struct cerr *e)
{
	memset(t, 0, sizeof(*t));
	if (strncasecmp(mailto, "mailto:", 7) == 0)
		mailto += 7;
	if (strlen(mailto) > UNSUB_TMPL_MAX)
		return cerr_set(e, "address longer than %d bytes", UNSUB_TMPL_MAX);
	memcpy(t->text, mailto, strlen(mailto) + 1);
	t->mail = 1;
	if (strchr(t->text, '@') == NULL)
		return cerr_set(e, "not an address local@domain");
	if (check_placeholders(t->text, "ct", e) < 0)
		return -1;
	set_prefix(t);
	return 0;
}

/* the match of one target against one template */
struct match {
	const struct unsub_tmpl *t;
	const char *s;
	size_t	n;
	size_t	off[3], len[3];		/* %c %r %t */
};

static int
var_index(char v)
{
	return v == 'c' ? 0 : v == 'r' ? 1 : 2;
}

static int
in_class(char v, unsigned char c)
{
	const char *set = v == 'c' ? ID_ALPHABET : v == 'r' ? RCPT_ALPHABET : TOKEN_ALPHABET;

	return c != '\0' && strchr(set, c) != NULL;
}

static int
lit_eq(const struct match *m, char want, char got)
{
	if (m->t->mail && want >= 'A' && want <= 'Z')
		want = (char)(want - 'A' + 'a');
	if (m->t->mail && got >= 'A' && got <= 'Z')
		got = (char)(got - 'A' + 'a');
	return want == got;
}

static int match_at(struct match *m, size_t ti, size_t si);

/* match_var - placeholder v at s[si]: try every length its class allows */
static int
match_var(struct match *m, char v, size_t ti, size_t si)
{
	size_t	lo = v == 't' ? HMAC_TOKEN_LEN : 1;
	size_t	hi = v == 't' ? HMAC_TOKEN_LEN : v == 'c' ? SUPENTRY_CAMPAIGN_MAX
		    : UNSUB_RCPT_ENC_MAX;
	size_t	len;

	for (len = 1; len <= hi && si + len <= m->n && in_class(v, (unsigned char)m->s[si + len - 1]); len++) {
		if (len < lo || !match_at(m, ti, si + len))
			continue;
		m->off[var_index(v)] = si;
		m->len[var_index(v)] = len;
		return 1;
	}
	return 0;
}

/* match_at - the template from ti against the target from si */
static int
match_at(struct match *m, size_t ti, size_t si)
{
	const char *t = m->t->text;

	while (t[ti]) {
		if (t[ti] == '%' && t[ti + 1] != '%')
			return match_var(m, t[ti + 1], ti + 2, si);
		if (si >= m->n || !lit_eq(m, t[ti], m->s[si]))
			return 0;
		ti += t[ti] == '%' ? 2 : 1;
		si++;
	}
	return si == m->n;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* decode_rcpt - percent-decode %r into out (printable ASCII only) */
static int
decode_rcpt(const char *s, size_t n, char *out, size_t outlen, struct cerr *e)
{
	size_t	i, o = 0;

	for (i = 0; i < n; i++) {
		int	c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= n)
				return cerr_set(e, "recipient: cut percent escape");
			if (hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
				return cerr_set(e, "recipient: bad percent escape");
			c = hexval(s[i + 1]) << 4 | hexval(s[i + 2]);
			i += 2;
		}
		if (c <= ' ' || c >= 0x7f)
			return cerr_set(e, "recipient: control, space or 8-bit byte");
		if (o + 1 >= outlen)
			return cerr_set(e, "recipient longer than %d bytes", ADDR_PATH_MAX);
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* rcpt_key - the decoded %r as a lookup key */
static int
rcpt_key(const char *s, size_t n, char key[ADDR_KEY_MAX + 1], struct cerr *e)
{
	char	dec[ADDR_PATH_MAX + 1];
	const char *params;
	struct addr a;
	struct cerr pe;

	if (decode_rcpt(s, n, dec, sizeof(dec), e) < 0)
		return -1;
	if (strchr(dec, '<') || strchr(dec, '>'))
		return cerr_set(e, "recipient: angle brackets");
	if (addr_parse_path(dec, strlen(dec), &a, &params, &pe) < 0)
		return cerr_set(e, "recipient: %s", pe.msg);
	if (*params != '\0' || a.null)
		return cerr_set(e, "recipient: not one address");
	if (addr_key(&a, key, ADDR_KEY_MAX + 1) < 0)
		return cerr_set(e, "recipient too long");
	return 0;
}

static void
copy_span(char *dst, const struct match *m, int i)
{
	memcpy(dst, m->s + m->off[i], m->len[i]);
	dst[m->len[i]] = '\0';
}

enum unsub_parse
unsub_parse_target(const struct unsub_tmpl *t, const char *s, size_t n,
		   struct unsub_req *r, struct cerr *e)
{
	struct match m = {t, s, n, {0}, {0}};

	memset(r, 0, sizeof(*r));
	if (n > UNSUB_TARGET_MAX) {
		cerr_set(e, "request target longer than %d bytes", UNSUB_TARGET_MAX);
		return UNSUB_TOOLONG;
	}
	if (n < t->prefix || (t->mail ? strncasecmp(s, t->text, t->prefix)
	    : strncmp(s, t->text, t->prefix)) != 0
	    || memchr(s, '\0', n) != NULL) {
		cerr_set(e, "not an unsubscribe address");
		return UNSUB_NOTOURS;
	}
	if (!match_at(&m, 0, 0)) {
		cerr_set(e, "does not match the unsubscribe template");
		return UNSUB_MALFORMED;
	}
	copy_span(r->campaign, &m, 0);
	copy_span(r->token, &m, 2);
	if (!t->mail && rcpt_key(s + m.off[1], m.len[1], r->rcpt, e) < 0)
		return UNSUB_MALFORMED;
	return UNSUB_PARSED;
}

int
unsub_fill(const struct unsub_tmpl *t, const struct unsub_req *r, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *p, *q;
	int	rc = 0;

	buf_reset(out);
	for (p = t->text; *p && rc == 0; p++) {
		if (*p != '%' || p[1] == '%') {
			rc = buf_putc(out, *p);
			p += *p == '%';
		} else if (*++p == 'c') {
			rc = buf_puts(out, r->campaign);
		} else if (*p == 't') {
			rc = buf_puts(out, r->token);
		} else {
			for (q = r->rcpt; *q && rc == 0; q++)
				rc = strchr(TOKEN_ALPHABET ".~", *q) ? buf_putc(out, *q)
				    : buf_appendf(out, "%%%c%c", hex[(unsigned char)*q >> 4],
					hex[*q & 15]);
		}
	}
	return rc;
}

int
unsub_verify(const struct buf *secret, const struct unsub_req *r)
{
	return r->rcpt[0] != '\0' && hmac_verify(secret, r->campaign, r->rcpt, r->token) == 1;
}

/* form_pair - one "name=value" of a urlencoded body is the one-click pair */
static int
form_pair(const char *p, size_t n)
{
	static const char want[] = "List-Unsubscribe=One-Click";
	char	dec[sizeof(want)];
	size_t	i, o = 0;

	for (i = 0; i < n; i++) {
		int	c = (unsigned char)p[i];

		if (c == '+')
			c = ' ';
		else if (c == '%' && i + 2 < n && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
			c = hexval(p[i + 1]) << 4 | hexval(p[i + 2]);
			i += 2;
		}
		if (o + 1 >= sizeof(dec))
			return 0;
		dec[o++] = (char)c;
	}
	return o == sizeof(want) - 1 && memcmp(dec, want, o) == 0;
}

static int
urlencoded_ok(const char *b, size_t n)
{
	size_t	i = 0, j;

	/* a trailing CRLF is tolerated: some clients end the body with one */
	while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r'))
		n--;
	while (i <= n) {
		for (j = i; j < n && b[j] != '&'; j++)
			;
		if (form_pair(b + i, j - i))
			return 1;
		i = j + 1;
	}
	return 0;
}

/* param - the value of parameter name in a header value (quotes removed) */
static int
param(const char *h, const char *name, char *out, size_t outlen)
{
	size_t	nl = strlen(name), o = 0;
	const char *p;

	for (p = h; (p = strchr(p, ';')) != NULL; ) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, name, nl) != 0 || p[nl] != '=')
			continue;
		p += nl + 1;
		if (*p == '"')
			for (p++; *p && *p != '"' && o + 1 < outlen; )
				out[o++] = *p++;
		else
			while (*p && *p != ';' && *p != ' ' && *p != '\t' && o + 1 < outlen)
				out[o++] = *p++;
		out[o] = '\0';
		return o > 0 && (*p == '\0' || *p == '"' || *p == ';' || *p == ' ' || *p == '\t');
	}
	return 0;
}

static const char *
mem_find(const char *h, size_t hn, const char *needle, size_t nn)
{
	return nn == 0 ? h : memmem(h, hn, needle, nn);
}

/* disposition - the Content-Disposition header line of a part's headers */
static int
disposition(const char *h, size_t n, char *out, size_t outlen)
{
	const char *p = h, *eol;

	while (p < h + n) {
		eol = mem_find(p, (size_t)(h + n - p), "\r\n", 2);
		if (eol == NULL)
			eol = h + n;
		if ((size_t)(eol - p) > 20 && strncasecmp(p, "Content-Disposition:", 20) == 0) {
			if ((size_t)(eol - p) >= outlen)
				return 0;
			memcpy(out, p, (size_t)(eol - p));
			out[eol - p] = '\0';
			return 1;
		}
		p = eol + 2;
	}
	return 0;
}

/* part_ok - one part (CRLF, headers, blank line, value) is the pair */
static int
part_ok(const char *p, size_t n)
{
	const char *hend;
	char	cd[512], name[64];

	if (n < 2 || memcmp(p, "\r\n", 2) != 0)
		return 0;
	p += 2, n -= 2;
	if ((hend = mem_find(p, n, "\r\n\r\n", 4)) == NULL
	    || !disposition(p, (size_t)(hend - p), cd, sizeof(cd)))
		return 0;
	if (strcasestr(cd, "form-data") == NULL || !param(cd, "name", name, sizeof(name))
	    || strcmp(name, "List-Unsubscribe") != 0)
		return 0;
	hend += 4;
	return (size_t)(p + n - hend) == 9 && memcmp(hend, "One-Click", 9) == 0;
}

static int
multipart_ok(const char *ctype, const char *b, size_t n)
{
	char	boundary[80], delim[84];
	size_t	dl, i;
	const char *p, *next;

	if (!param(ctype, "boundary", boundary, sizeof(boundary)))
		return 0;
	dl = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	/* the first delimiter may start the body without its CRLF */
	if (n >= dl - 2 && memcmp(b, delim + 2, dl - 2) == 0)
		p = b + dl - 2;
	else if ((p = mem_find(b, n, delim, dl)) != NULL)
		p += dl;
	else
		return 0;
	for (i = 0; i < 16; i++) {
		next = mem_find(p, (size_t)(b + n - p), delim, dl);
		if (next == NULL)
			return 0;
		if (part_ok(p, (size_t)(next - p)))
			return 1;
		p = next + dl;
		if (b + n - p >= 2 && p[0] == '-' && p[1] == '-')
			return 0;
	}
	return 0;
}

int
unsub_body_ok(const char *ctype, const char *body, size_t n)
{
	if (n > UNSUB_BODY_MAX || memchr(body, '\0', n) != NULL)
		return 0;
	if (ctype == NULL || *ctype == '\0'
	    || strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0)
		return urlencoded_ok(body, n);
	if (strncasecmp(ctype, "multipart/form-data", 19) == 0)
		return multipart_ok(ctype, body, n);
	return 0;
}
