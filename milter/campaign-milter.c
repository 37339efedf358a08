/*
 * NAME
 *	campaign-milter - tag campaign mail and rewrite its return path to
 *	the discard alias, before the queue
 * SYNOPSIS
 *	campaign-milter [-fn] [-c campaign.conf] [-p socket] [-u user]
 *		[-P pidfile] [-o name=value]...
 *	campaign-milter [-c campaign.conf] -V campaign recipient token
 *	campaign-milter [-c campaign.conf] -T campaign recipient
 * DESCRIPTION
 *	main() does the wiring: options, configuration (config.c), the
 *	milter socket, dropping root, the daemon, and signals.  The milter
 *	itself is mlfi.c.
 *
 *	libmilter's smfi_main() runs in a second thread.  The main thread
 *	keeps SIGHUP, SIGTERM and SIGINT blocked and waits for them with
 *	sigwait(): SIGHUP rereads the configuration, SIGTERM and SIGINT call
 *	smfi_stop() and wait for smfi_main() to return.  (libmilter's own
 *	signal thread would treat SIGHUP as "stop"; Linux hands a signal
 *	sent to the process to its main thread first when that thread is
 *	waiting for it, so libmilter's thread never sees one.)
 *
 *	-V checks an unsubscribe token with the configured secret (exit 0
 *	valid, 1 not); -T prints one.  Both exist for the unsubscribe
 *	endpoint and for tests.
 * DIAGNOSTICS
 *	Exit status (sysexits): 0 stopped cleanly or -n/-V succeeded; 1 -V
 *	token invalid; 64 usage; 67 unknown -u user; 70 libmilter failed;
 *	71 cannot open the socket, drop privileges or daemonize; 73 cannot
 *	write the pid file; 78 configuration error (every problem is printed
 *	as "file: setting: problem" or "file:line: problem").
 * SEE ALSO
 *	campaign-milter(8), mlfi.c, config.c, tag.c.
 */
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "clog.h"
#include "hmac.h"
#include "milter.h"

struct cm_main {
	struct cm_options opt;
	const char *user;		/* -u */
	const char *pidfile;		/* -P */
	int	foreground;		/* -f */
	int	check_only;		/* -n */
	int	verify;			/* -V */
	int	make_token;		/* -T */
	char  **args;			/* -V / -T operands */
	int	nargs;
	pthread_t main_thread;
	int	milter_status;		/* smfi_main's result */
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: %s [-fn] [-c campaign.conf] [-p socket] [-u user] [-P pidfile]\n"
	    "       [-o name=value]...\n"
	    "       %s [-c campaign.conf] -V campaign recipient token\n"
	    "       %s [-c campaign.conf] -T campaign recipient\n"
	    "  -c FILE   configuration (default %s)\n"
	    "  -p SOCK   milter socket: unix:/path or inet:port@127.0.0.1\n"
	    "  -u USER   run as USER after opening the socket\n"
	    "  -P FILE   write the process id to FILE\n"
	    "  -f        stay in the foreground, log to stderr\n"
	    "  -n        check the configuration, print it, exit\n"
	    "  -o N=V    override setting N\n"
	    "  -V        verify an unsubscribe token (exit 0 valid, 1 not)\n"
	    "  -T        print the unsubscribe token of campaign and recipient\n",
	    CM_NAME, CM_NAME, CM_NAME, CAMPAIGN_CONF_DEFAULT);
}

static int
add_override(struct cm_options *opt, char *arg)
{
	char  **v = realloc(opt->overrides, sizeof(*v) * (size_t)(opt->noverrides + 1));

	if (v == NULL)
		return -1;
	opt->overrides = v;
	v[opt->noverrides++] = arg;
	return 0;
}

/* parse_args - options into *m; returns -1 after printing a usage error */
static int
parse_args(int argc, char **argv, struct cm_main *m)
{
	int	c;

	m->opt.conf_path = CAMPAIGN_CONF_DEFAULT;
	/* "+": options end at the first operand, since a token may begin with '-' */
	while ((c = getopt(argc, argv, "+c:p:u:P:fno:VT")) != -1) {
		switch (c) {
		case 'c': m->opt.conf_path = optarg; break;
		case 'p': m->opt.socket = optarg; break;
		case 'u': m->user = optarg; break;
		case 'P': m->pidfile = optarg; break;
		case 'f': m->foreground = 1; break;
		case 'n': m->check_only = 1; break;
		case 'o': if (add_override(&m->opt, optarg) < 0) return -1; break;
		case 'V': m->verify = 1; break;
		case 'T': m->make_token = 1; break;
		default: usage(stderr); return -1;
		}
	}
	m->args = argv + optind;
	m->nargs = argc - optind;
	if ((m->verify && m->nargs != 3) || (m->make_token && m->nargs != 2)
	    || (!m->verify && !m->make_token && m->nargs != 0) || (m->verify && m->make_token)) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static struct cm_config *
load_or_report(const struct cm_main *m)
{
	struct cm_config *cfg;
	struct buf errs;

	buf_init(&errs, 1 << 16);
	if (cm_config_load(&m->opt, &cfg, &errs) != 0) {
		fputs(buf_cstr(&errs), stderr);
		fprintf(stderr, "%s: configuration errors, not started\n", CM_NAME);
	}
	buf_free(&errs);
	return cfg;
}

/* token_mode - -V and -T */
static int
token_mode(const struct cm_main *m, const struct cm_config *cfg)
{
	char	tok[HMAC_TOKEN_LEN + 1];

	if (cfg->secret.len == 0) {
		fprintf(stderr, "%s: no unsubscribe_secret_file configured\n", CM_NAME);
		return EX_CONFIG;
	}
	if (m->verify) {
		int	ok = hmac_verify(&cfg->secret, m->args[0], m->args[1], m->args[2]) == 1;

		printf("%s\n", ok ? "valid" : "invalid");
		return ok ? EX_OK : 1;
	}
	if (hmac_token(&cfg->secret, m->args[0], m->args[1], tok) < 0) {
		fprintf(stderr, "%s: cannot make a token for that recipient\n", CM_NAME);
		return EX_USAGE;
	}
	printf("%s\n", tok);
	return EX_OK;
}

/* socket_path - the file of a unix: or local: socket, or NULL */
static const char *
socket_path(const char *sock)
{
	if (strncmp(sock, "unix:", 5) == 0)
		return sock + 5;
	if (strncmp(sock, "local:", 6) == 0)
		return sock + 6;
	return NULL;
}

/* socket_group - postfix's group if there is one, else the user's */
static gid_t
socket_group(const struct passwd *pw)
{
	struct group *gr = getgrnam("postfix");

	return gr ? gr->gr_gid : pw->pw_gid;
}

/* drop_root - give the socket to user (group postfix, mode 0660), become user */
static int
drop_root(const char *user, const char *sock)
{
	struct passwd *pw = getpwnam(user);
	const char *path = socket_path(sock);

	if (pw == NULL) {
		clog_errx("-u %s: no such user", user);
		return EX_NOUSER;
	}
	if (path && (chown(path, pw->pw_uid, socket_group(pw)) < 0 || chmod(path, 0660) < 0)) {
		clog_err("%s: cannot hand the socket to %s", path, user);
		return EX_OSERR;
	}
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		clog_err("cannot become user %s", user);
		return EX_OSERR;
	}
	return EX_OK;
}

static int
open_socket(const struct cm_config *cfg)
{
	const char *sock = cfg->cf.milter_socket;

	umask(0117);			/* a unix socket is born 0660 */
	if (smfi_register(cm_milter) != MI_SUCCESS) {
		clog_errx("smfi_register failed");
		return EX_SOFTWARE;
	}
	if (smfi_setconn((char *)sock) != MI_SUCCESS || smfi_opensocket(1) != MI_SUCCESS) {
		clog_errx("cannot open the milter socket %s", sock);
		return EX_OSERR;
	}
	return EX_OK;
}

static int
write_pidfile(const char *path)
{
	FILE   *fp;

	if (path == NULL)
		return EX_OK;
	if ((fp = fopen(path, "w")) == NULL || fprintf(fp, "%ld\n", (long)getpid()) < 0
	    || fclose(fp) != 0) {
		clog_err("%s: cannot write the pid file", path);
		return EX_CANTCREAT;
	}
	return EX_OK;
}

/* milter_thread - smfi_main(); tells the main thread when it returns */
static void *
milter_thread(void *arg)
{
	struct cm_main *m = arg;

	m->milter_status = smfi_main();
	pthread_kill(m->main_thread, SIGUSR1);
	return NULL;
}

/* wait_signals - SIGHUP reloads; SIGTERM, SIGINT or milter exit stops */
static void
wait_signals(struct cm_main *m, const sigset_t *set)
{
	int	sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			cm_config_reload(&m->opt);
			continue;
		}
		if (sig != SIGUSR1)
			clog_infox("signal %d: stopping", sig);
		smfi_stop();
		return;
	}
}

static int
run(struct cm_main *m)
{
	sigset_t set;
	pthread_t tid;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	m->main_thread = pthread_self();
	if (pthread_create(&tid, NULL, milter_thread, m) != 0) {
		clog_err("cannot start the milter thread");
		return EX_OSERR;
	}
	clog_infox("started");
	wait_signals(m, &set);
	pthread_join(tid, NULL);
	clog_infox("stopped");
	return m->milter_status == MI_SUCCESS ? EX_OK : EX_SOFTWARE;
}

/* start - socket, daemon, pid file (as root), privileges, then run */
static int
start(struct cm_main *m, struct cm_config *cfg)
{
	int	st;

	clog_open(CM_NAME, m->foreground, cfg->cf.syslog_facility);
	cm_config_install(cfg);
	if ((st = open_socket(cfg)) != EX_OK)
		return st;
	if (!m->foreground && daemon(0, 0) < 0) {
		clog_err("daemon");
		return EX_OSERR;
	}
	if ((st = write_pidfile(m->pidfile)) != EX_OK)
		return st;
	if (m->user && (st = drop_root(m->user, cfg->cf.milter_socket)) != EX_OK)
		return st;
	st = run(m);
	if (m->pidfile)
		unlink(m->pidfile);
	return st;
}

int
main(int argc, char **argv)
{
	struct cm_main m;
	struct cm_config *cfg;
	int	st;

	memset(&m, 0, sizeof(m));
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return EX_OK;
	}
	if (parse_args(argc, argv, &m) < 0) {
		st = EX_USAGE;
	} else if ((cfg = load_or_report(&m)) == NULL) {
		st = EX_CONFIG;
	} else if (m.check_only) {
		cm_config_print(cfg, stdout);
		cm_config_free(cfg);
		st = EX_OK;
	} else if (m.verify || m.make_token) {
		st = token_mode(&m, cfg);
		cm_config_free(cfg);
	} else {
		st = start(&m, cfg);
		cm_config_install(NULL);	/* frees the one in effect */
	}
	free(m.opt.overrides);
	return st;
}
