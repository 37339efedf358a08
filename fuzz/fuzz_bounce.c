/*
 * NAME
 *	fuzz_bounce - libFuzzer target: campaign-bounce's parser entry point,
 *	bounce_parse() (GMime structure, DSN and ARF fields, VERP, the
 *	unsubscribe link), on hostile MIME
 * DESCRIPTION
 *	The input is the message; the envelope recipient is a fixed VERP
 *	address and a secret is set, so every path (token check included)
 *	runs.  The verdict's strings must be NUL-terminated within their
 *	arrays.  Every outcome is fine except a crash, a leak or undefined
 *	behaviour.
 * SOURCES: bounce/report.c bounce/dsn.c bounce/verp.c
 * PKG: gmime-3.0
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "bounce.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct buf secret;
	static int init;
	struct bounce_ctx bc = {"bounces+%c+%r@campaign.test", &secret};
	struct verdict v;

	if (!init) {
		g_mime_init();
		buf_init(&secret, 64);
		buf_puts(&secret, "fuzz-secret");
		init = 1;
	}
	if (bounce_parse(&bc, (const char *)data, size,
	    "bounces+c1+user=example.net@campaign.test", &v) == 0
	    && (strlen(v.text) > BOUNCE_TEXT_MAX || strlen(v.recipient) > ADDR_KEY_MAX))
		abort();
	return 0;
}
