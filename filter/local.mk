# filter/local.mk - rules for filter/ (included by the top Makefile.am)
sbin_PROGRAMS += filter/campaign-filter
filter_campaign_filter_SOURCES = filter/campaign-filter.c \
	filter/message.c filter/message.h filter/spool.c filter/spool.h \
	filter/reinject.c filter/reinject.h \
	filter/fanout.c filter/fanout.h filter/copy.c filter/copy.h \
	filter/pipeline.c filter/pipeline.h filter/progress.c filter/progress.h
filter_campaign_filter_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/filter
filter_campaign_filter_LDADD = $(CAMPAIGN_LIBS)
dist_man_MANS += filter/campaign-filter.8

# unit tests of the filter's parts (no lib/map_db needed)
check_PROGRAMS += tests/unit/test_filter_message tests/unit/test_filter_smtp
TESTS += tests/unit/test_filter_message tests/unit/test_filter_smtp
tests_unit_test_filter_message_SOURCES = tests/unit/test_filter_message.c \
	tests/unit/testhelp.h filter/message.c filter/spool.c
tests_unit_test_filter_message_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/filter
tests_unit_test_filter_message_LDADD = $(CAMPAIGN_LIBS)
tests_unit_test_filter_smtp_SOURCES = tests/unit/test_filter_smtp.c \
	tests/unit/testhelp.h filter/reinject.c filter/spool.c
tests_unit_test_filter_smtp_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/filter
tests_unit_test_filter_smtp_LDADD = $(CAMPAIGN_LIBS)

# Linked statically (not in the sanitizer build, which cannot be): pipe(8)
# execs the filter once per delivery, and mapping libdb and libc and
# resolving their symbols at every start was most of its CPU (0.8 ms, now
# 0.3 ms per run: the campaign-filter(8) PERFORMANCE section).  The
# linker's getaddrinfo warning concerns host names: reinject_to is normally
# an address, and a name is still resolved through the installed glibc's
# NSS modules.
if !SANITIZERS
filter_campaign_filter_LDFLAGS = -static
endif

# unit test of the batch progress file
check_PROGRAMS += tests/unit/test_filter_progress
TESTS += tests/unit/test_filter_progress
tests_unit_test_filter_progress_SOURCES = tests/unit/test_filter_progress.c \
	tests/unit/testhelp.h filter/progress.c
tests_unit_test_filter_progress_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/filter
tests_unit_test_filter_progress_LDADD = $(CAMPAIGN_LIBS)

# unit test of the pipelined reinjection of a batch's copies
check_PROGRAMS += tests/unit/test_filter_pipeline
TESTS += tests/unit/test_filter_pipeline
tests_unit_test_filter_pipeline_SOURCES = tests/unit/test_filter_pipeline.c \
	tests/unit/testhelp.h filter/pipeline.c
tests_unit_test_filter_pipeline_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/filter
tests_unit_test_filter_pipeline_LDADD = $(CAMPAIGN_LIBS)
