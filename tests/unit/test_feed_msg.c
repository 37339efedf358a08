/*
 * NAME
 *	test_feed_msg - message preparation and per-recipient merge
 */
#include <string.h>

#include "../../feeder/feed.h"
#include "testhelp.h"

static const struct {
	const char *in;
	const char *want;	/* NULL: error */
} prep[] = {
	{"From: a\n\nbody\n", "X-Campaign-ID: c1\r\nFrom: a\r\n\r\nbody\r\n"},
	{"From: a\r\n\r\nbody", "X-Campaign-ID: c1\r\nFrom: a\r\n\r\nbody\r\n"},
	{"From: a\n\n.x\n..y\n.\n", "X-Campaign-ID: c1\r\nFrom: a\r\n\r\n..x\r\n...y\r\n..\r\n"},
	{"X-Campaign-ID: old\n cont\nFrom: a\n\nX-Campaign-ID: body\n",
	 "X-Campaign-ID: c1\r\nFrom: a\r\n\r\nX-Campaign-ID: body\r\n"},
	{"x-campaign-id:old\nFrom: a\n\n", "X-Campaign-ID: c1\r\nFrom: a\r\n\r\n"},
	{"", NULL},
	{"no header here\n\nbody\n", NULL},
	{": empty name\n", NULL},
};

static void
test_prepare(void)
{
	struct msg m;
	struct cerr e;
	size_t	i;
	int	rc;

	for (i = 0; i < sizeof(prep) / sizeof(prep[0]); i++) {
		rc = msg_prepare(&m, prep[i].in, strlen(prep[i].in), "c1", &e);
		CHECK_INT(rc, prep[i].want ? 0 : -1, "prepare case %zu", i);
		if (rc == 0)
			CHECK_STR(buf_cstr(&m.body), prep[i].want, "prepare case %zu", i);
		msg_free(&m);
	}
	CHECK_INT(msg_prepare(&m, "A: b\n", 5, "bad id", &e), -1, "bad campaign id");
	msg_free(&m);
	CHECK_INT(msg_prepare(&m, "A: \xe9\n", 5, "c", &e), 0, "8-bit");
	CHECK_INT(m.has8bit, 1, "8-bit detected");
	msg_free(&m);
}

static void
test_merge(void)
{
	const char *raw = "Subject: {{name}} {{x}\n\n{{city}}\nHi {{name}}{{name}}\n{{}} {{a b}}\n";
	char   *vals[] = {"Ann\r\nBcc: evil", ".Rome"};
	struct msg m;
	struct cerr e;
	struct buf out;

	buf_init(&out, 1 << 16);
	CHECK_INT(msg_prepare(&m, raw, strlen(raw), "c", &e), 0, "merge prepare");
	CHECK_INT(m.ntags, 2, "distinct tags");
	CHECK_STR(m.tags[0], "name", "tag 0");
	CHECK_STR(m.tags[1], "city", "tag 1");
	CHECK_INT(msg_merge(&m, vals, &out), 0, "merge");
	CHECK_STR(buf_cstr(&out), "X-Campaign-ID: c\r\nSubject: Ann  Bcc: evil {{x}\r\n\r\n"
		  "..Rome\r\nHi Ann  Bcc: evilAnn  Bcc: evil\r\n{{}} {{a b}}\r\n", "merged");
	msg_free(&m);
	buf_free(&out);
}

/* test_unstuff - BDAT's copy: dot-stuffing undone at line starts only */
static void
test_unstuff(void)
{
	static const struct { const char *in, *want; } c[] = {
		{"", ""},
		{"..a\r\n", ".a\r\n"},
		{"a..b\r\n..\r\n...x\r\n", "a..b\r\n.\r\n..x\r\n"},
		{"x\r\n.", "x\r\n."},
		{"x\r\n..", "x\r\n."},
	};
	char	b[64];
	size_t	i, n;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		n = strlen(c[i].in);
		memcpy(b, c[i].in, n);
		n = msg_unstuff(b, n);
		b[n] = '\0';
		CHECK_STR(b, c[i].want, "unstuff case %zu", i);
	}
}

int
main(void)
{
	test_prepare();
	test_merge();
	test_unstuff();
	CHECK_INT(msg_valid_id("spring-26.a_b"), 1, "valid id");
	CHECK_INT(msg_valid_id(""), 0, "empty id");
	CHECK_INT(msg_valid_id("a/b"), 0, "slash in id");
	return TEST_DONE("test_feed_msg");
}
