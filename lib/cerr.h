/*
 * NAME
 *	cerr - the error text that lib/ functions fill in on failure
 * SYNOPSIS
 *	#include "cerr.h"
 *
 *	struct cerr e;
 *	if (some_lib_call(..., &e) < 0)
 *		report("%s: %s", where, e.msg);
 * DESCRIPTION
 *	The one error idiom of lib/: a function returns 0 (or a count) on
 *	success and -1 on failure, after cerr_set() wrote a short, printable
 *	text into the caller's struct cerr.  lib/ never prints; the caller adds
 *	file:line, the queue id or the address, and decides what happens.
 *
 *	cerr_set() formats like printf, truncates silently to the buffer, and
 *	returns -1 so that "return cerr_set(e, ...)" is one line.  e may be
 *	NULL, in which case nothing is written.
 */
#ifndef CERR_H
#define CERR_H

#define CERR_MAX 512

struct cerr {
	char	msg[CERR_MAX];
};

int	cerr_set(struct cerr *e, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	cerr_clear(struct cerr *e);

#endif
