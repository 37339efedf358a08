/*
 * NAME
 *	cs_report - text, JSON and CSV reports (see cs_report.h)
 * DESCRIPTION
 *	The counts are described once, in cs_count_names[] (JSON/CSV name
 *	and field), so every format (cs_html.c too) and the totals agree.
 * SEE ALSO
 *	cs_report.h, campaignstat-json.md.
 */
#include <stddef.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cs_report.h"

#define US	1000000LL
#define CHART_ROWS	16
#define CHART_WIDTH	48

const struct cs_count_name cs_count_names[] = {
	{"messages_injected", offsetof(struct cs_counts, msgs)},
	{"recipients_injected", offsetof(struct cs_counts, rcpts)},
	{"suppressed_before_queue", offsetof(struct cs_counts, supp_early)},
	{"suppressed_late", offsetof(struct cs_counts, supp_late)},
	{"rejected", offsetof(struct cs_counts, rejected)},
	{"delivered", offsetof(struct cs_counts, delivered)},
	{"delivered_tls", offsetof(struct cs_counts, delivered_tls)},
	{"bounced", offsetof(struct cs_counts, bounced)},
	{"deferral_events", offsetof(struct cs_counts, deferrals)},
	{"deferred_messages", offsetof(struct cs_counts, deferred_msgs)},
	{"still_deferred_messages", offsetof(struct cs_counts, end_def_msgs)},
	{"still_deferred_recipients", offsetof(struct cs_counts, end_def_rcpts)},
	{"expired_messages", offsetof(struct cs_counts, expired_msgs)},
	{"expired_recipients", offsetof(struct cs_counts, expired_rcpts)},
	{"filter_hops", offsetof(struct cs_counts, hops)},
	{"in_queue_messages", offsetof(struct cs_counts, end_live_msgs)},
	{"batches", offsetof(struct cs_counts, batches)},
	{"batch_bad_records", offsetof(struct cs_counts, bad_records)},
	{"log_bytes", offsetof(struct cs_counts, log_bytes)},
	{"unsubscribes", offsetof(struct cs_counts, unsubscribes)},
	{"unsubscribes_repeated", offsetof(struct cs_counts, unsub_repeats)},
	{"complaints", offsetof(struct cs_counts, complaints)},
	{"bounces_async", offsetof(struct cs_counts, bounces_async)},
	{"reports_other", offsetof(struct cs_counts, reports_other)},
	{"suppressed_by_policy", offsetof(struct cs_counts, supp_policy)},
};

#define NCOUNTS	(sizeof(cs_count_names) / sizeof(cs_count_names[0]))

const size_t cs_ncounts = NCOUNTS;

uint64_t
cs_count_at(const struct cs_counts *c, size_t i)
{
	return *(const uint64_t *) ((const char *) c + cs_count_names[i].off);
}

/* totals - the sum of the wanted campaigns' counts */
void
cs_report_totals(const struct cs_track *tr, struct cs_counts *t)
{
	size_t	i, k;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < tr->ncamps; i++)
		if (cs_track_wanted(tr, tr->camps[i]->id))
			for (k = 0; k < NCOUNTS; k++)
				*(uint64_t *) ((char *) t + cs_count_names[k].off) +=
				    cs_count_at(&tr->camps[i]->c, k);
}

void
cs_fmt_duration(long long us, char *out, size_t n)
{
	long long s = us / US;

	if (s >= 3600)
		snprintf(out, n, "%lldh%02lldm%02llds", s / 3600, s / 60 % 60, s % 60);
	else if (s >= 60)
		snprintf(out, n, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(out, n, "%lld.%02llds", s, us % US / 10000);
}

static void
text_hosts(FILE *fp, const struct cs_track *tr, uint64_t mask)
{
	int	i, first = 1;

	for (i = 0; i < tr->nhosts && i < 64; i++)
		if (mask & (1ULL << i)) {
			fprintf(fp, "%s%s", first ? "  (hosts: " : ", ", tr->hosts[i]);
			first = 0;
		}
	fprintf(fp, "%s\n", first ? "" : ")");
}

static void text_signals(FILE *fp, const struct cs_counts *c);

/* text_counts - the counts; tls: the log has TLS lines, show the share */
static void
text_counts(FILE *fp, const struct cs_counts *c, int tls)
{
	fprintf(fp, "  injected      %llu messages, %llu recipients\n",
		(unsigned long long) c->msgs, (unsigned long long) c->rcpts);
	fprintf(fp, "  suppressed    %llu before queue, %llu late\n",
		(unsigned long long) c->supp_early, (unsigned long long) c->supp_late);
	fprintf(fp, "  rejected      %llu\n", (unsigned long long) c->rejected);
	fprintf(fp, "  delivered     %llu\n", (unsigned long long) c->delivered);
	if (tls)
		fprintf(fp, "  over TLS      %llu, %.1f%% of delivered\n",
			(unsigned long long) c->delivered_tls, cs_percent(c->delivered_tls,
			c->delivered));
	fprintf(fp, "  bounced       %llu\n", (unsigned long long) c->bounced);
	text_signals(fp, c);
	fprintf(fp, "  deferred      %llu events, %llu messages; still deferred: "
		"%llu recipients in %llu messages\n",
		(unsigned long long) c->deferrals, (unsigned long long) c->deferred_msgs,
		(unsigned long long) c->end_def_rcpts, (unsigned long long) c->end_def_msgs);
	fprintf(fp, "  expired       %llu messages, %llu recipients\n",
		(unsigned long long) c->expired_msgs, (unsigned long long) c->expired_rcpts);
	if (c->hops || c->end_live_msgs)
		fprintf(fp, "  in queue      %llu messages; %llu handed to the filter\n",
			(unsigned long long) c->end_live_msgs, (unsigned long long) c->hops);
	if (c->batches || c->bad_records)
		fprintf(fp, "  batches       %llu; %llu bad records refused by the filter\n",
			(unsigned long long) c->batches, (unsigned long long) c->bad_records);
	fprintf(fp, "  log           %llu bytes, %.1f per delivered recipient\n",
		(unsigned long long) c->log_bytes, cs_per_delivered(c->log_bytes, c->delivered));
}

double
cs_percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double) part / (double) whole : 0.0;
}

double
cs_per_delivered(uint64_t bytes, uint64_t delivered)
{
	return delivered ? (double) bytes / (double) delivered : 0.0;
}

double
cs_complaint_rate(const struct cs_counts *c)
{
	return c->delivered ? (double) c->complaints / (double) c->delivered : 0.0;
}

/* cs_complaint_flag - the providers' thresholds, compared exactly in
 * integers: over 3 per 1000 delivered, over 1 per 1000, or "" */
const char *
cs_complaint_flag(const struct cs_counts *c)
{
	if (c->complaints * 1000 > c->delivered * 3)
		return CS_FLAG_HIGH;
	if (c->complaints * 1000 > c->delivered)
		return CS_FLAG_WARN;
	return "";
}

/* text_signals - unsubscribes, complaints, what came back; when any */
static void
text_signals(FILE *fp, const struct cs_counts *c)
{
	const char *flag = cs_complaint_flag(c);

	if (!(c->unsubscribes || c->unsub_repeats || c->complaints || c->bounces_async
	      || c->reports_other || c->supp_policy))
		return;
	fprintf(fp, "  unsubscribed  %llu (%llu already suppressed)\n",
		(unsigned long long) c->unsubscribes, (unsigned long long) c->unsub_repeats);
	fprintf(fp, "  complaints    %llu, %.2f%% of delivered%s%s%s\n",
		(unsigned long long) c->complaints, 100.0 * cs_complaint_rate(c),
		*flag ? " (" : "", flag, *flag ? ")" : "");
	fprintf(fp, "  returned      %llu bounces (DSN), %llu other reports; "
		"%llu addresses suppressed by the policy\n",
		(unsigned long long) c->bounces_async, (unsigned long long) c->reports_other,
		(unsigned long long) c->supp_policy);
}

static void
text_delay(FILE *fp, const struct cs_hist *h)
{
	if (h->count == 0)
		return;
	fprintf(fp, "  delay         p50 %.2fs  p95 %.2fs  p99 %.2fs  max %.2fs\n",
		cs_hist_quantile(h, 0.50) / 100.0, cs_hist_quantile(h, 0.95) / 100.0,
		cs_hist_quantile(h, 0.99) / 100.0, h->max / 100.0);
}

/* chart_rows - merge rate slots so that at most CHART_ROWS remain */
static int
chart_rows(const struct cs_rate *r, uint64_t *rows, int *per)
{
	int	i, n;

	for (*per = 1; (r->used + *per - 1) / *per > CHART_ROWS; *per *= 2)
		;
	n = (r->used + *per - 1) / *per;
	memset(rows, 0, sizeof(uint64_t) * CHART_ROWS);
	for (i = 0; i < r->used; i++)
		rows[i / *per] += r->n[i];
	return n;
}

/* text_shapes - the shaper's actions in [from, to), after a chart row */
static void
text_shapes(FILE *fp, const struct cs_track *tr, long long from, long long to)
{
	size_t	i;
	const struct cs_shape *s;

	for (i = 0; i < tr->nshapes; i++)
		if ((s = &tr->shapes[i])->t >= from && s->t < to)
			fprintf(fp, "  << shaper: %s %s=%s for %lds", s->provider, s->action,
				s->value, s->duration);
}

/* text_chart - deliveries per minute over time, one bar per row, the
 * shaper's actions after the row of their time */
static void
text_chart(FILE *fp, const struct cs_rate *r, const struct cs_track *tr)
{
	uint64_t rows[CHART_ROWS], max = 0;
	int	n, per, i, w;
	long long width;
	char	t[32], d[32];

	if (r->used == 0)
		return;
	n = chart_rows(r, rows, &per);
	width = r->width * per;
	for (i = 0; i < n; i++)
		if (rows[i] > max)
			max = rows[i];
	cs_fmt_duration(width, d, sizeof(d));
	fprintf(fp, "  delivery rate (deliveries per minute, one row per %s)\n", d);
	for (i = 0; i < n; i++) {
		cs_time_format(r->t0 + i * width, t, sizeof(t));
		w = max ? (int) (rows[i] * CHART_WIDTH / max) : 0;
		fprintf(fp, "    %s |%-*.*s| %.0f", t + 11, CHART_WIDTH, w,
			"################################################",
			(double) rows[i] * 60.0 * US / (double) width);
		text_shapes(fp, tr, i ? r->t0 + i * width : 0,
			    i + 1 < n ? r->t0 + (i + 1) * width : LLONG_MAX);
		putc('\n', fp);
	}
}

/* text_domains - domains or providers; tls: add the TLS columns */
static void
text_domains(FILE *fp, const struct cs_cmap *m, int top, const char *what,
	     int tls)
{
	struct cs_cent **a;
	size_t	n = cs_cmap_sorted(m, CS_D_SENT, &a), i;

	if (n > 0)
		fprintf(fp, "  %-32s %10s %10s %10s %10s%s\n", what, "delivered",
			"deferrals", "bounced", "expired", tls ? "   over TLS  TLS %" : "");
	for (i = 0; i < n && (top == 0 || i < (size_t) top); i++) {
		fprintf(fp, "  %-32s %10llu %10llu %10llu %10llu", a[i]->key,
			(unsigned long long) a[i]->v[CS_D_SENT],
			(unsigned long long) a[i]->v[CS_D_DEFER],
			(unsigned long long) a[i]->v[CS_D_BOUNCE],
			(unsigned long long) a[i]->v[CS_D_EXPIRE]);
		if (tls)
			fprintf(fp, " %10llu %6.1f", (unsigned long long) a[i]->v[CS_D_TLS],
				cs_percent(a[i]->v[CS_D_TLS], a[i]->v[CS_D_SENT]));
		putc('\n', fp);
	}
	if (top && n > (size_t) top)
		fprintf(fp, "  ... %zu more %ss\n", n - top, what);
	free(a);
}

/* text_categories - the bounce categories, most failures first */
static void
text_categories(FILE *fp, const struct cs_cmap *m)
{
	struct cs_cent **a;
	size_t	n = cs_cmap_sorted(m, CS_K_ASYNC, &a), i;

	if (n > 0)
		fprintf(fp, "  %-20s %10s %10s %10s %10s\n", "bounce category", "bounced",
			"refused", "returned", "suppressed");
	for (i = 0; i < n; i++)
		fprintf(fp, "  %-20s %10llu %10llu %10llu %10llu\n", a[i]->key,
			(unsigned long long) a[i]->v[CS_K_BOUNCED],
			(unsigned long long) a[i]->v[CS_K_REJECTED],
			(unsigned long long) a[i]->v[CS_K_ASYNC],
			(unsigned long long) a[i]->v[CS_K_SUPPRESSED]);
	free(a);
}

/* cs_split_reason - "dsn\tstatus\treason" into its parts (in place) */
void
cs_split_reason(char *key, char **dsn, char **st, char **why)
{
	char   *p;

	*dsn = key;
	*st = *why = (char *) "";
	if ((p = strchr(key, '\t')) == NULL)
		return;
	*p++ = 0;
	*st = p;
	if ((p = strchr(p, '\t')) == NULL)
		return;
	*p++ = 0;
	*why = p;
}

static void
text_reasons(FILE *fp, const struct cs_cmap *m, int top)
{
	struct cs_cent **a;
	size_t	n = cs_cmap_sorted(m, 0, &a), i;
	char	key[256], *dsn, *st, *why;

	if (n > 0)
		fprintf(fp, "  %10s %-7s %-9s %s\n", "count", "dsn", "status", "reason");
	for (i = 0; i < n && (top == 0 || i < (size_t) top); i++) {
		snprintf(key, sizeof(key), "%s", a[i]->key);
		cs_split_reason(key, &dsn, &st, &why);
		fprintf(fp, "  %10llu %-7s %-9s %s\n", (unsigned long long) a[i]->v[0],
			*dsn ? dsn : "-", st, why);
	}
	if (top && n > (size_t) top)
		fprintf(fp, "  ... %zu more reasons\n", n - top);
	free(a);
}

static void
text_campaign(FILE *fp, const struct cs_track *tr, const struct cs_campaign *c,
	      int top)
{
	char	a[32], b[32], d[32];

	fprintf(fp, "\ncampaign %s", c->id);
	text_hosts(fp, tr, c->hostmask);
	cs_time_format(c->first, a, sizeof(a));
	cs_time_format(c->last, b, sizeof(b));
	cs_fmt_duration(c->last - c->first, d, sizeof(d));
	fprintf(fp, "  time          %s .. %s (%s)\n", a, b, d);
	text_counts(fp, &c->c, tr->tls.lines > 0);
	text_delay(fp, &c->delay);
	text_chart(fp, &c->rate, tr);
	text_domains(fp, &c->domains, top, "domain", 0);
	text_domains(fp, &c->providers, 0, "provider", tr->tls.lines > 0);
	text_categories(fp, &c->categories);
	text_reasons(fp, &c->reasons, top);
}

void
cs_report_text(FILE *fp, const struct cs_track *tr,
	       const struct cs_linestats *ls, int top)
{
	struct cs_counts t;
	size_t	i;

	fprintf(fp, "campaignstat: %llu lines (%llu used, %llu other, %llu unparsed",
		(unsigned long long) ls->total, (unsigned long long) ls->used,
		(unsigned long long) ls->other, (unsigned long long) ls->bad);
	if (ls->outside)
		fprintf(fp, ", %llu outside the time range", (unsigned long long) ls->outside);
	fprintf(fp, "), %d hosts, peak %zu messages in flight\n", tr->nhosts, tr->peak);
	if (tr->returned)
		fprintf(fp, "campaignstat: %llu messages delivered to the return path "
			"(bounces, reports, replies: not deliveries)\n",
			(unsigned long long) tr->returned);
	if (tr->hostless)
		fprintf(fp, "campaignstat: %llu lines not counted: their host found no "
			"place (more than %d hosts, or out of memory)\n",
			(unsigned long long) tr->hostless, CS_HOSTS_MAX);
	for (i = 0; i < tr->ncamps; i++)
		if (cs_track_wanted(tr, tr->camps[i]->id))
			text_campaign(fp, tr, tr->camps[i], top);
	cs_report_totals(tr, &t);
	fprintf(fp, "\ntotal\n");
	text_counts(fp, &t, tr->tls.lines > 0);
	fprintf(fp, "  all lines     %llu bytes, %.1f per delivered recipient "
		"(%llu bytes of no campaign)\n", (unsigned long long) ls->bytes,
		cs_per_delivered(ls->bytes, t.delivered), (unsigned long long) tr->log_other);
}

/* json_str - a JSON string; bytes outside printable ASCII as \u00XX */
static void
json_str(FILE *fp, const char *s)
{
	const unsigned char *p;

	putc('"', fp);
	for (p = (const unsigned char *) s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(fp, "\\u%04x", *p);
		else
			putc(*p, fp);
	}
	putc('"', fp);
}

static void
json_time(FILE *fp, const char *name, long long t)
{
	char	buf[32];

	cs_time_format(t, buf, sizeof(buf));
	fprintf(fp, "\"%s\": ", name);
	json_str(fp, buf);
	fprintf(fp, ", \"%s_epoch\": %.6f, ", name, t / (double) US);
}

static void
json_counts(FILE *fp, const struct cs_counts *c)
{
	size_t	k;

	for (k = 0; k < NCOUNTS; k++)
		fprintf(fp, "%s\"%s\": %llu", k ? ", " : "", cs_count_names[k].name,
			(unsigned long long) cs_count_at(c, k));
}

static void
json_delay(FILE *fp, const struct cs_hist *h)
{
	if (h->count == 0) {
		fprintf(fp, "\"delay\": null");
		return;
	}
	fprintf(fp, "\"delay\": {\"samples\": %llu, \"p50\": %.2f, \"p95\": %.2f, "
		"\"p99\": %.2f, \"max\": %.2f}", (unsigned long long) h->count,
		cs_hist_quantile(h, 0.50) / 100.0, cs_hist_quantile(h, 0.95) / 100.0,
		cs_hist_quantile(h, 0.99) / 100.0, h->max / 100.0);
}

static void
json_rate(FILE *fp, const struct cs_rate *r)
{
	int	i;

	if (r->used == 0) {
		fprintf(fp, "\"rate\": null");
		return;
	}
	fprintf(fp, "\"rate\": {");
	json_time(fp, "start", r->t0);
	fprintf(fp, "\"slot_seconds\": %lld, \"deliveries\": [", r->width / US);
	for (i = 0; i < r->used; i++)
		fprintf(fp, "%s%llu", i ? ", " : "", (unsigned long long) r->n[i]);
	fprintf(fp, "]}");
}

/* json_domains - domains or providers; tls: with their TLS fields */
static void
json_domains(FILE *fp, const struct cs_cmap *m, int top, const char *what,
	     int tls)
{
	struct cs_cent **a;
	size_t	n = cs_cmap_sorted(m, CS_D_SENT, &a), i;

	fprintf(fp, "\"%ss\": [", what);
	for (i = 0; i < n && (top == 0 || i < (size_t) top); i++) {
		fprintf(fp, "%s\n      {\"%s\": ", i ? "," : "", what);
		json_str(fp, a[i]->key);
		fprintf(fp, ", \"delivered\": %llu, \"deferrals\": %llu, "
			"\"bounced\": %llu, \"expired\": %llu",
			(unsigned long long) a[i]->v[CS_D_SENT],
			(unsigned long long) a[i]->v[CS_D_DEFER],
			(unsigned long long) a[i]->v[CS_D_BOUNCE],
			(unsigned long long) a[i]->v[CS_D_EXPIRE]);
		if (tls)
			fprintf(fp, ", \"delivered_tls\": %llu, \"tls_percent\": %.1f",
				(unsigned long long) a[i]->v[CS_D_TLS],
				cs_percent(a[i]->v[CS_D_TLS], a[i]->v[CS_D_SENT]));
		putc('}', fp);
	}
	fprintf(fp, "]");
	free(a);
}

/* json_shapes - the shaper's actions within the campaign's time */
static void
json_shapes(FILE *fp, const struct cs_track *tr, const struct cs_campaign *c)
{
	size_t	i, k = 0;
	const struct cs_shape *s;

	fprintf(fp, "\"shaper_actions\": [");
	for (i = 0; i < tr->nshapes; i++) {
		if (!cs_shape_in(s = &tr->shapes[i], c))
			continue;
		fprintf(fp, "%s\n      {", k++ ? "," : "");
		json_time(fp, "time", s->t);
		fprintf(fp, "\"provider\": ");
		json_str(fp, s->provider);
		fprintf(fp, ", \"action\": ");
		json_str(fp, s->action);
		fprintf(fp, ", \"value\": ");
		json_str(fp, s->value);
		fprintf(fp, ", \"duration_s\": %ld}", s->duration);
	}
	fprintf(fp, "]");
}

static void
json_reasons(FILE *fp, const struct cs_cmap *m, int top)
{
	struct cs_cent **a;
	size_t	n = cs_cmap_sorted(m, 0, &a), i;
	char	key[256], *dsn, *st, *why;

	fprintf(fp, "\"reasons\": [");
	for (i = 0; i < n && (top == 0 || i < (size_t) top); i++) {
		snprintf(key, sizeof(key), "%s", a[i]->key);
		cs_split_reason(key, &dsn, &st, &why);
		fprintf(fp, "%s\n      {\"count\": %llu, \"dsn\": ", i ? "," : "",
			(unsigned long long) a[i]->v[0]);
		json_str(fp, dsn);
		fprintf(fp, ", \"status\": ");
		json_str(fp, st);
		fprintf(fp, ", \"reason\": ");
		json_str(fp, why);
		fprintf(fp, "}");
	}
	fprintf(fp, "]");
	free(a);
}

static void
json_categories(FILE *fp, const struct cs_cmap *m)
{
	struct cs_cent **a;
	size_t	n = cs_cmap_sorted(m, CS_K_ASYNC, &a), i;

	fprintf(fp, "\"bounce_categories\": [");
	for (i = 0; i < n; i++) {
		fprintf(fp, "%s\n      {\"category\": ", i ? "," : "");
		json_str(fp, a[i]->key);
		fprintf(fp, ", \"bounced\": %llu, \"refused\": %llu, \"returned\": %llu, "
			"\"suppressed\": %llu}", (unsigned long long) a[i]->v[CS_K_BOUNCED],
			(unsigned long long) a[i]->v[CS_K_REJECTED],
			(unsigned long long) a[i]->v[CS_K_ASYNC],
			(unsigned long long) a[i]->v[CS_K_SUPPRESSED]);
	}
	fprintf(fp, "]");
	free(a);
}

/* json_complaints - the complaint rate against delivered, and its flag */
static void
json_complaints(FILE *fp, const struct cs_counts *c)
{
	fprintf(fp, ", \"complaint_rate\": %.6f, \"complaint_flag\": ",
		cs_complaint_rate(c));
	json_str(fp, cs_complaint_flag(c));
}

static void
json_hosts(FILE *fp, const struct cs_track *tr, uint64_t mask)
{
	int	i, n = 0;

	fprintf(fp, "\"hosts\": [");
	for (i = 0; i < tr->nhosts && i < 64; i++)
		if (mask & (1ULL << i)) {
			fprintf(fp, "%s", n++ ? ", " : "");
			json_str(fp, tr->hosts[i]);
		}
	fprintf(fp, "]");
}

static void
json_campaign(FILE *fp, const struct cs_track *tr, const struct cs_campaign *c,
	      int top)
{
	fprintf(fp, "    {\"campaign\": ");
	json_str(fp, c->id);
	fprintf(fp, ", ");
	json_hosts(fp, tr, c->hostmask);
	fprintf(fp, ",\n     ");
	json_time(fp, "first", c->first);
	json_time(fp, "last", c->last);
	fprintf(fp, "\"duration_s\": %.6f,\n     ", (c->last - c->first) / (double) US);
	json_counts(fp, &c->c);
	json_complaints(fp, &c->c);
	fprintf(fp, ", \"log_bytes_per_delivered\": %.1f, \"tls_percent\": %.1f,\n     ",
		cs_per_delivered(c->c.log_bytes, c->c.delivered),
		cs_percent(c->c.delivered_tls, c->c.delivered));
	json_delay(fp, &c->delay);
	fprintf(fp, ",\n     ");
	json_rate(fp, &c->rate);
	fprintf(fp, ",\n     ");
	json_domains(fp, &c->domains, top, "domain", 0);
	fprintf(fp, ",\n     ");
	json_domains(fp, &c->providers, 0, "provider", 1);
	fprintf(fp, ",\n     ");
	json_shapes(fp, tr, c);
	fprintf(fp, ",\n     ");
	json_reasons(fp, &c->reasons, top);
	fprintf(fp, ",\n     ");
	json_categories(fp, &c->categories);
	fprintf(fp, "}");
}

static void
json_lines(FILE *fp, const struct cs_linestats *ls)
{
	fprintf(fp, "  \"lines\": {\"total\": %llu, \"used\": %llu, \"other\": %llu, "
		"\"unparsed\": %llu, \"too_long\": %llu, \"outside_time\": %llu},\n",
		(unsigned long long) ls->total, (unsigned long long) ls->used,
		(unsigned long long) ls->other, (unsigned long long) ls->bad,
		(unsigned long long) ls->toolong, (unsigned long long) ls->outside);
}

void
cs_report_json(FILE *fp, const struct cs_track *tr,
	       const struct cs_linestats *ls, int top)
{
	struct cs_counts t;
	size_t	i;
	int	n = 0;

	fprintf(fp, "{\n  \"version\": 1,\n");
	json_lines(fp, ls);
	fprintf(fp, "  \"bytes\": %llu,\n  \"peak_live_messages\": %zu,\n  "
		"\"returned_to_return_path\": %llu,\n  ",
		(unsigned long long) ls->bytes, tr->peak, (unsigned long long) tr->returned);
	json_hosts(fp, tr, ~0ULL);
	fprintf(fp, ",\n  \"campaigns\": [\n");
	for (i = 0; i < tr->ncamps; i++) {
		if (!cs_track_wanted(tr, tr->camps[i]->id))
			continue;
		fprintf(fp, "%s", n++ ? ",\n" : "");
		json_campaign(fp, tr, tr->camps[i], top);
	}
	cs_report_totals(tr, &t);
	fprintf(fp, "\n  ],\n  \"totals\": {");
	json_counts(fp, &t);
	json_complaints(fp, &t);
	fprintf(fp, ", \"log_bytes_per_delivered\": %.1f, \"tls_percent\": %.1f, "
		"\"log_bytes_no_campaign\": %llu, \"all_bytes_per_delivered\": %.1f}\n}\n",
		cs_per_delivered(t.log_bytes, t.delivered),
		cs_percent(t.delivered_tls, t.delivered), (unsigned long long) tr->log_other,
		cs_per_delivered(ls->bytes, t.delivered));
}

/* csv_field - RFC 4180: quoted when it holds a comma, quote or newline */
static void
csv_field(FILE *fp, const char *s)
{
	const char *p;

	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	putc('"', fp);
	for (p = s; *p; p++) {
		if (*p == '"')
			putc('"', fp);
		putc(*p, fp);
	}
	putc('"', fp);
}

/*
 * csv_categories - the bounce categories in one field, most failures
 * first: "CATEGORY bounced/refused/returned/suppressed; ..."
 */
static void
csv_categories(FILE *fp, const struct cs_cmap *m)
{
	struct cs_cent **a;
	size_t	n = cs_cmap_sorted(m, CS_K_ASYNC, &a), i;

	for (i = 0; i < n; i++)
		fprintf(fp, "%s%s %llu/%llu/%llu/%llu", i ? "; " : "", a[i]->key,
			(unsigned long long) a[i]->v[CS_K_BOUNCED],
			(unsigned long long) a[i]->v[CS_K_REJECTED],
			(unsigned long long) a[i]->v[CS_K_ASYNC],
			(unsigned long long) a[i]->v[CS_K_SUPPRESSED]);
	free(a);
}

/* csv_providers - "PROVIDER delivered/deferrals/bounced/over_tls; ..." */
static void
csv_providers(FILE *fp, const struct cs_cmap *m)
{
	struct cs_cent **a;
	size_t	n = cs_cmap_sorted(m, CS_D_SENT, &a), i;

	for (i = 0; i < n; i++)
		fprintf(fp, "%s%s %llu/%llu/%llu/%llu", i ? "; " : "", a[i]->key,
			(unsigned long long) a[i]->v[CS_D_SENT],
			(unsigned long long) a[i]->v[CS_D_DEFER],
			(unsigned long long) a[i]->v[CS_D_BOUNCE],
			(unsigned long long) a[i]->v[CS_D_TLS]);
	free(a);
}

/* cs_shape_in - does the shaper's action s fall in c's time (ends included)? */
int
cs_shape_in(const struct cs_shape *s, const struct cs_campaign *c)
{
	return s->t >= c->first && s->t <= c->last;
}

/* cs_shapes_in - how many of the shaper's actions fall in c's time */
size_t
cs_shapes_in(const struct cs_track *tr, const struct cs_campaign *c)
{
	size_t	i, k = 0;

	for (i = 0; i < tr->nshapes; i++)
		k += cs_shape_in(&tr->shapes[i], c);
	return k;
}

void
cs_report_csv(FILE *fp, const struct cs_track *tr)
{
	size_t	i, k;
	const struct cs_campaign *c;
	char	a[32], b[32];

	fprintf(fp, "campaign,first,last,duration_s");
	for (k = 0; k < NCOUNTS; k++)
		fprintf(fp, ",%s", cs_count_names[k].name);
	fprintf(fp, ",log_bytes_per_delivered,tls_percent,delay_p50,delay_p95,delay_p99,"
		"complaint_rate,complaint_flag,bounce_categories,providers,shaper_actions\n");
	for (i = 0; i < tr->ncamps; i++) {
		if (!cs_track_wanted(tr, (c = tr->camps[i])->id))
			continue;
		cs_time_format(c->first, a, sizeof(a));
		cs_time_format(c->last, b, sizeof(b));
		csv_field(fp, c->id);
		fprintf(fp, ",%s,%s,%.2f", a, b, (c->last - c->first) / (double) US);
		for (k = 0; k < NCOUNTS; k++)
			fprintf(fp, ",%llu", (unsigned long long) cs_count_at(&c->c, k));
		fprintf(fp, ",%.1f,%.1f", cs_per_delivered(c->c.log_bytes, c->c.delivered),
			cs_percent(c->c.delivered_tls, c->c.delivered));
		if (c->delay.count)
			fprintf(fp, ",%.2f,%.2f,%.2f", cs_hist_quantile(&c->delay, 0.5) / 100.0,
				cs_hist_quantile(&c->delay, 0.95) / 100.0,
				cs_hist_quantile(&c->delay, 0.99) / 100.0);
		else
			fprintf(fp, ",,,");
		fprintf(fp, ",%.6f,", cs_complaint_rate(&c->c));
		csv_field(fp, cs_complaint_flag(&c->c));
		putc(',', fp);
		csv_categories(fp, &c->categories);
		putc(',', fp);
		csv_providers(fp, &c->providers);
		fprintf(fp, ",%zu\n", cs_shapes_in(tr, c));
	}
}
