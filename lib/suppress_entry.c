/*
 * NAME
 *	suppress_entry - the suppression table's one writer (see
 *	suppress_entry.h)
 * SYNOPSIS
 *	#include "suppress_entry.h"
 * DESCRIPTION
 *	Used by campaign-suppress (add, import) and campaign-bounce, so every
 *	entry is written the same way and "campaign-suppress why" can read
 *	any of them back.
 * DIAGNOSTICS
 *	Nothing is printed; failures fill struct cerr.
 * SEE ALSO
 *	lib/map_db.h, access(5), suppress/campaign-suppress.1.
 */
#include <errno.h>
#include <string.h>

#include "map_db.h"
#include "suppress_entry.h"

int
suppress_entry_reason(struct buf *out, const char *category, const char *campaign,
		      time_t when)
{
	struct tm tm;
	char	t[32];

	gmtime_r(&when, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf_appendf(out, "550 5.7.1 suppressed: category=%s campaign=%s time=%s",
	    category, campaign && *campaign ? campaign : "unknown", t);
}

/* put_locked - under the batch lock: keep or write */
static int
put_locked(struct map_db *m, const char *key, const char *value, int flags,
	   struct cerr *e)
{
	struct buf old;
	int	r = 0;

	buf_init(&old, MAP_VALUE_MAX);
	if ((flags & SE_KEEP) && (r = map_db_lookup(m, key, &old, e)) != 0) {
		buf_free(&old);
		return r < 0 ? -1 : 0;
	}
	buf_free(&old);
	return map_db_update(m, key, value, e) < 0 ? -1 : 1;
}

int
suppress_entry_put_map(struct map_db *m, const char *key, const char *value, int flags,
		       struct cerr *e)
{
	struct cerr e2;
	int	r;

	if (map_db_begin(m, e) < 0)
		return -1;
	r = put_locked(m, key, value, flags, e);
	if (map_db_commit(m, r < 0 ? &e2 : e) < 0)
		r = -1;
	return r;
}

int
suppress_entry_put(const char *table, const char *key, const char *value, int flags,
		   struct cerr *e)
{
	struct map_db *m;
	int	r, saved;

	if ((m = map_db_open(table, MAP_RDWR | MAP_CREATE, e)) == NULL)
		return -1;
	r = suppress_entry_put_map(m, key, value, flags, e);
	saved = errno;
	map_db_close(m);
	errno = saved;
	return r;
}

/* field - copy the word after "name=" in v into out */
static int
field(const char *v, const char *name, char out[SE_FIELD_MAX + 1])
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
	if (n > SE_FIELD_MAX)
		n = SE_FIELD_MAX;
	memcpy(out, p, n);
	out[n] = '\0';
	return n > 0;
}

int
suppress_entry_why(const char *value, struct suppress_why *w)
{
	const char *s = strstr(value, "suppressed: ");

	w->text = s ? s + strlen("suppressed: ") : value;
	(void)field(value, "campaign", w->campaign);
	(void)field(value, "time", w->time);
	return field(value, "category", w->category);
}
