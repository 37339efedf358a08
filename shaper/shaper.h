/*
 * NAME
 *	shaper.h - the modules of campaign-shaper
 * SYNOPSIS
 *	#include "shaper.h"
 * DESCRIPTION
 *	campaign-shaper.c	options, the follow loop, signals, exit status
 *	srule.c			the rules file: "PROVIDER|* /REGEX/ [escalate=N]
 *				ACTION[,ACTION...] DURATION"
 *	action.c		the active actions, what they make of the table's
 *				values, and the state file
 *	pfconf.c		Postfix: read and write main.cf with postconf(1),
 *				postfix reload
 *	Calls go one way: main -> pfconf -> action; main -> srule.
 *
 *	srules_parse()/srules_load() append one "name:line: problem" line
 *	per malformed rule to errs and return the number of problems (a rule
 *	naming a provider the table lacks is one).  srules_match() returns
 *	the first rule for that provider (or "*") whose expression matches
 *	text, or NULL.  A rule holds one to SRULE_STEPS_MAX steps (its
 *	actions in order) and escalate, the matches that take it to the next.
 *
 *	actions_add() starts an action or, when the same provider, kind and
 *	value is active, moves its end later: 1 started, 0 extended, -1 out
 *	of memory.  actions_expire() removes every action whose end is not
 *	after now, calling done() for each.  actions_hit() is a deferral
 *	that rule r matched for provider at now (the log line's time
 *	line_time): without an action of that rule for the provider, it
 *	starts the rule's first step (1); while the step is in force and
 *	counting (see actions_in_force) and the rule has a next step, the
 *	escalate-th such match replaces the step by the next one, with a
 *	new end and its count at 0 (2); otherwise it moves the end to now
 *	plus the duration when later (0); -1 out of memory.
 *	actions_probe() gives one connection back (value + 1) to every
 *	concurrency step in force that has been quiet (no match, no reload)
 *	for its rule's probe seconds, calling raised() for each, ending the
 *	step at the table's value; never above the step's ceiling, the value
 *	at which a probe met a match (actions_hit() sets it when it takes a
 *	probe's connection back), while the step lasts; the number raised.
 *	actions_in_force() marks every rule action not yet in force as in
 *	force from now (Postfix has just been told): its matches count from
 *	a tenth of its duration later, once the provider's own window and
 *	the messages in flight at the reload have passed.  actions_link()
 *	ties the actions read from the state to the rule and step they name
 *	(same line, provider and action, a concurrency at or above the
 *	step's: a probe's); one that no longer fits keeps
 *	running to its end without escalating, with a warning in warns.
 *	action_effect() gives a
 *	provider's values: the table's, the lowest active concurrency, the
 *	highest active rate delay, suspended when any suspension is active.
 *	actions_save() writes the state file atomically (a temporary file,
 *	fsync, rename); actions_load() reads it (a missing file is empty),
 *	skipping with a warning in warns a line that is malformed or names a
 *	provider the table lacks; a line may lack the rule's LINE and STEP,
 *	or QUIET (the state of an older version).
 *
 *	pf_apply() makes Postfix's main.cf (config directory dir) say what
 *	the table and the actions say for every provider's transport
 *	(campaign-NAME_destination_concurrency_limit, _destination_rate_delay,
 *	_destination_concurrency_failed_cohort_limit, and campaign-NAME in
 *	defer_transports, whose other entries are kept):
 *	it reads the values with postconf, writes the ones that differ with
 *	postconf -e and then runs postfix reload.  0 with *changed set (0:
 *	nothing differed, nothing run), or -1 with e set (*changed tells
 *	whether main.cf was written).  pf_kick() asks a running Postfix's
 *	qmgr for an incoming scan (postkick ... I): 0, or -1 with e set.
 * SEE ALSO
 *	campaign-shaper(8), lib/provider.h
 */
#ifndef SHAPER_H
#define SHAPER_H

#include <regex.h>
#include <stdio.h>
#include <time.h>

#include "buf.h"
#include "cerr.h"
#include "provider.h"

#define SRULE_LINE_MAX		4096
#define SRULES_MAX		1000
#define SRULES_FILE_MAX		(4 * 1024 * 1024)
#define SRULE_DURATION_MAX	(7 * 86400L)
#define SRULE_TEXT_MAX		2048	/* deferral text matched */
#define SRULE_STEPS_MAX		4	/* actions of one rule */
#define SRULE_ESCALATE_DEFAULT	10	/* matches that take the next step */
#define SRULE_ESCALATE_MAX	100000
#define SRULE_PROBE_DEFAULT	60	/* quiet seconds that give a connection back */
#define SRULE_PROBE_MAX		86400

enum skind { SK_CONCURRENCY, SK_RATE_DELAY, SK_SUSPEND };

struct sstep {
	enum skind kind;
	long	value;			/* connections, or seconds of rate delay */
};

struct srule {
	char	provider[PROVIDER_NAME_MAX + 1];	/* "*": any */
	regex_t	re;
	struct sstep step[SRULE_STEPS_MAX];
	int	nsteps;
	long	escalate;		/* matches in force that take the next step */
	long	probe;			/* quiet seconds before concurrency+1; 0: never */
	long	duration;		/* seconds, of each step */
	int	line;
};

struct srules {
	struct srule *v;
	size_t	n;
};

int	srules_parse(struct srules *r, const char *text, size_t n, const char *name,
		     const struct provider_table *t, struct buf *errs);
int	srules_load(struct srules *r, const char *path, const struct provider_table *t,
		    struct buf *errs);
const struct srule *srules_match(const struct srules *r, const char *provider,
				 const char *text);
void	srules_free(struct srules *r);
const char *skind_name(enum skind k);

struct action {
	char	provider[PROVIDER_NAME_MAX + 1];
	enum skind kind;
	long	value;
	time_t	end;
	int	line;			/* the rule's line; 0: none (no escalation) */
	int	step;			/* index of the rule's step in force */
	long	duration;		/* the rule's, for the counting delay */
	long	hits;			/* counted matches of this step */
	time_t	count_from;		/* 0: Postfix not yet told */
	time_t	told;			/* when Postfix was last told */
	time_t	quiet;			/* the quiet spell's start: last match */
	long	probe;			/* the rule's; 0: no probe */
	long	ceiling;		/* a probe's level that met a match: no probe
					 * above it while the action lasts; 0: none */
};

struct actions {
	struct action *v;
	size_t	n;
};

struct effect {
	long	connections;
	long	rate_delay;
	int	suspended;
};

int	actions_add(struct actions *a, const char *provider, enum skind kind,
		    long value, time_t end);
int	actions_hit(struct actions *a, const char *provider, const struct srule *r,
		    time_t now, time_t line_time);
void	actions_in_force(struct actions *a, time_t now);
size_t	actions_probe(struct actions *a, const struct provider_table *t, time_t now,
		      void (*raised)(const struct action *, void *), void *arg);
void	actions_link(struct actions *a, const struct srules *r, struct buf *warns);
size_t	actions_expire(struct actions *a, time_t now,
		       void (*done)(const struct action *, void *), void *arg);
void	action_effect(const struct actions *a, const struct provider *p,
		      struct effect *ef);
int	actions_save(const struct actions *a, const char *path, struct cerr *e);
int	actions_load(struct actions *a, const char *path,
		     const struct provider_table *t, struct buf *warns);
void	actions_free(struct actions *a);

int	pf_apply(const char *dir, const struct provider_table *t,
		 const struct actions *a, int *changed, struct cerr *e);
int	pf_kick(const char *dir, struct cerr *e);

#endif
