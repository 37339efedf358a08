/*
 * NAME
 *	copy - one recipient's copy of a batch: the template merged, with
 *	its own To:, Message-ID, tags, List-Unsubscribe and return path
 * SYNOPSIS
 *	#include "copy.h"
 *
 *	struct copy c = {.cf = cf, .secret = &secret, .campaign = id,
 *	    .batch = bid, .qid = qid, .sender = sender};
 *	if (copy_setup(&c, tmpl, n, &rl, &e) < 0) ...	malformed template
 *	copy_build(&c, idx, &rec, &a, key, &rp, &out, &e);	per recipient
 *	copy_free(&c);
 * DESCRIPTION
 *	copy_setup() prepares the template once (lib/merge.h), dropping the
 *	fields the copy writes itself (To, Cc, Bcc, Message-ID, Precedence,
 *	Feedback-ID, List-Unsubscribe, List-Unsubscribe-Post, Return-Path,
 *	X-Campaign-Batch), and maps each {{tag}} to a CSV column of rl
 *	("email" is the address); a tag without a column is an error.
 *
 *	copy_build() writes into out (reset first) the copy in DATA form:
 *	"To: <addr>", "Message-ID: <CAMPAIGN.BATCH.IDX.QID@DOMAIN>",
 *	"Precedence: bulk", Feedback-ID (feedback_id, %c), List-Unsubscribe
 *	with the recipient's HMAC token and List-Unsubscribe-Post (as
 *	campaign-milter writes them: lib/tag.h), then the merged template
 *	(X-Campaign-ID first).  rp gets the envelope sender: return_path with
 *	%c and %r (the VERP form of the address), or the batch's own sender
 *	when return_path is not set.  DOMAIN is return_path's domain.
 *	Both return 0, or -1 with e set.
 */
#ifndef COPY_H
#define COPY_H

#include "addr.h"
#include "buf.h"
#include "cerr.h"
#include "conf.h"
#include "merge.h"
#include "rlist.h"

struct copy {
	const struct campaign_conf *cf;
	const struct buf *secret;
	const char *campaign, *batch, *qid, *sender;
	const char *domain;
	struct msg tmpl;
	int    *tagcol;
	char  **vals;
	struct buf val;			/* scratch */
	struct buf same;		/* header fields every copy has, made once */
};

int	copy_setup(struct copy *c, const char *tmpl, size_t n,
		   const struct rlist *rl, struct cerr *e);
int	copy_build(struct copy *c, long idx, const struct rrec *rec,
		   const struct addr *a, const char *key, struct buf *rp,
		   struct buf *out, struct cerr *e);
void	copy_free(struct copy *c);

#endif
