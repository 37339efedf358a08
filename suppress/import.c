/*
 * NAME
 *	import - campaign-suppress import: many addresses, one lock, one sync
 * SYNOPSIS
 *	campaign-suppress import FILE | -
 * DESCRIPTION
 *	Reads one entry per line: an address (or @domain / domain), then
 *	optionally white space and a reason or an access(5) action (see
 *	edit.c).  Blank lines and lines starting with '#' are skipped.  A
 *	bad line (bad address or reason, line longer than SUP_LINE_MAX) is
 *	reported as "FILE:LINE: problem" and skipped; the first 100 are
 *	shown.  A later line for the same address replaces an earlier one.
 *
 *	Speed: the table is opened with MAP_BULK (a large Berkeley DB
 *	cache) and every update happens inside one map_db_begin()/
 *	map_db_commit(): one exclusive lock, one sync at the end.
 *	Readers, Postfix included, wait for the commit.
 * DIAGNOSTICS
 *	A summary on stderr: "import: N entries stored, N bad lines
 *	skipped, N lines read".  Exit EX_OK when every line was good,
 *	EX_DATAERR when some were skipped (the good ones are stored),
 *	EX_NOINPUT when FILE cannot be opened, EX_IOERR on a read or
 *	database error (what was stored before it is committed).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "clog.h"
#include "map_db.h"
#include "suppress.h"

#define SHOW_BAD 100

struct import {
	const struct sup *s;
	struct map_db *m;
	const char *name;		/* file name for messages */
	unsigned long lineno, stored, bad;
	struct buf value;
};

/* bad_line - report one skipped line (the first SHOW_BAD of them) */
static void
bad_line(struct import *im, const char *why)
{
	im->bad++;
	if (im->bad <= SHOW_BAD)
		clog_warnx("%s:%lu: %s", im->name, im->lineno, why);
	if (im->bad == SHOW_BAD + 1)
		clog_warnx("%s: more bad lines, not shown", im->name);
}

/* import_line - store one line; -1 only on a database error */
static int
import_line(struct import *im, const char *p, size_t n)
{
	char	key[ADDR_KEY_MAX + 1];
	struct cerr e;
	size_t	a;
	int	domain;

	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	while (n > 0 && (*p == ' ' || *p == '\t'))
		p++, n--;
	if (n == 0 || *p == '#')
		return 0;
	for (a = 0; a < n && p[a] != ' ' && p[a] != '\t'; a++)
		;
	if (sup_key(p, a, key, &domain, &e) < 0
	    || sup_value(im->s, p + a, n - a, &im->value, &e) < 0) {
		bad_line(im, e.msg);
		return 0;
	}
	if (map_db_update(im->m, key, buf_cstr(&im->value), &e) < 0) {
		clog_warnx("%s:%lu: %s", im->name, im->lineno, e.msg);
		return -1;
	}
	im->stored++;
	return 0;
}

/* import_stream - every line of fp; EX_OK or EX_IOERR */
static int
import_stream(struct import *im, FILE *fp)
{
	struct buf line;
	int	r, status = EX_OK;

	buf_init(&line, SUP_LINE_MAX);
	while ((r = buf_getline(&line, fp)) != 0) {
		im->lineno++;
		if (r < 0 && errno == EMSGSIZE) {
			bad_line(im, "line too long");
		} else if (r < 0) {
			clog_warn("%s:%lu: read", im->name, im->lineno);
			status = EX_IOERR;
			break;
		} else if (import_line(im, line.data, line.len) < 0) {
			status = EX_IOERR;
			break;
		}
		buf_reset(&line);
	}
	buf_free(&line);
	return status;
}

/* import_into - lock, import, commit */
static int
import_into(struct import *im, FILE *fp)
{
	struct cerr e;
	int	status;

	if (map_db_begin(im->m, &e) < 0) {
		clog_warnx("%s", e.msg);
		return EX_IOERR;
	}
	status = import_stream(im, fp);
	if (map_db_commit(im->m, &e) < 0) {
		clog_warnx("%s", e.msg);
		status = EX_IOERR;
	}
	return status;
}

int
cmd_import(const struct sup *s, int argc, char **argv)
{
	struct import im = {s, NULL, NULL, 0, 0, 0, {0}};
	struct cerr e;
	FILE   *fp;
	int	status;

	if (argc != 2) {
		clog_warnx("usage: import FILE | -");
		return EX_USAGE;
	}
	im.name = strcmp(argv[1], "-") == 0 ? "stdin" : argv[1];
	if ((fp = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "r")) == NULL) {
		clog_warn("open %s", argv[1]);
		return EX_NOINPUT;
	}
	if ((im.m = map_db_open(s->table, MAP_RDWR | MAP_CREATE | MAP_BULK, &e)) == NULL) {
		status = sup_open_status(errno);
		clog_warnx("%s", e.msg);
	} else {
		buf_init(&im.value, MAP_VALUE_MAX);
		status = import_into(&im, fp);
		map_db_close(im.m);
		buf_free(&im.value);
	}
	if (fp != stdin)
		fclose(fp);
	clog_warnx("import: %lu entries stored, %lu bad lines skipped, %lu lines read",
		   im.stored, im.bad, im.lineno);
	if (status == EX_OK && im.bad)
		status = EX_DATAERR;
	return status;
}
