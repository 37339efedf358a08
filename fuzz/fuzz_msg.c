/*
 * NAME
 *	fuzz_msg - libFuzzer target: the message reader and merge engine
 *	(lib/merge.c msg_prepare, msg_merge)
 * DESCRIPTION
 *	Input: one byte L, the message, then L bytes of merge values (split
 *	at NUL bytes, at most VALS_MAX; tag i takes value i modulo their
 *	count, or NULL when there are none).  The message is prepared for
 *	campaign "c1" and, when it was accepted, merged once.
 *	Invariants, on the prepared body and on the merged message (what
 *	goes between "354" and the final "."): it ends in CRLF, every LF
 *	follows a CR, every line that starts with "." starts with ".."
 *	(dot-stuffed: no line can end the DATA early or lose a byte to the
 *	receiver's unstuffing), the first line is "X-Campaign-ID: c1" and no
 *	other X-Campaign-ID field is in the header section of the body; the
 *	merge adds no line; with no tags the merge is the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "merge.h"

#define IN_MAX (256 * 1024)
#define VALS_MAX 8

static const char first[] = "X-Campaign-ID: c1\r\n";

/* check_lines - CRLF only, stuffed dots; returns the line count */
static size_t
check_lines(const char *p, size_t n)
{
	size_t	i, lines = 0;

	if (n < 2 || p[n - 2] != '\r' || p[n - 1] != '\n')
		abort();
	for (i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			abort();
		if ((i == 0 || p[i - 1] == '\n') && p[i] == '.'
		    && (i + 1 >= n || p[i + 1] != '.'))
			abort();
		lines += p[i] == '\n';
	}
	return lines;
}

/* check_header - one X-Campaign-ID field, the first */
static void
check_header(const char *p, size_t n)
{
	const char *end = p + n, *nl;
	size_t	k = sizeof(first) - 1;

	if (n < k || memcmp(p, first, k) != 0)
		abort();
	for (p += k; p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL; p = nl + 1) {
		if (nl - p == 1)		/* the empty line: end of header */
			return;
		if (nl - p > 13 && strncasecmp(p, "X-Campaign-ID", 13) == 0
		    && (p[13] == ':' || p[13] == ' ' || p[13] == '\t'))
			abort();
	}
}

/* split_vals - the values part into at most VALS_MAX strings */
static size_t
split_vals(char *v, size_t n, char **vals)
{
	size_t	nv = 0, i, start = 0;

	for (i = 0; i <= n && nv < VALS_MAX; i++)
		if (i == n || v[i] == '\0') {
			v[i] = '\0';
			vals[nv++] = v + start;
			start = i + 1;
		}
	return n == 0 ? 0 : nv;
}

static void
merge(const struct msg *m, char **pool, size_t npool, size_t body_lines)
{
	char   *vals[256];
	struct buf out;
	size_t	i;

	if (m->ntags > sizeof(vals) / sizeof(vals[0]))
		return;
	for (i = 0; i < m->ntags; i++)
		vals[i] = npool ? pool[i % npool] : NULL;
	buf_init(&out, IN_MAX * 64);
	if (msg_merge(m, vals, &out) < 0)
		abort();
	if (check_lines(out.data, out.len) != body_lines)
		abort();
	if (m->ntags == 0 && (out.len != m->body.len
			      || memcmp(out.data, m->body.data, out.len) != 0))
		abort();
	buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char   *copy, *pool[VALS_MAX];
	size_t	vlen, npool;
	struct msg m;
	struct cerr e;

	if (size < 1 || size > IN_MAX)
		return 0;
	vlen = data[0] < size - 1 ? data[0] : size - 1;
	if ((copy = malloc(size)) == NULL)
		abort();
	memcpy(copy, data + 1, size - 1);
	npool = split_vals(copy + (size - 1 - vlen), vlen, pool);
	if (msg_prepare(&m, copy, size - 1 - vlen, "c1", &e) == 0) {
		check_header(m.body.data, m.body.len);
		merge(&m, pool, npool, check_lines(m.body.data, m.body.len));
	}
	msg_free(&m);
	free(copy);
	return 0;
}
