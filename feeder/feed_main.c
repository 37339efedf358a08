/*
 * NAME
 *	campaign-feed - push a mail campaign into one or more Postfix relays
 * SYNOPSIS
 *	campaign-feed --campaign ID --message FILE --recipients FILE
 *		--relay HOST:PORT [--relay ...] [options]
 * DESCRIPTION
 *	main() reads the options, prepares the message (feed_msg.c), opens
 *	the recipient list (feed_rcpt.c) and the journal (feed_journal.c),
 *	maps the message's {{tags}} to list columns, and runs the event loop
 *	(feed_loop.c), or with --dry-run only reads everything and reports.
 *	It alone chooses the exit status.  The feeder reads no
 *	campaign.conf: everything is on the command line.
 * DIAGNOSTICS
 *	Errors, warnings, progress and the summary go to stderr.
 *	Exit status (campaign-feed(1)): 0 every recipient accepted; 2 done,
 *	some rejected or malformed; 3 done, some deferred; 64 usage; 65
 *	bad message, tag without column, or journal of another campaign;
 *	66 message or list unreadable; 68 relay name unknown; 69 no relay
 *	reachable for --give-up seconds; 73 journal cannot be created; 74
 *	I/O error while running; 75 interrupted, or journal in use.
 * SEE ALSO
 *	campaign-feed(1), feed.h.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "clog.h"
#include "feed.h"

#define MAX_RELAYS	64
#define DEFAULT_SENDER	"bounces+%c@%h"
#define PROBE_CALIBRATE	20000	/* clock_gettime calls timed for --stats */

struct args {
	struct feed_opts o;
	const char *relay_names[MAX_RELAYS];
	int	nrelays;
	const char *sender_tmpl;
	const char *batch_to;
	double	batch_bytes;
	int	kset;			/* -k given */
	double	sync;
};

static const char usage_text[] =
"usage: campaign-feed --campaign ID --message FILE --recipients FILE\n"
"         --relay HOST:PORT [--relay HOST:PORT ...] [options]\n"
"  -C, --campaign ID        campaign id ([A-Za-z0-9._-], at most 64)\n"
"  -m, --message FILE       RFC 5322 message; {{tags}} are merge fields\n"
"  -r, --recipients FILE    one address a line, or CSV with an email column (- = stdin)\n"
"  -R, --relay HOST:PORT    relay (repeat for several; port 25 when omitted)\n"
"  -s, --sessions N         concurrent SMTP sessions over all relays (20)\n"
"  -k, --rcpts-per-msg K    recipients per message without tags (1)\n"
"      --rate R             at most R messages per second (no limit)\n"
"      --window N           transactions in flight per session with CHUNKING (4)\n"
"      --coalesce USEC      longest pause letting replies gather, 0 = none (500)\n"
"  -b, --batch N            send batches of N recipients to the batch address;\n"
"                           the campaign's content filter personalizes each copy\n"
"      --batch-to ADDRESS   the batch address (" FEED_BATCH_TO ")\n"
"      --batch-bytes N      largest batch container in bytes (10485760)\n"
"  -j, --journal FILE       append-only journal; a restart resumes from it\n"
"  -f, --sender ADDRESS     envelope sender, %c = campaign id, %h = host name\n"
"                           (" DEFAULT_SENDER ")\n"
"      --xverp              MAIL FROM ... XVERP: the relay (Postfix) gives each\n"
"                           recipient its own return path, sender+rcpt=domain\n"
"      --helo NAME          EHLO name (host name)\n"
"      --max-tries N        4xx answers before a recipient is deferred (5)\n"
"      --retry-delay SECS   first retry delay, doubling each time (5)\n"
"      --timeout SECS       wait for a reply at most that long (300)\n"
"      --give-up SECS       stop when no relay was reachable that long (600)\n"
"      --sync SECS          journal fdatasync interval, 0 = every write (1)\n"
"      --status-interval S  status line interval when not on a terminal (10)\n"
"      --progress, --no-progress   force the progress bar on or off\n"
"  -n, --dry-run            read and check everything, send nothing\n"
"  -q, --quiet              no progress output\n"
"      --stats              print CPU use at the end\n"
"  -h, --help               this text\n";

enum { O_RATE = 256, O_HELO, O_TRIES, O_DELAY, O_TIMEOUT, O_GIVEUP, O_SYNC,
	O_STATUS, O_PROGRESS, O_NOPROGRESS, O_STATS, O_WINDOW, O_COALESCE,
	O_BATCH_TO, O_BATCH_BYTES, O_XVERP };

static const struct option longopts[] = {
	{"campaign", required_argument, NULL, 'C'},
	{"message", required_argument, NULL, 'm'},
	{"recipients", required_argument, NULL, 'r'},
	{"relay", required_argument, NULL, 'R'},
	{"sessions", required_argument, NULL, 's'},
	{"rcpts-per-msg", required_argument, NULL, 'k'},
	{"rate", required_argument, NULL, O_RATE},
	{"journal", required_argument, NULL, 'j'},
	{"sender", required_argument, NULL, 'f'},
	{"helo", required_argument, NULL, O_HELO},
	{"max-tries", required_argument, NULL, O_TRIES},
	{"retry-delay", required_argument, NULL, O_DELAY},
	{"timeout", required_argument, NULL, O_TIMEOUT},
	{"give-up", required_argument, NULL, O_GIVEUP},
	{"sync", required_argument, NULL, O_SYNC},
	{"status-interval", required_argument, NULL, O_STATUS},
	{"progress", no_argument, NULL, O_PROGRESS},
	{"no-progress", no_argument, NULL, O_NOPROGRESS},
	{"dry-run", no_argument, NULL, 'n'},
	{"quiet", no_argument, NULL, 'q'},
	{"stats", no_argument, NULL, O_STATS},
	{"window", required_argument, NULL, O_WINDOW},
	{"coalesce", required_argument, NULL, O_COALESCE},
	{"batch", required_argument, NULL, 'b'},
	{"batch-to", required_argument, NULL, O_BATCH_TO},
	{"batch-bytes", required_argument, NULL, O_BATCH_BYTES},
	{"xverp", no_argument, NULL, O_XVERP},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static void __attribute__((noreturn))
usage(const char *why)
{
	if (why)
		fprintf(stderr, "campaign-feed: %s\n", why);
	fputs(usage_text, stderr);
	exit(EX_USAGE);
}

/* num - a number option within bounds, or a usage error */
static double
num(const char *name, const char *v, double min, double max)
{
	char   *end;
	double	d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || d < min || d > max) {
		fprintf(stderr, "campaign-feed: --%s: %s: want a number from %g to %g\n",
			name, v, min, max);
		exit(EX_USAGE);
	}
	return d;
}

/* set_opt - one option */
static void
set_opt(struct args *a, int ch, const char *v)
{
	struct feed_opts *o = &a->o;

	switch (ch) {
	case 'C': o->campaign = v; break;
	case 'm': o->message = v; break;
	case 'r': o->recipients = v; break;
	case 'R':
		if (a->nrelays == MAX_RELAYS)
			usage("too many relays");
		a->relay_names[a->nrelays++] = v;
		break;
	case 's': o->sessions = (int)num("sessions", v, 1, 10000); break;
	case 'k':
		o->rcpts_per_msg = (int)num("rcpts-per-msg", v, 1, FEED_RCPTS_MAX);
		a->kset = 1;
		break;
	case 'b': o->batch = (int)num("batch", v, 1, FEED_BATCH_MAX); break;
	case O_BATCH_TO: a->batch_to = v; break;
	case O_BATCH_BYTES: a->batch_bytes = num("batch-bytes", v, 65536, 1e12); break;
	case O_RATE: o->rate = num("rate", v, 0, 1e9); break;
	case 'j': o->journal = v; break;
	case 'f': a->sender_tmpl = v; break;
	case O_XVERP: o->xverp = 1; break;
	case O_HELO: o->helo = v; break;
	case O_TRIES: o->max_tries = (int)num("max-tries", v, 1, 1000); break;
	case O_DELAY: o->retry_delay = num("retry-delay", v, 0, 86400); break;
	case O_TIMEOUT: o->timeout = num("timeout", v, 0.1, 86400); break;
	case O_GIVEUP: o->give_up = num("give-up", v, 0.1, 864000); break;
	case O_SYNC: a->sync = num("sync", v, 0, 3600); break;
	case O_STATUS: o->status_interval = num("status-interval", v, 0.1, 86400); break;
	case O_PROGRESS: o->progress = 1; break;
	case O_NOPROGRESS: o->progress = 0; break;
	case 'n': o->dry_run = 1; break;
	case 'q': o->quiet = 1; break;
	case O_STATS: o->stats = 1; break;
	case O_WINDOW: o->window = (int)num("window", v, 1, FEED_WINDOW_MAX); break;
	case O_COALESCE: o->coalesce = num("coalesce", v, 0, FEED_COALESCE_MAX) / 1e6; break;
	case 'h': fputs(usage_text, stdout); exit(0);
	default: usage(NULL);
	}
}

/* parse_args - options into a, with the defaults */
static void
parse_args(struct args *a, int argc, char **argv)
{
	int	ch;

	memset(a, 0, sizeof(*a));
	a->o.sessions = 20;
	a->o.rcpts_per_msg = 1;
	a->o.window = FEED_WINDOW;
	a->o.coalesce = FEED_COALESCE / 1e6;
	a->o.max_tries = 5;
	a->o.retry_delay = 5;
	a->o.timeout = 300;
	a->o.give_up = 600;
	a->o.status_interval = 10;
	a->o.progress = -1;
	a->sync = 1;
	a->sender_tmpl = DEFAULT_SENDER;
	a->batch_to = FEED_BATCH_TO;
	a->batch_bytes = (double)FEED_BATCH_BYTES;
	while ((ch = getopt_long(argc, argv, "C:m:r:R:s:k:j:f:b:nqh", longopts, NULL)) != -1)
		set_opt(a, ch, optarg);
	if (optind < argc)
		usage("unexpected argument");
	if (!a->o.campaign || !a->o.message || !a->o.recipients)
		usage("--campaign, --message and --recipients are required");
	if (a->nrelays == 0 && !a->o.dry_run)
		usage("at least one --relay is required");
	if (!msg_valid_id(a->o.campaign))
		usage("--campaign: use 1 to 64 of A-Z a-z 0-9 . _ -");
	if (a->o.batch > 0 && a->kset)
		usage("--batch and --rcpts-per-msg do not go together");
	if (a->o.batch > 0 && a->o.xverp)
		usage("--batch and --xverp do not go together (the filter writes each copy's return path)");
}

/* expand_sender - %c campaign, %h host name, %% percent */
static int
expand_sender(const char *tmpl, const char *campaign, const char *host,
	      struct buf *out)
{
	const char *p;
	int	rc = 0;

	for (p = tmpl; *p && rc == 0; p++) {
		if (*p != '%')
			rc = buf_putc(out, *p);
		else if (p[1] == 'c')
			rc = buf_puts(out, campaign), p++;
		else if (p[1] == 'h')
			rc = buf_puts(out, host), p++;
		else if (p[1] == '%')
			rc = buf_putc(out, '%'), p++;
		else
			return -1;
	}
	return rc;
}

/* make_sender - expand and check the envelope sender */
static char *
make_sender(const struct args *a, const char *host)
{
	static char out[ADDR_KEY_MAX + 2];
	struct buf b;
	struct addr ad;
	struct cerr e;
	const char *params;

	buf_init(&b, ADDR_PATH_MAX);
	if (expand_sender(a->sender_tmpl, a->o.campaign, host, &b) < 0)
		usage("--sender: bad % sequence or too long");
	if (addr_parse_path(b.data ? b.data : "", b.len, &ad, &params, &e) < 0
	    || *params != '\0')
		usage("--sender: not a valid address");
	buf_free(&b);
	if (ad.null)
		out[0] = '\0';
	else if (addr_format(&ad, out, sizeof(out)) < 0)
		usage("--sender: too long");
	return out;
}

/* check_batch_to - --batch-to must be a plain address; exits when not */
static void
check_batch_to(const char *v)
{
	struct addr ad;
	struct cerr e;
	const char *params;

	if (addr_parse_path(v, strlen(v), &ad, &params, &e) < 0
	    || *params != '\0' || ad.null)
		usage("--batch-to: not a valid address");
}

/* resolve - HOST:PORT, [HOST]:PORT or HOST into r */
static int
resolve(const char *name, struct relay *r)
{
	char	host[256], *port = "25";
	struct addrinfo hints, *res;
	const char *colon = strrchr(name, ':');
	size_t	n;

	if (name[0] == '[') {
		const char *close = strchr(name, ']');

		if (!close || (close[1] && close[1] != ':'))
			usage("--relay: want HOST:PORT or [ADDRESS]:PORT");
		n = (size_t)(close - name - 1);
		colon = close[1] ? close + 1 : NULL;
		name++;
	} else {
		if (colon && strchr(name, ':') != colon)
			usage("--relay: write an IPv6 address as [ADDRESS]:PORT");
		n = colon ? (size_t)(colon - name) : strlen(name);
	}
	if (n == 0 || n >= sizeof(host))
		usage("--relay: bad host");
	memcpy(host, name, n);
	host[n] = '\0';
	if (colon)
		port = (char *)colon + 1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	memcpy(&r->sa, res->ai_addr, res->ai_addrlen);
	r->salen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* map_tags - the list column of each message tag (-1: the address) */
static int *
map_tags(const struct msg *m, const struct rlist *rl)
{
	int    *col = calloc(m->ntags + 1, sizeof(int));
	size_t	i;

	if (col == NULL || m->ntags > FEED_TAG_MAX) {
		clog_errx("message: too many distinct tags (at most %d)", FEED_TAG_MAX);
		exit(EX_DATAERR);
	}
	for (i = 0; i < m->ntags; i++) {
		if (strcasecmp(m->tags[i], "email") == 0)
			col[i] = -1;
		else if (!rl->csv || (col[i] = rlist_col(rl, m->tags[i])) < 0) {
			clog_errx("message uses {{%s}}, the recipient list has no such column",
				  m->tags[i]);
			exit(EX_DATAERR);
		}
	}
	return col;
}

/* open_inputs - message, list, journal; exits on error */
static void
open_inputs(struct args *a, struct msg *m, struct rlist *rl, struct journal *j)
{
	struct cerr e;
	int	rc;

	if (msg_load(m, a->o.message, a->o.campaign, &e) < 0) {
		clog_errx("%s", e.msg);
		exit(access(a->o.message, R_OK) < 0 ? EX_NOINPUT : EX_DATAERR);
	}
	if (rlist_open(rl, a->o.recipients, &e) < 0) {
		clog_errx("%s", e.msg);
		exit(EX_NOINPUT);
	}
	if (!a->o.journal || (a->o.dry_run && access(a->o.journal, F_OK) < 0)) {
		journal_none(j);
		return;
	}
	if ((rc = journal_open(j, a->o.journal, a->o.campaign, &e)) < 0) {
		clog_errx("%s", e.msg);
		exit(rc == -2 ? EX_DATAERR : rc == -3 ? EX_TEMPFAIL : EX_CANTCREAT);
	}
	j->sync_interval = a->sync;
}

/* dry_run - read the whole list, count, report */
static int
dry_run(const struct args *a, const struct msg *m, struct rlist *rl,
	const struct journal *j, struct feed_counts *c)
{
	struct rrec rec;
	struct cerr e;
	long	good = 0;
	int	rc;

	while ((rc = rlist_next(rl, &rec, &e)) != RL_EOF) {
		if (rc == RL_ERR) {
			clog_errx("%s: %s", a->o.recipients, e.msg);
			return EX_IOERR;
		}
		if (rc == RL_BAD)
			c->malformed++, clog_warnx("%s:%lu: %s: skipped", a->o.recipients,
						   rec.line, rec.why);
		else if (rc == RL_REC && journal_is_done(j, rec.line))
			c->skipped++;
		else if (rc == RL_REC)
			good++;
	}
	fprintf(stderr, "campaign-feed: dry run: campaign=%s sender=<%s> message=%zu bytes "
		"tags=%zu list=%s to_send=%ld already_done=%ld malformed=%ld "
		"relays=%d sessions=%d window=%d coalesce=%.0fus\n", a->o.campaign,
		a->o.sender, m->body.len, m->ntags, rl->csv ? "csv" : "plain", good,
		c->skipped, c->malformed, a->nrelays, a->o.sessions, a->o.window,
		a->o.coalesce * 1e6);
	if (a->o.batch > 0)
		fprintf(stderr, "campaign-feed: dry run: batch=%d batch_to=<%s> batches=%ld "
			"(at most %d recipients and %.0f bytes each)\n", a->o.batch,
			a->batch_to, (good + a->o.batch - 1) / a->o.batch, a->o.batch,
			a->batch_bytes);
	return c->malformed ? FEED_EXIT_REJECTED : FEED_EXIT_OK;
}

/* probe_cost - CPU seconds of one clock_gettime(CLOCK_THREAD_CPUTIME_ID) */
static double
probe_cost(void)
{
	struct timespec a, b, x;
	int	i;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	for (i = 0; i < PROBE_CALIBRATE; i++)
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &x);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	return ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9) / PROBE_CALIBRATE;
}

/*
 * print_stats - CPU use: where the time went (--stats).  Each timed
 * read or write is bracketed by two clock_gettime() system calls (the
 * thread CPU clock has no vDSO path): about one probe's cost lands
 * inside the interval and one outside.  Both are measurement, not the
 * feeder's work: they are taken out and printed apart as probes=.
 * wakeups= counts epoll_wait(2) calls, pauses= the nanosleep(2) calls
 * that let replies gather (--coalesce), paused= their total length,
 * sleeps= the times the process actually went to sleep (voluntary
 * context switches, ru_nvcsw).
 */
static void
print_stats(const struct feed_counts *c)
{
	struct rusage ru;
	double	u, s, tot, per, p, pw, pr, w, r, net;

	getrusage(RUSAGE_SELF, &ru);
	u = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	s = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	tot = u + s;
	p = probe_cost();
	pw = p * (double)c->writes;
	pr = p * (double)c->reads;
	w = c->cpu_write > pw ? c->cpu_write - pw : 0;
	r = c->cpu_read > pr ? c->cpu_read - pr : 0;
	net = tot > 2 * (pw + pr) ? tot - 2 * (pw + pr) : tot;
	per = c->messages > 0 ? net / (double)c->messages * 1e6 : 0;
	fprintf(stderr, "campaign-feed: cpu user=%.3fs sys=%.3fs total=%.3fs "
		"probes=%.3fs net=%.3fs per_message=%.2fus socket_write=%.3fs "
		"socket_read=%.3fs outside_write=%.1f%% outside_socket_io=%.1f%% "
		"writes=%ld reads=%ld wakeups=%ld pauses=%ld paused=%.3fs sleeps=%ld\n",
		u, s, tot, 2 * (pw + pr), net, per, w, r, net > 0 ? 100.0 * (net - w) / net : 0.0,
		net > 0 ? 100.0 * (net - w - r) / net : 0.0, c->writes, c->reads,
		c->wakeups, c->pauses, c->paused, ru.ru_nvcsw);
}

/* exit_status - what the run's counts mean */
static int
exit_status(const struct feed_counts *c)
{
	if (c->fatal)
		return EX_IOERR;
	if (c->gave_up)
		return EX_UNAVAILABLE;
	if (c->interrupted)
		return EX_TEMPFAIL;
	if (c->deferred > 0)
		return FEED_EXIT_DEFERRED;
	if (c->rejected + c->prev_rejected + c->malformed > 0)
		return FEED_EXIT_REJECTED;
	return FEED_EXIT_OK;
}

/* setup_batch - --batch: what every batch shares; exits on error */
static void
setup_batch(struct args *a, const struct msg *m, struct fbatch_tmpl *bt)
{
	struct cerr e;

	check_batch_to(a->batch_to);
	memset(bt, 0, sizeof(*bt));
	bt->nrcpt = a->o.batch;
	bt->max_bytes = (size_t)a->batch_bytes;
	if (fbatch_tmpl_init(bt, m, a->o.campaign, a->batch_to, a->o.tagcol, &e) < 0) {
		clog_errx("%s", e.msg);
		exit(EX_DATAERR);
	}
	a->o.btmpl = bt;
	a->o.rcpts_per_msg = 1;		/* one batch a transaction */
}

/* setup_relays - resolve every --relay */
static struct relay *
setup_relays(const struct args *a)
{
	struct relay *r = calloc((size_t)a->nrelays + 1, sizeof(*r));
	int	i;

	for (i = 0; r && i < a->nrelays; i++) {
		r[i].name = (char *)a->relay_names[i];
		if (resolve(a->relay_names[i], r + i) < 0) {
			clog_errx("--relay %s: cannot resolve", a->relay_names[i]);
			exit(EX_NOHOST);
		}
	}
	if (r == NULL)
		exit(EX_OSERR);
	return r;
}

int
main(int argc, char **argv)
{
	struct args a;
	struct msg m;
	struct rlist rl;
	struct journal j;
	struct feed_counts c;
	struct relay *relays;
	struct fbatch_tmpl bt;
	struct cerr e;
	char	host[256] = "localhost";
	int	*tagcol, rc;

	clog_open("campaign-feed", 1, "mail");
	parse_args(&a, argc, argv);
	gethostname(host, sizeof(host) - 1);
	a.o.sender = make_sender(&a, host);
	if (!a.o.helo)
		a.o.helo = host;
	relays = setup_relays(&a);
	open_inputs(&a, &m, &rl, &j);
	tagcol = map_tags(&m, &rl);
	if (a.o.batch == 0 && m.ntags > 0 && a.o.rcpts_per_msg > 1) {
		clog_warnx("the message has merge tags: one recipient per message");
		a.o.rcpts_per_msg = 1;
	}
	a.o.tagcol = tagcol;
	if (a.o.batch > 0)
		setup_batch(&a, &m, &bt);
	memset(&c, 0, sizeof(c));
	c.batch_mode = a.o.batch > 0;
	c.prev_accepted = j.accepted;
	c.prev_rejected = j.rejected;
	if (a.o.dry_run) {
		rc = dry_run(&a, &m, &rl, &j, &c);
	} else {
		c.total = rlist_count(a.o.recipients);
		if (c.total > 0 && rl.csv)
			c.total--;
		progress_init(a.o.quiet ? -2 : a.o.progress, a.o.status_interval);
		if (feed_run(&a.o, relays, a.nrelays, &m, &rl, &j, &c, &e) < 0)
			clog_errx("%s", e.msg);
		if (c.gave_up)
			clog_errx("no relay reachable for %.0f seconds: giving up", a.o.give_up);
		progress_summary(&c, a.o.campaign, stderr);
		if (a.o.stats)
			print_stats(&c);
		rc = exit_status(&c);
	}
	journal_close(&j);
	rlist_close(&rl);
	if (a.o.batch > 0)
		fbatch_tmpl_free(&bt);
	msg_free(&m);
	free(tagcol);
	free(relays);
	return rc;
}
