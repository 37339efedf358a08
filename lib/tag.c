/*
 * NAME
 *	tag - campaign ids, return paths and tag header values (see tag.h)
 * DESCRIPTION
 *	Pure string work: no libmilter, no logging, no global state, so
 *	any number of milter threads may call it at once; campaign-filter
 *	writes the same values into each copy of a batch.
 * SEE ALSO
 *	RFC 5322 3.2.3 (atext), RFC 3986 2.3 (unreserved), RFC 8058.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "tag.h"

static const char *const header_names[TAG_NHEADERS] = {
	"X-Campaign-ID", "Precedence", "Feedback-ID",
	"List-Unsubscribe", "List-Unsubscribe-Post",
};

static int
is_alnum(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int
tag_id_valid(const char *s, size_t n)
{
	size_t	i;

	if (n < 1 || n > TAG_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_alnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

static int
is_fws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

const char *
tag_trim(const char *s, size_t *n)
{
	size_t	len = strlen(s);

	while (len && is_fws((unsigned char)*s))
		s++, len--;
	while (len && is_fws((unsigned char)s[len - 1]))
		len--;
	*n = len;
	return s;
}

int
tag_header_index(const char *name)
{
	int	i;

	for (i = 0; i < TAG_NHEADERS; i++)
		if (strcasecmp(name, header_names[i]) == 0)
			return i;
	return -1;
}

const char *
tag_header_name(int index)
{
	return index >= 0 && index < TAG_NHEADERS ? header_names[index] : "?";
}

int
tag_template_check(const char *tmpl, const char *allowed, struct cerr *e)
{
	const char *p;

	for (p = tmpl; (p = strchr(p, '%')) != NULL; p += 2) {
		if (p[1] == '%')
			continue;
		if (p[1] == '\0' || strchr(allowed, p[1]) == NULL)
			return cerr_set(e, "unknown placeholder \"%%%.1s\" (allowed: %%%% and %%%s)",
			    p[1] ? p + 1 : "", allowed);
	}
	return 0;
}

/* put_urlenc - append s percent-encoded, keeping RFC 3986 unreserved bytes */
static int
put_urlenc(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if (is_alnum(*p) || strchr("-._~", *p) != NULL) {
			if (buf_putc(out, *p) < 0)
				return -1;
		} else if (buf_appendf(out, "%%%c%c", hex[*p >> 4], hex[*p & 15]) < 0) {
			return -1;
		}
	}
	return 0;
}

static const struct tag_var *
find_var(const struct tag_var *vars, size_t nvars, char key)
{
	size_t	i;

	for (i = 0; i < nvars; i++)
		if (vars[i].key == key)
			return &vars[i];
	return NULL;
}

/* put_var - one expanded placeholder; a NULL value also drops a delimiter */
static int
put_var(struct buf *out, const struct tag_var *v, size_t start)
{
	if (v->val == NULL) {
		if (out->len > start && !is_alnum((unsigned char)out->data[out->len - 1]))
			buf_truncate(out, out->len - 1);
		return 0;
	}
	return v->urlenc ? put_urlenc(out, v->val) : buf_puts(out, v->val);
}

int
tag_expand(const char *tmpl, const struct tag_var *vars, size_t nvars, struct buf *out)
{
	const struct tag_var *v;
	size_t	start = out->len;
	const char *p;

	for (p = tmpl; *p; p++) {
		if (*p != '%') {
			if (buf_putc(out, *p) < 0)
				return -1;
			continue;
		}
		if (*++p == '%') {
			if (buf_putc(out, '%') < 0)
				return -1;
			continue;
		}
		if (*p == '\0' || (v = find_var(vars, nvars, *p)) == NULL) {
			errno = EINVAL;
			return -1;
		}
		if (put_var(out, v, start) < 0)
			return -1;
	}
	return 0;
}

int
tag_verp_ok(const char *verp)
{
	static const char special[] = "!#$%&'*+-/=?^_`{|}~.";
	const unsigned char *p;

	if (*verp == '\0')
		return 0;
	for (p = (const unsigned char *)verp; *p; p++)
		if (!is_alnum(*p) && strchr(special, *p) == NULL)
			return 0;
	return 1;
}

int
tag_return_path(const char *tmpl, const char *id, const char *verp, struct buf *out)
{
	struct tag_var vars[] = {
		{'c', id, 0},
		{'r', verp && tag_verp_ok(verp) ? verp : NULL, 0},
	};

	return tag_expand(tmpl, vars, 2, out);
}

int
tag_unsub_url(const char *tmpl, const char *id, const char *rcpt,
	      const char *token, struct buf *out)
{
	struct tag_var vars[] = {{'c', id, 1}, {'r', rcpt, 1}, {'t', token, 0}};
	const char *p;
	int	placeholders = 0;

	for (p = tmpl; (p = strchr(p, '%')) != NULL; p += 2)
		if (p[1] != '%')
			placeholders = 1;
	if (tag_expand(tmpl, vars, 3, out) < 0)
		return -1;
	if (placeholders)
		return 0;
	return tag_expand(strchr(tmpl, '?') ? "&c=%c&r=%r&t=%t" : "?c=%c&r=%r&t=%t",
	    vars, 3, out);
}

int
tag_unsub_mailto(const char *tmpl, const char *id, const char *token, struct buf *out)
{
	struct tag_var vars[] = {{'c', id, 0}, {'t', token, 0}};

	if (buf_puts(out, "mailto:") < 0)
		return -1;
	return tag_expand(tmpl, vars, 2, out);
}

int
tag_unsub_value(const struct campaign_conf *cf, const struct buf *secret,
		const char *id, const char *rcpt_key,
		char token[HMAC_TOKEN_LEN + 1], struct buf *out)
{
	int	url = cf->unsubscribe_url != NULL;

	if (*rcpt_key == '\0' || (!url && cf->unsubscribe_mailto == NULL))
		return 0;
	if (secret->len && hmac_token(secret, id, rcpt_key, token) < 0)
		return -1;
	if (url && (buf_putc(out, '<') < 0
	    || tag_unsub_url(cf->unsubscribe_url, id, rcpt_key, token, out) < 0
	    || buf_putc(out, '>') < 0))
		return -1;
	if (cf->unsubscribe_mailto && (buf_puts(out, url ? ", <" : "<") < 0
	    || tag_unsub_mailto(cf->unsubscribe_mailto, id, token, out) < 0
	    || buf_putc(out, '>') < 0))
		return -1;
	return 1;
}
