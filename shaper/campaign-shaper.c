/*
 * NAME
 *	campaign-shaper - back off from a mailbox provider that says "slow down"
 * SYNOPSIS
 *	campaign-shaper [-f] [-c DIR] [-p PROVIDERS] [-r RULES] [-s STATE]
 *		[-i SECS] [LOG...]
 *	campaign-shaper -n [-p PROVIDERS] [-r RULES]
 *	campaign-shaper --restore [-c DIR] [-p PROVIDERS]
 *	campaign-shaper --help
 * DESCRIPTION
 *	Follows the compact delivery log (LOG, default
 *	/var/log/maillog-delivery; campaignstat's reader, so rotation and
 *	several files work as in campaignstat --follow) from the time it
 *	starts.  For each status=deferred line it finds the provider: the
 *	transport campaign-NAME in the line's syslog tag (syslog_name
 *	postfix/campaign-NAME), else the recipient's domain in the table's
 *	domains=, else the relay host under a table's mx= suffix.  The
 *	first rule of RULES for that provider (or "*") whose expression
 *	matches the deferral text starts the rule's first action for its
 *	duration (or moves the end of the rule's action later): a lower
 *	_destination_concurrency_limit, a higher _destination_rate_delay,
 *	or the transport in defer_transports.  A rule with several actions
 *	escalates: once its step is in force (Postfix told, and a tenth of
 *	the duration passed), its escalate-th further match replaces the
 *	step by the next one, for the duration again (actions_hit).  A
 *	concurrency step gives one connection back after the rule's probe
 *	seconds without a match (actions_probe), up to the table's value,
 *	where it ends; a match while that is in force takes the connection
 *	away again.  Changes reach Postfix
 *	through pfconf.c (postconf -e, postfix reload) at most once per
 *	reload interval (-i, default 60 s): actions started meanwhile go in
 *	the same reload.  When an action ends, the provider's values are
 *	what the table and the remaining actions say.  From 61 s after a
 *	reload until 61 s after the last one, qmgr gets an incoming scan
 *	every 5 s (pf_kick): a reload leaves the queue files of deliveries in
 *	flight in the incoming queue 60 s ahead.
 *
 *	The active actions are kept in STATE (rewritten atomically at every
 *	change).  On SIGTERM or SIGINT the shaper writes the table's values
 *	back (one reload) and exits, keeping STATE: the next start applies
 *	the actions that have not ended yet.  --restore writes the table's
 *	values back and reloads (the unit's ExecStopPost, after a crash too);
 *	-n checks PROVIDERS and RULES and prints them.  SIGHUP is ignored
 *	(the rules are read at start only: restart to change them).
 * DIAGNOSTICS
 *	One notice line per event (facility mail; stderr with -f):
 *	  shape: provider=NAME action=KIND value=V step=K/N duration=SECS until=TIME
 *	    rule=FILE:LINE qid=QID to=<rcpt> reason="deferral text"
 *	  shape: ... rule=FILE:LINE probe=SECS reason="probe: no matching
 *	    deferral for SECSs"		(a connection given back)
 *	  restore: provider=NAME action=KIND value=V
 *	  reload: changed=N actions=N
 *	Exit status: 0 stopped by a signal (table values restored), or
 *	--restore/-n done; 64 usage error; 66 a log cannot be read; 75 the
 *	table's values could not be written back (postconf or postfix
 *	failed: run --restore again); 78 a malformed provider table or rule,
 *	each named "file:line: problem" on stderr.
 * SEE ALSO
 *	campaign-shaper(8), shaper.h, lib/provider.h, campaignstat(1)
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "clog.h"
#include "cs_input.h"
#include "cs_parse.h"
#include "shaper.h"

struct opts {
	const char *dir, *providers, *rules, *state;
	long	interval;
	int	foreground, check, restore;
	char  **logs;
	int	nlogs;
};

/* everything the loop works with */
struct shaper {
	const struct opts *o;
	struct provider_table t;
	struct srules r;
	struct actions a;
	struct cs_merge mg;
	long long start_us;
	time_t	last_apply;
	time_t	kick_next, kick_until;	/* incoming scans after reloads */
	int	dirty, state_dirty;
};

/*
 * A reload restarts qmgr, and the new qmgr puts the queue file of a
 * delivery still in flight back in the incoming queue 60 s ahead, where
 * only an incoming scan brings it back: without new mail, qmgr's wake-up
 * comes every 300 s.  So from 61 s after a reload until 61 s after the
 * last one, qmgr gets an incoming scan every KICK_EVERY seconds.
 */
#define KICK_AFTER	61
#define KICK_EVERY	5

static volatile sig_atomic_t stop;
static char *default_logs[] = { (char *)"/var/log/maillog-delivery" };

static void
usage(FILE *fp)
{
	fputs("usage: campaign-shaper [-f] [-c DIR] [-p PROVIDERS] [-r RULES] [-s STATE]\n"
	    "\t[-i SECS] [LOG...]\n"
	    "       campaign-shaper -n [-p PROVIDERS] [-r RULES]\n"
	    "       campaign-shaper --restore [-c DIR] [-p PROVIDERS]\n"
	    "  -c DIR         Postfix configuration directory (/etc/postfix)\n"
	    "  -p PROVIDERS   provider table (/etc/postfix/campaign/providers)\n"
	    "  -r RULES       rules (/etc/postfix/campaign/shaper-rules)\n"
	    "  -s STATE       active actions (/var/lib/campaign-shaper/state)\n"
	    "  -i SECS        at most one postfix reload per SECS seconds (60)\n"
	    "  -f             log to stderr instead of syslog\n"
	    "  -n             check PROVIDERS and RULES, print them, exit\n"
	    "  --restore      write the table's values back, reload, exit\n"
	    "  LOG            compact delivery log(s) (/var/log/maillog-delivery)\n", fp);
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "help", no_argument, 0, 'h' }, { "restore", no_argument, 0, 'R' },
		{ 0, 0, 0, 0 }
	};
	char   *end;
	int	c;

	while ((c = getopt_long(argc, argv, "c:fi:np:r:s:", lo, NULL)) != -1) {
		switch (c) {
		case 'c': o->dir = optarg; break;
		case 'f': o->foreground = 1; break;
		case 'n': o->check = 1; break;
		case 'p': o->providers = optarg; break;
		case 'r': o->rules = optarg; break;
		case 's': o->state = optarg; break;
		case 'R': o->restore = 1; break;
		case 'h': usage(stdout); exit(EX_OK);
		case 'i':
			o->interval = strtol(optarg, &end, 10);
			if (*end || end == optarg || o->interval < 0 || o->interval > 86400)
				return -1;
			break;
		default: return -1;
		}
	}
	o->logs = argc > optind ? argv + optind : default_logs;
	o->nlogs = argc > optind ? argc - optind : 1;
	return o->check && o->restore ? -1 : 0;
}

/* load_config - the table and (unless restoring) the rules; 78 on problems */
static int
load_config(struct shaper *sh)
{
	struct buf errs;
	int	bad;

	buf_init(&errs, 1024 * 1024);
	bad = provider_load(&sh->t, sh->o->providers, &errs);
	if (!sh->o->restore)
		bad += srules_load(&sh->r, sh->o->rules, &sh->t, &errs);
	if (bad)
		fprintf(stderr, "%s", buf_cstr(&errs));
	buf_free(&errs);
	return bad ? EX_CONFIG : 0;
}

/* print_rule - "rule FILE:LINE PROV ACTION[,ACTION...] [escalate=N] for Ds" */
static void
print_rule(const char *file, const struct srule *r)
{
	int	k;

	printf("rule %s:%d %s ", file, r->line, r->provider);
	for (k = 0; k < r->nsteps; k++)
		if (r->step[k].kind == SK_SUSPEND)
			printf("%ssuspend", k ? "," : "");
		else
			printf("%s%s=%ld%s", k ? "," : "", skind_name(r->step[k].kind),
			    r->step[k].value, r->step[k].kind == SK_RATE_DELAY ? "s" : "");
	if (r->nsteps > 1)
		printf(" escalate=%ld", r->escalate);
	for (k = 0; k < r->nsteps && r->step[k].kind != SK_CONCURRENCY; k++)
		;
	if (k < r->nsteps)
		printf(" probe=%lds", r->probe);
	printf(" for %lds\n", r->duration);
}

static void
print_config(const struct shaper *sh)
{
	size_t	i;

	for (i = 0; i < sh->t.n; i++)
		printf("provider %s transport=campaign-%s connections=%ld rate_delay=%lds"
		    " domains=%zu mx=%zu\n", sh->t.v[i].name, sh->t.v[i].name,
		    sh->t.v[i].connections, sh->t.v[i].rate_delay, sh->t.v[i].ndomains,
		    sh->t.v[i].nmx);
	for (i = 0; i < sh->r.n; i++)
		print_rule(sh->o->rules, &sh->r.v[i]);
}

/* plan_kicks - a reload at now: incoming scans from now + KICK_AFTER */
static void
plan_kicks(struct shaper *sh, time_t now)
{
	if (sh->kick_until == 0)
		sh->kick_next = now + KICK_AFTER;
	sh->kick_until = now + KICK_AFTER;
}

/* kick - an incoming scan when one is due */
static void
kick(struct shaper *sh, time_t now)
{
	struct cerr e;

	if (sh->kick_until == 0 || now < sh->kick_next)
		return;
	if (pf_kick(sh->o->dir, &e) < 0)
		clog_warnx("cannot ask qmgr for an incoming scan: %s", e.msg);
	sh->kick_next = now + KICK_EVERY;
	if (now >= sh->kick_until)
		sh->kick_until = 0;
}

/* apply - pf_apply, and the reload line when something changed */
static int
apply(struct shaper *sh, const struct actions *a)
{
	struct nline nl;
	struct cerr e;
	int	changed, r;

	r = pf_apply(sh->o->dir, &sh->t, a, &changed, &e);
	if (r < 0)
		clog_warnx("cannot change Postfix's configuration in %s: %s", sh->o->dir, e.msg);
	if (changed > 0) {
		nline_init(&nl, "reload");
		nline_num(&nl, "changed", changed);
		nline_num(&nl, "actions", a ? (long long)a->n : 0);
		nline_emit(&nl);
		plan_kicks(sh, time(NULL));
	}
	return r;
}

/* restore - the table's values, nothing else */
static int
restore(struct shaper *sh)
{
	return apply(sh, NULL) < 0 ? EX_TEMPFAIL : EX_OK;
}

static void
save_state(struct shaper *sh)
{
	struct cerr e;

	/* a failure is said once per change, not at every round */
	if (actions_save(&sh->a, sh->o->state, &e) < 0)
		clog_warnx("cannot save the state: %s", e.msg);
	sh->state_dirty = 0;
}

/* log_end - the notice line of an action that ended */
static void
log_end(const struct action *x, void *arg)
{
	struct nline nl;

	(void)arg;
	nline_init(&nl, "restore");
	nline_str(&nl, "provider", x->provider);
	nline_str(&nl, "action", skind_name(x->kind));
	nline_num(&nl, "value", x->value);
	nline_emit(&nl);
}

/* shape_head - the fields a shape: line starts with, for action x of rule r */
static void
shape_head(struct nline *nl, const struct shaper *sh, const struct action *x,
	   const struct srule *r)
{
	struct tm tm;
	char	until[32], where[4200], step[32];

	gmtime_r(&x->end, &tm);
	strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(where, sizeof(where), "%s:%d", sh->o->rules, r->line);
	snprintf(step, sizeof(step), "%d/%d", x->step + 1, r->nsteps);
	nline_init(nl, "shape");
	nline_str(nl, "provider", x->provider);
	nline_str(nl, "action", skind_name(x->kind));
	nline_num(nl, "value", x->value);
	nline_str(nl, "step", step);
	nline_num(nl, "duration", r->duration);
	nline_str(nl, "until", until);
	nline_str(nl, "rule", where);
}

/* log_start - the notice line of an action that started, escalated or
 * (a probe that met a deferral) went back one connection */
static void
log_start(const struct shaper *sh, const struct action *x, const struct srule *r,
	  const struct cs_event *ev)
{
	struct nline nl;
	char	to[1001];

	shape_head(&nl, sh, x, r);
	nline_strn(&nl, "qid", ev->qid.p, ev->qid.n);
	snprintf(to, sizeof(to), "%.*s", (int)(ev->rcpt.n < 1000 ? ev->rcpt.n : 1000), ev->rcpt.p);
	nline_addr(&nl, "to", to);
	nline_strn(&nl, "reason", ev->reason.p, ev->reason.n);
	nline_emit(&nl);
}

/* log_probe - the notice line of a probe: one connection given back */
static void
log_probe(const struct action *x, void *arg)
{
	const struct shaper *sh = arg;
	struct nline nl;
	char	why[96];
	size_t	i;

	for (i = 0; i < sh->r.n && sh->r.v[i].line != x->line; i++)
		;
	if (i == sh->r.n)
		return;
	shape_head(&nl, sh, x, &sh->r.v[i]);
	nline_num(&nl, "probe", x->probe);
	snprintf(why, sizeof(why), "probe: no matching deferral for %lds", x->probe);
	nline_str(&nl, "reason", why);
	nline_emit(&nl);
}

/* action_of - the action of rule r for provider (after actions_hit) */
static const struct action *
action_of(const struct actions *a, const char *provider, const struct srule *r)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		if (a->v[i].line == r->line && strcmp(a->v[i].provider, provider) == 0)
			return &a->v[i];
	return NULL;
}

/* deferral - one status=deferred line: start, extend or escalate an action */
static void
deferral(struct shaper *sh, const struct cs_line *l, const struct cs_event *ev)
{
	const struct provider *p = provider_of(&sh->t, l->prog.p, l->prog.n,
	    ev->rcpt.p, ev->rcpt.n, ev->relay.p, ev->relay.n);
	const struct srule *r;
	char	text[SRULE_TEXT_MAX + 1];
	size_t	n = ev->reason.n < SRULE_TEXT_MAX ? ev->reason.n : SRULE_TEXT_MAX;
	const struct action *x;
	time_t	now;
	int	got;

	if (p == NULL)
		return;
	memcpy(text, ev->reason.p, n);
	text[n] = 0;
	if ((r = srules_match(&sh->r, p->name, text)) == NULL)
		return;
	now = time(NULL);
	got = actions_hit(&sh->a, p->name, r, now, (time_t)(l->t / 1000000));
	if (got < 0) {
		clog_warnx("out of memory: action for %s not taken", p->name);
		return;
	}
	sh->state_dirty = 1;
	if (got > 0 && (x = action_of(&sh->a, p->name, r)) != NULL) {
		log_start(sh, x, r, ev);
		sh->dirty = 1;
	}
}

/* read_lines - every new line of the logs; -1 on a read error */
static int
read_lines(struct shaper *sh)
{
	struct cs_item it;
	struct cs_event ev;
	struct cerr e;
	int	r;

	while ((r = cs_merge_next(&sh->mg, &it, &e)) > 0) {
		if (!it.ok || it.line.t < sh->start_us)
			continue;
		if (cs_parse_msg(&it.line, &ev) == CS_DELIVERY && ev.status == CS_ST_DEFERRED)
			deferral(sh, &it.line, &ev);
	}
	if (r < 0)
		clog_warnx("%s", e.msg);
	return r;
}

/* open_logs - open the logs not yet open (syslog-ng makes a log at its
 * first line, so a missing one is tried again on the next round) */
static int
open_logs(struct shaper *sh)
{
	const struct opts *o = sh->o;
	struct cerr e;

	while (sh->mg.n < o->nlogs) {
		sh->mg.in[sh->mg.n] = cs_input_open(o->logs[sh->mg.n], 0, &e);
		if (sh->mg.in[sh->mg.n] == NULL)
			return errno == ENOENT ? 0 : (clog_warnx("%s", e.msg), -1);
		sh->mg.n++;
	}
	return 0;
}

/* tick - one round: read, end what is due, apply when allowed */
static void
tick(struct shaper *sh)
{
	time_t	now;

	if (open_logs(sh) == 0 && sh->mg.n > 0)
		read_lines(sh);
	now = time(NULL);
	if (actions_probe(&sh->a, &sh->t, now, log_probe, sh) > 0)
		sh->dirty = sh->state_dirty = 1;
	if (actions_expire(&sh->a, now, log_end, NULL) > 0)
		sh->dirty = sh->state_dirty = 1;
	if (sh->state_dirty)
		save_state(sh);
	if (sh->dirty && now - sh->last_apply >= sh->o->interval) {
		sh->last_apply = now;
		if (apply(sh, &sh->a) == 0) {
			sh->dirty = 0;
			actions_in_force(&sh->a, now);
		}
	}
	kick(sh, now);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* run_loop - follow the logs until a signal; then the table's values */
static int
run_loop(struct shaper *sh)
{
	struct timespec nap = { 0, 200 * 1000 * 1000 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct buf warns;
	struct timespec ts;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	clock_gettime(CLOCK_REALTIME, &ts);
	sh->start_us = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	buf_init(&warns, 64 * 1024);
	actions_load(&sh->a, sh->o->state, &sh->t, &warns);
	actions_link(&sh->a, &sh->r, &warns);
	if (warns.len)
		clog_warnx("%s", buf_cstr(&warns));
	buf_free(&warns);
	if ((sh->mg.in = calloc((size_t)sh->o->nlogs, sizeof(*sh->mg.in))) == NULL)
		return EX_OSERR;
	sh->mg.follow = 1;
	if (open_logs(sh) < 0)
		return EX_NOINPUT;
	sh->dirty = sh->state_dirty = 1;	/* the start applies the state */
	sh->last_apply = time(NULL) - sh->o->interval;
	while (!stop) {
		tick(sh);
		if (!stop)
			nanosleep(&nap, NULL);
	}
	clog_noticex("stopping: writing the table's values back");
	return restore(sh);
}

int
main(int argc, char **argv)
{
	struct opts o = { "/etc/postfix", "/etc/postfix/campaign/providers",
		"/etc/postfix/campaign/shaper-rules", "/var/lib/campaign-shaper/state",
		60, 0, 0, 0, NULL, 0 };
	struct shaper sh = { .o = &o };
	int	st;

	if (parse_args(argc, argv, &o) < 0) {
		usage(stderr);
		return EX_USAGE;
	}
	clog_open("campaign-shaper", o.foreground || o.check, "mail");
	if ((st = load_config(&sh)) != 0)
		return st;
	if (o.check)
		print_config(&sh);
	else
		st = o.restore ? restore(&sh) : run_loop(&sh);
	while (sh.mg.n > 0)
		cs_input_close(sh.mg.in[--sh.mg.n]);
	free(sh.mg.in);
	actions_free(&sh.a);
	srules_free(&sh.r);
	provider_free(&sh.t);
	return st;
}
