/*
 * NAME
 *	query - campaign-suppress check, export, list, token, verify-token
 * SYNOPSIS
 *	campaign-suppress check ADDRESS		exit 0 suppressed, 1 not
 *	campaign-suppress check -		one answer per stdin line
 *	campaign-suppress export | list
 *	campaign-suppress token CAMPAIGN RECIPIENT
 *	campaign-suppress verify-token CAMPAIGN RECIPIENT TOKEN
 * DESCRIPTION
 *	check asks the table as Postfix's check_recipient_access would
 *	(suppress_lookup()) and prints the action when the address is
 *	suppressed.  "check -" keeps the table open and answers each line of
 *	stdin with one line, flushed: "suppressed ACTION", "not-suppressed"
 *	or "error TEXT"; each answer sees the table as it is then (a rebuild
 *	by postmap included).
 *
 *	export prints "key action" per entry (postmap's source format, and
 *	what import reads); list prints the keys.
 *
 *	token and verify-token use lib/hmac.c with the secret file (-s, or
 *	unsubscribe_secret_file); the recipient is normalised to its lookup
 *	key first, as campaign-milter does.
 * DIAGNOSTICS
 *	stderr; sysexits: EX_NOINPUT missing table, EX_IOERR database or
 *	write error, EX_DATAERR bad address, EX_CONFIG no usable secret.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "clog.h"
#include "hmac.h"
#include "map_db.h"
#include "suppress.h"

/* lookup_arg - 1 suppressed (action in val), 0 not, -1 error in e */
static int
lookup_arg(struct map_db *m, const char *arg, size_t n, struct buf *val,
	   struct cerr *e)
{
	char	key[ADDR_KEY_MAX + 2];
	int	domain;

	if (sup_key(arg, n, key + 1, &domain, e) < 0)
		return -2;
	if (domain) {
		key[0] = '@';		/* "@domain": the domain and parents */
		return suppress_lookup(m, key, val, e);
	}
	return suppress_lookup(m, key + 1, val, e);
}

/* open_ro - open the table for reading or say why not */
static struct map_db *
open_ro(const struct sup *s, int *status)
{
	return sup_open(s->table, MAP_RDONLY, status);
}

/* answer_line - one "check -" line: strip the newline, answer it */
static void
answer_line(struct map_db *m, struct buf *line, struct buf *val)
{
	struct cerr e;
	size_t	n = line->len;
	int	r;

	while (n > 0 && (line->data[n - 1] == '\n' || line->data[n - 1] == '\r'))
		n--;
	if (n == 0)
		r = cerr_set(&e, "empty address");
	else
		r = lookup_arg(m, line->data, n, val, &e);
	if (r == 1)
		printf("suppressed %s\n", buf_cstr(val));
	else if (r == 0)
		printf("not-suppressed\n");
	else
		printf("error %s\n", e.msg);
	fflush(stdout);
}

/* check_stream - "check -": answer stdin line by line */
static int
check_stream(struct map_db *m, struct buf *val)
{
	struct buf line;
	int	r;

	buf_init(&line, SUP_LINE_MAX);
	while ((r = buf_getline(&line, stdin)) != 0) {
		if (r < 0 && errno != EMSGSIZE)
			break;
		if (r < 0)
			printf("error line longer than %d bytes\n", SUP_LINE_MAX);
		else
			answer_line(m, &line, val);
		fflush(stdout);
		buf_reset(&line);
	}
	buf_free(&line);
	return ferror(stdin) ? EX_IOERR : EX_OK;
}

int
cmd_check(const struct sup *s, int argc, char **argv)
{
	struct buf val;
	struct cerr e;
	struct map_db *m;
	int	r, status = EX_OK;

	if (argc != 2) {
		clog_warnx("usage: check ADDRESS | check -");
		return EX_USAGE;
	}
	if ((m = open_ro(s, &status)) == NULL)
		return status;
	buf_init(&val, MAP_VALUE_MAX);
	if (strcmp(argv[1], "-") == 0) {
		status = check_stream(m, &val);
	} else if ((r = lookup_arg(m, argv[1], strlen(argv[1]), &val, &e)) < 0) {
		clog_warnx("check %s: %s", argv[1], e.msg);
		status = r == -2 ? EX_DATAERR : EX_IOERR;
	} else if (r == 1) {
		printf("%s\n", buf_cstr(&val));
	} else {
		status = 1;
	}
	buf_free(&val);
	map_db_close(m);
	return status;
}

/* put_clean - write n bytes, a line break or control byte shown as '?' */
static void
put_clean(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		putchar((unsigned char)p[i] < 0x20 ? '?' : p[i]);
}

static int
export_fn(const char *k, size_t kn, const char *v, size_t vn, void *ctx)
{
	put_clean(k, kn);
	if (ctx != NULL) {
		putchar(' ');
		put_clean(v, vn);
	}
	putchar('\n');
	return ferror(stdout) ? 1 : 0;
}

/* walk_print - export (with values) or list (keys only) */
static int
walk_print(const struct sup *s, int argc, int values)
{
	struct cerr e;
	struct map_db *m;
	int	r, status = EX_OK;

	if (argc != 1) {
		clog_warnx("usage: %s (no arguments)", values ? "export" : "list");
		return EX_USAGE;
	}
	if ((m = open_ro(s, &status)) == NULL)
		return status;
	r = map_db_walk(m, export_fn, values ? (void *)s : NULL, &e);
	map_db_close(m);
	if (r < 0)
		clog_warnx("%s", e.msg);
	if (fflush(stdout) != 0 || r > 0)
		clog_warn("write");
	return r != 0 || ferror(stdout) ? EX_IOERR : EX_OK;
}

int
cmd_export(const struct sup *s, int argc, char **argv)
{
	(void)argv;
	return walk_print(s, argc, 1);
}

int
cmd_list(const struct sup *s, int argc, char **argv)
{
	(void)argv;
	return walk_print(s, argc, 0);
}

/* token_setup - load the secret and normalise the recipient */
static int
token_setup(const struct sup *s, const char *rcpt, struct buf *secret,
	    char key[ADDR_KEY_MAX + 1])
{
	struct cerr e;
	struct addr a;

	if (s->secret_file == NULL) {
		clog_warnx("no secret: use -s FILE or set unsubscribe_secret_file");
		return EX_CONFIG;
	}
	if (hmac_load_secret(s->secret_file, secret, &e) < 0) {
		clog_warnx("%s", e.msg);
		return EX_CONFIG;
	}
	if (addr_parse_path(rcpt, strlen(rcpt), &a, NULL, &e) < 0 || a.null
	    || addr_key(&a, key, ADDR_KEY_MAX + 1) < 0) {
		clog_warnx("bad recipient %s: %s", rcpt, a.null ? "null address" : e.msg);
		return EX_DATAERR;
	}
	return EX_OK;
}

int
cmd_token(const struct sup *s, int argc, char **argv)
{
	char	key[ADDR_KEY_MAX + 1], tok[HMAC_TOKEN_LEN + 1];
	struct buf secret;
	int	status;

	if (argc != 3) {
		clog_warnx("usage: token CAMPAIGN RECIPIENT");
		return EX_USAGE;
	}
	buf_init(&secret, 4096);
	if ((status = token_setup(s, argv[2], &secret, key)) == EX_OK) {
		if (hmac_token(&secret, argv[1], key, tok) < 0) {
			clog_warnx("token: cannot compute the digest");
			status = EX_SOFTWARE;
		} else {
			printf("%s\n", tok);
		}
	}
	buf_free(&secret);
	return status;
}

int
cmd_verify_token(const struct sup *s, int argc, char **argv)
{
	char	key[ADDR_KEY_MAX + 1];
	struct buf secret;
	int	status;

	if (argc != 4) {
		clog_warnx("usage: verify-token CAMPAIGN RECIPIENT TOKEN");
		return EX_USAGE;
	}
	buf_init(&secret, 4096);
	status = token_setup(s, argv[2], &secret, key);
	if (status == EX_DATAERR)
		status = 1;		/* a mangled recipient: the token is invalid */
	else if (status == EX_OK && hmac_verify(&secret, argv[1], key, argv[3]) != 1)
		status = 1;
	buf_free(&secret);
	return status;
}
