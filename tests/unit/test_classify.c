/*
 * NAME
 *	test_classify - unit tests for lib/classify.c and the shipped
 *	postfix-conf/bounce-rules
 * SYNOPSIS
 *	test_classify [RULES_FILE]
 * DESCRIPTION
 *	Malformed rules are refused with name:line; first match wins; the
 *	subject builder; and the shipped rules name real replies (written
 *	here in the shape the big providers' MTAs use) as an operator
 *	expects.  RULES_FILE defaults to the source tree's postfix-conf/bounce-rules
 *	(TOP_SRCDIR, set by lib/local.mk).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "testhelp.h"

static struct classify *
parse(const char *text, struct cerr *e)
{
	return classify_parse(text, strlen(text), "rules", e);
}

static void
test_malformed(void)
{
	static const struct {
		const char *text, *want;
	}	cases[] = {
		{"bad-mailbox\n", "rules:1: category bad-mailbox has no regular expression"},
		{"# c\n\nBad ^5\n", "rules:3: bad category \"Bad\" (1-32 of a-z 0-9 -)"},
		{"quota (unclosed\n", "rules:1: bad regular expression: Unmatched ( or \\("},
		{"ok x\nquota a\001b\n", "rules:2: NUL or control character in line"},
		{"a-very-long-category-name-that-is-too-long x\n",
		 "rules:1: bad category \"a-very-long-category-name-that-is-too-lo\" (1-32 of a-z 0-9 -)"},
		{"x [z-a]\n", "rules:1: bad regular expression: Invalid range end"},
		{"x a++++++++++++++++++++++++++++++++++b\n",
		 "rules:1: regular expression too costly: a repetition of a repetition"},
		{"x a*?\n", "rules:1: regular expression too costly: a repetition of a repetition"},
		{"x (((a+)+)x)+\n", "rules:1: regular expression too costly: repetitions nested more than two deep"},
		{"x a{256}\n", "rules:1: regular expression too costly: a repetition bound over 255"},
		{"x (a*)*\\1\n", "rules:1: regular expression too costly: a back-reference "
		 "(its matching time grows with hostile text)"},
	};
	struct cerr e;
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e.msg[0] = '\0';
		CHECK(parse(cases[i].text, &e) == NULL, "case %zu refused", i);
		CHECK_STR(e.msg, cases[i].want, "case %zu message", i);
	}
}

static void
test_first_match(void)
{
	struct cerr e;
	struct classify *c = parse("# comment\n  \n"
	    "first\t5\\.1\\.1\r\n  second   user unknown  \nthird .\n", &e);

	CHECK(c != NULL, "parsed");
	if (c == NULL)
		return;
	classify_free(c);
	c = parse("ok (a+)+ [+*]+ \\++ [[:alpha:]]{2,255} (x|y){3}\nfirst\t5\\.1\\.1\r\n"
	    "  second   user unknown  \nthird .\n", &e);
	CHECK(c != NULL, "allowed repetitions: %s", c ? "" : e.msg);
	if (c == NULL)
		return;
	classify_free(c);
	c = parse("# comment\n  \n"
	    "first\t5\\.1\\.1\r\n  second   user unknown  \nthird .\n", &e);
	if (c == NULL)
		return;
	CHECK_INT(classify_count(c), 3, "rules");
	CHECK_STR(classify_match(c, "550 5.1.1 user unknown"), "first", "first wins");
	CHECK_STR(classify_match(c, "550 5.0.0 USER UNKNOWN"), "second", "case ignored");
	CHECK_STR(classify_match(c, "x"), "third", "catch-all");
	classify_free(c);
	c = parse("", &e);
	CHECK(c != NULL, "empty rules accepted");
	CHECK_STR(classify_match(c, "550 5.1.1 x"), "other", "no rule: other");
	classify_free(c);
	CHECK(classify_load("/nonexistent/rules", &e) == NULL, "missing file");
	CHECK(strstr(e.msg, "/nonexistent/rules: cannot open") == e.msg, "missing file message");
}

static void
test_subject(void)
{
	char	s[32];

	classify_subject(s, sizeof(s), "550", "5.1.1", "a\r\n\tb", 5);
	CHECK_STR(s, "550 5.1.1 a   b", "control bytes become spaces");
	classify_subject(s, sizeof(s), NULL, "", "x", 1);
	CHECK_STR(s, "000 0.0.0 x", "missing codes");
	CHECK_INT(classify_subject(s, 16, "550", "5.1.1", "0123456789", 10), 15, "cut");
	CHECK_STR(s, "550 5.1.1 01234", "cut text");
}

/* the shipped rules on replies in the layouts the big providers use */
static void
test_shipped(const char *path)
{
	static const struct {
		const char *subject, *want;
	}	cases[] = {
		{"550 5.1.1 <a@example.com>: Recipient address rejected: User unknown in local recipient table", "bad-mailbox"},
		{"550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address", "bad-mailbox"},
		{"550 5.5.0 Requested action not taken: mailbox unavailable", "bad-mailbox"},
		{"554 5.0.0 <x@example.net>: unknown user", "bad-mailbox"},
		{"000 5.1.2 Host or domain name not found. Name service error for name=nx.invalid type=A", "bad-domain"},
		{"000 5.4.4 Host or domain name not found", "bad-domain"},
		{"550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", "bad-mailbox"},
		{"556 5.1.10 Recipient address example.org has null MX", "bad-domain"},
		{"550 5.2.1 The email account that you tried to reach is disabled", "inactive-mailbox"},
		{"554 5.2.2 mailbox full", "quota"},
		{"452 4.2.2 The email account that you tried to reach is over quota", "quota"},
		{"550 5.7.1 Service unavailable; client host blocked using Spamhaus", "spam-related"},
		{"421 4.7.28 Our system has detected an unusual rate of unsolicited mail", "spam-related"},
		{"550 5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail users", "policy-related"},
		{"554 5.7.9 Message not accepted for policy reasons", "policy-related"},
		{"550 5.7.1 Relaying denied", "policy-related"},
		{"550 5.7.1 Recipient address rejected: user unknown", "policy-related"},
		{"000 4.4.7 message expired", "message-expired"},
		{"000 0.0.0 status=expired, returned to sender", "message-expired"},
		{"000 0.0.0 status=force-expired, returned to sender", "message-expired"},
		{"000 4.4.7 message has been in the queue too long", "message-expired"},
		{"000 0.0.0 I'm not going to try again; this message has been in the queue too long.",
		 "message-expired"},
		{"000 4.4.1 connect to mx.example.com[192.0.2.1]:25: Connection refused", "routing"},
		{"554 5.4.6 Hop count exceeded - possible mail loop", "routing"},
		{"500 5.5.2 Syntax error, command unrecognized", "protocol"},
		{"552 5.3.4 Message size exceeds fixed limit", "content"},
		{"554 5.6.0 Message content rejected", "content"},
		{"451 4.3.0 temporary local problem", "routing"},
		{"250 2.0.0 ok", "other"},
	};
	struct cerr e;
	struct classify *c = classify_load(path, &e);
	size_t	i;

	CHECK(c != NULL, "shipped rules load: %s", c ? "" : e.msg);
	if (c == NULL)
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(classify_match(c, cases[i].subject), cases[i].want, "%s", cases[i].subject);
	classify_free(c);
}

int
main(int argc, char **argv)
{
	const char *path = TOP_SRCDIR "/postfix-conf/bounce-rules";

	test_malformed();
	test_first_match();
	test_subject();
	test_shipped(argc > 1 ? argv[1] : path);
	return TEST_DONE("classify");
}
