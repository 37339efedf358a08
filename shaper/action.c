/*
 * NAME
 *	action - campaign-shaper's active actions and its state file (see shaper.h)
 * SYNOPSIS
 *	#include "shaper.h"
 * DESCRIPTION
 *	The state file holds one active action a line:
 *		PROVIDER KIND VALUE END LINE STEP QUIET CEILING
 *	KIND concurrency, rate_delay or suspend; VALUE connections or
 *	seconds (0 for suspend); END the epoch second the action ends; LINE
 *	the rules file's line of the rule (0: none) and STEP the index of
 *	its step in force (a line of four words, an older state, is read as
 *	LINE 0); QUIET the epoch second the quiet spell started (the last
 *	match; a line of six words is read as 0: the spell then counts from
 *	the restart's reload); CEILING the concurrency at which a probe
 *	met a match (0: none; a line of seven words is read as 0).  VALUE is
 *	the value in force, above the step's while a probe has given
 *	connections back.  The matches counted towards the next step are not kept:
 *	after a restart they count from 0 again.  It
 *	is rewritten whole after every change: a temporary file beside it,
 *	fsync(2), rename(2), so a crash leaves the old or the new state,
 *	never half of one.
 * DIAGNOSTICS
 *	actions_save() fills e; actions_load() appends warnings to warns.
 * SEE ALSO
 *	shaper.h, campaign-shaper(8)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shaper.h"

#define STATE_LINE_MAX	256

int
actions_add(struct actions *a, const char *provider, enum skind kind, long value,
	    time_t end)
{
	struct action *v;
	size_t	i;

	for (i = 0; i < a->n; i++) {
		v = &a->v[i];
		if (v->line == 0 && strcmp(v->provider, provider) == 0 && v->kind == kind
		    && v->value == value) {
			if (end > v->end)
				v->end = end;
			return 0;
		}
	}
	if ((v = realloc(a->v, (a->n + 1) * sizeof(*v))) == NULL)
		return -1;
	a->v = v;
	v = &a->v[a->n++];
	memset(v, 0, sizeof(*v));
	snprintf(v->provider, sizeof(v->provider), "%s", provider);
	v->kind = kind;
	v->value = value;
	v->end = end;
	return 1;
}

/* find_rule - the action of rule line for provider, or NULL */
static struct action *
find_rule(struct actions *a, const char *provider, int line)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		if (a->v[i].line == line && strcmp(a->v[i].provider, provider) == 0)
			return &a->v[i];
	return NULL;
}

/* set_step - step k of rule r, ending at end, not yet in force */
static void
set_step(struct action *x, const struct srule *r, int k, time_t end)
{
	x->probe = r->probe;
	x->quiet = end - r->duration;
	x->told = 0;
	x->kind = r->step[k].kind;
	x->value = r->step[k].value;
	x->step = k;
	x->end = end;
	x->line = r->line;
	x->duration = r->duration;
	x->hits = 0;
	x->count_from = 0;
	x->ceiling = 0;
}

int
actions_hit(struct actions *a, const char *provider, const struct srule *r,
	    time_t now, time_t line_time)
{
	struct action *x = find_rule(a, provider, r->line);

	if (x == NULL) {
		if ((x = realloc(a->v, (a->n + 1) * sizeof(*x))) == NULL)
			return -1;
		a->v = x;
		x = &a->v[a->n++];
		memset(x, 0, sizeof(*x));
		snprintf(x->provider, sizeof(x->provider), "%s", provider);
		set_step(x, r, 0, now + r->duration);
		return 1;
	}
	x->quiet = now;
	if (x->kind == SK_CONCURRENCY && x->value > r->step[x->step].value) {
		if (now + r->duration > x->end)
			x->end = now + r->duration;
		if (x->count_from == 0 || line_time < x->told)
			return 0;
		x->ceiling = x->value;
		x->value--;
		x->count_from = 0;
		return 3;
	}
	if (x->count_from != 0 && line_time >= x->count_from && x->step + 1 < r->nsteps
	    && ++x->hits >= r->escalate) {
		set_step(x, r, x->step + 1, now + r->duration);
		return 2;
	}
	if (now + r->duration > x->end)
		x->end = now + r->duration;
	return 0;
}

void
actions_in_force(struct actions *a, time_t now)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		if (a->v[i].line != 0 && a->v[i].count_from == 0) {
			a->v[i].count_from = now + a->v[i].duration / 10;
			a->v[i].told = now;
		}
}

/*
 * probe_due - is x a concurrency step in force, quiet for its probe, and
 * below the ceiling (the level at which a probe met a match)?
 */
static int
probe_due(const struct action *x, time_t now)
{
	return x->line != 0 && x->kind == SK_CONCURRENCY && x->probe > 0
	    && x->count_from != 0 && now - x->told >= x->probe
	    && now - x->quiet >= x->probe && x->end > now
	    && (x->ceiling == 0 || x->value < x->ceiling);
}

size_t
actions_probe(struct actions *a, const struct provider_table *t, time_t now,
	      void (*raised)(const struct action *, void *), void *arg)
{
	const struct provider *p;
	size_t	i, n = 0;

	for (i = 0; i < a->n; i++) {
		struct action *x = &a->v[i];

		if (!probe_due(x, now)
		    || (p = provider_find(t, x->provider, strlen(x->provider))) == NULL)
			continue;
		x->value++;
		x->quiet = now;
		x->count_from = 0;
		if (x->value >= p->connections)
			x->end = now;
		if (raised != NULL)
			raised(x, arg);
		n++;
	}
	return n;
}

/* rule_at - the rule of that line, when it can hold x's step */
static const struct srule *
rule_at(const struct srules *r, const struct action *x)
{
	size_t	i;

	for (i = 0; i < r->n; i++) {
		const struct srule *y = &r->v[i];

		if (y->line != x->line)
			continue;
		if ((strcmp(y->provider, "*") == 0 || strcmp(y->provider, x->provider) == 0)
		    && x->step < y->nsteps && y->step[x->step].kind == x->kind
		    && (y->step[x->step].value == x->value || (x->kind == SK_CONCURRENCY
		    && x->value > y->step[x->step].value)))
			return y;
		return NULL;
	}
	return NULL;
}

void
actions_link(struct actions *a, const struct srules *r, struct buf *warns)
{
	const struct srule *y;
	size_t	i;

	for (i = 0; i < a->n; i++) {
		struct action *x = &a->v[i];

		if (x->line == 0)
			continue;
		if ((y = rule_at(r, x)) != NULL) {
			x->duration = y->duration;
			x->probe = y->probe;
			continue;
		}
		buf_appendf(warns, "state: %s %s=%ld names rule line %d step %d, which the"
		    " rules no longer have: it runs to its end without escalating\n",
		    x->provider, skind_name(x->kind), x->value, x->line, x->step + 1);
		x->line = 0;
	}
}

size_t
actions_expire(struct actions *a, time_t now,
	       void (*done)(const struct action *, void *), void *arg)
{
	size_t	i, j = 0, gone = 0;

	for (i = 0; i < a->n; i++) {
		if (a->v[i].end <= now) {
			if (done != NULL)
				done(&a->v[i], arg);
			gone++;
		} else {
			a->v[j++] = a->v[i];
		}
	}
	a->n = j;
	return gone;
}

void
action_effect(const struct actions *a, const struct provider *p, struct effect *ef)
{
	size_t	i;

	ef->connections = p->connections;
	ef->rate_delay = p->rate_delay;
	ef->suspended = 0;
	for (i = 0; a != NULL && i < a->n; i++) {
		const struct action *x = &a->v[i];

		if (strcmp(x->provider, p->name) != 0)
			continue;
		if (x->kind == SK_CONCURRENCY && x->value < ef->connections)
			ef->connections = x->value;
		else if (x->kind == SK_RATE_DELAY && x->value > ef->rate_delay)
			ef->rate_delay = x->value;
		else if (x->kind == SK_SUSPEND)
			ef->suspended = 1;
	}
}

/* write_all - the lines of the state file to fd */
static int
write_all(int fd, const struct actions *a)
{
	struct buf b;
	size_t	i;
	int	ok;

	buf_init(&b, 16 * 1024 * 1024);
	buf_puts(&b, "# campaign-shaper state: PROVIDER KIND VALUE END LINE STEP QUIET CEILING\n");
	for (i = 0; i < a->n; i++)
		buf_appendf(&b, "%s %s %ld %lld %d %d %lld %ld\n", a->v[i].provider,
		    skind_name(a->v[i].kind), a->v[i].value, (long long)a->v[i].end,
		    a->v[i].line, a->v[i].step, (long long)a->v[i].quiet, a->v[i].ceiling);
	ok = write(fd, b.data, b.len) == (ssize_t)b.len;
	buf_free(&b);
	return ok ? 0 : -1;
}

int
actions_save(const struct actions *a, const char *path, struct cerr *e)
{
	char	tmp[PATH_MAX];
	int	fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return cerr_set(e, "%s: name too long", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return cerr_set(e, "%s: %s", tmp, strerror(errno));
	if (write_all(fd, a) < 0 || fsync(fd) < 0) {
		cerr_set(e, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		cerr_set(e, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* add_loaded - an action read from the state; linked to its rule later */
static int
add_loaded(struct actions *a, const char *prov, enum skind k, long value, time_t end,
	   int line, int step, time_t quiet, long ceiling)
{
	struct action *x;

	if (line == 0)
		return actions_add(a, prov, k, value, end) < 0 ? -1 : 0;
	if (find_rule(a, prov, line) != NULL)
		return -1;
	if ((x = realloc(a->v, (a->n + 1) * sizeof(*x))) == NULL)
		return -1;
	a->v = x;
	x = &a->v[a->n++];
	memset(x, 0, sizeof(*x));
	snprintf(x->provider, sizeof(x->provider), "%s", prov);
	x->kind = k;
	x->value = value;
	x->end = end;
	x->line = line;
	x->step = step;
	x->quiet = quiet;
	x->ceiling = ceiling;
	return 0;
}

/* load_line - one state line into a; -1 when malformed */
static int
load_line(struct actions *a, const char *s, const struct provider_table *t)
{
	char	prov[PROVIDER_NAME_MAX + 2], kind[16];
	long	value, ceiling = 0;
	long long end, quiet = 0;
	int	k, used = 0, used6 = 0, used7 = 0, used8 = 0, line = 0, step = 0;

	if (sscanf(s, "%33s %15s %ld %lld %n%d %d %n%lld %n%ld %n", prov, kind, &value,
	    &end, &used, &line, &step, &used6, &quiet, &used7, &ceiling, &used8) >= 4
	    && used6 > 0)
		used = used8 > 0 ? used8 : used7 > 0 ? used7 : used6;
	if (used == 0 || s[used] != 0 || !provider_name_ok(prov, strlen(prov))
	    || provider_find(t, prov, strlen(prov)) == NULL || value < 0 || line < 0
	    || step < 0 || step >= SRULE_STEPS_MAX || quiet < 0 || ceiling < 0)
		return -1;
	for (k = SK_CONCURRENCY; k <= SK_SUSPEND; k++)
		if (strcmp(kind, skind_name(k)) == 0)
			return add_loaded(a, prov, k, value, (time_t)end, line, step,
			    (time_t)quiet, ceiling);
	return -1;
}

int
actions_load(struct actions *a, const char *path, const struct provider_table *t,
	     struct buf *warns)
{
	FILE   *fp = fopen(path, "r");
	struct buf line;
	int	lineno = 0, got;

	if (fp == NULL) {
		if (errno != ENOENT)
			buf_appendf(warns, "%s: %s\n", path, strerror(errno));
		return errno == ENOENT ? 0 : -1;
	}
	buf_init(&line, STATE_LINE_MAX);
	while ((got = buf_getline(&line, fp)) != 0) {
		lineno++;
		if (got > 0 && line.len > 0 && line.data[line.len - 1] == '\n')
			buf_truncate(&line, line.len - 1);
		if (got < 0 || (line.len > 0 && line.data[0] != '#'
		    && load_line(a, buf_cstr(&line), t) < 0))
			buf_appendf(warns, "%s:%d: skipped: malformed, or a provider the table lacks\n",
			    path, lineno);
		buf_reset(&line);
	}
	fclose(fp);
	buf_free(&line);
	return 0;
}

void
actions_free(struct actions *a)
{
	free(a->v);
	a->v = NULL;
	a->n = 0;
}
