/*
 * NAME
 *	fuzz_classify - libFuzzer target: bounce rules parsing and matching
 *	(lib/classify.c)
 * DESCRIPTION
 *	The input is a rules text: classify_parse() either refuses it with
 *	a message or compiles it; a compiled set is then matched against a
 *	few subjects and freed.  Every outcome is fine except a crash, a
 *	leak or undefined behaviour.
 */
#include <stdint.h>
#include <stdlib.h>

#include "classify.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const subjects[] = {
		"550 5.1.1 user unknown", "000 0.0.0 ", "421 4.7.0 try again later",
	};
	struct cerr e;
	struct classify *c = classify_parse((const char *)data, size, "fuzz", &e);
	size_t	i;

	for (i = 0; c != NULL && i < sizeof(subjects) / sizeof(subjects[0]); i++)
		(void)classify_match(c, subjects[i]);
	classify_free(c);
	return 0;
}
