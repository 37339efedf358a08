/*
 * NAME
 *	conf - campaign.conf, the one configuration file every program reads
 * SYNOPSIS
 *	#include "conf.h"
 *
 *	struct campaign_conf cf;
 *	struct buf errs;
 *	buf_init(&errs, 1 << 16);
 *	conf_init(&cf);
 *	n = conf_load(&cf, path, must_exist, &errs);	"file:line: problem\n"...
 *	n += conf_override(&cf, "name=value", &errs);	-o name=value
 *	n += conf_require(&cf, "return_path", &errs);
 *	if (n) { fputs(buf_cstr(&errs), stderr); exit(78); }
 *	conf_print(&cf, stdout);			-n
 *	conf_free(&cf);
 * DESCRIPTION
 *	Syntax as main.cf: "name = value"; '#' starts a comment line; blank
 *	lines are ignored; a line that starts with white space continues the
 *	previous setting.  Leading and trailing white space around names and
 *	values is removed.  A setting given twice keeps the last value.
 *
 *	All settings live in one table (conf.c: name, type, default, bounds,
 *	check, and the field of struct campaign_conf it fills).  Unknown names
 *	and bad values are problems.  Every problem is appended to errs as one
 *	"file:line: problem" line and reading goes on to the end of the file;
 *	the functions return the number of problems found (0 = fine).
 *
 *	conf_init() fills in the defaults.  conf_load() with must_exist = 0
 *	treats a missing file as empty.  conf_override() takes "name=value"
 *	from the command line (reported as "command line").  conf_require()
 *	reports a string setting that is still empty.  conf_print() writes
 *	every setting, "name = value", in table order.  conf_free() releases
 *	the strings.  Strings are owned by the struct; an unset string setting
 *	is NULL.
 *
 *	Types: string; int with bounds; time (a number with an optional s, m,
 *	h or d suffix, stored in seconds); size (optional k, m, g suffix,
 *	stored in bytes); bool (yes/no/true/false/1/0).
 */
#ifndef CONF_H
#define CONF_H

#include <stdio.h>

#include "buf.h"

#define CAMPAIGN_CONF_DEFAULT	"/etc/postfix/campaign/campaign.conf"
#define CONF_REINJECT_CONNS_MAX	8	/* reinject_connections' bound (filter/fanout.c) */

struct campaign_conf {
	/* campaign-milter */
	char   *return_path;
	char   *default_campaign;
	char   *senders_table;
	char   *unsubscribe_url;
	char   *unsubscribe_mailto;
	char   *unsubscribe_secret_file;
	char   *feedback_id;
	char   *milter_socket;
	long	max_header_bytes;
	/* campaign-filter, campaign-suppress */
	char   *suppression_table;
	char   *reinject_to;
	long	reinject_connections;	/* a batch's copies over this many */
	long	filter_deadline;
	long	filter_memory_limit;
	/* campaign-bounce: classifier rules and suppression policy */
	char   *bounce_rules;
	char   *bounce_policy;
	long	bounce_soft_limit;
	long	bounce_soft_window;
	char   *bounce_state_table;
	char   *filter_state_dir;	/* batch progress files */
	/* batches (milter, filter, campaign-setup) */
	char   *batch_address;
	long	batch_max_recipients;
	long	batch_max_bytes;
	/* all */
	char   *syslog_facility;
	/* campaign-unsubscribe */
	char   *unsubscribe_listen;
	long	unsubscribe_threads;
	long	unsubscribe_max_connections;
};

int	conf_init(struct campaign_conf *cf);
int	conf_load(struct campaign_conf *cf, const char *path, int must_exist,
		  struct buf *errs);
int	conf_override(struct campaign_conf *cf, const char *name_eq_value,
		      struct buf *errs);
int	conf_set(struct campaign_conf *cf, const char *name, const char *value,
		 const char *where, struct buf *errs);
int	conf_require(const struct campaign_conf *cf, const char *name,
		     struct buf *errs);
void	conf_print(const struct campaign_conf *cf, FILE *fp);
void	conf_free(struct campaign_conf *cf);

#endif
