/*
 * NAME
 *	cs_track - follow queue ids through the logs and count per campaign
 * SYNOPSIS
 *	#include "cs_track.h"
 *
 *	struct cs_track tr;
 *	cs_track_init(&tr);
 *	tr.filter_transport = "campaign";
 *	cs_track_event(&tr, &line, &ev);	once per parsed line
 *	cs_track_finish(&tr);			"still deferred" figures
 *	cs_track_snapshot(&tr);			the same, held lines kept
 *	... tr.camps[i] ...
 *	cs_track_free(&tr);
 * DESCRIPTION
 *	A live message is one queue file of one host: an entry in a hash
 *	table keyed by (host, queue id), made at its first line and freed on
 *	qmgr's "removed", on expiry, or as soon as every recipient it was
 *	queued with has a final outcome (sent or bounced) and none is still
 *	deferred (the compact delivery log has no "removed" lines).  So
 *	memory follows the messages in flight, never the size of the log.
 *	The hash of each deferred recipient is kept until that recipient's
 *	final outcome, which gives exact "still deferred at the end" counts.
 *
 *	Which campaign: a campaign-milter line names it for its queue id; a
 *	campaign-filter line names it for the queue id it reinjected
 *	(requeued=), whose deliveries are the real ones; the filter's own
 *	deliveries (status=sent through the filter transport) are hops, not
 *	deliveries.  Without our lines (a plain Postfix log) the envelope
 *	sender of qmgr's "from=<...>" line, or of a reject line, is matched
 *	against the sender pattern.  Mail that matches nothing is counted
 *	under CS_NONE; a delivery for a queue id never seen (a log starting
 *	mid-campaign) under CS_UNKNOWN.
 *
 *	campaign-filter logs its line after the reinjection's 250 reply, so
 *	Postfix may deliver the reinjected queue id, and log it, first.  A
 *	delivery of a queue id not seen yet is therefore held (a copy of the
 *	line) until a filter line names that id (then it counts for the
 *	filter's campaign), or until lines CS_HOLD_US later in log time come
 *	(then it counts under CS_UNKNOWN); at most CS_HOLD_MAX are held, and
 *	cs_track_finish releases the rest.  Once milter or filter lines have
 *	been seen (campaign mail goes through the filter, so copies follow),
 *	a queue id known only from qmgr's "from=" line (which Postfix logs for
 *	the reinjected copy before the filter's line) is not linked yet
 *	either: its deliveries are held the same way (also past its
 *	"removed", which may come first).  cs_track_snapshot computes the
 *	end-of-log figures without releasing them (a refresh of --follow: a
 *	held line released then would be counted under CS_UNKNOWN for good).
 *
 *	Injected messages and recipients are counted at the milter line, or
 *	failing that at qmgr's first "from=" line of a queue id; a count made
 *	from qmgr is taken back when a filter line shows that queue id to be
 *	a reinjection, or moved when a milter line comes late.
 *
 *	Hosts are numbered in order of appearance, at most CS_HOSTS_MAX of
 *	them; cs_track_host() returns -1 for a new host when the table is
 *	full or its name cannot be copied, and cs_track_event() then counts
 *	the line in hostless instead of filing it under another host.
 *
 *	Batches (doc/DESIGN.md "Batches"): campaign-filter's batch line
 *	(CS_BATCH) gives a batch's recipients, those the suppression table
 *	dropped and the records refused as bad; its queue id is the batch
 *	container, whose own injection (one recipient, the batch address)
 *	is taken back from the recipients injected, and whose hand-over to
 *	the filter is a hop.  A batch retried after a failure may be
 *	logged again: the batch (campaign, batch id) is remembered and its
 *	later line replaces the earlier one's counts.  The copies= lines
 *	(CS_COPIES) link each copy's queue id to the campaign, one
 *	recipient each, exactly as requeued= does for a single message, so
 *	Postfix's own delivery lines count: no line per recipient beyond
 *	them is needed.  The filter logs a batch's copies 100 ids a line,
 *	so Postfix has often delivered the first of them when their line
 *	comes, and a busy filter may take seconds: once a batch has been
 *	seen (the milter's batch= on its container, or a filter batch
 *	line), an unlinked delivery is held CS_HOLD_BATCH_US instead of
 *	CS_HOLD_US.  A filter run killed mid-batch may have its copies
 *	logged again by the next run: until the batch line, a batch keeps
 *	the hashes of the copies it linked (a small set per batch in
 *	progress, freed at its batch line) and links each id once.
 *
 *	TLS: each delivery line's connection is found by cs_tls (smtp(8)'s
 *	"TLS connection established" lines, by process id) in log order,
 *	also for a delivery that is then held; a sent delivery over TLS
 *	counts in delivered_tls and in its provider's CS_D_TLS column.
 *	tr->tls.lines says whether the log had TLS lines at all (reports
 *	leave the share out without them: smtp_tls_loglevel 0, or a log
 *	of other hosts).  The TLS lines carry no queue id: their bytes
 *	count in tr->log_other.
 *
 *	Log bytes: each line's bytes go to the campaign of the queue id it
 *	names, when that is known at that line (cs_track_other() for the
 *	lines that carry no count), or to tr->log_other.
 *
 *	Mail to the return path is not campaign mail: a delivery whose
 *	orig_to= (or to=) is a return path (the local part before its first
 *	'+', and the domain, of a return=<...> the milter logged) or goes to
 *	campaign-setup --bounce's CS_BOUNCE_DOMAIN is a message returned
 *	(a DSN, a complaint, a reply), counted in tr->returned and never as
 *	a delivery of any campaign; its verdict comes from campaign-bounce.
 *
 *	The signals (CS_SIGNAL, CS_UNSUB) count for the campaign their line
 *	names (campaign=unknown: CS_UNKNOWN): unsubscribes (status=added;
 *	kept: already suppressed), complaints (an ARF report of category
 *	complaint), asynchronous bounces (a DSN whose action is not
 *	ignored), other reports (the rest), suppressed by the policy
 *	(action=suppressed).  Bounce categories per campaign: the
 *	synchronous failures (status=bounced, and reject: lines other than
 *	our own suppression) classified by lib/classify on "CODE X.Y.Z
 *	TEXT" with tr->rules, and the category campaign-bounce logged.
 *
 *	With bounced set, each hard bounce (status=bounced, dsn 5.x.x) of a
 *	wanted campaign is written there as "address ENTRY", ENTRY the
 *	suppression entry of lib/supentry ("550 5.7.1 suppressed:
 *	category=CAT campaign=ID time=ISO8601", the time of the bounce),
 *	which campaign-suppress import keeps as it is; a 5.7.X status and
 *	the policy-related and spam-related categories are not written (a
 *	block of the sender never suppresses an address).
 * SEE ALSO
 *	cs_parse.h, cs_stats.h, campaignstat(1).
 */
#ifndef CS_TRACK_H
#define CS_TRACK_H

#include <stdint.h>
#include <stdio.h>

#include "classify.h"
#include "provider.h"
#include "cs_parse.h"
#include "cs_stats.h"
#include "cs_table.h"
#include "cs_tls.h"

#define CS_NONE		"(none)"
#define CS_UNKNOWN	"(unknown)"
#define CS_HOSTS_MAX	1024
#define CS_DOMAINS_MAX	10000
#define CS_REASONS_MAX	1000
#define CS_HOLD_US	5000000LL	/* how long an unlinked delivery waits */
#define CS_HOLD_BATCH_US 120000000LL	/* the same once batch lines were seen */
#define CS_HOLD_MAX	100000		/* unlinked deliveries held at most */

/* domain counter columns */
enum { CS_D_SENT, CS_D_DEFER, CS_D_BOUNCE, CS_D_EXPIRE,
	CS_D_TLS };			/* of CS_D_SENT, those over TLS */

/* bounce category counter columns: synchronous (status=bounced), refused
 * at RCPT (reject:), asynchronous (campaign-bounce), suppressed by it */
enum { CS_K_BOUNCED, CS_K_REJECTED, CS_K_ASYNC, CS_K_SUPPRESSED };

#define CS_RETURNS_MAX	16		/* return addresses remembered */
#define CS_SHAPES_MAX	1000		/* campaign-shaper actions remembered */
#define CS_BOUNCE_DOMAIN "campaign-bounce.invalid"	/* campaign-setup --bounce */
#define CS_RULES_DEFAULT "/etc/postfix/campaign/bounce-rules"	/* bounce_rules */

struct cs_counts {
	uint64_t msgs;			/* messages injected */
	uint64_t rcpts;			/* recipients injected */
	uint64_t supp_early;		/* refused before the queue as suppressed */
	uint64_t supp_late;		/* dropped by the filter, or discarded by
					 * discard(8) at a later attempt */
	uint64_t rejected;		/* other refusals before the queue */
	uint64_t delivered;
	uint64_t delivered_tls;		/* of those, over a TLS connection */
	uint64_t bounced;
	uint64_t deferrals;		/* deferral events */
	uint64_t deferred_msgs;		/* messages deferred at least once */
	uint64_t expired_msgs;
	uint64_t expired_rcpts;
	uint64_t hops;			/* handed to the content filter */
	uint64_t batches;		/* batches the filter finished */
	uint64_t bad_records;		/* batch records the filter refused */
	uint64_t log_bytes;		/* bytes of the log lines of its queue ids */
	uint64_t end_def_msgs;		/* still deferred at the end */
	uint64_t end_def_rcpts;
	uint64_t end_live_msgs;		/* queued, no outcome yet at the end */
	/* the signals: campaign-unsubscribe and campaign-bounce lines */
	uint64_t unsubscribes;		/* one-click or mailto:, new entries */
	uint64_t unsub_repeats;		/* the same, already suppressed */
	uint64_t complaints;		/* ARF reports, category complaint */
	uint64_t bounces_async;		/* failed DSNs (not ignored) */
	uint64_t reports_other;		/* auto-replies, delay notices, ... */
	uint64_t supp_policy;		/* addresses suppressed by the policy */
};

struct cs_campaign {
	char   *id;
	uint64_t hash;
	struct cs_campaign *next;	/* hash chain */
	struct cs_counts c;
	long long first, last;		/* microseconds; first = 0: none */
	long long dfirst, dlast;	/* first and last delivery */
	struct cs_hist delay;
	struct cs_rate rate;
	struct cs_cmap domains;
	struct cs_cmap reasons;		/* key "dsn\tstatus\treason" */
	struct cs_cmap categories;	/* bounce category, CS_K_* columns */
	struct cs_cmap providers;	/* provider (--providers), CS_D_* columns */
	uint64_t hostmask;		/* hosts 0..63 seen */
};

/* a campaign-shaper action (its shape: line) */
struct cs_shape {
	long long t;			/* microseconds */
	char	provider[PROVIDER_NAME_MAX + 1];
	char	action[16];
	char	value[33];
	long	duration;		/* seconds */
};

struct cs_msg;

struct cs_track {
	struct cs_table msgs;		/* live messages (struct cs_msg) */
	size_t	peak;			/* most live messages at once */
	struct cs_msg *spare;		/* freed entries for reuse */
	struct cs_campaign *chain[256];
	struct cs_campaign **camps;	/* in order of appearance */
	size_t	ncamps, capcamps;
	char   *hosts[CS_HOSTS_MAX];
	int	nhosts, lasthost;
	struct cs_pattern pat;
	const char *filter_transport;
	FILE   *bounced;
	const char *const *want;	/* campaigns wanted, NULL = all */
	int	nwant;
	uint64_t nomem;			/* events lost to memory exhaustion */
	uint64_t hostless;		/* lines not counted: no place for their host */
	uint64_t bounced_skipped;	/* addresses unfit for the export */
	struct cs_held *held, *held_tail;	/* unlinked deliveries, oldest first */
	size_t	nheld;
	int	filter_seen;		/* a campaign-filter line was read */
	long long hold_us;		/* CS_HOLD_US, or CS_HOLD_BATCH_US */
	struct cs_table batches;	/* batches seen (struct cs_batch) */
	uint64_t log_other;		/* bytes of lines of no campaign */
	const struct classify *rules;	/* bounce categories; NULL: "other" */
	uint64_t unclassified;		/* failures classified without rules */
	char   *returns[CS_RETURNS_MAX];	/* "base@domain" of return paths seen */
	int	nreturns;
	uint64_t returned;		/* messages delivered to a return path */
	const struct provider_table *providers;	/* NULL: no provider columns */
	struct cs_shape *shapes;	/* the shaper's actions, in log order */
	size_t	nshapes;
	uint64_t shapes_dropped;	/* past CS_SHAPES_MAX */
	struct cs_tls_map tls;		/* smtp(8) processes' TLS state */
};

void	cs_track_init(struct cs_track *tr);
int	cs_track_host(struct cs_track *tr, const char *h, size_t n);
void	cs_track_event(struct cs_track *tr, const struct cs_line *l,
		       const struct cs_event *ev);
void	cs_track_other(struct cs_track *tr, const struct cs_line *l,
		       const struct cs_event *ev);
void	cs_track_finish(struct cs_track *tr);
void	cs_track_snapshot(struct cs_track *tr);
int	cs_track_wanted(const struct cs_track *tr, const char *id);
void	cs_track_free(struct cs_track *tr);

#endif
