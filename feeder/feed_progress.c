/*
 * NAME
 *	feed_progress - progress bar, status lines and the final summary
 * SYNOPSIS
 *	#include "feed.h"
 *
 *	progress_init(mode, interval);	-2 none, -1 bar on a tty else lines, 0 lines, 1 bar
 *	progress_update(&counts, now, force);
 *	feed_warnx("relay %s: down", name);	clears the bar first
 *	progress_summary(&counts, campaign, stderr);
 * DESCRIPTION
 *	On a terminal (stderr) a one-line bar redrawn at most five times a
 *	second: percentage, done/total recipients, messages/s (with
 *	--batch: recipients accepted a second), ETA,
 *	deferred and rejected so far.  Otherwise one status line every
 *	interval seconds.  "done" counts this run's settled recipients,
 *	malformed lines and those the journal says were done before;
 *	"total" is the number of records the list was found to have (or
 *	unknown for standard input).
 * DIAGNOSTICS
 *	Everything goes to stderr; warnings go through clog (lib/clog.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "clog.h"
#include "feed.h"

static int bar;			/* 1 bar, 0 status lines, -1 nothing */
static int drawn;
static double last, every;

void
progress_init(int mode, double interval)
{
	bar = mode == -2 ? -1 : mode < 0 ? isatty(2) : mode > 0;
	every = interval;
}

/* done_of - recipients dealt with, this run and before */
static long
done_of(const struct feed_counts *c)
{
	return c->accepted + c->rejected + c->deferred + c->malformed + c->skipped;
}

/* eta - "h:mm:ss" to go, or "?" */
static void
eta(const struct feed_counts *c, char *out, size_t n)
{
	long	mine = c->accepted + c->rejected + c->deferred + c->malformed;
	double	left;

	if (c->total < 0 || mine == 0 || c->elapsed <= 0) {
		snprintf(out, n, "?");
		return;
	}
	left = (double)(c->total - done_of(c)) * c->elapsed / (double)mine;
	left = left < 0 ? 0 : left;
	snprintf(out, n, "%ld:%02ld:%02ld", (long)left / 3600,
		 (long)left / 60 % 60, (long)left % 60);
}

/* rate_of - messages a second; with --batch, recipients accepted a second */
static double
rate_of(const struct feed_counts *c)
{
	if (c->elapsed <= 0)
		return 0;
	return (double)(c->batch_mode ? c->accepted : c->messages) / c->elapsed;
}

/* draw_bar - the terminal line */
static void
draw_bar(const struct feed_counts *c)
{
	char	bars[31], t[32];
	double	frac = c->total > 0 ? (double)done_of(c) / (double)c->total : 0;
	int	i, full;

	frac = frac > 1 ? 1 : frac;
	full = (int)(frac * 30);
	for (i = 0; i < 30; i++)
		bars[i] = i < full ? '#' : '-';
	bars[30] = '\0';
	eta(c, t, sizeof(t));
	fprintf(stderr, "\r[%s] %5.1f%% %ld/%ld %.0f %s/s ETA %s deferred %ld rejected %ld\033[K",
		bars, frac * 100, done_of(c), c->total, rate_of(c),
		c->batch_mode ? "rcpt" : "msg", t, c->deferred, c->rejected);
	fflush(stderr);
	drawn = 1;
}

/* status_line - one line for a log */
static void
status_line(const struct feed_counts *c)
{
	char	t[32];

	eta(c, t, sizeof(t));
	fprintf(stderr, "campaign-feed: status: done=%ld total=%ld accepted=%ld "
		"rejected=%ld deferred=%ld malformed=%ld rate=%.0f/s eta=%s\n",
		done_of(c), c->total, c->accepted, c->rejected, c->deferred,
		c->malformed, rate_of(c), t);
}

void
progress_update(const struct feed_counts *c, double now, int force)
{
	if (bar < 0)
		return;
	if (last == 0)
		last = now;
	if (!force && now - last < (bar ? 0.2 : every))
		return;
	last = now;
	if (bar)
		draw_bar(c);
	else if (!force)
		status_line(c);
}

void
progress_clear(void)
{
	if (drawn) {
		fputs("\r\033[K", stderr);
		drawn = 0;
	}
}

void
feed_warnx(const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	progress_clear();
	clog_warnx("%s", msg);
}

void
progress_summary(const struct feed_counts *c, const char *campaign, FILE *fp)
{
	progress_clear();
	fprintf(fp, "campaign-feed: campaign=%s accepted=%ld rejected=%ld deferred=%ld "
		"malformed=%ld skipped=%ld messages=%ld retries=%ld reconnects=%ld "
		"elapsed=%.2fs rate=%.0f/s\n",
		campaign, c->accepted, c->rejected, c->deferred, c->malformed,
		c->skipped, c->messages, c->retries, c->reconnects, c->elapsed,
		c->elapsed > 0 ? (double)c->messages / c->elapsed : 0.0);
	if (c->batch_mode)
		fprintf(fp, "campaign-feed: batches=%ld recipients_rate=%.0f/s\n",
			c->batches, rate_of(c));
	if (c->prev_accepted || c->prev_rejected)
		fprintf(fp, "campaign-feed: journal: accepted=%ld rejected=%ld in earlier runs\n",
			c->prev_accepted, c->prev_rejected);
}
