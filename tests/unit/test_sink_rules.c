/*
 * NAME
 *	test_rules - unit tests of campaign-testsink's rules and attempt counts
 * SYNOPSIS
 *	tests/unit/test_sink_rules
 * DESCRIPTION
 *	Table-driven: rule lines that parse or fail with a named problem,
 *	which reply a stage gives to an address, and the "first N ... then"
 *	form over successive attempts, the "rate" and "for" forms over a
 *	given clock.  Prints "test_rules: N passed, N failed".
 */
#include <stdio.h>
#include <string.h>

#include "testhelp.h"
#include "testsink.h"

static const char *or_none(const char *s) { return s ? s : "(none)"; }

static void test_parse(void)
{
	static const struct { const char *line; int ok; const char *why; } t[] = {
		{ "", 0, "" },
		{ "   # only a comment", 0, "" },
		{ "bad@ 550 5.1.1 no such user", 0, "" },
		{ "rcpt: *@x.test 451 4.3.0 later  # trailing comment", 0, "" },
		{ "mail: <> 250 ok", 0, "" },
		{ "data: spam 554 5.7.1 no", 0, "" },
		{ "a first 2 451 4.3.0 busy then 250 2.1.5 ok", 0, "" },
		{ "lonely", -1, "expected PATTERN REPLY" },
		{ "x 650 nope", -1, "a reply must start with a code from 200 to 599" },
		{ "x 55 short", -1, "a reply must start with a code from 200 to 599" },
		{ "x 550x glued", -1, "a reply must start with a code from 200 to 599" },
		{ "x first 0 451 a then 250 b", -1, "\"first\" needs a count above 0" },
		{ "x first two 451 a then 250 b", -1, "\"first\" needs a count above 0" },
		{ "x first 2 451 a", -1, "\"first N REPLY1\" needs \"then REPLY2\"" },
		{ "x first 2 451 a then 999 b", -1,
		  "a reply must start with a code from 200 to 599" },
	};
	struct rules r = { 0 };
	char	why[256];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		why[0] = 0;
		CHECK_INT(rules_parse_line(&r, t[i].line, why, sizeof(why)), t[i].ok,
			  "parse \"%s\"", t[i].line);
		CHECK_STR(why, t[i].why, "problem of \"%s\"", t[i].line);
	}
	CHECK_INT(r.n, 5, "rules kept");
	rules_free(&r);
	CHECK_INT(r.n, 0, "rules freed");
}

static void test_answer(void)
{
	static const char *lines[] = {
		"*@bounce.test 550 5.1.1 no such user",
		"later 451 4.3.0 try later",
		"rcpt: ?x@glob.test 552 5.2.2 full",
		"mail: <> 550 5.7.1 no null sender",
		"data: *@refuse.test 554 5.7.1 content refused",
	};
	static const struct { int stage; const char *addr; const char *want; } t[] = {
		{ STAGE_RCPT, "u@bounce.test", "550 5.1.1 no such user" },
		{ STAGE_RCPT, "U@BOUNCE.TEST", "550 5.1.1 no such user" },
		{ STAGE_RCPT, "u@bounce.test.org", NULL },
		{ STAGE_RCPT, "please-Later@x.test", "451 4.3.0 try later" },
		{ STAGE_RCPT, "ax@glob.test", "552 5.2.2 full" },
		{ STAGE_RCPT, "abx@glob.test", NULL },
		{ STAGE_RCPT, "ok@sink.test", NULL },
		{ STAGE_MAIL, "<>", "550 5.7.1 no null sender" },
		{ STAGE_MAIL, "u@bounce.test", NULL },
		{ STAGE_DATA, "a@refuse.test", "554 5.7.1 content refused" },
		{ STAGE_DATA, "u@bounce.test", NULL },
	};
	struct rules r = { 0 };
	struct attempts a = { 0 };
	char	why[256];

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		CHECK_INT(rules_parse_line(&r, lines[i], why, sizeof(why)), 0, "%s", lines[i]);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK_STR(or_none(rules_answer(&r, &a, t[i].stage, t[i].addr)),
			  or_none(t[i].want), "stage %d answer to %s", t[i].stage, t[i].addr);
	rules_free(&r);
	attempts_free(&a);
}

static void test_first_then(void)
{
	static const char *want_rcpt[] = { "451 4.3.0 busy", "451 4.3.0 busy",
		"250 2.1.5 ok", "250 2.1.5 ok" };
	struct rules r = { 0 };
	struct attempts a = { 0 };
	char	why[256];

	rules_parse_line(&r, "*@retry.test first 2 451 4.3.0 busy then 250 2.1.5 ok", why, sizeof(why));
	rules_parse_line(&r, "data: *@retry.test first 1 452 4.3.1 full then 250 2.0.0 ok", why, sizeof(why));
	for (int i = 0; i < 4; i++) {
		CHECK_INT(attempts_bump(&a, 'r', "A@retry.test"), i + 1, "rcpt attempt %d", i + 1);
		CHECK_STR(or_none(rules_answer(&r, &a, STAGE_RCPT, "a@RETRY.test")),
			  want_rcpt[i], "rcpt reply at attempt %d", i + 1);
	}
	CHECK_STR(or_none(rules_answer(&r, &a, STAGE_RCPT, "b@retry.test")),
		  "451 4.3.0 busy", "another address counts on its own");
	CHECK_STR(or_none(rules_answer(&r, &a, STAGE_DATA, "a@retry.test")),
		  "452 4.3.1 full", "data, first attempt");
	CHECK_STR(or_none(rules_answer(&r, &a, STAGE_DATA, "a@retry.test")),
		  "250 2.0.0 ok", "data, second attempt");
	CHECK_INT(attempts_get(&a, 'r', "nobody@x"), 0, "unknown address");
	CHECK_INT(attempts_get(&a, 'd', "a@retry.test"), 2, "data counter");
	rules_free(&r);
	attempts_free(&a);
}

/* test_timed - "rate N/SECS" and "for SECS" over a given clock, shared
 * by every address of a comma-separated pattern list */
static void test_timed(void)
{
	static const char *lines[] = {
		"*@gmail.test,*@googlemail.test rate 2/10 421 4.7.28 unusual rate",
		"*@yahoo.test for 30 421 4.7.0 [TSS04] deferred",
		"*@yahoo.test 250 2.1.5 yahoo ok",
	};
	static const struct { long long ms; const char *addr; const char *want; } t[] = {
		{ 1000, "a@gmail.test", NULL },
		{ 1500, "b@googlemail.test", NULL },
		{ 2000, "c@gmail.test", "421 4.7.28 unusual rate" },
		{ 9999, "d@GMAIL.test", "421 4.7.28 unusual rate" },
		{ 11000, "e@gmail.test", NULL },
		{ 11001, "e@other.test", NULL },
		{ 5000, "a@yahoo.test", "421 4.7.0 [TSS04] deferred" },
		{ 34999, "b@yahoo.test", "421 4.7.0 [TSS04] deferred" },
		{ 35000, "c@yahoo.test", "250 2.1.5 yahoo ok" },
	};
	static const struct { const char *line; const char *why; } bad[] = {
		{ "x rate 0/10 421 a", "\"rate\" needs N/SECS, both above 0" },
		{ "x rate 5 421 a", "\"rate\" needs N/SECS, both above 0" },
		{ "x rate 5/0 421 a", "\"rate\" needs N/SECS, both above 0" },
		{ "x for 0 421 a", "\"for\" needs SECS from 1 to 86400" },
		{ "x for 10 999 a", "a reply must start with a code from 200 to 599" },
	};
	struct rules r = { 0 };
	struct attempts a = { 0 };
	char	why[256];

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		CHECK_INT(rules_parse_line(&r, lines[i], why, sizeof(why)), 0, "%s", lines[i]);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK_STR(or_none(rules_answer_at(&r, &a, STAGE_RCPT, t[i].addr, t[i].ms)),
			  or_none(t[i].want), "%s at %lld ms", t[i].addr, t[i].ms);
	rules_free(&r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = 0;
		CHECK_INT(rules_parse_line(&r, bad[i].line, why, sizeof(why)), -1, "%s", bad[i].line);
		CHECK_STR(why, bad[i].why, "problem of \"%s\"", bad[i].line);
	}
	rules_free(&r);
	attempts_free(&a);
}

/* test_delay - "delay MS": rules_delay() gives it, rules_answer() passes it by */
static void test_delay(void)
{
	static const char *lines[] = {
		"*@gmail.test,*@googlemail.test delay 200",
		"*@gmail.test rate 1/10 421 4.7.28 unusual rate",
		"data: *@yahoo.test delay 50",
	};
	static const struct { const char *line; const char *why; } bad[] = {
		{ "x delay 0", "\"delay\" needs MS from 1 to 60000 and nothing after" },
		{ "x delay 60001", "\"delay\" needs MS from 1 to 60000 and nothing after" },
		{ "x delay 200 250 ok", "\"delay\" needs MS from 1 to 60000 and nothing after" },
		{ "x delay", "a reply must start with a code from 200 to 599" },
	};
	struct rules r = { 0 };
	struct attempts a = { 0 };
	char	why[256];

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		CHECK_INT(rules_parse_line(&r, lines[i], why, sizeof(why)), 0, "%s", lines[i]);
	CHECK_INT(rules_delay(&r, STAGE_RCPT, "a@GMAIL.test"), 200, "gmail delayed");
	CHECK_INT(rules_delay(&r, STAGE_RCPT, "a@googlemail.test"), 200, "googlemail too");
	CHECK_INT(rules_delay(&r, STAGE_RCPT, "a@other.test"), 0, "other not");
	CHECK_INT(rules_delay(&r, STAGE_RCPT, "a@yahoo.test"), 0, "yahoo not at RCPT");
	CHECK_INT(rules_delay(&r, STAGE_DATA, "a@yahoo.test"), 50, "yahoo at DATA");
	CHECK_STR(or_none(rules_answer_at(&r, &a, STAGE_RCPT, "a@gmail.test", 1000)),
		  "(none)", "the delay rule gives no reply, the rate rule's first passes");
	CHECK_STR(or_none(rules_answer_at(&r, &a, STAGE_RCPT, "b@gmail.test", 1001)),
		  "421 4.7.28 unusual rate", "the rate rule answers past its count");
	rules_free(&r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = 0;
		CHECK_INT(rules_parse_line(&r, bad[i].line, why, sizeof(why)), -1, "%s", bad[i].line);
		CHECK_STR(why, bad[i].why, "problem of \"%s\"", bad[i].line);
	}
	rules_free(&r);
	attempts_free(&a);
}

int	main(void)
{
	test_parse();
	test_answer();
	test_first_then();
	test_timed();
	test_delay();
	return TEST_DONE("test_rules");
}
