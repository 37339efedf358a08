/*
 * NAME
 *	fuzz_unsub - libFuzzer target: campaign-unsubscribe's request parser
 *	(unsubscribe/request.c) and page escaping (unsubscribe/page.c)
 * SOURCES: unsubscribe/request.c unsubscribe/page.c
 * DESCRIPTION
 *	The input (at most 8 kB) is parsed as a request target against three
 *	URL templates and a mailto: template, as a POST body with no content
 *	type, urlencoded and multipart (the boundary from the first line of
 *	the input), and escaped into an HTML page.  Invariants: a parsed
 *	request has a campaign of 1..64 id characters, a 43-character token
 *	of the base64url alphabet and (URL form) a lower-case recipient key
 *	with an '@'; nothing raw of '<', '>', '"', '&' reaches the page; a
 *	target over 2048 bytes is always UNSUB_TOOLONG.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unsub.h"

#define IN_MAX 8192

static void
check_req(const struct unsub_req *r, int mail)
{
	size_t	i, n = strlen(r->campaign);

	if (n < 1 || n > SUPENTRY_CAMPAIGN_MAX || strlen(r->token) != HMAC_TOKEN_LEN)
		abort();
	for (i = 0; i < n; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.",
		    r->campaign[i]))
			abort();
	for (i = 0; i < HMAC_TOKEN_LEN; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
		    r->token[i]))
			abort();
	if (mail)
		return;
	if (strchr(r->rcpt, '@') == NULL)
		abort();
	for (i = 0; r->rcpt[i]; i++)
		if ((r->rcpt[i] >= 'A' && r->rcpt[i] <= 'Z') || (unsigned char)r->rcpt[i] <= ' ')
			abort();
}

static void
parse_all(const char *s, size_t n)
{
	static const char *const urls[] = {
		"https://u.example/u", "https://u.example/u/%c/%r/%t",
		"https://u.example/x/%t/%c/%r.html",
	};
	struct unsub_tmpl t;
	struct unsub_req r;
	struct cerr e;
	enum unsub_parse p;
	size_t	i;

	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		if (unsub_tmpl_url(&t, urls[i], &e) < 0)
			abort();
		p = unsub_parse_target(&t, s, n, &r, &e);
		if (p == UNSUB_PARSED)
			check_req(&r, 0);
		if (n > UNSUB_TARGET_MAX && p != UNSUB_TOOLONG)
			abort();
	}
	if (unsub_tmpl_mail(&t, "Unsub+%c.%t@L.example", &e) < 0)
		abort();
	if (unsub_parse_target(&t, s, n, &r, &e) == UNSUB_PARSED)
		check_req(&r, 1);
}

static void
bodies(const char *s, size_t n)
{
	char	ctype[128];
	const char *nl = memchr(s, '\n', n < 60 ? n : 60);

	(void)unsub_body_ok(NULL, s, n);
	(void)unsub_body_ok("application/x-www-form-urlencoded", s, n);
	snprintf(ctype, sizeof(ctype), "multipart/form-data; boundary=%.*s",
	    nl ? (int)(nl - s) : 0, s);
	if (memchr(ctype, '\0', strlen(ctype)) == NULL)
		(void)unsub_body_ok(ctype, nl ? nl + 1 : s, nl ? n - (size_t)(nl + 1 - s) : n);
}

static void
page(const char *s, size_t n)
{
	char   *z = malloc(n + 1);
	struct buf b;

	if (z == NULL)
		return;
	memcpy(z, s, n);
	z[n] = '\0';
	buf_init(&b, 1 << 20);
	if (page_confirm(&b, z) == 0 && strlen(z) > 0) {
		const char *at = strstr(b.data, "<b>") + 3;
		const char *end = strstr(at, "</b>");

		if (memchr(at, '<', (size_t)(end - at)) || memchr(at, '"', (size_t)(end - at)))
			abort();
	}
	buf_free(&b);
	free(z);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;

	if (size > IN_MAX)
		return 0;
	parse_all(s, size);
	bodies(s, size);
	page(s, size);
	return 0;
}
