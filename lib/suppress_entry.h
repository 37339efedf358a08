/*
 * NAME
 *	suppress_entry - write a suppression entry, and read back why it is
 *	there
 * SYNOPSIS
 *	#include "suppress_entry.h"
 *
 *	suppress_entry_reason(&val, "bad-mailbox", "spring24", time(NULL));
 *	r = suppress_entry_put("hash:/etc/postfix/campaign/suppression",
 *			       "user@example.com", buf_cstr(&val), SE_KEEP, &e);
 *	struct suppress_why w;
 *	if (suppress_entry_why(value, &w)) printf("%s %s %s", w.category, ...);
 * DESCRIPTION
 *	The one writer of the suppression table (a Postfix hash: access(5)
 *	table, lib/map_db.c, the same flock(2) locks as postmap and Postfix).
 *	suppress_entry_reason() writes the access(5) action for an automatic
 *	entry:
 *		550 5.7.1 suppressed: category=CAT campaign=ID time=YYYY-MM-DDTHH:MM:SSZ
 *	(campaign "unknown" when NULL or empty).  0, or -1 when out is full.
 *	suppress_entry_put() stores key -> value.  With SE_KEEP an entry
 *	that is already there stays as it is (the first reason is the one
 *	kept) and 0 is returned; otherwise, and when it was absent, the value
 *	is written and 1 returned.  Lookup and write happen under one
 *	exclusive lock.  -1 with e filled on failure; errno is that of
 *	map_db_open() when the table could not be opened.
 *	suppress_entry_put_map() does the same on a table the caller keeps
 *	open (MAP_RDWR), for a process that writes many entries.
 *	suppress_entry_why() reads category, campaign and time back from a
 *	value written by suppress_entry_reason() (fields found anywhere in
 *	the text, each up to the next space); 1 when a category was found, 0
 *	otherwise (a hand-written reason: w->text is then the reason after
 *	"suppressed: ", or the whole value).
 */
#ifndef SUPPRESS_ENTRY_H
#define SUPPRESS_ENTRY_H

#include <time.h>

#include "buf.h"
#include "cerr.h"

#define SE_KEEP		1	/* suppress_entry_put: keep an existing entry */
#define SE_FIELD_MAX	64

struct suppress_why {
	char	category[SE_FIELD_MAX + 1];
	char	campaign[SE_FIELD_MAX + 1];
	char	time[SE_FIELD_MAX + 1];
	const char *text;		/* points into the value */
};

int	suppress_entry_reason(struct buf *out, const char *category,
			      const char *campaign, time_t when);
int	suppress_entry_put(const char *table, const char *key, const char *value,
			   int flags, struct cerr *e);
struct map_db;
int	suppress_entry_put_map(struct map_db *m, const char *key, const char *value,
			       int flags, struct cerr *e);
int	suppress_entry_why(const char *value, struct suppress_why *w);

#endif
