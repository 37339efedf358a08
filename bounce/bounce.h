/*
 * NAME
 *	bounce.h - campaign-bounce internals shared by its files
 * DESCRIPTION
 *	campaign-bounce.c: options, configuration, exit status.
 *	report.c: bounce_parse(), the parser entry point: one message in,
 *	one struct verdict out (GMime for the MIME structure).
 *	dsn.c: the fields of a message/delivery-status or
 *	message/feedback-report body (no GMime; pure string work).
 *	verp.c: campaign and recipient from a VERP return path.
 *	apply.c: the policy applied to a verdict, and the notice line.
 *	lmtp.c: the LMTP server of campaign-bounce -l (spawn(8)).
 */
#ifndef BOUNCE_H
#define BOUNCE_H

#include <stddef.h>
#include <stdio.h>

#include "addr.h"
#include "buf.h"
#include "classify.h"
#include "policy.h"

#define BOUNCE_ID_MAX		64		/* campaign id, as the milter checks it */
#define BOUNCE_READ_MAX		(4 * 1024 * 1024)	/* bytes parsed; the rest is read, unparsed */
#define BOUNCE_TEXT_MAX		512		/* diagnostic text kept */
#define BOUNCE_TYPES_MAX	256		/* Content-Type headers: more is not parsed */

enum bounce_kind { BK_DSN, BK_ARF, BK_AUTOREPLY, BK_OTHER };

/* where the recipient or campaign came from */
enum bounce_via { BV_NONE, BV_VERP, BV_RETURNED, BV_REPORT, BV_TOKEN, BV_HEADER };

struct verdict {
	enum bounce_kind kind;
	char	recipient[ADDR_KEY_MAX + 1];	/* lookup key; "" unknown */
	char	campaign[BOUNCE_ID_MAX + 1];	/* "" unknown */
	enum bounce_via rcpt_via, campaign_via;
	char	action[16];			/* DSN Action: failed, delayed... */
	char	code[4];			/* SMTP reply code, "" none */
	char	status[16];			/* X.Y.Z, "" none */
	char	text[BOUNCE_TEXT_MAX + 1];	/* diagnostic text */
	char	feedback[32];			/* ARF Feedback-Type */
};

/* what the parser needs to know: the return path template and the secret */
struct bounce_ctx {
	const char *return_path;		/* campaign.conf return_path, or NULL */
	const struct buf *secret;		/* unsubscribe secret, or NULL */
};

/* report.c */
int	bounce_parse(const struct bounce_ctx *bc, const char *msg, size_t n,
		     const char *envelope_rcpt, struct verdict *v);
const char *bounce_kind_name(enum bounce_kind k);
const char *bounce_via_name(enum bounce_via v);

/* dsn.c */
struct dsn_fields {
	char	final_rcpt[ADDR_PATH_MAX + 1];	/* Final-Recipient / Original-Rcpt-To */
	char	orig_rcpt[ADDR_PATH_MAX + 1];	/* Original-Recipient */
	char	action[16];
	char	status[16];
	char	diag_type[16];			/* "smtp", "x-postfix"... */
	char	diag[BOUNCE_TEXT_MAX + 1];	/* Diagnostic-Code text */
	char	feedback[32];			/* Feedback-Type (ARF) */
};
void	dsn_parse(const char *body, size_t n, struct dsn_fields *f);
void	arf_parse(const char *body, size_t n, struct dsn_fields *f);
void	dsn_reply(const char *diag, char code[4], char status[16], const char **text);
int	dsn_address(const char *value, char out[ADDR_KEY_MAX + 1]);

/* verp.c */
int	verp_decode(const char *tmpl, const char *addr, size_t n,
		    char campaign[BOUNCE_ID_MAX + 1], char rcpt[ADDR_KEY_MAX + 1]);
int	unsub_decode(const char *header, char campaign[BOUNCE_ID_MAX + 1],
		     char rcpt[ADDR_KEY_MAX + 1], char token[64]);

/* apply.c */
struct map_db;
struct bounce_apply {
	const struct classify *rules;
	const struct policy *policy;
	const char *suppression_table;
	const char *state_table;
	long	now;			/* 0: the clock at each verdict */
	struct map_db *sup, *state;	/* opened on first use, kept */
};
int	bounce_category(const struct classify *rules, const struct verdict *v,
			char out[CLASSIFY_NAME_MAX + 1]);
int	bounce_apply(struct bounce_apply *ba, const struct verdict *v,
		     const char *qid);
void	bounce_apply_close(struct bounce_apply *ba);

/* lmtp.c: campaign-bounce -l, many messages per process */
struct bounce_run {
	struct bounce_ctx bc;
	struct bounce_apply ba;
};
int	lmtp_serve(struct bounce_run *run, FILE *in, FILE *out);

#endif
