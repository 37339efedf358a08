/*
 * NAME
 *	campaign-unsubscribe - receive one-click (RFC 8058) and mailto:
 *	unsubscribes into the suppression table
 * SYNOPSIS
 *	campaign-unsubscribe [-fn] [-c campaign.conf] [-u user] [-P pidfile]
 *		[-o name=value]...
 *	campaign-unsubscribe --mail [-c campaign.conf] [-o name=value]...
 *		[-s sender] [-q queue_id] [--] [recipient]
 *	campaign-unsubscribe --help
 * DESCRIPTION
 *	main() does the wiring: options, campaign.conf, the templates and
 *	the secret, then either the HTTP server (http.c, with the writer of
 *	store.c) or one message (--mail, mail.c), which hands its unsubscribe
 *	to the server (client.c): one process writes the table.
 *
 *	The server opens its socket, becomes a daemon (unless -f), writes the
 *	pid file, drops root when -u is given (the table must then be
 *	writable by that user: not in Postfix's configuration directory,
 *	where postfix check wants every file owned by root) and only then
 *	opens the table, so it is checked with the rights it is written with.  The main
 *	thread waits for SIGTERM or SIGINT; then no new connection is taken,
 *	queued writes finish and are answered, and the server stops.
 * DIAGNOSTICS
 *	Server (sysexits): 0 stopped cleanly or -n found no problem; 64
 *	usage; 67 unknown -u user; 69 the server or the table did not start;
 *	71 cannot listen, daemonize or drop privileges; 73 cannot write the
 *	pid file; 78 configuration error (each problem on one line).
 *	--mail: 0 or 75 only (see mail.c), so Postfix never bounces.
 * SEE ALSO
 *	campaign-unsubscribe(8), unsub.h.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clog.h"
#include "conf.h"
#include "unsub.h"

#define EX_OK_		0
#define EX_USAGE_	64
#define EX_NOUSER_	67
#define EX_UNAVAILABLE_	69
#define EX_OSERR_	71
#define EX_CANTCREAT_	73
#define EX_TEMPFAIL_	75
#define EX_CONFIG_	78

struct um {
	const char *conf_path;		/* -c */
	char  **overrides;		/* -o */
	int	noverrides;
	const char *user;		/* -u */
	const char *pidfile;		/* -P */
	int	foreground;		/* -f */
	int	check_only;		/* -n */
	int	mail;			/* --mail */
	const char *sender;		/* -s */
	const char *qid;		/* -q */
	const char *recipient;		/* --mail operand */
	struct campaign_conf cf;
	struct unsub_tmpl tmpl;		/* unsubscribe_url */
	struct unsub_tmpl mailto;	/* --mail: unsubscribe_mailto */
	struct buf secret;
};

static const struct option long_opts[] = {
	{"mail", no_argument, NULL, 'M'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: %s [-fn] [-c campaign.conf] [-u user] [-P pidfile] [-o name=value]...\n"
	    "       %s --mail [-c campaign.conf] [-o name=value]... [-s sender] [-q queue_id]\n"
	    "              [--] [recipient]   (a message on stdin, from pipe(8))\n"
	    "  -c FILE   configuration (default %s)\n"
	    "  -f        stay in the foreground, log to stderr\n"
	    "  -n        check the configuration, print it, exit\n"
	    "  -u USER   run as USER after opening the socket\n"
	    "  -P FILE   write the process id to FILE\n"
	    "  -o N=V    override setting N\n"
	    "  --mail    the mailto: form: exit 0 or 75 only\n",
	    UNSUB_NAME, UNSUB_NAME, CAMPAIGN_CONF_DEFAULT);
}

/* parse_args - options into *m; -1 on a usage error (printed) */
static int
parse_args(int argc, char **argv, struct um *m)
{
	char  **v;
	int	c;

	m->conf_path = CAMPAIGN_CONF_DEFAULT;
	while ((c = getopt_long(argc, argv, "c:fnu:P:o:s:q:", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c': m->conf_path = optarg; break;
		case 'f': m->foreground = 1; break;
		case 'n': m->check_only = 1; break;
		case 'u': m->user = optarg; break;
		case 'P': m->pidfile = optarg; break;
		case 's': m->sender = optarg; break;
		case 'q': m->qid = optarg; break;
		case 'M': m->mail = 1; break;
		case 'o':
			if ((v = realloc(m->overrides, sizeof(*v) * (size_t)(m->noverrides + 1))) == NULL)
				return -1;
			m->overrides = v;
			v[m->noverrides++] = optarg;
			break;
		default: usage(stderr); return -1;
		}
	}
	if (m->mail && optind < argc)
		m->recipient = argv[optind++];
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* load - campaign.conf, overrides, the template and the secret; problems counted */
static int
load(struct um *m, struct buf *errs)
{
	struct cerr e;
	int	i, n;

	conf_init(&m->cf);
	n = conf_load(&m->cf, m->conf_path, 1, errs);
	for (i = 0; i < m->noverrides; i++)
		n += conf_override(&m->cf, m->overrides[i], errs);
	n += conf_require(&m->cf, "unsubscribe_url", errs);
	n += conf_require(&m->cf, m->mail ? "unsubscribe_mailto" : "unsubscribe_secret_file", errs);
	if (n)
		return n;
	if (unsub_tmpl_url(&m->tmpl, m->cf.unsubscribe_url, &e) < 0) {
		buf_appendf(errs, "%s: unsubscribe_url: %s\n", m->conf_path, e.msg);
		n++;
	}
	/* --mail hands the unsubscribe to the server: no secret here */
	if (m->mail) {
		if (unsub_tmpl_mail(&m->mailto, m->cf.unsubscribe_mailto, &e) < 0) {
			buf_appendf(errs, "%s: unsubscribe_mailto: %s\n", m->conf_path, e.msg);
			n++;
		}
		return n;
	}
	if (hmac_load_secret(m->cf.unsubscribe_secret_file, &m->secret, &e) < 0) {
		buf_appendf(errs, "%s: unsubscribe_secret_file: %s\n", m->conf_path, e.msg);
		n++;
	}
	return n;
}

static int
drop_root(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL) {
		clog_errx("-u %s: no such user", user);
		return EX_NOUSER_;
	}
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		clog_err("cannot become user %s", user);
		return EX_OSERR_;
	}
	return EX_OK_;
}

static int
write_pidfile(const char *path)
{
	FILE   *fp;

	if (path == NULL)
		return EX_OK_;
	if ((fp = fopen(path, "w")) == NULL || fprintf(fp, "%ld\n", (long)getpid()) < 0
	    || fclose(fp) != 0) {
		clog_err("%s: cannot write the pid file", path);
		return EX_CANTCREAT_;
	}
	return EX_OK_;
}

/* serve - table, server, wait for a stop signal, stop in order */
static int
serve(struct um *m, int fd, const sigset_t *set)
{
	struct http_conf hc = {m->cf.unsubscribe_listen, m->cf.unsubscribe_threads,
	    m->cf.unsubscribe_max_connections, &m->tmpl, &m->secret, NULL};
	struct http_server *h;
	struct cerr e;
	int	sig;

	if ((hc.store = store_start(m->cf.suppression_table, &e)) == NULL) {
		clog_errx("%s", e.msg);
		return EX_UNAVAILABLE_;
	}
	if ((h = http_start(&hc, fd, &e)) == NULL) {
		clog_errx("%s", e.msg);
		store_stop(hc.store);
		return EX_UNAVAILABLE_;
	}
	clog_infox("listening on %s, table %s", hc.listen, m->cf.suppression_table);
	while (sigwait(set, &sig) != 0)
		;
	clog_infox("signal %d: stopping", sig);
	http_quiesce(h);
	store_stop(hc.store);		/* answers every queued request */
	http_stop(h);
	return EX_OK_;
}

/* start - socket, daemon, pid file (as root), privileges, then serve */
static int
start(struct um *m)
{
	sigset_t set;
	struct cerr e;
	int	fd, st;

	clog_open(UNSUB_NAME, m->foreground, m->cf.syslog_facility);
	if ((fd = http_listen(m->cf.unsubscribe_listen, &e)) < 0) {
		clog_errx("%s", e.msg);
		return EX_OSERR_;
	}
	if (!m->foreground && daemon(0, 0) < 0) {
		clog_err("daemon");
		return EX_OSERR_;
	}
	if ((st = write_pidfile(m->pidfile)) != EX_OK_
	    || (m->user && (st = drop_root(m->user)) != EX_OK_))
		return st;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	st = serve(m, fd, &set);
	if (m->pidfile)
		unlink(m->pidfile);
	return st;
}

/* run_mail - --mail: every failure is 75, so Postfix keeps the mail */
static int
run_mail(struct um *m, int config_problems, struct buf *errs)
{
	struct mail_args ma = {m->sender, m->qid, m->recipient, m->cf.unsubscribe_listen,
	    &m->mailto, &m->tmpl};
	const char *p, *nl;

	clog_open(UNSUB_NAME, 0, m->cf.syslog_facility ? m->cf.syslog_facility : "mail");
	if (config_problems) {
		for (p = errs->data; p && *p; p = nl + 1) {
			if ((nl = strchr(p, '\n')) == NULL)
				nl = p + strlen(p) - 1;
			clog_warnx("%.*s (mail deferred)", (int)(nl - p), p);
		}
		return EX_TEMPFAIL_;
	}
	return mail_run(&ma, stdin);
}

int
main(int argc, char **argv)
{
	struct um m;
	struct buf errs;
	int	n, st;

	memset(&m, 0, sizeof(m));
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return EX_OK_;
	}
	buf_init(&errs, 1 << 16);
	if (parse_args(argc, argv, &m) < 0) {
		st = m.mail ? EX_TEMPFAIL_ : EX_USAGE_;
	} else if (n = load(&m, &errs), m.mail) {
		st = run_mail(&m, n, &errs);
	} else if (n) {
		fputs(buf_cstr(&errs), stderr);
		fprintf(stderr, "%s: configuration errors, not started\n", UNSUB_NAME);
		st = EX_CONFIG_;
	} else if (m.check_only) {
		conf_print(&m.cf, stdout);
		st = EX_OK_;
	} else {
		st = start(&m);
	}
	buf_free(&errs);
	buf_free(&m.secret);
	conf_free(&m.cf);
	free(m.overrides);
	return st;
}
