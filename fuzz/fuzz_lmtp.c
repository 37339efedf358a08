/*
 * NAME
 *	fuzz_lmtp - libFuzzer target: campaign-bounce -l's LMTP server
 *	(lmtp_serve()) on an arbitrary client dialogue
 * DESCRIPTION
 *	The input is what the client sends; replies go to /dev/null.  The
 *	policy is empty (every category counted), so no table is written
 *	and each run is fast; the messages inside DATA still go through
 *	bounce_parse() and the classifier.  Every outcome is fine except a
 *	crash, a leak or undefined behaviour.
 * SOURCES: bounce/lmtp.c bounce/report.c bounce/dsn.c bounce/verp.c bounce/apply.c
 * PKG: gmime-3.0
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <gmime/gmime.h>

#include "bounce.h"
#include "clog.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct classify *rules;
	static struct policy p;
	static FILE *null;
	struct bounce_run run = {{"bounces+%c+%r@campaign.test", NULL},
	    {NULL, &p, "hash:/nonexistent/s", "hash:/nonexistent/t", 1800000000, NULL, NULL}};
	struct cerr e;
	FILE   *in;

	if (rules == NULL) {
		g_mime_init();
		clog_open("fuzz_lmtp", 0, "mail");
		rules = classify_parse("bad-mailbox 5\\.1\\.1\n", 19, "fuzz", &e);
		policy_parse(&p, "", &e);
		if ((null = fopen("/dev/null", "w")) == NULL || rules == NULL)
			abort();
	}
	run.ba.rules = rules;
	if (size == 0 || (in = fmemopen((void *)data, size, "r")) == NULL)
		return 0;
	(void)lmtp_serve(&run, in, null);
	fclose(in);
	return 0;
}
