# shaper/local.mk - campaign-shaper (issue 16), included by the top Makefile.am
# Its parts are a library so that the unit tests link the same objects; it
# reads the delivery log with campaignstat's reader (CS_LIBS).
noinst_LIBRARIES += shaper/libshaper.a
shaper_libshaper_a_SOURCES = shaper/shaper.h shaper/srule.c shaper/action.c \
	shaper/pfconf.c
SHAPER_LIBS = shaper/libshaper.a $(CS_LIBS)

sbin_PROGRAMS += shaper/campaign-shaper
shaper_campaign_shaper_SOURCES = shaper/campaign-shaper.c
shaper_campaign_shaper_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/campaignstat
shaper_campaign_shaper_LDADD = $(SHAPER_LIBS)
dist_man_MANS += shaper/campaign-shaper.8
dist_pkgdata_DATA += postfix-conf/shaper-rules

# campaign-shaper.service: made from its .in (edit_unit, Makefile.am)
systemdsystemunit_DATA += shaper/campaign-shaper.service
CLEANFILES += shaper/campaign-shaper.service
shaper/campaign-shaper.service: $(srcdir)/shaper/campaign-shaper.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) shaper && \
	$(edit_unit) $(srcdir)/shaper/campaign-shaper.service.in > $@.tmp && mv $@.tmp $@
EXTRA_DIST += shaper/campaign-shaper.service.in
dist_noinst_SCRIPTS += bench/shaping

# Unit tests: lib/provider.c, and the shaper's rules and actions
check_PROGRAMS += tests/unit/test_provider tests/unit/test_shaper
tests_unit_test_provider_SOURCES = tests/unit/test_provider.c tests/unit/testhelp.h
tests_unit_test_provider_LDADD = $(CAMPAIGN_LIBS)
tests_unit_test_shaper_SOURCES = tests/unit/test_shaper.c tests/unit/testhelp.h
tests_unit_test_shaper_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/shaper
tests_unit_test_shaper_LDADD = $(SHAPER_LIBS)
TESTS += tests/unit/test_provider tests/unit/test_shaper
