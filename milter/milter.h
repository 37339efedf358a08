/*
 * NAME
 *	milter.h - what the parts of campaign-milter share
 * SYNOPSIS
 *	#include "milter.h"
 * DESCRIPTION
 *	struct cm_config is everything read at start-up and again on SIGHUP:
 *	the settings, the unsubscribe secret and the open senders table.
 *	config.c makes, checks, installs and frees it; the milter callbacks
 *	(mlfi.c) borrow the installed one for the length of one end of
 *	message with cm_config_get()/cm_config_put() (a read lock, so a
 *	reload waits for messages in progress and then swaps atomically).
 *
 *	cm_config_load() returns the number of problems found, each appended
 *	to errs as one line; 0 means *out holds a new configuration.
 */
#ifndef MILTER_H
#define MILTER_H

#include <pthread.h>
#include <stdio.h>

#include <libmilter/mfapi.h>

#include "buf.h"
#include "conf.h"
#include "map_db.h"

#define CM_NAME		"campaign-milter"
#define CM_URL_MAX	512		/* unsubscribe_url, before expansion */
#define CM_MAILTO_MAX	256		/* unsubscribe_mailto */
#define CM_FBID_MAX	256		/* feedback_id */
#define CM_QID_MAX	64		/* the "i" macro (queue id) */

struct cm_config {
	struct campaign_conf cf;
	char   *path;			/* the file it came from */
	struct buf secret;		/* empty: no unsubscribe secret */
	struct map_db *senders;		/* NULL: none, or closed after an error */
	pthread_mutex_t senders_lock;	/* a map_db handle is not thread-safe */
};

struct cm_options {
	const char *conf_path;
	char  **overrides;		/* -o name=value, in order */
	int	noverrides;
	const char *socket;		/* -p, overrides milter_socket */
};

/* config.c */
int	cm_config_load(const struct cm_options *opt, struct cm_config **out,
		       struct buf *errs);
void	cm_config_free(struct cm_config *cfg);
void	cm_config_print(const struct cm_config *cfg, FILE *fp);
void	cm_config_install(struct cm_config *cfg);
struct cm_config *cm_config_get(void);
void	cm_config_put(void);
int	cm_config_reload(const struct cm_options *opt);
int	cm_senders_lookup(struct cm_config *cfg, const char *key,
			  struct buf *val, struct cerr *e);

/* mlfi.c */
extern struct smfiDesc cm_milter;

#endif
