/*
 * NAME
 *	provider - the provider table (postfix-conf/providers): how a mailbox
 *	provider is recognised and the limits its transport gets
 * SYNOPSIS
 *	#include "provider.h"
 *
 *	struct provider_table t = {0};
 *	struct buf errs;
 *	buf_init(&errs, 64 * 1024);
 *	if (provider_load(&t, "/etc/postfix/campaign/providers", &errs) > 0)
 *		... fputs(buf_cstr(&errs), stderr); exit(78);
 *	p = provider_by_domain(&t, "gmail.com", 9);
 *	p = provider_by_mx(&t, "alt1.gmail-smtp-in.l.google.com", n);
 *	p = provider_find(&t, "google", 6);
 *	provider_free(&t);
 * DESCRIPTION
 *	One provider a line, '#' starts a comment, fields separated by blanks:
 *
 *	  NAME domains=D1,D2,... mx=SUFFIX1,... connections=N
 *	       per_connection=N rate_delay=DURATION tls=may|encrypt|dane
 *
 *	NAME is 1 to PROVIDER_NAME_MAX of a-z, 0-9 and '-'; its Postfix
 *	transport (an smtp(8) clone made by campaign-setup --providers) is
 *	"campaign-NAME".  domains= (required, at least one) are recipient
 *	domains, matched whole and without regard to case; mx= are host name
 *	suffixes matched at a label boundary ("google.com" matches
 *	"aspmx.l.google.com" and "google.com", not "notgoogle.com"); a
 *	leading dot (".google.com", as campaign-setup's table writes them)
 *	means the same.
 *	connections= (required, 1..100000) becomes the transport's
 *	_destination_concurrency_limit; per_connection= (0..100000, default
 *	0: Postfix's own) the messages per connection; rate_delay= (default
 *	0) the _destination_rate_delay; tls= (default may).  A DURATION is
 *	a number with an optional s, m, h, d or w (seconds when bare); a
 *	rate_delay has at most 6 digits.  What campaign-setup --providers
 *	accepts, this parser accepts (it asks for less: domains= and
 *	connections= only).  A key may not repeat, nor may a name, nor a
 *	domain across providers; unknown keys are errors.
 *
 *	provider_parse() reads n bytes of table text named name (for the
 *	messages); provider_load() reads a file.  Both append one "name:line:
 *	problem" line to errs per malformed line (or "name: problem" when the
 *	file cannot be read), read to the end, keep the good lines and
 *	return the number of problems (0: all good).  A line is at most
 *	PROVIDER_LINE_MAX bytes; at most PROVIDER_MAX providers.
 *
 *	provider_find(), provider_by_domain() and provider_by_mx() return
 *	the provider (owned by the table) or NULL.  provider_of() places a
 *	Postfix delivery line (none of its strings NUL-terminated): the
 *	transport "campaign-NAME" as a component of the syslog tag
 *	("postfix/campaign-google/smtp", syslog_name of the clone), else the
 *	recipient's domain, else the relay's host name ("mx.example[ip]:25")
 *	under an mx= suffix; NULL when none is a provider's.  provider_duration()
 *	parses a DURATION into seconds: 0, or -1 on bad syntax or a value
 *	over max.  provider_free() releases everything and leaves an empty
 *	table.
 * SEE ALSO
 *	postfix-conf/providers, campaign-shaper(8), Postfix qmgr(8)
 *	(transport_destination_concurrency_limit, _destination_rate_delay).
 */
#ifndef PROVIDER_H
#define PROVIDER_H

#include <stddef.h>

#include "buf.h"
#include "cerr.h"

#define PROVIDER_NAME_MAX	32
#define PROVIDER_LINE_MAX	8192
#define PROVIDER_MAX		256
#define PROVIDER_FILE_MAX	(16 * 1024 * 1024)
#define PROVIDER_TRANSPORT_MAX	(PROVIDER_NAME_MAX + 9)	/* "campaign-" NAME */

enum provider_tls { PROVIDER_TLS_MAY, PROVIDER_TLS_ENCRYPT, PROVIDER_TLS_DANE };

struct provider {
	char	name[PROVIDER_NAME_MAX + 1];
	char  **domains;
	size_t	ndomains;
	char  **mx;
	size_t	nmx;
	long	connections;
	long	per_connection;
	long	rate_delay;		/* seconds */
	enum provider_tls tls;
	int	line;
};

struct provider_table {
	struct provider *v;
	size_t	n;
};

int	provider_parse(struct provider_table *t, const char *text, size_t n,
		       const char *name, struct buf *errs);
int	provider_load(struct provider_table *t, const char *path, struct buf *errs);
const struct provider *provider_find(const struct provider_table *t,
				     const char *name, size_t n);
const struct provider *provider_by_domain(const struct provider_table *t,
					  const char *domain, size_t n);
const struct provider *provider_by_mx(const struct provider_table *t,
				      const char *host, size_t n);
const struct provider *provider_of(const struct provider_table *t,
				   const char *tag, size_t tagn, const char *rcpt,
				   size_t rcptn, const char *relay, size_t relayn);
int	provider_duration(const char *s, long max, long *secs);
int	provider_name_ok(const char *s, size_t n);
void	provider_free(struct provider_table *t);

#endif
