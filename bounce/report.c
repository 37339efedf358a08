/*
 * NAME
 *	report - what a message sent to the return path is: a DSN, a
 *	complaint, an auto-reply or something else; for whom; which campaign
 * SYNOPSIS
 *	#include "bounce.h"
 *
 *	struct bounce_ctx bc = {cf.return_path, &secret};
 *	bounce_parse(&bc, msg, n, "bounces+c+u=example.net@example.com", &v);
 * DESCRIPTION
 *	bounce_parse() is campaign-bounce's parser entry point (and its fuzz
 *	target's).  The MIME structure is GMime's (a well-kept, packaged
 *	parser that copes with broken MIME, encodings and nesting, which a
 *	hand-written one would not); the report fields inside a part are
 *	read by dsn.c.
 *
 *	Kinds, in this order: a multipart/report with a message/feedback-report
 *	part is an ARF complaint (RFC 5965); one with a
 *	message/delivery-status part (report-type delivery-status, or the
 *	part alone) is a DSN (RFC 3464); a message with Auto-Submitted other
 *	than "no" (RFC 3834), or X-Autoreply, X-Autorespond, or Precedence
 *	auto_reply, is an auto-reply; anything else is "other".
 *
 *	Recipient and campaign, first found wins: the envelope recipient
 *	(the VERP return path, decoded with campaign.conf's return_path);
 *	the Return-Path header of the returned message or headers (the same
 *	VERP address); X-Campaign-ID of the returned headers for the
 *	campaign; the c= and r= of the returned List-Unsubscribe link, taken
 *	only when an unsubscribe secret is configured and its t= token
 *	verifies (a link anyone could write names no one); and last the
 *	report itself (DSN Original-Recipient or Final-Recipient, ARF
 *	Original-Rcpt-To) for the recipient.
 *
 *	Bounds: at most BOUNCE_TYPES_MAX Content-Type headers in the message
 *	(more is parsed as "other": GMime's parser recurses once per nested
 *	part), a walk of at most 8 levels and 64 parts, and each report part
 *	decoded up to 64 kB.  Returns 0; -1 only when GMime could not be
 *	used at all (out of memory), which the caller tempfails.
 * DIAGNOSTICS
 *	Nothing is logged here; what cannot be parsed is kind "other".
 * SEE ALSO
 *	RFC 3464, RFC 5965, RFC 3834, RFC 6522 (multipart/report), GMime 3.
 */
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "bounce.h"
#include "hmac.h"
#include "tag.h"

#define WALK_DEPTH	8
#define WALK_PARTS	64
#define PART_MAX	(64 * 1024)

struct scan {
	const struct bounce_ctx *bc;
	struct verdict *v;
	int	parts;
	int	dsn, arf;
	struct dsn_fields f;
};

static const char *const kind_names[] = {"dsn", "arf", "autoreply", "other"};
static const char *const via_names[] = {"none", "verp", "returned", "report", "token", "header"};

const char *
bounce_kind_name(enum bounce_kind k)
{
	return kind_names[k];
}

const char *
bounce_via_name(enum bounce_via v)
{
	return via_names[v];
}

/* too_many_types - count "content-type:" without parsing anything */
static int
too_many_types(const char *msg, size_t n)
{
	static const char needle[] = "content-type:";
	size_t	i, count = 0;

	for (i = 0; i + sizeof(needle) - 1 <= n; i++)
		if ((msg[i] | 0x20) == 'c' && strncasecmp(msg + i, needle, sizeof(needle) - 1) == 0
		    && ++count > BOUNCE_TYPES_MAX)
			return 1;
	return 0;
}

/* part_text - a leaf part's decoded content, at most PART_MAX bytes */
static GByteArray *
part_text(GMimePart *part, GMimeStream **keep)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *ms;

	*keep = NULL;
	if (w == NULL || (ms = g_mime_stream_mem_new()) == NULL)
		return NULL;
	if (g_mime_data_wrapper_write_to_stream(w, ms) < 0) {
		g_object_unref(ms);
		return NULL;
	}
	*keep = ms;
	return g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(ms));
}

/* set_rcpt, set_campaign - first one found wins */
static void
set_rcpt(struct verdict *v, const char *key, enum bounce_via via)
{
	if (v->recipient[0] == '\0' && key[0] != '\0') {
		strcpy(v->recipient, key);
		v->rcpt_via = via;
	}
}

static void
set_campaign(struct verdict *v, const char *id, enum bounce_via via)
{
	if (v->campaign[0] == '\0' && id[0] != '\0') {
		strcpy(v->campaign, id);
		v->campaign_via = via;
	}
}

/* from_verp - campaign and recipient from a VERP address */
static void
from_verp(const struct bounce_ctx *bc, struct verdict *v, const char *addr,
	  enum bounce_via via)
{
	char	c[BOUNCE_ID_MAX + 1], r[ADDR_KEY_MAX + 1];
	size_t	n;

	if (addr == NULL)
		return;
	while (*addr == ' ' || *addr == '<')
		addr++;
	n = strcspn(addr, "> \t\r\n");
	if (verp_decode(bc->return_path, addr, n, c, r)) {
		set_rcpt(v, r, via);
		set_campaign(v, c, via);
	}
}

/* returned_headers - what the original message's headers tell */
static void
returned_headers(struct scan *s, GMimeObject *hdrs)
{
	const char *lu = g_mime_object_get_header(hdrs, "List-Unsubscribe");
	const char *id = g_mime_object_get_header(hdrs, "X-Campaign-ID");
	char	c[BOUNCE_ID_MAX + 1], r[ADDR_KEY_MAX + 1], t[64];
	size_t	n;

	from_verp(s->bc, s->v, g_mime_object_get_header(hdrs, "Return-Path"), BV_RETURNED);
	if (id != NULL) {
		while (*id == ' ' || *id == '\t')
			id++;
		n = strcspn(id, " \t\r\n");
		if (tag_id_valid(id, n)) {		/* what the milter accepts */
			memcpy(c, id, n);
			c[n] = '\0';
			set_campaign(s->v, c, BV_HEADER);
		}
	}
	if (lu == NULL || s->bc->secret == NULL || !unsub_decode(lu, c, r, t)
	    || hmac_verify(s->bc->secret, c, r, t) != 1)
		return;
	set_campaign(s->v, c, BV_TOKEN);
	set_rcpt(s->v, r, BV_TOKEN);
}

/* headers_part - text/rfc822-headers: parse the text as a message */
static void
headers_part(struct scan *s, const GByteArray *a)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer((const char *)a->data, a->len);
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);

	if (m != NULL) {
		returned_headers(s, GMIME_OBJECT(m));
		g_object_unref(m);
	}
	g_object_unref(p);
	g_object_unref(st);
}

/* leaf - one leaf part: a report, or returned headers */
static void
leaf(struct scan *s, GMimePart *part)
{
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
	GMimeStream *keep;
	GByteArray *a;
	size_t	n;

	if (ct == NULL)
		return;
	if (!g_mime_content_type_is_type(ct, "message", "delivery-status")
	    && !g_mime_content_type_is_type(ct, "message", "global-delivery-status")
	    && !g_mime_content_type_is_type(ct, "message", "feedback-report")
	    && !g_mime_content_type_is_type(ct, "text", "rfc822-headers")
	    && !g_mime_content_type_is_type(ct, "text", "global-headers"))
		return;
	if ((a = part_text(part, &keep)) == NULL)
		return;
	n = a->len > PART_MAX ? PART_MAX : a->len;
	if (g_mime_content_type_is_type(ct, "message", "feedback-report") && !s->arf) {
		arf_parse((const char *)a->data, n, &s->f);
		s->arf = 1;
	} else if (g_mime_content_type_is_type(ct, "message", "*") && !s->dsn && !s->arf) {
		dsn_parse((const char *)a->data, n, &s->f);
		s->dsn = 1;
	} else if (g_mime_content_type_is_type(ct, "text", "*")) {
		headers_part(s, a);
	}
	g_object_unref(keep);
}

static void scan_object(struct scan *s, GMimeObject *o, int depth);

/* scan_multipart - every part, within the bounds */
static void
scan_multipart(struct scan *s, GMimeMultipart *mp, int depth)
{
	int	i, n = g_mime_multipart_get_count(mp);

	for (i = 0; i < n && s->parts < WALK_PARTS; i++)
		scan_object(s, g_mime_multipart_get_part(mp, i), depth + 1);
}

static void
scan_object(struct scan *s, GMimeObject *o, int depth)
{
	GMimeMessage *inner;

	if (o == NULL || depth > WALK_DEPTH || ++s->parts > WALK_PARTS)
		return;
	if (GMIME_IS_MULTIPART(o)) {
		scan_multipart(s, GMIME_MULTIPART(o), depth);
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		/* the returned message: its headers only (its body is not ours to read) */
		if ((inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o))) != NULL)
			returned_headers(s, GMIME_OBJECT(inner));
	} else if (GMIME_IS_PART(o)) {
		leaf(s, GMIME_PART(o));
	}
}

/* is_autoreply - RFC 3834 and the common non-standard markers */
static int
is_autoreply(GMimeObject *m)
{
	const char *as = g_mime_object_get_header(m, "Auto-Submitted");
	const char *pr = g_mime_object_get_header(m, "Precedence");

	while (as && (*as == ' ' || *as == '\t'))
		as++;
	if (as && strncasecmp(as, "no", 2) != 0)
		return 1;
	if (pr && strstr(pr, "auto_reply") != NULL)
		return 1;
	return g_mime_object_get_header(m, "X-Autoreply") != NULL
	    || g_mime_object_get_header(m, "X-Autorespond") != NULL;
}

/* strip_multiline - "550-5.1.1 a 550-5.1.1 b 550 5.1.1 c" -> "a b c" */
static void
strip_multiline(char *t, const char *code, const char *status)
{
	char	pre[2][24];
	char   *p;
	int	i;

	if (!*code)
		return;
	snprintf(pre[0], sizeof(pre[0]), "%s-%s%s", code, status, *status ? " " : "");
	snprintf(pre[1], sizeof(pre[1]), "%s %s%s", code, status, *status ? " " : "");
	for (i = 0; i < 2; i++)
		while ((p = strstr(t, pre[i])) != NULL)
			memmove(p, p + strlen(pre[i]), strlen(p + strlen(pre[i])) + 1);
}

/* report_fields - the DSN or ARF fields into the verdict */
static void
report_fields(struct scan *s)
{
	struct verdict *v = s->v;
	struct dsn_fields *f = &s->f;
	const char *text = f->diag;
	char	key[ADDR_KEY_MAX + 1];

	v->kind = s->arf ? BK_ARF : BK_DSN;
	snprintf(v->action, sizeof(v->action), "%s", f->action);
	snprintf(v->feedback, sizeof(v->feedback), "%s", f->feedback);
	if (s->dsn && strcasecmp(f->diag_type, "smtp") == 0)
		dsn_reply(f->diag, v->code, v->status, &text);
	if (f->status[0])
		snprintf(v->status, sizeof(v->status), "%s", f->status);
	snprintf(v->text, sizeof(v->text), "%s", text);
	strip_multiline(v->text, v->code, v->status);
	if ((f->orig_rcpt[0] && dsn_address(f->orig_rcpt, key) == 0)
	    || (f->final_rcpt[0] && dsn_address(f->final_rcpt, key) == 0))
		set_rcpt(v, key, BV_REPORT);
}

int
bounce_parse(const struct bounce_ctx *bc, const char *msg, size_t n,
	     const char *envelope_rcpt, struct verdict *v)
{
	struct scan s;
	GMimeStream *st;
	GMimeParser *p;
	GMimeMessage *m;

	memset(v, 0, sizeof(*v));
	memset(&s, 0, sizeof(s));
	s.bc = bc;
	s.v = v;
	v->kind = BK_OTHER;
	from_verp(bc, v, envelope_rcpt, BV_VERP);
	if (too_many_types(msg, n))
		return 0;
	if ((st = g_mime_stream_mem_new_with_buffer(msg, n)) == NULL)
		return -1;
	p = g_mime_parser_new_with_stream(st);
	m = g_mime_parser_construct_message(p, NULL);
	if (m != NULL) {
		scan_object(&s, g_mime_message_get_mime_part(m), 0);
		if (s.dsn || s.arf)
			report_fields(&s);
		else if (is_autoreply(GMIME_OBJECT(m)))
			v->kind = BK_AUTOREPLY;
		g_object_unref(m);
	}
	g_object_unref(p);
	g_object_unref(st);
	return 0;
}
