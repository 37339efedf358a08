/*
 * NAME
 *	provider - the provider table: parser and lookups (see provider.h)
 * SYNOPSIS
 *	#include "provider.h"
 * DESCRIPTION
 *	A line is copied into a bounded buffer, cut into blank-separated
 *	words and each KEY=VALUE word is handed to the parser of its key
 *	(keys[]).  The lists (domains, mx) are split on commas, each item a
 *	DNS name of at most 253 bytes.  Nothing here prints: problems go to
 *	the caller's buffer as "name:line: problem".
 * DIAGNOSTICS
 *	provider_parse() and provider_load() return the number of problems.
 * SEE ALSO
 *	provider.h, postfix-conf/providers, shaper/campaign-shaper.c
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "provider.h"

#define HOST_MAX	253
#define LIST_MAX	1000		/* items in one domains= or mx= list */
#define RATE_DELAY_MAX	(999999L * 7 * 86400)	/* what campaign-setup accepts */

/* a line being parsed: which keys were seen */
struct pline {
	struct provider *p;
	unsigned seen;
};

typedef int (*key_fn)(struct pline *, const char *, struct cerr *);

static int key_domains(struct pline *, const char *, struct cerr *);
static int key_mx(struct pline *, const char *, struct cerr *);
static int key_connections(struct pline *, const char *, struct cerr *);
static int key_per_connection(struct pline *, const char *, struct cerr *);
static int key_rate_delay(struct pline *, const char *, struct cerr *);
static int key_tls(struct pline *, const char *, struct cerr *);

static const struct {
	const char *name;
	key_fn	fn;
} keys[] = {
	{ "domains", key_domains }, { "mx", key_mx },
	{ "connections", key_connections }, { "per_connection", key_per_connection },
	{ "rate_delay", key_rate_delay }, { "tls", key_tls },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))
#define SEEN(k)	(1u << (k))

int
provider_name_ok(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > PROVIDER_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

int
provider_duration(const char *s, long max, long *secs)
{
	char   *end;
	long	n, mul = 1;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || (*end && end[1]))
		return -1;
	switch (*end) {
	case 0: case 's': break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	case 'w': mul = 7 * 86400; break;
	default: return -1;
	}
	if (n > max / mul)
		return -1;
	*secs = n * mul;
	return 0;
}

/* number - a decimal in [min, max] */
static int
number(const char *s, long min, long max, long *out, const char *key, struct cerr *e)
{
	char   *end;
	long	n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (!isdigit((unsigned char)*s) || errno || *end || n < min || n > max)
		return cerr_set(e, "%s= needs a number from %ld to %ld", key, min, max);
	*out = n;
	return 0;
}

/* host_ok - a DNS name: letters, digits, '-', '.', not empty or too long */
static int
host_ok(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > HOST_MAX || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.'
		    && s[i] != '_')
			return 0;
	return 1;
}

/* split_list - "a,b,c" into a new array of lower-cased strings; with
 * dots set an item may start with "." (a suffix: the dot is dropped) */
static int
split_list(const char *v, char ***out, size_t *nout, const char *key, int dots,
	   struct cerr *e)
{
	const char *p = v, *end;
	char  **arr, *s;
	size_t	n = 0, i;

	if ((arr = calloc(LIST_MAX, sizeof(*arr))) == NULL)
		return cerr_set(e, "out of memory");
	for (;; p = end + 1) {
		end = p + strcspn(p, ",");
		if (dots && *p == '.' && end > p + 1)
			p++;
		if (!host_ok(p, (size_t)(end - p)) || n >= LIST_MAX
		    || (s = strndup(p, (size_t)(end - p))) == NULL)
			break;
		for (i = 0; s[i]; i++)
			s[i] = (char)tolower((unsigned char)s[i]);
		arr[n++] = s;
		if (*end == 0) {
			*out = arr;
			*nout = n;
			return 0;
		}
	}
	while (n > 0)
		free(arr[--n]);
	free(arr);
	return cerr_set(e, "%s= needs a comma-separated list of host names (at most %d)",
	    key, LIST_MAX);
}

static int
key_domains(struct pline *l, const char *v, struct cerr *e)
{
	return split_list(v, &l->p->domains, &l->p->ndomains, "domains", 0, e);
}

static int
key_mx(struct pline *l, const char *v, struct cerr *e)
{
	return split_list(v, &l->p->mx, &l->p->nmx, "mx", 1, e);
}

static int
key_connections(struct pline *l, const char *v, struct cerr *e)
{
	return number(v, 1, 100000, &l->p->connections, "connections", e);
}

static int
key_per_connection(struct pline *l, const char *v, struct cerr *e)
{
	return number(v, 0, 100000, &l->p->per_connection, "per_connection", e);
}

static int
key_rate_delay(struct pline *l, const char *v, struct cerr *e)
{
	if (strlen(v) > 7 || provider_duration(v, RATE_DELAY_MAX, &l->p->rate_delay) < 0)
		return cerr_set(e, "rate_delay= needs a duration (0, or up to 6 digits with s, m, h, d or w)");
	return 0;
}

static int
key_tls(struct pline *l, const char *v, struct cerr *e)
{
	if (strcmp(v, "may") == 0)
		l->p->tls = PROVIDER_TLS_MAY;
	else if (strcmp(v, "encrypt") == 0)
		l->p->tls = PROVIDER_TLS_ENCRYPT;
	else if (strcmp(v, "dane") == 0)
		l->p->tls = PROVIDER_TLS_DANE;
	else
		return cerr_set(e, "tls= needs may, encrypt or dane");
	return 0;
}

/* one_key - one KEY=VALUE word */
static int
one_key(struct pline *l, char *word, struct cerr *e)
{
	char   *eq = strchr(word, '=');
	size_t	k;

	if (eq == NULL)
		return cerr_set(e, "expected KEY=VALUE, got \"%.40s\"", word);
	*eq = 0;
	for (k = 0; k < NKEYS; k++)
		if (strcmp(word, keys[k].name) == 0)
			break;
	if (k == NKEYS)
		return cerr_set(e, "unknown key \"%.40s\"", word);
	if (l->seen & SEEN(k))
		return cerr_set(e, "%s= given twice", word);
	l->seen |= SEEN(k);
	return keys[k].fn(l, eq + 1, e);
}

static void
provider_clear(struct provider *p)
{
	while (p->ndomains > 0)
		free(p->domains[--p->ndomains]);
	while (p->nmx > 0)
		free(p->mx[--p->nmx]);
	free(p->domains);
	free(p->mx);
	memset(p, 0, sizeof(*p));
}

/* taken - a name or domain of p that the table already has */
static int
taken(const struct provider_table *t, const struct provider *p, struct cerr *e)
{
	size_t	i;

	if (provider_find(t, p->name, strlen(p->name)) != NULL)
		return cerr_set(e, "provider %s is defined twice", p->name);
	for (i = 0; i < p->ndomains; i++)
		if (provider_by_domain(t, p->domains[i], strlen(p->domains[i])) != NULL)
			return cerr_set(e, "domain %s belongs to another provider", p->domains[i]);
	return 0;
}

/* parse_words - NAME and its KEY=VALUE words into p */
static int
parse_words(const struct provider_table *t, char *s, struct provider *p, struct cerr *e)
{
	struct pline l = { p, 0 };
	char   *w, *save = NULL;

	w = strtok_r(s, " \t", &save);
	if (!provider_name_ok(w, strlen(w)))
		return cerr_set(e, "bad provider name \"%.40s\" (1-%d of a-z 0-9 -)",
		    w, PROVIDER_NAME_MAX);
	memcpy(p->name, w, strlen(w) + 1);
	while ((w = strtok_r(NULL, " \t", &save)) != NULL)
		if (one_key(&l, w, e) < 0)
			return -1;
	if (!(l.seen & SEEN(0)))
		return cerr_set(e, "provider %s has no domains=", p->name);
	if (!(l.seen & SEEN(2)))
		return cerr_set(e, "provider %s has no connections=", p->name);
	return taken(t, p, e);
}

/* parse_line - one line (n bytes, no newline); 0 also for blank lines */
static int
parse_line(struct provider_table *t, const char *text, size_t n, int lineno,
	   struct cerr *e)
{
	char	s[PROVIDER_LINE_MAX + 1];
	struct provider p = {0}, *v;
	size_t	i;

	if (n > PROVIDER_LINE_MAX)
		return cerr_set(e, "line longer than %d bytes", PROVIDER_LINE_MAX);
	for (i = 0; i < n; i++)
		if ((unsigned char)text[i] < ' ' && text[i] != '\t' && !(text[i] == '\r' && i == n - 1))
			return cerr_set(e, "NUL or control character in line");
	memcpy(s, text, n);
	s[n] = 0;
	s[strcspn(s, "#\r")] = 0;
	if (s[strspn(s, " \t")] == 0)
		return 0;
	if (t->n >= PROVIDER_MAX)
		return cerr_set(e, "more than %d providers", PROVIDER_MAX);
	p.line = lineno;
	if (parse_words(t, s, &p, e) < 0 || (v = realloc(t->v, (t->n + 1) * sizeof(*v))) == NULL) {
		if (e->msg[0] == 0)
			cerr_set(e, "out of memory");
		provider_clear(&p);
		return -1;
	}
	t->v = v;
	t->v[t->n++] = p;
	return 0;
}

int
provider_parse(struct provider_table *t, const char *text, size_t n,
	       const char *name, struct buf *errs)
{
	const char *p = text, *end = text + n, *nl;
	struct cerr e;
	int	lineno = 0, bad = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		lineno++;
		e.msg[0] = 0;
		if (parse_line(t, p, (size_t)((nl ? nl : end) - p), lineno, &e) < 0) {
			buf_appendf(errs, "%s:%d: %s\n", name, lineno, e.msg);
			bad++;
		}
		p = nl ? nl + 1 : end;
	}
	return bad;
}

int
provider_load(struct provider_table *t, const char *path, struct buf *errs)
{
	struct buf text;
	struct cerr e;
	int	bad;

	buf_init(&text, PROVIDER_FILE_MAX);
	if (buf_read_file(&text, path, &e) < 0) {
		buf_appendf(errs, "%s\n", e.msg);
		bad = 1;
	} else {
		bad = provider_parse(t, text.data ? text.data : "", text.len, path, errs);
	}
	buf_free(&text);
	return bad;
}

const struct provider *
provider_find(const struct provider_table *t, const char *name, size_t n)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		if (strlen(t->v[i].name) == n && memcmp(t->v[i].name, name, n) == 0)
			return &t->v[i];
	return NULL;
}

const struct provider *
provider_by_domain(const struct provider_table *t, const char *domain, size_t n)
{
	size_t	i, j;

	for (i = 0; i < t->n; i++)
		for (j = 0; j < t->v[i].ndomains; j++)
			if (strlen(t->v[i].domains[j]) == n
			    && strncasecmp(t->v[i].domains[j], domain, n) == 0)
				return &t->v[i];
	return NULL;
}

/* suffix_at_label - host ends with suffix, at a label boundary */
static int
suffix_at_label(const char *host, size_t n, const char *suffix)
{
	size_t	m = strlen(suffix);

	if (m > n || strncasecmp(host + n - m, suffix, m) != 0)
		return 0;
	return m == n || host[n - m - 1] == '.';
}

const struct provider *
provider_by_mx(const struct provider_table *t, const char *host, size_t n)
{
	size_t	i, j;

	while (n > 0 && host[n - 1] == '.')
		n--;
	for (i = 0; i < t->n; i++)
		for (j = 0; j < t->v[i].nmx; j++)
			if (suffix_at_label(host, n, t->v[i].mx[j]))
				return &t->v[i];
	return NULL;
}

void
provider_free(struct provider_table *t)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		provider_clear(&t->v[i]);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

/* tag_provider - "campaign-NAME" as a component of a syslog tag */
static const struct provider *
tag_provider(const struct provider_table *t, const char *p, size_t n)
{
	const char *end = p + n, *slash;
	const struct provider *x;

	for (; p < end; p = slash + 1) {
		slash = memchr(p, '/', (size_t)(end - p));
		if (slash == NULL)
			slash = end;
		if (slash - p > 9 && memcmp(p, "campaign-", 9) == 0
		    && (x = provider_find(t, p + 9, (size_t)(slash - p - 9))) != NULL)
			return x;
	}
	return NULL;
}

const struct provider *
provider_of(const struct provider_table *t, const char *tag, size_t tagn,
	    const char *rcpt, size_t rcptn, const char *relay, size_t relayn)
{
	const struct provider *x;
	const char *at, *br;

	if ((x = tag_provider(t, tag, tagn)) != NULL)
		return x;
	at = rcptn ? memrchr(rcpt, '@', rcptn) : NULL;
	if (at != NULL && (x = provider_by_domain(t, at + 1,
	    (size_t)(rcpt + rcptn - at - 1))) != NULL)
		return x;
	if (relayn == 0)
		return NULL;
	br = memchr(relay, '[', relayn);
	return provider_by_mx(t, relay, br ? (size_t)(br - relay) : relayn);
}
