/*
 * NAME
 *	map_rec - the records of a hash: table: lookup, update, delete and
 *	walk (see map_db.h), and their steps under the caller's lock (see
 *	map_rec.h)
 * SYNOPSIS
 *	#include "map_rec.h"
 * DESCRIPTION
 *	Each public function is one sentence: check the key, take the lock
 *	(map_lock(): a changed file is reopened first), do the record step,
 *	release the lock (map_unlock(): a write is synced).  Every Berkeley
 *	DB call goes through map_call() (the fault guard).  One cursor
 *	setup serves the walk and the detection of an existing table's NUL
 *	form (its first record).
 * DIAGNOSTICS
 *	Functions return -1 with the error text in the caller's struct cerr.
 * SEE ALSO
 *	map_db.h, map_rec.h, map_handle.h; Postfix src/util/dict_db.c.
 */
#include <ctype.h>
#include <string.h>

#include "map_rec.h"

/* a cursor and the one guarded call that moves it */
struct cursor {
	DBC    *c;
	DBT	k, v;
	struct dbop op;
};

int
map_rec_fold(const char *key, char out[MAP_KEY_MAX + 1], size_t *len, struct cerr *e)
{
	size_t	i;

	for (i = 0; key[i]; i++) {
		if (i >= MAP_KEY_MAX)
			return cerr_set(e, "lookup key longer than %d bytes", MAP_KEY_MAX);
		if (key[i] == '\r' || key[i] == '\n')
			return cerr_set(e, "lookup key contains CR or LF");
		out[i] = (char)tolower((unsigned char)key[i]);
	}
	if (i == 0)
		return cerr_set(e, "empty lookup key");
	out[i] = '\0';
	*len = i;
	return 0;
}

/*
 * keyop - one guarded get, put or delete of key (klen bytes); v is the
 * value to put, or receives the one got (NULL for delete).  1 done, 0 not
 * there, -1 error (the handle is then reopened before the next use).
 */
static int
keyop(struct map_db *m, enum dbop_kind kind, const char *key, size_t klen,
      DBT *v, const char *what, struct cerr *e)
{
	struct dbop op = {0};
	DBT	k;
	int	err;

	memset(&k, 0, sizeof(k));
	k.data = (void *)key;
	k.size = (u_int32_t)klen;
	op.kind = kind;
	op.db = m->db;
	op.k = &k;
	op.v = v;
	err = map_call(m, &op);
	if (err == DB_NOTFOUND || err == DB_KEYEMPTY)
		return 0;
	if (err != 0) {
		m->broken = 1;
		return map_fail(m, e, what, err);
	}
	return 1;
}

/* strip_nul - length without one trailing NUL */
static size_t
strip_nul(const DBT *d)
{
	if (d->size > 0 && ((const char *)d->data)[d->size - 1] == '\0')
		return d->size - 1;
	return d->size;
}

/* get - one get; 1 found (val set), 0 not, -1 error */
static int
get(struct map_db *m, const char *key, size_t klen, struct buf *val, struct cerr *e)
{
	DBT	v;
	int	r;

	memset(&v, 0, sizeof(v));
	if ((r = keyop(m, OP_GET, key, klen, &v, "read", e)) != 1)
		return r;
	if (buf_set(val, v.data, strip_nul(&v)) < 0)
		return cerr_set(e, "%s: value of \"%s\" longer than %zu bytes",
				m->path, key, val->max);
	return 1;
}

/*
 * by_form - one get (val set) or delete of key in the table's NUL
 * convention, or in both while it is unknown; remembers the form found
 */
static int
by_form(struct map_db *m, enum dbop_kind kind, const char *key, size_t klen,
	struct buf *val, struct cerr *e)
{
	int	r = 0, nul;

	for (nul = 1; nul >= 0 && r == 0; nul--) {
		if (m->form == (nul ? FORM_NONUL : FORM_NUL))
			continue;
		r = kind == OP_GET ? get(m, key, klen + nul, val, e)
		    : keyop(m, OP_DEL, key, klen + nul, NULL, "delete from", e);
		if (r == 1)
			m->form = nul ? FORM_NUL : FORM_NONUL;
	}
	return r;
}

int
map_rec_get(struct map_db *m, const char *key, size_t klen, struct buf *val,
	    struct cerr *e)
{
	return by_form(m, OP_GET, key, klen, val, e);
}

int
map_rec_del(struct map_db *m, const char *key, size_t klen, struct cerr *e)
{
	return by_form(m, OP_DEL, key, klen, NULL, e);
}

/* cursor_open - a cursor whose guarded step is c->get(flags) */
static int
cursor_open(struct map_db *m, struct cursor *cur, u_int32_t flags, struct cerr *e)
{
	int	err;

	memset(cur, 0, sizeof(*cur));
	if ((err = m->db->cursor(m->db, NULL, &cur->c, 0)) != 0)
		return map_fail(m, e, "read", err);
	cur->op.kind = OP_CGET;
	cur->op.c = cur->c;
	cur->op.k = &cur->k;
	cur->op.v = &cur->v;
	cur->op.flags = flags;
	return 0;
}

/* cursor_close - unless a fault abandoned the handle (and the cursor) */
static void
cursor_close(struct map_db *m, struct cursor *cur)
{
	if (m->db != NULL)
		(void)cur->c->close(cur->c);
}

/* detect_form - which convention does this table use?  Its first record says */
static int
detect_form(struct map_db *m, struct cerr *e)
{
	struct cursor cur;
	int	err;

	if (cursor_open(m, &cur, DB_FIRST, e) < 0)
		return -1;
	err = map_call(m, &cur.op);
	cursor_close(m, &cur);
	if (err != 0 && err != DB_NOTFOUND)
		return map_fail(m, e, "read", err);
	if (err == 0 && (cur.k.size == 0 || ((char *)cur.k.data)[cur.k.size - 1] != '\0'))
		m->form = FORM_NONUL;
	else
		m->form = FORM_NUL;	/* postmap's default on this system */
	return 0;
}

int
map_rec_put(struct map_db *m, const char *key, size_t klen, const char *value,
	    struct cerr *e)
{
	DBT	v;
	int	nul;

	if (m->form == FORM_UNKNOWN && detect_form(m, e) < 0)
		return -1;
	nul = m->form == FORM_NUL;
	memset(&v, 0, sizeof(v));
	v.data = (void *)value;
	v.size = (u_int32_t)(strlen(value) + nul);
	return keyop(m, OP_PUT, key, klen + nul, &v, "write", e) < 0 ? -1 : 0;
}

/* walk_cursor - call fn for each pair, copied into kb and vb */
static int
walk_cursor(struct map_db *m, map_walk_fn *fn, void *ctx, struct buf *kb,
	    struct buf *vb, struct cerr *e)
{
	struct cursor cur;
	int	err, r = 0;

	if (cursor_open(m, &cur, DB_NEXT, e) < 0)
		return -1;
	while (r == 0 && (err = map_call(m, &cur.op)) == 0) {
		/* copies: NUL-terminated, and safe if fn looks at them later */
		if (buf_set(kb, cur.k.data, strip_nul(&cur.k)) < 0
		    || buf_set(vb, cur.v.data, strip_nul(&cur.v)) < 0) {
			r = cerr_set(e, "%s: record longer than %d bytes", m->path,
				     MAP_VALUE_MAX);
			break;
		}
		r = fn(kb->data, kb->len, vb->data, vb->len, ctx);
	}
	cursor_close(m, &cur);
	if (r == 0 && err != DB_NOTFOUND) {
		m->broken = 1;
		return map_fail(m, e, "read", err);
	}
	return r;
}

int
map_rec_walk(struct map_db *m, map_walk_fn *fn, void *ctx, struct cerr *e)
{
	struct buf kb, vb;
	int	r;

	buf_init(&kb, MAP_VALUE_MAX);
	buf_init(&vb, MAP_VALUE_MAX);
	r = walk_cursor(m, fn, ctx, &kb, &vb, e);
	buf_free(&kb);
	buf_free(&vb);
	return r;
}

int
map_db_lookup(struct map_db *m, const char *key, struct buf *val, struct cerr *e)
{
	char	k[MAP_KEY_MAX + 1];
	size_t	klen;
	int	r;

	if (map_rec_fold(key, k, &klen, e) < 0 || map_lock(m, LOCK_SH, e) < 0)
		return -1;
	r = map_rec_get(m, k, klen, val, e);
	(void)map_unlock(m, 0, NULL);
	return r;
}

int
map_db_update(struct map_db *m, const char *key, const char *value, struct cerr *e)
{
	char	k[MAP_KEY_MAX + 1];
	size_t	klen, vlen = strlen(value);
	int	r;

	if (map_writable(m, e) < 0 || map_rec_fold(key, k, &klen, e) < 0)
		return -1;
	if (vlen > MAP_VALUE_MAX)
		return cerr_set(e, "value longer than %d bytes", MAP_VALUE_MAX);
	if (strpbrk(value, "\r\n") != NULL)
		return cerr_set(e, "value contains CR or LF");
	if (map_lock(m, LOCK_EX, e) < 0)
		return -1;
	r = map_rec_put(m, k, klen, value, e);
	if (map_unlock(m, r == 0, r == 0 ? e : NULL) < 0)
		r = -1;
	return r;
}

int
map_db_delete(struct map_db *m, const char *key, struct cerr *e)
{
	char	k[MAP_KEY_MAX + 1];
	size_t	klen;
	int	r;

	if (map_writable(m, e) < 0 || map_rec_fold(key, k, &klen, e) < 0)
		return -1;
	if (map_lock(m, LOCK_EX, e) < 0)
		return -1;
	r = map_rec_del(m, k, klen, e);
	if (map_unlock(m, r == 1, r == 1 ? e : NULL) < 0)
		r = -1;
	return r;
}

int
map_db_walk(struct map_db *m,
	    int (*fn)(const char *key, size_t klen, const char *val, size_t vlen, void *ctx),
	    void *ctx, struct cerr *e)
{
	int	r;

	if (map_lock(m, m->batch ? LOCK_EX : LOCK_SH, e) < 0)
		return -1;
	r = map_rec_walk(m, fn, ctx, e);
	(void)map_unlock(m, 0, NULL);
	return r;
}
