/*
 * NAME
 *	edit - campaign-suppress add and remove; what a key and a value are
 * SYNOPSIS
 *	campaign-suppress add ADDRESS [REASON...]
 *	campaign-suppress remove ADDRESS
 * DESCRIPTION
 *	sup_key() turns a command-line or import address into a table key:
 *	"user@domain" or "<user@domain>" gives the lower-case lookup key of
 *	lib/addr.c; "@domain" or a bare "domain.tld" (it must have a dot)
 *	gives the key "domain",
 *	the access(5) form that Postfix's check_recipient_access matches for
 *	the domain and (parent_domain_matches_subdomains) its subdomains.
 *
 *	sup_value() makes the access(5) action: a REASON that already is an
 *	action (it starts with a 4NN or 5NN code, or with REJECT, DEFER,
 *	DEFER_IF_PERMIT, DEFER_IF_REJECT, DISCARD, HOLD, OK or DUNNO) is kept
 *	as it is, so export output imports back unchanged; any other text
 *	becomes "550 5.7.1 suppressed: REASON YYYY-MM-DD".  Tabs become
 *	spaces; other control bytes are refused.
 * DIAGNOSTICS
 *	One line on stderr; exit status EX_DATAERR for a bad address or
 *	reason, EX_NOINPUT for a missing table (remove), EX_IOERR for a
 *	database error.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "clog.h"
#include "map_db.h"
#include "suppress.h"

/* domain_key - "@domain" or "domain" checked and folded into key */
static int
domain_key(const char *d, size_t n, char key[ADDR_KEY_MAX + 1], struct cerr *e)
{
	char	path[ADDR_KEY_MAX + 8];
	struct addr a;
	struct cerr ae;

	if (n > ADDR_DOMAIN_MAX)
		return cerr_set(e, "domain longer than %d bytes", ADDR_DOMAIN_MAX);
	snprintf(path, sizeof(path), "<x@%.*s>", (int)n, d);
	if (addr_parse_path(path, strlen(path), &a, NULL, &ae) < 0)
		return cerr_set(e, "bad domain \"%.*s\": %s", (int)n, d, ae.msg);
	if (addr_key(&a, path, sizeof(path)) < 0 || strlen(path + 2) > ADDR_KEY_MAX)
		return cerr_set(e, "domain too long");
	memcpy(key, path + 2, strlen(path + 2) + 1);
	return 0;
}

int
sup_key(const char *arg, size_t n, char key[ADDR_KEY_MAX + 1], int *domain,
	struct cerr *e)
{
	struct addr a;
	struct cerr ae;

	*domain = 0;
	if (n > 0 && arg[0] == '@' && memchr(arg, ':', n) == NULL) {
		*domain = 1;
		return domain_key(arg + 1, n - 1, key, e);
	}
	if (memchr(arg, '@', n) == NULL && memchr(arg, '<', n) == NULL && n > 0) {
		if (memchr(arg, '.', n) == NULL)
			return cerr_set(e, "bad address: no @domain (a whole domain is "
					"written @domain or with a dot)");
		*domain = 1;
		return domain_key(arg, n, key, e);
	}
	if (addr_parse_path(arg, n, &a, NULL, &ae) < 0)
		return cerr_set(e, "bad address: %s", ae.msg);
	if (a.null)
		return cerr_set(e, "the null address <> cannot be suppressed");
	if (addr_key(&a, key, ADDR_KEY_MAX + 1) < 0)
		return cerr_set(e, "address too long");
	return 0;
}

/* is_action - does the reason already read as an access(5) action? */
static int
is_action(const char *r, size_t n)
{
	static const char *const words[] = {
		"REJECT", "DEFER", "DEFER_IF_PERMIT", "DEFER_IF_REJECT",
		"DISCARD", "HOLD", "OK", "DUNNO",
	};
	size_t	w = 0, i;

	while (w < n && r[w] != ' ')
		w++;
	if (w == 3 && (r[0] == '4' || r[0] == '5')
	    && isdigit((unsigned char)r[1]) && isdigit((unsigned char)r[2]))
		return 1;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == w && strncasecmp(r, words[i], w) == 0)
			return 1;
	return 0;
}

int
sup_value(const struct sup *s, const char *reason, size_t n, struct buf *out,
	  struct cerr *e)
{
	size_t	i;

	while (n > 0 && (reason[0] == ' ' || reason[0] == '\t'))
		reason++, n--;
	while (n > 0 && (reason[n - 1] == ' ' || reason[n - 1] == '\t'))
		n--;
	if (n > SUP_REASON_MAX)
		return cerr_set(e, "reason longer than %d bytes", SUP_REASON_MAX);
	buf_reset(out);
	if (n == 0)
		return buf_appendf(out, "550 5.7.1 suppressed: manual %s", s->date) < 0
		    ? cerr_set(e, "out of memory") : 0;
	if (!is_action(reason, n) && buf_puts(out, "550 5.7.1 suppressed: ") < 0)
		return cerr_set(e, "out of memory");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)reason[i];

		if (c == '\0' || (c < 0x20 && c != '\t') || c == 0x7f)
			return cerr_set(e, "control character in reason");
		if (buf_putc(out, c == '\t' ? ' ' : c) < 0)
			return cerr_set(e, "out of memory");
	}
	if (!is_action(reason, n) && buf_appendf(out, " %s", s->date) < 0)
		return cerr_set(e, "out of memory");
	return 0;
}

/* sup_open_status - exit status for a failed map_db_open() */
int
sup_open_status(int err)
{
	if (err == ENOENT)
		return EX_NOINPUT;
	if (err == EACCES || err == EPERM)
		return EX_NOPERM;
	return EX_IOERR;
}

struct map_db *
sup_open(const char *name, int flags, int *status)
{
	struct cerr e;
	struct map_db *m;

	if ((m = map_db_open(name, flags, &e)) == NULL) {
		*status = sup_open_status(errno);
		clog_warnx("%s", e.msg);
	}
	return m;
}

/* join_args - the reason words back into one string */
static int
join_args(int argc, char **argv, struct buf *b)
{
	int	i;

	for (i = 0; i < argc; i++)
		if ((i && buf_putc(b, ' ') < 0) || buf_puts(b, argv[i]) < 0)
			return -1;
	return 0;
}

int
cmd_add(const struct sup *s, int argc, char **argv)
{
	char	key[ADDR_KEY_MAX + 1];
	struct buf reason, value;
	struct cerr e;
	struct map_db *m;
	int	domain, status = EX_OK;

	if (argc < 2) {
		clog_warnx("usage: add ADDRESS [REASON...]");
		return EX_USAGE;
	}
	buf_init(&reason, SUP_REASON_MAX);
	buf_init(&value, MAP_VALUE_MAX);
	if (join_args(argc - 2, argv + 2, &reason) < 0) {
		clog_warnx("add: reason longer than %d bytes", SUP_REASON_MAX);
		status = EX_DATAERR;
	} else if (sup_key(argv[1], strlen(argv[1]), key, &domain, &e) < 0
		   || sup_value(s, reason.data ? reason.data : "", reason.len, &value, &e) < 0) {
		clog_warnx("add %s: %s", argv[1], e.msg);
		status = EX_DATAERR;
	} else if ((m = map_db_open(s->table, MAP_RDWR | MAP_CREATE, &e)) == NULL) {
		status = sup_open_status(errno);
		clog_warnx("%s", e.msg);
	} else {
		if (map_db_update(m, key, buf_cstr(&value), &e) < 0) {
			clog_warnx("add %s: %s", key, e.msg);
			status = EX_IOERR;
		}
		map_db_close(m);
	}
	buf_free(&reason);
	buf_free(&value);
	return status;
}

/* remove_key - delete key; for a domain also a hand-made "@domain" entry */
static int
remove_key(struct map_db *m, const char *key, int domain, struct cerr *e)
{
	char	at[ADDR_KEY_MAX + 2];
	int	r, r2 = 0;

	if ((r = map_db_delete(m, key, e)) < 0)
		return -1;
	if (domain) {
		snprintf(at, sizeof(at), "@%s", key);
		if ((r2 = map_db_delete(m, at, e)) < 0)
			return -1;
	}
	return r || r2;
}

int
cmd_remove(const struct sup *s, int argc, char **argv)
{
	char	key[ADDR_KEY_MAX + 1];
	struct cerr e;
	struct map_db *m;
	int	domain, r;

	if (argc != 2) {
		clog_warnx("usage: remove ADDRESS");
		return EX_USAGE;
	}
	if (sup_key(argv[1], strlen(argv[1]), key, &domain, &e) < 0) {
		clog_warnx("remove %s: %s", argv[1], e.msg);
		return EX_DATAERR;
	}
	if ((m = map_db_open(s->table, MAP_RDWR, &e)) == NULL) {
		r = sup_open_status(errno);
		clog_warnx("%s", e.msg);
		return r;
	}
	r = remove_key(m, key, domain, &e);
	map_db_close(m);
	if (r < 0) {
		clog_warnx("remove %s: %s", key, e.msg);
		return EX_IOERR;
	}
	if (r == 0)
		clog_warnx("remove %s: not in the table", key);
	return EX_OK;
}
