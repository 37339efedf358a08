/*
 * NAME
 *	batch - read a campaign batch as a stream (see batch.h)
 * SYNOPSIS
 *	#include "batch.h"
 * DESCRIPTION
 *	The reader works on pieces of lines: a piece ends at a line feed or
 *	when the 64 KB read buffer is full, so a template line may be of any
 *	length, and only a whole line that starts a line can be a boundary.
 *	Header sections (the container's and each part's) are unfolded one
 *	field at a time within BATCH_HEADER_MAX.  The template is kept (at
 *	most max_bytes); the CSV part is handed to lib/rlist through a read
 *	function that stops at the next boundary line, so memory holds one
 *	record at a time.  The writer is in batch_write.c.
 * DIAGNOSTICS
 *	Nothing is printed: every failure fills the caller's struct cerr with
 *	the place ("header:", "part 1 line N:", "part 2 line N:") and why.
 * SEE ALSO
 *	RFC 2045 5.1 (Content-Type syntax), RFC 2046 5.1.1 (boundaries).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "batch.h"
#include "tag.h"

_Static_assert(BATCH_ID_MAX == TAG_ID_MAX, "batch and campaign ids share tag_id_valid()");

#define PIECE_MAX	(64 * 1024)

/* the line reader */

/* lines_fill - read more; 1 got some, 0 end, -1 error */
static int
lines_fill(struct batch_lines *L)
{
	ssize_t	n;

	if (L->pos > 0) {
		memmove(L->buf, L->buf + L->pos, L->len - L->pos);
		L->len -= L->pos;
		L->pos = 0;
	}
	if (L->eof || L->len == PIECE_MAX)
		return 0;
	do
		n = L->fn(L->ctx, L->buf + L->len, PIECE_MAX - L->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return L->err = 1, -1;
	L->eof = n == 0;
	L->len += (size_t)n;
	L->total += (size_t)n;
	return n > 0;
}

/*
 * lines_get - the next piece: a line with its LF, or part of a long line;
 * *bol tells whether it starts a line; 1, 0 at the end, -1 read error
 */
static int
lines_get(struct batch_lines *L, const char **p, size_t *n, int *bol)
{
	const char *nl;
	int	r;

	for (;;) {
		nl = memchr(L->buf + L->pos, '\n', L->len - L->pos);
		if (nl || (L->len - L->pos > 0 && (L->eof || L->len - L->pos == PIECE_MAX)))
			break;
		if ((r = lines_fill(L)) < 0)
			return -1;
		if (r == 0 && L->len == L->pos)
			return 0;
	}
	*p = L->buf + L->pos;
	*n = nl ? (size_t)(nl + 1 - *p) : L->len - L->pos;
	*bol = L->bol;
	L->line += L->bol;
	L->bol = nl != NULL;
	L->pos += *n;
	return 1;
}

/* chomp - length of a line without its LF or CRLF */
static size_t
chomp(const char *p, size_t n)
{
	if (n > 0 && p[n - 1] == '\n')
		n--;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	return n;
}

/* boundary_kind - 1 "--B", 2 "--B--" (closing), 0 neither */
static int
boundary_kind(const struct batch *b, const char *p, size_t n, int bol)
{
	size_t	k = strlen(b->boundary);
	int	kind = 1;

	n = chomp(p, n);
	if (!bol || n < k + 2 || p[0] != '-' || p[1] != '-'
	    || memcmp(p + 2, b->boundary, k) != 0)
		return 0;
	p += k + 2;
	n -= k + 2;
	if (n >= 2 && p[0] == '-' && p[1] == '-')
		p += 2, n -= 2, kind = 2;
	while (n > 0 && (*p == ' ' || *p == '\t'))
		p++, n--;
	return n == 0 ? kind : 0;
}

/* Content-Type values */

/* skip_ws - past blanks */
static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* is_tspecial - RFC 2045 tspecials */
static int
is_tspecial(int c)
{
	return strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

/* get_value - a token or quoted string into out; end of it, or NULL */
static const char *
get_value(const char *p, char *out, size_t size)
{
	size_t	o = 0;
	int	quoted = *p == '"';

	if (quoted) {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (o + 1 >= size)
				return NULL;
			out[o++] = *p;
		}
		if (*p++ != '"')
			return NULL;
	} else {
		for (; *p > ' ' && *p < 127 && !is_tspecial((unsigned char)*p); p++) {
			if (o + 1 >= size)
				return NULL;
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return o > 0 || quoted ? p : NULL;
}

/*
 * ct_param - the value of parameter name of a Content-Type value;
 * 1 found, 0 not there, -1 syntax error
 */
static int
ct_param(const char *v, const char *name, char *out, size_t size)
{
	char	pname[64], pval[256];
	int	found = 0;

	if ((v = strchr(v, ';')) == NULL)
		return 0;
	while (*(v = skip_ws(v)) == ';') {
		v = skip_ws(v + 1);
		if (*v == '\0')
			break;
		if ((v = get_value(v, pname, sizeof(pname))) == NULL
		    || *(v = skip_ws(v)) != '='
		    || (v = get_value(skip_ws(v + 1), pval, sizeof(pval))) == NULL)
			return -1;
		if (strcasecmp(pname, name) == 0 && !found) {
			if (strlen(pval) >= size)
				return -1;
			strcpy(out, pval);
			found = 1;
		}
	}
	return *v == '\0' ? found : -1;
}

/* ct_is - the type/subtype of a Content-Type value is want */
static int
ct_is(const char *v, const char *want)
{
	size_t	n = strlen(want);

	v = skip_ws(v);
	return strncasecmp(v, want, n) == 0
	    && (v[n] == '\0' || v[n] == ';' || v[n] == ' ' || v[n] == '\t');
}

/* boundary_ok - RFC 2046 bchars, 1..70, not ending in a space */
static int
boundary_ok(const char *s)
{
	size_t	n = strlen(s);

	return n >= 1 && n <= BATCH_BOUNDARY_MAX && s[n - 1] != ' '
	    && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789'()+_,-./:=? ") == n;
}

int
batch_content_type(const char *value, char *boundary, size_t size, struct cerr *e)
{
	char	bd[256];
	int	r;

	if (!ct_is(value, "multipart/mixed"))
		return cerr_set(e, "Content-Type is not multipart/mixed");
	if ((r = ct_param(value, "boundary", bd, sizeof(bd))) < 0)
		return cerr_set(e, "Content-Type: bad parameter syntax");
	if (r == 0)
		return cerr_set(e, "Content-Type: no boundary parameter");
	if (!boundary_ok(bd) || strlen(bd) >= size)
		return cerr_set(e, "Content-Type: bad boundary (1-70 of RFC 2046 bchars)");
	strcpy(boundary, bd);
	return 0;
}

int
batch_id_valid(const char *id)
{
	return tag_id_valid(id, strlen(id));	/* campaign ids' rule, one place */
}

/* header sections */

typedef int (*field_fn)(struct batch *b, const char *name, const char *value,
			struct cerr *e);

/* field_done - split "name: value" and hand it to fn */
static int
field_done(struct batch *b, struct buf *f, field_fn fn, struct cerr *e)
{
	char   *colon, *v;

	if (f->len == 0)
		return 0;
	if ((colon = memchr(f->data, ':', f->len)) == NULL || colon == f->data)
		return cerr_set(e, "not a header field");
	*colon = '\0';
	v = (char *)skip_ws(colon + 1);
	while (f->len > 0 && memchr(" \t\r\n", f->data[f->len - 1], 4) != NULL)
		f->data[--f->len] = '\0';
	for (char *t = colon; t > f->data && (t[-1] == ' ' || t[-1] == '\t'); t--)
		t[-1] = '\0';
	if (memchr(f->data, '\0', (size_t)(colon - f->data)) != NULL
	    || strlen(v) != (size_t)(f->data + f->len - v))
		return cerr_set(e, "NUL byte in a header field");
	if (fn(b, f->data, v, e) < 0)
		return -1;
	buf_reset(f);
	return 0;
}

/* header_line - one line of a header section: 1 more, 0 end, -1 error */
static int
header_line(struct batch *b, struct buf *f, field_fn fn, struct cerr *e)
{
	const char *p;
	size_t	n;
	int	bol, r;

	if ((r = lines_get(&b->in, &p, &n, &bol)) <= 0)
		return b->fline = b->in.line, cerr_set(e, r < 0 ? "read error"
						       : "end of message in a header");
	if (p[n - 1] != '\n' && !b->in.eof)
		return b->fline = b->in.line, cerr_set(e, "header line too long");
	if (chomp(p, n) == 0)
		return field_done(b, f, fn, e) < 0 ? -1 : 0;
	if (*p != ' ' && *p != '\t' && field_done(b, f, fn, e) < 0)
		return -1;
	if (*p != ' ' && *p != '\t')
		b->fline = b->in.line;
	if ((*p == ' ' || *p == '\t') && f->len == 0)
		return b->fline = b->in.line, cerr_set(e, "continuation line first");
	if (buf_append(f, p, chomp(p, n)) < 0)
		return cerr_set(e, "header section too long");
	if (b->in.eof && b->in.pos == b->in.len)
		return b->fline = b->in.line, cerr_set(e, "end of message in a header");
	return 1;
}

/* read_header - a header section, one unfolded field at a time to fn */
static int
read_header(struct batch *b, field_fn fn, struct cerr *e)
{
	struct buf f;
	int	r;

	buf_init(&f, BATCH_HEADER_MAX);
	while ((r = header_line(b, &f, fn, e)) > 0)
		;
	buf_free(&f);
	return r;
}

/* copy_id - a valid id field, not given twice */
static int
copy_id(char *dst, const char *name, const char *v, struct cerr *e)
{
	if (*dst)
		return cerr_set(e, "%s given twice", name);
	if (!batch_id_valid(v))
		return cerr_set(e, "%s: bad value \"%.80s\" (1-%d of A-Za-z0-9._-)",
				name, v, BATCH_ID_MAX);
	strcpy(dst, v);
	return 0;
}

/* container_field - the fields of the container header that matter */
static int
container_field(struct batch *b, const char *name, const char *v, struct cerr *e)
{
	if (strcasecmp(name, "X-Campaign-ID") == 0)
		return copy_id(b->campaign, "X-Campaign-ID", v, e);
	if (strcasecmp(name, BATCH_HEADER_NAME) == 0)
		return copy_id(b->id, BATCH_HEADER_NAME, v, e);
	if (strcasecmp(name, "Content-Type") != 0)
		return 0;
	if (*b->boundary)
		return cerr_set(e, "Content-Type given twice");
	return batch_content_type(v, b->boundary, sizeof(b->boundary), e);
}

/* cte_ok - 7bit, 8bit, binary or none (no encoded parts) */
static int
cte_ok(const char *v, struct cerr *e)
{
	if (strcasecmp(v, "7bit") == 0 || strcasecmp(v, "8bit") == 0
	    || strcasecmp(v, "binary") == 0)
		return 0;
	return cerr_set(e, "Content-Transfer-Encoding \"%.40s\" is not supported "
			"(7bit or 8bit)", v);
}

/* part1_field - Content-Type message/rfc822 */
static int
part1_field(struct batch *b, const char *name, const char *v, struct cerr *e)
{
	if (strcasecmp(name, "Content-Transfer-Encoding") == 0)
		return cte_ok(v, e);
	if (strcasecmp(name, "Content-Type") != 0)
		return 0;
	if (!ct_is(v, "message/rfc822"))
		return cerr_set(e, "Content-Type is \"%.60s\", not message/rfc822", v);
	b->ct_seen = 1;
	return 0;
}

/* part2_field - Content-Type text/csv with a header line */
static int
part2_field(struct batch *b, const char *name, const char *v, struct cerr *e)
{
	char	h[32];

	if (strcasecmp(name, "Content-Transfer-Encoding") == 0)
		return cte_ok(v, e);
	if (strcasecmp(name, "Content-Type") != 0)
		return 0;
	if (!ct_is(v, "text/csv"))
		return cerr_set(e, "Content-Type is \"%.60s\", not text/csv", v);
	if (ct_param(v, "header", h, sizeof(h)) == 1 && strcasecmp(h, "absent") == 0)
		return cerr_set(e, "header=absent: the CSV needs its header line");
	b->ct_seen = 1;
	return 0;
}

/* to_boundary - skip (or keep in keep) lines up to a boundary; its kind */
static int
to_boundary(struct batch *b, struct buf *keep, struct cerr *e)
{
	const char *p;
	size_t	n;
	int	bol, r, k;

	while ((r = lines_get(&b->in, &p, &n, &bol)) > 0) {
		if ((k = boundary_kind(b, p, n, bol)) != 0)
			return k;
		if (keep && buf_append(keep, p, n) < 0)
			return cerr_set(e, "larger than %zu bytes (batch_max_bytes)",
					b->lim.max_bytes);
	}
	return cerr_set(e, r < 0 ? "read error" : "no boundary line \"--%s\"",
			b->boundary);
}

/* open_header - the container header and the preamble */
static int
open_header(struct batch *b, struct cerr *e)
{
	struct cerr pe;
	int	k;

	if (read_header(b, container_field, &pe) < 0)
		return cerr_set(e, "header line %lu: %s", b->fline, pe.msg);
	if (*b->id == '\0')
		return cerr_set(e, "header: no %s field", BATCH_HEADER_NAME);
	if (*b->boundary == '\0')
		return cerr_set(e, "header: no Content-Type (multipart/mixed) field");
	if ((k = to_boundary(b, NULL, &pe)) < 0)
		return cerr_set(e, "body: %s", pe.msg);
	if (k == 2)
		return cerr_set(e, "body: no parts (closing boundary first)");
	return 0;
}

/* open_part1 - the template */
static int
open_part1(struct batch *b, struct cerr *e)
{
	struct cerr pe;
	unsigned long start = b->in.line;
	int	k;

	b->ct_seen = 0;
	if (read_header(b, part1_field, &pe) < 0)
		return cerr_set(e, "part 1 line %lu: %s", b->fline - start, pe.msg);
	if (!b->ct_seen)
		return cerr_set(e, "part 1: no Content-Type (message/rfc822 wanted)");
	start = b->in.line;
	if ((k = to_boundary(b, &b->tmpl, &pe)) < 0)
		return cerr_set(e, "part 1 (template): %s", pe.msg);
	if (k == 2)
		return cerr_set(e, "part 2 (text/csv recipients) is missing");
	if (b->tmpl.len >= 2 && memcmp(b->tmpl.data + b->tmpl.len - 2, "\r\n", 2) == 0)
		buf_truncate(&b->tmpl, b->tmpl.len - 2);
	else if (b->tmpl.len >= 1 && b->tmpl.data[b->tmpl.len - 1] == '\n')
		buf_truncate(&b->tmpl, b->tmpl.len - 1);
	if (b->tmpl.len == 0)
		return cerr_set(e, "part 1 (template) is empty");
	return 0;
}

/* part2_read - rlist's read function: bytes of part 2 up to the boundary */
static ssize_t
part2_read(void *ctx, char *p, size_t n)
{
	struct batch *b = ctx;
	int	bol, r;

	if (b->pend_len == 0 && b->part_end == 0) {
		if ((r = lines_get(&b->in, &b->pend, &b->pend_len, &bol)) < 0)
			return -1;
		if (r == 0)
			b->part_end = 3;
		else if ((b->part_end = boundary_kind(b, b->pend, b->pend_len, bol)) != 0)
			b->pend_len = 0;
	}
	if (n > b->pend_len)
		n = b->pend_len;
	memcpy(p, b->pend, n);
	b->pend += n;
	b->pend_len -= n;
	return (ssize_t)n;
}

/* open_part2 - the CSV part's header and its header line */
static int
open_part2(struct batch *b, struct cerr *e)
{
	struct cerr pe;
	unsigned long start = b->in.line;

	b->ct_seen = 0;
	if (read_header(b, part2_field, &pe) < 0)
		return cerr_set(e, "part 2 line %lu: %s", b->fline - start, pe.msg);
	if (!b->ct_seen)
		return cerr_set(e, "part 2: no Content-Type (text/csv wanted)");
	b->rl_open = 1;
	if (rlist_openfn(&b->rl, part2_read, b, &pe) < 0)
		return cerr_set(e, "part 2 (text/csv): %s", pe.msg);
	if (!b->rl.csv)
		return cerr_set(e, "part 2 (text/csv) line %lu: no header line with an "
				"\"email\" column", b->rl.lineno ? b->rl.lineno : 1);
	return 0;
}

int
batch_open(struct batch *b, batch_read_fn fn, void *ctx,
	   const struct batch_limits *lim, struct cerr *e)
{
	memset(b, 0, sizeof(*b));
	b->lim = *lim;
	b->in.fn = fn;
	b->in.ctx = ctx;
	b->in.bol = 1;
	buf_init(&b->tmpl, lim->max_bytes);
	if ((b->in.buf = malloc(PIECE_MAX)) == NULL)
		return cerr_set(e, "out of memory");
	if (open_header(b, e) < 0 || open_part1(b, e) < 0 || open_part2(b, e) < 0)
		return -1;
	return 0;
}

/* at_end - after the last record: the closing boundary must be there */
static int
at_end(struct batch *b, struct cerr *e)
{
	if (b->in.err)
		return cerr_set(e, "read error"), RL_ERR;
	if (b->part_end == 1)
		return cerr_set(e, "a third part after part 2 (a batch has two parts)"), RL_ERR;
	if (b->part_end != 2)
		return cerr_set(e, "part 2 (text/csv): no closing boundary \"--%s--\"",
				b->boundary), RL_ERR;
	return RL_EOF;
}

int
batch_next(struct batch *b, struct rrec *rec, struct cerr *e)
{
	struct cerr pe;
	int	rc;

	while ((rc = rlist_next(&b->rl, rec, &pe)) == RL_SKIP)
		;
	if (rc == RL_ERR)
		return cerr_set(e, "part 2 (text/csv): %s", pe.msg), RL_ERR;
	if (rc == RL_EOF)
		return at_end(b, e);
	if (b->in.total > b->lim.max_bytes)
		return cerr_set(e, "larger than %zu bytes (batch_max_bytes)",
				b->lim.max_bytes), RL_ERR;
	if (++b->nrec > b->lim.max_recipients)
		return cerr_set(e, "part 2 (text/csv) line %lu: more than %ld recipients "
				"(batch_max_recipients)", rec->line, b->lim.max_recipients), RL_ERR;
	return rc;
}

void
batch_close(struct batch *b)
{
	if (b->rl_open)
		rlist_close(&b->rl);
	buf_free(&b->tmpl);
	free(b->in.buf);
	memset(b, 0, sizeof(*b));
}
