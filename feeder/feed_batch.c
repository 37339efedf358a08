/*
 * NAME
 *	feed_batch - campaign-feed --batch: recipients gathered into batches
 * SYNOPSIS
 *	#include "feed.h"
 *
 *	batch_tmpl_init(&t, &msg, campaign, batch_to, tagcol, &e);	once
 *	jb = batch_job(&queue);		the next batch of the list, as a job
 *	batch_settle(jb->batch, &journal, &counts, 'A', NULL);
 *	batch_tmpl_free(&t);
 * DESCRIPTION
 *	With --batch N the feeder sends, instead of one transaction per
 *	recipient, one transaction per batch of up to N recipients to the
 *	batch address (BATCH-SPEC.md): a MIME container (feed_bwrite.c)
 *	whose first part is the message as the template, {{tags}} left in,
 *	and whose second part lists the batch's recipients as CSV, with
 *	the column "email" and one column per merge field the template
 *	uses.  The campaign's content filter personalizes one copy per
 *	recipient.
 *
 *	batch_tmpl_init() prepares what every batch shares: the template
 *	(the prepared message without dot-stuffing), its From: field, the
 *	CSV columns and a random MIME boundary that the template does not
 *	contain.  It returns 0, or -1 with e set.
 *
 *	batch_job() reads records from the queue (feed_queue.c: malformed
 *	and journaled ones are skipped there) until the batch has N
 *	recipients, or the next record could take it past --batch-bytes
 *	(a record of the list is at most FEED_RECORD_MAX bytes, at most
 *	twice that as CSV, so the check is exact without reading ahead),
 *	or the list ends.  Each batch gets the next number: with a journal
 *	the id is "b" and the number (b000001, b000002, ...), and a "B
 *	NUMBER NRCPT" record is journaled before the batch goes out, so
 *	that a resumed run never gives a number twice; without a journal
 *	the id starts with the run's start time instead.  A batch keeps
 *	its id through its retries.
 *
 *	batch_settle() records one outcome of the whole batch for each of
 *	its recipients: 'A' when the relay said 250 to the batch, 'R' (5xx)
 *	or 'D' (4xx, out of tries) with "batch ID: reply".  A journaled
 *	'A' or 'R' makes a resumed run skip the recipient, so a resumed run
 *	sends again only the recipients of batches not accepted, in new
 *	batches.
 * DIAGNOSTICS
 *	None printed; out of memory and the journal buffer fail the run
 *	through the queue's error.
 * SEE ALSO
 *	campaign-feed(1) BATCHES, BATCH-SPEC.md, feed_bwrite.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "feed.h"

/* head_end - length of the template's header section (up to the blank line) */
static size_t
head_end(const char *p, size_t n)
{
	const char *q = memmem(p, n, "\r\n\r\n", 4);

	return q ? (size_t)(q - p) + 2 : n;
}

/* find_from - the template's From: field, folded lines included */
static char *
find_from(const char *p, size_t n)
{
	size_t	end = head_end(p, n), i = 0, k;
	const char *nl;

	while (i < end) {
		if (end - i > 5 && strncasecmp(p + i, "From:", 5) == 0) {
			for (k = i; (nl = memchr(p + k, '\n', end - k)) != NULL; ) {
				k = (size_t)(nl - p) + 1;
				if (k >= end || (p[k] != ' ' && p[k] != '\t'))
					break;
			}
			k = nl ? k - 2 : end;	/* without the last CRLF */
			return strndup(p + i, k - i);
		}
		nl = memchr(p + i, '\n', end - i);
		i = nl ? (size_t)(nl - p) + 1 : end;
	}
	return NULL;
}

/* make_boundary - a random boundary not found in the template */
static int
make_boundary(struct batch_tmpl *t)
{
	unsigned char r[12];
	int	tries, i, n;

	for (tries = 0; tries < 8; tries++) {
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return -1;
		n = snprintf(t->boundary, sizeof(t->boundary), "=_campaign-batch_");
		for (i = 0; i < (int)sizeof(r); i++)
			n += snprintf(t->boundary + n, sizeof(t->boundary) - (size_t)n,
				      "%02x", r[i]);
		if (bw_boundary_ok(t->boundary, t->tmpl.data, t->tmpl.len))
			return 0;
	}
	return -1;
}

/* make_cols - "email" and the template's merge fields, with their sources */
static int
make_cols(struct batch_tmpl *t, const struct msg *m, const int *tagcol)
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
batch_tmpl_init(struct batch_tmpl *t, const struct msg *m, const char *campaign,
		const char *to, const int *tagcol, struct cerr *e)
{
	t->campaign = campaign;
	t->to = to;
	t->from = NULL;
	t->cols = NULL;
	t->src = NULL;
	t->tmpl8bit = m->has8bit;
	snprintf(t->run, sizeof(t->run), "r%lx-", (unsigned long)time(NULL));
	buf_init(&t->tmpl, m->body.len + 1);
	if (buf_append(&t->tmpl, m->body.data, m->body.len) < 0 || make_cols(t, m, tagcol) < 0)
		return cerr_set(e, "out of memory");
	t->tmpl.len = msg_unstuff(t->tmpl.data, t->tmpl.len);
	t->from = find_from(t->tmpl.data, t->tmpl.len);
	if (make_boundary(t) < 0)
		return cerr_set(e, "cannot make a MIME boundary: %s", strerror(errno));
	if (t->max_bytes < t->tmpl.len + 4 * FEED_RECORD_MAX + 4096)
		return cerr_set(e, "--batch-bytes %zu: too small for the message (%zu bytes) "
				"and one recipient (at least %zu)", t->max_bytes, t->tmpl.len,
				t->tmpl.len + 4 * FEED_RECORD_MAX + 4096);
	return 0;
}

void
batch_tmpl_free(struct batch_tmpl *t)
{
	buf_free(&t->tmpl);
	free(t->from);
	free(t->cols);
	free(t->src);
	t->from = NULL;
	t->cols = NULL;
	t->src = NULL;
}

int
batch_begin(struct batch *b, const struct batch_tmpl *t, const char *id, time_t now)
{
	struct bw_head h = {t->campaign, id, t->from, t->boundary, now, t->tmpl8bit};

	memset(b, 0, sizeof(*b));
	snprintf(b->id, sizeof(b->id), "%s", id);
	buf_init(&b->addrs, (size_t)t->nrcpt * (ADDR_KEY_MAX + 2) + 1);
	buf_init(&b->body, t->max_bytes);
	return bw_begin(&b->body, &h, t->tmpl.data, t->tmpl.len, t->cols, t->ncols);
}

int
batch_add(struct batch *b, const struct batch_tmpl *t, const struct rrec *rec)
{
	const char *v[FEED_TAG_MAX + 1];
	unsigned long *l;
	size_t	i;

	if ((size_t)b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		if ((l = realloc(b->lines, b->cap * sizeof(*l))) == NULL)
			return -1;
		b->lines = l;
	}
	for (i = 0; i < t->ncols && i <= FEED_TAG_MAX; i++)
		v[i] = t->src[i] < 0 ? rec->addr : rec->fields[t->src[i]];
	if (bw_record(&b->body, v, i) < 0
	    || buf_append(&b->addrs, rec->addr, strlen(rec->addr) + 1) < 0)
		return -1;
	b->lines[b->n++] = rec->line;
	return 0;
}

int
batch_full(const struct batch *b, const struct batch_tmpl *t)
{
	return b->n >= t->nrcpt
	    || b->body.len + 2 * FEED_RECORD_MAX + 2 * FEED_TAG_MAX + 512 > t->max_bytes;
}

int
batch_end(struct batch *b, const struct batch_tmpl *t)
{
	return bw_end(&b->body, t->boundary);
}

void
batch_free(struct batch *b)
{
	free(b->lines);
	buf_free(&b->addrs);
	buf_free(&b->body);
	free(b);
}

/* fill - records into b until it is full or the list ends */
static int
fill(struct queue *q, struct batch *b, const struct rrec *first)
{
	const struct batch_tmpl *t = q->o->btmpl;
	struct rrec rec;

	if (batch_add(b, t, first) < 0)
		return -1;
	while (!batch_full(b, t) && queue_next_record(q, &rec))
		if (batch_add(b, t, &rec) < 0)
			return -1;
	return batch_end(b, t);
}

/* new_batch - the next batch of the list, journaled; NULL at the end */
static struct batch *
new_batch(struct queue *q, const struct rrec *first)
{
	const struct batch_tmpl *t = q->o->btmpl;
	char	id[BATCH_ID_MAX];
	struct batch *b;
	unsigned long seq = ++q->batch_seq;

	if (q->j->fd >= 0)
		snprintf(id, sizeof(id), "b%06lu", seq);
	else
		snprintf(id, sizeof(id), "%s%lu", t->run, seq);
	if ((b = malloc(sizeof(*b))) == NULL)
		return NULL;
	if (batch_begin(b, t, id, time(NULL)) < 0 || fill(q, b, first) < 0
	    || journal_batch(q->j, seq, b->n) < 0) {
		batch_free(b);
		return NULL;
	}
	return b;
}

struct job *
batch_job(struct queue *q)
{
	struct rrec rec;
	struct job *jb;

	if (!queue_next_record(q, &rec))
		return NULL;
	if ((jb = calloc(1, sizeof(*jb))) == NULL
	    || (jb->batch = new_batch(q, &rec)) == NULL) {
		free(jb);
		*q->fatal = cerr_set(q->err, "batch: %s", strerror(errno ? errno : ENOMEM));
		return NULL;
	}
	jb->addr = (char *)q->o->btmpl->to;
	jb->line = jb->batch->lines[0];
	return jb;
}

int
batch_settle(const struct batch *b, struct journal *j, struct feed_counts *c,
	     int type, const char *text)
{
	char	why[FEED_TEXT_MAX + BATCH_ID_MAX + 16];
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
