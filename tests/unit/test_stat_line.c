/*
 * NAME
 *	test_stat_line - campaignstat's syslog header and time parser
 * DESCRIPTION
 *	Table-driven: traditional, ISO 8601 (with microseconds, zones) and
 *	RFC 5424 headers, several hosts, tags with and without a pid,
 *	lines cut anywhere, the year inference over a new year, and the
 *	--since/--until argument forms.  Runs in UTC.
 * SEE ALSO
 *	campaignstat/cs_line.h
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testhelp.h"
#include "../../campaignstat/cs_line.h"

/* 2026-11-28 00:00:00 UTC */
#define DAY	1795824000LL
#define US	1000000LL

static const struct {
	const char *line;
	int	ok;
	long long t;			/* microseconds */
	const char *host, *prog, *msg;
	int	ours;
} lines[] = {
	{"Nov 28 17:54:25 mx1 postfix/smtp[123]: ABC: to=<a@b>", 1,
	 (DAY + 17 * 3600 + 54 * 60 + 25) * US, "mx1", "postfix/smtp", "ABC: to=<a@b>", 0},
	{"Nov  2 01:02:03 mx2 postfix/qmgr[1]: x", 1,
	 (DAY - 26 * 86400 + 3723) * US, "mx2", "postfix/qmgr", "x", 0},
	{"<22>Nov 28 00:00:01 h campaign-milter[9]: Q: campaign=a", 1,
	 (DAY + 1) * US, "h", "campaign-milter", "Q: campaign=a", 1},
	{"Nov 28 00:00:01.250000 h prog: text", 1, (DAY + 1) * US + 250000,
	 "h", "prog", "text", 0},
	{"2026-11-28T17:54:25.123456+01:00 mx1 postfix/smtp[123]: m", 1,
	 (DAY + 16 * 3600 + 54 * 60 + 25) * US + 123456, "mx1", "postfix/smtp", "m", 0},
	{"2026-11-28T17:54:25Z box campaign-filter[5]: m", 1,
	 (DAY + 17 * 3600 + 54 * 60 + 25) * US, "box", "campaign-filter", "m", 1},
	{"2026-11-28T17:54:25.5-0230 a b: c", 1,
	 (DAY + 20 * 3600 + 24 * 60 + 25) * US + 500000, "a", "b", "c", 0},
	{"2026-11-28 00:00:00.000001 h p: m", 1, DAY * US + 1, "h", "p", "m", 0},
	{"<22>1 2026-11-28T00:00:02.5Z mx3 postfix/smtp 123 - - ABC: to=<a@b>", 1,
	 (DAY + 2) * US + 500000, "mx3", "postfix/smtp", "ABC: to=<a@b>", 0},
	{"<22>1 2026-11-28T00:00:02Z mx3 campaign-milter 9 ID47 [x@1 a=\"]\\\"\"][y@2] \xef\xbb\xbfQ: k=v", 1,
	 (DAY + 2) * US, "mx3", "campaign-milter", "Q: k=v", 1},
	{"<22>1 2026-11-28T00:00:02Z mx3 - - - - free text", 1,
	 (DAY + 2) * US, "mx3", "", "free text", 0},
	/* no tag: the whole rest is the message */
	{"Nov 28 00:00:00 h kernel said something", 1, DAY * US, "h", "", "kernel said something", 0},
	{"Nov 28 00:00:00 h prog[12 no close", 1, DAY * US, "h", "", "prog[12 no close", 0},
	{"Nov 28 00:00:00 h prog[12]:", 1, DAY * US, "h", "", "prog[12]:", 0},
	/* cut or broken headers */
	{"", 0, 0, 0, 0, 0, 0},
	{"Nov", 0, 0, 0, 0, 0, 0},
	{"Nov 28 17:54", 0, 0, 0, 0, 0, 0},
	{"Nov 28 17:54:25", 0, 0, 0, 0, 0, 0},
	{"Nov 28 17:54:25 ", 0, 0, 0, 0, 0, 0},
	{"Nov 28 17:54:25 hostonly", 0, 0, 0, 0, 0, 0},
	{"Xyz 28 17:54:25 h p: m", 0, 0, 0, 0, 0, 0},
	{"Nov 32 17:54:25 h p: m", 0, 0, 0, 0, 0, 0},
	{"Nov 28 24:00:00 h p: m", 0, 0, 0, 0, 0, 0},
	{"2026-13-28T00:00:00Z h p: m", 0, 0, 0, 0, 0, 0},
	{"2026-11-28T00:00:00+1 h p: m", 0, 0, 0, 0, 0, 0},
	{"2026-11-28T00:00", 0, 0, 0, 0, 0, 0},
	{"<22", 0, 0, 0, 0, 0, 0},
	{"<22>1 2026-11-28T00:00:02Z mx3 app", 0, 0, 0, 0, 0, 0},
	{"garbage line", 0, 0, 0, 0, 0, 0},
};

static void
expect_str(struct cs_str s, const char *want, const char *what, const char *line)
{
	char	got[256];

	snprintf(got, sizeof(got), "%.*s", (int) s.n, s.p);
	CHECK_STR(got, want, "%s of \"%s\"", what, line);
}

/* test_lines - every header form; the input is copied to an exact-size
 * heap block so that ASan sees any read past the line's end */
static void
test_lines(void)
{
	struct cs_clock ck;
	struct cs_line l;
	size_t	i, n;
	char   *copy;
	int	r;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		n = strlen(lines[i].line);
		copy = malloc(n ? n : 1);
		memcpy(copy, lines[i].line, n);
		cs_clock_init(&ck, (time_t) DAY, 0);
		r = cs_line_parse(copy, n, &ck, &l);
		CHECK_INT(r == 0, lines[i].ok, "parsed \"%s\"", lines[i].line);
		if (r == 0 && lines[i].ok) {
			CHECK_INT(l.t, lines[i].t, "time of \"%s\"", lines[i].line);
			expect_str(l.host, lines[i].host, "host", lines[i].line);
			expect_str(l.prog, lines[i].prog, "program", lines[i].line);
			expect_str(l.msg, lines[i].msg, "message", lines[i].line);
			CHECK_INT(l.ours, lines[i].ours, "ours of \"%s\"", lines[i].line);
		}
		free(copy);
	}
}

/* test_every_cut - every prefix of a line parses or fails, in bounds */
static void
test_every_cut(void)
{
	static const char *full[] = {
		"Nov 28 17:54:25.123 mx1 postfix/smtp[123]: ABC: to=<a@b>",
		"2026-11-28T17:54:25.123456+01:00 mx1 campaign-filter[1]: Q: x=y",
		"<22>1 2026-11-28T00:00:02Z mx3 app 9 ID [a b=\"c\"] msg",
	};
	struct cs_clock ck;
	struct cs_line l;
	size_t	i, n;
	int	bad = 0;
	char   *copy;

	for (i = 0; i < 3; i++)
		for (n = 0; n <= strlen(full[i]); n++) {
			copy = malloc(n ? n : 1);
			memcpy(copy, full[i], n);
			cs_clock_init(&ck, (time_t) DAY, 0);
			if (cs_line_parse(copy, n, &ck, &l) == 0
			    && (l.msg.p < copy || l.msg.p + l.msg.n > copy + n))
				bad++;
			free(copy);
		}
	CHECK_INT(bad, 0, "cut lines with a message outside the line");
}

/* test_year - traditional stamps: inferred year, new-year wrap, --year */
static void
test_year(void)
{
	static const struct {
		long long ref;		/* reference time, s */
		int	fixed;
		const char *a, *b;
		long long ta, tb;	/* s */
	} cases[] = {
		/* reference 2026-11-28: Dec 31 is last year's, Jan 1 after it */
		{DAY, 0, "Dec 31 23:59:59 h p: m", "Jan  1 00:00:01 h p: m",
		 1767225599LL, 1767225601LL},
		/* reference 2026-11-28: Nov 29 (a day later) is this year's */
		{DAY, 0, "Nov 29 00:00:00 h p: m", "Nov 29 00:00:01 h p: m",
		 DAY + 86400, DAY + 86401},
		/* --year 2024 (leap): Feb 29 exists */
		{DAY, 2024, "Feb 29 12:00:00 h p: m", "Mar  1 00:00:00 h p: m",
		 1709208000LL, 1709251200LL},
	};
	struct cs_clock ck;
	struct cs_line l;
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cs_clock_init(&ck, (time_t) cases[i].ref, cases[i].fixed);
		CHECK_INT(cs_line_parse(cases[i].a, strlen(cases[i].a), &ck, &l), 0, "parse %s", cases[i].a);
		CHECK_INT(l.t, cases[i].ta * US, "time of %s", cases[i].a);
		CHECK_INT(cs_line_parse(cases[i].b, strlen(cases[i].b), &ck, &l), 0, "parse %s", cases[i].b);
		CHECK_INT(l.t, cases[i].tb * US, "time of %s after %s", cases[i].b, cases[i].a);
	}
}

/* test_args - the --since/--until forms */
static void
test_args(void)
{
	static const struct {
		const char *arg;
		int	ok;
		long long t;		/* s */
	} cases[] = {
		{"@1795824000", 1, DAY},
		{"2026-11-28", 1, DAY},
		{"2026-11-28 10:30", 1, DAY + 37800},
		{"2026-11-28T10:30:15", 1, DAY + 37815},
		{"2026-11-28T10:30:15Z", 1, DAY + 37815},
		{"2026-11-28T10:30:15+02:00", 1, DAY + 37815 - 7200},
		{"2026-11-28T10:30:15.5Z", 1, DAY + 37815},	/* fraction below */
		{"@", 0, 0},
		{"@12x", 0, 0},
		{"yesterday", 0, 0},
		{"2026-11-28 10", 0, 0},
		{"2026-13-01", 0, 0},
		{"2026-11-28T10:30:15+0", 0, 0},
		{"", 0, 0},
	};
	long long t;
	size_t	i;
	int	r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = -1;
		r = cs_time_parse_arg(cases[i].arg, &t);
		CHECK_INT(r == 0, cases[i].ok, "accepted \"%s\"", cases[i].arg);
		if (r == 0 && cases[i].ok)
			CHECK_INT(t / US, cases[i].t, "time of \"%s\"", cases[i].arg);
	}
}

static void
test_format(void)
{
	char	buf[32];

	cs_time_format((DAY + 3723) * US + 999999, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-28 01:02:03", "cs_time_format");
	CHECK_INT(cs_days_from_civil(1970, 1, 1), 0, "epoch day");
	CHECK_INT(cs_days_from_civil(2000, 3, 1), 11017, "2000-03-01");
	CHECK_INT(cs_days_from_civil(2026, 11, 28), DAY / 86400, "2026-11-28");
}

/* test_pids - the process id of "TAG[PID]:" and RFC 5424's PROCID */
static void
test_pids(void)
{
	static const struct {
		const char *line;
		long	pid;
	} rows[] = {
		{"Nov 28 17:54:25 mx1 postfix/smtp[123]: m", 123},
		{"2026-11-28T17:54:25Z mx1 postfix/campaign-google/smtp[4803]: m", 4803},
		{"<22>1 2026-11-28T00:00:02Z mx3 postfix/smtp 99 - - m", 99},
		{"<22>1 2026-11-28T00:00:02Z mx3 postfix/smtp - - - m", -1},
		{"Nov 28 17:54:25 mx1 prog: m", -1},
		{"Nov 28 17:54:25 mx1 prog[]: m", -1},
		{"Nov 28 17:54:25 mx1 prog[12x]: m", -1},
		{"Nov 28 17:54:25 mx1 prog[12345678901]: m", -1},
		{"Nov 28 00:00:00 h prog[12 no close", -1},
		{"Nov 28 00:00:00 h prog[12]:", -1},
	};
	struct cs_clock ck;
	struct cs_line l;
	size_t	i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		cs_clock_init(&ck, (time_t) DAY, 0);
		if (cs_line_parse(rows[i].line, strlen(rows[i].line), &ck, &l) < 0)
			l.pid = -2;
		CHECK_INT(l.pid, rows[i].pid, "pid of \"%s\"", rows[i].line);
	}
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_lines();
	test_pids();
	test_every_cut();
	test_year();
	test_args();
	test_format();
	return TEST_DONE("test_stat_line");
}
