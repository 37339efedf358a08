/*
 * NAME
 *	test_smtp_txn - unit tests of the SMTP client engine's transaction
 *	rules (lib/smtp_txn.c)
 * SYNOPSIS
 *	tests/unit/test_smtp_txn
 * DESCRIPTION
 *	Each case is a transaction's replies in order with the action each
 *	must give, then the verdict (code, command), discard, rset and
 *	retire: success with DATA and with BDAT; a refused recipient
 *	(its own with SMTP_TXN_PER_RCPT, the transaction's without); every
 *	recipient refused (354 asks for "." alone); MAIL 4xx (retire) and
 *	5xx (451 with SMTP_TXN_MAIL_TEMP); RSET 5xx as 451; a reply out
 *	of place (1xx, 3xx, 2xx to DATA) as 451; the first
 *	failure decides; replies after a failed MAIL ignored; DATA refused
 *	(RSET needed, or not after a failed MAIL); a failed end of data;
 *	replies after the end; smtp_txn_want_data(); long text cut.
 * DIAGNOSTICS
 *	"test_smtp_txn: N passed, N failed"; exit 1 on any failure.
 */
#include <string.h>

#include "smtp_txn.h"
#include "testhelp.h"

#define W	SMTP_TXN_WAIT
#define OK	SMTP_TXN_RCPT_OK
#define RF	SMTP_TXN_RCPT_FAIL
#define FA	SMTP_TXN_FAIL_ALL
#define BODY	SMTP_TXN_BODY
#define DOT	SMTP_TXN_DOT
#define END	SMTP_TXN_END
#define PR	SMTP_TXN_PER_RCPT
#define MT	SMTP_TXN_MAIL_TEMP

struct step {
	int	kind, code, want;
};

struct tcase {
	const char *name;
	int	flags, nrcpt;
	struct step s[8];		/* ends at kind 0 (GREET: never fed) */
	int	code, kind, discard, rset, retire;
};

static const struct tcase cases[] = {
	{"feed: two accepted, DATA", PR, 2,
	 {{SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 250, OK}, {SMTP_CMD_RCPT, 250, OK},
	  {SMTP_CMD_DATA, 354, BODY}, {SMTP_CMD_DOT, 250, END}},
	 250, SMTP_CMD_DOT, 0, 0, 0},
	{"feed: one of two refused, the other's verdict is the dot's", PR, 2,
	 {{SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 550, RF}, {SMTP_CMD_RCPT, 250, OK},
	  {SMTP_CMD_DATA, 354, BODY}, {SMTP_CMD_DOT, 250, END}},
	 250, SMTP_CMD_DOT, 0, 0, 0},
	{"feed: a 4xx RCPT is its recipient's too", PR, 2,
	 {{SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 450, RF}, {SMTP_CMD_RCPT, 250, OK},
	  {SMTP_CMD_BDAT, 250, END}},
	 250, SMTP_CMD_BDAT, 0, 0, 0},
	{"feed: every RCPT refused, 354: dot alone, discarded", PR, 2,
	 {{SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 550, RF}, {SMTP_CMD_RCPT, 450, RF},
	  {SMTP_CMD_DATA, 354, DOT}, {SMTP_CMD_DOT, 250, END}},
	 250, SMTP_CMD_DOT, 1, 0, 0},
	{"feed: every RCPT refused, DATA 554: RSET, discarded", PR, 1,
	 {{SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 550, RF},
	  {SMTP_CMD_DATA, 554, END}},
	 554, SMTP_CMD_DATA, 1, 1, 0},
	{"feed: DATA 451 after accepted RCPT: the verdict, RSET", PR, 1,
	 {{SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 250, OK},
	  {SMTP_CMD_DATA, 451, END}},
	 451, SMTP_CMD_DATA, 0, 1, 0},
	{"feed: MAIL 451 retires, later replies ignored", PR, 2,
	 {{SMTP_CMD_MAIL, 451, FA}, {SMTP_CMD_RCPT, 250, W}, {SMTP_CMD_RCPT, 550, W},
	  {SMTP_CMD_DATA, 354, DOT}, {SMTP_CMD_DOT, 250, END}},
	 451, SMTP_CMD_MAIL, 1, 0, 1},
	{"feed: MAIL 553 stays 553 without MAIL_TEMP, no retire", PR, 1,
	 {{SMTP_CMD_MAIL, 553, FA}, {SMTP_CMD_RCPT, 503, W}, {SMTP_CMD_DATA, 503, END}},
	 553, SMTP_CMD_MAIL, 1, 0, 0},
	{"feed: MAIL failed, BDAT reply ignored", PR, 1,
	 {{SMTP_CMD_MAIL, 550, FA}, {SMTP_CMD_RCPT, 503, W}, {SMTP_CMD_BDAT, 250, END}},
	 550, SMTP_CMD_MAIL, 1, 0, 0},
	{"feed: end of data 552", PR, 1,
	 {{SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 250, OK},
	  {SMTP_CMD_DATA, 354, BODY}, {SMTP_CMD_DOT, 552, END}},
	 552, SMTP_CMD_DOT, 0, 0, 0},
	{"filter: RSET, MAIL, RCPT, BDAT accepted", MT, 1,
	 {{SMTP_CMD_RSET, 250, W}, {SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 250, OK},
	  {SMTP_CMD_BDAT, 250, END}},
	 250, SMTP_CMD_BDAT, 0, 0, 0},
	{"filter: RCPT 550 decides over BDAT's 554", MT, 1,
	 {{SMTP_CMD_RSET, 250, W}, {SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 550, RF},
	  {SMTP_CMD_BDAT, 554, END}},
	 550, SMTP_CMD_RCPT, 1, 0, 0},
	{"filter: RSET 502 counts as 451 and decides", MT, 1,
	 {{SMTP_CMD_RSET, 502, W}, {SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 250, OK},
	  {SMTP_CMD_BDAT, 250, END}},
	 451, SMTP_CMD_RSET, 1, 0, 0},
	{"filter: MAIL 503 counts as 451, RCPT's 550 ignored", MT, 1,
	 {{SMTP_CMD_RSET, 250, W}, {SMTP_CMD_MAIL, 503, FA}, {SMTP_CMD_RCPT, 550, W},
	  {SMTP_CMD_BDAT, 554, END}},
	 451, SMTP_CMD_MAIL, 1, 0, 0},
	{"filter: RCPT 354 out of place counts as 451, tried again", MT, 1,
	 {{SMTP_CMD_RSET, 250, W}, {SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 354, RF},
	  {SMTP_CMD_DATA, 354, DOT}, {SMTP_CMD_DOT, 250, END}},
	 451, SMTP_CMD_RCPT, 1, 0, 0},
	{"filter: MAIL 354 out of place counts as 451, retire set", MT, 1,
	 {{SMTP_CMD_RSET, 250, W}, {SMTP_CMD_MAIL, 354, FA}},
	 451, SMTP_CMD_MAIL, 0, 0, 1},
	{"feed: DATA 250 out of place counts as 451, RSET", PR, 1,
	 {{SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 250, OK},
	  {SMTP_CMD_DATA, 250, END}},
	 451, SMTP_CMD_DATA, 0, 1, 0},
	{"feed: end of data 123 out of place counts as 451", PR, 1,
	 {{SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 250, OK},
	  {SMTP_CMD_DATA, 354, BODY}, {SMTP_CMD_DOT, 123, END}},
	 451, SMTP_CMD_DOT, 0, 0, 0},
	{"filter: MAIL 4xx kept, retire set", MT, 1,
	 {{SMTP_CMD_RSET, 250, W}, {SMTP_CMD_MAIL, 421, FA}},
	 421, SMTP_CMD_MAIL, 0, 0, 1},
	{"filter: RCPT 451, DATA 354 asks for the dot alone", MT, 1,
	 {{SMTP_CMD_RSET, 250, W}, {SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 451, RF},
	  {SMTP_CMD_DATA, 354, DOT}, {SMTP_CMD_DOT, 250, END}},
	 451, SMTP_CMD_RCPT, 1, 0, 0},
	{"filter: RSET failed, DATA 354 asks for the dot alone", MT, 1,
	 {{SMTP_CMD_RSET, 500, W}, {SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 250, OK},
	  {SMTP_CMD_DATA, 354, DOT}, {SMTP_CMD_DOT, 250, END}},
	 451, SMTP_CMD_RSET, 1, 0, 0},
	{"filter: DATA 554 after accepted RCPT", MT, 1,
	 {{SMTP_CMD_RSET, 250, W}, {SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 250, OK},
	  {SMTP_CMD_DATA, 554, END}},
	 554, SMTP_CMD_DATA, 0, 1, 0},
	{"filter: all or nothing, second RCPT refused decides", MT, 2,
	 {{SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 250, OK}, {SMTP_CMD_RCPT, 550, RF},
	  {SMTP_CMD_DATA, 354, DOT}, {SMTP_CMD_DOT, 250, END}},
	 550, SMTP_CMD_RCPT, 1, 0, 0},
	{"filter: end of data 451", MT, 2,
	 {{SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 250, OK}, {SMTP_CMD_RCPT, 250, OK},
	  {SMTP_CMD_DATA, 354, BODY}, {SMTP_CMD_DOT, 451, END}},
	 451, SMTP_CMD_DOT, 0, 0, 0},
	{"replies after the end are ignored", MT, 1,
	 {{SMTP_CMD_MAIL, 250, W}, {SMTP_CMD_RCPT, 250, OK}, {SMTP_CMD_BDAT, 250, END},
	  {SMTP_CMD_DOT, 554, W}, {SMTP_CMD_RSET, 500, W}},
	 250, SMTP_CMD_BDAT, 0, 0, 0},
	{"other commands change nothing", PR, 1,
	 {{SMTP_CMD_EHLO, 500, W}, {SMTP_CMD_QUIT, 500, W}, {SMTP_CMD_MAIL, 250, W},
	  {SMTP_CMD_RCPT, 250, OK}, {SMTP_CMD_BDAT, 250, END}},
	 250, SMTP_CMD_BDAT, 0, 0, 0},
};

/* run - feed one case; check every action and the verdict */
static void
run(const struct tcase *c)
{
	struct smtp_txn t;
	char	text[48];
	int	i;

	smtp_txn_begin(&t, c->nrcpt, c->flags);
	for (i = 0; i < 8 && c->s[i].kind != 0; i++) {
		snprintf(text, sizeof(text), "%d step %d", c->s[i].code, i);
		CHECK_INT(smtp_txn_reply(&t, c->s[i].kind, c->s[i].code, text), c->s[i].want,
			  "%s: step %d", c->name, i);
	}
	CHECK_INT(t.v.code, c->code, "%s: verdict code", c->name);
	CHECK_INT(t.v.kind, c->kind, "%s: verdict command", c->name);
	CHECK_INT(t.discard, c->discard, "%s: discard", c->name);
	CHECK_INT(t.rset, c->rset, "%s: rset", c->name);
	CHECK_INT(t.retire, c->retire, "%s: retire", c->name);
}

/* test_text - the deciding reply's text, the first failure's, cut */
static void
test_text(void)
{
	struct smtp_txn t;
	char	big[2 * SMTP_TEXT_MAX];

	smtp_txn_begin(&t, 1, PR);
	smtp_txn_reply(&t, SMTP_CMD_MAIL, 250, "250 ok");
	smtp_txn_reply(&t, SMTP_CMD_RCPT, 250, "250 ok");
	smtp_txn_reply(&t, SMTP_CMD_DATA, 451, "451 4.3.0 first");
	CHECK_STR(t.v.text, "451 4.3.0 first", "DATA's text");
	CHECK_INT(smtp_txn_failed(&t), 1, "failed");
	smtp_txn_begin(&t, 1, MT);
	CHECK_INT(smtp_txn_failed(&t), 0, "a new transaction has not failed");
	smtp_txn_reply(&t, SMTP_CMD_RSET, 250, "250 ok");
	smtp_txn_reply(&t, SMTP_CMD_MAIL, 250, "250 ok");
	smtp_txn_reply(&t, SMTP_CMD_RCPT, 550, "550 5.1.1 no such user");
	smtp_txn_reply(&t, SMTP_CMD_BDAT, 503, "503 5.5.1 no valid recipients");
	CHECK_STR(t.v.text, "550 5.1.1 no such user", "the first failure's text");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	smtp_txn_begin(&t, 1, MT);
	smtp_txn_reply(&t, SMTP_CMD_MAIL, 452, big);
	CHECK_INT(strlen(t.v.text), SMTP_TEXT_MAX - 1, "long text cut");
	smtp_txn_begin(&t, 1, MT);
	smtp_txn_reply(&t, SMTP_CMD_MAIL, 250, NULL);
	smtp_txn_reply(&t, SMTP_CMD_RCPT, 250, NULL);
	smtp_txn_reply(&t, SMTP_CMD_BDAT, 250, NULL);
	CHECK_STR(t.v.text, "", "no text");
	CHECK_INT(smtp_txn_failed(&t), 0, "250 is no failure");
}

/* test_want_data - DATA only when a recipient is left */
static void
test_want_data(void)
{
	struct smtp_txn t;

	smtp_txn_begin(&t, 2, PR);
	smtp_txn_reply(&t, SMTP_CMD_MAIL, 250, "");
	CHECK_INT(smtp_txn_want_data(&t), 0, "no RCPT reply yet");
	smtp_txn_reply(&t, SMTP_CMD_RCPT, 550, "");
	CHECK_INT(smtp_txn_want_data(&t), 0, "one refused");
	smtp_txn_reply(&t, SMTP_CMD_RCPT, 250, "");
	CHECK_INT(smtp_txn_want_data(&t), 1, "one accepted (per recipient)");
	smtp_txn_begin(&t, 2, MT);
	smtp_txn_reply(&t, SMTP_CMD_MAIL, 250, "");
	smtp_txn_reply(&t, SMTP_CMD_RCPT, 250, "");
	CHECK_INT(smtp_txn_want_data(&t), 1, "all accepted so far");
	smtp_txn_reply(&t, SMTP_CMD_RCPT, 550, "");
	CHECK_INT(smtp_txn_want_data(&t), 0, "one refused: all or nothing");
	smtp_txn_begin(&t, 1, PR);
	smtp_txn_reply(&t, SMTP_CMD_MAIL, 451, "");
	CHECK_INT(smtp_txn_want_data(&t), 0, "MAIL failed");
}

int
main(void)
{
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(cases + i);
	test_text();
	test_want_data();
	return TEST_DONE("test_smtp_txn");
}
