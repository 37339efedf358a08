/*
 * NAME
 *	test_shaper - unit tests of campaign-shaper's rules, actions and state
 * SYNOPSIS
 *	tests/unit/test_shaper
 * DESCRIPTION
 *	Table-driven: rule lines that parse or fail with a named problem,
 *	which rule a deferral text meets, actions started, extended and
 *	ended, the values they make of the table's, and the state file
 *	written and read back.  Prints "test_shaper: N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shaper.h"
#include "testhelp.h"

static const char table[] =
	"google domains=gmail.test connections=5 rate_delay=0\n"
	"yahoo domains=yahoo.test connections=10 rate_delay=1s\n";

static void
load_table(struct provider_table *t)
{
	struct buf errs;

	buf_init(&errs, 4096);
	CHECK_INT(provider_parse(t, table, strlen(table), "providers", &errs), 0, "table");
	buf_free(&errs);
}

static void
test_parse(const struct provider_table *t)
{
	static const struct { const char *line; const char *why; } c[] = {
		{ "google /421 4\\.7\\.28/ concurrency=2 10m", "" },
		{ "  # comment", "" },
		{ "* /a/b c/ suspend 1s", "" },
		{ "yahoo /\\[TSS04\\]/ suspend 2h", "" },
		{ "google /x/ rate_delay=5s 7d", "" },
		{ "hotmail /x/ suspend 1h", "r:1: provider hotmail is not in the provider table\n" },
		{ "Google /x/ suspend 1h", "r:1: bad provider \"Google\" (a name of the table, or *)\n" },
		{ "google x suspend 1h", "r:1: expected PROVIDER /REGEX/ ACTION DURATION\n" },
		{ "google // suspend 1h", "r:1: expected PROVIDER /REGEX/ ACTION DURATION\n" },
		{ "google /x/ suspend", "r:1: bad duration \"suspend\" (1s to 7d)\n" },
		{ "google /x/ suspend 8d", "r:1: bad duration \"8d\" (1s to 7d)\n" },
		{ "google /x/ suspend 0", "r:1: bad duration \"0\" (1s to 7d)\n" },
		{ "google /x/ slower 1h",
		  "r:1: unknown action \"slower\" (concurrency=N, rate_delay=D, suspend)\n" },
		{ "google /x/ concurrency=0 1h", "r:1: concurrency= needs a number from 1 to 1000\n" },
		{ "google /x/ rate_delay=0 1h", "r:1: rate_delay= needs a duration from 1s to 1d\n" },
		{ "google /x(/ suspend 1h",
		  "r:1: bad regular expression: Unmatched ( or \\(\n" },
		{ "google /a++/ suspend 1h",
		  "r:1: regular expression too costly: a repetition of a repetition\n" },
		{ "suspend 1h", "r:1: expected PROVIDER /REGEX/ ACTION DURATION\n" },
	};
	struct srules r = {0};
	struct buf errs;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		buf_init(&errs, 4096);
		srules_parse(&r, c[i].line, strlen(c[i].line), "r", t, &errs);
		CHECK_STR(buf_cstr(&errs), c[i].why, "rule \"%s\"", c[i].line);
		buf_free(&errs);
		srules_free(&r);
	}
}

static void
test_match(const struct provider_table *t)
{
	static const char rules[] =
		"# rules\n"
		"google /421[- ]4\\.7\\.28/ concurrency=2 10m\n"
		"yahoo /\\[TSS04\\]/ suspend 2h\n"
		"* /4\\.7\\.28|too many connections/ rate_delay=2s 5m\n"
		"broken line\n";
	static const struct { const char *prov, *text; int line; } c[] = {
		{ "google", "host x said: 421 4.7.28 unusual rate (in reply to RCPT TO)", 2 },
		{ "google", "host x said: 421-4.7.28 Our system has detected", 2 },
		{ "yahoo", "host x said: 421 4.7.28 unusual rate", 4 },
		{ "yahoo", "421 4.7.0 [tss04] Messages from 192.0.2.1 temporarily deferred", 3 },
		{ "google", "421 4.7.0 [TSS04] not google's", 0 },
		{ "yahoo", "450 4.2.1 mailbox busy", 0 },
		{ "yahoo", "Too Many Connections from your IP", 4 },
	};
	struct srules r = {0};
	struct buf errs;
	const struct srule *m;

	buf_init(&errs, 4096);
	CHECK_INT(srules_parse(&r, rules, strlen(rules), "rules", t, &errs), 1, "one bad rule");
	CHECK_STR(buf_cstr(&errs), "rules:5: expected PROVIDER /REGEX/ ACTION DURATION\n",
	    "named with its line");
	CHECK_INT(r.n, 3, "three rules kept");
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		m = srules_match(&r, c[i].prov, c[i].text);
		CHECK_INT(m ? m->line : 0, c[i].line, "%s: \"%s\"", c[i].prov, c[i].text);
	}
	m = srules_match(&r, "google", "421 4.7.28 x");
	CHECK_INT(m ? (long)m->kind : -1, SK_CONCURRENCY, "kind");
	CHECK_INT(m ? m->value : -1, 2, "value");
	CHECK_INT(m ? m->duration : -1, 600, "duration");
	srules_free(&r);
	buf_free(&errs);
}

static void
test_actions(const struct provider_table *t)
{
	struct actions a = {0};
	struct effect ef;
	const struct provider *g = provider_find(t, "google", 6);
	const struct provider *y = provider_find(t, "yahoo", 5);

	action_effect(&a, g, &ef);
	CHECK_INT(ef.connections * 100 + ef.rate_delay * 10 + ef.suspended, 500, "no action");
	CHECK_INT(actions_add(&a, "google", SK_CONCURRENCY, 2, 1000), 1, "started");
	CHECK_INT(actions_add(&a, "google", SK_CONCURRENCY, 2, 1600), 0, "extended");
	CHECK_INT(actions_add(&a, "google", SK_CONCURRENCY, 3, 900), 1, "another value");
	CHECK_INT(actions_add(&a, "google", SK_RATE_DELAY, 5, 800), 1, "rate delay");
	CHECK_INT(actions_add(&a, "yahoo", SK_SUSPEND, 0, 700), 1, "suspend");
	action_effect(&a, g, &ef);
	CHECK_INT(ef.connections, 2, "lowest concurrency wins");
	CHECK_INT(ef.rate_delay, 5, "rate delay raised");
	CHECK_INT(ef.suspended, 0, "google not suspended");
	action_effect(&a, y, &ef);
	CHECK_INT(ef.suspended * 100 + ef.connections, 110, "yahoo suspended, table connections");
	CHECK_INT(ef.rate_delay, 1, "yahoo's table rate delay");
	CHECK_INT(actions_expire(&a, 799, NULL, NULL), 1, "one ended at 799");
	CHECK_INT(actions_expire(&a, 1000, NULL, NULL), 2, "two more at 1000");
	action_effect(&a, g, &ef);
	CHECK_INT(ef.connections * 10 + ef.rate_delay, 20, "the extended one stays");
	CHECK_INT(actions_expire(&a, 1600, NULL, NULL), 1, "ends at its new end");
	action_effect(&a, y, &ef);
	CHECK_INT(ef.connections * 100 + ef.rate_delay * 10 + ef.suspended, 1010, "table again");
	actions_free(&a);
}

static void
test_state(const struct provider_table *t)
{
	char	path[] = "/tmp/test_shaper.XXXXXX";
	struct actions a = {0}, b = {0};
	struct buf warns;
	struct cerr e;
	FILE   *fp;
	int	fd = mkstemp(path);

	CHECK(fd >= 0, "temporary file");
	close(fd);
	actions_add(&a, "google", SK_CONCURRENCY, 2, 2000000000);
	actions_add(&a, "yahoo", SK_SUSPEND, 0, 2000000001);
	CHECK_INT(actions_save(&a, path, &e), 0, "saved");
	buf_init(&warns, 4096);
	CHECK_INT(actions_load(&b, path, t, &warns), 0, "loaded");
	CHECK_INT(b.n, 2, "both back");
	CHECK_INT(b.n == 2 ? b.v[1].end : 0, 2000000001, "end time back");
	CHECK_INT(b.n == 2 ? (long)b.v[1].kind : -1, SK_SUSPEND, "kind back");
	actions_free(&b);
	fp = fopen(path, "a");
	fputs("hotmail suspend 0 5\ngoogle faster 1 5\ngoogle concurrency 2\n", fp);
	fclose(fp);
	CHECK_INT(actions_load(&b, path, t, &warns), 0, "loaded with bad lines");
	CHECK_INT(b.n, 2, "bad lines skipped");
	CHECK(strstr(buf_cstr(&warns), ":4: skipped") && strstr(buf_cstr(&warns), ":6: skipped"),
	    "each named: %s", buf_cstr(&warns));
	unlink(path);
	actions_free(&b);
	CHECK_INT(actions_load(&b, path, t, &warns), 0, "a missing state file is empty");
	CHECK_INT(b.n, 0, "nothing active");
	actions_free(&a);
	buf_free(&warns);
}

int
main(void)
{
	struct provider_table t = {0};

	load_table(&t);
	test_parse(&t);
	test_match(&t);
	test_actions(&t);
	test_state(&t);
	provider_free(&t);
	return TEST_DONE("test_shaper");
}
