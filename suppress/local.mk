# suppress/local.mk - campaign-suppress (see issue: foundation)
sbin_PROGRAMS += suppress/campaign-suppress
suppress_campaign_suppress_SOURCES = \
	suppress/campaign-suppress.c suppress/suppress.h \
	suppress/edit.c suppress/query.c suppress/import.c suppress/why.c
suppress_campaign_suppress_LDADD = $(CAMPAIGN_LIBS)
dist_man_MANS += suppress/campaign-suppress.8
EXTRA_DIST += tests/integration/suppress_postmap_interop.sh
