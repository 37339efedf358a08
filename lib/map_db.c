/*
 * NAME
 *	map_db - Postfix hash: tables through Berkeley DB 5.3 (see map_db.h)
 * SYNOPSIS
 *	#include "map_db.h"
 * DESCRIPTION
 *	The file is opened the way Postfix's dict_db.c opens it: a private
 *	Berkeley DB environment (DB_INIT_MPOOL | DB_CREATE | DB_PRIVATE) whose
 *	home is the table's directory, DB_HASH with h_nelem 4096, the file
 *	opened by its base name, mode 0644.  A table we create is therefore
 *	the same kind of file postmap creates.
 *
 *	Locking: the map keeps its own descriptor of the .db file and takes
 *	flock(2) on it: shared around each lookup and walk, exclusive around
 *	each update and around a whole batch.  Postfix locks the Berkeley DB
 *	descriptor of the same file, and postmap holds an exclusive lock on
 *	it while it rebuilds the file in place (ftruncate), so flock locks of
 *	the two open file descriptions exclude each other as they should.
 *
 *	Change detection: under the lock, stat(2) of the path is compared
 *	with the identity recorded when the file was opened or last written
 *	by us (device, inode, mtime with nanoseconds, size, link count).  A
 *	difference closes and reopens the file, which also drops the stale
 *	Berkeley DB page cache.  The identity is refreshed after our own
 *	writes, while the exclusive lock is still held.
 *
 *	Fault guard: Berkeley DB trusts the pages it reads, and a hash file
 *	with garbage inside (not merely truncated) can make it follow a wild
 *	pointer.  Postfix tables carry no checksums and DB->verify reads the
 *	whole file (seconds per million entries), so every call into
 *	Berkeley DB that reads or writes pages runs under a SIGSEGV/SIGBUS
 *	guard (a thread-local jump buffer; the handler is installed once, by
 *	the first map_db_open()).  A fault inside such a call jumps back; the
 *	handle is abandoned (descriptors closed, its memory left behind: the
 *	library's state inside it cannot be trusted) and that one operation
 *	fails; later ones fail at once until the file changes (postmap
 *	rebuilt or replaced it), then reopen it, so a corrupt table leaks one
 *	handle, not one per lookup.  A fault anywhere else goes to the
 *	handler that was there before.
 *
 *	Nothing here prints: Berkeley DB's own messages are captured with an
 *	error callback and added to the error text.
 * DIAGNOSTICS
 *	Functions return -1 with the error text in the caller's struct cerr.
 * SEE ALSO
 *	Postfix src/util/dict_db.c, src/util/mkmap_db.c, postmap(1);
 *	OpenSMTPD table_db.c; Berkeley DB 5.3 C API.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <db.h>

#include "map_db.h"

#define MAP_READ_CACHE	(128 * 1024)		/* berkeley_db_read_buffer_size */
#define MAP_WRITE_CACHE	(16 * 1024 * 1024)	/* berkeley_db_create_buffer_size */
#define MAP_NELEM	4096			/* Postfix DICT_DB_NELM */
#define MAP_REOPEN_TRIES 5

enum map_form { FORM_UNKNOWN, FORM_NUL, FORM_NONUL };

struct map_db {
	char   *name;			/* as given */
	char   *path;			/* /path/name.db */
	char   *dir;			/* its directory: the DB home */
	const char *base;		/* its base name, inside path */
	int	flags;			/* MAP_* */
	int	lock_fd;		/* our descriptor: flock and identity */
	int	dbfd;			/* Berkeley DB's descriptor */
	DB_ENV *env;
	DB     *db;
	struct stat id;			/* identity when opened / last written */
	enum map_form form;		/* trailing-NUL convention in use */
	int	batch;			/* inside map_db_begin() */
	int	broken;			/* reopen before the next use */
	int	faulted;		/* abandoned after a fault: wait for a new file */
	char	dberr[256];		/* last Berkeley DB message */
};

/*
 * The fault guard (see DESCRIPTION).  sigsetjmp() does not save the mask
 * and the handler runs with SA_NODEFER, so a guarded call costs no system
 * call and the signal stays unblocked after the jump.
 */
enum dbop_kind { OP_OPEN, OP_GET, OP_PUT, OP_DEL, OP_CGET, OP_SYNC, OP_CLOSE };

struct dbop {
	enum dbop_kind kind;
	DB     *db;
	DBC    *c;
	DBT    *k, *v;
	const char *name;
	u_int32_t flags;
};

static _Thread_local sigjmp_buf *guard_jmp;
static struct sigaction guard_old_segv, guard_old_bus;
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;

static void
guard_handler(int sig)
{
	if (guard_jmp != NULL)
		siglongjmp(*guard_jmp, sig);
	/* not ours: the faulting instruction runs again, under the old handler */
	sigaction(sig, sig == SIGSEGV ? &guard_old_segv : &guard_old_bus, NULL);
}

/*
 * guard_install - once per process; pthread_once() makes a second thread
 * that opens its first table meanwhile wait until the handler is in place
 */
static void
guard_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = guard_handler;
	sa.sa_flags = SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &guard_old_segv);
	sigaction(SIGBUS, &sa, &guard_old_bus);
}

static int
dbop_call(struct dbop *op)
{
	switch (op->kind) {
	case OP_OPEN:
		return op->db->open(op->db, NULL, op->name, NULL, DB_HASH, op->flags, 0644);
	case OP_GET:
		return op->db->get(op->db, NULL, op->k, op->v, 0);
	case OP_PUT:
		return op->db->put(op->db, NULL, op->k, op->v, 0);
	case OP_DEL:
		return op->db->del(op->db, NULL, op->k, 0);
	case OP_CGET:
		return op->c->get(op->c, op->k, op->v, op->flags);
	case OP_SYNC:
		return op->db->sync(op->db, 0);
	case OP_CLOSE:
		return op->db->close(op->db, 0);
	}
	return EINVAL;
}

/*
 * Abandoned handles stay referenced here (the first GRAVE_MAX of them), so
 * that leak checkers see memory deliberately kept, not lost.
 */
#define GRAVE_MAX 64
static void *grave[GRAVE_MAX][2];
static unsigned graves;

/* abandon - after a fault: drop the handle without calling into it */
static void
abandon(struct map_db *m)
{
	unsigned n = __atomic_fetch_add(&graves, 1, __ATOMIC_SEQ_CST);

	if (n < GRAVE_MAX) {
		grave[n][0] = m->db;
		grave[n][1] = m->env;
	}
	if (m->db != NULL && m->dbfd >= 0)
		(void)close(m->dbfd);
	if (m->lock_fd >= 0)
		(void)close(m->lock_fd);
	m->db = NULL;
	m->env = NULL;
	m->lock_fd = m->dbfd = -1;
	m->broken = 1;
	m->faulted = 1;
	m->form = FORM_UNKNOWN;
	snprintf(m->dberr, sizeof(m->dberr),
		 "memory fault inside Berkeley DB: the file is corrupt");
}

/* guarded - run one Berkeley DB call under the fault guard */
static int
guarded(struct map_db *m, struct dbop *op)
{
	sigjmp_buf jb;
	sigjmp_buf *volatile saved = guard_jmp;
	int	err;

	if (sigsetjmp(jb, 0) != 0) {
		guard_jmp = saved;
		abandon(m);
		return DB_RUNRECOVERY;
	}
	guard_jmp = &jb;
	err = dbop_call(op);
	guard_jmp = saved;
	return err;
}

/* db_errcall - keep Berkeley DB's last message for the error text */
static void
db_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
	struct map_db *m = env->app_private;

	(void)pfx;
	if (m != NULL)
		snprintf(m->dberr, sizeof(m->dberr), "%s", msg);
}

/* db_fail - fill e with what failed, the error and Berkeley DB's message */
static int
db_fail(struct map_db *m, struct cerr *e, const char *what, int err)
{
	if (m->dberr[0])
		cerr_set(e, "%s %s: %s (%s)", what, m->path, db_strerror(err), m->dberr);
	else
		cerr_set(e, "%s %s: %s", what, m->path, db_strerror(err));
	m->dberr[0] = '\0';
	return -1;
}

/* split_name - "hash:/path/name" or "/path/name" to path.db, dir, base */
static int
split_name(struct map_db *m, const char *name, struct cerr *e)
{
	const char *p = name, *colon = strchr(name, ':'), *slash;
	size_t	n;

	if (colon != NULL && (strchr(name, '/') == NULL || colon < strchr(name, '/'))) {
		if (strncmp(name, "hash:", 5) != 0)
			return cerr_set(e, "%s: unsupported table type (only hash:)", name);
		p = name + 5;
	}
	if (*p == '\0')
		return cerr_set(e, "%s: empty table path", name);
	n = strlen(p);
	if ((m->path = malloc(n + 4)) == NULL || (m->dir = malloc(n + 2)) == NULL)
		return cerr_set(e, "%s: out of memory", name);
	memcpy(m->path, p, n);
	memcpy(m->path + n, ".db", 4);
	slash = strrchr(m->path, '/');
	m->base = slash ? slash + 1 : m->path;
	if (slash == NULL)
		strcpy(m->dir, ".");
	else if (slash == m->path)
		strcpy(m->dir, "/");
	else
		snprintf(m->dir, n + 2, "%.*s", (int)(slash - m->path), m->path);
	return 0;
}

static u_int32_t
cache_size(int flags)
{
	if (flags & MAP_BULK)
		return MAP_BULK_CACHE;
	return (flags & MAP_RDWR) ? MAP_WRITE_CACHE : MAP_READ_CACHE;
}

/* env_open - the private environment Postfix's dict_db_new_env() makes */
static int
env_open(struct map_db *m, struct cerr *e)
{
	int	err;

	if ((err = db_env_create(&m->env, 0)) != 0)
		return db_fail(m, e, "create environment for", err);
	m->env->app_private = m;
	m->env->set_errcall(m->env, db_errcall);
	if ((err = m->env->set_cachesize(m->env, 0, cache_size(m->flags), 1)) != 0)
		return db_fail(m, e, "set cache size for", err);
	err = m->env->open(m->env, m->dir, DB_INIT_MPOOL | DB_CREATE | DB_PRIVATE, 0);
	if (err != 0)
		return db_fail(m, e, "open environment for", err);
	return 0;
}

/* file_open - open the database file itself */
static int
file_open(struct map_db *m, struct cerr *e)
{
	struct dbop op = {0};
	u_int32_t dbflags = 0;
	int	err;

	if ((err = db_create(&m->db, m->env, 0)) != 0)
		return db_fail(m, e, "create handle for", err);
	if ((err = m->db->set_h_nelem(m->db, MAP_NELEM)) != 0)
		return db_fail(m, e, "set element count for", err);
	if ((m->flags & MAP_RDWR) == 0)
		dbflags |= DB_RDONLY;
	if (m->flags & MAP_CREATE)
		dbflags |= DB_CREATE;
	op.kind = OP_OPEN;
	op.db = m->db;
	op.name = m->base;
	op.flags = dbflags;
	if ((err = guarded(m, &op)) != 0) {
		errno = err;
		if (err == ENOENT)
			return cerr_set(e, "open %s: table does not exist", m->path);
		return db_fail(m, e, "open", err);
	}
	return 0;
}

/* handle_close - close the database, environment and lock descriptor */
static void
handle_close(struct map_db *m)
{
	struct dbop op = {0};

	op.kind = OP_CLOSE;
	op.db = m->db;
	if (m->db != NULL)
		(void)guarded(m, &op);	/* after a fault, abandon() cleared m */
	if (m->env != NULL)
		(void)m->env->close(m->env, 0);
	if (m->lock_fd >= 0)
		(void)close(m->lock_fd);
	m->db = NULL;
	m->env = NULL;
	m->lock_fd = m->dbfd = -1;
	m->form = FORM_UNKNOWN;
}

/* same_file - do the Berkeley DB descriptor and ours name one file? */
static int
same_file(struct map_db *m, struct cerr *e)
{
	struct stat st;
	int	dbfd;

	if (m->db->fd(m->db, &dbfd) != 0 || fstat(dbfd, &st) < 0)
		return cerr_set(e, "fstat %s: %s", m->path, strerror(errno));
	m->dbfd = dbfd;
	return st.st_ino == m->id.st_ino && st.st_dev == m->id.st_dev;
}

static int
flock_retry(int fd, int op)
{
	int	r;

	while ((r = flock(fd, op)) < 0 && errno == EINTR)
		;
	return r;
}

/*
 * handle_open - open lock descriptor and database; the shared lock held
 * while Berkeley DB reads the file keeps a rebuild by postmap out.
 */
static int
handle_open_try(struct map_db *m, struct cerr *e)
{
	int	r, tries;

	for (tries = 0; tries < MAP_REOPEN_TRIES; tries++) {
		m->lock_fd = open(m->path, O_RDONLY | O_CLOEXEC);
		if (m->lock_fd < 0 && errno == ENOENT && !(m->flags & MAP_CREATE))
			return cerr_set(e, "open %s: table does not exist", m->path);
		if (m->lock_fd < 0 && errno != ENOENT)
			return cerr_set(e, "open %s: %s", m->path, strerror(errno));
		if (m->lock_fd >= 0 && flock_retry(m->lock_fd, LOCK_SH) < 0)
			return cerr_set(e, "lock %s: %s", m->path, strerror(errno));
		if (env_open(m, e) < 0 || file_open(m, e) < 0)
			return -1;
		if (m->lock_fd < 0 && (m->lock_fd = open(m->path, O_RDONLY | O_CLOEXEC)) < 0)
			return cerr_set(e, "open %s: %s", m->path, strerror(errno));
		if (fstat(m->lock_fd, &m->id) < 0)
			return cerr_set(e, "fstat %s: %s", m->path, strerror(errno));
		if ((r = same_file(m, e)) < 0)
			return -1;
		(void)flock_retry(m->lock_fd, LOCK_UN);
		if (r == 1)
			return 0;
		handle_close(m);	/* replaced while we opened it: again */
	}
	return cerr_set(e, "open %s: file keeps changing", m->path);
}

/* handle_open - as handle_open_try; a failure releases lock and descriptors */
static int
handle_open(struct map_db *m, struct cerr *e)
{
	if (handle_open_try(m, e) == 0)
		return 0;
	handle_close(m);
	return -1;
}

struct map_db *
map_db_open(const char *name, int flags, struct cerr *e)
{
	struct map_db *m;
	int	major, minor, saved;

	(void)db_version(&major, &minor, NULL);
	if (major != DB_VERSION_MAJOR || minor != DB_VERSION_MINOR) {
		cerr_set(e, "%s: Berkeley DB is %d.%d, built for %d.%d", name,
			 major, minor, DB_VERSION_MAJOR, DB_VERSION_MINOR);
		return NULL;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		cerr_set(e, "%s: out of memory", name);
		return NULL;
	}
	(void)pthread_once(&guard_once, guard_install);
	m->lock_fd = m->dbfd = -1;
	m->flags = (flags & MAP_CREATE) ? flags | MAP_RDWR : flags;
	if ((m->name = strdup(name)) == NULL) {
		cerr_set(e, "%s: out of memory", name);
		map_db_close(m);
		return NULL;
	}
	if (split_name(m, name, e) < 0 || handle_open(m, e) < 0) {
		saved = errno;
		map_db_close(m);
		errno = saved;
		return NULL;
	}
	return m;
}

/* changed - has the file at our path changed since we opened or wrote it? */
static int
changed(const struct map_db *m)
{
	struct stat st;

	if (stat(m->path, &st) < 0)
		return 1;
	return st.st_ino != m->id.st_ino || st.st_dev != m->id.st_dev
	    || st.st_mtim.tv_sec != m->id.st_mtim.tv_sec
	    || st.st_mtim.tv_nsec != m->id.st_mtim.tv_nsec
	    || st.st_size != m->id.st_size || st.st_nlink != m->id.st_nlink;
}

/*
 * prepare - take the lock for one operation, reopening first when the
 * file changed or an earlier error left the handle suspect.
 */
static int
prepare(struct map_db *m, int op, struct cerr *e)
{
	int	tries;

	if (m->batch)
		return m->db ? 0 : db_fail(m, e, "batch on", DB_RUNRECOVERY);
	/* the file that faulted, unchanged: reopening would fault and leak again */
	if (m->faulted && !changed(m))
		return cerr_set(e, "%s: memory fault inside Berkeley DB: the file is "
				"corrupt (waiting for it to be rebuilt)", m->path);
	m->faulted = 0;
	for (tries = 0; tries < MAP_REOPEN_TRIES; tries++) {
		if (m->broken || m->lock_fd < 0) {
			handle_close(m);
			if (handle_open(m, e) < 0)
				return -1;
			m->broken = 0;
		}
		if (flock_retry(m->lock_fd, op) < 0)
			return cerr_set(e, "lock %s: %s", m->path, strerror(errno));
		if (!changed(m))
			return 0;
		(void)flock_retry(m->lock_fd, LOCK_UN);
		m->broken = 1;
	}
	return cerr_set(e, "%s: file keeps changing", m->path);
}

/* finish - after an operation: sync our writes, record identity, unlock */
static int
finish(struct map_db *m, int wrote, struct cerr *e)
{
	struct dbop op = {0};
	int	err, r = 0;

	if (m->batch || m->lock_fd < 0)
		return 0;
	op.kind = OP_SYNC;
	op.db = m->db;
	if (wrote && m->db != NULL && (err = guarded(m, &op)) != 0) {
		r = db_fail(m, e, "sync", err);
		m->broken = 1;
	}
	if (m->lock_fd < 0)
		return r;
	if (wrote && fstat(m->lock_fd, &m->id) < 0)
		m->broken = 1;
	(void)flock_retry(m->lock_fd, LOCK_UN);
	return r;
}

/* fold_key - check a key and fold it to lower case into out */
static int
fold_key(const char *key, char out[MAP_KEY_MAX + 1], size_t *len, struct cerr *e)
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
 * db_keyop - one guarded get, put or delete of key (klen bytes); v is the
 * value to put, or receives the one got (NULL for delete).  1 done, 0 not
 * there, -1 error (the handle is then reopened before the next use).
 */
static int
db_keyop(struct map_db *m, enum dbop_kind kind, const char *key, size_t klen,
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
	err = guarded(m, &op);
	if (err == DB_NOTFOUND || err == DB_KEYEMPTY)
		return 0;
	if (err != 0) {
		m->broken = 1;
		return db_fail(m, e, what, err);
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

/* db_get - one get; 1 found (val set), 0 not, -1 error */
static int
db_get(struct map_db *m, const char *key, size_t klen, struct buf *val,
       struct cerr *e)
{
	DBT	v;
	int	r;

	memset(&v, 0, sizeof(v));
	if ((r = db_keyop(m, OP_GET, key, klen, &v, "read", e)) != 1)
		return r;
	if (buf_set(val, v.data, strip_nul(&v)) < 0)
		return cerr_set(e, "%s: value of \"%s\" longer than %zu bytes",
				m->path, key, val->max);
	return 1;
}

/*
 * by_form - one get (val set) or delete of key in the table's NUL
 * convention, or in both while it is unknown, as dict_db_lookup() and
 * dict_db_delete(); remembers the form found.  1 done, 0 not there, -1 error
 */
static int
by_form(struct map_db *m, enum dbop_kind kind, const char *key, size_t klen,
	struct buf *val, struct cerr *e)
{
	int	r = 0, nul;

	for (nul = 1; nul >= 0 && r == 0; nul--) {
		if (m->form == (nul ? FORM_NONUL : FORM_NUL))
			continue;
		r = kind == OP_GET ? db_get(m, key, klen + nul, val, e)
		    : db_keyop(m, OP_DEL, key, klen + nul, NULL, "delete from", e);
		if (r == 1)
			m->form = nul ? FORM_NUL : FORM_NONUL;
	}
	return r;
}

int
map_db_lookup(struct map_db *m, const char *key, struct buf *val, struct cerr *e)
{
	char	k[MAP_KEY_MAX + 1];
	size_t	klen;
	int	r;

	if (fold_key(key, k, &klen, e) < 0 || prepare(m, LOCK_SH, e) < 0)
		return -1;
	r = by_form(m, OP_GET, k, klen, val, e);
	(void)finish(m, 0, NULL);
	return r;
}

/* detect_form - which convention does this table use?  Its first record says */
static int
detect_form(struct map_db *m, struct cerr *e)
{
	struct dbop op = {0};
	DBC    *c;
	DBT	k, v;
	int	err;

	if ((err = m->db->cursor(m->db, NULL, &c, 0)) != 0)
		return db_fail(m, e, "read", err);
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	op.kind = OP_CGET;
	op.c = c;
	op.k = &k;
	op.v = &v;
	op.flags = DB_FIRST;
	err = guarded(m, &op);
	if (m->db != NULL)
		(void)c->close(c);
	if (err != 0 && err != DB_NOTFOUND)
		return db_fail(m, e, "read", err);
	if (err == 0 && (k.size == 0 || ((char *)k.data)[k.size - 1] != '\0'))
		m->form = FORM_NONUL;
	else
		m->form = FORM_NUL;	/* postmap's default on this system */
	return 0;
}

/* check_writable - the common refusals of update and delete */
static int
check_writable(struct map_db *m, struct cerr *e)
{
	if ((m->flags & MAP_RDWR) == 0)
		return cerr_set(e, "%s: table opened read-only", m->path);
	return 0;
}

/* db_put - store one pair in the table's convention */
static int
db_put(struct map_db *m, const char *key, size_t klen, const char *value,
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
	return db_keyop(m, OP_PUT, key, klen + nul, &v, "write", e) < 0 ? -1 : 0;
}

int
map_db_update(struct map_db *m, const char *key, const char *value, struct cerr *e)
{
	char	k[MAP_KEY_MAX + 1];
	size_t	klen, vlen = strlen(value);
	int	r;

	if (check_writable(m, e) < 0 || fold_key(key, k, &klen, e) < 0)
		return -1;
	if (vlen > MAP_VALUE_MAX)
		return cerr_set(e, "value longer than %d bytes", MAP_VALUE_MAX);
	if (strpbrk(value, "\r\n") != NULL)
		return cerr_set(e, "value contains CR or LF");
	if (prepare(m, LOCK_EX, e) < 0)
		return -1;
	r = db_put(m, k, klen, value, e);
	if (finish(m, r == 0, r == 0 ? e : NULL) < 0)
		r = -1;
	return r;
}

int
map_db_delete(struct map_db *m, const char *key, struct cerr *e)
{
	char	k[MAP_KEY_MAX + 1];
	size_t	klen;
	int	r;

	if (check_writable(m, e) < 0 || fold_key(key, k, &klen, e) < 0)
		return -1;
	if (prepare(m, LOCK_EX, e) < 0)
		return -1;
	r = by_form(m, OP_DEL, k, klen, NULL, e);
	if (finish(m, r == 1, r == 1 ? e : NULL) < 0)
		r = -1;
	return r;
}

/* walk_cursor - call fn for each pair; the caller holds the lock */
static int
walk_cursor(struct map_db *m,
	    int (*fn)(const char *, size_t, const char *, size_t, void *),
	    void *ctx, struct buf *kb, struct buf *vb, struct cerr *e)
{
	struct dbop op = {0};
	DBC    *c;
	DBT	k, v;
	int	err, r = 0;

	if ((err = m->db->cursor(m->db, NULL, &c, 0)) != 0)
		return db_fail(m, e, "read", err);
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	op.kind = OP_CGET;
	op.c = c;
	op.k = &k;
	op.v = &v;
	op.flags = DB_NEXT;
	while (r == 0 && (err = guarded(m, &op)) == 0) {
		/* copies: NUL-terminated, and safe if fn looks at them later */
		if (buf_set(kb, k.data, strip_nul(&k)) < 0
		    || buf_set(vb, v.data, strip_nul(&v)) < 0) {
			r = cerr_set(e, "%s: record longer than %d bytes", m->path,
				     MAP_VALUE_MAX);
			break;
		}
		r = fn(kb->data, kb->len, vb->data, vb->len, ctx);
	}
	if (m->db != NULL)
		(void)c->close(c);
	if (r == 0 && err != DB_NOTFOUND) {
		m->broken = 1;
		return db_fail(m, e, "read", err);
	}
	return r;
}

int
map_db_walk(struct map_db *m,
	    int (*fn)(const char *key, size_t klen, const char *val, size_t vlen, void *ctx),
	    void *ctx, struct cerr *e)
{
	struct buf kb, vb;
	int	r;

	if (prepare(m, m->batch ? LOCK_EX : LOCK_SH, e) < 0)
		return -1;
	buf_init(&kb, MAP_VALUE_MAX);
	buf_init(&vb, MAP_VALUE_MAX);
	r = walk_cursor(m, fn, ctx, &kb, &vb, e);
	buf_free(&kb);
	buf_free(&vb);
	(void)finish(m, 0, NULL);
	return r;
}

int
map_db_begin(struct map_db *m, struct cerr *e)
{
	if (check_writable(m, e) < 0)
		return -1;
	if (m->batch)
		return cerr_set(e, "%s: batch already open", m->path);
	if (prepare(m, LOCK_EX, e) < 0)
		return -1;
	m->batch = 1;
	return 0;
}

int
map_db_commit(struct map_db *m, struct cerr *e)
{
	if (!m->batch)
		return cerr_set(e, "%s: no batch open", m->path);
	m->batch = 0;
	return finish(m, 1, e);
}

const char *
map_db_path(const struct map_db *m)
{
	return m->path;
}

void
map_db_close(struct map_db *m)
{
	if (m == NULL)
		return;
	if (m->batch)
		(void)map_db_commit(m, NULL);
	handle_close(m);
	free(m->name);
	free(m->path);
	free(m->dir);
	free(m);
}

/* is_reject - is this access(5) action anything but OK, DUNNO or 2xx/numeric? */
static int
is_reject(const char *v)
{
	size_t	n, i;

	while (*v == ' ' || *v == '\t')
		v++;
	n = strcspn(v, " \t");
	if ((n == 2 && strncasecmp(v, "OK", 2) == 0)
	    || (n == 5 && strncasecmp(v, "DUNNO", 5) == 0))
		return 0;
	for (i = 0; i < n && isdigit((unsigned char)v[i]); i++)
		;
	if (n > 0 && i == n && (v[n] == '\0' || v[0] == '2'))
		return 0;
	return 1;
}

/* try_key - one access(5) probe; 1 decided (see *hit), 0 go on, -1 error */
static int
try_key(struct map_db *m, const char *key, struct buf *val, int *hit,
	struct cerr *e)
{
	char	k[MAP_KEY_MAX + 1];
	size_t	klen;
	int	r;

	if (fold_key(key, k, &klen, e) < 0)
		return -1;
	if ((r = by_form(m, OP_GET, k, klen, val, e)) <= 0)
		return r;
	*hit = is_reject(buf_cstr(val));
	return 1;
}

/* try_domains - the domain, then each parent domain (smtpd_access_maps) */
static int
try_domains(struct map_db *m, const char *dom, struct buf *val, int *hit,
	    struct cerr *e)
{
	const char *name, *next;
	int	r;

	for (name = dom;; name = next + 1) {
		if ((r = try_key(m, name, val, hit, e)) != 0)
			return r;
		if ((next = strchr(name + 1, '.')) == NULL || next[1] == '\0')
			return 0;
	}
}

/* access_probe - the lookup order of check_recipient_access */
static int
access_probe(struct map_db *m, const char *key, struct buf *val, int *hit,
	     struct cerr *e)
{
	char	tmp[MAP_KEY_MAX + 2];
	const char *at = strrchr(key, '@');
	int	r;

	if (at == NULL)				/* a bare domain */
		return try_domains(m, key, val, hit, e);
	if (at != key && (r = try_key(m, key, val, hit, e)) != 0)
		return r;
	if (at[1] && (r = try_key(m, at, val, hit, e)) != 0)
		return r;
	if (at[1] && (r = try_domains(m, at + 1, val, hit, e)) != 0)
		return r;
	if (at == key)
		return 0;
	snprintf(tmp, sizeof(tmp), "%.*s@", (int)(at - key), key);
	return try_key(m, tmp, val, hit, e);
}

int
suppress_lookup(struct map_db *m, const char *addr_key, struct buf *val,
		struct cerr *e)
{
	int	r, hit = 0;

	if (*addr_key == '\0')
		return cerr_set(e, "empty address");
	if (strlen(addr_key) > MAP_KEY_MAX)
		return cerr_set(e, "lookup key longer than %d bytes", MAP_KEY_MAX);
	if (prepare(m, LOCK_SH, e) < 0)
		return -1;
	r = access_probe(m, addr_key, val, &hit, e);
	(void)finish(m, 0, NULL);
	if (r < 0)
		return -1;
	return r == 1 && hit;
}
