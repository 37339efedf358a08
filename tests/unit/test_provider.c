/*
 * NAME
 *	test_provider - unit tests of lib/provider.c, the provider table
 * SYNOPSIS
 *	tests/unit/test_provider
 * DESCRIPTION
 *	Table-driven: lines that parse or fail with a named problem, the
 *	fields of a parsed line, lookups by name, domain and MX suffix,
 *	durations, placing a delivery line (provider_of), and that every problem of a table is reported with its
 *	line.  Prints "test_provider: N passed, N failed".
 */
#include <stdio.h>
#include <string.h>

#include "provider.h"
#include "testhelp.h"

static const char good[] =
	"# a table\n"
	"google domains=gmail.com,googlemail.com mx=.google.com,googlemail.com"
	" connections=5 per_connection=50 rate_delay=0 tls=encrypt\n"
	"\n"
	"yahoo\tdomains=yahoo.com,ymail.com mx=yahoodns.net connections=10 rate_delay=1s\n"
	"apple domains=icloud.com,me.com connections=5 per_connection=5 tls=may # comment\n";

static void
test_lines(void)
{
	static const struct { const char *line; const char *why; } t[] = {
		{ "x domains=a.test connections=1", "" },
		{ "x domains=a.test connections=1 rate_delay=2m tls=dane", "" },
		{ "X domains=a.test connections=1", "t:1: bad provider name \"X\" (1-32 of a-z 0-9 -)\n" },
		{ "x connections=1", "t:1: provider x has no domains=\n" },
		{ "x domains=a.test", "t:1: provider x has no connections=\n" },
		{ "x domains=a.test connections=0", "t:1: connections= needs a number from 1 to 100000\n" },
		{ "x domains=a.test connections=5x", "t:1: connections= needs a number from 1 to 100000\n" },
		{ "x domains=a.test connections=1 connections=2", "t:1: connections= given twice\n" },
		{ "x domains=a.test connections=1 speed=9", "t:1: unknown key \"speed\"\n" },
		{ "x domains=a.test connections=1 tls=yes", "t:1: tls= needs may, encrypt or dane\n" },
		{ "x domains=a.test connections=1 rate_delay=2w", "" },
		{ "x domains=a.test connections=100000 rate_delay=999999d", "" },
		{ "x domains=a.test connections=100001",
		  "t:1: connections= needs a number from 1 to 100000\n" },
		{ "x domains=a.test connections=1 rate_delay=1000000s",
		  "t:1: rate_delay= needs a duration (0, or up to 6 digits with s, m, h, d or w)\n" },
		{ "x domains=a.test connections=1 rate_delay=2y",
		  "t:1: rate_delay= needs a duration (0, or up to 6 digits with s, m, h, d or w)\n" },
		{ "x domains=a-b.test,c connections=1", "" },
		{ "x domains=.a.test connections=1",
		  "t:1: domains= needs a comma-separated list of host names (at most 1000)\n" },
		{ "x domains=a.test mx=.,b connections=1",
		  "t:1: mx= needs a comma-separated list of host names (at most 1000)\n" },
		{ "x domains=,a.test connections=1",
		  "t:1: domains= needs a comma-separated list of host names (at most 1000)\n" },
		{ "x domains=a.test, connections=1",
		  "t:1: domains= needs a comma-separated list of host names (at most 1000)\n" },
		{ "x domains=a.test connections", "t:1: expected KEY=VALUE, got \"connections\"\n" },
		{ "x domains=a.test connections=1\x01", "t:1: NUL or control character in line\n" },
	};
	struct provider_table tb = {0};
	struct buf errs;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_init(&errs, 4096);
		provider_parse(&tb, t[i].line, strlen(t[i].line), "t", &errs);
		CHECK_STR(buf_cstr(&errs), t[i].why, "line \"%s\"", t[i].line);
		buf_free(&errs);
		provider_free(&tb);
	}
}

static void
test_table(void)
{
	struct provider_table tb = {0};
	const struct provider *p;
	struct buf errs;

	buf_init(&errs, 4096);
	CHECK_INT(provider_parse(&tb, good, strlen(good), "good", &errs), 0, "good table");
	CHECK_STR(buf_cstr(&errs), "", "no problems");
	CHECK_INT(tb.n, 3, "providers");
	p = provider_find(&tb, "google", 6);
	CHECK(p != NULL, "google found");
	if (p == NULL)
		return;
	CHECK_INT(p->connections, 5, "google connections");
	CHECK_INT(p->per_connection, 50, "google per_connection");
	CHECK_INT(p->tls, PROVIDER_TLS_ENCRYPT, "google tls");
	CHECK_INT(p->ndomains, 2, "google domains");
	CHECK_INT(p->line, 2, "google's line");
	p = provider_find(&tb, "yahoo", 5);
	CHECK_INT(p ? p->rate_delay : -1, 1, "yahoo rate_delay");
	CHECK_INT(p ? (long)p->tls : -1, PROVIDER_TLS_MAY, "yahoo tls default");
	CHECK(provider_find(&tb, "goog", 4) == NULL, "a prefix is not a name");
	CHECK_STR(provider_by_domain(&tb, "GMail.COM", 9)->name, "google", "domain, case");
	CHECK(provider_by_domain(&tb, "mail.gmail.com", 14) == NULL, "domains are whole");
	CHECK_STR(provider_by_domain(&tb, "me.com", 6)->name, "apple", "apple by domain");
	CHECK_STR(provider_by_mx(&tb, "alt1.aspmx.l.google.com", 23)->name, "google", "mx suffix");
	CHECK_STR(provider_by_mx(&tb, "google.com.", 11)->name, "google", "mx itself, root dot");
	CHECK(provider_by_mx(&tb, "notgoogle.com", 13) == NULL, "mx at a label boundary");
	CHECK_STR(provider_by_mx(&tb, "mta7.am0.yahoodns.net", 21)->name, "yahoo", "yahoo mx");
	provider_free(&tb);
	CHECK_INT(tb.n, 0, "freed");
	buf_free(&errs);
}

static void
test_problems(void)
{
	static const char bad[] =
		"a domains=a.test connections=1\n"
		"a domains=b.test connections=1\n"
		"b domains=A.test connections=1\n"
		"c domains=c.test connections=1\n"
		"d domains=d.test\n";
	struct provider_table tb = {0};
	struct buf errs;

	buf_init(&errs, 4096);
	CHECK_INT(provider_parse(&tb, bad, strlen(bad), "p", &errs), 3, "three problems");
	CHECK_STR(buf_cstr(&errs), "p:2: provider a is defined twice\n"
	    "p:3: domain a.test belongs to another provider\n"
	    "p:5: provider d has no connections=\n", "each named with its line");
	CHECK_INT(tb.n, 2, "the good lines kept");
	provider_free(&tb);
	buf_free(&errs);
	buf_init(&errs, 4096);
	CHECK_INT(provider_load(&tb, "/nonexistent/providers", &errs), 1, "missing file");
	CHECK_STR(buf_cstr(&errs), "/nonexistent/providers: cannot open: No such file or directory\n",
	    "missing file named");
	buf_free(&errs);
}

static void
test_duration(void)
{
	static const struct { const char *s; long max, want; int r; } t[] = {
		{ "0", 100, 0, 0 }, { "7", 100, 7, 0 }, { "7s", 100, 7, 0 },
		{ "2m", 1000, 120, 0 }, { "2h", 86400, 7200, 0 }, { "1d", 86400, 86400, 0 },
		{ "2d", 86400, 0, -1 }, { "", 100, 0, -1 }, { "s", 100, 0, -1 },
		{ "2w", 2000000, 1209600, 0 },
		{ "-1", 100, 0, -1 }, { "1x", 100, 0, -1 }, { "1ms", 100, 0, -1 },
		{ "99999999999999999999", 100, 0, -1 },
	};
	long	got;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = 0;
		CHECK_INT(provider_duration(t[i].s, t[i].max, &got), t[i].r, "\"%s\"", t[i].s);
		CHECK_INT(got, t[i].want, "\"%s\" seconds", t[i].s);
	}
}

static void
test_of(void)
{
	static const struct { const char *tag, *rcpt, *relay, *want; } c[] = {
		{ "postfix/campaign-yahoo/smtp", "u@gmail.com", "x[1.2.3.4]:25", "yahoo" },
		{ "postfix/campaign-yahoo", "u@gmail.com", "", "yahoo" },
		{ "postfix/campaign-nobody/smtp", "u@GMAIL.com", "", "google" },
		{ "postfix/smtp", "u@hosted.example", "aspmx.l.google.com[1.2.3.4]:25", "google" },
		{ "postfix/smtp", "u@hosted.example", "mx.hosted.example[1.2.3.4]:25", "-" },
		{ "postfix/smtp", "no-at-sign", "none", "-" },
		{ "campaign-apple", "", "", "apple" },
	};
	struct provider_table tb = {0};
	const struct provider *p;
	struct buf errs;

	buf_init(&errs, 4096);
	provider_parse(&tb, good, strlen(good), "good", &errs);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		p = provider_of(&tb, c[i].tag, strlen(c[i].tag), c[i].rcpt, strlen(c[i].rcpt),
		    c[i].relay, strlen(c[i].relay));
		CHECK_STR(p ? p->name : "-", c[i].want, "%s %s %s", c[i].tag, c[i].rcpt, c[i].relay);
	}
	provider_free(&tb);
	buf_free(&errs);
}

int
main(void)
{
	test_lines();
	test_table();
	test_problems();
	test_duration();
	test_of();
	return TEST_DONE("test_provider");
}
