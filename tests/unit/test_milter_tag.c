/*
 * NAME
 *	test_tag - unit tests for milter/tag.c
 * DESCRIPTION
 *	One table per function, {input, want}; each failure prints got/want.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tag.h"
#include "testhelp.h"

static void
test_id_valid(void)
{
	static const struct {
		const char *in;
		int	want;
	} t[] = {
		{"spring-2026", 1}, {"a", 1}, {"A.b_c-9", 1}, {"", 0},
		{"has space", 0}, {"semi;colon", 0}, {"caf\xc3\xa9", 0},
		{"1234567890123456789012345678901234567890123456789012345678901234", 1},
		{"12345678901234567890123456789012345678901234567890123456789012345", 0},
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK_INT(tag_id_valid(t[i].in, strlen(t[i].in)), t[i].want, "id \"%s\"", t[i].in);
	CHECK_INT(tag_id_valid("ab\0cd", 5), 0, "id with NUL");
}

static void
test_trim(void)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{" c1", "c1"}, {"c1 \r\n", "c1"}, {"\t c1\n\t", "c1"}, {"", ""},
		{"   ", ""}, {" a b ", "a b"},
	};
	char	got[64];
	size_t	i, n;
	const char *p;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		p = tag_trim(t[i].in, &n);
		snprintf(got, sizeof(got), "%.*s", (int)n, p);
		CHECK_STR(got, t[i].want, "trim \"%s\"", t[i].in);
	}
}

static void
test_header_index(void)
{
	static const struct {
		const char *in;
		int	want;
	} t[] = {
		{"X-Campaign-ID", TAG_CAMPAIGN_ID}, {"x-campaign-id", TAG_CAMPAIGN_ID},
		{"PRECEDENCE", TAG_PRECEDENCE}, {"Feedback-ID", TAG_FEEDBACK_ID},
		{"List-Unsubscribe", TAG_LIST_UNSUB},
		{"list-unsubscribe-post", TAG_LIST_UNSUB_POST},
		{"List-Unsubscribe-Postx", -1}, {"Subject", -1}, {"", -1},
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK_INT(tag_header_index(t[i].in), t[i].want, "header \"%s\"", t[i].in);
}

static void
test_template_check(void)
{
	static const struct {
		const char *tmpl, *allowed;
		int	want;
	} t[] = {
		{"bounces+%r@x.example", "cr", 0}, {"b-%c-%r@x", "cr", 0},
		{"100%%@x", "cr", 0}, {"b+%t@x", "cr", -1}, {"b%", "cr", -1},
		{"https://u/?t=%t&c=%c", "crt", 0}, {"fb:%x", "c", -1},
	};
	struct cerr e;
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK_INT(tag_template_check(t[i].tmpl, t[i].allowed, &e), t[i].want,
		    "template \"%s\"", t[i].tmpl);
}

static void
test_return_path(void)
{
	static const struct {
		const char *tmpl, *id, *verp, *want;
	} t[] = {
		{"bounces+%r@b.example", "c1", "user=dom.example", "bounces+user=dom.example@b.example"},
		{"bounces+%r@b.example", "c1", NULL, "bounces@b.example"},
		{"bounces-%c-%r@b.example", "c1", "u=d", "bounces-c1-u=d@b.example"},
		{"bounces-%c-%r@b.example", "c1", NULL, "bounces-c1@b.example"},
		{"bounces@b.example", "c1", "u=d", "bounces@b.example"},
		{"b+%c@b.example", "spring.2026", NULL, "b+spring.2026@b.example"},
		{"%r@b.example", "c", NULL, "@b.example"},
		{"b+%r@x", "c", "\"a b\"=d", "b@x"},
		{"100%%+%r@x", "c", "u=d", "100%+u=d@x"},
	};
	struct buf out;
	size_t	i;

	buf_init(&out, 1024);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&out);
		CHECK_INT(tag_return_path(t[i].tmpl, t[i].id, t[i].verp, &out), 0, "rp %zu", i);
		CHECK_STR(buf_cstr(&out), t[i].want, "return path %s / %s", t[i].tmpl,
		    t[i].verp ? t[i].verp : "(several)");
	}
	buf_reset(&out);
	CHECK_INT(tag_return_path("b+%x@x", "c", NULL, &out), -1, "unknown placeholder");
	buf_free(&out);
}

static void
test_unsub(void)
{
	static const struct {
		const char *tmpl, *want;
	} t[] = {
		{"https://u.example/unsub", "https://u.example/unsub?c=c1&r=a%2Bb%40d.example&t=TOK"},
		{"https://u.example/u?x=1", "https://u.example/u?x=1&c=c1&r=a%2Bb%40d.example&t=TOK"},
		{"https://u.example/%c/%t?r=%r", "https://u.example/c1/TOK?r=a%2Bb%40d.example"},
		{"https://u.example/100%%/%t", "https://u.example/100%/TOK"},
	};
	struct buf out;
	size_t	i;

	buf_init(&out, 1024);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&out);
		CHECK_INT(tag_unsub_url(t[i].tmpl, "c1", "a+b@d.example", "TOK", &out), 0, "url");
		CHECK_STR(buf_cstr(&out), t[i].want, "url %s", t[i].tmpl);
	}
	buf_reset(&out);
	CHECK_INT(tag_unsub_mailto("unsub+%c+%t@l.example", "c1", "TOK", &out), 0, "mailto");
	CHECK_STR(buf_cstr(&out), "mailto:unsub+c1+TOK@l.example", "mailto expanded");
	buf_free(&out);

	buf_init(&out, 16);
	CHECK_INT(tag_unsub_url("https://u.example/long", "c1", "a@b", "TOK", &out), -1,
	    "url over the buffer's bound");
	CHECK_INT(errno, EMSGSIZE, "errno says too long");
	buf_free(&out);
}

static void
test_verp_ok(void)
{
	static const struct {
		const char *in;
		int	want;
	} t[] = {
		{"user=d.example", 1}, {"a+b=d", 1}, {"", 0}, {"\"a b\"=d", 0},
		{"a\xc3\xa9=d", 0}, {"a(b)=d", 0},
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK_INT(tag_verp_ok(t[i].in), t[i].want, "verp \"%s\"", t[i].in);
}

int
main(void)
{
	test_id_valid();
	test_trim();
	test_header_index();
	test_template_check();
	test_return_path();
	test_unsub();
	test_verp_ok();
	return TEST_DONE("test_tag");
}
