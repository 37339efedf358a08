/*
 * NAME
 *	srule - campaign-shaper's rules file (see shaper.h)
 * SYNOPSIS
 *	PROVIDER /REGEX/ [escalate=N] [probe=D] ACTION[,ACTION...] DURATION
 *	*        /REGEX/ [escalate=N] [probe=D] ACTION[,ACTION...] DURATION
 * DESCRIPTION
 *	One rule a line; '#' at the start of a line (after blanks) makes a
 *	comment.  PROVIDER names a line of the provider table, or "*" for
 *	whichever provider the deferral belongs to.  REGEX, between slashes,
 *	is a POSIX extended expression matched without regard to case on the
 *	deferral text (the parenthesised text of Postfix's status=deferred
 *	line: "host mx.example[192.0.2.1] said: 421 4.7.28 ... (in reply to
 *	RCPT TO command)"); it may hold slashes itself, since the line ends
 *	with two more words (and escalate=N, probe=D).  ACTION is
 *	concurrency=N (1..1000), rate_delay=DURATION (up to 1d) or suspend;
 *	up to SRULE_STEPS_MAX of them, comma-separated, are the rule's steps
 *	in order, and escalate=N (1..100000, default
 *	SRULE_ESCALATE_DEFAULT; only with two steps or more) the matches
 *	that take the next one (shaper.h, actions_hit); probe=D (up to 1d,
 *	default SRULE_PROBE_DEFAULT seconds, 0 none) the quiet spell after
 *	which a concurrency step gives one connection back (actions_probe).
 *	DURATION, how long
 *	each step lasts, is a number with s, m, h or d (1s to 7d).  Regular
 *	expressions pass lib/classify.c's cost checks.
 * DIAGNOSTICS
 *	"name:line: problem" lines in the caller's buffer.
 * SEE ALSO
 *	shaper.h, postfix-conf/shaper-rules, lib/classify.h
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "shaper.h"

static const char *const kind_names[] = { "concurrency", "rate_delay", "suspend" };

const char *
skind_name(enum skind k)
{
	return kind_names[k];
}

/* last_word - cut the last blank-separated word off s (trimmed, n bytes) */
static char *
last_word(char *s, size_t *n)
{
	size_t	i = *n;

	while (i > 0 && s[i - 1] != ' ' && s[i - 1] != '\t')
		i--;
	s[*n] = 0;
	*n = i;
	while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
		s[--*n] = 0;
	return s + i;
}

#define SYNTAX "expected PROVIDER /REGEX/ [escalate=N] [probe=D] ACTION[,ACTION...] DURATION"

/* parse_action - "concurrency=N", "rate_delay=D" or "suspend" */
static int
parse_action(const char *w, struct sstep *r, struct cerr *e)
{
	char   *end;

	if (strcmp(w, "suspend") == 0) {
		r->kind = SK_SUSPEND;
		r->value = 0;
		return 0;
	}
	if (strncmp(w, "concurrency=", 12) == 0) {
		r->kind = SK_CONCURRENCY;
		errno = 0;
		r->value = strtol(w + 12, &end, 10);
		if (w[12] >= '0' && w[12] <= '9' && !errno && !*end && r->value >= 1
		    && r->value <= 1000)
			return 0;
		return cerr_set(e, "concurrency= needs a number from 1 to 1000");
	}
	if (strncmp(w, "rate_delay=", 11) == 0) {
		r->kind = SK_RATE_DELAY;
		if (provider_duration(w + 11, 86400, &r->value) == 0 && r->value > 0)
			return 0;
		return cerr_set(e, "rate_delay= needs a duration from 1s to 1d");
	}
	return cerr_set(e, "unknown action \"%.40s\" (concurrency=N, rate_delay=D, suspend)", w);
}

/* parse_steps - "ACTION[,ACTION...]" into r's steps */
static int
parse_steps(char *w, struct srule *r, struct cerr *e)
{
	char   *comma;

	for (r->nsteps = 0;; w = comma + 1) {
		if (r->nsteps == SRULE_STEPS_MAX)
			return cerr_set(e, "more than %d actions in one rule", SRULE_STEPS_MAX);
		if ((comma = strchr(w, ',')) != NULL)
			*comma = 0;
		if (parse_action(w, &r->step[r->nsteps++], e) < 0)
			return -1;
		if (comma == NULL)
			return 0;
	}
}

/* parse_escalate - the optional "escalate=N" before the actions */
static int
parse_escalate(const char *w, struct srule *r, struct cerr *e)
{
	char   *end;

	if (strncmp(w, "escalate=", 9) != 0)
		return cerr_set(e, SYNTAX);
	errno = 0;
	r->escalate = strtol(w + 9, &end, 10);
	if (!(w[9] >= '0' && w[9] <= '9') || errno || *end || r->escalate < 1
	    || r->escalate > SRULE_ESCALATE_MAX)
		return cerr_set(e, "escalate= needs a number from 1 to %d", SRULE_ESCALATE_MAX);
	if (r->nsteps < 2)
		return cerr_set(e, "escalate= needs two actions or more (ACTION,ACTION)");
	return 0;
}

/* parse_probe - the optional "probe=D" before the actions (0: no probe) */
static int
parse_probe(const char *w, struct srule *r, struct cerr *e)
{
	if (provider_duration(w + 6, SRULE_PROBE_MAX, &r->probe) < 0)
		return cerr_set(e, "probe= needs a duration up to 1d (0: no probe)");
	return 0;
}

/* parse_options - the optional words between /REGEX/ and the actions */
static int
parse_options(char *s, size_t *n, struct srule *r, struct cerr *e)
{
	const char *w;
	int	k;

	for (k = 0; *n > 0 && s[*n - 1] != '/'; k++) {
		if (k == 2)
			return cerr_set(e, SYNTAX);
		w = last_word(s, n);
		if (strncmp(w, "probe=", 6) == 0) {
			if (parse_probe(w, r, e) < 0)
				return -1;
		} else if (parse_escalate(w, r, e) < 0) {
			return -1;
		}
	}
	return 0;
}

/* parse_head - "PROVIDER /REGEX/" (s trimmed, n bytes) into r */
static int
parse_head(char *s, size_t n, const struct provider_table *t, struct srule *r,
	   struct cerr *e)
{
	size_t	w = strcspn(s, " \t"), i = w;

	if (!(w == 1 && s[0] == '*') && !provider_name_ok(s, w))
		return cerr_set(e, "bad provider \"%.*s\" (a name of the table, or *)",
		    (int)(w > 40 ? 40 : w), s);
	if (t != NULL && s[0] != '*' && provider_find(t, s, w) == NULL)
		return cerr_set(e, "provider %.*s is not in the provider table", (int)w, s);
	memcpy(r->provider, s, w);
	r->provider[w] = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i + 2 >= n || s[i] != '/' || s[n - 1] != '/')
		return cerr_set(e, SYNTAX);
	s[n - 1] = 0;
	return classify_regcomp(&r->re, s + i + 1, e);
}

/* parse_rule - one trimmed, non-comment line of n bytes */
static int
parse_rule(char *s, size_t n, const struct provider_table *t, struct srule *r,
	   struct cerr *e)
{
	char   *dur = last_word(s, &n), *act = last_word(s, &n);

	if (n == 0 || *act == 0)
		return cerr_set(e, SYNTAX);
	if (provider_duration(dur, SRULE_DURATION_MAX, &r->duration) < 0 || r->duration == 0)
		return cerr_set(e, "bad duration \"%.40s\" (1s to 7d)", dur);
	if (parse_steps(act, r, e) < 0)
		return -1;
	r->escalate = SRULE_ESCALATE_DEFAULT;
	r->probe = SRULE_PROBE_DEFAULT;
	if (parse_options(s, &n, r, e) < 0)
		return -1;
	if (n == 0)
		return cerr_set(e, SYNTAX);
	return parse_head(s, n, t, r, e);
}

/* parse_line - one line (no newline): comment, blank or rule */
static int
parse_line(struct srules *r, const char *p, size_t n, int lineno,
	   const struct provider_table *t, struct cerr *e)
{
	char	s[SRULE_LINE_MAX + 1], *b = s;
	struct srule rule = {0}, *v;
	size_t	i;

	if (n > SRULE_LINE_MAX)
		return cerr_set(e, "line longer than %d bytes", SRULE_LINE_MAX);
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < ' ' && p[i] != '\t' && !(p[i] == '\r' && i == n - 1))
			return cerr_set(e, "NUL or control character in line");
	memcpy(s, p, n);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	s[n] = 0;
	b += strspn(b, " \t");
	if (*b == 0 || *b == '#')
		return 0;
	if (r->n >= SRULES_MAX)
		return cerr_set(e, "more than %d rules", SRULES_MAX);
	rule.line = lineno;
	if (parse_rule(b, strlen(b), t, &rule, e) < 0)
		return -1;
	if ((v = realloc(r->v, (r->n + 1) * sizeof(*v))) == NULL) {
		regfree(&rule.re);
		return cerr_set(e, "out of memory");
	}
	r->v = v;
	r->v[r->n++] = rule;
	return 0;
}

int
srules_parse(struct srules *r, const char *text, size_t n, const char *name,
	     const struct provider_table *t, struct buf *errs)
{
	const char *p = text, *end = text + n, *nl;
	struct cerr e;
	int	lineno = 0, bad = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		lineno++;
		if (parse_line(r, p, (size_t)((nl ? nl : end) - p), lineno, t, &e) < 0) {
			buf_appendf(errs, "%s:%d: %s\n", name, lineno, e.msg);
			bad++;
		}
		p = nl ? nl + 1 : end;
	}
	return bad;
}

int
srules_load(struct srules *r, const char *path, const struct provider_table *t,
	    struct buf *errs)
{
	struct buf text;
	struct cerr e;
	int	bad = 1;

	buf_init(&text, SRULES_FILE_MAX);
	if (buf_read_file(&text, path, &e) < 0)
		buf_appendf(errs, "%s\n", e.msg);
	else
		bad = srules_parse(r, text.data ? text.data : "", text.len, path, t, errs);
	buf_free(&text);
	return bad;
}

const struct srule *
srules_match(const struct srules *r, const char *provider, const char *text)
{
	size_t	i;

	for (i = 0; i < r->n; i++) {
		if (strcmp(r->v[i].provider, "*") != 0 && strcmp(r->v[i].provider, provider) != 0)
			continue;
		if (regexec(&r->v[i].re, text, 0, NULL, 0) == 0)
			return &r->v[i];
	}
	return NULL;
}

void
srules_free(struct srules *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		regfree(&r->v[i].re);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}
