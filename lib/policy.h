/*
 * NAME
 *	policy - what a bounce category does to an address: suppress at
 *	once, suppress after N soft failures within D days, or count only
 * SYNOPSIS
 *	#include "policy.h"
 *
 *	struct policy p;
 *	if (policy_parse(&p, cf.bounce_policy, &e) < 0) ...
 *	p.soft_limit = cf.bounce_soft_limit; p.soft_window = cf.bounce_soft_window;
 *	enum policy_action a = policy_action(&p, "quota", "5.2.2");
 *	r = policy_soft_note(state_map, "user@example.com", &p, time(NULL), &e);
 * DESCRIPTION
 *	The policy text (campaign.conf bounce_policy) is a list of
 *	CATEGORY=ACTION words separated by white space or commas; ACTION is
 *	"suppress", "soft" or "count".  A category not named is counted
 *	only.  policy-related and spam-related cannot be given suppress or
 *	soft: those blocks are about the sender, not the address.
 *	policy_parse() fills p (soft_limit 3 and soft_window 7 days until the
 *	caller sets them); 0, or -1 with e naming the bad word.
 *
 *	policy_action() gives the action for a category and the enhanced
 *	status code of the failure: a status of class X.7.X (policy and
 *	security, RFC 3463) is always POLICY_COUNT, whatever the category,
 *	and so are policy-related and spam-related.  status may be NULL or
 *	"" (an ARF complaint, an unsubscribe).
 *
 *	policy_soft_note() records one soft failure of key in the state map
 *	(a hash: table, lib/map_db; value "COUNT FIRST LAST", epoch seconds)
 *	under one exclusive lock: a count whose first failure is older than
 *	soft_window starts again at 1.  It returns the count now reached,
 *	and removes the entry when that count is soft_limit or more (the
 *	caller then suppresses the address); -1 on a database error.
 *	policy_action_name() is "suppress", "soft" or "count".
 */
#ifndef POLICY_H
#define POLICY_H

#include <time.h>

#include "cerr.h"
#include "classify.h"

#define POLICY_MAX	64

enum policy_action { POLICY_COUNT, POLICY_SOFT, POLICY_SUPPRESS };

struct policy {
	struct {
		char	category[CLASSIFY_NAME_MAX + 1];
		enum policy_action action;
	}	rule[POLICY_MAX];
	int	n;
	long	soft_limit;
	long	soft_window;		/* seconds */
};

struct map_db;

int	policy_parse(struct policy *p, const char *text, struct cerr *e);
enum policy_action policy_action(const struct policy *p, const char *category,
				 const char *status);
const char *policy_action_name(enum policy_action a);
long	policy_soft_note(struct map_db *state, const char *key, const struct policy *p,
			 time_t now, struct cerr *e);

#endif
