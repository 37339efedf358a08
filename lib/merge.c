/*
 * NAME
 *	merge - the campaign message, prepared once, merged per recipient
 * SYNOPSIS
 *	#include "merge.h"
 *
 *	struct msg m;
 *	msg_load(&m, path, campaign, &e);
 *	msg_merge(&m, vals, &out);		only when m.ntags > 0
 *	msg_free(&m);
 * DESCRIPTION
 *	msg_prepare() turns an RFC 5322 message (n bytes, any of LF or CRLF
 *	line ends) into what goes between "354" and the final ".": every
 *	line ends in CRLF (a missing last line end is added), every line
 *	that starts with "." gets another ".", any X-Campaign-ID header of
 *	the file is dropped and "X-Campaign-ID: <campaign>" is put first.
 *	The message must start with a header field.  It is done once: the
 *	prepared body is what every transaction sends, with no copy.
 *
 *	Tags "{{name}}" (name: letters, digits, '_', '-', '.', at most
 *	MERGE_TAG_MAX) are found in the prepared body; m->tags lists the
 *	distinct names, m->segs the literal pieces and tag places.
 *	msg_merge() appends the body to out with vals[i] for tag i.  A value
 *	has its CR and LF bytes written as spaces (a value can add no line
 *	and no header), and a value at the start of a line that starts with
 *	"." gets the dot-stuffing "." before it.
 *
 *	msg_prepare_drop() also drops the header fields named in its NULL
 *	terminated list (any case; campaign-filter drops the template's
 *	To:, Message-ID: and tag fields before it writes its own).
 *
 *	msg_load() reads the file (at most MERGE_MSG_MAX bytes) and calls
 *	msg_prepare().  They return 0, or -1 with e set.
 * SEE ALSO
 *	RFC 5321 4.5.2 (transparency), RFC 5322 2.2.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "merge.h"
#include "tag.h"

_Static_assert(MERGE_ID_MAX == TAG_ID_MAX, "campaign ids share tag_id_valid()");

static const char campaign_hdr[] = "X-Campaign-ID";

/* msg_valid_id - 1 when id is 1..MERGE_ID_MAX of [A-Za-z0-9._-] */
int
msg_valid_id(const char *id)
{
	return tag_id_valid(id, strlen(id));	/* the milter's rule, one place */
}

/* is_field_start - line (n bytes) looks like "name:" */
static int
is_field_start(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n && p[i] > 32 && p[i] < 127 && p[i] != ':'; i++)
		;
	return i > 0 && i < n && p[i] == ':';
}

/* is_field - line is a field named name */
static int
is_field(const char *p, size_t n, const char *name)
{
	size_t	k = strlen(name);

	return n > k && strncasecmp(p, name, k) == 0
	    && (p[k] == ':' || p[k] == ' ' || p[k] == '\t');
}

/* is_dropped - line starts a field that is dropped */
static int
is_dropped(const char *p, size_t n, const char *const *drop)
{
	if (is_field(p, n, campaign_hdr))
		return 1;
	for (; drop && *drop; drop++)
		if (is_field(p, n, *drop))
			return 1;
	return 0;
}

/* put_line - append one line (without its end) to the body, stuffed */
static int
put_line(struct buf *b, const char *p, size_t n)
{
	if (n > 0 && p[0] == '.' && buf_putc(b, '.') < 0)
		return -1;
	if (buf_append(b, p, n) < 0 || buf_append(b, "\r\n", 2) < 0)
		return -1;
	return 0;
}

/* normalise - CRLF, dot-stuffing, X-Campaign-ID first, fields dropped */
static int
normalise(struct msg *m, const char *raw, size_t n, const char *campaign,
	  const char *const *drop)
{
	size_t	pos = 0, len;
	const char *nl;
	int	in_hdr = 1, skipping = 0;

	if (buf_appendf(&m->body, "%s: %s\r\n", campaign_hdr, campaign) < 0)
		return -1;
	while (pos < n) {
		nl = memchr(raw + pos, '\n', n - pos);
		len = nl ? (size_t)(nl - (raw + pos)) : n - pos;
		if (len > 0 && raw[pos + len - 1] == '\r')
			len--;
		if (in_hdr && len == 0)
			in_hdr = 0;
		if (in_hdr && raw[pos] != ' ' && raw[pos] != '\t')
			skipping = is_dropped(raw + pos, len, drop);
		if (!(in_hdr && skipping) && put_line(&m->body, raw + pos, len) < 0)
			return -1;
		pos = nl ? (size_t)(nl - raw) + 1 : n;
	}
	return 0;
}

/* tag_len - length of "{{name}}" at p (within n), or 0 */
static size_t
tag_len(const char *p, size_t n)
{
	size_t	i;

	if (n < 5 || p[0] != '{' || p[1] != '{')
		return 0;
	for (i = 2; i < n && i - 2 < MERGE_TAG_MAX
	     && (isalnum((unsigned char)p[i]) || strchr("_-.", p[i])); i++)
		;
	if (i == 2 || i + 1 >= n || p[i] != '}' || p[i + 1] != '}')
		return 0;
	return i + 2;
}

/* tag_index - index of name (n bytes) in m->tags, adding it */
static int
tag_index(struct msg *m, const char *name, size_t n)
{
	size_t	i;
	char  **t;

	for (i = 0; i < m->ntags; i++)
		if (strlen(m->tags[i]) == n && memcmp(m->tags[i], name, n) == 0)
			return (int)i;
	if ((t = realloc(m->tags, (m->ntags + 1) * sizeof(*t))) == NULL)
		return -1;
	m->tags = t;
	if ((t[m->ntags] = strndup(name, n)) == NULL)
		return -1;
	return (int)m->ntags++;
}

/* add_seg - append one segment */
static int
add_seg(struct msg *m, size_t off, size_t len, int tag, int bol)
{
	struct msg_seg *s;

	if ((s = realloc(m->segs, (m->nsegs + 1) * sizeof(*s))) == NULL)
		return -1;
	m->segs = s;
	s[m->nsegs++] = (struct msg_seg) {off, len, tag, bol};
	return 0;
}

/* find_tags - split the body into literal and tag segments */
static int
find_tags(struct msg *m)
{
	const char *b = m->body.data, *p;
	size_t	n = m->body.len, pos = 0, lit = 0, tl;
	int	idx;

	while ((p = memchr(b + pos, '{', n - pos)) != NULL) {
		pos = (size_t)(p - b);
		if ((tl = tag_len(p, n - pos)) == 0) {
			pos++;
			continue;
		}
		if ((idx = tag_index(m, p + 2, tl - 4)) < 0
		    || add_seg(m, lit, pos - lit, -1, 0) < 0
		    || add_seg(m, 0, 0, idx, pos == 0 || b[pos - 1] == '\n') < 0)
			return -1;
		pos += tl;
		lit = pos;
	}
	if (m->ntags == 0)
		return 0;
	return add_seg(m, lit, n - lit, -1, 0);
}

int
msg_prepare(struct msg *m, const char *raw, size_t n, const char *campaign,
	    struct cerr *e)
{
	return msg_prepare_drop(m, raw, n, campaign, NULL, e);
}

int
msg_prepare_drop(struct msg *m, const char *raw, size_t n, const char *campaign,
		 const char *const *drop, struct cerr *e)
{
	const char *nl;

	memset(m, 0, sizeof(*m));
	buf_init(&m->body, 2 * MERGE_MSG_MAX + 4096);
	if (n == 0)
		return cerr_set(e, "message is empty");
	nl = memchr(raw, '\n', n);
	if (!is_field_start(raw, nl ? (size_t)(nl - raw) : n))
		return cerr_set(e, "message does not start with a header field");
	if (!msg_valid_id(campaign))
		return cerr_set(e, "bad campaign id");
	if (normalise(m, raw, n, campaign, drop) < 0 || find_tags(m) < 0)
		return cerr_set(e, "out of memory preparing the message");
	for (size_t i = 0; i < m->body.len && !m->has8bit; i++)
		m->has8bit = (unsigned char)m->body.data[i] >= 0x80;
	return 0;
}

/* put_value - append a merge value: CR/LF become spaces */
static int
put_value(struct buf *out, const char *v, int bol)
{
	size_t	start = out->len, i;

	if (bol && v[0] == '.' && buf_putc(out, '.') < 0)
		return -1;
	if (buf_puts(out, v) < 0)
		return -1;
	for (i = start; i < out->len; i++)
		if (out->data[i] == '\r' || out->data[i] == '\n')
			out->data[i] = ' ';
	return 0;
}

/*
 * msg_merge - a piece lands at the start of a line when the values before
 * it on that line were empty, so whether to dot-stuff is decided by what
 * has been written, not by the piece's place in the body: "{{x}}." with
 * an empty x is a line "." (found by fuzz_msg).  A literal that starts a
 * body line is stuffed already.
 */
int
msg_merge(const struct msg *m, char *const *vals, struct buf *out)
{
	size_t	i, start = out->len;
	const struct msg_seg *s;
	const char *b = m->body.data;
	int	bol;

	if (m->ntags == 0)
		return buf_append(out, m->body.data, m->body.len);
	for (i = 0; i < m->nsegs; i++) {
		s = m->segs + i;
		bol = out->len == start || out->data[out->len - 1] == '\n';
		if (s->tag < 0 && bol && s->len > 0 && b[s->off] == '.'
		    && s->off > 0 && b[s->off - 1] != '\n' && buf_putc(out, '.') < 0)
			return -1;
		if (s->tag < 0 ? buf_append(out, b + s->off, s->len) < 0
		    : put_value(out, vals[s->tag] ? vals[s->tag] : "", bol) < 0)
			return -1;
	}
	return 0;
}

/*
 * msg_unstuff - undo dot-stuffing in place (BDAT sends the message as
 * it is); returns the new length
 */
size_t
msg_unstuff(char *p, size_t n)
{
	size_t	i, o = 0;
	int	bol = 1;

	for (i = 0; i < n; i++) {
		if (bol && p[i] == '.' && i + 1 < n && p[i + 1] == '.')
			i++;
		bol = p[i] == '\n';
		p[o++] = p[i];
	}
	return o;
}

int
msg_load(struct msg *m, const char *path, const char *campaign, struct cerr *e)
{
	struct buf raw;
	char	chunk[65536];
	ssize_t	n;
	int	fd, rc = -1;

	memset(m, 0, sizeof(*m));
	buf_init(&raw, MERGE_MSG_MAX);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return cerr_set(e, "open %s: %s", path, strerror(errno));
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(&raw, chunk, (size_t)n) < 0)
			break;
	if (n < 0)
		cerr_set(e, "read %s: %s", path, strerror(errno));
	else if (n > 0)
		cerr_set(e, "%s: larger than %zu bytes", path, MERGE_MSG_MAX);
	else
		rc = msg_prepare(m, raw.data ? raw.data : "", raw.len, campaign, e);
	close(fd);
	buf_free(&raw);
	return rc;
}

void
msg_free(struct msg *m)
{
	size_t	i;

	for (i = 0; i < m->ntags; i++)
		free(m->tags[i]);
	free(m->tags);
	free(m->segs);
	buf_free(&m->body);
	memset(m, 0, sizeof(*m));
}
