/*
 * NAME
 *	map_access - the lookup order of Postfix's check_recipient_access on
 *	an access(5) table (suppress_lookup() in map_db.h)
 * SYNOPSIS
 *	 * DESCRIPTION
 *	All probes of one address run under one shared lock, so a table
 *	rebuilt meanwhile is seen whole or not at all.  The first key found
 *	decides; its action counts as a suppression unless it is OK, DUNNO
 *	or a number (2xx, or a bare number, as access(5) reads it).
 * DIAGNOSTICS
 *	-1 with the error text in the caller's struct cerr.
 * SEE ALSO
 *	map_db.h, map_rec.h; Postfix access(5), smtpd_check.c
 *	(check_mail_access, check_domain_access).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "map_rec.h"

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

	if (map_rec_fold(key, k, &klen, e) < 0)
		return -1;
	if ((r = map_rec_get(m, k, klen, val, e)) <= 0)
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
	if (map_lock(m, LOCK_SH, e) < 0)
		return -1;
	r = access_probe(m, addr_key, val, &hit, e);
	(void)map_unlock(m, 0, NULL);
	if (r < 0)
		return -1;
	return r == 1 && hit;
}
