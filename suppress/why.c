/*
 * NAME
 *	why - campaign-suppress why and lift: the reason of an entry, and
 *	lifting it
 * SYNOPSIS
 *	campaign-suppress why ADDRESS
 *	campaign-suppress lift ADDRESS
 * DESCRIPTION
 *	why prints one line for a suppressed address:
 *		KEY category=CAT campaign=ID time=TIME action="ACTION"
 *	KEY is the entry that matched (the address itself, or its domain or
 *	a parent domain as check_recipient_access would match it);
 *	category, campaign and time are those campaign-bounce or
 *	campaign-unsubscribe wrote (lib/supentry.c), or "-" for a
 *	hand-written entry, whose text is then in action.  Exit 0 when
 *	suppressed, 1 when not.
 *
 *	lift deletes the address's own entry (as remove does) and its
 *	soft-failure count in bounce_state_table, so the policy starts
 *	counting afresh; it prints "lifted KEY (was: ACTION)".  An entry for
 *	the whole domain is named, not lifted (remove @domain does that).
 * DIAGNOSTICS
 *	stderr; sysexits as the other commands (EX_NOINPUT missing table,
 *	EX_IOERR database error, EX_DATAERR bad address).
 * SEE ALSO
 *	campaign-suppress(8), lib/supentry.h, lib/policy.h.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "clog.h"
#include "map_db.h"
#include "suppress.h"
#include "supentry.h"

/* dash - "-" for an empty field */
static const char *
dash(const char *s)
{
	return *s ? s : "-";
}

/* print_why - one line for the entry KEY -> value */
static void
print_why(const char *key, const char *value)
{
	struct supentry_why w;
	struct buf q;

	buf_init(&q, MAP_VALUE_MAX * 4 + 8);
	supentry_why(value, &w);
	clog_quote(&q, value, strlen(value));
	printf("%s category=%s campaign=%s time=%s action=%s\n", key, dash(w.category),
	    dash(w.campaign), dash(w.time), buf_cstr(&q));
	buf_free(&q);
}

/* find_entry - the address's own entry, else the matching domain entry */
static int
find_entry(struct map_db *m, const char *key, struct buf *val, const char **which,
	   struct cerr *e)
{
	int	r;

	*which = key;
	if ((r = map_db_lookup(m, key, val, e)) != 0)
		return r;
	*which = "(domain entry)";
	return suppress_lookup(m, key, val, e);
}

/* arg_key - the lookup key of the one ADDRESS argument */
static int
arg_key(const char *cmd, int argc, char **argv, char key[ADDR_KEY_MAX + 1])
{
	struct cerr e;
	int	domain;

	if (argc != 2) {
		clog_warnx("usage: %s ADDRESS", cmd);
		return EX_USAGE;
	}
	if (sup_key(argv[1], strlen(argv[1]), key, &domain, &e) < 0) {
		clog_warnx("%s %s: %s", cmd, argv[1], e.msg);
		return EX_DATAERR;
	}
	return EX_OK;
}

int
cmd_why(const struct sup *s, int argc, char **argv)
{
	char	key[ADDR_KEY_MAX + 1];
	const char *which;
	struct map_db *m;
	struct buf val;
	struct cerr e;
	int	r, status;

	if ((status = arg_key("why", argc, argv, key)) != EX_OK
	    || (m = sup_open(s->table, MAP_RDONLY, &status)) == NULL)
		return status;
	buf_init(&val, MAP_VALUE_MAX);
	if ((r = find_entry(m, key, &val, &which, &e)) < 0) {
		clog_warnx("why %s: %s", key, e.msg);
		status = EX_IOERR;
	} else if (r == 0) {
		printf("%s not-suppressed\n", key);
		status = 1;
	} else {
		print_why(which == key ? key : which, buf_cstr(&val));
	}
	buf_free(&val);
	map_db_close(m);
	return status;
}

/* forget_soft - drop the soft-failure count; a missing state table is fine */
static void
forget_soft(const struct sup *s, const char *key)
{
	struct map_db *m;
	struct cerr e;

	if (s->state_table == NULL || (m = map_db_open(s->state_table, MAP_RDWR, &e)) == NULL)
		return;
	if (map_db_delete(m, key, &e) < 0)
		clog_warnx("lift %s: soft-failure count: %s", key, e.msg);
	map_db_close(m);
}

int
cmd_lift(const struct sup *s, int argc, char **argv)
{
	char	key[ADDR_KEY_MAX + 1];
	const char *which;
	struct map_db *m;
	struct buf val;
	struct cerr e;
	int	r, status;

	if ((status = arg_key("lift", argc, argv, key)) != EX_OK
	    || (m = sup_open(s->table, MAP_RDWR, &status)) == NULL)
		return status;
	buf_init(&val, MAP_VALUE_MAX);
	if ((r = find_entry(m, key, &val, &which, &e)) == 1 && which == key)
		r = map_db_delete(m, key, &e) < 0 ? -1 : 2;
	if (r < 0) {
		clog_warnx("lift %s: %s", key, e.msg);
		status = EX_IOERR;
	} else if (r == 1) {
		clog_warnx("lift %s: suppressed by a domain entry (%s); remove @domain lifts it",
		    key, buf_cstr(&val));
		status = EX_DATAERR;
	} else {
		if (r == 2)
			printf("lifted %s (was: %s)\n", key, buf_cstr(&val));
		else
			clog_warnx("lift %s: not in the table", key);
		forget_soft(s, key);
	}
	buf_free(&val);
	map_db_close(m);
	return status;
}
