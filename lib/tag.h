/*
 * NAME
 *	tag - what campaign-milter and campaign-filter write: campaign ids,
 *	return paths, tag header values (one place for both)
 * SYNOPSIS
 *	#include "tag.h"
 *
 *	if (!tag_id_valid(v, n)) ...			1-64 of A-Za-z0-9._-
 *	v = tag_trim(value, &n);			strip folding white space
 *	i = tag_header_index("precedence");		TAG_PRECEDENCE, or -1
 *	tag_return_path("bounces+%r@example.com", id, verp, &out);
 *	tag_unsub_url("https://u.example/?t=%t", id, rcpt, token, &out);
 *	tag_expand("fb:%c", vars, nvars, &out);
 * DESCRIPTION
 *	Templates use %c (campaign id), %r (recipient), %t (token) and %%
 *	(a literal %); which of them a setting may use is checked at start-up
 *	with tag_template_check().
 *
 *	tag_return_path() expands %c and %r.  verp is the single recipient
 *	in VERP form (local=domain, see addr_verp()) or NULL when the message
 *	has several recipients or the recipient cannot be written in an
 *	address; then %r is dropped together with the one delimiter character
 *	right before it, so "bounces+%r@example.com" gives the plain alias
 *	"bounces@example.com".
 *
 *	tag_unsub_url() expands %c, %r (percent-encoded as RFC 3986 wants in
 *	a query) and %t; a template without any placeholder gets
 *	"?c=ID&r=RCPT&t=TOKEN" appended ("&" instead of "?" when the URL
 *	already has a query).  tag_unsub_mailto() makes "mailto:ADDR" from
 *	a template that may use %c and %t (e.g. "unsub+%c+%t@example.com").
 *
 *	tag_unsub_value() makes the whole List-Unsubscribe value for one
 *	recipient (its addr_key() form) from campaign.conf: "<URL>" and/or
 *	"<mailto:...>", with the recipient's HMAC token (lib/hmac.h) when
 *	secret is not empty (token receives it); 1 done, 0 when neither
 *	unsubscribe_url nor unsubscribe_mailto is set, -1 error.
 *
 *	tag_verp_ok() tells whether a VERP string can go into an address
 *	unquoted (atext, '.' and '=' only).
 *
 *	All writers append to out and return 0, or -1 (errno EMSGSIZE when
 *	out's maximum is reached, EINVAL for a bad template, ENOMEM).
 */
#ifndef TAG_H
#define TAG_H

#include <stddef.h>

#include "buf.h"
#include "cerr.h"
#include "conf.h"
#include "hmac.h"

#define TAG_ID_MAX	64

enum tag_header {
	TAG_CAMPAIGN_ID,		/* X-Campaign-ID */
	TAG_PRECEDENCE,			/* Precedence */
	TAG_FEEDBACK_ID,		/* Feedback-ID */
	TAG_LIST_UNSUB,			/* List-Unsubscribe */
	TAG_LIST_UNSUB_POST,		/* List-Unsubscribe-Post */
	TAG_NHEADERS
};

struct tag_var {
	char	key;			/* 'c', 'r', 't' */
	const char *val;		/* NULL: drop it and the delimiter before */
	int	urlenc;			/* percent-encode the value */
};

int	tag_id_valid(const char *s, size_t n);
const char *tag_trim(const char *s, size_t *n);
int	tag_header_index(const char *name);
const char *tag_header_name(int index);
int	tag_template_check(const char *tmpl, const char *allowed, struct cerr *e);
int	tag_expand(const char *tmpl, const struct tag_var *vars, size_t nvars,
		   struct buf *out);
int	tag_verp_ok(const char *verp);
int	tag_return_path(const char *tmpl, const char *id, const char *verp,
			struct buf *out);
int	tag_unsub_url(const char *tmpl, const char *id, const char *rcpt,
		      const char *token, struct buf *out);
int	tag_unsub_mailto(const char *tmpl, const char *id, const char *token,
			 struct buf *out);
int	tag_unsub_value(const struct campaign_conf *cf, const struct buf *secret,
			const char *id, const char *rcpt_key,
			char token[HMAC_TOKEN_LEN + 1], struct buf *out);

#endif
