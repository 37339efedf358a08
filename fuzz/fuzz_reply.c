/*
 * NAME
 *	fuzz_reply - libFuzzer target: campaign-feed's SMTP reply parser
 *	(feeder/feed_reply.c)
 * SOURCES: feeder/feed_reply.c
 * DESCRIPTION
 *	Feeds the input (at most 256 kB) to reply_parse() as the relay's
 *	bytes, then reply after reply as a pipelining client reads them.
 *	Invariants: the consumed length is within the input and not zero, the
 *	code is 200..599, the line count is 1..FEED_REPLY_LINES, the text
 *	fits FEED_TEXT_MAX, is printable ASCII and NUL-terminated at
 *	textlen; every prefix
 *	short of a complete reply is not a complete reply.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"

#define IN_MAX (256 * 1024)

static void
check_reply(const struct reply *r, ssize_t used, size_t len)
{
	size_t	i;

	if (used <= 0 || (size_t)used > len)
		abort();
	if (r->code < 200 || r->code > 599)
		abort();
	if (r->nlines < 1 || r->nlines > FEED_REPLY_LINES)
		abort();
	if (r->textlen >= FEED_TEXT_MAX || strlen(r->text) != r->textlen)
		abort();
	for (i = 0; i < r->textlen; i++)
		if (r->text[i] < 0x20 || r->text[i] > 0x7e)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct reply r, r2;
	struct cerr e;
	ssize_t	n, n2;
	int	replies = 0;

	if (size > IN_MAX)
		return 0;
	while (size > 0 && replies++ < 1000) {
		n = reply_parse(p, size, &r, &e);
		if (n <= 0)
			break;
		check_reply(&r, n, size);
		/* one byte short of the reply: never a complete reply */
		n2 = reply_parse(p, (size_t)n - 1, &r2, &e);
		if (n2 > 0)
			abort();
		p += n;
		size -= (size_t)n;
	}
	return 0;
}
