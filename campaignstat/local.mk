# campaignstat/local.mk - rules for campaignstat/ (included by the top Makefile.am)
# The parts are a library so that the unit tests link the same objects.
noinst_LIBRARIES += campaignstat/libcampaignstat.a
campaignstat_libcampaignstat_a_SOURCES = \
	campaignstat/cs_line.c campaignstat/cs_line.h \
	campaignstat/cs_parse.c campaignstat/cs_parse.h \
	campaignstat/cs_table.c campaignstat/cs_table.h \
	campaignstat/cs_stats.c campaignstat/cs_stats.h \
	campaignstat/cs_track.c campaignstat/cs_track.h \
	campaignstat/cs_tls.c campaignstat/cs_tls.h \
	campaignstat/cs_input.c campaignstat/cs_input.h \
	campaignstat/cs_report.c campaignstat/cs_report.h \
	campaignstat/cs_html.c
CS_LIBS = campaignstat/libcampaignstat.a $(CAMPAIGN_LIBS) $(Z_LIBS)

bin_PROGRAMS += campaignstat/campaignstat
campaignstat_campaignstat_SOURCES = campaignstat/campaignstat.c
campaignstat_campaignstat_LDADD = $(CS_LIBS)
dist_man_MANS += campaignstat/campaignstat.1
EXTRA_DIST += campaignstat/campaignstat-json.md

# unit tests of campaignstat's parts (tests/unit/test_stat_*.c, the default
# source of each; they include the headers as "../../campaignstat/cs_*.h")
STAT_UNITS = tests/unit/test_stat_line tests/unit/test_stat_parse \
	tests/unit/test_stat_track tests/unit/test_stat_stats
check_PROGRAMS += $(STAT_UNITS)
TESTS += $(STAT_UNITS)
tests_unit_test_stat_line_LDADD = $(CS_LIBS)
tests_unit_test_stat_parse_LDADD = $(CS_LIBS)
tests_unit_test_stat_track_LDADD = $(CS_LIBS)
# the shipped postfix-conf/bounce-rules (test_expiry_category)
tests_unit_test_stat_track_CPPFLAGS = $(AM_CPPFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_stat_stats_LDADD = $(CS_LIBS)
# discard(8) lines counted as suppressions (campaign-setup --discard-suppressed)
STAT_UNITS += tests/unit/test_stat_discard
tests_unit_test_stat_discard_LDADD = $(CS_LIBS)
