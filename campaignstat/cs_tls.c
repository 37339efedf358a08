/*
 * NAME
 *	cs_tls - which deliveries went over TLS (see cs_tls.h)
 * DESCRIPTION
 *	One small entry per smtp(8) process with a TLS state, in a cs_table
 *	keyed by (host, process id).  Relays and queue ids are kept as
 *	their 64-bit hashes: compared, never printed.
 * DIAGNOSTICS
 *	None; memory exhaustion and the CS_TLS_MAX cap count in m->lost.
 * SEE ALSO
 *	cs_tls.h, cs_table.h.
 */
#include <stdlib.h>
#include <string.h>

#include "cs_stats.h"
#include "cs_tls.h"

struct cs_tls_proc {
	struct cs_tabent te;		/* first */
	int	host;
	long	pid;
	long long t;			/* its last line */
	enum cs_tls pending;		/* a TLS line not yet taken */
	uint64_t prelay;		/* its relay */
	enum cs_tls conn;		/* the connection of its last delivery */
	uint64_t crelay, cqid;		/* that delivery's relay and queue id */
};

struct proc_key {
	int	host;
	long	pid;
};

void
cs_tls_init(struct cs_tls_map *m)
{
	memset(m, 0, sizeof(*m));
	m->sweep_at = CS_TLS_SWEEP;
}

static uint64_t
proc_hash(int host, long pid)
{
	return ((uint64_t) pid * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t) host << 40);
}

static int
proc_same(const void *entry, const void *key)
{
	const struct cs_tls_proc *e = entry;
	const struct proc_key *k = key;

	return e->host == k->host && e->pid == k->pid;
}

/* slot - the slot of (host, pid) in a table with cap > 0 */
static size_t
slot(const struct cs_tls_map *m, int host, long pid)
{
	struct proc_key k = {host, pid};

	return cs_table_find(&m->t, proc_hash(host, pid), proc_same, &k);
}

static struct cs_tls_proc *
find(const struct cs_tls_map *m, int host, long pid)
{
	return m->t.cap ? m->t.slot[slot(m, host, pid)] : NULL;
}

/* sweep - free the entries untouched since before now - CS_TLS_KEEP_US */
static void
sweep(struct cs_tls_map *m, long long now)
{
	size_t	i = 0;
	struct cs_tls_proc *e;

	while (i < m->t.cap) {
		e = m->t.slot[i];
		if (e != NULL && e->t + CS_TLS_KEEP_US < now) {
			cs_table_del(&m->t, i);	/* shifts a later entry into i */
			free(e);
		} else {
			i++;
		}
	}
	m->sweep_at = m->t.used * 2 > CS_TLS_SWEEP ? m->t.used * 2 : CS_TLS_SWEEP;
}

/* make - the entry of (host, pid), made when new; NULL when not kept */
static struct cs_tls_proc *
make(struct cs_tls_map *m, int host, long pid, long long t)
{
	struct cs_tls_proc *e;
	size_t	i;

	if ((e = find(m, host, pid)) != NULL)
		return e;
	if (m->t.used >= m->sweep_at)
		sweep(m, t);
	if (m->t.used >= CS_TLS_MAX || cs_table_reserve(&m->t, 64) < 0
	    || (e = calloc(1, sizeof(*e))) == NULL) {
		m->lost++;
		return NULL;
	}
	i = slot(m, host, pid);
	e->te.hash = proc_hash(host, pid);
	e->host = host;
	e->pid = pid;
	cs_table_put(&m->t, i, e);
	return e;
}

/* forget - a process back to the plain state needs no entry */
static void
forget(struct cs_tls_map *m, struct cs_tls_proc *e)
{
	if (e->pending != CS_TLS_NONE || e->conn != CS_TLS_NONE)
		return;
	cs_table_del(&m->t, slot(m, e->host, e->pid));
	free(e);
}

void
cs_tls_line(struct cs_tls_map *m, int host, long pid,
	    const struct cs_event *ev, long long t)
{
	struct cs_tls_proc *e;

	m->lines++;
	if (pid < 0 || ev->tls == CS_TLS_NONE || (e = make(m, host, pid, t)) == NULL)
		return;
	e->t = t;
	e->pending = ev->tls;
	e->prelay = cs_hash(ev->relay.p, ev->relay.n);
}

enum cs_tls
cs_tls_delivery(struct cs_tls_map *m, int host, long pid,
		const struct cs_event *ev, long long t)
{
	struct cs_tls_proc *e;
	uint64_t relay, qid;

	if (pid < 0 || ev->relay.n == 0 || (e = find(m, host, pid)) == NULL)
		return CS_TLS_NONE;
	relay = cs_hash(ev->relay.p, ev->relay.n);
	qid = cs_hash(ev->qid.p, ev->qid.n);
	e->t = t;
	if (e->pending != CS_TLS_NONE && e->prelay == relay) {
		e->conn = e->pending;		/* 1. it opened that connection */
		e->pending = CS_TLS_NONE;
	} else if (e->crelay == relay && (e->cqid == qid || ev->conn_use >= 2)) {
		return e->conn;			/* 2. the same connection */
	} else {
		e->conn = e->pending = CS_TLS_NONE;	/* 3. a plain one */
	}
	e->crelay = relay;
	e->cqid = qid;
	if (e->conn == CS_TLS_NONE) {
		forget(m, e);
		return CS_TLS_NONE;
	}
	return e->conn;
}

void
cs_tls_free(struct cs_tls_map *m)
{
	size_t	i;

	for (i = 0; i < m->t.cap; i++)
		free(m->t.slot[i]);
	cs_table_free(&m->t);
	memset(m, 0, sizeof(*m));
}
