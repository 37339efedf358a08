/*
 * NAME
 *	clog - the one logger, and the notice-line builder
 * SYNOPSIS
 *	#include "clog.h"
 *
 *	clog_open("campaign-filter", foreground, "mail");
 *	clog_warn("open %s", path);		appends ": strerror(errno)"
 *	clog_warnx("%s:%d: bad value", f, n);
 *
 *	struct nline nl;
 *	nline_init(&nl, qid);			"QID:"
 *	nline_str(&nl, "campaign", id);		" campaign=ID"
 *	nline_addr(&nl, "from", sender);	" from=<sender>"
 *	nline_num(&nl, "nrcpt", 3);		" nrcpt=3"
 *	nline_emit(&nl);			one syslog(3) line, LOG_NOTICE
 * DESCRIPTION
 *	clog_open() picks the destination: stderr when foreground is set,
 *	syslog(3) with the named facility ("mail", "local0".."local7", "user",
 *	"daemon") otherwise; an unknown facility name falls back to mail and
 *	returns -1.  clog_facility_code() maps a name to LOG_* (or -1).
 *
 *	clog_err/clog_warn/clog_info/clog_debug add ": strerror(errno)" to the
 *	message; the "x" forms do not.  Every function preserves errno.
 *	clog_debug*() print only when clog_verbose is non-zero.
 *
 *	The notice-line builder writes "QID: key=value key=value ...".  A value
 *	made only of printable, non-space ASCII other than '"' and '\\' is
 *	written as is; any other value is written in double quotes with '"'
 *	and '\\' escaped and every byte outside printable ASCII written as
 *	\xHH, so a value can never split a log line or forge a field.  An
 *	empty value is written as "".  nline_addr() wraps the address in <>
 *	(an empty address gives <>) and applies the same rule to the whole.
 *	nline_word() appends " word" (a fixed word of the program, not a
 *	value: "bad record").  nline_emit() logs the line at notice and frees it; if memory ran out
 *	while building, it logs what it has followed by " truncated=yes".
 *	Nothing else in the project calls syslog().
 */
#ifndef CLOG_H
#define CLOG_H

#include <stddef.h>

#include "buf.h"

extern int clog_verbose;

int	clog_open(const char *ident, int foreground, const char *facility);
int	clog_facility_code(const char *name);
int	clog_foreground(void);

void	clog_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	clog_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	clog_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	clog_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	clog_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	clog_infox(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	clog_noticex(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	clog_debugx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct nline {
	struct buf b;
	int	failed;
};

void	nline_init(struct nline *nl, const char *qid);
void	nline_str(struct nline *nl, const char *key, const char *val);
void	nline_strn(struct nline *nl, const char *key, const char *val, size_t n);
void	nline_addr(struct nline *nl, const char *key, const char *addr);
void	nline_num(struct nline *nl, const char *key, long long val);
void	nline_word(struct nline *nl, const char *word);
const char *nline_text(struct nline *nl);
void	nline_emit(struct nline *nl);
void	nline_free(struct nline *nl);

/* clog_quote - append val (n bytes) to b, quoted as described above */
int	clog_quote(struct buf *b, const char *val, size_t n);

#endif
