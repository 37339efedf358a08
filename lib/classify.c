/*
 * NAME
 *	classify - bounce classifier rules: load and match (see classify.h)
 * SYNOPSIS
 *	#include "classify.h"
 * DESCRIPTION
 *	Rules are compiled once with regcomp(REG_EXTENDED | REG_ICASE |
 *	REG_NOSUB) and tried in file order.  Before regcomp, regex_cost()
 *	refuses what makes glibc's compiler take gigabytes (found by
 *	fuzz_classify: "a+++...+" doubles its work per '+'): a repetition
 *	right after a repetition, repetitions nested more than two deep
 *	("((a+)+)+"), a {n,m} bound over 255, more than 64 nested groups; and
 *	a back-reference, whose matching time grows with the text a bounce
 *	supplies.  A rules file is read whole (at
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

#define RE_DUP_LIMIT	255	/* largest {n,m} bound */
#define RE_NEST_LIMIT	2	/* repetitions nested inside repetitions */
#define RE_DEPTH	64	/* parentheses */

/* skip_bracket - past a bracket expression starting at re[i] == '[' */
static size_t
skip_bracket(const char *re, size_t i)
{
	i++;
	if (re[i] == '^')
		i++;
	if (re[i] == ']')
		i++;
	for (; re[i] && re[i] != ']'; i++)
		if (re[i] == '[' && (re[i + 1] == ':' || re[i + 1] == '.' || re[i + 1] == '=')) {
			const char *end = strchr(re + i + 2, re[i + 1]);

			while (end != NULL && end[1] != ']')
				end = strchr(end + 1, re[i + 1]);
			if (end == NULL)
				return strlen(re);
			i = (size_t)(end - re) + 1;
		}
	return re[i] ? i + 1 : i;
}

/* rep_len - length of a repetition operator at re + i (0 if none); checks bounds */
static size_t
rep_len(const char *re, size_t i, int *bad)
{
	char   *end;
	long	n;
	size_t	j;

	if (re[i] == '*' || re[i] == '+' || re[i] == '?')
		return 1;
	if (re[i] != '{')
		return 0;
	for (j = i + 1; re[j] && re[j] != '}'; j++) {
		if (re[j] >= '0' && re[j] <= '9' && ((n = strtol(re + j, &end, 10)) > RE_DUP_LIMIT))
			*bad = 1;
		if (re[j] >= '0' && re[j] <= '9')
			j = (size_t)(end - re) - 1;
	}
	return re[j] ? j - i + 1 : j - i;
}

/* regex_cost - refuse what makes glibc's regcomp explode: repetition of a
 * repetition ("a++", nested deeper than RE_NEST_LIMIT) and huge bounds */
static const char *
regex_cost(const char *re)
{
	int	level[RE_DEPTH + 1] = {0}, depth = 0, prev_rep = 0, bad = 0, val = 0;
	size_t	i = 0, r;

	while (re[i]) {
		if ((r = rep_len(re, i, &bad)) > 0) {
			if (prev_rep || bad)
				return bad ? "a repetition bound over 255" : "a repetition of a repetition";
			if (++val > level[depth])
				level[depth] = val;
			prev_rep = 1;
			i += r;
			continue;
		}
		prev_rep = 0;
		val = 0;
		if (re[i] == '\\' && re[i + 1] >= '1' && re[i + 1] <= '9')
			return "a back-reference (its matching time grows with hostile text)";
		if (re[i] == '(') {
			if (depth >= RE_DEPTH)
				return "parentheses nested too deep";
			level[++depth] = 0;
		} else if (re[i] == ')' && depth > 0) {
			val = level[depth--];	/* the group's own nesting */
			if (val > level[depth])
				level[depth] = val;
		}
		i = re[i] == '[' ? skip_bracket(re, i) : i + (re[i] == '\\' && re[i + 1] ? 2 : 1);
		if (re[i - 1] != ')' && val)
			val = 0;
	}
	return level[0] > RE_NEST_LIMIT ? "repetitions nested more than two deep" : NULL;
}

int
classify_regcomp(regex_t *rx, const char *re, struct cerr *e)
{
	const char *cost;
	char	why[128];
	int	err;

	if ((cost = regex_cost(re)) != NULL)
		return cerr_set(e, "regular expression too costly: %s", cost);
	if ((err = regcomp(rx, re, REG_EXTENDED | REG_ICASE | REG_NOSUB)) != 0) {
		regerror(err, rx, why, sizeof(why));
		return cerr_set(e, "bad regular expression: %s", why);
	}
	return 0;
}

/* add_rule - compile one "category regex" line (already trimmed) */
static int
add_rule(struct classify *c, const char *line, size_t n, struct cerr *e)
{
	size_t	w = 0, r;
	struct rule *rule;
	char	re[CLASSIFY_LINE_MAX + 1];

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
	if (classify_regcomp(&rule->re, re, e) < 0)
		return -1;
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

struct classify *
classify_load(const char *path, struct cerr *e)
{
	struct classify *c = NULL;
	struct buf b;

	buf_init(&b, CLASSIFY_FILE_MAX);
	if (buf_read_file(&b, path, e) == 0)
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
