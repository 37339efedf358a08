/*
 * NAME
 *	feed_batch - campaign-feed --batch: recipients gathered into batches
 * SYNOPSIS
 *	#include "feed.h"
 *
 *	fbatch_tmpl_init(&t, &msg, campaign, batch_to, tagcol, &e);	once
 *	jb = fbatch_job(&queue);	the next batch of the list, as a job
 *	fbatch_settle(jb->batch, &journal, &counts, 'A', NULL);
 *	fbatch_job_free(jb);		(job_free() calls it for a batch job)
 *	fbatch_tmpl_free(&t);
 * DESCRIPTION
 *	With --batch N the feeder sends, instead of one transaction per
 *	recipient, one transaction per batch of up to N recipients to the
 *	batch address (doc/DESIGN.md "Batches"): a MIME container written by the
 *	batch writer (batch_write_begin/rcpt/end, lib/batch_write.c) whose
 *	first part is the
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
 *	fbatch_resume() (from queue_init()) reads the journal's B records:
 *	a batch none of whose recipients has an outcome is made again, from
 *	the same lines and with the same id, as its records are read (see
 *	struct fpend below); fbatch_more() says whether such batches are
 *	still to come after the end of the list.
 *
 *	Jobs made here are freed here: fbatch_job_free() frees a job and its
 *	batch (the queue's job_free() hands it batch jobs), so this file
 *	calls nothing of feed_queue.c; the queue calls in, never back.
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
 *	campaign-feed(1) BATCHES, doc/DESIGN.md "Batches", lib/batch.h.
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

/*
 * A batch made before a restart (a B record of the journal) none of whose
 * recipients has an outcome was sent, or about to be, when the feeder
 * stopped: the relay may have taken it.  It is made again from the same
 * list lines, in the same order, with the same id, so that the filter's
 * per-batch progress (keyed by campaign and batch id, record by record)
 * sends no copy twice.  Its records are copied as they are read (struct
 * frow) and the batch is made when the last one comes; a batch whose
 * lines do not all come (the list changed) gets a new number.
 */
struct frow {
	unsigned long line;
	size_t	nfields;
	char  **fields;
	char	addr[ADDR_KEY_MAX + 2];
};

struct fpend {
	unsigned long seq;
	int	n, got;
	unsigned long *lines;		/* increasing */
	struct frow **rows;
};

struct fpair {				/* a list line of a pending batch */
	unsigned long line;
	size_t	pend;
};

struct fresume {
	struct fpend *p;
	size_t	np;
	struct fpair *pairs;		/* by line */
	size_t	npairs, cur;		/* the list is read in line order */
	struct job *ready;		/* pending batches made, to send first */
	size_t	left;			/* pending batches not made yet */
};

/* row_copy - a record's address and fields, in one block */
static struct frow *
row_copy(const struct rrec *rec)
{
	size_t	i, need = sizeof(struct frow) + rec->nfields * sizeof(char *);
	struct frow *r;
	char   *p;

	for (i = 0; i < rec->nfields; i++)
		need += strlen(rec->fields[i]) + 1;
	if ((r = malloc(need)) == NULL)
		return NULL;
	r->line = rec->line;
	r->nfields = rec->nfields;
	r->fields = (char **)(r + 1);
	snprintf(r->addr, sizeof(r->addr), "%s", rec->addr);
	p = (char *)(r->fields + rec->nfields);
	for (i = 0; i < rec->nfields; i++) {
		r->fields[i] = strcpy(p, rec->fields[i]);
		p += strlen(p) + 1;
	}
	return r;
}

/* row_rec - a record pointing into a copied row */
static void
row_rec(const struct frow *r, struct rrec *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->line = r->line;
	rec->nfields = r->nfields;
	rec->fields = r->fields;
	snprintf(rec->addr, sizeof(rec->addr), "%s", r->addr);
}

/* new_job - a job for batch b */
static struct job *
new_job(struct queue *q, struct fbatch *b)
{
	struct job *jb;

	if ((jb = calloc(1, sizeof(*jb))) == NULL) {
		fbatch_free(b);
		cerr_set(q->err, "out of memory");
		return NULL;
	}
	jb->batch = b;
	jb->addr = (char *)q->o->btmpl->to;
	jb->line = b->lines[0];
	return jb;
}

/* fbatch_job_free - a job new_job() made, with its batch */
void
fbatch_job_free(struct job *jb)
{
	if (jb == NULL)
		return;
	fbatch_free(jb->batch);
	free(jb);
}

/* batch_id - "b" and the number with a journal, else the run's prefix */
static void
batch_id(const struct queue *q, unsigned long seq, char *id, size_t n)
{
	if (q->j->fd >= 0)
		snprintf(id, n, "b%06lu", seq);
	else
		snprintf(id, n, "%s%lu", q->o->btmpl->run, seq);
}

/* from_rows - a batch of copied rows; seq 0: a new number, journaled */
static struct job *
from_rows(struct queue *q, unsigned long seq, struct frow **rows, int n)
{
	const struct fbatch_tmpl *t = q->o->btmpl;
	char	id[FBATCH_ID_MAX];
	struct fbatch *b;
	struct rrec rec;
	int	i, fresh = seq == 0, rc;

	seq = fresh ? ++q->batch_seq : seq;
	batch_id(q, seq, id, sizeof(id));
	if ((b = malloc(sizeof(*b))) == NULL) {
		cerr_set(q->err, "out of memory");
		return NULL;
	}
	rc = fbatch_begin(b, t, id, q->err);
	for (i = 0; i < n && rc == 0; i++) {
		row_rec(rows[i], &rec);
		rc = fbatch_add(b, t, &rec, q->err);
	}
	if (rc == 0)
		rc = fbatch_end(b, q->err);
	if (rc == 0 && fresh && journal_batch(q->j, seq, b->lines, b->n) < 0)
		rc = cerr_set(q->err, "journal buffer: %s", strerror(errno));
	if (rc < 0) {
		fbatch_free(b);
		return NULL;
	}
	return new_job(q, b);
}

/* pend_done - the pending batch p has every row: to the ready list */
static int
pend_done(struct queue *q, struct fpend *p, unsigned long seq)
{
	struct fresume *r = q->resume;
	struct job *jb = from_rows(q, seq, p->rows, p->got);
	int	i;

	for (i = 0; i < p->got; i++)
		free(p->rows[i]);
	p->got = 0;
	p->n = 0;
	r->left--;
	if (jb == NULL)
		return -1;
	jb->next = r->ready;
	r->ready = jb;
	return 0;
}

/* pend_take - rec is a line of a pending batch: copied there (1), or not (0) */
static int
pend_take(struct queue *q, const struct rrec *rec)
{
	struct fresume *r = q->resume;
	struct fpend *p;

	while (r->cur < r->npairs && r->pairs[r->cur].line < rec->line)
		r->cur++;
	if (r->cur == r->npairs || r->pairs[r->cur].line != rec->line)
		return 0;
	p = r->p + r->pairs[r->cur++].pend;
	if (p->n == 0 || p->lines[p->got] != rec->line)
		return 0;
	if ((p->rows[p->got] = row_copy(rec)) == NULL) {
		*q->fatal = cerr_set(q->err, "out of memory");
		return 1;
	}
	if (++p->got == p->n && pend_done(q, p, p->seq) < 0)
		*q->fatal = 1;
	return 1;
}

/* next_fresh - the next record for a new batch (pending batches take theirs) */
static int
next_fresh(struct queue *q, struct rrec *rec)
{
	while (source_next(q, rec))
		if (q->resume == NULL || !pend_take(q, rec))
			return 1;
	return 0;
}

/* pend_left - at the end of the list: a pending batch that did not get
 * all its lines is made with what it has, as a new batch */
static void
pend_left(struct queue *q)
{
	struct fresume *r = q->resume;
	size_t	i;

	for (i = 0; r != NULL && r->left > 0 && i < r->np; i++)
		if (r->p[i].n > 0 && r->p[i].got > 0 && pend_done(q, r->p + i, 0) < 0)
			*q->fatal = 1;
	if (r != NULL)
		r->left = 0;	/* the rest got none of their lines */
}

int
fbatch_more(const struct queue *q)
{
	return q->resume != NULL && (q->resume->ready != NULL || q->resume->left > 0);
}

/* take_ready - a pending batch made again, or NULL */
static struct job *
take_ready(struct queue *q)
{
	struct job *jb;

	if (q->resume == NULL || (jb = q->resume->ready) == NULL)
		return NULL;
	q->resume->ready = jb->next;
	jb->next = NULL;
	return jb;
}

/* fill - records into b until it is full or the list ends */
static int
fill(struct queue *q, struct fbatch *b, const struct rrec *first)
{
	const struct fbatch_tmpl *t = q->o->btmpl;
	struct rrec rec;

	if (fbatch_add(b, t, first, q->err) < 0)
		return -1;
	while (!fbatch_full(b, t) && next_fresh(q, &rec))
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

	batch_id(q, seq, id, sizeof(id));
	if ((b = malloc(sizeof(*b))) == NULL) {
		cerr_set(q->err, "out of memory");
		return NULL;
	}
	if (fbatch_begin(b, t, id, q->err) < 0 || fill(q, b, first) < 0) {
		fbatch_free(b);
		return NULL;
	}
	if (journal_batch(q->j, seq, b->lines, b->n) < 0) {
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
	struct fbatch *b;
	struct job *jb;

	if ((jb = take_ready(q)) != NULL)
		return jb;
	if (!next_fresh(q, &rec)) {
		if ((jb = take_ready(q)) == NULL && !*q->fatal) {
			pend_left(q);
			jb = take_ready(q);
		}
		return jb;
	}
	if ((b = new_batch(q, &rec)) == NULL || (jb = new_job(q, b)) == NULL) {
		*q->fatal = 1;
		return NULL;
	}
	return jb;
}

/* parse_lines - "2-1001,1003" into exactly n increasing lines; 0 or -1 */
static int
parse_lines(const char *s, int n, unsigned long *out)
{
	unsigned long a, b;
	char   *end;
	int	k = 0;

	while (*s) {
		a = b = strtoul(s, &end, 10);
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		if (end == s || b < a || b - a >= (unsigned long)(n - k)
		    || (k > 0 && a <= out[k - 1]) || (*end && *end != ','))
			return -1;
		while (a <= b)
			out[k++] = a++;
		s = *end ? end + 1 : end;
	}
	return k == n ? 0 : -1;
}

/* pair_cmp - qsort: pairs by line */
static int
pair_cmp(const void *x, const void *y)
{
	const struct fpair *a = x, *b = y;

	return a->line < b->line ? -1 : a->line > b->line;
}

/* add_pend - the B record jb as a pending batch when none of its lines is done */
static int
add_pend(struct fresume *r, const struct journal *j, const struct jbatch *jb)
{
	struct fpend *p = r->p + r->np;
	int	i;

	if (jb->n <= 0 || jb->n > FEED_BATCH_MAX)
		return 0;
	p->lines = calloc((size_t)jb->n, sizeof(*p->lines));
	p->rows = calloc((size_t)jb->n, sizeof(*p->rows));
	if (p->lines == NULL || p->rows == NULL)
		return -1;
	if (parse_lines(jb->ranges, jb->n, p->lines) < 0)
		return 0;	/* garbled: its lines go to new batches */
	for (i = 0; i < jb->n; i++)
		if (journal_is_done(j, p->lines[i]))
			return 0;
	p->seq = jb->seq;
	p->n = jb->n;
	r->np++;
	r->npairs += (size_t)jb->n;
	return 0;
}

/* make_pairs - every pending line with its batch, by line */
static int
make_pairs(struct fresume *r)
{
	size_t	i, k = 0;
	int	m;

	if ((r->pairs = calloc(r->npairs + 1, sizeof(*r->pairs))) == NULL)
		return -1;
	for (i = 0; i < r->np; i++)
		for (m = 0; m < r->p[i].n; m++)
			r->pairs[k++] = (struct fpair) {r->p[i].lines[m], i};
	qsort(r->pairs, r->npairs, sizeof(*r->pairs), pair_cmp);
	r->left = r->np;
	return 0;
}

int
fbatch_resume(struct queue *q)
{
	const struct journal *j = q->j;
	struct fresume *r;
	size_t	i, k;

	if (j->nbatches == 0)
		return 0;
	if ((r = calloc(1, sizeof(*r))) == NULL
	    || (r->p = calloc(j->nbatches + 1, sizeof(*r->p))) == NULL) {
		free(r);
		return -1;
	}
	q->resume = r;
	for (i = 0; i < j->nbatches; i++) {
		for (k = 0; k < i && j->batches[k].seq != j->batches[i].seq; k++)
			;
		if (k == i && add_pend(r, j, j->batches + i) < 0)
			return -1;
		if (r->p[r->np].lines != NULL) {	/* not kept: free for the next */
			free(r->p[r->np].lines);
			free(r->p[r->np].rows);
			r->p[r->np].lines = NULL;
			r->p[r->np].rows = NULL;
		}
	}
	return make_pairs(r);
}

void
fbatch_resume_free(struct queue *q)
{
	struct fresume *r = q->resume;
	struct job *jb;
	size_t	i;
	int	m;

	if (r == NULL)
		return;
	while ((jb = take_ready(q)) != NULL)
		fbatch_job_free(jb);
	for (i = 0; i < r->np; i++) {
		for (m = 0; m < r->p[i].got; m++)
			free(r->p[i].rows[m]);
		free(r->p[i].lines);
		free(r->p[i].rows);
	}
	free(r->p);
	free(r->pairs);
	free(r);
	q->resume = NULL;
}

int
fbatch_settle(const struct fbatch *b, struct journal *j, struct feed_counts *c,
	      int type, const char *text)
{
	char	why[SMTP_TEXT_MAX + FBATCH_ID_MAX + 16];
	const char *a = b->addrs.data;
	int	i;

	if (type == 'A')
		snprintf(why, sizeof(why), "%s", b->id);
	else
		snprintf(why, sizeof(why), "batch %s: %s", b->id, text ? text : "");
	for (i = 0; i < b->n; i++, a += strlen(a) + 1) {
		counts_add(c, type);
		if (journal_add(j, type, b->lines[i], a, why) < 0)
			return -1;
	}
	if (type == 'A')
		c->batches++;
	return 0;
}
