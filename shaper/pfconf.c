/*
 * NAME
 *	pfconf - campaign-shaper's changes to Postfix: postconf and postfix reload
 * SYNOPSIS
 *	#include "shaper.h"
 *
 *	pf_apply("/etc/postfix", &table, &actions, &changed, &e);
 *	pf_kick("/etc/postfix", &e);
 * DESCRIPTION
 *	Postfix's own commands do every change, as an administrator would:
 *	"postconf -c DIR NAME..." reads the values in effect, "postconf -c
 *	DIR -e NAME=VALUE..." writes the ones that differ, "postfix -c DIR
 *	reload" makes qmgr(8) and the delivery agents read them (when
 *	"postfix status" says Postfix runs; a stopped Postfix reads main.cf
 *	when it starts).  The
 *	commands are found on PATH and run without a shell (fork, execvp);
 *	their standard error stays ours.  What the shaper owns in
 *	defer_transports is "campaign-NAME" of each provider in the table:
 *	any other entry is kept as it is, in its order.  With a rate delay
 *	the transport's _destination_concurrency_failed_cohort_limit is 10
 *	(as campaign-setup --providers sets it), else Postfix's default 1.
 *
 *	pf_kick() asks qmgr(8) for a scan of the incoming queue ("postkick
 *	-c DIR public qmgr I") when "postfix status" says Postfix runs: a
 *	reload restarts qmgr, which puts the queue file of a delivery still in
 *	flight back in the incoming queue 60 s ahead, and only an incoming
 *	scan after that brings it back (campaign-shaper.c plans the kicks).
 * DIAGNOSTICS
 *	pf_apply() fills e with the command that failed and how.
 * SEE ALSO
 *	shaper.h, postconf(1), postfix(1), postkick(1), qmgr(8)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shaper.h"

#define OUT_MAX		(1024 * 1024)
#define ARGS_MAX	(3 * PROVIDER_MAX + 8)
#define COHORT_RATE	"10"	/* failed cohort limit with a rate delay */
#define COHORT_DEFAULT	"1"	/* Postfix's default_destination_... */
#define NAME_MAX_	(PROVIDER_TRANSPORT_MAX + 64)

/* a setting the shaper manages: its name, the wanted and current values */
struct setting {
	char	name[NAME_MAX_];
	char   *want;
	char   *have;
};

/* child_failed - how a child ended, for a message */
static int
child_failed(const char *what, int st, struct cerr *e)
{
	if (WIFEXITED(st))
		return cerr_set(e, "%s exited with status %d", what, WEXITSTATUS(st));
	return cerr_set(e, "%s was killed by signal %d", what, WTERMSIG(st));
}

/* run - argv[0] from PATH; its standard output into out (NULL: dropped);
 * quiet drops its standard error too */
static int
run(char *const argv[], struct buf *out, int quiet, struct cerr *e)
{
	int	pfd[2], st;
	pid_t	pid;
	char	chunk[4096];
	ssize_t	n;

	if (pipe(pfd) < 0)
		return cerr_set(e, "pipe: %s", strerror(errno));
	if ((pid = fork()) < 0) {
		close(pfd[0]), close(pfd[1]);
		return cerr_set(e, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		dup2(pfd[1], 1);
		if (quiet)
			dup2(pfd[1], 2);
		close(pfd[0]), close(pfd[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && out != NULL)
			buf_append(out, chunk, (size_t)n);
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return cerr_set(e, "%s: waitpid: %s", argv[0], strerror(errno));
	return st == 0 ? 0 : child_failed(argv[0], st, e);
}

/* words_without_ours - defer_transports less the table's transports */
static void
words_without_ours(const char *have, const struct provider_table *t, struct buf *b)
{
	const char *p = have ? have : "";
	size_t	n, i;
	int	ours;

	for (; *p; p += n) {
		p += strspn(p, " ,\t\n");
		if ((n = strcspn(p, " ,\t\n")) == 0)
			break;
		for (ours = 0, i = 0; i < t->n && !ours; i++)
			ours = n == strlen(t->v[i].name) + 9 && strncmp(p, "campaign-", 9) == 0
			    && memcmp(p + 9, t->v[i].name, n - 9) == 0;
		if (!ours)
			buf_appendf(b, "%s%.*s", b->len ? " " : "", (int)n, p);
	}
}

/* defer_value - the wanted defer_transports */
static char *
defer_value(const char *have, const struct provider_table *t, const struct actions *a)
{
	struct buf b;
	struct effect ef;
	size_t	i;

	buf_init(&b, OUT_MAX);
	words_without_ours(have, t, &b);
	for (i = 0; i < t->n; i++) {
		action_effect(a, &t->v[i], &ef);
		if (ef.suspended)
			buf_appendf(&b, "%scampaign-%s", b.len ? " " : "", t->v[i].name);
	}
	return b.len ? buf_steal(&b) : strdup("");
}

/* wanted - the settings and their wanted values (defer_transports last) */
static size_t
wanted(const struct provider_table *t, const struct actions *a, struct setting *s)
{
	struct effect ef;
	size_t	i, n = 0;
	char	v[32];

	for (i = 0; i < t->n; i++) {
		action_effect(a, &t->v[i], &ef);
		snprintf(s[n].name, NAME_MAX_, "campaign-%s_destination_concurrency_limit",
		    t->v[i].name);
		snprintf(v, sizeof(v), "%ld", ef.connections);
		s[n++].want = strdup(v);
		snprintf(s[n].name, NAME_MAX_, "campaign-%s_destination_rate_delay", t->v[i].name);
		snprintf(v, sizeof(v), "%lds", ef.rate_delay);
		s[n++].want = strdup(v);
		/* a rate delay means one delivery at a time, so one failure
		 * would mark the destination dead: as campaign-setup does */
		snprintf(s[n].name, NAME_MAX_,
		    "campaign-%s_destination_concurrency_failed_cohort_limit", t->v[i].name);
		s[n++].want = strdup(ef.rate_delay > 0 ? COHORT_RATE : COHORT_DEFAULT);
	}
	snprintf(s[n++].name, NAME_MAX_, "defer_transports");
	return n;
}

/* read_current - "name = value" lines of postconf into s[].have */
static int
read_current(const char *dir, struct setting *s, size_t n, struct cerr *e)
{
	char   *argv[ARGS_MAX + 1], *line, *save = NULL;
	struct buf out;
	size_t	i, k = 0;
	int	r;

	argv[k++] = (char *)"postconf";
	argv[k++] = (char *)"-c";
	argv[k++] = (char *)dir;
	for (i = 0; i < n; i++)
		argv[k++] = s[i].name;
	argv[k] = NULL;
	buf_init(&out, OUT_MAX);
	if ((r = run(argv, &out, 0, e)) == 0 && out.len > 0) {
		for (line = strtok_r(out.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			for (i = 0; i < n; i++)
				if (s[i].have == NULL && strncmp(line, s[i].name, strlen(s[i].name)) == 0
				    && strncmp(line + strlen(s[i].name), " =", 2) == 0)
					s[i].have = strdup(line + strlen(s[i].name) + 2
					    + (line[strlen(s[i].name) + 2] == ' '));
	}
	buf_free(&out);
	return r;
}

/* same - the values agree: a rate delay "1" is "1s"; an unset setting
 * (postconf shows "$default_destination_...") has Postfix's default,
 * as campaign-setup leaves it for a rate delay of 0 */
static int
same(const struct setting *s)
{
	const char *have = s->have;
	long	a, b;

	if (have == NULL || s->want == NULL)
		return have == s->want;
	if (strcmp(have, "$default_destination_rate_delay") == 0)
		have = "0s";
	else if (strcmp(have, "$default_destination_concurrency_failed_cohort_limit") == 0)
		have = COHORT_DEFAULT;
	if (strstr(s->name, "_rate_delay") && provider_duration(have, 1L << 40, &a) == 0
	    && provider_duration(s->want, 1L << 40, &b) == 0)
		return a == b;
	return strcmp(have, s->want) == 0;
}

/* running - does "postfix -c dir status" say Postfix runs? */
static int
running(const char *dir)
{
	char   *status[] = { (char *)"postfix", (char *)"-c", (char *)dir,
		(char *)"status", NULL };

	return run(status, NULL, 1, NULL) == 0;
}

/* write_changes - postconf -e for what differs, then postfix reload */
static int
write_changes(const char *dir, struct setting *s, size_t n, int *changed, struct cerr *e)
{
	char   *argv[ARGS_MAX + 1], *reload[] = { (char *)"postfix", (char *)"-c",
		(char *)dir, (char *)"reload", NULL };
	struct buf kv[ARGS_MAX];
	size_t	i, k = 0, m = 0;
	int	r = 0;

	argv[k++] = (char *)"postconf";
	argv[k++] = (char *)"-c";
	argv[k++] = (char *)dir;
	argv[k++] = (char *)"-e";
	for (i = 0; i < n; i++) {
		if (same(&s[i]))
			continue;
		buf_init(&kv[m], 64 * 1024);
		buf_appendf(&kv[m], "%s=%s", s[i].name, s[i].want ? s[i].want : "");
		argv[k++] = kv[m++].data;
	}
	argv[k] = NULL;
	*changed = (int)m;
	if (m > 0 && (r = run(argv, NULL, 0, e)) == 0 && running(dir))
		r = run(reload, NULL, 0, e);
	while (m > 0)
		buf_free(&kv[--m]);
	return r;
}

int
pf_apply(const char *dir, const struct provider_table *t, const struct actions *a,
	 int *changed, struct cerr *e)
{
	struct setting *s = calloc(3 * t->n + 1, sizeof(*s));
	size_t	n, i;
	int	r = -1;

	*changed = 0;
	if (s == NULL)
		return cerr_set(e, "out of memory");
	n = wanted(t, a, s);
	if (read_current(dir, s, n, e) == 0) {
		s[n - 1].want = defer_value(s[n - 1].have, t, a);
		r = write_changes(dir, s, n, changed, e);
	}
	for (i = 0; i < n; i++) {
		free(s[i].want);
		free(s[i].have);
	}
	free(s);
	return r;
}

int
pf_kick(const char *dir, struct cerr *e)
{
	char   *kick[] = { (char *)"postkick", (char *)"-c", (char *)dir,
		(char *)"public", (char *)"qmgr", (char *)"I", NULL };

	if (!running(dir))
		return 0;		/* stopped: its start scans every queue */
	return run(kick, NULL, 0, e);
}
