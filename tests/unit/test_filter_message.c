/*
 * NAME
 *	test_filter_message - unit tests of the filter's message reader and
 *	spool (filter/message.c, filter/spool.c)
 * SYNOPSIS
 *	tests/unit/test_filter_message
 * DESCRIPTION
 *	Table-driven: each case feeds an input message through fmemopen(3)
 *	and compares the stored SMTP DATA form, the campaign id, the count of
 *	removed headers, or the named failure.  Also: a message larger than
 *	the memory limit goes to a temporary file and comes back intact.
 * DIAGNOSTICS
 *	"test_filter_message: N passed, N failed"; exit 1 on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "testhelp.h"

struct collect {
	struct buf out;
};

static int
collect_fn(void *ctx, const char *p, size_t n, struct cerr *e)
{
	(void) e;
	return buf_append(&((struct collect *) ctx)->out, p, n);
}

/* run - read input; out gets the stored form, or "ERR: reason" */
static int
run(const char *in, size_t inlen, size_t max_hdr, size_t mem, struct buf *out,
    char *campaign, int *removed, int *on_disk)
{
	struct message_limits lim = {max_hdr, mem, NULL};
	struct message m;
	struct collect c;
	struct cerr e;
	FILE   *fp = fmemopen((void *) in, inlen, "r");
	int	r;

	message_init(&m, &lim);
	r = message_read(&m, fp, &e);
	fclose(fp);
	buf_init(&c.out, 64 << 20);
	if (r == 0)
		r = spool_each(&m.sp, collect_fn, &c, &e);
	buf_reset(out);
	if (r < 0)
		buf_appendf(out, "ERR: %s", e.msg);
	else
		buf_append(out, c.out.data ? c.out.data : "", c.out.len);
	strcpy(campaign, m.campaign);
	*removed = m.removed;
	*on_disk = spool_on_disk(&m.sp);
	buf_free(&c.out);
	message_free(&m);
	return r;
}

static const struct {
	const char *name;
	const char *in;
	const char *want;
	const char *campaign;
	int	removed;
}	cases[] = {
	{"plain", "Subject: hi\n\nbody\n", "Subject: hi\r\n\r\nbody\r\n", "", 0},
	{"feed headers removed, folded too",
	 "Return-Path: <a@b>\nX-Campaign-Feed-Batch: 7\n\tcontinued\n"
	 "x-campaign-feed-seq: 9\nSubject: s\n folded\n\nb\n",
	 "Subject: s\r\n folded\r\n\r\nb\r\n", "", 3},
	{"campaign id, folded and trimmed",
	 "X-Campaign-ID:  \n  spring-2026 \nTo: x\n\n",
	 "X-Campaign-ID:  \r\n  spring-2026 \r\nTo: x\r\n\r\n", "spring-2026", 0},
	{"first campaign id wins",
	 "X-Campaign-ID: a\nX-Campaign-ID: b\n\n",
	 "X-Campaign-ID: a\r\nX-Campaign-ID: b\r\n\r\n", "a", 0},
	{"dot stuffing in body and header",
	 ".hdr: x\n\n.\n..x\nno dot\n", "..hdr: x\r\n\r\n..\r\n...x\r\nno dot\r\n", "", 0},
	{"CRLF kept, last line gets one",
	 "A: b\r\n\r\nline\r\nlast", "A: b\r\n\r\nline\r\nlast\r\n", "", 0},
	{"no body separator, body starts at non-header",
	 "A: b\nnot a header\nmore\n", "A: b\r\nnot a header\r\nmore\r\n", "", 0},
	{"headers only, no newline at end", "A: b", "A: b\r\n", "", 0},
	{"feed-like body line kept",
	 "A: b\n\nX-Campaign-Feed-X: stays\n", "A: b\r\n\r\nX-Campaign-Feed-X: stays\r\n", "", 0},
	{"empty message", "", "", "", 0},
	{"bare CR kept inside a line", "A: b\n\nx\ry\n", "A: b\r\n\r\nx\ry\r\n", "", 0},
};

static void
test_table(void)
{
	struct buf out;
	char	campaign[MESSAGE_ID_MAX + 1];
	int	removed, on_disk;
	size_t	i;

	buf_init(&out, 1 << 20);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run(cases[i].in, strlen(cases[i].in), 4096, 1 << 20, &out, campaign,
		    &removed, &on_disk);
		CHECK_STR(buf_cstr(&out), cases[i].want, "%s: stored form", cases[i].name);
		CHECK_STR(campaign, cases[i].campaign, "%s: campaign", cases[i].name);
		CHECK_INT(removed, cases[i].removed, "%s: removed", cases[i].name);
	}
	buf_free(&out);
}

static const struct {
	const char *name;
	const char *in;
	size_t	len;
	const char *want;
}	bad[] = {
#define S(x) x, sizeof(x) - 1
	{"NUL in header", S("A: b\0c\n\n"), "ERR: NUL byte in message header"},
	{"NUL in body", S("A: b\n\nx\0y\n"), "ERR: NUL byte in message body"},
	{"header section too large",
	 S("A: 0123456789012345678901234567890123456789\nB: 0123456789012345678901234567890123456789\n\n"),
	 "ERR: message header over 64 bytes"},
	{"one header line too long",
	 S("A: 01234567890123456789012345678901234567890123456789012345678901234567890123456789\n\n"),
	 "ERR: message header line over 64 bytes"},
};

static void
test_bad(void)
{
	struct buf out;
	char	campaign[MESSAGE_ID_MAX + 1];
	int	removed, on_disk;
	size_t	i;

	buf_init(&out, 1 << 20);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(run(bad[i].in, bad[i].len, 64, 1 << 20, &out, campaign,
			      &removed, &on_disk), -1, "%s: fails", bad[i].name);
		CHECK_STR(buf_cstr(&out), bad[i].want, "%s: reason", bad[i].name);
	}
	buf_free(&out);
}

/* test_spool_to_disk - a 3 MB body with a 64 KB memory limit */
static void
test_spool_to_disk(void)
{
	size_t	n = 3 << 20, i;
	char   *in = malloc(n), *want = malloc(2 * n);
	struct buf out;
	char	campaign[MESSAGE_ID_MAX + 1];
	int	removed, on_disk;
	size_t	w = 0;

	memcpy(in, "X-Campaign-ID: big\n\n", 20);
	memcpy(want, "X-Campaign-ID: big\r\n\r\n", 22);
	w = 22;
	for (i = 20; i < n; i++) {
		in[i] = (i % 100 == 99) ? '\n' : (i % 100 == 0) ? '.' : 'a' + (char) (i % 26);
		if (in[i] == '\n')
			want[w++] = '\r';
		else if (in[i] == '.' && in[i - 1] == '\n')
			want[w++] = '.';
		want[w++] = in[i];
	}
	if (in[n - 1] != '\n') {
		want[w++] = '\r';
		want[w++] = '\n';
	}
	buf_init(&out, 64 << 20);
	CHECK_INT(run(in, n, 4096, 64 * 1024, &out, campaign, &removed, &on_disk), 0,
		  "big message read");
	CHECK_INT(on_disk, 1, "big message went to a temporary file");
	CHECK_INT(out.len, w, "big message length");
	CHECK_INT(out.len == w && memcmp(out.data, want, w) == 0, 1, "big message intact");
	CHECK_STR(campaign, "big", "big message campaign");
	CHECK_INT(run("A: b\n\nx\n", 8, 4096, 64 * 1024, &out, campaign, &removed,
		      &on_disk), 0, "small message read");
	CHECK_INT(on_disk, 0, "small message stays in memory");
	buf_free(&out);
	free(in);
	free(want);
}

int
main(void)
{
	test_table();
	test_bad();
	test_spool_to_disk();
	return TEST_DONE("test_filter_message");
}
