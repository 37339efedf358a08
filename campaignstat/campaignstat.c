/*
 * NAME
 *	campaignstat - per-campaign report from Postfix and campaign logs
 * SYNOPSIS
 *	campaignstat [-v] [--json | --csv | --html | --bounced] [--campaign ID]...
 *		[--since TIME] [--until TIME] [--follow [--interval SECS]]
 *		[--year YEAR] [--sender-pattern LIST] [--filter-transport NAME]
 *		[--top N] [FILE...]
 * DESCRIPTION
 *	Reads syslog files (stdin when none; gzip files directly; several
 *	files merged in time order) holding campaign-milter, campaign-filter,
 *	campaign-bounce and campaign-unsubscribe notice lines plus Postfix's
 *	delivery lines (the
 *	compact delivery log, or full Postfix logs), follows every message
 *	from its queue id through the filter's reinjection to its deliveries,
 *	and reports per campaign; the bounce rules (--bounce-rules, lib/classify)
 *	name the category of each failure.  main() does the options and the reading
 *	loop; cs_line (headers, time), cs_parse (messages), cs_track (queue
 *	ids, counts), cs_stats (histogram, rate, tables) and cs_report
 *	(output) do the work.
 * DIAGNOSTICS
 *	Errors on stderr.  Exit status: 0 done; 64 usage error; 66 an input
 *	cannot be opened; 78 the --bounce-rules file cannot be read or has a
 *	malformed rule; 74 an input could not be read to its end (the
 *	report covers what was read).  An unparseable line is never fatal:
 *	it is counted, and shown on stderr with -v.  Lines of hosts past
 *	the first CS_HOSTS_MAX, and events lost to memory exhaustion, are
 *	not counted; a warning on stderr says how many.
 * SEE ALSO
 *	campaignstat(1), campaignstat-json.md, DESIGN.md (log lines).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cs_input.h"
#include "cs_report.h"

enum { FMT_TEXT, FMT_JSON, FMT_CSV, FMT_HTML, FMT_BOUNCED };

struct opts {
	int	verbose;
	int	format;
	int	follow;
	int	interval;
	int	year;
	int	top;
	long long since, until;
	const char *pattern;
	const char *transport;
	const char *rules;		/* --bounce-rules, NULL: the default */
	const char *providers;		/* --providers, NULL: no provider table */
	const char **want;
	int	nwant;
};

static volatile sig_atomic_t stop;

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: campaignstat [options] [FILE...]\n"
"  -j, --json              JSON report (schema: campaignstat-json.md)\n"
"      --csv               CSV, one row per campaign\n"
"      --html              one self-contained HTML page (tables, SVG rate chart)\n"
"  -b, --bounced           print hard-bounced recipients for campaign-suppress import\n"
"  -C, --campaign ID       report only this campaign (repeatable)\n"
"      --since TIME        ignore lines before TIME (YYYY-MM-DD[ HH:MM[:SS]], ISO 8601, @EPOCH)\n"
"      --until TIME        ignore lines at or after TIME\n"
"  -f, --follow            keep reading growing files, refresh the report\n"
"      --interval SECS     refresh every SECS seconds with --follow (default 2)\n"
"      --year YEAR         year of traditional time stamps (default: inferred)\n"
"      --sender-pattern L  sender templates giving the campaign id, %%c = id\n"
"                          (default \"%s\")\n"
"      --filter-transport T  the content filter's transport (default campaign)\n"
"      --bounce-rules FILE the bounce classifier's rules (default %s)\n"
"      --providers FILE    count deliveries and deferrals per provider of this table\n"
"                          (postfix-conf/providers format; campaign-setup --providers)\n"
"      --top N             rows of the domain and reason tables (default 10, 0 = all)\n"
"  -v, --verbose           show unparseable lines on stderr\n"
"  -h, --help              this text\n", CS_PATTERN_DEFAULT, CS_RULES_DEFAULT);
}

static int
num_arg(const char *s, int lo, int hi, int *out)
{
	char   *end;
	long	v = strtol(s, &end, 10);

	if (end == s || *end != 0 || v < lo || v > hi)
		return -1;
	*out = (int) v;
	return 0;
}

/* want_add - one more --campaign */
static int
want_add(struct opts *o, const char *id)
{
	const char **n = realloc(o->want, (o->nwant + 1) * sizeof(*n));

	if (n == NULL)
		return -1;
	o->want = n;
	o->want[o->nwant++] = id;
	return 0;
}

static int
time_opt(const char *arg, long long *t)
{
	if (cs_time_parse_arg(arg, t) == 0)
		return 0;
	fprintf(stderr, "campaignstat: bad time \"%s\"\n", arg);
	return -1;
}

/* one_opt - apply one long option; -1 = usage error */
static int
one_opt(struct opts *o, int c, const char *arg)
{
	switch (c) {
	case 'v': o->verbose++; return 0;
	case 'j': o->format = FMT_JSON; return 0;
	case 'S': o->format = FMT_CSV; return 0;
	case 'H': o->format = FMT_HTML; return 0;
	case 'b': o->format = FMT_BOUNCED; return 0;
	case 'f': o->follow = 1; return 0;
	case 'C': return want_add(o, arg);
	case 's': return time_opt(arg, &o->since);
	case 'u': return time_opt(arg, &o->until);
	case 'i': return num_arg(arg, 1, 3600, &o->interval);
	case 'y': return num_arg(arg, 1970, 9999, &o->year);
	case 't': return num_arg(arg, 0, 1000000, &o->top);
	case 'p': o->pattern = arg; return 0;
	case 'T': o->transport = arg; return 0;
	case 'R': o->rules = arg; return 0;
	case 'P': o->providers = arg; return 0;
	default: return -1;
	}
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"verbose", no_argument, 0, 'v'}, {"json", no_argument, 0, 'j'},
		{"csv", no_argument, 0, 'S'}, {"html", no_argument, 0, 'H'},
		{"bounced", no_argument, 0, 'b'},
		{"follow", no_argument, 0, 'f'}, {"campaign", required_argument, 0, 'C'},
		{"since", required_argument, 0, 's'}, {"until", required_argument, 0, 'u'},
		{"interval", required_argument, 0, 'i'}, {"year", required_argument, 0, 'y'},
		{"top", required_argument, 0, 't'},
		{"sender-pattern", required_argument, 0, 'p'},
		{"filter-transport", required_argument, 0, 'T'},
		{"bounce-rules", required_argument, 0, 'R'},
		{"providers", required_argument, 0, 'P'},
		{"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
	};
	int	c;

	memset(o, 0, sizeof(*o));
	o->interval = 2;
	o->top = 10;
	o->pattern = CS_PATTERN_DEFAULT;
	o->transport = "campaign";
	while ((c = getopt_long(argc, argv, "vjbfC:h", lo, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (one_opt(o, c, optarg) < 0) {
			usage(stderr);
			return -1;
		}
	}
	return 0;
}

static void
show_bad(const struct opts *o, const struct cs_item *it, const char *why)
{
	if (!o->verbose)
		return;
	fprintf(stderr, "campaignstat: %s: unparsed (%s): %.*s\n", it->from->name,
		why, (int) (it->raw.n > 1024 ? 1024 : it->raw.n), it->raw.p);
}

/* process - one line: count it, parse it, hand it to the tracker */
static void
process(const struct opts *o, struct cs_track *tr, struct cs_linestats *ls,
	const struct cs_item *it)
{
	struct cs_event ev;

	ls->total++;
	if (!it->ok) {
		ls->bad++;
		show_bad(o, it, "no syslog header");
		return;
	}
	if ((o->since && it->line.t < o->since) || (o->until && it->line.t >= o->until)) {
		ls->outside++;
		return;
	}
	switch (cs_parse_msg(&it->line, &ev)) {
	case CS_OTHER:
		ls->other++;
		cs_track_other(tr, &it->line, &ev);
		return;
	case CS_BAD:
		ls->bad++;
		show_bad(o, it, ev.why);
		cs_track_other(tr, &it->line, &ev);
		return;
	default:
		ls->used++;
		cs_track_event(tr, &it->line, &ev);
	}
}

/* report - print the report; a refresh (final 0) keeps held lines held */
static void
report(const struct opts *o, struct cs_track *tr, struct cs_linestats *ls,
       struct cs_merge *mg, int final)
{
	int	i;

	if (o->format == FMT_BOUNCED) {
		fflush(stdout);
		return;
	}
	ls->toolong = ls->bytes = 0;
	for (i = 0; i < mg->n; i++) {
		ls->toolong += mg->in[i]->toolong;
		ls->bytes += mg->in[i]->bytes;
	}
	if (final)
		cs_track_finish(tr);
	else
		cs_track_snapshot(tr);
	if (o->format == FMT_JSON)
		cs_report_json(stdout, tr, ls, o->top);
	else if (o->format == FMT_CSV)
		cs_report_csv(stdout, tr);
	else if (o->format == FMT_HTML)
		cs_report_html(stdout, tr, ls, o->top);
	else
		cs_report_text(stdout, tr, ls, o->top);
	fflush(stdout);
}

/* drain - process every line available now; 74 after a read error */
static int
drain(const struct opts *o, struct cs_track *tr, struct cs_linestats *ls,
      struct cs_merge *mg)
{
	struct cs_item it;
	struct cerr e;
	int	r, st = 0;

	while (!stop) {
		r = cs_merge_next(mg, &it, &e);
		if (r == 0)
			break;
		if (r < 0) {
			fprintf(stderr, "campaignstat: %s\n", e.msg);
			st = EX_IOERR;
			continue;
		}
		process(o, tr, ls, &it);
	}
	return st;
}

static void
on_signal(int sig)
{
	(void) sig;
	stop = 1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* follow - read as the files grow; refresh the report every interval */
static int
follow(const struct opts *o, struct cs_track *tr, struct cs_linestats *ls,
       struct cs_merge *mg)
{
	struct timespec nap = {0, 200 * 1000 * 1000};
	double	next = 0;
	int	st = 0, tty = isatty(1);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop) {
		st |= drain(o, tr, ls, mg);
		if (now_s() >= next && o->format != FMT_BOUNCED) {
			if (tty)
				fputs("\033[H\033[2J", stdout);
			report(o, tr, ls, mg, 0);
			next = now_s() + o->interval;
		}
		if (!stop)
			nanosleep(&nap, NULL);
	}
	return st;
}

/* open_inputs - every FILE, or stdin; 66 when one cannot be opened */
static int
open_inputs(const struct opts *o, int argc, char **argv, struct cs_merge *mg)
{
	static char dash[] = "-";
	char   *def[] = {dash};
	struct cerr e;
	int	i;

	if (argc == 0) {
		argv = def;
		argc = 1;
	}
	if ((mg->in = calloc(argc, sizeof(*mg->in))) == NULL)
		return EX_NOINPUT;
	for (i = 0; i < argc; i++) {
		if ((mg->in[i] = cs_input_open(argv[i], o->year, &e)) == NULL) {
			fprintf(stderr, "campaignstat: %s\n", e.msg);
			return EX_NOINPUT;
		}
		mg->n++;
	}
	mg->follow = o->follow;
	return 0;
}

/* load_rules - the classifier's rules: --bounce-rules must load; the
 * default may be absent (failures are then "other", said on stderr) */
static int
load_rules(const struct opts *o, struct cs_track *tr)
{
	struct cerr e;

	if (o->rules == NULL && access(CS_RULES_DEFAULT, F_OK) != 0)
		return 0;
	if ((tr->rules = classify_load(o->rules ? o->rules : CS_RULES_DEFAULT, &e)) == NULL) {
		fprintf(stderr, "campaignstat: %s\n", e.msg);
		return -1;
	}
	return 0;
}

/* load_providers - --providers: the table must load whole (exit 78) */
static int
load_providers(const struct opts *o, struct cs_track *tr, struct provider_table *pt)
{
	struct buf errs;
	int	bad;

	if (o->providers == NULL)
		return 0;
	buf_init(&errs, 64 * 1024);
	if ((bad = provider_load(pt, o->providers, &errs)) > 0)
		fprintf(stderr, "%s", buf_cstr(&errs));
	buf_free(&errs);
	tr->providers = pt;
	return bad > 0 ? -1 : 0;
}

static int
setup_track(const struct opts *o, struct cs_track *tr, struct provider_table *pt)
{
	struct cerr e;

	cs_track_init(tr);
	if (load_rules(o, tr) < 0 || load_providers(o, tr, pt) < 0)
		return EX_CONFIG;
	if (cs_pattern_init(&tr->pat, o->pattern, &e) < 0) {
		fprintf(stderr, "campaignstat: %s\n", e.msg);
		return EX_USAGE;
	}
	tr->filter_transport = o->transport;
	tr->want = o->want;
	tr->nwant = o->nwant;
	if (o->format == FMT_BOUNCED)
		tr->bounced = stdout;
	return 0;
}

/* warn_losses - what the counts leave out, on stderr whatever the format */
static void
warn_losses(const struct cs_track *tr)
{
	if (tr->hostless)
		fprintf(stderr, "campaignstat: warning: %llu lines not counted: their "
			"host found no place (more than %d hosts, or out of memory)\n",
			(unsigned long long) tr->hostless, CS_HOSTS_MAX);
	if (tr->nomem)
		fprintf(stderr, "campaignstat: warning: %llu events not counted: out of "
			"memory\n", (unsigned long long) tr->nomem);
	if (tr->unclassified)
		fprintf(stderr, "campaignstat: warning: %llu failures in category \"other\": "
			"no bounce rules (%s not found; --bounce-rules FILE)\n",
			(unsigned long long) tr->unclassified, CS_RULES_DEFAULT);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct cs_track tr;
	struct cs_linestats ls;
	struct cs_merge mg = {NULL, 0, 0};
	struct provider_table pt = {0};
	int	st, i;

	if (parse_opts(argc, argv, &o) < 0)
		return EX_USAGE;
	if ((st = setup_track(&o, &tr, &pt)) != 0) {
		provider_free(&pt);
		return st;
	}
	memset(&ls, 0, sizeof(ls));
	if ((st = open_inputs(&o, argc - optind, argv + optind, &mg)) == 0) {
		ls.inputs = mg.n;
		st = o.follow ? follow(&o, &tr, &ls, &mg) : drain(&o, &tr, &ls, &mg);
		report(&o, &tr, &ls, &mg, 1);
		warn_losses(&tr);
	}
	for (i = 0; i < mg.n; i++)
		cs_input_close(mg.in[i]);
	free(mg.in);
	classify_free((struct classify *) tr.rules);
	cs_track_free(&tr);
	provider_free(&pt);
	free(o.want);
	return st;
}
