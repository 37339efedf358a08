/*
 * NAME
 *	test_bounce - campaign-bounce's parser and policy on fixtures
 * DESCRIPTION
 *	verp_decode() and unsub_decode() on the forms campaign-milter
 *	writes; dsn_reply() and dsn_address(); bounce_parse() on the
 *	fixtures of tests/fixtures/bounce (Postfix, Gmail-, Exchange-,
 *	Yahoo- and Exim-layout DSNs, ARF reports, an auto-reply, a reply, a
 *	DSN without the returned headers), a List-Unsubscribe token, and
 *	hostile MIME; then bounce_apply() against real hash: tables: a bad
 *	mailbox is suppressed with its reason, a 5.7.x block is not, quota
 *	is suppressed at the third soft failure, a complaint is suppressed;
 *	an LMTP session (lmtp_serve()) on memory streams.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "bounce.h"
#include "clog.h"
#include "hmac.h"
#include "map_db.h"
#include "testhelp.h"

#define FIXTURES	TOP_SRCDIR "/tests/fixtures/bounce/"
#define RP		"bounces+%c+%r@campaign.test"

static void
test_verp(void)
{
	static const struct {
		const char *tmpl, *addr, *campaign, *rcpt;
		int	want;
	}	cases[] = {
		{RP, "bounces+spring24+alice=example.net@campaign.test", "spring24", "alice@example.net", 1},
		{RP, "BOUNCES+x-y.z+Bob.Smith=Example.ORG@campaign.test", "x-y.z", "bob.smith@example.org", 1},
		{RP, "bounces+c1+a+b=c=d.example@campaign.test", "c1", "a+b=c@d.example", 1},
		{RP, "bounces+c1@campaign.test", "c1", "", 1},
		{RP, "bounces@campaign.test", "", "", 0},
		{RP, "other+c1+a=b.example@campaign.test", "", "", 0},
		{RP, "bounces+c1+a=b.example@elsewhere.test", "", "", 0},
		{"bounces+%r@campaign.test", "bounces+u=example.net@campaign.test", "", "u@example.net", 1},
		{"%c-bounce@campaign.test", "abc-bounce@campaign.test", "abc", "", 1},
		{RP, "bounces+c1+noequals@campaign.test", "", "", 0},
		{NULL, "bounces+c1+a=b@campaign.test", "", "", 0},
	};
	char	c[BOUNCE_ID_MAX + 1], r[ADDR_KEY_MAX + 1], big[4096];
	size_t	i;

	memset(big, 'a', sizeof(big));
	memcpy(big, "bounces+", 8);
	CHECK_INT(verp_decode(RP, big, sizeof(big), c, r), 0, "4 kB address: no match, no backtracking");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int	got = verp_decode(cases[i].tmpl, cases[i].addr, strlen(cases[i].addr), c, r);

		CHECK_INT(got, cases[i].want, "verp %s", cases[i].addr);
		CHECK_STR(c, cases[i].campaign, "verp campaign %s", cases[i].addr);
		CHECK_STR(r, cases[i].rcpt, "verp rcpt %s", cases[i].addr);
	}
}

static void
test_fields(void)
{
	char	code[4], status[16], key[ADDR_KEY_MAX + 1], c[BOUNCE_ID_MAX + 1], t[64];
	const char *text;

	dsn_reply("550-5.1.1 The account", code, status, &text);
	CHECK_STR(code, "550", "code");
	CHECK_STR(status, "5.1.1", "status");
	CHECK_STR(text, "The account", "text");
	dsn_reply("Host or domain name not found", code, status, &text);
	CHECK_STR(code, "", "no code");
	CHECK_STR(text, "Host or domain name not found", "whole text");
	dsn_reply("554 55.1.1 x", code, status, &text);
	CHECK_STR(status, "", "bad enhanced code");
	CHECK_INT(dsn_address("rfc822;User@Example.COM", key), 0, "address");
	CHECK_STR(key, "user@example.com", "address key");
	CHECK_INT(dsn_address("rfc822; <a@b.example>", key), 0, "bracketed");
	CHECK_INT(dsn_address("rfc822; not an address", key), -1, "junk");
	CHECK_INT(unsub_decode("<https://u.example/u?c=spring24&r=a%40b.example&t=TOK>, <mailto:x@y>",
	    c, key, t), 1, "unsubscribe link");
	CHECK_STR(key, "a@b.example", "link recipient");
	CHECK_STR(t, "TOK", "link token");
	CHECK_INT(unsub_decode("<https://u.example/u?c=bad%20id&r=a%40b.example>", c, key, t), 0, "bad id");
}

/* parse_file - one fixture through bounce_parse() */
static int
parse_file(const char *name, const char *env, const struct buf *secret, struct verdict *v)
{
	struct bounce_ctx bc = {RP, secret};
	char	path[512], data[65536];
	FILE   *fp;
	size_t	n;

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fread(data, 1, sizeof(data), fp);
	fclose(fp);
	return bounce_parse(&bc, data, n, env, v);
}

static void
test_fixtures(const struct classify *rules)
{
	static const struct {
		const char *file, *env, *kind, *rcpt, *campaign, *status, *code, *category;
	}	cases[] = {
		{"postfix-5.1.1.eml", "bounces+spring24+alice=example.net@campaign.test",
		 "dsn", "alice@example.net", "spring24", "5.1.1", "550", "bad-mailbox"},
		{"postfix-5.1.1.eml", NULL, "dsn", "alice@example.net", "spring24", "5.1.1", "550", "bad-mailbox"},
		{"gmail-5.1.1.eml", NULL, "dsn", "bob.smith@example.org", "autumn.7", "5.1.1", "550", "bad-mailbox"},
		{"exchange-5.1.10.eml", NULL, "dsn", "carol@example.com", "winter", "5.1.10", "550", "bad-mailbox"},
		{"yahoo-quota.eml", "bounces+spring24+dave=example.net@campaign.test",
		 "dsn", "dave@example.net", "spring24", "5.2.2", "552", "quota"},
		{"spam-5.7.1.eml", NULL, "dsn", "erin@example.net", "", "5.7.1", "554", "spam-related"},
		{"gmail-5.7.26.eml", NULL, "dsn", "frank@example.org", "", "5.7.26", "550", "policy-related"},
		{"exim-expired.eml", NULL, "dsn", "gina@example.net", "", "4.0.0", "451", "message-expired"},
		{"postfix-delayed.eml", NULL, "dsn", "hank@example.net", "", "4.4.1", "", "routing"},
		{"arf-abuse.eml", "bounces@campaign.test", "arf", "ivy@example.com", "spring24", "", "", "complaint"},
		{"arf-redacted.eml", NULL, "arf", "jack@example.org", "autumn.7", "", "", "complaint"},
		{"autoreply.eml", "bounces+spring24+kim=example.net@campaign.test",
		 "autoreply", "kim@example.net", "spring24", "", "", "autoreply"},
		{"plain-reply.eml", NULL, "other", "", "", "", "", "other"},
		{"stripped.eml", "bounces+spring24+mia=example.net@campaign.test",
		 "dsn", "mia@example.net", "spring24", "5.1.1", "550", "bad-mailbox"},
		{"stripped.eml", "bounces@campaign.test", "dsn", "", "", "5.1.1", "550", "bad-mailbox"},
	};
	char	cat[CLASSIFY_NAME_MAX + 1];
	struct verdict v;
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *f = cases[i].file;

		CHECK_INT(parse_file(f, cases[i].env, NULL, &v), 0, "%s parsed", f);
		bounce_category(rules, &v, cat);
		CHECK_STR(bounce_kind_name(v.kind), cases[i].kind, "%s kind", f);
		CHECK_STR(v.recipient, cases[i].rcpt, "%s recipient", f);
		CHECK_STR(v.campaign, cases[i].campaign, "%s campaign", f);
		CHECK_STR(v.status, cases[i].status, "%s status", f);
		CHECK_STR(v.code, cases[i].code, "%s code", f);
		CHECK_STR(cat, cases[i].category, "%s category", f);
	}
	parse_file("gmail-5.1.1.eml", NULL, NULL, &v);
	CHECK(strstr(v.text, "550-5.1.1") == NULL && strstr(v.text, "does not exist. Please try double") != NULL,
	    "multi-line reply joined: %s", v.text);
	parse_file("postfix-5.1.1.eml", "bounces+spring24+alice=example.net@campaign.test", NULL, &v);
	CHECK_INT(v.rcpt_via, BV_VERP, "envelope VERP first");
	parse_file("postfix-5.1.1.eml", NULL, NULL, &v);
	CHECK_INT(v.rcpt_via, BV_RETURNED, "returned Return-Path next");
}

/* test_token - a DSN without VERP whose returned link carries the token */
static void
test_token(void)
{
	static const char secret_text[] = "0123456789abcdef0123456789abcdef";
	struct buf secret, msg;
	char	tok[HMAC_TOKEN_LEN + 1];
	struct bounce_ctx bc = {RP, NULL};
	struct verdict v;

	buf_init(&secret, 4096);
	buf_init(&msg, 1 << 16);
	buf_set(&secret, secret_text, sizeof(secret_text) - 1);
	hmac_token(&secret, "tok1", "nora@example.net", tok);
	buf_appendf(&msg, "From: mailer-daemon@x.example\nTo: bounces@campaign.test\n"
	    "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n"
	    "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\n"
	    "Action: failed\nStatus: 5.1.1\n\n--B\nContent-Type: text/rfc822-headers\n\n"
	    "From: news@campaign.test\nList-Unsubscribe: <https://u.campaign.test/u?c=tok1&r=nora%%40example.net&t=%s>\n"
	    "\n--B--\n", tok);
	bounce_parse(&bc, msg.data, msg.len, "bounces@campaign.test", &v);
	CHECK_STR(v.recipient, "", "token not used without a secret");
	bc.secret = &secret;
	bounce_parse(&bc, msg.data, msg.len, "bounces@campaign.test", &v);
	CHECK_STR(v.recipient, "nora@example.net", "token verified: recipient");
	CHECK_STR(v.campaign, "tok1", "token verified: campaign");
	CHECK_INT(v.rcpt_via, BV_TOKEN, "via token");
	tok[0] = tok[0] == 'A' ? 'B' : 'A';
	buf_reset(&msg);
	buf_appendf(&msg, "Content-Type: multipart/report; boundary=B\n\n--B\n"
	    "Content-Type: message/delivery-status\n\nAction: failed\n\n--B\n"
	    "Content-Type: text/rfc822-headers\n\nList-Unsubscribe: "
	    "<https://u/?c=tok1&r=nora%%40example.net&t=%s>\n\n--B--\n", tok);
	bounce_parse(&bc, msg.data, msg.len, NULL, &v);
	CHECK_STR(v.recipient, "", "forged token refused");
	buf_free(&secret);
	buf_free(&msg);
}

/* test_hostile - deep nesting, broken structure, binary: no crash, "other" or a sane DSN */
static void
test_hostile(void)
{
	struct bounce_ctx bc = {RP, NULL};
	struct verdict v;
	struct buf m;
	int	i;

	buf_init(&m, 1 << 24);
	buf_puts(&m, "MIME-Version: 1.0\n");
	for (i = 0; i < 20000; i++)
		buf_appendf(&m, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	CHECK_INT(bounce_parse(&bc, m.data, m.len, NULL, &v), 0, "20,000 nested parts");
	CHECK_INT(v.kind, BK_OTHER, "deep nesting is other");
	buf_reset(&m);
	for (i = 0; i < 200; i++)
		buf_appendf(&m, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	buf_puts(&m, "Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; deep@example.net\n"
	    "Action: failed\nStatus: 5.1.1\n");
	CHECK_INT(bounce_parse(&bc, m.data, m.len, NULL, &v), 0, "200 nested parts");
	CHECK_STR(v.recipient, "", "report below the walk depth is not read");
	buf_reset(&m);
	buf_puts(&m, "Content-Type: multipart/report; boundary=\"\"\n\n--\nContent-Type: message/delivery-status\n"
	    "Content-Transfer-Encoding: base64\n\n!!!!====\n--");
	CHECK_INT(bounce_parse(&bc, m.data, m.len, NULL, &v), 0, "empty boundary, bad base64");
	buf_reset(&m);
	for (i = 0; i < 4096; i++)
		buf_putc(&m, (i * 7919) & 0xff);
	CHECK_INT(bounce_parse(&bc, m.data, m.len, "\x01\xff@", &v), 0, "binary");
	CHECK_INT(bounce_parse(&bc, "", 0, "", &v), 0, "empty message");
	CHECK_INT(v.kind, BK_OTHER, "empty is other");
	buf_free(&m);
}

/* lookup - the suppression entry of key, "" when none */
static const char *
lookup(const char *table, const char *key, struct buf *val)
{
	struct cerr e;
	struct map_db *m = map_db_open(table, MAP_RDONLY, &e);
	int	r = m ? map_db_lookup(m, key, val, &e) : -1;

	map_db_close(m);
	return r == 1 ? buf_cstr(val) : "";
}

static void
test_apply(const struct classify *rules, const char *dir)
{
	char	sup[512], state[512];
	struct policy p;
	struct cerr e;
	struct verdict v;
	struct buf val;
	struct bounce_apply ba = {rules, &p, sup, state, 1800000000, NULL, NULL};
	int	i;

	snprintf(sup, sizeof(sup), "hash:%s/suppression", dir);
	snprintf(state, sizeof(state), "hash:%s/state", dir);
	buf_init(&val, MAP_VALUE_MAX);
	policy_parse(&p, "bad-mailbox=suppress quota=soft complaint=suppress", &e);
	parse_file("postfix-5.1.1.eml", "bounces+spring24+alice=example.net@campaign.test", NULL, &v);
	CHECK_INT(bounce_apply(&ba, &v, "Q1"), 0, "apply bad-mailbox");
	CHECK_STR(lookup(sup, "alice@example.net", &val), "550 5.7.1 suppressed: category=bad-mailbox "
	    "campaign=spring24 time=2027-01-15T08:00:00Z", "bad-mailbox suppressed with reason");
	parse_file("spam-5.7.1.eml", NULL, NULL, &v);
	bounce_apply(&ba, &v, "Q2");
	CHECK_STR(lookup(sup, "erin@example.net", &val), "", "5.7.1 spam block not suppressed");
	parse_file("gmail-5.7.26.eml", NULL, NULL, &v);
	bounce_apply(&ba, &v, "Q3");
	CHECK_STR(lookup(sup, "frank@example.org", &val), "", "5.7.26 policy block not suppressed");
	parse_file("stripped.eml", "bounces@campaign.test", NULL, &v);
	CHECK_INT(bounce_apply(&ba, &v, "Q4"), 0, "unknown recipient: ignored, not an error");
	for (i = 1; i <= 3; i++) {
		parse_file("yahoo-quota.eml", "bounces+spring24+dave=example.net@campaign.test", NULL, &v);
		ba.now += 3600;
		bounce_apply(&ba, &v, "Q5");
		CHECK_INT(lookup(sup, "dave@example.net", &val)[0] != '\0', i == 3, "quota after %d failures", i);
	}
	parse_file("arf-abuse.eml", NULL, NULL, &v);
	bounce_apply(&ba, &v, "Q6");
	CHECK(strstr(lookup(sup, "ivy@example.com", &val), "category=complaint campaign=spring24") != NULL,
	    "complaint suppressed");
	parse_file("autoreply.eml", "bounces+spring24+kim=example.net@campaign.test", NULL, &v);
	bounce_apply(&ba, &v, "Q7");
	CHECK_STR(lookup(sup, "kim@example.net", &val), "", "auto-reply ignored");
	bounce_apply_close(&ba);
	ba.suppression_table = "hash:/nonexistent/dir/suppression";
	parse_file("stripped.eml", "bounces+spring24+mia=example.net@campaign.test", NULL, &v);
	CHECK_INT(bounce_apply(&ba, &v, "Q8"), -1, "unwritable table: tempfail");
	bounce_apply_close(&ba);
	buf_free(&val);
}

/* test_lmtp - one session through lmtp_serve() on memory streams */
static void
test_lmtp(const struct classify *rules, const char *dir)
{
	static const char session[] =
	    "LHLO postfix\r\nXFORWARD IDENT=ABC123\r\nMAIL FROM:<>\r\n"
	    "RCPT TO:<campaign-bounce+x@campaign-bounce.invalid> "
	    "ORCPT=rfc822;bounces+2Bs9+2Bpat+3Dexample.net@campaign.test\r\n"
	    "DATA\r\nContent-Type: multipart/report; boundary=B\r\n\r\n--B\r\n"
	    "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n\r\n"
	    "Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n"
	    "..\r\n--B--\r\n.\r\nRCPT TO:<a@b>\r\nFOO\r\nRSET\r\nQUIT\r\nNOOP\r\n";
	char	sup[512], state[512], out[4096];
	struct policy p;
	struct cerr e;
	struct buf val;
	struct bounce_run run = {{RP, NULL}, {rules, &p, sup, state, 1800000000, NULL, NULL}};
	FILE   *in = fmemopen((void *)session, sizeof(session) - 1, "r");
	FILE   *o = fmemopen(out, sizeof(out), "w");

	snprintf(sup, sizeof(sup), "hash:%s/lmtp-suppression", dir);
	snprintf(state, sizeof(state), "hash:%s/lmtp-state", dir);
	buf_init(&val, MAP_VALUE_MAX);
	policy_parse(&p, "bad-mailbox=suppress", &e);
	CHECK_INT(lmtp_serve(&run, in, o), 0, "lmtp session");
	bounce_apply_close(&run.ba);
	fclose(in);
	fclose(o);
	CHECK(strstr(out, "250-XFORWARD IDENT\r\n250 DSN\r\n") != NULL, "LHLO: DSN, XFORWARD");
	CHECK(strstr(out, "354 End data") != NULL, "DATA");
	CHECK(strstr(out, "250 2.0.0 Ok: handled as ABC123\r\n") != NULL, "per-recipient reply, queue id");
	CHECK(strstr(out, "503 5.5.1 MAIL first") != NULL, "RCPT without MAIL");
	CHECK(strstr(out, "502 5.5.2") != NULL, "unknown command");
	CHECK(strstr(out, "221 2.0.0 Bye\r\n") != NULL && strstr(out, "221 2.0.0 Bye\r\n250") == NULL,
	    "QUIT ends the session");
	CHECK(strstr(lookup(sup, "pat@example.net", &val), "category=bad-mailbox campaign=s9") != NULL,
	    "ORCPT xtext decoded: VERP recipient suppressed");
	buf_free(&val);
}

int
main(void)
{
	char	dir[] = "/tmp/test_bounce.XXXXXX", cmd[128];
	struct cerr e;
	struct classify *rules = classify_load(TOP_SRCDIR "/postfix-conf/bounce-rules", &e);

	clog_open("test_bounce", 1, "mail");
	g_mime_init();
	if (rules == NULL || mkdtemp(dir) == NULL)
		return printf("setup: %s\n", rules ? "mkdtemp" : e.msg), 1;
	test_verp();
	test_fields();
	test_fixtures(rules);
	test_token();
	test_hostile();
	test_apply(rules, dir);
	test_lmtp(rules, dir);
	classify_free(rules);
	g_mime_shutdown();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("warning: %s failed\n", cmd);
	return TEST_DONE("bounce");
}
