/*
 * NAME
 *	test_conf - unit tests for lib/conf.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "testhelp.h"

/* load - write text to a temporary file and load it; returns problems */
static int
load(struct campaign_conf *cf, const char *text, struct buf *errs, char *path)
{
	int	fd;

	strcpy(path, "/tmp/test_conf.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	close(fd);
	conf_init(cf);
	buf_reset(errs);
	return conf_load(cf, path, 1, errs);
}

static void
test_problems(void)
{
	static const struct {
		const char *text;
		int	want_n;
		const char *want_err;	/* after "path:" */
	}	cases[] = {
		{"return_path = bounce@example.com\n", 0, ""},
		{"# comment\n\nfilter_deadline = 2m\n", 0, ""},
		{"bogus = 1\n", 1, ":1: bogus: unknown setting\n"},
		{"a\nb = 1\n", 2, ":1: missing '=' (expected name = value)\n"},
		{"filter_deadline = 10x\n", 1, ":1: filter_deadline: must be a time such as 30s, 5m, 1h\n"},
		{"filter_deadline = 0\n", 1, ":1: filter_deadline: 0 is out of range 1..86400\n"},
		{"return_path = nobody\n", 1, ":1: return_path: must be an address local@domain (may use %c and %r)\n"},
		{"reinject_to = host:99999\n", 1, ":1: reinject_to: port must be a number from 1 to 65535\n"},
		{"reinject_connections = 9\n", 1, ":1: reinject_connections: 9 is out of range 1..8\n"},
		{"x = 1\n\ny = 2\n", 2, ":1: x: unknown setting\n"},
		{"syslog_facility = nope\n", 1, ":1: syslog_facility: unknown syslog facility\n"},
		{"feedback_id = a\x01z\n", 1, ":1: NUL or control character in line\n"},
	};
	struct campaign_conf cf;
	struct buf errs;
	char	path[64], want[256];
	size_t	i;

	buf_init(&errs, 4096);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int	n = load(&cf, cases[i].text, &errs, path);

		CHECK_INT(n, cases[i].want_n, "problem count, case %zu", i);
		if (*cases[i].want_err) {
			snprintf(want, sizeof(want), "%s%s", path, cases[i].want_err);
			CHECK(strncmp(buf_cstr(&errs), want, strlen(want)) == 0,
			    "case %zu: got \"%s\", want \"%s\"", i, buf_cstr(&errs), want);
		}
		conf_free(&cf);
		unlink(path);
	}
	buf_free(&errs);
}

static void
test_values(void)
{
	struct campaign_conf cf;
	struct buf errs;
	char	path[64];

	buf_init(&errs, 4096);
	CHECK_INT(load(&cf, "return_path = b+%c@example.com\n"
	    "feedback_id = one\n   two\n"
	    "filter_deadline = 1h\nfilter_memory_limit = 2m\n", &errs, path), 0,
	    "valid file loads");
	CHECK_STR(cf.return_path, "b+%c@example.com", "string setting");
	CHECK_STR(cf.feedback_id, "one two", "continuation line");
	CHECK_INT(cf.filter_deadline, 3600, "time with suffix");
	CHECK_INT(cf.filter_memory_limit, 2 * 1024 * 1024, "size with suffix");
	CHECK_STR(cf.default_campaign, "default", "default value");
	CHECK_STR(cf.reinject_to, "127.0.0.1:10026", "default reinject_to");
	CHECK_INT(cf.reinject_connections, 1, "default reinject_connections");
	CHECK_INT(conf_override(&cf, "default_campaign=spring", &errs), 0, "override");
	CHECK_STR(cf.default_campaign, "spring", "override value");
	CHECK_INT(conf_override(&cf, "nosuch=1", &errs), 1, "override of unknown name");
	conf_free(&cf);
	unlink(path);
	conf_init(&cf);
	buf_reset(&errs);
	CHECK_INT(conf_require(&cf, "return_path", &errs), 1, "required setting missing");
	CHECK_INT(conf_load(&cf, "/nonexistent/campaign.conf", 0, &errs), 0,
	    "missing optional file");
	CHECK_INT(conf_load(&cf, "/nonexistent/campaign.conf", 1, &errs), 1,
	    "missing required file");
	conf_free(&cf);
	buf_free(&errs);
}

int
main(void)
{
	test_problems();
	test_values();
	return TEST_DONE("conf");
}
