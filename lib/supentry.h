/*
 * NAME
 *	supentry - the suppression table's entry for a signal (unsubscribe,
 *	bounce, complaint): its access(5) action with category, campaign and
 *	time, and the write that keeps an existing suppression
 * SYNOPSIS
 *	#include "supentry.h"
 *
 *	struct buf v; buf_init(&v, SUPENTRY_VALUE_MAX);
 *	supentry_value(&v, "unsubscribe", "spring-2026", time(NULL), &e);
 *	    "550 5.7.1 suppressed: category=unsubscribe campaign=spring-2026
 *	     time=2026-12-03T07:50:12Z"
 *	r = supentry_put(map, "user@example.com", buf_cstr(&v), &e);
 *	    1 written, 0 already suppressed (kept), -1 error
 * DESCRIPTION
 *	supentry_value() writes the action: "550 5.7.1 suppressed:" and three
 *	key=value fields.  category is 1..32 bytes of a-z, 0-9 and '-';
 *	campaign 1..64 bytes of A-Z a-z 0-9 . _ - (the campaign id syntax),
 *	or NULL for "campaign=-"; time is UTC, ISO 8601.  Returns 0, or -1
 *	with e filled on a bad category or campaign.
 *
 *	supentry_put() stores key -> value in an open, writable map unless the
 *	key already has an entry that suppresses the address (an access(5)
 *	action other than OK, DUNNO or 2xx, as suppress_lookup() judges it):
 *	that entry, its reason and its time are kept, so a repeated signal
 *	changes nothing.  An entry that does not suppress (OK) is replaced.
 *	The key must be a lookup key (lower case, as addr_key() writes it).
 *	Call it inside map_db_begin()/map_db_commit() for one lock and one
 *	sync over many entries.
 * SEE ALSO
 *	map_db.h (suppress_lookup), access(5), campaign-unsubscribe(8).
 */
#ifndef SUPENTRY_H
#define SUPENTRY_H

#include <time.h>

#include "buf.h"
#include "cerr.h"
#include "map_db.h"

#define SUPENTRY_CATEGORY_MAX	32
#define SUPENTRY_CAMPAIGN_MAX	64
#define SUPENTRY_VALUE_MAX	256

int	supentry_value(struct buf *out, const char *category, const char *campaign,
		       time_t when, struct cerr *e);
int	supentry_put(struct map_db *m, const char *key, const char *value,
		     struct cerr *e);

/* supentry_why - category, campaign and time read back from an entry's
 * value (each the word after "name=", "" when absent); 1 when it has a
 * category (written by supentry_value()), 0 otherwise (a hand-written
 * reason: text is then the reason after "suppressed: ", or the value) */
struct supentry_why {
	char	category[SUPENTRY_CATEGORY_MAX + 1];
	char	campaign[SUPENTRY_CAMPAIGN_MAX + 1];
	char	time[32];
	const char *text;		/* points into the value */
};
int	supentry_why(const char *value, struct supentry_why *w);

#endif
