/*
 * NAME
 *	mlfi - campaign-milter's libmilter callbacks
 * SYNOPSIS
 *	smfi_register(cm_milter);
 * DESCRIPTION
 *	Negotiation asks Postfix for as little as the job needs: the MAIL,
 *	RCPT and header events, each without a reply (SMFIP_NR_*), and end
 *	of message, the only event answered; no connect, HELO, DATA, end of
 *	header, body or unknown-command events; the macro "i" (queue id) at
 *	end of message only; the actions "change sender" and "add header".
 *	An MTA that cannot do all of that is refused with a log line, so a
 *	campaign service with milter_default_action = tempfail refuses
 *	campaign mail rather than send it untagged.
 *
 *	Because MAIL, RCPT and header events get no reply, whatever goes
 *	wrong there (no memory, an invalid X-Campaign-ID, too many header
 *	bytes) is recorded in the message state and answered at end of
 *	message.  The state lives from MAIL FROM to the end of the message
 *	(smfi_setpriv) and is freed by msg_end(), called from eom, abort and
 *	close: one path.  Nothing else is shared between threads except
 *	the configuration (config.c: read lock) and the senders table
 *	(mutex).
 *
 *	At end of message, tag_message() picks the campaign id (header,
 *	senders table, default_campaign), rewrites the envelope sender to
 *	the expanded return_path, adds each missing tag header, and logs
 *	the notice line.  It returns an enum cm_result; result_status() is
 *	the one place that turns a result into an SMFIS_* code, and its
 *	default is SMFIS_TEMPFAIL.
 * DIAGNOSTICS
 *	Notice: "QID: campaign=ID from=<orig> return=<rewritten> nrcpt=N
 *	[batch=BID] tags=LIST" for every campaign message (LIST: the header
 *	names added, comma-separated, or "none"; batch= on a batch container;
 *	tags= comes last, so a line cut short is seen as such).  Warnings for every tempfail and reject
 *	with the queue id and the reason; a queue id longer than CM_QID_MAX
 *	(64) bytes is itself a tempfail, logged with its first 16 bytes.
 * SEE ALSO
 *	campaign-milter(8), tag.h, OpenDKIM mlfi_negotiate, dkimf_cleanup.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "batch.h"
#include "clog.h"
#include "hmac.h"
#include "milter.h"
#include "tag.h"

#define CM_SENDER_MAX	1024	/* MAIL FROM argument kept for the notice line */
#define CM_RP_MAX	1024	/* expanded return path */
#define CM_HDR_MAX	2048	/* one added header value */

/* The protocol steps turned off, and the no-reply steps. */
#define CM_PFLAGS (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NODATA | SMFIP_NOEOH \
	| SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR)
#define CM_AFLAGS (SMFIF_CHGFROM | SMFIF_ADDHDRS | SMFIF_SETSYMLIST)

enum id_state { ID_NONE, ID_OK, ID_BAD };

struct cm_msg {
	struct buf sender;		/* MAIL FROM argument as given */
	struct addr rcpt;		/* the first recipient */
	int	rcpt_ok;		/* ... parsed */
	long	nrcpt;
	enum id_state id_state;
	char	id[TAG_ID_MAX + 1];	/* from X-Campaign-ID */
	unsigned have;			/* 1 << enum tag_header: present */
	size_t	hdr_bytes;
	size_t	hdr_max;		/* max_header_bytes at MAIL FROM */
	int	hdr_over;		/* max_header_bytes exceeded */
	long long size;			/* SIZE= of MAIL FROM, or -1 */
	int	batch;			/* X-Campaign-Batch fields seen */
	int	batch_bad;		/* ... with a bad value */
	char	batch_id[BATCH_ID_MAX + 1];	/* ... its value, when good */
	int	multipart;		/* Content-Type: multipart/mixed; boundary= */
	const char *fault;		/* internal error seen, or NULL */
};

enum cm_result {
	CM_NOREPLY,			/* a no-reply event went fine */
	CM_ACCEPT,			/* done (tagged, or not campaign mail) */
	CM_REJECT_ID,			/* 550: X-Campaign-ID is invalid */
	CM_REJECT_HEADERS,		/* 552: header budget exceeded */
	CM_REJECT_BATCH,		/* 550: the batch container is malformed */
	CM_REJECT_BATCH_SIZE,		/* 552: the batch is over batch_max_bytes */
	CM_TEMPFAIL,			/* anything else */
};

/* What one end of message works with. */
struct cm_eom {
	SMFICTX *ctx;
	struct cm_msg *m;
	struct cm_config *cfg;
	const char *qid;
	char	id[TAG_ID_MAX + 1];
	char	rcpt_key[ADDR_KEY_MAX + 1];	/* single recipient, or "" */
	char	token[HMAC_TOKEN_LEN + 1];
	struct buf rp;			/* rewritten return path */
	struct buf tags;		/* names of headers added */
	struct buf val;			/* scratch: a header value */
};

/* result_status - the one map from result to SMFIS_*; default tempfail */
static sfsistat
result_status(SMFICTX *ctx, enum cm_result r)
{
	switch (r) {
	case CM_NOREPLY:
		return SMFIS_NOREPLY;
	case CM_ACCEPT:
		return SMFIS_ACCEPT;
	case CM_REJECT_ID:
		smfi_setreply(ctx, "550", "5.7.1", "invalid X-Campaign-ID header:"
		    " the campaign id must be 1-64 characters from A-Za-z0-9._-");
		return SMFIS_REJECT;
	case CM_REJECT_HEADERS:
		smfi_setreply(ctx, "552", "5.3.4", "message header too large for"
		    " campaign mail (max_header_bytes)");
		return SMFIS_REJECT;
	case CM_REJECT_BATCH:
		smfi_setreply(ctx, "550", "5.6.0", "malformed campaign batch: one"
		    " X-Campaign-Batch (1-64 of A-Za-z0-9._-) and a Content-Type"
		    " multipart/mixed with a boundary are needed");
		return SMFIS_REJECT;
	case CM_REJECT_BATCH_SIZE:
		smfi_setreply(ctx, "552", "5.3.4", "campaign batch larger than"
		    " batch_max_bytes");
		return SMFIS_REJECT;
	default:
		smfi_setreply(ctx, "451", "4.3.0", "campaign mail could not be"
		    " tagged, try again later");
		return SMFIS_TEMPFAIL;
	}
}

/* msg_end - free the message state: the one cleanup (eom, abort, close) */
static void
msg_end(SMFICTX *ctx)
{
	struct cm_msg *m = smfi_getpriv(ctx);

	if (m == NULL)
		return;
	smfi_setpriv(ctx, NULL);
	buf_free(&m->sender);
	free(m);
}

static sfsistat
mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
	       unsigned long f2, unsigned long f3, unsigned long *pf0,
	       unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)f2, (void)f3;
	if ((f0 & CM_AFLAGS) != CM_AFLAGS || (f1 & CM_PFLAGS) != CM_PFLAGS) {
		clog_warnx("MTA offers actions 0x%lx, steps 0x%lx; need 0x%lx, 0x%lx:"
		    " refusing this connection", f0, f1, (unsigned long)CM_AFLAGS,
		    (unsigned long)CM_PFLAGS);
		return SMFIS_REJECT;
	}
	*pf0 = CM_AFLAGS;
	*pf1 = CM_PFLAGS;
	*pf2 = *pf3 = 0;
	if (smfi_setsymlist(ctx, SMFIM_EOM, "i") != MI_SUCCESS) {
		clog_warnx("cannot ask for the queue id macro: refusing this connection");
		return SMFIS_REJECT;
	}
	return SMFIS_CONTINUE;
}

/* mail_size - the SIZE= parameter of MAIL FROM (RFC 1870), or -1 */
static long long
mail_size(char **argv)
{
	char   *end;
	long long n;

	for (; argv[0] && argv[1]; argv++) {
		if (strncasecmp(argv[1], "SIZE=", 5) != 0)
			continue;
		errno = 0;
		n = strtoll(argv[1] + 5, &end, 10);
		return errno || *end || end == argv[1] + 5 || n < 0 ? -1 : n;
	}
	return -1;
}

static sfsistat
mlfi_envfrom(SMFICTX *ctx, char **argv)
{
	struct cm_msg *m;

	msg_end(ctx);			/* a transaction without eom or abort */
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		clog_warn("message state");	/* eom sees no state: tempfail */
		return result_status(ctx, CM_NOREPLY);
	}
	buf_init(&m->sender, CM_SENDER_MAX);
	m->size = mail_size(argv);
	m->hdr_max = (size_t)cm_config_get()->cf.max_header_bytes;
	cm_config_put();
	if (argv[0] && buf_puts(&m->sender, argv[0]) < 0) {
		if (errno == ENOMEM)
			m->fault = "out of memory";
		else
			buf_append(&m->sender, argv[0], CM_SENDER_MAX);
	}
	smfi_setpriv(ctx, m);
	return result_status(ctx, CM_NOREPLY);
}

static sfsistat
mlfi_envrcpt(SMFICTX *ctx, char **argv)
{
	struct cm_msg *m = smfi_getpriv(ctx);

	if (m == NULL || argv[0] == NULL)
		return result_status(ctx, CM_NOREPLY);
	if (++m->nrcpt == 1)
		m->rcpt_ok = addr_parse_path(argv[0], strlen(argv[0]), &m->rcpt,
		    NULL, NULL) == 0 && !m->rcpt.null;
	return result_status(ctx, CM_NOREPLY);
}

/* note_campaign_id - one X-Campaign-ID header: valid, and the same as before */
static void
note_campaign_id(struct cm_msg *m, const char *value)
{
	size_t	n;
	const char *v = tag_trim(value, &n);

	if (m->id_state == ID_BAD)
		return;
	if (!tag_id_valid(v, n) || (m->id_state == ID_OK
	    && (strlen(m->id) != n || memcmp(m->id, v, n) != 0))) {
		m->id_state = ID_BAD;
		return;
	}
	memcpy(m->id, v, n);
	m->id[n] = '\0';
	m->id_state = ID_OK;
}

/* note_batch - the container fields of a batch (lib/batch.h) */
static void
note_batch(struct cm_msg *m, const char *name, const char *value)
{
	char	bd[BATCH_BOUNDARY_MAX + 1];
	size_t	n;
	const char *v;

	if (strcasecmp(name, BATCH_HEADER_NAME) == 0) {
		v = tag_trim(value, &n);
		m->batch++;
		m->batch_bad |= n > BATCH_ID_MAX;
		if (n <= BATCH_ID_MAX) {
			memcpy(m->batch_id, v, n);
			m->batch_id[n] = '\0';
			m->batch_bad |= !batch_id_valid(m->batch_id);
		}
	} else if (strcasecmp(name, "Content-Type") == 0) {
		m->multipart = batch_content_type(value, bd, sizeof(bd), NULL) == 0;
	}
}

static sfsistat
mlfi_header(SMFICTX *ctx, char *name, char *value)
{
	struct cm_msg *m = smfi_getpriv(ctx);
	int	i;

	if (m == NULL || m->hdr_over)
		return result_status(ctx, CM_NOREPLY);
	m->hdr_bytes += strlen(name) + strlen(value) + 4;	/* ": " CRLF */
	if (m->hdr_bytes > m->hdr_max) {
		m->hdr_over = 1;
		return result_status(ctx, CM_NOREPLY);
	}
	note_batch(m, name, value);
	if ((i = tag_header_index(name)) < 0)
		return result_status(ctx, CM_NOREPLY);
	m->have |= 1u << i;
	if (i == TAG_CAMPAIGN_ID)
		note_campaign_id(m, value);
	return result_status(ctx, CM_NOREPLY);
}

/* bare_sender - the MAIL FROM address without its angle brackets */
static void
bare_sender(const struct buf *sender, const char **p, size_t *n)
{
	*p = sender->data ? sender->data : "";
	*n = sender->len;
	if (*n >= 2 && (*p)[0] == '<' && (*p)[*n - 1] == '>')
		(*p)++, *n -= 2;
}

/* senders_id - the campaign of the envelope sender: 1 found, 0 not, -1 error */
static int
senders_id(struct cm_eom *t)
{
	struct addr a;
	struct cerr e;
	struct buf val;
	char	key[ADDR_KEY_MAX + 1];
	const char *v;
	size_t	n;
	int	r;

	if (t->cfg->cf.senders_table == NULL || t->m->sender.len == 0
	    || addr_parse_path(t->m->sender.data, t->m->sender.len, &a, NULL, NULL) < 0
	    || a.null || addr_key(&a, key, sizeof(key)) < 0)
		return 0;
	buf_init(&val, MAP_VALUE_MAX);
	if ((r = cm_senders_lookup(t->cfg, key, &val, &e)) < 0)
		clog_warnx("%s: senders table %s: %s", t->qid, t->cfg->cf.senders_table, e.msg);
	if (r == 1) {
		v = tag_trim(buf_cstr(&val), &n);
		if (!tag_id_valid(v, n)) {
			clog_warnx("%s: senders table %s: value for %s is not a campaign id",
			    t->qid, t->cfg->cf.senders_table, key);
			r = -1;
		} else {
			memcpy(t->id, v, n);
			t->id[n] = '\0';
		}
	}
	buf_free(&val);
	return r;
}

/* choose_id - header, then senders table, then default; -1 on error */
static int
choose_id(struct cm_eom *t)
{
	const char *d = t->cfg->cf.default_campaign;
	int	r;

	if (t->m->id_state == ID_OK) {
		strcpy(t->id, t->m->id);
		return 0;
	}
	if ((r = senders_id(t)) != 0)
		return r < 0 ? -1 : 0;
	if (d && strlen(d) <= TAG_ID_MAX)
		strcpy(t->id, d);
	return 0;
}

/* rewrite_sender - smfi_chgfrom to the expanded return path */
static int
rewrite_sender(struct cm_eom *t)
{
	char	verp[ADDR_KEY_MAX + 2];
	const char *v = NULL;

	if (t->m->nrcpt == 1 && t->m->rcpt_ok && !t->m->batch
	    && addr_verp(&t->m->rcpt, verp, sizeof(verp)) == 0)
		v = verp;
	if (tag_return_path(t->cfg->cf.return_path, t->id, v, &t->rp) < 0)
		return -1;
	buf_reset(&t->val);
	if (buf_appendf(&t->val, "<%s>", t->rp.data) < 0)
		return -1;
	return smfi_chgfrom(t->ctx, t->val.data, NULL) == MI_SUCCESS ? 0 : -1;
}

/* add_header - add one tag header unless the message has it */
static int
add_header(struct cm_eom *t, int which, const char *value)
{
	const char *name = tag_header_name(which);

	if (t->m->have & (1u << which))
		return 0;
	if (smfi_addheader(t->ctx, (char *)name, (char *)value) != MI_SUCCESS)
		return -1;
	t->m->have |= 1u << which;
	if (t->tags.len && buf_putc(&t->tags, ',') < 0)
		return -1;
	return buf_puts(&t->tags, name);
}

/* unsub_value - List-Unsubscribe for the single recipient; 0 when none */
static int
unsub_value(struct cm_eom *t)
{
	buf_reset(&t->val);
	return tag_unsub_value(&t->cfg->cf, &t->cfg->secret, t->id, t->rcpt_key,
			       t->token, &t->val);
}

static int
add_unsubscribe(struct cm_eom *t)
{
	int	had = (t->m->have >> TAG_LIST_UNSUB) & 1;
	int	r;

	if (t->m->nrcpt != 1 || t->m->batch || had || (r = unsub_value(t)) == 0)
		return 0;
	if (r < 0 || add_header(t, TAG_LIST_UNSUB, t->val.data) < 0)
		return -1;
	if (t->cfg->cf.unsubscribe_url == NULL)
		return 0;		/* one-click needs the https URL */
	return add_header(t, TAG_LIST_UNSUB_POST, "List-Unsubscribe=One-Click");
}

static int
add_tags(struct cm_eom *t)
{
	const char *fb = t->cfg->cf.feedback_id;
	struct tag_var c = {'c', t->id, 0};

	if (add_header(t, TAG_CAMPAIGN_ID, t->id) < 0
	    || add_header(t, TAG_PRECEDENCE, "bulk") < 0)
		return -1;
	if (fb && !(t->m->have & (1u << TAG_FEEDBACK_ID))) {
		buf_reset(&t->val);
		if (tag_expand(fb, &c, 1, &t->val) < 0
		    || add_header(t, TAG_FEEDBACK_ID, t->val.data) < 0)
			return -1;
	}
	return add_unsubscribe(t);
}

static void
log_notice(struct cm_eom *t)
{
	struct nline nl;
	char	from[CM_SENDER_MAX + 1];
	const char *p;
	size_t	n;

	bare_sender(&t->m->sender, &p, &n);
	memcpy(from, p, n);		/* n <= CM_SENDER_MAX: the buffer's bound */
	from[n] = '\0';
	nline_init(&nl, t->qid);
	nline_str(&nl, "campaign", t->id);
	nline_addr(&nl, "from", from);
	nline_addr(&nl, "return", t->rp.data);
	nline_num(&nl, "nrcpt", t->m->nrcpt);
	/* a batch: campaignstat waits longer for its copies from here on */
	if (t->m->batch == 1 && !t->m->batch_bad)
		nline_str(&nl, "batch", t->m->batch_id);
	nline_str(&nl, "tags", t->tags.len ? t->tags.data : "none");	/* last */
	nline_emit(&nl);
}

/* fault - log why a message is tempfailed */
static enum cm_result
fault(struct cm_eom *t, const char *why)
{
	clog_warnx("%s: tempfail: %s", t->qid, why);
	return CM_TEMPFAIL;
}

/* check_batch - what the milter can see of a batch: its header, SIZE= */
static enum cm_result
check_batch(struct cm_eom *t)
{
	const struct cm_msg *m = t->m;

	if (m->batch > 1 || m->batch_bad || !m->multipart) {
		clog_warnx("%s: reject: malformed batch: %s", t->qid, m->batch > 1
		    ? "X-Campaign-Batch given twice" : m->batch_bad
		    ? "bad X-Campaign-Batch value" : "Content-Type is not multipart/mixed"
		    " with a boundary");
		return CM_REJECT_BATCH;
	}
	if (m->size > t->cfg->cf.batch_max_bytes) {
		clog_warnx("%s: reject: batch of %lld bytes (SIZE=) is over batch_max_bytes %ld",
		    t->qid, m->size, t->cfg->cf.batch_max_bytes);
		return CM_REJECT_BATCH_SIZE;
	}
	return CM_ACCEPT;
}

/* tag_message - decide, rewrite, tag and log one message */
static enum cm_result
tag_message(struct cm_eom *t)
{
	struct cm_msg *m = t->m;
	enum cm_result r;

	if (m->fault)
		return fault(t, m->fault);
	if (m->hdr_over) {
		clog_warnx("%s: reject: header exceeds max_header_bytes %ld", t->qid,
		    t->cfg->cf.max_header_bytes);
		return CM_REJECT_HEADERS;
	}
	if (m->id_state == ID_BAD) {
		clog_warnx("%s: reject: invalid X-Campaign-ID header", t->qid);
		return CM_REJECT_ID;
	}
	if (m->batch && (r = check_batch(t)) != CM_ACCEPT)
		return r;
	if (choose_id(t) < 0)
		return fault(t, "senders table lookup failed");
	if (*t->id == '\0') {
		clog_infox("%s: no campaign id, no default_campaign: passed untouched", t->qid);
		return CM_ACCEPT;
	}
	if (m->nrcpt == 1 && m->rcpt_ok && addr_key(&m->rcpt, t->rcpt_key, sizeof(t->rcpt_key)) < 0)
		*t->rcpt_key = '\0';
	if (rewrite_sender(t) < 0)
		return fault(t, "cannot change the envelope sender");
	if (add_tags(t) < 0)
		return fault(t, "cannot add the tag headers");
	log_notice(t);
	return CM_ACCEPT;
}

/* queue_id - the "i" macro, "NOQUEUE" when absent; NULL (logged) when too long */
static const char *
queue_id(SMFICTX *ctx)
{
	const char *qid = smfi_getsymval(ctx, "i");

	if (qid == NULL || *qid == '\0')
		return "NOQUEUE";
	if (strnlen(qid, CM_QID_MAX + 1) > CM_QID_MAX) {
		clog_warnx("%.16s...: tempfail: queue id (macro i) longer than %d bytes",
		    qid, CM_QID_MAX);
		return NULL;
	}
	return qid;
}

static sfsistat
mlfi_eom(SMFICTX *ctx)
{
	struct cm_eom t;
	enum cm_result r;
	const char *qid = queue_id(ctx);

	if (qid == NULL) {
		msg_end(ctx);
		return result_status(ctx, CM_TEMPFAIL);
	}
	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.m = smfi_getpriv(ctx);
	t.qid = qid;
	buf_init(&t.rp, CM_RP_MAX);
	buf_init(&t.tags, 256);
	buf_init(&t.val, CM_HDR_MAX);
	t.cfg = cm_config_get();
	r = t.m ? tag_message(&t) : fault(&t, "no message state (out of memory at MAIL FROM)");
	cm_config_put();
	buf_free(&t.rp);
	buf_free(&t.tags);
	buf_free(&t.val);
	msg_end(ctx);
	return result_status(ctx, r);
}

static sfsistat
mlfi_abort(SMFICTX *ctx)
{
	msg_end(ctx);
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_close(SMFICTX *ctx)
{
	msg_end(ctx);
	return SMFIS_CONTINUE;
}

struct smfiDesc cm_milter = {
	.xxfi_name = CM_NAME,
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = CM_AFLAGS,
	.xxfi_envfrom = mlfi_envfrom,
	.xxfi_envrcpt = mlfi_envrcpt,
	.xxfi_header = mlfi_header,
	.xxfi_eom = mlfi_eom,
	.xxfi_abort = mlfi_abort,
	.xxfi_close = mlfi_close,
	.xxfi_negotiate = mlfi_negotiate,
};
