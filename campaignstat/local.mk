# campaignstat/local.mk - rules for campaignstat/ (included by the top Makefile.am)
bin_PROGRAMS += campaignstat/campaignstat
CS_CORE = campaignstat/cs_line.c campaignstat/cs_line.h \
	campaignstat/cs_parse.c campaignstat/cs_parse.h \
	campaignstat/cs_stats.c campaignstat/cs_stats.h \
	campaignstat/cs_track.c campaignstat/cs_track.h \
	campaignstat/cs_input.c campaignstat/cs_input.h \
	campaignstat/cs_report.c campaignstat/cs_report.h \
	campaignstat/cs_html.c
campaignstat_campaignstat_SOURCES = campaignstat/campaignstat.c $(CS_CORE)
campaignstat_campaignstat_LDADD = $(CAMPAIGN_LIBS) $(Z_LIBS)
dist_man_MANS += campaignstat/campaignstat.1
EXTRA_DIST += campaignstat/campaignstat-json.md
