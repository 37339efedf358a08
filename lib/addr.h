/*
 * NAME
 *	addr - SMTP path and header address parsing, normalisation, VERP
 * SYNOPSIS
 *	#include "addr.h"
 *
 *	struct addr a;
 *	struct cerr e;
 *	const char *params;
 *	if (addr_parse_path(arg, strlen(arg), &a, &params, &e) < 0)
 *		... e.msg ...			"missing domain"
 *	if (addr_parse_header(value, n, &a, &e) < 0) ...
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
 *	path without angle brackets is accepted (as Postfix accepts it with
 *	strict_rfc821_envelopes off); it ends at the first space.  Leading
 *	spaces are skipped ("MAIL FROM: <a@b>").  The input is n bytes and
 *	need not be NUL-terminated.  Every byte of the input (parameters
 *	too) must be printable ASCII: the first bad byte names the error
 *	(ADDR_ENUL, ADDR_ECRLF, ADDR_ECTRL, ADDR_E8BIT).  A bare "postmaster"
 *	without a domain is ADDR_ENODOMAIN: the caller decides.
 *
 *	Grammar: a dot-string local part (atext and dots; leading, trailing
 *	and repeated dots are tolerated, as Postfix tolerates them) or a
 *	quoted string (backslash escapes kept); a domain made of letters,
 *	digits, '-', '_' and single dots (one trailing dot allowed), or an
 *	address literal [...].
 *
 *	addr_parse_header() parses one address from a header value:
 *	"Name <local@domain>", "local@domain (comment)", or "local@domain".
 *	Of a list ("a@b, c@d") the first address is taken.  Folding (CRLF
 *	or LF followed by SP/TAB) and TAB are white space; the display name
 *	and comments may carry 8-bit bytes, the address may not.  "<>" is
 *	ADDR_ESYNTAX here.
 *
 *	Both return 0, or -1 with e (may be NULL) filled with the text of
 *	the named reason below, exactly addr_strerror(reason): struct cerr
 *	is the one error channel.
 *
 *	addr_key() writes the table lookup key: local@domain folded to lower
 *	case (quotes removed when the quoted local part needs none), one
 *	trailing dot of the domain removed, "" for the null path.
 *	addr_verp() writes local=domain (local part as for the key but with
 *	its case kept, domain lower-cased), -1 for the null path.
 *	addr_format() writes local@domain as it came.  These return 0, or -1
 *	when out is too small (ADDR_KEY_MAX + 1 is always enough).
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
			const char **params, struct cerr *e);
int	addr_parse_header(const char *s, size_t n, struct addr *a, struct cerr *e);
int	addr_key(const struct addr *a, char *out, size_t outlen);
int	addr_verp(const struct addr *a, char *out, size_t outlen);
int	addr_format(const struct addr *a, char *out, size_t outlen);
const char *addr_domain_of(const char *key);

#endif
