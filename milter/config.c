/*
 * NAME
 *	config - campaign-milter's configuration: load, check, install,
 *	reload (see milter.h)
 * SYNOPSIS
 *	struct cm_config *cfg;
 *	if (cm_config_load(&opt, &cfg, &errs) == 0) cm_config_install(cfg);
 *	cfg = cm_config_get(); ... cm_config_put();
 *	cm_config_reload(&opt);				on SIGHUP
 * DESCRIPTION
 *	Reads campaign.conf (lib/conf), applies -o overrides and -p, then
 *	checks what only the milter cares about: return_path's placeholders,
 *	default_campaign's syntax, the unsubscribe and Feedback-ID
 *	templates.  It loads the unsubscribe secret (lib/hmac: refused when
 *	others may read it or its group write it) and opens the senders table
 *	(lib/map_db).  Every problem is one "file: setting: problem" line in
 *	errs; loading goes on so that all of them are reported.
 *
 *	The installed configuration is swapped under a read-write lock: the
 *	end-of-message callback holds the read side while it works.
 * DIAGNOSTICS
 *	cm_config_reload() logs what went wrong and keeps the old
 *	configuration; it returns 0 or -1.
 * SEE ALSO
 *	conf(3) in lib/conf.h, hmac.h, map_db.h, campaign-milter(8).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clog.h"
#include "hmac.h"
#include "milter.h"
#include "tag.h"

static pthread_rwlock_t cfg_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct cm_config *cfg_current;

static int
problem(struct buf *errs, const struct cm_config *cfg, const char *name, const char *text)
{
	buf_appendf(errs, "%s: %s: %s\n", cfg->path, name, text);
	return 1;
}

static int
check_template(struct buf *errs, const struct cm_config *cfg, const char *name,
	       const char *value, const char *allowed)
{
	struct cerr e;

	if (value == NULL || tag_template_check(value, allowed, &e) == 0)
		return 0;
	return problem(errs, cfg, name, e.msg);
}

/* check_return_path - placeholders only in the local part, %r at most once */
static int
check_return_path(struct buf *errs, const struct cm_config *cfg)
{
	const char *rp = cfg->cf.return_path, *at, *r;

	if (rp == NULL)
		return problem(errs, cfg, "return_path", "is required but not set");
	if (check_template(errs, cfg, "return_path", rp, "cr"))
		return 1;
	at = strrchr(rp, '@');
	if (at && strchr(at, '%') != NULL)
		return problem(errs, cfg, "return_path", "placeholders belong in the local part");
	if ((r = strstr(rp, "%r")) != NULL && strstr(r + 2, "%r") != NULL)
		return problem(errs, cfg, "return_path", "%r may appear only once");
	return 0;
}

static int
check_default_campaign(struct buf *errs, const struct cm_config *cfg)
{
	const char *d = cfg->cf.default_campaign;

	if (d && !tag_id_valid(d, strlen(d)))
		return problem(errs, cfg, "default_campaign",
		    "must be 1-64 characters from A-Za-z0-9._-");
	return 0;
}

/* check_uri_part - text that goes between < > in List-Unsubscribe */
static int
check_uri_part(struct buf *errs, const struct cm_config *cfg, const char *name,
	       const char *v, size_t max)
{
	if (strlen(v) > max)
		return problem(errs, cfg, name, "is too long");
	if (strpbrk(v, " \t<>\",") != NULL)
		return problem(errs, cfg, name, "must not contain white space, <, >, \" or ,");
	return 0;
}

static int
check_unsubscribe(struct buf *errs, const struct cm_config *cfg)
{
	const struct campaign_conf *cf = &cfg->cf;
	int	n = 0;

	if (cf->unsubscribe_url) {
		if (strncasecmp(cf->unsubscribe_url, "https://", 8) != 0)
			n += problem(errs, cfg, "unsubscribe_url",
			    "must be an https:// URL (RFC 8058 one-click)");
		n += check_uri_part(errs, cfg, "unsubscribe_url", cf->unsubscribe_url, CM_URL_MAX);
		n += check_template(errs, cfg, "unsubscribe_url", cf->unsubscribe_url, "crt");
		if (cf->unsubscribe_secret_file == NULL)
			n += problem(errs, cfg, "unsubscribe_url",
			    "needs unsubscribe_secret_file for its tokens");
	}
	if (cf->unsubscribe_mailto) {
		if (strchr(cf->unsubscribe_mailto, '@') == NULL)
			n += problem(errs, cfg, "unsubscribe_mailto", "must be an address local@domain");
		n += check_uri_part(errs, cfg, "unsubscribe_mailto", cf->unsubscribe_mailto,
		    CM_MAILTO_MAX);
		n += check_template(errs, cfg, "unsubscribe_mailto", cf->unsubscribe_mailto, "ct");
		if (strstr(cf->unsubscribe_mailto, "%t") && cf->unsubscribe_secret_file == NULL)
			n += problem(errs, cfg, "unsubscribe_mailto",
			    "%t needs unsubscribe_secret_file");
	}
	return n;
}

static int
check_feedback_id(struct buf *errs, const struct cm_config *cfg)
{
	const char *f = cfg->cf.feedback_id;

	if (f == NULL)
		return 0;
	if (strlen(f) > CM_FBID_MAX)
		return problem(errs, cfg, "feedback_id", "is too long");
	return check_template(errs, cfg, "feedback_id", f, "c");
}

static int
load_secret(struct buf *errs, struct cm_config *cfg)
{
	struct cerr e;

	buf_init(&cfg->secret, 0);
	if (cfg->cf.unsubscribe_secret_file == NULL)
		return 0;
	if (hmac_load_secret(cfg->cf.unsubscribe_secret_file, &cfg->secret, &e) == 0)
		return 0;
	buf_free(&cfg->secret);
	return problem(errs, cfg, "unsubscribe_secret_file", e.msg);
}

static int
open_senders(struct buf *errs, struct cm_config *cfg)
{
	struct cerr e;

	if (cfg->cf.senders_table == NULL)
		return 0;
	if ((cfg->senders = map_db_open(cfg->cf.senders_table, MAP_RDONLY, &e)) != NULL)
		return 0;
	return problem(errs, cfg, "senders_table", e.msg);
}

/* read_settings - the file, then -o overrides, then -p */
static int
read_settings(const struct cm_options *opt, struct cm_config *cfg, struct buf *errs)
{
	int	n, i;

	n = conf_load(&cfg->cf, opt->conf_path, 1, errs);
	for (i = 0; i < opt->noverrides; i++)
		n += conf_override(&cfg->cf, opt->overrides[i], errs);
	if (opt->socket)
		n += conf_set(&cfg->cf, "milter_socket", opt->socket, "-p", errs);
	return n;
}

static struct cm_config *
cm_config_new(const char *path)
{
	struct cm_config *cfg = calloc(1, sizeof(*cfg));

	if (cfg == NULL)
		return NULL;
	if ((cfg->path = strdup(path)) == NULL) {
		free(cfg);
		return NULL;
	}
	conf_init(&cfg->cf);
	buf_init(&cfg->secret, 0);
	pthread_mutex_init(&cfg->senders_lock, NULL);
	return cfg;
}

int
cm_config_load(const struct cm_options *opt, struct cm_config **out, struct buf *errs)
{
	struct cm_config *cfg = cm_config_new(opt->conf_path);
	int	n;

	*out = NULL;
	if (cfg == NULL) {
		buf_appendf(errs, "%s: out of memory\n", opt->conf_path);
		return 1;
	}
	n = read_settings(opt, cfg, errs);
	n += check_return_path(errs, cfg);
	n += check_default_campaign(errs, cfg);
	n += check_unsubscribe(errs, cfg);
	n += check_feedback_id(errs, cfg);
	if (n == 0)
		n += load_secret(errs, cfg);
	if (n == 0)
		n += open_senders(errs, cfg);
	if (n)
		cm_config_free(cfg);
	else
		*out = cfg;
	return n;
}

void
cm_config_free(struct cm_config *cfg)
{
	if (cfg == NULL)
		return;
	if (cfg->senders)
		map_db_close(cfg->senders);
	if (cfg->secret.data)
		memset(cfg->secret.data, 0, cfg->secret.len);
	buf_free(&cfg->secret);
	conf_free(&cfg->cf);
	pthread_mutex_destroy(&cfg->senders_lock);
	free(cfg->path);
	free(cfg);
}

void
cm_config_print(const struct cm_config *cfg, FILE *fp)
{
	fprintf(fp, "# %s: configuration from %s\n", CM_NAME, cfg->path);
	conf_print(&cfg->cf, fp);
	fprintf(fp, "# unsubscribe secret: %s\n",
	    cfg->secret.len ? "loaded" : "none (no List-Unsubscribe URL)");
	fprintf(fp, "# senders table: %s\n", cfg->senders ? "open" : "none");
}

void
cm_config_install(struct cm_config *cfg)
{
	struct cm_config *old;

	pthread_rwlock_wrlock(&cfg_lock);
	old = cfg_current;
	cfg_current = cfg;
	pthread_rwlock_unlock(&cfg_lock);
	cm_config_free(old);
}

struct cm_config *
cm_config_get(void)
{
	pthread_rwlock_rdlock(&cfg_lock);
	return cfg_current;
}

void
cm_config_put(void)
{
	pthread_rwlock_unlock(&cfg_lock);
}

int
cm_config_reload(const struct cm_options *opt)
{
	struct cm_config *cfg;
	struct buf errs;
	char   *line, *next;

	buf_init(&errs, 1 << 16);
	if (cm_config_load(opt, &cfg, &errs) != 0) {
		for (line = errs.data; line && *line; line = next) {
			if ((next = strchr(line, '\n')) != NULL)
				*next++ = '\0';
			clog_warnx("reload: %s", line);
		}
		clog_warnx("reload failed; keeping the configuration in effect");
		buf_free(&errs);
		return -1;
	}
	buf_free(&errs);
	cm_config_install(cfg);
	clog_infox("configuration reloaded from %s", opt->conf_path);
	return 0;
}

/*
 * cm_senders_lookup - one lookup under the table's mutex.  A table that
 * could not be opened is opened again by the next lookup; after that,
 * map_db reopens by itself after an error or a rebuild, and holds its lock
 * only during a lookup (so postmap can rebuild a corrupt file).
 */
int
cm_senders_lookup(struct cm_config *cfg, const char *key, struct buf *val, struct cerr *e)
{
	int	r = -1;

	pthread_mutex_lock(&cfg->senders_lock);
	if (cfg->senders == NULL)
		cfg->senders = map_db_open(cfg->cf.senders_table, MAP_RDONLY, e);
	if (cfg->senders != NULL)
		r = map_db_lookup(cfg->senders, key, val, e);
	pthread_mutex_unlock(&cfg->senders_lock);
	return r;
}
