/*
 * NAME
 *	apply - the suppression policy applied to one verdict, and its
 *	notice line
 * SYNOPSIS
 *	#include "bounce.h"
 *
 *	bounce_category(rules, &v, cat);
 *	r = bounce_apply(&ba, &v, qid);	0 done, -1 tempfail (logged)
 * DESCRIPTION
 *	bounce_category(): a DSN is classified by lib/classify on "code
 *	x.y.z text"; a DSN with Action: failed and a 4.X.X status is a
 *	message Postfix (or another MTA) gave up on after its queue
 *	lifetime: message-expired, unless the rules call it quota.  An ARF
 *	report of Feedback-Type abuse, fraud, virus or other (or none) is a
 *	complaint; auth-failure is policy-related; not-spam is other.
 *	Auto-replies are autoreply, the rest other.
 *
 *	bounce_apply() keeps the two tables open from their first use to
 *	bounce_apply_close() (an LMTP session writes many entries; the map
 *	notices a rebuilt file by itself).  It acts only on a failed DSN or
 *	a complaint whose
 *	recipient is known: policy_action() says suppress (write the entry
 *	through lib/supentry, keeping an entry that already suppresses), soft (count it in
 *	bounce_state_table; at bounce_soft_limit within bounce_soft_window,
 *	suppress) or count.  Everything else is counted and ignored.  Then
 *	it logs one notice line (clog nline):
 *		QID: campaign=ID recipient=<ADDR> kind=dsn|arf|autoreply|other
 *		category=CAT status=X.Y.Z code=NNN action=ACTION [soft=N/LIMIT]
 *		rcpt_via=V campaign_via=V
 *	ACTION is suppressed, already-suppressed, soft, counted or ignored;
 *	status and code are "" when the report had none; the campaign is
 *	"unknown" and the recipient <> when not found; via is where each
 *	came from (verp, returned, report, token, header, none).
 *	A database error is logged as a warning and returns -1: the caller
 *	exits 75 and Postfix delivers the report again later.
 * DIAGNOSTICS
 *	The verdict line (notice) and, for a database error, one warning
 *	naming the queue id, recipient and category (clog).
 * SEE ALSO
 *	lib/policy.h, lib/supentry.h, lib/clog.h, campaign-bounce(8).
 */
#include <string.h>
#include <time.h>
#include <strings.h>

#include "bounce.h"
#include "clog.h"
#include "map_db.h"
#include "supentry.h"

/* arf_category - by Feedback-Type (RFC 5965 3.1, RFC 6591) */
static const char *
arf_category(const char *type)
{
	if (type[0] == '\0' || !strcasecmp(type, "abuse") || !strcasecmp(type, "fraud")
	    || !strcasecmp(type, "virus") || !strcasecmp(type, "other"))
		return "complaint";
	if (!strcasecmp(type, "auth-failure"))
		return "policy-related";
	return CLASSIFY_OTHER;
}

int
bounce_category(const struct classify *rules, const struct verdict *v,
		char out[CLASSIFY_NAME_MAX + 1])
{
	char	subj[CLASSIFY_SUBJECT_MAX + 1];
	const char *c = CLASSIFY_OTHER;

	if (v->kind == BK_ARF) {
		c = arf_category(v->feedback);
	} else if (v->kind == BK_AUTOREPLY) {
		c = "autoreply";
	} else if (v->kind == BK_DSN) {
		classify_subject(subj, sizeof(subj), v->code, v->status, v->text, strlen(v->text));
		c = classify_match(rules, subj);
		if (!strcasecmp(v->action, "failed") && v->status[0] == '4' && strcmp(c, "quota") != 0)
			c = "message-expired";
	}
	snprintf(out, CLASSIFY_NAME_MAX + 1, "%s", c);
	return 0;
}

/* actionable - a failure or a complaint about a known recipient */
static int
actionable(const struct verdict *v)
{
	if (v->recipient[0] == '\0')
		return 0;
	return v->kind == BK_ARF || (v->kind == BK_DSN && !strcasecmp(v->action, "failed"));
}

/* table - the kept map, opened (or created) on first use */
static struct map_db *
table(struct map_db **m, const char *name, struct cerr *e)
{
	if (*m == NULL)
		*m = map_db_open(name, MAP_RDWR | MAP_CREATE, e);
	return *m;
}

/* when - the verdict's time */
static time_t
when(const struct bounce_apply *ba)
{
	return ba->now ? (time_t)ba->now : time(NULL);
}

/* suppress - write the entry (lib/supentry, one lock and one sync);
 * "suppressed", or "already-suppressed" when an entry suppresses it */
static const char *
suppress(struct bounce_apply *ba, const struct verdict *v, const char *cat,
	 struct cerr *e)
{
	struct map_db *m = table(&ba->sup, ba->suppression_table, e);
	struct buf val;
	struct cerr e2;
	int	r = -1;

	if (m == NULL)
		return NULL;
	buf_init(&val, SUPENTRY_VALUE_MAX);
	if (supentry_value(&val, cat, v->campaign[0] ? v->campaign : NULL, when(ba), e) == 0
	    && map_db_begin(m, e) == 0) {
		r = supentry_put(m, v->recipient, buf_cstr(&val), e);
		if (map_db_commit(m, r < 0 ? &e2 : e) < 0)
			r = -1;
	}
	buf_free(&val);
	return r < 0 ? NULL : r == 1 ? "suppressed" : "already-suppressed";
}

/* soft - count one soft failure; suppress at the limit */
static const char *
soft(struct bounce_apply *ba, const struct verdict *v, const char *cat,
     long *count, struct cerr *e)
{
	struct map_db *m = table(&ba->state, ba->state_table, e);

	if (m == NULL)
		return NULL;
	*count = policy_soft_note(m, v->recipient, ba->policy, when(ba), e);
	if (*count < 0)
		return NULL;
	return *count >= ba->policy->soft_limit ? suppress(ba, v, cat, e) : "soft";
}

void
bounce_apply_close(struct bounce_apply *ba)
{
	map_db_close(ba->sup);
	map_db_close(ba->state);
	ba->sup = ba->state = NULL;
}

/* log_verdict - the one notice line */
static void
log_verdict(const struct bounce_apply *ba, const struct verdict *v, const char *qid,
	    const char *cat, const char *action, long count)
{
	struct nline nl;

	nline_init(&nl, qid);
	nline_str(&nl, "campaign", v->campaign[0] ? v->campaign : "unknown");
	nline_addr(&nl, "recipient", v->recipient);
	nline_str(&nl, "kind", bounce_kind_name(v->kind));
	nline_str(&nl, "category", cat);
	nline_str(&nl, "status", v->status);
	nline_str(&nl, "code", v->code);
	nline_str(&nl, "action", action);
	if (count > 0) {
		char	s[48];

		snprintf(s, sizeof(s), "%ld/%ld", count, ba->policy->soft_limit);
		nline_str(&nl, "soft", s);
	}
	nline_str(&nl, "rcpt_via", bounce_via_name(v->rcpt_via));
	nline_str(&nl, "campaign_via", bounce_via_name(v->campaign_via));
	nline_emit(&nl);
}

int
bounce_apply(struct bounce_apply *ba, const struct verdict *v, const char *qid)
{
	char	cat[CLASSIFY_NAME_MAX + 1];
	const char *action = "ignored";
	struct cerr e;
	long	count = 0;

	bounce_category(ba->rules, v, cat);
	if (actionable(v)) {
		switch (policy_action(ba->policy, cat, v->status)) {
		case POLICY_SUPPRESS:
			action = suppress(ba, v, cat, &e);
			break;
		case POLICY_SOFT:
			action = soft(ba, v, cat, &count, &e);
			break;
		default:
			action = "counted";
		}
		if (action == NULL) {
			clog_warnx("%s: recipient=<%s> category=%s: %s", qid, v->recipient, cat, e.msg);
			return -1;
		}
	}
	log_verdict(ba, v, qid, cat, action, count);
	return 0;
}
