/*
 * NAME
 *	fuzz_unsubmail - libFuzzer target: campaign-unsubscribe --mail's
 *	reading of a message (unsubscribe/mail.c)
 * SOURCES: unsubscribe/mail.c unsubscribe/request.c unsubscribe/client.c
 * DESCRIPTION
 *	The input (at most 256 kB) is the message on stdin, read through
 *	fmemopen(3); its first line, when it is short, is also the recipient
 *	operand.  The server address is a closed loopback port, so a message
 *	that carries a token ends in a refused connection.  Invariant: the
 *	status is 0 or 75, never anything that would make Postfix bounce.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clog.h"
#include "unsub.h"

#define IN_MAX (256 * 1024)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct unsub_tmpl mailto, url;
	static int ready;
	char	rcpt[256] = "";
	const char *nl;
	struct mail_args ma = {"sender@example.com", "QID1", rcpt, "127.0.0.1:1", &mailto, &url};
	struct cerr e;
	FILE   *in;
	int	st;

	if (size > IN_MAX)
		return 0;
	if (!ready) {
		clog_open("fuzz_unsubmail", 0, "mail");
		if (unsub_tmpl_mail(&mailto, "unsub+%c+%t@l.example", &e) < 0
		    || unsub_tmpl_url(&url, "https://u.example/u", &e) < 0)
			abort();
		ready = 1;
	}
	if ((nl = memchr(data, '\n', size < sizeof(rcpt) ? size : sizeof(rcpt))) != NULL)
		memcpy(rcpt, data, (size_t)(nl - (const char *)data));
	if (size == 0 || (in = fmemopen((void *)data, size, "r")) == NULL)
		return 0;
	st = mail_run(&ma, in);
	fclose(in);
	if (st != 0 && st != 75)
		abort();
	return 0;
}
