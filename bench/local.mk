# bench/local.mk - rules for bench/ (included by the top Makefile.am)
dist_noinst_SCRIPTS += bench/suppress-import
dist_noinst_SCRIPTS += bench/logging
EXTRA_DIST += bench/logging-sync.conf
dist_noinst_SCRIPTS += bench/pipeline bench/tuning
EXTRA_DIST += bench/pipeline-lib.sh
dist_noinst_SCRIPTS += bench/feed
dist_noinst_SCRIPTS += bench/campaignstat
