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
 * DESCRIPTION
 *	Each writes one report of the campaigns that cs_track_wanted()
 *	accepts, in order of first appearance, followed (text and JSON) by
 *	the totals over them.  top limits the per-domain and per-reason
 *	tables (0: no limit).  The JSON schema is campaignstat-json.md; the
 *	CSV has a header line and one row per campaign with the same names
 *	as the JSON counts.  The time-dependent figures are in local time.
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

#endif
