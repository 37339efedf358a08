/*
 * NAME
 *	classify - bounce classifier rules: load and match (see classify.h)
 * SYNOPSIS
 *	#include "classify.h"
 * DESCRIPTION
 *	Rules are compiled once with regcomp(REG_EXTENDED | REG_ICASE |
 *	REG_NOSUB) and tried in file order.  A rules file is read whole (at
 *	most CLASSIFY_FILE_MAX bytes) and parsed line by line; the first bad
 *	line stops the load, so a half-read rule set is never used.
 * DIAGNOSTICS
 *	Nothing is printed; failures fill struct cerr as "name:line: problem".
 * SEE ALSO
 *	regex(3), postfix-conf/bounce-rules, KumoMTA's bounce classifier
 *	(the idea of regex rules per category).
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "classify.h"

#define CLASSIFY_FILE_MAX	(1024 * 1024)

struct rule {
	char	category[CLASSIFY_NAME_MAX + 1];
	regex_t	re;
};

struct classify {
	struct rule *rules;
	size_t	n;
};

int
classify_name_ok(const char *s, size_t n)
{
	size_t	i;

	if (n < 1 || n > CLASSIFY_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* add_rule - compile one "category regex" line (already trimmed) */
static int
add_rule(struct classify *c, const char *line, size_t n, struct cerr *e)
{
	size_t	w = 0, r;
	struct rule *rule;
	char	re[CLASSIFY_LINE_MAX + 1], why[128];
	int	err;

	while (w < n && !is_blank((unsigned char)line[w]))
		w++;
	if (!classify_name_ok(line, w))
		return cerr_set(e, "bad category \"%.*s\" (1-%d of a-z 0-9 -)",
		    (int)(w > 40 ? 40 : w), line, CLASSIFY_NAME_MAX);
	for (r = w; r < n && is_blank((unsigned char)line[r]); r++)
		;
	if (r == n)
		return cerr_set(e, "category %.*s has no regular expression", (int)w, line);
	if (c->n >= CLASSIFY_RULES_MAX)
		return cerr_set(e, "more than %d rules", CLASSIFY_RULES_MAX);
	rule = &c->rules[c->n];
	memcpy(re, line + r, n - r);
	re[n - r] = '\0';
	if ((err = regcomp(&rule->re, re, REG_EXTENDED | REG_ICASE | REG_NOSUB)) != 0) {
		regerror(err, &rule->re, why, sizeof(why));
		return cerr_set(e, "bad regular expression: %s", why);
	}
	memcpy(rule->category, line, w);
	rule->category[w] = '\0';
	c->n++;
	return 0;
}

/* parse_line - one physical line: comment, blank, or rule */
static int
parse_line(struct classify *c, const char *p, size_t n, struct cerr *e)
{
	size_t	i;

	if (n > CLASSIFY_LINE_MAX)
		return cerr_set(e, "line longer than %d bytes", CLASSIFY_LINE_MAX);
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < ' ' && p[i] != '\t' && !(p[i] == '\r' && i == n - 1))
			return cerr_set(e, "NUL or control character in line");
	while (n > 0 && is_blank((unsigned char)*p))
		p++, n--;
	while (n > 0 && (is_blank((unsigned char)p[n - 1]) || p[n - 1] == '\r'))
		n--;
	if (n == 0 || *p == '#')
		return 0;
	return add_rule(c, p, n, e);
}

struct classify *
classify_parse(const char *text, size_t n, const char *name, struct cerr *e)
{
	struct classify *c = calloc(1, sizeof(*c));
	const char *p = text, *end = text + n, *nl;
	struct cerr le;
	int	lineno = 0;

	if (c == NULL || (c->rules = calloc(CLASSIFY_RULES_MAX, sizeof(*c->rules))) == NULL) {
		free(c);
		cerr_set(e, "%s: out of memory", name);
		return NULL;
	}
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		lineno++;
		if (parse_line(c, p, (size_t)(nl - p), &le) < 0) {
			cerr_set(e, "%s:%d: %s", name, lineno, le.msg);
			classify_free(c);
			return NULL;
		}
	}
	return c;
}

/* read_all - the whole file into b */
static int
read_all(const char *path, struct buf *b, struct cerr *e)
{
	FILE   *fp = fopen(path, "r");
	char	chunk[8192];
	size_t	got;

	if (fp == NULL)
		return cerr_set(e, "%s: cannot open: %s", path, strerror(errno));
	while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (buf_append(b, chunk, got) < 0) {
			fclose(fp);
			return cerr_set(e, "%s: larger than %d bytes", path, CLASSIFY_FILE_MAX);
		}
	if (ferror(fp)) {
		fclose(fp);
		return cerr_set(e, "%s: read error", path);
	}
	fclose(fp);
	return 0;
}

struct classify *
classify_load(const char *path, struct cerr *e)
{
	struct classify *c = NULL;
	struct buf b;

	buf_init(&b, CLASSIFY_FILE_MAX);
	if (read_all(path, &b, e) == 0)
		c = classify_parse(b.data ? b.data : "", b.len, path, e);
	buf_free(&b);
	return c;
}

const char *
classify_match(const struct classify *c, const char *subject)
{
	size_t	i;

	for (i = 0; c != NULL && i < c->n; i++)
		if (regexec(&c->rules[i].re, subject, 0, NULL, 0) == 0)
			return c->rules[i].category;
	return CLASSIFY_OTHER;
}

size_t
classify_subject(char *out, size_t outlen, const char *code, const char *status,
		 const char *text, size_t textlen)
{
	int	k;
	size_t	len, i;

	if (outlen == 0)
		return 0;
	k = snprintf(out, outlen, "%.3s %.16s ", code && *code ? code : "000",
	    status && *status ? status : "0.0.0");
	len = k < 0 ? 0 : (size_t)k >= outlen ? outlen - 1 : (size_t)k;
	for (i = 0; i < textlen && len + 1 < outlen; i++) {
		unsigned char ch = (unsigned char)text[i];

		out[len++] = ch < ' ' || ch == 0x7f ? ' ' : (char)ch;
	}
	out[len] = '\0';
	return len;
}

size_t
classify_count(const struct classify *c)
{
	return c ? c->n : 0;
}

void
classify_free(struct classify *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		regfree(&c->rules[i].re);
	free(c->rules);
	free(c);
}
