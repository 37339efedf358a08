/*
 * NAME
 *	campaign-filter - Postfix after-queue content filter for campaign mail
 * SYNOPSIS
 *	campaign-filter [-F] [-c campaign.conf] [-o name=value] -f SENDER
 *		-q QUEUE_ID -- RECIPIENT...	(message on stdin)
 *	campaign-filter [-c campaign.conf] [-o name=value] -n
 * DESCRIPTION
 *	Run by pipe(8) for every campaign message (master.cf: flags=Rq
 *	null_sender= argv=campaign-filter -f ${sender} -q ${queue_id} --
 *	${recipient}).  It reads the message from stdin (memory up to
 *	filter_memory_limit, then a temporary file), removes the feeder's
 *	X-Campaign-Feed-* headers, drops recipients that suppression_table
 *	lists now (the table may have changed while the mail was queued), and
 *	reinjects the message to the remaining recipients in one pipelined
 *	SMTP transaction to reinject_to, all within filter_deadline.  A
 *	message with an X-Campaign-Batch header is a batch: fanout.h writes
 *	one personalized copy per recipient instead.
 *
 *	Reads campaign.conf (suppression_table, reinject_to, filter_deadline,
 *	filter_memory_limit, max_header_bytes, default_campaign,
 *	syslog_facility; for batches also filter_state_dir, batch_max_*,
 *	return_path and the unsubscribe settings) and the suppression table;
 *	writes an unlinked temporary file in $TMPDIR (default /tmp) for large
 *	messages and, for a batch, its progress file in filter_state_dir.
 * DIAGNOSTICS
 *	One notice line per delivered message, through clog(3):
 *	"QID: campaign=ID nrcpt=N sent=N suppressed=N size=BYTES
 *	requeued=NEWQID ms=T" (requeued=none when every recipient was
 *	suppressed).  Failures are logged as warnings and printed on stdout,
 *	which pipe(8) puts into the deferral reason.
 *
 *	Exit status is chosen here, in main(), and nowhere else: 0 when the
 *	message was reinjected or every recipient was suppressed; 75
 *	(EX_TEMPFAIL) for every other outcome of a delivery, including usage
 *	and configuration errors (pipe(8) bounces on any other status, and
 *	Postfix must keep the mail).  Without recipients (interactive use)
 *	a usage error exits 64 and a configuration error 78.  Never 1.
 * SEE ALSO
 *	campaign-filter(8), pipe(8), FILTER_README, DESIGN.md.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "clog.h"
#include "conf.h"
#include "fanout.h"
#include "map_db.h"
#include "message.h"
#include "reinject.h"
#include "smtp_conn.h"

struct filter {
	struct campaign_conf cf;
	const char *conf_path;
	const char *sender;
	const char *qid;
	const char **rcpts;		/* argv: the recipients */
	const char **keep;		/* those not suppressed */
	int	nrcpt;
	int	nkeep;
	int	check_only;
	int	foreground;
	int	batch;			/* the message is a batch: fanout.h */
	long long start;
	struct message msg;
	char	newqid[64];
};

static volatile sig_atomic_t alarms;

/* on_alarm - first: interrupt blocking reads; second: give up at once */
static void
on_alarm(int sig)
{
	(void) sig;
	if (alarms++ > 0)
		_exit(EX_TEMPFAIL);
	alarm(5);
}

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: campaign-filter [-F] [-c campaign.conf] [-o name=value] "
		"-f SENDER -q QUEUE_ID -- RECIPIENT...\n"
		"       campaign-filter [-c campaign.conf] [-o name=value] -n\n");
}

/* parse_args - 0 ok, 1 --help, -1 usage error (message on stderr) */
static int
parse_args(struct filter *f, int argc, char **argv, struct buf *overrides)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int	c;

	while ((c = getopt_long(argc, argv, "c:f:Fhno:q:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': f->conf_path = optarg; break;
		case 'f': f->sender = optarg; break;
		case 'F': f->foreground = 1; break;
		case 'h': return 1;
		case 'n': f->check_only = 1; break;
		case 'o':
			if (buf_puts(overrides, optarg) < 0 || buf_putc(overrides, '\0') < 0)
				return -1;
			break;
		case 'q': f->qid = optarg; break;
		default: return -1;
		}
	}
	f->rcpts = (const char **) argv + optind;
	f->nrcpt = argc - optind;
	if (f->check_only)
		return f->nrcpt == 0 ? 0 : -1;
	if (f->sender == NULL || f->qid == NULL || f->nrcpt == 0 || *f->qid == '\0')
		return -1;
	return 0;
}

/* load_conf - campaign.conf plus -o overrides; number of problems */
static int
load_conf(struct filter *f, const struct buf *overrides, struct buf *errs)
{
	const char *p;
	int	n;

	conf_init(&f->cf);
	n = conf_load(&f->cf, f->conf_path ? f->conf_path : CAMPAIGN_CONF_DEFAULT,
		      f->conf_path != NULL, errs);
	for (p = overrides->data; p && p < overrides->data + overrides->len;
	     p += strlen(p) + 1)
		n += conf_override(&f->cf, p, errs);
	return n;
}

/* check_address - refuse what cannot go into an SMTP command */
static int
check_address(const char *a, struct cerr *e)
{
	if (strpbrk(a, "\r\n<>") != NULL || strlen(a) > 2 * ADDR_PATH_MAX)
		return cerr_set(e, "unusable address from pipe(8): %.80s", a);
	return 0;
}

/* is_suppressed - 1 listed, 0 not (or not a parseable address), -1 error */
static int
is_suppressed(struct filter *f, struct map_db *m, const char *rcpt, struct cerr *e)
{
	struct addr a;
	struct buf val;
	char	key[ADDR_KEY_MAX + 2];
	int	r;

	if (addr_parse_path(rcpt, strlen(rcpt), &a, NULL, NULL) < 0
	    || a.null || addr_key(&a, key, sizeof(key)) < 0) {
		clog_warnx("%s: recipient not checked against suppression: %.80s",
			   f->qid, rcpt);
		return 0;
	}
	buf_init(&val, MAP_VALUE_MAX);
	r = suppress_lookup(m, key, &val, e);
	if (r == 1)
		clog_infox("%s: late suppression: to=<%s> action=%.200s",
			   f->qid, key, buf_cstr(&val));
	buf_free(&val);
	return r;
}

/* suppress - split the recipients into keep[] and the suppressed */
static int
suppress(struct filter *f, struct cerr *e)
{
	struct map_db *m;
	int	i, r = 0;

	if ((f->keep = calloc((size_t) f->nrcpt, sizeof(*f->keep))) == NULL)
		return cerr_set(e, "out of memory");
	if ((m = map_db_open(f->cf.suppression_table, MAP_RDONLY, e)) == NULL)
		return -1;
	for (i = 0; r >= 0 && i < f->nrcpt; i++) {
		if ((r = check_address(f->rcpts[i], e)) == 0
		    && (r = is_suppressed(f, m, f->rcpts[i], e)) == 0)
			f->keep[f->nkeep++] = f->rcpts[i];
	}
	map_db_close(m);
	return r < 0 ? -1 : 0;
}

/* deliver_batch - one copy per recipient of a batch (fanout.h) */
static int
deliver_batch(struct filter *f, struct cerr *e)
{
	struct fanout_in in = {
		.cf = &f->cf, .qid = f->qid, .sender = f->sender, .sp = &f->msg.sp,
		.size = f->msg.in_size, .campaign = f->msg.campaign,
		.start = f->start, .deadline = f->start + f->cf.filter_deadline * 1000LL,
	};

	f->batch = 1;
	return fanout_run(&in, e);
}

/* deliver - read, suppress, reinject; 0 done, -1 tempfail */
static int
deliver(struct filter *f, struct cerr *e)
{
	struct message_limits lim = {
		.max_header_bytes = (size_t) f->cf.max_header_bytes,
		.mem_limit = (size_t) f->cf.filter_memory_limit,
		.tmpdir = getenv("TMPDIR"),
	};
	struct reinject rq = {
		.to = f->cf.reinject_to, .helo = "localhost", .sender = f->sender,
		.deadline = f->start + f->cf.filter_deadline * 1000LL,
	};

	message_init(&f->msg, &lim);
	if (check_address(f->sender, e) < 0 || message_read(&f->msg, stdin, e) < 0)
		return -1;
	if (f->msg.is_batch)
		return deliver_batch(f, e);
	if (suppress(f, e) < 0)
		return -1;
	snprintf(f->newqid, sizeof(f->newqid), "none");
	if (f->nkeep == 0)
		return 0;
	rq.rcpts = f->keep;
	rq.nrcpt = f->nkeep;
	return reinject(&rq, &f->msg.sp, f->newqid, sizeof(f->newqid), e);
}

/* log_done - the one notice line */
static void
log_done(struct filter *f)
{
	struct nline nl;

	nline_init(&nl, f->qid);
	nline_str(&nl, "campaign", f->msg.campaign[0] ? f->msg.campaign
		  : f->cf.default_campaign);
	nline_num(&nl, "nrcpt", f->nrcpt);
	nline_num(&nl, "sent", f->nkeep);
	nline_num(&nl, "suppressed", f->nrcpt - f->nkeep);
	nline_num(&nl, "size", (long long) f->msg.in_size);
	nline_str(&nl, "requeued", f->newqid);
	nline_num(&nl, "ms", smtp_now_ms() - f->start);
	nline_emit(&nl);
}

/* arm_deadline - SIGALRM interrupts reads (no SA_RESTART) at the deadline */
static void
arm_deadline(long seconds)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned) seconds);
}

/* startup - arguments and config; -1 and *status when it must stop */
static int
startup(struct filter *f, int argc, char **argv, int *status)
{
	struct buf overrides, errs;
	int	r, delivery, problems;

	buf_init(&overrides, 64 * 1024);
	buf_init(&errs, 64 * 1024);
	r = parse_args(f, argc, argv, &overrides);
	delivery = !f->check_only && argc - optind > 0;
	if (r != 0) {
		usage(r > 0 ? stdout : stderr);
		*status = r > 0 ? 0 : delivery ? EX_TEMPFAIL : EX_USAGE;
	} else if ((problems = load_conf(f, &overrides, &errs)) > 0) {
		fprintf(stdout, "campaign-filter: configuration error\n%s", buf_cstr(&errs));
		*status = delivery ? EX_TEMPFAIL : EX_CONFIG;
		r = -1;
	} else if (f->check_only) {
		conf_print(&f->cf, stdout);
		*status = 0;
		r = -1;
	}
	if (r < 0)	/* no delivery follows: release what load_conf() kept */
		conf_free(&f->cf);
	buf_free(&overrides);
	buf_free(&errs);
	return r == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct filter f;
	struct cerr e;
	int	status;

	memset(&f, 0, sizeof(f));
	f.start = smtp_now_ms();
	if (startup(&f, argc, argv, &status) < 0)
		return status;
	clog_open("campaign-filter", f.foreground, f.cf.syslog_facility);
	arm_deadline(f.cf.filter_deadline);
	if (deliver(&f, &e) == 0) {
		if (!f.batch)
			log_done(&f);
		status = 0;
	} else {
		clog_warnx("%s: deferred: %s", f.qid, e.msg);
		printf("campaign-filter: %s\n", e.msg);
		status = EX_TEMPFAIL;
	}
	alarm(0);
	message_free(&f.msg);
	free(f.keep);
	conf_free(&f.cf);
	return status;
}
