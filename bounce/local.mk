# bounce/local.mk - campaign-bounce (included by the top Makefile.am)
sbin_PROGRAMS += bounce/campaign-bounce
BOUNCE_SRCS = bounce/bounce.h bounce/report.c bounce/dsn.c bounce/verp.c bounce/apply.c \
	bounce/lmtp.c
bounce_campaign_bounce_SOURCES = bounce/campaign-bounce.c $(BOUNCE_SRCS)
bounce_campaign_bounce_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/bounce $(GMIME_CFLAGS)
bounce_campaign_bounce_LDADD = $(CAMPAIGN_LIBS) $(GMIME_LIBS)
dist_man_MANS += bounce/campaign-bounce.8

# unit and fixture tests: report parsing, VERP, DSN fields, policy applied
check_PROGRAMS += tests/unit/test_bounce
TESTS += tests/unit/test_bounce
tests_unit_test_bounce_SOURCES = tests/unit/test_bounce.c tests/unit/testhelp.h $(BOUNCE_SRCS)
tests_unit_test_bounce_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/bounce $(GMIME_CFLAGS) \
	-DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_bounce_LDADD = $(CAMPAIGN_LIBS) $(GMIME_LIBS)
EXTRA_DIST += tests/fixtures/bounce tests/integration/bounce_dsn.sh \
	tests/integration/bounce_lmtp.sh
