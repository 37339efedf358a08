# bench/local.mk - rules for bench/ (included by the top Makefile.am)
dist_noinst_SCRIPTS += bench/suppress-import
dist_noinst_SCRIPTS += bench/logging
EXTRA_DIST += bench/logging-sync.conf
dist_noinst_SCRIPTS += bench/pipeline bench/tuning
EXTRA_DIST += bench/pipeline-lib.sh
dist_noinst_SCRIPTS += bench/feed
dist_noinst_SCRIPTS += bench/campaignstat
dist_noinst_SCRIPTS += bench/milter
# bench/milter: the do-nothing milter baseline
noinst_PROGRAMS += bench/nullmilter
bench_nullmilter_SOURCES = bench/nullmilter.c
bench_nullmilter_CFLAGS = $(AM_CFLAGS) $(MILTER_CFLAGS) -pthread
bench_nullmilter_LDADD = $(MILTER_LIBS) $(PTHREAD_LIBS)
dist_noinst_SCRIPTS += bench/campaign
dist_noinst_SCRIPTS += bench/unsubscribe
EXTRA_DIST += bench/UNSUBSCRIBE.md
EXTRA_DIST += bench/campaign-lib.sh bench/CAMPAIGN.md
# bench/bounce: DSNs through campaign-bounce (bench/BOUNCE.md)
dist_noinst_SCRIPTS += bench/bounce
EXTRA_DIST += bench/BOUNCE.md
noinst_PROGRAMS += bench/bounce-drive
bench_bounce_drive_SOURCES = bench/bounce-drive.c $(BOUNCE_SRCS)
bench_bounce_drive_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/bounce $(GMIME_CFLAGS)
bench_bounce_drive_LDADD = $(CAMPAIGN_LIBS) $(GMIME_LIBS)
# bench/shaping: stock against --providers plus campaign-shaper (bench/SHAPING.md)
dist_noinst_SCRIPTS += bench/shaping
EXTRA_DIST += bench/SHAPING.md
