/*
 * NAME
 *	cs_tls - which deliveries went over TLS: smtp(8)'s TLS lines by process
 * SYNOPSIS
 *	#include "cs_tls.h"
 *
 *	struct cs_tls_map m;
 *	cs_tls_init(&m);
 *	cs_tls_line(&m, host, pid, &ev, t);		a CS_TLS line
 *	level = cs_tls_delivery(&m, host, pid, &ev, t);	a CS_DELIVERY line
 *	cs_tls_free(&m);
 * DESCRIPTION
 *	With smtp_tls_loglevel 1, Postfix's SMTP client logs one line per TLS
 *	connection, "Untrusted TLS connection established to HOST[ADDR]:PORT:
 *	...", without a queue id, just before the delivery lines of its
 *	first delivery, from the same process; a plain connection logs
 *	nothing.  A later delivery over a connection from the connection
 *	cache has "conn_use=N" (N >= 2) in its line; it may be another
 *	process's (scache(8)), and when the connection is TLS
 *	(smtp_tls_connection_reuse, which campaign-setup --providers sets on
 *	the provider clones) the taking process logs "... TLS connection
 *	reused to ...", a line the compact delivery log leaves out (it would
 *	cost a line per such delivery).  So a delivery line is over TLS when:
 *
 *	1. a TLS line ("established" or "reused") of its process is pending
 *	   (not yet taken by a delivery) with the delivery's relay=: the
 *	   delivery took that connection, and the line is taken;
 *	2. else, it is another recipient of the delivery that took the
 *	   process's last connection (same queue id, same relay=): that
 *	   connection's state;
 *	3. else, with conn_use=2 or more: the state of the last connection
 *	   a delivery opened to that relay on that host (a connection from
 *	   the cache, by whichever process opened it);
 *	4. else it is plain (a new connection without a TLS line; a pending
 *	   TLS line to another relay is dropped: a session that failed
 *	   before any recipient's outcome, such as a 4xx greeting).
 *
 *	A line without a process id, or a delivery without relay=, is plain.
 *	cs_tls_delivery() returns the connection's enum cs_tls, CS_TLS_NONE
 *	for plain.
 *
 *	Memory: an entry exists only for a process whose state is not plain
 *	(a pending TLS line, or a TLS connection) and for a relay whose last
 *	opened connection was TLS.  Once the table holds
 *	CS_TLS_SWEEP entries, each time it has doubled since the last sweep,
 *	the entries untouched for CS_TLS_KEEP_US of log time (processes long
 *	gone: smtp(8) exits after max_idle) are freed; at most CS_TLS_MAX are
 *	kept, a new process beyond that is counted in m->lost and its
 *	deliveries are plain.
 * SEE ALSO
 *	cs_parse.h (CS_TLS), postconf(5) smtp_tls_loglevel,
 *	smtp_tls_connection_reuse; Postfix smtp(8), tls_misc.c.
 */
#ifndef CS_TLS_H
#define CS_TLS_H

#include <stdint.h>

#include "cs_parse.h"
#include "cs_table.h"

#define CS_TLS_KEEP_US	3600000000LL	/* an hour of log time */
#define CS_TLS_SWEEP	4096
#define CS_TLS_MAX	200000

struct cs_tls_map {
	struct cs_table t;		/* struct cs_tls_proc */
	size_t	sweep_at;		/* sweep when t.used reaches it */
	uint64_t lost;			/* processes not kept (memory, CS_TLS_MAX) */
	uint64_t lines;			/* CS_TLS lines seen */
};

void	cs_tls_init(struct cs_tls_map *m);
void	cs_tls_line(struct cs_tls_map *m, int host, long pid,
		    const struct cs_event *ev, long long t);
enum cs_tls cs_tls_delivery(struct cs_tls_map *m, int host, long pid,
			    const struct cs_event *ev, long long t);
void	cs_tls_free(struct cs_tls_map *m);

#endif
