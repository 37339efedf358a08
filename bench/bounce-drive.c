/*
 * NAME
 *	bounce-drive - run campaign-bounce once per DSN, as pipe(8) would,
 *	and report the CPU its runs took; or run its parser in-process
 * SYNOPSIS
 *	bounce-drive -p PROGRAM -c CONF [-j JOBS] < LIST
 *	bounce-drive -i -c CONF < LIST
 * DESCRIPTION
 *	LIST has one "FILE RECIPIENT" line per DSN.  With -p, each line
 *	spawns PROGRAM -c CONF -q BENCH -- RECIPIENT with FILE on stdin
 *	(posix_spawn, so the driver's own fork cost is not counted), up to
 *	JOBS (default 1) at a time, and every exit status must be 0.  With
 *	-i, the file is parsed and the policy applied in this process
 *	(bounce_parse() and bounce_apply(), rules loaded once): the work
 *	of one DSN without the start of a process.
 *	Prints "runs=N failed=N wall_ms=W user_ms=U sys_ms=S" (with -p the
 *	children's CPU from getrusage(RUSAGE_CHILDREN), with -i the
 *	driver's own).
 * DIAGNOSTICS
 *	Exit 0 when every run succeeded, 1 otherwise, 64 usage.
 * SEE ALSO
 *	bench/bounce, bench/BOUNCE.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "bounce.h"
#include "clog.h"
#include "conf.h"

extern char **environ;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* reap - wait for one child; 1 when it failed */
static int
reap(void)
{
	int	st;

	if (wait(&st) < 0)
		return 1;
	return !WIFEXITED(st) || WEXITSTATUS(st) != 0;
}

/* spawn_one - PROGRAM with FILE on stdin */
static int
spawn_one(const char *prog, const char *conf, const char *file, const char *rcpt)
{
	posix_spawn_file_actions_t fa;
	char   *argv[] = {(char *)prog, "-c", (char *)conf, "-q", "BENCH", "--", (char *)rcpt, NULL};
	pid_t	pid;
	int	r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, file, O_RDONLY, 0);
	r = posix_spawn(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return r == 0 ? 0 : -1;
}

struct ip {
	struct campaign_conf cf;
	struct classify *rules;
	struct policy policy;
	struct buf msg;
	struct bounce_apply ba;
};

/* ip_init - campaign.conf, rules and policy, once */
static int
ip_init(struct ip *ip, const char *conf)
{
	struct buf errs;
	struct cerr e;

	buf_init(&errs, 1 << 16);
	conf_init(&ip->cf);
	if (conf_load(&ip->cf, conf, 1, &errs) || (ip->rules = classify_load(ip->cf.bounce_rules, &e)) == NULL
	    || policy_parse(&ip->policy, ip->cf.bounce_policy, &e) < 0)
		return fprintf(stderr, "%s", buf_cstr(&errs)), -1;
	ip->policy.soft_limit = ip->cf.bounce_soft_limit;
	ip->policy.soft_window = ip->cf.bounce_soft_window;
	buf_init(&ip->msg, BOUNCE_READ_MAX);
	buf_free(&errs);
	memset(&ip->ba, 0, sizeof(ip->ba));
	ip->ba.rules = ip->rules;
	ip->ba.policy = &ip->policy;
	ip->ba.suppression_table = ip->cf.suppression_table;
	ip->ba.state_table = ip->cf.bounce_state_table;
	g_mime_init();
	return 0;
}

/* ip_one - parse and apply one file in this process */
static int
ip_one(struct ip *ip, const char *file, const char *rcpt)
{
	struct bounce_ctx bc = {ip->cf.return_path, NULL};
	struct verdict v;
	char	chunk[65536];
	size_t	got;
	FILE   *fp = fopen(file, "r");

	if (fp == NULL)
		return 1;
	buf_reset(&ip->msg);
	while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&ip->msg, chunk, got);
	fclose(fp);
	return bounce_parse(&bc, ip->msg.data, ip->msg.len, rcpt, &v) < 0
	    || bounce_apply(&ip->ba, &v, "BENCH") < 0;
}

int
main(int argc, char **argv)
{
	const char *prog = NULL, *conf = NULL;
	char	line[4096], file[2048], rcpt[1024];
	int	c, jobs = 1, running = 0, runs = 0, failed = 0, inproc = 0;
	struct rusage ru;
	struct ip ip;
	double	t0;

	while ((c = getopt(argc, argv, "p:c:j:i")) != -1) {
		switch (c) {
		case 'p': prog = optarg; break;
		case 'c': conf = optarg; break;
		case 'j': jobs = atoi(optarg); break;
		case 'i': inproc = 1; break;
		default: return 64;
		}
	}
	if (conf == NULL || (prog == NULL) == !inproc || jobs < 1)
		return fprintf(stderr, "usage: bounce-drive -p PROGRAM|-i -c CONF [-j JOBS] < LIST\n"), 64;
	clog_open("bounce-drive", 0, "mail");
	if (inproc && ip_init(&ip, conf) < 0)
		return 1;
	t0 = now_ms();
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (sscanf(line, "%2047s %1023s", file, rcpt) != 2)
			continue;
		runs++;
		if (inproc) {
			failed += ip_one(&ip, file, rcpt);
			continue;
		}
		if (running >= jobs)
			failed += reap(), running--;
		if (spawn_one(prog, conf, file, rcpt) < 0)
			failed++;
		else
			running++;
	}
	while (running > 0)
		failed += reap(), running--;
	getrusage(inproc ? RUSAGE_SELF : RUSAGE_CHILDREN, &ru);
	printf("runs=%d failed=%d wall_ms=%.0f user_ms=%.0f sys_ms=%.0f\n", runs, failed,
	    now_ms() - t0, ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3,
	    ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3);
	return failed ? 1 : 0;
}
