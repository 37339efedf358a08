/*
 * NAME
 *	test_unsub_request - unit tests for campaign-unsubscribe's parsing
 *	(unsubscribe/request.c) and pages (unsubscribe/page.c)
 * DESCRIPTION
 *	The URLs parsed here are made by the milter's own code
 *	(milter/tag.c, tag_unsub_url) and tokens by lib/hmac.c, so the
 *	endpoint and the writer of the links cannot drift apart.
 */
#include <stdio.h>
#include <string.h>

#include "tag.h"
#include "testhelp.h"
#include "unsub.h"

static struct buf secret;

static void
test_templates(void)
{
	static const struct {
		const char *url, *want;
		int	r;
	} t[] = {
		{"https://u.example/unsub", "/unsub?c=%c&r=%r&t=%t", 0},
		{"https://u.example/u?list=7", "/u?list=7&c=%c&r=%r&t=%t", 0},
		{"https://u.example", "/?c=%c&r=%r&t=%t", 0},
		{"https://u.example/u/%c/%r/%t", "/u/%c/%r/%t", 0},
		{"https://u.example/100%%/u", "/100%%/u?c=%c&r=%r&t=%t", 0},
		{"https://u.example/u/%c/%t", "", -1},		/* no %r */
		{"https://u.example/u/%c/%r/%t/%t", "", -1},	/* %t twice */
		{"https://u.example/u/%x", "", -1},
		{"https://u.example/u/%c.%r/%t", "", -1},	/* where does %c end? */
		{"https://u.example/u/%c%r/%t", "", -1},
		{"/u", "", -1},					/* not absolute */
	};
	struct unsub_tmpl tm;
	struct cerr e;
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			CHECK_INT(unsub_tmpl_url(&tm, t[i].url, &e), t[i].r, "tmpl %s", t[i].url);
		if (t[i].r == 0)
			CHECK_STR(tm.text, t[i].want, "tmpl %s", t[i].url);
	}
	CHECK_INT(unsub_tmpl_mail(&tm, "mailto:unsub+%c+%t@l.example", &e), 0, "mailto");
	CHECK_STR(tm.text, "unsub+%c+%t@l.example", "mailto: dropped");
	CHECK_INT(unsub_tmpl_mail(&tm, "unsub+%c@l.example", &e), -1, "mailto without %%t");
	CHECK_INT(unsub_tmpl_mail(&tm, "unsub+%c+%r+%t@l.example", &e), -1, "mailto with %%r");
}

/* round_trip - the milter's URL for (campaign, rcpt) parses back */
static void
round_trip(const char *tmpl, const char *campaign, const char *rcpt, const char *key)
{
	char	tok[HMAC_TOKEN_LEN + 1];
	struct unsub_tmpl tm;
	struct unsub_req r;
	struct buf url;
	struct cerr e;
	const char *target;
	char	want[4096];

	buf_init(&url, 8192);
	hmac_token(&secret, campaign, key, tok);
	CHECK_INT(tag_unsub_url(tmpl, campaign, key, tok, &url), 0, "expand %s", rcpt);
	unsub_tmpl_url(&tm, tmpl, &e);
	snprintf(want, sizeof(want), "%s", strchr(strstr(url.data, "://") + 3, '/'));
	target = want;
	CHECK_INT(unsub_parse_target(&tm, target, strlen(target), &r, &e), UNSUB_PARSED,
	    "parse %s", target);
	CHECK_STR(r.campaign, campaign, "campaign of %s", target);
	CHECK_STR(r.rcpt, key, "recipient of %s", target);
	CHECK_STR(r.token, tok, "token of %s", target);
	CHECK_INT(unsub_verify(&secret, &r), 1, "verify %s", target);
	CHECK_INT(unsub_fill(&tm, &r, &url), 0, "fill %s", target);
	CHECK_STR(url.data, target, "fill gives the milter's target back");
	buf_free(&url);
}

static void
test_round_trips(void)
{
	static const char *const tmpls[] = {
		"https://u.example/unsub", "https://u.example/u?list=7",
		"https://u.example/u/%c/%r/%t", "https://u.example/x/%t/%c/%r.html",
		"https://u.example/%r/%c/%t",
	};
	static const char *const rcpts[][2] = {
		{"plain@example.com", "plain@example.com"},
		{"a+b@d.example", "a+b@d.example"},
		{"o'neil.x@x.example", "o'neil.x@x.example"},
		{"u=x&y@x.example", "u=x&y@x.example"},
		{"dots.in.local@sub.x.example", "dots.in.local@sub.x.example"},
		{"LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLl@x.example",
		 "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll@x.example"},
	};
	size_t	i, j;

	for (i = 0; i < sizeof(tmpls) / sizeof(tmpls[0]); i++)
		for (j = 0; j < sizeof(rcpts) / sizeof(rcpts[0]); j++)
			round_trip(tmpls[i], j % 2 ? "spring.2026" : "c1", rcpts[j][0], rcpts[j][1]);
}

static void
test_bad_targets(void)
{
	static const struct {
		const char *s;
		enum unsub_parse want;
	} t[] = {
		{"/other?c=c1&r=a%40b.example&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", UNSUB_NOTOURS},
		{"/", UNSUB_NOTOURS},
		{"", UNSUB_NOTOURS},
		{"/unsub?c=c1&r=a%40b.example&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", UNSUB_MALFORMED},
		{"/unsub?c=c1&r=a%40b.example&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", UNSUB_MALFORMED},
		{"/unsub?c=c1&r=a%40b.example&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+", UNSUB_MALFORMED},
		{"/unsub?c=c1&r=a%40b.example&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&x=1", UNSUB_MALFORMED},
		{"/unsub?c=&r=a%40b.example&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", UNSUB_MALFORMED},
		{"/unsub?c=c1&r=&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", UNSUB_MALFORMED},
		{"/unsub?c=c1&r=nodomain&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", UNSUB_MALFORMED},
		{"/unsub?c=c1&r=a%00%40b.example&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", UNSUB_MALFORMED},
		{"/unsub?c=c1&r=a%0d%0a%40b.example&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", UNSUB_MALFORMED},
		{"/unsub?c=c1&r=a%4@b.example&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", UNSUB_MALFORMED},
		{"/unsub?c=c1&r=a%4&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", UNSUB_MALFORMED},
		{"/unsub?c=c1&r=%3Ca%40b.example%3E&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", UNSUB_MALFORMED},
		{"/unsub?c=c1&r=a%C3%A9%40b.example&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", UNSUB_MALFORMED},
		{"/unsub?c=c%201&r=a%40b.example&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", UNSUB_MALFORMED},
	};
	struct unsub_tmpl tm;
	struct unsub_req r;
	struct cerr e;
	char	longer[UNSUB_TARGET_MAX + 64];
	size_t	i;

	unsub_tmpl_url(&tm, "https://u.example/unsub", &e);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK_INT(unsub_parse_target(&tm, t[i].s, strlen(t[i].s), &r, &e), t[i].want,
		    "target %s", t[i].s);
	memset(longer, 'a', sizeof(longer));
	memcpy(longer, "/unsub?c=", 9);
	CHECK_INT(unsub_parse_target(&tm, longer, sizeof(longer), &r, &e), UNSUB_TOOLONG, "too long");
	/* a raw '@' and '+' (a client that decoded the URL) is still the address */
	CHECK_INT(unsub_parse_target(&tm, "/unsub?c=c1&r=A+b@B.example&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    strlen("/unsub?c=c1&r=A+b@B.example&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), &r, &e),
	    UNSUB_PARSED, "raw @ and +");
	CHECK_STR(r.rcpt, "a+b@b.example", "raw: folded key");
	CHECK_INT(unsub_verify(&secret, &r), 0, "forged token is not valid");
}

static void
test_mailto(void)
{
	char	tok[HMAC_TOKEN_LEN + 1], addr[256];
	struct unsub_tmpl tm;
	struct unsub_req r;
	struct cerr e;

	hmac_token(&secret, "spring.2026", "u@x.example", tok);
	unsub_tmpl_mail(&tm, "Unsub+%c.%t@L.Example", &e);
	snprintf(addr, sizeof(addr), "unsub+spring.2026.%s@l.EXAMPLE", tok);
	CHECK_INT(unsub_parse_target(&tm, addr, strlen(addr), &r, &e), UNSUB_PARSED, "mailto %s", addr);
	CHECK_STR(r.campaign, "spring.2026", "mailto campaign (a dot before the token)");
	CHECK_STR(r.token, tok, "mailto token");
	CHECK_INT(unsub_verify(&secret, &r), 0, "no recipient yet: not valid");
	strcpy(r.rcpt, "u@x.example");
	CHECK_INT(unsub_verify(&secret, &r), 1, "with the writer's address: valid");
	CHECK_INT(unsub_parse_target(&tm, "other@l.example", 15, &r, &e), UNSUB_NOTOURS, "other address");
	CHECK_INT(unsub_parse_target(&tm, "unsub+c1@l.example", 18, &r, &e), UNSUB_MALFORMED, "no token");
}

static void
test_bodies(void)
{
	static const struct {
		const char *ctype, *body;
		int	want;
	} t[] = {
		{"application/x-www-form-urlencoded", "List-Unsubscribe=One-Click", 1},
		{NULL, "List-Unsubscribe=One-Click", 1},
		{"application/x-www-form-urlencoded; charset=utf-8", "List-Unsubscribe=One-Click\r\n", 1},
		{"application/x-www-form-urlencoded", "a=b&List-Unsubscribe=One-Click", 1},
		{"application/x-www-form-urlencoded", "List-Unsubscribe=One%2DClick", 1},
		{"application/x-www-form-urlencoded", "List-Unsubscribe=One-Clicks", 0},
		{"application/x-www-form-urlencoded", "List-Unsubscribe=Yes", 0},
		{"application/x-www-form-urlencoded", "list-unsubscribe=one-click", 0},
		{"application/x-www-form-urlencoded", "", 0},
		{"text/plain", "List-Unsubscribe=One-Click", 0},
		{"application/json", "{\"List-Unsubscribe\":\"One-Click\"}", 0},
		{"multipart/form-data; boundary=XyZ",
		 "--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
		 "One-Click\r\n--XyZ--\r\n", 1},
		{"multipart/form-data; boundary=\"a b\"",
		 "preamble\r\n--a b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\ny\r\n"
		 "--a b\r\ncontent-disposition: form-data; name=List-Unsubscribe\r\n"
		 "Content-Type: text/plain\r\n\r\nOne-Click\r\n--a b--\r\n", 1},
		{"multipart/form-data; boundary=XyZ",
		 "--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
		 "Two-Click\r\n--XyZ--\r\n", 0},
		{"multipart/form-data; boundary=XyZ",
		 "--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
		 "One-Click", 0},
		{"multipart/form-data", "--XyZ\r\n\r\n", 0},
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK_INT(unsub_body_ok(t[i].ctype, t[i].body, strlen(t[i].body)), t[i].want,
		    "body %zu (%s)", i, t[i].body);
	CHECK_INT(unsub_body_ok(NULL, "List-Unsubscribe=One-Click\0", 27), 0, "NUL byte");
}

static void
test_pages(void)
{
	struct buf b;

	buf_init(&b, 8192);
	html_escape(&b, "<a href=\"x\">&'");
	CHECK_STR(b.data, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;", "escape");
	CHECK_INT(page_confirm(&b, "o'neil&<x>@x.example"), 0, "confirm page");
	CHECK(strstr(b.data, "<form method=\"post\">") != NULL, "confirm: form posts");
	CHECK(strstr(b.data, "name=\"List-Unsubscribe\" value=\"One-Click\"") != NULL,
	    "confirm: the one-click pair");
	CHECK(strstr(b.data, "o&#39;neil&amp;&lt;x&gt;@x.example") != NULL, "confirm: escaped");
	CHECK(strstr(b.data, "<x>") == NULL, "confirm: nothing raw");
	CHECK_INT(page_done(&b, "u@x.example"), 0, "done page");
	CHECK(strstr(b.data, "Unsubscribed") != NULL, "done: says so");
	CHECK_INT(page_error(&b, 403, "bad <link>"), 0, "error page");
	CHECK(strstr(b.data, "bad &lt;link&gt;") != NULL, "error: escaped");
	buf_free(&b);
}

int
main(void)
{
	buf_init(&secret, 4096);
	buf_puts(&secret, "unit-test-secret");
	test_templates();
	test_round_trips();
	test_bad_targets();
	test_mailto();
	test_bodies();
	test_pages();
	buf_free(&secret);
	return TEST_DONE("test_unsub_request");
}
