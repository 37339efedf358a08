/*
 * NAME
 *	feed_batch - campaign-feed --batch: recipients gathered into batches
 * SYNOPSIS
 *	#include "feed.h"
 *
 *	fbatch_tmpl_init(&t, &msg, campaign, batch_to, tagcol, &e);	once
 *	jb = fbatch_job(&queue);	the next batch of the list, as a job
 *	fbatch_settle(jb->batch, &journal, &counts, 'A', NULL);
 *	fbatch_tmpl_free(&t);
 * DESCRIPTION
 *	With --batch N the feeder sends, instead of one transaction per
 *	recipient, one transaction per batch of up to N recipients to the
 *	batch address (doc/DESIGN.md "Batches"): a MIME container written by the
 *	batch writer (batch_write_begin/rcpt/end: lib/batch.h's API,
 *	feed_bwrite.c until lib/batch is merged) whose first part is the
 *	message as the template, {{tags}} left in, and whose second part
 *	lists the batch's recipients as CSV, with the column "email" and
 *	one column per merge field the template uses.  The campaign's
 *	content filter personalizes one copy per recipient.
 *
 *	fbatch_tmpl_init() prepares what every batch shares: the template
 *	(the prepared message without dot-stuffing) and the CSV columns.
 *	It returns 0, or -1 with e set.
 *
 *	fbatch_job() reads records (feed_source.c: malformed and journaled
 *	ones are skipped there) until the batch has N
 *	recipients, or the next record could take it past --batch-bytes
 *	(a record of the list is at most FEED_RECORD_MAX bytes, at most
 *	twice that as CSV, so the check is exact without reading ahead),
 *	or the list ends.  The container is kept without dot-stuffing (BDAT
 *	sends it so; the DATA path stuffs it as it goes out).  Each batch
 *	gets the next number: with a journal the id is "b" and the number
 *	(b000001, b000002, ...), and a "B NUMBER NRCPT" record is journaled
 *	before the batch goes out, so that a resumed run never gives a
 *	number twice; without a journal the id starts with the run's start
 *	time instead.  A batch keeps its id through its retries.
 *
 *	fbatch_settle() records one outcome of the whole batch for each of
 *	its recipients: 'A' when the relay said 250 to the batch, 'R' (5xx)
 *	or 'D' (4xx, out of tries) with "batch ID: reply".  A journaled
 *	'A' or 'R' makes a resumed run skip the recipient, so a resumed run
 *	sends again only the recipients of batches not accepted, in new
 *	batches.
 * DIAGNOSTICS
 *	None printed; errors (out of memory, the journal buffer, the
 *	writer's) fail the run through the queue's error.
 * SEE ALSO
 *	campaign-feed(1) BATCHES, doc/DESIGN.md "Batches", feed_bwrite.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "feed.h"

/* make_cols - "email" and the template's merge fields, with their sources */
static int
make_cols(struct fbatch_tmpl *t, const struct msg *m, const int *tagcol)
{
	size_t	i;

	t->cols = calloc(m->ntags + 1, sizeof(*t->cols));
	t->src = calloc(m->ntags + 1, sizeof(*t->src));
	if (t->cols == NULL || t->src == NULL)
		return -1;
	t->cols[0] = "email";
	t->src[0] = -1;
	t->ncols = 1;
	for (i = 0; i < m->ntags; i++) {
		if (strcasecmp(m->tags[i], "email") == 0)
			continue;
		t->cols[t->ncols] = m->tags[i];
		t->src[t->ncols++] = tagcol[i];
	}
	return 0;
}

int
fbatch_tmpl_init(struct fbatch_tmpl *t, const struct msg *m, const char *campaign,
		 const char *to, const int *tagcol, struct cerr *e)
{
	size_t	least;

	t->campaign = campaign;
	t->to = to;
	t->cols = NULL;
	t->src = NULL;
	snprintf(t->run, sizeof(t->run), "r%lx-", (unsigned long)time(NULL));
	buf_init(&t->tmpl, m->body.len + 1);
	if (buf_append(&t->tmpl, m->body.data, m->body.len) < 0 || make_cols(t, m, tagcol) < 0)
		return cerr_set(e, "out of memory");
	t->tmpl.len = msg_unstuff(t->tmpl.data, t->tmpl.len);
	least = t->tmpl.len + 4 * FEED_RECORD_MAX + 4096;
	if (t->max_bytes < least)
		return cerr_set(e, "--batch-bytes %zu: too small for the message (%zu bytes) "
				"and one recipient (at least %zu)", t->max_bytes, t->tmpl.len,
				least);
	return 0;
}

void
fbatch_tmpl_free(struct fbatch_tmpl *t)
{
	buf_free(&t->tmpl);
	free(t->cols);
	free(t->src);
	t->cols = NULL;
	t->src = NULL;
}

int
fbatch_begin(struct fbatch *b, const struct fbatch_tmpl *t, const char *id,
	     struct cerr *e)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->id, sizeof(b->id), "%s", id);
	buf_init(&b->addrs, (size_t)t->nrcpt * (ADDR_KEY_MAX + 2) + 1);
	buf_init(&b->body, t->max_bytes);
	return batch_write_begin(&b->w, &b->body, t->campaign, id, t->tmpl.data,
				 t->tmpl.len, t->cols, t->ncols, 0, e);
}

int
fbatch_add(struct fbatch *b, const struct fbatch_tmpl *t, const struct rrec *rec,
	   struct cerr *e)
{
	char   *v[FEED_TAG_MAX + 1];
	unsigned long *l;
	size_t	i;

	if ((size_t)b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		if ((l = realloc(b->lines, b->cap * sizeof(*l))) == NULL)
			return cerr_set(e, "out of memory");
		b->lines = l;
	}
	for (i = 0; i < t->ncols && i <= FEED_TAG_MAX; i++)
		v[i] = t->src[i] < 0 ? (char *)rec->addr : rec->fields[t->src[i]];
	if (batch_write_rcpt(&b->w, &b->body, v, e) < 0)
		return -1;
	if (buf_append(&b->addrs, rec->addr, strlen(rec->addr) + 1) < 0)
		return cerr_set(e, "out of memory");
	b->lines[b->n++] = rec->line;
	return 0;
}

int
fbatch_full(const struct fbatch *b, const struct fbatch_tmpl *t)
{
	return b->n >= t->nrcpt
	    || b->body.len + 2 * FEED_RECORD_MAX + 2 * FEED_TAG_MAX + 512 > t->max_bytes;
}

int
fbatch_end(struct fbatch *b, struct cerr *e)
{
	return batch_write_end(&b->w, &b->body, e);
}

void
fbatch_free(struct fbatch *b)
{
	free(b->lines);
	buf_free(&b->addrs);
	buf_free(&b->body);
	free(b);
}

/* fill - records into b until it is full or the list ends */
static int
fill(struct queue *q, struct fbatch *b, const struct rrec *first)
{
	const struct fbatch_tmpl *t = q->o->btmpl;
	struct rrec rec;

	if (fbatch_add(b, t, first, q->err) < 0)
		return -1;
	while (!fbatch_full(b, t) && source_next(q, &rec))
		if (fbatch_add(b, t, &rec, q->err) < 0)
			return -1;
	return fbatch_end(b, q->err);
}

/* new_batch - the next batch of the list, journaled; NULL on an error */
static struct fbatch *
new_batch(struct queue *q, const struct rrec *first)
{
	const struct fbatch_tmpl *t = q->o->btmpl;
	char	id[FBATCH_ID_MAX];
	struct fbatch *b;
	unsigned long seq = ++q->batch_seq;

	if (q->j->fd >= 0)
		snprintf(id, sizeof(id), "b%06lu", seq);
	else
		snprintf(id, sizeof(id), "%s%lu", t->run, seq);
	if ((b = malloc(sizeof(*b))) == NULL) {
		cerr_set(q->err, "out of memory");
		return NULL;
	}
	if (fbatch_begin(b, t, id, q->err) < 0 || fill(q, b, first) < 0) {
		fbatch_free(b);
		return NULL;
	}
	if (journal_batch(q->j, seq, b->n) < 0) {
		cerr_set(q->err, "journal buffer: %s", strerror(errno));
		fbatch_free(b);
		return NULL;
	}
	return b;
}

struct job *
fbatch_job(struct queue *q)
{
	struct rrec rec;
	struct job *jb;

	if (!source_next(q, &rec))
		return NULL;
	if ((jb = calloc(1, sizeof(*jb))) == NULL) {
		*q->fatal = cerr_set(q->err, "out of memory");
		return NULL;
	}
	if ((jb->batch = new_batch(q, &rec)) == NULL) {
		free(jb);
		*q->fatal = 1;
		return NULL;
	}
	jb->addr = (char *)q->o->btmpl->to;
	jb->line = jb->batch->lines[0];
	return jb;
}

int
fbatch_settle(const struct fbatch *b, struct journal *j, struct feed_counts *c,
	      int type, const char *text)
{
	char	why[FEED_TEXT_MAX + FBATCH_ID_MAX + 16];
	const char *a = b->addrs.data;
	int	i;

	if (type == 'A')
		snprintf(why, sizeof(why), "%s", b->id);
	else
		snprintf(why, sizeof(why), "batch %s: %s", b->id, text ? text : "");
	for (i = 0; i < b->n; i++, a += strlen(a) + 1) {
		if (type == 'A')
			c->accepted++;
		else if (type == 'R')
			c->rejected++;
		else
			c->deferred++;
		if (journal_add(j, type, b->lines[i], a, why) < 0)
			return -1;
	}
	if (type == 'A')
		c->batches++;
	return 0;
}
