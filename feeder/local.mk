# feeder/local.mk - campaign-feed (included by the top Makefile.am)
noinst_LIBRARIES += feeder/libfeed.a
feeder_libfeed_a_SOURCES = feeder/feed.h feeder/feed_sess.h \
	feeder/feed_journal.c feeder/feed_smtp.c feeder/feed_loop.c \
	feeder/feed_gather.c feeder/feed_progress.c
FEED_LIBS = feeder/libfeed.a $(CAMPAIGN_LIBS) -lm

bin_PROGRAMS += feeder/campaign-feed
feeder_campaign_feed_SOURCES = feeder/feed_main.c
feeder_campaign_feed_LDADD = $(FEED_LIBS)
dist_man_MANS += feeder/campaign-feed.1

check_PROGRAMS += tests/unit/test_feed_msg \
	tests/unit/test_feed_rcpt tests/unit/test_feed_journal \
	tests/unit/test_feed_gather
tests_unit_test_feed_msg_SOURCES = tests/unit/test_feed_msg.c tests/unit/testhelp.h
tests_unit_test_feed_msg_LDADD = $(FEED_LIBS)
tests_unit_test_feed_rcpt_SOURCES = tests/unit/test_feed_rcpt.c tests/unit/testhelp.h
tests_unit_test_feed_rcpt_LDADD = $(FEED_LIBS)
tests_unit_test_feed_journal_SOURCES = tests/unit/test_feed_journal.c tests/unit/testhelp.h
tests_unit_test_feed_journal_LDADD = $(FEED_LIBS)
tests_unit_test_feed_gather_SOURCES = tests/unit/test_feed_gather.c tests/unit/testhelp.h
tests_unit_test_feed_gather_LDADD = $(FEED_LIBS)
TESTS += tests/unit/test_feed_msg \
	tests/unit/test_feed_rcpt tests/unit/test_feed_journal \
	tests/unit/test_feed_gather

# the work queue and --batch
feeder_libfeed_a_SOURCES += feeder/feed_queue.c feeder/feed_source.c \
	feeder/feed_batch.c
check_PROGRAMS += tests/unit/test_feed_batch
tests_unit_test_feed_batch_SOURCES = tests/unit/test_feed_batch.c tests/unit/testhelp.h
tests_unit_test_feed_batch_LDADD = $(FEED_LIBS)
TESTS += tests/unit/test_feed_batch
