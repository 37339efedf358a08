# milter/local.mk - rules for milter/ (included by the top Makefile.am)
sbin_PROGRAMS += milter/campaign-milter
milter_campaign_milter_SOURCES = milter/campaign-milter.c milter/milter.h \
	milter/config.c milter/mlfi.c
milter_campaign_milter_CFLAGS = $(AM_CFLAGS) $(MILTER_CFLAGS) -pthread
milter_campaign_milter_LDADD = $(CAMPAIGN_LIBS) $(MILTER_LIBS) $(PTHREAD_LIBS)
dist_man_MANS += milter/campaign-milter.8

# campaign-milter.service: made from its .in (edit_unit, Makefile.am) and
# installed into $(systemdsystemunitdir).  A unit of another program
# copies these lines with its own names.
systemdsystemunit_DATA += milter/campaign-milter.service
EXTRA_DIST += milter/campaign-milter.service.in
CLEANFILES += milter/campaign-milter.service
milter/campaign-milter.service: $(srcdir)/milter/campaign-milter.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) milter && \
	$(edit_unit) $(srcdir)/milter/campaign-milter.service.in > $@.tmp && mv $@.tmp $@

# Unit tests of lib/tag.c (the tag strings of the milter and the filter)
check_PROGRAMS += tests/unit/test_milter_tag
tests_unit_test_milter_tag_SOURCES = tests/unit/test_milter_tag.c tests/unit/testhelp.h
tests_unit_test_milter_tag_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/milter \
	-I$(top_srcdir)/tests/unit
tests_unit_test_milter_tag_LDADD = $(CAMPAIGN_LIBS)
TESTS += tests/unit/test_milter_tag
