/*
 * NAME
 *	campaign-suppress - read and write the suppression table
 * SYNOPSIS
 *	campaign-suppress [-c campaign.conf] [-o name=value] [-t TABLE]
 *		[-s SECRET_FILE] COMMAND [ARG...]
 *	campaign-suppress [-c campaign.conf] [-o name=value] -n
 *	campaign-suppress --help
 * DESCRIPTION
 *	Commands: add ADDRESS [REASON...], remove ADDRESS, check ADDRESS,
 *	check -, import FILE|-, export, list, token CAMPAIGN RECIPIENT,
 *	verify-token CAMPAIGN RECIPIENT TOKEN, why ADDRESS, lift ADDRESS.  The table is a Postfix
 *	hash: table (lib/map_db.c), so postmap -q and check_recipient_access
 *	read what this writes, and this reads what postmap writes.
 *
 *	Reads campaign.conf (-c, default CAMPAIGN_CONF_DEFAULT; a missing
 *	default file means all defaults) for suppression_table and
 *	unsubscribe_secret_file; -t and -s override them.  -n prints the
 *	settings in effect and exits.
 * DIAGNOSTICS
 *	Messages on stderr.  Exit status per sysexits(3): 0 success (check:
 *	suppressed; verify-token: valid), 1 check and why: not suppressed and
 *	verify-token: invalid, 64 usage, 65 bad data, 66 missing table or
 *	input, 74 database or I/O error, 77 permission, 78 configuration.
 * SEE ALSO
 *	campaign-suppress(8), postmap(1), access(5), lib/map_db.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "clog.h"
#include "conf.h"
#include "suppress.h"

static const struct command {
	const char *name;
	int	(*fn)(const struct sup *, int, char **);
}	commands[] = {
	{"add", cmd_add},
	{"remove", cmd_remove},
	{"check", cmd_check},
	{"import", cmd_import},
	{"export", cmd_export},
	{"list", cmd_list},
	{"token", cmd_token},
	{"verify-token", cmd_verify_token},
	{"why", cmd_why},
	{"lift", cmd_lift},
};

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: campaign-suppress [-c campaign.conf] [-o name=value] [-t TABLE]\n"
		"                         [-s SECRET_FILE] COMMAND [ARG...]\n"
		"       campaign-suppress [-c campaign.conf] [-o name=value] -n\n"
		"commands:\n"
		"  add ADDRESS [REASON...]   suppress ADDRESS (or @domain)\n"
		"  remove ADDRESS            remove the entry\n"
		"  check ADDRESS             exit 0 and print the action when suppressed, 1 if not\n"
		"  check -                   answer one stdin line at a time\n"
		"  import FILE|-             lines \"ADDRESS [REASON]\", in one transaction\n"
		"  export                    print \"ADDRESS ACTION\" lines\n"
		"  list                      print the addresses\n"
		"  token CAMPAIGN RECIPIENT  print the unsubscribe token\n"
		"  verify-token CAMPAIGN RECIPIENT TOKEN   exit 0 valid, 1 invalid\n"
		"  why ADDRESS               category, campaign and time of the entry (1: none)\n"
		"  lift ADDRESS              remove the entry and its soft-failure count\n"
		"TABLE is hash:/path/name (default: suppression_table in campaign.conf)\n");
}

/* load_conf - campaign.conf and -o overrides; EX_OK or EX_CONFIG */
static int
load_conf(struct campaign_conf *cf, const char *path, int explicit,
	  char **overrides, int noverrides)
{
	struct buf errs;
	int	i, n;

	buf_init(&errs, 1 << 16);
	conf_init(cf);
	n = conf_load(cf, path, explicit, &errs);
	for (i = 0; i < noverrides; i++)
		n += conf_override(cf, overrides[i], &errs);
	if (n)
		fputs(buf_cstr(&errs), stderr);
	buf_free(&errs);
	return n ? EX_CONFIG : EX_OK;
}

static void
set_date(struct sup *s)
{
	time_t	now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(s->date, sizeof(s->date), "%Y-%m-%d", &tm);
}

/* run - find the command and run it */
static int
run(const struct sup *s, int argc, char **argv)
{
	size_t	i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			return commands[i].fn(s, argc, argv);
	clog_warnx("unknown command: %s", argv[0]);
	usage(stderr);
	return EX_USAGE;
}

struct opts {
	const char *conf, *table, *secret;
	char   *overrides[32];
	int	noverrides, explicit_conf, print;
};

/* parse_opts - options before the command; -1 on a usage error */
static int
parse_opts(struct opts *o, int argc, char **argv)
{
	int	c;

	while ((c = getopt(argc, argv, "+c:o:t:s:n")) != -1) {
		switch (c) {
		case 'c': o->conf = optarg; o->explicit_conf = 1; break;
		case 't': o->table = optarg; break;
		case 's': o->secret = optarg; break;
		case 'n': o->print = 1; break;
		case 'o':
			if (o->noverrides >= 32)
				return -1;
			o->overrides[o->noverrides++] = optarg;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = {CAMPAIGN_CONF_DEFAULT, NULL, NULL, {0}, 0, 0, 0};
	struct campaign_conf cf;
	struct sup s;
	int	status;

	clog_open("campaign-suppress", 1, "mail");
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return EX_OK;
	}
	if (parse_opts(&o, argc, argv) < 0 || (!o.print && optind >= argc)) {
		usage(stderr);
		return EX_USAGE;
	}
	if ((status = load_conf(&cf, o.conf, o.explicit_conf, o.overrides, o.noverrides)) != EX_OK) {
		conf_free(&cf);
		return status;
	}
	if (o.print) {
		conf_print(&cf, stdout);
		conf_free(&cf);
		return EX_OK;
	}
	s.table = o.table ? o.table : cf.suppression_table;
	s.secret_file = o.secret ? o.secret : cf.unsubscribe_secret_file;
	s.state_table = cf.bounce_state_table;
	set_date(&s);
	status = run(&s, argc - optind, argv + optind);
	conf_free(&cf);
	return status;
}
