# milter/local.mk - rules for milter/ (included by the top Makefile.am)
sbin_PROGRAMS += milter/campaign-milter
milter_campaign_milter_SOURCES = milter/campaign-milter.c milter/milter.h \
	milter/config.c milter/mlfi.c
milter_campaign_milter_CFLAGS = $(AM_CFLAGS) $(MILTER_CFLAGS) -pthread
milter_campaign_milter_LDADD = $(CAMPAIGN_LIBS) $(MILTER_LIBS) $(PTHREAD_LIBS)
dist_man_MANS += milter/campaign-milter.8
EXTRA_DIST += milter/campaign-milter.service milter/tests

# Unit tests of lib/tag.c (the tag strings of the milter and the filter)
check_PROGRAMS += milter/tests/test_tag
milter_tests_test_tag_SOURCES = milter/tests/test_tag.c tests/unit/testhelp.h
milter_tests_test_tag_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/milter \
	-I$(top_srcdir)/tests/unit
milter_tests_test_tag_LDADD = $(CAMPAIGN_LIBS)
TESTS += milter/tests/test_tag
