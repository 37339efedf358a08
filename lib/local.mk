# lib/local.mk - the shared noinst library
noinst_LIBRARIES += lib/libcampaign.a
lib_libcampaign_a_SOURCES = \
	lib/cerr.c lib/cerr.h \
	lib/buf.c lib/buf.h \
	lib/clog.c lib/clog.h \
	lib/conf.c lib/conf.h \
	lib/hmac.c lib/hmac.h \
	lib/addr.c lib/addr.h \
	lib/map_db.c lib/map_db.h \
	lib/map_handle.h \
	lib/map_guard.c lib/map_guard.h \
	lib/map_rec.c lib/map_rec.h \
	lib/map_access.c \
	lib/classify.c lib/classify.h \
	lib/policy.c lib/policy.h \
	lib/merge.c lib/merge.h \
	lib/tag.c lib/tag.h \
	lib/rlist.c lib/rlist.h \
	lib/batch.c lib/batch_write.c lib/batch.h \
	lib/smtp_reply.c lib/smtp_reply.h \
	lib/smtp_client.c lib/smtp_client.h \
	lib/smtp_conn.c lib/smtp_conn.h \
	lib/smtp_txn.c lib/smtp_txn.h

# Every program links this, then its own needs (map_guard.c calls pthread_once).
CAMPAIGN_LIBS = lib/libcampaign.a $(LIBS) $(CRYPTO_LIBS) $(PTHREAD_LIBS)

# Unit tests of addr.c and map_db.c
check_PROGRAMS += tests/unit/test_addr tests/unit/test_map_db
tests_unit_test_addr_SOURCES = tests/unit/test_addr.c tests/unit/testhelp.h
tests_unit_test_addr_LDADD = $(CAMPAIGN_LIBS)
tests_unit_test_map_db_SOURCES = tests/unit/test_map_db.c tests/unit/testhelp.h
tests_unit_test_map_db_LDADD = $(CAMPAIGN_LIBS)
TESTS += tests/unit/test_addr tests/unit/test_map_db

# The bounce classifier (lib/classify.c) and the shipped rules
check_PROGRAMS += tests/unit/test_classify
tests_unit_test_classify_SOURCES = tests/unit/test_classify.c tests/unit/testhelp.h
tests_unit_test_classify_CPPFLAGS = $(AM_CPPFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_classify_LDADD = $(CAMPAIGN_LIBS)
TESTS += tests/unit/test_classify

# The suppression policy (lib/policy.c) and the entries' reasons read back (lib/supentry.c)
check_PROGRAMS += tests/unit/test_policy
tests_unit_test_policy_SOURCES = tests/unit/test_policy.c tests/unit/testhelp.h
tests_unit_test_policy_LDADD = $(CAMPAIGN_LIBS)
TESTS += tests/unit/test_policy

# Unit tests of merge.c (the one merge engine)
check_PROGRAMS += tests/unit/test_merge
tests_unit_test_merge_SOURCES = tests/unit/test_merge.c tests/unit/testhelp.h
tests_unit_test_merge_LDADD = $(CAMPAIGN_LIBS)
TESTS += tests/unit/test_merge

# Unit tests of batch.c and batch_write.c (the batch format)
check_PROGRAMS += tests/unit/test_batch
tests_unit_test_batch_SOURCES = tests/unit/test_batch.c tests/unit/testhelp.h
tests_unit_test_batch_LDADD = $(CAMPAIGN_LIBS)
TESTS += tests/unit/test_batch

# The suppression entry of a signal (campaign-unsubscribe; bounce policy)
lib_libcampaign_a_SOURCES += lib/supentry.c lib/supentry.h

# The one SMTP reply parser (campaign-feed and campaign-filter)
check_PROGRAMS += tests/unit/test_smtp_reply
tests_unit_test_smtp_reply_SOURCES = tests/unit/test_smtp_reply.c tests/unit/testhelp.h
tests_unit_test_smtp_reply_LDADD = $(CAMPAIGN_LIBS)
TESTS += tests/unit/test_smtp_reply

# The SMTP client engine's protocol core
check_PROGRAMS += tests/unit/test_smtp_client
tests_unit_test_smtp_client_SOURCES = tests/unit/test_smtp_client.c tests/unit/testhelp.h
tests_unit_test_smtp_client_LDADD = $(CAMPAIGN_LIBS)
TESTS += tests/unit/test_smtp_client

# The SMTP client engine's transaction rules
check_PROGRAMS += tests/unit/test_smtp_txn
tests_unit_test_smtp_txn_SOURCES = tests/unit/test_smtp_txn.c tests/unit/testhelp.h
tests_unit_test_smtp_txn_LDADD = $(CAMPAIGN_LIBS)
TESTS += tests/unit/test_smtp_txn

# The provider table (postfix-conf/providers): campaign-shaper, campaign-setup --providers
lib_libcampaign_a_SOURCES += lib/provider.c lib/provider.h
