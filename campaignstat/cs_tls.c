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
	long	pid;			/* -1: a relay's entry */
	uint64_t rkey;			/* a relay's entry: its relay; else 0 */
	long long t;			/* its last line */
	enum cs_tls pending;		/* a TLS line not yet taken */
	uint64_t prelay;		/* its relay */
	enum cs_tls conn;		/* the connection of its last delivery */
	uint64_t crelay, cqid;		/* that delivery's relay and queue id */
};

struct proc_key {
	int	host;
	long	pid;
	uint64_t rkey;
};

void
cs_tls_init(struct cs_tls_map *m)
{
	memset(m, 0, sizeof(*m));
	m->sweep_at = CS_TLS_SWEEP;
}

static uint64_t
proc_hash(int host, long pid, uint64_t rkey)
{
	return ((uint64_t) pid * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t) host << 40) ^ rkey;
}

static int
proc_same(const void *entry, const void *key)
{
	const struct cs_tls_proc *e = entry;
	const struct proc_key *k = key;

	return e->host == k->host && e->pid == k->pid && e->rkey == k->rkey;
}

/* slot - the slot of (host, pid, rkey) in a table with cap > 0 */
static size_t
slot(const struct cs_tls_map *m, int host, long pid, uint64_t rkey)
{
	struct proc_key k = {host, pid, rkey};

	return cs_table_find(&m->t, proc_hash(host, pid, rkey), proc_same, &k);
}

static struct cs_tls_proc *
find(const struct cs_tls_map *m, int host, long pid, uint64_t rkey)
{
	return m->t.cap ? m->t.slot[slot(m, host, pid, rkey)] : NULL;
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

/* make - the entry of (host, pid, rkey), made when new; NULL when not kept */
static struct cs_tls_proc *
make(struct cs_tls_map *m, int host, long pid, uint64_t rkey, long long t)
{
	struct cs_tls_proc *e;
	size_t	i;

	if ((e = find(m, host, pid, rkey)) != NULL)
		return e;
	if (m->t.used >= m->sweep_at)
		sweep(m, t);
	if (m->t.used >= CS_TLS_MAX || cs_table_reserve(&m->t, 64) < 0
	    || (e = calloc(1, sizeof(*e))) == NULL) {
		m->lost++;
		return NULL;
	}
	i = slot(m, host, pid, rkey);
	e->te.hash = proc_hash(host, pid, rkey);
	e->host = host;
	e->pid = pid;
	e->rkey = rkey;
	cs_table_put(&m->t, i, e);
	return e;
}

/* forget - a process back to the plain state needs no entry */
static void
forget(struct cs_tls_map *m, struct cs_tls_proc *e)
{
	if (e->pending != CS_TLS_NONE || e->conn != CS_TLS_NONE)
		return;
	cs_table_del(&m->t, slot(m, e->host, e->pid, e->rkey));
	free(e);
}

/* rkey - a relay's key: its hash, never 0 (0 marks a process's entry) */
static uint64_t
rkey(uint64_t relay)
{
	return relay ? relay : 1;
}

/* relay_opened - a delivery opened a connection to relay: remember its
 * state for the deliveries over that connection from the cache */
static void
relay_opened(struct cs_tls_map *m, int host, uint64_t relay, enum cs_tls level,
	     long long t)
{
	struct cs_tls_proc *e;

	if (level == CS_TLS_NONE) {
		if ((e = find(m, host, -1, rkey(relay))) != NULL) {
			e->conn = CS_TLS_NONE;
			forget(m, e);
		}
	} else if ((e = make(m, host, -1, rkey(relay), t)) != NULL) {
		e->conn = level;
		e->t = t;
	}
}

/* relay_state - the state of the last connection a delivery opened to relay */
static enum cs_tls
relay_state(const struct cs_tls_map *m, int host, uint64_t relay)
{
	const struct cs_tls_proc *e = find(m, host, -1, rkey(relay));

	return e ? e->conn : CS_TLS_NONE;
}

void
cs_tls_line(struct cs_tls_map *m, int host, long pid,
	    const struct cs_event *ev, long long t)
{
	struct cs_tls_proc *e;

	m->lines++;
	if (pid < 0 || ev->tls == CS_TLS_NONE || (e = make(m, host, pid, 0, t)) == NULL)
		return;
	e->t = t;
	e->pending = ev->tls;
	e->prelay = cs_hash(ev->relay.p, ev->relay.n);
}

/* opened - the state of the connection a delivery of process e took:
 * its pending TLS line, else a new plain connection */
static enum cs_tls
opened(struct cs_tls_proc *e, uint64_t relay, uint64_t qid)
{
	e->conn = e->pending != CS_TLS_NONE && e->prelay == relay ? e->pending
	    : CS_TLS_NONE;
	e->pending = CS_TLS_NONE;
	e->crelay = relay;
	e->cqid = qid;
	return e->conn;
}

enum cs_tls
cs_tls_delivery(struct cs_tls_map *m, int host, long pid,
		const struct cs_event *ev, long long t)
{
	struct cs_tls_proc *e;
	uint64_t relay, qid;
	enum cs_tls level;

	if (pid < 0 || ev->relay.n == 0)
		return CS_TLS_NONE;
	relay = cs_hash(ev->relay.p, ev->relay.n);
	qid = cs_hash(ev->qid.p, ev->qid.n);
	e = find(m, host, pid, 0);
	if (e != NULL && e->pending != CS_TLS_NONE && e->prelay == relay)
		level = opened(e, relay, qid);		/* 1. its TLS line */
	else if (e != NULL && e->crelay == relay && e->cqid == qid)
		return e->conn;				/* 2. the same delivery */
	else if (ev->conn_use >= 2)
		return relay_state(m, host, relay);	/* 3. from the cache */
	else
		level = e ? opened(e, relay, qid) : CS_TLS_NONE;	/* 4. plain */
	if (e != NULL) {
		e->t = t;
		forget(m, e);
	}
	relay_opened(m, host, relay, level, t);
	return level;
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
