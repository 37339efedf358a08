/*
 * NAME
 *	test_unsub_entry - unit tests for lib/supentry.c, the suppression
 *	entry that campaign-unsubscribe writes
 * DESCRIPTION
 *	Works on a fresh table under $TMPDIR (or /tmp).  The same table read
 *	by the real postmap is tests/integration/unsub_http.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "map_db.h"
#include "supentry.h"
#include "testhelp.h"

static void
test_value(void)
{
	struct buf v;
	struct cerr e;

	buf_init(&v, SUPENTRY_VALUE_MAX);
	CHECK_INT(supentry_value(&v, "unsubscribe", "spring.2026", 1796284800, &e), 0, "value");
	CHECK_STR(buf_cstr(&v), "550 5.7.1 suppressed: category=unsubscribe "
	    "campaign=spring.2026 time=2026-12-03T08:00:00Z", "value text");
	CHECK_INT(supentry_value(&v, "bad-mailbox", NULL, 0, &e), 0, "no campaign");
	CHECK_STR(buf_cstr(&v), "550 5.7.1 suppressed: category=bad-mailbox campaign=- "
	    "time=1970-01-01T00:00:00Z", "no campaign text");
	CHECK_INT(supentry_value(&v, "Unsub", "c", 0, &e), -1, "upper-case category");
	CHECK_INT(supentry_value(&v, "", "c", 0, &e), -1, "empty category");
	CHECK_INT(supentry_value(&v, "unsubscribe", "c 1", 0, &e), -1, "space in campaign");
	CHECK_INT(supentry_value(&v, "unsubscribe", "c\n1", 0, &e), -1, "newline in campaign");
	buf_free(&v);
}

static void
test_put(void)
{
	char	dir[] = "/tmp/test_unsub_entry.XXXXXX", name[128];
	struct map_db *m;
	struct buf v;
	struct cerr e;

	buf_init(&v, MAP_VALUE_MAX);
	if (mkdtemp(dir) == NULL)
		return;
	snprintf(name, sizeof(name), "hash:%s/suppression", dir);
	m = map_db_open(name, MAP_RDWR | MAP_CREATE, &e);
	CHECK(m != NULL, "open %s", name);
	if (m == NULL)
		return;
	CHECK_INT(supentry_put(m, "u@x.example", "550 5.7.1 suppressed: first", &e), 1, "new");
	CHECK_INT(supentry_put(m, "u@x.example", "550 5.7.1 suppressed: second", &e), 0, "replay kept");
	map_db_lookup(m, "u@x.example", &v, &e);
	CHECK_STR(buf_cstr(&v), "550 5.7.1 suppressed: first", "first entry kept");
	map_db_update(m, "ok@x.example", "OK", &e);
	CHECK_INT(supentry_put(m, "ok@x.example", "550 5.7.1 suppressed: unsub", &e), 1,
	    "an OK entry is replaced");
	map_db_update(m, "x.example", "550 5.7.1 whole domain", &e);
	CHECK_INT(supentry_put(m, "v@x.example", "550 5.7.1 suppressed: own", &e), 1,
	    "own entry even when the domain is suppressed");
	CHECK_INT(map_db_begin(m, &e), 0, "batch");
	CHECK_INT(supentry_put(m, "w@x.example", "550 a", &e), 1, "batch: new");
	CHECK_INT(supentry_put(m, "w@x.example", "550 b", &e), 0, "batch: same key again");
	CHECK_INT(map_db_commit(m, &e), 0, "commit");
	map_db_close(m);
	snprintf(name, sizeof(name), "rm -rf '%s'", dir);
	if (system(name) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	buf_free(&v);
}

int
main(void)
{
	test_value();
	test_put();
	return TEST_DONE("test_unsub_entry");
}
