/*
 * NAME
 *	campaign-bounce - read one bounce, complaint or reply sent to the
 *	campaign return path; log the verdict; apply the suppression policy
 * SYNOPSIS
 *	campaign-bounce [-c campaign.conf] [-o name=value] [-q QUEUE_ID]
 *		[-f SENDER] -- RECIPIENT	(message on stdin)
 *	campaign-bounce [-c campaign.conf] [-o name=value] -l	(LMTP on stdin/stdout)
 *	campaign-bounce [-c campaign.conf] [-o name=value] -n
 *	campaign-bounce --help
 * DESCRIPTION
 *	Run by pipe(8) for the discard alias (master.cf, written by
 *	campaign-setup --bounce: flags=q argv=campaign-bounce -c CONF -q
 *	${queue_id} -- ${original_recipient}).  RECIPIENT is the address the
 *	message was sent to before virtual aliasing: the VERP return path.
 *	It reads the message once (the first BOUNCE_READ_MAX bytes are
 *	parsed, the rest is read and dropped), keeps nothing of it, decides
 *	(report.c), applies the policy (apply.c) and logs one notice line.
 *	-l serves LMTP on stdin and stdout instead (lmtp.c; Postfix runs it
 *	through spawn(8), campaign-setup --bounce-lmtp): one process for many
 *	messages, the same verdict per message and recipient.
 *
 *	Reads campaign.conf: return_path, unsubscribe_secret_file,
 *	suppression_table, bounce_rules, bounce_policy, bounce_soft_limit,
 *	bounce_soft_window, bounce_state_table, syslog_facility.  Writes the
 *	suppression table and the soft-failure state table.  -n checks the
 *	configuration and the rules file and prints the settings.
 * DIAGNOSTICS
 *	The verdict line and warnings go to syslog (to stderr with -n).
 *	Exit status, chosen in
 *	main() only: with a RECIPIENT (a delivery) 0 when the message was
 *	handled (suppressed, counted or ignored alike) and 75 (EX_TEMPFAIL)
 *	for anything else, a bad configuration or rules file, a database
 *	error, a read error, no memory: Postfix keeps the message and tries
 *	again.  Never another status, which would make pipe(8) bounce the
 *	bounce.  With -l: 0 at the end of the session, 75 when the
 *	configuration is bad (after a 421 reply) or output failed.
 *	Otherwise: --help 0, usage error 64, -n 0 or 78.
 * SEE ALSO
 *	campaign-bounce(8), pipe(8), bounce/report.c, lib/classify.h,
 *	lib/policy.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "bounce.h"
#include "clog.h"
#include "conf.h"
#include "hmac.h"

struct opts {
	const char *conf, *qid, *rcpt;
	char   *overrides[32];
	int	noverrides, explicit_conf, check, lmtp;
};

struct setup {
	struct campaign_conf cf;
	struct classify *rules;
	struct policy policy;
	struct buf secret;
	int	have_secret;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: campaign-bounce [-c campaign.conf] [-o name=value] [-q QUEUE_ID]\n"
		"                       [-f SENDER] -- RECIPIENT   < message\n"
		"       campaign-bounce [-c campaign.conf] [-o name=value] -l   (LMTP on stdin/stdout)\n"
		"       campaign-bounce [-c campaign.conf] [-o name=value] -n\n"
		"Reads one DSN, ARF complaint or reply sent to the VERP return path\n"
		"RECIPIENT, logs the verdict and applies bounce_policy (see campaign-bounce(8)).\n"
		"Exit 0 or 75 when RECIPIENT is given (pipe(8) delivery).\n");
}

/* parse_opts - 0, or -1 on a usage error */
static int
parse_opts(struct opts *o, int argc, char **argv)
{
	int	c;

	while ((c = getopt(argc, argv, "c:o:q:f:nl")) != -1) {
		switch (c) {
		case 'c': o->conf = optarg; o->explicit_conf = 1; break;
		case 'q': o->qid = optarg; break;
		case 'f': break;	/* the sender: the null sender, as a rule */
		case 'n': o->check = 1; break;
		case 'l': o->lmtp = 1; break;
		case 'o':
			if (o->noverrides >= 32)
				return -1;
			o->overrides[o->noverrides++] = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind < argc)
		o->rcpt = argv[optind++];
	return optind == argc && (o->rcpt != NULL) + o->check + o->lmtp == 1 ? 0 : -1;
}

/* load - campaign.conf, overrides, rules, policy, secret; 0 or -1 */
static int
load(struct setup *s, const struct opts *o, struct buf *errs)
{
	struct cerr e;
	int	i, n;

	conf_init(&s->cf);
	n = conf_load(&s->cf, o->conf, o->explicit_conf, errs);
	for (i = 0; i < o->noverrides; i++)
		n += conf_override(&s->cf, o->overrides[i], errs);
	if (n)
		return -1;
	if ((s->rules = classify_load(s->cf.bounce_rules, &e)) == NULL
	    || policy_parse(&s->policy, s->cf.bounce_policy, &e) < 0)
		return buf_appendf(errs, "%s\n", e.msg), -1;
	s->policy.soft_limit = s->cf.bounce_soft_limit;
	s->policy.soft_window = s->cf.bounce_soft_window;
	if (s->cf.unsubscribe_secret_file != NULL) {
		if (hmac_load_secret(s->cf.unsubscribe_secret_file, &s->secret, &e) < 0)
			return buf_appendf(errs, "%s\n", e.msg), -1;
		s->have_secret = 1;
	}
	return 0;
}

/* read_message - stdin once: the first max bytes kept, the rest dropped */
static int
read_message(struct buf *msg)
{
	char	chunk[65536];
	ssize_t	got;

	while ((got = read(0, chunk, sizeof(chunk))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (msg->len < msg->max) {
			size_t	room = msg->max - msg->len;

			if (buf_append(msg, chunk, (size_t)got < room ? (size_t)got : room) < 0)
				return -1;
		}
	}
	return 0;
}

/* make_run - what parsing and applying need, from the setup */
static void
make_run(struct setup *s, struct bounce_run *run)
{
	struct bounce_run r = {
		{s->cf.return_path, s->have_secret ? &s->secret : NULL},
		{s->rules, &s->policy, s->cf.suppression_table, s->cf.bounce_state_table,
		 0, NULL, NULL},
	};

	*run = r;
}

/* deliver - the pipe(8) case; EX_OK or EX_TEMPFAIL */
static int
deliver(struct setup *s, const struct opts *o)
{
	struct bounce_run run;
	const char *qid = o->qid ? o->qid : "NOQUEUE";
	struct verdict v;
	struct buf msg;
	int	status = EX_OK;

	buf_init(&msg, BOUNCE_READ_MAX);
	if (read_message(&msg) < 0) {
		clog_warn("%s: read message", qid);
		status = EX_TEMPFAIL;
	} else if (make_run(s, &run), bounce_parse(&run.bc, msg.data ? msg.data : "",
		       msg.len, o->rcpt, &v) < 0 || bounce_apply(&run.ba, &v, qid) < 0) {
		status = EX_TEMPFAIL;
	}
	bounce_apply_close(&run.ba);
	buf_free(&msg);
	return status;
}

/* serve - the spawn(8) case: an LMTP session on stdin/stdout */
static int
serve(struct setup *s)
{
	struct bounce_run run;
	int	status;

	make_run(s, &run);
	status = lmtp_serve(&run, stdin, stdout);
	bounce_apply_close(&run.ba);
	return status;
}

int
main(int argc, char **argv)
{
	struct opts o = {CAMPAIGN_CONF_DEFAULT, NULL, NULL, {0}, 0, 0, 0, 0};
	struct setup s;
	struct buf errs;
	int	status, bad;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return EX_OK;
	}
	if (parse_opts(&o, argc, argv) < 0) {
		usage(stderr);
		return o.rcpt || o.lmtp ? EX_TEMPFAIL : EX_USAGE;
	}
	memset(&s, 0, sizeof(s));
	buf_init(&s.secret, 4096);
	buf_init(&errs, 1 << 16);
	bad = load(&s, &o, &errs) < 0;
	clog_open("campaign-bounce", o.check, s.cf.syslog_facility ? s.cf.syslog_facility : "mail");
	if (bad && o.lmtp)
		printf("421 4.3.0 campaign-bounce: configuration error\r\n");
	if (bad) {
		for (char *p = errs.data; p && (p = strchr(p, '\n')) != NULL; )
			*p = p[1] ? ';' : '\0';
		clog_warnx("configuration: %s", buf_cstr(&errs));
		status = o.check ? EX_CONFIG : EX_TEMPFAIL;
	} else if (o.check) {
		conf_print(&s.cf, stdout);
		printf("# %zu rules in %s\n", classify_count(s.rules), s.cf.bounce_rules);
		status = EX_OK;
	} else {
		g_mime_init();
		status = o.lmtp ? serve(&s) : deliver(&s, &o);
		g_mime_shutdown();
	}
	classify_free(s.rules);
	conf_free(&s.cf);
	buf_free(&s.secret);
	buf_free(&errs);
	return status == EX_OK || o.check ? status : EX_TEMPFAIL;
}
