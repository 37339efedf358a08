/*
 * NAME
 *	rlist - the recipient list, read as a stream (the one CSV reader)
 * SYNOPSIS
 *	#include "rlist.h"
 *
 *	struct rlist r;
 *	rlist_open(&r, path, &e);		"-" is standard input
 *	rlist_openfn(&r, fn, ctx, &e);		bytes from fn (a batch part)
 *	while ((rc = rlist_next(&r, &rec, &e)) != RL_EOF) ...
 *	rlist_close(&r);
 * DESCRIPTION
 *	Two formats, told apart by the first line that is neither blank nor
 *	a '#' comment: when that line, read as CSV, has a column named
 *	"email" (any case, spaces around it ignored), the file is CSV (RFC
 *	4180: fields separated by commas; a field in double quotes may hold
 *	commas, line breaks and "" for a quote) with that line as header;
 *	the other columns are merge fields.  Otherwise the file is a list
 *	of one address a line; blank lines and '#' comments are skipped.
 *	LF and CRLF line ends are both fine.
 *
 *	rlist_next() returns RL_REC with rec filled (rec->line: the line
 *	where the record starts; rec->addr: the address as local@domain;
 *	rec->fields: the CSV values, valid until the next call); RL_SKIP for
 *	a blank or comment line; RL_BAD for a malformed record (rec->line
 *	and rec->why say which and why; the caller reports, counts and goes
 *	on); RL_EOF at the end; RL_ERR on a read error (e set).
 *	A record is malformed when: its address does not parse as an RFC
 *	5321 path (lib/addr.h), or is the null path; it has a different
 *	number of fields than the header; it breaks the quoting rules; it
 *	is longer than RLIST_RECORD_MAX bytes; or a quoted field is still
 *	open at the end of the file.  Memory stays bounded by one record.
 *
 *	rlist_col() gives the index of a CSV column (exact name first, then
 *	any case), or -1.  rlist_count() counts the records of a regular
 *	file quickly (for the progress bar), or returns -1.
 * SEE ALSO
 *	RFC 4180, RFC 5321 4.1.2.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rlist.h"

#define RBUF_SIZE 65536

enum { LN_EOF = 0, LN_OK = 1, LN_LONG = 2, LN_ERR = -1 };

static int take_header(struct rlist *, int, struct cerr *);

/* fill - read more into the read buffer; 0 at end of file, -1 error */
static int
fill(struct rlist *r)
{
	ssize_t	n;

	if (r->eof)
		return 0;
	do
		n = r->fn ? r->fn(r->ctx, r->rbuf, RBUF_SIZE)
		    : read(r->fd, r->rbuf, RBUF_SIZE);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	r->rpos = 0;
	r->rlen = (size_t)n;
	r->eof = n == 0;
	return n > 0;
}

/* get_line - append one line to b, without LF or CRLF; LN_* */
static int
get_line(struct rlist *r, struct buf *b)
{
	const char *nl;
	size_t	n;
	int	got = 0, toolong = 0, rc;

	for (;;) {
		if (r->rpos == r->rlen && (rc = fill(r)) <= 0) {
			if (rc < 0)
				return LN_ERR;
			break;
		}
		got = 1;
		nl = memchr(r->rbuf + r->rpos, '\n', r->rlen - r->rpos);
		n = nl ? (size_t)(nl - (r->rbuf + r->rpos)) : r->rlen - r->rpos;
		if (!toolong && buf_append(b, r->rbuf + r->rpos, n) < 0)
			toolong = 1;
		r->rpos += n + (nl != NULL);
		if (nl)
			break;
	}
	if (!got)
		return LN_EOF;
	r->lineno++;
	if (b->len > 0 && b->data[b->len - 1] == '\r')
		buf_truncate(b, b->len - 1);
	return toolong ? LN_LONG : LN_OK;
}

/* add_field - record where the next field starts in fbuf */
static int
add_field(struct rlist *r)
{
	char  **f;

	if (r->nfields == r->fcap) {
		r->fcap = r->fcap ? 2 * r->fcap : 16;
		if ((f = realloc(r->fields, r->fcap * sizeof(*f))) == NULL)
			return -1;
		r->fields = f;
	}
	r->fields[r->nfields++] = (char *)(uintptr_t)r->fbuf.len;
	return 0;
}

/* csv_split - fields of r->rec into fbuf: 0 done, 1 open quote, -1 bad */
static int
csv_split(struct rlist *r, const char **why)
{
	const char *p = r->rec.data ? r->rec.data : "", *end = p + r->rec.len;
	int	quoted = 0, start = 1;

	buf_reset(&r->fbuf);
	r->nfields = 0;
	for (; p <= end; p++) {
		if (start) {
			if (add_field(r) < 0)
				return (*why = "out of memory"), -1;
			start = 0;
			if (p < end && *p == '"') {
				quoted = 1;
				continue;
			}
		}
		if (quoted) {
			if (p == end)
				return 1;
			if (*p != '"') {
				if (buf_putc(&r->fbuf, *p) < 0)
					return (*why = "record too long"), -1;
				continue;
			}
			if (p + 1 < end && p[1] == '"') {
				buf_putc(&r->fbuf, '"');
				p++;
				continue;
			}
			quoted = 0;
			if (p + 1 < end && p[1] != ',')
				return (*why = "text after a closing quote"), -1;
			continue;
		}
		if (p == end || *p == ',') {
			if (buf_putc(&r->fbuf, '\0') < 0)
				return (*why = "record too long"), -1;
			start = 1;
			if (p == end)
				break;
			continue;
		}
		if (*p == '"')
			return (*why = "quote inside an unquoted field"), -1;
		if (buf_putc(&r->fbuf, *p) < 0)
			return (*why = "record too long"), -1;
	}
	for (size_t i = 0; i < r->nfields; i++)
		r->fields[i] = r->fbuf.data + (uintptr_t)r->fields[i];
	return 0;
}

/* csv_record - read lines into rec until the quoting closes; LN_* */
static int
csv_record(struct rlist *r, const char **why)
{
	int	rc, split;

	for (;;) {
		split = csv_split(r, why);
		if (split <= 0)
			return split < 0 ? LN_LONG : LN_OK;
		if (buf_putc(&r->rec, '\n') < 0)
			return (*why = "record too long"), LN_LONG;
		rc = get_line(r, &r->rec);
		if (rc == LN_EOF)
			return (*why = "quoted field not closed at end of file"), LN_LONG;
		if (rc != LN_OK)
			return rc == LN_ERR ? LN_ERR : ((*why = "record too long"), LN_LONG);
	}
}

/* trim - strip blanks on both ends; returns p, sets *n */
static const char *
trim(const char *p, size_t *n)
{
	while (*n > 0 && isspace((unsigned char)*p))
		p++, (*n)--;
	while (*n > 0 && isspace((unsigned char)p[*n - 1]))
		(*n)--;
	return p;
}

/* check_addr - parse an address into out->addr; 0 or -1 with out->why */
static int
check_addr(const char *s, size_t n, struct rrec *out)
{
	struct addr a;
	struct cerr e;
	const char *params;

	s = trim(s, &n);
	if (n == 0)
		return snprintf(out->why, sizeof(out->why), "empty address"), -1;
	if (addr_parse_path(s, n, &a, &params, &e) < 0) {
		snprintf(out->why, sizeof(out->why), "bad address: %.150s", e.msg);
		return -1;
	}
	if (params != s + n)
		return snprintf(out->why, sizeof(out->why), "text after the address"), -1;
	if (a.null)
		return snprintf(out->why, sizeof(out->why), "null address"), -1;
	if (addr_format(&a, out->addr, sizeof(out->addr)) < 0)
		return snprintf(out->why, sizeof(out->why), "address too long"), -1;
	return 0;
}

/* read_header - CSV detection on the first non-blank line */
static int
read_header(struct rlist *r, struct cerr *e)
{
	const char *why = NULL;
	size_t	i, n;
	const char *p;
	int	rc;

	do {
		buf_reset(&r->rec);
		if ((rc = get_line(r, &r->rec)) == LN_ERR)
			return cerr_set(e, "read: %s", strerror(errno));
		if (rc == LN_EOF)
			return 0;
		n = r->rec.len;
		p = trim(r->rec.len ? r->rec.data : "", &n);
	} while (rc == LN_OK && (n == 0 || *p == '#'));
	r->pending = rc;
	r->pending_line = r->lineno;
	if (rc != LN_OK || csv_split(r, &why) != 0)
		return 0;
	for (i = 0; i < r->nfields; i++) {
		n = strlen(r->fields[i]);
		p = trim(r->fields[i], &n);
		if (n == 5 && strncasecmp(p, "email", 5) == 0)
			break;
	}
	if (i == r->nfields)
		return 0;
	return take_header(r, (int)i, e);
}

/* take_header - the first record is the CSV header: keep the names */
static int
take_header(struct rlist *r, int email_col, struct cerr *e)
{
	size_t	i, n;
	const char *p;

	r->csv = 1;
	r->pending = 0;
	r->email_col = email_col;
	if ((r->cols = calloc(r->nfields, sizeof(char *))) == NULL)
		return cerr_set(e, "out of memory");
	r->ncols = r->nfields;
	for (i = 0; i < r->nfields; i++) {
		n = strlen(r->fields[i]);
		p = trim(r->fields[i], &n);
		if ((r->cols[i] = strndup(p, n)) == NULL)
			return cerr_set(e, "out of memory");
	}
	return 0;
}

int
rlist_openfd(struct rlist *r, int fd, struct cerr *e)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->email_col = -1;
	buf_init(&r->rec, RLIST_RECORD_MAX);
	buf_init(&r->fbuf, RLIST_RECORD_MAX);
	if ((r->rbuf = malloc(RBUF_SIZE)) == NULL)
		return cerr_set(e, "out of memory");
	return read_header(r, e);
}

int
rlist_openfn(struct rlist *r, rlist_read_fn fn, void *ctx, struct cerr *e)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->email_col = -1;
	r->fn = fn;
	r->ctx = ctx;
	buf_init(&r->rec, RLIST_RECORD_MAX);
	buf_init(&r->fbuf, RLIST_RECORD_MAX);
	if ((r->rbuf = malloc(RBUF_SIZE)) == NULL)
		return cerr_set(e, "out of memory");
	return read_header(r, e);
}

int
rlist_open(struct rlist *r, const char *path, struct cerr *e)
{
	int	fd = 0;

	if (strcmp(path, "-") != 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		memset(r, 0, sizeof(*r));
		r->fd = -1;
		return cerr_set(e, "open %s: %s", path, strerror(errno));
	}
	if (rlist_openfd(r, fd, e) < 0)
		return cerr_set(e, "%s: %s", path, e->msg);
	return 0;
}

/* next_plain - one line of a plain list */
static int
next_plain(struct rlist *r, int rc, struct rrec *out)
{
	size_t	n = r->rec.len;
	const char *p = trim(r->rec.len ? r->rec.data : "", &n);

	if (rc == LN_LONG)
		return snprintf(out->why, sizeof(out->why), "line too long"), RL_BAD;
	if (n == 0 || *p == '#')
		return RL_SKIP;
	if (check_addr(p, n, out) < 0)
		return RL_BAD;
	r->fbuf.len = 0;
	out->nfields = 1;
	out->fields = NULL;
	return RL_REC;
}

/* next_csv - one CSV record */
static int
next_csv(struct rlist *r, int rc, struct rrec *out)
{
	const char *why = "record too long";

	if (rc == LN_OK && r->rec.len == 0)
		return RL_SKIP;
	if (rc == LN_OK)
		rc = csv_record(r, &why);
	if (rc == LN_ERR)
		return RL_ERR;
	if (rc != LN_OK)
		return snprintf(out->why, sizeof(out->why), "%s", why), RL_BAD;
	if (r->nfields != r->ncols) {
		snprintf(out->why, sizeof(out->why), "%zu fields, the header has %zu",
			 r->nfields, r->ncols);
		return RL_BAD;
	}
	if (check_addr(r->fields[r->email_col], strlen(r->fields[r->email_col]), out) < 0)
		return RL_BAD;
	out->nfields = r->nfields;
	out->fields = r->fields;
	return RL_REC;
}

int
rlist_next(struct rlist *r, struct rrec *out, struct cerr *e)
{
	int	rc;

	out->why[0] = '\0';
	if (r->pending) {
		rc = r->pending;
		r->pending = 0;
		out->line = r->pending_line;
		return next_plain(r, rc, out);
	}
	buf_reset(&r->rec);
	if ((rc = get_line(r, &r->rec)) == LN_EOF)
		return RL_EOF;
	out->line = r->lineno;
	if (rc != LN_ERR)
		rc = r->csv ? next_csv(r, rc, out) : next_plain(r, rc, out);
	if (rc == LN_ERR || rc == RL_ERR)
		return cerr_set(e, "read: %s", strerror(errno)), RL_ERR;
	return rc;
}

int
rlist_col(const struct rlist *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->ncols; i++)
		if (strcmp(r->cols[i], name) == 0)
			return (int)i;
	for (i = 0; i < r->ncols; i++)
		if (strcasecmp(r->cols[i], name) == 0)
			return (int)i;
	return -1;
}

void
rlist_close(struct rlist *r)
{
	size_t	i;

	if (r->fd > 0)
		close(r->fd);
	for (i = 0; i < r->ncols; i++)
		free(r->cols[i]);
	free(r->cols);
	free(r->fields);
	free(r->rbuf);
	buf_free(&r->rec);
	buf_free(&r->fbuf);
	r->fd = -1;
}

long
rlist_count(const char *path)
{
	char	b[65536];
	struct stat st;
	ssize_t	n, i;
	long	lines = 0;
	int	fd, quoted = 0, empty = 1;

	if (strcmp(path, "-") == 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return close(fd), -1;
	while ((n = read(fd, b, sizeof(b))) > 0)
		for (i = 0; i < n; i++) {
			if (b[i] == '"')
				quoted = !quoted;
			else if (b[i] == '\n' && !quoted)
				lines += !empty, empty = 1;
			else if (b[i] != '\r' && b[i] != ' ')
				empty = 0;
		}
	close(fd);
	return lines + !empty;
}
