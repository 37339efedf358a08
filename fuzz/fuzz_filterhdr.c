/*
 * NAME
 *	fuzz_filterhdr - libFuzzer target: campaign-filter's message reader
 *	and header handling (filter/message.c, filter/spool.c)
 * SOURCES: filter/message.c filter/spool.c
 * DESCRIPTION
 *	Reads the input (at most 256 kB) as the message pipe(8) hands over,
 *	with a 16 kB header budget; inputs over 8 kB use a 4 kB memory limit,
 *	so the spool's file path is taken too.  Invariants when the read
 *	succeeds: no NUL in the input, every LF of the result follows a CR,
 *	the result ends in CRLF (when not empty), no line is a lone ".",
 *	no X-Campaign-Feed-* or Return-Path header is left in the header
 *	section, the campaign id fits MESSAGE_ID_MAX, the result is at least
 *	as long as the input minus the headers removed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "message.h"

#define IN_MAX (256 * 1024)

static int
collect(void *ctx, const char *p, size_t n, struct cerr *e)
{
	(void)e;
	return buf_append(ctx, p, n) < 0 ? (abort(), -1) : 0;
}

/* check_line - one CRLF line of the result; *hdr: still in the header */
static void
check_line(const char *p, size_t n, int *hdr)
{
	size_t	i;

	if (n == 1 && p[0] == '.')
		abort();
	if (n == 0) {
		*hdr = 0;
		return;
	}
	if (!*hdr || p[0] == ' ' || p[0] == '\t')
		return;
	for (i = 0; i < n && p[i] > ' ' && p[i] < 0x7f && p[i] != ':'; i++)
		;
	if (i == 0 || i == n || p[i] != ':') {
		*hdr = 0;		/* not a header: the body starts here */
		return;
	}
	if ((n >= 16 && strncasecmp(p, "X-Campaign-Feed-", 16) == 0)
	    || (n >= 12 && strncasecmp(p, "Return-Path:", 12) == 0))
		abort();
}

static void
check_output(const struct buf *out)
{
	const char *p = out->data, *end = p + out->len, *nl;
	int	hdr = 1;

	if (out->len == 0)
		return;
	if (out->len < 2 || end[-2] != '\r' || end[-1] != '\n')
		abort();
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL || nl == p || nl[-1] != '\r')
			abort();
		check_line(p, (size_t)(nl - 1 - p), &hdr);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct message_limits lim = {16 * 1024, 1 << 20, "/dev/shm"};
	struct message m;
	struct buf out;
	struct cerr e;
	FILE   *fp;

	if (size == 0 || size > IN_MAX)
		return 0;
	if (size > 8192)
		lim.mem_limit = 4096;
	if ((fp = fmemopen((void *)data, size, "r")) == NULL)
		abort();
	message_init(&m, &lim);
	buf_init(&out, 4 * IN_MAX);
	if (message_read(&m, fp, &e) == 0) {
		if (memchr(data, '\0', size) != NULL || strlen(m.campaign) > MESSAGE_ID_MAX)
			abort();
		if (spool_each(&m.sp, collect, &out, &e) < 0)
			abort();
		if (out.len != spool_size(&m.sp))
			abort();
		check_output(&out);
	}
	buf_free(&out);
	message_free(&m);
	fclose(fp);
	return 0;
}
