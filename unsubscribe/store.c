/*
 * NAME
 *	store - verified unsubscribes into the suppression table
 * SYNOPSIS
 *	#include "unsub.h"
 *
 *	struct store *s = store_start("hash:/etc/postfix/campaign/suppression", &e);
 *	store_submit(s, &item);		item.wake(item.arg) runs when it is written
 *	store_stop(s);			writes what is queued, then stops
 * DESCRIPTION
 *	One writer thread owns the map (lib/map_db.c; a map is not for
 *	several threads).  Requests queue items; the writer takes every item
 *	queued so far; those whose address already has a suppressing entry
 *	(a replay) are answered after a shared-lock lookup; the others are
 *	written as one batch: map_db_begin() (the
 *	exclusive lock Postfix's readers respect), supentry_put() for each
 *	(an address already suppressed keeps its entry), map_db_commit() (one
 *	sync).  Only then is each item's result set and its wake function
 *	called, so a request is answered after its entry is on disk and
 *	visible to Postfix and postmap -q.  Under load the batches grow by
 *	themselves (group commit); one request alone is one batch.  After a
 *	written batch the writer pauses 1 ms, so readers waiting for the
 *	shared lock (Postfix, postmap -q) get it between batches.
 *
 *	The entry: supentry_value(), category "unsubscribe", the campaign,
 *	the time of the batch.  Each written or kept item logs one notice
 *	line:
 *	    unsubscribe: campaign=ID rcpt=<a@b> via=http status=added|kept
 *	(via=mail, for the mailto: form handed over by --mail, adds qid=QID).
 * DIAGNOSTICS
 *	A failed batch sets every item's result to -1 and logs a warning
 *	naming the table; the map is kept, and the next batch tries again
 *	(lib/map_db.c reopens a table that changed or broke).
 * SEE ALSO
 *	lib/supentry.h, lib/map_db.h.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clog.h"
#include "map_db.h"
#include "unsub.h"

#define READER_GAP_NS	1000000		/* 1 ms between written batches */

struct store {
	struct map_db *map;
	pthread_mutex_t mu;
	pthread_cond_t work;
	struct store_item *head, **tail;
	int	stopping;
	pthread_t thread;
};

static void
log_item(const struct store_item *it)
{
	struct nline nl;

	nline_init(&nl, "unsubscribe");
	nline_str(&nl, "campaign", it->campaign);
	nline_addr(&nl, "rcpt", it->key);
	nline_str(&nl, "via", it->via);
	if (it->qid[0])
		nline_str(&nl, "qid", it->qid);
	nline_str(&nl, "status", it->result ? "added" : "kept");
	nline_emit(&nl);
}

/*
 * suppressed - is the address already suppressed by its own entry?  A
 * shared-lock lookup, so a replay costs no exclusive lock and no sync
 * (supentry_put asks again under the exclusive lock before writing).
 */
static int
suppressed(struct map_db *m, const char *key)
{
	struct buf val;
	struct cerr e;
	int	r;

	buf_init(&val, MAP_VALUE_MAX);
	r = map_db_lookup(m, key, &val, &e);
	if (r == 1)
		r = suppress_lookup(m, key, &val, &e);
	buf_free(&val);
	return r == 1;
}

/* write_batch - the items under one lock and one sync; 1 written, 0
 * nothing to write, -1 error (some of the batch may be written: the
 * requests are answered 503 and retried) */
static int
write_batch(struct map_db *m, struct store_item *list, struct cerr *e)
{
	struct buf val;
	struct store_item *it;
	time_t	now = time(NULL);
	int	r = 0, todo = 0;

	for (it = list; it; it = it->next)
		todo += !(it->kept = suppressed(m, it->key));
	if (todo == 0)
		return 0;
	if (map_db_begin(m, e) < 0)
		return -1;
	buf_init(&val, SUPENTRY_VALUE_MAX);
	for (it = list; it && r == 0; it = it->next) {
		if (it->kept)
			continue;
		if (supentry_value(&val, "unsubscribe", it->campaign, now, e) < 0
		    || (it->result = supentry_put(m, it->key, buf_cstr(&val), e)) < 0)
			r = -1;
	}
	buf_free(&val);
	if (map_db_commit(m, r < 0 ? NULL : e) < 0)
		r = -1;
	return r < 0 ? -1 : 1;
}

/* finish_batch - results, log lines, wake-ups (after the commit) */
static void
finish_batch(struct store_item *list, int ok)
{
	struct store_item *it, *next;

	for (it = list; it; it = next) {
		next = it->next;	/* it may be freed once woken */
		if (!ok) {
			it->result = -1;
		} else {
			if (it->kept)
				it->result = 0;
			log_item(it);
		}
		it->wake(it->arg);
	}
}

static void *
writer(void *arg)
{
	struct store *s = arg;
	static const struct timespec reader_gap = {0, READER_GAP_NS};
	struct store_item *list;
	struct cerr e;
	int	r;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (s->head == NULL && !s->stopping)
			pthread_cond_wait(&s->work, &s->mu);
		list = s->head;
		s->head = NULL;
		s->tail = &s->head;
		pthread_mutex_unlock(&s->mu);
		if (list == NULL)
			return NULL;
		if ((r = write_batch(s->map, list, &e)) < 0)
			clog_warnx("%s: %s", map_db_path(s->map), e.msg);
		finish_batch(list, r >= 0);
		/* let Postfix's readers take the lock before the next batch:
		 * flock(2) is not fair, and the queue refills while we pause */
		if (r > 0)
			nanosleep(&reader_gap, NULL);
	}
}

struct store *
store_start(const char *table, struct cerr *e)
{
	struct store *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		cerr_set(e, "out of memory");
		return NULL;
	}
	if ((s->map = map_db_open(table, MAP_RDWR | MAP_CREATE, e)) == NULL) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work, NULL);
	s->tail = &s->head;
	if (pthread_create(&s->thread, NULL, writer, s) != 0) {
		cerr_set(e, "cannot start the writer thread");
		map_db_close(s->map);
		free(s);
		return NULL;
	}
	return s;
}

void
store_submit(struct store *s, struct store_item *it)
{
	it->next = NULL;
	pthread_mutex_lock(&s->mu);
	*s->tail = it;
	s->tail = &it->next;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->mu);
}

void
store_stop(struct store *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	map_db_close(s->map);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->work);
	free(s);
}
