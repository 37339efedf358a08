/*
 * NAME
 *	testsink.h - rules and attempt counters of campaign-testsink
 * SYNOPSIS
 *	#include "testsink.h"
 *
 *	struct rules r = { 0 };
 *	if (rules_load(&r, "rules", stderr) < 0) exit(78);
 *	attempts_bump(&a, 'r', "user@example.com");
 *	reply = rules_answer(&r, &a, STAGE_RCPT, "user@example.com");
 * DESCRIPTION
 *	rules_load() reads a rules file (syntax in campaign-testsink.c),
 *	reporting every bad line as "file:line: problem" on errfp; it returns
 *	0, or -1 when any line was bad or the file cannot be read.
 *	rules_parse_line() parses one line into r (0 added or blank, -1 with
 *	a problem text in why).  rules_answer() returns the reply of the
 *	first rule of that stage matching addr, or NULL when none matches;
 *	for a "first N" rule it uses the attempt count of addr: the RCPT
 *	count (kept by the caller with attempts_bump 'r') at STAGE_RCPT, a
 *	count it bumps itself ('m', 'd') at the other stages.
 *	A "rate N/SECS" rule answers REPLY to what passes N matches of the
 *	rule in its current window of SECS seconds, and lets the others go
 *	on to the next rules; a "for SECS" rule answers REPLY during SECS
 *	seconds from its first match, then lets everything go on.  Their
 *	counts and clocks are the rule's, shared by every address it
 *	matches (a provider's domains, say).  A "delay MS" rule answers
 *	nothing itself (rules_answer() passes it by): rules_delay() returns
 *	the MS of the first delay rule of that stage matching addr, 0 when
 *	none does, and the caller holds its reply that long.  rules_answer_at() is
 *	rules_answer() at a given time (milliseconds of a monotonic clock).
 *	attempts_bump() adds one to the counter of (kind, addr) and returns
 *	it; attempts_get() returns it (0 for an address never seen).
 *	rules_free() and attempts_free() release everything and leave the
 *	structures empty.  Addresses are compared ignoring case.  The table holds at most
 *	ATTEMPTS_MAX addresses; past that, new addresses count as 0.
 */
#ifndef TESTSINK_H
#define TESTSINK_H

#include <stdio.h>

enum stage { STAGE_MAIL, STAGE_RCPT, STAGE_DATA };

struct rule {
	enum stage stage;
	char   *pattern;
	int	glob;
	unsigned long first_n;		/* 0: reply1 always */
	char   *reply1;
	char   *reply2;
	unsigned long rate_n;		/* "rate N/SECS": 0 when not */
	long	secs;			/* of "rate" or "for" */
	int	for_time;		/* "for SECS" */
	long long t0_ms;		/* window start, or first match; -1 none */
	unsigned long seen;		/* matches in the window */
	long	delay_ms;		/* "delay MS": 0 when not */
};

struct rules {
	struct rule *v;
	int	n;
};

#define ATTEMPTS_BUCKETS	(1 << 16)
#define ATTEMPTS_MAX		4000000

struct attempt {
	struct attempt *next;
	unsigned long count;
	char	key[];
};

struct attempts {
	struct attempt **bucket;
	unsigned long n;
};

int	rules_load(struct rules *r, const char *path, FILE *errfp);
int	rules_parse_line(struct rules *r, const char *line, char *why, size_t whylen);
void	rules_print(const struct rules *r, FILE *fp);
long	rules_delay(const struct rules *r, enum stage stage, const char *addr);
const char *rules_answer(struct rules *r, struct attempts *a,
			 enum stage stage, const char *addr);
const char *rules_answer_at(struct rules *r, struct attempts *a,
			    enum stage stage, const char *addr, long long now_ms);
unsigned long attempts_bump(struct attempts *a, int kind, const char *addr);
unsigned long attempts_get(struct attempts *a, int kind, const char *addr);
void	rules_free(struct rules *r);
void	attempts_free(struct attempts *a);

#endif
