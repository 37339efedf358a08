/*
 * NAME
 *	campaign-testsink - SMTP test server that answers per recipient
 * SYNOPSIS
 *	campaign-testsink -p PORT [-b ADDRESS] [-r RULES] [-d DIR] [-l LOG]
 *		[-c COUNTFILE] [-m MAXCONN] [-s MAXSIZE] [-t TIMEOUT]
 *		[-H HOSTNAME]
 *	campaign-testsink -n -r RULES
 *	campaign-testsink --help
 * DESCRIPTION
 *	A single-threaded poll(2) loop serving many concurrent SMTP sessions
 *	on ADDRESS:PORT (default 127.0.0.1).  It announces ESMTP, PIPELINING,
 *	8BITMIME, SIZE and ENHANCEDSTATUSCODES and answers MAIL, RCPT and the
 *	end of DATA as the RULES file says; everything else it answers as an
 *	ordinary server would.
 *
 *	RULES: one rule per line, "#" starts a comment; the first rule that
 *	matches wins; without a match the answer is 250.
 *		[STAGE] PATTERN REPLY
 *		[STAGE] PATTERN first N REPLY1 then REPLY2
 *	STAGE is "rcpt:" (the default: PATTERN matches the recipient),
 *	"mail:" (PATTERN matches the sender; the null sender is "<>") or
 *	"data:" (the reply to the end of DATA, when PATTERN matches any
 *	accepted recipient of the transaction).  PATTERN is matched without
 *	the angle brackets and ignoring case: as fnmatch(3) when it holds
 *	one of * ? [, else as a substring.  REPLY is a whole SMTP reply,
 *	"550 5.1.1 no such user", code 2xx to 5xx.  The "first N" form
 *	answers REPLY1 to the first N attempts of each address (counted per
 *	stage), and REPLY2 from then on: "first 2 451 4.3.0 busy then 250 2.1.5
 *	ok" defers an address twice, then accepts it.  Two forms play a
 *	provider that throttles, counted per rule (every address the rule
 *	matches together): "PATTERN rate N/SECS REPLY" answers REPLY to the
 *	matches past N in each window of SECS seconds ("*@gmail.test,
 *	*@googlemail.test rate 20/10 421 4.7.28 unusual rate"), "PATTERN for
 *	SECS REPLY" answers REPLY for SECS seconds from the rule's first
 *	match ("*@yahoo.test for 30 421 4.7.0 [TSS04] deferred"); other
 *	matches go on to the next rules.  PATTERN may be a comma-separated
 *	list.  After a 421 reply the sink closes the session, as a real
 *	server does.  "PATTERN delay MS" plays a provider's time per
 *	transaction: a command that meets it (at its stage; a recipient by
 *	default) has its reply, and every reply queued after it, held for
 *	MS milliseconds (1 to 60000) while other sessions go on; the
 *	search goes on to the next rules for the reply itself
 *	("*@gmail.test delay 200" before gmail.test's rate rule).
 *
 *	-d DIR: every message accepted at the end of DATA is written to
 *	DIR/msg.SEQ (written to a temporary name, then renamed, so a listing
 *	shows only whole messages):
 *		HELO name
 *		MAIL FROM:<sender> PARAMETERS
 *		RCPT TO:<recipient>		(one per accepted recipient)
 *		DATA
 *		the message, dot-unstuffed, CRLF stored as LF
 *	-l LOG: one line per recipient outcome, appended and flushed at once:
 *		TIME from=<s> to=<r> stage=rcpt|data|abort attempt=N reply=CODE TEXT
 *	stage=rcpt for a recipient refused at RCPT, stage=data for the answer
 *	to the end of DATA (one line per accepted recipient), stage=abort for
 *	an accepted recipient whose transaction ended without one (RSET, QUIT,
 *	a lost connection).  attempt counts the RCPTs seen for that address.
 *	-c COUNTFILE: counters, rewritten after each transaction ("name
 *	value" lines: connections, messages, rcpt_2xx, rcpt_4xx, rcpt_5xx,
 *	data_2xx, data_4xx, data_5xx), saved before the replies that end a
 *	transaction are sent.  SIGUSR1 writes them to stderr too.
 *	-m MAXCONN (default 1000) concurrent sessions (more wait in the
 *	backlog); -s MAXSIZE (default 10485760) message bytes, larger gets
 *	552; -t TIMEOUT (default 300) idle seconds before a session is
 *	dropped with 421; -n parses RULES, prints them and exits.
 *	SIGTERM and SIGINT stop it after writing the counters.
 * DIAGNOSTICS
 *	Errors on stderr.  Exit 0 after SIGTERM/SIGINT, 64 usage error, 78
 *	bad rules file ("file:line: problem" for every bad line), 71 when the
 *	port cannot be bound, 74 on an output file error.
 * SEE ALSO
 *	smtp-sink(1), sandbox/sandbox.sh (testsink_start)
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "buf.h"
#include "testsink.h"

#define EX_OK_		0
#define EX_USAGE_	64
#define EX_CANTCREAT_	73
#define EX_IOERR_	74
#define EX_OSERR_	71
#define EX_CONFIG_	78

#define CMD_LINE_MAX	4096		/* longer command line: 500 and close */
#define IN_MAX		(64 * 1024)	/* unprocessed input of one client */
#define OUT_MAX		(256 * 1024)	/* replies not yet read by a client */
#define RCPT_MAX	1000		/* recipients per transaction */
#define ADDR_MAX	512

enum state { S_CMD, S_DATA, S_CLOSING };

struct conn {
	int	fd;
	enum state state;
	time_t	last;
	struct buf in;
	struct buf out;
	struct buf msg;
	int	msg_too_big;
	int	bol;			/* DATA: at the beginning of a line */
	int	have_mail;
	char	helo[ADDR_MAX];
	char	from[ADDR_MAX];
	char	mail_params[ADDR_MAX];
	char  **rcpt;			/* accepted recipients */
	int	nrcpt;
	long long hold_ms;		/* replies wait until then ("delay") */
};

struct counters {
	unsigned long connections, messages;
	unsigned long rcpt[6], data[6];	/* by first digit of the reply */
};

static struct opts {
	const char *bind_addr;
	int	port;
	const char *rules_file;
	const char *dir;
	const char *log_file;
	const char *count_file;
	int	maxconn;
	size_t	maxsize;
	int	timeout;
	const char *hostname;
	int	check_only;
} opt = { "127.0.0.1", 0, NULL, NULL, NULL, NULL, 1000, 10485760, 300,
	  "testsink.campaign.test", 0 };

static struct rules rules;
static struct attempts attempts;
static struct counters count;
static FILE *logfp;
static unsigned long msg_seq;
static int counters_dirty;
static volatile sig_atomic_t got_stop, got_usr1;

static void usage(FILE *fp)
{
	fprintf(fp,
	    "usage: campaign-testsink -p PORT [-b ADDRESS] [-r RULES] [-d DIR] [-l LOG]\n"
	    "\t[-c COUNTFILE] [-m MAXCONN] [-s MAXSIZE] [-t TIMEOUT] [-H HOSTNAME]\n"
	    "       campaign-testsink -n -r RULES\n"
	    "RULES lines: [rcpt:|mail:|data:] PATTERN REPLY\n"
	    "             [rcpt:|mail:|data:] PATTERN first N REPLY1 then REPLY2\n"
	    "             [rcpt:|mail:|data:] PATTERN rate N/SECS REPLY\n"
	    "             [rcpt:|mail:|data:] PATTERN for SECS REPLY\n"
	    "             [rcpt:|mail:|data:] PATTERN delay MS\n"
	    "PATTERN: fnmatch when it has * ? [, else a substring; case ignored.\n"
	    "-d DIR: accepted messages (DIR/msg.SEQ); -l LOG: one line per recipient\n"
	    "outcome; -c COUNTFILE: counters (SIGUSR1: also to stderr).\n");
}

/* --- output files ------------------------------------------------------ */

/* now_text - local time with milliseconds, for the outcome log */
static void now_text(char *s, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char	sec[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(s, len, "%s.%03ld", sec, ts.tv_nsec / 1000000);
}

/* log_outcome - one line of the outcome log */
static void log_outcome(const char *from, const char *to, const char *stage,
			unsigned long attempt, const char *reply)
{
	char	now[64];

	if (logfp == NULL)
		return;
	now_text(now, sizeof(now));
	fprintf(logfp, "%s from=<%s> to=<%s> stage=%s attempt=%lu reply=%s\n",
		now, from, to, stage, attempt, reply);
	if (fflush(logfp) == EOF) {
		perror("campaign-testsink: outcome log");
		exit(EX_IOERR_);
	}
}

static void write_counters(FILE *fp)
{
	fprintf(fp, "connections %lu\nmessages %lu\n", count.connections,
		count.messages);
	for (int i = 2; i <= 5; i++)
		fprintf(fp, "rcpt_%dxx %lu\n", i, count.rcpt[i]);
	for (int i = 2; i <= 5; i++)
		fprintf(fp, "data_%dxx %lu\n", i, count.data[i]);
}

/* save_counters - rewrite COUNTFILE atomically */
static void save_counters(void)
{
	char	tmp[PATH_MAX];
	FILE   *fp;

	counters_dirty = 0;
	if (opt.count_file == NULL)
		return;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", opt.count_file) >= (int) sizeof(tmp))
		return;
	if ((fp = fopen(tmp, "w")) == NULL) {
		perror(tmp);
		return;
	}
	write_counters(fp);
	if (fclose(fp) == EOF || rename(tmp, opt.count_file) < 0)
		perror(opt.count_file);
}

/* save_message - write the envelope and message to DIR/msg.SEQ */
static int save_message(struct conn *c)
{
	char	tmp[PATH_MAX], name[PATH_MAX];
	FILE   *fp;
	int	ok;

	if (opt.dir == NULL)
		return 0;
	msg_seq++;
	if (snprintf(name, sizeof(name), "%s/msg.%08lu", opt.dir, msg_seq) >= (int) sizeof(name)
	    || snprintf(tmp, sizeof(tmp), "%s/.tmp.%08lu", opt.dir, msg_seq) >= (int) sizeof(tmp))
		return -1;
	if ((fp = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(fp, "HELO %s\nMAIL FROM:<%s>%s%s\n", c->helo, c->from,
		c->mail_params[0] ? " " : "", c->mail_params);
	for (int i = 0; i < c->nrcpt; i++)
		fprintf(fp, "RCPT TO:<%s>\n", c->rcpt[i]);
	fputs("DATA\n", fp);
	fwrite(c->msg.data, 1, c->msg.len, fp);
	ok = !ferror(fp);
	if (fclose(fp) == EOF || !ok || rename(tmp, name) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* --- SMTP session ------------------------------------------------------- */

static void reply(struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* reply - queue one reply line; a client that never reads gets closed */
static void reply(struct conn *c, const char *fmt, ...)
{
	char	line[CMD_LINE_MAX];
	va_list ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t) n > sizeof(line) - 3)
		n = sizeof(line) - 3;
	memcpy(line + n, "\r\n", 2);
	if (buf_append(&c->out, line, n + 2) < 0)
		c->state = S_CLOSING;
}

static void reset_transaction(struct conn *c, const char *why)
{
	for (int i = 0; i < c->nrcpt; i++) {
		if (why != NULL)
			log_outcome(c->from, c->rcpt[i], "abort",
				    attempts_get(&attempts, 'r', c->rcpt[i]), why);
		free(c->rcpt[i]);
	}
	free(c->rcpt);
	c->rcpt = NULL;
	c->nrcpt = 0;
	c->have_mail = 0;
	c->from[0] = c->mail_params[0] = 0;
	buf_reset(&c->msg);
	c->msg_too_big = 0;
}

/* path_arg - copy the address in "<addr> params" after "FROM:"/"TO:" */
static int path_arg(const char *arg, char *addr, char *params)
{
	const char *p = arg, *end;
	size_t	n;

	while (*p == ' ')
		p++;
	if (*p == '<') {
		if ((end = strchr(++p, '>')) == NULL)
			return -1;
	} else {
		end = p + strcspn(p, " ");
	}
	if ((n = end - p) >= ADDR_MAX)
		return -1;
	memcpy(addr, p, n);
	addr[n] = 0;
	p = end + (*end == '>');
	while (*p == ' ')
		p++;
	if (params != NULL && snprintf(params, ADDR_MAX, "%s", p) >= ADDR_MAX)
		return -1;
	return 0;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* hold - a "delay" rule for addr at that stage holds the replies */
static void hold(struct conn *c, enum stage stage, const char *addr)
{
	long	ms = rules_delay(&rules, stage, addr);
	long long until = ms ? mono_ms() + ms : 0;

	if (until > c->hold_ms)
		c->hold_ms = until;
}

/* close_on_421 - a 421 reply ends the session (RFC 5321 4.2.2) */
static void close_on_421(struct conn *c, const char *r)
{
	if (strncmp(r, "421", 3) == 0)
		c->state = S_CLOSING;
}

static void cmd_ehlo(struct conn *c, const char *arg, int esmtp)
{
	snprintf(c->helo, sizeof(c->helo), "%s", arg);
	reset_transaction(c, NULL);
	if (!esmtp) {
		reply(c, "250 %s", opt.hostname);
		return;
	}
	reply(c, "250-%s", opt.hostname);
	reply(c, "250-PIPELINING");
	reply(c, "250-SIZE %zu", opt.maxsize);
	reply(c, "250-8BITMIME");
	reply(c, "250 ENHANCEDSTATUSCODES");
}

static void cmd_mail(struct conn *c, const char *arg)
{
	const char *r;

	if (c->have_mail) {
		reply(c, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	if (strncasecmp(arg, "FROM:", 5) != 0
	    || path_arg(arg + 5, c->from, c->mail_params) < 0) {
		reply(c, "501 5.5.4 Syntax: MAIL FROM:<address>");
		return;
	}
	hold(c, STAGE_MAIL, c->from[0] ? c->from : "<>");
	r = rules_answer(&rules, &attempts, STAGE_MAIL, c->from[0] ? c->from : "<>");
	if (r == NULL)
		r = "250 2.1.0 Ok";
	if (r[0] == '2')
		c->have_mail = 1;
	reply(c, "%s", r);
	close_on_421(c, r);
}

static void cmd_rcpt(struct conn *c, const char *arg)
{
	char	addr[ADDR_MAX];
	const char *r;
	unsigned long n;

	if (!c->have_mail) {
		reply(c, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (strncasecmp(arg, "TO:", 3) != 0 || path_arg(arg + 3, addr, NULL) < 0) {
		reply(c, "501 5.5.4 Syntax: RCPT TO:<address>");
		return;
	}
	if (c->nrcpt >= RCPT_MAX) {
		reply(c, "452 4.5.3 Error: too many recipients");
		return;
	}
	n = attempts_bump(&attempts, 'r', addr);
	hold(c, STAGE_RCPT, addr);
	r = rules_answer(&rules, &attempts, STAGE_RCPT, addr);
	if (r == NULL)
		r = "250 2.1.5 Ok";
	count.rcpt[r[0] - '0']++;
	counters_dirty = 1;
	reply(c, "%s", r);
	if (r[0] != '2') {
		log_outcome(c->from, addr, "rcpt", n, r);
		close_on_421(c, r);
		return;
	}
	c->rcpt = realloc(c->rcpt, (c->nrcpt + 1) * sizeof(*c->rcpt));
	if (c->rcpt == NULL || (c->rcpt[c->nrcpt] = strdup(addr)) == NULL) {
		fputs("campaign-testsink: out of memory\n", stderr);
		exit(EX_OSERR_);
	}
	c->nrcpt++;
}

static void cmd_data(struct conn *c)
{
	if (!c->have_mail) {
		reply(c, "503 5.5.1 Error: need MAIL command");
	} else if (c->nrcpt == 0) {
		reply(c, "554 5.5.1 Error: no valid recipients");
	} else {
		reply(c, "354 End data with <CR><LF>.<CR><LF>");
		c->state = S_DATA;
		c->bol = 1;
		buf_reset(&c->msg);
	}
}

/* data_answer - the reply to the end of DATA: first matching recipient */
static const char *data_answer(struct conn *c)
{
	const char *r = NULL;

	if (c->msg_too_big)
		return "552 5.3.4 Error: message too big";
	for (int i = 0; i < c->nrcpt && r == NULL; i++) {
		hold(c, STAGE_DATA, c->rcpt[i]);
		r = rules_answer(&rules, &attempts, STAGE_DATA, c->rcpt[i]);
	}
	return r;
}

static void data_end(struct conn *c)
{
	const char *r = data_answer(c);
	char	ok[64];

	c->state = S_CMD;
	if (r == NULL || r[0] == '2') {
		if (save_message(c) < 0) {
			perror("campaign-testsink: saving a message");
			r = "451 4.3.0 Error: cannot save the message";
		} else {
			count.messages++;
			if (r == NULL) {
				snprintf(ok, sizeof(ok), "250 2.0.0 Ok: queued as T%08lu",
					 msg_seq ? msg_seq : count.messages);
				r = ok;
			}
		}
	}
	count.data[r[0] - '0']++;
	reply(c, "%s", r);
	for (int i = 0; i < c->nrcpt; i++)
		log_outcome(c->from, c->rcpt[i], "data",
			    attempts_get(&attempts, 'r', c->rcpt[i]), r);
	reset_transaction(c, NULL);
	counters_dirty = 1;
	close_on_421(c, r);
}

/* command - one SMTP command line, CRLF removed */
static void command(struct conn *c, char *line)
{
	char   *arg = line + strcspn(line, " ");

	if (*arg)
		*arg++ = 0;
	if (strcasecmp(line, "EHLO") == 0 || strcasecmp(line, "HELO") == 0)
		cmd_ehlo(c, arg, toupper((unsigned char) line[0]) == 'E');
	else if (strcasecmp(line, "MAIL") == 0)
		cmd_mail(c, arg);
	else if (strcasecmp(line, "RCPT") == 0)
		cmd_rcpt(c, arg);
	else if (strcasecmp(line, "DATA") == 0)
		cmd_data(c);
	else if (strcasecmp(line, "RSET") == 0) {
		reset_transaction(c, "250 RSET");
		reply(c, "250 2.0.0 Ok");
	} else if (strcasecmp(line, "NOOP") == 0)
		reply(c, "250 2.0.0 Ok");
	else if (strcasecmp(line, "VRFY") == 0)
		reply(c, "252 2.0.0 Send mail, we will see");
	else if (strcasecmp(line, "QUIT") == 0) {
		reset_transaction(c, "221 QUIT");
		reply(c, "221 2.0.0 Bye");
		c->state = S_CLOSING;
	} else
		reply(c, "502 5.5.2 Error: command not recognized");
}

/* msg_append - add to the message; past the size limit, remember it */
static void msg_append(struct conn *c, const char *p, size_t n)
{
	if (!c->msg_too_big && buf_append(&c->msg, p, n) < 0)
		c->msg_too_big = 1;
}

/* data_line - one DATA line (newline included, or a partial long line) */
static void data_line(struct conn *c, const char *p, size_t n, int whole)
{
	if (c->bol && whole && (n == 2 || n == 3) && p[0] == '.'
	    && (n == 2 ? p[1] == '\n' : p[1] == '\r' && p[2] == '\n')) {
		data_end(c);
		return;
	}
	if (c->bol && p[0] == '.') {
		p++;
		n--;
	}
	c->bol = whole;
	if (whole && n >= 2 && p[n - 2] == '\r') {
		msg_append(c, p, n - 2);	/* CRLF is stored as LF */
		msg_append(c, "\n", 1);
	} else {
		msg_append(c, p, n);
	}
}

/* process_input - handle every complete line in c->in */
static void process_input(struct conn *c)
{
	char   *nl;
	size_t	n;

	while (c->state != S_CLOSING && c->in.len > 0) {
		nl = memchr(c->in.data, '\n', c->in.len);
		if (nl == NULL) {
			/* a DATA line longer than the buffer goes in parts */
			if (c->state == S_DATA && c->in.len >= CMD_LINE_MAX) {
				n = c->in.len - (c->in.data[c->in.len - 1] == '\r');
				data_line(c, c->in.data, n, 0);
				buf_consume(&c->in, n);
				continue;
			}
			if (c->in.len >= CMD_LINE_MAX) {
				reply(c, "500 5.5.2 Error: line too long");
				c->state = S_CLOSING;
			}
			return;
		}
		n = nl - c->in.data + 1;
		if (c->state == S_DATA) {
			data_line(c, c->in.data, n, 1);
		} else {
			*nl = 0;
			if (nl > c->in.data && nl[-1] == '\r')
				nl[-1] = 0;
			command(c, c->in.data);
		}
		buf_consume(&c->in, n);
	}
}

/* --- connections and the poll loop -------------------------------------- */

static struct conn *conn_new(int fd)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->fd = fd;
	c->last = time(NULL);
	buf_init(&c->in, IN_MAX);
	buf_init(&c->out, OUT_MAX);
	buf_init(&c->msg, opt.maxsize);
	reply(c, "220 %s ESMTP campaign-testsink", opt.hostname);
	count.connections++;
	counters_dirty = 1;
	return c;
}

static void conn_free(struct conn *c)
{
	reset_transaction(c, c->nrcpt ? "000 connection lost" : NULL);
	close(c->fd);
	buf_free(&c->in);
	buf_free(&c->out);
	buf_free(&c->msg);
	free(c);
}

/* conn_read - read what the client sent; -1 when the session is over */
static int conn_read(struct conn *c)
{
	char	chunk[16384];
	size_t	room = c->in.max - c->in.len;
	ssize_t n;

	/* process_input() leaves less than CMD_LINE_MAX bytes behind */
	n = read(c->fd, chunk, room < sizeof(chunk) ? room : sizeof(chunk));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	c->last = time(NULL);
	if (buf_append(&c->in, chunk, n) < 0)
		return -1;	/* cannot happen: room was checked */
	process_input(c);
	return 0;
}

/* conn_write - send queued replies; -1 on error or after the last reply */
static int conn_write(struct conn *c)
{
	ssize_t n;

	if (c->hold_ms > 0 && mono_ms() < c->hold_ms)
		return 0;
	c->hold_ms = 0;
	if (c->out.len > 0) {
		n = write(c->fd, c->out.data, c->out.len);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		buf_consume(&c->out, n);
	}
	return c->state == S_CLOSING && c->out.len == 0 ? -1 : 0;
}

static int listen_on(const char *addr, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int	fd, one = 1;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "campaign-testsink: bad address %s\n", addr);
		return -1;
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0
	    || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0
	    || bind(fd, (struct sockaddr *) &sin, sizeof(sin)) < 0
	    || listen(fd, 1024) < 0) {
		fprintf(stderr, "campaign-testsink: %s:%d: %s\n", addr, port,
			strerror(errno));
		return -1;
	}
	return fd;
}

struct server {
	int	lfd;
	struct conn **conns;
	struct pollfd *pfd;
	int	nconn;
};

/* accept_all - take every waiting connection, up to MAXCONN sessions */
static void accept_all(struct server *s)
{
	struct conn *c;
	int	fd;

	while (s->nconn < opt.maxconn
	       && (fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		if ((c = conn_new(fd)) == NULL) {
			close(fd);
			return;
		}
		s->conns[s->nconn++] = c;
	}
}

/* expire - 421 to sessions idle longer than the timeout */
static void expire(struct conn *c, time_t now)
{
	if (c->state != S_CLOSING && now - c->last > opt.timeout) {
		reply(c, "421 4.4.2 Error: timeout exceeded");
		c->state = S_CLOSING;
	}
}

/* build_pollset - the descriptors to watch; the poll timeout in ms (a
 * session whose replies are held wakes the loop when they are due) */
static int build_pollset(struct server *s)
{
	long long now = mono_ms();
	int	timeout = 1000;

	s->pfd[0].fd = s->nconn < opt.maxconn ? s->lfd : -1;
	s->pfd[0].events = POLLIN;
	for (int i = 0; i < s->nconn; i++) {
		struct conn *c = s->conns[i];

		s->pfd[i + 1].fd = c->fd;
		s->pfd[i + 1].events = 0;
		if (c->state != S_CLOSING && c->out.len < OUT_MAX / 2)
			s->pfd[i + 1].events |= POLLIN;
		if (c->hold_ms > now && c->hold_ms - now < timeout)
			timeout = (int) (c->hold_ms - now);
		if (c->out.len > 0 && c->hold_ms <= now)
			s->pfd[i + 1].events |= POLLOUT;
	}
	return timeout;
}

/* serve_conns - I/O for the sessions that poll reported; drop ended ones.
 * All reads first, then the counters file, then the replies: a client
 * that has its reply finds the counters already saved, and a busy sink
 * saves them once per round, not once per transaction. */
static void serve_conns(struct server *s, time_t now)
{
	int	j = 0;
	char   *done = calloc(s->nconn + 1, 1);

	if (done == NULL)
		return;
	for (int i = 0; i < s->nconn; i++)
		if (s->pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR))
			done[i] = conn_read(s->conns[i]) < 0;
	if (counters_dirty)
		save_counters();
	for (int i = 0; i < s->nconn; i++) {
		struct conn *c = s->conns[i];

		expire(c, now);
		if (!done[i])
			done[i] = conn_write(c) < 0;
		if (done[i])
			conn_free(c);
		else
			s->conns[j++] = c;
	}
	s->nconn = j;
	free(done);
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_stop = 1;
}

static void set_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int serve(int lfd)
{
	struct server s = { lfd, NULL, NULL, 0 };

	s.conns = calloc(opt.maxconn, sizeof(*s.conns));
	s.pfd = calloc(opt.maxconn + 1, sizeof(*s.pfd));
	if (s.conns == NULL || s.pfd == NULL)
		return EX_OSERR_;
	while (!got_stop) {
		int	timeout = build_pollset(&s);

		if (poll(s.pfd, s.nconn + 1, timeout) < 0 && errno != EINTR)
			return EX_OSERR_;
		if (got_usr1) {
			got_usr1 = 0;
			write_counters(stderr);
		}
		if (s.pfd[0].revents & POLLIN)
			accept_all(&s);
		serve_conns(&s, time(NULL));
	}
	while (s.nconn > 0)
		conn_free(s.conns[--s.nconn]);
	free(s.conns);
	free(s.pfd);
	save_counters();
	return EX_OK_;
}

/* --- main ----------------------------------------------------------------- */

static int number(const char *s, long min, long max, long *val)
{
	char   *end;

	errno = 0;
	*val = strtol(s, &end, 10);
	return errno == 0 && end != s && *end == 0 && *val >= min && *val <= max
	    ? 0 : -1;
}

static int parse_args(int argc, char **argv)
{
	int	ch;
	long	v;

	while ((ch = getopt(argc, argv, "b:c:d:H:l:m:np:r:s:t:")) != -1) {
		switch (ch) {
		case 'b': opt.bind_addr = optarg; break;
		case 'c': opt.count_file = optarg; break;
		case 'd': opt.dir = optarg; break;
		case 'H': opt.hostname = optarg; break;
		case 'l': opt.log_file = optarg; break;
		case 'n': opt.check_only = 1; break;
		case 'r': opt.rules_file = optarg; break;
		case 'm':
			if (number(optarg, 1, 100000, &v) < 0)
				return -1;
			opt.maxconn = v;
			break;
		case 'p':
			if (number(optarg, 1, 65535, &v) < 0)
				return -1;
			opt.port = v;
			break;
		case 's':
			if (number(optarg, 1, LONG_MAX, &v) < 0)
				return -1;
			opt.maxsize = v;
			break;
		case 't':
			if (number(optarg, 1, 86400, &v) < 0)
				return -1;
			opt.timeout = v;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || (!opt.check_only && opt.port == 0))
		return -1;
	return 0;
}

static int open_outputs(void)
{
	if (opt.dir != NULL && mkdir(opt.dir, 0755) < 0 && errno != EEXIST) {
		perror(opt.dir);
		return EX_CANTCREAT_;
	}
	if (opt.log_file != NULL && (logfp = fopen(opt.log_file, "a")) == NULL) {
		perror(opt.log_file);
		return EX_CANTCREAT_;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int	lfd, st;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return EX_OK_;
	}
	if (parse_args(argc, argv) < 0) {
		usage(stderr);
		return EX_USAGE_;
	}
	if (opt.rules_file != NULL && rules_load(&rules, opt.rules_file, stderr) < 0) {
		rules_free(&rules);
		return EX_CONFIG_;
	}
	if (opt.check_only) {
		rules_print(&rules, stdout);
		rules_free(&rules);
		return EX_OK_;
	}
	if ((st = open_outputs()) != 0)
		return st;
	if ((lfd = listen_on(opt.bind_addr, opt.port)) < 0)
		return EX_OSERR_;
	set_signals();
	st = serve(lfd);
	close(lfd);
	if (logfp != NULL && fclose(logfp) == EOF)
		st = EX_IOERR_;
	rules_free(&rules);
	attempts_free(&attempts);
	return st;
}
