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
		{ "google x suspend 1h", "r:1: expected PROVIDER /REGEX/ [escalate=N] [probe=D] ACTION[,ACTION...] DURATION\n" },
		{ "google // suspend 1h", "r:1: expected PROVIDER /REGEX/ [escalate=N] [probe=D] ACTION[,ACTION...] DURATION\n" },
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
		{ "google /x/ concurrency=2,rate_delay=1s,suspend 10m", "" },
		{ "google /x y/ escalate=3 concurrency=2,suspend 10m", "" },
		{ "google /x/ concurrency=2,,suspend 10m",
		  "r:1: unknown action \"\" (concurrency=N, rate_delay=D, suspend)\n" },
		{ "google /x/ concurrency=2,rate_delay=0 10m",
		  "r:1: rate_delay= needs a duration from 1s to 1d\n" },
		{ "google /x/ suspend,suspend,suspend,suspend,suspend 10m",
		  "r:1: more than 4 actions in one rule\n" },
		{ "google /x/ escalate=0 concurrency=2,suspend 10m",
		  "r:1: escalate= needs a number from 1 to 100000\n" },
		{ "google /x/ escalate=3 suspend 10m",
		  "r:1: escalate= needs two actions or more (ACTION,ACTION)\n" },
		{ "google /x/ often=3 concurrency=2,suspend 10m",
		  "r:1: expected PROVIDER /REGEX/ [escalate=N] [probe=D] ACTION[,ACTION...] DURATION\n" },
		{ "escalate=3 concurrency=2,suspend 10m",
		  "r:1: expected PROVIDER /REGEX/ [escalate=N] [probe=D] ACTION[,ACTION...] DURATION\n" },
		{ "google /x/ probe=30s concurrency=2 10m", "" },
		{ "google /x/ escalate=3 probe=0 concurrency=2,suspend 10m", "" },
		{ "google /x/ probe=2m escalate=3 concurrency=2,suspend 10m", "" },
		{ "google /x/ probe=2d concurrency=2 10m",
		  "r:1: probe= needs a duration up to 1d (0: no probe)\n" },
		{ "google /x/ probe=soon concurrency=2 10m",
		  "r:1: probe= needs a duration up to 1d (0: no probe)\n" },
		{ "google /x/ probe=1s escalate=2 probe=1s concurrency=2,suspend 10m",
		  "r:1: expected PROVIDER /REGEX/ [escalate=N] [probe=D] ACTION[,ACTION...] DURATION\n" },
		{ "suspend 1h", "r:1: expected PROVIDER /REGEX/ [escalate=N] [probe=D] ACTION[,ACTION...] DURATION\n" },
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
	CHECK_STR(buf_cstr(&errs), "rules:5: expected PROVIDER /REGEX/ [escalate=N] [probe=D] ACTION[,ACTION...] DURATION\n",
	    "named with its line");
	CHECK_INT(r.n, 3, "three rules kept");
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		m = srules_match(&r, c[i].prov, c[i].text);
		CHECK_INT(m ? m->line : 0, c[i].line, "%s: \"%s\"", c[i].prov, c[i].text);
	}
	m = srules_match(&r, "google", "421 4.7.28 x");
	CHECK_INT(m ? (long)m->step[0].kind : -1, SK_CONCURRENCY, "kind");
	CHECK_INT(m ? m->step[0].value : -1, 2, "value");
	CHECK_INT(m ? m->nsteps : -1, 1, "one step");
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

/* test_escalate - a rule of three steps, escalate=2, duration 100 s */
static void
test_escalate(const struct provider_table *t)
{
	static const char rules[] =
		"google /4\\.7\\.28/ escalate=2 concurrency=2,rate_delay=1s,suspend 100s\n"
		"google /other/ concurrency=3 100s\n";
	const struct provider *g = provider_find(t, "google", 6);
	struct srules r = {0};
	struct actions a = {0};
	struct effect ef;
	struct buf errs;
	const struct srule *x, *o;

	buf_init(&errs, 4096);
	CHECK_INT(srules_parse(&r, rules, strlen(rules), "r", t, &errs), 0, "parsed: %s",
	    buf_cstr(&errs));
	x = srules_match(&r, "google", "421 4.7.28");
	o = srules_match(&r, "google", "other");
	if (x == NULL || o == NULL || x->nsteps != 3 || x->escalate != 2) {
		CHECK(0, "the escalating rule");
		goto out;
	}
	CHECK_INT(actions_hit(&a, "google", x, 1000, 1000), 1, "first match: step 1");
	CHECK_INT(actions_hit(&a, "google", x, 1001, 1001), 0, "not in force: extended");
	CHECK_INT(actions_hit(&a, "google", x, 1002, 1002), 0, "still not in force");
	CHECK_INT(a.n ? a.v[0].end : 0, 1102, "end moved later");
	actions_in_force(&a, 1010);
	CHECK_INT(a.n ? a.v[0].count_from : 0, 1020, "counts a tenth of the duration later");
	CHECK_INT(actions_hit(&a, "google", x, 1015, 1015), 0, "before the count: extended");
	CHECK_INT(actions_hit(&a, "google", x, 1015, 1015), 0, "...again, no escalation");
	CHECK_INT(actions_hit(&a, "google", x, 1030, 1019), 0, "a line older than the count");
	CHECK_INT(actions_hit(&a, "google", x, 1030, 1020), 0, "first counted match");
	CHECK_INT(actions_hit(&a, "google", x, 1031, 1031), 2, "second: escalated");
	CHECK_INT(a.n, 1, "one action for the rule");
	action_effect(&a, g, &ef);
	CHECK_INT(ef.connections * 10 + ef.rate_delay, 51, "step 2: rate delay, table connections");
	CHECK_INT(a.n ? a.v[0].end : 0, 1131, "step 2 ends a duration later");
	CHECK_INT(actions_hit(&a, "google", x, 1040, 1040), 0, "step 2 not in force yet");
	CHECK_INT(actions_hit(&a, "google", o, 1040, 1040), 1, "another rule: its own action");
	actions_in_force(&a, 1050);
	CHECK_INT(actions_hit(&a, "google", x, 1060, 1060), 0, "step 2, first counted");
	CHECK_INT(actions_hit(&a, "google", x, 1061, 1061), 2, "step 3");
	action_effect(&a, g, &ef);
	CHECK_INT(ef.suspended * 100 + ef.connections * 10 + ef.rate_delay, 130,
	    "suspended; the other rule's concurrency 3");
	actions_in_force(&a, 1070);
	CHECK_INT(actions_hit(&a, "google", x, 1090, 1090), 0, "the last step: extended");
	CHECK_INT(actions_hit(&a, "google", x, 1091, 1091), 0, "...never beyond it");
	CHECK_INT(a.n ? a.v[0].end : 0, 1191, "...its end moved later");
	CHECK_INT(actions_expire(&a, 1191, NULL, NULL), 2, "both end");
	action_effect(&a, g, &ef);
	CHECK_INT(ef.suspended * 100 + ef.connections * 10 + ef.rate_delay, 50, "table again");
	CHECK_INT(actions_hit(&a, "google", x, 1200, 1200), 1, "after the end: step 1 again");
	CHECK_INT(a.n ? a.v[0].step : -1, 0, "...the first step");
out:
	actions_free(&a);
	srules_free(&r);
	buf_free(&errs);
}

/* test_probe - concurrency=2 for 1000 s, probe=50s: connections given
 * back one at a time after quiet spells, taken back by a match during a
 * probe, up to the table's 5, where the step ends */
static void
test_probe(const struct provider_table *t)
{
	static const char rules[] =
		"google /4\\.7\\.28/ escalate=2 probe=50s concurrency=2,suspend 1000s\n"
		"google /plain/ concurrency=3 1000s\n"
		"google /quiet/ probe=0 concurrency=1 1000s\n";
	const struct provider *g = provider_find(t, "google", 6);
	struct srules r = {0};
	struct actions a = {0};
	struct effect ef;
	struct buf errs;

	buf_init(&errs, 4096);
	CHECK_INT(srules_parse(&r, rules, strlen(rules), "r", t, &errs), 0, "parsed: %s",
	    buf_cstr(&errs));
	if (r.n != 3 || r.v[0].probe != 50 || r.v[1].probe != SRULE_PROBE_DEFAULT
	    || r.v[2].probe != 0) {
		CHECK(0, "the probing rules");
		goto out;
	}
	actions_hit(&a, "google", &r.v[0], 1000, 1000);
	CHECK_INT(actions_probe(&a, t, 1100, NULL, NULL), 0, "not in force: no probe");
	actions_in_force(&a, 1010);
	CHECK_INT(actions_probe(&a, t, 1059, NULL, NULL), 0, "49 s quiet: no probe yet");
	CHECK_INT(actions_hit(&a, "google", &r.v[0], 1055, 1055), 0, "a match (not counted)");
	CHECK_INT(actions_probe(&a, t, 1100, NULL, NULL), 0, "45 s since the match: none");
	CHECK_INT(actions_probe(&a, t, 1105, NULL, NULL), 1, "50 s quiet: one back");
	action_effect(&a, g, &ef);
	CHECK_INT(ef.connections, 3, "concurrency 2+1");
	CHECK_INT(a.n ? a.v[0].step : -1, 0, "still the first step");
	CHECK_INT(actions_probe(&a, t, 1200, NULL, NULL), 0, "no second probe before the reload");
	CHECK_INT(actions_hit(&a, "google", &r.v[0], 1201, 1104), 0, "a match before the probe's reload");
	actions_in_force(&a, 1202);
	CHECK_INT(actions_hit(&a, "google", &r.v[0], 1203, 1201), 0, "a line older than the reload");
	CHECK_INT(actions_hit(&a, "google", &r.v[0], 1204, 1203), 3, "a match in the probe: back");
	action_effect(&a, g, &ef);
	CHECK_INT(ef.connections, 2, "concurrency 3-1");
	CHECK_INT(a.n ? a.v[0].end : 0, 2204, "end moved later");
	CHECK_INT(actions_hit(&a, "google", &r.v[0], 1205, 1205), 0, "in flight: no escalation");
	CHECK_INT(a.n ? (long)a.v[0].hits : -1, 0, "...nothing counted");
	actions_in_force(&a, 1206);
	CHECK_INT(actions_hit(&a, "google", &r.v[0], 1230, 1230), 0, "a match at 1230");
	CHECK_INT(actions_probe(&a, t, 1279, NULL, NULL), 0, "...restarted the quiet clock");
	CHECK_INT(actions_probe(&a, t, 1280, NULL, NULL), 1, "then 3 again");
	actions_in_force(&a, 1282);
	CHECK_INT(a.n ? a.v[0].ceiling : -1, 3, "the probe to 3 met a match: ceiling 3");
	CHECK_INT(actions_probe(&a, t, 1332, NULL, NULL), 0, "not 4: above the ceiling");
	action_effect(&a, g, &ef);
	CHECK_INT(ef.connections, 3, "held at 3");
	CHECK_INT(actions_expire(&a, 2229, NULL, NULL), 0, "the step lasts to its end");
	CHECK_INT(actions_expire(&a, 2230, NULL, NULL), 1, "...1000 s after the last match");
	action_effect(&a, g, &ef);
	CHECK_INT(ef.connections, 5, "then the table's concurrency");
	/* without a match in a probe, no ceiling: 3, 4, then 5 ends the step */
	actions_hit(&a, "google", &r.v[0], 3000, 3000);
	actions_in_force(&a, 3000);
	CHECK_INT(actions_probe(&a, t, 3050, NULL, NULL), 1, "3");
	actions_in_force(&a, 3051);
	CHECK_INT(actions_probe(&a, t, 3101, NULL, NULL), 1, "then 4");
	actions_in_force(&a, 3102);
	CHECK_INT(actions_probe(&a, t, 3152, NULL, NULL), 1, "then 5, the table's");
	action_effect(&a, g, &ef);
	CHECK_INT(ef.connections, 5, "the table's concurrency");
	CHECK_INT(actions_expire(&a, 3152, NULL, NULL), 1, "...and the step ends");
	actions_hit(&a, "google", &r.v[1], 1400, 1400);
	actions_hit(&a, "google", &r.v[2], 1400, 1400);
	actions_in_force(&a, 1400);
	CHECK_INT(actions_probe(&a, t, 1400 + SRULE_PROBE_DEFAULT - 1, NULL, NULL), 0,
	    "default probe: not before its time");
	CHECK_INT(actions_probe(&a, t, 1400 + SRULE_PROBE_DEFAULT, NULL, NULL), 1,
	    "default probe; probe=0 never");
	action_effect(&a, g, &ef);
	CHECK_INT(ef.connections, 1, "probe=0 holds its concurrency 1");
out:
	actions_free(&a);
	srules_free(&r);
	buf_free(&errs);
}

/* load_text - the state file at path made of text, then loaded into a */
static int
load_text(struct actions *a, const char *path, const char *text,
	  const struct provider_table *t, struct buf *warns)
{
	FILE   *fp = fopen(path, "w");

	if (fp == NULL)
		return -1;
	fputs(text, fp);
	fclose(fp);
	return actions_load(a, path, t, warns);
}

/* test_state_probe - a probed value and its quiet clock survive a restart;
 * an older six-word line still loads */
static void
test_state_probe(const struct provider_table *t)
{
	static const char rules[] = "google /4\\.7\\.28/ probe=50s concurrency=2 1000s\n";
	char	path[] = "/tmp/test_shaper.XXXXXX";
	struct srules r = {0};
	struct actions a = {0}, b = {0};
	struct buf warns;
	struct cerr e;
	int	fd = mkstemp(path);

	CHECK(fd >= 0, "temporary file");
	close(fd);
	buf_init(&warns, 4096);
	srules_parse(&r, rules, strlen(rules), "r", t, &warns);
	if (r.n != 1) {
		CHECK(0, "rule: %s", buf_cstr(&warns));
		goto out;
	}
	actions_hit(&a, "google", &r.v[0], 1000, 1000);
	actions_in_force(&a, 1000);
	actions_probe(&a, t, 1050, NULL, NULL);
	CHECK_INT(actions_save(&a, path, &e), 0, "saved");
	CHECK_INT(actions_load(&b, path, t, &warns), 0, "loaded");
	actions_link(&b, &r, &warns);
	CHECK_STR(buf_cstr(&warns), "", "the probed action is tied to its rule");
	CHECK_INT(b.n == 1 ? b.v[0].value * 10000 + b.v[0].quiet : -1, 31050,
	    "concurrency 3, quiet since 1050");
	CHECK_INT(b.n == 1 ? b.v[0].probe : -1, 50, "...the rule's probe");
	actions_in_force(&b, 1060);
	CHECK_INT(actions_probe(&b, t, 1109, NULL, NULL), 0, "a spell from the restart's reload");
	CHECK_INT(actions_probe(&b, t, 1110, NULL, NULL), 1, "...then 4");
	actions_in_force(&b, 1111);
	CHECK_INT(actions_hit(&b, "google", &r.v[0], 1112, 1112), 3, "a match at 4: back to 3");
	CHECK_INT(actions_save(&b, path, &e), 0, "saved with a ceiling");
	actions_free(&b);
	CHECK_INT(actions_load(&b, path, t, &warns), 0, "loaded again");
	actions_link(&b, &r, &warns);
	CHECK_INT(b.n == 1 ? b.v[0].value * 10 + b.v[0].ceiling : -1, 34,
	    "concurrency 3, ceiling 4 survive a restart");
	actions_in_force(&b, 1120);
	CHECK_INT(actions_probe(&b, t, 1200, NULL, NULL), 1, "...a probe back to 4");
	actions_in_force(&b, 1201);
	CHECK_INT(actions_probe(&b, t, 1300, NULL, NULL), 0, "...but not above it");
	actions_free(&b);
	CHECK_INT(load_text(&b, path, "google concurrency 2 2000 1 0 1500\n", t, &warns), 0,
	    "a seven-word line loaded");
	CHECK_INT(b.n == 1 ? b.v[0].ceiling : -1, 0, "...ceiling 0");
	actions_free(&b);
	CHECK_INT(load_text(&b, path, "google concurrency 2 2000 1 0\n", t, &warns), 0,
	    "an older line loaded");
	CHECK_INT(b.n == 1 ? b.v[0].quiet : -1, 0, "...quiet 0");
	CHECK_STR(buf_cstr(&warns), "", "...without a warning");
out:
	unlink(path);
	actions_free(&a);
	actions_free(&b);
	srules_free(&r);
	buf_free(&warns);
}

/* test_state_steps - the step in force survives a restart and is tied to
 * its rule again, unless the rule changed */
static void
test_state_steps(const struct provider_table *t)
{
	static const char rules[] =
		"# line 1\n"
		"google /4\\.7\\.28/ concurrency=2,rate_delay=1s 100s\n";
	static const char changed[] =
		"# line 1\n"
		"google /4\\.7\\.28/ concurrency=2,rate_delay=2s 100s\n";
	char	path[] = "/tmp/test_shaper.XXXXXX";
	struct srules r = {0}, r2 = {0};
	struct actions a = {0}, b = {0};
	struct buf warns;
	struct cerr e;
	int	fd = mkstemp(path);

	CHECK(fd >= 0, "temporary file");
	close(fd);
	buf_init(&warns, 4096);
	srules_parse(&r, rules, strlen(rules), "r", t, &warns);
	srules_parse(&r2, changed, strlen(changed), "r", t, &warns);
	if (r.n != 1 || r2.n != 1) {
		CHECK(0, "rules: %s", buf_cstr(&warns));
		goto out;
	}
	actions_hit(&a, "google", &r.v[0], 1000, 1000);
	actions_in_force(&a, 1000);
	r.v[0].escalate = 1;
	CHECK_INT(actions_hit(&a, "google", &r.v[0], 1020, 1020), 2, "escalated");
	CHECK_INT(actions_save(&a, path, &e), 0, "saved");
	CHECK_INT(actions_load(&b, path, t, &warns), 0, "loaded");
	CHECK_INT(b.n == 1 ? b.v[0].line * 10 + b.v[0].step : -1, 21, "rule line 2, step 2");
	actions_link(&b, &r, &warns);
	CHECK_STR(buf_cstr(&warns), "", "tied to its rule");
	CHECK_INT(b.n == 1 ? b.v[0].duration : -1, 100, "...with its duration");
	CHECK_INT(actions_hit(&b, "google", &r.v[0], 1030, 1030), 0, "the same action extended");
	CHECK_INT(b.n, 1, "...not a new one");
	actions_free(&b);
	actions_load(&b, path, t, &warns);
	actions_link(&b, &r2, &warns);
	CHECK(strstr(buf_cstr(&warns), "names rule line 2 step 2, which the rules no longer have"),
	    "a changed rule is said: %s", buf_cstr(&warns));
	CHECK_INT(b.n == 1 ? b.v[0].line : -1, 0, "...and the action runs on unlinked");
	CHECK_INT(b.n == 1 ? b.v[0].end : -1, 1120, "...to its end");
out:
	unlink(path);
	actions_free(&a);
	actions_free(&b);
	srules_free(&r);
	srules_free(&r2);
	buf_free(&warns);
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
	test_escalate(&t);
	test_state_steps(&t);
	test_probe(&t);
	test_state_probe(&t);
	provider_free(&t);
	return TEST_DONE("test_shaper");
}
