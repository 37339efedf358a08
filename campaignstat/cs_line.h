/*
 * NAME
 *	cs_line - split one syslog line into time, host, program and message
 * SYNOPSIS
 *	#include "cs_line.h"
 *
 *	struct cs_clock ck;
 *	struct cs_line l;
 *	cs_clock_init(&ck, reference_time, 0);
 *	if (cs_line_parse(s, n, &ck, &l) < 0) ...	not a syslog line
 * DESCRIPTION
 *	Three header forms are read, each followed by "HOST TAG: MESSAGE":
 *
 *	  traditional (RFC 3164, syslog-ng's default file template):
 *		Nov 28 17:54:25 host postfix/smtp[123]: message
 *	  ISO 8601 (syslog-ng ts_format(iso), rsyslog's high precision):
 *		2026-11-28T17:54:25.123456+01:00 host postfix/smtp[123]: message
 *	  RFC 5424:
 *		<22>1 2026-11-28T17:54:25Z host postfix/smtp 123 - - message
 *
 *	An optional "<PRI>" in front of the first two forms is skipped, and
 *	so is a fraction of a second after a traditional time.
 *
 *	The traditional form has no year and no zone: it is local time, and
 *	the year is inferred per input by a struct cs_clock.  The first line
 *	gets the year of the reference time (a file's modification time, or
 *	now), one less when that would put it more than a day after the
 *	reference; afterwards the year goes up by one whenever the month goes
 *	back (December to January).  cs_clock_init() with a non-zero year
 *	fixes the year instead.  The local time of the start of each hour is
 *	computed once (mktime) and cached, so the per-line cost is a few
 *	integer operations.
 *
 *	cs_line_parse() fills l with pointers into s (no copy; s need not be
 *	NUL-terminated) and returns 0, or -1 when the line has no recognised
 *	header.  l->t is in microseconds since the epoch; l->pid is the
 *	process id of "TAG[PID]:" (RFC 5424: a numeric PROCID), -1 without.  l->ours is set for
 *	the programs of this project (tag starting "campaign-"), which sort
 *	first among lines of the same time when several inputs are merged.
 *
 *	cs_time_parse_arg() reads a --since/--until argument: "@EPOCH",
 *	"YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" or "YYYY-MM-DDTHH:MM[:SS]" in
 *	local time, or an ISO 8601 time with a zone; returns 0 or -1.
 *	cs_time_format() writes "YYYY-MM-DD HH:MM:SS" local time.
 * SEE ALSO
 *	RFC 3164, RFC 5424, syslog-ng.conf(5) ts_format.
 */
#ifndef CS_LINE_H
#define CS_LINE_H

#include <stddef.h>
#include <time.h>

struct cs_str {
	const char *p;
	size_t	n;
};

struct cs_clock {
	time_t	ref;			/* reference for year inference */
	int	year;			/* 0 = not yet inferred */
	int	fixed;			/* year given by the user */
	int	lastmon;		/* 1..12, 0 = none yet */
	int	ckey;			/* cached day: y*10000+m*100+d */
	long long cmid;			/* local midnight of that day */
};

struct cs_line {
	long long t;			/* microseconds since the epoch */
	struct cs_str host;
	struct cs_str prog;		/* "postfix/smtp", "campaign-filter" */
	struct cs_str msg;		/* after "TAG: " */
	long	pid;			/* TAG[PID] or RFC 5424 PROCID; -1: none */
	size_t	len;			/* bytes of the whole line, its newline counted */
	int	ours;
};

void	cs_clock_init(struct cs_clock *ck, time_t ref, int year);
int	cs_line_parse(const char *s, size_t n, struct cs_clock *ck,
		      struct cs_line *l);
int	cs_time_parse_arg(const char *arg, long long *t_us);
void	cs_time_format(long long t_us, char *out, size_t outlen);

/* cs_days_from_civil - days since 1970-01-01 of a proleptic Gregorian date */
long long cs_days_from_civil(int y, int m, int d);

#endif
