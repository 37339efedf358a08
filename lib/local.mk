# lib/local.mk - the shared noinst library
noinst_LIBRARIES += lib/libcampaign.a
lib_libcampaign_a_SOURCES = \
	lib/cerr.c lib/cerr.h \
	lib/buf.c lib/buf.h \
	lib/clog.c lib/clog.h \
	lib/conf.c lib/conf.h \
	lib/hmac.c lib/hmac.h \
	lib/addr.c lib/addr.h \
	lib/map_db.c lib/map_db.h

# Every program links this, then its own needs (map_db.c calls pthread_once).
CAMPAIGN_LIBS = lib/libcampaign.a $(LIBS) $(CRYPTO_LIBS) $(PTHREAD_LIBS)

# Unit tests of addr.c and map_db.c
check_PROGRAMS += tests/unit/test_addr tests/unit/test_map_db
tests_unit_test_addr_SOURCES = tests/unit/test_addr.c tests/unit/testhelp.h
tests_unit_test_addr_LDADD = $(CAMPAIGN_LIBS)
tests_unit_test_map_db_SOURCES = tests/unit/test_map_db.c tests/unit/testhelp.h
tests_unit_test_map_db_LDADD = $(CAMPAIGN_LIBS)
TESTS += tests/unit/test_addr tests/unit/test_map_db

# The suppression entry of a signal (campaign-unsubscribe; bounce policy)
lib_libcampaign_a_SOURCES += lib/supentry.c lib/supentry.h
