/*
 * NAME
 *	rules.c - campaign-testsink's reply rules and per-address attempt counts
 * SYNOPSIS
 *	see testsink.h
 * DESCRIPTION
 *	A rules line is "[STAGE] PATTERN REPLY", "[STAGE] PATTERN first N
 *	REPLY1 then REPLY2", "[STAGE] PATTERN rate N/SECS REPLY" or
 *	"[STAGE] PATTERN for SECS REPLY" or "[STAGE] PATTERN delay MS"
 *	(campaign-testsink.c describes the
 *	meaning); PATTERN may be a comma-separated list.
 *	Lines are bounded by what buf_getline() accepts (8 KB).
 * SEE ALSO
 *	campaign-testsink.c, testsink.h
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "testsink.h"

#define LINE_MAX_	8192

static const char *stage_name[] = { "mail:", "rcpt:", "data:" };

/* valid_reply - "DDD" or "DDD text", first digit 2 to 5 */
static int valid_reply(const char *s)
{
	return s[0] >= '2' && s[0] <= '5' && isdigit((unsigned char) s[1])
	    && isdigit((unsigned char) s[2]) && (s[3] == 0 || s[3] == ' ');
}

/* trim - strip leading and trailing blanks in place */
static char *trim(char *s)
{
	char   *end;

	while (isspace((unsigned char) *s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char) end[-1]))
		*--end = 0;
	return s;
}

/* next_word - cut the first blank-separated word off *s */
static char *next_word(char **s)
{
	char   *w = *s, *end;

	end = w + strcspn(w, " \t");
	if (*end)
		*end++ = 0;
	*s = trim(end);
	return w;
}

/* parse_first - "N REPLY1 then REPLY2" into rule; -1 with why */
static int parse_first(char *rest, struct rule *rule, const char **why)
{
	char   *n = next_word(&rest), *end, *then;

	errno = 0;
	rule->first_n = strtoul(n, &end, 10);
	if (errno || *end || end == n || rule->first_n == 0)
		return (*why = "\"first\" needs a count above 0"), -1;
	if ((then = strstr(rest, " then ")) == NULL)
		return (*why = "\"first N REPLY1\" needs \"then REPLY2\""), -1;
	*then = 0;
	rule->reply1 = trim(rest);
	rule->reply2 = trim(then + 6);
	return 0;
}

/* parse_count - "N" or "N/SECS" (slash set) with N and SECS above 0 */
static int
parse_count(const char *w, int slash, unsigned long *n, long *secs)
{
	char   *end;

	errno = 0;
	*n = strtoul(w, &end, 10);
	if (slash) {
		if (errno || *end != '/' || end == w || *n == 0)
			return -1;
		w = end + 1;
	}
	*secs = strtol(w, &end, 10);
	return errno || *end || end == w || *secs <= 0 || *secs > 86400 ? -1 : 0;
}

/* parse_timed - "rate N/SECS REPLY" or "for SECS REPLY" after the pattern */
static int
parse_timed(char *rest, struct rule *rule, const char **why)
{
	int	is_rate = strncasecmp(rest, "rate ", 5) == 0;
	char   *w;

	rest += is_rate ? 5 : 4;
	rest = trim(rest);
	w = next_word(&rest);
	if (parse_count(w, is_rate, &rule->rate_n, &rule->secs) < 0)
		return (*why = is_rate ? "\"rate\" needs N/SECS, both above 0"
		    : "\"for\" needs SECS from 1 to 86400"), -1;
	if (!is_rate)
		rule->rate_n = 0;
	rule->for_time = !is_rate;
	rule->reply1 = rest;
	return 0;
}

/* parse_delay - "MS" after "delay ": 1 to 60000 milliseconds, nothing more */
static int
parse_delay(char *rest, struct rule *rule, const char **why)
{
	char   *end;

	errno = 0;
	rule->delay_ms = strtol(rest, &end, 10);
	if (errno || end == rest || *end || rule->delay_ms < 1 || rule->delay_ms > 60000)
		return (*why = "\"delay\" needs MS from 1 to 60000 and nothing after"), -1;
	rule->reply1 = end;		/* "": a delay rule has no reply */
	return 0;
}

/* parse_rule - one non-blank line into rule (strings point into line) */
static int parse_rule(char *line, struct rule *rule, const char **why)
{
	char   *rest = line, *w;

	rule->stage = STAGE_RCPT;
	w = next_word(&rest);
	for (int s = STAGE_MAIL; s <= STAGE_DATA; s++)
		if (strcasecmp(w, stage_name[s]) == 0) {
			rule->stage = s;
			w = next_word(&rest);
		}
	if (*w == 0 || *rest == 0)
		return (*why = "expected PATTERN REPLY"), -1;
	rule->pattern = w;
	rule->glob = strpbrk(w, "*?[") != NULL;
	rule->first_n = rule->rate_n = 0;
	rule->secs = 0;
	rule->for_time = 0;
	rule->t0_ms = -1;
	rule->seen = 0;
	rule->delay_ms = 0;
	rule->reply2 = NULL;
	if (strncasecmp(rest, "delay ", 6) == 0)
		return parse_delay(trim(rest + 6), rule, why);
	if (strncasecmp(rest, "first ", 6) == 0) {
		rest += 6;
		if (parse_first(trim(rest), rule, why) < 0)
			return -1;
	} else if (strncasecmp(rest, "rate ", 5) == 0 || strncasecmp(rest, "for ", 4) == 0) {
		if (parse_timed(rest, rule, why) < 0)
			return -1;
	} else {
		rule->reply1 = rest;
	}
	if (!valid_reply(rule->reply1) || (rule->reply2 && !valid_reply(rule->reply2)))
		return (*why = "a reply must start with a code from 200 to 599"), -1;
	return 0;
}

static void rule_free(struct rule *rule)
{
	free(rule->pattern);
	free(rule->reply1);
	free(rule->reply2);
}

/* rule_own - copy the strings of a parsed rule into their own memory */
static int rule_own(struct rule *rule)
{
	rule->pattern = strdup(rule->pattern);
	rule->reply1 = strdup(rule->reply1);
	if (rule->reply2)
		rule->reply2 = strdup(rule->reply2);
	if (rule->pattern && rule->reply1)
		return 0;
	rule_free(rule);
	return -1;
}

void	rules_free(struct rules *r)
{
	for (int i = 0; i < r->n; i++)
		rule_free(&r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

int	rules_parse_line(struct rules *r, const char *text, char *why, size_t whylen)
{
	char	line[LINE_MAX_], *s;
	const char *problem = NULL;
	struct rule rule, *v;

	if (snprintf(line, sizeof(line), "%s", text) >= (int) sizeof(line))
		return snprintf(why, whylen, "line too long"), -1;
	line[strcspn(line, "#")] = 0;
	s = trim(line);
	if (*s == 0)
		return 0;
	if (parse_rule(s, &rule, &problem) < 0)
		return snprintf(why, whylen, "%s", problem), -1;
	if ((v = realloc(r->v, (r->n + 1) * sizeof(*v))) == NULL)
		return snprintf(why, whylen, "out of memory"), -1;
	r->v = v;
	if (rule_own(&rule) < 0)
		return snprintf(why, whylen, "out of memory"), -1;
	r->v[r->n++] = rule;
	return 0;
}

int	rules_load(struct rules *r, const char *path, FILE *errfp)
{
	FILE   *fp = fopen(path, "r");
	struct buf line;
	char	why[256];
	int	lineno = 0, bad = 0, got;

	if (fp == NULL) {
		fprintf(errfp, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	buf_init(&line, LINE_MAX_ - 1);
	while ((got = buf_getline(&line, fp)) != 0) {
		lineno++;
		if (got < 0 && errno == EMSGSIZE) {
			fprintf(errfp, "%s:%d: line too long\n", path, lineno);
			bad = 1;
		} else if (got < 0) {
			fprintf(errfp, "%s: %s\n", path, strerror(errno));
			bad = 1;
			break;
		} else if (rules_parse_line(r, buf_cstr(&line), why, sizeof(why)) < 0) {
			fprintf(errfp, "%s:%d: %s\n", path, lineno, why);
			bad = 1;
		}
		buf_reset(&line);
	}
	buf_free(&line);
	fclose(fp);
	return bad ? -1 : 0;
}

void	rules_print(const struct rules *r, FILE *fp)
{
	for (int i = 0; i < r->n; i++) {
		const struct rule *x = &r->v[i];

		if (x->delay_ms)
			fprintf(fp, "%s %s delay %ld\n", stage_name[x->stage], x->pattern,
				x->delay_ms);
		else if (x->first_n)
			fprintf(fp, "%s %s first %lu %s then %s\n", stage_name[x->stage],
				x->pattern, x->first_n, x->reply1, x->reply2);
		else if (x->rate_n)
			fprintf(fp, "%s %s rate %lu/%ld %s\n", stage_name[x->stage],
				x->pattern, x->rate_n, x->secs, x->reply1);
		else if (x->for_time)
			fprintf(fp, "%s %s for %ld %s\n", stage_name[x->stage],
				x->pattern, x->secs, x->reply1);
		else
			fprintf(fp, "%s %s %s\n", stage_name[x->stage], x->pattern,
				x->reply1);
	}
}

/* match_one - one pattern of a list (n bytes) */
static int match_one(const char *pat, size_t n, int glob, const char *addr)
{
	char	p[LINE_MAX_];

	snprintf(p, sizeof(p), "%.*s", (int) n, pat);
	if (glob)
		return fnmatch(p, addr, FNM_CASEFOLD) == 0;
	return strcasestr(addr, p) != NULL;
}

/* matches - any pattern of the rule's comma-separated list */
static int matches(const struct rule *x, const char *addr)
{
	const char *p = x->pattern;
	size_t	n;

	for (;; p += n + 1) {
		n = strcspn(p, ",");
		if (n > 0 && match_one(p, n, x->glob, addr))
			return 1;
		if (p[n] == 0)
			return 0;
	}
}

/* timed_hit - a "rate" or "for" rule: does it answer now? */
static int timed_hit(struct rule *x, long long now_ms)
{
	if (x->for_time) {
		if (x->t0_ms < 0)
			x->t0_ms = now_ms;
		return now_ms - x->t0_ms < x->secs * 1000LL;
	}
	if (x->t0_ms < 0 || now_ms - x->t0_ms >= x->secs * 1000LL) {
		x->t0_ms = now_ms;
		x->seen = 0;
	}
	return ++x->seen > x->rate_n;
}

const char *rules_answer(struct rules *r, struct attempts *a,
			 enum stage stage, const char *addr)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return rules_answer_at(r, a, stage, addr,
			       (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

const char *rules_answer_at(struct rules *r, struct attempts *a,
			    enum stage stage, const char *addr, long long now_ms)
{
	static const char kind[] = { 'm', 'r', 'd' };
	unsigned long n;

	for (int i = 0; i < r->n; i++) {
		struct rule *x = &r->v[i];

		if (x->stage != stage || x->delay_ms || !matches(x, addr))
			continue;
		if (x->rate_n || x->for_time) {
			if (timed_hit(x, now_ms))
				return x->reply1;
			continue;
		}
		if (x->first_n == 0)
			return x->reply1;
		n = stage == STAGE_RCPT ? attempts_get(a, 'r', addr)
		    : attempts_bump(a, kind[stage], addr);
		return n <= x->first_n ? x->reply1 : x->reply2;
	}
	return NULL;
}

long rules_delay(const struct rules *r, enum stage stage, const char *addr)
{
	for (int i = 0; i < r->n; i++)
		if (r->v[i].stage == stage && r->v[i].delay_ms && matches(&r->v[i], addr))
			return r->v[i].delay_ms;
	return 0;
}

/* --- attempt counters ---------------------------------------------------- */

/* hash - FNV-1a of kind and the lower-cased address */
static unsigned hash(int kind, const char *addr)
{
	uint32_t h = 2166136261u ^ (unsigned char) kind;

	h *= 16777619u;
	for (; *addr; addr++) {
		h ^= (unsigned char) tolower((unsigned char) *addr);
		h *= 16777619u;
	}
	return h % ATTEMPTS_BUCKETS;
}

/* find - the counter of (kind, addr); create it when asked and possible */
static struct attempt *find(struct attempts *a, int kind, const char *addr, int create)
{
	unsigned h = hash(kind, addr);
	struct attempt *e;
	size_t	len = strlen(addr);

	if (a->bucket == NULL
	    && (a->bucket = calloc(ATTEMPTS_BUCKETS, sizeof(*a->bucket))) == NULL)
		return NULL;
	for (e = a->bucket[h]; e != NULL; e = e->next)
		if (e->key[0] == kind && strcasecmp(e->key + 1, addr) == 0)
			return e;
	if (!create || a->n >= ATTEMPTS_MAX || (e = malloc(sizeof(*e) + len + 2)) == NULL)
		return NULL;
	e->key[0] = (char) kind;
	memcpy(e->key + 1, addr, len + 1);
	e->count = 0;
	e->next = a->bucket[h];
	a->bucket[h] = e;
	a->n++;
	return e;
}

unsigned long attempts_bump(struct attempts *a, int kind, const char *addr)
{
	struct attempt *e = find(a, kind, addr, 1);

	return e ? ++e->count : 0;
}

unsigned long attempts_get(struct attempts *a, int kind, const char *addr)
{
	struct attempt *e = find(a, kind, addr, 0);

	return e ? e->count : 0;
}

void	attempts_free(struct attempts *a)
{
	struct attempt *e, *next;

	for (unsigned h = 0; a->bucket != NULL && h < ATTEMPTS_BUCKETS; h++)
		for (e = a->bucket[h]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(a->bucket);
	a->bucket = NULL;
	a->n = 0;
}
