/*
 * NAME
 *	cs_html - campaignstat's HTML report (see cs_report.h)
 * SYNOPSIS
 *	cs_report_html(stdout, &tr, &ls, top);
 * DESCRIPTION
 *	Writes one self-contained HTML5 page: an inline style sheet, no
 *	script, no image, font or link outside the page.  It holds the line
 *	counts, the table of counts per campaign (same names and order as
 *	the JSON, cs_count_names[]) with the totals, and for each campaign
 *	its hosts and times, the delay percentiles, the delivery rate over
 *	time as an inline SVG bar chart (deliveries per minute, one bar per
 *	rate slot, each bar with a tooltip), the recipient domain table and
 *	the DSN code and reason table, most frequent first.
 *
 *	Every string that comes from a log (campaign ids, host names,
 *	domains, DSN codes, reasons) goes through html_text(): the five
 *	markup characters become entities, control bytes and bytes that are
 *	not valid UTF-8 become U+FFFD, so no log line can add markup.
 * SEE ALSO
 *	cs_report.h, cs_report.c, campaignstat(1).
 */
#include <stdlib.h>
#include <string.h>

#include "cs_report.h"

#define US		1000000LL
#define SVG_W		720
#define SVG_H		220
#define SVG_L		64		/* left margin: y labels */
#define SVG_B		28		/* bottom margin: x labels */
#define SVG_T		12

static const char style[] =
"body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}"
"table{border-collapse:collapse;margin:.5em 0 1em}"
"th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}"
"th{background:#f0f0f0}td.k,th.k{text-align:left}"
"tr.total td,tr.total th{font-weight:bold;border-top:2px solid #888}"
"section{border-top:1px solid #aaa;margin-top:1.5em}"
".wide{overflow-x:auto}.meta{color:#555}"
"svg{background:#fafafa;border:1px solid #ddd}"
"svg text{font:11px sans-serif;fill:#333}svg rect.bar{fill:#3a7bd5}"
"svg line{stroke:#bbb}svg line.shape{stroke:#d55;stroke-dasharray:4 3}.flag{color:#b00;font-weight:bold}";

/* utf8_len - length of the valid UTF-8 sequence at p (at most n), or 0 */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t	len, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xf0 && p[1] < 0x90)
	    || (p[0] == 0xf4 && p[1] > 0x8f) || (p[0] == 0xed && p[1] > 0x9f))
		return 0;			/* overlong, too large, surrogate */
	return len;
}

/* html_char - one ASCII byte as HTML text or attribute value */
static void
html_char(FILE *fp, unsigned char c)
{
	switch (c) {
	case '&': fputs("&amp;", fp); return;
	case '<': fputs("&lt;", fp); return;
	case '>': fputs("&gt;", fp); return;
	case '"': fputs("&quot;", fp); return;
	case '\'': fputs("&#39;", fp); return;
	default:
		if (c < 0x20 || c == 0x7f)
			fputs("&#xfffd;", fp);
		else
			putc(c, fp);
	}
}

/* html_text - a string from the log, escaped for text and attributes */
static void
html_text(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t	n = strlen(s), k;

	while (n > 0) {
		if (*p < 0x80) {
			html_char(fp, *p);
			k = 1;
		} else if ((k = utf8_len(p, n)) > 0) {
			fwrite(p, 1, k, fp);
		} else {
			fputs("&#xfffd;", fp);
			k = 1;
		}
		p += k;
		n -= k;
	}
}

static void
html_time(FILE *fp, long long t)
{
	char	buf[32];

	cs_time_format(t, buf, sizeof(buf));
	html_text(fp, buf);
}

static void
html_hosts(FILE *fp, const struct cs_track *tr, uint64_t mask)
{
	int	i, n = 0;

	for (i = 0; i < tr->nhosts && i < 64; i++)
		if (mask & (1ULL << i)) {
			fputs(n++ ? ", " : "", fp);
			html_text(fp, tr->hosts[i]);
		}
	if (n == 0)
		fputs("-", fp);
}

/* count_label - "recipients_injected" as "recipients injected" */
static void
count_label(FILE *fp, const char *name)
{
	for (; *name; name++)
		putc(*name == '_' ? ' ' : *name, fp);
}

static void
sum_head(FILE *fp)
{
	size_t	k;

	fputs("<div class=\"wide\"><table>\n<thead><tr><th class=\"k\">campaign</th>"
	      "<th>first</th><th>last</th><th>duration</th>", fp);
	for (k = 0; k < cs_ncounts; k++) {
		fputs("<th>", fp);
		count_label(fp, cs_count_names[k].name);
		fputs("</th>", fp);
	}
	fputs("<th>log bytes per delivered</th><th>tls percent</th></tr></thead>\n"
	      "<tbody>\n", fp);
}

static void
sum_counts(FILE *fp, const struct cs_counts *c)
{
	size_t	k;

	for (k = 0; k < cs_ncounts; k++)
		fprintf(fp, "<td>%llu</td>", (unsigned long long) cs_count_at(c, k));
	fprintf(fp, "<td>%.1f</td><td>%.1f</td></tr>\n",
		cs_per_delivered(c->log_bytes, c->delivered),
		cs_percent(c->delivered_tls, c->delivered));
}

static void
sum_row(FILE *fp, const struct cs_campaign *c, size_t idx)
{
	char	d[32];

	cs_fmt_duration(c->last - c->first, d, sizeof(d));
	fprintf(fp, "<tr><td class=\"k\"><a href=\"#c%zu\">", idx);
	html_text(fp, c->id);
	fputs("</a></td><td>", fp);
	html_time(fp, c->first);
	fputs("</td><td>", fp);
	html_time(fp, c->last);
	fprintf(fp, "</td><td>%s</td>", d);
	sum_counts(fp, &c->c);
}

/* sum_table - one row per wanted campaign, then the totals */
static void
sum_table(FILE *fp, const struct cs_track *tr)
{
	struct cs_counts t;
	size_t	i;

	fputs("<h2>Campaigns</h2>\n", fp);
	sum_head(fp);
	for (i = 0; i < tr->ncamps; i++)
		if (cs_track_wanted(tr, tr->camps[i]->id))
			sum_row(fp, tr->camps[i], i);
	cs_report_totals(tr, &t);
	fputs("<tr class=\"total\"><th class=\"k\">total</th><td></td><td></td><td></td>", fp);
	sum_counts(fp, &t);
	fputs("</tbody></table></div>\n", fp);
}

static void
delay_table(FILE *fp, const struct cs_hist *h)
{
	fputs("<h3>Delay (seconds)</h3>\n", fp);
	if (h->count == 0) {
		fputs("<p>No deliveries.</p>\n", fp);
		return;
	}
	fprintf(fp, "<table><tr><th>samples</th><th>p50</th><th>p95</th><th>p99</th>"
		"<th>max</th></tr>\n<tr><td>%llu</td><td>%.2f</td><td>%.2f</td>"
		"<td>%.2f</td><td>%.2f</td></tr></table>\n",
		(unsigned long long) h->count, cs_hist_quantile(h, 0.50) / 100.0,
		cs_hist_quantile(h, 0.95) / 100.0, cs_hist_quantile(h, 0.99) / 100.0,
		h->max / 100.0);
}

/* svg_axes - frame, the y scale (0 and max per minute), start and end time */
static void
svg_axes(FILE *fp, const struct cs_rate *r, double max)
{
	int	bottom = SVG_H - SVG_B;
	char	a[32], b[32];

	cs_time_format(r->t0, a, sizeof(a));
	cs_time_format(r->t0 + r->used * r->width, b, sizeof(b));
	fprintf(fp, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
		SVG_L, SVG_T, SVG_L, bottom, SVG_L, bottom, SVG_W - 8, bottom);
	fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f/min</text>"
		"<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n",
		SVG_L - 4, SVG_T + 10, max, SVG_L - 4, bottom);
	fprintf(fp, "<text x=\"%d\" y=\"%d\">%s</text>"
		"<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
		SVG_L, SVG_H - 8, a, SVG_W - 8, SVG_H - 8, b);
}

/* svg_bar - slot i: a bar with its time and figures as tooltip */
static void
svg_bar(FILE *fp, const struct cs_rate *r, int i, double max)
{
	double	pw = SVG_W - 8 - SVG_L, ph = SVG_H - SVG_B - SVG_T;
	double	bw = pw / r->used, rate = r->n[i] * 60.0 * US / r->width;
	double	h = max > 0 ? rate / max * ph : 0;
	char	t[32];

	cs_time_format(r->t0 + i * r->width, t, sizeof(t));
	fprintf(fp, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		"height=\"%.1f\"><title>%s: %llu deliveries (%.0f/min)</title></rect>\n",
		SVG_L + i * bw + 0.5, SVG_H - SVG_B - h, bw > 2 ? bw - 1 : bw, h,
		t, (unsigned long long) r->n[i], rate);
}

/* svg_shapes - the shaper's actions: a dashed line at their time, the
 * action as its tooltip */
static void
svg_shapes(FILE *fp, const struct cs_rate *r, const struct cs_track *tr,
	   const struct cs_campaign *c)
{
	double	pw = SVG_W - 8 - SVG_L, span = (double) r->used * r->width, x;
	const struct cs_shape *s;
	char	t[32];
	size_t	i;

	for (i = 0; i < tr->nshapes; i++) {
		s = &tr->shapes[i];
		if (!cs_shape_in(s, c))
			continue;	/* another campaign's time */
		x = s->t <= r->t0 ? 0 : (s->t - r->t0) / span;
		x = SVG_L + (x > 1 ? 1 : x) * pw;	/* before or after the bars: at an edge */
		cs_time_format(s->t, t, sizeof(t));
		fprintf(fp, "<line class=\"shape\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
			"y2=\"%d\"><title>%s: shaper: ", x, SVG_T, x, SVG_H - SVG_B, t);
		html_text(fp, s->provider);
		fputc(' ', fp);
		html_text(fp, s->action);
		fputc('=', fp);
		html_text(fp, s->value);
		fprintf(fp, " for %ld s</title></line>\n", s->duration);
	}
}

/* rate_chart - deliveries per minute over time as an inline SVG, the
 * shaper's actions marked on it */
static void
rate_chart(FILE *fp, const struct cs_rate *r, const struct cs_track *tr,
	   const struct cs_campaign *c)
{
	double	max = 0, v;
	char	d[32];
	int	i;

	fputs("<h3>Delivery rate</h3>\n", fp);
	if (r->used == 0) {
		fputs("<p>No deliveries.</p>\n", fp);
		return;
	}
	for (i = 0; i < r->used; i++)
		if ((v = r->n[i] * 60.0 * US / r->width) > max)
			max = v;
	cs_fmt_duration(r->width, d, sizeof(d));
	fprintf(fp, "<p class=\"meta\">Deliveries per minute, one bar per %s.</p>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" role=\"img\"><title>delivery rate</title>\n",
		d, SVG_W, SVG_H, SVG_W, SVG_H);
	svg_axes(fp, r, max);
	for (i = 0; i < r->used; i++)
		svg_bar(fp, r, i, max);
	svg_shapes(fp, r, tr, c);
	fputs("</svg>\n", fp);
}

/* a ranked table: its title, header row, what its rows are, one row */
struct ranked {
	const char *title, *header, *noun;
	int	sortkey;
	void	(*row)(FILE *, const struct cs_cent *);
};

static void
domain_row(FILE *fp, const struct cs_cent *e)
{
	fputs("<tr><td class=\"k\">", fp);
	html_text(fp, e->key);
	fprintf(fp, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td></tr>\n",
		(unsigned long long) e->v[CS_D_SENT],
		(unsigned long long) e->v[CS_D_DEFER],
		(unsigned long long) e->v[CS_D_BOUNCE],
		(unsigned long long) e->v[CS_D_EXPIRE]);
}

/* provider_row - a domain_row with the deliveries over TLS and their share */
static void
provider_row(FILE *fp, const struct cs_cent *e)
{
	fputs("<tr><td class=\"k\">", fp);
	html_text(fp, e->key);
	fprintf(fp, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td>"
		"<td>%llu</td><td>%.1f</td></tr>\n",
		(unsigned long long) e->v[CS_D_SENT],
		(unsigned long long) e->v[CS_D_DEFER],
		(unsigned long long) e->v[CS_D_BOUNCE],
		(unsigned long long) e->v[CS_D_EXPIRE],
		(unsigned long long) e->v[CS_D_TLS],
		cs_percent(e->v[CS_D_TLS], e->v[CS_D_SENT]));
}

static void
reason_row(FILE *fp, const struct cs_cent *e)
{
	char	key[256], *dsn, *st, *why;

	snprintf(key, sizeof(key), "%s", e->key);
	cs_split_reason(key, &dsn, &st, &why);
	fprintf(fp, "<tr><td>%llu</td><td class=\"k\">", (unsigned long long) e->v[0]);
	html_text(fp, *dsn ? dsn : "-");
	fputs("</td><td class=\"k\">", fp);
	html_text(fp, st);
	fputs("</td><td class=\"k\">", fp);
	html_text(fp, why);
	fputs("</td></tr>\n", fp);
}

static void
category_row(FILE *fp, const struct cs_cent *e)
{
	fputs("<tr><td class=\"k\">", fp);
	html_text(fp, e->key);
	fprintf(fp, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td></tr>\n",
		(unsigned long long) e->v[CS_K_BOUNCED],
		(unsigned long long) e->v[CS_K_REJECTED],
		(unsigned long long) e->v[CS_K_ASYNC],
		(unsigned long long) e->v[CS_K_SUPPRESSED]);
}

static const struct ranked categories_table = {
	"Bounce categories", "<th class=\"k\">category</th><th>bounced</th>"
	"<th>refused</th><th>returned (DSN, ARF)</th><th>suppressed by the policy</th>",
	"categories", CS_K_ASYNC, category_row,
};

static const struct ranked providers_table = {
	"Providers (--providers)", "<th class=\"k\">provider</th><th>delivered</th>"
	"<th>deferrals</th><th>bounced</th><th>expired</th><th>over TLS</th>"
	"<th>TLS %</th>", "providers", CS_D_SENT, provider_row,
};

static const struct ranked domains_table = {
	"Recipient domains", "<th class=\"k\">domain</th><th>delivered</th>"
	"<th>deferrals</th><th>bounced</th><th>expired</th>", "domains",
	CS_D_SENT, domain_row,
};
static const struct ranked reasons_table = {
	"DSN codes and reasons", "<th>count</th><th class=\"k\">dsn</th>"
	"<th class=\"k\">status</th><th class=\"k\">reason</th>", "reasons",
	0, reason_row,
};

/* ranked_table - the top rows of m, most first, and how many are left out */
static void
ranked_table(FILE *fp, const struct ranked *t, const struct cs_cmap *m, int top)
{
	struct cs_cent **a;
	size_t	n = cs_cmap_sorted(m, t->sortkey, &a), i;

	fprintf(fp, "<h3>%s</h3>\n", t->title);
	if (n == 0)
		fputs("<p>None.</p>\n", fp);
	else
		fprintf(fp, "<table><tr>%s</tr>\n", t->header);
	for (i = 0; i < n && (top == 0 || i < (size_t) top); i++)
		t->row(fp, a[i]);
	if (n > 0)
		fputs("</table>\n", fp);
	if (top && n > (size_t) top)
		fprintf(fp, "<p class=\"meta\">%zu more %s.</p>\n", n - top, t->noun);
	free(a);
}

/* signals_para - unsubscribes and the complaint rate, flagged */
static void
signals_para(FILE *fp, const struct cs_counts *c)
{
	const char *flag = cs_complaint_flag(c);

	fprintf(fp, "<p>Unsubscribed: %llu (%llu already suppressed). Complaints: %llu, "
		"<span class=\"%s\">%.2f%% of delivered%s%s%s</span>. Returned: %llu "
		"bounces (DSN), %llu other reports; %llu addresses suppressed by the "
		"policy.</p>\n", (unsigned long long) c->unsubscribes,
		(unsigned long long) c->unsub_repeats, (unsigned long long) c->complaints,
		*flag ? "flag" : "ok", 100.0 * cs_complaint_rate(c), *flag ? " (" : "", flag,
		*flag ? ")" : "", (unsigned long long) c->bounces_async,
		(unsigned long long) c->reports_other, (unsigned long long) c->supp_policy);
}

static void
campaign_section(FILE *fp, const struct cs_track *tr, const struct cs_campaign *c,
		 size_t idx, int top)
{
	char	d[32];

	fprintf(fp, "<section id=\"c%zu\">\n<h2>Campaign ", idx);
	html_text(fp, c->id);
	fputs("</h2>\n<p>Hosts: ", fp);
	html_hosts(fp, tr, c->hostmask);
	fputs(". From ", fp);
	html_time(fp, c->first);
	fputs(" to ", fp);
	html_time(fp, c->last);
	cs_fmt_duration(c->last - c->first, d, sizeof(d));
	fprintf(fp, " (%s).</p>\n", d);
	signals_para(fp, &c->c);
	delay_table(fp, &c->delay);
	rate_chart(fp, &c->rate, tr, c);
	ranked_table(fp, &domains_table, &c->domains, top);
	if (tr->providers != NULL)
		ranked_table(fp, &providers_table, &c->providers, 0);
	ranked_table(fp, &categories_table, &c->categories, 0);
	ranked_table(fp, &reasons_table, &c->reasons, top);
	fputs("</section>\n", fp);
}

static void
html_lines(FILE *fp, const struct cs_track *tr, const struct cs_linestats *ls)
{
	fprintf(fp, "<p class=\"meta\">%llu lines read (%llu used, %llu other, "
		"%llu unparsed, %llu too long, %llu outside the time range), "
		"%llu bytes, %d inputs, peak %zu messages in flight. Hosts: ",
		(unsigned long long) ls->total, (unsigned long long) ls->used,
		(unsigned long long) ls->other, (unsigned long long) ls->bad,
		(unsigned long long) ls->toolong, (unsigned long long) ls->outside,
		(unsigned long long) ls->bytes, ls->inputs, tr->peak);
	html_hosts(fp, tr, ~0ULL);
	fputs(".</p>\n", fp);
}

void
cs_report_html(FILE *fp, const struct cs_track *tr,
	       const struct cs_linestats *ls, int top)
{
	size_t	i;

	fprintf(fp, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"generator\" content=\"campaignstat\">\n"
		"<title>campaignstat report</title>\n<style>%s</style>\n</head>\n<body>\n"
		"<h1>Campaign report</h1>\n", style);
	html_lines(fp, tr, ls);
	sum_table(fp, tr);
	for (i = 0; i < tr->ncamps; i++)
		if (cs_track_wanted(tr, tr->camps[i]->id))
			campaign_section(fp, tr, tr->camps[i], i, top);
	fputs("</body>\n</html>\n", fp);
}
