/*
 * NAME
 *	feed_queue - the feeder's work queue: new recipients, retries, outcomes
 * SYNOPSIS
 *	#include "feed.h"
 *
 *	queue_init(&q, &opts, &msg, &rlist, &journal, &counts, &err, &fatal);
 *	n = queue_take(&q, jobs, max, now);	work for one transaction
 *	queue_settle(&q, job, 'A', NULL);	final: accepted, rejected, deferred
 *	queue_requeue(&q, job, text, 1, now);	4xx: retry later
 *	while (queue_pending(&q)) ...
 *	queue_free(&q);
 * DESCRIPTION
 *	The queue sits below the event loop (feed_loop.c) and the SMTP
 *	engine (feed_smtp.c): both call it, it calls neither.  It takes
 *	records from feed_source.c, and with --batch has feed_batch.c make
 *	the batches (which read feed_source.c too).
 *
 *	Recipients are read from the list only when a session asks, so
 *	memory is bounded by the jobs in transactions plus the retry queue;
 *	while the retry queue holds QUEUE_RETRY_MAX jobs no new ones are
 *	read.  A 4xx puts a job in the retry queue (a min-heap by due time)
 *	after retry_delay x 2^(tries-1) seconds; after max_tries it is
 *	settled as deferred.  Jobs of a lost session go back at once,
 *	without counting a try, and any session of any relay takes them.
 *
 *	A job is one recipient, or with opts->batch one batch of up to
 *	opts->batch recipients (feed_batch.c): then one job stands for all
 *	its recipients, and settling it journals and counts each of them.
 *
 *	Errors (reading the list, out of memory, the journal buffer) set
 *	*fatal and the cerr given to queue_init(); the loop then ends.
 * SEE ALSO
 *	campaign-feed(1), feed_loop.c, feed_smtp.c, feed_batch.c.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"

void
queue_init(struct queue *q, const struct feed_opts *o, struct msg *m,
	   struct rlist *rl, struct journal *j, struct feed_counts *c,
	   struct cerr *err, int *fatal)
{
	memset(q, 0, sizeof(*q));
	q->o = o;
	q->m = m;
	q->rl = rl;
	q->j = j;
	q->c = c;
	q->err = err;
	q->fatal = fatal;
	q->batch_seq = j->batch_seq;
	if (o->batch > 0 && fbatch_resume(q) < 0)
		*fatal = cerr_set(err, "out of memory");
}

void
job_free(struct job *jb)
{
	if (jb != NULL && jb->batch != NULL)
		fbatch_job_free(jb);	/* made there, freed there */
	else
		free(jb);
}

/* heap_push - add jb to the retry queue */
static int
heap_push(struct queue *q, struct job *jb)
{
	struct job **h;
	size_t	i, p;

	if (q->nheap == q->heapcap) {
		q->heapcap = q->heapcap ? 2 * q->heapcap : 256;
		if ((h = realloc(q->heap, q->heapcap * sizeof(*h))) == NULL)
			return -1;
		q->heap = h;
	}
	for (i = q->nheap++; i > 0 && q->heap[p = (i - 1) / 2]->due > jb->due; i = p)
		q->heap[i] = q->heap[p];
	q->heap[i] = jb;
	return 0;
}

/* heap_pop - take the retry due first */
static struct job *
heap_pop(struct queue *q)
{
	struct job *top = q->heap[0], *last = q->heap[--q->nheap];
	size_t	i = 0, c;

	while ((c = 2 * i + 1) < q->nheap) {
		if (c + 1 < q->nheap && q->heap[c + 1]->due < q->heap[c]->due)
			c++;
		if (q->heap[c]->due >= last->due)
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (q->nheap > 0)
		q->heap[i] = last;
	return top;
}

/* make_job - a job for one recipient record */
static struct job *
make_job(struct queue *q, const struct rrec *rec)
{
	size_t	i, nt = q->m->ntags, need = sizeof(struct job) + strlen(rec->addr) + 1;
	const int *tagcol = q->o->tagcol;
	const char *v[FEED_TAG_MAX];
	struct job *jb;
	char   *p;

	for (i = 0; i < nt && i < FEED_TAG_MAX; i++) {
		v[i] = tagcol[i] < 0 ? rec->addr : rec->fields[tagcol[i]];
		need += sizeof(char *) + strlen(v[i]) + 1;
	}
	if ((jb = calloc(1, need)) == NULL)
		return NULL;
	jb->line = rec->line;
	jb->vals = (char **)(jb + 1);
	p = (char *)(jb->vals + nt);
	jb->addr = strcpy(p, rec->addr);
	p += strlen(p) + 1;
	for (i = 0; i < nt && i < FEED_TAG_MAX; i++) {
		jb->vals[i] = strcpy(p, v[i]);
		p += strlen(p) + 1;
	}
	return jb;
}

/* next_job - one new job from the list, or NULL */
static struct job *
next_job(struct queue *q)
{
	struct rrec rec;
	struct job *jb;

	if (q->o->batch > 0)
		return fbatch_job(q);
	if (!source_next(q, &rec))
		return NULL;
	if ((jb = make_job(q, &rec)) == NULL)
		*q->fatal = cerr_set(q->err, "out of memory");
	return jb;
}

/* more - jobs may still come: the list, or batches made again (--batch) */
static int
more(const struct queue *q)
{
	return !q->rl_eof || fbatch_more(q);
}

int
queue_take(struct queue *q, struct job **jobs, int max, double now)
{
	int	n = 0;

	if (q->peek != NULL && max > 0 && q->nheap < QUEUE_RETRY_MAX) {
		jobs[n++] = q->peek;
		q->peek = NULL;
	}
	while (n < max && q->nheap > 0 && q->heap[0]->due <= now)
		jobs[n++] = heap_pop(q);
	/* a full retry queue (relays answering 4xx) stops reading the list */
	while (n < max && q->nheap < QUEUE_RETRY_MAX && q->peek == NULL
	       && more(q) && (jobs[n] = next_job(q)) != NULL)
		n++;
	q->inflight += n;
	return n;
}

int
queue_pending(struct queue *q)
{
	if (q->peek == NULL && more(q))
		q->peek = next_job(q);
	return q->peek != NULL || q->nheap > 0 || q->inflight > 0;
}

void
queue_settle(struct queue *q, struct job *jb, int type, const char *text)
{
	int	rc;

	q->inflight--;
	if (jb->batch != NULL) {
		rc = fbatch_settle(jb->batch, q->j, q->c, type, text);
	} else {
		counts_add(q->c, type);
		rc = journal_add(q->j, type, jb->line, jb->addr, text);
	}
	if (rc < 0)
		*q->fatal = cerr_set(q->err, "journal buffer: %s", strerror(errno));
	job_free(jb);
}

void
queue_requeue(struct queue *q, struct job *jb, const char *text, int count_try,
	      double now)
{
	double	d = 0;

	if (count_try) {
		q->c->retries++;
		if (++jb->tries >= q->o->max_tries) {
			queue_settle(q, jb, 'D', text);
			return;
		}
		d = q->o->retry_delay * ldexp(1.0, jb->tries - 1);
		d = d > 3600 ? 3600 : d;
	}
	q->inflight--;
	jb->due = now + d;
	if (heap_push(q, jb) < 0)
		*q->fatal = cerr_set(q->err, "out of memory");
}

void
queue_free(struct queue *q)
{
	fbatch_resume_free(q);
	while (q->nheap > 0)
		job_free(heap_pop(q));
	job_free(q->peek);
	free(q->heap);
	q->peek = NULL;
	q->heap = NULL;
}
