/*
 * NAME
 *	map_db - open, lock, watch and close the Berkeley DB file of a
 *	hash: table; batches (see map_db.h; internals in map_handle.h)
 * SYNOPSIS
 *	#include "map_handle.h"
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
 *	Making a write visible to Postfix: a Postfix daemon records the
 *	file's mtime in whole seconds when it opens a table, and restarts
 *	when that second changes (dict_changed_name()).  A write in the same
 *	second as the write before it leaves the second unchanged, so a
 *	daemon that opened the table between the two would never see the
 *	second one.  After every write whose mtime is not later than the one
 *	before, publish() sets it to that second + 1 (futimens(2), as the
 *	file's owner or root), so every write moves the second forward.  A
 *	burst of several commits a second runs the mtime ahead of the clock
 *	by one second per extra commit; it never goes back.  A writer that
 *	does not own the file cannot set a time: after releasing its
 *	exclusive lock (so Postfix's lookups do not wait with it) it waits
 *	for the next second and, under a shared lock, touches the file with
 *	the current time instead (both times, futimens(fd, NULL): the only
 *	change the kernel allows one who may write but does not own), unless someone has moved the second on
 *	meanwhile (when another writer already moved it ahead of the clock,
 *	nothing it can do is later, and the write stays invisible to a
 *	daemon until the next owner's write).
 *
 *	After a fault inside Berkeley DB (map_guard.h) the handle is
 *	abandoned: descriptors closed, its memory buried, not freed; later
 *	operations fail at once until the file changes (postmap rebuilt or
 *	replaced it), then reopen it, so a corrupt table leaks one handle,
 *	not one per lookup.
 *
 *	Nothing here prints: Berkeley DB's own messages are captured with an
 *	error callback and added to the error text.
 * DIAGNOSTICS
 *	Functions return -1 with the error text in the caller's struct cerr.
 * SEE ALSO
 *	map_db.h, map_guard.h; Postfix src/util/dict_db.c, src/util/mkmap_db.c,
 *	postmap(1); OpenSMTPD table_db.c; Berkeley DB 5.3 C API.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "map_db.h"
#include "map_handle.h"

#define MAP_READ_CACHE	(128 * 1024)		/* berkeley_db_read_buffer_size */
#define MAP_WRITE_CACHE	(16 * 1024 * 1024)	/* berkeley_db_create_buffer_size */
#define MAP_NELEM	4096			/* Postfix DICT_DB_NELM */
#define MAP_REOPEN_TRIES 5

/* db_errcall - keep Berkeley DB's last message for the error text */
static void
db_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
	struct map_db *m = env->app_private;

	(void)pfx;
	if (m != NULL)
		snprintf(m->dberr, sizeof(m->dberr), "%s", msg);
}

/* map_fail - fill e with what failed, the error and Berkeley DB's message */
int
map_fail(struct map_db *m, struct cerr *e, const char *what, int err)
{
	if (m->dberr[0])
		cerr_set(e, "%s %s: %s (%s)", what, m->path, db_strerror(err), m->dberr);
	else
		cerr_set(e, "%s %s: %s", what, m->path, db_strerror(err));
	m->dberr[0] = '\0';
	return -1;
}

/* abandon - after a fault: drop the handle without calling into it */
static void
abandon(struct map_db *m)
{
	map_guard_bury(m->db, m->env);
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

int
map_call(struct map_db *m, struct dbop *op)
{
	int	faulted, err = map_guard_call(op, &faulted);

	if (faulted)
		abandon(m);
	return err;
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
		return map_fail(m, e, "create environment for", err);
	m->env->app_private = m;
	m->env->set_errcall(m->env, db_errcall);
	if ((err = m->env->set_cachesize(m->env, 0, cache_size(m->flags), 1)) != 0)
		return map_fail(m, e, "set cache size for", err);
	err = m->env->open(m->env, m->dir, DB_INIT_MPOOL | DB_CREATE | DB_PRIVATE, 0);
	if (err != 0)
		return map_fail(m, e, "open environment for", err);
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
		return map_fail(m, e, "create handle for", err);
	if ((err = m->db->set_h_nelem(m->db, MAP_NELEM)) != 0)
		return map_fail(m, e, "set element count for", err);
	if ((m->flags & MAP_RDWR) == 0)
		dbflags |= DB_RDONLY;
	if (m->flags & MAP_CREATE)
		dbflags |= DB_CREATE;
	op.kind = OP_OPEN;
	op.db = m->db;
	op.name = m->base;
	op.flags = dbflags;
	if ((err = map_call(m, &op)) != 0) {
		errno = err;
		if (err == ENOENT)
			return cerr_set(e, "open %s: table does not exist", m->path);
		return map_fail(m, e, "open", err);
	}
	return 0;
}

/* db_close - close the database and environment; the lock stays */
static void
db_close(struct map_db *m)
{
	struct dbop op = {0};

	op.kind = OP_CLOSE;
	op.db = m->db;
	if (m->db != NULL)
		(void)map_call(m, &op);	/* after a fault, abandon() cleared m */
	if (m->env != NULL)
		(void)m->env->close(m->env, 0);
	m->db = NULL;
	m->env = NULL;
	m->dbfd = -1;
	m->form = FORM_UNKNOWN;
}

/* handle_close - close the database, environment and lock descriptor */
static void
handle_close(struct map_db *m)
{
	db_close(m);
	if (m->lock_fd >= 0)
		(void)close(m->lock_fd);
	m->lock_fd = -1;
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
 * db_open_locked - open the environment and the database while lock_fd's
 * lock is held (lock_fd is opened here when the file was only now
 * created); m->id becomes lock_fd's file.  1 the database is that file,
 * 0 another (replaced meanwhile), -1 error.
 */
static int
db_open_locked(struct map_db *m, struct cerr *e)
{
	if (env_open(m, e) < 0 || file_open(m, e) < 0)
		return -1;
	if (m->lock_fd < 0 && (m->lock_fd = open(m->path, O_RDONLY | O_CLOEXEC)) < 0)
		return cerr_set(e, "open %s: %s", m->path, strerror(errno));
	if (fstat(m->lock_fd, &m->id) < 0)
		return cerr_set(e, "fstat %s: %s", m->path, strerror(errno));
	return same_file(m, e);
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
		if ((r = db_open_locked(m, e)) < 0)
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
	map_guard_install();
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

/* what the path names now, against the file we opened or wrote */
enum file_state {
	FILE_SAME,			/* unchanged */
	FILE_WRITTEN,			/* the same file, written in place */
	FILE_REPLACED			/* another file (postmap), or none */
};

static enum file_state
file_state(const struct map_db *m)
{
	struct stat st;

	if (stat(m->path, &st) < 0 || st.st_ino != m->id.st_ino
	    || st.st_dev != m->id.st_dev)
		return FILE_REPLACED;
	if (st.st_mtim.tv_sec != m->id.st_mtim.tv_sec
	    || st.st_mtim.tv_nsec != m->id.st_mtim.tv_nsec
	    || st.st_size != m->id.st_size || st.st_nlink != m->id.st_nlink)
		return FILE_WRITTEN;
	return FILE_SAME;
}

/*
 * reopen_locked - the file we hold the lock of was written in place by
 * another writer: reopen the database under that lock, so that our view
 * is the file as it now is.  A busy table (many writers, each write
 * moving the mtime) cannot then starve a writer, as reopening unlocked
 * and locking again could.  1 done, 0 the path names another file now
 * (the caller reopens by name), -1 error.
 */
static int
reopen_locked(struct map_db *m, struct cerr *e)
{
	db_close(m);
	return db_open_locked(m, e);
}

/*
 * map_lock - take the lock for one operation, reopening first when the
 * file changed or an earlier error left the handle suspect.
 */
int
map_lock(struct map_db *m, int op, struct cerr *e)
{
	enum file_state fs;
	int	tries, r;

	if (m->batch)
		return m->db ? 0 : map_fail(m, e, "batch on", DB_RUNRECOVERY);
	/* the file that faulted, unchanged: reopening would fault and leak again */
	if (m->faulted && file_state(m) == FILE_SAME)
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
		if ((fs = file_state(m)) == FILE_SAME)
			return 0;
		if ((r = fs == FILE_WRITTEN ? reopen_locked(m, e) : 0) == 1)
			return 0;
		(void)flock_retry(m->lock_fd, LOCK_UN);
		m->broken = 1;
		if (r < 0)
			return -1;
	}
	return cerr_set(e, "%s: file keeps changing", m->path);
}

#ifdef CLOCK_REALTIME_COARSE
#define FILE_CLOCK CLOCK_REALTIME_COARSE	/* the clock file times come from */
#else
#define FILE_CLOCK CLOCK_REALTIME
#endif

/*
 * sleep_past - sleep until the clock that stamps files is past second t
 * (Linux stamps with the coarse clock, a tick behind CLOCK_REALTIME)
 */
static void
sleep_past(time_t t)
{
	struct timespec now, d;
	int	tries;

	for (tries = 0; tries < 3; tries++) {	/* a tick behind t, t: 2 seconds */
		if (clock_gettime(FILE_CLOCK, &now) < 0 || now.tv_sec > t
		    || now.tv_sec < t - 1)		/* clock set back: no waiting */
			return;
		d.tv_sec = 0;
		d.tv_nsec = 1000000000L - now.tv_nsec;
		if (d.tv_nsec < 1000000L)
			d.tv_nsec = 1000000L;
		while (nanosleep(&d, &d) < 0 && errno == EINTR)
			;
	}
}

/*
 * publish - after a write, under the lock: make its mtime second later than
 * before (above).  Returns 1 when we do not own the file, so the caller
 * waits for the next second after unlocking (touch_late()).
 */
static int
publish(struct map_db *m, time_t before)
{
	struct timespec ts[2] = {{0, UTIME_OMIT}, {before + 1, 0}};

	if (m->id.st_mtim.tv_sec > before)
		return 0;
	if (futimens(m->lock_fd, ts) < 0)
		return before <= time(NULL);	/* ahead of the clock: nothing to do */
	if (fstat(m->lock_fd, &m->id) < 0)
		m->broken = 1;
	return 0;
}

/*
 * touch_late - a writer that does not own the file, after unlocking: wait
 * for the next second, then set the mtime to now under a shared lock, so
 * Postfix's lookups never wait with us.  A write by someone else since
 * ours leaves our identity stale and the next lock reopens the file.
 */
static void
touch_late(struct map_db *m, time_t before)
{
	struct stat st;
	int	ours;

	sleep_past(before);
	if (flock_retry(m->lock_fd, LOCK_SH) < 0) {
		m->broken = 1;
		return;
	}
	ours = file_state(m) == FILE_SAME;
	if (fstat(m->lock_fd, &st) == 0 && st.st_mtim.tv_sec <= before)
		(void)futimens(m->lock_fd, NULL);	/* both now: write access will do */
	if (ours && fstat(m->lock_fd, &m->id) < 0)
		m->broken = 1;
	(void)flock_retry(m->lock_fd, LOCK_UN);
}

/* map_unlock - after an operation: sync our writes, record identity, unlock */
int
map_unlock(struct map_db *m, int wrote, struct cerr *e)
{
	struct dbop op = {0};
	time_t	before = m->id.st_mtim.tv_sec;
	int	err, late = 0, r = 0;

	if (m->batch || m->lock_fd < 0)
		return 0;
	op.kind = OP_SYNC;
	op.db = m->db;
	if (wrote && m->db != NULL && (err = map_call(m, &op)) != 0) {
		r = map_fail(m, e, "sync", err);
		m->broken = 1;
	}
	if (m->lock_fd < 0)
		return r;
	if (wrote && fstat(m->lock_fd, &m->id) < 0)
		m->broken = 1;
	else if (wrote && r == 0)
		late = publish(m, before);
	(void)flock_retry(m->lock_fd, LOCK_UN);
	if (late)
		touch_late(m, before);
	return r;
}

int
map_writable(const struct map_db *m, struct cerr *e)
{
	if ((m->flags & MAP_RDWR) == 0)
		return cerr_set(e, "%s: table opened read-only", m->path);
	return 0;
}

int
map_db_begin(struct map_db *m, struct cerr *e)
{
	if (map_writable(m, e) < 0)
		return -1;
	if (m->batch)
		return cerr_set(e, "%s: batch already open", m->path);
	if (map_lock(m, LOCK_EX, e) < 0)
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
	return map_unlock(m, 1, e);
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
