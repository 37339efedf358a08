/*
 * NAME
 *	fuzz_table - libFuzzer target: the table key/value path: campaign-
 *	suppress's import line parser (suppress/edit.c sup_key, sup_value)
 *	into lib/map_db.h's tables and back
 * SOURCES: suppress/edit.c
 * DESCRIPTION
 *	Each input line (at most 64 lines, 64 kB in all) is split as
 *	campaign-suppress import splits it (address or domain, white space,
 *	reason or action), checked with sup_key() and sup_value(), and
 *	stored in a hash: table on /dev/shm inside one batch; then looked
 *	up again.  The raw line is also given to map_db_lookup() and
 *	suppress_lookup() as a key (must fail cleanly or answer).  At the
 *	end every entry is walked and deleted, so the table stays small.
 *	Invariants: a stored key reads back its value exactly (round trip,
 *	later lines replacing earlier ones), keys are lower case and at most
 *	ADDR_KEY_MAX, values have no control bytes, the walk sees exactly the
 *	stored keys.
 *	Leak checking is on, except for blocks Berkeley DB allocates.  The
 *	"few kB inside __os_malloc" that made an earlier version turn it off
 *	are Berkeley DB's cache page buffers (__memp_alloc, a 4 kB page plus
 *	header, traced with fast_unwind_on_malloc=0): Berkeley DB links them
 *	only by offsets relative to the list element (SH_TAILQ), even in a
 *	private environment, so LeakSanitizer finds no pointer to a page
 *	read into the cache while the table stays open; closing the
 *	environment frees them.  libdb has no frame pointers, so the fast
 *	unwinder sees only malloc <- __os_malloc and the suppression has to
 *	name that frame: it covers every Berkeley DB block.  Our blocks (the
 *	map, its names, buffers, the suppress and addr code) are checked; a
 *	Berkeley DB handle left open shows instead as descriptors that stay
 *	open, which the target counts every 256 runs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "map_db.h"
#include "suppress.h"

#define IN_MAX (64 * 1024)
#define LINES_MAX 64

static struct map_db *map;
static struct sup sup = {"", NULL, "2026-11-28"};
static char keys[LINES_MAX][ADDR_KEY_MAX + 1];
static int nkeys;

static char path[64];

const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:__os_malloc\n";
}

/*
 * check_fds - descriptors open below 256 must not grow from run to run.
 * Checked every 256 runs, a descriptor left open per run shows as 256 more;
 * a few more than at the first check are the fuzzer's own (it opens files
 * of its own while it runs), so only growth beyond 16 counts.
 */
static void
check_fds(void)
{
	static int runs, base = -1;
	int	fd, n = 0;

	if (runs++ % 256 != 0)
		return;
	for (fd = 0; fd < 256; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	if (base < 0)
		base = n;
	else if (n > base + 16)
		abort();
}

static void
remove_table(void)
{
	map_db_close(map);
	(void)unlink(path);
}

static void
open_table(void)
{
	static char name[64];
	struct cerr e;

	snprintf(name, sizeof(name), "hash:/dev/shm/fuzz_table.%ld", (long)getpid());
	snprintf(path, sizeof(path), "%s.db", name + 5);
	atexit(remove_table);
	sup.table = name;
	if ((map = map_db_open(name, MAP_RDWR | MAP_CREATE, &e)) == NULL) {
		fprintf(stderr, "%s\n", e.msg);
		abort();
	}
}

static void
check_value(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			abort();
}

/* store - one line, as import_line() does; then read it back */
static void
store(const char *p, size_t n, struct buf *val, struct buf *got)
{
	char	key[ADDR_KEY_MAX + 1];
	struct cerr e;
	size_t	a, i;
	int	domain;

	while (n > 0 && (p[n - 1] == '\r'))
		n--;
	while (n > 0 && (*p == ' ' || *p == '\t'))
		p++, n--;
	if (n == 0 || *p == '#')
		return;
	for (a = 0; a < n && p[a] != ' ' && p[a] != '\t'; a++)
		;
	if (sup_key(p, a, key, &domain, &e) < 0 || sup_value(&sup, p + a, n - a, val, &e) < 0)
		return;
	if (strlen(key) > ADDR_KEY_MAX)
		abort();
	for (i = 0; key[i]; i++)
		if (key[i] >= 'A' && key[i] <= 'Z')
			abort();
	check_value(buf_cstr(val));
	if (map_db_update(map, key, buf_cstr(val), &e) < 0)
		return;
	if (map_db_lookup(map, key, got, &e) != 1 || got->len != val->len
	    || memcmp(got->data, val->data, val->len) != 0)
		abort();
	for (i = 0; i < (size_t)nkeys && strcmp(keys[i], key) != 0; i++)
		;
	if (i == (size_t)nkeys)
		memcpy(keys[nkeys++], key, sizeof(key));
}

/* probe - the raw line as a lookup key */
static void
probe(const char *p, size_t n, struct buf *got)
{
	char	k[MAP_KEY_MAX + 2];
	struct cerr e;

	if (n > MAP_KEY_MAX + 1)
		n = MAP_KEY_MAX + 1;
	memcpy(k, p, n);
	k[n] = '\0';
	(void)map_db_lookup(map, k, got, &e);
	(void)suppress_lookup(map, k, got, &e);
}

static int
seen(const char *key, size_t klen, const char *val, size_t vlen, void *ctx)
{
	int	i;

	(void)val;
	(void)vlen;
	for (i = 0; i < nkeys; i++)
		if (strlen(keys[i]) == klen && memcmp(keys[i], key, klen) == 0)
			break;
	if (i == nkeys)
		abort();
	++*(int *)ctx;
	return 0;
}

static void
empty_table(void)
{
	struct cerr e;
	int	i, n = 0;

	if (map_db_walk(map, seen, &n, &e) < 0 || n != nkeys)
		abort();
	for (i = 0; i < nkeys; i++)
		if (map_db_delete(map, keys[i], &e) != 1)
			abort();
	nkeys = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct buf val, got;
	struct cerr e;
	int	lines = 0;

	if (size > IN_MAX)
		return 0;
	if (map == NULL)
		open_table();
	buf_init(&val, MAP_VALUE_MAX);
	buf_init(&got, MAP_VALUE_MAX);
	if (map_db_begin(map, &e) < 0)
		abort();
	for (; p < end && lines++ < LINES_MAX; p = nl ? nl + 1 : end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		store(p, nl ? (size_t)(nl - p) : (size_t)(end - p), &val, &got);
		probe(p, nl ? (size_t)(nl - p) : (size_t)(end - p), &got);
	}
	empty_table();
	if (map_db_commit(map, &e) < 0)
		abort();
	buf_free(&val);
	buf_free(&got);
	check_fds();
	return 0;
}
