/*
 * NAME
 *	fuzz_sinkrules - libFuzzer target: campaign-testsink's rules
 *	(sandbox/sink/rules.c)
 * SOURCES: sandbox/sink/rules.c
 * DESCRIPTION
 *	Each line of the input is parsed with rules_parse_line(), as
 *	rules_load() does with a rules file; then a few addresses and senders
 *	are answered at every stage at three times (the "first N" counts,
 *	the "rate" windows and the "for" times move), with their delays.
 *	Every outcome is fine except a crash, a leak or undefined behaviour.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testsink.h"

/* parse_lines - every line of data into r, as a rules file's */
static void
parse_lines(struct rules *r, const uint8_t *data, size_t size)
{
	char	line[1024], why[256];
	size_t	i = 0, n;

	while (i < size) {
		for (n = 0; i < size && data[i] != '\n'; i++)
			if (n < sizeof(line) - 1)
				line[n++] = (char)data[i];
		i++;
		line[n] = '\0';
		(void)rules_parse_line(r, line, why, sizeof(why));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const addrs[] = {
		"user@gmail.test", "USER@Yahoo.Test", "<>", "", "a@b", "r7010@sink.test",
	};
	static const enum stage stages[] = {STAGE_MAIL, STAGE_RCPT, STAGE_DATA};
	static const long long times[] = {0, 9999, 86400000LL * 365};
	struct rules r = {0};
	struct attempts a = {0};
	size_t	i, s, t;

	parse_lines(&r, data, size);
	for (t = 0; t < sizeof(times) / sizeof(times[0]); t++)
		for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
			(void)attempts_bump(&a, 'r', addrs[i]);
			for (s = 0; s < sizeof(stages) / sizeof(stages[0]); s++) {
				(void)rules_delay(&r, stages[s], addrs[i]);
				(void)rules_answer_at(&r, &a, stages[s], addrs[i], times[t]);
			}
		}
	(void)attempts_get(&a, 'm', addrs[0]);
	rules_free(&r);
	attempts_free(&a);
	return 0;
}
