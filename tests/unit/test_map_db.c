/*
 * NAME
 *	test_map_db - unit tests for lib/map_db.c
 * DESCRIPTION
 *	Works in a fresh directory under $TMPDIR (or /tmp).  Tables with the
 *	trailing NUL (postmap's default, -N) and without it (postmap -n) are
 *	also written directly with Berkeley DB, so the bytes on disk are
 *	checked, not only what map_db reads back.  Interoperability with the
 *	real postmap is tests/integration/suppress_postmap_interop.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <db.h>

#include "map_db.h"
#include "testhelp.h"

static char dir[256];

/* tpath - "DIR/name" in a static buffer (one at a time) */
static const char *
tpath(const char *name)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

/* raw_put - write one pair with Berkeley DB, bytes exactly as given */
static void
raw_put(const char *file, const char *k, size_t kn, const char *v, size_t vn)
{
	DB     *db;
	DBT	key, val;

	memset(&key, 0, sizeof(key));
	memset(&val, 0, sizeof(val));
	key.data = (void *)k;
	key.size = (u_int32_t)kn;
	val.data = (void *)v;
	val.size = (u_int32_t)vn;
	if (db_create(&db, NULL, 0) != 0
	    || db->open(db, NULL, file, NULL, DB_HASH, DB_CREATE, 0644) != 0
	    || db->put(db, NULL, &key, &val, 0) != 0) {
		printf("FAIL raw_put %s\n", file);
		exit(1);
	}
	db->close(db, 0);
}

/* raw_get - value size of key (exact bytes), or -1 when absent */
static long
raw_get(const char *file, const char *k, size_t kn)
{
	DB     *db;
	DBT	key, val;
	long	r = -1;

	memset(&key, 0, sizeof(key));
	memset(&val, 0, sizeof(val));
	key.data = (void *)k;
	key.size = (u_int32_t)kn;
	if (db_create(&db, NULL, 0) != 0
	    || db->open(db, NULL, file, NULL, DB_HASH, DB_RDONLY, 0) != 0)
		return -2;
	if (db->get(db, NULL, &key, &val, 0) == 0)
		r = (long)val.size;
	db->close(db, 0);
	return r;
}

static void
test_open_errors(void)
{
	static const struct {
		const char *name;
		int	flags;
		const char *want;	/* substring of the error */
	}	cases[] = {
		{"hash:%s/missing", MAP_RDONLY, "does not exist"},
		{"hash:%s/missing", MAP_RDWR, "does not exist"},
		{"btree:%s/x", MAP_RDONLY, "unsupported table type"},
		{"hash:", MAP_RDONLY, "empty table path"},
		{"hash:%s/garbage", MAP_RDONLY, "garbage.db"},
		{"hash:%s/empty", MAP_RDONLY, "empty.db"},
	};
	size_t	i;
	int	fd;

	fd = open(tpath("garbage.db"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (i = 0; i < 2000; i++)
		(void)!write(fd, "garbage!", 8);
	close(fd);
	close(open(tpath("empty.db"), O_WRONLY | O_CREAT | O_TRUNC, 0644));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char	name[512];
		struct cerr e;
		struct map_db *m;

		snprintf(name, sizeof(name), cases[i].name, dir);
		cerr_clear(&e);
		m = map_db_open(name, cases[i].flags, &e);
		CHECK(m == NULL, "open %s fails", name);
		CHECK(strstr(e.msg, cases[i].want) != NULL,
		      "open %s error: got \"%s\", want \"...%s...\"", name, e.msg, cases[i].want);
		map_db_close(m);
	}
}

/* test_nul_convention - what we write, and reading both conventions */
static void
test_nul_convention(void)
{
	struct cerr e;
	struct buf v;
	struct map_db *m;
	char	p[512];

	buf_init(&v, MAP_VALUE_MAX);
	m = map_db_open(tpath("nul"), MAP_RDWR | MAP_CREATE, &e);
	CHECK(m != NULL, "create nul: %s", e.msg);
	CHECK_INT(map_db_update(m, "User@Example.COM", "550 5.7.1 x", &e), 0, "update");
	map_db_close(m);
	snprintf(p, sizeof(p), "%s", tpath("nul.db"));
	CHECK_INT(raw_get(p, "user@example.com", 17), 12, "stored key and value with NUL");
	CHECK_INT(raw_get(p, "user@example.com", 16), -1, "no key without NUL");

	snprintf(p, sizeof(p), "%s", tpath("nonul.db"));
	raw_put(p, "a@b.example", 11, "REJECT", 6);
	m = map_db_open(tpath("nonul"), MAP_RDWR, &e);
	CHECK(m != NULL, "open nonul: %s", e.msg);
	CHECK_INT(map_db_lookup(m, "A@B.example", &v, &e), 1, "lookup no-NUL table");
	CHECK_STR(buf_cstr(&v), "REJECT", "value from no-NUL table");
	CHECK_INT(map_db_update(m, "c@d.example", "550 y", &e), 0, "update no-NUL table");
	map_db_close(m);
	CHECK_INT(raw_get(p, "c@d.example", 11), 5, "no-NUL table keeps its form");
	CHECK_INT(raw_get(p, "c@d.example", 12), -1, "no NUL added to no-NUL table");
	buf_free(&v);
}

struct op_case {
	char	op;			/* u update, l lookup, d delete */
	const char *key;
	const char *val;		/* update: value; lookup: want (NULL none) */
	int	ret;
	const char *err;		/* substring of the error when ret < 0 */
};

static char longkey[MAP_KEY_MAX + 2];

static const struct op_case op_cases[] = {
	{'l', "nobody@example.com", NULL, 0, NULL},
	{'u', "Mixed.Case+tag@Example.COM", "550 5.7.1 suppressed: test", 0, NULL},
	{'l', "mixed.case+tag@example.com", "550 5.7.1 suppressed: test", 1, NULL},
	{'l', "MIXED.CASE+TAG@EXAMPLE.COM", "550 5.7.1 suppressed: test", 1, NULL},
	{'u', "mixed.case+tag@example.com", "REJECT replaced", 0, NULL},
	{'l', "Mixed.Case+tag@example.com", "REJECT replaced", 1, NULL},
	{'l', longkey, NULL, -1, "longer than"},
	{'u', longkey, "x", -1, "longer than"},
	{'l', "", NULL, -1, "empty lookup key"},
	{'l', "a\r\nb", NULL, -1, "CR or LF"},
	{'u', "a@b", "two\nlines", -1, "CR or LF"},
	{'l', "mixed.case+tag@example.com", "REJECT replaced", 1, NULL},
	{'d', "MIXED.case+tag@example.com", NULL, 1, NULL},
	{'d', "mixed.case+tag@example.com", NULL, 0, NULL},
	{'l', "mixed.case+tag@example.com", NULL, 0, NULL},
	{'u', "@example.org", "550 domain", 0, NULL},
	{'l', "@EXAMPLE.org", "550 domain", 1, NULL},
};

static void
test_ops(void)
{
	struct cerr e;
	struct buf v;
	struct map_db *m;
	size_t	i;
	int	r;

	memset(longkey, 'k', MAP_KEY_MAX + 1);
	buf_init(&v, MAP_VALUE_MAX);
	m = map_db_open("hash:" "%s", MAP_RDONLY, &e);	/* bad name: no crash */
	map_db_close(m);
	m = map_db_open(tpath("ops"), MAP_RDWR | MAP_CREATE, &e);
	CHECK(m != NULL, "create ops: %s", e.msg);
	if (m == NULL)
		return;
	for (i = 0; i < sizeof(op_cases) / sizeof(op_cases[0]); i++) {
		const struct op_case *c = &op_cases[i];

		cerr_clear(&e);
		buf_reset(&v);
		if (c->op == 'u')
			r = map_db_update(m, c->key, c->val, &e);
		else if (c->op == 'd')
			r = map_db_delete(m, c->key, &e);
		else
			r = map_db_lookup(m, c->key, &v, &e);
		CHECK_INT(r, c->ret, "op %zu %c %.40s (%s)", i, c->op, c->key, e.msg);
		if (c->op == 'l' && c->val && r == 1)
			CHECK_STR(buf_cstr(&v), c->val, "op %zu value", i);
		if (r < 0 && c->err)
			CHECK(strstr(e.msg, c->err) != NULL, "op %zu error: got \"%s\", want \"...%s...\"",
			      i, e.msg, c->err);
	}
	map_db_close(m);
	buf_free(&v);
}

static int
count_fn(const char *k, size_t kn, const char *v, size_t vn, void *ctx)
{
	long   *n = ctx;

	if (kn != strlen(k) || vn != strlen(v) || kn == 0)
		return -1;		/* trailing NUL not stripped */
	(*n)++;
	return 0;
}

/* test_batch_walk - begin/commit with many keys, then walk them */
static void
test_batch_walk(void)
{
	struct cerr e;
	struct buf v;
	struct map_db *m, *r;
	char	key[64];
	long	n = 0, i;

	buf_init(&v, MAP_VALUE_MAX);
	m = map_db_open(tpath("batch"), MAP_RDWR | MAP_CREATE | MAP_BULK, &e);
	CHECK(m != NULL, "create batch: %s", e.msg);
	CHECK_INT(map_db_begin(m, &e), 0, "begin");
	CHECK_INT(map_db_begin(m, &e), -1, "begin twice");
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "User%ld@Example%ld.com", i, i % 7);
		if (map_db_update(m, key, "550 5.7.1 bulk", &e) < 0)
			break;
	}
	CHECK_INT(i, 5000, "batch updates (%s)", e.msg);
	CHECK_INT(map_db_lookup(m, "user4999@example1.com", &v, &e), 1, "lookup in batch");
	CHECK_INT(map_db_commit(m, &e), 0, "commit");
	CHECK_INT(map_db_commit(m, &e), -1, "commit without begin");
	map_db_close(m);
	r = map_db_open(tpath("batch"), MAP_RDONLY, &e);
	CHECK(r != NULL, "reopen batch: %s", e.msg);
	CHECK_INT(map_db_walk(r, count_fn, &n, &e), 0, "walk");
	CHECK_INT(n, 5000, "walk count");
	CHECK_INT(map_db_lookup(r, "USER0@EXAMPLE0.COM", &v, &e), 1, "lookup after commit");
	CHECK_INT(map_db_update(r, "x@y", "z", &e), -1, "update read-only");
	CHECK(strstr(map_db_path(r), "batch.db") != NULL, "map_db_path");
	map_db_close(r);
	buf_free(&v);
}

/* test_reopen - a reader sees updates by another handle and a rename */
static void
test_reopen(void)
{
	struct cerr e;
	struct buf v;
	struct map_db *w, *r, *t;
	char	from[512], to[512];

	buf_init(&v, MAP_VALUE_MAX);
	w = map_db_open(tpath("live"), MAP_RDWR | MAP_CREATE, &e);
	map_db_update(w, "a@example.com", "550 one", &e);
	r = map_db_open(tpath("live"), MAP_RDONLY, &e);
	CHECK(r != NULL, "open reader: %s", e.msg);
	CHECK_INT(map_db_lookup(r, "a@example.com", &v, &e), 1, "reader sees a");
	CHECK_STR(buf_cstr(&v), "550 one", "reader value");
	map_db_update(w, "a@example.com", "550 two, a longer value", &e);
	map_db_update(w, "b@example.com", "550 b", &e);
	CHECK_INT(map_db_lookup(r, "a@example.com", &v, &e), 1, "reader after update");
	CHECK_STR(buf_cstr(&v), "550 two, a longer value", "reader sees new value");
	CHECK_INT(map_db_lookup(r, "b@example.com", &v, &e), 1, "reader sees new key");
	map_db_close(w);

	t = map_db_open(tpath("live2"), MAP_RDWR | MAP_CREATE, &e);
	map_db_update(t, "c@example.com", "550 replaced", &e);
	map_db_close(t);
	snprintf(from, sizeof(from), "%s", tpath("live2.db"));
	snprintf(to, sizeof(to), "%s", tpath("live.db"));
	CHECK_INT(rename(from, to), 0, "rename over");
	CHECK_INT(map_db_lookup(r, "a@example.com", &v, &e), 0, "old key gone after rename");
	CHECK_INT(map_db_lookup(r, "c@example.com", &v, &e), 1, "new file after rename");
	unlink(to);
	CHECK_INT(map_db_lookup(r, "c@example.com", &v, &e), -1, "table removed: error");
	CHECK(strstr(e.msg, "live.db") != NULL, "removed table error names file: %s", e.msg);
	t = map_db_open(tpath("live"), MAP_RDWR | MAP_CREATE, &e);
	map_db_update(t, "d@example.com", "550 back", &e);
	map_db_close(t);
	CHECK_INT(map_db_lookup(r, "d@example.com", &v, &e), 1, "table back: found");
	map_db_close(r);
	buf_free(&v);
}

struct sup_case {
	const char *addr;
	int	ret;
	const char *val;		/* when ret == 1 */
};

static const char *const sup_table[][2] = {
	{"bad@example.com", "550 5.7.1 suppressed: hard bounce 2026-11-28"},
	{"example.net", "REJECT whole domain"},
	{"ok@example.net", "OK"},
	{"dunno@example.net", "DUNNO"},
	{"@example.org", "550 at-domain"},
	{"example.edu", "554 parent"},
	{"abuse@", "550 local part"},
	{"num@example.com", "12345"},
	{"two@example.com", "250 fine"},
	{"defer@example.com", "450 4.7.1 later"},
};

static const struct sup_case sup_cases[] = {
	{"bad@example.com", 1, "550 5.7.1 suppressed: hard bounce 2026-11-28"},
	{"BAD@Example.COM", 1, "550 5.7.1 suppressed: hard bounce 2026-11-28"},
	{"good@example.com", 0, NULL},
	{"x@example.net", 1, "REJECT whole domain"},
	{"x@sub.example.net", 1, "REJECT whole domain"},
	{"ok@example.net", 0, NULL},
	{"dunno@example.net", 0, NULL},
	{"postmaster@example.net", 1, "REJECT whole domain"},
	{"x@example.org", 1, "550 at-domain"},
	{"x@sub.example.org", 0, NULL},
	{"x@a.b.example.edu", 1, "554 parent"},
	{"abuse@anywhere.test", 1, "550 local part"},
	{"num@example.com", 0, NULL},
	{"two@example.com", 0, NULL},
	{"defer@example.com", 1, "450 4.7.1 later"},
	{"@example.org", 1, "550 at-domain"},
	{"example.net", 1, "REJECT whole domain"},
	{"deep.sub.example.edu", 1, "554 parent"},
	{"nothing.test", 0, NULL},
	{"", -1, NULL},
	{longkey, -1, NULL},
};

static void
test_suppress_lookup(void)
{
	struct cerr e;
	struct buf v;
	struct map_db *m;
	size_t	i;
	int	r;

	buf_init(&v, MAP_VALUE_MAX);
	m = map_db_open(tpath("sup"), MAP_RDWR | MAP_CREATE, &e);
	for (i = 0; i < sizeof(sup_table) / sizeof(sup_table[0]); i++)
		map_db_update(m, sup_table[i][0], sup_table[i][1], &e);
	for (i = 0; i < sizeof(sup_cases) / sizeof(sup_cases[0]); i++) {
		const struct sup_case *c = &sup_cases[i];

		buf_reset(&v);
		r = suppress_lookup(m, c->addr, &v, &e);
		CHECK_INT(r, c->ret, "suppress %zu %.40s", i, c->addr);
		if (r == 1 && c->val)
			CHECK_STR(buf_cstr(&v), c->val, "suppress %zu %s action", i, c->addr);
	}
	map_db_close(m);
	buf_free(&v);
}

/* test_corrupt - a table overwritten with garbage after open: errors, no crash */
static void
test_corrupt(void)
{
	struct cerr e;
	struct buf v;
	struct map_db *m;
	char	p[512];
	int	fd, i, r;

	buf_init(&v, MAP_VALUE_MAX);
	m = map_db_open(tpath("corrupt"), MAP_RDWR | MAP_CREATE, &e);
	map_db_update(m, "a@example.com", "550 x", &e);
	map_db_close(m);
	m = map_db_open(tpath("corrupt"), MAP_RDONLY, &e);
	CHECK_INT(map_db_lookup(m, "a@example.com", &v, &e), 1, "before corruption");
	snprintf(p, sizeof(p), "%s", tpath("corrupt.db"));
	fd = open(p, O_WRONLY);
	for (i = 0; i < 4096; i++)
		(void)!write(fd, "\377\0\1\2", 4);
	close(fd);
	r = map_db_lookup(m, "a@example.com", &v, &e);
	CHECK_INT(r, -1, "lookup in corrupt table fails (%s)", e.msg);
	r = map_db_lookup(m, "b@example.com", &v, &e);
	CHECK_INT(r, -1, "again, still no crash (%s)", e.msg);
	map_db_close(m);
	buf_free(&v);
}

/*
 * test_garbage_pages - garbage inside a valid file (meta page intact): Berkeley
 * DB may fault; every lookup must answer (found, not found or error) and
 * the process must go on.
 */
static void __attribute__((unused))
test_garbage_pages(void)
{
	struct cerr e;
	struct buf v;
	struct map_db *m;
	char	key[64], p[512];
	unsigned long x = 4;
	long	i, answered = 0, found = 0, faults = 0;
	int	fd, r;

	buf_init(&v, MAP_VALUE_MAX);
	m = map_db_open(tpath("garbled"), MAP_RDWR | MAP_CREATE, &e);
	map_db_begin(m, &e);
	for (i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "user%ld@example%ld.com", i, i % 13);
		map_db_update(m, key, "550 5.7.1 garbled", &e);
	}
	map_db_commit(m, &e);
	map_db_close(m);
	snprintf(p, sizeof(p), "%s", tpath("garbled.db"));
	/* pages 3-42 garbage (this seed makes libdb 5.3 fault on some reads) */
	fd = open(p, O_WRONLY);
	for (i = 0; i < 40 * 4096; i++) {
		unsigned char c;

		x = x * 6364136223846793005UL + 1442695040888963407UL;
		c = (unsigned char)(x >> 56);
		(void)!pwrite(fd, &c, 1, 3 * 4096 + i);
	}
	close(fd);
	m = map_db_open(tpath("garbled"), MAP_RDONLY, &e);
	CHECK(m != NULL, "open garbled table: %s", e.msg);
	for (i = 0; m != NULL && i < 2000; i++) {
		snprintf(key, sizeof(key), "user%ld@example%ld.com", i, i % 13);
		r = map_db_lookup(m, key, &v, &e);
		answered += r >= -1 && r <= 1;
		found += r == 1;
		faults += r < 0 && strstr(e.msg, "memory fault") != NULL;
	}
	printf("# garbled table: %ld found, %ld faults caught\n", found, faults);
	CHECK_INT(answered, 2000, "every lookup in a garbled table answered");
	CHECK(found < 2000, "garbled table: %ld of 2000 found", found);
	map_db_close(m);
	buf_free(&v);
}

/* mtime_sec - the table file's mtime second */
static time_t
mtime_sec(const char *file)
{
	struct stat st;

	return stat(file, &st) == 0 ? st.st_mtim.tv_sec : (time_t)-1;
}

/*
 * test_publish - Postfix compares a table's mtime in whole seconds: every
 * write, even several in one second, must move that second forward
 */
static void
test_publish(void)
{
	struct cerr e;
	struct map_db *m;
	char	name[512], key[32];
	time_t	prev, cur;
	int	i, later = 0;

	snprintf(name, sizeof(name), "hash:%s/publish", dir);
	cerr_clear(&e);
	m = map_db_open(name, MAP_RDWR | MAP_CREATE, &e);
	CHECK(m != NULL, "publish: create: %s", e.msg);
	if (m == NULL)
		return;
	prev = mtime_sec(tpath("publish.db"));
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "k%d@example.com", i);
		(void)map_db_update(m, key, "REJECT", &e);
		cur = mtime_sec(tpath("publish.db"));
		later += cur > prev;
		prev = cur;
	}
	CHECK(later == 5, "publish: 5 writes in a row, each mtime second later "
	      "than the one before: %d of 5", later);
	CHECK(prev <= time(NULL) + 5, "publish: ahead of the clock by at most "
	      "one second a write: %ld, now %ld", (long)prev, (long)time(NULL));
	map_db_close(m);
}

/* next_second - sleep until just after the clock's next second begins */
static void
next_second(void)
{
	struct timespec now, d = {0, 0};

	(void)clock_gettime(CLOCK_REALTIME, &now);
	d.tv_nsec = 1000000000L - now.tv_nsec;
	(void)nanosleep(&d, NULL);
	d.tv_nsec = 20000000L;	/* past the coarse clock files are stamped with */
	(void)nanosleep(&d, NULL);
}

/* late_writer - child: one write as a user who does not own the table */
static void
late_writer(const char *name, const char *file, time_t before)
{
	struct cerr e;
	struct map_db *m;

	if (setgid(65534) < 0 || setuid(65534) < 0)
		_exit(2);
	cerr_clear(&e);
	if ((m = map_db_open(name, MAP_RDWR, &e)) == NULL
	    || map_db_update(m, "late@example.com", "REJECT", &e) < 0)
		_exit(3);
	map_db_close(m);
	_exit(mtime_sec(file) > before ? 0 : 4);
}

/* seen_early - under a shared lock: the write is in, its second not moved */
static int
seen_early(int fd, const char *file, time_t before)
{
	int	r = 0;

	if (flock(fd, LOCK_SH | LOCK_NB) < 0)
		return 0;
	r = raw_get(file, "late@example.com", 17) >= 0 && mtime_sec(file) == before;
	(void)flock(fd, LOCK_UN);
	return r;
}

/*
 * test_publish_not_owner - a writer that may not set the mtime waits for
 * the next second and touches the file, and does its waiting unlocked:
 * Postfix's lookups (a shared lock) see the write meanwhile.
 */
static void
test_publish_not_owner(void)
{
	const struct timespec now[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
	char	name[512], file[512];
	struct cerr e;
	struct map_db *m;
	int	fd, i, status = -1, early = 0;
	time_t	before;
	pid_t	pid;

	if (getuid() != 0) {
		printf("# not root: the not-owner publish test is skipped\n");
		return;
	}
	snprintf(name, sizeof(name), "hash:%s/late", dir);
	snprintf(file, sizeof(file), "%s/late.db", dir);
	cerr_clear(&e);
	m = map_db_open(name, MAP_RDWR | MAP_CREATE, &e);
	CHECK(m != NULL && map_db_update(m, "a@example.com", "OK", &e) == 0,
	      "not owner: create: %s", e.msg);
	map_db_close(m);
	if (chmod(file, 0666) < 0 || chmod(dir, 0755) < 0
	    || (fd = open(file, O_RDONLY)) < 0)
		return;
	next_second();
	(void)utimensat(AT_FDCWD, file, now, 0);
	before = mtime_sec(file);
	if ((pid = fork()) == 0)
		late_writer(name, file, before);
	for (i = 0; pid > 0 && i < 5000 && waitpid(pid, &status, WNOHANG) == 0; i++) {
		early += seen_early(fd, file, before);
		usleep(1000);
	}
	if (pid > 0 && i == 5000)
		(void)waitpid(pid, &status, 0);
	close(fd);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "not owner: the "
	      "write moved the mtime second on (child status %d)", status);
	CHECK(early > 0, "not owner: lookups saw the write while the writer "
	      "waited for the next second (%d times)", early);
}

#define BUSY_WRITERS	16
#define BUSY_WRITES	150

/* busy_writer - one of several processes writing its own keys at once */
static void
busy_writer(const char *name, int w)
{
	struct cerr e;
	struct map_db *m;
	char	key[64];
	int	i;

	cerr_clear(&e);
	if ((m = map_db_open(name, MAP_RDWR, &e)) == NULL) {
		fprintf(stderr, "writer %d: %s\n", w, e.msg);
		_exit(1);
	}
	for (i = 0; i < BUSY_WRITES; i++) {
		snprintf(key, sizeof(key), "w%d-%d@example.com", w, i);
		if (map_db_update(m, key, "OK", &e) < 0) {
			fprintf(stderr, "writer %d, write %d: %s\n", w, i, e.msg);
			_exit(1);
		}
	}
	map_db_close(m);
	_exit(0);
}

/*
 * test_busy_writers - several writers at once, each write moving the
 * file's mtime: none gives up ("file keeps changing"), none loses a write
 */
static void
test_busy_writers(void)
{
	char	name[512], key[64];
	struct cerr e;
	struct map_db *m;
	struct buf val;
	pid_t	pid[BUSY_WRITERS];
	int	w, i, status, ok = 0, found = 0;

	snprintf(name, sizeof(name), "hash:%s/busy", dir);
	cerr_clear(&e);
	m = map_db_open(name, MAP_RDWR | MAP_CREATE, &e);
	CHECK(m != NULL, "busy: create: %s", e.msg);
	if (m == NULL)
		return;
	map_db_close(m);
	for (w = 0; w < BUSY_WRITERS; w++)
		if ((pid[w] = fork()) == 0)
			busy_writer(name, w);
	for (w = 0; w < BUSY_WRITERS; w++)
		if (pid[w] > 0 && waitpid(pid[w], &status, 0) == pid[w]
		    && WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ok++;
	CHECK_INT(ok, BUSY_WRITERS, "busy: writers that wrote all their keys");
	buf_init(&val, MAP_VALUE_MAX);
	if ((m = map_db_open(name, 0, &e)) != NULL) {
		for (w = 0; w < BUSY_WRITERS; w++)
			for (i = 0; i < BUSY_WRITES; i++) {
				snprintf(key, sizeof(key), "w%d-%d@example.com", w, i);
				found += map_db_lookup(m, key, &val, &e) == 1;
			}
		map_db_close(m);
	}
	buf_free(&val);
	CHECK_INT(found, BUSY_WRITERS * BUSY_WRITES, "busy: keys in the table");
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char	cmd[600];

	snprintf(dir, sizeof(dir), "%s/test_map_db.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_open_errors();
	test_nul_convention();
	test_ops();
	test_batch_walk();
	test_reopen();
	test_suppress_lookup();
	test_corrupt();
	test_publish();
	test_publish_not_owner();
	test_busy_writers();
#ifndef __SANITIZE_ADDRESS__
	test_garbage_pages();
#else
	/* libdb's reads of garbage go through ASan's memcmp interceptor */
	printf("# garbled table test skipped under AddressSanitizer\n");
#endif
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
	return TEST_DONE("test_map_db");
}
