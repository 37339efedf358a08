/*
 * NAME
 *	cs_report - campaignstat's text, JSON and CSV reports
 * SYNOPSIS
 *	#include "cs_report.h"
 *
 *	cs_track_finish(&tr);
 *	cs_report_text(stdout, &tr, &ls, top);
 *	cs_report_json(stdout, &tr, &ls, top);
 *	cs_report_csv(stdout, &tr);
 *	cs_report_html(stdout, &tr, &ls, top);
 * DESCRIPTION
 *	Each writes one report of the campaigns that cs_track_wanted()
 *	accepts, in order of first appearance, followed (text and JSON) by
 *	the totals over them.  top limits the per-domain and per-reason
 *	tables (0: no limit).  The JSON schema is campaignstat-json.md; the
 *	CSV has a header line and one row per campaign with the same names
 *	as the JSON counts.  The HTML report (cs_html.c) is one page with no
 *	external resources: the same counts as a table, per campaign the
 *	delay percentiles, the delivery rate as an inline SVG chart and the
 *	domain and reason tables; every string from the log is escaped.  The
 *	time-dependent figures are in local time.
 *
 *	Shared by the formats: cs_count_names[cs_ncounts] names each count
 *	of struct cs_counts; cs_count_at() reads count i; cs_report_totals()
 *	sums the wanted campaigns; cs_fmt_duration() writes "1h02m03s",
 *	"2m03s" or "3.25s"; cs_split_reason() splits a reason key
 *	"dsn\tstatus\treason" in place.  cs_shape_in() is the one test of
 *	whether a shaper action falls in a campaign's time (first to last,
 *	both included); cs_shapes_in() counts them.  cs_complaint_rate() is
 *	complaints per delivered recipient (0 with nothing delivered);
 *	cs_percent() is part in percent of whole (0 when whole is 0: the TLS
 *	share);
 *	cs_complaint_flag() is CS_FLAG_HIGH above 0.3%, CS_FLAG_WARN above
 *	0.1%, else "" (any complaint with nothing delivered is HIGH).
 * SEE ALSO
 *	campaignstat(1), campaignstat-json.md.
 */
#ifndef CS_REPORT_H
#define CS_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "cs_track.h"

struct cs_linestats {
	uint64_t total;			/* lines read */
	uint64_t used;			/* lines that changed a count */
	uint64_t other;			/* lines carrying nothing we count */
	uint64_t bad;			/* unparseable lines */
	uint64_t toolong;		/* lines cut at CS_LINE_MAX */
	uint64_t outside;		/* outside --since/--until */
	uint64_t bytes;
	int	inputs;
};

void	cs_report_text(FILE *fp, const struct cs_track *tr,
		       const struct cs_linestats *ls, int top);
void	cs_report_json(FILE *fp, const struct cs_track *tr,
		       const struct cs_linestats *ls, int top);
void	cs_report_csv(FILE *fp, const struct cs_track *tr);
void	cs_report_html(FILE *fp, const struct cs_track *tr,
		       const struct cs_linestats *ls, int top);

struct cs_count_name {
	const char *name;		/* JSON and CSV name */
	size_t	off;			/* in struct cs_counts */
};

extern const struct cs_count_name cs_count_names[];
extern const size_t cs_ncounts;

uint64_t cs_count_at(const struct cs_counts *c, size_t i);
void	cs_report_totals(const struct cs_track *tr, struct cs_counts *t);
int	cs_shape_in(const struct cs_shape *s, const struct cs_campaign *c);
size_t	cs_shapes_in(const struct cs_track *tr, const struct cs_campaign *c);
void	cs_fmt_duration(long long us, char *out, size_t n);
double	cs_per_delivered(uint64_t bytes, uint64_t delivered);
double	cs_percent(uint64_t part, uint64_t whole);
double	cs_complaint_rate(const struct cs_counts *c);
const char *cs_complaint_flag(const struct cs_counts *c);

#define CS_FLAG_WARN	"above 0.1%"	/* complaints over 1 per 1000 delivered */
#define CS_FLAG_HIGH	"above 0.3%"	/* over 3 per 1000: the providers' limit */
void	cs_split_reason(char *key, char **dsn, char **st, char **why);

#endif
