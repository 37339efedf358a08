/*
 * NAME
 *	conf - campaign.conf reader (see conf.h)
 * DESCRIPTION
 *	One table, settings[], describes every setting: add a row (and a
 *	field in struct campaign_conf) to add one.  Nothing here prints;
 *	problems are appended to the caller's buffer as "file:line: text".
 * SEE ALSO
 *	Postfix readlline.c, CONFIG_*_TABLE in pipe.c; OpenSMTPD parse.y.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clog.h"
#include "conf.h"
#include "policy.h"

enum conf_type { T_STR, T_INT, T_TIME, T_SIZE, T_BOOL };

struct setting {
	const char *name;
	enum conf_type type;
	const char *defval;		/* NULL: none */
	long	min, max;		/* numeric types */
	size_t	offset;
	const char *(*check)(const char *value);	/* NULL or problem text */
};

static const char *check_return_path(const char *);
static const char *check_facility(const char *);
static const char *check_hostport(const char *);
static const char *check_table(const char *);
static const char *check_socket(const char *);
static const char *check_policy(const char *);
static const char *check_address(const char *);
static const char *check_abspath(const char *);

#define F(field) offsetof(struct campaign_conf, field)

static const struct setting settings[] = {
	{"return_path", T_STR, NULL, 0, 0, F(return_path), check_return_path},
	{"default_campaign", T_STR, "default", 0, 0, F(default_campaign), NULL},
	{"senders_table", T_STR, NULL, 0, 0, F(senders_table), check_table},
	{"unsubscribe_url", T_STR, NULL, 0, 0, F(unsubscribe_url), NULL},
	{"unsubscribe_mailto", T_STR, NULL, 0, 0, F(unsubscribe_mailto), NULL},
	{"unsubscribe_secret_file", T_STR, NULL, 0, 0, F(unsubscribe_secret_file), NULL},
	{"feedback_id", T_STR, NULL, 0, 0, F(feedback_id), NULL},
	{"milter_socket", T_STR, "unix:/run/campaign-milter/milter.sock", 0, 0,
	 F(milter_socket), check_socket},
	{"max_header_bytes", T_SIZE, "256k", 1024, 64L << 20, F(max_header_bytes), NULL},
	{"suppression_table", T_STR, "hash:/etc/postfix/campaign/suppression", 0, 0,
	 F(suppression_table), check_table},
	{"reinject_to", T_STR, "127.0.0.1:10026", 0, 0, F(reinject_to), check_hostport},
	{"reinject_connections", T_INT, "1", 1, CONF_REINJECT_CONNS_MAX, F(reinject_connections),
	 NULL},
	{"filter_deadline", T_TIME, "300s", 1, 86400, F(filter_deadline), NULL},
	{"filter_memory_limit", T_SIZE, "1m", 4096, 1L << 30, F(filter_memory_limit), NULL},
	{"filter_state_dir", T_STR, "/var/lib/campaign-filter", 0, 0, F(filter_state_dir),
	 check_abspath},
	{"batch_address", T_STR, "batch@batch.campaign.invalid", 0, 0, F(batch_address),
	 check_address},
	{"batch_max_recipients", T_INT, "1000", 1, 100000, F(batch_max_recipients), NULL},
	{"batch_max_bytes", T_SIZE, "10m", 1024, 1L << 30, F(batch_max_bytes), NULL},
	{"syslog_facility", T_STR, "mail", 0, 0, F(syslog_facility), check_facility},
	{"bounce_rules", T_STR, "/etc/postfix/campaign/bounce-rules", 0, 0, F(bounce_rules), NULL},
	{"bounce_policy", T_STR, "bad-mailbox=suppress bad-domain=suppress complaint=suppress unsubscribe=suppress inactive-mailbox=soft quota=soft message-expired=soft",
	 0, 0, F(bounce_policy), check_policy},
	{"bounce_soft_limit", T_INT, "3", 1, 1000, F(bounce_soft_limit), NULL},
	{"bounce_soft_window", T_TIME, "7d", 60, 366L * 86400, F(bounce_soft_window), NULL},
	{"bounce_state_table", T_STR, "hash:/etc/postfix/campaign/bounce-state", 0, 0,
	 F(bounce_state_table), check_table},
	{"unsubscribe_listen", T_STR, "127.0.0.1:8025", 0, 0, F(unsubscribe_listen),
	 check_hostport},
	{"unsubscribe_threads", T_INT, "2", 1, 64, F(unsubscribe_threads), NULL},
	{"unsubscribe_max_connections", T_INT, "1000", 1, 100000,
	 F(unsubscribe_max_connections), NULL},
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static const char *
check_return_path(const char *v)
{
	const char *at = strrchr(v, '@');

	if (at == NULL || at == v || at[1] == '\0')
		return "must be an address local@domain (may use %c and %r)";
	if (strpbrk(v, " \t<>\"") != NULL)
		return "must not contain spaces, quotes or angle brackets";
	return NULL;
}

static const char *
check_address(const char *v)
{
	const char *at = strrchr(v, '@');

	if (at == NULL || at == v || at[1] == '\0' || strpbrk(v, " \t<>\"%") != NULL)
		return "must be an address local@domain";
	return NULL;
}

static const char *
check_abspath(const char *v)
{
	return v[0] == '/' ? NULL : "must be an absolute path";
}

static const char *
check_facility(const char *v)
{
	return clog_facility_code(v) < 0 ? "unknown syslog facility" : NULL;
}

static const char *
check_hostport(const char *v)
{
	const char *colon = strrchr(v, ':');
	char   *end;
	long	port;

	if (colon == NULL || colon == v)
		return "must be HOST:PORT";
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 1 || port > 65535)
		return "port must be a number from 1 to 65535";
	return NULL;
}

static const char *
check_table(const char *v)
{
	if (strncmp(v, "hash:", 5) != 0 || v[5] != '/')
		return "must be hash:/absolute/path";
	return NULL;
}

static const char *
check_socket(const char *v)
{
	if (strncmp(v, "unix:/", 6) == 0 || strncmp(v, "local:/", 7) == 0
	    || strncmp(v, "inet:", 5) == 0 || strncmp(v, "inet6:", 6) == 0)
		return NULL;
	return "must be unix:/path or inet:port@host";
}

/* check_policy - bounce_policy: CATEGORY=suppress|soft|count words */
static const char *
check_policy(const char *v)
{
	static _Thread_local char why[CERR_MAX];
	struct policy p;
	struct cerr e;

	if (policy_parse(&p, v, &e) == 0)
		return NULL;
	snprintf(why, sizeof(why), "%s", e.msg);
	return why;
}

static const struct setting *
find_setting(const char *name)
{
	size_t	i;

	for (i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].name, name) == 0)
			return &settings[i];
	return NULL;
}

/* parse_number - number with an optional unit suffix; -1 on bad syntax */
static int
parse_number(const char *v, enum conf_type type, long *out)
{
	char   *end;
	long	n, mul = 1;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || n < 0)
		return -1;
	if (*end && end[1] == '\0') {
		int	u = tolower((unsigned char)*end);

		if (type == T_TIME && u == 's') mul = 1;
		else if (type == T_TIME && u == 'm') mul = 60;
		else if (type == T_TIME && u == 'h') mul = 3600;
		else if (type == T_TIME && u == 'd') mul = 86400;
		else if (type == T_SIZE && u == 'k') mul = 1024;
		else if (type == T_SIZE && u == 'm') mul = 1024L * 1024;
		else if (type == T_SIZE && u == 'g') mul = 1024L * 1024 * 1024;
		else return -1;
	} else if (*end) {
		return -1;
	}
	if (n > LONG_MAX / mul)
		return -1;
	*out = n * mul;
	return 0;
}

static int
parse_bool(const char *v, long *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int
problem(struct buf *errs, const char *where, const char *name, const char *text)
{
	buf_appendf(errs, "%s: %s%s%s\n", where, name ? name : "", name ? ": " : "", text);
	return 1;
}

/* store - check value against the setting's type and bounds, then keep it */
static int
store(struct campaign_conf *cf, const struct setting *s, const char *value,
      const char *where, struct buf *errs)
{
	char   *base = (char *)cf;
	const char *why;
	long	n;
	char	text[160];

	if (s->check && *value && (why = s->check(value)) != NULL)
		return problem(errs, where, s->name, why);
	if (s->type == T_STR) {
		char  **dst = (char **)(base + s->offset);
		char   *copy = *value ? strdup(value) : NULL;

		if (*value && copy == NULL)
			return problem(errs, where, s->name, "out of memory");
		free(*dst);
		*dst = copy;
		return 0;
	}
	if ((s->type == T_BOOL ? parse_bool(value, &n) : parse_number(value, s->type, &n)) < 0)
		return problem(errs, where, s->name, s->type == T_BOOL ? "must be yes or no"
		    : s->type == T_TIME ? "must be a time such as 30s, 5m, 1h"
		    : s->type == T_SIZE ? "must be a size such as 512k, 10m" : "must be a number");
	if (s->type != T_BOOL && (n < s->min || n > s->max)) {
		snprintf(text, sizeof(text), "%ld is out of range %ld..%ld", n, s->min, s->max);
		return problem(errs, where, s->name, text);
	}
	*(long *)(base + s->offset) = n;
	return 0;
}

int
conf_set(struct campaign_conf *cf, const char *name, const char *value,
	 const char *where, struct buf *errs)
{
	const struct setting *s = find_setting(name);

	if (s == NULL)
		return problem(errs, where, name, "unknown setting");
	return store(cf, s, value, where, errs);
}

int
conf_init(struct campaign_conf *cf)
{
	struct buf errs;
	size_t	i;
	int	n = 0;

	memset(cf, 0, sizeof(*cf));
	buf_init(&errs, 4096);
	for (i = 0; i < NSETTINGS; i++)
		if (settings[i].defval)
			n += store(cf, &settings[i], settings[i].defval, "default", &errs);
	buf_free(&errs);
	return n;
}

static char *
trim(char *s)
{
	char   *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* apply_line - one logical "name = value" line */
static int
apply_line(struct campaign_conf *cf, char *line, const char *where, struct buf *errs)
{
	char   *eq = strchr(line, '=');
	char   *name;

	if (eq == NULL)
		return problem(errs, where, NULL, "missing '=' (expected name = value)");
	*eq = '\0';
	name = trim(line);
	if (*name == '\0')
		return problem(errs, where, NULL, "missing setting name before '='");
	return conf_set(cf, name, trim(eq + 1), where, errs);
}

/* flush - apply the pending logical line, if any */
static int
flush(struct campaign_conf *cf, struct buf *logical, const char *path,
      int lineno, struct buf *errs)
{
	char	where[PATH_MAX + 32];
	int	n;

	if (logical->len == 0)
		return 0;
	snprintf(where, sizeof(where), "%s:%d", path, lineno);
	n = apply_line(cf, logical->data, where, errs);
	buf_reset(logical);
	return n;
}

/* bad_bytes - NUL or control bytes other than tab in a config line */
static int
bad_bytes(const struct buf *line)
{
	size_t	i;

	for (i = 0; i < line->len; i++) {
		unsigned char c = (unsigned char)line->data[i];

		if (c < ' ' && c != '\t' && c != '\n' && c != '\r')
			return 1;
	}
	return 0;
}

static int
read_lines(struct campaign_conf *cf, FILE *fp, const char *path, struct buf *errs)
{
	struct buf line, logical;
	int	lineno = 0, start = 0, n = 0, r;
	char	where[PATH_MAX + 32];

	buf_init(&line, 64 * 1024);
	buf_init(&logical, 64 * 1024);
	for (;;) {
		buf_reset(&line);
		if ((r = buf_getline(&line, fp)) == 0)
			break;
		lineno++;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		if (r < 0) {
			n += problem(errs, where, NULL, errno == EMSGSIZE ?
			    "line longer than 65536 bytes" : "read error");
			if (errno != EMSGSIZE)
				break;
			continue;
		}
		if (bad_bytes(&line)) {
			n += problem(errs, where, NULL, "NUL or control character in line");
			continue;
		}
		char   *t = trim(line.data);

		if (*t == '#' || *t == '\0')
			continue;
		if (isspace((unsigned char)line.data[0]) && logical.len) {
			if (buf_putc(&logical, ' ') < 0 || buf_puts(&logical, t) < 0)
				n += problem(errs, where, NULL, "continued line too long");
			continue;
		}
		n += flush(cf, &logical, path, start, errs);
		start = lineno;
		if (buf_puts(&logical, t) < 0)
			n += problem(errs, where, NULL, "line too long");
	}
	n += flush(cf, &logical, path, start, errs);
	buf_free(&line);
	buf_free(&logical);
	return n;
}

int
conf_load(struct campaign_conf *cf, const char *path, int must_exist, struct buf *errs)
{
	FILE   *fp;
	int	n;

	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && !must_exist)
			return 0;
		buf_appendf(errs, "%s: cannot open: %s\n", path, strerror(errno));
		return 1;
	}
	n = read_lines(cf, fp, path, errs);
	fclose(fp);
	return n;
}

int
conf_override(struct campaign_conf *cf, const char *arg, struct buf *errs)
{
	char   *copy = strdup(arg);
	int	n;

	if (copy == NULL)
		return problem(errs, "command line", NULL, "out of memory");
	n = apply_line(cf, copy, "command line", errs);
	free(copy);
	return n;
}

int
conf_require(const struct campaign_conf *cf, const char *name, struct buf *errs)
{
	const struct setting *s = find_setting(name);

	if (s == NULL || s->type != T_STR)
		return problem(errs, "configuration", name, "not a string setting");
	if (*(char *const *)((const char *)cf + s->offset) == NULL)
		return problem(errs, "configuration", name, "is required but not set");
	return 0;
}

void
conf_print(const struct campaign_conf *cf, FILE *fp)
{
	const char *base = (const char *)cf;
	size_t	i;

	for (i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];

		if (s->type == T_STR) {
			const char *v = *(char *const *)(base + s->offset);

			fprintf(fp, "%s = %s\n", s->name, v ? v : "");
		} else if (s->type == T_BOOL) {
			fprintf(fp, "%s = %s\n", s->name,
			    *(const long *)(base + s->offset) ? "yes" : "no");
		} else {
			fprintf(fp, "%s = %ld%s\n", s->name, *(const long *)(base + s->offset),
			    s->type == T_TIME ? "s" : "");
		}
	}
}

void
conf_free(struct campaign_conf *cf)
{
	char   *base = (char *)cf;
	size_t	i;

	for (i = 0; i < NSETTINGS; i++)
		if (settings[i].type == T_STR) {
			free(*(char **)(base + settings[i].offset));
			*(char **)(base + settings[i].offset) = NULL;
		}
}
