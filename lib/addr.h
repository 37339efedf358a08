/*
 * NAME
 *	addr - SMTP path and header address parsing, normalisation, VERP
 * SYNOPSIS
 *	#include "addr.h"
 *
 *	struct addr a;
 *	struct cerr e;
 *	if (addr_parse_path(arg, strlen(arg), &a, &params, &e) < 0) ...
 *	addr_key(&a, key, sizeof(key));		lookup key, lower case
 *	addr_verp(&a, verp, sizeof(verp));		"local=domain"
 * DESCRIPTION
 *	struct addr holds one mailbox: local part as it appears (quotes kept
 *	when the local part needs them), domain, and whether it is the null
 *	path <>.  Sizes follow RFC 5321 4.5.3.1: local part at most 64
 *	octets, domain at most 255, path at most 256.
 *
 *	addr_parse_path() parses an SMTP path as MAIL FROM / RCPT TO carry it
 *	(and as libmilter passes envfrom/envrcpt argv[0]): "<local@domain>",
 *	"<>", "<@a,@b:local@domain>" (source route ignored), optionally
 *	followed by space and ESMTP parameters; *params (may be NULL) gets a
 *	pointer into s at the parameters, or at the terminating byte.  A
 *	path without angle brackets is accepted (Postfix does the same for
 *	milter arguments) only when it contains no space.  The input is n
 *	bytes and need not be NUL-terminated.
 *
 *	addr_parse_header() parses one address from a header value:
 *	"Name <local@domain>", "local@domain (comment)", or "local@domain".
 *
 *	Both return 0, or -1 with e filled and *err set (when err is not
 *	NULL) to the named reason below.
 *
 *	addr_key() writes the table lookup key: local@domain folded to lower
 *	case (quotes removed when the quoted local part needs none), "" for
 *	the null path.  addr_verp() writes local=domain (lower-cased domain).
 *	addr_format() writes local@domain as it came.  These return 0, or -1
 *	when out is too small.
 *
 *	addr_domain_of() returns a pointer to the domain part of a lookup key
 *	(after the last '@'), or NULL.
 */
#ifndef ADDR_H
#define ADDR_H

#include <stddef.h>

#include "cerr.h"

#define ADDR_LOCAL_MAX	64
#define ADDR_DOMAIN_MAX	255
#define ADDR_PATH_MAX	256
#define ADDR_KEY_MAX	(ADDR_LOCAL_MAX + 1 + ADDR_DOMAIN_MAX + 1)

enum addr_error {
	ADDR_OK = 0,
	ADDR_ENUL,		/* NUL byte */
	ADDR_ECRLF,		/* CR or LF */
	ADDR_ECTRL,		/* other control byte */
	ADDR_ETOOLONG,		/* local part, domain or path over RFC 5321 size */
	ADDR_EBRACKET,		/* missing or unbalanced < > */
	ADDR_EEMPTYLOCAL,	/* "@domain" */
	ADDR_ENODOMAIN,		/* no '@' or empty domain */
	ADDR_ESYNTAX,		/* anything else */
	ADDR_E8BIT,		/* 8-bit byte where not allowed */
};

struct addr {
	char	local[ADDR_LOCAL_MAX + 3];	/* room for quotes */
	char	domain[ADDR_DOMAIN_MAX + 1];
	int	null;				/* the null path <> */
};

const char *addr_strerror(enum addr_error err);
int	addr_parse_path(const char *s, size_t n, struct addr *a,
			const char **params, enum addr_error *err, struct cerr *e);
int	addr_parse_header(const char *s, size_t n, struct addr *a,
			  enum addr_error *err, struct cerr *e);
int	addr_key(const struct addr *a, char *out, size_t outlen);
int	addr_verp(const struct addr *a, char *out, size_t outlen);
int	addr_format(const struct addr *a, char *out, size_t outlen);
const char *addr_domain_of(const char *key);

#endif
