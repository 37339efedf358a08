/*
 * NAME
 *	policy - the suppression policy and its soft-failure state (see
 *	policy.h)
 * SYNOPSIS
 *	#include "policy.h"
 * DESCRIPTION
 *	policy_parse() reads campaign.conf's bounce_policy; policy_action()
 *	applies it with the one fixed rule (X.7.X and the policy and spam
 *	categories never suppress); policy_soft_note() keeps the count of
 *	soft failures per address in a Berkeley DB hash: table through
 *	lib/map_db's public calls only, lookup and update inside one
 *	map_db_begin()/map_db_commit(), so two processes never lose a count.
 * DIAGNOSTICS
 *	Nothing is printed; failures fill struct cerr.
 * SEE ALSO
 *	RFC 3463 (X.7.X: security or policy status), lib/map_db.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "map_db.h"
#include "policy.h"

static const char *const action_names[] = {"count", "soft", "suppress"};

const char *
policy_action_name(enum policy_action a)
{
	return a >= POLICY_COUNT && a <= POLICY_SUPPRESS ? action_names[a] : "count";
}

/* never_suppress - categories about the sender, not about the address */
static int
never_suppress(const char *category)
{
	return strcmp(category, "policy-related") == 0 || strcmp(category, "spam-related") == 0;
}

/* parse_word - one CATEGORY=ACTION */
static int
parse_word(struct policy *p, const char *w, size_t n, struct cerr *e)
{
	const char *eq = memchr(w, '=', n);
	size_t	cl, al;
	int	a;

	if (eq == NULL || !classify_name_ok(w, (size_t)(eq - w)))
		return cerr_set(e, "\"%.*s\": expected CATEGORY=suppress|soft|count", (int)n, w);
	cl = (size_t)(eq - w);
	al = n - cl - 1;
	for (a = POLICY_COUNT; a <= POLICY_SUPPRESS; a++)
		if (strlen(action_names[a]) == al && memcmp(eq + 1, action_names[a], al) == 0)
			break;
	if (a > POLICY_SUPPRESS)
		return cerr_set(e, "\"%.*s\": action must be suppress, soft or count", (int)n, w);
	if (p->n >= POLICY_MAX)
		return cerr_set(e, "more than %d categories", POLICY_MAX);
	memcpy(p->rule[p->n].category, w, cl);
	p->rule[p->n].category[cl] = '\0';
	if (a != POLICY_COUNT && never_suppress(p->rule[p->n].category))
		return cerr_set(e, "%s: a policy or spam block never suppresses an address",
				p->rule[p->n].category);
	p->rule[p->n++].action = (enum policy_action)a;
	return 0;
}

int
policy_parse(struct policy *p, const char *text, struct cerr *e)
{
	const char *s = text ? text : "", *w;

	memset(p, 0, sizeof(*p));
	p->soft_limit = 3;
	p->soft_window = 7 * 86400;
	while (*s) {
		s += strspn(s, " \t,");
		if (*s == '\0')
			break;
		w = s;
		s += strcspn(s, " \t,");
		if (parse_word(p, w, (size_t)(s - w), e) < 0)
			return -1;
	}
	return 0;
}

enum policy_action
policy_action(const struct policy *p, const char *category, const char *status)
{
	int	i;

	if (status && status[0] && status[1] == '.' && status[2] == '7' && status[3] == '.')
		return POLICY_COUNT;
	if (never_suppress(category))
		return POLICY_COUNT;
	for (i = p->n - 1; i >= 0; i--)
		if (strcmp(p->rule[i].category, category) == 0)
			return p->rule[i].action;
	return POLICY_COUNT;
}

/* soft_count - the new count from the stored "COUNT FIRST LAST" */
static long
soft_count(const char *val, const struct policy *p, time_t now, long *first)
{
	long	count, f, last;

	if (val == NULL || sscanf(val, "%ld %ld %ld", &count, &f, &last) != 3
	    || count < 1 || f > now || now - f > p->soft_window) {
		*first = (long)now;
		return 1;
	}
	*first = f;
	return count + 1;
}

/* soft_store - write the new state, or drop it once the limit is reached */
static int
soft_store(struct map_db *state, const char *key, long count, long first,
	   const struct policy *p, time_t now, struct cerr *e)
{
	char	v[64];

	if (count >= p->soft_limit)
		return map_db_delete(state, key, e) < 0 ? -1 : 0;
	snprintf(v, sizeof(v), "%ld %ld %ld", count, first, (long)now);
	return map_db_update(state, key, v, e);
}

long
policy_soft_note(struct map_db *state, const char *key, const struct policy *p,
		 time_t now, struct cerr *e)
{
	struct buf val;
	struct cerr e2;
	long	count = -1, first;
	int	r;

	buf_init(&val, 256);
	if (map_db_begin(state, e) < 0)
		return -1;
	if ((r = map_db_lookup(state, key, &val, e)) >= 0) {
		count = soft_count(r == 1 ? buf_cstr(&val) : NULL, p, now, &first);
		if (soft_store(state, key, count, first, p, now, e) < 0)
			count = -1;
	}
	if (map_db_commit(state, count < 0 ? &e2 : e) < 0)
		count = -1;
	buf_free(&val);
	return count;
}
