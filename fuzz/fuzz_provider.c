/*
 * NAME
 *	fuzz_provider - libFuzzer target: the provider table (lib/provider.c)
 *	and campaign-shaper's rules (shaper/srule.c)
 * SOURCES: shaper/srule.c shaper/action.c
 * DESCRIPTION
 *	The input is parsed twice: as a provider table, then as a rules
 *	file checked against that table; every lookup runs on the result and
 *	a few deferral texts are matched; a matched rule is hit through all
 *	its steps (actions_hit, actions_in_force).  The input is also read
 *	as campaign-shaper's state file (actions_load: a file a crash or a
 *	full disk may have cut or damaged).  Every outcome is fine except a
 *	crash, a leak or undefined behaviour.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "provider.h"
#include "shaper.h"

/* load_state - the input as the shaper's state file */
static void
load_state(const uint8_t *data, size_t size, const struct provider_table *t,
	   struct buf *warns)
{
	static char path[64];
	struct actions a = {0};
	FILE   *fp;

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/fuzz_provider.state.%ld", (long)getpid());
	if ((fp = fopen(path, "w")) == NULL)
		return;
	if (fwrite(data, 1, size, fp) != size) {
		fclose(fp);
		return;
	}
	fclose(fp);
	(void)actions_load(&a, path, t, warns);
	actions_free(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const texts[] = {
		"host x said: 421 4.7.28 unusual rate", "421 4.7.0 [TSS04] deferred", "",
	};
	struct provider_table t = {0};
	struct srules r = {0};
	struct actions a = {0};
	const struct srule *m;
	struct buf errs;
	size_t	i;
	long	k;

	buf_init(&errs, 1 << 20);
	provider_parse(&t, (const char *)data, size, "fuzz", &errs);
	srules_parse(&r, (const char *)data, size, "fuzz", &t, &errs);
	(void)provider_by_domain(&t, "gmail.com", 9);
	(void)provider_by_mx(&t, "a.b.google.com.", 15);
	(void)provider_of(&t, "postfix/campaign-x/smtp", 23, "u@gmail.com", 11,
	    "a.google.com[192.0.2.1]:25", 26);
	(void)provider_of(&t, (const char *)data, size, (const char *)data, size,
	    (const char *)data, size);
	for (i = 0; i < t.n; i++)
		(void)provider_find(&t, t.v[i].name, strlen(t.v[i].name));
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if ((m = srules_match(&r, t.n ? t.v[0].name : "x", texts[i])) == NULL)
			continue;
		for (k = 0; k < 4 * (m->escalate < 8 ? m->escalate : 8); k++) {
			(void)actions_hit(&a, "x", m, 1000 + k * 1000000, 1000 + k * 1000000);
			actions_in_force(&a, 1000 + k * 1000000);
		}
	}
	actions_free(&a);
	load_state(data, size, &t, &errs);
	srules_free(&r);
	provider_free(&t);
	buf_free(&errs);
	return 0;
}
