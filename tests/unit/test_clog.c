/*
 * NAME
 *	test_clog - unit tests for the notice-line builder in lib/clog.c
 */
#include <string.h>

#include "clog.h"
#include "testhelp.h"

static void
test_values(void)
{
	static const struct {
		const char *val;
		size_t	n;
		const char *want;
	}	cases[] = {
		{"plain", 5, "Q1: k=plain"},
		{"", 0, "Q1: k=\"\""},
		{"two words", 9, "Q1: k=\"two words\""},
		{"a\nQ2: forged=1", 14, "Q1: k=\"a\\x0aQ2: forged=1\""},
		{"quo\"te", 6, "Q1: k=\"quo\\\"te\""},
		{"back\\slash", 10, "Q1: k=\"back\\\\slash\""},
		{"nul\0byte", 8, "Q1: k=\"nul\\x00byte\""},
		{"8bit\xe9", 5, "Q1: k=\"8bit\\xe9\""},
		{"a=b", 3, "Q1: k=a=b"},
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nline nl;

		nline_init(&nl, "Q1");
		nline_strn(&nl, "k", cases[i].val, cases[i].n);
		CHECK_STR(nline_text(&nl), cases[i].want, "value case %zu", i);
		nline_free(&nl);
	}
}

static void
test_line(void)
{
	struct nline nl;

	nline_init(&nl, "4Xy1");
	nline_str(&nl, "campaign", "spring-2026");
	nline_addr(&nl, "from", "news@example.com");
	nline_addr(&nl, "return", "");
	nline_num(&nl, "nrcpt", 12);
	CHECK_STR(nline_text(&nl),
	    "4Xy1: campaign=spring-2026 from=<news@example.com> return=<> nrcpt=12",
	    "whole notice line");
	nline_free(&nl);
}

int
main(void)
{
	test_values();
	test_line();
	return TEST_DONE("clog");
}
