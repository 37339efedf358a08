/*
 * NAME
 *	clog - the one logger, and the notice-line builder (see clog.h)
 * DIAGNOSTICS
 *	Writes to stderr in the foreground, to syslog(3) otherwise.
 * SEE ALSO
 *	OpenSMTPD log.c (warn/warnx), Postfix log_adhoc.c, printable.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "clog.h"

#define NLINE_MAX	8192

int	clog_verbose;

static int log_foreground = 1;
static const char *log_ident = "campaign";

static const struct {
	const char *name;
	int	code;
}	facilities[] = {
	{"mail", LOG_MAIL}, {"daemon", LOG_DAEMON}, {"user", LOG_USER},
	{"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
	{"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
	{"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

int
clog_facility_code(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcasecmp(name, facilities[i].name) == 0)
			return facilities[i].code;
	return -1;
}

int
clog_open(const char *ident, int foreground, const char *facility)
{
	int	code = clog_facility_code(facility ? facility : "mail");
	int	ret = code < 0 ? -1 : 0;

	log_ident = ident;
	log_foreground = foreground;
	if (code < 0)
		code = LOG_MAIL;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, code);
	return ret;
}

int
clog_foreground(void)
{
	return log_foreground;
}

/* vlog - write one message; with_errno appends the text of saved errno */
static void
vlog(int pri, int with_errno, const char *fmt, va_list ap)
{
	int	saved = errno;
	char	msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_foreground) {
		if (with_errno)
			fprintf(stderr, "%s: %s: %s\n", log_ident, msg, strerror(saved));
		else
			fprintf(stderr, "%s: %s\n", log_ident, msg);
	} else if (with_errno) {
		syslog(pri, "%s: %s", msg, strerror(saved));
	} else {
		syslog(pri, "%s", msg);
	}
	errno = saved;
}

#define CLOG_FN(name, pri, with_errno, cond) \
void \
name(const char *fmt, ...) \
{ \
	va_list ap; \
	if (!(cond)) \
		return; \
	va_start(ap, fmt); \
	vlog(pri, with_errno, fmt, ap); \
	va_end(ap); \
}

CLOG_FN(clog_err, LOG_ERR, 1, 1)
CLOG_FN(clog_errx, LOG_ERR, 0, 1)
CLOG_FN(clog_warn, LOG_WARNING, 1, 1)
CLOG_FN(clog_warnx, LOG_WARNING, 0, 1)
CLOG_FN(clog_info, LOG_INFO, 1, 1)
CLOG_FN(clog_infox, LOG_INFO, 0, 1)
CLOG_FN(clog_noticex, LOG_NOTICE, 0, 1)
CLOG_FN(clog_debugx, LOG_DEBUG, 0, clog_verbose)

/* plain - true when the value can be logged without quotes */
static int
plain(const char *val, size_t n)
{
	size_t	i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)val[i];

		if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\')
			return 0;
	}
	return 1;
}

int
clog_quote(struct buf *b, const char *val, size_t n)
{
	size_t	i;
	int	r = 0;

	if (plain(val, n))
		return buf_append(b, val, n);
	r |= buf_putc(b, '"');
	for (i = 0; i < n && r == 0; i++) {
		unsigned char c = (unsigned char)val[i];

		if (c == '"' || c == '\\')
			r |= buf_appendf(b, "\\%c", c);
		else if (c < ' ' || c >= 0x7f)
			r |= buf_appendf(b, "\\x%02x", c);
		else
			r |= buf_putc(b, c);
	}
	r |= buf_putc(b, '"');
	return r ? -1 : 0;
}

void
nline_init(struct nline *nl, const char *qid)
{
	buf_init(&nl->b, NLINE_MAX);
	nl->failed = 0;
	if (clog_quote(&nl->b, qid ? qid : "NOQUEUE", strlen(qid ? qid : "NOQUEUE")) < 0
	    || buf_putc(&nl->b, ':') < 0)
		nl->failed = 1;
}

void
nline_strn(struct nline *nl, const char *key, const char *val, size_t n)
{
	if (nl->failed)
		return;
	if (buf_appendf(&nl->b, " %s=", key) < 0 || clog_quote(&nl->b, val, n) < 0)
		nl->failed = 1;
}

void
nline_str(struct nline *nl, const char *key, const char *val)
{
	nline_strn(nl, key, val ? val : "", val ? strlen(val) : 0);
}

void
nline_word(struct nline *nl, const char *word)
{
	if (!nl->failed && (buf_putc(&nl->b, ' ') < 0 || buf_puts(&nl->b, word) < 0))
		nl->failed = 1;
}

void
nline_addr(struct nline *nl, const char *key, const char *addr)
{
	struct buf tmp;

	buf_init(&tmp, NLINE_MAX);
	if (buf_putc(&tmp, '<') < 0 || buf_puts(&tmp, addr ? addr : "") < 0
	    || buf_putc(&tmp, '>') < 0)
		nl->failed = 1;
	else
		nline_strn(nl, key, tmp.data, tmp.len);
	buf_free(&tmp);
}

void
nline_num(struct nline *nl, const char *key, long long val)
{
	if (!nl->failed && buf_appendf(&nl->b, " %s=%lld", key, val) < 0)
		nl->failed = 1;
}

const char *
nline_text(struct nline *nl)
{
	return buf_cstr(&nl->b);
}

void
nline_emit(struct nline *nl)
{
	clog_noticex("%s%s", buf_cstr(&nl->b), nl->failed ? " truncated=yes" : "");
	nline_free(nl);
}

void
nline_free(struct nline *nl)
{
	buf_free(&nl->b);
}
