/*
 * NAME
 *	test_merge - lib/merge.c: header fields dropped before the merge,
 *	values cleaned and dot-stuffed, the merged message as DATA and BDAT
 */
#include <string.h>

#include "merge.h"
#include "testhelp.h"

static const char *const drop[] = {"To", "Message-ID", "List-Unsubscribe", NULL};

static const struct {
	const char *in;
	const char *want;	/* NULL: error */
} cases[] = {
	{"From: a\nTo: x@y\nSubject: s\n\nTo: body\n",
	 "X-Campaign-ID: c\r\nFrom: a\r\nSubject: s\r\n\r\nTo: body\r\n"},
	{"to:x\n folded\n\tagain\nMessage-Id: <1@x>\nFrom: a\n\n",
	 "X-Campaign-ID: c\r\nFrom: a\r\n\r\n"},
	{"From: a\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
	 "List-Unsubscribe: <u>\nTo-Do: keep\n\n",
	 "X-Campaign-ID: c\r\nFrom: a\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
	 "To-Do: keep\r\n\r\n"},
	{"Subject: no body", "X-Campaign-ID: c\r\nSubject: no body\r\n"},
	{"\nbody only\n", NULL},
};

static void
test_drop(void)
{
	struct msg m;
	struct cerr e;
	size_t	i;
	int	rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = msg_prepare_drop(&m, cases[i].in, strlen(cases[i].in), "c", drop, &e);
		CHECK_INT(rc, cases[i].want ? 0 : -1, "drop case %zu", i);
		if (rc == 0)
			CHECK_STR(buf_cstr(&m.body), cases[i].want, "drop case %zu", i);
		msg_free(&m);
	}
}

/* merge_one - prepare tmpl, merge vals, return the result (static) */
static const char *
merge_one(const char *tmpl, char *const *vals, int unstuff)
{
	static char out[4096];
	struct msg m;
	struct cerr e;
	struct buf b;

	buf_init(&b, sizeof(out) - 1);
	out[0] = '\0';
	if (msg_prepare(&m, tmpl, strlen(tmpl), "c", &e) == 0
	    && msg_merge(&m, vals, &b) == 0) {
		if (unstuff)
			b.len = msg_unstuff(b.data, b.len);
		memcpy(out, b.data, b.len);
		out[b.len] = '\0';
	}
	msg_free(&m);
	buf_free(&b);
	return out;
}

static void
test_values(void)
{
	char   *v1[] = {"Ann"};
	char   *v2[] = {".dot"};
	char   *v3[] = {"a\rb\nc\r\nd"};
	char   *v4[] = {""};
	char   *vnull[] = {NULL};

	CHECK_STR(merge_one("A: {{first_name}}\n\nHi {{first_name}}\n", v1, 0),
		  "X-Campaign-ID: c\r\nA: Ann\r\n\r\nHi Ann\r\n", "plain value");
	CHECK_STR(merge_one("A: b\n\n{{x}}\n", v2, 0),
		  "X-Campaign-ID: c\r\nA: b\r\n\r\n..dot\r\n", "value at line start stuffed");
	CHECK_STR(merge_one("A: b\n\n{{x}}\n", v2, 1),
		  "X-Campaign-ID: c\r\nA: b\r\n\r\n.dot\r\n", "BDAT copy unstuffed");
	CHECK_STR(merge_one("A: {{x}}\n\n", v3, 0),
		  "X-Campaign-ID: c\r\nA: a b c  d\r\n\r\n", "CR and LF become spaces");
	CHECK_STR(merge_one("A: b\n\n{{x}}.\n", v4, 0),
		  "X-Campaign-ID: c\r\nA: b\r\n\r\n..\r\n", "empty value then a dot");
	CHECK_STR(merge_one("A: {{x}}\n\n", vnull, 0),
		  "X-Campaign-ID: c\r\nA: \r\n\r\n", "NULL value is empty");
}

int
main(void)
{
	test_drop();
	test_values();
	return TEST_DONE("test_merge");
}
