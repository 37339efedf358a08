/*
 * NAME
 *	fuzz_milterhdr - libFuzzer target: campaign-milter's header and
 *	envelope handling (lib/tag.c with lib/addr.c)
 * DESCRIPTION
 *	The input (at most 8 kB) is split at its first two NUL bytes into a
 *	header name, a header value and a template, as libmilter hands
 *	them to mlfi_header() and as campaign.conf gives templates.  Does
 *	what the milter does with them: tag_header_index(), tag_trim() and
 *	tag_id_valid() on the value (the X-Campaign-ID path, also a senders
 *	table value); the value as an envelope recipient (addr_parse_path,
 *	addr_key, addr_verp, tag_verp_ok); then tag_return_path(),
 *	tag_unsub_url(), tag_unsub_mailto() and tag_expand() with the
 *	template when tag_template_check() accepts it, and with fixed ones.
 *	Invariants: the trimmed value lies inside the value, a valid id is
 *	1..TAG_ID_MAX bytes, a header index names a header that maps back
 *	to it, outputs stay within their buffer's maximum, hold no NUL, and no
 *	CR or LF unless the template or value brought one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "tag.h"

#define IN_MAX 8192
#define OUT_MAX 2048

static int clean;		/* the template has no CR or LF */

static void
check_out(const struct buf *b)
{
	if (b->len > OUT_MAX || strlen(buf_cstr(b)) != b->len)
		abort();
	if (clean && (memchr(buf_cstr(b), '\r', b->len) || memchr(buf_cstr(b), '\n', b->len)))
		abort();
}

static const char *
header_id(const char *name, const char *value, char id[TAG_ID_MAX + 1])
{
	const char *v;
	size_t	n = 0;
	int	i = tag_header_index(name);

	if (i >= 0 && (i >= TAG_NHEADERS || strcasecmp(tag_header_name(i), name) != 0))
		abort();
	v = tag_trim(value, &n);
	if (v < value || v + n > value + strlen(value))
		abort();
	if (!tag_id_valid(v, n))
		return "c1";
	if (n < 1 || n > TAG_ID_MAX)
		abort();
	memcpy(id, v, n);
	id[n] = '\0';
	return id;
}

static void
expand_all(const char *tmpl, const char *id, const char *key, const char *verp)
{
	struct tag_var vars[3] = {{'c', id, 0}, {'r', key, 1}, {'t', "tok", 0}};
	struct buf out;
	struct cerr e;

	buf_init(&out, OUT_MAX);
	if (tag_template_check(tmpl, "crt", &e) == 0 && tag_expand(tmpl, vars, 3, &out) == 0)
		check_out(&out);
	buf_reset(&out);
	if (tag_template_check(tmpl, "cr", &e) == 0 && tag_return_path(tmpl, id, verp, &out) == 0)
		check_out(&out);
	buf_reset(&out);
	if (tag_return_path("bounces+%r@example.com", id, verp, &out) == 0)
		check_out(&out);
	buf_reset(&out);
	if (tag_unsub_url("https://u.example/?t=%t&r=%r&c=%c", id, key, "tok", &out) == 0)
		check_out(&out);
	buf_reset(&out);
	if (tag_template_check(tmpl, "crt", &e) == 0
	    && tag_unsub_url(tmpl, id, key, "tok", &out) == 0)
		check_out(&out);
	buf_reset(&out);
	if (tag_template_check(tmpl, "ct", &e) == 0
	    && tag_unsub_mailto(tmpl, id, "tok", &out) == 0)
		check_out(&out);
	buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char   *in, *name, *value, *tmpl;
	char	id[TAG_ID_MAX + 1], key[ADDR_KEY_MAX + 1], verp[ADDR_KEY_MAX + 1];
	const char *cid;
	struct addr a;

	if (size > IN_MAX || (in = calloc(1, size + 3)) == NULL)
		return 0;
	memcpy(in, data, size);
	name = in;
	value = name + strlen(name) + 1;
	if (value > in + size)
		value = in + size + 1;
	tmpl = value + strlen(value) + 1;
	if (tmpl > in + size + 1)
		tmpl = in + size + 2;
	cid = header_id(name, value, id);
	key[0] = verp[0] = '\0';
	if (addr_parse_path(value, strlen(value), &a, NULL, NULL) == 0) {
		if (addr_key(&a, key, sizeof(key)) < 0)
			abort();
		if (addr_verp(&a, verp, sizeof(verp)) < 0 || !tag_verp_ok(verp))
			verp[0] = '\0';
	}
	clean = strpbrk(tmpl, "\r\n") == NULL && strpbrk(value, "\r\n") == NULL;
	expand_all(tmpl, cid, key, verp[0] ? verp : NULL);
	free(in);
	return 0;
}
