/*
 * NAME
 *	cs_line - syslog line header and time stamps (see cs_line.h)
 * DESCRIPTION
 *	Hand-written scanners, no regex and no allocation: this runs once per
 *	log line.  Every read is bounded by the line length n.
 * SEE ALSO
 *	cs_line.h, RFC 3164, RFC 5424.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cs_line.h"

#define US	1000000LL

/* cs_days_from_civil - H. Hinnant's algorithm, exact for every year */
long long
cs_days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
cs_clock_init(struct cs_clock *ck, time_t ref, int year)
{
	memset(ck, 0, sizeof(*ck));
	ck->ref = ref;
	ck->year = year;
	ck->fixed = year != 0;
}

/* local_hour - local time of y-m-d h:00:00 in seconds, cached per hour */
static long long
local_hour(struct cs_clock *ck, int y, int mo, int d, int h)
{
	int	key = ((y * 100 + mo) * 100 + d) * 100 + h;
	struct tm tm;

	if (key == ck->ckey)
		return ck->cmid;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_isdst = -1;
	ck->ckey = key;
	ck->cmid = (long long) mktime(&tm);
	return ck->cmid;
}

/* infer_year - the year of a traditional time stamp in month mo */
static int
infer_year(struct cs_clock *ck, int mo, int d)
{
	struct tm tm;

	if (ck->year == 0) {
		localtime_r(&ck->ref, &tm);
		ck->year = tm.tm_year + 1900;
		/* a date more than a day after the reference is last year's */
		if (cs_days_from_civil(ck->year, mo, d) >
		    cs_days_from_civil(ck->year, tm.tm_mon + 1, tm.tm_mday) + 1)
			ck->year--;
	} else if (!ck->fixed && ck->lastmon && mo < ck->lastmon - 6) {
		ck->year++;
	}
	ck->lastmon = mo;
	return ck->year;
}

static int
num2(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

static int
month_of(const char *s)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int	i;

	for (i = 0; i < 12; i++)
		if (memcmp(names + 3 * i, s, 3) == 0)
			return i + 1;
	return 0;
}

/* parse_hms - "hh:mm:ss" at s (8 bytes) into seconds, or -1 */
static int
parse_hms(const char *s)
{
	int	h = num2(s), m = num2(s + 3), sec = num2(s + 6);

	if (h < 0 || m < 0 || sec < 0 || s[2] != ':' || s[5] != ':'
	    || h > 23 || m > 59 || sec > 60)
		return -1;
	return h * 3600 + m * 60 + sec;
}

/* parse_frac - optional ".digits" at *pp: microseconds; advances *pp */
static long long
parse_frac(const char **pp, const char *end)
{
	const char *p = *pp;
	long long us = 0, scale = 100000;

	if (p >= end || *p != '.')
		return 0;
	for (p++; p < end && *p >= '0' && *p <= '9'; p++) {
		us += (*p - '0') * scale;
		scale /= 10;
	}
	*pp = p;
	return us;
}

/* parse_trad - "Mmm dd hh:mm:ss[.frac] "; returns bytes used, -1 */
static long
parse_trad(const char *s, const char *end, struct cs_clock *ck, long long *t)
{
	const char *p = s;
	int	mo, d, hms, y;
	long long us;

	if (end - p < 16 || (mo = month_of(p)) == 0 || p[3] != ' ')
		return -1;
	p += 4;
	if (*p == ' ')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	d = *p++ - '0';
	if (*p >= '0' && *p <= '9')
		d = d * 10 + (*p++ - '0');
	if (d < 1 || d > 31 || *p++ != ' ' || end - p < 9
	    || (hms = parse_hms(p)) < 0)
		return -1;
	p += 8;
	us = parse_frac(&p, end);
	if (p >= end || *p != ' ')
		return -1;
	y = infer_year(ck, mo, d);
	*t = (local_hour(ck, y, mo, d, hms / 3600) + hms % 3600) * US + us;
	return p + 1 - s;
}

/* parse_zone - "Z", "+hh:mm", "+hhmm" or nothing (local: *local = 1) */
static int
parse_zone(const char **pp, const char *end, long *off, int *local)
{
	const char *p = *pp;
	int	h, m, sign;

	*off = 0;
	*local = 0;
	if (p < end && *p == 'Z') {
		*pp = p + 1;
		return 0;
	}
	if (p >= end || (*p != '+' && *p != '-')) {
		*local = 1;
		return 0;
	}
	sign = *p == '-' ? -1 : 1;
	if (end - p < 5 || (h = num2(p + 1)) < 0)
		return -1;
	p += 3;
	if (*p == ':')
		p++;
	if (end - p < 2 || (m = num2(p)) < 0)
		return -1;
	*off = sign * (h * 3600L + m * 60L);
	*pp = p + 2;
	return 0;
}

/* parse_iso - "YYYY-MM-DDTHH:MM:SS[.frac][zone] "; bytes used or -1 */
static long
parse_iso(const char *s, const char *end, struct cs_clock *ck, long long *t)
{
	const char *p = s;
	int	y, mo, d, hms, local;
	long	off;
	long long us, day;

	if (end - p < 20 || num2(p) < 0 || num2(p + 2) < 0 || p[4] != '-'
	    || p[7] != '-' || (p[10] != 'T' && p[10] != ' '))
		return -1;
	y = num2(p) * 100 + num2(p + 2);
	mo = num2(p + 5);
	d = num2(p + 8);
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || (hms = parse_hms(p + 11)) < 0)
		return -1;
	p += 19;
	us = parse_frac(&p, end);
	if (parse_zone(&p, end, &off, &local) < 0 || p >= end || *p != ' ')
		return -1;
	if (local) {
		*t = (local_hour(ck, y, mo, d, hms / 3600) + hms % 3600) * US + us;
	} else {
		day = cs_days_from_civil(y, mo, d);
		*t = (day * 86400 + hms - off) * US + us;
	}
	return p + 1 - s;
}

/* word - the run of non-space bytes at *pp; skips one space after it */
static int
word(const char **pp, const char *end, struct cs_str *w)
{
	const char *p = *pp, *sp;

	sp = memchr(p, ' ', end - p);
	if (sp == NULL || sp == p)
		return -1;
	w->p = p;
	w->n = sp - p;
	*pp = sp + 1;
	return 0;
}

/* pid_of - the decimal process id in [p, end), -1 when not one */
static long
pid_of(const char *p, const char *end)
{
	long	n = 0;

	if (p >= end || end - p > 10)
		return -1;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (*p - '0');
	}
	return n;
}

/* parse_tag - "prog[pid]: msg" or "prog: msg"; without a tag, all is msg */
static void
parse_tag(const char *p, const char *end, struct cs_line *l)
{
	const char *q = p;

	while (q < end && *q != '[' && *q != ':' && *q != ' ')
		q++;
	l->prog.p = p;
	l->prog.n = q - p;
	if (q < end && *q == '[') {
		const char *pid = q + 1;

		while (q < end && *q != ']')
			q++;
		if (q < end)
			l->pid = pid_of(pid, q++);
	}
	if (l->prog.n > 0 && end - q >= 2 && q[0] == ':' && q[1] == ' ') {
		l->msg.p = q + 2;
		l->msg.n = end - q - 2;
	} else {
		l->prog.n = 0;
		l->pid = -1;
		l->msg.p = p;
		l->msg.n = end - p;
	}
}

/* skip_sd - RFC 5424 structured data: "-" or "[...]..."; then one space */
static const char *
skip_sd(const char *p, const char *end)
{
	if (p < end && *p == '-')
		return p + 1 < end && p[1] == ' ' ? p + 2 : end;
	while (p < end && *p == '[') {
		for (p++; p < end && *p != ']'; p++)
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '"')
				for (p++; p < end && *p != '"'; p++)
					if (*p == '\\' && p + 1 < end)
						p++;
		if (p < end)
			p++;
	}
	return p < end && *p == ' ' ? p + 1 : end;
}

/* parse_5424 - after "<PRI>1 ": TS HOST APP PROCID MSGID SD MSG */
static int
parse_5424(const char *p, const char *end, struct cs_clock *ck,
	   struct cs_line *l)
{
	struct cs_str procid, msgid;
	long	used;

	if ((used = parse_iso(p, end, ck, &l->t)) < 0)
		return -1;
	p += used;
	if (word(&p, end, &l->host) < 0 || word(&p, end, &l->prog) < 0
	    || word(&p, end, &procid) < 0 || word(&p, end, &msgid) < 0)
		return -1;
	if (l->prog.n == 1 && l->prog.p[0] == '-')
		l->prog.n = 0;
	l->pid = pid_of(procid.p, procid.p + procid.n);
	p = skip_sd(p, end);
	if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	l->msg.p = p;
	l->msg.n = end - p;
	return 0;
}

int
cs_line_parse(const char *s, size_t n, struct cs_clock *ck, struct cs_line *l)
{
	const char *p = s, *end = s + n;
	long	used;

	memset(l, 0, sizeof(*l));
	l->len = n + 1;
	l->pid = -1;
	if (p < end && *p == '<') {
		while (p < end && *p != '>')
			p++;
		if (++p >= end)
			return -1;
		if (end - p > 2 && p[0] == '1' && p[1] == ' ') {
			if (parse_5424(p + 2, end, ck, l) < 0)
				return -1;
			goto done;
		}
	}
	if (p < end && *p >= '0' && *p <= '9')
		used = parse_iso(p, end, ck, &l->t);
	else
		used = parse_trad(p, end, ck, &l->t);
	if (used < 0)
		return -1;
	p += used;
	if (word(&p, end, &l->host) < 0)
		return -1;
	parse_tag(p, end, l);
done:
	l->ours = l->prog.n > 9 && memcmp(l->prog.p, "campaign-", 9) == 0;
	return 0;
}

/* parse_arg_local - "YYYY-MM-DD[( |T)HH:MM[:SS]]" as local time */
static int
parse_arg_local(const char *a, long long *t_us)
{
	struct tm tm;
	int	y, mo, d, h = 0, mi = 0, s = 0, n = 0, got;

	got = sscanf(a, "%4d-%2d-%2d%n", &y, &mo, &d, &n);
	if (got != 3)
		return -1;
	a += n;
	if (*a == 'T' || *a == ' ') {
		n = 0;
		if (sscanf(a + 1, "%2d:%2d%n", &h, &mi, &n) != 2)
			return -1;
		a += 1 + n;
		if (*a == ':' && sscanf(a + 1, "%2d%n", &s, &n) == 1)
			a += 1 + n;
	}
	if (*a != 0 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	*t_us = (long long) mktime(&tm) * US;
	return 0;
}

int
cs_time_parse_arg(const char *arg, long long *t_us)
{
	struct cs_clock ck;
	char	tmp[64];
	char   *end;
	long long v;

	if (arg[0] == '@') {
		v = strtoll(arg + 1, &end, 10);
		if (end == arg + 1 || *end != 0)
			return -1;
		*t_us = v * US;
		return 0;
	}
	if (parse_arg_local(arg, t_us) == 0)
		return 0;
	/* an ISO 8601 time with a zone: reuse the log parser */
	if (snprintf(tmp, sizeof(tmp), "%s ", arg) >= (int) sizeof(tmp))
		return -1;
	cs_clock_init(&ck, 0, 0);
	return parse_iso(tmp, tmp + strlen(tmp), &ck, t_us) ==
	    (long) strlen(tmp) ? 0 : -1;
}

void
cs_time_format(long long t_us, char *out, size_t outlen)
{
	time_t	t = (time_t) (t_us / US);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, outlen, "%Y-%m-%d %H:%M:%S", &tm);
}
