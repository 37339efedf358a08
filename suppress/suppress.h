/*
 * NAME
 *	suppress.h - campaign-suppress internals shared by its files
 * DESCRIPTION
 *	campaign-suppress.c parses options and the configuration and calls
 *	one command function; each returns the program's exit status
 *	(sysexits.h).  edit.c: add, remove, and the key and value rules;
 *	query.c: check, export, list, token, verify-token; why.c: why, lift; import.c: import.
 */
#ifndef SUPPRESS_H
#define SUPPRESS_H

#include <stddef.h>

#include "addr.h"
#include "buf.h"
#include "cerr.h"

struct map_db;

#define SUP_REASON_MAX	512	/* reason text on the command line or a line */
#define SUP_LINE_MAX	4096	/* one import / check line */
#define SUP_DATE_LEN	10	/* YYYY-MM-DD */

struct sup {
	const char *table;		/* hash:/path/name */
	const char *secret_file;	/* NULL: none configured */
	const char *state_table;	/* bounce_state_table (lift) */
	char	date[SUP_DATE_LEN + 1];	/* today, UTC */
};

/* edit.c */
int	sup_key(const char *arg, size_t n, char key[ADDR_KEY_MAX + 1],
		int *domain, struct cerr *e);
int	sup_value(const struct sup *s, const char *reason, size_t n,
		  struct buf *out, struct cerr *e);
int	sup_open_status(int err);
struct map_db *sup_open(const char *name, int flags, int *status);
int	cmd_add(const struct sup *s, int argc, char **argv);
int	cmd_remove(const struct sup *s, int argc, char **argv);

/* query.c */
int	cmd_check(const struct sup *s, int argc, char **argv);
int	cmd_export(const struct sup *s, int argc, char **argv);
int	cmd_list(const struct sup *s, int argc, char **argv);
int	cmd_token(const struct sup *s, int argc, char **argv);
int	cmd_verify_token(const struct sup *s, int argc, char **argv);

/* why.c */
int	cmd_why(const struct sup *s, int argc, char **argv);
int	cmd_lift(const struct sup *s, int argc, char **argv);

/* import.c */
int	cmd_import(const struct sup *s, int argc, char **argv);

#endif
