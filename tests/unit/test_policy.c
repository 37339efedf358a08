/*
 * NAME
 *	test_policy - unit tests for lib/policy.c and lib/supentry.c's reader
 * DESCRIPTION
 *	The policy text, the fixed rule that X.7.X and the policy and spam
 *	categories never suppress, the soft-failure count in a real hash:
 *	table (limit, window, reset), and the suppression entry's reason
 *	written and read back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "map_db.h"
#include "policy.h"
#include "supentry.h"
#include "testhelp.h"

static void
test_parse(void)
{
	struct policy p;
	struct cerr e;

	CHECK_INT(policy_parse(&p, "bad-mailbox=suppress, quota=soft\tother=count", &e), 0, "parse");
	CHECK_INT(p.n, 3, "three rules");
	CHECK_INT(policy_parse(&p, "", &e), 0, "empty policy");
	CHECK_INT(policy_parse(&p, "quota", &e), -1, "no action");
	CHECK_STR(e.msg, "\"quota\": expected CATEGORY=suppress|soft|count", "no action message");
	CHECK_INT(policy_parse(&p, "quota=never", &e), -1, "bad action");
	CHECK_INT(policy_parse(&p, "Quota=soft", &e), -1, "bad category");
	CHECK_INT(policy_parse(&p, "spam-related=suppress", &e), -1, "spam never suppresses");
	CHECK_STR(e.msg, "spam-related: a policy or spam block never suppresses an address", "message");
	CHECK_INT(policy_parse(&p, "policy-related=soft", &e), -1, "policy never soft");
	CHECK_INT(policy_parse(&p, "policy-related=count", &e), 0, "policy counted");
}

static void
test_action(void)
{
	struct campaign_conf cf;
	struct policy p;
	struct cerr e;

	conf_init(&cf);
	CHECK_INT(policy_parse(&p, cf.bounce_policy, &e), 0, "default policy parses");
	CHECK_INT(policy_action(&p, "bad-mailbox", "5.1.1"), POLICY_SUPPRESS, "bad-mailbox");
	CHECK_INT(policy_action(&p, "bad-domain", "5.1.2"), POLICY_SUPPRESS, "bad-domain");
	CHECK_INT(policy_action(&p, "complaint", NULL), POLICY_SUPPRESS, "complaint");
	CHECK_INT(policy_action(&p, "unsubscribe", ""), POLICY_SUPPRESS, "unsubscribe");
	CHECK_INT(policy_action(&p, "quota", "5.2.2"), POLICY_SOFT, "quota");
	CHECK_INT(policy_action(&p, "inactive-mailbox", "5.2.1"), POLICY_SOFT, "inactive");
	CHECK_INT(policy_action(&p, "routing", "5.4.6"), POLICY_COUNT, "routing counted");
	CHECK_INT(policy_action(&p, "other", "5.0.0"), POLICY_COUNT, "other counted");
	CHECK_INT(policy_action(&p, "bad-mailbox", "5.7.1"), POLICY_COUNT, "5.7.x never suppresses");
	CHECK_INT(policy_action(&p, "policy-related", "5.0.0"), POLICY_COUNT, "policy-related");
	CHECK_INT(policy_action(&p, "spam-related", "5.5.0"), POLICY_COUNT, "spam-related");
	CHECK_STR(policy_action_name(POLICY_SOFT), "soft", "name");
	conf_free(&cf);
}

static void
test_soft(const char *dir)
{
	char	table[512];
	struct policy p;
	struct map_db *m;
	struct cerr e;
	time_t	t0 = 1800000000;

	snprintf(table, sizeof(table), "hash:%s/state", dir);
	policy_parse(&p, "quota=soft", &e);
	p.soft_limit = 3;
	p.soft_window = 86400;
	m = map_db_open(table, MAP_RDWR | MAP_CREATE, &e);
	CHECK(m != NULL, "state table: %s", m ? "" : e.msg);
	if (m == NULL)
		return;
	CHECK_INT(policy_soft_note(m, "A@x.test", &p, t0, &e), 1, "first");
	CHECK_INT(policy_soft_note(m, "a@x.test", &p, t0 + 10, &e), 2, "second, key folded");
	CHECK_INT(policy_soft_note(m, "b@x.test", &p, t0 + 10, &e), 1, "another address");
	CHECK_INT(policy_soft_note(m, "a@x.test", &p, t0 + 20, &e), 3, "limit reached");
	CHECK_INT(policy_soft_note(m, "a@x.test", &p, t0 + 30, &e), 1, "entry dropped at the limit");
	CHECK_INT(policy_soft_note(m, "b@x.test", &p, t0 + 86400 + 11, &e), 1, "window passed: again 1");
	map_db_close(m);
}

static void
test_entry(void)
{
	struct buf v;
	struct supentry_why w;
	struct cerr e;

	buf_init(&v, SUPENTRY_VALUE_MAX);
	supentry_value(&v, "bad-mailbox", "spring24", 1800000000, &e);
	CHECK_STR(buf_cstr(&v), "550 5.7.1 suppressed: category=bad-mailbox campaign=spring24 "
	    "time=2027-01-15T08:00:00Z", "reason");
	CHECK_INT(supentry_why(buf_cstr(&v), &w), 1, "why");
	CHECK_STR(w.category, "bad-mailbox", "why category");
	CHECK_STR(w.campaign, "spring24", "why campaign");
	CHECK_STR(w.time, "2027-01-15T08:00:00Z", "why time");
	CHECK_INT(supentry_why("550 5.7.1 suppressed: hard bounce 2026-12-03", &w), 0, "hand-made");
	CHECK_STR(w.text, "hard bounce 2026-12-03", "hand-made text");
	supentry_value(&v, "complaint", NULL, 0, &e);
	supentry_why(buf_cstr(&v), &w);
	CHECK_STR(w.campaign, "-", "no campaign: -");
	buf_free(&v);
}

int
main(void)
{
	char	dir[] = "/tmp/test_policy.XXXXXX";
	char	cmd[128];

	if (mkdtemp(dir) == NULL)
		return 1;
	test_parse();
	test_action();
	test_soft(dir);
	test_entry();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("warning: %s failed\n", cmd);
	return TEST_DONE("policy");
}
