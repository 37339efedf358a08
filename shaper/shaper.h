/*
 * NAME
 *	shaper.h - the modules of campaign-shaper
 * SYNOPSIS
 *	#include "shaper.h"
 * DESCRIPTION
 *	campaign-shaper.c	options, the follow loop, signals, exit status
 *	srule.c			the rules file: "PROVIDER|* /REGEX/ ACTION DURATION"
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
 *	text, or NULL.
 *
 *	actions_add() starts an action or, when the same provider, kind and
 *	value is active, moves its end later: 1 started, 0 extended, -1 out
 *	of memory.  actions_expire() removes every action whose end is not
 *	after now, calling done() for each.  action_effect() gives a
 *	provider's values: the table's, the lowest active concurrency, the
 *	highest active rate delay, suspended when any suspension is active.
 *	actions_save() writes the state file atomically (a temporary file,
 *	fsync, rename); actions_load() reads it (a missing file is empty),
 *	skipping with a warning in warns a line that is malformed or names a
 *	provider the table lacks.
 *
 *	pf_apply() makes Postfix's main.cf (config directory dir) say what
 *	the table and the actions say for every provider's transport
 *	(campaign-NAME_destination_concurrency_limit, _destination_rate_delay,
 *	_destination_concurrency_failed_cohort_limit, and campaign-NAME in
 *	defer_transports, whose other entries are kept):
 *	it reads the values with postconf, writes the ones that differ with
 *	postconf -e and then runs postfix reload.  0 with *changed set (0:
 *	nothing differed, nothing run), or -1 with e set (*changed tells
 *	whether main.cf was written).
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

enum skind { SK_CONCURRENCY, SK_RATE_DELAY, SK_SUSPEND };

struct srule {
	char	provider[PROVIDER_NAME_MAX + 1];	/* "*": any */
	regex_t	re;
	enum skind kind;
	long	value;			/* connections, or seconds of rate delay */
	long	duration;		/* seconds */
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

#endif
