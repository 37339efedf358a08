/*
 * NAME
 *	supentry - the suppression table's entry for a signal (see supentry.h)
 * DIAGNOSTICS
 *	Returns 0/1/-1 with struct cerr filled, never prints (lib/ rule).
 * SEE ALSO
 *	access(5); suppress/edit.c (entries typed by hand).
 */
#include <string.h>

#include "supentry.h"

static int
valid(const char *s, size_t max, const char *extra)
{
	size_t	n = strlen(s), i;

	if (n < 1 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
		    || strchr(extra, c) != NULL))
			return 0;
	}
	return 1;
}

int
supentry_value(struct buf *out, const char *category, const char *campaign,
	       time_t when, struct cerr *e)
{
	struct tm tm;
	char	stamp[32];

	if (!valid(category, SUPENTRY_CATEGORY_MAX, "-"))
		return cerr_set(e, "bad category \"%.40s\"", category);
	if (campaign && !valid(campaign, SUPENTRY_CAMPAIGN_MAX,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ._-"))
		return cerr_set(e, "bad campaign id");
	if (gmtime_r(&when, &tm) == NULL
	    || strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return cerr_set(e, "bad time");
	buf_reset(out);
	if (buf_appendf(out, "550 5.7.1 suppressed: category=%s campaign=%s time=%s",
	    category, campaign ? campaign : "-", stamp) < 0)
		return cerr_set(e, "entry longer than %zu bytes", out->max);
	return 0;
}

int
supentry_put(struct map_db *m, const char *key, const char *value, struct cerr *e)
{
	struct buf old;
	int	r;

	buf_init(&old, MAP_VALUE_MAX);
	r = map_db_lookup(m, key, &old, e);
	/* there: does it suppress?  (suppress_lookup asks it first, as Postfix does) */
	if (r == 1)
		r = suppress_lookup(m, key, &old, e);
	buf_free(&old);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	return map_db_update(m, key, value, e) < 0 ? -1 : 1;
}

/* field - copy the word after "name=" in v into out (outlen bytes) */
static int
field(const char *v, const char *name, char *out, size_t outlen)
{
	const char *p = v;
	size_t	nl = strlen(name), n;

	out[0] = '\0';
	while ((p = strstr(p, name)) != NULL) {
		if ((p == v || p[-1] == ' ') && p[nl] == '=')
			break;
		p += nl;
	}
	if (p == NULL)
		return 0;
	p += nl + 1;
	n = strcspn(p, " \t");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return n > 0;
}

int
supentry_why(const char *value, struct supentry_why *w)
{
	const char *s = strstr(value, "suppressed: ");

	w->text = s ? s + strlen("suppressed: ") : value;
	(void)field(value, "campaign", w->campaign, sizeof(w->campaign));
	(void)field(value, "time", w->time, sizeof(w->time));
	return field(value, "category", w->category, sizeof(w->category));
}
